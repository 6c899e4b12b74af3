/*
 * fs_test.h - the tests of the freestanding image (hakmem_test.elf): what
 * the runner (runner.c) offers them, and the helpers they share.
 *
 * Every test runs on all FS_NCPUS CPUs at once, with interrupts on and no
 * interrupt source armed unless the test arms one. The runner prints one
 * line per test on the UART:
 *   PASS <target> <test> <details>
 *   FAIL <target> <test> <first failure>
 *   SKIP <target> <test> <reason>
 * then "DONE <target> ..." and ends the run with status 0 when no test
 * failed. Measurements go on lines of their own: "METRIC <target> ...".
 */
#ifndef HAKMEM_FS_TEST_H
#define HAKMEM_FS_TEST_H

#include <stddef.h>
#include <stdint.h>
#include "../fs.h"
#include "../fs_malloc.h"

/* The tests, in the order the runner runs them (each on every CPU). */
void fs_test_api(unsigned cpu);
void fs_test_arena(unsigned cpu);
void fs_test_smp_stress(unsigned cpu);
void fs_test_exhaustion(unsigned cpu);
void fs_test_interrupts(unsigned cpu);

/* Records a failure of the running test (any CPU, any number of times):
 * prints it at once, indented, and keeps the first for the FAIL line. */
void fs_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 once any CPU recorded a failure in the running test. */
int fs_failed(void);

/* Sets the text after the test's name on its PASS line (last call wins). */
void fs_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Marks the running test skipped, with the reason. */
void fs_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "METRIC <target> <text>". */
void fs_metric(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- Helpers (util.c) ---- */

/* xorshift64*: a CPU's own stream of pseudo-random numbers. */
static inline uint64_t fs_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* A size from the stress mix: 70 % small (half of them up to 128 bytes),
 * 25 % mid (up to 32783), 5 % large (up to 128 KiB). */
size_t fs_pick_size(uint64_t r);

/* Writes the pattern of (pat, n) over n bytes at p (every word up to 4 KiB,
 * one word in 32 beyond, and the last byte), and checks it. fs_check
 * returns the offset of the first byte that differs, or -1. */
void fs_fill(void *p, size_t n, uint64_t pat);
long fs_check(const void *p, size_t n, uint64_t pat);

/* Latencies of one kind of call: the maximum and a histogram of powers of
 * two (bucket k counts values in [2^k, 2^(k+1))). */
typedef struct fs_lat {
    uint64_t max, count;
    uint64_t buckets[64];
} fs_lat_t;

static inline void fs_lat_add(fs_lat_t *l, uint64_t v)
{
    l->count++;
    if (v > l->max)
        l->max = v;
    l->buckets[v ? 63u - (unsigned)__builtin_clzll(v) : 0u]++;
}

/* Adds b into a. */
void fs_lat_merge(fs_lat_t *a, const fs_lat_t *b);

/* Upper bound of the p-th per-mille value (e.g. 990 for p99). */
uint64_t fs_lat_permille(const fs_lat_t *l, unsigned p);

/* Converts counter ticks to microseconds (0 when the frequency is
 * unknown). */
uint64_t fs_ticks_to_us(uint64_t ticks);

/* Checks the default arena's byte accounting: region = meta + free +
 * in_use, the region being the linker script's heap. Reports a failure
 * naming `when` and returns -1; returns 0 and the stats through *out
 * (when out is not NULL) if it holds; returns 1, checking nothing, when
 * the core has no statistics (HAK_WITH_STATS 0). */
int fs_check_accounting(const char *when, hak_arena_stats_t *out);

#endif /* HAKMEM_FS_TEST_H */
