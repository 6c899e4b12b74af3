/*
 * xmalloc.c - producer/consumer: every free is a remote free.
 *
 * usage: xmalloc [producers [consumers [blocks [batch [min [max [seed]]]]]]]
 *        defaults: nproc/2 nproc-producers 4000000 64 16 256 1
 *        (0 for producers/consumers = the default split of nproc)
 *
 * Producer threads malloc `blocks` blocks in total (min..max bytes, first
 * byte written) and push them in batches of `batch` pointers through one
 * bounded queue (mutex + two condition variables) to consumer threads,
 * which free them. ops = mallocs + frees = 2 * blocks.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QCAP 64        /* batches the queue can hold */
#define BATCH_MAX 4096 /* largest batch accepted */

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER;
static void **q_ring;             /* QCAP slots of g_batch pointers each */
static size_t q_head, q_count;    /* next slot to pop, batches queued */
static unsigned q_producers_left; /* producers still running */
static size_t g_batch, g_min, g_max;

typedef struct {
    _Alignas(BU_LINE) uint64_t blocks; /* blocks this producer makes */
    uint64_t rng;
} producer_arg;

/* Copies one full batch (n pointers) into the queue, waiting for room. */
static void queue_push(void **batch, size_t n)
{
    pthread_mutex_lock(&q_mu);
    while (q_count == QCAP)
        pthread_cond_wait(&q_not_full, &q_mu);
    void **dst = q_ring + ((q_head + q_count) % QCAP) * (g_batch + 1);
    dst[0] = (void *)(uintptr_t)n; /* slot word 0 holds the count */
    memcpy(dst + 1, batch, n * sizeof *batch);
    q_count++;
    pthread_cond_signal(&q_not_empty);
    pthread_mutex_unlock(&q_mu);
}

/* Pops one batch into out[] and returns its length; returns 0 once the
 * queue is empty and every producer has finished. */
static size_t queue_pop(void **out)
{
    pthread_mutex_lock(&q_mu);
    while (q_count == 0 && q_producers_left > 0)
        pthread_cond_wait(&q_not_empty, &q_mu);
    size_t n = 0;
    if (q_count > 0) {
        void **src = q_ring + q_head * (g_batch + 1);
        n = (size_t)(uintptr_t)src[0];
        memcpy(out, src + 1, n * sizeof *out);
        q_head = (q_head + 1) % QCAP;
        q_count--;
        pthread_cond_signal(&q_not_full);
    }
    pthread_mutex_unlock(&q_mu);
    return n;
}

/* Producer thread: mallocs its blocks and ships them batch by batch. */
static void *producer(void *arg)
{
    producer_arg *pa = arg;
    void *batch[BATCH_MAX];
    size_t n = 0;
    for (uint64_t i = 0; i < pa->blocks; i++) {
        uint64_t r = bu_rand(&pa->rng);
        char *p = malloc(bu_range(r, g_min, g_max));
        if (!p)
            bu_oom("xmalloc");
        p[0] = (char)r;
        batch[n++] = p;
        if (n == g_batch) {
            queue_push(batch, n);
            n = 0;
        }
    }
    if (n)
        queue_push(batch, n);
    pthread_mutex_lock(&q_mu);
    if (--q_producers_left == 0)
        pthread_cond_broadcast(&q_not_empty);
    pthread_mutex_unlock(&q_mu);
    return NULL;
}

/* Consumer thread: frees whole batches until the producers are done. */
static void *consumer(void *arg)
{
    (void)arg;
    void *batch[BATCH_MAX];
    size_t n;
    while ((n = queue_pop(batch)) > 0)
        for (size_t i = 0; i < n; i++)
            free(batch[i]);
    return NULL;
}

int main(int argc, char **argv)
{
    bu_init();
    unsigned np = (unsigned)bu_arg(argc, argv, 1, 0);
    unsigned nc = (unsigned)bu_arg(argc, argv, 2, 0);
    uint64_t blocks = bu_arg(argc, argv, 3, 4000000);
    g_batch = (size_t)bu_arg(argc, argv, 4, 64);
    g_min = (size_t)bu_arg(argc, argv, 5, 16);
    g_max = (size_t)bu_arg(argc, argv, 6, 256);
    uint64_t seed = bu_arg(argc, argv, 7, 1);
    unsigned ncpu = bu_nproc();
    if (np == 0)
        np = ncpu / 2 ? ncpu / 2 : 1;
    if (nc == 0)
        nc = ncpu > np ? ncpu - np : 1;
    if (g_batch == 0 || g_batch > BATCH_MAX || g_max < g_min) {
        fprintf(stderr, "xmalloc: need 0 < batch <= 4096 and min <= max\n");
        return 2;
    }

    q_ring = malloc(QCAP * (g_batch + 1) * sizeof(void *));
    producer_arg *pa = bu_calloc_lines(np, sizeof *pa, "xmalloc setup");
    pthread_t *tid = calloc(np + nc, sizeof *tid);
    if (!q_ring || !pa || !tid)
        bu_oom("xmalloc setup");
    q_producers_left = np;

    double t0 = bu_now();
    for (unsigned i = 0; i < np + nc; i++) {
        int rc;
        if (i < np) {
            pa[i].blocks = blocks / np + (i < blocks % np);
            pa[i].rng = seed * 0x9E3779B1u + i;
            rc = pthread_create(&tid[i], NULL, producer, &pa[i]);
        } else {
            rc = pthread_create(&tid[i], NULL, consumer, NULL);
        }
        if (rc) {
            fprintf(stderr, "xmalloc: pthread_create failed\n");
            return 1;
        }
    }
    for (unsigned i = 0; i < np + nc; i++)
        pthread_join(tid[i], NULL);
    double secs = bu_now() - t0;

    free(q_ring);
    free(pa);
    free(tid);
    char params[128];
    snprintf(params, sizeof params, "producers=%u consumers=%u blocks=%llu batch=%zu min=%zu max=%zu",
             np, nc, (unsigned long long)blocks, g_batch, g_min, g_max);
    bu_report("xmalloc", params, 2 * blocks, secs, NULL);
    return 0;
}
