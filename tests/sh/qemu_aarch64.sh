#!/usr/bin/env bash
# The freestanding port's aarch64 images (hakmem_test*.elf) under QEMU:
# freestanding/run_qemu.sh. Skipped (77) when no image was built (no clang
# or ld.lld) or qemu-system-aarch64 is missing.
exec bash "${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/freestanding/run_qemu.sh" aarch64 port
