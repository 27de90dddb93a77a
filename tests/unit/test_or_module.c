/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The module registry and its tables: every row well formed, every default
 * valid, every setting documented in docs/openred.conf.5; and the walk
 * over the modules' status hooks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "or_conf.h"
#include "or_module.h"

#define MAN_PAGE "docs/openred.conf.5"

static char *
read_file(const char *path)
{
    FILE   *f = fopen(path, "r");
    char   *buf;
    long    n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void
test_or_modules_every_setting_documented(void **state)
{
    char *man = read_file(MAN_PAGE);
    char  needle[128];

    for (size_t m = 0; or_modules[m] != NULL; m++) {
        for (const or_setting_t *r = or_modules[m]->settings;
             r && r->name; r++)
        {
            /* the man page writes each name in bold: \fBname\fR */
            snprintf(needle, sizeof(needle), "\\fB%s\\fR", r->name);
            if (strstr(man, needle) == NULL) {
                fail_msg("setting \"%s\" of module %s is not in %s",
                         r->name, or_modules[m]->name, MAN_PAGE);
            }
            if (r->group != NULL) {
                snprintf(needle, sizeof(needle), "\\fB%s\\fR", r->group);
                if (strstr(man, needle) == NULL
                    && strstr(man, r->group) == NULL)
                {
                    fail_msg("group \"%s\" is not in %s", r->group,
                             MAN_PAGE);
                }
            }
        }
    }
    free(man);
}

static void
test_or_modules_rows_well_formed(void **state)
{
    for (size_t m = 0; or_modules[m] != NULL; m++) {
        const or_module_t *mod = or_modules[m];

        for (const or_setting_t *r = mod->settings; r && r->name; r++) {
            size_t size = r->scope == OR_SCOPE_MAIN ? mod->main_conf_size
                                                    : mod->node_conf_size;

            assert_true(r->offset < size);
            assert_true(r->min <= r->max || r->type == OR_CONF_T_LEVEL
                        || r->type == OR_CONF_T_ADDR);
            /* a required setting has no default, and only nodes have them */
            if (r->flags & OR_CONF_REQUIRED) {
                assert_null(r->dflt);
                assert_int_equal(r->scope, OR_SCOPE_NODE);
            }
        }
    }
}

static void
test_or_modules_indexes_match_positions(void **state)
{
    or_module_init_indexes();
    for (size_t m = 0; or_modules[m] != NULL; m++) {
        assert_int_equal(or_modules[m]->index, m);
    }
    assert_true(or_module_count() >= 1);
}

static int hook_calls;

static or_err_t
status_a(or_cycle_t *cycle, json_t *status)
{
    hook_calls++;
    return json_object_set_new(status, "a", json_integer(1)) == 0
           ? OR_OK : OR_ENOMEM;
}

static or_err_t
status_fails(or_cycle_t *cycle, json_t *status)
{
    hook_calls++;
    return OR_ENOMEM;
}

static or_err_t
status_b(or_cycle_t *cycle, json_t *status)
{
    hook_calls++;
    return json_object_set_new(status, "b", json_string("x")) == 0
           ? OR_OK : OR_ENOMEM;
}

/* Every module's hook adds its own section, in order; a module without a
 * hook is skipped. */
static void
test_or_module_status_every_hook(void **state)
{
    or_module_t  a = { .name = "a", .status = status_a };
    or_module_t  none = { .name = "none" };
    or_module_t  b = { .name = "b", .status = status_b };
    or_module_t *mods[] = { &a, &none, &b, NULL };
    json_t      *st = json_object();
    const char  *failed = NULL;

    hook_calls = 0;
    assert_int_equal(or_module_status(mods, NULL, st, &failed), OR_OK);
    assert_null(failed);
    assert_int_equal(hook_calls, 2);
    assert_int_equal(json_integer_value(json_object_get(st, "a")), 1);
    assert_string_equal(json_string_value(json_object_get(st, "b")), "x");
    assert_int_equal(json_object_size(st), 2);
    json_decref(st);
}

/* A failing hook is named, and the hooks after it still run. */
static void
test_or_module_status_failure_named(void **state)
{
    or_module_t  a = { .name = "a", .status = status_a };
    or_module_t  f = { .name = "broken", .status = status_fails };
    or_module_t  b = { .name = "b", .status = status_b };
    or_module_t *mods[] = { &a, &f, &b, NULL };
    json_t      *st = json_object();
    const char  *failed = NULL;

    hook_calls = 0;
    assert_int_equal(or_module_status(mods, NULL, st, &failed), OR_ENOMEM);
    assert_string_equal(failed, "broken");
    assert_int_equal(hook_calls, 3);
    assert_non_null(json_object_get(st, "b"));
    json_decref(st);
}

/* No module: nothing added, and no failure. */
static void
test_or_module_status_empty_list(void **state)
{
    or_module_t *mods[] = { NULL };
    json_t      *st = json_object();

    assert_int_equal(or_module_status(mods, NULL, st, NULL), OR_OK);
    assert_int_equal(json_object_size(st), 0);
    json_decref(st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_modules_every_setting_documented),
        cmocka_unit_test(test_or_modules_rows_well_formed),
        cmocka_unit_test(test_or_modules_indexes_match_positions),
        cmocka_unit_test(test_or_module_status_every_hook),
        cmocka_unit_test(test_or_module_status_failure_named),
        cmocka_unit_test(test_or_module_status_empty_list),
    };

    return cmocka_run_group_tests_name("or_module", tests, NULL, NULL);
}
