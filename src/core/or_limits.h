/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The daemon's own bounds: table sizes, queues, the control socket. Never
 * installed; the wire format's bounds are libopenred's (or_wire_limits.h),
 * included here so that daemon code needs one header. Tests cite these
 * names; change a bound here and nowhere else.
 */
#ifndef OR_LIMITS_H_INCLUDED
#define OR_LIMITS_H_INCLUDED

#include "or_wire_limits.h"

/* sessions (or_session.h, or_replay.h, or_evring.h, or_conn.h) */
#define OR_SESSIONS_LIMIT       1000000 /* max_sessions at most (shm slots) */
#define OR_SESSION_PROBE        64      /* index buckets looked at per key */
#define OR_REPLAY_SLOTS         65536   /* accepted signatures remembered */
#define OR_REPLAY_PROBE         32      /* slots looked at per signature */
#define OR_REPLAY_FLOORS        65536   /* requesters with a floor at once */
#define OR_DISCOVERY_RCVBUF     4194304 /* bytes queued on a discovery socket */
/* A session is closed as "flood" when messages over its budget came in
 * this many consecutive seconds (a burst of one second is dropped only). */
#define OR_FLOOD_SECONDS        3
#define OR_EVENTS_MAX           512     /* watch events kept in the ring */
#define OR_EVENT_TEXT_MAX       4096    /* bytes of a message kept per event */
#define OR_CONN_OUT_MAX         262144  /* bytes queued to a slow peer */
#define OR_SEND_DGRAM_MAX       (OR_MESSAGE_MAX + 256) /* worker hand-off */

/* control socket (or_control_module.c) */
#define OR_CONTROL_LINE_MAX     4096    /* bytes, one request line */
/* bytes, one reply line: a page of `sessions` (~400 B each) fits */
#define OR_CONTROL_REPLY_MAX    (16 * 1048576)
#define OR_CONTROL_CLIENTS_MAX  64      /* clients at once */
/* sessions in one `sessions` reply (~400 bytes of JSON each: a page well
 * under OR_CONTROL_REPLY_MAX); openredctl asks page after page */
#define OR_CONTROL_SESSIONS_PAGE 10000
#define OR_CONTROL_TIMEOUT      10      /* s, idle deadline per client */

#endif /* OR_LIMITS_H_INCLUDED */
