#!/usr/bin/env bash
# settings.sh - the HAKMEM_* environment variables and the statistics table
# at exit, on real processes.
#
# Proves:
#   - HAKMEM_STATS=1 prints the table on stderr at exit: a header naming
#     hakmem, its version, the program's name and pid and the time (UTC),
#     one row per class in use, the totals with units and peaks; also when
#     the program closed stderr in an atexit handler (GNU coreutils do: ls
#     under LD_PRELOAD is run too);
#   - HAKMEM_STATS=<relative path> writes to the folder the program started
#     in, after it changed directory; two processes (fork) append two
#     tables to one file, each with its pid;
#   - a path that cannot be written gets one warning line at start, and the
#     program runs as usual; _exit writes no table (documented);
#   - an unknown HAKMEM_* name gets one warning line naming it; a malformed
#     value gets one naming the variable, the value and the default used;
#     valid values get none; none of them changes the exit status;
#   - every yes/no setting takes the Makefile's words in any case (1/0,
#     yes/no, true/false, on/off, y/n): HAKMEM_STATS=yes (or true, On, y,
#     stderr) prints the table on stderr and writes no file named so,
#     HAKMEM_STATS=no (false, OFF, n) prints nothing, HAKMEM_STATS=2 warns
#     once and prints on stderr, HAKMEM_STATS=./yes is a file;
#     HAKMEM_VERBOSE=yes and HAKMEM_VALGRIND=off are taken, without warning;
#   - byte counts take K, M, G, T alone or with B, i or iB, in any case
#     (10k = 10KB = 10KiB = 10Ki = 10240), and B alone; 10x, k, -1, 10kbb,
#     10ib, a value past 2^64 and more than 1T get a warning;
#   - HAKMEM_VERBOSE=1 prints the settings in force, set ones marked;
#   - the program's name (argv[0]) cannot put a line of its own in a report:
#     control characters in it are shown as '?';
#   - HAKMEM_STATS=1: a forked child that closes descriptors 0 to 2 (a
#     daemon) holds no descriptor of its parent's stderr, so a caller
#     reading that pipe is not kept waiting;
#   - HAKMEM_STATS=<a FIFO> no process reads: the program exits at once,
#     with one warning; with a reader, the table goes through; /dev/full:
#     one warning at exit; a folder: one warning at start, worded like the
#     others ("HAKMEM_STATS=...: ...: no statistics (the default)"); a value
#     of 600 characters: the warning is cut in the value, not in its reason;
#   - the settings take effect: HAKMEM_PURGE_THRESHOLD/HAKMEM_WARM_RESERVE
#     make a free of 16 MiB go back at once, HAKMEM_PURGE_DELAY_MS=0 keeps
#     it, HAKMEM_PURGE_DELAY_MS=100 returns it within half a second.
# Env: BUILD=<abs build dir> (from tests/run_tests.sh).
set -u
BUILD=${BUILD:?BUILD must name the build directory}
lib_a=$BUILD/libhakmem.a lib_so=$BUILD/libhakmem.so
for f in "$lib_a" "$lib_so"; do [ -f "$f" ] || { echo "missing $f"; exit 1; }; done
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hak_settings.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset LD_PRELOAD HAKMEM_STATS HAKMEM_VERBOSE HAKMEM_VALGRIND HAKMEM_PURGE_DELAY_MS \
      HAKMEM_PURGE_THRESHOLD HAKMEM_WARM_RESERVE
for v in $(env | sed -n 's/^\(HAKMEM_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

cat >"$tmp/prog.c" <<'EOF'
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "hakmem.h"

static void close_stderr(void) { fclose(stderr); }

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "plain";
    void *keep[64];
    for (int i = 0; i < 64; i++)
        keep[i] = malloc(16 + 40 * i);
    for (int i = 0; i < 64; i += 2)
        free(keep[i]);
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    if (!strcmp(mode, "chdir") && chdir(argv[2]) != 0)
        return 2;
    if (!strcmp(mode, "_exit"))
        _exit(0);
    if (!strcmp(mode, "daemon")) {
        /* The child closes 0 to 2, then writes how many descriptors it
         * still holds on stderr's file into argv[2]. */
        pid_t c = fork();
        if (c == 0) {
            struct stat err, st;
            if (fstat(2, &err) != 0)
                _exit(1);
            setsid();
            close(0);
            close(1);
            close(2);
            int open_fds = 0;
            DIR *d = opendir("/proc/self/fd");
            for (struct dirent *e; d && (e = readdir(d));)
                open_fds += e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d) &&
                            fstat(atoi(e->d_name), &st) == 0 && st.st_dev == err.st_dev &&
                            st.st_ino == err.st_ino;
            if (d)
                closedir(d);
            FILE *f = fopen(argv[2], "w");
            if (f) {
                fprintf(f, "%d\n", d ? open_fds : -1);
                fclose(f);
            }
            _exit(0);
        }
        waitpid(c, NULL, 0);
    }
    if (!strcmp(mode, "closeerr"))
        atexit(close_stderr);
    if (!strcmp(mode, "fork")) {
        pid_t c = fork();
        if (c == 0) {
            void *volatile q = malloc(100);
            free(q);
            exit(0);
        }
        waitpid(c, NULL, 0);
    }
    if (!strcmp(mode, "purge")) {
        size_t n = (size_t)16 << 20;
        char *volatile p = malloc(n); /* volatile: the pair stays */
        memset(p, 1, n);
        hak_stats_t a, b;
        hak_stats(&a);
        free(p);
        if (argc > 2) {
            struct timespec ts = { 0, atoi(argv[2]) * 1000000L };
            nanosleep(&ts, NULL);
        }
        void *volatile q = malloc(64); /* a slow path after the wait */
        free(q);
        hak_stats(&b);
        printf("purged %llu\n", (unsigned long long)(b.purged_bytes - a.purged_bytes));
    }
    return 0;
}
EOF
cc -std=gnu11 -O1 -Wall -Werror -I"$root/include" "$tmp/prog.c" -o "$tmp/prog" "$lib_a" -pthread ||
    { echo "build failed"; exit 1; }
prog=$tmp/prog

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }
# header FILE PID: the table's header line for PID, with a plausible time.
header_re() { echo "^hakmem [0-9.]+ statistics: program prog, pid $1, at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC \\([0-9]+\\.[0-9]{2} s after start\\)$"; }
check_table() { # FILE PID WHAT
    local f=$1 pid=$2 what=$3
    grep -qE "$(header_re "$pid")" "$f" || { fail "$what: no header line for pid $pid"; sed 's/^/    | /' "$f" | head -n 5; return; }
    grep -qE '^class +size +stride +slabs +blocks_in_use +blocks_cached +blocks_free +refills +flushes +remote_frees$' "$f" ||
        { fail "$what: no column line"; return; }
    [ "$(grep -cE '^ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$' "$f")" -ge 3 ] ||
        { fail "$what: fewer than 3 class rows"; return; }
    grep -qE '^  committed_bytes +[0-9.]+ (B|KiB|MiB) \([0-9]+\) +committed_peak +[0-9.]+ (B|KiB|MiB) \([0-9]+\)$' "$f" ||
        { fail "$what: no committed line with units and peak"; return; }
    for name in reserved_bytes resident_peak purged_bytes remote_frees purges large_allocs caches_released; do
        grep -qE " $name +[0-9]" "$f" || { fail "$what: no $name"; return; }
    done
    ok "$what"
}

# 1. stderr
"$prog" >"$tmp/o1" 2>"$tmp/e1"
[ -s "$tmp/e1" ] && fail "no HAKMEM_STATS: stderr not empty: $(head -n 2 "$tmp/e1")"
HAKMEM_STATS=1 "$prog" >"$tmp/o1" 2>"$tmp/e1"
check_table "$tmp/e1" "$(sed -n 's/^pid //p' "$tmp/o1")" "HAKMEM_STATS=1: table on stderr"
HAKMEM_STATS=1 "$prog" closeerr >"$tmp/o2" 2>"$tmp/e2"
check_table "$tmp/e2" "$(sed -n 's/^pid //p' "$tmp/o2")" "HAKMEM_STATS=1, stderr closed at exit: table still written"
HAKMEM_STATS=1 LD_PRELOAD=$lib_so ls / >/dev/null 2>"$tmp/e3"
if grep -qE '^hakmem [0-9.]+ statistics: program ls, pid [0-9]+' "$tmp/e3" && grep -q '^totals:' "$tmp/e3"; then
    ok "ls under LD_PRELOAD (closes stderr at exit): table written"
else
    fail "ls under LD_PRELOAD: no table"; head -n 3 "$tmp/e3"
fi

# 2. relative path, resolved at start; two processes append
mkdir -p "$tmp/start" "$tmp/elsewhere"
(cd "$tmp/start" && HAKMEM_STATS=rel.txt "$prog" chdir "$tmp/elsewhere" >"$tmp/o4" 2>"$tmp/e4")
if [ -f "$tmp/start/rel.txt" ] && [ ! -e "$tmp/elsewhere/rel.txt" ]; then
    check_table "$tmp/start/rel.txt" "$(sed -n 's/^pid //p' "$tmp/o4")" "relative HAKMEM_STATS path: in the start folder"
else
    fail "relative HAKMEM_STATS path: start has $(ls "$tmp/start"), elsewhere has $(ls "$tmp/elsewhere")"
fi
[ -s "$tmp/e4" ] && fail "relative path: stderr not empty: $(head -n 2 "$tmp/e4")"
HAKMEM_STATS=$tmp/two.txt "$prog" fork >"$tmp/o5" 2>&1
n=$(grep -cE '^hakmem [0-9.]+ statistics: program prog, pid [0-9]+' "$tmp/two.txt")
pids=$(sed -nE 's/^hakmem [0-9.]+ statistics: program prog, pid ([0-9]+),.*/\1/p' "$tmp/two.txt" | sort -u | wc -l)
[ "$n" = 2 ] && [ "$pids" = 2 ] && ok "fork: two tables in one file, two pids" ||
    fail "fork: $n tables, $pids pids in one file"

# 3. unwritable path, _exit
HAKMEM_STATS=$tmp/no/such/dir/s.txt "$prog" >"$tmp/o6" 2>"$tmp/e6"
rc=$?
if [ $rc = 0 ] && [ "$(wc -l <"$tmp/e6")" = 1 ] &&
   grep -qE "^hakmem: warning: HAKMEM_STATS=$tmp/no/such/dir/s.txt: cannot write .*no statistics" "$tmp/e6"; then
    ok "unwritable HAKMEM_STATS path: one warning line, exit 0"
else
    fail "unwritable HAKMEM_STATS path: exit $rc, stderr:"; sed 's/^/    | /' "$tmp/e6"
fi
HAKMEM_STATS=$tmp/exit_.txt "$prog" _exit >/dev/null 2>&1
[ -e "$tmp/exit_.txt" ] && fail "_exit wrote a table" || ok "_exit: no table (as documented)"

# 4. warnings
warns() { # expected-count VAR=VALUE...
    local want=$1; shift
    env "$@" "$prog" >/dev/null 2>"$tmp/w"
    local rc=$? got; got=$(grep -c '^hakmem: warning: ' "$tmp/w")
    if [ $rc != 0 ] || [ "$got" != "$want" ] || [ "$(wc -l <"$tmp/w")" != "$want" ]; then
        fail "$*: exit $rc, $got warning line(s), expected $want:"; sed 's/^/    | /' "$tmp/w"
        return 1
    fi
}
warns 1 HAKMEM_BOGUS=1 && grep -q '^hakmem: warning: unknown variable HAKMEM_BOGUS ignored' "$tmp/w" &&
    ok "unknown HAKMEM_BOGUS: one warning naming it"
for bad in HAKMEM_PURGE_DELAY_MS=abc HAKMEM_PURGE_DELAY_MS=99999999 HAKMEM_PURGE_DELAY_MS=-5 \
           HAKMEM_PURGE_THRESHOLD=12Q HAKMEM_PURGE_THRESHOLD=2T HAKMEM_WARM_RESERVE=-1 \
           HAKMEM_WARM_RESERVE= HAKMEM_VERBOSE=maybe HAKMEM_VALGRIND=maybe HAKMEM_VERBOSE=2 \
           HAKMEM_PURGE_THRESHOLD=10x HAKMEM_PURGE_THRESHOLD=k HAKMEM_PURGE_THRESHOLD=10kbb \
           HAKMEM_PURGE_THRESHOLD=10ib HAKMEM_PURGE_THRESHOLD=18446744073709551616 \
           HAKMEM_WARM_RESERVE=99999999999999999999999k HAKMEM_WARM_RESERVE=1025G \
           "HAKMEM_WARM_RESERVE=10 k"; do
    if warns 1 "$bad"; then
        if grep -qE "^hakmem: warning: ${bad%%=*}=.*(default|threshold)" "$tmp/w" &&
           grep -qF "hakmem: warning: $bad " "$tmp/w"; then
            ok "$bad: one warning naming it, its value and the default"
        else
            fail "$bad: the warning does not name the variable, its value and the default"; cat "$tmp/w"
        fi
    fi
done
warns 1 HAKMEM_PURGE_THRESHOLD=1M HAKMEM_WARM_RESERVE=2M &&
    ok "reserve above the threshold: one warning"
# a newline or an escape in a value is shown as '?': one line, nothing raw
if warns 1 "HAKMEM_VERBOSE=$(printf 'x\nhakmem: forged\033[31m')"; then
    if grep -qF 'HAKMEM_VERBOSE=x?hakmem: forged?[31m is not' "$tmp/w"; then
        ok "control characters in a value: shown as ?, one warning line"
    else
        fail "control characters in a value: not shown as ?"; cat -A "$tmp/w"
    fi
fi
# a threshold below the default reserve makes half of it the reserve's
# default: a bad reserve value then falls back to that, and says so
if warns 1 HAKMEM_PURGE_THRESHOLD=10M HAKMEM_WARM_RESERVE=bad; then
    if grep -qF "using the default, 5M" "$tmp/w"; then
        ok "bad reserve below a 10M threshold: the warning names the 5M used"
    else
        fail "bad reserve below a 10M threshold: the warning names another default"; cat "$tmp/w"
    fi
fi
warns 0 HAKMEM_PURGE_DELAY_MS=0 HAKMEM_PURGE_THRESHOLD=64MiB HAKMEM_WARM_RESERVE=1024k \
        HAKMEM_VALGRIND=auto HAKMEM_VERBOSE=0 HAKMEM_STATS=0 && ok "valid values: no warning"

# 4b. yes/no words
mkdir -p "$tmp/words"
for v in 1 yes YES true On y stderr STDERR; do
    (cd "$tmp/words" && HAKMEM_STATS=$v "$prog" >"$tmp/ow" 2>"$tmp/ew")
    if grep -q '^hakmem: warning' "$tmp/ew" || [ -n "$(ls -A "$tmp/words")" ]; then
        fail "HAKMEM_STATS=$v: a warning or a file: $(head -n 1 "$tmp/ew"); files: $(ls -A "$tmp/words")"
        rm -f "$tmp/words"/*
    else
        check_table "$tmp/ew" "$(sed -n 's/^pid //p' "$tmp/ow")" "HAKMEM_STATS=$v: the table on stderr, no file"
    fi
done
for v in 0 no NO false OFF n; do
    (cd "$tmp/words" && HAKMEM_STATS=$v "$prog" >/dev/null 2>"$tmp/ew")
    if [ -s "$tmp/ew" ] || [ -n "$(ls -A "$tmp/words")" ]; then
        fail "HAKMEM_STATS=$v: output or a file: $(head -n 1 "$tmp/ew"); files: $(ls -A "$tmp/words")"
        rm -f "$tmp/words"/*
    else
        ok "HAKMEM_STATS=$v: no table, no file, no warning"
    fi
done
(cd "$tmp/words" && HAKMEM_STATS=2 "$prog" >"$tmp/ow" 2>"$tmp/ew")
if [ "$(grep -c '^hakmem: warning: ' "$tmp/ew")" = 1 ] &&
   grep -qE '^hakmem: warning: HAKMEM_STATS=2 .*: using yes, the table on stderr$' "$tmp/ew" &&
   [ -z "$(ls -A "$tmp/words")" ]; then
    check_table "$tmp/ew" "$(sed -n 's/^pid //p' "$tmp/ow")" "HAKMEM_STATS=2: one warning, the table on stderr, no file"
else
    fail "HAKMEM_STATS=2: files: $(ls -A "$tmp/words"), stderr:"; head -n 3 "$tmp/ew" | sed 's/^/    | /'
    rm -f "$tmp/words"/*
fi
(cd "$tmp/words" && HAKMEM_STATS=./yes "$prog" >"$tmp/ow" 2>"$tmp/ew")
if [ -f "$tmp/words/yes" ] && [ ! -s "$tmp/ew" ]; then
    check_table "$tmp/words/yes" "$(sed -n 's/^pid //p' "$tmp/ow")" "HAKMEM_STATS=./yes: the file yes"
else
    fail "HAKMEM_STATS=./yes: no file yes, or output on stderr: $(head -n 1 "$tmp/ew")"
fi
# verbose_has VAR=VALUE REGEX: no warning, and a line of the settings
# printed (HAKMEM_VERBOSE=1) matches REGEX (grep -E, whole line).
verbose_has() {
    env HAKMEM_VERBOSE=1 "$1" "$prog" >/dev/null 2>"$tmp/vw"
    if grep -q '^hakmem: warning' "$tmp/vw" || ! grep -qxE "$2" "$tmp/vw"; then
        fail "$1: expected a line '$2' and no warning:"; sed 's/^/    | /' "$tmp/vw" | head -n 10
        return 1
    fi
}
for v in yes TRUE on Y; do
    env HAKMEM_VERBOSE=$v "$prog" >/dev/null 2>"$tmp/vw"
    grep -q '^hakmem: warning' "$tmp/vw" || ! grep -qE '^hakmem [0-9.]+: settings of prog' "$tmp/vw" &&
        fail "HAKMEM_VERBOSE=$v: no settings printed, or a warning: $(head -n 1 "$tmp/vw")" ||
        ok "HAKMEM_VERBOSE=$v: the settings printed"
done
for v in off NO False n 0; do
    verbose_has HAKMEM_VALGRIND=$v '  HAKMEM_VALGRIND=0 \(set\): .*' && ok "HAKMEM_VALGRIND=$v: taken as 0"
done
for v in on Yes 1; do
    verbose_has HAKMEM_VALGRIND=$v '  HAKMEM_VALGRIND=1 \(set\): .*' && ok "HAKMEM_VALGRIND=$v: taken as 1"
done
verbose_has HAKMEM_VALGRIND=AUTO '  HAKMEM_VALGRIND=auto \(set\): .*' && ok "HAKMEM_VALGRIND=AUTO: taken as auto"

# 4c. byte counts
for v in 10k 10K 10kb 10KB 10Kb 10kB 10KiB 10kib 10Ki 10ki 10240 10240b 10240B; do
    verbose_has HAKMEM_PURGE_THRESHOLD=$v '  HAKMEM_PURGE_THRESHOLD=10K \(10240 bytes\) \(set\)' &&
        ok "HAKMEM_PURGE_THRESHOLD=$v: 10240 bytes"
done
for v in 3m 3M 3mb 3MB 3MiB 3Mi 3mi; do
    verbose_has HAKMEM_PURGE_THRESHOLD=$v '  HAKMEM_PURGE_THRESHOLD=3M \(3145728 bytes\) \(set\)' &&
        ok "HAKMEM_PURGE_THRESHOLD=$v: 3 MiB"
done
for v in 2g 2GB 2GiB 2gi; do
    verbose_has HAKMEM_PURGE_THRESHOLD=$v '  HAKMEM_PURGE_THRESHOLD=2G \(2147483648 bytes\) \(set\)' &&
        ok "HAKMEM_PURGE_THRESHOLD=$v: 2 GiB"
done
for v in 1t 1TB 1TiB 1Ti; do
    verbose_has HAKMEM_PURGE_THRESHOLD=$v '  HAKMEM_PURGE_THRESHOLD=1T \(1099511627776 bytes\) \(set\)' &&
        ok "HAKMEM_PURGE_THRESHOLD=$v: 1 TiB"
done
verbose_has HAKMEM_WARM_RESERVE=1mb '  HAKMEM_WARM_RESERVE=1M \(1048576 bytes\) \(set\)' &&
    ok "HAKMEM_WARM_RESERVE=1mb: 1 MiB"

# 5. verbose
HAKMEM_VERBOSE=1 HAKMEM_PURGE_DELAY_MS=250 HAKMEM_STATS=1 "$prog" >/dev/null 2>"$tmp/v"
if grep -qE '^hakmem [0-9.]+: settings of prog \(pid [0-9]+\)$' "$tmp/v" &&
   grep -qx '  HAKMEM_PURGE_DELAY_MS=250 (set)' "$tmp/v" &&
   grep -qx '  HAKMEM_PURGE_THRESHOLD=48M (50331648 bytes) (default)' "$tmp/v" &&
   grep -qx '  HAKMEM_WARM_RESERVE=24M (25165824 bytes) (default)' "$tmp/v" &&
   grep -qE '^  HAKMEM_STATS=1: the table on stderr at exit \(set\)$' "$tmp/v" &&
   grep -qE '^  HAKMEM_VALGRIND=auto \(default\): ' "$tmp/v"; then
    ok "HAKMEM_VERBOSE=1: the settings in force"
else
    fail "HAKMEM_VERBOSE=1:"; sed 's/^/    | /' "$tmp/v" | head -n 12
fi

# 5b. the program's name
HAKMEM_STATS=$tmp/inj.txt bash -c 'exec -a "$1" "$2"' _ $'x\nINJECTED line\r' "$prog" >/dev/null 2>"$tmp/ei"
if grep -q '^INJECTED' "$tmp/inj.txt" || ! grep -qE '^hakmem [0-9.]+ statistics: program x\?INJECTED line\?, pid' "$tmp/inj.txt"; then
    fail "argv[0] with a newline: the report's lines:"; head -n 3 "$tmp/inj.txt" | sed 's/^/    | /'
else
    ok "argv[0] with a newline and a CR: shown as '?', no line of its own"
fi

# 5c. a daemon child
HAKMEM_STATS=1 "$prog" daemon "$tmp/daemon_fds" >/dev/null 2>"$tmp/ed"
if [ "$(cat "$tmp/daemon_fds" 2>/dev/null)" = 0 ]; then
    ok "HAKMEM_STATS=1, a forked child closes 0 to 2: no descriptor of stderr's file left open"
else
    fail "HAKMEM_STATS=1, a forked child closed 0 to 2 and still holds $(cat "$tmp/daemon_fds" 2>/dev/null) descriptor(s) of stderr's file"
fi

# 5d. FIFOs, devices, folders, long values
mkfifo "$tmp/fifo"
start=$(date +%s)
timeout 20 env HAKMEM_STATS="$tmp/fifo" "$prog" >/dev/null 2>"$tmp/ef"
rc=$? took=$(( $(date +%s) - start ))
if [ $rc = 0 ] && [ "$(wc -l <"$tmp/ef")" = 1 ] &&
   grep -qE "^hakmem: warning: HAKMEM_STATS=$tmp/fifo: .*no process reads.*: no statistics$" "$tmp/ef"; then
    ok "HAKMEM_STATS=<a FIFO without a reader>: exit at once (${took} s), one warning"
else
    fail "HAKMEM_STATS=<a FIFO without a reader>: exit $rc after ${took} s, stderr:"; sed 's/^/    | /' "$tmp/ef"
fi
exec 3<>"$tmp/fifo"
HAKMEM_STATS="$tmp/fifo" "$prog" >"$tmp/of" 2>"$tmp/ef"
line=$(timeout 5 head -n 1 <&3)
exec 3<&-
if [ ! -s "$tmp/ef" ] && [[ "$line" =~ $(header_re "$(sed -n 's/^pid //p' "$tmp/of")") ]]; then
    ok "HAKMEM_STATS=<a FIFO with a reader>: the table goes through"
else
    fail "HAKMEM_STATS=<a FIFO with a reader>: read '$line'; stderr: $(head -n 1 "$tmp/ef")"
fi
if [ -c /dev/full ]; then
    HAKMEM_STATS=/dev/full "$prog" >/dev/null 2>"$tmp/ef"
    if [ "$(wc -l <"$tmp/ef")" = 1 ] &&
       grep -qE '^hakmem: warning: HAKMEM_STATS=/dev/full: .*No space left on device.*: no statistics$' "$tmp/ef"; then
        ok "HAKMEM_STATS=/dev/full: one warning at exit"
    else
        fail "HAKMEM_STATS=/dev/full: stderr:"; sed 's/^/    | /' "$tmp/ef"
    fi
fi
mkdir -p "$tmp/adir"
HAKMEM_STATS=$tmp/adir "$prog" >/dev/null 2>"$tmp/ef"
if [ "$(wc -l <"$tmp/ef")" = 1 ] &&
   grep -qE "^hakmem: warning: HAKMEM_STATS=$tmp/adir: .*directory.*: no statistics \(the default\)$" "$tmp/ef"; then
    ok "HAKMEM_STATS=<a folder>: one warning at start, worded like the others"
else
    fail "HAKMEM_STATS=<a folder>: stderr:"; sed 's/^/    | /' "$tmp/ef"
fi
long=$tmp/no/$(printf '%0600d' 0)
HAKMEM_STATS=$long "$prog" >/dev/null 2>"$tmp/ef"
if [ "$(wc -l <"$tmp/ef")" = 1 ] && grep -qE "^hakmem: warning: HAKMEM_STATS=$tmp/no/0+\.\.\.: .*: no statistics \(the default\)$" "$tmp/ef"; then
    ok "HAKMEM_STATS=<600 characters>: the value cut, the reason kept"
else
    fail "HAKMEM_STATS=<600 characters>: stderr:"; cut -c 1-300 "$tmp/ef" | sed 's/^/    | /'
fi
HAKMEM_PURGE_DELAY_MS=$(printf '%600s' '' | tr ' ' 9) "$prog" >/dev/null 2>"$tmp/ef"
if grep -qE '^hakmem: warning: HAKMEM_PURGE_DELAY_MS=9+\.\.\. is not .*: using the default, 1000$' "$tmp/ef"; then
    ok "HAKMEM_PURGE_DELAY_MS=<600 digits>: the value cut, the default named"
else
    fail "HAKMEM_PURGE_DELAY_MS=<600 digits>: stderr:"; cut -c 1-300 "$tmp/ef" | sed 's/^/    | /'
fi

# 6. effects
purged() { env "$@" "$prog" purge "${WAIT_MS:-0}" | sed -n 's/^purged //p'; }
p0=$(purged HAKMEM_PURGE_DELAY_MS=0)
p1=$(purged HAKMEM_PURGE_DELAY_MS=0 HAKMEM_PURGE_THRESHOLD=1M HAKMEM_WARM_RESERVE=0)
p2=$(WAIT_MS=600 purged HAKMEM_PURGE_DELAY_MS=0)
p3=$(WAIT_MS=600 purged HAKMEM_PURGE_DELAY_MS=100)
mib=$((1 << 20))
[ "${p0:-x}" = 0 ] && [ "${p1:-0}" -ge $((15 * mib)) ] && [ "${p2:-x}" = 0 ] && [ "${p3:-0}" -ge $((8 * mib)) ] &&
    ok "settings take effect: purged after freeing 16 MiB: default $p0, threshold 1M $p1, delay 0 after 600 ms $p2, delay 100 ms after 600 ms $p3" ||
    fail "settings' effect: purged after freeing 16 MiB: default '$p0' (want 0), threshold 1M '$p1' (>= 15 MiB), delay 0 after 600 ms '$p2' (0), delay 100 after 600 ms '$p3' (>= 8 MiB)"

[ $fails = 0 ] && echo "all settings checks passed"
exit $((fails > 0))
