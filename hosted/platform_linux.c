/* platform_linux.c - the platform contract (platform/platform.h) on Linux. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "../platform/platform.h"
#include "hosted.h"

int hak_plat_purge(void *p, size_t size)
{
    return madvise(p, size, MADV_DONTNEED) == 0;
}

void hak_plat_lock_wait(atomic_int *word, int value, int may_block)
{
    if (!may_block) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield");
#endif
        return;
    }
    /* Sleeps while *word == value; EAGAIN (changed) and EINTR just return. */
    int saved = errno;
    syscall(SYS_futex, (int *)word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
    errno = saved;
}

void hak_plat_lock_wake(atomic_int *word, int all)
{
    int saved = errno;
    syscall(SYS_futex, (int *)word, FUTEX_WAKE_PRIVATE, all ? INT_MAX : 1, NULL, NULL, 0);
    errno = saved;
}

void hak_plat_write(const char *text, size_t n)
{
    int saved = errno;
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, text, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        text += w;
        n -= (size_t)w;
    }
    errno = saved;
}

void hak_plat_panic(void)
{
    hak_hosted_tool_fault();
    abort();
}

void hak_plat_out_of_memory(void)
{
    errno = ENOMEM;
}

uint64_t hak_plat_clock_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t hak_plat_entropy(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != (ssize_t)sizeof v) {
        uint64_t t = (uint64_t)(uintptr_t)&v;
#if defined(__x86_64__)
        t ^= __builtin_ia32_rdtsc();
#endif
        v = t * 0x9e3779b97f4a7c15ull;
    }
    return v;
}
