/*
 * fastpath.h - the allocation and free fast paths for small blocks, inlined
 * into each port's entry points. Neither takes a lock or an atomic: the
 * cache belongs to the caller (its thread, or its CPU with the caller
 * pinned). Everything else leaves through one out-of-line call.
 */
#ifndef HAKMEM_FASTPATH_H
#define HAKMEM_FASTPATH_H

#include "block.h"
#include "debug.h"
#include "report.h"

#define HAK_LIKELY(x) __builtin_expect(!!(x), 1)
#define HAK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HAK_PREFETCH_NEXT(p) do { if (HAK_PREFETCH) __builtin_prefetch((const void *)(p)); } while (0)

/* Pops a block of class c from its bin (refilling an empty bin). Shared by
 * the small fast path and the mid-size path. */
static inline void *hak_bin_pop(hak_heap_t *h, hak_tcache_t *tc, hak_tbin_t *bin, unsigned c)
{
    uintptr_t p = bin->head;
    if (HAK_UNLIKELY(p == 0))
        return hak_alloc_refill(h, tc, c);
    uintptr_t next = hak_link_next(h, p);
    /* A clobbered link decodes to a random value: outside the arena. */
    if (HAK_CHECK_LINKS && HAK_UNLIKELY(!hak_link_plausible(h, next)) && next != 0)
        hak_fault("corrupted free list (cached block's link)", (void *)p);
    bin->head = next;
    bin->room++;
    /* The next pop of this class will read next's link: start the load. */
    HAK_PREFETCH_NEXT(next);
    hak_hdr_set(p, bin->hdr);
    return (void *)p;
}

/* Pops a block of at least `size` bytes (see hak_fast_alloc). */
static inline void *hak_fast_alloc_raw(hak_heap_t *h, hak_tcache_t *tc, size_t size)
{
    /* fast_limit is HAK_SMALL_MAX + 1 in a live cache, 0 otherwise (heap.h). */
    if (HAK_UNLIKELY(size >= tc->fast_limit))
        return hak_alloc_mid(h, tc, size);
    unsigned c = (unsigned)(size >> 4);
    /* Bins are 16 bytes, so class c's bin sits at byte offset size & ~15. */
    return hak_bin_pop(h, tc, (hak_tbin_t *)((char *)tc->bins + (size & ~(size_t)15)), c);
}

/* Returns a block of at least `size` bytes, 16-byte aligned, or NULL when
 * memory is exhausted. */
static inline void *hak_fast_alloc(hak_heap_t *h, hak_tcache_t *tc, size_t size)
{
#if HAK_DEBUG
    uintptr_t p = (uintptr_t)hak_fast_alloc_raw(h, tc, hak_debug_request(size));
    /* An exhausted arena may answer with a large run (no canary). */
    unsigned c = p ? hak_hdr_decode_live(h, hak_hdr_get(p)) : HAK_NUM_CLASSES;
    if (c < HAK_NUM_CLASSES && size <= HAK_DEBUG_MAX)
        hak_debug_on_alloc(p, c, size);
    return (void *)p;
#else
    return hak_fast_alloc_raw(h, tc, size);
#endif
}

/* Two of the free fast path's exits, with the pointer first: it arrives in
 * the first argument register and stays there, so the fast path moves no
 * register to make room for the heap, which the exits load themselves.
 * The mid-size exit calls hak_free_mid directly: through such a function
 * it would take four instructions more (mid_mixed: +2 per op). */
__attribute__((noinline, cold)) static void hak_free_exit_other(void *ptr, hak_tcache_t *tc, hak_heap_t *h)
{
    hak_free_other(h, tc, ptr, HAK_NUM_CLASSES);
}

__attribute__((noinline, cold)) static void hak_free_exit_overflow(void *ptr, unsigned c, hak_tcache_t *tc,
                                                                   hak_heap_t *h)
{
    hak_free_overflow(h, tc, ptr, c);
}

/* Pushes a validated block of class c on its bin (or takes the slow path
 * when the bin is full or the cache not set up). */
static inline void hak_cache_push(hak_heap_t *h, hak_tcache_t *tc, uintptr_t p, unsigned c)
{
    hak_debug_on_free(p, c);
    hak_hdr_set(p, hak_hdr_free(h, c));
    hak_tbin_t *bin = &tc->bins[c];
    /* Decrement and test in one: room was 0 when it borrows (sub, jb). */
    uint32_t room;
    if (HAK_UNLIKELY(__builtin_sub_overflow(bin->room, 1u, &room))) {
        hak_free_exit_overflow((void *)p, c, tc, h);
        return;
    }
    bin->room = room;
    hak_link_store(h, p, bin->head);
    bin->head = p;
}

/* HAK_TABLE_CLASS_DIFFERS(out, table_class, c) sets out to 1 if the
 * class the chunk table records differs from the header's. The free fast
 * path then takes the bin from the table's copy: it sits in a hot line,
 * while the header may still be a cache miss (a block freed long after it
 * was allocated, or by another thread), so the push goes ahead and only
 * the branch waits for the header (larson +4 %, bursts +5-6 %;
 * docs/BENCHMARKS.md). A plain != would tell the compiler the two are
 * equal after it, and gcc then takes the header's copy again: on x86-64
 * the comparison is made in asm, whose flag result says nothing of the
 * values; elsewhere the plain test stands (same check, same result).
 * HAK_TABLE_CLASS_REG keeps the table class out of the mid exit's
 * argument registers: gcc otherwise moves the cache pointer out of its
 * own (one instruction more on every mid free). A macro, not a function:
 * the register binding holds only where the variable is the asm's own
 * operand. */
#if defined(__x86_64__) && defined(__GCC_ASM_FLAG_OUTPUTS__)
#define HAK_TABLE_CLASS_REG __asm__("r9")
#define HAK_TABLE_CLASS_DIFFERS(out, table_class, c) \
    __asm__("cmpl %1, %2" : "=@ccne"(out) : "r"(c), "r"(table_class))
#else
#define HAK_TABLE_CLASS_REG
#define HAK_TABLE_CLASS_DIFFERS(out, table_class, c) ((out) = (table_class) != (c))
#endif

/* Frees ptr (any pointer: NULL, mid, large and bad pointers leave the fast
 * path). A small block's slab tag is checked, so a pointer into another
 * class's slab or a large block is reported, and so is an interior pointer
 * unless the byte before it happens to equal its block's own live header. */
static inline void hak_fast_free(hak_heap_t *h, hak_tcache_t *tc, void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    if (HAK_UNLIKELY(!hak_in_arena_fast(h, p))) {
        hak_free_exit_other(ptr, tc, h);
        return;
    }
    /* The byte as an opaque 32-bit value: gcc otherwise narrows the class
     * to a byte and zero-extends it again for each use. */
    unsigned byte = hak_hdr_get(p);
    __asm__("" : "+r"(byte));
    unsigned c = hak_hdr_decode_live(h, byte);
    if (HAK_UNLIKELY(c >= HAK_NUM_SMALL)) {
        hak_free_mid(h, tc, ptr, c);
        return;
    }
#if HAK_FREE_CHECK_TAG
    /* Small slabs are one chunk: its table entry holds the slab's tag, the
     * class keyed. Once the two agree, the bin is taken from the table's
     * copy of the class (see HAK_TABLE_CLASS_DIFFERS). */
    register unsigned table_class HAK_TABLE_CLASS_REG = HAK_SLAB_TAG_CLASS(h, hak_chunk_tag(h, p));
    int differs;
    HAK_TABLE_CLASS_DIFFERS(differs, table_class, c);
    if (HAK_UNLIKELY(differs))
        hak_fault("free(): invalid pointer (not in a slab of its header's class)", ptr);
    c = table_class;
#endif
#if HAK_FREE_CHECK_SLAB
    if (HAK_UNLIKELY(!hak_slab_owns(h, p, c)))
        hak_fault("free(): invalid pointer (not the start of a block)", ptr);
#endif
    hak_cache_push(h, tc, p, c);
}

#endif /* HAKMEM_FASTPATH_H */
