/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * v3 on a handshake connection (docs/PROTOCOL.md Part v3). Responder:
 * cheap checks, our own policy (self, replay cache, filter) before the
 * library verifies sig_i and signs, the session recorded only after MSG3.
 * Initiator: MSG1 once connected, MSG2 checked, MSG3. Then records: MSG
 * to the session table and `watch`, PING answered, CLOSE honoured.
 * Frames are cut from the connection's input buffer.
 */
#include "or_v3_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "or_conn.h"
#include "or_cycle.h"
#include "or_event.h"
#include "or_evring.h"
#include "or_hs_conn.h"
#include "or_json.h"
#include "or_log.h"
#include "or_message_io.h"
#include "or_pex.h"
#include "or_replay.h"
#include "or_seen_v3.h"
#include "or_session.h"
#include "or_shm.h"
#include "or_v3.h"

/* responder: MSG1, MSG3; initiator: MSG2; then records */
enum { V3_MSG1, V3_MSG3, V3_I_MSG2, V3_RECORDS };

struct or_v3_conn_s {
    or_v3_hs_t   *hs;
    or_v3_rec_t  *rec;
    int           step;
    int64_t       last_in;      /* ms, monotonic: a record received */
    int64_t       last_out;     /* ms, monotonic: a record sent */
    unsigned char peer_id[OR_V3_ID_LEN];
    int           has_peer_id;  /* 0: taken over, fingerprint only */
    or_pex_conn_t pex;          /* peer exchange (or_pex.c) */
};

static int64_t
mono_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
or_v3_conn_wanted(const or_hs_conn_t *hc)
{
    return hc->v3 == NULL && hc->direction == OR_SESSION_IN
           && hc->state == OR_HS_ACCEPTED && hc->c->inlen > 0
           && hc->c->in[0] == OR_V3_MAGIC[0];
}

unsigned
or_v3_conn_suite(const or_hs_conn_t *hc)
{
    or_v3_result_t  res;

    if (hc->v3 == NULL || or_v3_hs_result(hc->v3->hs, &res, NULL) != OR_OK) {
        return 0;
    }
    return res.suite;
}

void
or_v3_conn_free(or_v3_conn_t *v)
{
    if (v == NULL) {
        return;
    }
    or_v3_hs_free(v->hs);
    or_v3_rec_free(v->rec);
    or_pex_conn_clear(&v->pex);
    free(v);
}

/* Counts reason, tells the peer its class (REFUSE, or CLOSE once there
 * are records), logs and closes. Always -1, for "return v3_refuse()". */
static int
v3_refuse(or_hs_conn_t *hc, int reason, const char *detail)
{
    or_v3_conn_t  *v = hc->v3;
    unsigned char  f[64];
    size_t         n = 0;
    unsigned       code;
    char           why[320];
    or_err_t       rc;

    or_hs_count(hc->hs, hc->node, reason);
    code = reason < OR_R_LAST ? or_v3_reason_code((or_reason_t) reason)
           : reason == OR_SR_TIMEOUT ? OR_V3_CODE_TIMEOUT : OR_V3_CODE_POLICY;
    rc = v->rec != NULL
         ? or_v3_rec_seal_close(v->rec, now_ms(), code, NULL, f, sizeof(f),
                                &n, NULL)
         : or_v3_refuse_build(code, f, sizeof(f), &n, NULL);
    if (rc == OR_OK && or_conn_send(hc->c, f, n) != OR_OK) {
        /* the peer may be gone already; we close anyway */
        or_log_ctx_debug(&hc->log, 0, "v3 refusal not sent: %s",
                         or_session_reason_name(reason));
    }
    snprintf(why, sizeof(why), "v3 %s%s%.200s%s",
             or_session_reason_name(reason), detail[0] ? " (" : "", detail,
             detail[0] ? ")" : "");
    or_hs_conn_close(hc, OR_LOG_INFO, why);
    return -1;
}

/* our policy on the caller, then the verify, the cache, and only then
 * (the caller) the sign */
static int
v3_policy(or_hs_conn_t *hc, int64_t now)
{
    or_hs_t        *hs = hc->hs;
    unsigned char   key[OR_V3_HASH_LEN];
    char            hex[OR_V3_ID_HEX_LEN + 1];
    or_errbuf_t     eb;
    or_err_t        rc;
    const char     *why = "";

    or_v3_id_hex(or_v3_hs_peer_id(hc->v3->hs), hex);
    memcpy(hc->peer, hex, OR_FP_LEN);
    hc->peer[OR_FP_LEN] = '\0';
    for (size_t i = 0; i < hs->nnodes; i++) {
        if (strcmp(hs->nodes[i].fp, hc->peer) == 0) {
            return v3_refuse(hc, OR_SR_SELF, hs->nodes[i].id);
        }
    }
    if (!or_hs_filter_ok(hc, now / 1000, &why)) {
        return v3_refuse(hc, OR_SR_FILTERED, why);
    }
    /*
     * Only a verified MSG1 enters the replay cache, which v2 shares: an
     * unverified one would let anyone fill it for free and raise its floor
     * over every handshake. A replay cannot become a session anyway (§8):
     * the cache spares the sign.
     */
    memset(&eb, 0, sizeof(eb));
    if (or_v3_resp_verify(hc->v3->hs, &eb) != OR_OK) {
        return v3_refuse(hc, eb.reason, eb.msg);
    }
    if (or_v3_hs_msg1_sig_hash(hc->v3->hs, key, NULL) != OR_OK) {
        return v3_refuse(hc, OR_R_CRYPTO, "hashing sig_i");
    }
    or_shm_lock(hs->replay);
    rc = or_replay_check_add(or_shm_addr(hs->replay), key, hc->peer,
                             now / 1000, now / 1000, OR_HANDSHAKE_WINDOW);
    or_shm_unlock(hs->replay);
    if (rc != OR_OK) {
        return v3_refuse(hc, rc == OR_AGAIN ? OR_SR_BUSY : OR_SR_REPLAY,
                         hc->peer);
    }
    return 0;
}

static int
v3_msg1(or_hs_conn_t *hc, const unsigned char *f, size_t n)
{
    unsigned char   out[OR_V3_FRAME_HDR + OR_V3_HS_LEN_MAX];
    size_t          outlen;
    or_errbuf_t     eb;
    int64_t         now = now_ms();

    memset(&eb, 0, sizeof(eb));
    if (or_v3_resp_msg1(hc->v3->hs, f, n, now, &eb) != OR_OK) {
        return v3_refuse(hc, eb.reason, eb.msg);
    }
    if (v3_policy(hc, now) != 0) {
        return -1;
    }
    if (or_v3_resp_msg2(hc->v3->hs, now, NULL, out, sizeof(out), &outlen,
                        &eb) != OR_OK)
    {
        return v3_refuse(hc, eb.reason, eb.msg);
    }
    if (or_conn_send(hc->c, out, outlen) != OR_OK) {
        or_hs_conn_close(hc, OR_LOG_INFO, "v3: writing MSG2 failed");
        return -1;
    }
    hc->v3->step = V3_MSG3;
    return 0;
}

/* seals one record and queues it; OR_OK or why not */
static or_err_t
v3_send_record(or_hs_conn_t *hc, unsigned type, const void *body,
    size_t len)
{
    unsigned char  f[OR_V3_FRAME_HDR * 2 + OR_V3_REC_LEN_MIN * 2
                     + OR_V3_PING_MAX];
    size_t         n;
    or_err_t       rc;

    rc = or_v3_rec_seal(hc->v3->rec, now_ms(), type, body, len, f, sizeof(f),
                        &n, NULL);
    if (rc == OR_OK) {
        rc = or_conn_send(hc->c, f, n);
    }
    if (rc == OR_OK) {
        hc->v3->last_out = mono_ms();
    }
    return rc;
}

/*
 * §7.4 on a session: PING after OR_V3_PING_MS with nothing sent, CLOSE
 * (timeout) after OR_V3_IDLE_MS with nothing received, so that a peer
 * that vanished is gone within seconds. Re-armed for the nearer of both.
 */
static void
v3_tick(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    or_hs_conn_t  *hc = data;
    or_v3_conn_t  *v = hc->v3;
    int64_t        now = mono_ms(), a, b;
    unsigned char  body[2] = { 0, OR_V3_CODE_TIMEOUT };

    (void) loop;
    (void) t;
    if (now - v->last_in >= OR_V3_IDLE_MS) {
        or_hs_count(hc->hs, hc->node, OR_SR_TIMEOUT);
        if (v3_send_record(hc, OR_V3_REC_CLOSE, body, 2) != OR_OK) {
            /* closing anyway */
            or_log_ctx_debug(&hc->log, 0, "v3 idle close not sent");
        }
        or_hs_conn_close(hc, OR_LOG_INFO, "v3 idle: nothing received for "
                         "45 s");
        return;
    }
    if (now - v->last_out >= OR_V3_PING_MS
        && v3_send_record(hc, OR_V3_REC_PING, NULL, 0) != OR_OK)
    {
        or_hs_conn_close(hc, OR_LOG_INFO, "v3: sending PING failed");
        return;
    }
    or_pex_tick(hc);
    a = OR_V3_PING_MS - (now - v->last_out);
    b = OR_V3_IDLE_MS - (now - v->last_in);
    a = a < b ? a : b;
    if (or_conn_deadline(hc->c, (uint64_t) (a > 1 ? a : 1), v3_tick)
        != OR_OK)
    {
        or_hs_conn_close(hc, OR_LOG_NOTICE, "v3: cannot arm the keepalive");
    }
}

/* our side of the handshake is done: record, announce, records */
static int
v3_session(or_hs_conn_t *hc)
{
    or_v3_conn_t    *v = hc->v3;
    or_v3_result_t   res;
    or_errbuf_t      eb;
    char             full[160], hex[OR_V3_ID_HEX_LEN + 1];
    or_err_t         rc;

    memset(&eb, 0, sizeof(eb));
    if (or_v3_hs_result(v->hs, &res, &eb) != OR_OK
        || or_v3_hs_take_records(v->hs, now_ms(), &v->rec, &eb) != OR_OK)
    {
        return v3_refuse(hc, eb.reason, eb.msg);
    }
    or_v3_id_hex(res.peer_id, hex);
    memcpy(hc->peer, hex, OR_FP_LEN);
    hc->peer[OR_FP_LEN] = '\0';
    for (size_t i = 0; i < OR_V3_SID_LEN; i++) {
        snprintf(hc->link + 2 * i, 3, "%02x", res.sid[i]);
    }
    rc = or_hs_record(hc, full, sizeof(full));
    if (rc != OR_OK) {
        return v3_refuse(hc, rc == OR_AGAIN ? OR_SR_DUPLICATE : OR_SR_FULL,
                         rc == OR_AGAIN ? "" : full);
    }
    or_seen_v3_add(hc->hs->cycle, res.peer_id);     /* never v2 again */
    memcpy(v->peer_id, res.peer_id, OR_V3_ID_LEN);
    v->has_peer_id = 1;
    if (or_conn_set_inmax(hc->c, OR_V3_FRAME_HDR + OR_V3_REC_LEN_MAX)
        != OR_OK)
    {
        or_hs_conn_close(hc, OR_LOG_INFO, "v3: growing the input buffer");
        return -1;
    }
    v->step = V3_RECORDS;
    hc->state = OR_HS_SESSION;
    hc->hs->pending--;
    hc->counted_pending = 0;
    or_timer_del(hc->c->loop, &hc->c->deadline);
    v->last_in = v->last_out = mono_ms();
    if (or_conn_deadline(hc->c, OR_V3_PING_MS, v3_tick) != OR_OK) {
        or_hs_conn_close(hc, OR_LOG_NOTICE, "v3: cannot arm the keepalive");
        return -1;
    }
    or_hs_established(hc);
    or_pex_session_up(hc);
    return 0;
}

/* responder, after a valid MSG3 only: the session exists (§5.6) */
static int
v3_msg3(or_hs_conn_t *hc, const unsigned char *f, size_t n)
{
    or_errbuf_t  eb;

    memset(&eb, 0, sizeof(eb));
    if (or_v3_resp_msg3(hc->v3->hs, f, n, &eb) != OR_OK) {
        return v3_refuse(hc, eb.reason, eb.msg);
    }
    return v3_session(hc);
}

/* initiator: MSG2 (or the peer's REFUSE), then MSG3 and the session */
static int
v3_msg2(or_hs_conn_t *hc, const unsigned char *f, size_t n)
{
    unsigned char  out[OR_V3_FRAME_HDR + OR_V3_MSG3_LEN];
    size_t         len;
    unsigned       code;
    or_errbuf_t    eb;
    char           why[64];

    if (n == OR_V3_FRAME_HDR + 3 && f[OR_V3_FRAME_HDR] == OR_V3_HS_REFUSE
        && or_v3_refuse_parse(f, n, &code, NULL) == OR_OK)
    {
        or_hs_count(hc->hs, hc->node, OR_R_PEER_ERROR);
        snprintf(why, sizeof(why), "refused by the peer (v3 code %u)", code);
        or_hs_conn_close(hc, OR_LOG_INFO, why);
        return -1;
    }
    memset(&eb, 0, sizeof(eb));
    if (or_v3_init_msg2(hc->v3->hs, f, n, now_ms(), out, sizeof(out), &len,
                        &eb) != OR_OK)
    {
        return v3_refuse(hc, eb.reason, eb.msg);
    }
    if (or_conn_send(hc->c, out, len) != OR_OK) {
        or_hs_conn_close(hc, OR_LOG_INFO, "v3: writing MSG3 failed");
        return -1;
    }
    return v3_session(hc);
}

or_err_t
or_v3_conn_dial(or_hs_conn_t *hc, const unsigned char *id)
{
    hc->v3 = calloc(1, sizeof(*hc->v3));
    if (hc->v3 == NULL
        || or_v3_init_new(hc->hs->nodes[hc->node].key, id, OR_V3_SUITES_ALL,
                          &hc->v3->hs, NULL) != OR_OK)
    {
        return OR_ENOMEM;
    }
    hc->v3->step = V3_I_MSG2;
    return OR_OK;
}

void
or_v3_conn_connected(or_hs_conn_t *hc)
{
    unsigned char  out[OR_V3_MAGIC_LEN + OR_V3_FRAME_HDR + OR_V3_HS_LEN_MAX];
    size_t         len;
    or_errbuf_t    eb;

    memset(&eb, 0, sizeof(eb));
    if (or_v3_init_msg1(hc->v3->hs, now_ms(), NULL, out, sizeof(out), &len,
                        &eb) != OR_OK)
    {
        or_hs_conn_close(hc, OR_LOG_ERR, eb.msg);
        return;
    }
    hc->state = OR_HS_SENT;
    if (or_event_mod(hc->c->loop, hc->c->fd, OR_EV_READ) != OR_OK
        || or_conn_send(hc->c, out, len) != OR_OK)
    {
        or_hs_conn_close(hc, OR_LOG_INFO, "v3: writing MSG1 failed");
    }
}

static int
v3_message(or_hs_conn_t *hc, const or_v3_rec_in_t *in)
{
    or_hs_node_t  *n = &hc->hs->nodes[hc->node];
    json_t        *obj;
    or_errbuf_t    eb;
    char           why[320];

    memset(&eb, 0, sizeof(eb));
    if (or_json_load((const char *) in->body, in->len, OR_MESSAGE_MAX, &obj,
                     &eb) != OR_OK)
    {
        snprintf(why, sizeof(why), "bad message: %s (%s)",
                 or_reason_name(eb.reason), eb.msg);
        or_hs_conn_close(hc, OR_LOG_INFO, why);
        return -1;
    }
    if (json_is_object(obj) && or_pex_message(hc, obj)) {
        json_decref(obj);           /* session control, not the app's */
        return 0;
    }
    json_decref(obj);
    or_message_io_count(hc, 1, in->len);
    or_log_ctx_ratelimited(&hc->log, OR_LOG_INFO, "message received", 0,
                           "message received: %zu bytes, v3, fingerprint: "
                           "%s", in->len, hc->peer);
    /* the message's direction, not the session's (who dialled) */
    or_evring_publish(hc->hs->cycle, OR_EVT_MESSAGE, n->id, hc->peer, "in",
                      (const char *) in->body, in->len);
    return 0;
}

static int
v3_record(or_hs_conn_t *hc, unsigned char *f, size_t n)
{
    or_v3_rec_in_t  in;
    or_errbuf_t     eb;
    char            why[320];

    memset(&eb, 0, sizeof(eb));
    if (or_v3_rec_open(hc->v3->rec, f, n, now_ms(), &in, &eb) != OR_OK) {
        snprintf(why, sizeof(why), "v3 record refused: %s (%s)",
                 or_reason_name(eb.reason), eb.msg);
        or_hs_conn_close(hc, OR_LOG_INFO, why);
        return -1;
    }
    hc->v3->last_in = mono_ms();
    switch (in.type) {
    case OR_V3_REC_MSG:
        return v3_message(hc, &in);
    case OR_V3_REC_PING:
        if (v3_send_record(hc, OR_V3_REC_PONG, in.body, in.len) != OR_OK) {
            or_hs_conn_close(hc, OR_LOG_INFO, "v3: answering PING failed");
            return -1;
        }
        return 0;
    case OR_V3_REC_CLOSE:
        snprintf(why, sizeof(why), "closed by peer (v3 code %u)", in.code);
        or_hs_conn_close(hc, OR_LOG_INFO, why);
        return -1;
    default:
        return 0;                       /* PONG, REKEY: nothing to do */
    }
}

static int
v3_frame(or_hs_conn_t *hc, unsigned char *f, size_t n)
{
    switch (hc->v3->step) {
    case V3_MSG1:
        return v3_msg1(hc, f, n);
    case V3_MSG3:
        return v3_msg3(hc, f, n);
    case V3_I_MSG2:
        return v3_msg2(hc, f, n);
    default:
        return v3_record(hc, f, n);
    }
}

int
or_v3_conn_input(or_hs_conn_t *hc)
{
    or_conn_t    *c = hc->c;
    or_errbuf_t   eb;
    size_t        total, min, max;
    or_err_t      rc;
    int           step;

    if (hc->v3 == NULL) {
        hc->v3 = calloc(1, sizeof(*hc->v3));
        if (hc->v3 == NULL
            || or_v3_resp_new(hc->hs->nodes[hc->node].key, OR_V3_SUITES_ALL,
                              OR_V3_SUITE_CHACHA, &hc->v3->hs, NULL)
               != OR_OK)
        {
            or_hs_conn_refuse(hc, OR_R_NOMEM, "v3 state");
            return -1;
        }
    }
    while (c->inlen > 0) {
        step = hc->v3->step;
        if (step == V3_I_MSG2 && c->in[0] == '{') {
            /* §3: a v2-only peer; never fall back on this connection */
            or_hs_count(hc->hs, hc->node, OR_R_V3_MAGIC);
            or_hs_conn_close(hc, OR_LOG_INFO, "v3_bad_magic (the peer "
                             "answered in v2)");
            return -1;
        }
        min = step == V3_RECORDS ? OR_V3_REC_LEN_MIN : 1;
        max = step == V3_RECORDS ? OR_V3_REC_LEN_MAX
              : step == V3_MSG3 ? OR_V3_MSG3_LEN : OR_V3_HS_LEN_MAX;
        memset(&eb, 0, sizeof(eb));
        rc = or_v3_frame_need((unsigned char *) c->in, c->inlen,
                              step == V3_MSG1, min, max, &total, &eb);
        if (rc == OR_AGAIN || (rc == OR_OK && total > c->inlen)) {
            return 0;
        }
        if (rc != OR_OK) {
            if (step == V3_RECORDS) {
                or_hs_conn_close(hc, OR_LOG_INFO, "v3 record frame refused");
                return -1;
            }
            return v3_refuse(hc, eb.reason, eb.msg);
        }
        if (v3_frame(hc, (unsigned char *) c->in, total) != 0) {
            return -1;
        }
        or_conn_consume(c, total);
    }
    return 0;
}

or_err_t
or_v3_conn_send(or_hs_conn_t *hc, const char *payload, size_t len)
{
    unsigned char  *out;
    size_t          cap = len + 2 * (OR_V3_FRAME_HDR + OR_V3_REC_LEN_MIN),
                    n;
    or_errbuf_t     eb;
    or_err_t        rc;

    if (len == 0 || len > OR_MESSAGE_MAX) {
        return OR_ETOOBIG;
    }
    out = malloc(cap);
    if (out == NULL) {
        return OR_ENOMEM;
    }
    rc = or_v3_rec_seal(hc->v3->rec, now_ms(), OR_V3_REC_MSG, payload, len,
                        out, cap, &n, &eb);
    if (rc == OR_OK) {
        rc = or_conn_send(hc->c, out, n);
    }
    free(out);
    if (rc == OR_OK) {
        hc->v3->last_out = mono_ms();
        or_message_io_count(hc, 0, len);
        or_evring_publish(hc->hs->cycle, OR_EVT_MESSAGE,
                          hc->hs->nodes[hc->node].id, hc->peer, "out",
                          (const char *) payload, len);
    }
    return rc;
}

or_err_t
or_v3_conn_export(const or_hs_conn_t *hc, or_v3_rec_state_t *st,
    uint64_t *in_age_ms, uint64_t *out_age_ms)
{
    int64_t  now = mono_ms();

    if (hc->v3 == NULL || hc->v3->step != V3_RECORDS || hc->v3->rec == NULL) {
        return OR_EPROTO;
    }
    or_v3_rec_export(hc->v3->rec, st);
    *in_age_ms = now > hc->v3->last_in ? (uint64_t) (now - hc->v3->last_in)
                                       : 0;
    *out_age_ms = now > hc->v3->last_out
                  ? (uint64_t) (now - hc->v3->last_out) : 0;
    return OR_OK;
}

or_err_t
or_v3_conn_adopt(or_hs_conn_t *hc, const or_v3_rec_state_t *st,
    uint64_t in_age_ms, uint64_t out_age_ms)
{
    or_v3_conn_t  *v;
    int64_t        now = mono_ms(), a, b;

    if (in_age_ms > OR_V3_IDLE_MS || out_age_ms > OR_V3_IDLE_MS) {
        in_age_ms = in_age_ms > OR_V3_IDLE_MS ? OR_V3_IDLE_MS : in_age_ms;
        out_age_ms = out_age_ms > OR_V3_IDLE_MS ? OR_V3_IDLE_MS : out_age_ms;
    }
    v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return OR_ENOMEM;
    }
    if (or_v3_rec_import(st, &v->rec, NULL) != OR_OK) {
        free(v);
        return OR_EPROTO;
    }
    hc->v3 = v;
    v->step = V3_RECORDS;
    v->last_in = now - (int64_t) in_age_ms;
    v->last_out = now - (int64_t) out_age_ms;
    if (or_conn_set_inmax(hc->c, OR_V3_FRAME_HDR + OR_V3_REC_LEN_MAX)
        != OR_OK)
    {
        return OR_ENOMEM;
    }
    hc->state = OR_HS_SESSION;
    if (hc->counted_pending) {
        hc->hs->pending--;
        hc->counted_pending = 0;
    }
    a = OR_V3_PING_MS - (int64_t) out_age_ms;
    b = OR_V3_IDLE_MS - (int64_t) in_age_ms;
    a = a < b ? a : b;
    return or_timer_add(hc->c->loop, &hc->c->deadline,
                        (uint64_t) (a > 1 ? a : 1), v3_tick, hc);
}

void
or_v3_conn_say_close(or_hs_conn_t *hc, unsigned code)
{
    unsigned char  f[64];
    size_t         n;

    if (hc->v3 == NULL || hc->v3->rec == NULL
        || or_v3_rec_seal_close(hc->v3->rec, now_ms(), code, NULL, f,
                                sizeof(f), &n, NULL) != OR_OK)
    {
        return;
    }
    if (or_conn_send(hc->c, f, n) != OR_OK) {
        /* the peer may be gone already; the session ends anyway */
        or_log_ctx_debug(&hc->log, 0, "v3 CLOSE not sent");
    }
}

or_pex_conn_t *
or_v3_conn_pex_state(or_hs_conn_t *hc)
{
    return hc->v3 != NULL && hc->v3->step == V3_RECORDS ? &hc->v3->pex
           : NULL;
}

const unsigned char *
or_v3_conn_peer_id(const or_hs_conn_t *hc)
{
    return hc->v3 != NULL && hc->v3->has_peer_id ? hc->v3->peer_id : NULL;
}

or_err_t
or_v3_conn_send_control(or_hs_conn_t *hc, const char *payload, size_t len)
{
    unsigned char  *out;
    size_t          cap = len + 2 * (OR_V3_FRAME_HDR + OR_V3_REC_LEN_MIN),
                    n;
    or_err_t        rc;

    if (hc->v3 == NULL || hc->v3->rec == NULL || len == 0
        || len > OR_MESSAGE_MAX)
    {
        return len > OR_MESSAGE_MAX ? OR_ETOOBIG : OR_EPROTO;
    }
    out = malloc(cap);
    if (out == NULL) {
        return OR_ENOMEM;
    }
    rc = or_v3_rec_seal(hc->v3->rec, now_ms(), OR_V3_REC_MSG, payload, len,
                        out, cap, &n, NULL);
    if (rc == OR_OK) {
        rc = or_conn_send(hc->c, out, n);
    }
    free(out);
    if (rc == OR_OK) {
        hc->v3->last_out = mono_ms();
    }
    return rc;
}
