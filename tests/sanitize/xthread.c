/*
 * xthread.c - multi-threaded cross-thread-free workload over the hak_ API.
 * Built for asan, ubsan and tsan (build/tests/<variant>/xthread, hakmem
 * compiled with the same sanitizer) and plain for valgrind.
 *
 * Proves: producers allocate and fill blocks (small, mid, large, aligned)
 * that consumers on other threads verify and free, in waves of threads that
 * start and exit (so thread caches are set up concurrently, including the
 * very first initialisation of the heap, and handed back at exit), while the
 * main thread calls hak_check() and hak_stats() concurrently. Under TSan no
 * data race is reported inside hakmem and no block is handed to two owners
 * (that would show as a race, or as a content mismatch here); under ASan and
 * UBSan no report; hak_check() passes at the end and hak_stats counts every
 * exited thread (except where hakmem keeps no thread caches: under ASan, or
 * with "uncached" when run under valgrind; see hosted/tool.c).
 *
 *   xthread [waves] [items per producer] [uncached]     (default 6 4000)
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
#ifdef __SANITIZE_ADDRESS__
static const int defined_asan = 1;
#else
static const int defined_asan = 0;
#endif
#if __has_feature(thread_sanitizer) || defined(__SANITIZE_THREAD__)
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "halt_on_error=1";
}
#endif

#define FAIL(...)                                                                \
    do {                                                                         \
        fprintf(stderr, "xthread: %s:%d: ", __FILE__, __LINE__);                 \
        fprintf(stderr, __VA_ARGS__);                                            \
        fputc('\n', stderr);                                                     \
        exit(1);                                                                 \
    } while (0)

enum { PRODUCERS = 3, CONSUMERS = 3, QCAP = 512 };

typedef struct item {
    unsigned char *p;
    size_t n;
    uint32_t seed;
} item_t;

typedef struct queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    item_t items[QCAP];
    unsigned head, count, producers_left;
} queue_t;

static queue_t queue = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                         PTHREAD_COND_INITIALIZER, { { 0, 0, 0 } }, 0, 0, 0 };
static long items_per_producer = 4000;
static volatile int workers_running;

static unsigned char pat(uint32_t seed, size_t i)
{
    return (unsigned char)(seed ^ (i * 167u) ^ (i >> 9));
}

/* Bytes carrying the pattern: all of a block up to 2 KiB; of a bigger one
 * the first and last KiB and every 64th byte between (sanitizer builds
 * check every access, so a full pass over large blocks would dominate). */
static size_t next_index(size_t i, size_t n)
{
    if (n <= 2048 || i < 1024 || i + 1024 >= n)
        return i + 1;
    size_t j = (i | 63u) + 1;
    return j + 1024 < n ? j : n - 1024;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t pick_size(uint64_t *r)
{
    uint64_t v = xorshift(r);
    switch (v % 20) {
    case 0:
    case 1:
        return 32784u + (v >> 8) % (200u << 10); /* large */
    case 2:
    case 3:
    case 4:
        return 1040u + (v >> 8) % 31744u;         /* mid */
    default:
        return (v >> 8) % 1040u;                  /* small */
    }
}

static void push(item_t it)
{
    pthread_mutex_lock(&queue.lock);
    while (queue.count == QCAP)
        pthread_cond_wait(&queue.not_full, &queue.lock);
    queue.items[(queue.head + queue.count) % QCAP] = it;
    queue.count++;
    pthread_cond_signal(&queue.not_empty);
    pthread_mutex_unlock(&queue.lock);
}

/* Returns 0 when every producer of the wave is done and the queue is empty. */
static int pop(item_t *out)
{
    pthread_mutex_lock(&queue.lock);
    while (queue.count == 0 && queue.producers_left > 0)
        pthread_cond_wait(&queue.not_empty, &queue.lock);
    int got = queue.count > 0;
    if (got) {
        *out = queue.items[queue.head];
        queue.head = (queue.head + 1) % QCAP;
        queue.count--;
        pthread_cond_signal(&queue.not_full);
    }
    pthread_mutex_unlock(&queue.lock);
    return got;
}

static void *producer(void *arg)
{
    uint64_t r = 0x2545f4914f6cdd1dull * ((uintptr_t)arg + 1);
    void *local[64] = { 0 };
    for (long i = 0; i < items_per_producer; i++) {
        size_t n = pick_size(&r);
        unsigned char *p;
        if (xorshift(&r) % 8 == 0) {
            size_t align = (size_t)32 << (xorshift(&r) % 8);
            p = hak_aligned_alloc(align, n);
            if (p && ((uintptr_t)p & (align - 1u)))
                FAIL("aligned_alloc(%zu, %zu) = %p", align, n, (void *)p);
        } else {
            p = hak_malloc(n);
        }
        if (!p)
            FAIL("allocation of %zu bytes failed", n);
        uint32_t seed = (uint32_t)xorshift(&r);
        for (size_t j = 0; j < n; j = next_index(j, n))
            p[j] = pat(seed, j);
        push((item_t){ p, n, seed });
        /* thread-local churn next to the cross-thread traffic */
        unsigned k = (unsigned)(xorshift(&r) % 64);
        hak_free(local[k]);
        local[k] = hak_malloc((size_t)(xorshift(&r) % 700));
        if (!local[k])
            FAIL("local malloc failed");
    }
    for (unsigned k = 0; k < 64; k++)
        hak_free(local[k]);
    pthread_mutex_lock(&queue.lock);
    queue.producers_left--;
    pthread_cond_broadcast(&queue.not_empty);
    pthread_mutex_unlock(&queue.lock);
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    item_t it;
    while (pop(&it)) {
        for (size_t j = 0; j < it.n; j = next_index(j, it.n))
            if (it.p[j] != pat(it.seed, j))
                FAIL("block %p (%zu bytes) byte %zu clobbered", (void *)it.p, it.n, j);
        if (hak_usable_size(it.p) < it.n)
            FAIL("usable size of %p below %zu", (void *)it.p, it.n);
        if (it.n % 3 == 0) { /* grow it here, then free: realloc across threads */
            unsigned char *q = hak_realloc(it.p, it.n + 100);
            if (!q)
                FAIL("realloc failed");
            for (size_t j = 0; j < it.n; j = next_index(j, it.n))
                if (q[j] != pat(it.seed, j))
                    FAIL("realloc lost byte %zu", j);
            it.p = q;
        }
        hak_free(it.p);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int waves = argc > 1 ? atoi(argv[1]) : 6;
    if (argc > 2)
        items_per_producer = atol(argv[2]);
    unsigned checks = 0;
    /* No hak_ call before the first wave: its threads race to set the heap up. */
    for (int w = 0; w < waves; w++) {
        pthread_t prod[PRODUCERS], cons[CONSUMERS];
        queue.producers_left = PRODUCERS;
        workers_running = 1;
        for (uintptr_t i = 0; i < PRODUCERS; i++)
            if (pthread_create(&prod[i], NULL, producer, (void *)(i + (uintptr_t)w * PRODUCERS)))
                FAIL("pthread_create");
        for (int i = 0; i < CONSUMERS; i++)
            if (pthread_create(&cons[i], NULL, consumer, NULL))
                FAIL("pthread_create");
        { /* concurrent checks while the workers run (in wave 0, while they
           * may still be setting the heap up) */
            for (int k = 0; k < 3; k++) {
                usleep(2000);
                int bad = hak_check();
                if (bad)
                    FAIL("hak_check() = %d during wave %d", bad, w);
                hak_stats_t st;
                hak_stats(&st);
                checks++;
            }
        }
        for (int i = 0; i < PRODUCERS; i++)
            pthread_join(prod[i], NULL);
        for (int i = 0; i < CONSUMERS; i++)
            pthread_join(cons[i], NULL);
    }
    int bad = hak_check();
    if (bad)
        FAIL("final hak_check() = %d", bad);
    /* Under valgrind or ASan freed blocks wait in a quarantine (hosted/
     * tool.c) until hak_trim(). */
    hak_trim();
    hak_stats_t st;
    hak_stats(&st);
    unsigned long long want = (unsigned long long)waves * (PRODUCERS + CONSUMERS);
    int uncached = (argc > 3 && !strcmp(argv[3], "uncached")) || __has_feature(address_sanitizer)
                   || defined_asan;
    if (uncached && st.caches_released != 0)
        FAIL("caches_released = %llu where hakmem keeps no thread cache", (unsigned long long)st.caches_released);
    if (!uncached && st.caches_released < want)
        FAIL("caches_released = %llu, expected >= %llu", (unsigned long long)st.caches_released, want);
    if (st.large_blocks != 0)
        FAIL("%llu large blocks live at the end", (unsigned long long)st.large_blocks);
    printf("xthread: %d waves x %d producers x %ld items ok (%u concurrent checks); "
           "caches_released %llu, refills %llu, flushes %llu\n",
           waves, PRODUCERS, items_per_producer, checks, (unsigned long long)st.caches_released,
           (unsigned long long)st.refills, (unsigned long long)st.flushes);
    return 0;
}
