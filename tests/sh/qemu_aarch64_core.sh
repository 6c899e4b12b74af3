#!/usr/bin/env bash
# The core tests (tests/core/) on bare-metal aarch64 under QEMU: core_tests.elf
# (freestanding/run_qemu.sh); skipped (77) when that image was not built or
# QEMU is missing.
exec bash "${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/freestanding/run_qemu.sh" aarch64 core
