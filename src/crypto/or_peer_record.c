/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Signed peer records (or_peer_record.h): the DHT's rendezvous record
 * and peer exchange's. Sealed bytes (the DHT): nonce (12) ||
 * AES-256-GCM(JSON) || tag (16), the AAD "openred dht record v1". The
 * JSON: {"v": 1, "id": 64 hex, "key": base64 DER SPKI, "addrs": ["ip:port",
 * ...], "ts": s, "ttl": s, "sig": base64}; the signature covers the
 * context string, the network's where-key, and the fields one a line, so
 * that no JSON canonical form is needed and a record of one network does
 * not verify in another.
 */
#include "or_peer_record.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "or_base64.h"
#include "or_errbuf.h"
#include "or_json.h"

#define DHT_CONTEXT   "openred dht record v1"
#define DHT_NONCE     12
#define DHT_TAG       16
#define DHT_SIGNED_MAX  (sizeof(DHT_CONTEXT) + OR_PEER_KEY_LEN \
                         + OR_V3_ID_HEX_LEN + 64 \
                         + OR_PEER_REC_ADDRS_MAX * OR_PEER_REC_ADDR_LEN)

static or_err_t
dht_hkdf(const char *pass, size_t len, const char *info, unsigned char *out,
    or_errbuf_t *eb)
{
    EVP_KDF      *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX  *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM    p[5];
    int           ok = 0;

    p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                            (char *) "SHA256", 0);
    p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                             (void *) pass, len);
    p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                             (void *) DHT_CONTEXT,
                                             sizeof(DHT_CONTEXT) - 1);
    p[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                             (void *) info, strlen(info));
    p[4] = OSSL_PARAM_construct_end();
    if (ctx != NULL) {
        ok = EVP_KDF_derive(ctx, out, OR_PEER_KEY_LEN, p) == 1;
    }
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok ? OR_OK : or_errbuf_ssl(eb, "HKDF");
}

or_err_t
or_peer_keys(const char *passphrase, size_t len, or_peer_keys_t *k,
    or_errbuf_t *eb)
{
    if (dht_hkdf(passphrase, len, "where", k->where, eb) != OR_OK) {
        return OR_ECRYPTO;
    }
    return dht_hkdf(passphrase, len, "seal", k->seal, eb);
}

/* what the signature covers */
static size_t
dht_signed(const or_peer_keys_t *k, const char *idhex, const or_peer_record_t *r,
    unsigned char *buf)
{
    size_t  n = 0;

    memcpy(buf, DHT_CONTEXT "\n", sizeof(DHT_CONTEXT));
    n += sizeof(DHT_CONTEXT);
    memcpy(buf + n, k->where, OR_PEER_KEY_LEN);
    n += OR_PEER_KEY_LEN;
    n += (size_t) snprintf((char *) buf + n, DHT_SIGNED_MAX - n,
                           "\n%s\n%" PRId64 "\n%" PRId64 "\n", idhex, r->ts,
                           r->ttl);
    for (size_t i = 0; i < r->naddrs; i++) {
        n += (size_t) snprintf((char *) buf + n, DHT_SIGNED_MAX - n, "%s\n",
                               r->addrs[i]);
    }
    return n;
}

/* numeric "a.b.c.d:port" or "[v6]:port", port 1..65535 */
static int
dht_addr_ok(const char *a)
{
    char            host[OR_PEER_REC_ADDR_LEN];
    const char     *colon;
    size_t          hlen;
    unsigned char   bin[16];
    long            port;
    char           *end;
    int             v6 = a[0] == '[';

    colon = v6 ? strstr(a, "]:") : strrchr(a, ':');
    if (colon == NULL || strlen(a) >= OR_PEER_REC_ADDR_LEN) {
        return 0;
    }
    hlen = (size_t) (colon - a) - (v6 ? 1 : 0);
    memcpy(host, a + (v6 ? 1 : 0), hlen);
    host[hlen] = '\0';
    colon += v6 ? 2 : 1;
    if (*colon == '\0' || strspn(colon, "0123456789") != strlen(colon)
        || strlen(colon) > 5)
    {
        return 0;
    }
    port = strtol(colon, &end, 10);
    return port >= 1 && port <= 65535
           && inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) == 1;
}

or_err_t
or_peer_record_sign(const or_peer_keys_t *k, const or_key_t *key,
    const or_peer_record_t *r, char *out, size_t cap, size_t *len,
    or_errbuf_t *eb)
{
    unsigned char   id[OR_V3_ID_LEN], der[OR_V3_DER_MAX], sig[OR_SIG_MAX];
    unsigned char   msg[DHT_SIGNED_MAX];
    char            idhex[OR_V3_ID_HEX_LEN + 1];
    char            derb64[OR_BASE64_LEN(OR_V3_DER_MAX) + 1];
    char            sigb64[OR_BASE64_LEN(OR_SIG_MAX) + 1];
    size_t          derlen, siglen, n, mlen;
    json_t         *o, *addrs;
    char           *text = NULL;
    or_err_t        rc;

    if (r->naddrs == 0 || r->naddrs > OR_PEER_REC_ADDRS_MAX || r->ttl < 1
        || r->ttl > OR_PEER_TTL_MAX)
    {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE, "a record "
                             "needs 1..%d addresses and a ttl of 1..%d s",
                             OR_PEER_REC_ADDRS_MAX, OR_PEER_TTL_MAX);
    }
    for (size_t i = 0; i < r->naddrs; i++) {
        if (!dht_addr_ok(r->addrs[i])) {
            return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE, "address "
                                 "\"%.64s\" is not numeric ip:port",
                                 r->addrs[i]);
        }
    }
    if ((rc = or_v3_key_id(key, id, eb)) != OR_OK
        || (rc = or_v3_key_der(key, der, sizeof(der), &derlen, eb)) != OR_OK)
    {
        return rc;
    }
    or_v3_id_hex(id, idhex);
    mlen = dht_signed(k, idhex, r, msg);
    if ((rc = or_sign(key, msg, mlen, sig, sizeof(sig), &siglen, eb)) != OR_OK
        || (rc = or_base64_encode(0, der, derlen, derb64, sizeof(derb64), &n,
                                  eb)) != OR_OK
        || (rc = or_base64_encode(0, sig, siglen, sigb64, sizeof(sigb64), &n,
                                  eb)) != OR_OK)
    {
        return rc;
    }
    addrs = json_array();
    for (size_t i = 0; addrs != NULL && i < r->naddrs; i++) {
        json_array_append_new(addrs, json_string(r->addrs[i]));
    }
    o = json_pack("{s:i, s:s, s:s, s:o, s:I, s:I, s:s}", "v", 1, "id", idhex,
                  "key", derb64, "addrs", addrs, "ts", (json_int_t) r->ts,
                  "ttl", (json_int_t) r->ttl, "sig", sigb64);
    text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (text == NULL) {
        return or_errbuf_nomem(eb);
    }
    n = strlen(text);
    if (n + 1 > cap || n > OR_PEER_TEXT_MAX) {
        free(text);
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL, "record of "
                             "%zu bytes", n);
    }
    memcpy(out, text, n + 1);
    *len = n;
    free(text);
    return OR_OK;
}

or_err_t
or_peer_record_seal(const or_peer_keys_t *k, const or_key_t *key,
    const or_peer_record_t *r, unsigned char *out, size_t cap, size_t *len,
    or_errbuf_t *eb)
{
    char            text[OR_PEER_TEXT_MAX + 1];
    size_t          n;
    EVP_CIPHER_CTX *c = NULL;
    int             outl, ok = 0;
    or_err_t        rc;

    if ((rc = or_peer_record_sign(k, key, r, text, sizeof(text), &n, eb))
        != OR_OK)
    {
        return rc;
    }
    if (DHT_NONCE + n + DHT_TAG > cap || DHT_NONCE + n + DHT_TAG
        > OR_PEER_RECORD_MAX)
    {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL, "record of "
                             "%zu bytes", n);
    }
    c = EVP_CIPHER_CTX_new();
    if (c != NULL && RAND_bytes(out, DHT_NONCE) == 1
        && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, k->seal, out) == 1
        && EVP_EncryptUpdate(c, NULL, &outl, (const unsigned char *)
                             DHT_CONTEXT, sizeof(DHT_CONTEXT) - 1) == 1
        && EVP_EncryptUpdate(c, out + DHT_NONCE, &outl,
                             (unsigned char *) text, (int) n) == 1
        && EVP_EncryptFinal_ex(c, out + DHT_NONCE + outl, &outl) == 1
        && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, DHT_TAG,
                               out + DHT_NONCE + n) == 1)
    {
        ok = 1;
        *len = DHT_NONCE + n + DHT_TAG;
    }
    EVP_CIPHER_CTX_free(c);
    return ok ? OR_OK : or_errbuf_ssl(eb, "AES-256-GCM seal");
}

static or_err_t
dht_unseal(const or_peer_keys_t *k, const unsigned char *in, size_t len,
    char *plain, or_errbuf_t *eb)
{
    EVP_CIPHER_CTX *c;
    size_t          n = len - DHT_NONCE - DHT_TAG;
    int             outl, ok = 0;

    c = EVP_CIPHER_CTX_new();
    if (c == NULL) {
        return or_errbuf_nomem(eb);
    }
    if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, k->seal, in) == 1
        && EVP_DecryptUpdate(c, NULL, &outl, (const unsigned char *)
                             DHT_CONTEXT, sizeof(DHT_CONTEXT) - 1) == 1
        && EVP_DecryptUpdate(c, (unsigned char *) plain, &outl,
                             in + DHT_NONCE, (int) n) == 1
        && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, DHT_TAG,
                               (void *) (in + DHT_NONCE + n)) == 1
        && EVP_DecryptFinal_ex(c, (unsigned char *) plain + outl, &outl)
           == 1)
    {
        ok = 1;
    }
    EVP_CIPHER_CTX_free(c);
    plain[n] = '\0';
    return ok ? OR_OK : or_errbuf_set(eb, OR_EAUTH, OR_R_HMAC, "not sealed "
                                      "with this network's key");
}

or_err_t
or_peer_record_open(const or_peer_keys_t *k, const unsigned char *in,
    size_t len, int64_t now, or_peer_record_t *r, or_errbuf_t *eb)
{
    char      plain[OR_PEER_RECORD_MAX];
    or_err_t  rc;

    memset(r, 0, sizeof(*r));
    if (len < DHT_NONCE + DHT_TAG + 2 || len > OR_PEER_RECORD_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "record of %zu "
                             "bytes", len);
    }
    if ((rc = dht_unseal(k, in, len, plain, eb)) != OR_OK) {
        return rc;
    }
    return or_peer_record_parse(k, plain, len - DHT_NONCE - DHT_TAG, now, r,
                               eb);
}

or_err_t
or_peer_record_parse(const or_peer_keys_t *k, const char *plain, size_t len,
    int64_t now, or_peer_record_t *r, or_errbuf_t *eb)
{
    unsigned char   der[OR_V3_DER_MAX], sig[OR_SIG_MAX], id[OR_V3_ID_LEN];
    unsigned char   msg[DHT_SIGNED_MAX];
    const char     *idhex, *keyb64, *sigb64;
    size_t          l1, l2, l3, derlen, siglen;
    int64_t         v;
    json_t         *o = NULL, *a, *e;
    or_pubkey_t    *pk = NULL;
    char            want[OR_V3_ID_HEX_LEN + 1];
    or_err_t        rc;

    memset(r, 0, sizeof(*r));
    if (len > OR_PEER_RECORD_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "record of %zu "
                             "bytes", len);
    }
    if ((rc = or_json_load(plain, len, OR_PEER_RECORD_MAX, &o, eb)) != OR_OK) {
        return rc;
    }
    rc = OR_EPROTO;
    if (or_json_get_int(o, "v", 1, &v, eb) != OR_OK
        || or_json_get_str(o, "id", OR_V3_ID_HEX_LEN, 1, &idhex, &l1, eb)
           != OR_OK
        || or_json_get_str(o, "key", OR_BASE64_LEN(OR_V3_DER_MAX), 1,
                           &keyb64, &l2, eb) != OR_OK
        || or_json_get_str(o, "sig", OR_BASE64_LEN(OR_SIG_MAX), 1, &sigb64,
                           &l3, eb) != OR_OK
        || or_json_get_int(o, "ts", 1, &r->ts, eb) != OR_OK
        || or_json_get_int(o, "ttl", 1, &r->ttl, eb) != OR_OK)
    {
        goto done;
    }
    a = json_object_get(o, "addrs");
    if (v != 1 || l1 != OR_V3_ID_HEX_LEN || !or_json_is_hex(idhex, l1)
        || !json_is_array(a) || json_array_size(a) == 0
        || json_array_size(a) > OR_PEER_REC_ADDRS_MAX
        || r->ttl < 1 || r->ttl > OR_PEER_TTL_MAX)
    {
        or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE, "not a version 1 "
                      "record (id, 1..%d addrs, ttl 1..%d)", OR_PEER_REC_ADDRS_MAX,
                      OR_PEER_TTL_MAX);
        goto done;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        e = json_array_get(a, i);
        if (!json_is_string(e) || !dht_addr_ok(json_string_value(e))) {
            or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE, "address %zu is "
                          "not numeric ip:port", i + 1);
            goto done;
        }
        snprintf(r->addrs[r->naddrs++], OR_PEER_REC_ADDR_LEN, "%s",
                 json_string_value(e));
    }
    /* ttl is 1..3600 here: now - ttl cannot overflow, ts + ttl could */
    if (r->ts < now - r->ttl) {
        rc = or_errbuf_set(eb, OR_EAUTH, OR_R_EXPIRED, "record expired");
        goto done;
    }
    if (r->ts > now + OR_PEER_SKEW_S) {
        rc = or_errbuf_set(eb, OR_EAUTH, OR_R_FUTURE, "record from the "
                           "future");
        goto done;
    }
    if ((rc = or_base64_decode(0, keyb64, l2, der, sizeof(der), &derlen, eb))
        != OR_OK
        || (rc = or_base64_decode(0, sigb64, l3, sig, sizeof(sig), &siglen,
                                  eb)) != OR_OK
        || (rc = or_v3_pubkey_import_der(der, derlen, &pk, id, eb)) != OR_OK)
    {
        goto done;
    }
    or_v3_id_hex(id, want);
    if (strcmp(want, idhex) != 0) {
        rc = or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_NOT_BOUND, "the key is "
                           "not the one of id %.16s", idhex);
        goto done;
    }
    memcpy(r->id, id, OR_V3_ID_LEN);
    rc = or_verify(pk, msg, dht_signed(k, idhex, r, msg), sig, siglen, eb);

done:
    or_pubkey_free(pk);
    json_decref(o);
    if (rc != OR_OK) {
        memset(r, 0, sizeof(*r));
    }
    return rc;
}
