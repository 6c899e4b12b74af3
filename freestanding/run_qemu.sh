#!/usr/bin/env bash
# Runs the freestanding images of one target under QEMU and turns their
# UART reports into one verdict (freestanding/README.md).
#   freestanding/run_qemu.sh TARGET [port|core]
# port: the port's images (hakmem_test*.elf); core: the core tests
# (core_tests.elf); all (the default): both. Another word, or a TARGET
# without freestanding/TARGET/, exits 2.
# BUILD (the build folder, set by tests/run_tests.sh) holds
# fs/TARGET/run.conf, written by freestanding.mk: the QEMU command, its
# package, one line per image: "image FILE CPUS TEST...", and for an image
# that runs with more QEMU options (-icount), "extra FILE OPTION...".
# Each image must exit QEMU with status 0, print a PASS (or SKIP) line for
# every test named ("PASS TARGET TEST ..." from the port's runner, "PASS
# TEST - ..." from the core tests' harness), and no FAIL line. Exit 0: all images pass; 77: no image
# built or no QEMU (the reason on the last line); 1: a failure; 2: bad
# arguments.
set -u
usage="usage: run_qemu.sh TARGET [port|core|all]"
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "$usage" >&2; exit 2; }
target=$1
which=${2:-all}
case $which in
port) pick='^hakmem_test' ;;
core) pick='^core_tests' ;;
all) pick=. ;;
*) echo "run_qemu.sh: unknown image set '$which': port, core or all (the default); $usage" >&2; exit 2 ;;
esac
root=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
if [ ! -d "$root/freestanding/$target" ] || [[ $target == */* ]] || [ -z "$target" ]; then
    echo "run_qemu.sh: unknown target '$target': one of" \
         "$(cd "$root/freestanding" && for d in */arch.c */start.S; do echo "${d%%/*}"; done | sort -u | paste -sd' ')" >&2
    exit 2
fi
build=${BUILD:-$root/build}
dir=$build/fs/$target
conf=$dir/run.conf
per_run_timeout=60

if [ ! -f "$conf" ]; then
    why=$(bash "$root/tests/missing.sh" baremetal)
    echo "no $target image built: ${why:-make test-build builds it (freestanding/$target/ is needed)}"
    exit 77
fi
qemu=$(sed -n 's/^qemu //p' "$conf")
package=$(sed -n 's/^package //p' "$conf")
if ! command -v "${qemu%% *}" >/dev/null; then
    echo "${qemu%% *} missing: install $package (apt-get install -y --no-install-recommends $package)"
    exit 77
fi

failed=0 summary=()
while read -r kind image cpus tests; do
    [ "$kind" = image ] && [[ $image =~ $pick ]] || continue
    extra=$(sed -n "s/^extra $image //p" "$conf")
    out=$(mktemp)
    start=$(date +%s.%N)
    # shellcheck disable=SC2086  # $qemu and $extra are command lines
    timeout --kill-after=5 "$per_run_timeout" $qemu $extra -smp "$cpus" -kernel "$dir/$image" \
        </dev/null >"$out" 2>&1
    status=$?
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    tr -d '\r' <"$out" >"$out.txt"
    echo "---- $target $image (-smp $cpus${extra:+ $extra}): exit $status, ${secs}s"
    cat "$out.txt"
    why=()
    [ $status -eq 124 ] || [ $status -eq 137 ] && why+=("timed out after ${per_run_timeout}s (deadlock?)")
    [ $status -ne 0 ] && [ $status -ne 124 ] && [ $status -ne 137 ] && why+=("exit status $status")
    grep -q "^FAIL " "$out.txt" && why+=("$(grep -c '^FAIL ' "$out.txt") FAIL lines")
    for t in $tests; do
        grep -qE "^(PASS|SKIP|FAIL) ($target )?$t( |\$)" "$out.txt" || why+=("no verdict for $t")
    done
    # A test the image skipped (e.g. no timer interrupt on this target) is
    # a skip of ours too (tests/run_tests.sh counts SKIP-PART lines).
    sed -nE "s/^SKIP ($target )?([^ ]+) ?(.*)$/SKIP-PART ${image%.elf}\/\2: \3/p" "$out.txt"
    if [ ${#why[@]} -eq 0 ]; then
        summary+=("ok   $target $image: $(grep -c '^PASS ' "$out.txt") passed, $(grep -c '^SKIP ' "$out.txt") skipped (${secs}s)")
    else
        failed=1
        summary+=("FAIL $target $image: $(printf '%s; ' "${why[@]}" | sed 's/; $//')")
    fi
    rm -f "$out" "$out.txt"
done <"$conf"

echo "---- $target summary"
printf '%s\n' "${summary[@]}"
if [ ${#summary[@]} -eq 0 ]; then
    if [ "$which" = core ] && [ ! -f "$root/freestanding/$target/jmp.S" ]; then
        echo "the core tests do not run on $target yet (freestanding/$target/jmp.S is not written)"
    else
        echo "no $which image of $target built"
    fi
    exit 77
fi
exit $failed
