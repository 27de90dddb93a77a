/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The dht module's settings: what -t says about a bootstrap without a
 * passphrase, entries that are not host:port, an announce address that is
 * not numeric, and a daemon-wide setting in a node block, each at its
 * line; a good block and the inherited top-level group load.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "or_auto_config.h"
#include "or_conf.h"
#include "or_cycle.h"
#include "or_module.h"

static or_err_t
load(const char *top, const char *node, char **text)
{
    or_cycle_t       *cycle = or_cycle_new("/pfx", "openred.conf", NULL);
    or_conf_report_t  report = { NULL, 0, 0, 0 };
    char              buf[2048];
    or_err_t          rc;

    assert_non_null(cycle);
    snprintf(buf, sizeof(buf), "%s\n"
             "nodes = ( { id = \"a\"; sector = \"tech\";\n"
             "    listen = \"127.0.0.1:9001\";\n"
             "    %s } );\n", top, node);
    rc = or_conf_load_string(cycle, "openred.conf", buf, &report);
    *text = report.text ? strdup(report.text) : NULL;
    or_conf_report_free(&report);
    or_cycle_free(cycle);
    return rc;
}

static void
test_dht_settings_good(void **state)
{
    char *text = NULL;

    (void) state;
    assert_int_equal(load("dht = { port = 4222; interval = 5; };",
                          "dht = { bootstrap = [\"dht.example.org:4222\", "
                          "\"[fd00::1]:4222\"]; passphrase = \"x\"; "
                          "announce = [\"192.0.2.1:9001\"]; };", &text),
                     OR_OK);
    assert_null(text);
    /* inherited from the top level */
    assert_int_equal(load("dht = { bootstrap = [\"10.0.0.1:4222\"]; "
                          "passphrase = \"x\"; };", "", &text), OR_OK);
    assert_null(text);
}

static void
test_dht_settings_errors(void **state)
{
    char *text = NULL;

    (void) state;
    assert_int_equal(load("dht = { interval = 4; };",
                          "dht = { bootstrap = [\"1.2.3.4:65536\", \"x\", "
                          "\"h:\"];\n"
                          "      announce = [\"host:1\"]; port = 5; };",
                          &text), OR_ECONF);
    assert_non_null(text);
    assert_string_equal(text,
        "openred.conf:1: setting \"interval\": 4 is out of range 5..3600\n"
        "openred.conf:5: setting \"port\": not allowed in a node block\n"
        "openred.conf:4: setting \"dht\": bootstrap needs dht.passphrase, "
        "the network's secret (records go under a key derived from it)\n"
        "openred.conf:4: setting \"bootstrap\": entry 1: \"1.2.3.4:65536\" "
        "is not host:port\n"
        "openred.conf:4: setting \"bootstrap\": entry 2: \"x\" is not "
        "host:port\n"
        "openred.conf:4: setting \"bootstrap\": entry 3: \"h:\" is not "
        "host:port\n"
        "openred.conf:5: setting \"announce\": entry 1: \"host\" is not a "
        "numeric IPv4 address or a bracketed IPv6 address\n");
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dht_settings_good),
        cmocka_unit_test(test_dht_settings_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
