/*
 * mid_free.c - the mid free path's range test (core/heap.c, hak_free_mid).
 * A mid slab is aligned to its size (up to 1 MiB), so for a pointer in an
 * arena whose first chunk is not so aligned, the slab start the free path
 * computes may lie before the first chunk, outside the arena. There it
 * must not read a tag: a planted copy of the right tag, at the right
 * distance for a block boundary, must not get a bogus pointer cached.
 */
#include "harness.h"
#include "../../core/heap.h"
#include "../../core/fastpath.h"

#define OFFSET (512u * KiB)   /* test_mem_small is 1 MiB aligned */
#define REGION (4u * MiB)
#define BIG 32783u            /* the last mid class: 1 MiB slabs */

void test_mid_free_slab_before_arena(void)
{
    static hak_tcache_t tc;
    __builtin_memset(&tc, 0, sizeof tc);
    unsigned char *region = test_mem_small + OFFSET;
    hak_arena_t *a = hak_arena_create(region, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    hak_heap_t *h = a;
    unsigned char *m = hak_arena_malloc(a, BIG - (HAK_DEBUG ? 3u : 0u));
    CHECK(m != 0, "allocation failed");
    unsigned c = hak_size_class(BIG);
    uint32_t stride = hak_geom[c].stride;
    uintptr_t first = h->base - 16u, s = (uintptr_t)test_mem_small;
    /* The 1 MiB window holding the first chunk starts before it. */
    CHECK_CMP(s, <, first, "the arena's first chunk is 1 MiB aligned: nothing to test");
    CHECK_EQ(first & ~(uintptr_t)(MiB - 1u), s, "the first chunk is not in test_mem_small's first MiB");
    /* A block boundary of a class-c slab at s that lies in the first chunk. */
    uintptr_t p = s + HAK_SLAB_DATA_OFF;
    while (p < first)
        p += stride;
    CHECK(hak_in_arena(h, p), "the forged pointer is not in the arena");
    /* The slab's tag planted at s, the block's live header forged. */
    *(uint32_t *)s = HAK_SLAB_TAG(h, c);
    ((unsigned char *)p)[-1] = m[-1];
    EXPECT_FAULT(hak_fast_free(h, &tc, (void *)p), "not the start of a block");
    CHECK(test_output_names((void *)p), "the fault line does not name the pointer");
    *(uint32_t *)s = 0;
}
