/* Unit tests of src/crypto/or_v2_beacon.c: the original's beacons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "openred.h"
#include "or_test_vectors.h"

#define BEACON_TIME  1764000002

static or_fernet_t  *def_key;

static int
setup(void **state)
{
    const char  *p = "OpenRed-P2P-Discovery-2025";

    (void) state;
    return or_fernet_derive(p, strlen(p), &def_key, NULL) == OR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    or_fernet_free(def_key);
    return 0;
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
    assert_int_equal(or_v2_beacon_open(def_key, tok, len, &t, &b, &eb),
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
    assert_int_equal(or_v2_beacon_open(def_key, tok, len, &t, &b, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_EXPIRED);
    free(tok);
    tok = or_test_read("beacon-b-private.token", &len);
    t.now = BEACON_TIME;
    assert_int_equal(or_v2_beacon_open(def_key, tok, len, &t, &b, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_HMAC);
    free(tok);
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
    assert_int_equal(or_v2_beacon_open(def_key, tok, n, &t, &back, NULL),
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_v2_beacon_open_vector),
        cmocka_unit_test(test_or_v2_beacon_build_layout),
        cmocka_unit_test(test_or_v2_beacon_seal_roundtrip),
        cmocka_unit_test(test_or_v2_beacon_build_refusals),
        cmocka_unit_test(test_or_v2_beacon_parse_refusals),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
