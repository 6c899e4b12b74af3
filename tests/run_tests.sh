#!/usr/bin/env bash
# Runs every built test and prints one line per test, then
# "N passed, N failed" (", N skipped" when something was skipped).
#   tests/run_tests.sh BUILD_DIR [FILTER]
# Tests: every executable in BUILD_DIR/tests/<variant>/ and every
# tests/sh/*.sh script (run with BUILD=<abs build dir>). FILTER (a grep -E
# pattern) selects by name. Exit status 0 when nothing failed.
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
build=$(cd "${1:-build}" && pwd)
filter=${2:-.}
root=$(cd "$(dirname "$0")/.." && pwd)
per_test_timeout=${HAK_TEST_TIMEOUT:-300}
logdir="$build/tests/logs"
mkdir -p "$logdir"
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

run_one() { # name, command...
    local name=$1; shift
    echo "$name" | grep -qE -- "$filter" || return 0
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
