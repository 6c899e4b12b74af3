/*
 * errors.c - a program with one deliberate memory error per mode, for the
 * checkers: run by tests/sh/tools.sh under valgrind memcheck (malloc is
 * hakmem: linked with libhakmem.a, or libhakmem.so preloaded) and built
 * with AddressSanitizer against an ASan build of hakmem (the hak_ API: the
 * ASan runtime owns malloc).
 *
 *   errors clean|leak|uaf|overflow|underflow
 *
 * Each error is on a line of its own, marked "ERROR LINE <mode>", so that
 * the script can check the report names it. Prints "hakmem: yes" when
 * hak_version() answers (hakmem is in the process) and the block came from
 * hakmem's heap (hak_usable_size accepts it: it stops the process on a
 * pointer hakmem did not hand out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hakmem.h"

#ifdef ERRORS_HAK_API
#define ALLOC(n) hak_malloc(n)
#define FREE(p) hak_free(p)
#else
#define ALLOC(n) malloc(n)
#define FREE(p) free(p)
#endif

/* Weak: the dynamic build finds them in the preloaded libhakmem.so. */
#pragma weak hak_version
#pragma weak hak_usable_size

/* Keeps the compiler from seeing through the errors. */
static char *volatile sink;

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "clean";
    char *p = ALLOC(40);
    memset(p, 'a', 40);
    printf("hakmem: %s\n", hak_version && hak_usable_size && hak_usable_size(p) >= 40 ? "yes" : "no");
    fflush(stdout);
    char *other = ALLOC(40); /* a neighbour, live all along */
    memset(other, 'b', 40);
    if (!strcmp(mode, "leak")) {
        char *lost = ALLOC(77); /* ERROR LINE leak */
        memset(lost, 'c', 77);
        sink = NULL;
        lost = NULL;
    } else if (!strcmp(mode, "uaf")) {
        char *q = ALLOC(24);
        memset(q, 'd', 24);
        FREE(q);
        sink = ALLOC(24); /* allocations after the free: the block stays in quarantine */
        printf("read after free: %d\n", q[3]); /* ERROR LINE uaf */
        FREE(sink);
    } else if (!strcmp(mode, "overflow")) {
        char *q = ALLOC(13);
        memset(q, 'e', 13);
        q[13] = 'x'; /* ERROR LINE overflow */
        FREE(q);
    } else if (!strcmp(mode, "underflow")) {
        char *q = ALLOC(64);
        q[-1] = 'y'; /* ERROR LINE underflow */
        FREE(q);
    }
    FREE(other);
    FREE(p);
    printf("done %s\n", mode);
    return 0;
}
