#!/usr/bin/env bash
# fuzz.sh - builds tests/fuzz/fuzz_heap.c with clang -fsanitize=fuzzer,address
# against the hakmem sources (compiled with coverage + ASan, rule in
# tests/hardening.mk) and runs it for a bounded time.
#
# Proves: every seed in tests/fuzz/corpus/ and every input libFuzzer derives
# from them within FUZZ_SECONDS (default 60 under CI=true, 20 otherwise)
# runs without a crash, an ASan report, a shadow-model mismatch (content,
# alignment, size, calloc zeroing, realloc prefix, failure without a cap) or
# a hak_check() failure. On a crash the reproducer is left in
# $BUILD/fuzz/crash-* and this script fails; rerun it with
#   $BUILD/fuzz/fuzz_heap $BUILD/fuzz/crash-<hash>
set -u
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${BUILD:-$root/build}
if [ -z "${FUZZ_SECONDS:-}" ]; then
    if [ "${CI:-}" = true ]; then FUZZ_SECONDS=60; else FUZZ_SECONDS=20; fi
fi
bin=$build/fuzz/fuzz_heap

why=$(CLANG="${HARD_CLANG:-clang}" bash "$root/tests/missing.sh" sanitizers)
if [ -n "$why" ]; then
    echo "$why"
    exit 77
fi
# Built by `make test-build`; rebuild here so the script also works alone.
make -s -C "$root" --no-print-directory BUILD="$build" "$bin" || { echo "fuzz build failed"; exit 1; }

work=$build/fuzz/work
rm -rf "$work" && mkdir -p "$work/corpus"
cd "$build/fuzz" || exit 1
rm -f crash-* leak-* timeout-* oom-*
echo "fuzz_heap: ${FUZZ_SECONDS}s, seeds from tests/fuzz/corpus"
# New inputs go to the first directory; the seed corpus is read-only input.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1} \
"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=20 -max_len=4096 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz/" \
    "$work/corpus" "$root/tests/fuzz/corpus" >"$work/log" 2>&1
rc=$?
grep -E '^(#[0-9]+ +(INITED|DONE))|stat::number_of_executed_units|stat::peak_rss_mb|cov:' "$work/log" | tail -n 4
if [ $rc -ne 0 ]; then
    echo "fuzz_heap FAILED (exit $rc); last lines of the log:"
    tail -n 40 "$work/log"
    ls -1 "$build"/fuzz/crash-* "$build"/fuzz/leak-* "$build"/fuzz/timeout-* "$build"/fuzz/oom-* 2>/dev/null
    exit 1
fi
echo "fuzz_heap: no crash in ${FUZZ_SECONDS}s"
