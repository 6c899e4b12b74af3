#!/usr/bin/env bash
# install - `make install` into a temporary prefix, then programs built
# against the installed copy as a user builds them.
#
# Proves:
#   - make install PREFIX=<tmp> puts exactly the documented files there:
#     include/hakmem.h, lib/libhakmem.so.<version> with the soname
#     libhakmem.so.0 (a link) and the libhakmem.so link, lib/libhakmem.a,
#     lib/pkgconfig/hakmem.pc, share/man/man3/hakmem.3; DESTDIR stages the
#     same tree under it;
#   - with PKG_CONFIG_PATH pointing there, examples/request_arena.c builds
#     with `cc prog.c $(pkg-config --cflags --libs hakmem)` (shared: it
#     needs libhakmem.so.0 at run time, and hakmem is its malloc) and with
#     `cc -static prog.c $(pkg-config --static --cflags --libs hakmem)`, and
#     both print examples/request_arena.expected;
#   - pkg-config's version is the one hak_version() reports;
#   - the man page names every function of hakmem.h and every HAKMEM_
#     environment variable the hosted port reads, and formats without a
#     warning (when groff is installed);
#   - make uninstall removes those files and nothing else;
#   - a relative PREFIX (or LIBDIR, DESTDIR), one with a blank and one with
#     a character the shell would read as syntax (& ; |) are refused with a
#     message naming the setting, before anything is built
#     or installed (no stray folder in the source tree).
# Skipped (77) without pkg-config; the static part is skipped without
# libc.a (libc6-dev).
# Env: BUILD=<abs build dir>, ROOT (from tests/run_tests.sh).
set -u
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${BUILD:-$root/build}
if ! command -v pkg-config >/dev/null; then
    echo "pkg-config not installed (apt-get install pkg-config)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hak_install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
mk() { make -s -C "$root" --no-print-directory BUILD="$build" "$@"; }

prefix=$tmp/prefix
mkdir -p "$prefix/lib"
echo keep >"$prefix/lib/unrelated.txt"    # uninstall must leave it
version=$(sed -n 's/^VERSION := //p' "$root/Makefile")
expected_files="include/hakmem.h
lib/libhakmem.a
lib/libhakmem.so
lib/libhakmem.so.0
lib/libhakmem.so.$version
lib/pkgconfig/hakmem.pc
lib/unrelated.txt
share/man/man3/hakmem.3"

mk install PREFIX="$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; bad "make install failed"; exit 1; }
got=$(cd "$prefix" && find . ! -type d | sed 's|^\./||' | sort)
[ "$got" = "$expected_files" ] || bad "installed files differ:$(diff <(echo "$expected_files") <(echo "$got"))"
[ "$(readlink "$prefix/lib/libhakmem.so.0")" = "libhakmem.so.$version" ] || bad "libhakmem.so.0 is not a link to libhakmem.so.$version"
[ "$(readlink "$prefix/lib/libhakmem.so")" = "libhakmem.so.0" ] || bad "libhakmem.so is not a link to libhakmem.so.0"
soname=$(readelf -d "$prefix/lib/libhakmem.so.$version" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libhakmem.so.0 ] || bad "soname is '$soname', expected libhakmem.so.0"
# Every function of hakmem.h is exported by the shared library.
exported=$(nm -D --defined-only "$prefix/lib/libhakmem.so.$version" | awk '{print $3}')
for f in $(grep -o '\bhak_[a-z0-9_]*(' "$root/include/hakmem.h" | tr -d '(' | sort -u); do
    grep -qx "$f" <<<"$exported" || bad "libhakmem.so does not export $f"
done
echo "installed into $prefix: $(echo "$got" | grep -vc unrelated) files, soname $soname, every hak_ function exported"

# A staged install (DESTDIR) holds the same tree under the staging folder.
mk install PREFIX=/opt/hak DESTDIR="$tmp/stage" >/dev/null 2>&1 || bad "make install DESTDIR=... failed"
staged=$(cd "$tmp/stage/opt/hak" 2>/dev/null && find . ! -type d | sed 's|^\./||' | sort)
[ "$staged" = "$(echo "$expected_files" | grep -v unrelated)" ] || bad "DESTDIR install differs: $staged"
grep -q '^prefix=/opt/hak$' "$tmp/stage/opt/hak/lib/pkgconfig/hakmem.pc" 2>/dev/null ||
    bad "the staged hakmem.pc does not name the final prefix /opt/hak"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
pc_version=$(pkg-config --modversion hakmem)
flags=$(pkg-config --cflags --libs hakmem)
echo "pkg-config: hakmem $pc_version: $flags"

src=$root/examples/request_arena.c
want=$root/examples/request_arena.expected
# Shared: the program needs libhakmem.so.0 (found through LD_LIBRARY_PATH
# here; after an install into a system prefix, through ldconfig).
# shellcheck disable=SC2046  # pkg-config's flags are a word list
if cc -std=c11 -O2 "$src" -o "$tmp/shared" $(pkg-config --cflags --libs hakmem) >"$tmp/cc.log" 2>&1; then
    needed=$(readelf -d "$tmp/shared" | sed -n 's/.*Shared library: \[\(libhakmem[^]]*\)\]/\1/p')
    [ "$needed" = libhakmem.so.0 ] || bad "the shared program needs '$needed', expected libhakmem.so.0"
    out=$(LD_LIBRARY_PATH=$prefix/lib "$tmp/shared" 2>&1) || bad "the shared program failed: $out"
    [ "$out" = "$(cat "$want")" ] || bad "the shared program's output differs: $(diff <(echo "$out") "$want")"
    # hakmem is its malloc: malloc_usable_size of a 1 MiB block is hakmem's
    # and the hak_version the program sees is the installed one.
    cat >"$tmp/which.c" <<'EOF'
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <hakmem.h>
int main(void)
{
    void *p = malloc(100);
    /* hak_usable_size stops the process on a block hakmem did not make. */
    printf("%s %d\n", hak_version(), hak_usable_size(p) == malloc_usable_size(p));
    free(p);
    return 0;
}
EOF
    # shellcheck disable=SC2046
    cc -O1 "$tmp/which.c" -o "$tmp/which" $(pkg-config --cflags --libs hakmem) &&
        which=$(LD_LIBRARY_PATH=$prefix/lib "$tmp/which" 2>&1)
    [ "${which:-}" = "hakmem $pc_version 1" ] ||
        bad "shared link: expected 'hakmem $pc_version 1' (hakmem as malloc, version as pkg-config's), got '${which:-}'"
    echo "ok   shared: $(echo "$out" | wc -l) lines as expected; malloc is hakmem $pc_version"
else
    bad "shared build failed: $(cat "$tmp/cc.log")"
fi

if [ -f "$(cc -print-file-name=libc.a)" ]; then
    # shellcheck disable=SC2046
    if cc -static -std=c11 -O2 "$src" -o "$tmp/static" $(pkg-config --static --cflags --libs hakmem) >"$tmp/cc.log" 2>&1; then
        readelf -d "$tmp/static" 2>/dev/null | grep -q NEEDED && bad "the -static program has dynamic dependencies"
        out=$("$tmp/static" 2>&1) || bad "the static program failed: $out"
        [ "$out" = "$(cat "$want")" ] || bad "the static program's output differs: $(diff <(echo "$out") "$want")"
        echo "ok   static: $(echo "$out" | wc -l) lines as expected"
    else
        bad "static build failed: $(cat "$tmp/cc.log")"
    fi
else
    echo "SKIP-PART static: static glibc (libc.a) not installed (apt-get install libc6-dev)"
fi

# The man page documents the whole API and every environment variable.
man=$prefix/share/man/man3/hakmem.3
for f in $(grep -o '\bhak_[a-z0-9_]*(' "$root/include/hakmem.h" | tr -d '(' | sort -u); do
    grep -q "\\b$f\\b" "$man" || bad "hakmem(3) does not document $f"
done
for v in $(grep -rhoE 'getenv\("HAKMEM_[A-Z0-9_]+' "$root/hosted" | sed 's/.*"//' | sort -u); do
    grep -q "^\\.B $v\$" "$man" || bad "hakmem(3) does not document the environment variable $v"
done
if command -v groff >/dev/null; then
    warnings=$(groff -man -Tutf8 -ww -z "$man" 2>&1)
    [ -z "$warnings" ] || bad "hakmem(3) formats with warnings: $warnings"
fi
echo "ok   hakmem(3): every function of hakmem.h and every HAKMEM_ variable"

mk uninstall PREFIX="$prefix" >/dev/null 2>&1 || bad "make uninstall failed"
left=$(cd "$prefix" && find . ! -type d | sed 's|^\./||' | sort)
[ "$left" = lib/unrelated.txt ] || bad "after make uninstall, left: $left"
mk uninstall PREFIX=/opt/hak DESTDIR="$tmp/stage" >/dev/null 2>&1
[ -z "$(find "$tmp/stage" ! -type d)" ] || bad "make uninstall DESTDIR=... left files"
[ $fail -eq 0 ] && echo "ok   make uninstall removed exactly the installed files"

before=$(ls -a "$root")
refused() { # TEXT SETTING...: make install with them stops, saying TEXT
    local text=$1 rc=0; shift
    (cd "$tmp" && mk install "$@") >"$tmp/refused.log" 2>&1 || rc=$?
    if [ $rc != 0 ] && grep -qF -- "$text" "$tmp/refused.log" && ! grep -q '^install:' "$tmp/refused.log"; then
        echo "ok   make install $*: refused: $text"
    else
        bad "make install $*: exit $rc, not refused with \"$text\": $(head -n 3 "$tmp/refused.log")"
    fi
}
refused "PREFIX='relprefix' is not an absolute path" PREFIX=relprefix
refused "PREFIX='$tmp/x space' contains a blank" PREFIX="$tmp/x space"
refused "LIBDIR='lib' is not an absolute path" PREFIX="$tmp/p2" LIBDIR=lib
refused "DESTDIR='stage' is not an absolute path" PREFIX=/opt/hak DESTDIR=stage
refused "DESTDIR='$tmp/a b' contains a blank" PREFIX=/opt/hak DESTDIR="$tmp/a b"
refused "PREFIX='$tmp/x&b' contains '&'" PREFIX="$tmp/x&b"
refused "PREFIX='$tmp/x;h' contains ';'" PREFIX="$tmp/x;h"
refused "PREFIX='$tmp/x|d' contains '|'" PREFIX="$tmp/x|d"
(cd "$tmp" && mk uninstall PREFIX=relprefix) >"$tmp/refused.log" 2>&1 &&
    bad "make uninstall PREFIX=relprefix was not refused"
[ "$(ls -a "$root")" = "$before" ] || bad "a refused install left something in $root"
[ ! -e "$tmp/x space" ] && [ ! -e "$tmp/x" ] && [ ! -e "$tmp/p2" ] && [ ! -e "$tmp/a b" ] &&
    [ -z "$(ls -d "$tmp"/x[\&\;\|]* "$tmp"/b "$tmp"/h "$tmp"/d 2>/dev/null)" ] ||
    bad "a refused install created folders"
exit $fail
