/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The handshake of one worker's connections. A connection moves through
 * ACCEPTED (responder: waiting for one request object) or CONNECTING ->
 * SENT (initiator: waiting for one response object), then SESSION
 * (or_message_io.c). Every way out goes through or_hs_conn_close().
 */
#include "or_hs.h"

#include <arpa/inet.h>
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
#include "or_key_cache.h"
#include "or_log.h"
#include "or_message_io.h"
#include "or_peers.h"
#include "or_replay.h"
#include "or_shm.h"
#include "or_downgrade.h"
#include "or_seen_v3.h"
#include "or_v3.h"
#include "or_v3_conn.h"
#include "or_worker.h"

/* ms without accept() after it ran out of descriptors */
#define OR_ACCEPT_PAUSE_MS  500

static void hs_event(or_conn_t *c, unsigned events);
static void hs_read(or_hs_conn_t *hc);
static void hs_expired(or_event_loop_t *loop, or_timer_t *t, void *data);
static void hs_accept_pause(or_hs_t *hs, int err);
static void hs_accept(or_event_loop_t *loop, int fd, unsigned events,
    void *data);

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

/* Every step of a handshake goes through here, for its debug line. */
static void
hs_state(or_hs_conn_t *hc, or_hs_state_t state)
{
    static const char *const names[] = {
        "accepted", "connecting", "sent", "session"
    };

    /* an outbound connection starts in state 0 too, but accepted nothing */
    or_log_ctx_debug(&hc->log, 0, "handshake state: %s -> %s (%s)",
                     hc->state == OR_HS_ACCEPTED
                     && hc->direction == OR_SESSION_OUT ? "new"
                     : names[hc->state], names[state],
                     hc->direction == OR_SESSION_IN ? "in" : "out");
    hc->state = (int) state;
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
        /* no timer to resume with and no listening either: say that this
         * worker is deaf from now on (the others still accept) */
        or_log_error(hs_log(hs), OR_LOG_CRIT, 0, "worker #%u accepts no "
                     "more handshakes until it is restarted",
                     hs->worker->index);
    }
}

/* max_pending_handshakes full: the oldest inbound handshake of the
 * source with the most in progress makes room (OpenSSH MaxStartups,
 * WireGuard's per-source buckets), so a flood from a few addresses
 * cannot refuse everyone else's. 0 if none could be dropped. */
static int
hs_drop_busiest(or_hs_t *hs)
{
    or_hs_source_t *src = or_hs_source_busiest(&hs->sources);

    if (src == NULL || src->oldest == NULL) {
        return 0;
    }
    or_hs_conn_refuse(src->oldest, OR_SR_DROPPED, "max_pending_handshakes "
                      "full: the oldest handshake of the busiest address");
    return 1;
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
    or_hs_source_t         *src;
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
    or_log_ctx_debug(&OR_LOG_CTX(hs_log(hs), n->id, addr), 0, "accept: fd "
                     "%d, %zu pending, %zu inbound", cfd, hs->pending,
                     n->inbound);
    src = or_hs_source_get(&hs->sources, (struct sockaddr *) &sa);
    if (src == NULL || src->pending >= hs->max_pending_src) {
        /* nginx limit_conn: one address cannot take every slot */
        or_hs_count(hs, (size_t) (n - hs->nodes), OR_SR_SOURCE);
        or_log_ctx_ratelimited(&OR_LOG_CTX(hs_log(hs), n->id, addr),
                               OR_LOG_INFO, "handshake refused: source_limit",
                               src ? 0 : ENOMEM, "handshake refused: "
                               "source_limit (%zu handshakes from this "
                               "address)", src ? src->pending : 0);
        or_hs_source_put(&hs->sources, src);
        close(cfd);
        return;
    }
    if (hs->pending >= hs->max_pending && hs_drop_busiest(hs)) {
        /* the drop may have freed src */
        src = or_hs_source_get(&hs->sources, (struct sockaddr *) &sa);
    }
    /* or_hs_watch() stops accepting at max_inbound handshakes; this is
     * left for the connections accepted before it could. */
    if (src == NULL || hs->pending >= hs->max_pending
        || n->inbound - n->sessions_in >= n->max_inbound)
    {
        /* A flood of half-open connections must not starve valid peers:
         * refused at once, before any buffer is allocated. */
        or_hs_count(hs, (size_t) (n - hs->nodes), OR_SR_LIMIT);
        or_log_ctx_ratelimited(&OR_LOG_CTX(hs_log(hs), n->id, addr),
                               OR_LOG_INFO, "handshake refused: limit", 0,
                               "handshake refused: limit (%zu pending, %zu "
                               "inbound)", hs->pending, n->inbound);
        or_hs_source_put(&hs->sources, src);
        close(cfd);
        return;
    }
    if (or_hs_conn_new(hs, (size_t) (n - hs->nodes), cfd, OR_SESSION_IN,
                       &hc) != OR_OK)
    {
        or_log_ctx_error(&OR_LOG_CTX(hs_log(hs), n->id, addr),
                         OR_LOG_NOTICE, ENOMEM, "handshake refused: out of "
                         "memory");
        or_hs_source_put(&hs->sources, src);
        return;
    }
    hc->src = src;
    hc->src_pending = 1;
    or_hs_source_add_pending(src, hc);
    snprintf(hc->c->peer, sizeof(hc->c->peer), "%s", addr);
    n->inbound++;
    hc->counted_inbound = 1;
    or_hs_watch(hs, (size_t) (n - hs->nodes));
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

    or_log_ctx_error(&hc->log, OR_LOG_NOTICE, 0, "session replaced by a "
                     "new %s handshake, fingerprint: %s, old worker: %u",
                     hc->direction == OR_SESSION_IN ? "inbound" : "outbound",
                     hc->peer, old->worker);
    if (old->pid == getpid()) {
        if (or_hs_close_session(hs, old->id, "replaced") != OR_OK) {
            /* it closed between the table lookup and now: nothing to do */
            or_log_ctx_debug(&hc->log, 0, "replaced session %llu was closed "
                             "already", (unsigned long long) old->id);
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
    s->last_activity = s->since;
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

/* No message either way for session_idle_timeout: closed as "idle". The
 * timer is re-armed for what is left rather than reset per message. */
static void
hs_idle(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    or_hs_conn_t *hc = data;
    uint64_t      idle_ms = hc->hs->nodes[hc->node].idle_ms;
    uint64_t      quiet = or_event_now_ms(loop) - hc->last_msg_ms;

    (void) t;
    if (quiet < idle_ms
        && or_conn_deadline(hc->c, idle_ms - quiet, hs_idle) == OR_OK)
    {
        return;
    }
    or_hs_count(hc->hs, hc->node, OR_SR_IDLE);
    or_hs_conn_close(hc, OR_LOG_INFO, "idle");
}

/* 1 if this worker holds a session of hc's node with hc's peer, which
 * the new one replaces (hs_record): it frees its own slot. */
static int
hs_holds_peer(const or_hs_conn_t *hc)
{
    for (const or_hs_conn_t *o = hc->hs->conns; o != NULL; o = o->next) {
        if (o != hc && o->node == hc->node && o->state == OR_HS_SESSION
            && strcmp(o->peer, hc->peer) == 0)
        {
            return 1;
        }
    }
    return 0;
}

/* max_inbound inbound sessions held: a handshake that verified takes the
 * place of the longest idle one (v2 has no keepalive to tell a dead
 * session from a quiet one; a peer that talks is kept). */
static void
hs_evict_idlest(or_hs_conn_t *hc)
{
    or_hs_t      *hs = hc->hs;
    or_hs_node_t *n = &hs->nodes[hc->node];
    or_hs_conn_t *victim = NULL;

    if (n->sessions_in < n->max_inbound || hs_holds_peer(hc)) {
        return;
    }
    for (or_hs_conn_t *o = hs->conns; o != NULL; o = o->next) {
        if (o->node == hc->node && o->state == OR_HS_SESSION
            && o->direction == OR_SESSION_IN
            && (victim == NULL || o->last_msg_ms < victim->last_msg_ms))
        {
            victim = o;
        }
    }
    if (victim != NULL) {
        or_hs_count(hs, hc->node, OR_SR_EVICTED);
        or_hs_conn_close(victim, OR_LOG_INFO, "evicted");
    }
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
    hs_state(hc, OR_HS_SESSION);
    hc->hs->pending--;
    hc->counted_pending = 0;
    or_timer_del(hc->c->loop, &hc->c->deadline);
    hc->last_msg_ms = or_event_now_ms(hc->c->loop);
    if (hc->src_pending) {
        or_hs_source_del_pending(hc->src, hc);
        hc->src_pending = 0;
        hc->src->sessions++;
        hc->src_session = 1;
    }
    if (hc->counted_inbound) {
        hc->hs->nodes[hc->node].sessions_in++;
        or_hs_watch(hc->hs, hc->node);
    }
    if (hc->hs->nodes[hc->node].idle_ms > 0
        && or_conn_deadline(hc->c, hc->hs->nodes[hc->node].idle_ms, hs_idle)
           != OR_OK)
    {
        return OR_ENOMEM;
    }
    return OR_OK;
}

/* The key of hc->peer answered at this address: pin the peer's endpoint
 * in the peer directory, so an unverified beacon cannot move it (issue
 * 16). Inbound, the port is the peer's ephemeral one: pin the ip only. */
static void
hs_confirm(or_hs_conn_t *hc)
{
    struct sockaddr_storage sa;
    socklen_t               len = sizeof(sa);
    char                    ip[OR_PEER_ADDR_LEN];
    uint16_t                port = 0;
    const void             *a;

    if (getpeername(hc->c->fd, (struct sockaddr *) &sa, &len) != 0) {
        return;
    }
    if (sa.ss_family == AF_INET) {
        a = &((struct sockaddr_in *) &sa)->sin_addr;
        port = ntohs(((struct sockaddr_in *) &sa)->sin_port);
    } else if (sa.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &sa;

        a = &in6->sin6_addr;
        port = ntohs(in6->sin6_port);
        /* beacons come over IPv4: a dual-stack socket's ::ffff:a.b.c.d is
         * the same peer as a.b.c.d */
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            a = &in6->sin6_addr.s6_addr[12];
            sa.ss_family = AF_INET;
        }
    } else {
        return;
    }
    if (inet_ntop(sa.ss_family, a, ip, sizeof(ip)) == NULL) {
        return;
    }
    (void) or_peers_confirm(hc->hs->cycle, hc->node, hc->peer, ip,
                            hc->direction == OR_SESSION_OUT ? port : 0,
                            (int64_t) time(NULL));
}

static void
hs_established(or_hs_conn_t *hc)
{
    or_hs_t    *hs = hc->hs;
    unsigned    suite = hc->v3 != NULL ? or_v3_conn_suite(hc) : 0;
    char        text[256];
    int         n;

    hs_confirm(hc);
    or_log_ctx_error(&hc->log, OR_LOG_INFO, 0, "session established: %s, "
                     "fingerprint: %s, %s: %s",
                     hc->direction == OR_SESSION_IN ? "in" : "out", hc->peer,
                     hc->v3 != NULL ? "v3 session_id" : "mutual_link",
                     hc->link);
    /* watch shows what sessions shows: version, suite, session id */
    n = snprintf(text, sizeof(text), "{\"address\":\"%s\",\"version\":%d,"
                 "\"suite\":%s%s%s,\"%s\":\"%s\"}", hc->c->peer,
                 hc->v3 != NULL ? 3 : 2, suite ? "\"" : "",
                 suite == OR_V3_SUITE_CHACHA ? "chacha20-poly1305"
                 : suite == OR_V3_SUITE_AESGCM ? "aes-256-gcm" : "null",
                 suite ? "\"" : "",
                 hc->v3 != NULL ? "session_id" : "mutual_link", hc->link);
    or_evring_publish(hs->cycle, OR_EVT_SESSION_ESTABLISHED, hs_node_id(hc),
                      hc->peer, hc->direction == OR_SESSION_IN ? "in" : "out",
                      text, n > 0 && (size_t) n < sizeof(text)
                            ? (size_t) n : 0);
    if (hc->direction == OR_SESSION_OUT && hs->dial_done != NULL) {
        hs->dial_done(hs, hc->node, hc->peer, 1, hs->dial_data);
    }
}

/* ---- responder: one request ---- */

/*
 * In v2 the request carries no sector: the node filter is asked about the
 * requester's last beacon, listed (or_peers) or refused by the filter
 * (remembered beside, for as long), whichever came later, under the
 * filter of now. A requester discovery never heard is accepted only with
 * accept_undiscovered (docs/ARCHITECTURE.md "Handshake"). 0 and *why if
 * refused.
 */
static int
hs_filter_ok(or_hs_conn_t *hc, int64_t now, const char **why)
{
    const or_node_t *node = hc->hs->nodes[hc->node].node;
    const char      *svc[OR_V2_SERVICES_MAX];
    const or_peer_t *last;
    or_peer_t        p, r;
    int              listed, refused;

    listed = or_peers_find(hc->hs->cycle, hc->node, hc->peer, now, &p);
    refused = or_peers_find_refused(hc->hs->cycle, hc->node, hc->peer, now,
                                    &r);
    if (!listed && !refused) {
        *why = "undiscovered requester";
        return hc->hs->nodes[hc->node].accept_undiscovered;
    }
    if (node->filter == NULL) {
        return 1;
    }
    last = !refused || (listed && p.last_seen >= r.last_seen) ? &p : &r;
    for (uint32_t i = 0; i < last->nservices && i < OR_V2_SERVICES_MAX; i++) {
        svc[i] = last->services[i];
    }
    *why = "sector";
    return node->filter(node, last->sector, svc, last->nservices);
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
    or_pubkey_cache_t cache;
    char             out[OR_HANDSHAKE_MAX], full[160];
    unsigned char    key[OR_REPLAY_KEY_LEN];
    const char      *why = "";
    size_t           outlen;
    int64_t          now = (int64_t) time(NULL);
    or_err_t         rc;
    int              dg;

    memset(&eb, 0, sizeof(eb));
    if (hs->keys != NULL) {
        or_key_cache_hooks(hs->keys, &cache);
    }
    if (or_v2_request_check_cached(json, len, n->fp, now,
                                   OR_HANDSHAKE_WINDOW,
                                   hs->keys != NULL ? &cache : NULL, &req,
                                   &eb) != OR_OK)
    {
        or_hs_conn_refuse(hc, eb.reason, eb.msg);
        return -1;
    }
    memcpy(hc->peer, req.source, sizeof(hc->peer));
    if (hs_refuse_own(hc)) {
        or_v2_request_clear(&req);
        return -1;
    }
    /* before the replay cache: a refused requester takes no slot there */
    if (!hs_filter_ok(hc, now, &why)) {
        or_v2_request_clear(&req);
        or_hs_conn_refuse(hc, OR_SR_FILTERED, why);
        return -1;
    }
    /* no v2 with a peer that spoke v3, nor on a node that wants v3 */
    dg = or_downgrade_v2_refused(hs, hc->node, req.source);
    if (dg != 0) {
        or_v2_request_clear(&req);
        or_hs_conn_refuse(hc, dg, dg == OR_SR_DOWNGRADE
                          ? "this fingerprint's node speaks v3"
                          : "protocol: v3 only");
        return -1;
    }
    if (hc->src != NULL && hc->src->sessions >= hs->max_sessions_src
        && !hs_holds_peer(hc))
    {
        or_v2_request_clear(&req);
        snprintf(full, sizeof(full), "%zu sessions from this address: "
                 "max_sessions_per_source", hc->src->sessions);
        or_hs_conn_refuse(hc, OR_SR_SOURCE, full);
        return -1;
    }
    if (or_replay_key(req.signature, req.siglen, key) != OR_OK) {
        or_v2_request_clear(&req);
        or_hs_conn_refuse(hc, OR_R_CRYPTO, "replay key");
        return -1;
    }
    or_shm_lock(hs->replay);
    rc = or_replay_check_add(or_shm_addr(hs->replay), key, req.source,
                             req.timestamp, now, OR_HANDSHAKE_WINDOW);
    or_shm_unlock(hs->replay);
    if (rc != OR_OK) {
        or_v2_request_clear(&req);
        or_hs_conn_refuse(hc, rc == OR_AGAIN ? OR_SR_BUSY : OR_SR_REPLAY,
                          req.source);
        return -1;
    }
    rc = or_v2_response_build(n->key, &req, now, out, sizeof(out), &outlen,
                              hc->link, &eb);
    or_v2_request_clear(&req);
    if (rc != OR_OK) {
        or_hs_conn_refuse(hc, eb.reason, eb.msg);
        return -1;
    }
    hs_evict_idlest(hc);
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
    or_hs_node_t  *n = &hs->nodes[node];
    or_hs_conn_t  *hc;
    unsigned char  seen[OR_V3_ID_LEN];
    int            fd;

    if (strlen(peer) != OR_FP_LEN || hs->pending >= hs->max_pending) {
        return OR_EPROTO;
    }
    /* v3 to a peer that ever spoke it (PROTOCOL.md v3 §6.3); v2 only if
     * the node allows it */
    if (id == NULL && or_downgrade_v3_id(hs, peer, seen)) {
        id = seen;
    }
    if (id == NULL && n->v3_only) {
        or_hs_count(hs, node, OR_SR_V2_REFUSED);
        errno = EPERM;
        return OR_ERROR;
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
    hs_state(hc, OR_HS_CONNECTING);
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
    hs_state(hc, OR_HS_SENT);
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

static or_err_t
hs_watch(or_hs_t *hs, or_hs_node_t *n)
{
    int want = hs->accepting && n->listen_fd >= 0
               && n->inbound - n->sessions_in < n->max_inbound;

    if (want == n->watched) {
        return OR_OK;
    }
    if (!want) {
        /* shared with the master and the other workers: a close would not
         * take it out of our epoll set, only DEL does */
        if (or_event_del(hs->worker->loop, n->listen_fd) != OR_OK) {
            or_log_ctx_error(&OR_LOG_CTX(hs_log(hs), n->id, NULL),
                             OR_LOG_ERR, errno, "epoll_ctl(DEL) of the "
                             "listening socket failed; this worker may "
                             "still accept on it");
            return OR_ERROR;
        }
        n->watched = 0;
        return OR_OK;
    }
    if (or_event_add(hs->worker->loop, n->listen_fd,
                     OR_EV_READ | OR_EV_EXCLUSIVE, hs_accept, n) != OR_OK)
    {
        or_log_error(hs_log(hs), OR_LOG_CRIT, errno, "watching the "
                     "listening socket of node \"%s\" failed", n->id);
        return OR_ERROR;
    }
    n->watched = 1;
    return OR_OK;
}

void
or_hs_watch(or_hs_t *hs, size_t node)
{
    /* a failure is logged by hs_watch(); the next change of the count
     * tries again */
    if (node < hs->nnodes) {
        (void) hs_watch(hs, &hs->nodes[node]);
    }
}

or_err_t
or_hs_listen(or_hs_t *hs)
{
    hs->accepting = 1;
    for (size_t i = 0; i < hs->nnodes; i++) {
        hs->nodes[i].hs = hs;
        if (hs_watch(hs, &hs->nodes[i]) != OR_OK) {
            return OR_ERROR;
        }
    }
    return OR_OK;
}

void
or_hs_stop_accepting(or_hs_t *hs)
{
    if (!hs->accepting) {
        return;
    }
    hs->accepting = 0;
    for (size_t i = 0; i < hs->nnodes; i++) {
        (void) hs_watch(hs, &hs->nodes[i]);
    }
}

void
or_hs_close_all(or_hs_t *hs, const char *reason)
{
    or_timer_del(hs->worker->loop, &hs->accept_pause);
    or_hs_stop_accepting(hs);
    while (hs->conns != NULL) {
        or_hs_conn_close(hs->conns, OR_LOG_INFO, reason);
    }
    or_hs_sources_free(&hs->sources);
}

/* for or_v3_conn.c (or_hs_conn.h) */
int
or_hs_filter_ok(or_hs_conn_t *hc, int64_t now, const char **why)
{
    return hs_filter_ok(hc, now, why);
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

or_err_t
or_hs_adopt(or_hs_conn_t *hc)
{
    if (or_conn_start(hc->c, OR_EV_READ, hs_event, hc) != OR_OK) {
        return OR_ERROR;
    }
    return hc->v3 != NULL ? OR_OK : hs_to_session(hc);
}
