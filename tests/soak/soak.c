/*
 * soak.c - long mixed multi-threaded stress with content verification
 * (`make soak`; linked with libhakmem.a, so hakmem is malloc for libc too).
 *
 * Proves, for SOAK_SECONDS (default 300): worker threads running the whole
 * malloc family (malloc, calloc, realloc, reallocarray, aligned_alloc,
 * posix_memalign, memalign, valloc, free) over sizes 0..1 MiB, with blocks
 * kept privately and exchanged through a shared pool (so most frees are
 * cross-thread), never see a block's content change while they own it, never
 * get a misaligned block or one smaller than asked, and calloc memory is
 * zero; workers exit and are replaced all the time (thread caches handed
 * back); the main thread runs hak_check() every second (must be 0), forks a
 * child every few seconds that allocates, checks and exits (fork safety
 * under load), and watches VmRSS, which must stay below SOAK_RSS_MB
 * (default 2048) although the run allocates many times that in total.
 *
 *   SOAK_SECONDS=N SOAK_THREADS=T SOAK_RSS_MB=M SOAK_LIFETIME=OPS soak
 * (SOAK_LIFETIME: mean operations of a worker before it exits, 200000)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hakmem.h"

#define FAIL(...)                                                                \
    do {                                                                         \
        fprintf(stderr, "soak: FAIL %s:%d: ", __FILE__, __LINE__);               \
        fprintf(stderr, __VA_ARGS__);                                            \
        fputc('\n', stderr);                                                     \
        abort();                                                                 \
    } while (0)

typedef struct blk {
    unsigned char *p;
    size_t n;
    uint32_t seed;
} blk_t;

enum { POOL = 4096, PRIVATE = 1024, MAX_THREADS = 64 };

typedef struct pool_slot {
    pthread_mutex_t lock;
    blk_t b;
} pool_slot_t;

static pool_slot_t pool[POOL];
static volatile int stop;
static uint64_t total_ops[MAX_THREADS];
static unsigned long long threads_started;
static uint64_t worker_lifetime = 200000; /* mean operations per worker */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static unsigned char pat(uint32_t seed, size_t i)
{
    return (unsigned char)(seed + i * 251u + (i >> 11));
}

/* Pattern bytes: all of a block up to 8 KiB; of a bigger one the first and
 * last 4 KiB and every 128th byte between. */
static size_t next_index(size_t i, size_t n)
{
    if (n <= 8192 || i < 4096 || i + 4096 >= n)
        return i + 1;
    size_t j = (i | 127u) + 1;
    return j + 4096 < n ? j : n - 4096;
}

static void fill(blk_t *b)
{
    for (size_t i = 0; i < b->n; i = next_index(i, b->n))
        b->p[i] = pat(b->seed, i);
}

static void verify(const blk_t *b, size_t upto)
{
    for (size_t i = 0; i < upto; i = next_index(i, b->n))
        if (b->p[i] != pat(b->seed, i))
            FAIL("block %p (%zu bytes) byte %zu is 0x%02x, expected 0x%02x", (void *)b->p, b->n,
                 i, b->p[i], pat(b->seed, i));
}

static size_t pick_size(uint64_t *r)
{
    uint64_t v = xorshift(r);
    switch (v % 64) {
    case 0:
        return (v >> 10) % (1u << 20);      /* up to 1 MiB */
    case 1:
    case 2:
    case 3:
        return (v >> 10) % (128u << 10);    /* large-ish */
    case 4:
    case 5:
    case 6:
    case 7:
    case 8:
    case 9:
        return (v >> 10) % 32784u;          /* mid */
    default:
        return (v >> 10) % ((v & 64) ? 129u : 1040u); /* small, tiny favoured */
    }
}

static void check_new(void *p, size_t n, size_t align, const char *what)
{
    if (!p)
        FAIL("%s(%zu) returned NULL, errno %d", what, n, errno);
    if ((uintptr_t)p & (align - 1u))
        FAIL("%s(%zu) = %p not aligned to %zu", what, n, p, align);
    if (malloc_usable_size(p) < n)
        FAIL("%s(%zu): usable size %zu", what, n, malloc_usable_size(p));
}

static void new_block(blk_t *b, uint64_t *r)
{
    size_t n = pick_size(r), align = 16;
    unsigned kind = (unsigned)(xorshift(r) % 16);
    unsigned char *p = NULL;
    switch (kind) {
    case 0: {
        size_t c = 1 + xorshift(r) % 16, each = n / c + 1;
        n = c * each;
        p = calloc(c, each);
        check_new(p, n, 16, "calloc");
        for (size_t i = 0; i < n; i = next_index(i, n))
            if (p[i])
                FAIL("calloc(%zu, %zu) byte %zu = 0x%02x", c, each, i, p[i]);
        break;
    }
    case 1:
        align = (size_t)1 << (xorshift(r) % 17);
        n = (n / align + 1) * align; /* C11 wants a multiple; hakmem does not care */
        p = aligned_alloc(align, n);
        check_new(p, n, align, "aligned_alloc");
        break;
    case 2: {
        void *q = NULL;
        align = (size_t)8 << (xorshift(r) % 14);
        int rc = posix_memalign(&q, align, n);
        if (rc)
            FAIL("posix_memalign(%zu, %zu) = %d", align, n, rc);
        p = q;
        check_new(p, n, align, "posix_memalign");
        break;
    }
    case 3:
        align = (size_t)16 << (xorshift(r) % 9);
        p = memalign(align, n);
        check_new(p, n, align, "memalign");
        break;
    case 4:
        if (xorshift(r) % 8 == 0) {
            align = 4096;
            p = valloc(n);
            check_new(p, n, align, "valloc");
            break;
        }
        /* fall through */
    default:
        p = malloc(n);
        check_new(p, n, 16, "malloc");
        break;
    }
    b->p = p;
    b->n = n;
    b->seed = (uint32_t)xorshift(r);
    fill(b);
}

static void drop(blk_t *b)
{
    if (!b->p)
        return;
    verify(b, b->n);
    free(b->p);
    b->p = NULL;
}

static void resize(blk_t *b, uint64_t *r)
{
    verify(b, b->n);
    size_t n = pick_size(r) + 1;
    unsigned char *q = (xorshift(r) & 1) ? realloc(b->p, n) : reallocarray(b->p, 1, n);
    if (!q)
        FAIL("realloc(%zu) failed, errno %d", n, errno);
    if ((uintptr_t)q & 15u)
        FAIL("realloc returned misaligned %p", (void *)q);
    blk_t old = { q, b->n, b->seed };
    verify(&old, n < b->n ? n : b->n);
    b->p = q;
    b->n = n;
    b->seed = (uint32_t)xorshift(r);
    fill(b);
}

typedef struct worker {
    pthread_t tid;
    unsigned index;
    volatile int done;
} worker_t;

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    uint64_t r = 0x9e3779b97f4a7c15ull ^ ((uint64_t)w->index << 32) ^ (uint64_t)(uintptr_t)&r
                 ^ (uint64_t)(now() * 1e9);
    blk_t *mine = calloc(PRIVATE, sizeof *mine);
    if (!mine)
        FAIL("calloc of the private table");
    /* live for a random number of operations, then exit (cache handed back) */
    uint64_t lifetime = 1 + xorshift(&r) % (2 * worker_lifetime), ops = 0;
    while (!stop && ops < lifetime) {
        uint64_t v = xorshift(&r);
        if (v % 4 == 0) { /* exchange with the shared pool: cross-thread frees */
            pool_slot_t *s = &pool[(v >> 8) % POOL];
            pthread_mutex_lock(&s->lock);
            if ((v >> 40) % 3 == 0) {
                drop(&s->b);
            } else if (s->b.p && (v >> 40) % 3 == 1) {
                resize(&s->b, &r);
            } else {
                drop(&s->b);
                new_block(&s->b, &r);
            }
            pthread_mutex_unlock(&s->lock);
        } else {
            blk_t *b = &mine[(v >> 8) % PRIVATE];
            if (b->p && (v >> 40) % 4 == 0) {
                resize(b, &r);
            } else if (b->p) {
                drop(b);
            } else {
                new_block(b, &r);
            }
        }
        ops++;
    }
    for (unsigned k = 0; k < PRIVATE; k++)
        drop(&mine[k]);
    free(mine);
    __atomic_fetch_add(&total_ops[w->index], ops, __ATOMIC_RELAXED);
    w->done = 1;
    return NULL;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

static void start(worker_t *w, unsigned i)
{
    w->index = i;
    w->done = 0;
    if (pthread_create(&w->tid, NULL, worker_main, w))
        FAIL("pthread_create");
    threads_started++;
}

/* A child of the loaded process allocates, checks and exits. */
static void fork_probe(void)
{
    pid_t pid = fork();
    if (pid < 0)
        FAIL("fork");
    if (pid == 0) {
        uint64_t r = 12345;
        blk_t b[256];
        for (int i = 0; i < 256; i++)
            new_block(&b[i], &r);
        for (int i = 0; i < 256; i++)
            drop(&b[i]);
        _exit(hak_check() == 0 ? 0 : 3);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        FAIL("fork child failed: status 0x%x", status);
}

int main(void)
{
    const char *e;
    double seconds = (e = getenv("SOAK_SECONDS")) ? atof(e) : 300;
    unsigned nthreads = (e = getenv("SOAK_THREADS")) ? (unsigned)atoi(e) : 4;
    long rss_limit_mb = (e = getenv("SOAK_RSS_MB")) ? atol(e) : 2048;
    if ((e = getenv("SOAK_LIFETIME")) && atol(e) > 0)
        worker_lifetime = (uint64_t)atol(e);
    if (nthreads < 1 || nthreads > MAX_THREADS)
        nthreads = 4;
    if (strncmp(hak_version(), "hakmem", 6) != 0)
        FAIL("hakmem is not linked in");
    { /* malloc must really be hakmem (a tool may intercept it): its
       * counters have to move */
        void *probe[256];
        for (int i = 0; i < 256; i++)
            probe[i] = malloc(100);
        hak_stats_t st;
        hak_stats(&st);
        for (int i = 0; i < 256; i++)
            free(probe[i]);
        if (st.refills == 0)
            FAIL("malloc did not reach hakmem (intercepted by a tool?)");
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (unsigned i = 0; i < POOL; i++)
        pthread_mutex_init(&pool[i].lock, NULL);
    printf("soak: %s, %.0f s, %u threads, RSS limit %ld MiB\n", hak_version(), seconds, nthreads,
           rss_limit_mb);

    worker_t workers[MAX_THREADS];
    for (unsigned i = 0; i < nthreads; i++)
        start(&workers[i], i);
    double t0 = now(), last_report = t0, last_fork = t0;
    long peak_rss = 0;
    unsigned checks = 0, forks = 0;
    while (now() - t0 < seconds) {
        usleep(200000);
        for (unsigned i = 0; i < nthreads; i++)
            if (workers[i].done) {
                pthread_join(workers[i].tid, NULL);
                start(&workers[i], i);
            }
        static double last_check;
        if (now() - last_check >= 1.0) {
            int bad = hak_check();
            if (bad)
                FAIL("hak_check() = %d at %.0f s", bad, now() - t0);
            checks++;
            last_check = now();
        }
        long rss = rss_kib();
        if (rss > peak_rss)
            peak_rss = rss;
        if (rss / 1024 > rss_limit_mb)
            FAIL("VmRSS %ld MiB above the limit of %ld MiB", rss / 1024, rss_limit_mb);
        if (now() - last_fork >= 5.0) {
            fork_probe();
            forks++;
            last_fork = now();
        }
        if (now() - last_report >= 10.0) {
            hak_stats_t st;
            hak_stats(&st);
            uint64_t ops = 0;
            for (unsigned i = 0; i < nthreads; i++)
                ops += __atomic_load_n(&total_ops[i], __ATOMIC_RELAXED);
            printf("soak: %4.0f s  ops %llu  threads %llu  RSS %ld MiB  committed %llu MiB  "
                   "purged %llu MiB  checks %u\n",
                   now() - t0, (unsigned long long)ops, threads_started, rss / 1024,
                   (unsigned long long)(st.committed_bytes >> 20),
                   (unsigned long long)(st.purged_bytes >> 20), checks);
            last_report = now();
        }
    }
    stop = 1;
    for (unsigned i = 0; i < nthreads; i++)
        pthread_join(workers[i].tid, NULL);
    for (unsigned i = 0; i < POOL; i++)
        drop(&pool[i].b);
    int bad = hak_check();
    if (bad)
        FAIL("final hak_check() = %d", bad);
    uint64_t ops = 0;
    for (unsigned i = 0; i < nthreads; i++)
        ops += total_ops[i];
    /* Under valgrind freed blocks wait in a quarantine (hosted/tool.c)
     * until hak_trim(). */
    hak_trim();
    hak_stats_t st;
    hak_stats(&st);
    printf("soak: ok: %.0f s, %llu ops, %llu threads, %u checks, %u forks, peak RSS %ld MiB, "
           "large live %llu\n",
           now() - t0, (unsigned long long)ops, threads_started, checks, forks, peak_rss / 1024,
           (unsigned long long)st.large_blocks);
    if (st.large_blocks)
        FAIL("%llu large blocks still live after freeing everything",
             (unsigned long long)st.large_blocks);
    return 0;
}
