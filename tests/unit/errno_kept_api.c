/*
 * errno_kept_api - an allocation that succeeds leaves errno alone, also
 * when it first failed and then got memory back. Calls only hak_ names,
 * so it runs as a unit test (hakmem is malloc) and in the sanitizer
 * variants, where AddressSanitizer puts the process heap in tool mode
 * (hosted/tool.c): there a freed block waits in a quarantine, and an
 * allocation that finds no memory drains the quarantine and tries again.
 *
 * Proves: under hak_limit_set(8 MiB), 256 KiB blocks are allocated until
 * NULL (errno ENOMEM); one is freed; with errno = 0, hak_malloc of the
 * same size succeeds (in tool mode: after the drain; errno was ENOMEM,
 * from the first try, before the fix) and errno is still 0; the same for
 * hak_calloc; with the cap removed everything is freed and hak_check()
 * holds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "hakmem.h"
#include "testlib.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define BLOCK (256 * KiB)
#define MAX_BLOCKS 256u

static void *blocks[MAX_BLOCKS];

static size_t hide(size_t v) /* keeps the compiler from reasoning about sizes */
{
    __asm__ volatile("" : "+r"(v));
    return v;
}

/* Fills blocks[] from index n until NULL; returns the new count. */
static size_t fill(size_t n)
{
    for (;;) {
        CHECK(n < MAX_BLOCKS, "more than %u blocks of 256 KiB under an 8 MiB cap", MAX_BLOCKS);
        errno = 0;
        void *p = hak_malloc(hide(BLOCK));
        if (!p) {
            CHECK(errno == ENOMEM, "hak_malloc failed with errno %d, expected ENOMEM", errno);
            return n;
        }
        CHECK(errno == 0, "hak_malloc succeeded but set errno %d", errno);
        memset(p, 0x5a, BLOCK);
        blocks[n++] = p;
    }
}

int main(void)
{
    hak_limit_set(8 * MiB);
    size_t n = fill(0);
    CHECK(n >= 4, "only %zu blocks of 256 KiB under an 8 MiB cap", n);

    /* malloc: the freed block comes back (straight, or through the
     * quarantine's drain in tool mode). */
    hak_free(blocks[--n]);
    errno = 0;
    void *p = hak_malloc(hide(BLOCK));
    int err = errno;
    CHECK(p != NULL, "hak_malloc after a free under the cap");
    CHECK(err == 0, "hak_malloc succeeded after a free but set errno %d", err);
    blocks[n++] = p;

    /* calloc likewise. */
    hak_free(blocks[--n]);
    errno = 0;
    unsigned char *z = hak_calloc(1, hide(BLOCK));
    err = errno;
    CHECK(z != NULL, "hak_calloc after a free under the cap");
    CHECK(err == 0, "hak_calloc succeeded after a free but set errno %d", err);
    CHECK(z[0] == 0 && z[BLOCK - 1] == 0, "hak_calloc's block is not zeroed");
    blocks[n++] = z;

    hak_limit_set(0);
    for (size_t i = 0; i < n; i++)
        hak_free(blocks[i]);
    CHECK(hak_check() == 0, "heap invariants");
    printf("errno_kept: %zu blocks of 256 KiB under the cap; malloc and calloc after a free kept errno 0\n", n);
    return 0;
}
