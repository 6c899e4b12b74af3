# Test builds. Each tests/unit/NAME.c becomes:
#   $(BUILD)/tests/unit/NAME   linked with libhakmem.a (hakmem is malloc)
# Sanitizer variants (make test-sanitize) link the hak_ API only
# (libhakmem_api.a built with the sanitizer), since the sanitizer runtime
# owns malloc: tests/unit files that call only hak_* names (NAME_api.c)
# are built for asan, ubsan and tsan.
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
TEST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O1 -g -pthread -Iinclude

.PHONY: test test-build
test-build: lib $(UNIT_BIN)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/testlib.h $(BUILD)/libhakmem.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $< -o $@ $(BUILD)/libhakmem.a -lpthread

test: test-build
	tests/run_tests.sh $(BUILD) $(T)
