/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The old worker's half of the hand-over (or_takeover.c): on QUIT after a
 * reload, finds the new generation's worker, sends it each established
 * session, waits for the acknowledgements and passes on what is routed to
 * it meanwhile.
 */
#include "or_takeover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "or_core_module.h"
#include "or_cycle.h"
#include "or_hs_conn.h"
#include "or_takeover_int.h"
#include "or_v3_conn.h"
#include "or_worker.h"

/* the token and pid of the newest generation's worker #index (else #0)
 * once it has published its listener; 0 if none yet */
static uint64_t
tk_target(or_takeover_t *tk, pid_t *pid)
{
    or_status_t  *st = malloc(sizeof(*st));
    tk_zone_t    *z = or_shm_addr(tk->zone);
    pid_t         mine = 0, first = 0, want;
    uint64_t      token = 0;

    if (st == NULL || or_status_read(tk->hs->cycle, st) != OR_OK) {
        free(st);
        return 0;
    }
    for (size_t i = 0; i < OR_STATUS_SLOTS; i++) {
        or_status_slot_t  *s = &st->slots[i];

        if (s->state != OR_WORKER_RUNNING || s->generation != st->generation
            || s->generation <= tk->hs->cycle->generation)
        {
            continue;
        }
        if (s->index == tk->hs->worker->index) {
            mine = s->pid;
        }
        if (s->index == 0) {
            first = s->pid;
        }
    }
    free(st);
    want = mine ? mine : first;
    if (want == 0) {
        return 0;
    }
    or_shm_lock(tk->zone);
    for (size_t i = 0; i < OR_STATUS_SLOTS; i++) {
        if (z->slots[i].pid == want) {
            token = z->slots[i].token;
        }
    }
    or_shm_unlock(tk->zone);
    *pid = want;
    return token;
}

void
or_tk_out_reset(or_takeover_t *tk)
{
    if (tk->out_fd >= 0) {
        close(tk->out_fd);
    }
    tk->out_fd = -1;
    tk->out_pid = 0;
    tk->unacked = 0;
}

static int
tk_connect(or_takeover_t *tk)
{
    struct sockaddr_un  sa;
    struct timeval      tv = { TK_SNDTIMEO, 0 };
    uint64_t            token;
    pid_t               pid = 0, got;
    int                 fd;

    token = tk_target(tk, &pid);
    if (token == 0) {
        return -1;
    }
    if (tk->out_fd >= 0 && tk->out_pid == pid) {
        return 0;
    }
    or_tk_out_reset(tk);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0
        || connect(fd, (struct sockaddr *) &sa, or_tk_addr(token, &sa)) != 0
        || !or_tk_peer_ok(fd, pid, &got))
    {
        or_log_error(or_tk_log(tk), OR_LOG_WARN, errno, "connecting to the new "
                     "worker %d to hand sessions over failed", (int) pid);
        close(fd);
        return -1;
    }
    tk->out_fd = fd;
    tk->out_pid = pid;
    return 0;
}

static int
tk_sendpkt(int fd, unsigned char type, const void *b, size_t n, int sfd)
{
    union {
        struct cmsghdr  h;
        char            c[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct iovec    iov[2] = { { &type, 1 }, { (void *) b, n } };
    struct msghdr   msg;
    struct cmsghdr *cm;
    ssize_t         w;

    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    if (sfd >= 0) {
        memset(&ctl, 0, sizeof(ctl));
        msg.msg_control = ctl.c;
        msg.msg_controllen = sizeof(ctl.c);
        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &sfd, sizeof(int));
    }
    do {
        w = sendmsg(fd, &msg, MSG_NOSIGNAL);
    } while (w < 0 && errno == EINTR);
    return w == (ssize_t) (n + 1) ? 0 : -1;
}

/* the state of session hc; *st holds keys: wiped by the caller */
static or_err_t
tk_state(or_takeover_t *tk, or_hs_conn_t *hc, or_transfer_state_t *st)
{
    or_hs_t              *hs = tk->hs;
    or_hs_node_t         *n = &hs->nodes[hc->node];
    or_core_node_conf_t  *core = or_core_node(n->node);
    or_session_table_t   *t = or_shm_addr(hs->sessions);
    uint64_t              now = or_tk_now(tk);
    or_session_t          s;

    memset(st, 0, sizeof(*st));
    memset(&s, 0, sizeof(s));
    if (hc->slot >= 0) {
        or_shm_lock(hs->sessions);
        if ((uint32_t) hc->slot < t->top && t->slots[hc->slot].id == hc->id) {
            s = t->slots[hc->slot];
        }
        or_shm_unlock(hs->sessions);
    }
    if (s.id == 0) {
        return OR_EPROTO;       /* not listed: nothing to carry on */
    }
    st->id = hc->id;
    st->slot = (uint32_t) hc->slot;
    snprintf(st->node, sizeof(st->node), "%s", n->id);
    memcpy(st->peer, hc->peer, sizeof(st->peer));
    snprintf(st->ours, sizeof(st->ours), "%s", n->fp);
    memcpy(st->link, hc->link, sizeof(st->link));
    snprintf(st->address, sizeof(st->address), "%s", hc->c->peer);
    snprintf(st->listen, sizeof(st->listen), "%s", core->listen.text);
    snprintf(st->sector, sizeof(st->sector), "%s", core->sector);
    st->direction = (unsigned) hc->direction;
    st->framing = hc->v3 != NULL ? OR_FRAMING_V3 : OR_FRAMING_V2;
    st->since = s.since;
    st->messages_in = s.messages_in;
    st->messages_out = s.messages_out;
    st->bytes_in = s.bytes_in;
    st->bytes_out = s.bytes_out;
    st->messages_dropped = s.messages_dropped;
    st->conn_in = hc->c->bytes_in;
    st->conn_out = hc->c->bytes_out;
    st->quiet_ms = now > hc->last_msg_ms ? now - hc->last_msg_ms : 0;
    if (hc->v3 != NULL && or_v3_conn_export(hc, &st->rec, &st->v3_in_age_ms,
                                            &st->v3_out_age_ms) != OR_OK)
    {
        return OR_EPROTO;
    }
    st->inlen = (uint32_t) hc->c->inlen;
    st->outlen = (uint32_t) or_conn_pending(hc->c);
    return OR_OK;
}

/* Hands session hc over; on OR_OK it is gone from here. */
static or_err_t
tk_hand(or_takeover_t *tk, or_hs_conn_t *hc)
{
    or_transfer_state_t  st;
    unsigned char        enc[OR_TRANSFER_STATE_MAX];
    size_t               len = 0, at, n;
    const char          *bufs[2];
    size_t               lens[2];
    or_err_t             rc;
    int                  bad = 0;

    rc = tk_state(tk, hc, &st);
    if (rc == OR_OK) {
        rc = or_transfer_encode(&st, enc, sizeof(enc), &len);
    }
    bufs[0] = hc->c->in;
    lens[0] = st.inlen;
    bufs[1] = hc->c->out != NULL ? hc->c->out + hc->c->outpos : NULL;
    lens[1] = st.outlen;
    or_transfer_wipe(&st);
    if (rc != OR_OK) {
        OPENSSL_cleanse(enc, sizeof(enc));
        return rc;
    }
    bad = tk_sendpkt(tk->out_fd, 'S', enc, len, hc->c->fd);
    OPENSSL_cleanse(enc, sizeof(enc));
    for (int b = 0; b < 2 && !bad; b++) {
        for (at = 0; at < lens[b] && !bad; at += n) {
            n = lens[b] - at < TK_CHUNK ? lens[b] - at : TK_CHUNK;
            bad = tk_sendpkt(tk->out_fd, 'D', bufs[b] + at, n, -1);
        }
    }
    if (bad) {
        return OR_ERROR;
    }
    tk->unacked++;
    tk->handed++;
    hc->handed_over = 1;
    /* frees hc (its v3 keys wiped by or_v3_rec_free), keeps the slot */
    or_hs_conn_close(hc, OR_LOG_INFO, NULL);
    return OR_OK;
}

static void
tk_read_acks(or_takeover_t *tk)
{
    unsigned char  a[16];
    ssize_t        n;

    while (tk->out_fd >= 0) {
        n = recv(tk->out_fd, a, sizeof(a), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return;
        }
        if (n != 9 || a[0] != 'A') {
            /* the new worker is gone: what it had not acknowledged went
             * with it */
            or_tk_out_reset(tk);
            return;
        }
        tk->unacked -= tk->unacked > 0;
        tk->last_ack_ms = or_tk_now(tk);
    }
}

static void
tk_forward_queued(or_takeover_t *tk);

static void
tk_hold(or_takeover_t *tk, int on)
{
    if (on && !tk->holding) {
        or_worker_conn_hold(tk->hs->worker);
    } else if (!on && tk->holding) {
        tk->holding = 0;
        or_worker_conn_release(tk->hs->worker);   /* may stop the loop */
    }
    tk->holding = on;
}

static void
tk_tick(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    or_takeover_t  *tk = data;
    or_hs_conn_t   *hc, *next;
    uint64_t        now = or_tk_now(tk);
    size_t          failed = 0, sessions = 0;
    int             wait;
    or_err_t        rc;

    (void) t;
    /* the last session handed over must not stop the loop before the
     * acknowledgements are in */
    tk_hold(tk, 1);
    tk_read_acks(tk);
    for (hc = tk->hs->conns; hc != NULL; hc = hc->next) {
        sessions += hc->state == OR_HS_SESSION;
    }
    if (sessions > 0 && tk_connect(tk) == 0) {
        for (hc = tk->hs->conns; hc != NULL && tk->out_fd >= 0; hc = next) {
            next = hc->next;
            if (hc->state != OR_HS_SESSION) {
                continue;
            }
            rc = tk_hand(tk, hc);
            if (rc == OR_EPROTO) {
                /* its state cannot be carried (not listed): ending it
                 * now beats keeping it to worker_shutdown_timeout */
                or_tk_count(tk, -1, 0);
                or_hs_conn_close(hc, OR_LOG_NOTICE, "its state could not "
                                 "be handed to the new worker");
            } else if (rc != OR_OK) {
                failed++;
                or_tk_out_reset(tk);
            }
        }
    }
    if (failed > 0) {
        or_log_error(or_tk_log(tk), OR_LOG_WARN, errno, "handing %zu sessions "
                     "to the new worker failed; trying again", failed);
    }
    tk_forward_queued(tk);
    /* Stay while sessions or handshakes are here (the worker's shutdown
     * timer bounds that), and at most TK_WAIT_MS for acknowledgements and
     * forwards; then one tick more, so that a `send` routed here just
     * before the last acknowledgement is passed on. */
    wait = (tk->unacked > 0 || tk->nfwd > 0)
           && now - (tk->last_ack_ms > tk->quit_ms ? tk->last_ack_ms
                                                   : tk->quit_ms)
              < TK_WAIT_MS;
    if (!wait && tk->hs->conns == NULL && tk->handed > 0 && !tk->lingered) {
        tk->lingered = 1;
        wait = 1;
    } else if (wait || tk->hs->conns != NULL) {
        tk->lingered = 0;
    }
    if ((wait || tk->hs->conns != NULL)
        && or_timer_add(loop, &tk->tick, TK_TICK_MS, tk_tick, tk) == OR_OK)
    {
        return;
    }
    if (tk->nfwd > 0) {
        or_log_error(or_tk_log(tk), OR_LOG_NOTICE, 0, "%zu hand-off datagrams "
                     "for sessions handed over were not passed on",
                     tk->nfwd);
        while (tk->nfwd > 0) {
            free(tk->fwd[--tk->nfwd].payload);
        }
    }
    tk_hold(tk, 0);
}

/* -s quit: every session closes now; handshakes in progress finish. */
static void
tk_close_sessions(or_takeover_t *tk)
{
    or_hs_conn_t  *hc, *next;
    size_t         n = 0;

    for (hc = tk->hs->conns; hc != NULL; hc = next) {
        next = hc->next;
        if (hc->state == OR_HS_SESSION) {
            or_v3_conn_say_close(hc, OR_V3_CODE_NORMAL);
            or_hs_conn_close(hc, OR_LOG_INFO, "shutting down");
            n++;
        }
    }
    if (n > 0) {
        or_log_error(or_tk_log(tk), OR_LOG_NOTICE, 0, "closed %zu sessions: "
                     "shutting down", n);
    }
}

void
or_takeover_quit(or_takeover_t *tk)
{
    or_status_t  *st;

    if (tk == NULL) {
        return;
    }
    st = malloc(sizeof(*st));
    tk->reload = st != NULL && or_status_read(tk->hs->cycle, st) == OR_OK
                 && st->generation > tk->hs->cycle->generation;
    free(st);
    tk->quit_ms = or_tk_now(tk);
    if (!tk->reload) {
        tk->shutdown = 1;
        tk_close_sessions(tk);
        return;
    }
    tk_tick(tk->hs->worker->loop, &tk->tick, tk);
}

static or_err_t
tk_forward_one(or_takeover_t *tk, const or_handoff_hdr_t *hdr,
    const char *payload, int *later)
{
    or_hs_t             *hs = tk->hs;
    or_session_table_t  *t = or_shm_addr(hs->sessions);
    or_session_t         s;

    memset(&s, 0, sizeof(s));
    or_shm_lock(hs->sessions);
    for (uint32_t i = 0; i < t->top; i++) {
        if (t->slots[i].id == hdr->session) {
            s = t->slots[i];
            break;
        }
    }
    or_shm_unlock(hs->sessions);
    *later = 0;
    if (s.id == 0) {
        return OR_AGAIN;
    }
    if (s.pid == getpid()) {
        *later = 1;             /* sent, not yet listed by the new worker */
        return OR_OK;
    }
    return or_handoff_send(s.handoff, (or_handoff_op_t) hdr->op, s.id,
                           payload, hdr->len);
}

static void
tk_forward_queued(or_takeover_t *tk)
{
    size_t  keep = 0;
    int     later;

    for (size_t i = 0; i < tk->nfwd; i++) {
        tk_fwd_t  *f = &tk->fwd[i];

        if (tk_forward_one(tk, &f->hdr, f->payload, &later) == OR_OK
            && later)
        {
            tk->fwd[keep++] = *f;
            continue;
        }
        free(f->payload);
    }
    tk->nfwd = keep;
}

or_err_t
or_takeover_forward(or_takeover_t *tk, const or_handoff_hdr_t *hdr,
    const char *payload)
{
    tk_fwd_t  *f;
    int        later;
    or_err_t   rc;

    if (tk == NULL || tk->handed == 0) {
        return OR_AGAIN;
    }
    rc = tk_forward_one(tk, hdr, payload, &later);
    if (rc != OR_OK || !later) {
        return rc;
    }
    if (tk->nfwd == TK_FWD_MAX) {
        return OR_ETOOBIG;
    }
    f = &tk->fwd[tk->nfwd];
    f->payload = malloc(hdr->len ? hdr->len : 1);
    if (f->payload == NULL) {
        return OR_ENOMEM;
    }
    memcpy(f->payload, payload, hdr->len);
    f->hdr = *hdr;
    f->at_ms = or_tk_now(tk);
    tk->nfwd++;
    return OR_OK;
}


