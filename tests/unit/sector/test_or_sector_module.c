/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_sector_module.c: filter decisions through node->filter
 * (no filter accepts all, deny wins over accept, services match if any
 * one does, an accept on services refuses a peer with none) and the
 * config error for a bad pattern; in a build without discovery, which the
 * filter depends on, any filter is a config error instead.
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

typedef struct {
    or_cycle_t        *cycle;
    or_conf_report_t   report;
    or_err_t           rc;
} loaded_t;

/* One node "n" with the given filter group body ("" = no filter). */
static loaded_t *
load(const char *filter)
{
    loaded_t *l = calloc(1, sizeof(*l));
    char      text[2048];

    assert_non_null(l);
    snprintf(text, sizeof(text),
             "nodes = ({ id = \"n\"; sector = \"tech\";\n"
             "  listen = \"127.0.0.1:9001\";\n"
             "  %s%s%s });\n", filter[0] ? "filter = { " : "", filter,
             filter[0] ? " };" : "");
    l->cycle = or_cycle_new("/pfx", "t.conf", NULL);
    assert_non_null(l->cycle);
    l->rc = or_conf_load_string(l->cycle, "t.conf", text, &l->report);
    return l;
}

static void
unload(loaded_t *l)
{
    or_conf_report_free(&l->report);
    or_cycle_free(l->cycle);
    free(l);
}

/* node->filter's answer for sector and a NULL-ended list of services */
static int
decide(loaded_t *l, const char *sector, ...)
{
    const char *sv[8];
    size_t      n = 0;
    va_list     ap;
    or_node_t  *node = &l->cycle->nodes[0];

    va_start(ap, sector);
    while (n < 8 && (sv[n] = va_arg(ap, const char *)) != NULL) {
        n++;
    }
    va_end(ap);
    return node->filter == NULL || node->filter(node, sector, sv, n);
}

static void
test_sector_filter_none_accepts_all(void **state)
{
    loaded_t *l = load("");

    assert_int_equal(l->rc, OR_OK);
    assert_null(l->cycle->nodes[0].filter);
    assert_true(decide(l, "anything", "x", NULL));
    unload(l);
}

/* Decisions need a filter that loads: only with discovery. */
#ifdef OR_HAVE_DISCOVERY_MODULE
static void
test_sector_filter_accept_sectors(void **state)
{
    loaded_t *l = load("accept_sectors = \"^(tech|health)$\";");

    assert_int_equal(l->rc, OR_OK);
    assert_true(decide(l, "tech", NULL));
    assert_true(decide(l, "health", "a", NULL));
    assert_false(decide(l, "finance", NULL));
    assert_false(decide(l, "technology", NULL));
    assert_false(decide(l, "", NULL));
    unload(l);
}

static void
test_sector_filter_deny_wins(void **state)
{
    loaded_t *l = load("accept_sectors = \"^t\"; deny_sectors = \"^tech$\";"
                       " accept_services = \"storage\";"
                       " deny_services = \"^test\";");

    assert_int_equal(l->rc, OR_OK);
    assert_false(decide(l, "tech", "storage", NULL));
    assert_true(decide(l, "telecom", "storage", NULL));
    assert_false(decide(l, "telecom", "storage", "testing", NULL));
    unload(l);
}

static void
test_sector_filter_services_any_match(void **state)
{
    loaded_t *l = load("accept_services = \"^compute$\";");

    assert_int_equal(l->rc, OR_OK);
    assert_true(decide(l, "tech", "storage", "compute", NULL));
    assert_false(decide(l, "tech", "storage", NULL));
    /* no service cannot match an accept on services */
    assert_false(decide(l, "tech", NULL));
    unload(l);
}

static void
test_sector_filter_deny_services_any_match(void **state)
{
    loaded_t *l = load("deny_services = \"^test\";");

    assert_int_equal(l->rc, OR_OK);
    assert_true(decide(l, "tech", NULL));
    assert_true(decide(l, "tech", "storage", NULL));
    assert_false(decide(l, "tech", "storage", "test-bed", NULL));
    unload(l);
}

/* Peer bytes that are not UTF-8 fail the match: refused, not accepted. */
static void
test_sector_filter_bad_utf8_fails_closed(void **state)
{
    loaded_t *l = load("deny_sectors = \"^x$\";");

    assert_int_equal(l->rc, OR_OK);
    assert_false(decide(l, "\xff\xfe", NULL));
    assert_true(decide(l, "ok", NULL));
    unload(l);
}

/* The cached match data serves many calls with the same answers. */
static void
test_sector_filter_repeated_calls(void **state)
{
    loaded_t *l = load("accept_sectors = \"^(a|b)+$\";");

    assert_int_equal(l->rc, OR_OK);
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(decide(l, i % 2 ? "abab" : "abc", NULL), i % 2);
    }
    unload(l);
}

#endif /* OR_HAVE_DISCOVERY_MODULE */

static void
test_sector_filter_bad_pattern_is_config_error(void **state)
{
    loaded_t *l = load("deny_sectors = \"(tech\";");

    assert_int_equal(l->rc, OR_ECONF);
    assert_non_null(l->report.text);
    assert_string_equal(l->report.text, "t.conf:3: setting \"deny_sectors\": "
                        "bad pattern \"(tech\": missing closing parenthesis "
                        "at offset 5\n");
    unload(l);
}

/* Without discovery no peer is ever offered to the filter: refused at
 * its line, naming the module; with discovery, compiled and accepted. */
static void
test_sector_filter_needs_discovery(void **state)
{
    loaded_t *l = load("deny_services = \"^test\";");

#ifdef OR_HAVE_DISCOVERY_MODULE
    assert_int_equal(l->rc, OR_OK);
    assert_null(l->report.text);
    assert_non_null(l->cycle->nodes[0].filter);
#else
    assert_int_equal(l->rc, OR_ECONF);
    assert_non_null(l->report.text);
    assert_string_equal(l->report.text, "t.conf:3: setting \"filter\": "
                        "needs the discovery module, which this build leaves "
                        "out (--without-discovery_module)\n");
    assert_null(l->cycle->nodes[0].filter);
#endif
    unload(l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sector_filter_none_accepts_all),
#ifdef OR_HAVE_DISCOVERY_MODULE
        cmocka_unit_test(test_sector_filter_accept_sectors),
        cmocka_unit_test(test_sector_filter_deny_wins),
        cmocka_unit_test(test_sector_filter_services_any_match),
        cmocka_unit_test(test_sector_filter_deny_services_any_match),
        cmocka_unit_test(test_sector_filter_bad_utf8_fails_closed),
        cmocka_unit_test(test_sector_filter_repeated_calls),
#endif
        cmocka_unit_test(test_sector_filter_bad_pattern_is_config_error),
        cmocka_unit_test(test_sector_filter_needs_discovery),
    };

    or_module_init_indexes();
    alarm(20);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
