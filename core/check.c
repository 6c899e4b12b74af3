/* check.c - the invariant walker behind hak_check(). */
#include "heap.h"
#include "chunks.h"
#include "block.h"
#include "central.h"
#include "report.h"

#if HAK_WITH_CHECK
unsigned hak_heap_check(hak_heap_t *h)
{
    unsigned bad = 0;
    if (hak_geometry_check()) {
        hak_report("check: geometry table broken at class", (void *)(uintptr_t)(hak_geometry_check() - 1u));
        bad++;
    }
    if (!hak_heap_ready(h))
        return bad;
    bad += hak_chunks_check(&h->chunks);
    if (HAK_TOOL(h) && h->tool->quiet)
        h->tool->quiet(h, 1);
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++)
        bad += hak_central_check(h, c);
    if (HAK_TOOL(h) && h->tool->quiet)
        h->tool->quiet(h, 0);
    return bad;
}

unsigned hak_cache_check(hak_heap_t *h, hak_tcache_t *tc)
{
    unsigned bad = 0;
    uint64_t grown = 0;
    for (unsigned c = 0; c < HAK_NUM_CLASSES && tc->state == HAK_TC_LIVE; c++) {
        const hak_tbin_t *bin = &tc->bins[c];
        if (bin->cap < hak_geom[c].cache_max || bin->cap > hak_geom[c].cache_limit
            || bin->room > bin->cap) {
            hak_report("check: thread cache capacity out of range, class", (void *)(uintptr_t)c);
            return bad + 1u;
        }
        grown += (uint64_t)(bin->cap - hak_geom[c].cache_max) * hak_geom[c].stride;
    }
    if (tc->state == HAK_TC_LIVE && (grown != tc->grown || grown > h->cache_grow)) {
        hak_report("check: thread cache growth disagrees with its bins, bytes", (void *)(uintptr_t)grown);
        bad++;
    }
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        const hak_tbin_t *bin = &tc->bins[c];
        uint32_t seen = 0, count = hak_tbin_count(bin, c, tc->state);
        for (uintptr_t b = bin->head, holder = 0; b; holder = b, b = hak_link_next(h, b)) {
            if (++seen > count || !hak_in_arena(h, b) || !hak_slab_owns(h, b, c)
                || hak_hdr_get(b) != hak_hdr_free(h, c)) {
                hak_report("check: bad link in thread cache, in block (0: the bin head)", (void *)holder);
                bad++;
                break;
            }
        }
        if (!bad && seen != count) {
            hak_report("check: thread cache count disagrees with its list, class",
                       (void *)(uintptr_t)c);
            bad++;
        }
    }
    return bad;
}
#endif /* HAK_WITH_CHECK */
