/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * v2 handshake codecs (PROTOCOL-v2.md "Handshake over TCP"): build and check
 * the request and the response, plus the checks the original forgot (the
 * key must hash to the claimed fingerprint, the mutual link is recomputed,
 * timestamps must be JSON integers). Pure: bytes in, struct or error out.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "or_base64.h"
#include "or_errbuf.h"
#include "or_json.h"
#include "or_key.h"

#define REQUEST_TYPE    "p2p_handshake_request"
#define RESPONSE_TYPE   "p2p_handshake_response"
#define KEY_B64_MAX     OR_BASE64_LEN(OR_PUBKEY_PEM_MAX)
#define SIG_B64_MAX     OR_BASE64_LEN(OR_SIG_MAX)
#define SIGNED_MAX      128     /* "fp:fp:ts:link" */

/* type, source, target and timestamp: what both messages start with */
typedef struct {
    char      source[OR_FP_LEN + 1];
    char      target[OR_FP_LEN + 1];
    int64_t   ts;
} hs_head_t;

/* "public_key": base64(PEM), "signature": base64(sign(data)) */
static or_err_t
put_key_sig(or_jbuf_t *jb, const or_key_t *key, const char *data,
    or_errbuf_t *eb)
{
    unsigned char  sig[OR_SIG_MAX];
    char           b64[SIG_B64_MAX + 1];
    size_t         siglen, n;
    or_err_t       rc;

    /* base64 needs no JSON escape: the key's is encoded once (or_key.c) */
    OR_JBUF_LIT(jb, ", \"public_key\": \"");
    or_jbuf_raw(jb, key->pem_b64, key->pem_b64_len);
    rc = or_sign(key, data, strlen(data), sig, sizeof(sig), &siglen, eb);
    if (rc == OR_OK) {
        rc = or_base64_encode(OR_BASE64_STD, sig, siglen, b64, sizeof(b64),
                              &n, eb);
    }
    if (rc != OR_OK) {
        return rc;
    }
    OR_JBUF_LIT(jb, "\", \"signature\": \"");
    or_jbuf_raw(jb, b64, n);
    OR_JBUF_LIT(jb, "\"");
    return OR_OK;
}

static void
put_head(or_jbuf_t *jb, const char *type, const char *src, const char *dst,
    int64_t ts)
{
    OR_JBUF_LIT(jb, "{\"type\": ");
    or_jbuf_str(jb, type);
    OR_JBUF_LIT(jb, ", \"source_fingerprint\": ");
    or_jbuf_str(jb, src);
    OR_JBUF_LIT(jb, ", \"target_fingerprint\": ");
    or_jbuf_str(jb, dst);
    OR_JBUF_LIT(jb, ", \"timestamp\": ");
    or_jbuf_int(jb, ts);
}

or_err_t
or_v2_mutual_link(const char *fp_a, const char *fp_b, int64_t ts_a,
    int64_t ts_b, char *out, or_errbuf_t *eb)
{
    static const char  hex[] = "0123456789abcdef";
    unsigned char      md[EVP_MAX_MD_SIZE];
    char               data[SIGNED_MAX];
    int                n, i;

    n = snprintf(data, sizeof(data), "%s:%s:%lld:%lld", fp_a, fp_b,
                 (long long) ts_a, (long long) ts_b);
    if (n < 0 || (size_t) n >= sizeof(data)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_BAD_FINGERPRINT,
                             "fingerprints too long for a mutual link");
    }
    if (!EVP_Digest(data, (size_t) n, md, NULL, EVP_sha256(), NULL)) {
        return or_errbuf_ssl(eb, "SHA-256");
    }
    for (i = 0; i < OR_LINK_LEN / 2; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    out[OR_LINK_LEN] = '\0';
    return OR_OK;
}

or_err_t
or_v2_request_build(const or_key_t *key, const char *target_fp, int64_t now,
    char *out, size_t cap, size_t *outlen, or_errbuf_t *eb)
{
    or_jbuf_t  jb = { out, 0, cap, 0 };
    char       data[SIGNED_MAX];
    or_err_t   rc;

    if (!or_json_is_fp(target_fp, strlen(target_fp))) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_BAD_FINGERPRINT,
                             "target fingerprint is not 16 lowercase hex");
    }
    snprintf(data, sizeof(data), "%s:%s:%lld", key->fp, target_fp,
             (long long) now);
    put_head(&jb, REQUEST_TYPE, key->fp, target_fp, now);
    rc = put_key_sig(&jb, key, data, eb);
    if (rc != OR_OK) {
        return rc;
    }
    OR_JBUF_LIT(&jb, ", \"valid_for\": 300}");
    return or_jbuf_done(&jb, outlen, eb);
}

or_err_t
or_v2_response_build(const or_key_t *key, const or_v2_request_t *req,
    int64_t now, char *out, size_t cap, size_t *outlen, char *link_out,
    or_errbuf_t *eb)
{
    or_jbuf_t  jb = { out, 0, cap, 0 };
    char       data[SIGNED_MAX], link[OR_LINK_LEN + 1];
    or_err_t   rc;

    rc = or_v2_mutual_link(req->source, key->fp, req->timestamp, now, link,
                           eb);
    if (rc != OR_OK) {
        return rc;
    }
    snprintf(data, sizeof(data), "%s:%s:%lld:%s", key->fp, req->source,
             (long long) now, link);
    put_head(&jb, RESPONSE_TYPE, key->fp, req->source, now);
    rc = put_key_sig(&jb, key, data, eb);
    if (rc != OR_OK) {
        return rc;
    }
    OR_JBUF_LIT(&jb, ", \"mutual_link\": ");
    or_jbuf_str(&jb, link);
    OR_JBUF_LIT(&jb, ", \"status\": \"connection_accepted\"}");
    rc = or_jbuf_done(&jb, outlen, eb);
    if (rc == OR_OK && link_out != NULL) {
        memcpy(link_out, link, sizeof(link));
    }
    return rc;
}

static or_err_t
check_head(const json_t *root, const char *type, hs_head_t *h,
    or_errbuf_t *eb)
{
    json_t    *v;
    or_err_t   rc;

    v = json_object_get(root, "type");
    if (!json_is_string(v) || strcmp(json_string_value(v), type) != 0) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_MSG_TYPE,
                             "field \"type\" is not \"%s\"", type);
    }
    rc = or_json_get_fp(root, "source_fingerprint", h->source, eb);
    if (rc == OR_OK) {
        rc = or_json_get_fp(root, "target_fingerprint", h->target, eb);
    }
    if (rc != OR_OK) {
        return rc;
    }
    /* jansson keeps integers apart from reals: 1.0, "1", true are refused */
    v = json_object_get(root, "timestamp");
    if (!json_is_integer(v)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_TS_NOT_INTEGER,
                             "timestamp is not an integer");
    }
    h->ts = json_integer_value(v);
    return OR_OK;
}

static or_err_t
check_window(int64_t ts, int64_t now, int64_t window, or_errbuf_t *eb)
{
    int64_t  lo, hi;

    if (__builtin_sub_overflow(now, window, &lo)) {
        lo = INT64_MIN;
    }
    if (__builtin_add_overflow(now, window, &hi)) {
        hi = INT64_MAX;
    }
    if (ts < lo || ts > hi) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_HS_EXPIRED,
                             "handshake_expired: timestamp %lld is outside "
                             "now %lld +/- %lld s", (long long) ts,
                             (long long) now, (long long) window);
    }
    return OR_OK;
}

static or_err_t
get_b64(const json_t *root, const char *name, size_t b64max,
    unsigned char *out, size_t cap, size_t *n, or_errbuf_t *eb)
{
    const char  *s;
    size_t       len;
    or_err_t     rc;

    rc = or_json_get_str(root, name, b64max, 1, &s, &len, eb);
    if (rc != OR_OK) {
        return rc;
    }
    rc = or_base64_decode(OR_BASE64_STD, s, len, out, cap, n, eb);
    if (rc != OR_OK && eb != NULL) {
        /* keep the reason, say which field */
        char  why[sizeof(eb->msg)];

        memcpy(why, eb->msg, sizeof(why));
        snprintf(eb->msg, sizeof(eb->msg), "field \"%s\": %.200s", name,
                 why);
    }
    return rc;
}

/* the sent key, canonical and hashing to fp, and its signature on data */
static or_err_t
check_key_sig(const json_t *root, const char *fp, const char *data,
    const or_pubkey_cache_t *cache, or_pubkey_t **pk_out,
    unsigned char *sig, size_t *siglen, or_errbuf_t *eb)
{
    static const char  hex[] = "0123456789abcdef";
    char               pem[OR_PUBKEY_PEM_MAX], got[OR_FP_LEN + 1];
    unsigned char      md[EVP_MAX_MD_SIZE];
    size_t             pemlen = 0, n = 0;
    or_pubkey_t       *pk = NULL;
    or_err_t           rc;

    rc = get_b64(root, "public_key", KEY_B64_MAX, (unsigned char *) pem,
                 sizeof(pem), &pemlen, eb);
    if (rc == OR_OK) {
        rc = get_b64(root, "signature", SIG_B64_MAX, sig, OR_SIG_MAX, &n,
                     eb);
    }
    if (rc != OR_OK) {
        return rc;
    }
    /* the whole digest: the fingerprint is its first 8 bytes, the cache's
     * key all 32 */
    if (!EVP_Digest(pem, pemlen, md, NULL, EVP_sha256(), NULL)) {
        return or_errbuf_ssl(eb, "SHA-256");
    }
    for (int i = 0; i < OR_FP_LEN / 2; i++) {
        got[2 * i] = hex[md[i] >> 4];
        got[2 * i + 1] = hex[md[i] & 0x0f];
    }
    got[OR_FP_LEN] = '\0';
    /*
     * The binding check needs only SHA-256 of the bytes sent, so it comes
     * before the key import. The import never runs OpenSSL's decoders:
     * a canonical key takes the template path, anything else is named by
     * a byte-level check (or_pubkey_shape.c), at most ~0.4 verifies.
     */
    if (strcmp(got, fp) != 0) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_NOT_BOUND,
                             "public key hashes to %s, not to the claimed %s",
                             got, fp);
    }
    if (cache != NULL) {
        pk = cache->find(cache->data, md);
    }
    if (pk == NULL) {
        rc = or_pubkey_import(pem, pemlen, &pk, eb);
        if (rc != OR_OK) {
            return rc;
        }
        if (cache != NULL) {
            cache->add(cache->data, md, pk);
        }
    }
    rc = or_verify(pk, data, strlen(data), sig, n, eb);
    if (rc != OR_OK) {
        or_pubkey_free(pk);
        return rc;
    }
    *pk_out = pk;
    *siglen = n;
    return OR_OK;
}

or_err_t
or_v2_request_check(const char *json, size_t len, const char *our_fp,
    int64_t now, int64_t window, or_v2_request_t *out, or_errbuf_t *eb)
{
    return or_v2_request_check_cached(json, len, our_fp, now, window, NULL,
                                      out, eb);
}

or_err_t
or_v2_request_check_cached(const char *json, size_t len,
    const char *our_fp, int64_t now, int64_t window,
    const or_pubkey_cache_t *cache, or_v2_request_t *out, or_errbuf_t *eb)
{
    or_v2_request_t  req;
    hs_head_t        h;
    json_t          *root;
    char             data[SIGNED_MAX];
    or_err_t         rc;

    rc = or_json_load(json, len, OR_HANDSHAKE_MAX, &root, eb);
    if (rc != OR_OK) {
        return rc;
    }
    rc = check_head(root, REQUEST_TYPE, &h, eb);
    if (rc != OR_OK) {
        goto done;
    }
    if (strcmp(h.target, our_fp) != 0) {
        rc = or_errbuf_set(eb, OR_EAUTH, OR_R_NOT_FOR_US,
                           "handshake_not_for_this_node: target %s", h.target);
        goto done;
    }
    rc = check_window(h.ts, now, window, eb);
    if (rc != OR_OK) {
        goto done;
    }
    snprintf(data, sizeof(data), "%s:%s:%lld", h.source, h.target,
             (long long) h.ts);
    memset(&req, 0, sizeof(req));
    rc = check_key_sig(root, h.source, data, cache, &req.peer_key,
                       req.signature, &req.siglen, eb);
    if (rc != OR_OK) {
        goto done;
    }
    memcpy(req.source, h.source, sizeof(req.source));
    memcpy(req.target, h.target, sizeof(req.target));
    req.timestamp = h.ts;
    *out = req;
done:
    json_decref(root);
    return rc;
}

void
or_v2_request_clear(or_v2_request_t *req)
{
    if (req != NULL) {
        or_pubkey_free(req->peer_key);
        req->peer_key = NULL;
    }
}

/* {"error": "..."} instead of a response: surfaced, bounded, escaped
 * (or_printable) since it ends up in logs and on terminals */
static or_err_t
peer_error(const json_t *err, or_errbuf_t *eb)
{
    /* what fits after the prefix: cut at a whole escape, marked "..." */
    char         text[sizeof(((or_errbuf_t *) 0)->msg)
                      - sizeof("peer refused: ") + 1];
    size_t       len = json_is_string(err) ? json_string_length(err) : 0;

    (void) or_printable(len ? json_string_value(err) : "",
                        len < OR_PEER_ERROR_MAX ? len : OR_PEER_ERROR_MAX,
                        text, sizeof(text), 0);
    return or_errbuf_set(eb, OR_EAUTH, OR_R_PEER_ERROR, "peer refused: %s",
                         text);
}

static or_err_t
check_response(const json_t *root, const or_v2_sent_t *sent, int64_t now,
    int64_t window, or_v2_response_t *r, or_errbuf_t *eb)
{
    hs_head_t     h;
    const char   *link;
    size_t        n, siglen;
    char          data[SIGNED_MAX];
    unsigned char sig[OR_SIG_MAX];
    or_err_t      rc;

    rc = check_head(root, RESPONSE_TYPE, &h, eb);
    if (rc != OR_OK) {
        return rc;
    }
    if (strcmp(h.target, sent->ours) != 0) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_NOT_FOR_US, "response is for "
                             "%s, not for us", h.target);
    }
    if (strcmp(h.source, sent->dialled) != 0) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_WRONG_PEER, "response comes "
                             "from %s, we dialled %s", h.source,
                             sent->dialled);
    }
    rc = check_window(h.ts, now, window, eb);
    if (rc == OR_OK) {
        rc = or_json_get_str(root, "mutual_link", OR_LINK_LEN, 1, &link, &n,
                             eb);
    }
    if (rc == OR_OK) {
        rc = or_v2_mutual_link(sent->ours, sent->dialled, sent->timestamp,
                               h.ts, r->mutual_link, eb);
    }
    if (rc != OR_OK) {
        return rc;
    }
    if (n != OR_LINK_LEN || CRYPTO_memcmp(link, r->mutual_link, n) != 0) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_LINK_MISMATCH, "mutual_link "
                             "is not the one our request and tsB give");
    }
    snprintf(data, sizeof(data), "%s:%s:%lld:%s", h.source, h.target,
             (long long) h.ts, r->mutual_link);
    rc = check_key_sig(root, sent->dialled, data, NULL, &r->peer_key, sig,
                       &siglen, eb);
    if (rc == OR_OK) {
        memcpy(r->source, h.source, sizeof(r->source));
        r->timestamp = h.ts;
    }
    return rc;
}

or_err_t
or_v2_response_check(const char *json, size_t len, const or_v2_sent_t *sent,
    int64_t now, int64_t window, or_v2_response_t *out, or_errbuf_t *eb)
{
    or_v2_response_t  r;
    json_t           *root, *err;
    or_err_t          rc;

    rc = or_json_load(json, len, OR_HANDSHAKE_MAX, &root, eb);
    if (rc != OR_OK) {
        return rc;
    }
    err = json_object_get(root, "error");
    if (err != NULL && json_object_get(root, "type") == NULL) {
        rc = peer_error(err, eb);
        goto done;
    }
    memset(&r, 0, sizeof(r));
    rc = check_response(root, sent, now, window, &r, eb);
    if (rc == OR_OK) {
        *out = r;
    }
done:
    json_decref(root);
    return rc;
}

void
or_v2_response_clear(or_v2_response_t *resp)
{
    if (resp != NULL) {
        or_pubkey_free(resp->peer_key);
        resp->peer_key = NULL;
    }
}

/*
 * compat: the original's texts (error-*.json). Its verification errors
 * carry Python's exception text, empty for a bad signature; for refusals
 * it never made we keep its prefix and add our reason name.
 */
or_err_t
or_v2_error_reply(or_reason_t reason, char *out, size_t cap, size_t *outlen)
{
    or_jbuf_t  jb = { out, 0, cap, 0 };
    char       text[96];

    switch (reason) {
    case OR_R_NOT_FOR_US:
        snprintf(text, sizeof(text), "handshake_not_for_this_node");
        break;
    case OR_R_HS_EXPIRED:
        snprintf(text, sizeof(text), "handshake_expired");
        break;
    case OR_R_BAD_SIGNATURE:
        snprintf(text, sizeof(text), "handshake_verification_failed: ");
        break;
    default:
        snprintf(text, sizeof(text), "handshake_verification_failed: %s",
                 or_reason_name(reason));
        break;
    }
    OR_JBUF_LIT(&jb, "{\"error\": ");
    or_jbuf_str(&jb, text);
    OR_JBUF_LIT(&jb, "}");
    if (jb.overflow) {
        return OR_ETOOBIG;
    }
    *outlen = jb.len;
    return OR_OK;
}
