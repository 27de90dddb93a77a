/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_handshake_module.c's worker and control commands: the
 * module's own init_worker on a fixture's cycle (node n0, key A), dialling
 * a second fixture (key B) with `connect`, then `send`. Each refusal of
 * `connect` and `send` with its exact text, the payload bound at its
 * exact value (OR_MESSAGE_MAX - 1024 bytes sent, one more refused), a
 * send handed to the worker holding the session, and the hand-off socket
 * closing a session with the reason given.
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
#include <cmocka.h>
#include <jansson.h>

#include "or_hs_fixture.h"
#include "or_handoff.h"
#include "or_limits.h"
#include "or_module.h"
#include "or_session.h"
#include "or_shm.h"

extern or_module_t or_handshake_module;

#define PAYLOAD_MAX  (OR_MESSAGE_MAX - 1024)

typedef struct {
    hsf_t        *f;        /* the module's worker runs on f's cycle */
    hsf_t        *g;        /* the peer: node n0 of key B */
    or_worker_t   w;
    uint16_t      port;     /* the module's listener for n0 */
} mod_t;

static int
setup(void **state)
{
    static const int ka[] = { HSF_A }, kb[] = { HSF_B };
    mod_t           *m = calloc(1, sizeof(*m));

    assert_non_null(m);
    hsf_now = 0;
    m->f = hsf_new(ka, 1, 16384);      /* the setting's default */
    m->g = hsf_new(kb, 1, 16384);
    m->f->cycle->nodes[0].listen_fd = hsf_listen(&m->port);
    m->w.index = 0;
    m->w.pid = getpid();
    m->w.loop = m->f->loop;
    m->w.cycle = m->f->cycle;
    assert_int_equal(or_handshake_module.init_worker(m->f->cycle, &m->w),
                     OR_OK);
    *state = m;
    return 0;
}

static int
teardown(void **state)
{
    mod_t *m = *state;

    or_handshake_module.exit_worker(m->f->cycle, &m->w);
    /* the one on-quit handler the module registered (a plain calloc) */
    free(m->w.quit);
    close(m->f->cycle->nodes[0].listen_fd);
    hsf_free(m->g);
    hsf_free(m->f);
    free(m);
    return 0;
}

/* Runs the command name with request (JSON text); err gets its refusal. */
static or_err_t
cmd(mod_t *m, const char *name, json_t *req, json_t **reply, char *err,
    size_t errlen)
{
    const or_ctl_command_t *c = or_handshake_module.commands;
    or_err_t                rc;

    while (c->name != NULL && strcmp(c->name, name) != 0) {
        c++;
    }
    assert_non_null(c->name);
    err[0] = '\0';
    *reply = NULL;
    rc = c->handler(m->f->cycle, req, reply, err, errlen);
    json_decref(req);
    return rc;
}

/* The command must be refused with exactly want. */
static void
refused(mod_t *m, const char *name, json_t *req, const char *want)
{
    json_t *reply;
    char    err[512];

    assert_int_equal(cmd(m, name, req, &reply, err, sizeof(err)), OR_ERROR);
    assert_null(reply);
    assert_string_equal(err, want);
}

static json_t *
conn_req(const char *node, const char *addr, const char *peer)
{
    json_t *r = json_object();

    if (node != NULL) {
        json_object_set_new(r, "node", json_string(node));
    }
    if (addr != NULL) {
        json_object_set_new(r, "address", json_string(addr));
    }
    if (peer != NULL) {
        json_object_set_new(r, "peer", json_string(peer));
    }
    return r;
}

static int
g_has_session(void *arg)
{
    mod_t *m = arg;

    return hsf_sessions(m->g, 0, OR_SESSION_IN) == 1
           && hsf_sessions(m->f, 0, OR_SESSION_OUT) == 1;
}

/* n0 dials g with `connect`; the session is in both tables. */
static void
connect_g(mod_t *m, or_session_t *s)
{
    char    addr[32], err[256];
    json_t *reply;

    snprintf(addr, sizeof(addr), "127.0.0.1:%u", (unsigned) m->g->port[0]);
    assert_int_equal(cmd(m, "connect", conn_req("n0", addr, hsf_fp[HSF_B]),
                         &reply, err, sizeof(err)), OR_OK);
    assert_true(json_is_integer(json_object_get(reply, "since")));
    json_decref(reply);
    assert_true(hsf_run_until(m->f, m->g, g_has_session, m));
    assert_true(hsf_session(m->f, 0, hsf_fp[HSF_B], s) >= 0);
    assert_int_equal(s->pid, getpid());
    assert_true(s->handoff != 0);
}

static void
test_connect_refusals(void **state)
{
    mod_t *m = *state;
    char   id[65], want[256];

    refused(m, "connect", conn_req("nx", "127.0.0.1:1", hsf_fp[HSF_B]),
            "no node \"nx\"");
    refused(m, "connect", conn_req(NULL, "127.0.0.1:1", hsf_fp[HSF_B]),
            "no node \"\"");
    /* a v3 id: 64 lowercase hex, an upper-case digit refused */
    memset(id, 'a', 64);
    id[64] = '\0';
    id[10] = 'A';
    snprintf(want, sizeof(want), "id \"%s\": expected 64 lowercase hex "
             "characters", id);
    refused(m, "connect", conn_req("n0", "127.0.0.1:1", id), want);
    /* a v2 fingerprint: 16 exactly; 15, 17, upper case, none refused */
    refused(m, "connect", conn_req("n0", "127.0.0.1:1", "0123456789abcde"),
            "fingerprint \"0123456789abcde\": expected 16 lowercase hex "
            "characters (v2) or a 64-hex id (v3)");
    refused(m, "connect", conn_req("n0", "127.0.0.1:1", "0123456789abcdef0"),
            "fingerprint \"0123456789abcdef0\": expected 16 lowercase hex "
            "characters (v2) or a 64-hex id (v3)");
    refused(m, "connect", conn_req("n0", "127.0.0.1:1", "0123456789ABCDEF"),
            "fingerprint \"0123456789ABCDEF\": expected 16 lowercase hex "
            "characters (v2) or a 64-hex id (v3)");
    refused(m, "connect", conn_req("n0", "127.0.0.1:1", NULL),
            "fingerprint \"\": expected 16 lowercase hex characters (v2) "
            "or a 64-hex id (v3)");
    /* 16 hex passes that check: the address is next */
    refused(m, "connect", conn_req("n0", NULL, "0123456789abcdef"),
            "no address");
    /* a node of this daemon is not dialled */
    snprintf(want, sizeof(want), "%s is node \"n0\" of this daemon",
             hsf_fp[HSF_A]);
    refused(m, "connect", conn_req("n0", "127.0.0.1:1", hsf_fp[HSF_A]),
            want);
    assert_int_equal(hsf_conns(m->g, -1), 0);
}

static void
test_connect_bad_address(void **state)
{
    mod_t  *m = *state;
    json_t *reply;
    char    err[256];

    assert_int_equal(cmd(m, "connect", conn_req("n0", "127.0.0.1",
                                                "0123456789abcdef"),
                         &reply, err, sizeof(err)), OR_ERROR);
    assert_null(reply);
    assert_true(err[0] != '\0');
    assert_null(strstr(err, "no address"));
}

static json_t *
send_req(const char *peer, json_t *payload)
{
    json_t *r = json_object();

    if (peer != NULL) {
        json_object_set_new(r, "peer", json_string(peer));
    }
    if (payload != NULL) {
        json_object_set_new(r, "payload", payload);
    }
    return r;
}

static void
test_send_refusals(void **state)
{
    mod_t *m = *state;
    char   want[128];

    refused(m, "send", send_req("0123456789abcde", json_object()),
            "expected a fingerprint (16 lowercase hex) and a JSON object "
            "payload");
    refused(m, "send", send_req(hsf_fp[HSF_B], json_array()),
            "expected a fingerprint (16 lowercase hex) and a JSON object "
            "payload");
    refused(m, "send", send_req(hsf_fp[HSF_B], NULL),
            "expected a fingerprint (16 lowercase hex) and a JSON object "
            "payload");
    snprintf(want, sizeof(want), "no session with %s", hsf_fp[HSF_B]);
    refused(m, "send", send_req(hsf_fp[HSF_B], json_object()), want);
}

/* {"x":"aaa..."} of n bytes compact: 8 + the string */
static json_t *
payload_of(size_t n)
{
    char   *s = malloc(n - 8 + 1);
    json_t *o;

    assert_non_null(s);
    memset(s, 'a', n - 8);
    s[n - 8] = '\0';
    o = json_pack("{s:s}", "x", s);
    free(s);
    return o;
}

static int
g_got(void *arg)
{
    void **a = arg;

    return hsf_event_count(a[0], OR_EVT_MESSAGE) >= (int) (uintptr_t) a[1];
}

static void
test_send_payload_bound(void **state)
{
    mod_t        *m = *state;
    or_session_t  s;
    json_t       *reply;
    char          err[256], want[64];
    void         *a[2] = { m->g, (void *) (uintptr_t) 1 };

    connect_g(m, &s);
    snprintf(want, sizeof(want), "payload over %d bytes", PAYLOAD_MAX);
    refused(m, "send", send_req(hsf_fp[HSF_B], payload_of(PAYLOAD_MAX + 1)),
            want);
    assert_int_equal(cmd(m, "send", send_req(hsf_fp[HSF_B],
                                             payload_of(PAYLOAD_MAX)),
                         &reply, err, sizeof(err)), OR_OK);
    assert_string_equal(json_string_value(json_object_get(reply, "node")),
                        "n0");
    assert_string_equal(json_string_value(json_object_get(reply, "peer")),
                        hsf_fp[HSF_B]);
    json_decref(reply);
    assert_true(hsf_run_until(m->f, m->g, g_got, a));
    assert_int_equal(hsf_event_count(m->g, OR_EVT_MESSAGE), 1);
    assert_true(hsf_session(m->f, 0, hsf_fp[HSF_B], &s) >= 0);
    assert_int_equal(s.messages_out, 1);
}

static int
log_has(void *arg)
{
    void **a = arg;

    return hsf_log_count(a[0], a[1]) > 0;
}

/* A session another worker holds: the send goes to its hand-off socket
 * (here the module's own, which holds no such connection and says so). */
static void
test_send_handed_off(void **state)
{
    mod_t        *m = *state;
    or_session_t  s;
    uint64_t      id;
    json_t       *reply;
    char          err[256], line[128];
    void         *a[2] = { m->f, line };

    connect_g(m, &s);
    id = hsf_session_add_at(m->f, 0, hsf_fp[HSF_M], OR_SESSION_OUT,
                            getppid(), s.handoff);
    assert_int_equal(cmd(m, "send", send_req(hsf_fp[HSF_M],
                                             json_pack("{s:i}", "n", 1)),
                         &reply, err, sizeof(err)), OR_OK);
    assert_int_equal(json_integer_value(json_object_get(reply, "worker")),
                     1);
    json_decref(reply);
    snprintf(line, sizeof(line), "handed-off send for session %llu failed: "
             "try again", (unsigned long long) id);
    assert_true(hsf_run_until(m->f, NULL, log_has, a));
    /* nothing reached the real session */
    assert_int_equal(hsf_event_count(m->g, OR_EVT_MESSAGE), 0);
}

static int
g_closed(void *arg)
{
    mod_t *m = arg;

    return hsf_sessions(m->g, 0, -1) == 0
           && hsf_sessions(m->f, 0, -1) == 0;
}

/* OR_HANDOFF_CLOSE: the session ends, logged with the reason sent; an
 * unknown session is logged as a failed close. */
static void
test_handoff_close(void **state)
{
    mod_t        *m = *state;
    or_session_t  s;
    char          line[128];
    void         *a[2] = { m->f, line };

    connect_g(m, &s);
    assert_int_equal(or_handoff_send(s.handoff, OR_HANDOFF_CLOSE, s.id,
                                     "node key changed by reload",
                                     strlen("node key changed by reload")),
                     OR_OK);
    assert_true(hsf_run_until(m->f, m->g, g_closed, m));
    assert_true(hsf_log_has(m->f, "session closed: node key changed by "
                            "reload"));
    assert_int_equal(or_handoff_send(s.handoff, OR_HANDOFF_CLOSE, s.id, "", 0),
                     OR_OK);
    snprintf(line, sizeof(line), "handed-off close for session %llu "
             "failed: try again", (unsigned long long) s.id);
    assert_true(hsf_run_until(m->f, NULL, log_has, a));
}

/* n sessions of node straight into f's table (peers 0, 1, ...) */
static void
fill_node(mod_t *m, const char *node, size_t n)
{
    or_shm_zone_t      *z = or_session_zone(m->f->cycle);
    or_session_table_t *t = or_shm_addr(z);
    or_session_t        s;
    uint64_t            id;

    for (size_t i = 0; i < n; i++) {
        memset(&s, 0, sizeof(s));
        snprintf(s.node, sizeof(s.node), "%s", node);
        snprintf(s.peer, sizeof(s.peer), "%016zx", i);
        snprintf(s.address, sizeof(s.address), "127.0.0.1:%zu", i % 65536);
        s.pid = getpid();
        or_shm_lock(z);
        assert_true(or_session_add(t, &s, &id) >= 0);
        or_shm_unlock(z);
    }
}

static void
fill(mod_t *m, size_t n)
{
    fill_node(m, "n0", n);
}

static json_t *
page_req(json_int_t offset, json_int_t limit)
{
    json_t *r = json_object();

    if (offset >= 0) {
        json_object_set_new(r, "offset", json_integer(offset));
    }
    if (limit >= 0) {
        json_object_set_new(r, "limit", json_integer(limit));
    }
    return r;
}

/* `sessions` answers one page of OR_CONTROL_SESSIONS_PAGE at most, with
 * the total: at the exact bound, one past it, and its arguments refused */
static void
test_sessions_pages(void **state)
{
    mod_t  *m = *state;
    json_t *reply;
    char    err[256];
    size_t  n = OR_CONTROL_SESSIONS_PAGE + 1;

    fill(m, n);
    assert_int_equal(cmd(m, "sessions", page_req(-1, -1), &reply, err,
                         sizeof(err)), OR_OK);
    assert_int_equal(json_array_size(json_object_get(reply, "sessions")),
                     OR_CONTROL_SESSIONS_PAGE);
    assert_int_equal(json_integer_value(json_object_get(reply, "total")), n);
    assert_int_equal(json_integer_value(json_object_get(reply, "offset")), 0);
    json_decref(reply);
    assert_int_equal(cmd(m, "sessions", page_req(OR_CONTROL_SESSIONS_PAGE,
                                                 -1), &reply, err,
                         sizeof(err)), OR_OK);
    assert_int_equal(json_array_size(json_object_get(reply, "sessions")), 1);
    json_decref(reply);
    assert_int_equal(cmd(m, "sessions", page_req((json_int_t) n, -1),
                         &reply, err, sizeof(err)), OR_OK);
    assert_int_equal(json_array_size(json_object_get(reply, "sessions")), 0);
    json_decref(reply);
    assert_int_equal(cmd(m, "sessions", page_req(2, 3), &reply, err,
                         sizeof(err)), OR_OK);
    assert_int_equal(json_array_size(json_object_get(reply, "sessions")), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(
        json_object_get(reply, "sessions"), 0), "peer")), "0000000000000002");
    json_decref(reply);
    refused(m, "sessions", page_req(-1, 0),
            "limit must be an integer of 1..10000");
    refused(m, "sessions", page_req(-1, OR_CONTROL_SESSIONS_PAGE + 1),
            "limit must be an integer of 1..10000");
    refused(m, "sessions", json_pack("{s:i}", "offset", -1),
            "offset must be an integer of 0..2147483647");
    refused(m, "sessions", json_pack("{s:s}", "offset", "1"),
            "offset must be an integer of 0..2147483647");
}

/* two nodes hold a session with one peer: `send` without a node is
 * refused and names both (slot order never chooses); with one, it is
 * that node's session that sends */
static void
test_send_two_nodes_one_peer(void **state)
{
    mod_t  *m = *state;
    json_t *req, *reply;
    char    err[256];

    fill_node(m, "n0", 1);
    fill_node(m, "n1", 1);
    refused(m, "send", send_req("0000000000000000", json_pack("{s:i}", "n",
                                                              1)),
            "nodes n0 and n1 both hold a session with 0000000000000000: "
            "name one (openredctl send --node ID)");
    req = send_req("0000000000000000", json_pack("{s:i}", "n", 1));
    json_object_set_new(req, "node", json_string("n1"));
    /* the session is a table row only: the send itself fails, past the
     * choice of node */
    assert_int_equal(cmd(m, "send", req, &reply, err, sizeof(err)),
                     OR_ERROR);
    assert_non_null(strstr(err, "sending to 0000000000000000 failed"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connect_refusals, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_connect_bad_address, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_send_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_payload_bound, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_send_handed_off, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_handoff_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions_pages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_send_two_nodes_one_peer, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, hsf_suite_setup, hsf_suite_teardown);
}
