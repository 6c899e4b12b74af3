/*
 * fork_locks - fork while two other threads are inside malloc and free
 * (malloc IS hakmem: linked with libhakmem.a). Run under valgrind by
 * tests/sh/valgrind_stress.sh, where hakmem's tool mode serves every
 * allocation without a thread cache.
 *
 * Proves: each child, forked at a random point of the workers' loops,
 * can malloc and free (small, mid and large blocks) and exit: no heap
 * lock a worker held at the fork is left held in the child. A child that
 * has not exited after CHILD_SECONDS is killed and the program fails
 * (exit 1), printing at which fork.
 *
 * With "fault" as a second argument, a last child frees a block twice,
 * which must stop it with SIGABRT after hakmem's report (in tool mode
 * hakmem finds the fault while valgrind's error reporting is off for its
 * own accesses: tests/sh/valgrind_stress.sh checks that valgrind does not
 * see a thread end with it off).
 *
 * Arguments: forks (default 40), then optionally "fault".
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#define CHILD_SECONDS 30

static const size_t sizes[] = { 24, 700, 3000, 20000, 200000 };
#define NSIZES (sizeof sizes / sizeof sizes[0])

static volatile int stop;

static void *worker(void *arg)
{
    unsigned i = (unsigned)(size_t)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        char *p = malloc(sizes[i++ % NSIZES]);
        if (!p)
            abort();
        p[0] = 1;
        free(p);
    }
    return NULL;
}

/* The "fault" child: a double free, which must not return. */
static void child_double_free(void)
{
    char *volatile p = malloc(100);
    if (!p)
        _exit(2);
    free(p);
    free(p);
    _exit(3);
}

/* The child: one block of each size, then out. */
static void child(void)
{
    for (unsigned i = 0; i < NSIZES; i++) {
        char *p = malloc(sizes[i]);
        if (!p)
            _exit(2);
        memset(p, 3, sizes[i]);
        free(p);
    }
    _exit(0);
}

static volatile pid_t waited_child;
static volatile sig_atomic_t child_killed;

static void on_alarm(int sig)
{
    (void)sig;
    child_killed = 1;
    kill(waited_child, SIGKILL);
}

/* Waits for pid (a blocking wait: under valgrind a polling loop would
 * hardly get the CPU from the workers), killing it after CHILD_SECONDS;
 * returns 1 if it exited 0 in time. */
static int child_ok(pid_t pid)
{
    int st;
    waited_child = pid;
    child_killed = 0;
    alarm(CHILD_SECONDS);
    while (waitpid(pid, &st, 0) < 0)
        ;
    alarm(0);
    return !child_killed && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(int argc, char **argv)
{
    int forks = argc > 1 ? atoi(argv[1]) : 40;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    pthread_t t[2];
    for (unsigned i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(size_t)i) != 0)
            return 1;
    int failed_at = 0;
    for (int i = 1; i <= forks && !failed_at; i++) {
        /* Let the workers run a little, so that the fork lands anywhere. */
        struct timespec nap = { 0, 1000000 * (i % 5) };
        nanosleep(&nap, NULL);
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            child();
        if (!child_ok(pid))
            failed_at = i;
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    if (failed_at) {
        printf("child of fork %d did not malloc, free and exit within %d s\n", failed_at, CHILD_SECONDS);
        return 1;
    }
    if (argc > 2 && !strcmp(argv[2], "fault")) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0)
            child_double_free();
        int st;
        while (waitpid(pid, &st, 0) < 0)
            ;
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT) {
            printf("the double free in a child did not stop it with SIGABRT: status 0x%x\n", st);
            return 1;
        }
        printf("a child's double free stopped it with SIGABRT; ");
    }
    printf("%d forks while two threads allocate: every child allocated and exited\n", forks);
    return 0;
}
