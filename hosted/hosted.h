/*
 * hosted.h - state the hosted port shares between its files: the process
 * heap and the calling thread's cache.
 */
#ifndef HAKMEM_HOSTED_H
#define HAKMEM_HOSTED_H

#include "../core/heap.h"

#define HAK_INTERNAL __attribute__((visibility("hidden")))
#define HAK_EXPORT __attribute__((visibility("default")))

/* The process heap. Its span starts at 0 so that the free fast path sends
 * every pointer to the slow path until the heap is set up. */
extern hak_heap_t hak_hosted_heap HAK_INTERNAL;

/* The calling thread's cache: a shared UNBOUND placeholder until the
 * thread's first slow path, then a cache of its own, allocated from the
 * heap (initial-exec TLS of 8 bytes: one load to reach the cache). */
extern __thread hak_tcache_t *hak_hosted_cache
    __attribute__((tls_model("initial-exec"))) HAK_INTERNAL;

/* Port hook: starts the purge helper thread (purger.c) once; and, in a
 * child after fork, forgets the parent's helper. */
void hak_hosted_start_purger(hak_heap_t *heap) HAK_INTERNAL;
void hak_hosted_purger_forget(void) HAK_INTERNAL;

/* Port hook: allocates the calling thread's own cache and points
 * hak_hosted_cache at it; when that fails, points it at a shared DEAD cache
 * (the thread's calls then bypass caching). */
hak_tcache_t *hak_hosted_cache_for_caller(hak_heap_t *heap) HAK_INTERNAL;

/* Port hooks of the process heap (heap_region.c): reserves its address
 * window at the first slow path, and backs [at, at + bytes) of it as the
 * heap grows. Each returns 0, or -1 when the system refuses. */
int hak_hosted_heap_start(hak_heap_t *heap) HAK_INTERNAL;
int hak_hosted_heap_back(hak_heap_t *heap, uintptr_t at, size_t bytes) HAK_INTERNAL;

/* Port hook (hooks.count_cached): adds up the blocks held in the live
 * threads' caches, per class (lifecycle.c). */
void hak_hosted_count_cached(hak_heap_t *heap, uint64_t cached[HAK_NUM_CLASSES]) HAK_INTERNAL;

/* Port hook: registers the calling thread's cache for release at thread exit
 * (and on the list of live caches) and, once per process, the fork
 * handlers. */
void hak_hosted_cache_started(hak_heap_t *heap, hak_tcache_t *cache) HAK_INTERNAL;

#endif /* HAKMEM_HOSTED_H */
