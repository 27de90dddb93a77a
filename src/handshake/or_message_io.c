/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Messages on established sessions: the v2 framing (JSON objects back to
 * back, cut by the connection's reader), checks that a message belongs
 * to its session, counters, the log line and the `watch` event. v3
 * sessions send through or_v3_conn.c.
 */
#include "or_message_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "or_cycle.h"
#include "or_event.h"
#include "or_evring.h"
#include "or_hs_conn.h"
#include "or_limits.h"
#include "or_log.h"
#include "or_session.h"
#include "or_shm.h"
#include "or_v3_conn.h"

void
or_message_io_count(or_hs_conn_t *hc, int in, size_t bytes)
{
    or_session_table_t *t = or_shm_addr(hc->hs->sessions);
    or_session_t       *s;

    if (hc->slot < 0) {
        return;
    }
    or_shm_lock(hc->hs->sessions);
    s = &t->slots[hc->slot];
    if (s->id == hc->id) {
        s->last_activity = (int64_t) time(NULL);
        if (in) {
            s->messages_in++;
            s->bytes_in += bytes;
        } else {
            s->messages_out++;
            s->bytes_out += bytes;
        }
    }
    or_shm_unlock(hc->hs->sessions);
}

/* The session's token buckets (a second's worth each), refilled by the
 * time since the last message; 1 if one message of len bytes fits. */
static int
hs_budget_take(or_hs_conn_t *hc, size_t len, uint64_t now)
{
    or_hs_node_t *n = &hc->hs->nodes[hc->node];
    uint64_t      mcap = n->msg_rate * 1000, bcap = n->byte_rate * 1000;
    uint64_t      dt = hc->budget_ms ? now - hc->budget_ms : UINT64_MAX;

    if (dt == UINT64_MAX || dt >= 1000) {
        hc->tok_msgs = mcap;
        hc->tok_bytes = bcap;
    } else {
        hc->tok_msgs = hc->tok_msgs + n->msg_rate * dt > mcap ? mcap
                       : hc->tok_msgs + n->msg_rate * dt;
        hc->tok_bytes = hc->tok_bytes + n->byte_rate * dt > bcap ? bcap
                        : hc->tok_bytes + n->byte_rate * dt;
    }
    hc->budget_ms = now;
    if (hc->tok_msgs < 1000 || hc->tok_bytes < (uint64_t) len * 1000) {
        return 0;
    }
    hc->tok_msgs -= 1000;
    hc->tok_bytes -= (uint64_t) len * 1000;
    return 1;
}

/* A message over the budget: dropped before it is parsed and counted;
 * drops in OR_FLOOD_SECONDS consecutive seconds close the session as
 * "flood". -1 if hc was closed. */
static int
hs_over_budget(or_hs_conn_t *hc, size_t len, uint64_t now)
{
    or_session_table_t *t = or_shm_addr(hc->hs->sessions);
    uint64_t            sec = now / 1000;

    or_hs_count(hc->hs, hc->node, OR_SR_RATE);
    if (hc->slot >= 0) {
        or_shm_lock(hc->hs->sessions);
        if (t->slots[hc->slot].id == hc->id) {
            t->slots[hc->slot].messages_dropped++;
        }
        or_shm_unlock(hc->hs->sessions);
    }
    if (hc->flood_streak == 0 || sec > hc->flood_sec + 1) {
        hc->flood_streak = 1;
    } else if (sec == hc->flood_sec + 1) {
        hc->flood_streak++;
    }
    hc->flood_sec = sec;
    or_log_ctx_ratelimited(&hc->log, OR_LOG_INFO, "message dropped", 0,
                           "message dropped: %zu bytes over "
                           "max_message_rate/max_message_byte_rate, "
                           "fingerprint: %s", len, hc->peer);
    if (hc->flood_streak >= OR_FLOOD_SECONDS) {
        or_hs_count(hc->hs, hc->node, OR_SR_FLOOD);
        or_hs_conn_close(hc, OR_LOG_INFO, "flood");
        return -1;
    }
    return 0;
}

int
or_message_io_receive(or_hs_conn_t *hc, const char *json, size_t len)
{
    or_hs_node_t    *n = &hc->hs->nodes[hc->node];
    or_v2_message_t  msg;
    or_errbuf_t      eb;
    char             why[320];
    int              wrong;

    hc->last_msg_ms = or_event_now_ms(hc->c->loop);
    if (!hs_budget_take(hc, len, hc->last_msg_ms)) {
        return hs_over_budget(hc, len, hc->last_msg_ms);
    }
    memset(&eb, 0, sizeof(eb));
    if (or_v2_message_parse(json, len, &msg, &eb) != OR_OK) {
        or_hs_count(hc->hs, hc->node, eb.reason);
        snprintf(why, sizeof(why), "bad message: %s (%s)",
                 or_reason_name(eb.reason), eb.msg);
        or_hs_conn_close(hc, OR_LOG_INFO, why);
        return -1;
    }
    /* compat: the original sends "mutual_link": null; a link given must
     * be ours. Source and target must be the session's two ends. Counted
     * under the reason the handshake uses for the same mismatch. */
    wrong = strcmp(msg.source, hc->peer) != 0 ? OR_R_WRONG_PEER
            : strcmp(msg.target, n->fp) != 0 ? OR_R_NOT_FOR_US
            : msg.has_link && strcmp(msg.mutual_link, hc->link) != 0
              ? OR_R_LINK_MISMATCH : OR_R_NONE;
    if (wrong != OR_R_NONE) {
        or_v2_message_clear(&msg);
        or_hs_count(hc->hs, hc->node, wrong);
        snprintf(why, sizeof(why), "message not from this session's peer "
                 "(%s)", or_reason_name((or_reason_t) wrong));
        or_hs_conn_close(hc, OR_LOG_INFO, why);
        return -1;
    }
    or_message_io_count(hc, 1, len);
    or_log_ctx_ratelimited(&hc->log, OR_LOG_INFO, "message received", 0,
                           "message received: %zu bytes, fingerprint: %s",
                           len, hc->peer);
    /* the message's direction, not the session's (who dialled) */
    or_evring_publish(hc->hs->cycle, OR_EVT_MESSAGE, n->id, hc->peer, "in",
                      msg.payload, msg.payload_len);
    or_v2_message_clear(&msg);
    return 0;
}

or_err_t
or_message_io_send(or_hs_t *hs, uint64_t id, const char *payload, size_t len)
{
    or_hs_conn_t    *hc;
    or_errbuf_t      eb;
    struct timespec  ts;
    size_t           cap = len + 1024, outlen;
    char            *out;
    or_err_t         rc;

    for (hc = hs->conns; hc != NULL; hc = hc->next) {
        if (hc->state == OR_HS_SESSION && hc->id == id) {
            break;
        }
    }
    if (hc == NULL) {
        return OR_AGAIN;
    }
    if (hc->v3 != NULL) {
        rc = or_v3_conn_send(hc, payload, len);
        if (rc == OR_ERROR) {
            or_hs_conn_close(hc, OR_LOG_INFO, "write() failed");
        }
        return rc;
    }
    out = malloc(cap);
    if (out == NULL) {
        return OR_ENOMEM;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    rc = or_v2_message_build(hs->nodes[hc->node].fp, hc->peer,
                             (double) ts.tv_sec + ts.tv_nsec / 1e9, hc->link,
                             payload, len, out, cap, &outlen, &eb);
    if (rc == OR_OK) {
        rc = or_conn_send(hc->c, out, outlen);
    }
    free(out);
    if (rc == OR_OK) {
        hc->last_msg_ms = or_event_now_ms(hc->c->loop);
        or_message_io_count(hc, 0, outlen);
        or_evring_publish(hs->cycle, OR_EVT_MESSAGE, hs->nodes[hc->node].id,
                          hc->peer, "out", payload, len);
    } else if (rc == OR_ERROR) {
        or_hs_conn_close(hc, OR_LOG_INFO, "write() failed");
    }
    return rc;
}
