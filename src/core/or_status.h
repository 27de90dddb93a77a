/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The "workers" status zone: what the master knows about itself and its
 * workers, in shared memory so the worker serving the control socket can
 * answer `status` without asking the master. Written by the master only.
 */
#ifndef OR_STATUS_H_INCLUDED
#define OR_STATUS_H_INCLUDED

#include <sys/types.h>
#include <time.h>

#include "or_err.h"

typedef struct or_cycle_s or_cycle_t;

#define OR_STATUS_ZONE     "workers"
/* Slots for running workers plus old ones still draining after reloads:
 * four generations of the largest worker_processes (64). */
#define OR_STATUS_SLOTS    256
/* bytes of a failed reload's reason shown by status (its first lines) */
#define OR_STATUS_REASON_MAX  1024

typedef enum {
    OR_WORKER_FREE = 0,     /* slot unused */
    OR_WORKER_RUNNING,
    OR_WORKER_QUITTING,     /* told to quit; draining its connections */
    OR_WORKER_EXITING       /* told to stop now */
} or_worker_state_t;

typedef struct {
    pid_t     pid;
    unsigned  index;        /* worker number within its generation */
    unsigned  generation;   /* cycle generation it was forked for */
    int       state;        /* or_worker_state_t */
} or_status_slot_t;

typedef struct {
    pid_t             master;
    time_t            started;     /* wall clock, master start */
    unsigned          reloads;     /* successful reloads */
    unsigned          generation;  /* the current one */
    unsigned          reload_seq;  /* reloads handled, ok or failed */
    int               reload_ok;   /* the last one's outcome */
    time_t            reload_at;   /* wall clock, when it ended */
    char              reload_error[OR_STATUS_REASON_MAX];  /* or "" */
    or_status_slot_t  slots[OR_STATUS_SLOTS];
} or_status_t;

/* Declares the zone for cycle (kept across reloads: its size is fixed). */
__attribute__((warn_unused_result))
or_err_t or_status_zone_add(or_cycle_t *cycle);

/* Master: record a worker (state RUNNING); OR_ERROR if every slot is
 * taken. Update or clear (state FREE) by pid. */
__attribute__((warn_unused_result))
or_err_t or_status_worker_add(or_cycle_t *cycle, pid_t pid, unsigned index,
    unsigned generation);
void or_status_worker_set(or_cycle_t *cycle, pid_t pid,
    or_worker_state_t state);
void or_status_master_set(or_cycle_t *cycle, pid_t pid, time_t started,
    unsigned reloads, unsigned generation);
/* Master: the outcome of reload number seq (text: why it failed, cut to
 * OR_STATUS_REASON_MAX; may be NULL), for `openredctl reload`. */
void or_status_reload_set(or_cycle_t *cycle, unsigned seq, int ok,
    const char *text);

/* Anyone: a consistent copy. OR_ERROR if the cycle has no status zone. */
__attribute__((warn_unused_result))
or_err_t or_status_read(or_cycle_t *cycle, or_status_t *out);

const char *or_status_state_name(int state);

#endif /* OR_STATUS_H_INCLUDED */
