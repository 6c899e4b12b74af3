#!/usr/bin/env bash
# test_filter.sh - make test's T= filter (tests/run_tests.sh).
#
# Proves:
#   - a T= that is not a grep -E pattern ('(') is refused with exit 2 and
#     one message naming T, before any test runs (--check, and the runner);
#   - a T= that selects no test (a typo: 'unti/') fails with exit 2 and a
#     message naming T and `make test-list`, instead of "0 passed, 0 failed";
#   - --list prints the names a valid pattern selects (this test's own),
#     also before any build (the shell tests), where running refuses.
# Runs no test (the runner stops before running, or only lists).
# Env: BUILD (the build folder), ROOT.
set -u
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${BUILD:-$root/build}
runner=$root/tests/run_tests.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hak_test_filter.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }
# expect WHAT RC TEXT CMD...: CMD exits RC and its output holds TEXT.
expect() {
    local what=$1 want=$2 text=$3 rc=0; shift 3
    "$@" >"$tmp/out" 2>&1 || rc=$?
    if [ "$rc" = "$want" ] && { [ -z "$text" ] || grep -qF -- "$text" "$tmp/out"; }; then
        ok "$what: exit $rc, \"$text\""
    else
        fail "$what: exit $rc (want $want), output:"; sed 's/^/    | /' "$tmp/out" | head -n 5
    fi
}

expect "bad pattern (--check)" 2 "T='(' is not a valid grep -E pattern" bash "$runner" --check '('
expect "bad pattern (runner)" 2 "T='(' is not a valid grep -E pattern" bash "$runner" "$build" '('
said=$(grep -c 'not a valid' "$tmp/out")
if [ "$said" = 1 ]; then ok "bad pattern: said once"; else fail "bad pattern: said $said times"; fi
expect "no test selected" 2 "T='unti/' selects no test; make test-list" bash "$runner" "$build" 'unti/'
grep -q passed "$tmp/out" && fail "no test selected: a 'passed' line was printed"
expect "no test selected (--list)" 2 "selects no test" bash "$runner" --list "$build" 'unti/'
expect "--list" 0 "sh/test_filter" bash "$runner" --list "$build" '^sh/test_filter$'
names=$(wc -l <"$tmp/out")
if [ "$names" = 1 ]; then ok "--list: one name"; else fail "--list: $names lines"; fi
expect "--list before any build" 0 "sh/test_filter" bash "$runner" --list "$tmp/no_build" '^sh/test_filter$'
expect "run without a build folder" 2 "no build folder '$tmp/no_build'" bash "$runner" "$tmp/no_build"
if [ ! -e "$tmp/no_build" ]; then ok "no build folder: none created"; else fail "the runner created $tmp/no_build"; fi
expect "valid pattern (--check)" 0 "" bash "$runner" --check '^unit/(alignment|realloc)'

[ $fails = 0 ] && echo "all test filter checks passed"
exit $((fails > 0))
