/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* The pid file: atomic write, bounded read, guarded removal. */
#include "or_pid.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OR_PID_TEXT_MAX  32    /* bytes read from a pid file */

or_err_t
or_pid_write(const char *path, pid_t pid)
{
    char     tmp[PATH_MAX];
    char     text[OR_PID_TEXT_MAX];
    int      fd = -1, n, saved;
    or_err_t rc = OR_ERROR;

    n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
    if (n < 0 || (size_t) n >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return OR_ERROR;
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd == -1) {
        return OR_ERROR;
    }
    n = snprintf(text, sizeof(text), "%ld\n", (long) pid);
    /* mkostemp makes 0600; a pid file is public like nginx's. */
    if (fchmod(fd, 0644) == -1 || write(fd, text, (size_t) n) != n
        || fsync(fd) == -1)
    {
        goto done;
    }
    if (close(fd) == -1) {
        fd = -1;
        goto done;
    }
    fd = -1;
    if (rename(tmp, path) == -1) {
        goto done;
    }
    rc = OR_OK;

done:
    saved = errno;
    if (fd != -1) {
        close(fd);
    }
    if (rc != OR_OK) {
        unlink(tmp);
    }
    errno = saved;
    return rc;
}

or_err_t
or_pid_read(const char *path, pid_t *pid)
{
    char     text[OR_PID_TEXT_MAX];
    char    *end;
    ssize_t  n;
    long     v;
    int      fd, saved;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return OR_ERROR;
    }
    n = read(fd, text, sizeof(text) - 1);
    saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        return OR_ERROR;
    }
    text[n] = '\0';
    errno = 0;
    v = strtol(text, &end, 10);
    if (end == text || (*end != '\n' && *end != '\0') || errno != 0
        || v <= 0 || v > INT_MAX)
    {
        return OR_EPROTO;
    }
    *pid = (pid_t) v;
    return OR_OK;
}

void
or_pid_remove(const char *path, pid_t pid)
{
    pid_t cur;

    if (or_pid_read(path, &cur) == OR_OK && cur == pid) {
        unlink(path);
    }
}
