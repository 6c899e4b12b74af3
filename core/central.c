/* central.c - slabs of one size class, shared by all caches (see central.h). */
#include "central.h"
#include "chunks.h"
#include "block.h"
#include "debug.h"
#include "report.h"
#include "slab_purge.h"

static void partial_push(hak_central_t *cl, hak_slab_t *s)
{
    s->prev = 0;
    s->next = cl->partial;
    if (cl->partial)
        cl->partial->prev = s;
    else
        cl->partial_tail = s;
    cl->partial = s;
    s->in_partial = 1;
}

static void partial_remove(hak_central_t *cl, hak_slab_t *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        cl->partial = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        cl->partial_tail = s->prev;
    s->in_partial = 0;
}

static uint32_t slab_chunks(unsigned c)
{
    return 1u << (hak_geom[c].slab_shift - HAK_CHUNK_SHIFT);
}

/* Statistics: a slab's pages are touched as far as it is carved (the
 * resident estimate, hak_stats_t). */
#define PAGE ((uint32_t)HAK_PLAT_PAGE_SIZE)

/* Tool mode hides a slab from here on: the first block's header byte and
 * what follows, from a 16-byte boundary (a checker's unit is 8 or 16). */
#define SLAB_HIDDEN_FROM (HAK_SLAB_DATA_OFF - 16u)
_Static_assert(sizeof(hak_slab_t) <= SLAB_HIDDEN_FROM, "the slab header stays visible to the core");

static hak_slab_t *slab_new(hak_heap_t *h, unsigned c)
{
    hak_central_t *cl = &h->central[c];
    hak_slab_t *s = cl->empty;
    if (s) {
        cl->empty = 0;
        /* Its purged pages are carved again: count them as touched. */
        uint64_t cold = hak_slab_cold_bytes(s, c), tail = ((uint64_t)1 << hak_geom[c].slab_shift) - s->warm_end;
        if (cold > tail)
            hak_chunks_cold_add(&h->chunks, -(int64_t)(cold - tail));
    } else {
        int zeroed;
        size_t bytes = (size_t)1 << hak_geom[c].slab_shift;
        s = (hak_slab_t *)hak_chunks_alloc(&h->chunks, slab_chunks(c), bytes, 0, &zeroed);
        if (!s)
            return 0;
        cl->nslabs++;
        /* Tool mode: the header is the core's, the blocks nobody's until
         * handed out (block headers and links go through block.h). */
        hak_tool_mark(h, (uintptr_t)s, bytes, HAK_MARK_OPEN);
        hak_tool_mark(h, (uintptr_t)s + SLAB_HIDDEN_FROM, bytes - SLAB_HIDDEN_FROM, HAK_MARK_HIDDEN);
        /* Memory that reads as zero was never touched (or was purged):
         * only the page with the slab's header is resident so far. */
        s->warm_end = zeroed ? PAGE : (uint32_t)bytes;
        if (zeroed)
            hak_chunks_cold_add(&h->chunks, (int64_t)(bytes - PAGE));
    }
    s->tag = HAK_SLAB_TAG(h, c);
    hak_chunks_entry(&h->chunks, (uintptr_t)s)->slab_tag = s->tag;
    s->cls = (uint16_t)c;
    s->in_partial = 0;
    s->capacity = hak_geom[c].capacity;
    s->carved = 0;
    s->nfree = 0;
    s->npurged = 0;
    s->purged = 0;
#if HAK_PLAT_HAS_PURGE
    s->purge_mark = hak_slab_purge_mark(c);
#endif
    s->free = 0;
    s->next = s->prev = 0;
    return s;
}

static void slab_release(hak_heap_t *h, unsigned c, hak_slab_t *s)
{
    hak_central_t *cl = &h->central[c];
    if (s->in_partial)
        partial_remove(cl, s);
    cl->listed -= s->nfree;
    if (!cl->empty) {
        cl->empty = s;
        return;
    }
    cl->nslabs--;
    hak_central_slab_free(h, c, s);
}

void hak_central_slab_free(hak_heap_t *h, unsigned c, hak_slab_t *s)
{
    /* The chunks become one dirty free run: the estimate counts all of it
     * until it is purged or reused. */
    hak_chunks_cold_add(&h->chunks, -(int64_t)hak_slab_cold_bytes(s, c));
    s->tag = 0;
    hak_chunks_entry(&h->chunks, (uintptr_t)s)->slab_tag = 0;
    hak_tool_mark(h, (uintptr_t)s, (size_t)1 << hak_geom[c].slab_shift, HAK_MARK_HIDDEN);
    hak_chunks_free(&h->chunks, (uintptr_t)s, slab_chunks(c));
}

void hak_central_unlist(hak_heap_t *h, unsigned c, hak_slab_t *s)
{
    hak_central_t *cl = &h->central[c];
    partial_remove(cl, s);
    cl->listed -= s->nfree;
}

/* Validates `next`, the decoded link stored in free block `holder` of class
 * c; fatal when it is bad. The report names the holder: the block whose
 * link was overwritten (typically by a write after free). */
static void check_link(const hak_heap_t *h, uintptr_t holder, uintptr_t next, unsigned c)
{
    if (!hak_in_arena(h, next) || !hak_slab_owns(h, next, c))
        hak_fault("corrupted free list (link outside any slab) in free block", (void *)holder);
    if (hak_hdr_get(next) != hak_hdr_free(h, c))
        hak_fault("corrupted free list (link to a block not free) in free block", (void *)holder);
}

/* Cuts up to `want` blocks off s's free list; returns them as a chain
 * ending in `tail` whose link is still to be set. */
static uintptr_t take_listed(hak_heap_t *h, hak_slab_t *s, uint32_t want,
                             uint32_t *took, uintptr_t *tail)
{
    uintptr_t first = s->free, last = first;
    uint32_t k = 1;
    while (k < want && k < s->nfree) {
        uintptr_t next = hak_link_next(h, last);
        check_link(h, last, next, s->cls);
        last = next;
        k++;
    }
    s->free = k < s->nfree ? hak_link_next(h, last) : 0;
    if (s->free)
        check_link(h, last, s->free, s->cls);
    s->nfree -= k;
    *took = k;
    *tail = last;
    return first;
}

#if HAK_WITH_XCLASS
/* Moves s, on cl's partial list, to its end. */
static void partial_to_tail(hak_central_t *cl, hak_slab_t *s)
{
    if (s == cl->partial_tail)
        return;
    partial_remove(cl, s);
    s->next = 0;
    s->prev = cl->partial_tail;
    cl->partial_tail->next = s;
    cl->partial_tail = s;
    s->in_partial = 1;
}

/* The first slab of cl's partial list with free blocks that are resident
 * (not purged), 0 when there is none. Slabs whose free blocks are all
 * purged go to the end of the list as the walk passes them, so that the
 * next walk does not pass them again: each is passed once per round of
 * the list, not once per block taken (fragmentation: a hundred such slabs
 * per class at the head). A class that counts listed blocks has a slab
 * with some, so the walk ends there. */
static hak_slab_t *resident_slab(hak_central_t *cl)
{
    if (!cl->listed)
        return 0;
    hak_slab_t *s = cl->partial;
    while (s->nfree == 0) {
        hak_slab_t *next = s->next;
        partial_to_tail(cl, s);
        s = next;
    }
    return s;
}
#endif /* HAK_WITH_XCLASS */

/* hak_central_take; without `carve`, it neither restores purged blocks
 * nor starts a fresh slab (hak_central_take_held). */
static uintptr_t take(hak_heap_t *h, unsigned c, uint32_t want, uint32_t *got, int carve)
{
    hak_central_t *cl = &h->central[c];
    const hak_class_geom_t *g = &hak_geom[c];
    uintptr_t list = 0;
    uint32_t n = 0;
    hak_lock(&cl->lock);
    /* A parked batch is handed over whole, even to a smaller request: it
     * is memory already in use, cheaper than carving fresh blocks. */
    if (want > 1u && cl->nxfer) {
        list = cl->xfer[--cl->nxfer];
        n = g->batch;
    }
    while (n < want) {
#if HAK_WITH_XCLASS
        hak_slab_t *s = carve ? cl->partial : resident_slab(cl);
#else
        hak_slab_t *s = cl->partial;
#endif
        if (s) {
#if HAK_PLAT_HAS_PURGE
            if (s->nfree == 0)
                cl->listed += hak_slab_restore(h, s, c);
#endif
            uint32_t took;
            uintptr_t tail, first = take_listed(h, s, want - n, &took, &tail);
            hak_link_store(h, tail, list);
            list = first;
            n += took;
            cl->listed -= took;
            if (s->nfree == 0 && s->npurged == 0)
                partial_remove(cl, s);
            continue;
        }
        s = cl->carving;
        if (!s) {
            if (!carve)
                break;
            s = slab_new(h, c);
            if (!s)
                break;
            cl->carving = s;
        }
        uint32_t k = s->capacity - s->carved;
        if (k > want - n)
            k = want - n;
        /* Carve at most HAK_CARVE_BYTES of fresh memory per refill: each
         * block carved is a block touched, so a class that grows slowly
         * commits its slab a page at a time, not a batch at a time. */
        if (HAK_CARVE_BYTES / g->stride && k > HAK_CARVE_BYTES / g->stride)
            k = HAK_CARVE_BYTES / g->stride;
        uintptr_t start = (uintptr_t)s + HAK_SLAB_DATA_OFF + (uintptr_t)s->carved * g->stride;
        uint8_t free_hdr = hak_hdr_free(h, c);
        for (uint32_t j = k; j-- > 0;) {
            uintptr_t b = start + (uintptr_t)j * g->stride;
            hak_hdr_set(b, free_hdr);
            hak_debug_poison(b, c);
            hak_link_store(h, b, list);
            list = b;
        }
        s->carved += k;
        n += k;
        uint32_t warm = (uint32_t)(HAK_SLAB_DATA_OFF + (uint64_t)s->carved * g->stride - 1u);
        warm = (warm + PAGE - 1u) & ~(PAGE - 1u);
        if (warm > s->warm_end) {
            hak_chunks_cold_add(&h->chunks, -(int64_t)(warm - s->warm_end));
            s->warm_end = warm;
        }
        if (s->carved == s->capacity)
            cl->carving = 0;
        break; /* one carve per take (see HAK_CARVE_BYTES) */
    }
    /* A take that stopped short of carving, empty-handed, is no refill. */
    if (n || carve) {
        cl->refills++;
        if (cl->xfer_credit < HAK_XFER_CREDIT)
            cl->xfer_credit++;
    }
    hak_unlock(&cl->lock);
    hak_heap_tick(h);
    *got = n;
    return list;
}

uintptr_t hak_central_take(hak_heap_t *h, unsigned c, uint32_t want, uint32_t *got)
{
    return take(h, c, want, got, 1);
}

#if HAK_WITH_XCLASS
uintptr_t hak_central_take_held(hak_heap_t *h, unsigned c, uint32_t want, uint32_t *got)
{
    return take(h, c, want, got, 0);
}

uintptr_t hak_central_take_resident(hak_heap_t *h, unsigned c)
{
    hak_central_t *cl = &h->central[c];
    uintptr_t b = 0;
    hak_lock(&cl->lock);
    /* Slabs whose free blocks were all purged are passed over: restoring
     * them touches pages again, which is what the caller avoids. */
    hak_slab_t *s = resident_slab(cl);
    uintptr_t parked = 0;
    if (s) {
        uint32_t took;
        uintptr_t tail;
        b = take_listed(h, s, 1, &took, &tail);
        cl->listed--;
    } else if (cl->nxfer) {
        parked = b = cl->xfer[--cl->nxfer];
    }
    if (b)
        cl->refills++;
    if (s && s->nfree == 0 && s->npurged == 0)
        partial_remove(cl, s);
    hak_unlock(&cl->lock);
    if (parked) {
        /* A parked batch only moves whole: its first block is the one
         * taken, the others go back to their slabs, listed for the next
         * request. */
        if (hak_geom[c].batch > 1u) {
            uintptr_t rest = hak_link_next(h, parked);
            check_link(h, parked, rest, c);
            hak_central_give(h, c, rest, hak_geom[c].batch - 1u, 0);
        }
    } else if (b) {
        hak_heap_tick(h);
    }
    return b;
}

#endif /* HAK_WITH_XCLASS */

uintptr_t hak_central_give(hak_heap_t *h, unsigned c, uintptr_t list, uint32_t n, uint32_t remote)
{
    hak_central_t *cl = &h->central[c];
    uintptr_t b = list, next = 0;
    hak_lock(&cl->lock);
    cl->flushes++;
    cl->remote_frees += remote;
    for (uint32_t k = 0; k < n; k++, b = next) {
        next = hak_link_next(h, b);
        if (k + 1u < n)
            check_link(h, b, next, c);
        hak_slab_t *s = hak_slab_of(b, c);
        hak_link_store(h, b, s->free);
        s->free = b;
        s->nfree++;
        cl->listed++;
        if (!s->in_partial)
            partial_push(cl, s);
        if (s->nfree + s->npurged == s->carved && s != cl->carving)
            slab_release(h, c, s);
#if HAK_PLAT_HAS_PURGE
        /* hak_slab_purge_maybe's own first test, inline: most frees leave
         * the slab's blocks in use above half its purge mark. */
        else if (2u * (s->carved - s->nfree - s->npurged) <= s->purge_mark)
            hak_slab_purge_maybe(h, cl, s, c);
#endif
    }
    hak_unlock(&cl->lock);
    hak_heap_tick(h);
    return next;
}

uintptr_t hak_central_flush(hak_heap_t *h, unsigned c, uintptr_t list, uint32_t n, uint32_t remote)
{
    uintptr_t last = list;
    for (uint32_t k = 1; k < n; k++) {
        uintptr_t next = hak_link_next(h, last);
        if (!next || !hak_in_arena(h, next))
            hak_fault("corrupted free list (cached block's link)", (void *)last);
        last = next;
    }
    uintptr_t rest = hak_link_next(h, last);
    hak_central_t *cl = &h->central[c];
    hak_lock(&cl->lock);
    if (n == hak_geom[c].batch && cl->nxfer < HAK_XFER_SLOTS && cl->xfer_credit) {
        cl->xfer_credit--;
        hak_link_store(h, last, 0);
        cl->xfer[cl->nxfer++] = list;
        cl->flushes++;
        cl->remote_frees += remote;
        hak_unlock(&cl->lock);
        hak_heap_tick(h);
        return rest;
    }
    hak_unlock(&cl->lock);
    hak_central_give(h, c, list, n, remote);
    return rest;
}

void hak_central_drain(hak_heap_t *h, unsigned c)
{
    hak_central_t *cl = &h->central[c];
    for (;;) {
        hak_lock(&cl->lock);
        uintptr_t list = cl->nxfer ? cl->xfer[--cl->nxfer] : 0;
        hak_unlock(&cl->lock);
        if (!list)
            return;
        hak_central_give(h, c, list, hak_geom[c].batch, 0);
    }
}

#if HAK_WITH_DECAY
void hak_central_decay(hak_heap_t *h, unsigned c)
{
    hak_central_t *cl = &h->central[c];
    hak_lock(&cl->lock);
    int idle = cl->refills == cl->decay_refills;
    cl->decay_refills = cl->refills;
    if (idle)
        cl->xfer_credit = 0;
    hak_unlock(&cl->lock);
    if (idle)
        hak_central_drain(h, c);
}
#endif /* HAK_WITH_DECAY */

#if HAK_WITH_CHECK
/* Checks one parked batch: batch free blocks of class c, 0-terminated. */
static unsigned check_parked(hak_heap_t *h, unsigned c, uintptr_t list)
{
    uint32_t seen = 0;
    for (uintptr_t b = list, holder = 0; b; holder = b, b = hak_link_next(h, b)) {
        if (++seen > hak_geom[c].batch || !hak_in_arena(h, b) || !hak_slab_owns(h, b, c)
            || hak_hdr_get(b) != hak_hdr_free(h, c)) {
            hak_report("check: bad link in a parked batch, in block (0: the first)", (void *)holder);
            return 1;
        }
    }
    if (seen != hak_geom[c].batch) {
        hak_report("check: parked batch of the wrong length, class", (void *)(uintptr_t)c);
        return 1;
    }
    return 0;
}

static unsigned check_slab(hak_heap_t *h, unsigned c, hak_slab_t *s)
{
    const hak_class_geom_t *g = &hak_geom[c];
    if (s->tag != HAK_SLAB_TAG(h, c) || hak_chunk_tag(h, (uintptr_t)s) != s->tag
        || s->cls != c || s->capacity != g->capacity
        || s->carved > s->capacity || s->nfree + s->npurged > s->carved) {
        hak_report("check: slab header inconsistent", s);
        return 1;
    }
    uint32_t seen = 0;
    for (uintptr_t b = s->free, holder = (uintptr_t)s; b; holder = b, b = hak_link_next(h, b)) {
        uint64_t off = (uint64_t)(b - (uintptr_t)s) - HAK_SLAB_DATA_OFF;
        if (++seen > s->nfree || !hak_in_arena(h, b) || hak_slab_of(b, c) != s
            || !hak_geom_is_block_start(c, off) || off / g->stride >= s->carved
            || (HAK_PLAT_HAS_PURGE && hak_slab_block_purged(s, c, (uint32_t)(off / g->stride)))
            || hak_hdr_get(b) != hak_hdr_free(h, c)) {
            hak_report("check: bad link on slab free list, in block (or slab)", (void *)holder);
            return 1;
        }
    }
    if (seen != s->nfree) {
        hak_report("check: slab free count disagrees with its list", s);
        return 1;
    }
    return 0;
}

unsigned hak_central_check(hak_heap_t *h, unsigned c)
{
    hak_central_t *cl = &h->central[c];
    unsigned bad = 0;
    hak_lock(&cl->lock);
    uint64_t listed = 0;
    hak_slab_t *last = 0;
    for (hak_slab_t *s = cl->partial; s; last = s, s = s->next) {
        if (!s->in_partial || s->nfree + s->npurged == 0) {
            hak_report("check: slab on partial list without free blocks", s);
            bad++;
        }
        if (s->prev != last) {
            hak_report("check: partial list's back link broken at slab", s);
            bad++;
        }
        bad += check_slab(h, c, s);
        listed += s->nfree;
    }
    if (last != cl->partial_tail) {
        hak_report("check: partial list's tail is not its last slab, class", (void *)(uintptr_t)c);
        bad++;
    }
    if (listed != cl->listed) {
        hak_report("check: class's count of listed blocks is off, class", (void *)(uintptr_t)c);
        bad++;
    }
    if (cl->carving)
        bad += check_slab(h, c, cl->carving);
    if (cl->nxfer > HAK_XFER_SLOTS) {
        hak_report("check: transfer cache count out of range, class", (void *)(uintptr_t)c);
        bad++;
    } else {
        for (uint32_t i = 0; i < cl->nxfer; i++)
            bad += check_parked(h, c, cl->xfer[i]);
    }
    if (cl->empty && (cl->empty->tag != HAK_SLAB_TAG(h, c)
                      || hak_chunk_tag(h, (uintptr_t)cl->empty) != HAK_SLAB_TAG(h, c))) {
        hak_report("check: retained empty slab lost its tag", cl->empty);
        bad++;
    }
    hak_unlock(&cl->lock);
    return bad;
}
#endif /* HAK_WITH_CHECK */
