/*
 * remote_free_bound - memory stays bounded when blocks are freed by a
 * thread other than the one that allocated them.
 *
 * Part 1 (producer/consumer): a producer thread allocates batches of blocks
 * (mostly small, some mid, a few large), fills them, and passes each batch
 * to a consumer thread that verifies and frees every block, so every free is
 * remote; the two threads live for all 200 rounds and overlap (the producer
 * fills the next batch while the consumer frees the previous one). The
 * committed arena bytes must not grow with the number of rounds: the peak
 * over rounds 191..200 stays within twice the peak over rounds 1..10 (it
 * levels off at about 1.1-1.4x; if remote frees were not reused, each round
 * would add a whole batch, about 3.5 MiB, i.e. 700 MiB over the run).
 *
 * Part 2 (objects outliving their thread): 100 times, a thread allocates a
 * batch, exits, and the main thread verifies and frees the batch. Committed
 * bytes after round 100 stay within twice those after round 5, and
 * caches_released counts every thread.
 *
 * Both end with hak_check() == 0 and the committed bytes back near the
 * starting point once everything is freed and trimmed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hakmem.h"
#include "testlib.h"

enum {
    ROUNDS = 200,
    BATCH = 6000,
    DEPTH = 2,             /* batches in flight between producer and consumer */
    ORPHAN_ROUNDS = 100,
    ORPHAN_BATCH = 4000,
};

typedef struct item {
    unsigned char *p;
    uint32_t size;
    uint32_t seed;
} item_t;

/* Batches in flight, producer -> consumer. */
static item_t batches[DEPTH][BATCH];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static unsigned produced, consumed;   /* rounds completed by each side */
static uint64_t peak[ROUNDS + 1];     /* committed bytes seen during a round */

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static uint32_t pick_size(uint32_t *rng)
{
    uint32_t r = xorshift(rng);
    unsigned kind = r % 1000;
    r >>= 10;
    if (kind < 2)
        return 40000 + r % 400000;        /* large */
    if (kind < 50)
        return 1040 + r % (32783 - 1040);   /* mid */
    return 16 + r % 1024;                   /* small */
}

/* Writes the first and last 16 bytes (and a word every 256 bytes) so the
 * test stays fast but a block handed out twice is noticed. */
static void stamp(const item_t *it)
{
    uint32_t v = it->seed;
    for (uint32_t off = 0; off + 8 <= it->size; off += 256)
        memcpy(it->p + off, &v, 4);
    if (it->size >= 4)
        memcpy(it->p + it->size - 4, &v, 4);
}

static void verify_free(const item_t *it)
{
    uint32_t v;
    for (uint32_t off = 0; off + 8 <= it->size; off += 256) {
        memcpy(&v, it->p + off, 4);
        CHECK(v == it->seed, "block %p (%u bytes) corrupted at %u", (void *)it->p, it->size, off);
    }
    if (it->size >= 4) {
        memcpy(&v, it->p + it->size - 4, 4);
        CHECK(v == it->seed, "block %p (%u bytes) corrupted at its end", (void *)it->p, it->size);
    }
    free(it->p);
}

static uint64_t committed(void)
{
    hak_stats_t s;
    hak_stats(&s);
    return s.committed_bytes;
}

static void *producer(void *arg)
{
    (void)arg;
    uint32_t rng = 0xC0FFEEu;
    for (unsigned round = 1; round <= ROUNDS; round++) {
        pthread_mutex_lock(&lock);
        while (produced - consumed >= DEPTH)
            pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
        item_t *b = batches[round % DEPTH];
        for (unsigned i = 0; i < BATCH; i++) {
            b[i].size = pick_size(&rng);
            b[i].seed = xorshift(&rng);
            b[i].p = malloc(b[i].size);
            CHECK(b[i].p, "producer: malloc(%u) in round %u", b[i].size, round);
            stamp(&b[i]);
        }
        uint64_t c = committed();
        pthread_mutex_lock(&lock);
        if (c > peak[round])
            peak[round] = c;
        produced = round;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    for (unsigned round = 1; round <= ROUNDS; round++) {
        pthread_mutex_lock(&lock);
        while (produced < round)
            pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
        item_t *b = batches[round % DEPTH];
        for (unsigned i = 0; i < BATCH; i++)
            verify_free(&b[i]);
        uint64_t c = committed();
        pthread_mutex_lock(&lock);
        if (c > peak[round])
            peak[round] = c;
        consumed = round;
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static uint64_t max_peak(unsigned from, unsigned to)
{
    uint64_t m = 0;
    for (unsigned r = from; r <= to; r++)
        if (peak[r] > m)
            m = peak[r];
    return m;
}

static void *orphan_maker(void *arg)
{
    item_t *b = arg;
    uint32_t rng = (uint32_t)(uintptr_t)b ^ 0x5bd1e995u;
    for (unsigned i = 0; i < ORPHAN_BATCH; i++) {
        b[i].size = pick_size(&rng);
        b[i].seed = xorshift(&rng);
        b[i].p = malloc(b[i].size);
        CHECK(b[i].p, "orphan maker: malloc(%u)", b[i].size);
        stamp(&b[i]);
        /* Some churn of its own, so its cache holds blocks at exit. */
        if (i % 4 == 3) {
            void *t = malloc(b[i].size);
            CHECK(t, "malloc");
            free(t);
        }
    }
    return NULL;
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    void *volatile warm = malloc(16);
    free(warm);
    uint64_t start = committed();

    /* Part 1: producer / consumer. */
    pthread_t pt, ct;
    CHECK(pthread_create(&pt, NULL, producer, NULL) == 0, "pthread_create");
    CHECK(pthread_create(&ct, NULL, consumer, NULL) == 0, "pthread_create");
    pthread_join(pt, NULL);
    pthread_join(ct, NULL);
    uint64_t early = max_peak(1, 10), late = max_peak(ROUNDS - 9, ROUNDS);
    printf("producer/consumer: committed peak rounds 1-10: %llu, rounds %u-%u: %llu, "
           "after: %llu\n", (unsigned long long)early, ROUNDS - 9, ROUNDS,
           (unsigned long long)late, (unsigned long long)committed());
    CHECK(early > 0, "no committed bytes measured");
    CHECK(late <= 2 * early + ((uint64_t)4 << 20),
          "remote frees do not bound memory: committed peak grew from %llu (rounds 1-10) to "
          "%llu (rounds %u-%u)", (unsigned long long)early, (unsigned long long)late,
          ROUNDS - 9, ROUNDS);
    int bad = hak_check();
    CHECK(bad == 0, "hak_check() after part 1 found %d broken invariants", bad);

    /* Part 2: objects outliving their allocating thread. */
    hak_stats_t s0, s1;
    hak_stats(&s0);
    static item_t orphans[ORPHAN_BATCH];
    uint64_t at5 = 0, at_end = 0;
    for (unsigned round = 1; round <= ORPHAN_ROUNDS; round++) {
        pthread_t t;
        CHECK(pthread_create(&t, NULL, orphan_maker, orphans) == 0, "pthread_create");
        pthread_join(t, NULL);
        uint64_t c = committed();
        for (unsigned i = 0; i < ORPHAN_BATCH; i++)
            verify_free(&orphans[i]);
        if (round == 5)
            at5 = c;
        if (round == ORPHAN_ROUNDS)
            at_end = c;
    }
    hak_stats(&s1);
    printf("orphans: committed with a batch live after round 5: %llu, after round %u: %llu; "
           "caches_released +%llu\n", (unsigned long long)at5, ORPHAN_ROUNDS,
           (unsigned long long)at_end,
           (unsigned long long)(s1.caches_released - s0.caches_released));
    CHECK(at_end <= 2 * at5 + ((uint64_t)4 << 20),
          "blocks freed after their thread exited are not reused: committed %llu after round 5, "
          "%llu after round %u", (unsigned long long)at5, (unsigned long long)at_end, ORPHAN_ROUNDS);
    CHECK(s1.caches_released - s0.caches_released == ORPHAN_ROUNDS,
          "caches_released grew by %llu for %u threads",
          (unsigned long long)(s1.caches_released - s0.caches_released), ORPHAN_ROUNDS);

    bad = hak_check();
    CHECK(bad == 0, "hak_check() found %d broken invariants", bad);
    hak_trim();
    uint64_t end = committed();
    printf("committed at start %llu, at the end after trim %llu\n", (unsigned long long)start,
           (unsigned long long)end);
    /* Everything is freed: what stays committed is each class's carving
     * slab and slabs pinned by blocks in the main thread's cache (about
     * 15 MiB); a leak of the batches would be hundreds of MiB. */
    CHECK(end <= start + ((uint64_t)32 << 20), "committed %llu after freeing everything",
          (unsigned long long)end);
    puts("ok");
    return 0;
}
