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
#define OCTAVE(p) CLASS((p) * 5 / 4), CLASS((p) * 6 / 4), CLASS((p) * 7 / 4), CLASS((p) * 2)

const hak_class_geom_t hak_geom[HAK_NUM_CLASSES] = {
    CLASS8(0), CLASS8(128), CLASS8(256), CLASS8(384),
    CLASS8(512), CLASS8(640), CLASS8(768), CLASS8(896),
    CLASS(1024),
    OCTAVE(1024), OCTAVE(2048), OCTAVE(4096), OCTAVE(8192), OCTAVE(16384),
};

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
        if (!ok)
            return c + 1u;
    }
    return 0;
}
#endif /* HAK_WITH_CHECK */
