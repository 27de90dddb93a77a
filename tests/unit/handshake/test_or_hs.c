/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_hs.c, the worker's handshake engine, driven for real
 * over loopback TCP: the responder's every refusal (reply, counter, log)
 * at its exact bound, the initiator's checks, recording a session
 * (replacement, crossed dials, a full table) and the listening side.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "or_handoff.h"
#include "or_shm.h"
#include "or_hs_conn.h"
#include "or_hs_fixture.h"
#include "or_test_vectors.h"

#define VECTOR_T_REQ   1764000000      /* meta.json request_time */

static const int KEY_B[] = { HSF_B };
static const int KEY_A[] = { HSF_A };

/* ---- helpers ---- */

static hsf_t *
responder(void)
{
    return hsf_new(KEY_B, 1, 16);
}

/* Sends bytes as a peer of node 0, reads until the engine closes: the
 * reply must be reply (unless NULL) and reason counted once more. */
static void
expect_refused(hsf_t *f, const char *bytes, size_t len, const char *reply,
    int reason)
{
    char     buf[1024];
    size_t   n;
    uint64_t before = hsf_refused(f, 0, reason);
    uint64_t accepted = hsf_accepted(f, 0);
    int      fd = hsf_connect(f->port[0]);

    hsf_send(fd, bytes, len);
    assert_true(hsf_read_to_eof(f, fd, buf, sizeof(buf), &n));
    if (reply != NULL) {
        assert_string_equal(buf, reply);
    }
    close(fd);
    assert_int_equal(hsf_refused(f, 0, reason), before + 1);
    assert_int_equal(hsf_accepted(f, 0), accepted);
}

static int
handshake_in(hsf_t *f, int key, int64_t ts, const char *req, size_t len)
{
    return hsf_handshake_in(f, key, ts, req, len, NULL);
}

/* Pads a request to exactly size bytes with spaces after its "{". */
static size_t
pad_request(char *req, size_t len, size_t size)
{
    assert_true(size >= len);
    memmove(req + 1 + (size - len), req + 1, len - 1);
    memset(req + 1, ' ', size - len);
    req[size] = '\0';
    return size;
}

/* Flips one base64 character in the middle of the "signature" value. */
static void
flip_signature(char *json)
{
    char *p = strstr(json, "\"signature\": \"");

    assert_non_null(p);
    p += strlen("\"signature\": \"") + 40;
    *p = *p == 'A' ? 'B' : 'A';
}

static int
conns_are(void *arg)
{
    void  **a = arg;
    hsf_t  *f = a[0];

    return hsf_conns(f, -1) == (size_t) (uintptr_t) a[1];
}

static void
wait_conns(hsf_t *f, size_t n)
{
    void *a[2] = { f, (void *) (uintptr_t) n };

    assert_true(hsf_run_until(f, NULL, conns_are, a));
}

static int
refused_is(void *arg)
{
    void  **a = arg;
    hsf_t  *f = a[0];

    return hsf_refused(f, 0, (int) (uintptr_t) a[1])
           == (uint64_t) (uintptr_t) a[2];
}

static void
wait_refused(hsf_t *f, hsf_t *g, int reason, uint64_t n)
{
    void *a[3] = { f, (void *) (uintptr_t) reason, (void *) (uintptr_t) n };

    assert_true(hsf_run_until(f, g, refused_is, a));
}

/* ---- responder: accepted ---- */

static void
test_hs_responder_accepts_genuine_request(void **state)
{
    hsf_t        *f = responder();
    or_session_t  s;
    or_evt_t      ev;
    int           fd;

    (void) state;
    fd = handshake_in(f, HSF_A, hsf_now, NULL, 0);
    assert_int_equal(hsf_accepted(f, 0), 1);
    assert_true(hsf_session(f, 0, hsf_fp[HSF_A], &s) >= 0);
    assert_int_equal(s.direction, OR_SESSION_IN);
    assert_string_equal(s.ours, hsf_fp[HSF_B]);
    assert_int_equal(s.pid, getpid());
    assert_int_equal(strlen(s.mutual_link), OR_LINK_LEN);
    assert_int_equal(f->hs.pending, 0);
    assert_int_equal(f->hs.nodes[0].inbound, 1);
    assert_int_equal(hsf_conns(f, OR_HS_SESSION), 1);
    assert_true(hsf_event(f, OR_EVT_SESSION_ESTABLISHED, &ev));
    assert_string_equal(ev.peer, hsf_fp[HSF_A]);
    assert_string_equal(ev.detail, "in");
    assert_true(hsf_log_line_has(f, "session established: in, ", ", node: n0"));
    close(fd);
    hsf_free(f);
}

/* The original's own bytes at the original's time. */
static void
test_hs_responder_accepts_original_request(void **state)
{
    hsf_t  *f;
    char   *req;
    size_t  len;
    int     fd;

    (void) state;
    hsf_now = VECTOR_T_REQ;
    f = responder();
    req = or_test_read("handshake-request.json", &len);
    assert_non_null(req);
    fd = handshake_in(f, HSF_A, VECTOR_T_REQ, req, len);
    assert_true(hsf_session(f, 0, hsf_fp[HSF_A], NULL) >= 0);
    free(req);
    close(fd);
    hsf_free(f);
}

/* ---- responder: every refusal ---- */

static void
test_hs_responder_malformed_json_refused(void **state)
{
    hsf_t *f = responder();

    (void) state;
    expect_refused(f, "{\"type\": }", 10, "{\"error\": \"handshake_"
                   "verification_failed: malformed_json\"}",
                   OR_R_JSON_MALFORMED);
    assert_true(hsf_log_has(f, "handshake refused: malformed_json"));
    hsf_free(f);
}

/* A refusal flood writes OR_LOG_RATE_LINES lines per reason and interval
 * (or_log.h), then the count of the rest once the interval is over; each
 * refusal is still counted. */
static void
test_hs_responder_refusal_log_ratelimited(void **state)
{
    hsf_t *f = responder();

    (void) state;
    hsf_now = VECTOR_T_REQ;
    for (int i = 0; i < OR_LOG_RATE_LINES + 5; i++) {
        expect_refused(f, "{\"type\": }", 10, NULL, OR_R_JSON_MALFORMED);
    }
    assert_int_equal(hsf_refused(f, 0, OR_R_JSON_MALFORMED),
                     OR_LOG_RATE_LINES + 5);
    assert_int_equal(hsf_log_count(f, "handshake refused: malformed_json"),
                     OR_LOG_RATE_LINES);
    /* another reason has its own budget */
    close(hsf_connect(f->port[0]));
    wait_refused(f, NULL, OR_SR_CLOSED, 1);
    assert_true(hsf_log_has(f, "handshake refused: closed_early"));
    hsf_now += OR_LOG_RATE_INTERVAL_S;
    expect_refused(f, "{\"type\": }", 10, NULL, OR_R_JSON_MALFORMED);
    assert_true(hsf_log_has(f, "5 similar messages suppressed in the last "
                            "5 s: handshake refused: malformed_json"));
    assert_int_equal(hsf_log_count(f, "handshake refused: malformed_json"),
                     OR_LOG_RATE_LINES + 2);
    hsf_free(f);
}

static void
test_hs_responder_not_an_object_refused(void **state)
{
    hsf_t *f = responder();

    (void) state;
    expect_refused(f, "GET / HTTP/1.0\r\n\r\n", 18, "{\"error\": "
                   "\"handshake_verification_failed: malformed_json\"}",
                   OR_R_JSON_MALFORMED);
    assert_true(hsf_log_has(f, "where an object must start"));
    hsf_free(f);
}

static void
test_hs_responder_wrong_shape_refused(void **state)
{
    hsf_t *f = responder();

    (void) state;
    expect_refused(f, "{\"type\": \"p2p_handshake_request\"}", 33, NULL,
                   OR_R_JSON_SHAPE);
    hsf_free(f);
}

/* handshake_max_size is the largest request read: one below and the
 * bound itself pass, one above is refused. */
static void
test_hs_responder_max_size_bound(void **state)
{
    hsf_t  *f = responder();
    char    req[4096];
    size_t  len;
    int     fd;

    (void) state;
    f->hs.nodes[0].max_size = 2048;
    for (size_t size = 2047; size <= 2048; size++) {
        len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now, req, sizeof(req));
        assert_true(len < 2047);
        len = pad_request(req, len, size);
        fd = handshake_in(f, HSF_A, hsf_now, req, len);
        close(fd);
        assert_int_equal(hsf_accepted(f, 0), size - 2046);
    }
    hsf_run_for(f, NULL, 20);
    len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now, req, sizeof(req));
    len = pad_request(req, len, 2049);
    expect_refused(f, req, len, "{\"error\": \"handshake_verification_"
                   "failed: too_big\"}", OR_R_TOO_BIG);
    hsf_free(f);
}

/* Above OR_HANDSHAKE_MAX the protocol's own bound decides: with
 * handshake_max_size 65536 a request of OR_HANDSHAKE_MAX bytes passes and
 * one more byte is refused (docs/openred.conf.5). */
static void
test_hs_responder_max_size_above_protocol_bound(void **state)
{
    hsf_t  *f = responder();
    char   *req = malloc(OR_HANDSHAKE_MAX + 2);
    size_t  len;
    int     fd;

    (void) state;
    assert_non_null(req);
    f->hs.nodes[0].max_size = 65536;
    len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now, req, 4096);
    len = pad_request(req, len, OR_HANDSHAKE_MAX);
    fd = handshake_in(f, HSF_A, hsf_now, req, len);
    close(fd);
    len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now - 1, req, 4096);
    len = pad_request(req, len, OR_HANDSHAKE_MAX + 1);
    expect_refused(f, req, len, "{\"error\": \"handshake_verification_"
                   "failed: too_big\"}", OR_R_TOO_BIG);
    free(req);
    hsf_free(f);
}

static void
test_hs_responder_wrong_target_refused(void **state)
{
    hsf_t  *f = responder();
    char    req[OR_HANDSHAKE_MAX];
    size_t  len = hsf_request(HSF_A, hsf_fp[HSF_M], hsf_now, req,
                              sizeof(req));
    char   *orig = or_test_read("error-not-for-this-node.json", NULL);

    (void) state;
    assert_non_null(orig);
    expect_refused(f, req, len, orig, OR_R_NOT_FOR_US);
    assert_true(hsf_log_has(f, "handshake refused: not_for_this_node"));
    free(orig);
    hsf_free(f);
}

/* |now - timestamp| <= OR_HANDSHAKE_WINDOW passes, on either side. */
static void
test_hs_responder_timestamp_window_bound(void **state)
{
    hsf_t  *f = responder();
    char    req[OR_HANDSHAKE_MAX];
    char   *orig = or_test_read("error-expired.json", NULL);
    size_t  len;
    int     fd;

    (void) state;
    assert_non_null(orig);
    fd = handshake_in(f, HSF_A, hsf_now - OR_HANDSHAKE_WINDOW, NULL, 0);
    close(fd);
    fd = handshake_in(f, HSF_A, hsf_now + OR_HANDSHAKE_WINDOW, NULL, 0);
    close(fd);
    assert_int_equal(hsf_accepted(f, 0), 2);
    hsf_run_for(f, NULL, 20);
    len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now - OR_HANDSHAKE_WINDOW
                      - 1, req, sizeof(req));
    expect_refused(f, req, len, orig, OR_R_HS_EXPIRED);
    len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now + OR_HANDSHAKE_WINDOW
                      + 1, req, sizeof(req));
    expect_refused(f, req, len, orig, OR_R_HS_EXPIRED);
    assert_int_equal(hsf_refused(f, 0, OR_R_HS_EXPIRED), 2);
    free(orig);
    hsf_free(f);
}

static void
test_hs_responder_bad_signature_refused(void **state)
{
    hsf_t  *f = responder();
    char    req[OR_HANDSHAKE_MAX];
    size_t  len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now, req,
                              sizeof(req));
    char   *orig = or_test_read("error-bad-signature.json", NULL);

    (void) state;
    flip_signature(req);
    expect_refused(f, req, len, orig, OR_R_BAD_SIGNATURE);
    assert_true(hsf_log_has(f, "handshake refused: bad_signature"));
    free(orig);
    hsf_free(f);
}

/* Mallory's key under A's fingerprint: the original accepts it. */
static void
test_hs_responder_key_not_bound_refused(void **state)
{
    hsf_t  *f;
    char   *req;
    size_t  len;

    (void) state;
    hsf_now = VECTOR_T_REQ;
    f = responder();
    req = or_test_read("attack-key-not-bound.json", &len);
    assert_non_null(req);
    expect_refused(f, req, len, "{\"error\": \"handshake_verification_"
                   "failed: key_not_bound\"}", OR_R_KEY_NOT_BOUND);
    free(req);
    hsf_free(f);
}

static void
test_hs_responder_nan_timestamp_refused(void **state)
{
    hsf_t  *f;
    char   *req;
    size_t  len;

    (void) state;
    hsf_now = VECTOR_T_REQ;
    f = responder();
    req = or_test_read("attack-nan-timestamp.json", &len);
    assert_non_null(req);
    expect_refused(f, req, len, NULL, OR_R_JSON_NONFINITE);
    free(req);
    hsf_free(f);
}

static void
test_hs_responder_replay_refused(void **state)
{
    hsf_t  *f = responder();
    char    req[OR_HANDSHAKE_MAX];
    size_t  len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now, req,
                              sizeof(req));
    int     fd;

    (void) state;
    fd = handshake_in(f, HSF_A, hsf_now, req, len);
    close(fd);
    wait_conns(f, 0);
    expect_refused(f, req, len, "{\"error\": \"handshake_verification_"
                   "failed: replay\"}", OR_SR_REPLAY);
    assert_true(hsf_log_has(f, "handshake refused: replay (" ));
    hsf_free(f);
}

/* A verified request from one of our own keys is ourselves dialling. */
static void
test_hs_responder_self_and_sibling_refused(void **state)
{
    static const int keys[] = { HSF_B, HSF_A };
    hsf_t  *f = hsf_new(keys, 2, 16);
    char    req[OR_HANDSHAKE_MAX];
    size_t  len;

    (void) state;
    len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now, req, sizeof(req));
    expect_refused(f, req, len, "{\"error\": \"handshake_verification_"
                   "failed: self\"}", OR_SR_SELF);
    assert_true(hsf_log_has(f, "self (the request comes from node \"n1\" "
                            "of this daemon)"));
    len = hsf_request(HSF_B, hsf_fp[HSF_B], hsf_now, req, sizeof(req));
    expect_refused(f, req, len, NULL, OR_SR_SELF);
    assert_int_equal(hsf_refused(f, 0, OR_SR_SELF), 2);
    assert_true(hsf_log_has(f, "from node \"n0\" of this daemon"));
    assert_int_equal(hsf_accepted(f, 0), 0);
    hsf_free(f);
}

static int
deny_sector_bad(const or_node_t *node, const char *sector,
    const char *const *services, size_t nservices)
{
    (void) node;
    (void) services;
    (void) nservices;
    return strcmp(sector, "bad") != 0;
}

/* The filter is asked about a discovered peer only (v2 requests carry no
 * sector): listed in "bad" refuses, listed elsewhere or unknown passes. */
static void
test_hs_responder_filter(void **state)
{
    hsf_t *f = responder();
    int    fd;

    (void) state;
    f->cycle->nodes[0].filter = deny_sector_bad;
    fd = handshake_in(f, HSF_A, hsf_now, NULL, 0);     /* not listed */
    close(fd);
    hsf_peer_add(f, 0, hsf_fp[HSF_A], "good", 9);
    fd = handshake_in(f, HSF_A, hsf_now - 1, NULL, 0);
    close(fd);
    assert_int_equal(hsf_accepted(f, 0), 2);
    wait_conns(f, 0);
    hsf_peer_add(f, 0, hsf_fp[HSF_A], "bad", 9);
    {
        char   req[OR_HANDSHAKE_MAX];
        size_t len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now - 2, req,
                                 sizeof(req));

        expect_refused(f, req, len, "{\"error\": \"handshake_verification_"
                       "failed: filtered\"}", OR_SR_FILTERED);
    }
    hsf_free(f);
}

/* max_pending_handshakes: the bound-th handshake is served with no drop;
 * one more is taken too, and the oldest handshake of the address with
 * the most in progress is closed as "dropped" (not the newcomer). */
static void
test_hs_responder_max_pending_drops_busiest(void **state)
{
    hsf_t  *f = responder();
    int     busy[10], other[6], x, y;
    char    buf[256];
    size_t  n;

    (void) state;
    f->hs.max_pending = 16;
    for (int i = 0; i < 10; i++) {
        busy[i] = hsf_connect_from(f->port[0], "127.0.0.2");
        wait_conns(f, (size_t) i + 1);
    }
    for (int i = 0; i < 5; i++) {
        other[i] = hsf_connect_from(f->port[0], "127.0.0.3");
        wait_conns(f, (size_t) 11 + i);
    }
    other[5] = hsf_connect_from(f->port[0], "127.0.0.3");    /* the 16th */
    wait_conns(f, 16);
    assert_int_equal(f->hs.pending, 16);
    assert_int_equal(hsf_refused(f, 0, OR_SR_DROPPED), 0);
    x = hsf_connect_from(f->port[0], "127.0.0.4");           /* one above */
    assert_true(hsf_read_to_eof(f, busy[0], buf, sizeof(buf), &n));
    assert_string_equal(buf, "{\"error\": \"handshake_verification_failed: "
                        "dropped\"}");
    assert_int_equal(hsf_refused(f, 0, OR_SR_DROPPED), 1);
    assert_int_equal(hsf_refused(f, 0, OR_SR_LIMIT), 0);
    wait_conns(f, 16);
    assert_true(hsf_log_has(f, "handshake refused: dropped "
                            "(max_pending_handshakes full"));
    /* the next goes the same way: busy[1], the oldest of the busiest */
    y = hsf_connect_from(f->port[0], "127.0.0.3");
    assert_true(hsf_read_to_eof(f, busy[1], buf, sizeof(buf), &n));
    assert_int_equal(hsf_refused(f, 0, OR_SR_DROPPED), 2);
    /* the newcomers are served */
    close(busy[0]);
    close(busy[1]);
    hsf_send(x, "{\"type\": }", 10);
    assert_true(hsf_read_to_eof(f, x, buf, sizeof(buf), &n));
    assert_true(strstr(buf, "malformed_json") != NULL);
    for (int i = 2; i < 10; i++) {
        close(busy[i]);
    }
    for (int i = 0; i < 6; i++) {
        close(other[i]);
    }
    close(x);
    close(y);
    hsf_free(f);
}

/* max_pending_per_source: the bound-th handshake from one address is
 * taken, one more is closed at once (no reply) as "source_limit"; other
 * addresses are not affected. */
static void
test_hs_responder_max_pending_per_source_bound(void **state)
{
    hsf_t  *f = responder();
    int     fds[4], x, y;
    char    buf[64];
    size_t  n;

    (void) state;
    f->hs.max_pending_src = 4;
    for (int i = 0; i < 4; i++) {
        fds[i] = hsf_connect_from(f->port[0], "127.0.0.2");
        wait_conns(f, (size_t) i + 1);
    }
    assert_int_equal(hsf_refused(f, 0, OR_SR_SOURCE), 0);
    x = hsf_connect_from(f->port[0], "127.0.0.2");
    assert_true(hsf_read_to_eof(f, x, buf, sizeof(buf), &n));
    assert_int_equal(n, 0);
    close(x);
    assert_int_equal(hsf_refused(f, 0, OR_SR_SOURCE), 1);
    assert_true(hsf_log_has(f, "handshake refused: source_limit (4 "
                            "handshakes from this address), node: n0, "
                            "peer: 127.0.0.2:"));
    y = hsf_connect_from(f->port[0], "127.0.0.3");
    wait_conns(f, 5);
    close(fds[0]);                  /* one ends: room for one more */
    wait_conns(f, 4);
    x = hsf_connect_from(f->port[0], "127.0.0.2");
    wait_conns(f, 5);
    assert_int_equal(hsf_refused(f, 0, OR_SR_SOURCE), 1);
    assert_int_equal(f->hs.sources.count, 2);
    for (int i = 1; i < 4; i++) {
        close(fds[i]);
    }
    close(x);
    close(y);
    wait_conns(f, 0);
    assert_int_equal(f->hs.sources.count, 0);      /* nothing left over */
    hsf_free(f);
}

/* max_sessions_per_source: the bound-th session from one address is
 * made, a handshake past it is refused once it verifies. */
static void
test_hs_responder_max_sessions_per_source_bound(void **state)
{
    hsf_t  *f = responder();
    char    req[OR_HANDSHAKE_MAX], buf[256];
    size_t  len, n;
    int     a, m;

    (void) state;
    f->hs.max_sessions_src = 1;
    a = handshake_in(f, HSF_A, hsf_now, NULL, 0);       /* at the bound */
    assert_int_equal(hsf_sessions(f, 0, -1), 1);
    /* A again replaces its own session: not over the bound */
    m = handshake_in(f, HSF_A, hsf_now, NULL, 0);
    assert_true(hsf_read_to_eof(f, a, buf, sizeof(buf), &n));
    close(a);
    a = m;
    assert_int_equal(hsf_refused(f, 0, OR_SR_SOURCE), 0);
    assert_int_equal(hsf_sessions(f, 0, -1), 1);
    len = hsf_request(HSF_M, f->hs.nodes[0].fp, hsf_now, req, sizeof(req));
    m = hsf_connect(f->port[0]);                         /* one above */
    hsf_send(m, req, len);
    assert_true(hsf_read_to_eof(f, m, buf, sizeof(buf), &n));
    assert_string_equal(buf, "{\"error\": \"handshake_verification_failed: "
                        "source_limit\"}");
    close(m);
    assert_int_equal(hsf_refused(f, 0, OR_SR_SOURCE), 1);
    assert_true(hsf_log_has(f, "1 sessions from this address: "
                            "max_sessions_per_source"));
    close(a);
    wait_conns(f, 0);
    m = handshake_in(f, HSF_M, hsf_now, NULL, 0);       /* room again */
    assert_int_equal(hsf_sessions(f, 0, -1), 1);
    close(m);
    hsf_free(f);
}

/* handshake_timeout is one deadline from accept: a request trickled a
 * byte at a time does not move it. */
static void
test_hs_responder_timeout_absolute(void **state)
{
    hsf_t  *f = responder();
    int     fd;

    (void) state;
    f->hs.nodes[0].timeout_ms = 300;
    fd = hsf_connect(f->port[0]);
    for (int i = 0; i < 10 && hsf_refused(f, 0, OR_SR_TIMEOUT) == 0; i++) {
        hsf_send(fd, "{", 1);
        hsf_run_for(f, NULL, 100);
    }
    /* 10 bytes at 100 ms each would be 1 s; it ended at 300 ms */
    assert_int_equal(hsf_refused(f, 0, OR_SR_TIMEOUT), 1);
    assert_int_equal(hsf_conns(f, -1), 0);
    close(fd);
    hsf_free(f);
}

/* max_inbound bounds the node's inbound handshakes in progress: at the
 * bound the worker stops watching the listening socket (the kernel keeps
 * the connection for another worker, nothing is accepted and closed),
 * one below it watches again. Sessions do not count here. */
static void
test_hs_responder_max_inbound_handshakes_bound(void **state)
{
    hsf_t  *f = responder();
    char    buf[64];
    size_t  n;
    int     s, p, q, x;

    (void) state;
    f->hs.nodes[0].max_inbound = 2;
    s = handshake_in(f, HSF_A, hsf_now, NULL, 0);
    p = hsf_connect(f->port[0]);
    wait_conns(f, 2);
    assert_true(f->hs.nodes[0].watched);          /* one below */
    q = hsf_connect(f->port[0]);
    wait_conns(f, 3);
    assert_int_equal(f->hs.nodes[0].inbound, 3);
    assert_false(f->hs.nodes[0].watched);         /* at the bound */
    x = hsf_connect(f->port[0]);                  /* one above */
    hsf_run_for(f, NULL, 200);
    assert_int_equal(hsf_conns(f, -1), 3);
    assert_int_equal(hsf_refused(f, 0, OR_SR_LIMIT), 0);
    assert_int_equal(read(x, buf, sizeof(buf)), -1);    /* not closed */
    close(p);                       /* a handshake ends: x is taken */
    wait_refused(f, NULL, OR_SR_CLOSED, 1);
    wait_conns(f, 3);
    assert_false(f->hs.nodes[0].watched);
    close(q);
    wait_conns(f, 2);
    assert_true(f->hs.nodes[0].watched);
    hsf_send(x, "{\"type\": }", 10);
    assert_true(hsf_read_to_eof(f, x, buf, sizeof(buf), &n));
    assert_int_equal(hsf_refused(f, 0, OR_SR_LIMIT), 0);
    close(x);
    close(s);
    hsf_free(f);
}

static or_hs_conn_t *
session_of(hsf_t *f, const char *fp)
{
    for (or_hs_conn_t *hc = f->hs.conns; hc != NULL; hc = hc->next) {
        if (hc->state == OR_HS_SESSION && strcmp(hc->peer, fp) == 0) {
            return hc;
        }
    }
    return NULL;
}

/* max_inbound sessions: one below, a new one is added; at the bound, the
 * one verified handshake of a new peer closes the longest idle session
 * as "evicted"; a peer replacing its own session evicts no one. */
static void
test_hs_responder_max_inbound_evicts_idlest(void **state)
{
    hsf_t       *f = responder();
    or_key_t    *c, *keep_key = hsf_key[HSF_A];
    const char  *keep_fp = hsf_fp[HSF_A], *fc;
    or_errbuf_t  eb;
    or_evt_t     ev;
    char         buf[256];
    size_t       n;
    int          a, m, m2, x;

    (void) state;
    assert_int_equal(or_key_generate(&c, &eb), OR_OK);
    fc = or_key_fingerprint(c);
    f->hs.nodes[0].max_inbound = 2;
    a = handshake_in(f, HSF_A, hsf_now, NULL, 0);
    m = handshake_in(f, HSF_M, hsf_now, NULL, 0);      /* one below */
    assert_int_equal(f->hs.nodes[0].sessions_in, 2);
    assert_int_equal(hsf_refused(f, 0, OR_SR_EVICTED), 0);
    /* M replaces its own session: the slot it frees is enough */
    m2 = handshake_in(f, HSF_M, hsf_now, NULL, 0);
    assert_true(hsf_read_to_eof(f, m, buf, sizeof(buf), &n));
    assert_int_equal(hsf_refused(f, 0, OR_SR_EVICTED), 0);
    assert_non_null(session_of(f, hsf_fp[HSF_A]));
    /* A has been quiet longer than M: a new peer (C) takes A's place */
    session_of(f, hsf_fp[HSF_A])->last_msg_ms = 0;
    hsf_key[HSF_A] = c;
    hsf_fp[HSF_A] = fc;
    x = handshake_in(f, HSF_A, hsf_now, NULL, 0);      /* at the bound */
    hsf_key[HSF_A] = keep_key;
    hsf_fp[HSF_A] = keep_fp;
    assert_true(hsf_read_to_eof(f, a, buf, sizeof(buf), &n));
    assert_int_equal(hsf_refused(f, 0, OR_SR_EVICTED), 1);
    assert_true(hsf_log_line_has(f, "session closed: evicted, ", ", node: n0"));
    assert_true(hsf_event(f, OR_EVT_SESSION_CLOSED, &ev) == 1);
    assert_string_equal(ev.detail, "evicted");
    assert_string_equal(ev.peer, hsf_fp[HSF_A]);
    assert_non_null(session_of(f, hsf_fp[HSF_M]));
    assert_non_null(session_of(f, fc));
    assert_null(session_of(f, hsf_fp[HSF_A]));
    assert_int_equal(hsf_sessions(f, 0, OR_SESSION_IN), 2);
    assert_int_equal(f->hs.nodes[0].sessions_in, 2);
    close(a);
    close(m);
    close(m2);
    close(x);
    hsf_free(f);
    or_key_free(c);
}

/* session_idle_timeout: no message either way for idle_ms closes the
 * session as "idle"; a message moves the deadline. */
static void
test_hs_session_idle_timeout(void **state)
{
    hsf_t        *f = responder();
    or_hs_conn_t *hc;
    or_evt_t      ev;
    char          buf[256];
    size_t        n;
    int           a;

    (void) state;
    f->hs.nodes[0].idle_ms = 300;
    a = handshake_in(f, HSF_A, hsf_now, NULL, 0);
    hc = session_of(f, hsf_fp[HSF_A]);
    assert_non_null(hc);
    hsf_run_for(f, NULL, 150);
    assert_int_equal(hsf_refused(f, 0, OR_SR_IDLE), 0);
    /* as if a message came now: 300 ms more from here */
    hc->last_msg_ms = or_event_now_ms(f->loop);
    hsf_run_for(f, NULL, 200);
    assert_int_equal(hsf_refused(f, 0, OR_SR_IDLE), 0);
    assert_non_null(session_of(f, hsf_fp[HSF_A]));
    assert_true(hsf_read_to_eof(f, a, buf, sizeof(buf), &n));
    assert_int_equal(hsf_refused(f, 0, OR_SR_IDLE), 1);
    assert_true(hsf_log_line_has(f, "session closed: idle, ", ", node: n0"));
    assert_true(hsf_event(f, OR_EVT_SESSION_CLOSED, &ev) == 1);
    assert_string_equal(ev.detail, "idle");
    assert_int_equal(hsf_sessions(f, 0, -1), 0);
    close(a);
    hsf_free(f);
}

/* 0: never closed for being idle. */
static void
test_hs_session_idle_timeout_zero_never(void **state)
{
    hsf_t *f = responder();
    int    a;

    (void) state;
    f->hs.nodes[0].idle_ms = 0;
    a = handshake_in(f, HSF_A, hsf_now, NULL, 0);
    assert_false(or_timer_is_armed(&session_of(f, hsf_fp[HSF_A])->c->deadline));
    hsf_run_for(f, NULL, 100);
    assert_int_equal(hsf_sessions(f, 0, -1), 1);
    close(a);
    hsf_free(f);
}

static void
test_hs_responder_timeout(void **state)
{
    hsf_t  *f = responder();
    char    buf[256];
    size_t  n;
    int     fd, idle;

    (void) state;
    f->hs.nodes[0].timeout_ms = 100;
    idle = hsf_connect(f->port[0]);
    fd = hsf_connect(f->port[0]);
    hsf_send(fd, "{\"type\"", 7);
    assert_true(hsf_read_to_eof(f, fd, buf, sizeof(buf), &n));
    assert_string_equal(buf, "{\"error\": \"handshake_verification_failed: "
                        "timeout\"}");
    assert_true(hsf_read_to_eof(f, idle, buf, sizeof(buf), &n));
    assert_int_equal(hsf_refused(f, 0, OR_SR_TIMEOUT), 2);
    assert_true(hsf_log_has(f, "handshake refused: timeout (incomplete "
                            "object), node: n0"));
    assert_int_equal(hsf_log_count(f, "handshake refused: timeout, node: "
                                   "n0"), 1);
    close(fd);
    close(idle);
    hsf_free(f);
}

static void
test_hs_responder_peer_closes_early(void **state)
{
    hsf_t *f = responder();
    int    fd;

    (void) state;
    fd = hsf_connect(f->port[0]);
    hsf_send(fd, "{\"type\"", 7);
    shutdown(fd, SHUT_WR);
    wait_refused(f, NULL, OR_SR_CLOSED, 1);
    close(fd);
    fd = hsf_connect(f->port[0]);
    close(fd);
    wait_refused(f, NULL, OR_SR_CLOSED, 2);
    assert_true(hsf_log_has(f, "closed_early (incomplete object)"));
    assert_true(hsf_log_has(f, "handshake refused: closed_early, node"));
    wait_conns(f, 0);
    hsf_free(f);
}

/* ---- recording: a full table, replacement ---- */

static void
fill_table(hsf_t *f, unsigned n)
{
    char fp[OR_FP_LEN + 1];

    for (unsigned i = 0; i < n; i++) {
        snprintf(fp, sizeof(fp), "%016x", 0xf000u + i);
        (void) hsf_session_add(f, 0, fp, OR_SESSION_IN, getpid());
    }
}

/* max_sessions slots: the last free slot is taken, then "sessions_full". */
static void
test_hs_record_full_table_bound(void **state)
{
    hsf_t  *f = responder();
    char    req[OR_HANDSHAKE_MAX], fp[OR_FP_LEN + 1];
    size_t  len;
    int     fd;

    (void) state;
    fill_table(f, 15);
    fd = handshake_in(f, HSF_A, hsf_now, NULL, 0);
    assert_int_equal(hsf_sessions(f, 0, -1), 16);
    close(fd);
    wait_conns(f, 0);
    assert_int_equal(hsf_sessions(f, 0, -1), 15);
    strcpy(fp, "00000000000000ee");      /* another worker takes the slot */
    (void) hsf_session_add(f, 0, fp, OR_SESSION_IN, getpid());
    len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now - 1, req, sizeof(req));
    expect_refused(f, req, len, "{\"error\": \"handshake_verification_"
                   "failed: sessions_full\"}", OR_SR_FULL);
    assert_true(hsf_log_has(f, "handshake refused: sessions_full (session "
                            "table full: 16 of max_sessions 16 used)"));
    assert_int_equal(hsf_accepted(f, 0), 1);
    hsf_free(f);
}

static void
test_hs_record_replaces_session_of_same_worker(void **state)
{
    hsf_t        *f = responder();
    or_session_t  s1, s2;
    char          buf[256];
    size_t        n;
    int           fd1, fd2;

    (void) state;
    fd1 = handshake_in(f, HSF_A, hsf_now, NULL, 0);
    assert_true(hsf_session(f, 0, hsf_fp[HSF_A], &s1) >= 0);
    fd2 = handshake_in(f, HSF_A, hsf_now - 1, NULL, 0);
    /* the old one is closed at once, the new one kept */
    assert_true(hsf_read_to_eof(f, fd1, buf, sizeof(buf), &n));
    assert_int_equal(n, 0);
    assert_true(hsf_session(f, 0, hsf_fp[HSF_A], &s2) >= 0);
    assert_true(s2.id != s1.id);
    assert_int_equal(hsf_sessions(f, 0, -1), 1);
    assert_int_equal(hsf_conns(f, OR_HS_SESSION), 1);
    assert_true(hsf_log_line_has(f, "session replaced by a new inbound "
                                 "handshake", ", node: n0"));
    assert_true(hsf_log_line_has(f, "session closed: replaced, ", ", node: n0"));
    assert_int_equal(hsf_accepted(f, 0), 2);
    close(fd1);
    close(fd2);
    hsf_free(f);
}

/* Held by another live worker: it is told by a hand-off datagram. */
static void
test_hs_record_replaces_session_of_other_worker(void **state)
{
    hsf_t            *f = responder();
    pid_t             other = getppid();
    uint64_t          tok;
    int               hfd = or_handoff_open(&tok);
    uint64_t          old;
    or_handoff_hdr_t  hdr;
    char              buf[OR_SEND_DGRAM_MAX];
    or_session_t      s;
    int               fd;

    (void) state;
    assert_true(hfd >= 0);
    old = hsf_session_add_at(f, 0, hsf_fp[HSF_A], OR_SESSION_IN, other, tok);
    fd = handshake_in(f, HSF_A, hsf_now, NULL, 0);
    assert_int_equal(or_handoff_recv(hfd, &hdr, buf, sizeof(buf)), OR_OK);
    assert_int_equal(hdr.op, OR_HANDOFF_CLOSE);
    assert_int_equal(hdr.session, old);
    assert_int_equal(hdr.len, 8);
    assert_memory_equal(buf, "replaced", 8);
    /* both are listed until the other worker closes its own */
    assert_int_equal(hsf_sessions(f, 0, -1), 2);
    close(hfd);
    assert_true(hsf_session(f, 0, hsf_fp[HSF_A], &s) >= 0);
    assert_int_equal(s.id, old);
    or_session_remove(or_shm_addr(f->hs.sessions), hsf_session(f, 0,
                      hsf_fp[HSF_A], NULL), old);
    assert_true(hsf_session(f, 0, hsf_fp[HSF_A], &s) >= 0);
    assert_int_equal(s.pid, getpid());
    assert_int_equal(hsf_sessions(f, 0, -1), 1);
    assert_true(hsf_log_has(f, "old worker: 1"));
    close(fd);
    hsf_free(f);
}

/* Held by a worker that is gone: its slots are dropped. */
static void
test_hs_record_purges_session_of_dead_worker(void **state)
{
    hsf_t        *f = responder();
    pid_t         dead = getppid();     /* its hand-off socket is gone */
    or_session_t  s;
    int           fd;

    (void) state;
    (void) hsf_session_add(f, 0, hsf_fp[HSF_A], OR_SESSION_IN, dead);
    (void) hsf_session_add(f, 0, "1111111111111111", OR_SESSION_IN, dead);
    fd = handshake_in(f, HSF_A, hsf_now, NULL, 0);
    assert_true(hsf_session(f, 0, hsf_fp[HSF_A], &s) >= 0);
    assert_int_equal(s.pid, getpid());
    assert_int_equal(hsf_session(f, 0, "1111111111111111", NULL), -1);
    assert_int_equal(hsf_sessions(f, 0, -1), 1);
    close(fd);
    hsf_free(f);
}

/* ---- initiator ---- */

typedef struct {
    int     calls, ok;
    char    peer[OR_FP_LEN + 1];
    size_t  node;
} dial_log_t;

static void
dial_done(or_hs_t *hs, size_t node, const char *peer, int ok, void *data)
{
    dial_log_t *d = data;

    (void) hs;
    d->calls++;
    d->ok = ok;
    d->node = node;
    snprintf(d->peer, sizeof(d->peer), "%s", peer);
}

typedef struct {
    hsf_t       *f;
    int          lfd, fd;
    uint16_t     port;
    dial_log_t   log;
    char         req[OR_HANDSHAKE_MAX];
    size_t       reqlen;
} dial_t;

/* Engine A dials a socket we play B on; returns with its request read. */
static void
dial_start_max(dial_t *d, const char *peer, size_t max_size)
{
    struct sockaddr_in sa;

    memset(d, 0, sizeof(*d));
    d->f = hsf_new(KEY_A, 1, 16);
    d->f->hs.dial_done = dial_done;
    d->f->hs.dial_data = &d->log;
    d->f->hs.nodes[0].max_size = max_size;
    d->lfd = hsf_listen(&d->port);
    sa = hsf_loopback(d->port);
    assert_int_equal(or_hs_dial(&d->f->hs, 0, (struct sockaddr *) &sa,
                                sizeof(sa), peer), OR_OK);
    assert_int_equal(or_hs_dial_count(&d->f->hs, 0), 1);
    assert_true(or_hs_dialling(&d->f->hs, 0, peer));
    assert_false(or_hs_dialling(&d->f->hs, 0, hsf_fp[HSF_M]));
    d->fd = hsf_accept(d->f, d->lfd);
    assert_true(d->fd >= 0);
    assert_int_equal(hsf_read(d->f, NULL, d->fd, d->req, sizeof(d->req),
                              &d->reqlen), 0);
}

static void
dial_start(dial_t *d, const char *peer)
{
    dial_start_max(d, peer, 16384);
}

static void
dial_end(dial_t *d)
{
    close(d->fd);
    close(d->lfd);
    hsf_free(d->f);
}

/* Answers bytes and waits for the dial to end (session or failure). */
static int
dial_ended(void *arg)
{
    dial_t *d = arg;

    return d->log.calls > 0;
}

static void
dial_answer(dial_t *d, const char *resp, size_t len)
{
    hsf_send(d->fd, resp, len);
    assert_true(hsf_run_until(d->f, NULL, dial_ended, d));
}

static void
test_hs_initiator_genuine_response(void **state)
{
    dial_t        d;
    char          resp[OR_HANDSHAKE_MAX], link[OR_LINK_LEN + 1];
    or_session_t  s;
    size_t        len;

    (void) state;
    dial_start(&d, hsf_fp[HSF_B]);
    len = hsf_response(HSF_B, hsf_fp[HSF_B], d.req, d.reqlen, hsf_now, resp,
                       sizeof(resp), link);
    dial_answer(&d, resp, len);
    assert_int_equal(d.log.ok, 1);
    assert_string_equal(d.log.peer, hsf_fp[HSF_B]);
    assert_true(hsf_session(d.f, 0, hsf_fp[HSF_B], &s) >= 0);
    assert_int_equal(s.direction, OR_SESSION_OUT);
    assert_string_equal(s.mutual_link, link);
    assert_int_equal(or_hs_dial_count(&d.f->hs, 0), 0);
    assert_false(or_hs_dialling(&d.f->hs, 0, hsf_fp[HSF_B]));
    assert_int_equal(d.f->hs.pending, 0);
    assert_true(hsf_log_line_has(d.f, "session established: out, ", ", node: n0"));
    dial_end(&d);
}

static void
test_hs_initiator_original_response(void **state)
{
    dial_t  d;
    char   *resp, *conn;
    size_t  len;
    or_session_t s;

    (void) state;
    hsf_now = VECTOR_T_REQ;
    dial_start(&d, hsf_fp[HSF_B]);
    hsf_now = VECTOR_T_REQ + 1;
    resp = or_test_read("handshake-response.json", &len);
    conn = or_test_read("connection.json", NULL);
    dial_answer(&d, resp, len);
    assert_int_equal(d.log.ok, 1);
    assert_true(hsf_session(d.f, 0, hsf_fp[HSF_B], &s) >= 0);
    assert_non_null(strstr(conn, s.mutual_link));
    free(resp);
    free(conn);
    dial_end(&d);
}

/* Each failed check: counted by its reason, logged, the dial ends. */
static void
expect_dial_failed(dial_t *d, const char *resp, size_t len, int reason,
    const char *logged)
{
    or_evt_t ev;

    dial_answer(d, resp, len);
    assert_int_equal(d->log.ok, 0);
    assert_int_equal(d->log.calls, 1);
    assert_string_equal(d->log.peer, hsf_fp[HSF_B]);
    assert_int_equal(hsf_refused(d->f, 0, reason), 1);
    assert_int_equal(hsf_sessions(d->f, 0, -1), 0);
    assert_int_equal(hsf_conns(d->f, -1), 0);
    assert_int_equal(d->f->hs.pending, 0);
    assert_true(hsf_event(d->f, OR_EVT_HANDSHAKE_FAILED, &ev));
    assert_string_equal(ev.peer, hsf_fp[HSF_B]);
    assert_true(hsf_log_has(d->f, logged));
}

static void
test_hs_initiator_wrong_peer(void **state)
{
    dial_t  d;
    char    resp[OR_HANDSHAKE_MAX];
    size_t  len;

    (void) state;
    dial_start(&d, hsf_fp[HSF_B]);
    /* mallory answers in her own name */
    len = hsf_response(HSF_M, hsf_fp[HSF_B], d.req, d.reqlen, hsf_now, resp,
                       sizeof(resp), NULL);
    expect_dial_failed(&d, resp, len, OR_R_WRONG_PEER, "handshake failed: "
                       "wrong_peer (response comes from ");
    dial_end(&d);
}

static void
test_hs_initiator_link_mismatch(void **state)
{
    dial_t  d;
    char    resp[OR_HANDSHAKE_MAX], link[OR_LINK_LEN + 1], *p;
    size_t  len;

    (void) state;
    dial_start(&d, hsf_fp[HSF_B]);
    len = hsf_response(HSF_B, hsf_fp[HSF_B], d.req, d.reqlen, hsf_now, resp,
                       sizeof(resp), link);
    p = strstr(resp, link);
    assert_non_null(p);
    p[5] = p[5] == '0' ? '1' : '0';
    expect_dial_failed(&d, resp, len, OR_R_LINK_MISMATCH, "handshake "
                       "failed: mutual_link_mismatch");
    dial_end(&d);
}

static void
test_hs_initiator_bad_signature(void **state)
{
    dial_t  d;
    char    resp[OR_HANDSHAKE_MAX];
    size_t  len;

    (void) state;
    dial_start(&d, hsf_fp[HSF_B]);
    len = hsf_response(HSF_B, hsf_fp[HSF_B], d.req, d.reqlen, hsf_now, resp,
                       sizeof(resp), NULL);
    flip_signature(resp);
    expect_dial_failed(&d, resp, len, OR_R_BAD_SIGNATURE, "handshake "
                       "failed: bad_signature");
    dial_end(&d);
}

static void
test_hs_initiator_key_not_bound(void **state)
{
    dial_t  d;
    char   *resp;
    size_t  len;

    (void) state;
    hsf_now = VECTOR_T_REQ;
    dial_start(&d, hsf_fp[HSF_B]);
    hsf_now = VECTOR_T_REQ + 1;
    resp = or_test_read("attack-response-key-not-bound.json", &len);
    expect_dial_failed(&d, resp, len, OR_R_KEY_NOT_BOUND, "handshake "
                       "failed: key_not_bound");
    free(resp);
    dial_end(&d);
}

/* The peer's {"error": ...} is kept up to OR_PEER_ERROR_MAX bytes. */
static void
peer_error_case(size_t textlen, size_t kept)
{
    dial_t  d;
    char    resp[512], logged[512];
    size_t  len;

    dial_start(&d, hsf_fp[HSF_B]);
    len = (size_t) snprintf(resp, sizeof(resp), "{\"error\": \"%0*d\"}",
                            (int) textlen, 0);
    snprintf(logged, sizeof(logged), "handshake failed: peer_error (peer "
             "refused: %0*d), node: n0", (int) kept, 0);
    expect_dial_failed(&d, resp, len, OR_R_PEER_ERROR, logged);
    dial_end(&d);
}

static void
test_hs_initiator_peer_error_bounded(void **state)
{
    (void) state;
    peer_error_case(OR_PEER_ERROR_MAX - 1, OR_PEER_ERROR_MAX - 1);
    peer_error_case(OR_PEER_ERROR_MAX, OR_PEER_ERROR_MAX);
    peer_error_case(OR_PEER_ERROR_MAX + 1, OR_PEER_ERROR_MAX);
    peer_error_case(300, OR_PEER_ERROR_MAX);
}

static void
test_hs_initiator_response_too_big(void **state)
{
    dial_t  d;
    char    resp[2100];

    (void) state;
    dial_start_max(&d, hsf_fp[HSF_B], 2048);
    memset(resp, ' ', sizeof(resp));
    resp[0] = '{';
    expect_dial_failed(&d, resp, 2049, OR_R_TOO_BIG, "handshake failed: "
                       "too_big");
    dial_end(&d);
}

static void
test_hs_initiator_peer_closes_early(void **state)
{
    dial_t d;

    (void) state;
    dial_start(&d, hsf_fp[HSF_B]);
    shutdown(d.fd, SHUT_WR);
    assert_true(hsf_run_until(d.f, NULL, dial_ended, &d));
    assert_int_equal(d.log.ok, 0);
    assert_int_equal(hsf_refused(d.f, 0, OR_SR_CLOSED), 1);
    assert_true(hsf_log_has(d.f, "handshake failed: closed_early, node"));
    dial_end(&d);
}

static void
test_hs_initiator_timeout(void **state)
{
    dial_t d;

    (void) state;
    dial_start(&d, hsf_fp[HSF_B]);
    assert_int_equal(or_conn_deadline(d.f->hs.conns->c, 50,
                     d.f->hs.conns->c->deadline.handler), OR_OK);
    assert_true(hsf_run_until(d.f, NULL, dial_ended, &d));
    assert_int_equal(hsf_refused(d.f, 0, OR_SR_TIMEOUT), 1);
    assert_true(hsf_log_has(d.f, "handshake failed: timeout, node: n0"));
    dial_end(&d);
}

static void
test_hs_initiator_connect_refused(void **state)
{
    hsf_t              *f = hsf_new(KEY_A, 1, 16);
    dial_log_t          log;
    struct sockaddr_in  sa;
    uint16_t            port;
    int                 lfd = hsf_listen(&port);
    or_evt_t            ev;

    (void) state;
    close(lfd);                     /* nobody listens there now */
    memset(&log, 0, sizeof(log));
    f->hs.dial_done = dial_done;
    f->hs.dial_data = &log;
    sa = hsf_loopback(port);
    assert_int_equal(or_hs_dial(&f->hs, 0, (struct sockaddr *) &sa,
                                sizeof(sa), hsf_fp[HSF_B]), OR_OK);
    {
        dial_t d;

        memset(&d, 0, sizeof(d));
        d.f = f;
        f->hs.dial_data = &d.log;
        assert_true(hsf_run_until(f, NULL, dial_ended, &d));
        log = d.log;
    }
    assert_int_equal(log.ok, 0);
    assert_true(hsf_log_has(f, "handshake failed: connect() failed: "
                            "Connection refused, node: n0, peer: "
                            "127.0.0.1:"));
    assert_true(hsf_event(f, OR_EVT_HANDSHAKE_FAILED, &ev));
    assert_string_equal(ev.detail, "connect() failed: Connection refused");
    assert_int_equal(hsf_conns(f, -1), 0);
    hsf_free(f);
}

static void
test_hs_dial_refuses_bad_fingerprint_and_pending_bound(void **state)
{
    hsf_t              *f = hsf_new(KEY_A, 1, 16);
    struct sockaddr_in  sa;
    uint16_t            port;
    int                 lfd = hsf_listen(&port);

    (void) state;
    sa = hsf_loopback(port);
    assert_int_equal(or_hs_dial(&f->hs, 0, (struct sockaddr *) &sa,
                                sizeof(sa), "0123"), OR_EPROTO);
    f->hs.max_pending = 1;
    assert_int_equal(or_hs_dial(&f->hs, 0, (struct sockaddr *) &sa,
                                sizeof(sa), hsf_fp[HSF_B]), OR_OK);
    assert_int_equal(f->hs.pending, 1);
    assert_int_equal(or_hs_dial(&f->hs, 0, (struct sockaddr *) &sa,
                                sizeof(sa), hsf_fp[HSF_M]), OR_EPROTO);
    assert_int_equal(or_hs_dial_count(&f->hs, 0), 1);
    close(lfd);
    hsf_free(f);
}


/* B's dial to A loses against A's live dial to B (A is smaller); and a
 * full table refuses the dial's session. */
static void
test_hs_initiator_duplicate_and_full(void **state)
{
    static const int KB[] = { HSF_B };
    hsf_t              *f;
    dial_log_t          log;
    struct sockaddr_in  sa;
    uint16_t            port;
    int                 lfd, fd;
    char                req[OR_HANDSHAKE_MAX], resp[OR_HANDSHAKE_MAX];
    size_t              reqlen, len;

    (void) state;
    for (int round = 0; round < 2; round++) {
        dial_t d;

        f = hsf_new(KB, 1, 16);
        memset(&log, 0, sizeof(log));
        f->hs.dial_done = dial_done;
        f->hs.dial_data = &log;
        if (round == 0) {
            (void) hsf_session_add(f, 0, hsf_fp[HSF_A], OR_SESSION_IN,
                                   getpid());
        } else {
            fill_table(f, 16);
        }
        lfd = hsf_listen(&port);
        sa = hsf_loopback(port);
        assert_int_equal(or_hs_dial(&f->hs, 0, (struct sockaddr *) &sa,
                                    sizeof(sa), hsf_fp[HSF_A]), OR_OK);
        fd = hsf_accept(f, lfd);
        assert_true(fd >= 0);
        assert_int_equal(hsf_read(f, NULL, fd, req, sizeof(req), &reqlen),
                         0);
        len = hsf_response(HSF_A, hsf_fp[HSF_A], req, reqlen, hsf_now,
                           resp, sizeof(resp), NULL);
        hsf_send(fd, resp, len);
        memset(&d, 0, sizeof(d));
        d.f = f;
        f->hs.dial_data = &d.log;
        assert_true(hsf_run_until(f, NULL, dial_ended, &d));
        assert_int_equal(d.log.ok, 0);
        if (round == 0) {
            assert_int_equal(hsf_refused(f, 0, OR_SR_DUPLICATE), 1);
            assert_true(hsf_log_has(f, "handshake failed: duplicate: a "
                                    "live session with this peer is kept"));
            assert_int_equal(hsf_sessions(f, 0, OR_SESSION_OUT), 0);
        } else {
            assert_int_equal(hsf_refused(f, 0, OR_SR_FULL), 1);
            assert_true(hsf_log_has(f, "handshake failed: session table "
                                    "full: 16 of max_sessions 16 used"));
        }
        close(fd);
        close(lfd);
        hsf_free(f);
    }
}

/* ---- crossed dials ---- */

typedef struct {
    hsf_t *a, *b;
} pair_t;

static int
crossed_settled(void *arg)
{
    pair_t *p = arg;

    return hsf_conns(p->a, -1) == 1 && hsf_conns(p->b, -1) == 1
           && hsf_conns(p->a, OR_HS_SESSION) == 1
           && hsf_conns(p->b, OR_HS_SESSION) == 1;
}

static void
dial_to(hsf_t *from, hsf_t *to, const char *fp)
{
    struct sockaddr_in sa;

    sa = hsf_loopback(to->port[0]);
    assert_int_equal(or_hs_dial(&from->hs, 0, (struct sockaddr *) &sa,
                                sizeof(sa), fp), OR_OK);
}

/* Both dial at once: each side keeps the session dialled by the smaller
 * fingerprint (A's), whatever order the bytes arrive in. */
static void
test_hs_crossed_dials_keep_one_session(void **state)
{
    pair_t       p;
    or_session_t sa, sb;

    (void) state;
    assert_true(strcmp(hsf_fp[HSF_A], hsf_fp[HSF_B]) < 0);
    for (int round = 0; round < 2; round++) {
        p.a = hsf_new(KEY_A, 1, 16);
        p.b = hsf_new(KEY_B, 1, 16);
        if (round == 0) {
            dial_to(p.a, p.b, hsf_fp[HSF_B]);
            dial_to(p.b, p.a, hsf_fp[HSF_A]);
        } else {
            dial_to(p.b, p.a, hsf_fp[HSF_A]);
            dial_to(p.a, p.b, hsf_fp[HSF_B]);
        }
        assert_true(hsf_run_until(p.a, p.b, crossed_settled, &p));
        hsf_run_for(p.a, p.b, 30);
        assert_true(crossed_settled(&p));
        assert_int_equal(hsf_sessions(p.a, 0, -1), 1);
        assert_int_equal(hsf_sessions(p.b, 0, -1), 1);
        assert_true(hsf_session(p.a, 0, hsf_fp[HSF_B], &sa) >= 0);
        assert_true(hsf_session(p.b, 0, hsf_fp[HSF_A], &sb) >= 0);
        assert_int_equal(sa.direction, OR_SESSION_OUT);
        assert_int_equal(sb.direction, OR_SESSION_IN);
        assert_string_equal(sa.mutual_link, sb.mutual_link);
        hsf_free(p.a);
        hsf_free(p.b);
        hsf_now = 0;                 /* the next round signs anew */
    }
}

/* A live session dialled by the smaller fingerprint is kept against a
 * later handshake the other way: refused as "duplicate". */
static void
test_hs_record_duplicate_refused(void **state)
{
    hsf_t *f = responder();        /* B: A's dial beats B's */
    char   req[OR_HANDSHAKE_MAX];
    size_t len;

    (void) state;
    (void) hsf_session_add(f, 0, hsf_fp[HSF_A], OR_SESSION_OUT, getpid());
    /* B dialled A, and A dials B: A is smaller, A's dial wins */
    len = hsf_request(HSF_A, hsf_fp[HSF_B], hsf_now, req, sizeof(req));
    {
        int    fd = hsf_connect(f->port[0]);
        char   buf[OR_HANDSHAKE_MAX];
        size_t n;

        hsf_send(fd, req, len);
        assert_int_equal(hsf_read(f, NULL, fd, buf, sizeof(buf), &n), 0);
        assert_non_null(strstr(buf, "p2p_handshake_response"));
        close(fd);
    }
    hsf_free(f);
    /* and A, holding its own dial to B, refuses B's */
    f = hsf_new(KEY_A, 1, 16);
    (void) hsf_session_add(f, 0, hsf_fp[HSF_B], OR_SESSION_OUT, getpid());
    len = hsf_request(HSF_B, hsf_fp[HSF_A], hsf_now, req, sizeof(req));
    expect_refused(f, req, len, "{\"error\": \"handshake_verification_"
                   "failed: duplicate\"}", OR_SR_DUPLICATE);
    hsf_free(f);
}


/* ---- odd ends ---- */

/* Counters outside the table are ignored, not written past its end. */
static void
test_hs_count_ignores_out_of_range(void **state)
{
    hsf_t              *f = responder();
    or_session_table_t *t = or_shm_addr(f->hs.sessions);
    or_session_table_t  before = *t;

    (void) state;
    or_hs_count(&f->hs, 0, -1);
    or_hs_count(&f->hs, 0, OR_SR_LAST);
    or_hs_count(&f->hs, OR_SESSION_NODES_MAX, OR_SR_LIMIT);
    assert_memory_equal(&before, t, sizeof(before));
    or_hs_count(&f->hs, OR_SESSION_NODES_MAX - 1, OR_SR_LAST - 1);
    assert_int_equal(t->refused[OR_SESSION_NODES_MAX - 1][OR_SR_LAST - 1],
                     1);
    hsf_free(f);
}

/* no descriptor to spare here: no log file read */
static int
not_accepting(void *arg)
{
    hsf_t *f = arg;

    return !f->hs.accepting;
}

/* Out of descriptors: accept() pauses (no busy loop on a readable
 * listener), says so, and resumes by itself. */
static void
test_hs_accept_pauses_when_out_of_descriptors(void **state)
{
    hsf_t         *f = responder();
    struct rlimit  old, low;
    int            fd, probe, ok;

    (void) state;
    fd = hsf_connect(f->port[0]);
    probe = dup(0);
    assert_true(probe >= 0);
    close(probe);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = (rlim_t) probe;          /* the next fd is refused */
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    ok = hsf_run_until(f, NULL, not_accepting, f);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_true(ok);
    assert_true(hsf_log_has(f, "accept() failed; not accepting for 500 "
                            "ms"));
    assert_int_equal(hsf_conns(f, -1), 0);
    wait_conns(f, 1);                       /* resumed after the pause */
    assert_int_equal(f->hs.accepting, 1);
    assert_true(hsf_log_has(f, ": Too many open files)"));
    close(fd);
    hsf_free(f);
}

/* A peer that resets: read() fails, the connection closes, said so. */
static void
test_hs_responder_peer_resets(void **state)
{
    hsf_t         *f = responder();
    struct linger  lg = { 1, 0 };
    int            fd = hsf_connect(f->port[0]);

    (void) state;
    wait_conns(f, 1);
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)),
                     0);
    close(fd);
    wait_conns(f, 0);
    assert_true(hsf_log_has(f, "handshake refused: read() failed: "
                            "Connection reset by peer, node: n0"));
    assert_int_equal(f->hs.pending, 0);
    hsf_free(f);
}

static void
test_hs_listen_failure_said(void **state)
{
    hsf_t *f = responder();
    int    fd = f->hs.nodes[0].listen_fd;

    (void) state;
    or_hs_stop_accepting(&f->hs);
    f->hs.nodes[0].listen_fd = 1000;        /* not open */
    assert_int_equal(or_hs_listen(&f->hs), OR_ERROR);
    assert_true(hsf_log_has(f, "[crit]"));
    assert_true(hsf_log_has(f, "watching the listening socket of node "
                            "\"n0\" failed"));
    f->hs.nodes[0].listen_fd = fd;
    assert_int_equal(or_hs_listen(&f->hs), OR_OK);
    hsf_free(f);
}

/* ---- listening ---- */

static void
test_hs_stop_accepting_then_listen_again(void **state)
{
    hsf_t *f = responder();
    int    fd;

    (void) state;
    or_hs_stop_accepting(&f->hs);
    assert_int_equal(f->hs.accepting, 0);
    or_hs_stop_accepting(&f->hs);          /* twice is harmless */
    fd = hsf_connect(f->port[0]);          /* queued by the kernel */
    hsf_run_for(f, NULL, 30);
    assert_int_equal(hsf_conns(f, -1), 0);
    assert_int_equal(or_hs_listen(&f->hs), OR_OK);
    wait_conns(f, 1);
    close(fd);
    hsf_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name)  cmocka_unit_test_setup(name, hsf_test_setup)
        T(test_hs_responder_accepts_genuine_request),
        T(test_hs_responder_accepts_original_request),
        T(test_hs_responder_malformed_json_refused),
        T(test_hs_responder_refusal_log_ratelimited),
        T(test_hs_responder_not_an_object_refused),
        T(test_hs_responder_wrong_shape_refused),
        T(test_hs_responder_max_size_bound),
        T(test_hs_responder_max_size_above_protocol_bound),
        T(test_hs_responder_wrong_target_refused),
        T(test_hs_responder_timestamp_window_bound),
        T(test_hs_responder_bad_signature_refused),
        T(test_hs_responder_key_not_bound_refused),
        T(test_hs_responder_nan_timestamp_refused),
        T(test_hs_responder_replay_refused),
        T(test_hs_responder_self_and_sibling_refused),
        T(test_hs_responder_filter),
        T(test_hs_responder_max_pending_drops_busiest),
        T(test_hs_responder_max_pending_per_source_bound),
        T(test_hs_responder_max_sessions_per_source_bound),
        T(test_hs_responder_timeout_absolute),
        T(test_hs_responder_max_inbound_handshakes_bound),
        T(test_hs_responder_max_inbound_evicts_idlest),
        T(test_hs_session_idle_timeout),
        T(test_hs_session_idle_timeout_zero_never),
        T(test_hs_responder_timeout),
        T(test_hs_responder_peer_closes_early),
        T(test_hs_record_full_table_bound),
        T(test_hs_record_replaces_session_of_same_worker),
        T(test_hs_record_replaces_session_of_other_worker),
        T(test_hs_record_purges_session_of_dead_worker),
        T(test_hs_record_duplicate_refused),
        T(test_hs_initiator_genuine_response),
        T(test_hs_initiator_original_response),
        T(test_hs_initiator_wrong_peer),
        T(test_hs_initiator_link_mismatch),
        T(test_hs_initiator_bad_signature),
        T(test_hs_initiator_key_not_bound),
        T(test_hs_initiator_peer_error_bounded),
        T(test_hs_initiator_response_too_big),
        T(test_hs_initiator_peer_closes_early),
        T(test_hs_initiator_timeout),
        T(test_hs_initiator_connect_refused),
        T(test_hs_dial_refuses_bad_fingerprint_and_pending_bound),
        T(test_hs_crossed_dials_keep_one_session),
        T(test_hs_initiator_duplicate_and_full),
        T(test_hs_count_ignores_out_of_range),
        T(test_hs_accept_pauses_when_out_of_descriptors),
        T(test_hs_responder_peer_resets),
        T(test_hs_listen_failure_said),
        T(test_hs_stop_accepting_then_listen_again),
#undef T
    };

    return cmocka_run_group_tests(tests, hsf_suite_setup, hsf_suite_teardown);
}
