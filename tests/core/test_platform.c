/*
 * test_platform.c - the platform contract (platform/platform.h) for the
 * host, without the hosted port: the core tests link core/ with this file
 * and test_hooks.c (the part shared with the bare-metal build: captured
 * output, counters, clock, recovery points). Here: diagnostic text is
 * echoed to stderr, a fault outside any recovery point aborts, and a lock
 * wait pauses. The test-only hooks are declared in test_platform.h.
 *
 * Capabilities: the defaults of platform.h (purge and clock on, no pin
 * check). Single-threaded.
 */
#include <stdlib.h>
#include <unistd.h>
#include "../../platform/platform.h"
#include "test_platform.h"

void hak_plat_write(const char *text, size_t n)
{
    if (!test_capture(text, n))
        return;
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, text, n);
        if (w <= 0)
            break;
        text += w;
        n -= (size_t)w;
    }
}

_Noreturn void hak_plat_panic(void)
{
    test_panic_recover();
    abort();
}

void hak_plat_lock_wait(atomic_int *word, int value, int may_block)
{
    (void)word;
    (void)value;
    /* The tests are single-threaded: a lock still held after the core's
     * spins was left held (a fault inside the core, then the arena used
     * again). Report it and fail the test rather than wait for ever. */
    if (may_block) {
        static const char msg[] = "test platform: a core lock stays held (arena used after a fault?)\n";
        hak_plat_write(msg, sizeof msg - 1u);
        hak_plat_panic();
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
