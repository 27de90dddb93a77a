/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Discovery: v2 beacons over UDP multicast (PROTOCOL-v2.md "Discovery
 * beacons"). The master opens one socket per distinct (group, port,
 * interface) and derives one Fernet key per distinct passphrase; worker 0
 * sends each node's beacon and fills the peer table (or_peers.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "openred.h"
#include "or_conf.h"
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_discovery.h"
#include "or_discovery_diag.h"
#include "or_discovery_iface.h"
#include "or_discovery_links.h"
#include "or_discovery_peers.h"
#include "or_discovery_v3.h"
#include "or_limits.h"
#include "or_log.h"
#include "or_module.h"
#include "or_peers.h"
#include "or_shm.h"
#include "or_status.h"
#include "or_worker.h"

typedef struct {
    char    *group;          /* IPv4 multicast address */
    int64_t  port;
    char    *interface;      /* "" = the kernel's choice */
    int64_t  ttl;
    int64_t  interval;       /* s, between beacons (+-10 % jitter) */
    int64_t  expire;         /* s, a peer not heard for this long goes */
    char    *passphrase;
    int64_t  max_peers;
    int      enabled;        /* 0: no socket, no beacon, hears none */
    or_conf_records_t  interfaces;  /* one group: allow / deny rules */
    int      use_rules;      /* `interfaces` given: worker 0's sockets */
    or_disc_iface_rules_t  rules;   /* compiled in postconf */
} or_discovery_conf_t;

typedef struct disc_worker_s disc_worker_t;

/* One socket per distinct (group, port, interface); opened by the master. */
typedef struct {
    int                 fd;
    struct sockaddr_in  dst;                /* group:port */
} disc_sock_t;

typedef struct {
    disc_sock_t     *socks;
    size_t           nsocks;
    or_fernet_t    **keys;                  /* one per distinct passphrase */
    const char     **passphrases;           /* borrowed from node confs */
    size_t           nkeys;
    size_t          *node_sock;             /* by node index */
    size_t          *node_key;              /* by node index */
    disc_worker_t   *worker;                /* worker 0's state */
} or_discovery_main_conf_t;

static or_err_t check_group(const or_setting_t *s, void *field, char *err,
    size_t errlen);

#define D(f)  offsetof(or_discovery_conf_t, f)

static const or_setting_t discovery_settings[] = {
    { "discovery", "group", OR_CONF_T_STR, OR_SCOPE_INHERIT,
      "\"224.0.1.100\"", D(group), 7, 15, 0, check_group },
    { "discovery", "port", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "5354", D(port), 1, 65535, 0, NULL },
    { "discovery", "interface", OR_CONF_T_STR, OR_SCOPE_INHERIT,
      "\"\"", D(interface), 0, 15, 0, NULL },
    { "discovery", "ttl", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "1", D(ttl), 0, 255, 0, NULL },
    { "discovery", "interval", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "10", D(interval), 1, 3600, 0, NULL },
    { "discovery", "expire", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "60", D(expire), 2, 86400, 0, NULL },
    { "discovery", "passphrase", OR_CONF_T_STR, OR_SCOPE_INHERIT,
      "\"OpenRed-P2P-Discovery-2025\"", D(passphrase), 1, 1024, 0, NULL },
    { "discovery", "max_peers", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "4096", D(max_peers), 1, 1000000, 0, NULL },
    { "discovery", "enabled", OR_CONF_T_BOOL, OR_SCOPE_INHERIT,
      "true", D(enabled), 0, 1, 0, NULL },
    { "discovery", "interfaces", OR_CONF_T_RECORDS, OR_SCOPE_INHERIT,
      "{}", D(interfaces), 0, 2, OR_CONF_GROUP, NULL },
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }
};

static or_err_t disc_postconf(or_cycle_t *cycle, or_conf_report_t *rep);
static void disc_free_conf(or_cycle_t *cycle);
static or_err_t disc_init_master(or_cycle_t *cycle, or_cycle_t *old);
static void disc_exit_master(or_cycle_t *cycle);
static or_err_t disc_init_worker(or_cycle_t *cycle, or_worker_t *w);
static void disc_exit_worker(or_cycle_t *cycle, or_worker_t *w);
static or_err_t cmd_peers(or_cycle_t *cycle, json_t *request,
    json_t **reply, char *err, size_t errlen);

static or_err_t disc_status(or_cycle_t *cycle, json_t *status);

static const or_ctl_command_t discovery_commands[] = {
    { "peers", cmd_peers },
    { NULL, NULL }
};

or_module_t or_discovery_module = {
    .name = "discovery",
    .settings = discovery_settings,
    .main_conf_size = sizeof(or_discovery_main_conf_t),
    .node_conf_size = sizeof(or_discovery_conf_t),
    .postconf = disc_postconf,
    .free_conf = disc_free_conf,
    .init_master = disc_init_master,
    .exit_master = disc_exit_master,
    .init_worker = disc_init_worker,
    .exit_worker = disc_exit_worker,
    .commands = discovery_commands,
    .status = disc_status,
};

#define disc_main(cycle)                                                      \
    ((or_discovery_main_conf_t *) or_cycle_main_conf(cycle,                 \
                                                     or_discovery_module))
#define disc_node(node)                                                       \
    ((or_discovery_conf_t *) or_node_conf(node, or_discovery_module))

/* How far in the future a beacon's Fernet timestamp may be (clock skew
 * between hosts); older than the node's expire is refused too. */
#define DISC_SKEW_S          60
/* Early beacon on hearing a new fingerprint: after 20..120 ms, at most
 * once per DISC_EARLY_GAP_MS per socket. A newcomer heard inside the gap
 * is answered when the gap ends, never dropped: a peer that restarts
 * right after our last early beacon would otherwise wait an interval. */
#define DISC_EARLY_MIN_MS    20
#define DISC_EARLY_SPAN_MS   100
#define DISC_EARLY_GAP_MS    1000
#define DISC_SWEEP_MS        1000       /* expiry sweep */
#define DISC_BATCH           16         /* datagrams per recvmmsg() */
#define DISC_READ_BUDGET     256        /* datagrams per readiness */
#define DISC_LOG_GAP_S       OR_DISCOVERY_LOG_GAP_S
#define DISC_REPLY_PEERS_MAX 2000       /* peers in one control reply */
#define DISC_NO_SOCK         OR_DISCOVERY_NO_SOCK
/* ---- config: the sockets and keys a cycle needs ---- */

static or_err_t
check_group(const or_setting_t *s, void *field, char *err, size_t errlen)
{
    const char     *text = *(char **) field;
    struct in_addr  a;

    if (inet_pton(AF_INET, text, &a) != 1
        || (ntohl(a.s_addr) >> 28) != 0xe)
    {
        snprintf(err, errlen, "\"%s\" is not an IPv4 multicast address "
                 "(224.0.0.0 to 239.255.255.255)", text);
        return OR_ECONF;
    }
    return OR_OK;
}

/* a node with `interfaces` has sockets of its own (worker 0's) */
static int
same_sock(const or_discovery_conf_t *a, const or_discovery_conf_t *b)
{
    return !a->use_rules && !b->use_rules
           && strcmp(a->group, b->group) == 0 && a->port == b->port
           && strcmp(a->interface, b->interface) == 0;
}

/* `interfaces` (or_discovery_iface.c): exclusive with `interface`, its
 * patterns compiled here so that -t and a reload report them at their
 * line. */
static or_err_t
rules_postconf(or_node_t *node, or_discovery_conf_t *dc,
    or_conf_report_t *rep)
{
    const char *file = node->file, *ifile = node->file;
    int         line = node->line, iline = node->line;
    char        err[512];

    /* an empty group is no rules: what -T writes for the default */
    if (dc->interfaces.n != 1 || dc->interfaces.v[0].n == 0) {
        return OR_OK;
    }
    (void) or_conf_source(node, "discovery", "interfaces", &file, &line);
    if (dc->interface[0] != '\0') {
        (void) or_conf_source(node, "discovery", "interface", &ifile,
                              &iline);
        or_conf_error(rep, file, line, "interfaces", "excludes "
                      "\"interface\" (%s:%d): set one of them", ifile,
                      iline);
        return OR_OK;
    }
    if (or_disc_iface_rules_compile(&dc->interfaces.v[0], &dc->rules, err,
                                    sizeof(err)) != OR_OK)
    {
        or_conf_error(rep, file, line, "interfaces", "%s", err);
        return OR_OK;
    }
    dc->use_rules = 1;
    return OR_OK;
}

/* Maps each node to its socket and key slot (first node with the same
 * triple / passphrase owns the slot). The ttl of a socket is its first
 * node's; a different ttl on a shared socket is a config error. */
static or_err_t
disc_postconf(or_cycle_t *cycle, or_conf_report_t *rep)
{
    or_discovery_main_conf_t *mc = disc_main(cycle);
    size_t                    n = cycle->nnodes ? cycle->nnodes : 1;

    mc->socks = calloc(n, sizeof(disc_sock_t));
    mc->keys = calloc(n, sizeof(or_fernet_t *));
    mc->passphrases = calloc(n, sizeof(char *));
    mc->node_sock = calloc(n, sizeof(size_t));
    mc->node_key = calloc(n, sizeof(size_t));
    if (mc->socks == NULL || mc->keys == NULL || mc->passphrases == NULL
        || mc->node_sock == NULL || mc->node_key == NULL)
    {
        return OR_ENOMEM;
    }
    for (size_t s = 0; s < n; s++) {
        mc->socks[s].fd = -1;
    }
    if (cycle->nnodes > OR_PEERS_NODES_MAX) {
        or_conf_error(rep, cycle->nodes[0].file, cycle->nodes[0].line,
                      "nodes", "%zu node blocks, at most %d", cycle->nnodes,
                      OR_PEERS_NODES_MAX);
        return OR_OK;
    }
    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_discovery_conf_t *dc = disc_node(&cycle->nodes[i]);
        size_t               s, k;

        if (!dc->enabled) {
            mc->node_sock[i] = DISC_NO_SOCK;
            mc->node_key[i] = DISC_NO_SOCK;
            continue;
        }
        if (rules_postconf(&cycle->nodes[i], dc, rep) != OR_OK) {
            return OR_ENOMEM;
        }
        /* -t and a reload say so at its line, not only the start's log */
        if (!dc->use_rules && dc->interface[0] != '\0'
            && if_nametoindex(dc->interface) == 0)
        {
            const char *file = cycle->nodes[i].file;
            int         line = cycle->nodes[i].line;

            (void) or_conf_source(&cycle->nodes[i], "discovery", "interface",
                                  &file, &line);
            or_conf_error(rep, file, line, "interface", "no interface "
                          "\"%s\" on this host (ip link shows them)",
                          dc->interface);
        }

        for (s = 0; s < i && (mc->node_sock[s] == DISC_NO_SOCK
                              || !same_sock(disc_node(&cycle->nodes[s]), dc));
             s++) { /* first node with the triple */ }
        if (s < i && disc_node(&cycle->nodes[s])->ttl != dc->ttl) {
            or_conf_error(rep, cycle->nodes[i].file, cycle->nodes[i].line,
                          "ttl", "%lld differs from node \"%s\" (line %d) "
                          "on the same group, port and interface",
                          (long long) dc->ttl, cycle->nodes[s].id,
                          cycle->nodes[s].line);
        }
        mc->node_sock[i] = s == i ? mc->nsocks++ : mc->node_sock[s];
        for (k = 0; k < mc->nkeys
             && strcmp(mc->passphrases[k], dc->passphrase) != 0; k++) {
        }
        if (k == mc->nkeys) {
            mc->passphrases[mc->nkeys++] = dc->passphrase;
        }
        mc->node_key[i] = k;
    }
    return OR_OK;
}

static or_err_t
disc_init_master(or_cycle_t *cycle, or_cycle_t *old)
{
    or_discovery_main_conf_t *mc = disc_main(cycle);
    or_peers_node_conf_t      pc[OR_PEERS_NODES_MAX];
    or_errbuf_t               eb;

    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_discovery_conf_t *dc = disc_node(&cycle->nodes[i]);
        disc_sock_t         *ds;

        pc[i].max_peers = (size_t) dc->max_peers;
        pc[i].expire = dc->expire;
        if (mc->node_sock[i] == DISC_NO_SOCK) {
            continue;
        }
        ds = &mc->socks[mc->node_sock[i]];
        if (dc->use_rules) {
            continue;           /* worker 0 opens them, per interface */
        }
        if (ds->fd == -1
            && or_discovery_socket(dc->group, (uint16_t) dc->port,
                                   dc->interface, (int) dc->ttl, cycle->log,
                                   &ds->fd, &ds->dst) != OR_OK)
        {
            goto failed;
        }
    }
    for (size_t k = 0; k < mc->nkeys; k++) {
        or_discovery_main_conf_t *om = old ? disc_main(old) : NULL;

        if (or_discovery_key(mc->passphrases[k], om ? om->keys : NULL,
                             om ? om->passphrases : NULL, om ? om->nkeys : 0,
                             &mc->keys[k], &eb) != OR_OK)
        {
            or_log_error(cycle->log, OR_LOG_ERR, 0, "discovery key: %s",
                         eb.msg);
            goto failed;
        }
    }
    if (cycle->nnodes > 0 && or_peers_zone_add(cycle, pc) != OR_OK) {
        or_log_error(cycle->log, OR_LOG_ERR, ENOMEM, "declaring the peers "
                     "zone failed");
        goto failed;
    }
    return OR_OK;

failed:
    disc_exit_master(cycle);
    return OR_ERROR;
}

/* Also the failure path of init_master: closes what it opened. */
static void
disc_exit_master(or_cycle_t *cycle)
{
    or_discovery_main_conf_t *mc = disc_main(cycle);

    for (size_t s = 0; mc->socks != NULL && s < mc->nsocks; s++) {
        if (mc->socks[s].fd != -1) {
            close(mc->socks[s].fd);
            mc->socks[s].fd = -1;
        }
    }
    for (size_t k = 0; mc->keys != NULL && k < mc->nkeys; k++) {
        or_fernet_free(mc->keys[k]);
        mc->keys[k] = NULL;
    }
}

static void
disc_free_conf(or_cycle_t *cycle)
{
    or_discovery_main_conf_t *mc = disc_main(cycle);

    if (mc == NULL) {
        return;
    }
    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_discovery_conf_t *dc = cycle->nodes[i].conf != NULL
                                  ? disc_node(&cycle->nodes[i]) : NULL;

        if (dc != NULL) {
            or_disc_iface_rules_free(&dc->rules);
            dc->use_rules = 0;
        }
    }
    disc_exit_master(cycle);
    free(mc->socks);
    free(mc->keys);
    free(mc->passphrases);
    free(mc->node_sock);
    free(mc->node_key);
    mc->socks = NULL;
    mc->keys = NULL;
    mc->passphrases = NULL;
    mc->node_sock = mc->node_key = NULL;
    mc->nsocks = mc->nkeys = 0;
}

/* ---- worker 0: sending ---- */

typedef struct {
    disc_worker_t   *dw;
    size_t           index;
    or_timer_t       beacon;                /* next periodic beacon */
    or_v2_beacon_t   b;                     /* timestamp set per send */
    int              send_failing;          /* logged once until it works */
    or_log_ctx_t     log;                   /* the node, for its lines */
} disc_wnode_t;

typedef struct {
    disc_worker_t   *dw;
    size_t           index;
    int              fd;                    /* borrowed from the main conf */
    or_fernet_t     *keys[OR_PEERS_NODES_MAX];  /* of its nodes, borrowed */
    size_t           kmap[OR_PEERS_NODES_MAX];  /* -> main conf key index */
    size_t           nkeys;
    int64_t          ttl;                   /* s, largest expire of nodes */
    or_timer_t       early;                 /* early beacon, armed */
    uint64_t         last_early;            /* ms, monotonic */
    int64_t          log_next;              /* s: next refusal log line */
    uint64_t         log_held;              /* refusals not logged since */
} disc_wsock_t;

struct disc_worker_s {
    or_cycle_t      *cycle;
    or_worker_t     *w;
    disc_wnode_t    *nodes;
    disc_wsock_t    *socks;
    or_timer_t       sweep;
    int              quitting;
    char             buf[DISC_BATCH][OR_BEACON_MAX + 1];
    or_v2_opened_t   opened;    /* the datagram being handled */
    struct sockaddr_storage  from[DISC_BATCH];
    struct iovec     iov[DISC_BATCH];
    struct mmsghdr   msgs[DISC_BATCH];
    or_discovery_gap_t  conflicts;          /* their log lines, limited */
    or_discovery_diag_t *diag;              /* why nothing is heard */
    or_disc_v3_t    *v3;                    /* v3 beacons (PROTOCOL §11) */
    or_disc_links_t *links;                 /* `interfaces` nodes' sockets */
};

static void
send_failed(disc_wnode_t *wn, const char *ifname)
{
    or_peers_node_stats(wn->dw->cycle, wn->index)->send_failed++;
    if (!wn->send_failing) {
        wn->send_failing = 1;
        or_log_ctx_error(&wn->log, OR_LOG_WARN, errno, "sending a beacon "
                         "on %s failed (counted until one goes out)",
                         ifname);
    }
}

/* A node with `interfaces`: the v3 beacon on each of its sockets (IPv4
 * and IPv6), the v2 one on the IPv4 ones (the original speaks IPv4). */
static void
beacon_send_if(disc_wnode_t *wn)
{
    disc_worker_t            *dw = wn->dw;
    or_cycle_t               *cycle = dw->cycle;
    or_discovery_main_conf_t *mc = disc_main(cycle);
    or_peers_node_stats_t    *st = or_peers_node_stats(cycle, wn->index);
    char                      token[OR_BEACON_MAX];
    size_t                    len = 0;
    or_errbuf_t               eb;
    double                    now = or_discovery_wall_now();
    int                       sealed, v3;
    unsigned char             v3buf[OR_V3_BEACON_MAX];
    size_t                    v3len = 0;

    wn->b.timestamp = now;
    sealed = or_v2_beacon_seal(mc->keys[mc->node_key[wn->index]], &wn->b,
                               (int64_t) now, token, sizeof(token), &len,
                               &eb) == OR_OK;
    /* one v3 beacon (one sequence number) on every socket: a receiver
     * that hears it on two takes the second as another address */
    v3 = dw->v3 != NULL
         && or_disc_links_next(dw->links, wn->index, NULL) != NULL
         && or_discovery_v3_build(dw->v3, wn->index, 0, v3buf, &v3len)
            == OR_OK;
    for (or_disc_ifsock_t *is = or_disc_links_next(dw->links, wn->index,
                                                   NULL);
         is != NULL; is = or_disc_links_next(dw->links, wn->index, is))
    {
        if (dw->v3 != NULL
            && (!v3 || sendto(is->fd, v3buf, v3len, 0,
                              (struct sockaddr *) &is->dst, is->dstlen)
                       != (ssize_t) v3len))
        {
            if (!v3) {
                errno = 0;
            }
            is->send_failed++;
            send_failed(wn, is->name);
            continue;
        }
        if (dw->v3 != NULL) {
            or_discovery_v3_sent(dw->v3, wn->index);
        }
        if (is->family != AF_INET) {
            is->sent++;         /* an IPv6 socket's beacon is the v3 one */
            st->sent++;
            or_discovery_diag_sent(dw->diag, wn->index);
            wn->send_failing = 0;
            continue;
        }
        if (!sealed
            || sendto(is->fd, token, len, 0, (struct sockaddr *) &is->dst,
                      is->dstlen) != (ssize_t) len)
        {
            if (!sealed) {
                errno = 0;
            }
            is->send_failed++;
            send_failed(wn, is->name);
            continue;
        }
        is->sent++;
        st->sent++;
        or_discovery_diag_sent(dw->diag, wn->index);
        wn->send_failing = 0;
    }
}

static void
beacon_send(disc_wnode_t *wn)
{
    disc_worker_t            *dw = wn->dw;
    or_cycle_t               *cycle = dw->cycle;
    or_discovery_main_conf_t *mc = disc_main(cycle);
    disc_sock_t              *ds = &mc->socks[mc->node_sock[wn->index]];
    or_peers_node_stats_t    *st = or_peers_node_stats(cycle, wn->index);
    char                      token[OR_BEACON_MAX];
    size_t                    len = 0;
    or_errbuf_t               eb;
    double                    now = or_discovery_wall_now();
    ssize_t                   n = -1;

    if (disc_node(&cycle->nodes[wn->index])->use_rules) {
        beacon_send_if(wn);
        return;
    }
    /* the signed v3 beacon beside the v2 one; originals ignore it */
    if (dw->v3 != NULL
        && or_discovery_v3_send(dw->v3, wn->index, 0, ds->fd,
                                (struct sockaddr *) &ds->dst,
                                sizeof(ds->dst)) != OR_OK)
    {
        st->send_failed++;
    }
    wn->b.timestamp = now;
    if (or_v2_beacon_seal(mc->keys[mc->node_key[wn->index]], &wn->b,
                          (int64_t) now, token, sizeof(token), &len, &eb)
        == OR_OK)
    {
        n = sendto(ds->fd, token, len, 0, (struct sockaddr *) &ds->dst,
                   sizeof(ds->dst));
    } else {
        errno = 0;
    }
    if (n == (ssize_t) len) {
        st->sent++;
        or_discovery_diag_sent(dw->diag, wn->index);
        wn->send_failing = 0;
        return;
    }
    st->send_failed++;
    if (!wn->send_failing) {
        wn->send_failing = 1;
        or_log_ctx_error(&wn->log, OR_LOG_WARN, errno, "sending a beacon "
                         "failed (counted until one goes out)");
    }
}

static void
beacon_tick(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    disc_wnode_t        *wn = data;
    or_discovery_conf_t *dc = disc_node(&wn->dw->cycle->nodes[wn->index]);

    beacon_send(wn);
    if (!wn->dw->quitting
        && or_timer_add(loop, t, or_discovery_jitter_ms(&wn->dw->w->rand,
                                                        dc->interval),
                        beacon_tick, wn) != OR_OK)
    {
        or_log_ctx_error(&wn->log, OR_LOG_ERR, ENOMEM, "beacon timer "
                         "stopped");
    }
}

/* A newcomer learns us now, not an interval later. */
static void
early_tick(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    disc_wsock_t             *ws = data;
    disc_worker_t            *dw = ws->dw;
    or_discovery_main_conf_t *mc = disc_main(dw->cycle);
    or_peers_sock_stats_t    *ss = or_peers_sock_stats(dw->cycle, ws->index);

    ws->last_early = or_event_now_ms(loop);
    if (ss != NULL) {
        ss->early++;
    }
    for (size_t i = 0; i < dw->cycle->nnodes; i++) {
        if (mc->node_sock[i] == ws->index) {
            beacon_send(&dw->nodes[i]);
        }
    }
}

static void
early_schedule(disc_wsock_t *ws)
{
    or_event_loop_t *loop = ws->dw->w->loop;
    uint64_t         now = or_event_now_ms(loop);
    uint64_t         delay;

    if (ws->dw->quitting || or_timer_is_armed(&ws->early)) {
        return;     /* the armed one answers this newcomer too */
    }
    delay = DISC_EARLY_MIN_MS + or_rand_below(&ws->dw->w->rand,
                                              DISC_EARLY_SPAN_MS + 1);
    if (ws->last_early != 0 && now - ws->last_early < DISC_EARLY_GAP_MS) {
        delay += ws->last_early + DISC_EARLY_GAP_MS - now;
    }
    if (or_timer_add(loop, &ws->early, delay, early_tick, ws) != OR_OK) {
        return;     /* no early beacon: the periodic one still goes */
    }
}

/* ---- worker 0: receiving ---- */

/* Peer-caused: counted always, logged at info at most once per gap. */
static void
refuse(disc_wsock_t *ws, const or_disc_from_t *from, or_reason_t r,
    int64_t now)
{
    or_peers_sock_stats_t *ss = or_peers_sock_stats(ws->dw->cycle,
                                                    ws->index);
    char                   addr[INET6_ADDRSTRLEN + 32];

    if (ss != NULL) {
        ss->refused[r < OR_R_LAST ? r : OR_R_NONE]++;
    }
    or_discovery_addr_text(from, addr, sizeof(addr));
    or_discovery_diag_refused(ws->dw->diag, ws->index, r, addr);
    if (now < ws->log_next) {
        ws->log_held++;
        return;
    }
    or_log_ctx_error(&OR_LOG_CTX(ws->dw->cycle->log, NULL, addr),
                     OR_LOG_INFO, 0, "beacon refused: %s (%llu other "
                     "refusals not logged in the last %d s)",
                     or_reason_name(r), (unsigned long long) ws->log_held,
                     DISC_LOG_GAP_S);
    ws->log_next = now + DISC_LOG_GAP_S;
    ws->log_held = 0;
}

/* The debug line of an opened beacon (compiled out without --with-debug,
 * address formatting included). */
static void
beacon_debug(disc_wsock_t *ws, const or_disc_from_t *from,
    const or_v2_beacon_t *b, size_t len)
{
    char addr[INET6_ADDRSTRLEN + 32];
    char sector[OR_PRINTABLE_MAX(OR_V2_SECTOR_LEN_MAX)];

    if (!OR_LOG_HAVE_DEBUG) {
        return;
    }
    or_discovery_addr_text(from, addr, sizeof(addr));
    or_log_ctx_debug(&OR_LOG_CTX(ws->dw->cycle->log, NULL, addr), 0,
                     "beacon received: %s, sector \"%s\", %zu bytes, "
                     "socket %zu", b->fingerprint,
                     or_printable(b->sector, strlen(b->sector), sector,
                                  sizeof(sector), OR_PRINTABLE_QUOTED),
                     len, ws->index);
}

/* A v3 beacon, offered to the nodes of this socket (or_discovery_v3.c). */
static void
v3_dgram(disc_wsock_t *ws, const char *buf, size_t len,
    const or_disc_from_t *from, int64_t now)
{
    disc_worker_t            *dw = ws->dw;
    or_discovery_main_conf_t *mc = disc_main(dw->cycle);
    size_t                    nodes[OR_PEERS_NODES_MAX], n = 0;
    int64_t                   max_peers[OR_PEERS_NODES_MAX];
    or_reason_t               r;
    int                       answer = 0;

    for (size_t i = 0; i < dw->cycle->nnodes; i++) {
        if (mc->node_sock[i] == ws->index) {
            max_peers[n] = disc_node(&dw->cycle->nodes[i])->max_peers;
            nodes[n++] = i;
        }
    }
    r = or_discovery_v3_hear(dw->v3, ws->index, nodes, max_peers, n, buf,
                             len, from,
                             (int64_t) (or_discovery_wall_now() * 1000),
                             &dw->conflicts, &answer);
    if (r != OR_R_NONE) {
        refuse(ws, from, r, now);
    }
    if (answer) {
        early_schedule(ws);
    }
}

static void
dgram_handle(disc_wsock_t *ws, const char *buf, size_t len,
    const or_disc_from_t *from, int64_t now)
{
    disc_worker_t            *dw = ws->dw;
    or_discovery_main_conf_t *mc = disc_main(dw->cycle);
    or_peers_sock_stats_t    *ss = or_peers_sock_stats(dw->cycle, ws->index);
    or_fernet_time_t          t = { now, ws->ttl, DISC_SKEW_S };
    or_v2_opened_t           *o = &dw->opened;
    const or_v2_beacon_t     *b = &o->beacon;
    or_peer_t                 p;
    or_errbuf_t               eb;
    int                       fresh = 0;

    if (dw->v3 != NULL && or_discovery_v3_is(buf, len)) {
        v3_dgram(ws, buf, len, from, now);
        return;
    }
    if (or_v2_beacon_open(ws->keys, ws->nkeys, buf, len, &t, o, &eb)
        != OR_OK)
    {
        refuse(ws, from, eb.reason, now);
        return;
    }
    ss->opened++;
    beacon_debug(ws, from, b, len);
    or_discovery_peer(&p, b, from);
    for (size_t i = 0; i < dw->cycle->nnodes; i++) {
        if (mc->node_sock[i] != ws->index
            || mc->node_key[i] != ws->kmap[o->key])
        {
            continue;
        }
        if (strcmp(b->fingerprint, dw->nodes[i].b.fingerprint) == 0) {
            ss->own++;          /* our own, looped back */
            continue;
        }
        if (now - o->timestamp > disc_node(&dw->cycle->nodes[i])->expire) {
            refuse(ws, from, OR_R_EXPIRED, now);
            continue;
        }
        or_discovery_diag_heard(dw->diag, i, now);
        fresh |= or_discovery_hear(dw->cycle, i, b, &p, now,
                                   disc_node(&dw->cycle->nodes[i])->max_peers,
                                   &dw->conflicts);
    }
    if (fresh) {
        early_schedule(ws);
    }
}

static void
sock_read(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    disc_wsock_t          *ws = data;
    disc_worker_t         *dw = ws->dw;
    or_peers_sock_stats_t *ss = or_peers_sock_stats(dw->cycle, ws->index);
    int                    n;

    for (int done = 0; done < DISC_READ_BUDGET; done += n) {
        for (int i = 0; i < DISC_BATCH; i++) {
            dw->iov[i].iov_base = dw->buf[i];
            dw->iov[i].iov_len = OR_BEACON_MAX;
            memset(&dw->msgs[i], 0, sizeof(dw->msgs[i]));
            dw->msgs[i].msg_hdr.msg_name = &dw->from[i];
            dw->msgs[i].msg_hdr.msg_namelen = sizeof(dw->from[i]);
            dw->msgs[i].msg_hdr.msg_iov = &dw->iov[i];
            dw->msgs[i].msg_hdr.msg_iovlen = 1;
        }
        n = recvmmsg(fd, dw->msgs, DISC_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) {
            return;             /* EAGAIN; errors are the peer's doing */
        }
        for (int i = 0; i < n; i++) {
            int64_t        now = (int64_t) time(NULL);
            or_disc_from_t from = { dw->from[i], "", 0 };

            if (ss != NULL) {
                ss->received++;
            }
            if (dw->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
                refuse(ws, &from, OR_R_TOO_BIG, now);
                continue;
            }
            dgram_handle(ws, dw->buf[i], dw->msgs[i].msg_len, &from, now);
        }
        if (n < DISC_BATCH) {
            return;
        }
    }
}

/* A datagram on one of the per-interface sockets of a node with
 * `interfaces` (or_discovery_links.c): the node's socket slot handles it
 * as it would a shared socket's. */
static void
if_dgram(void *data, or_disc_ifsock_t *is, const char *buf, size_t len,
    int trunc, const or_disc_from_t *from)
{
    disc_worker_t         *dw = data;
    disc_wsock_t          *ws = &dw->socks[is->sock];
    or_peers_sock_stats_t *ss = or_peers_sock_stats(dw->cycle, ws->index);
    int64_t                now = (int64_t) time(NULL);

    if (dw->quitting) {
        return;
    }
    if (ss != NULL) {
        ss->received++;
    }
    if (trunc) {
        refuse(ws, from, OR_R_TOO_BIG, now);
        return;
    }
    dgram_handle(ws, buf, len, from, now);
}

static void
sweep_tick(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    disc_worker_t *dw = data;

    or_discovery_sweep(dw->cycle, (int64_t) time(NULL));
    or_discovery_diag_tick(dw->diag, (int64_t) time(NULL));
    if (!dw->quitting
        && or_timer_add(loop, t, DISC_SWEEP_MS, sweep_tick, dw) != OR_OK)
    {
        or_log_error(dw->cycle->log, OR_LOG_ERR, ENOMEM, "peer expiry timer "
                     "stopped");
    }
}

/* ---- worker ---- */

/* A stop, not a reload (whose master made a newer generation current
 * before it told us to quit): each node says GOODBYE, twice, so that
 * peers drop it now rather than at expiry. */
static void
v3_goodbye(disc_worker_t *dw)
{
    or_discovery_main_conf_t *mc = disc_main(dw->cycle);
    or_status_t               st;

    if (dw->v3 == NULL
        || (or_status_read(dw->cycle, &st) == OR_OK
            && st.generation > dw->w->generation))
    {
        return;
    }
    for (size_t i = 0; i < dw->cycle->nnodes; i++) {
        disc_sock_t *ds;

        if (mc->node_sock[i] == DISC_NO_SOCK) {
            continue;           /* it announced nothing: no goodbye */
        }
        ds = &mc->socks[mc->node_sock[i]];
        for (int k = 0; k < 2; k++) {
            or_disc_ifsock_t *is = NULL;
            unsigned char     buf[OR_V3_BEACON_MAX];
            size_t            len = 0;

            if (!disc_node(&dw->cycle->nodes[i])->use_rules) {
                if (or_discovery_v3_send(dw->v3, i, OR_V3_BEACON_GOODBYE,
                                         ds->fd, (struct sockaddr *) &ds->dst,
                                         sizeof(ds->dst)) != OR_OK)
                {
                    or_peers_node_stats(dw->cycle, i)->send_failed++;
                }
                continue;
            }
            if (or_disc_links_next(dw->links, i, NULL) == NULL
                || or_discovery_v3_build(dw->v3, i, OR_V3_BEACON_GOODBYE,
                                         buf, &len) != OR_OK)
            {
                continue;
            }
            while ((is = or_disc_links_next(dw->links, i, is)) != NULL) {
                if (sendto(is->fd, buf, len, 0, (struct sockaddr *) &is->dst,
                           is->dstlen) != (ssize_t) len)
                {
                    or_peers_node_stats(dw->cycle, i)->send_failed++;
                } else {
                    or_discovery_v3_sent(dw->v3, i);
                }
            }
        }
    }
}

static void
disc_quit(or_worker_t *w, void *data)
{
    disc_worker_t *dw = data;

    if (!dw->quitting) {
        v3_goodbye(dw);
    }
    dw->quitting = 1;
    or_disc_links_free(dw->links);      /* its sockets are ours alone */
    dw->links = NULL;
    or_timer_del(w->loop, &dw->sweep);
    for (size_t i = 0; i < dw->cycle->nnodes; i++) {
        or_timer_del(w->loop, &dw->nodes[i].beacon);
    }
    for (size_t s = 0; s < disc_main(dw->cycle)->nsocks; s++) {
        or_timer_del(w->loop, &dw->socks[s].early);
        /* the master holds the socket too: only DEL stops our reads */
        if (dw->socks[s].fd != -1
            && or_event_del(w->loop, dw->socks[s].fd) != OR_OK)
        {
            or_log_error(dw->cycle->log, OR_LOG_ERR, errno, "epoll_ctl(DEL) "
                         "of discovery socket %zu failed; beacons may still "
                         "be read until this worker exits", s);
        }
    }
}

/* Each socket tries the keys of its own nodes only; the Fernet ttl is the
 * largest expire among them (each node then checks its own). */
static void
wsock_init(disc_worker_t *dw, or_discovery_main_conf_t *mc, size_t s)
{
    disc_wsock_t *ws = &dw->socks[s];

    ws->dw = dw;
    ws->index = s;
    ws->fd = mc->socks[s].fd;
    for (size_t i = 0; i < dw->cycle->nnodes; i++) {
        int64_t e = disc_node(&dw->cycle->nodes[i])->expire;
        size_t  k;

        if (mc->node_sock[i] != s) {
            continue;
        }
        ws->ttl = e > ws->ttl ? e : ws->ttl;
        for (k = 0; k < ws->nkeys && ws->kmap[k] != mc->node_key[i]; k++) {
        }
        if (k == ws->nkeys) {
            ws->kmap[k] = mc->node_key[i];
            ws->keys[k] = mc->keys[mc->node_key[i]];
            ws->nkeys++;
        }
    }
}

/* The diagnosis's view of the nodes and sockets (or_discovery_diag.c). */
static or_discovery_diag_t *
diag_new(or_cycle_t *cycle)
{
    or_discovery_main_conf_t *mc = disc_main(cycle);
    or_discovery_diag_node_t  dn[OR_PEERS_NODES_MAX];
    or_discovery_diag_sock_t  ds[OR_PEERS_NODES_MAX];

    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_discovery_conf_t *dc = disc_node(&cycle->nodes[i]);
        size_t               s = mc->node_sock[i];

        dn[i] = (or_discovery_diag_node_t) { cycle->nodes[i].id, s,
                                             dc->expire };
        if (s != DISC_NO_SOCK) {
            ds[s] = (or_discovery_diag_sock_t) { dc->group,
                                                 (uint16_t) dc->port,
                                                 dc->interface };
        }
    }
    return or_discovery_diag_new(cycle->log, dn, cycle->nnodes, ds,
                                 mc->nsocks, (int64_t) time(NULL));
}

/* The per-interface sockets of the nodes with `interfaces`, if any. */
static or_err_t
links_start(or_cycle_t *cycle, or_worker_t *w, disc_worker_t *dw)
{
    or_discovery_main_conf_t *mc = disc_main(cycle);
    or_disc_links_node_t      ln[OR_PEERS_NODES_MAX];
    int                       any = 0;

    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_discovery_conf_t *dc = disc_node(&cycle->nodes[i]);
        int                  on = dc->use_rules
                                  && mc->node_sock[i] != DISC_NO_SOCK;

        ln[i] = (or_disc_links_node_t) { on ? &dc->rules : NULL, dc->group,
                                         (uint16_t) dc->port, (int) dc->ttl,
                                         mc->node_sock[i],
                                         cycle->nodes[i].id };
        any |= on;
    }
    if (!any) {
        return OR_OK;
    }
    return or_disc_links_new(w->loop, cycle->log, ln, cycle->nnodes,
                             if_dgram, dw, &dw->links);
}

static or_err_t
worker_start(or_cycle_t *cycle, or_worker_t *w, disc_worker_t *dw)
{
    or_discovery_main_conf_t *mc = disc_main(cycle);
    or_peers_node_conf_t      pc[OR_PEERS_NODES_MAX];
    or_fernet_t              *nk[OR_PEERS_NODES_MAX];

    for (size_t i = 0; i < cycle->nnodes; i++) {
        pc[i].max_peers = (size_t) disc_node(&cycle->nodes[i])->max_peers;
        pc[i].expire = disc_node(&cycle->nodes[i])->expire;
    }
    or_peers_zone_attach(cycle, pc);
    /* every counter and table pointer below is non-NULL from here on */
    if (or_peers_node_stats(cycle, 0) == NULL) {
        errno = 0;
        return OR_ERROR;
    }
    for (size_t s = 0; s < mc->nsocks; s++) {
        wsock_init(dw, mc, s);
        if (dw->socks[s].fd != -1
            && or_event_add(w->loop, dw->socks[s].fd, OR_EV_READ, sock_read,
                            &dw->socks[s]) != OR_OK)
        {
            return OR_ERROR;
        }
    }
    for (size_t i = 0; i < cycle->nnodes; i++) {
        dw->nodes[i].dw = dw;
        dw->nodes[i].index = i;
        dw->nodes[i].log = OR_LOG_CTX(cycle->log, cycle->nodes[i].id, NULL);
        if (mc->node_sock[i] == DISC_NO_SOCK) {
            continue;           /* discovery = { enabled = false; } */
        }
        if (or_discovery_beacon_init(&cycle->nodes[i], &dw->nodes[i].b)
            != OR_OK
            || or_timer_add(w->loop, &dw->nodes[i].beacon, 0, beacon_tick,
                            &dw->nodes[i]) != OR_OK)
        {
            return OR_ERROR;
        }
    }
    for (size_t i = 0; i < cycle->nnodes; i++) {
        /* a disabled node has no key slot (DISC_NO_SOCK): no v3 either */
        nk[i] = mc->node_key[i] == DISC_NO_SOCK ? NULL
                : mc->keys[mc->node_key[i]];
    }
    if (or_discovery_v3_new(cycle, nk, &dw->v3) != OR_OK
        || links_start(cycle, w, dw) != OR_OK)
    {
        return OR_ERROR;
    }
    if (or_timer_add(w->loop, &dw->sweep, DISC_SWEEP_MS, sweep_tick, dw)
        != OR_OK || or_worker_on_quit(w, disc_quit, dw) != OR_OK)
    {
        return OR_ERROR;
    }
    dw->diag = diag_new(cycle);     /* NULL: no diagnosis, discovery runs */
    return OR_OK;
}

static or_err_t
disc_init_worker(or_cycle_t *cycle, or_worker_t *w)
{
    or_discovery_main_conf_t *mc = disc_main(cycle);
    disc_worker_t            *dw;

    if (!or_worker_is_designated(w)) {
        for (size_t s = 0; s < mc->nsocks; s++) {
            if (mc->socks[s].fd != -1) {
                close(mc->socks[s].fd);     /* worker 0 reads them */
            }
            mc->socks[s].fd = -1;
        }
        return OR_OK;
    }
    if (cycle->nnodes == 0) {
        return OR_OK;
    }
    dw = calloc(1, sizeof(*dw));
    if (dw != NULL) {
        dw->nodes = calloc(cycle->nnodes, sizeof(disc_wnode_t));
        dw->socks = calloc(mc->nsocks, sizeof(disc_wsock_t));
    }
    if (dw == NULL || dw->nodes == NULL || dw->socks == NULL) {
        or_log_error(cycle->log, OR_LOG_CRIT, ENOMEM, "discovery state");
        goto failed;
    }
    dw->cycle = cycle;
    dw->w = w;
    mc->worker = dw;
    if (worker_start(cycle, w, dw) != OR_OK) {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "starting discovery "
                     "in worker #%u failed", w->index);
        goto failed;
    }
    return OR_OK;

failed:
    mc->worker = NULL;
    if (dw != NULL) {
        dw->quitting = 1;       /* never started: no goodbye */
        disc_quit(w, dw);
        or_discovery_diag_free(dw->diag);
        or_discovery_v3_free(dw->v3);
        free(dw->nodes);
        free(dw->socks);
        free(dw);
    }
    return OR_ERROR;
}

static void
disc_exit_worker(or_cycle_t *cycle, or_worker_t *w)
{
    or_discovery_main_conf_t *mc = disc_main(cycle);
    disc_worker_t            *dw = mc->worker;

    if (dw == NULL) {
        return;
    }
    if (!dw->quitting) {
        disc_quit(w, dw);
    }
    or_discovery_diag_free(dw->diag);
    or_discovery_v3_free(dw->v3);
    free(dw->nodes);
    free(dw->socks);
    free(dw);
    mc->worker = NULL;
}

/* ---- control: openredctl peers ---- */

static or_err_t
cmd_peers(or_cycle_t *cycle, json_t *request, json_t **reply, char *err,
    size_t errlen)
{
    const char *node = json_string_value(json_object_get(request, "node"));
    or_discovery_main_conf_t *mc = disc_main(cycle);

    if (json_object_get(request, "node") != NULL && node == NULL) {
        snprintf(err, errlen, "\"node\" must be a string");
        return OR_ERROR;
    }
    if (or_peers_json(cycle, node, mc->nsocks,
                      DISC_REPLY_PEERS_MAX, (int64_t) time(NULL), reply,
                      err, errlen) != OR_OK)
    {
        return OR_ERROR;
    }
    /* hints and siblings (or_discovery_diag.c); the diagnosis is worker
     * 0's, where this command runs */
    return or_discovery_diag_peers_json(mc->worker ? mc->worker->diag : NULL,
                                        cycle, mc->node_sock, node, *reply);
}

/* The status hook: the counters `peers --stats` shows, per node (beacons
 * sent, peers listed, lost, evicted, filtered) and per socket (datagrams
 * read, opened, refused by reason), as "discovery". */
static or_err_t
disc_status(or_cycle_t *cycle, json_t *status)
{
    json_t *d = or_peers_stats_json(cycle, disc_main(cycle)->nsocks,
                                    (int64_t) time(NULL));

    if (d == NULL) {
        /* no table laid out yet: nothing to report */
        return or_peers_table(cycle, 0) == NULL ? OR_OK : OR_ENOMEM;
    }
    if (disc_main(cycle)->worker != NULL) {
        or_discovery_diag_sockets_json(disc_main(cycle)->worker->diag,
                                       json_object_get(d, "sockets"));
        if (disc_main(cycle)->worker->links != NULL) {
            json_object_set_new(d, "interfaces", or_disc_links_json(
                                    disc_main(cycle)->worker->links));
        }
    }
    return json_object_set_new(status, "discovery", d) == 0
           ? OR_OK : OR_ENOMEM;
}
