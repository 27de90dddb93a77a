/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_peers.c's zone helpers and `openredctl peers` reply
 * (or_peers_json) on a real zone: the reply's max at its bound (max
 * peers listed, truncated false; one fewer allowed, truncated true), one
 * node's peers, an unknown node, a cycle without the zone; the dial
 * address of an IPv6 source, of a source 0.0.0.0 (the advertised address
 * instead), and of an address that is neither.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <jansson.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_peers.h"
#include "or_shm.h"

#define T0  1764000000

static or_cycle_t *
cycle_load(void)
{
    or_cycle_t       *c = or_cycle_new("/pfx/", "openred.conf", NULL);
    or_conf_report_t  r = { NULL, 0, 0, 0 };

    assert_non_null(c);
    if (or_conf_load_string(c, "openred.conf",
                            "nodes = ( { id = \"a\"; sector = \"tech\"; "
                            "listen = \"127.0.0.1:9001\"; },\n"
                            "  { id = \"b\"; sector = \"tech\"; "
                            "listen = \"127.0.0.1:9002\"; } );\n", &r)
        != OR_OK)
    {
        fail_msg("config: %s", r.text ? r.text : "?");
    }
    or_conf_report_free(&r);
    return c;
}

static int
setup(void **state)
{
    or_cycle_t           *c = cycle_load();
    or_peers_node_conf_t  pc[2] = { { 16, 60 }, { 16, 60 } };

    assert_int_equal(or_peers_zone_add(c, pc), OR_OK);
    assert_int_equal(or_shm_map(c, NULL), OR_OK);
    or_peers_zone_attach(c, pc);
    *state = c;
    return 0;
}

static int
teardown(void **state)
{
    or_cycle_t *c = *state;

    or_shm_cycle_free(c);
    or_cycle_free(c);
    return 0;
}

static void
peer(or_peer_t *p, const char *fp, const char *source, const char *adv,
    uint16_t port)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->fingerprint, sizeof(p->fingerprint), "%s", fp);
    snprintf(p->sector, sizeof(p->sector), "tech");
    snprintf(p->source, sizeof(p->source), "%s", source);
    snprintf(p->adv_ip, sizeof(p->adv_ip), "%s", adv);
    p->adv_port = port;
}

static void
add(or_cycle_t *c, size_t node, const char *fp)
{
    or_peer_t p;

    peer(&p, fp, "10.0.0.1", "127.0.0.1", 9100);
    or_shm_lock(or_peers_zone(c));
    (void) or_peer_table_update(or_peers_table(c, node), &p, T0, NULL);
    or_shm_unlock(or_peers_zone(c));
}

static size_t
listed(json_t *reply, int *truncated)
{
    *truncated = json_is_true(json_object_get(reply, "truncated"));
    return json_array_size(json_object_get(reply, "peers"));
}

static void
test_peers_json_max_bound(void **state)
{
    or_cycle_t *c = *state;
    json_t     *reply = NULL;
    char        err[128] = "";
    int         trunc;

    add(c, 0, "0000000000000001");
    add(c, 0, "0000000000000002");
    add(c, 1, "0000000000000003");
    assert_int_equal(or_peers_json(c, NULL, 1, 3, T0, &reply, err,
                                   sizeof(err)), OR_OK);
    assert_int_equal(listed(reply, &trunc), 3);
    assert_false(trunc);
    assert_int_equal(json_array_size(json_object_get(reply, "nodes")), 2);
    assert_int_equal(json_array_size(json_object_get(reply, "sockets")), 1);
    json_decref(reply);
    assert_int_equal(or_peers_json(c, NULL, 1, 2, T0, &reply, err,
                                   sizeof(err)), OR_OK);
    assert_int_equal(listed(reply, &trunc), 2);
    assert_true(trunc);
    json_decref(reply);
    /* one node's */
    assert_int_equal(or_peers_json(c, "b", 0, 10, T0, &reply, err,
                                   sizeof(err)), OR_OK);
    assert_int_equal(listed(reply, &trunc), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(
        json_object_get(reply, "peers"), 0), "fingerprint")),
        "0000000000000003");
    json_decref(reply);
}

static void
test_peers_json_unknown_node(void **state)
{
    or_cycle_t *c = *state;
    json_t     *reply = NULL;
    char        err[128] = "";

    assert_int_equal(or_peers_json(c, "nx", 0, 10, T0, &reply, err,
                                   sizeof(err)), OR_ERROR);
    assert_null(reply);
    assert_string_equal(err, "no node \"nx\"");
}

static int
count_cb(const or_peer_t *p, void *data)
{
    (void) p;
    (*(int *) data)++;
    return 0;
}

/* a cycle whose zone was never declared: no table, nothing found */
static void
test_peers_without_zone(void **state)
{
    or_cycle_t *c = cycle_load();
    json_t     *reply = NULL;
    char        err[128] = "";
    or_peer_t   p;
    int         n = 0;

    (void) state;
    assert_int_equal(or_peers_json(c, NULL, 0, 10, T0, &reply, err,
                                   sizeof(err)), OR_ERROR);
    assert_null(reply);
    assert_string_equal(err, "no peer table");
    assert_null(or_peers_stats_json(c, 0, T0));
    assert_int_equal(or_peers_find(c, 0, "0000000000000001", T0, &p), 0);
    assert_int_equal(or_peers_confirm(c, 0, "0000000000000001", "10.0.0.1",
                                      9100, T0), 0);
    or_peers_each(c, 0, T0, count_cb, &n);
    assert_int_equal(n, 0);
    or_cycle_free(c);
}

static void
test_peer_dial_addr_families(void **state)
{
    or_peer_t                p;
    struct sockaddr_storage  sa;
    socklen_t                len = 0;
    char                     text[64];

    (void) state;
    peer(&p, "0000000000000001", "fd00::7", "127.0.0.1", 9100);
    assert_int_equal(or_peer_dial_addr(&p, &sa, &len), OR_OK);
    assert_int_equal(sa.ss_family, AF_INET6);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    assert_int_equal(ntohs(((struct sockaddr_in6 *) &sa)->sin6_port), 9100);
    assert_non_null(inet_ntop(AF_INET6,
                              &((struct sockaddr_in6 *) &sa)->sin6_addr,
                              text, sizeof(text)));
    assert_string_equal(text, "fd00::7");
    /* no source address: the advertised one */
    peer(&p, "0000000000000001", "0.0.0.0", "192.0.2.5", 9101);
    assert_string_equal(or_peer_dial_ip(&p), "192.0.2.5");
    assert_int_equal(or_peer_dial_addr(&p, &sa, &len), OR_OK);
    assert_int_equal(sa.ss_family, AF_INET);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(ntohs(((struct sockaddr_in *) &sa)->sin_port), 9101);
    /* neither family, and no port */
    peer(&p, "0000000000000001", "not-an-address", "127.0.0.1", 9100);
    assert_int_equal(or_peer_dial_addr(&p, &sa, &len), OR_EPROTO);
    peer(&p, "0000000000000001", "10.0.0.1", "127.0.0.1", 0);
    assert_int_equal(or_peer_dial_addr(&p, &sa, &len), OR_EPROTO);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peers_json_max_bound, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_peers_json_unknown_node, setup,
                                        teardown),
        cmocka_unit_test(test_peers_without_zone),
        cmocka_unit_test(test_peer_dial_addr_families),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
