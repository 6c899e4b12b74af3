/*
 * two_arenas.c - two arenas used at once from one thread: allocations
 * interleaved between them land in the right region with the right usable
 * size, frees go back to the right arena, and both pass their checks.
 */
#include "harness.h"
#include "model.h"

#define NBLOCKS 1200u

typedef struct live {
    unsigned char *p;
    size_t n, usable;
    unsigned owner; /* 0: A, 1: B */
} live_t;

static live_t blocks[NBLOCKS];

typedef struct region {
    unsigned char *base;
    size_t len;
    hak_arena_t *arena;
} region_t;

/* Sizes across small, mid and large blocks. */
static size_t pick_size(test_rng_t *r)
{
    uint64_t k = test_below(r, 100);
    if (k < 60)
        return 1u + (size_t)test_below(r, 1039);
    if (k < 95)
        return 1040u + (size_t)test_below(r, M_MID_MAX - 1039u);
    return M_MID_MAX + 1u + (size_t)test_below(r, 200u * KiB);
}

static void take(region_t *rg, test_rng_t *r, unsigned i, unsigned owner)
{
    region_t *g = &rg[owner];
    size_t n = pick_size(r);
    unsigned char *p = hak_arena_malloc(g->arena, n);
    CHECK(p != 0, "an arena with room returned NULL");
    CHECK(((uintptr_t)p & 15u) == 0, "block not 16-byte aligned");
    size_t u = hak_arena_usable_size(g->arena, p);
    CHECK_CMP(u, >=, n, "usable size below the request");
    CHECK_EQ(u, model_malloc_usable(n), "usable size is not the size class's (or large run's)");
    CHECK(p > g->base && p + u <= g->base + g->len, "block not inside its own arena's region");
    region_t *o = &rg[owner ^ 1u];
    CHECK(p + u <= o->base || p >= o->base + o->len, "block inside the other arena's region");
    test_fill(p, u, i);
    blocks[i] = (live_t){ p, n, u, owner };
}

static void verify_all(void)
{
    for (unsigned i = 0; i < NBLOCKS; i++)
        if (blocks[i].p)
            CHECK_EQ(test_verify(blocks[i].p, blocks[i].usable, i), blocks[i].usable,
                     "a block's content changed while the other arena was used");
}

void test_two_arenas(void)
{
    region_t rg[2] = {
        { test_mem_big, 32u * MiB, 0 },
        /* B starts 16 bytes past a 1 MiB boundary: alignment is its job. */
        { test_mem_big + 32u * MiB + 16u, 32u * MiB - 16u, 0 },
    };
    for (unsigned k = 0; k < 2; k++) {
        rg[k].arena = hak_arena_create(rg[k].base, rg[k].len, 0);
        CHECK(rg[k].arena != 0, "hak_arena_create failed");
        CHECK((unsigned char *)rg[k].arena >= rg[k].base
              && (unsigned char *)rg[k].arena < rg[k].base + rg[k].len,
              "the arena handle does not lie inside its region");
    }
    CHECK(rg[0].arena != rg[1].arena, "two regions, one arena");
    __builtin_memset(blocks, 0, sizeof blocks);
    test_rng_t r = { 42 };

    /* Interleaved: each allocation picks an arena at random. */
    for (unsigned i = 0; i < NBLOCKS; i++)
        take(rg, &r, i, (unsigned)test_below(&r, 2));
    verify_all();

    /* Free half, each into its own arena, and refill in the other order. */
    for (unsigned i = 0; i < NBLOCKS; i += 2) {
        hak_arena_free(rg[blocks[i].owner].arena, blocks[i].p);
        blocks[i].p = 0;
    }
    CHECK_EQ(hak_arena_check(rg[0].arena), 0, "arena A check after frees");
    CHECK_EQ(hak_arena_check(rg[1].arena), 0, "arena B check after frees");
    verify_all();
    for (unsigned i = 0; i < NBLOCKS; i += 2)
        take(rg, &r, i, (i / 2u) & 1u);
    verify_all();

    /* Each arena's stats count only its own blocks. */
    for (unsigned k = 0; k < 2; k++) {
        hak_arena_stats_t st;
        CHECK_EQ(hak_arena_stats(rg[k].arena, &st), 0, "stats");
        CHECK_EQ(st.reserved_bytes, rg[k].len, "reserved_bytes is not the len passed");
        uint64_t large = 0;
        for (unsigned i = 0; i < NBLOCKS; i++)
            if (blocks[i].owner == k && blocks[i].usable > M_MID_MAX)
                large++;
        CHECK_EQ(st.large_blocks, large, "large blocks counted in the wrong arena");
    }

    for (unsigned i = 0; i < NBLOCKS; i++)
        hak_arena_free(rg[blocks[i].owner].arena, blocks[i].p);
    for (unsigned k = 0; k < 2; k++) {
        hak_arena_stats_t st;
        hak_arena_stats(rg[k].arena, &st);
        CHECK_EQ(st.in_use_bytes, 0, "bytes still in use after every block was freed");
        CHECK_EQ(hak_arena_check(rg[k].arena), 0, "arena check after freeing everything");
        hak_arena_destroy(rg[k].arena);
    }
}
