/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_handshake_module.c's settings: auto_connect needs the
 * discovery module, so a build without it refuses the setting at its
 * line, naming the module; with it (and for auto_connect = false in any
 * build) the config loads.
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

/* Loads two nodes; the second's block holds extra on line 6. */
static or_err_t
load(const char *extra, or_conf_report_t *report)
{
    or_cycle_t *cycle = or_cycle_new("/pfx", "openred.conf", NULL);
    char        text[1024];
    or_err_t    rc;

    assert_non_null(cycle);
    snprintf(text, sizeof(text),
             "nodes = (\n"
             "  { id = \"a\"; sector = \"tech\";\n"
             "    listen = \"127.0.0.1:9001\"; },\n"
             "  { id = \"b\"; sector = \"tech\";\n"
             "    listen = \"127.0.0.1:9002\";\n"
             "    %s\n"
             "  }\n"
             ");\n", extra);
    rc = or_conf_load_string(cycle, "openred.conf", text, report);
    or_cycle_free(cycle);
    return rc;
}

static void
test_hs_postconf_auto_connect_needs_discovery(void **state)
{
    or_conf_report_t report = { NULL, 0, 0, 0 };
    or_err_t         rc = load("auto_connect = true;", &report);

#ifdef OR_HAVE_DISCOVERY_MODULE
    assert_int_equal(rc, OR_OK);
    assert_null(report.text);
#else
    assert_int_equal(rc, OR_ECONF);
    assert_non_null(report.text);
    assert_string_equal(report.text, "openred.conf:6: setting "
                        "\"auto_connect\": needs the discovery module, which "
                        "this build leaves out (--without-discovery_module)"
                        "\n");
#endif
    or_conf_report_free(&report);
}

/* false asks nothing of discovery: accepted in every build. */
static void
test_hs_postconf_auto_connect_false_accepted(void **state)
{
    or_conf_report_t report = { NULL, 0, 0, 0 };

    assert_int_equal(load("auto_connect = false;", &report), OR_OK);
    assert_null(report.text);
    or_conf_report_free(&report);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hs_postconf_auto_connect_needs_discovery),
        cmocka_unit_test(test_hs_postconf_auto_connect_false_accepted),
    };

    or_module_init_indexes();
    return cmocka_run_group_tests_name("or_handshake_module", tests, NULL,
                                       NULL);
}
