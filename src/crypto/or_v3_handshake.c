/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The v3 handshake (docs/PROTOCOL.md v3 §5): MSG1, MSG2, MSG3 and REFUSE,
 * built and checked by one state object per connection. Checks run
 * cheapest first; the responder verifies sig_i before any DH or sign.
 */
#include "or_v3_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "or_errbuf.h"
#include "or_key.h"

enum { ST_NEW, ST_SENT1, ST_READ1, ST_SENT2, ST_DONE, ST_FAILED };

struct or_v3_hs_s {
    int              state;
    int              initiator;
    const or_key_t  *key;                   /* borrowed, ours */
    unsigned char    our_id[OR_V3_ID_LEN];
    uint16_t         allowed;               /* I: offered; R: allowed */
    uint16_t         prefer;                /* R */
    uint16_t         versions, suites;      /* MSG1's offer */
    uint16_t         version, suite;        /* chosen */
    int64_t          peer_ts;               /* ms */
    unsigned char    peer_id[OR_V3_ID_LEN];
    or_pubkey_t     *peer_key;
    unsigned char    nonce_i[OR_V3_NONCE_LEN], nonce_r[OR_V3_NONCE_LEN];
    unsigned char    e_peer[OR_V3_X25519_LEN];
    EVP_PKEY        *eph;                   /* ours, until the DH */
    unsigned char    m1[OR_V3_HS_LEN_MAX];  /* R: M1, to verify sig_i */
    size_t           m1s_len, m1_len;
    unsigned char    h1[OR_V3_HASH_LEN], th[OR_V3_HASH_LEN];
    or_v3_keys_t     keys;
    int              took;
    int              verified;              /* R: sig_i verified */
};

static or_err_t
new_hs(const or_key_t *key, int initiator, or_v3_hs_t **out,
    or_errbuf_t *eb)
{
    or_v3_hs_t  *hs;
    or_err_t     rc;

    hs = calloc(1, sizeof(*hs));
    if (hs == NULL) {
        return or_errbuf_nomem(eb);
    }
    hs->key = key;
    hs->initiator = initiator;
    rc = or_v3_key_id(key, hs->our_id, eb);
    if (rc != OR_OK) {
        free(hs);
        return rc;
    }
    *out = hs;
    return OR_OK;
}

or_err_t
or_v3_init_new(const or_key_t *key, const unsigned char peer_id[OR_V3_ID_LEN],
    uint16_t suites, or_v3_hs_t **out, or_errbuf_t *eb)
{
    or_err_t  rc;

    if (!(suites & OR_V3_SUITE_CHACHA)) {
        return or_errbuf_set(eb, OR_ECONF, OR_R_V3_SUITE, "suites 0x%04x "
                             "lack the mandatory ChaCha20-Poly1305", suites);
    }
    rc = new_hs(key, 1, out, eb);
    if (rc == OR_OK) {
        memcpy((*out)->peer_id, peer_id, OR_V3_ID_LEN);
        (*out)->allowed = suites;
    }
    return rc;
}

or_err_t
or_v3_resp_new(const or_key_t *key, uint16_t suites, uint16_t prefer,
    or_v3_hs_t **out, or_errbuf_t *eb)
{
    or_err_t  rc;

    if ((suites & OR_V3_SUITES_ALL) == 0) {
        return or_errbuf_set(eb, OR_ECONF, OR_R_V3_SUITE, "no suite allowed");
    }
    rc = new_hs(key, 0, out, eb);
    if (rc == OR_OK) {
        (*out)->allowed = suites;
        (*out)->prefer = prefer;
    }
    return rc;
}

static or_err_t
fail(or_v3_hs_t *hs, or_err_t rc)
{
    if (rc != OR_OK) {
        hs->state = ST_FAILED;
        EVP_PKEY_free(hs->eph);
        hs->eph = NULL;
        or_v3_keys_wipe(&hs->keys);
    }
    return rc;
}

static or_err_t
bad_state(or_v3_hs_t *hs, const char *what, or_errbuf_t *eb)
{
    return fail(hs, or_errbuf_set(eb, OR_EPROTO, OR_R_V3_STATE,
                                  "%s out of order", what));
}

static or_err_t
random_or_fixed(unsigned char *out, size_t n, const unsigned char *fixed,
    or_errbuf_t *eb)
{
    if (fixed != NULL) {
        memcpy(out, fixed, n);
        return OR_OK;
    }
    return RAND_bytes(out, (int) n) == 1 ? OR_OK
           : or_errbuf_ssl(eb, "RAND_bytes");
}

/* What a side puts into its hello (MSG1 or MSG2): our key's DER, a fresh
 * nonce and a fresh X25519 ephemeral (or the fixed ones of a test). */
static or_err_t
hello_own(or_v3_hs_t *hs, unsigned char nonce[OR_V3_NONCE_LEN],
    const or_v3_fixed_t *fixed, unsigned char der[OR_V3_DER_MAX],
    size_t *derlen, unsigned char e_pub[OR_V3_X25519_LEN], or_errbuf_t *eb)
{
    or_err_t rc = or_v3_key_der(hs->key, der, OR_V3_DER_MAX, derlen, eb);

    if (rc == OR_OK) {
        rc = random_or_fixed(nonce, OR_V3_NONCE_LEN,
                             fixed ? fixed->nonce : NULL, eb);
    }
    if (rc == OR_OK) {
        rc = or_v3_x25519_new(fixed ? fixed->eph : NULL, &hs->eph, e_pub,
                              eb);
    }
    return rc;
}

/*
 * sig over tbs: RSA-PSS with our key, or the fixed one after checking that
 * it verifies (so the test hook cannot emit a forged message).
 */
static or_err_t
sign_tbs(const or_v3_hs_t *hs, const or_v3_fixed_t *fixed,
    const unsigned char *tbs, size_t len, unsigned char *sig, size_t *siglen,
    or_errbuf_t *eb)
{
    or_pubkey_t  self;
    or_err_t     rc;

    if (fixed == NULL || fixed->sig == NULL) {
        return or_sign(hs->key, tbs, len, sig, OR_SIG_MAX, siglen, eb);
    }
    if (fixed->siglen == 0 || fixed->siglen > OR_SIG_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "fixed signature "
                             "of %zu bytes", fixed->siglen);
    }
    memset(&self, 0, sizeof(self));
    self.pkey = hs->key->pkey;
    rc = or_verify(&self, tbs, len, fixed->sig, fixed->siglen, eb);
    if (rc == OR_OK) {
        memcpy(sig, fixed->sig, fixed->siglen);
        *siglen = fixed->siglen;
    }
    return rc;
}

/* u32 len at out, payload after it: the frame is out[0 .. 4 + len) */
static or_err_t
close_frame(unsigned char *frame, size_t payload, or_errbuf_t *eb)
{
    if (payload > OR_V3_HS_LEN_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "handshake frame "
                             "of %zu bytes", payload);
    }
    or_v3_put32_at(frame, (uint32_t) payload);
    return OR_OK;
}

/* the label, then the payload: tbs for the signature is one buffer */
#define TBS_AT  (OR_V3_LLEN(OR_V3_L_SIG2) + OR_V3_HASH_LEN)

static or_err_t
msg1_write(or_v3_hs_t *hs, int64_t now_ms, const or_v3_fixed_t *fixed,
    unsigned char *buf, size_t *len, or_errbuf_t *eb)
{
    unsigned char  e_pub[OR_V3_X25519_LEN], der[OR_V3_DER_MAX];
    unsigned char  sig[OR_SIG_MAX];
    size_t         derlen, siglen, at = OR_V3_LLEN(OR_V3_L_SIG1);
    or_v3_put_t    w = { buf + at, 0, OR_V3_HS_LEN_MAX, 0 };
    or_err_t       rc;

    rc = hello_own(hs, hs->nonce_i, fixed, der, &derlen, e_pub, eb);
    if (rc != OR_OK) {
        return rc;
    }
    or_v3_put(&w, (unsigned char[]) { OR_V3_HS_MSG1 }, 1);
    or_v3_put16(&w, OR_V3_VERSION_3_0);
    or_v3_put16(&w, hs->allowed);
    or_v3_put64(&w, (uint64_t) now_ms);
    or_v3_put(&w, hs->nonce_i, OR_V3_NONCE_LEN);
    or_v3_put(&w, e_pub, OR_V3_X25519_LEN);
    or_v3_put(&w, hs->peer_id, OR_V3_ID_LEN);
    or_v3_putstr(&w, der, derlen);
    memcpy(buf, OR_V3_L_SIG1, at);
    rc = sign_tbs(hs, fixed, buf, at + w.len, sig, &siglen, eb);
    if (rc != OR_OK) {
        return rc;
    }
    or_v3_putstr(&w, sig, siglen);
    /* M1 ends here; h1 = SHA-256(L_H1 ‖ M1) */
    rc = or_v3_sha256(OR_V3_L_H1, OR_V3_LLEN(OR_V3_L_H1), buf + at, w.len,
                      NULL, 0, hs->h1, eb);
    or_v3_put16(&w, 0);                 /* empty cookie in v3.0 */
    if (rc == OR_OK && w.over) {
        rc = or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "MSG1 too big");
    }
    *len = w.len;
    return rc;
}

or_err_t
or_v3_init_msg1(or_v3_hs_t *hs, int64_t now_ms, const or_v3_fixed_t *fixed,
    unsigned char *out, size_t cap, size_t *outlen, or_errbuf_t *eb)
{
    unsigned char  buf[OR_V3_LLEN(OR_V3_L_SIG1) + OR_V3_HS_LEN_MAX];
    size_t         len = 0, at = OR_V3_LLEN(OR_V3_L_SIG1);
    size_t         head = OR_V3_MAGIC_LEN + OR_V3_FRAME_HDR;
    or_err_t       rc;

    if (!hs->initiator || hs->state != ST_NEW) {
        return bad_state(hs, "MSG1", eb);
    }
    rc = msg1_write(hs, now_ms, fixed, buf, &len, eb);
    if (rc == OR_OK && head + len > cap) {
        rc = or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL, "MSG1 needs %zu "
                           "bytes, buffer has %zu", head + len, cap);
    }
    if (rc != OR_OK) {
        return fail(hs, rc);
    }
    memcpy(out, OR_V3_MAGIC, OR_V3_MAGIC_LEN);
    rc = close_frame(out + OR_V3_MAGIC_LEN, len, eb);
    if (rc != OR_OK) {
        return fail(hs, rc);
    }
    memcpy(out + head, buf + at, len);
    *outlen = head + len;
    hs->state = ST_SENT1;
    return OR_OK;
}

/* ts is a u64 on the wire: far values must not overflow the difference
 * (fuzz_v3_msg1 found ts = 2^63: UBSan, signed overflow) */
static or_err_t
check_ts(int64_t ts, int64_t now_ms, or_errbuf_t *eb)
{
    int64_t  d = 0;

    if (ts < 0 || __builtin_sub_overflow(ts, now_ms, &d)
        || d > OR_V3_TS_WINDOW || d < -OR_V3_TS_WINDOW)
    {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_HS_EXPIRED, "timestamp %lld "
                             "ms is out of the window of %d ms around %lld",
                             (long long) ts, OR_V3_TS_WINDOW,
                             (long long) now_ms);
    }
    return OR_OK;
}

/* key and signature str fields: present, non-empty, within bounds */
static or_err_t
check_str(const unsigned char *p, size_t n, size_t max, const char *what,
    or_errbuf_t *eb)
{
    if (p == NULL) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRUNCATED, "%s runs "
                             "past the frame", what);
    }
    if (n == 0 || n > max) {
        return or_errbuf_set(eb, n == 0 ? OR_EPROTO : OR_ETOOBIG,
                             n == 0 ? OR_R_V3_TRUNCATED : OR_R_TOO_BIG,
                             "%s of %zu bytes, expected 1..%zu", what, n,
                             max);
    }
    return OR_OK;
}

/* checks 1..5 of §5.3 on MSG1's payload; fills hs on success */
static or_err_t
msg1_read(or_v3_hs_t *hs, or_v3_get_t *r, int64_t now_ms, or_errbuf_t *eb)
{
    const unsigned char  *nonce, *e, *id, *der, *sig, *cookie;
    size_t                derlen, siglen, cookielen, m1s, m1;
    unsigned              versions, suites;
    int64_t               ts;
    or_err_t              rc;

    rc = or_v3_check_type(r, OR_V3_HS_MSG1, eb);
    if (rc != OR_OK) {
        return rc;
    }
    versions = or_v3_get16(r);
    suites = or_v3_get16(r);
    ts = (int64_t) or_v3_get64(r);
    nonce = or_v3_get(r, OR_V3_NONCE_LEN);
    e = or_v3_get(r, OR_V3_X25519_LEN);
    id = or_v3_get(r, OR_V3_ID_LEN);
    der = or_v3_getstr(r, &derlen);
    m1s = r->at;
    rc = check_str(der, derlen, OR_V3_DER_MAX, "key_i", eb);
    if (rc != OR_OK) {
        return rc;
    }
    sig = or_v3_getstr(r, &siglen);
    m1 = r->at;
    rc = check_str(sig, siglen, OR_SIG_MAX, "sig_i", eb);
    if (rc != OR_OK) {
        return rc;
    }
    cookie = or_v3_getstr(r, &cookielen);
    if (cookie == NULL) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRUNCATED, "cookie runs "
                             "past the frame");
    }
    if (cookielen > OR_V3_COOKIE_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "cookie of %zu "
                             "bytes, bound %d", cookielen, OR_V3_COOKIE_MAX);
    }
    if (r->at != r->len) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRAILING, "%zu bytes "
                             "after MSG1's cookie", r->len - r->at);
    }
    /* 2: something in common */
    if (!(versions & OR_V3_VERSION_3_0)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_VERSION, "versions 0x%04x"
                             " lack v3.0", versions);
    }
    if (!(suites & OR_V3_SUITE_CHACHA) || !(suites & hs->allowed)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_SUITE, "suites 0x%04x "
                             "lack ChaCha20-Poly1305 or one we allow",
                             suites);
    }
    /* 3, 4: fresh, for us */
    rc = check_ts(ts, now_ms, eb);
    if (rc != OR_OK) {
        return rc;
    }
    if (memcmp(id, hs->our_id, OR_V3_ID_LEN) != 0) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_NOT_FOR_US, "MSG1 is for "
                             "another node");
    }
    /* 5: the binding check gives id_i */
    rc = or_v3_pubkey_import_der(der, derlen, &hs->peer_key, hs->peer_id,
                                 eb);
    if (rc != OR_OK) {
        return rc;
    }
    hs->versions = (uint16_t) versions;
    hs->suites = (uint16_t) suites;
    hs->peer_ts = ts;
    memcpy(hs->nonce_i, nonce, OR_V3_NONCE_LEN);
    memcpy(hs->e_peer, e, OR_V3_X25519_LEN);
    memcpy(hs->m1, r->p, m1);
    hs->m1s_len = m1s;
    hs->m1_len = m1;
    return or_v3_sha256(OR_V3_L_H1, OR_V3_LLEN(OR_V3_L_H1), hs->m1, m1,
                        NULL, 0, hs->h1, eb);
}

or_err_t
or_v3_resp_msg1(or_v3_hs_t *hs, const unsigned char *buf, size_t len,
    int64_t now_ms, or_errbuf_t *eb)
{
    or_v3_get_t  r;
    or_err_t     rc;

    if (hs->initiator || hs->state != ST_NEW) {
        return bad_state(hs, "MSG1", eb);
    }
    rc = or_v3_frame_payload(buf, len, 1, 1, OR_V3_HS_LEN_MAX, &r, eb);
    if (rc == OR_OK) {
        rc = msg1_read(hs, &r, now_ms, eb);
    }
    if (rc == OR_OK) {
        hs->state = ST_READ1;
    }
    return fail(hs, rc);
}

/* TH, DH, the key schedule; wipes the ephemeral and dh */
static or_err_t
derive(or_v3_hs_t *hs, const unsigned char *m2, size_t m2len,
    or_errbuf_t *eb)
{
    unsigned char  dh[OR_V3_X25519_LEN];
    or_err_t       rc;

    rc = or_v3_sha256(OR_V3_L_TH, OR_V3_LLEN(OR_V3_L_TH), hs->h1,
                      OR_V3_HASH_LEN, m2, m2len, hs->th, eb);
    if (rc == OR_OK) {
        rc = or_v3_x25519_dh(hs->eph, hs->e_peer, dh, eb);
    }
    EVP_PKEY_free(hs->eph);
    hs->eph = NULL;
    if (rc == OR_OK) {
        rc = or_v3_key_schedule(dh, hs->nonce_i, hs->nonce_r, hs->th,
                                &hs->keys, eb);
    }
    OPENSSL_cleanse(dh, sizeof(dh));
    return rc;
}

/* R's preferred suite if both allow it, else the lowest common bit */
static uint16_t
choose_suite(const or_v3_hs_t *hs)
{
    unsigned  common = hs->suites & hs->allowed & OR_V3_SUITES_ALL;
    unsigned  p = hs->prefer & common;

    p = p != 0 ? p : common;
    return (uint16_t) (p & (~p + 1));
}

static or_err_t
verify_sig_i(const or_v3_hs_t *hs, or_errbuf_t *eb)
{
    unsigned char  tbs[OR_V3_LLEN(OR_V3_L_SIG1) + OR_V3_HS_LEN_MAX];
    size_t         at = OR_V3_LLEN(OR_V3_L_SIG1);

    memcpy(tbs, OR_V3_L_SIG1, at);
    memcpy(tbs + at, hs->m1, hs->m1s_len);
    /* sig_i is the str after M1s: its 2 length bytes, then the bytes */
    return or_verify(hs->peer_key, tbs, at + hs->m1s_len,
                     hs->m1 + hs->m1s_len + 2, hs->m1_len - hs->m1s_len - 2,
                     eb);
}

or_err_t
or_v3_resp_verify(or_v3_hs_t *hs, or_errbuf_t *eb)
{
    or_err_t  rc;

    if (hs->initiator || hs->state != ST_READ1 || hs->verified) {
        return bad_state(hs, "verifying MSG1", eb);
    }
    rc = verify_sig_i(hs, eb);
    hs->verified = rc == OR_OK;
    return fail(hs, rc);
}

static or_err_t
msg2_write(or_v3_hs_t *hs, int64_t now_ms, const or_v3_fixed_t *fixed,
    unsigned char *buf, size_t *len, or_errbuf_t *eb)
{
    unsigned char  e_pub[OR_V3_X25519_LEN], der[OR_V3_DER_MAX];
    unsigned char  sig[OR_SIG_MAX], fin[OR_V3_HASH_LEN];
    size_t         derlen, siglen;
    or_v3_put_t    w = { buf + TBS_AT, 0, OR_V3_HS_LEN_MAX, 0 };
    or_err_t       rc;

    hs->version = OR_V3_VERSION_3_0;
    hs->suite = choose_suite(hs);
    rc = hello_own(hs, hs->nonce_r, fixed, der, &derlen, e_pub, eb);
    if (rc != OR_OK) {
        return rc;
    }
    or_v3_put(&w, (unsigned char[]) { OR_V3_HS_MSG2 }, 1);
    or_v3_put16(&w, hs->version);
    or_v3_put16(&w, hs->suite);
    or_v3_put64(&w, (uint64_t) now_ms);
    or_v3_put(&w, hs->nonce_r, OR_V3_NONCE_LEN);
    or_v3_put(&w, e_pub, OR_V3_X25519_LEN);
    or_v3_putstr(&w, der, derlen);
    memcpy(buf, OR_V3_L_SIG2, OR_V3_LLEN(OR_V3_L_SIG2));
    memcpy(buf + OR_V3_LLEN(OR_V3_L_SIG2), hs->h1, OR_V3_HASH_LEN);
    rc = sign_tbs(hs, fixed, buf, TBS_AT + w.len, sig, &siglen, eb);
    if (rc != OR_OK) {
        return rc;
    }
    or_v3_putstr(&w, sig, siglen);
    if (w.over) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "MSG2 too big");
    }
    rc = derive(hs, buf + TBS_AT, w.len, eb);
    if (rc == OR_OK) {
        rc = or_v3_hmac(hs->keys.fin_r, hs->th, OR_V3_HASH_LEN, fin, eb);
    }
    or_v3_put(&w, fin, sizeof(fin));
    *len = w.len;
    return rc == OR_OK && w.over
           ? or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "MSG2 too big") : rc;
}

or_err_t
or_v3_resp_msg2(or_v3_hs_t *hs, int64_t now_ms, const or_v3_fixed_t *fixed,
    unsigned char *out, size_t cap, size_t *outlen, or_errbuf_t *eb)
{
    unsigned char  buf[TBS_AT + OR_V3_HS_LEN_MAX];
    size_t         len = 0;
    or_err_t       rc;

    if (hs->initiator || hs->state != ST_READ1) {
        return bad_state(hs, "MSG2", eb);
    }
    /* §5.3 step 7: verify before any DH or sign */
    rc = hs->verified ? OR_OK : verify_sig_i(hs, eb);
    if (rc == OR_OK) {
        rc = msg2_write(hs, now_ms, fixed, buf, &len, eb);
    }
    if (rc == OR_OK && OR_V3_FRAME_HDR + len > cap) {
        rc = or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL, "MSG2 needs %zu "
                           "bytes, buffer has %zu", OR_V3_FRAME_HDR + len,
                           cap);
    }
    if (rc == OR_OK) {
        rc = close_frame(out, len, eb);
    }
    if (rc != OR_OK) {
        return fail(hs, rc);
    }
    memcpy(out + OR_V3_FRAME_HDR, buf + TBS_AT, len);
    *outlen = OR_V3_FRAME_HDR + len;
    hs->state = ST_SENT2;
    return OR_OK;
}

/* §5.6 steps 1..4 on MSG2's payload: *m2s and *m2 are its M2s / M2 ends */
static or_err_t
msg2_read(or_v3_hs_t *hs, or_v3_get_t *r, int64_t now_ms, size_t *m2s,
    size_t *m2, or_errbuf_t *eb)
{
    const unsigned char  *nonce, *e, *der, *sig;
    size_t                derlen, siglen;
    unsigned              version, suite;
    unsigned char         id[OR_V3_ID_LEN];
    int64_t               ts;
    or_err_t              rc;

    rc = or_v3_check_type(r, OR_V3_HS_MSG2, eb);
    if (rc != OR_OK) {
        return rc;
    }
    version = or_v3_get16(r);
    suite = or_v3_get16(r);
    ts = (int64_t) or_v3_get64(r);
    nonce = or_v3_get(r, OR_V3_NONCE_LEN);
    e = or_v3_get(r, OR_V3_X25519_LEN);
    der = or_v3_getstr(r, &derlen);
    *m2s = r->at;
    rc = check_str(der, derlen, OR_V3_DER_MAX, "key_r", eb);
    if (rc != OR_OK) {
        return rc;
    }
    sig = or_v3_getstr(r, &siglen);
    *m2 = r->at;
    rc = check_str(sig, siglen, OR_SIG_MAX, "sig_r", eb);
    if (rc != OR_OK) {
        return rc;
    }
    if (or_v3_get(r, OR_V3_HASH_LEN) == NULL) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRUNCATED, "fin_r runs "
                             "past the frame");
    }
    if (r->at != r->len) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRAILING, "%zu bytes "
                             "after MSG2's fin_r", r->len - r->at);
    }
    if (version != OR_V3_VERSION_3_0) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_VERSION, "version "
                             "0x%04x was not offered", version);
    }
    if (suite == 0 || (suite & (suite - 1)) != 0 || !(suite & hs->allowed)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_SUITE, "suite 0x%04x "
                             "is not one bit we offered", suite);
    }
    rc = check_ts(ts, now_ms, eb);
    if (rc == OR_OK) {
        rc = or_v3_pubkey_import_der(der, derlen, &hs->peer_key, id, eb);
    }
    if (rc != OR_OK) {
        return rc;
    }
    if (memcmp(id, hs->peer_id, OR_V3_ID_LEN) != 0) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_WRONG_PEER, "MSG2 is signed "
                             "by another key than the node we dialled");
    }
    hs->version = (uint16_t) version;
    hs->suite = (uint16_t) suite;
    hs->peer_ts = ts;
    memcpy(hs->nonce_r, nonce, OR_V3_NONCE_LEN);
    memcpy(hs->e_peer, e, OR_V3_X25519_LEN);
    return OR_OK;
}

/* §5.6 steps 5, 6 */
static or_err_t
msg2_auth(or_v3_hs_t *hs, const unsigned char *p, size_t m2s, size_t m2,
    or_errbuf_t *eb)
{
    unsigned char  tbs[TBS_AT + OR_V3_HS_LEN_MAX], fin[OR_V3_HASH_LEN];
    or_err_t       rc;

    memcpy(tbs, OR_V3_L_SIG2, OR_V3_LLEN(OR_V3_L_SIG2));
    memcpy(tbs + OR_V3_LLEN(OR_V3_L_SIG2), hs->h1, OR_V3_HASH_LEN);
    memcpy(tbs + TBS_AT, p, m2s);
    rc = or_verify(hs->peer_key, tbs, TBS_AT + m2s, p + m2s + 2,
                   m2 - m2s - 2, eb);
    if (rc == OR_OK) {
        rc = derive(hs, p, m2, eb);
    }
    if (rc == OR_OK) {
        rc = or_v3_hmac(hs->keys.fin_r, hs->th, OR_V3_HASH_LEN, fin, eb);
    }
    if (rc == OR_OK && CRYPTO_memcmp(fin, p + m2, OR_V3_HASH_LEN) != 0) {
        rc = or_errbuf_set(eb, OR_EAUTH, OR_R_V3_FINISHED, "fin_r does not "
                           "confirm the keys");
    }
    return rc;
}

or_err_t
or_v3_init_msg2(or_v3_hs_t *hs, const unsigned char *frame, size_t len,
    int64_t now_ms, unsigned char *out, size_t cap, size_t *outlen,
    or_errbuf_t *eb)
{
    or_v3_get_t  r;
    size_t       m2s, m2;
    or_err_t     rc;

    if (!hs->initiator || hs->state != ST_SENT1) {
        return bad_state(hs, "MSG2", eb);
    }
    if (cap < OR_V3_FRAME_HDR + OR_V3_MSG3_LEN) {
        return fail(hs, or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL,
                                      "MSG3 needs %d bytes", OR_V3_FRAME_HDR
                                      + OR_V3_MSG3_LEN));
    }
    rc = or_v3_frame_payload(frame, len, 0, 1, OR_V3_HS_LEN_MAX, &r, eb);
    if (rc == OR_OK) {
        rc = msg2_read(hs, &r, now_ms, &m2s, &m2, eb);
    }
    if (rc == OR_OK) {
        rc = msg2_auth(hs, r.p, m2s, m2, eb);
    }
    if (rc == OR_OK) {
        or_v3_put32_at(out, OR_V3_MSG3_LEN);
        out[OR_V3_FRAME_HDR] = OR_V3_HS_MSG3;
        rc = or_v3_hmac(hs->keys.fin_i, hs->th, OR_V3_HASH_LEN,
                        out + OR_V3_FRAME_HDR + 1, eb);
    }
    if (rc != OR_OK) {
        return fail(hs, rc);
    }
    *outlen = OR_V3_FRAME_HDR + OR_V3_MSG3_LEN;
    OPENSSL_cleanse(hs->keys.fin_i, OR_V3_KEY_LEN);
    OPENSSL_cleanse(hs->keys.fin_r, OR_V3_KEY_LEN);
    hs->state = ST_DONE;
    return OR_OK;
}

or_err_t
or_v3_resp_msg3(or_v3_hs_t *hs, const unsigned char *frame, size_t len,
    or_errbuf_t *eb)
{
    unsigned char  fin[OR_V3_HASH_LEN];
    or_v3_get_t    r;
    or_err_t       rc;

    if (hs->initiator || hs->state != ST_SENT2) {
        return bad_state(hs, "MSG3", eb);
    }
    rc = or_v3_frame_payload(frame, len, 0, 1, OR_V3_MSG3_LEN, &r, eb);
    if (rc == OR_OK && r.len != OR_V3_MSG3_LEN) {
        rc = or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRUNCATED, "MSG3 of %zu "
                           "bytes, expected %d", r.len, OR_V3_MSG3_LEN);
    }
    if (rc == OR_OK) {
        rc = or_v3_check_type(&r, OR_V3_HS_MSG3, eb);
    }
    if (rc == OR_OK) {
        rc = or_v3_hmac(hs->keys.fin_i, hs->th, OR_V3_HASH_LEN, fin, eb);
    }
    if (rc == OR_OK && CRYPTO_memcmp(fin, r.p + 1, OR_V3_HASH_LEN) != 0) {
        rc = or_errbuf_set(eb, OR_EAUTH, OR_R_V3_FINISHED, "fin_i does not "
                           "confirm the keys");
    }
    if (rc != OR_OK) {
        return fail(hs, rc);
    }
    OPENSSL_cleanse(hs->keys.fin_i, OR_V3_KEY_LEN);
    OPENSSL_cleanse(hs->keys.fin_r, OR_V3_KEY_LEN);
    hs->state = ST_DONE;
    return OR_OK;
}

const unsigned char *
or_v3_hs_peer_id(const or_v3_hs_t *hs)
{
    return hs->peer_key != NULL ? hs->peer_id : NULL;
}

const or_pubkey_t *
or_v3_hs_peer_key(const or_v3_hs_t *hs)
{
    return hs->peer_key;
}

or_err_t
or_v3_hs_msg1_sig_hash(const or_v3_hs_t *hs,
    unsigned char out[OR_V3_HASH_LEN], or_errbuf_t *eb)
{
    if (hs->initiator || hs->m1_len == 0) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_STATE, "no MSG1 read");
    }
    return or_v3_sha256(hs->m1 + hs->m1s_len + 2,
                        hs->m1_len - hs->m1s_len - 2, NULL, 0, NULL, 0, out,
                        eb);
}

or_err_t
or_v3_hs_h1(const or_v3_hs_t *hs, unsigned char out[OR_V3_HASH_LEN],
    or_errbuf_t *eb)
{
    if (hs->state == ST_NEW || hs->state == ST_FAILED) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_STATE, "no MSG1 yet");
    }
    memcpy(out, hs->h1, OR_V3_HASH_LEN);
    return OR_OK;
}

or_err_t
or_v3_hs_result(const or_v3_hs_t *hs, or_v3_result_t *out, or_errbuf_t *eb)
{
    if (hs->state != ST_DONE) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_STATE, "handshake not "
                             "finished");
    }
    out->initiator = hs->initiator;
    out->version = hs->version;
    out->suite = hs->suite;
    memcpy(out->peer_id, hs->peer_id, OR_V3_ID_LEN);
    memcpy(out->th, hs->th, OR_V3_HASH_LEN);
    memcpy(out->sid, hs->keys.sid, OR_V3_SID_LEN);
    out->peer_ts = hs->peer_ts;
    return OR_OK;
}

or_err_t
or_v3_hs_take_records(or_v3_hs_t *hs, int64_t now_ms, or_v3_rec_t **out,
    or_errbuf_t *eb)
{
    or_err_t  rc;

    if (hs->state != ST_DONE || hs->took) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_STATE, "no records to "
                             "take");
    }
    rc = hs->initiator
         ? or_v3_rec_new(hs->suite, hs->keys.i2r, hs->keys.r2i, now_ms, out,
                         eb)
         : or_v3_rec_new(hs->suite, hs->keys.r2i, hs->keys.i2r, now_ms, out,
                         eb);
    if (rc == OR_OK) {
        hs->took = 1;
        OPENSSL_cleanse(hs->keys.i2r, OR_V3_KEY_LEN);
        OPENSSL_cleanse(hs->keys.r2i, OR_V3_KEY_LEN);
    }
    return rc;
}

void
or_v3_hs_free(or_v3_hs_t *hs)
{
    if (hs == NULL) {
        return;
    }
    EVP_PKEY_free(hs->eph);
    or_pubkey_free(hs->peer_key);
    OPENSSL_cleanse(hs, sizeof(*hs));
    free(hs);
}
