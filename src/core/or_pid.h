/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The pid file: written atomically (temp file + rename) by the master,
 * read by `openred -s`, removed at exit.
 */
#ifndef OR_PID_H_INCLUDED
#define OR_PID_H_INCLUDED

#include <sys/types.h>

#include "or_err.h"

/* Writes "PID\n" to a temp file beside path and renames it over path, so
 * a reader never sees a half-written file. OR_ERROR with errno set. */
__attribute__((warn_unused_result))
or_err_t or_pid_write(const char *path, pid_t pid);

/* OR_ERROR with errno from open/read (ENOENT: no pid file), OR_EPROTO if
 * the content is not a positive decimal pid. *pid is set on OR_OK only. */
__attribute__((warn_unused_result))
or_err_t or_pid_read(const char *path, pid_t *pid);

/* Removes path if it still holds pid (a newer master may own it). */
void or_pid_remove(const char *path, pid_t pid);

#endif /* OR_PID_H_INCLUDED */
