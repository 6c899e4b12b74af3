#!/usr/bin/env bash
# The core tests (tests/core/) on bare-metal riscv64 under QEMU: core_tests.elf
# (freestanding/run_qemu.sh); skipped until that image is built.
exec bash "${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/freestanding/run_qemu.sh" riscv64 core
