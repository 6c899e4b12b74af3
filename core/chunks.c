/*
 * arena.c - chunk allocator.
 *
 * Chunk map, one 32-bit word per chunk:
 *   USED | LARGE? | back   every chunk of a live run; back = offset to its
 *                          first chunk (tab[first].prev holds the length)
 *   FREE | DIRTY? | IDLE? | len
 *                          first and last chunk of a free extent
 *   0                      inside a free extent, or never used (>= top)
 * Free extents sit on doubly linked lists by floor(log2(len)), linked
 * through tab[i].prev and tab[i].next of their first chunk.
 * A DIRTY extent may hold old data; a clean one reads as zero. An IDLE one
 * (always dirty) has stayed free and unchanged since the last decay epoch
 * ended: the next end purges it.
 */
#include "chunks.h"
#include "report.h"

#define USED 0x80000000u
#define LARGE 0x40000000u
#define FREE 0x40000000u
#define DIRTY 0x20000000u
#define IDLE 0x10000000u
#define LEN_MASK 0x0fffffffu
#define NONE 0xffffffffu

static void insert_coalesced(hak_chunks_t *a, uint32_t i, uint32_t n, uint32_t dirty);
static void decay_step(hak_chunks_t *a);

/* The resident estimate's peak: used + dirty - cold (see hak_stats_t). */
static void note_resident(hak_chunks_t *a)
{
    uint64_t held = __atomic_load_n(&a->held, __ATOMIC_RELAXED);
    uint64_t cold = __atomic_load_n(&a->cold, __ATOMIC_RELAXED);
    uint64_t now = held > cold ? held - cold : 0;
    uint64_t peak = __atomic_load_n(&a->resident_peak, __ATOMIC_RELAXED);
    while (now > peak && !__atomic_compare_exchange_n(&a->resident_peak, &peak, now, 1,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

/* After a change of used or dirty, with the lock held: the peaks. */
static void note_change(hak_chunks_t *a)
{
    if (!HAK_WITH_STATS)
        return;
    if (a->used > a->used_peak)
        a->used_peak = a->used;
    __atomic_store_n(&a->held, a->used + a->dirty, __ATOMIC_RELAXED);
    note_resident(a);
}

void hak_chunks_note_peaks(hak_chunks_t *a)
{
    note_change(a);
}

#if HAK_WITH_STATS
void hak_chunks_cold_add(hak_chunks_t *a, int64_t bytes)
{
    /* A rise of the estimate (carving) is recorded at the next chunk
     * operation, purge or read; a fall is preceded by a record of the
     * peak so far. */
    if (bytes > 0)
        note_resident(a);
    __atomic_fetch_add(&a->cold, (uint64_t)bytes, __ATOMIC_RELAXED);
}
#endif

static inline unsigned log2_floor(uint32_t v)
{
    return 31u - (unsigned)__builtin_clz(v);
}

static inline int is_free_edge(uint32_t e)
{
    return (e & (USED | FREE)) == FREE;
}

void hak_chunks_init(hak_chunks_t *a, uintptr_t base, uint32_t backed, uint32_t max,
                     hak_chunk_entry_t *tab, int zeroed, int can_purge, hak_chunks_grow_fn grow)
{
    a->base = base;
    a->nchunks = backed;
    a->max_chunks = max;
    a->top = 0;
    a->tab = tab;
    a->grow = grow;
    a->fresh_zeroed = (uint8_t)(zeroed != 0);
    a->can_purge = (uint8_t)(HAK_PLAT_HAS_PURGE && can_purge);
    for (unsigned b = 0; b < 32; b++)
        a->bins[b] = NONE;
}

/* 1 if a clean (not dirty) extent reads as zero: clean extents are
 * never-used chunks of a zeroed region, or purged ones, which read as zero
 * only where the region says so. */
static int clean_is_zero(const hak_chunks_t *a)
{
    return !a->can_purge || a->purged_zero;
}

/* Never-used chunks are clean only where the region promised zeroes. */
static uint32_t fresh_flag(const hak_chunks_t *a)
{
    return a->fresh_zeroed ? 0u : DIRTY;
}

/* Makes chunks below `end` usable, growing the area if it can. */
static int ensure_backed(hak_chunks_t *a, uint64_t end)
{
    if (end <= a->nchunks)
        return 1;
    if (!HAK_WITH_GROWTH || end > a->max_chunks || !a->grow)
        return 0;
    return a->grow(a, (uint32_t)end) == 0;
}

static void extent_insert(hak_chunks_t *a, uint32_t i, uint32_t len, uint32_t dirty)
{
    uint32_t word = FREE | dirty | len;
    a->tab[i].word = word;
    a->tab[i + len - 1u].word = word;
    unsigned b = log2_floor(len);
    uint32_t head = a->bins[b];
    a->tab[i].prev = NONE;
    a->tab[i].next = head;
    if (head != NONE)
        a->tab[head].prev = i;
    a->bins[b] = i;
    if (dirty)
        a->dirty += (size_t)len << HAK_CHUNK_SHIFT;
}

/* Unlinks extent i and clears its edge words; returns its DIRTY and IDLE
 * flags (the parts of it that stay free keep them). */
static uint32_t extent_remove(hak_chunks_t *a, uint32_t i)
{
    uint32_t word = a->tab[i].word;
    uint32_t len = word & LEN_MASK;
    uint32_t prev = a->tab[i].prev, next = a->tab[i].next;
    if (prev != NONE)
        a->tab[prev].next = next;
    else
        a->bins[log2_floor(len)] = next;
    if (next != NONE)
        a->tab[next].prev = prev;
    a->tab[i].word = 0;
    a->tab[i + len - 1u].word = 0;
    if (word & DIRTY)
        a->dirty -= (size_t)len << HAK_CHUNK_SHIFT;
    return word & (DIRTY | IDLE);
}

static void mark_used(hak_chunks_t *a, uint32_t s, uint32_t n, int large)
{
    uint32_t kind = USED | (large ? LARGE : 0u);
    for (uint32_t k = 0; k < n; k++)
        a->tab[s + k].word = kind | k;
    a->tab[s].prev = n;
}

/* First chunk >= i whose address is a multiple of align. */
static uint32_t align_chunk(const hak_chunks_t *a, uint32_t i, size_t align)
{
    uintptr_t addr = a->base + ((uintptr_t)i << HAK_CHUNK_SHIFT);
    uintptr_t up = (addr + align - 1u) & ~(uintptr_t)(align - 1u);
    return (uint32_t)((up - a->base) >> HAK_CHUNK_SHIFT);
}

/* 1 if the chunk before i belongs to a live large run of at least
 * HAK_KEEP_WHOLE_CHUNKS chunks (a buffer that a realloc may grow in place). */
static int after_large_run(const hak_chunks_t *a, uint32_t i)
{
    if (i == 0)
        return 0;
    uint32_t word = a->tab[i - 1u].word;
    if ((word & (USED | LARGE)) != (USED | LARGE))
        return 0;
    uint32_t first = i - 1u - (word & LEN_MASK);
    return a->tab[first].prev >= HAK_KEEP_WHOLE_CHUNKS;
}

/* 1 if a slab run of n chunks should come from fresh chunks at top rather
 * than from the free extent at i: the extent is large (most likely a freed
 * large block, which the next large request of its size needs whole) or
 * follows a large live run (which a realloc grows into), and chunks above
 * top are already backed (a slab never grows the area for this). */
static int keep_whole(const hak_chunks_t *a, uint32_t i, uint32_t n, size_t align)
{
    uint32_t len = a->tab[i].word & LEN_MASK;
    return ((len >= HAK_KEEP_WHOLE_CHUNKS && len >= 2u * n) || after_large_run(a, i))
           && (uint64_t)align_chunk(a, a->top, align) + n <= a->nchunks;
}

/* First fit in the lowest bin that holds a fitting extent. Slab runs
 * (large 0) pass over the extents large runs need while backed fresh
 * chunks remain (keep_whole). */
static int take_from_bins(hak_chunks_t *a, uint32_t n, size_t align, int large, uint32_t *out,
                          int *zeroed)
{
    for (unsigned b = log2_floor(n); b < 32; b++) {
        for (uint32_t i = a->bins[b]; i != NONE; i = a->tab[i].next) {
            uint32_t len = a->tab[i].word & LEN_MASK;
            uint32_t s = align_chunk(a, i, align);
            if ((uint64_t)s + n > (uint64_t)i + len || (!large && keep_whole(a, i, n, align)))
                continue;
            uint32_t dirty = extent_remove(a, i);
            if (s > i)
                extent_insert(a, i, s - i, dirty);
            if (s + n < i + len)
                extent_insert(a, s + n, i + len - (s + n), dirty);
            *out = s;
            *zeroed = !dirty && clean_is_zero(a);
            return 1;
        }
    }
    return 0;
}

/* Takes [s, s + n) out of the adjacent free extents that start at extent
 * head `i` (and, past top, out of the never-used chunks), giving back the
 * parts outside it with their own dirtiness. Returns 1 if all of it reads
 * as zero. */
static int take_range(hak_chunks_t *a, uint32_t i, uint32_t s, uint32_t n)
{
    int zero = 1;
    uint32_t end = s + n;
    while (i < end && i < a->top) {
        uint32_t word = a->tab[i].word, len = word & LEN_MASK;
        if (i + len <= s) {
            i += len;
            continue;
        }
        uint32_t dirty = extent_remove(a, i);
        if (dirty || !clean_is_zero(a))
            zero = 0;
        if (i < s)
            extent_insert(a, i, s - i, dirty);
        if (i + len > end)
            extent_insert(a, end, i + len - end, dirty);
        i += len;
    }
    if (end > a->top) {
        if (!a->fresh_zeroed)
            zero = 0;
        __atomic_store_n(&a->top, end, __ATOMIC_RELAXED);
    }
    return zero;
}

/* A place for n aligned chunks across adjacent free extents (which stay
 * apart when one is dirty and the other clean) and the never-used chunks
 * after top, the lowest first. Walks the table run by run, so it is tried
 * only before a large run would grow the area (may_span) and as the last
 * resort before failing. Returns 1 and the first chunk in *out when one is
 * found. */
static int take_spanning(hak_chunks_t *a, uint32_t n, size_t align, uint32_t *out, int *zeroed)
{
    uint32_t stretch = NONE;
    for (uint32_t i = 0; i <= a->top;) {
        int free_here = i == a->top || is_free_edge(a->tab[i].word);
        if (free_here && stretch == NONE)
            stretch = i;
        if (!free_here) {
            stretch = NONE;
            i += a->tab[i].prev; /* a used run's head holds its length */
            continue;
        }
        /* A stretch reaching top continues into never-used chunks. */
        uint64_t stretch_end = i == a->top ? (uint64_t)a->max_chunks
                                           : (uint64_t)i + (a->tab[i].word & LEN_MASK);
        uint32_t s = align_chunk(a, stretch, align);
        if ((uint64_t)s + n <= stretch_end && ensure_backed(a, (uint64_t)s + n)) {
            *zeroed = take_range(a, stretch, s, n);
            *out = s;
            return 1;
        }
        if (i == a->top)
            break;
        i = (uint32_t)stretch_end;
    }
    return 0;
}

/* 1 if a large run that fits no extent might fit across adjacent clean
 * and dirty ones (which stay apart, see insert_coalesced): there are both,
 * and at least `bytes` free below top. Then take_spanning's walk is worth
 * it before the area grows; a heap that only grows never pays for it. */
static int may_span(const hak_chunks_t *a, size_t bytes)
{
    size_t free_below = ((size_t)a->top << HAK_CHUNK_SHIFT) - a->used;
    return a->dirty > 0 && free_below > a->dirty && free_below >= bytes;
}

/* Places n chunks at top, growing the area if needed. A large run starts
 * in the free extent that ends at top, if there is one, rather than past
 * it (the extent would otherwise be left behind as a hole). */
static int take_at_top(hak_chunks_t *a, uint32_t n, size_t align, int large, uint32_t *out,
                       int *zeroed)
{
    uint32_t top = a->top;
    if (large && top > 0 && is_free_edge(a->tab[top - 1u].word)) {
        uint32_t head = top - (a->tab[top - 1u].word & LEN_MASK);
        uint32_t s = align_chunk(a, head, align);
        if (s < top && ensure_backed(a, (uint64_t)s + n)) {
            *zeroed = take_range(a, head, s, n);
            *out = s;
            return 1;
        }
    }
    uint32_t s = align_chunk(a, top, align);
    if (!ensure_backed(a, (uint64_t)s + n))
        return 0;
    if (s > top)
        extent_insert(a, top, s - top, fresh_flag(a));
    __atomic_store_n(&a->top, s + n, __ATOMIC_RELAXED);
    *zeroed = a->fresh_zeroed;
    *out = s;
    return 1;
}

uintptr_t hak_chunks_alloc(hak_chunks_t *a, uint32_t n, size_t align, int large, int *zeroed)
{
    uintptr_t result = 0;
    hak_lock(&a->lock);
    size_t bytes = (size_t)n << HAK_CHUNK_SHIFT;
    if (n == 0 || (a->limit && a->used + bytes > a->limit))
        goto out;
    uint32_t s;
    if (!take_from_bins(a, n, align, large, &s, zeroed)
        && !(large && may_span(a, bytes) && take_spanning(a, n, align, &s, zeroed))
        && !take_at_top(a, n, align, large, &s, zeroed) && !take_spanning(a, n, align, &s, zeroed))
        goto out;
    mark_used(a, s, n, large);
    a->used += bytes;
    if (a->used > a->peak_epoch)
        a->peak_epoch = a->used;
    if (large) {
        a->large_live++;
        a->large_bytes += bytes;
        a->large_allocs++;
    }
    result = a->base + ((uintptr_t)s << HAK_CHUNK_SHIFT);
    decay_step(a);
    note_change(a);
out:
    hak_unlock(&a->lock);
    return result;
}


/* Purges dirty extents that carry every flag of `only` (IDLE: idle ones
 * only; 0: any), largest bins first, until at most `keep` dirty bytes
 * remain; each purged extent joins its clean neighbours. */
static size_t purge_locked(hak_chunks_t *a, size_t keep, uint32_t only)
{
    size_t purged = 0;
#if HAK_PLAT_HAS_PURGE
    if (!a->can_purge)
        return 0;
    if (a->dirty > keep)
        note_change(a); /* the peak before the estimate falls */
    for (int b = 31; b >= 0 && a->dirty > keep; b--) {
        uint32_t i = a->bins[b];
        while (i != NONE && a->dirty > keep) {
            uint32_t next = a->tab[i].next;
            uint32_t word = a->tab[i].word;
            uint32_t len = word & LEN_MASK;
            size_t bytes = (size_t)len << HAK_CHUNK_SHIFT;
            if ((word & DIRTY) && (word & only) == only
                && hak_plat_purge((void *)(a->base + ((uintptr_t)i << HAK_CHUNK_SHIFT)), bytes)) {
                extent_remove(a, i);
                insert_coalesced(a, i, len, 0);
                purged += bytes;
                __atomic_fetch_add(&a->purges, 1, __ATOMIC_RELAXED);
                /* The list may have changed under us: restart this bin. */
                next = a->bins[b];
            }
            i = next;
        }
    }
    __atomic_fetch_add(&a->purged_total, purged, __ATOMIC_RELAXED);
#else
    (void)a;
    (void)keep;
    (void)only;
#endif
    return purged;
}

/* Inserts the free extent [i, i + n) merged with free neighbours of the same
 * dirtiness (a clean extent stays apart from a dirty one, so the dirty count
 * is exact and a purge never repeats work). The merged extent takes the
 * flags `dirty` (a fresh free: not idle). */
static void insert_coalesced(hak_chunks_t *a, uint32_t i, uint32_t n, uint32_t dirty)
{
    uint32_t want = dirty & DIRTY;
    if (i > 0 && is_free_edge(a->tab[i - 1u].word) && (a->tab[i - 1u].word & DIRTY) == want) {
        uint32_t left = i - (a->tab[i - 1u].word & LEN_MASK);
        extent_remove(a, left);
        n += i - left;
        i = left;
    }
    if (i + n < a->top && is_free_edge(a->tab[i + n].word) && (a->tab[i + n].word & DIRTY) == want) {
        uint32_t len = a->tab[i + n].word & LEN_MASK;
        extent_remove(a, i + n);
        n += len;
    }
    extent_insert(a, i, n, dirty);
}

#if HAK_PLAT_HAS_CLOCK && HAK_PLAT_HAS_PURGE
/* Marks every dirty extent idle (the end of a decay epoch). */
static void mark_idle(hak_chunks_t *a)
{
    for (unsigned b = 0; b < 32; b++)
        for (uint32_t i = a->bins[b]; i != NONE; i = a->tab[i].next) {
            uint32_t word = a->tab[i].word;
            if ((word & (DIRTY | IDLE)) == DIRTY) {
                word |= IDLE;
                a->tab[i].word = word;
                a->tab[i + (word & LEN_MASK) - 1u].word = word;
            }
        }
}
#endif

/* Ends the decay epoch when it is over: purges the extents that stayed
 * free and untouched through all of it (IDLE), down to the warm reserve,
 * and marks the dirty ones left as idle for the next end; the peak of
 * `used` moves on (see volume_limits). Called with the lock held after
 * each change of the dirty count. Compiled away without clock or purge. */
static void decay_step(hak_chunks_t *a)
{
#if HAK_PLAT_HAS_CLOCK && HAK_PLAT_HAS_PURGE
    if (!a->can_purge || !a->decay_ms)
        return;
    uint64_t now = hak_plat_clock_ms();
    if (now - a->epoch_ms < a->decay_ms)
        return;
    size_t keep = a->used / 4u < a->purge_low ? a->used / 4u : a->purge_low;
    purge_locked(a, keep, IDLE);
    mark_idle(a);
    a->peak_last = a->peak_epoch;
    a->peak_epoch = a->used;
    __atomic_store_n(&a->epoch_ms, now, __ATOMIC_RELAXED);
#else
    (void)a;
#endif
}

/* The volume rule's bounds: dirty bytes past *high are purged at once down
 * to *low. With decay, both grow with the recent peak of `used` (this epoch
 * and the last), to three quarters and half of it, so that a heap that
 * frees and reuses large runs keeps them (a purge by volume hits the very
 * runs about to be reused, and decay returns what then stays unused);
 * never below purge_high and purge_low. */
static void volume_limits(const hak_chunks_t *a, size_t *high, size_t *low)
{
    *high = a->purge_high;
    *low = a->purge_low;
#if HAK_PLAT_HAS_CLOCK && HAK_PLAT_HAS_PURGE
    if (a->decay_ms) {
        size_t peak = a->peak_epoch > a->peak_last ? a->peak_epoch : a->peak_last;
        if (peak - peak / 4u > *high)
            *high = peak - peak / 4u;
        if (peak / 2u > *low)
            *low = peak / 2u;
    }
#endif
}

void hak_chunks_free(hak_chunks_t *a, uintptr_t addr, uint32_t n)
{
    uint32_t i = (uint32_t)((addr - a->base) >> HAK_CHUNK_SHIFT);
    hak_lock(&a->lock);
    if (a->tab[i].word & LARGE) {
        a->large_live--;
        a->large_bytes -= (size_t)n << HAK_CHUNK_SHIFT;
    }
    for (uint32_t k = 0; k < n; k++)
        a->tab[i + k].word = 0;
    size_t bytes = (size_t)n << HAK_CHUNK_SHIFT;
    a->used -= bytes;
    uint32_t dirty = DIRTY;
#if HAK_PLAT_HAS_PURGE
    /* A run larger than purge_high goes back at once, whatever the recent
     * peak: keeping it warm would hold more than the threshold for one
     * block (and the allocations of a purge helper started for it would
     * split it). */
    if (a->can_purge && bytes > a->purge_high) {
        note_change(a); /* the peak before the estimate falls */
        if (hak_plat_purge((void *)addr, bytes)) {
            dirty = 0;
            __atomic_fetch_add(&a->purged_total, bytes, __ATOMIC_RELAXED);
            __atomic_fetch_add(&a->purges, 1, __ATOMIC_RELAXED);
        }
    }
#endif
    insert_coalesced(a, i, n, dirty);
    size_t high, low;
    volume_limits(a, &high, &low);
    if (a->can_purge && a->dirty > high) {
        purge_locked(a, low, IDLE);
        purge_locked(a, low, 0);
    }
    if (a->can_purge && a->dirty >= HAK_PURGER_MIN_DIRTY)
        __atomic_store_n(&a->want_purger, 1, __ATOMIC_RELAXED);
    decay_step(a);
    note_change(a);
    hak_unlock(&a->lock);
}

int hak_chunks_grow(hak_chunks_t *a, uintptr_t addr, uint32_t n, uint32_t want)
{
    uint32_t s = (uint32_t)((addr - a->base) >> HAK_CHUNK_SHIFT);
    uint32_t end = s + n, extra = want - n;
    size_t bytes = (size_t)extra << HAK_CHUNK_SHIFT;
    int ok = 0;
    hak_lock(&a->lock);
    if (a->limit && a->used + bytes > a->limit)
        goto out;
    if (end == a->top) {
        if (!ensure_backed(a, (uint64_t)end + extra))
            goto out;
        __atomic_store_n(&a->top, end + extra, __ATOMIC_RELAXED);
    } else if (end < a->top && is_free_edge(a->tab[end].word)
               && (a->tab[end].word & LEN_MASK) >= extra) {
        uint32_t len = a->tab[end].word & LEN_MASK;
        uint32_t dirty = extent_remove(a, end);
        if (len > extra)
            extent_insert(a, end + extra, len - extra, dirty);
    } else {
        goto out;
    }
    for (uint32_t k = n; k < want; k++)
        a->tab[s + k].word = USED | LARGE | k;
    a->tab[s].prev = want;
    a->used += bytes;
    a->large_bytes += bytes;
    if (a->used > a->peak_epoch)
        a->peak_epoch = a->used;
    note_change(a);
    ok = 1;
out:
    hak_unlock(&a->lock);
    return ok;
}

void hak_chunks_shrink(hak_chunks_t *a, uintptr_t addr, uint32_t n, uint32_t keep)
{
    uint32_t s = (uint32_t)((addr - a->base) >> HAK_CHUNK_SHIFT);
    uint32_t tail = s + keep, len = n - keep;
    size_t bytes = (size_t)len << HAK_CHUNK_SHIFT;
    hak_lock(&a->lock);
    for (uint32_t k = tail; k < s + n; k++)
        a->tab[k].word = 0;
    a->tab[s].prev = keep;
    a->used -= bytes;
    a->large_bytes -= bytes;
    uint32_t dirty = DIRTY;
#if HAK_PLAT_HAS_PURGE
    note_change(a); /* the peak before the estimate falls */
    if (a->can_purge && hak_plat_purge((void *)(a->base + ((uintptr_t)tail << HAK_CHUNK_SHIFT)), bytes)) {
        dirty = 0;
        __atomic_fetch_add(&a->purged_total, bytes, __ATOMIC_RELAXED);
        __atomic_fetch_add(&a->purges, 1, __ATOMIC_RELAXED);
    }
#endif
    insert_coalesced(a, tail, len, dirty);
    note_change(a);
    hak_unlock(&a->lock);
}

uintptr_t hak_chunks_large_run(hak_chunks_t *a, uintptr_t p, uint32_t *n)
{
    if (p < a->base)
        return 0;
    uintptr_t i = (p - a->base) >> HAK_CHUNK_SHIFT;
    /* Unlocked: the words of a live run do not change until it is freed. */
    if (i >= __atomic_load_n(&a->top, __ATOMIC_RELAXED))
        return 0;
    uint32_t word = a->tab[i].word;
    if ((word & (USED | LARGE)) != (USED | LARGE))
        return 0;
    uint32_t first = (uint32_t)i - (word & LEN_MASK);
    *n = a->tab[first].prev;
    return a->base + ((uintptr_t)first << HAK_CHUNK_SHIFT);
}

void hak_chunks_tick(hak_chunks_t *a)
{
#if HAK_PLAT_HAS_CLOCK && HAK_PLAT_HAS_PURGE
    if (!a->can_purge || !a->decay_ms)
        return;
    uint64_t now = hak_plat_clock_ms();
    if (now - __atomic_load_n(&a->epoch_ms, __ATOMIC_RELAXED) < a->decay_ms)
        return;
    hak_lock(&a->lock);
    decay_step(a);
    note_change(a);
    hak_unlock(&a->lock);
#else
    (void)a;
#endif
}

size_t hak_chunks_purge(hak_chunks_t *a, size_t keep)
{
    hak_lock(&a->lock);
    size_t purged = purge_locked(a, keep, 0);
    note_change(a);
    hak_unlock(&a->lock);
    return purged;
}

#if HAK_WITH_CHECK
/* 1 (reported) when chunk i, which starts no slab, still has a slab tag. */
static unsigned stray_tag(const hak_chunks_t *a, uint32_t i)
{
    if (a->tab[i].slab_tag == 0)
        return 0;
    hak_report("arena check: slab tag on a chunk that starts no slab, chunk", (void *)(uintptr_t)i);
    return 1;
}

unsigned hak_chunks_check(hak_chunks_t *a)
{
    unsigned bad = 0;
    size_t used = 0, dirty = 0, large = 0;
    hak_lock(&a->lock);
    if (a->top > a->nchunks || a->nchunks > a->max_chunks) {
        hak_report("arena check: chunk counts out of order, top", (void *)(uintptr_t)a->top);
        bad++;
    }
    for (uint32_t i = 0; i < a->top;) {
        uint32_t word = a->tab[i].word;
        if (word & USED) {
            uint32_t n = a->tab[i].prev;
            if ((word & LEN_MASK) != 0 || n == 0 || i + n > a->top) {
                hak_report("arena check: bad run head at chunk", (void *)(uintptr_t)i);
                bad++;
                break;
            }
            for (uint32_t k = 1; k < n; k++)
                if (a->tab[i + k].word != ((word & ~LEN_MASK) | k)) {
                    hak_report("arena check: bad run word at chunk", (void *)(uintptr_t)(i + k));
                    bad++;
                }
            /* Only a slab's first chunk carries a slab tag. */
            for (uint32_t k = (word & LARGE) ? 0u : 1u; k < n; k++)
                bad += stray_tag(a, i + k);
            used += (size_t)n << HAK_CHUNK_SHIFT;
            if (word & LARGE)
                large += (size_t)n << HAK_CHUNK_SHIFT;
            i += n;
        } else if (is_free_edge(word)) {
            uint32_t len = word & LEN_MASK;
            if (len == 0 || i + len > a->top || a->tab[i + len - 1u].word != word) {
                hak_report("arena check: bad free extent at chunk", (void *)(uintptr_t)i);
                bad++;
                break;
            }
            for (uint32_t k = 1; k + 1u < len; k++)
                if (a->tab[i + k].word != 0) {
                    hak_report("arena check: stale word in free extent at chunk",
                               (void *)(uintptr_t)(i + k));
                    bad++;
                }
            for (uint32_t k = 0; k < len; k++)
                bad += stray_tag(a, i + k);
            if (word & DIRTY)
                dirty += (size_t)len << HAK_CHUNK_SHIFT;
            i += len;
        } else {
            hak_report("arena check: chunk in no run or extent", (void *)(uintptr_t)i);
            bad++;
            break;
        }
    }
    if (!bad && (used != a->used || dirty != a->dirty || large != a->large_bytes)) {
        hak_report("arena check: used/dirty totals disagree, used", (void *)used);
        bad++;
    }
    hak_unlock(&a->lock);
    return bad;
}
#endif /* HAK_WITH_CHECK */
