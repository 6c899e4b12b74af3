/*
 * harness.h - the tiny test harness of the core tests.
 *
 * Freestanding: the harness and the test bodies call no libc (no malloc, no
 * printf); they use __builtin_memset/__builtin_memcpy, static buffers, the
 * public hak_arena_ API (include/hakmem.h), hak_plat_write for output and
 * the test platform's hooks (test_platform.h). A port runs the same sources
 * with its own platform file and its own main, which calls test_run_all().
 *
 * A test is a `void test_NAME(void)` listed in test_list.h. It fails at its
 * first failed CHECK (the harness jumps back to the runner) or at a fault
 * the core reports while no EXPECT_FAULT is waiting for one.
 */
#ifndef HAKMEM_TEST_HARNESS_H
#define HAKMEM_TEST_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include "hakmem.h"
#include "test_platform.h"

/* Every test function, declared from the list. */
#define TEST(name, what) void test_##name(void);
#include "test_list.h"
#undef TEST

/* ---- running ---- */

/* Runs every listed test whose name contains `filter` (NULL or "": all),
 * printing one line "PASS name - what" or "FAIL name - what" per test
 * through hak_plat_write, after the lines the test itself wrote (figures,
 * the failed check) indented by two spaces. Each test starts with the platform's counters reset, the
 * clock at 0 and the capture buffer empty. Returns the number of failed
 * tests; *ran (when not NULL) receives the number run. */
unsigned test_run_all(const char *filter, unsigned *ran);

/* ---- checks ---- */

/* Fails the running test: writes "file:line: check failed: cond: msg"
 * through hak_plat_write and jumps back to the runner. */
_Noreturn void test_fail(const char *file, int line, const char *cond, const char *msg);

/* Like test_fail, also naming two values (decimal). */
_Noreturn void test_fail_values(const char *file, int line, const char *cond, const char *msg,
                                uint64_t a, uint64_t b);

/* Fails the running test with msg when cond is false. */
#define CHECK(cond, msg)                                                      \
    do {                                                                      \
        if (!(cond))                                                          \
            test_fail(__FILE__, __LINE__, #cond, (msg));                      \
    } while (0)

/* Compares two unsigned values; a failure names both. */
#define CHECK_CMP(a, op, b, msg)                                              \
    do {                                                                      \
        uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);          \
        if (!(check_a_ op check_b_))                                          \
            test_fail_values(__FILE__, __LINE__, #a " " #op " " #b, (msg),    \
                             check_a_, check_b_);                             \
    } while (0)
#define CHECK_EQ(a, b, msg) CHECK_CMP(a, ==, b, msg)

/* Runs `expr` (a call, as a statement) with a recovery point armed and
 * checks that the core reported a fault in one line ("hakmem: ...\n")
 * containing `substr` and stopped (hak_plat_panic). Fails the test when
 * expr returns normally or the line does not match. The line stays in the
 * capture buffer (test_output) for further checks; while the point is
 * armed, written text is captured but not echoed. The arena the fault
 * happened in must then be abandoned: the core may hold one of its locks.
 * Use in a function body (the recovery point lives in its frame); as with
 * setjmp, a local that expr itself modifies is unreliable afterwards. */
#define EXPECT_FAULT(expr, substr)                                            \
    do {                                                                      \
        void *fault_point_[TEST_JMP_WORDS];                                   \
        void **fault_prev_ = test_fault_arm(fault_point_);                    \
        if (TEST_SETJMP(fault_point_) == 0) {                                 \
            expr;                                                             \
            test_fault_missed(fault_prev_, __FILE__, __LINE__, #expr, (substr)); \
        }                                                                     \
        test_fault_caught(fault_prev_, __FILE__, __LINE__, #expr, (substr));  \
    } while (0)

/* EXPECT_FAULT's halves (not for direct use). */
void **test_fault_arm(void **point);
_Noreturn void test_fault_missed(void **prev, const char *file, int line, const char *expr,
                                 const char *substr);
void test_fault_caught(void **prev, const char *file, int line, const char *expr,
                       const char *substr);

/* 1 when the capture buffer contains `substr`. */
int test_output_has(const char *substr);

/* 1 when the capture buffer names pointer p as the core prints pointers
 * ("0x" and lowercase hex digits without leading zeros). */
int test_output_names(const void *p);

/* ---- output of figures ---- */

/* A line being built; tl_emit writes it through hak_plat_write. */
typedef struct test_line {
    char text[240];
    unsigned len;
} test_line_t;

void tl_start(test_line_t *l, const char *s);
void tl_str(test_line_t *l, const char *s);
void tl_u64(test_line_t *l, uint64_t v);
/* num / den as a percentage with two decimals ("96.53 %"). */
void tl_pct(test_line_t *l, uint64_t num, uint64_t den);
void tl_emit(test_line_t *l);

/* ---- helpers ---- */

/* Deterministic PRNG (splitmix64). */
typedef struct test_rng {
    uint64_t s;
} test_rng_t;

static inline uint64_t test_rand(test_rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) (n > 0; the bias is irrelevant here). */
static inline uint64_t test_below(test_rng_t *r, uint64_t n)
{
    return test_rand(r) % n;
}

/* Fills n bytes at p with a pattern that depends on seed and position. */
void test_fill(void *p, size_t n, uint32_t seed);

/* Returns n when the n bytes at p hold test_fill's pattern for seed,
 * otherwise the offset of the first byte that differs. */
size_t test_verify(const void *p, size_t n, uint32_t seed);

/* 1 when all n bytes at p are `byte`. */
int test_all_bytes(const void *p, size_t n, unsigned char byte);

/* ---- memory ----
 * Static regions the tests hand to hak_arena_create, one test at a time
 * (a test may use any part of them; nothing survives between tests). Both
 * are 1 MiB aligned, so a test can place a region at any alignment it
 * wants by offsetting into them. */
#define TEST_BIG_BYTES (((size_t)64 << 20) + ((size_t)1 << 20))
#define TEST_SMALL_BYTES ((size_t)8 << 20)
extern unsigned char test_mem_big[TEST_BIG_BYTES];
extern unsigned char test_mem_small[TEST_SMALL_BYTES];

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

#endif /* HAKMEM_TEST_HARNESS_H */
