/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_v2_handshake.c against the original's bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "openred.h"
#include "or_base64.h"
#include "or_test_vectors.h"

#define FP_A        "08aca75be7a88fef"
#define FP_B        "d94956da64d2be34"
#define FP_M        "a8db7b74f38703b9"
#define T_REQ       1764000000
#define T_RESP      1764000001
#define WINDOW      OR_HANDSHAKE_WINDOW
#define LINK        "a930ab32411adc1e36767682e6df290e"

typedef struct {
    or_key_t  *a, *b, *gen;
} keys_t;

static keys_t  keys;

static or_key_t *
load(const char *file)
{
    char       path[64];
    or_key_t  *key = NULL;

    if (or_test_copy(file, 0600, path) != 0) {
        return NULL;
    }
    if (or_key_load(path, &key, NULL) != OR_OK) {
        key = NULL;
    }
    unlink(path);
    return key;
}

static int
setup(void **state)
{
    (void) state;
    keys.a = load("node-a.key.pem");
    keys.b = load("node-b.key.pem");
    if (or_key_generate(&keys.gen, NULL) != OR_OK) {
        return -1;
    }
    return keys.a != NULL && keys.b != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    or_key_free(keys.a);
    or_key_free(keys.b);
    or_key_free(keys.gen);
    return 0;
}

static or_err_t
check_req_file(const char *file, const char *us, int64_t now,
    or_v2_request_t *req, or_errbuf_t *eb)
{
    char      *js;
    size_t     len;
    or_err_t   rc;

    js = or_test_read(file, &len);
    assert_non_null(js);
    rc = or_v2_request_check(js, len, us, now, WINDOW, req, eb);
    free(js);
    return rc;
}

static void
expect_req_file(const char *file, const char *us, int64_t now, or_err_t err,
    or_reason_t reason)
{
    or_v2_request_t  req;
    or_errbuf_t      eb;

    memset(&req, 0, sizeof(req));
    assert_int_equal(check_req_file(file, us, now, &req, &eb), err);
    assert_int_equal(eb.reason, reason);
    assert_null(req.peer_key);
}

static void
test_or_v2_request_check_vector(void **state)
{
    or_v2_request_t  req;

    (void) state;
    assert_int_equal(check_req_file("handshake-request.json", FP_B, T_REQ,
                                    &req, NULL), OR_OK);
    assert_string_equal(req.source, FP_A);
    assert_string_equal(req.target, FP_B);
    assert_int_equal(req.timestamp, T_REQ);
    assert_int_equal(req.siglen, 256);
    assert_string_equal(or_pubkey_fingerprint(req.peer_key), FP_A);
    or_v2_request_clear(&req);
    assert_null(req.peer_key);
    /* the window is inclusive: 300 s either way */
    assert_int_equal(check_req_file("handshake-request.json", FP_B,
                                    T_REQ + 300, &req, NULL), OR_OK);
    or_v2_request_clear(&req);
    assert_int_equal(check_req_file("handshake-request.json", FP_B,
                                    T_REQ - 300, &req, NULL), OR_OK);
    or_v2_request_clear(&req);
}

static void
test_or_v2_request_check_refusals(void **state)
{
    (void) state;
    expect_req_file("handshake-request.json", FP_B, T_REQ + 301, OR_EAUTH,
                    OR_R_HS_EXPIRED);
    expect_req_file("handshake-request.json", FP_B, T_REQ - 301, OR_EAUTH,
                    OR_R_HS_EXPIRED);
    expect_req_file("handshake-request.json", FP_M, T_REQ, OR_EAUTH,
                    OR_R_NOT_FOR_US);
    expect_req_file("request-bad-signature.json", FP_B, T_REQ, OR_EAUTH,
                    OR_R_BAD_SIGNATURE);
    /* accepted by the original, each refused for its own reason */
    expect_req_file("attack-key-not-bound.json", FP_B, T_REQ, OR_EAUTH,
                    OR_R_KEY_NOT_BOUND);
    expect_req_file("attack-nan-timestamp.json", FP_B, T_REQ, OR_EPROTO,
                    OR_R_JSON_NONFINITE);
    /* a response is not a request */
    expect_req_file("handshake-response.json", FP_A, T_RESP, OR_EPROTO,
                    OR_R_MSG_TYPE);
}

/* the vector request with one field's value text replaced */
static char *
patched(const char *field, const char *value)
{
    char    *js, *out, *p, *q;
    size_t   len;

    js = or_test_read("handshake-request.json", &len);
    p = strstr(js, field);
    assert_non_null(p);
    p += strlen(field) + 3;     /* past "field": */
    q = p;
    if (*q == '"') {
        q = strchr(q + 1, '"') + 1;
    } else {
        q += strcspn(q, ",}");
    }
    out = malloc(len + strlen(value) + 1);
    if (out == NULL) {
        fail();
        return NULL;
    }
    sprintf(out, "%.*s%s%s", (int) (p - js), js, value, q);
    free(js);
    return out;
}

static void
expect_patched(const char *field, const char *value, or_err_t err,
    or_reason_t reason)
{
    or_v2_request_t  req;
    or_errbuf_t      eb;
    char            *js = patched(field, value);

    assert_int_equal(or_v2_request_check(js, strlen(js), FP_B, T_REQ,
                                         WINDOW, &req, &eb), err);
    assert_int_equal(eb.reason, reason);
    free(js);
}

static void
test_or_v2_request_check_malformed(void **state)
{
    or_v2_request_t  req;
    or_errbuf_t      eb;
    char            *js, *big;
    size_t           len;

    (void) state;
    expect_patched("timestamp", "1764000000.0", OR_EPROTO,
                   OR_R_TS_NOT_INTEGER);
    expect_patched("timestamp", "\"1764000000\"", OR_EPROTO,
                   OR_R_TS_NOT_INTEGER);
    expect_patched("timestamp", "true", OR_EPROTO, OR_R_TS_NOT_INTEGER);
    expect_patched("timestamp", "null", OR_EPROTO, OR_R_TS_NOT_INTEGER);
    expect_patched("timestamp", "Infinity", OR_EPROTO, OR_R_JSON_NONFINITE);
    expect_patched("timestamp", "99999999999999999999", OR_EPROTO,
                   OR_R_JSON_MALFORMED);
    expect_patched("timestamp", "9223372036854775807", OR_EAUTH,
                   OR_R_HS_EXPIRED);
    expect_patched("timestamp", "-9223372036854775808", OR_EAUTH,
                   OR_R_HS_EXPIRED);
    expect_patched("timestamp", "1764000001", OR_EAUTH, OR_R_BAD_SIGNATURE);
    expect_patched("type", "\"p2p_handshake\"", OR_EPROTO, OR_R_MSG_TYPE);
    expect_patched("source_fingerprint", "\"08ACA75BE7A88FEF\"", OR_EPROTO,
                   OR_R_BAD_FINGERPRINT);
    expect_patched("source_fingerprint", "\"" FP_M "\"", OR_EAUTH,
                   OR_R_KEY_NOT_BOUND);
    expect_patched("target_fingerprint", "[]", OR_EPROTO, OR_R_JSON_SHAPE);
    expect_patched("public_key", "\"LS0t!!!\"", OR_EPROTO, OR_R_BAD_BASE64);
    /* bytes that do not hash to the source are refused before parsing */
    expect_patched("public_key", "\"aGVsbG8=\"", OR_EAUTH,
                   OR_R_KEY_NOT_BOUND);
    expect_patched("public_key", "7", OR_EPROTO, OR_R_JSON_SHAPE);
    expect_patched("signature", "\"AAAA\"", OR_EAUTH, OR_R_SIG_LENGTH);
    expect_patched("signature", "\"A\"", OR_EPROTO, OR_R_BAD_BASE64);

    js = or_test_read("handshake-request.json", &len);
    /* truncated at every length: never accepted, never crashes */
    for (size_t n = 0; n < len; n += 7) {
        assert_int_not_equal(or_v2_request_check(js, n, FP_B, T_REQ, WINDOW,
                                                 &req, &eb), OR_OK);
    }
    assert_int_equal(or_v2_request_check(js, len - 1, FP_B, T_REQ, WINDOW,
                                         &req, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_JSON_MALFORMED);
    free(js);
    big = malloc(OR_HANDSHAKE_MAX + 1);
    memset(big, ' ', OR_HANDSHAKE_MAX + 1);
    big[0] = '{';
    big[OR_HANDSHAKE_MAX] = '}';
    assert_int_equal(or_v2_request_check(big, OR_HANDSHAKE_MAX + 1, FP_B,
                                         T_REQ, WINDOW, &req, &eb),
                     OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_TOO_BIG);
    free(big);
    js = "{\"a\": [[[[[[[[[[[[[[[[[[[[0]]]]]]]]]]]]]]]]]]]}";
    assert_int_equal(or_v2_request_check(js, strlen(js), FP_B, T_REQ,
                                         WINDOW, &req, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_JSON_DEPTH);
}

static void
expect_reply(or_reason_t reason, const char *file)
{
    char    out[128], *want;
    size_t  n = 0, wn;

    assert_int_equal(or_v2_error_reply(reason, out, sizeof(out), &n), OR_OK);
    if (file == NULL) {
        return;
    }
    want = or_test_read(file, &wn);
    assert_int_equal(n, wn);
    assert_memory_equal(out, want, wn);
    free(want);
}

static void
test_or_v2_error_reply_vectors(void **state)
{
    char    out[8];
    size_t  n;

    (void) state;
    expect_reply(OR_R_NOT_FOR_US, "error-not-for-this-node.json");
    expect_reply(OR_R_HS_EXPIRED, "error-expired.json");
    expect_reply(OR_R_BAD_SIGNATURE, "error-bad-signature.json");
    expect_reply(OR_R_KEY_NOT_BOUND, NULL);
    assert_int_equal(or_v2_error_reply(OR_R_HS_EXPIRED, out, sizeof(out),
                                       &n), OR_ETOOBIG);
}

static or_v2_sent_t
sent_vector(void)
{
    or_v2_sent_t  s = { FP_A, FP_B, T_REQ };

    return s;
}

static or_err_t
check_resp_file(const char *file, const or_v2_sent_t *sent, int64_t now,
    or_v2_response_t *resp, or_errbuf_t *eb)
{
    char      *js;
    size_t     len;
    or_err_t   rc;

    js = or_test_read(file, &len);
    assert_non_null(js);
    rc = or_v2_response_check(js, len, sent, now, WINDOW, resp, eb);
    free(js);
    return rc;
}

static void
test_or_v2_response_check_vector(void **state)
{
    or_v2_response_t  resp;
    or_v2_sent_t      s = sent_vector();
    char              link[OR_LINK_LEN + 1];

    (void) state;
    assert_int_equal(check_resp_file("handshake-response.json", &s, T_RESP,
                                      &resp, NULL), OR_OK);
    assert_string_equal(resp.source, FP_B);
    assert_int_equal(resp.timestamp, T_RESP);
    assert_string_equal(resp.mutual_link, LINK);
    assert_string_equal(or_pubkey_fingerprint(resp.peer_key), FP_B);
    or_v2_response_clear(&resp);
    assert_int_equal(or_v2_mutual_link(FP_A, FP_B, T_REQ, T_RESP, link,
                                       NULL), OR_OK);
    assert_string_equal(link, LINK);
}

static void
expect_resp(const char *file, or_v2_sent_t s, int64_t now, or_err_t err,
    or_reason_t reason)
{
    or_v2_response_t  resp;
    or_errbuf_t       eb;

    memset(&resp, 0, sizeof(resp));
    assert_int_equal(check_resp_file(file, &s, now, &resp, &eb), err);
    assert_int_equal(eb.reason, reason);
    assert_null(resp.peer_key);
}

static void
test_or_v2_response_check_refusals(void **state)
{
    or_v2_sent_t      s = sent_vector();
    or_v2_response_t  resp;
    or_errbuf_t       eb;
    const char       *js;

    (void) state;
    expect_resp("attack-response-key-not-bound.json", s, T_RESP, OR_EAUTH,
                OR_R_KEY_NOT_BOUND);
    expect_resp("handshake-response.json", s, T_RESP + 301, OR_EAUTH,
                OR_R_HS_EXPIRED);
    s.timestamp = T_REQ + 1;    /* not the request we sent */
    expect_resp("handshake-response.json", s, T_RESP, OR_EAUTH,
                OR_R_LINK_MISMATCH);
    s = sent_vector();
    strcpy(s.dialled, FP_M);
    expect_resp("handshake-response.json", s, T_RESP, OR_EAUTH,
                OR_R_WRONG_PEER);
    s = sent_vector();
    strcpy(s.ours, FP_M);
    expect_resp("handshake-response.json", s, T_RESP, OR_EAUTH,
                OR_R_NOT_FOR_US);
    s = sent_vector();
    expect_resp("handshake-request.json", s, T_RESP, OR_EPROTO,
                OR_R_MSG_TYPE);
    expect_resp("error-expired.json", s, T_RESP, OR_EAUTH,
                OR_R_PEER_ERROR);
    js = "{\"error\": \"bad\\nthing\\u00e9\"}";
    assert_int_equal(or_v2_response_check(js, strlen(js), &s, T_RESP,
                                          WINDOW, &resp, &eb), OR_EAUTH);
    assert_string_equal(eb.msg, "peer refused: bad\\x0athing\xc3\xa9");
    js = "{\"error\": 5}";
    assert_int_equal(or_v2_response_check(js, strlen(js), &s, T_RESP,
                                          WINDOW, &resp, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_PEER_ERROR);
    js = "{\"type\": \"p2p_handshake_response\", \"timestamp\": NaN}";
    assert_int_equal(or_v2_response_check(js, strlen(js), &s, T_RESP,
                                          WINDOW, &resp, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_JSON_NONFINITE);
}

/* request by A (vector key), response by B, both checked: a full run */
static void
handshake(or_key_t *ka, or_key_t *kb, int64_t t0)
{
    char              rq[OR_HANDSHAKE_MAX], rs[OR_HANDSHAKE_MAX];
    char              link[OR_LINK_LEN + 1];
    size_t            nq = 0, ns = 0;
    or_v2_request_t   req;
    or_v2_response_t  resp;
    or_v2_sent_t      s;

    assert_int_equal(or_v2_request_build(ka, or_key_fingerprint(kb), t0, rq,
                                         sizeof(rq), &nq, NULL), OR_OK);
    assert_true(nq < 4096);     /* the original reads once, 4096 bytes */
    assert_int_equal(or_v2_request_check(rq, nq, or_key_fingerprint(kb),
                                         t0 + 5, WINDOW, &req, NULL), OR_OK);
    assert_int_equal(or_v2_response_build(kb, &req, t0 + 5, rs, sizeof(rs),
                                          &ns, link, NULL), OR_OK);
    assert_true(ns < 4096);
    snprintf(s.ours, sizeof(s.ours), "%s", or_key_fingerprint(ka));
    snprintf(s.dialled, sizeof(s.dialled), "%s", or_key_fingerprint(kb));
    s.timestamp = t0;
    assert_int_equal(or_v2_response_check(rs, ns, &s, t0 + 6, WINDOW, &resp,
                                          NULL), OR_OK);
    assert_string_equal(resp.mutual_link, link);
    or_v2_request_clear(&req);
    or_v2_response_clear(&resp);
}

static void
test_or_v2_request_build_roundtrip(void **state)
{
    char    rq[OR_HANDSHAKE_MAX], *want;
    size_t  nq, wn;

    (void) state;
    handshake(keys.a, keys.b, T_REQ);
    handshake(keys.gen, keys.a, 1800000000);
    handshake(keys.b, keys.gen, 1800000000);
    /* the layout of the original, up to the random PSS signature */
    assert_int_equal(or_v2_request_build(keys.a, FP_B, T_REQ, rq,
                                         sizeof(rq), &nq, NULL), OR_OK);
    want = or_test_read("handshake-request.json", &wn);
    assert_int_equal(nq, wn);
    assert_memory_equal(rq, want, strstr(want, "\"signature\"") - want);
    assert_string_equal(rq + nq - 19, ", \"valid_for\": 300}");
    free(want);
}

static void
test_or_v2_response_build_layout(void **state)
{
    or_v2_request_t  req;
    char             rs[OR_HANDSHAKE_MAX], link[OR_LINK_LEN + 1], *want;
    size_t           ns = 0, wn;

    (void) state;
    assert_int_equal(check_req_file("handshake-request.json", FP_B, T_RESP,
                                    &req, NULL), OR_OK);
    assert_int_equal(or_v2_response_build(keys.b, &req, T_RESP, rs,
                                          sizeof(rs), &ns, link, NULL),
                     OR_OK);
    or_v2_request_clear(&req);
    assert_string_equal(link, LINK);
    want = or_test_read("handshake-response.json", &wn);
    assert_int_equal(ns, wn);
    assert_memory_equal(rs, want, strstr(want, "\"signature\"") - want);
    assert_string_equal(strstr(rs, ", \"mutual_link\""),
                        strstr(want, ", \"mutual_link\""));
    free(want);
}

static void
test_or_v2_request_build_refusals(void **state)
{
    char         rq[64];
    size_t       nq;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(or_v2_request_build(keys.a, "xyz", T_REQ, rq,
                                         sizeof(rq), &nq, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_BAD_FINGERPRINT);
    assert_int_equal(or_v2_request_build(keys.a, FP_B, T_REQ, rq,
                                         sizeof(rq), &nq, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_BUF_SMALL);
}

/*
 * Issue 16: js with its signature's leading 0x00 removed, so that the
 * signature is one byte short; 0 if its signature does not start with 0x00.
 * out must hold OR_HANDSHAKE_MAX bytes.
 */
static int
strip_sig_zero(const char *js, size_t len, char *out, size_t *outlen)
{
    unsigned char  sig[OR_SIG_MAX];
    char           b64[OR_BASE64_LEN(OR_SIG_MAX) + 1];
    json_t        *root;
    const char    *s;
    char          *dump;
    size_t         n, m;

    root = json_loadb(js, len, 0, NULL);
    assert_non_null(root);
    s = json_string_value(json_object_get(root, "signature"));
    assert_int_equal(or_base64_decode(OR_BASE64_STD, s, strlen(s), sig,
                                      sizeof(sig), &n, NULL), OR_OK);
    if (sig[0] != 0x00) {
        json_decref(root);
        return 0;
    }
    assert_int_equal(or_base64_encode(OR_BASE64_STD, sig + 1, n - 1, b64,
                                      sizeof(b64), &m, NULL), OR_OK);
    json_object_set_new(root, "signature", json_string(b64));
    dump = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    *outlen = strlen(dump);
    assert_true(*outlen < OR_HANDSHAKE_MAX);
    memcpy(out, dump, *outlen);
    free(dump);
    return 1;
}

/* a request and a response whose signature lost its leading zero byte:
 * OpenSSL would verify both; refused as signature_length (4000 tries miss
 * a leading zero with probability e^-15.6) */
static void
test_or_v2_check_short_signature_refused(void **state)
{
    char              rq[OR_HANDSHAKE_MAX], rs[OR_HANDSHAKE_MAX];
    char              bad[OR_HANDSHAKE_MAX];
    size_t            nq = 0, ns = 0, nb = 0;
    const char       *fa = or_key_fingerprint(keys.gen);
    const char       *fb = or_key_fingerprint(keys.b);
    or_v2_request_t   req;
    or_v2_response_t  resp;
    or_v2_sent_t      s;
    or_errbuf_t       eb;
    int               i, found = 0;

    (void) state;
    for (i = 0; i < 4000 && !found; i++) {
        assert_int_equal(or_v2_request_build(keys.gen, fb, T_REQ + i, rq,
                                             sizeof(rq), &nq, NULL), OR_OK);
        found = strip_sig_zero(rq, nq, bad, &nb);
    }
    assert_true(found);
    assert_int_equal(or_v2_request_check(bad, nb, fb, T_REQ + i - 1, WINDOW,
                                         &req, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_SIG_LENGTH);
    assert_int_equal(or_v2_request_check(rq, nq, fb, T_REQ + i - 1, WINDOW,
                                         &req, NULL), OR_OK);
    assert_int_equal(req.siglen, 256);
    /* the response side: b answers gen's request */
    snprintf(s.ours, sizeof(s.ours), "%s", fa);
    snprintf(s.dialled, sizeof(s.dialled), "%s", fb);
    s.timestamp = req.timestamp;
    for (i = 0, found = 0; i < 4000 && !found; i++) {
        assert_int_equal(or_v2_response_build(keys.b, &req, T_RESP + i, rs,
                                              sizeof(rs), &ns, NULL, NULL),
                         OR_OK);
        found = strip_sig_zero(rs, ns, bad, &nb);
    }
    assert_true(found);
    assert_int_equal(or_v2_response_check(bad, nb, &s, T_RESP + i - 1,
                                          WINDOW, &resp, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_SIG_LENGTH);
    assert_int_equal(or_v2_response_check(rs, ns, &s, T_RESP + i - 1,
                                          WINDOW, &resp, NULL), OR_OK);
    or_v2_response_clear(&resp);
    or_v2_request_clear(&req);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_v2_request_check_vector),
        cmocka_unit_test(test_or_v2_request_check_refusals),
        cmocka_unit_test(test_or_v2_request_check_malformed),
        cmocka_unit_test(test_or_v2_error_reply_vectors),
        cmocka_unit_test(test_or_v2_response_check_vector),
        cmocka_unit_test(test_or_v2_response_check_refusals),
        cmocka_unit_test(test_or_v2_request_build_roundtrip),
        cmocka_unit_test(test_or_v2_response_build_layout),
        cmocka_unit_test(test_or_v2_request_build_refusals),
        cmocka_unit_test(test_or_v2_check_short_signature_refused),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
