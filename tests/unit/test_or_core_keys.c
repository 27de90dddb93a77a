/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Identity keys as the master and -t see them: generated 0600 when absent,
 * refused when readable by others, corrupt or in a folder that is missing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "openred.h"
#include "or_conf.h"
#include "or_core_module.h"
#include "or_cycle.h"

typedef struct {
    char        dir[64];
    char        conf[128];
    char        key[128];
    or_cycle_t *cycle;
} fixture_t;

static int
setup(void **state)
{
    fixture_t        *f = calloc(1, sizeof(*f));
    or_conf_report_t  r = { NULL, 0, 0, 0 };
    FILE             *out;

    strcpy(f->dir, "/tmp/or-keys-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->conf, sizeof(f->conf), "%s/k.conf", f->dir);
    snprintf(f->key, sizeof(f->key), "%s/n1.pem", f->dir);
    out = fopen(f->conf, "w");
    assert_non_null(out);
    fprintf(out, "nodes = ( { id = \"n1\"; sector = \"tech\"; "
            "listen = \"127.0.0.1:9001\"; key = \"%s\"; } );\n", f->key);
    fclose(out);
    f->cycle = or_cycle_new(f->dir, f->conf, NULL);
    assert_int_equal(or_conf_load(f->cycle, f->conf, NULL, &r), OR_OK);
    or_conf_report_free(&r);
    /* errors go to the log: keep test output readable */
    or_log_set_level(f->cycle->log, OR_LOG_CRIT);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    char       cmd[128];

    or_cycle_free(f->cycle);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void
write_key(const char *path, const char *text, mode_t mode)
{
    FILE *out = fopen(path, "w");

    assert_non_null(out);
    fputs(text, out);
    fclose(out);
    assert_int_equal(chmod(path, mode), 0);
}

static void
test_or_core_keys_load_generates_missing_key(void **state)
{
    fixture_t   *f = *state;
    struct stat  st;

    assert_int_equal(or_core_keys_load(f->cycle, 1), OR_OK);
    assert_non_null(f->cycle->nodes[0].key);
    assert_int_equal(stat(f->key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(strlen(or_key_fingerprint(f->cycle->nodes[0].key)),
                     OR_FP_LEN);
}

static void
test_or_core_keys_load_check_does_not_create(void **state)
{
    fixture_t *f = *state;

    assert_int_equal(or_core_keys_load(f->cycle, 0), OR_OK);
    assert_int_not_equal(access(f->key, F_OK), 0);
}

static void
test_or_core_keys_load_refuses_world_readable(void **state)
{
    fixture_t *f = *state;

    write_key(f->key, "-----BEGIN PRIVATE KEY-----\n", 0644);
    assert_int_equal(or_core_keys_load(f->cycle, 0), OR_ERROR);
    assert_int_equal(or_core_keys_load(f->cycle, 1), OR_ERROR);
    assert_null(f->cycle->nodes[0].key);
}

/* issue 16: start and -t refuse a key that is a symlink to a good key */
static void
test_or_core_keys_load_refuses_symlink(void **state)
{
    fixture_t *f = *state;
    char       real[160];

    snprintf(real, sizeof(real), "%s/real.pem", f->dir);
    assert_int_equal(or_core_keys_load(f->cycle, 1), OR_OK);    /* made */
    assert_int_equal(rename(f->key, real), 0);
    assert_int_equal(symlink(real, f->key), 0);
    assert_int_equal(or_core_keys_load(f->cycle, 0), OR_ERROR);
    or_key_free(f->cycle->nodes[0].key);
    f->cycle->nodes[0].key = NULL;
    assert_int_equal(or_core_keys_load(f->cycle, 1), OR_ERROR);
    assert_null(f->cycle->nodes[0].key);
    /* dangling: -t must not take it for a key still to be made */
    assert_int_equal(unlink(real), 0);
    assert_int_equal(or_core_keys_load(f->cycle, 0), OR_ERROR);
    assert_int_equal(or_core_keys_load(f->cycle, 1), OR_ERROR);
    assert_int_not_equal(access(real, F_OK), 0);
}

static void
test_or_core_keys_load_refuses_corrupt(void **state)
{
    fixture_t *f = *state;

    write_key(f->key, "not a key\n", 0600);
    assert_int_equal(or_core_keys_load(f->cycle, 1), OR_ERROR);
    assert_null(f->cycle->nodes[0].key);
}

/* A missing folder is made (0700) at start; -t only checks it could be. */
static void
test_or_core_keys_load_makes_missing_folder(void **state)
{
    fixture_t           *f = *state;
    or_core_node_conf_t *nc = or_core_node(&f->cycle->nodes[0]);
    char                *path = malloc(256);
    char                 dir[96];
    struct stat          st;

    snprintf(dir, sizeof(dir), "%s/state/keys", f->dir);
    snprintf(path, 256, "%s/n1.pem", dir);
    free(nc->key);
    nc->key = path;
    assert_int_equal(or_core_keys_load(f->cycle, 0), OR_OK);
    assert_int_not_equal(stat(dir, &st), 0);
    assert_int_equal(or_core_keys_load(f->cycle, 1), OR_OK);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(path, &st), 0);
}

/* A folder that cannot be made: a regular file stands in its path. */
static void
test_or_core_keys_load_folder_cannot_be_made(void **state)
{
    fixture_t           *f = *state;
    or_core_node_conf_t *nc = or_core_node(&f->cycle->nodes[0]);
    char                *path = malloc(256);
    char                 file[96];

    snprintf(file, sizeof(file), "%s/afile", f->dir);
    write_key(file, "x", 0600);
    snprintf(path, 256, "%s/sub/n1.pem", file);
    free(nc->key);
    nc->key = path;
    assert_int_equal(or_core_keys_load(f->cycle, 0), OR_ERROR);
    assert_int_equal(or_core_keys_load(f->cycle, 1), OR_ERROR);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_or_core_keys_load_generates_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_or_core_keys_load_check_does_not_create, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_or_core_keys_load_refuses_world_readable, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_or_core_keys_load_refuses_symlink, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_or_core_keys_load_refuses_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_or_core_keys_load_makes_missing_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_or_core_keys_load_folder_cannot_be_made, setup, teardown),
    };

    return cmocka_run_group_tests_name("or_core_keys", tests, NULL, NULL);
}
