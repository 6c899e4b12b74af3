/*
 * first_call - every entry point works as the very first allocator call of
 * a process, before the heap is set up. Each scenario runs in a forked
 * child (fork does not allocate, and nothing in this program allocates
 * before it) whose first hakmem call is the one under test; the child then
 * allocates and frees normally and exits 0. A crash (e.g. a NULL pointer
 * treated as a heap block while the arena base is still 0) or a wrong result
 * fails the test.
 *
 * Real programs hit this: glibc's setlocale() calls free(NULL) first thing
 * when LC_ALL/LC_CTYPE is "C", so bash and git started with LC_ALL=C and
 * LD_PRELOAD=libhakmem.so crash in setlocale if free(NULL) is not safe
 * before the first malloc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hakmem.h"
#include "testlib.h"

static void say(const char *s)
{
    if (write(2, s, strlen(s)) < 0) {}
}

/* Child: fails with exit code 2 and a line on stderr. */
#define EXPECT(cond)                                                          \
    do {                                                                      \
        if (!(cond)) {                                                        \
            say("first_call: child check failed: " #cond "\n");               \
            _exit(2);                                                         \
        }                                                                     \
    } while (0)

/* A NULL the compiler cannot see (it drops a literal free(NULL)). */
static void *opaque_null(void)
{
    void *p = NULL;
    __asm__ volatile("" : "+r"(p));
    return p;
}

/* After the first call: the allocator works normally. */
static void then_normal_use(void)
{
    char *p = malloc(100);
    EXPECT(p != NULL);
    memset(p, 1, 100);
    char *q = realloc(p, 100000);
    EXPECT(q != NULL && q[99] == 1);
    free(q);
    free(opaque_null());
    EXPECT(hak_check() == 0);
    _exit(0);
}

static void s_free_null(void) { free(opaque_null()); }
static void s_hak_free_null(void) { hak_free(opaque_null()); }
static void s_usable_null(void) { EXPECT(malloc_usable_size(opaque_null()) == 0); }
static void s_hak_usable_null(void) { EXPECT(hak_usable_size(opaque_null()) == 0); }
static void s_realloc_null_zero(void)
{
    void *p = realloc(opaque_null(), 0);
    EXPECT(p != NULL);
    free(p);
}
static void s_realloc_null(void)
{
    char *p = realloc(opaque_null(), 40);
    EXPECT(p != NULL);
    free(p);
}
static void s_calloc_zero(void)
{
    void *p = calloc(0, 0);
    EXPECT(p != NULL);
    free(p);
}
static void s_calloc_overflow(void)
{
    size_t n = SIZE_MAX / 2;
    __asm__ volatile("" : "+r"(n));
    errno = 0;
    EXPECT(calloc(n, 3) == NULL && errno == ENOMEM);
}
static void s_malloc_huge(void)
{
    size_t n = SIZE_MAX;
    __asm__ volatile("" : "+r"(n));
    errno = 0;
    EXPECT(malloc(n) == NULL && errno == ENOMEM);
}
static void s_large(void)
{
    char *p = malloc(5u << 20);
    EXPECT(p != NULL);
    p[(5u << 20) - 1] = 1;
    free(p);
}
static void s_posix_memalign(void)
{
    void *p = NULL;
    EXPECT(posix_memalign(&p, 4096, 100) == 0 && p && ((uintptr_t)p & 4095) == 0);
    free(p);
}
static void s_aligned_alloc_bad(void)
{
    size_t bad_align = 3;
    __asm__ volatile("" : "+r"(bad_align));
    errno = 0;
    EXPECT(aligned_alloc(bad_align, 16) == NULL && errno == EINVAL);
}
static void s_reallocarray_null(void)
{
    void *p = reallocarray(opaque_null(), 4, 8);
    EXPECT(p != NULL);
    free(p);
}
static void s_stats(void)
{
    hak_stats_t s;
    EXPECT(hak_stats(&s) == 0);
}
static void s_check(void) { EXPECT(hak_check() == 0); }
static void s_trim(void) { (void)hak_trim(); }
static void s_malloc_trim(void) { (void)malloc_trim(0); }
static void s_limit(void) { (void)hak_limit_set(0); }

static const struct {
    const char *name;
    void (*first)(void);
} scenarios[] = {
    { "free(NULL)", s_free_null },
    { "hak_free(NULL)", s_hak_free_null },
    { "malloc_usable_size(NULL)", s_usable_null },
    { "hak_usable_size(NULL)", s_hak_usable_null },
    { "realloc(NULL, 0)", s_realloc_null_zero },
    { "realloc(NULL, 40)", s_realloc_null },
    { "calloc(0, 0)", s_calloc_zero },
    { "calloc overflow", s_calloc_overflow },
    { "malloc(SIZE_MAX)", s_malloc_huge },
    { "malloc(5 MiB)", s_large },
    { "posix_memalign(4096)", s_posix_memalign },
    { "aligned_alloc(3, 16)", s_aligned_alloc_bad },
    { "reallocarray(NULL, 4, 8)", s_reallocarray_null },
    { "hak_stats", s_stats },
    { "hak_check", s_check },
    { "hak_trim", s_trim },
    { "malloc_trim(0)", s_malloc_trim },
    { "hak_limit_set(0)", s_limit },
};

int main(void)
{
    unsigned n = sizeof scenarios / sizeof scenarios[0], bad = 0;
    for (unsigned i = 0; i < n; i++) {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) {
            scenarios[i].first();
            then_normal_use();
        }
        int status;
        CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
        if (WIFSIGNALED(status)) {
            fprintf(stderr, "FAIL: %s as the first allocator call: killed by signal %d\n",
                    scenarios[i].name, WTERMSIG(status));
            bad++;
        } else if (WEXITSTATUS(status) != 0) {
            fprintf(stderr, "FAIL: %s as the first allocator call: exit %d\n", scenarios[i].name,
                    WEXITSTATUS(status));
            bad++;
        }
    }
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    CHECK(bad == 0, "%u of %u first-call scenarios failed", bad, n);
    printf("%u first-call scenarios ok\n", n);
    return 0;
}
