/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * A static peer's address at its bounds (or_static_peers.c, what -t
 * says): a host name of 253 bytes loads (its address at the setting's
 * bound of 255) and 254 is refused by that bound; a label of
 * 63 loads and 64 is refused; an empty label, no host, a bracket not
 * closed or empty, and a port empty, of 6 digits or not digits are each
 * refused with the entry's own line.
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

#define FP  "0123456789abcdef"

/* One node with one static peer at address, on line 4. */
static or_err_t
load(const char *address, char **report_text)
{
    or_cycle_t       *cycle = or_cycle_new("/pfx", "openred.conf", NULL);
    or_conf_report_t  report = { NULL, 0, 0, 0 };
    char              text[8192];
    or_err_t          rc;

    assert_non_null(cycle);
    snprintf(text, sizeof(text),
             "nodes = ( { id = \"a\"; sector = \"tech\";\n"
             "    listen = \"127.0.0.1:9001\";\n"
             "    peers = (\n"
             "      { address = \"%s\"; id = \"" FP "\"; }\n"
             "    ); } );\n", address);
    rc = or_conf_load_string(cycle, "openred.conf", text, &report);
    *report_text = report.text ? strdup(report.text) : NULL;
    or_conf_report_free(&report);
    or_cycle_free(cycle);
    return rc;
}

static void
loads(const char *address)
{
    char  *text = NULL;

    assert_int_equal(load(address, &text), OR_OK);
    assert_null(text);
}

/* refused, the report naming entry 1 at line 4 with why */
static void
refused(const char *address, const char *why)
{
    char  *text = NULL, want[1024];

    snprintf(want, sizeof(want), "openred.conf:4: setting \"peers\": "
             "entry 1: %s\n", why);
    assert_int_equal(load(address, &text), OR_ECONF);
    assert_non_null(text);
    assert_string_equal(text, want);
    free(text);
}

static void
not_an_address(const char *address)
{
    char  why[512];

    snprintf(why, sizeof(why), "\"%s\" is not an address (expected "
             "\"host:port\" or \"[ipv6]:port\")", address);
    refused(address, why);
}

/* a host name of len bytes: labels of 63 joined by dots */
static void
host_of(size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        out[i] = i % 64 == 63 ? '.' : 'a';
    }
    out[len] = '\0';
}

static void
test_static_peers_host_length(void **state)
{
    char  host[300], addr[320], *text = NULL;

    (void) state;
    host_of(253, host);
    snprintf(addr, sizeof(addr), "%s:9", host);
    loads(addr);
    /* 254: its address is 256 bytes, over the setting's own bound (so
     * the name check's 253 is never the one that refuses) */
    host_of(254, host);
    snprintf(addr, sizeof(addr), "%s:9", host);
    assert_int_equal(load(addr, &text), OR_ECONF);
    assert_non_null(text);
    assert_string_equal(text, "openred.conf:3: setting \"peers\": entry 1 "
                        "(line 4): \"address\": expected 1..255 characters\n");
    free(text);
}

static void
test_static_peers_label_length(void **state)
{
    char  label[80], addr[100], why[200];

    (void) state;
    memset(label, 'b', 63);
    label[63] = '\0';
    snprintf(addr, sizeof(addr), "%s.example.org:9", label);
    loads(addr);
    memset(label, 'b', 64);
    label[64] = '\0';
    snprintf(addr, sizeof(addr), "%s.example.org:9", label);
    snprintf(why, sizeof(why), "\"%.64s\" is not a host name or an IPv4 "
             "address", addr);
    refused(addr, why);
}

static void
test_static_peers_empty_parts(void **state)
{
    (void) state;
    refused("a..b:9", "\"a..b\" is not a host name or an IPv4 address");
    refused(".a:9", "\".a\" is not a host name or an IPv4 address");
    not_an_address(":9");
    not_an_address("[]:9");
    not_an_address("[fe80::1:9");
    not_an_address("h:");
    not_an_address("[fe80::1]:");
}

static void
test_static_peers_port_text(void **state)
{
    (void) state;
    loads("h:00009");             /* 5 digits: still a port */
    not_an_address("h:000009");   /* 6 */
    not_an_address("h:9a");
    not_an_address("h:+9");
    not_an_address("h:1:2");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_peers_host_length),
        cmocka_unit_test(test_static_peers_label_length),
        cmocka_unit_test(test_static_peers_empty_parts),
        cmocka_unit_test(test_static_peers_port_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
