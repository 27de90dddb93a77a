/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The process model: the master (signals, spawn, reap, reload) and the
 * checks of -t that go beyond the config's syntax (keys, paths).
 */
#ifndef OR_PROCESS_H_INCLUDED
#define OR_PROCESS_H_INCLUDED

#include <signal.h>

#include "or_err.h"

typedef struct or_cycle_s or_cycle_t;

/* Runs the master until stop; takes ownership of cycle. */
__attribute__((warn_unused_result))
or_err_t or_process_master(or_cycle_t *cycle);

/* -t: what can be checked without starting (keys, directories). */
__attribute__((warn_unused_result))
or_err_t or_process_check(or_cycle_t *cycle);

/* -s NAME: signal the running master through the pid file. */
__attribute__((warn_unused_result))
or_err_t or_process_signal(or_cycle_t *cycle, const char *name);

/* The signals table: "reload" -> SIGHUP, ...; 0 / NULL if unknown. */
int or_process_signo(const char *name);
const char *or_process_signame(int signo);

/* Set by the handlers of both master and workers; read and cleared by the
 * loops. The only globals besides or_cycle. */
extern volatile sig_atomic_t or_sig_reload;      /* HUP */
extern volatile sig_atomic_t or_sig_quit;        /* QUIT: graceful */
extern volatile sig_atomic_t or_sig_terminate;   /* TERM, INT: fast */
extern volatile sig_atomic_t or_sig_reopen;      /* USR1 */
extern volatile sig_atomic_t or_sig_child;       /* CHLD */
extern volatile sig_atomic_t or_sig_alarm;       /* ALRM: stop deadline */

/* Installs the handlers, ignores SIGPIPE and fills *set with the handled
 * signals (to block outside sigsuspend / epoll_pwait). */
__attribute__((warn_unused_result))
or_err_t or_process_signals_init(sigset_t *set);

#endif /* OR_PROCESS_H_INCLUDED */
