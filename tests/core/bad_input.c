/*
 * bad_input.c - misuse of the arena API: each bad pointer or handle is
 * reported in one line naming the fault (and the pointer) and the platform's
 * panic runs (EXPECT_FAULT catches it); each bad argument to a creating or
 * allocating call gets its documented NULL, without a call of
 * hak_plat_out_of_memory and without touching the region. After a fault
 * the arena it happened in is abandoned (the core may hold its lock): each
 * case uses an arena of its own, recreated over the same buffer.
 */
#include "harness.h"
#include "model.h"

#define HALF (4u * MiB)

/* A zeroed region of HALF bytes at `at` and an arena over it. */
static hak_arena_t *arena_at(unsigned char *at)
{
    __builtin_memset(at, 0, HALF);
    hak_arena_t *a = hak_arena_create(at, HALF, 0);
    CHECK(a != 0, "hak_arena_create failed");
    return a;
}

#define REGION_A test_mem_small
#define REGION_B (test_mem_small + HALF)

void test_bad_free_other_arena(void)
{
    hak_arena_t *a = arena_at(REGION_A);
    void *small = hak_arena_malloc(a, 100), *mid = hak_arena_malloc(a, 5000);
    void *large = hak_arena_malloc(a, 100000);
    CHECK(small && mid && large, "allocation failed");
    void *blocks[3] = { small, mid, large };
    for (unsigned i = 0; i < 3; i++) {
        hak_arena_t *b = arena_at(REGION_B);
        EXPECT_FAULT(hak_arena_free(b, blocks[i]), "hakmem: hak_arena_free(): pointer not allocated by hakmem (not in this arena)");
        CHECK(test_output_names(blocks[i]), "the fault line does not name the pointer");
        b = arena_at(REGION_B);
        EXPECT_FAULT(hak_arena_usable_size(b, blocks[i]), "hakmem: hak_arena_usable_size(): pointer not allocated by hakmem (not in this arena)");
        b = arena_at(REGION_B);
        EXPECT_FAULT(hak_arena_realloc(b, blocks[i], 10), "hakmem: hak_arena_realloc(): pointer not allocated by hakmem (not in this arena)");
    }
    /* A was not involved: its blocks are still live and free normally. */
    for (unsigned i = 0; i < 3; i++)
        hak_arena_free(a, blocks[i]);
    CHECK_EQ(hak_arena_check(a), 0, "check of arena A");
    hak_arena_stats_t st;
    hak_arena_stats(a, &st);
    CHECK_EQ(st.in_use_bytes, 0, "arena A's blocks not freed");
}

/* Pointers inside B's region that B never handed out. */
void test_bad_free_never_allocated(void)
{
    enum { MIDDLE, INTERIOR, NEXT_BLOCK, MISALIGNED, LARGE_INTERIOR, HANDLE, CASES };
    for (unsigned k = 0; k < CASES; k++) {
        hak_arena_t *b = arena_at(REGION_B);
        unsigned char *p = hak_arena_calloc(b, 1, 100);
        unsigned char *big = hak_arena_calloc(b, 1, 100000);
        CHECK(p && big, "allocation failed");
        unsigned char *bad = 0;
        const char *msg = "hakmem: hak_arena_free(): invalid pointer (no block header";
        switch (k) {
        case MIDDLE: /* a chunk no block was ever carved from */
            bad = REGION_B + HALF / 2u;
            break;
        case INTERIOR:
            bad = p + 16;
            break;
        case NEXT_BLOCK: /* the slab's next block, not carved yet */
            bad = p + model_class_stride(model_class(model_request(100)));
            break;
        case MISALIGNED:
            bad = p + 8;
            msg = "hakmem: hak_arena_free(): misaligned pointer";
            break;
        case LARGE_INTERIOR:
            bad = big + 4096;
            break;
        case HANDLE: /* the arena's state, at the start of its region */
            bad = (unsigned char *)b;
            msg = "hakmem: hak_arena_free(): pointer not allocated by hakmem (not in this arena)";
            break;
        }
        EXPECT_FAULT(hak_arena_free(b, bad), msg);
        CHECK(test_output_names(bad), "the fault line does not name the pointer");
    }
    /* The same pointers are refused by usable_size. */
    hak_arena_t *b = arena_at(REGION_B);
    unsigned char *p = hak_arena_calloc(b, 1, 100);
    EXPECT_FAULT(hak_arena_usable_size(b, p + 16), "hakmem: hak_arena_usable_size(): invalid pointer");
}

void test_bad_free_foreign(void)
{
    static _Alignas(16) unsigned char foreign_static[64];
    _Alignas(16) unsigned char foreign_stack[64];
    hak_arena_t *b = arena_at(REGION_B);
    EXPECT_FAULT(hak_arena_free(b, foreign_static + 16), "hakmem: hak_arena_free(): pointer not allocated by hakmem");
    CHECK(test_output_names(foreign_static + 16), "the fault line does not name the pointer");
    b = arena_at(REGION_B);
    EXPECT_FAULT(hak_arena_free(b, foreign_stack + 16), "hakmem: hak_arena_free(): pointer not allocated by hakmem");
    b = arena_at(REGION_B);
    EXPECT_FAULT(hak_arena_usable_size(b, foreign_static), "hakmem: hak_arena_usable_size(): pointer not allocated by hakmem");
    /* free(NULL) is no fault. */
    b = arena_at(REGION_B);
    hak_arena_free(b, 0);
    CHECK_EQ(hak_arena_usable_size(b, 0), 0, "usable size of NULL");
}

void test_bad_double_free(void)
{
    static const size_t sizes[] = { 100, 5000, 100000 };
    static const char *const kinds[] = { "small", "mid", "large" };
    for (unsigned k = 0; k < 3; k++) {
        hak_arena_t *a = arena_at(REGION_A);
        /* A second block keeps the slab live, so that the freed block's
         * slab is still there to recognise it. */
        void *p = hak_arena_malloc(a, sizes[k]), *other = hak_arena_malloc(a, sizes[k]);
        CHECK(p && other, kinds[k]);
        hak_arena_free(a, p);
        EXPECT_FAULT(hak_arena_free(a, p), k == 2 ? "hakmem: hak_arena_free(): invalid pointer or double free"
                                                  : "hakmem: hak_arena_free(): double free");
        CHECK(test_output_names(p), "the fault line does not name the pointer");
        /* The other calls that take a block name themselves. */
        a = arena_at(REGION_A);
        p = hak_arena_malloc(a, sizes[k]), other = hak_arena_malloc(a, sizes[k]);
        CHECK(p && other, kinds[k]);
        hak_arena_free(a, p);
        EXPECT_FAULT(hak_arena_realloc(a, p, sizes[k] * 2), "hakmem: hak_arena_realloc(): invalid pointer");
        a = arena_at(REGION_A);
        p = hak_arena_malloc(a, sizes[k]), other = hak_arena_malloc(a, sizes[k]);
        CHECK(p && other, kinds[k]);
        hak_arena_free(a, p);
        EXPECT_FAULT(hak_arena_realloc(a, p, 0), "hakmem: hak_arena_realloc(): "); /* a double free */
        a = arena_at(REGION_A);
        p = hak_arena_malloc(a, sizes[k]), other = hak_arena_malloc(a, sizes[k]);
        CHECK(p && other, kinds[k]);
        hak_arena_free(a, p);
        EXPECT_FAULT(hak_arena_usable_size(a, p), "hakmem: hak_arena_usable_size(): invalid pointer");
    }
    /* An aligned pointer inside a block. */
    hak_arena_t *a = arena_at(REGION_A);
    void *other = hak_arena_malloc(a, 300);
    void *q = hak_arena_aligned_alloc(a, 256, 200);
    CHECK(other && q && ((uintptr_t)q & 255u) == 0, "aligned allocation");
    hak_arena_free(a, q);
    /* A debug build poisons the freed block, its aligned record included
     * (core/debug.h), so the second free no longer finds the record and is
     * reported as a pointer without a header: still fatal, less precise. */
    EXPECT_FAULT(hak_arena_free(a, q), HAK_DEBUG ? "hakmem: hak_arena_free(): invalid pointer (no block header"
                                               : "hakmem: hak_arena_free(): double free");
    /* The slab's last block: freed, its empty slab is kept by the class,
     * and a second free is still recognised. */
    a = arena_at(REGION_A);
    void *only = hak_arena_malloc(a, 700);
    hak_arena_free(a, only);
    EXPECT_FAULT(hak_arena_free(a, only), "hakmem: hak_arena_free(): double free");
}

/* hak_arena_create's refusals: NULL, no out_of_memory, region untouched. */
static void refused(unsigned char *base, size_t len, unsigned flags, const hak_arena_params_t *params,
                    const char *why)
{
    uint64_t oom = test_oom_calls();
    hak_arena_t *a = params ? hak_arena_create_ex(base, len, flags, params)
                            : hak_arena_create(base, len, flags);
    CHECK(a == 0, why);
    CHECK_EQ(test_oom_calls(), oom, "out_of_memory for a bad argument");
    CHECK(test_all_bytes(test_mem_small, 512u * KiB, 0x5a), "a refused create wrote to the region");
}

void test_bad_create(void)
{
    unsigned char *buf = test_mem_small;
    const size_t min = HAK_ARENA_MIN_SIZE;
    __builtin_memset(buf, 0x5a, 512u * KiB);
    refused(buf, min - 1u, 0, 0, "a region of HAK_ARENA_MIN_SIZE - 1");
    refused(buf, 0, 0, 0, "a region of 0 bytes");
    refused(buf + 8, min + 64, 0, 0, "a base 8 bytes off 16-byte alignment");
    refused(buf + 1, min + 64, 0, 0, "a base 1 byte off");
    refused(0, min, 0, 0, "a NULL base");
    refused(buf, (size_t)0 - (uintptr_t)buf + 16u, 0, 0, "a region that wraps around the address space");
    refused(buf, ~(size_t)0, 0, 0, "a region of SIZE_MAX bytes");
    refused(buf, min, 8u, 0, "an unknown flag");
    refused(buf, min, 0x80000000u | HAK_ARENA_ZEROED, 0, "an unknown flag with a known one");
    const hak_arena_params_t inverted = { 1u * MiB, 1u * MiB + 1u, 100, 0 };
    refused(buf, min, HAK_ARENA_PURGEABLE, &inverted, "purge_low > purge_high");
    refused(buf, min, 0, &inverted, "purge_low > purge_high, not purgeable");

    /* The limits themselves are accepted, at the best and the worst
     * alignment, and the arena works. */
    static const size_t offsets[] = { 0, 16, 64u * KiB - 16u };
    for (unsigned i = 0; i < 3; i++) {
        hak_arena_t *a = hak_arena_create(buf + offsets[i], min, 0);
        CHECK(a != 0, "a region of exactly HAK_ARENA_MIN_SIZE refused");
        void *p = hak_arena_malloc(a, 1000), *q = hak_arena_malloc(a, 20000);
        CHECK(p && q, "a minimum arena cannot serve two blocks");
        CHECK_EQ(hak_arena_check(a), 0, "check of a minimum arena");
        hak_arena_destroy(a);
    }
    const hak_arena_params_t equal = { 1u * MiB, 1u * MiB, 0, 0 };
    hak_arena_t *a = hak_arena_create_ex(buf, min, HAK_ARENA_PURGEABLE, &equal);
    CHECK(a != 0, "purge_low == purge_high refused");
    hak_arena_destroy(a);
    a = hak_arena_create_ex(buf, min, HAK_ARENA_ZEROED | HAK_ARENA_PURGEABLE, 0);
    CHECK(a != 0, "both flags, default params refused");
    hak_arena_destroy(a);
}

void test_bad_destroyed_arena(void)
{
    hak_arena_t *a = arena_at(REGION_A);
    void *p = hak_arena_malloc(a, 100);
    CHECK(p != 0, "allocation failed");
    hak_arena_destroy(a);
    EXPECT_FAULT(hak_arena_malloc(a, 10), "hak_arena_malloc(): not a live arena");
    CHECK(test_output_names(a), "the fault line does not name the handle");
    EXPECT_FAULT(hak_arena_free(a, p), "not a live arena");
    EXPECT_FAULT(hak_arena_calloc(a, 1, 10), "not a live arena");
    EXPECT_FAULT(hak_arena_realloc(a, p, 10), "not a live arena");
    EXPECT_FAULT(hak_arena_aligned_alloc(a, 64, 10), "not a live arena");
    EXPECT_FAULT(hak_arena_usable_size(a, p), "not a live arena");
    EXPECT_FAULT(hak_arena_check(a), "not a live arena");
    EXPECT_FAULT(hak_arena_destroy(a), "hak_arena_destroy(): not a live arena");
    hak_arena_stats_t st;
    EXPECT_FAULT(hak_arena_stats(a, &st), "not a live arena");
    /* Handles that never were arenas. */
    static _Alignas(64) unsigned char never[64];
    EXPECT_FAULT(hak_arena_malloc((hak_arena_t *)(void *)never, 10), "not a live arena");
    EXPECT_FAULT(hak_arena_malloc(0, 10), "not a live arena");
    EXPECT_FAULT(hak_arena_malloc((hak_arena_t *)(void *)(never + 8), 10), "not a live arena");
}

void test_bad_aligned_alloc(void)
{
    /* 16 MiB: room for a 1 MiB-aligned run beside the slabs of the
     * smaller alignments. */
    hak_arena_t *a = hak_arena_create(test_mem_big, 16u * MiB, 0);
    CHECK(a != 0, "hak_arena_create failed");
    static const size_t bad[] = { 0, 3, 24, 48, 65536 + 16, ~(size_t)0 };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t oom = test_oom_calls();
        CHECK(hak_arena_aligned_alloc(a, bad[i], 100) == 0, "an alignment not a power of two accepted");
        CHECK_EQ(test_oom_calls(), oom, "out_of_memory for a bad alignment");
    }
    /* Powers of two below 16 are fine (16 is given). */
    for (size_t align = 1; align <= 1u << 20; align *= 2u) {
        unsigned char *p = hak_arena_aligned_alloc(a, align, 100);
        CHECK(p != 0, "a power-of-two alignment refused");
        CHECK_EQ((uintptr_t)p % (align < 16u ? 16u : align), 0, "misaligned block");
        CHECK_CMP(hak_arena_usable_size(a, p), >=, 100u, "usable size below the request");
        hak_arena_free(a, p);
    }
    CHECK_EQ(hak_arena_check(a), 0, "check");
}

void test_bad_calloc_overflow(void)
{
    hak_arena_t *a = arena_at(REGION_A);
    const size_t max = ~(size_t)0;
    /* Each is a NULL like exhaustion (hakmem.h: errno = ENOMEM in the
     * hosted build), so out_of_memory is called once for each. */
    CHECK(hak_arena_calloc(a, max / 2u + 1u, 2) == 0, "calloc(SIZE_MAX / 2 + 1, 2)");
    CHECK_EQ(test_oom_calls(), 1, "out_of_memory once per NULL");
    CHECK(hak_arena_calloc(a, max, max) == 0, "calloc(SIZE_MAX, SIZE_MAX)");
    CHECK(hak_arena_calloc(a, 2, max / 2u + 1u) == 0, "calloc(2, SIZE_MAX / 2 + 1)");
    CHECK(hak_arena_calloc(a, (max >> (sizeof(size_t) * 4u)) + 2u, (max >> (sizeof(size_t) * 4u)) + 2u) == 0,
          "calloc(sqrt(SIZE_MAX) + 1, same)");
    CHECK_EQ(test_oom_calls(), 4, "out_of_memory once per NULL");
    /* Not an overflow, just too big: NULL after out_of_memory. */
    uint64_t oom = test_oom_calls();
    CHECK(hak_arena_calloc(a, max / 4u, 1) == 0, "calloc(SIZE_MAX / 4, 1)");
    CHECK_EQ(test_oom_calls(), oom + 1u, "out_of_memory once for a calloc too big");
    unsigned char *p = hak_arena_calloc(a, 10, 10);
    CHECK(p && test_all_bytes(p, 100, 0), "the arena still serves calloc");
    CHECK_EQ(hak_arena_check(a), 0, "check");
}

void test_realloc_content(void)
{
    hak_arena_t *a = arena_at(REGION_A);
    /* A chain of sizes through every kind of block, up and down. */
    static const size_t chain[] = { 100, 50, 1000, 20000, 100000, 300000, 310000, 150000, 40,
                                    8, 1039, 1040, 32783, 32784, 16, 600000, 3 };
    unsigned char *p = hak_arena_realloc(a, 0, chain[0]); /* realloc(NULL, n) is malloc */
    CHECK(p != 0, "realloc(NULL, n)");
    test_fill(p, chain[0], 1);
    size_t have = chain[0];
    uint32_t seed = 1;
    for (unsigned i = 1; i < sizeof chain / sizeof chain[0]; i++) {
        size_t n = chain[i], keep = n < have ? n : have;
        unsigned char *q = hak_arena_realloc(a, p, n);
        CHECK(q != 0, "realloc failed");
        CHECK_EQ(test_verify(q, keep, seed), keep, "realloc lost content");
        CHECK_CMP(hak_arena_usable_size(a, q), >=, n, "usable size below the new size");
        seed = i + 1u;
        test_fill(q, n, seed);
        p = q;
        have = n;
    }
    /* An aligned pointer resized keeps its content too. */
    unsigned char *q = hak_arena_aligned_alloc(a, 512, 300);
    CHECK(q != 0, "aligned allocation");
    test_fill(q, 300, 77);
    q = hak_arena_realloc(a, q, 5000);
    CHECK(q != 0 && test_verify(q, 300, 77) == 300, "realloc of an aligned pointer lost content");
    hak_arena_free(a, q);
    CHECK(hak_arena_realloc(a, p, 0) == 0, "realloc(p, 0) returns NULL");
    hak_arena_stats_t st;
    hak_arena_stats(a, &st);
    CHECK_EQ(st.in_use_bytes, 0, "realloc(p, 0) did not free p");
    CHECK_EQ(hak_arena_check(a), 0, "check");
}
