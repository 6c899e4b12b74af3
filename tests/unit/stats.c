/*
 * stats.c - hak_stats() on the process heap, with thread caches (hakmem is
 * malloc: linked with libhakmem.a).
 *
 * Proves:
 *   - blocks a thread frees stay in its cache and show as blocks_cached of
 *     their class, for the calling thread and for another live thread (the
 *     statistics see every live cache); they leave blocks_in_use;
 *   - blocks allocated by one thread and freed by another are counted as
 *     remote frees of their class (exactly, when the freeing thread took
 *     no block of that class itself), and blocks a thread frees itself are
 *     not;
 *   - a thread that exits hands its cache back: caches_released grows,
 *     its blocks leave blocks_cached;
 *   - committed_peak and resident_peak keep the high-water mark of a
 *     large allocation after it is freed; large_allocs counts it;
 *   - totals are the sums of the classes, reserved = meta + free + in_use,
 *     cached_bytes is the cached blocks' strides; hak_stats_format's table
 *     has the class's row;
 *   - hak_stats_format(NULL, buf, 64) returns (size_t)-1 and leaves "" in
 *     buf, as hak_stats(NULL) returns -1; with buf NULL it returns the
 *     table's length.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "hakmem.h"
#include "testlib.h"

#define SIZE 200u            /* class 12, stride 208 */
#define CLS 12u
#define N 10000u
#define KEEP 20u             /* blocks a thread frees into its cache and keeps */

static void *blocks[N];

static hak_stats_t stats(void)
{
    hak_stats_t st;
    CHECK(hak_stats(&st) == 0, "hak_stats failed");
    uint64_t refills = 0, flushes = 0, remote = 0, cached = 0;
    for (unsigned c = 0; c < HAK_STATS_CLASSES; c++) {
        refills += st.classes[c].refills;
        flushes += st.classes[c].flushes;
        remote += st.classes[c].remote_frees;
        cached += st.classes[c].blocks_cached * st.classes[c].stride;
    }
    CHECK(refills == st.refills && flushes == st.flushes && remote == st.remote_frees,
          "totals are not the sums of the classes");
    CHECK(cached == st.cached_bytes, "cached_bytes %llu, the classes' cached blocks %llu",
          (unsigned long long)st.cached_bytes, (unsigned long long)cached);
    CHECK(st.reserved_bytes == st.meta_bytes + st.free_bytes + st.in_use_bytes,
          "reserved %llu != meta %llu + free %llu + in use %llu", (unsigned long long)st.reserved_bytes,
          (unsigned long long)st.meta_bytes, (unsigned long long)st.free_bytes,
          (unsigned long long)st.in_use_bytes);
    CHECK(st.committed_peak >= st.committed_bytes && st.resident_peak >= st.resident_bytes,
          "a peak below its figure");
    return st;
}

/* Thread B: frees every block thread A allocated, keeps KEEP blocks of
 * its own class in its cache, and waits until told to exit. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int phase;

static void wait_phase(int want)
{
    pthread_mutex_lock(&mu);
    while (phase < want)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

static void set_phase(int v)
{
    pthread_mutex_lock(&mu);
    phase = v;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void *freer(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < N; i++)
        free(blocks[i]);
    set_phase(1);
    wait_phase(2);
    return NULL;
}

static void *allocator(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < N; i++) {
        blocks[i] = malloc(SIZE);
        CHECK(blocks[i] != NULL, "malloc failed");
        memset(blocks[i], 1, SIZE);
    }
    return NULL;
}

int main(void)
{
    hak_stats_t s0 = stats();
    CHECK(s0.classes[CLS].size == 207 && s0.classes[CLS].stride == 208, "class %u's geometry", CLS);

    /* The main thread's own cache. */
    void *mine[KEEP];
    for (unsigned i = 0; i < KEEP; i++)
        mine[i] = malloc(SIZE);
    hak_stats_t s1 = stats();
    for (unsigned i = 0; i < KEEP; i++)
        free(mine[i]);
    hak_stats_t s2 = stats();
    const hak_class_stats_t *a = &s1.classes[CLS], *b = &s2.classes[CLS];
    CHECK(b->blocks_cached >= a->blocks_cached + KEEP, "cached %llu -> %llu after freeing %u blocks",
          (unsigned long long)a->blocks_cached, (unsigned long long)b->blocks_cached, KEEP);
    CHECK(b->blocks_in_use + KEEP == a->blocks_in_use, "in use %llu -> %llu after freeing %u blocks",
          (unsigned long long)a->blocks_in_use, (unsigned long long)b->blocks_in_use, KEEP);
    CHECK(b->remote_frees == a->remote_frees, "a thread's own frees counted as remote");

    /* Blocks of thread A freed by thread B. */
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, allocator, NULL) == 0, "pthread_create");
    pthread_join(ta, NULL);
    hak_stats_t s3 = stats();
    CHECK(s3.caches_released >= s2.caches_released + 1, "caches_released did not count thread A");
    CHECK(pthread_create(&tb, NULL, freer, NULL) == 0, "pthread_create");
    wait_phase(1);
    hak_stats_t s4 = stats();
    /* B keeps up to a cache's worth of A's blocks: a live thread's cache. */
    CHECK(s4.classes[CLS].blocks_cached > s3.classes[CLS].blocks_cached,
          "thread B's cache is not seen: cached %llu -> %llu",
          (unsigned long long)s3.classes[CLS].blocks_cached,
          (unsigned long long)s4.classes[CLS].blocks_cached);
    set_phase(2);
    pthread_join(tb, NULL);
    hak_stats_t s5 = stats();
    uint64_t remote = s5.classes[CLS].remote_frees - s3.classes[CLS].remote_frees;
    CHECK(remote == N, "remote frees of class %u: %llu, expected %u", CLS, (unsigned long long)remote, N);
    CHECK(s5.caches_released == s3.caches_released + 1, "caches_released did not count thread B");
    CHECK(s5.classes[CLS].blocks_cached <= s2.classes[CLS].blocks_cached,
          "thread B's blocks still counted as cached after it exited");

    /* A large block: the peaks keep it. */
    size_t big = (size_t)64 << 20;
    char *p = malloc(big);
    CHECK(p != NULL, "malloc(64 MiB) failed");
    memset(p, 1, big);
    hak_stats_t s6 = stats();
    free(p);
    hak_stats_t s7 = stats();
    CHECK(s6.large_allocs == s5.large_allocs + 1 && s7.large_allocs == s6.large_allocs,
          "large_allocs %llu -> %llu -> %llu", (unsigned long long)s5.large_allocs,
          (unsigned long long)s6.large_allocs, (unsigned long long)s7.large_allocs);
    CHECK(s6.committed_bytes >= big && s7.committed_bytes + big <= s6.committed_bytes,
          "committed %llu -> %llu", (unsigned long long)s6.committed_bytes,
          (unsigned long long)s7.committed_bytes);
    CHECK(s7.committed_peak >= s6.committed_bytes, "committed_peak %llu below the peak %llu",
          (unsigned long long)s7.committed_peak, (unsigned long long)s6.committed_bytes);
    CHECK(s7.resident_peak >= big, "resident_peak %llu below the 64 MiB block",
          (unsigned long long)s7.resident_peak);
    /* 64 MiB freed is past the purge threshold: most of it went back. */
    CHECK(s7.purged_bytes >= s6.purged_bytes + big / 4 && s7.purges > s6.purges,
          "purged %llu -> %llu bytes, %llu -> %llu purges", (unsigned long long)s6.purged_bytes,
          (unsigned long long)s7.purged_bytes, (unsigned long long)s6.purges,
          (unsigned long long)s7.purges);
    CHECK(s7.resident_bytes + big / 4 <= s6.resident_bytes, "resident %llu -> %llu after the purge",
          (unsigned long long)s6.resident_bytes, (unsigned long long)s7.resident_bytes);

    static char text[32768];
    /* No statistics: -1, like hak_stats(NULL), and an empty string. */
    char small[64];
    memset(small, 'x', sizeof small);
    CHECK(hak_stats_format(NULL, small, sizeof small) == (size_t)-1 && small[0] == '\0',
          "hak_stats_format(NULL, buf, 64) did not return (size_t)-1 with an empty string");
    CHECK(hak_stats_format(NULL, NULL, 0) == (size_t)-1, "hak_stats_format(NULL, NULL, 0)");
    /* No buffer: the length only. */
    size_t need = hak_stats_format(&s7, NULL, 64);
    size_t len = hak_stats_format(&s7, text, sizeof text);
    CHECK(need == len, "hak_stats_format(s, NULL, 64) %zu, the table %zu", need, len);
    CHECK(len < sizeof text && strlen(text) == len, "hak_stats_format: %zu", len);
    CHECK(strstr(text, "\n   12   207    208 ") != NULL, "no row for class 12:\n%s", text);
    printf("class %u: remote_frees +%llu, cached %llu -> %llu (thread B live) -> %llu; "
           "committed_peak %llu MiB, resident_peak %llu MiB, purged %llu MiB in %llu purges\n",
           CLS, (unsigned long long)remote, (unsigned long long)s3.classes[CLS].blocks_cached,
           (unsigned long long)s4.classes[CLS].blocks_cached,
           (unsigned long long)s5.classes[CLS].blocks_cached,
           (unsigned long long)(s7.committed_peak >> 20), (unsigned long long)(s7.resident_peak >> 20),
           (unsigned long long)(s7.purged_bytes >> 20), (unsigned long long)s7.purges);
    return 0;
}
