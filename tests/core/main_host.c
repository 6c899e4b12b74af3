/*
 * main_host.c - the host's main for the core tests: runs every test (or
 * those whose name contains argv[1]) and prints the summary. Exit status 0
 * when all pass, 1 otherwise. The only file of the core tests that uses
 * libc beyond the test platform.
 */
#include <stdio.h>
#include <time.h>
#include "harness.h"

#ifndef HAK_DEBUG
#define HAK_DEBUG 0
#endif

int main(int argc, char **argv)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned ran = 0;
    unsigned failed = test_run_all(argc > 1 ? argv[1] : NULL, &ran);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "core tests%s: %u passed, %u failed (%.2f s)\n",
            HAK_DEBUG ? " (HAK_DEBUG)" : "", ran - failed, failed, secs);
    if (ran == 0) {
        fprintf(stderr, "no test matches \"%s\"\n", argc > 1 ? argv[1] : "");
        return 1;
    }
    return failed ? 1 : 0;
}
