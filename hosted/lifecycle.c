/*
 * lifecycle.c - the hosted port's process and thread events: a thread's
 * first slow path gives it a cache (listed, so that the statistics can
 * count the blocks it holds), thread exit hands the cache back, fork keeps
 * the heap consistent in both processes, and unloading the library
 * (dlclose) leaves nothing behind that points into it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include "hosted.h"
#include "../include/hakmem.h"

static pthread_key_t exit_key;
static int exit_key_made;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

/* The cache of threads that exited, or whose own cache could not be
 * allocated: never written, every call bypasses it. */
static hak_tcache_t dead_cache = { .state = HAK_TC_DEAD };

/* A thread's cache and its place on the list of live caches. */
typedef struct listed_cache {
    hak_tcache_t tc;           /* first: the thread's pointer is &tc */
    struct listed_cache *next, *prev;
} listed_cache_t;

/* The live caches, under a core lock: a leaf (nothing else is taken while
 * it is held); fork holds it for the copy like the heap's locks, so that a
 * thread that forks and allocates in other fork handlers passes it. */
static hak_lock_t list_lock;
static listed_cache_t *list_head;

hak_tcache_t *hak_hosted_cache_for_caller(hak_heap_t *heap)
{
    listed_cache_t *cache = hak_alloc_nocache(heap, sizeof *cache);
    if (!cache) {
        hak_hosted_cache = &dead_cache;
        return &dead_cache;
    }
    memset(cache, 0, sizeof *cache);
    hak_hosted_cache = &cache->tc;
    return &cache->tc;
}

static void list_add(listed_cache_t *c)
{
    hak_lock(&list_lock);
    c->prev = 0;
    c->next = list_head;
    if (list_head)
        list_head->prev = c;
    list_head = c;
    hak_unlock(&list_lock);
}

static void list_remove(listed_cache_t *c)
{
    hak_lock(&list_lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        list_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    hak_unlock(&list_lock);
}

/* The blocks one cache holds, read while its thread may be changing them:
 * each bin's count is its capacity less its room, two words read once
 * each (an estimate, by design); the thread sanitizer is told not to watch
 * these reads. */
__attribute__((no_sanitize("thread")))
static void count_one(const hak_tcache_t *tc, uint64_t cached[HAK_NUM_CLASSES])
{
    if (*(const volatile uint32_t *)&tc->state != HAK_TC_LIVE)
        return;
    for (unsigned c = 0; c < HAK_NUM_CLASSES; c++) {
        uint32_t room = *(const volatile uint16_t *)&tc->bins[c].room;
        uint32_t cap = *(const volatile uint16_t *)&tc->bins[c].cap;
        if (room < cap)
            cached[c] += cap - room;
    }
}

void hak_hosted_count_cached(hak_heap_t *heap, uint64_t cached[HAK_NUM_CLASSES])
{
    (void)heap;
    hak_lock(&list_lock);
    for (listed_cache_t *c = list_head; c; c = c->next)
        count_one(&c->tc, cached);
    hak_unlock(&list_lock);
}

/* Hands the cache's blocks back, then the cache itself; the thread's later
 * calls (other key destructors may allocate) bypass caching. */
static void on_thread_exit(void *arg)
{
    listed_cache_t *cache = arg;
    list_remove(cache);
    hak_cache_release(&hak_hosted_heap, &cache->tc);
    hak_hosted_cache = &dead_cache;
    hak_free_nocache(&hak_hosted_heap, cache, "free");
}

/* Fork: the core takes every lock of the heap in its documented order, so
 * that no lock is held mid-update when the process is copied. The thread
 * that forks keeps using the heap while the locks are held for
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
    hak_lock(&list_lock);
    hak_lock_mark_all(&list_lock);
    hak_hosted_tool_fork(0);
    fork_thread = pthread_self();
    __atomic_store_n(&forking, 1, __ATOMIC_RELEASE);
}

static void after_fork_parent(void)
{
    __atomic_store_n(&forking, 0, __ATOMIC_RELEASE);
    hak_hosted_tool_fork(1);
    hak_unlock_all_state(&list_lock);
    hak_heap_unlock_all(&hak_hosted_heap);
}

/* The child keeps the list: the caches of threads that did not come along
 * keep their blocks, and the statistics count them. */
static void after_fork_child(void)
{
    __atomic_store_n(&forking, 0, __ATOMIC_RELEASE);
    hak_hosted_purger_forget();
    hak_hosted_report_forget();
    hak_hosted_tool_fork(2);
    hak_lock_reset(&list_lock);
    hak_heap_reset_locks(&hak_hosted_heap);
}

static void make_exit_key(void)
{
    exit_key_made = pthread_key_create(&exit_key, on_thread_exit) == 0;
}

/* The fork handlers are registered when the library is loaded (below),
 * before the program runs: registered at a thread's first allocation, they
 * would leave a window in which another thread forks while the first one
 * holds a heap lock it took before the registration (the child would hang
 * on it). The first allocation registers them too, for a library
 * constructor that allocates before this one runs.
 *
 * pthread_atfork may allocate (glibc does once its first 48 handlers are
 * taken, with its handler list locked), so the registration must not wait
 * for itself: the state is taken by one caller, and a call nested in the
 * registration (malloc inside pthread_atfork) or racing with it returns at
 * once; thread-exit keys are made apart (make_exit_key), so that such a
 * nested first allocation starts its cache without it. (A racing caller
 * may not wait for the registration either: it may itself be inside
 * pthread_atfork, holding the lock the registration needs.) */
static int handlers_state; /* 0: not yet, 1: being registered, 2: registered */

void hak_hosted_fork_handlers(void)
{
    if (__atomic_load_n(&handlers_state, __ATOMIC_ACQUIRE) == 2)
        return;
    int none = 0;
    if (!__atomic_compare_exchange_n(&handlers_state, &none, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return;
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    __atomic_store_n(&handlers_state, 2, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void register_at_load(void)
{
    hak_hosted_fork_handlers();
}

void hak_hosted_cache_started(hak_heap_t *heap, hak_tcache_t *cache)
{
    (void)heap;
    hak_hosted_fork_handlers();
    pthread_once(&key_once, make_exit_key);
    list_add((listed_cache_t *)cache);
    if (exit_key_made)
        pthread_setspecific(exit_key, cache);
}

/* Unloading (dlclose of libhakmem.so or of a plugin that embeds
 * libhakmem.a): the thread-exit key must not name a destructor that is
 * about to be unmapped. Threads that exit later keep their blocks (the
 * heap's mapping stays, unreachable). glibc drops the fork handlers of an
 * unloaded object itself. At process exit this runs too, harmlessly. */
__attribute__((destructor)) static void forget_threads(void)
{
    if (exit_key_made) {
        exit_key_made = 0;
        pthread_key_delete(exit_key);
    }
    /* What is free goes back now: a plugin loaded and unloaded again and
     * again must not keep each copy's freed memory resident. The mappings
     * stay (about 4 MiB of address space, 13 KiB resident: README "Use
     * it"): blocks the program still holds must stay valid, and this runs
     * at exit too, while other threads may still allocate. */
    hak_heap_trim(&hak_hosted_heap);
}
