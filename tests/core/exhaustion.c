/*
 * exhaustion.c - an arena run dry: allocation returns NULL, and calls
 * hak_plat_out_of_memory exactly once per NULL and never otherwise; every
 * live block keeps its content; after everything is freed the same
 * sequence of requests gets as far again.
 */
#include "harness.h"
#include "model.h"

#define REGION (8u * MiB)
#define MAXB 32768u

typedef struct live {
    unsigned char *p;
    size_t usable;
} live_t;

static live_t blocks[MAXB];

static size_t pick_size(test_rng_t *r)
{
    uint64_t k = test_below(r, 100);
    if (k < 85)
        return 1u + (size_t)test_below(r, 1039);
    if (k < 98)
        return 1040u + (size_t)test_below(r, M_MID_MAX - 1039u);
    return M_MID_MAX + 1u + (size_t)test_below(r, 256u * KiB);
}

/* Allocates the sequence of seed until the first NULL; returns how many
 * blocks it got (stored from blocks[0]). */
static unsigned fill_until_null(hak_arena_t *a, uint64_t seed)
{
    test_rng_t r = { seed };
    unsigned n = 0;
    for (;;) {
        size_t size = pick_size(&r);
        uint64_t oom = test_oom_calls();
        unsigned char *p = hak_arena_malloc(a, size);
        if (!p) {
            CHECK_EQ(test_oom_calls(), oom + 1u, "a NULL from malloc: out_of_memory not called once");
            return n;
        }
        CHECK_EQ(test_oom_calls(), oom, "out_of_memory called for an allocation that succeeded");
        CHECK(n < MAXB, "more blocks than the test can track");
        size_t u = hak_arena_usable_size(a, p);
        CHECK_CMP(u, >=, size, "usable size below the request");
        test_fill(p, u, n);
        blocks[n++] = (live_t){ p, u };
    }
}

static void verify(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        CHECK_EQ(test_verify(blocks[i].p, blocks[i].usable, i), blocks[i].usable,
                 "a live block's content changed");
}

static void free_all(hak_arena_t *a, unsigned n, uint64_t seed)
{
    /* In a shuffled order. */
    test_rng_t r = { seed };
    for (unsigned i = n; i > 1; i--) {
        unsigned j = (unsigned)test_below(&r, i);
        live_t t = blocks[i - 1u];
        blocks[i - 1u] = blocks[j];
        blocks[j] = t;
    }
    for (unsigned i = 0; i < n; i++)
        hak_arena_free(a, blocks[i].p);
}

void test_exhaustion_recovery(void)
{
    hak_arena_t *a = hak_arena_create(test_mem_small, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    const uint64_t seed = 7;

    unsigned first = fill_until_null(a, seed);
    CHECK_CMP(first, >, 100u, "exhausted after too few blocks");
    CHECK_EQ(hak_arena_check(a), 0, "check of the exhausted arena");

    /* More requests on the exhausted arena: NULL exactly when
     * out_of_memory is called, once each. Small ones may still be served
     * from a larger class's free blocks; anything above a chunk cannot. */
    unsigned n = first;
    static const size_t more[] = { 1, 16, 100, 1000, 5000, 32783, 40000, 1u << 20, 64u << 20 };
    for (unsigned k = 0; k < sizeof more / sizeof more[0]; k++) {
        uint64_t oom = test_oom_calls();
        unsigned char *p = hak_arena_malloc(a, more[k]);
        CHECK_EQ(test_oom_calls(), oom + (p == 0), "out_of_memory not called exactly once per NULL");
        if (more[k] > 64u * KiB)
            CHECK(p == 0, "a block larger than a chunk from an exhausted arena");
        if (p) {
            size_t u = hak_arena_usable_size(a, p);
            test_fill(p, u, n);
            blocks[n++] = (live_t){ p, u };
        }
    }
    /* calloc, aligned_alloc and a growing realloc fail the same way; the
     * realloc leaves its block as it was. */
    uint64_t oom = test_oom_calls();
    CHECK(hak_arena_calloc(a, 1, 1u << 20) == 0, "calloc from an exhausted arena");
    CHECK_EQ(test_oom_calls(), oom + 1u, "calloc NULL: out_of_memory once");
    CHECK(hak_arena_aligned_alloc(a, 4096, 1u << 20) == 0, "aligned_alloc from an exhausted arena");
    CHECK_EQ(test_oom_calls(), oom + 2u, "aligned_alloc NULL: out_of_memory once");
    CHECK(hak_arena_realloc(a, blocks[0].p, 2u << 20) == 0, "realloc to 2 MiB in a 4 MiB full arena");
    CHECK_EQ(test_oom_calls(), oom + 3u, "realloc NULL: out_of_memory once");
    verify(n);

    free_all(a, n, seed + 1u);
    hak_arena_stats_t st;
    hak_arena_stats(a, &st);
    CHECK_EQ(st.in_use_bytes, 0, "bytes in use after freeing everything");
    CHECK_EQ(st.large_blocks, 0, "large blocks after freeing everything");
    CHECK_EQ(hak_arena_check(a), 0, "check after freeing everything");

    /* The same requests again. The count may differ by a few blocks: the
     * first pass carved slabs and runs off the untouched top of the
     * region in request order, the second finds freed chunks in the free
     * extents, where multi-chunk slabs (aligned to their size) and runs
     * land elsewhere, so the last few fit differently. */
    unsigned again = fill_until_null(a, seed);
    test_line_t l;
    tl_start(&l, "  blocks before the first NULL: ");
    tl_u64(&l, first);
    tl_str(&l, ", after freeing everything: ");
    tl_u64(&l, again);
    tl_emit(&l);
    CHECK_CMP(again + 8u, >=, first, "far fewer blocks after freeing everything");
    CHECK_CMP(again, <=, first + 8u, "far more blocks the second time");
    verify(again);
    CHECK_EQ(hak_arena_check(a), 0, "check after the second fill");
    free_all(a, again, seed + 2u);
    hak_arena_stats(a, &st);
    CHECK_EQ(st.in_use_bytes, 0, "bytes in use after the second round");
    hak_arena_destroy(a);
}

void test_aligned_in_run(void)
{
    /* In 1 MiB, the 32 KiB class's 1 MiB slab cannot fit: an aligned
     * request whose padded size needs that class gets a run of chunks,
     * with the aligned pointer's record inside it. */
    hak_arena_t *a = hak_arena_create(test_mem_small, 1u * MiB, 0);
    CHECK(a != 0, "hak_arena_create failed");
    for (unsigned round = 0; round < 3; round++) {
        unsigned char *p = hak_arena_aligned_alloc(a, 4096, 20000);
        CHECK(p != 0, "aligned_alloc(4096, 20000) in a 1 MiB arena");
        CHECK(((uintptr_t)p & 4095u) == 0, "not aligned to 4096");
        CHECK_CMP(hak_arena_usable_size(a, p), >=, (size_t)20000, "usable size below the request");
        test_fill(p, 20000, round);
        if (round == 1) {
            p = hak_arena_realloc(a, p, 100);
            CHECK(p != 0 && test_verify(p, 100, round) == 100, "realloc of the aligned block");
        }
        hak_arena_free(a, p);
        hak_arena_stats_t st;
        hak_arena_stats(a, &st);
        CHECK_EQ(st.in_use_bytes, 0, "bytes in use after the free");
    }
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}

void test_shrink_at_exhaustion(void)
{
    /* realloc to a smaller size succeeds in an exhausted arena: when no
     * smaller block can be had, the block shrinks in place. */
    hak_arena_t *a = hak_arena_create(test_mem_small, 1u * MiB, 0);
    CHECK(a != 0, "hak_arena_create failed");
    unsigned char *big = hak_arena_malloc(a, 300000);
    unsigned char *mid = hak_arena_malloc(a, 3000);
    CHECK(big != 0 && mid != 0, "first blocks");
    test_fill(big, 300000, 1);
    test_fill(mid, 3000, 2);
    unsigned n = 0;
    while (hak_arena_malloc(a, 16) != 0)
        n++;
    CHECK_CMP(n, >, 0u, "no small blocks before exhaustion");
    /* The mid block first: the large one's shrink gives chunks back. */
    unsigned char *p = hak_arena_realloc(a, mid, 40);
    CHECK(p == mid, "realloc(3000 -> 40) in an exhausted arena did not shrink in place");
    CHECK_EQ(test_verify(p, 40, 2), 40, "content kept");
    p = hak_arena_realloc(a, big, 100);
    CHECK(p == big, "realloc(300000 -> 100) in an exhausted arena did not shrink in place");
    CHECK_EQ(test_verify(p, 100, 1), 100, "content kept");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}
