/*
 * platform.c - the core tests' platform on bare metal: the system's part
 * of the contract (platform/platform.h), with tests/core/test_hooks.c for
 * the rest and the test hooks, as tests/core/test_platform.c does on the
 * host: the UART for stderr, fs_setjmp/fs_longjmp for the recovery
 * points.
 *
 * Capabilities: purge and clock on (the defaults of platform.h: the purge
 * tests need them), no pin check. Single CPU.
 */
#include "../fs.h"
#include "../../tests/core/test_platform.h"

#if !HAK_PLAT_HAS_PURGE || !HAK_PLAT_HAS_CLOCK || HAK_PLAT_HAS_PIN_CHECK
#error "the core tests' platform has purge and clock, and no pin check"
#endif

void hak_plat_write(const char *text, size_t n)
{
    if (test_capture(text, n))
        fs_console_write(text, n);
}

_Noreturn void hak_plat_panic(void)
{
    test_panic_recover();
    fs_printf("FAIL %s core_tests: hakmem fault outside any test's recovery point\n",
              FS_TARGET_NAME);
    fs_exit(3);
}

/* Single CPU: a lock still held after the core's spins was left held by
 * a fault. */
void hak_plat_lock_wait(atomic_int *word, int value, int may_block)
{
    (void)word;
    (void)value;
    if (may_block) {
        static const char msg[] = "test platform: a core lock stays held (arena used after a fault?)\n";
        hak_plat_write(msg, sizeof msg - 1u);
        hak_plat_panic();
    }
    fs_cpu_relax();
}
