/*
 * test_platform.c - the platform contract (platform/platform.h) for the
 * host, without the hosted port: the core tests link core/ with this file
 * only. Diagnostic text goes to stderr and to a capture buffer; a fault
 * jumps back to the test that expected it; exhaustion and purges are
 * counted; the clock is whatever the test set; the entropy is a constant.
 * The test-only hooks are declared in test_platform.h.
 *
 * Capabilities: the defaults of platform.h (purge and clock on, no pin
 * check). Single-threaded.
 */
#include <stdlib.h>
#include <unistd.h>
#include "../../platform/platform.h"
#include "test_platform.h"

static char out_buf[TEST_OUTPUT_MAX + 1u];
static size_t out_len;
static int out_echo = 1;
static uint64_t oom_calls, purge_calls, purge_bytes, panic_calls;
static uint64_t clock_now;
static void **recovery;

/* ---- the contract ---- */

void hak_plat_write(const char *text, size_t n)
{
    for (size_t i = 0; i < n && out_len < TEST_OUTPUT_MAX; i++)
        out_buf[out_len++] = text[i];
    out_buf[out_len] = '\0';
    while (out_echo && n > 0) {
        ssize_t w = write(STDERR_FILENO, text, n);
        if (w <= 0)
            break;
        text += w;
        n -= (size_t)w;
    }
}

_Noreturn void hak_plat_panic(void)
{
    panic_calls++;
    void **point = recovery;
    if (point) {
        recovery = 0;
        TEST_LONGJMP(point);
    }
    abort();
}

void hak_plat_out_of_memory(void)
{
    oom_calls++;
}

static int purge_keeps;

int hak_plat_purge(void *p, size_t size)
{
    purge_calls++;
    purge_bytes += size;
    /* What madvise(MADV_DONTNEED) leaves: zero pages for private anonymous
     * memory, the old contents for shared or file-backed memory (a pattern
     * here). Writing either also makes a purge of memory in use visible. */
    __builtin_memset(p, purge_keeps ? 0xEE : 0, size);
    return 1;
}

void test_purge_keeps_contents(int keep)
{
    purge_keeps = keep;
}

uint64_t hak_plat_clock_ms(void)
{
    return clock_now;
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

void hak_plat_lock_wake(atomic_int *word, int all)
{
    (void)word;
    (void)all;
}

uint64_t hak_plat_entropy(void)
{
    return 0x9e3779b97f4a7c15ull;
}

/* ---- test hooks ---- */

const char *test_output(size_t *len)
{
    if (len)
        *len = out_len;
    return out_buf;
}

void test_output_clear(void)
{
    out_len = 0;
    out_buf[0] = '\0';
}

int test_output_echo(int on)
{
    int old = out_echo;
    out_echo = on;
    return old;
}

uint64_t test_oom_calls(void)
{
    return oom_calls;
}

uint64_t test_purge_calls(void)
{
    return purge_calls;
}

uint64_t test_purge_bytes(void)
{
    return purge_bytes;
}

void test_counters_reset(void)
{
    oom_calls = purge_calls = purge_bytes = 0;
}

void test_clock_set(uint64_t ms)
{
    clock_now = ms;
}

uint64_t test_clock_get(void)
{
    return clock_now;
}

void **test_recovery_swap(void **point)
{
    void **old = recovery;
    recovery = point;
    return old;
}

uint64_t test_panic_calls(void)
{
    return panic_calls;
}
