/*
 * xclass.c - a mid class about to start a fresh slab takes a resident free
 * block of a larger class (stride at most twice its own) instead
 * (core/heap.c, take_larger):
 *   - after most blocks of a larger class were freed to their slabs, a
 *     smaller mid class's allocations take them, no slab of its own;
 *   - such a block keeps its own class: its header, its usable size, its
 *     free (into its own class's bin) and its realloc go by it; the
 *     requested class's bin never receives a block of another class;
 *   - a class more than twice the stride away is not used, and once the
 *     larger classes have no free block, the class carves its own slab;
 *   - a parked batch of the larger class serves as well: its first block
 *     is taken, the others go back to their slabs.
 * The cache is driven as a port drives it: a zeroed hak_tcache_t, the fast
 * paths of core/fastpath.h.
 */
#include "harness.h"
#include "model.h"
#include "../../core/heap.h"
#include "../../core/fastpath.h"

#define REGION (8u * MiB)
#define NBIG 200u

static void *big[NBIG];

/* The class a live block's header names. */
static unsigned class_of(hak_heap_t *h, const void *p)
{
    return hak_hdr_decode_live(h, hak_hdr_get((uintptr_t)p));
}

static uint64_t class_slabs(hak_arena_t *a, unsigned c)
{
    hak_stats_t st;
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    return st.classes[c].slabs;
}

/* An arena over test_mem_small and a zeroed cache. */
static hak_arena_t *arena_with_cache(hak_tcache_t *tc)
{
    hak_arena_t *a = hak_arena_create(test_mem_small, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    __builtin_memset(tc, 0, sizeof *tc);
    return a;
}

/* NBIG blocks of `size`, then all but every tenth freed and the cache
 * flushed: the freed blocks are on their slabs' free lists. */
static void fill_and_thin(hak_heap_t *h, hak_tcache_t *tc, size_t size)
{
    for (unsigned i = 0; i < NBIG; i++) {
        big[i] = hak_fast_alloc(h, tc, size);
        CHECK(big[i] != 0, "allocation failed");
    }
    for (unsigned i = 0; i < NBIG; i++)
        if (i % 10u) {
            hak_fast_free(h, tc, big[i]);
            big[i] = 0;
        }
    hak_cache_flush(h, tc);
}

static uint64_t class_in_use(hak_arena_t *a, unsigned c)
{
    hak_stats_t st;
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    return st.classes[c].blocks_in_use;
}

void test_xclass_reuses_larger(void)
{
    static hak_tcache_t tc;
    hak_arena_t *a = arena_with_cache(&tc);
    hak_heap_t *h = a;
    unsigned small = hak_size_class(model_request(1100)), large = hak_size_class(model_request(2000));
    CHECK_CMP(small, >=, HAK_NUM_SMALL, "1100 bytes is not a mid class");
    CHECK_CMP(hak_geom[large].stride, <=, 2u * hak_geom[small].stride, "2000 bytes is beyond twice 1100's stride");
    fill_and_thin(h, &tc, 2000);
    uint64_t large_slabs = class_slabs(a, large);

    void *p[40];
    for (unsigned i = 0; i < 40u; i++) {
        p[i] = hak_fast_alloc(h, &tc, 1100);
        CHECK(p[i] != 0, "allocation failed");
        CHECK_EQ(class_of(h, p[i]), large, "a mid request carved its own class instead of a larger free block");
        CHECK_EQ(hak_tbin_count(&tc.bins[small], small, tc.state), 0, "the requested class's bin received blocks");
        test_fill(p[i], 1100, i);
    }
    CHECK_EQ(class_slabs(a, small), 0, "the smaller class took a slab of its own");
    CHECK_EQ(class_slabs(a, large), large_slabs, "the larger class's slabs changed");
    CHECK_EQ(hak_cache_check(h, &tc), 0, "cache invariants");
    CHECK_EQ(hak_heap_check(h), 0, "heap invariants");

    /* Usable size and realloc go by the block's own class. */
    if (!HAK_DEBUG)
        CHECK_EQ(hak_block_usable(h, p[0], "malloc_usable_size"), hak_geom[large].usable, "usable size is not the block's own");
    void *q = hak_resize(h, &tc, p[0], 1900, "realloc");
    CHECK(q == p[0], "a realloc within the block's own size moved it");
    CHECK_EQ(test_verify(q, 1100, 0), 1100, "content after realloc in place");
    q = hak_resize(h, &tc, q, 3000, "realloc");
    CHECK(q != 0 && q != p[0], "a realloc beyond the block did not move it");
    CHECK_EQ(test_verify(q, 1100, 0), 1100, "content after realloc that moved");
    p[0] = q;

    /* Freed, each goes to its own class's bin; none to the requested one. */
    for (unsigned i = 1; i < 40u; i++) {
        CHECK_EQ(test_verify(p[i], 1100, i), 1100, "content");
        hak_fast_free(h, &tc, p[i]);
    }
    CHECK_EQ(hak_tbin_count(&tc.bins[small], small, tc.state), 0, "a larger class's block went to the requested class's bin");
    CHECK_EQ(hak_cache_check(h, &tc), 0, "cache invariants");
    hak_cache_flush(h, &tc);
    CHECK_EQ(class_in_use(a, small), 0, "the requested class counts blocks in use");
    CHECK_EQ(class_in_use(a, large), NBIG / 10u, "the blocks did not go back to their own class");
    hak_fast_free(h, &tc, p[0]);
    for (unsigned i = 0; i < NBIG; i += 10u)
        hak_fast_free(h, &tc, big[i]);
    CHECK_EQ(hak_heap_check(h), 0, "heap invariants");
    hak_cache_release(h, &tc);
    hak_arena_destroy(a);
}

void test_xclass_bounded(void)
{
    static hak_tcache_t tc;
    hak_arena_t *a = arena_with_cache(&tc);
    hak_heap_t *h = a;
    unsigned small = hak_size_class(model_request(1100)), far = hak_size_class(model_request(4000));
    CHECK_CMP(hak_geom[far].stride, >, 2u * hak_geom[small].stride, "4000 bytes is within twice 1100's stride");
    fill_and_thin(h, &tc, 4000);
    void *p = hak_fast_alloc(h, &tc, 1100);
    CHECK(p != 0, "allocation failed");
    CHECK_EQ(class_of(h, p), small, "a class more than twice the stride away was used");
    CHECK_EQ(class_slabs(a, small), 1, "the class did not carve its own slab");
    hak_fast_free(h, &tc, p);
    for (unsigned i = 0; i < NBIG; i += 10u)
        hak_fast_free(h, &tc, big[i]);
    hak_cache_release(h, &tc);
    hak_arena_destroy(a);
}

void test_xclass_until_none(void)
{
    /* The larger class's free blocks serve until none is left; then the
     * class refills its own bin from its own slab. */
    static hak_tcache_t tc;
    hak_arena_t *a = arena_with_cache(&tc);
    hak_heap_t *h = a;
    unsigned small = hak_size_class(model_request(1100)), large = hak_size_class(model_request(2000));
    fill_and_thin(h, &tc, 2000);
    /* Resident free blocks of the larger class: listed, or parked whole. */
    uint32_t avail = h->central[large].listed + h->central[large].nxfer * hak_geom[large].batch;
    CHECK_CMP(avail, >=, NBIG - NBIG / 10u, "the thinned class's free blocks");
    CHECK_CMP(avail, <=, NBIG, "the thinned class's free blocks");
    CHECK_CMP(h->central[large].nxfer, >, 0, "no parked batch: the test does not reach that path");
    static void *p[2u * NBIG];
    for (unsigned i = 0; i <= avail; i++) {
        p[i] = hak_fast_alloc(h, &tc, 1100);
        CHECK(p[i] != 0, "allocation failed");
        CHECK_EQ(class_of(h, p[i]), i < avail ? large : small,
                 "not the larger class while it had free blocks, or still it after");
    }
    CHECK_CMP(hak_tbin_count(&tc.bins[small], small, tc.state), >, 0, "the class's own refill left its bin empty");
    CHECK_EQ(h->central[large].nxfer, 0, "a parked batch was left while the class carved");
    CHECK_EQ(h->central[large].listed, 0, "a listed block was left while the class carved");
    CHECK_EQ(hak_cache_check(h, &tc), 0, "cache invariants");
    CHECK_EQ(hak_heap_check(h), 0, "heap invariants");
    for (unsigned i = 0; i <= avail; i++)
        hak_fast_free(h, &tc, p[i]);
    for (unsigned i = 0; i < NBIG; i += 10u)
        hak_fast_free(h, &tc, big[i]);
    hak_cache_release(h, &tc);
    hak_arena_destroy(a);
}
