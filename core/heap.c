/* heap.c - initialisation and the slow paths behind fastpath.h. */
#include "heap.h"
#include "chunks.h"
#include "central.h"
#include "fastpath.h"
#include "large.h"

#define ALIGNED_MAX_OFFSET ((uintptr_t)HAK_MID_MAX)

void *hak_out_of_memory(void)
{
    hak_plat_out_of_memory();
    return 0;
}

/* Returns the cache a slow path works on: tc itself once live or dead; for
 * a port's UNBOUND placeholder, the caller's own cache from the port; a
 * NEW cache made live. NULL when the heap cannot start. */
static hak_tcache_t *cache_setup(hak_heap_t *h, hak_tcache_t *tc)
{
    if (tc->state == HAK_TC_LIVE) {
        if (tc->heap != h)
            hak_fault("cache used with an arena it does not belong to, cache", tc);
        return tc;
    }
    if (tc->state == HAK_TC_DEAD)
        return tc;
    if (hak_heap_init(h) < 0)
        return 0;
    if (tc->state == HAK_TC_UNBOUND) {
        tc = h->hooks.cache_for_caller(h);
        if (tc->state != HAK_TC_NEW)
            return cache_setup(h, tc);
    }
    tc->heap = h;
    tc->grown = 0;
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        tc->owed[c] = 0;
        tc->bins[c].room = tc->bins[c].cap = (uint16_t)hak_geom[c].cache_max;
        tc->bins[c].refill = (uint8_t)(HAK_BATCH_FIRST < hak_geom[c].batch ? HAK_BATCH_FIRST : hak_geom[c].batch);
        tc->bins[c].trend = 0;
        tc->bins[c].hdr = hak_hdr_live(h, c);
    }
    tc->state = HAK_TC_LIVE;
    tc->fast_limit = (size_t)HAK_SMALL_MAX + 1u;
    tc->mid_limit = (size_t)HAK_MID_MAX + 1u;
    if (h->hooks.cache_started)
        h->hooks.cache_started(h, tc);
    return tc;
}

/* cache_setup for the refill and flush paths: a live cache of this heap
 * (the usual case) is checked inline, without the call. */
static inline hak_tcache_t *cache_live(hak_heap_t *h, hak_tcache_t *tc)
{
    if (HAK_LIKELY(tc->state == HAK_TC_LIVE && tc->heap == h))
        return tc;
    return cache_setup(h, tc);
}

/* Takes one block of class c without a cache; 0 when none is left. */
static void *take_one(hak_heap_t *h, unsigned c)
{
    uint32_t got;
    uintptr_t p = hak_central_take(h, c, 1, &got);
    if (!got)
        return 0;
    hak_hdr_set(p, hak_hdr_live(h, c));
    return (void *)p;
}

/* Class c has no block and no chunk for a slab. Gives back what the arena
 * holds in reserve (the caller's cached blocks, retained empty slabs,
 * parked batches) and tries again; then a block of a larger class, then a
 * run of chunks (mid classes' slabs span several chunks, which a small or
 * fragmented arena may not have in one piece). */
static void *alloc_exhausted(hak_heap_t *h, hak_tcache_t *tc, unsigned c)
{
    if (tc)
        hak_cache_flush(h, tc);
    hak_heap_reclaim(h);
    for (unsigned k = c; k < HAK_NUM_CLASSES; k++) {
        void *p = take_one(h, k);
        if (p)
            return p;
    }
    int zeroed;
    void *p = hak_large_alloc(h, hak_geom[c].usable, 16, &zeroed);
    return p ? p : hak_out_of_memory();
}

#if HAK_WITH_BIN_GROWTH
/* Doubles the capacity of bin c of a live cache (within the class's
 * cache_limit and what is left of the heap's cache_grow) and adds it to
 * the bin's room. Returns 0 when it could not add at least a batch. */
static int bin_grow(const hak_heap_t *h, hak_tcache_t *tc, hak_tbin_t *bin, unsigned c)
{
    const hak_class_geom_t *g = &hak_geom[c];
    uint32_t add = bin->cap, afford = (h->cache_grow - tc->grown) / g->stride;
    if (add > g->cache_limit - bin->cap)
        add = g->cache_limit - bin->cap;
    if (add > afford)
        add = afford;
    if (add < g->batch)
        return 0;
    bin->cap = (uint16_t)(bin->cap + add);
    bin->room += add;
    tc->grown += add * g->stride;
    return 1;
}
#endif /* HAK_WITH_BIN_GROWTH */

/* A mid class about to start a fresh slab or restore purged blocks (pages
 * to fault in) takes a resident free block of a larger class instead, one
 * whose stride is at most twice its own: its page is already touched, and
 * the block is idle memory otherwise (fragmentation: a phase of new sizes
 * after the holes of others). The block keeps its own class (header,
 * free() and malloc_usable_size go by it), so it goes to the caller alone
 * and never into bin c; the next allocation of class c comes back here
 * while the larger classes have free blocks. 0 when none has one. Out of
 * line: the refill's usual path stays as it was. */
#if HAK_WITH_XCLASS
__attribute__((noinline)) static void *take_larger(hak_heap_t *h, hak_tcache_t *tc, unsigned c)
{
    uint32_t most = 2u * hak_geom[c].stride;
    unsigned end = c + 1u;
    while (end < HAK_NUM_CLASSES && hak_geom[end].stride <= most)
        end++;
    for (unsigned k = c + 1u; k < end; k++) {
        uintptr_t p = hak_central_take_resident(h, k);
        if (p) {
            if (HAK_WITH_STATS && tc->state == HAK_TC_LIVE)
                tc->owed[k]++;
            hak_hdr_set(p, hak_hdr_live(h, k));
            return (void *)p;
        }
    }
    return 0;
}
#endif /* HAK_WITH_XCLASS */

void *hak_alloc_refill(hak_heap_t *h, hak_tcache_t *tc, unsigned c)
{
    tc = cache_live(h, tc);
    if (!tc)
        return hak_out_of_memory();
    hak_tbin_t *bin = &tc->bins[c];
    uint32_t got, want = tc->state == HAK_TC_LIVE ? bin->refill : 1u;
    if (HAK_DEBUG && (h->central[c].refills & 63u) == 0 && hak_central_check(h, c))
        hak_fault("heap invariants broken (debug check), class", (void *)(uintptr_t)c);
#if HAK_WITH_XCLASS
    uintptr_t p;
    if (c >= HAK_NUM_SMALL) {
        p = hak_central_take_held(h, c, want, &got);
        if (!got) {
            void *q = take_larger(h, tc, c);
            if (q)
                return q;
            p = hak_central_take(h, c, want, &got);
        }
    } else {
        p = hak_central_take(h, c, want, &got);
    }
#else
    uintptr_t p = hak_central_take(h, c, want, &got);
#endif
    if (!got)
        return alloc_exhausted(h, tc, c);
    uintptr_t next = got > 1u ? hak_link_next(h, p) : 0;
    if (got > 1u && !hak_in_arena(h, next))
        hak_fault("corrupted free list (cached block's link)", (void *)p);
    if (tc->state == HAK_TC_LIVE) {
        if (HAK_WITH_STATS)
            tc->owed[c] += got;
#if HAK_WITH_BIN_GROWTH
        /* Empty soon after a flush: the blocks it gave away were needed. */
        if (bin->trend != HAK_TBIN_REFILLED && bin->trend != 0)
            bin_grow(h, tc, bin, c);
        bin->trend = HAK_TBIN_REFILLED;
#endif
        bin->head = next;
        bin->room = bin->cap - (got - 1u);
        if (bin->refill < hak_geom[c].batch)
            bin->refill = (uint8_t)(2u * bin->refill < hak_geom[c].batch ? 2u * bin->refill : hak_geom[c].batch);
    }
    hak_hdr_set(p, hak_hdr_live(h, c));
    return (void *)p;
}

/* Of n blocks a live cache returns, those beyond what it took from the
 * heap were allocated by other threads (hak_class_stats_t.remote_frees). */
static uint32_t remote_count(hak_tcache_t *tc, unsigned c, uint32_t n)
{
    if (!HAK_WITH_STATS)
        return 0;
    uint64_t own = tc->owed[c] < n ? tc->owed[c] : n;
    tc->owed[c] -= own;
    return n - (uint32_t)own;
}

/* Makes room in full bin c of a live cache. Full soon after a refill, the
 * bin grows instead of giving away blocks its thread is about to want
 * back. Otherwise it flushes a batch; once it has flushed HAK_TBIN_IDLE_CAPS
 * times its class's cache_limit (at most HAK_TBIN_FLUSHES_MAX batches) with
 * no refill between (frees only: blocks of other threads, a structure torn
 * down), so that no burst the bin could serve looks idle, each flush
 * also takes a batch off a grown capacity, flushing a second batch: a bin
 * shrinks back with no call moving more than two batches. */
static void bin_overflow(hak_heap_t *h, hak_tcache_t *tc, hak_tbin_t *bin, unsigned c)
{
    const hak_class_geom_t *g = &hak_geom[c];
#if !HAK_WITH_BIN_GROWTH
    bin->head = hak_central_flush(h, c, bin->head, g->batch, remote_count(tc, c, g->batch));
    bin->room = g->batch;
#else
    if (bin->trend == HAK_TBIN_REFILLED && bin_grow(h, tc, bin, c)) {
        bin->trend = 0;
        return;
    }
    uint32_t flushes = (bin->trend & HAK_TBIN_FLUSHES_MAX) + 1u, n = g->batch, cap = bin->cap;
    uint32_t idle = HAK_TBIN_IDLE_CAPS * g->cache_limit / g->batch;
    if (flushes > HAK_TBIN_FLUSHES_MAX)
        flushes = HAK_TBIN_FLUSHES_MAX;
    if (cap > g->cache_max && flushes >= (idle < HAK_TBIN_FLUSHES_MAX ? idle : HAK_TBIN_FLUSHES_MAX)) {
        uint32_t cut = cap - g->cache_max < g->batch ? cap - g->cache_max : g->batch;
        cap -= cut;
        n += cut;
        tc->grown -= cut * g->stride;
    }
    bin->head = hak_central_flush(h, c, bin->head, n, remote_count(tc, c, n));
    bin->cap = (uint16_t)cap;
    bin->room = g->batch;
    bin->trend = (uint8_t)flushes;
#endif
}

void hak_free_overflow(hak_heap_t *h, hak_tcache_t *tc, void *ptr, unsigned c)
{
    uintptr_t p = (uintptr_t)ptr;
    tc = cache_live(h, tc);
    if (!tc || tc->state != HAK_TC_LIVE) {
        hak_link_store(h, p, 0);
        hak_central_give(h, c, p, 1, 0);
        return;
    }
    hak_tbin_t *bin = &tc->bins[c];
    if (bin->room == 0)
        bin_overflow(h, tc, bin, c);
    hak_link_store(h, p, bin->head);
    bin->head = p;
    bin->room--;
}

#if HAK_WITH_ARENA_API
/* The coarse class (HAK_COARSE_BELOW_CHUNKS) that serves class c in a
 * small arena, or HAK_NUM_CLASSES when a run of chunks serves it. */
static unsigned coarse_class(unsigned c)
{
    static const uint8_t coarse[] = { 1, 3, 7, 15, 31, 64, 68, 72, 76, 80, 84 };
    for (unsigned k = 0; k < sizeof coarse; k++)
        if (coarse[k] >= c)
            return coarse[k];
    return HAK_NUM_CLASSES;
}

/* hak_alloc_nocache; with `quiet`, for a shrink that can stay in place, a
 * block that is not at hand (a class without a free block or a chunk for
 * a slab) is 0 at once: neither the exhaustion path (which hands back
 * reserves) nor the report of the failure (hak_plat_out_of_memory, errno
 * on a hosted heap) for a call that will succeed. */
__attribute__((always_inline)) static inline void *alloc_nocache(hak_heap_t *h, size_t size, int quiet)
{
    size_t request = hak_debug_request(size);
    unsigned c = request <= HAK_MID_MAX ? hak_size_class(request) : HAK_NUM_CLASSES;
    if (h->coarse && c < HAK_NUM_CLASSES)
        c = coarse_class(c);
    if (c >= HAK_NUM_CLASSES) {
        int zeroed;
        return quiet ? hak_large_alloc(h, request, 16, &zeroed) : hak_alloc_large(h, request);
    }
    uintptr_t p = (uintptr_t)take_one(h, c);
    if (!p && !quiet)
        p = (uintptr_t)alloc_exhausted(h, 0, c);
    if (HAK_DEBUG && p && size <= HAK_DEBUG_MAX) {
        unsigned k = hak_hdr_decode_live(h, hak_hdr_get(p));
        if (k < HAK_NUM_CLASSES)
            hak_debug_on_alloc(p, k, size);
    }
    return (void *)p;
}

void *hak_alloc_nocache(hak_heap_t *h, size_t size)
{
    return alloc_nocache(h, size, 0);
}
#endif /* HAK_WITH_ARENA_API */

void *hak_alloc_with(hak_heap_t *h, hak_tcache_t *tc, size_t size)
{
#if HAK_WITH_ARENA_API
    return tc ? hak_fast_alloc(h, tc, size) : hak_alloc_nocache(h, size);
#else
    return hak_fast_alloc(h, tc, size);
#endif
}

/* Frees a validated block of class c: into the cache, or straight to its
 * slab without one. */
__attribute__((always_inline)) static inline void free_block(hak_heap_t *h, hak_tcache_t *tc, uintptr_t p, unsigned c)
{
    if (!HAK_WITH_ARENA_API || tc) {
        hak_cache_push(h, tc, p, c);
        return;
    }
    hak_debug_on_free(p, c);
    hak_hdr_set(p, hak_hdr_free(h, c));
    hak_link_store(h, p, 0);
    hak_central_give(h, c, p, 1, 0);
}

static void free_other(hak_heap_t *h, hak_tcache_t *tc, void *ptr, unsigned c, const char *call);

#if HAK_WITH_ARENA_API
void hak_free_nocache(hak_heap_t *h, void *ptr, const char *call)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!ptr)
        return;
    unsigned c = hak_in_arena(h, p) ? hak_hdr_decode_live(h, hak_hdr_get(p))
                                    : HAK_NUM_CLASSES;
    free_other(h, 0, ptr, c, call);
}
#endif /* HAK_WITH_ARENA_API */

/* An allocation through a cache that is not live: the first one of a
 * thread (or of the process, before the heap is set up), one after the
 * thread's cache was handed back, or any in tool mode. */
__attribute__((noinline)) static void *alloc_not_live(hak_heap_t *h, hak_tcache_t *tc, size_t size)
{
    if (hak_heap_init(h) < 0)
        return hak_out_of_memory();
    if (HAK_TOOL(h))
        return h->tool->alloc(h, size, 16, 0);
    if (size > HAK_MID_MAX)
        return hak_alloc_large(h, size);
    unsigned c = hak_size_class(size);
    return hak_bin_pop(h, tc, &tc->bins[c], c);
}

/* A large size, or a cache that is not live. */
__attribute__((noinline)) static void *alloc_mid_other(hak_heap_t *h, hak_tcache_t *tc, size_t size)
{
    return tc->mid_limit ? hak_alloc_large(h, size) : alloc_not_live(h, tc, size);
}

void *hak_alloc_mid(hak_heap_t *h, hak_tcache_t *tc, size_t size)
{
    /* mid_limit: HAK_MID_MAX + 1 in a live cache, 0 otherwise (heap.h). */
    if (HAK_UNLIKELY(size >= tc->mid_limit))
        return alloc_mid_other(h, tc, size);
    unsigned c = hak_mid_size_class(size);
    return hak_bin_pop(h, tc, &tc->bins[c], c);
}

#if HAK_WITH_MID_FREE
/* The checks of a mid block (docs/HARDENING.md): the keyed tag of its
 * slab and the exact block boundary, those of hak_slab_owns without its
 * range test. p - slab is below the slab's size by construction, and an
 * offset that falls before the first block (p - slab < HAK_SLAB_DATA_OFF)
 * wraps to a value that is never a block start (mid strides exceed
 * HAK_SLAB_DATA_OFF; hak_geometry_check verifies it). A header byte that
 * is not a mid class's reads a zero entry of hak_mid_geom, whose slab
 * (address 0) fails the first test, so the class needs no test of its
 * own: whatever fails goes to free_other, which takes it from scratch (a
 * mid block that fails is reported there, as the same fault). Written as
 * three exits, not one condition: GCC then keeps h and tc in their
 * argument registers (two moves less). */
void hak_free_mid(hak_heap_t *h, hak_tcache_t *tc, void *ptr, unsigned c)
{
    uintptr_t p = (uintptr_t)ptr;
    uintptr_t s = p & hak_mid_geom[c].slab_mask;
    /* A slab larger than a chunk starts at a multiple of its size, which
     * may lie before the first chunk (base - 16) for a bogus p. */
    if (HAK_UNLIKELY(s + 16u < h->base))
        goto other;
    if (HAK_UNLIKELY(((const hak_slab_t *)s)->tag != HAK_SLAB_TAG(h, c)))
        goto other;
    if (HAK_UNLIKELY(!hak_mid_block_start(c, p - s - HAK_SLAB_DATA_OFF)))
        goto other;
    hak_cache_push(h, tc, p, c);
    return;
other:
    free_other(h, tc, ptr, c, "free");
}
#endif /* HAK_WITH_MID_FREE */

/* hak_free_other without tool mode's detour, for any call: a fault names
 * `call`. */
static void free_other(hak_heap_t *h, hak_tcache_t *tc, void *ptr, unsigned c, const char *call)
{
    uintptr_t p = (uintptr_t)ptr;
    if (c < HAK_NUM_CLASSES && hak_in_arena(h, p)) {
        if (!hak_slab_owns(h, p, c))
            hak_fault_in(call, "invalid pointer (not the start of a block)", ptr);
        free_block(h, tc, p, c);
        return;
    }
    hak_free_special(h, tc, ptr, call);
}

void hak_free_other(hak_heap_t *h, hak_tcache_t *tc, void *ptr, unsigned c)
{
    uintptr_t p = (uintptr_t)ptr;
    /* free(NULL) leaves first (tool mode's free ignores it too), before
     * the tests and the call name below. */
    if (!ptr)
        return;
    if (c < HAK_NUM_CLASSES && hak_in_arena(h, p)) {
        if (!hak_slab_owns(h, p, c))
            hak_fault_in("free", "invalid pointer (not the start of a block)", ptr);
        free_block(h, tc, p, c);
        return;
    }
    /* Tool mode's frees all come this way: its free fast path sends every
     * pointer here with c = HAK_NUM_CLASSES. */
    if (HAK_UNLIKELY(HAK_TOOL(h) != 0)) {
        h->tool->free(h, ptr);
        return;
    }
    hak_free_special(h, tc, ptr, "free");
}

#if !HAK_WITH_MID_FREE
/* The fast path's mid blocks (and everything else it does not take) go
 * the general way: the same block-boundary check, no code of their own. */
void hak_free_mid(hak_heap_t *h, hak_tcache_t *tc, void *ptr, unsigned c)
{
    hak_free_other(h, tc, ptr, c);
}
#endif

/* An aligned pointer q inside block p (q - p >= 16) carries a record in the
 * 8 bytes before it: the offset q - p and a keyed copy at q - 8 and q - 6,
 * and the ALIGNED tag at q - 1. The record stays clear of p's free-list
 * link (p's first 8 bytes), so a double free of q is still recognised. */
HAK_NO_ASAN static void aligned_record(const hak_heap_t *h, uintptr_t q, uintptr_t p)
{
    uint16_t *rec = (uint16_t *)(q - 8u);
    rec[0] = (uint16_t)(q - p);
    rec[1] = (uint16_t)(rec[0] ^ h->slab_key);
    hak_hdr_set(q, hak_hdr_live(h, HAK_CLASS_ALIGNED));
}

/* The block an aligned pointer q lives in; reports a bad record (fatal),
 * naming `call`. */
HAK_NO_ASAN static uintptr_t aligned_inner(hak_heap_t *h, uintptr_t q, uintptr_t *off_out, const char *call)
{
    const uint16_t *rec = (const uint16_t *)(q - 8u);
    uintptr_t off = rec[0];
    if ((uint16_t)(rec[1] ^ h->slab_key) != rec[0] || off < 16u || off > ALIGNED_MAX_OFFSET
        || (off & 15u) || !hak_in_arena(h, q - off))
        hak_fault_in(call, "invalid pointer (clobbered aligned-block record)", (void *)q);
    *off_out = off;
    return q - off;
}

/* An aligned pointer: frees the block it lives in. Out of line, so that
 * hak_free_special's large blocks take no register saves. */
__attribute__((noinline)) static void free_aligned(hak_heap_t *h, hak_tcache_t *tc, void *ptr, const char *call)
{
    uintptr_t off, inner = aligned_inner(h, (uintptr_t)ptr, &off, call);
    unsigned ic = hak_hdr_decode_live(h, hak_hdr_get(inner));
    /* The block may be a run of chunks: an exhausted class falls back to
     * one (alloc_exhausted). */
    if (ic >= HAK_NUM_CLASSES && ic != HAK_CLASS_LARGE)
        hak_fault_in(call, "double free (aligned pointer whose block is not live)", ptr);
    free_other(h, tc, (void *)inner, ic, call);
}

void hak_free_special(hak_heap_t *h, hak_tcache_t *tc, void *ptr, const char *call)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!ptr)
        return;
    if (!hak_in_arena(h, p)) {
        if (hak_heap_ready(h) && p - h->base < (HAK_SPAN16(h) << 4))
            hak_fault_in(call, "misaligned pointer", ptr);
        hak_fault_in(call, "pointer not allocated by hakmem (not in this arena)", ptr);
    }
    uint8_t byte = hak_hdr_get(p);
    unsigned c = hak_hdr_decode_live(h, byte);
    if (c == HAK_CLASS_LARGE) {
        hak_large_free(h, ptr, call);
        return;
    }
    if (c == HAK_CLASS_ALIGNED) {
        free_aligned(h, tc, ptr, call);
        return;
    }
    unsigned freed = (uint8_t)(byte ^ HAK_HDR_KEY);
    if (freed < HAK_NUM_CLASSES && hak_slab_owns(h, p, freed))
        hak_fault_in(call, "double free", ptr);
    hak_fault_in(call, "invalid pointer (no block header: interior, foreign or clobbered)", ptr);
}

void *hak_alloc_large(hak_heap_t *h, size_t size)
{
    int zeroed;
    void *p = hak_large_alloc(h, size, 16, &zeroed);
    return p ? p : hak_out_of_memory();
}

void *hak_alloc_aligned(hak_heap_t *h, hak_tcache_t *tc, size_t align, size_t size)
{
    if (align <= 16u)
        return hak_alloc_with(h, tc, size);
    if (size <= HAK_MID_MAX && align <= HAK_MID_MAX) {
        size_t need = size + align - 16u;
        if (need <= HAK_MID_MAX) {
            uintptr_t p = (uintptr_t)hak_alloc_with(h, tc, need);
            if (!p || (p & (align - 1u)) == 0)
                return (void *)p;
            uintptr_t q = (p + align - 1u) & ~(uintptr_t)(align - 1u);
            aligned_record(h, q, p);
            return (void *)q;
        }
    }
    int zeroed;
    void *p = hak_large_alloc(h, size, align, &zeroed);
    return p ? p : hak_out_of_memory();
}

size_t hak_block_usable(hak_heap_t *h, const void *ptr, const char *call)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!hak_in_arena(h, p))
        hak_fault_in(call, "pointer not allocated by hakmem (not in this arena)", ptr);
    unsigned c = hak_hdr_decode_live(h, hak_hdr_get(p));
    if (c < HAK_NUM_CLASSES && hak_slab_owns(h, p, c))
        return HAK_DEBUG ? hak_debug_size(p, c) : hak_geom[c].usable;
    if (c == HAK_CLASS_LARGE)
        return hak_large_usable(h, ptr, call);
    if (c == HAK_CLASS_ALIGNED) {
        uintptr_t off, inner = aligned_inner(h, p, &off, call);
        return hak_block_usable(h, (const void *)inner, call) - off;
    }
    hak_fault_in(call, "invalid pointer (not a live block)", ptr);
}

void *hak_resize(hak_heap_t *h, hak_tcache_t *tc, void *ptr, size_t size, const char *call)
{
    size_t old = hak_block_usable(h, ptr, call);
    unsigned c = hak_hdr_decode_live(h, hak_hdr_get((uintptr_t)ptr));
    if (c == HAK_CLASS_LARGE) {
        /* A large block shrinks in place (its tail goes back at once) or
         * grows in place when the chunks after it are free; a size that
         * fits a slab block moves to one. */
        if (size > old && hak_large_grow(h, ptr, size))
            return ptr;
        if (size <= old && (!HAK_WITH_SHRINK_MOVE || size > HAK_MID_MAX)) {
            hak_large_shrink(h, ptr, size);
            return ptr;
        }
    } else if (HAK_DEBUG && c < HAK_NUM_CLASSES) {
        /* The canary follows the size while the block's class can hold it. */
        if (size <= hak_geom[c].usable - HAK_DEBUG_EXTRA
            && (size >= old / 2u || hak_size_class(hak_debug_request(size)) == c)) {
            hak_debug_check_canary((uintptr_t)ptr, c);
            hak_debug_arm((uintptr_t)ptr, c, size);
            return ptr;
        }
    } else if (size <= old && (!HAK_WITH_SHRINK_MOVE || size >= old / 2u
                               || (c < HAK_NUM_CLASSES && hak_size_class(size) == c))) {
        /* A shrink keeps the block while it leaves at most half of it
         * unused, or when a fresh block would be of the same class. A
         * smaller class would hold it in less: a string built in an
         * oversized buffer and cut to its length, kept for long, would
         * otherwise hold twice its memory. */
        return ptr;
    }
#if HAK_WITH_ARENA_API
    /* Without a cache (the hak_arena_ calls), a shrink that finds no block
     * at hand stays in place without reporting a failure. (The hosted
     * realloc, through a cache, restores errno itself.) */
    void *fresh = tc ? hak_fast_alloc(h, tc, size) : alloc_nocache(h, size, size <= old);
#else
    void *fresh = hak_alloc_with(h, tc, size);
#endif
    if (!fresh) {
        /* An exhausted arena still shrinks a block: in place. */
        if (size > old)
            return 0;
        if (c == HAK_CLASS_LARGE)
            hak_large_shrink(h, ptr, size);
        return ptr;
    }
    /* A large block moving to a slab block: its tail goes back now, as in
     * a shrink in place (freeing the run would only make it dirty). */
    if (HAK_WITH_SHRINK_MOVE && c == HAK_CLASS_LARGE && size < old)
        hak_large_shrink(h, ptr, size);
    __builtin_memcpy(fresh, ptr, size < old ? size : old);
    if (tc)
        hak_fast_free(h, tc, ptr);
#if HAK_WITH_ARENA_API
    else
        hak_free_nocache(h, ptr, call);
#endif
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
            hak_central_give(h, c, bin->head, n, remote_count(tc, c, n));
        bin->head = 0;
        bin->room = bin->cap = (uint16_t)hak_geom[c].cache_max;
        bin->trend = 0;
    }
    tc->grown = 0;
}

void hak_cache_release(hak_heap_t *h, hak_tcache_t *tc)
{
    if (tc->state == HAK_TC_LIVE) {
        hak_cache_flush(h, tc);
        __atomic_fetch_add(&h->caches_released, 1, __ATOMIC_RELAXED);
    }
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++)
        tc->bins[c].room = tc->bins[c].cap = 0;
    tc->state = HAK_TC_DEAD;
    tc->fast_limit = 0;
    tc->mid_limit = 0;
}
