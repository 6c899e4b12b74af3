/*
 * tiny_hot.c - the allocator fast path: malloc/free pairs of one size.
 *
 * usage: tiny_hot [pairs [size]]      defaults: 10000000 16
 *
 * Each op mallocs `size` bytes, writes the first byte and frees the block
 * again. An untimed warm-up of pairs/10 ops runs first. ops = pairs.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>

/* n pairs of malloc(size) / touch / free. */
__attribute__((noinline)) static void run_loop(uint64_t n, size_t size)
{
    for (uint64_t i = 0; i < n; i++) {
        char *p = malloc(size);
        if (!p)
            bu_oom("tiny_hot");
        p[0] = (char)i;
        bu_escape(p); /* keep gcc from eliding the pair */
        free(p);
    }
}

/* The timed loop: run_loop under a name of its own, so callgrind counts
 * the timed pairs alone (--toggle-collect=bench_timed_loop). */
__attribute__((noinline)) void bench_timed_loop(uint64_t n, size_t size)
{
    run_loop(n, size);
    __asm__ volatile(""); /* no tail call: callgrind must see us return */
}

int main(int argc, char **argv)
{
    bu_init();
    uint64_t pairs = bu_arg(argc, argv, 1, 10000000);
    size_t size = (size_t)bu_arg(argc, argv, 2, 16);

    run_loop(pairs / 10, size); /* warm-up */
    double t0 = bu_now();
    bench_timed_loop(pairs, size);
    double secs = bu_now() - t0;

    char params[32];
    snprintf(params, sizeof params, "size=%zu", size);
    bu_report("tiny_hot", params, pairs, secs, NULL);
    return 0;
}
