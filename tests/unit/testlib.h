/* testlib.h - minimal assertion helpers shared by the unit tests. */
#ifndef HAKMEM_TESTLIB_H
#define HAKMEM_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>

/* Fails the test (exit 1) with the file, line and a message when cond is
 * false. */
#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

#endif /* HAKMEM_TESTLIB_H */
