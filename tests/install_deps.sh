#!/usr/bin/env bash
# Installs the Debian packages `make test` needs beyond gcc and make, when
# they are missing and we are root (apt-get); otherwise names them. Never
# fails the build by itself: each suite whose tools are missing is
# reported as skipped, with the package to install.
#
#   clang, libclang-rt-N-dev    sanitizer builds, fuzz (tests/hardening.mk)
#   lld, llvm                   bare-metal images (freestanding/)
#   qemu-system-misc, -arm      running them (riscv64, aarch64)
#   valgrind                    sh/valgrind_stress
#   python3, git, sqlite3,      sh/real_programs (python3 also for
#   perl, g++                   sh/static_link's XML check)
#   pkg-config                  sh/install
# (sh/python_suite installs python's test package itself.)
set -u
cd "$(dirname "$0")/.." || exit 0
need=()
want() { # package, test command...
    local pkg=$1; shift
    "$@" >/dev/null 2>&1 || need+=("$pkg")
}
# The packages tests/missing.sh names ("... (apt-get install P...)").
for what in sanitizers baremetal; do
    for pkg in $(tests/missing.sh $what | sed -n 's/.*(apt-get install \(.*\))$/\1/p'); do
        [[ " ${need[*]} " == *" $pkg "* ]] || need+=("$pkg")
    done
done
want qemu-system-misc command -v qemu-system-riscv64
want qemu-system-arm command -v qemu-system-aarch64
want valgrind command -v valgrind
want python3 test -x /usr/bin/python3
want git command -v git
want sqlite3 command -v sqlite3
want perl perl -MMath::BigInt -e 1
want g++ command -v g++
want pkg-config command -v pkg-config
[ ${#need[@]} -eq 0 ] && { echo "deps: all installed"; exit 0; }
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "deps: installing ${need[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 &&
          apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1; } ||
        echo "deps: could not install ${need[*]}; the suites that need them will be skipped"
else
    echo "deps: missing ${need[*]}; the suites that need them will be skipped"
    echo "      (install them as root: apt-get install ${need[*]}; or run make test as root)"
fi
exit 0
