/*
 * accounting.c - hak_arena_stats adds up byte for byte after a random load
 * (thousands of mallocs, frees, reallocs and aligned allocations from a
 * deterministic PRNG):
 *   reserved_bytes == the len passed == meta_bytes + free_bytes + in_use_bytes,
 *   in_use_bytes == the test's own sum over its live blocks, where a small
 *     or mid block counts its stride (usable size + 1, the header byte) and
 *     a large block its whole run (usable size + the user pointer's offset
 *     in the run: p mod 65536 for an alignment up to 64),
 *   large_bytes and large_blocks == the test's sum and count of runs,
 * and after everything is freed in_use_bytes == 0.
 *
 * The footprint of each block comes from the test's model (model.h); the
 * observed usable size is checked against it (usable + 1, usable + offset).
 * Debug builds (HAK_DEBUG) report the requested size as usable, so there
 * the model's footprint is used and the usable + 1 identity is skipped.
 */
#include "harness.h"
#include "model.h"

#define REGION (64u * MiB)
#define MAXLIVE 1000u
#define OPS 12000u

typedef struct live {
    unsigned char *p;
    size_t size;      /* requested: the bytes filled with the pattern */
    size_t footprint; /* bytes it holds of in_use_bytes */
    size_t off;       /* large: offset of p in its run; 0: a slab block */
    uint32_t seed;
} live_t;

static live_t L[MAXLIVE];
static unsigned nlive;

static size_t pick_size(test_rng_t *r)
{
    uint64_t k = test_below(r, 100);
    if (k < 55)
        return (size_t)test_below(r, 1040); /* 0 included */
    if (k < 96)
        return 1040u + (size_t)test_below(r, M_MID_MAX - 1039u);
    return M_MID_MAX + 1u + (size_t)test_below(r, 200u * KiB);
}

/* Records a block from a plain allocation (malloc, or realloc that moved)
 * of n bytes. */
static void add_plain(hak_arena_t *a, unsigned char *p, size_t n, uint32_t seed, live_t *slot)
{
    CHECK(p != 0, "allocation failed in an arena with room");
    size_t u = hak_arena_usable_size(a, p);
    CHECK_EQ(u, model_malloc_usable(n), "usable size is not the model's");
    size_t s = model_request(n);
    live_t b = { p, n, model_malloc_footprint(n), 0, seed };
    if (s > M_MID_MAX) {
        b.off = M_LARGE_OFF;
        CHECK_EQ((uintptr_t)p % M_CHUNK, M_LARGE_OFF, "a large block's offset in its run");
        CHECK_EQ(b.footprint, u + (uintptr_t)p % M_CHUNK, "run bytes != usable + p mod 64 KiB");
    } else if (!HAK_DEBUG) {
        CHECK_EQ(b.footprint, u + 1u, "stride != usable + 1");
    }
    test_fill(p, n, seed);
    *slot = b;
}

static void do_malloc(hak_arena_t *a, test_rng_t *r, uint32_t seed)
{
    size_t n = pick_size(r);
    add_plain(a, hak_arena_malloc(a, n), n, seed, &L[nlive++]);
}

static void do_aligned(hak_arena_t *a, test_rng_t *r, uint32_t seed)
{
    static const size_t aligns[] = { 16, 32, 64, 128, 256, 512, 4096, 8192, 65536, 131072 };
    size_t align = aligns[test_below(r, sizeof aligns / sizeof aligns[0])];
    /* Either well inside the classes or clearly large, so that a debug
     * build's canary never tips a block over (see model_aligned_in_class). */
    size_t n = align <= 8192u && test_below(r, 10) < 7
                   ? 1u + (size_t)test_below(r, 32000u - align)
                   : 40000u + (size_t)test_below(r, 200u * KiB);
    unsigned char *p = hak_arena_aligned_alloc(a, align, n);
    CHECK(p != 0, "aligned allocation failed in an arena with room");
    CHECK_EQ((uintptr_t)p % align, 0, "misaligned block");
    size_t u = hak_arena_usable_size(a, p);
    CHECK_CMP(u, >=, n, "usable size below the request");
    live_t b = { p, n, 0, 0, seed };
    if (align <= 16u) {
        add_plain(a, p, n, seed, &L[nlive++]);
        return;
    }
    if (model_aligned_in_class(align, n)) {
        /* Inside a block of the class of n + align - 16, at an offset that
         * is a multiple of 16 below align. */
        size_t stride = model_class_stride(model_class(model_request(n + align - 16u)));
        b.footprint = stride;
        if (!HAK_DEBUG) {
            CHECK_CMP(u, <=, stride - 1u, "aligned pointer's usable size beyond its block");
            CHECK_EQ((stride - 1u - u) % 16u, 0, "aligned pointer's offset not a multiple of 16");
            CHECK_CMP(stride - 1u - u, <, align, "aligned pointer further in than the alignment");
        }
    } else {
        b.off = model_large_off(align);
        b.footprint = model_large_run(n, b.off);
        CHECK_EQ(u + b.off, b.footprint, "aligned run bytes != usable + offset");
    }
    test_fill(p, n, seed);
    L[nlive++] = b;
}

static void drop(unsigned i)
{
    L[i] = L[--nlive];
}

static void do_free(hak_arena_t *a, test_rng_t *r)
{
    unsigned i = (unsigned)test_below(r, nlive);
    CHECK_EQ(test_verify(L[i].p, L[i].size, L[i].seed), L[i].size, "content changed before free");
    hak_arena_free(a, L[i].p);
    drop(i);
}

static void do_realloc(hak_arena_t *a, test_rng_t *r, uint32_t seed)
{
    unsigned i = (unsigned)test_below(r, nlive);
    live_t *b = &L[i];
    size_t m = test_below(r, 50) == 0 ? 0 : pick_size(r);
    if (test_below(r, 3) == 0 && b->size > 1u) /* often a shrink */
        m = 1u + (size_t)test_below(r, b->size);
    size_t keep = m < b->size ? m : b->size;
    unsigned char *q = hak_arena_realloc(a, b->p, m);
    if (m == 0) {
        CHECK(q == 0, "realloc(p, 0) frees p and returns NULL");
        drop(i);
        return;
    }
    CHECK(q != 0, "realloc failed in an arena with room");
    CHECK_EQ(test_verify(q, keep, b->seed), keep, "realloc lost content");
    if (q != b->p) {
        add_plain(a, q, m, seed, b); /* moved: a plain block of m bytes */
        return;
    }
    /* In place. A run may have grown (or kept its length); a slab block
     * keeps its stride. */
    size_t u = hak_arena_usable_size(a, q);
    CHECK_CMP(u, >=, m, "usable size below the new size");
    if (b->off) {
        b->footprint = u + b->off;
        CHECK_EQ(b->footprint % M_CHUNK, 0, "a run that is not whole chunks");
    }
    b->size = m;
    b->seed = seed;
    test_fill(q, m, seed);
}

static void check_stats(hak_arena_t *a)
{
    uint64_t in_use = 0, large = 0, nlarge = 0;
    for (unsigned i = 0; i < nlive; i++) {
        in_use += L[i].footprint;
        if (L[i].off) {
            large += L[i].footprint;
            nlarge++;
        }
    }
    hak_arena_stats_t st;
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    CHECK_EQ(st.reserved_bytes, REGION, "reserved_bytes is not the len passed");
    CHECK_EQ(st.meta_bytes + st.free_bytes + st.in_use_bytes, st.reserved_bytes,
             "meta + free + in use is not the region");
    CHECK_EQ(st.in_use_bytes, in_use, "in_use_bytes is not the sum over the live blocks");
    CHECK_EQ(st.large_bytes, large, "large_bytes is not the sum over the live runs");
    CHECK_EQ(st.large_blocks, nlarge, "large_blocks is not the number of live runs");
    CHECK_CMP(st.in_use_bytes - st.large_bytes, <=, st.slab_bytes,
              "slab blocks in use beyond the slabs' chunks");
}

void test_accounting(void)
{
    hak_arena_t *a = hak_arena_create(test_mem_big, REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    test_rng_t r = { 99 };
    nlive = 0;
    uint64_t mallocs = 0, frees = 0, reallocs = 0, aligned = 0;
    for (uint32_t op = 1; op <= OPS; op++) {
        uint64_t k = test_below(&r, 100);
        if (nlive == 0 || (nlive < MAXLIVE && k < 40)) {
            do_malloc(a, &r, op);
            mallocs++;
        } else if (nlive < MAXLIVE && k < 50) {
            do_aligned(a, &r, op);
            aligned++;
        } else if (k < 78) {
            do_free(a, &r);
            frees++;
        } else {
            do_realloc(a, &r, op);
            reallocs++;
        }
        if (op % 64u == 0)
            check_stats(a);
    }
    check_stats(a);
    CHECK_EQ(test_oom_calls(), 0, "out_of_memory in an arena with room");
    CHECK_EQ(hak_arena_check(a), 0, "check after the load");
    test_line_t l;
    tl_start(&l, "  ops: ");
    tl_u64(&l, mallocs);
    tl_str(&l, " malloc, ");
    tl_u64(&l, aligned);
    tl_str(&l, " aligned, ");
    tl_u64(&l, reallocs);
    tl_str(&l, " realloc, ");
    tl_u64(&l, frees);
    tl_str(&l, " free; live at the end ");
    tl_u64(&l, nlive);
    tl_emit(&l);
    while (nlive)
        do_free(a, &r);
    check_stats(a);
    hak_arena_stats_t st;
    hak_arena_stats(a, &st);
    CHECK_EQ(st.in_use_bytes, 0, "bytes in use after freeing everything");
    CHECK_EQ(st.large_blocks, 0, "runs after freeing everything");
    CHECK_EQ(hak_arena_check(a), 0, "check after freeing everything");
    hak_arena_destroy(a);
}
