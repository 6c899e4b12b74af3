/*
 * minimal_malloc.c - the "minimal" allocator of bench/run.sh: a correct
 * malloc that does next to no work, so that its ratio to glibc shows how
 * much of a single-threaded workload's time is the benchmark's own loop
 * (PRNG, index, a mispredicted branch) rather than the allocator.
 *
 * Not an allocator to use: not thread-safe, no checks, never returns memory
 * to the system. bench/run.sh runs it on the single-threaded workloads only
 * (random_mixed, tiny_hot, mid_mixed).
 *
 * Every block has a 16-byte prefix: the word just before the block holds
 * its class, the word before that links it into its free list. A block of
 * class c < NCLASS holds c * 16 bytes, so its stride is (c + 1) * 16 and it
 * is 16-byte aligned. malloc is a shift, one compare (for the big path), a
 * list pop; new blocks are bumped from one static region in request order
 * (compact, like a fresh heap). free is a null test and a list push, for
 * every block: a big one (class NCLASS, its size in the link word) goes on
 * a list that malloc never pops, so free has no branch on the kind of
 * block, and big blocks are never reused.
 *
 * Marker symbol for the benchmarks' identity check: minimal_version.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define NCLASS 2049u                    /* classes 0..2048: up to 32 KiB */
#define REGION_BYTES ((size_t)1 << 30)  /* the static region (bss) */

static _Alignas(4096) unsigned char g_region[REGION_BYTES];
static unsigned char *g_top = g_region;         /* first unused byte */
static void *g_bin[NCLASS + 1];                 /* LIFO per class; [NCLASS]: big */

/* The prefix words of block p: its class, and its list link (or, for a big
 * block in use, its size). */
#define CLASS(p) (((size_t *)(p))[-1])
#define LINK(p) (((void **)(p))[-2])

/* Bumps a block of n payload bytes (its prefix before it), the payload
 * aligned to `align` (a power of two >= 16); NULL with ENOMEM when the
 * region is full. Only new blocks come here, so its checks cost nothing on
 * the hot path. */
static unsigned char *bump(size_t n, size_t align)
{
    size_t top = (size_t)(g_top - g_region);
    if (n > REGION_BYTES || align > REGION_BYTES)
        goto full;
    size_t at = (top + 16 + align - 1) & ~(align - 1);
    if (at > REGION_BYTES - n)
        goto full;
    g_top = g_region + at + n;
    return g_region + at;
full:
    errno = ENOMEM;
    return NULL;
}

/* A big block of n bytes aligned to `align`: class NCLASS, size in LINK. */
__attribute__((noinline)) static void *big_alloc(size_t n, size_t align)
{
    unsigned char *p = bump(n, align);
    if (p) {
        CLASS(p) = NCLASS;
        LINK(p) = (void *)n;
    }
    return p;
}

/* A new block of class c, bumped. */
__attribute__((noinline)) static void *fresh(size_t c)
{
    unsigned char *p = bump(c * 16, 16);
    if (p)
        CLASS(p) = c;
    return p;
}

/* Usable bytes of a pointer we returned (and still in use). */
static size_t usable(void *p)
{
    size_t c = CLASS(p);
    return c == NCLASS ? (size_t)LINK(p) : c * 16;
}

EXPORT const char *minimal_version(void)
{
    return "minimal-2";
}

EXPORT void *malloc(size_t n)
{
    if (__builtin_expect(n > (NCLASS - 1) * 16, 0))
        return big_alloc(n, 16);
    size_t c = (n + 15) >> 4;
    void *p = g_bin[c];
    if (__builtin_expect(p != NULL, 1)) {
        g_bin[c] = LINK(p);
        return p;
    }
    return fresh(c);
}

EXPORT void free(void *p)
{
    if (p) {
        size_t c = CLASS(p);
        LINK(p) = g_bin[c];
        g_bin[c] = p;
    }
}

EXPORT void *calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = malloc(n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

EXPORT void *realloc(void *p, size_t n)
{
    if (!p)
        return malloc(n);
    size_t have = usable(p);
    if (n <= have && n > 0)
        return p;
    void *q = malloc(n);
    if (q) {
        memcpy(q, p, have < n ? have : n);
        free(p);
    }
    return q;
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    void *p = align <= 16 ? malloc(n) : big_alloc(n, align);
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    void *p = NULL;
    int rc = posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, n);
    if (rc)
        errno = rc;
    return p;
}

EXPORT void *memalign(size_t align, size_t n)
{
    return aligned_alloc(align, n);
}

EXPORT size_t malloc_usable_size(void *p)
{
    return p ? usable(p) : 0;
}
