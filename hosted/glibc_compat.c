/*
 * glibc_compat.c - the rest of glibc's malloc interface, answered by hakmem:
 * the statistics (mallinfo, mallinfo2, malloc_stats, malloc_info), mallopt,
 * and the glibc-internal names that libc.a's malloc.o defines.
 *
 * Why it exists: a static link takes libc.a's malloc.o as soon as the
 * program (or libc) needs any name that object defines and nothing before
 * it does; that object defines malloc, free and realloc as well, which
 * clash with hakmem's. So hakmem defines every global name of malloc.o
 * (glibc 2.36): the allocation functions and their __/__libc_ names as
 * aliases in api.c (an alias must live in its target's file), the others
 * here. Figures come from hak_arena_stats() on the process heap.
 *
 * Built only into the exporting libraries (libhakmem.a, libhakmem.so), like
 * api.c with HAK_EXPORT_MALLOC: the sanitizer builds keep their runtime's
 * malloc and must not get these names. Names that libc.so.6 exports are
 * exported from libhakmem.so too (LD_PRELOAD then answers them with
 * hakmem's figures); names that exist only in libc.a are hidden, which
 * still resolves them in a static link.
 */
#define _GNU_SOURCE
#ifndef HAK_EXPORT_MALLOC
#error "glibc_compat.c defines the standard names: build it only with HAK_EXPORT_MALLOC"
#endif
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "hosted.h"
#include "../include/hakmem.h"

#define ALIAS(name) __attribute__((alias(name), visibility("default")))
#define STATIC_ALIAS(name) __attribute__((alias(name), visibility("hidden")))
#define STATIC_ONLY HAK_INTERNAL

/* Linking this object must bring hakmem's malloc (api.c) with it: if only
 * libc called malloc, a static link would otherwise take malloc.o for it,
 * and malloc.o's copies of the names below would clash with these. */
__attribute__((used)) static void *(*const link_malloc)(size_t) = hak_malloc;

/* The process heap's figures now; all zero when the heap cannot be set up. */
static void heap_figures(hak_arena_stats_t *s)
{
    hak_arena_t *heap = hak_process_arena();
    if (!heap || hak_arena_stats(heap, s) != 0)
        memset(s, 0, sizeof *s);
}

static size_t to_size(uint64_t v)
{
    return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

static int to_int(uint64_t v)
{
    return v > INT_MAX ? INT_MAX : (int)v;
}

/* mallinfo2: hakmem's figures in glibc's structure, at the moment of the
 * call (the per-size-class locks are taken in turn, never all at once):
 *   arena    bytes of address space the heap has backed so far
 *   uordblks bytes in use: live blocks (with their header byte), blocks in
 *            thread caches, and large blocks' whole chunk runs
 *   fordblks free bytes: free chunks and free slab blocks
 *   hblks    live large blocks (above 32783 bytes)
 *   hblkhd   their bytes; unlike glibc's mmapped chunks they are part of
 *            uordblks too (hakmem's large blocks live in the same heap)
 *   keepcost free chunks not yet given back to the system (what malloc_trim
 *            would release now)
 * The rest (ordblks, smblks, usmblks, fsmblks) are 0: hakmem keeps no such
 * counts. arena - uordblks - fordblks is hakmem's own metadata. */
struct mallinfo2 mallinfo2(void) HAK_EXPORT;
struct mallinfo2 mallinfo2(void)
{
    hak_arena_stats_t s;
    heap_figures(&s);
    struct mallinfo2 m;
    memset(&m, 0, sizeof m);
    m.arena = to_size(s.reserved_bytes);
    m.uordblks = to_size(s.in_use_bytes);
    m.fordblks = to_size(s.free_bytes);
    m.hblks = to_size(s.large_blocks);
    m.hblkhd = to_size(s.large_bytes);
    m.keepcost = to_size(s.dirty_bytes);
    return m;
}

/* mallinfo: the fields of mallinfo2 in int, each saturating at INT_MAX
 * (glibc's wrap around past 2 GiB). */
struct mallinfo mallinfo(void) HAK_EXPORT;
struct mallinfo mallinfo(void)
{
    hak_arena_stats_t s;
    heap_figures(&s);
    struct mallinfo m;
    memset(&m, 0, sizeof m);
    m.arena = to_int(s.reserved_bytes);
    m.uordblks = to_int(s.in_use_bytes);
    m.fordblks = to_int(s.free_bytes);
    m.hblks = to_int(s.large_blocks);
    m.hblkhd = to_int(s.large_bytes);
    m.keepcost = to_int(s.dirty_bytes);
    return m;
}

/* malloc_stats: writes hakmem's figures to stderr in a few lines: the
 * allocator's name and version, bytes backed, in use, free, large blocks,
 * slabs, and bytes not yet / already given back to the system. Takes no
 * lock while it writes. */
void malloc_stats(void) HAK_EXPORT;
void malloc_stats(void)
{
    hak_arena_stats_t s;
    heap_figures(&s);
    fprintf(stderr,
            "%s\n"
            "backed bytes     = %llu\n"
            "in use bytes     = %llu\n"
            "free bytes       = %llu\n"
            "large blocks     = %llu (%llu bytes)\n"
            "slabs            = %llu (%llu bytes)\n"
            "unpurged bytes   = %llu (purged so far: %llu)\n",
            hak_version(), (unsigned long long)s.reserved_bytes,
            (unsigned long long)s.in_use_bytes, (unsigned long long)s.free_bytes,
            (unsigned long long)s.large_blocks, (unsigned long long)s.large_bytes,
            (unsigned long long)s.slabs, (unsigned long long)s.slab_bytes,
            (unsigned long long)s.dirty_bytes, (unsigned long long)s.purged_bytes);
}

/* malloc_info: options must be 0 (else -1 with errno = EINVAL, as glibc;
 * a NULL fp likewise). Writes one XML document to fp describing the process
 * heap:
 *   <malloc version="hakmem-1">
 *     <heap nr="0"> <slabs count size/> <large count size/>
 *       <total type="in-use|free|meta" size/>
 *       <system type="current|unpurged|purged" size/> </heap>
 *     <system type="current" size/> <aspace type="total" size/>
 *   </malloc>
 * (sizes in bytes; "current" is the address space backed). Returns 0, or -1
 * when writing to fp fails (errno from stdio). */
int malloc_info(int options, FILE *fp) HAK_EXPORT;
int malloc_info(int options, FILE *fp)
{
    if (options != 0 || !fp) {
        errno = EINVAL;
        return -1;
    }
    hak_arena_stats_t s;
    heap_figures(&s);
    int n = fprintf(fp,
                    "<malloc version=\"hakmem-1\">\n"
                    "<heap nr=\"0\">\n"
                    "<slabs count=\"%llu\" size=\"%llu\"/>\n"
                    "<large count=\"%llu\" size=\"%llu\"/>\n"
                    "<total type=\"in-use\" size=\"%llu\"/>\n"
                    "<total type=\"free\" size=\"%llu\"/>\n"
                    "<total type=\"meta\" size=\"%llu\"/>\n"
                    "<system type=\"current\" size=\"%llu\"/>\n"
                    "<system type=\"unpurged\" size=\"%llu\"/>\n"
                    "<system type=\"purged\" size=\"%llu\"/>\n"
                    "</heap>\n"
                    "<system type=\"current\" size=\"%llu\"/>\n"
                    "<aspace type=\"total\" size=\"%llu\"/>\n"
                    "</malloc>\n",
                    (unsigned long long)s.slabs, (unsigned long long)s.slab_bytes,
                    (unsigned long long)s.large_blocks, (unsigned long long)s.large_bytes,
                    (unsigned long long)s.in_use_bytes, (unsigned long long)s.free_bytes,
                    (unsigned long long)s.meta_bytes, (unsigned long long)s.reserved_bytes,
                    (unsigned long long)s.dirty_bytes, (unsigned long long)s.purged_bytes,
                    (unsigned long long)s.reserved_bytes, (unsigned long long)s.reserved_bytes);
    return n < 0 ? -1 : 0;
}

/* mallopt: returns 1 when hakmem honours the setting, 0 when it does not.
 * It honours none, so it returns 0 for every param and changes nothing
 * (errno untouched):
 *   M_MXFAST            no fastbins; thread caches are per size class
 *   M_TRIM_THRESHOLD,   free memory goes back by hakmem's own rule (at once
 *   M_TOP_PAD           past 48 MiB unpurged, down to 24 MiB, and what stays
 *                       unused for a second), set at start by HAKMEM_PURGE_*
 *                       and HAKMEM_WARM_RESERVE (hosted/config.c)
 *   M_MMAP_THRESHOLD,   large blocks (above 32783 bytes, fixed by the size
 *   M_MMAP_MAX          class table) are chunk runs of the heap, not mmaps
 *   M_ARENA_MAX,        one heap with per-thread caches, no arenas to count
 *   M_ARENA_TEST
 *   M_CHECK_ACTION      detected corruption is always reported and aborts
 *   M_PERTURB           poisoning exists only in DEBUG=1 builds
 * To give memory back now, call malloc_trim (or hak_trim). */
int mallopt(int param, int value) HAK_EXPORT;
int mallopt(int param, int value)
{
    (void)param;
    (void)value;
    return 0;
}

/* __libc_ names exported by libc.so.6. */
struct mallinfo __libc_mallinfo(void) __THROW ALIAS("mallinfo");
int __libc_mallopt(int, int) __THROW ALIAS("mallopt");

/* Names only libc.a defines: the same functions. */
struct mallinfo2 __libc_mallinfo2(void) __THROW STATIC_ALIAS("mallinfo2");
struct mallinfo2 __mallinfo2(void) __THROW STATIC_ALIAS("mallinfo2");
struct mallinfo __mallinfo(void) __THROW STATIC_ALIAS("mallinfo");
void __malloc_stats(void) __THROW STATIC_ALIAS("malloc_stats");
int __malloc_info(int, FILE *) __THROW STATIC_ALIAS("malloc_info");
int __mallopt(int, int) __THROW STATIC_ALIAS("mallopt");

/* glibc's own hooks, which libc.a calls through weak references when they
 * are defined: fork calls the first three around the copy and thread exit
 * calls the last. They do nothing: hakmem's pthread_atfork handlers and
 * thread-exit key (lifecycle.c) already do that work. */
void __malloc_fork_lock_parent(void) STATIC_ONLY;
void __malloc_fork_lock_parent(void) {}
void __malloc_fork_unlock_parent(void) STATIC_ONLY;
void __malloc_fork_unlock_parent(void) {}
void __malloc_fork_unlock_child(void) STATIC_ONLY;
void __malloc_fork_unlock_child(void) {}
void __malloc_arena_thread_freeres(void) STATIC_ONLY;
void __malloc_arena_thread_freeres(void) {}

/* __glibc_morecore: glibc's primitive that moves the program break by
 * increment bytes (sbrk) and returns the old break, or NULL when the system
 * refuses. hakmem never uses the program break; the function is here only
 * because malloc.o defines it, and it keeps glibc's meaning. */
void *__glibc_morecore(ptrdiff_t increment) STATIC_ONLY;
void *__glibc_morecore(ptrdiff_t increment)
{
    void *old = sbrk(increment);
    return old == (void *)-1 ? NULL : old;
}
