/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests of src/crypto/or_v3_handshake.c and or_v3_keys.c: a full
 * handshake between two in-memory parties, the known-answer vectors of
 * tests/peers/v3peer.py byte for byte, and each hostile variant refused
 * with its reason (docs/PROTOCOL.md v3 §5, §8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "openred.h"
#include "or_test_v3.h"
#include "or_v3_int.h"

#define NOW     INT64_C(1764000000000)  /* ms */
#define BUF     4096

/* MSG1 offsets in magic ‖ frame (§5.2) */
#define M1_VERSIONS     9
#define M1_SUITES       11
#define M1_TS           13
#define M1_NONCE        21
#define M1_E            53
#define M1_ID           85
#define M1_KEY          119     /* after the u16 length */
/* MSG2 offsets in its frame (§5.4) */
#define M2_VERSION      5
#define M2_SUITE        7
#define M2_NONCE        17
#define M2_E            49
#define M2_KEYLEN       81
#define M2_KEY          83

static or_key_t       *ka, *kb, *kc;
static unsigned char   id_a[32], id_b[32], id_c[32];

typedef struct {
    or_v3_hs_t     *i, *r;
    unsigned char   m1[BUF], m2[BUF], m3[BUF];
    size_t          n1, n2, n3;
} pair_t;

static int
setup(void **state)
{
    (void) state;
    ka = or_test_v3_key("node-a.key.pem");
    kb = or_test_v3_key("node-b.key.pem");
    if (ka == NULL || kb == NULL || or_key_generate(&kc, NULL) != OR_OK) {
        return -1;
    }
    return or_v3_key_id(ka, id_a, NULL) == OR_OK
           && or_v3_key_id(kb, id_b, NULL) == OR_OK
           && or_v3_key_id(kc, id_c, NULL) == OR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    or_key_free(ka);
    or_key_free(kb);
    or_key_free(kc);
    return 0;
}

/* I = a dials b; R = b: MSG1 and MSG2 exchanged, MSG2 not yet checked */
static void
pair_to_msg2(pair_t *p, uint16_t prefer)
{
    memset(p, 0, sizeof(*p));
    assert_int_equal(or_v3_init_new(ka, id_b, OR_V3_SUITES_ALL, &p->i, NULL),
                     OR_OK);
    assert_int_equal(or_v3_resp_new(kb, OR_V3_SUITES_ALL, prefer, &p->r,
                                    NULL), OR_OK);
    assert_int_equal(or_v3_init_msg1(p->i, NOW, NULL, p->m1, BUF, &p->n1,
                                     NULL), OR_OK);
    assert_int_equal(or_v3_resp_msg1(p->r, p->m1, p->n1, NOW, NULL), OR_OK);
    assert_int_equal(or_v3_resp_msg2(p->r, NOW, NULL, p->m2, BUF, &p->n2,
                                     NULL), OR_OK);
}

static void
pair_free(pair_t *p)
{
    or_v3_hs_free(p->i);
    or_v3_hs_free(p->r);
}

/* records sealed by one side open on the other, both ways */
static void
exchange_records(or_v3_rec_t *x, or_v3_rec_t *y)
{
    unsigned char   f[256];
    size_t          n;
    or_v3_rec_in_t  in;

    assert_int_equal(or_v3_rec_seal(x, NOW, OR_V3_REC_MSG, "{\"a\":1}", 7,
                                    f, sizeof(f), &n, NULL), OR_OK);
    assert_int_equal(or_v3_rec_open(y, f, n, NOW, &in, NULL), OR_OK);
    assert_int_equal(in.type, OR_V3_REC_MSG);
    assert_int_equal(in.len, 7);
    assert_memory_equal(in.body, "{\"a\":1}", 7);
    assert_int_equal(or_v3_rec_seal(y, NOW, OR_V3_REC_PING, "p", 1, f,
                                    sizeof(f), &n, NULL), OR_OK);
    assert_int_equal(or_v3_rec_open(x, f, n, NOW, &in, NULL), OR_OK);
    assert_int_equal(in.type, OR_V3_REC_PING);
}

static void
full_handshake(uint16_t prefer, uint16_t want_suite)
{
    pair_t          p;
    or_v3_result_t  ri, rr;
    or_v3_rec_t    *xi, *xr;

    pair_to_msg2(&p, prefer);
    /* R knows who calls after MSG1, before it verifies or signs */
    assert_memory_equal(or_v3_hs_peer_id(p.r), id_a, 32);
    assert_int_equal(or_v3_init_msg2(p.i, p.m2, p.n2, NOW, p.m3, BUF, &p.n3,
                                     NULL), OR_OK);
    assert_int_equal(p.n3, OR_V3_FRAME_HDR + OR_V3_MSG3_LEN);
    /* R counts no session before MSG3 */
    assert_int_equal(or_v3_hs_result(p.r, &rr, NULL), OR_EPROTO);
    assert_int_equal(or_v3_resp_msg3(p.r, p.m3, p.n3, NULL), OR_OK);
    assert_int_equal(or_v3_hs_result(p.i, &ri, NULL), OR_OK);
    assert_int_equal(or_v3_hs_result(p.r, &rr, NULL), OR_OK);
    assert_true(ri.initiator && !rr.initiator);
    assert_int_equal(ri.suite, want_suite);
    assert_int_equal(rr.suite, want_suite);
    assert_int_equal(ri.version, OR_V3_VERSION_3_0);
    assert_memory_equal(ri.th, rr.th, 32);
    assert_memory_equal(ri.sid, rr.sid, OR_V3_SID_LEN);
    assert_memory_equal(ri.peer_id, id_b, 32);
    assert_memory_equal(rr.peer_id, id_a, 32);
    assert_int_equal(or_v3_hs_take_records(p.i, NOW, &xi, NULL), OR_OK);
    assert_int_equal(or_v3_hs_take_records(p.r, NOW, &xr, NULL), OR_OK);
    assert_int_equal(or_v3_hs_take_records(p.r, NOW, &xr, NULL), OR_EPROTO);
    exchange_records(xi, xr);
    or_v3_rec_free(xi);
    or_v3_rec_free(xr);
    pair_free(&p);
}

static void
test_or_v3_handshake_chacha(void **state)
{
    (void) state;
    full_handshake(OR_V3_SUITE_CHACHA, OR_V3_SUITE_CHACHA);
}

static void
test_or_v3_handshake_aesgcm_preferred(void **state)
{
    (void) state;
    full_handshake(OR_V3_SUITE_AESGCM, OR_V3_SUITE_AESGCM);
}

/* one handshake vector of v3peer.py, byte for byte */
static void
check_vector(const char *name)
{
    json_t           *v = or_test_v3_load(name);
    or_v3_fixed_t     fi, fr;
    unsigned char    *sig_i, *sig_r, *m1, *m2, h1[32];
    unsigned char     dh[32], n_i[32], n_r[32], th[32], out[BUF];
    size_t            li, lr, n1, n2, n;
    int64_t           ts_i = or_test_v3_int(v, "ts_i");
    int64_t           ts_r = or_test_v3_int(v, "ts_r");
    or_v3_hs_t       *i, *r;
    or_v3_result_t    res;
    or_v3_keys_t      k;

    sig_i = or_test_v3_hex(v, "sig_i", &li);
    sig_r = or_test_v3_hex(v, "sig_r", &lr);
    m1 = or_test_v3_hex(v, "msg1", &n1);
    m2 = or_test_v3_hex(v, "msg2", &n2);
    or_test_v3_hex_n(v, "eph_i", fi.eph, 32);
    or_test_v3_hex_n(v, "nonce_i", fi.nonce, 32);
    fi.sig = sig_i;
    fi.siglen = li;
    or_test_v3_hex_n(v, "eph_r", fr.eph, 32);
    or_test_v3_hex_n(v, "nonce_r", fr.nonce, 32);
    fr.sig = sig_r;
    fr.siglen = lr;
    or_test_v3_hex_equal(v, "id_i", id_a, 32);
    or_test_v3_hex_equal(v, "id_r", id_b, 32);

    /* I's MSG1 from fixed inputs */
    assert_int_equal(or_v3_init_new(ka, id_b, (uint16_t) or_test_v3_int(v,
                     "suites"), &i, NULL), OR_OK);
    assert_int_equal(or_v3_init_msg1(i, ts_i, &fi, out, BUF, &n, NULL), OR_OK);
    or_test_v3_hex_equal(v, "msg1", out, n);
    assert_int_equal(or_v3_hs_h1(i, h1, NULL), OR_OK);
    or_test_v3_hex_equal(v, "h1", h1, 32);
    /* R reads Python's MSG1 and answers with the same bytes */
    assert_int_equal(or_v3_resp_new(kb, OR_V3_SUITES_ALL, (uint16_t)
                     or_test_v3_int(v, "prefer"), &r, NULL), OR_OK);
    assert_int_equal(or_v3_resp_msg1(r, m1, n1, ts_i + 10, NULL), OR_OK);
    assert_int_equal(or_v3_resp_msg2(r, ts_r, &fr, out, BUF, &n, NULL), OR_OK);
    or_test_v3_hex_equal(v, "msg2", out, n);
    /* I checks Python's MSG2; its MSG3 is Python's */
    assert_int_equal(or_v3_init_msg2(i, m2, n2, ts_r + 10, out, BUF, &n,
                                     NULL), OR_OK);
    or_test_v3_hex_equal(v, "msg3", out, n);
    assert_int_equal(or_v3_resp_msg3(r, out, n, NULL), OR_OK);
    assert_int_equal(or_v3_hs_result(r, &res, NULL), OR_OK);
    or_test_v3_hex_equal(v, "th", res.th, 32);
    or_test_v3_hex_equal(v, "sid", res.sid, OR_V3_SID_LEN);
    assert_int_equal(res.suite, or_test_v3_int(v, "suite"));
    /* the key schedule alone */
    or_test_v3_hex_n(v, "dh", dh, 32);
    or_test_v3_hex_n(v, "nonce_i", n_i, 32);
    or_test_v3_hex_n(v, "nonce_r", n_r, 32);
    or_test_v3_hex_n(v, "th", th, 32);
    assert_int_equal(or_v3_key_schedule(dh, n_i, n_r, th, &k, NULL), OR_OK);
    or_test_v3_hex_equal(v, "k_i2r", k.i2r, 32);
    or_test_v3_hex_equal(v, "k_r2i", k.r2i, 32);
    or_test_v3_hex_equal(v, "k_fin_i", k.fin_i, 32);
    or_test_v3_hex_equal(v, "k_fin_r", k.fin_r, 32);
    or_test_v3_hex_equal(v, "sid", k.sid, OR_V3_SID_LEN);
    or_v3_hs_free(i);
    or_v3_hs_free(r);
    free(sig_i);
    free(sig_r);
    free(m1);
    free(m2);
    json_decref(v);
}

static void
test_or_v3_handshake_vectors(void **state)
{
    (void) state;
    check_vector("handshake-chacha");
    check_vector("handshake-aesgcm");
}

static void
test_or_v3_key_id_vector(void **state)
{
    json_t         *v = or_test_v3_load("identity");
    unsigned char   der[OR_V3_DER_MAX], id[32];
    char            hex[OR_V3_ID_HEX_LEN + 1];
    size_t          n;
    or_pubkey_t    *pk;

    (void) state;
    assert_int_equal(or_v3_key_der(ka, der, sizeof(der), &n, NULL), OR_OK);
    assert_int_equal(n, 294);
    or_test_v3_hex_equal(v, "der", der, n);
    or_test_v3_hex_equal(v, "id", id_a, 32);
    /* the v2 fingerprint is the id's first 16 hex */
    or_v3_id_hex(id_a, hex);
    assert_memory_equal(hex, or_key_fingerprint(ka), OR_FP_LEN);
    assert_int_equal(or_v3_pubkey_import_der(der, n, &pk, id, NULL), OR_OK);
    assert_memory_equal(id, id_a, 32);
    assert_string_equal(or_pubkey_fingerprint(pk), or_key_fingerprint(ka));
    or_pubkey_free(pk);
    json_decref(v);
}

static void
expect_der(const unsigned char *der, size_t n, or_err_t err,
    or_reason_t reason)
{
    or_pubkey_t  *pk = NULL;
    or_errbuf_t   eb;

    assert_int_equal(or_v3_pubkey_import_der(der, n, &pk, NULL, &eb), err);
    assert_int_equal(eb.reason, reason);
    assert_null(pk);
}

static void
test_or_v3_pubkey_import_der_refusals(void **state)
{
    unsigned char  der[OR_V3_DER_MAX + 1], big[OR_V3_DER_MAX + 1];
    size_t         n;

    (void) state;
    assert_int_equal(or_v3_key_der(ka, der, sizeof(der), &n, NULL), OR_OK);
    expect_der(der, 0, OR_EPROTO, OR_R_BAD_PEM);
    memset(big, 0, sizeof(big));
    expect_der(big, OR_V3_DER_MAX + 1, OR_ETOOBIG, OR_R_TOO_BIG);
    expect_der(der, n - 1, OR_EPROTO, OR_R_BAD_PEM);
    /* e = 3: a parsable RSA key of another exponent */
    der[n - 1] = 0x03;
    der[n - 2] = 0x00;
    der[n - 3] = 0x00;
    expect_der(der, n, OR_EAUTH, OR_R_KEY_EXPONENT);
}

static void
test_or_v3_replayed_msg1_never_completes(void **state)
{
    pair_t       p;
    or_v3_hs_t  *r2;
    unsigned char m2[BUF];
    size_t       n2;
    or_v3_result_t res;
    or_errbuf_t  eb;

    (void) state;
    pair_to_msg2(&p, OR_V3_SUITE_CHACHA);
    assert_int_equal(or_v3_init_msg2(p.i, p.m2, p.n2, NOW, p.m3, BUF, &p.n3,
                                     NULL), OR_OK);
    assert_int_equal(or_v3_resp_msg3(p.r, p.m3, p.n3, NULL), OR_OK);
    /* the replayer sends MSG1 again, to a responder without a cache */
    assert_int_equal(or_v3_resp_new(kb, OR_V3_SUITES_ALL, 0, &r2, NULL),
                     OR_OK);
    assert_int_equal(or_v3_resp_msg1(r2, p.m1, p.n1, NOW + 1, NULL), OR_OK);
    assert_int_equal(or_v3_resp_msg2(r2, NOW + 1, NULL, m2, BUF, &n2, NULL),
                     OR_OK);
    /* a fresh e_r: its MSG2 differs, and the old MSG3 does not confirm */
    assert_memory_not_equal(m2 + M2_E, p.m2 + M2_E, 32);
    assert_int_equal(or_v3_resp_msg3(r2, p.m3, p.n3, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_V3_FINISHED);
    assert_int_equal(or_v3_hs_result(r2, &res, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_STATE);
    or_v3_hs_free(r2);
    pair_free(&p);
}

/* a MSG1 changed at byte at: R reads it, then refuses to answer */
static void
expect_msg1_tamper(size_t at, unsigned char x, or_err_t err,
    or_reason_t reason, int at_msg2)
{
    pair_t        p;
    or_v3_hs_t   *r;
    or_errbuf_t   eb;
    unsigned char out[BUF];
    size_t        n = 12345;

    pair_to_msg2(&p, 0);
    p.m1[at] ^= x;
    assert_int_equal(or_v3_resp_new(kb, OR_V3_SUITES_ALL, 0, &r, NULL),
                     OR_OK);
    if (at_msg2) {
        assert_int_equal(or_v3_resp_msg1(r, p.m1, p.n1, NOW, NULL), OR_OK);
        assert_int_equal(or_v3_resp_msg2(r, NOW, NULL, out, BUF, &n, &eb),
                         err);
        assert_int_equal(n, 12345);
    } else {
        assert_int_equal(or_v3_resp_msg1(r, p.m1, p.n1, NOW, &eb), err);
    }
    assert_int_equal(eb.reason, reason);
    or_v3_hs_free(r);
    pair_free(&p);
}

static void
test_or_v3_resp_msg2_tampered_msg1(void **state)
{
    (void) state;
    /* still acceptable offers, but not what I signed */
    expect_msg1_tamper(M1_VERSIONS + 1, 0x02, OR_EAUTH, OR_R_BAD_SIGNATURE, 1);
    expect_msg1_tamper(M1_SUITES + 1, 0x02, OR_EAUTH, OR_R_BAD_SIGNATURE, 1);
    expect_msg1_tamper(M1_TS + 7, 0x01, OR_EAUTH, OR_R_BAD_SIGNATURE, 1);
    expect_msg1_tamper(M1_NONCE + 5, 0x01, OR_EAUTH, OR_R_BAD_SIGNATURE, 1);
    expect_msg1_tamper(M1_E + 5, 0x01, OR_EAUTH, OR_R_BAD_SIGNATURE, 1);
    /* another valid modulus: another id, and sig_i is not its */
    expect_msg1_tamper(M1_KEY + 100, 0x01, OR_EAUTH, OR_R_BAD_SIGNATURE, 1);
    /* offers without anything in common; for another node */
    expect_msg1_tamper(M1_VERSIONS + 1, 0x01, OR_EPROTO, OR_R_V3_VERSION, 0);
    expect_msg1_tamper(M1_SUITES + 1, 0x01, OR_EPROTO, OR_R_V3_SUITE, 0);
    expect_msg1_tamper(M1_ID, 0x01, OR_EAUTH, OR_R_NOT_FOR_US, 0);
    expect_msg1_tamper(8, 0x03, OR_EPROTO, OR_R_MSG_TYPE, 0);
    expect_msg1_tamper(0, 0x7b, OR_EPROTO, OR_R_V3_MAGIC, 0);
}

/* a MSG2 changed by fn: I refuses it with reason */
static void
expect_msg2_tamper(size_t at, unsigned char x, or_err_t err,
    or_reason_t reason)
{
    pair_t        p;
    or_errbuf_t   eb;
    or_v3_result_t res;

    pair_to_msg2(&p, OR_V3_SUITE_CHACHA);
    p.m2[at == 0 ? p.n2 - 1 : at] ^= x;
    assert_int_equal(or_v3_init_msg2(p.i, p.m2, p.n2, NOW, p.m3, BUF, &p.n3,
                                     &eb), err);
    assert_int_equal(eb.reason, reason);
    assert_int_equal(or_v3_hs_result(p.i, &res, NULL), OR_EPROTO);
    pair_free(&p);
}

/* the caller's verify, before its replay cache: a failed one is final */
static void
test_or_v3_resp_verify(void **state)
{
    pair_t         p;
    or_v3_hs_t    *r;
    unsigned char  out[BUF];
    size_t         n;
    or_errbuf_t    eb;

    (void) state;
    pair_to_msg2(&p, 0);
    assert_int_equal(or_v3_resp_new(kb, OR_V3_SUITES_ALL, 0, &r, NULL),
                     OR_OK);
    assert_int_equal(or_v3_resp_verify(r, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_STATE);
    or_v3_hs_free(r);
    assert_int_equal(or_v3_resp_new(kb, OR_V3_SUITES_ALL, 0, &r, NULL),
                     OR_OK);
    assert_int_equal(or_v3_resp_msg1(r, p.m1, p.n1, NOW, NULL), OR_OK);
    assert_int_equal(or_v3_resp_verify(r, NULL), OR_OK);
    assert_int_equal(or_v3_resp_msg2(r, NOW, NULL, out, BUF, &n, NULL),
                     OR_OK);
    or_v3_hs_free(r);
    p.m1[M1_NONCE] ^= 0x01;
    assert_int_equal(or_v3_resp_new(kb, OR_V3_SUITES_ALL, 0, &r, NULL),
                     OR_OK);
    assert_int_equal(or_v3_resp_msg1(r, p.m1, p.n1, NOW, NULL), OR_OK);
    assert_int_equal(or_v3_resp_verify(r, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_BAD_SIGNATURE);
    assert_int_equal(or_v3_resp_msg2(r, NOW, NULL, out, BUF, &n, &eb),
                     OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_STATE);
    or_v3_hs_free(r);
    pair_free(&p);
}

static void
test_or_v3_init_msg2_tampered(void **state)
{
    (void) state;
    expect_msg2_tamper(M2_VERSION + 1, 0x02, OR_EPROTO, OR_R_V3_VERSION);
    /* ChaCha -> AES: offered, but not what R signed */
    expect_msg2_tamper(M2_SUITE + 1, 0x03, OR_EAUTH, OR_R_BAD_SIGNATURE);
    expect_msg2_tamper(M2_SUITE + 1, 0x05, OR_EPROTO, OR_R_V3_SUITE);
    expect_msg2_tamper(M2_SUITE + 1, 0x02, OR_EPROTO, OR_R_V3_SUITE);
    expect_msg2_tamper(M2_NONCE + 3, 0x01, OR_EAUTH, OR_R_BAD_SIGNATURE);
    expect_msg2_tamper(M2_E + 3, 0x01, OR_EAUTH, OR_R_BAD_SIGNATURE);
    expect_msg2_tamper(M2_KEY + 100, 0x01, OR_EAUTH, OR_R_WRONG_PEER);
    expect_msg2_tamper(0, 0x01, OR_EAUTH, OR_R_V3_FINISHED);   /* fin_r */
    expect_msg2_tamper(4, 0x01, OR_EPROTO, OR_R_MSG_TYPE);
}

static void
test_or_v3_init_msg2_relayed_onto_other_handshake(void **state)
{
    pair_t        p;
    or_v3_hs_t   *i2;
    unsigned char m1[BUF], m3[BUF];
    size_t        n1, n3;
    or_errbuf_t   eb;

    (void) state;
    pair_to_msg2(&p, 0);
    assert_int_equal(or_v3_init_new(ka, id_b, OR_V3_SUITES_ALL, &i2, NULL),
                     OR_OK);
    assert_int_equal(or_v3_init_msg1(i2, NOW, NULL, m1, BUF, &n1, NULL),
                     OR_OK);
    /* R's genuine answer to the first dial, delivered to the second */
    assert_int_equal(or_v3_init_msg2(i2, p.m2, p.n2, NOW, m3, BUF, &n3, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_BAD_SIGNATURE);
    or_v3_hs_free(i2);
    pair_free(&p);
}

static void
test_or_v3_resp_msg1_relayed_to_other_node(void **state)
{
    pair_t       p;
    or_v3_hs_t  *rc;
    or_errbuf_t  eb;

    (void) state;
    pair_to_msg2(&p, 0);
    assert_int_equal(or_v3_resp_new(kc, OR_V3_SUITES_ALL, 0, &rc, NULL),
                     OR_OK);
    assert_int_equal(or_v3_resp_msg1(rc, p.m1, p.n1, NOW, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_NOT_FOR_US);
    or_v3_hs_free(rc);
    pair_free(&p);
}

static or_err_t
resp_at(const unsigned char *m1, size_t n1, int64_t now, or_errbuf_t *eb)
{
    or_v3_hs_t  *r;
    or_err_t     rc;

    assert_int_equal(or_v3_resp_new(kb, OR_V3_SUITES_ALL, 0, &r, NULL),
                     OR_OK);
    rc = or_v3_resp_msg1(r, m1, n1, now, eb);
    or_v3_hs_free(r);
    return rc;
}

static void
test_or_v3_resp_msg1_window(void **state)
{
    pair_t       p;
    or_errbuf_t  eb;

    (void) state;
    pair_to_msg2(&p, 0);
    assert_int_equal(resp_at(p.m1, p.n1, NOW + OR_V3_TS_WINDOW, NULL), OR_OK);
    assert_int_equal(resp_at(p.m1, p.n1, NOW - OR_V3_TS_WINDOW, NULL), OR_OK);
    assert_int_equal(resp_at(p.m1, p.n1, NOW + OR_V3_TS_WINDOW + 1, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_HS_EXPIRED);
    assert_int_equal(resp_at(p.m1, p.n1, NOW - OR_V3_TS_WINDOW - 1, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_HS_EXPIRED);
    /* and I's check of ts_r, at its bound */
    assert_int_equal(or_v3_init_msg2(p.i, p.m2, p.n2,
                                     NOW + OR_V3_TS_WINDOW + 1, p.m3, BUF,
                                     &p.n3, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_HS_EXPIRED);
    pair_free(&p);
}

/*
 * fuzz_v3_msg1: ts_i = 2^63 overflowed now - ts (UBSan: signed integer
 * overflow) before the sign check refused it. The far values, refused
 * without arithmetic on them (seen by UBSan in make fuzz).
 */
static void
test_or_v3_resp_msg1_ts_extremes(void **state)
{
    static const struct {
        uint64_t  ts;
        int64_t   now;
        or_err_t  want;
    } c[] = {
        { UINT64_C(1) << 63, NOW, OR_EAUTH },
        { UINT64_MAX, NOW, OR_EAUTH },
        { 0, NOW, OR_EAUTH },
        { (uint64_t) INT64_MAX, NOW, OR_EAUTH },
        { 0, INT64_MIN, OR_EAUTH },
        { (uint64_t) INT64_MAX, INT64_MIN, OR_EAUTH },
        { UINT64_C(1) << 63, INT64_MAX, OR_EAUTH },
        { (uint64_t) INT64_MAX, INT64_MAX, OR_OK },    /* d = 0 */
        { 0, -OR_V3_TS_WINDOW, OR_OK },                /* d = window */
    };
    pair_t                 p;
    or_errbuf_t            eb;
    size_t                 i;
    int                    k;

    (void) state;
    pair_to_msg2(&p, 0);
    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        for (k = 0; k < 8; k++) {
            p.m1[M1_TS + k] = (unsigned char) (c[i].ts >> (56 - 8 * k));
        }
        memset(&eb, 0, sizeof(eb));
        assert_int_equal(resp_at(p.m1, p.n1, c[i].now, &eb), c[i].want);
        if (c[i].want != OR_OK) {
            assert_int_equal(eb.reason, OR_R_HS_EXPIRED);
        }
    }
    pair_free(&p);
}

/* m1 with its cookie replaced by n bytes, frame length fixed */
static size_t
with_cookie(const unsigned char *m1, size_t n1, size_t n, unsigned char *out)
{
    size_t  len = n1 - 2;

    memcpy(out, m1, len);
    out[len] = (unsigned char) (n >> 8);
    out[len + 1] = (unsigned char) n;
    memset(out + len + 2, 0xc0, n);
    or_v3_put32_at(out + 4, (uint32_t) (len + 2 + n - 8));
    return len + 2 + n;
}

static void
test_or_v3_resp_msg1_bounds(void **state)
{
    pair_t         p;
    unsigned char  m[BUF];
    size_t         n;
    or_errbuf_t    eb;

    (void) state;
    pair_to_msg2(&p, 0);
    /* the cookie is neither signed nor hashed: any 0..64 bytes pass */
    n = with_cookie(p.m1, p.n1, OR_V3_COOKIE_MAX, m);
    assert_int_equal(resp_at(m, n, NOW, NULL), OR_OK);
    n = with_cookie(p.m1, p.n1, OR_V3_COOKIE_MAX + 1, m);
    assert_int_equal(resp_at(m, n, NOW, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_TOO_BIG);
    /* cut short, a byte after the frame, a byte inside it */
    assert_int_equal(resp_at(p.m1, p.n1 - 1, NOW, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_TRUNCATED);
    memcpy(m, p.m1, p.n1);
    m[p.n1] = 0;
    assert_int_equal(resp_at(m, p.n1 + 1, NOW, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_TRAILING);
    or_v3_put32_at(m + 4, (uint32_t) (p.n1 + 1 - 8));
    assert_int_equal(resp_at(m, p.n1 + 1, NOW, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_TRAILING);
    /* the frame bound: 2048 is read (and is then short), 2049 is not */
    or_v3_put32_at(m + 4, OR_V3_HS_LEN_MAX);
    assert_int_equal(resp_at(m, p.n1, NOW, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_TRUNCATED);
    or_v3_put32_at(m + 4, OR_V3_HS_LEN_MAX + 1);
    assert_int_equal(resp_at(m, p.n1, NOW, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_TOO_BIG);
    pair_free(&p);
}

static void
test_or_v3_frame_need(void **state)
{
    pair_t       p;
    size_t       k, total = 0;
    or_errbuf_t  eb;

    (void) state;
    pair_to_msg2(&p, 0);
    for (k = 0; k < 8; k++) {
        assert_int_equal(or_v3_frame_need(p.m1, k, 1, 1, OR_V3_HS_LEN_MAX,
                                          &total, NULL), OR_AGAIN);
    }
    assert_int_equal(or_v3_frame_need(p.m1, 8, 1, 1, OR_V3_HS_LEN_MAX,
                                      &total, NULL), OR_OK);
    assert_int_equal(total, p.n1);
    /* a v2 request is refused on its first byte */
    assert_int_equal(or_v3_frame_need((const unsigned char *) "{", 1, 1, 1,
                                      OR_V3_HS_LEN_MAX, &total, &eb),
                     OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_MAGIC);
    pair_free(&p);
}

static void
test_or_v3_resp_msg3_refusals(void **state)
{
    pair_t          p;
    or_errbuf_t     eb;
    or_v3_rec_t    *x;
    unsigned char   m[BUF];

    (void) state;
    pair_to_msg2(&p, 0);
    assert_int_equal(or_v3_hs_take_records(p.r, NOW, &x, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_STATE);
    assert_int_equal(or_v3_init_msg2(p.i, p.m2, p.n2, NOW, p.m3, BUF, &p.n3,
                                     NULL), OR_OK);
    memcpy(m, p.m3, p.n3);
    m[p.n3] = 0;
    or_v3_put32_at(m, OR_V3_MSG3_LEN + 1);
    assert_int_equal(or_v3_resp_msg3(p.r, m, p.n3 + 1, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_TOO_BIG);
    or_v3_hs_free(p.r);
    /* a fresh responder state for the same MSG1 refuses a flipped fin_i */
    assert_int_equal(or_v3_resp_new(kb, OR_V3_SUITES_ALL, 0, &p.r, NULL),
                     OR_OK);
    assert_int_equal(or_v3_resp_msg3(p.r, p.m3, p.n3, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_STATE);
    pair_free(&p);
    pair_to_msg2(&p, 0);
    assert_int_equal(or_v3_init_msg2(p.i, p.m2, p.n2, NOW, p.m3, BUF, &p.n3,
                                     NULL), OR_OK);
    p.m3[p.n3 - 1] ^= 0x80;
    assert_int_equal(or_v3_resp_msg3(p.r, p.m3, p.n3, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_V3_FINISHED);
    /* a failed state stays failed */
    p.m3[p.n3 - 1] ^= 0x80;
    assert_int_equal(or_v3_resp_msg3(p.r, p.m3, p.n3, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_V3_STATE);
    pair_free(&p);
}

static void
test_or_v3_fixed_signature_must_verify(void **state)
{
    or_v3_hs_t     *i;
    or_v3_fixed_t   f;
    unsigned char   sig[256], out[BUF];
    size_t          n;
    or_errbuf_t     eb;

    (void) state;
    memset(&f, 0x11, sizeof(f));
    memset(sig, 0x5a, sizeof(sig));
    f.sig = sig;
    f.siglen = sizeof(sig);
    assert_int_equal(or_v3_init_new(ka, id_b, OR_V3_SUITES_ALL, &i, NULL),
                     OR_OK);
    assert_int_equal(or_v3_init_msg1(i, NOW, &f, out, BUF, &n, &eb),
                     OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_BAD_SIGNATURE);
    or_v3_hs_free(i);
}

static void
test_or_v3_x25519_low_order_refused(void **state)
{
    unsigned char  priv[32], pub[32], peer[32], out[32];
    EVP_PKEY      *e;
    or_errbuf_t    eb;

    (void) state;
    memset(priv, 0x42, sizeof(priv));
    assert_int_equal(or_v3_x25519_new(priv, &e, pub, NULL), OR_OK);
    /* u = 0 and u = 1 are of low order: the secret is all zero */
    memset(peer, 0, sizeof(peer));
    assert_int_equal(or_v3_x25519_dh(e, peer, out, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_V3_EPHEMERAL);
    peer[0] = 1;
    assert_int_equal(or_v3_x25519_dh(e, peer, out, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_V3_EPHEMERAL);
    peer[0] = 9;                        /* the base point: fine */
    assert_int_equal(or_v3_x25519_dh(e, peer, out, NULL), OR_OK);
    EVP_PKEY_free(e);
}

static void
test_or_v3_refuse_roundtrip(void **state)
{
    unsigned char  f[16];
    size_t         n;
    unsigned       code;
    or_errbuf_t    eb;

    (void) state;
    assert_int_equal(or_v3_refuse_build(OR_V3_CODE_AUTH, f, sizeof(f), &n,
                                        NULL), OR_OK);
    assert_int_equal(n, 7);
    assert_int_equal(or_v3_refuse_parse(f, n, &code, NULL), OR_OK);
    assert_int_equal(code, OR_V3_CODE_AUTH);
    f[4] = OR_V3_HS_MSG2;
    assert_int_equal(or_v3_refuse_parse(f, n, &code, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_MSG_TYPE);
    assert_int_equal(or_v3_reason_code(OR_R_BAD_SIGNATURE), OR_V3_CODE_AUTH);
    assert_int_equal(or_v3_reason_code(OR_R_V3_SUITE), OR_V3_CODE_VERSION);
    assert_int_equal(or_v3_reason_code(OR_R_V3_TRUNCATED),
                     OR_V3_CODE_PROTOCOL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_v3_handshake_chacha),
        cmocka_unit_test(test_or_v3_handshake_aesgcm_preferred),
        cmocka_unit_test(test_or_v3_handshake_vectors),
        cmocka_unit_test(test_or_v3_key_id_vector),
        cmocka_unit_test(test_or_v3_pubkey_import_der_refusals),
        cmocka_unit_test(test_or_v3_replayed_msg1_never_completes),
        cmocka_unit_test(test_or_v3_resp_msg2_tampered_msg1),
        cmocka_unit_test(test_or_v3_resp_verify),
        cmocka_unit_test(test_or_v3_init_msg2_tampered),
        cmocka_unit_test(test_or_v3_init_msg2_relayed_onto_other_handshake),
        cmocka_unit_test(test_or_v3_resp_msg1_relayed_to_other_node),
        cmocka_unit_test(test_or_v3_resp_msg1_window),
        cmocka_unit_test(test_or_v3_resp_msg1_ts_extremes),
        cmocka_unit_test(test_or_v3_resp_msg1_bounds),
        cmocka_unit_test(test_or_v3_frame_need),
        cmocka_unit_test(test_or_v3_resp_msg3_refusals),
        cmocka_unit_test(test_or_v3_fixed_signature_must_verify),
        cmocka_unit_test(test_or_v3_x25519_low_order_refused),
        cmocka_unit_test(test_or_v3_refuse_roundtrip),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
