# bench/bench.mk - host benchmark suite; included by the top-level Makefile
# (`include bench/bench.mk`) and run from the repository root.
#
#   make bench            build the library (make lib) and the programs, then
#                         run bench/run.sh (QUICK=1 for the short version;
#                         V=1 prints the commands and a line per run)
#   make bench-build      only build build/bench/<prog> and <prog>_static
#   make bench-peers      install mimalloc, jemalloc, tcmalloc (+ gnuplot)
#   bench/chart.sh X.tsv  redraw the charts of a run from its results TSV
#
# build/bench/<prog>        plain binary: system malloc, or any allocator
#                           through LD_PRELOAD
# build/bench/<prog>_static the same source linked with build/libhakmem.a
#                           (whole archive, -rdynamic so the identity check
#                           can see hak_version and malloc in the executable)
# build/bench/libminimal.so the "minimal" allocator (bench/minimal_malloc.c)
# Variables are BENCH_-prefixed so they cannot clash with the main Makefile.

BENCH_PROGS   := random_mixed tiny_hot larson xmalloc mstress churn \
                 large_realloc fragmentation mid_mixed transfer burst large_reuse
BENCH_OUT     := build/bench
BENCH_CC      ?= $(CC)
BENCH_CFLAGS  := -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
                 -pthread
BENCH_LIBS    := -ldl -lpthread
BENCH_DEPS    := bench/bench_util.c bench/bench_util.h bench/bench.mk
BENCH_BINS    := $(addprefix $(BENCH_OUT)/,$(BENCH_PROGS))
BENCH_STATICS := $(addsuffix _static,$(BENCH_BINS))
BENCH_MINIMAL := $(BENCH_OUT)/libminimal.so
BENCH_PEER_PKGS := libmimalloc2.0 libjemalloc2 libtcmalloc-minimal4 gnuplot-nox

.PHONY: bench bench-build bench-build-plain bench-peers

# The library first (its own rules decide what is stale), then the
# programs, then the runner, which re-checks freshness and identity itself.
# QUICK is checked before anything is built (a typo would otherwise stop
# the runner only after the whole build).
ifneq ($(filter bench,$(MAKECMDGOALS)),)
BENCH_QUICK := $(call flag,QUICK)
endif
bench:
	@echo "build: libraries and benchmark programs ($(BENCH_CC))"
	$(Q)$(SUBMAKE) lib
	$(Q)$(SUBMAKE) bench-build
	$(Q)QUICK='$(QUICK)' V='$(V)' bench/run.sh

bench-build: $(BENCH_BINS) $(BENCH_STATICS) $(BENCH_MINIMAL)

# Programs against the system allocator only (no hakmem needed).
bench-build-plain: $(BENCH_BINS)

$(BENCH_BINS): $(BENCH_OUT)/%: bench/%.c $(BENCH_DEPS)
	@mkdir -p $(BENCH_OUT)
	$(Q)$(BENCH_CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(CFLAGS) -o $@ $< bench/bench_util.c $(LDFLAGS) $(BENCH_LIBS)

$(BENCH_STATICS): $(BENCH_OUT)/%_static: bench/%.c $(BENCH_DEPS) build/libhakmem.a
	@mkdir -p $(BENCH_OUT)
	$(Q)$(BENCH_CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(CFLAGS) -rdynamic -o $@ $< bench/bench_util.c $(LDFLAGS) \
	    -Wl,--whole-archive build/libhakmem.a -Wl,--no-whole-archive $(BENCH_LIBS)

# mid_mixed builds its size table with exp() and log().
$(BENCH_OUT)/mid_mixed $(BENCH_OUT)/mid_mixed_static: BENCH_LIBS += -lm

# -fno-builtin-malloc: gcc would otherwise turn calloc's malloc + memset into a
# call to calloc, which is this very function.
$(BENCH_MINIMAL): bench/minimal_malloc.c bench/bench.mk
	@mkdir -p $(BENCH_OUT)
	$(Q)$(BENCH_CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(CFLAGS) $(LDFLAGS) -fno-builtin-malloc -shared -fPIC -fvisibility=hidden -o $@ $<

# Peers for comparison (Debian packages); retries after `apt-get update`.
bench-peers:
	apt-get install -y --no-install-recommends $(BENCH_PEER_PKGS) || \
	  { apt-get update && apt-get install -y --no-install-recommends $(BENCH_PEER_PKGS); }
