#!/usr/bin/env bash
# examples - the programs in examples/ build as a user builds them (the
# public header and libhakmem.a: rule in tests/tests.mk) and print exactly
# examples/NAME.expected, with exit status 0.
# Env: BUILD=<abs build dir> (from tests/run_tests.sh).
set -u
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${BUILD:-$root/build}
fail=0 n=0
for src in "$root"/examples/*.c; do
    name=$(basename "$src" .c)
    exe=$build/examples/$name
    n=$((n + 1))
    if [ ! -x "$exe" ]; then
        echo "FAIL $name: $exe not built (make test-build builds it)"
        fail=1
        continue
    fi
    out=$("$exe" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] || [ "$out" != "$(cat "$root/examples/$name.expected")" ]; then
        echo "FAIL $name (exit $rc); its output against examples/$name.expected:"
        diff <(printf '%s\n' "$out") "$root/examples/$name.expected" | sed 's/^/    /'
        fail=1
    else
        echo "ok   $name"
        sed 's/^/    /' <<<"$out"
    fi
done
[ $n -gt 0 ] || { echo "no example in examples/"; exit 1; }
exit $fail
