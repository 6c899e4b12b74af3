/*
 * block.h - encodings of the header byte and of free-list links.
 *
 * Header byte (just before the user pointer), XORed with HAK_HDR_KEY:
 *   class | HAK_HDR_LIVE   a block in the user's hands
 *   class                  a block on a free list
 *   HAK_CLASS_LARGE|LIVE   the user pointer of a large page run
 *   HAK_CLASS_ALIGNED|LIVE an aligned pointer inside a larger block
 * Free-list links are stored as next ^ (slot >> 4) ^ heap->ptr_key, so a
 * stray write cannot plant a usable pointer, and a decoded link is checked
 * against the arena before it is followed.
 */
#ifndef HAKMEM_BLOCK_H
#define HAKMEM_BLOCK_H

#include <stdint.h>
#include "heap.h"

/* c < 128 (a class, HAK_CLASS_ALIGNED or HAK_CLASS_LARGE): c | LIVE is
 * c ^ LIVE, so the byte is one xor with a constant whatever the compiler
 * knows of c. */
static inline uint8_t hak_hdr_live(const hak_heap_t *h, unsigned c)
{
    (void)h;
    return (uint8_t)(c ^ (HAK_HDR_LIVE ^ HAK_HDR_KEY));
}

static inline uint8_t hak_hdr_free(const hak_heap_t *h, unsigned c)
{
    (void)h;
    return (uint8_t)(c ^ HAK_HDR_KEY);
}

/* Returns the class (or HAK_CLASS_*) of a live header byte (0 to 255); a
 * value >= HAK_HDR_LIVE means the byte is not a live header. */
static inline unsigned hak_hdr_decode_live(const hak_heap_t *h, unsigned byte)
{
    (void)h;
    return byte ^ (HAK_HDR_KEY ^ HAK_HDR_LIVE); /* < 256 for a byte */
}

/* The header byte of block (or user pointer) p, and its update. Every read
 * or write of a block's memory by the core goes through these and the link
 * functions below (HAK_NO_ASAN: see config.h). */
HAK_NO_ASAN static inline uint8_t hak_hdr_get(uintptr_t p)
{
    return ((const uint8_t *)p)[-1];
}

HAK_NO_ASAN static inline void hak_hdr_set(uintptr_t p, uint8_t v)
{
    ((uint8_t *)p)[-1] = v;
}

static inline uintptr_t hak_link_encode(const hak_heap_t *h, uintptr_t next, uintptr_t slot)
{
    return next ^ (slot >> 4) ^ h->ptr_key;
}

/* Reads the link stored in block `slot`. */
HAK_NO_ASAN static inline uintptr_t hak_link_next(const hak_heap_t *h, uintptr_t slot)
{
    /* The slot's part and the key first: they are known before the load,
     * so the next pop's head waits for one xor after it, not two. */
    uintptr_t mask = (slot >> 4) ^ h->ptr_key;
    return *(const uintptr_t *)slot ^ mask;
}

HAK_NO_ASAN static inline void hak_link_store(const hak_heap_t *h, uintptr_t slot, uintptr_t next)
{
    *(uintptr_t *)slot = hak_link_encode(h, next, slot);
}

/* The arena's span for the membership test. A growing arena raises it
 * (under the chunk lock, with a release store) while other threads read
 * it: a thread holding a block of the grown part learnt of it through the
 * synchronisation that handed the block over, so it never sees an older
 * span; another thread's older value only concerns chunks it holds no
 * pointer into. So release builds read it with a plain load, which the
 * compiler folds into the compare (one instruction less on every free);
 * ThreadSanitizer builds, which report any unsynchronised pair, read it
 * atomically. */
#if HAK_UNDER_TSAN
#define HAK_SPAN16(h) __atomic_load_n(&(h)->span16, __ATOMIC_RELAXED)
#else
#define HAK_SPAN16(h) ((h)->span16)
#endif

#if HAK_UNDER_TSAN
#define HAK_FAST_SPAN16(h) __atomic_load_n(&(h)->fast_span16, __ATOMIC_RELAXED)
#else
#define HAK_FAST_SPAN16(h) ((h)->fast_span16)
#endif

/* 1 if p may be a block: inside the arena's backed chunks and 16-byte
 * aligned. Rotating p - base right by 4 moves a misalignment into the top
 * bits, so one unsigned compare tests both (sub, ror, cmp). */
static inline int hak_in_arena(const hak_heap_t *h, uintptr_t p)
{
    uintptr_t d = p - h->base;
    uintptr_t rot = (d >> 4) | (d << (sizeof(uintptr_t) * 8u - 4u));
    return rot < HAK_SPAN16(h);
}

/* hak_in_arena for the free fast path: against fast_span16, which is 0 in
 * tool mode (every pointer then takes the slow path). */
static inline int hak_in_arena_fast(const hak_heap_t *h, uintptr_t p)
{
    uintptr_t d = p - h->base;
    uintptr_t rot = (d >> 4) | (d << (sizeof(uintptr_t) * 8u - 4u));
    return rot < HAK_FAST_SPAN16(h);
}

/* 1 if a decoded free-list link may be followed: 16-byte aligned and
 * inside the arena's power-of-two window (sub, and). A clobbered link
 * decodes to a random 64-bit value, which this rejects with probability
 * 1 - window / 2^64; it is a cheaper test than hak_in_arena for the
 * allocation fast path, which dereferences the link only on the next
 * allocation, and slow paths check links exactly (check_link). */
static inline int hak_link_plausible(const hak_heap_t *h, uintptr_t next)
{
    return ((next - h->base) & h->link_mask) == 0;
}

/* The slab tag recorded in the chunk table for the chunk holding p (p must
 * pass hak_in_arena): HAK_SLAB_TAG of its class when that chunk starts a
 * slab, else 0. */
static inline uint32_t hak_chunk_tag(const hak_heap_t *h, uintptr_t p)
{
    return ((const hak_chunk_entry_t *)(h->tag_bias + (p >> HAK_CHUNK_SHIFT) * sizeof(hak_chunk_entry_t)))
        ->slab_tag;
}

/* The slab holding a block of class c. */
static inline hak_slab_t *hak_slab_of(uintptr_t p, unsigned c)
{
    return (hak_slab_t *)(p & ~(((uintptr_t)1 << hak_geom[c].slab_shift) - 1u));
}

/* 1 if p (which passed hak_in_arena) is a block boundary of a slab of
 * class c that this heap made. A slab larger than a chunk starts at a
 * multiple of its size, which may lie before the first chunk for a bogus
 * p: such a p is refused before the tag is read. */
static inline int hak_slab_owns(const hak_heap_t *h, uintptr_t p, unsigned c)
{
    const hak_slab_t *s = hak_slab_of(p, c);
    uint64_t off = (uint64_t)(p - (uintptr_t)s) - HAK_SLAB_DATA_OFF;
    return (uintptr_t)s >= h->base - 16u
           && s->tag == HAK_SLAB_TAG(h, c)
           && off < ((uint64_t)1 << hak_geom[c].slab_shift)
           && hak_geom_is_block_start(c, off);
}

#endif /* HAKMEM_BLOCK_H */
