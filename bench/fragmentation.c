/*
 * fragmentation.c - does memory freed in scattered holes get reused?
 *
 * usage: fragmentation [n [keep_pct [seed]]]     defaults: 200000 10 1
 *
 * Phase 1 mallocs n blocks of mixed sizes (60% 16..128, 30% 129..1024,
 * 10% 1025..4096 bytes) and fills each completely. Phase 2 frees all but
 * keep_pct % of them in random order. Phase 3 mallocs blocks of different
 * sizes (odd sizes 200..2000) and fills them, until as many bytes are live
 * again as phase 2 freed. VmRSS is read after each phase; an allocator that
 * reuses the holes (or returns the pages) ends phase 3 near rss_alloc_kb.
 * ops = mallocs + frees of all three phases; secs is their total time.
 * Extra fields: rss_alloc_kb, rss_freed_kb, rss_phase2_kb (after phase 3,
 * the "second allocation phase") and live_kb (bytes requested and live at
 * each of those points, for computing overhead).
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    void *p;
    size_t size;
} block;

/* Phase-1 size: 60% 16..128, 30% 129..1024, 10% 1025..4096. */
static size_t mixed_size(uint64_t r)
{
    unsigned pick = (unsigned)(r % 10);
    r >>= 8;
    if (pick < 6)
        return bu_range(r, 16, 128);
    if (pick < 9)
        return bu_range(r, 129, 1024);
    return bu_range(r, 1025, 4096);
}

/* Mallocs size bytes and fills them all (so RSS reflects the block). */
static void *alloc_filled(size_t size, uint64_t r)
{
    void *p = malloc(size);
    if (!p)
        bu_oom("fragmentation");
    memset(p, (int)(r & 0xff), size);
    return p;
}

int main(int argc, char **argv)
{
    bu_init();
    size_t n = (size_t)bu_arg(argc, argv, 1, 200000);
    unsigned keep = (unsigned)bu_arg(argc, argv, 2, 10);
    uint64_t rng = bu_arg(argc, argv, 3, 1);
    if (n == 0 || keep > 100) {
        fprintf(stderr, "fragmentation: need n > 0 and keep_pct <= 100\n");
        return 2;
    }
    block *b = malloc(n * sizeof *b);
    size_t *order = malloc(n * sizeof *order);
    if (!b || !order)
        bu_oom("fragmentation setup");
    for (size_t i = 0; i < n; i++) /* untimed: the free order */
        order[i] = i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(bu_rand(&rng) % (i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    uint64_t ops = 0, live = 0;

    double t0 = bu_now();
    for (size_t i = 0; i < n; i++) { /* phase 1 */
        uint64_t r = bu_rand(&rng);
        b[i].size = mixed_size(r);
        b[i].p = alloc_filled(b[i].size, r);
        live += b[i].size;
    }
    ops += n;
    double t1 = bu_now();
    long rss_alloc = bu_rss_kb();
    uint64_t live_alloc = live;

    double t2 = bu_now();
    size_t nfree = n - n * keep / 100; /* phase 2 */
    for (size_t k = 0; k < nfree; k++) {
        block *x = &b[order[k]];
        free(x->p);
        live -= x->size;
        x->p = NULL;
    }
    ops += nfree;
    double t3 = bu_now();
    long rss_freed = bu_rss_kb();
    uint64_t live_freed = live;

    double t4 = bu_now(); /* phase 3: refill the freed slots of b */
    for (size_t k = 0; k < nfree && live < live_alloc; k++) {
        block *x = &b[order[k]];
        uint64_t r = bu_rand(&rng);
        x->size = bu_range(r, 100, 1000) * 2 + 1;
        x->p = alloc_filled(x->size, r);
        live += x->size;
        ops++;
    }
    double t5 = bu_now();
    long rss_p2 = bu_rss_kb();

    for (size_t i = 0; i < n; i++)
        free(b[i].p);
    free(b);
    free(order);

    char params[48], extra[160];
    snprintf(params, sizeof params, "n=%zu keep_pct=%u", n, keep);
    snprintf(extra, sizeof extra,
             "rss_alloc_kb=%ld rss_freed_kb=%ld rss_phase2_kb=%ld live_kb=%llu/%llu/%llu",
             rss_alloc, rss_freed, rss_p2, (unsigned long long)(live_alloc >> 10),
             (unsigned long long)(live_freed >> 10), (unsigned long long)(live >> 10));
    bu_report("fragmentation", params, ops, (t1 - t0) + (t3 - t2) + (t5 - t4), extra);
    return 0;
}
