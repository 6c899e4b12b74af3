/*
 * fs.h - what the common files of the freestanding port (the .c files of
 * freestanding/) share: the console, spinlocks and the CPU barrier, the
 * default arena and its per-CPU caches, and the image's entry. Written
 * only against arch.h (the target) and the core's headers; nothing here
 * knows the architecture.
 */
#ifndef HAKMEM_FS_H
#define HAKMEM_FS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "arch.h"
#include "../core/heap.h"

/* The target's name in report lines ("riscv64"), set by freestanding.mk. */
#ifndef FS_TARGET_NAME
#define FS_TARGET_NAME "unknown"
#endif

/* ---- Spinlocks and the barrier (sync.c) ----
 * Spinlocks never yield and never sleep: a waiter pauses with
 * fs_cpu_relax. A lock that an interrupt handler may also take must be
 * taken with interrupts off (fs_irq_save) on the calling CPU. */
typedef struct fs_spinlock {
    volatile int held;
} fs_spinlock_t;

void fs_spin_lock(fs_spinlock_t *l);
void fs_spin_unlock(fs_spinlock_t *l);

/* Waits until all FS_NCPUS CPUs have called fs_barrier (each generation
 * of the barrier is used by every CPU once). Interrupts may be on. */
void fs_barrier(void);

/* ---- Console (console.c, format.c) ----
 * Every call writes its whole text under one lock, taken with interrupts
 * off, so lines of different CPUs never interleave and an interrupt
 * handler may print too. */
void fs_console_write(const char *text, size_t n);

/* printf-style formatting without libc: %d %i %u %x %X %c %s %p %% with
 * the flags '-' and '0', a width, and the length modifiers l, ll, z.
 * Always terminates buf (when cap > 0); returns the length written. */
size_t fs_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
size_t fs_snprintf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats one piece of text (at most 255 bytes) and writes it with one
 * fs_console_write. */
void fs_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- The default arena (heap.c) ---- */

/* The region the linker script names for the heap. */
extern char __heap_start[], __heap_end[];

/* Sets the default arena up over [__heap_start, __heap_end). Called once,
 * by CPU 0, before any CPU allocates (the first allocation would set it
 * up otherwise). Returns 0, or -1 when the region cannot hold an arena. */
int fs_heap_boot(void);

/* The default arena, and the calling CPU's cache of it. Use only with
 * interrupts off (the pinning rule: platform/platform.h). */
extern hak_heap_t fs_heap;
hak_tcache_t *fs_cache_here(void);

/* Returns every block the calling CPU's cache holds to the arena (pinned
 * inside). */
void fs_cache_flush(void);

/* Checks the arena's invariants and the calling CPU's cache; returns the
 * number of broken invariants (each reported on the console). 0 when the
 * core was built without its invariant walkers (HAK_WITH_CHECK 0). */
unsigned fs_heap_check(void);

/* Allocations that returned NULL for lack of memory so far
 * (hak_plat_out_of_memory, platform.c). */
uint64_t fs_oom_count(void);

/* ---- The image ----
 * fs_cpu_entry (boot.c) prints a banner on CPU 0, starts the other CPUs
 * and calls fs_image_main on every CPU with interrupts enabled (no source
 * armed). CPU 0's return value is the exit status of the run; the other
 * CPUs park once they return. Each image defines it:
 * freestanding/tests/runner.c for hakmem_test (which boots the default
 * arena), freestanding/core_tests/main.c for core_tests. */
int fs_image_main(unsigned cpu);

#endif /* HAKMEM_FS_H */
