/*
 * geometry.c - the mid free path's table (core/geometry.h, hak_mid_geom):
 * indexed by the decoded header byte, it must give every mid class its
 * slab mask and an exact block-boundary test, and every other byte a zero
 * entry, which the free path relies on to send those bytes elsewhere
 * without a class test of its own.
 */
#include "harness.h"
#include "../../core/geometry.h"

void test_geometry_mid_table(void)
{
    CHECK_EQ(hak_geometry_check(), 0, "the geometry table's self-check");
    for (unsigned c = 0; c < HAK_MID_GEOM_ENTRIES; c++) {
        const hak_mid_geom_t *g = &hak_mid_geom[c];
        if (c < HAK_NUM_SMALL || c >= HAK_NUM_CLASSES) {
            CHECK(g->slab_mask == 0 && g->recip24 == 0, "an entry that is not a mid class's is not zero");
            continue;
        }
        uint64_t slab = (uint64_t)1 << hak_geom[c].slab_shift;
        uint32_t stride = hak_geom[c].stride;
        CHECK(g->slab_mask == ~(slab - 1u), "a mid class's slab mask");
        /* Exact at every 16-byte offset of the slab, and never true for
         * an offset before the first block (wrapped below 0). */
        for (uint64_t off = 0; off < slab; off += 16u)
            CHECK_EQ(hak_mid_block_start(c, off), off % stride == 0,
                     "the boundary test disagrees with off % stride");
        for (uint64_t k = 16u; k <= HAK_SLAB_DATA_OFF; k += 16u)
            CHECK(!hak_mid_block_start(c, (uint64_t)0 - k), "an offset before the first block passes");
    }
}
