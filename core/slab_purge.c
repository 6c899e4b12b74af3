/* slab_purge.c - purging the free pages of nearly empty slabs (see
 * slab_purge.h). */
#include "slab_purge.h"
#include "block.h"
#include "debug.h"
#include "report.h"

/* Without purge (HAK_PLAT_HAS_PURGE 0) no page of a slab is ever purged:
 * the callers leave these functions out. */
#if HAK_PLAT_HAS_PURGE

/* Pages are the platform's purge unit; a one-chunk slab has 16 of 4 KiB.
 * Slabs of up to MAX_PAGES pages (one 32-bit mask) are purged. */
#define PAGE_SHIFT ((unsigned)__builtin_ctz(HAK_PLAT_PAGE_SIZE))
#define MAX_PAGES 32u
_Static_assert(HAK_PLAT_PAGE_SIZE >= 4096u && (HAK_PLAT_PAGE_SIZE & (HAK_PLAT_PAGE_SIZE - 1u)) == 0,
               "purge pages are a power of two of at least 4 KiB (a one-chunk slab fits the mask)");

/* A class must hold at least this many bytes of listed free blocks before
 * its slabs' pages are purged, so that ordinary churn never pays for it. */
#define PURGE_CLASS_MIN ((uint64_t)1 << 20)

/* Pages of a slab of class c. */
static uint32_t slab_pages(unsigned c)
{
    return (uint32_t)(((uint64_t)1 << hak_geom[c].slab_shift) >> PAGE_SHIFT);
}

/* Pages touched by block j: its bytes and its header byte (bit 31 is the
 * highest: 2u << 31 wraps to 0 and the difference is still the mask). */
static uint32_t block_pages(unsigned c, uint32_t j)
{
    uint32_t start = HAK_SLAB_DATA_OFF + j * hak_geom[c].stride;
    uint32_t lo = (start - 1u) >> PAGE_SHIFT;
    uint32_t hi = (start + hak_geom[c].usable - 1u) >> PAGE_SHIFT;
    return (uint32_t)((2u << hi) - (1u << lo));
}

/* Only slabs of at most MAX_PAGES are ever purged, so only they compute
 * pages. */
static inline int block_purged(const hak_slab_t *s, unsigned c, uint32_t j)
{
    return s->purged && (block_pages(c, j) & s->purged) != 0;
}

int hak_slab_block_purged(const hak_slab_t *s, unsigned c, uint32_t j)
{
    return block_purged(s, c, j);
}

uint16_t hak_slab_purge_mark(unsigned c)
{
    const hak_class_geom_t *g = &hak_geom[c];
    /* A block in use keeps at most per_block pages: stride bytes from its
     * header byte on. */
    uint32_t per_block = (g->stride - 1u) / HAK_PLAT_PAGE_SIZE + 2u;
    uint32_t by_pages = slab_pages(c) / per_block, by_count = g->capacity / 16u;
    return (uint16_t)(by_pages > by_count ? by_pages : by_count);
}

/* Purged pages of mask `pages` that lie below the slab's warm_end (the
 * others are counted cold already), in bytes. */
static uint64_t purged_below_warm(const hak_slab_t *s, uint32_t pages)
{
    uint32_t warm_pages = s->warm_end >> PAGE_SHIFT;
    uint32_t below = warm_pages >= MAX_PAGES ? pages : pages & ((1u << warm_pages) - 1u);
    uint64_t n = 0;
    for (; below; below &= below - 1u) /* no libgcc popcount in the core */
        n++;
    return n << PAGE_SHIFT;
}

uint64_t hak_slab_cold_bytes(const hak_slab_t *s, unsigned c)
{
    uint64_t bytes = (uint64_t)1 << hak_geom[c].slab_shift;
    return bytes - s->warm_end + purged_below_warm(s, s->purged);
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
    uint32_t pages = slab_pages(c);
    if (pages > MAX_PAGES || s == cl->carving || 2u * outside > s->purge_mark
        || (uint64_t)cl->listed * g->stride < PURGE_CLASS_MIN)
        return 0;
    s->purge_mark = (uint16_t)outside;
    uint8_t listed[(HAK_CHUNK_SIZE / 16u + 7u) / 8u] = { 0 };
    for (uintptr_t b = s->free; b; b = hak_link_next(h, b)) {
        uint32_t j = block_index(s, c, b);
        listed[j >> 3] |= (uint8_t)(1u << (j & 7u));
    }
    /* Keep page 0 (metadata) and every page of a block in use. */
    uint32_t keep = 1u;
    for (uint32_t j = 0; j < s->carved; j++)
        if (!(listed[j >> 3] & (1u << (j & 7u))) && !block_purged(s, c, j))
            keep |= block_pages(c, j);
    uint32_t all = pages == MAX_PAGES ? ~0u : (1u << pages) - 1u;
    uint32_t fresh = ~keep & ~s->purged & all;
    if (!fresh)
        return 0;
    s->purged |= fresh;
    hak_chunks_cold_add(&h->chunks, (int64_t)purged_below_warm(s, fresh));
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
    /* One call per run of adjacent pages. */
    for (uint32_t page = 0; page < pages;) {
        if (!(fresh & (1u << page))) {
            page++;
            continue;
        }
        uint32_t end = page;
        while (end < pages && (fresh & (1u << end)))
            end++;
#if HAK_PLAT_HAS_PURGE
        size_t bytes = (size_t)(end - page) << PAGE_SHIFT;
        hak_plat_purge((void *)((uintptr_t)s + ((uintptr_t)page << PAGE_SHIFT)), bytes);
        /* Under the class lock only: the totals are shared with the chunks. */
        __atomic_fetch_add(&h->chunks.purged_total, bytes, __ATOMIC_RELAXED);
        __atomic_fetch_add(&h->chunks.purges, 1, __ATOMIC_RELAXED);
#endif
        page = end;
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
    hak_chunks_cold_add(&h->chunks, -(int64_t)purged_below_warm(s, s->purged));
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
