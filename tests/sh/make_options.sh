#!/usr/bin/env bash
# make_options.sh - the yes/no settings of the build.
#
# Proves:
#   - VALGRIND takes the words of every yes/no setting, in any case: no, 0,
#     off, FALSE, n leave the valgrind annotations out of the library (the
#     object says "built without valgrind/memcheck.h"); auto, empty or unset
#     build them in when valgrind/memcheck.h is there (and yes, 1, on too);
#   - any other value (VALGRIND=maybe, VALGRIND=2) stops make with a message
#     naming the variable and its value, and builds nothing; so does
#     DEBUG=maybe;
#   - VALGRIND=yes without valgrind/memcheck.h stops the build with a
#     message naming the header (checked only where it is missing);
#   - make bench QUICK=maybe stops before building anything;
#   - BUILD empty, with a blank, or / stops make before anything is built;
#   - each core option that only bare-metal images may turn off
#     (CPPFLAGS=-DHAK_WITH_GROWTH=0, _CHECK, _STATS, _FORK, _DECAY,
#     _ARENA_API) stops the build of the hosted port with a message naming
#     the option, instead of a library that faults at the first malloc or
#     does not link.
# Builds one object (hosted/tool.c, hosted/api.c) per value, in a folder of
# its own.
# Env: BUILD (unused: the builds go to a temporary folder), ROOT.
set -u
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hak_make_options.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The make that runs this test passes its own command line down (MAKEFLAGS):
# each build here must see only the settings it names.
unset MAKEFLAGS MFLAGS MAKELEVEL VALGRIND DEBUG
cc=${CC:-gcc}

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

has_header=0
echo '#include <valgrind/memcheck.h>' | "$cc" -E -x c - >/dev/null 2>&1 && has_header=1
without='off: built without valgrind/memcheck.h'

n=0
# build VALUE|-: builds tool.o with VALGRIND=VALUE (- : not given); sets
# $obj, $log and $rc.
build() {
    n=$((n + 1))
    local dir=$tmp/b$n
    obj=$dir/obj/hosted/tool.o log=$tmp/log$n
    if [ "$1" = - ]; then
        make -s -C "$root" --no-print-directory BUILD="$dir" "$obj" >"$log" 2>&1
    else
        make -s -C "$root" --no-print-directory BUILD="$dir" VALGRIND="$1" "$obj" >"$log" 2>&1
    fi
    rc=$?
}

for v in no 0 off FALSE n No; do
    build "$v"
    if [ $rc = 0 ] && grep -qaF "$without" "$obj"; then
        ok "VALGRIND=$v: annotations left out"
    else
        fail "VALGRIND=$v: exit $rc, annotations not left out"; sed 's/^/    | /' "$log" | head -n 5
    fi
done

if [ $has_header = 1 ]; then
    for v in - "" auto AUTO yes 1 On TRUE y; do
        build "$v"
        if [ $rc = 0 ] && [ -f "$obj" ] && ! grep -qaF "$without" "$obj"; then
            ok "VALGRIND=$v: annotations built in"
        else
            fail "VALGRIND=$v: exit $rc, annotations not built in"; sed 's/^/    | /' "$log" | head -n 5
        fi
    done
else
    echo "SKIP-PART annotations: valgrind/memcheck.h not installed (apt-get install valgrind)"
    build yes
    if [ $rc != 0 ] && grep -q 'valgrind/memcheck.h' "$log"; then
        ok "VALGRIND=yes without valgrind/memcheck.h: the build stops, naming the header"
    else
        fail "VALGRIND=yes without valgrind/memcheck.h: exit $rc"; sed 's/^/    | /' "$log" | head -n 5
    fi
fi

# refused values: make stops before building anything
for setting in VALGRIND=maybe VALGRIND=2 VALGRIND=disabled DEBUG=maybe; do
    n=$((n + 1))
    dir=$tmp/b$n
    make -s -C "$root" --no-print-directory BUILD="$dir" "$setting" "$dir/obj/hosted/tool.o" >"$tmp/log$n" 2>&1
    rc=$?
    if [ $rc != 0 ] && grep -qF "$setting: use 1 or 0" "$tmp/log$n" && [ ! -e "$dir/obj" ]; then
        ok "$setting: refused: $(grep -oF "$setting: use 1 or 0" "$tmp/log$n" | head -n 1)..."
    else
        fail "$setting: exit $rc, not refused with a message naming it:"; sed 's/^/    | /' "$tmp/log$n" | head -n 5
    fi
done

# make bench checks QUICK before it builds anything (the build comes first
# in its recipe, and the runner would refuse the value only after it)
n=$((n + 1))
dir=$tmp/b$n
make -s -C "$root" --no-print-directory BUILD="$dir" QUICK=maybe bench >"$tmp/log$n" 2>&1
rc=$?
if [ $rc != 0 ] && grep -qF "QUICK=maybe: use 1 or 0" "$tmp/log$n" && [ ! -e "$dir" ] &&
    ! grep -q '^build:' "$tmp/log$n"; then
    ok "make bench QUICK=maybe: refused before building"
else
    fail "make bench QUICK=maybe: exit $rc, not refused before building:"; sed 's/^/    | /' "$tmp/log$n" | head -n 5
fi

# core options the hosted port needs
for opt in GROWTH CHECK STATS FORK DECAY ARENA_API; do
    n=$((n + 1))
    dir=$tmp/b$n
    make -s -C "$root" --no-print-directory BUILD="$dir" CPPFLAGS="-DHAK_WITH_$opt=0" \
        "$dir/obj/hosted/api.o" >"$tmp/log$n" 2>&1
    rc=$?
    want="HAK_WITH_$opt=0 is for bare-metal images: the hosted port needs it"
    if [ $rc != 0 ] && grep -qF "$want" "$tmp/log$n" && [ ! -e "$dir/obj/hosted/api.o" ]; then
        ok "CPPFLAGS=-DHAK_WITH_$opt=0: the hosted build stops: $want"
    else
        fail "CPPFLAGS=-DHAK_WITH_$opt=0: exit $rc, no message naming the option:"; sed 's/^/    | /' "$tmp/log$n" | head -n 5
    fi
done

# BUILD: empty, blank inside, or / are refused before anything is built
# (an empty one built into the root folder, and make clean removed it)
for value in "" "$tmp/a b" /; do
    n=$((n + 1))
    make -s -C "$root" --no-print-directory BUILD="$value" lib >"$tmp/log$n" 2>&1
    rc=$?
    if [ $rc != 0 ] && grep -q "BUILD" "$tmp/log$n" && [ ! -e /flags.stamp ] && [ ! -e "$tmp/a b" ] &&
        ! grep -q '^built' "$tmp/log$n"; then
        ok "make BUILD='$value': refused"
    else
        fail "make BUILD='$value': exit $rc, not refused:"; sed 's/^/    | /' "$tmp/log$n" | head -n 5
    fi
done

[ $fails = 0 ] && echo "all make option checks passed"
exit $((fails > 0))
