/*
 * exhaustion.c - all CPUs allocate until malloc returns NULL, at once;
 * every block carries a pattern. Then every block is checked and freed
 * (odd rounds: by the next CPU, even rounds: by its own), and the same
 * allocation runs again and must reach the same amount.
 *
 * Large: 100 KiB blocks (runs of chunks). Uniform: 1 KiB blocks. A
 * first uniform round takes what earlier tests left in the arena (slabs
 * of other classes still carving, which serve small requests once the
 * class has no slab); the next two start from the same state and must
 * end with exactly the same number of blocks. Mixed: the stress mix of
 * sizes; the amount depends on how the CPUs interleave, so two rounds
 * must agree within a tolerance. The free bytes the arena reports when
 * every CPU got NULL are printed (METRIC): memory the core keeps for
 * other size classes; so are the metadata bytes per MiB of region at that
 * point, and the longest malloc call of each round (fs_cycles ticks), the
 * one that returned NULL apart: it runs the exhaustion path (the cache
 * flushed, every class's reserve reclaimed, a block of each larger class
 * tried, then a run of chunks).
 */
#include "fs_test.h"

#define UNIFORM_SIZE 1024u
#define LARGE_SIZE (100u << 10)
/* Mixed rounds may differ by this many per mille of the region. */
#define MIXED_TOLERANCE 30u

/* A block of the lists: the next block and its size; the pattern covers
 * the rest. */
typedef struct blk {
    struct blk *next;
    uint64_t n;
} blk_t;

static blk_t *lists[FS_NCPUS];
static uint64_t counts[FS_NCPUS], bytes[FS_NCPUS];
/* Longest malloc that returned a block, and the one that returned NULL. */
static uint64_t call_max[FS_NCPUS], null_ticks[FS_NCPUS];

static uint64_t pattern_of(const blk_t *b)
{
    return (uintptr_t)b * 0x9e3779b97f4a7c15ull;
}

/* Allocates until NULL; `uniform` or the stress mix from `seed`. */
/* Allocates until NULL: blocks of `size` bytes, or of the stress mix (size
 * 0) drawn from `seed`. */
static void fill_up(unsigned cpu, size_t size, uint64_t seed)
{
    uint64_t rng = seed + cpu * 7919u + 1u, count = 0, total = 0, longest = 0;
    blk_t *head = 0;
    for (;;) {
        size_t n = size ? size : fs_pick_size(fs_rand(&rng));
        if (n < sizeof(blk_t))
            n = sizeof(blk_t);
        uint64_t t0 = fs_cycles();
        blk_t *b = malloc(n);
        uint64_t ticks = fs_cycles() - t0;
        if (!b) {
            null_ticks[cpu] = ticks;
            break;
        }
        if (ticks > longest)
            longest = ticks;
        if ((uintptr_t)b & 15u) {
            fs_fail("malloc(%zu) returned the misaligned %p", n, (void *)b);
            break;
        }
        b->next = head;
        b->n = n;
        fs_fill(b + 1, n - sizeof(blk_t), pattern_of(b));
        head = b;
        count++;
        total += n;
    }
    lists[cpu] = head;
    call_max[cpu] = longest;
    counts[cpu] = count;
    bytes[cpu] = total;
}

static void free_list(unsigned cpu, unsigned owner)
{
    for (blk_t *b = lists[owner], *next; b; b = next) {
        next = b->next;
        long bad = fs_check(b + 1, b->n - sizeof(blk_t), pattern_of(b));
        if (bad >= 0) {
            fs_fail("block %p of %llu bytes (cpu %u's) corrupted at offset %ld", (void *)b,
                    (unsigned long long)b->n, owner, bad + (long)sizeof(blk_t));
            return;
        }
        free(b);
    }
    (void)cpu;
}

typedef struct round {
    uint64_t count, bytes, free_at_end, meta_at_end, oom, us;
    uint64_t call_max, null_max;        /* over all CPUs */
} round_t;

/* One round on every CPU; CPU 0 fills *out. */
static void round_run(unsigned cpu, size_t size, unsigned freer_shift, const char *name,
                      round_t *out)
{
    fs_cache_flush();
    fs_barrier();
    uint64_t oom0 = fs_oom_count(), t0 = fs_cycles();
    fs_barrier();
    fill_up(cpu, size, 12345);
    fs_barrier();
    if (cpu == 0) {
        hak_arena_stats_t st = { 0 };
        fs_check_accounting(name, &st);
        out->count = out->bytes = out->call_max = out->null_max = 0;
        for (unsigned c = 0; c < FS_NCPUS; c++) {
            out->count += counts[c];
            out->bytes += bytes[c];
            out->call_max = call_max[c] > out->call_max ? call_max[c] : out->call_max;
            out->null_max = null_ticks[c] > out->null_max ? null_ticks[c] : out->null_max;
        }
        out->free_at_end = st.free_bytes;
        out->meta_at_end = st.meta_bytes;
        out->oom = fs_oom_count() - oom0;
        if (out->oom < FS_NCPUS)
            fs_fail("%s: %llu out-of-memory reports for %u cpus", name,
                    (unsigned long long)out->oom, (unsigned)FS_NCPUS);
    }
    fs_barrier();
    free_list(cpu, (cpu + freer_shift) % FS_NCPUS);
    fs_cache_flush();
    fs_barrier();
    if (cpu == 0) {
        hak_arena_stats_t st;
        if (fs_check_accounting(name, &st) == 0 && st.in_use_bytes)
            fs_fail("%s: %llu bytes in use after freeing everything", name,
                    (unsigned long long)st.in_use_bytes);
        out->us = fs_ticks_to_us(fs_cycles() - t0);
    }
    fs_barrier();
}

void fs_test_exhaustion(unsigned cpu)
{
    static round_t l1, u0, u1, u2, m1, m2;
    round_run(cpu, LARGE_SIZE, 1, "large round", &l1);
    round_run(cpu, UNIFORM_SIZE, 1, "uniform round 0", &u0);
    round_run(cpu, UNIFORM_SIZE, 0, "uniform round 1", &u1);
    round_run(cpu, UNIFORM_SIZE, 1, "uniform round 2", &u2);
    round_run(cpu, 0, 0, "mixed round 1", &m1);
    round_run(cpu, 0, 1, "mixed round 2", &m2);
    if (cpu != 0)
        return;
    uint64_t region = (uint64_t)(__heap_end - __heap_start);
    if (u1.count != u2.count)
        fs_fail("uniform: %llu blocks in round 1, %llu in round 2",
                (unsigned long long)u1.count, (unsigned long long)u2.count);
    if (u1.count < u0.count)
        fs_fail("uniform: %llu blocks in round 0, fewer (%llu) once freed",
                (unsigned long long)u0.count, (unsigned long long)u1.count);
    uint64_t diff = m1.bytes > m2.bytes ? m1.bytes - m2.bytes : m2.bytes - m1.bytes;
    if (diff > region / 1000u * MIXED_TOLERANCE)
        fs_fail("mixed: %llu bytes in round 1, %llu in round 2",
                (unsigned long long)m1.bytes, (unsigned long long)m2.bytes);
    fs_metric("exhaustion cpus=%u large_blocks=%llu free_at_null=%llu uniform_blocks=%llu/%llu/%llu "
              "free_at_null=%llu mixed_kib=%llu/%llu free_at_null=%llu",
              (unsigned)FS_NCPUS, (unsigned long long)l1.count,
              (unsigned long long)l1.free_at_end, (unsigned long long)u0.count,
              (unsigned long long)u1.count, (unsigned long long)u2.count,
              (unsigned long long)u2.free_at_end, (unsigned long long)(m1.bytes >> 10),
              (unsigned long long)(m2.bytes >> 10), (unsigned long long)m2.free_at_end);
    if (l1.free_at_end > region / 100u)
        fs_printf("NOTE %s exhaustion: malloc(%u) returned NULL on every cpu with %llu KiB free "
                  "(slabs the size classes keep)\n", FS_TARGET_NAME, LARGE_SIZE,
                  (unsigned long long)(l1.free_at_end >> 10));
    uint64_t mib = region >> 20 ? region >> 20 : 1u;
    if (HAK_WITH_STATS)
        fs_metric("exhaustion meta_bytes_per_mib_at_null large=%llu uniform=%llu mixed=%llu",
                  (unsigned long long)(l1.meta_at_end / mib),
                  (unsigned long long)(u2.meta_at_end / mib),
                  (unsigned long long)(m2.meta_at_end / mib));
    fs_metric("exhaustion cycles per call (fs_cycles, %llu Hz): malloc max large=%llu "
              "uniform=%llu/%llu/%llu mixed=%llu/%llu", (unsigned long long)fs_cycles_hz(),
              (unsigned long long)l1.call_max, (unsigned long long)u0.call_max,
              (unsigned long long)u1.call_max, (unsigned long long)u2.call_max,
              (unsigned long long)m1.call_max, (unsigned long long)m2.call_max);
    fs_metric("exhaustion cycles of the NULL-returning malloc (max over cpus): large=%llu "
              "uniform=%llu/%llu/%llu mixed=%llu/%llu", (unsigned long long)l1.null_max,
              (unsigned long long)u0.null_max, (unsigned long long)u1.null_max,
              (unsigned long long)u2.null_max, (unsigned long long)m1.null_max,
              (unsigned long long)m2.null_max);
    fs_metric("exhaustion round_ms large=%llu uniform=%llu/%llu/%llu mixed=%llu/%llu",
              (unsigned long long)l1.us / 1000u, (unsigned long long)u0.us / 1000u,
              (unsigned long long)u1.us / 1000u, (unsigned long long)u2.us / 1000u,
              (unsigned long long)m1.us / 1000u, (unsigned long long)m2.us / 1000u);
    fs_detail("large %llu blocks of 100 KiB, uniform %llu = %llu blocks of %u bytes (%llu%% of "
              "the region), mixed %llu / %llu KiB", (unsigned long long)l1.count,
              (unsigned long long)u1.count, (unsigned long long)u2.count, UNIFORM_SIZE,
              (unsigned long long)(u1.bytes * 100u / region), (unsigned long long)(m1.bytes >> 10),
              (unsigned long long)(m2.bytes >> 10));
}
