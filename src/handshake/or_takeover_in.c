/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The new worker's half of the hand-over (or_takeover.c): accepts an old
 * worker, checks it, assembles each session (state, socket, buffered
 * bytes), keeps it or closes it as stale, and acknowledges it.
 */
#include "or_takeover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "or_core_module.h"
#include "or_cycle.h"
#include "or_evring.h"
#include "or_hs_conn.h"
#include "or_takeover_int.h"
#include "or_v3_conn.h"
#include "or_worker.h"

void
or_tk_in_free(tk_in_t *in)
{
    or_takeover_t  *tk = in->tk;

    for (tk_in_t **p = &tk->ins; *p != NULL; p = &(*p)->next) {
        if (*p == in) {
            *p = in->next;
            break;
        }
    }
    or_event_close(tk->hs->worker->loop, in->fd);
    if (in->sfd >= 0) {
        close(in->sfd);
    }
    if (in->data != NULL) {
        OPENSSL_cleanse(in->data, in->st.inlen + in->st.outlen);
        free(in->data);
    }
    or_transfer_wipe(&in->st);
    free(in);
}


static int
tk_node(or_takeover_t *tk, const char *id)
{
    for (size_t i = 0; i < tk->hs->nnodes; i++) {
        if (strcmp(tk->hs->nodes[i].id, id) == 0) {
            return (int) i;
        }
    }
    return -1;
}

/* the reason (TK_R_*) the session cannot go on, or -1 */
static int
tk_stale(or_takeover_t *tk, const or_transfer_state_t *st, int node)
{
    const or_node_t       *n;
    or_core_node_conf_t   *core;

    if (node < 0) {
        return TK_R_REMOVED;
    }
    n = tk->hs->nodes[node].node;
    core = or_core_node(n);
    if (strcmp(tk->hs->nodes[node].fp, st->ours) != 0) {
        return TK_R_KEY;
    }
    if (strcmp(core->listen.text, st->listen) != 0) {
        return TK_R_LISTEN;
    }
    return strcmp(core->sector, st->sector) != 0 ? TK_R_SECTOR : -1;
}

/* Lists hc in the table: the old worker's slot when this worker shares
 * the table (unchanged max_sessions), a new one otherwise. */
static or_err_t
tk_record(or_takeover_t *tk, or_hs_conn_t *hc, const or_transfer_state_t *st)
{
    or_hs_t             *hs = tk->hs;
    or_session_table_t  *t = or_shm_addr(hs->sessions);
    or_session_t        *o, s;
    int                  idx;

    or_shm_lock(hs->sessions);
    o = st->slot < t->top ? &t->slots[st->slot] : NULL;
    /* the table keeps node ids to sizeof(node) - 1 bytes */
    if (o != NULL && o->id == st->id
        && strncmp(o->node, st->node, sizeof(o->node) - 1) == 0
        && strcmp(o->peer, st->peer) == 0)
    {
        o->pid = getpid();
        o->handoff = hs->handoff;
        o->worker = hs->worker->index;
        hc->slot = (int) st->slot;
        hc->id = st->id;
        or_shm_unlock(hs->sessions);
        return OR_OK;
    }
    memset(&s, 0, sizeof(s));
    snprintf(s.node, sizeof(s.node), "%.*s", (int) sizeof(s.node) - 1,
             st->node);
    memcpy(s.peer, st->peer, sizeof(s.peer));
    memcpy(s.ours, st->ours, sizeof(s.ours));
    memcpy(s.mutual_link, st->link, sizeof(s.mutual_link));
    snprintf(s.address, sizeof(s.address), "%s", st->address);
    s.direction = (int) st->direction;
    s.framing = (int) st->framing;
    s.suite = st->framing == OR_FRAMING_V3 ? st->rec.suite : 0;
    s.since = st->since;
    s.messages_in = st->messages_in;
    s.messages_out = st->messages_out;
    s.bytes_in = st->bytes_in;
    s.bytes_out = st->bytes_out;
    s.messages_dropped = st->messages_dropped;
    s.last_activity = (int64_t) time(NULL) - (int64_t) (st->quiet_ms / 1000);
    s.pid = getpid();
    s.handoff = hs->handoff;
    s.worker = hs->worker->index;
    idx = or_session_add(t, &s, &hc->id);
    or_shm_unlock(hs->sessions);
    if (idx < 0) {
        return OR_ETOOBIG;
    }
    hc->slot = idx;
    return OR_OK;
}

/* A session of a node the reload removed: nothing here can carry it, so
 * it ends here, as a session, with its reason. */
static void
tk_drop(or_takeover_t *tk, or_transfer_state_t *st, int fd,
    const unsigned char *out)
{
    or_hs_t             *hs = tk->hs;
    or_session_table_t  *t = or_shm_addr(hs->sessions);
    const char          *why = or_tk_reasons[TK_R_REMOVED];
    or_v3_rec_t         *rec;
    unsigned char        f[64];
    size_t               n;
    struct timespec      now;

    /* v3: the queued output, then a CLOSE under the next counter; never
     * a CLOSE after a part of it (the peer would refuse it anyway) */
    clock_gettime(CLOCK_REALTIME, &now);
    if (st->framing == OR_FRAMING_V3
        && (st->outlen == 0
            || send(fd, out, st->outlen, MSG_DONTWAIT | MSG_NOSIGNAL)
               == (ssize_t) st->outlen)
        && or_v3_rec_import(&st->rec, &rec, NULL) == OR_OK)
    {
        if (or_v3_rec_seal_close(rec, (int64_t) now.tv_sec * 1000
                                 + now.tv_nsec / 1000000, OR_V3_CODE_POLICY,
                                 NULL, f, sizeof(f), &n, NULL) == OR_OK
            && send(fd, f, n, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t) n)
        {
            /* the peer sees the connection end instead */
            or_log_ctx_debug(&OR_LOG_CTX(or_tk_log(tk), st->node, st->address),
                             0, "v3 CLOSE not sent");
        }
        or_v3_rec_free(rec);
    }

    or_shm_lock(hs->sessions);
    if (st->slot < t->top && t->slots[st->slot].id == st->id) {
        or_session_remove(t, (int) st->slot, st->id);
    }
    or_shm_unlock(hs->sessions);
    close(fd);
    or_tk_count(tk, TK_R_REMOVED, 0);
    or_log_ctx_error(&OR_LOG_CTX(or_tk_log(tk), st->node, st->address),
                     OR_LOG_NOTICE, 0, "session closed: %s, fingerprint: %s",
                     why, st->peer);
    or_evring_publish(hs->cycle, OR_EVT_SESSION_CLOSED, st->node, st->peer,
                      why, NULL, 0);
}

static void
tk_ack(or_takeover_t *tk, tk_in_t *in, uint64_t id)
{
    unsigned char  a[9];

    a[0] = 'A';
    memcpy(a + 1, &id, 8);
    if (send(in->fd, a, sizeof(a), MSG_DONTWAIT | MSG_NOSIGNAL) != 9) {
        /* the old worker then waits TK_WAIT_MS; nothing is lost */
        or_log_error(or_tk_log(tk), OR_LOG_INFO, errno, "acknowledging a "
                     "taken-over session failed");
    }
}

/* The whole session is here: carry it on, or close it with its reason. */
static void
tk_adopt(or_takeover_t *tk, tk_in_t *in)
{
    or_hs_t              *hs = tk->hs;
    or_transfer_state_t  *st = &in->st;
    or_hs_conn_t         *hc;
    or_hs_node_t         *n;
    struct sockaddr_storage sa;
    socklen_t             salen = sizeof(sa);
    uint64_t              now = or_tk_now(tk);
    int                   node = tk_node(tk, st->node), stale, fd = in->sfd;
    const char           *fail = NULL;

    in->sfd = -1;
    stale = tk_stale(tk, st, node);
    if (stale == TK_R_REMOVED) {
        tk_drop(tk, st, fd, in->data + st->inlen);
        tk_ack(tk, in, st->id);
        return;
    }
    n = &hs->nodes[node];
    if (or_hs_conn_new(hs, (size_t) node, fd, (int) st->direction, &hc)
        != OR_OK)
    {
        or_tk_count(tk, -1, 0);
        or_log_ctx_error(&OR_LOG_CTX(or_tk_log(tk), st->node, st->address),
                         OR_LOG_ERR, ENOMEM, "session lost in a reload: no "
                         "memory to take it over, fingerprint: %s",
                         st->peer);
        tk_ack(tk, in, st->id);
        return;
    }
    snprintf(hc->c->peer, sizeof(hc->c->peer), "%s", st->address);
    memcpy(hc->peer, st->peer, sizeof(hc->peer));
    memcpy(hc->link, st->link, sizeof(hc->link));
    hc->c->bytes_in = st->conn_in;
    hc->c->bytes_out = st->conn_out;
    if (st->direction == OR_SESSION_IN) {
        n->inbound++;
        hc->counted_inbound = 1;
        /* per-source counts as at accept (v3 sessions are not counted by
         * source when accepted either) */
        if (st->framing == OR_FRAMING_V2
            && getpeername(fd, (struct sockaddr *) &sa, &salen) == 0
            && (hc->src = or_hs_source_get(&hs->sources,
                                           (struct sockaddr *) &sa)) != NULL)
        {
            hc->src_pending = 1;
            or_hs_source_add_pending(hc->src, hc);
        }
    }
    if (tk_record(tk, hc, st) != OR_OK) {
        fail = "the session table is full";
    } else if (st->framing == OR_FRAMING_V3
               && or_v3_conn_adopt(hc, &st->rec, st->v3_in_age_ms,
                                   st->v3_out_age_ms) != OR_OK)
    {
        fail = "v3 record state refused";
    } else if (or_hs_adopt(hc) != OR_OK) {
        fail = "cannot watch the connection";
    } else if (or_conn_push_input(hc->c, in->data, st->inlen) != OR_OK
               || (st->outlen > 0
                   && or_conn_send(hc->c, in->data + st->inlen, st->outlen)
                      != OR_OK))
    {
        fail = "buffers";
    }
    hc->last_msg_ms = now > st->quiet_ms ? now - st->quiet_ms : 0;
    tk_ack(tk, in, st->id);
    if (fail != NULL) {
        char  why[96];

        or_tk_count(tk, -1, 0);
        snprintf(why, sizeof(why), "taking it over after a reload failed "
                 "(%s)", fail);
        or_hs_conn_close(hc, OR_LOG_ERR, why);
        return;
    }
    if (stale >= 0) {
        or_tk_count(tk, stale, 0);
        or_v3_conn_say_close(hc, OR_V3_CODE_POLICY);
        or_hs_conn_close(hc, OR_LOG_NOTICE, or_tk_reasons[stale]);
        return;
    }
    if (tk->shutdown) {
        or_v3_conn_say_close(hc, OR_V3_CODE_NORMAL);
        or_hs_conn_close(hc, OR_LOG_INFO, "shutting down");
        return;
    }
    or_tk_count(tk, -1, 1);
    or_log_ctx_error(&hc->log, OR_LOG_INFO, 0, "session taken over after a "
                     "reload: %s, fingerprint: %s, mutual_link: %s",
                     hc->direction == OR_SESSION_IN ? "in" : "out", hc->peer,
                     hc->link);
}

/* one packet from an old worker; -1 to drop the connection */
static int
tk_in_packet(or_takeover_t *tk, tk_in_t *in, size_t n, int fd)
{
    const char  *why = NULL;
    size_t       want, take;

    if (n == 0) {
        return -1;
    }
    if (tk->pkt[0] == 'S') {
        if (in->have || fd < 0) {
            why = in->have ? "a state before the last one's data"
                           : "a state without its socket";
        } else if (or_transfer_decode(tk->pkt + 1, n - 1, &in->st, &why)
                   == OR_OK)
        {
            in->have = 1;
            in->sfd = fd;
            fd = -1;
            in->got = 0;
            in->data = malloc((size_t) in->st.inlen + in->st.outlen + 1);
            if (in->data == NULL) {
                why = "out of memory";
            }
        }
    } else if (tk->pkt[0] == 'D' && in->have) {
        want = (size_t) in->st.inlen + in->st.outlen - in->got;
        take = n - 1;
        if (take == 0 || take > want) {
            why = "more data than the state said";
        } else {
            memcpy(in->data + in->got, tk->pkt + 1, take);
            in->got += take;
        }
    } else {
        why = "unknown packet";
    }
    if (fd >= 0) {
        close(fd);
    }
    if (why != NULL) {
        or_tk_count(tk, -1, 0);
        or_log_error(or_tk_log(tk), OR_LOG_ERR, 0, "session hand-over refused: "
                     "%s", why);
        return -1;
    }
    if (in->got == (size_t) in->st.inlen + in->st.outlen) {
        tk_adopt(tk, in);
        OPENSSL_cleanse(in->data, in->got);
        free(in->data);
        in->data = NULL;
        or_transfer_wipe(&in->st);
        in->have = 0;
    }
    return 0;
}

static void
tk_in_event(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    tk_in_t         *in = data;
    or_takeover_t   *tk = in->tk;
    union {
        struct cmsghdr  h;
        char            b[CMSG_SPACE(sizeof(int) * 4)];
    } ctl;
    struct iovec     iov = { tk->pkt, TK_PKT_MAX };
    struct msghdr    msg;
    struct cmsghdr  *cm;
    ssize_t          n;
    int              sfd;

    (void) loop;
    (void) events;
    for (int i = 0; i < 64; i++) {
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = ctl.b;
        msg.msg_controllen = sizeof(ctl.b);
        n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
        sfd = -1;
        for (cm = CMSG_FIRSTHDR(&msg); n >= 0 && cm != NULL;
             cm = CMSG_NXTHDR(&msg, cm))
        {
            if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) {
                continue;
            }
            for (size_t k = 0; k < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                 k++)
            {
                int  f;

                memcpy(&f, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
                if (sfd == -1 && k == 0) {
                    sfd = f;
                } else {
                    close(f);           /* one socket per state, never more */
                }
            }
        }
        if (n > 0 && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
            if (sfd >= 0) {
                close(sfd);
            }
            or_tk_count(tk, -1, 0);
            or_log_error(or_tk_log(tk), OR_LOG_ERR, 0, "session hand-over "
                         "refused: truncated packet");
            or_tk_in_free(in);
            return;
        }
        if (n <= 0 || tk_in_packet(tk, in, (size_t) n, sfd) != 0) {
            if (n <= 0 && sfd >= 0) {
                close(sfd);
            }
            /* a refused packet was counted and logged where it was
             * found: only an end mid-session is "cut short" */
            if (n <= 0 && in->have) {
                or_tk_count(tk, -1, 0);
                or_log_error(or_tk_log(tk), OR_LOG_ERR, 0, "session hand-over "
                             "cut short: the old worker left mid-session");
            }
            or_tk_in_free(in);
            return;
        }
    }
}

void
or_tk_accept(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    or_takeover_t  *tk = data;
    tk_in_t        *in;
    pid_t           pid;
    int             cfd;

    (void) events;
    cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd == -1) {
        return;
    }
    /* only a worker of this master, never another process of our uid */
    if (!or_tk_peer_ok(cfd, 0, &pid) || pid == getpid()
        || !or_tk_is_worker(tk, pid))
    {
        or_log_ratelimited(or_tk_log(tk), OR_LOG_WARN, "takeover refused", 0,
                           "session hand-over refused: the connecting "
                           "process is not a worker of this daemon");
        close(cfd);
        return;
    }
    in = calloc(1, sizeof(*in));
    if (in == NULL) {
        close(cfd);
        return;
    }
    in->tk = tk;
    in->fd = cfd;
    in->sfd = -1;
    if (or_event_add(loop, cfd, OR_EV_READ, tk_in_event, in) != OR_OK) {
        close(cfd);
        free(in);
        return;
    }
    in->next = tk->ins;
    tk->ins = in;
}


