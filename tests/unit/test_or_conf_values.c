/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_conf_value.c's refusals, each with its exact text at
 * its line: a value of the wrong type (every libconfig type named), a
 * string at its length bounds, a file mode (octal digits, 0777 the most),
 * a count or "auto", a log level, and a list of strings (the entry count
 * and each entry's type and 1..255 length at their bounds).
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

/* main holds main-scope settings, node a node's own (line 2) */
static or_err_t
load(const char *main, const char *node, or_conf_report_t *r)
{
    or_cycle_t *cycle = or_cycle_new("/pfx", "openred.conf", NULL);
    size_t      cap = strlen(main) + strlen(node) + 256;
    char       *text = malloc(cap);
    or_err_t    rc;

    assert_non_null(cycle);
    assert_non_null(text);
    snprintf(text, cap, "%s\nnodes = ( { id = \"a\"; sector = \"tech\"; "
             "listen = \"127.0.0.1:9001\"; %s } );\n", main, node);
    rc = or_conf_load_string(cycle, "openred.conf", text, r);
    or_cycle_free(cycle);
    free(text);
    return rc;
}

/* The load must be refused with exactly want. */
static void
refused(const char *main, const char *node, const char *want)
{
    or_conf_report_t r = { NULL, 0, 0, 0 };

    assert_int_equal(load(main, node, &r), OR_ECONF);
    assert_non_null(r.text);
    assert_string_equal(r.text, want);
    or_conf_report_free(&r);
}

static void
accepted(const char *main, const char *node)
{
    or_conf_report_t r = { NULL, 0, 0, 0 };

    if (load(main, node, &r) != OR_OK) {
        fail_msg("refused: %s", r.text ? r.text : "?");
    }
    or_conf_report_free(&r);
}

static void
test_conf_wrong_types_named(void **state)
{
    (void) state;
    refused("worker_connections = \"x\";", "", "openred.conf:1: setting "
            "\"worker_connections\": expected an integer, got a string\n");
    refused("worker_connections = 1.5;", "", "openred.conf:1: setting "
            "\"worker_connections\": expected an integer, got a float\n");
    refused("worker_connections = true;", "", "openred.conf:1: setting "
            "\"worker_connections\": expected an integer, got a boolean\n");
    refused("worker_connections = [ 1 ];", "", "openred.conf:1: setting "
            "\"worker_connections\": expected an integer, got an array\n");
    refused("worker_connections = ( 1 );", "", "openred.conf:1: setting "
            "\"worker_connections\": expected an integer, got a list\n");
    refused("worker_connections = { };", "", "openred.conf:1: setting "
            "\"worker_connections\": expected an integer, got a group\n");
}

/* user: 0..32 characters; worker_connections 64.. */
static void
test_conf_string_length_bounds(void **state)
{
    char main[96];

    (void) state;
    snprintf(main, sizeof(main), "user = \"%s\";",
             "u234567890123456789012345678901x");
    assert_int_equal(strlen(main), strlen("user = \"\";") + 32);
    accepted(main, "");
    snprintf(main, sizeof(main), "user = \"%s\";",
             "u234567890123456789012345678901xy");
    refused(main, "", "openred.conf:1: setting \"user\": value is too long "
            "(33 characters, at most 32)\n");
    refused("worker_connections = 63;", "", "openred.conf:1: setting "
            "\"worker_connections\": 63 is out of range 64..1048576\n");
    accepted("worker_connections = 64;", "");
}

static void
test_conf_mode(void **state)
{
    (void) state;
#if !OR_HAVE_CONTROL_MODULE
    skip();     /* the only mode setting is the control module's */
#endif
    accepted("control = { mode = 0777; };", "");
    accepted("control = { mode = \"0660\"; };", "");
    refused("control = { mode = 1000; };", "", "openred.conf:1: setting "
            "\"mode\": 1000 is not a file mode (octal digits, at most "
            "0777)\n");
    refused("control = { mode = 678; };", "", "openred.conf:1: setting "
            "\"mode\": 678 is not a file mode (octal digits, at most "
            "0777)\n");
    refused("control = { mode = \"\"; };", "", "openred.conf:1: setting "
            "\"mode\":  is not a file mode (octal digits, at most 0777)\n");
    refused("control = { mode = true; };", "", "openred.conf:1: setting "
            "\"mode\": expected a file mode such as 0660, got a boolean\n");
}

static void
test_conf_count_auto(void **state)
{
    (void) state;
    accepted("worker_processes = \"auto\";", "");
    accepted("worker_processes = 64;", "");
    refused("worker_processes = 65;", "", "openred.conf:1: setting "
            "\"worker_processes\": 65 is out of range 1..64\n");
    refused("worker_processes = \"many\";", "", "openred.conf:1: setting "
            "\"worker_processes\": \"many\" is neither \"auto\" nor a "
            "number\n");
    refused("worker_processes = 1.5;", "", "openred.conf:1: setting "
            "\"worker_processes\": expected an integer or \"auto\", got a "
            "float\n");
}

static void
test_conf_level(void **state)
{
    (void) state;
    accepted("error_log = { level = \"crit\"; };", "");
    refused("error_log = { level = \"loud\"; };", "", "openred.conf:1: "
            "setting \"level\": \"loud\" is not a level (debug, info, "
            "notice, warn, error, crit)\n");
}

/* services: 0..32 entries of 1..255 characters */
static void
test_conf_strlist(void **state)
{
    char *node = malloc(4096), *p;

    (void) state;
    assert_non_null(node);
    refused("", "services = \"storage\";", "openred.conf:2: setting "
            "\"services\": expected an array of strings [\"a\", \"b\"], got "
            "a string\n");
    refused("", "services = [ 1 ];", "openred.conf:2: setting \"services\": "
            "entry 1: expected a string, got an integer\n");
    refused("", "services = [ \"a\", \"\" ];", "openred.conf:2: setting "
            "\"services\": entry 2: expected 1..255 characters\n");
    /* one entry of 255, then 256 characters */
    p = node + sprintf(node, "services = [ \"");
    memset(p, 's', 255);
    strcpy(p + 255, "\" ];");
    accepted("", node);
    memset(p, 's', 256);
    strcpy(p + 256, "\" ];");
    refused("", node, "openred.conf:2: setting \"services\": entry 1: "
            "expected 1..255 characters\n");
    /* 32 entries, then 33 */
    p = node + sprintf(node, "services = [ ");
    for (int i = 0; i < 33; i++) {
        p += sprintf(p, "%s\"s%d\"", i ? ", " : "", i);
        if (i == 31) {
            strcpy(p, " ];");
            accepted("", node);
        }
    }
    strcpy(p, " ];");
    refused("", node, "openred.conf:2: setting \"services\": 33 entries, "
            "expected 0..32\n");
    free(node);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conf_wrong_types_named),
        cmocka_unit_test(test_conf_string_length_bounds),
        cmocka_unit_test(test_conf_mode),
        cmocka_unit_test(test_conf_count_auto),
        cmocka_unit_test(test_conf_level),
        cmocka_unit_test(test_conf_strlist),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
