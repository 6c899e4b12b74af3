#!/usr/bin/env bash
# tools.sh - a program's memory errors are reported by valgrind memcheck and
# by AddressSanitizer with hakmem as its allocator (hosted/tool.c).
#
# tests/tools/errors.c has one deliberate error per mode: a leak, a use
# after free (read after the block was freed and another allocated), a heap
# overflow by one byte, a write to the byte before a block; "clean" has
# none. Proves, for each mode:
#   memcheck (valgrind --leak-check=full, keeping hakmem as malloc with
#   --soname-synonyms=somalloc=nouserintercepts), both for the program
#   linked with libhakmem.a and for it run with LD_PRELOAD=libhakmem.so:
#     - leak: "77 bytes in 1 blocks are definitely lost", allocated at the
#       marked line;
#     - uaf: "Invalid read of size 1" at the marked line, "inside a block of
#       size 24 free'd", with the stacks of the free and of the allocation;
#     - overflow: "Invalid write of size 1" at the marked line, "0 bytes
#       after a block of size 13 alloc'd";
#     - underflow: "Invalid write of size 1", "1 bytes before a block of
#       size 64 alloc'd" (hakmem then stops the program on the clobbered
#       header, as it would without valgrind);
#     - clean: "ERROR SUMMARY: 0 errors", no leak;
#     - hakmem served the blocks: the program finds hak_version() and
#       hakmem accepts its block, and HAKMEM_STATS shows refills > 0;
#   AddressSanitizer (errors.c built with clang -fsanitize=address against
#   hakmem built the same way, $BUILD/obj-asan/libhakmem_api.a, calling
#   hak_malloc/hak_free):
#     - uaf, overflow and underflow: an AddressSanitizer report
#       ("use-after-poison") of a READ or WRITE of size 1 at the marked line;
#     - leak: LeakSanitizer reports the program's leak of a malloc'd block
#       with hakmem in the process (it knows only its own allocator's
#       blocks: a hakmem block never freed is reported by memcheck only);
#     - clean: exit 0, no report.
# Exits 77 when valgrind or clang (with its ASan runtime) is missing.
# Env: BUILD=<abs build dir> (from tests/run_tests.sh).
set -u
BUILD=${BUILD:?BUILD must name the build directory}
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
src=$root/tests/tools/errors.c
command -v valgrind >/dev/null || { echo "valgrind not installed (apt-get install valgrind)"; exit 77; }
command -v clang >/dev/null || { echo "clang not installed (apt-get install clang)"; exit 77; }
make -s -C "$root" --no-print-directory BUILD="$BUILD" "$BUILD/libhakmem.a" "$BUILD/libhakmem.so" \
    "$BUILD/obj-asan/libhakmem_api.a" || { echo "build failed"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hak_tools.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
unset LD_PRELOAD HAKMEM_VALGRIND HAKMEM_STATS

line() { grep -n "ERROR LINE $1 \*/" "$src" | cut -d: -f1; }
gcc -std=gnu11 -g -O0 -I"$root/include" "$src" -o "$tmp/errors_static" "$BUILD/libhakmem.a" -pthread &&
gcc -std=gnu11 -g -O0 -I"$root/include" "$src" -o "$tmp/errors_dyn" -ldl &&
clang -std=gnu11 -g -O0 -fsanitize=address -fno-omit-frame-pointer -DERRORS_HAK_API -I"$root/include" \
    "$src" -o "$tmp/errors_asan" "$BUILD/obj-asan/libhakmem_api.a" -pthread ||
    { echo "could not build tests/tools/errors.c"; exit 1; }
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# ---- memcheck ----
memcheck() { # how(static|preload) mode
    local how=$1 mode=$2 out=$tmp/mc.$1.$2
    local exe=$tmp/errors_static pre=()
    [ "$how" = preload ] && exe=$tmp/errors_dyn pre=(env LD_PRELOAD="$BUILD/libhakmem.so")
    "${pre[@]}" env HAKMEM_STATS="$out.stats" valgrind --leak-check=full \
        --soname-synonyms=somalloc=nouserintercepts "$exe" "$mode" >"$out.out" 2>"$out.vg"
    echo $? >"$out.rc"
}
expect() { # file what regex...
    local f=$1 what=$2; shift 2
    for re in "$@"; do
        if ! grep -qE -- "$re" "$f"; then
            fail "$what: no line matching /$re/"
            sed 's/^/    | /' "$f" | grep -vE '^    \| ==[0-9]+== *$' | head -n 25
            return 1
        fi
    done
}
for how in static preload; do
    for mode in clean leak uaf overflow underflow; do
        memcheck "$how" "$mode"
        f=$tmp/mc.$how.$mode.vg what="memcheck ($how) $mode"
        expect "$tmp/mc.$how.$mode.out" "$what: hakmem in the process" '^hakmem: yes$' || continue
        case $mode in
        clean) expect "$f" "$what" 'ERROR SUMMARY: 0 errors' 'All heap blocks were freed|definitely lost: 0 bytes' &&
               expect "$tmp/mc.$how.$mode.stats" "$what: HAKMEM_STATS" '^  refills +[1-9]' ;;
        leak) expect "$f" "$what" '77 bytes in 1 blocks are definitely lost' "by 0x[0-9A-F]+: main \(errors.c:$(line leak)\)" ;;
        uaf) expect "$f" "$what" 'Invalid read of size 1' "at 0x[0-9A-F]+: main \(errors.c:$(line uaf)\)" \
                 "is 3 bytes inside a block of size 24 free'd" 'Block was alloc.d at' ;;
        overflow) expect "$f" "$what" 'Invalid write of size 1' "at 0x[0-9A-F]+: main \(errors.c:$(line overflow)\)" \
                      "is 0 bytes after a block of size 13 alloc'd" ;;
        underflow) expect "$f" "$what" 'Invalid write of size 1' "at 0x[0-9A-F]+: main \(errors.c:$(line underflow)\)" \
                       "is 1 bytes before a block of size 64 alloc'd" ;;
        esac && echo "ok   $what: $(grep -m1 -oE 'definitely lost|Invalid (read|write) of size 1|ERROR SUMMARY: [0-9]+ errors' "$f")"
    done
done

# ---- AddressSanitizer ----
for mode in clean leak uaf overflow underflow; do
    f=$tmp/asan.$mode what="ASan $mode"
    ASAN_OPTIONS=detect_leaks=1 "$tmp/errors_asan" "$mode" >"$f.out" 2>"$f.err"
    rc=$?
    expect "$f.out" "$what: hakmem in the process" '^hakmem: yes$' || continue
    case $mode in
    clean) [ $rc = 0 ] && ! grep -q 'Sanitizer' "$f.err" || { fail "$what: exit $rc"; head -n 20 "$f.err"; continue; } ;;
    leak) continue ;;
    uaf) expect "$f.err" "$what" 'ERROR: AddressSanitizer: use-after-poison' 'READ of size 1' \
             "#0 0x[0-9a-f]+ in main .*errors.c:$(line uaf)" || continue ;;
    overflow) expect "$f.err" "$what" 'ERROR: AddressSanitizer: use-after-poison' 'WRITE of size 1' \
                  "#0 0x[0-9a-f]+ in main .*errors.c:$(line overflow)" || continue ;;
    underflow) expect "$f.err" "$what" 'ERROR: AddressSanitizer: use-after-poison' 'WRITE of size 1' \
                   "#0 0x[0-9a-f]+ in main .*errors.c:$(line underflow)" || continue ;;
    esac
    echo "ok   $what: $(grep -m1 -oE 'AddressSanitizer: [a-z-]+' "$f.err" || echo "exit $rc, no report")"
done
# A leak under ASan: LeakSanitizer knows only its own allocator's blocks.
cat >"$tmp/leak.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
#include "hakmem.h"
static void *volatile keep;
int main(void)
{
    void *h = hak_malloc(100); /* hakmem in the process, working */
    memset(h, 1, 100);
    hak_free(h);
    keep = malloc(77);
    keep = NULL; /* the leak */
    return 0;
}
EOF
clang -std=gnu11 -g -O0 -fsanitize=address -I"$root/include" "$tmp/leak.c" -o "$tmp/leak_asan" \
    "$BUILD/obj-asan/libhakmem_api.a" -pthread || { fail "could not build the ASan leak program"; }
ASAN_OPTIONS=detect_leaks=1 "$tmp/leak_asan" >"$tmp/leak.out" 2>"$tmp/leak.err"
expect "$tmp/leak.err" "ASan leak" 'ERROR: LeakSanitizer: detected memory leaks' 'Direct leak of 77 byte' \
    "in main .*leak.c:10" && echo "ok   ASan leak: LeakSanitizer reports the leak with hakmem in the process"

[ $fails = 0 ] && echo "memcheck and ASan report every error, with hakmem in the process"
exit $((fails > 0))
