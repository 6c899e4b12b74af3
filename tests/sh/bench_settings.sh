#!/usr/bin/env bash
# bench_settings.sh - the settings checks of bench/run.sh and
# bench/compare_builds.sh (bench/settings.sh).
#
# Proves: each bad value stops the script with exit 2 ("refused to
# start") and a message naming the setting, before any benchmark runs:
#   - RUN_TIMEOUT not a number, 0 (no limit) or beyond a day; RUNS and
#     THREADS not a number, 0, too large or so long they would overflow;
#   - a CASES that is not a regular expression is called that, not "matches
#     no workload"; one that matches nothing says so;
#   - OUT that cannot be created; PYTHON that does not run is told apart
#     from one that is not found;
#   - compare_builds: a tree that does not exist is named, MODES other than
#     static/preload, and the yes/no spellings are those of run.sh (QUICK=y
#     accepted by both, QUICK=x refused by both).
# The checks come first, so the benchmark binaries need not be built; no
# case here reaches a run (ALLOCS=system, a CASES of one workload).
# Env: BUILD (unused), ROOT.
set -u
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hak_bench_settings.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset MAKEFLAGS MFLAGS MAKELEVEL QUICK V CALLGRIND RUNS THREADS CASES OUT PYTHON MODES RUN_TIMEOUT ALLOCS

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }
# refused SCRIPT TEXT SETTING... [-- ARGS]: SCRIPT run with the settings
# exits 2 and its stderr holds TEXT.
refused() {
    local script=$1 text=$2 rc=0 args=(); shift 2
    local env=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do env+=("$1"); shift; done
    [ $# -gt 0 ] && { shift; args=("$@"); }
    env OUT="$tmp/out" ALLOCS=system CALLGRIND=0 "${env[@]}" \
        timeout 60 bash "$root/bench/$script" "${args[@]}" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null || rc=$?
    if [ $rc = 2 ] && grep -qF -- "$text" "$tmp/stderr"; then
        ok "$script ${env[*]}: exit 2, \"$text\""
    else
        fail "$script ${env[*]}: exit $rc (want 2 and \"$text\"):"; sed 's/^/    | /' "$tmp/stderr" | head -n 4
    fi
}

one='CASES=^tiny_hot size=16$'
refused run.sh "RUN_TIMEOUT='abc' must be an integer from 1 to 86400" RUN_TIMEOUT=abc "$one"
refused run.sh "RUN_TIMEOUT='0' must be an integer from 1 to 86400" RUN_TIMEOUT=0 "$one"
refused run.sh "RUN_TIMEOUT='86401' must be" RUN_TIMEOUT=86401 "$one"
refused run.sh "RUNS='1000000000000000000000' must be an integer from 1 to 1000" \
    RUNS=1000000000000000000000 "$one"
refused run.sh "RUNS='0' must be" RUNS=0 "$one"
refused run.sh "RUNS='-3' must be" RUNS=-3 "$one"
refused run.sh "THREADS='100000' must be an integer from 1 to 256" THREADS=100000 "$one"
refused run.sh "THREADS='0' must be" THREADS=0 "$one"
refused run.sh "THREADS='2x' must be" THREADS=2x "$one"
refused run.sh "CASES='(' is not a valid extended regular expression" 'CASES=('
refused run.sh "CASES='no_such_workload' matches no workload" CASES=no_such_workload
refused run.sh "OUT='/proc/nope': cannot create or write" "$one" OUT=/proc/nope
refused run.sh "PYTHON='/bin/false': /bin/false did not run (exit status 1)" PYTHON=/bin/false CASES=py_dict
refused run.sh "PYTHON='$tmp/none': $tmp/none not found" PYTHON="$tmp/none" CASES=py_dict
refused run.sh "QUICK='x' is not a yes/no value" QUICK=x "$one"
refused run.sh "CALLGRIND='maybe' is not a yes/no value" CALLGRIND=maybe "$one"

refused compare_builds.sh "$tmp/none: no such directory" -- "$tmp/none" "$root"
refused compare_builds.sh "MODES='bogus': unknown mode 'bogus'" MODES=bogus -- "$root" "$root"
refused compare_builds.sh "MODES is empty" MODES= -- "$root" "$root"
refused compare_builds.sh "mode 'static' given twice" "MODES=static static" -- "$root" "$root"
refused compare_builds.sh "THREADS='0' must be an integer from 1 to 256" THREADS=0 -- "$root" "$root"
refused compare_builds.sh "RUN_TIMEOUT='abc' must be" RUN_TIMEOUT=abc -- "$root" "$root"
refused compare_builds.sh "CASES='(' is not a valid extended regular expression" 'CASES=(' -- "$root" "$root"
refused compare_builds.sh "QUICK='x' is not a yes/no value" QUICK=x -- "$root" "$root"
# QUICK=y passes the settings in both: the run stops later, at the missing tree
refused compare_builds.sh "$tmp/none: no such directory" QUICK=y -- "$tmp/none" "$root"
refused run.sh "CASES='no_such_workload' matches no workload" QUICK=y CASES=no_such_workload

# the workload list is checked before any allocator's library or binary:
# a CASES that matches nothing says so even where they are missing
refused run.sh "CASES='no_such_workload' matches no workload" \
    "ALLOCS=system hakmem-preload hakmem-static mimalloc jemalloc tcmalloc minimal" CASES=no_such_workload

[ $fails = 0 ] && echo "all bench settings checks passed"
exit $((fails > 0))
