# freestanding/freestanding.mk - the bare-metal images (freestanding/README.md).
#
#   make fs-images   every image of every target in FS_TARGETS, under
#                    $(BUILD)/fs/<target>/ (objects in <target>/<variant>/)
#   make fs-size     code sizes of the core and the port, and of an image
#                    using only the malloc family (-Os and -O2; size.sh)
#
# `make test` builds the images when clang, ld.lld and llvm-objdump are
# there (tests/missing.sh baremetal), and otherwise says what is missing;
# tests/sh/qemu_<target>.sh runs them under QEMU (freestanding/run_qemu.sh).
# CPPFLAGS (config.h options) reach these builds too; CFLAGS, for $(CC),
# do not.
#
# Adding a target T: freestanding/T/ implementing freestanding/arch.h,
# linker/T.ld (naming __heap_start/__heap_end), the four FS_*_T variables
# below, and T in FS_TARGETS.

FS_TARGETS ?= riscv64 aarch64
FS_CC ?= clang
FS_LD ?= ld.lld
FS_OBJDUMP ?= llvm-objdump
FS_SIZE ?= llvm-size
FS_OUT := $(BUILD)/fs

# Per target: compiler flags, the QEMU command (the runner adds -smp and
# -kernel), the Debian package that brings it, and the linker script.
FS_CFLAGS_riscv64 := --target=riscv64-unknown-elf -march=rv64imac -mabi=lp64 -mcmodel=medany -mno-relax
FS_QEMU_riscv64 := qemu-system-riscv64 -machine virt -bios none -m 128M -nographic
FS_QEMU_PKG_riscv64 := qemu-system-misc
FS_LDSCRIPT_riscv64 := linker/riscv64.ld

FS_CFLAGS_aarch64 := --target=aarch64-none-elf -mgeneral-regs-only -mstrict-align
FS_QEMU_aarch64 := qemu-system-aarch64 -M virt -cpu cortex-a57 -m 128M -nographic -nic none -semihosting
FS_QEMU_PKG_aarch64 := qemu-system-arm
FS_LDSCRIPT_aarch64 := linker/aarch64.ld

FS_CFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -ffreestanding -nostdlib -fno-builtin -fno-stack-protector \
    -fno-asynchronous-unwind-tables -fno-unwind-tables \
    -ffunction-sections -fdata-sections -g
# The core is built with the port's capabilities (platform/platform.h): no
# purge, no clock; debug builds add the pin check (FS_VFLAGS_debug). A
# variant may set its own FS_CAPS_<variant>. Caches are per CPU and live
# as long as the image: no thread frees a large set for the next one to
# take, so the transfer cache keeps 8 batches a class (core/config.h's 32
# would double the arena state in .bss). A mid class's bin starts at two
# batches, not the hosted floor of 16 blocks (HAK_MID_CACHE_MIN): blocks
# parked in one CPU's cache are memory the others cannot reach when the
# region runs out.
FS_CAPS := -DHAK_PLAT_HAS_PURGE=0 -DHAK_PLAT_HAS_CLOCK=0 -DHAK_XFER_SLOTS=8 -DHAK_XFER_CREDIT=2u \
           -DHAK_MID_CACHE_MIN=0u
# What a bare-metal image may leave out of the core (core/config.h): the
# invariant walkers, the statistics and the uncached hak_arena_ API. The
# `min` image and the `min` sizes of fs-size are built without them.
FS_MIN_OPTS := -DHAK_WITH_CHECK=0 -DHAK_WITH_STATS=0 -DHAK_WITH_ARENA_API=0 -DHAK_WITH_TOOLS=0 \
    -DHAK_WITH_GROWTH=0 -DHAK_WITH_FORK=0 -DHAK_WITH_DECAY=0 -DHAK_WITH_BIN_GROWTH=0 \
    -DHAK_WITH_MID_FREE=0 -DHAK_WITH_SHRINK_MOVE=0 -DHAK_WITH_XCLASS=0

# Variants of the test image: the same tests with 4, 1 and 2 CPUs (the
# throughput figures at 1/2/4 CPUs come from each run alone, so idle CPUs
# never spin beside the measured ones), a debug build (core invariant
# walks, canaries, the pin check), a minimal build (-Os, the core without
# FS_MIN_OPTS; 2 CPUs), and one CPU under QEMU's -icount shift=0, where
# virtual time advances 1 ns per instruction: its per-call figures are
# instruction counts, free of the host's scheduling (FS_QEMU_EXTRA_<v>:
# options the runner adds for that image). `os`, `osmin` and `o2min` only
# build objects, for fs-size (`rel` serves it at -O2).
FS_VARIANTS := rel smp1 smp2 debug min icount
FS_VFLAGS_rel := -O2 -DFS_NCPUS=4
FS_VFLAGS_smp1 := -O2 -DFS_NCPUS=1
FS_VFLAGS_smp2 := -O2 -DFS_NCPUS=2
FS_VFLAGS_debug := -O1 -DFS_NCPUS=4 -DHAK_DEBUG=1 -DHAK_PLAT_HAS_PIN_CHECK=1 \
    -DFS_STRESS_OPS=20000 -DFS_IRQ_OPS=10000 -DFS_IRQ_TARGET=1000 -DFS_IRQ_SECONDS=2
FS_VFLAGS_min := -Os -DFS_NCPUS=2
FS_CAPS_min := $(FS_CAPS) $(FS_MIN_OPTS)
FS_VFLAGS_icount := -O2 -DFS_NCPUS=1 -DFS_ICOUNT_SHIFT=0
FS_QEMU_EXTRA_icount := -icount shift=0
FS_VFLAGS_os := -Os -DFS_NCPUS=4
FS_VFLAGS_osmin := -Os -DFS_NCPUS=4
FS_CAPS_osmin := $(FS_CAPS_min)
FS_VFLAGS_o2min := -O2 -DFS_NCPUS=4
FS_CAPS_o2min := $(FS_CAPS_min)
FS_SMP_rel := 4
FS_SMP_smp1 := 1
FS_SMP_smp2 := 2
FS_SMP_debug := 4
FS_SMP_min := 2
FS_SMP_icount := 1
FS_IMAGE_rel := hakmem_test
FS_IMAGE_smp1 := hakmem_test_smp1
FS_IMAGE_smp2 := hakmem_test_smp2
FS_IMAGE_debug := hakmem_test_debug
FS_IMAGE_min := hakmem_test_min
FS_IMAGE_icount := hakmem_test_icount

# The tests each image reports (freestanding/tests/runner.c), checked by
# the runner script.
FS_TESTS := api arena smp_stress exhaustion interrupts

FS_CORE_SRC := $(wildcard core/*.c)
FS_PORT_SRC := $(wildcard freestanding/*.c)
FS_TEST_SRC := $(wildcard freestanding/tests/*.c)
FS_ARCH_SRC = $(wildcard freestanding/$(1)/*.c freestanding/$(1)/*.S)
FS_HEADERS := $(wildcard core/*.h platform/*.h include/*.h freestanding/*.h freestanding/tests/*.h \
    freestanding/core_tests/*.h tests/core/*.h)

# The image's hak_arena_ calls go through freestanding/arena_pin.c, which
# pins the caller (interrupts off) around the core's functions.
FS_WRAPPED := hak_arena_create hak_arena_create_ex hak_arena_destroy hak_arena_malloc \
    hak_arena_calloc hak_arena_realloc hak_arena_aligned_alloc hak_arena_free \
    hak_arena_usable_size hak_arena_stats hak_arena_check
FS_LDFLAGS := --gc-sections $(addprefix --wrap=,$(FS_WRAPPED))

fs_objs = $(patsubst %,$(FS_OUT)/$(1)/$(2)/%.o,$(basename $(3)))

# $(1) target, $(2) variant: the object rules.
define FS_OBJ_RULES
FS_CORE_OBJ_$(1)_$(2) := $$(call fs_objs,$(1),$(2),$$(FS_CORE_SRC))
FS_PORT_OBJ_$(1)_$(2) := $$(call fs_objs,$(1),$(2),$$(FS_PORT_SRC) $$(call FS_ARCH_SRC,$(1)))
FS_TEST_OBJ_$(1)_$(2) := $$(call fs_objs,$(1),$(2),$$(FS_TEST_SRC))

$(FS_OUT)/$(1)/$(2)/%.o: %.c $$(FS_HEADERS) freestanding/freestanding.mk $$(FLAGS_STAMP)
	@mkdir -p $$(@D)
	$$(Q)$$(FS_CC) $$(CPPFLAGS) $$(FS_CFLAGS) $$(FS_CFLAGS_$(1)) $$(or $$(FS_CAPS_$(2)),$$(FS_CAPS)) $$(FS_VFLAGS_$(2)) \
	    -DFS_TARGET_NAME='"$(1)"' -c $$< -o $$@

$(FS_OUT)/$(1)/$(2)/%.o: %.S freestanding/freestanding.mk $$(FLAGS_STAMP)
	@mkdir -p $$(@D)
	$$(Q)$$(FS_CC) $$(FS_CFLAGS_$(1)) $$(FS_VFLAGS_$(2)) -c $$< -o $$@

# mem.c must not call anything, itself least (a loop turned back into
# memcpy would recurse for ever).
$(FS_OUT)/$(1)/$(2)/freestanding/mem.o: freestanding/mem.c freestanding/freestanding.mk $$(FLAGS_STAMP)
	@mkdir -p $$(@D)
	$$(Q)$$(FS_CC) $$(CPPFLAGS) $$(FS_CFLAGS) $$(FS_CFLAGS_$(1)) $$(FS_VFLAGS_$(2)) -c $$< -o $$@
	@if $$(FS_OBJDUMP) -r $$@ | grep -qE '(CALL|JUMP26)[A-Z_0-9]* +(memcpy|memmove|memset|memcmp)$$$$'; then \
	    echo "$$<: a mem* function calls a mem* function (self-recursion)"; rm -f $$@; exit 1; fi
endef

# $(1) target, $(2) variant: the image.
define FS_IMAGE_RULES
$(FS_OUT)/$(1)/$(FS_IMAGE_$(2)).elf: $$(FS_CORE_OBJ_$(1)_$(2)) $$(FS_PORT_OBJ_$(1)_$(2)) \
        $$(FS_TEST_OBJ_$(1)_$(2)) $$(FS_LDSCRIPT_$(1))
	$$(Q)$$(FS_LD) -T $$(FS_LDSCRIPT_$(1)) $$(FS_LDFLAGS) -o $$@ $$(filter %.o,$$^)
endef

# The core tests (tests/core/, harness.h) on one CPU: core_tests.elf, with
# freestanding/core_tests/ as their platform and main, for each target
# that has freestanding/<target>/jmp.S (their recovery points,
# core_tests/fs_jmp.h). The core keeps purge and clock there (the purge
# tests need them), and the image names no default arena (its static
# buffers take 73 MiB): the linker script gets __fs_heap_size = 0.
fs_lparen := (
FS_CT_TESTS := $(shell sed -n 's/^TEST$(fs_lparen)\([A-Za-z0-9_]*\),.*/\1/p' tests/core/test_list.h 2>/dev/null)
FS_CT_SRC := $(filter-out tests/core/main_host.c tests/core/test_platform.c,$(wildcard tests/core/*.c)) \
    $(wildcard freestanding/core_tests/*.c) \
    freestanding/boot.c freestanding/console.c freestanding/format.c freestanding/sync.c freestanding/mem.c
FS_VFLAGS_coretest := -O2 -DFS_NCPUS=1 -Iinclude -Ifreestanding/core_tests -DTEST_JMP_HEADER='"fs_jmp.h"'
FS_CAPS_coretest := -DHAK_PLAT_HAS_PURGE=1 -DHAK_PLAT_HAS_CLOCK=1
fs_has_core_tests = $(and $(wildcard tests/core/harness.h),$(wildcard freestanding/$(1)/jmp.S))

define FS_CORETEST_RULES
$(FS_OUT)/$(1)/core_tests.elf: $$(FS_CORE_OBJ_$(1)_coretest) \
        $$(call fs_objs,$(1),coretest,$$(FS_CT_SRC) $$(call FS_ARCH_SRC,$(1))) $$(FS_LDSCRIPT_$(1))
	$$(Q)$$(FS_LD) -T $$(FS_LDSCRIPT_$(1)) --gc-sections --defsym=__fs_heap_size=0 -o $$@ $$(filter %.o,$$^)
endef

# $(1) target: what the runner needs to know (freestanding/run_qemu.sh).
define FS_TARGET_RULES
$(FS_OUT)/$(1)/run.conf: $(foreach v,$(FS_VARIANTS),$(FS_OUT)/$(1)/$(FS_IMAGE_$(v)).elf) \
        $(if $(call fs_has_core_tests,$(1)),$(FS_OUT)/$(1)/core_tests.elf) freestanding/freestanding.mk
	@{ echo "qemu $$(FS_QEMU_$(1))"; echo "package $$(FS_QEMU_PKG_$(1))"; \
	  $(foreach v,$(FS_VARIANTS),echo "image $(FS_IMAGE_$(v)).elf $(FS_SMP_$(v)) $(FS_TESTS)";) \
	  $(foreach v,$(FS_VARIANTS),$(if $(FS_QEMU_EXTRA_$(v)),echo "extra $(FS_IMAGE_$(v)).elf $(FS_QEMU_EXTRA_$(v))";)) \
	  $(if $(call fs_has_core_tests,$(1)),echo "image core_tests.elf 1 $(FS_CT_TESTS)";) } > $$@
endef

$(foreach t,$(FS_TARGETS),$(foreach v,$(FS_VARIANTS) os osmin o2min coretest,$(eval $(call FS_OBJ_RULES,$(t),$(v)))))
$(foreach t,$(FS_TARGETS),$(foreach v,$(FS_VARIANTS),$(eval $(call FS_IMAGE_RULES,$(t),$(v)))))
$(foreach t,$(FS_TARGETS),$(if $(call fs_has_core_tests,$(t)),$(eval $(call FS_CORETEST_RULES,$(t)))))
$(foreach t,$(FS_TARGETS),$(eval $(call FS_TARGET_RULES,$(t))))

.PHONY: fs-images fs-size
# With the images: the riscv64 -Os FS_MIN_OPTS core objects, whose code
# size tests/sh/fs_size.sh holds to its limit.
# Then a line per target naming its images (FS_IMAGES_QUIET=1: none, for
# make test's one line per step).
fs-images: $(foreach t,$(FS_TARGETS),$(FS_OUT)/$(t)/run.conf) \
    $(if $(filter riscv64,$(FS_TARGETS)),$(FS_CORE_OBJ_riscv64_osmin))
	@$(if $(FS_IMAGES_QUIET),:,$(foreach t,$(FS_TARGETS),echo "fs-images: $(FS_OUT)/$(t)/:" \
	    $$(sed -n 's/^image \([^ ]*\) .*/\1/p' $(FS_OUT)/$(t)/run.conf) \
	    "(run them: freestanding/run_qemu.sh $(t))";))

# Code sizes (freestanding/size.sh): the objects of the core and of the
# port (without its tests), and the core's share of a linked image that
# uses only the malloc family (freestanding/size/minimal.c, --gc-sections),
# at -Os and -O2, each with the core's default parts and without
# FS_MIN_OPTS.
FS_SIZE_VARIANTS := os osmin rel o2min
FS_SIZE_TITLE_os := -Os
FS_SIZE_TITLE_osmin := -Os, core built with FS_MIN_OPTS (without checks, statistics, arena API, tool mode)
FS_SIZE_TITLE_rel := -O2
FS_SIZE_TITLE_o2min := -O2, core built with FS_MIN_OPTS (without checks, statistics, arena API, tool mode)

define FS_SIZE_RULES
$(FS_OUT)/$(1)/size/minimal_$(2).elf: $$(FS_CORE_OBJ_$(1)_$(2)) $$(FS_PORT_OBJ_$(1)_$(2)) \
        $(FS_OUT)/$(1)/$(2)/freestanding/size/minimal.o $$(FS_LDSCRIPT_$(1))
	@mkdir -p $$(@D)
	$$(Q)$$(FS_LD) -T $$(FS_LDSCRIPT_$(1)) --gc-sections -Map=$$@.map -o $$@ $$(filter %.o,$$^)
endef
$(foreach t,$(FS_TARGETS),$(foreach v,$(FS_SIZE_VARIANTS),$(eval $(call FS_SIZE_RULES,$(t),$(v)))))

fs-size: $(foreach t,$(FS_TARGETS),$(foreach v,$(FS_SIZE_VARIANTS),$(FS_OUT)/$(t)/size/minimal_$(v).elf))
	@$(foreach t,$(FS_TARGETS),$(foreach v,$(FS_SIZE_VARIANTS), \
	    echo "== $(t) $(FS_SIZE_TITLE_$(v))"; \
	    FS_SIZE=$(FS_SIZE) bash freestanding/size.sh objects "core objects (core/*.o)" $(FS_CORE_OBJ_$(t)_$(v)); \
	    FS_SIZE=$(FS_SIZE) bash freestanding/size.sh objects "port objects (freestanding/, $(t)/)" $(FS_PORT_OBJ_$(t)_$(v)); \
	    bash freestanding/size.sh image "minimal image (malloc family only, linked):" \
	        $(FS_OUT)/$(t)/size/minimal_$(v).elf.map;))

# The step of `make test` (tests/tests.mk). Without the tools the QEMU
# tests skip themselves (freestanding/run_qemu.sh says why).
.PHONY: build-step-fs
FS_MISSING := $(shell CLANG='$(FS_CC)' LLD='$(FS_LD)' OBJDUMP='$(FS_OBJDUMP)' tests/missing.sh baremetal)
TEST_STEPS += build-step-fs
ifeq ($(FS_MISSING),)
test-build: fs-images
build-step-fs:
	@echo "build: bare-metal images for $(FS_TARGETS) ($(FS_CC), $(FS_LD))"
	$(Q)$(SUBMAKE) fs-images FS_IMAGES_QUIET=1
else
build-step-fs:
	@echo "build: bare-metal images: not built, $(FS_MISSING)"
endif
