/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Events for `openredctl watch`: a ring in the "events" shm zone, created
 * by the core at cycle init, that any module's worker (handshake,
 * discovery) publishes to and the control worker reads by sequence
 * number. A reader that falls more than OR_EVENTS_MAX behind is told how
 * many it missed.
 * Two lanes of OR_EVENTS_MAX slots share one sequence: messages, which a
 * peer can send as fast as it likes, and the rest (sessions, dials,
 * peers). A message flood overwrites only older messages, so the outcome
 * of a dial that `openredctl connect` waits for stays readable.
 */
#ifndef OR_EVRING_H_INCLUDED
#define OR_EVRING_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "or_err.h"
#include "openred.h"
#include "or_limits.h"

typedef struct or_cycle_s or_cycle_t;

#define OR_EVRING_ZONE  "events"

typedef enum {
    OR_EVT_PEER_DISCOVERED = 1,
    OR_EVT_PEER_LOST,
    OR_EVT_SESSION_ESTABLISHED,
    OR_EVT_SESSION_CLOSED,
    OR_EVT_MESSAGE,
    OR_EVT_HANDSHAKE_FAILED     /* an outbound dial failed (connect waits) */
} or_evt_type_t;

typedef struct {
    uint64_t  seq;              /* 1, 2, ...; 0 = empty */
    int64_t   time;             /* s, wall clock */
    int       type;             /* or_evt_type_t */
    char      node[64];
    char      peer[OR_FP_LEN + 1];
    char      detail[128];      /* reason, address or direction */
    size_t    textlen;
    char      text[OR_EVENT_TEXT_MAX];   /* payload JSON, may be cut */
    int       truncated;
} or_evt_t;

typedef struct {
    uint64_t  pushed;           /* events ever pushed into this lane */
    or_evt_t  ring[OR_EVENTS_MAX];
} or_evlane_t;

typedef struct {
    uint64_t     last;          /* seq of the newest event, both lanes */
    or_evlane_t  lane[2];       /* [0] messages, [1] everything else */
} or_evring_t;

/* Pure parts, for tests; the caller locks. */
void or_evring_push(or_evring_t *r, const or_evt_t *ev);
/* Copies up to max events with seq > since into out; *n how many, *missed
 * how many were overwritten before they could be read. */
void or_evring_read(const or_evring_t *r, uint64_t since, or_evt_t *out,
    size_t max, size_t *n, uint64_t *missed);

/* Master, at cycle init (the core's own zone, like status): declares the
 * zone, so that every module may publish whichever others are built. */
__attribute__((warn_unused_result))
or_err_t or_evring_zone_add(or_cycle_t *cycle);

/* Any worker: publish one event (text may be NULL). A no-op without the
 * zone. Never blocks on anything but the zone's lock. */
void or_evring_publish(or_cycle_t *cycle, or_evt_type_t type,
    const char *node, const char *peer, const char *detail,
    const char *text, size_t textlen);

/* The control worker: a consistent copy of events after since. */
__attribute__((warn_unused_result))
or_err_t or_evring_fetch(or_cycle_t *cycle, uint64_t since, or_evt_t *out,
    size_t max, size_t *n, uint64_t *missed, uint64_t *last);

const char *or_evt_type_name(int type);

#endif /* OR_EVRING_H_INCLUDED */
