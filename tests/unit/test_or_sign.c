/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_sign.c: RSA-PSS with the original's params. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "openred.h"
#include "or_base64.h"
#include "or_test_vectors.h"

static or_key_t  *gen_key;

static int
setup(void **state)
{
    (void) state;
    return or_key_generate(&gen_key, NULL) == OR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    or_key_free(gen_key);
    return 0;
}

static or_pubkey_t *
gen_pub(void)
{
    or_pubkey_t  *pk;
    const char   *pem;
    size_t        n;

    pem = or_key_public_pem(gen_key, &n);
    assert_int_equal(or_pubkey_import(pem, n, &pk, NULL), OR_OK);
    return pk;
}

static void
test_or_sign_roundtrip(void **state)
{
    unsigned char  sig[OR_SIG_MAX];
    size_t         n = 0;
    or_pubkey_t   *pk = gen_pub();
    or_errbuf_t    eb;

    (void) state;
    assert_int_equal(or_sign(gen_key, "a:b:1", 5, sig, sizeof(sig), &n,
                             NULL), OR_OK);
    assert_int_equal(n, 256);
    assert_int_equal(or_verify(pk, "a:b:1", 5, sig, n, NULL), OR_OK);
    assert_int_equal(or_verify(pk, "a:b:2", 5, sig, n, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_BAD_SIGNATURE);
    sig[10] ^= 1;
    assert_int_equal(or_verify(pk, "a:b:1", 5, sig, n, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_BAD_SIGNATURE);
    sig[10] ^= 1;
    assert_int_equal(or_verify(pk, "a:b:1", 5, sig, n - 1, &eb), OR_EAUTH);
    assert_int_equal(or_verify(pk, "a:b:1", 5, sig, 0, &eb), OR_EAUTH);
    or_pubkey_free(pk);
}

static void
test_or_sign_small_buffer(void **state)
{
    unsigned char  sig[255];
    size_t         n = 7;
    or_errbuf_t    eb;

    (void) state;
    assert_int_equal(or_sign(gen_key, "x", 1, sig, sizeof(sig), &n, &eb),
                     OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_BUF_SMALL);
    assert_int_equal(n, 7);
}

/* signs data until the signature starts with 0x00 (1 in 256 on average;
 * 4000 tries miss with probability e^-15.6); 0 if none came */
static int
sign_leading_zero(const char *data, unsigned char *sig, size_t *n)
{
    for (int i = 0; i < 4000; i++) {
        assert_int_equal(or_sign(gen_key, data, strlen(data), sig,
                                 OR_SIG_MAX, n, NULL), OR_OK);
        if (sig[0] == 0x00) {
            return 1;
        }
    }
    return 0;
}

/* issue 16: OpenSSL verifies the 255-byte form of a signature whose first
 * byte is 0x00; it must be refused before any verify, by its own reason */
static void
test_or_verify_leading_zero_stripped_refused(void **state)
{
    unsigned char  sig[OR_SIG_MAX + 1];
    const char    *data = "08aca75be7a88fef:d94956da64d2be34:1764000000";
    size_t         n = 0;
    or_pubkey_t   *pk = gen_pub();
    or_errbuf_t    eb;

    (void) state;
    assert_true(sign_leading_zero(data, sig, &n));
    assert_int_equal(n, 256);
    assert_int_equal(or_verify(pk, data, strlen(data), sig, n, NULL), OR_OK);
    assert_int_equal(or_verify(pk, data, strlen(data), sig + 1, n - 1, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_SIG_LENGTH);
    or_pubkey_free(pk);
}

/* the key's size is 256 bytes: 255 and 257 refused as signature_length,
 * 256 verified */
static void
test_or_verify_length_bounds(void **state)
{
    unsigned char  sig[OR_SIG_MAX + 1];
    const char    *data = "a:b:1";
    size_t         n = 0;
    or_pubkey_t   *pk = gen_pub();
    or_errbuf_t    eb;

    (void) state;
    assert_int_equal(or_sign(gen_key, data, 5, sig + 1, OR_SIG_MAX, &n,
                             NULL), OR_OK);
    assert_int_equal(n, 256);
    sig[0] = 0x00;      /* 257 bytes: the same integer with a zero added */
    assert_int_equal(or_verify(pk, data, 5, sig, n + 1, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_SIG_LENGTH);
    assert_int_equal(or_verify(pk, data, 5, sig + 1, n - 1, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_SIG_LENGTH);
    assert_int_equal(or_verify(pk, data, 5, sig + 1, n, NULL), OR_OK);
    or_pubkey_free(pk);
}

/* the signature of handshake-request.json, made by the original */
static void
vector_sig(const char *file, unsigned char *sig, size_t *n)
{
    char         *js;
    json_t       *root;
    const char   *b64;

    js = or_test_read(file, NULL);
    root = json_loads(js, 0, NULL);
    b64 = json_string_value(json_object_get(root, "signature"));
    assert_int_equal(or_base64_decode(OR_BASE64_STD, b64, strlen(b64), sig,
                                      OR_SIG_MAX, n, NULL), OR_OK);
    json_decref(root);
    free(js);
}

static void
test_or_verify_vector(void **state)
{
    unsigned char  sig[OR_SIG_MAX];
    char          *pem;
    const char    *data = "08aca75be7a88fef:d94956da64d2be34:1764000000";
    size_t         n, len;
    or_pubkey_t   *pk;
    or_errbuf_t    eb;

    (void) state;
    pem = or_test_read("node-a.pub.pem", &len);
    assert_int_equal(or_pubkey_import(pem, len, &pk, NULL), OR_OK);
    vector_sig("handshake-request.json", sig, &n);
    assert_int_equal(n, 256);
    assert_int_equal(or_verify(pk, data, strlen(data), sig, n, NULL), OR_OK);
    vector_sig("request-bad-signature.json", sig, &n);
    assert_int_equal(or_verify(pk, data, strlen(data), sig, n, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_BAD_SIGNATURE);
    or_pubkey_free(pk);
    free(pem);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_sign_roundtrip),
        cmocka_unit_test(test_or_sign_small_buffer),
        cmocka_unit_test(test_or_verify_vector),
        cmocka_unit_test(test_or_verify_leading_zero_stripped_refused),
        cmocka_unit_test(test_or_verify_length_bounds),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
