/*
 * mem.c - memcpy, memset, memmove and memcmp for the image (the compiler
 * emits calls to them even with -fno-builtin, and the core uses them).
 *
 * Word loops where source and destination share their alignment, bytes
 * elsewhere: no unaligned access (aarch64 runs with -mstrict-align while
 * its MMU is off). freestanding.mk builds this file with -fno-builtin and
 * checks that its object calls nothing, so a loop the compiler would turn
 * back into a call to itself is caught at build time.
 */
#include <stddef.h>
#include <stdint.h>

typedef uintptr_t word_t;
#define WORD sizeof(word_t)
#define ALIGNED(p) (((uintptr_t)(p) & (WORD - 1u)) == 0)

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Copies n bytes upwards; safe for overlap when dst <= src. */
static void copy_up(unsigned char *d, const unsigned char *s, size_t n)
{
    if ((((uintptr_t)d ^ (uintptr_t)s) & (WORD - 1u)) == 0) {
        while (n && !ALIGNED(d)) {
            *d++ = *s++;
            n--;
        }
        for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
            *(word_t *)(void *)d = *(const word_t *)(const void *)s;
    }
    while (n--)
        *d++ = *s++;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    copy_up(dst, src, n);
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if ((uintptr_t)d - (uintptr_t)s >= n) { /* d before s, or no overlap */
        copy_up(d, s, n);
        return dst;
    }
    /* d lies inside [s, s + n): copy from the end. */
    d += n;
    s += n;
    if ((((uintptr_t)d ^ (uintptr_t)s) & (WORD - 1u)) == 0) {
        while (n && !ALIGNED(d)) {
            *--d = *--s;
            n--;
        }
        for (; n >= WORD; n -= WORD) {
            d -= WORD;
            s -= WORD;
            *(word_t *)(void *)d = *(const word_t *)(const void *)s;
        }
    }
    while (n--)
        *--d = *--s;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    unsigned char b = (unsigned char)c;
    while (n && !ALIGNED(d)) {
        *d++ = b;
        n--;
    }
    word_t w = (word_t)-1 / 255u * b; /* b in every byte */
    for (; n >= WORD; n -= WORD, d += WORD)
        *(word_t *)(void *)d = w;
    while (n--)
        *d++ = b;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}
