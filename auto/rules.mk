# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# The build rules, shared by every configuration; objs/Makefile sets the
# variables (compiler, flags, libraries, modules) and includes this file.

LIB_SRCS    = $(wildcard src/crypto/*.c)
# libopenred's API: installed under include/openred/, self-contained
PUBLIC_HEADERS = src/crypto/openred.h src/crypto/or_err.h \
                 src/crypto/or_wire_limits.h src/crypto/or_v3.h \
                 src/crypto/or_peer_record.h
CORE_SRCS   = $(filter-out src/core/openred.c, $(wildcard src/core/*.c))
CTL_SRCS    = $(wildcard src/ctl/*.c)

LIB_OBJS    = $(LIB_SRCS:%.c=objs/%.o)
LIB_PIC_OBJS = $(LIB_SRCS:%.c=objs/pic/%.o)
# The core is linked from an archive, so that the daemon carries only the
# parts of it that its compiled-in modules use: without discovery and
# handshake, no peer-table code is in objs/openred (checked by CI with nm).
CORE_LIB_OBJS = $(CORE_SRCS:%.c=objs/%.o)
CORE_OBJS   = $(MODULE_SRCS:%.c=objs/%.o) objs/or_modules.o \
              objs/libopenred_core.a
CTL_OBJS    = $(CTL_SRCS:%.c=objs/%.o)
# openredctl without its main(), for the tests of tests/unit/ctl/
CTL_LIB_OBJS = $(filter-out objs/src/ctl/openredctl.o,$(CTL_OBJS))

# The tests of a module live in tests/unit/<module>/ and are built only
# when the module is compiled in; tests/unit/*.c test the core and library.
UNIT_SRCS   = $(wildcard tests/unit/test_or_*.c) \
              $(foreach m,$(OR_MODULE_NAMES),$(wildcard tests/unit/$(m)/test_or_*.c))
UNIT_BINS   = $(UNIT_SRCS:tests/unit/%.c=objs/tests/%)
# Fixture code shared by the tests of one folder (or_*_fixture.c there,
# e.g. tests/unit/handshake/or_hs_fixture.c) is compiled into each of them.
$(foreach t,$(UNIT_BINS),$(eval $(t): $(wildcard $(patsubst \
    objs/tests/%,tests/unit/%,$(dir $(t)))or_*_fixture.c)))
# tests/unit/ctl/: openredctl's own code, linked as openredctl is
CTL_UNIT_SRCS = $(if $(CTL_SRCS),$(wildcard tests/unit/ctl/test_or_*.c))
CTL_UNIT_BINS = $(CTL_UNIT_SRCS:tests/unit/%.c=objs/tests/%)

# `make V=1` shows whole command lines.
V ?= 0
ifeq ($(V),0)
Q = @
E = @echo
else
Q =
E = @true
endif

BINS = objs/openred $(if $(CTL_SRCS),objs/openredctl)

# libopenred.so: the ABI version is the library's own, not the package's.
# SO_MAJOR changes only when src/crypto/libopenred.map loses or changes a
# symbol; SO_MINOR when one is added.
SO_MAJOR    = 0
SO_MINOR    = 1.0
SO_NAME     = libopenred.so.$(SO_MAJOR)
SO_REAL     = $(SO_NAME).$(SO_MINOR)
SO_MAP      = src/crypto/libopenred.map
# -pie and -shared do not mix; -z defs is left out under the sanitizers,
# whose runtime the executable brings.
SO_LDFLAGS  = $(filter-out -pie,$(LDFLAGS)) -shared -Wl,-soname,$(SO_NAME) \
              -Wl,--version-script=$(SO_MAP) \
              $(if $(findstring -fsanitize,$(LDFLAGS)),,-Wl,-z,defs)

.PHONY: build test unit integration install install-check clean peer-check \
        coverage

build: $(BINS) objs/libopenred.a objs/libopenred.so

objs/%.o: %.c
	@mkdir -p $(dir $@)
	$(E) "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# openredctl's objects get no src/core include path: the build fails if
# one includes a daemon header.
objs/src/ctl/%.o: src/ctl/%.c
	@mkdir -p $(dir $@)
	$(E) "  CC      $<"
	$(Q)$(CC) $(CTL_CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The shared library's objects: the same sources built position-independent.
objs/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(E) "  CC      $< (pic)"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -MMD -MP -c -o $@ $<

objs/or_modules.o: objs/or_modules.c
	$(E) "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

objs/libopenred_core.a: $(CORE_LIB_OBJS)
	$(E) "  AR      $@"
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

objs/libopenred.a: $(LIB_OBJS)
	$(E) "  AR      $@"
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

objs/$(SO_REAL): $(LIB_PIC_OBJS) $(SO_MAP)
	$(E) "  LD      $@"
	$(Q)$(CC) $(SO_LDFLAGS) -o $@ $(LIB_PIC_OBJS) $(LIB_LIBS)

objs/libopenred.so: objs/$(SO_REAL)
	$(Q)ln -sf $(SO_REAL) objs/$(SO_NAME)
	$(Q)ln -sf $(SO_NAME) $@

# --with-shared-lib (packages): the binaries need libopenred.so.0 at run
# time. Its exported API comes from the .so; the archive after it supplies
# only the library-internal helpers the daemon also calls (or_json_load),
# which the version script keeps out of the .so.
ifeq ($(OR_SHARED_LIB),YES)
BIN_LIBOPENRED = objs/libopenred.so objs/libopenred.a
else
BIN_LIBOPENRED = objs/libopenred.a
endif

objs/openred: objs/src/core/openred.o $(CORE_OBJS) $(BIN_LIBOPENRED)
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# libopenred and src/ctl only: no daemon code, no PCRE2 (CI checks nm/ldd)
objs/openredctl: $(CTL_OBJS) $(BIN_LIBOPENRED)
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CTL_LIBS)

# -MMD makes each header a test includes a prerequisite of the test: only
# sources and archives go on its command line (a header there would be
# compiled on its own).
objs/tests/%: tests/unit/%.c $(CORE_OBJS) objs/libopenred.a
	@mkdir -p $(dir $@)
	$(E) "  TEST    $@"
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CFLAGS) $(CFLAGS) -Itests/unit -MMD -MP \
	    -o $@ $(filter %.c,$^) $(filter-out %.c %.h,$^) $(LDFLAGS) $(LIBS) \
	    $(TEST_LIBS)

objs/tests/ctl/%: tests/unit/ctl/%.c $(CTL_LIB_OBJS) objs/libopenred.a
	@mkdir -p $(dir $@)
	$(E) "  TEST    $@"
	$(Q)$(CC) $(CTL_CPPFLAGS) $(TEST_CFLAGS) $(CFLAGS) -Itests/unit -MMD -MP \
	    -o $@ $(filter-out %.h,$^) $(LDFLAGS) $(CTL_LIBS) $(TEST_LIBS)

# One line per binary and "unit: N passed, N failed" (cmocka's counts).
# -MMD: a test is rebuilt when a header it includes changes (or_ctl.h's
# bounds in tests/unit/control, for one)
unit: $(UNIT_BINS) $(CTL_UNIT_BINS)
	@tests/unit/run.sh $(UNIT_BINS) $(CTL_UNIT_BINS)

integration: build
	tests/integration/run.sh

# In a tree configured --with-coverage: unit and integration tests on
# fresh counters, the table per file of src/, and the floors.
COVERAGE_MIN ?= 90
COVERAGE_MIN_SUBSYSTEM ?= 85
coverage: build $(UNIT_BINS) $(CTL_UNIT_BINS)
	@COVERAGE_MIN=$(COVERAGE_MIN) \
	 COVERAGE_MIN_SUBSYSTEM=$(COVERAGE_MIN_SUBSYSTEM) \
	    tests/coverage.sh $(UNIT_BINS) $(CTL_UNIT_BINS)

# Installs into a scratch DESTDIR and builds examples/ against it.
install-check: build
	tests/packaging/example.sh

# The v2 test peer stands in for the original node in integration tests:
# prove it against the original's vectors before trusting it there. The
# v3 peer is the second implementation of docs/PROTOCOL.md Part v3.
peer-check:
	python3 tests/peers/test_v2peer.py
	python3 tests/peers/test_v3peer.py

test: build unit peer-check integration install-check

clean:
	rm -rf objs

# Fuzzing and benchmarks keep their rules beside, one file each.
include auto/fuzz.mk
include auto/bench.mk

-include $(shell find objs -name '*.d' 2>/dev/null)
