/*
 * jmp.S - fs_setjmp / fs_longjmp for aarch64 (freestanding/core_tests/fs_jmp.h):
 * the callee-saved x19-x28, the frame pointer x29, the return address x30
 * and sp, 13 words. The image is built with -mgeneral-regs-only, so the
 * callee-saved FP registers d8-d15 hold nothing of the caller's and are
 * not kept.
 */
    .text
    .balign 4
    .globl fs_setjmp
    .type fs_setjmp, %function
fs_setjmp:
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    mov     x1, sp
    str     x1, [x0, #96]
    mov     x0, #0
    ret
    .size fs_setjmp, . - fs_setjmp

    .globl fs_longjmp
    .type fs_longjmp, %function
fs_longjmp:
    ldp     x19, x20, [x0, #0]
    ldp     x21, x22, [x0, #16]
    ldp     x23, x24, [x0, #32]
    ldp     x25, x26, [x0, #48]
    ldp     x27, x28, [x0, #64]
    ldp     x29, x30, [x0, #80]
    ldr     x1, [x0, #96]
    mov     sp, x1
    mov     x0, #1
    ret
    .size fs_longjmp, . - fs_longjmp
