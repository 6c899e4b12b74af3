/*
 * fault_child.h - running one misuse in a forked child and reading its
 * fault report, for the bad-input tests (each includes it once).
 *
 * run_child forks, points the child's stderr and stdout at pipes, runs fn
 * (which should end in a fault report and abort), and collects both
 * outputs and the exit status; a child that survives says so on stdout and
 * exits 2. parse_fault finds the "hakmem: <message>: 0x<pointer>" lines.
 */
#ifndef HAKMEM_FAULT_CHILD_H
#define HAKMEM_FAULT_CHILD_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testlib.h"

/* Writes text to stdout (the child's report channel), without stdio. */
static void note(const char *text)
{
    if (write(1, text, strlen(text)) < 0)
        _exit(5);
}

typedef struct result {
    int status;
    char err[4096];
    char out[512];
} result_t;

static void read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n == cap - 1) { /* drain the rest */
            char sink[256];
            while (read(fd, sink, sizeof sink) > 0) {
            }
            break;
        }
    }
    buf[n] = 0;
}

static void run_child(void (*fn)(void), result_t *r)
{
    int errp[2], outp[2];
    CHECK(pipe(errp) == 0 && pipe(outp) == 0, "pipe");
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);
        close(errp[0]);
        close(outp[0]);
        dup2(errp[1], 2);
        dup2(outp[1], 1);
        alarm(30);
        fn();
        note("SURVIVED the fault without a report\n");
        _exit(2);
    }
    close(errp[1]);
    close(outp[1]);
    read_all(errp[0], r->err, sizeof r->err);
    read_all(outp[0], r->out, sizeof r->out);
    close(errp[0]);
    close(outp[0]);
    CHECK(waitpid(pid, &r->status, 0) == pid, "waitpid");
}

/* Counts the lines starting with "hakmem: "; the first one's message (up to
 * its last ": 0x") and pointer go to msg and *ptr. Returns 1 if it has them. */
static int parse_fault(const char *err, char *msg, size_t msgcap, uintptr_t *ptr, int *count)
{
    int found = 0;
    *count = 0;
    for (const char *line = err; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (len >= 8 && strncmp(line, "hakmem: ", 8) == 0) {
            (*count)++;
            const char *sep = NULL;
            for (const char *s = line; s + 4 <= line + len; s++)
                if (strncmp(s, ": 0x", 4) == 0)
                    sep = s;
            if (sep && !found) {
                size_t mlen = (size_t)(sep - (line + 8));
                if (mlen >= msgcap)
                    mlen = msgcap - 1;
                memcpy(msg, line + 8, mlen);
                msg[mlen] = 0;
                *ptr = (uintptr_t)strtoull(sep + 4, NULL, 16);
                found = 1;
            }
        }
        line = end ? end + 1 : NULL;
    }
    return found;
}

/* The number of cases judged failed, and the report of one. */
static int failures;

static void fail(const char *name, const char *why, const result_t *r)
{
    failures++;
    printf("FAIL %s: %s\n", name, why);
    printf("     status 0x%x, stdout: %s     stderr: %s\n", r->status, r->out, r->err);
}

/* The pointer the child announced with "EXPECT-PTR 0x<hex>" on stderr
 * before its misuse. Returns 1 if it did. */
static int expected_ptr(const char *err, uintptr_t *ptr)
{
    const char *s = strstr(err, "EXPECT-PTR 0x");
    if (!s)
        return 0;
    *ptr = (uintptr_t)strtoull(s + 13, NULL, 16);
    return 1;
}

/* Checks a child that must have stopped on one fault: killed by SIGABRT,
 * exactly one "hakmem: " line on stderr, its message containing expect1
 * (or expect2, when set). Returns NULL when all hold, with the message in
 * msg and the pointer the line names in *named; otherwise why not (kept in
 * why, whycap bytes). */
static const char *fault_verdict(const result_t *r, const char *expect1, const char *expect2,
                                 char *msg, size_t msgcap, uintptr_t *named, char *why,
                                 size_t whycap)
{
    int nlines = 0;
    if (!WIFSIGNALED(r->status) || WTERMSIG(r->status) != SIGABRT)
        return "child did not die with SIGABRT";
    if (!parse_fault(r->err, msg, msgcap, named, &nlines))
        return "no 'hakmem: <message>: 0x<ptr>' line on stderr";
    if (nlines != 1)
        return "not exactly one hakmem line";
    if (!strstr(msg, expect1) && !(expect2 && strstr(msg, expect2))) {
        snprintf(why, whycap, "message \"%s\" lacks \"%s\"%s%s%s", msg, expect1,
                 expect2 ? " or \"" : "", expect2 ? expect2 : "", expect2 ? "\"" : "");
        return why;
    }
    return NULL;
}

/* Checks that a fault message names `call`, the function the program
 * called: it starts "<call>(): " (call NULL: nothing to check). Returns
 * NULL when it does, otherwise why not (kept in why, whycap bytes). */
static const char *call_verdict(const char *msg, const char *call, char *why, size_t whycap)
{
    if (!call)
        return NULL;
    size_t n = strlen(call);
    if (strncmp(msg, call, n) == 0 && strncmp(msg + n, "(): ", 4) == 0)
        return NULL;
    snprintf(why, whycap, "message \"%s\" does not start with \"%s(): \"", msg, call);
    return why;
}

#endif /* HAKMEM_FAULT_CHILD_H */
