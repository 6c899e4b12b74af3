/*
 * fit.c - a run of chunks is found wherever that many contiguous chunks
 * are free. Large blocks only (no slabs), so the test knows every chunk:
 * a block of s bytes is a run of (64 + s + 64 KiB) / 64 KiB chunks whose
 * user pointer lies 64 bytes in (model.h). At every NULL the test's own
 * map of the chunks must have no free stretch long enough.
 */
#include "harness.h"
#include "model.h"

#define FIT_REGION (4u * MiB)
#define MAXCHUNKS 64u

/* Bytes of a large request that takes exactly k chunks. */
static size_t run_size(unsigned k)
{
    return (size_t)k * M_CHUNK - M_LARGE_OFF - 1u;
}

typedef struct chunk_map {
    uintptr_t data;        /* address of chunk 0 */
    unsigned n;            /* chunks in the region */
    unsigned char used[MAXCHUNKS];
} chunk_map_t;

/* Chunk 0 of an arena over [base, base + len): the data area ends at the
 * last chunk boundary in the region and holds region - meta bytes while
 * no slab exists. */
static void map_start(chunk_map_t *m, hak_arena_t *a, unsigned char *base, size_t len)
{
    hak_arena_stats_t st;
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    uintptr_t end = ((uintptr_t)base + len) & ~(uintptr_t)(M_CHUNK - 1u);
    uint64_t data = st.reserved_bytes - st.meta_bytes;
    m->data = end - (uintptr_t)data;
    m->n = (unsigned)(data / M_CHUNK);
    CHECK(m->n <= MAXCHUNKS, "more chunks than the map holds");
    __builtin_memset(m->used, 0, sizeof m->used);
}

/* Marks the run of block p (k chunks) used (1) or free (0). */
static void map_mark(chunk_map_t *m, const void *p, unsigned k, unsigned char v)
{
    uintptr_t run = (uintptr_t)p - M_LARGE_OFF;
    CHECK_EQ(run % M_CHUNK, 0, "a run not on a chunk boundary");
    CHECK(run >= m->data, "a run before the data area");
    unsigned first = (unsigned)((run - m->data) / M_CHUNK);
    CHECK(first + k <= m->n, "a run past the data area");
    for (unsigned i = first; i < first + k; i++) {
        CHECK_EQ(m->used[i], !v, v ? "a run over a chunk in use" : "freeing a chunk not in use");
        m->used[i] = v;
    }
}

/* The longest stretch of free chunks. */
static unsigned map_longest_free(const chunk_map_t *m)
{
    unsigned best = 0, run = 0;
    for (unsigned i = 0; i < m->n; i++) {
        run = m->used[i] ? 0 : run + 1u;
        if (run > best)
            best = run;
    }
    return best;
}

/* The smallest case: a run freed just below the never-used chunks at the
 * end of the region, then a longer run that fits only in the freed chunks
 * together with the never-used ones after them. */
void test_fit_across_top(void)
{
    chunk_map_t m;
    hak_arena_t *a = hak_arena_create(test_mem_big, 1u * MiB, 0);
    CHECK(a != 0, "hak_arena_create failed");
    map_start(&m, a, test_mem_big, 1u * MiB);
    CHECK_EQ(m.n, 15, "a 1 MiB region on a 1 MiB boundary holds 15 chunks");
    void *big = hak_arena_malloc(a, run_size(10));
    void *mid = hak_arena_malloc(a, run_size(3));
    CHECK(big && mid, "large allocation failed");
    map_mark(&m, big, 10, 1);
    map_mark(&m, mid, 3, 1);
    hak_arena_free(a, mid);
    map_mark(&m, mid, 3, 0);
    CHECK_EQ(map_longest_free(&m), 5, "the map");
    /* Chunks 10..14 are free: 3 freed ones and 2 never used. */
    void *five = hak_arena_malloc(a, run_size(5));
    CHECK(five != 0, "a 5-chunk run refused while chunks 10..14 are free");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}

/* Free chunks of both kinds side by side: a purged (clean) stretch next to
 * a freed, not yet purged (dirty) one, together long enough for a run. */
void test_fit_clean_dirty(void)
{
    chunk_map_t m;
    /* Purge at once past 128 KiB of dirty chunks, down to none. */
    const hak_arena_params_t params = { 128u * KiB, 0, 0, 0 };
    hak_arena_t *a = hak_arena_create_ex(test_mem_big, 1u * MiB, HAK_ARENA_PURGEABLE, &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    map_start(&m, a, test_mem_big, 1u * MiB);
    void *x = hak_arena_malloc(a, run_size(3));  /* chunks 0..2 */
    void *y = hak_arena_malloc(a, run_size(2));  /* chunks 3..4 */
    void *s = hak_arena_malloc(a, run_size(10)); /* chunks 5..14: the rest */
    CHECK(x && y && s, "large allocation failed");
    map_mark(&m, x, 3, 1);
    map_mark(&m, y, 2, 1);
    map_mark(&m, s, 10, 1);
    hak_arena_free(a, x); /* 192 KiB dirty > 128 KiB: purged, clean */
    CHECK_EQ(test_purge_bytes(), 3u * M_CHUNK, "the first run was not purged");
    hak_arena_free(a, y); /* 128 KiB dirty, not above: stays dirty */
    CHECK_EQ(test_purge_bytes(), 3u * M_CHUNK, "the second run was purged too");
    map_mark(&m, x, 3, 0);
    map_mark(&m, y, 2, 0);
    CHECK_EQ(map_longest_free(&m), 5, "the map");
    void *five = hak_arena_malloc(a, run_size(5));
    CHECK(five != 0, "a 5-chunk run refused while chunks 0..4 are free (3 clean, 2 dirty)");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}

/* Random large blocks of 1..8 chunks, allocated and freed. */
void test_fit_random(void)
{
    static void *live[MAXCHUNKS];
    static unsigned len[MAXCHUNKS];
    chunk_map_t m;
    hak_arena_t *a = hak_arena_create(test_mem_big, FIT_REGION, 0);
    CHECK(a != 0, "hak_arena_create failed");
    map_start(&m, a, test_mem_big, FIT_REGION);
    test_rng_t r = { 64 };
    unsigned nlive = 0, nulls = 0, refused_with_room = 0, first_refused = 0;
    for (unsigned op = 0; op < 4000; op++) {
        if (nlive && (test_below(&r, 10) < 4 || nlive == MAXCHUNKS)) {
            unsigned i = (unsigned)test_below(&r, nlive);
            hak_arena_free(a, live[i]);
            map_mark(&m, live[i], len[i], 0);
            live[i] = live[--nlive];
            len[i] = len[nlive];
            continue;
        }
        unsigned k = 1u + (unsigned)test_below(&r, 8);
        void *p = hak_arena_malloc(a, run_size(k));
        if (!p) {
            nulls++;
            if (map_longest_free(&m) >= k && refused_with_room++ == 0)
                first_refused = k;
            continue;
        }
        CHECK_EQ(hak_arena_usable_size(a, p), (size_t)k * M_CHUNK - M_LARGE_OFF, "run length");
        map_mark(&m, p, k, 1);
        live[nlive] = p;
        len[nlive++] = k;
    }
    test_line_t l;
    tl_start(&l, "  ");
    tl_u64(&l, nulls);
    tl_str(&l, " NULL, ");
    tl_u64(&l, refused_with_room);
    tl_str(&l, " of them with a long enough free stretch (first: ");
    tl_u64(&l, first_refused);
    tl_str(&l, " chunks)");
    tl_emit(&l);
    CHECK_CMP(nulls, >, 0u, "the load never filled the arena");
    CHECK_EQ(refused_with_room, 0, "NULL while enough contiguous chunks were free");
    CHECK_EQ(hak_arena_check(a), 0, "check");
    hak_arena_destroy(a);
}
