/*
 * fork_threads - three threads allocate, fill, verify and free blocks in a
 * loop (small, mid and large sizes) while the main thread forks 20 times.
 * Each child verifies and frees blocks the parent allocated before the fork,
 * allocates and frees a lot (the same size classes the threads use, large
 * blocks up to 4 MiB, calloc, realloc), starts a thread of its own that
 * allocates too, runs hak_check() and _exit(0)s. (While the parent waits
 * for a child the workers idle, so that the child gets the CPU; every fork
 * happens while they run.)
 *
 * Proves that fork while other threads are inside the allocator leaves the
 * child with a usable, consistent heap (no lock left held: a deadlock is
 * caught by alarm() in both child and parent and fails the test; no list
 * caught half-updated: hak_check() == 0 and every pattern intact), and that
 * the parent's heap stays consistent too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hakmem.h"
#include "testlib.h"

enum {
    NWORKERS = 3,
    NFORKS = 20,
    WORKER_SLOTS = 64,
    PARENT_BLOCKS = 200,
    CHILD_OPS = 6000,
    CHILD_SLOTS = 256,
    CHILD_TIMEOUT = 20,   /* seconds a child may take */
};

static const size_t class_sizes[] = { 24, 100, 512, 1039, 1040, 2000, 8000, 32783, 32784,
                                      100000, 1u << 20 };
#define NSIZES (sizeof class_sizes / sizeof class_sizes[0])

/* Child-side failure: one line on stderr and _exit(1) (no atexit, no
 * stdio flush of the parent's buffers). */
#define CHILD_CHECK(cond, ...)                                                \
    do {                                                                      \
        if (!(cond)) {                                                        \
            char msg_[256];                                                   \
            int n_ = snprintf(msg_, sizeof msg_, "child %d: %s:%d: check failed: %s: ", \
                              (int)getpid(), __FILE__, __LINE__, #cond);      \
            if (n_ > 0 && (size_t)n_ < sizeof msg_)                           \
                n_ += snprintf(msg_ + n_, sizeof msg_ - (size_t)n_, __VA_ARGS__); \
            if (n_ > (int)sizeof msg_ - 2)                                    \
                n_ = (int)sizeof msg_ - 2;                                    \
            msg_[n_++] = '\n';                                                \
            if (write(2, msg_, (size_t)n_) < 0) {}                            \
            _exit(1);                                                         \
        }                                                                     \
    } while (0)

typedef struct item {
    unsigned char *p;
    size_t size;
    uint32_t seed;
} item_t;

static volatile int stop;
/* Set while the parent waits for a child, so the child gets the CPU (the
 * fork itself always happens while the workers run). */
static volatile int paused;

static inline unsigned char pat(uint32_t seed, size_t i)
{
    return (unsigned char)(seed + i * 13u + (i >> 10));
}

/* Next byte index to fill or check: every byte of blocks up to 64 KiB;
 * for larger ones the first and last 4 KiB and every 509th byte between
 * (so multi-MiB blocks stay cheap). */
static inline size_t next_index(size_t i, size_t size)
{
    if (size <= 65536 || i < 4096 || i + 4096 >= size)
        return i + 1;
    return i + 509 < size - 4096 ? i + 509 : size - 4096;
}

static void fill(const item_t *it)
{
    for (size_t i = 0; i < it->size; i = next_index(i, it->size))
        it->p[i] = pat(it->seed, i);
}

/* Returns the first bad byte or it->size. */
static size_t check_block(const item_t *it)
{
    for (size_t i = 0; i < it->size; i = next_index(i, it->size))
        if (it->p[i] != pat(it->seed, i))
            return i;
    return it->size;
}

static uint32_t step(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void *worker(void *arg)
{
    uint32_t rng = (uint32_t)(uintptr_t)arg * 7919u + 1u;
    item_t slots[WORKER_SLOTS];
    memset(slots, 0, sizeof slots);
    unsigned long ops = 0;
    while (!stop) {
        if (paused) {
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
            continue;
        }
        item_t *it = &slots[step(&rng) % WORKER_SLOTS];
        if (it->p) {
            size_t bad = check_block(it);
            CHECK(bad == it->size, "worker: block %p of %zu corrupted at %zu", (void *)it->p,
                  it->size, bad);
            free(it->p);
            it->p = NULL;
        } else {
            uint32_t r = step(&rng);
            size_t n = class_sizes[r % NSIZES];
            /* Large blocks only now and then, so the loop stays fast. */
            if (n > 65536 && (r >> 8) % 16 != 0)
                n = 48;
            it->size = n - (r >> 20) % 8;
            it->seed = r;
            it->p = malloc(it->size);
            CHECK(it->p, "worker: malloc(%zu)", it->size);
            fill(it);
        }
        ops++;
    }
    for (unsigned i = 0; i < WORKER_SLOTS; i++)
        if (slots[i].p) {
            CHECK(check_block(&slots[i]) == slots[i].size, "worker: final block corrupted");
            free(slots[i].p);
        }
    return (void *)ops;
}

static void *child_thread(void *arg)
{
    uint32_t rng = (uint32_t)(uintptr_t)arg | 1u;
    item_t it[32];
    memset(it, 0, sizeof it);
    for (unsigned op = 0; op < 5000; op++) {
        item_t *b = &it[step(&rng) % 32];
        if (b->p) {
            CHILD_CHECK(check_block(b) == b->size, "child thread block corrupted");
            free(b->p);
            b->p = NULL;
        } else {
            b->size = 1 + step(&rng) % 3000;
            b->seed = rng;
            b->p = malloc(b->size);
            CHILD_CHECK(b->p, "child thread malloc(%zu)", b->size);
            fill(b);
        }
    }
    for (unsigned i = 0; i < 32; i++)
        free(it[i].p);
    return NULL;
}

static void child_main(item_t *parent_blocks, unsigned round)
{
    signal(SIGALRM, SIG_DFL); /* a deadlocked child dies of SIGALRM */
    alarm(CHILD_TIMEOUT);
    uint32_t rng = 0x9e3779b9u ^ (round * 977u) ^ (uint32_t)getpid();
    /* The parent's blocks came through the fork intact. */
    for (unsigned i = 0; i < PARENT_BLOCKS; i++) {
        size_t bad = check_block(&parent_blocks[i]);
        CHILD_CHECK(bad == parent_blocks[i].size, "parent block %u (%zu bytes) corrupted at %zu",
                    i, parent_blocks[i].size, bad);
    }
    CHILD_CHECK(hak_check() == 0, "hak_check right after fork");

    static item_t slots[CHILD_SLOTS];
    memset(slots, 0, sizeof slots);
    for (unsigned op = 0; op < CHILD_OPS; op++) {
        item_t *it = &slots[step(&rng) % CHILD_SLOTS];
        if (it->p) {
            size_t bad = check_block(it);
            CHILD_CHECK(bad == it->size, "block of %zu corrupted at %zu", it->size, bad);
            if (op % 5 == 0) {
                /* realloc keeps the content. */
                size_t n = class_sizes[step(&rng) % (NSIZES - 1)];
                unsigned char *q = realloc(it->p, n);
                CHILD_CHECK(q, "realloc(%zu)", n);
                size_t keep = n < it->size ? n : it->size;
                for (size_t i = 0; i < keep; i = next_index(i, it->size))
                    CHILD_CHECK(q[i] == pat(it->seed, i), "realloc lost byte %zu", i);
                it->p = q;
                it->size = n;
                fill(it);
                continue;
            }
            free(it->p);
            it->p = NULL;
        } else {
            uint32_t r = step(&rng);
            size_t n = class_sizes[r % NSIZES];
            if (n > 65536 && (r >> 8) % 4 != 0)
                n = 64; /* keep large blocks to a share that stays cheap */
            if ((r >> 8) % 128 == 1)
                n = ((size_t)1 + (r >> 16) % 4) << 20; /* 1..4 MiB */
            it->size = n - (r >> 24) % 16;
            it->seed = r;
            if ((r >> 4) % 8 == 0) {
                it->p = calloc(1, it->size);
                CHILD_CHECK(it->p, "calloc(%zu)", it->size);
                for (size_t i = 0; i < it->size; i = next_index(i, it->size))
                    CHILD_CHECK(it->p[i] == 0, "calloc byte %zu not zero", i);
            } else {
                it->p = malloc(it->size);
                CHILD_CHECK(it->p, "malloc(%zu)", it->size);
            }
            fill(it);
        }
    }
    pthread_t t;
    CHILD_CHECK(pthread_create(&t, NULL, child_thread, (void *)(uintptr_t)rng) == 0,
                "pthread_create in child");
    CHILD_CHECK(pthread_join(t, NULL) == 0, "pthread_join in child");
    for (unsigned i = 0; i < CHILD_SLOTS; i++)
        if (slots[i].p) {
            CHILD_CHECK(check_block(&slots[i]) == slots[i].size, "final block corrupted");
            free(slots[i].p);
        }
    /* Free the parent's blocks too (they are the child's copies). */
    for (unsigned i = 0; i < PARENT_BLOCKS; i++)
        free(parent_blocks[i].p);
    int bad = hak_check();
    CHILD_CHECK(bad == 0, "hak_check() found %d broken invariants", bad);
    _exit(0);
}

static volatile pid_t waiting_for;

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "fork_threads: timed out waiting for a child (deadlock after fork?)\n";
    if (write(2, msg, sizeof msg - 1) < 0) {}
    if (waiting_for > 0)
        kill(waiting_for, SIGKILL);
    _exit(1);
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    setvbuf(stdout, NULL, _IONBF, 0);
    signal(SIGALRM, on_alarm);

    /* Blocks the parent owns across all the forks. */
    item_t parent_blocks[PARENT_BLOCKS];
    for (unsigned i = 0; i < PARENT_BLOCKS; i++) {
        parent_blocks[i].size = class_sizes[i % NSIZES] - i % 7;
        parent_blocks[i].seed = i * 101u;
        parent_blocks[i].p = malloc(parent_blocks[i].size);
        CHECK(parent_blocks[i].p, "malloc");
        fill(&parent_blocks[i]);
    }

    pthread_t tids[NWORKERS];
    for (unsigned i = 0; i < NWORKERS; i++)
        CHECK(pthread_create(&tids[i], NULL, worker, (void *)(uintptr_t)(i + 1)) == 0,
              "pthread_create");

    uint32_t rng = 12345;
    double slowest = 0;
    for (unsigned round = 0; round < NFORKS; round++) {
        /* Let the workers get going, then fork at an arbitrary moment. */
        paused = 0;
        struct timespec ts = { 0, (long)(10000000 + step(&rng) % 30000000) };
        nanosleep(&ts, NULL);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        pid_t pid = fork();
        CHECK(pid >= 0, "fork: %s", strerror(errno));
        if (pid == 0)
            child_main(parent_blocks, round);
        paused = 1;
        waiting_for = pid;
        alarm(CHILD_TIMEOUT + 10);
        int status = 0;
        pid_t w;
        do
            w = waitpid(pid, &status, 0);
        while (w < 0 && errno == EINTR);
        alarm(0);
        waiting_for = 0;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (secs > slowest)
            slowest = secs;
        CHECK(w == pid, "waitpid: %s", strerror(errno));
        if (WIFSIGNALED(status))
            CHECK(0, "child %u killed by signal %d%s", round, WTERMSIG(status),
                  WTERMSIG(status) == SIGALRM ? " (SIGALRM: it deadlocked)" : "");
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %u exited with status %d",
              round, WEXITSTATUS(status));
    }

    stop = 1;
    unsigned long ops = 0;
    for (unsigned i = 0; i < NWORKERS; i++) {
        void *r;
        pthread_join(tids[i], &r);
        ops += (unsigned long)(uintptr_t)r;
    }
    for (unsigned i = 0; i < PARENT_BLOCKS; i++) {
        CHECK(check_block(&parent_blocks[i]) == parent_blocks[i].size, "parent block corrupted");
        free(parent_blocks[i].p);
    }
    int bad = hak_check();
    CHECK(bad == 0, "parent: hak_check() found %d broken invariants", bad);
    printf("%u forks, all children exited 0 (slowest %.2f s); worker ops %lu\n", NFORKS, slowest,
           ops);
    puts("ok");
    return 0;
}
