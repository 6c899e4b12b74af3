/*
 * idle_return - memory freed before a program goes quiet comes back
 * without further allocator calls.
 *
 * Case 1: a program that only frees a little (2 MiB in 1 MiB blocks) runs
 * no extra thread. Case 2: 40 blocks of 1 MiB, written, then freed, then
 * 3 s with no allocator call: resident memory falls back to within 4 MiB
 * of where it was before the blocks (the purge helper ends each 1 s decay
 * epoch on time, and the warm reserve of a heap that shrank is a quarter
 * of what is in use). Case 3: the same in a child after fork (the helper
 * does not survive fork; the child gets its own). Bounded to about 8 s.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hakmem.h"
#include "testlib.h"

#define MiB ((size_t)1 << 20)

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    CHECK(f != NULL, "open /proc/self/statm");
    long size, resident;
    CHECK(fscanf(f, "%ld %ld", &size, &resident) == 2, "read statm");
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int threads(void)
{
    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL, "open /proc/self/task");
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* Allocates, writes and frees n blocks of 1 MiB; returns the resident
 * memory (KiB) after 3 s of quiet, with the baseline in *before. */
static long free_then_quiet(unsigned n, long *before)
{
    void *blocks[64];
    *before = rss_kib();
    for (unsigned i = 0; i < n; i++) {
        blocks[i] = malloc(MiB);
        CHECK(blocks[i] != NULL, "malloc 1 MiB");
        memset(blocks[i], (int)i, MiB);
    }
    for (unsigned i = 0; i < n; i++)
        free(blocks[i]);
    sleep(3);
    return rss_kib();
}

int main(void)
{
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    long before, after;
    after = free_then_quiet(2, &before);
    CHECK(threads() == 1, "a program that freed 2 MiB runs %d threads", threads());
    printf("2 x 1 MiB freed: no helper thread\n");

    after = free_then_quiet(40, &before);
    printf("40 x 1 MiB freed, 3 s quiet: resident %ld KiB -> %ld KiB (threads %d)\n", before,
           after, threads());
    CHECK(after <= before + 4096, "40 MiB freed, 3 s quiet: resident %ld KiB, was %ld KiB before",
          after, before);

    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        long b, a = free_then_quiet(40, &b);
        printf("child: resident %ld KiB -> %ld KiB\n", b, a);
        fflush(stdout);
        _exit(a <= b + 4096 && hak_check() == 0 ? 0 : 1);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child after fork: status 0x%x", status);
    CHECK(hak_check() == 0, "hak_check");
    return 0;
}
