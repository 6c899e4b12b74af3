/*
 * realloc_errno - a realloc that succeeds leaves errno alone, also when it
 * shrinks in place because the smaller block could not be had.
 *
 * Blocks are made first: a mid block of 30000 bytes, a large one of
 * 200000, and an aligned one (4096, 24000). Then hak_limit_set(1), a cap
 * below what the heap already uses, refuses every new chunk, and
 * malloc(9000) is called until NULL: every class from 9000 bytes up is
 * then empty (the exhaustion path tries each before it gives up). Proves:
 * realloc of each block to 10000 or 12000 bytes (a smaller class, which
 * the block would move to) cannot get a fresh block, shrinks in place
 * instead, returns the same pointer with the content intact, and leaves
 * errno at 0 (it was ENOMEM, from the failed attempt, before the fix);
 * reallocarray likewise; a realloc that must grow still fails with NULL
 * and ENOMEM; with the cap removed everything is freed and allocation
 * works again. Nothing is printed before the checks (stdio's buffer would
 * take a block of a class the test means to keep empty).
 *
 * The same over hak_arena_realloc, in an arena of 8 MiB (mmap'd) filled
 * with blocks of 9000 bytes until NULL: a mid and a large block shrink in
 * place, content intact, errno still 0 (it was ENOMEM before the fix);
 * growing fails with ENOMEM; hak_arena_check holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "hakmem.h"
#include "testlib.h"

#define DRAIN_SIZE 9000u
#define DRAIN_MAX 4096u

static void *drained[DRAIN_MAX];

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7u);
}

static int intact(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7u))
            return 0;
    return 1;
}

static size_t hide(size_t v) /* keeps the compiler from reasoning about sizes */
{
    __asm__ volatile("" : "+r"(v));
    return v;
}

/* realloc(p, to) must shrink in place, keep the first `to` bytes and leave
 * errno at 0. */
static void shrinks_in_place(unsigned char *p, size_t to, unsigned seed, const char *what)
{
    uintptr_t was = (uintptr_t)p;
    errno = 0;
    unsigned char *q = realloc(p, hide(to));
    int err = errno;
    CHECK(q != NULL, "realloc(%s, %zu) failed under the cap", what, to);
    CHECK((uintptr_t)q == was, "realloc(%s, %zu) moved although no block of the class is left", what, to);
    CHECK(intact(q, to, seed), "realloc(%s, %zu) damaged the content", what, to);
    CHECK(err == 0, "realloc(%s, %zu) succeeded in place but set errno to %d", what, to, err);
    CHECK(malloc_usable_size(q) >= to, "%s lost its size", what);
}

/* hak_arena_realloc(a, p, to) must shrink in place, keep the first `to`
 * bytes and leave errno at 0. */
static void arena_shrinks_in_place(hak_arena_t *a, unsigned char *p, size_t to, unsigned seed,
                                   const char *what)
{
    uintptr_t was = (uintptr_t)p;
    errno = 0;
    unsigned char *q = hak_arena_realloc(a, p, hide(to));
    int err = errno;
    CHECK(q != NULL, "hak_arena_realloc(%s, %zu) failed in a full arena", what, to);
    CHECK((uintptr_t)q == was, "hak_arena_realloc(%s, %zu) moved although no block is left", what, to);
    CHECK(intact(q, to, seed), "hak_arena_realloc(%s, %zu) damaged the content", what, to);
    CHECK(err == 0, "hak_arena_realloc(%s, %zu) succeeded in place but set errno to %d", what, to, err);
}

static void arena_case(void)
{
    size_t len = (size_t)8 << 20;
    void *region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(region != MAP_FAILED, "mmap the arena's region");
    hak_arena_t *a = hak_arena_create(region, len, HAK_ARENA_ZEROED);
    CHECK(a != NULL, "hak_arena_create");
    unsigned char *mid = hak_arena_malloc(a, 30000), *large = hak_arena_malloc(a, 200000);
    CHECK(mid && large, "arena blocks");
    fill(mid, 30000, 4);
    fill(large, 200000, 5);
    size_t n = 0;
    while (hak_arena_malloc(a, DRAIN_SIZE))
        CHECK(++n < 2 * DRAIN_MAX, "more than %u blocks of %u bytes in an 8 MiB arena", 2 * DRAIN_MAX,
              DRAIN_SIZE);
    arena_shrinks_in_place(a, mid, 12000, 4, "arena mid 30000");
    arena_shrinks_in_place(a, large, 12000, 5, "arena large 200000");
    errno = 0;
    CHECK(hak_arena_realloc(a, large, hide(400000)) == NULL && errno == ENOMEM,
          "growing hak_arena_realloc in a full arena");
    CHECK(intact(large, 12000, 5), "failed hak_arena_realloc damaged the block");
    CHECK(hak_arena_check(a) == 0, "arena invariants");
    hak_arena_destroy(a);
    munmap(region, len);
}

int main(void)
{
    unsigned char *mid = malloc(30000), *large = malloc(200000), *al = aligned_alloc(4096, 24000);
    CHECK(mid && large && al, "initial blocks");
    fill(mid, 30000, 1);
    fill(large, 200000, 2);
    fill(al, 24000, 3);

    hak_limit_set(1);
    size_t n = 0;
    for (;;) {
        CHECK(n < DRAIN_MAX, "more than %u blocks of %u bytes under a cap of 1 byte", DRAIN_MAX,
              DRAIN_SIZE);
        void *p = malloc(DRAIN_SIZE);
        if (!p)
            break;
        drained[n++] = p;
    }
    /* The class is empty: a fresh block of it fails (the premise). */
    errno = 0;
    CHECK(malloc(hide(12000)) == NULL && errno == ENOMEM, "malloc(12000) under the cap");

    shrinks_in_place(mid, 12000, 1, "mid 30000");
    shrinks_in_place(large, 12000, 2, "large 200000");
    shrinks_in_place(al, 10000, 3, "aligned 24000");
    uintptr_t was = (uintptr_t)mid;
    errno = 0;
    unsigned char *r = reallocarray(mid, 625, 16); /* 10000 bytes */
    int err = errno;
    CHECK((uintptr_t)r == was && err == 0, "reallocarray shrinking in place: %p (was %#lx), errno %d",
          (void *)r, (unsigned long)was, err);
    CHECK(intact(r, 10000, 1), "reallocarray damaged the content");

    /* Growing cannot fall back: NULL and ENOMEM, the block kept. */
    errno = 0;
    CHECK(realloc(large, hide(400000)) == NULL && errno == ENOMEM, "growing realloc under the cap");
    CHECK(intact(large, 12000, 2), "failed realloc damaged the block");

    hak_limit_set(0);
    for (size_t i = 0; i < n; i++)
        free(drained[i]);
    free(r);
    free(large);
    free(al);
    void *again = malloc(12000);
    CHECK(again != NULL, "malloc after the cap was removed");
    free(again);
    CHECK(hak_check() == 0, "heap invariants");
    arena_case();
    printf("realloc_errno: %zu blocks of %u bytes drained the classes; shrinks in place kept errno 0, "
           "in the process heap and in an arena\n",
           n, DRAIN_SIZE);
    return 0;
}
