/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* The reload note: atomic write, bounded read, guarded removal. */
#include "or_reload_note.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
note_path(char *buf, size_t len, const char *pidpath)
{
    int n = snprintf(buf, len, "%s.reload", pidpath);

    if (n < 0 || (size_t) n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

or_err_t
or_reload_note_write(const char *pidpath, const or_reload_note_t *n)
{
    char     path[PATH_MAX], tmp[PATH_MAX + 8];
    FILE    *f;
    int      fd, saved, closed = 0;

    if (note_path(path, sizeof(path), pidpath) != 0) {
        return OR_ERROR;
    }
    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd == -1) {
        return OR_ERROR;
    }
    f = fdopen(fd, "w");
    if (f == NULL || fchmod(fd, 0644) == -1
        || fprintf(f, "%ld %u %s\n%.*s", (long) n->master, n->seq,
                   n->ok ? "ok" : "failed", OR_RELOAD_NOTE_TEXT_MAX - 1,
                   n->text) < 0
        || fflush(f) != 0)
    {
        goto failed;
    }
    closed = 1;
    if (fclose(f) == 0 && rename(tmp, path) == 0) {
        return OR_OK;
    }
    f = NULL;

failed:
    saved = errno;
    if (f != NULL && !closed) {
        fclose(f);
    } else if (!closed) {
        close(fd);
    }
    unlink(tmp);
    errno = saved;
    return OR_ERROR;
}

or_err_t
or_reload_note_read(const char *pidpath, or_reload_note_t *out)
{
    char    path[PATH_MAX], state[8];
    FILE   *f;
    long    pid;
    size_t  len;
    int     saved;
    static or_reload_note_t n;      /* 8 KiB: not on a small stack */

    if (note_path(path, sizeof(path), pidpath) != 0) {
        return OR_ERROR;
    }
    f = fopen(path, "re");
    if (f == NULL) {
        return OR_ERROR;
    }
    memset(&n, 0, sizeof(n));
    if (fscanf(f, "%ld %u %7s", &pid, &n.seq, state) != 3 || pid <= 0
        || (strcmp(state, "ok") != 0 && strcmp(state, "failed") != 0)
        || fgetc(f) != '\n')
    {
        fclose(f);
        return OR_EPROTO;
    }
    len = fread(n.text, 1, sizeof(n.text) - 1, f);
    saved = errno;
    fclose(f);
    errno = saved;
    n.text[len] = '\0';
    n.master = (pid_t) pid;
    n.ok = strcmp(state, "ok") == 0;
    *out = n;
    return OR_OK;
}

void
or_reload_note_remove(const char *pidpath, pid_t master)
{
    char              path[PATH_MAX];
    or_reload_note_t  n;

    if (note_path(path, sizeof(path), pidpath) == 0
        && or_reload_note_read(pidpath, &n) == OR_OK && n.master == master)
    {
        (void) unlink(path);
    }
}
