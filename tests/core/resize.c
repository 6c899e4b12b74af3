/*
 * resize.c - what a shrinking realloc of a slab block keeps:
 *   - a shrink to less than half the block moves it to the smaller class
 *     (a buffer built oversized and cut to its length, as string builders
 *     do, then takes the memory of its length, not of the buffer);
 *   - a shrink to half the block or more, or to a size of the same class,
 *     stays in place.
 */
#include "harness.h"
#include "model.h"

#define REGION (8u * MiB)

void test_resize_shrink_class(void)
{
    hak_arena_t *a = hak_arena_create(test_mem_small, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    /* Pairs (from, to): to < half of from's usable size, in another class. */
    static const size_t moves[][2] = { { 157, 61 }, { 250, 40 }, { 1000, 100 }, { 2000, 700 },
                                       { 60, 20 } };
    for (unsigned i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        size_t from = moves[i][0], to = moves[i][1];
        unsigned char *p = hak_arena_malloc(a, from);
        CHECK(p != 0, "allocation");
        test_fill(p, from, i);
        unsigned char *q = hak_arena_realloc(a, p, to);
        CHECK(q != 0, "realloc failed");
        CHECK(q != p, "a shrink to under half the block stayed in place");
        CHECK_EQ(test_verify(q, to, i), to, "the shrink lost content");
        CHECK_EQ(hak_arena_usable_size(a, q), model_malloc_usable(to),
                 "the shrunk block is not of the smaller size's class");
        hak_arena_free(a, q);
    }
    /* Pairs (from, to) that keep the block: half or more, or the same class. */
    static const size_t stays[][2] = { { 157, 90 }, { 1000, 600 }, { 100, 97 }, { 10, 3 },
                                       { 31, 17 } };
    for (unsigned i = 0; i < sizeof stays / sizeof stays[0]; i++) {
        size_t from = stays[i][0], to = stays[i][1];
        unsigned char *p = hak_arena_malloc(a, from);
        CHECK(p != 0, "allocation");
        size_t usable = hak_arena_usable_size(a, p);
        test_fill(p, from, 50u + i);
        unsigned char *q = hak_arena_realloc(a, p, to);
        CHECK(q == p, "a shrink to half the block or more (or within its class) moved it");
        CHECK_EQ(test_verify(q, to, 50u + i), to, "the shrink lost content");
        /* A debug build's usable size is the size asked for (core/debug.h). */
        CHECK_EQ(hak_arena_usable_size(a, q), HAK_DEBUG ? to : usable,
                 "the block changed its class in place");
        hak_arena_free(a, q);
    }
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}
