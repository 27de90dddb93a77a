/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_conf.c's refusals of a config's shape, each with its
 * exact report: a syntax error (in the text and in -g directives), a
 * group given as a value, node blocks that are not a list, node blocks in
 * -g; and -g directives that are good set their value over the file's.
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

#include "or_conf.h"
#include "or_core_module.h"
#include "or_cycle.h"

#define NODE  "nodes = ( { id = \"a\"; sector = \"tech\"; " \
              "listen = \"127.0.0.1:9001\"; } );\n"

static void
refused_string(const char *text, const char *want)
{
    or_cycle_t       *c = or_cycle_new("/pfx/", "openred.conf", NULL);
    or_conf_report_t  r = { NULL, 0, 0, 0 };

    assert_non_null(c);
    assert_int_equal(or_conf_load_string(c, "openred.conf", text, &r),
                     OR_ECONF);
    assert_non_null(r.text);
    assert_string_equal(r.text, want);
    or_conf_report_free(&r);
    or_cycle_free(c);
}

static void
test_conf_syntax_error(void **state)
{
    (void) state;
    refused_string("worker_processes = 2;\nnodes = (\n",
                   "openred.conf:3: syntax error\n");
}

static void
test_conf_group_as_value(void **state)
{
    (void) state;
    /* a core group: in every build, whichever modules are left out */
    refused_string("error_log = 1;\n" NODE, "openred.conf:1: setting "
                   "\"error_log\": expected a group { ... }\n");
}

static void
test_conf_nodes_not_a_list(void **state)
{
    (void) state;
    /* and, as no node block came, the one that is required */
    refused_string("nodes = 1;\n", "openred.conf:1: setting \"nodes\": "
                   "expected a list of node blocks ( { ... }, ... )\n"
                   "openred.conf:1: setting \"nodes\": at least one node "
                   "block is required\n");
}

/* a config file and -g directives (openred -g) */
static or_err_t
load_g(const char *directives, or_conf_report_t *r, int *workers)
{
    char        dir[] = "/tmp/or-confg-XXXXXX", path[64], pfx[64];
    FILE       *out;
    or_cycle_t *c;
    or_err_t    rc;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/openred.conf", dir);
    snprintf(pfx, sizeof(pfx), "%s/", dir);
    out = fopen(path, "w");
    assert_non_null(out);
    fprintf(out, "worker_processes = 3;\n" NODE);
    assert_int_equal(fclose(out), 0);
    c = or_cycle_new(pfx, path, NULL);
    assert_non_null(c);
    rc = or_conf_load(c, path, directives, r);
    if (rc == OR_OK && workers != NULL) {
        *workers = (int) or_core_main(c)->worker_processes;
    }
    or_cycle_free(c);
    unlink(path);
    rmdir(dir);
    return rc;
}

static void
test_conf_directives(void **state)
{
    or_conf_report_t r = { NULL, 0, 0, 0 };
    int              workers = 0;

    (void) state;
    assert_int_equal(load_g("worker_processes = 5;", &r, &workers), OR_OK);
    assert_int_equal(workers, 5);
    assert_int_equal(load_g(NULL, &r, &workers), OR_OK);
    assert_int_equal(workers, 3);
    assert_null(r.text);

    assert_int_equal(load_g("worker_processes = ", &r, NULL), OR_ECONF);
    assert_string_equal(r.text, "-g:1: syntax error\n");
    or_conf_report_free(&r);

    assert_int_equal(load_g(NODE, &r, NULL), OR_ECONF);
    assert_non_null(r.text);
    assert_string_equal(r.text, "-g:1: setting \"nodes\": node blocks "
                        "cannot be given with -g\n");
    or_conf_report_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conf_syntax_error),
        cmocka_unit_test(test_conf_group_as_value),
        cmocka_unit_test(test_conf_nodes_not_a_list),
        cmocka_unit_test(test_conf_directives),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
