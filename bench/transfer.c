/*
 * transfer.c - many threads hand blocks to each other through a shared
 * array; the threads are destroyed and re-created every round.
 *
 * usage: transfer [threads [rounds [work [slots [min [max [large_every
 *                 [large_max [seed]]]]]]]]]
 *        defaults: 32 20 400000 1024 16 1024 0 1048576 1
 *
 * Each round starts `threads` fresh threads and joins them. Together they
 * make `work` mallocs per round (work / threads each, the remainder spread
 * over the first ones): a thread mallocs a block (min..max bytes, or, when
 * large_every > 0, one time in large_every max+1..large_max bytes), writes
 * its first and last byte, swaps it atomically into a random slot of the
 * shared array and frees whatever block it got back - a block another
 * thread made, often one from an earlier round whose thread has exited, so
 * nearly every free is remote. The array lives across rounds and is emptied
 * (untimed) at the end. The time covers the rounds, thread creation and
 * joins included. ops = mallocs + frees.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static _Atomic(void *) *g_slot; /* the shared transfer array */
static uint64_t g_slots, g_min, g_max, g_large_every, g_large_max;

typedef struct {
    _Alignas(BU_LINE) uint64_t rng;
    uint64_t mallocs; /* mallocs this thread makes this round */
    uint64_t ops;     /* mallocs + frees, over all rounds */
} worker_arg;

/* One thread's life: malloc, swap into a random slot, free what came back. */
static void *worker(void *arg)
{
    worker_arg *w = arg;
    uint64_t ops = 0;
    for (uint64_t i = 0; i < w->mallocs; i++) {
        uint64_t r = bu_rand(&w->rng);
        size_t size = g_large_every && (r >> 24) % g_large_every == 0
                          ? bu_range(r & 0xffffff, g_max + 1, g_large_max)
                          : bu_range(r & 0xffffff, g_min, g_max);
        char *p = malloc(size);
        if (!p)
            bu_oom("transfer");
        p[0] = (char)r;
        p[size - 1] = (char)i;
        size_t idx = (size_t)(((bu_rand(&w->rng) >> 32) * g_slots) >> 32);
        void *old = atomic_exchange_explicit(&g_slot[idx], p, memory_order_acq_rel);
        ops++;
        if (old) {
            free(old);
            ops++;
        }
    }
    w->ops += ops;
    return NULL;
}

int main(int argc, char **argv)
{
    bu_init();
    unsigned threads = (unsigned)bu_arg(argc, argv, 1, 32);
    unsigned rounds = (unsigned)bu_arg(argc, argv, 2, 20);
    uint64_t work = bu_arg(argc, argv, 3, 400000);
    g_slots = bu_arg(argc, argv, 4, 1024);
    g_min = bu_arg(argc, argv, 5, 16);
    g_max = bu_arg(argc, argv, 6, 1024);
    g_large_every = bu_arg(argc, argv, 7, 0);
    g_large_max = bu_arg(argc, argv, 8, 1048576);
    uint64_t seed = bu_arg(argc, argv, 9, 1);
    if (threads == 0 || g_slots == 0 || g_slots > UINT32_MAX || g_min == 0 || g_max < g_min ||
        (g_large_every && g_large_max <= g_max)) {
        fprintf(stderr, "transfer: need threads > 0, 0 < slots < 2^32, 0 < min <= max,"
                        " large_max > max when large_every > 0\n");
        return 2;
    }
    g_slot = calloc(g_slots, sizeof *g_slot);
    worker_arg *wa = bu_calloc_lines(threads, sizeof *wa, "transfer setup");
    pthread_t *tid = calloc(threads, sizeof *tid);
    if (!g_slot || !wa || !tid)
        bu_oom("transfer setup");

    double t0 = bu_now();
    for (unsigned r = 0; r < rounds; r++) {
        for (unsigned t = 0; t < threads; t++) {
            wa[t].rng = seed * 0x9E3779B97F4A7C15ull + (uint64_t)r * threads + t;
            wa[t].mallocs = work / threads + (t < work % threads);
            if (pthread_create(&tid[t], NULL, worker, &wa[t])) {
                fprintf(stderr, "transfer: pthread_create failed\n");
                return 1;
            }
        }
        for (unsigned t = 0; t < threads; t++)
            pthread_join(tid[t], NULL);
    }
    double secs = bu_now() - t0;

    uint64_t ops = 0;
    for (unsigned t = 0; t < threads; t++)
        ops += wa[t].ops;
    for (size_t i = 0; i < g_slots; i++)
        free(atomic_load(&g_slot[i]));
    free(g_slot);
    free(wa);
    free(tid);

    char params[160];
    snprintf(params, sizeof params,
             "threads=%u rounds=%u work=%llu slots=%llu min=%llu max=%llu large_every=%llu"
             " large_max=%llu",
             threads, rounds, (unsigned long long)work, (unsigned long long)g_slots,
             (unsigned long long)g_min, (unsigned long long)g_max,
             (unsigned long long)g_large_every, (unsigned long long)g_large_max);
    bu_report("transfer", params, ops, secs, NULL);
    return 0;
}
