/*
 * large_reuse.c - large blocks freed and allocated again in turn.
 *
 * usage: large_reuse [steps [live_mib [min [max [seed]]]]]
 *        defaults: 600 300 5242880 26214400 1
 *
 * Holds live_mib / ((min + max) / 2) slots (20 by default: about 300 MiB
 * live in blocks of 5 to 25 MiB). Each step frees a random slot, mallocs a
 * new block of a random size in [min, max] for it and fills it with
 * memset, as a program that rebuilds its large buffers does. An untimed
 * warm-up fills every slot and replaces each once. ops = malloc + free
 * calls of the timed steps; `minflt` is the minor page faults of the timed
 * steps (getrusage), `live_end_kb` the bytes live at the end.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define MAX_SLOTS 4096

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* Frees slot i (if set) and fills it with a new block of a random size. */
static void replace(unsigned char **slot, size_t *size, uint64_t *rng, size_t min, size_t max)
{
    free(*slot);
    size_t n = bu_range(bu_rand(rng), min, max);
    unsigned char *p = malloc(n);
    if (!p)
        bu_oom("large_reuse");
    memset(p, (int)(n & 0xff) | 1, n);
    *slot = p;
    *size = n;
}

int main(int argc, char **argv)
{
    bu_init();
    uint64_t steps = bu_arg(argc, argv, 1, 600);
    size_t live_mib = (size_t)bu_arg(argc, argv, 2, 300);
    size_t min = (size_t)bu_arg(argc, argv, 3, 5u << 20);
    size_t max = (size_t)bu_arg(argc, argv, 4, 25u << 20);
    uint64_t rng = bu_arg(argc, argv, 5, 1);
    if (min == 0 || max < min) {
        fprintf(stderr, "large_reuse: need 0 < min <= max\n");
        return 2;
    }
    size_t nslots = (live_mib << 20) / ((min + max) / 2);
    if (nslots < 1)
        nslots = 1;
    if (nslots > MAX_SLOTS)
        nslots = MAX_SLOTS;
    static unsigned char *slot[MAX_SLOTS];
    static size_t size[MAX_SLOTS];

    /* untimed warm-up: every slot filled, then replaced once */
    for (size_t i = 0; i < 2 * nslots; i++)
        replace(&slot[i % nslots], &size[i % nslots], &rng, min, max);

    long f0 = minor_faults();
    double t0 = bu_now();
    for (uint64_t s = 0; s < steps; s++) {
        size_t i = (size_t)(bu_rand(&rng) % nslots);
        replace(&slot[i], &size[i], &rng, min, max);
    }
    double secs = bu_now() - t0;
    long faults = minor_faults() - f0;

    size_t live = 0;
    for (size_t i = 0; i < nslots; i++) {
        if (slot[i][size[i] - 1] != (unsigned char)((size[i] & 0xff) | 1)) {
            fprintf(stderr, "large_reuse: content lost (slot %zu)\n", i);
            return 3;
        }
        live += size[i];
        free(slot[i]);
    }
    char params[128], extra[96];
    snprintf(params, sizeof params, "steps=%llu slots=%zu min=%zu max=%zu",
             (unsigned long long)steps, nslots, min, max);
    snprintf(extra, sizeof extra, "minflt=%ld live_end_kb=%zu", faults, live >> 10);
    bu_report("large_reuse", params, 2 * steps, secs, extra);
    return 0;
}
