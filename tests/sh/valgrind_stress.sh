#!/usr/bin/env bash
# valgrind_stress.sh - stress programs under valgrind memcheck: zero errors.
#
# Proves, in both of hakmem's modes under valgrind (hosted/tool.c):
#   - HAKMEM_VALGRIND=0 (thread caches, no annotation): hakmem's own code
#     (release build) makes no invalid read or write, no conditional jump
#     on an uninitialised value and no bad syscall argument;
#   - the default (every block annotated for memcheck): a correct program
#     gets no report either: no false invalid access, no false leak
#     (--leak-check=full, a definite leak counts as an error: fork children
#     of threaded programs see "possibly lost" thread vectors with glibc too);
# for
#   - mixed:   single-threaded mixed workload, hak_ API (libhakmem_api.a)
#   - xthread: producer/consumer threads with cross-thread frees, thread
#              exit/start waves and concurrent hak_check (libhakmem_api.a)
#   - soak:    the soak program for a few seconds: malloc IS hakmem
#              (libhakmem.a), so libc's own allocations go through it too,
#              with threads, a shared pool, fork children and hak_check
#   - fork_locks (annotated mode only): forks while two threads are in
#              malloc and free; each child allocates and exits (a heap lock
#              left held at the fork hangs it: tool mode's threads take no
#              cache, so the fork handlers must be registered)
# each run with --error-exitcode=1 and an "ERROR SUMMARY: 0 errors" line
# required, and no valgrind warning that a thread ended with its error
# reporting disabled (tool mode disables it around hakmem's own accesses).
# Then fork_locks with a child that frees a block twice (annotated): the
# child is stopped by SIGABRT after memcheck's "Invalid free" and hakmem's
# "free(): double free" line, which hakmem finds with error reporting
# disabled: valgrind must not warn that the thread ended so.
# (sh/tools shows the annotated mode reporting real errors.)
# Also records that the 64 GiB reservation falls back (halving) to what
# valgrind's address-space manager grants. Budget: under 90 s.
set -u
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${BUILD:-$root/build}

if ! command -v valgrind >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null 2>&1 ||
            { apt-get update -q >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind >/dev/null 2>&1; }
    fi
    command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 77; }
fi

make -s -C "$root" --no-print-directory BUILD="$build" hardening-plain "$build/hardening/soak" \
    "$build/hardening/fork_locks" ||
    { echo "build failed"; exit 1; }

work=$build/valgrind
rm -rf "$work" && mkdir -p "$work"
fail=0
vg() { # name, program and arguments... (MODE=plain|annotated)
    local name=$1; shift
    local mode=${MODE:-plain}
    name="$name.$mode"
    local start=$(date +%s.%N)
    # nouserintercepts: memcheck replaces malloc only in libc itself, not in
    # the executable (which, linked with libhakmem.a, defines malloc): by
    # default it would swap hakmem out for its own allocator.
    local setting=0 leaks=()
    # A fork child's leak check counts the blocks its parent's other
    # threads held (their stacks are no roots there): with glibc's malloc
    # too, memcheck exits it with 1. So with FORKS=1 leaks are no errors
    # and the parent's summary is read instead.
    [ "$mode" = annotated ] && setting=auto leaks=(--leak-check=full --errors-for-leak-kinds=definite)
    [ "$mode" = annotated ] && [ "${FORKS:-0}" = 1 ] && leaks=(--leak-check=full --errors-for-leak-kinds=none)
    HAKMEM_VALGRIND=$setting timeout 150 valgrind --tool=memcheck --error-exitcode=1 --log-file="$work/$name.vg" \
        --soname-synonyms=somalloc=nouserintercepts "${leaks[@]}" "$@" \
        >"$work/$name.out" 2>&1
    local rc=$?
    local secs; secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    local summary; summary=$(grep -h 'ERROR SUMMARY' "$work/$name.vg"* | head -n 1 | sed 's/^==[0-9]*== //')
    local lost=0 parent
    if [ "${FORKS:-0}" = 1 ] && [ "$mode" = annotated ]; then
        parent=$(sed -nE '1s/^==([0-9]+)==.*/\1/p' "$work/$name.vg")
        grep -qE "^==$parent== +definitely lost: [1-9]" "$work/$name.vg" && lost=1
    fi
    if [ $rc -ne 0 ] || ! grep -q 'ERROR SUMMARY: 0 errors' "$work/$name.vg" || [ "${lost:-1}" != 0 ] ||
       grep -q 'exiting thread has error reporting disabled' "$work/$name.vg"*; then
        echo "FAIL $name (exit $rc, ${secs}s): $summary"
        grep -hvE '^==[0-9]+== ?$' "$work/$name.vg"* | head -n 60
        tail -n 5 "$work/$name.out"
        fail=1
    else
        echo "ok   $name (${secs}s): $summary; $(tail -n 1 "$work/$name.out")"
    fi
}

vg mixed "$build/hardening/mixed" 80000
vg xthread "$build/hardening/xthread" 4 3000
SOAK_SECONDS=10 SOAK_THREADS=3 SOAK_LIFETIME=15000 vg soak "$build/hardening/soak"
MODE=annotated vg mixed "$build/hardening/mixed" 40000
MODE=annotated vg xthread "$build/hardening/xthread" 3 2000 uncached
MODE=annotated FORKS=1 SOAK_SECONDS=8 SOAK_THREADS=3 SOAK_LIFETIME=15000 vg soak "$build/hardening/soak"
MODE=annotated FORKS=1 vg fork_locks "$build/hardening/fork_locks" 6

# A fault found with error reporting disabled, in a forked child.
HAKMEM_VALGRIND=auto timeout 150 valgrind --tool=memcheck --log-file="$work/fault.vg" \
    --soname-synonyms=somalloc=nouserintercepts "$build/hardening/fork_locks" 1 fault >"$work/fault.out" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q 'Invalid free()' "$work/fault.vg" &&
   grep -q "^hakmem: free(): double free" "$work/fault.out" &&
   ! grep -q 'error reporting disabled' "$work/fault.vg"; then
    echo "ok   fault.annotated: a child's double free: memcheck's report, hakmem's line, SIGABRT, no warning about error reporting left disabled"
else
    echo "FAIL fault.annotated (exit $rc):"
    grep -hvE '^==[0-9]+== ?$' "$work/fault.vg" | head -n 30
    tail -n 5 "$work/fault.out"
    fail=1
fi
grep -h 'arena reserved' "$work/mixed.plain.out" | sed 's/^/note: under valgrind /'
exit $fail
