/*
 * purge.c - giving free memory back (hak_plat_purge), deterministic with
 * the test platform's settable clock:
 *   - volume rule: an arena created with HAK_ARENA_PURGEABLE purges when
 *     its dirty free chunks pass purge_high, down to purge_low, in whole
 *     free extents, and not before;
 *   - decay: dirty bytes that stayed unused through a whole epoch of
 *     decay_ms are purged at the first slow path after the epoch ends
 *     (bytes reused during the epoch stay, as the warm reserve);
 *   - an arena without HAK_ARENA_PURGEABLE never calls hak_plat_purge,
 *     whatever its parameters, the clock or the load;
 *   - every byte the platform was asked to purge shows in purged_bytes;
 *   - slabs of blocks of a page or more, freed at random down to a tenth,
 *     give back most of their pages that hold no block in use (and none
 *     that holds one), one-chunk and two-chunk slabs alike.
 *
 * Large blocks of exactly 4 chunks (4 * 64 KiB - 65 bytes) are separated by
 * live one-chunk blocks, so that every freed block is a free extent of its
 * own and the expected purges can be counted in extents.
 */
#include "harness.h"
#include "model.h"

#define REGION (8u * MiB)
#define RUN4 (4u * M_CHUNK - M_LARGE_OFF - 1u) /* a 4-chunk run */
#define RUN1 40000u                            /* a 1-chunk run */
#define NBIG 6u

static hak_arena_stats_t stats(hak_arena_t *a)
{
    hak_arena_stats_t st;
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    return st;
}

/* Allocates NBIG 4-chunk blocks, each followed by a 1-chunk spacer. */
static void big_blocks(hak_arena_t *a, void **big, void **spacer)
{
    for (unsigned i = 0; i < NBIG; i++) {
        big[i] = hak_arena_malloc(a, RUN4);
        spacer[i] = hak_arena_malloc(a, RUN1);
        CHECK(big[i] && spacer[i], "large allocation failed");
        CHECK_EQ(hak_arena_usable_size(a, big[i]), 4u * M_CHUNK - M_LARGE_OFF, "not a 4-chunk run");
        test_fill(big[i], RUN4, i);
        test_fill(spacer[i], RUN1, 100u + i);
    }
    hak_arena_stats_t st = stats(a);
    CHECK_EQ(st.large_bytes, NBIG * 5u * M_CHUNK, "runs of other lengths than planned");
}

void test_purge_volume(void)
{
    const hak_arena_params_t params = { 1u * MiB, 512u * KiB, 0, 0 };
    hak_arena_t *a = hak_arena_create_ex(test_mem_small, REGION, HAK_ARENA_PURGEABLE, &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    void *big[NBIG], *spacer[NBIG];
    big_blocks(a, big, spacer);

    /* Up to purge_high (1 MiB = four blocks): nothing is purged. */
    for (unsigned i = 0; i < 4; i++)
        hak_arena_free(a, big[i]);
    hak_arena_stats_t st = stats(a);
    CHECK_EQ(st.dirty_bytes, 1u * MiB, "dirty bytes after freeing four 256 KiB runs");
    CHECK_EQ(test_purge_calls(), 0, "purged before dirty bytes passed purge_high");

    /* Past it: 1.25 MiB dirty, purged down to purge_low = 512 KiB, which
     * takes three of the five 256 KiB extents. */
    hak_arena_free(a, big[4]);
    st = stats(a);
    CHECK_EQ(test_purge_calls(), 3, "purge calls: one per extent, three extents");
    CHECK_EQ(test_purge_bytes(), 768u * KiB, "bytes purged");
    CHECK_EQ(st.dirty_bytes, 512u * KiB, "dirty bytes left: purge_low");
    CHECK_EQ(st.purged_bytes, test_purge_bytes(), "purged_bytes is not what the platform purged");

    /* Below purge_high again: no purge. */
    hak_arena_free(a, big[5]);
    st = stats(a);
    CHECK_EQ(test_purge_calls(), 3, "purged although dirty bytes stayed below purge_high");
    CHECK_EQ(st.dirty_bytes, 768u * KiB, "dirty bytes after one more free");

    /* Purged chunks are clean: calloc over them needs no clearing, and the
     * memory reads as zero either way. */
    for (unsigned i = 0; i < 4; i++) {
        unsigned char *p = hak_arena_calloc(a, 1, RUN4);
        CHECK(p != 0, "calloc over freed runs");
        CHECK(test_all_bytes(p, RUN4, 0), "calloc over purged or dirty chunks not zero");
    }
    /* The purges left the live blocks alone. */
    for (unsigned i = 0; i < NBIG; i++)
        CHECK_EQ(test_verify(spacer[i], RUN1, 100u + i), RUN1, "a live block's content changed");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}

void test_purge_decay(void)
{
    const hak_arena_params_t params = { 64u * MiB, 0, 100, 0 };
    test_clock_set(1000);
    hak_arena_t *a = hak_arena_create_ex(test_mem_small, REGION, HAK_ARENA_PURGEABLE, &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    void *big[NBIG], *spacer[NBIG];
    big_blocks(a, big, spacer);
    void *small = hak_arena_malloc(a, 100); /* its slab serves the ticks below */
    CHECK(small != 0, "small allocation");

    /* Epoch 1000..1100: four runs freed at its start (dirty 1 MiB). */
    for (unsigned i = 0; i < 4; i++)
        hak_arena_free(a, big[i]);
    test_clock_set(1050);
    hak_arena_free(a, hak_arena_malloc(a, 100));
    CHECK_EQ(test_purge_calls(), 0, "purged within the epoch");
    /* The epoch ends: the bytes were not dirty for all of it (dirty was 0
     * at its start), so nothing is purged yet. */
    test_clock_set(1100);
    hak_arena_free(a, hak_arena_malloc(a, 100));
    CHECK_EQ(test_purge_calls(), 0, "purged bytes that were in use during the epoch");
    CHECK_EQ(stats(a).dirty_bytes, 1u * MiB, "dirty bytes");
    /* Epoch 1100..1200: untouched. One allocation after it ends purges
     * them all (purge_low is 0). */
    test_clock_set(1199);
    hak_arena_free(a, hak_arena_malloc(a, 100));
    CHECK_EQ(test_purge_calls(), 0, "purged before the epoch ended");
    test_clock_set(1200);
    CHECK(hak_arena_malloc(a, 100) != 0, "small allocation");
    hak_arena_stats_t st = stats(a);
    CHECK_EQ(test_purge_bytes(), 1u * MiB, "bytes purged by decay");
    CHECK_EQ(st.dirty_bytes, 0, "dirty bytes after decay");
    CHECK_EQ(st.purged_bytes, 1u * MiB, "purged_bytes after decay");

    /* Epoch 1200..1300 starts clean; dirty the four extents again... */
    void *again[4];
    for (unsigned i = 0; i < 4; i++)
        again[i] = hak_arena_malloc(a, RUN4);
    for (unsigned i = 0; i < 4; i++)
        hak_arena_free(a, again[i]);
    test_clock_set(1300); /* ...so this epoch purges nothing */
    hak_arena_free(a, hak_arena_malloc(a, 100));
    CHECK_EQ(test_purge_bytes(), 1u * MiB, "purged bytes dirtied during the epoch");
    CHECK_EQ(stats(a).dirty_bytes, 1u * MiB, "dirty bytes");
    /* Epoch 1300..1400: one 256 KiB run is used and given back during it.
     * At its end, what stayed unused (768 KiB) is purged; the churned
     * 256 KiB stay warm. */
    test_clock_set(1350);
    void *p = hak_arena_malloc(a, RUN4);
    CHECK(p != 0, "large allocation");
    hak_arena_free(a, p);
    CHECK_EQ(test_purge_bytes(), 1u * MiB, "purged within the epoch");
    test_clock_set(1400);
    hak_arena_free(a, hak_arena_malloc(a, 100));
    st = stats(a);
    CHECK_EQ(test_purge_bytes(), 1u * MiB + 768u * KiB, "decay purges what stayed unused");
    CHECK_EQ(st.dirty_bytes, 256u * KiB, "the churned bytes stay dirty (warm)");
    CHECK_EQ(st.purged_bytes, test_purge_bytes(), "purged_bytes is not what the platform purged");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}

/* Loads an arena hard on the chunk level: runs freed past any purge_high,
 * the clock moved through many epochs with allocations in between. */
static void churn_chunks(hak_arena_t *a)
{
    static void *runs[16];
    test_rng_t r = { 5 };
    for (unsigned round = 0; round < 20; round++) {
        for (unsigned i = 0; i < 16; i++) {
            runs[i] = hak_arena_malloc(a, M_MID_MAX + 1u + (size_t)test_below(&r, 300u * KiB));
            CHECK(runs[i] != 0, "large allocation");
        }
        for (unsigned i = 0; i < 16; i++)
            hak_arena_free(a, runs[i]);
        test_clock_set(test_clock_get() + 250);
        hak_arena_free(a, hak_arena_malloc(a, 64));
        hak_arena_free(a, hak_arena_malloc(a, 5000));
    }
}

void test_nopurge_chunks(void)
{
    /* Explicit parameters that would purge at once and decay fast. */
    const hak_arena_params_t params = { 256u * KiB, 0, 100, 0 };
    test_clock_set(1000);
    hak_arena_t *a = hak_arena_create_ex(test_mem_small, REGION, 0, &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    churn_chunks(a);
    hak_arena_stats_t st = stats(a);
    CHECK_EQ(test_purge_calls(), 0, "hak_plat_purge called for an arena without PURGEABLE");
    CHECK_EQ(st.purged_bytes, 0, "purged_bytes of an arena without PURGEABLE");
    CHECK_CMP(st.dirty_bytes, >, 1u * MiB, "the churn left no dirty bytes to purge");
    hak_arena_destroy(a);

    /* The default parameters (purge past an eighth of the region). */
    a = hak_arena_create(test_mem_small, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    churn_chunks(a);
    CHECK_EQ(test_purge_calls(), 0, "hak_plat_purge called for an arena without PURGEABLE");
    hak_arena_destroy(a);
}

#define SLABS 40u
static void *slab_blocks[SLABS * 64u];

/* Fills 40 one-chunk slabs of 1024-byte blocks, then frees all but the
 * first block of each slab, in slab order: more than 1 MiB of free blocks
 * in the class, and nearly empty slabs kept alive by one block each, which
 * is what makes the core purge a slab's free pages (core/slab_purge.h).
 * Returns the kept blocks in keep[SLABS]. */
static void nearly_empty_slabs(hak_arena_t *a, void **keep)
{
    const unsigned cap = model_capacity(model_class(model_request(1024)));
    CHECK(cap <= 64u, "more blocks per slab than planned");
    unsigned n = SLABS * cap;
    for (unsigned i = 0; i < n; i++) {
        slab_blocks[i] = hak_arena_malloc(a, 1024);
        CHECK(slab_blocks[i] != 0, "small allocation");
        uintptr_t chunk = (uintptr_t)slab_blocks[i] & ~(uintptr_t)(M_CHUNK - 1u);
        uintptr_t first = (uintptr_t)slab_blocks[i - i % cap] & ~(uintptr_t)(M_CHUNK - 1u);
        CHECK(chunk == first, "blocks not carved slab after slab");
        test_fill(slab_blocks[i], 1024, i);
    }
    for (unsigned i = 0; i < n; i++) {
        if (i % cap == 0)
            keep[i / cap] = slab_blocks[i];
        else
            hak_arena_free(a, slab_blocks[i]);
    }
    for (unsigned s = 0; s < SLABS; s++)
        CHECK_EQ(test_verify(keep[s], 1024, s * cap), 1024, "a kept block's content changed");
}

void test_nopurge_slab_pages(void)
{
    hak_arena_t *a = hak_arena_create(test_mem_small, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    void *keep[SLABS];
    nearly_empty_slabs(a, keep);
    CHECK_EQ(test_purge_calls(), 0,
             "hak_plat_purge called for an arena without PURGEABLE (slab page purge)");
    hak_arena_destroy(a);
}

void test_purge_slab_pages_counted(void)
{
    hak_arena_t *a = hak_arena_create(test_mem_small, REGION, HAK_ARENA_PURGEABLE);
    CHECK(a != 0, "hak_arena_create failed");
    void *keep[SLABS];
    nearly_empty_slabs(a, keep);
    CHECK_CMP(test_purge_calls(), >, 0u, "the load did not purge slab pages");
    /* The slabs can be filled again over their purged pages. */
    const unsigned cap = model_capacity(model_class(model_request(1024)));
    for (unsigned i = 0; i < SLABS * (cap - 1u); i++) {
        unsigned char *p = hak_arena_malloc(a, 1024);
        CHECK(p != 0, "small allocation over purged pages");
        test_fill(p, 1024, 7);
    }
    for (unsigned s = 0; s < SLABS; s++)
        CHECK_EQ(test_verify(keep[s], 1024, s * cap), 1024, "a kept block's content changed");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_stats_t st = stats(a);
    CHECK_EQ(st.slabs, SLABS, "refilling took other slabs than the purged ones");
    CHECK_EQ(st.purged_bytes, test_purge_bytes(), "purged_bytes is not what the platform purged");
    hak_arena_destroy(a);
}

#define SCATTER_SLABS 64u
#define SCATTER_MAX (SCATTER_SLABS * 32u)
#define PAGE 4096u
static unsigned char *scatter_blocks[SCATTER_MAX];
static unsigned scatter_order[SCATTER_MAX];

/* Pages (after the header's) of the slab that starts at `slab`, `bytes`
 * long, that hold no byte of a kept block of `usable` bytes (its header
 * byte included). */
static size_t free_pages(uintptr_t slab, size_t bytes, unsigned char **kept, unsigned n,
                         size_t usable)
{
    size_t pages = 0;
    for (uintptr_t page = slab + PAGE; page < slab + bytes; page += PAGE) {
        int used = 0;
        for (unsigned i = 0; i < n && !used; i++) {
            uintptr_t lo = (uintptr_t)kept[i] - 1u, hi = (uintptr_t)kept[i] + usable;
            used = lo < page + PAGE && hi > page;
        }
        pages += !used;
    }
    return pages;
}

/* Fills SCATTER_SLABS slabs of `size`-byte blocks, then frees nine in ten
 * of them in random order (each slab keeps its first block and about a
 * tenth of the others): the free pages of the slabs left with a few blocks
 * in use go back, most of all the pages that hold no block in use. */
static void scattered_free(size_t size)
{
    const hak_arena_params_t params = { 64u * MiB, 32u * MiB, 0, 0 };
    hak_arena_t *a = hak_arena_create_ex(test_mem_big, 32u * MiB, HAK_ARENA_PURGEABLE, &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    const unsigned c = model_class(model_request(size));
    const unsigned cap = model_capacity(c);
    const size_t slab_bytes = model_slab_bytes(c), usable = model_class_usable(c);
    CHECK(cap <= 32u, "more blocks per slab than planned");
    const unsigned n = SCATTER_SLABS * cap;
    for (unsigned i = 0; i < n; i++) {
        scatter_blocks[i] = hak_arena_malloc(a, size);
        CHECK(scatter_blocks[i] != 0, "allocation");
        uintptr_t first = (uintptr_t)scatter_blocks[i - i % cap] - M_SLAB_HEADER;
        CHECK_EQ((uintptr_t)scatter_blocks[i] - first, M_SLAB_HEADER + (i % cap) * (size_t)model_class_stride(c),
                 "blocks not carved slab after slab");
        test_fill(scatter_blocks[i], size, i);
        scatter_order[i] = i;
    }
    test_rng_t r = { 11 };
    for (unsigned i = n - 1u; i > 0; i--) {
        unsigned j = (unsigned)test_below(&r, i + 1u), t = scatter_order[i];
        scatter_order[i] = scatter_order[j];
        scatter_order[j] = t;
    }
    /* Kept: each slab's first block and the blocks drawn in the last tenth. */
    static unsigned char *kept[SCATTER_MAX];
    static unsigned kept_index[SCATTER_MAX];
    unsigned nkept = 0;
    for (unsigned k = 0; k < n; k++) {
        unsigned i = scatter_order[k];
        if (i % cap == 0 || k >= n - n / 10u) {
            kept_index[nkept] = i;
            kept[nkept++] = scatter_blocks[i];
        } else {
            hak_arena_free(a, scatter_blocks[i]);
        }
    }
    size_t pages = 0;
    for (unsigned s = 0; s < SCATTER_SLABS; s++) {
        uintptr_t slab = (uintptr_t)scatter_blocks[s * cap] - M_SLAB_HEADER;
        unsigned char *in[32];
        unsigned m = 0;
        for (unsigned i = 0; i < nkept; i++)
            if ((uintptr_t)kept[i] >= slab && (uintptr_t)kept[i] < slab + slab_bytes)
                in[m++] = kept[i];
        pages += free_pages(slab, slab_bytes, in, m, usable);
    }
    test_line_t l;
    tl_start(&l, "size ");
    tl_u64(&l, size);
    tl_str(&l, ": pages holding no block in use ");
    tl_u64(&l, pages);
    tl_str(&l, ", purged ");
    tl_u64(&l, test_purge_bytes() / PAGE);
    tl_emit(&l);
    CHECK_CMP(test_purge_bytes(), <=, pages * PAGE, "purged a page that holds a block in use");
    CHECK_CMP(2u * test_purge_bytes(), >=, pages * PAGE, "less than half the free pages went back");
    for (unsigned k = 0; k < nkept; k++)
        CHECK_EQ(test_verify(kept[k], size, kept_index[k]), size, "a kept block's content changed");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    /* The purged blocks serve allocations again, in the same slabs. */
    for (unsigned k = 0; k < n - nkept; k++) {
        unsigned char *p = hak_arena_malloc(a, size);
        CHECK(p != 0, "allocation over purged pages");
        test_fill(p, size, 7);
    }
    hak_arena_stats_t st = stats(a);
    CHECK_EQ(st.slabs, SCATTER_SLABS, "refilling took other slabs than the purged ones");
    CHECK_EQ(st.purged_bytes, test_purge_bytes(), "purged_bytes is not what the platform purged");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}

void test_purge_slab_scattered(void)
{
    scattered_free(2500);
}

void test_purge_slab_scattered_two_chunks(void)
{
    scattered_free(4000);
}

void test_purge_slab_scattered_large_slab(void)
{
    scattered_free(9000);
}
