# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# libFuzzer harnesses (tests/fuzz): `make fuzz`, `make fuzz-run SECONDS=N`.
# Every source a harness needs is compiled again with clang and FUZZ_FLAGS
# into objs/fuzz/obj/: the gcc objects carry no coverage instrumentation.

FUZZ_PARSERS  = conf beacon beacon_plain request response json_reader \
                base64 pubkey v3_msg1 v3_msg2 v3_msg3 v3_record \
                v3_beacon \
                peer_record \
                $(if $(filter control,$(OR_MODULE_NAMES)),control)
FUZZ_BINS     = $(FUZZ_PARSERS:%=objs/fuzz/fuzz_%)
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
                -Wno-unused-parameter $(FUZZ_FLAGS)

FUZZ_LIB_OBJS  = $(LIB_SRCS:%.c=objs/fuzz/obj/%.o)
FUZZ_CORE_OBJS = $(CORE_SRCS:%.c=objs/fuzz/obj/%.o) \
                 $(MODULE_SRCS:%.c=objs/fuzz/obj/%.o) \
                 objs/fuzz/obj/or_modules.o

# What a harness links: the codecs alone unless it says more here.
FUZZ_DEPS_conf    = $(FUZZ_CORE_OBJS) $(FUZZ_LIB_OBJS)
FUZZ_DEPS_control = objs/fuzz/obj/src/control/or_control_request.o $(FUZZ_LIB_OBJS)
FUZZ_DEPS_peer_record = $(FUZZ_LIB_OBJS)

# bytes: a little over each parser's bound (or_limits.h), so that the
# refusal of an over-long input is exercised too
FUZZ_MAX_LEN_conf         = 8192
FUZZ_MAX_LEN_beacon       = 4200
FUZZ_MAX_LEN_beacon_plain = 3100
FUZZ_MAX_LEN_request      = 16500
FUZZ_MAX_LEN_response     = 16500
FUZZ_MAX_LEN_json_reader  = 16500
FUZZ_MAX_LEN_base64       = 4096
FUZZ_MAX_LEN_control      = 4200
FUZZ_MAX_LEN_pubkey       = 1100
FUZZ_MAX_LEN_v3_msg1      = 2100
FUZZ_MAX_LEN_v3_msg2      = 2100
FUZZ_MAX_LEN_v3_msg3      = 64
FUZZ_MAX_LEN_v3_record    = 66000
FUZZ_MAX_LEN_v3_beacon    = 1500
FUZZ_MAX_LEN_peer_record   = 4200

# UBSan stops at its first report, as ASan and LeakSanitizer do. libFuzzer
# checks leaks after each input; fuzz_conf does it itself (libconfig 1.5
# leaks on syntax errors), and no harness wants LeakSanitizer's at exit.
FUZZ_ENV = UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
           LSAN_OPTIONS=leak_check_at_exit=0
FUZZ_OPTS_conf = -detect_leaks=0

SECONDS ?= 60

.PHONY: fuzz fuzz-run

fuzz: $(FUZZ_BINS)

objs/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(E) "  CLANG   $<"
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

objs/fuzz/obj/or_modules.o: objs/or_modules.c
	@mkdir -p $(dir $@)
	$(E) "  CLANG   $<"
	$(Q)$(CLANG) $(CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

define fuzz_link
objs/fuzz/fuzz_$(1): objs/fuzz/obj/tests/fuzz/fuzz_$(1).o \
                     $$(or $$(FUZZ_DEPS_$(1)),$$(FUZZ_LIB_OBJS))
	$$(E) "  LD      $$@"
	$$(Q)$$(CLANG) $$(FUZZ_FLAGS) -o $$@ $$^ $$(LIBS)
endef
$(foreach p,$(FUZZ_PARSERS),$(eval $(call fuzz_link,$(p))))

# Each harness runs alone (the machine is shared) on a copy of its corpus,
# so that what it finds does not grow the committed one.
fuzz-run: fuzz
	@failed=; $(foreach p,$(FUZZ_PARSERS),opts_$(p)="$(FUZZ_OPTS_$(p))" \
	    max_$(p)=$(FUZZ_MAX_LEN_$(p));) \
	for p in $(FUZZ_PARSERS); do \
	    run=objs/fuzz/corpus-run/$$p; log=objs/fuzz/$$p.log; \
	    rm -rf $$run; mkdir -p $$run objs/fuzz/crash; \
	    cp tests/fuzz/corpus/$$p/* $$run/; \
	    echo "== fuzz_$$p: $(SECONDS) s"; \
	    eval "opts=\$$opts_$$p max=\$$max_$$p"; \
	    if env $(FUZZ_ENV) objs/fuzz/fuzz_$$p -max_total_time=$(SECONDS) \
	        -max_len=$$max $$opts -dict=tests/fuzz/$$p.dict \
	        -rss_limit_mb=2048 -print_final_stats=1 \
	        -artifact_prefix=objs/fuzz/crash/$$p- $$run >$$log 2>&1; \
	    then \
	        grep -E '^#[0-9]+.*(DONE|cov:)' $$log | tail -1; \
	        grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' \
	            $$log; \
	    else \
	        tail -40 $$log; failed="$$failed $$p"; \
	    fi; \
	done; \
	nfailed=$$(echo $$failed | wc -w); \
	echo "fuzz: $$(( $(words $(FUZZ_PARSERS)) - nfailed )) passed," \
	     "$$nfailed failed ($(SECONDS) s each)"; \
	if [ -n "$$failed" ]; then \
	    echo "fuzz-run: FAILED:$$failed (inputs in objs/fuzz/crash/)"; \
	    exit 1; \
	fi
