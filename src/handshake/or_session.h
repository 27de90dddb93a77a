/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The session table: every established session of every worker, in the
 * "sessions" shm zone so that `openredctl sessions` and `send` see them
 * all, sized by max_sessions and indexed by a hash of (node, fingerprint).
 * Pure functions over the table; callers hold the zone lock.
 * The transport (or_conn.h) and the framing (plain v2 JSON objects now,
 * v3 encrypted frames later: or_session_framing_t) stay separate.
 */
#ifndef OR_SESSION_H_INCLUDED
#define OR_SESSION_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "openred.h"
#include "or_err.h"
#include "or_limits.h"

typedef struct or_cycle_s     or_cycle_t;
typedef struct or_shm_zone_s  or_shm_zone_t;

#define OR_SESSION_ZONE  "sessions"

typedef enum {
    OR_SESSION_IN = 0,          /* they dialled us: we are the responder */
    OR_SESSION_OUT              /* we dialled them */
} or_session_dir_t;

/* How the bytes after the handshake are cut into messages. */
typedef enum {
    OR_FRAMING_V2 = 0,          /* JSON objects back to back, plain */
    OR_FRAMING_V3               /* AEAD records (docs/PROTOCOL.md Part v3) */
} or_session_framing_t;

typedef struct {
    uint64_t  id;               /* unique per zone; 0 = free slot */
    char      node[64];         /* node id */
    char      peer[OR_FP_LEN + 1];
    char      ours[OR_FP_LEN + 1];
    char      mutual_link[OR_LINK_LEN + 1];
    char      address[64];      /* peer's "ip:port" */
    int       direction;        /* or_session_dir_t */
    int       framing;          /* or_session_framing_t */
    unsigned  suite;            /* v3: OR_V3_SUITE_* (or_v3.h); 0 in v2 */
    int64_t   since;            /* s, wall clock */
    int64_t   last_activity;    /* s, wall clock: last message either way */
    uint64_t  messages_in;
    uint64_t  messages_out;
    uint64_t  bytes_in;
    uint64_t  bytes_out;
    uint64_t  messages_dropped; /* over max_message_(byte_)rate */
    pid_t     pid;              /* worker holding it */
    uint64_t  handoff;          /* its hand-off socket (or_handoff.h) */
    unsigned  worker;           /* its index */
} or_session_t;

/* Refusals by reason, per node slot (the node's index in the cycle). */
#define OR_SESSION_NODES_MAX  64
/* Peer exchange's counters per node slot (or_pex.h: OR_PEX_*) */
#define OR_SESSION_PEX_COUNTERS  16

/* Header of the zone; the rest is laid out by or_session_table_size():
 * slots[max], a stack of freed slot numbers (uint32_t free[max]), then the
 * index (uint32_t index[mask + 1]: slot + 1, 0 = empty bucket; linear
 * probing within OR_SESSION_PROBE buckets, backward-shift deletion). Only
 * slots below top were ever used, so untouched pages stay unmapped. */
typedef struct {
    uint32_t      magic;
    uint32_t      max;          /* slots (max_sessions) */
    uint32_t      mask;         /* index buckets - 1, a power of two */
    uint32_t      used;         /* live slots */
    uint32_t      top;          /* slots [top, max) were never used */
    uint32_t      nfree;        /* entries on the free stack */
    uint64_t      seed;         /* hash key, random per table */
    uint64_t      next_id;
    uint64_t      refused[OR_SESSION_NODES_MAX][OR_R_LAST + 24];
    uint64_t      accepted[OR_SESSION_NODES_MAX];
    uint64_t      pex[OR_SESSION_NODES_MAX][OR_SESSION_PEX_COUNTERS];
    or_session_t  slots[];      /* max, only [0, top) looked at */
} or_session_table_t;

/* Our own refusal reasons beyond or_reason_t, counted in the same array. */
enum {
    OR_SR_REPLAY = OR_R_LAST,   /* signature seen before */
    OR_SR_TIMEOUT,              /* incomplete at handshake_timeout */
    OR_SR_LIMIT,                /* max_inbound / max_pending_handshakes */
    OR_SR_FILTERED,             /* node filter refused the peer's sector */
    OR_SR_SELF,                 /* a node dialled itself */
    OR_SR_CLOSED,               /* peer closed before a complete request */
    OR_SR_DUPLICATE,            /* crossed dials: the other one is kept */
    OR_SR_FULL,                 /* the session table is full */
    OR_SR_BUSY,                 /* replay cache full of unforgettable */
    OR_SR_IDLE,                 /* session closed: session_idle_timeout */
    OR_SR_EVICTED,              /* session closed for a new one: max_inbound */
    OR_SR_SOURCE,               /* max_pending/sessions_per_source */
    OR_SR_DROPPED,              /* oldest of the busiest source, pending full */
    OR_SR_RATE,                 /* a message over max_message_rate, dropped */
    OR_SR_FLOOD,                /* session closed: sustained excess */
    OR_SR_V2_REFUSED,           /* v2, and the node wants v3 (protocol) */
    OR_SR_DOWNGRADE,            /* v2 from or to a peer in seen-v3 */
    OR_SR_LAST
};

const char *or_session_reason_name(int reason);

/* Bytes of a table of max slots (1 .. OR_SESSIONS_LIMIT). */
size_t or_session_table_size(size_t max);
/* Pure: sets up a table of max slots in zeroed memory of
 * or_session_table_size(max) bytes; seed keys the hash. */
void or_session_table_init(or_session_table_t *t, size_t max, uint64_t seed);
/* Pure: index of a live session of node with peer, or -1. */
int or_session_find(const or_session_table_t *t, const char *node,
    const char *peer);
/* Pure: stores s (id assigned, returned in *id) and returns its slot;
 * -1 when every slot is used, -2 when no index bucket is free within
 * OR_SESSION_PROBE of its hash (or_session_add_error() says which). */
int or_session_add(or_session_table_t *t, const or_session_t *s,
    uint64_t *id);
/* Text for a failed or_session_add(), e.g. "session table full: 16384 of
 * max_sessions 16384 used", into buf. */
void or_session_add_error(const or_session_table_t *t, int rc, char *buf,
    size_t len);
/* Pure: frees slot idx if it still holds id. */
void or_session_remove(or_session_table_t *t, int idx, uint64_t id);
/* Pure: sessions of node in direction dir (-1: both). */
size_t or_session_count(const or_session_table_t *t, const char *node,
    int dir);
/* Pure: frees the slots of pid (a worker that died without closing). */
void or_session_purge_pid(or_session_table_t *t, pid_t pid);

/* Master: declare the zone for max slots. A reload keeps the zone (and
 * the sessions listed in it) only when max_sessions is unchanged. */
__attribute__((warn_unused_result))
or_err_t or_session_zone_add(or_cycle_t *cycle, size_t max);
/* Borrowed; valid while the cycle lives. NULL without the zone. */
or_shm_zone_t *or_session_zone(or_cycle_t *cycle);
/* Worker: sets the table up on first use of a fresh zone (under its
 * lock). OR_ECONF if the zone holds a table of another size. */
__attribute__((warn_unused_result))
or_err_t or_session_zone_attach(or_shm_zone_t *zone, size_t max);

#endif /* OR_SESSION_H_INCLUDED */
