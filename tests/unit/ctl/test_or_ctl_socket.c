/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests of src/ctl/or_ctl_socket.c: -S wins over OPENRED_SOCKET over
 * the config; control.socket is resolved against the prefix as the daemon
 * does; no setting, a config libconfig cannot parse, or a value the daemon
 * would refuse all give the compiled-in default, with the reason (and its
 * FILE:LINE) kept for the error message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_auto_config.h"
#include "or_ctl.h"

static char dir[] = "/tmp/or_ctl_socket.XXXXXX";
static char conf[sizeof(dir) + 32];

static int
setup(void **state)
{
    (void) state;
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    snprintf(conf, sizeof(conf), "%s/openred.conf", dir);
    return 0;
}

static int
teardown(void **state)
{
    char  path[sizeof(dir) + 32];

    (void) state;
    unlink(conf);
    snprintf(path, sizeof(path), "%s/control.inc", dir);
    unlink(path);
    return rmdir(dir);
}

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* find with conf as the config; the path found, why in *why */
static char *
find(const char *opt, const char *env, const char *prefix, char *why,
    size_t whylen)
{
    or_ctl_socket_t  s;

    assert_int_equal(or_ctl_socket_find(opt, env, prefix, conf, &s), OR_OK);
    snprintf(why, whylen, "%s", s.why);
    return s.path;
}

static char *
default_under(const char *prefix)
{
    char *p = or_ctl_path(prefix, OR_CONTROL_SOCKET_PATH);

    assert_non_null(p);
    return p;
}

static void
test_or_ctl_socket_find_option_env_config(void **state)
{
    char  why[512], *p;

    (void) state;
    write_file(conf, "control = { socket = \"/run/from-conf.sock\"; };\n");
    p = find("/run/opt.sock", "/run/env.sock", "/pre/", why, sizeof(why));
    assert_string_equal(p, "/run/opt.sock");
    free(p);
    p = find(NULL, "/run/env.sock", "/pre/", why, sizeof(why));
    assert_string_equal(p, "/run/env.sock");
    free(p);
    /* an empty OPENRED_SOCKET is unset, as the shell's VAR= means */
    p = find(NULL, "", "/pre/", why, sizeof(why));
    assert_string_equal(p, "/run/from-conf.sock");
    assert_string_equal(why, "");
    free(p);
    p = find(NULL, NULL, "/pre/", why, sizeof(why));
    assert_string_equal(p, "/run/from-conf.sock");
    free(p);
}

static void
test_or_ctl_socket_find_relative_under_prefix(void **state)
{
    char  why[512], *p;

    (void) state;
    write_file(conf, "control = { socket = \"logs/c.sock\"; };\n");
    p = find(NULL, NULL, "/srv/or/", why, sizeof(why));
    assert_string_equal(p, "/srv/or/logs/c.sock");
    free(p);
    /* -p without the trailing slash: the daemon adds one */
    p = find(NULL, NULL, "/srv/or", why, sizeof(why));
    assert_string_equal(p, "/srv/or/logs/c.sock");
    assert_string_equal(why, "");
    free(p);
}

static void
test_or_ctl_socket_find_no_setting_default(void **state)
{
    char  why[512], *p, *d = default_under("/srv/or/");

    (void) state;
    write_file(conf, "worker_processes = 2;\ncontrol = { mode = 0660; };\n");
    p = find(NULL, NULL, "/srv/or/", why, sizeof(why));
    assert_string_equal(p, d);
    assert_string_equal(why, "");
    free(p);
    write_file(conf, "");
    p = find(NULL, NULL, "/srv/or/", why, sizeof(why));
    assert_string_equal(p, d);
    assert_string_equal(why, "");
    free(p);
    free(d);
}

static void
test_or_ctl_socket_find_syntax_error_default(void **state)
{
    char  why[512], want[512], *p, *d = default_under("/srv/or/");

    (void) state;
    write_file(conf, "control = { socket = \"/run/c.sock\"; };\n"
               "worker_processes = ;\n");
    p = find(NULL, NULL, "/srv/or/", why, sizeof(why));
    assert_string_equal(p, d);
    snprintf(want, sizeof(want), "cannot read %s:2: syntax error", conf);
    assert_string_equal(why, want);
    free(p);
    free(d);
}

/* what libconfig reads but the daemon refuses does not matter to us */
static void
test_or_ctl_socket_find_daemon_refusal_ignored(void **state)
{
    char  why[512], want[512], *p, *d = default_under("/srv/or/");

    (void) state;
    write_file(conf, "worker_processes = \"x\";\nno_such_setting = 1;\n"
               "control = { socket = \"/run/c.sock\"; mode = \"rw\"; };\n");
    p = find(NULL, NULL, "/srv/or/", why, sizeof(why));
    assert_string_equal(p, "/run/c.sock");
    assert_string_equal(why, "");
    free(p);
    /* but a socket that is no path: the default, and why, with the line */
    write_file(conf, "\ncontrol = {\n  socket = 5;\n};\n");
    p = find(NULL, NULL, "/srv/or/", why, sizeof(why));
    assert_string_equal(p, d);
    snprintf(want, sizeof(want), "%s:3: setting \"socket\" is not a path",
             conf);
    assert_string_equal(why, want);
    free(p);
    write_file(conf, "control = { socket = \"\"; };\n");
    p = find(NULL, NULL, "/srv/or/", why, sizeof(why));
    assert_string_equal(p, d);
    free(p);
    free(d);
}

static void
test_or_ctl_socket_find_include(void **state)
{
    char  inc[sizeof(dir) + 32], why[512], *p;

    (void) state;
    snprintf(inc, sizeof(inc), "%s/control.inc", dir);
    write_file(inc, "control = { socket = \"inc.sock\"; };\n");
    /* relative to the config file's folder, as the daemon reads it */
    write_file(conf, "@include \"control.inc\"\n");
    p = find(NULL, NULL, "/srv/or/", why, sizeof(why));
    assert_string_equal(p, "/srv/or/inc.sock");
    assert_string_equal(why, "");
    free(p);
}

static void
test_or_ctl_socket_find_missing_file_default(void **state)
{
    char             why[512], *d = default_under("/srv/or/");
    or_ctl_socket_t  s;

    (void) state;
    assert_int_equal(or_ctl_socket_find(NULL, NULL, "/srv/or/",
                                        "/nonexistent/openred.conf", &s),
                     OR_OK);
    assert_string_equal(s.path, d);
    snprintf(why, sizeof(why), "cannot read /nonexistent/openred.conf: "
             "No such file or directory");
    assert_string_equal(s.why, why);
    or_ctl_socket_free(&s);
    free(d);
}

static void
test_or_ctl_path_prefix_rule(void **state)
{
    char *p;

    (void) state;
    p = or_ctl_path("/a/", "/abs/x");
    assert_string_equal(p, "/abs/x");
    free(p);
    p = or_ctl_path("/a", "rel/x");
    assert_string_equal(p, "/a/rel/x");
    free(p);
    p = or_ctl_path("/a/", "rel/x");
    assert_string_equal(p, "/a/rel/x");
    free(p);
    p = or_ctl_path("", "rel/x");
    assert_string_equal(p, "/rel/x");
    free(p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_ctl_socket_find_option_env_config),
        cmocka_unit_test(test_or_ctl_socket_find_relative_under_prefix),
        cmocka_unit_test(test_or_ctl_socket_find_no_setting_default),
        cmocka_unit_test(test_or_ctl_socket_find_syntax_error_default),
        cmocka_unit_test(test_or_ctl_socket_find_daemon_refusal_ignored),
        cmocka_unit_test(test_or_ctl_socket_find_include),
        cmocka_unit_test(test_or_ctl_socket_find_missing_file_default),
        cmocka_unit_test(test_or_ctl_path_prefix_rule),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
