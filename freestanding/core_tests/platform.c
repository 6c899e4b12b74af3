/*
 * platform.c - the core tests' platform on bare metal: the contract
 * (platform/platform.h) and the test hooks (tests/core/test_platform.h),
 * as tests/core/test_platform.c does them on the host, with the UART for
 * stderr and fs_setjmp/fs_longjmp for the recovery points.
 *
 * Capabilities: purge and clock on (the defaults of platform.h: the purge
 * tests need them), no pin check. Single CPU.
 */
#include "../fs.h"
#include "../../tests/core/test_platform.h"

#if !HAK_PLAT_HAS_PURGE || !HAK_PLAT_HAS_CLOCK || HAK_PLAT_HAS_PIN_CHECK
#error "the core tests' platform has purge and clock, and no pin check"
#endif

static char out_buf[TEST_OUTPUT_MAX + 1u];
static size_t out_len;
static int out_echo = 1;
static uint64_t oom_calls, purge_calls, purge_bytes, panic_calls;
static uint64_t clock_now;
static void **recovery;

void hak_plat_write(const char *text, size_t n)
{
    for (size_t i = 0; i < n && out_len < TEST_OUTPUT_MAX; i++)
        out_buf[out_len++] = text[i];
    out_buf[out_len] = '\0';
    if (out_echo)
        fs_console_write(text, n);
}

_Noreturn void hak_plat_panic(void)
{
    panic_calls++;
    void **point = recovery;
    if (point) {
        recovery = 0;
        TEST_LONGJMP(point);
    }
    fs_printf("FAIL %s core_tests: hakmem fault outside any test's recovery point\n",
              FS_TARGET_NAME);
    fs_exit(3);
}

void hak_plat_out_of_memory(void)
{
    oom_calls++;
}

/* What a real purge leaves: zeroes (this also makes a purge of memory in
 * use visible to the tests). */
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

void hak_plat_lock_wake(atomic_int *word, int all)
{
    (void)word;
    (void)all;
}

uint64_t hak_plat_entropy(void)
{
    return 0x9e3779b97f4a7c15ull;
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
