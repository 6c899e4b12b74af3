#!/usr/bin/env bash
# The code size of the minimal bare-metal core: the core's objects built
# for riscv64 at -Os with FS_MIN_OPTS (freestanding/freestanding.mk builds
# them with the images), their .text summed, must stay within
# FS_CORE_TEXT_LIMIT bytes (12 KiB, the target of docs/FREESTANDING.md,
# "Code size"; `make fs-size` prints the same sum). Every function of the
# core counts, whether an image calls it or not. Exit 0 within the limit,
# 1 above it, 77 when the objects or llvm-size are missing.
set -u
root=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${BUILD:-$root/build}
limit=${FS_CORE_TEXT_LIMIT:-12288}
size=${FS_SIZE:-llvm-size}
dir=$build/fs/riscv64/osmin/core
objs=("$dir"/*.o)
if [ ! -e "${objs[0]}" ]; then
    why=$(bash "$root/tests/missing.sh" baremetal)
    echo "no riscv64 FS_MIN_OPTS objects built: ${why:-make test-build builds them}"
    exit 77
fi
if ! command -v "$size" >/dev/null; then
    echo "$size missing: install llvm (apt-get install -y --no-install-recommends llvm)"
    exit 77
fi
want=$(ls "$root"/core/*.c | wc -l)
if [ "${#objs[@]}" -ne "$want" ]; then
    echo "FAIL: ${#objs[@]} objects in $dir for $want core sources"
    exit 1
fi
text=$(for o in "${objs[@]}"; do "$size" -A "$o"; done | awk '$1 ~ /^\.text/ { t += $2 } END { print t + 0 }')
echo "riscv64 -Os FS_MIN_OPTS core .text: $text bytes (limit $limit)"
if [ "$text" -le 0 ] || [ "$text" -gt "$limit" ]; then
    echo "FAIL: the minimal bare-metal core's code is $text bytes, over $limit"
    exit 1
fi
