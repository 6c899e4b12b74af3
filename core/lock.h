/*
 * lock.h - the core's spinlock: test-and-test-and-set on a C11 atomic, with
 * the wait policy (pause, then yield) left to the platform.
 */
#ifndef HAKMEM_LOCK_H
#define HAKMEM_LOCK_H

#include <stdatomic.h>
#include "config.h"
#include "report.h"
#include "../platform/platform.h"

typedef struct hak_lock {
    atomic_int held; /* 0 free, 1 held; zero-initialised storage is unlocked */
} hak_lock_t;

/* Acquires the lock, waiting through hak_plat_lock_wait while it is held.
 * The caller must be pinned (platform.h); a debug build on a port with
 * HAK_PLAT_HAS_PIN_CHECK checks it and reports the lock (fatal). */
static inline void hak_lock(hak_lock_t *l)
{
#if HAK_DEBUG && HAK_PLAT_HAS_PIN_CHECK
    if (!hak_plat_is_pinned())
        hak_fault("core lock taken by a caller that is not pinned, lock", l);
#endif
    unsigned spins = 0;
    for (;;) {
        if (!atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
            return;
        while (atomic_load_explicit(&l->held, memory_order_relaxed))
            hak_plat_lock_wait(spins++);
    }
}

/* Releases a lock the caller holds. */
static inline void hak_unlock(hak_lock_t *l)
{
    atomic_store_explicit(&l->held, 0, memory_order_release);
}

/* Forces a lock free: only for a child after fork, where the holder is gone. */
static inline void hak_lock_reset(hak_lock_t *l)
{
    atomic_store_explicit(&l->held, 0, memory_order_relaxed);
}

#endif /* HAKMEM_LOCK_H */
