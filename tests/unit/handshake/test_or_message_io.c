/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_message_io.c: messages on an established session
 * (A dialled node B of the engine). A message must come from the
 * session's peer, to its node, with its link or null; anything else
 * ends the session and is counted. OR_MESSAGE_MAX at its exact bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "or_hs_conn.h"
#include "or_hs_fixture.h"
#include "or_message_io.h"
#include "or_test_vectors.h"

#define VECTOR_T_REQ   1764000000

static const int KEY_B[] = { HSF_B };

typedef struct {
    hsf_t    *f;
    int       fd;
    char      link[OR_LINK_LEN + 1];
    uint64_t  id;
} sess_t;

static void
sess_open(sess_t *s)
{
    or_session_t t;

    hsf_now = 0;
    s->f = hsf_new(KEY_B, 1, 16);
    s->fd = hsf_handshake_in(s->f, HSF_A, hsf_now, NULL, 0, s->link);
    assert_true(hsf_session(s->f, 0, hsf_fp[HSF_A], &t) >= 0);
    s->id = t.id;
}

static void
sess_close(sess_t *s)
{
    close(s->fd);
    hsf_free(s->f);
}

static size_t
message(const char *src, const char *dst, const char *link,
    const char *payload, char *out, size_t cap)
{
    or_errbuf_t eb;
    size_t      len = 0;

    memset(&eb, 0, sizeof(eb));
    if (or_v2_message_build(src, dst, (double) hsf_now, link, payload,
                            strlen(payload), out, cap, &len, &eb) != OR_OK)
    {
        fail_msg("message_build: %s", eb.msg);
    }
    return len;
}

static int
events_reach(void *arg)
{
    void **a = arg;

    return hsf_event_count(a[0], OR_EVT_MESSAGE) >= (int) (uintptr_t) a[1];
}

static void
wait_messages(hsf_t *f, int n)
{
    void *a[2] = { f, (void *) (uintptr_t) n };

    assert_true(hsf_run_until(f, NULL, events_reach, a));
}

static int
no_session(void *arg)
{
    return hsf_conns(arg, -1) == 0;
}

/* The session must end with reason logged and counted under counted. */
static void
expect_closed(sess_t *s, const char *bytes, size_t len, int counted,
    const char *reason)
{
    char     buf[256];
    size_t   n;
    or_evt_t ev;

    hsf_send(s->fd, bytes, len);
    assert_true(hsf_read_to_eof(s->f, s->fd, buf, sizeof(buf), &n));
    assert_int_equal(n, 0);              /* no reply on a session */
    assert_true(hsf_run_until(s->f, NULL, no_session, s->f));
    assert_int_equal(hsf_sessions(s->f, 0, -1), 0);
    assert_int_equal(hsf_refused(s->f, 0, counted), 1);
    assert_int_equal(hsf_event_count(s->f, OR_EVT_MESSAGE), 0);
    assert_true(hsf_event(s->f, OR_EVT_SESSION_CLOSED, &ev));
    assert_string_equal(ev.peer, hsf_fp[HSF_A]);
    assert_non_null(strstr(ev.detail, reason));
    assert_true(hsf_log_has(s->f, reason));
    assert_int_equal(s->f->hs.nodes[0].inbound, 0);
}

/* ---- the per-session budget ---- */

static int
rate_dropped_reach(void *arg)
{
    void **a = arg;

    return hsf_refused(a[0], 0, OR_SR_RATE) >= (uint64_t) (uintptr_t) a[1];
}

static void
wait_dropped(hsf_t *f, int n)
{
    void *a[2] = { f, (void *) (uintptr_t) n };

    assert_true(hsf_run_until(f, NULL, rate_dropped_reach, a));
}

/* max_message_rate: a burst of the bucket's size passes, one more is
 * dropped before parsing (no event), counted on the node and session. */
static void
test_message_io_rate_bound(void **state)
{
    sess_t        s;
    or_session_t  t;
    char          msg[1024];
    size_t        len;

    (void) state;
    sess_open(&s);
    s.f->hs.nodes[0].msg_rate = 5;
    len = message(hsf_fp[HSF_A], s.f->hs.nodes[0].fp, NULL, "{\"n\": 1}",
                  msg, sizeof(msg));
    for (int i = 0; i < 5; i++) {
        hsf_send(s.fd, msg, len);
    }
    wait_messages(s.f, 5);                        /* at the bound */
    assert_int_equal(hsf_refused(s.f, 0, OR_SR_RATE), 0);
    hsf_send(s.fd, msg, len);                     /* one above */
    wait_dropped(s.f, 1);
    assert_int_equal(hsf_event_count(s.f, OR_EVT_MESSAGE), 5);
    assert_true(hsf_session(s.f, 0, hsf_fp[HSF_A], &t) >= 0);
    assert_int_equal(t.messages_in, 5);
    assert_int_equal(t.messages_dropped, 1);
    assert_true(hsf_log_has(s.f, "message dropped: "));
    assert_int_equal(hsf_sessions(s.f, 0, -1), 1);      /* not closed */
    sess_close(&s);
}

/* max_message_byte_rate: two messages of exactly half the bucket pass,
 * a third is dropped. */
static void
test_message_io_byte_rate_bound(void **state)
{
    sess_t  s;
    char    msg[1024];
    size_t  len;

    (void) state;
    sess_open(&s);
    len = message(hsf_fp[HSF_A], s.f->hs.nodes[0].fp, NULL, "{\"n\": 2}",
                  msg, sizeof(msg));
    s.f->hs.nodes[0].byte_rate = 2 * len;
    hsf_send(s.fd, msg, len);
    hsf_send(s.fd, msg, len);
    wait_messages(s.f, 2);
    assert_int_equal(hsf_refused(s.f, 0, OR_SR_RATE), 0);
    hsf_send(s.fd, msg, len);
    wait_dropped(s.f, 1);
    assert_int_equal(hsf_event_count(s.f, OR_EVT_MESSAGE), 2);
    sess_close(&s);
}

/* Drops in OR_FLOOD_SECONDS consecutive seconds close the session as
 * "flood"; it is still open after drops in fewer. */
static void
test_message_io_sustained_flood_closes(void **state)
{
    sess_t    s;
    or_evt_t  ev;
    char      msg[1024];
    size_t    len;
    uint64_t  start, secs = 0, first = 0, open_secs = 0;

    (void) state;
    sess_open(&s);
    s.f->hs.nodes[0].msg_rate = 1;
    len = message(hsf_fp[HSF_A], s.f->hs.nodes[0].fp, NULL, "{\"n\": 3}",
                  msg, sizeof(msg));
    start = or_event_now_ms(s.f->loop);
    while (hsf_conns(s.f, -1) > 0
           && or_event_now_ms(s.f->loop) - start < 6000)
    {
        hsf_send(s.fd, msg, len);
        hsf_run_for(s.f, NULL, 50);
        if (hsf_refused(s.f, 0, OR_SR_RATE) > 0 && first == 0) {
            first = or_event_now_ms(s.f->loop) / 1000;
        }
        if (first != 0) {
            secs = or_event_now_ms(s.f->loop) / 1000 - first + 1;
        }
        if (hsf_conns(s.f, -1) > 0) {
            open_secs = secs;
            assert_true(secs <= OR_FLOOD_SECONDS);
        }
    }
    assert_int_equal(hsf_conns(s.f, -1), 0);
    /* still open through drops in OR_FLOOD_SECONDS - 1 seconds */
    assert_true(open_secs >= OR_FLOOD_SECONDS - 1);
    assert_int_equal(hsf_refused(s.f, 0, OR_SR_FLOOD), 1);
    assert_true(hsf_event(s.f, OR_EVT_SESSION_CLOSED, &ev));
    assert_string_equal(ev.detail, "flood");
    assert_true(hsf_log_line_has(s.f, "session closed: flood, ", ", node: n0"));
    sess_close(&s);
}

/* ---- receiving ---- */

static void
test_message_io_receive_counts_and_publishes(void **state)
{
    sess_t        s;
    char          m[1024];
    size_t        len, len2;
    or_session_t  t;
    or_evt_t      ev;

    (void) state;
    sess_open(&s);
    len = message(hsf_fp[HSF_A], hsf_fp[HSF_B], s.link, "{\"n\": 1}", m,
                  sizeof(m));
    hsf_send(s.fd, m, len);
    wait_messages(s.f, 1);
    /* two back to back in one write, the second without a link */
    len2 = message(hsf_fp[HSF_A], hsf_fp[HSF_B], NULL, "{\"n\": 2}", m,
                   sizeof(m));
    memcpy(m + len2, m, len2);
    hsf_send(s.fd, m, 2 * len2);
    wait_messages(s.f, 3);
    assert_true(hsf_event(s.f, OR_EVT_MESSAGE, &ev));
    assert_string_equal(ev.peer, hsf_fp[HSF_A]);
    assert_string_equal(ev.detail, "in");
    assert_memory_equal(ev.text, "{\"n\": 2}", ev.textlen);
    assert_true(hsf_session(s.f, 0, hsf_fp[HSF_A], &t) >= 0);
    assert_int_equal(t.messages_in, 3);
    assert_int_equal(t.bytes_in, len + 2 * len2);
    assert_true(hsf_log_has(s.f, "message received: "));
    assert_int_equal(hsf_conns(s.f, OR_HS_SESSION), 1);
    sess_close(&s);
}

/* The original initiator's first message, "mutual_link": null. */
static void
test_message_io_receive_original_message(void **state)
{
    sess_t  s;
    char   *m;
    size_t  len;

    (void) state;
    sess_open(&s);
    m = or_test_read("message.json", &len);
    assert_non_null(m);
    hsf_send(s.fd, m, len);
    wait_messages(s.f, 1);
    free(m);
    sess_close(&s);
}

static void
test_message_io_wrong_source_refused(void **state)
{
    sess_t s;
    char   m[1024];
    size_t len;

    (void) state;
    sess_open(&s);
    len = message(hsf_fp[HSF_M], hsf_fp[HSF_B], s.link, "{}", m, sizeof(m));
    expect_closed(&s, m, len, OR_R_WRONG_PEER, "message not from this "
                  "session's peer (wrong_peer)");
    sess_close(&s);
}

static void
test_message_io_wrong_target_refused(void **state)
{
    sess_t s;
    char   m[1024];
    size_t len;

    (void) state;
    sess_open(&s);
    len = message(hsf_fp[HSF_A], hsf_fp[HSF_M], s.link, "{}", m, sizeof(m));
    expect_closed(&s, m, len, OR_R_NOT_FOR_US, "message not from this "
                  "session's peer (not_for_this_node)");
    sess_close(&s);
}

static void
test_message_io_wrong_link_refused(void **state)
{
    sess_t s;
    char   m[1024], link[OR_LINK_LEN + 1];
    size_t len;

    (void) state;
    sess_open(&s);
    memcpy(link, s.link, sizeof(link));
    link[0] = link[0] == '0' ? '1' : '0';
    len = message(hsf_fp[HSF_A], hsf_fp[HSF_B], link, "{}", m, sizeof(m));
    expect_closed(&s, m, len, OR_R_LINK_MISMATCH, "message not from this "
                  "session's peer (mutual_link_mismatch)");
    sess_close(&s);
}

static void
test_message_io_bad_message_refused(void **state)
{
    sess_t s;

    (void) state;
    sess_open(&s);
    expect_closed(&s, "{\"type\": \"chat\"}", 16, OR_R_MSG_TYPE,
                  "bad message: message_type");
    sess_close(&s);
}

/* A message of exactly `size` bytes: padding after the "{". */
static size_t
message_of(const char *link, size_t size, char *out)
{
    size_t  cap = OR_MESSAGE_MAX + 64, len;
    char   *payload = malloc(cap);

    assert_non_null(payload);
    /* {"p": "xxx"} with room for the envelope */
    memset(payload, 'x', cap);
    memcpy(payload, "{\"p\": \"", 7);
    strcpy(payload + size - 600, "\"}");
    len = message(hsf_fp[HSF_A], hsf_fp[HSF_B], link, payload, out, cap);
    free(payload);
    assert_true(len <= size);
    memmove(out + 1 + (size - len), out + 1, len - 1);
    memset(out + 1, ' ', size - len);
    return size;
}

/* OR_MESSAGE_MAX: one below and the bound pass, one above ends it. */
static void
test_message_io_size_bound(void **state)
{
    sess_t        s;
    char         *m = malloc(OR_MESSAGE_MAX + 64);
    size_t        len;
    or_session_t  t;

    (void) state;
    assert_non_null(m);
    sess_open(&s);
    len = message_of(s.link, OR_MESSAGE_MAX - 1, m);
    hsf_send(s.fd, m, len);
    wait_messages(s.f, 1);
    len = message_of(s.link, OR_MESSAGE_MAX, m);
    hsf_send(s.fd, m, len);
    wait_messages(s.f, 2);
    assert_true(hsf_session(s.f, 0, hsf_fp[HSF_A], &t) >= 0);
    assert_int_equal(t.bytes_in, 2 * (size_t) OR_MESSAGE_MAX - 1);
    len = message_of(s.link, OR_MESSAGE_MAX + 1, m);
    hsf_send(s.fd, m, len);
    assert_true(hsf_run_until(s.f, NULL, no_session, s.f));
    assert_int_equal(hsf_refused(s.f, 0, OR_R_TOO_BIG), 1);
    assert_true(hsf_log_has(s.f, "session closed: too_big ("));
    assert_int_equal(hsf_event_count(s.f, OR_EVT_MESSAGE), 2);
    free(m);
    sess_close(&s);
}

/* ---- sending ---- */

static void
test_message_io_send(void **state)
{
    sess_t          s;
    char            buf[4096];
    size_t          n;
    or_v2_message_t msg;
    or_errbuf_t     eb;
    or_session_t    t;

    (void) state;
    sess_open(&s);
    assert_int_equal(or_message_io_send(&s.f->hs, s.id, "{\"hi\": 1}", 9),
                     OR_OK);
    assert_int_equal(hsf_read(s.f, NULL, s.fd, buf, sizeof(buf), &n), 0);
    memset(&eb, 0, sizeof(eb));
    assert_int_equal(or_v2_message_parse(buf, n, &msg, &eb), OR_OK);
    assert_string_equal(msg.source, hsf_fp[HSF_B]);
    assert_string_equal(msg.target, hsf_fp[HSF_A]);
    assert_int_equal(msg.has_link, 1);
    assert_string_equal(msg.mutual_link, s.link);
    assert_string_equal(msg.payload, "{\"hi\": 1}");
    or_v2_message_clear(&msg);
    assert_true(hsf_session(s.f, 0, hsf_fp[HSF_A], &t) >= 0);
    assert_int_equal(t.messages_out, 1);
    assert_int_equal(t.bytes_out, n);
    /* not held here, or not a JSON object: nothing sent */
    assert_int_equal(or_message_io_send(&s.f->hs, s.id + 100, "{}", 2),
                     OR_AGAIN);
    assert_int_not_equal(or_message_io_send(&s.f->hs, s.id, "[1", 2),
                         OR_OK);
    assert_int_equal(hsf_conns(s.f, OR_HS_SESSION), 1);
    sess_close(&s);
}

/* A peer that does not read: OR_ETOOBIG once OR_CONN_OUT_MAX is queued,
 * the session is kept. */
static void
test_message_io_send_peer_not_reading(void **state)
{
    sess_t   s;
    char    *payload = malloc(60001);
    or_err_t rc = OR_OK;
    int      sent = 0;

    (void) state;
    assert_non_null(payload);
    memset(payload, 'x', 60000);
    memcpy(payload, "{\"p\": \"", 7);
    strcpy(payload + 59990, "\"}");
    sess_open(&s);
    while (sent < 100
           && (rc = or_message_io_send(&s.f->hs, s.id, payload,
                                       strlen(payload))) == OR_OK)
    {
        sent++;
    }
    assert_int_equal(rc, OR_ETOOBIG);
    assert_true(sent >= OR_CONN_OUT_MAX / 60100);
    assert_int_equal(hsf_conns(s.f, OR_HS_SESSION), 1);
    free(payload);
    sess_close(&s);
}

/* The peer reset the connection: the write fails, the session ends. */
static void
test_message_io_send_write_failed(void **state)
{
    sess_t        s;
    struct linger lg = { 1, 0 };

    (void) state;
    sess_open(&s);
    assert_int_equal(setsockopt(s.fd, SOL_SOCKET, SO_LINGER, &lg,
                                sizeof(lg)), 0);
    close(s.fd);                         /* RST */
    assert_int_equal(or_message_io_send(&s.f->hs, s.id, "{}", 2), OR_ERROR);
    assert_int_equal(hsf_conns(s.f, -1), 0);
    assert_int_equal(hsf_sessions(s.f, 0, -1), 0);
    assert_true(hsf_log_has(s.f, "session closed: write() failed"));
    s.fd = -1;
    sess_close(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_io_rate_bound),
        cmocka_unit_test(test_message_io_byte_rate_bound),
        cmocka_unit_test(test_message_io_sustained_flood_closes),
        cmocka_unit_test(test_message_io_receive_counts_and_publishes),
        cmocka_unit_test(test_message_io_receive_original_message),
        cmocka_unit_test(test_message_io_wrong_source_refused),
        cmocka_unit_test(test_message_io_wrong_target_refused),
        cmocka_unit_test(test_message_io_wrong_link_refused),
        cmocka_unit_test(test_message_io_bad_message_refused),
        cmocka_unit_test(test_message_io_size_bound),
        cmocka_unit_test(test_message_io_send),
        cmocka_unit_test(test_message_io_send_peer_not_reading),
        cmocka_unit_test(test_message_io_send_write_failed),
    };

    return cmocka_run_group_tests(tests, hsf_suite_setup, hsf_suite_teardown);
}
