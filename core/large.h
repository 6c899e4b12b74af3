/* large.h - blocks above HAK_MID_MAX, or with large alignment: page runs. */
#ifndef HAKMEM_LARGE_H
#define HAKMEM_LARGE_H

#include <stdint.h>
#include "heap.h"

/* Allocates a run for `size` bytes whose user pointer is aligned to `align`
 * (a power of two >= 16). Sets *zeroed when the user bytes read as zero.
 * Returns NULL when size overflows or memory is exhausted, without calling
 * hak_plat_out_of_memory (the caller reports or tries something else). */
void *hak_large_alloc(hak_heap_t *h, size_t size, size_t align, int *zeroed);

/* Frees the large block p (its header byte said LARGE); reports a pointer
 * that is not the user pointer of a live run (fatal), naming `call`, the
 * function the program called (hak_fault_in). */
void hak_large_free(hak_heap_t *h, void *p, const char *call);

/* Usable bytes of the large block p; reports a bad pointer (fatal), naming
 * `call`. */
size_t hak_large_usable(hak_heap_t *h, const void *p, const char *call);

/* Shrinks the large block p in place to hold new_size bytes when that
 * frees at least one chunk: the chunks past the new end go back to the
 * arena and, where the arena may purge, every page past the new end is
 * purged at once. A smaller shrink leaves the block as it is. p is a block
 * hak_block_usable accepted: a fault here (a block freed meanwhile by
 * another thread) names realloc, as does hak_large_grow's. */
void hak_large_shrink(hak_heap_t *h, void *p, size_t new_size);

/* Grows the large block p in place to hold new_size bytes. Returns 1 on
 * success, 0 when the chunks after it are taken. */
int hak_large_grow(hak_heap_t *h, void *p, size_t new_size);

#endif /* HAKMEM_LARGE_H */
