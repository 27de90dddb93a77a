/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_discovery_module.c's config checks: nodes that share
 * a discovery socket (group, port, interface) must agree on its ttl,
 * refused at the second node's line naming the first; and at most
 * OR_PEERS_NODES_MAX node blocks (the bound loads, one more is refused).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_peers.h"

static or_err_t
load(const char *text, or_conf_report_t *report)
{
    or_cycle_t *cycle = or_cycle_new("/pfx", "openred.conf", NULL);
    or_err_t    rc;

    assert_non_null(cycle);
    rc = or_conf_load_string(cycle, "openred.conf", text, report);
    or_cycle_free(cycle);
    return rc;
}

/* node a on line 2, node b on line 4, each with its discovery block */
static or_err_t
load_two(const char *da, const char *db, or_conf_report_t *report)
{
    char text[1024];

    snprintf(text, sizeof(text),
             "nodes = (\n"
             "  { id = \"a\"; sector = \"tech\"; listen = \"127.0.0.1:9001\";\n"
             "    discovery = { %s }; },\n"
             "  { id = \"b\"; sector = \"tech\"; listen = \"127.0.0.1:9002\";\n"
             "    discovery = { %s }; }\n"
             ");\n", da, db);
    return load(text, report);
}

static void
test_discovery_ttl_differs_on_one_socket(void **state)
{
    or_conf_report_t r = { NULL, 0, 0, 0 };

    (void) state;
    assert_int_equal(load_two("ttl = 1;", "ttl = 2;", &r), OR_ECONF);
    assert_non_null(r.text);
    assert_non_null(strstr(r.text, "openred.conf:4: "));
    assert_non_null(strstr(r.text, "2 differs from node \"a\" (line 2) on "
                           "the same group, port and interface"));
    or_conf_report_free(&r);
}

static void
test_discovery_ttl_same_or_other_socket(void **state)
{
    or_conf_report_t r = { NULL, 0, 0, 0 };

    (void) state;
    if (load_two("ttl = 2;", "ttl = 2;", &r) != OR_OK) {
        fail_msg("%s", r.text);
    }
    assert_null(r.text);
    /* another port is another socket: its own ttl */
    if (load_two("ttl = 1;", "ttl = 2; port = 5355;", &r) != OR_OK) {
        fail_msg("%s", r.text);
    }
    assert_null(r.text);
    or_conf_report_free(&r);
}

/* n node blocks, each its own port */
static or_err_t
load_n(size_t n, or_conf_report_t *r)
{
    size_t  cap = 128 + n * 96, len;
    char   *text = malloc(cap);
    or_err_t rc;

    assert_non_null(text);
    len = (size_t) snprintf(text, cap, "nodes = (\n");
    for (size_t i = 0; i < n; i++) {
        len += (size_t) snprintf(text + len, cap - len,
                                 "  { id = \"n%zu\"; sector = \"tech\"; "
                                 "listen = \"127.0.0.1:%zu\"; }%s\n", i,
                                 10000 + i, i + 1 < n ? "," : "");
    }
    snprintf(text + len, cap - len, ");\n");
    rc = load(text, r);
    free(text);
    return rc;
}

static void
test_discovery_nodes_bound(void **state)
{
    or_conf_report_t r = { NULL, 0, 0, 0 };
    char             want[64];

    (void) state;
    assert_int_equal(load_n(OR_PEERS_NODES_MAX, &r), OR_OK);
    assert_null(r.text);
    assert_int_equal(load_n(OR_PEERS_NODES_MAX + 1, &r), OR_ECONF);
    assert_non_null(r.text);
    snprintf(want, sizeof(want), "%d node blocks, at most %d",
             OR_PEERS_NODES_MAX + 1, OR_PEERS_NODES_MAX);
    assert_non_null(strstr(r.text, want));
    or_conf_report_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discovery_ttl_differs_on_one_socket),
        cmocka_unit_test(test_discovery_ttl_same_or_other_socket),
        cmocka_unit_test(test_discovery_nodes_bound),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
