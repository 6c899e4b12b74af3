/*
 * platform.h - the contract every hakmem port implements.
 *
 * The core (core/) calls only the functions declared here and freestanding C
 * headers. A port (hosted/ for Linux, freestanding/ for bare metal) defines
 * each of them. The current thread's or CPU's cache is chosen by the port,
 * which passes it to the core explicitly; so are the heap and any pinning
 * (interrupts off on bare metal, nothing on a hosted thread).
 *
 * Every function may be called with no hakmem lock held and with core locks
 * held; none may call back into hakmem.
 */
#ifndef HAKMEM_PLATFORM_H
#define HAKMEM_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Reserves `size` bytes of address space aligned to `align` (a power of two,
 * at least 4096), readable and writable, reading as zero until written.
 * Memory may be committed lazily on first touch. Returns NULL when the
 * platform cannot provide the range (the core then tries a smaller size). */
void *hak_plat_reserve(size_t size, size_t align);

/* Returns a range obtained from hak_plat_reserve (whole, same size). */
void hak_plat_release(void *base, size_t size);

/* Tells the platform that the page-aligned range [p, p + size) inside a
 * reservation holds no data: it may drop the backing memory. The range stays
 * usable and reads as zero afterwards. Returns 1 if the memory now reads as
 * zero, 0 if the platform kept the old contents (a no-op port). */
int hak_plat_purge(void *p, size_t size);

/* Called by a waiter spinning on a core lock, `spins` being how many times it
 * has already waited. Short waits should pause the CPU; long ones may yield. */
void hak_plat_lock_wait(unsigned spins);

/* Writes n bytes of text to the platform's diagnostic output (stderr, UART).
 * Must not allocate. Partial writes are the platform's concern. */
void hak_plat_write(const char *text, size_t n);

/* Stops the program after a fatal fault that was already reported with
 * hak_plat_write (hosted: abort(), so a core dump shows the caller). */
_Noreturn void hak_plat_panic(void);

/* Returns a monotonic time in milliseconds (any origin), or 0 when the
 * platform has no clock. Called on the arena's slow paths only. */
uint64_t hak_plat_clock_ms(void);

/* Returns 64 bits of entropy for the keys that encode free lists and block
 * headers. A port without entropy may return a fixed value (weaker hardening,
 * same correctness). */
uint64_t hak_plat_entropy(void);

#endif /* HAKMEM_PLATFORM_H */
