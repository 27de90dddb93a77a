/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openredctl's bounded file reads for the local commands (key, beacon):
 * a path or "-" for stdin, never more than the caller's bound.
 */
#include "or_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

or_err_t
or_ctl_file_read(const char *path, char *buf, size_t cap, size_t *n,
    char *err, size_t errlen)
{
    const char  *name = path;
    size_t       got = 0;
    ssize_t      r;
    int          fd = STDIN_FILENO;
    char         extra;
    or_err_t     rc = OR_OK;

    if (path == NULL || strcmp(path, "-") == 0) {
        name = "standard input";
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            snprintf(err, errlen, "open \"%s\": %s", path, strerror(errno));
            return OR_ERROR;
        }
    }
    /* one byte past the bound tells "too big" from "exactly cap" */
    for (;;) {
        r = got < cap ? read(fd, buf + got, cap - got) : read(fd, &extra, 1);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            snprintf(err, errlen, "read \"%s\": %s", name, strerror(errno));
            rc = OR_ERROR;
            break;
        }
        if (r == 0) {
            break;
        }
        if (got == cap) {
            snprintf(err, errlen, "%s is over %zu bytes", name, cap);
            rc = OR_ETOOBIG;
            break;
        }
        got += (size_t) r;
    }
    if (fd != STDIN_FILENO) {
        close(fd);
    }
    if (rc == OR_OK) {
        *n = got;
    }
    return rc;
}
