/*
 * fork_handlers - the program's own pthread_atfork handlers allocate.
 *
 * One set of handlers is registered before hakmem registers its own (in a
 * constructor that runs before the library's: hakmem registers at load)
 * and one after, in main; every prepare, parent and child handler
 * allocates and frees a 1 MiB block and small and mid blocks of size
 * classes nothing else uses (so the handler reaches the slow paths that
 * take locks). Two threads allocate while the main thread forks 20 times.
 * Each child allocates, runs hak_check() and exits 0.
 *
 * Proves that fork never deadlocks whatever the order in which hakmem's
 * and the program's handlers were registered (alarm() turns a deadlock
 * into a failure), that handlers of every kind may allocate, and that the
 * child can allocate.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hakmem.h"
#include "testlib.h"

enum { FORKS = 20, WORKERS = 2 };

static volatile int stop;
static unsigned handler_calls[2][3];

/* Allocates through the slow paths: a large block, and small and mid
 * blocks of classes nobody else uses (their cache bins start empty). */
static void allocate_in_handler(unsigned set, unsigned kind)
{
    static const size_t sizes[] = { 1u << 20, 464, 752, 7000, 24000 };
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i] + set * 16u + kind * 32u;
        char *p = malloc(n);
        if (!p)
            _exit(3);
        memset(p, (int)(set * 3 + kind), n);
        free(p);
    }
    __atomic_fetch_add(&handler_calls[set][kind], 1, __ATOMIC_RELAXED);
}

static void prepare0(void) { allocate_in_handler(0, 0); }
static void parent0(void) { allocate_in_handler(0, 1); }
static void child0(void) { allocate_in_handler(0, 2); }
static void prepare1(void) { allocate_in_handler(1, 0); }
static void parent1(void) { allocate_in_handler(1, 1); }
static void child1(void) { allocate_in_handler(1, 2); }

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    void *slots[64] = { 0 };
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        seed = seed * 1103515245u + 12345u;
        unsigned i = (seed >> 8) % 64u;
        free(slots[i]);
        size_t n = (seed >> 16) % 3u == 0 ? 200000u : 16u + (seed >> 20) % 4000u;
        slots[i] = malloc(n);
        CHECK(slots[i] != NULL, "worker malloc");
        memset(slots[i], 1, n < 64 ? n : 64);
    }
    for (unsigned i = 0; i < 64; i++)
        free(slots[i]);
    return NULL;
}

/* Runs before every constructor without a priority, hakmem's included
 * (linked statically, in the same image): set 0 is registered first. */
__attribute__((constructor(101))) static void register_set0(void)
{
    CHECK(pthread_atfork(prepare0, parent0, child0) == 0, "pthread_atfork 0");
}

int main(void)
{
    void *first = malloc(100);
    CHECK(first != NULL, "first malloc");
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    CHECK(pthread_atfork(prepare1, parent1, child1) == 0, "pthread_atfork 1");
    alarm(60);

    pthread_t t[WORKERS];
    for (unsigned i = 0; i < WORKERS; i++)
        CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1)) == 0, "thread");
    for (unsigned f = 0; f < FORKS; f++) {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            alarm(20);
            char *p = malloc(3u << 20);
            char *q = malloc(333);
            if (!p || !q)
                _exit(4);
            memset(p, 7, 3u << 20);
            free(p);
            free(q);
            _exit(hak_check() == 0 && handler_calls[0][2] + handler_calls[1][2] == 2 ? 0 : 5);
        }
        int status;
        CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "child %u: status 0x%x (a signal 14 is a deadlock caught by alarm)", f, status);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    free(first);
    for (unsigned set = 0; set < 2; set++)
        CHECK(handler_calls[set][0] == FORKS && handler_calls[set][1] == FORKS,
              "handler set %u ran prepare %u, parent %u times for %d forks", set,
              handler_calls[set][0], handler_calls[set][1], FORKS);
    CHECK(hak_check() == 0, "hak_check in the parent");
    printf("%d forks with allocating prepare/parent/child handlers registered before and "
           "after hakmem's, two allocating threads: no deadlock, children allocate\n", FORKS);
    return 0;
}
