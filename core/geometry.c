/* geometry.c - the size-class table (see geometry.h for the layout). */
#include "config.h"
#include "geometry.h"

#define STRIDE(g) ((uint32_t)(g) + 16u)
/* Smallest slab (64 KiB .. 1 MiB) that holds at least 16 blocks. */
#define FITS(s, shift) ((s) * 16u + HAK_SLAB_DATA_OFF <= (1u << (shift)))
#define SHIFT(s) (FITS(s, 16) ? 16u : FITS(s, 17) ? 17u : FITS(s, 18) ? 18u \
                  : FITS(s, 19) ? 19u : 20u)
#define CAP(s) (((1u << SHIFT(s)) - HAK_SLAB_DATA_OFF) / (s))
#define CLAMP(v, lo, hi) ((v) < (lo) ? (lo) : (v) > (hi) ? (hi) : (v))
#define BATCH(s) CLAMP(HAK_BATCH_BYTES / (s), 4u, 64u)
/* A bin's capacity grows to HAK_CACHE_CLASS_BYTES of blocks, at most
 * HAK_CACHE_LIMIT_MAX blocks, never below the starting capacity. */
#define LIMIT(s) CLAMP(HAK_CACHE_CLASS_BYTES / (s), 2u * BATCH(s), HAK_CACHE_LIMIT_MAX)
#define RECIP(s) ((((uint64_t)1 << 40) + (s) - 1) / (s))
#define CLASS(g) { STRIDE(g), STRIDE(g) - 1u, SHIFT(STRIDE(g)), CAP(STRIDE(g)), \
                   BATCH(STRIDE(g)), 2u * BATCH(STRIDE(g)), LIMIT(STRIDE(g)), \
                   RECIP(STRIDE(g)) }
#define CLASS8(g) CLASS(g), CLASS((g) + 16), CLASS((g) + 32), CLASS((g) + 48), \
                  CLASS((g) + 64), CLASS((g) + 80), CLASS((g) + 96), CLASS((g) + 112)
/* Mid classes keep at least HAK_MID_CACHE_MIN blocks in a cache, as far
 * as HAK_MID_CACHE_FLOOR_BYTES of them allow, and never fewer than two
 * batches. */
#define MFLOOR(s) (HAK_MID_CACHE_FLOOR_BYTES / (s) < HAK_MID_CACHE_MIN \
                   ? HAK_MID_CACHE_FLOOR_BYTES / (s) : HAK_MID_CACHE_MIN)
#define MCACHE(s) (2u * BATCH(s) > MFLOOR(s) ? 2u * BATCH(s) : MFLOOR(s))
/* ... and may grow to LIMIT, or stay at that floor when it is higher. */
#define MLIMIT(s) (LIMIT(s) > MCACHE(s) ? LIMIT(s) : MCACHE(s))
#define MCLASS(g) { STRIDE(g), STRIDE(g) - 1u, SHIFT(STRIDE(g)), CAP(STRIDE(g)), \
                    BATCH(STRIDE(g)), MCACHE(STRIDE(g)), MLIMIT(STRIDE(g)), \
                    RECIP(STRIDE(g)) }
#define OCTAVE(p) MCLASS((p) * 5 / 4), MCLASS((p) * 6 / 4), MCLASS((p) * 7 / 4), MCLASS((p) * 2)

const hak_class_geom_t hak_geom[HAK_NUM_CLASSES] = {
    CLASS8(0), CLASS8(128), CLASS8(256), CLASS8(384),
    CLASS8(512), CLASS8(640), CLASS8(768), CLASS8(896),
    CLASS(1024),
    OCTAVE(1024), OCTAVE(2048), OCTAVE(4096), OCTAVE(8192), OCTAVE(16384),
};

/* The mid class of x = size - 16 (x >= 1024): four classes per power of
 * two, the first ending at 1.25 times it. MID_LOG2 is floor(log2(x)). */
#define MID_LOG2(x) ((x) >= 16384u ? 14u : (x) >= 8192u ? 13u : (x) >= 4096u ? 12u \
                     : (x) >= 2048u ? 11u : 10u)
#define MID_CLASS(x) (HAK_NUM_SMALL + (MID_LOG2(x) - 10u) * 4u + ((x) >> (MID_LOG2(x) - 2u)) - 4u)
/* Entry i serves x in [256 i, 256 i + 255]; below 1024 (sizes of small
 * classes), the first mid class. */
#define MIDX(i) (uint8_t)((i) < 4u ? HAK_NUM_SMALL : MID_CLASS((i) * 256u))
#define MIDX8(i) MIDX(i), MIDX((i) + 1u), MIDX((i) + 2u), MIDX((i) + 3u), \
                 MIDX((i) + 4u), MIDX((i) + 5u), MIDX((i) + 6u), MIDX((i) + 7u)
#define MIDX32(i) MIDX8(i), MIDX8((i) + 8u), MIDX8((i) + 16u), MIDX8((i) + 24u)

const uint8_t hak_mid_class_of[HAK_MID_INDEX(HAK_MID_MAX) + 1u] = {
    MIDX32(0u), MIDX32(32u), MIDX32(64u), MIDX32(96u),
};

#define MGEOM(g) { ~(((uint64_t)1 << SHIFT(STRIDE(g))) - 1u), RECIP(STRIDE(g)) << 24 }
#define MGEOMS(p) MGEOM((p) * 5 / 4), MGEOM((p) * 6 / 4), MGEOM((p) * 7 / 4), MGEOM((p) * 2)

/* Entries HAK_NUM_SMALL .. HAK_NUM_CLASSES - 1 in order; the rest zero. */
const hak_mid_geom_t hak_mid_geom[HAK_MID_GEOM_ENTRIES] = {
    [HAK_NUM_SMALL] = MGEOMS(1024), MGEOMS(2048), MGEOMS(4096), MGEOMS(8192), MGEOMS(16384),
};

_Static_assert(HAK_MID_INDEX(HAK_MID_MAX) + 1u == 128u, "mid class table size");
_Static_assert(MID_CLASS(32767u) == HAK_NUM_CLASSES - 1u, "last mid class");

_Static_assert(sizeof hak_geom / sizeof hak_geom[0] == HAK_NUM_CLASSES,
               "class table size");
_Static_assert(STRIDE(1024) - 1u == HAK_SMALL_MAX, "last small class");
_Static_assert(STRIDE(32768) - 1u == HAK_MID_MAX, "last mid class");
_Static_assert(CAP(STRIDE(32768)) >= 16u, "largest class fits its slab");
_Static_assert(HAK_SLAB_DATA_OFF % 16u == 0u, "blocks stay 16-aligned");
_Static_assert(BATCH(16u) <= 255u, "a bin's refill request fits its 8 bits");
_Static_assert(SHIFT(STRIDE(1024)) == HAK_CHUNK_SHIFT,
               "every small slab is one chunk (the free fast path relies on it)");

#if HAK_WITH_CHECK
/* The mid-only invariants: hak_mid_class_of maps every size of class c
 * to c, and hak_free_mid may skip the range test (an offset before the
 * first block, wrapped, is never a block start). */
static int mid_class_ok(unsigned c)
{
    const hak_class_geom_t *g = &hak_geom[c];
    if ((g->usable - 15u) % 256u != 0u || g->stride <= HAK_SLAB_DATA_OFF
        || hak_mid_geom[c].slab_mask != ~(((uint64_t)1 << g->slab_shift) - 1u)
        || hak_mid_geom[c].recip24 != g->recip << 24)
        return 0;
    for (uint32_t i = HAK_MID_INDEX(hak_geom[c - 1u].usable + 1u); i <= HAK_MID_INDEX(g->usable); i++)
        if (hak_mid_class_of[i] != c)
            return 0;
    for (uint64_t k = 16u; k <= HAK_SLAB_DATA_OFF; k += 16u)
        if (hak_mid_block_start(c, (uint64_t)0 - k))
            return 0;
    return 1;
}

/* Every entry of hak_mid_geom that is not a mid class's is zero. */
static int mid_geom_rest_zero(void)
{
    for (unsigned i = 0; i < HAK_MID_GEOM_ENTRIES; i++)
        if ((i < HAK_NUM_SMALL || i >= HAK_NUM_CLASSES)
            && (hak_mid_geom[i].slab_mask != 0u || hak_mid_geom[i].recip24 != 0u))
            return 0;
    return 1;
}

unsigned hak_geometry_check(void)
{
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        const hak_class_geom_t *g = &hak_geom[c];
        uint64_t slab = (uint64_t)1 << g->slab_shift;
        int ok = g->stride % 16u == 0 && g->usable == g->stride - 1u
                 && g->capacity >= 16u
                 && HAK_SLAB_DATA_OFF + (uint64_t)g->capacity * g->stride <= slab
                 && (c == 0 || g->stride > hak_geom[c - 1].stride)
                 && g->cache_max >= g->batch && g->batch > 0
                 && g->cache_limit >= g->cache_max && g->cache_limit <= HAK_CACHE_LIMIT_MAX
                 && hak_size_class(g->usable) == c
                 && (c == 0 || hak_size_class(hak_geom[c - 1].usable + 1u) == c)
                 && hak_geom_is_block_start(c, 0)
                 && hak_geom_is_block_start(c, (uint64_t)(g->capacity - 1u) * g->stride)
                 && !hak_geom_is_block_start(c, g->stride + 8u);
        if (!ok || (c >= HAK_NUM_SMALL && !mid_class_ok(c)))
            return c + 1u;
    }
    return mid_geom_rest_zero() ? 0u : HAK_NUM_CLASSES + 1u;
}
#endif /* HAK_WITH_CHECK */
