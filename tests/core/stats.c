/*
 * stats.c - the statistics of an arena (hak_stats_t through
 * hak_arena_stats) and their table (hak_stats_format), against what the
 * test did:
 *   - per class: slabs, blocks in use and free, refills and flushes count
 *     the uncached calls one each; nothing is cached without caches;
 *   - committed bytes and their peak; large blocks allocated and live;
 *   - the resident estimate: a slab cut from memory that reads as zero
 *     counts only the pages its carved blocks reach; a large block counts
 *     whole; free chunks count until purged, and the peak stays;
 *   - purges and purged bytes are what the platform was asked to purge;
 *   - the table names every field, has a row per class in use, and is cut
 *     cleanly in a short buffer;
 *   - the report settings of hak_arena_params_t: the settings line at
 *     creation, the table at hak_arena_destroy; unknown bits refused.
 */
#include "harness.h"
#include "model.h"

#define REGION (8u * MiB)
#define PAGE 4096u
#define SIZE 100u       /* class 6: stride 112 */
#define CLS 6u
#define NBLK 100u

static hak_stats_t stats(hak_arena_t *a)
{
    hak_stats_t st;
    CHECK_EQ(hak_arena_stats(a, &st), 0, "stats");
    CHECK_EQ(st.meta_bytes + st.free_bytes + st.in_use_bytes, st.reserved_bytes,
             "reserved = meta + free + in_use");
    CHECK_CMP(st.committed_peak, >=, st.committed_bytes, "committed_peak below committed");
    CHECK_CMP(st.resident_peak, >=, st.resident_bytes, "resident_peak below resident");
    CHECK_CMP(st.resident_bytes, <=, st.committed_bytes + st.dirty_bytes,
              "resident above committed + dirty");
    uint64_t refills = 0, flushes = 0, slabs = 0;
    for (unsigned c = 0; c < HAK_STATS_CLASSES; c++) {
        refills += st.classes[c].refills;
        flushes += st.classes[c].flushes;
        slabs += st.classes[c].slabs;
    }
    CHECK_EQ(refills, st.refills, "refills is not the sum over the classes");
    CHECK_EQ(flushes, st.flushes, "flushes is not the sum over the classes");
    CHECK_EQ(slabs, st.slabs, "slabs is not the sum over the classes");
    return st;
}

static int contains(const char *hay, const char *needle)
{
    for (; *hay; hay++) {
        size_t i = 0;
        while (needle[i] && hay[i] == needle[i])
            i++;
        if (!needle[i])
            return 1;
    }
    return 0;
}

static uint64_t round_page(uint64_t v)
{
    return (v + PAGE - 1u) / PAGE * PAGE;
}

void test_stats_classes(void)
{
    const hak_arena_params_t params = { 1u * MiB, 512u * KiB, 0, 0 };
    hak_arena_t *a = hak_arena_create_ex(test_mem_small, REGION, HAK_ARENA_PURGEABLE | HAK_ARENA_ZEROED,
                                         &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    hak_stats_t st = stats(a);
    for (unsigned c = 0; c < M_CLASSES; c++) {
        CHECK_EQ(st.classes[c].stride, model_class_stride(c), "stride of a class");
        CHECK_EQ(st.classes[c].size, model_class_stride(c) - 1u, "size of a class");
        CHECK_EQ(st.classes[c].slabs + st.classes[c].refills, 0, "a new arena's class is in use");
    }
    CHECK_EQ(st.committed_bytes + st.resident_bytes + st.large_allocs, 0, "a new arena holds memory");

    static void *p[NBLK];
    for (unsigned i = 0; i < NBLK; i++) {
        p[i] = hak_arena_malloc(a, SIZE);
        CHECK(p[i] != 0, "malloc failed");
    }
    st = stats(a);
    const hak_class_stats_t *cs = &st.classes[CLS];
    uint64_t cap = model_capacity(CLS);
    CHECK_EQ(cs->slabs, 1, "slabs of the class");
    CHECK_EQ(cs->blocks_in_use, NBLK, "blocks in use");
    CHECK_EQ(cs->blocks_cached, 0, "cached blocks without caches");
    CHECK_EQ(cs->blocks_free, cap - NBLK, "free blocks: the rest of the slab");
    CHECK_EQ(cs->refills, NBLK, "one refill per uncached allocation");
    CHECK_EQ(cs->flushes + cs->remote_frees, 0, "flushes before any free");
    CHECK_EQ(st.committed_bytes, M_CHUNK, "committed: one slab");
    /* Fresh zeroed memory: only the pages the carved blocks reach. */
    uint64_t warm = round_page(M_SLAB_HEADER + (uint64_t)NBLK * model_class_stride(CLS) - 1u);
    if (!HAK_DEBUG)
        CHECK_EQ(st.resident_bytes, warm, "resident: the carved part of the slab");

    for (unsigned i = 0; i < NBLK / 2u; i++)
        hak_arena_free(a, p[i]);
    st = stats(a);
    cs = &st.classes[CLS];
    CHECK_EQ(cs->blocks_in_use, NBLK / 2u, "blocks in use after freeing half");
    CHECK_EQ(cs->blocks_free, cap - NBLK / 2u, "free blocks after freeing half");
    CHECK_EQ(cs->flushes, NBLK / 2u, "one flush per uncached free");

    /* The table: a header, this class's row, every total. */
    static char text[16384];
    size_t len = hak_stats_format(&st, text, sizeof text);
    size_t n = 0;
    while (text[n])
        n++;
    CHECK_EQ(len, n, "hak_stats_format's length");
    CHECK(contains(text, "class  size stride  slabs blocks_in_use blocks_cached blocks_free"),
          "the table's column names");
    CHECK(contains(text, "\n    6   111    112      1            50             0"), "the row of class 6");
    CHECK(!contains(text, "\n    7   127"), "a row for a class not in use");
    static const char *const names[] = {
        "reserved_bytes", "reserved_peak", "committed_bytes", "committed_peak", "resident_bytes",
        "resident_peak", "purged_bytes", "dirty_bytes", "meta_bytes", "free_bytes",
        "in_use_bytes", "cached_bytes", "large_bytes", "slab_bytes", "slabs", "large_blocks",
        "refills", "flushes", "remote_frees", "purges", "large_allocs", "caches_released",
    };
    for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++)
        CHECK(contains(text, names[k]), "a total is missing from the table");
    CHECK(contains(text, "committed_bytes  64.0 KiB (65536)"), "committed with its unit");
    char small[40];
    CHECK_EQ(hak_stats_format(&st, small, sizeof small), len, "a cut table still reports its length");
    CHECK_EQ(small[sizeof small - 1u], '\0', "a cut table is terminated");
    CHECK_EQ(hak_stats_format(&st, 0, 0), len, "length with no buffer");
    hak_arena_destroy(a);
}

void test_stats_memory(void)
{
    const hak_arena_params_t params = { 1u * MiB, 512u * KiB, 0, 0 };
    hak_arena_t *a = hak_arena_create_ex(test_mem_small, REGION, HAK_ARENA_PURGEABLE | HAK_ARENA_ZEROED,
                                         &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    void *small = hak_arena_malloc(a, SIZE);
    CHECK(small != 0, "malloc failed");
    hak_stats_t st = stats(a);
    uint64_t slab_resident = st.resident_bytes;

    /* A large block: counted whole, resident or not. */
    const size_t big = 4u * M_CHUNK - M_LARGE_OFF - 1u; /* a 4-chunk run */
    void *b = hak_arena_malloc(a, big);
    CHECK(b != 0, "large malloc failed");
    st = stats(a);
    CHECK_EQ(st.large_allocs, 1, "large blocks allocated");
    CHECK_EQ(st.large_blocks, 1, "large blocks live");
    CHECK_EQ(st.committed_bytes, 5u * M_CHUNK, "committed: a slab and a 4-chunk run");
    CHECK_EQ(st.resident_bytes, slab_resident + 4u * M_CHUNK, "resident: the run counts whole");
    hak_arena_free(a, b);
    st = stats(a);
    CHECK_EQ(st.large_allocs, 1, "large_allocs counts allocations, not live blocks");
    CHECK_EQ(st.large_blocks, 0, "large blocks live after the free");
    CHECK_EQ(st.committed_bytes, M_CHUNK, "committed after the free");
    CHECK_EQ(st.committed_peak, 5u * M_CHUNK, "committed_peak keeps the peak");
    CHECK_EQ(st.dirty_bytes, 4u * M_CHUNK, "the run is free, not purged (below purge_high)");
    CHECK_EQ(st.resident_bytes, slab_resident + 4u * M_CHUNK, "free chunks count until purged");
    CHECK_EQ(st.purges + st.purged_bytes, 0, "purged below purge_high");

    /* Past purge_high: purged to purge_low; the peak stays. */
    static void *runs[6];
    for (unsigned i = 0; i < 6; i++) {
        runs[i] = hak_arena_malloc(a, big);
        CHECK(runs[i] != 0, "large malloc failed");
    }
    uint64_t peak = stats(a).resident_peak;
    for (unsigned i = 0; i < 6; i++)
        hak_arena_free(a, runs[i]);
    st = stats(a);
    CHECK_CMP(test_purge_calls(), >, 0, "no purge past purge_high");
    CHECK_EQ(st.purges, test_purge_calls(), "purges: the platform's purge calls");
    CHECK_EQ(st.purged_bytes, test_purge_bytes(), "purged_bytes: what the platform purged");
    CHECK_CMP(st.dirty_bytes, <=, 512u * KiB, "dirty bytes above purge_low after a purge");
    CHECK_EQ(st.resident_bytes, st.committed_bytes + st.dirty_bytes - (M_CHUNK - slab_resident),
             "resident: committed and dirty, less the untouched part of the slab");
    CHECK_EQ(st.resident_peak, peak, "resident_peak after the purge");
    CHECK_EQ(st.large_allocs, 7, "large blocks allocated in all");
    hak_arena_free(a, small);
    hak_arena_destroy(a);
}

void test_stats_report(void)
{
    hak_arena_params_t bad = { 1u * MiB, 512u * KiB, 0, 4u };
    CHECK(hak_arena_create_ex(test_mem_small, REGION, 0, &bad) == 0, "unknown report bits accepted");
    const hak_arena_params_t params = { 1u * MiB, 512u * KiB, 250, HAK_REPORT_SETTINGS | HAK_REPORT_STATS };
    test_output_clear();
    hak_arena_t *a = hak_arena_create_ex(test_mem_small, REGION, HAK_ARENA_PURGEABLE, &params);
    CHECK(a != 0, "hak_arena_create_ex failed");
    CHECK(test_output_has("hakmem arena 0x"), "no settings line at creation");
    CHECK(test_output_has("settings: region 8.0 MiB (8388608), purge threshold 1.0 MiB (1048576), "
                          "warm reserve 512.0 KiB (524288), purge delay 250 ms, purgeable"),
          "the settings line");
    void *p = hak_arena_malloc(a, SIZE);
    CHECK(p != 0, "malloc failed");
    test_output_clear();
    hak_arena_destroy(a);
    CHECK(test_output_has("statistics at hak_arena_destroy\nclass  size"), "no table at destroy");
    CHECK(test_output_has("\n    6   111    112      1             1"), "the table's row");
    CHECK(test_output_has("caches_released  0\n"), "the table's last total");
}
