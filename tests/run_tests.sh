#!/usr/bin/env bash
# Runs every built test and prints one line per test, then "N passed, N failed".
#   tests/run_tests.sh BUILD_DIR [FILTER]
# Tests: every executable in BUILD_DIR/tests/<variant>/ (exit 0 = pass,
# 77 = skipped with a reason on stdout) and every tests/sh/*.sh script (run
# with BUILD=<abs build dir>). FILTER (a grep -E pattern) selects by name.
set -u
build=$(cd "${1:-build}" && pwd)
filter=${2:-.}
root=$(cd "$(dirname "$0")/.." && pwd)
per_test_timeout=${HAK_TEST_TIMEOUT:-300}
logdir="$build/tests/logs"
mkdir -p "$logdir"
passed=0 failed=0 skipped=0
failures=()

run_one() { # name, command...
    local name=$1; shift
    echo "$name" | grep -qE -- "$filter" || return 0
    local log="$logdir/${name//\//_}.log" start end rc
    start=$(date +%s.%N)
    BUILD="$build" ROOT="$root" timeout --kill-after=10 "$per_test_timeout" "$@" >"$log" 2>&1 </dev/null
    rc=$?
    end=$(date +%s.%N)
    local secs; secs=$(printf '%.1f' "$(echo "$end - $start" | bc)")
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1)); printf 'PASS %-40s %6ss\n' "$name" "$secs"
    elif [ $rc -eq 77 ]; then
        skipped=$((skipped + 1)); printf 'SKIP %-40s %s\n' "$name" "$(tail -n 1 "$log")"
    else
        failed=$((failed + 1)); failures+=("$name")
        printf 'FAIL %-40s %6ss (exit %d, log %s)\n' "$name" "$secs" "$rc" "$log"
        tail -n 15 "$log" | sed 's/^/    | /'
    fi
}

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

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
if [ $skipped -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
