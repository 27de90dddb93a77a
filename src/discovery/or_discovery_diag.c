/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Discovery's diagnosis (or_discovery_diag.h): counters per node and per
 * socket, a notice per period when something is wrong, and the same
 * sentences as hints. The words name the likely cause: a passphrase, a
 * closed UDP port, multicast that does not reach the host.
 */
#include "or_discovery_diag.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_log.h"

#define DIAG_HINTS_MAX  2               /* per node in `peers` */

typedef struct {
    const char  *id;
    size_t       sock;
    int64_t      period;        /* s */
    int64_t      last_heard;    /* s, wall clock: another's beacon, or
                                   the start */
    int          heard_ever;
    uint64_t     sent;          /* beacons sent since last_heard */
    int64_t      next_note;     /* s: no notice before */
} diag_node_t;

typedef struct {
    char         group[16];
    uint16_t     port;
    char         ifname[IF_NAMESIZE];   /* resolved, or "" if unknown */
    char         address[INET_ADDRSTRLEN];  /* beacons' source, or "" */
    int64_t      period;        /* s: the smallest expire of its nodes */
    int64_t      window;        /* s: the counting window began */
    uint64_t     hmac;          /* refused by HMAC in the window */
    uint64_t     hmac_prev;     /* in the window before */
    char         from[64];      /* the last refused source */
} diag_sock_t;

struct or_discovery_diag_s {
    or_log_t     *log;
    diag_node_t  *nodes;
    size_t        nnodes;
    diag_sock_t  *socks;
    size_t        nsocks;
};

/* The interface and source address the kernel uses to reach group: a
 * connected UDP socket's local address, and the interface holding it. */
static void
sock_route(diag_sock_t *s, const char *interface)
{
    struct sockaddr_in  dst, src;
    socklen_t           len = sizeof(src);
    struct ifaddrs     *ifa, *i;
    int                 fd;

    snprintf(s->ifname, sizeof(s->ifname), "%s", interface);
    memset(&dst, 0, sizeof(dst));
    dst.sin_family = AF_INET;
    dst.sin_port = htons(s->port);
    if (inet_pton(AF_INET, s->group, &dst.sin_addr) != 1) {
        return;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        return;
    }
    if (interface[0] != '\0') {
        (void) setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface,
                          (socklen_t) strlen(interface));
    }
    if (connect(fd, (struct sockaddr *) &dst, sizeof(dst)) == 0
        && getsockname(fd, (struct sockaddr *) &src, &len) == 0)
    {
        inet_ntop(AF_INET, &src.sin_addr, s->address, sizeof(s->address));
    }
    close(fd);
    if (interface[0] != '\0' || s->address[0] == '\0'
        || getifaddrs(&ifa) != 0)
    {
        return;
    }
    for (i = ifa; i != NULL; i = i->ifa_next) {
        if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET
            && ((struct sockaddr_in *) i->ifa_addr)->sin_addr.s_addr
               == src.sin_addr.s_addr)
        {
            snprintf(s->ifname, sizeof(s->ifname), "%s", i->ifa_name);
            break;
        }
    }
    freeifaddrs(ifa);
}

or_discovery_diag_t *
or_discovery_diag_new(or_log_t *log, const or_discovery_diag_node_t *nodes,
    size_t nnodes, const or_discovery_diag_sock_t *socks, size_t nsocks,
    int64_t now)
{
    or_discovery_diag_t *d = calloc(1, sizeof(*d));

    if (d == NULL) {
        return NULL;
    }
    d->nodes = calloc(nnodes ? nnodes : 1, sizeof(diag_node_t));
    d->socks = calloc(nsocks ? nsocks : 1, sizeof(diag_sock_t));
    if (d->nodes == NULL || d->socks == NULL) {
        or_discovery_diag_free(d);
        return NULL;
    }
    d->log = log;
    d->nnodes = nnodes;
    d->nsocks = nsocks;
    for (size_t s = 0; s < nsocks; s++) {
        snprintf(d->socks[s].group, sizeof(d->socks[s].group), "%s",
                 socks[s].group);
        d->socks[s].port = socks[s].port;
        d->socks[s].window = now;
        sock_route(&d->socks[s], socks[s].interface);
    }
    for (size_t i = 0; i < nnodes; i++) {
        diag_node_t *n = &d->nodes[i];

        n->id = nodes[i].id;
        n->sock = nodes[i].sock;
        n->period = nodes[i].period;
        n->last_heard = now;
        n->next_note = now + n->period;
        if (n->sock < nsocks && (d->socks[n->sock].period == 0
                                 || n->period < d->socks[n->sock].period))
        {
            d->socks[n->sock].period = n->period;
        }
    }
    return d;
}

void
or_discovery_diag_free(or_discovery_diag_t *d)
{
    if (d == NULL) {
        return;
    }
    free(d->nodes);
    free(d->socks);
    free(d);
}

void
or_discovery_diag_sent(or_discovery_diag_t *d, size_t node)
{
    if (d != NULL && node < d->nnodes) {
        d->nodes[node].sent++;
    }
}

void
or_discovery_diag_heard(or_discovery_diag_t *d, size_t node, int64_t now)
{
    if (d != NULL && node < d->nnodes) {
        d->nodes[node].last_heard = now;
        d->nodes[node].heard_ever = 1;
        d->nodes[node].sent = 0;
    }
}

void
or_discovery_diag_refused(or_discovery_diag_t *d, size_t sock,
    or_reason_t reason, const char *from)
{
    if (d == NULL || sock >= d->nsocks || reason != OR_R_HMAC) {
        return;
    }
    d->socks[sock].hmac++;
    snprintf(d->socks[sock].from, sizeof(d->socks[sock].from), "%s", from);
}

static const char *
sock_ifname(const diag_sock_t *s)
{
    return s->ifname[0] != '\0' ? s->ifname : "the default interface";
}

static void
hmac_text(const diag_sock_t *s, uint64_t n, char *buf, size_t len)
{
    snprintf(buf, len, "%llu beacons refused in %lld s, HMAC mismatch: "
             "different discovery passphrase?", (unsigned long long) n,
             (long long) s->period);
}

static void
silent_text(const diag_node_t *n, const diag_sock_t *s, int64_t now,
    char *buf, size_t len)
{
    snprintf(buf, len, "no beacon heard on %s in %lld s: check that UDP %u "
             "is open and multicast reaches this host", sock_ifname(s),
             (long long) (now - n->last_heard), (unsigned) s->port);
}

void
or_discovery_diag_tick(or_discovery_diag_t *d, int64_t now)
{
    char text[256];

    if (d == NULL) {
        return;
    }
    for (size_t s = 0; s < d->nsocks; s++) {
        diag_sock_t *ds = &d->socks[s];

        if (ds->period == 0 || now - ds->window < ds->period) {
            continue;
        }
        if (ds->hmac > 0) {
            hmac_text(ds, ds->hmac, text, sizeof(text));
            or_log_ctx_error(&OR_LOG_CTX(d->log, NULL, ds->from),
                             OR_LOG_NOTICE, 0, "%s", text);
        }
        ds->hmac_prev = ds->hmac;
        ds->hmac = 0;
        ds->window = now;
    }
    for (size_t i = 0; i < d->nnodes; i++) {
        diag_node_t *n = &d->nodes[i];

        if (n->sock >= d->nsocks || n->sent == 0 || now < n->next_note
            || now - n->last_heard < n->period)
        {
            continue;
        }
        silent_text(n, &d->socks[n->sock], now, text, sizeof(text));
        or_log_ctx_error(&OR_LOG_CTX(d->log, n->id, NULL), OR_LOG_NOTICE, 0,
                         "%s", text);
        n->next_note = now + n->period;
    }
}

size_t
or_discovery_diag_hints(const or_discovery_diag_t *d, size_t node,
    int64_t now, char (*out)[256], size_t max)
{
    const diag_node_t *n;
    const diag_sock_t *s;
    size_t             k = 0;

    if (d == NULL || node >= d->nnodes || d->nodes[node].sock >= d->nsocks) {
        return 0;
    }
    n = &d->nodes[node];
    s = &d->socks[n->sock];
    if (k < max && (s->hmac > 0 || s->hmac_prev > 0)) {
        hmac_text(s, s->hmac > s->hmac_prev ? s->hmac : s->hmac_prev,
                  out[k++], sizeof(out[0]));
    }
    if (k < max && now - n->last_heard >= n->period) {
        silent_text(n, s, now, out[k++], sizeof(out[0]));
    } else if (k < max && !n->heard_ever) {
        snprintf(out[k++], sizeof(out[0]), "no beacon heard on %s yet "
                 "(%lld s since start, a peer shows once its beacon "
                 "arrives)", sock_ifname(s), (long long) (now - n->last_heard));
    }
    return k;
}

void
or_discovery_diag_sockets_json(const or_discovery_diag_t *d,
    json_t *sockets)
{
    json_t *o;
    size_t  i;

    if (d == NULL) {
        return;
    }
    json_array_foreach(sockets, i, o) {
        if (i >= d->nsocks || !json_is_object(o)) {
            continue;
        }
        json_object_set_new(o, "group", json_string(d->socks[i].group));
        json_object_set_new(o, "port", json_integer(d->socks[i].port));
        json_object_set_new(o, "interface", json_string(d->socks[i].ifname));
        json_object_set_new(o, "address", json_string(d->socks[i].address));
    }
}

const char *
or_discovery_diag_ifname(const or_discovery_diag_t *d, size_t sock)
{
    return d != NULL && sock < d->nsocks ? d->socks[sock].ifname : "";
}

/* Each peer: "sibling" (a node of this daemon), and the socket and
 * interface it was heard on (its node's). */
static void
peers_mark(const or_discovery_diag_t *d, or_cycle_t *cycle,
    const size_t *node_sock, json_t *peers, json_t *own)
{
    const char *id, *fp;
    json_t     *p, *o;
    size_t      i, k, n;
    int         sibling;

    json_array_foreach(peers, i, p) {
        id = json_string_value(json_object_get(p, "node"));
        fp = json_string_value(json_object_get(p, "fingerprint"));
        for (n = 0; id != NULL && n < cycle->nnodes
                    && strcmp(cycle->nodes[n].id, id) != 0; n++) {
        }
        if (id != NULL && n < cycle->nnodes
            && node_sock[n] != OR_DISCOVERY_NO_SOCK)
        {
            json_object_set_new(p, "socket",
                                json_integer((json_int_t) node_sock[n]));
            const char *heard = json_string_value(
                                    json_object_get(p, "interface"));

            /* a per-interface socket's peer says where it arrived */
            if (heard == NULL || heard[0] == '\0') {
                json_object_set_new(p, "interface", json_string(
                    or_discovery_diag_ifname(d, node_sock[n])));
            }
        }
        sibling = 0;
        json_array_foreach(own, k, o) {
            sibling |= fp != NULL && strcmp(json_string_value(o), fp) == 0;
        }
        json_object_set_new(p, "sibling", json_boolean(sibling));
    }
}

or_err_t
or_discovery_diag_peers_json(const or_discovery_diag_t *d,
    or_cycle_t *cycle, const size_t *node_sock, const char *node,
    json_t *reply)
{
    json_t  *hints = json_array(), *own = json_array();
    char     text[DIAG_HINTS_MAX][256];
    int64_t  now = (int64_t) time(NULL);

    for (size_t i = 0; hints && own && i < cycle->nnodes; i++) {
        const char *id = cycle->nodes[i].id;
        size_t      n = 0;

        if (cycle->nodes[i].key != NULL) {
            json_array_append_new(own, json_string(
                or_key_fingerprint(cycle->nodes[i].key)));
        }
        if (node != NULL && strcmp(node, id) != 0) {
            continue;
        }
        if (node_sock[i] == OR_DISCOVERY_NO_SOCK) {
            snprintf(text[0], sizeof(text[0]), "discovery is disabled for "
                     "this node (discovery.enabled = false)");
            n = 1;
        } else {
            n = or_discovery_diag_hints(d, i, now, text, DIAG_HINTS_MAX);
        }
        for (size_t k = 0; k < n; k++) {
            json_array_append_new(hints, json_pack("{s:s, s:s}", "node", id,
                                                   "hint", text[k]));
        }
    }
    if (hints == NULL || own == NULL) {
        json_decref(hints);
        json_decref(own);
        return OR_ENOMEM;
    }
    peers_mark(d, cycle, node_sock, json_object_get(reply, "peers"), own);
    if (json_object_set_new(reply, "hints", hints) != 0
        || json_object_set_new(reply, "siblings", own) != 0)
    {
        return OR_ENOMEM;
    }
    return OR_OK;
}
