/*
 * arch.c - freestanding/arch.h for riscv64 on QEMU -machine virt, in
 * M-mode: UART 16550 at 0x10000000, the test device at 0x100000 to exit,
 * the CLINT at 0x2000000 (msip per hart at +4*hart, mtimecmp per hart at
 * +0x4000 + 8*hart, mtime at +0xbff8, 10 MHz), interrupts masked with
 * mstatus.MIE.
 */
#include <stdint.h>
#include "../arch.h"

#define UART_BASE 0x10000000ul
#define UART_THR 0u
#define UART_LSR 5u
#define UART_LSR_THRE 0x20u
#define TEST_DEVICE 0x100000ul
#define CLINT_MSIP(h) (0x2000000ul + 4ul * (h))
#define CLINT_MTIMECMP(h) (0x2004000ul + 8ul * (h))
#define CLINT_MTIME 0x200bff8ul
#define MTIME_HZ 10000000ull        /* QEMU virt's timebase-frequency */
#define MSTATUS_MIE 8ul
#define MIE_MTIE (1ul << 7)
#define MCAUSE_MTIMER ((1ul << 63) | 7ul)

#define MMIO8(a) (*(volatile uint8_t *)(a))
#define MMIO32(a) (*(volatile uint32_t *)(a))
#define MMIO64(a) (*(volatile uint64_t *)(a))

/* Read by start.S. */
const unsigned long fs_riscv_ncpus = FS_NCPUS;
const unsigned long fs_riscv_stack_size = FS_STACK_SIZE;
uint8_t fs_riscv_stacks[FS_NCPUS][FS_STACK_SIZE]
    __attribute__((section(".bss.stacks"), aligned(16)));
/* In .data, not .bss: secondary harts poll it while hart 0 clears .bss. */
volatile uint32_t fs_riscv_release __attribute__((section(".data")));

void fs_riscv_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval);

void fs_start_cpus(unsigned n)
{
    if (n > FS_NCPUS)
        n = FS_NCPUS;
    __atomic_store_n(&fs_riscv_release, n, __ATOMIC_RELEASE);
    for (unsigned h = 1; h < n; h++)
        MMIO32(CLINT_MSIP(h)) = 1;
}

unsigned fs_cpu_id(void)
{
    unsigned long tp;
    __asm__("mv %0, tp" : "=r"(tp));
    return (unsigned)tp;
}

unsigned long fs_irq_save(void)
{
    unsigned long old;
    __asm__ volatile("csrrci %0, mstatus, 8" : "=r"(old) : : "memory");
    return old & MSTATUS_MIE;
}

void fs_irq_restore(unsigned long state)
{
    if (state & MSTATUS_MIE)
        __asm__ volatile("csrsi mstatus, 8" : : : "memory");
}

void fs_irq_enable(void)
{
    __asm__ volatile("csrsi mstatus, 8" : : : "memory");
}

int fs_irq_enabled(void)
{
    unsigned long s;
    __asm__ volatile("csrr %0, mstatus" : "=r"(s));
    return (s & MSTATUS_MIE) != 0;
}

void fs_uart_putc(char c)
{
    while (!(MMIO8(UART_BASE + UART_LSR) & UART_LSR_THRE))
        ;
    MMIO8(UART_BASE + UART_THR) = (uint8_t)c;
}

_Noreturn void fs_exit(int code)
{
    code &= 0xff;
    /* A code of 0 would exit 0 through the failure encoding too. */
    MMIO32(TEST_DEVICE) = code ? ((uint32_t)code << 16) | 0x3333u : 0x5555u;
    fs_park();
}

void fs_cpu_relax(void)
{
    __asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010" : : : "memory"); /* pause */
}

_Noreturn void fs_park(void)
{
    __asm__ volatile("csrw mie, zero\n\tcsrci mstatus, 8" : : : "memory");
    for (;;)
        __asm__ volatile("wfi");
}

uint64_t fs_cycles(void)
{
    uint64_t v;
    __asm__ volatile("rdtime %0" : "=r"(v));
    return v;
}

uint64_t fs_cycles_hz(void)
{
    return MTIME_HZ;
}

static struct {
    uint64_t ticks;            /* period in mtime ticks */
    void (*handler)(void);
} timers[FS_NCPUS];

int fs_timer_start(uint64_t period, void (*handler)(void))
{
    unsigned c = fs_cpu_id();
    timers[c].ticks = period ? period : 1u;
    timers[c].handler = handler;
    MMIO64(CLINT_MTIMECMP(c)) = MMIO64(CLINT_MTIME) + timers[c].ticks;
    __asm__ volatile("csrs mie, %0" : : "r"(MIE_MTIE) : "memory");
    return 0;
}

void fs_timer_stop(void)
{
    unsigned c = fs_cpu_id();
    __asm__ volatile("csrc mie, %0" : : "r"(MIE_MTIE) : "memory");
    MMIO64(CLINT_MTIMECMP(c)) = ~0ull;
}

/* Writes a fault line straight to the UART: the console lock may be held
 * by the code that trapped. */
static void fault_str(const char *s)
{
    while (*s)
        fs_uart_putc(*s++);
}

static void fault_hex(uint64_t v)
{
    fault_str("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        fs_uart_putc("0123456789abcdef"[(v >> shift) & 15u]);
}

/* Called by fs_riscv_trap_entry (start.S) with interrupts off. */
void fs_riscv_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval)
{
    unsigned c = fs_cpu_id();
    if (mcause == MCAUSE_MTIMER && c < FS_NCPUS && timers[c].handler) {
        /* The next tick counts from now, so a slow handler cannot
         * leave an interrupt pending for ever. */
        MMIO64(CLINT_MTIMECMP(c)) = MMIO64(CLINT_MTIME) + timers[c].ticks;
        timers[c].handler();
        return;
    }
    fault_str("\nFAIL riscv64 trap on cpu ");
    fs_uart_putc((char)('0' + c % 10u));
    fault_str(": mcause ");
    fault_hex(mcause);
    fault_str(" mepc ");
    fault_hex(mepc);
    fault_str(" mtval ");
    fault_hex(mtval);
    fault_str("\n");
    fs_exit(2);
}
