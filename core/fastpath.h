/*
 * fastpath.h - the allocation and free fast paths, inlined into each port's
 * entry points. Neither takes a lock or an atomic: the cache belongs to the
 * caller (its thread, or its CPU with the caller pinned).
 */
#ifndef HAKMEM_FASTPATH_H
#define HAKMEM_FASTPATH_H

#include "block.h"
#include "report.h"

#define HAK_LIKELY(x) __builtin_expect(!!(x), 1)
#define HAK_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Returns a block of at least `size` bytes, 16-byte aligned, or NULL when
 * memory is exhausted. */
static inline void *hak_fast_alloc(hak_heap_t *h, hak_tcache_t *tc, size_t size)
{
    unsigned c;
    if (HAK_LIKELY(size <= HAK_SMALL_MAX))
        c = (unsigned)(size >> 4);
    else if (size <= HAK_MID_MAX)
        c = hak_size_class(size);
    else
        return hak_alloc_large(h, size);
    hak_tbin_t *bin = &tc->bins[c];
    uintptr_t p = bin->head;
    if (HAK_UNLIKELY(p == 0))
        return hak_alloc_refill(h, tc, c);
    uintptr_t next = hak_link_next(h, p);
    uint8_t *hdr = (uint8_t *)p - 1;
    if (HAK_UNLIKELY((!hak_in_arena(h, next) && next != 0) || *hdr != hak_hdr_free(h, c)))
        hak_fault("corrupted free list (cached block)", (void *)p);
    bin->head = next;
    bin->count--;
    *hdr = hak_hdr_live(h, c);
    return (void *)p;
}

/* Frees ptr (any pointer; NULL and non-small blocks go to the slow path). */
static inline void hak_fast_free(hak_heap_t *h, hak_tcache_t *tc, void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    if (HAK_UNLIKELY(!hak_in_arena(h, p))) {
        hak_free_special(h, tc, ptr);
        return;
    }
    uint8_t *hdr = (uint8_t *)p - 1;
    unsigned c = hak_hdr_decode_live(h, *hdr);
    if (HAK_UNLIKELY(c >= HAK_NUM_CLASSES)) {
        hak_free_special(h, tc, ptr);
        return;
    }
#if HAK_FREE_CHECK_SLAB
    if (HAK_UNLIKELY(!hak_slab_owns(h, p, c)))
        hak_fault("free(): invalid pointer (not the start of a block)", ptr);
#endif
    *hdr = hak_hdr_free(h, c);
    hak_tbin_t *bin = &tc->bins[c];
    if (HAK_UNLIKELY(bin->count >= bin->max)) {
        hak_free_overflow(h, tc, ptr, c);
        return;
    }
    hak_link_store(h, p, bin->head);
    bin->head = p;
    bin->count++;
}

#endif /* HAKMEM_FASTPATH_H */
