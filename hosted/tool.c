/*
 * tool.c - the process heap under a memory checker: valgrind (memcheck and
 * the other tools that track the heap) or AddressSanitizer.
 *
 * A checker knows malloc's blocks only if the allocator tells it. In tool
 * mode (core/heap.h, hak_tool_hooks_t) every allocation and free of the
 * process heap leaves the fast paths (the thread caches are never used)
 * for the functions below, which do the work with the core's uncached
 * calls and annotate each block:
 *   - valgrind: VALGRIND_MALLOCLIKE_BLOCK / VALGRIND_FREELIKE_BLOCK
 *     (valgrind/memcheck.h client requests), so that leaks, reads and
 *     writes outside a live block and use after free are reported as with
 *     glibc's malloc, with the stacks of the allocation and of the free;
 *   - AddressSanitizer (hakmem built with -fsanitize=address): the free
 *     blocks, the header bytes and the bytes past each block's requested
 *     size are poisoned (sanitizer/asan_interface.h), so that a program
 *     built with ASan gets a report on any access to them.
 * The core marks what it hands over (slab data, free chunks, large runs)
 * as hidden; the core's own reads and writes of hidden memory happen with
 * valgrind's error reporting off for the calling thread (VG_ENTER/LEAVE)
 * or, under ASan, through its unchecked accessors (core/block.h).
 *
 * Each block carries its requested size in the 8 bytes after it (hidden),
 * so that overflow by a single byte is seen, realloc copies exactly what
 * was asked, and malloc_usable_size returns the requested size (as
 * memcheck's own malloc does). A freed block waits in a quarantine
 * (first in, first out, up to QUARANTINE_BYTES) before hakmem reuses it,
 * so that a use after free is still caught after later allocations; its
 * header byte says so meanwhile, and a second free of it is reported as a
 * double free. realloc always moves the block.
 *
 * When: an AddressSanitizer build always runs in tool mode. Otherwise
 * (when valgrind/memcheck.h was there at build time) the process heap
 * starts in tool mode when it runs under valgrind with a tool that tracks
 * the heap (memcheck, and those that preload their own malloc: massif,
 * DHAT, helgrind, DRD), or with any tool when HAKMEM_VALGRIND=1;
 * HAKMEM_VALGRIND=0 never. Under callgrind or cachegrind hakmem keeps its
 * fast paths, so that they measure the real code. Outside valgrind the
 * decision costs one client request at start (a few instructions), and
 * the fast paths are the same instructions as without this file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "hosted.h"
#include "../core/block.h"

#ifndef HAK_VALGRIND
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#define HAK_VALGRIND 1
#endif
#endif
#endif
#ifndef HAK_VALGRIND
#define HAK_VALGRIND 0
#endif
#if HAK_VALGRIND
#if defined(__has_include)
#if !__has_include(<valgrind/memcheck.h>)
#error "the valgrind annotations (make VALGRIND=1) need valgrind/memcheck.h (Debian package valgrind)"
#endif
#endif
#include <valgrind/memcheck.h>
#endif
#if HAK_UNDER_ASAN
#include <sanitizer/asan_interface.h>
#endif

enum { TOOL_NONE, TOOL_VALGRIND, TOOL_ASAN };
static int mode;
static const char *why = "off: not under valgrind";

/* Bytes after each block holding its requested size. */
#define TAIL 8u
/* Freed blocks wait here before hakmem reuses them. */
#define QUARANTINE_BYTES ((size_t)16 << 20)
#define QUARANTINE_SLOTS 16384u

/* The header byte of a block in quarantine: a class that does not exist
 * (decodes as "not live" everywhere in the core). */
#define QUARANTINED ((uint8_t)(125u ^ (HAK_HDR_LIVE ^ HAK_HDR_KEY)))

typedef struct held {
    uintptr_t p;
    size_t bytes;
    uint8_t hdr; /* its own header byte, put back before the real free */
} held_t;

static held_t *ring;              /* QUARANTINE_SLOTS entries, mmap'd */
static unsigned ring_head, ring_len;
static size_t ring_bytes;
static hak_lock_t ring_lock;      /* a leaf; fork holds it like the heap's */

/* ---- valgrind's error reporting around the core's own accesses ---- */

#if HAK_VALGRIND
#define vg_enter()                                                            \
    do {                                                                      \
        if (mode == TOOL_VALGRIND)                                            \
            VALGRIND_DISABLE_ERROR_REPORTING;                                 \
    } while (0)
#define vg_leave()                                                            \
    do {                                                                      \
        if (mode == TOOL_VALGRIND)                                            \
            VALGRIND_ENABLE_ERROR_REPORTING;                                  \
    } while (0)
#else
#define vg_enter() ((void)0)
#define vg_leave() ((void)0)
#endif

/* ---- the checker's view of a range ---- */

static void hide(uintptr_t p, size_t n)
{
#if HAK_UNDER_ASAN
    ASAN_POISON_MEMORY_REGION((void *)p, n);
#elif HAK_VALGRIND
    VALGRIND_MAKE_MEM_NOACCESS((void *)p, n);
#else
    (void)p;
    (void)n;
#endif
}

static void open_range(uintptr_t p, size_t n)
{
#if HAK_UNDER_ASAN
    ASAN_UNPOISON_MEMORY_REGION((void *)p, n);
#elif HAK_VALGRIND
    VALGRIND_MAKE_MEM_DEFINED((void *)p, n);
#else
    (void)p;
    (void)n;
#endif
}

/* A block handed to the program: its requested bytes, and nothing else.
 * (A macro: a checker's report then names the caller, tool_malloc.) */
#if HAK_UNDER_ASAN
#define give_out(p, size) ASAN_UNPOISON_MEMORY_REGION((void *)(p), (size))
#elif HAK_VALGRIND
#define give_out(p, size) VALGRIND_MALLOCLIKE_BLOCK((void *)(p), (size), 0, 0)
#else
#define give_out(p, size) ((void)(p), (void)(size))
#endif

/* The requested size kept after the block (hidden memory: unchecked). */
HAK_NO_ASAN static void size_store(uintptr_t at, size_t size)
{
    __builtin_memcpy((void *)at, &size, sizeof size);
}

HAK_NO_ASAN static size_t size_load(uintptr_t at)
{
    size_t size;
    __builtin_memcpy(&size, (const void *)at, sizeof size);
    return size;
}

/* ---- the quarantine ---- */

/* Gives the block back to the core for good (hidden memory: valgrind's
 * reports are off around it). */
static void release(hak_heap_t *h, const held_t *e)
{
    vg_enter();
    hak_hdr_set(e->p, e->hdr);
    hak_free_nocache(h, (void *)e->p, "free");
    vg_leave();
}

/* Queues block p; frees what falls out of the quarantine. */
static void quarantine(hak_heap_t *h, uintptr_t p, size_t bytes, uint8_t hdr)
{
    held_t out[8];
    unsigned n = 0;
    if (!ring) {
        held_t e = { p, bytes, hdr };
        release(h, &e);
        return;
    }
    hak_lock(&ring_lock);
    while (ring_len && (ring_len == QUARANTINE_SLOTS || ring_bytes + bytes > QUARANTINE_BYTES)
           && n < sizeof out / sizeof out[0]) {
        out[n] = ring[ring_head];
        ring_bytes -= out[n].bytes;
        ring_head = (ring_head + 1u) % QUARANTINE_SLOTS;
        ring_len--;
        n++;
    }
    int full = ring_len == QUARANTINE_SLOTS;
    if (!full) {
        held_t *e = &ring[(ring_head + ring_len) % QUARANTINE_SLOTS];
        e->p = p;
        e->bytes = bytes;
        e->hdr = hdr;
        ring_len++;
        ring_bytes += bytes;
    }
    hak_unlock(&ring_lock);
    for (unsigned k = 0; k < n; k++)
        release(h, &out[k]);
    if (full) {
        held_t e = { p, bytes, hdr };
        release(h, &e);
    }
}

/* Frees everything in quarantine (memory is short, or hak_trim). Returns
 * the number of blocks freed. */
static unsigned drain(hak_heap_t *h)
{
    unsigned freed = 0;
    for (;;) {
        hak_lock(&ring_lock);
        held_t e = { 0, 0, 0 };
        if (ring && ring_len) {
            e = ring[ring_head];
            ring_bytes -= e.bytes;
            ring_head = (ring_head + 1u) % QUARANTINE_SLOTS;
            ring_len--;
        }
        hak_unlock(&ring_lock);
        if (!e.p)
            return freed;
        release(h, &e);
        freed++;
    }
}

/* ---- the hooks ---- */

static void *core_alloc(hak_heap_t *h, size_t need, size_t align)
{
    return align <= 16u ? hak_alloc_nocache(h, need) : hak_alloc_aligned(h, 0, align, need);
}

static void *tool_malloc(hak_heap_t *h, size_t size, size_t align, int zero)
{
    size_t need;
    if (__builtin_add_overflow(size, (size_t)TAIL, &need)) {
        errno = ENOMEM;
        return NULL;
    }
    vg_enter();
    int saved = errno;
    void *p = core_alloc(h, need, align);
    if (!p && drain(h)) {
        /* The quarantine gave memory back: a second try that succeeds
         * leaves errno as the caller had it, not the first one's ENOMEM. */
        p = core_alloc(h, need, align);
        if (p)
            errno = saved;
    }
    if (p)
        size_store((uintptr_t)p + hak_block_usable(h, p, "malloc") - TAIL, size);
    vg_leave();
    if (!p)
        return NULL; /* errno = ENOMEM from the core */
    give_out((uintptr_t)p, size);
    if (zero)
        memset(p, 0, size);
    hak_hosted_fork_handlers();
    return p;
}

/* Checks that p is a live block (reporting and stopping otherwise, with
 * hakmem's messages, naming `call`, the function the program called) and
 * returns its usable bytes; `freeing`: the call frees p (a block that is
 * not live is a double free, as without tool mode). valgrind's reports
 * are off (the caller's vg_enter). */
static size_t live_usable(hak_heap_t *h, const void *p, const char *call, int freeing)
{
    uintptr_t a = (uintptr_t)p;
    if (hak_in_arena(h, a)) {
        uint8_t hdr = hak_hdr_get(a);
        if (hdr == QUARANTINED)
            hak_fault_in(call, freeing ? "double free (block in hakmem's quarantine)"
                                       : "invalid pointer (block freed, in hakmem's quarantine)", p);
        if (freeing && hak_hdr_decode_live(h, hdr) >= HAK_HDR_LIVE)
            hak_free_nocache(h, (void *)p, call); /* reports what it is: double free... */
    }
    return hak_block_usable(h, p, call);
}

/* free, and realloc to size 0. */
static void free_as(hak_heap_t *h, void *p, const char *call)
{
    if (!p)
        return;
#if HAK_VALGRIND && !HAK_UNDER_ASAN
    /* First, so that memcheck reports a bad free with its stacks. */
    VALGRIND_FREELIKE_BLOCK(p, 0);
#endif
    vg_enter();
    uintptr_t a = (uintptr_t)p;
    size_t usable = live_usable(h, p, call, 1);
    uint8_t hdr = hak_hdr_get(a);
    hak_hdr_set(a, QUARANTINED);
    vg_leave();
#if HAK_UNDER_ASAN
    hide(a, usable);
#endif
    quarantine(h, a, usable, hdr);
}

static void tool_free(hak_heap_t *h, void *p)
{
    free_as(h, p, "free");
}

/* The size the program asked for block p. */
static size_t asked_size(hak_heap_t *h, const void *p, const char *call)
{
    vg_enter();
    size_t usable = live_usable(h, p, call, 0);
    size_t size = size_load((uintptr_t)p + usable - TAIL);
    vg_leave();
    return size;
}

static size_t tool_usable(hak_heap_t *h, const void *p)
{
    return asked_size(h, p, "malloc_usable_size");
}

static void *tool_realloc(hak_heap_t *h, void *p, size_t size)
{
    if (!p)
        return tool_malloc(h, size, 16, 0);
    if (size == 0) {
        free_as(h, p, "realloc");
        return NULL;
    }
    size_t old = asked_size(h, p, "realloc");
    void *q = tool_malloc(h, size, 16, 0);
    if (!q)
        return NULL;
    memcpy(q, p, old < size ? old : size);
    free_as(h, p, "realloc");
    return q;
}

static void tool_mark(hak_heap_t *h, uintptr_t p, size_t n, int how)
{
    (void)h;
    if (how == HAK_MARK_OPEN)
        open_range(p, n);
    else
        hide(p, n);
}

static void tool_quiet(hak_heap_t *h, int on)
{
    (void)h;
    if (on)
        vg_enter();
    else
        vg_leave();
}

static const hak_tool_hooks_t hooks = {
    .alloc = tool_malloc,
    .realloc = tool_realloc,
    .free = tool_free,
    .usable = tool_usable,
    .mark = tool_mark,
    .quiet = tool_quiet,
};

/* ---- start ---- */

#if HAK_VALGRIND && !HAK_UNDER_ASAN
/* 1 when the valgrind tool tracks the heap: memcheck (its client requests
 * answer), or a tool that preloads its own malloc (vgpreload_<tool>). */
static int tool_tracks_heap(void)
{
    int probe = 0;
    if ((long)VALGRIND_MAKE_MEM_DEFINED(&probe, sizeof probe) == -1)
        return 1;
    const char *pre = getenv("LD_PRELOAD");
    for (const char *s = pre; s && (s = strstr(s, "vgpreload_")); s += 10)
        if (strncmp(s + 10, "core", 4) != 0)
            return 1;
    return 0;
}
#endif

void hak_hosted_tool_detect(int setting)
{
#if HAK_UNDER_ASAN
    (void)setting;
    mode = TOOL_ASAN;
    why = "off: AddressSanitizer build (blocks poisoned instead)";
#elif HAK_VALGRIND
    if (!RUNNING_ON_VALGRIND)
        return;
    if (setting == 0) {
        why = "off under valgrind (HAKMEM_VALGRIND=0): valgrind sees no block";
    } else if (setting == 1 || tool_tracks_heap()) {
        mode = TOOL_VALGRIND;
        why = "on: under valgrind, every block annotated";
    } else {
        why = "off: under a valgrind tool that does not track the heap";
    }
#else
    (void)setting;
    why = "off: built without valgrind/memcheck.h";
#endif
}

void hak_hosted_tool_fault(void)
{
#if HAK_VALGRIND && !HAK_UNDER_ASAN
    /* A fault found where hakmem reads hidden memory (a double free, a
     * clobbered block) is inside a vg_enter window, a few deep at most;
     * valgrind ignores the surplus requests. */
    if (mode == TOOL_VALGRIND)
        for (int i = 0; i < 64; i++)
            VALGRIND_ENABLE_ERROR_REPORTING;
#endif
}

const char *hak_hosted_tool_name(void)
{
    return why;
}

void hak_hosted_tool_attach(hak_heap_t *heap)
{
    if (mode == TOOL_NONE)
        return;
    void *r = mmap(NULL, QUARANTINE_SLOTS * sizeof(held_t), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ring = r == MAP_FAILED ? NULL : r;
    hak_heap_set_tool(heap, &hooks);
}

/* Fork: the quarantine's lock is held for the copy, after the heap's. */
void hak_hosted_tool_fork(int phase)
{
    if (mode == TOOL_NONE)
        return;
    if (phase == 0) {
        hak_lock(&ring_lock);
        hak_lock_mark_all(&ring_lock);
    } else if (phase == 1) {
        hak_unlock_all_state(&ring_lock);
    } else {
        hak_lock_reset(&ring_lock);
    }
}

size_t hak_hosted_tool_trim(hak_heap_t *heap)
{
    return mode == TOOL_NONE ? 0 : drain(heap);
}
