/* slab_purge.c - purging the free pages of nearly empty slabs (see
 * slab_purge.h). */
#include "slab_purge.h"
#include "block.h"
#include "debug.h"
#include "report.h"

/* Without purge (HAK_PLAT_HAS_PURGE 0) no page of a slab is ever purged:
 * the callers leave these functions out. */
#if HAK_PLAT_HAS_PURGE

/* A slab's purge unit is a page, or a 32nd of the slab when that is
 * larger (slabs of 256 KiB to 1 MiB hold mid blocks of 8 to 32 KiB): the
 * units of every slab fit one 32-bit mask. */
#define PAGE_SHIFT ((unsigned)__builtin_ctz(HAK_PLAT_PAGE_SIZE))
#define MAX_UNITS 32u
_Static_assert(HAK_PLAT_PAGE_SIZE >= 4096u && (HAK_PLAT_PAGE_SIZE & (HAK_PLAT_PAGE_SIZE - 1u)) == 0,
               "purge pages are a power of two of at least 4 KiB (a one-chunk slab fits the mask)");

/* log2 of class c's purge unit in bytes. */
static unsigned unit_shift(unsigned c)
{
    unsigned by_mask = hak_geom[c].slab_shift - 5u;
    return by_mask > PAGE_SHIFT ? by_mask : PAGE_SHIFT;
}

/* A class must hold at least this many bytes of listed free blocks before
 * its slabs' pages are purged, so that ordinary churn never pays for it. */
#define PURGE_CLASS_MIN ((uint64_t)1 << 20)

/* Purge units of a slab of class c (at most MAX_UNITS). */
static uint32_t slab_units(unsigned c)
{
    return (uint32_t)1 << (hak_geom[c].slab_shift - unit_shift(c));
}

/* Units touched by block j: its bytes and its header byte (bit 31 is the
 * highest: 2u << 31 wraps to 0 and the difference is still the mask). */
static uint32_t block_units(unsigned c, uint32_t j)
{
    unsigned shift = unit_shift(c);
    uint32_t start = HAK_SLAB_DATA_OFF + j * hak_geom[c].stride;
    uint32_t lo = (start - 1u) >> shift;
    uint32_t hi = (start + hak_geom[c].usable - 1u) >> shift;
    return (uint32_t)((2u << hi) - (1u << lo));
}

static inline int block_purged(const hak_slab_t *s, unsigned c, uint32_t j)
{
    return s->purged && (block_units(c, j) & s->purged) != 0;
}

int hak_slab_block_purged(const hak_slab_t *s, unsigned c, uint32_t j)
{
    return block_purged(s, c, j);
}

uint16_t hak_slab_purge_mark(unsigned c)
{
    const hak_class_geom_t *g = &hak_geom[c];
    /* A block in use keeps at most per_block units: stride bytes from its
     * header byte on. */
    uint32_t per_block = (g->stride - 1u) / ((uint32_t)1 << unit_shift(c)) + 2u;
    uint32_t by_units = slab_units(c) / per_block, by_count = g->capacity / 16u;
    return (uint16_t)(by_units > by_count ? by_units : by_count);
}

/* Purged units of mask `units` that lie wholly below the slab's warm_end
 * (the bytes past it are counted cold already), in bytes. A unit that
 * warm_end cuts is not counted: the estimate errs towards resident, and
 * the same rule on purge and restore (warm_end does not move in between:
 * only the carving slab, which is never purged, raises it) keeps the count
 * exact. */
static uint64_t purged_below_warm(const hak_slab_t *s, unsigned c, uint32_t units)
{
    unsigned shift = unit_shift(c);
    uint32_t warm_units = s->warm_end >> shift;
    uint32_t below = warm_units >= MAX_UNITS ? units : units & ((1u << warm_units) - 1u);
    uint64_t n = 0;
    for (; below; below &= below - 1u) /* no libgcc popcount in the core */
        n++;
    return n << shift;
}

uint64_t hak_slab_cold_bytes(const hak_slab_t *s, unsigned c)
{
    uint64_t bytes = (uint64_t)1 << hak_geom[c].slab_shift;
    return bytes - s->warm_end + purged_below_warm(s, c, s->purged);
}

static uint32_t block_index(const hak_slab_t *s, unsigned c, uintptr_t b)
{
    return (uint32_t)((b - (uintptr_t)s - HAK_SLAB_DATA_OFF) / hak_geom[c].stride);
}

uint32_t hak_slab_purge_maybe(hak_heap_t *h, hak_central_t *cl, hak_slab_t *s, unsigned c)
{
    const hak_class_geom_t *g = &hak_geom[c];
    uint32_t outside = s->carved - s->nfree - s->npurged;
    /* Each purge halves the mark, so a slab emptying block by block is
     * walked about log2(capacity) times, not once per free. */
    if (!HAK_PLAT_HAS_PURGE || !h->chunks.can_purge)
        return 0;
    uint32_t units = slab_units(c);
    if (s == cl->carving || 2u * outside > s->purge_mark
        || (uint64_t)cl->listed * g->stride < PURGE_CLASS_MIN)
        return 0;
    s->purge_mark = (uint16_t)outside;
    uint8_t listed[(HAK_CHUNK_SIZE / 16u + 7u) / 8u] = { 0 };
    for (uintptr_t b = s->free; b; b = hak_link_next(h, b)) {
        uint32_t j = block_index(s, c, b);
        listed[j >> 3] |= (uint8_t)(1u << (j & 7u));
    }
    /* Keep unit 0 (metadata) and every unit of a block in use. */
    uint32_t keep = 1u;
    for (uint32_t j = 0; j < s->carved; j++)
        if (!(listed[j >> 3] & (1u << (j & 7u))) && !block_purged(s, c, j))
            keep |= block_units(c, j);
    uint32_t all = units == MAX_UNITS ? ~0u : (1u << units) - 1u;
    uint32_t fresh = ~keep & ~s->purged & all;
    if (!fresh)
        return 0;
    s->purged |= fresh;
    hak_chunks_cold_add(&h->chunks, (int64_t)purged_below_warm(s, c, fresh));
    /* Relink, in address order, the listed blocks clear of purged pages. */
    uintptr_t list = 0;
    uint32_t kept = 0;
    for (uint32_t j = s->carved; j-- > 0;) {
        if (!(listed[j >> 3] & (1u << (j & 7u))) || block_purged(s, c, j))
            continue;
        uintptr_t b = (uintptr_t)s + HAK_SLAB_DATA_OFF + (uintptr_t)j * g->stride;
        hak_link_store(h, b, list);
        list = b;
        kept++;
    }
    uint32_t moved = s->nfree - kept;
    s->free = list;
    s->nfree = kept;
    s->npurged += moved;
    cl->listed -= moved;
    /* One call per run of adjacent units. */
    unsigned shift = unit_shift(c);
    for (uint32_t unit = 0; unit < units;) {
        if (!(fresh & (1u << unit))) {
            unit++;
            continue;
        }
        uint32_t end = unit;
        while (end < units && (fresh & (1u << end)))
            end++;
#if HAK_PLAT_HAS_PURGE
        size_t bytes = (size_t)(end - unit) << shift;
        hak_plat_purge((void *)((uintptr_t)s + ((uintptr_t)unit << shift)), bytes);
        /* Under the class lock only: the totals are shared with the chunks. */
        __atomic_fetch_add(&h->chunks.purged_total, bytes, __ATOMIC_RELAXED);
        __atomic_fetch_add(&h->chunks.purges, 1, __ATOMIC_RELAXED);
#endif
        unit = end;
    }
    return moved;
}

uint32_t hak_slab_restore(hak_heap_t *h, hak_slab_t *s, unsigned c)
{
    const hak_class_geom_t *g = &hak_geom[c];
    uintptr_t list = s->free;
    uint32_t restored = 0;
    uint8_t free_hdr = hak_hdr_free(h, c);
    for (uint32_t j = s->carved; j-- > 0;) {
        if (!block_purged(s, c, j))
            continue;
        uintptr_t b = (uintptr_t)s + HAK_SLAB_DATA_OFF + (uintptr_t)j * g->stride;
        hak_hdr_set(b, free_hdr);
        hak_debug_poison(b, c);
        hak_link_store(h, b, list);
        list = b;
        restored++;
    }
    if (restored != s->npurged)
        hak_fault("slab purge bookkeeping broken in slab", s);
    /* The restored blocks' headers and links touch their pages again. */
    hak_chunks_cold_add(&h->chunks, -(int64_t)purged_below_warm(s, c, s->purged));
    s->free = list;
    s->nfree += restored;
    s->npurged = 0;
    s->purged = 0;
    return restored;
}
#endif /* HAK_PLAT_HAS_PURGE */

#if !HAK_PLAT_HAS_PURGE
uint64_t hak_slab_cold_bytes(const hak_slab_t *s, unsigned c)
{
    /* No page is ever purged: only the untouched tail is cold. */
    return ((uint64_t)1 << hak_geom[c].slab_shift) - s->warm_end;
}
#endif
