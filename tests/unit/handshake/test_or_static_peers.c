/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Static peers in the config (or_static_peers.c, OR_CONF_T_RECORDS): what
 * -t says about each bad entry, at the entry's own line; the bound of 16
 * entries exactly; and -T output that loads back to the same entries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_auto_config.h"
#include "or_conf.h"
#include "or_cycle.h"
#include "or_module.h"
#include "or_static_peers.h"

#define ID64  "0123456789abcdef0123456789abcdef" \
              "0123456789abcdef0123456789abcdef"

/* One node; its peers list starts on line 3, entries one a line. */
static or_err_t
load(const char *entries, char **report_text)
{
    or_cycle_t       *cycle = or_cycle_new("/pfx", "openred.conf", NULL);
    or_conf_report_t  report = { NULL, 0, 0, 0 };
    char              text[8192];
    or_err_t          rc;

    assert_non_null(cycle);
    snprintf(text, sizeof(text),
             "nodes = ( { id = \"a\"; sector = \"tech\";\n"
             "    listen = \"127.0.0.1:9001\";\n"
             "    peers = (\n%s\n    ); } );\n", entries);
    rc = or_conf_load_string(cycle, "openred.conf", text, &report);
    *report_text = report.text ? strdup(report.text) : NULL;
    or_conf_report_free(&report);
    or_cycle_free(cycle);
    return rc;
}

static void
assert_refused(const char *entries, const char *expected)
{
    char *text = NULL;

    assert_int_equal(load(entries, &text), OR_ECONF);
    assert_non_null(text);
    assert_string_equal(text, expected);
    free(text);
}

static void
test_static_peers_good_entries_load(void **state)
{
    char *text = NULL;

    (void) state;
    assert_int_equal(load(
        "      { address = \"10.0.0.2:9002\"; id = \"" ID64 "\"; },\n"
        "      { address = \"node-b.example.org:1\"; "
        "id = \"fedcba9876543210\"; },\n"
        "      { address = \"[fe80::1]:65535\"; id = \"1123456789abcdef\"; }",
        &text), OR_OK);
    assert_null(text);
}

static void
test_static_peers_bad_entries_at_their_lines(void **state)
{
    (void) state;
    assert_refused(
        "      { address = \"bad host:1\"; id = \"" ID64 "\"; },\n"
        "      { address = \"h:0\"; id = \"" ID64 "\"; },\n"
        "      { address = \"h:65536\"; id = \"" ID64 "\"; },\n"
        "      { address = \"h\"; id = \"" ID64 "\"; },\n"
        "      { address = \"[10.0.0.1]:5\"; id = \"" ID64 "\"; },\n"
        "      { address = \"h:5\"; id = \"0123456789ABCDEF\"; },\n"
        "      { address = \"h:5\"; id = \"0123456789abcde\"; },\n"
        "      { address = \"h:5\"; },\n"
        "      { address = \"h:5\"; id = \"" ID64 "\"; port = \"1\"; },\n"
        "      { address = \"-h:5\"; id = \"" ID64 "\"; },\n"
        "      { address = \"h:5\"; id = \"" ID64 "\"; },\n"
        "      { address = \"other:5\"; id = \"0123456789abcdef\"; }",
        "openred.conf:4: setting \"peers\": entry 1: \"bad host\" is not a "
        "host name or an IPv4 address\n"
        "openred.conf:5: setting \"peers\": entry 2: port 0 is out of range "
        "1..65535\n"
        "openred.conf:6: setting \"peers\": entry 3: port 65536 is out of "
        "range 1..65535\n"
        "openred.conf:7: setting \"peers\": entry 4: \"h\" is not an address "
        "(expected \"host:port\" or \"[ipv6]:port\")\n"
        "openred.conf:8: setting \"peers\": entry 5: \"10.0.0.1\" is not an "
        "IPv6 address\n"
        "openred.conf:9: setting \"peers\": entry 6: id \"0123456789ABCDEF\": "
        "expected a 64-hex id (v3) or a 16-hex fingerprint (v2), lowercase\n"
        "openred.conf:10: setting \"peers\": entry 7: id \"0123456789abcde\": "
        "expected a 64-hex id (v3) or a 16-hex fingerprint (v2), lowercase\n"
        "openred.conf:11: setting \"peers\": entry 8: missing id\n"
        "openred.conf:12: setting \"peers\": entry 9: unknown member \"port\" "
        "(a static peer has address and id)\n"
        "openred.conf:13: setting \"peers\": entry 10: \"-h\" is not a host "
        "name or an IPv4 address\n"
        "openred.conf:15: setting \"peers\": entry 12: peer 0123456789abcdef "
        "is entry 11 already\n");
}

static void
test_static_peers_shape(void **state)
{
    (void) state;
    assert_refused("      \"10.0.0.2:9002\"",
        "openred.conf:3: setting \"peers\": entry 1: expected a group "
        "{ ... }, got a string\n");
    assert_refused("      { address = 5; }",
        "openred.conf:3: setting \"peers\": entry 1 (line 4): \"address\": "
        "expected a string, got an integer\n");
}

/* OR_STATIC_PEERS_MAX entries load, one more does not */
static void
test_static_peers_bound(void **state)
{
    char  entries[6000], *text = NULL;
    size_t n = 0;

    (void) state;
    for (int i = 0; i < OR_STATIC_PEERS_MAX + 1; i++) {
        n += (size_t) snprintf(entries + n, sizeof(entries) - n,
                               "%s{ address = \"10.0.0.%d:9\"; "
                               "id = \"%016x\"; }", i ? ", " : "", i + 1,
                               i + 1);
        if (i == OR_STATIC_PEERS_MAX - 1) {
            assert_int_equal(load(entries, &text), OR_OK);
            assert_null(text);
        }
    }
    assert_int_equal(load(entries, &text), OR_ECONF);
    assert_non_null(text);
    assert_string_equal(text, "openred.conf:3: setting \"peers\": 17 "
                        "entries, expected 0..16\n");
    free(text);
}

/* -T prints the entries so that they load back as they were */
static void
test_static_peers_dump_loads_back(void **state)
{
    const char       *text = "nodes = ( { id = \"a\"; sector = \"tech\"; "
        "listen = \"127.0.0.1:9001\"; peers = ( { address = \"h:1\"; "
        "id = \"" ID64 "\"; }, { address = \"q\\\"x:2\"; id = \"y\"; } ); "
        "} );";
    char              path[] = "/tmp/or-sp-XXXXXX";
    int               fd = mkstemp(path);
    or_cycle_t       *a = or_cycle_new("/pfx", "a.conf", NULL);
    or_cycle_t       *b = or_cycle_new("/pfx", path, NULL);
    or_conf_report_t  r = { NULL, 0, 0, 0 };
    FILE             *f;
    char              line[1024];
    int               found = 0;

    (void) state;
    assert_true(fd >= 0);
    /* the second entry is refused by postconf, but the loader kept the
     * list, and -T must print even a refused list readably */
    assert_int_equal(or_conf_load_string(a, "a.conf", text, &r), OR_ECONF);
    or_conf_report_free(&r);
    or_conf_dump(a, fd);
    close(fd);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strstr(line, "peers = ( { address = \"h:1\"; id = \"" ID64
                   "\"; }, { address = \"q\\\"x:2\"; id = \"y\"; } );")
            != NULL)
        {
            found = 1;
        }
    }
    fclose(f);
    assert_true(found);
    /* it parses back: the same refusal of entry 2, nothing else */
    assert_int_equal(or_conf_load(b, path, NULL, &r), OR_ECONF);
    assert_non_null(strstr(r.text, "entry 2: \"q\"x\" is not a host name"));
    assert_null(strstr(r.text, "entry 1"));
    unlink(path);
    or_conf_report_free(&r);
    or_cycle_free(a);
    or_cycle_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_peers_good_entries_load),
        cmocka_unit_test(test_static_peers_bad_entries_at_their_lines),
        cmocka_unit_test(test_static_peers_shape),
        cmocka_unit_test(test_static_peers_bound),
        cmocka_unit_test(test_static_peers_dump_loads_back),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
