/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The dht module: rendezvous over OpenDHT (its C API, opendht_c.h). A node
 * with dht.bootstrap announces a sealed, signed, short-lived record of its
 * addresses and v3 id (or_peer_record.h) under a key derived from
 * dht.passphrase, listens for the records of others and hands what it
 * finds to the dialling module as a hint (or_dial.h): the v3 handshake
 * authenticates. OpenDHT runs on its own threads; its callbacks only copy
 * into a locked queue and write an eventfd that worker 0's loop reads, so
 * nothing of the daemon runs on them.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <jansson.h>
#include <net/if.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <opendht/opendht_c.h>

#include "openred.h"
#include "or_conf.h"
#include "or_conn.h"
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_peer_record.h"
#include "or_dial.h"
#include "or_event.h"
#include "or_log.h"
#include "or_module.h"
#include "or_worker.h"

#define DHT_QUEUE_MAX     256       /* events the DHT threads may queue */
#define DHT_FOUND_MAX     64        /* peers remembered, all nodes */
#define DHT_RETRY_MS      5000      /* a failed put or start, again */
#define DHT_START_TRIES   30        /* a fixed port still held (reload) */

typedef struct dht_worker_s dht_worker_t;

typedef struct {
    int64_t   port;          /* UDP; 0: any */
    int64_t   interval;      /* s between announcements */
    dht_worker_t *worker;    /* worker 0's state */
} or_dht_main_conf_t;

typedef struct {
    or_strlist_t  bootstrap;
    char         *passphrase;
    or_strlist_t  announce;
} or_dht_conf_t;

#define DM(f)  offsetof(or_dht_main_conf_t, f)
#define DN(f)  offsetof(or_dht_conf_t, f)

static const or_setting_t dht_settings[] = {
    { "dht", "port", OR_CONF_T_INT, OR_SCOPE_MAIN,
      "0", DM(port), 0, 65535, 0, NULL },
    { "dht", "interval", OR_CONF_T_INT, OR_SCOPE_MAIN,
      "60", DM(interval), 5, 3600, 0, NULL },
    { "dht", "bootstrap", OR_CONF_T_STRLIST, OR_SCOPE_INHERIT,
      "[]", DN(bootstrap), 0, 16, 0, NULL },
    { "dht", "passphrase", OR_CONF_T_STR, OR_SCOPE_INHERIT,
      "\"\"", DN(passphrase), 0, 1024, 0, NULL },
    { "dht", "announce", OR_CONF_T_STRLIST, OR_SCOPE_INHERIT,
      "[]", DN(announce), 0, OR_PEER_REC_ADDRS_MAX, 0, NULL },
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }
};

static or_err_t dht_postconf(or_cycle_t *cycle, or_conf_report_t *rep);
static or_err_t dht_init_worker(or_cycle_t *cycle, or_worker_t *w);
static void dht_exit_worker(or_cycle_t *cycle, or_worker_t *w);
static or_err_t dht_status(or_cycle_t *cycle, json_t *status);

or_module_t or_dht_module = {
    .name = "dht",
    .settings = dht_settings,
    .main_conf_size = sizeof(or_dht_main_conf_t),
    .node_conf_size = sizeof(or_dht_conf_t),
    .postconf = dht_postconf,
    .init_worker = dht_init_worker,
    .exit_worker = dht_exit_worker,
    .status = dht_status,
};

#define dht_main(cycle)                                                       \
    ((or_dht_main_conf_t *) or_cycle_main_conf(cycle, or_dht_module))
#define dht_node(node)                                                        \
    ((or_dht_conf_t *) or_node_conf(node, or_dht_module))

enum { DHT_EV_VALUE, DHT_EV_PUT, DHT_EV_PING };

/* filled on a DHT thread, read in the loop */
typedef struct dht_ev_s {
    struct dht_ev_s  *next;
    int               kind;
    size_t            node;        /* VALUE, PUT; PING: bootstrap index */
    int               ok;          /* PUT, PING */
    size_t            len;         /* VALUE */
    unsigned char     data[];
} dht_ev_t;

typedef struct {
    dht_worker_t     *dw;
    size_t            index;
} dht_cb_t;

typedef struct {
    int               on;
    or_peer_keys_t     keys;
    dht_infohash      hash;
    dht_op_token     *listen;
    dht_cb_t          cb;
    char              addrs[OR_PEER_REC_ADDRS_MAX][OR_PEER_REC_ADDR_LEN];
    size_t            naddrs;
    uint64_t          announced, put_ok, put_failed;
    uint64_t          found, refused, own, dialled;
} dht_node_t;

typedef struct {
    size_t            node;
    or_peer_record_t   rec;
    int64_t           seen;        /* s */
    size_t            next;        /* the address the next dial tries */
} dht_found_t;

typedef struct {
    char              text[256];   /* as configured */
    char              host[256];
    char              port[6];
    int               reached;
    dht_cb_t          cb;
    /* a name: looked up with getaddrinfo_a (OpenDHT's own lookup would
     * block worker 0), its answer reported through the module's eventfd */
    int               pending;
    struct gaicb      req;
    struct addrinfo   hints;
    struct sockaddr_storage  sa;
    socklen_t         salen;       /* 0: no address yet */
} dht_boot_t;

struct dht_worker_s {
    or_cycle_t       *cycle;
    or_worker_t      *w;
    dht_runner       *runner;      /* NULL until started */
    int               efd;
    pthread_mutex_t   mu;          /* the queue, shared with DHT threads */
    dht_ev_t         *head, *tail;
    size_t            queued;
    uint64_t          dropped;     /* events over DHT_QUEUE_MAX */
    dht_node_t       *nodes;
    size_t            nnodes;
    dht_boot_t       *boots;
    size_t            nboots;
    dht_found_t       found[DHT_FOUND_MAX];
    or_timer_t        timer;
    unsigned          tries;
    int               stopping;
};

/* ---- config ---- */

static int
dht_node_on(const or_node_t *node)
{
    return dht_node(node)->bootstrap.n > 0;
}

static or_err_t
dht_postconf(or_cycle_t *cycle, or_conf_report_t *rep)
{
    const char *file;
    int         line;
    or_addr_t   a;
    char        err[256];

    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_node_t     *node = &cycle->nodes[i];
        or_dht_conf_t *dc = dht_node(node);

        if (!dht_node_on(node)) {
            continue;
        }
        file = node->file;
        line = node->line;
        (void) or_conf_source(node, "dht", "bootstrap", &file, &line);
        (void) or_conf_needs_module(rep, node, "dht", "bootstrap", "dht",
                                    "handshake");
        if (dc->passphrase == NULL || dc->passphrase[0] == '\0') {
            or_conf_error(rep, file, line, "dht", "bootstrap needs "
                          "dht.passphrase, the network's secret (records "
                          "go under a key derived from it)");
        }
        for (size_t k = 0; k < dc->bootstrap.n; k++) {
            const char *b = dc->bootstrap.v[k];
            const char *colon = strrchr(b, ':');

            if (colon == NULL || colon == b || colon[1] == '\0'
                || strspn(colon + 1, "0123456789") != strlen(colon + 1)
                || atoi(colon + 1) < 1 || atoi(colon + 1) > 65535)
            {
                or_conf_error(rep, file, line, "bootstrap", "entry %zu: "
                              "\"%.200s\" is not host:port", k + 1, b);
            }
        }
        (void) or_conf_source(node, "dht", "announce", &file, &line);
        for (size_t k = 0; k < dc->announce.n; k++) {
            if (or_conf_parse_addr(dc->announce.v[k], &a, err, sizeof(err))
                != OR_OK)
            {
                or_conf_error(rep, file, line, "announce", "entry %zu: %s",
                              k + 1, err);
            }
        }
    }
    return OR_OK;
}

/* ---- the DHT threads' side: copy, queue, wake the loop ---- */

static void
dht_push(dht_worker_t *dw, int kind, size_t node, int ok,
    const uint8_t *data, size_t len)
{
    dht_ev_t  *e;
    uint64_t   one = 1;

    if (len > OR_PEER_RECORD_MAX) {
        len = 0;                    /* refused in the loop, by size */
        data = NULL;
        ok = -1;
    }
    e = malloc(sizeof(*e) + len);
    pthread_mutex_lock(&dw->mu);
    if (e == NULL || dw->queued >= DHT_QUEUE_MAX || dw->stopping) {
        dw->dropped++;
        pthread_mutex_unlock(&dw->mu);
        free(e);
        return;
    }
    e->next = NULL;
    e->kind = kind;
    e->node = node;
    e->ok = ok;
    e->len = len;
    if (len > 0) {
        memcpy(e->data, data, len);
    }
    if (dw->tail != NULL) {
        dw->tail->next = e;
    } else {
        dw->head = e;
    }
    dw->tail = e;
    dw->queued++;
    pthread_mutex_unlock(&dw->mu);
    if (write(dw->efd, &one, sizeof(one)) == -1) {
        /* full at 2^64 - 1 only: it is readable anyway */
    }
}

static bool
dht_on_value(const dht_value *v, bool expired, void *data)
{
    dht_cb_t      *cb = data;
    dht_data_view  d;

    if (!expired) {
        d = dht_value_get_data(v);
        dht_push(cb->dw, DHT_EV_VALUE, cb->index, 1, d.data, d.size);
    }
    return true;
}

static void
dht_on_put(bool ok, void *data)
{
    dht_cb_t *cb = data;

    dht_push(cb->dw, DHT_EV_PUT, cb->index, ok, NULL, 0);
}

static void
dht_on_ping(bool ok, void *data)
{
    dht_cb_t *cb = data;

    dht_push(cb->dw, DHT_EV_PING, cb->index, ok, NULL, 0);
}

/* ---- worker 0 ---- */

#define dht_ctx(dw, node, peer)                                               \
    OR_LOG_CTX((dw)->cycle->log,                                              \
               (node) < (dw)->nnodes                                          \
               ? or_core_node(&(dw)->cycle->nodes[node])->id : NULL, (peer))

/* what a node announces: dht.announce, else its listen address, else
 * (listening on any address) those of its interfaces that are up */
static void
dht_addrs(dht_worker_t *dw, size_t i)
{
    or_node_t           *node = &dw->cycle->nodes[i];
    or_dht_conf_t       *dc = dht_node(node);
    dht_node_t          *n = &dw->nodes[i];
    const or_addr_t     *l = &or_core_node(node)->listen;
    struct ifaddrs      *ifa = NULL, *p;
    char                 host[INET6_ADDRSTRLEN];
    int                  any;

    n->naddrs = 0;
    for (size_t k = 0; k < dc->announce.n && k < OR_PEER_REC_ADDRS_MAX; k++) {
        snprintf(n->addrs[n->naddrs++], OR_PEER_REC_ADDR_LEN, "%s",
                 dc->announce.v[k]);
    }
    if (n->naddrs > 0) {
        return;
    }
    any = (l->sa.ss_family == AF_INET
           && ((const struct sockaddr_in *) &l->sa)->sin_addr.s_addr == 0)
          || (l->sa.ss_family == AF_INET6
              && IN6_IS_ADDR_UNSPECIFIED(
                     &((const struct sockaddr_in6 *) &l->sa)->sin6_addr));
    if (!any) {
        snprintf(n->addrs[n->naddrs++], OR_PEER_REC_ADDR_LEN, "%s", l->text);
        return;
    }
    if (getifaddrs(&ifa) == -1) {
        return;
    }
    for (p = ifa; p != NULL && n->naddrs < OR_PEER_REC_ADDRS_MAX; p = p->ifa_next)
    {
        int fam = p->ifa_addr ? p->ifa_addr->sa_family : AF_UNSPEC;

        if ((fam != AF_INET && fam != AF_INET6)
            || !(p->ifa_flags & IFF_UP) || (p->ifa_flags & IFF_LOOPBACK)
            || (fam == AF_INET6 && (l->sa.ss_family == AF_INET
                || IN6_IS_ADDR_LINKLOCAL(
                       &((struct sockaddr_in6 *) p->ifa_addr)->sin6_addr)))
            || getnameinfo(p->ifa_addr, fam == AF_INET
                           ? sizeof(struct sockaddr_in)
                           : sizeof(struct sockaddr_in6), host,
                           sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
        {
            continue;
        }
        snprintf(n->addrs[n->naddrs++], OR_PEER_REC_ADDR_LEN,
                 fam == AF_INET ? "%s:%u" : "[%s]:%u", host, l->port);
    }
    freeifaddrs(ifa);
}

static void
dht_announce(dht_worker_t *dw, size_t i)
{
    dht_node_t      *n = &dw->nodes[i];
    or_node_t       *node = &dw->cycle->nodes[i];
    or_peer_record_t  r;
    unsigned char    buf[OR_PEER_RECORD_MAX];
    size_t           len;
    or_errbuf_t      eb;
    dht_value       *v;

    dht_addrs(dw, i);
    if (n->naddrs == 0) {
        or_log_ctx_ratelimited(&dht_ctx(dw, i, NULL), OR_LOG_NOTICE,
                               "dht: no address", 0, "dht: no address to "
                               "announce (set dht.announce)");
        return;
    }
    memset(&r, 0, sizeof(r));
    memcpy(r.addrs, n->addrs, sizeof(r.addrs));
    r.naddrs = n->naddrs;
    r.ts = (int64_t) time(NULL);
    r.ttl = dht_main(dw->cycle)->interval * 5 < OR_PEER_TTL_MAX
            ? dht_main(dw->cycle)->interval * 5 : OR_PEER_TTL_MAX;
    memset(&eb, 0, sizeof(eb));
    if (or_peer_record_seal(&n->keys, node->key, &r, buf, sizeof(buf), &len,
                           &eb) != OR_OK)
    {
        or_log_ctx_ratelimited(&dht_ctx(dw, i, NULL), OR_LOG_ERR,
                               "dht: record", 0, "dht: making the record "
                               "failed: %s", eb.msg);
        return;
    }
    v = dht_value_new(buf, len);
    if (v == NULL) {
        return;
    }
    dht_runner_put(dw->runner, &n->hash, v, dht_on_put, &n->cb, false);
    dht_value_unref(v);
    n->announced++;
}

static int
dht_is_own(dht_worker_t *dw, const unsigned char *id)
{
    char hex[OR_V3_ID_HEX_LEN + 1];

    or_v3_id_hex(id, hex);
    for (size_t i = 0; i < dw->cycle->nnodes; i++) {
        if (strncmp(or_key_fingerprint(dw->cycle->nodes[i].key), hex,
                    OR_FP_LEN) == 0)
        {
            return 1;
        }
    }
    return 0;
}

/* a hint to the dialling module: the next address of the record */
static void
dht_dial(dht_worker_t *dw, dht_found_t *f)
{
    or_addr_t  a;
    char       err[128];
    const char *text = f->rec.addrs[f->next % f->rec.naddrs];
    or_err_t   rc;

    if (or_conf_parse_addr(text, &a, err, sizeof(err)) != OR_OK) {
        return;
    }
    rc = or_dial_hint(f->node, (struct sockaddr *) &a.sa, a.len, f->rec.id,
                      "dht");
    if (rc == OR_OK) {
        dw->nodes[f->node].dialled++;
        f->next++;
    } else if (rc != OR_AGAIN) {
        f->next++;
    }
}

static void
dht_record_in(dht_worker_t *dw, size_t i, const unsigned char *data, size_t len)
{
    dht_node_t      *n = &dw->nodes[i];
    or_peer_record_t  r;
    or_errbuf_t      eb;
    dht_found_t     *f = NULL, *oldest = NULL;
    int64_t          now = (int64_t) time(NULL);

    memset(&eb, 0, sizeof(eb));
    if (or_peer_record_open(&n->keys, data, len, now, &r, &eb) != OR_OK) {
        n->refused++;
        or_log_ctx_ratelimited(&dht_ctx(dw, i, NULL), OR_LOG_INFO,
                               "dht: record refused", 0, "dht: record "
                               "refused: %s (%s)", or_reason_name(eb.reason),
                               eb.msg);
        return;
    }
    if (dht_is_own(dw, r.id)) {
        n->own++;
        return;
    }
    for (size_t k = 0; k < DHT_FOUND_MAX; k++) {
        dht_found_t *e = &dw->found[k];

        if (e->rec.naddrs != 0 && e->node == i
            && memcmp(e->rec.id, r.id, OR_V3_ID_LEN) == 0)
        {
            f = e;
            break;
        }
        if (e->rec.naddrs == 0 || e->rec.ts + e->rec.ttl < now) {
            f = f ? f : e;
        } else if (oldest == NULL || e->seen < oldest->seen) {
            oldest = e;
        }
    }
    f = f ? f : oldest;
    if (f->rec.naddrs != 0 && f->node == i
        && memcmp(f->rec.id, r.id, OR_V3_ID_LEN) == 0)
    {
        if (r.ts < f->rec.ts) {
            return;                 /* an older record of it: keep ours */
        }
    } else {
        char hex[OR_V3_ID_HEX_LEN + 1];

        n->found++;
        or_v3_id_hex(r.id, hex);
        or_log_ctx_error(&dht_ctx(dw, i, r.addrs[0]), OR_LOG_INFO, 0,
                         "dht: found peer %.16s (%zu address%s)", hex,
                         r.naddrs, r.naddrs == 1 ? "" : "es");
        f->next = 0;
    }
    f->node = i;
    f->rec = r;
    f->seen = now;
    dht_dial(dw, f);
}

static void dht_lookups(dht_worker_t *dw);

static void
dht_events(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    dht_worker_t *dw = data;
    dht_ev_t     *e, *next;
    uint64_t      n;

    (void) loop;
    (void) events;
    if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN) {
        or_log_error(dw->cycle->log, OR_LOG_ERR, errno, "dht: reading the "
                     "eventfd");
    }
    pthread_mutex_lock(&dw->mu);
    e = dw->head;
    dw->head = dw->tail = NULL;
    dw->queued = 0;
    pthread_mutex_unlock(&dw->mu);
    for (; e != NULL; e = next) {
        next = e->next;
        if (e->kind == DHT_EV_VALUE && e->node < dw->nnodes) {
            if (e->ok == -1) {
                dw->nodes[e->node].refused++;
            } else {
                dht_record_in(dw, e->node, e->data, e->len);
            }
        } else if (e->kind == DHT_EV_PUT && e->node < dw->nnodes) {
            if (e->ok) {
                dw->nodes[e->node].put_ok++;
            } else {
                dw->nodes[e->node].put_failed++;
            }
        } else if (e->kind == DHT_EV_PING && e->node < dw->nboots) {
            if (e->ok && !dw->boots[e->node].reached) {
                or_log_error(dw->cycle->log, OR_LOG_INFO, 0, "dht: "
                             "bootstrap %s reached",
                             dw->boots[e->node].text);
            }
            dw->boots[e->node].reached |= e->ok;
        }
        free(e);
    }
    dht_lookups(dw);
}

static void dht_bootstrap_one(dht_worker_t *dw, dht_boot_t *b);

/* runs on glibc's thread: only the eventfd, never the daemon */
static void
dht_lookup_done(union sigval sv)
{
    uint64_t  one = 1;

    if (write(sv.sival_int, &one, sizeof(one)) == -1) {
        /* full at 2^64 - 1 only: it is readable anyway */
    }
}

static void
dht_lookup(dht_worker_t *dw, dht_boot_t *b)
{
    struct gaicb    *list[1] = { &b->req };
    struct sigevent  sev;
    int              rc;

    memset(&b->req, 0, sizeof(b->req));
    memset(&b->hints, 0, sizeof(b->hints));
    memset(&sev, 0, sizeof(sev));
    b->hints.ai_socktype = SOCK_DGRAM;
    b->hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
    b->req.ar_name = b->host;
    b->req.ar_service = b->port;
    b->req.ar_request = &b->hints;
    sev.sigev_notify = SIGEV_THREAD;
    sev.sigev_notify_function = dht_lookup_done;
    sev.sigev_value.sival_int = dw->efd;
    rc = getaddrinfo_a(GAI_NOWAIT, list, 1, &sev);
    if (rc != 0) {
        or_log_ratelimited(dw->cycle->log, OR_LOG_NOTICE, "dht: bootstrap "
                           "lookup", 0, "dht: looking up bootstrap %s failed "
                           "to start: %s", b->text, gai_strerror(rc));
        return;
    }
    b->pending = 1;
}

/* the lookups that ended (from dht_events) */
static void
dht_lookups(dht_worker_t *dw)
{
    for (size_t i = 0; i < dw->nboots; i++) {
        dht_boot_t *b = &dw->boots[i];
        int         rc;

        if (!b->pending || (rc = gai_error(&b->req)) == EAI_INPROGRESS) {
            continue;
        }
        b->pending = 0;
        if (rc == 0 && b->req.ar_result != NULL
            && b->req.ar_result->ai_addrlen <= sizeof(b->sa))
        {
            memcpy(&b->sa, b->req.ar_result->ai_addr,
                   b->req.ar_result->ai_addrlen);
            b->salen = b->req.ar_result->ai_addrlen;
        } else {
            or_log_ratelimited(dw->cycle->log, OR_LOG_NOTICE, "dht: bootstrap "
                               "lookup", 0, "dht: looking up bootstrap %s "
                               "failed: %s", b->text, rc ? gai_strerror(rc)
                               : "no address");
        }
        if (b->req.ar_result != NULL) {
            freeaddrinfo(b->req.ar_result);
            b->req.ar_result = NULL;
        }
        if (b->salen != 0 && dw->runner != NULL) {
            dht_bootstrap_one(dw, b);
        }
    }
}

/* one bootstrap whose address is known: to OpenDHT numerically (never a
 * name, which it would look up on the caller's thread), and pinged so
 * that status can say it answered */
static void
dht_bootstrap_one(dht_worker_t *dw, dht_boot_t *b)
{
    char  host[INET6_ADDRSTRLEN];

    if (getnameinfo((struct sockaddr *) &b->sa, b->salen, host, sizeof(host),
                    NULL, 0, NI_NUMERICHOST) != 0)
    {
        return;
    }
    dht_runner_bootstrap(dw->runner, host, b->port);
    dht_runner_ping(dw->runner, (struct sockaddr *) &b->sa, b->salen,
                    dht_on_ping, &b->cb);
}

/* each bootstrap not reached yet: known ones again, names looked up */
static void
dht_bootstrap(dht_worker_t *dw)
{
    for (size_t i = 0; i < dw->nboots; i++) {
        dht_boot_t *b = &dw->boots[i];

        if (b->reached || b->pending) {
            continue;
        }
        if (b->salen != 0) {
            dht_bootstrap_one(dw, b);
        } else {
            dht_lookup(dw, b);
        }
    }
}

/* host and port of a bootstrap; a numeric one needs no lookup */
static void
dht_boot_parse(dht_boot_t *b)
{
    char             *colon;
    struct addrinfo   hints, *ai = NULL;

    snprintf(b->host, sizeof(b->host), "%s", b->text);
    colon = strrchr(b->host, ':');
    if (colon == NULL) {
        return;
    }
    *colon = '\0';
    snprintf(b->port, sizeof(b->port), "%s", colon + 1);
    if (b->host[0] == '[') {
        memmove(b->host, b->host + 1, strlen(b->host));
        b->host[strlen(b->host) - 1] = '\0';
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(b->host, b->port, &hints, &ai) == 0 && ai != NULL
        && ai->ai_addrlen <= sizeof(b->sa))
    {
        memcpy(&b->sa, ai->ai_addr, ai->ai_addrlen);
        b->salen = ai->ai_addrlen;
    }
    if (ai != NULL) {
        freeaddrinfo(ai);
    }
}

static or_err_t
dht_start(dht_worker_t *dw)
{
    dht_runner_config  conf;
    int                rc;

    dht_runner_config_default(&conf);
    conf.threaded = true;
    conf.peer_discovery = false;     /* OpenDHT's own multicast: never */
    conf.peer_publish = false;
    conf.log = false;
    dw->runner = dht_runner_new();
    if (dw->runner == NULL) {
        return OR_ENOMEM;
    }
    rc = dht_runner_run_config(dw->runner,
                               (in_port_t) dht_main(dw->cycle)->port, &conf);
    /* OpenDHT 2.4 says 0 when its bind failed too (the port still held
     * by the old worker 0 of a reload): it then runs bound to nothing */
    if (rc == 0
        && (dht_main(dw->cycle)->port != 0
            ? dht_runner_get_bound_port(dw->runner, AF_INET)
              != (in_port_t) dht_main(dw->cycle)->port
            : dht_runner_get_bound_port(dw->runner, AF_INET) == 0
              && dht_runner_get_bound_port(dw->runner, AF_INET6) == 0))
    {
        rc = EADDRINUSE;       /* IPv4 is the one a fixed port needs */
    }
    if (rc != 0) {
        or_log_error(dw->cycle->log, OR_LOG_NOTICE, rc < 0 ? -rc : rc,
                     "dht: starting on UDP port %" PRId64 " failed%s",
                     dht_main(dw->cycle)->port, dw->tries + 1
                     < DHT_START_TRIES ? ", trying again" : "");
        dht_runner_delete(dw->runner);
        dw->runner = NULL;
        return OR_AGAIN;
    }
    or_log_error(dw->cycle->log, OR_LOG_INFO, 0, "dht: running on UDP port "
                 "%u", (unsigned) dht_runner_get_bound_port(dw->runner,
                                                            AF_INET));
    dht_bootstrap(dw);
    for (size_t i = 0; i < dw->nnodes; i++) {
        dht_node_t *n = &dw->nodes[i];

        if (n->on) {
            n->listen = dht_runner_listen(dw->runner, &n->hash, dht_on_value,
                                          NULL, &n->cb);
        }
    }
    return OR_OK;
}

static void
dht_tick(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    dht_worker_t *dw = data;
    uint64_t      next = (uint64_t) dht_main(dw->cycle)->interval * 1000;
    int64_t       now = (int64_t) time(NULL);
    or_err_t      rc;

    if (dw->runner == NULL) {
        rc = dht_start(dw);
        if (rc == OR_AGAIN && ++dw->tries < DHT_START_TRIES) {
            next = 1000;
            goto again;
        }
        if (rc != OR_OK) {
            or_log_error(dw->cycle->log, OR_LOG_ERR, 0, "dht: not started");
            return;
        }
        next = 1000;       /* the first records once bootstrap is under way */
        goto again;
    }
    for (size_t i = 0; i < dw->nnodes; i++) {
        if (dw->nodes[i].on) {
            dht_announce(dw, i);
            if (dw->nodes[i].put_ok == 0) {
                next = DHT_RETRY_MS;     /* until one announcement held */
            }
        }
    }
    for (size_t b = 0; b < dw->nboots; b++) {
        if (!dw->boots[b].reached) {
            dht_bootstrap(dw);
            next = DHT_RETRY_MS;
            break;
        }
    }
    /* the peers found and still live: dialled again if not held */
    for (size_t k = 0; k < DHT_FOUND_MAX; k++) {
        dht_found_t *f = &dw->found[k];

        if (f->rec.naddrs != 0 && f->rec.ts + f->rec.ttl >= now) {
            dht_dial(dw, f);
        }
    }
    if (next > DHT_RETRY_MS) {
        next = DHT_RETRY_MS;   /* dials of found peers every 5 s */
    }
again:
    if (or_timer_add(loop, t, next + or_rand_below(&dw->w->rand, 1000),
                     dht_tick, dw) != OR_OK)
    {
        or_log_error(dw->cycle->log, OR_LOG_ERR, ENOMEM, "dht: timer "
                     "stopped");
    }
}

static void
dht_stop(dht_worker_t *dw)
{
    dht_ev_t *e, *next;

    pthread_mutex_lock(&dw->mu);
    dw->stopping = 1;
    pthread_mutex_unlock(&dw->mu);
    if (dw->runner != NULL) {
        /* joins OpenDHT's threads: no callback runs after this */
        dht_runner_delete(dw->runner);
        dw->runner = NULL;
    }
    for (size_t i = 0; i < dw->nnodes; i++) {
        if (dw->nodes[i].listen != NULL) {
            dht_op_token_delete(dw->nodes[i].listen);
            dw->nodes[i].listen = NULL;
        }
    }
    for (e = dw->head; e != NULL; e = next) {
        next = e->next;
        free(e);
    }
    dw->head = dw->tail = NULL;
}

static void
dht_quit(or_worker_t *w, void *data)
{
    dht_worker_t *dw = data;

    or_timer_del(w->loop, &dw->timer);
    /* a reload's new worker 0 may want the same UDP port */
    dht_stop(dw);
}

static void
dht_boot_add(dht_worker_t *dw, const char *text)
{
    for (size_t b = 0; b < dw->nboots; b++) {
        if (strcmp(dw->boots[b].text, text) == 0) {
            return;
        }
    }
    snprintf(dw->boots[dw->nboots].text, sizeof(dw->boots[0].text), "%s",
             text);
    dw->boots[dw->nboots].cb.dw = dw;
    dw->boots[dw->nboots].cb.index = dw->nboots;
    dht_boot_parse(&dw->boots[dw->nboots]);
    dw->nboots++;
}

static or_err_t
dht_init_worker(or_cycle_t *cycle, or_worker_t *w)
{
    dht_worker_t *dw;
    size_t        nboot = 0, on = 0;
    or_errbuf_t   eb;

    if (!or_worker_is_designated(w)) {
        return OR_OK;
    }
    for (size_t i = 0; i < cycle->nnodes; i++) {
        on += dht_node_on(&cycle->nodes[i]);
        nboot += dht_node(&cycle->nodes[i])->bootstrap.n;
    }
    if (on == 0) {
        return OR_OK;
    }
    dw = calloc(1, sizeof(*dw));
    if (dw == NULL
        || (dw->nodes = calloc(cycle->nnodes, sizeof(*dw->nodes))) == NULL
        || (dw->boots = calloc(nboot, sizeof(*dw->boots))) == NULL)
    {
        goto nomem;
    }
    dw->cycle = cycle;
    dw->w = w;
    dw->nnodes = cycle->nnodes;
    pthread_mutex_init(&dw->mu, NULL);
    dw->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_dht_conf_t *dc = dht_node(&cycle->nodes[i]);
        dht_node_t    *n = &dw->nodes[i];

        n->cb.dw = dw;
        n->cb.index = i;
        if (!dht_node_on(&cycle->nodes[i])) {
            continue;
        }
        memset(&eb, 0, sizeof(eb));
        if (or_peer_keys(dc->passphrase, strlen(dc->passphrase), &n->keys,
                        &eb) != OR_OK)
        {
            or_log_error(cycle->log, OR_LOG_ERR, 0, "dht: deriving the keys "
                         "failed: %s", eb.msg);
            continue;
        }
        dht_infohash_get(&n->hash, n->keys.where, sizeof(n->keys.where));
        n->on = 1;
        for (size_t k = 0; k < dc->bootstrap.n; k++) {
            dht_boot_add(dw, dc->bootstrap.v[k]);
        }
    }
    dht_main(cycle)->worker = dw;
    if (dw->efd == -1
        || or_event_add(w->loop, dw->efd, OR_EV_READ, dht_events, dw) != OR_OK
        || or_worker_on_quit(w, dht_quit, dw) != OR_OK
        || or_timer_add(w->loop, &dw->timer, 0, dht_tick, dw) != OR_OK)
    {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "dht: cannot start in "
                     "worker #%u", w->index);
        return OR_ERROR;
    }
    return OR_OK;

nomem:
    or_log_error(cycle->log, OR_LOG_CRIT, ENOMEM, "dht state");
    if (dw != NULL) {
        free(dw->nodes);
        free(dw->boots);
    }
    free(dw);
    return OR_ERROR;
}

static void
dht_exit_worker(or_cycle_t *cycle, or_worker_t *w)
{
    dht_worker_t *dw = dht_main(cycle)->worker;

    if (dw == NULL) {
        return;
    }
    or_timer_del(w->loop, &dw->timer);
    dht_stop(dw);
    for (size_t b = 0; b < dw->nboots; b++) {
        if (dw->boots[b].pending
            && gai_cancel(&dw->boots[b].req) == EAI_NOTCANCELED)
        {
            /* its thread will write the eventfd and the gaicb: both stay
             * until the process, which is exiting, ends */
            dht_main(cycle)->worker = NULL;
            return;
        }
        if (dw->boots[b].pending && dw->boots[b].req.ar_result != NULL) {
            freeaddrinfo(dw->boots[b].req.ar_result);
        }
    }
    if (dw->efd != -1) {
        or_event_close(w->loop, dw->efd);
    }
    pthread_mutex_destroy(&dw->mu);
    free(dw->nodes);
    free(dw->boots);
    free(dw);
    dht_main(cycle)->worker = NULL;
}

/* status: "dht": running, port, bootstrap reached, per node records
 * announced and found, and the peers found (`openredctl peers` shows them
 * as learned from the DHT) */
static or_err_t
dht_status(or_cycle_t *cycle, json_t *status)
{
    dht_worker_t *dw = dht_main(cycle)->worker;
    json_t       *o, *boots, *nodes, *found, *addrs;
    int64_t       now = (int64_t) time(NULL);
    char          hex[OR_V3_ID_HEX_LEN + 1];

    if (dw == NULL) {
        return OR_OK;
    }
    boots = json_array();
    nodes = json_object();
    found = json_array();
    for (size_t b = 0; b < dw->nboots; b++) {
        json_array_append_new(boots, json_pack("{s:s, s:b}", "address",
                              dw->boots[b].text, "reached",
                              dw->boots[b].reached));
    }
    for (size_t i = 0; i < dw->nnodes; i++) {
        dht_node_t *n = &dw->nodes[i];

        if (!n->on) {
            continue;
        }
        json_object_set_new(nodes, or_core_node(&cycle->nodes[i])->id,
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "announced",
                      (json_int_t) n->announced, "put_ok",
                      (json_int_t) n->put_ok, "put_failed",
                      (json_int_t) n->put_failed, "found",
                      (json_int_t) n->found, "refused",
                      (json_int_t) n->refused, "own", (json_int_t) n->own,
                      "dialled", (json_int_t) n->dialled));
    }
    for (size_t k = 0; k < DHT_FOUND_MAX; k++) {
        dht_found_t *f = &dw->found[k];

        if (f->rec.naddrs == 0 || f->rec.ts + f->rec.ttl < now) {
            continue;
        }
        addrs = json_array();
        for (size_t a = 0; a < f->rec.naddrs; a++) {
            json_array_append_new(addrs, json_string(f->rec.addrs[a]));
        }
        or_v3_id_hex(f->rec.id, hex);
        json_array_append_new(found, json_pack("{s:s, s:s%, s:s, s:o, s:I, "
            "s:I}", "node", or_core_node(&cycle->nodes[f->node])->id,
            "fingerprint", hex, (size_t) OR_FP_LEN, "id", hex, "addresses",
            addrs, "age", (json_int_t) (now - f->seen), "expires",
            (json_int_t) (f->rec.ts + f->rec.ttl - now)));
    }
    o = json_pack("{s:b, s:I, s:o, s:o, s:o, s:I}", "running",
                  dw->runner != NULL, "port", (json_int_t) (dw->runner
                  ? dht_runner_get_bound_port(dw->runner, AF_INET) : 0),
                  "bootstrap", boots, "nodes", nodes, "found", found,
                  "dropped", (json_int_t) dw->dropped);
    if (o == NULL || json_object_set_new(status, "dht", o) != 0) {
        return OR_ENOMEM;
    }
    return OR_OK;
}
