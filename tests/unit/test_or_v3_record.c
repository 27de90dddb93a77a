/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests of src/crypto/or_v3_record.c: v3peer.py's sealed records byte
 * for byte, counters that skip or repeat, flipped bytes, every bound at
 * one below, at and one above, and the rekey at its exact count and time
 * (docs/PROTOCOL.md v3 §7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "openred.h"
#include "or_test_v3.h"
#include "or_v3_int.h"

#define NOW     INT64_C(1764000000000)  /* ms */
#define BIG     (OR_V3_REC_LEN_MAX + 64)

static const unsigned char  key1[32] = { 1, 2, 3 }, key2[32] = { 9, 8, 7 };

/* a pair: x sends under key1, y receives under key1 */
static void
rec_pair(uint16_t suite, or_v3_rec_t **x, or_v3_rec_t **y)
{
    assert_int_equal(or_v3_rec_new(suite, key1, key2, NOW, x, NULL), OR_OK);
    assert_int_equal(or_v3_rec_new(suite, key2, key1, NOW, y, NULL), OR_OK);
}

/*
 * An independent sealer straight on EVP: any type, any body, any counter,
 * so that the opener meets what our sealer never writes. Returns the size.
 */
static size_t
raw_seal(uint16_t suite, const unsigned char key[32], uint64_t ctr,
    unsigned type, const unsigned char *body, size_t len, unsigned char *out)
{
    EVP_CIPHER_CTX  *c = EVP_CIPHER_CTX_new();
    unsigned char    iv[12] = { 0 }, pt[BIG];
    int              n, i;

    for (i = 0; i < 8; i++) {
        iv[4 + i] = (unsigned char) (ctr >> (56 - 8 * i));
    }
    pt[0] = (unsigned char) type;
    if (len > 0) {          /* body may be NULL (a PING): no memcpy(NULL) */
        memcpy(pt + 1, body, len);
    }
    or_v3_put32_at(out, (uint32_t) (1 + len + 16));
    assert_int_equal(EVP_EncryptInit_ex(c, suite == OR_V3_SUITE_AESGCM
                                        ? EVP_aes_256_gcm()
                                        : EVP_chacha20_poly1305(), NULL, key,
                                        iv), 1);
    assert_int_equal(EVP_EncryptUpdate(c, NULL, &n, out, 4), 1);
    assert_int_equal(EVP_EncryptUpdate(c, out + 4, &n, pt, (int) len + 1), 1);
    assert_int_equal(EVP_EncryptFinal_ex(c, out + 5 + len, &n), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16,
                                         out + 5 + len), 1);
    EVP_CIPHER_CTX_free(c);
    return 4 + 1 + len + 16;
}

static void
expect_open(or_v3_rec_t *y, unsigned char *f, size_t n, or_err_t err,
    or_reason_t reason)
{
    or_v3_rec_in_t  in;
    or_errbuf_t     eb;

    assert_int_equal(or_v3_rec_open(y, f, n, NOW, &in, &eb), err);
    if (err != OR_OK) {
        assert_int_equal(eb.reason, reason);
    }
}

static void
check_vector(const char *name)
{
    json_t          *v = or_test_v3_load(name), *recs, *r;
    unsigned char    key[32], out[512], *body, *frame;
    uint16_t         suite = (uint16_t) or_test_v3_int(v, "suite");
    or_v3_rec_t     *x, *y;
    or_v3_rec_in_t   in;
    size_t           i, n, blen, flen;
    unsigned         type;

    or_test_v3_hex_n(v, "key", key, 32);
    assert_int_equal(or_v3_rec_new(suite, key, key2, NOW, &x, NULL), OR_OK);
    assert_int_equal(or_v3_rec_new(suite, key2, key, NOW, &y, NULL), OR_OK);
    recs = json_object_get(v, "records");
    assert_true(json_array_size(recs) == 6);
    json_array_foreach(recs, i, r) {
        type = (unsigned) or_test_v3_int(r, "type");
        body = or_test_v3_hex(r, "body", &blen);
        frame = or_test_v3_hex(r, "frame", &flen);
        assert_int_equal(or_v3_rec_seal(x, NOW, type, body, blen, out,
                                        sizeof(out), &n, NULL), OR_OK);
        or_test_v3_hex_equal(r, "frame", out, n);
        assert_int_equal(or_v3_rec_open(y, frame, flen, NOW, &in, NULL),
                         OR_OK);
        assert_int_equal(in.type, type);
        if (type == OR_V3_REC_CLOSE) {
            assert_int_equal(in.code, OR_V3_CODE_NORMAL);
            assert_int_equal(in.len, blen - 2);
            assert_memory_equal(in.body, body + 2, blen - 2);
        } else {
            assert_int_equal(in.len, blen);
            assert_memory_equal(in.body, body, blen);
        }
        free(body);
        free(frame);
    }
    or_v3_rec_free(x);
    or_v3_rec_free(y);
    json_decref(v);
}

static void
test_or_v3_rec_vectors(void **state)
{
    (void) state;
    check_vector("records-chacha");
    check_vector("records-aesgcm");
}

/* three MSG records from x, in f[0..2] */
static void
seal3(or_v3_rec_t *x, unsigned char f[3][64], size_t n[3])
{
    int  i;

    for (i = 0; i < 3; i++) {
        assert_int_equal(or_v3_rec_seal(x, NOW, OR_V3_REC_MSG, "{}", 2, f[i],
                                        64, &n[i], NULL), OR_OK);
    }
}

static void
test_or_v3_rec_skipped_counter(void **state)
{
    unsigned char  f[3][64];
    size_t         n[3];
    or_v3_rec_t   *x, *y;

    (void) state;
    rec_pair(OR_V3_SUITE_CHACHA, &x, &y);
    seal3(x, f, n);
    expect_open(y, f[0], n[0], OR_OK, OR_R_NONE);
    expect_open(y, f[2], n[2], OR_EAUTH, OR_R_V3_RECORD_AUTH);
    /* a refused record closes the layer */
    expect_open(y, f[1], n[1], OR_EPROTO, OR_R_V3_CLOSED);
    or_v3_rec_free(x);
    or_v3_rec_free(y);
}

static void
test_or_v3_rec_repeated_counter(void **state)
{
    unsigned char  f[3][64], copy[64];
    size_t         n[3];
    or_v3_rec_t   *x, *y;

    (void) state;
    rec_pair(OR_V3_SUITE_AESGCM, &x, &y);
    seal3(x, f, n);
    memcpy(copy, f[0], n[0]);
    expect_open(y, f[0], n[0], OR_OK, OR_R_NONE);
    expect_open(y, copy, n[0], OR_EAUTH, OR_R_V3_RECORD_AUTH);
    or_v3_rec_free(x);
    or_v3_rec_free(y);
}

static void
flipped(size_t at_from_end, int from_start)
{
    unsigned char  f[3][64];
    size_t         n[3];
    or_v3_rec_t   *x, *y;

    rec_pair(OR_V3_SUITE_CHACHA, &x, &y);
    seal3(x, f, n);
    f[0][from_start ? at_from_end : n[0] - 1 - at_from_end] ^= 0x01;
    expect_open(y, f[0], n[0], OR_EAUTH, OR_R_V3_RECORD_AUTH);
    or_v3_rec_free(x);
    or_v3_rec_free(y);
}

static void
test_or_v3_rec_flipped_bytes(void **state)
{
    (void) state;
    flipped(0, 0);          /* last tag byte */
    flipped(15, 0);         /* first tag byte */
    flipped(4, 1);          /* the encrypted type */
    flipped(5, 1);          /* the body */
}

static void
test_or_v3_rec_open_bounds(void **state)
{
    static unsigned char  f[BIG], body[BIG];
    size_t                n;
    or_v3_rec_t          *x, *y;

    (void) state;
    rec_pair(OR_V3_SUITE_CHACHA, &x, &y);
    memset(body, 'x', sizeof(body));
    /* 16 is under the minimum; 17, an empty PING, opens */
    n = raw_seal(OR_V3_SUITE_CHACHA, key1, 0, OR_V3_REC_PING, body, 0, f);
    assert_int_equal(n, 4 + OR_V3_REC_LEN_MIN);
    or_v3_put32_at(f, OR_V3_REC_LEN_MIN - 1);
    expect_open(y, f, n - 1, OR_EPROTO, OR_R_V3_RECORD_LENGTH);
    or_v3_rec_free(y);
    assert_int_equal(or_v3_rec_new(OR_V3_SUITE_CHACHA, key2, key1, NOW, &y,
                                   NULL), OR_OK);
    n = raw_seal(OR_V3_SUITE_CHACHA, key1, 0, OR_V3_REC_PING, body, 0, f);
    expect_open(y, f, n, OR_OK, OR_R_NONE);
    /* the maximum, a MSG of OR_MESSAGE_MAX, opens; one more is refused
     * from the length alone */
    n = raw_seal(OR_V3_SUITE_CHACHA, key1, 1, OR_V3_REC_MSG, body,
                 OR_MESSAGE_MAX, f);
    assert_int_equal(n, 4 + OR_V3_REC_LEN_MAX);
    expect_open(y, f, n, OR_OK, OR_R_NONE);
    n = raw_seal(OR_V3_SUITE_CHACHA, key1, 2, OR_V3_REC_MSG, body,
                 OR_MESSAGE_MAX + 1, f);
    expect_open(y, f, n, OR_ETOOBIG, OR_R_TOO_BIG);
    or_v3_rec_free(y);
    /* cut short; unknown type; bodies one over their type's bound */
    assert_int_equal(or_v3_rec_new(OR_V3_SUITE_CHACHA, key2, key1, NOW, &y,
                                   NULL), OR_OK);
    n = raw_seal(OR_V3_SUITE_CHACHA, key1, 0, OR_V3_REC_MSG, body, 5, f);
    expect_open(y, f, n - 1, OR_EPROTO, OR_R_V3_TRUNCATED);
    or_v3_rec_free(y);
    assert_int_equal(or_v3_rec_new(OR_V3_SUITE_CHACHA, key2, key1, NOW, &y,
                                   NULL), OR_OK);
    n = raw_seal(OR_V3_SUITE_CHACHA, key1, 0, 9, body, 5, f);
    expect_open(y, f, n, OR_EPROTO, OR_R_V3_RECORD_TYPE);
    or_v3_rec_free(y);
    assert_int_equal(or_v3_rec_new(OR_V3_SUITE_CHACHA, key2, key1, NOW, &y,
                                   NULL), OR_OK);
    n = raw_seal(OR_V3_SUITE_CHACHA, key1, 0, OR_V3_REC_PING, body,
                 OR_V3_PING_MAX, f);
    expect_open(y, f, n, OR_OK, OR_R_NONE);
    n = raw_seal(OR_V3_SUITE_CHACHA, key1, 1, OR_V3_REC_PING, body,
                 OR_V3_PING_MAX + 1, f);
    expect_open(y, f, n, OR_ETOOBIG, OR_R_V3_RECORD_BODY);
    or_v3_rec_free(x);
    or_v3_rec_free(y);
}

static void
expect_seal(or_v3_rec_t *x, unsigned type, size_t len, or_err_t err,
    or_reason_t reason)
{
    static unsigned char  f[BIG], body[BIG];
    size_t                n;
    or_errbuf_t           eb;

    assert_int_equal(or_v3_rec_seal(x, NOW, type, body, len, f, sizeof(f),
                                    &n, &eb), err);
    if (err != OR_OK) {
        assert_int_equal(eb.reason, reason);
    } else {
        assert_int_equal(n, 4 + 1 + len + 16);
    }
}

static void
test_or_v3_rec_seal_bounds(void **state)
{
    static char   text[OR_V3_CLOSE_TEXT_MAX + 2];
    unsigned char f[256];
    size_t        n;
    or_v3_rec_t  *x, *y;
    or_errbuf_t   eb;

    (void) state;
    rec_pair(OR_V3_SUITE_CHACHA, &x, &y);
    expect_seal(x, OR_V3_REC_MSG, 0, OR_EPROTO, OR_R_V3_RECORD_BODY);
    expect_seal(x, OR_V3_REC_MSG, 1, OR_OK, OR_R_NONE);
    expect_seal(x, OR_V3_REC_MSG, OR_MESSAGE_MAX, OR_OK, OR_R_NONE);
    expect_seal(x, OR_V3_REC_MSG, OR_MESSAGE_MAX + 1, OR_ETOOBIG,
                OR_R_V3_RECORD_BODY);
    expect_seal(x, OR_V3_REC_PING, OR_V3_PING_MAX, OR_OK, OR_R_NONE);
    expect_seal(x, OR_V3_REC_PONG, OR_V3_PING_MAX + 1, OR_ETOOBIG,
                OR_R_V3_RECORD_BODY);
    expect_seal(x, OR_V3_REC_REKEY + 10, 1, OR_EPROTO, OR_R_V3_RECORD_TYPE);
    assert_int_equal(or_v3_rec_seal(x, NOW, OR_V3_REC_MSG, "{}", 2, f, 22,
                                    &n, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_BUF_SMALL);
    memset(text, 't', OR_V3_CLOSE_TEXT_MAX + 1);
    assert_int_equal(or_v3_rec_seal_close(x, NOW, 0, text, f, sizeof(f), &n,
                                          &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_V3_RECORD_BODY);
    text[OR_V3_CLOSE_TEXT_MAX] = '\0';
    assert_int_equal(or_v3_rec_seal_close(x, NOW, OR_V3_CODE_POLICY, text, f,
                                          sizeof(f), &n, NULL), OR_OK);
    assert_int_equal(n, 4 + 1 + 2 + OR_V3_CLOSE_TEXT_MAX + 16);
    or_v3_rec_free(x);
    or_v3_rec_free(y);
}

static void
test_or_v3_rec_close_is_last(void **state)
{
    unsigned char   f[256], g[64];
    size_t          n, m;
    or_v3_rec_t    *x, *y;
    or_v3_rec_in_t  in;
    or_errbuf_t     eb;

    (void) state;
    rec_pair(OR_V3_SUITE_CHACHA, &x, &y);
    assert_int_equal(or_v3_rec_seal_close(x, NOW, OR_V3_CODE_TIMEOUT, "idle",
                                          f, sizeof(f), &n, NULL), OR_OK);
    assert_int_equal(or_v3_rec_seal(x, NOW, OR_V3_REC_PING, NULL, 0, g,
                                    sizeof(g), &m, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_CLOSED);
    assert_int_equal(or_v3_rec_open(y, f, n, NOW, &in, NULL), OR_OK);
    assert_int_equal(in.type, OR_V3_REC_CLOSE);
    assert_int_equal(in.code, OR_V3_CODE_TIMEOUT);
    assert_int_equal(in.len, 4);
    assert_memory_equal(in.body, "idle", 4);
    m = raw_seal(OR_V3_SUITE_CHACHA, key1, 1, OR_V3_REC_PING, NULL, 0, g);
    expect_open(y, g, m, OR_EPROTO, OR_R_V3_CLOSED);
    or_v3_rec_free(x);
    or_v3_rec_free(y);
}

/* open f on each receiver in ys */
static void
open_all(or_v3_rec_t **ys, int k, unsigned char *f, size_t n)
{
    unsigned char   copy[64];
    or_v3_rec_in_t  in;
    int             i;

    for (i = 0; i < k; i++) {
        memcpy(copy, f, n);
        assert_int_equal(or_v3_rec_open(ys[i], copy, n, NOW, &in, NULL),
                         OR_OK);
    }
}

static void
test_or_v3_rec_rekey_at_exact_count(void **state)
{
    unsigned char   f[128], g[64];
    size_t          n, m;
    uint64_t        c, s, r, ks, kr;
    or_v3_rec_t    *x, *ys[2];
    or_v3_rec_in_t  in;

    (void) state;
    rec_pair(OR_V3_SUITE_CHACHA, &x, &ys[0]);
    assert_int_equal(or_v3_rec_new(OR_V3_SUITE_CHACHA, key2, key1, NOW,
                                   &ys[1], NULL), OR_OK);
    /* counters 0 .. 2^20 - 2: one frame each */
    for (c = 0; c < OR_V3_REKEY_RECORDS - 1; c++) {
        assert_int_equal(or_v3_rec_seal(x, NOW, OR_V3_REC_PING, NULL, 0, f,
                                        sizeof(f), &n, NULL), OR_OK);
        if (n != 4 + OR_V3_REC_LEN_MIN) {
            fail_msg("record %llu: %zu bytes", (unsigned long long) c, n);
        }
        open_all(ys, 2, f, n);
    }
    /* counter 2^20 - 1 must be REKEY: the sealer puts one first */
    assert_int_equal(or_v3_rec_seal(x, NOW, OR_V3_REC_MSG, "{}", 2, f,
                                    sizeof(f), &n, NULL), OR_OK);
    assert_int_equal(n, 2 * 4 + OR_V3_REC_LEN_MIN + 1 + 2 + 16);
    or_v3_rec_counters(x, &s, &r, &ks, &kr);
    assert_true(s == 1 && ks == 1);
    assert_int_equal(or_v3_rec_open(ys[0], f, 4 + OR_V3_REC_LEN_MIN, NOW,
                                    &in, NULL), OR_OK);
    assert_int_equal(in.type, OR_V3_REC_REKEY);
    assert_int_equal(or_v3_rec_open(ys[0], f + 4 + OR_V3_REC_LEN_MIN,
                                    n - 4 - OR_V3_REC_LEN_MIN, NOW, &in,
                                    NULL), OR_OK);
    assert_int_equal(in.type, OR_V3_REC_MSG);
    or_v3_rec_counters(ys[0], &s, &r, &ks, &kr);
    assert_true(r == 1 && kr == 1);
    /* a sender that does not rekey there is refused */
    m = raw_seal(OR_V3_SUITE_CHACHA, key1, OR_V3_REKEY_RECORDS - 1,
                 OR_V3_REC_MSG, (const unsigned char *) "{}", 2, g);
    expect_open(ys[1], g, m, OR_EPROTO, OR_R_V3_REKEY_OVERDUE);
    or_v3_rec_free(x);
    or_v3_rec_free(ys[0]);
    or_v3_rec_free(ys[1]);
}

static void
test_or_v3_rec_rekey_on_time(void **state)
{
    unsigned char   f[128], g[64];
    size_t          n, m;
    or_v3_rec_t    *x, *y;
    or_v3_rec_in_t  in;

    (void) state;
    rec_pair(OR_V3_SUITE_AESGCM, &x, &y);
    assert_int_equal(or_v3_rec_seal(x, NOW + OR_V3_REKEY_MS - 1,
                                    OR_V3_REC_PING, NULL, 0, f, sizeof(f),
                                    &n, NULL), OR_OK);
    assert_int_equal(n, 4 + OR_V3_REC_LEN_MIN);
    expect_open(y, f, n, OR_OK, OR_R_NONE);
    assert_int_equal(or_v3_rec_seal(x, NOW + OR_V3_REKEY_MS, OR_V3_REC_PING,
                                    NULL, 0, f, sizeof(f), &n, NULL), OR_OK);
    assert_int_equal(n, 2 * (4 + OR_V3_REC_LEN_MIN));
    expect_open(y, f, 4 + OR_V3_REC_LEN_MIN, OR_OK, OR_R_NONE);
    /* the old key no longer opens anything: it is gone */
    m = raw_seal(OR_V3_SUITE_AESGCM, key1, 0, OR_V3_REC_PING, NULL, 0, g);
    assert_int_equal(or_v3_rec_open(y, g, m, NOW, &in, NULL), OR_EAUTH);
    or_v3_rec_free(x);
    or_v3_rec_free(y);
}

/* seal one MSG on x, open it on y */
static void
pass_one(or_v3_rec_t *x, or_v3_rec_t *y, const char *msg)
{
    unsigned char   f[256];
    size_t          n;
    or_v3_rec_in_t  in;

    assert_int_equal(or_v3_rec_seal(x, NOW, OR_V3_REC_MSG, msg, strlen(msg),
                                    f, sizeof(f), &n, NULL), OR_OK);
    assert_int_equal(or_v3_rec_open(y, f, n, NOW, &in, NULL), OR_OK);
    assert_int_equal(in.type, OR_V3_REC_MSG);
    assert_memory_equal(in.body, msg, strlen(msg));
}

/* a reload hands a layer to another process: exported, freed, imported,
 * it goes on at the next counter both ways, as if never moved */
static void
test_or_v3_rec_export_import(void **state)
{
    or_v3_rec_t        *x, *y, *x2, *y2;
    or_v3_rec_state_t   st;
    uint64_t            sent, recv, rs, rr;

    (void) state;
    rec_pair(OR_V3_SUITE_AESGCM, &x, &y);
    for (int i = 0; i < 3; i++) {
        pass_one(x, y, "{\"before\": 1}");
    }
    or_v3_rec_export(x, &st);
    assert_int_equal(st.suite, OR_V3_SUITE_AESGCM);
    assert_int_equal(st.tx_ctr, 3);
    assert_int_equal(st.rx_ctr, 0);
    or_v3_rec_free(x);
    assert_int_equal(or_v3_rec_import(&st, &x2, NULL), OR_OK);
    OPENSSL_cleanse(&st, sizeof(st));
    pass_one(x2, y, "{\"after\": 1}");
    pass_one(y, x2, "{\"back\": 1}");
    or_v3_rec_export(y, &st);
    or_v3_rec_free(y);
    assert_int_equal(or_v3_rec_import(&st, &y2, NULL), OR_OK);
    pass_one(x2, y2, "{\"again\": 1}");
    or_v3_rec_counters(y2, &sent, &recv, &rs, &rr);
    assert_int_equal(sent, 1);
    assert_int_equal(recv, 5);
    or_v3_rec_free(x2);
    or_v3_rec_free(y2);

    /* the counter bound: the last one under a key is taken, past it not */
    rec_pair(OR_V3_SUITE_CHACHA, &x, &y);
    or_v3_rec_export(x, &st);
    st.tx_ctr = OR_V3_REKEY_RECORDS - 1;
    assert_int_equal(or_v3_rec_import(&st, &x2, NULL), OR_OK);
    or_v3_rec_free(x2);
    st.tx_ctr = OR_V3_REKEY_RECORDS;
    assert_int_equal(or_v3_rec_import(&st, &x2, NULL), OR_EPROTO);
    st.tx_ctr = 0;
    st.rx_ctr = OR_V3_REKEY_RECORDS;
    assert_int_equal(or_v3_rec_import(&st, &x2, NULL), OR_EPROTO);
    st.rx_ctr = 0;
    st.suite = 3;
    assert_int_equal(or_v3_rec_import(&st, &x2, NULL), OR_ECONF);
    /* a closed direction stays closed */
    st.suite = OR_V3_SUITE_CHACHA;
    st.tx_closed = 1;
    assert_int_equal(or_v3_rec_import(&st, &x2, NULL), OR_OK);
    {
        unsigned char  f[64];
        size_t         n;

        assert_int_not_equal(or_v3_rec_seal(x2, NOW, OR_V3_REC_PING, NULL, 0,
                                            f, sizeof(f), &n, NULL), OR_OK);
    }
    OPENSSL_cleanse(&st, sizeof(st));
    or_v3_rec_free(x2);
    or_v3_rec_free(x);
    or_v3_rec_free(y);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_v3_rec_vectors),
        cmocka_unit_test(test_or_v3_rec_skipped_counter),
        cmocka_unit_test(test_or_v3_rec_repeated_counter),
        cmocka_unit_test(test_or_v3_rec_flipped_bytes),
        cmocka_unit_test(test_or_v3_rec_open_bounds),
        cmocka_unit_test(test_or_v3_rec_seal_bounds),
        cmocka_unit_test(test_or_v3_rec_close_is_last),
        cmocka_unit_test(test_or_v3_rec_rekey_at_exact_count),
        cmocka_unit_test(test_or_v3_rec_rekey_on_time),
        cmocka_unit_test(test_or_v3_rec_export_import),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
