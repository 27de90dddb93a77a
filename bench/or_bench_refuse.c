/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Row 1h of `make bench`: the responder's CPU for one refused request, by
 * kind of refusal, as a ratio of one RSA-2048 verify measured in the same
 * round (issue 16: no refused request may cost more than 3 verifies).
 * Each request is bound (its source is the fingerprint of the key it
 * sends), so it reaches the key import or the signature check.
 * Prints refuse_<kind>=<ratio> lines, then refuse_worst=<ratio>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "openred.h"
#include "or_base64.h"
#include "or_bench.h"

#define KINDS   9
#define TARGET  "0123456789abcdef"

typedef struct {
    const char  *name;
    char        *json;
    size_t       len;
} req_t;

static void
die(const char *what)
{
    fprintf(stderr, "or_bench_refuse: %s\n", what);
    exit(1);
}

/* the public PEM of pkey (freed), with extra appended; owned */
static char *
pem_of(EVP_PKEY *pkey, const char *extra, size_t *n)
{
    BIO   *bio = BIO_new(BIO_s_mem());
    char  *data, *copy;
    long   len;

    if (pkey == NULL || bio == NULL || !PEM_write_bio_PUBKEY(bio, pkey)) {
        die("PEM_write_bio_PUBKEY");
    }
    len = BIO_get_mem_data(bio, &data);
    copy = malloc((size_t) len + strlen(extra) + 1);
    if (copy == NULL) {
        die("malloc");
    }
    memcpy(copy, data, (size_t) len);
    strcpy(copy + len, extra);
    *n = (size_t) len + strlen(extra);
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return copy;
}

static EVP_PKEY *
rsa_key(unsigned bits, unsigned e)
{
    EVP_PKEY_CTX  *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY      *pkey = NULL;
    OSSL_PARAM     p[3];
    size_t         b = bits;

    p[0] = OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &b);
    p[1] = OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &e);
    p[2] = OSSL_PARAM_construct_end();
    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1
        || EVP_PKEY_CTX_set_params(ctx, p) != 1
        || EVP_PKEY_generate(ctx, &pkey) != 1)
    {
        die("RSA keygen");
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static EVP_PKEY *
dsa_key(void)
{
    EVP_PKEY_CTX  *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    EVP_PKEY_CTX  *kctx;
    EVP_PKEY      *params = NULL, *pkey = NULL;

    if (ctx == NULL || EVP_PKEY_paramgen_init(ctx) != 1
        || EVP_PKEY_CTX_set_dsa_paramgen_bits(ctx, 1024) <= 0
        || EVP_PKEY_paramgen(ctx, &params) != 1
        || (kctx = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL)) == NULL
        || EVP_PKEY_keygen_init(kctx) != 1
        || EVP_PKEY_keygen(kctx, &pkey) != 1)
    {
        die("DSA keygen");
    }
    EVP_PKEY_free(params);
    EVP_PKEY_CTX_free(kctx);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static EVP_PKEY *
ec_explicit_key(void)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

    if (pkey == NULL
        || EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING,
                                          OSSL_PKEY_EC_ENCODING_EXPLICIT)
           != 1)
    {
        die("EC keygen");
    }
    return pkey;
}

/* a bound request carrying pem and siglen random signature bytes */
static void
request(req_t *r, const char *name, const char *pem, size_t pemlen,
    size_t siglen)
{
    unsigned char  sig[OR_SIG_MAX];
    char           fp[OR_FP_LEN + 1], kb[2048], sb[1024];
    size_t         n;

    if (or_fingerprint(pem, pemlen, fp, NULL) != OR_OK
        || RAND_bytes(sig, (int) siglen) != 1
        || or_base64_encode(OR_BASE64_STD, pem, pemlen, kb, sizeof(kb), &n,
                            NULL) != OR_OK
        || or_base64_encode(OR_BASE64_STD, sig, siglen, sb, sizeof(sb), &n,
                            NULL) != OR_OK)
    {
        die("building a request");
    }
    r->name = name;
    r->json = malloc(4096);
    if (r->json == NULL) {
        die("malloc");
    }
    r->len = (size_t) snprintf(r->json, 4096, "{\"type\": "
             "\"p2p_handshake_request\", \"source_fingerprint\": \"%s\", "
             "\"target_fingerprint\": \"%s\", \"timestamp\": %lld, "
             "\"public_key\": \"%s\", \"signature\": \"%s\", "
             "\"valid_for\": 300}", fp, TARGET, (long long) time(NULL), kb,
             sb);
}

/* us per call of or_v2_request_check on r, for about sec seconds */
static double
refuse_us(const req_t *r, double sec)
{
    uint64_t         t0 = or_bench_now_ns(), end = t0 + (uint64_t) (sec * 1e9);
    size_t           n = 0;
    or_v2_request_t  req;

    do {
        for (int i = 0; i < 8; i++, n++) {
            if (or_v2_request_check(r->json, r->len, TARGET, time(NULL), 300,
                                    &req, NULL) == OR_OK)
            {
                die(r->name);   /* every request here must be refused */
            }
        }
    } while (or_bench_now_ns() < end);
    return (double) (or_bench_now_ns() - t0) / 1e3 / (double) n;
}

static double
verify_us(const or_pubkey_t *pk, const unsigned char *sig, size_t siglen,
    double sec)
{
    uint64_t  t0 = or_bench_now_ns(), end = t0 + (uint64_t) (sec * 1e9);
    size_t    n = 0;

    do {
        for (int i = 0; i < 16; i++, n++) {
            if (or_verify(pk, "a:b:1", 5, sig, siglen, NULL) != OR_OK) {
                die("verify");
            }
        }
    } while (or_bench_now_ns() < end);
    return (double) (or_bench_now_ns() - t0) / 1e3 / (double) n;
}

int
main(int argc, char **argv)
{
    double         sec = argc > 1 ? atof(argv[1]) : 0.3;
    int            rounds = argc > 2 ? atoi(argv[2]) : 3;
    req_t          r[KINDS];
    double         ratio[KINDS][16], worst[16];
    unsigned char  sig[OR_SIG_MAX];
    size_t         siglen, n;
    const char    *pem;
    char          *p;
    or_key_t      *key;
    or_pubkey_t   *pk;

    if (sec <= 0 || sec > 5 || rounds < 1 || rounds > 16) {
        fprintf(stderr, "usage: or_bench_refuse [SECONDS<=5 [ROUNDS<=16]]\n");
        return 2;
    }
    if (or_key_generate(&key, NULL) != OR_OK
        || or_sign(key, "a:b:1", 5, sig, sizeof(sig), &siglen, NULL) != OR_OK)
    {
        die("key");
    }
    pem = or_key_public_pem(key, &n);
    if (or_pubkey_import(pem, n, &pk, NULL) != OR_OK) {
        die("import");
    }
    request(&r[0], "bad_signature", pem, n, 256);
    request(&r[1], "signature_length", pem, n, 255);
    p = pem_of(ec_explicit_key(), "", &n);
    request(&r[2], "ec_explicit", p, n, 256);
    free(p);
    p = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), "", &n);
    request(&r[3], "ec_p256", p, n, 256);
    free(p);
    p = pem_of(dsa_key(), "", &n);
    request(&r[4], "dsa1024", p, n, 256);
    free(p);
    p = pem_of(rsa_key(1024, 65537), "", &n);
    request(&r[5], "rsa1024", p, n, 128);
    free(p);
    p = pem_of(rsa_key(2048, 3), "", &n);
    request(&r[6], "rsa2048_e3", p, n, 256);
    free(p);
    p = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), "", &n);
    request(&r[7], "ed25519", p, n, 64);
    free(p);
    pem = or_key_public_pem(key, &n);
    p = malloc(n + 2);
    if (p == NULL) {
        die("malloc");
    }
    memcpy(p, pem, n);
    p[n] = '\n';                /* one newline more: not canonical */
    request(&r[8], "noncanonical_pem", p, n + 1, 256);
    free(p);
    /* interleaved: each ratio compares numbers of the same round */
    for (int k = 0; k < rounds; k++) {
        worst[k] = 0;
        for (int i = 0; i < KINDS; i++) {
            /* one verify: the mean of just before and just after */
            double before = verify_us(pk, sig, siglen, sec / 2);
            double us = refuse_us(&r[i], sec);
            double after = verify_us(pk, sig, siglen, sec / 2);

            ratio[i][k] = us / ((before + after) / 2);
            worst[k] = ratio[i][k] > worst[k] ? ratio[i][k] : worst[k];
        }
    }
    for (int i = 0; i < KINDS; i++) {
        printf("refuse_%s=%.3f\n", r[i].name,
               or_bench_quantile(ratio[i], (size_t) rounds, 0.5));
        free(r[i].json);
    }
    printf("refuse_worst=%.3f\n",
           or_bench_quantile(worst, (size_t) rounds, 0.5));
    or_pubkey_free(pk);
    or_key_free(key);
    return 0;
}
