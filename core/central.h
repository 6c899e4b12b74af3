/*
 * central.h - per-class shared lists: slabs with free blocks, carving of
 * fresh slabs, and batch moves between them and thread caches.
 */
#ifndef HAKMEM_CENTRAL_H
#define HAKMEM_CENTRAL_H

#include <stdint.h>
#include "heap.h"

/* Takes up to `want` free blocks of class c: a parked batch (handed over
 * whole, so when want > 1 the list may hold up to the class's batch), else
 * free lists of partial slabs, then at most HAK_CARVE_BYTES of fresh
 * blocks. Returns the first block of an encoded-link list and its count in
 * *got (at least 1), or 0 with *got = 0 when memory is exhausted. */
uintptr_t hak_central_take(hak_heap_t *h, unsigned c, uint32_t want, uint32_t *got);

/* hak_central_take without its last resorts: a parked batch, the resident
 * free blocks of partly used slabs (as hak_central_take_resident finds
 * them), or fresh blocks of the slab being carved; when there are none,
 * returns 0 with *got = 0 instead of restoring purged blocks or starting a
 * fresh slab (pages to touch again). Not compiled without HAK_WITH_XCLASS. */
uintptr_t hak_central_take_held(hak_heap_t *h, unsigned c, uint32_t want, uint32_t *got);

/* Takes one free block of class c that is resident: off the free list of
 * a partly used slab, else the first of a parked batch (whose other blocks
 * go back to their slabs); never a purged block or a fresh one. Returns
 * it, its header still marked free, or 0 when none is at hand. Not
 * compiled without HAK_WITH_XCLASS. */
uintptr_t hak_central_take_resident(hak_heap_t *h, unsigned c);

/* Returns the first `n` blocks of the encoded-link list at `list` to their
 * slabs; slabs that become empty are kept (one per class) or given to the
 * arena. A link or block that fails validation is reported (fatal). Returns
 * the (decoded) link that followed the n-th block: the rest of the list.
 * `remote` of the blocks count as remote frees (statistics). */
uintptr_t hak_central_give(hak_heap_t *h, unsigned c, uintptr_t list, uint32_t n, uint32_t remote);

/* Flushes the first n blocks of a cache's list `list`: a full batch is
 * parked whole in the transfer cache when there is room, otherwise the
 * blocks go back to their slabs (hak_central_give). Returns the rest of the
 * list. A clobbered link is reported (fatal). */
uintptr_t hak_central_flush(hak_heap_t *h, unsigned c, uintptr_t list, uint32_t n, uint32_t remote);

/* Takes slab s of class c off its class's partial list and forgets its
 * free blocks (the class lock is held; the slab is about to go). */
void hak_central_unlist(hak_heap_t *h, unsigned c, hak_slab_t *s);

/* Gives slab s of class c (off every list, no longer counted in nslabs)
 * back to the arena's chunks (class lock held). */
void hak_central_slab_free(hak_heap_t *h, unsigned c, hak_slab_t *s);

/* Returns every parked batch of class c to its slabs (for trim). */
void hak_central_drain(hak_heap_t *h, unsigned c);

/* Called once per decay period: when no refill of class c came since the
 * previous call, returns its parked batches to their slabs and withdraws
 * its credit, so that a set freed and not allocated again does not stay
 * parked (parked blocks pin their slabs and pages). Not compiled without
 * HAK_WITH_DECAY. */
void hak_central_decay(hak_heap_t *h, unsigned c);

/* Checks class c's slabs and their free lists. Returns the number of
 * broken invariants (each reported). */
unsigned hak_central_check(hak_heap_t *h, unsigned c);

#endif /* HAKMEM_CENTRAL_H */
