/*
 * arena_api.c - the public hak_arena_ functions (include/hakmem.h): an
 * arena over a caller's region, used without caches, the same in every
 * port.
 */
#include "heap.h"
#include "block.h"
#include "chunks.h"
#include "large.h"
#include "report.h"
#include "stats_format.h"

#if HAK_WITH_ARENA_API
#define ARENA_FLAGS (HAK_ARENA_ZEROED | HAK_ARENA_PURGEABLE | HAK_ARENA_PURGED_ZERO)
#define REPORT_BITS (HAK_REPORT_SETTINGS | HAK_REPORT_STATS)

/* The heap behind a handle; a handle that is not a live arena is fatal. */
static hak_heap_t *live(hak_arena_t *a, const char *what)
{
    if (!a || ((uintptr_t)a & 15u) || a->magic != (HAK_HEAP_MAGIC ^ (uintptr_t)a))
        hak_fault(what, a);
    return a;
}

hak_arena_t *hak_arena_create_ex(void *base, size_t len, unsigned flags,
                                 const hak_arena_params_t *params)
{
    uintptr_t b = (uintptr_t)base;
    if (!base || (b & 15u) || len < HAK_ARENA_MIN_SIZE || b + len < b || (flags & ~ARENA_FLAGS)
        || (params && (params->purge_low > params->purge_high || (params->report & ~REPORT_BITS))))
        return 0;
    /* The arena's state sits at the start of the region, on its own cache
     * lines; the rest of the region is laid out by hak_heap_setup. */
    uintptr_t at = (b + 63u) & ~(uintptr_t)63u;
    size_t head = (sizeof(hak_heap_t) + 63u) & ~(size_t)63u;
    if (at + head - b >= len)
        return 0;
    hak_heap_t *h = (hak_heap_t *)at;
    __builtin_memset(h, 0, sizeof *h);
    if (hak_heap_setup(h, at + head, len - (at + head - b), flags, params) != 0)
        return 0;
    /* Account the whole region, the state and its padding included. */
    h->region = b;
    h->region_len = len;
    __atomic_store_n(&h->ready, 1, __ATOMIC_RELEASE);
    if (h->report & HAK_REPORT_SETTINGS)
        hak_stats_report_settings(h);
    return h;
}

hak_arena_t *hak_arena_create(void *base, size_t len, unsigned flags)
{
    return hak_arena_create_ex(base, len, flags, 0);
}

void hak_arena_destroy(hak_arena_t *arena)
{
    hak_heap_t *h = live(arena, "hak_arena_destroy(): not a live arena");
    if (h->hooks.start)
        hak_fault("hak_arena_destroy(): not an arena from hak_arena_create", h);
    if (h->report & HAK_REPORT_STATS) {
        hak_stats_t s;
        hak_heap_stats(h, &s);
        hak_stats_report(h, &s, "at hak_arena_destroy");
    }
    h->magic = 0;
    __atomic_store_n(&h->span16, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&h->ready, 0, __ATOMIC_RELEASE);
}

/* The process heap in a port's tool mode (heap.h) takes these calls too:
 * they go to the port's annotating functions. */
#define TOOL(h) __builtin_expect(HAK_TOOL(h) != 0, 0)

void *hak_arena_malloc(hak_arena_t *arena, size_t size)
{
    hak_heap_t *h = live(arena, "hak_arena_malloc(): not a live arena");
    if (TOOL(h))
        return h->tool->alloc(h, size, 16, 0);
    return hak_alloc_nocache(h, size);
}

void *hak_arena_calloc(hak_arena_t *arena, size_t count, size_t size)
{
    hak_heap_t *h = live(arena, "hak_arena_calloc(): not a live arena");
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return hak_out_of_memory();
    if (TOOL(h))
        return h->tool->alloc(h, total, 16, 1);
    if (total > HAK_MID_MAX) {
        int zeroed = 0;
        void *p = hak_large_alloc(h, total, 16, &zeroed);
        if (!p)
            return hak_out_of_memory();
        if (!zeroed)
            __builtin_memset(p, 0, total);
        return p;
    }
    void *p = hak_alloc_nocache(h, total);
    return p ? __builtin_memset(p, 0, total) : 0;
}

void *hak_arena_realloc(hak_arena_t *arena, void *ptr, size_t size)
{
    hak_heap_t *h = live(arena, "hak_arena_realloc(): not a live arena");
    if (TOOL(h))
        return h->tool->realloc(h, ptr, size);
    if (!ptr)
        return hak_alloc_nocache(h, size);
    if (size == 0) {
        hak_free_nocache(h, ptr, "hak_arena_realloc");
        return 0;
    }
    return hak_resize(h, 0, ptr, size, "hak_arena_realloc");
}

void *hak_arena_aligned_alloc(hak_arena_t *arena, size_t alignment, size_t size)
{
    hak_heap_t *h = live(arena, "hak_arena_aligned_alloc(): not a live arena");
    if (!alignment || (alignment & (alignment - 1u)))
        return 0;
    if (TOOL(h))
        return h->tool->alloc(h, size, alignment, 0);
    return hak_alloc_aligned(h, 0, alignment, size);
}

void hak_arena_free(hak_arena_t *arena, void *ptr)
{
    hak_heap_t *h = live(arena, "hak_arena_free(): not a live arena");
    if (TOOL(h)) {
        h->tool->free(h, ptr);
        return;
    }
    hak_free_nocache(h, ptr, "hak_arena_free");
}

size_t hak_arena_usable_size(hak_arena_t *arena, const void *ptr)
{
    hak_heap_t *h = live(arena, "hak_arena_usable_size(): not a live arena");
    if (ptr && TOOL(h) && h->tool->usable)
        return h->tool->usable(h, ptr);
    return ptr ? hak_block_usable(h, ptr, "hak_arena_usable_size") : 0;
}

#if HAK_WITH_STATS
int hak_arena_stats(hak_arena_t *arena, hak_arena_stats_t *out)
{
    hak_heap_t *h = live(arena, "hak_arena_stats(): not a live arena");
    if (!out)
        return -1;
    hak_heap_stats(h, out);
    return 0;
}
#endif /* HAK_WITH_STATS */

#if HAK_WITH_CHECK
int hak_arena_check(hak_arena_t *arena)
{
    return (int)hak_heap_check(live(arena, "hak_arena_check(): not a live arena"));
}
#endif /* HAK_WITH_CHECK */
#endif /* HAK_WITH_ARENA_API */
