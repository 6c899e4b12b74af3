#!/usr/bin/env bash
# qemu_args.sh - the arguments of freestanding/run_qemu.sh.
#
# Proves: an unknown image set (riscv64 bogus), an unknown target, a
# target that is a path, and a missing or extra argument are refused with
# exit 2 and a message naming the bad word, before QEMU is looked for or
# anything runs (so this test needs neither the images nor QEMU); the
# known sets (port, core, all) get past that check.
# Env: BUILD, ROOT.
set -u
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
runner=$root/freestanding/run_qemu.sh
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hak_qemu_args.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# run WANT_RC TEXT ARGS...: the runner (with an empty build folder: no
# image) exits WANT_RC and says TEXT.
run() {
    local want=$1 text=$2 rc=0; shift 2
    BUILD=$tmp/build ROOT=$root timeout 60 bash "$runner" "$@" >"$tmp/out" 2>&1 </dev/null || rc=$?
    if [ "$rc" = "$want" ] && grep -qF -- "$text" "$tmp/out"; then
        echo "ok   run_qemu.sh $*: exit $rc${text:+, \"$text\"}"
    else
        fail "run_qemu.sh $*: exit $rc (want $want${text:+, \"$text\"}):"; sed 's/^/    | /' "$tmp/out" | head -n 4
    fi
}
run 2 "unknown image set 'bogus': port, core or all" riscv64 bogus
run 2 "unknown image set 'PORT'" aarch64 PORT
run 2 "unknown target 'bogus': one of aarch64 riscv64" bogus
run 2 "unknown target 'riscv64/..'" riscv64/.. port
run 2 "usage: run_qemu.sh TARGET [port|core|all]"
run 2 "usage: run_qemu.sh TARGET [port|core|all]" riscv64 port extra
for set in port core all; do
    run 77 "no riscv64 image built" riscv64 "$set"
done
[ $fails = 0 ] && echo "all run_qemu.sh argument checks passed"
exit $((fails > 0))
