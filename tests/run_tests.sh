#!/usr/bin/env bash
# Runs every built test and prints one line per test, then
# "N passed, N failed" (", N skipped" when something was skipped).
#   tests/run_tests.sh BUILD_DIR [FILTER]
#   tests/run_tests.sh --list BUILD_DIR [FILTER]   the names only (make test-list)
#   tests/run_tests.sh --check FILTER              exit 2 if FILTER is not a regex
# Tests: every executable in BUILD_DIR/tests/<variant>/ and every
# tests/sh/*.sh script (run with BUILD=<abs build dir>). FILTER (a grep -E
# pattern, make's T=) selects by name. Exit status 0 when nothing failed;
# 2 when FILTER is not a valid pattern or selects no test (a typo in T=
# must not pass as a green run of nothing).
#
# What a test reports:
#   exit 0    passed; each line "SKIP-PART <part>: <reason>" in its output
#             names a part it could not run (a program or tool that is not
#             installed): reported as "SKIP <test>/<part>" and counted as a
#             skip, while the test passes for what it ran
#   exit 77   skipped as a whole; the last line of its output says why
#   other     failed; the end of its output is shown
# Suites that `make test` could not build (no clang, ...) are listed in
# BUILD_DIR/tests/not_built.txt ("NAME<TAB>REASON" lines, tests/tests.mk)
# and reported as skipped too.
set -u
mode=run
case ${1:-} in
--list) mode=list; shift ;;
--check) mode=check; shift ;;
esac
# check_filter PATTERN: exits 2 with a message if grep -E refuses it.
check_filter() {
    local err rc=0
    err=$(grep -E -- "$1" </dev/null 2>&1) || rc=$?
    if [ $rc -gt 1 ]; then
        echo "T='$1' is not a valid grep -E pattern: ${err#grep: }" >&2
        echo "make test-list prints the test names; T= selects those matching it" >&2
        exit 2
    fi
}
if [ $mode = check ]; then
    check_filter "${1:-.}"
    exit 0
fi
# The build folder; before the first build only --list can go on (the
# shell tests need no build to be named).
if ! build=$(cd "${1:-build}" 2>/dev/null && pwd); then
    [ $mode = list ] || { echo "no build folder '${1:-build}': run make test-build first" >&2; exit 2; }
    build=/nonexistent
fi
filter=${2:-.}
check_filter "$filter"
root=$(cd "$(dirname "$0")/.." && pwd)
per_test_timeout=${HAK_TEST_TIMEOUT:-300}
logdir="$build/tests/logs"
[ $mode = list ] || mkdir -p "$logdir"
passed=0 failed=0 skipped=0
failures=() skips=()

now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }
# secs MS: milliseconds as seconds with one decimal.
secs() { printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100)); }

skip() { # name, reason
    skipped=$((skipped + 1))
    skips+=("$1: $2")
    printf 'SKIP %-40s %s\n' "$1" "$2"
}

selected=0
run_one() { # name, command...
    local name=$1; shift
    echo "$name" | grep -qE -- "$filter" || return 0
    selected=$((selected + 1))
    if [ $mode = list ]; then echo "$name"; return 0; fi
    local log="$logdir/${name//\//_}.log" start rc ms
    start=$(now_ms)
    BUILD="$build" ROOT="$root" timeout --kill-after=10 "$per_test_timeout" "$@" >"$log" 2>&1 </dev/null
    rc=$?
    ms=$(($(now_ms) - start))
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1)); printf 'PASS %-40s %6ss\n' "$name" "$(secs $ms)"
        local part reason
        while IFS= read -r line; do
            line=${line#SKIP-PART }
            part=${line%%: *} reason=${line#*: }
            skip "$name/$part" "$reason"
        done < <(grep -a '^SKIP-PART ' "$log")
    elif [ $rc -eq 77 ]; then
        skip "$name" "$(tail -n 1 "$log")"
    else
        failed=$((failed + 1)); failures+=("$name")
        printf 'FAIL %-40s %6ss (exit %d, log %s)\n' "$name" "$(secs $ms)" "$rc" "$log"
        tail -n 15 "$log" | sed 's/^/    | /'
    fi
}

if [ -f "$build/tests/not_built.txt" ]; then
    while IFS=$'\t' read -r name reason; do
        [ -n "$name" ] || continue
        echo "$name" | grep -qE -- "$filter" || continue
        selected=$((selected + 1))
        if [ $mode = list ]; then echo "$name (not built: $reason)"; continue; fi
        skip "$name" "not built: $reason"
    done <"$build/tests/not_built.txt"
fi
for dir in "$build"/tests/*/; do
    variant=$(basename "$dir")
    [ "$variant" = logs ] && continue
    for exe in "$dir"*; do
        [ -f "$exe" ] && [ -x "$exe" ] || continue
        run_one "$variant/$(basename "$exe")" "$exe"
    done
done
for script in "$root"/tests/sh/*.sh; do
    [ -f "$script" ] || continue
    run_one "sh/$(basename "$script" .sh)" bash "$script"
done

if [ $selected -eq 0 ]; then
    echo "T='$filter' selects no test; make test-list prints the test names" \
         "(make test-list T=regex: those a pattern selects)" >&2
    exit 2
fi
[ $mode = run ] || exit 0
if [ ${#skips[@]} -gt 0 ]; then
    echo "skipped:"
    printf '  %s\n' "${skips[@]}"
fi
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
if [ $skipped -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
