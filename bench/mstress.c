/*
 * mstress.c - mstress-style: threads come and go, blocks outlive them.
 *
 * usage: mstress [threads [rounds [objs [transfer_pct [min [max [seed]]]]]]]
 *        defaults: nproc 20 20000 25 16 2048 1   (threads 0 = nproc)
 *
 * Each round starts `threads` fresh threads and joins them. A thread
 * allocates `objs` blocks (sizes skewed small: 7 in 8 fall in the lowest
 * eighth of min..max), then makes `objs` replacements of random blocks. A
 * replacement either frees the block (most of the time) or, with
 * probability transfer_pct %, swaps it into a random slot of a global
 * transfer table and frees whatever block it displaces - a block that some
 * other thread, usually one from an earlier round that has exited, made.
 * Finally the thread frees its remaining blocks. The transfer table lives
 * across rounds and is emptied at the end. ops = mallocs + frees.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static _Atomic(void *) *g_transfer; /* blocks handed to later threads */
static size_t g_tsize, g_objs, g_min, g_max;
static unsigned g_pct;

typedef struct {
    _Alignas(BU_LINE) uint64_t rng;
    uint64_t ops;
} worker_arg;

/* Mallocs a block of skewed random size and writes its first byte. */
static void *alloc_block(uint64_t r)
{
    size_t hi = (r >> 61) == 0 ? g_max : g_min + (g_max - g_min) / 8;
    char *p = malloc(bu_range(r >> 8, g_min, hi));
    if (!p)
        bu_oom("mstress");
    p[0] = (char)r;
    return p;
}

/* One thread's life: allocate, churn with some hand-overs, free the rest. */
static void *worker(void *arg)
{
    worker_arg *w = arg;
    void **loc = malloc(g_objs * sizeof *loc);
    if (!loc)
        bu_oom("mstress");
    for (size_t i = 0; i < g_objs; i++)
        loc[i] = alloc_block(bu_rand(&w->rng));
    uint64_t ops = g_objs;
    for (size_t k = 0; k < g_objs; k++) {
        uint64_t r = bu_rand(&w->rng);
        size_t idx = (size_t)(r % g_objs);
        if ((r >> 40) % 100 < g_pct) {
            size_t t = (size_t)((r >> 16) % g_tsize);
            void *old = atomic_exchange_explicit(&g_transfer[t], loc[idx], memory_order_acq_rel);
            if (old) {
                free(old);
                ops++;
            }
        } else {
            free(loc[idx]);
            ops++;
        }
        loc[idx] = alloc_block(bu_rand(&w->rng));
        ops++;
    }
    for (size_t i = 0; i < g_objs; i++)
        free(loc[i]);
    free(loc);
    w->ops += ops + g_objs;
    return NULL;
}

int main(int argc, char **argv)
{
    bu_init();
    unsigned threads = (unsigned)bu_arg(argc, argv, 1, 0);
    unsigned rounds = (unsigned)bu_arg(argc, argv, 2, 20);
    g_objs = (size_t)bu_arg(argc, argv, 3, 20000);
    g_pct = (unsigned)bu_arg(argc, argv, 4, 25);
    g_min = (size_t)bu_arg(argc, argv, 5, 16);
    g_max = (size_t)bu_arg(argc, argv, 6, 2048);
    uint64_t seed = bu_arg(argc, argv, 7, 1);
    if (threads == 0)
        threads = bu_nproc();
    if (g_objs == 0 || g_pct > 100 || g_max < g_min || g_min == 0) {
        fprintf(stderr, "mstress: need objs > 0, transfer_pct <= 100, 0 < min <= max\n");
        return 2;
    }
    g_tsize = g_objs * threads / 4 + 1;
    g_transfer = calloc(g_tsize, sizeof *g_transfer);
    worker_arg *wa = bu_calloc_lines(threads, sizeof *wa, "mstress setup");
    pthread_t *tid = calloc(threads, sizeof *tid);
    if (!g_transfer || !wa || !tid)
        bu_oom("mstress setup");

    double t0 = bu_now();
    for (unsigned r = 0; r < rounds; r++) {
        for (unsigned t = 0; t < threads; t++) {
            wa[t].rng = seed * 0x2545F491u + (uint64_t)r * threads + t;
            if (pthread_create(&tid[t], NULL, worker, &wa[t])) {
                fprintf(stderr, "mstress: pthread_create failed\n");
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
    for (size_t i = 0; i < g_tsize; i++)
        free(atomic_load(&g_transfer[i]));
    free(g_transfer);
    free(wa);
    free(tid);

    char params[128];
    snprintf(params, sizeof params, "threads=%u rounds=%u objs=%zu transfer_pct=%u min=%zu max=%zu",
             threads, rounds, g_objs, g_pct, g_min, g_max);
    bu_report("mstress", params, ops, secs, NULL);
    return 0;
}
