/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Test helpers for the libopenred suites: read a legacy-v2 vector file
 * ($OR_VECTORS, else tests/vectors/legacy-v2, else ../shared/vectors/
 * legacy-v2, from the repo root) and copy a vector key to a 0600 temp file.
 */
#ifndef OR_TEST_VECTORS_H_INCLUDED
#define OR_TEST_VECTORS_H_INCLUDED

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OR_TEST_VECTORS_TREE     "tests/vectors/legacy-v2"
#define OR_TEST_VECTORS_DEFAULT  "../shared/vectors/legacy-v2"

/* $OR_VECTORS, else the in-tree copy (clean clones), else ../shared */
static inline const char *
or_test_vectors_dir(void)
{
    const char  *d = getenv("OR_VECTORS");

    if (d != NULL && d[0] != '\0') {
        return d;
    }
    return access(OR_TEST_VECTORS_TREE "/meta.json", R_OK) == 0
           ? OR_TEST_VECTORS_TREE : OR_TEST_VECTORS_DEFAULT;
}

/* the whole file, NUL-terminated (malloc'd), or NULL; *len its size */
static inline char *
or_test_read(const char *name, size_t *len)
{
    char    path[1024];
    char   *buf;
    FILE   *f;
    long    n;

    if (len != NULL) {
        *len = 0;
    }
    snprintf(path, sizeof(path), "%s/%s", or_test_vectors_dir(), name);
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open vector %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t) n + 1);
    if (buf != NULL && fread(buf, 1, (size_t) n, f) != (size_t) n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        if (len != NULL) {
            *len = (size_t) n;
        }
    }
    return buf;
}

/* the file's first line (a .fp file) into out[cap] */
static inline int
or_test_read_line(const char *name, char *out, size_t cap)
{
    char    *s;
    size_t   n;

    s = or_test_read(name, &n);
    if (s == NULL) {
        return -1;
    }
    s[strcspn(s, "\r\n")] = '\0';
    snprintf(out, cap, "%s", s);
    free(s);
    return 0;
}

/* copies a vector to a new temp file with the given mode; path[64] */
static inline int
or_test_copy(const char *name, mode_t mode, char *path)
{
    char    *s;
    size_t   n;
    int      fd, ok;

    s = or_test_read(name, &n);
    if (s == NULL) {
        return -1;
    }
    snprintf(path, 64, "/tmp/or_test_key_XXXXXX");
    fd = mkstemp(path);
    ok = fd >= 0 && write(fd, s, n) == (ssize_t) n && fchmod(fd, mode) == 0;
    if (fd >= 0) {
        close(fd);
    }
    free(s);
    return ok ? 0 : -1;
}

#endif /* OR_TEST_VECTORS_H_INCLUDED */
