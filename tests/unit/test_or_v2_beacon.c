/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_v2_beacon.c: the original's beacons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "openred.h"
#include "or_test_vectors.h"

#define BEACON_TIME  1764000002

static or_fernet_t  *def_key;     /* the public network's */
static or_fernet_t  *priv_key;    /* beacon-b-private.token's network */

static int
setup(void **state)
{
    const char  *p = "OpenRed-P2P-Discovery-2025";
    const char  *q = "a private health network";

    (void) state;
    return or_fernet_derive(p, strlen(p), &def_key, NULL) == OR_OK
           && or_fernet_derive(q, strlen(q), &priv_key, NULL) == OR_OK
           ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    or_fernet_free(def_key);
    or_fernet_free(priv_key);
    return 0;
}

/* with the public network's key alone: *b on OR_OK */
static or_err_t
open1(const char *tok, size_t len, const or_fernet_time_t *t,
    or_v2_beacon_t *b, or_errbuf_t *eb)
{
    or_v2_opened_t  o;
    or_err_t        rc;

    rc = or_v2_beacon_open(&def_key, 1, tok, len, t, &o, eb);
    if (rc == OR_OK) {
        assert_int_equal(o.key, 0);
        assert_int_equal(o.decrypted, 1);
        *b = o.beacon;
    }
    return rc;
}

static void
test_or_v2_beacon_open_vector(void **state)
{
    or_fernet_time_t  t = { BEACON_TIME, 60, 60 };
    or_v2_beacon_t    b;
    char             *tok;
    size_t            len;
    or_errbuf_t       eb;

    (void) state;
    tok = or_test_read("beacon-a.token", &len);
    assert_int_equal(open1(tok, len, &t, &b, &eb),
                     OR_OK);
    assert_string_equal(b.fingerprint, "08aca75be7a88fef");
    assert_string_equal(b.sector, "tech");
    assert_int_equal(b.nservices, 3);
    assert_string_equal(b.services[2], "revolutionary_p2p");
    assert_int_equal(b.activity_level, 87);
    assert_string_equal(b.ip, "127.0.0.1");
    assert_int_equal(b.port, 9001);
    assert_true(b.timestamp == 1764000002.25);
    assert_string_equal(b.zone_hash, "zone_616c143ac5188678");
    t.now = BEACON_TIME + 61;
    assert_int_equal(open1(tok, len, &t, &b, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_EXPIRED);
    free(tok);
    tok = or_test_read("beacon-b-private.token", &len);
    t.now = BEACON_TIME;
    assert_int_equal(open1(tok, len, &t, &b, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_HMAC);
    free(tok);
}

/* the second of two keys opens it: its index, the token's own time */
static void
test_or_v2_beacon_open_second_key(void **state)
{
    or_fernet_t *const  keys[2] = { priv_key, def_key };
    or_fernet_time_t    t = { BEACON_TIME, 60, 60 };
    or_v2_opened_t      o;
    or_errbuf_t         eb;
    char               *tok, *plain;
    size_t              len, n;

    (void) state;
    tok = or_test_read("beacon-a.token", &len);
    plain = or_test_read("beacon-a.plain.json", &n);
    o.key = 9;
    assert_int_equal(or_v2_beacon_open(keys, 2, tok, len, &t, &o, &eb),
                     OR_OK);
    assert_int_equal(o.key, 1);
    assert_int_equal(o.decrypted, 1);
    assert_int_equal(o.timestamp, BEACON_TIME);
    assert_string_equal(o.beacon.fingerprint, "08aca75be7a88fef");
    assert_int_equal(o.plainlen, n);
    assert_memory_equal(o.plain, plain, n);
    free(tok);
    free(plain);
    /* and the first, for the private network's token */
    tok = or_test_read("beacon-b-private.token", &len);
    assert_int_equal(or_v2_beacon_open(keys, 2, tok, len, &t, &o, &eb),
                     OR_OK);
    assert_int_equal(o.key, 0);
    assert_string_equal(o.beacon.sector, "health");
    free(tok);
}

/* no key fits: the HMAC refusal, nothing decrypted */
static void
test_or_v2_beacon_open_no_key_fits(void **state)
{
    or_fernet_t *const  keys[2] = { priv_key, def_key };
    or_fernet_time_t    t = { BEACON_TIME, 60, 60 };
    or_v2_opened_t      o;
    or_errbuf_t         eb;
    char               *tok;
    size_t              len;

    (void) state;
    tok = or_test_read("beacon-a.token", &len);
    assert_int_equal(or_v2_beacon_open(keys, 1, tok, len, &t, &o, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_HMAC);
    assert_string_equal(eb.msg, "wrong key or HMAC mismatch");
    assert_int_equal(o.decrypted, 0);
    free(tok);
    tok = or_test_read("beacon-a-bad-hmac.token", &len);
    assert_int_equal(or_v2_beacon_open(keys, 2, tok, len, &t, &o, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_HMAC);
    assert_int_equal(o.decrypted, 0);
    free(tok);
}

static void
test_or_v2_beacon_open_zero_keys(void **state)
{
    or_fernet_time_t  t = { BEACON_TIME, 60, 60 };
    or_v2_opened_t    o;
    or_errbuf_t       eb;
    char             *tok;
    size_t            len;

    (void) state;
    tok = or_test_read("beacon-a.token", &len);
    o.decrypted = 1;
    assert_int_equal(or_v2_beacon_open(&def_key, 0, tok, len, &t, &o, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_HMAC);
    assert_string_equal(eb.msg, "no key to open the token with");
    assert_int_equal(o.decrypted, 0);
    assert_int_equal(or_v2_beacon_open(NULL, 0, tok, len, &t, &o, NULL),
                     OR_EAUTH);
    free(tok);
}

/* The plaintext bound, OR_BEACON_PLAIN_MAX: at it, the token decrypts
 * (and what is not a beacon is kept for a tool to show); one byte more is
 * OR_R_TOO_BIG, the sender's fault, not a short buffer of ours. */
static void
test_or_v2_beacon_open_plain_bound(void **state)
{
    or_fernet_t *const  keys[2] = { priv_key, def_key };
    or_fernet_time_t    t = { BEACON_TIME, 60, 60 };
    static char         junk[OR_BEACON_PLAIN_MAX + 1];
    char                tok[OR_BEACON_MAX + 1];
    or_v2_opened_t      o;
    or_errbuf_t         eb;
    size_t              n, len;

    (void) state;
    memset(junk, 'x', sizeof(junk));
    for (n = OR_BEACON_PLAIN_MAX - 1; n <= OR_BEACON_PLAIN_MAX + 1; n++) {
        assert_int_equal(or_fernet_seal(def_key, junk, n, BEACON_TIME, tok,
                                        sizeof(tok), &len, &eb), OR_OK);
        assert_true(len <= OR_BEACON_MAX);
        if (n <= OR_BEACON_PLAIN_MAX) {
            assert_int_equal(or_v2_beacon_open(keys, 2, tok, len, &t, &o,
                                               &eb), OR_EPROTO);
            assert_int_equal(eb.reason, OR_R_JSON_MALFORMED);
            assert_int_equal(o.decrypted, 1);
            assert_int_equal(o.key, 1);
            assert_int_equal(o.plainlen, n);
            assert_memory_equal(o.plain, junk, n);
        } else {
            assert_int_equal(or_v2_beacon_open(keys, 2, tok, len, &t, &o,
                                               &eb), OR_ETOOBIG);
            assert_int_equal(eb.reason, OR_R_TOO_BIG);
            assert_int_equal(o.decrypted, 0);
        }
    }
}

/* parse a vector plaintext, build it again: the same bytes */
static void
rebuild(const char *file, uint16_t port)
{
    or_v2_beacon_t  b;
    char           *plain, out[OR_BEACON_PLAIN_MAX];
    size_t          len, n = 0;

    plain = or_test_read(file, &len);
    assert_int_equal(or_v2_beacon_parse(plain, len, &b, NULL), OR_OK);
    assert_int_equal(b.port, port);
    assert_int_equal(or_v2_beacon_build(&b, out, sizeof(out), &n, NULL),
                     OR_OK);
    assert_int_equal(n, len);
    assert_memory_equal(out, plain, len);
    free(plain);
}

static void
test_or_v2_beacon_build_layout(void **state)
{
    (void) state;
    rebuild("beacon-a.plain.json", 9001);
    rebuild("beacon-b-private.plain.json", 9002);
}

static void
test_or_v2_beacon_seal_roundtrip(void **state)
{
    or_fernet_time_t  t = { 2000000000, 60, 60 };
    or_v2_beacon_t    b, back;
    char              tok[OR_BEACON_MAX + 1];
    size_t            n;

    (void) state;
    memset(&b, 0, sizeof(b));
    strcpy(b.fingerprint, "0123456789abcdef");
    memset(b.node_hash, 'a', OR_NODE_HASH_LEN);
    strcpy(b.sector, "sant\xc3\xa9");
    strcpy(b.services[0], "chat");
    b.nservices = 1;
    strcpy(b.ip, "10.0.0.7");
    b.port = 9100;
    b.timestamp = 2000000000.5;
    assert_int_equal(or_v2_beacon_seal(def_key, &b, 2000000000, tok,
                                       sizeof(tok), &n, NULL), OR_OK);
    assert_int_equal(open1(tok, n, &t, &back, NULL),
                     OR_OK);
    assert_memory_equal(&back, &b, sizeof(b));
}

static void
test_or_v2_beacon_build_refusals(void **state)
{
    or_v2_beacon_t  b;
    char            out[64];
    size_t          n;
    or_errbuf_t     eb;

    (void) state;
    memset(&b, 0, sizeof(b));
    strcpy(b.fingerprint, "0123456789ABCDEF");
    assert_int_equal(or_v2_beacon_build(&b, out, sizeof(out), &n, &eb),
                     OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_BAD_FINGERPRINT);
    strcpy(b.fingerprint, "0123456789abcdef");
    assert_int_equal(or_v2_beacon_build(&b, out, sizeof(out), &n, &eb),
                     OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_BUF_SMALL);
    b.nservices = OR_V2_SERVICES_MAX + 1;
    assert_int_equal(or_v2_beacon_build(&b, out, sizeof(out), &n, &eb),
                     OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_TOO_BIG);
}

static void
expect_parse(const char *json, or_err_t err, or_reason_t reason)
{
    or_v2_beacon_t  b;
    or_errbuf_t     eb = { OR_R_NONE, "" };

    memset(&b, 0x5a, sizeof(b));
    assert_int_equal(or_v2_beacon_parse(json, strlen(json), &b, &eb), err);
    if (err != OR_OK) {
        assert_int_equal(eb.reason, reason);
        assert_int_equal(b.fingerprint[0], 0x5a);   /* untouched */
    }
}

#define T  "\"beacon_type\": \"revolutionary_p2p_discovery\""
#define FP "\"node_fingerprint\": \"08aca75be7a88fef\""

static void
test_or_v2_beacon_parse_refusals(void **state)
{
    char  *big;

    (void) state;
    expect_parse("{" T ", " FP "}", OR_OK, OR_R_NONE);
    expect_parse("{" FP "}", OR_EPROTO, OR_R_BEACON_TYPE);
    expect_parse("{\"beacon_type\": \"other\", " FP "}", OR_EPROTO,
                 OR_R_BEACON_TYPE);
    expect_parse("{\"beacon_type\": 1, " FP "}", OR_EPROTO,
                 OR_R_BEACON_TYPE);
    expect_parse("{" T "}", OR_EPROTO, OR_R_JSON_SHAPE);
    expect_parse("{" T ", \"node_fingerprint\": \"08aca75be7a88fe\"}",
                 OR_EPROTO, OR_R_BAD_FINGERPRINT);
    expect_parse("{" T ", \"node_fingerprint\": 8}", OR_EPROTO,
                 OR_R_JSON_SHAPE);
    expect_parse("{" T ", " FP ", \"services\": \"chat\"}", OR_EPROTO,
                 OR_R_JSON_SHAPE);
    expect_parse("{" T ", " FP ", \"services\": [1]}", OR_EPROTO,
                 OR_R_JSON_SHAPE);
    expect_parse("{" T ", " FP ", \"services\": [\"a\", \"a\", \"a\", \"a\", "
                 "\"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", "
                 "\"a\", \"a\", \"a\", \"a\", \"a\"]}", OR_EPROTO,
                 OR_R_JSON_SHAPE);
    expect_parse("{" T ", " FP ", \"sector\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
                 OR_EPROTO, OR_R_JSON_SHAPE);
    expect_parse("{" T ", " FP ", \"p2p_endpoint\": {\"port\": 70000}}",
                 OR_EPROTO, OR_R_JSON_SHAPE);
    expect_parse("{" T ", " FP ", \"p2p_endpoint\": {\"port\": 0}}",
                 OR_EPROTO, OR_R_JSON_SHAPE);
    expect_parse("{" T ", " FP ", \"p2p_endpoint\": [9001]}", OR_EPROTO,
                 OR_R_JSON_SHAPE);
    expect_parse("{" T ", " FP ", \"activity_level\": 1e999}", OR_EPROTO,
                 OR_R_JSON_MALFORMED);
    expect_parse("{" T ", " FP ", \"activity_level\": "
                 "123456789012345678901234567890}", OR_EPROTO,
                 OR_R_JSON_MALFORMED);
    expect_parse("{" T ", " FP ", \"timestamp\": NaN}", OR_EPROTO,
                 OR_R_JSON_NONFINITE);
    expect_parse("{" T ", " FP ", \"timestamp\": \"now\"}", OR_EPROTO,
                 OR_R_JSON_SHAPE);
    expect_parse("{" T ", " FP ", \"x\": [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}",
                 OR_EPROTO, OR_R_JSON_DEPTH);
    expect_parse("not json", OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_parse("[]", OR_EPROTO, OR_R_JSON_SHAPE);
    big = malloc(OR_BEACON_MAX + 256);
    snprintf(big, OR_BEACON_MAX + 256, "{" T ", " FP ", \"x\": \"%*s\"}",
             OR_BEACON_MAX, "");
    expect_parse(big, OR_ETOOBIG, OR_R_TOO_BIG);
    free(big);
}

/*
 * or_v2_beacon_parse reads the plain json.dumps layout itself and leaves
 * the rest to jansson. A trailing space is valid JSON outside that layout,
 * so parsing X and X + " " compares the two paths: same code, same reason,
 * same struct.
 */
static or_err_t
parse_both(const char *json, or_reason_t *reason)
{
    or_v2_beacon_t  b1, b2;
    or_errbuf_t     e1 = { OR_R_NONE, "" }, e2 = { OR_R_NONE, "" };
    char            spaced[OR_BEACON_MAX + 2];
    size_t          n = strlen(json);
    or_err_t        r1, r2;

    assert_true(n + 1 < sizeof(spaced));
    memcpy(spaced, json, n);
    spaced[n] = ' ';
    memset(&b1, 0x5a, sizeof(b1));
    memset(&b2, 0xa5, sizeof(b2));
    r1 = or_v2_beacon_parse(json, n, &b1, &e1);
    r2 = or_v2_beacon_parse(spaced, n + 1, &b2, &e2);
    assert_int_equal(r1, r2);
    assert_int_equal(e1.reason, e2.reason);
    assert_string_equal(e1.msg, e2.msg);
    if (r1 == OR_OK) {
        assert_memory_equal(&b1, &b2, sizeof(b1));
    }
    *reason = e1.reason;
    return r1;
}

/* the original's layout with the given raw JSON values */
static void
layout(char *out, size_t cap, const char *fp, const char *hash,
    const char *services, const char *activity, const char *ip,
    const char *port, const char *ts)
{
    snprintf(out, cap, "{\"node_fingerprint\": %s, \"node_hash\": %s, "
             "\"sector\": \"tech\", \"services\": %s, \"activity_level\": "
             "%s, \"zone_hash\": \"zone_616c143ac5188678\", "
             "\"p2p_endpoint\": {\"ip\": %s, \"port\": %s}, \"timestamp\": "
             "%s, \"beacon_type\": \"revolutionary_p2p_discovery\", "
             "\"protocol_version\": \"2.0\", \"central_api_abandoned\": "
             "true, \"security\": {\"fingerprint\": \"08aca75be7a88fef\", "
             "\"hash_display\": \"bdd6bfea...\", \"crypto_ready\": true, "
             "\"revolutionary_protocol\": true, \"anti_surveillance\": "
             "true}}", fp, hash, services, activity, ip, port, ts);
}

#define FPV   "\"08aca75be7a88fef\""
#define HASH  "\"bdd6bfeac4b7170138b1eda69b29b119f5717e2deccd815bd9819c3d3d5b" \
              "cc82\""
#define SVC   "[\"storage\", \"compute\"]"
#define IP    "\"127.0.0.1\""

static void
expect_both(const char *fp, const char *hash, const char *services,
    const char *activity, const char *ip, const char *port, const char *ts,
    or_err_t err, or_reason_t reason)
{
    char         json[OR_BEACON_PLAIN_MAX];
    or_reason_t  got;

    layout(json, sizeof(json), fp, hash, services, activity, ip, port, ts);
    assert_int_equal(parse_both(json, &got), err);
    assert_int_equal(got, reason);
}

static void
test_or_v2_beacon_parse_fast_path(void **state)
{
    static const char *const  ts_ok[] = {
        "1764000002.25", "1764000002", "0", "-0", "-0.0", "1e3", "1E+3",
        "2.5e-3", "123456789012345678", "0.1", "1.7976931348623157e308",
        "4.9e-324", "1e-400", "-1234567890.0987654321e-5",
    };
    static const char *const  ts_bad[] = {
        "1e999", "-1e999", "01", "1.", ".5", "1e", "+1", "--1", "0x10",
        "12345678901234567890",
    };
    static const char *const  files[] = {
        "beacon-a.plain.json", "beacon-b-private.plain.json",
    };
    char                      *plain, svc[1200];
    size_t                     i, n;
    or_reason_t                got;

    (void) state;
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        plain = or_test_read(files[i], &n);
        assert_int_equal(parse_both(plain, &got), OR_OK);
        free(plain);
    }
    for (i = 0; i < sizeof(ts_ok) / sizeof(ts_ok[0]); i++) {
        expect_both(FPV, HASH, SVC, "87", IP, "9001", ts_ok[i], OR_OK,
                    OR_R_NONE);
    }
    for (i = 0; i < sizeof(ts_bad) / sizeof(ts_bad[0]); i++) {
        expect_both(FPV, HASH, SVC, "87", IP, "9001", ts_bad[i], OR_EPROTO,
                    OR_R_JSON_MALFORMED);
    }
    expect_both(FPV, HASH, "[]", "-87", "\"\"", "1", "1", OR_OK, OR_R_NONE);
    expect_both(FPV, HASH, "[\"\x7f ~\"]", "0", IP, "9001", "-5", OR_OK,
                OR_R_NONE);
    expect_both(FPV, HASH, "[\"\\u00e9\", \"a\\\"b\", \"\x7f\"]",
                "999999999999999999", "\"::1\"", "65535", "1", OR_OK,
                OR_R_NONE);
    expect_both(FPV, "\"h\\u00e9\"", SVC, "-9223372036854775808", IP, "2",
                "1", OR_OK, OR_R_NONE);
    /* the fast path's own checks, each refused by jansson's path */
    expect_both("\"08ACA75BE7A88FEF\"", HASH, SVC, "87", IP, "9001", "1",
                OR_EPROTO, OR_R_BAD_FINGERPRINT);
    expect_both("\"08aca75be7a88fef0\"", HASH, SVC, "87", IP, "9001", "1",
                OR_EPROTO, OR_R_BAD_FINGERPRINT);
    expect_both(FPV, "\"bdd6bfeac4b7170138b1eda69b29b119f5717e2deccd815bd98"
                "19c3d3d5bcc820\"", SVC, "87", IP, "9001", "1", OR_EPROTO,
                OR_R_JSON_SHAPE);
    expect_both(FPV, HASH, SVC, "87", IP, "0", "1", OR_EPROTO,
                OR_R_JSON_SHAPE);
    expect_both(FPV, HASH, SVC, "87", IP, "65536", "1", OR_EPROTO,
                OR_R_JSON_SHAPE);
    expect_both(FPV, HASH, SVC, "87", IP, "-1", "1", OR_EPROTO,
                OR_R_JSON_SHAPE);
    expect_both(FPV, HASH, SVC, "87.0", IP, "9001", "1", OR_EPROTO,
                OR_R_JSON_SHAPE);
    expect_both(FPV, HASH, SVC, "9223372036854775808", IP, "9001", "1",
                OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_both(FPV, HASH, SVC, "87", "\"1234567890123456789012345678901234"
                "567890123456\"", "9001", "1", OR_EPROTO, OR_R_JSON_SHAPE);
    expect_both(FPV, HASH, "[\"a\tb\"]", "87", IP, "9001", "1", OR_EPROTO,
                OR_R_JSON_MALFORMED);
    expect_both(FPV, HASH, "[\"\xc3\"]", "87", IP, "9001", "1", OR_EPROTO,
                OR_R_JSON_MALFORMED);
    /* 16 services pass, 17 do not; a name of 64 bytes passes, 65 not */
    strcpy(svc, "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
           "aaaaa\"");
    for (i = 1; i < OR_V2_SERVICES_MAX; i++) {
        strcat(svc, ", \"s\"");
    }
    expect_both(FPV, HASH, strcat(svc, "]"), "87", IP, "9001", "1", OR_OK,
                OR_R_NONE);
    strcpy(svc + strlen(svc) - 1, ", \"s\"]");
    expect_both(FPV, HASH, svc, "87", IP, "9001", "1", OR_EPROTO,
                OR_R_JSON_SHAPE);
    expect_both(FPV, HASH, "[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                "aaaaaaaaaaaaaaaaaaaa\"]", "87", IP, "9001", "1", OR_EPROTO,
                OR_R_JSON_SHAPE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_v2_beacon_open_vector),
        cmocka_unit_test(test_or_v2_beacon_open_second_key),
        cmocka_unit_test(test_or_v2_beacon_open_no_key_fits),
        cmocka_unit_test(test_or_v2_beacon_open_zero_keys),
        cmocka_unit_test(test_or_v2_beacon_open_plain_bound),
        cmocka_unit_test(test_or_v2_beacon_build_layout),
        cmocka_unit_test(test_or_v2_beacon_seal_roundtrip),
        cmocka_unit_test(test_or_v2_beacon_build_refusals),
        cmocka_unit_test(test_or_v2_beacon_parse_refusals),
        cmocka_unit_test(test_or_v2_beacon_parse_fast_path),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
