/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Helpers shared by the bench programs (bench/): a monotonic clock, medians
 * and percentiles, and the pre-signed request file (one JSON object a line).
 */
#ifndef OR_BENCH_H_INCLUDED
#define OR_BENCH_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

/* ns, CLOCK_MONOTONIC */
uint64_t or_bench_now_ns(void);
/* sorts v in place; q in 0..1 (0.5 = median) */
double or_bench_quantile(double *v, size_t n, double q);

typedef struct {
    char    *data;      /* owned: the whole file, '\n' replaced by NUL */
    char   **line;      /* borrowed into data */
    size_t  *len;
    size_t   n;
} or_bench_lines_t;

/* 0 ok, -1 error (printed to stderr) */
int or_bench_lines_load(const char *path, or_bench_lines_t *out);
void or_bench_lines_free(or_bench_lines_t *l);

/* raises RLIMIT_NOFILE to at least want, up to the hard limit */
void or_bench_nofile(unsigned long want);

#endif /* OR_BENCH_H_INCLUDED */
