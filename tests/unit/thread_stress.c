/*
 * thread_stress - four threads allocate blocks of random sizes (mostly
 * 16..4096, some mid-sized up to 32 KiB and some large up to 1 MiB), fill
 * each with a pattern derived from (address, size, seed), keep some, realloc
 * some, and hand about half of them to other threads through mutex-protected
 * inboxes; every block's pattern is verified before it is freed, so most
 * frees are cross-thread frees of blocks that must not have been touched by
 * anyone else.
 *
 * Proves: no block is handed out twice or overlaps another (a pattern would
 * break), cross-thread frees and thread-cache flushes keep the heap
 * consistent (hak_check() == 0 at the end), realloc keeps the content under
 * contention, and each exiting thread hands its cache back
 * (caches_released grows by the thread count).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "hakmem.h"
#include "testlib.h"

enum {
    NTHREADS = 4,
    OPS = 1000000,         /* operations per thread */
    SLOTS = 512,           /* blocks a thread keeps */
    INBOX = 2048,          /* capacity of a thread's inbox */
};

typedef struct item {
    unsigned char *p;
    size_t size;
    uint64_t seed;
} item_t;

typedef struct inbox {
    pthread_mutex_t lock;
    item_t items[INBOX];
    unsigned head, count;
} inbox_t;

static inbox_t inboxes[NTHREADS];

typedef struct worker {
    unsigned id;
    uint64_t rng;
    uint64_t allocs, frees, remote_frees, handed, reallocs, large;
} worker_t;

static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* The word at index i of a block (address, size, seed). */
static inline uint64_t word_at(uint64_t key, size_t i)
{
    return key + (uint64_t)i * 0x9e3779b97f4a7c15ull;
}

static uint64_t block_key(const item_t *it)
{
    return mix((uint64_t)(uintptr_t)it->p ^ ((uint64_t)it->size << 40) ^ it->seed);
}

static void fill(const item_t *it)
{
    uint64_t key = block_key(it);
    size_t words = it->size / 8;
    uint64_t *w = (uint64_t *)it->p;
    for (size_t i = 0; i < words; i++)
        w[i] = word_at(key, i);
    for (size_t i = words * 8; i < it->size; i++)
        it->p[i] = (unsigned char)word_at(key, i);
}

/* Verifies the block; reports and stops the test on a mismatch. */
static void verify(const item_t *it, const char *when)
{
    uint64_t key = block_key(it);
    size_t words = it->size / 8;
    const uint64_t *w = (const uint64_t *)it->p;
    for (size_t i = 0; i < words; i++)
        CHECK(w[i] == word_at(key, i),
              "block %p (%zu bytes) corrupted at byte %zu before %s: %#llx != %#llx",
              (void *)it->p, it->size, i * 8, when, (unsigned long long)w[i],
              (unsigned long long)word_at(key, i));
    for (size_t i = words * 8; i < it->size; i++)
        CHECK(it->p[i] == (unsigned char)word_at(key, i),
              "block %p (%zu bytes) corrupted in its tail at byte %zu before %s", (void *)it->p,
              it->size, i, when);
}

static size_t pick_size(worker_t *w)
{
    uint64_t r = next_rand(&w->rng);
    unsigned kind = (unsigned)(r % 1000);
    r >>= 10;
    if (kind < 3) {
        w->large++;
        return 32784 + (size_t)(r % ((1u << 20) - 32784));  /* large */
    }
    if (kind < 40)
        return 4097 + (size_t)(r % (32783 - 4097 + 1));    /* mid */
    return 16 + (size_t)(r % (4096 - 16 + 1));              /* small */
}

static void new_block(worker_t *w, item_t *it)
{
    it->size = pick_size(w);
    it->seed = next_rand(&w->rng);
    it->p = malloc(it->size);
    CHECK(it->p, "thread %u: malloc(%zu) failed", w->id, it->size);
    CHECK(((uintptr_t)it->p & 15u) == 0, "malloc(%zu) = %p not 16-aligned", it->size, (void *)it->p);
    CHECK(malloc_usable_size(it->p) >= it->size, "usable size too small");
    fill(it);
    w->allocs++;
}

static int inbox_push(unsigned to, const item_t *it)
{
    inbox_t *b = &inboxes[to];
    int ok = 0;
    pthread_mutex_lock(&b->lock);
    if (b->count < INBOX) {
        b->items[(b->head + b->count) % INBOX] = *it;
        b->count++;
        ok = 1;
    }
    pthread_mutex_unlock(&b->lock);
    return ok;
}

/* Takes up to max items from inbox `from`. */
static unsigned inbox_take(unsigned from, item_t *out, unsigned max)
{
    inbox_t *b = &inboxes[from];
    unsigned n = 0;
    pthread_mutex_lock(&b->lock);
    while (n < max && b->count) {
        out[n++] = b->items[b->head];
        b->head = (b->head + 1) % INBOX;
        b->count--;
    }
    pthread_mutex_unlock(&b->lock);
    return n;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    item_t slots[SLOTS];
    memset(slots, 0, sizeof slots);
    item_t got[32];
    for (unsigned op = 0; op < OPS; op++) {
        uint64_t r = next_rand(&w->rng);
        item_t *it = &slots[r % SLOTS];
        unsigned action = (unsigned)((r >> 32) % 100);
        if (!it->p) {
            new_block(w, it);
        } else if (action < 48) {
            /* Hand it to another thread, which verifies and frees it. */
            unsigned to = (w->id + 1u + (unsigned)((r >> 20) % (NTHREADS - 1))) % NTHREADS;
            verify(it, "handing over");
            if (inbox_push(to, it)) {
                w->handed++;
            } else {
                free(it->p);
                w->frees++;
            }
            it->p = NULL;
        } else if (action < 58) {
            /* realloc: the common prefix survives, the rest is refilled. */
            verify(it, "realloc");
            const size_t old_size = it->size;
            const uint64_t okey = block_key(it);
            size_t n = pick_size(w);
            unsigned char *q = realloc(it->p, n);
            it->p = NULL;
            CHECK(q, "realloc(%zu -> %zu)", old_size, n);
            size_t keep = old_size < n ? old_size : n;
            for (size_t i = 0; i < keep / 8; i++)
                CHECK(((uint64_t *)q)[i] == word_at(okey, i),
                      "realloc %zu -> %zu (now at %p) lost content at word %zu", old_size, n,
                      (void *)q, i);
            it->p = q;
            it->size = n;
            it->seed = next_rand(&w->rng);
            fill(it);
            w->reallocs++;
        } else {
            verify(it, "local free");
            free(it->p);
            it->p = NULL;
            w->frees++;
        }
        /* Drain some of what other threads handed us. */
        if ((op & 7) == 0) {
            unsigned n = inbox_take(w->id, got, 32);
            for (unsigned k = 0; k < n; k++) {
                verify(&got[k], "remote free");
                free(got[k].p);
                w->remote_frees++;
            }
        }
    }
    for (unsigned i = 0; i < SLOTS; i++) {
        if (slots[i].p) {
            verify(&slots[i], "final free");
            free(slots[i].p);
            w->frees++;
        }
    }
    CHECK(hak_check() == 0, "thread %u: hak_check failed", w->id);
    return NULL;
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    hak_stats_t before, after;
    hak_stats(&before);
    worker_t workers[NTHREADS];
    pthread_t tids[NTHREADS];
    for (unsigned i = 0; i < NTHREADS; i++) {
        pthread_mutex_init(&inboxes[i].lock, NULL);
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].id = i;
        workers[i].rng = mix(0x1234567ull + i) | 1u;
    }
    for (unsigned i = 0; i < NTHREADS; i++)
        CHECK(pthread_create(&tids[i], NULL, worker_main, &workers[i]) == 0, "pthread_create");
    for (unsigned i = 0; i < NTHREADS; i++)
        pthread_join(tids[i], NULL);

    /* Whatever is still in the inboxes: verify and free from main. */
    uint64_t leftover = 0;
    item_t got[32];
    for (unsigned i = 0; i < NTHREADS; i++) {
        unsigned n;
        while ((n = inbox_take(i, got, 32)) > 0) {
            for (unsigned k = 0; k < n; k++) {
                verify(&got[k], "free after join");
                free(got[k].p);
                leftover++;
            }
        }
    }
    uint64_t allocs = 0, frees = leftover, remote = 0, handed = 0, reallocs = 0, large = 0;
    for (unsigned i = 0; i < NTHREADS; i++) {
        allocs += workers[i].allocs;
        frees += workers[i].frees + workers[i].remote_frees;
        remote += workers[i].remote_frees;
        handed += workers[i].handed;
        reallocs += workers[i].reallocs;
        large += workers[i].large;
    }
    printf("allocs %llu frees %llu remote frees %llu (handed %llu, freed after join %llu) "
           "reallocs %llu large %llu\n",
           (unsigned long long)allocs, (unsigned long long)frees, (unsigned long long)remote,
           (unsigned long long)handed, (unsigned long long)leftover,
           (unsigned long long)reallocs, (unsigned long long)large);
    CHECK(allocs == frees, "every block allocated was freed exactly once (%llu vs %llu)",
          (unsigned long long)allocs, (unsigned long long)frees);
    CHECK(remote > allocs / 4, "too few cross-thread frees (%llu of %llu)", (unsigned long long)remote,
          (unsigned long long)allocs);
    int bad = hak_check();
    CHECK(bad == 0, "hak_check() found %d broken invariants", bad);
    hak_stats(&after);
    CHECK(after.caches_released >= before.caches_released + NTHREADS,
          "caches_released %llu -> %llu: exiting threads did not hand their caches back",
          (unsigned long long)before.caches_released, (unsigned long long)after.caches_released);
    CHECK(after.large_blocks == before.large_blocks, "large blocks leaked: %llu -> %llu",
          (unsigned long long)before.large_blocks, (unsigned long long)after.large_blocks);
    puts("ok");
    return 0;
}
