/* sync.c - spinlocks and the all-CPU barrier of the port's common code. */
#include "fs.h"

void fs_spin_lock(fs_spinlock_t *l)
{
    for (;;) {
        if (!__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
            return;
        while (__atomic_load_n(&l->held, __ATOMIC_RELAXED))
            fs_cpu_relax();
    }
}

void fs_spin_unlock(fs_spinlock_t *l)
{
    __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

/* A counting barrier with a generation number: the last CPU to arrive
 * resets the count and opens the next generation. */
static struct {
    unsigned arrived;
    unsigned generation;
} barrier;

void fs_barrier(void)
{
    unsigned gen = __atomic_load_n(&barrier.generation, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&barrier.arrived, 1u, __ATOMIC_ACQ_REL) == FS_NCPUS) {
        __atomic_store_n(&barrier.arrived, 0u, __ATOMIC_RELAXED);
        __atomic_store_n(&barrier.generation, gen + 1u, __ATOMIC_RELEASE);
        return;
    }
    while (__atomic_load_n(&barrier.generation, __ATOMIC_ACQUIRE) == gen)
        fs_cpu_relax();
}
