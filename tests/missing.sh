#!/usr/bin/env bash
# missing.sh WHAT - prints, on one line, why WHAT cannot be built here and
# which Debian packages bring it; prints nothing when it can. Always exits 0.
# One place for these checks: the .mk files (which skip the step), the test
# scripts (which skip themselves) and install_deps.sh use it.
#   sanitizers  clang with its ASan/UBSan/TSan and libFuzzer runtimes
#               (tests/hardening.mk, tests/sh/fuzz.sh)
#   baremetal   clang, ld.lld and llvm-objdump (freestanding/freestanding.mk)
# CLANG, LLD and OBJDUMP name other tools (the .mk files pass theirs).
set -u
clang=${CLANG:-clang}
# Debian's package of clang's runtimes, for this clang (Debian 12: 14).
rt_pkg() {
    local v
    v=$("$clang" -dumpversion 2>/dev/null | cut -d. -f1)
    echo "libclang-rt-${v:-14}-dev"
}
case ${1:-} in
sanitizers)
    if ! command -v "$clang" >/dev/null; then
        echo "$clang not installed (apt-get install clang $(rt_pkg))"
        exit 0
    fi
    dir=$("$clang" -print-resource-dir 2>/dev/null)
    for rt in asan ubsan_standalone tsan fuzzer; do
        if ! compgen -G "$dir/lib/*/libclang_rt.$rt*.a" >/dev/null; then
            echo "the sanitizer runtimes of clang not installed (apt-get install $(rt_pkg))"
            exit 0
        fi
    done ;;
baremetal)
    need=() pkgs=()
    command -v "$clang" >/dev/null || { need+=("$clang"); pkgs+=(clang); }
    command -v "${LLD:-ld.lld}" >/dev/null || { need+=("${LLD:-ld.lld}"); pkgs+=(lld); }
    command -v "${OBJDUMP:-llvm-objdump}" >/dev/null || { need+=("${OBJDUMP:-llvm-objdump}"); pkgs+=(llvm); }
    [ ${#need[@]} -eq 0 ] || echo "${need[*]} not installed (apt-get install ${pkgs[*]})" ;;
*)
    echo "usage: tests/missing.sh sanitizers|baremetal" >&2
    exit 2 ;;
esac
exit 0
