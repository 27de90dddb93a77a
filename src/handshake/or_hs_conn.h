/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * One handshake connection of a worker, shared by the files that drive it:
 * or_hs.c (responder, initiator), or_message_io.c (messages once
 * established). or_hs_conn.c owns its life: creation and the one close path.
 */
#ifndef OR_HS_CONN_H_INCLUDED
#define OR_HS_CONN_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "openred.h"
#include "or_conn.h"
#include "or_err.h"
#include "or_hs.h"
#include "or_hs_source.h"
#include "or_log.h"

typedef struct or_v3_conn_s  or_v3_conn_t;

typedef enum {
    OR_HS_ACCEPTED = 0,    /* responder: reading the request */
    OR_HS_CONNECTING,      /* initiator: connect() in progress */
    OR_HS_SENT,            /* initiator: reading the response */
    OR_HS_SESSION          /* established: messages */
} or_hs_state_t;

struct or_hs_conn_s {
    or_hs_conn_t      *next;
    or_hs_conn_t     **prevp;
    or_hs_t           *hs;
    size_t             node;
    or_conn_t         *c;            /* owned */
    int                state;        /* or_hs_state_t */
    int                direction;    /* or_session_dir_t */
    int                counted_pending;
    int                counted_inbound;
    or_hs_source_t    *src;          /* inbound: its address's counts */
    or_hs_conn_t      *src_next;     /* src's pending list */
    or_hs_conn_t      *src_prev;
    int                src_pending;  /* in src's pending list */
    int                src_session;  /* counted in src->sessions */
    uint64_t           last_msg_ms;  /* session: last message either way */
    uint64_t           budget_ms;    /* buckets last filled; 0: not yet */
    uint64_t           tok_msgs;     /* message bucket, 1/1000 message */
    uint64_t           tok_bytes;    /* byte bucket, 1/1000 byte */
    uint64_t           flood_sec;    /* last second with a dropped message */
    unsigned           flood_streak; /* consecutive such seconds */
    size_t             scanned;      /* bytes of c->in the reader has seen */
    or_json_reader_t  *reader;       /* owned */
    or_v2_sent_t       sent;         /* initiator: what we asked */
    char               peer[OR_FP_LEN + 1];   /* fingerprint, once known */
    char               link[OR_LINK_LEN + 1];
    int                slot;         /* in the session table; -1 none */
    uint64_t           id;
    or_log_ctx_t       log;          /* node id and c->peer, for lines */
    or_v3_conn_t      *v3;           /* owned; a v3 connection (or_v3_conn.h) */
    int                handed_over;  /* reload: a new worker carries it on
                                        (or_takeover.c); closing frees it
                                        and says nothing */
};

/* A connection of node on fd (owned from now on, closed on failure),
 * linked into hs->conns and counted as pending. */
__attribute__((warn_unused_result))
or_err_t or_hs_conn_new(or_hs_t *hs, size_t node, int fd, int direction,
    or_hs_conn_t **out);
/* The one close path: logs why (at level, unless reason is NULL),
 * publishes the end of a session or a failed dial, frees hc. */
void or_hs_conn_close(or_hs_conn_t *hc, or_log_level_t level,
    const char *reason);
/* Refuse: count reason, answer the original's {"error": ...} shape if we
 * are the responder still reading the request, log, close. */
void or_hs_conn_refuse(or_hs_conn_t *hc, int reason, const char *detail);

/* Steps of or_hs.c that the v3 responder (or_v3_conn.c) shares: the node
 * filter, recording the session (OR_AGAIN: a live one is kept;
 * OR_ETOOBIG: the table is full, why in full[]), and its announcement. */
/* 1 if node filter and accept_undiscovered let hc->peer in; else *why */
int or_hs_filter_ok(or_hs_conn_t *hc, int64_t now, const char **why);
__attribute__((warn_unused_result))
or_err_t or_hs_record(or_hs_conn_t *hc, char *full, size_t fulllen);
void or_hs_established(or_hs_conn_t *hc);
/* A session taken over from an older worker (or_takeover.c): hc holds its
 * socket, peer, link and direction; for v2 this makes it a session (its
 * idle deadline armed), for both it starts reading. */
__attribute__((warn_unused_result))
or_err_t or_hs_adopt(or_hs_conn_t *hc);

#endif /* OR_HS_CONN_H_INCLUDED */
