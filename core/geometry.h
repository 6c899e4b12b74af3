/*
 * geometry.h - the one definition of block layout per size class.
 *
 * A small or mid block of class c occupies `stride` bytes of its slab. The
 * user pointer is 16-byte aligned; the byte just before it (the last byte of
 * the previous granule) is the block's header. So the usable size is
 * stride - 1, and block i of a slab starts at slab + HAK_SLAB_DATA_OFF +
 * i * stride. Carving, refill, capacity, validation and usable-size queries
 * all read hak_geom[]; nothing else knows a block's size.
 */
#ifndef HAKMEM_GEOMETRY_H
#define HAKMEM_GEOMETRY_H

#include <stddef.h>
#include <stdint.h>

/* Classes 0..64 are small (stride 16..1040 in steps of 16); 65..84 are mid
 * (four per power of two up to a usable size of 32783). */
#define HAK_NUM_SMALL 65
#define HAK_NUM_CLASSES 85
#define HAK_SMALL_MAX 1039u    /* largest usable size of a small class */
#define HAK_MID_MAX 32783u     /* largest usable size of any class */
/* Slab metadata lives below the first block. 144 = 16 mod 64: for strides
 * that are multiples of 64, a block's header byte then shares the cache
 * line of the block's first bytes instead of the previous block's last
 * line (larson, 2 threads: +4 % ops/s). */
#define HAK_SLAB_DATA_OFF 144u

typedef struct hak_class_geom {
    uint32_t stride;     /* bytes per block, header byte included */
    uint32_t usable;     /* bytes the user may write: stride - 1 */
    uint32_t slab_shift; /* log2 of the slab size; slabs are self-aligned */
    uint32_t capacity;   /* blocks in one slab */
    uint32_t batch;      /* blocks moved per refill or flush */
    uint32_t cache_max;  /* blocks a thread cache keeps before a flush, to
                          * begin with */
    uint32_t cache_limit; /* blocks a bin that keeps cycling between empty
                           * and full may grow to keep (heap.c):
                           * HAK_CACHE_CLASS_BYTES of blocks, at least
                           * cache_max */
    uint64_t recip;      /* ceil(2^40 / stride): exact block-boundary test */
} hak_class_geom_t;

extern const hak_class_geom_t hak_geom[HAK_NUM_CLASSES]
    __attribute__((visibility("hidden")));

/* Mid classes by (size - 16) >> 8: every mid class's usable size is 15
 * more than a multiple of 256, so one entry per 256 bytes is exact. Entries
 * below HAK_SMALL_MAX + 1 are never read. */
#define HAK_MID_INDEX(size) (((size) - 16u) >> 8)
extern const uint8_t hak_mid_class_of[HAK_MID_INDEX(HAK_MID_MAX) + 1u]
    __attribute__((visibility("hidden")));

/* Returns the smallest class whose usable size is >= size.
 * Precondition: HAK_SMALL_MAX < size <= HAK_MID_MAX. */
static inline unsigned hak_mid_size_class(size_t size)
{
    return hak_mid_class_of[HAK_MID_INDEX(size)];
}

/* Returns the smallest class whose usable size is >= size.
 * Precondition: size <= HAK_MID_MAX. */
static inline unsigned hak_size_class(size_t size)
{
    if (size <= HAK_SMALL_MAX)
        return (unsigned)(size >> 4);
    return hak_mid_size_class(size);
}

/* What the mid free path reads of a class, side by side, indexed by the
 * decoded header byte itself (0..255), so that one table read both tells a
 * mid class from any other header and gives its geometry: the slab of a
 * mid block is p & slab_mask, one load where the shift costs three; and
 * offset `off` from the first block is a block start when
 * (off * recip24) >> 44 == 0 (hak_geom_is_block_start with the mask test
 * folded into the multiplier: recip24 is hak_geom[c].recip << 24). Every
 * entry that is not a mid class's is zero: slab_mask 0 puts the slab at
 * address 0, below any arena, so the free path's range test fails it. */
typedef struct hak_mid_geom {
    uint64_t slab_mask;  /* ~(slab size - 1); 0 for a header that is not
                          * a mid class's */
    uint64_t recip24;
} hak_mid_geom_t;

#define HAK_MID_GEOM_ENTRIES 256u
extern const hak_mid_geom_t hak_mid_geom[HAK_MID_GEOM_ENTRIES]
    __attribute__((visibility("hidden")));

/* Returns 1 if offset `off` from the first block of a class-c slab is the
 * start of a block, 0 otherwise. Exact for off < 2^20. */
static inline int hak_geom_is_block_start(unsigned c, uint64_t off)
{
    return ((off * hak_geom[c].recip) & ((1ull << 40) - 1)) < (1ull << 20);
}

/* hak_geom_is_block_start for a mid class c, from hak_mid_geom: bits 20
 * to 39 of off * recip are bits 44 to 63 of off * (recip << 24). */
static inline int hak_mid_block_start(unsigned c, uint64_t off)
{
    return (off * hak_mid_geom[c].recip24) >> 44 == 0;
}

/* Checks the table's invariants (stride a multiple of 16, usable = stride-1,
 * increasing, blocks fit their slab, at least 16 per slab, size_class maps
 * every size to the tightest class). Returns 0 when they hold, otherwise the
 * index of the first bad class plus one. */
unsigned hak_geometry_check(void);

#endif /* HAKMEM_GEOMETRY_H */
