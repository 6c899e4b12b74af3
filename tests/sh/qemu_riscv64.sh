#!/usr/bin/env bash
# The freestanding port's riscv64 images (hakmem_test*.elf) under QEMU:
# freestanding/run_qemu.sh.
exec bash "${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/freestanding/run_qemu.sh" riscv64 port
