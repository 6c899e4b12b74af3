/*
 * model.h - the tests' own model of how much memory a block takes, written
 * from the documented layout (README.md, core/geometry.h, core/large.c's
 * contract), not read from the core's tables, so that the tests can hold
 * the core's answers against it:
 *   - 85 classes: 65 small ones of stride 16, 32, ..., 1040, then 20 mid
 *     ones, four per power of two p = 1024 .. 16384, of stride 5p/4, 6p/4,
 *     7p/4, 2p, plus 16; a block's usable size is its stride - 1 (one
 *     header byte);
 *   - a slab of a class is the smallest power of two from 64 KiB up that
 *     holds a 144-byte header and 16 blocks; it holds (size - 144) / stride
 *     blocks;
 *   - a large block (above 32783 bytes, or a large alignment) is a run of
 *     64 KiB chunks whose user pointer lies max(alignment, 64) bytes into
 *     the run, with at least one byte of the run after the request.
 */
#ifndef HAKMEM_TEST_MODEL_H
#define HAKMEM_TEST_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifndef HAK_DEBUG
#define HAK_DEBUG 0
#endif

#define M_CLASSES 85u
#define M_SMALL 65u
#define M_MID_MAX 32783u
#define M_CHUNK ((size_t)65536)
#define M_SLAB_HEADER 144u
#define M_LARGE_OFF 64u

/* The size the classes see for a request of n bytes: a debug build adds a
 * 3-byte canary and sends sizes too close to the largest class to large
 * runs (core/debug.h). */
static inline size_t model_request(size_t n)
{
    if (!HAK_DEBUG || n > M_MID_MAX)
        return n;
    return n <= M_MID_MAX - 3u ? n + 3u : M_MID_MAX + 1u;
}

static inline uint32_t model_class_stride(unsigned c)
{
    if (c < M_SMALL)
        return 16u * (c + 1u);
    unsigned m = c - M_SMALL;
    uint32_t p = 1024u << (m / 4u);
    return p * (5u + m % 4u) / 4u + 16u;
}

static inline uint32_t model_class_usable(unsigned c)
{
    return model_class_stride(c) - 1u;
}

/* The class of a size the classes see (s <= 32783). */
static inline unsigned model_class(size_t s)
{
    unsigned c = 0;
    while (model_class_usable(c) < s)
        c++;
    return c;
}

static inline size_t model_slab_bytes(unsigned c)
{
    size_t slab = M_CHUNK;
    while ((size_t)model_class_stride(c) * 16u + M_SLAB_HEADER > slab)
        slab *= 2u;
    return slab;
}

static inline uint32_t model_capacity(unsigned c)
{
    return (uint32_t)((model_slab_bytes(c) - M_SLAB_HEADER) / model_class_stride(c));
}

/* Offset of a large block's user pointer in its run, for an alignment. */
static inline size_t model_large_off(size_t align)
{
    return align > M_LARGE_OFF ? align : M_LARGE_OFF;
}

/* Bytes of the run of a large block of s bytes at offset off. */
static inline size_t model_large_run(size_t s, size_t off)
{
    return ((off + s + M_CHUNK) / M_CHUNK) * M_CHUNK;
}

/* Footprint (bytes counted in use) and usable size of hak_arena_malloc(n)
 * in an arena with room. */
static inline size_t model_malloc_footprint(size_t n)
{
    size_t s = model_request(n);
    return s <= M_MID_MAX ? model_class_stride(model_class(s)) : model_large_run(s, M_LARGE_OFF);
}

static inline size_t model_malloc_usable(size_t n)
{
    size_t s = model_request(n);
    if (s > M_MID_MAX)
        return model_large_run(s, M_LARGE_OFF) - M_LARGE_OFF;
    return HAK_DEBUG ? n : model_class_usable(model_class(s));
}

/* 1 when hak_arena_aligned_alloc(align, n) is served inside a small or mid
 * block (of the class of n + align - 16); 0 when by a large run. */
static inline int model_aligned_in_class(size_t align, size_t n)
{
    if (align <= 16u)
        return model_request(n) <= M_MID_MAX;
    return n <= M_MID_MAX && align <= M_MID_MAX && n + align - 16u <= M_MID_MAX
           && model_request(n + align - 16u) <= M_MID_MAX;
}

#endif /* HAKMEM_TEST_MODEL_H */
