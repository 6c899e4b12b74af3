#!/usr/bin/env bash
# secure_exec.sh - HAKMEM_* variables in secure-execution mode (AT_SECURE:
# setuid, setgid or file-capability programs).
#
# Proves, with a program linked with libhakmem.a that prints
# getauxval(AT_SECURE) (so that each case shows it really ran in that mode):
#   - a setuid-root copy run by nobody (setpriv), the attack: with
#     HAKMEM_STATS naming a file in a folder anyone may write, no file is
#     created (the old code created it, as root), and HAKMEM_VERBOSE=1 and
#     an unknown HAKMEM_BOGUS print nothing;
#   - a setuid-nobody copy run by root, a setgid-nogroup copy run by root
#     and a copy with a file capability (setcap) run by nobody: the same;
#   - the same program without any of these, same variables: the file is
#     written, the settings printed, the unknown name warned about (the
#     cases above are not passing because the variables do nothing).
# Needs root (chown, chmod u+s); a case whose tool is missing or whose
# program does not run with AT_SECURE (a nosuid filesystem) is skipped,
# naming the reason.
# Env: BUILD=<abs build dir> (from tests/run_tests.sh).
set -u
BUILD=${BUILD:?BUILD must name the build directory}
lib_a=$BUILD/libhakmem.a
[ -f "$lib_a" ] || { echo "missing $lib_a"; exit 1; }
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
if [ "$(id -u)" != 0 ]; then
    echo "needs root: a setuid program is made with chown and chmod u+s"
    exit 77
fi
id nobody >/dev/null 2>&1 || { echo "no user nobody"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hak_secure.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
for v in $(env | sed -n 's/^\(HAKMEM_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done
unset LD_PRELOAD

cat >"$tmp/prog.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include "hakmem.h"

int main(void)
{
    void *volatile p = malloc(100);
    free(p);
    hak_stats_t s;
    printf("secure %lu hakmem %d\n", getauxval(AT_SECURE),
           hak_stats(&s) == 0 && s.committed_bytes > 0);
    return 0;
}
EOF
cc -std=gnu11 -O1 -Wall -Werror -I"$root/include" "$tmp/prog.c" -o "$tmp/prog" "$lib_a" -pthread ||
    { echo "build failed"; exit 1; }
chmod 755 "$tmp/prog"

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

n=0
# run CASE SECURE RUNNER...: runs a copy of prog (made by the caller as
# $tmp/c$n/prog) through RUNNER with HAKMEM_STATS naming a file in a folder
# anyone may write, HAKMEM_VERBOSE=1 and HAKMEM_BOGUS=1. SECURE 1: expects
# AT_SECURE, no file and nothing on stderr; 0: expects the opposite.
run() {
    local what=$1 secure=$2; shift 2
    local dir=$tmp/c$n
    mkdir -p "$dir/out"
    chmod 1777 "$dir/out"
    env HAKMEM_STATS="$dir/out/stats.txt" HAKMEM_VERBOSE=1 HAKMEM_BOGUS=1 "$@" "$dir/prog" \
        >"$dir/o" 2>"$dir/e"
    local rc=$?
    local got; got=$(cat "$dir/o")
    if [ $secure = 1 ] && [ "$got" = "secure 0 hakmem 1" ]; then
        echo "SKIP-PART $what: the program did not run in secure-execution mode (a nosuid filesystem?)"
        return
    fi
    if [ $rc != 0 ] || [ "$got" != "secure $secure hakmem 1" ]; then
        fail "$what: exit $rc, output '$got' (want 'secure $secure hakmem 1'):"; sed 's/^/    | /' "$dir/e" | head -n 5
        return
    fi
    if [ $secure = 1 ]; then
        if [ -e "$dir/out/stats.txt" ] || [ -s "$dir/e" ]; then
            fail "$what: HAKMEM_* honoured: files: $(ls -l "$dir/out"); stderr:"; sed 's/^/    | /' "$dir/e" | head -n 5
        else
            ok "$what: AT_SECURE, every HAKMEM_* variable ignored (no file, no settings, no warning)"
        fi
    else
        if grep -q '^hakmem: warning: unknown variable HAKMEM_BOGUS' "$dir/e" &&
           grep -qE '^hakmem [0-9.]+: settings of prog' "$dir/e" &&
           grep -qE '^hakmem [0-9.]+ statistics: program prog' "$dir/out/stats.txt" 2>/dev/null; then
            ok "$what: not secure, the HAKMEM_* variables taken"
        else
            fail "$what: variables not taken: files: $(ls "$dir/out"); stderr:"; sed 's/^/    | /' "$dir/e" | head -n 5
        fi
    fi
}
copy() { # OWNER:GROUP MODE: a copy of prog for the next case
    n=$((n + 1))
    mkdir -p "$tmp/c$n"
    chmod 755 "$tmp/c$n"
    cp "$tmp/prog" "$tmp/c$n/prog"
    chown "$1" "$tmp/c$n/prog" && chmod "$2" "$tmp/c$n/prog"
}

copy root:root 755
run "plain program run by root" 0

if command -v setpriv >/dev/null; then
    as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    "${as_nobody[@]}" true 2>/dev/null || as_nobody=(setpriv --reuid=nobody --regid=nobody --clear-groups)
    copy root:root 755
    run "plain program run by nobody" 0 "${as_nobody[@]}"
    copy root:root 4755
    run "setuid-root program run by nobody" 1 "${as_nobody[@]}"
    if command -v setcap >/dev/null; then
        copy root:root 755
        if setcap cap_net_bind_service+ep "$tmp/c$n/prog" 2>/dev/null; then
            run "program with a file capability run by nobody" 1 "${as_nobody[@]}"
        else
            echo "SKIP-PART file capability: setcap refused (no file capabilities on this filesystem)"
        fi
    else
        echo "SKIP-PART file capability: setcap not installed (apt-get install libcap2-bin)"
    fi
else
    echo "SKIP-PART run by nobody: setpriv not installed (util-linux)"
fi
copy nobody:root 4755
run "setuid-nobody program run by root" 1
if getent group nogroup >/dev/null; then
    copy root:nogroup 2755
    run "setgid-nogroup program run by root" 1
else
    echo "SKIP-PART setgid: no group nogroup"
fi

[ $fails = 0 ] && echo "all secure-execution checks passed"
exit $((fails > 0))
