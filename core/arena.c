/*
 * arena.c - laying an arena out over a region, growing it, and the
 * whole-arena operations: reclaim, locks for fork, limit, statistics.
 *
 * Region layout: [region, lo) alignment to 16 bytes; [lo, lo + table) the
 * chunk table, 16 bytes per chunk; then padding to the first chunk
 * boundary; the data chunks; and what is left after the last whole chunk.
 */
#include "heap.h"
#include "block.h"
#include "central.h"
#include "chunks.h"
#include "report.h"
#include "slab_purge.h"

static uintptr_t align_up(uintptr_t v, uintptr_t a)
{
    return (v + a - 1u) & ~(a - 1u);
}

static hak_heap_t *heap_of(hak_chunks_t *c)
{
    return (hak_heap_t *)((char *)c - __builtin_offsetof(hak_heap_t, chunks));
}

/* Publishes the end of the backed chunks to the fast paths' membership
 * test (hak_in_arena). */
static void publish_span(hak_heap_t *h, uint32_t nchunks)
{
    uintptr_t span = nchunks ? (((uintptr_t)nchunks << HAK_CHUNK_SHIFT) - 16u) >> 4 : 0;
    __atomic_store_n(&h->span16, span, __ATOMIC_RELEASE);
    if (!HAK_TOOL(h))
        __atomic_store_n(&h->fast_span16, span, __ATOMIC_RELEASE);
}

void hak_heap_set_tool(hak_heap_t *h, const hak_tool_hooks_t *tool)
{
    h->tool = tool;
    __atomic_store_n(&h->fast_span16, 0, __ATOMIC_RELEASE);
}

/* Backs chunks [nchunks, n) and the table entries that describe them. */
static int back_to(hak_heap_t *h, uint32_t n)
{
    hak_chunks_t *c = &h->chunks;
    uintptr_t tab = (uintptr_t)c->tab;
    size_t tab_need = align_up(hak_chunks_table_bytes(n), HAK_CHUNK_SIZE);
    if (tab_need > c->base - tab)
        tab_need = c->base - tab;
    if (tab_need > h->table_backed) {
        if (h->hooks.back(h, tab + h->table_backed, tab_need - h->table_backed) != 0)
            return -1;
        h->table_backed = tab_need;
    }
    uintptr_t from = c->base + ((uintptr_t)c->nchunks << HAK_CHUNK_SHIFT);
    if (h->hooks.back(h, from, (size_t)(n - c->nchunks) << HAK_CHUNK_SHIFT) != 0)
        return -1;
    __atomic_store_n(&c->nchunks, n, __ATOMIC_RELEASE);
    publish_span(h, n);
    return 0;
}

/* The chunk allocator's growth: a step of an eighth of what is there,
 * between HAK_GROW_MIN_CHUNKS and HAK_GROW_MAX_CHUNKS, or exactly `want`
 * when the platform refuses the step (an address-space limit near). */
static int heap_grow(hak_chunks_t *c, uint32_t want)
{
    hak_heap_t *h = heap_of(c);
    uint32_t have = c->nchunks;
    uint64_t step = have / 8u;
    step = step < HAK_GROW_MIN_CHUNKS ? HAK_GROW_MIN_CHUNKS
         : step > HAK_GROW_MAX_CHUNKS ? HAK_GROW_MAX_CHUNKS : step;
    uint64_t target = (uint64_t)have + step;
    if (target > c->max_chunks)
        target = c->max_chunks;
    if (target > want && back_to(h, (uint32_t)target) == 0)
        return 0;
    return back_to(h, want);
}

int hak_heap_setup(hak_heap_t *h, uintptr_t base, size_t len, unsigned flags,
                   const hak_arena_params_t *params)
{
#if HAK_WITH_CHECK
    if (hak_geometry_check())
        hak_fault("size-class geometry table is inconsistent at class",
                  (void *)(uintptr_t)(hak_geometry_check() - 1u));
#endif
    uintptr_t lo = align_up(base, 16u), end = base + len;
    if (end < base || end < lo)
        return -1;
    uint64_t max = (end - lo) >> HAK_CHUNK_SHIFT;
    if (max > HAK_CHUNKS_MAX)
        max = HAK_CHUNKS_MAX;
    uintptr_t data = align_up(lo + hak_chunks_table_bytes((uint32_t)max), HAK_CHUNK_SIZE);
    if (data >= end || (end - data) >> HAK_CHUNK_SHIFT < 2u)
        return -1;
    uint32_t n = (uint32_t)((end - data) >> HAK_CHUNK_SHIFT);
    if (n > max)
        n = (uint32_t)max;
    int growable = h->hooks.back != 0;
    hak_chunk_entry_t *tab = (hak_chunk_entry_t *)lo;
    if (!growable)
        __builtin_memset(tab, 0, hak_chunks_table_bytes(n));
    __builtin_memset(&h->chunks, 0, sizeof h->chunks);
    __builtin_memset(h->central, 0, sizeof h->central);
    hak_chunks_init(&h->chunks, data, growable ? 0u : n, n, tab,
                    (flags & HAK_ARENA_ZEROED) != 0, (flags & HAK_ARENA_PURGEABLE) != 0,
                    growable ? heap_grow : 0);
    hak_chunks_t *c = &h->chunks;
    c->purged_zero = (uint8_t)((flags & HAK_ARENA_PURGED_ZERO) != 0);
    h->report = 0;
    h->tool = 0;
    if (params) {
        c->purge_high = params->purge_high;
        c->purge_low = params->purge_low;
        c->decay_ms = params->decay_ms;
        h->report = params->report;
    } else {
        /* Defaults scaled to the region (see HAK_PURGE_HIGH). */
        c->purge_high = len / 8u < HAK_PURGE_HIGH ? len / 8u : HAK_PURGE_HIGH;
        c->purge_low = c->purge_high == HAK_PURGE_HIGH ? HAK_PURGE_LOW : c->purge_high / 2u;
        c->decay_ms = HAK_PURGE_DECAY_MS;
    }
    uint64_t e1 = hak_plat_entropy(), e2 = hak_plat_entropy();
    h->ptr_key = (uintptr_t)e1;
    h->slab_key = (uint32_t)(e2 >> 32) | 1u;
    h->region = base;
    h->region_len = len;
    h->table_backed = growable ? 0 : (size_t)(data - lo);
    h->caches_released = 0;
    /* Caches of a small region grow by a 64th of it at most. */
    uint64_t grow = ((uint64_t)n << HAK_CHUNK_SHIFT) / 64u;
    h->cache_grow = grow < HAK_CACHE_GROW_BYTES ? (uint32_t)grow : HAK_CACHE_GROW_BYTES;
    h->coarse = !growable && n < HAK_COARSE_BELOW_CHUNKS;
    h->magic = HAK_HEAP_MAGIC ^ (uintptr_t)h;
    /* base is 16 bytes past the first chunk so that p - 1 of any pointer
     * that passes hak_in_arena lies inside the data chunks. */
    h->base = data + 16u;
    h->tag_bias = (uintptr_t)tab - (data >> HAK_CHUNK_SHIFT) * sizeof(hak_chunk_entry_t);
    uintptr_t window = HAK_CHUNK_SIZE;
    while (window < ((uintptr_t)n << HAK_CHUNK_SHIFT) && window < ((uintptr_t)1 << 62))
        window <<= 1;
    h->link_mask = ~(window - 1u) | 15u;
    publish_span(h, c->nchunks);
    return 0;
}

int hak_heap_init(hak_heap_t *h)
{
    if (hak_heap_ready(h))
        return 0;
    hak_lock(&h->init_lock);
    int rc = 0;
    if (!h->ready) {
        rc = h->hooks.start ? h->hooks.start(h) : -1;
        if (rc == 0)
            __atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
    }
    hak_unlock(&h->init_lock);
    return rc;
}

void hak_heap_reclaim(hak_heap_t *h)
{
    if (!hak_heap_ready(h))
        return;
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        hak_central_t *cl = &h->central[c];
        hak_central_drain(h, c);
        hak_lock(&cl->lock);
        hak_slab_t *s = cl->empty;
        if (s) {
            cl->empty = 0;
            cl->nslabs--;
            hak_central_slab_free(h, c, s);
        }
        /* The slab being carved stays when its blocks come back (freeing it
         * would only make the next refill carve a new one); in an arena
         * short of chunks it goes too, once every block it carved is free. */
        s = cl->carving;
        if (s && s->nfree + s->npurged == s->carved) {
            if (s->in_partial)
                hak_central_unlist(h, c, s);
            cl->carving = 0;
            cl->nslabs--;
            hak_central_slab_free(h, c, s);
        }
        hak_unlock(&cl->lock);
    }
}

size_t hak_heap_trim(hak_heap_t *h)
{
    if (!hak_heap_ready(h))
        return 0;
    hak_heap_reclaim(h);
    return hak_chunks_purge(&h->chunks, 0);
}

/* Takes l and marks it held for the whole heap. */
static void lock_for_all(hak_lock_t *l)
{
    hak_lock(l);
    hak_lock_mark_all(l);
}

void hak_heap_lock_all(hak_heap_t *h)
{
    lock_for_all(&h->init_lock);
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++)
        lock_for_all(&h->central[c].lock);
    lock_for_all(&h->chunks.lock);
}

void hak_heap_unlock_all(hak_heap_t *h)
{
    hak_unlock_all_state(&h->chunks.lock);
    for (unsigned c = HAK_NUM_CLASSES; c-- > 0;)
        hak_unlock_all_state(&h->central[c].lock);
    hak_unlock_all_state(&h->init_lock);
}

void hak_heap_reset_locks(hak_heap_t *h)
{
    h->purger_started = 0;
    hak_lock_reset(&h->chunks.lock);
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++)
        hak_lock_reset(&h->central[c].lock);
    hak_lock_reset(&h->init_lock);
}

void hak_heap_tick(hak_heap_t *h)
{
    hak_chunks_tick(&h->chunks);
    uint32_t idle = 0;
    if (h->hooks.start_purger && __atomic_load_n(&h->chunks.want_purger, __ATOMIC_RELAXED)
        && __atomic_compare_exchange_n(&h->purger_started, &idle, 1, 0, __ATOMIC_RELAXED,
                                       __ATOMIC_RELAXED))
        h->hooks.start_purger(h);
}

void hak_heap_decay(hak_heap_t *h)
{
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++)
        hak_central_decay(h, c);
    hak_chunks_tick(&h->chunks);
}

uint32_t hak_heap_decay_ms(const hak_heap_t *h)
{
    return h->chunks.decay_ms;
}

size_t hak_heap_limit_set(hak_heap_t *h, size_t bytes)
{
    hak_lock(&h->chunks.lock);
    size_t old = h->chunks.limit;
    h->chunks.limit = bytes;
    hak_unlock(&h->chunks.lock);
    return old;
}

#if HAK_WITH_STATS
_Static_assert(HAK_STATS_CLASSES == HAK_NUM_CLASSES, "hakmem.h names the number of classes");

void hak_heap_stats(hak_heap_t *h, hak_stats_t *out)
{
    __builtin_memset(out, 0, sizeof *out);
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        out->classes[c].size = hak_geom[c].usable;
        out->classes[c].stride = hak_geom[c].stride;
    }
    if (!hak_heap_ready(h))
        return;
    uint64_t cached[HAK_NUM_CLASSES] = { 0 };
    if (h->hooks.count_cached)
        h->hooks.count_cached(h, cached);
    uint64_t slab_meta = 0, slab_free = 0, slab_used = 0;
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        const hak_class_geom_t *g = &hak_geom[c];
        hak_central_t *cl = &h->central[c];
        hak_class_stats_t *cs = &out->classes[c];
        hak_lock(&cl->lock);
        uint64_t blocks = (uint64_t)cl->nslabs * g->capacity;
        uint64_t free = cl->listed + (uint64_t)cl->nxfer * g->batch;
        for (hak_slab_t *s = cl->partial; s; s = s->next)
            free += s->npurged;
        if (cl->carving)
            free += cl->carving->capacity - cl->carving->carved;
        if (cl->empty)
            free += g->capacity;
        cs->slabs = cl->nslabs;
        cs->refills = cl->refills;
        cs->flushes = cl->flushes;
        cs->remote_frees = cl->remote_frees;
        hak_unlock(&cl->lock);
        /* The caches were read at another moment than the class: keep the
         * figures within the class's own. */
        uint64_t held = blocks - free;
        cs->blocks_free = free;
        cs->blocks_cached = cached[c] < held ? cached[c] : held;
        cs->blocks_in_use = held - cs->blocks_cached;
        slab_meta += (uint64_t)cs->slabs * (((uint64_t)1 << g->slab_shift) - (uint64_t)g->capacity * g->stride);
        slab_free += free * g->stride;
        slab_used += held * g->stride;
        out->cached_bytes += cs->blocks_cached * g->stride;
        out->slabs += cs->slabs;
        out->refills += cs->refills;
        out->flushes += cs->flushes;
        out->remote_frees += cs->remote_frees;
    }
    hak_chunks_t *k = &h->chunks;
    hak_lock(&k->lock);
    hak_chunks_note_peaks(k);
    uint64_t data = (uint64_t)k->nchunks << HAK_CHUNK_SHIFT;
    /* A growable arena counts what is backed; a fixed one its region. */
    out->reserved_bytes = h->hooks.back ? h->table_backed + data : h->region_len;
    out->reserved_peak = out->reserved_bytes; /* never shrinks */
    out->meta_bytes = out->reserved_bytes - data + slab_meta;
    out->free_bytes = (data - k->used) + slab_free;
    out->in_use_bytes = k->large_bytes + slab_used;
    out->large_bytes = k->large_bytes;
    out->slab_bytes = k->used - k->large_bytes;
    out->large_blocks = k->large_live;
    out->committed_bytes = k->used;
    out->committed_peak = k->used_peak;
    out->dirty_bytes = k->dirty;
    uint64_t held = k->used + k->dirty, cold = __atomic_load_n(&k->cold, __ATOMIC_RELAXED);
    out->resident_bytes = held > cold ? held - cold : 0;
    out->resident_peak = __atomic_load_n(&k->resident_peak, __ATOMIC_RELAXED);
    out->large_allocs = k->large_allocs;
    hak_unlock(&k->lock);
    out->purged_bytes = __atomic_load_n(&k->purged_total, __ATOMIC_RELAXED);
    out->purges = __atomic_load_n(&k->purges, __ATOMIC_RELAXED);
    out->caches_released = __atomic_load_n(&h->caches_released, __ATOMIC_RELAXED);
}
#endif /* HAK_WITH_STATS */
