#!/usr/bin/env bash
# The freestanding port's aarch64 images (hakmem_test*.elf) under QEMU:
# freestanding/run_qemu.sh. Skipped ("no aarch64 image built") until the
# aarch64 target builds.
exec bash "${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/freestanding/run_qemu.sh" aarch64 port
