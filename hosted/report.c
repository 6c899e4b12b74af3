/*
 * report.c - HAKMEM_STATS: the statistics table at exit.
 *
 * HAKMEM_STATS=1 writes it to stderr, HAKMEM_STATS=<path> appends it to a
 * file (a relative path was made absolute when the program started). The
 * table is a header line (hakmem and its version, the program's name and
 * pid, the time) and hak_stats_format's rows and totals, written with one
 * write() so that the reports of several processes appending to one file
 * do not interleave.
 *
 * Where: see err_copy below for stderr; a file is opened at exit (and
 * created if needed), its folder having been checked at start.
 *
 * When: as the library's destructor runs, that is at exit() or a return
 * from main (after the program's atexit handlers and destructors) and when
 * libhakmem.so is unloaded. A process that ends in _exit(), in an exec
 * without a fork, or on a signal (abort() included) writes nothing: no
 * code of its own runs then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hosted.h"

/* HAKMEM_STATS=1: stderr as it was at start. Programs may close it before
 * they exit (GNU coreutils do, in an atexit handler), or put something
 * else on descriptor 2, so a copy is kept (close-on-exec) with the
 * identity of the file; at exit the table goes to descriptor 2 if it is
 * still that file, else to the copy if that is. Otherwise nothing is
 * written. The copy keeps stderr's file open while the program runs (only
 * with HAKMEM_STATS=1); it takes a high descriptor number, out of the way
 * of programs that expect their first open() to return 3. A forked child
 * closes its copy at once (hak_hosted_report_forget): a daemon that
 * closes descriptors 0 to 2 must not keep its caller's pipe or terminal
 * open; such a child writes its table only to a descriptor 2 that is
 * still the same file. */
static int err_copy = -1;
static dev_t err_dev;
static ino_t err_ino;

static int same_file(int fd)
{
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == err_dev && st.st_ino == err_ino;
}

void hak_hosted_report_start(void)
{
    struct stat st;
    if (hak_hosted_config.stats != HAK_STATS_STDERR || fstat(STDERR_FILENO, &st) != 0)
        return;
    err_dev = st.st_dev;
    err_ino = st.st_ino;
    err_copy = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 256);
    if (err_copy < 0)
        err_copy = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 10);
}

void hak_hosted_report_forget(void)
{
    if (err_copy >= 0) {
        close(err_copy);
        err_copy = -1;
    }
}

/* Room for the header, 85 rows and the totals (about 11 KiB). */
static char text[24576];

/* The header line: "hakmem 0.1 statistics: program ls, pid 42, at
 * 2026-12-01 10:22:33 UTC (0.05 s after start)". */
static int header(char *buf, size_t cap)
{
    struct timespec now, mono;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    gmtime_r(&now.tv_sec, &tm);
    uint64_t ns = (uint64_t)mono.tv_sec * 1000000000u + (uint64_t)mono.tv_nsec;
    uint64_t ran = ns > hak_hosted_config.start_ns ? ns - hak_hosted_config.start_ns : 0;
    return snprintf(buf, cap,
                    "%s statistics: program %s, pid %d, at %04d-%02d-%02d %02d:%02d:%02d UTC "
                    "(%llu.%02llu s after start)\n",
                    hak_version(), hak_hosted_config.program, (int)getpid(), tm.tm_year + 1900,
                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                    (unsigned long long)(ran / 1000000000u),
                    (unsigned long long)(ran / 10000000u % 100u));
}

/* Returns 0, or -1 with errno set when not everything was written. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* "hakmem: warning: HAKMEM_STATS=<path>: cannot write it at exit (<why>): no
 * statistics" on stderr, if it is still open (a long path is cut, the
 * reason kept). */
static void warn_file(const char *path, const char *why)
{
    if (fcntl(STDERR_FILENO, F_GETFD) < 0)
        return;
    char line[600];
    size_t len = strlen(path);
    int m = snprintf(line, sizeof line,
                     "hakmem: warning: HAKMEM_STATS=%.*s%s: cannot write it at exit (%s): "
                     "no statistics\n", (int)(len > 200u ? 200u : len), path,
                     len > 200u ? "..." : "", why);
    if (m > 0)
        (void)write_all(STDERR_FILENO, line, (size_t)m < sizeof line ? (size_t)m : sizeof line - 1u);
}

/* Appends the table to the file of HAKMEM_STATS=<path>. The file is opened
 * without waiting (O_NONBLOCK): a FIFO that no process reads is skipped
 * with a warning, where a plain open would hold the process at exit until
 * a reader came; once open, writes wait as usual. The final name may be a
 * symbolic link (HAKMEM_STATS=/dev/stderr is one): in a setuid, setgid or
 * file-capability program no HAKMEM_* variable is read at all
 * (config.c), so the file is always one its caller may write. */
static void write_file(const char *path, const char *table, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
    if (fd < 0) {
        warn_file(path, errno == ENXIO ? "a FIFO that no process reads" : strerror(errno));
        return;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    if (write_all(fd, table, len) != 0)
        warn_file(path, strerror(errno));
    close(fd);
}

__attribute__((destructor)) static void write_report(void)
{
    hak_hosted_config_load();
    const hak_hosted_config_t *cfg = &hak_hosted_config;
    if (cfg->stats == HAK_STATS_OFF)
        return;
    int saved = errno;
    hak_stats_t s;
    hak_stats(&s);
    int n = header(text, sizeof text);
    if (n < 0)
        n = 0;
    size_t len = (size_t)n + hak_stats_format(&s, text + n, sizeof text - (size_t)n);
    if (len > sizeof text - 2u)
        len = sizeof text - 2u;
    text[len++] = '\n'; /* a blank line between the reports of a file */
    if (cfg->stats == HAK_STATS_STDERR) {
        if (same_file(STDERR_FILENO))
            (void)write_all(STDERR_FILENO, text, len);
        else if (same_file(err_copy))
            (void)write_all(err_copy, text, len);
    } else {
        write_file(cfg->stats_path, text, len);
    }
    errno = saved;
}
