/*
 * heap_region.c - the address space behind the process heap.
 *
 * The process heap is an arena over a window of address space chosen once
 * and backed piece by piece as the heap grows (the core asks through the
 * `back` hook). Only backed pieces are mapped, so an address-space limit
 * (RLIMIT_AS) counts what the heap really uses, and a limit set after start
 * leaves the program its room.
 *
 * Placement: the kernel places new mappings top-down, below the lowest one
 * it already made. The window starts HOLE_BELOW bytes below that point,
 * leaving the space between the window and the program's other mappings
 * to the kernel, and grows upward into it. Where that address is not free
 * (or under a sanitizer, whose shadow memory owns fixed ranges), the window
 * is a free range the kernel finds for a trial reservation, released at
 * once. Growth stops, and allocations return NULL, only when the next
 * piece is refused: an address-space limit, or another mapping in the way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include "hosted.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* Largest window: 2^24 chunks of 64 KiB; its chunk table (12 bytes a
 * chunk, 192 MiB) is backed only as the heap grows. */
#define WINDOW_MAX ((size_t)1 << 40)
/* Room left to the kernel between the window's end and the program's
 * other mappings. */
#define HOLE_BELOW ((size_t)1 << 40)
/* Smallest window a trial reservation looks for. */
#define WINDOW_MIN ((size_t)1 << 24)

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

/* Maps [at, at + len) read-write, only if nothing is there. */
static int map_exactly(uintptr_t at, size_t len)
{
    void *p = mmap((void *)at, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    if ((uintptr_t)p != at) { /* a kernel without MAP_FIXED_NOREPLACE */
        munmap(p, len);
        return -1;
    }
    return 0;
}

int hak_hosted_heap_back(hak_heap_t *heap, uintptr_t at, size_t bytes)
{
    (void)heap;
    /* A refused growth step is retried with what the request needs
     * (core/arena.c, heap_grow): an allocation that then succeeds must not
     * leave mmap's ENOMEM behind. A real failure is reported by the core
     * (hak_plat_out_of_memory). */
    int saved = errno;
    int r = map_exactly(at, bytes);
    errno = saved;
    return r;
}

/* A window below the kernel's next placement; 0 when there is no room. */
static uintptr_t window_below_mappings(void)
{
    void *probe = mmap(NULL, HAK_CHUNK_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (probe == MAP_FAILED)
        return 0;
    munmap(probe, HAK_CHUNK_SIZE);
    uintptr_t top = (uintptr_t)probe;
    if (top < WINDOW_MAX + HOLE_BELOW + ((uintptr_t)1 << 32))
        return 0;
    uintptr_t at = (top - HOLE_BELOW - WINDOW_MAX) & ~(((uintptr_t)1 << 30) - 1u);
    if (map_exactly(at, HAK_CHUNK_SIZE) != 0)
        return 0;
    munmap((void *)at, HAK_CHUNK_SIZE);
    return at;
}

/* A free range the kernel finds; stores its length in *len. */
static uintptr_t window_found_by_kernel(size_t *len)
{
    for (size_t want = WINDOW_MAX; want >= WINDOW_MIN; want >>= 1) {
        void *p = mmap(NULL, want + HAK_CHUNK_SIZE, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            continue;
        munmap(p, want + HAK_CHUNK_SIZE);
        *len = want;
        return ((uintptr_t)p + HAK_CHUNK_SIZE - 1u) & ~(uintptr_t)(HAK_CHUNK_SIZE - 1u);
    }
    return 0;
}

int hak_hosted_heap_start(hak_heap_t *heap)
{
    /* The purge parameters: HAKMEM_PURGE_* and HAKMEM_WARM_RESERVE, or
     * the defaults of core/config.h. */
    hak_hosted_config_load();
    size_t len = WINDOW_MAX;
    uintptr_t at = UNDER_SANITIZER ? 0 : window_below_mappings();
    if (!at)
        at = window_found_by_kernel(&len);
    if (!at)
        return -1;
    if (hak_heap_setup(heap, at, len, HAK_ARENA_ZEROED | HAK_ARENA_PURGEABLE | HAK_ARENA_PURGED_ZERO,
                       &hak_hosted_config.heap) != 0)
        return -1;
    hak_hosted_tool_attach(heap); /* under valgrind or ASan (tool.c) */
    return 0;
}
