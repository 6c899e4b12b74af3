/*
 * arch.h - what each bare-metal target (freestanding/<target>/) provides to
 * the freestanding port's common code (the .c files of freestanding/). One
 * implementation per target: riscv64 (QEMU -machine virt, M-mode) and
 * aarch64 (QEMU -M virt, EL1). All functions are callable from any CPU;
 * none allocates.
 *
 * Boot contract: the target's entry code zeroes .bss (on CPU 0, before any
 * other CPU runs C code), gives every CPU its own stack of FS_STACK_SIZE
 * bytes, enables what C code needs (FP/SIMD, or builds without it), and
 * calls fs_cpu_entry(cpu) on every CPU, cpu being its index 0..FS_NCPUS-1
 * (CPU 0 first; the others once fs_start_cpus() released them). CPUs whose
 * index is FS_NCPUS or more park with fs_park() for ever.
 */
#ifndef HAKMEM_FS_ARCH_H
#define HAKMEM_FS_ARCH_H

#include <stdint.h>

/* CPUs the image uses (QEMU runs with -smp FS_NCPUS). */
#ifndef FS_NCPUS
#define FS_NCPUS 4
#endif

/* Bytes of stack per CPU, interrupt handlers included. */
#ifndef FS_STACK_SIZE
#define FS_STACK_SIZE (64u << 10)
#endif

/* Common code's entry on every CPU (freestanding/boot.c). Never returns. */
_Noreturn void fs_cpu_entry(unsigned cpu);

/* Lets CPUs 1..n-1 (n <= FS_NCPUS) enter fs_cpu_entry. Called once, by
 * CPU 0. riscv64: every hart starts at the entry and waits for a release
 * flag; aarch64: PSCI CPU_ON through hvc. Returns once the request is made
 * (the CPUs may arrive later). */
void fs_start_cpus(unsigned n);

/* Index of the calling CPU, 0..FS_NCPUS-1 (riscv64: kept in tp at boot;
 * aarch64: MPIDR_EL1 & 0xff, with a per-CPU pointer in TPIDR_EL1). */
unsigned fs_cpu_id(void);

/* Interrupts of the calling CPU off; returns the previous state for
 * fs_irq_restore. */
unsigned long fs_irq_save(void);

/* Restores the interrupt state returned by fs_irq_save. */
void fs_irq_restore(unsigned long state);

/* Enables interrupts on the calling CPU. */
void fs_irq_enable(void);

/* 1 if interrupts are enabled on the calling CPU. */
int fs_irq_enabled(void);

/* Writes one byte to the UART (riscv64: 16550 at 0x10000000; aarch64:
 * PL011 at 0x09000000), waiting while it is busy. Callers serialise lines
 * themselves. */
void fs_uart_putc(char c);

/* Ends the QEMU run with exit status `code` (0..255; riscv64: the test
 * device at 0x100000; aarch64: semihosting SYS_EXIT). */
_Noreturn void fs_exit(int code);

/* Pause hint inside a spin loop (never yields, never sleeps). */
void fs_cpu_relax(void);

/* Parks the calling CPU for ever (wfi in a loop, not a busy spin). */
_Noreturn void fs_park(void);

/* A free-running counter for measuring (riscv64: rdtime or rdcycle;
 * aarch64: cntvct_el0), and its frequency in Hz (0 if unknown). */
uint64_t fs_cycles(void);
uint64_t fs_cycles_hz(void);

/* Starts a periodic timer interrupt on the calling CPU every `period`
 * counter ticks (fs_cycles units); each interrupt calls handler() with
 * interrupts off, on the interrupted CPU, then returns to the interrupted
 * code. The interrupt is delivered once interrupts are enabled
 * (fs_irq_enable). Returns 0, or -1 when the target has no timer interrupt
 * support (the test is then skipped). */
int fs_timer_start(uint64_t period, void (*handler)(void));

/* Stops the calling CPU's periodic timer. */
void fs_timer_stop(void);

#endif /* HAKMEM_FS_ARCH_H */
