/*
 * hakmem.h - public API of the hakmem slab allocator.
 *
 * The hosted build (build/libhakmem.a, build/libhakmem.so) exports both this
 * hak_-prefixed API and the standard malloc family (malloc, free, calloc,
 * realloc, reallocarray, posix_memalign, aligned_alloc, memalign, valloc,
 * pvalloc, malloc_usable_size, malloc_trim). The hak_ functions behave exactly
 * like their standard counterparts; they exist so that a program (or a
 * sanitizer build, whose runtime owns `malloc`) can call hakmem by name.
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
 * new size fits the block. realloc(NULL, n) is malloc(n); realloc(p, 0)
 * frees p and returns NULL (as glibc does). On failure returns NULL with
 * errno = ENOMEM and leaves the original block untouched. */
void *hak_realloc(void *ptr, size_t size);

/* realloc(ptr, count * size) with the multiplication checked: overflow
 * returns NULL with errno = ENOMEM and leaves ptr untouched. */
void *hak_reallocarray(void *ptr, size_t count, size_t size);

/* Allocates `size` bytes aligned to `alignment`, which must be a power of
 * two (any, up to 1 GiB). Returns NULL with errno = EINVAL for a bad
 * alignment, ENOMEM when memory is exhausted. */
void *hak_aligned_alloc(size_t alignment, size_t size);

/* POSIX posix_memalign: alignment must be a power of two multiple of
 * sizeof(void *). Returns 0 and stores the block in *out, or EINVAL / ENOMEM
 * (without touching *out). */
int hak_posix_memalign(void **out, size_t alignment, size_t size);

/* Bytes usable in the block (at least the size asked for); 0 for NULL. A
 * pointer hakmem did not hand out is reported and stops the process. */
size_t hak_usable_size(const void *ptr);

/* Returns the calling thread's cached blocks to the heap, then gives every
 * free page hakmem holds back to the operating system now. Returns the
 * number of bytes purged. */
size_t hak_trim(void);

/* Caps the bytes hakmem takes from the system for slabs and large blocks
 * (0 removes the cap). Allocations beyond it fail with ENOMEM; frees keep
 * working and allocation works again once usage falls. Returns the previous
 * cap. */
size_t hak_limit_set(size_t bytes);

/* Counters that describe the heap. Reading them costs a lock per size class;
 * none are kept on the fast paths. */
typedef struct hak_stats {
    uint64_t arena_reserved;   /* bytes of address space reserved */
    uint64_t arena_committed;  /* bytes of chunks in use (slabs + large) */
    uint64_t arena_dirty;      /* bytes of free chunks not yet purged */
    uint64_t purged_total;     /* bytes given back to the system so far */
    uint64_t slabs;            /* slabs currently owned by size classes */
    uint64_t large_blocks;     /* live large blocks (page runs) */
    uint64_t refills;          /* thread-cache refills from the heap */
    uint64_t flushes;          /* thread-cache batch returns to the heap */
    uint64_t threads_exited;   /* thread caches handed back at thread exit */
} hak_stats_t;

/* Fills *out with the current counters. Returns 0, or -1 if out is NULL. */
int hak_stats(hak_stats_t *out);

/* Walks every slab, free list and chunk of the heap and checks its
 * invariants. Returns 0 when they all hold; otherwise reports each broken
 * invariant on stderr and returns the number found. */
int hak_check(void);

/* A marker that identifies hakmem as the allocator in a running process:
 * returns the string "hakmem <version>". */
const char *hak_version(void);

#ifdef __cplusplus
}
#endif

#endif /* HAKMEM_H */
