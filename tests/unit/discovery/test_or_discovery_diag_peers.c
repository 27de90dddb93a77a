/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * What the diagnosis adds to a `peers` reply (or_discovery_diag.c): the
 * fingerprints of this daemon's own nodes ("siblings"), each peer marked
 * sibling or not and given the socket and interface its node hears on,
 * a hint per node (a disabled one says so), one node's hints only when
 * asked for one; and the sockets' group, port, interface and address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_discovery_diag.h"
#include "or_key.h"
#include "or_log.h"

static or_log_t             *log_;
static or_key_t             *key;
static or_cycle_t            cycle;
static or_node_t             nodes[2];
static or_discovery_diag_t  *d;
static const size_t          node_sock[2] = { 0, OR_DISCOVERY_NO_SOCK };

static int
setup(void **state)
{
    or_discovery_diag_node_t  n[2] = { { "a", 0, 3 }, { "b", 0, 3 } };
    or_discovery_diag_sock_t  s = { "224.0.1.100", 5354, "lo" };

    (void) state;
    log_ = or_log_new(OR_LOG_INFO);
    if (log_ == NULL || or_key_generate(&key, NULL) != OR_OK) {
        return -1;
    }
    memset(nodes, 0, sizeof(nodes));
    nodes[0].id = "a";
    nodes[0].key = key;
    nodes[1].id = "b";          /* no key loaded: no sibling entry */
    cycle.nodes = nodes;
    cycle.nnodes = 2;
    d = or_discovery_diag_new(log_, n, 2, &s, 1, (int64_t) time(NULL));
    return d != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    or_discovery_diag_free(d);
    or_key_free(key);
    or_log_free(log_);
    return 0;
}

static json_t *
reply_with_peers(void)
{
    json_t  *r = json_pack("{s:[{s:s, s:s}, {s:s, s:s}, {s:s}]}", "peers",
                           "node", "a", "fingerprint", "0123456789abcdef",
                           "node", "gone", "fingerprint",
                           or_key_fingerprint(key),
                           "fingerprint", "fedcba9876543210");

    assert_non_null(r);
    return r;
}

static void
test_peers_marked(void **state)
{
    json_t  *r = reply_with_peers(), *p, *sib;

    (void) state;
    assert_int_equal(or_discovery_diag_peers_json(d, &cycle, node_sock, NULL,
                                                  r), OR_OK);
    sib = json_object_get(r, "siblings");
    assert_int_equal(json_array_size(sib), 1);
    assert_string_equal(json_string_value(json_array_get(sib, 0)),
                        or_key_fingerprint(key));
    /* heard by node a: its socket 0 and interface; not ours */
    p = json_array_get(json_object_get(r, "peers"), 0);
    assert_int_equal(json_integer_value(json_object_get(p, "socket")), 0);
    assert_string_equal(json_string_value(json_object_get(p, "interface")),
                        "lo");
    assert_true(json_is_false(json_object_get(p, "sibling")));
    /* a node not configured: no socket; its fingerprint is ours */
    p = json_array_get(json_object_get(r, "peers"), 1);
    assert_null(json_object_get(p, "socket"));
    assert_true(json_is_true(json_object_get(p, "sibling")));
    /* no node at all: marked, nothing else */
    p = json_array_get(json_object_get(r, "peers"), 2);
    assert_null(json_object_get(p, "socket"));
    assert_true(json_is_false(json_object_get(p, "sibling")));
    json_decref(r);
}

static int
hints_of(json_t *r, const char *node, const char *text)
{
    json_t  *h;
    size_t   i;
    int      n = 0;

    json_array_foreach(json_object_get(r, "hints"), i, h) {
        n += strcmp(json_string_value(json_object_get(h, "node")), node) == 0
             && strstr(json_string_value(json_object_get(h, "hint")), text)
                != NULL;
    }
    return n;
}

static void
test_hints_per_node(void **state)
{
    json_t  *r = reply_with_peers();

    (void) state;
    assert_int_equal(or_discovery_diag_peers_json(d, &cycle, node_sock, NULL,
                                                  r), OR_OK);
    assert_int_equal(hints_of(r, "b", "discovery is disabled for this node"),
                     1);
    assert_int_equal(hints_of(r, "a", "no beacon heard on lo yet"), 1);
    assert_int_equal(json_array_size(json_object_get(r, "hints")), 2);
    json_decref(r);

    /* one node asked for: only its hints, every sibling still listed */
    r = reply_with_peers();
    assert_int_equal(or_discovery_diag_peers_json(d, &cycle, node_sock, "b",
                                                  r), OR_OK);
    assert_int_equal(json_array_size(json_object_get(r, "hints")), 1);
    assert_int_equal(hints_of(r, "b", "discovery is disabled"), 1);
    assert_int_equal(json_array_size(json_object_get(r, "siblings")), 1);
    json_decref(r);
}

static void
test_sockets_json(void **state)
{
    json_t  *s = json_pack("[{}, {}, i]", 7);
    json_t  *o;

    (void) state;
    assert_non_null(s);
    or_discovery_diag_sockets_json(d, s);
    o = json_array_get(s, 0);
    assert_string_equal(json_string_value(json_object_get(o, "group")),
                        "224.0.1.100");
    assert_int_equal(json_integer_value(json_object_get(o, "port")), 5354);
    assert_string_equal(json_string_value(json_object_get(o, "interface")),
                        "lo");
    assert_true(json_is_string(json_object_get(o, "address")));
    /* one socket only: the second entry is left as it was */
    assert_int_equal(json_object_size(json_array_get(s, 1)), 0);
    assert_int_equal(or_discovery_diag_ifname(d, 0)[0], 'l');
    /* the last socket is 0: one above is not a socket */
    assert_string_equal(or_discovery_diag_ifname(d, 1), "");
    assert_string_equal(or_discovery_diag_ifname(NULL, 0), "");
    or_discovery_diag_sockets_json(NULL, s);
    json_decref(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peers_marked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hints_per_node, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sockets_json, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
