/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * A worker process as modules see it: its index, its event loop and the
 * cycle it serves. Worker 0 is the designated one: it also runs discovery,
 * auto-connect and the control socket.
 */
#ifndef OR_WORKER_H_INCLUDED
#define OR_WORKER_H_INCLUDED

#include <sys/types.h>

#include "or_err.h"
#include "or_event.h"
#include "or_rand.h"
#include "or_timer.h"

typedef struct or_cycle_s or_cycle_t;
typedef struct or_worker_quit_s or_worker_quit_t;

typedef struct or_worker_s {
    unsigned          index;       /* 0 .. worker_processes - 1 */
    pid_t             pid;
    or_event_loop_t  *loop;        /* owned by or_worker.c */
    or_cycle_t       *cycle;       /* borrowed; the cycle it was forked for */
    int               quitting;    /* stop accepting, drain, then exit */
    or_rand_t         rand;        /* timer jitter; seeded at start */

    /* private to or_worker.c */
    unsigned          generation;  /* cycle generation it was forked for */
    size_t            nconns;      /* held by or_worker_conn_hold() */
    size_t            nconns_peak; /* since the last malloc_trim() */
    or_worker_quit_t *quit;        /* on-quit handlers, in order added */
    or_timer_t        shutdown;    /* worker_shutdown_timeout */
} or_worker_t;

#define or_worker_is_designated(w)  ((w)->index == 0)

/* Modules with long-lived connections call these so that a quitting worker
 * exits when the last one closes (bounded by worker_shutdown_timeout). */
void or_worker_conn_hold(or_worker_t *w);
void or_worker_conn_release(or_worker_t *w);

/* Set by a module's init_worker when it stops accepting on quit: called
 * once when the worker starts to quit (after a reload or QUIT), in the
 * order registered. OR_ENOMEM if it cannot be recorded. */
typedef void (*or_worker_quit_pt)(or_worker_t *w, void *data);
__attribute__((warn_unused_result))
or_err_t or_worker_on_quit(or_worker_t *w, or_worker_quit_pt handler,
    void *data);

/* Master: fork worker index of cycle's generation; *pid on OR_OK. The
 * child never returns: it runs the loop and exits (2 if it could not
 * start: the master then does not respawn it). */
__attribute__((warn_unused_result))
or_err_t or_worker_spawn(or_cycle_t *cycle, unsigned index, pid_t *pid);

/* The exit code of a worker that failed to start. */
#define OR_WORKER_EXIT_FATAL  2

#endif /* OR_WORKER_H_INCLUDED */
