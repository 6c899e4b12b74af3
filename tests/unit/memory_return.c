/*
 * memory_return.c - freed memory goes back to the operating system by
 * itself (malloc IS hakmem here).
 *
 * Proves:
 *   0. a thread that uses each small size class a little (one block of
 *      every size 16, 32, ..., 1024) makes VmRSS grow by less than 768 KiB:
 *      a new thread's first refill of a class carves a few blocks, not a
 *      full batch (about 1.2 MiB over these classes);
 *   0b. a class that grows one block at a time commits its slab about a
 *      page ahead of use: after 29 blocks of 1000 bytes from a fresh slab,
 *      at most 9 of the slab's 16 pages are resident (the blocks span 8
 *      pages; a refill carves at most 4 KiB; carving whole batches of 16
 *      blocks left 11 pages resident);
 *   1. after 1 GiB of small objects (64..512 bytes, written in full) is
 *      allocated and then all freed in random order - free() only, no
 *      hak_trim() or malloc_trim() - the process's VmRSS falls below 64 MiB
 *      within 3 s (polled every 0.1 s; after 1.2 s one more free() of a
 *      1 MiB block gives an allocator that purges by decay on its next
 *      operation its chance; the values are printed, and what hak_trim()
 *      would still purge is shown for information only);
 *   2. a producer/consumer pair of threads (one allocates 64..4096 bytes, and
 *      some 40 KiB blocks, the other frees: every free is cross-thread)
 *      passing 4 million blocks with at most 8192 in flight keeps VmRSS
 *      bounded: the peak stays below 96 MiB above the starting RSS and the
 *      second half of the run does not grow it by more than 16 MiB over the
 *      first half's peak.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "hakmem.h"
#include "testlib.h"

#define MiB ((size_t)1 << 20)

/* Like CHECK, but lets the other part of the test run before failing. */
static int failed;
#define EXPECT(cond, ...)                                                     \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            failed = 1;                                                       \
        }                                                                     \
    } while (0)

static long rss_kib(void)
{
    char buf[4096];
    FILE *f = fopen("/proc/self/status", "r");
    CHECK(f, "open /proc/self/status");
    long v = -1;
    while (fgets(buf, sizeof buf, f))
        if (sscanf(buf, "VmRSS: %ld kB", &v) == 1)
            break;
    fclose(f);
    CHECK(v >= 0, "no VmRSS line");
    return v;
}

#define SMALL_SIZES 64 /* 16, 32, ..., 1024 */

static void *one_of_each(void *arg)
{
    long *grew = arg;
    void *blocks[SMALL_SIZES];
    long rss0 = rss_kib();
    for (int i = 0; i < SMALL_SIZES; i++) {
        blocks[i] = malloc((size_t)(i + 1) * 16);
        CHECK(blocks[i], "malloc(%d) failed", (i + 1) * 16);
        memset(blocks[i], 0x5a, (size_t)(i + 1) * 16);
    }
    *grew = rss_kib() - rss0;
    for (int i = 0; i < SMALL_SIZES; i++)
        free(blocks[i]);
    return NULL;
}

static void light_use_small_footprint(void)
{
    long grew = 0;
    pthread_t t;
    CHECK(pthread_create(&t, NULL, one_of_each, &grew) == 0, "pthread_create");
    CHECK(pthread_join(t, NULL) == 0, "pthread_join");
    printf("light use: one block of each of %d small sizes grew VmRSS by %ld KiB\n",
           SMALL_SIZES, grew);
    EXPECT(grew < 768, "one block of each small size grew VmRSS by %ld KiB (limit 768)", grew);
}

/* Resident pages of the 64 KiB chunk holding p (mincore). */
static int resident_pages_of_chunk(const void *p)
{
    unsigned char vec[16];
    void *chunk = (void *)((uintptr_t)p & ~(uintptr_t)0xffff);
    CHECK(mincore(chunk, 0x10000, vec) == 0, "mincore");
    int n = 0;
    for (int i = 0; i < 16; i++)
        n += vec[i] & 1;
    return n;
}

#define GROWTH_BLOCKS 29

static void growth_commits_a_page_at_a_time(void)
{
    void *blocks[GROWTH_BLOCKS];
    for (int i = 0; i < GROWTH_BLOCKS; i++) {
        blocks[i] = malloc(1000);
        CHECK(blocks[i], "malloc(1000) failed");
        memset(blocks[i], 0x33, 1000);
    }
    int pages = resident_pages_of_chunk(blocks[0]);
    printf("growth: %d blocks of 1000 bytes leave %d of 16 slab pages resident\n", GROWTH_BLOCKS, pages);
    EXPECT(pages <= 9, "%d pages of the slab resident after %d blocks of 1000 bytes (limit 9)", pages,
           GROWTH_BLOCKS);
    for (int i = 0; i < GROWTH_BLOCKS; i++)
        free(blocks[i]);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void one_gib_returns(void)
{
    const size_t total = (size_t)1 << 30;
    const size_t max_blocks = total / 64 + 1;
    /* the pointer table is outside hakmem and unmapped before measuring */
    void **t = mmap(NULL, max_blocks * sizeof(void *), PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(t != MAP_FAILED, "mmap pointer table");
    long rss0 = rss_kib();
    /* freed during the wait: a free() that reaches the arena, for an
     * allocator that does deferred (decay) purging on its next operation */
    void *late = malloc(MiB);
    CHECK(late, "malloc(1 MiB)");
    memset(late, 7, MiB);
    size_t n = 0, bytes = 0;
    double t0 = now();
    while (bytes < total) {
        size_t size = 64 + (size_t)(next_rand() % 449); /* 64..512 */
        void *p = malloc(size);
        CHECK(p, "malloc(%zu) after %zu MiB", size, bytes / MiB);
        memset(p, (int)(n & 0xff), size);
        t[n++] = p;
        bytes += size;
    }
    double t1 = now();
    long rss_full = rss_kib();
    hak_stats_t full;
    hak_stats(&full);
    for (size_t i = n - 1; i > 0; i--) { /* random free order */
        size_t j = (size_t)(next_rand() % (i + 1));
        void *tmp = t[i];
        t[i] = t[j];
        t[j] = tmp;
    }
    double t2 = now();
    for (size_t i = 0; i < n; i++)
        free(t[i]);
    double t3 = now();
    munmap(t, max_blocks * sizeof(void *));
    long rss_after = rss_kib(), rss_seen = rss_after;
    double waited = 0;
    while (rss_seen >= 64 * 1024 && waited < 3.0) {
        usleep(100000);
        waited += 0.1;
        if (late && waited >= 1.2) {
            free(late);
            late = NULL;
        }
        rss_seen = rss_kib();
    }
    free(late);
    hak_stats_t st;
    hak_stats(&st);
    printf("1 GiB in %zu blocks of 64..512 B: malloc %.2f s, free (random order) %.2f s\n", n,
           t1 - t0, t3 - t2);
    printf("VmRSS: %ld MiB before, %ld MiB full, %ld MiB right after the frees, %ld MiB after "
           "%.1f s more\n",
           rss0 / 1024, rss_full / 1024, rss_after / 1024, rss_seen / 1024, waited);
    printf("hak_stats: committed %llu MiB -> %llu MiB in %llu slabs; dirty %llu MiB; purged %llu "
           "MiB\n",
           (unsigned long long)(full.committed_bytes / MiB),
           (unsigned long long)(st.committed_bytes / MiB), (unsigned long long)st.slabs,
           (unsigned long long)(st.dirty_bytes / MiB), (unsigned long long)(st.purged_bytes / MiB));
    size_t trimmed = hak_trim();
    hak_stats_t tr;
    hak_stats(&tr);
    printf("(for information) hak_trim() then purges %zu MiB: RSS %ld MiB, committed %llu MiB\n",
           trimmed / MiB, rss_kib() / 1024, (unsigned long long)(tr.committed_bytes / MiB));
    CHECK(rss_full >= 1024 * 1024, "RSS with 1 GiB live is only %ld MiB: the test did not commit it",
          rss_full / 1024);
    EXPECT(rss_seen < 64 * 1024,
          "VmRSS %ld MiB %.1f s after freeing 1 GiB (limit 64 MiB); %llu MiB still committed in "
          "%llu slabs, %llu MiB dirty",
          rss_seen / 1024, waited, (unsigned long long)(st.committed_bytes / MiB),
          (unsigned long long)st.slabs, (unsigned long long)(st.dirty_bytes / MiB));
    CHECK(hak_check() == 0, "hak_check after the 1 GiB round trip");
}

/* ---- producer / consumer ----------------------------------------------- */

enum { RING = 8192, MESSAGES = 4000000 };
static void *ring[RING];
static volatile unsigned long head, tail; /* head: produced, tail: consumed */

static void *producer(void *arg)
{
    (void)arg;
    uint64_t r = 0x9e3779b97f4a7c15ull;
    for (unsigned long i = 0; i < MESSAGES; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        size_t size = (r % 64 == 0) ? 40000 : 64 + (size_t)((r >> 8) % 4033);
        unsigned char *p = malloc(size);
        CHECK(p, "producer malloc(%zu)", size);
        p[0] = (unsigned char)i;
        p[size - 1] = (unsigned char)i;
        while (i - __atomic_load_n(&tail, __ATOMIC_ACQUIRE) >= RING)
            sched_yield();
        ring[i % RING] = p;
        __atomic_store_n(&head, i + 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

static long peak_first_half, peak_second_half;

static void *consumer(void *arg)
{
    (void)arg;
    for (unsigned long i = 0; i < MESSAGES; i++) {
        while (__atomic_load_n(&head, __ATOMIC_ACQUIRE) <= i)
            sched_yield();
        unsigned char *p = ring[i % RING];
        CHECK(p[0] == (unsigned char)i, "message %lu damaged", i);
        free(p);
        __atomic_store_n(&tail, i + 1, __ATOMIC_RELEASE);
        if (i % 100000 == 0) {
            long rss = rss_kib();
            long *peak = i < MESSAGES / 2 ? &peak_first_half : &peak_second_half;
            if (rss > *peak)
                *peak = rss;
        }
    }
    return NULL;
}

static void producer_consumer_bounded(void)
{
    long rss0 = rss_kib();
    double t0 = now();
    pthread_t a, b;
    pthread_create(&a, NULL, producer, NULL);
    pthread_create(&b, NULL, consumer, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    long rss_end = rss_kib();
    printf("producer/consumer: %d blocks in %.2f s; RSS %ld MiB at start, peak %ld MiB (first "
           "half) / %ld MiB (second half), %ld MiB at the end\n",
           MESSAGES, now() - t0, rss0 / 1024, peak_first_half / 1024, peak_second_half / 1024,
           rss_end / 1024);
    EXPECT(peak_first_half - rss0 < 96 * 1024 && peak_second_half - rss0 < 96 * 1024,
          "RSS grew by more than 96 MiB with at most %d blocks in flight", RING);
    EXPECT(peak_second_half - peak_first_half < 16 * 1024,
          "RSS keeps growing: %ld MiB peak in the first half, %ld MiB in the second",
          peak_first_half / 1024, peak_second_half / 1024);
    CHECK(hak_check() == 0, "hak_check after producer/consumer");
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    setvbuf(stdout, NULL, _IOLBF, 0);
    growth_commits_a_page_at_a_time();
    light_use_small_footprint();
    one_gib_returns();
    producer_consumer_bounded();
    if (failed)
        return 1;
    puts("memory_return: ok");
    return 0;
}
