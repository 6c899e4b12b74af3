/*
 * links.c - the small fast paths over a cache (core/fastpath.h): a cached
 * block's link decodes to the block freed before it, and a link
 * overwritten with a planted address is reported before it is followed;
 * a live cache's bins hold their class's header byte, which every block
 * handed out carries.
 */
#include "harness.h"
#include "model.h"
#include "../../core/heap.h"
#include "../../core/fastpath.h"

#define MAX_BLOCKS 100u

static void *blocks[MAX_BLOCKS];
static uintptr_t planted_target[4];

/* An arena over the first `bytes` of test_mem_small (cleared) and an
 * empty cache tc for it: the fast path's state before its first call. */
static hak_heap_t *arena_and_cache(size_t bytes, hak_tcache_t *tc)
{
    __builtin_memset(test_mem_small, 0, bytes);
    hak_arena_t *a = hak_arena_create(test_mem_small, bytes, 0);
    CHECK(a != 0, "hak_arena_create failed");
    __builtin_memset(tc, 0, sizeof *tc);
    return a;
}

void test_link_cached(void)
{
    static hak_tcache_t tc;
    hak_heap_t *h = arena_and_cache(4u * MiB, &tc);
    /* Taken and given back one by one, a bin's list runs to its end (a
     * refill of a new cache asks for a few blocks): no end is a bad link. */
    for (unsigned i = 0; i < 100; i++)
        blocks[i] = hak_fast_alloc(h, &tc, 64);
    for (unsigned i = 0; i < 100; i++) {
        CHECK(blocks[i] != 0, "allocation failed");
        hak_fast_free(h, &tc, blocks[i]);
    }
    void *x = hak_fast_alloc(h, &tc, 64), *y = hak_fast_alloc(h, &tc, 64);
    hak_fast_free(h, &tc, x);
    hak_fast_free(h, &tc, y); /* the bin: y -> x */
    CHECK_EQ(hak_link_next(h, (uintptr_t)y), (uintptr_t)x, "y's link does not decode to x");
    /* A planted address (what a use after free would write) is reported. */
    *(uintptr_t *)x = (uintptr_t)&planted_target[2];
    CHECK(hak_fast_alloc(h, &tc, 64) == y, "the bin's head is not y");
    EXPECT_FAULT(hak_fast_alloc(h, &tc, 64), "corrupted free list (cached block's link)");
    hak_arena_destroy(h);
}

void test_bin_header(void)
{
    /* A live cache's bins carry their class's live header byte, and every
     * block the fast path hands out has its class's header, the same block
     * read back through the slab's tag. */
    static hak_tcache_t tc;
    hak_heap_t *h = arena_and_cache(8u * MiB, &tc);
    void *first = hak_fast_alloc(h, &tc, 16);
    CHECK(first != 0, "allocation failed");
    CHECK_EQ(tc.state, HAK_TC_LIVE, "the cache did not go live");
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++)
        CHECK_EQ(tc.bins[c].hdr, hak_hdr_live(h, c), "a bin's header byte is not its class's");
    for (size_t size = 1; size <= HAK_SMALL_MAX; size += 7) {
        for (unsigned i = 0; i < 20; i++) {
            uintptr_t p = (uintptr_t)(blocks[i] = hak_fast_alloc(h, &tc, size));
            CHECK(p != 0, "allocation failed");
            unsigned c = hak_hdr_decode_live(h, hak_hdr_get(p));
            /* (A debug build's canary may take a request to a mid class.) */
            CHECK_CMP(c, <, HAK_NUM_CLASSES, "a block without a class's live header");
            CHECK_CMP(hak_geom[c].stride, >=, size + 1u, "a block smaller than its request");
            if (c < HAK_NUM_SMALL)
                CHECK_EQ(hak_chunk_tag(h, p), HAK_SLAB_TAG(h, c), "the header's class is not its slab's");
            else
                CHECK(hak_slab_owns(h, p, c), "the header's class is not its slab's");
        }
        for (unsigned i = 0; i < 20; i++)
            hak_fast_free(h, &tc, blocks[i]);
    }
    hak_fast_free(h, &tc, first);
    CHECK_EQ(hak_cache_check(h, &tc), 0, "cache invariants");
    hak_cache_release(h, &tc);
    hak_arena_destroy(h);
}
