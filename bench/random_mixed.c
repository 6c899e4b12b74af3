/*
 * random_mixed.c - single-threaded random malloc/free over a working set.
 *
 * usage: random_mixed [cycles [ws [seed [min [max]]]]]
 *        defaults: 1000000 400 1 16 1039
 *
 * An array of ws slots starts empty. Each iteration draws r (splitmix64),
 * takes idx = r % ws, and frees the block in slot idx if there is one, else
 * mallocs min + r % (max-min+1) bytes (16 + (r & 1023) for the default range)
 * and writes its first byte: exactly one malloc or free per iteration. An
 * untimed warm-up of cycles/10 iterations runs first; everything left is
 * freed (untimed) at the end. ops = timed iterations.
 *
 * Note: idx and size come from the same r, so when ws and the size span
 * share low bits (e.g. ws 8192 with span 1024) a slot always gets the same
 * size. This is intended (it is the classic definition of the workload).
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>

/* Runs n iterations over slot[0..ws) with PRNG state *rng and sizes in
 * [min, max]. */
__attribute__((noinline)) static void run_loop(void **slot, size_t ws, uint64_t n,
                                               uint64_t *rng, size_t min, size_t max)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = bu_rand(rng);
        size_t idx = (size_t)(r % ws);
        if (slot[idx]) {
            free(slot[idx]);
            slot[idx] = NULL;
        } else {
            char *p = malloc(bu_range(r, min, max));
            if (!p)
                bu_oom("random_mixed");
            p[0] = (char)r;
            slot[idx] = p;
        }
    }
}

/* The timed loop: run_loop under a name of its own, so callgrind counts
 * the timed iterations alone (--toggle-collect=bench_timed_loop). */
__attribute__((noinline)) void bench_timed_loop(void **slot, size_t ws, uint64_t n,
                                                uint64_t *rng, size_t min, size_t max)
{
    run_loop(slot, ws, n, rng, min, max);
    __asm__ volatile(""); /* no tail call: callgrind must see us return */
}

int main(int argc, char **argv)
{
    bu_init();
    uint64_t cycles = bu_arg(argc, argv, 1, 1000000);
    size_t ws = (size_t)bu_arg(argc, argv, 2, 400);
    uint64_t rng = bu_arg(argc, argv, 3, 1);
    size_t min = (size_t)bu_arg(argc, argv, 4, 16);
    size_t max = (size_t)bu_arg(argc, argv, 5, 1039);
    if (ws == 0 || max < min || min == 0) {
        fprintf(stderr, "random_mixed: need ws > 0 and 0 < min <= max\n");
        return 2;
    }
    void **slot = calloc(ws, sizeof *slot);
    if (!slot)
        bu_oom("random_mixed slots");

    run_loop(slot, ws, cycles / 10, &rng, min, max); /* warm-up */
    double t0 = bu_now();
    bench_timed_loop(slot, ws, cycles, &rng, min, max);
    double secs = bu_now() - t0;

    for (size_t i = 0; i < ws; i++)
        free(slot[i]);
    free(slot);

    char params[96];
    snprintf(params, sizeof params, "ws=%zu min=%zu max=%zu", ws, min, max);
    bu_report("random_mixed", params, cycles, secs, NULL);
    return 0;
}
