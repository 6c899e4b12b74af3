/*
 * space.c - how much of a 64 MiB region an arena hands out before it
 * returns NULL, for blocks of one size (16, 256, 1024 bytes) and for a
 * mixed load (sizes spread over 16 bytes .. 32 KiB, a few large blocks).
 * Counted two ways: the bytes requested, and the bytes usable
 * (hak_arena_usable_size: what the caller may write). Targets: usable
 * >= 95 % of the region for each single size, >= 90 % for the mixed load.
 *
 * Two placements of the region: 64 KiB aligned, and starting 16 bytes
 * before a 64 KiB boundary (16-byte aligned, the worst case: the arena's
 * state and chunk table push the first chunk a whole chunk further, and the
 * last chunk ends 16 bytes before the region does).
 *
 * Release-only targets: a debug build (HAK_DEBUG) reports the requested
 * size as the usable size and keeps a canary, so its usable fraction is
 * the requested one; it prints the figures without asserting them.
 */
#include "harness.h"
#include "model.h"

#define REGION (64u * MiB)

typedef struct fill {
    uint64_t blocks, requested, usable;
} fill_t;

static void report(const char *where, const char *what, const fill_t *f)
{
    test_line_t l;
    tl_start(&l, "  space ");
    tl_str(&l, where);
    tl_str(&l, " ");
    tl_str(&l, what);
    tl_str(&l, ": ");
    tl_u64(&l, f->blocks);
    tl_str(&l, " blocks, requested ");
    tl_pct(&l, f->requested, REGION);
    tl_str(&l, ", usable ");
    tl_pct(&l, f->usable, REGION);
    tl_emit(&l);
}

/* Region bytes must add up, and everything handed out is counted in use. */
static void check_full(hak_arena_t *a, const fill_t *f)
{
    hak_arena_stats_t st;
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    CHECK_EQ(st.reserved_bytes, REGION, "reserved_bytes is not the len passed");
    CHECK_EQ(st.meta_bytes + st.free_bytes + st.in_use_bytes, st.reserved_bytes,
             "meta + free + in use is not the region");
    CHECK_CMP(st.in_use_bytes, >=, f->usable, "fewer bytes in use than usable bytes handed out");
    CHECK_EQ(hak_arena_check(a), 0, "check of the full arena");
}

static void one_size(unsigned char *base, const char *where, size_t size, const char *what)
{
    hak_arena_t *a = hak_arena_create(base, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    fill_t f = { 0, 0, 0 };
    size_t expect_u = model_malloc_usable(size);
    for (;;) {
        void *p = hak_arena_malloc(a, size);
        if (!p)
            break;
        size_t u = hak_arena_usable_size(a, p);
        CHECK_EQ(u, expect_u, "a block of another size class");
        f.blocks++;
        f.requested += size;
        f.usable += u;
    }
    CHECK_EQ(test_oom_calls(), 1, "one NULL, one out_of_memory");
    test_counters_reset();
    report(where, what, &f);
    check_full(a, &f);
    if (!HAK_DEBUG)
        CHECK_CMP(f.usable * 100u, >=, (uint64_t)REGION * 95u, "usable bytes below 95 % of the region");
    hak_arena_destroy(a);
}

/* Sizes spread over 16 .. 32 KiB (each power of two equally likely), and
 * 3 % large blocks of 32 KiB .. 1 MiB. */
static size_t mixed_size(test_rng_t *r)
{
    if (test_below(r, 100) < 3)
        return M_MID_MAX + 1u + (size_t)test_below(r, 1u << 20);
    size_t lo = (size_t)16 << test_below(r, 11);
    return lo + (size_t)test_below(r, lo);
}

static void mixed(unsigned char *base, const char *where)
{
    hak_arena_t *a = hak_arena_create(base, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    fill_t f = { 0, 0, 0 };
    test_rng_t r = { 2024 };
    /* Until a 16-byte request fails: then no class has a free block and no
     * chunk is free. A larger request failing earlier is not the end. */
    for (;;) {
        size_t size = mixed_size(&r);
        void *p = hak_arena_malloc(a, size);
        if (!p) {
            size = 16;
            p = hak_arena_malloc(a, size);
            if (!p)
                break;
        }
        f.blocks++;
        f.requested += size;
        f.usable += hak_arena_usable_size(a, p);
    }
    report(where, "mixed 16 B..32 KiB + 3 % large", &f);
    check_full(a, &f);
    if (!HAK_DEBUG)
        CHECK_CMP(f.usable * 100u, >=, (uint64_t)REGION * 90u, "usable bytes below 90 % of the region");
    hak_arena_destroy(a);
}

static void all_loads(unsigned char *base, const char *where)
{
    one_size(base, where, 16, "16 B");
    one_size(base, where, 256, "256 B");
    one_size(base, where, 1024, "1024 B");
    mixed(base, where);
}

void test_space_aligned(void)
{
    all_loads(test_mem_big, "64 KiB-aligned");
}

void test_space_misaligned(void)
{
    all_loads(test_mem_big + 64u * KiB - 16u, "64 KiB-16");
}
