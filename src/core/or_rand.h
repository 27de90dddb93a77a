/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The one random source for timer jitter (beacon intervals, early
 * beacons, auto-connect rounds): a splitmix64 generator per worker,
 * seeded from getrandom() at worker start, so that two daemons started
 * together do not jitter alike. Not for secrets: keys and hash seeds use
 * getrandom() or RAND_bytes() directly.
 */
#ifndef OR_RAND_H_INCLUDED
#define OR_RAND_H_INCLUDED

#include <stdint.h>

typedef struct {
    uint64_t  state;
} or_rand_t;

/* Pure: the generator that seed starts. */
void or_rand_seed(or_rand_t *r, uint64_t seed);
/* A seed from getrandom(); if that fails, from the clock, pid and
 * address of r (still different per process). */
void or_rand_seed_os(or_rand_t *r);
uint64_t or_rand_next(or_rand_t *r);
/* Uniform in 0 .. n - 1 (0 if n is 0); the modulo bias, n / 2^64, is
 * nothing for the spans of timers. */
uint64_t or_rand_below(or_rand_t *r, uint64_t n);

#endif /* OR_RAND_H_INCLUDED */
