/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The config loader: the example config, defaults, inheritance, and each
 * kind of error with its exact FILE:LINE text.
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
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_module.h"

#define DATA "tests/unit/data/conf/"

typedef struct {
    or_cycle_t        *cycle;
    or_conf_report_t   report;
    or_err_t           rc;
} loaded_t;

static loaded_t *
load(const char *file, const char *directives)
{
    loaded_t *l = calloc(1, sizeof(*l));

    assert_non_null(l);
    l->cycle = or_cycle_new("/pfx", file, directives);
    assert_non_null(l->cycle);
    l->rc = or_conf_load(l->cycle, file, directives, &l->report);
    return l;
}

static void
unload(loaded_t *l)
{
    or_conf_report_free(&l->report);
    or_cycle_free(l->cycle);
    free(l);
}

static void
assert_errors(const char *file, const char *expected)
{
    loaded_t *l = load(file, NULL);

    assert_int_equal(l->rc, OR_ECONF);
    assert_non_null(l->report.text);
    assert_string_equal(l->report.text, expected);
    unload(l);
}

/* Finds a row of any module by name, to read a node value generically. */
__attribute__((unused)) static const void *
node_field(or_node_t *node, const char *group, const char *name)
{
    for (size_t m = 0; or_modules[m] != NULL; m++) {
        for (const or_setting_t *r = or_modules[m]->settings;
             r && r->name; r++)
        {
            if (strcmp(r->name, name) == 0
                && ((group == NULL && r->group == NULL)
                    || (group && r->group && !strcmp(group, r->group))))
            {
                return (char *) node->conf[m] + r->offset;
            }
        }
    }
    fail_msg("no setting %s", name);
    return NULL;
}

static void
test_or_conf_load_example_config(void **state)
{
    loaded_t *l = load("conf/openred.conf", NULL);

#if !OR_HAVE_SECTOR_MODULE || !OR_HAVE_DISCOVERY_MODULE \
    || !OR_HAVE_HANDSHAKE_MODULE || !OR_HAVE_CONTROL_MODULE
    /* the example uses every module's settings: a build without one must
     * name each module left out */
    assert_int_equal(l->rc, OR_ECONF);
#if !OR_HAVE_SECTOR_MODULE
    assert_non_null(strstr(l->report.text, "setting \"filter\": belongs to "
                           "the sector module, which is not compiled in"));
#endif
#if !OR_HAVE_DISCOVERY_MODULE
    assert_non_null(strstr(l->report.text, "setting \"discovery\": belongs "
                           "to the discovery module, which is not compiled "
                           "in"));
#endif
#if !OR_HAVE_HANDSHAKE_MODULE
    assert_non_null(strstr(l->report.text, "setting \"auto_connect\": "
                           "belongs to the handshake module, which is not "
                           "compiled in"));
#endif
#if !OR_HAVE_CONTROL_MODULE
    assert_non_null(strstr(l->report.text, "setting \"control\": belongs to "
                           "the control module, which is not compiled in"));
#endif
    unload(l);
    return;
#endif
#if !OR_HAVE_HANDSHAKE_MODULE
    assert_int_equal(l->rc, OR_ECONF);
    assert_non_null(strstr(l->report.text, "conf/openred.conf:47: setting "
                           "\"auto_connect\": belongs to the handshake "
                           "module, which is not compiled in"));
    unload(l);
    return;
#endif
#if !OR_HAVE_CONTROL_MODULE
    assert_int_equal(l->rc, OR_ECONF);
    assert_non_null(strstr(l->report.text, "conf/openred.conf:20: setting "
                           "\"control\": belongs to the control module, "
                           "which is not compiled in"));
    unload(l);
    return;
#endif
#if !OR_HAVE_DISCOVERY_MODULE
    /* it sets discovery, and auto_connect and a filter that need it */
    assert_int_equal(l->rc, OR_ECONF);
    assert_non_null(strstr(l->report.text, "conf/openred.conf:29: setting "
                           "\"discovery\": belongs to the discovery module, "
                           "which is not compiled in"));
    assert_non_null(strstr(l->report.text, "conf/openred.conf:47: setting "
                           "\"auto_connect\": needs the discovery module, "
                           "which this build leaves out "
                           "(--without-discovery_module)\n"));
    assert_non_null(strstr(l->report.text, "conf/openred.conf:52: setting "
                           "\"filter\": needs the discovery module, which "
                           "this build leaves out "
                           "(--without-discovery_module)\n"));
    unload(l);
    return;
#endif
    if (l->rc != OR_OK) {
        fail_msg("%s", l->report.text);
    }
    assert_int_equal(l->cycle->nnodes, 2);
    assert_string_equal(l->cycle->nodes[0].id, "tech_node");
    assert_string_equal(l->cycle->nodes[1].id, "health_node");
    assert_int_equal(or_core_main(l->cycle)->worker_processes, 2);
    assert_int_equal(or_core_node(&l->cycle->nodes[1])->listen.port, 9002);
    unload(l);
}

static void
test_or_conf_load_defaults(void **state)
{
    loaded_t            *l = load(DATA "minimal.conf", NULL);
    or_core_main_conf_t *mc;
    or_core_node_conf_t *nc;

    assert_int_equal(l->rc, OR_OK);
    mc = or_core_main(l->cycle);
    nc = or_core_node(&l->cycle->nodes[0]);
    assert_int_equal(mc->daemon, 1);
    assert_int_equal(mc->worker_shutdown_timeout, 30);
    assert_true(mc->worker_processes >= 1);
    /* relative defaults hang under the prefix; a packager's absolute
     * configure paths stay as they are */
    assert_string_equal(mc->pid, OR_PID_PATH[0] == '/'
                                 ? OR_PID_PATH : "/pfx/" OR_PID_PATH);
    assert_string_equal(nc->key, OR_STATE_PATH[0] == '/'
                                 ? OR_STATE_PATH "/n1.pem"
                                 : "/pfx/" OR_STATE_PATH "/n1.pem");
    assert_int_equal(nc->services.n, 0);
#if OR_HAVE_DISCOVERY_MODULE
    assert_int_equal(*(const int64_t *) node_field(&l->cycle->nodes[0],
                                                   "discovery", "port"),
                     5354);
#endif
    unload(l);
}

/* error_log path "stderr" is the stream, not a file under the prefix;
 * any other relative path still is. */
static void
test_or_conf_load_error_log_stderr(void **state)
{
    loaded_t *l = load(DATA "minimal.conf",
                       "error_log = { path = \"stderr\"; };");

    assert_int_equal(l->rc, OR_OK);
    assert_string_equal(or_core_main(l->cycle)->error_log_path, "stderr");
    unload(l);
    l = load(DATA "minimal.conf", "error_log = { path = \"stderr.log\"; };");
    assert_int_equal(l->rc, OR_OK);
    assert_string_equal(or_core_main(l->cycle)->error_log_path,
                        "/pfx/stderr.log");
    unload(l);
}

static void
test_or_conf_load_inherits_discovery(void **state)
{
#if OR_HAVE_DISCOVERY_MODULE
    loaded_t *l = load(DATA "inherit.conf", NULL);

    assert_int_equal(l->rc, OR_OK);
    /* top-level value reaches both nodes; the node's own one wins */
    assert_int_equal(*(const int64_t *) node_field(&l->cycle->nodes[0],
                                                   "discovery", "port"),
                     6000);
    assert_int_equal(*(const int64_t *) node_field(&l->cycle->nodes[1],
                                                   "discovery", "port"),
                     6000);
    assert_string_equal(*(char *const *) node_field(&l->cycle->nodes[0],
                            "discovery", "passphrase"), "top");
    assert_string_equal(*(char *const *) node_field(&l->cycle->nodes[1],
                            "discovery", "passphrase"), "own");
    assert_int_equal(or_core_node(&l->cycle->nodes[1])->listen.sa.ss_family,
                     AF_INET6);
    unload(l);
#else
    skip();
#endif
}

static void
test_or_conf_load_directives_win(void **state)
{
    loaded_t *l = load(DATA "minimal.conf", "daemon = false; "
                                             "worker_processes = 3;");

    assert_int_equal(l->rc, OR_OK);
    assert_int_equal(or_core_main(l->cycle)->daemon, 0);
    assert_int_equal(or_core_main(l->cycle)->worker_processes, 3);
    unload(l);
}

static void
test_or_conf_load_unknown_setting(void **state)
{
    assert_errors(DATA "unknown.conf",
        DATA "unknown.conf:2: setting \"colour\": unknown setting\n"
        DATA "unknown.conf:4: setting \"bogus\": unknown setting\n");
}

static void
test_or_conf_load_wrong_type(void **state)
{
    assert_errors(DATA "wrong-type.conf",
        DATA "wrong-type.conf:2: setting \"daemon\": expected true or "
        "false, got a string\n");
}

static void
test_or_conf_load_out_of_range(void **state)
{
#if OR_HAVE_DISCOVERY_MODULE
    assert_errors(DATA "range.conf",
        DATA "range.conf:2: setting \"port\": 70000 is out of range "
        "1..65535\n");
#else
    skip();
#endif
}

static void
test_or_conf_load_duplicate_port(void **state)
{
    assert_errors(DATA "dup-port.conf",
        DATA "dup-port.conf:3: setting \"listen\": port 9001 already used "
        "by node \"tech_node\" (line 2)\n");
}

static void
test_or_conf_load_duplicate_id(void **state)
{
    assert_errors(DATA "dup-id.conf",
        DATA "dup-id.conf:3: setting \"id\": node \"same\" already defined "
        "(line 2)\n");
}

static void
test_or_conf_load_syntax_error(void **state)
{
    assert_errors(DATA "syntax.conf",
        DATA "syntax.conf:2: syntax error\n");
}

static void
test_or_conf_load_bad_address(void **state)
{
    assert_errors(DATA "bad-addr.conf",
        DATA "bad-addr.conf:2: setting \"listen\": \"localhost\" is not a "
        "numeric IPv4 address or a bracketed IPv6 address\n"
        DATA "bad-addr.conf:3: setting \"listen\": \"127.0.0.1\" is not an "
        "address (expected \"host:port\" or \"[ipv6]:port\")\n"
        DATA "bad-addr.conf:4: setting \"listen\": port 0 is out of range "
        "1..65535\n"
        /* fuzz_conf: strtol() took what was around the digits, and -T
         * could not give such a value back as it was read */
        DATA "bad-addr.conf:5: setting \"listen\": \"127.0.0.1: 9004\" is "
        "not an address (expected \"host:port\" or \"[ipv6]:port\")\n"
        DATA "bad-addr.conf:6: setting \"listen\": \"[::1]:+9005\" is not "
        "an address (expected \"host:port\" or \"[ipv6]:port\")\n"
        DATA "bad-addr.conf:7: setting \"listen\": \"127.0.0.1:000009006\" "
        "is not an address (expected \"host:port\" or \"[ipv6]:port\")\n");
}

/* fuzz_conf: an element of nodes that is not a group was kept as a node
 * with no settings filled in, and the discovery module's postconf then
 * compared its NULL group: `openred -t` died of SIGSEGV */
static void
test_or_conf_load_node_not_a_group(void **state)
{
    assert_errors(DATA "not-a-group.conf",
        DATA "not-a-group.conf:2: setting \"nodes\": each node must be a "
        "group { ... }\n");
}

/* fuzz_conf, the same crash by another road: a wrong value left the
 * setting NULL instead of its default, and with a second node the
 * discovery postconf compared it */
static void
test_or_conf_load_bad_values_keep_defaults(void **state)
{
#if OR_HAVE_DISCOVERY_MODULE
    assert_errors(DATA "bad-discovery-values.conf",
        DATA "bad-discovery-values.conf:3: setting \"group\": expected a "
        "string, got an integer\n"
        DATA "bad-discovery-values.conf:3: setting \"interface\": expected "
        "a string, got an integer\n"
        DATA "bad-discovery-values.conf:3: setting \"passphrase\": expected "
        "a string, got an integer\n"
        DATA "bad-discovery-values.conf:5: setting \"group\": \"300.1.1.1\" "
        "is not an IPv4 multicast address (224.0.0.0 to 239.255.255.255)\n");
#else
    skip();
#endif
}

static void
test_or_conf_load_missing_required(void **state)
{
    assert_errors(DATA "missing.conf",
        DATA "missing.conf:2: setting \"id\": missing in the node block\n");
}

static void
test_or_conf_load_misplaced_setting(void **state)
{
    assert_errors(DATA "misplaced.conf",
        DATA "misplaced.conf:1: setting \"sector\": allowed only in a node "
        "block\n"
        DATA "misplaced.conf:3: setting \"worker_processes\": not allowed "
        "in a node block\n");
}

static void
test_or_conf_load_bad_regex_or_absent_module(void **state)
{
#if OR_HAVE_SECTOR_MODULE
    assert_errors(DATA "bad-regex.conf",
        DATA "bad-regex.conf:3: setting \"accept_sectors\": bad pattern "
        "\"(tech\": missing closing parenthesis at offset 5\n");
#else
    assert_errors(DATA "bad-regex.conf",
        DATA "bad-regex.conf:3: setting \"filter\": belongs to the sector "
        "module, which is not compiled in (configure "
        "--without-sector_module)\n");
#endif
}

static void
test_or_conf_load_mode_digits_are_octal(void **state)
{
#if OR_HAVE_CONTROL_MODULE
    loaded_t *l = load(DATA "mode.conf", NULL);

    assert_int_equal(l->rc, OR_OK);
    unload(l);
    assert_errors(DATA "bad-mode.conf",
        DATA "bad-mode.conf:1: setting \"mode\": 689 is not a file mode "
        "(octal digits, at most 0777)\n");
#else
    skip();
#endif
}

static void
test_or_conf_load_no_nodes(void **state)
{
    assert_errors(DATA "no-nodes.conf",
        DATA "no-nodes.conf:1: setting \"nodes\": at least one node block "
        "is required\n");
}

static void
test_or_conf_load_error_in_included_file(void **state)
{
    assert_errors(DATA "include.conf",
        DATA "included.inc:2: setting \"nope\": unknown setting\n");
}

/* Issue 18: an interface that does not exist fails -t (and a reload) at
 * its line, not only the start's socket; one that exists passes. */
static void
test_or_conf_load_discovery_interface(void **state)
{
#if OR_HAVE_DISCOVERY_MODULE
    loaded_t *l = load(DATA "interface-lo.conf", NULL);

    assert_int_equal(l->rc, OR_OK);
    unload(l);
    assert_errors(DATA "bad-interface.conf",
        DATA "bad-interface.conf:2: setting \"interface\": no interface "
        "\"or-nosuch0\" on this host (ip link shows them)\n");
#else
    assert_errors(DATA "bad-interface.conf",
        DATA "bad-interface.conf:2: setting \"discovery\": belongs to the "
        "discovery module, which is not compiled in (configure "
        "--without-discovery_module)\n");
#endif
}

static void
test_or_conf_load_missing_file(void **state)
{
    assert_errors(DATA "does-not-exist.conf",
        DATA "does-not-exist.conf: cannot read the file (No such file or "
        "directory)\n");
}

/* Found by fuzz_conf: a newline inside a quoted value split one error
 * over two lines. */
static void
test_or_conf_error_keeps_one_line(void **state)
{
    or_cycle_t       *cycle = or_cycle_new("/pfx", "s.conf", NULL);
    or_conf_report_t  r = { NULL, 0, 0, 0 };

    assert_int_equal(or_conf_load_string(cycle, "s.conf",
                     "nodes = ( { id = \"n\n1\"; sector = \"tech\"; "
                     "listen = \"127.0.0.1:9001\"; } );", &r), OR_ECONF);
    assert_string_equal(r.text, "s.conf:1: setting \"id\": \"n?1\" has a "
                        "character other than letters, digits, '_', '-' "
                        "and '.'\n");
    or_conf_report_free(&r);
    or_cycle_free(cycle);
}

/* Found by fuzz_conf: -T printed "a\"b" as "a"b", which does not load. */
static void
test_or_conf_dump_escapes_strings(void **state)
{
    const char       *text = "nodes = ( { id = \"n1\"; sector = \"a\\\"b\\\\c"
                             "\\x01\"; listen = \"127.0.0.1:9001\"; "
                             "services = [\"q\\\"s\"]; } );";
    char              path[] = "/tmp/or-dump-XXXXXX";
    int               fd = mkstemp(path);
    or_cycle_t       *a = or_cycle_new("/pfx", "a.conf", NULL);
    or_cycle_t       *b = or_cycle_new("/pfx", path, NULL);
    or_conf_report_t  r = { NULL, 0, 0, 0 };

    assert_true(fd >= 0);
    assert_int_equal(or_conf_load_string(a, "a.conf", text, &r), OR_OK);
    or_conf_dump(a, fd);
    close(fd);
    if (or_conf_load(b, path, NULL, &r) != OR_OK) {
        fail_msg("%s", r.text);
    }
    assert_string_equal(or_core_node(&b->nodes[0])->sector, "a\"b\\c\x01");
    assert_string_equal(or_core_node(&b->nodes[0])->services.v[0], "q\"s");
    unlink(path);
    or_conf_report_free(&r);
    or_cycle_free(a);
    or_cycle_free(b);
}

static void
test_or_module_registry_lists_core_first(void **state)
{
    assert_non_null(or_modules[0]);
    assert_string_equal(or_modules[0]->name, "core");
    assert_int_equal(strncmp(OR_MODULE_NAMES, "core", 4), 0);
    for (size_t i = 0; or_modules[i] != NULL; i++) {
        assert_non_null(strstr(OR_MODULE_NAMES, or_modules[i]->name));
    }
}

static void
test_or_conf_parse_addr_ipv6(void **state)
{
    or_addr_t a;
    char      err[256];

    assert_int_equal(or_conf_parse_addr("[::]:9001", &a, err, sizeof(err)),
                     OR_OK);
    assert_int_equal(a.port, 9001);
    assert_int_equal(a.sa.ss_family, AF_INET6);
    assert_int_equal(or_conf_parse_addr("::1:9001", &a, err, sizeof(err)),
                     OR_ECONF);
    assert_int_equal(or_conf_parse_addr("1.2.3.4:9x", &a, err, sizeof(err)),
                     OR_ECONF);
}

/* Where each node setting was given: its own line, a group's line for
 * the group, an inherited one at the top level, nothing for a default. */
static void
test_or_conf_source_lines(void **state)
{
    or_cycle_t       *c = or_cycle_new("/pfx", "s.conf", NULL);
    or_conf_report_t  rep = { NULL, 0, 0, 0 };
    const char       *file = NULL;
    int               line = 0;
    const char       *text =
#if OR_HAVE_DISCOVERY_MODULE
        "discovery = {\n"
        "  port = 5400;\n"
        "};\n"
#else
        "\n\n\n"
#endif
        "nodes = ({ id = \"a\"; sector = \"tech\";\n"
        "  listen = \"127.0.0.1:9001\";\n"
        "  services = [\"x\"];\n"
        "});\n";

    assert_non_null(c);
    assert_int_equal(or_conf_load_string(c, "s.conf", text, &rep), OR_OK);
    assert_true(or_conf_source(&c->nodes[0], NULL, "services", &file,
                               &line));
    assert_string_equal(file, "s.conf");
    assert_int_equal(line, 6);
    assert_true(or_conf_source(&c->nodes[0], NULL, "listen", &file, &line));
    assert_int_equal(line, 5);
    /* a default has no place */
    assert_false(or_conf_source(&c->nodes[0], NULL, "key", &file, &line));
#if OR_HAVE_DISCOVERY_MODULE
    /* inherited from the top level: where it was written there */
    assert_true(or_conf_source(&c->nodes[0], "discovery", "port", &file,
                               &line));
    assert_int_equal(line, 2);
    assert_true(or_conf_source(&c->nodes[0], "discovery", NULL, &file,
                               &line));
    assert_int_equal(line, 1);
    assert_false(or_conf_source(&c->nodes[0], "discovery", "ttl", &file,
                                &line));
#endif
    or_conf_report_free(&rep);
    or_cycle_free(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_conf_load_example_config),
        cmocka_unit_test(test_or_conf_source_lines),
        cmocka_unit_test(test_or_conf_load_defaults),
        cmocka_unit_test(test_or_conf_load_error_log_stderr),
        cmocka_unit_test(test_or_conf_load_inherits_discovery),
        cmocka_unit_test(test_or_conf_load_directives_win),
        cmocka_unit_test(test_or_conf_load_unknown_setting),
        cmocka_unit_test(test_or_conf_load_wrong_type),
        cmocka_unit_test(test_or_conf_load_out_of_range),
        cmocka_unit_test(test_or_conf_load_duplicate_port),
        cmocka_unit_test(test_or_conf_load_duplicate_id),
        cmocka_unit_test(test_or_conf_load_syntax_error),
        cmocka_unit_test(test_or_conf_load_bad_address),
        cmocka_unit_test(test_or_conf_load_node_not_a_group),
        cmocka_unit_test(test_or_conf_load_bad_values_keep_defaults),
        cmocka_unit_test(test_or_conf_load_missing_required),
        cmocka_unit_test(test_or_conf_load_misplaced_setting),
        cmocka_unit_test(test_or_conf_load_bad_regex_or_absent_module),
        cmocka_unit_test(test_or_conf_load_mode_digits_are_octal),
        cmocka_unit_test(test_or_conf_load_no_nodes),
        cmocka_unit_test(test_or_conf_load_error_in_included_file),
        cmocka_unit_test(test_or_conf_load_missing_file),
        cmocka_unit_test(test_or_conf_load_discovery_interface),
        cmocka_unit_test(test_or_conf_error_keeps_one_line),
        cmocka_unit_test(test_or_conf_dump_escapes_strings),
        cmocka_unit_test(test_or_module_registry_lists_core_first),
        cmocka_unit_test(test_or_conf_parse_addr_ipv6),
    };

    return cmocka_run_group_tests_name("or_conf", tests, NULL, NULL);
}
