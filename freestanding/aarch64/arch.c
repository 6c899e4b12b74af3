/*
 * arch.c - freestanding/arch.h for aarch64 under QEMU -M virt, at EL1 with
 * the MMU off (so every data access is Device memory: build with
 * -mstrict-align; LDXR/STXR atomics work, LSE ones need -cpu max).
 *
 *   CPUs        PSCI CPU_ON through hvc; index = MPIDR_EL1.Aff0; TPIDR_EL1
 *               points at the CPU's struct fs_a64_cpu.
 *   UART        PL011 at 0x09000000.
 *   exit        semihosting SYS_EXIT (QEMU needs -semihosting).
 *   counter     CNTVCT_EL0 at CNTFRQ_EL0 Hz.
 *   timer       the EL1 virtual timer (CNTV_*, PPI 27) through the GICv2 of
 *               -M virt (distributor 0x08000000, CPU interface 0x08010000).
 *
 * Boot (start.S) calls fs_a64_cpu_boot(cpu) on every CPU; interrupts
 * arrive in fs_a64_irq() with PSTATE.I set and the caller-saved registers
 * saved.
 */
#include "../arch.h"

#include <stdint.h>

#define PL011_BASE 0x09000000ul
#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1u << 5)

#define GICD_BASE 0x08000000ul
#define GICD_CTLR 0x000
#define GICD_ISENABLER0 0x100
#define GICD_ICENABLER0 0x180
#define GICD_ICPENDR0 0x280
#define GICD_IPRIORITYR 0x400
#define GICD_PIDR2 0xfe8

#define GICC_BASE 0x08010000ul
#define GICC_CTLR 0x000
#define GICC_PMR 0x004
#define GICC_BPR 0x008
#define GICC_IAR 0x00c
#define GICC_EOIR 0x010

#define TIMER_PPI 27u      /* EL1 virtual timer on -M virt */
#define TIMER_PRIO 0xa0u   /* below the mask, so it is forwarded */
#define GIC_PRIO_MASK 0xf0u
#define GIC_SPURIOUS 1020u /* IAR ids 1020..1023 */

#define CNTV_CTL_ENABLE 1u
#define CNTV_CTL_IMASK 2u

#define PSCI_CPU_ON_64 0xc4000003ul

#define SEMIHOST_SYS_EXIT 0x18ul
#define ADP_APP_EXIT 0x20026ul

/* One per CPU, found through TPIDR_EL1 (one cache line each). */
struct fs_a64_cpu {
    unsigned id;
    void (*handler)(void);
    uint64_t period;
    uint64_t deadline;      /* counter value of the next interrupt */
    uint64_t timer_irqs;    /* timer interrupts handled */
    uint64_t spurious_irqs; /* IAR said 1020..1023 */
    uint64_t other_irqs;    /* any other interrupt id (acknowledged, dropped) */
} __attribute__((aligned(64)));

static struct fs_a64_cpu fs_a64_cpus[FS_NCPUS];

/* Entered from start.S on every CPU, on its own stack. */
_Noreturn void fs_a64_cpu_boot(unsigned cpu);
void fs_a64_irq(void);
extern char fs_a64_secondary[];

static inline uint32_t mmio_read32(uintptr_t addr)
{
    uint32_t v = *(volatile uint32_t *)addr;
    __asm__ volatile("" ::: "memory");
    return v;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
    __asm__ volatile("" ::: "memory");
    *(volatile uint32_t *)addr = v;
}

#define READ_SYSREG(name)                                        \
    ({                                                           \
        uint64_t v_;                                             \
        __asm__ volatile("mrs %0, " #name : "=r"(v_)::"memory"); \
        v_;                                                      \
    })
#define WRITE_SYSREG(name, v) \
    __asm__ volatile("msr " #name ", %0" ::"r"((uint64_t)(v)) : "memory")

static inline struct fs_a64_cpu *this_cpu(void)
{
    return (struct fs_a64_cpu *)READ_SYSREG(tpidr_el1);
}

_Noreturn void fs_a64_cpu_boot(unsigned cpu)
{
    struct fs_a64_cpu *c = &fs_a64_cpus[cpu];
    c->id = cpu;
    WRITE_SYSREG(tpidr_el1, (uintptr_t)c);
    fs_cpu_entry(cpu);
}

unsigned fs_cpu_id(void)
{
    return (unsigned)(READ_SYSREG(mpidr_el1) & 0xff);
}

/* ---- interrupts (DAIF.I) ---- */

unsigned long fs_irq_save(void)
{
    unsigned long daif = READ_SYSREG(daif);
    __asm__ volatile("msr daifset, #2" ::: "memory");
    return daif;
}

void fs_irq_restore(unsigned long state)
{
    WRITE_SYSREG(daif, state);
}

void fs_irq_enable(void)
{
    __asm__ volatile("msr daifclr, #2" ::: "memory");
}

int fs_irq_enabled(void)
{
    return (READ_SYSREG(daif) & (1u << 7)) == 0;
}

/* ---- UART, exit, idle, counter ---- */

void fs_uart_putc(char c)
{
    while (mmio_read32(PL011_BASE + PL011_FR) & PL011_FR_TXFF)
        ;
    mmio_write32(PL011_BASE + PL011_DR, (uint8_t)c);
}

_Noreturn void fs_exit(int code)
{
    volatile uint64_t block[2] = {ADP_APP_EXIT, (uint64_t)(code & 0xff)};
    register uint64_t x0 __asm__("x0") = SEMIHOST_SYS_EXIT;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    /* Only without -semihosting, where hlt traps first (start.S). */
    fs_park();
}

void fs_cpu_relax(void)
{
    __asm__ volatile("yield" ::: "memory");
}

/* Interrupts off and this CPU's timer off: a pending interrupt would end
 * every wfi at once and turn the loop into a busy spin. */
_Noreturn void fs_park(void)
{
    __asm__ volatile("msr daifset, #0xf" ::: "memory");
    WRITE_SYSREG(cntv_ctl_el0, CNTV_CTL_IMASK);
    __asm__ volatile("isb" ::: "memory");
    for (;;)
        __asm__ volatile("wfi" ::: "memory");
}

uint64_t fs_cycles(void)
{
    __asm__ volatile("isb" ::: "memory");
    return READ_SYSREG(cntvct_el0);
}

uint64_t fs_cycles_hz(void)
{
    return READ_SYSREG(cntfrq_el0) & 0xffffffffu;
}

/* ---- secondary CPUs ---- */

static long psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context)
{
    register uint64_t x0 __asm__("x0") = PSCI_CPU_ON_64;
    register uint64_t x1 __asm__("x1") = mpidr;
    register uint64_t x2 __asm__("x2") = entry;
    register uint64_t x3 __asm__("x3") = context;
    /* SMCCC: x0-x17 may come back changed. */
    __asm__ volatile("hvc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
                     :
                     : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
                       "x13", "x14", "x15", "x16", "x17", "memory");
    return (long)x0;
}

static void uart_puts(const char *s)
{
    while (*s)
        fs_uart_putc(*s++);
}

static void uart_putu(unsigned long v)
{
    char digits[20];
    int n = 0;
    do
        digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        fs_uart_putc(digits[--n]);
}

#define PSCI_ALREADY_ON (-4)
#define PSCI_ON_PENDING (-5)

/* A CPU that cannot start (QEMU runs fewer than n: PSCI says -2) would
 * leave the others waiting for it for ever: end the run instead, with
 * the boot failure status of boot.c. */
void fs_start_cpus(unsigned n)
{
    if (n > FS_NCPUS)
        n = FS_NCPUS;
    /* Everything CPU 0 wrote (.bss zeroing included) before they run. */
    __asm__ volatile("dsb sy" ::: "memory");
    for (unsigned cpu = 1; cpu < n; cpu++) {
        long r = psci_cpu_on(cpu, (uint64_t)(uintptr_t)fs_a64_secondary, cpu);
        if (r != 0 && r != PSCI_ALREADY_ON && r != PSCI_ON_PENDING) {
            uart_puts("FAIL aarch64 boot: PSCI CPU_ON for cpu ");
            uart_putu(cpu);
            uart_puts(" returned -");
            uart_putu((unsigned long)-r);
            uart_puts(" (does QEMU run -smp ");
            uart_putu(n);
            uart_puts(" or more?)\n");
            fs_exit(4);
        }
    }
}

/* ---- timer: EL1 virtual timer through the GICv2 ---- */

/* Fixed rate: the next deadline is one period after the previous one, so
 * interrupt latency does not stretch the period. When the CPU fell more
 * than a period behind (a slow emulator), the missed ticks are dropped
 * rather than delivered back to back. */
static void timer_arm(struct fs_a64_cpu *c, int first)
{
    uint64_t now = fs_cycles();
    uint64_t next = first ? now + c->period : c->deadline + c->period;
    if ((int64_t)(next - now) <= 0)
        next = now + c->period;
    c->deadline = next;
    WRITE_SYSREG(cntv_cval_el0, next);
    WRITE_SYSREG(cntv_ctl_el0, CNTV_CTL_ENABLE);
    __asm__ volatile("isb" ::: "memory");
}

static void timer_off(void)
{
    WRITE_SYSREG(cntv_ctl_el0, CNTV_CTL_IMASK);
    __asm__ volatile("isb" ::: "memory");
}

/* The distributor of -M virt's default GIC reports architecture version 2
 * (1 for a GICv1). A GICv3 (gic-version=3) has no CPU interface at
 * GICC_BASE: touching it would fault, so no timer then. */
static int gic_is_v2(void)
{
    uint32_t arch = (mmio_read32(GICD_BASE + GICD_PIDR2) >> 4) & 0xf;
    return arch == 1 || arch == 2;
}

int fs_timer_start(uint64_t period, void (*handler)(void))
{
    struct fs_a64_cpu *c = this_cpu();
    if (!handler || fs_cycles_hz() == 0 || !gic_is_v2())
        return -1;
    if (period == 0)
        period = 1;

    unsigned long flags = fs_irq_save();
    timer_off();
    c->handler = handler;
    c->period = period;

    /* Distributor: on (every CPU writes the same value). PPI enable and
     * priority registers are banked per CPU, so each CPU sets its own. */
    mmio_write32(GICD_BASE + GICD_CTLR, 1);
    uintptr_t prio = GICD_BASE + GICD_IPRIORITYR + (TIMER_PPI & ~3u);
    unsigned shift = (TIMER_PPI & 3u) * 8;
    uint32_t p = mmio_read32(prio);
    p = (p & ~(0xffu << shift)) | (TIMER_PRIO << shift);
    mmio_write32(prio, p);
    mmio_write32(GICD_BASE + GICD_ICPENDR0, 1u << TIMER_PPI);
    mmio_write32(GICD_BASE + GICD_ISENABLER0, 1u << TIMER_PPI);

    /* This CPU's interface: mask, no preemption grouping, on. */
    mmio_write32(GICC_BASE + GICC_PMR, GIC_PRIO_MASK);
    mmio_write32(GICC_BASE + GICC_BPR, 0);
    mmio_write32(GICC_BASE + GICC_CTLR, 1);

    int ok = (mmio_read32(GICD_BASE + GICD_ISENABLER0) & (1u << TIMER_PPI)) &&
             ((mmio_read32(prio) >> shift) & 0xffu) < GIC_PRIO_MASK &&
             (mmio_read32(GICD_BASE + GICD_CTLR) & 1u);
    if (ok) {
        timer_arm(c, 1);
    } else {
        mmio_write32(GICD_BASE + GICD_ICENABLER0, 1u << TIMER_PPI);
        c->handler = 0;
    }
    fs_irq_restore(flags);
    return ok ? 0 : -1;
}

void fs_timer_stop(void)
{
    struct fs_a64_cpu *c = this_cpu();
    unsigned long flags = fs_irq_save();
    timer_off();
    mmio_write32(GICD_BASE + GICD_ICENABLER0, 1u << TIMER_PPI);
    c->handler = 0;
    fs_irq_restore(flags);
}

/* IRQ dispatcher (start.S irq_entry): PSTATE.I is set throughout. */
void fs_a64_irq(void)
{
    struct fs_a64_cpu *c = this_cpu();
    uint32_t iar = mmio_read32(GICC_BASE + GICC_IAR);
    uint32_t id = iar & 0x3ff;

    if (id >= GIC_SPURIOUS) {
        c->spurious_irqs++;
        return; /* nothing was acknowledged: no EOI */
    }
    if (id == TIMER_PPI) {
        void (*h)(void) = c->handler;
        if (h) {
            /* Re-arm first: the new compare value drops the timer's
             * level output, so the EOI below does not re-pend it. */
            timer_arm(c, 0);
            c->timer_irqs++;
            h();
        } else {
            timer_off();
        }
    } else {
        c->other_irqs++;
    }
    mmio_write32(GICC_BASE + GICC_EOIR, iar);
}
