/*
 * hosted.h - state the hosted port shares between its files: the process
 * heap and the calling thread's cache.
 */
#ifndef HAKMEM_HOSTED_H
#define HAKMEM_HOSTED_H

#include "../core/heap.h"

/* config.h lets a bare-metal image leave parts of the core out; the hosted
 * port needs each of these (without them it would not link, or the
 * process heap, which grows, would fault at the first malloc). */
#if !HAK_WITH_GROWTH
#error "HAK_WITH_GROWTH=0 is for bare-metal images: the hosted port needs it (the process heap grows)"
#endif
#if !HAK_WITH_CHECK
#error "HAK_WITH_CHECK=0 is for bare-metal images: the hosted port needs it (hak_check)"
#endif
#if !HAK_WITH_STATS
#error "HAK_WITH_STATS=0 is for bare-metal images: the hosted port needs it (hak_stats, HAKMEM_STATS)"
#endif
#if !HAK_WITH_FORK
#error "HAK_WITH_FORK=0 is for bare-metal images: the hosted port needs it (its fork handlers)"
#endif
#if !HAK_WITH_DECAY
#error "HAK_WITH_DECAY=0 is for bare-metal images: the hosted port needs it (its purge thread)"
#endif
#if !HAK_WITH_ARENA_API
#error "HAK_WITH_ARENA_API=0 is for bare-metal images: the hosted port needs it (hak_arena_*, uncached calls)"
#endif

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

/* Registers the fork handlers, once per process (lifecycle.c): when the
 * library is loaded, and again (a no-op then) at a thread's first slow
 * path and, in tool mode (tool.c: its threads take no cache), on each
 * allocation, in case a constructor of another library allocates before
 * hakmem's has run. After the first call it is one load. A call nested in
 * the registration (pthread_atfork allocating) or racing with it returns
 * at once. */
void hak_hosted_fork_handlers(void) HAK_INTERNAL;

/* The settings of the HAKMEM_* environment variables (config.c). */
enum { HAK_STATS_OFF, HAK_STATS_STDERR, HAK_STATS_FILE };
typedef struct hak_hosted_config {
    hak_arena_params_t heap;   /* the process heap's purge parameters */
    int stats;                 /* HAK_STATS_*: the table at exit */
    char stats_path[4096];     /* HAK_STATS_FILE: absolute path */
    int verbose;               /* print the settings at start */
    int valgrind;              /* HAKMEM_VALGRIND: -1 auto, 0, 1 */
    char program[64];          /* the program's short name */
    uint64_t start_ns;         /* CLOCK_MONOTONIC when they were read */
} hak_hosted_config_t;

extern hak_hosted_config_t hak_hosted_config HAK_INTERNAL;

/* Reads the environment (once; later calls return at once). Called by the
 * heap's start and at load time. */
void hak_hosted_config_load(void) HAK_INTERNAL;

/* Prepares the statistics report at exit (report.c), once the settings
 * are read. */
void hak_hosted_report_start(void) HAK_INTERNAL;

/* In a child after fork: closes the copy of stderr kept for the report
 * (report.c), so that it does not outlive the child's own descriptors. */
void hak_hosted_report_forget(void) HAK_INTERNAL;

/* Decides, once, whether the process heap runs in tool mode (tool.c):
 * always in an AddressSanitizer build; under valgrind as `setting` says
 * (-1: when the tool tracks the heap, 0: never, 1: always). */
void hak_hosted_tool_detect(int setting) HAK_INTERNAL;

/* Before a fault stops the process (hak_plat_panic): under valgrind, turns
 * the calling thread's error reporting back on, which tool mode turns off
 * around hakmem's own accesses; a thread that ends with it off makes
 * valgrind warn about its macros, a forked child too. */
void hak_hosted_tool_fault(void) HAK_INTERNAL;

/* What hak_hosted_tool_detect decided, in words (HAKMEM_VERBOSE). */
const char *hak_hosted_tool_name(void) HAK_INTERNAL;

/* Puts the process heap in tool mode if hak_hosted_tool_detect said so
 * (called by its start, after hak_heap_setup). */
void hak_hosted_tool_attach(hak_heap_t *heap) HAK_INTERNAL;

/* Fork handlers' part for tool mode: 0 before, 1 in the parent, 2 in the
 * child. */
void hak_hosted_tool_fork(int phase) HAK_INTERNAL;

/* Tool mode: frees the blocks waiting in quarantine (hak_trim). Returns
 * how many. */
size_t hak_hosted_tool_trim(hak_heap_t *heap) HAK_INTERNAL;

#endif /* HAKMEM_HOSTED_H */
