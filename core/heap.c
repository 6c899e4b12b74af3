/* heap.c - initialisation and the slow paths behind fastpath.h. */
#include "heap.h"
#include "arena.h"
#include "central.h"
#include "fastpath.h"
#include "large.h"

#define ALIGNED_MAX_OFFSET ((uintptr_t)HAK_MID_MAX)

static int heap_setup(hak_heap_t *h)
{
    if (hak_geometry_check())
        hak_fault("size-class geometry table is inconsistent at class", (void *)(uintptr_t)(hak_geometry_check() - 1u));
    size_t size = HAK_ARENA_RESERVE;
    void *region = 0;
    for (; size >= HAK_ARENA_MIN_RESERVE; size >>= 1) {
        size_t align = size < ((size_t)1 << 30) ? size : ((size_t)1 << 30);
        /* One chunk past the end stays readable so a stray pointer at the
         * very end of the arena can be checked without faulting. */
        region = hak_plat_reserve(size + HAK_CHUNK_SIZE, align);
        if (region)
            break;
    }
    if (!region)
        return -1;
    size_t meta_bytes = (hak_arena_meta_bytes(size) + 4095u) & ~(size_t)4095u;
    void *meta = hak_plat_reserve(meta_bytes, 4096);
    if (!meta) {
        hak_plat_release(region, size + HAK_CHUNK_SIZE);
        return -1;
    }
    hak_arena_init(&h->arena, (uintptr_t)region, size, meta);
    uint64_t e1 = hak_plat_entropy(), e2 = hak_plat_entropy();
    h->ptr_key = (uintptr_t)e1;
    h->slab_key = (uint32_t)(e2 >> 32) | 1u;
    /* base is 16 bytes into the region so that p - 1 of any pointer that
     * passes hak_in_arena lies inside the region. */
    h->base = (uintptr_t)region + 16u;
    h->check_mask = ~(uintptr_t)(size - 1u) | 15u;
    return 0;
}

int hak_heap_init(hak_heap_t *h)
{
    if (hak_heap_ready(h))
        return 0;
    hak_lock(&h->init_lock);
    int rc = 0;
    if (!h->ready) {
        rc = heap_setup(h);
        if (rc == 0)
            __atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
    }
    hak_unlock(&h->init_lock);
    return rc;
}

void *hak_out_of_memory(hak_heap_t *h)
{
    if (h->hooks.out_of_memory)
        h->hooks.out_of_memory();
    return 0;
}

/* Makes a NEW cache live. Returns 0, or -1 when the heap cannot start. */
static int cache_setup(hak_heap_t *h, hak_tcache_t *tc)
{
    if (tc->state != HAK_TC_NEW)
        return 0;
    if (hak_heap_init(h) < 0)
        return -1;
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        tc->bins[c].room = hak_geom[c].cache_max;
        tc->bins[c].refill = HAK_BATCH_FIRST < hak_geom[c].batch ? HAK_BATCH_FIRST : hak_geom[c].batch;
    }
    tc->state = HAK_TC_LIVE;
    if (h->hooks.cache_started)
        h->hooks.cache_started(h, tc);
    return 0;
}

void *hak_alloc_refill(hak_heap_t *h, hak_tcache_t *tc, unsigned c)
{
    if (cache_setup(h, tc) < 0)
        return hak_out_of_memory(h);
    hak_tbin_t *bin = &tc->bins[c];
    uint32_t got, want = tc->state == HAK_TC_LIVE ? bin->refill : 1u;
    if (HAK_DEBUG && (h->central[c].refills & 63u) == 0 && hak_central_check(h, c))
        hak_fault("heap invariants broken (debug check), class", (void *)(uintptr_t)c);
    uintptr_t p = hak_central_take(h, c, want, &got);
    if (!got)
        return hak_out_of_memory(h);
    uintptr_t next = got > 1u ? hak_link_next(h, p) : 0;
    if (got > 1u && !hak_in_arena(h, next))
        hak_fault("corrupted free list (cached block's link)", (void *)p);
    bin->head = next;
    if (tc->state == HAK_TC_LIVE) {
        bin->room = hak_geom[c].cache_max - (got - 1u);
        if (bin->refill < hak_geom[c].batch)
            bin->refill = 2u * bin->refill < hak_geom[c].batch ? 2u * bin->refill : hak_geom[c].batch;
    }
    ((uint8_t *)p)[-1] = hak_hdr_live(h, c);
    return (void *)p;
}

void hak_free_overflow(hak_heap_t *h, hak_tcache_t *tc, void *ptr, unsigned c)
{
    uintptr_t p = (uintptr_t)ptr;
    cache_setup(h, tc);
    hak_tbin_t *bin = &tc->bins[c];
    if (tc->state != HAK_TC_LIVE) {
        hak_link_store(h, p, 0);
        hak_central_give(h, c, p, 1);
        return;
    }
    if (bin->room == 0) {
        uint32_t n = hak_geom[c].batch;
        bin->head = hak_central_flush(h, c, bin->head, n);
        bin->room = n;
    }
    hak_link_store(h, p, bin->head);
    bin->head = p;
    bin->room--;
}

void *hak_alloc_mid(hak_heap_t *h, hak_tcache_t *tc, size_t size)
{
    if (size > HAK_MID_MAX)
        return hak_alloc_large(h, size);
    unsigned c = hak_size_class(size);
    return hak_bin_pop(h, tc, &tc->bins[c], c);
}

void hak_free_other(hak_heap_t *h, hak_tcache_t *tc, void *ptr, unsigned c)
{
    uintptr_t p = (uintptr_t)ptr;
    if (c < HAK_NUM_CLASSES && hak_in_arena(h, p)) {
        if (!hak_slab_owns(h, p, c))
            hak_fault("free(): invalid pointer (not the start of a block)", ptr);
        hak_cache_push(h, tc, p, c);
        return;
    }
    hak_free_special(h, tc, ptr);
}

/* An aligned pointer q inside block p (q - p >= 16) carries a record in the
 * 8 bytes before it: the offset q - p and a keyed copy at q - 8 and q - 6,
 * and the ALIGNED tag at q - 1. The record stays clear of p's free-list
 * link (p's first 8 bytes), so a double free of q is still recognised. */
static void aligned_record(const hak_heap_t *h, uintptr_t q, uintptr_t p)
{
    uint16_t *rec = (uint16_t *)(q - 8u);
    rec[0] = (uint16_t)(q - p);
    rec[1] = (uint16_t)(rec[0] ^ h->slab_key);
    ((uint8_t *)q)[-1] = hak_hdr_live(h, HAK_CLASS_ALIGNED);
}

/* The block an aligned pointer q lives in; reports a bad record (fatal). */
static uintptr_t aligned_inner(hak_heap_t *h, uintptr_t q, uintptr_t *off_out)
{
    const uint16_t *rec = (const uint16_t *)(q - 8u);
    uintptr_t off = rec[0];
    if ((uint16_t)(rec[1] ^ h->slab_key) != rec[0] || off < 16u || off > ALIGNED_MAX_OFFSET
        || (off & 15u) || !hak_in_arena(h, q - off))
        hak_fault("invalid pointer (clobbered aligned-block record)", (void *)q);
    *off_out = off;
    return q - off;
}

void hak_free_special(hak_heap_t *h, hak_tcache_t *tc, void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!ptr)
        return;
    if (!hak_in_arena(h, p)) {
        if (hak_heap_ready(h) && p - h->base < h->arena.size)
            hak_fault("free(): misaligned pointer", ptr);
        hak_fault("free(): pointer not allocated by hakmem", ptr);
    }
    uint8_t byte = ((const uint8_t *)p)[-1];
    unsigned c = hak_hdr_decode_live(h, byte);
    if (c == HAK_CLASS_LARGE) {
        hak_large_free(h, ptr);
        return;
    }
    if (c == HAK_CLASS_ALIGNED) {
        uintptr_t off, inner = aligned_inner(h, p, &off);
        unsigned ic = hak_hdr_decode_live(h, ((const uint8_t *)inner)[-1]);
        if (ic >= HAK_NUM_CLASSES)
            hak_fault("free(): double free (aligned pointer whose block is not live)", ptr);
        hak_free_other(h, tc, (void *)inner, ic);
        return;
    }
    unsigned freed = (uint8_t)(byte ^ HAK_HDR_KEY);
    if (freed < HAK_NUM_CLASSES && hak_slab_owns(h, p, freed))
        hak_fault("free(): double free", ptr);
    hak_fault("free(): invalid pointer (no block header: interior, foreign or clobbered)", ptr);
}

void *hak_alloc_large(hak_heap_t *h, size_t size)
{
    int zeroed;
    return hak_large_alloc(h, size, 16, &zeroed);
}

void *hak_alloc_aligned(hak_heap_t *h, hak_tcache_t *tc, size_t align, size_t size)
{
    if (align <= 16u)
        return hak_fast_alloc(h, tc, size);
    if (size <= HAK_MID_MAX && align <= HAK_MID_MAX) {
        size_t need = size + align - 16u;
        if (need <= HAK_MID_MAX) {
            uintptr_t p = (uintptr_t)hak_fast_alloc(h, tc, need);
            if (!p || (p & (align - 1u)) == 0)
                return (void *)p;
            uintptr_t q = (p + align - 1u) & ~(uintptr_t)(align - 1u);
            aligned_record(h, q, p);
            return (void *)q;
        }
    }
    int zeroed;
    return hak_large_alloc(h, size, align, &zeroed);
}

size_t hak_block_usable(hak_heap_t *h, const void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!hak_in_arena(h, p))
        hak_fault("malloc_usable_size(): pointer not allocated by hakmem", ptr);
    unsigned c = hak_hdr_decode_live(h, ((const uint8_t *)p)[-1]);
    if (c < HAK_NUM_CLASSES && hak_slab_owns(h, p, c))
        return HAK_DEBUG ? hak_debug_size(p, c) : hak_geom[c].usable;
    if (c == HAK_CLASS_LARGE)
        return hak_large_usable(h, ptr);
    if (c == HAK_CLASS_ALIGNED) {
        uintptr_t off, inner = aligned_inner(h, p, &off);
        return hak_block_usable(h, (const void *)inner) - off;
    }
    hak_fault("invalid pointer (not a live block)", ptr);
}

void *hak_resize(hak_heap_t *h, hak_tcache_t *tc, void *ptr, size_t size)
{
    size_t old = hak_block_usable(h, ptr);
    unsigned c = hak_hdr_decode_live(h, ((const uint8_t *)ptr)[-1]);
    if (HAK_DEBUG && c < HAK_NUM_CLASSES) {
        /* The canary follows the size while the block's class can hold it. */
        if (size <= hak_geom[c].usable - HAK_DEBUG_EXTRA && (size >= old / 2u || old <= 256u)) {
            hak_debug_check_canary((uintptr_t)ptr, c);
            hak_debug_arm((uintptr_t)ptr, c, size);
            return ptr;
        }
    } else if (size <= old && (size >= old / 2u || old <= 256u)) {
        return ptr;
    }
    if (c == HAK_CLASS_LARGE && size > old && hak_large_grow(h, ptr, size))
        return ptr;
    void *fresh = hak_fast_alloc(h, tc, size);
    if (!fresh)
        return 0;
    __builtin_memcpy(fresh, ptr, size < old ? size : old);
    hak_fast_free(h, tc, ptr);
    return fresh;
}

void hak_cache_flush(hak_heap_t *h, hak_tcache_t *tc)
{
    if (tc->state != HAK_TC_LIVE)
        return;
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        hak_tbin_t *bin = &tc->bins[c];
        uint32_t n = hak_tbin_count(bin, c, tc->state);
        if (n)
            hak_central_give(h, c, bin->head, n);
        bin->head = 0;
        bin->room = hak_geom[c].cache_max;
    }
}

void hak_cache_release(hak_heap_t *h, hak_tcache_t *tc)
{
    if (tc->state == HAK_TC_LIVE) {
        hak_cache_flush(h, tc);
        __atomic_fetch_add(&h->threads_exited, 1, __ATOMIC_RELAXED);
    }
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++)
        tc->bins[c].room = 0;
    tc->state = HAK_TC_DEAD;
}

size_t hak_heap_trim(hak_heap_t *h)
{
    if (!hak_heap_ready(h))
        return 0;
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        hak_central_t *cl = &h->central[c];
        hak_central_drain(h, c);
        hak_lock(&cl->lock);
        hak_slab_t *s = cl->empty;
        if (s) {
            cl->empty = 0;
            cl->nslabs--;
            s->tag = 0;
            hak_arena_free(&h->arena, (uintptr_t)s, 1u << (hak_geom[c].slab_shift - HAK_CHUNK_SHIFT));
        }
        hak_unlock(&cl->lock);
    }
    return hak_arena_purge(&h->arena, 0);
}
