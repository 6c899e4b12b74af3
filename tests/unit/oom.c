/*
 * oom.c - running out of memory is an error code, never an abort.
 *
 * Proves (malloc IS hakmem here):
 *   1. with hak_limit_set(64 MiB), malloc of small (256 B), mid (20000 B)
 *      and large (1 MiB) blocks succeeds until it returns NULL with errno
 *      ENOMEM, after at least 75% of the cap was handed out; the failure
 *      repeats cleanly; calloc, realloc, reallocarray, aligned_alloc,
 *      posix_memalign, memalign and valloc fail the same way (NULL / ENOMEM,
 *      posix_memalign returns ENOMEM and leaves *out alone), a failing
 *      realloc or reallocarray leaves the old block (small, mid and large)
 *      intact and usable; every block can be freed, allocation works again
 *      afterwards (again up to 75% of the cap, for small after large and
 *      large after small), and hak_check() holds throughout;
 *   2. a cap below current usage fails new chunk requests at once while
 *      frees keep working, hak_limit_set returns the previous cap, and
 *      removing the cap (0) restores normal allocation;
 *   3. two threads hitting the cap at the same time both get NULL/ENOMEM
 *      (no deadlock, no abort) and can free everything;
 *   4. in a child exec'd under setrlimit(RLIMIT_AS, 1 GiB), so that hakmem
 *      initialises inside the limit, the heap maps only what it uses (at
 *      most 16 MiB after one malloc), 1 MiB blocks then fill at least
 *      640 MiB before ENOMEM, and frees and re-allocation still work; in
 *      every fill, a malloc that succeeds leaves errno at 0 (a refused
 *      growth step, retried smaller, does not leak its ENOMEM);
 *   5. in a child exec'd under RLIMIT_AS = 48 MiB, a tight limit, small
 *      blocks work, 1 MiB blocks run into ENOMEM (no crash), every entry
 *      point fails cleanly there, and after freeing, allocation works again.
 * The rlimit cases exec a fresh copy of this program (argv[1] selects the
 * case): after a plain fork, hakmem would already be set up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hakmem.h"
#include "testlib.h"

#define MiB ((size_t)1 << 20)
#define CAP (64 * MiB)

/* Pointer tables live outside hakmem (they must not fail). */
static void **table(size_t n)
{
    void **t = mmap(NULL, n * sizeof(void *), PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(t != MAP_FAILED, "mmap table");
    return t;
}

static void untable(void **t, size_t n)
{
    munmap(t, n * sizeof(void *));
}

/* Allocates `size` blocks until NULL; returns the count. */
static size_t fill_until_null(void **t, size_t cap, size_t size)
{
    size_t n = 0;
    for (;;) {
        CHECK(n < cap, "more than %zu blocks of %zu bytes under a %zu MiB cap", cap, size,
              CAP / MiB);
        errno = 0;
        void *p = malloc(size);
        if (!p) {
            CHECK(errno == ENOMEM, "malloc(%zu) failed with errno %d, expected ENOMEM", size, errno);
            return n;
        }
        /* Under RLIMIT_AS the heap's growth step is refused before the
         * exact need is granted: the success must not leave ENOMEM. */
        CHECK(errno == 0, "malloc(%zu) succeeded but set errno %d", size, errno);
        ((unsigned char *)p)[0] = 1;
        ((unsigned char *)p)[size - 1] = 2;
        t[n++] = p;
    }
}

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

static size_t hide(size_t v) /* keeps -Walloc-size-larger-than quiet */
{
    __asm__ volatile("" : "+r"(v));
    return v;
}

/* Every allocation entry point must fail cleanly now (sizes of 2 MiB and
 * more: what is left under the cap is less than the last block filled). */
static void all_entry_points_fail(const char *when)
{
    errno = 0;
    CHECK(calloc(1, 2 * MiB) == NULL && errno == ENOMEM, "calloc(1, 2 MiB) %s", when);
    errno = 0;
    CHECK(calloc(3000, 1000) == NULL && errno == ENOMEM, "calloc(3000, 1000) %s", when);
    errno = 0;
    CHECK(aligned_alloc(4096, 2 * MiB) == NULL && errno == ENOMEM, "aligned_alloc %s", when);
    errno = 0;
    CHECK(memalign(65536, 2 * MiB) == NULL && errno == ENOMEM, "memalign %s", when);
    errno = 0;
    CHECK(valloc(2 * MiB) == NULL && errno == ENOMEM, "valloc %s", when);
    void *out = (void *)0x5555;
    CHECK(posix_memalign(&out, 256, 2 * MiB) == ENOMEM && out == (void *)0x5555,
          "posix_memalign %s", when);
    errno = 0;
    CHECK(malloc(hide(3 * MiB)) == NULL && errno == ENOMEM, "malloc(3 MiB) %s", when);
}

/* A block of `size` with content; realloc to `bigger` must fail and keep it. */
static void failing_realloc_keeps(unsigned char *b, size_t size, size_t bigger, const char *what)
{
    errno = 0;
    CHECK(realloc(b, bigger) == NULL && errno == ENOMEM, "realloc(%s, %zu) under the cap", what,
          bigger);
    CHECK(pattern_ok(b, size, (unsigned)size), "failed realloc damaged the %s block", what);
    errno = 0;
    CHECK(reallocarray(b, bigger / 16, 16) == NULL && errno == ENOMEM,
          "reallocarray(%s) under the cap", what);
    CHECK(pattern_ok(b, size, (unsigned)size), "failed reallocarray damaged the %s block", what);
    CHECK(malloc_usable_size(b) >= size, "%s block lost its size", what);
}

static void limit_phases(void)
{
    size_t prev = hak_limit_set(CAP);
    CHECK(prev == 0, "initial cap %zu", prev);
    CHECK(hak_limit_set(CAP) == CAP, "hak_limit_set returns the previous cap");

    /* blocks to realloc later, made before the cap is reached */
    unsigned char *keep_small = malloc(200), *keep_mid = malloc(9000), *keep_large = malloc(300000);
    CHECK(keep_small && keep_mid && keep_large, "initial blocks");
    fill_pattern(keep_small, 200, 200);
    fill_pattern(keep_mid, 9000, 9000);
    fill_pattern(keep_large, 300000, 300000);

    static const size_t sizes[] = { 256, 20000, MiB, 256 };
    static const char *names[] = { "small 256", "mid 20000", "large 1 MiB", "small again" };
    for (int k = 0; k < 4; k++) {
        size_t size = sizes[k], cap = CAP / size * 2 + 16;
        void **t = table(cap);
        size_t n = fill_until_null(t, cap, size);
        size_t got = n * size;
        CHECK(got >= CAP / 4 * 3, "%s: only %zu KiB before ENOMEM under a %zu MiB cap", names[k],
              got >> 10, CAP / MiB);
        /* the failure repeats and leaves nothing broken */
        for (int i = 0; i < 100; i++) {
            errno = 0;
            CHECK(malloc(size) == NULL && errno == ENOMEM, "repeated failure %s", names[k]);
        }
        all_entry_points_fail(names[k]);
        if (k == 0 || k == 2) {
            failing_realloc_keeps(keep_large, 300000, 8 * MiB, "large");
            failing_realloc_keeps(keep_mid, 9000, 4 * MiB, "mid");
        }
        CHECK(hak_check() == 0, "hak_check at exhaustion (%s)", names[k]);
        for (size_t i = 0; i < n; i++)
            free(t[i]);
        /* works again right away */
        void *p = malloc(size);
        CHECK(p != NULL, "malloc(%zu) after freeing everything", size);
        free(p);
        printf("ok   %-12s %7zu blocks, %5zu MiB before ENOMEM under the %zu MiB cap\n", names[k],
               n, got / MiB, CAP / MiB);
        untable(t, cap);
    }
    /* the kept blocks survived it all; a small realloc still works */
    CHECK(pattern_ok(keep_small, 200, 200) && pattern_ok(keep_mid, 9000, 9000)
              && pattern_ok(keep_large, 300000, 300000),
          "kept blocks damaged");
    unsigned char *q = realloc(keep_small, 900);
    CHECK(q && pattern_ok(q, 200, 200), "realloc after recovery");
    free(q);
    free(keep_mid);
    free(keep_large);

    /* a cap below what is in use: new chunks fail, frees work */
    void *big = malloc(8 * MiB);
    CHECK(big, "malloc(8 MiB) before lowering the cap");
    CHECK(hak_limit_set(MiB) == CAP, "previous cap");
    errno = 0;
    CHECK(malloc(4 * MiB) == NULL && errno == ENOMEM, "malloc under a cap below usage");
    free(big);
    CHECK(hak_limit_set(0) == MiB, "previous cap when removing it");
    void *again = malloc(100 * MiB);
    CHECK(again, "malloc(100 MiB) without a cap");
    memset(again, 1, 4096);
    free(again);
    CHECK(hak_check() == 0, "hak_check after the cap phases");
    printf("ok   cap below usage: fails at once, frees work, removing it restores allocation\n");
}

/* Two threads race into the same cap. */
static void *exhaust_thread(void *arg)
{
    size_t size = (uintptr_t)arg, cap = CAP / size * 2 + 16;
    void **t = table(cap);
    size_t n = fill_until_null(t, cap, size);
    for (size_t i = 0; i < n; i++)
        free(t[i]);
    untable(t, cap);
    return (void *)n;
}

static void threaded_exhaustion(void)
{
    hak_limit_set(CAP);
    pthread_t a, b;
    pthread_create(&a, NULL, exhaust_thread, (void *)(uintptr_t)512);
    pthread_create(&b, NULL, exhaust_thread, (void *)(uintptr_t)(256 << 10));
    void *na, *nb;
    pthread_join(a, &na);
    pthread_join(b, &nb);
    CHECK((uintptr_t)na > 0 && (uintptr_t)nb > 0, "each thread got some memory");
    hak_limit_set(0);
    CHECK(hak_check() == 0, "hak_check after the threaded exhaustion");
    printf("ok   two threads into one cap: %zu x 512 B and %zu x 256 KiB, then ENOMEM for both\n",
           (size_t)(uintptr_t)na, (size_t)(uintptr_t)nb);
}

/* ---- rlimit children (fresh process: hakmem not yet set up) ---------- */

static void say(const char *s)
{
    if (write(1, s, strlen(s)) < 0)
        _exit(9);
}

static int child_rlimit_1g(void)
{
    hak_stats_t st;
    void *first = malloc(64);
    CHECK(first != NULL, "first malloc under RLIMIT_AS 1 GiB");
    hak_stats(&st);
    /* The heap maps what it uses, not a fixed reservation. */
    CHECK(st.reserved_bytes > 0 && st.reserved_bytes <= 16 * MiB,
          "address space backed after one malloc: %llu bytes", (unsigned long long)st.reserved_bytes);
    size_t cap = 1024;
    void **t = table(cap);
    size_t n = fill_until_null(t, cap, MiB); /* checks ENOMEM */
    all_entry_points_fail("at the address-space limit");
    CHECK(n >= 640, "only %zu MiB in 1 MiB blocks under a 1 GiB address-space limit", n);
    for (size_t i = 0; i < n; i++)
        free(t[i]);
    void *p = malloc(MiB);
    CHECK(p != NULL, "malloc after freeing under RLIMIT_AS");
    free(p);
    free(first);
    CHECK(hak_check() == 0, "hak_check under RLIMIT_AS");
    char line[200];
    snprintf(line, sizeof line, "%zu x 1 MiB before ENOMEM", n);
    say(line);
    return 0;
}

static int child_rlimit_tiny(void)
{
    void *small = malloc(16);
    CHECK(small != NULL, "malloc(16) under RLIMIT_AS 48 MiB");
    size_t cap = 64;
    void **t = table(cap);
    size_t n = fill_until_null(t, cap, MiB); /* checks ENOMEM */
    CHECK(n > 0 && n < 48, "%zu x 1 MiB under a 48 MiB address-space limit", n);
    all_entry_points_fail("at a tight address-space limit");
    for (size_t i = 0; i < n; i++)
        free(t[i]);
    void *again = malloc(MiB);
    CHECK(again != NULL, "malloc after freeing under RLIMIT_AS 48 MiB");
    free(again);
    free(small);
    CHECK(hak_check() == 0, "hak_check under RLIMIT_AS 48 MiB");
    char line[200];
    snprintf(line, sizeof line, "%zu x 1 MiB before ENOMEM, then recovery", n);
    say(line);
    return 0;
}

/* Runs this program again under RLIMIT_AS = limit with argv[1] = mode. */
static void run_rlimit_child(const char *mode, size_t limit)
{
    int out[2];
    CHECK(pipe(out) == 0, "pipe");
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        struct rlimit rl = { limit, limit };
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(8);
        execl("/proc/self/exe", "oom", mode, (char *)NULL);
        _exit(7);
    }
    close(out[1]);
    char buf[512];
    ssize_t n = 0, r;
    while ((r = read(out[0], buf + n, sizeof buf - 1 - (size_t)n)) > 0)
        n += r;
    buf[n > 0 ? n : 0] = 0;
    close(out[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "child under RLIMIT_AS %zu MiB (%s): status 0x%x, output: %s", limit / MiB, mode,
          status, buf);
    printf("ok   RLIMIT_AS %4zu MiB, fresh process: %s\n", limit / MiB, buf);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "rlimit-1g") == 0)
        return child_rlimit_1g();
    if (argc > 1 && strcmp(argv[1], "rlimit-tiny") == 0)
        return child_rlimit_tiny();
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("oom: start\n"); /* stdout's buffer is allocated before any cap */
    limit_phases();
    threaded_exhaustion();
    run_rlimit_child("rlimit-1g", (size_t)1 << 30);
    run_rlimit_child("rlimit-tiny", 48 * MiB);
    CHECK(hak_check() == 0, "final hak_check");
    puts("oom: all cases passed");
    return 0;
}
