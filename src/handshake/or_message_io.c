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
#include "or_evring.h"
#include "or_hs_conn.h"
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

int
or_message_io_receive(or_hs_conn_t *hc, const char *json, size_t len)
{
    or_hs_node_t    *n = &hc->hs->nodes[hc->node];
    or_v2_message_t  msg;
    or_errbuf_t      eb;
    char             why[320];

    memset(&eb, 0, sizeof(eb));
    if (or_v2_message_parse(json, len, &msg, &eb) != OR_OK) {
        snprintf(why, sizeof(why), "bad message: %s (%s)",
                 or_reason_name(eb.reason), eb.msg);
        or_hs_conn_close(hc, OR_LOG_INFO, why);
        return -1;
    }
    /* compat: the original sends "mutual_link": null; a link given must
     * be ours. Source and target must be the session's two ends. */
    if (strcmp(msg.source, hc->peer) != 0 || strcmp(msg.target, n->fp) != 0
        || (msg.has_link && strcmp(msg.mutual_link, hc->link) != 0))
    {
        or_v2_message_clear(&msg);
        or_hs_conn_close(hc, OR_LOG_INFO, "message not from this session's "
                         "peer (source, target or mutual_link differ)");
        return -1;
    }
    or_message_io_count(hc, 1, len);
    or_log_error(hc->hs->cycle->log, OR_LOG_INFO, 0, "message received: %zu "
                 "bytes, node: %s, peer: %s, fingerprint: %s", len, n->id,
                 hc->c->peer, hc->peer);
    or_evring_publish(hc->hs->cycle, OR_EVT_MESSAGE, n->id, hc->peer,
                      hc->direction == OR_SESSION_IN ? "in" : "out",
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
        or_message_io_count(hc, 0, outlen);
    } else if (rc == OR_ERROR) {
        or_hs_conn_close(hc, OR_LOG_INFO, "write() failed");
    }
    return rc;
}
