/*
 * fuzz_heap.c - libFuzzer target: random sequences of the hak_ API checked
 * against a shadow model (tests/sh/fuzz.sh builds and runs it; the hakmem
 * sources are compiled with coverage and ASan, see tests/hardening.mk).
 *
 * Proves, for any input: malloc, calloc, realloc, reallocarray,
 * aligned_alloc, posix_memalign, free, usable_size, trim and limit_set over
 * sizes 0..~300 KiB and alignments 1..64 KiB return blocks that are aligned
 * as asked, at least as large as asked, zeroed by calloc, keep their content
 * (a per-block fill pattern, checked in full) while live and across realloc,
 * fail only with a cap set (hak_limit_set) and then with ENOMEM / EINVAL and
 * the old block intact; hakmem never reads or writes a live block's user
 * bytes (they stay ASan-poisoned between operations), and hak_check() holds
 * after every input. Any violation aborts, which libFuzzer reports as a
 * crash with the input saved.
 *
 * Input: a sequence of records; each starts with an opcode byte, then a slot
 * byte and the operands the opcode reads (see run_op); a short tail is
 * padded with zeros.
 */
#include <errno.h>
#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hakmem.h"

#define SLOTS 32
#define MAX_SIZE (300u << 10)

typedef struct slot {
    unsigned char *p;
    size_t n;
    uint8_t seed;
} slot_t;

static slot_t slots[SLOTS];
static int limited; /* a cap is set: NULL with ENOMEM is allowed */

typedef struct reader {
    const uint8_t *d;
    size_t n, at;
} reader_t;

static unsigned get8(reader_t *r)
{
    return r->at < r->n ? r->d[r->at++] : 0u;
}

static unsigned get16(reader_t *r)
{
    unsigned lo = get8(r);
    return lo | (get8(r) << 8);
}

static size_t get_size(reader_t *r)
{
    unsigned kind = get8(r);
    switch (kind & 3u) {
    case 0:
        return kind >> 2;                              /* 0..63 */
    case 1:
        return get16(r) % 1040u;                       /* small */
    case 2:
        return get16(r) % 32784u + (kind & 4u ? 1024u : 0u); /* mid */
    default: {
        size_t v = get16(r) | ((size_t)get8(r) << 16);
        return v % (MAX_SIZE + 1u);                    /* up to 300 KiB */
    }
    }
}

#define DIE(...)                                                                 \
    do {                                                                         \
        fprintf(stderr, "fuzz_heap: " __VA_ARGS__);                              \
        fputc('\n', stderr);                                                     \
        abort();                                                                 \
    } while (0)

/* The content loops are not coverage-instrumented (they hold no decisions
 * worth exploring and would dominate the run time) and work a word at a
 * time; they stay ASan-instrumented, so filling a block that overlaps
 * another live (poisoned) block is reported at once. Byte i of a block is
 * byte i % 8 of word(seed, i / 8). */
#define NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))

static uint64_t word(uint8_t seed, size_t k)
{
    return (((uint64_t)seed + 1u) * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)(k + 1u) * 0xd6e8feb86659fd93ull);
}

static unsigned char pat(uint8_t seed, size_t i)
{
    return (unsigned char)(word(seed, i >> 3) >> ((i & 7u) * 8u));
}

NO_COVERAGE static void fill(slot_t *s)
{
    size_t words = s->n >> 3;
    for (size_t k = 0; k < words; k++) {
        uint64_t w = word(s->seed, k);
        __builtin_memcpy(s->p + 8 * k, &w, 8);
    }
    for (size_t i = words << 3; i < s->n; i++)
        s->p[i] = pat(s->seed, i);
}

/* Checks bytes [0, upto) of s against its pattern. */
NO_COVERAGE static void verify(const slot_t *s, size_t upto)
{
    size_t words = upto >> 3, i = 0;
    for (size_t k = 0; k < words; k++) {
        uint64_t w;
        __builtin_memcpy(&w, s->p + 8 * k, 8);
        if (w != word(s->seed, k)) {
            i = 8 * k;
            goto bad;
        }
    }
    for (i = words << 3; i < upto; i++)
        if (s->p[i] != pat(s->seed, i))
            goto bad;
    return;
bad:
    while (s->p[i] == pat(s->seed, i))
        i++;
    DIE("block %p (%zu bytes) byte %zu is 0x%02x, expected 0x%02x", (void *)s->p, s->n, i, s->p[i],
        pat(s->seed, i));
}

NO_COVERAGE static size_t first_nonzero(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] == 0)
        i++;
    return i;
}

/* Live user bytes are poisoned between operations: hakmem must not touch
 * them (the header byte before the block is not part of the range). */
static void hold(slot_t *s)
{
    ASAN_POISON_MEMORY_REGION(s->p, s->n & ~(size_t)7);
}

static void touch(slot_t *s)
{
    ASAN_UNPOISON_MEMORY_REGION(s->p, s->n);
}

static void check_new(const void *p, size_t n, size_t align, const char *what)
{
    if ((uintptr_t)p & (align - 1u))
        DIE("%s(%zu) = %p not aligned to %zu", what, n, p, align);
    size_t u = hak_usable_size(p);
    if (u < n)
        DIE("%s(%zu): usable size %zu", what, n, u);
}

/* A NULL result is allowed only under a cap, with errno (or rc) ENOMEM. */
static void null_ok(int err, const char *what, size_t n)
{
    if (!limited || err != ENOMEM)
        DIE("%s(%zu) failed (errno %d) without a cap", what, n, err);
}

static void release(slot_t *s)
{
    if (!s->p)
        return;
    touch(s);
    verify(s, s->n);
    hak_free(s->p);
    s->p = NULL;
}

static void install(slot_t *s, unsigned char *p, size_t n, uint8_t seed)
{
    s->p = p;
    s->n = n;
    s->seed = seed;
    fill(s);
    hold(s);
}

static void run_op(reader_t *r)
{
    unsigned op = get8(r) % 11u;
    slot_t *s = &slots[get8(r) % SLOTS];
    uint8_t seed = (uint8_t)r->at;
    switch (op) {
    case 0: { /* malloc */
        size_t n = get_size(r);
        release(s);
        errno = 0;
        unsigned char *p = hak_malloc(n);
        if (!p) {
            null_ok(errno, "malloc", n);
            return;
        }
        check_new(p, n, 16, "malloc");
        install(s, p, n, seed);
        return;
    }
    case 1: { /* calloc */
        size_t count = 1u + get8(r) % 8u, n = get_size(r) / count, total = count * n;
        release(s);
        errno = 0;
        unsigned char *p = hak_calloc(count, n);
        if (!p) {
            null_ok(errno, "calloc", total);
            return;
        }
        check_new(p, total, 16, "calloc");
        size_t nz = first_nonzero(p, total);
        if (nz < total)
            DIE("calloc(%zu, %zu) byte %zu = 0x%02x", count, n, nz, p[nz]);
        install(s, p, total, seed);
        return;
    }
    case 2:   /* realloc */
    case 3: { /* reallocarray */
        size_t n = get_size(r);
        if (s->p) {
            touch(s);
            verify(s, s->n);
        }
        errno = 0;
        unsigned char *q = op == 2 ? hak_realloc(s->p, n) : hak_reallocarray(s->p, 1, n);
        if (s->p && n == 0) { /* realloc(p, 0) frees p, returns NULL */
            if (q)
                DIE("realloc(p, 0) returned %p", (void *)q);
            s->p = NULL;
            return;
        }
        if (!q) {
            null_ok(errno, "realloc", n);
            if (s->p) { /* the old block must be intact */
                verify(s, s->n);
                hold(s);
            }
            return;
        }
        check_new(q, n, 16, "realloc");
        if (s->p) {
            slot_t old = { q, s->n, s->seed };
            verify(&old, n < s->n ? n : s->n);
        }
        install(s, q, n, seed);
        return;
    }
    case 4:
    case 5:
        release(s);
        return;
    case 6: { /* aligned_alloc */
        size_t align = (size_t)1 << (get8(r) % 17u), n = get_size(r);
        release(s);
        errno = 0;
        unsigned char *p = hak_aligned_alloc(align, n);
        if (!p) {
            null_ok(errno, "aligned_alloc", n);
            return;
        }
        check_new(p, n, align, "aligned_alloc");
        install(s, p, n, seed);
        return;
    }
    case 7: { /* posix_memalign */
        size_t align = (size_t)8 << (get8(r) % 14u), n = get_size(r);
        release(s);
        void *p = (void *)1;
        int rc = hak_posix_memalign(&p, align, n);
        if (rc) {
            if (p != (void *)1)
                DIE("posix_memalign failed but wrote *out");
            null_ok(rc, "posix_memalign", n);
            return;
        }
        check_new(p, n, align, "posix_memalign");
        install(s, p, n, seed);
        return;
    }
    case 8: /* verify a slot in place */
        if (s->p) {
            touch(s);
            verify(s, s->n);
            check_new(s->p, s->n, 1, "usable_size");
            hold(s);
        }
        return;
    case 9: { /* set or clear a cap: 0, or 1..64 MiB above what is in use */
        unsigned v = get8(r);
        if (v & 1u) {
            hak_stats_t st;
            hak_stats(&st);
            hak_limit_set((size_t)st.committed_bytes + ((size_t)(v >> 1) << 19));
            limited = 1;
        } else {
            hak_limit_set(0);
            limited = 0;
        }
        return;
    }
    default:
        if (get8(r) % 8u == 0)
            hak_trim();
        return;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader_t r = { data, size, 0 };
    while (r.at < r.n)
        run_op(&r);
    for (unsigned k = 0; k < SLOTS; k++)
        release(&slots[k]);
    hak_limit_set(0);
    limited = 0;
    int bad = hak_check();
    if (bad)
        DIE("hak_check() = %d after the input", bad);
    return 0;
}
