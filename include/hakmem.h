/*
 * hakmem.h - public API of the hakmem slab allocator.
 *
 * The hosted build (build/libhakmem.a, build/libhakmem.so) exports both this
 * hak_-prefixed API and the standard malloc family (malloc, free, calloc,
 * realloc, reallocarray, posix_memalign, aligned_alloc, memalign, valloc,
 * pvalloc, malloc_usable_size, malloc_trim) and the rest of glibc's malloc
 * interface (__libc_malloc & co., mallinfo, mallinfo2, malloc_stats,
 * malloc_info, mallopt: see hosted/glibc_compat.c). The hak_ functions behave
 * exactly like their standard counterparts; they exist so that a program (or
 * a sanitizer build, whose runtime owns `malloc`) can call hakmem by name.
 *
 * Errors: allocation failure returns NULL with errno = ENOMEM (EINVAL for a
 * bad alignment), never an abort. Misuse that would corrupt the heap (double
 * free, a pointer hakmem did not hand out, a clobbered block header or free
 * list) is reported with one line on stderr naming the fault and the pointer,
 * and the process is stopped with abort().
 */
#ifndef HAKMEM_H
#define HAKMEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every function below is exported from libhakmem.so. */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility push(default)
#endif

/* Allocates at least `size` bytes aligned to 16 (to 16 as well for size 0,
 * which returns a unique pointer). Returns NULL with errno = ENOMEM when the
 * arena (or the limit set by hak_limit_set) is exhausted. */
void *hak_malloc(size_t size);

/* Releases a block from any hak_ or malloc-family allocation; NULL is a
 * no-op. A double free, a foreign or interior pointer, or a clobbered header
 * is reported and stops the process. */
void hak_free(void *ptr);

/* Allocates count * size zeroed bytes. Returns NULL with errno = ENOMEM when
 * the product overflows or memory is exhausted. */
void *hak_calloc(size_t count, size_t size);

/* Resizes a block, keeping min(old, new) bytes of content. In place when the
 * new size fits the block, except that a block of up to 32783 bytes shrunk
 * to less than half its usable size moves to a smaller one (unless that
 * would be of the same size class). realloc(NULL, n) is malloc(n); realloc(p, 0)
 * frees p and returns NULL (as glibc does). On failure returns NULL with
 * errno = ENOMEM and leaves the original block untouched. */
void *hak_realloc(void *ptr, size_t size);

/* realloc(ptr, count * size) with the multiplication checked: overflow
 * returns NULL with errno = ENOMEM and leaves ptr untouched. */
void *hak_reallocarray(void *ptr, size_t count, size_t size);

/* Allocates `size` bytes aligned to `alignment`, which must be a power of
 * two (any). Returns NULL with errno = EINVAL for an alignment that is not
 * a power of two, ENOMEM when memory is exhausted or the heap cannot place
 * the alignment (the hosted heap's address window is 1 TiB, so 2^40 and
 * above always fail). */
void *hak_aligned_alloc(size_t alignment, size_t size);

/* POSIX posix_memalign: alignment must be a power of two multiple of
 * sizeof(void *). Returns 0 and stores the block in *out, or EINVAL / ENOMEM
 * (without touching *out). */
int hak_posix_memalign(void **out, size_t alignment, size_t size);

/* Bytes usable in the block (at least the size asked for; exactly that
 * size under valgrind or in an ASan build, where the bytes past it are
 * hidden from the program: README.md, "Tools"); 0 for NULL. A pointer
 * hakmem did not hand out is reported and stops the process. */
size_t hak_usable_size(const void *ptr);

/* Returns the calling thread's cached blocks to the heap (under valgrind
 * or in an ASan build: the freed blocks waiting in quarantine), then gives
 * every free page hakmem holds back to the operating system now. Returns
 * the number of bytes purged. */
size_t hak_trim(void);

/* Caps the bytes hakmem takes from the system for slabs and large blocks
 * (0 removes the cap). Allocations beyond it fail with ENOMEM; frees keep
 * working and allocation works again once usage falls. Returns the previous
 * cap. */
size_t hak_limit_set(size_t bytes);

/* ---- Statistics ----
 *
 * hak_stats() (the process heap) and hak_arena_stats() (any arena) fill the
 * same structure. Reading it takes each lock of the arena in turn; nothing
 * is counted on the allocation and free fast paths (counters move on
 * refills, flushes and chunk operations), so reading never slows them.
 * Figures are read one lock at a time: under concurrent use they are
 * consistent per class, not across classes. README.md ("Statistics")
 * shows the table HAKMEM_STATS prints from them.
 */
#define HAK_STATS_CLASSES 85  /* size classes: 65 small, 20 mid */

typedef struct hak_class_stats {
    uint32_t size;            /* largest request the class serves: its
                               * blocks' usable bytes */
    uint32_t stride;          /* bytes a block takes in its slab (its
                               * header byte included) */
    uint64_t slabs;           /* slabs the class owns */
    uint64_t blocks_in_use;   /* blocks the program holds (slab blocks
                               * minus free and cached ones) */
    uint64_t blocks_cached;   /* free blocks held in thread (or CPU) caches,
                               * read without their owners' cooperation: an
                               * estimate under concurrent use; 0 where the
                               * port cannot see the caches (they then count
                               * as in use) */
    uint64_t blocks_free;     /* free blocks in the class's slabs: on free
                               * lists, in purged pages, not yet carved, in
                               * a retained empty slab, or parked in a
                               * transfer batch */
    uint64_t refills;         /* cache refills (uncached allocations: one
                               * each) */
    uint64_t flushes;         /* cache flushes (uncached frees: one each) */
    uint64_t remote_frees;    /* blocks freed by another thread than the one
                               * that allocated them, counted when the
                               * freeing thread's cache flushes them: the
                               * blocks a cache returns beyond those it took
                               * (a lower bound: a thread that frees as many
                               * foreign blocks as it keeps of its own is
                               * not counted; uncached frees never are) */
} hak_class_stats_t;

typedef struct hak_stats {
    /* Memory, in bytes. A peak is the largest value since the arena was
     * set up. */
    uint64_t reserved_bytes;  /* address space the arena holds: the region
                               * given to hak_arena_create; the process
                               * heap: what it has mapped so far (it never
                               * unmaps, so its peak is itself) */
    uint64_t reserved_peak;
    uint64_t committed_bytes; /* chunks in use by slabs and large blocks */
    uint64_t committed_peak;
    uint64_t resident_bytes;  /* estimate of the memory that occupies RAM:
                               * committed chunks and free chunks not yet
                               * given back, minus slab pages never touched
                               * or purged; large blocks count whole, and so
                               * do slabs given back until they are purged;
                               * the chunk table (16 bytes per 64 KiB chunk)
                               * is left out */
    uint64_t resident_peak;
    uint64_t purged_bytes;    /* given back to the system so far (a running
                               * total: its own peak) */
    uint64_t dirty_bytes;     /* free chunks not given back yet */
    /* Where the reserved bytes are: reserved = meta + free + in_use exactly
     * when no other thread changes the arena during the call. */
    uint64_t meta_bytes;      /* arena state, chunk table, alignment, and in
                               * each slab its header and the tail too short
                               * for a block */
    uint64_t free_bytes;      /* free chunks, and free slab blocks (see
                               * blocks_free) */
    uint64_t in_use_bytes;    /* large blocks' whole runs, and slab blocks
                               * (header byte included) held by the program
                               * or by a thread's or CPU's cache */
    uint64_t cached_bytes;    /* of in_use_bytes: blocks held in caches */
    uint64_t large_bytes;     /* of in_use_bytes: large blocks' runs */
    uint64_t slab_bytes;      /* chunks held by slabs (their blocks, free or
                               * not, and their metadata) */
    /* Counts. */
    uint64_t slabs;           /* slabs owned by size classes */
    uint64_t large_blocks;    /* live large blocks (above 32783 bytes, or
                               * with a large alignment) */
    uint64_t refills;         /* sums of the classes' counters */
    uint64_t flushes;
    uint64_t remote_frees;
    uint64_t purges;          /* ranges given back to the system (one call
                               * to the platform's purge each) */
    uint64_t large_allocs;    /* large blocks allocated so far */
    uint64_t caches_released; /* thread or CPU caches handed back (the
                               * process heap: threads that exited) */
    hak_class_stats_t classes[HAK_STATS_CLASSES]; /* by class, smallest
                               * first; unused classes are all zero but for
                               * size and stride */
} hak_stats_t;

/* Fills *out with the process heap's figures. Returns 0, or -1 if out is
 * NULL. */
int hak_stats(hak_stats_t *out);

/* Writes the statistics table of *s (the rows and totals that HAKMEM_STATS
 * prints, without its header line; README.md shows one) into buf, at most
 * cap bytes, NUL-terminated when cap > 0. Returns the length of the whole
 * table (like snprintf: a result >= cap means it was cut; buf may be NULL
 * to measure it, cap is then taken as 0). Returns (size_t)-1 when s is
 * NULL, with buf set to "" when cap > 0. Calls no libc function and takes
 * no lock: usable in any port and in a signal handler. */
size_t hak_stats_format(const hak_stats_t *s, char *buf, size_t cap);

/* Walks every slab, free list and chunk of the heap and checks its
 * invariants. Returns 0 when they all hold; otherwise reports each broken
 * invariant on stderr and returns the number found. */
int hak_check(void);

/* ---- Arenas: allocators over regions the caller hands in ----
 *
 * An arena serves blocks from one region of memory given to
 * hak_arena_create: a static buffer, a bare-metal image's RAM, memory from
 * mmap. Its own metadata (its state, a table of 16 bytes per 64 KiB chunk)
 * lives inside the region. Blocks are 16-byte aligned, carved from slabs of
 * 64 KiB chunks (sizes up to 32783 bytes) or runs of chunks (larger sizes).
 * Several threads may use one arena at once and one thread several arenas:
 * each call takes the arena's per-size-class lock (these calls keep no
 * per-thread cache, so they cost a lock each; the process heap behind
 * hak_malloc has thread caches). A pointer that is not a live block of the
 * arena named (a block of another arena, a foreign or interior pointer, a
 * double free) is reported in one line naming it and stops the program,
 * like every other bad pointer.
 */
typedef struct hak_heap hak_arena_t;

/* Smallest region hak_arena_create accepts, in bytes. A region of this
 * size holds at least two chunks after its metadata and alignment; each
 * chunk holds one slab of one size class or one large block. */
#define HAK_ARENA_MIN_SIZE ((size_t)256 << 10)

/* Flags of hak_arena_create: what the region promises. A caller's buffer
 * usually promises neither, and then hakmem never gives its pages back to
 * the system and clears every calloc block itself. */
#define HAK_ARENA_ZEROED 1u    /* the region reads as zero when handed in */
#define HAK_ARENA_PURGEABLE 2u /* free pages may be given back to the system
                                * (hosted: madvise(MADV_DONTNEED)) */
#define HAK_ARENA_PURGED_ZERO 4u /* with PURGEABLE: pages given back read as
                                * zero afterwards (private anonymous memory,
                                * from mmap MAP_PRIVATE | MAP_ANONYMOUS);
                                * without it calloc clears them itself
                                * (shared or file-backed memory keeps its
                                * contents through madvise). Without
                                * PURGEABLE no page is given back, and this
                                * flag changes nothing */

/* An arena's settings: those the hosted port reads for the process heap
 * from the environment (README.md, "Settings"), here per arena with no
 * environment involved. */
typedef struct hak_arena_params {
    size_t purge_high;   /* bytes of free, not yet purged chunks that
                          * trigger a purge at once (HAKMEM_PURGE_THRESHOLD;
                          * only with HAK_ARENA_PURGEABLE). With decay_ms
                          * set it is a least bound: the threshold is three
                          * quarters of the recent peak of bytes in use when
                          * that is more (a heap that frees and reuses large
                          * runs keeps them; decay returns what then stays
                          * unused). A single free run larger than
                          * purge_high goes back at once either way. */
    size_t purge_low;    /* bytes such a purge leaves: the warm reserve
                          * (HAKMEM_WARM_RESERVE); with decay_ms set, or
                          * half the recent peak in use when that is more */
    uint32_t decay_ms;   /* free chunks unused for a whole epoch of this
                          * many milliseconds are purged down to purge_low
                          * (0: no decay, and purge_high and purge_low are
                          * then fixed) (HAKMEM_PURGE_DELAY_MS) */
    uint32_t report;     /* HAK_REPORT_* bits: what the arena prints through
                          * the platform's diagnostic output (hosted:
                          * stderr; bare metal: the console) */
} hak_arena_params_t;

/* report bits of hak_arena_params_t. */
#define HAK_REPORT_SETTINGS 1u /* one line with the arena's settings when it
                                * is created (HAKMEM_VERBOSE) */
#define HAK_REPORT_STATS 2u    /* its statistics table (hak_stats_format)
                                * when it is destroyed (HAKMEM_STATS); takes
                                * about 6 KiB of stack */

/* Builds an arena inside [base, base + len). base must be 16-byte aligned;
 * the arena aligns what it needs inside the region (about 64 KiB of the
 * region goes to alignment in the worst case). flags: HAK_ARENA_* above.
 * Returns the arena, whose handle lies inside the region, or NULL when
 * base is NULL or not 16-byte aligned, len < HAK_ARENA_MIN_SIZE, the
 * region wraps around the address space, or flags has unknown bits. The
 * region must be readable and writable (a read-only region faults on the
 * first write, in this call), and must stay untouched by the caller until
 * hak_arena_destroy: creating a second arena over a live one is not
 * detected, and hands its blocks out again. */
hak_arena_t *hak_arena_create(void *base, size_t len, unsigned flags);

/* hak_arena_create with settings (NULL: the defaults, scaled to the
 * region: purge_high = min(48 MiB, len / 8), purge_low = half of it,
 * decay_ms = 1000, report = 0). Also NULL when params has purge_low >
 * purge_high or unknown report bits. */
hak_arena_t *hak_arena_create_ex(void *base, size_t len, unsigned flags,
                                 const hak_arena_params_t *params);

/* Ends the arena: the whole region is the caller's again. Blocks still
 * allocated from it are the caller's problem: they are no longer blocks
 * (using or freeing them afterwards is undefined). Passing a destroyed or
 * never-created arena to any hak_arena_ function is reported (fatal) as
 * long as the handle's memory is readable; a handle into unmapped memory
 * faults like any wild pointer. */
void hak_arena_destroy(hak_arena_t *arena);

/* The malloc family over an arena, with the contracts of the hak_
 * functions above: on exhaustion they return NULL (the hosted build sets
 * errno = ENOMEM), every live block stays intact, frees keep working and
 * allocation works again once blocks are freed. hak_arena_aligned_alloc
 * returns NULL (errno untouched) for an alignment that is not a power of
 * two; hak_arena_calloc returns NULL (errno = ENOMEM in the hosted build)
 * for a product that overflows. When a size class cannot
 * get a slab of its own (a small region, more classes in use than chunks),
 * a block of a larger class or a run of chunks serves the request. */
void *hak_arena_malloc(hak_arena_t *arena, size_t size);
void *hak_arena_calloc(hak_arena_t *arena, size_t count, size_t size);
void *hak_arena_realloc(hak_arena_t *arena, void *ptr, size_t size);
void *hak_arena_aligned_alloc(hak_arena_t *arena, size_t alignment, size_t size);
void hak_arena_free(hak_arena_t *arena, void *ptr);
size_t hak_arena_usable_size(hak_arena_t *arena, const void *ptr);

/* The statistics of an arena: the structure of hak_stats() (above). */
typedef hak_stats_t hak_arena_stats_t;

/* Fills *out. Returns 0, or -1 when out is NULL. Takes each of the
 * arena's locks in turn; never slows the allocation paths. */
int hak_arena_stats(hak_arena_t *arena, hak_arena_stats_t *out);

/* The process heap behind hak_malloc (and malloc) as an arena handle, for
 * hak_arena_stats and hak_arena_check (hak_arena_malloc and friends work
 * on it too, without the thread caches). NULL when the heap cannot be set
 * up. In the freestanding port: the default arena over the image's heap
 * region. hak_arena_destroy refuses it (fatal). */
hak_arena_t *hak_process_arena(void);

/* Walks every slab, free list and chunk of the arena and checks its
 * invariants. Returns 0 when they hold; otherwise reports each broken
 * invariant (one line each) and returns the number found. */
int hak_arena_check(hak_arena_t *arena);

/* A marker that identifies hakmem as the allocator in a running process:
 * returns the string "hakmem <version>". */
const char *hak_version(void);

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* HAKMEM_H */
