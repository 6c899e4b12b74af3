# tests/core.mk - the core tests: core/ linked with the host test platform
# (tests/core/test_platform.c), without the hosted port. Included by
# tests/tests.mk.
#
#   $(BUILD)/tests/core/core_tests        core and tests as the release build
#   $(BUILD)/tests/core/core_tests_debug  the same with -DHAK_DEBUG=1
#
# One executable each; exit 0 when every test passes; one line per test.
# The runner (tests/run_tests.sh) runs both as core/core_tests and
# core/core_tests_debug. `make test-core` builds and runs them directly.
#
# core/ is compiled with CORE_CFLAGS (freestanding), the test bodies and the
# harness with the same warnings and -ffreestanding, and the link checks
# that they, like the core, reference nothing but the platform contract,
# the test platform's hooks and mem*: a bare-metal port can build the same
# sources. Only test_platform.c and main_host.c use libc.

CORETEST_DIR := $(BUILD)/obj-coretest
CORETEST_FREE_SRC := $(filter-out tests/core/main_host.c tests/core/test_platform.c,$(wildcard tests/core/*.c))
CORETEST_HOST_SRC := tests/core/main_host.c tests/core/test_platform.c
CORETEST_HEADERS := $(HEADERS) $(wildcard tests/core/*.h)
CORETEST_FREE_CFLAGS := $(WARN) $(OPT) -g -ffreestanding -fno-stack-protector -Iinclude
CORETEST_HOST_CFLAGS := $(WARN) $(OPT) -g -D_POSIX_C_SOURCE=200809L -Iinclude

# $(1): variant (release, debug); $(2): extra flags; $(3): binary.
define CORETEST_RULES
CORETEST_CORE_OBJ_$(1) := $$(CORE_SRC:%.c=$$(CORETEST_DIR)/$(1)/%.o)
CORETEST_FREE_OBJ_$(1) := $$(CORETEST_FREE_SRC:%.c=$$(CORETEST_DIR)/$(1)/%.o)
CORETEST_HOST_OBJ_$(1) := $$(CORETEST_HOST_SRC:%.c=$$(CORETEST_DIR)/$(1)/%.o)

$$(CORETEST_DIR)/$(1)/core/%.o: core/%.c $$(HEADERS) $$(FLAGS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(CPPFLAGS) $$(CORE_PORTABLE_CFLAGS) $(2) $$(CFLAGS) $$(CORE_MUST) -c $$< -o $$@

$$(CORETEST_FREE_OBJ_$(1)): $$(CORETEST_DIR)/$(1)/%.o: %.c $$(CORETEST_HEADERS) $$(FLAGS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(CPPFLAGS) $$(CORETEST_FREE_CFLAGS) $(2) $$(CFLAGS) $$(CORE_MUST) -c $$< -o $$@

$$(CORETEST_HOST_OBJ_$(1)): $$(CORETEST_DIR)/$(1)/%.o: %.c $$(CORETEST_HEADERS) $$(FLAGS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(CPPFLAGS) $$(CORETEST_HOST_CFLAGS) $(2) $$(CFLAGS) -c $$< -o $$@

$(3): $$(CORETEST_CORE_OBJ_$(1)) $$(CORETEST_FREE_OBJ_$(1)) $$(CORETEST_HOST_OBJ_$(1))
	@ld -r -o $$(CORETEST_DIR)/$(1)/freestanding_all.o $$(CORETEST_CORE_OBJ_$(1)) $$(CORETEST_FREE_OBJ_$(1))
	@bad=$$$$(nm -u $$(CORETEST_DIR)/$(1)/freestanding_all.o | awk '{print $$$$2}' | \
	    grep -vE '^(hak_plat_[a-z_]+|test_[a-z_]+|memcpy|memset|memmove|memcmp|_GLOBAL_OFFSET_TABLE_)$$$$'); \
	if [ -n "$$$$bad" ]; then echo "core tests call outside the platform and test hooks: $$$$bad"; exit 1; fi
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$(CORETEST_CORE_OBJ_$(1)) $$(CORETEST_FREE_OBJ_$(1)) $$(CORETEST_HOST_OBJ_$(1))
endef

CORETEST_BIN := $(BUILD)/tests/core/core_tests
CORETEST_BIN_DEBUG := $(BUILD)/tests/core/core_tests_debug
$(eval $(call CORETEST_RULES,release,,$(CORETEST_BIN)))
$(eval $(call CORETEST_RULES,debug,-DHAK_DEBUG=1,$(CORETEST_BIN_DEBUG)))

.PHONY: test-core
test-build-host: $(CORETEST_BIN) $(CORETEST_BIN_DEBUG)

test-core: $(CORETEST_BIN) $(CORETEST_BIN_DEBUG)
	$(CORETEST_BIN)
	$(CORETEST_BIN_DEBUG)
