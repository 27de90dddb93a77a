/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * v3 beacons in the discovery worker (docs/PROTOCOL.md v3 §11). The
 * receiver's order is the spec's: the codec's cheap checks and the seal,
 * then the memory of the id's last verified beacon (a replay or an old
 * sequence costs no RSA verify), then the binding and the signature, and
 * only then is anything remembered or changed.
 */
#include "or_discovery_v3.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "or_core_module.h"
#include "or_cycle.h"
#include "or_discovery.h"
#include "or_peers.h"
#include "or_seen_v3.h"
#include "or_status.h"
#include "or_v3.h"

typedef struct {
    unsigned char  net_key[OR_V3_KEY_LEN];
    unsigned char  id[OR_V3_ID_LEN];
    uint64_t       instance;
    uint64_t       seq;                 /* of the last beacon sent */
    int            queried;             /* the start's QUERY went out */
    int            goodbyes;            /* GOODBYEs sent */
} disc_v3_node_t;

/* an id's last verified beacon, and its key as verified then: the same
 * DER next time skips the import (half of a beacon's cost) */
typedef struct {
    unsigned char        id[OR_V3_ID_LEN];
    or_v3_beacon_last_t  last;
    int64_t              heard;         /* ms, wall clock */
    or_pubkey_t         *pk;            /* owned */
    size_t               derlen;
    unsigned char        der[OR_V3_DER_MAX];
    or_disc_v3_bucket_t  verifies;      /* OR_DISC_V3_ID_RATE */
    unsigned char        body[32];      /* SHA-256 of its signed part */
} disc_v3_seen_t;

struct or_disc_v3_s {
    or_cycle_t       *cycle;
    disc_v3_node_t   *nodes;
    disc_v3_seen_t    seen[OR_DISC_V3_SEEN_MAX];
    size_t            nseen;
    or_disc_v3_bucket_t  new_ids;       /* OR_DISC_V3_NEW_RATE */
    unsigned char     buf[OR_V3_BEACON_MAX];
};

static int64_t
wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The instance changes when the daemon restarts, not on a reload (as the
 * v2 node_hash): it hashes the master's pid and start time with the
 * node's id. seq starts at the monotonic clock in ms, so the new worker
 * of a reload or a respawn continues above the old one's within the same
 * instance, whatever the wall clock does (a step back would otherwise
 * have the peers refuse every beacon as an old sequence).
 */
static uint64_t
instance_of(or_cycle_t *cycle, const unsigned char id[OR_V3_ID_LEN])
{
    or_status_t    st;
    unsigned char  md[32], in[OR_V3_ID_LEN + 16];
    uint64_t       v = 0;
    int64_t        who[2];

    memcpy(in, id, OR_V3_ID_LEN);
    if (or_status_read(cycle, &st) == OR_OK) {
        who[0] = (int64_t) st.master;
        who[1] = (int64_t) st.started;
        memcpy(in + OR_V3_ID_LEN, who, sizeof(who));
    } else if (RAND_bytes(in + OR_V3_ID_LEN, 16) != 1) {
        memset(in + OR_V3_ID_LEN, 0, 16);
    }
    if (EVP_Digest(in, sizeof(in), md, NULL, EVP_sha256(), NULL) == 1) {
        for (int i = 0; i < 8; i++) {
            v = v << 8 | md[i];
        }
    }
    return v != 0 ? v : 1;
}

or_err_t
or_discovery_v3_new(or_cycle_t *cycle, or_fernet_t *const *keys,
    or_disc_v3_t **out)
{
    or_disc_v3_t   *v = calloc(1, sizeof(*v));
    unsigned char   raw[OR_FERNET_KEY_LEN];
    struct timespec ts;
    int64_t         now;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    now = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;

    if (v == NULL
        || (v->nodes = calloc(cycle->nnodes ? cycle->nnodes : 1,
                              sizeof(disc_v3_node_t))) == NULL)
    {
        free(v);
        return OR_ENOMEM;
    }
    v->cycle = cycle;
    for (size_t i = 0; i < cycle->nnodes; i++) {
        disc_v3_node_t *n = &v->nodes[i];

        if (keys[i] == NULL) {
            continue;   /* discovery disabled: zero net_key matches none */
        }
        or_fernet_export(keys[i], raw);
        if (or_v3_beacon_net_key(raw, n->net_key, NULL) != OR_OK
            || cycle->nodes[i].key == NULL
            || or_v3_key_id(cycle->nodes[i].key, n->id, NULL) != OR_OK)
        {
            OPENSSL_cleanse(raw, sizeof(raw));
            or_discovery_v3_free(v);
            return OR_ERROR;
        }
        n->instance = instance_of(cycle, n->id);
        n->seq = (uint64_t) now;
    }
    OPENSSL_cleanse(raw, sizeof(raw));
    *out = v;
    return OR_OK;
}

void
or_discovery_v3_free(or_disc_v3_t *v)
{
    if (v == NULL) {
        return;
    }
    if (v->nodes != NULL) {
        OPENSSL_cleanse(v->nodes, v->cycle->nnodes * sizeof(disc_v3_node_t));
    }
    for (size_t i = 0; i < v->nseen; i++) {
        or_pubkey_free(v->seen[i].pk);
    }
    free(v->nodes);
    free(v);
}

int
or_discovery_v3_is(const void *buf, size_t len)
{
    return len >= OR_V3_BEACON_MAGIC_LEN
           && memcmp(buf, OR_V3_BEACON_MAGIC, OR_V3_BEACON_MAGIC_LEN) == 0;
}

or_err_t
or_discovery_v3_build(or_disc_v3_t *v, size_t node, unsigned type,
    unsigned char *out, size_t *outlen)
{
    disc_v3_node_t        *n = &v->nodes[node];
    or_node_t             *nd = &v->cycle->nodes[node];
    or_v3_beacon_t         b;
    size_t                 len = 0;
    or_errbuf_t            eb;
    or_err_t               rc;

    memset(&b, 0, sizeof(b));
    b.type = type != 0 ? type
             : n->queried ? OR_V3_BEACON_ANNOUNCE : OR_V3_BEACON_QUERY;
    b.instance = n->instance;
    b.seq = n->seq + 1;
    b.ts = wall_ms();
    b.ttl = b.type == OR_V3_BEACON_GOODBYE ? 0 : 60;
    b.port = or_core_node(nd)->listen.port;
    b.versions = OR_V3_VERSION_3_0;
    snprintf(b.sector, sizeof(b.sector), "%s", or_core_node(nd)->sector);
    for (size_t i = 0; i < or_core_node(nd)->services.n
                       && b.nservices < OR_V3_BEACON_SERVICES; i++)
    {
        snprintf(b.services[b.nservices++], sizeof(b.services[0]), "%s",
                 or_core_node(nd)->services.v[i]);
    }
    /* services past the list's 240 bytes stay in the v2 beacon only */
    while ((rc = or_v3_beacon_build(nd->key, &b, n->net_key, NULL, NULL, 0,
                                    out, OR_V3_BEACON_MAX, &len, &eb))
           != OR_OK && eb.reason == OR_R_TOO_BIG && b.nservices > 0)
    {
        b.nservices--;
    }
    if (rc != OR_OK) {
        errno = 0;
        return OR_ERROR;
    }
    n->seq = b.seq;                     /* spent, sent or not */
    n->queried = 1;
    *outlen = len;
    return OR_OK;
}

void
or_discovery_v3_sent(or_disc_v3_t *v, size_t node)
{
    or_peers_node_stats_t *st = or_peers_node_stats(v->cycle, node);

    if (st != NULL) {
        st->v3_sent++;
    }
}

or_err_t
or_discovery_v3_send(or_disc_v3_t *v, size_t node, unsigned type, int fd,
    const struct sockaddr *dst, socklen_t dstlen)
{
    unsigned char  out[OR_V3_BEACON_MAX];
    size_t         len = 0;
    disc_v3_node_t *n = &v->nodes[node];
    int            queried = n->queried;

    if (or_discovery_v3_build(v, node, type, out, &len) != OR_OK) {
        return OR_ERROR;
    }
    if (sendto(fd, out, len, 0, dst, dstlen) != (ssize_t) len) {
        n->queried = queried;   /* the QUERY goes again next time */
        return OR_ERROR;
    }
    or_discovery_v3_sent(v, node);
    return OR_OK;
}

static disc_v3_seen_t *
seen_find(or_disc_v3_t *v, const unsigned char id[OR_V3_ID_LEN])
{
    for (size_t i = 0; i < v->nseen; i++) {
        if (memcmp(v->seen[i].id, id, OR_V3_ID_LEN) == 0) {
            return &v->seen[i];
        }
    }
    return NULL;
}

/* what a copy of the last verified beacon must match to skip the verify:
 * every signed byte (port, sector, services, key), not only its sequence */
static void
body_hash(const or_v3_beacon_t *b, unsigned char out[32])
{
    unsigned int  n = 32;

    if (EVP_Digest(b->body, b->bodylen, out, &n, EVP_sha256(), NULL) != 1) {
        memset(out, 0, 32);     /* matches no beacon's: it is verified */
    }
}

/* a new id takes a free slot, else the one heard longest ago */
static void
seen_store(or_disc_v3_t *v, disc_v3_seen_t *s, const or_v3_beacon_t *b,
    int64_t now_ms)
{
    if (s == NULL) {
        if (v->nseen < OR_DISC_V3_SEEN_MAX) {
            s = &v->seen[v->nseen++];
        } else {
            s = &v->seen[0];
            for (size_t i = 1; i < v->nseen; i++) {
                if (v->seen[i].heard < s->heard) {
                    s = &v->seen[i];
                }
            }
        }
        memcpy(s->id, b->id, OR_V3_ID_LEN);
        or_pubkey_free(s->pk);
        s->pk = NULL;
        s->derlen = 0;
        /* its first verify came from the new ids' budget */
        s->verifies = (or_disc_v3_bucket_t) { 0, 0 };
    }
    s->last = (or_v3_beacon_last_t) { b->instance, b->seq, b->ts };
    s->heard = now_ms;
    body_hash(b, s->body);
    if (s->pk == NULL || s->derlen != b->keylen
        || memcmp(s->der, b->key, b->keylen) != 0)
    {
        or_pubkey_free(s->pk);
        s->derlen = 0;
        if (or_v3_pubkey_import_der(b->key, b->keylen, &s->pk, NULL, NULL)
            != OR_OK)
        {
            s->pk = NULL;       /* verified a moment ago: not expected */
            return;
        }
        memcpy(s->der, b->key, b->keylen);
        s->derlen = b->keylen;
    }
}

int
or_discovery_v3_bucket_take(or_disc_v3_bucket_t *b, unsigned rate,
    unsigned burst, int64_t now_ms)
{
    uint64_t  cap = (uint64_t) burst * 1000;

    if (b->at_ms == 0) {
        b->milli = cap;
    } else if (now_ms > b->at_ms) {
        /* rate/s is rate milli-tokens a ms */
        uint64_t  add = (uint64_t) (now_ms - b->at_ms) * rate;

        b->milli = add >= cap - b->milli ? cap : b->milli + add;
    }
    if (b->at_ms == 0 || now_ms > b->at_ms) {
        b->at_ms = now_ms > 0 ? now_ms : 1;
    }
    if (b->milli < 1000) {
        return 0;
    }
    b->milli -= 1000;
    return 1;
}

/* the verify budget of b's id (remembered: its own; else the new ids') */
static int
seen_budget(or_disc_v3_t *v, disc_v3_seen_t *s, int64_t now_ms)
{
    return s != NULL
           ? or_discovery_v3_bucket_take(&s->verifies, OR_DISC_V3_ID_RATE,
                                         2 * OR_DISC_V3_ID_RATE, now_ms)
           : or_discovery_v3_bucket_take(&v->new_ids, OR_DISC_V3_NEW_RATE,
                                         OR_DISC_V3_NEW_RATE, now_ms);
}

/* checks 6 and 7, with the key this id's last beacon bound if the DER is
 * the same bytes */
static or_err_t
seen_verify(const disc_v3_seen_t *s, const or_v3_beacon_t *b,
    or_errbuf_t *eb)
{
    if (s != NULL && s->pk != NULL && s->derlen == b->keylen
        && memcmp(s->der, b->key, b->keylen) == 0)
    {
        return or_v3_beacon_verify_key(b, s->pk, eb);
    }
    return or_v3_beacon_verify(b, eb);
}

/* the v2 shapes or_discovery_hear takes, for a verified v3 beacon */
static void
as_peer(const or_v3_beacon_t *b, const or_disc_from_t *from,
    or_v2_beacon_t *vb, or_peer_t *p)
{
    char  hex[OR_V3_ID_HEX_LEN + 1];

    memset(vb, 0, sizeof(*vb));
    or_v3_id_hex(b->id, hex);
    memcpy(vb->fingerprint, hex, OR_FP_LEN);
    snprintf(vb->sector, sizeof(vb->sector), "%s", b->sector);
    /* v3 advertises no address: the source is the dial address; a source
     * of 0.0.0.0 (looped back on lo without a source route) is this
     * host, as openred's v2 beacon advertises it */
    snprintf(vb->ip, sizeof(vb->ip), "127.0.0.1");
    for (size_t i = 0; i < b->nservices && i < OR_V2_SERVICES_MAX; i++) {
        snprintf(vb->services[i], sizeof(vb->services[i]), "%s",
                 b->services[i]);
        vb->nservices++;
    }
    vb->port = (uint16_t) b->port;
    snprintf(vb->node_hash, sizeof(vb->node_hash), "v3:%016llx",
             (unsigned long long) b->instance);
    or_discovery_peer(p, vb, from);
    p->v3 = 1;
    memcpy(p->id, b->id, OR_V3_ID_LEN);
}

or_reason_t
or_discovery_v3_hear(or_disc_v3_t *v, size_t sock, const size_t *nodes,
    const int64_t *max_peers, size_t n, const void *buf, size_t len,
    const or_disc_from_t *from, int64_t now_ms, or_discovery_gap_t *gap,
    int *answer)
{
    or_cycle_t            *cycle = v->cycle;
    or_peers_sock_stats_t *ss = or_peers_sock_stats(cycle, sock);
    const unsigned char   *key = NULL;
    or_v3_beacon_t         b;
    or_v2_beacon_t         vb;
    or_peer_t              p;
    or_errbuf_t            eb;
    disc_v3_seen_t        *s;
    size_t                 k;

    *answer = 0;
    ss->v3_received++;
    eb.reason = OR_R_V3_BEACON_SEAL;
    if (len > OR_V3_BEACON_MAX) {
        return OR_R_TOO_BIG;
    }
    /* each network of the socket's nodes, until a seal opens */
    for (k = 0; k < n; k++) {
        const unsigned char *nk = v->nodes[nodes[k]].net_key;

        if (key != NULL && memcmp(nk, key, OR_V3_KEY_LEN) == 0) {
            continue;
        }
        key = nk;
        memcpy(v->buf, buf, len);
        if (or_v3_beacon_open(nk, v->buf, len, now_ms, &b, &eb) == OR_OK) {
            break;
        }
        if (eb.reason != OR_R_V3_BEACON_SEAL) {
            return eb.reason;
        }
    }
    if (k == n) {
        return eb.reason;
    }
    key = v->nodes[nodes[k]].net_key;
    if (n == 1 && memcmp(v->nodes[nodes[0]].id, b.id, OR_V3_ID_LEN) == 0) {
        ss->own++;              /* our own, looped back: no verify */
        return OR_R_NONE;
    }
    s = seen_find(v, b.id);
    if (or_v3_beacon_newer(s ? &s->last : NULL, &b, &eb) != OR_OK) {
        /* the very beacon we verified last, sent on each of the peer's
         * interfaces and families: it adds the address it came from,
         * nothing else (PROTOCOL.md §11.4). No RSA: a replay of that
         * beacon from anywhere could do as much, so a signature check
         * would only make replays cost us a verification each. */
        unsigned char  h[32];

        if (s != NULL && s->last.instance == b.instance
            && s->last.seq == b.seq && s->last.ts == b.ts
            && b.type != OR_V3_BEACON_GOODBYE
            && (body_hash(&b, h), memcmp(h, s->body, sizeof(h)) == 0))
        {
            as_peer(&b, from, &vb, &p);
            for (k = 0; k < n; k++) {
                if (memcmp(v->nodes[nodes[k]].net_key, key, OR_V3_KEY_LEN)
                    == 0)
                {
                    (void) or_discovery_also_at(cycle, nodes[k], &p,
                                                now_ms / 1000);
                }
            }
            return OR_R_NONE;
        }
        return eb.reason;
    }
    if (!seen_budget(v, s, now_ms)) {
        return OR_R_V3_BEACON_BUDGET;
    }
    if (seen_verify(s, &b, &eb) != OR_OK) {
        return eb.reason;
    }
    seen_store(v, s, &b, now_ms);
    ss->v3_verified++;
    or_seen_v3_add(cycle, b.id);        /* never v2 with it again */
    as_peer(&b, from, &vb, &p);
    for (k = 0; k < n; k++) {
        size_t i = nodes[k];

        if (memcmp(v->nodes[i].net_key, key, OR_V3_KEY_LEN) != 0) {
            continue;           /* another network on the same socket */
        }
        if (memcmp(v->nodes[i].id, b.id, OR_V3_ID_LEN) == 0) {
            ss->own++;          /* siblings list each other, not selves */
            continue;
        }
        if (b.type == OR_V3_BEACON_GOODBYE) {
            (void) or_discovery_goodbye(cycle, i, vb.fingerprint);
            continue;
        }
        *answer |= or_discovery_hear(cycle, i, &vb, &p, now_ms / 1000,
                                     max_peers[k], gap);
        *answer |= b.type == OR_V3_BEACON_QUERY;
    }
    return OR_R_NONE;
}
