/*
 * The handshake of one worker's connections. A connection moves through
 * ACCEPTED (responder: waiting for one request object) or CONNECTING ->
 * SENT (initiator: waiting for one response object), then SESSION
 * (or_message_io.c). Every way out goes through or_hs_conn_close().
 */
#include "or_hs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "or_conf.h"
#include "or_conn.h"
#include "or_cycle.h"
#include "or_evring.h"
#include "or_handoff.h"
#include "or_hs_conn.h"
#include "or_log.h"
#include "or_message_io.h"
#include "or_peers.h"
#include "or_replay.h"
#include "or_shm.h"
#include "or_v3_conn.h"
#include "or_worker.h"

/* ms without accept() after it ran out of descriptors */
#define OR_ACCEPT_PAUSE_MS  500

static void hs_event(or_conn_t *c, unsigned events);
static void hs_read(or_hs_conn_t *hc);
static void hs_expired(or_event_loop_t *loop, or_timer_t *t, void *data);
static void hs_accept_pause(or_hs_t *hs, int err);

static or_log_t *
hs_log(or_hs_t *hs)
{
    return hs->cycle->log;
}

static const char *
hs_node_id(or_hs_conn_t *hc)
{
    return hc->hs->nodes[hc->node].id;
}

void
or_hs_count(or_hs_t *hs, size_t node, int reason)
{
    or_session_table_t *t = or_shm_addr(hs->sessions);

    if (node >= OR_SESSION_NODES_MAX || reason < 0 || reason >= OR_SR_LAST) {
        return;
    }
    or_shm_lock(hs->sessions);
    t->refused[node][reason]++;
    or_shm_unlock(hs->sessions);
}

/* ---- responder ---- */

static void
hs_accept_resume(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    or_hs_t *hs = data;

    (void) loop;
    (void) t;
    if (hs->worker->quitting || hs->accepting) {
        return;
    }
    if (or_hs_listen(hs) != OR_OK) {
        hs->accepting = 1;          /* undo the sockets that were added */
        or_hs_stop_accepting(hs);
        hs_accept_pause(hs, errno);
    }
}

/* Out of descriptors or kernel memory: the listening socket stays readable
 * while accept() fails, so a level-triggered loop would spin at 100% CPU
 * (fault_nofile.sh). Stop accepting for a moment, as nginx does, and say
 * so once per pause; the kernel queues connections meanwhile. */
static void
hs_accept_pause(or_hs_t *hs, int err)
{
    or_log_error(hs_log(hs), OR_LOG_WARN, err, "accept() failed; not "
                 "accepting for %d ms (raise worker_connections or the "
                 "descriptor limit)", OR_ACCEPT_PAUSE_MS);
    or_hs_stop_accepting(hs);
    if (or_timer_add(hs->worker->loop, &hs->accept_pause, OR_ACCEPT_PAUSE_MS,
                     hs_accept_resume, hs) != OR_OK
        && or_hs_listen(hs) != OR_OK)
    {
        /* logged by or_hs_listen(); nothing left to retry with */
    }
}

static void
hs_accept(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    or_hs_node_t           *n = data;
    or_hs_t                *hs = n->hs;
    struct sockaddr_storage sa;
    socklen_t               salen = sizeof(sa);
    or_hs_conn_t           *hc;
    char                    addr[64];
    int                     cfd;

    (void) loop;
    (void) events;
    cfd = accept4(fd, (struct sockaddr *) &sa, &salen,
                  SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd == -1) {
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS
            || errno == ENOMEM)
        {
            hs_accept_pause(hs, errno);
        }
        return;
    }
    or_conn_addr_text(&sa, addr, sizeof(addr));
    if (hs->pending >= hs->max_pending || n->inbound >= n->max_inbound) {
        /* A flood of half-open connections must not starve valid peers:
         * refused at once, before any buffer is allocated. */
        or_hs_count(hs, (size_t) (n - hs->nodes), OR_SR_LIMIT);
        or_log_error(hs_log(hs), OR_LOG_INFO, 0, "handshake refused: limit "
                     "(%zu pending, %zu inbound), node: %s, peer: %s",
                     hs->pending, n->inbound, n->id, addr);
        close(cfd);
        return;
    }
    if (or_hs_conn_new(hs, (size_t) (n - hs->nodes), cfd, OR_SESSION_IN,
                       &hc) != OR_OK)
    {
        or_log_error(hs_log(hs), OR_LOG_NOTICE, ENOMEM, "handshake refused: "
                     "out of memory, node: %s, peer: %s", n->id, addr);
        return;
    }
    snprintf(hc->c->peer, sizeof(hc->c->peer), "%s", addr);
    n->inbound++;
    hc->counted_inbound = 1;
    if (or_conn_start(hc->c, OR_EV_READ, hs_event, hc) != OR_OK
        || or_conn_deadline(hc->c, n->timeout_ms, hs_expired) != OR_OK)
    {
        or_hs_conn_close(hc, OR_LOG_NOTICE, "cannot watch the connection");
        return;
    }
    /* TCP_DEFER_ACCEPT (or_listen.h): the request is most likely in
     * already; reading now saves a trip through epoll_wait(). hc may be
     * freed by this: nothing after it. */
    hs_read(hc);
}

/* ---- both sides: a handshake that passed every check ---- */

/* Crossed dials (each side dialled the other): both sides keep the one
 * dialled by the smaller fingerprint, so they agree without talking. */
static int
hs_new_wins(or_hs_conn_t *hc, const or_session_t *old)
{
    const char *ours = hc->hs->nodes[hc->node].fp;
    const char *by_new = hc->direction == OR_SESSION_OUT ? ours : hc->peer;
    const char *by_old = old->direction == OR_SESSION_OUT ? ours : old->peer;

    return old->direction == hc->direction || strcmp(by_new, by_old) < 0;
}

static void
hs_replace(or_hs_conn_t *hc, const or_session_t *old)
{
    or_hs_t *hs = hc->hs;

    or_log_error(hs_log(hs), OR_LOG_NOTICE, 0, "session replaced by a new "
                 "%s handshake, node: %s, fingerprint: %s, old worker: %u",
                 hc->direction == OR_SESSION_IN ? "inbound" : "outbound",
                 hs_node_id(hc), hc->peer, old->worker);
    if (old->pid == getpid()) {
        if (or_hs_close_session(hs, old->id, "replaced") != OR_OK) {
            /* already gone */
        }
    } else if (or_handoff_send(old->handoff, OR_HANDOFF_CLOSE, old->id,
                               "replaced", 8) != OR_OK)
    {
        /* its worker is gone: the slot is stale; drop it */
        or_shm_lock(hs->sessions);
        or_session_purge_pid(or_shm_addr(hs->sessions), old->pid);
        or_shm_unlock(hs->sessions);
    }
}

static void
hs_fill(or_hs_conn_t *hc, or_session_t *s)
{
    or_hs_node_t *n = &hc->hs->nodes[hc->node];

    memset(s, 0, sizeof(*s));
    snprintf(s->node, sizeof(s->node), "%s", n->id);
    memcpy(s->peer, hc->peer, sizeof(s->peer));
    snprintf(s->ours, sizeof(s->ours), "%s", n->fp);
    memcpy(s->mutual_link, hc->link, sizeof(s->mutual_link));
    snprintf(s->address, sizeof(s->address), "%s", hc->c->peer);
    s->direction = hc->direction;
    s->framing = hc->v3 != NULL ? OR_FRAMING_V3 : OR_FRAMING_V2;
    s->suite = hc->v3 != NULL ? or_v3_conn_suite(hc) : 0;
    s->since = (int64_t) time(NULL);
    s->pid = getpid();
    s->handoff = hc->hs->handoff;
    s->worker = hc->hs->worker->index;
}

/* Records the session (replacing or yielding to a live one for the same
 * peer); OR_AGAIN: the live one is kept, refuse this one; OR_ETOOBIG: the
 * table is full (why, into full[]). */
static or_err_t
hs_record(or_hs_conn_t *hc, char *full, size_t fulllen)
{
    or_hs_t            *hs = hc->hs;
    or_session_table_t *t = or_shm_addr(hs->sessions);
    or_session_t        s, old;
    int                 idx, have_old = 0;

    hs_fill(hc, &s);
    or_shm_lock(hs->sessions);
    idx = or_session_find(t, s.node, s.peer);
    if (idx >= 0) {
        old = t->slots[idx];
        if (!hs_new_wins(hc, &old)) {
            or_shm_unlock(hs->sessions);
            return OR_AGAIN;
        }
        have_old = 1;
    }
    idx = or_session_add(t, &s, &hc->id);
    if (idx >= 0 && hc->node < OR_SESSION_NODES_MAX) {
        t->accepted[hc->node]++;
    }
    if (idx < 0) {
        or_session_add_error(t, idx, full, fulllen);
    }
    or_shm_unlock(hs->sessions);
    if (idx < 0) {
        return OR_ETOOBIG;
    }
    hc->slot = idx;
    if (have_old) {
        hs_replace(hc, &old);
    }
    return OR_OK;
}

/* The stream after the handshake: messages up to OR_MESSAGE_MAX each.
 * Only the bound rises: the input buffer grows when a message needs it. */
static or_err_t
hs_to_session(or_hs_conn_t *hc)
{
    or_json_reader_t *r;

    if (or_json_reader_new(OR_MESSAGE_MAX, &r) != OR_OK) {
        return OR_ENOMEM;
    }
    if (or_conn_set_inmax(hc->c, OR_MESSAGE_MAX) != OR_OK) {
        or_json_reader_free(r);
        return OR_ENOMEM;
    }
    or_json_reader_free(hc->reader);
    hc->reader = r;
    hc->scanned = 0;
    hc->state = OR_HS_SESSION;
    hc->hs->pending--;
    hc->counted_pending = 0;
    or_timer_del(hc->c->loop, &hc->c->deadline);
    return OR_OK;
}

static void
hs_established(or_hs_conn_t *hc)
{
    or_hs_t *hs = hc->hs;

    or_log_error(hs_log(hs), OR_LOG_INFO, 0, "session established: %s, "
                 "node: %s, peer: %s, fingerprint: %s, mutual_link: %s",
                 hc->direction == OR_SESSION_IN ? "in" : "out", hs_node_id(hc),
                 hc->c->peer, hc->peer, hc->link);
    or_evring_publish(hs->cycle, OR_EVT_SESSION_ESTABLISHED, hs_node_id(hc),
                      hc->peer, hc->direction == OR_SESSION_IN ? "in" : "out",
                      hc->c->peer, strlen(hc->c->peer));
    if (hc->direction == OR_SESSION_OUT && hs->dial_done != NULL) {
        hs->dial_done(hs, hc->node, hc->peer, 1, hs->dial_data);
    }
}

/* ---- responder: one request ---- */

/* In v2 the request carries no sector: the node filter can only be asked
 * about a peer we discovered (or_peers), found by its fingerprint; an
 * undiscovered peer is not filtered (docs/ARCHITECTURE.md "Handshake"). */
static int
hs_filter_ok(or_hs_conn_t *hc, int64_t now)
{
    const or_node_t *node = hc->hs->nodes[hc->node].node;
    const char      *svc[OR_V2_SERVICES_MAX];
    or_peer_t        p;

    if (node->filter == NULL
        || !or_peers_find(hc->hs->cycle, hc->node, hc->peer, now, &p))
    {
        return 1;
    }
    for (uint32_t i = 0; i < p.nservices && i < OR_V2_SERVICES_MAX; i++) {
        svc[i] = p.services[i];
    }
    return node->filter(node, p.sector, svc, p.nservices);
}

/* The request verified with its key and the key hashes to the source, so
 * a source that is one of our fingerprints is really one of our nodes
 * (dialling itself or a sibling): a session with ourselves is refused. */
static int
hs_refuse_own(or_hs_conn_t *hc)
{
    char detail[160];

    for (size_t i = 0; i < hc->hs->nnodes; i++) {
        if (strcmp(hc->hs->nodes[i].fp, hc->peer) == 0) {
            snprintf(detail, sizeof(detail), "the request comes from node "
                     "\"%.64s\" of this daemon", hc->hs->nodes[i].id);
            or_hs_conn_refuse(hc, OR_SR_SELF, detail);
            return 1;
        }
    }
    return 0;
}

static int
hs_on_request(or_hs_conn_t *hc, const char *json, size_t len)
{
    or_hs_t         *hs = hc->hs;
    or_hs_node_t    *n = &hs->nodes[hc->node];
    or_v2_request_t  req;
    or_errbuf_t      eb;
    char             out[OR_HANDSHAKE_MAX], full[160];
    size_t           outlen;
    int64_t          now = (int64_t) time(NULL);
    or_err_t         rc;

    memset(&eb, 0, sizeof(eb));
    if (or_v2_request_check(json, len, n->fp, now, OR_HANDSHAKE_WINDOW,
                            &req, &eb) != OR_OK)
    {
        or_hs_conn_refuse(hc, eb.reason, eb.msg);
        return -1;
    }
    memcpy(hc->peer, req.source, sizeof(hc->peer));
    if (hs_refuse_own(hc)) {
        or_v2_request_clear(&req);
        return -1;
    }
    or_shm_lock(hs->replay);
    rc = or_replay_check_add(or_shm_addr(hs->replay), req.signature,
                             req.siglen, req.timestamp, now,
                             OR_HANDSHAKE_WINDOW);
    or_shm_unlock(hs->replay);
    if (rc != OR_OK) {
        or_v2_request_clear(&req);
        or_hs_conn_refuse(hc, OR_SR_REPLAY, req.source);
        return -1;
    }
    if (!hs_filter_ok(hc, now)) {
        or_hs_conn_refuse(hc, OR_SR_FILTERED, "sector");
        return -1;
    }
    rc = or_v2_response_build(n->key, &req, now, out, sizeof(out), &outlen,
                              hc->link, &eb);
    or_v2_request_clear(&req);
    if (rc != OR_OK) {
        or_hs_conn_refuse(hc, eb.reason, eb.msg);
        return -1;
    }
    rc = hs_record(hc, full, sizeof(full));
    if (rc != OR_OK) {
        or_hs_conn_refuse(hc, rc == OR_AGAIN ? OR_SR_DUPLICATE : OR_SR_FULL,
                          rc == OR_AGAIN ? "" : full);
        return -1;
    }
    /* One write of a compact object: the original reads once (4 KiB). */
    if (or_conn_send(hc->c, out, outlen) != OR_OK
        || hs_to_session(hc) != OR_OK)
    {
        or_hs_conn_close(hc, OR_LOG_INFO, "writing the response failed");
        return -1;
    }
    hs_established(hc);
    return 0;
}

/* ---- initiator ---- */

size_t
or_hs_dial_count(const or_hs_t *hs, size_t node)
{
    size_t n = 0;

    for (const or_hs_conn_t *hc = hs->conns; hc != NULL; hc = hc->next) {
        n += hc->node == node && hc->direction == OR_SESSION_OUT
             && hc->state != OR_HS_SESSION;
    }
    return n;
}

int
or_hs_dialling(const or_hs_t *hs, size_t node, const char *peer)
{
    for (const or_hs_conn_t *hc = hs->conns; hc != NULL; hc = hc->next) {
        if (hc->node == node && hc->direction == OR_SESSION_OUT
            && hc->state != OR_HS_SESSION
            && strcmp(hc->sent.dialled, peer) == 0)
        {
            return 1;
        }
    }
    return 0;
}

or_err_t
or_hs_dial(or_hs_t *hs, size_t node, const struct sockaddr *sa,
    socklen_t salen, const char *peer)
{
    return or_hs_dial_v3(hs, node, sa, salen, peer, NULL);
}

or_err_t
or_hs_dial_v3(or_hs_t *hs, size_t node, const struct sockaddr *sa,
    socklen_t salen, const char *peer, const unsigned char *id)
{
    or_hs_node_t *n = &hs->nodes[node];
    or_hs_conn_t *hc;
    int           fd;

    if (strlen(peer) != OR_FP_LEN || hs->pending >= hs->max_pending) {
        return OR_EPROTO;
    }
    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return OR_ERROR;
    }
    if (connect(fd, sa, salen) == -1 && errno != EINPROGRESS) {
        int err = errno;

        close(fd);
        errno = err;
        return OR_ERROR;
    }
    if (or_hs_conn_new(hs, node, fd, OR_SESSION_OUT, &hc) != OR_OK) {
        return OR_ENOMEM;
    }
    or_conn_addr_text(sa, hc->c->peer, sizeof(hc->c->peer));
    snprintf(hc->sent.dialled, sizeof(hc->sent.dialled), "%s", peer);
    snprintf(hc->sent.ours, sizeof(hc->sent.ours), "%s", n->fp);
    hc->state = OR_HS_CONNECTING;
    if (id != NULL && or_v3_conn_dial(hc, id) != OR_OK) {
        or_hs_conn_close(hc, OR_LOG_NOTICE, "no memory for a v3 dial");
        return OR_ENOMEM;
    }
    if (or_conn_start(hc->c, OR_EV_WRITE, hs_event, hc) != OR_OK
        || or_conn_deadline(hc->c, n->timeout_ms, hs_expired) != OR_OK)
    {
        or_hs_conn_close(hc, OR_LOG_NOTICE, "cannot watch the connection");
        return OR_ERROR;
    }
    return OR_OK;
}

static void
hs_connected(or_hs_conn_t *hc)
{
    or_hs_node_t *n = &hc->hs->nodes[hc->node];
    or_errbuf_t   eb;
    char          out[OR_HANDSHAKE_MAX], why[320];
    size_t        len;
    int           err = 0;
    socklen_t     elen = sizeof(err);
    int64_t       now = (int64_t) time(NULL);

    if (getsockopt(hc->c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1) {
        err = errno;
    }
    if (err != 0) {
        snprintf(why, sizeof(why), "connect() failed: %s", strerror(err));
        or_hs_conn_close(hc, OR_LOG_INFO, why);
        return;
    }
    if (hc->v3 != NULL) {
        or_v3_conn_connected(hc);
        return;
    }
    memset(&eb, 0, sizeof(eb));
    if (or_v2_request_build(n->key, hc->sent.dialled, now, out, sizeof(out),
                            &len, &eb) != OR_OK)
    {
        or_hs_conn_close(hc, OR_LOG_ERR, eb.msg);
        return;
    }
    hc->sent.timestamp = now;
    hc->state = OR_HS_SENT;
    if (or_event_mod(hc->c->loop, hc->c->fd, OR_EV_READ) != OR_OK
        || or_conn_send(hc->c, out, len) != OR_OK)
    {
        or_hs_conn_close(hc, OR_LOG_INFO, "writing the request failed");
    }
}

static int
hs_on_response(or_hs_conn_t *hc, const char *json, size_t len)
{
    or_v2_response_t resp;
    or_errbuf_t      eb;
    char             why[320];
    or_err_t         rc;

    memset(&eb, 0, sizeof(eb));
    if (or_v2_response_check(json, len, &hc->sent, (int64_t) time(NULL),
                             OR_HANDSHAKE_WINDOW, &resp, &eb) != OR_OK)
    {
        or_hs_count(hc->hs, hc->node, eb.reason);
        snprintf(why, sizeof(why), "%s (%s)", or_reason_name(eb.reason),
                 eb.msg);
        or_hs_conn_close(hc, OR_LOG_INFO, why);
        return -1;
    }
    memcpy(hc->peer, resp.source, sizeof(hc->peer));
    memcpy(hc->link, resp.mutual_link, sizeof(hc->link));
    or_v2_response_clear(&resp);
    rc = hs_record(hc, why, sizeof(why));
    if (rc != OR_OK) {
        or_hs_count(hc->hs, hc->node, rc == OR_AGAIN ? OR_SR_DUPLICATE
                                                     : OR_SR_FULL);
        or_hs_conn_close(hc, OR_LOG_INFO, rc == OR_AGAIN ? "duplicate: a "
                         "live session with this peer is kept" : why);
        return -1;
    }
    if (hs_to_session(hc) != OR_OK) {
        or_hs_conn_close(hc, OR_LOG_NOTICE, "out of memory");
        return -1;
    }
    hs_established(hc);
    return 0;
}

static int
hs_on_object(or_hs_conn_t *hc, const char *json, size_t len)
{
    switch (hc->state) {
    case OR_HS_ACCEPTED:
        return hs_on_request(hc, json, len);
    case OR_HS_SENT:
        return hs_on_response(hc, json, len);
    default:
        return or_message_io_receive(hc, json, len);
    }
}

/* Cuts complete objects off the front of the input; -1 if hc closed. */
static int
hs_objects(or_hs_conn_t *hc)
{
    or_conn_t   *c = hc->c;
    or_errbuf_t  eb;
    size_t       used, objlen;
    or_err_t     rc;

    /* docs/PROTOCOL.md v3 §3: v2 starts with '{', v3 with its magic */
    if (hc->v3 != NULL || or_v3_conn_wanted(hc)) {
        return or_v3_conn_input(hc);
    }
    while (hc->scanned < c->inlen) {
        memset(&eb, 0, sizeof(eb));
        rc = or_json_reader_feed(hc->reader, c->in + hc->scanned,
                                 c->inlen - hc->scanned, &used, &eb);
        if (rc == OR_AGAIN) {
            hc->scanned = c->inlen;
            return 0;
        }
        if (rc != OR_OK) {
            or_hs_conn_refuse(hc, rc == OR_ETOOBIG ? OR_R_TOO_BIG
                              : eb.reason ? (int) eb.reason
                              : OR_R_JSON_MALFORMED, eb.msg);
            return -1;
        }
        objlen = hc->scanned + used;
        if (hs_on_object(hc, c->in, objlen) != 0) {
            return -1;
        }
        or_conn_consume(c, objlen);
        hc->scanned = 0;
    }
    return 0;
}

static void
hs_read(or_hs_conn_t *hc)
{
    size_t   n = 0;
    char     why[128];
    or_err_t rc = or_conn_read(hc->c, &n);

    if (rc == OR_AGAIN) {
        return;
    }
    if (rc == OR_ETOOBIG) {
        or_hs_conn_refuse(hc, OR_R_TOO_BIG, "input bound reached");
        return;
    }
    if (rc == OR_ENOMEM) {
        or_hs_conn_refuse(hc, OR_R_NOMEM, "growing the input buffer");
        return;
    }
    if (rc == OR_ERROR) {
        snprintf(why, sizeof(why), "read() failed: %s", strerror(errno));
        or_hs_conn_close(hc, OR_LOG_INFO, why);
        return;
    }
    if (n > 0 && hs_objects(hc) != 0) {
        return;
    }
    if (hc->c->eof) {
        if (hc->state == OR_HS_SESSION) {
            or_hs_conn_close(hc, OR_LOG_INFO, "closed by peer");
        } else {
            or_hs_conn_refuse(hc, OR_SR_CLOSED, hc->c->inlen
                              ? "incomplete object" : "");
        }
    }
}

static void
hs_event(or_conn_t *c, unsigned events)
{
    or_hs_conn_t *hc = c->data;

    if (hc->state == OR_HS_CONNECTING) {
        hs_connected(hc);
        return;
    }
    if (events & (OR_EV_READ | OR_EV_ERROR)) {
        hs_read(hc);
    }
}

static void
hs_expired(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    or_hs_conn_t *hc = data;

    (void) loop;
    (void) t;
    or_hs_conn_refuse(hc, OR_SR_TIMEOUT, hc->c->inlen ? "incomplete object"
                              : "");
}

or_err_t
or_hs_close_session(or_hs_t *hs, uint64_t id, const char *reason)
{
    for (or_hs_conn_t *hc = hs->conns; hc != NULL; hc = hc->next) {
        if (hc->state == OR_HS_SESSION && hc->id == id) {
            or_hs_conn_close(hc, OR_LOG_INFO, reason);
            return OR_OK;
        }
    }
    return OR_AGAIN;
}

/* ---- listening ---- */

or_err_t
or_hs_listen(or_hs_t *hs)
{
    for (size_t i = 0; i < hs->nnodes; i++) {
        or_hs_node_t *n = &hs->nodes[i];

        n->hs = hs;
        if (n->listen_fd < 0) {
            continue;
        }
        if (or_event_add(hs->worker->loop, n->listen_fd,
                         OR_EV_READ | OR_EV_EXCLUSIVE, hs_accept, n)
            != OR_OK)
        {
            or_log_error(hs_log(hs), OR_LOG_CRIT, errno, "watching the "
                         "listening socket of node \"%s\" failed", n->id);
            return OR_ERROR;
        }
    }
    hs->accepting = 1;
    return OR_OK;
}

void
or_hs_stop_accepting(or_hs_t *hs)
{
    if (!hs->accepting) {
        return;
    }
    for (size_t i = 0; i < hs->nnodes; i++) {
        if (hs->nodes[i].listen_fd >= 0
            && or_event_del(hs->worker->loop, hs->nodes[i].listen_fd)
               != OR_OK)
        {
            /* the slot is released anyway */
        }
    }
    hs->accepting = 0;
}

void
or_hs_close_all(or_hs_t *hs, const char *reason)
{
    or_timer_del(hs->worker->loop, &hs->accept_pause);
    or_hs_stop_accepting(hs);
    while (hs->conns != NULL) {
        or_hs_conn_close(hs->conns, OR_LOG_INFO, reason);
    }
}

/* for or_v3_conn.c (or_hs_conn.h) */
int
or_hs_filter_ok(or_hs_conn_t *hc, int64_t now)
{
    return hs_filter_ok(hc, now);
}

or_err_t
or_hs_record(or_hs_conn_t *hc, char *full, size_t fulllen)
{
    return hs_record(hc, full, fulllen);
}

void
or_hs_established(or_hs_conn_t *hc)
{
    hs_established(hc);
}
