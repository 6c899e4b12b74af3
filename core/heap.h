/*
 * heap.h - the core's data structures and its slow-path entry points.
 *
 * Lock order: init lock, then class locks (hak_central_t.lock) in class
 * order, then the chunk lock (hak_chunks_t.lock). Ordinary paths hold at
 * most one lock of these kinds at a time, except that a class lock may be
 * held while taking the chunk lock; the init lock is held only around the
 * port's start hook (hak_heap_init), which takes no other lock. Only fork
 * handling (hak_heap_lock_all) holds them all, taken in this order; while
 * it does, the forking thread passes them (lock.h). Caches are touched only by
 * their owner (a thread, or a CPU with the caller pinned), never locked.
 * Every entry that may take a lock runs with the caller pinned (see
 * platform/platform.h).
 */
#ifndef HAKMEM_HEAP_H
#define HAKMEM_HEAP_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "chunks.h"
#include "geometry.h"
#include "lock.h"
#include "../include/hakmem.h"

/* Header byte values are stored XORed with HAK_HDR_KEY (config.h). */
#define HAK_HDR_LIVE 0x80u          /* set for a block in the user's hands */
#define HAK_CLASS_ALIGNED 126u      /* an aligned pointer inside a block */
#define HAK_CLASS_LARGE 127u        /* the user pointer of a page run */

/* Metadata at the start of every slab (slabs are aligned to their size).
 * The first cache line holds only what does not change while the slab
 * lives (the slow paths' checks read it), so that refills and flushes by
 * other threads do not invalidate it. The free fast path reads the tag's
 * copy in the chunk table instead (hak_chunk_entry_t.slab_tag). */
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
    uint32_t npurged;          /* free blocks in purged units (slab_purge.h) */
    uint32_t purged;           /* purged units, a bit per unit (a page, or
                                * a 32nd of a larger slab: slab_purge.h) */
    uint16_t purge_mark;       /* purge again when blocks in use fall to half this */
    uint16_t pad2;
    uint32_t warm_end;         /* bytes from the slab's start that may have
                                * been touched (whole pages): a slab cut
                                * from memory that read as zero is touched
                                * only as far as it is carved (statistics:
                                * the resident estimate) */
} hak_slab_t;

_Static_assert(sizeof(hak_slab_t) < HAK_SLAB_DATA_OFF,
               "slab metadata leaves room for block 0's header byte");

/* Per size class state shared by all threads, under `lock`. */
typedef struct hak_central {
    hak_lock_t lock;
    uint32_t nslabs;
    uint32_t listed;           /* blocks on the free lists of its slabs */
    hak_slab_t *partial;       /* slabs with free blocks (listed or purged) */
    hak_slab_t *partial_tail;  /* its last slab, or NULL */
    hak_slab_t *carving;       /* slab with uncarved blocks left, or NULL */
    hak_slab_t *empty;         /* one retained empty slab, or NULL */
    uint64_t refills, flushes;
    uint64_t remote_frees;     /* hak_class_stats_t.remote_frees */
    uint32_t nxfer;            /* full batches parked in xfer[] */
    uint32_t xfer_credit;      /* parks allowed: earned by refills, so that
                                * batches are parked only while threads
                                * take them (a thread freeing a large set
                                * parks at most HAK_XFER_CREDIT of them:
                                * parking pins slabs) */
    uint64_t decay_refills;    /* refills at the previous hak_central_decay */
    uintptr_t xfer[HAK_XFER_SLOTS]; /* each: batch blocks, 0-terminated */
} __attribute__((aligned(64))) hak_central_t;

#define HAK_TC_NEW 0u          /* zeroed storage: set up on first slow path */
#define HAK_TC_LIVE 1u
#define HAK_TC_DEAD 2u         /* handed back (hak_cache_release, e.g. at
                                * thread exit): later calls bypass it */
#define HAK_TC_UNBOUND 3u      /* a port's shared empty placeholder (all
                                * bins empty and full): the first slow path
                                * asks hooks.cache_for_caller for the
                                * caller's own cache and works on that */

/* One thread's (or CPU's) cache of free blocks for one class. */
typedef struct hak_tbin {
    uintptr_t head;            /* encoded-next list of free blocks */
    uint16_t room;             /* blocks that may still be cached before a
                                * flush: cap - count while the cache is
                                * live, 0 otherwise (at most cap) */
    uint16_t cap;              /* blocks the bin may hold: from
                                * hak_geom[c].cache_max up to cache_limit
                                * while the cache is live (it grows while
                                * the bin cycles between empty and full,
                                * see heap.c), 0 otherwise */
    uint8_t refill;            /* blocks the next refill asks for (grows
                                * from HAK_BATCH_FIRST to the class's batch) */
    uint8_t trend;             /* the bin's slow paths since its last refill:
                                * HAK_TBIN_REFILLED if none flushed, else
                                * the flushes (saturating at 127) */
    uint8_t hdr;               /* the live header byte of the bin's class
                                * (hak_hdr_live), set when the cache goes
                                * live: the allocation fast path stores it
                                * without computing it from the size */
} hak_tbin_t;

#define HAK_TBIN_REFILLED 0x80u
#define HAK_TBIN_FLUSHES_MAX 0x7fu
/* A grown bin that flushes this many times its class's cache_limit with no
 * refill between shrinks by a batch at each further flush (heap.c). */
#define HAK_TBIN_IDLE_CAPS 4u

_Static_assert(sizeof(hak_tbin_t) == 16, "the allocation fast path indexes bins by size & ~15");
_Static_assert(HAK_CACHE_LIMIT_MAX <= 0xffffu, "a bin's capacity fits its 16 bits");

/* Blocks held in a bin of class c of a cache in state `state`. */
static inline uint32_t hak_tbin_count(const hak_tbin_t *bin, unsigned c, uint32_t state)
{
    (void)c;
    return state == HAK_TC_LIVE ? (uint32_t)bin->cap - bin->room : 0u;
}

typedef struct hak_tcache {
    /* Sizes below it take the small allocation fast path: HAK_SMALL_MAX + 1
     * while the cache is live, 0 otherwise, so that every allocation
     * through a cache that is not live (a new thread's placeholder, a dead
     * cache, any cache of a heap in tool mode) goes to hak_alloc_mid,
     * which sets the cache up or leaves for the port's tool mode. */
    size_t fast_limit;
    /* The same for hak_alloc_mid: HAK_MID_MAX + 1 while live, 0 otherwise
     * (sizes from it on are large, or go where a cache not live sends
     * them). */
    size_t mid_limit;
    hak_tbin_t bins[HAK_NUM_CLASSES];
    uint32_t state;            /* HAK_TC_* */
    const struct hak_heap *heap; /* the arena it caches for, once live */
    /* Per class, blocks the cache took from the heap and has not returned
     * (slow paths only): a flush that returns more counts the excess as
     * remote frees (hak_class_stats_t.remote_frees). */
    uint64_t owed[HAK_NUM_CLASSES];
    /* Bytes of capacity its bins have grown by beyond their starting
     * capacity: sum of (cap - cache_max) * stride, at most the heap's
     * cache_grow. */
    uint32_t grown;
} hak_tcache_t;


/* The core's state of one arena (the public hak_arena_t). */
typedef struct hak_heap hak_heap_t;

/* Tool mode (hak_heap_set_tool): a port whose program runs under a memory
 * checker (valgrind, AddressSanitizer) takes every allocation and free of
 * an arena off the fast paths into its own functions, which annotate the
 * blocks for the checker and do the work with the uncached calls
 * (hak_alloc_nocache, hak_alloc_aligned without a cache, hak_free_nocache,
 * hak_block_usable), which never come back here. The core itself marks
 * the memory it hands over, so that the checker knows what nobody may
 * touch. Functions a port's tool mode does not need may be NULL except
 * alloc and free. */
#define HAK_MARK_HIDDEN 0  /* nobody may touch it: free slab blocks and
                            * their headers, free chunks, a large block's
                            * run but for its user bytes */
#define HAK_MARK_OPEN 1    /* the core's own from now on: a slab's header,
                            * a run it sets up */
typedef struct hak_tool_hooks {
    /* The malloc family: aligned blocks (align > 16), zeroed ones. */
    void *(*alloc)(hak_heap_t *heap, size_t size, size_t align, int zero);
    void *(*realloc)(hak_heap_t *heap, void *p, size_t size);
    void (*free)(hak_heap_t *heap, void *p);
    size_t (*usable)(hak_heap_t *heap, const void *p);
    /* A range of the arena changes hands (HAK_MARK_*), told before the
     * core touches it (OPEN) or after its last touch (HIDDEN). */
    void (*mark)(hak_heap_t *heap, uintptr_t p, size_t n, int how);
    /* Brackets (on 1, then 0) a walk of free blocks the core makes outside
     * the port's own calls: hak_heap_check. */
    void (*quiet)(hak_heap_t *heap, int on);
} hak_tool_hooks_t;

/* Hooks a port sets before first use (each may be NULL). */
typedef struct hak_port_hooks {
    /* Sets up a heap that is not ready yet (the hosted process heap:
     * reserves address space and calls hak_heap_setup). Called once, under
     * the init lock, by the first slow path. Returns 0, or -1 when no
     * memory can be had (the allocation then returns NULL). */
    int (*start)(hak_heap_t *heap);
    /* Makes [at, at + bytes) of the heap's region usable (reading as zero
     * if the heap was set up with HAK_ARENA_ZEROED); `at` and `bytes` are
     * multiples of HAK_CHUNK_SIZE and the range follows what was backed
     * before. Called with the chunk lock held. Returns 0, or -1 when the
     * platform refuses. NULL: the whole region is usable from the start. */
    int (*back)(hak_heap_t *heap, uintptr_t at, size_t bytes);
    /* Called once per cache when it is first set up (hosted: registers the
     * thread-exit handler). */
    void (*cache_started)(hak_heap_t *heap, hak_tcache_t *cache);
    /* Returns the caller's own cache when a slow path met the UNBOUND
     * placeholder (hosted: allocates one and points the thread's TLS
     * pointer at it): a NEW (zeroed) cache, or a DEAD one when none can be
     * had (calls then bypass caching). Required if the port passes an
     * UNBOUND cache. */
    hak_tcache_t *(*cache_for_caller)(hak_heap_t *heap);
    /* Called once (again after hak_heap_reset_locks), with no core lock
     * held, when the arena first holds HAK_PURGER_MIN_DIRTY free dirty
     * bytes: the port may start a helper that calls hak_heap_decay(heap)
     * every hak_heap_decay_ms(heap) / 4 ms, so that memory freed before a
     * program goes quiet goes back without further calls. */
    void (*start_purger)(hak_heap_t *heap);
    /* Adds to cached[c], for each class c, the blocks held in the caches of
     * `heap` that are live now (for the statistics; the port reads caches
     * whose owners keep running, so the figure is an estimate). Called with
     * no core lock held. NULL: cached blocks count as in use. */
    void (*count_cached)(hak_heap_t *heap, uint64_t cached[HAK_NUM_CLASSES]);
} hak_port_hooks_t;

struct hak_heap {
    /* Read by every fast path; written at setup (span16 also when the
     * region grows, under the chunk lock). */
    uintptr_t base;            /* first chunk + 16: a block p has p - base
                                * a multiple of 16 and below span16 << 4 */
    uintptr_t span16;          /* (end of the backed chunks - base) >> 4;
                                * 0 until set up, so nothing is inside */
    uintptr_t link_mask;       /* (p - base) & link_mask != 0: p is outside
                                * the power-of-two window around all the
                                * chunks the arena can ever have */
    uintptr_t ptr_key;         /* free-list encoding key */
    /* The free fast path's copy of span16, which tool mode sets to 0 so
     * that every free leaves it before touching any block. */
    uintptr_t fast_span16;
    /* The chunk table's address minus (chunk 0's address >> 16) entries:
     * the entry of the chunk holding p is at tag_bias + (p >> 16) * 16
     * (hak_chunk_tag in block.h). */
    uintptr_t tag_bias;
    uint32_t slab_key;
    uint8_t ready;
    /* Written at setup. */
    uint8_t coarse;            /* few chunks: uncached calls use the coarse
                                * classes (see hak_alloc_nocache) */
    uintptr_t magic;           /* HAK_HEAP_MAGIC ^ its address while live */
    uintptr_t region;          /* the region handed in */
    size_t region_len;
    size_t table_backed;       /* bytes of the chunk table usable now */
    hak_port_hooks_t hooks;
    hak_lock_t init_lock;
    uint64_t caches_released;  /* caches handed back (hak_cache_release) */
    uint32_t report;           /* HAK_REPORT_* of its parameters */
    const hak_tool_hooks_t *tool; /* tool mode, or NULL */
    uint32_t purger_started;   /* hooks.start_purger was called */
    uint32_t cache_grow;       /* bytes each cache's bins may grow by in
                                * all (HAK_CACHE_GROW_BYTES, less in a
                                * small region) */
    hak_chunks_t chunks;
    hak_central_t central[HAK_NUM_CLASSES];
};

#define HAK_HEAP_MAGIC ((uintptr_t)0x48414b4d454d4152ull)

#define HAK_SLAB_TAG(heap, c) ((heap)->slab_key ^ (uint32_t)(c))
/* The class a slab tag names (any value for a tag that names none). */
#define HAK_SLAB_TAG_CLASS(heap, tag) ((heap)->slab_key ^ (uint32_t)(tag))

/* Reports exhaustion through hak_plat_out_of_memory; returns NULL for the
 * caller to pass on. */
void *hak_out_of_memory(void);

/* Smallest region hak_heap_setup accepts (HAK_ARENA_MIN_SIZE in hakmem.h):
 * room for the chunk table, alignment to a chunk and two chunks. */
_Static_assert(HAK_ARENA_MIN_SIZE >= 3u * HAK_CHUNK_SIZE, "minimum region holds two chunks");

/* Lays an arena out over the region [base, base + len): the chunk table
 * first, then the data chunks from the first HAK_CHUNK_SIZE boundary after
 * it to the last one inside the region. `h` itself may lie outside the
 * region (the hosted process heap) or at its start (hak_arena_create, which
 * then passes the rest of the region). `flags` are HAK_ARENA_* (hakmem.h);
 * `params` NULL means the defaults scaled to len (config.h). With
 * h->hooks.back set, no byte of the region is assumed usable until back()
 * made it so, and the arena grows into it as needed; otherwise all of it is
 * used from the start. h->hooks must be set before; every other field is
 * overwritten. Returns 0, or -1 when the region cannot hold two chunks. Not
 * thread-safe: the caller publishes h (hak_heap_init does, under its lock). */
int hak_heap_setup(hak_heap_t *h, uintptr_t base, size_t len, unsigned flags,
                   const hak_arena_params_t *params);

/* 1 once `heap` is set up (an acquire load: safe from any thread). */
static inline int hak_heap_ready(const hak_heap_t *heap)
{
    return __atomic_load_n(&heap->ready, __ATOMIC_ACQUIRE);
}

/* Puts a heap in tool mode (see hak_tool_hooks_t): called by the port
 * after hak_heap_setup, before the heap is in use. */
void hak_heap_set_tool(hak_heap_t *h, const hak_tool_hooks_t *tool);

/* The heap's tool mode, if the build has it (HAK_WITH_TOOLS), or NULL. */
#define HAK_TOOL(h) (HAK_WITH_TOOLS ? (h)->tool : (const hak_tool_hooks_t *)0)

/* Tells the port's tool mode, if any, that [p, p + n) changes hands. */
static inline void hak_tool_mark(hak_heap_t *h, uintptr_t p, size_t n, int how)
{
    if (HAK_TOOL(h) && h->tool->mark)
        h->tool->mark(h, p, n, how);
}

/* Makes sure `heap` is set up, calling hooks.start the first time
 * (idempotent, thread-safe). Returns 0, or -1 when it cannot be set up. */
int hak_heap_init(hak_heap_t *heap);

/* Allocates `size` bytes (any size) without a cache: every call takes the
 * class lock. NULL when exhausted (hak_plat_out_of_memory was called). */
void *hak_alloc_nocache(hak_heap_t *heap, size_t size);

/* Allocates through `cache`, or without one when cache is NULL. */
void *hak_alloc_with(hak_heap_t *heap, hak_tcache_t *cache, size_t size);

/* Frees a pointer of any kind without a cache (NULL is a no-op; a bad
 * pointer is reported, fatal, naming `call`: the function the program
 * called, such as "hak_arena_free"). */
void hak_free_nocache(hak_heap_t *heap, void *p, const char *call);

/* Gives back what an exhausted arena holds in reserve: every retained
 * empty slab and every parked batch. Takes the class locks one at a time. */
void hak_heap_reclaim(hak_heap_t *heap);

/* Takes every lock of the heap in the documented order (fork: nothing is
 * mid-update while the process is copied), releases them, or forces them
 * free in a child after fork (whose other threads are gone, the purge
 * helper among them: it is asked for again when needed). While they
 * are held, the caller named by hak_plat_lock_all_owner may still use the
 * heap (its nested lock calls pass without taking). Not compiled without
 * HAK_WITH_FORK (config.h). */
void hak_heap_lock_all(hak_heap_t *heap);
void hak_heap_unlock_all(hak_heap_t *heap);
void hak_heap_reset_locks(hak_heap_t *heap);

/* The slow paths' periodic duty, called with no lock held: ends the decay
 * epoch when it is over, and asks the port for its purge helper once the
 * arena has held enough dirty memory (hooks.start_purger). */
void hak_heap_tick(hak_heap_t *heap);

/* For a port's purge helper: returns to their slabs the parked batches of
 * the classes no refill used since the previous call (hak_central_decay),
 * and ends the decay epoch when it is over (purging what stayed unused
 * through it); cheap otherwise. This and hak_heap_decay_ms are not
 * compiled without HAK_WITH_DECAY (config.h). */
void hak_heap_decay(hak_heap_t *heap);

/* The arena's decay epoch in milliseconds (0: no decay). */
uint32_t hak_heap_decay_ms(const hak_heap_t *heap);

/* Caps the bytes of chunks the heap may use (0: no cap). Returns the
 * previous cap. */
size_t hak_heap_limit_set(hak_heap_t *heap, size_t bytes);

/* Fills *out (see hak_stats_t in hakmem.h). Blocks in caches count as in
 * use unless hooks.count_cached finds them. Takes each lock in turn. */
void hak_heap_stats(hak_heap_t *heap, hak_stats_t *out);

/* Slow path of allocation of class c: sets the cache up if needed, refills
 * it and returns a block, or NULL when memory is exhausted. */
void *hak_alloc_refill(hak_heap_t *heap, hak_tcache_t *cache, unsigned c);

/* Slow path of free for a small or mid block of class c that the fast path
 * validated: sets the cache up or flushes a batch, then caches p. */
void hak_free_overflow(hak_heap_t *heap, hak_tcache_t *cache, void *p, unsigned c);

/* Allocation the small fast path does not take: a size above
 * HAK_SMALL_MAX, any size through a cache that is not live (see
 * fast_limit), and in tool mode every size (to the port's tool hooks). */
void *hak_alloc_mid(hak_heap_t *heap, hak_tcache_t *cache, size_t size);

/* Free of any pointer, from scratch: the free fast path's exit for a
 * pointer outside the arena (c = HAK_NUM_CLASSES). Given the decoded
 * header `c` (hak_hdr_decode_live) of a pointer inside the arena, a mid or
 * small block is checked against its slab and freed; anything else goes to
 * hak_free_special. Its faults, like those of the fast path and of
 * hak_free_mid, name free (the fast path's only caller). */
void hak_free_other(hak_heap_t *heap, hak_tcache_t *cache, void *p, unsigned c);

/* The free fast path's exit for a header that is not a small class's:
 * p passed hak_in_arena_fast, c is its decoded header (>= HAK_NUM_SMALL,
 * below 256).
 * A mid block is checked against its slab (tag and block boundary, fatal
 * on failure) and cached; anything else goes to hak_free_special. */
void hak_free_mid(hak_heap_t *heap, hak_tcache_t *cache, void *p, unsigned c);

/* Frees a pointer the fast path did not recognise as a live small block:
 * NULL, a large block, an aligned pointer, or a fault (reported, fatal,
 * naming `call`, the function the program called). */
void hak_free_special(hak_heap_t *heap, hak_tcache_t *cache, void *p, const char *call);

/* Allocation for sizes above HAK_MID_MAX (alignment 16). NULL when
 * exhausted. */
void *hak_alloc_large(hak_heap_t *heap, size_t size);

/* Allocates size bytes aligned to align (power of two). NULL when exhausted
 * or size overflows. */
void *hak_alloc_aligned(hak_heap_t *heap, hak_tcache_t *cache, size_t align, size_t size);

/* Usable bytes of a block hakmem handed out; a pointer that is not a live
 * block is reported (fatal), naming `call`: the function the program
 * called ("malloc_usable_size", "realloc", "hak_arena_usable_size", ...). */
size_t hak_block_usable(hak_heap_t *heap, const void *p, const char *call);

/* Resizes p (non-NULL, new_size > 0). NULL when exhausted, p untouched. A
 * bad p is reported (fatal), naming `call` ("realloc", ...). */
void *hak_resize(hak_heap_t *heap, hak_tcache_t *cache, void *p, size_t new_size, const char *call);

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
