/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_v2_message.c: post-handshake messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "openred.h"
#include "or_test_vectors.h"

#define FP_A  "08aca75be7a88fef"
#define FP_B  "d94956da64d2be34"
#define LINK  "a930ab32411adc1e36767682e6df290e"

static void
test_or_v2_message_parse_vector(void **state)
{
    or_v2_message_t  m;
    char            *js, *p;
    size_t           len;

    (void) state;
    js = or_test_read("message.json", &len);
    assert_int_equal(or_v2_message_parse(js, len, &m, NULL), OR_OK);
    assert_string_equal(m.source, FP_A);
    assert_string_equal(m.target, FP_B);
    assert_true(m.timestamp == 1764000001.5);
    assert_int_equal(m.has_link, 0);
    /* the payload comes back as the original wrote it */
    p = strstr(js, "\"payload\": ") + 11;
    assert_int_equal(m.payload_len, strlen(p) - 1);
    assert_memory_equal(m.payload, p, m.payload_len);
    or_v2_message_clear(&m);
    assert_null(m.payload);
    free(js);
}

static void
test_or_v2_message_build_vector(void **state)
{
    char    *js, *payload, out[OR_MESSAGE_MAX];
    size_t   len, n = 0;

    (void) state;
    js = or_test_read("message.json", &len);
    payload = strstr(js, "\"payload\": ") + 11;
    assert_int_equal(or_v2_message_build(FP_A, FP_B, 1764000001.5, NULL,
                                         payload, strlen(payload) - 1, out,
                                         sizeof(out), &n, NULL), OR_OK);
    assert_int_equal(n, len);
    assert_memory_equal(out, js, len);
    free(js);
}

static void
test_or_v2_message_build_roundtrip(void **state)
{
    const char      *payload = "{\"k\":[1,2.5,\"\\u00e9\",null,true,{}]}";
    char             out[512];
    size_t           n;
    or_v2_message_t  m;

    (void) state;
    assert_int_equal(or_v2_message_build(FP_B, FP_A, 1800000000.25, LINK,
                                         payload, strlen(payload), out,
                                         sizeof(out), &n, NULL), OR_OK);
    assert_int_equal(or_v2_message_parse(out, n, &m, NULL), OR_OK);
    assert_int_equal(m.has_link, 1);
    assert_string_equal(m.mutual_link, LINK);
    assert_string_equal(m.payload,
                        "{\"k\": [1, 2.5, \"\\u00e9\", null, true, {}]}");
    or_v2_message_clear(&m);
}

static void
test_or_v2_message_build_refusals(void **state)
{
    char         out[64];
    size_t       n;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(or_v2_message_build(FP_A, "nope", 1.0, NULL, "{}", 2,
                                         out, sizeof(out), &n, &eb),
                     OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_BAD_FINGERPRINT);
    assert_int_equal(or_v2_message_build(FP_A, FP_B, 1.0, "abc", "{}", 2,
                                         out, sizeof(out), &n, &eb),
                     OR_EPROTO);
    assert_int_equal(or_v2_message_build(FP_A, FP_B, 1.0, NULL, "[]", 2,
                                         out, sizeof(out), &n, &eb),
                     OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_JSON_SHAPE);
    assert_int_equal(or_v2_message_build(FP_A, FP_B, 1.0, NULL, "{}", 2,
                                         out, sizeof(out), &n, &eb),
                     OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_BUF_SMALL);
}

static void
expect_parse(const char *js, or_err_t err, or_reason_t reason)
{
    or_v2_message_t  m;
    or_errbuf_t      eb;

    memset(&m, 0, sizeof(m));
    assert_int_equal(or_v2_message_parse(js, strlen(js), &m, &eb), err);
    assert_int_equal(eb.reason, reason);
    assert_null(m.payload);
}

#define HEAD  "{\"type\": \"revolutionary_p2p_message\", " \
              "\"source_fingerprint\": \"" FP_A "\", " \
              "\"target_fingerprint\": \"" FP_B "\", "

static void
test_or_v2_message_parse_refusals(void **state)
{
    char  *big;

    (void) state;
    expect_parse(HEAD "\"timestamp\": 1, \"payload\": []}", OR_EPROTO,
                 OR_R_JSON_SHAPE);
    expect_parse(HEAD "\"timestamp\": 1}", OR_EPROTO, OR_R_JSON_SHAPE);
    expect_parse(HEAD "\"timestamp\": \"1\", \"payload\": {}}", OR_EPROTO,
                 OR_R_JSON_SHAPE);
    expect_parse(HEAD "\"timestamp\": NaN, \"payload\": {}}", OR_EPROTO,
                 OR_R_JSON_NONFINITE);
    expect_parse(HEAD "\"timestamp\": 1, \"mutual_link\": \"xyz\", "
                 "\"payload\": {}}", OR_EPROTO, OR_R_JSON_SHAPE);
    expect_parse(HEAD "\"timestamp\": 1, \"mutual_link\": 5, "
                 "\"payload\": {}}", OR_EPROTO, OR_R_JSON_SHAPE);
    expect_parse("{\"type\": \"p2p_handshake_request\"}", OR_EPROTO,
                 OR_R_MSG_TYPE);
    expect_parse("{\"type\": \"revolutionary_p2p_message\", "
                 "\"source_fingerprint\": \"x\"}", OR_EPROTO,
                 OR_R_BAD_FINGERPRINT);
    expect_parse(HEAD "\"timestamp\": 1, \"payload\": {\"a\": [[[[[[[[[[[[["
                 "[[[[[]]]]]]]]]]]]]]]]]}}", OR_EPROTO, OR_R_JSON_DEPTH);
    expect_parse(HEAD "\"timestamp\": 1, \"payload\": {\"n\": "
                 "1234567890123456789012}}", OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_parse("{\"type\": ", OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_parse("", OR_EPROTO, OR_R_JSON_MALFORMED);
    big = malloc(OR_MESSAGE_MAX + 2);
    memset(big, ' ', OR_MESSAGE_MAX + 1);
    big[0] = '{';
    big[OR_MESSAGE_MAX] = '}';
    big[OR_MESSAGE_MAX + 1] = '\0';
    expect_parse(big, OR_ETOOBIG, OR_R_TOO_BIG);
    free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_v2_message_parse_vector),
        cmocka_unit_test(test_or_v2_message_build_vector),
        cmocka_unit_test(test_or_v2_message_build_roundtrip),
        cmocka_unit_test(test_or_v2_message_build_refusals),
        cmocka_unit_test(test_or_v2_message_parse_refusals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
