/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Bench preparation, all before any clock starts:
 *   keys DIR N       N distinct RSA-2048 peer keys, cheaply: every pair of a
 *                    pool of 1024-bit primes is a key (insecure, bench only;
 *                    cached in DIR as kNNNNN.pem, 0600)
 *   node PATH        load or create a node key; print its fingerprint
 *   sign DIR FIRST COUNT FP SKEW OUT
 *                    v2 requests to FP from keys FIRST.., one a line, with
 *                    timestamp now + SKEW s, now read at each one (PSS is
 *                    randomized, so every signature differs and the replay
 *                    cache accepts each); the keys are read through one
 *                    OpenSSL decoder made once (OpenSSL 3.0 builds a decoder
 *                    chain per PEM_read), the first also by or_key_load, as
 *                    a check: 2.1 -> 1.86 ms a request on a quiet core; the
 *                    rest is the first private operation of a key new to
 *                    the process, not only its sign
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "openred.h"
#include "or_base64.h"
#include "or_bench.h"
#include "or_key.h"

#define KEY_PATH_MAX  4096

static BIGNUM *
derive_d(const BIGNUM *e, const BIGNUM *p, const BIGNUM *q, BN_CTX *bc)
{
    BIGNUM *p1 = BN_dup(p), *q1 = BN_dup(q), *phi = BN_new(), *d;

    BN_sub_word(p1, 1);
    BN_sub_word(q1, 1);
    BN_mul(phi, p1, q1, bc);
    d = BN_mod_inverse(NULL, e, phi, bc);
    BN_free(p1);
    BN_free(q1);
    BN_free(phi);
    return d;
}

/* writes the key made of primes p and q to path (PKCS#8 PEM, 0600) */
static int
write_pair(const char *path, const BIGNUM *p, const BIGNUM *q, BN_CTX *bc)
{
    BIGNUM         *e = BN_new(), *n = BN_new(), *d, *dp = BN_new(),
                   *dq = BN_new(), *qi, *t = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM     *params = NULL;
    EVP_PKEY_CTX   *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY       *pkey = NULL;
    FILE           *f = NULL;
    int             ok = 0;

    BN_set_word(e, 65537);
    BN_mul(n, p, q, bc);
    d = derive_d(e, p, q, bc);
    BN_copy(t, p);
    BN_sub_word(t, 1);
    BN_mod(dp, d, t, bc);
    BN_copy(t, q);
    BN_sub_word(t, 1);
    BN_mod(dq, d, t, bc);
    qi = BN_mod_inverse(NULL, q, p, bc);
    if (d == NULL || qi == NULL || bld == NULL || ctx == NULL
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq)
        || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qi)
        || (params = OSSL_PARAM_BLD_to_param(bld)) == NULL
        || EVP_PKEY_fromdata_init(ctx) != 1
        || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
    {
        goto done;
    }
    umask(077);
    f = fopen(path, "w");
    ok = f != NULL
         && PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL) == 1;
done:
    if (f != NULL && fclose(f) != 0) {
        ok = 0;
    }
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(e);
    BN_free(n);
    BN_free(d);
    BN_free(dp);
    BN_free(dq);
    BN_free(qi);
    BN_free(t);
    return ok ? 0 : -1;
}

static int
cmd_keys(const char *dir, long want)
{
    BN_CTX  *bc = BN_CTX_new();
    BIGNUM **pool;
    long     m = 2, made = 0;
    char     path[KEY_PATH_MAX];

    while (m * (m - 1) / 2 < want) {
        m++;
    }
    pool = calloc((size_t) m, sizeof(*pool));
    if (bc == NULL || pool == NULL) {
        return 1;
    }
    for (long i = 0; i < m; i++) {
        /* e = 65537 must be invertible mod p - 1 */
        do {
            BN_free(pool[i]);
            pool[i] = BN_new();
            if (pool[i] == NULL
                || !BN_generate_prime_ex2(pool[i], 1024, 0, NULL, NULL, NULL,
                                          bc))
            {
                fprintf(stderr, "prime generation failed\n");
                return 1;
            }
        } while (BN_mod_word(pool[i], 65537) == 1);
    }
    for (long i = 0; i < m && made < want; i++) {
        for (long j = i + 1; j < m && made < want; j++, made++) {
            snprintf(path, sizeof(path), "%s/k%05ld.pem", dir, made);
            if (write_pair(path, pool[i], pool[j], bc) != 0) {
                fprintf(stderr, "%s: cannot write the key\n", path);
                return 1;
            }
        }
    }
    for (long i = 0; i < m; i++) {
        BN_free(pool[i]);
    }
    free(pool);
    BN_CTX_free(bc);
    printf("keys=%ld primes=%ld\n", made, m);
    return 0;
}

static int
cmd_node(const char *path)
{
    or_key_t    *key;
    or_errbuf_t  eb;
    int          created;

    if (or_key_load_or_create(path, &key, &created, &eb) != OR_OK) {
        fprintf(stderr, "%s: %s\n", path, eb.msg);
        return 1;
    }
    printf("%s\n", or_key_fingerprint(key));
    or_key_free(key);
    return 0;
}

/* What or_key_load makes of path, through the decoder dc (which writes
 * into *slot): the key, its public PEM, fingerprint and base64 PEM, as
 * or_key.c's key_wrap fills them. 0 ok. */
static int
key_fast_load(OSSL_DECODER_CTX *dc, EVP_PKEY **slot, const char *path,
    or_key_t **out)
{
    unsigned char        buf[8192];
    const unsigned char *p = buf;
    size_t               n;
    FILE                *f = fopen(path, "r");
    BIO                 *bio = NULL;
    or_key_t            *key = calloc(1, sizeof(*key));
    or_errbuf_t          eb;
    char                *data;
    long                 len;
    int                  ok = 0;

    *slot = NULL;
    if (f == NULL || key == NULL) {
        goto done;
    }
    n = fread(buf, 1, sizeof(buf), f);
    if (n == 0 || n == sizeof(buf) || !OSSL_DECODER_from_data(dc, &p, &n)
        || *slot == NULL || (bio = BIO_new(BIO_s_mem())) == NULL
        || !PEM_write_bio_PUBKEY(bio, *slot)
        || (len = BIO_get_mem_data(bio, &data)) <= 0
        || (key->pem = malloc((size_t) len + 1)) == NULL)
    {
        goto done;
    }
    memcpy(key->pem, data, (size_t) len);
    key->pem[len] = '\0';
    key->pem_len = (size_t) len;
    key->pem_b64 = malloc(OR_BASE64_LEN(key->pem_len) + 1);
    ok = key->pem_b64 != NULL
         && or_fingerprint(key->pem, key->pem_len, key->fp, &eb) == OR_OK
         && or_base64_encode(OR_BASE64_STD, key->pem, key->pem_len,
                             key->pem_b64, OR_BASE64_LEN(key->pem_len) + 1,
                             &key->pem_b64_len, &eb) == OR_OK;
done:
    if (f != NULL) {
        fclose(f);
    }
    BIO_free(bio);
    if (!ok) {
        EVP_PKEY_free(*slot);
        if (key != NULL) {
            free(key->pem);
            free(key->pem_b64);
            free(key);
        }
        return -1;
    }
    key->pkey = *slot;
    *slot = NULL;
    *out = key;
    return 0;
}

/* the library's own load of path gives the same key as key_fast_load */
static int
key_same(const char *path, const or_key_t *fast)
{
    or_key_t    *ref;
    or_errbuf_t  eb;
    size_t       len;
    const char  *pem;
    int          same;

    if (or_key_load(path, &ref, &eb) != OR_OK) {
        fprintf(stderr, "%s: %s\n", path, eb.msg);
        return 0;
    }
    pem = or_key_public_pem(ref, &len);
    same = strcmp(or_key_fingerprint(ref), fast->fp) == 0
           && len == fast->pem_len && memcmp(pem, fast->pem, len) == 0
           && EVP_PKEY_eq(ref->pkey, fast->pkey) == 1
           && strcmp(ref->pem_b64, fast->pem_b64) == 0;
    or_key_free(ref);
    return same;
}

static int
cmd_sign(const char *dir, long first, long count, const char *fp, long skew,
    const char *out)
{
    FILE        *f = fopen(out, "w");
    char         path[KEY_PATH_MAX], req[OR_HANDSHAKE_MAX];
    or_errbuf_t  eb;
    or_key_t    *key;
    size_t       len;
    int64_t      ts;

    EVP_PKEY         *slot = NULL;
    OSSL_DECODER_CTX *dc;

    dc = OSSL_DECODER_CTX_new_for_pkey(&slot, "PEM", NULL, "RSA",
                                       EVP_PKEY_KEYPAIR, NULL, NULL);
    if (f == NULL || dc == NULL) {
        fprintf(stderr, "%s: %s\n", out, f ? "no decoder" : strerror(errno));
        return 1;
    }
    for (long i = first; i < first + count; i++) {
        snprintf(path, sizeof(path), "%s/k%05ld.pem", dir, i);
        if (key_fast_load(dc, &slot, path, &key) != 0
            || (i == first && !key_same(path, key)))
        {
            fprintf(stderr, "%s: not read as or_key_load reads it\n", path);
            fclose(f);
            return 1;
        }
        /* the clock of each request's own signing: a long run's first
         * requests are not older than its last by the whole run */
        ts = (int64_t) time(NULL) + skew;
        if (or_v2_request_build(key, fp, ts, req, sizeof(req), &len, &eb)
            != OR_OK)
        {
            fprintf(stderr, "request: %s\n", eb.msg);
            or_key_free(key);
            fclose(f);
            return 1;
        }
        or_key_free(key);
        fwrite(req, 1, len, f);
        fputc('\n', f);
    }
    OSSL_DECODER_CTX_free(dc);
    return fclose(f) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "keys") == 0) {
        return cmd_keys(argv[2], atol(argv[3]));
    }
    if (argc == 3 && strcmp(argv[1], "node") == 0) {
        return cmd_node(argv[2]);
    }
    if (argc == 8 && strcmp(argv[1], "sign") == 0) {
        return cmd_sign(argv[2], atol(argv[3]), atol(argv[4]), argv[5],
                        atol(argv[6]), argv[7]);
    }
    fprintf(stderr, "usage: or_bench_prep keys DIR N | node PATH | "
            "sign DIR FIRST COUNT FP SKEW OUT\n");
    return 2;
}
