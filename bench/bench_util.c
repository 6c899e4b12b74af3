/*
 * bench_util.c - allocator identity, timing, RSS and the RESULT line.
 *
 * Allocator identity (bu_init) combines three independent checks so that a
 * benchmark cannot silently run on the wrong malloc:
 *   a) which loaded object actually defines the `malloc` this process calls:
 *      dlsym(RTLD_DEFAULT, "malloc") follows the same interposition order as
 *      every call site (LD_PRELOAD, then the executable, then libc), and
 *      dladdr() names the object containing that address;
 *   b) a marker symbol of each allocator, looked up the same way
 *      (hak_version, mi_version, mallctl, tc_version / tc_malloc,
 *      minimal_version), which only
 *      counts when it lives in the same object as `malloc` from (a);
 *   c) glibc's own heap counters: mallinfo2() taken directly from libc.so.6
 *      (never an interposed copy) around a 100000-byte malloc. That size is
 *      above glibc's tcache and below its mmap threshold, so the in-use
 *      counter grows iff glibc's malloc served the request.
 * The result is "glibc" only when malloc lives in libc and (c) moved; a named
 * allocator only when its marker sits next to malloc and (c) did not move;
 * anything else is "inconsistent" or "unknown", which bench/run.sh refuses.
 */
#define _GNU_SOURCE
#include "bench_util.h"

#include <dlfcn.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static char g_alloc[32] = "unknown"; /* allocator name */
static char g_obj[128] = "?";        /* basename of object defining malloc */
static char g_ver[64] = "?";         /* allocator's own version string */
static long long g_glibc_delta;      /* glibc in-use growth over one malloc */

/* Copies src into dst (size n), replacing blanks so the value stays one
 * key=value token. */
static void copy_token(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < n; i++)
        dst[i] = (src[i] == ' ' || src[i] == '\t' || src[i] == '=') ? '_' : src[i];
    dst[i] = '\0';
}

/* Looks up `name` in global scope; returns its address or NULL, and stores
 * the load base of the defining object in *base (NULL when not found). */
static void *lookup(const char *name, void **base)
{
    Dl_info di;
    void *p = dlsym(RTLD_DEFAULT, name);
    *base = (p && dladdr(p, &di)) ? di.dli_fbase : NULL;
    return p;
}

/* Measures check (c) above: bytes by which glibc's own in-use counters grow
 * across one 100000-byte malloc. -1 if libc's mallinfo2 is unavailable. */
static long long glibc_heap_delta(void)
{
    struct mallinfo2 (*mi2)(void);
    void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    void *sym = libc ? dlsym(libc, "mallinfo2") : NULL;
    if (!sym)
        return -1;
    memcpy(&mi2, &sym, sizeof mi2);
    struct mallinfo2 a = mi2();
    void *p = malloc(100000);
    if (!p)
        bu_oom("identity probe");
    bu_escape(p);
    struct mallinfo2 b = mi2();
    free(p);
    dlclose(libc);
    return (long long)(b.uordblks + b.hblkhd) - (long long)(a.uordblks + a.hblkhd);
}

/* Fills g_ver with the version string of the allocator named g_alloc, using
 * that allocator's own API (sym = its marker symbol). */
static void read_version(void *sym)
{
    char buf[64];
    buf[0] = '\0';
    if (!strcmp(g_alloc, "hakmem") || !strcmp(g_alloc, "minimal")) {
        const char *(*fn)(void);
        memcpy(&fn, &sym, sizeof fn);
        snprintf(buf, sizeof buf, "%s", fn());
    } else if (!strcmp(g_alloc, "mimalloc")) {
        int (*fn)(void);
        memcpy(&fn, &sym, sizeof fn);
        snprintf(buf, sizeof buf, "mimalloc-%d", fn());
    } else if (!strcmp(g_alloc, "jemalloc")) {
        int (*fn)(const char *, void *, size_t *, void *, size_t);
        const char *v = NULL;
        size_t sz = sizeof v;
        memcpy(&fn, &sym, sizeof fn);
        if (fn("version", &v, &sz, NULL, 0) == 0 && v)
            snprintf(buf, sizeof buf, "jemalloc-%s", v);
    } else if (!strcmp(g_alloc, "tcmalloc")) {
        void *tv = dlsym(RTLD_DEFAULT, "tc_version");
        const char *(*fn)(int *, int *, const char **);
        int ma = 0, mi = 0;
        const char *pa = NULL;
        if (tv) {
            memcpy(&fn, &tv, sizeof fn);
            snprintf(buf, sizeof buf, "%s", fn(&ma, &mi, &pa));
        }
    } else if (!strcmp(g_alloc, "glibc")) {
        snprintf(buf, sizeof buf, "glibc-%s", gnu_get_libc_version());
    }
    if (buf[0])
        copy_token(g_ver, sizeof g_ver, buf);
}

void bu_init(void)
{
    static const struct { const char *sym, *name; } markers[] = {
        {"hak_version", "hakmem"}, {"mi_version", "mimalloc"},
        {"mallctl", "jemalloc"},   {"tc_version", "tcmalloc"},
        {"tc_malloc", "tcmalloc"}, {"minimal_version", "minimal"},
    };
    void *mbase, *base, *msym = lookup("malloc", &mbase), *hit = NULL;
    Dl_info di;

    g_glibc_delta = glibc_heap_delta();
    if (msym && dladdr(msym, &di) && di.dli_fname) {
        const char *slash = strrchr(di.dli_fname, '/');
        copy_token(g_obj, sizeof g_obj, slash ? slash + 1 : di.dli_fname);
        if (!g_obj[0]) /* the main program has an empty l_name */
            copy_token(g_obj, sizeof g_obj, "executable");
    }
    for (size_t i = 0; i < sizeof markers / sizeof markers[0] && !hit; i++) {
        void *p = lookup(markers[i].sym, &base);
        if (p && base && base == mbase) {
            hit = p;
            copy_token(g_alloc, sizeof g_alloc, markers[i].name);
        }
    }
    if (hit) {
        if (g_glibc_delta != 0) /* glibc still served our probe */
            copy_token(g_alloc, sizeof g_alloc, "inconsistent");
        else
            read_version(hit);
    } else if (!strncmp(g_obj, "libc.so", 7)) {
        copy_token(g_alloc, sizeof g_alloc, g_glibc_delta > 0 ? "glibc" : "inconsistent");
        read_version(NULL);
    }
}

const char *bu_alloc_name(void)
{
    return g_alloc;
}

double bu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

long bu_rss_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

long bu_peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

unsigned bu_nproc(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

uint64_t bu_arg(int argc, char **argv, int i, uint64_t def)
{
    char *end;
    if (i >= argc || !strcmp(argv[i], "-"))
        return def;
    errno = 0;
    unsigned long long v = strtoull(argv[i], &end, 10);
    if (errno || end == argv[i] || *end || argv[i][0] == '-') {
        fprintf(stderr, "%s: argument %d: bad number '%s'\n", argv[0], i, argv[i]);
        exit(2);
    }
    return (uint64_t)v;
}

void bu_report(const char *name, const char *params, uint64_t ops, double secs,
               const char *extra)
{
    printf("RESULT name=%s%s%s ops=%llu secs=%.6f ops_per_sec=%.1f peak_rss_kb=%ld"
           "%s%s alloc=%s malloc_obj=%s alloc_ver=%s glibc_delta=%lld\n",
           name, params && *params ? " " : "", params ? params : "",
           (unsigned long long)ops, secs, secs > 0 ? (double)ops / secs : 0.0,
           bu_peak_rss_kb(), extra && *extra ? " " : "", extra ? extra : "",
           g_alloc, g_obj, g_ver, g_glibc_delta);
    fflush(stdout);
}

void *bu_calloc_lines(size_t n, size_t size, const char *what)
{
    if (n == 0 || size % BU_LINE != 0 || n > SIZE_MAX / size)
        bu_oom(what);
    void *p = aligned_alloc(BU_LINE, n * size);
    if (!p)
        bu_oom(what);
    return memset(p, 0, n * size);
}

_Noreturn void bu_oom(const char *what)
{
    fprintf(stderr, "%s: allocation failed\n", what);
    exit(1);
}
