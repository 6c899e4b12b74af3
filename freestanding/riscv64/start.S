/*
 * start.S - entry of the riscv64 image (QEMU -machine virt -bios none):
 * every hart starts here at 0x80000000 in M-mode with a0 = its hart id.
 *
 * Each hart keeps its id in tp (fs_cpu_id), takes the stack
 * fs_riscv_stacks[id] and installs the trap vector. Hart 0 zeroes .bss and
 * enters fs_cpu_entry(0). The others sleep in wfi, woken by a software
 * interrupt (CLINT msip), until fs_start_cpus raised fs_riscv_release above
 * their id; harts whose id is FS_NCPUS or more park for ever. The image is
 * built for rv64imac (no FPU), so mstatus.FS stays off.
 */
    .section .text.entry, "ax"
    .globl _start
_start:
    csrw    mie, zero
    csrci   mstatus, 8              /* MIE off */
    la      t0, fs_riscv_trap_entry
    csrw    mtvec, t0               /* direct mode */
    mv      tp, a0
    la      t0, fs_riscv_ncpus
    ld      t0, 0(t0)
    bgeu    a0, t0, park
    /* sp = top of this hart's stack */
    la      t0, fs_riscv_stack_size
    ld      t0, 0(t0)
    addi    t1, a0, 1
    mul     t1, t1, t0
    la      sp, fs_riscv_stacks
    add     sp, sp, t1
    bnez    a0, secondary

    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  fence   rw, rw
    li      a0, 0
    call    fs_cpu_entry
    j       park

secondary:
    li      t0, 8                   /* mie.MSIE: msip wakes wfi */
    csrs    mie, t0
3:  la      t1, fs_riscv_release
    lw      t2, 0(t1)
    fence   r, rw
    bltu    a0, t2, 4f
    wfi
    j       3b
4:  csrw    mie, zero
    li      t0, 0x2000000           /* CLINT msip[hart] = 0 */
    slli    t1, a0, 2
    add     t0, t0, t1
    sw      zero, 0(t0)
    call    fs_cpu_entry

park:
    csrw    mie, zero
    csrci   mstatus, 8
5:  wfi
    j       5b

/*
 * Trap vector: saves the registers a C function may clobber (the FPU is
 * off, so integer registers only), calls fs_riscv_trap(mcause, mepc, mtval)
 * on the interrupted stack, restores them and returns with mret. Traps
 * enter with MIE off, so a handler is never interrupted.
 */
    .text
    .balign 4
    .globl fs_riscv_trap_entry
fs_riscv_trap_entry:
    addi    sp, sp, -128
    sd      ra, 0(sp)
    sd      t0, 8(sp)
    sd      t1, 16(sp)
    sd      t2, 24(sp)
    sd      a0, 32(sp)
    sd      a1, 40(sp)
    sd      a2, 48(sp)
    sd      a3, 56(sp)
    sd      a4, 64(sp)
    sd      a5, 72(sp)
    sd      a6, 80(sp)
    sd      a7, 88(sp)
    sd      t3, 96(sp)
    sd      t4, 104(sp)
    sd      t5, 112(sp)
    sd      t6, 120(sp)
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    fs_riscv_trap
    ld      ra, 0(sp)
    ld      t0, 8(sp)
    ld      t1, 16(sp)
    ld      t2, 24(sp)
    ld      a0, 32(sp)
    ld      a1, 40(sp)
    ld      a2, 48(sp)
    ld      a3, 56(sp)
    ld      a4, 64(sp)
    ld      a5, 72(sp)
    ld      a6, 80(sp)
    ld      a7, 88(sp)
    ld      t3, 96(sp)
    ld      t4, 104(sp)
    ld      t5, 112(sp)
    ld      t6, 120(sp)
    addi    sp, sp, 128
    mret
