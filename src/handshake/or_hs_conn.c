/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The life of a handshake connection: creation, the one close path (a
 * line with the reason, the session's end published, everything freed)
 * and refusals in the original's {"error": ...} shape.
 */
#include "or_hs_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "or_cycle.h"
#include "or_evring.h"
#include "or_limits.h"
#include "or_session.h"
#include "or_shm.h"
#include "or_v3_conn.h"
#include "or_worker.h"

static void
hs_session_remove(or_hs_conn_t *hc)
{
    or_session_table_t *t = or_shm_addr(hc->hs->sessions);

    if (hc->slot < 0) {
        return;
    }
    or_shm_lock(hc->hs->sessions);
    or_session_remove(t, hc->slot, hc->id);
    or_shm_unlock(hc->hs->sessions);
    hc->slot = -1;
}

/* A peer decides how often a connection of ours closes: the lines at
 * info go through the log's rate limiter (or_log.h), by key. */
static void
hs_close(or_hs_conn_t *hc, or_log_level_t level, const char *key,
    const char *reason)
{
    or_hs_t      *hs = hc->hs;
    or_hs_node_t *n = &hs->nodes[hc->node];
    int           was_session = hc->state == OR_HS_SESSION;
    int           hc_counted_in;
    size_t        node;

    if (key == NULL) {
        key = was_session ? "session closed"
              : hc->direction == OR_SESSION_IN ? "handshake refused"
              : "handshake failed";
    }
    if (hc->handed_over) {
        reason = NULL;          /* nothing ended: another worker has it */
    }
    if (reason != NULL && was_session) {
        or_log_ctx_ratelimited(&hc->log, level, key, 0, "session closed: "
                               "%s, fingerprint: %s, bytes in: %llu", reason,
                               hc->peer,
                               (unsigned long long) hc->c->bytes_in);
        or_evring_publish(hs->cycle, OR_EVT_SESSION_CLOSED, n->id, hc->peer,
                          reason, NULL, 0);
    } else if (reason != NULL) {
        or_log_ctx_ratelimited(&hc->log, level, key, 0, "handshake %s: %s",
                               hc->direction == OR_SESSION_IN ? "refused"
                               : "failed", reason);
    }
    if (!was_session && hc->direction == OR_SESSION_OUT) {
        or_evring_publish(hs->cycle, OR_EVT_HANDSHAKE_FAILED, n->id,
                          hc->sent.dialled, reason, NULL, 0);
        if (hs->dial_done != NULL) {
            hs->dial_done(hs, hc->node, hc->sent.dialled, 0, hs->dial_data);
        }
    }
    if (!hc->handed_over) {
        hs_session_remove(hc);
    }
    if (hc->src != NULL) {
        if (hc->src_pending) {
            or_hs_source_del_pending(hc->src, hc);
        } else if (hc->src_session) {
            hc->src->sessions--;
        }
        or_hs_source_put(&hs->sources, hc->src);
    }
    hc_counted_in = hc->counted_inbound && !was_session;
    node = hc->node;
    if (hc->counted_pending) {
        hs->pending--;
    }
    if (hc->counted_inbound) {
        n->inbound--;
        n->sessions_in -= was_session;
    }
    *hc->prevp = hc->next;
    if (hc->next != NULL) {
        hc->next->prevp = hc->prevp;
    }
    or_conn_free(hc->c);
    or_json_reader_free(hc->reader);
    or_v3_conn_free(hc->v3);
    free(hc);
    or_worker_conn_release(hs->worker);
    if (hc_counted_in) {
        or_hs_watch(hs, node);
    }
}

void
or_hs_conn_close(or_hs_conn_t *hc, or_log_level_t level, const char *reason)
{
    hs_close(hc, level, NULL, reason);
}

/* "handshake refused: REASON", one rate-limiter key per reason. */
static const char *
hs_refused_key(int reason)
{
    static char keys[OR_SR_LAST][48];

    if (reason < 0 || reason >= OR_SR_LAST) {
        return "handshake refused";
    }
    if (keys[reason][0] == '\0') {
        snprintf(keys[reason], sizeof(keys[reason]), "handshake refused: %s",
                 or_session_reason_name(reason));
    }
    return keys[reason];
}

void
or_hs_conn_refuse(or_hs_conn_t *hc, int reason, const char *detail)
{
    char     reply[256];
    size_t   len = 0;
    char     why[320];
    or_err_t rc;

    or_hs_count(hc->hs, hc->node, reason);
    /* a v3 peer never gets v2 JSON (or_v3_conn.c refuses in v3) */
    if (hc->direction == OR_SESSION_IN && hc->state == OR_HS_ACCEPTED
        && hc->v3 == NULL)
    {
        if (reason < OR_R_LAST) {
            if (or_v2_error_reply((or_reason_t) reason, reply, sizeof(reply),
                                  &len) != OR_OK)
            {
                len = 0;
            }
        } else {
            /* compat: the original's prefix, our reason name */
            len = (size_t) snprintf(reply, sizeof(reply), "{\"error\": "
                  "\"handshake_verification_failed: %s\"}",
                  or_session_reason_name(reason));
        }
        rc = len > 0 ? or_conn_send(hc->c, reply, len) : OR_OK;
        if (rc != OR_OK) {
            /* the peer may be gone already; the refusal is logged anyway */
            or_log_ctx_debug(&hc->log, 0, "refusal not sent: %s",
                             or_strerror(rc));
        }
    }
    snprintf(why, sizeof(why), "%s%s%s", or_session_reason_name(reason),
             detail && detail[0] ? " (" : "", detail && detail[0] ? detail
             : "");
    if (detail && detail[0]) {
        strncat(why, ")", sizeof(why) - strlen(why) - 1);
    }
    hs_close(hc, OR_LOG_INFO, hs_refused_key(reason), why);
}

or_err_t
or_hs_conn_new(or_hs_t *hs, size_t node, int fd, int direction,
    or_hs_conn_t **out)
{
    or_hs_node_t *n = &hs->nodes[node];
    or_hs_conn_t *hc = calloc(1, sizeof(*hc));

    if (hc == NULL) {
        close(fd);
        return OR_ENOMEM;
    }
    if (or_conn_new(hs->worker->loop, fd, n->max_size, OR_CONN_OUT_MAX,
                    &hc->c) != OR_OK
        || or_json_reader_new(n->max_size, &hc->reader) != OR_OK)
    {
        or_conn_free(hc->c);
        free(hc);
        return OR_ENOMEM;
    }
    hc->hs = hs;
    hc->node = node;
    hc->direction = direction;
    /* c->peer is filled in once accept() or the dial knows it */
    hc->log = OR_LOG_CTX(hs->cycle->log, n->id, hc->c->peer);
    hc->slot = -1;
    hc->next = hs->conns;
    hc->prevp = &hs->conns;
    if (hc->next != NULL) {
        hc->next->prevp = &hc->next;
    }
    hs->conns = hc;
    hs->pending++;
    hc->counted_pending = 1;
    or_worker_conn_hold(hs->worker);
    *out = hc;
    return OR_OK;
}
