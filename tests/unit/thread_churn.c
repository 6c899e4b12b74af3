/*
 * thread_churn - 3000 short-lived threads, four alive at a time. Each one
 * frees (after verifying) the blocks the previous thread left behind,
 * allocates and frees a few hundred blocks of small and mid sizes, and
 * leaves some of its own blocks for the next thread to free.
 *
 * Proves that a thread's exit hands its cache back to the heap: the
 * resident set size (VmRSS) and the committed arena bytes after the churn
 * stay bounded (a leaked cache per thread would pin hundreds of KiB each,
 * i.e. hundreds of MiB over the run), and hak_stats().caches_released grows
 * by the number of threads. Blocks that outlive their thread stay intact
 * (patterns verified) and the heap invariants hold (hak_check() == 0).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "hakmem.h"
#include "testlib.h"

enum {
    NTHREADS = 3000,
    ALIVE = 4,          /* threads running at once */
    PER_THREAD = 300,   /* blocks allocated by each thread */
    LEAVE = 40,         /* blocks each thread leaves for the next one */
};

#define RSS_LIMIT_KB (64u * 1024u)
#define COMMITTED_LIMIT ((uint64_t)48 << 20)

typedef struct item {
    unsigned char *p;
    size_t size;
    unsigned seed;
} item_t;

/* Blocks left behind by finished threads, freed by later ones. */
static pthread_mutex_t handoff_lock = PTHREAD_MUTEX_INITIALIZER;
static item_t handoff[ALIVE * LEAVE * 2];
static unsigned handoff_n;

static unsigned char pat(const item_t *it, size_t i)
{
    return (unsigned char)(it->seed * 31u + i * 17u + (i >> 8));
}

static void fill(const item_t *it)
{
    for (size_t i = 0; i < it->size; i++)
        it->p[i] = pat(it, i);
}

static void verify_free(const item_t *it)
{
    for (size_t i = 0; i < it->size; i++)
        CHECK(it->p[i] == pat(it, i), "block %p (%zu bytes, seed %u) left by another thread "
              "corrupted at byte %zu", (void *)it->p, it->size, it->seed, i);
    free(it->p);
}

static unsigned long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %lu kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void *churn_thread(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    uint32_t rng = id * 2654435761u + 12345u;
    item_t mine[PER_THREAD];

    /* Free what an earlier thread left (its owner has exited). */
    item_t inherited[LEAVE];
    unsigned ninh = 0;
    pthread_mutex_lock(&handoff_lock);
    while (ninh < LEAVE && handoff_n > 0)
        inherited[ninh++] = handoff[--handoff_n];
    pthread_mutex_unlock(&handoff_lock);
    for (unsigned i = 0; i < ninh; i++)
        verify_free(&inherited[i]);

    for (unsigned i = 0; i < PER_THREAD; i++) {
        rng = rng * 1664525u + 1013904223u;
        size_t size = (rng >> 8) % 64 == 0 ? 1040 + (rng >> 12) % 20000 : 16 + (rng >> 12) % 1024;
        mine[i].p = malloc(size);
        CHECK(mine[i].p, "thread %u: malloc(%zu)", id, size);
        mine[i].size = size;
        mine[i].seed = rng;
        fill(&mine[i]);
        /* Free every third block right away, interleaving with allocation. */
        if (i % 3 == 2) {
            verify_free(&mine[i - 1]);
            mine[i - 1].p = NULL;
        }
    }
    /* Keep LEAVE blocks for the next thread, free the rest. */
    unsigned left = 0;
    for (unsigned i = 0; i < PER_THREAD; i++) {
        if (!mine[i].p)
            continue;
        if (left < LEAVE && i % 4 == 0) {
            pthread_mutex_lock(&handoff_lock);
            if (handoff_n < sizeof handoff / sizeof handoff[0]) {
                handoff[handoff_n++] = mine[i];
                left++;
                mine[i].p = NULL;
            }
            pthread_mutex_unlock(&handoff_lock);
            if (!mine[i].p)
                continue;
        }
        verify_free(&mine[i]);
    }
    return NULL;
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    hak_stats_t before, after;
    /* Start the heap so the first stats are meaningful. */
    void *volatile warm = malloc(16);
    free(warm);
    hak_stats(&before);
    unsigned long rss_before = rss_kb();

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_t tids[ALIVE];
    unsigned long rss_mid = 0;
    uint64_t committed_mid = 0;
    for (unsigned t = 0; t < NTHREADS; t += ALIVE) {
        for (unsigned k = 0; k < ALIVE; k++)
            CHECK(pthread_create(&tids[k], &attr, churn_thread, (void *)(uintptr_t)(t + k)) == 0,
                  "pthread_create #%u", t + k);
        for (unsigned k = 0; k < ALIVE; k++)
            CHECK(pthread_join(tids[k], NULL) == 0, "pthread_join");
        if (t == NTHREADS / 10) {
            rss_mid = rss_kb();
            hak_stats_t s;
            hak_stats(&s);
            committed_mid = s.committed_bytes;
        }
    }
    pthread_attr_destroy(&attr);

    unsigned long rss_after = rss_kb();
    hak_stats(&after);
    uint64_t exited = after.caches_released - before.caches_released;
    printf("threads %u: caches_released +%llu, RSS %lu kB -> %lu kB (after 10%%: %lu kB), "
           "committed %llu -> %llu bytes (after 10%%: %llu), slabs %llu\n",
           NTHREADS, (unsigned long long)exited, rss_before, rss_after, rss_mid,
           (unsigned long long)before.committed_bytes, (unsigned long long)after.committed_bytes,
           (unsigned long long)committed_mid, (unsigned long long)after.slabs);

    CHECK(exited >= NTHREADS && exited <= NTHREADS + 8,
          "caches_released grew by %llu for %u exited threads", (unsigned long long)exited, NTHREADS);
    CHECK(rss_after > 0, "could not read VmRSS");
    CHECK(rss_after < RSS_LIMIT_KB, "RSS after %u threads is %lu kB (limit %u kB): thread exit "
          "does not give cached blocks back", NTHREADS, rss_after, RSS_LIMIT_KB);
    CHECK(after.committed_bytes < COMMITTED_LIMIT,
          "committed_bytes after the churn is %llu bytes (limit %llu)",
          (unsigned long long)after.committed_bytes, (unsigned long long)COMMITTED_LIMIT);
    /* The last 90% of the threads must not have grown the heap much. */
    CHECK(after.committed_bytes <= 2 * committed_mid + ((uint64_t)4 << 20),
          "committed_bytes keeps growing with the thread count: %llu after 10%% of the threads, "
          "%llu at the end", (unsigned long long)committed_mid,
          (unsigned long long)after.committed_bytes);

    /* Free what the last threads left, then the heap must be consistent. */
    for (unsigned i = 0; i < handoff_n; i++)
        verify_free(&handoff[i]);
    handoff_n = 0;
    int bad = hak_check();
    CHECK(bad == 0, "hak_check() found %d broken invariants", bad);
    puts("ok");
    return 0;
}
