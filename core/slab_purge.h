/*
 * slab_purge.h - giving back the free pages of a slab that other blocks
 * keep alive.
 *
 * A slab returns to the arena only when all its blocks are back, so after a
 * large set is freed in random order, a few blocks still cached by threads
 * keep whole slabs resident. When a class holds many listed free blocks, a
 * slab whose blocks in use have halved since its last purge (the first
 * time: fallen to half its purge mark, hak_slab_purge_mark) has every purge
 * unit that holds no block in use (and no such block's header byte)
 * purged: its free blocks in those units leave the free list and are
 * counted in `npurged`, the units in `purged`. A unit is a page, or a 32nd
 * of the slab when that is larger (slabs of 256 KiB to 1 MiB). When the
 * slab's list runs dry, the blocks are rebuilt in place.
 */
#ifndef HAKMEM_SLAB_PURGE_H
#define HAKMEM_SLAB_PURGE_H

#include "heap.h"

/* Purges the free pages of slab s (class c, not being
 * carved) when it qualifies; the class lock is held. Returns the number of
 * blocks taken off the free list. */
uint32_t hak_slab_purge_maybe(hak_heap_t *h, hak_central_t *cl, hak_slab_t *s, unsigned c);

/* The first purge mark of a slab of class c: twice the blocks in use at
 * which its first purge may happen. The larger of a thirty-second of its
 * blocks and the count that keeps at most half its pages resident, so that
 * a slab of large blocks left with a few in use (a set freed in random
 * order) gives back most of its pages. */
uint16_t hak_slab_purge_mark(unsigned c) __attribute__((const));

/* Puts the blocks of purged pages back on s's free list (class lock held).
 * Returns the number of blocks restored. */
uint32_t hak_slab_restore(hak_heap_t *h, hak_slab_t *s, unsigned c);

/* Bytes of slab s (class c) known not resident: pages never touched
 * (from warm_end on) and purged pages below warm_end. */
uint64_t hak_slab_cold_bytes(const hak_slab_t *s, unsigned c) __attribute__((pure));

/* 1 if block j of slab s (class c) lies in a purged page. */
int hak_slab_block_purged(const hak_slab_t *s, unsigned c, uint32_t j);

#endif /* HAKMEM_SLAB_PURGE_H */
