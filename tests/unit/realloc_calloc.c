/*
 * realloc_calloc - the malloc family's edge semantics, run twice: once
 * through the standard names (malloc, realloc, calloc, ... which ARE hakmem
 * in this statically linked test) and once through the hak_ names, so it
 * also proves that the hak_ API behaves exactly like the standard one.
 *
 * Proves:
 *  - realloc growth and shrink keep min(old, new) bytes of content across
 *    small, mid and large sizes (crossing 1039, 32783 and up to 8 MiB), both
 *    when the block can grow where it is and when a neighbour forces a move;
 *  - realloc to a size within the block's usable size returns the same
 *    pointer; realloc(NULL, n) is malloc(n); realloc(p, 0) frees p (the
 *    block is handed out again / the large-block count drops) and returns
 *    NULL;
 *  - calloc returns zeroed memory, including a block reused right after a
 *    dirtied block of the same size was freed, a large block reused after a
 *    dirtied large block, and chunks that held dirtied slabs;
 *  - overflowing calloc / reallocarray and impossible realloc sizes return
 *    NULL with errno == ENOMEM and leave the original block intact (content
 *    and usable size);
 *  - malloc(SIZE_MAX) and other huge sizes return NULL with ENOMEM;
 *  - posix_memalign with a bad alignment returns EINVAL (ENOMEM for a huge
 *    size) without touching *out; aligned_alloc with a non-power-of-two
 *    alignment returns NULL with EINVAL;
 *  - memalign / valloc / pvalloc return aligned blocks with enough usable
 *    bytes; malloc_usable_size(NULL) == 0;
 *  - the heap invariants hold at the end (hak_check() == 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hakmem.h"
#include "testlib.h"

/* Hides a pointer from the optimiser so that calloc's zeroing and malloc's
 * results are really read back instead of being assumed. */
static void *launder(void *p)
{
    __asm__ volatile("" : "+r"(p) : : "memory");
    return p;
}

static size_t opaque_size(size_t n)
{
    __asm__ volatile("" : "+r"(n));
    return n;
}

static unsigned char pat(size_t i, unsigned seed)
{
    return (unsigned char)((i * 131u + seed * 7u + (i >> 9)) ^ (seed >> 3));
}

static void fill(void *p, size_t from, size_t to, unsigned seed)
{
    unsigned char *b = p;
    for (size_t i = from; i < to; i++)
        b[i] = pat(i, seed);
}

/* Index of the first byte in [0, n) that breaks the pattern, or n. */
static size_t first_bad(const void *p, size_t n, unsigned seed)
{
    const unsigned char *b = launder((void *)p);
    for (size_t i = 0; i < n; i++)
        if (b[i] != pat(i, seed))
            return i;
    return n;
}

static size_t first_nonzero(const void *p, size_t n)
{
    const unsigned char *b = launder((void *)p);
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return i;
    return n;
}

/* The allocator entry points under test: the standard names or the hak_
 * names. */
typedef struct api {
    const char *name;
    void *(*malloc_)(size_t);
    void (*free_)(void *);
    void *(*calloc_)(size_t, size_t);
    void *(*realloc_)(void *, size_t);
    void *(*reallocarray_)(void *, size_t, size_t);
    void *(*aligned_alloc_)(size_t, size_t);
    int (*posix_memalign_)(void **, size_t, size_t);
    size_t (*usable_)(void *);
} api_t;

static size_t std_usable(void *p) { return malloc_usable_size(p); }
static size_t hak_usable(void *p) { return hak_usable_size(p); }

static const api_t std_api = { "std", malloc, free, calloc, realloc, reallocarray,
                               aligned_alloc, posix_memalign, std_usable };
static const api_t hak_api = { "hak", hak_malloc, hak_free, hak_calloc, hak_realloc,
                               hak_reallocarray, hak_aligned_alloc, hak_posix_memalign,
                               hak_usable };

static const size_t chain[] = {
    1, 8, 15, 16, 17, 31, 100, 255, 256, 500, 1000, 1038, 1039, 1040, 1041, 2000,
    4096, 8000, 16384, 32782, 32783, 32784, 32800, 40000, 65536, 65537, 100000,
    262144, 1u << 20, (1u << 20) + 1, 3u << 20, (5u << 20) + 12345, 8u << 20,
};
#define NCHAIN (sizeof chain / sizeof chain[0])

/* Grows one block through every size of chain[], then shrinks it back,
 * checking at each step that min(old, new) bytes survived. With `blockers`
 * a small and a large block are allocated after each step, so the block
 * often cannot grow where it is and has to move. */
static void realloc_chain(const api_t *A, unsigned seed, int blockers)
{
    void *keep[2 * NCHAIN * 2];
    unsigned nkeep = 0;
    unsigned char *p = A->malloc_(chain[0]);
    CHECK(p, "[%s] malloc(%zu)", A->name, chain[0]);
    fill(p, 0, chain[0], seed);
    size_t cur = chain[0];
    for (size_t k = 1; k < NCHAIN; k++) {
        size_t n = chain[k];
        errno = 0;
        unsigned char *q = A->realloc_(p, n);
        CHECK(q, "[%s] realloc grow %zu -> %zu failed (errno %d)", A->name, cur, n, errno);
        CHECK(A->usable_(q) >= n, "[%s] usable %zu < %zu after realloc", A->name, A->usable_(q), n);
        size_t bad = first_bad(q, cur, seed);
        CHECK(bad == cur, "[%s] realloc grow %zu -> %zu (%s) lost content at byte %zu",
              A->name, cur, n, q == p ? "in place" : "moved", bad);
        fill(q, cur, n, seed);
        p = q;
        cur = n;
        if (blockers) {
            keep[nkeep] = A->malloc_(n < 2000 ? n : 48);
            CHECK(keep[nkeep], "blocker");
            nkeep++;
            keep[nkeep] = A->malloc_(40000 + k * 70000);
            CHECK(keep[nkeep], "large blocker");
            nkeep++;
        }
    }
    for (size_t k = NCHAIN - 1; k-- > 0;) {
        size_t n = chain[k];
        unsigned char *q = A->realloc_(p, n);
        CHECK(q, "[%s] realloc shrink %zu -> %zu failed", A->name, cur, n);
        CHECK(A->usable_(q) >= n, "[%s] usable %zu < %zu after shrink", A->name, A->usable_(q), n);
        size_t bad = first_bad(q, n, seed);
        CHECK(bad == n, "[%s] realloc shrink %zu -> %zu (%s) lost content at byte %zu",
              A->name, cur, n, q == p ? "in place" : "moved", bad);
        p = q;
        cur = n;
        if (blockers && (k & 1)) {
            keep[nkeep] = A->malloc_(n);
            CHECK(keep[nkeep], "blocker");
            nkeep++;
        }
    }
    A->free_(p);
    for (unsigned i = 0; i < nkeep; i++)
        A->free_(keep[i]);
}

/* Jumps between distant sizes (small <-> large, mid <-> small, ...). */
static void realloc_jumps(const api_t *A)
{
    static const size_t jumps[] = { 24, 6u << 20, 40, 33000, 700, 1u << 20, 1039,
                                    32783, 1040, 200000, 16, 2000000, 32784, 5 };
    unsigned char *p = NULL;
    size_t cur = 0;
    for (unsigned k = 0; k < sizeof jumps / sizeof jumps[0]; k++) {
        size_t n = jumps[k];
        unsigned char *q = A->realloc_(p, n);
        CHECK(q, "[%s] realloc jump %zu -> %zu", A->name, cur, n);
        size_t keep = cur < n ? cur : n;
        size_t bad = first_bad(q, keep, 99);
        CHECK(bad == keep, "[%s] realloc jump %zu -> %zu lost content at %zu", A->name, cur, n, bad);
        fill(q, 0, n, 99);
        p = q;
        cur = n;
    }
    A->free_(p);
}

/* realloc within the usable size keeps the pointer. */
static void realloc_in_place(const api_t *A)
{
    static const size_t sizes[] = { 0, 1, 7, 17, 33, 100, 250, 1000, 1039, 1500, 5000,
                                    20000, 32783, 32784, 50000, 300000, 4u << 20 };
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        unsigned char *p = A->malloc_(n);
        CHECK(p, "[%s] malloc(%zu)", A->name, n);
        size_t u = A->usable_(p);
        CHECK(u >= n, "[%s] usable %zu < %zu", A->name, u, n);
        fill(p, 0, u, (unsigned)k);
        size_t steps[] = { n + 1, n + (u - n) / 2, u - 1, u };
        for (unsigned s = 0; s < 4; s++) {
            size_t m = steps[s];
            if (m > u || m < n || m == 0)
                continue;
            void *q = A->realloc_(p, m);
            CHECK(q == p, "[%s] realloc(%p of %zu, usable %zu) to %zu moved the block to %p",
                  A->name, (void *)p, n, u, m, q);
            CHECK(A->usable_(q) >= m, "[%s] usable after in-place realloc", A->name);
        }
        CHECK(first_bad(p, u, (unsigned)k) == u, "[%s] in-place realloc changed content", A->name);
        /* Growing past the usable size must still work and keep the data. */
        unsigned char *q = A->realloc_(p, u + 1);
        CHECK(q, "[%s] realloc past usable", A->name);
        CHECK(first_bad(q, u, (unsigned)k) == u, "[%s] realloc past usable lost data", A->name);
        A->free_(q);
    }
}

/* realloc(NULL, n) is malloc(n); realloc(p, 0) frees p and returns NULL. */
static void realloc_null_and_zero(const api_t *A)
{
    static const size_t sizes[] = { 0, 1, 64, 1039, 1040, 32783, 32784, 1u << 20 };
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        unsigned char *p = A->realloc_(NULL, n);
        CHECK(p, "[%s] realloc(NULL, %zu) returned NULL", A->name, n);
        CHECK(A->usable_(p) >= n, "[%s] realloc(NULL, %zu) usable too small", A->name, n);
        fill(p, 0, n, 5);
        unsigned char *other = A->realloc_(NULL, n);
        CHECK(other && other != p, "[%s] two realloc(NULL, %zu) gave the same block", A->name, n);
        CHECK(first_bad(p, n, 5) == n, "[%s] realloc(NULL) blocks overlap", A->name);
        A->free_(other);
        A->free_(p);
    }

    /* A large block: realloc(p, 0) must drop the live large-block count. */
    hak_stats_t before, after;
    void *big = A->malloc_(3u << 20);
    CHECK(big, "large malloc");
    CHECK(hak_stats(&before) == 0, "hak_stats");
    void *r = A->realloc_(big, 0);
    CHECK(r == NULL, "[%s] realloc(large, 0) returned %p, not NULL", A->name, r);
    CHECK(hak_stats(&after) == 0, "hak_stats");
    CHECK(after.large_blocks + 1 == before.large_blocks,
          "[%s] realloc(large, 0) did not free the block (large blocks %llu -> %llu)", A->name,
          (unsigned long long)before.large_blocks, (unsigned long long)after.large_blocks);

    /* Small and mid blocks: after realloc(p, 0) the block is handed out
     * again by later allocations of the same size (it is free). */
    static const size_t reuse_sizes[] = { 24, 1000, 5000, 30000 };
    for (unsigned k = 0; k < 4; k++) {
        size_t n = reuse_sizes[k];
        void *p = A->malloc_(n);
        CHECK(p, "malloc");
        r = A->realloc_(p, 0);
        CHECK(r == NULL, "[%s] realloc(p of %zu, 0) returned %p, not NULL", A->name, n, r);
        enum { TRIES = 1024 };
        static void *got[TRIES];
        int seen = 0;
        unsigned m = 0;
        for (; m < TRIES && !seen; m++) {
            got[m] = A->malloc_(n);
            CHECK(got[m], "malloc");
            seen = got[m] == p;
        }
        CHECK(seen, "[%s] block freed by realloc(p, 0) (size %zu) never handed out again",
              A->name, n);
        while (m-- > 0)
            A->free_(got[m]);
    }
}

/* calloc zeroes: fresh, reused after a dirtied free, large, large reused,
 * and on chunks that held dirtied slabs. */
static void calloc_zeroes(const api_t *A)
{
    static const size_t sizes[] = { 1, 15, 16, 17, 100, 512, 1000, 1039, 1040, 3000, 10000,
                                    32783, 32784, 65536, 70000, 1u << 20, (4u << 20) + 3 };
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        for (int round = 0; round < 3; round++) {
            unsigned char *d = A->malloc_(n);
            CHECK(d, "malloc(%zu)", n);
            memset(launder(d), 0xA5, A->usable_(d));
            A->free_(d);
            /* The same size right away: typically the very block just freed. */
            size_t cnt = round == 0 ? 1 : round == 1 ? n : (n % 4 == 0 ? 4 : 1);
            size_t each = n / cnt;
            unsigned char *z = A->calloc_(cnt, each);
            CHECK(z, "[%s] calloc(%zu, %zu)", A->name, cnt, each);
            size_t bad = first_nonzero(z, cnt * each);
            CHECK(bad == cnt * each, "[%s] calloc(%zu, %zu) %s a dirtied block: byte %zu = 0x%02x",
                  A->name, cnt, each, z == d ? "reusing" : "after freeing", bad,
                  ((unsigned char *)z)[bad]);
            memset(z, 0x5A, cnt * each);
            A->free_(z);
        }
    }
    /* Zero-sized calloc gives a unique, freeable block. */
    void *z0 = A->calloc_(0, 0), *z1 = A->calloc_(0, 7), *z2 = A->calloc_(9, 0);
    CHECK(z0 && z1 && z2 && z0 != z1 && z1 != z2 && z0 != z2, "[%s] calloc of 0 bytes", A->name);
    A->free_(z0);
    A->free_(z1);
    A->free_(z2);

    /* Fill many slabs with dirt, free them (their chunks go back to the
     * arena, dirty) and take large zeroed blocks over the same memory. */
    enum { NB = 1200 };
    static void *blocks[NB];
    for (unsigned i = 0; i < NB; i++) {
        size_t n = 1000 + (i % 7) * 4000;
        blocks[i] = A->malloc_(n);
        CHECK(blocks[i], "malloc");
        memset(launder(blocks[i]), 0xC3, A->usable_(blocks[i]));
    }
    for (unsigned i = 0; i < NB; i++)
        A->free_(blocks[i]);
    hak_trim(); /* also releases retained empty slabs, dirty first */
    for (unsigned i = 0; i < NB; i++) {
        blocks[i] = A->malloc_(1000 + (i % 7) * 4000);
        CHECK(blocks[i], "malloc");
        memset(launder(blocks[i]), 0xC3, A->usable_(blocks[i]));
    }
    for (unsigned i = 0; i < NB; i++)
        A->free_(blocks[i]);
    for (unsigned i = 0; i < 6; i++) {
        size_t n = ((size_t)1 << 20) * (i + 1) + 777;
        unsigned char *z = A->calloc_(1, n);
        CHECK(z, "[%s] calloc(1, %zu)", A->name, n);
        size_t bad = first_nonzero(z, n);
        CHECK(bad == n, "[%s] large calloc(1, %zu) over dirtied slab memory: byte %zu nonzero",
              A->name, n, bad);
        blocks[i] = z;
    }
    for (unsigned i = 0; i < 6; i++)
        A->free_(blocks[i]);

    /* A big calloc (more than fits in any warm cache) is all zero. */
    size_t big = (size_t)48 << 20;
    unsigned char *z = A->calloc_(big / 8, 8);
    CHECK(z, "[%s] calloc 48 MiB", A->name);
    CHECK(first_nonzero(z, big) == big, "[%s] 48 MiB calloc not zero", A->name);
    memset(z, 0xEE, big);
    A->free_(z);
    z = A->calloc_(1, big);
    CHECK(z, "[%s] calloc 48 MiB again", A->name);
    size_t bad = first_nonzero(z, big);
    CHECK(bad == big, "[%s] 48 MiB calloc after a dirtied 48 MiB free: byte %zu nonzero", A->name, bad);
    A->free_(z);
}

/* Failures leave the original block alone and say ENOMEM. */
static void overflow_and_huge(const api_t *A)
{
    static const size_t huge[] = { SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 15, SIZE_MAX - 4096,
                                   SIZE_MAX / 2 + 1, SIZE_MAX / 2, (size_t)PTRDIFF_MAX,
                                   (size_t)1 << 62, (size_t)1 << 50, (size_t)1 << 47,
                                   (size_t)1 << 46, (size_t)1 << 40 };
    for (unsigned k = 0; k < sizeof huge / sizeof huge[0]; k++) {
        size_t n = opaque_size(huge[k]);
        errno = 0;
        void *p = A->malloc_(n);
        CHECK(p == NULL && errno == ENOMEM, "[%s] malloc(%#zx) = %p, errno %d", A->name, n, p, errno);
        errno = 0;
        p = A->calloc_(1, n);
        CHECK(p == NULL && errno == ENOMEM, "[%s] calloc(1, %#zx) = %p, errno %d", A->name, n, p, errno);
        errno = 0;
        p = A->realloc_(NULL, n);
        CHECK(p == NULL && errno == ENOMEM, "[%s] realloc(NULL, %#zx) = %p, errno %d", A->name, n, p, errno);
        errno = 0;
        p = A->aligned_alloc_(64, n);
        CHECK(p == NULL && errno == ENOMEM, "[%s] aligned_alloc(64, %#zx) = %p, errno %d", A->name, n, p, errno);
        p = (void *)0x1234;
        int rc = A->posix_memalign_(&p, 4096, n);
        CHECK(rc == ENOMEM && p == (void *)0x1234, "[%s] posix_memalign(4096, %#zx) = %d, out %p",
              A->name, n, rc, p);
    }

    static const size_t pairs[][2] = {
        { SIZE_MAX, 2 }, { 2, SIZE_MAX }, { (size_t)1 << 32, (size_t)1 << 32 },
        { SIZE_MAX / 3 + 1, 3 }, { SIZE_MAX / 16 + 1, 16 }, { 65537, SIZE_MAX / 65536 },
    };
    static const size_t orig_sizes[] = { 40, 1039, 5000, 32783, 100000, 3u << 20 };
    for (unsigned o = 0; o < sizeof orig_sizes / sizeof orig_sizes[0]; o++) {
        size_t n = orig_sizes[o];
        unsigned char *p = A->malloc_(n);
        CHECK(p, "malloc");
        fill(p, 0, n, 31 + o);
        size_t u = A->usable_(p);
        for (unsigned k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
            size_t a = opaque_size(pairs[k][0]), b = opaque_size(pairs[k][1]);
            errno = 0;
            void *q = A->calloc_(a, b);
            CHECK(q == NULL && errno == ENOMEM, "[%s] calloc(%#zx, %#zx) = %p, errno %d",
                  A->name, a, b, q, errno);
            errno = 0;
            q = A->reallocarray_(p, a, b);
            CHECK(q == NULL && errno == ENOMEM, "[%s] reallocarray(p, %#zx, %#zx) = %p, errno %d",
                  A->name, a, b, q, errno);
            errno = 0;
            q = A->reallocarray_(NULL, a, b);
            CHECK(q == NULL && errno == ENOMEM, "[%s] reallocarray(NULL, %#zx, %#zx) = %p, errno %d",
                  A->name, a, b, q, errno);
        }
        for (unsigned k = 0; k < sizeof huge / sizeof huge[0]; k++) {
            size_t m = opaque_size(huge[k]);
            errno = 0;
            void *q = A->realloc_(p, m);
            CHECK(q == NULL && errno == ENOMEM,
                  "[%s] realloc(block of %zu, %#zx) = %p (block was %p), errno %d: an impossible "
                  "size must fail with ENOMEM", A->name, n, m, q, (void *)p, errno);
            errno = 0;
            q = A->reallocarray_(p, 1, m);
            CHECK(q == NULL && errno == ENOMEM, "[%s] reallocarray(block of %zu, 1, %#zx) = %p, errno %d",
                  A->name, n, m, q, errno);
        }
        CHECK(A->usable_(p) == u, "[%s] failed realloc changed the usable size %zu -> %zu",
              A->name, u, A->usable_(p));
        CHECK(first_bad(p, n, 31 + o) == n, "[%s] failed realloc/reallocarray changed the block", A->name);
        /* And the block still works normally. */
        unsigned char *q = A->reallocarray_(p, 2, n);
        CHECK(q, "[%s] reallocarray(p, 2, %zu) after failures", A->name, n);
        CHECK(first_bad(q, n, 31 + o) == n, "[%s] reallocarray lost content", A->name);
        A->free_(q);
    }
}

static void alignment_errors(const api_t *A)
{
    static const size_t bad_posix[] = { 0, 1, 2, 4, 3, 12, 24, 48, 96, 4097, ((size_t)1 << 20) + 8 };
    for (unsigned k = 0; k < sizeof bad_posix / sizeof bad_posix[0]; k++) {
        void *out = (void *)0x5678;
        int rc = A->posix_memalign_(&out, opaque_size(bad_posix[k]), 64);
        CHECK(rc == EINVAL && out == (void *)0x5678, "[%s] posix_memalign(align %zu) = %d, out %p",
              A->name, bad_posix[k], rc, out);
    }
    static const size_t bad_aligned[] = { 0, 3, 5, 24, 48, 100, 4097, ((size_t)1 << 20) + 16,
                                          SIZE_MAX };
    for (unsigned k = 0; k < sizeof bad_aligned / sizeof bad_aligned[0]; k++) {
        errno = 0;
        void *p = A->aligned_alloc_(opaque_size(bad_aligned[k]), 64);
        CHECK(p == NULL && errno == EINVAL, "[%s] aligned_alloc(%zu, 64) = %p, errno %d",
              A->name, bad_aligned[k], p, errno);
    }
    /* Valid alignments of every power of two up to 4 MiB. */
    for (size_t al = 1; al <= ((size_t)4 << 20); al <<= 1) {
        static const size_t sizes[] = { 1, 100, 4096, 32783, 70000 };
        for (unsigned k = 0; k < 5; k++) {
            void *p = A->aligned_alloc_(al, sizes[k]);
            CHECK(p && ((uintptr_t)p & (al - 1)) == 0, "[%s] aligned_alloc(%zu, %zu) = %p",
                  A->name, al, sizes[k], p);
            CHECK(A->usable_(p) >= sizes[k], "[%s] aligned usable", A->name);
            memset(p, 0x11, A->usable_(p));
            void *q = NULL;
            int rc = A->posix_memalign_(&q, al < sizeof(void *) ? sizeof(void *) : al, sizes[k]);
            CHECK(rc == 0 && q && ((uintptr_t)q & (al - 1)) == 0, "[%s] posix_memalign(%zu, %zu)",
                  A->name, al, sizes[k]);
            memset(q, 0x22, A->usable_(q));
            A->free_(p);
            A->free_(q);
        }
    }
}

/* memalign / valloc / pvalloc (standard names only: there are no hak_
 * versions in the public API). */
static void memalign_family(void)
{
    long page_l = sysconf(_SC_PAGESIZE);
    size_t page = page_l > 0 ? (size_t)page_l : 4096;
    static const size_t sizes[] = { 0, 1, 100, 1039, 4095, 4096, 4097, 32783, 40000, 1u << 20 };
    for (unsigned k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        for (size_t al = 1; al <= ((size_t)1 << 21); al <<= 1) {
            void *p = memalign(al, n);
            CHECK(p && ((uintptr_t)p & (al - 1)) == 0, "memalign(%zu, %zu) = %p", al, n, p);
            CHECK(malloc_usable_size(p) >= n, "memalign(%zu, %zu) usable %zu", al, n,
                  malloc_usable_size(p));
            memset(p, 0x33, malloc_usable_size(p));
            free(p);
        }
        /* A non-power-of-two alignment is rounded up (as glibc does). */
        static const size_t odd[] = { 24, 48, 100, 3000, 5000 };
        for (unsigned j = 0; j < 5; j++) {
            size_t up = 1;
            while (up < odd[j])
                up <<= 1;
            void *p = memalign(odd[j], n);
            CHECK(p && ((uintptr_t)p & (up - 1)) == 0, "memalign(%zu, %zu) = %p not %zu-aligned",
                  odd[j], n, p, up);
            CHECK(malloc_usable_size(p) >= n, "memalign odd usable");
            free(p);
        }
        void *v = valloc(n);
        CHECK(v && ((uintptr_t)v & (page - 1)) == 0, "valloc(%zu) = %p", n, v);
        CHECK(malloc_usable_size(v) >= n, "valloc(%zu) usable %zu", n, malloc_usable_size(v));
        memset(v, 0x44, malloc_usable_size(v));
        void *pv = pvalloc(n);
        size_t rounded = (n + page - 1) & ~(page - 1);
        CHECK(pv && ((uintptr_t)pv & (page - 1)) == 0, "pvalloc(%zu) = %p", n, pv);
        CHECK(malloc_usable_size(pv) >= rounded, "pvalloc(%zu) usable %zu < %zu", n,
              malloc_usable_size(pv), rounded);
        memset(pv, 0x55, rounded);
        free(v);
        free(pv);
    }
    errno = 0;
    void *p = valloc(opaque_size(SIZE_MAX));
    CHECK(p == NULL && errno == ENOMEM, "valloc(SIZE_MAX) = %p errno %d", p, errno);
    errno = 0;
    p = pvalloc(opaque_size(SIZE_MAX - 10));
    CHECK(p == NULL && errno == ENOMEM, "pvalloc(SIZE_MAX - 10) = %p errno %d", p, errno);
    errno = 0;
    p = memalign(64, opaque_size(SIZE_MAX));
    CHECK(p == NULL && errno == ENOMEM, "memalign(64, SIZE_MAX) = %p errno %d", p, errno);

    /* The largest documented alignment, 1 GiB (address space only). */
    hak_stats_t s;
    hak_stats(&s);
    if (s.reserved_bytes >= ((uint64_t)8 << 30)) {
        void *g = aligned_alloc((size_t)1 << 30, 1000);
        CHECK(g && ((uintptr_t)g & (((size_t)1 << 30) - 1)) == 0, "aligned_alloc(1 GiB) = %p", g);
        memset(g, 1, 1000);
        free(g);
    }
}

static void run_api(const api_t *A)
{
    CHECK(A->usable_(NULL) == 0, "[%s] usable size of NULL is %zu", A->name, A->usable_(NULL));
    realloc_chain(A, 1, 0);
    realloc_chain(A, 2, 1);
    realloc_jumps(A);
    realloc_in_place(A);
    realloc_null_and_zero(A);
    calloc_zeroes(A);
    alignment_errors(A);
    overflow_and_huge(A);
    int bad = hak_check();
    CHECK(bad == 0, "[%s] hak_check() found %d broken invariants", A->name, bad);
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    CHECK(malloc_usable_size(NULL) == 0, "malloc_usable_size(NULL)");
    CHECK(hak_usable_size(NULL) == 0, "hak_usable_size(NULL)");
    run_api(&std_api);
    run_api(&hak_api);
    /* Blocks cross between the two name sets. */
    void *a = malloc(100), *b = hak_malloc(50000), *c = calloc(3, 7), *d = hak_calloc(2, 40000);
    CHECK(a && b && c && d, "cross-name allocations");
    CHECK(hak_usable_size(a) == malloc_usable_size(a) && hak_usable_size(d) == malloc_usable_size(d),
          "usable sizes differ between names");
    a = hak_realloc(a, 5000);
    b = realloc(b, 10);
    CHECK(a && b, "cross-name realloc");
    hak_free(a);
    free(b);
    hak_free(c);
    free(d);
    memalign_family();
    int bad = hak_check();
    CHECK(bad == 0, "hak_check() found %d broken invariants", bad);
    puts("ok");
    return 0;
}
