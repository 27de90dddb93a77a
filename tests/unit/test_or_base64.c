/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_base64.c: strict std and url-safe base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "or_base64.h"
#include "or_test_vectors.h"

static void
test_or_base64_encode_roundtrip(void **state)
{
    unsigned char  in[64], out[64];
    char           b64[128];
    size_t         i, n, m;
    int            url;

    (void) state;
    for (i = 0; i < sizeof(in); i++) {
        in[i] = (unsigned char) (i * 37 + 250);
    }
    for (url = 0; url <= 1; url++) {
        for (i = 0; i <= sizeof(in); i++) {
            assert_int_equal(or_base64_encode(url, in, i, b64, sizeof(b64),
                                              &n, NULL), OR_OK);
            assert_int_equal(n, OR_BASE64_LEN(i));
            assert_int_equal(strlen(b64), n);
            assert_null(strchr(b64, url ? '+' : '-'));
            assert_null(strchr(b64, url ? '/' : '_'));
            if (i == 0) {
                continue;
            }
            assert_int_equal(or_base64_decode(url, b64, n, out, sizeof(out),
                                              &m, NULL), OR_OK);
            assert_int_equal(m, i);
            assert_memory_equal(out, in, i);
        }
    }
}

static void
test_or_base64_encode_small_buffer(void **state)
{
    char         b64[4];
    size_t       n = 99;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(or_base64_encode(OR_BASE64_STD, "abc", 3, b64,
                                      sizeof(b64), &n, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_BUF_SMALL);
    assert_int_equal(n, 99);
}

static void
test_or_base64_decode_network_key(void **state)
{
    unsigned char  raw[64];
    char           line[128];
    size_t         n;

    (void) state;
    assert_int_equal(or_test_read_line("network-key-private.txt", line,
                                       sizeof(line)), 0);
    assert_int_equal(or_base64_decode(OR_BASE64_URL, line, strlen(line), raw,
                                      sizeof(raw), &n, NULL), OR_OK);
    assert_int_equal(n, 32);
    /* the url alphabet only: the same text is bad standard base64 */
    assert_int_equal(or_base64_decode(OR_BASE64_STD, line, strlen(line), raw,
                                      sizeof(raw), &n, NULL), OR_EPROTO);
}

static void
expect_bad(int url, const char *s, const char *msg_part)
{
    unsigned char  out[64];
    size_t         n = 12345;
    or_errbuf_t    eb;

    assert_int_equal(or_base64_decode(url, s, strlen(s), out, sizeof(out),
                                      &n, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_BAD_BASE64);
    assert_non_null(strstr(eb.msg, "bad base64"));
    assert_non_null(strstr(eb.msg, msg_part));
    assert_int_equal(n, 12345);
}

static void
test_or_base64_decode_malformed(void **state)
{
    (void) state;
    expect_bad(OR_BASE64_STD, "", "multiple of 4");
    expect_bad(OR_BASE64_STD, "QUJD\n", "multiple of 4");
    expect_bad(OR_BASE64_STD, "QUJ", "multiple of 4");
    expect_bad(OR_BASE64_STD, "QU=D", "invalid character");
    expect_bad(OR_BASE64_STD, "Q===", "too much padding");
    expect_bad(OR_BASE64_STD, "QUJD QUJD", "multiple of 4");
    expect_bad(OR_BASE64_STD, "QUJ QUJD", "invalid character 0x20");
    expect_bad(OR_BASE64_STD, "QUI-", "invalid character");
    expect_bad(OR_BASE64_URL, "QUI+", "invalid character");
    expect_bad(OR_BASE64_STD, "QUJ\xff", "invalid character 0xff");
    /* "QR==" and "QUK=" carry non-zero bits past the data */
    expect_bad(OR_BASE64_STD, "QR==", "trailing bits");
    expect_bad(OR_BASE64_STD, "QUK=", "trailing bits");
}

static void
test_or_base64_decode_small_buffer(void **state)
{
    unsigned char  out[2];
    size_t         n;
    or_errbuf_t    eb;

    (void) state;
    assert_int_equal(or_base64_decode(OR_BASE64_STD, "QUJD", 4, out,
                                      sizeof(out), &n, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_BUF_SMALL);
    assert_int_equal(or_base64_decode(OR_BASE64_STD, "QUI=", 4, out,
                                      sizeof(out), &n, &eb), OR_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "AB", 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_base64_encode_roundtrip),
        cmocka_unit_test(test_or_base64_encode_small_buffer),
        cmocka_unit_test(test_or_base64_decode_network_key),
        cmocka_unit_test(test_or_base64_decode_malformed),
        cmocka_unit_test(test_or_base64_decode_small_buffer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
