/*
 * fork_register - hakmem's fork handlers are registered when the library
 * is loaded, before main, and not at the process's first allocation.
 *
 * Registered at a first allocation, they would leave a window: a thread
 * forking while another is inside that first allocation, holding a heap
 * lock taken before the registration, gives a child that hangs on the
 * lock. That window is a race, so this test checks its cause instead:
 * glibc runs prepare handlers in the reverse order of their registration,
 * so a prepare handler the program registers in main, before it allocates
 * anything, runs before hakmem's only if hakmem's was registered earlier,
 * at load. While that handler runs, hakmem's locks are then still free: a
 * helper thread it wakes allocates a 1 MiB block (the chunk lock) and a
 * small one at once. Had hakmem registered at the first allocation (the
 * helper's creation allocates), its prepare handler would have run first,
 * and the helper would wait for the end of the fork: the handler gives it
 * two seconds, then fails the test.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hakmem.h"
#include "testlib.h"

static int go, done, helper_done_in_prepare;

static void *helper(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE)) {
        struct timespec nap = { 0, 1000000 };
        nanosleep(&nap, NULL);
    }
    char *big = malloc(1u << 20);
    char *small = malloc(200);
    CHECK(big && small, "helper's malloc");
    memset(big, 1, 1u << 20);
    free(big);
    free(small);
    __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Wakes the helper and waits up to two seconds for its allocations. */
static void prepare(void)
{
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 2000 && !__atomic_load_n(&done, __ATOMIC_ACQUIRE); i++) {
        struct timespec nap = { 0, 1000000 };
        nanosleep(&nap, NULL);
    }
    helper_done_in_prepare = __atomic_load_n(&done, __ATOMIC_ACQUIRE);
}

int main(void)
{
    /* Nothing allocated by main yet. */
    CHECK(pthread_atfork(prepare, NULL, NULL) == 0, "pthread_atfork");
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    pthread_t t;
    CHECK(pthread_create(&t, NULL, helper, NULL) == 0, "pthread_create");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0)
        _exit(0);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "child status 0x%x", status);
    pthread_join(t, NULL);
    CHECK(helper_done_in_prepare,
          "a thread could not allocate while the program's prepare handler, registered in main "
          "before any allocation, ran: hakmem's prepare handler ran first, so it was registered "
          "after main began (at the first allocation), not when the library was loaded");
    printf("hakmem's fork handlers were registered at load: a prepare handler registered in "
           "main runs before hakmem's, while another thread allocates\n");
    return 0;
}
