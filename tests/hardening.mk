# tests/hardening.mk - the reliability / hardening suite (docs/HARDENING.md).
# Included by tests/tests.mk; every name here is HARD_-prefixed or a
# hardening-* target so it cannot clash with the main Makefile.
#
#   make test            also builds everything below and runs it (the runner
#                        picks up build/tests/{asan,ubsan,tsan}/ and tests/sh/);
#                        without clang and its runtimes (tests/missing.sh) it
#                        builds none of it and reports asan, ubsan and tsan
#                        as skipped, naming the packages
#   make test-sanitize   builds and runs only the sanitizer variants
#   make soak            long multi-threaded stress (SOAK_SECONDS, default 300)
#   make fuzz            runs the libFuzzer target (FUZZ_SECONDS, default 60)
#
# Sanitizer variants: the hakmem sources (CORE_SRC, HOSTED_SRC, hosted/api.c
# without the malloc exports, since the sanitizer runtime owns malloc) are
# compiled with clang and the sanitizer into $(BUILD)/obj-<variant>/ and
# archived as $(BUILD)/obj-<variant>/libhakmem_api.a; each test program
# tests/sanitize/NAME.c (and any tests/unit/NAME_api.c, which by convention
# call only hak_* names) becomes $(BUILD)/tests/<variant>/NAME.

HARD_CLANG ?= clang
HARD_VARIANTS := asan ubsan tsan
HARD_FLAGS_asan := -fsanitize=address
HARD_FLAGS_ubsan := -fsanitize=undefined -fno-sanitize-recover=all
HARD_FLAGS_tsan := -fsanitize=thread
# The fuzz variant: coverage instrumentation + ASan in the library, the
# libFuzzer driver linked into the target only.
HARD_FLAGS_fuzz := -fsanitize=fuzzer-no-link,address

HARD_LIB_SRC := $(CORE_SRC) $(HOSTED_SRC) hosted/api.c
HARD_COMMON := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -g -O1 \
               -fno-omit-frame-pointer $(if $(filter 1,$(DEBUG)),-DHAK_DEBUG=1)
HARD_CORE_CFLAGS := $(HARD_COMMON) -ffreestanding -fno-stack-protector $(HOSTED_CAPS)
HARD_HOSTED_CFLAGS := $(HARD_COMMON) -pthread
HARD_TEST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g -fno-omit-frame-pointer \
                    -pthread -Iinclude -Itests/unit

HARD_SAN_SRC := $(wildcard tests/sanitize/*.c) $(wildcard tests/unit/*_api.c)
HARD_SAN_NAMES := $(notdir $(HARD_SAN_SRC:.c=))
HARD_SAN_BINS := $(foreach v,$(HARD_VARIANTS),$(addprefix $(BUILD)/tests/$(v)/,$(HARD_SAN_NAMES)))

# Plain (gcc, release library) builds of the sanitizer programs, for the
# valgrind script; the soak program; the fuzz target. Not under
# $(BUILD)/tests/ so that the runner does not run them on its own.
HARD_PLAIN_BINS := $(BUILD)/hardening/mixed $(BUILD)/hardening/xthread
HARD_SOAK_BIN := $(BUILD)/hardening/soak
HARD_FORK_BIN := $(BUILD)/hardening/fork_locks
HARD_FUZZ_BIN := $(BUILD)/fuzz/fuzz_heap

# $(1) = variant: objects, archive and test programs.
define HARD_VARIANT_RULES
HARD_OBJ_$(1) := $$(HARD_LIB_SRC:%.c=$$(BUILD)/obj-$(1)/%.o)

$$(BUILD)/obj-$(1)/core/%.o: core/%.c $$(HEADERS) $$(FLAGS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(HARD_CLANG) $$(CPPFLAGS) $$(HARD_CORE_CFLAGS) $$(HARD_FLAGS_$(1)) -c $$< -o $$@

$$(BUILD)/obj-$(1)/hosted/%.o: hosted/%.c $$(HEADERS) $$(FLAGS_STAMP)
	@mkdir -p $$(dir $$@)
	$$(Q)$$(HARD_CLANG) $$(CPPFLAGS) $$(HARD_HOSTED_CFLAGS) $$(HARD_FLAGS_$(1)) -c $$< -o $$@

$$(BUILD)/obj-$(1)/libhakmem_api.a: $$(HARD_OBJ_$(1))
	$$(Q)rm -f $$@ && ar rcs $$@ $$^

$$(BUILD)/tests/$(1)/%: tests/sanitize/%.c $$(BUILD)/obj-$(1)/libhakmem_api.a
	@mkdir -p $$(dir $$@)
	$$(Q)$$(HARD_CLANG) $$(CPPFLAGS) $$(HARD_TEST_CFLAGS) $$(HARD_FLAGS_$(1)) $$< -o $$@ \
	    $$(BUILD)/obj-$(1)/libhakmem_api.a -lpthread

$$(BUILD)/tests/$(1)/%_api: tests/unit/%_api.c tests/unit/testlib.h $$(BUILD)/obj-$(1)/libhakmem_api.a
	@mkdir -p $$(dir $$@)
	$$(Q)$$(HARD_CLANG) $$(CPPFLAGS) $$(HARD_TEST_CFLAGS) $$(HARD_FLAGS_$(1)) $$< -o $$@ \
	    $$(BUILD)/obj-$(1)/libhakmem_api.a -lpthread
endef
$(foreach v,$(HARD_VARIANTS) fuzz,$(eval $(call HARD_VARIANT_RULES,$(v))))

$(BUILD)/hardening/%: tests/sanitize/%.c $(BUILD)/libhakmem_api.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(HARD_TEST_CFLAGS) $(CFLAGS) $< -o $@ $(LDFLAGS) $(BUILD)/libhakmem_api.a -lpthread

# The soak program calls malloc: it is linked with libhakmem.a (hakmem is
# malloc, for libc's own allocations too).
$(HARD_SOAK_BIN): tests/soak/soak.c $(BUILD)/libhakmem.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(HARD_TEST_CFLAGS) -O2 $(CFLAGS) $< -o $@ $(LDFLAGS) $(BUILD)/libhakmem.a -lpthread

$(HARD_FORK_BIN): tests/soak/fork_locks.c $(BUILD)/libhakmem.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(HARD_TEST_CFLAGS) -O2 $(CFLAGS) $< -o $@ $(LDFLAGS) $(BUILD)/libhakmem.a -lpthread

$(HARD_FUZZ_BIN): tests/fuzz/fuzz_heap.c $(BUILD)/obj-fuzz/libhakmem_api.a
	@mkdir -p $(dir $@)
	$(Q)$(HARD_CLANG) $(CPPFLAGS) $(HARD_TEST_CFLAGS) -fsanitize=fuzzer,address $< -o $@ \
	    $(BUILD)/obj-fuzz/libhakmem_api.a -lpthread

.PHONY: hardening-build test-sanitize soak fuzz hardening-plain build-step-sanitize
hardening-build: $(HARD_SAN_BINS) $(HARD_PLAIN_BINS) $(HARD_FUZZ_BIN)
hardening-plain: $(HARD_PLAIN_BINS)

# The step of `make test` (tests/tests.mk). The plain builds (valgrind's)
# need only $(CC); the rest needs clang and its runtimes.
HARD_MISSING := $(shell CLANG='$(HARD_CLANG)' tests/missing.sh sanitizers)
TEST_STEPS += build-step-sanitize
test-build-host: $(HARD_PLAIN_BINS)
ifeq ($(HARD_MISSING),)
test-build: hardening-build
build-step-sanitize:
	@echo "build: sanitizer builds (asan, ubsan, tsan) and the fuzz target ($(HARD_CLANG))"
	$(Q)$(SUBMAKE) hardening-build
else
build-step-sanitize:
	@echo "build: sanitizer builds and the fuzz target: not built, $(HARD_MISSING)"
	@mkdir -p $(dir $(NOT_BUILT))
	@$(foreach v,$(HARD_VARIANTS),printf '%s/\t%s\n' '$(v)' '$(HARD_MISSING)' >>$(NOT_BUILT);)
endif

test-sanitize: lib $(HARD_SAN_BINS)
	$(Q)tests/run_tests.sh $(BUILD) '^(asan|ubsan|tsan)/'

SOAK_SECONDS ?= 300
soak: $(HARD_SOAK_BIN)
	SOAK_SECONDS=$(SOAK_SECONDS) $(HARD_SOAK_BIN)

FUZZ_SECONDS ?= 60
fuzz: lib $(HARD_FUZZ_BIN)
	FUZZ_SECONDS=$(FUZZ_SECONDS) BUILD=$(abspath $(BUILD)) ROOT=$(CURDIR) bash tests/sh/fuzz.sh
