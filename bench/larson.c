/*
 * larson.c - Larson-style server workload with cross-thread frees.
 *
 * usage: larson [threads [rounds [round_ms [slots [min [max [seed]]]]]]]
 *        defaults: nproc 10 100 1000 16 1024 1   (threads 0 = nproc)
 *
 * The main thread fills `threads` arrays of `slots` blocks. Each round runs
 * one fresh thread per array for round_ms milliseconds; the thread keeps
 * replacing a random slot (free the old block, malloc a new one of
 * min..max bytes, write its first byte) and then exits. The next round hands
 * the array to a NEW thread, so almost every free releases a block that an
 * exited thread allocated. ops = mallocs + frees in all rounds; the time is
 * the wall time of all rounds (thread start/exit included).
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    _Alignas(BU_LINE) void **slot; /* the array handed from thread to thread */
    uint64_t rng;    /* PRNG state travels with the array */
    uint64_t ops;    /* mallocs + frees done so far */
} larson_arr;

static size_t g_slots, g_min, g_max;
static double g_round_secs;

/* Thread body for one round: replaces random blocks of the array until the
 * round's time is up (clock checked every 64 replacements). */
static void *round_worker(void *arg)
{
    larson_arr *a = arg;
    double end = bu_now() + g_round_secs;
    do {
        for (int k = 0; k < 64; k++) {
            uint64_t r = bu_rand(&a->rng);
            size_t idx = (size_t)(r % g_slots);
            free(a->slot[idx]);
            char *p = malloc(bu_range(r >> 20, g_min, g_max));
            if (!p)
                bu_oom("larson");
            p[0] = (char)r;
            a->slot[idx] = p;
        }
        a->ops += 128;
    } while (bu_now() < end);
    return NULL;
}

int main(int argc, char **argv)
{
    bu_init();
    unsigned threads = (unsigned)bu_arg(argc, argv, 1, 0);
    unsigned rounds = (unsigned)bu_arg(argc, argv, 2, 10);
    g_round_secs = (double)bu_arg(argc, argv, 3, 100) / 1000.0;
    g_slots = (size_t)bu_arg(argc, argv, 4, 1000);
    g_min = (size_t)bu_arg(argc, argv, 5, 16);
    g_max = (size_t)bu_arg(argc, argv, 6, 1024);
    uint64_t seed = bu_arg(argc, argv, 7, 1);
    if (threads == 0)
        threads = bu_nproc();
    if (g_slots == 0 || g_max < g_min || rounds == 0) {
        fprintf(stderr, "larson: need slots > 0, rounds > 0, min <= max\n");
        return 2;
    }

    larson_arr *arr = bu_calloc_lines(threads, sizeof *arr, "larson setup");
    pthread_t *tid = calloc(threads, sizeof *tid);
    if (!arr || !tid)
        bu_oom("larson setup");
    for (unsigned t = 0; t < threads; t++) { /* main thread pre-fills */
        arr[t].rng = seed * 0x1000193u + t;
        arr[t].slot = malloc(g_slots * sizeof(void *));
        if (!arr[t].slot)
            bu_oom("larson setup");
        for (size_t i = 0; i < g_slots; i++) {
            char *p = malloc(bu_range(bu_rand(&arr[t].rng), g_min, g_max));
            if (!p)
                bu_oom("larson setup");
            p[0] = 1;
            arr[t].slot[i] = p;
        }
    }

    double t0 = bu_now();
    for (unsigned r = 0; r < rounds; r++) {
        for (unsigned t = 0; t < threads; t++)
            if (pthread_create(&tid[t], NULL, round_worker, &arr[t])) {
                fprintf(stderr, "larson: pthread_create failed\n");
                return 1;
            }
        for (unsigned t = 0; t < threads; t++)
            pthread_join(tid[t], NULL);
    }
    double secs = bu_now() - t0;

    uint64_t ops = 0;
    for (unsigned t = 0; t < threads; t++) {
        ops += arr[t].ops;
        for (size_t i = 0; i < g_slots; i++)
            free(arr[t].slot[i]);
        free(arr[t].slot);
    }
    free(arr);
    free(tid);

    char params[128];
    snprintf(params, sizeof params, "threads=%u rounds=%u round_ms=%.0f slots=%zu min=%zu max=%zu",
             threads, rounds, g_round_secs * 1000.0, g_slots, g_min, g_max);
    bu_report("larson", params, ops, secs, NULL);
    return 0;
}
