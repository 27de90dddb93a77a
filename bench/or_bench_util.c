/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Clock, quantiles, line files and the fd limit for the bench programs.
 */
#include "or_bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

uint64_t
or_bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return (x > y) - (x < y);
}

double
or_bench_quantile(double *v, size_t n, double q)
{
    size_t i;

    if (n == 0) {
        return 0;
    }
    qsort(v, n, sizeof(*v), cmp_double);
    i = (size_t) (q * (double) (n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

int
or_bench_lines_load(const char *path, or_bench_lines_t *out)
{
    FILE   *f = fopen(path, "rb");
    long    size;
    size_t  n = 0, cap = 1024;
    char   *p, *end;

    memset(out, 0, sizeof(*out));
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        if (f != NULL) {
            fclose(f);
        }
        return -1;
    }
    out->data = malloc((size_t) size + 1);
    out->line = malloc(cap * sizeof(char *));
    out->len = malloc(cap * sizeof(size_t));
    if (out->data == NULL || out->line == NULL || out->len == NULL
        || fread(out->data, 1, (size_t) size, f) != (size_t) size)
    {
        fprintf(stderr, "%s: read failed\n", path);
        fclose(f);
        or_bench_lines_free(out);
        return -1;
    }
    fclose(f);
    out->data[size] = '\0';
    for (p = out->data; p < out->data + size; p = end + 1) {
        end = memchr(p, '\n', (size_t) (out->data + size - p));
        if (end == NULL) {
            end = out->data + size;
        }
        *end = '\0';
        if (end == p) {
            continue;
        }
        if (n == cap) {
            cap *= 2;
            out->line = realloc(out->line, cap * sizeof(char *));
            out->len = realloc(out->len, cap * sizeof(size_t));
            if (out->line == NULL || out->len == NULL) {
                fprintf(stderr, "out of memory\n");
                exit(1);
            }
        }
        out->line[n] = p;
        out->len[n] = (size_t) (end - p);
        n++;
    }
    out->n = n;
    return 0;
}

void
or_bench_lines_free(or_bench_lines_t *l)
{
    free(l->data);
    free(l->line);
    free(l->len);
    memset(l, 0, sizeof(*l));
}

void
or_bench_nofile(unsigned long want)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want) {
        return;
    }
    rl.rlim_cur = want;
    if (rl.rlim_max < want) {
        rl.rlim_max = want;     /* root may raise the hard limit */
    }
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }
}
