/*
 * test_platform.h - the hooks a test platform offers the core tests, on top
 * of the platform contract (platform/platform.h) it implements.
 *
 * The core tests (the .c files of tests/core/) drive core/ through the public hak_arena_
 * API and observe the platform through these hooks only. A port that runs
 * the same tests elsewhere (bare metal under QEMU) writes its own platform
 * file implementing platform/platform.h and every function below, and its
 * own main that calls test_run_all() (harness.h). The host implementation
 * is tests/core/test_platform.c.
 *
 * Single-threaded: the tests and these hooks assume one thread of control.
 */
#ifndef HAKMEM_TEST_PLATFORM_H
#define HAKMEM_TEST_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* ---- diagnostic output ---------------------------------------------------
 * Everything written through hak_plat_write is appended to a buffer of
 * TEST_OUTPUT_MAX bytes (what does not fit is dropped, the rest kept). */
#define TEST_OUTPUT_MAX 4096u

/* The text captured since the last test_output_clear(), NUL-terminated;
 * stores its length in *len when len is not NULL. */
const char *test_output(size_t *len);

/* Empties the capture buffer. */
void test_output_clear(void);

/* Whether hak_plat_write also passes text on to the platform's own output
 * (host: stderr) besides capturing it; on by default. Returns the previous
 * setting. The harness turns it off while a fault is expected. */
int test_output_echo(int on);

/* ---- counters ----------------------------------------------------------- */

/* Calls of hak_plat_out_of_memory since the last test_counters_reset(). */
uint64_t test_oom_calls(void);

/* Calls of hak_plat_purge, and the bytes they covered, since the last
 * test_counters_reset(). */
uint64_t test_purge_calls(void);
uint64_t test_purge_bytes(void);

/* ---- for the platform files (test_hooks.c) ---- */

/* Appends n bytes of diagnostic text to the captured output. Returns 1
 * when the platform should also echo it (test_output_echo). */
int test_capture(const char *text, size_t n);

/* Counts a fault and, when a recovery point is armed, jumps back to it
 * (never returning); returns when none is, for the platform to stop. */
void test_panic_recover(void);

/* Makes hak_plat_purge leave a pattern (0xEE) instead of zeroes, as
 * madvise does for shared or file-backed memory (1), or zeroes again (0). */
void test_purge_keeps_contents(int keep);

/* Sets the three counters above to zero. */
void test_counters_reset(void);

/* ---- clock -------------------------------------------------------------- */

/* Sets the value hak_plat_clock_ms returns from now on (0 at start). The
 * core expects a monotonic clock: a test only moves it forward within one
 * arena's life. */
void test_clock_set(uint64_t ms);

/* The value hak_plat_clock_ms returns now. */
uint64_t test_clock_get(void);

/* ---- recovery from faults ------------------------------------------------
 * A recovery point is a buffer of TEST_JMP_WORDS words filled by
 * TEST_SETJMP. While one is armed, hak_plat_panic disarms it and jumps
 * there with TEST_LONGJMP instead of stopping the program, so a test can
 * check that a bad input was reported and go on.
 *
 * By default these are GCC's __builtin_setjmp / __builtin_longjmp (five
 * words), which GCC offers on every target; clang offers them on a few
 * only (x86, PowerPC, SystemZ: not aarch64 or riscv64). A port that
 * lacks them compiles the tests with -DTEST_JMP_HEADER='"its_jmp.h"', a
 * header defining all three with its own pair (TEST_SETJMP(buf) returns 0
 * when it arms, nonzero when jumped to; TEST_LONGJMP(buf) never returns). */
#ifdef TEST_JMP_HEADER
#include TEST_JMP_HEADER
#endif
#ifndef TEST_SETJMP
#define TEST_JMP_WORDS 5
#define TEST_SETJMP(buf) __builtin_setjmp(buf)
#define TEST_LONGJMP(buf) __builtin_longjmp((buf), 1)
#endif

/* After such a jump the core may have been in the middle of an operation,
 * holding a lock: the arena it worked on must not be used again
 * (recreating an arena over the same region is fine). With no point
 * armed, hak_plat_panic stops the program (host: abort()).
 *
 * Arms `point` (NULL disarms) and returns the point armed before, so that
 * nested users (the harness around each test, EXPECT_FAULT inside it) can
 * restore it. */
void **test_recovery_swap(void **point);

/* hak_plat_panic calls since start (never reset: a debugging aid). */
uint64_t test_panic_calls(void);

#endif /* HAKMEM_TEST_PLATFORM_H */
