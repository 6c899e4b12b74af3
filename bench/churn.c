/*
 * churn.c - thousands of short-lived threads; does memory come back?
 *
 * usage: churn [total_threads [concurrency [ops_per_thread [keep [seed]]]]]
 *        defaults: 4000 nproc 300 16 1   (concurrency 0 = nproc)
 *
 * Threads run in waves of `concurrency`. Thread j of a wave first frees the
 * `keep` blocks left in hand-over slot j by its predecessor (an exited
 * thread), then does ops_per_thread mallocs/frees on a small local working
 * set (16..512 bytes, occasionally up to 16 KiB), leaves `keep` live blocks
 * in slot j for its successor and frees the rest. ops = mallocs + frees.
 * Reports the wall time and rss_final_kb: VmRSS after every thread has
 * exited and the last hand-over blocks are freed - memory an allocator
 * still holds for dead threads shows up here.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define LOCAL 64 /* local working-set slots per thread */

static size_t g_ops, g_keep;

typedef struct {
    _Alignas(BU_LINE) void **handoff; /* g_keep blocks from the previous thread (or NULLs) */
    uint64_t rng;
    uint64_t ops;
} slot_arg;

/* Mallocs 16..512 bytes (1 in 32: up to 16 KiB) and writes the first byte. */
static void *alloc_block(uint64_t r)
{
    size_t hi = (r & 31) == 0 ? 16384 : 512;
    char *p = malloc(bu_range(r >> 8, 16, hi));
    if (!p)
        bu_oom("churn");
    p[0] = (char)r;
    return p;
}

/* Body of one short-lived thread (see the file comment). */
static void *worker(void *arg)
{
    slot_arg *s = arg;
    void *loc[LOCAL] = {0};
    uint64_t ops = 0;
    for (size_t i = 0; i < g_keep; i++)
        if (s->handoff[i]) {
            free(s->handoff[i]);
            ops++;
        }
    while (ops < g_ops) {
        uint64_t r = bu_rand(&s->rng);
        size_t idx = (size_t)(r % LOCAL);
        if (loc[idx]) {
            free(loc[idx]);
            loc[idx] = NULL;
        } else {
            loc[idx] = alloc_block(r >> 6);
        }
        ops++;
    }
    for (size_t i = 0; i < g_keep; i++) { /* successor gets fresh blocks */
        s->handoff[i] = alloc_block(bu_rand(&s->rng));
        ops++;
    }
    for (size_t i = 0; i < LOCAL; i++)
        if (loc[i]) {
            free(loc[i]);
            ops++;
        }
    s->ops += ops;
    return NULL;
}

int main(int argc, char **argv)
{
    bu_init();
    unsigned total = (unsigned)bu_arg(argc, argv, 1, 4000);
    unsigned conc = (unsigned)bu_arg(argc, argv, 2, 0);
    g_ops = (size_t)bu_arg(argc, argv, 3, 300);
    g_keep = (size_t)bu_arg(argc, argv, 4, 16);
    uint64_t seed = bu_arg(argc, argv, 5, 1);
    if (conc == 0)
        conc = bu_nproc();
    slot_arg *sa = bu_calloc_lines(conc, sizeof *sa, "churn setup");
    pthread_t *tid = calloc(conc, sizeof *tid);
    if (!sa || !tid)
        bu_oom("churn setup");
    for (unsigned j = 0; j < conc; j++) {
        sa[j].handoff = calloc(g_keep ? g_keep : 1, sizeof(void *));
        if (!sa[j].handoff)
            bu_oom("churn setup");
    }

    double t0 = bu_now();
    unsigned started = 0;
    while (started < total) {
        unsigned wave = total - started < conc ? total - started : conc;
        for (unsigned j = 0; j < wave; j++) {
            sa[j].rng = seed * 0x51ED27u + started + j;
            if (pthread_create(&tid[j], NULL, worker, &sa[j])) {
                fprintf(stderr, "churn: pthread_create failed\n");
                return 1;
            }
        }
        for (unsigned j = 0; j < wave; j++)
            pthread_join(tid[j], NULL);
        started += wave;
    }
    double secs = bu_now() - t0;

    uint64_t ops = 0;
    for (unsigned j = 0; j < conc; j++) {
        ops += sa[j].ops;
        for (size_t i = 0; i < g_keep; i++)
            free(sa[j].handoff[i]);
        free(sa[j].handoff);
    }
    free(sa);
    free(tid);
    long rss = bu_rss_kb();

    char params[96], extra[48];
    snprintf(params, sizeof params, "threads=%u concurrency=%u ops_per_thread=%zu keep=%zu",
             total, conc, g_ops, g_keep);
    snprintf(extra, sizeof extra, "rss_final_kb=%ld", rss);
    bu_report("churn", params, ops, secs, extra);
    return 0;
}
