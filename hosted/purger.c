/*
 * purger.c - the process heap's purge helper: a thread, started the first
 * time the heap holds HAK_PURGER_MIN_DIRTY bytes of freed memory (so a
 * program that never frees much never has one), that ends each decay epoch
 * on time. Memory freed before a program goes quiet goes back within about
 * two epochs (HAK_PURGE_DECAY_MS: 1 s) without further allocator calls.
 *
 * fork: the child has no helper; the core asks for one again when needed.
 * Unloading the library (dlclose) or process exit stops and joins it, so
 * that no thread runs code that is about to be unmapped.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include "hosted.h"

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake;
static pthread_once_t wake_once = PTHREAD_ONCE_INIT;
static pthread_t helper;
static int running, stopping;

/* The condition waits on the monotonic clock. */
static void init_wake(void)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wake, &ca);
    pthread_condattr_destroy(&ca);
}

static void *purge_loop(void *arg)
{
    hak_heap_t *heap = arg;
    uint32_t epoch = hak_heap_decay_ms(heap);
    long period_ms = epoch ? (long)epoch / 4 : 250;
    pthread_mutex_lock(&mutex);
    while (!stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (period_ms % 1000) * 1000000L;
        until.tv_sec += period_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&wake, &mutex, &until);
        if (stopping)
            break;
        pthread_mutex_unlock(&mutex);
        hak_heap_decay(heap);
        pthread_mutex_lock(&mutex);
    }
    pthread_mutex_unlock(&mutex);
    return NULL;
}

void hak_hosted_start_purger(hak_heap_t *heap)
{
    pthread_once(&wake_once, init_wake);
    pthread_mutex_lock(&mutex);
    if (!running && !stopping) {
        /* The helper takes no signals: they belong to the program. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        running = pthread_create(&helper, NULL, purge_loop, heap) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    pthread_mutex_unlock(&mutex);
}

/* After fork, in the child: the helper did not come along, and the mutex
 * and condition may have been copied mid-use: both start afresh. */
void hak_hosted_purger_forget(void)
{
    pthread_mutex_init(&mutex, NULL);
    init_wake();
    running = 0;
}

__attribute__((destructor)) static void stop_purger(void)
{
    pthread_mutex_lock(&mutex);
    stopping = 1;
    int was_running = running;
    running = 0;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mutex);
    if (was_running)
        pthread_join(helper, NULL);
}
