/* lock.c - the waiting and waking halves of the core's lock (see lock.h). */
#include "lock.h"

void hak_lock_slow(hak_lock_t *l)
{
    for (unsigned spins = 0;; spins++) {
        int s = atomic_load_explicit(&l->state, memory_order_relaxed);
        if (s == HAK_LOCK_FREE) {
            /* A waiter that has spun long may have company asleep: take the
             * lock as WAITERS so that its release wakes the next one. */
            int want = spins < HAK_LOCK_SPINS ? HAK_LOCK_HELD : HAK_LOCK_WAITERS;
            if (atomic_compare_exchange_weak_explicit(&l->state, &s, want, memory_order_acquire,
                                                      memory_order_relaxed))
                return;
            continue;
        }
#if HAK_PLAT_HAS_LOCK_ALL
        if (s == HAK_LOCK_ALL && hak_plat_lock_all_owner())
            return;
#endif
        int block = spins >= HAK_LOCK_SPINS;
        if (block && s == HAK_LOCK_HELD) {
            if (!atomic_compare_exchange_weak_explicit(&l->state, &s, HAK_LOCK_WAITERS,
                                                       memory_order_relaxed, memory_order_relaxed))
                continue;
            s = HAK_LOCK_WAITERS;
        }
        hak_plat_lock_wait(&l->state, s, block);
    }
}

void hak_unlock_slow(hak_lock_t *l, int state)
{
    if (state == HAK_LOCK_ALL)
        return; /* the lock-all owner's nested use: the lock stays held */
    if (state != HAK_LOCK_WAITERS)
        hak_fault("unlock of a lock that is not held", l);
    atomic_store_explicit(&l->state, HAK_LOCK_FREE, memory_order_release);
    hak_plat_lock_wake(&l->state, 0);
}

#if HAK_WITH_FORK
void hak_unlock_all_state(hak_lock_t *l)
{
    atomic_store_explicit(&l->state, HAK_LOCK_FREE, memory_order_release);
    hak_plat_lock_wake(&l->state, 1);
}
#endif
