# Test builds. Each tests/unit/NAME.c becomes:
#   $(BUILD)/tests/unit/NAME   linked with libhakmem.a (hakmem is malloc)
# Sanitizer, valgrind, fuzz and soak builds live in tests/hardening.mk.
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
TEST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g -pthread -Iinclude

.PHONY: test test-build test-deps
test-deps:
	@tests/install_deps.sh

test-build: lib $(UNIT_BIN)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/testlib.h tests/unit/fault_child.h $(BUILD)/libhakmem.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $< -o $@ $(BUILD)/libhakmem.a -lpthread

# Debug variant: the same unit tests (those whose expectations do not depend
# on release-only behaviour) against a DEBUG=1 library (canary, poison,
# periodic invariant walks).
DEBUG_UNIT := alignment_sweep realloc_calloc thread_stress thread_churn fork_threads \
              remote_free_bound
DEBUG_LIB := $(BUILD)/debug/libhakmem.a
DEBUG_BIN := $(addprefix $(BUILD)/tests/debug/,$(filter $(DEBUG_UNIT),$(UNIT_SRC:tests/unit/%.c=%)))

$(DEBUG_LIB): $(CORE_SRC) $(HOSTED_SRC) hosted/api.c hosted/glibc_compat.c $(HEADERS)
	$(MAKE) --no-print-directory lib DEBUG=1 BUILD=$(BUILD)/debug

$(BUILD)/tests/debug/%: tests/unit/%.c tests/unit/testlib.h $(DEBUG_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $< -o $@ $(DEBUG_LIB) -lpthread

test-build: $(DEBUG_BIN)

test: test-deps
	$(MAKE) --no-print-directory test-build
	tests/run_tests.sh $(BUILD) '$(T)'
-include tests/hardening.mk
-include tests/heap_limits.mk
-include tests/core.mk
