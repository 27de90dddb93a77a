/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The v3 record layer (docs/PROTOCOL.md v3 §7): AEAD frames with implicit
 * strict per-direction counters, the AAD over the length, typed bodies,
 * and the rekey that wipes each old key. Pure: the caller moves bytes.
 */
#include "or_v3_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "or_errbuf.h"

typedef struct {
    EVP_CIPHER_CTX  *ctx;
    unsigned char    key[OR_V3_KEY_LEN];
    uint64_t         ctr;           /* next counter under key */
    uint64_t         rekeys;
} dir_t;

struct or_v3_rec_s {
    uint16_t    suite;
    dir_t       tx, rx;
    int64_t     tx_since;           /* ms, when the send key was installed */
    int         tx_closed, rx_closed;
};

static const char *
cipher_name(uint16_t suite)
{
    return suite == OR_V3_SUITE_AESGCM ? "AES-256-GCM" : "ChaCha20-Poly1305";
}

/* (re)installs d->key in d->ctx, for encryption if enc */
static or_err_t
dir_key(uint16_t suite, dir_t *d, int enc, or_errbuf_t *eb)
{
    EVP_CIPHER  *c;
    int          ok;

    if (d->ctx == NULL && (d->ctx = EVP_CIPHER_CTX_new()) == NULL) {
        return or_errbuf_nomem(eb);
    }
    c = EVP_CIPHER_fetch(NULL, cipher_name(suite), NULL);
    ok = c != NULL && EVP_CipherInit_ex2(d->ctx, c, d->key, NULL, enc, NULL);
    EVP_CIPHER_free(c);
    return ok ? OR_OK : or_errbuf_ssl(eb, cipher_name(suite));
}

or_err_t
or_v3_rec_new(uint16_t suite, const unsigned char send_key[OR_V3_KEY_LEN],
    const unsigned char recv_key[OR_V3_KEY_LEN], int64_t now_ms,
    or_v3_rec_t **out, or_errbuf_t *eb)
{
    or_v3_rec_t  *rec;
    or_err_t      rc;

    if (suite != OR_V3_SUITE_CHACHA && suite != OR_V3_SUITE_AESGCM) {
        return or_errbuf_set(eb, OR_ECONF, OR_R_V3_SUITE, "suite 0x%04x",
                             suite);
    }
    rec = calloc(1, sizeof(*rec));
    if (rec == NULL) {
        return or_errbuf_nomem(eb);
    }
    rec->suite = suite;
    rec->tx_since = now_ms;
    memcpy(rec->tx.key, send_key, OR_V3_KEY_LEN);
    memcpy(rec->rx.key, recv_key, OR_V3_KEY_LEN);
    rc = dir_key(suite, &rec->tx, 1, eb);
    if (rc == OR_OK) {
        rc = dir_key(suite, &rec->rx, 0, eb);
    }
    if (rc != OR_OK) {
        or_v3_rec_free(rec);
        return rc;
    }
    *out = rec;
    return OR_OK;
}

void
or_v3_rec_free(or_v3_rec_t *rec)
{
    if (rec == NULL) {
        return;
    }
    EVP_CIPHER_CTX_free(rec->tx.ctx);
    EVP_CIPHER_CTX_free(rec->rx.ctx);
    OPENSSL_cleanse(rec, sizeof(*rec));
    free(rec);
}

/* the next key of a direction; the old one is wiped (§7.3) */
static or_err_t
dir_rekey(uint16_t suite, dir_t *d, int enc, or_errbuf_t *eb)
{
    or_err_t  rc;

    rc = or_v3_rekey_step(d->key, eb);
    if (rc == OR_OK) {
        rc = dir_key(suite, d, enc, eb);
    }
    d->ctr = 0;
    d->rekeys++;
    return rc;
}

static void
nonce_of(uint64_t ctr, unsigned char iv[12])
{
    int  i;

    memset(iv, 0, 4);
    for (i = 0; i < 8; i++) {
        iv[4 + i] = (unsigned char) (ctr >> (56 - 8 * i));
    }
}

static or_err_t
body_check(unsigned type, size_t len, or_errbuf_t *eb)
{
    size_t  lo = 0, hi;

    switch (type) {
    case OR_V3_REC_MSG:
        lo = 1;
        hi = OR_MESSAGE_MAX;
        break;
    case OR_V3_REC_PING:
    case OR_V3_REC_PONG:
        hi = OR_V3_PING_MAX;
        break;
    case OR_V3_REC_REKEY:
        hi = 0;
        break;
    case OR_V3_REC_CLOSE:
        lo = 2;
        hi = 2 + OR_V3_CLOSE_TEXT_MAX;
        break;
    default:
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_RECORD_TYPE, "record "
                             "type %u", type);
    }
    if (len < lo || len > hi) {
        return or_errbuf_set(eb, len > hi ? OR_ETOOBIG : OR_EPROTO,
                             OR_R_V3_RECORD_BODY, "record type %u with a "
                             "body of %zu bytes, expected %zu..%zu", type,
                             len, lo, hi);
    }
    return OR_OK;
}

/* one frame at out: len ‖ AEAD(type ‖ body) ‖ tag */
static or_err_t
seal_one(or_v3_rec_t *rec, unsigned type, const void *body, size_t len,
    unsigned char *out, or_errbuf_t *eb)
{
    unsigned char  iv[12], t = (unsigned char) type;
    int            n, ok;

    or_v3_put32_at(out, (uint32_t) (1 + len + OR_V3_TAG_LEN));
    nonce_of(rec->tx.ctr, iv);
    ok = EVP_CipherInit_ex2(rec->tx.ctx, NULL, NULL, iv, 1, NULL)
         && EVP_EncryptUpdate(rec->tx.ctx, NULL, &n, out, OR_V3_FRAME_HDR)
         && EVP_EncryptUpdate(rec->tx.ctx, out + 4, &n, &t, 1)
         && (len == 0 || EVP_EncryptUpdate(rec->tx.ctx, out + 5, &n, body,
                                           (int) len))
         && EVP_EncryptFinal_ex(rec->tx.ctx, out + 5 + len, &n)
         && EVP_CIPHER_CTX_ctrl(rec->tx.ctx, EVP_CTRL_AEAD_GET_TAG,
                                OR_V3_TAG_LEN, out + 5 + len) == 1;
    if (!ok) {
        return or_errbuf_ssl(eb, "record seal");
    }
    rec->tx.ctr++;
    return OR_OK;
}

/* times are the caller's: a difference that overflows counts as due */
static int
rekey_due(const or_v3_rec_t *rec, int64_t now_ms)
{
    int64_t  d;

    return rec->tx.ctr >= OR_V3_REKEY_RECORDS - 1
           || __builtin_sub_overflow(now_ms, rec->tx_since, &d)
           || d >= OR_V3_REKEY_MS;
}

or_err_t
or_v3_rec_seal(or_v3_rec_t *rec, int64_t now_ms, unsigned type,
    const void *body, size_t len, unsigned char *out, size_t cap,
    size_t *outlen, or_errbuf_t *eb)
{
    size_t    need, at = 0;
    int       rekey;
    or_err_t  rc;

    if (rec->tx_closed) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_CLOSED, "sending after "
                             "CLOSE");
    }
    rc = body_check(type, len, eb);
    if (rc != OR_OK) {
        return rc;
    }
    rekey = type != OR_V3_REC_REKEY && rekey_due(rec, now_ms);
    need = OR_V3_FRAME_HDR + 1 + len + OR_V3_TAG_LEN
           + (rekey ? OR_V3_FRAME_HDR + OR_V3_REC_LEN_MIN : 0);
    if (need > cap) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL, "record needs "
                             "%zu bytes, buffer has %zu", need, cap);
    }
    if (rekey || type == OR_V3_REC_REKEY) {
        rc = seal_one(rec, OR_V3_REC_REKEY, NULL, 0, out, eb);
        if (rc == OR_OK) {
            rc = dir_rekey(rec->suite, &rec->tx, 1, eb);
        }
        if (rc != OR_OK) {
            rec->tx_closed = 1;
            return rc;
        }
        rec->tx_since = now_ms;
        at = OR_V3_FRAME_HDR + OR_V3_REC_LEN_MIN;
        if (type == OR_V3_REC_REKEY) {
            *outlen = at;
            return OR_OK;
        }
    }
    rc = seal_one(rec, type, body, len, out + at, eb);
    if (rc != OR_OK) {
        rec->tx_closed = 1;
        return rc;
    }
    if (type == OR_V3_REC_CLOSE) {
        rec->tx_closed = 1;
    }
    *outlen = at + OR_V3_FRAME_HDR + 1 + len + OR_V3_TAG_LEN;
    return OR_OK;
}

or_err_t
or_v3_rec_seal_close(or_v3_rec_t *rec, int64_t now_ms, unsigned code,
    const char *text, unsigned char *out, size_t cap, size_t *outlen,
    or_errbuf_t *eb)
{
    unsigned char  body[2 + OR_V3_CLOSE_TEXT_MAX];
    size_t         n = text != NULL ? strlen(text) : 0;

    if (n > OR_V3_CLOSE_TEXT_MAX || code > 0xffff) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_V3_RECORD_BODY, "CLOSE "
                             "text of %zu bytes, bound %d", n,
                             OR_V3_CLOSE_TEXT_MAX);
    }
    body[0] = (unsigned char) (code >> 8);
    body[1] = (unsigned char) code;
    if (n > 0) {
        memcpy(body + 2, text, n);
    }
    return or_v3_rec_seal(rec, now_ms, OR_V3_REC_CLOSE, body, 2 + n, out,
                          cap, outlen, eb);
}

/* exactly one whole record frame, within bounds */
static or_err_t
frame_check(const unsigned char *frame, size_t len, or_errbuf_t *eb)
{
    size_t    total;
    or_err_t  rc;

    rc = or_v3_frame_need(frame, len, 0, OR_V3_REC_LEN_MIN,
                          OR_V3_REC_LEN_MAX, &total, eb);
    if (rc == OR_AGAIN || (rc == OR_OK && len < total)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRUNCATED, "record frame "
                             "of %zu bytes is cut short", len);
    }
    if (rc == OR_OK && len > total) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_TRAILING, "%zu bytes "
                             "after the record frame", len - total);
    }
    return rc;
}

static or_err_t
open_one(or_v3_rec_t *rec, unsigned char *frame, size_t len,
    or_v3_rec_in_t *in, or_errbuf_t *eb)
{
    unsigned char  iv[12];
    size_t         ct = len - OR_V3_FRAME_HDR - OR_V3_TAG_LEN;
    int            n, ok;
    or_err_t       rc;

    rc = frame_check(frame, len, eb);
    if (rc != OR_OK) {
        return rc;
    }
    nonce_of(rec->rx.ctr, iv);
    ok = EVP_CipherInit_ex2(rec->rx.ctx, NULL, NULL, iv, 0, NULL)
         && EVP_DecryptUpdate(rec->rx.ctx, NULL, &n, frame, OR_V3_FRAME_HDR)
         && EVP_DecryptUpdate(rec->rx.ctx, frame + 4, &n, frame + 4,
                              (int) ct)
         && EVP_CIPHER_CTX_ctrl(rec->rx.ctx, EVP_CTRL_AEAD_SET_TAG,
                                OR_V3_TAG_LEN, frame + 4 + ct) == 1;
    if (!ok) {
        return or_errbuf_ssl(eb, "record open");
    }
    if (EVP_DecryptFinal_ex(rec->rx.ctx, frame + 4 + ct, &n) != 1) {
        ERR_clear_error();
        OPENSSL_cleanse(frame + 4, ct);
        return or_errbuf_set(eb, OR_EAUTH, OR_R_V3_RECORD_AUTH, "record %llu "
                             "fails its tag (tampered, skipped or repeated)",
                             (unsigned long long) rec->rx.ctr);
    }
    in->type = frame[4];
    in->body = frame + 5;
    in->len = ct - 1;
    in->code = 0;
    return OR_OK;
}

static or_err_t
open_checked(or_v3_rec_t *rec, unsigned char *frame, size_t len,
    or_v3_rec_in_t *in, or_errbuf_t *eb)
{
    or_err_t  rc;

    rc = open_one(rec, frame, len, in, eb);
    if (rc != OR_OK) {
        return rc;
    }
    /* §7.3: the last counter of a key carries REKEY and nothing else */
    if (rec->rx.ctr == OR_V3_REKEY_RECORDS - 1 && in->type != OR_V3_REC_REKEY)
    {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_REKEY_OVERDUE, "record "
                             "%llu is not REKEY",
                             (unsigned long long) rec->rx.ctr);
    }
    rc = body_check(in->type, in->len, eb);
    if (rc != OR_OK) {
        return rc;
    }
    rec->rx.ctr++;
    if (in->type == OR_V3_REC_REKEY) {
        return dir_rekey(rec->suite, &rec->rx, 0, eb);
    }
    if (in->type == OR_V3_REC_CLOSE) {
        in->code = (unsigned) in->body[0] << 8 | in->body[1];
        in->body += 2;
        in->len -= 2;
        rec->rx_closed = 1;
    }
    return OR_OK;
}

or_err_t
or_v3_rec_open(or_v3_rec_t *rec, unsigned char *frame, size_t len,
    int64_t now_ms, or_v3_rec_in_t *in, or_errbuf_t *eb)
{
    or_v3_rec_in_t  got;
    or_err_t        rc;

    (void) now_ms;
    if (rec->rx_closed) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_CLOSED, "record after "
                             "CLOSE or after a refused record");
    }
    rc = open_checked(rec, frame, len, &got, eb);
    if (rc != OR_OK) {
        rec->rx_closed = 1;
        return rc;
    }
    *in = got;
    return OR_OK;
}

void
or_v3_rec_counters(const or_v3_rec_t *rec, uint64_t *sent,
    uint64_t *received, uint64_t *rekeys_sent, uint64_t *rekeys_received)
{
    *sent = rec->tx.ctr;
    *received = rec->rx.ctr;
    *rekeys_sent = rec->tx.rekeys;
    *rekeys_received = rec->rx.rekeys;
}

void
or_v3_rec_export(const or_v3_rec_t *rec, or_v3_rec_state_t *out)
{
    memset(out, 0, sizeof(*out));
    out->suite = rec->suite;
    memcpy(out->tx_key, rec->tx.key, OR_V3_KEY_LEN);
    memcpy(out->rx_key, rec->rx.key, OR_V3_KEY_LEN);
    out->tx_ctr = rec->tx.ctr;
    out->rx_ctr = rec->rx.ctr;
    out->tx_rekeys = rec->tx.rekeys;
    out->rx_rekeys = rec->rx.rekeys;
    out->tx_since = rec->tx_since;
    out->tx_closed = rec->tx_closed;
    out->rx_closed = rec->rx_closed;
}

or_err_t
or_v3_rec_import(const or_v3_rec_state_t *st, or_v3_rec_t **out,
    or_errbuf_t *eb)
{
    or_v3_rec_t  *rec;
    or_err_t      rc;

    /* a counter at the limit can only be followed by a REKEY, which
     * moves the key on and sets it to 0: never past it */
    if (st->tx_ctr >= OR_V3_REKEY_RECORDS || st->rx_ctr >= OR_V3_REKEY_RECORDS)
    {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_V3_STATE, "record counter "
                             "past the rekey limit");
    }
    rc = or_v3_rec_new(st->suite, st->tx_key, st->rx_key, st->tx_since, &rec,
                       eb);
    if (rc != OR_OK) {
        return rc;
    }
    rec->tx.ctr = st->tx_ctr;
    rec->rx.ctr = st->rx_ctr;
    rec->tx.rekeys = st->tx_rekeys;
    rec->rx.rekeys = st->rx_rekeys;
    rec->tx_closed = st->tx_closed != 0;
    rec->rx_closed = st->rx_closed != 0;
    *out = rec;
    return OR_OK;
}
