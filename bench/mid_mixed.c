/*
 * mid_mixed.c - single-threaded random malloc/free of mid sizes, spread
 * log-uniformly (as many blocks of 1-2 KiB as of 16-32 KiB).
 *
 * usage: mid_mixed [cycles [ws [seed [min [max]]]]]
 *        defaults: 1000000 1000 1 1024 32768
 *
 * An array of ws slots starts empty. Each iteration draws r (splitmix64),
 * takes idx from its low 32 bits (multiply-shift, no division), and frees
 * the block in slot idx if there is one, else mallocs a size from a table
 * of NSIZE log-uniform quantiles of [min, max] indexed by the top bits of r,
 * and writes its first byte: exactly one malloc or free per iteration. The
 * loop is kept as cheap as random_mixed's or cheaper (a shift and a load
 * for the size) so that the allocator, not the loop, dominates. An untimed
 * warm-up of cycles/10 iterations runs first; everything left is freed
 * (untimed) at the end. ops = timed iterations.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define NSIZE_BITS 10
#define NSIZE (1u << NSIZE_BITS) /* size table: 4 KiB, stays in L1 */

static uint32_t g_size[NSIZE];

/* Runs n iterations over slot[0..ws) with PRNG state *rng. */
__attribute__((noinline)) static void run_loop(void **slot, uint64_t ws, uint64_t n,
                                               uint64_t *rng)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = bu_rand(rng);
        size_t idx = (size_t)(((r & 0xffffffffu) * ws) >> 32);
        if (slot[idx]) {
            free(slot[idx]);
            slot[idx] = NULL;
        } else {
            char *p = malloc(g_size[r >> (64 - NSIZE_BITS)]);
            if (!p)
                bu_oom("mid_mixed");
            p[0] = (char)r;
            slot[idx] = p;
        }
    }
}

/* The timed loop: run_loop under a name of its own, so callgrind counts
 * the timed iterations alone (--toggle-collect=bench_timed_loop). */
__attribute__((noinline)) void bench_timed_loop(void **slot, uint64_t ws, uint64_t n,
                                                uint64_t *rng)
{
    run_loop(slot, ws, n, rng);
    __asm__ volatile(""); /* no tail call: callgrind must see us return */
}

int main(int argc, char **argv)
{
    bu_init();
    uint64_t cycles = bu_arg(argc, argv, 1, 1000000);
    uint64_t ws = bu_arg(argc, argv, 2, 1000);
    uint64_t rng = bu_arg(argc, argv, 3, 1);
    uint64_t min = bu_arg(argc, argv, 4, 1024);
    uint64_t max = bu_arg(argc, argv, 5, 32768);
    if (ws == 0 || ws > UINT32_MAX || max < min || min == 0 || max > UINT32_MAX) {
        fprintf(stderr, "mid_mixed: need 0 < ws < 2^32 and 0 < min <= max < 2^32\n");
        return 2;
    }
    /* g_size[i] = min * (max/min)^(i/(NSIZE-1)): both ends included. */
    double span = log((double)max / (double)min);
    for (unsigned i = 0; i < NSIZE; i++) {
        double s = (double)min * exp(span * i / (NSIZE - 1)) + 0.5;
        g_size[i] = (uint32_t)(s < (double)min ? min : s > (double)max ? max : s);
    }
    void **slot = calloc(ws, sizeof *slot);
    if (!slot)
        bu_oom("mid_mixed slots");

    run_loop(slot, ws, cycles / 10, &rng); /* warm-up */
    double t0 = bu_now();
    bench_timed_loop(slot, ws, cycles, &rng);
    double secs = bu_now() - t0;

    for (size_t i = 0; i < ws; i++)
        free(slot[i]);
    free(slot);

    char params[96];
    snprintf(params, sizeof params, "ws=%llu min=%llu max=%llu", (unsigned long long)ws,
             (unsigned long long)min, (unsigned long long)max);
    bu_report("mid_mixed", params, cycles, secs, NULL);
    return 0;
}
