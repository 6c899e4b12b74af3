/* large.c - page-run blocks (see large.h). */
#include "large.h"
#include "chunks.h"
#include "block.h"
#include "report.h"

typedef struct hak_large {
    uintptr_t magic;   /* LARGE_MAGIC(heap, run) while live, 0 after free */
    uintptr_t user;    /* the pointer handed out */
} hak_large_t;

#define LARGE_MAGIC(h, run) ((h)->ptr_key ^ (uintptr_t)(run) ^ (uintptr_t)0x4c41524745ull)
#define MIN_OFFSET 64u

_Static_assert(sizeof(hak_large_t) < MIN_OFFSET, "room for the header byte");

/* The run's header, and the block's header byte, live in memory that a
 * tool mode hides from everyone but the core (HAK_NO_ASAN: config.h). */
HAK_NO_ASAN static void header_set(hak_heap_t *h, uintptr_t run, uintptr_t user)
{
    hak_large_t *hdr = (hak_large_t *)run;
    hdr->magic = user ? LARGE_MAGIC(h, run) : 0;
    if (user) {
        hdr->user = user;
        hak_hdr_set(user, hak_hdr_live(h, HAK_CLASS_LARGE));
    }
}

HAK_NO_ASAN static int header_is(const hak_heap_t *h, uintptr_t run, uintptr_t user)
{
    const hak_large_t *hdr = (const hak_large_t *)run;
    return hdr->magic == LARGE_MAGIC(h, run) && hdr->user == user;
}

void *hak_large_alloc(hak_heap_t *h, size_t size, size_t align, int *zeroed)
{
    if (hak_heap_init(h) < 0)
        return 0;
    size_t off = align > MIN_OFFSET ? align : MIN_OFFSET;
    if (size > ((size_t)1 << 46) || off > ((size_t)1 << 40))
        return 0;
    size_t chunks = (off + size + HAK_CHUNK_SIZE) >> HAK_CHUNK_SHIFT; /* >= 1 byte past off */
    if (chunks > h->chunks.max_chunks)
        return 0;
    size_t run_align = align > HAK_CHUNK_SIZE ? align : HAK_CHUNK_SIZE;
    uintptr_t run = hak_chunks_alloc(&h->chunks, (uint32_t)chunks, run_align, 1, zeroed);
    if (!run) {
        /* Retained empty slabs and parked batches may hold the chunks. */
        hak_heap_reclaim(h);
        run = hak_chunks_alloc(&h->chunks, (uint32_t)chunks, run_align, 1, zeroed);
        if (!run)
            return 0;
    }
    header_set(h, run, run + off);
    /* Tool mode: the whole run is hidden; the port opens the user bytes. */
    hak_tool_mark(h, run, chunks << HAK_CHUNK_SHIFT, HAK_MARK_HIDDEN);
    return (void *)(run + off);
}

/* Returns the run of live large block p (storing its chunk count), or
 * reports `what`, naming the program's call, and stops. */
static uintptr_t live_run(hak_heap_t *h, const void *p, uint32_t *n, const char *call, const char *what)
{
    uintptr_t run = hak_chunks_large_run(&h->chunks, (uintptr_t)p, n);
    if (!run || !header_is(h, run, (uintptr_t)p))
        hak_fault_in(call, what, p);
    return run;
}

void hak_large_free(hak_heap_t *h, void *p, const char *call)
{
    uint32_t n;
    uintptr_t run = live_run(h, p, &n, call, "invalid pointer or double free (large block)");
    header_set(h, run, 0);
    hak_tool_mark(h, run, (size_t)n << HAK_CHUNK_SHIFT, HAK_MARK_HIDDEN);
    hak_chunks_free(&h->chunks, run, n);
    hak_heap_tick(h);
}

size_t hak_large_usable(hak_heap_t *h, const void *p, const char *call)
{
    uint32_t n;
    uintptr_t run = live_run(h, p, &n, call, "invalid pointer or double free (large block)");
    return ((size_t)n << HAK_CHUNK_SHIFT) - ((uintptr_t)p - run);
}

void hak_large_shrink(hak_heap_t *h, void *p, size_t new_size)
{
    uint32_t n;
    uintptr_t run = live_run(h, p, &n, "realloc", "invalid pointer (large block)");
    uintptr_t end = (uintptr_t)p + new_size;
    uint32_t keep = (uint32_t)((end - run + HAK_CHUNK_SIZE - 1u) >> HAK_CHUNK_SHIFT);
    /* Within its last chunk a block stays as it is: a program that grows a
     * buffer by small steps inside its usable size costs no system call. */
    if (keep >= n)
        return;
    hak_tool_mark(h, run + ((uintptr_t)keep << HAK_CHUNK_SHIFT), (size_t)(n - keep) << HAK_CHUNK_SHIFT,
                  HAK_MARK_HIDDEN);
    hak_chunks_shrink(&h->chunks, run, n, keep);
#if HAK_PLAT_HAS_PURGE
    /* The rest of the last kept chunk, page by page. */
    uintptr_t lo = (end + HAK_PLAT_PAGE_SIZE - 1u) & ~(uintptr_t)(HAK_PLAT_PAGE_SIZE - 1u);
    uintptr_t hi = run + ((uintptr_t)keep << HAK_CHUNK_SHIFT);
    if (h->chunks.can_purge && hi > lo && hak_plat_purge((void *)lo, hi - lo)) {
        __atomic_fetch_add(&h->chunks.purged_total, hi - lo, __ATOMIC_RELAXED);
        __atomic_fetch_add(&h->chunks.purges, 1, __ATOMIC_RELAXED);
    }
#endif
}

int hak_large_grow(hak_heap_t *h, void *p, size_t new_size)
{
    uint32_t n;
    uintptr_t run = live_run(h, p, &n, "realloc", "invalid pointer (large block)");
    if (new_size > ((size_t)1 << 46))
        return 0;
    size_t need = ((uintptr_t)p - run) + new_size;
    size_t want = (need + HAK_CHUNK_SIZE - 1u) >> HAK_CHUNK_SHIFT;
    if (want <= n)
        return 1;
    if (want > h->chunks.max_chunks)
        return 0;
    return hak_chunks_grow(&h->chunks, run, n, (uint32_t)want);
}
