/*
 * stress.h - the allocation workload of smp_stress and interrupts: each
 * CPU keeps a table of live blocks of mixed sizes, each carrying a
 * pattern, and at random allocates into an empty slot or frees a full one
 * (checking the pattern first). One free in four goes to another CPU
 * through a ring and is freed there. Every malloc and free is timed.
 */
#ifndef HAKMEM_FS_STRESS_H
#define HAKMEM_FS_STRESS_H

#include "fs_test.h"

/* Operations per CPU of the smp_stress workload (TCG on a 2-core host:
 * well under a second in all). */
#ifndef FS_STRESS_OPS
#define FS_STRESS_OPS 60000u
#endif

/* What one CPU did in one run of the loop. Each call is timed twice:
 * from the caller's side (the *_lat: fs_cycles() before and after, so an
 * interrupt taken as the call restores interrupts counts in it), and net
 * of the time the interrupts test's handler spent inside that window
 * (the *_net: the allocator's own work and its lock waits). */
typedef struct stress_out {
    uint64_t ops;               /* mallocs + frees */
    uint64_t cross_sent;        /* frees handed to another CPU */
    uint64_t start, end;        /* fs_cycles() at the loop's ends */
    fs_lat_t malloc_lat, free_lat;
    fs_lat_t malloc_net, free_net;
} stress_out_t;

/* fs_cycles ticks each CPU spent in the interrupts test's handler so far
 * (the handler adds its own duration on exit). */
extern volatile uint64_t stress_irq_ticks[FS_NCPUS];

/* 1 while the CPU's loop is inside a malloc or free call (read by the
 * interrupts test's handler, to count interrupts taken at the end of a
 * call: the pin holds them until the call restores interrupts). */
extern volatile uint8_t stress_in_call[FS_NCPUS];

/* Draws a block size from a random number. */
typedef size_t (*stress_pick_fn)(uint64_t r);

/* Runs the loop on the calling CPU, sizes from pick: at least min_ops operations, then
 * more while more(cpu) says so (NULL: no more), up to max_ops or until
 * the counter passes deadline (fs_cycles units, 0: none). Stops at the
 * first failure. The blocks stay live: end with stress_settle. */
void stress_loop(unsigned cpu, uint64_t seed, stress_pick_fn pick, uint64_t min_ops,
                 uint64_t max_ops, uint64_t deadline, int (*more)(unsigned cpu),
                 stress_out_t *out);

/* Called by every CPU after stress_loop: frees what the rings hold,
 * empties every cache, checks on CPU 0 that the arena's bytes in use are
 * exactly those of the live blocks, frees every block, empties the caches
 * again and checks that nothing is in use and every byte of the region
 * is accounted for. `when` names the phase in failure messages. */
void stress_settle(unsigned cpu, const char *when);

/* Prints the metrics of a run (CPU 0, after a barrier): throughput over
 * all CPUs and the latencies of malloc and free, tagged `what` (and net
 * of the handler's time when interrupts were taken during calls). */
void stress_report(const char *what, const stress_out_t *per_cpu, unsigned ncpus);

#endif /* HAKMEM_FS_STRESS_H */
