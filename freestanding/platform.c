/*
 * platform.c - the platform contract (platform/platform.h) on bare metal.
 *
 * Capabilities: no purge (RAM cannot be given back to anyone), no clock
 * (purging is off anyway), HAK_PLAT_HAS_PIN_CHECK in debug builds, where
 * "pinned" means interrupts off on the calling CPU (freestanding.mk sets
 * the -D constants for core/ and the port alike).
 */
#include "fs.h"

#if HAK_PLAT_HAS_PURGE || HAK_PLAT_HAS_CLOCK
#error "the freestanding port implements neither purge nor a clock"
#endif

static uint64_t oom_count;

void hak_plat_write(const char *text, size_t n)
{
    fs_console_write(text, n);
}

_Noreturn void hak_plat_panic(void)
{
    fs_printf("FAIL %s panic on cpu %u (hakmem fault, reported above)\n", FS_TARGET_NAME,
              fs_cpu_id());
    fs_exit(3);
}

void hak_plat_out_of_memory(void)
{
    __atomic_add_fetch(&oom_count, 1u, __ATOMIC_RELAXED);
}

uint64_t fs_oom_count(void)
{
    return __atomic_load_n(&oom_count, __ATOMIC_RELAXED);
}

/* Waits after which a core lock is taken to be held for ever (0: never
 * give up). Under the pinning rule the holder runs on another CPU with its
 * interrupts off and releases within microseconds; 2^27 waits are seconds
 * even under emulation. A lock taken unpinned, where an interrupt handler
 * spins on a lock the code it interrupted holds, ends here. */
#ifndef FS_LOCK_SPIN_LIMIT
#define FS_LOCK_SPIN_LIMIT 134217728u /* 2^27 */
#endif

/* Waits past the core's own spins, per CPU: each wait of a new lock
 * attempt starts with may_block 0, which restarts the count. */
static unsigned long long long_waits[FS_NCPUS];

/* Pause, never yield or sleep (there is nothing to yield to). */
void hak_plat_lock_wait(atomic_int *word, int value, int may_block)
{
    (void)word;
    (void)value;
    unsigned cpu = fs_cpu_id();
    if (!may_block) {
        long_waits[cpu] = 0;
    } else if (++long_waits[cpu] == FS_LOCK_SPIN_LIMIT && FS_LOCK_SPIN_LIMIT != 0) {
        fs_printf("FAIL %s deadlock: cpu %u waited %u times for a hakmem lock\n",
                  FS_TARGET_NAME, cpu, FS_LOCK_SPIN_LIMIT);
        fs_exit(5);
    }
    fs_cpu_relax();
}

/* Waiters never block on bare metal: nothing to wake. */
void hak_plat_lock_wake(atomic_int *word, int all)
{
    (void)word;
    (void)all;
}

/* The cycle counter's low bits differ from boot to boot (and between
 * calls); splitmix64 spreads them over the word. Weak entropy, which the
 * contract allows: it keys the free-list encoding, not a secret. */
uint64_t hak_plat_entropy(void)
{
    static uint64_t calls;
    uint64_t x = fs_cycles() ^ (__atomic_add_fetch(&calls, 1u, __ATOMIC_RELAXED) * 0x9e3779b97f4a7c15ull);
    x ^= (uint64_t)fs_cpu_id() << 56;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

#if HAK_PLAT_HAS_PIN_CHECK
int hak_plat_is_pinned(void)
{
    return !fs_irq_enabled();
}
#endif
