# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2025-2026 The openred authors
# Benchmarks (bench/): `make bench` builds the load generator and helpers
# into objs/bench/ with the daemon's compiler and flags, then runs
# bench/run.sh (root: it makes a network namespace). Never part of `test`.
.PHONY: bench bench-build

BENCH_UTIL  = objs/bench/or_bench_util.o
BENCH_BINS  = objs/bench/or_bench_crypto objs/bench/or_bench_prep \
              objs/bench/or_loadgen objs/bench/or_bench_refuse \
              objs/bench/or_bench_v3

objs/bench/%.o: bench/%.c bench/or_bench.h
	@mkdir -p $(dir $@)
	$(E) "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) -Ibench $(CFLAGS) -MMD -MP -c -o $@ $<

objs/bench/or_bench_crypto: objs/bench/or_bench_crypto.o $(BENCH_UTIL) \
        $(CORE_OBJS) objs/libopenred.a
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

objs/bench/or_bench_prep: objs/bench/or_bench_prep.o $(BENCH_UTIL) \
        objs/libopenred.a
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

objs/bench/or_bench_refuse: objs/bench/or_bench_refuse.o $(BENCH_UTIL) \
        objs/libopenred.a
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

objs/bench/or_bench_v3: objs/bench/or_bench_v3.o $(BENCH_UTIL) \
        objs/libopenred.a
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

objs/bench/or_loadgen: objs/bench/or_loadgen.o $(BENCH_UTIL) \
        objs/libopenred.a
	$(E) "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

bench-build: build $(BENCH_BINS)

bench: bench-build
	bench/run.sh
