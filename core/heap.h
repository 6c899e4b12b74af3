/*
 * heap.h - the core's data structures and its slow-path entry points.
 *
 * Lock order: a class lock (hak_central_t.lock) may be held while taking the
 * arena lock; never the reverse. The init lock is taken alone. Thread caches
 * are touched only by their owner (or with the owner pinned), never locked.
 */
#ifndef HAKMEM_HEAP_H
#define HAKMEM_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "geometry.h"
#include "lock.h"

/* Header byte values are stored XORed with HAK_HDR_KEY (config.h). */
#define HAK_HDR_LIVE 0x80u          /* set for a block in the user's hands */
#define HAK_CLASS_ALIGNED 126u      /* an aligned pointer inside a block */
#define HAK_CLASS_LARGE 127u        /* the user pointer of a page run */

/* Metadata at the start of every slab (slabs are aligned to their size).
 * The first cache line holds only what the free fast path reads, so that
 * refills and flushes by other threads do not invalidate it. */
typedef struct hak_slab {
    uint32_t tag;              /* HAK_SLAB_TAG(class, heap): tells a slab */
    uint16_t cls;
    uint16_t pad0;
    uint32_t capacity;
    uint8_t pad1[52];
    /* Mutable, under the class lock: */
    uint32_t carved;           /* blocks cut so far (from the front) */
    uint32_t nfree;            /* blocks on `free` */
    uintptr_t free;            /* encoded list of returned blocks */
    struct hak_slab *next, *prev; /* partial list */
    uint32_t in_partial;       /* on its class's partial list */
    uint32_t npurged;          /* free blocks in purged pages (slab_purge.h) */
    uint16_t purged;           /* purged pages, bit per 4 KiB page */
    uint16_t purge_mark;       /* purge again when blocks in use fall to half this */
} hak_slab_t;

_Static_assert(sizeof(hak_slab_t) < HAK_SLAB_DATA_OFF,
               "slab metadata leaves room for block 0's header byte");

/* Per size class state shared by all threads, under `lock`. */
typedef struct hak_central {
    hak_lock_t lock;
    uint32_t nslabs;
    uint32_t listed;           /* blocks on the free lists of its slabs */
    hak_slab_t *partial;       /* slabs with free blocks (listed or purged) */
    hak_slab_t *carving;       /* slab with uncarved blocks left, or NULL */
    hak_slab_t *empty;         /* one retained empty slab, or NULL */
    uint64_t refills, flushes;
    uint32_t nxfer;            /* full batches parked in xfer[] */
    uint32_t xfer_credit;      /* parks allowed: earned by refills, so that
                                * batches are parked only while some thread
                                * takes them (not by a thread freeing a
                                * large set, where parking would pin slabs) */
    uintptr_t xfer[HAK_XFER_SLOTS]; /* each: batch blocks, 0-terminated */
} __attribute__((aligned(64))) hak_central_t;

/* The chunk allocator over the arena (see arena.c). */
typedef struct hak_arena {
    hak_lock_t lock;
    uintptr_t base;
    size_t size;               /* bytes, a power of two */
    uint32_t nchunks;
    uint32_t top;              /* chunks at and above it were never used */
    uint32_t *map;             /* one state word per chunk */
    uint32_t *links;           /* prev,next chunk index per free extent head */
    uint32_t bins[32];         /* free extents by floor(log2(length)) */
    size_t used, dirty, limit, purged_total, large_live;
    size_t dirty_min;          /* least dirty bytes seen this decay epoch */
    uint64_t epoch_ms;         /* start of the decay epoch */
} hak_arena_t;

#define HAK_TC_NEW 0u          /* zeroed storage: set up on first slow path */
#define HAK_TC_LIVE 1u
#define HAK_TC_DEAD 2u         /* handed back at thread exit: no caching */

/* One thread's (or CPU's) cache of free blocks for one class. */
typedef struct hak_tbin {
    uintptr_t head;            /* encoded-next list of free blocks */
    uint32_t room;             /* blocks that may still be cached before a
                                * flush: hak_geom[c].cache_max - count while
                                * the cache is live, 0 otherwise */
    uint32_t refill;           /* blocks the next refill asks for (grows
                                * from HAK_BATCH_FIRST to the class's batch) */
} hak_tbin_t;

_Static_assert(sizeof(hak_tbin_t) == 16, "the allocation fast path indexes bins by size & ~15");

/* Blocks held in a bin of class c of a cache in state `state`. */
static inline uint32_t hak_tbin_count(const hak_tbin_t *bin, unsigned c, uint32_t state)
{
    return state == HAK_TC_LIVE ? hak_geom[c].cache_max - bin->room : 0u;
}

typedef struct hak_tcache {
    hak_tbin_t bins[HAK_NUM_CLASSES];
    uint32_t state;            /* HAK_TC_* */
} hak_tcache_t;


typedef struct hak_heap hak_heap_t;

/* Hooks a port sets before first use (both may be NULL). */
typedef struct hak_port_hooks {
    /* Called once per cache when it is first set up (hosted: registers the
     * thread-exit handler). */
    void (*cache_started)(hak_heap_t *heap, hak_tcache_t *cache);
    /* Called when an allocation is about to return NULL because memory is
     * exhausted (hosted: sets errno to ENOMEM). */
    void (*out_of_memory)(void);
} hak_port_hooks_t;

struct hak_heap {
    /* Read by every fast path; written once at init. */
    uintptr_t base;            /* arena base */
    uintptr_t check_mask;      /* (p - base) & check_mask != 0: not a block */
    uintptr_t ptr_key;         /* free-list encoding key */
    uint32_t slab_key;
    uint8_t ready;
    hak_port_hooks_t hooks;
    hak_lock_t init_lock;
    uint64_t threads_exited;
    hak_arena_t arena;
    hak_central_t central[HAK_NUM_CLASSES];
};

#define HAK_SLAB_TAG(heap, c) ((heap)->slab_key ^ (uint32_t)(c))

/* Reports exhaustion through the port's hook; returns NULL for the caller
 * to pass on. */
void *hak_out_of_memory(hak_heap_t *heap);

/* 1 once `heap` is set up (an acquire load: safe from any thread). */
static inline int hak_heap_ready(const hak_heap_t *heap)
{
    return __atomic_load_n(&heap->ready, __ATOMIC_ACQUIRE);
}

/* Initialises `heap` (idempotent, thread-safe). Returns 0, or -1 when no
 * address space could be reserved. */
int hak_heap_init(hak_heap_t *heap);

/* Slow path of allocation of class c: sets the cache up if needed, refills
 * it and returns a block, or NULL when memory is exhausted. */
void *hak_alloc_refill(hak_heap_t *heap, hak_tcache_t *cache, unsigned c);

/* Slow path of free for a small or mid block of class c that the fast path
 * validated: sets the cache up or flushes a batch, then caches p. */
void hak_free_overflow(hak_heap_t *heap, hak_tcache_t *cache, void *p, unsigned c);

/* Allocation of a mid size (HAK_SMALL_MAX < size <= HAK_MID_MAX). */
void *hak_alloc_mid(hak_heap_t *heap, hak_tcache_t *cache, size_t size);

/* Free of anything the small fast path does not take: a mid block (fully
 * checked against its slab), or what hak_free_special handles. `c` is the
 * decoded header (hak_hdr_decode_live). */
void hak_free_other(hak_heap_t *heap, hak_tcache_t *cache, void *p, unsigned c);

/* Frees a pointer the fast path did not recognise as a live small block:
 * NULL, a large block, an aligned pointer, or a fault (reported, fatal). */
void hak_free_special(hak_heap_t *heap, hak_tcache_t *cache, void *p);

/* Allocation for sizes above HAK_MID_MAX (alignment 16). NULL when
 * exhausted. */
void *hak_alloc_large(hak_heap_t *heap, size_t size);

/* Allocates size bytes aligned to align (power of two). NULL when exhausted
 * or size overflows. */
void *hak_alloc_aligned(hak_heap_t *heap, hak_tcache_t *cache, size_t align, size_t size);

/* Usable bytes of a block hakmem handed out; reports a foreign pointer. */
size_t hak_block_usable(hak_heap_t *heap, const void *p);

/* Resizes p (non-NULL, new_size > 0). NULL when exhausted, p untouched. */
void *hak_resize(hak_heap_t *heap, hak_tcache_t *cache, void *p, size_t new_size);

/* Returns every cached block of `cache` to the heap; the cache stays live
 * (only its owner may call this). */
void hak_cache_flush(hak_heap_t *heap, hak_tcache_t *cache);

/* Returns every cached block of `cache` to the heap and marks it dead, so
 * that later use from the same thread bypasses caching. */
void hak_cache_release(hak_heap_t *heap, hak_tcache_t *cache);

/* Releases retained empty slabs and purges every dirty free chunk. Returns
 * the bytes purged. */
size_t hak_heap_trim(hak_heap_t *heap);

/* Walks the geometry table, the chunk map and every class's slabs and free
 * lists. Returns the number of broken invariants (each reported). */
unsigned hak_heap_check(hak_heap_t *heap);

/* Walks the lists of one cache (only its owner may call this). Returns the
 * number of broken invariants (each reported). */
unsigned hak_cache_check(hak_heap_t *heap, hak_tcache_t *cache);

#endif /* HAKMEM_HEAP_H */
