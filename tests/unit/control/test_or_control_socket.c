/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_control_module.c's master side, the control socket's
 * bind: a fresh path is bound with the configured mode and removed at
 * exit; a stale socket file left by a crash is removed and the path
 * bound; a live daemon on the path stops the start, the file left alone;
 * a missing directory and a path longer than sun_path (a relative path
 * the prefix makes too long) are each refused with their own log line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_log.h"
#include "or_module.h"

extern or_module_t or_control_module;

typedef struct {
    char         dir[64];
    char         log[128];
    char         sock[128];
    or_cycle_t  *cycle;
} cs_t;

/* A cycle with prefix (NULL: the temp dir) and the control block given. */
static void
cs_load(cs_t *c, const char *prefix, const char *control)
{
    or_conf_report_t r = { NULL, 0, 0, 0 };
    char             text[512], pfx[300];

    snprintf(pfx, sizeof(pfx), "%s/", prefix ? prefix : c->dir);
    c->cycle = or_cycle_new(pfx, "openred.conf", NULL);
    assert_non_null(c->cycle);
    snprintf(text, sizeof(text), "control = { %s };\nnodes = ( { id = \"a\"; "
             "sector = \"tech\"; listen = \"127.0.0.1:9001\"; } );\n",
             control);
    if (or_conf_load_string(c->cycle, "openred.conf", text, &r) != OR_OK) {
        fail_msg("config: %s", r.text ? r.text : "?");
    }
    or_conf_report_free(&r);
    assert_int_equal(or_log_open(c->cycle->log, c->log), OR_OK);
}

static int
setup(void **state)
{
    cs_t *c = calloc(1, sizeof(*c));

    assert_non_null(c);
    strcpy(c->dir, "/tmp/or-ctl-XXXXXX");
    assert_non_null(mkdtemp(c->dir));
    snprintf(c->log, sizeof(c->log), "%s/error.log", c->dir);
    snprintf(c->sock, sizeof(c->sock), "%s/c.sock", c->dir);
    *state = c;
    return 0;
}

static int
teardown(void **state)
{
    cs_t *c = *state;
    char  cmd[96];

    if (c->cycle != NULL) {
        or_control_module.exit_master(c->cycle);
        or_cycle_free(c->cycle);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
    assert_int_equal(system(cmd), 0);
    free(c);
    return 0;
}

static int
log_has(cs_t *c, const char *text)
{
    FILE *in = fopen(c->log, "r");
    char  line[1024];
    int   found = 0;

    assert_non_null(in);
    while (!found && fgets(line, sizeof(line), in) != NULL) {
        found = strstr(line, text) != NULL;
    }
    fclose(in);
    return found;
}

/* a unix stream socket bound at path; listening if live, else closed
 * (its file left behind, as a crash leaves it) */
static int
bind_at(const char *path, int live)
{
    struct sockaddr_un sa;
    int                fd = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
    if (live) {
        assert_int_equal(listen(fd, 1), 0);
        return fd;
    }
    close(fd);
    return -1;
}

static int
is_socket(const char *path, mode_t *mode)
{
    struct stat st;

    if (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        return 0;
    }
    *mode = st.st_mode & 0777;
    return 1;
}

static void
test_control_socket_bound_with_mode(void **state)
{
    cs_t   *c = *state;
    mode_t  mode = 0;

    (void) state;
    cs_load(c, NULL, "socket = \"c.sock\"; mode = 0600;");
    assert_int_equal(or_control_module.init_master(c->cycle, NULL), OR_OK);
    assert_true(is_socket(c->sock, &mode));
    assert_int_equal(mode, 0600);
    or_control_module.exit_master(c->cycle);
    assert_int_equal(access(c->sock, F_OK), -1);
    assert_int_equal(errno, ENOENT);
}

static void
test_control_socket_stale_removed(void **state)
{
    cs_t   *c = *state;
    mode_t  mode = 0;
    char    want[192];

    (void) state;
    bind_at(c->sock, 0);
    cs_load(c, NULL, "socket = \"c.sock\";");
    assert_int_equal(or_control_module.init_master(c->cycle, NULL), OR_OK);
    snprintf(want, sizeof(want), "removed stale control socket \"%s\"",
             c->sock);
    assert_true(log_has(c, want));
    assert_true(is_socket(c->sock, &mode));
    assert_int_equal(mode, 0660);       /* the default */
}

static void
test_control_socket_in_use_refused(void **state)
{
    cs_t   *c = *state;
    int     live = bind_at(c->sock, 1);
    mode_t  mode = 0;
    char    want[192];

    (void) state;
    cs_load(c, NULL, "socket = \"c.sock\";");
    assert_int_equal(or_control_module.init_master(c->cycle, NULL),
                     OR_ERROR);
    snprintf(want, sizeof(want), "control socket \"%s\" is in use by a "
             "running daemon", c->sock);
    assert_true(log_has(c, want));
    /* the running daemon's socket is left alone */
    assert_true(is_socket(c->sock, &mode));
    close(live);
}

static void
test_control_socket_no_directory(void **state)
{
    cs_t *c = *state;
    char  want[256];

    (void) state;
    cs_load(c, NULL, "socket = \"nodir/c.sock\";");
    assert_int_equal(or_control_module.init_master(c->cycle, NULL),
                     OR_ERROR);
    snprintf(want, sizeof(want), "bind() to control socket \"%s/nodir/"
             "c.sock\" failed: directory \"%s/nodir\" does not exist",
             c->dir, c->dir);
    assert_true(log_has(c, want));
}

/* sun_path holds 107 bytes and a NUL: the prefix and a relative path of
 * 107 - strlen(prefix) bytes fit, one more byte is refused */
static void
test_control_socket_path_bound(void **state)
{
    cs_t   *c = *state;
    char    rel[128], control[192], want[256], full[200];
    size_t  room = 107 - (strlen(c->dir) + 1);
    mode_t  mode;

    (void) state;
    memset(rel, 's', room + 1);
    rel[room + 1] = '\0';
    snprintf(control, sizeof(control), "socket = \"%s\";", rel);
    cs_load(c, NULL, control);
    assert_int_equal(or_control_module.init_master(c->cycle, NULL),
                     OR_ERROR);
    snprintf(want, sizeof(want), "control socket path \"%s/%s\" is longer "
             "than 107 bytes", c->dir, rel);
    assert_true(log_has(c, want));
    or_cycle_free(c->cycle);

    rel[room] = '\0';
    snprintf(control, sizeof(control), "socket = \"%s\";", rel);
    cs_load(c, NULL, control);
    assert_int_equal(or_control_module.init_master(c->cycle, NULL), OR_OK);
    snprintf(full, sizeof(full), "%s/%s", c->dir, rel);
    assert_int_equal(strlen(full), 107);
    assert_true(is_socket(full, &mode));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_control_socket_bound_with_mode,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_socket_stale_removed,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_socket_in_use_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_socket_no_directory,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_socket_path_bound,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
