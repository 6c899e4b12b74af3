/*
 * burst.c - single-threaded bursts of allocations, each freed as a whole.
 *
 * usage: burst [bursts [size [min [max [order [seed]]]]]]
 *        defaults: 20000 16 400 1600 0 1
 *
 * Each burst draws n from [min, max] (splitmix64), mallocs n blocks of
 * `size` bytes (writing the first byte of each), then frees all n: in the
 * order they were allocated (order 0), in reverse (order 1) or in a random
 * order (order 2, a Fisher-Yates shuffle of the burst's slots before the
 * frees, cheap next to the mallocs). A thread cache that holds fewer blocks
 * than a burst moves the excess to its shared lists and back on every
 * burst. An untimed warm-up of bursts/10 runs first. ops = mallocs + frees.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>

/* Runs `bursts` bursts with slots slot[0..max) and PRNG state *rng;
 * returns the number of mallocs and frees. */
__attribute__((noinline)) static uint64_t run_loop(void **slot, uint64_t bursts, size_t size,
                                                   size_t min, size_t max, unsigned order,
                                                   uint64_t *rng)
{
    uint64_t ops = 0;
    for (uint64_t b = 0; b < bursts; b++) {
        size_t n = bu_range(bu_rand(rng), min, max);
        for (size_t i = 0; i < n; i++) {
            char *p = malloc(size);
            if (!p)
                bu_oom("burst");
            p[0] = (char)i;
            slot[i] = p;
        }
        if (order == 2) {
            for (size_t i = n - 1; i > 0; i--) {
                size_t j = (size_t)(bu_rand(rng) % (i + 1));
                void *t = slot[i];
                slot[i] = slot[j];
                slot[j] = t;
            }
        }
        if (order == 1) {
            for (size_t i = n; i-- > 0;)
                free(slot[i]);
        } else {
            for (size_t i = 0; i < n; i++)
                free(slot[i]);
        }
        ops += 2u * n;
    }
    return ops;
}

/* The timed loop: run_loop under a name of its own, so callgrind counts
 * the timed bursts alone (--toggle-collect=bench_timed_loop). */
__attribute__((noinline)) uint64_t bench_timed_loop(void **slot, uint64_t bursts, size_t size,
                                                    size_t min, size_t max, unsigned order,
                                                    uint64_t *rng)
{
    uint64_t ops = run_loop(slot, bursts, size, min, max, order, rng);
    __asm__ volatile(""); /* no tail call: callgrind must see us return */
    return ops;
}

int main(int argc, char **argv)
{
    bu_init();
    uint64_t bursts = bu_arg(argc, argv, 1, 20000);
    size_t size = (size_t)bu_arg(argc, argv, 2, 16);
    size_t min = (size_t)bu_arg(argc, argv, 3, 400);
    size_t max = (size_t)bu_arg(argc, argv, 4, 1600);
    unsigned order = (unsigned)bu_arg(argc, argv, 5, 0);
    uint64_t rng = bu_arg(argc, argv, 6, 1);
    if (min == 0 || max < min || order > 2) {
        fprintf(stderr, "burst: need 0 < min <= max and order 0, 1 or 2\n");
        return 2;
    }
    void **slot = calloc(max, sizeof *slot);
    if (!slot)
        bu_oom("burst slots");

    run_loop(slot, bursts / 10, size, min, max, order, &rng); /* warm-up */
    double t0 = bu_now();
    uint64_t ops = bench_timed_loop(slot, bursts, size, min, max, order, &rng);
    double secs = bu_now() - t0;
    free(slot);

    static const char *const names[] = { "fifo", "reverse", "random" };
    char params[96];
    snprintf(params, sizeof params, "size=%zu min=%zu max=%zu order=%s", size, min, max,
             names[order]);
    bu_report("burst", params, ops, secs, NULL);
    return 0;
}
