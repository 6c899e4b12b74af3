/*
 * minimal_malloc.c - the "minimal" allocator of bench/run.sh: a correct
 * malloc that does next to no work, so that its ratio to glibc shows how
 * much of a single-threaded workload's time is the benchmark's own loop
 * (PRNG, index, a mispredicted branch) rather than the allocator.
 *
 * Not an allocator to use: not thread-safe, no checks, never returns memory
 * to the system. bench/run.sh runs it on random_mixed and tiny_hot only.
 *
 * Blocks of class c hold c * 16 bytes (c = 1..NCLASS) and have a 2-byte
 * header just before them holding c, so a block's stride is (c + 1) * 16
 * and every block is 16-byte aligned. New blocks are bumped from one static
 * region in request order (compact, like a fresh heap); freed blocks go on a
 * LIFO list per class. Bigger requests are bumped with header BIG and their
 * size in the 8 bytes before the header, and are never reused.
 *
 * Marker symbol for the benchmarks' identity check: minimal_version.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
#define NCLASS 512u                     /* classes up to 8 KiB */
#define BIG 0xffffu                     /* header of a bumped big block */
#define REGION_BYTES ((size_t)1 << 30)  /* the static region (bss) */

static _Alignas(4096) unsigned char g_region[REGION_BYTES];
static size_t g_top = 16;          /* first unused byte of g_region */
static void *g_bin[NCLASS + 1];    /* LIFO of free blocks, per class */

/* Bumps `stride` bytes so that the block after its 16-byte lead-in is
 * aligned to `align` (a power of two >= 16); NULL with ENOMEM when full. */
static unsigned char *bump(size_t stride, size_t align)
{
    size_t at = (g_top + align - 1) & ~(align - 1);
    if (stride > REGION_BYTES || at > REGION_BYTES - stride) {
        errno = ENOMEM;
        return NULL;
    }
    g_top = at + stride;
    return g_region + at;
}

/* The 2-byte header of block p. */
static unsigned header(const void *p)
{
    uint16_t h;
    memcpy(&h, (const unsigned char *)p - 2, sizeof h);
    return h;
}

static void set_header(void *p, unsigned h)
{
    uint16_t v = (uint16_t)h;
    memcpy((unsigned char *)p - 2, &v, sizeof v);
}

/* A big block of n bytes aligned to `align`: header BIG, size before it. */
static void *big_alloc(size_t n, size_t align)
{
    if (n > REGION_BYTES) {
        errno = ENOMEM;
        return NULL;
    }
    unsigned char *p = bump(n + align, align);
    if (!p)
        return NULL;
    p += align;
    set_header(p, BIG);
    memcpy(p - 10, &n, sizeof n);
    return p;
}

/* Usable bytes of a pointer we returned. */
static size_t usable(const unsigned char *p)
{
    size_t n;
    if (header(p) != BIG)
        return (size_t)header(p) * 16;
    memcpy(&n, p - 10, sizeof n);
    return n;
}

EXPORT const char *minimal_version(void)
{
    return "minimal-1";
}

EXPORT void *malloc(size_t n)
{
    size_t c = (n + 15) >> 4;
    if (c > NCLASS)
        return big_alloc(n, 16);
    c += (c == 0);
    void *p = g_bin[c];
    if (p) {
        g_bin[c] = *(void **)p;
        return p;
    }
    unsigned char *b = bump((c + 1) * 16, 16);
    if (!b)
        return NULL;
    b += 16;
    set_header(b, (unsigned)c);
    return b;
}

EXPORT void free(void *p)
{
    if (!p)
        return;
    unsigned c = header(p);
    if (c == BIG)
        return;
    *(void **)p = g_bin[c];
    g_bin[c] = p;
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
