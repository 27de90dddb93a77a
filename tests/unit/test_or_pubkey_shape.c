/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests of src/crypto/or_pubkey_shape.c through or_pubkey_import: a
 * peer key that misses the canonical template is refused for its reason
 * and never reaches OpenSSL's decoders (issue 16). The reasons of the
 * policy and layout cases are also asserted in test_or_key.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dlfcn.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "or_key.h"
#include "or_test_pubkey.h"

/*
 * Calls into OpenSSL's key decoders. libopenred.a is linked into this
 * binary, so its calls bind to these wrappers, which count and pass on:
 * a refusal of a peer's key must not reach a decoder (issue 16).
 */
static int  decoder_calls;

EVP_PKEY *
PEM_read_bio_PUBKEY(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u)
{
    EVP_PKEY *(*real)(BIO *, EVP_PKEY **, pem_password_cb *, void *);

    decoder_calls++;
    *(void **) &real = dlsym(RTLD_NEXT, "PEM_read_bio_PUBKEY");
    return real(bp, x, cb, u);
}

EVP_PKEY *
d2i_PUBKEY(EVP_PKEY **a, const unsigned char **pp, long length)
{
    EVP_PKEY *(*real)(EVP_PKEY **, const unsigned char **, long);

    decoder_calls++;
    *(void **) &real = dlsym(RTLD_NEXT, "d2i_PUBKEY");
    return real(a, pp, length);
}

OSSL_DECODER_CTX *
OSSL_DECODER_CTX_new_for_pkey(EVP_PKEY **pkey, const char *input_type,
    const char *input_struct, const char *keytype, int selection,
    OSSL_LIB_CTX *libctx, const char *propquery)
{
    OSSL_DECODER_CTX *(*real)(EVP_PKEY **, const char *, const char *,
                              const char *, int, OSSL_LIB_CTX *,
                              const char *);

    decoder_calls++;
    *(void **) &real = dlsym(RTLD_NEXT, "OSSL_DECODER_CTX_new_for_pkey");
    return real(pkey, input_type, input_struct, keytype, selection, libctx,
                propquery);
}





/* the PEM of an EC P-256 key written with explicit curve parameters */
static char *
ec_explicit_pem(size_t *n)
{
    EVP_PKEY  *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

    assert_non_null(pkey);
    assert_int_equal(EVP_PKEY_set_utf8_string_param(pkey,
                         OSSL_PKEY_PARAM_EC_ENCODING,
                         OSSL_PKEY_EC_ENCODING_EXPLICIT), 1);
    return pem_of(pkey, n);
}

static char *
dsa_pem(size_t *n)
{
    EVP_PKEY_CTX  *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    EVP_PKEY_CTX  *kctx;
    EVP_PKEY      *params = NULL, *pkey = NULL;

    assert_int_equal(EVP_PKEY_paramgen_init(ctx), 1);
    assert_true(EVP_PKEY_CTX_set_dsa_paramgen_bits(ctx, 1024) > 0);
    assert_int_equal(EVP_PKEY_paramgen(ctx, &params), 1);
    kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL);
    assert_int_equal(EVP_PKEY_keygen_init(kctx), 1);
    assert_int_equal(EVP_PKEY_keygen(kctx, &pkey), 1);
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(kctx);
    EVP_PKEY_CTX_free(ctx);
    return pem_of(pkey, n);
}

/* imports pem, expecting err / reason, with no decoder called */
static void
expect_no_decoder(char *pem, size_t n, or_err_t err, or_reason_t reason)
{
    decoder_calls = 0;
    expect_import(pem, n, err, reason);
    assert_int_equal(decoder_calls, 0);
    free(pem);
}

/*
 * Issue 16: keys that missed the fast path cost 0.65-2.4 ms each in
 * OpenSSL's decoders. Each kind is refused for its reason, and no decoder
 * runs; canonical RSA-2048..4096 are accepted, also without a decoder.
 */
static void
test_or_pubkey_import_refusals_skip_decoder(void **state)
{
    EVP_PKEY       *pkey;
    unsigned char  *der = NULL;
    char           *pem;
    size_t          n, len;

    (void) state;
    pem = ec_explicit_pem(&n);
    assert_non_null(strstr(pem, "BEGIN PUBLIC KEY"));
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_TYPE);
    pem = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), &n);
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_TYPE);
    pem = dsa_pem(&n);
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_TYPE);
    pem = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), &n);
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_TYPE);
    pem = pem_of(rsa_synthetic(2048, 65537, "RSA-PSS"), &n);
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_TYPE);
    pem = pem_of(rsa_synthetic(1024, 65537, "RSA"), &n);
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_SIZE);
    pem = pem_of(rsa_synthetic(2047, 65537, "RSA"), &n);
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_SIZE);
    pem = pem_of(rsa_synthetic(4097, 65537, "RSA"), &n);
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_SIZE);
    /* 8192 bits do not fit OR_PUBKEY_PEM_MAX: refused by size first */
    pem = pem_of(rsa_synthetic(8192, 65537, "RSA"), &n);
    expect_no_decoder(pem, n, OR_ETOOBIG, OR_R_TOO_BIG);
    pem = pem_of(rsa_synthetic(2048, 3, "RSA"), &n);
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_EXPONENT);
    pem = pem_of(rsa_synthetic(2048, 0xffffffffu, "RSA"), &n);
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_EXPONENT);
    /* non-canonical layouts of a good key: 76 columns, a space, CRLF */
    pkey = rsa_synthetic(2048, 65537, "RSA");
    len = (size_t) i2d_PUBKEY(pkey, &der);
    pem = pem_wrap(der, len, "PUBLIC KEY", 76, &n);
    expect_no_decoder(pem, n, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    pem = pem_wrap(der, len, "PUBLIC KEY", 64, &n);
    memmove(pem + 41, pem + 40, n - 40);
    pem[40] = ' ';
    expect_no_decoder(pem, n + 1, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    pem = pem_wrap(der, len, "PUBLIC KEY", 64, &n);
    memmove(pem + 27, pem + 26, n - 26);
    pem[26] = '\r';
    expect_no_decoder(pem, n + 1, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    pem = pem_wrap(der, len, "PUBLIC KEY", 64, &n);
    pem[100] = '*';
    expect_no_decoder(pem, n, OR_EPROTO, OR_R_BAD_PEM);
    OPENSSL_free(der);
    EVP_PKEY_free(pkey);
    /* in policy and canonical: accepted, still without a decoder */
    pem = pem_of(rsa_synthetic(2048, 65537, "RSA"), &n);
    expect_no_decoder(pem, n, OR_OK, OR_R_NONE);
    pem = pem_of(rsa_synthetic(3072, 65537, "RSA"), &n);
    expect_no_decoder(pem, n, OR_OK, OR_R_NONE);
    pem = pem_of(rsa_synthetic(4096, 65537, "RSA"), &n);
    expect_no_decoder(pem, n, OR_OK, OR_R_NONE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_pubkey_import_refusals_skip_decoder),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
