/*
 * main.c - the main of core_tests.elf: the core tests (tests/core/) on one
 * CPU, over the image's static buffers, with this folder's platform. The
 * harness prints "PASS name - what" or "FAIL name - what" per test; this
 * adds the summary line.
 */
#include "../fs.h"
#include "../../tests/core/harness.h"

int fs_image_main(unsigned cpu)
{
    if (cpu != 0)
        return 0;
    uint64_t t0 = fs_cycles();
    unsigned ran = 0, failed = test_run_all(0, &ran);
    uint64_t ticks = fs_cycles() - t0, hz = fs_cycles_hz();
    fs_printf("DONE %s core_tests%s: %u passed, %u failed (%llu ms)\n", FS_TARGET_NAME,
              HAK_DEBUG ? " (HAK_DEBUG)" : "", ran - failed, failed,
              (unsigned long long)(hz ? ticks / (hz / 1000u) : 0));
    return failed || !ran ? 1 : 0;
}
