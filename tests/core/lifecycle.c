/*
 * lifecycle.c - hak_arena_destroy hands the region back: the caller may
 * overwrite all of it, then build a new arena over the same buffer (at the
 * same or another offset, with other flags), which works like a fresh one.
 */
#include "harness.h"
#include "model.h"

#define REGION (8u * MiB)

/* A short mixed load; leaves every block live unless told to free. */
static void load(hak_arena_t *a, uint64_t seed, int free_all)
{
    static unsigned char *p[300];
    test_rng_t r = { seed };
    for (unsigned i = 0; i < 300; i++) {
        size_t n = i % 50u == 49u ? 100000u + (size_t)test_below(&r, 200000) : 1u + (size_t)test_below(&r, 20000);
        p[i] = hak_arena_malloc(a, n);
        CHECK(p[i] != 0, "allocation failed in a fresh arena");
        test_fill(p[i], n, i);
    }
    CHECK_EQ(hak_arena_check(a), 0, "check after the load");
    if (!free_all)
        return;
    for (unsigned i = 0; i < 300; i++)
        hak_arena_free(a, p[i]);
    hak_arena_stats_t st;
    hak_arena_stats(a, &st);
    CHECK_EQ(st.in_use_bytes, 0, "bytes in use after freeing everything");
}

void test_region_reuse(void)
{
    unsigned char *buf = test_mem_small;
    hak_arena_t *a = hak_arena_create(buf, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    load(a, 1, 0);
    hak_arena_destroy(a); /* blocks still out: they are the caller's bytes now */

    /* The caller uses the whole region for something else. */
    __builtin_memset(buf, 0xc3, REGION);
    CHECK(test_all_bytes(buf, REGION, 0xc3), "the region is not the caller's");

    /* A new arena over the same buffer, as if it were new. */
    a = hak_arena_create(buf, REGION, 0);
    CHECK(a != 0, "a second arena over a destroyed one's region");
    hak_arena_stats_t st;
    hak_arena_stats(a, &st);
    CHECK_EQ(st.in_use_bytes, 0, "the new arena starts with bytes in use");
    CHECK_EQ(st.slabs, 0, "the new arena starts with slabs");
    unsigned char *z = hak_arena_calloc(a, 1, 3000);
    CHECK(z && test_all_bytes(z, 3000, 0), "calloc over the caller's 0xc3 bytes");
    hak_arena_free(a, z);
    load(a, 2, 1);
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);

    /* Again at another offset, zeroed and purgeable this time. */
    __builtin_memset(buf, 0, REGION);
    a = hak_arena_create(buf + 4096 + 16, REGION - 8192, HAK_ARENA_ZEROED | HAK_ARENA_PURGEABLE);
    CHECK(a != 0, "a third arena over the region at another offset");
    load(a, 3, 1);
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}
