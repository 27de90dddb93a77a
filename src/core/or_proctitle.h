/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Process titles as nginx shows them in ps: "openred: master process
 * ARGV" and "openred: worker process #N", through libbsd's setproctitle
 * (which moves environ aside to reuse argv's memory).
 */
#ifndef OR_PROCTITLE_H_INCLUDED
#define OR_PROCTITLE_H_INCLUDED

#include "or_err.h"

/* Called first in main(), before anything reads argv by pointer after a
 * title is set: keeps a copy of the command line for the master's
 * title. OR_ENOMEM leaves titles unchanged. */
__attribute__((warn_unused_result))
or_err_t or_proctitle_init(int argc, char **argv);

/* "openred: " then the text, as ps and /proc/PID/cmdline show it. */
void or_proctitle_set(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* The command line kept by or_proctitle_init ("" before it). */
const char *or_proctitle_argv(void);

#endif /* OR_PROCTITLE_H_INCLUDED */
