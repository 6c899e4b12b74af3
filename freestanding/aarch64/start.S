/*
 * start.S - aarch64 (QEMU -M virt, EL1) entry code for the freestanding
 * port: boot, per-CPU stacks, .bss zeroing, the PSCI secondary entry and
 * the EL1 exception vector table. See freestanding/arch.h for the boot
 * contract and linker/aarch64.ld for the layout.
 *
 * CPU 0 starts at _start in EL1 with the MMU and caches off. CPUs 1..n-1
 * are powered on by fs_start_cpus() (PSCI CPU_ON) at fs_a64_secondary with
 * their index in x0. Every CPU masks interrupts, installs the vector
 * table, takes the stack slot of its index and calls fs_a64_cpu_boot(cpu)
 * (arch.c), which sets TPIDR_EL1 and enters fs_cpu_entry(cpu).
 *
 * FP/SIMD stays trapped (CPACR_EL1.FPEN = 0): the port builds with
 * -mgeneral-regs-only, so the IRQ path saves general registers only, and
 * any stray FP/SIMD instruction shows up as a synchronous exception
 * (ESR EC 0x07) instead of silently corrupting an interrupted context.
 */

#ifndef FS_NCPUS
#define FS_NCPUS 4
#endif
#ifndef FS_STACK_SIZE
#define FS_STACK_SIZE (64 << 10)
#endif

#define PL011_BASE      0x09000000
#define PL011_FR        0x18
#define PL011_FR_TXFF   (1 << 5)

#define SEMIHOST_SYS_EXIT   0x18
#define ADP_APP_EXIT        0x20026

/* Exit status of a run that took an unexpected exception (riscv64's
 * trap status too; hakmem panics exit 3). */
#define FS_A64_CRASH_STATUS 2

#if (FS_STACK_SIZE) % 16 != 0
#error "FS_STACK_SIZE must be a multiple of 16 (the aarch64 sp alignment)"
#endif

/* Saved context on an IRQ: x0-x18, x29, x30, ELR_EL1, SPSR_EL1. */
#define IRQ_FRAME       192

/* Address of a symbol anywhere in the image (adr reaches only 1 MiB). */
        .macro ladr reg, sym
        adrp    \reg, \sym
        add     \reg, \reg, :lo12:\sym
        .endm

/* -------------------------------------------------------------------- */
/* Entry and stacks                                                      */
/* -------------------------------------------------------------------- */

        .section .text.boot, "ax"
        .global _start
        .type _start, %function
_start:
        msr     daifset, #0xf
        ladr    x1, fs_a64_vectors
        msr     vbar_el1, x1
        isb
        /* The contract needs EL1 (PSCI through hvc, EL1 timer and regs). */
        mrs     x1, CurrentEL
        lsr     x1, x1, #2
        cmp     x1, #1
        b.ne    not_el1
        mrs     x19, mpidr_el1
        and     x19, x19, #0xff
        /* Only CPU 0 is expected here; anything else parks. */
        cbnz    x19, park

        /* Zero .bss (16-byte aligned and sized by the linker script). */
        ladr    x1, __bss_start
        ladr    x2, __bss_end
1:      cmp     x1, x2
        b.hs    2f
        stp     xzr, xzr, [x1], #16
        b       1b
2:      dsb     sy
        mov     x0, x19
        b       cpu_common
        .size _start, . - _start

/* PSCI CPU_ON entry: x0 = context = CPU index (see fs_start_cpus). */
        .global fs_a64_secondary
        .type fs_a64_secondary, %function
fs_a64_secondary:
        msr     daifset, #0xf
        ladr    x1, fs_a64_vectors
        msr     vbar_el1, x1
        isb
        mrs     x1, mpidr_el1
        and     x1, x1, #0xff
        cmp     x0, x1          /* the context must name this CPU */
        b.ne    park
        b       cpu_common
        .size fs_a64_secondary, . - fs_a64_secondary

/* x0 = CPU index: stack slot, then C. */
cpu_common:
        cmp     x0, #FS_NCPUS
        b.hs    park
        ladr    x1, __fs_stacks
        ldr     x2, =FS_STACK_SIZE
        madd    x1, x0, x2, x1  /* bottom of slot x0 */
        add     sp, x1, x2      /* its top */
        mov     x29, #0         /* ends frame-pointer backtraces */
        bl      fs_a64_cpu_boot /* does not return */

/* Parks this CPU for ever: interrupts and its timer off, so that wfi
 * sleeps instead of waking at once (a busy spin). */
park:
        msr     daifset, #0xf
        mov     x1, #2          /* CNTV_CTL_EL0.IMASK, timer disabled */
        msr     cntv_ctl_el0, x1
        isb
1:      wfi
        b       1b

not_el1:
        mov     x19, x1
        ladr    x0, msg_not_el1
        bl      uart_puts
        mov     x0, x19
        bl      uart_hex
        ladr    x0, msg_nl
        bl      uart_puts
        b       crash_exit

        .section .fs_stacks, "aw", %nobits
        .balign 16
        .global __fs_stacks
__fs_stacks:
        .space  FS_NCPUS * FS_STACK_SIZE
        .size __fs_stacks, FS_NCPUS * FS_STACK_SIZE

/* -------------------------------------------------------------------- */
/* Exception vectors                                                     */
/* -------------------------------------------------------------------- */

        .section .text.vectors, "ax"
        .balign 2048
        .global fs_a64_vectors
fs_a64_vectors:
        /* Current EL with SP_EL0: never used (SPSel stays 1). */
        .balign 128
        mov     x0, #0
        b       bad_exception
        .balign 128
        mov     x0, #1
        b       bad_exception
        .balign 128
        mov     x0, #2
        b       bad_exception
        .balign 128
        mov     x0, #3
        b       bad_exception
        /* Current EL with SP_EL1: where everything runs. */
        .balign 128
        mov     x0, #4          /* synchronous */
        b       bad_exception
        .balign 128
        b       irq_entry       /* IRQ */
        .balign 128
        mov     x0, #6          /* FIQ */
        b       bad_exception
        .balign 128
        mov     x0, #7          /* SError */
        b       bad_exception
        /* Lower EL, AArch64 and AArch32: nothing runs there. */
        .balign 128
        mov     x0, #8
        b       bad_exception
        .balign 128
        mov     x0, #9
        b       bad_exception
        .balign 128
        mov     x0, #10
        b       bad_exception
        .balign 128
        mov     x0, #11
        b       bad_exception
        .balign 128
        mov     x0, #12
        b       bad_exception
        .balign 128
        mov     x0, #13
        b       bad_exception
        .balign 128
        mov     x0, #14
        b       bad_exception
        .balign 128
        mov     x0, #15
        b       bad_exception
        .balign 128

/*
 * IRQ on the current stack: save every register the C dispatcher may
 * clobber (x0-x18, x29, x30) and the return state (ELR, SPSR), call
 * fs_a64_irq() with interrupts still masked (PSTATE.I is set on entry),
 * restore and return. x19-x28 and sp are preserved by the C ABI.
 */
        .text
        .type irq_entry, %function
irq_entry:
        sub     sp, sp, #IRQ_FRAME
        stp     x0, x1, [sp, #0]
        stp     x2, x3, [sp, #16]
        stp     x4, x5, [sp, #32]
        stp     x6, x7, [sp, #48]
        stp     x8, x9, [sp, #64]
        stp     x10, x11, [sp, #80]
        stp     x12, x13, [sp, #96]
        stp     x14, x15, [sp, #112]
        stp     x16, x17, [sp, #128]
        stp     x18, x29, [sp, #144]
        mrs     x0, elr_el1
        mrs     x1, spsr_el1
        stp     x30, x0, [sp, #160]
        str     x1, [sp, #176]
        bl      fs_a64_irq
        ldr     x1, [sp, #176]
        ldp     x30, x0, [sp, #160]
        msr     spsr_el1, x1
        msr     elr_el1, x0
        ldp     x18, x29, [sp, #144]
        ldp     x16, x17, [sp, #128]
        ldp     x14, x15, [sp, #112]
        ldp     x12, x13, [sp, #96]
        ldp     x10, x11, [sp, #80]
        ldp     x8, x9, [sp, #64]
        ldp     x6, x7, [sp, #48]
        ldp     x4, x5, [sp, #32]
        ldp     x2, x3, [sp, #16]
        ldp     x0, x1, [sp, #0]
        add     sp, sp, #IRQ_FRAME
        /* An interrupted LDXR/STXR pair must not complete on a stale
         * monitor: clear it so the STXR fails and the loop retries. */
        clrex
        eret
        .size irq_entry, . - irq_entry

/*
 * Any other exception: print the vector, ESR, ELR, FAR and SPSR on the
 * UART and end the run with FS_A64_CRASH_STATUS. Uses no stack (the
 * fault may be a stack overflow). The first CPU to crash reports; others
 * park. A fault while reporting or exiting (hlt traps when QEMU runs
 * without -semihosting) prints one more line and parks: the run then ends
 * by its timeout, with the report on the UART.
 * x0 = vector index 0..15.
 */
        .type bad_exception, %function
bad_exception:
        mov     x19, x0
        mrs     x20, mpidr_el1
        and     x20, x20, #0xff
        add     x20, x20, #1            /* owner tag: cpu + 1 */
        ladr    x1, crash_owner
1:      ldaxr   w2, [x1]
        cbnz    w2, 2f
        stxr    w3, w20, [x1]
        cbnz    w3, 1b
        b       3f
2:      clrex
        cmp     w2, w20
        b.ne    park                    /* another CPU is reporting */
        ladr    x1, crash_depth         /* nested on the reporting CPU */
        ldr     w2, [x1]
        add     w2, w2, #1
        str     w2, [x1]
        cmp     w2, #1
        b.ne    park                    /* faulted again: give up quietly */
        ladr    x0, msg_nested
        bl      uart_puts
        mrs     x0, esr_el1
        bl      uart_hex
        ladr    x0, msg_elr
        bl      uart_puts
        mrs     x0, elr_el1
        bl      uart_hex
        ladr    x0, msg_nl
        bl      uart_puts
        b       park
3:      ladr    x0, msg_exc
        bl      uart_puts
        sub     x0, x20, #1
        bl      uart_dec
        ladr    x0, msg_colon
        bl      uart_puts
        ladr    x0, vector_names
        add     x0, x0, x19, lsl #4
        bl      uart_puts
        ladr    x0, msg_esr
        bl      uart_puts
        mrs     x0, esr_el1
        bl      uart_hex
        ladr    x0, msg_elr
        bl      uart_puts
        mrs     x0, elr_el1
        bl      uart_hex
        ladr    x0, msg_far
        bl      uart_puts
        mrs     x0, far_el1
        bl      uart_hex
        ladr    x0, msg_spsr
        bl      uart_puts
        mrs     x0, spsr_el1
        bl      uart_hex
        ladr    x0, msg_nl
        bl      uart_puts
crash_exit:
        mov     x0, #SEMIHOST_SYS_EXIT
        ladr    x1, crash_exit_block
        hlt     #0xf000
        b       park
        .size bad_exception, . - bad_exception

/* uart_puts: x0 = NUL-terminated string. Clobbers x0-x3. */
        .type uart_puts, %function
uart_puts:
        mov     x2, #PL011_BASE
1:      ldrb    w1, [x0], #1
        cbz     w1, 3f
2:      ldr     w3, [x2, #PL011_FR]
        tbnz    w3, #5, 2b
        str     w1, [x2]
        b       1b
3:      ret
        .size uart_puts, . - uart_puts

/* uart_dec: x0 (0..999) in decimal. Clobbers x0-x6. */
        .type uart_dec, %function
uart_dec:
        mov     x2, #PL011_BASE
        mov     x4, x0
        mov     x5, #100        /* place value */
        mov     x6, #0          /* a digit was printed */
1:      udiv    x1, x4, x5
        msub    x4, x1, x5, x4
        orr     x6, x6, x1
        cmp     x5, #1
        ccmp    x6, #0, #0, ne  /* skip only a leading zero before the last place */
        b.eq    3f
        add     w1, w1, #'0'
2:      ldr     w3, [x2, #PL011_FR]
        tbnz    w3, #5, 2b
        str     w1, [x2]
3:      mov     x1, #10
        udiv    x5, x5, x1
        cbnz    x5, 1b
        ret
        .size uart_dec, . - uart_dec

/* uart_hex: x0 printed as 0x + 16 hex digits. Clobbers x0-x5. */
        .type uart_hex, %function
uart_hex:
        mov     x2, #PL011_BASE
        mov     x4, x0
        mov     w1, #'0'
1:      ldr     w3, [x2, #PL011_FR]
        tbnz    w3, #5, 1b
        str     w1, [x2]
        mov     w1, #'x'
2:      ldr     w3, [x2, #PL011_FR]
        tbnz    w3, #5, 2b
        str     w1, [x2]
        mov     x5, #60
3:      lsr     x1, x4, x5
        and     x1, x1, #0xf
        cmp     x1, #10
        add     x0, x1, #'0'
        add     x1, x1, #('a' - 10)
        csel    x1, x0, x1, lo
4:      ldr     w3, [x2, #PL011_FR]
        tbnz    w3, #5, 4b
        str     w1, [x2]
        subs    x5, x5, #4
        b.ge    3b
        ret
        .size uart_hex, . - uart_hex

        .section .rodata.fs_a64, "a"
        .balign 8
crash_exit_block:
        .quad   ADP_APP_EXIT
        .quad   FS_A64_CRASH_STATUS
msg_exc:  .asciz "\nFAIL aarch64 exception on cpu "
msg_colon: .asciz ": "
msg_esr:  .asciz " ESR "
msg_elr:  .asciz " ELR "
msg_far:  .asciz " FAR "
msg_spsr: .asciz " SPSR "
msg_nl:   .asciz "\n"
msg_nested: .asciz "\nFAIL aarch64 exception while reporting or exiting (the exit needs QEMU -semihosting), parking: ESR "
msg_not_el1: .asciz "\nFAIL aarch64 boot: not in EL1, CurrentEL "
/* Names of the 16 vectors, 16 bytes apart (vector index << 4). */
        .balign 16
vector_names:
        .balign 16
        .asciz  "SP_EL0 sync"
        .balign 16
        .asciz  "SP_EL0 IRQ"
        .balign 16
        .asciz  "SP_EL0 FIQ"
        .balign 16
        .asciz  "SP_EL0 SError"
        .balign 16
        .asciz  "sync"
        .balign 16
        .asciz  "IRQ"
        .balign 16
        .asciz  "FIQ"
        .balign 16
        .asciz  "SError"
        .balign 16
        .asciz  "EL0 A64 sync"
        .balign 16
        .asciz  "EL0 A64 IRQ"
        .balign 16
        .asciz  "EL0 A64 FIQ"
        .balign 16
        .asciz  "EL0 A64 SError"
        .balign 16
        .asciz  "EL0 A32 sync"
        .balign 16
        .asciz  "EL0 A32 IRQ"
        .balign 16
        .asciz  "EL0 A32 FIQ"
        .balign 16
        .asciz  "EL0 A32 SError"

        .section .bss.fs_a64_crash, "aw", %nobits
        .balign 4
crash_owner: .space 4
crash_depth: .space 4
