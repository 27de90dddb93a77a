/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Peer exchange over established v3 sessions (docs/PROTOCOL.md v3 §12,
 * docs/SECURITY.md "Peer exchange"). Each side sends its own signed peer
 * record (or_peer_record.h) right after the session is up and every
 * interval (pex_self); worker 0 asks (pex_request) and the peer answers
 * with the records its session peers sent about themselves, kept in the
 * "pex" zone (pex_response). A record is a hint: only an address inside a record
 * whose signature verifies under the key bound to its id, for this
 * network, live, reaches or_dial_hint(); the v3 handshake authenticates.
 */
#ifndef OR_PEX_H_INCLUDED
#define OR_PEX_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "or_err.h"
#include "or_peer_record.h"

typedef struct or_hs_conn_s  or_hs_conn_t;
typedef struct or_hs_s       or_hs_t;

#define OR_PEX_RECORDS_MAX    16      /* records in one pex_response */
#define OR_PEX_RECORD_MAX     3072    /* bytes of one record's JSON */
#define OR_PEX_ANSWER_MS      5000    /* one request answered per session;
                                         half the least interval: a peer's
                                         timely one is never too soon */
#define OR_PEX_SELF_MS        5000    /* one pex_self taken per session */
#define OR_PEX_INTERVAL_MIN   10      /* s, the pex.interval floor */
#define OR_PEX_LEARNED_MAX    64      /* worker 0: peers listed in status */
#define OR_PEX_STORE_MAX      256     /* records kept, all nodes, shm */
#define OR_PEX_ZONE           "pex"

/* Counters per node, in the sessions zone (or_session.h) */
enum {
    OR_PEX_REQ_SENT = 0,    /* pex_request sent */
    OR_PEX_REQ_ANSWERED,    /* pex_request answered */
    OR_PEX_REQ_DROPPED,     /* pex_request inside OR_PEX_ANSWER_MS */
    OR_PEX_RESP_UNASKED,    /* pex_response with no request pending */
    OR_PEX_RESP_REFUSED,    /* pex_response refused whole (shape, count) */
    OR_PEX_REC_RECEIVED,    /* records in accepted responses */
    OR_PEX_REC_VERIFIED,
    OR_PEX_REC_REFUSED,     /* signature, network, ttl, shape, size */
    OR_PEX_REC_OWN,         /* verified, but ours or the answering peer */
    OR_PEX_DIALLED,         /* hints the dialling module took */
    OR_PEX_SELF_TAKEN,      /* pex_self verified and kept */
    OR_PEX_SELF_REFUSED,    /* pex_self refused or too soon */
    OR_PEX_C_LAST
};

const char *or_pex_counter_name(int c);

/* A node's exchange settings, as a worker holds them. */
typedef struct {
    int             enabled;
    int64_t         interval;   /* s */
    or_peer_keys_t  keys;       /* from pex.passphrase */
} or_pex_node_t;

/* The records session peers sent about themselves, verified, in the
 * "pex" shm zone so that any worker answers with every worker's: one
 * per (node, id), the latest; kept until its ttl ends. */
typedef struct {
    char           node[64];    /* the node's id; "" = free */
    unsigned char  id[OR_V3_ID_LEN];
    int64_t        until;       /* s, wall: ts + ttl */
    uint32_t       len;
    char           text[OR_PEX_RECORD_MAX + 1];
} or_pex_entry_t;

typedef struct {
    or_pex_entry_t  e[OR_PEX_STORE_MAX];
} or_pex_store_t;

/* Pure (the caller holds the zone lock): keeps text (len bytes, at most
 * OR_PEX_RECORD_MAX) as node's record of id, in place of the one it had,
 * else in a free or expired slot, else in place of the one ending first. */
void or_pex_store_put(or_pex_store_t *s, const char *node,
    const unsigned char *id, int64_t until, const char *text, size_t len,
    int64_t now);
/* Pure: appends to a (a JSON array) node's live records, but the one
 * whose id starts with the 16-hex fingerprint skip, until a holds max. */
void or_pex_store_collect(const or_pex_store_t *s, const char *node,
    const char *skip, int64_t now, json_t *a, size_t max);

/* One session's exchange state (owned by its or_v3_conn_t). */
typedef struct or_pex_conn_s {
    int64_t         self_ms;    /* ms, monotonic: last pex_self taken */
    int64_t         answer_ms;  /* ms, monotonic: last request answered */
    int64_t         asked_ms;   /* ms, monotonic: last request sent */
    int             asked;      /* a request waits for its response */
} or_pex_conn_t;

/* What a response did, for the caller's counters and log line. */
typedef struct {
    uint64_t  c[OR_PEX_C_LAST];
    char      why[160];         /* the first refusal, "" if none */
} or_pex_tally_t;

/* Pure but for or_dial_hint(): checks one pex_response's "records" of
 * node (at now, s) and hands each verified record's first address to
 * or_dial_hint(node, ..., "exchange"); own(id, data) says an id is ours
 * or the answering peer's (verified, not dialled). learned(id, addr,
 * data) is told of each hint taken (may be NULL). OR_OK when the
 * response had an acceptable shape (its records counted one by one),
 * else OR_EPROTO (refused whole: not an array, more than
 * OR_PEX_RECORDS_MAX). */
or_err_t or_pex_take_response(size_t node, const or_peer_keys_t *keys,
    json_t *msg, int64_t now,
    int (*own)(const unsigned char *id, void *data),
    void (*learned)(const unsigned char *id, const char *addr, void *data),
    void *data, or_pex_tally_t *t) __attribute__((warn_unused_result));

/* Pure: checks one record (a JSON object) of keys at now: its text at
 * most OR_PEX_RECORD_MAX bytes, then or_peer_record_parse(). *text
 * (malloc'd, the caller frees) is its JSON when OR_OK and text != NULL. */
or_err_t or_pex_record_check(const or_peer_keys_t *keys, json_t *rec,
    int64_t now, or_peer_record_t *r, char **text, or_errbuf_t *eb)
    __attribute__((warn_unused_result));

/* The session glue (or_v3_conn.c). */
/* The session is up: send pex_self, and from worker 0 pex_request. */
void or_pex_session_up(or_hs_conn_t *hc);
/* The keepalive tick: pex_self and pex_request again every interval. */
void or_pex_tick(or_hs_conn_t *hc);
/* A MSG whose object's "type" starts "pex_": 1 if it was one (taken,
 * never an application message), 0 if not; -1 closed the session. */
int or_pex_message(or_hs_conn_t *hc, json_t *obj);
void or_pex_conn_clear(or_pex_conn_t *p);
#define or_v3_conn_pex(hc)  ((or_pex_conn_t *) or_v3_conn_pex_state(hc))

/* The "pex" status section: per node its counters (all workers) and
 * the peers this worker handed to the dialling module (worker 0). */
json_t *or_pex_status(or_hs_t *hs);

#endif /* OR_PEX_H_INCLUDED */
