/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The outcome of the master's last reload, in a file beside the pid file
 * (PID.reload), so that `openred -s reload` can wait for it and exit 1
 * with the reason instead of leaving it to the log.
 */
#ifndef OR_RELOAD_NOTE_H_INCLUDED
#define OR_RELOAD_NOTE_H_INCLUDED

#include <stddef.h>
#include <sys/types.h>

#include "or_err.h"

#define OR_RELOAD_NOTE_TEXT_MAX  8192   /* bytes of reason kept */
#define OR_RELOAD_NOTE_WAIT_S    60     /* s `-s reload` waits for it */

typedef struct {
    pid_t     master;
    unsigned  seq;          /* reloads the master handled */
    int       ok;
    char      text[OR_RELOAD_NOTE_TEXT_MAX];    /* why it failed, or "" */
} or_reload_note_t;

/* Writes "<pid>.reload" atomically (temp + rename, 0644). OR_ERROR with
 * errno. text may be NULL. */
__attribute__((warn_unused_result))
or_err_t or_reload_note_write(const char *pidpath, const or_reload_note_t *n);

/* Reads it: OR_ERROR (errno) if absent or unreadable, OR_EPROTO if its
 * first line is not "PID SEQ ok|failed". *n is set on OR_OK only. */
__attribute__((warn_unused_result))
or_err_t or_reload_note_read(const char *pidpath, or_reload_note_t *n);

/* Removes it if master wrote it (at exit, with the pid file). */
void or_reload_note_remove(const char *pidpath, pid_t master);

#endif /* OR_RELOAD_NOTE_H_INCLUDED */
