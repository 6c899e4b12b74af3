/*
 * platform.h - the contract every hakmem port implements.
 *
 * The core (core/) calls only the functions declared here and freestanding C
 * headers. A port (hosted/ for Linux, freestanding/ for bare metal, the test
 * platform in tests/core/) defines each of them. The core never reserves
 * memory itself: a port hands it regions (hak_arena_create, or the internal
 * hak_heap_setup with a growth hook), and chooses the cache a call uses (a
 * thread's or a CPU's) and passes it to the core explicitly.
 *
 * The pinning rule: every core entry that can take a lock runs with the
 * caller pinned to its cache. On bare metal that means interrupts off on
 * the calling CPU for the whole call, so an interrupt handler on the same
 * CPU never finds a cache half-updated or a core lock held by the code it
 * interrupted. A hosted thread is always pinned to its own cache.
 *
 * Every function may be called with core locks held; none may call back
 * into hakmem, and none may allocate.
 *
 * Capabilities are compile-time constants, set with -D when core/ is
 * compiled for a port; a port without a capability defines it to 0, does
 * not implement the functions it guards, and pays nothing for it.
 */
#ifndef HAKMEM_PLATFORM_H
#define HAKMEM_PLATFORM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* 1: the port implements hak_plat_purge, and arenas created with
 * HAK_ARENA_PURGEABLE give free pages back to it. */
#ifndef HAK_PLAT_HAS_PURGE
#define HAK_PLAT_HAS_PURGE 1
#endif

/* 1: the port implements hak_plat_clock_ms, and purging decays with time
 * (HAK_PURGE_DECAY_MS); 0: only the volume rule purges. */
#ifndef HAK_PLAT_HAS_CLOCK
#define HAK_PLAT_HAS_CLOCK 1
#endif

/* 1: the port implements hak_plat_is_pinned, and debug builds (HAK_DEBUG)
 * check the pinning rule at every core lock. */
#ifndef HAK_PLAT_HAS_PIN_CHECK
#define HAK_PLAT_HAS_PIN_CHECK 0
#endif

/* 1: the port implements hak_plat_lock_all_owner, and the caller it names
 * may use the heap while hak_heap_lock_all holds every lock (hosted: the
 * thread that forks runs other fork handlers that allocate). */
#ifndef HAK_PLAT_HAS_LOCK_ALL
#define HAK_PLAT_HAS_LOCK_ALL 0
#endif

/* Bytes of the unit hak_plat_purge works in (a power of two, at most the
 * chunk size). The core purges only whole, aligned pages of this size. */
#ifndef HAK_PLAT_PAGE_SIZE
#define HAK_PLAT_PAGE_SIZE 4096u
#endif

#if HAK_PLAT_HAS_PURGE
/* Tells the platform that the page-aligned range [p, p + size) (size a
 * multiple of HAK_PLAT_PAGE_SIZE) holds no data: it may drop the backing
 * memory. The range stays usable. Returns 1 if the pages were given back,
 * 0 if nothing was done. Whether they then read as zero is the region's
 * property (HAK_ARENA_PURGED_ZERO), not the platform's: madvise empties
 * private anonymous memory but not shared or file-backed memory. Called
 * only for arenas created with HAK_ARENA_PURGEABLE. */
int hak_plat_purge(void *p, size_t size);
#endif

#if HAK_PLAT_HAS_CLOCK
/* Returns a monotonic time in milliseconds (any origin). Called on slow
 * paths only (refill, flush, chunk allocation). */
uint64_t hak_plat_clock_ms(void);
#endif

#if HAK_PLAT_HAS_PIN_CHECK
/* Returns 1 when the caller is pinned to its cache (bare metal: interrupts
 * are off on this CPU), 0 otherwise. Debug builds only. */
int hak_plat_is_pinned(void);
#endif

/* Called by a waiter on a core lock whose state word `word` held `value`.
 * With may_block 0 (the first HAK_LOCK_SPINS waits), pause the CPU
 * briefly. With may_block 1, a hosted port blocks until *word may no
 * longer equal value (Linux: futex wait; a spurious return is fine); on
 * bare metal it must never yield or sleep: under the pinning rule the
 * holder runs on another CPU and releases soon, so pause. */
void hak_plat_lock_wait(atomic_int *word, int value, int may_block);

/* Wakes one waiter (all: every waiter) blocked in hak_plat_lock_wait on
 * `word`, after its holder released it. A port whose waiters never block
 * does nothing. */
void hak_plat_lock_wake(atomic_int *word, int all);

#if HAK_PLAT_HAS_LOCK_ALL
/* Returns 1 if the caller is the one holding every core lock through
 * hak_heap_lock_all (hosted: the thread between fork's prepare and its
 * parent or child handlers), 0 otherwise. */
int hak_plat_lock_all_owner(void);
#endif

/* Writes n bytes of text to the platform's diagnostic output (stderr, UART).
 * Must not allocate. Partial writes are the platform's concern. */
void hak_plat_write(const char *text, size_t n);

/* Stops the program after a fatal fault that was already reported with
 * hak_plat_write (hosted: abort(), so a core dump shows the caller). Must
 * not return. */
_Noreturn void hak_plat_panic(void);

/* Called once each time an allocation is about to return NULL because
 * memory is exhausted (hosted: sets errno to ENOMEM; bare metal: may do
 * nothing). Not called for bad arguments. */
void hak_plat_out_of_memory(void);

/* Returns 64 bits of entropy for the keys that encode free lists and slab
 * tags. A port without entropy may return a fixed value (weaker hardening,
 * same correctness). Called when an arena is set up. */
uint64_t hak_plat_entropy(void);

#endif /* HAKMEM_PLATFORM_H */
