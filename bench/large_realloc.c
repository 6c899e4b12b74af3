/*
 * large_realloc.c - blocks growing by realloc from 1 KiB to 4 MiB.
 *
 * usage: large_realloc [steps [seed [min [max]]]]
 *        defaults: 2000 1 1024 4194304
 *
 * Eight buffers grow in turn (so a block rarely has free space after it):
 * each step reallocs one buffer to 1.25x..2x its size (capped at max),
 * checks that the stamps written so far survived, and stamps the new part
 * (one byte every 256 bytes plus the last byte). A buffer that has reached
 * max is freed and starts again with malloc(min). Content damage exits
 * with status 3. An untimed warm-up runs until every buffer has reached
 * max once. ops = malloc + realloc + free calls of the timed steps.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>

#define NBUF 8      /* buffers growing in turn */
#define STRIDE 256  /* bytes between two stamps */

typedef struct {
    unsigned char *p;
    size_t size;
    unsigned gen;   /* generation, mixed into the stamps */
} buffer;

/* The stamp expected at byte offset off of a buffer of generation gen. */
static unsigned char stamp(size_t off, unsigned gen)
{
    return (unsigned char)((off / STRIDE) * 131u + (off % STRIDE) * 29u + gen * 7u + 1u);
}

/* Writes stamps into bytes [from, to) of b: every STRIDE-th byte and the
 * last byte (to - 1). */
static void write_stamps(buffer *b, size_t from, size_t to)
{
    for (size_t o = (from + STRIDE - 1) / STRIDE * STRIDE; o < to; o += STRIDE)
        b->p[o] = stamp(o, b->gen);
    b->p[to - 1] = stamp(to - 1, b->gen);
}

/* Checks the stamps of bytes [0, size) of b; exits with status 3 if one
 * was lost. */
static void check_stamps(const buffer *b, size_t size)
{
    for (size_t o = 0; o < size; o += STRIDE)
        if (b->p[o] != stamp(o, b->gen))
            goto bad;
    if (b->p[size - 1] == stamp(size - 1, b->gen))
        return;
bad:
    fprintf(stderr, "large_realloc: content lost (size %zu)\n", size);
    exit(3);
}

/* One step for buffer b: restart it if it reached max, start it with
 * malloc(min) if empty, else grow it by 1.25x..2x with realloc and check /
 * extend its stamps. Returns the number of malloc/realloc/free calls. */
static unsigned step(buffer *b, uint64_t *rng, size_t min, size_t max)
{
    unsigned ops = 0;
    if (b->size >= max) { /* finished: start over */
        free(b->p);
        b->p = NULL;
        b->size = 0;
        ops++;
    }
    if (!b->p) {
        b->p = malloc(min);
        if (!b->p)
            bu_oom("large_realloc");
        b->size = min;
        b->gen++;
        write_stamps(b, 0, min);
        return ops + 1;
    }
    size_t grow = b->size / 4 + (size_t)(bu_rand(rng) % (b->size * 3 / 4 + 1));
    size_t ns = b->size + grow > max ? max : b->size + grow;
    unsigned char *np = realloc(b->p, ns);
    if (!np)
        bu_oom("large_realloc");
    b->p = np;
    check_stamps(b, b->size);
    write_stamps(b, b->size, ns);
    b->size = ns;
    return ops + 1;
}

int main(int argc, char **argv)
{
    bu_init();
    uint64_t steps = bu_arg(argc, argv, 1, 2000);
    uint64_t rng = bu_arg(argc, argv, 2, 1);
    size_t min = (size_t)bu_arg(argc, argv, 3, 1024);
    size_t max = (size_t)bu_arg(argc, argv, 4, 4u << 20);
    if (min == 0 || max < min) {
        fprintf(stderr, "large_realloc: need 0 < min <= max\n");
        return 2;
    }
    buffer buf[NBUF] = {{0}};
    uint64_t s = 0, ops = 0;

    /* untimed warm-up: until every buffer has grown to max once, so the
     * timed steps see the allocator's steady state, not first-touch faults */
    for (int all = 0; !all; s++) {
        step(&buf[s % NBUF], &rng, min, max);
        all = 1;
        for (int i = 0; i < NBUF; i++)
            all &= buf[i].gen >= 2;
    }
    double t0 = bu_now();
    for (uint64_t end = s + steps; s < end; s++)
        ops += step(&buf[s % NBUF], &rng, min, max);
    double secs = bu_now() - t0;

    for (int i = 0; i < NBUF; i++)
        free(buf[i].p);
    char params[96];
    snprintf(params, sizeof params, "steps=%llu min=%zu max=%zu",
             (unsigned long long)steps, min, max);
    bu_report("large_realloc", params, ops, secs, NULL);
    return 0;
}
