/*
 * arenas.c - several threads on one arena, and on several arenas at once,
 * over the hak_arena_ API. Built for asan, ubsan and tsan
 * (build/tests/<variant>/arenas, hakmem compiled with the same sanitizer);
 * calls only hak_ names (the sanitizer runtime owns malloc, and the arenas'
 * regions come from it).
 *
 * Proves: 4 threads allocate from two arenas over 32 MiB buffers of the
 * system malloc (one created with flags 0, one over a zeroed buffer with
 * HAK_ARENA_ZEROED) and from the process heap (hak_malloc), with sizes
 * 16 B .. 64 KiB and a few 200 KiB blocks, through malloc, calloc (zeroed),
 * aligned_alloc (aligned) and realloc (prefix kept); every block carries a
 * pattern; a share of the blocks goes to another thread through a
 * mutex-protected queue, which checks the pattern and frees it into the
 * arena it came from (cross-thread frees), while the main thread reads
 * hak_arena_stats (reserved_bytes stays the region's length) and runs
 * hak_arena_check on both arenas concurrently. No
 * sanitizer report, no pattern damaged, no allocation fails; at the end
 * hak_arena_check() == 0 on both arenas, hak_arena_stats shows nothing in
 * use (in_use_bytes == 0, no large block) and reserved_bytes == meta + free,
 * and both arenas are destroyed (their buffers go back to the system).
 *
 *   arenas [ops per thread]     (default 40000; 16000 under TSan)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hakmem.h"

#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if __has_feature(thread_sanitizer) || defined(__SANITIZE_THREAD__)
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "halt_on_error=1";
}
#define DEFAULT_OPS 16000 /* TSan makes every access dearer; 2 cores */
#else
#define DEFAULT_OPS 40000
#endif

#define FAIL(...)                                                                \
    do {                                                                         \
        fprintf(stderr, "arenas: %s:%d: ", __FILE__, __LINE__);                  \
        fprintf(stderr, __VA_ARGS__);                                            \
        fputc('\n', stderr);                                                     \
        exit(1);                                                                 \
    } while (0)

enum { THREADS = 4, ARENAS = 2, HEAP = ARENAS, SLOTS = 96, QCAP = 256 };
#define REGION ((size_t)32 << 20)
#define REGION_ALIGN ((size_t)64 << 10)

typedef struct item {
    unsigned char *p;
    size_t n;
    uint32_t seed;
    int where; /* arena index, or HEAP for the process heap */
} item_t;

typedef struct queue {
    pthread_mutex_t lock;
    item_t items[QCAP];
    unsigned head, count;
} queue_t;

static hak_arena_t *arena[ARENAS];
static queue_t inbox[THREADS];
static long ops_per_thread = DEFAULT_OPS;
static int workers_done;
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static unsigned char pat(uint32_t seed, size_t i)
{
    return (unsigned char)(seed ^ (i * 167u) ^ (i >> 9));
}

/* Bytes carrying the pattern: all of a block up to 2 KiB; of a bigger one
 * the first and last KiB and every 64th byte between. */
static size_t next_index(size_t i, size_t n)
{
    if (n <= 2048 || i < 1024 || i + 1024 >= n)
        return i + 1;
    size_t j = (i | 63u) + 1;
    return j + 1024 < n ? j : n - 1024;
}

static void fill(const item_t *it)
{
    for (size_t j = 0; j < it->n; j = next_index(j, it->n))
        it->p[j] = pat(it->seed, j);
}

static void verify(const item_t *it, const char *when)
{
    for (size_t j = 0; j < it->n; j = next_index(j, it->n))
        if (it->p[j] != pat(it->seed, j))
            FAIL("%s: block %p (%zu bytes, %s %d) byte %zu clobbered", when, (void *)it->p,
                 it->n, it->where == HEAP ? "process heap" : "arena", it->where, j);
}

static size_t usable(const item_t *it)
{
    return it->where == HEAP ? hak_usable_size(it->p) : hak_arena_usable_size(arena[it->where], it->p);
}

static void release(item_t *it)
{
    if (it->where == HEAP)
        hak_free(it->p);
    else
        hak_arena_free(arena[it->where], it->p);
    it->p = NULL;
}

/* 16 B .. 64 KiB (small, mid and large classes), and 1 in 128 of 200 KiB. */
static size_t pick_size(uint64_t *r)
{
    uint64_t v = xorshift(r);
    switch (v % 128) {
    case 0:
        return (size_t)200 << 10;
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
        return 32784u + (v >> 8) % (65536u - 32784u + 1u); /* large run */
    default:
        if (v % 128 < 32)
            return 1040u + (v >> 8) % (32783u - 1040u + 1u); /* mid */
        return 16u + (v >> 8) % (1039u - 16u + 1u);          /* small */
    }
}

static int allocate(item_t *it, uint64_t *r)
{
    uint64_t v = xorshift(r);
    it->where = v % 20 < 2 ? HEAP : (int)(v % 2);
    it->n = pick_size(r);
    it->seed = (uint32_t)xorshift(r);
    unsigned how = (unsigned)(xorshift(r) % 16);
    if (it->where == HEAP) {
        it->p = how == 0 ? hak_calloc(1, it->n) : hak_malloc(it->n);
    } else if (how == 0) {
        it->p = hak_arena_calloc(arena[it->where], 1, it->n);
    } else if (how == 1) {
        size_t align = (size_t)32 << (xorshift(r) % 8); /* 32 .. 4096 */
        it->p = hak_arena_aligned_alloc(arena[it->where], align, it->n);
        if (it->p && ((uintptr_t)it->p & (align - 1u)))
            FAIL("hak_arena_aligned_alloc(%zu, %zu) = %p", align, it->n, (void *)it->p);
    } else {
        it->p = hak_arena_malloc(arena[it->where], it->n);
    }
    if (!it->p) {
        if (it->where == HEAP)
            FAIL("hak_malloc(%zu) failed", it->n);
        hak_arena_stats_t st;
        hak_arena_stats(arena[it->where], &st);
        FAIL("allocation of %zu bytes from arena %d failed (in use %llu, free %llu, meta %llu)",
             it->n, it->where, (unsigned long long)st.in_use_bytes,
             (unsigned long long)st.free_bytes, (unsigned long long)st.meta_bytes);
    }
    if ((uintptr_t)it->p & 15u)
        FAIL("block %p not 16-byte aligned", (void *)it->p);
    if (how == 0)
        for (size_t j = 0; j < it->n; j = next_index(j, it->n))
            if (it->p[j] != 0)
                FAIL("calloc block %p (%zu bytes, where %d) byte %zu not zero", (void *)it->p,
                     it->n, it->where, j);
    if (usable(it) < it->n)
        FAIL("usable size of %p below %zu", (void *)it->p, it->n);
    fill(it);
    return 1;
}

/* Hands `it` to thread `to`; 0 when its inbox is full (the caller frees). */
static int send_to(unsigned to, const item_t *it)
{
    queue_t *q = &inbox[to];
    pthread_mutex_lock(&q->lock);
    int ok = q->count < QCAP;
    if (ok) {
        q->items[(q->head + q->count) % QCAP] = *it;
        q->count++;
    }
    pthread_mutex_unlock(&q->lock);
    return ok;
}

/* Checks and frees what other threads sent to `me`; returns the count. */
static unsigned drain(unsigned me)
{
    item_t got[QCAP];
    unsigned n = 0;
    queue_t *q = &inbox[me];
    pthread_mutex_lock(&q->lock);
    while (q->count) {
        got[n++] = q->items[q->head];
        q->head = (q->head + 1) % QCAP;
        q->count--;
    }
    pthread_mutex_unlock(&q->lock);
    for (unsigned i = 0; i < n; i++) {
        verify(&got[i], "received from another thread");
        release(&got[i]);
    }
    return n;
}

typedef struct worker_result {
    unsigned long allocs, sent, received, reallocs;
} worker_result_t;

static worker_result_t results[THREADS];

static void *worker(void *arg)
{
    unsigned me = (unsigned)(uintptr_t)arg;
    uint64_t r = 0x9e3779b97f4a7c15ull * (me + 1u);
    item_t slot[SLOTS];
    memset(slot, 0, sizeof slot);
    worker_result_t *res = &results[me];
    for (long i = 0; i < ops_per_thread; i++) {
        if ((i & 15) == 0)
            res->received += drain(me);
        item_t *it = &slot[xorshift(&r) % SLOTS];
        if (!it->p) {
            allocate(it, &r);
            res->allocs++;
            continue;
        }
        verify(it, "own block");
        unsigned what = (unsigned)(xorshift(&r) % 8);
        if (what < 3) { /* to another thread, which frees it */
            unsigned to = (me + 1u + (unsigned)(xorshift(&r) % (THREADS - 1))) % THREADS;
            if (send_to(to, it)) {
                res->sent++;
                it->p = NULL;
                continue;
            }
        } else if (what == 3 && it->where != HEAP) { /* resize in its arena */
            size_t n = pick_size(&r);
            unsigned char *q = hak_arena_realloc(arena[it->where], it->p, n);
            if (!q)
                FAIL("hak_arena_realloc(%zu -> %zu) in arena %d failed", it->n, n, it->where);
            size_t keep = n < it->n ? n : it->n;
            for (size_t j = 0; j < keep; j = next_index(j, it->n))
                if (q[j] != pat(it->seed, j))
                    FAIL("hak_arena_realloc(%zu -> %zu) lost byte %zu", it->n, n, j);
            it->p = q;
            it->n = n;
            fill(it);
            res->reallocs++;
            continue;
        }
        release(it);
    }
    for (unsigned k = 0; k < SLOTS; k++)
        if (slot[k].p) {
            verify(&slot[k], "own block at the end");
            release(&slot[k]);
        }
    res->received += drain(me);
    pthread_mutex_lock(&done_lock);
    workers_done++;
    pthread_mutex_unlock(&done_lock);
    return NULL;
}

static int all_done(void)
{
    pthread_mutex_lock(&done_lock);
    int d = workers_done == THREADS;
    pthread_mutex_unlock(&done_lock);
    return d;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        ops_per_thread = atol(argv[1]);
    void *buf[ARENAS];
    for (int a = 0; a < ARENAS; a++) {
        buf[a] = aligned_alloc(REGION_ALIGN, REGION);
        if (!buf[a])
            FAIL("aligned_alloc of a 32 MiB region");
        unsigned flags = 0;
        if (a == 1) { /* a zeroed buffer may say so */
            memset(buf[a], 0, REGION);
            flags = HAK_ARENA_ZEROED;
        } else {
            memset(buf[a], 0xa5, REGION); /* old data: calloc must clear it */
        }
        arena[a] = hak_arena_create(buf[a], REGION, flags);
        if (!arena[a])
            FAIL("hak_arena_create(%p, 32 MiB, %u) failed", buf[a], flags);
        if ((uintptr_t)arena[a] < (uintptr_t)buf[a]
            || (uintptr_t)arena[a] >= (uintptr_t)buf[a] + REGION)
            FAIL("arena handle %p outside its region", (void *)arena[a]);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_mutex_init(&inbox[t].lock, NULL);

    pthread_t th[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        if (pthread_create(&th[t], NULL, worker, (void *)t))
            FAIL("pthread_create");
    /* concurrent readers of the arenas while the workers run. The stats
     * take the arena's locks one after another, so while other threads
     * allocate, meta + free + in use may miss a slab made or released
     * between two locks: counted and printed, not failed (the identity is
     * checked exactly once the workers are done). */
    unsigned checks = 0, skewed = 0;
    unsigned long long max_skew = 0;
    while (!all_done()) {
        for (int a = 0; a < ARENAS; a++) {
            hak_arena_stats_t st;
            if (hak_arena_stats(arena[a], &st) != 0)
                FAIL("hak_arena_stats");
            if (st.reserved_bytes != REGION)
                FAIL("arena %d during the run: reserved_bytes %llu, expected %zu", a,
                     (unsigned long long)st.reserved_bytes, REGION);
            uint64_t sum3 = st.meta_bytes + st.free_bytes + st.in_use_bytes;
            if (sum3 != st.reserved_bytes) {
                uint64_t d = sum3 > st.reserved_bytes ? sum3 - st.reserved_bytes : st.reserved_bytes - sum3;
                skewed++;
                if (d > max_skew)
                    max_skew = d;
            }
            int bad = hak_arena_check(arena[a]);
            if (bad)
                FAIL("hak_arena_check(arena %d) = %d during the run", a, bad);
        }
        checks++;
        usleep(5000);
    }
    worker_result_t sum = { 0, 0, 0, 0 };
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        sum.allocs += results[t].allocs;
        sum.sent += results[t].sent;
        sum.received += results[t].received;
        sum.reallocs += results[t].reallocs;
    }
    for (unsigned t = 0; t < THREADS; t++) /* sent after its owner finished */
        sum.received += drain(t);
    if (sum.received != sum.sent)
        FAIL("%lu blocks sent, %lu received", sum.sent, sum.received);

    for (int a = 0; a < ARENAS; a++) {
        int bad = hak_arena_check(arena[a]);
        if (bad)
            FAIL("final hak_arena_check(arena %d) = %d", a, bad);
        hak_arena_stats_t st;
        if (hak_arena_stats(arena[a], &st) != 0)
            FAIL("hak_arena_stats");
        if (st.in_use_bytes != 0 || st.large_blocks != 0 || st.large_bytes != 0)
            FAIL("arena %d after freeing everything: in use %llu bytes, %llu large blocks", a,
                 (unsigned long long)st.in_use_bytes, (unsigned long long)st.large_blocks);
        if (st.reserved_bytes != REGION || st.reserved_bytes != st.meta_bytes + st.free_bytes)
            FAIL("arena %d at the end: region %llu != meta %llu + free %llu", a,
                 (unsigned long long)st.reserved_bytes, (unsigned long long)st.meta_bytes,
                 (unsigned long long)st.free_bytes);
        if (st.refills == 0 || st.flushes == 0)
            FAIL("arena %d counted no allocation or free", a);
        printf("arena %d: %llu allocations, %llu frees; at the end meta %llu KiB, free %llu KiB, "
               "%llu slabs kept\n",
               a, (unsigned long long)st.refills, (unsigned long long)st.flushes,
               (unsigned long long)(st.meta_bytes >> 10), (unsigned long long)(st.free_bytes >> 10),
               (unsigned long long)st.slabs);
        hak_arena_destroy(arena[a]);
        free(buf[a]);
    }
    int bad = hak_check();
    if (bad)
        FAIL("hak_check() of the process heap = %d", bad);
    printf("arenas: %d threads x %ld ops ok: %lu allocations, %lu blocks freed by another thread, "
           "%lu reallocs, %u concurrent checks (stats identity off in %u reads, by up to %llu "
           "bytes)\n",
           THREADS, ops_per_thread, sum.allocs, sum.sent, sum.reallocs, checks, skewed, max_skew);
    return 0;
}
