/*
 * arena_bad_input.c - misuse of the hak_arena_ API is reported, never
 * survived silently; bad arguments that need no stop get NULL.
 *
 * Proves, with one forked child per case (malloc IS hakmem here), that each
 * of these stops the process with SIGABRT after exactly ONE line
 * "hakmem: <message>: 0x<ptr>" on stderr, where <message> starts with the
 * call the program made ("hak_arena_free(): ", "free(): ", ...) and
 * contains the expected words, and <ptr> is the pointer (or arena handle)
 * at fault:
 *   - a block of arena A (small, mid, large, aligned) freed into arena B,
 *     and hak_arena_usable_size(B, block of A);
 *   - a block of arena A passed to free(), with A over mmap'd memory and
 *     with A inside a block of the process heap (small and large blocks);
 *   - a process-heap block (malloc) passed to hak_arena_free(A, p);
 *   - pointers into A's region that A never handed out: in a chunk never
 *     used, in a live slab past what was carved, in A's chunk table;
 *   - double frees on an arena (small 64 B, mid 20000 B, large 300000 B,
 *     aligned 4096), hak_arena_realloc of a freed block (small, large; and
 *     to size 0), hak_arena_usable_size of a freed block (small, large);
 *   - a destroyed arena used by hak_arena_malloc and hak_arena_free, a
 *     destroyed arena destroyed again, a never-created and a NULL handle,
 *     and hak_arena_destroy(hak_process_arena()).
 * And, in the parent, that misuse needing no stop is answered with NULL and
 * leaves the region untouched: hak_arena_create with a NULL or misaligned
 * base, a region one byte below HAK_ARENA_MIN_SIZE, unknown flag bits, a
 * region that wraps around the address space, purge_low > purge_high;
 * hak_arena_aligned_alloc with alignments 24, 0 and 3; hak_arena_calloc
 * whose product overflows; impossible sizes. A 1 MiB arena filled with
 * small, mid and large blocks until NULL reports errno ENOMEM (calloc,
 * aligned_alloc and realloc too, a failing realloc keeps its block), keeps
 * every live block intact, passes hak_arena_check, frees everything, and
 * allocates again (at least 90 % of the first fill); in_use_bytes is 0 at
 * the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hakmem.h"
#include "fault_child.h"

/* This file misuses memory on purpose. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuse-after-free"
#pragma GCC diagnostic ignored "-Wfree-nonheap-object"
#endif

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define REGION (4 * MiB)

/* ---- helpers ----------------------------------------------------------- */

static void *opaque(void *p) /* hides provenance from the optimiser */
{
    __asm__ volatile("" : "+r"(p));
    return p;
}

static size_t hide(size_t v) /* keeps -Walloc-size-larger-than quiet */
{
    __asm__ volatile("" : "+r"(v));
    return v;
}

/* A zeroed region of `len` bytes from mmap, aligned to 64 KiB (so that the
 * arena's last chunk ends where the region ends). */
static unsigned char *map_region(size_t len)
{
    size_t extra = 64 * KiB;
    unsigned char *m = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED, "mmap of a %zu byte region", len);
    uintptr_t at = ((uintptr_t)m + extra - 1u) & ~(uintptr_t)(extra - 1u);
    return (unsigned char *)at;
}

static hak_arena_t *mapped_arena(unsigned char **region_out)
{
    unsigned char *r = map_region(REGION);
    hak_arena_t *a = hak_arena_create(r, REGION, HAK_ARENA_ZEROED | HAK_ARENA_PURGEABLE);
    CHECK(a != NULL, "hak_arena_create over mmap'd memory");
    if (region_out)
        *region_out = r;
    return a;
}

/* ---- child side -------------------------------------------------------- */

/* Tells the parent which pointer the fault line must name. */
static void expect_ptr(const void *p)
{
    char line[64];
    int n = snprintf(line, sizeof line, "EXPECT-PTR 0x%" PRIxPTR "\n", (uintptr_t)p);
    if (write(2, line, (size_t)n) < 0)
        _exit(5);
}

static void *arena_block(hak_arena_t *a, size_t n)
{
    void *p = hak_arena_malloc(a, n);
    if (!p) {
        note("setup: hak_arena_malloc failed\n");
        _exit(4);
    }
    memset(p, 0x5a, n);
    return p;
}

static void free_into_other(size_t n)
{
    hak_arena_t *a = mapped_arena(NULL), *b = mapped_arena(NULL);
    void *p = arena_block(a, n);
    arena_block(b, n); /* B has a live block of the same class */
    expect_ptr(p);
    hak_arena_free(b, opaque(p));
}

static void c_other_arena_small(void) { free_into_other(64); }
static void c_other_arena_mid(void) { free_into_other(20000); }
static void c_other_arena_large(void) { free_into_other(300000); }

static void c_other_arena_aligned(void)
{
    hak_arena_t *a = mapped_arena(NULL), *b = mapped_arena(NULL);
    void *p = hak_arena_aligned_alloc(a, 256, 1000);
    if (!p || ((uintptr_t)p & 255u))
        _exit(4);
    expect_ptr(p);
    hak_arena_free(b, opaque(p));
}

static void c_other_arena_usable_size(void)
{
    hak_arena_t *a = mapped_arena(NULL), *b = mapped_arena(NULL);
    void *p = arena_block(a, 100);
    expect_ptr(p);
    hak_arena_usable_size(b, opaque(p));
}

static void c_arena_block_to_free(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    void *p = arena_block(a, 64);
    expect_ptr(p);
    free(opaque(p));
}

static void c_arena_large_block_to_free(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    void *p = arena_block(a, 300000);
    expect_ptr(p);
    free(opaque(p));
}

/* The arena's region is itself a block of the process heap, so the block's
 * address passes the heap's range test: its header and slab must tell. */
static hak_arena_t *nested_arena(void)
{
    void *buf = malloc(REGION);
    if (!buf)
        _exit(4);
    hak_arena_t *a = hak_arena_create(buf, REGION, 0);
    if (!a) {
        note("setup: hak_arena_create over a malloc'd buffer failed\n");
        _exit(4);
    }
    return a;
}

static void c_nested_small_to_free(void)
{
    hak_arena_t *a = nested_arena();
    void *p = arena_block(a, 64);
    expect_ptr(p);
    free(opaque(p));
}

static void c_nested_mid_to_free(void)
{
    hak_arena_t *a = nested_arena();
    void *p = arena_block(a, 20000);
    expect_ptr(p);
    free(opaque(p));
}

static void c_nested_large_to_free(void)
{
    hak_arena_t *a = nested_arena();
    void *p = arena_block(a, 300000);
    expect_ptr(p);
    free(opaque(p));
}

static void c_heap_block_to_arena(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    arena_block(a, 64);
    void *p = malloc(64);
    memset(p, 1, 64);
    expect_ptr(p);
    hak_arena_free(a, opaque(p));
}

static void c_heap_large_block_to_arena(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    void *p = malloc(300000);
    memset(p, 1, 300000);
    expect_ptr(p);
    hak_arena_free(a, opaque(p));
}

static void c_never_handed_out_chunk(void)
{
    unsigned char *r;
    hak_arena_t *a = mapped_arena(&r);
    arena_block(a, 64);
    unsigned char *p = r + REGION - 32 * KiB; /* in the last chunk, never used */
    expect_ptr(p);
    hak_arena_free(a, opaque(p));
}

static void c_never_handed_out_in_slab(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    unsigned char *p = arena_block(a, 64);
    unsigned char *q = p + 80 * 400; /* a block boundary of the class, never carved */
    expect_ptr(q);
    hak_arena_free(a, opaque(q));
}

static void c_never_handed_out_table(void)
{
    unsigned char *r;
    hak_arena_t *a = mapped_arena(&r);
    arena_block(a, 64);
    unsigned char *p = (unsigned char *)a + 4096; /* the arena's own metadata */
    expect_ptr(p);
    hak_arena_free(a, opaque(p));
}

/* A block of n bytes of arena a, freed, as the pointer the fault must
 * name (expect_ptr); a second block keeps the slab in use. */
static void *freed_block(hak_arena_t *a, size_t n)
{
    arena_block(a, n);
    void *p = arena_block(a, n);
    hak_arena_free(a, p);
    expect_ptr(p);
    return opaque(p);
}

static void double_free(size_t n)
{
    hak_arena_t *a = mapped_arena(NULL);
    hak_arena_free(a, freed_block(a, n));
}

static void c_double_free_small(void) { double_free(64); }
static void c_double_free_mid(void) { double_free(20000); }
static void c_double_free_large(void) { double_free(300000); }

static void c_double_free_aligned(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    void *p = hak_arena_aligned_alloc(a, 4096, 100);
    if (!p || ((uintptr_t)p & 4095u))
        _exit(4);
    hak_arena_free(a, p);
    expect_ptr(p);
    hak_arena_free(a, opaque(p));
}

static void realloc_freed(size_t n)
{
    hak_arena_t *a = mapped_arena(NULL);
    hak_arena_realloc(a, freed_block(a, n), n * 2);
}

static void c_realloc_freed_small(void) { realloc_freed(64); }
static void c_realloc_freed_large(void) { realloc_freed(300000); }

static void c_realloc_zero_freed(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    hak_arena_realloc(a, freed_block(a, 64), 0);
}

static void usable_size_freed(size_t n)
{
    hak_arena_t *a = mapped_arena(NULL);
    hak_arena_usable_size(a, freed_block(a, n));
}

static void c_usable_size_freed_small(void) { usable_size_freed(64); }
static void c_usable_size_freed_large(void) { usable_size_freed(300000); }

static void c_destroyed_malloc(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    arena_block(a, 64);
    hak_arena_destroy(a);
    expect_ptr(a);
    hak_arena_malloc(opaque(a), 64);
}

static void c_destroyed_free(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    void *p = arena_block(a, 64);
    hak_arena_destroy(a);
    expect_ptr(a);
    hak_arena_free(opaque(a), p);
}

static void c_destroyed_twice(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    hak_arena_destroy(a);
    expect_ptr(a);
    hak_arena_destroy(opaque(a));
}

static void c_never_created(void)
{
    static unsigned char fake[4096] __attribute__((aligned(64)));
    expect_ptr(fake);
    hak_arena_malloc(opaque(fake), 64);
}

static void c_null_arena(void)
{
    expect_ptr(NULL);
    hak_arena_malloc(opaque(NULL), 64);
}

static void c_destroy_process_arena(void)
{
    hak_arena_t *h = hak_process_arena();
    if (!h)
        _exit(4);
    expect_ptr(h);
    hak_arena_destroy(opaque(h));
}

typedef struct bad_case {
    const char *name;
    void (*run)(void);
    const char *expect1, *expect2; /* the message contains one of them */
    const char *call;              /* and starts "<call>(): " */
} bad_case_t;

static const bad_case_t cases[] = {
    { "A's small block freed into B", c_other_arena_small, "not in this arena", NULL, "hak_arena_free" },
    { "A's mid block freed into B", c_other_arena_mid, "not in this arena", NULL, "hak_arena_free" },
    { "A's large block freed into B", c_other_arena_large, "not in this arena", NULL, "hak_arena_free" },
    { "A's aligned block freed into B", c_other_arena_aligned, "not in this arena", NULL, "hak_arena_free" },
    { "usable size of A's block asked of B", c_other_arena_usable_size, "not in this arena", NULL, "hak_arena_usable_size" },
    { "A's small block (mmap'd A) to free()", c_arena_block_to_free, "not allocated by hakmem", NULL, "free" },
    { "A's large block (mmap'd A) to free()", c_arena_large_block_to_free, "not allocated by hakmem", NULL, "free" },
    { "A's small block (A in a malloc block) to free()", c_nested_small_to_free, "invalid pointer", NULL, "free" },
    { "A's mid block (A in a malloc block) to free()", c_nested_mid_to_free, "invalid pointer", NULL, "free" },
    { "A's large block (A in a malloc block) to free()", c_nested_large_to_free, "invalid pointer", NULL, "free" },
    { "malloc block to hak_arena_free(A)", c_heap_block_to_arena, "not in this arena", NULL, "hak_arena_free" },
    { "large malloc block to hak_arena_free(A)", c_heap_large_block_to_arena, "not in this arena", NULL, "hak_arena_free" },
    { "A's address in a chunk never used", c_never_handed_out_chunk, "invalid pointer", NULL, "hak_arena_free" },
    { "A's address in a slab, never carved", c_never_handed_out_in_slab, "invalid pointer", NULL, "hak_arena_free" },
    { "A's address in its own metadata", c_never_handed_out_table, "not allocated by hakmem", NULL, "hak_arena_free" },
    { "double free on an arena, small 64", c_double_free_small, "double free", NULL, "hak_arena_free" },
    { "double free on an arena, mid 20000", c_double_free_mid, "double free", NULL, "hak_arena_free" },
    { "double free on an arena, large 300000", c_double_free_large, "double free", NULL, "hak_arena_free" },
    { "double free on an arena, aligned 4096", c_double_free_aligned, "double free", NULL, "hak_arena_free" },
    { "hak_arena_realloc of a freed block, small", c_realloc_freed_small, "invalid pointer", "double free", "hak_arena_realloc" },
    { "hak_arena_realloc of a freed block, large", c_realloc_freed_large, "invalid pointer", "double free", "hak_arena_realloc" },
    { "hak_arena_realloc to size 0 of a freed block", c_realloc_zero_freed, "double free", NULL, "hak_arena_realloc" },
    { "hak_arena_usable_size of a freed block, small", c_usable_size_freed_small, "invalid pointer", NULL,
      "hak_arena_usable_size" },
    { "hak_arena_usable_size of a freed block, large", c_usable_size_freed_large, "invalid pointer", NULL,
      "hak_arena_usable_size" },
    { "hak_arena_malloc on a destroyed arena", c_destroyed_malloc, "not a live arena", NULL, "hak_arena_malloc" },
    { "hak_arena_free on a destroyed arena", c_destroyed_free, "not a live arena", NULL, "hak_arena_free" },
    { "hak_arena_destroy twice", c_destroyed_twice, "not a live arena", NULL, "hak_arena_destroy" },
    { "hak_arena_malloc on a never-created arena", c_never_created, "not a live arena", NULL, "hak_arena_malloc" },
    { "hak_arena_malloc on a NULL arena", c_null_arena, "not a live arena", NULL, "hak_arena_malloc" },
    { "hak_arena_destroy(hak_process_arena())", c_destroy_process_arena, "not an arena from hak_arena_create", NULL, "hak_arena_destroy" },
};

/* ---- parent side: run and judge ---------------------------------------- */

static void judge(const bad_case_t *c, const result_t *r)
{
    char msg[256] = "", why[512];
    uintptr_t named = 0, want = 0;
    const char *bad = fault_verdict(r, c->expect1, c->expect2, msg, sizeof msg, &named, why, sizeof why);
    if (!bad)
        bad = call_verdict(msg, c->call, why, sizeof why);
    if (bad) {
        fail(c->name, bad, r);
        return;
    }
    if (!expected_ptr(r->err, &want) || named != want) {
        snprintf(why, sizeof why, "fault line names 0x%" PRIxPTR ", expected 0x%" PRIxPTR, named,
                 want);
        fail(c->name, why, r);
        return;
    }
    printf("ok   %-50s died: %s\n", c->name, msg);
}

/* ---- parent side: misuse answered with NULL ----------------------------- */

static int untouched(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static void bad_create(void)
{
    unsigned char *r = map_region(REGION);
    memset(r, 0x77, REGION);
    CHECK(hak_arena_create(NULL, REGION, 0) == NULL, "NULL base");
    CHECK(hak_arena_create(NULL, 0, 0) == NULL, "NULL base, length 0");
    CHECK(hak_arena_create(r + 8, REGION - 8, 0) == NULL, "base + 8");
    CHECK(hak_arena_create(r + 1, REGION - 16, 0) == NULL, "base + 1");
    CHECK(hak_arena_create(r, HAK_ARENA_MIN_SIZE - 1, 0) == NULL, "HAK_ARENA_MIN_SIZE - 1");
    CHECK(hak_arena_create(r, 0, 0) == NULL, "length 0");
    CHECK(hak_arena_create(r, REGION, 8u) == NULL, "flag 8");
    CHECK(hak_arena_create(r, REGION, 0x80000000u) == NULL, "flag 1 << 31");
    CHECK(hak_arena_create(r, REGION, HAK_ARENA_ZEROED | 0x100u) == NULL, "ZEROED | 0x100");
    CHECK(hak_arena_create(r, hide(SIZE_MAX), 0) == NULL, "length SIZE_MAX");
    CHECK(hak_arena_create(r, hide(SIZE_MAX - (uintptr_t)r + 4096u), 0) == NULL,
          "region wrapping past the end of the address space");
    CHECK(hak_arena_create((void *)(UINTPTR_MAX & ~(uintptr_t)15), HAK_ARENA_MIN_SIZE, 0) == NULL,
          "base at the top of the address space");
    hak_arena_params_t inverted = { .purge_high = MiB, .purge_low = 2 * MiB, .decay_ms = 10 };
    CHECK(hak_arena_create_ex(r, REGION, HAK_ARENA_PURGEABLE, &inverted) == NULL,
          "purge_low > purge_high");
    CHECK(untouched(r, REGION, 0x77), "a refused hak_arena_create wrote into the region");

    /* the edges that are allowed */
    hak_arena_t *a = hak_arena_create(r + 16, HAK_ARENA_MIN_SIZE, 0);
    CHECK(a != NULL, "base + 16, length HAK_ARENA_MIN_SIZE refused");
    void *p = hak_arena_malloc(a, 1000);
    CHECK(p != NULL, "malloc from a minimum-size arena");
    CHECK((unsigned char *)p >= r + 16 && (unsigned char *)p + 1000 <= r + 16 + HAK_ARENA_MIN_SIZE,
          "block outside the region");
    hak_arena_free(a, p);
    CHECK(hak_arena_check(a) == 0, "check of a minimum-size arena");
    hak_arena_destroy(a);
    CHECK(untouched(r + 16 + HAK_ARENA_MIN_SIZE, REGION - 16 - HAK_ARENA_MIN_SIZE, 0x77),
          "a minimum-size arena wrote past its region");
    munmap(r, REGION);
    printf("ok   %-50s NULL, region untouched\n", "hak_arena_create with bad arguments");
}

static void bad_arguments(void)
{
    hak_arena_t *a = mapped_arena(NULL);
    CHECK(hak_arena_aligned_alloc(a, hide(24), 100) == NULL, "hak_arena_aligned_alloc(24)");
    CHECK(hak_arena_aligned_alloc(a, hide(0), 100) == NULL, "hak_arena_aligned_alloc(0)");
    CHECK(hak_arena_aligned_alloc(a, hide(3), 100) == NULL, "hak_arena_aligned_alloc(3)");
    CHECK(hak_arena_aligned_alloc(a, hide(48), 100) == NULL, "hak_arena_aligned_alloc(48)");
    void *ok = hak_arena_aligned_alloc(a, 32, 100);
    CHECK(ok && ((uintptr_t)ok & 31u) == 0, "hak_arena_aligned_alloc(32)");
    hak_arena_free(a, ok);
    CHECK(hak_arena_calloc(a, hide(SIZE_MAX / 2), 3) == NULL, "hak_arena_calloc overflow");
    CHECK(hak_arena_calloc(a, hide((size_t)1 << 33), (size_t)1 << 33) == NULL,
          "hak_arena_calloc overflow 2");
    errno = 0;
    CHECK(hak_arena_malloc(a, hide(SIZE_MAX)) == NULL && errno == ENOMEM,
          "hak_arena_malloc(SIZE_MAX)");
    errno = 0;
    CHECK(hak_arena_malloc(a, hide(REGION)) == NULL && errno == ENOMEM,
          "hak_arena_malloc(the region's size)");
    errno = 0;
    CHECK(hak_arena_aligned_alloc(a, hide((size_t)1 << 40), 16) == NULL,
          "hak_arena_aligned_alloc(1 TiB alignment)");
    hak_arena_free(a, NULL);
    CHECK(hak_arena_usable_size(a, NULL) == 0, "hak_arena_usable_size(NULL)");
    unsigned char *p = hak_arena_realloc(a, NULL, 100);
    CHECK(p != NULL, "hak_arena_realloc(NULL, 100)");
    memset(p, 0x33, 100);
    errno = 0;
    CHECK(hak_arena_realloc(a, p, hide(SIZE_MAX - 100)) == NULL, "hak_arena_realloc(huge)");
    CHECK(untouched(p, 100, 0x33), "a failed hak_arena_realloc changed the block");
    CHECK(hak_arena_realloc(a, p, 0) == NULL, "hak_arena_realloc(p, 0) frees");
    CHECK(hak_arena_check(a) == 0, "check after the bad arguments");
    hak_arena_stats_t st;
    CHECK(hak_arena_stats(a, NULL) == -1, "hak_arena_stats(a, NULL)");
    CHECK(hak_arena_stats(a, &st) == 0 && st.in_use_bytes == 0, "in use after the bad arguments: %llu",
          (unsigned long long)st.in_use_bytes);
    hak_arena_destroy(a);
    printf("ok   %-50s NULL, no stop\n", "bad alignments, overflowing calloc, huge sizes");
}

/* ---- exhaustion of a 1 MiB arena ------------------------------------- */

#define SMALL_ARENA MiB
#define MAX_BLOCKS 20000

static void fill_pattern(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 13u);
}

static int pattern_ok(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 13u))
            return 0;
    return 1;
}

/* Allocates `size` blocks from a until NULL (checking errno); returns the
 * count. */
static size_t fill_arena(hak_arena_t *a, unsigned char **t, size_t size)
{
    size_t n = 0;
    for (;;) {
        CHECK(n < MAX_BLOCKS, "more than %d blocks of %zu bytes in a 1 MiB arena", MAX_BLOCKS,
              size);
        errno = 0;
        unsigned char *p = hak_arena_malloc(a, size);
        if (!p) {
            CHECK(errno == ENOMEM, "hak_arena_malloc(%zu) failed with errno %d, expected ENOMEM",
                  size, errno);
            return n;
        }
        fill_pattern(p, size, (unsigned)n);
        t[n++] = p;
    }
}

static void exhaustion(void)
{
    static unsigned char *t[MAX_BLOCKS];
    unsigned char *r = map_region(SMALL_ARENA);
    hak_arena_t *a = hak_arena_create(r, SMALL_ARENA, 0);
    CHECK(a != NULL, "1 MiB arena");
    unsigned char *kept = hak_arena_malloc(a, 5000);
    CHECK(kept != NULL, "first block of the 1 MiB arena");
    fill_pattern(kept, 5000, 5000);

    static const size_t sizes[] = { 64, 20000, 300000, 64 };
    static const char *names[] = { "small 64", "mid 20000", "large 300000", "small again" };
    for (int k = 0; k < 4; k++) {
        size_t size = sizes[k];
        size_t n = fill_arena(a, t, size);
        if (n == 0) {
            /* everything but `kept` was freed: the arena must serve it */
            hak_arena_stats_t st;
            hak_arena_stats(a, &st);
            printf("FAIL %s: hak_arena_malloc(%zu) = NULL/ENOMEM with every earlier block freed "
                   "(one 5000 B block live): in use %llu KiB, free %llu KiB, %llu slabs holding "
                   "%llu KiB\n",
                   names[k], size, (unsigned long long)(st.in_use_bytes >> 10),
                   (unsigned long long)(st.free_bytes >> 10), (unsigned long long)st.slabs,
                   (unsigned long long)(st.slab_bytes >> 10));
            failures++;
            continue;
        }
        for (int i = 0; i < 20; i++) {
            errno = 0;
            CHECK(hak_arena_malloc(a, size) == NULL && errno == ENOMEM, "%s: repeated failure",
                  names[k]);
        }
        /* every entry point fails the same way (sizes above what is left) */
        errno = 0;
        CHECK(hak_arena_calloc(a, 1, 400000) == NULL && errno == ENOMEM, "%s: calloc", names[k]);
        errno = 0;
        CHECK(hak_arena_aligned_alloc(a, 4096, 400000) == NULL && errno == ENOMEM,
              "%s: aligned_alloc", names[k]);
        errno = 0;
        CHECK(hak_arena_realloc(a, kept, 400000) == NULL && errno == ENOMEM, "%s: realloc",
              names[k]);
        CHECK(pattern_ok(kept, 5000, 5000), "%s: a failed realloc damaged its block", names[k]);
        for (size_t i = 0; i < n; i++)
            CHECK(pattern_ok(t[i], size, (unsigned)i), "%s: block %zu damaged at exhaustion",
                  names[k], i);
        CHECK(hak_arena_check(a) == 0, "%s: hak_arena_check at exhaustion", names[k]);
        for (size_t i = 0; i < n; i++)
            hak_arena_free(a, t[i]);
        CHECK(hak_arena_check(a) == 0, "%s: hak_arena_check after freeing", names[k]);
        /* allocation works again, about as far as before */
        size_t again = fill_arena(a, t, size);
        CHECK(again * 10 >= n * 9, "%s: %zu blocks after freeing, %zu the first time", names[k],
              again, n);
        for (size_t i = 0; i < again; i++)
            hak_arena_free(a, t[i]);
        printf("ok   %-50s %4zu blocks, then NULL/ENOMEM; %4zu again after freeing\n", names[k], n,
               again);
    }
    CHECK(pattern_ok(kept, 5000, 5000), "the kept block was damaged");
    hak_arena_free(a, kept);
    CHECK(hak_arena_check(a) == 0, "final hak_arena_check of the 1 MiB arena");
    hak_arena_stats_t st;
    CHECK(hak_arena_stats(a, &st) == 0, "stats");
    CHECK(st.in_use_bytes == 0 && st.large_blocks == 0, "in use at the end: %llu bytes",
          (unsigned long long)st.in_use_bytes);
    CHECK(st.reserved_bytes == SMALL_ARENA && st.reserved_bytes == st.meta_bytes + st.free_bytes,
          "1 MiB arena: region %llu, meta %llu, free %llu", (unsigned long long)st.reserved_bytes,
          (unsigned long long)st.meta_bytes, (unsigned long long)st.free_bytes);
    hak_arena_destroy(a);
    munmap(r, SMALL_ARENA);
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    setvbuf(stdout, NULL, _IOLBF, 0);
    result_t r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&r, 0, sizeof r);
        run_child(cases[i].run, &r);
        judge(&cases[i], &r);
    }
    bad_create();
    bad_arguments();
    exhaustion();
    CHECK(hak_check() == 0, "hak_check of the process heap at the end");
    if (failures) {
        printf("%d case(s) failed\n", failures);
        return 1;
    }
    puts("all arena bad-input cases passed");
    return 0;
}
