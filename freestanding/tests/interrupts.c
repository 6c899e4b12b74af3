/*
 * interrupts.c - a periodic timer interrupt on every CPU whose handler
 * allocates and frees (patterns checked) while the code it interrupts
 * runs the stress workload on the same CPU, through the same per-CPU
 * cache. The pinning rule makes the handler wait until the interrupted
 * call is out of the allocator; without it, the handler would corrupt the
 * cache or spin for ever on a lock the interrupted code holds.
 *
 * Phase 1 runs smp_stress's workload with the timer on (its METRIC lines,
 * "smp_stress+timer", compare with smp_stress's). Phase 2 narrows the
 * sizes to the handler's, so that it works on the very bins and locks the
 * interrupted call may be using, until thousands of interrupts were
 * taken. At the end the arena's accounting is exact, as in smp_stress.
 */
#include "stress.h"

/* Timer period of phase 1 in microseconds (a steady load, for the
 * figures), and of phase 2 (a storm: the handler's work takes most of
 * the CPU under TCG). In phase 2 each CPU runs until it has taken
 * FS_IRQ_TARGET interrupts (and FS_IRQ_OPS operations), or for
 * FS_IRQ_SECONDS, and must have taken FS_IRQ_MIN. Under TCG the rate
 * depends on the host: QEMU's main loop raises each timer interrupt, and
 * with more busy vCPUs than host cores it runs late (a 2-core host: about
 * 5000 a second with 1 vCPU, a few hundred per CPU with 4). */
#ifndef FS_IRQ_MEASURE_PERIOD_US
#define FS_IRQ_MEASURE_PERIOD_US 100u
#endif
#ifndef FS_IRQ_PERIOD_US
#define FS_IRQ_PERIOD_US 20u
#endif
#ifndef FS_IRQ_TARGET
#define FS_IRQ_TARGET 2000u
#endif
#ifndef FS_IRQ_MIN
#define FS_IRQ_MIN 100u
#endif
#ifndef FS_IRQ_SECONDS
#define FS_IRQ_SECONDS 3u
#endif
#ifndef FS_IRQ_OPS
#define FS_IRQ_OPS 30000u
#endif
#define HSLOTS 16u
#define HANDLER_OPS 4u          /* mallocs or frees per interrupt */

typedef struct hstate {
    void *p[HSLOTS];
    uint32_t n[HSLOTS];
    uint64_t rng, ticks, ops, bad;
    uint64_t in_call;          /* ticks taken inside a malloc or free call */
    uint64_t ticks_phase1;     /* ticks taken in phase 1 */
} __attribute__((aligned(64))) hstate_t;

static hstate_t hs[FS_NCPUS];
static stress_out_t outs1[FS_NCPUS], outs2[FS_NCPUS];

/* Sizes of both sides: mostly four small classes, so that the handler
 * works on the very bins the interrupted call may be updating; some mid
 * sizes and large blocks, so that it also needs the locks of refills,
 * flushes and the chunk allocator. */
static size_t pick(uint64_t r)
{
    static const uint32_t small[4] = { 16, 48, 128, 512 };
    unsigned k = (unsigned)(r % 100u);
    if (k < 90)
        return small[(r >> 8) & 3u];
    if (k < 98)
        return (r >> 8) & 1u ? 2000u : 8000u;
    return 40000u + (size_t)((r >> 8) % 60000u);
}

static uint64_t hpattern(const void *p, uint32_t n)
{
    return (uintptr_t)p ^ ((uint64_t)n << 40) ^ 0x1badb002u;
}

/* Runs in interrupt context with interrupts off. Never prints (a failure
 * is counted and reported after the timer stopped). */
static void on_tick(void)
{
    uint64_t t0 = fs_cycles();
    hstate_t *h = &hs[fs_cpu_id()];
    h->ticks++;
    h->in_call += stress_in_call[fs_cpu_id()];
    for (unsigned k = 0; k < HANDLER_OPS; k++) {
        uint64_t r = fs_rand(&h->rng);
        unsigned i = (unsigned)(r >> 48) % HSLOTS;
        if (h->p[i]) {
            if (fs_check(h->p[i], h->n[i], hpattern(h->p[i], h->n[i])) >= 0)
                h->bad++;
            free(h->p[i]);
            h->p[i] = 0;
        } else {
            size_t n = pick(r);
            void *p = malloc(n);
            if (!p) {
                h->bad++;
                continue;
            }
            fs_fill(p, n, hpattern(p, (uint32_t)n));
            h->p[i] = p;
            h->n[i] = (uint32_t)n;
        }
        h->ops++;
    }
    stress_irq_ticks[fs_cpu_id()] += fs_cycles() - t0;
}

static int want_more_ticks(unsigned cpu)
{
    const hstate_t *h = &hs[cpu];
    return __atomic_load_n(&h->ticks, __ATOMIC_RELAXED) - h->ticks_phase1 < FS_IRQ_TARGET;
}

/* Arms this CPU's timer with a period of `us` microseconds (replacing the
 * running one). */
static int timer_every(uint64_t us)
{
    uint64_t per_us = fs_cycles_hz() / 1000000u;
    unsigned long irq = fs_irq_save();
    fs_timer_stop();
    int rc = fs_timer_start((per_us ? per_us : 1u) * us, on_tick);
    fs_irq_restore(irq);
    return rc;
}

void fs_test_interrupts(unsigned cpu)
{
    static int no_timer;
    hstate_t *h = &hs[cpu];
    h->rng = 0x5eed0000u + cpu;
    int rc = timer_every(FS_IRQ_MEASURE_PERIOD_US);
    if (rc != 0)
        __atomic_store_n(&no_timer, 1, __ATOMIC_RELAXED);
    fs_barrier();
    if (no_timer) {
        if (rc == 0)
            fs_timer_stop();
        if (cpu == 0)
            fs_skip("the target has no timer interrupt (fs_timer_start returned -1)");
        return;
    }
    /* Phase 1: smp_stress's workload under a steady timer. */
    stress_loop(cpu, 1, fs_pick_size, FS_STRESS_OPS, FS_STRESS_OPS, 0, 0, &outs1[cpu]);
    fs_barrier();
    if (cpu == 0)
        stress_report("smp_stress+timer", outs1, FS_NCPUS);
    /* Phase 2: the handler's sizes, a timer storm, the live blocks of
     * phase 1 still there. */
    h->ticks_phase1 = h->ticks;
    timer_every(FS_IRQ_PERIOD_US);
    uint64_t hz = fs_cycles_hz();
    uint64_t deadline = hz ? fs_cycles() + FS_IRQ_SECONDS * hz : 0;
    stress_loop(cpu, 2, pick, FS_IRQ_OPS, ~0ull, deadline, want_more_ticks, &outs2[cpu]);
    /* The timer off, then the handler's blocks back. */
    unsigned long irq = fs_irq_save();
    fs_timer_stop();
    fs_irq_restore(irq);
    for (unsigned i = 0; i < HSLOTS; i++) {
        if (h->p[i]) {
            if (fs_check(h->p[i], h->n[i], hpattern(h->p[i], h->n[i])) >= 0)
                h->bad++;
            free(h->p[i]);
            h->p[i] = 0;
        }
    }
    if (h->bad)
        fs_fail("%llu corrupted blocks or failed allocations in the handler",
                (unsigned long long)h->bad);
    if (h->ticks - h->ticks_phase1 < FS_IRQ_MIN)
        fs_fail("only %llu timer interrupts in phase 2 (%u s at most)",
                (unsigned long long)(h->ticks - h->ticks_phase1), FS_IRQ_SECONDS);
    fs_barrier();
    if (cpu == 0)
        stress_report("interrupts", outs2, FS_NCPUS);
    stress_settle(cpu, "interrupts");
    if (cpu != 0)
        return;
    uint64_t t1 = 0, t2 = 0, in_call = 0, hops = 0, ops = 0;
    for (unsigned c = 0; c < FS_NCPUS; c++) {
        t1 += hs[c].ticks_phase1;
        t2 += hs[c].ticks - hs[c].ticks_phase1;
        in_call += hs[c].in_call;
        hops += hs[c].ops;
        ops += outs1[c].ops + outs2[c].ops;
    }
    if (!in_call)
        fs_fail("no interrupt arrived during a malloc or free call");
    fs_detail("%llu + %llu timer interrupts (%llu inside a malloc or free call; %llu mallocs+frees "
              "in the handler) during %llu mallocs+frees on %u cpus", (unsigned long long)t1,
              (unsigned long long)t2, (unsigned long long)in_call, (unsigned long long)hops,
              (unsigned long long)ops, (unsigned)FS_NCPUS);
}
