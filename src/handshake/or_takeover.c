/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The hand-over of sessions from an old worker to a new one on a reload
 * (or_takeover.h). On the wire of the SOCK_SEQPACKET connection, one
 * packet each:
 *   'S' + the encoded state (or_session_transfer.h), the socket attached
 *   'D' + up to TK_CHUNK bytes of its buffered input, then of its output,
 *       as many as the state says
 *   'A' + the session id (u64, host order): the new worker lists it now
 * The old worker sends with a blocking socket bounded by a send timeout,
 * and stays until every session it sent is acknowledged (or TK_WAIT_MS),
 * so that a `send` routed to it meanwhile is passed on, not lost.
 */
#include "or_takeover.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "or_conn.h"
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_evring.h"
#include "or_hs.h"
#include "or_hs_conn.h"
#include "or_log.h"
#include "or_session.h"
#include "or_session_transfer.h"
#include "or_shm.h"
#include "or_status.h"
#include "or_v3_conn.h"
#include "or_worker.h"

#define TK_CHUNK     32768      /* bytes of buffered data per packet */
#define TK_PKT_MAX   (1 + (TK_CHUNK > OR_TRANSFER_STATE_MAX ? TK_CHUNK     \
                                                 : OR_TRANSFER_STATE_MAX))
#define TK_TICK_MS   20         /* old worker: look for the new one */
#define TK_WAIT_MS   2000       /* old worker: acknowledgements, forwards */
#define TK_SNDTIMEO  2          /* s, one blocking send to the new worker */
#define TK_FWD_MAX   256        /* datagrams waiting to be passed on */

/* why a session of the old generation cannot go on under the new one */
enum { TK_R_REMOVED, TK_R_KEY, TK_R_LISTEN, TK_R_SECTOR, TK_R_LAST };

static const char *const tk_reasons[TK_R_LAST] = {
    "node removed by reload", "node key changed by reload",
    "node port changed by reload", "node sector changed by reload"
};

typedef struct {
    pid_t     pid;
    unsigned  generation;
    unsigned  index;
    uint64_t  token;            /* its listener's name */
} tk_slot_t;

typedef struct {
    uint64_t   kept;            /* sessions taken over */
    uint64_t   closed[TK_R_LAST];
    uint64_t   failed;          /* could not be handed over or taken */
    tk_slot_t  slots[OR_STATUS_SLOTS];
} tk_zone_t;

/* a connection from an old worker, assembling one session at a time */
typedef struct tk_in_s  tk_in_t;
struct tk_in_s {
    tk_in_t              *next;
    or_takeover_t        *tk;
    int                   fd;
    int                   have;     /* st is filled, data follows */
    or_transfer_state_t   st;
    int                   sfd;      /* its socket; -1 */
    unsigned char        *data;     /* st.inlen + st.outlen */
    size_t                got;
};

typedef struct {
    or_handoff_hdr_t  hdr;
    char             *payload;
    uint64_t          at_ms;
} tk_fwd_t;

struct or_takeover_s {
    or_hs_t        *hs;
    or_shm_zone_t  *zone;
    int             lfd;            /* listener; -1 */
    uint64_t        token;
    tk_in_t        *ins;
    unsigned char  *pkt;            /* TK_PKT_MAX */
    /* quitting */
    int             reload;         /* 1: hand over, 0: -s quit */
    int             shutdown;       /* -s quit: close what comes in too */
    int             out_fd;         /* to the new worker; -1 */
    pid_t           out_pid;
    size_t          unacked;        /* sent, not acknowledged */
    size_t          handed;         /* sent since the quit */
    uint64_t        quit_ms;
    uint64_t        last_ack_ms;
    int             holding;        /* or_worker_conn_hold() for the wait */
    int             lingered;       /* the one tick after the last ack */
    or_timer_t      tick;
    tk_fwd_t        fwd[TK_FWD_MAX];
    size_t          nfwd;
};

static or_log_t *
tk_log(or_takeover_t *tk)
{
    return tk->hs->cycle->log;
}

static uint64_t
tk_now(or_takeover_t *tk)
{
    return or_event_now_ms(tk->hs->worker->loop);
}

static socklen_t
tk_addr(uint64_t token, struct sockaddr_un *sa)
{
    int n;

    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    n = snprintf(sa->sun_path + 1, sizeof(sa->sun_path) - 1,
                 "openred.takeover.%016llx", (unsigned long long) token);
    return (socklen_t) (offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

or_err_t
or_takeover_zone_add(or_cycle_t *cycle)
{
    return or_shm_zone_add(cycle, OR_TAKEOVER_ZONE, sizeof(tk_zone_t), NULL)
           != NULL ? OR_OK : OR_ENOMEM;
}

/* 1 if pid is a worker the master recorded (any generation) */
static int
tk_is_worker(or_takeover_t *tk, pid_t pid)
{
    or_status_t  *st = malloc(sizeof(*st));
    int           found = 0;

    if (st == NULL || or_status_read(tk->hs->cycle, st) != OR_OK) {
        free(st);
        return 0;
    }
    for (size_t i = 0; i < OR_STATUS_SLOTS; i++) {
        found |= st->slots[i].state != OR_WORKER_FREE
                 && st->slots[i].pid == pid;
    }
    free(st);
    return found;
}

/* SO_PEERCRED of fd: our uid and, if pid > 0, that very process */
static int
tk_peer_ok(int fd, pid_t pid, pid_t *out)
{
    struct ucred  cred;
    socklen_t     len = sizeof(cred);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0
        || cred.uid != geteuid() || (pid > 0 && cred.pid != pid))
    {
        return 0;
    }
    *out = cred.pid;
    return 1;
}

/* ---- the new worker: receiving ---- */

static void
tk_in_free(tk_in_t *in)
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

static void
tk_count(or_takeover_t *tk, int reason, int kept)
{
    tk_zone_t  *z = or_shm_addr(tk->zone);

    or_shm_lock(tk->zone);
    if (kept) {
        z->kept++;
    } else if (reason >= 0) {
        z->closed[reason]++;
    } else {
        z->failed++;
    }
    or_shm_unlock(tk->zone);
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
    const char          *why = tk_reasons[TK_R_REMOVED];
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
            or_log_ctx_debug(&OR_LOG_CTX(tk_log(tk), st->node, st->address),
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
    tk_count(tk, TK_R_REMOVED, 0);
    or_log_ctx_error(&OR_LOG_CTX(tk_log(tk), st->node, st->address),
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
        or_log_error(tk_log(tk), OR_LOG_INFO, errno, "acknowledging a "
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
    uint64_t              now = tk_now(tk);
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
        tk_count(tk, -1, 0);
        or_log_ctx_error(&OR_LOG_CTX(tk_log(tk), st->node, st->address),
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

        tk_count(tk, -1, 0);
        snprintf(why, sizeof(why), "taking it over after a reload failed "
                 "(%s)", fail);
        or_hs_conn_close(hc, OR_LOG_ERR, why);
        return;
    }
    if (stale >= 0) {
        tk_count(tk, stale, 0);
        or_v3_conn_say_close(hc, OR_V3_CODE_POLICY);
        or_hs_conn_close(hc, OR_LOG_NOTICE, tk_reasons[stale]);
        return;
    }
    if (tk->shutdown) {
        or_v3_conn_say_close(hc, OR_V3_CODE_NORMAL);
        or_hs_conn_close(hc, OR_LOG_INFO, "shutting down");
        return;
    }
    tk_count(tk, -1, 1);
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
        tk_count(tk, -1, 0);
        or_log_error(tk_log(tk), OR_LOG_ERR, 0, "session hand-over refused: "
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
            tk_count(tk, -1, 0);
            or_log_error(tk_log(tk), OR_LOG_ERR, 0, "session hand-over "
                         "refused: truncated packet");
            tk_in_free(in);
            return;
        }
        if (n <= 0 || tk_in_packet(tk, in, (size_t) n, sfd) != 0) {
            if (n <= 0 && sfd >= 0) {
                close(sfd);
            }
            /* a refused packet was counted and logged where it was
             * found: only an end mid-session is "cut short" */
            if (n <= 0 && in->have) {
                tk_count(tk, -1, 0);
                or_log_error(tk_log(tk), OR_LOG_ERR, 0, "session hand-over "
                             "cut short: the old worker left mid-session");
            }
            tk_in_free(in);
            return;
        }
    }
}

static void
tk_accept(or_event_loop_t *loop, int fd, unsigned events, void *data)
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
    if (!tk_peer_ok(cfd, 0, &pid) || pid == getpid()
        || !tk_is_worker(tk, pid))
    {
        or_log_ratelimited(tk_log(tk), OR_LOG_WARN, "takeover refused", 0,
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

static void
tk_publish(or_takeover_t *tk, int on)
{
    tk_zone_t  *z = or_shm_addr(tk->zone);
    pid_t       me = getpid();
    tk_slot_t  *free_slot = NULL;

    or_shm_lock(tk->zone);
    for (size_t i = 0; i < OR_STATUS_SLOTS; i++) {
        tk_slot_t  *s = &z->slots[i];

        if (s->pid == me) {
            memset(s, 0, sizeof(*s));
        }
        /* a slot of a process gone (killed, never cleared) is free */
        if (free_slot == NULL && (s->pid == 0
                                  || (kill(s->pid, 0) == -1
                                      && errno == ESRCH)))
        {
            free_slot = s;
        }
    }
    if (on && free_slot != NULL) {
        free_slot->pid = me;
        free_slot->generation = tk->hs->cycle->generation;
        free_slot->index = tk->hs->worker->index;
        free_slot->token = tk->token;
    }
    or_shm_unlock(tk->zone);
}

or_err_t
or_takeover_open(or_hs_t *hs, or_takeover_t **out)
{
    or_takeover_t       *tk = calloc(1, sizeof(*tk));
    struct sockaddr_un   sa;
    int                  rc = -1;

    if (tk == NULL || (tk->pkt = malloc(TK_PKT_MAX)) == NULL) {
        free(tk);
        errno = ENOMEM;
        return OR_ERROR;
    }
    tk->hs = hs;
    tk->out_fd = -1;
    tk->zone = or_shm_zone_find(hs->cycle, OR_TAKEOVER_ZONE);
    tk->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
                     0);
    /* a name in use (2^-64 by chance) is only tried again */
    for (int i = 0; i < 4 && tk->lfd >= 0 && rc == -1; i++) {
        if (getrandom(&tk->token, sizeof(tk->token), 0)
            != sizeof(tk->token))
        {
            break;
        }
        rc = bind(tk->lfd, (struct sockaddr *) &sa, tk_addr(tk->token, &sa));
    }
    if (tk->zone == NULL || rc == -1 || listen(tk->lfd, 64) == -1
        || or_event_add(hs->worker->loop, tk->lfd, OR_EV_READ, tk_accept, tk)
           != OR_OK)
    {
        int  err = tk->zone == NULL ? ENOENT : errno;

        if (tk->lfd >= 0) {
            close(tk->lfd);
        }
        free(tk->pkt);
        free(tk);
        errno = err;
        return OR_ERROR;
    }
    tk_publish(tk, 1);
    *out = tk;
    return OR_OK;
}

/* ---- the old worker: handing over ---- */

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

static void
tk_out_reset(or_takeover_t *tk)
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
    tk_out_reset(tk);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return -1;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0
        || connect(fd, (struct sockaddr *) &sa, tk_addr(token, &sa)) != 0
        || !tk_peer_ok(fd, pid, &got))
    {
        or_log_error(tk_log(tk), OR_LOG_WARN, errno, "connecting to the new "
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
    uint64_t              now = tk_now(tk);
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
            tk_out_reset(tk);
            return;
        }
        tk->unacked -= tk->unacked > 0;
        tk->last_ack_ms = tk_now(tk);
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
    uint64_t        now = tk_now(tk);
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
                tk_count(tk, -1, 0);
                or_hs_conn_close(hc, OR_LOG_NOTICE, "its state could not "
                                 "be handed to the new worker");
            } else if (rc != OR_OK) {
                failed++;
                tk_out_reset(tk);
            }
        }
    }
    if (failed > 0) {
        or_log_error(tk_log(tk), OR_LOG_WARN, errno, "handing %zu sessions "
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
        or_log_error(tk_log(tk), OR_LOG_NOTICE, 0, "%zu hand-off datagrams "
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
        or_log_error(tk_log(tk), OR_LOG_NOTICE, 0, "closed %zu sessions: "
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
    tk->quit_ms = tk_now(tk);
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
    f->at_ms = tk_now(tk);
    tk->nfwd++;
    return OR_OK;
}

void
or_takeover_close(or_takeover_t *tk)
{
    if (tk == NULL) {
        return;
    }
    while (tk->ins != NULL) {
        tk_in_free(tk->ins);
    }
    or_timer_del(tk->hs->worker->loop, &tk->tick);
    tk_out_reset(tk);
    while (tk->nfwd > 0) {
        free(tk->fwd[--tk->nfwd].payload);
    }
    tk_publish(tk, 0);
    or_event_close(tk->hs->worker->loop, tk->lfd);
    free(tk->pkt);
    free(tk);
}

or_err_t
or_takeover_status(or_cycle_t *cycle, json_t *status)
{
    or_shm_zone_t  *zone = or_shm_zone_find(cycle, OR_TAKEOVER_ZONE);
    tk_zone_t      *z = zone != NULL ? or_shm_addr(zone) : NULL;
    json_t         *closed, *o;

    if (z == NULL) {
        return OR_OK;
    }
    closed = json_object();
    or_shm_lock(zone);
    for (int i = 0; closed != NULL && i < TK_R_LAST; i++) {
        json_object_set_new(closed, tk_reasons[i],
                            json_integer((json_int_t) z->closed[i]));
    }
    o = json_pack("{s:I, s:o?, s:I}", "sessions_kept", (json_int_t) z->kept,
                  "sessions_closed", closed, "failed", (json_int_t) z->failed);
    or_shm_unlock(zone);
    if (o == NULL || json_object_set_new(status, "reload", o) != 0) {
        return OR_ENOMEM;
    }
    return OR_OK;
}
