/*
 * cache.c - a cache's bin capacity follows its class's use (core/heap.c):
 *   - a bin that a thread fills and empties in bursts larger than its
 *     starting capacity grows, until a burst no longer touches the class's
 *     shared lists (no refill, no flush);
 *   - its growth is bounded: per class by HAK_CACHE_CLASS_BYTES of blocks,
 *     per cache by the heap's cache_grow (a 64th of a small region);
 *   - a bin that keeps flushing with no allocation between (frees of blocks
 *     another cache took) shrinks back to its starting capacity;
 *   - a flushed or released cache starts over and holds nothing: the
 *     arena's statistics show every block back.
 * The cache is driven as a port drives it: a zeroed hak_tcache_t, the fast
 * paths of core/fastpath.h.
 */
#include "harness.h"
#include "model.h"
#include "../../core/heap.h"
#include "../../core/fastpath.h"

#define REGION (8u * MiB)
#define SIZE 16u
#define BURST 1000u
#define MAX_BLOCKS 6000u

static void *blocks[MAX_BLOCKS];

/* Class SIZE's refills and flushes so far. */
static uint64_t traffic(hak_arena_t *a, unsigned c)
{
    hak_stats_t st;
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    return st.classes[c].refills + st.classes[c].flushes;
}

/* n blocks of `size` from tc, then all freed in the order taken. */
static void burst(hak_heap_t *h, hak_tcache_t *tc, size_t size, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        blocks[i] = hak_fast_alloc(h, tc, size);
        CHECK(blocks[i] != 0, "allocation failed");
        *(unsigned char *)blocks[i] = (unsigned char)i;
    }
    for (unsigned i = 0; i < n; i++)
        hak_fast_free(h, tc, blocks[i]);
}

/* The bounds every bin and the cache keep. */
static void check_bounds(hak_heap_t *h, hak_tcache_t *tc)
{
    uint64_t grown = 0;
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        const hak_tbin_t *bin = &tc->bins[c];
        CHECK_CMP(bin->cap, >=, hak_geom[c].cache_max, "a bin below its starting capacity");
        CHECK_CMP((uint64_t)bin->cap * hak_geom[c].stride, <=,
                  HAK_CACHE_CLASS_BYTES > (uint64_t)hak_geom[c].cache_max * hak_geom[c].stride
                      ? HAK_CACHE_CLASS_BYTES : (uint64_t)hak_geom[c].cache_max * hak_geom[c].stride,
                  "a bin above its class's bound in bytes");
        CHECK_CMP(hak_tbin_count(bin, c, tc->state), <=, bin->cap, "a bin holds more than its capacity");
        grown += (uint64_t)(bin->cap - hak_geom[c].cache_max) * hak_geom[c].stride;
    }
    CHECK_EQ(grown, tc->grown, "the cache's growth is not the sum of its bins'");
    CHECK_CMP(grown, <=, h->cache_grow, "the cache grew beyond its heap's bound");
    CHECK_CMP(h->cache_grow, <=, HAK_CACHE_GROW_BYTES, "the heap's bound beyond HAK_CACHE_GROW_BYTES");
    CHECK_EQ(hak_cache_check(h, tc), 0, "cache invariants");
    CHECK_EQ(hak_heap_check(h), 0, "heap invariants");
}

/* An arena over the first `region` bytes of test_mem_small, and a zeroed
 * cache (as a port hands a new thread's cache to the fast paths). */
static hak_arena_t *arena_with_cache(size_t region, hak_tcache_t *tc)
{
    hak_arena_t *a = hak_arena_create(test_mem_small, region, 0);
    CHECK(a != 0, "hak_arena_create failed");
    __builtin_memset(tc, 0, sizeof *tc);
    return a;
}

void test_cache_burst_grows(void)
{
    static hak_tcache_t tc;
    hak_arena_t *a = arena_with_cache(REGION, &tc);
    hak_heap_t *h = a;
    unsigned c = hak_size_class(model_request(SIZE));
    uint64_t per[8];
    for (unsigned b = 0; b < 8u; b++) {
        uint64_t before = traffic(a, c);
        burst(h, &tc, SIZE, BURST);
        per[b] = traffic(a, c) - before;
        check_bounds(h, &tc);
    }
    test_line_t l;
    tl_start(&l, "refills + flushes per burst of 1000:");
    for (unsigned b = 0; b < 8u; b++) {
        tl_str(&l, " ");
        tl_u64(&l, per[b]);
    }
    tl_emit(&l);
    /* The first burst moves about 1000 blocks each way in batches. */
    CHECK_CMP(per[0], >=, 10u, "the first burst did not go to the shared lists");
    for (unsigned b = 4; b < 8u; b++)
        CHECK_EQ(per[b], 0, "a burst the bin can hold still refilled or flushed");
    CHECK_CMP(hak_tbin_count(&tc.bins[c], c, tc.state), >=, BURST, "the bin does not keep the burst");
    hak_cache_release(h, &tc);
    hak_arena_destroy(a);
}

void test_cache_growth_bounded(void)
{
    /* Bursts beyond the bound (3000 blocks of 32 bytes, the bound being
     * 2048), then on every small class in turn: each bin stops at its
     * class's bound, the cache at the heap's. */
    static hak_tcache_t tc;
    hak_arena_t *a = arena_with_cache(REGION, &tc);
    hak_heap_t *h = a;
    CHECK_CMP(h->cache_grow, <=, REGION / 64u, "an 8 MiB region's caches grow by more than a 64th of it");
    CHECK_CMP(h->cache_grow, >=, REGION / 64u - 4096u, "an 8 MiB region's caches grow by less than a 64th of its chunks");
    unsigned c = hak_size_class(model_request(SIZE));
    for (unsigned b = 0; b < 8u; b++) {
        burst(h, &tc, SIZE, 3000u);
        check_bounds(h, &tc);
    }
    CHECK_EQ(tc.bins[c].cap, hak_geom[c].cache_limit, "the bin did not grow to its class's bound");
    for (size_t size = 16; size <= 512; size += 16)
        for (unsigned b = 0; b < 4u; b++) {
            burst(h, &tc, size, 40000u / (unsigned)size < MAX_BLOCKS ? 40000u / (unsigned)size : MAX_BLOCKS);
            check_bounds(h, &tc);
        }
    test_line_t l;
    tl_start(&l, "grown bytes ");
    tl_u64(&l, tc.grown);
    tl_str(&l, " of ");
    tl_u64(&l, h->cache_grow);
    tl_emit(&l);
    CHECK_CMP(tc.grown + 16384u, >, h->cache_grow, "the cache stopped growing short of its bound");
    hak_cache_release(h, &tc);
    hak_arena_destroy(a);

    /* A 1 MiB region: caches grow by less than a 64th of it. */
    a = arena_with_cache(1u * MiB, &tc);
    h = a;
    CHECK_CMP(h->cache_grow, <=, 16u * KiB, "a 1 MiB region's caches may grow by more than 16 KiB");
    for (unsigned b = 0; b < 6u; b++) {
        burst(h, &tc, SIZE, 2000u);
        check_bounds(h, &tc);
    }
    CHECK_CMP(tc.bins[c].cap, >, hak_geom[c].cache_max, "the bin of a small region never grew");
    hak_cache_release(h, &tc);
    hak_arena_destroy(a);
}

void test_cache_shrinks(void)
{
    static hak_tcache_t tc, other;
    hak_arena_t *a = arena_with_cache(REGION, &tc);
    hak_heap_t *h = a;
    __builtin_memset(&other, 0, sizeof other);
    unsigned c = hak_size_class(model_request(SIZE));
    for (unsigned b = 0; b < 4u; b++)
        burst(h, &tc, SIZE, 2000u);
    CHECK_CMP(tc.bins[c].cap, >, hak_geom[c].cache_max, "the bin did not grow");
    /* Blocks another cache took, all freed into tc: frees only. */
    for (unsigned round = 0; round < 4u; round++) {
        for (unsigned i = 0; i < MAX_BLOCKS; i++) {
            blocks[i] = hak_fast_alloc(h, &other, SIZE);
            CHECK(blocks[i] != 0, "allocation failed");
        }
        for (unsigned i = 0; i < MAX_BLOCKS; i++)
            hak_fast_free(h, &tc, blocks[i]);
        check_bounds(h, &tc);
    }
    CHECK_EQ(tc.bins[c].cap, hak_geom[c].cache_max, "frees alone did not shrink the bin back");
    CHECK_EQ(tc.grown, 0, "the cache still counts growth");
    hak_cache_release(h, &tc);
    hak_cache_release(h, &other);
    hak_arena_destroy(a);
}

void test_cache_flush_returns(void)
{
    static hak_tcache_t tc;
    hak_arena_t *a = arena_with_cache(REGION, &tc);
    hak_heap_t *h = a;
    unsigned c = hak_size_class(model_request(SIZE));
    for (unsigned b = 0; b < 4u; b++) {
        burst(h, &tc, SIZE, 1500u);
        burst(h, &tc, 100u, 300u);
    }
    CHECK_CMP(tc.grown, >, 0, "no bin grew");
    hak_stats_t st;
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    /* Without a count_cached hook, cached blocks count as in use. */
    CHECK_CMP(st.classes[c].blocks_in_use, >=, 1500u, "the grown bin's blocks are not accounted");

    hak_cache_flush(h, &tc);
    CHECK_EQ(tc.grown, 0, "a flushed cache keeps its growth");
    for (unsigned k = 0; k < HAK_NUM_CLASSES; k++) {
        CHECK_EQ(tc.bins[k].cap, hak_geom[k].cache_max, "a flushed bin keeps its capacity");
        CHECK_EQ(hak_tbin_count(&tc.bins[k], k, tc.state), 0, "a flushed bin holds blocks");
    }
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    CHECK_EQ(st.in_use_bytes, 0, "bytes in use after a flush with nothing allocated");
    for (unsigned k = 0; k < HAK_STATS_CLASSES; k++)
        CHECK_EQ(st.classes[k].blocks_in_use, 0, "blocks in use after a flush");
    check_bounds(h, &tc);

    /* It grows again, and a release gives everything back too. */
    for (unsigned b = 0; b < 4u; b++)
        burst(h, &tc, SIZE, 1500u);
    CHECK_CMP(tc.grown, >, 0, "the bin did not grow again");
    hak_cache_release(h, &tc);
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    CHECK_EQ(st.in_use_bytes, 0, "bytes in use after a release");
    CHECK_EQ(st.classes[c].blocks_in_use, 0, "blocks in use after a release");
    CHECK_EQ(tc.bins[c].cap + tc.bins[c].room, 0, "a released bin may still hold blocks");
    hak_arena_destroy(a);
}

void test_cache_mid_floor_bounded(void)
{
    /* A thread that used every mid class (40 blocks of each, freed) and then
     * went idle holds its bins' blocks until it flushes: at most the mid
     * classes' starting capacities plus the cache's growth. Those capacities
     * stop at HAK_MID_CACHE_FLOOR_BYTES a class (above two batches), 2.0 MiB
     * in all; 16 blocks of every mid class would be 3.2 MiB. */
    uint64_t floor_bytes = 0;
    for (unsigned k = HAK_NUM_SMALL; k < HAK_NUM_CLASSES; k++) {
        const hak_class_geom_t *g = &hak_geom[k];
        uint64_t bytes = (uint64_t)g->cache_max * g->stride, batches = 2u * (uint64_t)g->batch * g->stride;
        CHECK_CMP(bytes, <=, batches > HAK_MID_CACHE_FLOOR_BYTES ? batches : HAK_MID_CACHE_FLOOR_BYTES,
                  "a mid class keeps more than its floor in bytes");
        floor_bytes += bytes;
    }
    CHECK_CMP(floor_bytes, <=, 2100u * KiB, "the mid classes' starting capacities exceed 2.1 MiB");
    static hak_tcache_t tc;
    hak_arena_t *a = hak_arena_create(test_mem_big, 32u * MiB, 0);
    CHECK(a != 0, "hak_arena_create failed");
    __builtin_memset(&tc, 0, sizeof tc);
    hak_heap_t *h = a;
    for (unsigned k = HAK_NUM_SMALL; k < HAK_NUM_CLASSES; k++)
        burst(h, &tc, hak_geom[k].usable, 40u);
    check_bounds(h, &tc);
    hak_stats_t st;
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    /* Without a count_cached hook, cached blocks count as in use. */
    CHECK_CMP(st.in_use_bytes, >, 0, "the idle cache holds nothing (no blocks were cached)");
    CHECK_CMP(st.in_use_bytes, <=, floor_bytes + h->cache_grow, "an idle cache holds more than its bound");
    hak_cache_release(h, &tc);
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    CHECK_EQ(st.in_use_bytes, 0, "bytes in use after a release");
    hak_arena_destroy(a);
}
