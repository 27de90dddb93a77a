/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The network key (PBKDF2-HMAC-SHA256) and Fernet tokens (PROTOCOL-v2.md
 * "Discovery beacons"). Opening is on the hot path of discovery: junk is
 * refused before any crypto, and the HMAC and AES contexts are made once
 * per key and re-initialised per token instead of allocated.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "or_base64.h"
#include "or_errbuf.h"

#define SALT        "openred_p2p_salt_2025"
#define VERSION     0x80
#define HDR_LEN     (1 + 8 + 16)        /* version, timestamp, IV */
#define HMAC_LEN    32
#define MIN_RAW     (HDR_LEN + 16 + HMAC_LEN)
#define RAW_MAX     (OR_BEACON_MAX / 4 * 3)

struct or_fernet_s {
    unsigned char    key[OR_FERNET_KEY_LEN];  /* 0-15 HMAC, 16-31 AES */
    EVP_MAC         *mac;
    EVP_MAC_CTX     *hmac;      /* keyed; EVP_MAC_init(NULL key) resets */
    EVP_CIPHER      *aes;
    EVP_CIPHER_CTX  *dec;       /* keyed for decryption; IV set per token */
    EVP_CIPHER_CTX  *enc;
};

or_err_t
or_fernet_derive(const char *passphrase, size_t len, or_fernet_t **out,
    or_errbuf_t *eb)
{
    unsigned char  raw[OR_FERNET_KEY_LEN];
    or_err_t       rc;

    if (len > OR_PASSPHRASE_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "passphrase of "
                             "%zu bytes, bound %d", len, OR_PASSPHRASE_MAX);
    }
    if (!PKCS5_PBKDF2_HMAC(passphrase, (int) len,
                           (const unsigned char *) SALT, sizeof(SALT) - 1,
                           OR_PBKDF2_ITERATIONS, EVP_sha256(), sizeof(raw),
                           raw))
    {
        return or_errbuf_ssl(eb, "PBKDF2");
    }
    rc = or_fernet_new(raw, out, eb);
    OPENSSL_cleanse(raw, sizeof(raw));
    return rc;
}

or_err_t
or_fernet_new(const unsigned char raw[OR_FERNET_KEY_LEN], or_fernet_t **out,
    or_errbuf_t *eb)
{
    or_fernet_t  *fk;
    OSSL_PARAM    params[2];
    or_err_t      rc = OR_OK;

    fk = OPENSSL_zalloc(sizeof(*fk));
    if (fk == NULL) {
        return or_errbuf_nomem(eb);
    }
    memcpy(fk->key, raw, OR_FERNET_KEY_LEN);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *) "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    fk->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    fk->aes = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
    fk->hmac = fk->mac ? EVP_MAC_CTX_new(fk->mac) : NULL;
    fk->dec = EVP_CIPHER_CTX_new();
    fk->enc = EVP_CIPHER_CTX_new();
    if (fk->hmac == NULL || fk->aes == NULL || fk->dec == NULL
        || fk->enc == NULL
        || !EVP_MAC_init(fk->hmac, fk->key, 16, params)
        || !EVP_DecryptInit_ex2(fk->dec, fk->aes, fk->key + 16, NULL, NULL)
        || !EVP_EncryptInit_ex2(fk->enc, fk->aes, fk->key + 16, NULL, NULL))
    {
        rc = or_errbuf_ssl(eb, "Fernet key setup");
        or_fernet_free(fk);
        return rc;
    }
    *out = fk;
    return OR_OK;
}

void
or_fernet_free(or_fernet_t *fk)
{
    if (fk == NULL) {
        return;
    }
    EVP_MAC_CTX_free(fk->hmac);
    EVP_MAC_free(fk->mac);
    EVP_CIPHER_CTX_free(fk->dec);
    EVP_CIPHER_CTX_free(fk->enc);
    EVP_CIPHER_free(fk->aes);
    OPENSSL_clear_free(fk, sizeof(*fk));
}

void
or_fernet_export(const or_fernet_t *fk, unsigned char raw[OR_FERNET_KEY_LEN])
{
    memcpy(raw, fk->key, OR_FERNET_KEY_LEN);
}

static int
hmac_of(or_fernet_t *fk, const unsigned char *p, size_t n,
    unsigned char md[HMAC_LEN])
{
    size_t  mdlen;

    return EVP_MAC_init(fk->hmac, NULL, 0, NULL)
           && EVP_MAC_update(fk->hmac, p, n)
           && EVP_MAC_final(fk->hmac, md, &mdlen, HMAC_LEN)
           && mdlen == HMAC_LEN;
}

or_err_t
or_fernet_seal(or_fernet_t *fk, const void *plain, size_t len, int64_t now,
    char *token, size_t tokcap, size_t *toklen, or_errbuf_t *eb)
{
    unsigned char  raw[RAW_MAX];
    size_t         rawlen, ctlen;
    uint64_t       ts = (uint64_t) now;
    int            n1, n2, i;

    ctlen = (len / 16 + 1) * 16;
    rawlen = HDR_LEN + ctlen + HMAC_LEN;
    if (len > RAW_MAX || rawlen > RAW_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "plaintext of "
                             "%zu bytes makes a token over %d bytes", len,
                             OR_BEACON_MAX);
    }
    raw[0] = VERSION;
    for (i = 0; i < 8; i++) {
        raw[1 + i] = (unsigned char) (ts >> (56 - 8 * i));
    }
    if (RAND_bytes(raw + 9, 16) != 1) {
        return or_errbuf_ssl(eb, "Fernet IV");
    }
    if (!EVP_EncryptInit_ex2(fk->enc, NULL, NULL, raw + 9, NULL)
        || !EVP_EncryptUpdate(fk->enc, raw + HDR_LEN, &n1, plain, (int) len)
        || !EVP_EncryptFinal_ex(fk->enc, raw + HDR_LEN + n1, &n2)
        || (size_t) (n1 + n2) != ctlen
        || !hmac_of(fk, raw, HDR_LEN + ctlen, raw + HDR_LEN + ctlen))
    {
        return or_errbuf_ssl(eb, "Fernet seal");
    }
    return or_base64_encode(OR_BASE64_URL, raw, rawlen, token, tokcap,
                            toklen, eb);
}

/* base64url and shape, before any crypto: the cheap refusal of junk */
static or_err_t
decode_token(const char *token, size_t len, unsigned char *raw,
    size_t *rawlen, or_errbuf_t *eb)
{
    size_t         n;
    unsigned char  c;
    or_err_t       rc;

    if (len > OR_BEACON_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "token of %zu "
                             "bytes, bound %d", len, OR_BEACON_MAX);
    }
    if (len < OR_BASE64_LEN(MIN_RAW)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_TOKEN_LENGTH, "token of "
                             "%zu bytes is too short", len);
    }
    /* 'g' encodes a first byte 0x80; "-_" or alphanumerics are base64url */
    c = (unsigned char) token[0];
    if (c != 'g' && (c == '-' || c == '_' || (unsigned) (c | 0x20) - 'a' < 26
                     || (unsigned) c - '0' < 10))
    {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_TOKEN_VERSION,
                             "not a Fernet token: version byte is not 0x80");
    }
    rc = or_base64_decode(OR_BASE64_URL, token, len, raw, RAW_MAX, &n, eb);
    if (rc != OR_OK) {
        return rc;
    }
    if (n < MIN_RAW || (n - HDR_LEN - HMAC_LEN) % 16 != 0) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_TOKEN_LENGTH, "token of "
                             "%zu bytes is not a whole number of blocks", n);
    }
    *rawlen = n;
    return OR_OK;
}

static or_err_t
check_time(uint64_t ts, const or_fernet_time_t *t, or_errbuf_t *eb)
{
    /* a stamp past INT64_MAX is simply in the future */
    int64_t  s = ts > (uint64_t) INT64_MAX ? INT64_MAX : (int64_t) ts;

    if (t->ttl >= 0 && s < t->now && t->now - s > t->ttl) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_EXPIRED, "expired: token is "
                             "%lld s old, ttl %lld s",
                             (long long) (t->now - s), (long long) t->ttl);
    }
    if (t->max_skew >= 0 && s > t->now && s - t->now > t->max_skew) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_FUTURE, "token is %lld s in "
                             "the future, limit %lld s",
                             (long long) (s - t->now),
                             (long long) t->max_skew);
    }
    return OR_OK;
}

or_err_t
or_fernet_open(or_fernet_t *fk, const char *token, size_t len,
    const or_fernet_time_t *t, unsigned char *plain, size_t cap,
    size_t *plainlen, int64_t *ts, or_errbuf_t *eb)
{
    unsigned char  raw[RAW_MAX], out[RAW_MAX], md[HMAC_LEN];
    size_t         rawlen = 0, ctlen;
    uint64_t       stamp = 0;
    int            n1, n2, i;
    or_err_t       rc;

    rc = decode_token(token, len, raw, &rawlen, eb);
    if (rc != OR_OK) {
        return rc;
    }
    if (raw[0] != VERSION) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_TOKEN_VERSION,
                             "not a Fernet token: version byte is 0x%02x, "
                             "not 0x80", raw[0]);
    }
    ctlen = rawlen - HDR_LEN - HMAC_LEN;
    if (!hmac_of(fk, raw, rawlen - HMAC_LEN, md)) {
        return or_errbuf_ssl(eb, "Fernet HMAC");
    }
    if (CRYPTO_memcmp(md, raw + rawlen - HMAC_LEN, HMAC_LEN) != 0) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_HMAC,
                             "wrong key or HMAC mismatch");
    }
    for (i = 0; i < 8; i++) {
        stamp = stamp << 8 | raw[1 + i];
    }
    rc = check_time(stamp, t, eb);
    if (rc != OR_OK) {
        return rc;
    }
    if (!EVP_DecryptInit_ex2(fk->dec, NULL, NULL, raw + 9, NULL)
        || !EVP_DecryptUpdate(fk->dec, out, &n1, raw + HDR_LEN, (int) ctlen))
    {
        return or_errbuf_ssl(eb, "Fernet decrypt");
    }
    if (!EVP_DecryptFinal_ex(fk->dec, out + n1, &n2)) {
        ERR_clear_error();
        return or_errbuf_set(eb, OR_EAUTH, OR_R_PADDING, "bad padding");
    }
    if ((size_t) (n1 + n2) > cap) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL, "plaintext of "
                             "%d bytes, buffer has %zu", n1 + n2, cap);
    }
    memcpy(plain, out, (size_t) (n1 + n2));
    *plainlen = (size_t) (n1 + n2);
    if (ts != NULL) {
        *ts = stamp > (uint64_t) INT64_MAX ? INT64_MAX : (int64_t) stamp;
    }
    return OR_OK;
}
