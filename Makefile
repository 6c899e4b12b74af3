# hakmem build. `make` builds the libraries, `make test` runs every test,
# `make bench` runs the host benchmarks, `make install` installs the library
# (README.md, "Build options" lists every setting).

VERSION := 0.1
SOVERSION := 0

# Yes/no settings (DEBUG, V, QUICK, VALGRIND) take 1/0, yes/no, true/false,
# on/off, y/n in any case; anything else stops the build with a message.
comma := ,
yes_words := 1 y yes true on
no_words := 0 n no false off
lower = $(subst A,a,$(subst B,b,$(subst E,e,$(subst F,f,$(subst L,l,$(subst N,n,$(subst O,o,$(subst R,r,$(subst S,s,$(subst T,t,$(subst U,u,$(subst Y,y,$(1)))))))))))))
# $(call flag,NAME[,MORE]): 1 or empty, from the value of the variable
# NAME; MORE is added to the message that refuses any other value.
flag = $(if $(filter $(yes_words),$(call lower,$(strip $($(1))))),1,$(if \
    $(filter-out $(no_words),$(call lower,$(strip $($(1))))),$(error $(1)=$($(1)): \
    use 1 or 0 (also yes/no, true/false, on/off)$(2)),))

# The compiler: gcc unless CC is given (make's own default, cc, is not used).
ifeq ($(origin CC),default)
CC := gcc
endif
# The user's flags, honoured by every build: CPPFLAGS (-D, -I: also the
# clang sanitizer builds and the bare-metal images), CFLAGS (every $(CC)
# compile, after the project's own flags, so that -O3 or -march win),
# LDFLAGS (every $(CC) link). Empty unless given.
CPPFLAGS ?=
CFLAGS ?=
LDFLAGS ?=

DEBUG ?= 0
IS_DEBUG := $(call flag,DEBUG)
# Debug builds go to their own folder, so the two never mix objects.
BUILD ?= $(if $(IS_DEBUG),build/debug,build)
# Every output goes below BUILD and `make clean` removes it: an empty or
# blank value would put them in / (and clean would remove /), and a blank
# inside it splits make's targets.
ifeq ($(strip $(BUILD)),)
$(error BUILD is empty: give the folder for the build's outputs (the default is build))
endif
ifneq ($(words x$(BUILD)x),1)
$(error BUILD='$(BUILD)' contains a blank: give a folder without spaces)
endif
ifeq ($(strip $(BUILD)),/)
$(error BUILD=/ would build into (and clean) the root folder: give a folder of its own)
endif

# Quiet by default: one line per step; V=1 prints every command.
V ?= 0
ifeq ($(call flag,V),1)
Q :=
else
Q := @
endif
# Sub-makes started by the recipes below: quiet unless V=1.
SUBMAKE = $(MAKE) --no-print-directory $(if $(Q),-s)

OPT := $(if $(IS_DEBUG),-O1 -DHAK_DEBUG=1,-O2)
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
BASE_CFLAGS := $(WARN) $(OPT) -g -fPIC -fvisibility=hidden -fno-semantic-interposition
# The platform capabilities of the hosted port (platform/platform.h).
# VALGRIND: the valgrind annotations (hosted/tool.c). auto (or empty):
# built in when valgrind/memcheck.h is found; a yes word: built in, and
# the build stops without the header; a no word: left out.
VALGRIND ?= auto
ifeq ($(call lower,$(strip $(VALGRIND))),$(filter auto,$(call lower,$(strip $(VALGRIND)))))
VALGRIND_CAPS :=
else
VALGRIND_CAPS := -DHAK_VALGRIND=$(if $(call flag,VALGRIND,$(comma) or auto),1,0)
endif
HOSTED_CAPS := -DHAK_PLAT_HAS_LOCK_ALL=1 $(VALGRIND_CAPS)
# The core must build without libc: freestanding, no stack protector calls
# (CORE_MUST comes after the user's CFLAGS, so that distribution hardening
# flags cannot undo it). CORE_PORTABLE_CFLAGS has the contract's default
# capabilities (the core tests' platform); CORE_CFLAGS adds the hosted port's.
CORE_MUST := -ffreestanding -fno-stack-protector
CORE_PORTABLE_CFLAGS := $(BASE_CFLAGS) $(CORE_MUST)
CORE_CFLAGS := $(CORE_PORTABLE_CFLAGS) $(HOSTED_CAPS)
HOSTED_CFLAGS := $(BASE_CFLAGS) -pthread $(HOSTED_CAPS)

CORE_SRC := $(wildcard core/*.c)
HOSTED_SRC := hosted/platform_linux.c hosted/lifecycle.c hosted/heap_region.c hosted/purger.c \
              hosted/config.c hosted/report.c hosted/tool.c
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
HOSTED_OBJ := $(HOSTED_SRC:%.c=$(BUILD)/obj/%.o)
HEADERS := $(wildcard core/*.h platform/*.h hosted/*.h include/*.h)

# Every object depends on this file, rewritten whenever the compilers or
# the flags differ from the last build in $(BUILD) (its text is at the end
# of this file): changing CFLAGS or CPPFLAGS rebuilds everything.
FLAGS_STAMP := $(BUILD)/flags.stamp

# The exporting objects: api.c with the malloc family's names, and
# glibc_compat.c with the rest of glibc's malloc names (see that file).
EXPORT_OBJ := $(BUILD)/obj/hosted/api_exports.o $(BUILD)/obj/hosted/glibc_compat.o
LIB_OBJ := $(CORE_OBJ) $(HOSTED_OBJ) $(EXPORT_OBJ)
API_OBJ := $(CORE_OBJ) $(HOSTED_OBJ) $(BUILD)/obj/hosted/api.o

SONAME := libhakmem.so.$(SOVERSION)

.PHONY: all lib test clean check-core install uninstall
all: lib
	@echo "built: $(BUILD)/libhakmem.so (LD_PRELOAD or -lhakmem), $(BUILD)/libhakmem.a (static)"
lib: $(BUILD)/libhakmem.so $(BUILD)/$(SONAME) $(BUILD)/libhakmem.a $(BUILD)/libhakmem_api.a check-core

$(BUILD)/obj/core/%.o: core/%.c $(HEADERS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CORE_CFLAGS) $(CFLAGS) $(CORE_MUST) -c $< -o $@

$(BUILD)/obj/hosted/%.o: hosted/%.c $(HEADERS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(HOSTED_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/hosted/api_exports.o: hosted/api.c $(HEADERS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(HOSTED_CFLAGS) $(CFLAGS) -DHAK_EXPORT_MALLOC -c $< -o $@

$(BUILD)/obj/hosted/glibc_compat.o: hosted/glibc_compat.c $(HEADERS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(HOSTED_CFLAGS) $(CFLAGS) -DHAK_EXPORT_MALLOC -c $< -o $@

# The shared library carries its soname (libhakmem.so.0): programs linked
# with -lhakmem ask for that name, which the symlink next to it answers in
# the build folder and `make install` provides in $(LIBDIR).
$(BUILD)/libhakmem.so: $(LIB_OBJ)
	$(Q)$(CC) -shared -pthread -Wl,-z,defs -Wl,-soname,$(SONAME) $(LDFLAGS) -o $@ $^

$(BUILD)/$(SONAME): | $(BUILD)/libhakmem.so
	$(Q)ln -sf libhakmem.so $@

$(BUILD)/libhakmem.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

# The hak_ API without the malloc exports (for sanitizer builds and tests
# that keep the system malloc alongside).
$(BUILD)/libhakmem_api.a: $(API_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

# core/ may only call the platform contract and the compiler's mem* helpers.
check-core: $(CORE_OBJ)
	@ld -r -o $(BUILD)/core_all.o $(CORE_OBJ)
	@bad=$$(nm -u $(BUILD)/core_all.o | awk '{print $$2}' | grep -vE '^(hak_plat_[a-z_]+|memcpy|memset|memmove|memcmp|_GLOBAL_OFFSET_TABLE_)$$'); \
	if [ -n "$$bad" ]; then echo "core/ calls outside the platform contract: $$bad"; exit 1; fi

clean:
	rm -rf $(BUILD)

# ---- install ---------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=staging]: the header, the shared
# library (libhakmem.so.$(VERSION), its soname link libhakmem.so.0 and the
# libhakmem.so link for -lhakmem), the static library, hakmem.pc for
# pkg-config and the man page hakmem(3). make uninstall removes those files.
# PREFIX, the folders below and DESTDIR must be absolute paths without
# blanks: other values are refused with a message.
PREFIX ?= /usr/local
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR ?= $(PREFIX)/lib
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=
# The folders must be absolute (hakmem.pc records them, and a relative one
# would land in this tree), without blanks (neither the recipes nor
# pkg-config's Cflags/Libs can carry them) and without characters the
# shell or sed would read as syntax; DESTDIR, joined in front of them,
# likewise. Checked before anything is built.
ifneq ($(filter install uninstall,$(MAKECMDGOALS)),)
install_special := & ; | < > ( ) * ? [ ] ' " ` \ ! { } ^ \#
install_dir_error = $(if $(filter-out 1,$(words x$(2)x)),$(error $(1)='$(2)' contains a blank: \
    install to a path without spaces (hakmem.pc and the make recipes cannot carry one)),$(if \
    $(filter /%,$(2)),,$(error $(1)='$(2)' is not an absolute path: give one starting with /, e.g. $(1)=$$PWD/$(2)))$(if \
    $(strip $(foreach c,$(install_special),$(findstring $(c),$(2)))),$(error $(1)='$(2)' contains \
    '$(strip $(foreach c,$(install_special),$(findstring $(c),$(2))))': the install recipes and sed \
    would read it as syntax; give a path without any of $(install_special))))
$(foreach v,PREFIX INCLUDEDIR LIBDIR MANDIR PKGCONFIGDIR,$(call install_dir_error,$(v),$($(v))))
$(if $(DESTDIR),$(call install_dir_error,DESTDIR,$(DESTDIR)))
endif
INSTALL_FILES := $(INCLUDEDIR)/hakmem.h $(LIBDIR)/libhakmem.so.$(VERSION) $(LIBDIR)/$(SONAME) \
    $(LIBDIR)/libhakmem.so $(LIBDIR)/libhakmem.a $(PKGCONFIGDIR)/hakmem.pc $(MANDIR)/man3/hakmem.3

install: lib
	@echo "install: $(INSTALL_FILES:%=$(DESTDIR)%)"
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' hakmem.pc.in >$(BUILD)/hakmem.pc
	$(Q)install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man3
	$(Q)install -m 644 include/hakmem.h $(DESTDIR)$(INCLUDEDIR)/hakmem.h
	$(Q)install -m 755 $(BUILD)/libhakmem.so $(DESTDIR)$(LIBDIR)/libhakmem.so.$(VERSION)
	$(Q)ln -sf libhakmem.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	$(Q)ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libhakmem.so
	$(Q)install -m 644 $(BUILD)/libhakmem.a $(DESTDIR)$(LIBDIR)/libhakmem.a
	$(Q)install -m 644 $(BUILD)/hakmem.pc $(DESTDIR)$(PKGCONFIGDIR)/hakmem.pc
	$(Q)install -m 644 man/hakmem.3 $(DESTDIR)$(MANDIR)/man3/hakmem.3
	$(Q)if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall:
	@echo "uninstall: $(INSTALL_FILES:%=$(DESTDIR)%)"
	$(Q)rm -f $(INSTALL_FILES:%=$(DESTDIR)%)
	$(Q)if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

-include tests/tests.mk
-include bench/bench.mk
-include freestanding/freestanding.mk

# ---- the flags stamp (FLAGS_STAMP above) -----------------------------------
# Everything that changes what a compiler produces, for every build in
# $(BUILD): the compilers and all the flag variables, as expanded now.
FLAGS_TEXT := $(strip $(CC) | $(CPPFLAGS) | $(CFLAGS) | $(LDFLAGS) | $(OPT) | $(CORE_CFLAGS) | \
    $(HOSTED_CFLAGS) | $(TEST_CFLAGS) | $(HARD_CLANG) $(HARD_COMMON) | $(FS_CC) $(FS_LD) $(FS_CFLAGS))
ifneq ($(file <$(FLAGS_STAMP)),$(FLAGS_TEXT))
$(shell mkdir -p $(BUILD))
$(file >$(FLAGS_STAMP),$(FLAGS_TEXT))
endif
$(FLAGS_STAMP):
