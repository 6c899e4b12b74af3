/*
 * api.c - the image's malloc family on every CPU at once: sizes from 0 to
 * large, usable sizes, alignment, calloc zeroing and overflow, realloc
 * keeping content, aligned_alloc and posix_memalign, bad arguments.
 */
#include "fs_test.h"

#define CHECK(cond, ...) do { if (!(cond)) { fs_fail(__VA_ARGS__); return; } } while (0)

static void sizes(void)
{
    void *zero1 = malloc(0), *zero2 = malloc(0);
    CHECK(zero1 && zero2 && zero1 != zero2 && !((uintptr_t)zero1 & 15u),
          "malloc(0) gave %p and %p", zero1, zero2);
    free(zero1);
    free(zero2);
    free(0);
    CHECK(malloc_usable_size(0) == 0, "malloc_usable_size(NULL) != 0");
    for (size_t n = 1; n <= 300000u; n += n < 64 ? 1u : n / 7u) {
        uint8_t *p = malloc(n);
        CHECK(p && !((uintptr_t)p & 15u), "malloc(%zu) gave %p", n, (void *)p);
        size_t u = malloc_usable_size(p);
        CHECK(u >= n, "malloc_usable_size of a %zu-byte block is %zu", n, u);
        fs_fill(p, u, n);
        CHECK(fs_check(p, u, n) < 0, "block of %zu bytes does not keep its pattern", n);
        free(p);
    }
}

static void zeroing(void)
{
    CHECK(calloc((size_t)1 << 40, (size_t)1 << 40) == 0, "calloc overflow not refused");
    CHECK(reallocarray(0, (size_t)1 << 40, (size_t)1 << 40) == 0,
          "reallocarray overflow not refused");
    static const size_t ns[] = { 1, 100, 1000, 5000, 40000, 200000 };
    for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        size_t n = ns[i];
        /* Dirty a block of the same size first, so that calloc may get it. */
        uint8_t *d = malloc(n);
        CHECK(d, "malloc(%zu) failed", n);
        __builtin_memset(d, 0xa5, n);
        free(d);
        uint8_t *p = calloc(n, 1);
        CHECK(p, "calloc(%zu, 1) failed", n);
        for (size_t k = 0; k < n; k++)
            CHECK(p[k] == 0, "calloc(%zu, 1): byte %zu is %u", n, k, p[k]);
        free(p);
    }
}

static void resizing(void)
{
    static const size_t steps[] = { 10, 100, 5000, 100000, 300000, 40, 3000, 1 };
    uint8_t *p = realloc(0, 1);
    CHECK(p, "realloc(NULL, 1) failed");
    p[0] = 0x11;
    size_t have = 1;
    for (unsigned i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        size_t n = steps[i];
        uint8_t *q = realloc(p, n);
        CHECK(q, "realloc to %zu failed", n);
        size_t keep = have < n ? have : n;
        for (size_t k = 0; k < keep; k++)
            CHECK(q[k] == (uint8_t)(0x11 + k * 7u), "realloc to %zu lost byte %zu", n, k);
        for (size_t k = 0; k < n; k++)
            q[k] = (uint8_t)(0x11 + k * 7u);
        p = q;
        have = n;
    }
    CHECK(realloc(p, 0) == 0, "realloc(p, 0) did not return NULL");
}

static void alignment(void)
{
    for (size_t a = 1; a <= ((size_t)1 << 20); a <<= 1) {
        static const size_t ns[] = { 1, 24, 1000, 40000 };
        for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; i++) {
            uint8_t *p = aligned_alloc(a, ns[i]);
            CHECK(p && ((uintptr_t)p & (a - 1u)) == 0 && ((uintptr_t)p & 15u) == 0,
                  "aligned_alloc(%zu, %zu) gave %p", a, ns[i], (void *)p);
            CHECK(malloc_usable_size(p) >= ns[i], "aligned block of %zu too small", ns[i]);
            __builtin_memset(p, 0x5a, ns[i]);
            free(p);
        }
    }
    CHECK(aligned_alloc(24, 10) == 0, "aligned_alloc(24, 10) did not fail");
    CHECK(aligned_alloc(0, 10) == 0, "aligned_alloc(0, 10) did not fail");
    void *p = 0;
    CHECK(posix_memalign(&p, 12, 4) == FS_EINVAL && !p, "posix_memalign(12) not EINVAL");
    CHECK(posix_memalign(&p, 4096, 4) == 0 && p && !((uintptr_t)p & 4095u),
          "posix_memalign(4096) failed");
    free(p);
}

void fs_test_api(unsigned cpu)
{
    sizes();
    zeroing();
    resizing();
    alignment();
    if (cpu == 0)
        fs_detail("malloc/calloc/realloc/aligned_alloc/posix_memalign on %u cpus at once",
                  (unsigned)FS_NCPUS);
}
