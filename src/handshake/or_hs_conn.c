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

void
or_hs_conn_close(or_hs_conn_t *hc, or_log_level_t level, const char *reason)
{
    or_hs_t      *hs = hc->hs;
    or_hs_node_t *n = &hs->nodes[hc->node];
    int           was_session = hc->state == OR_HS_SESSION;

    if (reason != NULL && was_session) {
        or_log_error(hs->cycle->log, level, 0, "session closed: %s, node: %s, "
                     "peer: %s, fingerprint: %s, bytes in: %llu", reason,
                     n->id, hc->c->peer, hc->peer, (unsigned long long)
                     hc->c->bytes_in);
        or_evring_publish(hs->cycle, OR_EVT_SESSION_CLOSED, n->id, hc->peer,
                          reason, NULL, 0);
    } else if (reason != NULL) {
        or_log_error(hs->cycle->log, level, 0, "handshake %s: %s, node: %s, "
                     "peer: %s", hc->direction == OR_SESSION_IN ? "refused"
                     : "failed", reason, n->id, hc->c->peer);
    }
    if (!was_session && hc->direction == OR_SESSION_OUT) {
        or_evring_publish(hs->cycle, OR_EVT_HANDSHAKE_FAILED, n->id,
                          hc->sent.dialled, reason, NULL, 0);
        if (hs->dial_done != NULL) {
            hs->dial_done(hs, hc->node, hc->sent.dialled, 0, hs->dial_data);
        }
    }
    hs_session_remove(hc);
    if (hc->counted_pending) {
        hs->pending--;
    }
    if (hc->counted_inbound) {
        n->inbound--;
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
}

void
or_hs_conn_refuse(or_hs_conn_t *hc, int reason, const char *detail)
{
    char   reply[256];
    size_t len = 0;
    char   why[320];

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
        if (len > 0 && or_conn_send(hc->c, reply, len) != OR_OK) {
            /* the peer may be gone already; we close anyway */
        }
    }
    snprintf(why, sizeof(why), "%s%s%s", or_session_reason_name(reason),
             detail && detail[0] ? " (" : "", detail && detail[0] ? detail
             : "");
    if (detail && detail[0]) {
        strncat(why, ")", sizeof(why) - strlen(why) - 1);
    }
    or_hs_conn_close(hc, OR_LOG_INFO, why);
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
