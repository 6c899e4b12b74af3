/*
 * api.c - the image's allocation entry points (fs_malloc.h): the hak_ API
 * of include/hakmem.h over the default arena and the calling CPU's cache,
 * and the standard names as aliases of the same functions.
 *
 * Each entry turns the calling CPU's interrupts off around all of its
 * work, fast path and slow paths alike, and restores them after (the
 * pinning rule, platform/platform.h).
 */
#include "fs.h"
#include "fs_malloc.h"
#include "../core/fastpath.h"
#include "../core/large.h"

#define HEAP (&fs_heap)
#define ALIAS(name) __attribute__((alias(name)))

void *malloc(size_t) ALIAS("hak_malloc");
void free(void *) ALIAS("hak_free");
void *calloc(size_t, size_t) ALIAS("hak_calloc");
void *realloc(void *, size_t) ALIAS("hak_realloc");
void *reallocarray(void *, size_t, size_t) ALIAS("hak_reallocarray");
void *aligned_alloc(size_t, size_t) ALIAS("hak_aligned_alloc");
int posix_memalign(void **, size_t, size_t) ALIAS("hak_posix_memalign");
size_t malloc_usable_size(void *) ALIAS("hak_usable_size");

void *hak_malloc(size_t size)
{
    unsigned long irq = fs_irq_save();
    void *p = hak_fast_alloc(HEAP, fs_cache_here(), size);
    fs_irq_restore(irq);
    return p;
}

void hak_free(void *ptr)
{
    unsigned long irq = fs_irq_save();
    hak_fast_free(HEAP, fs_cache_here(), ptr);
    fs_irq_restore(irq);
}

void *hak_calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return 0;
    unsigned long irq = fs_irq_save();
    void *p;
    if (total > HAK_MID_MAX) {
        int zeroed = 0;
        p = hak_large_alloc(HEAP, total, 16, &zeroed);
        if (!p)
            p = hak_out_of_memory();
        else if (zeroed)
            total = 0;
    } else {
        p = hak_fast_alloc(HEAP, fs_cache_here(), total);
    }
    fs_irq_restore(irq);
    /* Clearing needs no pin: the block is the caller's already. */
    if (p && total)
        __builtin_memset(p, 0, total);
    return p;
}

void *hak_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return hak_malloc(size);
    if (size == 0) {
        hak_free(ptr);
        return 0;
    }
    unsigned long irq = fs_irq_save();
    void *p = hak_resize(HEAP, fs_cache_here(), ptr, size, "realloc");
    fs_irq_restore(irq);
    return p;
}

void *hak_reallocarray(void *ptr, size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total))
        return 0;
    return hak_realloc(ptr, total);
}

static int is_pow2(size_t v)
{
    return v && !(v & (v - 1u));
}

void *hak_aligned_alloc(size_t alignment, size_t size)
{
    if (!is_pow2(alignment))
        return 0;
    unsigned long irq = fs_irq_save();
    void *p = hak_alloc_aligned(HEAP, fs_cache_here(), alignment, size);
    fs_irq_restore(irq);
    return p;
}

int hak_posix_memalign(void **out, size_t alignment, size_t size)
{
    if (!is_pow2(alignment) || alignment % sizeof(void *))
        return FS_EINVAL;
    void *p = hak_aligned_alloc(alignment, size);
    if (!p)
        return FS_ENOMEM;
    *out = p;
    return 0;
}

size_t hak_usable_size(const void *ptr)
{
    if (!ptr)
        return 0;
    unsigned long irq = fs_irq_save();
    size_t n = hak_block_usable(HEAP, ptr, "malloc_usable_size");
    fs_irq_restore(irq);
    return n;
}

/* No purge on bare metal: trimming hands the CPU's cached blocks and the
 * retained empty slabs back to the arena, and purges nothing. */
size_t hak_trim(void)
{
    unsigned long irq = fs_irq_save();
    hak_cache_flush(HEAP, fs_cache_here());
    size_t n = hak_heap_trim(HEAP);
    fs_irq_restore(irq);
    return n;
}

size_t hak_limit_set(size_t bytes)
{
    unsigned long irq = fs_irq_save();
    size_t old = hak_heap_init(HEAP) == 0 ? hak_heap_limit_set(HEAP, bytes) : 0;
    fs_irq_restore(irq);
    return old;
}

#if HAK_WITH_STATS
int hak_stats(hak_stats_t *out)
{
    if (!out)
        return -1;
    unsigned long irq = fs_irq_save();
    hak_heap_stats(HEAP, out);
    fs_irq_restore(irq);
    return 0;
}
#endif /* HAK_WITH_STATS */

/* The default arena as a handle for hak_arena_stats, hak_arena_check and
 * the uncached hak_arena_ calls. */
hak_arena_t *hak_process_arena(void)
{
    return hak_heap_ready(HEAP) ? HEAP : 0;
}

#if HAK_WITH_CHECK
int hak_check(void)
{
    return (int)fs_heap_check();
}
#endif

const char *hak_version(void)
{
    return "hakmem 0.1";
}
