/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * v3 identity and key schedule (docs/PROTOCOL.md v3 §2, §5.5): ids, the
 * DER binding check, HKDF, HMAC, X25519, the byte cursors the codecs
 * share, and the wire class of each refusal reason.
 */
#include "or_v3_int.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "or_base64.h"
#include "or_errbuf.h"
#include "or_key.h"

#define PEM_HEAD    "-----BEGIN PUBLIC KEY-----\n"
#define PEM_TAIL    "-----END PUBLIC KEY-----\n"
#define PEM_COLS    64

void
or_v3_put(or_v3_put_t *w, const void *p, size_t n)
{
    if (w->over || n > w->cap - w->len) {
        w->over = 1;
        return;
    }
    memcpy(w->p + w->len, p, n);
    w->len += n;
}

void
or_v3_put16(or_v3_put_t *w, unsigned v)
{
    unsigned char  b[2] = { (unsigned char) (v >> 8), (unsigned char) v };

    or_v3_put(w, b, 2);
}

void
or_v3_put64(or_v3_put_t *w, uint64_t v)
{
    unsigned char  b[8];
    int            i;

    for (i = 0; i < 8; i++) {
        b[i] = (unsigned char) (v >> (56 - 8 * i));
    }
    or_v3_put(w, b, 8);
}

void
or_v3_putstr(or_v3_put_t *w, const void *p, size_t n)
{
    or_v3_put16(w, (unsigned) n);
    or_v3_put(w, p, n);
}

void
or_v3_put32_at(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) (v >> 24);
    p[1] = (unsigned char) (v >> 16);
    p[2] = (unsigned char) (v >> 8);
    p[3] = (unsigned char) v;
}

const unsigned char *
or_v3_get(or_v3_get_t *r, size_t n)
{
    const unsigned char  *p;

    if (r->short_ || n > r->len - r->at) {
        r->short_ = 1;
        return NULL;
    }
    p = r->p + r->at;
    r->at += n;
    return p;
}

unsigned
or_v3_get16(or_v3_get_t *r)
{
    const unsigned char  *p = or_v3_get(r, 2);

    return p == NULL ? 0 : (unsigned) p[0] << 8 | p[1];
}

uint64_t
or_v3_get64(or_v3_get_t *r)
{
    const unsigned char  *p = or_v3_get(r, 8);
    uint64_t              v = 0;
    int                   i;

    if (p == NULL) {
        return 0;
    }
    for (i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

const unsigned char *
or_v3_getstr(or_v3_get_t *r, size_t *n)
{
    *n = or_v3_get16(r);
    return or_v3_get(r, *n);
}

void
or_v3_id_hex(const unsigned char id[OR_V3_ID_LEN],
    char out[OR_V3_ID_HEX_LEN + 1])
{
    static const char  hex[] = "0123456789abcdef";
    int                i;

    for (i = 0; i < OR_V3_ID_LEN; i++) {
        out[2 * i] = hex[id[i] >> 4];
        out[2 * i + 1] = hex[id[i] & 0x0f];
    }
    out[OR_V3_ID_HEX_LEN] = '\0';
}

or_err_t
or_v3_sha256(const void *label, size_t llen, const void *a, size_t alen,
    const void *b, size_t blen, unsigned char out[32], or_errbuf_t *eb)
{
    EVP_MD_CTX  *md;
    int          ok;

    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return or_errbuf_nomem(eb);
    }
    ok = EVP_DigestInit_ex2(md, EVP_sha256(), NULL)
         && EVP_DigestUpdate(md, label, llen)
         && (a == NULL || EVP_DigestUpdate(md, a, alen))
         && (b == NULL || EVP_DigestUpdate(md, b, blen))
         && EVP_DigestFinal_ex(md, out, NULL);
    EVP_MD_CTX_free(md);
    return ok ? OR_OK : or_errbuf_ssl(eb, "SHA-256");
}

or_err_t
or_v3_key_id(const or_key_t *key, unsigned char id[OR_V3_ID_LEN],
    or_errbuf_t *eb)
{
    return or_v3_sha256(key->pem, key->pem_len, NULL, 0, NULL, 0, id, eb);
}

or_err_t
or_v3_pubkey_id(const or_pubkey_t *pk, unsigned char id[OR_V3_ID_LEN],
    or_errbuf_t *eb)
{
    return or_v3_sha256(pk->pem, pk->pem_len, NULL, 0, NULL, 0, id, eb);
}

/*
 * From the cached canonical PEM, not i2d_PUBKEY: OpenSSL 3.0's encoder
 * chain costs more than the rest of a handshake's non-RSA work.
 */
or_err_t
or_v3_key_der(const or_key_t *key, unsigned char *der, size_t cap,
    size_t *len, or_errbuf_t *eb)
{
    char         b64[OR_PUBKEY_PEM_MAX];
    const char  *p = key->pem + sizeof(PEM_HEAD) - 1;
    const char  *end = key->pem + key->pem_len - (sizeof(PEM_TAIL) - 1);
    size_t       n = 0;

    if (key->pem_len < sizeof(PEM_HEAD) + sizeof(PEM_TAIL)
        || key->pem_len > sizeof(b64))
    {
        return or_errbuf_set(eb, OR_ECRYPTO, OR_R_CRYPTO, "own PEM of %zu "
                             "bytes", key->pem_len);
    }
    for (; p < end; p++) {
        if (*p != '\n') {
            b64[n++] = *p;
        }
    }
    return or_base64_decode(OR_BASE64_STD, b64, n, der, cap, len, eb);
}

/* PEM(key) of §2: the armour around 64-column base64 lines */
static or_err_t
der_to_pem(const unsigned char *der, size_t len, char *pem, size_t cap,
    size_t *pemlen, or_errbuf_t *eb)
{
    char      b64[OR_BASE64_LEN(OR_V3_DER_MAX) + 1];
    size_t    n, at, i, line;
    or_err_t  rc;

    rc = or_base64_encode(OR_BASE64_STD, der, len, b64, sizeof(b64), &n, eb);
    if (rc != OR_OK) {
        return rc;
    }
    /* armour + body + one \n per started line: fits OR_PUBKEY_PEM_MAX */
    if (sizeof(PEM_HEAD) + sizeof(PEM_TAIL) + n + n / PEM_COLS + 1 > cap) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "PEM too long");
    }
    memcpy(pem, PEM_HEAD, sizeof(PEM_HEAD) - 1);
    at = sizeof(PEM_HEAD) - 1;
    for (i = 0; i < n; i += line) {
        line = n - i < PEM_COLS ? n - i : PEM_COLS;
        memcpy(pem + at, b64 + i, line);
        at += line;
        pem[at++] = '\n';
    }
    memcpy(pem + at, PEM_TAIL, sizeof(PEM_TAIL) - 1);
    *pemlen = at + sizeof(PEM_TAIL) - 1;
    return OR_OK;
}

or_err_t
or_v3_pubkey_import_der(const unsigned char *der, size_t len,
    or_pubkey_t **out, unsigned char id[OR_V3_ID_LEN], or_errbuf_t *eb)
{
    char          pem[OR_PUBKEY_PEM_MAX];
    size_t        pemlen = 0;
    or_pubkey_t  *pk;
    or_err_t      rc;

    if (len == 0 || len > OR_V3_DER_MAX) {
        return or_errbuf_set(eb, len == 0 ? OR_EPROTO : OR_ETOOBIG,
                             len == 0 ? OR_R_BAD_PEM : OR_R_TOO_BIG,
                             "DER key of %zu bytes, expected 1..%d", len,
                             OR_V3_DER_MAX);
    }
    rc = der_to_pem(der, len, pem, sizeof(pem), &pemlen, eb);
    if (rc != OR_OK) {
        return rc;
    }
    /* canonical PEM of canonical base64 <=> canonical DER (or_key.c) */
    rc = or_pubkey_import(pem, pemlen, &pk, eb);
    if (rc != OR_OK) {
        return rc;
    }
    if (id != NULL) {
        rc = or_v3_sha256(pem, pemlen, NULL, 0, NULL, 0, id, eb);
        if (rc != OR_OK) {
            or_pubkey_free(pk);
            return rc;
        }
    }
    *out = pk;
    return OR_OK;
}

or_err_t
or_v3_hmac(const unsigned char key[32], const unsigned char *data,
    size_t len, unsigned char out[32], or_errbuf_t *eb)
{
    size_t  n = 32;

    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 32, data, len,
                  out, 32, &n) == NULL)
    {
        return or_errbuf_ssl(eb, "HMAC-SHA256");
    }
    return OR_OK;
}

/* mode: EVP_KDF_HKDF_MODE_EXTRACT_ONLY or _EXPAND_ONLY */
static or_err_t
hkdf(int mode, const unsigned char *key, size_t klen,
    const unsigned char *salt_or_info, size_t slen, unsigned char *out,
    size_t outlen, or_errbuf_t *eb)
{
    EVP_KDF      *kdf;
    EVP_KDF_CTX  *ctx = NULL;
    OSSL_PARAM    p[5], *q = p;
    int           ok = 0;

    kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (kdf != NULL) {
        ctx = EVP_KDF_CTX_new(kdf);
    }
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *) "SHA256", 0);
    *q++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                             (void *) key, klen);
    *q++ = OSSL_PARAM_construct_octet_string(
        mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY ? OSSL_KDF_PARAM_SALT
                                               : OSSL_KDF_PARAM_INFO,
        (void *) salt_or_info, slen);
    *q = OSSL_PARAM_construct_end();
    if (ctx != NULL) {
        ok = EVP_KDF_derive(ctx, out, outlen, p) == 1;
    }
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok ? OR_OK : or_errbuf_ssl(eb, "HKDF");
}

or_err_t
or_v3_extract(const unsigned char *salt, size_t slen,
    const unsigned char *ikm, size_t ilen, unsigned char out[32],
    or_errbuf_t *eb)
{
    return hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, ikm, ilen, salt, slen, out,
                32, eb);
}

or_err_t
or_v3_expand(const unsigned char *prk, size_t prklen, const char *label,
    const unsigned char *th, unsigned char *out, size_t outlen,
    or_errbuf_t *eb)
{
    unsigned char  info[32 + OR_V3_HASH_LEN];
    size_t         n = strlen(label);

    memcpy(info, label, n);
    if (th != NULL) {
        memcpy(info + n, th, OR_V3_HASH_LEN);
        n += OR_V3_HASH_LEN;
    }
    return hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, prk, prklen, info, n, out,
                outlen, eb);
}

or_err_t
or_v3_key_schedule(const unsigned char dh[OR_V3_X25519_LEN],
    const unsigned char nonce_i[OR_V3_NONCE_LEN],
    const unsigned char nonce_r[OR_V3_NONCE_LEN],
    const unsigned char th[OR_V3_HASH_LEN], or_v3_keys_t *out,
    or_errbuf_t *eb)
{
    unsigned char  salt[2 * OR_V3_NONCE_LEN], prk[32];
    or_v3_keys_t   k;
    or_err_t       rc;

    memcpy(salt, nonce_i, OR_V3_NONCE_LEN);
    memcpy(salt + OR_V3_NONCE_LEN, nonce_r, OR_V3_NONCE_LEN);
    rc = hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, dh, OR_V3_X25519_LEN, salt,
              sizeof(salt), prk, sizeof(prk), eb);
    if (rc == OR_OK) {
        rc = or_v3_expand(prk, 32, "or3 i2r", th, k.i2r, 32, eb);
    }
    if (rc == OR_OK) {
        rc = or_v3_expand(prk, 32, "or3 r2i", th, k.r2i, 32, eb);
    }
    if (rc == OR_OK) {
        rc = or_v3_expand(prk, 32, "or3 fin i", th, k.fin_i, 32, eb);
    }
    if (rc == OR_OK) {
        rc = or_v3_expand(prk, 32, "or3 fin r", th, k.fin_r, 32, eb);
    }
    if (rc == OR_OK) {
        rc = or_v3_expand(prk, 32, "or3 sid", th, k.sid, OR_V3_SID_LEN, eb);
    }
    if (rc == OR_OK) {
        *out = k;
    }
    OPENSSL_cleanse(prk, sizeof(prk));
    OPENSSL_cleanse(&k, sizeof(k));
    return rc;
}

void
or_v3_keys_wipe(or_v3_keys_t *k)
{
    OPENSSL_cleanse(k, sizeof(*k));
}

or_err_t
or_v3_rekey_step(unsigned char key[OR_V3_KEY_LEN], or_errbuf_t *eb)
{
    unsigned char  next[OR_V3_KEY_LEN];
    or_err_t       rc;

    rc = or_v3_expand(key, OR_V3_KEY_LEN, "or3 rekey", NULL, next,
                      sizeof(next), eb);
    if (rc == OR_OK) {
        memcpy(key, next, sizeof(next));
    }
    OPENSSL_cleanse(next, sizeof(next));
    return rc;
}

or_err_t
or_v3_x25519_new(const unsigned char *priv, EVP_PKEY **out,
    unsigned char pub[OR_V3_X25519_LEN], or_errbuf_t *eb)
{
    unsigned char  fresh[OR_V3_X25519_LEN];
    EVP_PKEY      *pkey;
    size_t         n = OR_V3_X25519_LEN;

    if (priv == NULL) {
        if (RAND_priv_bytes(fresh, sizeof(fresh)) != 1) {
            return or_errbuf_ssl(eb, "RAND_priv_bytes");
        }
        priv = fresh;
    }
    pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, priv,
                                           OR_V3_X25519_LEN);
    OPENSSL_cleanse(fresh, sizeof(fresh));
    if (pkey == NULL || EVP_PKEY_get_raw_public_key(pkey, pub, &n) != 1) {
        EVP_PKEY_free(pkey);
        return or_errbuf_ssl(eb, "X25519 key");
    }
    *out = pkey;
    return OR_OK;
}

or_err_t
or_v3_x25519_dh(EVP_PKEY *ours, const unsigned char peer[OR_V3_X25519_LEN],
    unsigned char out[OR_V3_X25519_LEN], or_errbuf_t *eb)
{
    static const unsigned char  zero[OR_V3_X25519_LEN];
    EVP_PKEY      *theirs;
    EVP_PKEY_CTX  *ctx = NULL;
    size_t         n = OR_V3_X25519_LEN;
    int            ok = 0;

    theirs = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer,
                                            OR_V3_X25519_LEN);
    if (theirs == NULL) {
        return or_errbuf_ssl(eb, "X25519 peer key");
    }
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ours, NULL);
    if (ctx != NULL && EVP_PKEY_derive_init(ctx) == 1
        && EVP_PKEY_derive_set_peer(ctx, theirs) == 1)
    {
        /* OpenSSL refuses an all-zero result itself: that is a fault
         * of the peer's ephemeral, not of the library */
        ok = EVP_PKEY_derive(ctx, out, &n) == 1 ? 1 : -1;
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(theirs);
    if (ok == 0) {
        return or_errbuf_ssl(eb, "X25519");
    }
    if (ok < 0 || CRYPTO_memcmp(out, zero, sizeof(zero)) == 0) {
        ERR_clear_error();
        OPENSSL_cleanse(out, OR_V3_X25519_LEN);
        return or_errbuf_set(eb, OR_EAUTH, OR_R_V3_EPHEMERAL,
                             "X25519 with the peer's ephemeral gives the "
                             "all-zero secret");
    }
    return OR_OK;
}

unsigned
or_v3_reason_code(or_reason_t reason)
{
    switch (reason) {
    case OR_R_NONE:
        return OR_V3_CODE_NORMAL;
    case OR_R_NOMEM:
    case OR_R_CRYPTO:
    case OR_R_IO:
    case OR_R_BUF_SMALL:
    case OR_R_V3_STATE:
        return OR_V3_CODE_INTERNAL;
    case OR_R_V3_VERSION:
    case OR_R_V3_SUITE:
        return OR_V3_CODE_VERSION;
    case OR_R_HS_EXPIRED:
        return OR_V3_CODE_TIMEOUT;
    case OR_R_KEY_NOT_BOUND:
    case OR_R_BAD_SIGNATURE:
    case OR_R_WRONG_PEER:
    case OR_R_NOT_FOR_US:
    case OR_R_V3_EPHEMERAL:
    case OR_R_V3_FINISHED:
    case OR_R_V3_RECORD_AUTH:
    case OR_R_KEY_TYPE:
    case OR_R_KEY_EXPONENT:
    case OR_R_KEY_SIZE:
    case OR_R_KEY_NONCANONICAL:
        return OR_V3_CODE_AUTH;
    default:
        return OR_V3_CODE_PROTOCOL;
    }
}
