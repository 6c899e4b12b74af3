# tests/heap_limits.mk - the glibc yardstick of tests/unit/heap_limits.c:
# the same source built with -DHEAP_LIMITS_GLIBC and linked WITHOUT hakmem,
# so that its malloc is glibc's. Installed outside $(BUILD)/tests/ so that
# the runner does not run it on its own; heap_limits finds it through
# $BUILD (set by tests/run_tests.sh) or next to its own folder.
HEAP_LIMITS_GLIBC := $(BUILD)/helpers/heap_limits_glibc

$(HEAP_LIMITS_GLIBC): tests/unit/heap_limits.c tests/unit/testlib.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CFLAGS) $(CFLAGS) -DHEAP_LIMITS_GLIBC $< -o $@ $(LDFLAGS) -lpthread

# Built with the test that runs it.
$(BUILD)/tests/unit/heap_limits: | $(HEAP_LIMITS_GLIBC)
test-build-host: $(HEAP_LIMITS_GLIBC)
