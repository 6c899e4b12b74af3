/*
 * api.c - the hak_ API (include/hakmem.h) over the process heap and the
 * calling thread's cache. Built a second time with HAK_EXPORT_MALLOC defined
 * to export the standard malloc family as aliases of the same functions, so
 * a call to malloc costs exactly a call to hak_malloc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include "hosted.h"
#include "../core/fastpath.h"
#include "../core/large.h"
#include "../include/hakmem.h"

/* Until the heap is set up, its span of 0 makes every pointer fail
 * hak_in_arena, NULL included, so the first call of a process may be
 * free(NULL). */
hak_heap_t hak_hosted_heap = {
    .hooks = {
        .start = hak_hosted_heap_start,
        .back = hak_hosted_heap_back,
        .cache_started = hak_hosted_cache_started,
        .cache_for_caller = hak_hosted_cache_for_caller,
        .start_purger = hak_hosted_start_purger,
        .count_cached = hak_hosted_count_cached,
    },
};

/* Every thread starts on this shared placeholder: its bins are empty and
 * full, so the first malloc or free of a thread reaches the slow path,
 * which gives the thread a cache of its own (hak_hosted_cache_for_caller).
 * Only the 8-byte pointer is initial-exec TLS, so that libhakmem.so can be
 * loaded with dlopen and several copies can live in one process. */
static hak_tcache_t unbound_cache = { .state = HAK_TC_UNBOUND };
__thread hak_tcache_t *hak_hosted_cache __attribute__((tls_model("initial-exec"))) = &unbound_cache;

#define HEAP (&hak_hosted_heap)
#define CACHE (hak_hosted_cache)
/* Tool mode (tool.c): the entry points that do not start on a fast path
 * (which leaves for tool mode by itself) check it. TOOL_FIRST: also when
 * the call may be the process's first (the heap decides at its start). */
#define TOOL (__builtin_expect(hak_hosted_heap.tool != 0, 0))
#define TOOL_FIRST (__builtin_expect(tool_first(), 0))

static int tool_first(void)
{
    return (hak_heap_ready(HEAP) || hak_heap_init(HEAP) == 0) && HEAP->tool != 0;
}

#ifdef HAK_EXPORT_MALLOC
#define ALIAS(name) __attribute__((alias(name), visibility("default")))
void *malloc(size_t) ALIAS("hak_malloc");
void free(void *) ALIAS("hak_free");
void cfree(void *) ALIAS("hak_free");
void *calloc(size_t, size_t) ALIAS("hak_calloc");
void *realloc(void *, size_t) ALIAS("hak_realloc");
void *reallocarray(void *, size_t, size_t) ALIAS("hak_reallocarray");
void *aligned_alloc(size_t, size_t) ALIAS("hak_aligned_alloc");
int posix_memalign(void **, size_t, size_t) ALIAS("hak_posix_memalign");
size_t malloc_usable_size(void *) ALIAS("hak_usable_size");
void *memalign(size_t, size_t) ALIAS("hak_memalign");
void *valloc(size_t) ALIAS("hak_valloc");
void *pvalloc(size_t) ALIAS("hak_pvalloc");
int malloc_trim(size_t) ALIAS("hak_malloc_trim");

/* glibc's other names for the same functions. libc.a's malloc.o defines all
 * of them next to its own malloc, so a static program that names a single
 * one would pull that object in and link two mallocs; defined here, hakmem
 * serves them and malloc.o is never needed (the rest of its names, the
 * statistics and mallopt, are in glibc_compat.c). Each behaves exactly like
 * the standard function it aliases.
 * - __libc_*: exported by libc.so.6 as well, so these are exported from
 *   libhakmem.so too: under LD_PRELOAD a block from __libc_malloc is then a
 *   hakmem block that free accepts, and __libc_free takes hakmem's blocks.
 * - the other __ names exist only in libc.a: hidden here, they resolve a
 *   static link without joining libhakmem.so's exports. */
#define STATIC_ALIAS(name) __attribute__((alias(name), visibility("hidden")))
void *__libc_malloc(size_t) ALIAS("hak_malloc");
void __libc_free(void *) ALIAS("hak_free");
void *__libc_calloc(size_t, size_t) ALIAS("hak_calloc");
void *__libc_realloc(void *, size_t) ALIAS("hak_realloc");
void *__libc_memalign(size_t, size_t) ALIAS("hak_memalign");
void *__libc_valloc(size_t) ALIAS("hak_valloc");
void *__libc_pvalloc(size_t) ALIAS("hak_pvalloc");
void *__malloc(size_t) STATIC_ALIAS("hak_malloc");
void __free(void *) STATIC_ALIAS("hak_free");
void *__calloc(size_t, size_t) STATIC_ALIAS("hak_calloc");
void *__realloc(void *, size_t) STATIC_ALIAS("hak_realloc");
void *__memalign(size_t, size_t) STATIC_ALIAS("hak_memalign");
void *__valloc(size_t) STATIC_ALIAS("hak_valloc");
void *__pvalloc(size_t) STATIC_ALIAS("hak_pvalloc");
int __posix_memalign(void **, size_t, size_t) STATIC_ALIAS("hak_posix_memalign");
size_t __malloc_usable_size(void *) STATIC_ALIAS("hak_usable_size");
int __malloc_trim(size_t) STATIC_ALIAS("hak_malloc_trim");
#endif

static void *enomem(void)
{
    errno = ENOMEM;
    return NULL;
}

HAK_EXPORT void *hak_malloc(size_t size)
{
    return hak_fast_alloc(HEAP, CACHE, size);
}

HAK_EXPORT void hak_free(void *ptr)
{
    hak_fast_free(HEAP, CACHE, ptr);
}

HAK_EXPORT void *hak_calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return enomem();
    if (total > HAK_MID_MAX) {
        if (TOOL_FIRST)
            return HEAP->tool->alloc(HEAP, total, 16, 1);
        int zeroed = 0;
        void *p = hak_large_alloc(HEAP, total, 16, &zeroed);
        if (!p)
            return hak_out_of_memory();
        if (!zeroed)
            memset(p, 0, total);
        return p;
    }
    void *p = hak_fast_alloc(HEAP, CACHE, total);
    if (!p)
        return NULL;
    return memset(p, 0, total);
}

HAK_EXPORT void *hak_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return hak_malloc(size);
    if (size == 0) {
        /* free(ptr), but a bad pointer is reported as realloc's: checked
         * first (or by tool mode, which names realloc). */
        if (TOOL) {
            HEAP->tool->realloc(HEAP, ptr, 0);
            return NULL;
        }
        hak_block_usable(HEAP, ptr, "realloc");
        hak_free(ptr);
        return NULL;
    }
    /* A shrink whose smaller block cannot be had stays in place and
     * succeeds, after the failed attempt set ENOMEM: a successful call
     * leaves errno as it found it (as glibc does). */
    int saved = errno;
    void *p = TOOL ? HEAP->tool->realloc(HEAP, ptr, size) : hak_resize(HEAP, CACHE, ptr, size, "realloc");
    if (p)
        errno = saved;
    return p;
}

HAK_EXPORT void *hak_reallocarray(void *ptr, size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return enomem();
    return hak_realloc(ptr, total);
}

static int is_pow2(size_t v)
{
    return v && !(v & (v - 1u));
}

HAK_EXPORT void *hak_aligned_alloc(size_t alignment, size_t size)
{
    if (!is_pow2(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    if (alignment > 16u && TOOL_FIRST)
        return HEAP->tool->alloc(HEAP, size, alignment, 0);
    return hak_alloc_aligned(HEAP, CACHE, alignment, size);
}

HAK_EXPORT int hak_posix_memalign(void **out, size_t alignment, size_t size)
{
    if (!is_pow2(alignment) || alignment % sizeof(void *))
        return EINVAL;
    int saved = errno;
    void *p = alignment > 16u && TOOL_FIRST ? HEAP->tool->alloc(HEAP, size, alignment, 0)
                                            : hak_alloc_aligned(HEAP, CACHE, alignment, size);
    errno = saved;
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

/* The obsolete members of the family exist only under their standard names
 * (aliases of these, in the exporting build). */

/* memalign: like glibc, a non-power-of-two alignment is rounded up. */
void *hak_memalign(size_t alignment, size_t size) HAK_INTERNAL;
void *hak_memalign(size_t alignment, size_t size)
{
    size_t a = 16;
    while (a < alignment && a < ((size_t)1 << 62))
        a <<= 1;
    return hak_aligned_alloc(a, size);
}

void *hak_valloc(size_t size) HAK_INTERNAL;
void *hak_valloc(size_t size)
{
    return hak_aligned_alloc(4096, size);
}

void *hak_pvalloc(size_t size) HAK_INTERNAL;
void *hak_pvalloc(size_t size)
{
    if (size > SIZE_MAX - 4095u)
        return enomem();
    /* Whole pages, at least one (as glibc's pvalloc(0)). */
    size_t pages = size ? (size + 4095u) & ~(size_t)4095u : 4096u;
    return hak_aligned_alloc(4096, pages);
}

int hak_malloc_trim(size_t pad) HAK_INTERNAL;
int hak_malloc_trim(size_t pad)
{
    (void)pad;
    return hak_trim() > 0;
}

HAK_EXPORT size_t hak_usable_size(const void *ptr)
{
    if (ptr && TOOL)
        return HEAP->tool->usable(HEAP, ptr);
    return ptr ? hak_block_usable(HEAP, ptr, "malloc_usable_size") : 0;
}

HAK_EXPORT size_t hak_trim(void)
{
    hak_cache_flush(HEAP, CACHE);
    if (TOOL)
        hak_hosted_tool_trim(HEAP);
    return hak_heap_trim(HEAP);
}

HAK_EXPORT size_t hak_limit_set(size_t bytes)
{
    if (hak_heap_init(HEAP) < 0)
        return 0;
    return hak_heap_limit_set(HEAP, bytes);
}

HAK_EXPORT int hak_stats(hak_stats_t *out)
{
    if (!out)
        return -1;
    hak_heap_stats(HEAP, out);
    return 0;
}

HAK_EXPORT hak_arena_t *hak_process_arena(void)
{
    return hak_heap_init(HEAP) == 0 ? HEAP : NULL;
}

HAK_EXPORT int hak_check(void)
{
    unsigned bad = hak_heap_check(HEAP);
    if (hak_heap_ready(HEAP) && hak_hosted_cache->state == HAK_TC_LIVE)
        bad += hak_cache_check(HEAP, CACHE);
    return (int)bad;
}

HAK_EXPORT const char *hak_version(void)
{
    return "hakmem 0.1";
}
