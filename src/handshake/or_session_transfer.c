/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The session-state format of a reload's hand-over (or_session_transfer.h).
 * One writer and one reader with the same bounds: encode() refuses what
 * decode() would, so a state that went out is one that comes back.
 */
#include "or_session_transfer.h"

#include <string.h>

#include <openssl/crypto.h>

#include "or_session.h"

typedef struct {
    unsigned char  *p;
    size_t          len, cap;
    int             over;
} wbuf_t;

typedef struct {
    const unsigned char  *p;
    size_t                len, at;
    const char           *why;
} rbuf_t;

static void
w_bytes(wbuf_t *w, const void *b, size_t n)
{
    if (w->over || n > w->cap - w->len) {
        w->over = 1;
        return;
    }
    memcpy(w->p + w->len, b, n);
    w->len += n;
}

static void
w_uint(wbuf_t *w, uint64_t v, unsigned n)
{
    unsigned char  b[8];

    for (unsigned i = 0; i < n; i++) {
        b[i] = (unsigned char) (v >> (8 * (n - 1 - i)));
    }
    w_bytes(w, b, n);
}

static void
w_str(wbuf_t *w, const char *s)
{
    size_t  n = strlen(s);

    w_uint(w, n, 1);
    w_bytes(w, s, n);
}

static int
r_bytes(rbuf_t *r, void *b, size_t n, const char *what)
{
    if (r->why != NULL) {
        return -1;
    }
    if (n > r->len - r->at) {
        r->why = what;
        return -1;
    }
    memcpy(b, r->p + r->at, n);
    r->at += n;
    return 0;
}

static uint64_t
r_uint(rbuf_t *r, unsigned n, const char *what)
{
    unsigned char  b[8];
    uint64_t       v = 0;

    if (r_bytes(r, b, n, what) != 0) {
        return 0;
    }
    for (unsigned i = 0; i < n; i++) {
        v = v << 8 | b[i];
    }
    return v;
}

/* a string of lo..hi bytes into out[hi + 1] */
static void
r_str(rbuf_t *r, char *out, size_t lo, size_t hi, const char *what)
{
    size_t  n = (size_t) r_uint(r, 1, what);

    out[0] = '\0';
    if (r->why == NULL && (n < lo || n > hi)) {
        r->why = what;
        return;
    }
    if (r_bytes(r, out, n, what) == 0) {
        out[n] = '\0';
    }
}

static int
is_hex(const char *s, size_t n)
{
    if (strlen(s) != n) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* printable ASCII only: these strings go into log lines */
static int
is_text(const char *s, size_t lo, size_t hi)
{
    size_t  n = strlen(s);

    if (n < lo || n > hi) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] > 0x7e) {
            return 0;
        }
    }
    return 1;
}

/* NULL if st is one the format carries, else what is wrong */
static const char *
state_check(const or_transfer_state_t *st)
{
    const or_v3_rec_state_t  *rec = &st->rec;

    if (!is_text(st->node, 1, OR_TRANSFER_NODE_MAX)) {
        return "node id";
    }
    if (!is_hex(st->peer, OR_FP_LEN)) {
        return "peer fingerprint";
    }
    if (!is_hex(st->ours, OR_FP_LEN)) {
        return "node fingerprint";
    }
    if (st->link[0] != '\0' && !is_hex(st->link, OR_LINK_LEN)) {
        return "mutual link";
    }
    if (!is_text(st->address, 0, OR_TRANSFER_ADDR_MAX)) {
        return "peer address";
    }
    if (!is_text(st->listen, 1, OR_TRANSFER_ADDR_MAX)) {
        return "listen address";
    }
    /* a sector is any string (it is compared, never logged from here) */
    if (strlen(st->sector) < 1 || strlen(st->sector) > OR_TRANSFER_SECTOR_MAX)
    {
        return "sector";
    }
    if (st->direction != OR_SESSION_IN && st->direction != OR_SESSION_OUT) {
        return "direction";
    }
    if (st->framing != OR_FRAMING_V2 && st->framing != OR_FRAMING_V3) {
        return "framing";
    }
    if (st->framing == OR_FRAMING_V3
        && ((rec->suite != OR_V3_SUITE_CHACHA
             && rec->suite != OR_V3_SUITE_AESGCM)
            || rec->tx_ctr >= OR_V3_REKEY_RECORDS
            || rec->rx_ctr >= OR_V3_REKEY_RECORDS
            || (rec->tx_closed != 0 && rec->tx_closed != 1)
            || (rec->rx_closed != 0 && rec->rx_closed != 1)))
    {
        return "v3 record state";
    }
    if (st->inlen > (st->framing == OR_FRAMING_V3 ? OR_TRANSFER_IN_MAX
                                                   : OR_MESSAGE_MAX))
    {
        return "buffered input length";
    }
    if (st->outlen > OR_TRANSFER_OUT_MAX) {
        return "queued output length";
    }
    return NULL;
}

or_err_t
or_transfer_encode(const or_transfer_state_t *st, unsigned char *out,
    size_t cap, size_t *len)
{
    wbuf_t  w = { out, 0, cap, 0 };

    if (state_check(st) != NULL) {
        return OR_EPROTO;
    }
    w_bytes(&w, OR_TRANSFER_MAGIC, 4);
    w_uint(&w, OR_TRANSFER_VERSION, 1);
    w_uint(&w, st->framing, 1);
    w_uint(&w, st->direction, 1);
    w_uint(&w, st->id, 8);
    w_uint(&w, st->slot, 4);
    w_str(&w, st->node);
    w_bytes(&w, st->peer, OR_FP_LEN);
    w_bytes(&w, st->ours, OR_FP_LEN);
    w_str(&w, st->link);
    w_str(&w, st->address);
    w_str(&w, st->listen);
    w_str(&w, st->sector);
    w_uint(&w, (uint64_t) st->since, 8);
    w_uint(&w, st->messages_in, 8);
    w_uint(&w, st->messages_out, 8);
    w_uint(&w, st->bytes_in, 8);
    w_uint(&w, st->bytes_out, 8);
    w_uint(&w, st->messages_dropped, 8);
    w_uint(&w, st->conn_in, 8);
    w_uint(&w, st->conn_out, 8);
    w_uint(&w, st->quiet_ms, 8);
    if (st->framing == OR_FRAMING_V3) {
        w_uint(&w, st->rec.suite, 2);
        w_bytes(&w, st->rec.tx_key, OR_V3_KEY_LEN);
        w_bytes(&w, st->rec.rx_key, OR_V3_KEY_LEN);
        w_uint(&w, st->rec.tx_ctr, 8);
        w_uint(&w, st->rec.rx_ctr, 8);
        w_uint(&w, st->rec.tx_rekeys, 8);
        w_uint(&w, st->rec.rx_rekeys, 8);
        w_uint(&w, (uint64_t) st->rec.tx_since, 8);
        w_uint(&w, (uint64_t) st->rec.tx_closed, 1);
        w_uint(&w, (uint64_t) st->rec.rx_closed, 1);
        w_uint(&w, st->v3_in_age_ms, 8);
        w_uint(&w, st->v3_out_age_ms, 8);
    }
    w_uint(&w, st->inlen, 4);
    w_uint(&w, st->outlen, 4);
    if (w.over) {
        OPENSSL_cleanse(out, cap);
        return OR_ETOOBIG;
    }
    *len = w.len;
    return OR_OK;
}

or_err_t
or_transfer_decode(const unsigned char *in, size_t len,
    or_transfer_state_t *st, const char **why)
{
    rbuf_t         r = { in, len, 0, NULL };
    unsigned char  magic[4];

    memset(st, 0, sizeof(*st));
    if (len > OR_TRANSFER_STATE_MAX) {
        *why = "longer than any state";
        return OR_EPROTO;
    }
    if (r_bytes(&r, magic, 4, "truncated: magic") == 0
        && memcmp(magic, OR_TRANSFER_MAGIC, 4) != 0)
    {
        r.why = "not a session state (magic)";
    }
    if (r_uint(&r, 1, "truncated: version") != OR_TRANSFER_VERSION
        && r.why == NULL)
    {
        r.why = "unknown version";
    }
    st->framing = (unsigned) r_uint(&r, 1, "truncated: framing");
    st->direction = (unsigned) r_uint(&r, 1, "truncated: direction");
    st->id = r_uint(&r, 8, "truncated: id");
    st->slot = (uint32_t) r_uint(&r, 4, "truncated: slot");
    r_str(&r, st->node, 1, OR_TRANSFER_NODE_MAX, "node id");
    r_bytes(&r, st->peer, OR_FP_LEN, "truncated: peer");
    r_bytes(&r, st->ours, OR_FP_LEN, "truncated: node fingerprint");
    r_str(&r, st->link, 0, OR_LINK_LEN, "mutual link");
    r_str(&r, st->address, 0, OR_TRANSFER_ADDR_MAX, "peer address");
    r_str(&r, st->listen, 1, OR_TRANSFER_ADDR_MAX, "listen address");
    r_str(&r, st->sector, 1, OR_TRANSFER_SECTOR_MAX, "sector");
    st->since = (int64_t) r_uint(&r, 8, "truncated: since");
    st->messages_in = r_uint(&r, 8, "truncated: counters");
    st->messages_out = r_uint(&r, 8, "truncated: counters");
    st->bytes_in = r_uint(&r, 8, "truncated: counters");
    st->bytes_out = r_uint(&r, 8, "truncated: counters");
    st->messages_dropped = r_uint(&r, 8, "truncated: counters");
    st->conn_in = r_uint(&r, 8, "truncated: counters");
    st->conn_out = r_uint(&r, 8, "truncated: counters");
    st->quiet_ms = r_uint(&r, 8, "truncated: counters");
    if (st->framing == OR_FRAMING_V3) {
        st->rec.suite = (uint16_t) r_uint(&r, 2, "truncated: v3 suite");
        r_bytes(&r, st->rec.tx_key, OR_V3_KEY_LEN, "truncated: v3 keys");
        r_bytes(&r, st->rec.rx_key, OR_V3_KEY_LEN, "truncated: v3 keys");
        st->rec.tx_ctr = r_uint(&r, 8, "truncated: v3 counters");
        st->rec.rx_ctr = r_uint(&r, 8, "truncated: v3 counters");
        st->rec.tx_rekeys = r_uint(&r, 8, "truncated: v3 counters");
        st->rec.rx_rekeys = r_uint(&r, 8, "truncated: v3 counters");
        st->rec.tx_since = (int64_t) r_uint(&r, 8, "truncated: v3 key age");
        st->rec.tx_closed = (int) r_uint(&r, 1, "truncated: v3 closed");
        st->rec.rx_closed = (int) r_uint(&r, 1, "truncated: v3 closed");
        st->v3_in_age_ms = r_uint(&r, 8, "truncated: v3 ages");
        st->v3_out_age_ms = r_uint(&r, 8, "truncated: v3 ages");
    }
    st->inlen = (uint32_t) r_uint(&r, 4, "truncated: buffer lengths");
    st->outlen = (uint32_t) r_uint(&r, 4, "truncated: buffer lengths");
    if (r.why == NULL && r.at != len) {
        r.why = "bytes after the state";
    }
    if (r.why == NULL) {
        r.why = state_check(st);
    }
    if (r.why != NULL) {
        or_transfer_wipe(st);
        *why = r.why;
        return OR_EPROTO;
    }
    return OR_OK;
}

void
or_transfer_wipe(or_transfer_state_t *st)
{
    OPENSSL_cleanse(st, sizeof(*st));
}
