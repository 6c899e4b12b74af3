/*
 * boot.c - what every CPU runs once the target's entry code gave it a
 * stack (arch.h's boot contract): CPU 0 prints the banner and starts the
 * others; then every CPU runs the image's main with interrupts on; CPU 0
 * ends the run with its status.
 */
#include "fs.h"

_Noreturn void fs_cpu_entry(unsigned cpu)
{
    if (cpu == 0) {
        fs_printf("hakmem freestanding %s: %u CPUs, counter %llu Hz, %s build%s%s%s\n",
                  FS_TARGET_NAME, (unsigned)FS_NCPUS, (unsigned long long)fs_cycles_hz(),
                  HAK_DEBUG ? "debug" : "release", HAK_WITH_CHECK ? "" : ", no check",
                  HAK_WITH_STATS ? "" : ", no stats", HAK_WITH_ARENA_API ? "" : ", no arena API");
#ifdef FS_ICOUNT_SHIFT
        /* Built for QEMU -icount shift=FS_ICOUNT_SHIFT: virtual time, and
         * so the counter, advances 2^shift ns per instruction. */
        if (fs_cycles_hz())
            fs_printf("under -icount shift=%d: a counter tick is %llu instructions\n",
                      FS_ICOUNT_SHIFT,
                      (unsigned long long)(1000000000u / fs_cycles_hz()) >> FS_ICOUNT_SHIFT);
#endif
        if (FS_NCPUS > 1)
            fs_start_cpus(FS_NCPUS);
    }
    fs_irq_enable();
    int status = fs_image_main(cpu);
    if (cpu == 0)
        fs_exit(status);
    fs_park();
}
