/*
 * smp_stress.c - every CPU allocates and frees blocks of mixed sizes at
 * once (stress.h), a quarter of the frees on another CPU than the
 * allocating one; every block's pattern is checked on free. At the end,
 * the bytes in use match the live blocks exactly, then nothing is in use,
 * and every byte of the region is accounted for.
 */
#include "stress.h"

static stress_out_t outs[FS_NCPUS];

void fs_test_smp_stress(unsigned cpu)
{
    stress_loop(cpu, 1, fs_pick_size, FS_STRESS_OPS, FS_STRESS_OPS, 0, 0, &outs[cpu]);
    fs_barrier();
    if (cpu == 0)
        stress_report("smp_stress", outs, FS_NCPUS);
    stress_settle(cpu, "smp_stress");
    if (cpu == 0) {
        uint64_t ops = 0, sent = 0;
        for (unsigned c = 0; c < FS_NCPUS; c++) {
            ops += outs[c].ops;
            sent += outs[c].cross_sent;
        }
        fs_detail("%llu mallocs+frees on %u cpus, %llu freed on another cpu",
                  (unsigned long long)ops, (unsigned)FS_NCPUS, (unsigned long long)sent);
    }
}
