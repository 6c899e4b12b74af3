/* stress.c - the workload behind smp_stress and interrupts (stress.h). */
#include "stress.h"
#include "../../core/block.h"
#include "../../core/debug.h"

#define SLOTS 256u              /* live-block table of one CPU */
#define RING 64u                /* blocks in flight from one CPU to another */
#define DRAIN_EVERY 32u         /* operations between two looks at the rings */
#define OTHERS (FS_NCPUS - 1u)  /* CPUs a block may be sent to */
#define OTHERS_DIV (OTHERS ? OTHERS : 1u)

typedef struct slot {
    void *p;
    uint32_t n;
    uint64_t pat;
} slot_t;

/* A single-producer, single-consumer ring of blocks from one CPU to
 * another: the sender writes items and publishes head, the receiver
 * frees them and publishes tail. */
typedef struct ring {
    slot_t item[RING];
    unsigned head __attribute__((aligned(64)));
    unsigned tail __attribute__((aligned(64)));
} ring_t;

volatile uint8_t stress_in_call[FS_NCPUS];
volatile uint64_t stress_irq_ticks[FS_NCPUS];
static slot_t slots[FS_NCPUS][SLOTS];
static ring_t rings[FS_NCPUS][FS_NCPUS];   /* [from][to] */

static int push(ring_t *r, const slot_t *s)
{
    unsigned head = r->head;
    if (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) >= RING)
        return 0;
    r->item[head % RING] = *s;
    __atomic_store_n(&r->head, head + 1u, __ATOMIC_RELEASE);
    return 1;
}

static int verify(const slot_t *s, const char *what)
{
    long bad = fs_check(s->p, s->n, s->pat);
    if (bad < 0)
        return 0;
    fs_fail("%s: block %p of %u bytes corrupted at offset %ld", what, s->p, s->n, bad);
    return -1;
}

/* Reads the counter and the handler's ticks so far with interrupts off,
 * so that no handler runs between the two reads: a handler that runs
 * between two stamps falls inside both windows. (Under -icount a counter
 * read ends QEMU's translation block, where a pending interrupt is taken:
 * without this, it would land between the reads.) */
static inline void stamp(unsigned cpu, uint64_t *t, uint64_t *h)
{
    unsigned long irq = fs_irq_save();
    *t = fs_cycles();
    *h = stress_irq_ticks[cpu];
    fs_irq_restore(irq);
}

/* Records a call that took t1 - t0 ticks, the handler having run for
 * `in_irq` of them. */
static void lat_add2(fs_lat_t *raw, fs_lat_t *net, uint64_t t0, uint64_t t1, uint64_t in_irq)
{
    uint64_t d = t1 - t0;
    fs_lat_add(raw, d);
    fs_lat_add(net, d > in_irq ? d - in_irq : 0);
}

static void timed_free(unsigned cpu, void *p, stress_out_t *out)
{
    stress_in_call[cpu] = 1;
    uint64_t t0, h0, t1, h1;
    stamp(cpu, &t0, &h0);
    free(p);
    stamp(cpu, &t1, &h1);
    stress_in_call[cpu] = 0;
    lat_add2(&out->free_lat, &out->free_net, t0, t1, h1 - h0);
    out->ops++;
}

/* Frees every block other CPUs sent to `cpu`. */
static void drain(unsigned cpu, stress_out_t *out)
{
    for (unsigned from = 0; from < FS_NCPUS; from++) {
        ring_t *r = &rings[from][cpu];
        unsigned tail = r->tail, head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
        for (; tail != head; tail++) {
            slot_t *s = &r->item[tail % RING];
            if (verify(s, "block received from another cpu") == 0)
                timed_free(cpu, s->p, out);
        }
        __atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
    }
}

void stress_loop(unsigned cpu, uint64_t seed, stress_pick_fn pick, uint64_t min_ops,
                 uint64_t max_ops, uint64_t deadline, int (*more)(unsigned cpu),
                 stress_out_t *out)
{
    uint64_t rng = seed * 0x9e3779b97f4a7c15ull + cpu + 1u;
    slot_t *mine = slots[cpu];
    __builtin_memset(out, 0, sizeof *out);
    out->start = fs_cycles();
    for (uint64_t i = 0; !fs_failed(); i++) {
        if (i >= min_ops && (!more || !more(cpu) || i >= max_ops))
            break;
        if (deadline && (i & 255u) == 0 && fs_cycles() > deadline)
            break;
        uint64_t r = fs_rand(&rng);
        slot_t *s = &mine[(r >> 40) % SLOTS];
        if (s->p) {
            if (verify(s, "live block") != 0)
                break;
            if (OTHERS && (r & 3u) == 0) {
                unsigned to = (cpu + 1u + (unsigned)((r >> 20) % OTHERS_DIV)) % FS_NCPUS;
                if (push(&rings[cpu][to], s)) {
                    out->cross_sent++;
                    s->p = 0;
                    continue;
                }
            }
            timed_free(cpu, s->p, out);
            s->p = 0;
        } else {
            size_t n = pick(r);
            stress_in_call[cpu] = 1;
            uint64_t t0, h0, t1, h1;
            stamp(cpu, &t0, &h0);
            void *p = malloc(n);
            stamp(cpu, &t1, &h1);
            stress_in_call[cpu] = 0;
            lat_add2(&out->malloc_lat, &out->malloc_net, t0, t1, h1 - h0);
            out->ops++;
            if (!p || ((uintptr_t)p & 15u)) {
                fs_fail("malloc(%zu) returned %p", n, p);
                break;
            }
            s->p = p;
            s->n = (uint32_t)n;
            s->pat = r ^ (uintptr_t)p;
            fs_fill(p, n, s->pat);
        }
        if (i % DRAIN_EVERY == 0)
            drain(cpu, out);
    }
    out->end = fs_cycles();
}

/* Bytes the arena counts in use for live block p of n bytes: its class's
 * stride, or 0 for a large block (counted apart). A mid request may be
 * served by a block of a larger class (HAK_WITH_XCLASS), which its header
 * names. */
static uint64_t slab_bytes_of(const void *p, size_t n)
{
    size_t req = hak_debug_request(n);
    if (req > HAK_MID_MAX)
        return 0;
    unsigned c = hak_hdr_decode_live(&fs_heap, hak_hdr_get((uintptr_t)p));
    return hak_geom[c < HAK_NUM_CLASSES ? c : hak_size_class(req)].stride;
}

static void check_live_accounting(const char *when)
{
    uint64_t slab = 0, large = 0, nlarge = 0;
    for (unsigned c = 0; c < FS_NCPUS; c++)
        for (unsigned i = 0; i < SLOTS; i++) {
            const slot_t *s = &slots[c][i];
            if (!s->p)
                continue;
            uint64_t b = slab_bytes_of(s->p, s->n);
            slab += b;
            if (!b) {
                large += s->n;
                nlarge++;
            }
        }
    hak_arena_stats_t st;
    if (fs_check_accounting(when, &st) != 0)
        return;
    if (st.in_use_bytes - st.large_bytes != slab || st.large_blocks != nlarge
        || st.large_bytes < large || st.large_bytes > large + nlarge * 2u * HAK_CHUNK_SIZE)
        fs_fail("%s: in use %llu (large %llu in %llu blocks), live blocks: %llu in slabs, "
                "%llu bytes in %llu large", when, (unsigned long long)st.in_use_bytes,
                (unsigned long long)st.large_bytes, (unsigned long long)st.large_blocks,
                (unsigned long long)slab, (unsigned long long)large, (unsigned long long)nlarge);
}

void stress_settle(unsigned cpu, const char *when)
{
    stress_out_t scratch;
    __builtin_memset(&scratch, 0, sizeof scratch);
    fs_barrier();
    drain(cpu, &scratch);
    fs_cache_flush();
    fs_barrier();
    if (cpu == 0)
        check_live_accounting(when);
    fs_barrier();
    for (unsigned i = 0; i < SLOTS; i++) {
        slot_t *s = &slots[cpu][i];
        if (s->p) {
            verify(s, "live block at the end");
            free(s->p);
            s->p = 0;
        }
    }
    fs_cache_flush();
    fs_barrier();
    if (cpu == 0) {
        hak_arena_stats_t st;
        if (fs_check_accounting(when, &st) == 0 && (st.in_use_bytes || st.large_blocks))
            fs_fail("%s: %llu bytes still in use after every block was freed", when,
                    (unsigned long long)st.in_use_bytes);
    }
    fs_barrier();
}

void stress_report(const char *what, const stress_out_t *per_cpu, unsigned ncpus)
{
    fs_lat_t m, f, mn, fn;
    __builtin_memset(&m, 0, sizeof m);
    __builtin_memset(&f, 0, sizeof f);
    __builtin_memset(&mn, 0, sizeof mn);
    __builtin_memset(&fn, 0, sizeof fn);
    uint64_t ops = 0, start = ~0ull, end = 0, sent = 0;
    for (unsigned c = 0; c < ncpus; c++) {
        const stress_out_t *o = &per_cpu[c];
        ops += o->ops;
        sent += o->cross_sent;
        start = o->start < start ? o->start : start;
        end = o->end > end ? o->end : end;
        fs_lat_merge(&m, &o->malloc_lat);
        fs_lat_merge(&f, &o->free_lat);
        fs_lat_merge(&mn, &o->malloc_net);
        fs_lat_merge(&fn, &o->free_net);
    }
    uint64_t us = fs_ticks_to_us(end - start);
    fs_metric("%s cpus=%u ops=%llu cross_frees=%llu time_us=%llu ops_per_s=%llu", what, ncpus,
              (unsigned long long)ops, (unsigned long long)sent, (unsigned long long)us,
              (unsigned long long)(us ? ops * 1000000u / us : 0));
    fs_metric("%s cpus=%u cycles per call (fs_cycles, %llu Hz): malloc max=%llu p99.9<=%llu "
              "p99<=%llu p50<=%llu, free max=%llu p99.9<=%llu p99<=%llu p50<=%llu", what, ncpus,
              (unsigned long long)fs_cycles_hz(), (unsigned long long)m.max,
              (unsigned long long)fs_lat_permille(&m, 999),
              (unsigned long long)fs_lat_permille(&m, 990),
              (unsigned long long)fs_lat_permille(&m, 500), (unsigned long long)f.max,
              (unsigned long long)fs_lat_permille(&f, 999),
              (unsigned long long)fs_lat_permille(&f, 990),
              (unsigned long long)fs_lat_permille(&f, 500));
    if (mn.max != m.max || fn.max != f.max)
        fs_metric("%s cpus=%u cycles per call net of the handler: malloc max=%llu p99.9<=%llu "
                  "p99<=%llu p50<=%llu, free max=%llu p99.9<=%llu p99<=%llu p50<=%llu", what,
                  ncpus, (unsigned long long)mn.max,
                  (unsigned long long)fs_lat_permille(&mn, 999),
                  (unsigned long long)fs_lat_permille(&mn, 990),
                  (unsigned long long)fs_lat_permille(&mn, 500), (unsigned long long)fn.max,
                  (unsigned long long)fs_lat_permille(&fn, 999),
                  (unsigned long long)fs_lat_permille(&fn, 990),
                  (unsigned long long)fs_lat_permille(&fn, 500));
}
