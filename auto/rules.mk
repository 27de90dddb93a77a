# The build rules, shared by every configuration; objs/Makefile sets the
# variables (compiler, flags, libraries, modules) and includes this file.

LIB_SRCS    = $(wildcard src/crypto/*.c)
# libopenred's API: installed under include/openred/, self-contained
PUBLIC_HEADERS = src/crypto/openred.h src/crypto/or_err.h \
                 src/crypto/or_wire_limits.h src/crypto/or_v3.h
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

# The tests of a module live in tests/unit/<module>/ and are built only
# when the module is compiled in; tests/unit/*.c test the core and library.
UNIT_SRCS   = $(wildcard tests/unit/test_or_*.c) \
              $(foreach m,$(OR_MODULE_NAMES),$(wildcard tests/unit/$(m)/test_or_*.c))
UNIT_BINS   = $(UNIT_SRCS:tests/unit/%.c=objs/tests/%)

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

.PHONY: build test unit integration install install-check clean peer-check

build: $(BINS) objs/libopenred.a objs/libopenred.so

objs/%.o: %.c
	@mkdir -p $(dir $@)
	$(E) "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

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

objs/openred: objs/src/core/openred.o $(CORE_OBJS) objs/libopenred.a
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

objs/openredctl: $(CTL_OBJS) $(CORE_OBJS) objs/libopenred.a
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

objs/tests/%: tests/unit/%.c $(CORE_OBJS) objs/libopenred.a
	@mkdir -p $(dir $@)
	$(E) "  TEST    $@"
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CFLAGS) $(CFLAGS) -Itests/unit -o $@ $^ \
	    $(LDFLAGS) $(LIBS) $(TEST_LIBS)

unit: $(UNIT_BINS)
	@failed=0; for t in $(UNIT_BINS); do \
	    echo "== $$t"; \
	    $$t || failed=1; \
	done; \
	if [ $$failed = 0 ]; then echo "unit tests: all passed"; \
	else echo "unit tests: FAILED"; exit 1; fi

integration: build
	tests/integration/run.sh

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
