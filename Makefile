# hakmem build. `make` builds the libraries, `make test` runs every test,
# `make bench` runs the host benchmarks (see README.md).

CC ?= gcc
DEBUG ?= 0
# Debug builds go to their own folder, so the two never mix objects.
BUILD ?= $(if $(filter 1,$(DEBUG)),build/debug,build)

OPT := $(if $(filter 1,$(DEBUG)),-O1 -DHAK_DEBUG=1,-O2)
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
BASE_CFLAGS := $(WARN) $(OPT) -g -fPIC -fvisibility=hidden -fno-semantic-interposition
# The platform capabilities of the hosted port (platform/platform.h).
# VALGRIND=0 leaves out the valgrind annotations (hosted/tool.c), which are
# built in when valgrind/memcheck.h is found.
VALGRIND ?=
HOSTED_CAPS := -DHAK_PLAT_HAS_LOCK_ALL=1 $(if $(filter 0,$(VALGRIND)),-DHAK_VALGRIND=0)
# The core must build without libc: freestanding, no stack protector calls.
# CORE_PORTABLE_CFLAGS has the contract's default capabilities (the core
# tests' platform); CORE_CFLAGS adds the hosted port's.
CORE_PORTABLE_CFLAGS := $(BASE_CFLAGS) -ffreestanding -fno-stack-protector
CORE_CFLAGS := $(CORE_PORTABLE_CFLAGS) $(HOSTED_CAPS)
HOSTED_CFLAGS := $(BASE_CFLAGS) -pthread $(HOSTED_CAPS)

CORE_SRC := $(wildcard core/*.c)
HOSTED_SRC := hosted/platform_linux.c hosted/lifecycle.c hosted/heap_region.c hosted/purger.c \
              hosted/config.c hosted/report.c hosted/tool.c
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
HOSTED_OBJ := $(HOSTED_SRC:%.c=$(BUILD)/obj/%.o)
HEADERS := $(wildcard core/*.h platform/*.h hosted/*.h include/*.h)

# The exporting objects: api.c with the malloc family's names, and
# glibc_compat.c with the rest of glibc's malloc names (see that file).
EXPORT_OBJ := $(BUILD)/obj/hosted/api_exports.o $(BUILD)/obj/hosted/glibc_compat.o
LIB_OBJ := $(CORE_OBJ) $(HOSTED_OBJ) $(EXPORT_OBJ)
API_OBJ := $(CORE_OBJ) $(HOSTED_OBJ) $(BUILD)/obj/hosted/api.o

.PHONY: all lib test clean check-core
all: lib
lib: $(BUILD)/libhakmem.so $(BUILD)/libhakmem.a $(BUILD)/libhakmem_api.a check-core

$(BUILD)/obj/core/%.o: core/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -c $< -o $@

$(BUILD)/obj/hosted/%.o: hosted/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(HOSTED_CFLAGS) -c $< -o $@

$(BUILD)/obj/hosted/api_exports.o: hosted/api.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(HOSTED_CFLAGS) -DHAK_EXPORT_MALLOC -c $< -o $@

$(BUILD)/obj/hosted/glibc_compat.o: hosted/glibc_compat.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(HOSTED_CFLAGS) -DHAK_EXPORT_MALLOC -c $< -o $@

$(BUILD)/libhakmem.so: $(LIB_OBJ)
	$(CC) -shared -pthread -Wl,-z,defs -o $@ $^

$(BUILD)/libhakmem.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# The hak_ API without the malloc exports (for sanitizer builds and tests
# that keep the system malloc alongside).
$(BUILD)/libhakmem_api.a: $(API_OBJ)
	rm -f $@ && ar rcs $@ $^

# core/ may only call the platform contract and the compiler's mem* helpers.
check-core: $(CORE_OBJ)
	@ld -r -o $(BUILD)/core_all.o $(CORE_OBJ)
	@bad=$$(nm -u $(BUILD)/core_all.o | awk '{print $$2}' | grep -vE '^(hak_plat_[a-z_]+|memcpy|memset|memmove|memcmp|_GLOBAL_OFFSET_TABLE_)$$'); \
	if [ -n "$$bad" ]; then echo "core/ calls outside the platform contract: $$bad"; exit 1; fi

clean:
	rm -rf $(BUILD)

-include tests/tests.mk
-include bench/bench.mk
-include freestanding/freestanding.mk
