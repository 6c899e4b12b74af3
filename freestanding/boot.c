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
        fs_printf("hakmem freestanding %s: %u CPUs, counter %llu Hz, %s build\n", FS_TARGET_NAME,
                  (unsigned)FS_NCPUS, (unsigned long long)fs_cycles_hz(),
                  HAK_DEBUG ? "debug" : "release");
        if (FS_NCPUS > 1)
            fs_start_cpus(FS_NCPUS);
    }
    fs_irq_enable();
    int status = fs_image_main(cpu);
    if (cpu == 0)
        fs_exit(status);
    fs_park();
}
