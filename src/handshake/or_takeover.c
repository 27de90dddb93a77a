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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "or_cycle.h"
#include "or_hs.h"
#include "or_takeover_int.h"
#include "or_worker.h"

const char *const or_tk_reasons[TK_R_LAST] = {
    "node removed by reload", "node key changed by reload",
    "node port changed by reload", "node sector changed by reload"
};

or_log_t *
or_tk_log(or_takeover_t *tk)
{
    return tk->hs->cycle->log;
}

uint64_t
or_tk_now(or_takeover_t *tk)
{
    return or_event_now_ms(tk->hs->worker->loop);
}

socklen_t
or_tk_addr(uint64_t token, struct sockaddr_un *sa)
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
int
or_tk_is_worker(or_takeover_t *tk, pid_t pid)
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
int
or_tk_peer_ok(int fd, pid_t pid, pid_t *out)
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


void
or_tk_count(or_takeover_t *tk, int reason, int kept)
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
        rc = bind(tk->lfd, (struct sockaddr *) &sa, or_tk_addr(tk->token, &sa));
    }
    if (tk->zone == NULL || rc == -1 || listen(tk->lfd, 64) == -1
        || or_event_add(hs->worker->loop, tk->lfd, OR_EV_READ, or_tk_accept, tk)
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

void
or_takeover_close(or_takeover_t *tk)
{
    if (tk == NULL) {
        return;
    }
    while (tk->ins != NULL) {
        or_tk_in_free(tk->ins);
    }
    or_timer_del(tk->hs->worker->loop, &tk->tick);
    or_tk_out_reset(tk);
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
        json_object_set_new(closed, or_tk_reasons[i],
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
