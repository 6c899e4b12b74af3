/*
 * config.c - the HAKMEM_* environment variables of the hosted port, read
 * once, at the process heap's start (the first allocation) or at load time
 * if that comes first, never on an allocation path afterwards.
 *
 *   HAKMEM_PURGE_DELAY_MS   free memory unused this long goes back (decay)
 *   HAKMEM_PURGE_THRESHOLD  free, not yet returned bytes that trigger a purge
 *   HAKMEM_WARM_RESERVE     bytes such a purge leaves
 *   HAKMEM_STATS            statistics table at exit: on stderr, or a file
 *   HAKMEM_VALGRIND         annotations for valgrind: auto, yes, no
 *   HAKMEM_VERBOSE          yes: print the settings in force at start
 *
 * In a program that runs in secure-execution mode (setuid, setgid or with
 * file capabilities: AT_SECURE), every HAKMEM_* variable is ignored, as
 * glibc ignores MALLOC_*: the environment is its caller's, who may not
 * choose the files the program writes or what it prints.
 *
 * README.md has the table of defaults and ranges. Yes/no values are the
 * words the Makefile takes too (1/0, yes/no, true/false, on/off, y/n, in
 * any case); byte counts take the usual unit spellings (parse_bytes). An
 * unknown HAKMEM_* name or a malformed value gets one warning line on
 * stderr naming the variable, its value and what is used instead; nothing
 * here can stop the program. The code runs inside the first malloc: it
 * allocates nothing and uses no stdio stream.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hosted.h"

extern char **environ;

hak_hosted_config_t hak_hosted_config = {
    .heap = { .purge_high = HAK_PURGE_HIGH, .purge_low = HAK_PURGE_LOW,
              .decay_ms = HAK_PURGE_DECAY_MS },
    .valgrind = -1,
};

static pthread_once_t once = PTHREAD_ONCE_INIT;

#define DELAY_MAX 3600000u               /* one hour */
#define BYTES_MAX ((uint64_t)1 << 40)    /* 1 TiB: the process heap's window */

/* A value or path quoted in a warning: at most CUT characters of it, then
 * "..." (with the "%.*s%s" format and the CUT_ARGS arguments), so that the
 * line keeps its reason however long the value is. */
#define CUT 200
#define CUT_ARGS(v) (int)cut_len(v), (v), strlen(v) > CUT ? "..." : ""
static size_t cut_len(const char *v)
{
    size_t n = strlen(v);
    return n > CUT ? CUT : n;
}

/* One line on stderr, "hakmem: warning: ..." (no stdio stream). */
static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "hakmem: warning: ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1u, fmt, ap);
    va_end(ap);
    n = m < 0 ? n : n + m < (int)sizeof line - 1 ? n + m : (int)sizeof line - 2;
    /* Values come from the environment: a newline or an escape sequence in
     * one must not start a line of its own or reach the terminal. */
    for (int i = 0; i < n; i++)
        if ((unsigned char)line[i] < 0x20u || line[i] == 0x7f)
            line[i] = '?';
    line[n++] = '\n';
    hak_plat_write(line, (size_t)n);
}

/* Reads the decimal digits at *s (at least one) into *v, moving *s past
 * them. Returns 0, or -1 when there is no digit or the value overflows. */
static int digits(const char **s, uint64_t *v)
{
    const char *p = *s;
    uint64_t n = 0;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (UINT64_MAX - 9u) / 10u)
            return -1;
        n = n * 10u + (uint64_t)(*p - '0');
    }
    *s = p;
    *v = n;
    return 0;
}

/* Decimal digits only, at most `max`. Returns 0 and sets *out, or -1. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (digits(&s, &v) != 0 || *s || v > max)
        return -1;
    *out = v;
    return 0;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 when v is `word` (lower case) in any case, ASCII only (no locale). */
static int is_word(const char *v, const char *word)
{
    while (*word && lower(*v) == *word) {
        v++;
        word++;
    }
    return !*v && !*word;
}

/* A byte count, at most `max`: digits, then optionally a unit in any case:
 * K, M, G or T (powers of 1024), alone or followed by B, i or iB (10k, 10K,
 * 10KB, 10Ki and 10KiB are all 10240), or B alone (bytes). Nothing else may
 * follow. Returns 0 and sets *out, or -1. */
static int parse_bytes(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (digits(&s, &v) != 0)
        return -1;
    unsigned shift = 0;
    switch (lower(*s)) {
    case 'k': shift = 10; break;
    case 'm': shift = 20; break;
    case 'g': shift = 30; break;
    case 't': shift = 40; break;
    }
    if (shift) {
        s++;
        if (lower(*s) == 'i')
            s++;
    }
    if (lower(*s) == 'b')
        s++;
    if (*s || v > (max >> shift))
        return -1;
    *out = v << shift;
    return 0;
}

/* The yes/no words of every switch (the Makefile's too), in any case: 1
 * for a yes, 0 for a no, -1 for anything else. */
static int yes_no(const char *v)
{
    static const char *const words[2][5] = {
        { "0", "n", "no", "false", "off" },
        { "1", "y", "yes", "true", "on" },
    };
    for (int yes = 0; yes < 2; yes++)
        for (unsigned k = 0; k < 5u; k++)
            if (is_word(v, words[yes][k]))
                return yes;
    return -1;
}

#define YES_NO_WORDS "1/0, yes/no, true/false, on/off, y/n"

/* "48M (50331648 bytes)" for display, or "1000 bytes". */
static const char *show_bytes(uint64_t v, char *buf, size_t cap)
{
    static const char units[] = "KMGT";
    unsigned u = 0;
    uint64_t w = v;
    while (w && w % 1024u == 0 && u < 4u) {
        w /= 1024u;
        u++;
    }
    if (u)
        snprintf(buf, cap, "%llu%c (%llu bytes)", (unsigned long long)w, units[u - 1u],
                 (unsigned long long)v);
    else
        snprintf(buf, cap, "%llu bytes", (unsigned long long)v);
    return buf;
}

static int is_set(const char *name, const char **value)
{
    *value = getenv(name);
    return *value != NULL;
}

/* Origins of the settings, for HAKMEM_VERBOSE. */
static const char *origin[6];
enum { O_DELAY, O_HIGH, O_LOW, O_STATS, O_VALGRIND, O_VERBOSE };
static const char DEFAULT[] = "default";
static const char SET[] = "set";

static void read_delay(hak_hosted_config_t *cfg)
{
    const char *v;
    origin[O_DELAY] = DEFAULT;
    if (!is_set("HAKMEM_PURGE_DELAY_MS", &v))
        return;
    uint64_t ms;
    if (parse_uint(v, DELAY_MAX, &ms) != 0) {
        warn("HAKMEM_PURGE_DELAY_MS=%.*s%s is not a whole number of milliseconds from 0 to %u: "
             "using the default, %u", CUT_ARGS(v), DELAY_MAX, HAK_PURGE_DECAY_MS);
        return;
    }
    cfg->heap.decay_ms = (uint32_t)ms;
    origin[O_DELAY] = SET;
}

static void read_bytes(const char *name, int which, size_t *field, size_t dflt)
{
    const char *v;
    origin[which] = DEFAULT;
    if (!is_set(name, &v))
        return;
    uint64_t b;
    if (parse_bytes(v, BYTES_MAX, &b) != 0) {
        char d[64];
        warn("%s=%.*s%s is not a byte count from 0 to 1T (digits, then optionally K, M, G or T, "
             "powers of 1024, also written KB, KiB, Ki): using the default, %s",
             name, CUT_ARGS(v), show_bytes(dflt, d, sizeof d));
        return;
    }
    *field = (size_t)b;
    origin[which] = SET;
}

/* 1 when v is nothing but decimal digits. */
static int all_digits(const char *v)
{
    uint64_t ignored;
    return digits(&v, &ignored) == 0 && !*v;
}

/* HAKMEM_STATS: empty or a no word: none; a yes word or "stderr": stderr;
 * other digits (2, 10: a number meant as a switch, not a file name):
 * stderr, with a warning; anything else is a file's path ("./yes" or
 * "./2" names such a file). */
static void read_stats(hak_hosted_config_t *cfg)
{
    const char *v;
    origin[O_STATS] = DEFAULT;
    if (!is_set("HAKMEM_STATS", &v))
        return;
    origin[O_STATS] = SET;
    int sw = yes_no(v);
    if (!*v || sw == 0)
        return;
    if (sw == 1 || is_word(v, "stderr")) {
        cfg->stats = HAK_STATS_STDERR;
        return;
    }
    if (all_digits(v)) {
        warn("HAKMEM_STATS=%.*s%s is a number, not a yes/no value (" YES_NO_WORDS ") or a file "
             "name (./%.*s%s names a file): using yes, the table on stderr", CUT_ARGS(v), CUT_ARGS(v));
        cfg->stats = HAK_STATS_STDERR;
        return;
    }
    /* A relative path names a file in the directory the program started
     * in, wherever it is when it exits. */
    size_t have = 0;
    if (v[0] != '/') {
        if (!getcwd(cfg->stats_path, sizeof cfg->stats_path - 1u)) {
            warn("HAKMEM_STATS=%.*s%s: the current directory is not known (%s): "
                 "no statistics (the default)", CUT_ARGS(v), strerror(errno));
            return;
        }
        have = strlen(cfg->stats_path);
        if (have && cfg->stats_path[have - 1u] != '/')
            cfg->stats_path[have++] = '/';
    }
    if (have + strlen(v) >= sizeof cfg->stats_path) {
        warn("HAKMEM_STATS=%.*s%s: path too long: no statistics (the default)", CUT_ARGS(v));
        return;
    }
    strcpy(cfg->stats_path + have, v);
    /* Writable? An existing file must be; otherwise its folder. */
    char dir[sizeof cfg->stats_path];
    strcpy(dir, cfg->stats_path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
    int ok = access(cfg->stats_path, F_OK) == 0 ? access(cfg->stats_path, W_OK) == 0
                                                 : access(dir, W_OK | X_OK) == 0;
    if (!ok) {
        warn("HAKMEM_STATS=%.*s%s: cannot write %.*s%s (%s): no statistics (the default)",
             CUT_ARGS(v), CUT_ARGS(cfg->stats_path), strerror(errno));
        return;
    }
    /* A folder can never take the table; a FIFO or a device is opened at
     * exit without waiting (report.c). */
    struct stat st;
    if (stat(cfg->stats_path, &st) == 0 && S_ISDIR(st.st_mode)) {
        warn("HAKMEM_STATS=%.*s%s: %.*s%s is a directory, not a file: no statistics (the default)",
             CUT_ARGS(v), CUT_ARGS(cfg->stats_path));
        return;
    }
    cfg->stats = HAK_STATS_FILE;
}

/* A yes/no setting: 1 or 0; -1 when it is unset, is `extra` (a third
 * value, in any case), or is none of these (with a warning naming the
 * default used, `dflt`). */
static int read_switch(const char *name, int which, const char *extra, const char *dflt)
{
    const char *v;
    origin[which] = DEFAULT;
    if (!is_set(name, &v))
        return -1;
    int sw = yes_no(v);
    if (sw >= 0 || (extra && is_word(v, extra))) {
        origin[which] = SET;
        return sw;
    }
    warn("%s=%.*s%s is not a yes/no value (" YES_NO_WORDS ")%s%s: using the default, %s", name, CUT_ARGS(v),
         extra ? " or " : "", extra ? extra : "", dflt);
    return -1;
}

static const char *const known[] = {
    "HAKMEM_PURGE_DELAY_MS", "HAKMEM_PURGE_THRESHOLD", "HAKMEM_WARM_RESERVE",
    "HAKMEM_STATS", "HAKMEM_VALGRIND", "HAKMEM_VERBOSE",
};

static void check_names(void)
{
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, "HAKMEM_", 7) != 0)
            continue;
        size_t len = strcspn(*e, "=");
        int found = 0;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            found |= strlen(known[k]) == len && !strncmp(*e, known[k], len);
        if (!found)
            warn("unknown variable %.*s%s ignored (hakmem reads HAKMEM_PURGE_DELAY_MS, "
                 "HAKMEM_PURGE_THRESHOLD, HAKMEM_WARM_RESERVE, HAKMEM_STATS, HAKMEM_VALGRIND, "
                 "HAKMEM_VERBOSE)", (int)(len > CUT ? CUT : len), *e, len > CUT ? "..." : "");
    }
}

/* src with each control character shown as '?' (a value from the
 * environment printed on a line of its own), cut to fit cap bytes. */
static const char *printable(const char *src, char *dst, size_t cap)
{
    size_t i = 0;
    for (; src[i] && i + 1u < cap; i++)
        dst[i] = (unsigned char)src[i] < 0x20u || src[i] == 0x7f ? '?' : src[i];
    dst[i] = 0;
    return dst;
}

static void print_settings(const hak_hosted_config_t *cfg)
{
    char text[2048], a[64], b[64], path[1024];
    const char *stats = cfg->stats == HAK_STATS_OFF ? "0: no table at exit"
                      : cfg->stats == HAK_STATS_STDERR ? "1: the table on stderr at exit"
                      : "the table appended to this file at exit";
    int n = snprintf(text, sizeof text,
        "hakmem %s: settings of %s (pid %d)\n"
        "  HAKMEM_PURGE_DELAY_MS=%u (%s)\n"
        "  HAKMEM_PURGE_THRESHOLD=%s (%s)\n"
        "  HAKMEM_WARM_RESERVE=%s (%s)\n"
        "  HAKMEM_STATS=%s%s%s (%s)\n"
        "  HAKMEM_VALGRIND=%s (%s): %s\n"
        "  HAKMEM_VERBOSE=1\n",
        hak_version() + sizeof "hakmem", cfg->program, (int)getpid(),
        cfg->heap.decay_ms, origin[O_DELAY],
        show_bytes(cfg->heap.purge_high, a, sizeof a), origin[O_HIGH],
        show_bytes(cfg->heap.purge_low, b, sizeof b), origin[O_LOW],
        cfg->stats == HAK_STATS_FILE ? printable(cfg->stats_path, path, sizeof path) : "",
        cfg->stats == HAK_STATS_FILE ? ": " : "",
        stats, origin[O_STATS],
        cfg->valgrind < 0 ? "auto" : cfg->valgrind ? "1" : "0", origin[O_VALGRIND],
        hak_hosted_tool_name());
    if (n > (int)sizeof text - 1)
        n = (int)sizeof text - 1;
    if (n > 0)
        hak_plat_write(text, (size_t)n);
}

/* Every HAKMEM_* variable, read, checked and shown (HAKMEM_VERBOSE). */
static void read_all(hak_hosted_config_t *cfg)
{
    check_names();
    read_delay(cfg);
    read_bytes("HAKMEM_PURGE_THRESHOLD", O_HIGH, &cfg->heap.purge_high, HAK_PURGE_HIGH);
    /* A threshold below the default reserve takes the reserve down to half
     * of it: that is the reserve's default then, also for a bad value. */
    size_t low_default = HAK_PURGE_LOW;
    if (cfg->heap.purge_high < HAK_PURGE_LOW)
        low_default = cfg->heap.purge_high / 2u;
    cfg->heap.purge_low = low_default;
    read_bytes("HAKMEM_WARM_RESERVE", O_LOW, &cfg->heap.purge_low, low_default);
    if (origin[O_LOW] != SET && low_default != HAK_PURGE_LOW)
        origin[O_LOW] = origin[O_HIGH] == SET ? "default: half the threshold set" : "default: half the threshold";
    if (cfg->heap.purge_low > cfg->heap.purge_high) {
        char a[64];
        warn("HAKMEM_WARM_RESERVE=%.*s%s is above the purge threshold, %s: using the threshold",
             CUT_ARGS(getenv("HAKMEM_WARM_RESERVE")), show_bytes(cfg->heap.purge_high, a, sizeof a));
        cfg->heap.purge_low = cfg->heap.purge_high;
    }
    read_stats(cfg);
    cfg->valgrind = read_switch("HAKMEM_VALGRIND", O_VALGRIND, "auto", "auto");
    cfg->verbose = read_switch("HAKMEM_VERBOSE", O_VERBOSE, NULL, "0") == 1;
}

static void load(void)
{
    hak_hosted_config_t *cfg = &hak_hosted_config;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    cfg->start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    snprintf(cfg->program, sizeof cfg->program, "%s",
             program_invocation_short_name && *program_invocation_short_name
                 ? program_invocation_short_name : "?");
    /* The name is argv[0], the caller's choice: a control character in it
     * (a newline) must not start a line of its own in a report. */
    for (char *c = cfg->program; *c; c++)
        if ((unsigned char)*c < 0x20u || *c == 0x7f)
            *c = '?';
    /* Secure execution (AT_SECURE): the defaults, silently. */
    if (!getauxval(AT_SECURE))
        read_all(cfg);
    hak_hosted_tool_detect(cfg->valgrind);
    hak_hosted_report_start();
    if (cfg->verbose)
        print_settings(cfg);
}

void hak_hosted_config_load(void)
{
    pthread_once(&once, load);
}

/* Load time, in case the program exits before it allocates. */
__attribute__((constructor)) static void load_early(void)
{
    hak_hosted_config_load();
}
