/*
 * slab_tag_api.c - the chunk table's slab tags follow the slabs.
 *
 * The small free path checks a block's class against the tag the chunk
 * table holds for the block's chunk (core/chunks.h). Proves, in a private
 * arena, whose calls use no cache (every free goes straight to its slab,
 * so an emptied slab goes back to the arena at once):
 *   - slabs of one class, emptied, give their chunks back (committed bytes
 *     fall by at least two chunks) and hak_arena_check passes: no tag is
 *     left on a free chunk, and every slab's chunk carries its tag;
 *   - the chunks, reused by slabs of another class and by a large block,
 *     serve blocks that are written and freed, and the check passes after
 *     each step.
 */
#include <stdint.h>
#include <string.h>
#include "hakmem.h"
#include "testlib.h"

#define CHUNK ((size_t)65536)
#define NBIG 256   /* 1000-byte blocks: four slabs or more */
#define NSMALL 2000

static unsigned char region[(size_t)8 << 20] __attribute__((aligned(65536)));
static void *big[NBIG], *small[NSMALL];

static uint64_t committed(hak_arena_t *a)
{
    hak_arena_stats_t st;
    CHECK(hak_arena_stats(a, &st) == 0, "hak_arena_stats");
    return st.committed_bytes;
}

int main(void)
{
    hak_arena_t *a = hak_arena_create(region, sizeof region, 0);
    CHECK(a != NULL, "hak_arena_create over a static buffer");

    for (int i = 0; i < NBIG; i++) {
        big[i] = hak_arena_malloc(a, 1000);
        CHECK(big[i] != NULL, "malloc 1000 #%d", i);
        memset(big[i], 0x5a, 1000);
    }
    uint64_t full = committed(a);
    CHECK(hak_arena_check(a) == 0, "check with %d blocks of 1000 bytes live", NBIG);
    for (int i = 0; i < NBIG; i++)
        hak_arena_free(a, big[i]);
    uint64_t emptied = committed(a);
    CHECK(emptied + 2u * CHUNK <= full, "emptied slabs went back (committed %llu -> %llu)",
          (unsigned long long)full, (unsigned long long)emptied);
    CHECK(hak_arena_check(a) == 0, "check after the slabs went back");

    for (int i = 0; i < NSMALL; i++) {
        small[i] = hak_arena_malloc(a, 48);
        CHECK(small[i] != NULL, "malloc 48 #%d", i);
        memset(small[i], 0xa5, 48);
    }
    CHECK(hak_arena_check(a) == 0, "check with the chunks reused by another class");
    for (int i = 0; i < NSMALL; i += 2)
        hak_arena_free(a, small[i]);
    CHECK(hak_arena_check(a) == 0, "check with half of them freed");

    void *large = hak_arena_malloc(a, 4u * CHUNK);
    CHECK(large != NULL, "large block of four chunks");
    memset(large, 0x3c, 4u * CHUNK);
    CHECK(hak_arena_check(a) == 0, "check with a large block live");
    hak_arena_free(a, large);
    for (int i = 1; i < NSMALL; i += 2)
        hak_arena_free(a, small[i]);
    CHECK(hak_arena_check(a) == 0, "check at the end");
    hak_arena_destroy(a);
    printf("slab tags: %llu bytes went back with the slabs; checks passed\n",
           (unsigned long long)(full - emptied));
    return 0;
}
