#!/usr/bin/env bash
# Installs what `make test` needs beyond gcc and make, when it is missing and
# we are root (apt-get); otherwise names the missing packages. Never fails
# the build by itself: the suites that need a missing tool say so.
set -u
need=()
command -v clang >/dev/null || need+=(clang)
[ -n "$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.tsan-x86_64.a 2>/dev/null)" ] ||
    need+=(libclang-rt-14-dev)
command -v valgrind >/dev/null || need+=(valgrind)
for q in riscv64:qemu-system-misc aarch64:qemu-system-arm; do command -v "qemu-system-${q%%:*}" >/dev/null || need+=("${q#*:}"); done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 &&
          apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1; } ||
        echo "could not install ${need[*]}"
else
    echo "missing: ${need[*]} (install them: apt-get install ${need[*]})"
fi
exit 0
