/*
 * classes.c - a 1 MiB arena asked for blocks of every one of the 85 size
 * classes (each request the largest size of its class: 15, 31, ..., 1039,
 * then the mid sizes up to 32783; debug builds ask 3 bytes less, for the
 * canary). The region holds 15 chunks of 64 KiB after its metadata, fewer
 * than there are classes, and the mid classes above 4 KiB want slabs of 2
 * to 16 chunks aligned to their size. So most classes cannot get a slab of
 * their own; the arena degrades gracefully: a class that cannot get a slab
 * takes a free block of a larger class, else a run of chunks (any request
 * up to 32783 bytes fits one chunk), after giving back the empty slabs it
 * kept. It returns NULL only when there is no room for the request:
 *   - no chunk is free, and
 *   - no class at or above the request's has a free block (slabs hold
 *     blocks of one class; a smaller class's free blocks cannot serve it).
 * The tests check exactly that at every NULL, against their own model of
 * where the blocks are (model.h: which slab a block lies in, how many
 * blocks a slab holds), cross-checked with hak_arena_stats.
 *
 * When a request is served by a larger class (or a run), the tests also
 * check that it was the closest one: no class in between had a free block.
 *
 * How many requests are served depends on the order (and on the region's
 * placement: it starts on a 1 MiB boundary, so one 512 KiB-aligned run of
 * 8 chunks exists in it). Largest first, the big classes' slabs take every
 * chunk and the smaller requests live on their blocks; smallest first, the
 * first 15 classes take a chunk each and every larger request finds no
 * room, though nearly all of the region is free blocks of smaller classes.
 * The figures are printed; only the room rule is asserted.
 */
#include "harness.h"
#include "model.h"

#define REGION (1u * MiB)
#define MAXB 8192u
#define MAX_SLABS 16u

typedef struct live {
    unsigned char *p;
    size_t n;
    unsigned cls; /* M_CLASSES: a large run */
} live_t;

typedef struct room_model {
    hak_arena_t *a;
    uint64_t data_bytes;             /* chunks of the region */
    unsigned nblocks;
    live_t blocks[MAXB];
    uint32_t live[M_CLASSES];        /* live blocks per class */
    uint32_t nslabs[M_CLASSES];
    uintptr_t slabs[M_CLASSES][MAX_SLABS];
    uint64_t run_bytes;              /* large runs */
    uint64_t last_in_use;
    unsigned served, nulls;
} room_model_t;

static room_model_t M;

static size_t class_request(unsigned c)
{
    return model_class_usable(c) - (HAK_DEBUG ? 3u : 0u);
}

static hak_arena_stats_t stats(void)
{
    hak_arena_stats_t st;
    CHECK_EQ(hak_arena_stats(M.a, &st), 0, "stats");
    return st;
}

static void model_start(void)
{
    __builtin_memset(&M, 0, sizeof M);
    M.a = hak_arena_create(test_mem_big, REGION, 0);
    CHECK(M.a != 0, "hak_arena_create failed");
    hak_arena_stats_t st = stats();
    /* Before any slab, all metadata is the fixed part: state, table,
     * alignment, the tail after the last chunk. */
    M.data_bytes = st.reserved_bytes - st.meta_bytes;
    CHECK_EQ(M.data_bytes % M_CHUNK, 0, "data area not whole chunks");
    CHECK_EQ(st.free_bytes, M.data_bytes, "a new arena's chunks are not all free");
}

/* Which class's slab (or a run) served p: the bytes it added to in_use
 * tell (a slab block adds its stride, a run its length); the usable size
 * must agree. */
static void record(unsigned char *p, size_t n)
{
    hak_arena_stats_t st = stats();
    uint64_t delta = st.in_use_bytes - M.last_in_use;
    M.last_in_use = st.in_use_bytes;
    size_t u = hak_arena_usable_size(M.a, p);
    CHECK_CMP(u, >=, n, "usable size below the request");
    unsigned cls = M_CLASSES;
    for (unsigned k = 0; k < M_CLASSES; k++)
        if (model_class_stride(k) == delta)
            cls = k;
    CHECK(M.nblocks < MAXB, "more blocks than the test can track");
    M.blocks[M.nblocks++] = (live_t){ p, n, cls };
    test_fill(p, n, M.nblocks);
    if (cls == M_CLASSES) {
        CHECK(delta % M_CHUNK == 0 && delta > 0, "in_use grew by neither a stride nor a run");
        CHECK_EQ(u, delta - M_LARGE_OFF, "a run's usable size");
        M.run_bytes += delta;
        return;
    }
    if (!HAK_DEBUG)
        CHECK_EQ(u, model_class_usable(cls), "usable size is not its class's");
    CHECK_CMP(model_class_stride(cls), >, n, "served by a class too small for the request");
    uintptr_t slab = (uintptr_t)p & ~(uintptr_t)(model_slab_bytes(cls) - 1u);
    M.live[cls]++;
    for (unsigned s = 0; s < M.nslabs[cls]; s++)
        if (M.slabs[cls][s] == slab)
            return;
    CHECK(M.nslabs[cls] < MAX_SLABS, "more slabs of one class than chunks");
    M.slabs[cls][M.nslabs[cls]++] = slab;
}

/* A NULL for a request of class c: there must be no room for it. */
static void check_no_room(unsigned c)
{
    hak_arena_stats_t st = stats();
    uint64_t slab_bytes = 0, free_block_bytes = 0;
    for (unsigned k = 0; k < M_CLASSES; k++) {
        uint64_t cap = (uint64_t)M.nslabs[k] * model_capacity(k);
        slab_bytes += (uint64_t)M.nslabs[k] * model_slab_bytes(k);
        free_block_bytes += (cap - M.live[k]) * model_class_stride(k);
        if (k >= c)
            CHECK_EQ(cap - M.live[k], 0, "NULL while a class at or above the request's has free blocks");
    }
    uint64_t free_chunks = M.data_bytes - slab_bytes - M.run_bytes;
    CHECK_EQ(free_chunks, 0, "NULL while a chunk is free");
    /* The model agrees with the arena's own count. */
    CHECK_EQ(st.slab_bytes, slab_bytes, "slab bytes: model and stats disagree");
    CHECK_EQ(st.large_bytes, M.run_bytes, "run bytes: model and stats disagree");
    CHECK_EQ(st.free_bytes, free_block_bytes + free_chunks, "free bytes: model and stats disagree");
}

/* Requests one block of class c; returns 1 when served. */
static int request(unsigned c)
{
    size_t n = class_request(c);
    uint32_t free_before[M_CLASSES];
    for (unsigned k = 0; k < M_CLASSES; k++)
        free_before[k] = M.nslabs[k] * model_capacity(k) - M.live[k];
    uint64_t oom = test_oom_calls();
    unsigned char *p = hak_arena_malloc(M.a, n);
    CHECK_EQ(test_oom_calls(), oom + (p == 0), "out_of_memory not called exactly once per NULL");
    if (!p) {
        M.nulls++;
        check_no_room(c);
        return 0;
    }
    M.served++;
    record(p, n);
    /* Degraded to a larger class (or a run): the closest one that could
     * serve; every class in between had no free block. */
    unsigned got = M.blocks[M.nblocks - 1u].cls;
    for (unsigned k = c; k < got && k < M_CLASSES; k++)
        CHECK_EQ(free_before[k], 0, "served by a larger class (or a run) while a closer class had free blocks");
    return 1;
}

static void model_finish(const char *load)
{
    test_line_t l;
    tl_start(&l, "  ");
    tl_str(&l, load);
    tl_str(&l, ": ");
    tl_u64(&l, M.served);
    tl_str(&l, " served, ");
    tl_u64(&l, M.nulls);
    tl_str(&l, " NULL (no room), usable bytes ");
    uint64_t usable = 0;
    for (unsigned i = 0; i < M.nblocks; i++)
        usable += hak_arena_usable_size(M.a, M.blocks[i].p);
    tl_pct(&l, usable, REGION);
    tl_str(&l, " of the region");
    tl_emit(&l);
    CHECK_EQ(hak_arena_check(M.a), 0, "check of the loaded arena");
    for (unsigned i = 0; i < M.nblocks; i++)
        CHECK_EQ(test_verify(M.blocks[i].p, M.blocks[i].n, i + 1u), M.blocks[i].n,
                 "a block's content changed");
    for (unsigned i = 0; i < M.nblocks; i++)
        hak_arena_free(M.a, M.blocks[i].p);
    hak_arena_stats_t st = stats();
    CHECK_EQ(st.in_use_bytes, 0, "bytes in use after freeing everything");
    CHECK_EQ(hak_arena_check(M.a), 0, "check after freeing everything");
    hak_arena_destroy(M.a);
}

void test_classes_descending(void)
{
    model_start();
    for (unsigned c = M_CLASSES; c-- > 0;)
        request(c);
    /* Largest first: the largest class takes a run (its 1 MiB slab cannot
     * fit), the next ones the 512, 256 and 128 KiB-aligned slabs, which
     * leaves no chunk; every smaller request then takes the closest larger
     * class's free block until none is left (checked per request). */
    CHECK_CMP(M.served, >=, 15u, "fewer requests served than there are chunks");
    model_finish("descending");
}

void test_classes_ascending(void)
{
    model_start();
    for (unsigned c = 0; c < M_CLASSES; c++)
        request(c);
    /* Smallest first, the first 15 classes take a chunk each for their
     * slab; from then on no class at or above the next request's has a
     * block and no chunk is free: NULL, though the region is almost all
     * free blocks of the smaller classes. check_no_room proved each NULL
     * was such a case. */
    CHECK_CMP(M.served, >=, 15u, "fewer classes served than there are chunks");
    model_finish("ascending");
}

void test_classes_random(void)
{
    model_start();
    test_rng_t r = { 85 };
    /* Random classes until the arena cannot serve even the smallest. */
    for (unsigned i = 0; i < 100000u; i++) {
        unsigned c = (unsigned)test_below(&r, M_CLASSES);
        if (!request(c) && !request(0))
            break;
    }
    CHECK_CMP(M.nulls, >, 0u, "the load never filled the arena");
    model_finish("random");
}
