/*
 * bench_util.h - helpers shared by the hakmem host benchmarks (the bench/ programs).
 *
 * Every benchmark program:
 *   1. calls bu_init() first thing in main(), which identifies the allocator
 *      that really serves malloc in this process (see bench_util.c and
 *      docs/BENCHMARKS.md "Allocator identity");
 *   2. runs its workload, timing it with bu_now();
 *   3. prints exactly one line on stdout with bu_report():
 *        RESULT name=<prog> <params> ops=<n> secs=<s> ops_per_sec=<r>
 *               peak_rss_kb=<k> <extra> alloc=<id> malloc_obj=<file>
 *               alloc_ver=<v> glibc_delta=<bytes>
 *      (one line; key=value fields separated by single spaces, no spaces
 *      inside values). bench/run.sh parses this line.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Identifies the allocator serving malloc and remembers it for bu_report().
 * Must run before the workload allocates anything big. Never fails; an
 * allocator it cannot name is reported as alloc=unknown. */
void bu_init(void);

/* The identity found by bu_init(): "hakmem", "mimalloc", "jemalloc",
 * "tcmalloc", "minimal" (bench/minimal_malloc.c), "glibc", "unknown" or
 * "inconsistent". */
const char *bu_alloc_name(void);

/* Monotonic wall-clock time in seconds. */
double bu_now(void);

/* Current resident set size (VmRSS of /proc/self/status) in KiB; -1 if it
 * cannot be read. */
long bu_rss_kb(void);

/* Peak resident set size (getrusage ru_maxrss) in KiB. */
long bu_peak_rss_kb(void);

/* Number of online CPUs (at least 1). */
unsigned bu_nproc(void);

/* Parses argv[i] as an unsigned decimal number; returns def when the
 * argument is absent or "-". Exits with a usage error on garbage. */
uint64_t bu_arg(int argc, char **argv, int i, uint64_t def);

/* Prints the RESULT line described above. params and extra are
 * space-separated key=value lists (may be NULL or ""). */
void bu_report(const char *name, const char *params, uint64_t ops, double secs,
               const char *extra);

/* Per-thread state that threads write in their loops is aligned to this,
 * so that two threads' state never shares a cache line (otherwise the
 * benchmark measures where the allocator happened to place its array). */
#define BU_LINE 64

/* Returns n zeroed elements of `size` bytes (a multiple of BU_LINE) aligned
 * to BU_LINE; exits through bu_oom on failure. */
void *bu_calloc_lines(size_t n, size_t size, const char *what);

/* Exits with status 1 after printing "<what>: allocation failed" - the
 * benchmarks never continue after a NULL from malloc. */
_Noreturn void bu_oom(const char *what);

/* splitmix64: advances *state and returns 64 well-mixed bits. Fast enough
 * to be negligible next to malloc, and deterministic for a given seed. */
static inline uint64_t bu_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform-enough value in [lo, hi] (hi >= lo) from 64 random bits: a mask
 * when the span is a power of two, otherwise a modulo. */
static inline size_t bu_range(uint64_t r, size_t lo, size_t hi)
{
    size_t span = hi - lo + 1;
    return lo + ((span & (span - 1)) == 0 ? (size_t)(r & (span - 1))
                                          : (size_t)(r % span));
}

/* Makes the compiler believe p escapes, so it cannot elide a malloc/free
 * pair whose block is otherwise unused (gcc removes those at -O2). */
static inline void bu_escape(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

#endif /* BENCH_UTIL_H */
