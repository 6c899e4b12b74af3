#!/usr/bin/env bash
# python_suite.sh - CPython's own regression tests with hakmem as malloc.
#
# Proves: a real, allocation-heavy program (the Debian python3 running 40+
# modules of its test suite: containers, strings, regexes, pickling,
# weakrefs, GC, threads, ctypes, tracemalloc, hashlib/zlib/bz2 through their
# C libraries, temp files...) gives, module by module, the same result
# (passed / failed / skipped ...) with LD_PRELOAD=$BUILD/libhakmem.so as
# without it, with PYTHONMALLOC=malloc so that every Python allocation goes
# through malloc. The preloaded run must really use hakmem: ctypes finds
# hak_version() in the process, every process appends its HAKMEM_STATS table
# (with refills > 0), and no "hakmem: ..." fault line appears.
#
# Needs the python3 test package: on Debian it is libpython3.X-testsuite,
# installed here with apt-get when running as root (exit 77 otherwise).
# PYTHON=/path/to/python3 picks another interpreter (default /usr/bin/python3).
set -u
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${BUILD:-$root/build}
lib=$build/libhakmem.so
py=${PYTHON:-/usr/bin/python3}

[ -f "$lib" ] || { echo "missing $lib (run make lib)"; exit 1; }
[ -x "$py" ] || { echo "no python3 at $py"; exit 77; }
py=$("$py" -c 'import os, sys; print(os.path.realpath(sys.executable))')
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

if ! "$py" -c 'import test.libregrtest, test.test_json' 2>/dev/null; then
    pkg=libpython$ver-testsuite
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ "$py" = "/usr/bin/python$ver" ]; then
        echo "installing $pkg (the test package of $py)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null 2>&1 ||
            { apt-get update -q >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null 2>&1; }
    fi
    if ! "$py" -c 'import test.libregrtest, test.test_json' 2>/dev/null; then
        echo "python $ver test package not installed (Debian: apt-get install $pkg, needs root)"
        exit 77
    fi
fi

wanted="test_json test_re test_dict test_list test_set test_string test_unicode test_bytes
test_collections test_heapq test_bisect test_itertools test_functools test_sort test_struct
test_long test_float test_int test_csv test_textwrap test_difflib test_base64 test_statistics
test_fractions test_decimal test_math test_tuple test_deque test_enum test_array test_copy
test_operator test_codecs test_memoryview test_random test_ordered_dict test_dataclasses
test_pickle test_weakref test_gc test_hashlib test_zlib test_bz2 test_thread
test_threading_local test_mmap test_sys test_ctypes test_tracemalloc test_tempfile
test_xml_etree"
modules=()
for m in $wanted; do
    "$py" -c "import test.$m" 2>/dev/null && modules+=("$m")
done
echo "python $ver ($py): ${#modules[@]} test modules"
[ ${#modules[@]} -ge 20 ] || { echo "fewer than 20 test modules importable"; exit 1; }

work=$build/python_suite
rm -rf "$work" && mkdir -p "$work"
stats=$work/hakmem_stats.txt

# Proof that the preload takes: hak_version() is visible in the process.
ident=$(LD_PRELOAD=$lib PYTHONMALLOC=malloc "$py" -c '
import ctypes
f = ctypes.CDLL(None).hak_version
f.restype = ctypes.c_char_p
print(f().decode())' 2>&1)
case $ident in
hakmem*) echo "preloaded: $ident" ;;
*) echo "hakmem not visible in the preloaded python: $ident"; exit 1 ;;
esac

run_suite() { # name, extra env...
    local name=$1; shift
    (cd "$work" && env "$@" PYTHONMALLOC=malloc "$py" -m test -j1 --timeout 300 \
        "${modules[@]}" >"$work/$name.log" 2>&1)
    echo $? >"$work/$name.rc"
}

start=$(date +%s)
# The two runs are independent: run them side by side (2 cores).
run_suite system &
run_suite hakmem LD_PRELOAD="$lib" HAKMEM_STATS="$stats" &
wait
echo "both runs took $(( $(date +%s) - start )) s"

# "[ 3/40] test_sort passed" -> "test_sort passed"; timings and
# "-- running: ..." tails dropped, so that only the verdict is compared.
results() {
    sed -nE 's/.*\[ *[0-9]+\/[0-9]+\] (test_[A-Za-z0-9_]+) (.*)$/\1 \2/p' "$1" |
        sed -E 's/ \([0-9.]+ (sec|ms|min)[^)]*\)//g; s/ -- running.*//; s/ \(?[0-9]+ min [0-9]+ sec\)?//g; s/ +$//' |
        sort
}
results "$work/system.log" >"$work/system.results"
results "$work/hakmem.log" >"$work/hakmem.results"

fail=0
for m in "${modules[@]}"; do
    a=$(grep -E "^$m " "$work/system.results" | head -n 1 | cut -d' ' -f2-)
    b=$(grep -E "^$m " "$work/hakmem.results" | head -n 1 | cut -d' ' -f2-)
    if [ -z "$a" ] || [ -z "$b" ]; then
        echo "MISSING $m: system='${a}' hakmem='${b}'"; fail=1
    elif [ "$a" != "$b" ]; then
        echo "DIFFER  $m: system='$a' hakmem='$b'"; fail=1
    fi
done
echo "system: $(grep -c . "$work/system.results") modules, $(grep -c ' passed' "$work/system.results") passed (exit $(cat "$work/system.rc"))"
echo "hakmem: $(grep -c . "$work/hakmem.results") modules, $(grep -c ' passed' "$work/hakmem.results") passed (exit $(cat "$work/hakmem.rc"))"
[ "$(cat "$work/system.rc")" = "$(cat "$work/hakmem.rc")" ] || { echo "exit codes differ"; fail=1; }

if grep -n '^hakmem: ' "$work/hakmem.log"; then
    echo "hakmem reported a fault during the suite"; fail=1
fi
lines=$(grep -cE '^hakmem [^ ]+ statistics: ' "$stats" 2>/dev/null || echo 0)
busy=$(grep -cE '^  refills +[1-9]' "$stats" 2>/dev/null || echo 0)
echo "HAKMEM_STATS: $lines process(es) reported, $busy with refills > 0"
if [ "$lines" -lt "${#modules[@]}" ] || [ "$busy" -lt "${#modules[@]}" ]; then
    echo "expected a stats line with refills > 0 from every test worker (>= ${#modules[@]})"
    fail=1
fi
[ $fail -eq 0 ] && echo "same result for every module with and without hakmem"
exit $fail
