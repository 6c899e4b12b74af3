/*
 * arena.h - the chunk allocator: hands out runs of HAK_CHUNK_SIZE chunks
 * from one contiguous reservation, coalesces freed runs, and purges dirty
 * free runs in bulk once they pass HAK_PURGE_HIGH.
 */
#ifndef HAKMEM_ARENA_H
#define HAKMEM_ARENA_H

#include <stdint.h>
#include "heap.h"

/* Sets the arena up over [base, base + size) with its chunk map and links
 * in `meta` (hak_arena_meta_bytes(size) zeroed bytes). */
void hak_arena_init(hak_arena_t *a, uintptr_t base, size_t size, void *meta);

/* Bytes of metadata an arena of `size` bytes needs. */
size_t hak_arena_meta_bytes(size_t size);

/* Takes n chunks whose start address is a multiple of `align` bytes (a power
 * of two). Marks them as a slab run or a large run. Sets *zeroed to 1 when
 * the memory is known to read as zero. Returns the address, or 0 when the
 * arena or the limit is exhausted. */
uintptr_t hak_arena_alloc(hak_arena_t *a, uint32_t n, size_t align, int large, int *zeroed);

/* Gives back the run of n chunks at addr (from hak_arena_alloc). */
void hak_arena_free(hak_arena_t *a, uintptr_t addr, uint32_t n);

/* Tries to grow the large run at addr from n to want chunks in place.
 * Returns 1 on success, 0 when the following chunks are not free. */
int hak_arena_grow(hak_arena_t *a, uintptr_t addr, uint32_t n, uint32_t want);

/* Finds the large run containing p. Returns its address and stores its
 * length in *n, or returns 0 if p is not inside a live large run. */
uintptr_t hak_arena_large_run(hak_arena_t *a, uintptr_t p, uint32_t *n);

/* Ends the decay epoch if it is over (see HAK_PURGE_DECAY_MS): purges the
 * dirty bytes that stayed unused through it. Cheap when the epoch is not
 * over (a clock read, no lock). Called from the caches' refill and flush
 * paths so that a program that allocates at all gives memory back. */
void hak_arena_tick(hak_arena_t *a);

/* Purges dirty free runs until at most `keep` dirty bytes remain. Returns
 * the bytes purged. Takes the arena lock. */
size_t hak_arena_purge(hak_arena_t *a, size_t keep);

/* Checks the chunk map and free lists; reports each broken invariant.
 * Returns the number found. Takes the arena lock. */
unsigned hak_arena_check(hak_arena_t *a);

#endif /* HAKMEM_ARENA_H */
