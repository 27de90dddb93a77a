/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_peers.c: the per-node table with an injected clock
 * (add, refresh, expiry, eviction of the stalest, index kept consistent),
 * the dial address, and the zone laid out and kept across an attach.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <jansson.h>

#include "or_cycle.h"
#include "or_peers.h"
#include "or_shm.h"

static or_peer_t
peer(unsigned n)
{
    or_peer_t p;

    memset(&p, 0, sizeof(p));
    snprintf(p.fingerprint, sizeof(p.fingerprint), "%016x", n);
    snprintf(p.sector, sizeof(p.sector), "s%u", n % 3);
    snprintf(p.source, sizeof(p.source), "10.0.0.%u", n % 250 + 1);
    p.adv_port = (uint16_t) (9000 + n % 1000);
    return p;
}

static or_peer_table_t *
table_new(size_t max, int64_t expire)
{
    void *mem = calloc(1, or_peer_table_size(max));

    assert_non_null(mem);
    return or_peer_table_init(mem, max, expire, "n1");
}

/* a peer a verified v3 beacon listed: a v2 beacon changes nothing (not
 * even its age), the next v3 one refreshes it; a goodbye removes it */
static void
test_or_peer_table_v3_held_and_removed(void **state)
{
    or_peer_table_t *t = table_new(4, 60);
    or_peer_t        p = peer(1), v2, out;

    (void) state;
    p.v3 = 1;
    p.id[0] = 0x42;
    v2 = peer(1);
    v2.adv_port = 9999;
    assert_int_equal(or_peer_table_update(t, &p, 1000, NULL), OR_PEER_NEW);
    assert_int_equal(or_peer_table_update(t, &v2, 1005, NULL),
                     OR_PEER_V3_HELD);
    assert_true(or_peer_table_find(t, p.fingerprint, 1005, &out));
    assert_int_equal(out.adv_port, p.adv_port);
    assert_int_equal(out.last_seen, 1000);
    assert_int_equal(out.v3, 1);
    assert_int_equal(out.id[0], 0x42);
    assert_int_equal(or_peer_table_update(t, &p, 1006, NULL),
                     OR_PEER_UPDATED);
    /* a v2-listed peer is taken over by a v3 beacon, not "restarted" */
    v2 = peer(2);
    snprintf(v2.node_hash, sizeof(v2.node_hash), "aa");
    assert_int_equal(or_peer_table_update(t, &v2, 1006, NULL), OR_PEER_NEW);
    v2.v3 = 1;
    snprintf(v2.node_hash, sizeof(v2.node_hash), "v3:1");
    assert_int_equal(or_peer_table_update(t, &v2, 1007, NULL),
                     OR_PEER_UPDATED);
    assert_int_equal(or_peer_table_remove(t, p.fingerprint, &out), 1);
    assert_string_equal(out.fingerprint, p.fingerprint);
    assert_false(or_peer_table_find(t, p.fingerprint, 1007, NULL));
    assert_int_equal(or_peer_table_remove(t, p.fingerprint, NULL), 0);
    assert_true(or_peer_table_find(t, v2.fingerprint, 1007, NULL));
    assert_int_equal(or_peer_table_count(t, 1007), 1);
    free(t);
}

static void
test_or_peer_table_update_new_then_refresh(void **state)
{
    or_peer_table_t *t = table_new(4, 60);
    or_peer_t        p = peer(1), out;

    assert_int_equal(or_peer_table_update(t, &p, 1000, NULL), OR_PEER_NEW);
    assert_int_equal(or_peer_table_update(t, &p, 1005, NULL),
                     OR_PEER_UPDATED);
    assert_true(or_peer_table_find(t, p.fingerprint, 1005, &out));
    assert_int_equal(out.first_seen, 1000);
    assert_int_equal(out.last_seen, 1005);
    assert_int_equal(out.beacons, 2);
    assert_int_equal(or_peer_table_count(t, 1005), 1);
    free(t);
}

/* A restarted peer lists no one: its new node_hash must be noticed so we
 * answer early (bench row 7b waited a whole interval before this). */
static void
test_or_peer_table_update_restarted_peer(void **state)
{
    or_peer_table_t *t = table_new(4, 60);
    or_peer_t        p = peer(1), out;

    strcpy(p.node_hash, "aa");
    assert_int_equal(or_peer_table_update(t, &p, 1000, NULL), OR_PEER_NEW);
    assert_int_equal(or_peer_table_update(t, &p, 1001, NULL),
                     OR_PEER_UPDATED);
    strcpy(p.node_hash, "bb");
    assert_int_equal(or_peer_table_update(t, &p, 1002, NULL),
                     OR_PEER_RESTARTED);
    assert_int_equal(or_peer_table_update(t, &p, 1003, NULL),
                     OR_PEER_UPDATED);
    assert_true(or_peer_table_find(t, p.fingerprint, 1003, &out));
    assert_string_equal(out.node_hash, "bb");
    assert_int_equal(out.beacons, 4);
    free(t);
}

static void
test_or_peer_table_expire_after_expire_seconds(void **state)
{
    or_peer_table_t *t = table_new(8, 60);
    or_peer_t        a = peer(1), b = peer(2);

    (void) or_peer_table_update(t, &a, 1000, NULL);
    (void) or_peer_table_update(t, &b, 1030, NULL);
    /* at exactly expire seconds a peer is still listed */
    assert_true(or_peer_table_find(t, a.fingerprint, 1060, NULL));
    assert_false(or_peer_table_find(t, a.fingerprint, 1061, NULL));
    assert_int_equal(or_peer_table_count(t, 1061), 1);
    assert_int_equal(or_peer_table_expire(t, 1061, NULL, NULL), 1);
    assert_true(or_peer_table_find(t, b.fingerprint, 1061, NULL));
    assert_int_equal(or_peer_table_expire(t, 1091, NULL, NULL), 1);
    assert_int_equal(or_peer_table_count(t, 1091), 0);
    free(t);
}

/* Heard again after expire s but before the sweep: the old entry is
 * reported removed (peer_lost) and the peer new (peer_discovered). One
 * second earlier it is a refresh, which publishes nothing. */
static void
test_or_peer_table_update_expired_is_new(void **state)
{
    or_peer_table_t *t = table_new(4, 10);
    or_peer_t        a = peer(1), out, removed;

    assert_int_equal(or_peer_table_update(t, &a, 1000, NULL), OR_PEER_NEW);
    assert_int_equal(or_peer_table_update(t, &a, 1010, NULL),
                     OR_PEER_UPDATED);
    memset(&removed, 0, sizeof(removed));
    assert_int_equal(or_peer_table_update(t, &a, 1021, &removed),
                     OR_PEER_NEW_EXPIRED);
    assert_string_equal(removed.fingerprint, a.fingerprint);
    assert_int_equal(removed.last_seen, 1010);
    assert_string_equal(removed.source, a.source);
    assert_int_equal(removed.adv_port, a.adv_port);
    assert_true(or_peer_table_find(t, a.fingerprint, 1021, &out));
    assert_int_equal(out.first_seen, 1021);
    assert_int_equal(out.beacons, 1);
    assert_int_equal(or_peer_table_count(t, 1021), 1);
    free(t);
}

/* A full table whose oldest entry expired: that one goes as expired, and
 * no live entry is evicted for the newcomer. */
static void
test_or_peer_table_update_expired_frees_room(void **state)
{
    or_peer_table_t *t = table_new(2, 10);
    or_peer_t        a = peer(1), b = peer(2), removed;

    (void) or_peer_table_update(t, &a, 1000, NULL);
    (void) or_peer_table_update(t, &b, 1005, NULL);
    assert_int_equal(or_peer_table_update(t, &a, 1011, &removed),
                     OR_PEER_NEW_EXPIRED);
    assert_string_equal(removed.fingerprint, a.fingerprint);
    assert_true(or_peer_table_find(t, b.fingerprint, 1011, NULL));
    assert_int_equal(or_peer_table_count(t, 1011), 2);
    free(t);
}

typedef struct {
    int        n;
    or_peer_t  last;
} lost_seen_t;

static void
lost_record(const or_peer_t *p, void *data)
{
    lost_seen_t *ls = data;

    ls->n++;
    ls->last = *p;
}

/* The sweep reports each entry it removes, whole (fingerprint, address,
 * sector), exactly once, at expire + 1 s and not at expire. */
static void
test_or_peer_table_expire_reports_removed(void **state)
{
    or_peer_table_t *t = table_new(4, 10);
    or_peer_t        a = peer(1), b = peer(2);
    lost_seen_t      ls;

    memset(&ls, 0, sizeof(ls));
    (void) or_peer_table_update(t, &a, 1000, NULL);
    (void) or_peer_table_update(t, &b, 1005, NULL);
    assert_int_equal(or_peer_table_expire(t, 1010, lost_record, &ls), 0);
    assert_int_equal(ls.n, 0);
    assert_int_equal(or_peer_table_expire(t, 1011, lost_record, &ls), 1);
    assert_int_equal(ls.n, 1);
    assert_string_equal(ls.last.fingerprint, a.fingerprint);
    assert_string_equal(ls.last.sector, a.sector);
    assert_string_equal(ls.last.source, a.source);
    assert_int_equal(ls.last.adv_port, a.adv_port);
    assert_int_equal(or_peer_table_expire(t, 1011, lost_record, &ls), 0);
    assert_int_equal(ls.n, 1);
    free(t);
}

static void
test_or_peer_table_update_full_evicts_stalest(void **state)
{
    or_peer_table_t *t = table_new(3, 600);
    or_peer_t        p, ev;

    for (unsigned i = 1; i <= 3; i++) {
        p = peer(i);
        (void) or_peer_table_update(t, &p, 1000 + i, NULL);
    }
    p = peer(1);                /* refreshed: 2 is now the stalest */
    (void) or_peer_table_update(t, &p, 1010, NULL);
    p = peer(4);
    assert_int_equal(or_peer_table_update(t, &p, 1011, &ev),
                     OR_PEER_NEW_EVICTED);
    assert_string_equal(ev.fingerprint, peer(2).fingerprint);
    assert_false(or_peer_table_find(t, peer(2).fingerprint, 1011, NULL));
    for (unsigned i = 1; i <= 4; i++) {
        assert_int_equal(or_peer_table_find(t, peer(i).fingerprint, 1011,
                                            NULL), i != 2);
    }
    assert_int_equal(or_peer_table_count(t, 1011), 3);
    free(t);
}

/* Many adds, evictions and expiries: every live entry stays findable. */
static void
test_or_peer_table_index_consistent_under_churn(void **state)
{
    or_peer_table_t *t = table_new(64, 50);
    int64_t          now = 1000;

    for (unsigned i = 0; i < 5000; i++) {
        or_peer_t p = peer((i * 7919u) % 300);

        now += i % 3 == 0;
        (void) or_peer_table_update(t, &p, now, NULL);
        if (i % 97 == 0) {
            (void) or_peer_table_expire(t, now, NULL, NULL);
        }
    }
    assert_true(or_peer_table_count(t, now) <= 64);
    for (unsigned i = 0; i < 300; i++) {
        or_peer_t out;

        if (or_peer_table_find(t, peer(i).fingerprint, now, &out)) {
            assert_string_equal(out.fingerprint, peer(i).fingerprint);
        }
    }
    free(t);
}

static int
count_cb(const or_peer_t *p, void *data)
{
    (*(int *) data)++;
    return 0;
}

static void
lost_cb(const or_peer_t *p, void *data)
{
    (*(int *) data)++;
}

static void
test_or_peer_table_each_skips_expired(void **state)
{
    or_peer_table_t *t = table_new(8, 10);
    or_peer_t        a = peer(1), b = peer(2);
    int              n = 0, lost = 0;

    (void) or_peer_table_update(t, &a, 1000, NULL);
    (void) or_peer_table_update(t, &b, 1005, NULL);
    or_peer_table_each(t, 1012, count_cb, &n);
    assert_int_equal(n, 1);
    assert_int_equal(or_peer_table_expire(t, 1012, lost_cb, &lost), 1);
    assert_int_equal(lost, 1);
    free(t);
}

static void
test_or_peer_dial_addr_source_with_advertised_port(void **state)
{
    or_peer_t                p = peer(5);
    struct sockaddr_storage  sa;
    struct sockaddr_in      *in = (struct sockaddr_in *) &sa;
    socklen_t                len;
    char                     text[64];

    strcpy(p.source, "192.0.2.7");
    strcpy(p.adv_ip, "127.0.0.1");  /* what the original advertises */
    p.adv_port = 9101;
    assert_int_equal(or_peer_dial_addr(&p, &sa, &len), OR_OK);
    assert_int_equal(len, sizeof(*in));
    assert_int_equal(ntohs(in->sin_port), 9101);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    assert_string_equal(text, "192.0.2.7");
    p.adv_port = 0;
    assert_int_equal(or_peer_dial_addr(&p, &sa, &len), OR_EPROTO);
}

static void
test_or_peers_zone_attach_keeps_same_layout(void **state)
{
    or_cycle_t           *c = or_cycle_new("/tmp", "x.conf", NULL);
    or_node_t             nodes[2];
    or_peers_node_conf_t  conf[2] = { { 8, 60 }, { 4, 30 } };
    or_peer_t             p = peer(3);

    assert_non_null(c);
    memset(nodes, 0, sizeof(nodes));
    nodes[0].id = "a";
    nodes[1].id = "b";
    c->nodes = nodes;
    c->nnodes = 2;
    assert_null(or_peers_table(c, 0));
    assert_int_equal(or_peers_zone_add(c, conf), OR_OK);
    assert_int_equal(or_shm_map(c, NULL), OR_OK);
    assert_null(or_peers_table(c, 0));      /* not attached yet */
    or_peers_zone_attach(c, conf);
    assert_non_null(or_peers_table(c, 1));
    (void) or_peer_table_update(or_peers_table(c, 1), &p, 1000, NULL);
    assert_true(or_peers_find(c, 1, p.fingerprint, 1000, NULL));
    assert_false(or_peers_find(c, 0, p.fingerprint, 1000, NULL));
    or_peers_zone_attach(c, conf);          /* same layout: kept */
    assert_true(or_peers_find(c, 1, p.fingerprint, 1000, NULL));
    conf[1].expire = 40;                    /* changed: reset */
    or_peers_zone_attach(c, conf);
    assert_false(or_peers_find(c, 1, p.fingerprint, 1000, NULL));
    c->nodes = NULL;
    c->nnodes = 0;
    or_cycle_free(c);
}

/* issue 16: once a handshake confirmed a peer at 10.0.0.2:9001, a beacon
 * from another endpoint neither moves it nor changes its sector nor keeps
 * it alive; it is counted. Beacons from the confirmed endpoint refresh it;
 * an unconfirmed peer still moves with its beacons. */
static void
test_or_peer_table_confirmed_not_moved_by_beacon(void **state)
{
    or_peer_table_t *t = table_new(8, 60);
    or_peer_t        p = peer(1), spoof, out;

    (void) state;
    strcpy(p.source, "10.0.0.2");
    p.adv_port = 9001;
    strcpy(p.sector, "tech");
    assert_int_equal(or_peer_table_update(t, &p, 1000, NULL), OR_PEER_NEW);
    spoof = p;
    strcpy(spoof.source, "10.0.0.66");
    spoof.adv_port = 6666;
    strcpy(spoof.sector, "evil");
    /* not confirmed: the beacon moves it (v2 has nothing better) */
    assert_int_equal(or_peer_table_update(t, &spoof, 1001, NULL),
                     OR_PEER_UPDATED);
    assert_int_equal(or_peer_table_update(t, &p, 1002, NULL),
                     OR_PEER_UPDATED);
    /* we dialled 10.0.0.2:9001 and the key answered */
    assert_true(or_peer_table_confirm(t, p.fingerprint, "10.0.0.2", 9001,
                                      1002));
    assert_int_equal(or_peer_table_update(t, &spoof, 1003, NULL),
                     OR_PEER_CONFLICT);
    spoof = p;
    spoof.adv_port = 6666;      /* same ip, another port */
    assert_int_equal(or_peer_table_update(t, &spoof, 1004, NULL),
                     OR_PEER_CONFLICT);
    assert_true(or_peer_table_find(t, p.fingerprint, 1004, &out));
    assert_string_equal(out.source, "10.0.0.2");
    assert_int_equal(out.adv_port, 9001);
    assert_string_equal(out.sector, "tech");
    assert_int_equal(out.last_seen, 1002);
    assert_int_equal(out.conflicts, 2);
    assert_int_equal(out.confirmed, 1);
    /* the real peer's beacon refreshes it and keeps the pin */
    strcpy(p.sector, "health");
    assert_int_equal(or_peer_table_update(t, &p, 1010, NULL),
                     OR_PEER_UPDATED);
    assert_true(or_peer_table_find(t, p.fingerprint, 1010, &out));
    assert_int_equal(out.last_seen, 1010);
    assert_string_equal(out.sector, "health");
    assert_int_equal(out.confirmed, 1);
    assert_int_equal(out.conflicts, 2);
    /* spoofed beacons alone do not keep a gone peer: it expires at
     * last_seen + expire, and then the next beacon is a new peer */
    spoof = p;
    strcpy(spoof.source, "10.0.0.66");
    assert_int_equal(or_peer_table_update(t, &spoof, 1070, NULL),
                     OR_PEER_CONFLICT);
    assert_false(or_peer_table_find(t, p.fingerprint, 1071, NULL));
    /* expired but not swept yet: listed anew, the old entry removed */
    assert_int_equal(or_peer_table_update(t, &spoof, 1071, NULL),
                     OR_PEER_NEW_EXPIRED);
    assert_true(or_peer_table_find(t, p.fingerprint, 1071, &out));
    assert_int_equal(out.confirmed, 0);
    assert_int_equal(out.conflicts, 0);
    free(t);
}

/* an inbound handshake pins the ip only (its port is ephemeral), and
 * points an entry a spoofed beacon moved back to the ip the key answered
 * from; an unknown fingerprint is not listed by confirming */
static void
test_or_peer_table_confirm_inbound_pins_ip(void **state)
{
    or_peer_table_t *t = table_new(8, 60);
    or_peer_t        p = peer(2), out;

    (void) state;
    strcpy(p.source, "10.0.0.66");      /* moved by a spoofed beacon */
    p.adv_port = 6666;
    assert_int_equal(or_peer_table_update(t, &p, 1000, NULL), OR_PEER_NEW);
    assert_true(or_peer_table_confirm(t, p.fingerprint, "10.0.0.3", 0,
                                      1001));
    assert_true(or_peer_table_find(t, p.fingerprint, 1001, &out));
    assert_string_equal(out.source, "10.0.0.3");
    assert_int_equal(out.confirmed_port, 0);
    assert_int_equal(or_peer_table_update(t, &p, 1002, NULL),
                     OR_PEER_CONFLICT);
    strcpy(p.source, "10.0.0.3");
    p.adv_port = 9003;                  /* any port of the pinned ip */
    assert_int_equal(or_peer_table_update(t, &p, 1003, NULL),
                     OR_PEER_UPDATED);
    /* a later outbound handshake pins the port too; an inbound one after
     * it keeps that port */
    assert_true(or_peer_table_confirm(t, p.fingerprint, "10.0.0.3", 9003,
                                      1004));
    assert_true(or_peer_table_confirm(t, p.fingerprint, "10.0.0.3", 0,
                                      1005));
    assert_true(or_peer_table_find(t, p.fingerprint, 1005, &out));
    assert_int_equal(out.confirmed_port, 9003);
    assert_false(or_peer_table_confirm(t, peer(9).fingerprint, "10.0.0.9",
                                       9009, 1005));
    assert_false(or_peer_table_find(t, peer(9).fingerprint, 1005, NULL));
    free(t);
}

/* the JSON of `openredctl peers` carries confirmed and conflicts */
static void
test_or_peers_json_conflicts(void **state)
{
    or_cycle_t           *c = or_cycle_new("/tmp", "x.conf", NULL);
    or_node_t             nodes[1];
    or_peers_node_conf_t  conf[1] = { { 8, 60 } };
    or_peer_t             p = peer(4), spoof;
    json_t               *reply, *e;
    char                  err[64];

    (void) state;
    assert_non_null(c);
    memset(nodes, 0, sizeof(nodes));
    nodes[0].id = "a";
    c->nodes = nodes;
    c->nnodes = 1;
    assert_int_equal(or_peers_zone_add(c, conf), OR_OK);
    assert_int_equal(or_shm_map(c, NULL), OR_OK);
    or_peers_zone_attach(c, conf);
    (void) or_peer_table_update(or_peers_table(c, 0), &p, 1000, NULL);
    assert_true(or_peers_confirm(c, 0, p.fingerprint, p.source, p.adv_port,
                                 1000));
    spoof = p;
    strcpy(spoof.source, "10.9.9.9");
    assert_int_equal(or_peer_table_update(or_peers_table(c, 0), &spoof,
                                          1001, NULL), OR_PEER_CONFLICT);
    assert_int_equal(or_peers_json(c, NULL, 0, 10, 1001, &reply, err,
                                   sizeof(err)), OR_OK);
    e = json_array_get(json_object_get(reply, "peers"), 0);
    assert_true(json_is_true(json_object_get(e, "confirmed")));
    assert_int_equal(json_integer_value(json_object_get(e, "conflicts")), 1);
    assert_non_null(json_object_get(json_array_get(json_object_get(reply,
                                    "nodes"), 0), "conflicts"));
    json_decref(reply);
    c->nodes = NULL;
    c->nnodes = 0;
    or_shm_cycle_free(c);
    or_cycle_free(c);
}

/* what a node's filter refused is remembered beside its peers, per node,
 * for as long as a listed peer (the handshake refuses it inbound) */
static void
test_or_peers_find_refused_beside_listed(void **state)
{
    or_cycle_t           *c = or_cycle_new("/tmp", "x.conf", NULL);
    or_node_t             nodes[2];
    or_peers_node_conf_t  conf[2] = { { 8, 60 }, { 4, 30 } };
    or_peer_t             p = peer(5), out;

    (void) state;
    assert_non_null(c);
    memset(nodes, 0, sizeof(nodes));
    nodes[0].id = "a";
    nodes[1].id = "b";
    c->nodes = nodes;
    c->nnodes = 2;
    assert_int_equal(or_peers_zone_add(c, conf), OR_OK);
    assert_int_equal(or_shm_map(c, NULL), OR_OK);
    or_peers_zone_attach(c, conf);
    assert_non_null(or_peers_refused_table(c, 1));
    assert_ptr_not_equal(or_peers_refused_table(c, 1), or_peers_table(c, 1));
    (void) or_peer_table_update(or_peers_refused_table(c, 1), &p, 1000,
                                NULL);
    assert_true(or_peers_find_refused(c, 1, p.fingerprint, 1030, &out));
    assert_string_equal(out.sector, p.sector);
    assert_false(or_peers_find(c, 1, p.fingerprint, 1030, NULL));
    assert_false(or_peers_find_refused(c, 0, p.fingerprint, 1030, NULL));
    assert_false(or_peers_find_refused(c, 1, p.fingerprint, 1031, NULL));
    /* the other node's tables are untouched by node 1's */
    (void) or_peer_table_update(or_peers_table(c, 0), &p, 1000, NULL);
    assert_true(or_peers_find(c, 0, p.fingerprint, 1000, NULL));
    assert_true(or_peers_find_refused(c, 1, p.fingerprint, 1000, NULL));
    c->nodes = NULL;
    c->nnodes = 0;
    or_shm_cycle_free(c);
    or_cycle_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_peer_table_update_new_then_refresh),
        cmocka_unit_test(test_or_peer_table_v3_held_and_removed),
        cmocka_unit_test(test_or_peer_table_update_restarted_peer),
        cmocka_unit_test(test_or_peer_table_expire_after_expire_seconds),
        cmocka_unit_test(test_or_peer_table_update_expired_is_new),
        cmocka_unit_test(test_or_peer_table_update_expired_frees_room),
        cmocka_unit_test(test_or_peer_table_expire_reports_removed),
        cmocka_unit_test(test_or_peer_table_update_full_evicts_stalest),
        cmocka_unit_test(test_or_peer_table_index_consistent_under_churn),
        cmocka_unit_test(test_or_peer_table_each_skips_expired),
        cmocka_unit_test(test_or_peer_dial_addr_source_with_advertised_port),
        cmocka_unit_test(test_or_peers_zone_attach_keeps_same_layout),
        cmocka_unit_test(test_or_peer_table_confirmed_not_moved_by_beacon),
        cmocka_unit_test(test_or_peer_table_confirm_inbound_pins_ip),
        cmocka_unit_test(test_or_peers_json_conflicts),
        cmocka_unit_test(test_or_peers_find_refused_beside_listed),
    };

    alarm(20);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
