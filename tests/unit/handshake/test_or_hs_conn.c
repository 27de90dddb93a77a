/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_hs_conn.c: a connection's life (linked, counted,
 * unlinked in any order), the one close path for every way out (peer
 * closes, close by id as a reload or replacement asks, worker exit),
 * what each publishes, and refusals in the original's reply shape.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "or_hs_conn.h"
#include "or_hs_fixture.h"

static const int KEY_B[] = { HSF_B };

/* A connection of node 0 on one end of a socketpair; *peer the other. */
static or_hs_conn_t *
conn_pair(hsf_t *f, int direction, int *peer)
{
    or_hs_conn_t *hc;
    int           sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
                                sv), 0);
    assert_int_equal(or_hs_conn_new(&f->hs, 0, sv[0], direction, &hc),
                     OR_OK);
    *peer = sv[1];
    return hc;
}

static void
list_check(hsf_t *f, size_t n)
{
    or_hs_conn_t **prevp = &f->hs.conns;
    size_t         k = 0;

    for (or_hs_conn_t *hc = f->hs.conns; hc != NULL; hc = hc->next) {
        assert_ptr_equal(hc->prevp, prevp);
        prevp = &hc->next;
        k++;
    }
    assert_int_equal(k, n);
}

static void
test_hs_conn_new_and_close_keep_list_and_counts(void **state)
{
    hsf_t        *f = hsf_new(KEY_B, 1, 16);
    or_hs_conn_t *hc[3];
    int           peer[3];

    (void) state;
    for (int i = 0; i < 3; i++) {
        hc[i] = conn_pair(f, OR_SESSION_IN, &peer[i]);
        assert_int_equal(hc[i]->slot, -1);
        assert_int_equal(hc[i]->counted_pending, 1);
        assert_int_equal(hc[i]->state, OR_HS_ACCEPTED);
    }
    assert_int_equal(f->hs.pending, 3);
    assert_int_equal(f->worker.nconns, 3);
    list_check(f, 3);
    or_hs_conn_close(hc[1], OR_LOG_INFO, NULL);     /* the middle one */
    list_check(f, 2);
    or_hs_conn_close(hc[2], OR_LOG_INFO, NULL);     /* the head */
    list_check(f, 1);
    or_hs_conn_close(hc[0], OR_LOG_INFO, NULL);
    list_check(f, 0);
    assert_int_equal(f->hs.pending, 0);
    assert_int_equal(f->worker.nconns, 0);
    /* no reason, no line */
    assert_int_equal(hsf_log_count(f, "handshake refused"), 0);
    for (int i = 0; i < 3; i++) {
        char c;

        assert_int_equal(read(peer[i], &c, 1), 0);  /* closed, nothing */
        close(peer[i]);
    }
    hsf_free(f);
}

/* Responder still reading the request: the original's {"error": ...}. */
static void
test_hs_conn_refuse_replies_in_original_shape(void **state)
{
    static const struct {
        int         reason;
        const char *detail, *reply, *logged;
    } cases[] = {
        { OR_R_BAD_SIGNATURE, "x", "{\"error\": \"handshake_verification_"
          "failed: \"}", "handshake refused: bad_signature (x), node: n0" },
        { OR_R_NOT_FOR_US, "", "{\"error\": \"handshake_not_for_this_"
          "node\"}", "handshake refused: not_for_this_node, node: n0" },
        { OR_R_HS_EXPIRED, NULL, "{\"error\": \"handshake_expired\"}",
          "handshake refused: handshake_expired, node: n0" },
        { OR_SR_LIMIT, "y", "{\"error\": \"handshake_verification_failed: "
          "limit\"}", "handshake refused: limit (y), node: n0" },
        { OR_SR_FULL, "z", "{\"error\": \"handshake_verification_failed: "
          "sessions_full\"}", "sessions_full (z)" },
    };
    hsf_t *f = hsf_new(KEY_B, 1, 16);

    (void) state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char          buf[256];
        ssize_t       n;
        int           peer;
        or_hs_conn_t *hc = conn_pair(f, OR_SESSION_IN, &peer);

        or_hs_conn_refuse(hc, cases[i].reason, cases[i].detail);
        n = read(peer, buf, sizeof(buf) - 1);
        assert_true(n > 0);
        buf[n] = '\0';
        assert_string_equal(buf, cases[i].reply);
        assert_int_equal(read(peer, buf, 1), 0);
        assert_int_equal(hsf_refused(f, 0, cases[i].reason), 1);
        assert_true(hsf_log_has(f, cases[i].logged));
        close(peer);
    }
    assert_int_equal(f->hs.pending, 0);
    hsf_free(f);
}

typedef struct {
    int   calls, ok;
    char  peer[OR_FP_LEN + 1];
} dial_log_t;

static void
dial_done(or_hs_t *hs, size_t node, const char *peer, int ok, void *data)
{
    dial_log_t *d = data;

    (void) hs;
    (void) node;
    d->calls++;
    d->ok = ok;
    snprintf(d->peer, sizeof(d->peer), "%s", peer);
}

/* The initiator sends no reply; its end is a failed dial, told once. */
static void
test_hs_conn_refuse_outbound_no_reply_dial_failed(void **state)
{
    hsf_t        *f = hsf_new(KEY_B, 1, 16);
    dial_log_t    log;
    or_hs_conn_t *hc;
    or_evt_t      ev;
    char          c;
    int           peer;

    (void) state;
    memset(&log, 0, sizeof(log));
    f->hs.dial_done = dial_done;
    f->hs.dial_data = &log;
    hc = conn_pair(f, OR_SESSION_OUT, &peer);
    strcpy(hc->sent.dialled, hsf_fp[HSF_A]);
    hc->state = OR_HS_SENT;
    or_hs_conn_refuse(hc, OR_R_BAD_SIGNATURE, "");
    assert_int_equal(read(peer, &c, 1), 0);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.ok, 0);
    assert_string_equal(log.peer, hsf_fp[HSF_A]);
    assert_true(hsf_event(f, OR_EVT_HANDSHAKE_FAILED, &ev));
    assert_string_equal(ev.peer, hsf_fp[HSF_A]);
    assert_string_equal(ev.detail, "bad_signature");
    assert_true(hsf_log_has(f, "handshake failed: bad_signature, node: n0"));
    assert_int_equal(hsf_refused(f, 0, OR_R_BAD_SIGNATURE), 1);
    close(peer);
    hsf_free(f);
}

static int
no_conns(void *arg)
{
    return hsf_conns(arg, -1) == 0;
}

/* The peer closes a session: "closed by peer", the slot is freed. */
static void
test_hs_conn_close_by_peer(void **state)
{
    hsf_t    *f = hsf_new(KEY_B, 1, 16);
    or_evt_t  ev;
    int       fd;

    (void) state;
    fd = hsf_handshake_in(f, HSF_A, hsf_now, NULL, 0, NULL);
    assert_int_equal(hsf_sessions(f, 0, -1), 1);
    close(fd);
    assert_true(hsf_run_until(f, NULL, no_conns, f));
    assert_int_equal(hsf_sessions(f, 0, -1), 0);
    assert_int_equal(f->hs.nodes[0].inbound, 0);
    assert_true(hsf_event(f, OR_EVT_SESSION_CLOSED, &ev));
    assert_string_equal(ev.detail, "closed by peer");
    assert_string_equal(ev.peer, hsf_fp[HSF_A]);
    assert_true(hsf_log_line_has(f, "session closed: closed by peer, ",
                                 ", node: n0, peer: 127.0.0.1:"));
    assert_true(hsf_log_has(f, "fingerprint: 08aca75be7a88fef, bytes in: "));
    hsf_free(f);
}

/* By id, as a reload (re-keyed node) or a replacement elsewhere asks. */
static void
test_hs_conn_close_session_by_id(void **state)
{
    hsf_t        *f = hsf_new(KEY_B, 1, 16);
    or_session_t  s;
    or_evt_t      ev;
    char          buf[64];
    size_t        n;
    int           fd, pending;

    (void) state;
    fd = hsf_handshake_in(f, HSF_A, hsf_now, NULL, 0, NULL);
    pending = hsf_connect(f->port[0]);
    hsf_run_for(f, NULL, 20);
    assert_int_equal(hsf_conns(f, -1), 2);
    assert_true(hsf_session(f, 0, hsf_fp[HSF_A], &s) >= 0);
    /* unknown ids, and a handshake in progress (id 0), are not here */
    assert_int_equal(or_hs_close_session(&f->hs, s.id + 1, "x"), OR_AGAIN);
    assert_int_equal(or_hs_close_session(&f->hs, 0, "x"), OR_AGAIN);
    assert_int_equal(or_hs_close_session(&f->hs, s.id, "node key changed "
                                         "by reload"), OR_OK);
    assert_true(hsf_read_to_eof(f, fd, buf, sizeof(buf), &n));
    assert_int_equal(n, 0);
    assert_int_equal(hsf_sessions(f, 0, -1), 0);
    assert_int_equal(hsf_conns(f, OR_HS_ACCEPTED), 1);
    assert_true(hsf_event(f, OR_EVT_SESSION_CLOSED, &ev));
    assert_string_equal(ev.detail, "node key changed by reload");
    assert_true(hsf_log_line_has(f, "session closed: node key changed by "
                                 "reload, ", ", node: n0"));
    assert_int_equal(or_hs_close_session(&f->hs, s.id, "again"), OR_AGAIN);
    close(fd);
    close(pending);
    hsf_free(f);
}

/* Worker exit: every connection, whatever its state, one close each. */
static void
test_hs_conn_close_all(void **state)
{
    hsf_t              *f = hsf_new(KEY_B, 1, 16);
    dial_log_t          log;
    struct sockaddr_in  sa;
    uint16_t            port;
    int                 lfd = hsf_listen(&port), fd, pending;

    (void) state;
    memset(&log, 0, sizeof(log));
    f->hs.dial_done = dial_done;
    f->hs.dial_data = &log;
    fd = hsf_handshake_in(f, HSF_A, hsf_now, NULL, 0, NULL);
    pending = hsf_connect(f->port[0]);
    sa = hsf_loopback(port);
    assert_int_equal(or_hs_dial(&f->hs, 0, (struct sockaddr *) &sa,
                                sizeof(sa), hsf_fp[HSF_M]), OR_OK);
    hsf_run_for(f, NULL, 20);
    assert_int_equal(hsf_conns(f, -1), 3);
    or_hs_close_all(&f->hs, "worker exiting");
    assert_int_equal(hsf_conns(f, -1), 0);
    assert_int_equal(f->hs.accepting, 0);
    assert_int_equal(f->hs.pending, 0);
    assert_int_equal(f->hs.nodes[0].inbound, 0);
    assert_int_equal(f->worker.nconns, 0);
    assert_int_equal(hsf_sessions(f, 0, -1), 0);
    assert_int_equal(log.calls, 1);
    assert_int_equal(log.ok, 0);
    assert_int_equal(hsf_log_count(f, "worker exiting"), 3);
    assert_true(hsf_log_has(f, "session closed: worker exiting"));
    assert_true(hsf_log_has(f, "handshake refused: worker exiting"));
    assert_true(hsf_log_has(f, "handshake failed: worker exiting"));
    assert_int_equal(hsf_event_count(f, OR_EVT_SESSION_CLOSED), 1);
    assert_int_equal(hsf_event_count(f, OR_EVT_HANDSHAKE_FAILED), 1);
    close(fd);
    close(pending);
    close(lfd);
    hsf_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name)  cmocka_unit_test_setup(name, hsf_test_setup)
        T(test_hs_conn_new_and_close_keep_list_and_counts),
        T(test_hs_conn_refuse_replies_in_original_shape),
        T(test_hs_conn_refuse_outbound_no_reply_dial_failed),
        T(test_hs_conn_close_by_peer),
        T(test_hs_conn_close_session_by_id),
        T(test_hs_conn_close_all),
#undef T
    };

    return cmocka_run_group_tests(tests, hsf_suite_setup, hsf_suite_teardown);
}
