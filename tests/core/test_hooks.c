/*
 * test_hooks.c - what the core tests' platforms share, on the host
 * (tests/core/test_platform.c) and on bare metal
 * (freestanding/core_tests/platform.c): the capture of diagnostic output,
 * the counters, the settable clock, the recovery points, and the contract
 * functions that need no system (out_of_memory, purge, clock, lock_wake,
 * entropy). Each platform file adds the system's part: hak_plat_write's
 * echo, hak_plat_panic's last resort and hak_plat_lock_wait. Calls no
 * libc. Single-threaded.
 */
#include "../../platform/platform.h"
#include "test_platform.h"

static char out_buf[TEST_OUTPUT_MAX + 1u];
static size_t out_len;
static int out_echo = 1;
static uint64_t oom_calls, purge_calls, purge_bytes, panic_calls;
static uint64_t clock_now;
static void **recovery;
static int purge_keeps;

int test_capture(const char *text, size_t n)
{
    for (size_t i = 0; i < n && out_len < TEST_OUTPUT_MAX; i++)
        out_buf[out_len++] = text[i];
    out_buf[out_len] = '\0';
    return out_echo;
}

void test_panic_recover(void)
{
    panic_calls++;
    void **point = recovery;
    if (point) {
        recovery = 0;
        TEST_LONGJMP(point);
    }
}

/* ---- the contract's system-free part ---- */

void hak_plat_out_of_memory(void)
{
    oom_calls++;
}

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

uint64_t hak_plat_clock_ms(void)
{
    return clock_now;
}

/* Waiters never block here: nothing to wake. */
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

void test_purge_keeps_contents(int keep)
{
    purge_keeps = keep;
}

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
