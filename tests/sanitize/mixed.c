/*
 * mixed.c - single-threaded mixed workload over the hak_ API with content
 * checks. Built for asan, ubsan and tsan (build/tests/<variant>/mixed, the
 * hakmem sources compiled with the same sanitizer) and plain for valgrind.
 *
 * Proves: every call of the malloc family (malloc, calloc, realloc,
 * reallocarray, aligned_alloc, posix_memalign, free, usable_size, trim,
 * stats, check) on sizes 0..300 KiB and alignments up to 64 KiB runs without
 * a sanitizer report inside hakmem; blocks are aligned, usable_size covers
 * the request, calloc memory is zero, realloc keeps the prefix, no block's
 * content is disturbed while it is live, and hak_check() passes at every
 * checkpoint. Under ASan, live blocks are additionally poisoned between
 * uses, so any hakmem read or write of a live block's user bytes (a stray
 * free-list link, a carving bug) is reported by ASan.
 *
 *   mixed [ops]      (default 300000; 100000 under TSan)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hakmem.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if __has_feature(address_sanitizer) || defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n) & ~(size_t)7)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif
#if __has_feature(thread_sanitizer) || defined(__SANITIZE_THREAD__)
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "halt_on_error=1";
}
#endif

#if __has_feature(thread_sanitizer) || defined(__SANITIZE_THREAD__)
#define DEFAULT_OPS 100000 /* TSan makes every byte access ~30x dearer */
#else
#define DEFAULT_OPS 300000
#endif

#define FAIL(...)                                                                \
    do {                                                                         \
        fprintf(stderr, "mixed: %s:%d: ", __FILE__, __LINE__);                   \
        fprintf(stderr, __VA_ARGS__);                                            \
        fputc('\n', stderr);                                                     \
        exit(1);                                                                 \
    } while (0)

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

typedef struct slot {
    unsigned char *p;
    size_t n;
    uint8_t seed;
} slot_t;

enum { SLOTS = 2048 };
static slot_t slots[SLOTS];

static unsigned char pat(uint8_t seed, size_t i)
{
    return (unsigned char)(seed ^ (i * 131u) ^ (i >> 8));
}

/* Bytes carrying the pattern: all of a block up to 4 KiB; of a bigger one
 * the first and last 2 KiB and every 32nd byte between (sanitizer builds
 * check every access, so full passes over large blocks would dominate). */
static size_t next_index(size_t i, size_t n)
{
    if (n <= 4096 || i < 2048 || i + 2048 >= n)
        return i + 1;
    size_t j = (i | 31u) + 1;
    return j + 2048 < n ? j : n - 2048;
}

static void fill(slot_t *s)
{
    for (size_t i = 0; i < s->n; i = next_index(i, s->n))
        s->p[i] = pat(s->seed, i);
}

/* Checks the pattern bytes of s below `upto` (fill wrote them for s->n). */
static void verify(const slot_t *s, size_t upto)
{
    for (size_t i = 0; i < upto; i = next_index(i, s->n))
        if (s->p[i] != pat(s->seed, i))
            FAIL("block %p (%zu bytes) byte %zu is 0x%02x, expected 0x%02x", (void *)s->p, s->n, i,
                 s->p[i], pat(s->seed, i));
}

static size_t pick_size(void)
{
    uint64_t r = next_rand();
    switch (r % 16) {
    case 0:
        return (r >> 8) % (300u << 10);  /* up to 300 KiB: large */
    case 1:
    case 2:
        return (r >> 8) % 32784u;         /* mid */
    case 3:
        return (r >> 8) % 17u;            /* tiny, including 0 */
    default:
        return (r >> 8) % 1040u;          /* small */
    }
}

static void check_block(const void *p, size_t n, size_t align, const char *what)
{
    if (!p)
        FAIL("%s(%zu) returned NULL (errno %d)", what, n, errno);
    if ((uintptr_t)p & (align - 1u))
        FAIL("%s(%zu) = %p not aligned to %zu", what, n, p, align);
    size_t u = hak_usable_size(p);
    if (u < n)
        FAIL("%s(%zu): usable size %zu", what, n, u);
}

static void release(slot_t *s)
{
    if (!s->p)
        return;
    UNPOISON(s->p, s->n);
    verify(s, s->n);
    hak_free(s->p);
    s->p = NULL;
}

static void one_op(void)
{
    slot_t *s = &slots[next_rand() % SLOTS];
    unsigned op = (unsigned)(next_rand() % 10);
    if (s->p && op < 4) {
        release(s);
        return;
    }
    if (s->p && op < 7) { /* realloc, keeping the prefix */
        UNPOISON(s->p, s->n);
        verify(s, s->n);
        size_t n = pick_size();
        unsigned char *q = (op == 6) ? hak_reallocarray(s->p, n ? 1 : 0, n) : hak_realloc(s->p, n);
        if (n == 0 && op != 6) { /* realloc(p, 0) frees p */
            s->p = NULL;
            if (q)
                hak_free(q);
            return;
        }
        if (n == 0 && op == 6) { /* reallocarray(p, 0, 0): same as realloc(p, 0) */
            s->p = NULL;
            if (q)
                hak_free(q);
            return;
        }
        check_block(q, n, 16, "realloc");
        slot_t t = { q, s->n, s->seed };
        verify(&t, n < s->n ? n : s->n);
        s->p = q;
        s->n = n;
        s->seed = (uint8_t)next_rand();
        fill(s);
        POISON(s->p, s->n);
        return;
    }
    release(s);
    size_t n = pick_size();
    unsigned kind = (unsigned)(next_rand() % 8);
    size_t align = 16;
    unsigned char *p;
    if (kind == 0) {
        size_t count = 1 + next_rand() % 8, each = n / count + 1;
        p = hak_calloc(count, each);
        n = count * each;
        check_block(p, n, 16, "calloc");
        for (size_t i = 0; i < n; i = next_index(i, n))
            if (p[i])
                FAIL("calloc(%zu, %zu) byte %zu = 0x%02x", count, each, i, p[i]);
    } else if (kind == 1) {
        align = (size_t)1 << (next_rand() % 17); /* 1 .. 64 KiB */
        p = hak_aligned_alloc(align, n);
        check_block(p, n, align, "aligned_alloc");
    } else if (kind == 2) {
        align = (size_t)8 << (next_rand() % 14); /* 8 .. 64 KiB */
        void *q = NULL;
        int rc = hak_posix_memalign(&q, align, n);
        if (rc)
            FAIL("posix_memalign(%zu, %zu) = %d", align, n, rc);
        p = q;
        check_block(p, n, align, "posix_memalign");
    } else {
        p = hak_malloc(n);
        check_block(p, n, 16, "malloc");
    }
    s->p = p;
    s->n = n;
    s->seed = (uint8_t)next_rand();
    fill(s);
    POISON(s->p, s->n);
}

int main(int argc, char **argv)
{
    long ops = argc > 1 ? atol(argv[1]) : DEFAULT_OPS;
    if (strncmp(hak_version(), "hakmem", 6) != 0)
        FAIL("hak_version() = %s", hak_version());
    /* error paths must not trip a sanitizer either */
    errno = 0;
    if (hak_malloc(SIZE_MAX) || errno != ENOMEM)
        FAIL("hak_malloc(SIZE_MAX)");
    if (hak_calloc(SIZE_MAX / 2, 4) || hak_aligned_alloc(3, 8))
        FAIL("calloc overflow / bad alignment accepted");
    hak_free(NULL);
    for (long i = 0; i < ops; i++) {
        one_op();
        if (i % 50000 == 49999) {
            int bad = hak_check();
            if (bad)
                FAIL("hak_check() = %d after %ld ops", bad, i + 1);
        }
        if (i % 100000 == 99999)
            hak_trim();
    }
    for (unsigned k = 0; k < SLOTS; k++)
        release(&slots[k]);
    hak_trim();
    hak_stats_t st;
    if (hak_stats(&st) || st.reserved_bytes == 0)
        FAIL("hak_stats");
    if (st.large_blocks != 0)
        FAIL("%llu large blocks still live after freeing everything",
             (unsigned long long)st.large_blocks);
    int bad = hak_check();
    if (bad)
        FAIL("final hak_check() = %d", bad);
    printf("mixed: %ld ops ok; arena reserved %llu MiB, committed %llu KiB, slabs %llu\n", ops,
           (unsigned long long)(st.reserved_bytes >> 20),
           (unsigned long long)(st.committed_bytes >> 10), (unsigned long long)st.slabs);
    return 0;
}
