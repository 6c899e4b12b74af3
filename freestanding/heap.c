/*
 * heap.c - the image's default arena: the region the linker script names
 * ([__heap_start, __heap_end)), all of it present from the start, and one
 * cache per CPU, indexed by fs_cpu_id().
 *
 * A CPU's cache is touched only by that CPU with its interrupts off (the
 * pinning rule), so an interrupt handler that allocates never finds it
 * half-updated, and never spins on a core lock that the code it
 * interrupted holds. Blocks freed on another CPU than the one that
 * allocated them go to the freeing CPU's cache and reach their slab
 * through it (the core's remote free path).
 */
#include "fs.h"

/* Each cache on cache lines of its own. */
typedef struct fs_cpu_cache {
    hak_tcache_t tc;
} __attribute__((aligned(64))) fs_cpu_cache_t;

static fs_cpu_cache_t caches[FS_NCPUS];

static int heap_start(hak_heap_t *h);
static void count_cached(hak_heap_t *h, uint64_t cached[HAK_NUM_CLASSES]);

/* In .bss: its span of 0 keeps every pointer off the fast paths until it
 * is set up (free(NULL) works before boot; an allocation fails). */
hak_heap_t fs_heap;

/* The region is RAM the image does not otherwise use: it promises
 * neither zeroes (a boot loader may have used it) nor purging. */
static int heap_start(hak_heap_t *h)
{
    uintptr_t lo = (uintptr_t)__heap_start, hi = (uintptr_t)__heap_end;
    if (hi <= lo)
        return -1;
    return hak_heap_setup(h, lo, hi - lo, 0, 0);
}

int fs_heap_boot(void)
{
    unsigned long irq = fs_irq_save();
    fs_heap.hooks.start = heap_start;   /* back = NULL: all of it present */
    fs_heap.hooks.count_cached = count_cached;
    int rc = hak_heap_init(&fs_heap);
    fs_irq_restore(irq);
    return rc;
}

/* The statistics' view of the CPUs' caches: each bin's count is its
 * capacity less its room, two words read while its CPU may be changing
 * them (an estimate). */
static void count_cached(hak_heap_t *h, uint64_t cached[HAK_NUM_CLASSES])
{
    (void)h;
    for (unsigned cpu = 0; cpu < FS_NCPUS; cpu++) {
        const hak_tcache_t *tc = &caches[cpu].tc;
        if (*(const volatile uint32_t *)&tc->state != HAK_TC_LIVE)
            continue;
        for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
            uint32_t room = *(const volatile uint16_t *)&tc->bins[c].room;
            uint32_t cap = *(const volatile uint16_t *)&tc->bins[c].cap;
            if (room < cap)
                cached[c] += cap - room;
        }
    }
}

hak_tcache_t *fs_cache_here(void)
{
    return &caches[fs_cpu_id()].tc;
}

void fs_cache_flush(void)
{
    unsigned long irq = fs_irq_save();
    hak_cache_flush(&fs_heap, fs_cache_here());
    fs_irq_restore(irq);
}

unsigned fs_heap_check(void)
{
#if !HAK_WITH_CHECK
    return 0; /* a core without its invariant walkers (core/config.h) */
#else
    unsigned long irq = fs_irq_save();
    unsigned bad = hak_heap_check(&fs_heap);
    hak_tcache_t *tc = fs_cache_here();
    if (hak_heap_ready(&fs_heap) && tc->state == HAK_TC_LIVE)
        bad += hak_cache_check(&fs_heap, tc);
    fs_irq_restore(irq);
    return bad;
#endif
}
