/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * v3 beacons (docs/PROTOCOL.md v3 §11): a datagram signed by the node and
 * sealed under the network key. Pure: the caller owns the clock and the
 * memory of the last beacon per id.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "or_errbuf.h"
#include "or_key.h"
#include "or_v3_int.h"

#define L_BEACON    "OpenRed v3 beacon\0"
#define L_NET       "or3 net"
/* the label and the type byte before the body: tbs is one buffer */
#define TBS_AT      (OR_V3_LLEN(L_BEACON) + 1)
#define BODY_MAX    (OR_V3_BEACON_MAX - OR_V3_BEACON_HDR)

or_err_t
or_v3_beacon_net_key(const unsigned char nk[OR_FERNET_KEY_LEN],
    unsigned char out[OR_V3_KEY_LEN], or_errbuf_t *eb)
{
    unsigned char  prk[32];
    or_err_t       rc;

    rc = or_v3_extract((const unsigned char *) L_BEACON,
                       OR_V3_LLEN(L_BEACON), nk, OR_FERNET_KEY_LEN, prk, eb);
    if (rc == OR_OK) {
        rc = or_v3_expand(prk, sizeof(prk), L_NET, NULL, out, OR_V3_KEY_LEN,
                          eb);
    }
    OPENSSL_cleanse(prk, sizeof(prk));
    return rc;
}

/* ChaCha20-Poly1305 in place: in (n bytes) -> out, tag after it (seal) or
 * checked from in + n (open) */
static or_err_t
aead(int enc, const unsigned char key[OR_V3_KEY_LEN],
    const unsigned char nonce[OR_V3_BEACON_NONCE_LEN],
    const unsigned char *aad, size_t alen, unsigned char *data, size_t n,
    unsigned char tag[OR_V3_TAG_LEN], or_errbuf_t *eb)
{
    EVP_CIPHER_CTX  *ctx = EVP_CIPHER_CTX_new();
    int              ok, out = 0, fin = 0;

    ok = ctx != NULL
         && EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, key, nonce,
                              enc) == 1
         && (enc || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
                                        OR_V3_TAG_LEN, tag) == 1)
         && EVP_CipherUpdate(ctx, NULL, &out, aad, (int) alen) == 1
         && (n == 0
             || EVP_CipherUpdate(ctx, data, &out, data, (int) n) == 1);
    if (ok) {
        fin = EVP_CipherFinal_ex(ctx, data + n, &out) == 1;
        ok = !enc || (fin && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
                                                 OR_V3_TAG_LEN, tag) == 1);
    }
    EVP_CIPHER_CTX_free(ctx);
    if (!ok) {
        return or_errbuf_ssl(eb, "ChaCha20-Poly1305 (beacon)");
    }
    if (!enc && !fin) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_V3_BEACON_SEAL, "beacon "
                             "seal does not open: another network, or "
                             "tampered");
    }
    return OR_OK;
}

static or_err_t
field(const char *what, or_errbuf_t *eb)
{
    return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_BEACON_FIELD, "beacon %s",
                         what);
}

/* the rules of §11.3 step 3 on the fixed fields (build and open) */
static or_err_t
check_fields(const or_v3_beacon_t *b, size_t sector_len, or_errbuf_t *eb)
{
    if (b->type < OR_V3_BEACON_ANNOUNCE || b->type > OR_V3_BEACON_GOODBYE) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_MSG_TYPE, "beacon type %u",
                             b->type);
    }
    if (b->instance == 0 || b->seq == 0) {
        return field("instance or seq of 0", eb);
    }
    if (b->port == 0 || b->port > 65535) {
        return field("port out of 1..65535", eb);
    }
    if (b->ttl > 65535 || (b->ttl == 0) != (b->type == OR_V3_BEACON_GOODBYE))
    {
        return field("ttl: 0 exactly in a goodbye", eb);
    }
    if ((b->versions & OR_V3_VERSION_3_0) == 0 || b->versions > 0xffff) {
        return field("versions without 3.0", eb);
    }
    if (sector_len > OR_V3_BEACON_SECTOR_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "beacon sector "
                             "of %zu bytes", sector_len);
    }
    if (b->nservices > OR_V3_BEACON_SERVICES) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "%zu services",
                             b->nservices);
    }
    return OR_OK;
}

/* services: u8 count, then each name as a str; the list within
 * OR_V3_BEACON_SERVICES_MAX bytes, names of 1..64 bytes */
static or_err_t
put_services(or_v3_put_t *w, const or_v3_beacon_t *b, or_errbuf_t *eb)
{
    unsigned char  c = (unsigned char) b->nservices;
    size_t         at = w->len;

    or_v3_put(w, &c, 1);
    for (size_t i = 0; i < b->nservices; i++) {
        size_t n = strnlen(b->services[i], sizeof(b->services[i]));

        if (n == 0 || n > OR_V3_BEACON_SERVICE_MAX) {
            return field("service name of 0 or over 64 bytes", eb);
        }
        or_v3_putstr(w, b->services[i], n);
    }
    if (w->len - at > OR_V3_BEACON_SERVICES_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "services of "
                             "%zu bytes, at most %d", w->len - at,
                             OR_V3_BEACON_SERVICES_MAX);
    }
    return OR_OK;
}

static or_err_t
get_services(or_v3_get_t *r, or_v3_beacon_t *b, or_errbuf_t *eb)
{
    const unsigned char  *c = or_v3_get(r, 1), *p;
    size_t                at = r->at - 1, n;

    if (c == NULL) {
        return OR_OK;                   /* short: the caller says so */
    }
    if (*c > OR_V3_BEACON_SERVICES) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "%u services",
                             *c);
    }
    for (size_t i = 0; i < *c; i++) {
        p = or_v3_getstr(r, &n);
        if (p == NULL) {
            return OR_OK;
        }
        if (n == 0 || n > OR_V3_BEACON_SERVICE_MAX
            || memchr(p, '\0', n) != NULL)
        {
            return field("service name", eb);
        }
        memcpy(b->services[i], p, n);
        b->services[i][n] = '\0';
        b->nservices++;
    }
    if (r->at - at > OR_V3_BEACON_SERVICES_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "services of "
                             "%zu bytes", r->at - at);
    }
    return OR_OK;
}

or_err_t
or_v3_beacon_build(const or_key_t *key, const or_v3_beacon_t *b,
    const unsigned char *net_key, const unsigned char *nonce,
    const unsigned char *sig, size_t siglen, unsigned char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb)
{
    unsigned char  tbs[TBS_AT + BODY_MAX], der[OR_V3_DER_MAX];
    unsigned char  mysig[OR_SIG_MAX], *body;
    size_t         derlen = 0, slen = strnlen(b->sector,
                                              sizeof(b->sector));
    size_t         at = OR_V3_BEACON_HDR;
    or_v3_put_t    w;
    or_pubkey_t    self;
    or_err_t       rc;

    rc = check_fields(b, slen, eb);
    if (rc != OR_OK) {
        return rc;
    }
    memcpy(tbs, L_BEACON, OR_V3_LLEN(L_BEACON));
    tbs[TBS_AT - 1] = (unsigned char) b->type;
    w = (or_v3_put_t) { tbs + TBS_AT, 0, BODY_MAX, 0 };
    rc = or_v3_key_id(key, tbs + TBS_AT, eb);
    if (rc == OR_OK) {
        rc = or_v3_key_der(key, der, sizeof(der), &derlen, eb);
    }
    if (rc != OR_OK) {
        return rc;
    }
    w.len = OR_V3_ID_LEN;
    or_v3_put64(&w, b->instance);
    or_v3_put64(&w, b->seq);
    or_v3_put64(&w, (uint64_t) b->ts);
    or_v3_put16(&w, b->ttl);
    or_v3_put16(&w, b->port);
    or_v3_put16(&w, b->versions);
    or_v3_putstr(&w, b->sector, slen);
    rc = put_services(&w, b, eb);
    if (rc != OR_OK) {
        return rc;
    }
    or_v3_putstr(&w, der, derlen);
    if (sig == NULL) {
        rc = or_sign(key, tbs, TBS_AT + w.len, mysig, sizeof(mysig), &siglen,
                     eb);
    } else if (siglen == 0 || siglen > OR_SIG_MAX) {
        rc = or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "fixed signature "
                           "of %zu bytes", siglen);
    } else {
        /* a test's signature, only if it is ours: no forged beacon */
        memset(&self, 0, sizeof(self));
        self.pkey = key->pkey;
        rc = or_verify(&self, tbs, TBS_AT + w.len, sig, siglen, eb);
        if (rc == OR_OK) {
            memcpy(mysig, sig, siglen);
        }
    }
    if (rc != OR_OK) {
        return rc;
    }
    or_v3_putstr(&w, mysig, siglen);
    if (net_key != NULL) {
        at += OR_V3_BEACON_NONCE_LEN;
    }
    if (w.over || at + w.len + (net_key ? OR_V3_TAG_LEN : 0) > cap
        || at + w.len + (net_key ? OR_V3_TAG_LEN : 0) > OR_V3_BEACON_MAX)
    {
        return or_errbuf_set(eb, OR_ETOOBIG, w.over ? OR_R_TOO_BIG
                             : OR_R_BUF_SMALL, "beacon over %zu bytes",
                             cap < OR_V3_BEACON_MAX ? cap
                             : (size_t) OR_V3_BEACON_MAX);
    }
    memcpy(out, OR_V3_BEACON_MAGIC, OR_V3_BEACON_MAGIC_LEN);
    out[4] = (unsigned char) b->type;
    out[5] = net_key != NULL ? OR_V3_BEACON_SEALED : 0;
    body = out + at;
    memcpy(body, tbs + TBS_AT, w.len);
    OPENSSL_cleanse(tbs, sizeof(tbs));
    if (net_key != NULL) {
        if (nonce != NULL) {
            memcpy(out + OR_V3_BEACON_HDR, nonce, OR_V3_BEACON_NONCE_LEN);
        } else if (RAND_bytes(out + OR_V3_BEACON_HDR,
                              OR_V3_BEACON_NONCE_LEN) != 1)
        {
            return or_errbuf_ssl(eb, "RAND_bytes");
        }
        rc = aead(1, net_key, out + OR_V3_BEACON_HDR, out, OR_V3_BEACON_HDR,
                  body, w.len, body + w.len, eb);
        if (rc != OR_OK) {
            return rc;
        }
        w.len += OR_V3_TAG_LEN;
    }
    *outlen = at + w.len;
    return OR_OK;
}

or_err_t
or_v3_beacon_open(const unsigned char *net_key, unsigned char *buf,
    size_t len, int64_t now_ms, or_v3_beacon_t *b, or_errbuf_t *eb)
{
    unsigned char        *body;
    const unsigned char  *p;
    size_t                n, at = OR_V3_BEACON_HDR;
    int64_t               d;
    or_v3_get_t           r;
    or_err_t              rc;

    memset(b, 0, sizeof(*b));
    if (len > OR_V3_BEACON_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "beacon of %zu "
                             "bytes, at most %d", len, OR_V3_BEACON_MAX);
    }
    if (len < OR_V3_BEACON_HDR
        || memcmp(buf, OR_V3_BEACON_MAGIC, OR_V3_BEACON_MAGIC_LEN) != 0)
    {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_MAGIC, "not a v3 "
                             "beacon");
    }
    b->type = buf[4];
    b->flags = buf[5];
    if (b->type < OR_V3_BEACON_ANNOUNCE || b->type > OR_V3_BEACON_GOODBYE) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_MSG_TYPE, "beacon type %u",
                             b->type);
    }
    if (b->flags & ~OR_V3_BEACON_SEALED) {
        return field("flags", eb);
    }
    if ((net_key != NULL) != ((b->flags & OR_V3_BEACON_SEALED) != 0)) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_V3_BEACON_SEAL, net_key
                             ? "unsealed beacon on a network with a key"
                             : "sealed beacon, and no network key");
    }
    if (net_key != NULL) {
        at += OR_V3_BEACON_NONCE_LEN;
        if (len < at + OR_V3_TAG_LEN) {
            return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRUNCATED, "sealed "
                                 "beacon of %zu bytes", len);
        }
        len -= OR_V3_TAG_LEN;
        rc = aead(0, net_key, buf + OR_V3_BEACON_HDR, buf, OR_V3_BEACON_HDR,
                  buf + at, len - at, buf + len, eb);
        if (rc != OR_OK) {
            return rc;
        }
    }
    body = buf + at;
    r = (or_v3_get_t) { body, len - at, 0, 0 };
    p = or_v3_get(&r, OR_V3_ID_LEN);
    if (p != NULL) {
        memcpy(b->id, p, OR_V3_ID_LEN);
    }
    b->instance = or_v3_get64(&r);
    b->seq = or_v3_get64(&r);
    b->ts = (int64_t) or_v3_get64(&r);
    b->ttl = or_v3_get16(&r);
    b->port = or_v3_get16(&r);
    b->versions = or_v3_get16(&r);
    p = or_v3_getstr(&r, &n);
    if (p != NULL) {
        if (n > OR_V3_BEACON_SECTOR_MAX) {
            return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "beacon "
                                 "sector of %zu bytes", n);
        }
        if (memchr(p, '\0', n) != NULL) {
            return field("sector with a zero byte", eb);
        }
        memcpy(b->sector, p, n);
        b->sector[n] = '\0';
    }
    rc = get_services(&r, b, eb);
    if (rc != OR_OK) {
        return rc;
    }
    b->key = or_v3_getstr(&r, &b->keylen);
    b->bodylen = r.at;
    b->sig = or_v3_getstr(&r, &b->siglen);
    if (r.short_ || b->key == NULL || b->sig == NULL) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRUNCATED, "a beacon "
                             "field runs past the datagram");
    }
    if (r.at != r.len) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRAILING, "%zu bytes "
                             "after the beacon's signature", r.len - r.at);
    }
    if (b->keylen == 0 || b->keylen > OR_V3_DER_MAX || b->siglen == 0
        || b->siglen > OR_SIG_MAX)
    {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "beacon key of "
                             "%zu or signature of %zu bytes", b->keylen,
                             b->siglen);
    }
    rc = check_fields(b, strlen(b->sector), eb);
    if (rc != OR_OK) {
        return rc;
    }
    if (b->ts < 0 || __builtin_sub_overflow(now_ms, b->ts, &d)
        || d > OR_V3_TS_WINDOW || d < -OR_V3_TS_WINDOW)
    {
        return or_errbuf_set(eb, OR_EAUTH,
                             b->ts >= 0 && b->ts > now_ms ? OR_R_FUTURE
                                                          : OR_R_EXPIRED,
                             "beacon of %lld ms, outside %d ms of %lld",
                             (long long) b->ts, OR_V3_TS_WINDOW,
                             (long long) now_ms);
    }
    b->body = body;
    return OR_OK;
}

or_err_t
or_v3_beacon_newer(const or_v3_beacon_last_t *last, const or_v3_beacon_t *b,
    or_errbuf_t *eb)
{
    if (last == NULL) {
        return OR_OK;
    }
    if (last->instance == b->instance && b->seq <= last->seq) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_V3_BEACON_SEQ, "beacon seq "
                             "%llu, last %llu of that instance",
                             (unsigned long long) b->seq,
                             (unsigned long long) last->seq);
    }
    if (last->instance != b->instance && b->ts <= last->ts) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_V3_BEACON_STALE, "beacon "
                             "of another instance, %lld ms not after the "
                             "last one's %lld", (long long) b->ts,
                             (long long) last->ts);
    }
    return OR_OK;
}

or_err_t
or_v3_beacon_verify_key(const or_v3_beacon_t *b, const or_pubkey_t *pk,
    or_errbuf_t *eb)
{
    unsigned char  tbs[TBS_AT + BODY_MAX];

    if (b->body == NULL || b->bodylen > BODY_MAX) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_STATE, "beacon not "
                             "opened");
    }
    memcpy(tbs, L_BEACON, OR_V3_LLEN(L_BEACON));
    tbs[TBS_AT - 1] = (unsigned char) b->type;
    memcpy(tbs + TBS_AT, b->body, b->bodylen);
    return or_verify(pk, tbs, TBS_AT + b->bodylen, b->sig, b->siglen, eb);
}

or_err_t
or_v3_beacon_verify(const or_v3_beacon_t *b, or_errbuf_t *eb)
{
    unsigned char  tbs[TBS_AT + BODY_MAX], id[OR_V3_ID_LEN];
    or_pubkey_t   *pk = NULL;
    or_err_t       rc;

    if (b->body == NULL || b->bodylen > BODY_MAX) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_STATE, "beacon not "
                             "opened");
    }
    rc = or_v3_pubkey_import_der(b->key, b->keylen, &pk, id, eb);
    if (rc != OR_OK) {
        return rc;
    }
    if (CRYPTO_memcmp(id, b->id, OR_V3_ID_LEN) != 0) {
        or_pubkey_free(pk);
        return or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_NOT_BOUND, "the "
                             "beacon's key is not its id's");
    }
    memcpy(tbs, L_BEACON, OR_V3_LLEN(L_BEACON));
    tbs[TBS_AT - 1] = (unsigned char) b->type;
    memcpy(tbs + TBS_AT, b->body, b->bodylen);
    rc = or_verify(pk, tbs, TBS_AT + b->bodylen, b->sig, b->siglen, eb);
    or_pubkey_free(pk);
    return rc;
}
