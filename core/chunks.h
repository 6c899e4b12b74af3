/*
 * chunks.h - the chunk allocator inside an arena: hands out runs of
 * HAK_CHUNK_SIZE chunks (slabs and large blocks) from the arena's data area,
 * coalesces freed runs, and purges dirty free runs in bulk.
 *
 * The data area is [base, base + nchunks * HAK_CHUNK_SIZE), base aligned to
 * HAK_CHUNK_SIZE. A growable arena backs only the first `nchunks` of its
 * `max_chunks`; when a run does not fit, the allocator asks `grow` (the
 * arena's, see heap.h) for more, with its lock held.
 */
#ifndef HAKMEM_CHUNKS_H
#define HAKMEM_CHUNKS_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "lock.h"

/* Most chunks one arena can describe (run lengths have 28 bits). */
#define HAK_CHUNKS_MAX (((uint32_t)1 << 28) - 1u)

/* One entry per chunk (see chunks.c for the encoding of `word`). */
typedef struct hak_chunk_entry {
    uint32_t word;
    uint32_t prev;             /* free extent head: previous on its bin list;
                                * used run head: the run's length */
    uint32_t next;             /* free extent head: next on its bin list */
    uint32_t slab_tag;         /* a slab's first chunk: its slab tag (set and
                                * cleared by central.c); 0 otherwise. The
                                * small free fast path reads it here, in a
                                * dense table, rather than in the slab
                                * header: headers are 64 KiB apart, so they
                                * all fall in the same set of every cache
                                * indexed below 64 KiB and evict each other */
} hak_chunk_entry_t;

_Static_assert(sizeof(hak_chunk_entry_t) == 16u, "a chunk entry is found with one shift");

typedef struct hak_chunks hak_chunks_t;

/* Makes chunks [c->nchunks, want) usable (want <= max_chunks) and raises
 * c->nchunks to at least want. Called with c->lock held. Returns 0, or -1
 * when the platform cannot provide the memory. */
typedef int (*hak_chunks_grow_fn)(hak_chunks_t *c, uint32_t want);

struct hak_chunks {
    hak_lock_t lock;
    uintptr_t base;            /* address of chunk 0 */
    uint32_t nchunks;          /* chunks backed by memory (atomic reads) */
    uint32_t max_chunks;       /* chunks the table can describe */
    uint32_t top;              /* chunks at and above it were never used */
    uint8_t fresh_zeroed;      /* never-used chunks read as zero */
    uint8_t can_purge;         /* dirty runs may go to hak_plat_purge */
    uint8_t want_purger;       /* dirty reached HAK_PURGER_MIN_DIRTY once */
    uint8_t purged_zero;       /* purged runs read as zero */
    hak_chunk_entry_t *tab;    /* max_chunks entries */
    hak_chunks_grow_fn grow;   /* NULL: the area is fixed */
    uint32_t bins[32];         /* free extents by floor(log2(length)) */
    size_t used, dirty, limit, purged_total, large_live, large_bytes;
    /* Statistics (hak_stats_t): the peak of `used`; used + dirty, published
     * for readers without the lock; bytes of slab pages known not resident
     * (never touched or purged; kept by the slabs' classes, atomic); the
     * peak of used + dirty - cold; purge calls; large runs allocated. */
    size_t used_peak, held;
    uint64_t cold, resident_peak, purges, large_allocs;
    size_t purge_high, purge_low; /* volume rule (bytes), its least bounds */
    uint32_t decay_ms;         /* decay epoch; 0: no decay */
    size_t peak_epoch, peak_last; /* peak of `used` this epoch and the last */
    uint64_t epoch_ms;         /* start of the decay epoch */
};

/* The table entry of the chunk holding address p (inside the data area). */
static inline hak_chunk_entry_t *hak_chunks_entry(hak_chunks_t *c, uintptr_t p)
{
    return &c->tab[(p - c->base) >> HAK_CHUNK_SHIFT];
}

/* Bytes of table a data area of n chunks needs. */
static inline size_t hak_chunks_table_bytes(uint32_t n)
{
    return (size_t)n * sizeof(hak_chunk_entry_t);
}

/* Sets the allocator up over the data area at `base` (HAK_CHUNK_SIZE
 * aligned) with `backed` of `max` chunks usable now, and its table at `tab`
 * (hak_chunks_table_bytes(max) bytes, of which only the entries of backed
 * chunks are ever touched). `zeroed`: never-used chunks read as zero;
 * `can_purge`: free runs may be purged. The purge parameters are set by the
 * caller afterwards. */
void hak_chunks_init(hak_chunks_t *c, uintptr_t base, uint32_t backed, uint32_t max,
                     hak_chunk_entry_t *tab, int zeroed, int can_purge, hak_chunks_grow_fn grow);

/* Takes n chunks whose start address is a multiple of `align` bytes (a power
 * of two). Marks them as a slab run or a large run. Sets *zeroed to 1 when
 * the memory is known to read as zero. Returns the address, or 0 when the
 * area or the limit is exhausted. */
uintptr_t hak_chunks_alloc(hak_chunks_t *c, uint32_t n, size_t align, int large, int *zeroed);

/* Gives back the run of n chunks at addr (from hak_chunks_alloc). */
void hak_chunks_free(hak_chunks_t *c, uintptr_t addr, uint32_t n);

/* Tries to grow the large run at addr from n to want chunks in place.
 * Returns 1 on success, 0 when the following chunks are not free. */
int hak_chunks_grow(hak_chunks_t *c, uintptr_t addr, uint32_t n, uint32_t want);

/* Shrinks the large run at addr from n to keep chunks (0 < keep < n) in
 * place: the tail becomes a free extent, purged at once when the area may
 * be purged (so that a shrinking realloc gives its memory back now). */
void hak_chunks_shrink(hak_chunks_t *c, uintptr_t addr, uint32_t n, uint32_t keep);

/* Finds the large run containing p. Returns its address and stores its
 * length in *n, or returns 0 if p is not inside a live large run. No lock:
 * the entries of a live run do not change until it is freed. */
uintptr_t hak_chunks_large_run(hak_chunks_t *c, uintptr_t p, uint32_t *n);

/* Ends the decay epoch if it is over: purges the dirty free extents that
 * stayed untouched through all of it, down to the warm reserve: purge_low,
 * or a quarter of the bytes in use when that is less (a heap that shrank
 * keeps little). Memory freed and reused within an epoch stays; memory
 * left free goes back one to two epochs after it was freed. Cheap when the
 * epoch is not over (a clock read, no lock). Called from the caches' refill and flush paths so that a program
 * that allocates at all gives memory back. */
void hak_chunks_tick(hak_chunks_t *c);

/* Purges dirty free runs until at most `keep` dirty bytes remain. Returns
 * the bytes purged (0 when the area may not be purged). Takes the lock. */
size_t hak_chunks_purge(hak_chunks_t *c, size_t keep);

/* Adds `bytes` (negative: removes them) to the count of slab pages known
 * not resident (statistics: resident_bytes and its peak). Called under a
 * class lock (not the chunk lock). */
#if HAK_WITH_STATS
void hak_chunks_cold_add(hak_chunks_t *c, int64_t bytes);
#else
static inline void hak_chunks_cold_add(hak_chunks_t *c, int64_t bytes)
{
    (void)c;
    (void)bytes;
}
#endif

/* Records the peaks of the figures as they are now (the lock held). */
void hak_chunks_note_peaks(hak_chunks_t *c);

/* Checks the table and free lists; reports each broken invariant.
 * Returns the number found. Takes the lock. */
unsigned hak_chunks_check(hak_chunks_t *c);

#endif /* HAKMEM_CHUNKS_H */
