/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Static peers: the configured entries of each node, their addresses
 * (numeric at start, host names through getaddrinfo_a), and a round every
 * 5 s (+ up to 1 s of jitter) that dials the ones without a session.
 */
#include "or_static_peers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "openred.h"
#include "or_autoconnect.h"
#include "or_conn.h"
#include "or_cycle.h"
#include "or_event.h"
#include "or_hs.h"
#include "or_json.h"
#include "or_log.h"
#include "or_session.h"
#include "or_shm.h"
#include "or_v3.h"
#include "or_worker.h"

#define SP_ROUND_MS   5000
#define SP_FIRST_MS   1000

typedef struct {
    size_t                   node;
    char                     address[256];   /* as configured */
    char                     host[256];
    char                     port[6];
    char                     fp[OR_FP_LEN + 1];
    unsigned char            id[OR_V3_ID_LEN];
    int                      v3;
    struct sockaddr_storage  sa;
    socklen_t                salen;          /* 0: no address yet */
    char                     resolved[64];   /* the address, as text */
    int64_t                  resolved_at;    /* s; 0: never */
    int                      pending;        /* a lookup in flight */
    struct gaicb             req;
    struct addrinfo          hints;
    uint64_t                 dials;
} sp_entry_t;

struct or_static_peers_s {
    or_hs_t           *hs;        /* borrowed */
    or_autoconnect_t  *ac;        /* borrowed */
    sp_entry_t        *e;
    size_t             n;
    int                efd;       /* lookups done; -1 if none */
    or_timer_t         timer;
    int                stopped;   /* quitting: no more dials */
};

/* ---- the entries, for postconf and for the worker ---- */

static int
sp_host_name_ok(const char *h)
{
    size_t  label = 0, len = strlen(h);

    if (len == 0 || len > 253) {
        return 0;
    }
    for (const char *p = h; *p != '\0'; p++) {
        if (*p == '.') {
            if (label == 0) {
                return 0;
            }
            label = 0;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-')
            || (*p == '-' && label == 0) || ++label > 63)
        {
            return 0;
        }
    }
    return 1;
}

/* "host:port", "[v6]:port", host a name or a numeric address */
static or_err_t
sp_parse_address(const char *a, sp_entry_t *e, char *err, size_t errlen)
{
    const char *colon;
    size_t      hlen;
    long        port;
    char       *end;

    if (a[0] == '[') {
        colon = strstr(a, "]:");
        hlen = colon ? (size_t) (colon - a - 1) : 0;
        if (colon == NULL || hlen == 0 || hlen >= sizeof(e->host)) {
            goto bad;
        }
        memcpy(e->host, a + 1, hlen);
        e->host[hlen] = '\0';
        colon++;
    } else {
        colon = strrchr(a, ':');
        if (colon == NULL || strchr(a, ':') != colon) {
            goto bad;
        }
        hlen = (size_t) (colon - a);
        if (hlen == 0 || hlen >= sizeof(e->host)) {
            goto bad;
        }
        memcpy(e->host, a, hlen);
        e->host[hlen] = '\0';
        if (!sp_host_name_ok(e->host)) {
            snprintf(err, errlen, "\"%.64s\" is not a host name or an IPv4 "
                     "address", e->host);
            return OR_ECONF;
        }
    }
    colon++;
    if (colon[0] == '\0' || strlen(colon) > 5
        || strspn(colon, "0123456789") != strlen(colon))
    {
        goto bad;
    }
    port = strtol(colon, &end, 10);
    if (port < 1 || port > 65535) {
        snprintf(err, errlen, "port %ld is out of range 1..65535", port);
        return OR_ECONF;
    }
    snprintf(e->port, sizeof(e->port), "%ld", port);
    if (a[0] == '[') {
        struct in6_addr  in6;

        if (inet_pton(AF_INET6, e->host, &in6) != 1) {
            snprintf(err, errlen, "\"%.64s\" is not an IPv6 address",
                     e->host);
            return OR_ECONF;
        }
    }
    snprintf(e->address, sizeof(e->address), "%s", a);
    return OR_OK;

bad:
    snprintf(err, errlen, "\"%.200s\" is not an address (expected "
             "\"host:port\" or \"[ipv6]:port\")", a);
    return OR_ECONF;
}

/* 16 hex: the v2 fingerprint (dialled in v2); 64 hex: the v3 id */
static or_err_t
sp_parse_id(const char *id, sp_entry_t *e, char *err, size_t errlen)
{
    size_t  len = strlen(id);

    if ((len != OR_FP_LEN && len != OR_V3_ID_HEX_LEN)
        || !or_json_is_hex(id, len))
    {
        snprintf(err, errlen, "id \"%.80s\": expected a 64-hex id (v3) or a "
                 "16-hex fingerprint (v2), lowercase", id);
        return OR_ECONF;
    }
    e->v3 = len == OR_V3_ID_HEX_LEN;
    for (size_t k = 0; e->v3 && k < OR_V3_ID_LEN; k++) {
        unsigned  b;

        if (sscanf(id + 2 * k, "%2x", &b) != 1) {
            return OR_ECONF;
        }
        e->id[k] = (unsigned char) b;
    }
    snprintf(e->fp, sizeof(e->fp), "%.16s", id);
    return OR_OK;
}

static or_err_t
sp_parse(const or_conf_record_t *r, sp_entry_t *e, char *err, size_t errlen)
{
    const char *addr = or_conf_record_get(r, "address");
    const char *id = or_conf_record_get(r, "id");

    for (size_t k = 0; k < r->n; k++) {
        if (strcmp(r->names[k], "address") != 0
            && strcmp(r->names[k], "id") != 0)
        {
            snprintf(err, errlen, "unknown member \"%.32s\" (a static peer "
                     "has address and id)", r->names[k]);
            return OR_ECONF;
        }
    }
    if (addr == NULL || id == NULL) {
        snprintf(err, errlen, "missing %s", addr == NULL ? "address" : "id");
        return OR_ECONF;
    }
    if (sp_parse_address(addr, e, err, errlen) != OR_OK) {
        return OR_ECONF;
    }
    return sp_parse_id(id, e, err, errlen);
}

void
or_static_peers_check(or_conf_report_t *rep, const or_node_t *node,
    const or_conf_records_t *peers)
{
    const char  *file = node->file;
    int          line = node->line;
    char         err[320];
    sp_entry_t   e, seen;

    if (peers->n == 0) {
        return;
    }
    (void) or_conf_source(node, NULL, "peers", &file, &line);
    for (size_t i = 0; i < peers->n; i++) {
        memset(&e, 0, sizeof(e));
        if (sp_parse(&peers->v[i], &e, err, sizeof(err)) != OR_OK) {
            or_conf_error(rep, file, peers->v[i].line, "peers", "entry %zu: "
                          "%s", i + 1, err);
            continue;
        }
        for (size_t k = 0; k < i; k++) {
            memset(&seen, 0, sizeof(seen));
            if (sp_parse(&peers->v[k], &seen, err, sizeof(err)) == OR_OK
                && strcmp(seen.fp, e.fp) == 0)
            {
                or_conf_error(rep, file, peers->v[i].line, "peers",
                              "entry %zu: peer %s is entry %zu already",
                              i + 1, e.fp, k + 1);
                break;
            }
        }
    }
}

/* ---- worker 0 ---- */

__attribute__((format(printf, 5, 6)))
static void
sp_log(or_static_peers_t *sp, sp_entry_t *e, or_log_level_t level,
    const char *key, const char *fmt, ...)
{
    char     msg[512];
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    or_log_ctx_ratelimited(&OR_LOG_CTX(sp->hs->cycle->log,
                                       sp->hs->nodes[e->node].id,
                                       e->address),
                           level, key, 0, "%s", msg);
}

static void
sp_take(or_static_peers_t *sp, sp_entry_t *e, const struct addrinfo *ai)
{
    char  was[64];

    for (; ai != NULL; ai = ai->ai_next) {
        if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
            && ai->ai_addrlen <= sizeof(e->sa))
        {
            break;
        }
    }
    if (ai == NULL) {
        sp_log(sp, e, OR_LOG_NOTICE, "static peer: no address",
               "static peer %s: no IPv4 or IPv6 address", e->host);
        return;
    }
    memcpy(&e->sa, ai->ai_addr, ai->ai_addrlen);
    e->salen = ai->ai_addrlen;
    e->resolved_at = (int64_t) time(NULL);
    snprintf(was, sizeof(was), "%s", e->resolved);
    or_conn_addr_text((struct sockaddr *) &e->sa, e->resolved,
                      sizeof(e->resolved));
    if (strcmp(was, e->resolved) != 0) {
        sp_log(sp, e, OR_LOG_INFO, "static peer: resolved",
               "static peer resolved to %s", e->resolved);
    }
}

/* runs on glibc's thread: only the eventfd, never the daemon */
static void
sp_notify(union sigval sv)
{
    uint64_t  one = 1;

    if (write(sv.sival_int, &one, sizeof(one)) == -1) {
        /* the counter is full (never, at 2^64 - 1): it is readable anyway */
    }
}

static void
sp_resolve(or_static_peers_t *sp, sp_entry_t *e)
{
    struct gaicb    *list[1] = { &e->req };
    struct sigevent  sev;
    int              rc;

    memset(&e->req, 0, sizeof(e->req));
    memset(&e->hints, 0, sizeof(e->hints));
    memset(&sev, 0, sizeof(sev));
    e->hints.ai_family = AF_UNSPEC;
    e->hints.ai_socktype = SOCK_STREAM;
    e->hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    e->req.ar_name = e->host;
    e->req.ar_service = e->port;
    e->req.ar_request = &e->hints;
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_notify_function = sp_notify;
    sev.sigev_value.sival_int = sp->efd;
    rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev);
    if (rc != 0) {
        sp_log(sp, e, OR_LOG_NOTICE, "static peer: lookup not started",
               "static peer: looking it up failed to start: %s",
               gai_strerror(rc));
        return;
    }
    e->pending = 1;
}

/* the eventfd: collect the lookups that ended */
static void
sp_done(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    or_static_peers_t *sp = data;
    uint64_t           n;
    int                rc;

    (void) loop;
    (void) events;
    if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN) {
        or_log_error(sp->hs->cycle->log, OR_LOG_ERR, errno, "static peers: "
                     "reading the resolver's eventfd");
    }
    for (size_t i = 0; i < sp->n; i++) {
        sp_entry_t *e = &sp->e[i];

        if (!e->pending || (rc = gai_error(&e->req)) == EAI_INPROGRESS) {
            continue;
        }
        e->pending = 0;
        if (rc == 0) {
            sp_take(sp, e, e->req.ar_result);
        } else {
            /* keeps the last address, if any, and tries again next round */
            e->resolved_at = (int64_t) time(NULL);
            sp_log(sp, e, OR_LOG_NOTICE, "static peer: lookup failed",
                   "static peer: looking it up failed: %s",
                   gai_strerror(rc));
        }
        if (e->req.ar_result != NULL) {
            freeaddrinfo(e->req.ar_result);
            e->req.ar_result = NULL;
        }
    }
    or_static_peers_round(sp);
}

/* a numeric host needs no lookup: AI_NUMERICHOST never blocks */
static int
sp_numeric(sp_entry_t *e)
{
    struct addrinfo  hints, *ai = NULL;
    int              ok;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(e->host, e->port, &hints, &ai) != 0 || ai == NULL) {
        return 0;
    }
    ok = ai->ai_addrlen <= sizeof(e->sa);
    if (ok) {
        memcpy(&e->sa, ai->ai_addr, ai->ai_addrlen);
        e->salen = ai->ai_addrlen;
        e->resolved_at = INT64_MAX;      /* never looked up again */
        or_conn_addr_text((struct sockaddr *) &e->sa, e->resolved,
                          sizeof(e->resolved));
    }
    freeaddrinfo(ai);
    return ok;
}

void
or_static_peers_round(or_static_peers_t *sp)
{
    int64_t  now = (int64_t) time(NULL);

    for (size_t i = 0; !sp->stopped && i < sp->n; i++) {
        sp_entry_t *e = &sp->e[i];

        if (!e->pending && e->resolved_at != INT64_MAX
            && (e->salen == 0 || now - e->resolved_at >= OR_STATIC_RESOLVE_S))
        {
            sp_resolve(sp, e);
        }
        if (e->salen != 0
            && or_autoconnect_dial(sp->ac, e->node, (struct sockaddr *) &e->sa,
                                   e->salen, e->fp, e->v3 ? e->id : NULL)
               == OR_OK)
        {
            e->dials++;
        }
    }
}

static void
sp_tick(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    or_static_peers_t *sp = data;

    or_static_peers_round(sp);
    if (or_timer_add(loop, t, SP_ROUND_MS
                     + or_rand_below(&sp->hs->worker->rand, 1000), sp_tick,
                     sp)
        != OR_OK)
    {
        or_log_error(sp->hs->cycle->log, OR_LOG_ERR, ENOMEM, "static peers: "
                     "timer stopped");
    }
}

or_err_t
or_static_peers_new(or_hs_t *hs, or_autoconnect_t *ac,
    const or_conf_records_t *const *lists, or_static_peers_t **out)
{
    or_static_peers_t *sp;
    size_t             n = 0;
    char               err[320];

    *out = NULL;
    for (size_t i = 0; i < hs->nnodes; i++) {
        n += lists[i] != NULL ? lists[i]->n : 0;
    }
    if (n == 0) {
        return OR_OK;
    }
    sp = calloc(1, sizeof(*sp));
    if (sp == NULL || (sp->e = calloc(n, sizeof(*sp->e))) == NULL) {
        free(sp);
        return OR_ENOMEM;
    }
    sp->hs = hs;
    sp->ac = ac;
    sp->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    for (size_t i = 0; i < hs->nnodes; i++) {
        for (size_t k = 0; lists[i] != NULL && k < lists[i]->n; k++) {
            sp_entry_t *e = &sp->e[sp->n];

            /* postconf checked them: a failure here is a bug, said once */
            if (sp_parse(&lists[i]->v[k], e, err, sizeof(err)) != OR_OK) {
                or_log_error(hs->cycle->log, OR_LOG_ERR, 0, "static peer "
                             "%zu of node %s: %s", k + 1, hs->nodes[i].id,
                             err);
                memset(e, 0, sizeof(*e));
                continue;
            }
            e->node = i;
            (void) sp_numeric(e);
            sp->n++;
        }
    }
    if (sp->efd == -1
        || or_event_add(hs->worker->loop, sp->efd, OR_EV_READ, sp_done, sp)
           != OR_OK
        || or_timer_add(hs->worker->loop, &sp->timer, SP_FIRST_MS, sp_tick,
                        sp) != OR_OK)
    {
        or_log_error(hs->cycle->log, OR_LOG_ERR, errno, "static peers: "
                     "cannot start");
        if (sp->efd != -1) {
            or_event_close(hs->worker->loop, sp->efd);
        }
        free(sp->e);
        free(sp);
        return OR_ERROR;
    }
    *out = sp;
    return OR_OK;
}

void
or_static_peers_stop(or_static_peers_t *sp)
{
    if (sp != NULL) {
        sp->stopped = 1;     /* a lookup that ends now dials no one */
        or_timer_del(sp->hs->worker->loop, &sp->timer);
    }
}

void
or_static_peers_free(or_static_peers_t *sp)
{
    int  busy = 0;

    if (sp == NULL) {
        return;
    }
    or_static_peers_stop(sp);
    for (size_t i = 0; i < sp->n; i++) {
        if (sp->e[i].pending && gai_cancel(&sp->e[i].req) == EAI_NOTCANCELED) {
            busy = 1;
        } else if (sp->e[i].pending && sp->e[i].req.ar_result != NULL) {
            freeaddrinfo(sp->e[i].req.ar_result);
        }
    }
    if (busy) {
        /* a lookup still runs and will write the eventfd and its gaicb:
         * both stay until the process (which is exiting) ends */
        if (or_event_del(sp->hs->worker->loop, sp->efd) != OR_OK) {
            or_log_error(sp->hs->cycle->log, OR_LOG_NOTICE, errno,
                         "static peers: removing the resolver's eventfd");
        }
        return;
    }
    or_event_close(sp->hs->worker->loop, sp->efd);
    free(sp->e);
    free(sp);
}

json_t *
or_static_peers_status(or_static_peers_t *sp)
{
    json_t             *o = json_object(), *a;
    or_session_table_t *t;

    for (size_t i = 0; sp != NULL && o != NULL && i < sp->n; i++) {
        sp_entry_t *e = &sp->e[i];
        const char *node = sp->hs->nodes[e->node].id;
        int         have;

        a = json_object_get(o, node);
        if (a == NULL) {
            a = json_array();
            json_object_set_new(o, node, a);
        }
        t = or_shm_addr(sp->hs->sessions);
        or_shm_lock(sp->hs->sessions);
        have = or_session_find(t, node, e->fp) >= 0;
        or_shm_unlock(sp->hs->sessions);
        json_array_append_new(a, json_pack("{s:s, s:s, s:i, s:s, s:b, s:I}",
            "address", e->address, "fingerprint", e->fp, "version",
            e->v3 ? 3 : 2, "resolved", e->salen ? e->resolved : "",
            "session", have, "dials", (json_int_t) e->dials));
    }
    return o;
}
