/*
 * fs_jmp.h - the recovery points of the core tests on bare metal (the
 * TEST_JMP_HEADER of tests/core/test_platform.h): clang has no
 * __builtin_setjmp on riscv64 or aarch64, so each target that builds
 * core_tests.elf implements this pair in freestanding/<target>/jmp.S.
 *
 * fs_setjmp saves the callee-saved registers, the stack pointer and the
 * return address in buf and returns 0; fs_longjmp(buf) restores them and
 * returns 1 from that fs_setjmp call. buf holds TEST_JMP_WORDS words
 * (riscv64 uses 14, aarch64 13 without FP registers).
 */
#ifndef HAKMEM_FS_JMP_H
#define HAKMEM_FS_JMP_H

#define TEST_JMP_WORDS 16

int fs_setjmp(void **buf) __attribute__((returns_twice));
_Noreturn void fs_longjmp(void **buf);

#define TEST_SETJMP(buf) fs_setjmp(buf)
#define TEST_LONGJMP(buf) fs_longjmp(buf)

#endif /* HAKMEM_FS_JMP_H */
