/*
 * runner.c - the main of hakmem_test.elf: runs every test on all CPUs,
 * one after the other, and prints a verdict line for each (fs_test.h).
 */
#include "fs_test.h"

typedef struct test {
    const char *name;
    void (*run)(unsigned cpu);
} test_t;

static const test_t tests[] = {
    { "api", fs_test_api },
    { "arena", fs_test_arena },
    { "smp_stress", fs_test_smp_stress },
    { "exhaustion", fs_test_exhaustion },
    { "interrupts", fs_test_interrupts },
};

static struct {
    fs_spinlock_t lock;
    const char *name;
    int failed, skipped;
    char first[160];
    char detail[200];
} cur;

static void set_text(char *dst, size_t cap, const char *fmt, va_list ap)
{
    unsigned long irq = fs_irq_save();
    fs_spin_lock(&cur.lock);
    fs_vsnprintf(dst, cap, fmt, ap);
    fs_spin_unlock(&cur.lock);
    fs_irq_restore(irq);
}

void fs_fail(const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    fs_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned cpu = fs_cpu_id();
    fs_printf("  %s %s cpu %u: %s\n", FS_TARGET_NAME, cur.name, cpu, msg);
    unsigned long irq = fs_irq_save();
    fs_spin_lock(&cur.lock);
    if (cur.failed++ == 0)
        fs_snprintf(cur.first, sizeof cur.first, "cpu %u: %s", cpu, msg);
    fs_spin_unlock(&cur.lock);
    fs_irq_restore(irq);
}

int fs_failed(void)
{
    return __atomic_load_n(&cur.failed, __ATOMIC_RELAXED) != 0;
}

void fs_detail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_text(cur.detail, sizeof cur.detail, fmt, ap);
    va_end(ap);
}

void fs_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_text(cur.detail, sizeof cur.detail, fmt, ap);
    va_end(ap);
    __atomic_store_n(&cur.skipped, 1, __ATOMIC_RELAXED);
}

void fs_metric(const char *fmt, ...)
{
    char msg[224]; /* with "METRIC <target> ", within fs_printf's 255 */
    va_list ap;
    va_start(ap, fmt);
    fs_vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fs_printf("METRIC %s %s\n", FS_TARGET_NAME, msg);
}

int fs_image_main(unsigned cpu)
{
    unsigned failed = 0, skipped = 0, n = sizeof tests / sizeof tests[0];
    if (cpu == 0) {
        if (fs_heap_boot() != 0) {
            fs_printf("FAIL %s boot: no arena over the heap region [%p, %p)\n", FS_TARGET_NAME,
                      (void *)__heap_start, (void *)__heap_end);
            return 4;
        }
        fs_printf("default arena: %zu KiB at %p\n", (size_t)(__heap_end - __heap_start) >> 10,
                  (void *)__heap_start);
    }
    fs_barrier();
    for (unsigned i = 0; i < n; i++) {
        if (cpu == 0) {
            cur.name = tests[i].name;
            cur.failed = cur.skipped = 0;
            cur.first[0] = cur.detail[0] = 0;
        }
        fs_barrier();
        uint64_t t0 = fs_cycles();
        tests[i].run(cpu);
        fs_barrier();
        /* Whatever the test did, the arena and every CPU's cache must
         * still hold their invariants. */
        unsigned bad = fs_heap_check();
        if (bad)
            fs_fail("%u broken invariants after the test", bad);
        fs_barrier();
        if (cpu != 0)
            continue;
        uint64_t ms = fs_ticks_to_us(fs_cycles() - t0) / 1000u;
        if (cur.failed) {
            failed++;
            fs_printf("FAIL %s %s %s (%d failures, %llu ms)\n", FS_TARGET_NAME, cur.name,
                      cur.first, cur.failed, (unsigned long long)ms);
        } else if (cur.skipped) {
            skipped++;
            fs_printf("SKIP %s %s %s\n", FS_TARGET_NAME, cur.name, cur.detail);
        } else {
            fs_printf("PASS %s %s %s (%llu ms)\n", FS_TARGET_NAME, cur.name, cur.detail,
                      (unsigned long long)ms);
        }
    }
    if (cpu == 0)
        fs_printf("DONE %s cpus=%u tests=%u failed=%u skipped=%u\n", FS_TARGET_NAME,
                  (unsigned)FS_NCPUS, n, failed, skipped);
    return failed ? 1 : 0;
}
