/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * v3 on a handshake connection (docs/PROTOCOL.md Part v3), beside v2 on
 * the same port: a responder tells them apart by the first byte. This
 * file drives the responder's MSG1 -> MSG2 -> MSG3, the initiator's when
 * a dial names the peer's 256-bit id (v2 beacons do not carry it), and
 * then the records of the session.
 */
#ifndef OR_V3_CONN_H_INCLUDED
#define OR_V3_CONN_H_INCLUDED

#include <stddef.h>

#include <stdint.h>

#include "or_err.h"
#include "or_v3.h"

typedef struct or_hs_conn_s  or_hs_conn_t;
typedef struct or_v3_conn_s  or_v3_conn_t;

/* 1 if hc is a responder still reading, whose first byte says v3 */
int or_v3_conn_wanted(const or_hs_conn_t *hc);
/* everything buffered on hc (v3); -1 if hc was closed */
int or_v3_conn_input(or_hs_conn_t *hc);
/* one MSG record with payload (one JSON object) on session hc */
__attribute__((warn_unused_result))
or_err_t or_v3_conn_send(or_hs_conn_t *hc, const char *payload, size_t len);
/* makes the dial hc (not connected yet) a v3 dial of the node id */
__attribute__((warn_unused_result))
or_err_t or_v3_conn_dial(or_hs_conn_t *hc, const unsigned char *id);
/* the dial hc is connected: sends MSG1 (closes hc on failure) */
void or_v3_conn_connected(or_hs_conn_t *hc);
/* the suite of an established v3 session (OR_V3_SUITE_*), else 0 */
unsigned or_v3_conn_suite(const or_hs_conn_t *hc);
void or_v3_conn_free(or_v3_conn_t *v);

/* Tells the peer of v3 session hc that it ends (a CLOSE record with
 * code, OR_V3_CODE_*); nothing for v2. The caller closes hc. */
void or_v3_conn_say_close(or_hs_conn_t *hc, unsigned code);

/* Peer exchange (or_pex.c): its state of this session (NULL before
 * records), the peer's full id (NULL when not known: a session taken
 * over keeps only its fingerprint), and a MSG sent as session control:
 * neither counted as an application message nor published. */
struct or_pex_conn_s;
struct or_pex_conn_s *or_v3_conn_pex_state(or_hs_conn_t *hc);
const unsigned char *or_v3_conn_peer_id(const or_hs_conn_t *hc);
__attribute__((warn_unused_result))
or_err_t or_v3_conn_send_control(or_hs_conn_t *hc, const char *payload,
    size_t len);

/* Reload (or_takeover.c): the record layer of session hc and the ages of
 * its last record each way, for the new worker; st holds keys: the caller
 * wipes it. OR_EPROTO if hc is not an established v3 session. */
__attribute__((warn_unused_result))
or_err_t or_v3_conn_export(const or_hs_conn_t *hc, or_v3_rec_state_t *st,
    uint64_t *in_age_ms, uint64_t *out_age_ms);
/* ... and in the new worker: makes hc (not started yet) that session,
 * keepalive timer armed for what was left of it. */
__attribute__((warn_unused_result))
or_err_t or_v3_conn_adopt(or_hs_conn_t *hc, const or_v3_rec_state_t *st,
    uint64_t in_age_ms, uint64_t out_age_ms);

#endif /* OR_V3_CONN_H_INCLUDED */
