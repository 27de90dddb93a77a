/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The peer table behind or_peers.h: per node, a dense array of entries and
 * an open-addressing index (linear probing, backward-shift deletion, so no
 * tombstones build up), all inside the "peers" shm zone.
 */
#include "or_peers.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "or_cycle.h"
#include "or_hash.h"
#include "or_shm.h"

#define PEERS_MAGIC  0x6f727072u        /* "orpr" */
#define ALIGN64(n)   (((n) + 63) & ~(size_t) 63)

struct or_peer_table_s {
    char      node_id[64];
    uint64_t  max;              /* entries */
    uint64_t  mask;             /* index slots - 1 (a power of two) */
    int64_t   expire;           /* s */
    uint64_t  count;            /* entries[0 .. count - 1] are used */
    /* followed by or_peer_t entries[max], then int32_t index[mask + 1] */
};

typedef struct {
    uint32_t               magic;
    uint32_t               nnodes;
    uint64_t               size;    /* bytes of the zone */
    uint64_t               offset[OR_PEERS_NODES_MAX];
    uint64_t               offset_refused[OR_PEERS_NODES_MAX];
    or_peers_node_stats_t  node[OR_PEERS_NODES_MAX];
    or_peers_sock_stats_t  sock[OR_PEERS_SOCKETS_MAX];
} peers_zone_t;

static or_peer_t *
entries(const or_peer_table_t *t)
{
    return (or_peer_t *) ((char *) t + ALIGN64(sizeof(*t)));
}

static int32_t *
index_of(const or_peer_table_t *t)
{
    return (int32_t *) ((char *) entries(t) + t->max * sizeof(or_peer_t));
}

/* FNV-1a over the fingerprint text. */
static uint64_t
fp_hash(const char *fp)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *fp != '\0'; fp++) {
        h = (h ^ (unsigned char) *fp) * 1099511628211ULL;
    }
    return h;
}

size_t
or_peer_table_size(size_t max_peers)
{
    return ALIGN64(ALIGN64(sizeof(or_peer_table_t))
                   + max_peers * sizeof(or_peer_t)
                   + or_hash_index_slots(max_peers) * sizeof(int32_t));
}

or_peer_table_t *
or_peer_table_init(void *mem, size_t max_peers, int64_t expire,
    const char *node_id)
{
    or_peer_table_t *t = mem;
    int32_t         *ix;

    memset(t, 0, sizeof(*t));
    snprintf(t->node_id, sizeof(t->node_id), "%s", node_id);
    t->max = max_peers;
    t->mask = or_hash_index_slots(max_peers) - 1;
    t->expire = expire;
    ix = index_of(t);
    for (size_t i = 0; i <= t->mask; i++) {
        ix[i] = -1;
    }
    return t;
}

/* Index slot holding fp, or the empty slot where it would go. */
static size_t
probe(const or_peer_table_t *t, const char *fp)
{
    const int32_t *ix = index_of(t);
    size_t         i = fp_hash(fp) & t->mask;

    while (ix[i] >= 0 && strcmp(entries(t)[ix[i]].fingerprint, fp) != 0) {
        i = (i + 1) & t->mask;
    }
    return i;
}

static int
alive(const or_peer_table_t *t, const or_peer_t *p, int64_t now)
{
    return now - p->last_seen <= t->expire;
}

/* Removes entry e: backward-shift its index slot, move the last entry into
 * the hole so entries stay dense. */
static void
remove_entry(or_peer_table_t *t, size_t e)
{
    or_peer_t *en = entries(t);
    int32_t   *ix = index_of(t);
    size_t     i = probe(t, en[e].fingerprint), j = i, home;

    ix[i] = -1;
    for (;;) {
        j = (j + 1) & t->mask;
        if (ix[j] < 0) {
            break;
        }
        home = fp_hash(en[ix[j]].fingerprint) & t->mask;
        /* Leave ix[j] if its home lies cyclically in (i, j]. */
        if ((i <= j) ? (i < home && home <= j) : (i < home || home <= j)) {
            continue;
        }
        ix[i] = ix[j];
        ix[j] = -1;
        i = j;
    }
    t->count--;
    if (e != t->count) {
        en[e] = en[t->count];
        ix[probe(t, en[e].fingerprint)] = (int32_t) e;
    }
    memset(&en[t->count], 0, sizeof(or_peer_t));
}

static size_t
stalest(const or_peer_table_t *t)
{
    const or_peer_t *en = entries(t);
    size_t           s = 0;

    for (size_t i = 1; i < t->count; i++) {
        if (en[i].last_seen < en[s].last_seen) {
            s = i;
        }
    }
    return s;
}

/* A sender with no source address (a host with no address on the
 * multicast route) leaves 0.0.0.0: then only the advertised one helps. */
static const char *
dial_ip(const or_peer_t *p)
{
    return strcmp(p->source, "0.0.0.0") != 0 ? p->source : p->adv_ip;
}

/* the beacon p comes from the endpoint a handshake confirmed for c */
static int
at_confirmed(const or_peer_t *c, const or_peer_t *p)
{
    return strcmp(dial_ip(p), c->confirmed_ip) == 0
           && (c->confirmed_port == 0 || c->confirmed_port == p->adv_port);
}

/* Records src's source address in dst's list: refreshed if it is there
 * (same address and interface), else in a free slot, else in place of
 * the one heard longest ago. Bounded: OR_PEER_ADDRS_MAX. */
static void
addr_note(or_peer_t *dst, const or_peer_t *src, int64_t now)
{
    or_peer_addr_t *a = NULL;
    size_t          i;

    if (src->source[0] == '\0') {
        return;
    }
    for (i = 0; i < dst->naddrs && i < OR_PEER_ADDRS_MAX; i++) {
        if (strcmp(dst->addrs[i].ip, src->source) == 0
            && dst->addrs[i].ifindex == src->source_ifindex)
        {
            a = &dst->addrs[i];
            break;
        }
    }
    if (a == NULL && dst->naddrs < OR_PEER_ADDRS_MAX) {
        a = &dst->addrs[dst->naddrs++];
    } else if (a == NULL) {
        a = &dst->addrs[0];
        for (i = 1; i < OR_PEER_ADDRS_MAX; i++) {
            if (dst->addrs[i].last_seen < a->last_seen) {
                a = &dst->addrs[i];
            }
        }
    }
    snprintf(a->ip, sizeof(a->ip), "%s", src->source);
    snprintf(a->ifname, sizeof(a->ifname), "%s", src->source_if);
    a->ifindex = src->source_ifindex;
    a->family = src->source_family;
    a->last_seen = now;
}

int
or_peer_table_add_addr(or_peer_table_t *t, const or_peer_t *p, int64_t now)
{
    const int32_t *ix = index_of(t);
    size_t         i = probe(t, p->fingerprint);

    if (ix[i] < 0 || !alive(t, &entries(t)[ix[i]], now)) {
        return 0;
    }
    addr_note(&entries(t)[ix[i]], p, now);
    return 1;
}

static void
refresh(or_peer_t *dst, const or_peer_t *src, int64_t now)
{
    or_peer_t  kept = *dst;

    *dst = *src;
    dst->naddrs = kept.naddrs;
    memcpy(dst->addrs, kept.addrs, sizeof(dst->addrs));
    addr_note(dst, src, now);
    dst->first_seen = kept.first_seen;
    dst->last_seen = now;
    dst->beacons = kept.beacons + 1;
    dst->confirmed = kept.confirmed;
    memcpy(dst->confirmed_ip, kept.confirmed_ip, sizeof(dst->confirmed_ip));
    dst->confirmed_port = kept.confirmed_port;
    dst->conflicts = kept.conflicts;
}

or_peer_update_t
or_peer_table_update(or_peer_table_t *t, const or_peer_t *p, int64_t now,
    or_peer_t *removed)
{
    or_peer_t        *en = entries(t);
    int32_t          *ix = index_of(t);
    size_t            i = probe(t, p->fingerprint);
    or_peer_update_t  r = OR_PEER_NEW;

    if (ix[i] >= 0) {
        or_peer_t *old = &en[ix[i]];

        if (alive(t, old, now)) {
            int restarted;

            /* unverified: never moves an endpoint a handshake confirmed,
             * nor refreshes it (so a gone peer still expires) */
            if (old->v3 && !p->v3) {
                return OR_PEER_V3_HELD;     /* v2 beacons are forgeable */
            }
            if (old->confirmed && !at_confirmed(old, p)) {
                old->conflicts++;
                return OR_PEER_CONFLICT;
            }
            /* a v3 beacon's "node_hash" is its instance, not v2's */
            restarted = old->node_hash[0] != '\0' && old->v3 == p->v3
                        && strcmp(old->node_hash, p->node_hash) != 0;

            refresh(old, p, now);
            return restarted ? OR_PEER_RESTARTED : OR_PEER_UPDATED;
        }
        if (removed != NULL) {
            *removed = *old;
        }
        remove_entry(t, (size_t) ix[i]);     /* expired: new again */
        r = OR_PEER_NEW_EXPIRED;
    }
    /* an expired entry just went: then there is room, and no eviction */
    if (t->count == t->max) {
        size_t s = stalest(t);

        if (removed != NULL) {
            *removed = en[s];
        }
        remove_entry(t, s);
        r = OR_PEER_NEW_EVICTED;
    }
    en[t->count] = *p;
    en[t->count].first_seen = now;
    en[t->count].last_seen = now;
    en[t->count].beacons = 1;
    en[t->count].confirmed = 0;     /* only a handshake confirms */
    en[t->count].confirmed_ip[0] = '\0';
    en[t->count].confirmed_port = 0;
    en[t->count].conflicts = 0;
    en[t->count].naddrs = 0;
    memset(en[t->count].addrs, 0, sizeof(en[t->count].addrs));
    addr_note(&en[t->count], p, now);
    ix[probe(t, p->fingerprint)] = (int32_t) t->count;
    t->count++;
    return r;
}

int
or_peer_table_remove(or_peer_table_t *t, const char *fp, or_peer_t *removed)
{
    const int32_t *ix = index_of(t);
    size_t         i = probe(t, fp);

    if (ix[i] < 0) {
        return 0;
    }
    if (removed != NULL) {
        *removed = entries(t)[ix[i]];
    }
    remove_entry(t, (size_t) ix[i]);
    return 1;
}

int
or_peer_table_confirm(or_peer_table_t *t, const char *fp, const char *ip,
    uint16_t port, int64_t now)
{
    const int32_t *ix = index_of(t);
    or_peer_t     *e;
    size_t         i;

    if (fp == NULL || strlen(fp) != OR_FP_LEN || ip == NULL) {
        return 0;
    }
    i = probe(t, fp);
    if (ix[i] < 0 || !alive(t, &entries(t)[ix[i]], now)) {
        return 0;
    }
    e = &entries(t)[ix[i]];
    /* an inbound handshake from the ip already pinned with its port
     * keeps the port */
    if (port == 0 && e->confirmed && strcmp(e->confirmed_ip, ip) == 0) {
        port = e->confirmed_port;
    }
    if (strcmp(dial_ip(e), ip) != 0) {
        snprintf(e->source, sizeof(e->source), "%s", ip);
    }
    if (port != 0) {
        e->adv_port = port;
    }
    e->confirmed = 1;
    snprintf(e->confirmed_ip, sizeof(e->confirmed_ip), "%s", ip);
    e->confirmed_port = port;
    return 1;
}

size_t
or_peer_table_expire(or_peer_table_t *t, int64_t now,
    void (*lost)(const or_peer_t *p, void *data), void *data)
{
    or_peer_t *en = entries(t);
    size_t     n = 0, i = 0;

    while (i < t->count) {
        if (alive(t, &en[i], now)) {
            i++;
            continue;
        }
        if (lost != NULL) {
            lost(&en[i], data);
        }
        remove_entry(t, i);     /* the last entry moved into i: look again */
        n++;
    }
    return n;
}

int
or_peer_table_find(const or_peer_table_t *t, const char *fp, int64_t now,
    or_peer_t *out)
{
    const int32_t *ix = index_of(t);
    size_t         i;

    if (fp == NULL || strlen(fp) != OR_FP_LEN) {
        return 0;
    }
    i = probe(t, fp);
    if (ix[i] < 0 || !alive(t, &entries(t)[ix[i]], now)) {
        return 0;
    }
    if (out != NULL) {
        *out = entries(t)[ix[i]];
    }
    return 1;
}

size_t
or_peer_table_count(const or_peer_table_t *t, int64_t now)
{
    size_t n = 0;

    for (size_t i = 0; i < t->count; i++) {
        n += alive(t, &entries(t)[i], now);
    }
    return n;
}

void
or_peer_table_each(const or_peer_table_t *t, int64_t now,
    or_peers_each_pt cb, void *data)
{
    for (size_t i = 0; i < t->count; i++) {
        if (alive(t, &entries(t)[i], now) && cb(&entries(t)[i], data)) {
            return;
        }
    }
}

/* for the modules that log or show where a peer is dialled */
const char *
or_peer_dial_ip(const or_peer_t *p)
{
    return dial_ip(p);
}

or_err_t
or_peer_dial_addr(const or_peer_t *p, struct sockaddr_storage *sa,
    socklen_t *len)
{
    struct sockaddr_storage  s;
    struct sockaddr_in      *in4 = (struct sockaddr_in *) &s;
    struct sockaddr_in6     *in6 = (struct sockaddr_in6 *) &s;
    const char              *ip = or_peer_dial_ip(p);

    memset(&s, 0, sizeof(s));
    if (p->adv_port == 0) {
        return OR_EPROTO;
    }
    if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(p->adv_port);
        *len = sizeof(*in4);
    } else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(p->adv_port);
        if (IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr)) {
            if (p->source_ifindex == 0) {
                return OR_EPROTO;       /* no interface: cannot reach it */
            }
            in6->sin6_scope_id = p->source_ifindex;
        }
        *len = sizeof(*in6);
    } else {
        return OR_EPROTO;
    }
    *sa = s;
    return OR_OK;
}

/* ---- the zone ---- */

static size_t
zone_size(size_t nnodes, const or_peers_node_conf_t *conf)
{
    size_t size = ALIGN64(sizeof(peers_zone_t));

    /* each node: the peers it lists, then the ones its filter refused */
    for (size_t i = 0; i < nnodes; i++) {
        size += 2 * or_peer_table_size(conf[i].max_peers);
    }
    return size;
}

or_err_t
or_peers_zone_add(or_cycle_t *cycle, const or_peers_node_conf_t *conf)
{
    if (cycle->nnodes > OR_PEERS_NODES_MAX) {
        return OR_ECONF;
    }
    return or_shm_zone_add(cycle, OR_PEERS_ZONE,
                           zone_size(cycle->nnodes, conf), NULL)
           ? OR_OK : OR_ENOMEM;
}

or_shm_zone_t *
or_peers_zone(or_cycle_t *cycle)
{
    return or_shm_zone_find(cycle, OR_PEERS_ZONE);
}

static peers_zone_t *
zone_hdr(or_cycle_t *cycle)
{
    or_shm_zone_t *z = or_peers_zone(cycle);
    peers_zone_t  *h = z != NULL ? or_shm_addr(z) : NULL;

    return h != NULL && h->magic == PEERS_MAGIC ? h : NULL;
}

void
or_peers_zone_attach(or_cycle_t *cycle, const or_peers_node_conf_t *conf)
{
    or_shm_zone_t *z = or_peers_zone(cycle);
    peers_zone_t  *h = z != NULL ? or_shm_addr(z) : NULL;
    size_t         off = ALIGN64(sizeof(peers_zone_t));

    if (h == NULL) {
        return;
    }
    or_shm_lock(z);
    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_peer_table_t *t = (or_peer_table_t *) ((char *) h + off);
        size_t           size = or_peer_table_size(conf[i].max_peers);
        or_peer_table_t *r = (or_peer_table_t *) ((char *) t + size);
        const char      *id = cycle->nodes[i].id;

        /* A kept zone whose layout is the same keeps its peers. */
        if (h->magic != PEERS_MAGIC || h->offset[i] != off
            || t->max != conf[i].max_peers || t->expire != conf[i].expire
            || strncmp(t->node_id, id, sizeof(t->node_id) - 1) != 0)
        {
            or_peer_table_init(t, conf[i].max_peers, conf[i].expire, id);
            or_peer_table_init(r, conf[i].max_peers, conf[i].expire, id);
            memset(&h->node[i], 0, sizeof(h->node[i]));
        }
        h->offset[i] = off;
        h->offset_refused[i] = off + size;
        off += 2 * size;
    }
    h->nnodes = (uint32_t) cycle->nnodes;
    h->size = or_shm_size(z);
    h->magic = PEERS_MAGIC;
    or_shm_unlock(z);
}

or_peer_table_t *
or_peers_table(or_cycle_t *cycle, size_t node)
{
    peers_zone_t *h = zone_hdr(cycle);

    if (h == NULL || node >= h->nnodes) {
        return NULL;
    }
    return (or_peer_table_t *) ((char *) h + h->offset[node]);
}

or_peer_table_t *
or_peers_refused_table(or_cycle_t *cycle, size_t node)
{
    peers_zone_t *h = zone_hdr(cycle);

    if (h == NULL || node >= h->nnodes) {
        return NULL;
    }
    return (or_peer_table_t *) ((char *) h + h->offset_refused[node]);
}

or_peers_node_stats_t *
or_peers_node_stats(or_cycle_t *cycle, size_t node)
{
    peers_zone_t *h = zone_hdr(cycle);

    return h != NULL && node < OR_PEERS_NODES_MAX ? &h->node[node] : NULL;
}

or_peers_sock_stats_t *
or_peers_sock_stats(or_cycle_t *cycle, size_t sock)
{
    peers_zone_t *h = zone_hdr(cycle);

    return h != NULL && sock < OR_PEERS_SOCKETS_MAX ? &h->sock[sock] : NULL;
}

void
or_peers_each(or_cycle_t *cycle, size_t node, int64_t now,
    or_peers_each_pt cb, void *data)
{
    or_shm_zone_t   *z = or_peers_zone(cycle);
    or_peer_table_t *t;

    if (z == NULL || or_shm_addr(z) == NULL) {
        return;
    }
    or_shm_lock(z);
    t = or_peers_table(cycle, node);
    if (t != NULL) {
        or_peer_table_each(t, now, cb, data);
    }
    or_shm_unlock(z);
}

int
or_peers_confirm(or_cycle_t *cycle, size_t node, const char *fp,
    const char *ip, uint16_t port, int64_t now)
{
    or_shm_zone_t   *z = or_peers_zone(cycle);
    or_peer_table_t *t;
    int              found = 0;

    if (z == NULL || or_shm_addr(z) == NULL) {
        return 0;
    }
    or_shm_lock(z);
    t = or_peers_table(cycle, node);
    if (t != NULL) {
        found = or_peer_table_confirm(t, fp, ip, port, now);
    }
    or_shm_unlock(z);
    return found;
}

static int
find_in(or_cycle_t *cycle, size_t node, int refused, const char *fp,
    int64_t now, or_peer_t *out)
{
    or_shm_zone_t   *z = or_peers_zone(cycle);
    or_peer_table_t *t;
    int              found = 0;

    if (z == NULL || or_shm_addr(z) == NULL) {
        return 0;
    }
    or_shm_lock(z);
    t = refused ? or_peers_refused_table(cycle, node)
                : or_peers_table(cycle, node);
    if (t != NULL) {
        found = or_peer_table_find(t, fp, now, out);
    }
    or_shm_unlock(z);
    return found;
}

int
or_peers_find(or_cycle_t *cycle, size_t node, const char *fp, int64_t now,
    or_peer_t *out)
{
    return find_in(cycle, node, 0, fp, now, out);
}

int
or_peers_find_refused(or_cycle_t *cycle, size_t node, const char *fp,
    int64_t now, or_peer_t *out)
{
    return find_in(cycle, node, 1, fp, now, out);
}

/* ---- control ---- */

typedef struct {
    json_t      *a;
    const char  *node;
    size_t       max;
    int64_t      now;
    int          truncated;
} peers_json_t;

static int
peer_json(const or_peer_t *p, void *data)
{
    peers_json_t *pj = data;
    json_t       *sv, *o;

    if (json_array_size(pj->a) >= pj->max) {
        pj->truncated = 1;
        return 1;
    }
    sv = json_array();
    for (uint32_t i = 0; sv != NULL && i < p->nservices; i++) {
        json_array_append_new(sv, json_string(p->services[i]));
    }
    o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:i, s:s, s:i, s:s, s:I, "
                  "s:I, s:I, s:I, s:I, s:s}", "node", pj->node,
                  "fingerprint", p->fingerprint, "sector", p->sector,
                  "services", sv ? sv : json_array(), "address",
                  or_peer_dial_ip(p),
                  "port", (int) p->adv_port, "source", p->source,
                  "source_port", (int) p->source_port, "advertised",
                  p->adv_ip, "age", (json_int_t) (pj->now - p->last_seen),
                  "first_seen", (json_int_t) p->first_seen, "last_seen",
                  (json_int_t) p->last_seen, "beacons",
                  (json_int_t) p->beacons, "activity_level",
                  (json_int_t) p->activity_level, "protocol",
                  p->v3 ? "3.0" : "2.0");
    if (o != NULL) {
        json_t *as = json_array();

        for (uint32_t k = 0; as != NULL && k < p->naddrs
                             && k < OR_PEER_ADDRS_MAX; k++)
        {
            json_array_append_new(as, json_pack(
                "{s:s, s:s, s:i, s:i, s:I}", "address", p->addrs[k].ip,
                "interface", p->addrs[k].ifname, "ifindex",
                (int) p->addrs[k].ifindex, "family",
                (int) p->addrs[k].family, "age",
                (json_int_t) (pj->now - p->addrs[k].last_seen)));
        }
        json_object_set_new(o, "interface", json_string(p->source_if));
        json_object_set_new(o, "family", json_integer(p->source_family));
        json_object_set_new(o, "addresses", as ? as : json_array());
    }
    if (o != NULL && p->v3) {
        char hex[65];

        for (int k = 0; k < 32; k++) {
            snprintf(hex + 2 * k, 3, "%02x", p->id[k]);
        }
        json_object_set_new(o, "id", json_string(hex));
    }
    if (o != NULL
        && (json_object_set_new(o, "confirmed",
                                json_boolean(p->confirmed)) != 0
            || json_object_set_new(o, "conflicts", json_integer(
                                   (json_int_t) p->conflicts)) != 0))
    {
        json_decref(o);
        return 1;
    }
    return o == NULL || json_array_append_new(pj->a, o) != 0;
}

static json_t *
node_stats_json(or_cycle_t *cycle, size_t i, int64_t now)
{
    or_peers_node_stats_t *ns = or_peers_node_stats(cycle, i);
    or_peer_table_t       *t = or_peers_table(cycle, i);

    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
                     "s:I, s:I}", "node",
                     cycle->nodes[i].id, "peers", (json_int_t)
                     (t ? or_peer_table_count(t, now) : 0), "sent",
                     (json_int_t) ns->sent, "send_failed",
                     (json_int_t) ns->send_failed, "listed",
                     (json_int_t) ns->listed, "lost", (json_int_t) ns->lost,
                     "evicted", (json_int_t) ns->evicted, "filtered",
                     (json_int_t) ns->filtered, "conflicts",
                     (json_int_t) ns->conflicts, "v3_sent",
                     (json_int_t) ns->v3_sent, "v3_held",
                     (json_int_t) ns->v3_held, "goodbyes",
                     (json_int_t) ns->goodbyes);
}

static json_t *
sock_stats_json(or_peers_sock_stats_t *ss)
{
    json_t *r = json_object();

    for (int k = 0; r != NULL && k < OR_R_LAST; k++) {
        if (ss->refused[k] != 0) {
            json_object_set_new(r, or_reason_name((or_reason_t) k),
                                json_integer((json_int_t) ss->refused[k]));
        }
    }
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "received",
                     (json_int_t) ss->received, "opened",
                     (json_int_t) ss->opened, "v3_received",
                     (json_int_t) ss->v3_received, "v3_verified",
                     (json_int_t) ss->v3_verified, "own",
                     (json_int_t) ss->own,
                     "early", (json_int_t) ss->early, "refused",
                     r ? r : json_object());
}

or_err_t
or_peers_json(or_cycle_t *cycle, const char *node, size_t nsocks,
    size_t max, int64_t now, json_t **reply, char *err, size_t errlen)
{
    or_shm_zone_t *z = or_peers_zone(cycle);
    peers_json_t   pj = { json_array(), NULL, max, now, 0 };
    json_t        *nodes = json_array(), *socks = json_array();
    int            found = node == NULL;

    if (z == NULL || zone_hdr(cycle) == NULL || pj.a == NULL
        || nodes == NULL || socks == NULL)
    {
        snprintf(err, errlen, z ? "out of memory" : "no peer table");
        goto failed;
    }
    or_shm_lock(z);
    for (size_t i = 0; i < cycle->nnodes; i++) {
        if (node != NULL && strcmp(node, cycle->nodes[i].id) != 0) {
            continue;
        }
        found = 1;
        pj.node = cycle->nodes[i].id;
        if (or_peers_table(cycle, i) != NULL) {
            or_peer_table_each(or_peers_table(cycle, i), now, peer_json, &pj);
        }
        json_array_append_new(nodes, node_stats_json(cycle, i, now));
    }
    for (size_t s = 0; s < nsocks && s < OR_PEERS_SOCKETS_MAX; s++) {
        json_array_append_new(socks, sock_stats_json(or_peers_sock_stats(
                                                     cycle, s)));
    }
    or_shm_unlock(z);
    if (!found) {
        snprintf(err, errlen, "no node \"%.64s\"", node);
        goto failed;
    }
    *reply = json_pack("{s:o, s:b, s:o, s:o}", "peers", pj.a, "truncated",
                       pj.truncated, "nodes", nodes, "sockets", socks);
    if (*reply == NULL) {
        snprintf(err, errlen, "out of memory");
        return OR_ENOMEM;
    }
    return OR_OK;

failed:
    json_decref(pj.a);
    json_decref(nodes);
    json_decref(socks);
    return OR_ERROR;
}

json_t *
or_peers_stats_json(or_cycle_t *cycle, size_t nsocks, int64_t now)
{
    or_shm_zone_t *z = or_peers_zone(cycle);
    json_t        *nodes, *socks;

    if (z == NULL || zone_hdr(cycle) == NULL) {
        return NULL;
    }
    nodes = json_array();
    socks = json_array();
    or_shm_lock(z);
    for (size_t i = 0; nodes != NULL && i < cycle->nnodes; i++) {
        json_array_append_new(nodes, node_stats_json(cycle, i, now));
    }
    for (size_t s = 0; socks != NULL && s < nsocks
                       && s < OR_PEERS_SOCKETS_MAX; s++)
    {
        json_array_append_new(socks, sock_stats_json(or_peers_sock_stats(
                                                     cycle, s)));
    }
    or_shm_unlock(z);
    /* "o" steals both; a NULL one makes json_pack fail and free the other */
    return json_pack("{s:o, s:o}", "nodes", nodes, "sockets", socks);
}
