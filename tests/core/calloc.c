/*
 * calloc.c - hak_arena_calloc returns zeroed memory whatever the region
 * held: over a region filled with 0xAA before hak_arena_create (no
 * HAK_ARENA_ZEROED: nothing may be assumed zero), and over a zeroed region
 * created with HAK_ARENA_ZEROED (fresh memory may be taken as zero, but
 * memory that was used and freed must be cleared again).
 */
#include "harness.h"
#include "model.h"

#define REGION (16u * MiB)

static const size_t sizes[] = {
    1, 15, 16, 17, 100, 1000, 1039, 1040, 2000, 4095, 4096, 10000, 32783, /* small, mid */
    32784, 65536, 200000, 700000,                                         /* large */
};
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* calloc of every size, in two shapes (n x 1 and 1 x n where they
 * differ), must read zero; a block that was filled and freed first too. */
static void calloc_all(hak_arena_t *a)
{
    static void *held[NSIZES];
    for (unsigned i = 0; i < NSIZES; i++) {
        size_t n = sizes[i];
        unsigned char *p = hak_arena_calloc(a, n, 1);
        CHECK(p != 0, "calloc failed");
        CHECK(test_all_bytes(p, n, 0), "calloc (fresh memory) not zero");
        held[i] = p;
        /* Dirty a block of the same size, free it, calloc over it. */
        unsigned char *q = hak_arena_malloc(a, n);
        CHECK(q != 0, "malloc failed");
        __builtin_memset(q, 0x55, hak_arena_usable_size(a, q));
        hak_arena_free(a, q);
        unsigned char *z = hak_arena_calloc(a, 1, n);
        CHECK(z != 0, "calloc failed");
        CHECK(test_all_bytes(z, n, 0), "calloc over a freed, dirtied block not zero");
        hak_arena_free(a, z);
    }
    /* Products: 16 x 64 KiB is a large block, 3 x 333 a small one. */
    unsigned char *p = hak_arena_calloc(a, 16, 64u * KiB);
    CHECK(p != 0 && test_all_bytes(p, 16u * 64u * KiB, 0), "calloc(16, 64 KiB)");
    hak_arena_free(a, p);
    p = hak_arena_calloc(a, 3, 333);
    CHECK(p != 0 && test_all_bytes(p, 999, 0), "calloc(3, 333)");
    hak_arena_free(a, p);
    /* Zero elements: a unique block, freeable. */
    void *z1 = hak_arena_calloc(a, 0, 100), *z2 = hak_arena_calloc(a, 100, 0);
    CHECK(z1 && z2 && z1 != z2, "calloc of zero bytes: unique blocks");
    hak_arena_free(a, z1);
    hak_arena_free(a, z2);
    for (unsigned i = 0; i < NSIZES; i++)
        hak_arena_free(a, held[i]);
    CHECK_EQ(hak_arena_check(a), 0, "check");
}

void test_calloc_dirty_region(void)
{
    __builtin_memset(test_mem_big, 0xAA, REGION);
    hak_arena_t *a = hak_arena_create(test_mem_big, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    calloc_all(a);
    hak_arena_destroy(a);
}

void test_calloc_zeroed_region(void)
{
    __builtin_memset(test_mem_big, 0, REGION);
    hak_arena_t *a = hak_arena_create(test_mem_big, REGION, HAK_ARENA_ZEROED);
    CHECK(a != 0, "hak_arena_create failed");
    calloc_all(a);
    hak_arena_destroy(a);
}

void test_calloc_purged_region(void)
{
    /* Purged pages keep their old bytes (shared memory): without
     * HAK_ARENA_PURGED_ZERO, calloc must clear purged memory itself. */
    static const hak_arena_params_t purge_all = { .purge_high = 0, .purge_low = 0, .decay_ms = 0 };
    __builtin_memset(test_mem_big, 0, REGION);
    test_purge_keeps_contents(1);
    hak_arena_t *a = hak_arena_create_ex(test_mem_big, REGION, HAK_ARENA_ZEROED | HAK_ARENA_PURGEABLE,
                                         &purge_all);
    CHECK(a != 0, "hak_arena_create_ex failed");
    calloc_all(a);
    hak_arena_destroy(a);
    /* With HAK_ARENA_PURGED_ZERO (and a purge that zeroes) too. */
    test_purge_keeps_contents(0);
    __builtin_memset(test_mem_big, 0, REGION);
    a = hak_arena_create_ex(test_mem_big, REGION,
                            HAK_ARENA_ZEROED | HAK_ARENA_PURGEABLE | HAK_ARENA_PURGED_ZERO, &purge_all);
    CHECK(a != 0, "hak_arena_create_ex failed");
    calloc_all(a);
    hak_arena_destroy(a);
}
