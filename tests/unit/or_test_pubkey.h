/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Test helpers for the public-key import suites (test_or_key.c,
 * test_or_pubkey_shape.c): keys made on the spot, their PEM, and the
 * expected outcome of or_pubkey_import(). Include after <cmocka.h>.
 */
#ifndef OR_TEST_PUBKEY_H_INCLUDED
#define OR_TEST_PUBKEY_H_INCLUDED

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "or_key.h"

static inline void
expect_import(const char *pem, size_t len, or_err_t err, or_reason_t reason)
{
    or_pubkey_t  *pk = NULL;
    or_errbuf_t   eb;

    assert_int_equal(or_pubkey_import(pem, len, &pk, &eb), err);
    if (err == OR_OK) {
        or_pubkey_free(pk);
        return;
    }
    assert_null(pk);
    assert_int_equal(eb.reason, reason);
}

/* the PEM of a generated key of the given type / size / exponent */
static inline char *
pem_of(EVP_PKEY *pkey, size_t *n)
{
    BIO    *bio = BIO_new(BIO_s_mem());
    char   *data, *copy;
    long    len;

    assert_int_equal(PEM_write_bio_PUBKEY(bio, pkey), 1);
    len = BIO_get_mem_data(bio, &data);
    copy = malloc((size_t) len);
    memcpy(copy, data, (size_t) len);
    *n = (size_t) len;
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return copy;
}

static inline EVP_PKEY *
rsa_synthetic(int bits, unsigned e, const char *type)
{
    EVP_PKEY_CTX    *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    OSSL_PARAM_BLD  *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM      *params;
    EVP_PKEY        *pkey = NULL;
    BIGNUM          *n = BN_new();

    assert_int_equal(BN_rand(n, bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD),
                     1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n),
                     1);
    assert_int_equal(OSSL_PARAM_BLD_push_uint(bld, OSSL_PKEY_PARAM_RSA_E,
                                              e), 1);
    params = OSSL_PARAM_BLD_to_param(bld);
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY,
                                       params), 1);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* base64 of der in lines of cols under label; owned, *n its length */
static inline char *
pem_wrap(const unsigned char *der, size_t len, const char *label, int cols,
    size_t *n)
{
    char    *b64 = malloc(len * 2 + 8), *out = malloc(len * 3 + 200);
    size_t   blen, i, o;

    blen = (size_t) EVP_EncodeBlock((unsigned char *) b64, der, (int) len);
    o = (size_t) sprintf(out, "-----BEGIN %s-----\n", label);
    for (i = 0; i < blen; i++) {
        out[o++] = b64[i];
        if ((i + 1) % (size_t) cols == 0 || i + 1 == blen) {
            out[o++] = '\n';
        }
    }
    o += (size_t) sprintf(out + o, "-----END %s-----\n", label);
    free(b64);
    *n = o;
    return out;
}

#endif /* OR_TEST_PUBKEY_H_INCLUDED */
