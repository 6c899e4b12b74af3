/*
 * reuse.c - freed large runs are kept for the requests that reuse them:
 *   - a run freed and allocated again at once is not purged in between,
 *     even past purge_high, while the recent peak of use is high (the
 *     volume rule scales with it); left unused for two epochs, it is; a
 *     run larger than purge_high goes back at once;
 *   - decay purges the extent that stayed free through an epoch, not one
 *     that was reused during it, whatever their sizes;
 *   - while backed fresh chunks remain, a slab neither splits a free extent
 *     of 16 chunks or more nor takes the chunks after a live run of that
 *     size (its realloc grows there);
 *   - a run that fits no free extent starts in the one that ends at the
 *     never-used chunks, rather than leaving it behind as a hole.
 * Large blocks are separated by live one-chunk blocks where the test needs
 * each freed block to stay an extent of its own.
 */
#include "harness.h"
#include "model.h"

#define REGION (8u * MiB)
#define SPACER 40000u /* a 1-chunk run */

/* Bytes of a large request that takes exactly k chunks. */
static size_t run_size(unsigned k)
{
    return (size_t)k * M_CHUNK - M_LARGE_OFF - 1u;
}

static void *run(hak_arena_t *a, unsigned k, unsigned seed)
{
    void *p = hak_arena_malloc(a, run_size(k));
    CHECK(p != 0, "large allocation failed");
    test_fill(p, run_size(k), seed);
    return p;
}

/* A slow path of the arena (the decay epoch ends there). */
static void tick(hak_arena_t *a)
{
    hak_arena_free(a, hak_arena_malloc(a, 100));
}

void test_reuse_not_purged(void)
{
    /* purge_high 1 MiB: two freed 768 KiB runs are past it. */
    const hak_arena_params_t params = { 1u * MiB, 512u * KiB, 100, 0 };
    test_clock_set(1000);
    hak_arena_t *a = hak_arena_create_ex(test_mem_small, REGION, HAK_ARENA_PURGEABLE, &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    void *slab = hak_arena_malloc(a, 100); /* its slab serves the ticks below */
    CHECK(slab != 0, "small allocation");
    void *blk[8];
    for (unsigned i = 0; i < 8; i++)
        blk[i] = run(a, 12, i);
    /* Free two neighbouring runs and allocate their sizes again, in turn:
     * 6 MiB in use at the peak, so the volume rule allows 4.5 MiB dirty. */
    for (unsigned k = 0; k < 12; k++) {
        unsigned i = 2u * (k % 4u);
        void *old0 = blk[i], *old1 = blk[i + 1u];
        hak_arena_free(a, old0);
        hak_arena_free(a, old1);
        blk[i] = run(a, 12, 10u + k);
        blk[i + 1u] = run(a, 12, 30u + k);
        CHECK(blk[i] == old0 && blk[i + 1u] == old1, "the freed runs were not reused");
    }
    CHECK_EQ(test_purge_calls(), 0, "runs freed and reused at once were purged in between");
    for (unsigned i = 0; i < 4; i++) {
        CHECK_EQ(test_verify(blk[2u * i], run_size(12), 10u + 8u + i), run_size(12), "content");
        CHECK_EQ(test_verify(blk[2u * i + 1u], run_size(12), 30u + 8u + i), run_size(12), "content");
    }

    /* Left free for two epochs, a run goes back. */
    hak_arena_free(a, blk[0]);
    test_clock_set(1100);
    tick(a);
    CHECK_EQ(test_purge_calls(), 0, "purged before it stayed free for a whole epoch");
    test_clock_set(1200);
    tick(a);
    CHECK_EQ(test_purge_bytes(), 12u * M_CHUNK, "the idle run was not purged after two epochs");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_free(a, slab);
    hak_arena_destroy(a);
}

void test_reuse_huge_run_purged(void)
{
    const hak_arena_params_t params = { 1u * MiB, 512u * KiB, 100, 0 };
    test_clock_set(1000);
    hak_arena_t *a = hak_arena_create_ex(test_mem_small, REGION, HAK_ARENA_PURGEABLE, &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    /* 6 MiB in use at the peak: the scaled volume rule would keep 4.5 MiB
     * dirty, but one run of more than purge_high goes back at once. */
    void *keep = run(a, 72, 1);
    void *huge = run(a, 20, 2);
    hak_arena_free(a, huge);
    CHECK_EQ(test_purge_bytes(), 20u * M_CHUNK, "a run larger than purge_high was kept dirty");
    CHECK_EQ(test_verify(keep, run_size(72), 1), run_size(72), "content");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}

void test_reuse_decay_idle_only(void)
{
    /* No volume purge; no warm reserve. */
    const hak_arena_params_t params = { 64u * MiB, 0, 100, 0 };
    test_clock_set(1000);
    hak_arena_t *a = hak_arena_create_ex(test_mem_small, REGION, HAK_ARENA_PURGEABLE, &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    void *slab = hak_arena_malloc(a, 100); /* its slab serves the ticks below */
    CHECK(slab != 0, "small allocation");
    void *small = run(a, 8, 1);
    void *sp1 = hak_arena_malloc(a, SPACER);
    void *big = run(a, 16, 2);
    void *sp2 = hak_arena_malloc(a, SPACER);
    CHECK(sp1 && sp2, "spacers");
    hak_arena_free(a, small);
    hak_arena_free(a, big);
    /* Epoch 1000..1100 ends: both were freed during it. */
    test_clock_set(1100);
    tick(a);
    CHECK_EQ(test_purge_calls(), 0, "purged runs freed during the epoch");
    /* Epoch 1100..1200: the 16-chunk run is reused and freed again; the
     * 8-chunk one stays free and untouched. */
    test_clock_set(1150);
    void *again = run(a, 16, 3);
    CHECK(again == big, "the 16-chunk run was not reused");
    hak_arena_free(a, again);
    test_clock_set(1200);
    tick(a);
    CHECK_EQ(test_purge_bytes(), 8u * M_CHUNK, "decay purged other than the idle run");
    CHECK_EQ(test_verify(big, run_size(16), 3), run_size(16), "the reused run was purged");
    /* The next epoch end takes the other one. */
    test_clock_set(1300);
    tick(a);
    CHECK_EQ(test_purge_bytes(), 24u * M_CHUNK, "the second run was not purged an epoch later");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_free(a, sp1);
    hak_arena_free(a, sp2);
    hak_arena_free(a, slab);
    hak_arena_destroy(a);
}

void test_reuse_slab_keeps_extent(void)
{
    hak_arena_t *a = hak_arena_create(test_mem_small, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    void *big = run(a, 20, 1);
    void *sp = hak_arena_malloc(a, SPACER);
    CHECK(sp != 0, "spacer");
    hak_arena_free(a, big);
    /* The first block of its class: a new one-chunk slab. */
    void *small = hak_arena_malloc(a, 100);
    CHECK(small != 0, "small allocation");
    CHECK((uintptr_t)small < (uintptr_t)big || (uintptr_t)small >= (uintptr_t)big + 20u * M_CHUNK,
          "a slab was carved out of a free 20-chunk extent while fresh chunks remained");
    void *again = run(a, 20, 2);
    CHECK(again == big, "the freed run did not serve the next request of its size");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}

void test_reuse_slab_spares_growth(void)
{
    hak_arena_t *a = hak_arena_create(test_mem_small, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    void *grows = run(a, 16, 1); /* a buffer large enough to be spared */
    void *next = run(a, 3, 2);
    void *sp = hak_arena_malloc(a, SPACER);
    CHECK(sp != 0, "spacer");
    hak_arena_free(a, next); /* three free chunks right after it */
    void *small = hak_arena_malloc(a, 100);
    CHECK(small != 0, "small allocation");
    CHECK((uintptr_t)small < (uintptr_t)next || (uintptr_t)small >= (uintptr_t)next + 3u * M_CHUNK,
          "a slab was carved out of the chunks a large run can grow into, while fresh chunks remained");
    void *grown = hak_arena_realloc(a, grows, run_size(19));
    CHECK(grown == grows, "the large run did not grow in place");
    CHECK_EQ(test_verify(grown, run_size(16), 1), run_size(16), "content");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}

void test_reuse_extends_at_top(void)
{
    hak_arena_t *a = hak_arena_create(test_mem_small, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    void *sp = hak_arena_malloc(a, SPACER);
    void *last = run(a, 4, 1);
    CHECK(sp != 0, "spacer");
    hak_arena_free(a, last); /* a free extent that ends at the never-used chunks */
    void *bigger = run(a, 8, 2);
    CHECK(bigger == last, "a run past top left the free extent below it behind");
    CHECK_EQ(test_verify(bigger, run_size(8), 2), run_size(8), "content");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}
