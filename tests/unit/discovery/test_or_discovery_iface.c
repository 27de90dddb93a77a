/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for the `interfaces` rules (or_discovery_iface.c): the
 * first rule that matches decides, in declaration order; no match means
 * out with an allow rule, in without; loopback only by an allow rule;
 * the selection bound OR_DISC_IFACES_MAX at its exact value; the config
 * errors at file:line (a bad pattern, an unknown member, both
 * `interface` and `interfaces`); and the netlink check of
 * or_discovery_links.c (which messages make a rescan, malformed ones).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <cmocka.h>
#include <jansson.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_discovery_iface.h"
#include "or_discovery_links.h"
#include "or_event.h"
#include "or_log.h"

static void
rules(const char *n1, const char *v1, const char *n2, const char *v2,
    or_disc_iface_rules_t *out)
{
    char             *names[2] = { (char *) n1, (char *) n2 };
    char             *values[2] = { (char *) v1, (char *) v2 };
    or_conf_record_t  r = { names, values, n2 != NULL ? 2 : n1 != NULL, 1 };
    char              err[256];

    if (or_disc_iface_rules_compile(&r, out, err, sizeof(err)) != OR_OK) {
        fail_msg("%s", err);
    }
}

static void
test_iface_declaration_order(void **state)
{
    or_disc_iface_rules_t r;

    (void) state;
    /* vethd0 matches both: the rule written first decides */
    rules("deny", "^vethd", "allow", "^veth", &r);
    assert_false(or_disc_iface_wanted(&r, "vethd0", 0));
    assert_true(or_disc_iface_wanted(&r, "veth0", 0));
    assert_false(or_disc_iface_wanted(&r, "eth0", 0));  /* allow exists */
    or_disc_iface_rules_free(&r);
    rules("allow", "^veth", "deny", "^vethd", &r);
    assert_true(or_disc_iface_wanted(&r, "vethd0", 0));
    or_disc_iface_rules_free(&r);
}

static void
test_iface_no_match_and_loopback(void **state)
{
    or_disc_iface_rules_t r;

    (void) state;
    /* deny only: what no rule names is in, but not loopback */
    rules("deny", "^(docker|veth|br-|tun|wg)", NULL, NULL, &r);
    assert_true(or_disc_iface_wanted(&r, "eth0", 0));
    assert_false(or_disc_iface_wanted(&r, "docker0", 0));
    assert_false(or_disc_iface_wanted(&r, "br-1234", 0));
    assert_false(or_disc_iface_wanted(&r, "lo", 1));
    or_disc_iface_rules_free(&r);
    /* loopback by an allow rule that matches it */
    rules("allow", "^(lo|en)", NULL, NULL, &r);
    assert_true(or_disc_iface_wanted(&r, "lo", 1));
    assert_true(or_disc_iface_wanted(&r, "enp3s0", 0));
    assert_false(or_disc_iface_wanted(&r, "wlan0", 0));
    or_disc_iface_rules_free(&r);
}

static void
test_iface_select_bound(void **state)
{
    or_disc_iface_t        have[OR_DISC_IFACES_MAX + 2];
    or_disc_iface_t        want[OR_DISC_IFACES_MAX];
    or_disc_iface_rules_t  r;
    size_t                 refused;

    (void) state;
    memset(have, 0, sizeof(have));
    for (size_t i = 0; i < OR_DISC_IFACES_MAX + 2; i++) {
        snprintf(have[i].name, sizeof(have[i].name), "eth%zu", i);
        have[i].ifindex = (uint32_t) i + 2;
    }
    snprintf(have[OR_DISC_IFACES_MAX + 1].name, OR_DISC_IFNAME_LEN, "wg0");
    rules("deny", "^wg", NULL, NULL, &r);
    /* exactly the bound: all taken */
    assert_int_equal(or_disc_iface_select(&r, have, OR_DISC_IFACES_MAX, want,
                                          &refused), OR_DISC_IFACES_MAX);
    assert_int_equal(refused, 0);
    assert_string_equal(want[OR_DISC_IFACES_MAX - 1].name, "eth31");
    /* one past it: refused, counted; a denied one is not counted */
    assert_int_equal(or_disc_iface_select(&r, have, OR_DISC_IFACES_MAX + 2,
                                          want, &refused),
                     OR_DISC_IFACES_MAX);
    assert_int_equal(refused, 1);
    or_disc_iface_rules_free(&r);
}

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

static void
expect_error(const char *disc, const char *want)
{
    or_conf_report_t r = { NULL, 0, 0, 0 };
    char             text[1024];

    snprintf(text, sizeof(text),
             "nodes = (\n"
             "  { id = \"a\"; sector = \"tech\"; listen = \"127.0.0.1:9001\";\n"
             "    discovery = {\n"
             "%s\n"
             "    }; }\n"
             ");\n", disc);
    assert_int_equal(load(text, &r), OR_ECONF);
    assert_non_null(r.text);
    if (strstr(r.text, want) == NULL) {
        fail_msg("got: %s\nwant: %s", r.text, want);
    }
    or_conf_report_free(&r);
}

static void
test_iface_conf_errors(void **state)
{
    or_conf_report_t r = { NULL, 0, 0, 0 };

    (void) state;
    expect_error("interfaces = { allow = \"^(en\"; };",
                 "openred.conf:4: setting \"interfaces\": allow \"^(en\": "
                 "bad pattern: missing closing parenthesis at offset 4");
    expect_error("\ninterfaces = { deny = \"[\"; };",
                 "openred.conf:5: setting \"interfaces\": deny \"[\": bad "
                 "pattern: missing terminating ] for character class at "
                 "offset 1");
    expect_error("interfaces = { permit = \"^en\"; };",
                 "openred.conf:4: setting \"interfaces\": member \"permit\": "
                 "expected allow or deny");
    expect_error("interface = \"lo\";\ninterfaces = { allow = \"^en\"; };",
                 "openred.conf:5: setting \"interfaces\": excludes "
                 "\"interface\" (openred.conf:4): set one of them");
    expect_error("interfaces = \"^en\";",
                 "openred.conf:4: setting \"interfaces\": expected a group");
    /* good rules, and an empty group (no rules), load */
    assert_int_equal(load("nodes = ( { id = \"a\"; sector = \"tech\"; "
                          "listen = \"127.0.0.1:9001\"; discovery = { "
                          "interfaces = { deny = \"^docker\"; allow = "
                          "\"^(en|eth)\"; }; }; } );", &r), OR_OK);
    assert_null(r.text);
    assert_int_equal(load("nodes = ( { id = \"a\"; sector = \"tech\"; "
                          "listen = \"127.0.0.1:9001\"; discovery = { "
                          "interface = \"lo\"; interfaces = { }; }; } );",
                          &r), OR_OK);
    assert_null(r.text);
    or_conf_report_free(&r);
}

static size_t
nl_msg(unsigned char *buf, size_t at, uint16_t type, uint32_t len)
{
    struct nlmsghdr h;

    memset(&h, 0, sizeof(h));
    h.nlmsg_type = type;
    h.nlmsg_len = len;
    memcpy(buf + at, &h, sizeof(h));
    return at + NLMSG_ALIGN(len);
}

static void
test_links_nl_relevant(void **state)
{
    unsigned char buf[256];
    size_t        n;

    (void) state;
    memset(buf, 0, sizeof(buf));
    n = nl_msg(buf, 0, RTM_NEWADDR, NLMSG_LENGTH(8));
    assert_true(or_disc_links_nl_relevant(buf, n));
    /* a route change alone: no rescan */
    n = nl_msg(buf, 0, RTM_NEWROUTE, NLMSG_LENGTH(8));
    assert_false(or_disc_links_nl_relevant(buf, n));
    /* the link message after it counts */
    n = nl_msg(buf, n, RTM_DELLINK, NLMSG_LENGTH(16));
    assert_true(or_disc_links_nl_relevant(buf, n));
    /* a header claiming more than the datagram holds: nothing read */
    n = nl_msg(buf, 0, RTM_NEWLINK, 200);
    assert_false(or_disc_links_nl_relevant(buf, 64));
    /* shorter than a header; a length below the header's */
    assert_false(or_disc_links_nl_relevant(buf, sizeof(struct nlmsghdr) - 1));
    n = nl_msg(buf, 0, RTM_NEWLINK, 4);
    assert_false(or_disc_links_nl_relevant(buf, 64));
    /* a buffer that is not aligned (UBSan caught the worker reading
     * headers in place) */
    n = nl_msg(buf, 1, RTM_NEWADDR, NLMSG_LENGTH(8));
    assert_true(or_disc_links_nl_relevant(buf + 1, n - 1));
}

/* free is NULL-safe, as a failed new() leaves it to its caller; a node
 * without rules gets no socket of worker 0's (it uses the master's
 * shared one), whatever interfaces the host has: nothing is opened, so
 * nothing is sent here on the host's own interfaces */
static void
test_links_node_without_rules(void **state)
{
    or_event_loop_t       *loop = NULL;
    or_log_t              *log = or_log_new(OR_LOG_CRIT);
    or_disc_links_t       *l = NULL;
    or_disc_links_node_t   n = { NULL, "224.0.1.100", 5354, 1, 0, "n0" };
    json_t                *st;

    (void) state;
    or_disc_links_free(NULL);
    assert_non_null(log);
    assert_int_equal(or_event_loop_new(&loop, 64), OR_OK);
    assert_int_equal(or_disc_links_new(loop, log, &n, 1, NULL, NULL, &l),
                     OR_OK);
    assert_null(or_disc_links_next(l, 0, NULL));
    st = or_disc_links_json(l);
    assert_int_equal(json_array_size(json_object_get(st, "sockets")), 0);
    assert_int_equal(json_integer_value(json_object_get(st, "rescans")), 1);
    json_decref(st);
    or_disc_links_free(l);
    or_event_loop_free(loop);
    or_log_free(log);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iface_declaration_order),
        cmocka_unit_test(test_iface_no_match_and_loopback),
        cmocka_unit_test(test_iface_select_bound),
        cmocka_unit_test(test_iface_conf_errors),
        cmocka_unit_test(test_links_nl_relevant),
        cmocka_unit_test(test_links_node_without_rules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
