/* harness.c - runner, checks and helpers of the core tests (harness.h).
 * Freestanding: no libc. */
#include "harness.h"
#include "../../platform/platform.h"

_Alignas(1 << 20) unsigned char test_mem_big[TEST_BIG_BYTES];
_Alignas(1 << 20) unsigned char test_mem_small[TEST_SMALL_BYTES];

typedef struct test_case {
    const char *name;
    const char *what;
    void (*fn)(void);
} test_case_t;

static const test_case_t cases[] = {
#define TEST(name, what) { #name, what, test_##name },
#include "test_list.h"
#undef TEST
};

/* The running test's way back to the runner, and why it came back. */
static void **run_point;
static int run_check_failed;

/* Why each failed test failed, repeated in the summary at the end. */
#define MAX_FAILED 32u
static struct {
    const char *name;
    test_line_t why;
} failed_list[MAX_FAILED];
static unsigned nfailed_listed;
static test_line_t run_why;

static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int contains(const char *hay, const char *needle)
{
    size_t n = str_len(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] == needle[i])
            i++;
        if (i == n)
            return 1;
    }
    return n == 0;
}

static void say(const char *s)
{
    hak_plat_write(s, str_len(s));
}

/* ---- lines ---- */

/* Keeps room for the newline tl_emit adds and a terminating NUL, so that
 * l->text is always a string. */
void tl_str(test_line_t *l, const char *s)
{
    while (*s && l->len < sizeof l->text - 2u)
        l->text[l->len++] = *s++;
    l->text[l->len] = '\0';
}

void tl_start(test_line_t *l, const char *s)
{
    l->len = 0;
    tl_str(l, s);
}

void tl_u64(test_line_t *l, uint64_t v)
{
    char digits[24];
    unsigned n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n && l->len < sizeof l->text - 2u)
        l->text[l->len++] = digits[--n];
    l->text[l->len] = '\0';
}

void tl_pct(test_line_t *l, uint64_t num, uint64_t den)
{
    /* Hundredths of a percent, rounded; num < 2^50 keeps it exact. */
    uint64_t h = den ? (num * 10000u + den / 2u) / den : 0;
    tl_u64(l, h / 100u);
    tl_str(l, ".");
    tl_u64(l, (h / 10u) % 10u);
    tl_u64(l, h % 10u);
    tl_str(l, " %");
}

void tl_emit(test_line_t *l)
{
    l->text[l->len++] = '\n';
    hak_plat_write(l->text, l->len);
    l->len = 0;
    l->text[0] = '\0';
}

static void tl_hex(test_line_t *l, uintptr_t v)
{
    int started = 0;
    tl_str(l, "0x");
    for (int shift = (int)sizeof v * 8 - 4; shift >= 0; shift -= 4) {
        unsigned d = (unsigned)(v >> shift) & 15u;
        if (d || started || shift == 0) {
            started = 1;
            char c[2] = { "0123456789abcdef"[d], 0 };
            tl_str(l, c);
        }
    }
}

/* ---- checks ---- */

static _Noreturn void fail_now(void)
{
    run_check_failed = 1;
    test_output_echo(1);
    TEST_LONGJMP(run_point);
}

/* Starts a failure line: "  file:line: check failed: cond". */
static void fail_line(test_line_t *l, const char *file, int line, const char *cond)
{
    tl_start(l, "  ");
    tl_str(l, file);
    tl_str(l, ":");
    tl_u64(l, (uint64_t)line);
    tl_str(l, ": check failed: ");
    tl_str(l, cond);
}

/* Ends a failure line with the message, records and prints it, and stops
 * the test. */
_Noreturn static void fail_with(test_line_t *l, const char *msg)
{
    tl_str(l, msg);
    run_why = *l;
    tl_emit(l);
    fail_now();
}

_Noreturn void test_fail(const char *file, int line, const char *cond, const char *msg)
{
    test_line_t l;
    fail_line(&l, file, line, cond);
    tl_str(&l, ": ");
    fail_with(&l, msg);
}

_Noreturn void test_fail_values(const char *file, int line, const char *cond, const char *msg,
                                uint64_t a, uint64_t b)
{
    test_line_t l;
    fail_line(&l, file, line, cond);
    tl_str(&l, " (");
    tl_u64(&l, a);
    tl_str(&l, " vs ");
    tl_u64(&l, b);
    tl_str(&l, "): ");
    fail_with(&l, msg);
}

void **test_fault_arm(void **point)
{
    test_output_clear();
    test_output_echo(0);
    return test_recovery_swap(point);
}

_Noreturn void test_fault_missed(void **prev, const char *file, int line, const char *expr,
                                 const char *substr)
{
    test_recovery_swap(prev);
    test_output_echo(1);
    test_line_t l;
    tl_start(&l, "expected a fault \"");
    tl_str(&l, substr);
    tl_str(&l, "\", the call returned");
    test_fail(file, line, expr, l.text);
}

void test_fault_caught(void **prev, const char *file, int line, const char *expr,
                       const char *substr)
{
    test_recovery_swap(prev);
    test_output_echo(1);
    size_t n;
    const char *text = test_output(&n);
    unsigned lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    if (lines != 1 || text[n - 1u] != '\n' || !contains(text, "hakmem: ")
        || !contains(text, substr)) {
        test_line_t l;
        tl_start(&l, "expected one line with \"");
        tl_str(&l, substr);
        tl_str(&l, "\", got: ");
        tl_str(&l, text);
        if (l.len && l.text[l.len - 1u] == '\n')
            l.text[--l.len] = '\0';
        test_fail(file, line, expr, l.text);
    }
}

int test_output_has(const char *substr)
{
    return contains(test_output(0), substr);
}

int test_output_names(const void *p)
{
    test_line_t l;
    tl_start(&l, ": ");
    tl_hex(&l, (uintptr_t)p);
    tl_str(&l, "\n");
    return contains(test_output(0), l.text);
}

/* ---- helpers ---- */

static inline unsigned char pattern(size_t i, uint32_t seed)
{
    uint32_t x = (uint32_t)i * 0x9e3779b1u + seed * 0x85ebca6bu;
    return (unsigned char)((x >> 24) ^ (x >> 11) ^ (uint32_t)(i >> 8));
}

void test_fill(void *p, size_t n, uint32_t seed)
{
    unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = pattern(i, seed);
}

size_t test_verify(const void *p, size_t n, uint32_t seed)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != pattern(i, seed))
            return i;
    return n;
}

int test_all_bytes(const void *p, size_t n, unsigned char byte)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != byte)
            return 0;
    return 1;
}

/* ---- runner ---- */

/* Runs one test; returns 1 when it passed. Globals carry the state across
 * the jump back. */
static int run_one(const test_case_t *t)
{
    void *point[TEST_JMP_WORDS];
    test_counters_reset();
    test_clock_set(0);
    test_output_clear();
    test_output_echo(1);
    run_check_failed = 0;
    run_point = point;
    /* Also armed for faults no EXPECT_FAULT waits for. */
    void **prev = test_recovery_swap(point);
    volatile int passed = 0;
    if (TEST_SETJMP(point) == 0) {
        t->fn();
        passed = 1;
    }
    test_recovery_swap(prev);
    test_output_echo(1);
    run_point = 0;
    if (!passed && !run_check_failed) {
        /* The fault's report is the last line captured. */
        size_t n;
        const char *out = test_output(&n);
        if (n && out[n - 1u] == '\n')
            n--;
        size_t start = n;
        while (start && out[start - 1u] != '\n')
            start--;
        tl_start(&run_why, "  unexpected fault: ");
        while (start < n && run_why.len < sizeof run_why.text - 2u)
            run_why.text[run_why.len++] = out[start++];
        run_why.text[run_why.len] = '\0';
        say("  unexpected fault (the line above), test abandoned\n");
    }
    if (!passed && nfailed_listed < MAX_FAILED) {
        failed_list[nfailed_listed].name = t->name;
        failed_list[nfailed_listed++].why = run_why;
    }
    return passed;
}

unsigned test_run_all(const char *filter, unsigned *ran)
{
    unsigned failed = 0, count = 0;
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const test_case_t *t = &cases[i];
        if (filter && !contains(t->name, filter))
            continue;
        count++;
        int ok = run_one(t);
        test_line_t l;
        tl_start(&l, ok ? "PASS " : "FAIL ");
        tl_str(&l, t->name);
        tl_str(&l, " - ");
        tl_str(&l, t->what);
        tl_emit(&l);
        failed += !ok;
    }
    /* The failures again, last, where a log's tail shows them. */
    for (unsigned i = 0; i < nfailed_listed; i++) {
        test_line_t l;
        tl_start(&l, "failed: ");
        tl_str(&l, failed_list[i].name);
        tl_emit(&l);
        tl_emit(&failed_list[i].why);
    }
    nfailed_listed = 0;
    if (ran)
        *ran = count;
    return failed;
}
