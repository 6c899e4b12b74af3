/*
 * lock.h - the core's lock: a compare-and-swap on a C11 atomic int, with the
 * waiting left to the platform (spin, then block in the kernel on a hosted
 * port; spin only on bare metal).
 *
 * States: 0 free; 1 held; 2 held and a waiter may be blocked (its release
 * wakes one); 3 held by hak_heap_lock_all for the whole heap. A caller the
 * platform names as that holder (hak_plat_lock_all_owner: the thread that
 * forks, between the fork handlers) passes a state-3 lock without taking
 * it, so that allocation inside other fork handlers cannot deadlock.
 */
#ifndef HAKMEM_LOCK_H
#define HAKMEM_LOCK_H

#include <stdatomic.h>
#include "config.h"
#include "report.h"
#include "../platform/platform.h"

#define HAK_LOCK_FREE 0
#define HAK_LOCK_HELD 1
#define HAK_LOCK_WAITERS 2
#define HAK_LOCK_ALL 3

typedef struct hak_lock {
    atomic_int state; /* HAK_LOCK_*; zero-initialised storage is free */
} hak_lock_t;

/* Waits for and takes a lock found held (core/lock.c). */
void hak_lock_slow(hak_lock_t *l);

/* Releases a lock whose state was not plain HELD (core/lock.c). */
void hak_unlock_slow(hak_lock_t *l, int state);

/* Acquires the lock. The caller must be pinned (platform.h); a debug build
 * on a port with HAK_PLAT_HAS_PIN_CHECK checks it and reports the lock
 * (fatal). */
static inline void hak_lock(hak_lock_t *l)
{
#if HAK_DEBUG && HAK_PLAT_HAS_PIN_CHECK
    if (!hak_plat_is_pinned())
        hak_fault("core lock taken by a caller that is not pinned, lock", l);
#endif
    int expected = HAK_LOCK_FREE;
    if (__builtin_expect(atomic_compare_exchange_strong_explicit(&l->state, &expected, HAK_LOCK_HELD,
                                                                 memory_order_acquire,
                                                                 memory_order_relaxed), 1))
        return;
    hak_lock_slow(l);
}

/* Releases a lock the caller holds (or passed as the lock-all owner). */
static inline void hak_unlock(hak_lock_t *l)
{
    int expected = HAK_LOCK_HELD;
    if (__builtin_expect(atomic_compare_exchange_strong_explicit(&l->state, &expected, HAK_LOCK_FREE,
                                                                 memory_order_release,
                                                                 memory_order_relaxed), 1))
        return;
    hak_unlock_slow(l, expected);
}

/* Marks a lock the caller just took as held for the whole heap (state 3). */
static inline void hak_lock_mark_all(hak_lock_t *l)
{
    atomic_store_explicit(&l->state, HAK_LOCK_ALL, memory_order_relaxed);
}

/* Releases a state-3 lock and wakes every waiter. */
void hak_unlock_all_state(hak_lock_t *l);

/* Forces a lock free: only for a child after fork, where the holder is gone. */
static inline void hak_lock_reset(hak_lock_t *l)
{
    atomic_store_explicit(&l->state, HAK_LOCK_FREE, memory_order_relaxed);
}

#endif /* HAKMEM_LOCK_H */
