/*
 * heap_limits.c - the process heap grows into its window of address space
 * and maps only what it uses.
 *
 * Proves (malloc IS hakmem here; each case runs in a freshly exec'd copy of
 * this program, so that hakmem sets itself up inside the limit):
 *   1. under RLIMIT_AS = 1 GiB and = 8 GiB, 4 MiB blocks (one byte of each
 *      touched) fill at least 95 % of what glibc's malloc reaches on the
 *      same load in the same limit (measured by a copy of this file built
 *      with -DHEAP_LIMITS_GLIBC and linked without hakmem:
 *      $(BUILD)/helpers/heap_limits_glibc, see tests/heap_limits.mk); the
 *      failure is NULL with errno ENOMEM, and after freeing, allocation
 *      works again and hak_check() passes;
 *   2. a program that calls setrlimit(RLIMIT_AS, 2 GiB) after its first
 *      malloc keeps its room: it can still start threads (default stack,
 *      and an explicit 8 MiB stack), mmap 1 MiB and malloc 1 MiB;
 *   3. 40 blocks of 2 GiB (80 GiB of address space, one byte of each
 *      touched) can be held at once, freed, reused, and hak_check() passes
 *      (skipped, exit 77, when the overcommit policy or an RLIMIT_AS
 *      inherited from the caller refuses that much address space);
 *   4. 3 GiB in 64 MiB blocks, one after another: the blocks lie back to
 *      back in one range no longer than the heap's backed bytes
 *      (hak_arena_stats(hak_process_arena()).reserved_bytes), which grows
 *      with the load and stays below 3.5 GiB plus the chunk table; after
 *      freeing, the same load again does not grow the heap.
 *
 *   heap_limits                 runs every case (the parent)
 *   heap_limits fill            child: 4 MiB blocks until NULL
 *   heap_limits late-rlimit     child: case 2
 *   heap_limits big-blocks      child: case 3
 *   heap_limits growth          child: case 4
 * The glibc build knows only `fill`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "testlib.h"
#ifndef HEAP_LIMITS_GLIBC
#include "hakmem.h"
#endif

#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)
#define FILL_BLOCK (4 * MiB)

/* Pointer tables live outside malloc (they must not fail, nor count). */
static void **table(size_t n)
{
    void **t = mmap(NULL, n * sizeof(void *), PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(t != MAP_FAILED, "mmap of a table of %zu pointers", n);
    return t;
}

static void say(const char *s)
{
    if (write(1, s, strlen(s)) < 0)
        _exit(9);
}

/* ---- child: 4 MiB blocks until NULL (hakmem and glibc builds) --------- */

static int child_fill(void)
{
    const size_t cap = 1u << 16; /* 256 GiB of blocks: far above any limit used */
    void **t = table(cap);
    size_t n = 0;
    for (;;) {
        CHECK(n < cap, "more than %zu blocks of 4 MiB", cap);
        errno = 0;
        unsigned char *p = malloc(FILL_BLOCK);
        if (!p) {
            CHECK(errno == ENOMEM, "malloc(4 MiB) failed with errno %d, expected ENOMEM", errno);
            break;
        }
        p[n % FILL_BLOCK] = (unsigned char)(n | 1u); /* one byte touched */
        t[n++] = p;
        if (n == 1) {
#ifdef HEAP_LIMITS_GLIBC
            /* glibc serves 4 MiB with mmap: proves its malloc is in use */
            struct mallinfo2 mi = mallinfo2();
            CHECK(mi.hblkhd >= FILL_BLOCK, "glibc's malloc is not the one in use (hblkhd %zu)",
                  mi.hblkhd);
#else
            hak_arena_stats_t st;
            CHECK(hak_arena_stats(hak_process_arena(), &st) == 0 && st.large_blocks >= 1,
                  "malloc is not hakmem's");
#endif
        }
    }
    for (size_t i = 0; i < n; i++)
        CHECK(((unsigned char *)t[i])[i % FILL_BLOCK] == (unsigned char)(i | 1u),
              "block %zu lost its byte", i);
    for (size_t i = 0; i < n; i++)
        free(t[i]);
    void *again = malloc(FILL_BLOCK);
    CHECK(again != NULL, "malloc(4 MiB) after freeing everything under the limit");
    free(again);
#ifndef HEAP_LIMITS_GLIBC
    CHECK(hak_check() == 0, "hak_check after filling the address-space limit");
#endif
    char line[128];
    snprintf(line, sizeof line, "blocks=%zu bytes=%zu\n", n, n * FILL_BLOCK);
    say(line);
    return 0;
}

#ifndef HEAP_LIMITS_GLIBC

/* ---- child: setrlimit after the first malloc -------------------------- */

/* VmSize of this process in KiB, from /proc/self/status. */
static size_t vm_size_kib(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    CHECK(fd >= 0, "open /proc/self/status");
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    CHECK(n > 0, "read /proc/self/status");
    buf[n] = 0;
    const char *s = strstr(buf, "VmSize:");
    CHECK(s != NULL, "no VmSize in /proc/self/status");
    return (size_t)strtoull(s + 7, NULL, 10);
}

static void *thread_body(void *arg)
{
    (void)arg;
    char *small = malloc(100), *big = malloc(MiB);
    if (!small || !big)
        return (void *)1;
    small[99] = 1;
    big[MiB - 1] = 2;
    free(small);
    free(big);
    return NULL;
}

static int child_late_rlimit(void)
{
    void *first = malloc(64);
    CHECK(first != NULL, "first malloc");
    size_t before = vm_size_kib();
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_AS, &rl) == 0, "getrlimit");
    CHECK(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= 2 * GiB,
          "the hard RLIMIT_AS (%llu) is below 2 GiB already", (unsigned long long)rl.rlim_max);
    rl.rlim_cur = 2 * GiB; /* the hard limit stays as it is */
    CHECK(setrlimit(RLIMIT_AS, &rl) == 0, "setrlimit(RLIMIT_AS, 2 GiB): errno %d", errno);

    pthread_t th;
    void *ret = (void *)1;
    int rc = pthread_create(&th, NULL, thread_body, NULL);
    CHECK(rc == 0, "pthread_create with the default stack after setrlimit: error %d (VmSize %zu KiB)",
          rc, vm_size_kib());
    CHECK(pthread_join(th, &ret) == 0 && ret == NULL, "thread with the default stack");

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    CHECK(pthread_attr_setstacksize(&attr, 8 * MiB) == 0, "pthread_attr_setstacksize");
    rc = pthread_create(&th, &attr, thread_body, NULL);
    CHECK(rc == 0, "pthread_create with an 8 MiB stack after setrlimit: error %d (VmSize %zu KiB)",
          rc, vm_size_kib());
    CHECK(pthread_join(th, &ret) == 0 && ret == NULL, "thread with an 8 MiB stack");
    pthread_attr_destroy(&attr);

    char *m = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(m != MAP_FAILED, "mmap(1 MiB) after setrlimit: errno %d (VmSize %zu KiB)", errno,
          vm_size_kib());
    m[0] = m[MiB - 1] = 1;
    char *b = malloc(MiB);
    CHECK(b != NULL, "malloc(1 MiB) after setrlimit: errno %d (VmSize %zu KiB)", errno,
          vm_size_kib());
    b[0] = b[MiB - 1] = 1;
    size_t during = vm_size_kib();
    free(b);
    munmap(m, MiB);
    free(first);
    CHECK(hak_check() == 0, "hak_check after the late setrlimit");
    char line[200];
    snprintf(line, sizeof line,
             "VmSize %zu KiB after the first malloc, %zu KiB with 1 MiB mmap'd and 1 MiB malloc'd\n",
             before, during);
    say(line);
    return 0;
}

/* ---- child: 40 blocks of 2 GiB ---------------------------------------- */

#define BIG_N 40
#define BIG_SIZE (2 * GiB)

static int child_big_blocks(void)
{
    char mode = '?';
    int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, &mode, 1) != 1)
            mode = '?';
        close(fd);
    }
    if (mode == '2') {
        say("vm.overcommit_memory is 2 (strict): 80 GiB of address space would be refused\n");
        return 77;
    }
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_AS, &rl) == 0, "getrlimit");
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)(100 * GiB)) {
        char line[160];
        snprintf(line, sizeof line, "RLIMIT_AS is %llu MiB: 80 GiB of blocks cannot be held\n",
                 (unsigned long long)(rl.rlim_cur / MiB));
        say(line);
        return 77;
    }
    hak_arena_t *pa = hak_process_arena();
    CHECK(pa != NULL, "hak_process_arena");
    hak_arena_stats_t st0, st;
    CHECK(hak_arena_stats(pa, &st0) == 0, "stats");
    unsigned char *blk[BIG_N];
    for (int i = 0; i < BIG_N; i++) {
        errno = 0;
        blk[i] = malloc(BIG_SIZE);
        CHECK(blk[i] != NULL, "malloc of 2 GiB block %d failed, errno %d (vm.overcommit_memory %c)",
              i, errno, mode);
        blk[i][(size_t)i * 4096u * 1021u % BIG_SIZE] = (unsigned char)(i + 1);
    }
    CHECK(hak_arena_stats(pa, &st) == 0, "stats");
    CHECK(st.large_blocks == st0.large_blocks + BIG_N, "%llu large blocks, expected %llu",
          (unsigned long long)st.large_blocks, (unsigned long long)st0.large_blocks + BIG_N);
    CHECK(st.large_bytes >= st0.large_bytes + (uint64_t)BIG_N * BIG_SIZE, "large bytes %llu",
          (unsigned long long)st.large_bytes);
    CHECK(st.reserved_bytes >= (uint64_t)BIG_N * BIG_SIZE, "region %llu bytes",
          (unsigned long long)st.reserved_bytes);
    for (int i = 0; i < BIG_N; i++)
        for (int j = i + 1; j < BIG_N; j++)
            CHECK(blk[i] + BIG_SIZE <= blk[j] || blk[j] + BIG_SIZE <= blk[i],
                  "2 GiB blocks %d and %d overlap", i, j);
    for (int i = 0; i < BIG_N; i++)
        CHECK(blk[i][(size_t)i * 4096u * 1021u % BIG_SIZE] == (unsigned char)(i + 1),
              "2 GiB block %d lost its byte", i);
    uint64_t region = st.reserved_bytes;
    for (int i = 0; i < BIG_N; i++)
        free(blk[i]);
    CHECK(hak_check() == 0, "hak_check after freeing the 2 GiB blocks");
    CHECK(hak_arena_stats(pa, &st) == 0, "stats");
    CHECK(st.large_blocks == st0.large_blocks && st.large_bytes == st0.large_bytes,
          "large blocks left after freeing: %llu (%llu bytes)", (unsigned long long)st.large_blocks,
          (unsigned long long)st.large_bytes);
    /* the freed space is reused, not grown past */
    for (int i = 0; i < BIG_N; i++) {
        blk[i] = malloc(BIG_SIZE);
        CHECK(blk[i] != NULL, "malloc of 2 GiB block %d again", i);
        blk[i][BIG_SIZE - 1] = 1;
    }
    CHECK(hak_arena_stats(pa, &st) == 0 && st.reserved_bytes == region,
          "region grew from %llu to %llu bytes for the same load again",
          (unsigned long long)region, (unsigned long long)st.reserved_bytes);
    for (int i = 0; i < BIG_N; i++)
        free(blk[i]);
    CHECK(hak_check() == 0, "hak_check after the second round of 2 GiB blocks");
    char line[160];
    snprintf(line, sizeof line, "%d x 2 GiB held (heap region %llu GiB), freed, reused\n", BIG_N,
             (unsigned long long)(region / GiB));
    say(line);
    return 0;
}

/* ---- child: growth in 64 MiB steps to 3 GiB ---------------------------- */

#define GROW_BLOCK (64 * MiB)
#define GROW_N 48 /* 3 GiB */

/* Bytes of chunk table (12 per 64 KiB chunk, backed in 64 KiB pieces) for
 * a data area of `bytes`. */
static uint64_t table_for(uint64_t bytes)
{
    uint64_t t = (bytes >> 16) * 12u;
    return (t + 65535u) & ~(uint64_t)65535u;
}

static int child_growth(void)
{
    hak_arena_t *pa = hak_process_arena();
    CHECK(pa != NULL, "hak_process_arena");
    hak_arena_stats_t st;
    CHECK(hak_arena_stats(pa, &st) == 0, "stats");
    uint64_t first_region = st.reserved_bytes, region = first_region;
    unsigned grew = 0;
    unsigned char *blk[GROW_N];
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (int i = 0; i < GROW_N; i++) {
        blk[i] = malloc(GROW_BLOCK);
        CHECK(blk[i] != NULL, "malloc of 64 MiB block %d: errno %d", i, errno);
        blk[i][(size_t)i * 12289u] = (unsigned char)(i + 1);
        if ((uintptr_t)blk[i] < lo)
            lo = (uintptr_t)blk[i];
        if ((uintptr_t)blk[i] + GROW_BLOCK > hi)
            hi = (uintptr_t)blk[i] + GROW_BLOCK;
        CHECK(hak_arena_stats(pa, &st) == 0, "stats");
        CHECK(st.reserved_bytes >= region, "reserved_bytes shrank from %llu to %llu",
              (unsigned long long)region, (unsigned long long)st.reserved_bytes);
        CHECK(st.reserved_bytes == st.meta_bytes + st.free_bytes + st.in_use_bytes,
              "region %llu != meta %llu + free %llu + in use %llu",
              (unsigned long long)st.reserved_bytes, (unsigned long long)st.meta_bytes,
              (unsigned long long)st.free_bytes, (unsigned long long)st.in_use_bytes);
        grew += st.reserved_bytes > region;
        region = st.reserved_bytes;
        /* every block so far inside one range the backed bytes account for */
        CHECK(hi - lo <= region, "blocks span %llu bytes, more than the %llu bytes backed",
              (unsigned long long)(hi - lo), (unsigned long long)region);
    }
    uint64_t load = (uint64_t)GROW_N * GROW_BLOCK;
    /* back to back: a 64 KiB chunk of header per block, a few MiB of slabs */
    CHECK(hi - lo <= load + GROW_N * 65536u + 8 * MiB,
          "the 64 MiB blocks span %llu bytes for %llu bytes of blocks: not one range",
          (unsigned long long)(hi - lo), (unsigned long long)load);
    CHECK(grew >= 3, "reserved_bytes grew only %u times (from %llu to %llu)", grew,
          (unsigned long long)first_region, (unsigned long long)region);
    CHECK(region >= load, "reserved_bytes %llu below the %llu bytes held",
          (unsigned long long)region, (unsigned long long)load);
    uint64_t bound = (uint64_t)7 * GiB / 2;
    bound += table_for(bound);
    char line[300];
    snprintf(line, sizeof line,
             "3 GiB in 64 MiB blocks: region %llu -> %llu MiB (%u growths), blocks span %llu MiB, "
             "bound %llu MiB\n",
             (unsigned long long)(first_region / MiB), (unsigned long long)(region / MiB), grew,
             (unsigned long long)((hi - lo) / MiB), (unsigned long long)(bound / MiB));
    say(line);
    /* judged at the end, so that the checks below run either way */
    int over_bound = region > bound;
    for (int i = 0; i < GROW_N; i++)
        CHECK(blk[i][(size_t)i * 12289u] == (unsigned char)(i + 1), "block %d lost its byte", i);
    for (int i = 0; i < GROW_N; i++)
        free(blk[i]);
    CHECK(hak_check() == 0, "hak_check after freeing the 64 MiB blocks");
    /* the same load again fits what is backed */
    for (int i = 0; i < GROW_N; i++) {
        blk[i] = malloc(GROW_BLOCK);
        CHECK(blk[i] != NULL, "malloc of 64 MiB block %d again", i);
        blk[i][GROW_BLOCK - 1] = 1;
    }
    CHECK(hak_arena_stats(pa, &st) == 0 && st.reserved_bytes == region,
          "region grew from %llu to %llu bytes for the same load again",
          (unsigned long long)region, (unsigned long long)st.reserved_bytes);
    for (int i = 0; i < GROW_N; i++)
        free(blk[i]);
    CHECK(hak_check() == 0, "hak_check after the second round");
    CHECK(!over_bound,
          "reserved_bytes %llu (%llu MiB) above 3.5 GiB + table (%llu MiB) for %llu MiB of blocks",
          (unsigned long long)region, (unsigned long long)(region / MiB),
          (unsigned long long)(bound / MiB), (unsigned long long)(load / MiB));
    return 0;
}

/* ---- parent ------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct child_result {
    int status;
    double secs;
    char out[1024];
} child_result_t;

/* Runs `exe mode` in a fresh process under RLIMIT_AS = limit (0: as
 * inherited); its stdout is captured, its stderr goes to ours. */
static void run_child(const char *exe, const char *mode, size_t limit, child_result_t *r)
{
    int out[2];
    CHECK(pipe(out) == 0, "pipe");
    fflush(NULL);
    double t0 = now_s();
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        if (limit) {
            struct rlimit rl = { limit, limit };
            if (setrlimit(RLIMIT_AS, &rl) != 0)
                _exit(8);
        }
        execl(exe, "heap_limits", mode, (char *)NULL);
        _exit(7);
    }
    close(out[1]);
    size_t n = 0;
    ssize_t got;
    while ((got = read(out[0], r->out + n, sizeof r->out - 1 - n)) > 0)
        n += (size_t)got;
    r->out[n] = 0;
    close(out[0]);
    CHECK(waitpid(pid, &r->status, 0) == pid, "waitpid");
    r->secs = now_s() - t0;
    size_t len = strlen(r->out);
    while (len && r->out[len - 1] == '\n')
        r->out[--len] = 0;
}

static int exited_with(const child_result_t *r, int code)
{
    return WIFEXITED(r->status) && WEXITSTATUS(r->status) == code;
}

/* The glibc build of this file, next to the tests' folder. */
static void find_glibc_helper(char *path, size_t cap)
{
    const char *build = getenv("BUILD");
    if (build) {
        snprintf(path, cap, "%s/helpers/heap_limits_glibc", build);
        if (access(path, X_OK) == 0)
            return;
    }
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    CHECK(n > 0, "readlink /proc/self/exe");
    self[n] = 0;
    /* $(BUILD)/tests/unit/heap_limits -> $(BUILD)/helpers/heap_limits_glibc */
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr(self, '/');
        CHECK(slash != NULL, "unexpected path %s", self);
        *slash = 0;
    }
    snprintf(path, cap, "%s/helpers/heap_limits_glibc", self);
    CHECK(access(path, X_OK) == 0,
          "glibc helper %s missing (built by `make test-build`, tests/heap_limits.mk)", path);
}

static void compare_with_glibc(const char *helper, size_t limit)
{
    child_result_t g, h;
    size_t gb = 0, gn = 0, hb = 0, hn = 0;
    run_child(helper, "fill", limit, &g);
    CHECK(exited_with(&g, 0) && sscanf(g.out, "blocks=%zu bytes=%zu", &gn, &gb) == 2,
          "glibc child under RLIMIT_AS %zu MiB: status 0x%x, output: %s", limit / MiB, g.status,
          g.out);
    run_child("/proc/self/exe", "fill", limit, &h);
    CHECK(exited_with(&h, 0) && sscanf(h.out, "blocks=%zu bytes=%zu", &hn, &hb) == 2,
          "hakmem child under RLIMIT_AS %zu MiB: status 0x%x, output: %s", limit / MiB, h.status,
          h.out);
    double ratio = gb ? 100.0 * (double)hb / (double)gb : 0.0;
    printf("RLIMIT_AS %5zu MiB, 4 MiB blocks: glibc %5zu MiB (%4zu blocks, %.2f s), "
           "hakmem %5zu MiB (%4zu blocks, %.2f s): %.1f %% of glibc\n",
           limit / MiB, gb / MiB, gn, g.secs, hb / MiB, hn, h.secs, ratio);
    CHECK(gn > 0, "glibc got no block under RLIMIT_AS %zu MiB", limit / MiB);
    CHECK((double)hb >= 0.95 * (double)gb,
          "hakmem reached %zu MiB under RLIMIT_AS %zu MiB, below 95 %% of glibc's %zu MiB",
          hb / MiB, limit / MiB, gb / MiB);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "fill") == 0)
        return child_fill();
    if (argc > 1 && strcmp(argv[1], "late-rlimit") == 0)
        return child_late_rlimit();
    if (argc > 1 && strcmp(argv[1], "big-blocks") == 0)
        return child_big_blocks();
    if (argc > 1 && strcmp(argv[1], "growth") == 0)
        return child_growth();
    CHECK(argc == 1, "unknown mode %s", argv[1]);
    CHECK(strncmp(hak_version(), "hakmem", 6) == 0, "hakmem is not linked in");
    setvbuf(stdout, NULL, _IOLBF, 0);
    double t0 = now_s();
    char helper[4200];
    find_glibc_helper(helper, sizeof helper);

    compare_with_glibc(helper, GiB);
    compare_with_glibc(helper, 8 * GiB);

    child_result_t r;
    run_child("/proc/self/exe", "late-rlimit", 0, &r);
    CHECK(exited_with(&r, 0), "late setrlimit child: status 0x%x, output: %s", r.status, r.out);
    printf("ok   setrlimit(RLIMIT_AS, 2 GiB) after the first malloc: 2 threads, mmap and malloc "
           "of 1 MiB succeed (%.2f s); %s\n",
           r.secs, r.out);

    char skipped[1100] = "";
    run_child("/proc/self/exe", "big-blocks", 0, &r);
    if (exited_with(&r, 77)) {
        snprintf(skipped, sizeof skipped, "big-blocks case skipped: %s", r.out);
        printf("skip %s\n", skipped);
    } else {
        CHECK(exited_with(&r, 0), "2 GiB blocks child: status 0x%x, output: %s", r.status, r.out);
        printf("ok   %s (%.2f s)\n", r.out, r.secs);
    }

    run_child("/proc/self/exe", "growth", 0, &r);
    CHECK(exited_with(&r, 0), "growth child: status 0x%x, output: %s", r.status, r.out);
    printf("ok   %s (%.2f s)\n", r.out, r.secs);

    printf("heap_limits: done in %.1f s\n", now_s() - t0);
    if (skipped[0]) {
        printf("%s\n", skipped); /* the runner shows the last line */
        return 77;
    }
    return 0;
}

#else /* HEAP_LIMITS_GLIBC */

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "fill") == 0)
        return child_fill();
    fprintf(stderr, "heap_limits_glibc: the glibc build knows only `fill`\n");
    return 2;
}

#endif
