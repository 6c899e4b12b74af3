# Test builds. Each tests/unit/NAME.c becomes:
#   $(BUILD)/tests/unit/NAME   linked with libhakmem.a (hakmem is malloc)
# and each examples/NAME.c becomes $(BUILD)/examples/NAME (run and checked
# by tests/sh/examples.sh). Sanitizer, valgrind, fuzz and soak builds live
# in tests/hardening.mk, the core tests in tests/core.mk, the bare-metal
# images in freestanding/freestanding.mk.
#
# `make test` builds in steps (TEST_STEPS), one progress line each: the
# host builds with $(CC) always, the sanitizer builds and the bare-metal
# images when their tools are installed. A step that cannot build says why
# and lists what it did not build in $(NOT_BUILT) (NAME<TAB>REASON lines),
# which tests/run_tests.sh reports as skipped.
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
TEST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g -pthread -Iinclude
EXAMPLE_SRC := $(wildcard examples/*.c)
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)
EXAMPLE_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -Iinclude
NOT_BUILT := $(BUILD)/tests/not_built.txt

.PHONY: test test-build test-build-host test-deps build-step-host
test-deps:
	@tests/install_deps.sh

TEST_STEPS := build-step-host
test-build: test-build-host
test-build-host: lib $(UNIT_BIN) $(EXAMPLE_BIN)

build-step-host:
	@echo "build: libraries, unit, core and example tests ($(CC))"
	$(Q)$(SUBMAKE) test-build-host

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/testlib.h tests/unit/fault_child.h $(BUILD)/libhakmem.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CFLAGS) $(CFLAGS) $< -o $@ $(LDFLAGS) $(BUILD)/libhakmem.a -lpthread

# The examples are built as a user would build them: the public header and
# the static library, nothing else.
$(BUILD)/examples/%: examples/%.c include/hakmem.h $(BUILD)/libhakmem.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(EXAMPLE_CFLAGS) $(CFLAGS) $< -o $@ $(LDFLAGS) $(BUILD)/libhakmem.a -lpthread

# Debug variant: the same unit tests (those whose expectations do not depend
# on release-only behaviour) against a DEBUG=1 library (canary, poison,
# periodic invariant walks).
DEBUG_UNIT := alignment_sweep realloc_calloc thread_stress thread_churn fork_threads \
              remote_free_bound
DEBUG_LIB := $(BUILD)/debug/libhakmem.a
DEBUG_BIN := $(addprefix $(BUILD)/tests/debug/,$(filter $(DEBUG_UNIT),$(UNIT_SRC:tests/unit/%.c=%)))

$(DEBUG_LIB): $(CORE_SRC) $(HOSTED_SRC) hosted/api.c hosted/glibc_compat.c $(HEADERS) $(FLAGS_STAMP)
	$(Q)$(SUBMAKE) lib DEBUG=1 BUILD=$(BUILD)/debug

$(BUILD)/tests/debug/%: tests/unit/%.c tests/unit/testlib.h $(DEBUG_LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CFLAGS) $(CFLAGS) $< -o $@ $(LDFLAGS) $(DEBUG_LIB) -lpthread

test-build-host: $(DEBUG_BIN)

-include tests/hardening.mk
-include tests/heap_limits.mk
-include tests/core.mk

# The steps (the later .mk files add theirs), then the runner. T=regex
# selects tests by name: a pattern grep -E refuses stops before any build,
# one that selects no test fails after it (make test-list: the names).
.PHONY: test-check-filter test-list
test-check-filter:
	@tests/run_tests.sh --check '$(T)'

test: test-check-filter test-deps
	@mkdir -p $(dir $(NOT_BUILT)) && : >$(NOT_BUILT)
	$(Q)$(foreach s,$(TEST_STEPS),$(SUBMAKE) $(s) &&) true
	$(Q)tests/run_tests.sh $(BUILD) '$(T)'

# The names `make test` runs (those T=regex selects), from what is built:
# after `make test-build`, every test; before it, the shell tests only.
test-list: test-check-filter
	$(Q)tests/run_tests.sh --list $(BUILD) '$(T)'
