/*
 * lifecycle.c - the hosted port's process and thread events: thread exit
 * hands the thread's cache back, fork keeps the heap consistent in both
 * processes, and HAKMEM_STATS=<file> appends a line of counters at exit.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hosted.h"
#include "../include/hakmem.h"

static pthread_key_t exit_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char stats_path[512];

static void on_thread_exit(void *cache)
{
    hak_cache_release(&hak_hosted_heap, (hak_tcache_t *)cache);
}

/* Fork: the core takes every lock of the heap in its documented order, so
 * that no lock is held mid-update when the process is copied. */
/* The thread that forks keeps using the heap while the locks are held for
 * fork: other fork handlers, run before hakmem's parent and child handlers
 * or after its prepare handler (whatever the order of registration), may
 * allocate and free. */
static pthread_t fork_thread;
static int forking;

int hak_plat_lock_all_owner(void)
{
    return __atomic_load_n(&forking, __ATOMIC_ACQUIRE) && pthread_equal(fork_thread, pthread_self());
}

static void before_fork(void)
{
    hak_heap_lock_all(&hak_hosted_heap);
    fork_thread = pthread_self();
    __atomic_store_n(&forking, 1, __ATOMIC_RELEASE);
}

static void after_fork_parent(void)
{
    __atomic_store_n(&forking, 0, __ATOMIC_RELEASE);
    hak_heap_unlock_all(&hak_hosted_heap);
}

static void after_fork_child(void)
{
    __atomic_store_n(&forking, 0, __ATOMIC_RELEASE);
    hak_heap_reset_locks(&hak_hosted_heap);
}

static void register_once(void)
{
    pthread_key_create(&exit_key, on_thread_exit);
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

void hak_hosted_cache_started(hak_heap_t *heap, hak_tcache_t *cache)
{
    (void)heap;
    pthread_once(&once, register_once);
    pthread_setspecific(exit_key, cache);
}

__attribute__((constructor)) static void read_environment(void)
{
    const char *path = getenv("HAKMEM_STATS");
    if (path && strlen(path) < sizeof stats_path)
        strcpy(stats_path, path);
}

__attribute__((destructor)) static void write_stats(void)
{
    if (!stats_path[0])
        return;
    hak_stats_t s;
    hak_stats(&s);
    char line[400];
    int n = snprintf(line, sizeof line,
                     "%s pid=%d refills=%llu flushes=%llu slabs=%llu large=%llu "
                     "committed=%llu purged=%llu threads_exited=%llu\n",
                     hak_version(), (int)getpid(), (unsigned long long)s.refills,
                     (unsigned long long)s.flushes, (unsigned long long)s.slabs,
                     (unsigned long long)s.large_blocks,
                     (unsigned long long)s.arena_committed,
                     (unsigned long long)s.purged_total,
                     (unsigned long long)s.threads_exited);
    int fd = open(stats_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (n > 0 && write(fd, line, (size_t)n) < 0)
        n = 0;
    close(fd);
}
