/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_v3_conn.c, the engine's v3 handshakes over loopback
 * between two fixtures, the engine on both sides: a session and a message
 * each way; the responder's policy before it signs (a caller that is one
 * of its own nodes, an undiscovered caller while accept_undiscovered is
 * off, the same caller once discovered), each refusal counted under its
 * reason on the responder and as the peer's refusal on the initiator,
 * with no session on either side; on a session, the message size bound
 * at OR_MESSAGE_MAX (sent and delivered; one more byte, or none, refused
 * by the sender), a record whose body is no JSON object and a record that
 * does not open, each closing the session on the receiver.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "or_conn.h"
#include "or_hs_conn.h"
#include "or_hs_fixture.h"
#include "or_message_io.h"
#include "or_v3.h"

typedef struct {
    hsf_t  *f;          /* the initiator, node n0 of key A */
    hsf_t  *g;          /* the responder, n0 of key B (n1 of A if two) */
} pair_t;

/* f's n0 dials g's n0 in v3 */
static void
dial_v3(pair_t *p)
{
    struct sockaddr_in  sa;
    unsigned char       id[OR_V3_ID_LEN];
    or_errbuf_t         eb;

    memset(&eb, 0, sizeof(eb));
    assert_int_equal(or_v3_key_id(hsf_key[HSF_B], id, &eb), OR_OK);
    sa = hsf_loopback(p->g->port[0]);
    assert_int_equal(or_hs_dial_v3(&p->f->hs, 0, (struct sockaddr *) &sa,
                                   sizeof(sa), hsf_fp[HSF_B], id), OR_OK);
}

static int
both_sessions(void *arg)
{
    pair_t *p = arg;

    return hsf_sessions(p->f, 0, OR_SESSION_OUT) == 1
           && hsf_sessions(p->g, 0, OR_SESSION_IN) == 1;
}

/* the handshake is over, one way or the other, on both sides */
static int
both_idle(void *arg)
{
    pair_t *p = arg;

    return hsf_conns(p->f, -1) == 0 && hsf_conns(p->g, -1) == 0;
}

static int
got_message(void *arg)
{
    hsf_t *f = arg;

    /* a sent message is an event too ("out"): wait for the received */
    return hsf_event_count_detail(f, OR_EVT_MESSAGE, "in") >= 1;
}

static void
test_v3_session_and_messages(void **state)
{
    static const int ka[] = { HSF_A }, kb[] = { HSF_B };
    pair_t           p;
    or_session_t     sf, sg;

    (void) state;
    hsf_now = 0;
    p.f = hsf_new(ka, 1, 16);
    p.g = hsf_new(kb, 1, 16);
    dial_v3(&p);
    assert_true(hsf_run_until(p.f, p.g, both_sessions, &p));
    assert_true(hsf_session(p.f, 0, hsf_fp[HSF_B], &sf) >= 0);
    assert_true(hsf_session(p.g, 0, hsf_fp[HSF_A], &sg) >= 0);
    assert_int_equal(sf.framing, OR_FRAMING_V3);
    assert_int_equal(sg.framing, OR_FRAMING_V3);
    assert_int_equal(hsf_accepted(p.g, 0), 1);
    assert_int_equal(or_message_io_send(&p.f->hs, sf.id, "{\"n\":1}", 7),
                     OR_OK);
    assert_true(hsf_run_until(p.g, p.f, got_message, p.g));
    assert_int_equal(or_message_io_send(&p.g->hs, sg.id, "{\"n\":2}", 7),
                     OR_OK);
    assert_true(hsf_run_until(p.f, p.g, got_message, p.f));
    assert_true(hsf_session(p.f, 0, hsf_fp[HSF_B], &sf) >= 0);
    assert_int_equal(sf.messages_out, 1);
    assert_int_equal(sf.messages_in, 1);
    hsf_free(p.f);
    hsf_free(p.g);
}

/* the refusal on g under reason, seen by f as the peer's, no session */
static void
expect_refused(pair_t *p, int reason, const char *glog)
{
    assert_true(hsf_run_until(p->f, p->g, both_idle, p));
    assert_int_equal(hsf_refused(p->g, 0, reason), 1);
    assert_int_equal(hsf_accepted(p->g, 0), 0);
    assert_int_equal(hsf_refused(p->f, 0, OR_R_PEER_ERROR), 1);
    assert_true(hsf_log_has(p->f, "refused by the peer (v3 code "));
    assert_true(hsf_log_has(p->g, glog));
    assert_int_equal(hsf_sessions(p->f, 0, -1), 0);
    assert_int_equal(hsf_sessions(p->g, 0, -1), 0);
}

/* g holds node n1 of key A: A's v3 call is from itself */
static void
test_v3_caller_is_own_node_refused(void **state)
{
    static const int ka[] = { HSF_A }, kba[] = { HSF_B, HSF_A };
    pair_t           p;

    (void) state;
    hsf_now = 0;
    p.f = hsf_new(ka, 1, 16);
    p.g = hsf_new(kba, 2, 16);
    dial_v3(&p);
    expect_refused(&p, OR_SR_SELF, "handshake refused: ");
    assert_int_equal(hsf_refused(p.g, 1, OR_SR_SELF), 0);
    hsf_free(p.f);
    hsf_free(p.g);
}

static void
test_v3_undiscovered_caller_refused(void **state)
{
    static const int ka[] = { HSF_A }, kb[] = { HSF_B };
    pair_t           p;

    (void) state;
    hsf_now = 0;
    p.f = hsf_new(ka, 1, 16);
    p.g = hsf_new(kb, 1, 16);
    p.g->hs.nodes[0].accept_undiscovered = 0;
    dial_v3(&p);
    expect_refused(&p, OR_SR_FILTERED, "undiscovered requester");
    hsf_free(p.f);
    hsf_free(p.g);
}

/* the same setting, the caller now listed by g's discovery: accepted */
static void
test_v3_discovered_caller_accepted(void **state)
{
    static const int ka[] = { HSF_A }, kb[] = { HSF_B };
    pair_t           p;

    (void) state;
    hsf_now = 0;
    p.f = hsf_new(ka, 1, 16);
    p.g = hsf_new(kb, 1, 16);
    p.g->hs.nodes[0].accept_undiscovered = 0;
    hsf_peer_add(p.g, 0, hsf_fp[HSF_A], "tech", p.f->port[0]);
    dial_v3(&p);
    assert_true(hsf_run_until(p.f, p.g, both_sessions, &p));
    assert_int_equal(hsf_refused(p.g, 0, OR_SR_FILTERED), 0);
    assert_int_equal(hsf_accepted(p.g, 0), 1);
    hsf_free(p.f);
    hsf_free(p.g);
}

/* a v3 session f -> g; its ids on both sides */
static void
v3_pair(pair_t *p, or_session_t *sf, or_session_t *sg)
{
    static const int ka[] = { HSF_A }, kb[] = { HSF_B };

    hsf_now = 0;
    p->f = hsf_new(ka, 1, 16);
    p->g = hsf_new(kb, 1, 16);
    dial_v3(p);
    assert_true(hsf_run_until(p->f, p->g, both_sessions, p));
    assert_true(hsf_session(p->f, 0, hsf_fp[HSF_B], sf) >= 0);
    assert_true(hsf_session(p->g, 0, hsf_fp[HSF_A], sg) >= 0);
    assert_int_equal(sf->framing, OR_FRAMING_V3);
}

static int
g_closed(void *arg)
{
    pair_t *p = arg;

    return hsf_sessions(p->g, 0, -1) == 0;
}

/* {"x":"aaa..."} of exactly n bytes */
static char *
object_of(size_t n)
{
    char *s = malloc(n + 1);

    assert_non_null(s);
    memcpy(s, "{\"x\":\"", 6);
    memset(s + 6, 'a', n - 8);
    memcpy(s + n - 2, "\"}", 3);
    return s;
}

static void
test_v3_message_size_bound(void **state)
{
    pair_t        p;
    or_session_t  sf, sg;
    char         *m = object_of(OR_MESSAGE_MAX + 1);

    (void) state;
    v3_pair(&p, &sf, &sg);
    assert_int_equal(or_message_io_send(&p.f->hs, sf.id, m,
                                        OR_MESSAGE_MAX + 1), OR_ETOOBIG);
    assert_int_equal(or_message_io_send(&p.f->hs, sf.id, m, 0), OR_ETOOBIG);
    free(m);
    m = object_of(OR_MESSAGE_MAX);
    assert_int_equal(or_message_io_send(&p.f->hs, sf.id, m, OR_MESSAGE_MAX),
                     OR_OK);
    free(m);
    assert_true(hsf_run_until(p.g, p.f, got_message, p.g));
    assert_int_equal(hsf_event_count(p.g, OR_EVT_MESSAGE), 1);
    assert_true(hsf_session(p.g, 0, hsf_fp[HSF_A], &sg) >= 0);
    assert_int_equal(sg.bytes_in, OR_MESSAGE_MAX);
    hsf_free(p.f);
    hsf_free(p.g);
}

static void
test_v3_record_not_json_closes(void **state)
{
    pair_t        p;
    or_session_t  sf, sg;

    (void) state;
    v3_pair(&p, &sf, &sg);
    assert_int_equal(or_message_io_send(&p.f->hs, sf.id, "not json", 8),
                     OR_OK);
    assert_true(hsf_run_until(p.g, p.f, g_closed, &p));
    assert_true(hsf_log_has(p.g, "session closed: bad message: "));
    assert_int_equal(hsf_event_count(p.g, OR_EVT_MESSAGE), 0);
    hsf_free(p.f);
    hsf_free(p.g);
}

/* a record frame that does not open (not sealed with the session's key) */
static void
test_v3_record_forged_closes(void **state)
{
    pair_t         p;
    or_session_t   sf, sg;
    unsigned char  frame[4 + 40];
    or_hs_conn_t  *hc;

    (void) state;
    v3_pair(&p, &sf, &sg);
    memset(frame, 0x5a, sizeof(frame));
    frame[0] = 0;
    frame[1] = 0;
    frame[2] = 0;
    frame[3] = 40;
    for (hc = p.f->hs.conns; hc != NULL && hc->id != sf.id; hc = hc->next) {
    }
    assert_non_null(hc);
    assert_int_equal(write(hc->c->fd, frame, sizeof(frame)),
                     (ssize_t) sizeof(frame));
    assert_true(hsf_run_until(p.g, p.f, g_closed, &p));
    assert_true(hsf_log_has(p.g, "session closed: v3 record refused: "));
    assert_int_equal(hsf_event_count(p.g, OR_EVT_MESSAGE), 0);
    hsf_free(p.f);
    hsf_free(p.g);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v3_session_and_messages),
        cmocka_unit_test(test_v3_caller_is_own_node_refused),
        cmocka_unit_test(test_v3_undiscovered_caller_refused),
        cmocka_unit_test(test_v3_discovered_caller_accepted),
        cmocka_unit_test(test_v3_message_size_bound),
        cmocka_unit_test(test_v3_record_not_json_closes),
        cmocka_unit_test(test_v3_record_forged_closes),
    };

    return cmocka_run_group_tests(tests, hsf_suite_setup, hsf_suite_teardown);
}
