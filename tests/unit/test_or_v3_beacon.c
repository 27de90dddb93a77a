/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests of src/crypto/or_v3_beacon.c: the known-answer beacons of
 * tests/peers/v3peer.py byte for byte, each check of docs/PROTOCOL.md v3
 * §11.3 refused with its reason, every bound at its exact value.
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

static or_key_t       *ka, *kb;
static unsigned char   id_a[32];
static unsigned char   nk[32];                   /* K_net of the vectors */
static json_t         *vec;

static int
setup(void **state)
{
    or_fernet_t    *fk = NULL;
    unsigned char   raw[OR_FERNET_KEY_LEN];
    const char     *pass = "OpenRed-P2P-Discovery-2025";

    (void) state;
    ka = or_test_v3_key("node-a.key.pem");
    kb = or_test_v3_key("node-b.key.pem");
    vec = or_test_v3_load("beacons");
    if (ka == NULL || kb == NULL
        || or_fernet_derive(pass, strlen(pass), &fk, NULL) != OR_OK)
    {
        return -1;
    }
    or_fernet_export(fk, raw);
    or_fernet_free(fk);
    return or_v3_beacon_net_key(raw, nk, NULL) == OR_OK
           && or_v3_key_id(ka, id_a, NULL) == OR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    or_key_free(ka);
    or_key_free(kb);
    json_decref(vec);
    return 0;
}

static or_v3_beacon_t
fields(unsigned type, uint64_t seq)
{
    or_v3_beacon_t  b;

    memset(&b, 0, sizeof(b));
    b.type = type;
    b.instance = 7;
    b.seq = seq;
    b.ts = NOW;
    b.ttl = type == OR_V3_BEACON_GOODBYE ? 0 : 10;
    b.port = 9000;
    b.versions = OR_V3_VERSION_3_0;
    return b;
}

/* K_net from the passphrase: the Python implementation's */
static void
test_net_key_vector(void **state)
{
    (void) state;
    or_test_v3_hex_equal(vec, "net_key", nk, sizeof(nk));
}

/* each vector: we build the same bytes (fixed nonce and signature), and
 * open and verify the Python datagram to the same fields */
static void
test_vectors(void **state)
{
    json_t  *list = json_object_get(vec, "beacons");
    size_t   i;
    json_t  *v;

    (void) state;
    assert_true(json_array_size(list) >= 4);
    json_array_foreach(list, i, v) {
        or_v3_beacon_t  b, o;
        unsigned char   out[OR_V3_BEACON_MAX], nonce[12], *sig, *dg;
        size_t          n, siglen, dglen;
        int             sealed = json_is_true(json_object_get(v, "sealed"));
        const char     *sector = json_string_value(json_object_get(v,
                                                                  "sector"));

        b = fields((unsigned) or_test_v3_int(v, "type"),
                   (uint64_t) or_test_v3_int(v, "seq"));
        b.instance = (uint64_t) or_test_v3_int(v, "instance");
        b.ts = or_test_v3_int(v, "ts");
        b.ttl = (unsigned) or_test_v3_int(v, "ttl");
        b.port = (unsigned) or_test_v3_int(v, "port");
        snprintf(b.sector, sizeof(b.sector), "%s", sector);
        {
            json_t  *sv = json_object_get(v, "services"), *x;
            size_t   k;

            json_array_foreach(sv, k, x) {
                snprintf(b.services[k], sizeof(b.services[k]), "%s",
                         json_string_value(x));
                b.nservices++;
            }
        }
        or_test_v3_hex_n(v, "nonce", nonce, sizeof(nonce));
        sig = or_test_v3_hex(v, "sig", &siglen);
        assert_int_equal(or_v3_beacon_build(ka, &b, sealed ? nk : NULL,
                                            nonce, sig, siglen, out,
                                            sizeof(out), &n, NULL), OR_OK);
        or_test_v3_hex_equal(v, "datagram", out, n);

        dg = or_test_v3_hex(v, "datagram", &dglen);
        assert_int_equal(or_v3_beacon_open(sealed ? nk : NULL, dg, dglen,
                                           or_test_v3_int(vec, "now"), &o,
                                           NULL), OR_OK);
        assert_int_equal(o.type, b.type);
        assert_int_equal(o.instance, b.instance);
        assert_int_equal(o.seq, b.seq);
        assert_int_equal(o.ts, b.ts);
        assert_int_equal(o.ttl, b.ttl);
        assert_int_equal(o.port, b.port);
        assert_string_equal(o.sector, b.sector);
        assert_int_equal(o.nservices, b.nservices);
        for (size_t k = 0; k < b.nservices; k++) {
            assert_string_equal(o.services[k], b.services[k]);
        }
        assert_memory_equal(o.id, id_a, 32);
        assert_int_equal(or_v3_beacon_verify(&o, NULL), OR_OK);
        free(dg);
        free(sig);
    }
}

static void
expect_open(const unsigned char *key, unsigned char *dg, size_t len,
    int64_t now, or_reason_t want)
{
    or_v3_beacon_t  o;
    or_errbuf_t     eb;

    memset(&eb, 0, sizeof(eb));
    assert_int_not_equal(or_v3_beacon_open(key, dg, len, now, &o, &eb),
                         OR_OK);
    if (eb.reason != want) {
        fprintf(stderr, "got %s, want %s: %s\n", or_reason_name(eb.reason),
                or_reason_name(want), eb.msg);
    }
    assert_int_equal(eb.reason, want);
}

/* a goodbye for a's id signed by b: refused, whatever it says */
static void
test_forged_goodbye(void **state)
{
    unsigned char  *dg;
    size_t          len;
    or_v3_beacon_t  o;
    or_errbuf_t     eb;

    (void) state;
    dg = or_test_v3_hex(vec, "forged_goodbye", &len);
    if (or_v3_beacon_open(nk, dg, len, NOW, &o, &eb) != OR_OK) {
        fprintf(stderr, "%s\n", eb.msg);
        fail();
    }
    assert_int_equal(o.type, OR_V3_BEACON_GOODBYE);
    assert_int_not_equal(or_v3_beacon_verify(&o, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_BAD_SIGNATURE);
    free(dg);
}

/* the type is signed: an announce relabelled query fails the signature;
 * the seal covers the header: relabelled under a seal, it does not open */
static void
test_type_signed(void **state)
{
    or_v3_beacon_t  b = fields(OR_V3_BEACON_ANNOUNCE, 1), o;
    unsigned char   out[OR_V3_BEACON_MAX];
    size_t          n;
    or_errbuf_t     eb;

    (void) state;
    assert_int_equal(or_v3_beacon_build(ka, &b, NULL, NULL, NULL, 0, out,
                                        sizeof(out), &n, NULL), OR_OK);
    out[4] = OR_V3_BEACON_QUERY;
    assert_int_equal(or_v3_beacon_open(NULL, out, n, NOW, &o, NULL), OR_OK);
    assert_int_not_equal(or_v3_beacon_verify(&o, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_BAD_SIGNATURE);

    assert_int_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                        sizeof(out), &n, NULL), OR_OK);
    out[4] = OR_V3_BEACON_QUERY;
    expect_open(nk, out, n, NOW, OR_R_V3_BEACON_SEAL);
}

/* with the key kept from an earlier verify: the same answer, and another
 * node's key does not verify it */
static void
test_verify_key(void **state)
{
    or_v3_beacon_t  b = fields(OR_V3_BEACON_ANNOUNCE, 1), o;
    unsigned char   out[OR_V3_BEACON_MAX], der[OR_V3_DER_MAX];
    size_t          n, dlen;
    or_pubkey_t    *pa = NULL, *pb = NULL;
    or_errbuf_t     eb;

    (void) state;
    assert_int_equal(or_v3_key_der(ka, der, sizeof(der), &dlen, NULL), OR_OK);
    assert_int_equal(or_v3_pubkey_import_der(der, dlen, &pa, NULL, NULL),
                     OR_OK);
    assert_int_equal(or_v3_key_der(kb, der, sizeof(der), &dlen, NULL), OR_OK);
    assert_int_equal(or_v3_pubkey_import_der(der, dlen, &pb, NULL, NULL),
                     OR_OK);
    assert_int_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                        sizeof(out), &n, NULL), OR_OK);
    assert_int_equal(or_v3_beacon_open(nk, out, n, NOW, &o, NULL), OR_OK);
    assert_int_equal(or_v3_beacon_verify_key(&o, pa, NULL), OR_OK);
    assert_int_not_equal(or_v3_beacon_verify_key(&o, pb, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_BAD_SIGNATURE);
    or_pubkey_free(pa);
    or_pubkey_free(pb);
}

/* a key that is not the id's: key_not_bound before the signature */
static void
test_key_not_bound(void **state)
{
    or_v3_beacon_t  b = fields(OR_V3_BEACON_ANNOUNCE, 1), o;
    unsigned char   out[OR_V3_BEACON_MAX];
    size_t          n;
    or_errbuf_t     eb;

    (void) state;
    assert_int_equal(or_v3_beacon_build(ka, &b, NULL, NULL, NULL, 0, out,
                                        sizeof(out), &n, NULL), OR_OK);
    out[OR_V3_BEACON_HDR] ^= 1;                  /* the id's first byte */
    assert_int_equal(or_v3_beacon_open(NULL, out, n, NOW, &o, NULL), OR_OK);
    assert_int_not_equal(or_v3_beacon_verify(&o, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_KEY_NOT_BOUND);
}

static void
test_seal(void **state)
{
    or_v3_beacon_t  b = fields(OR_V3_BEACON_ANNOUNCE, 1);
    unsigned char   out[OR_V3_BEACON_MAX], other[32];
    size_t          n;

    (void) state;
    memcpy(other, nk, 32);
    other[0] ^= 1;
    assert_int_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                        sizeof(out), &n, NULL), OR_OK);
    expect_open(other, out, n, NOW, OR_R_V3_BEACON_SEAL);   /* network */
    expect_open(NULL, out, n, NOW, OR_R_V3_BEACON_SEAL);    /* no key */
    out[n - 1] ^= 1;
    expect_open(nk, out, n, NOW, OR_R_V3_BEACON_SEAL);      /* tag */
    assert_int_equal(or_v3_beacon_build(ka, &b, NULL, NULL, NULL, 0, out,
                                        sizeof(out), &n, NULL), OR_OK);
    expect_open(nk, out, n, NOW, OR_R_V3_BEACON_SEAL);      /* unsealed */
}

/* ts window: exactly OR_V3_TS_WINDOW either way is in, one more is not */
static void
test_ts_window(void **state)
{
    or_v3_beacon_t  b = fields(OR_V3_BEACON_ANNOUNCE, 1), o;
    unsigned char   out[OR_V3_BEACON_MAX], copy[OR_V3_BEACON_MAX];
    size_t          n;

    (void) state;
    assert_int_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                        sizeof(out), &n, NULL), OR_OK);
    memcpy(copy, out, n);
    assert_int_equal(or_v3_beacon_open(nk, copy, n, NOW + OR_V3_TS_WINDOW,
                                       &o, NULL), OR_OK);
    memcpy(copy, out, n);
    assert_int_equal(or_v3_beacon_open(nk, copy, n, NOW - OR_V3_TS_WINDOW,
                                       &o, NULL), OR_OK);
    memcpy(copy, out, n);
    expect_open(nk, copy, n, NOW + OR_V3_TS_WINDOW + 1, OR_R_EXPIRED);
    memcpy(copy, out, n);
    expect_open(nk, copy, n, NOW - OR_V3_TS_WINDOW - 1, OR_R_FUTURE);
}

/* §11.3 step 5: same instance needs a greater seq, another a later ts */
static void
test_newer(void **state)
{
    or_v3_beacon_t       b = fields(OR_V3_BEACON_GOODBYE, 5);
    or_v3_beacon_last_t  last = { 7, 5, NOW - 1 };
    or_errbuf_t          eb;

    (void) state;
    assert_int_equal(or_v3_beacon_newer(NULL, &b, NULL), OR_OK);
    assert_int_not_equal(or_v3_beacon_newer(&last, &b, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_V3_BEACON_SEQ);        /* replay */
    last.seq = 6;
    assert_int_not_equal(or_v3_beacon_newer(&last, &b, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_V3_BEACON_SEQ);        /* old seq */
    last.seq = 4;
    assert_int_equal(or_v3_beacon_newer(&last, &b, NULL), OR_OK);
    last.instance = 8;                           /* a restart's */
    assert_int_equal(or_v3_beacon_newer(&last, &b, NULL), OR_OK);
    last.ts = NOW;
    assert_int_not_equal(or_v3_beacon_newer(&last, &b, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_V3_BEACON_STALE);
}

/* the fixed fields' rules, on build and on open */
static void
test_fields(void **state)
{
    or_v3_beacon_t  b;
    unsigned char   out[OR_V3_BEACON_MAX];
    size_t          n;
    or_errbuf_t     eb;

    (void) state;
    b = fields(OR_V3_BEACON_GOODBYE, 1);
    b.ttl = 1;
    assert_int_not_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                            sizeof(out), &n, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_V3_BEACON_FIELD);
    b = fields(OR_V3_BEACON_ANNOUNCE, 1);
    b.ttl = 0;
    assert_int_not_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                            sizeof(out), &n, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_V3_BEACON_FIELD);
    b = fields(OR_V3_BEACON_ANNOUNCE, 0);
    assert_int_not_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                            sizeof(out), &n, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_V3_BEACON_FIELD);
    b = fields(4, 1);
    assert_int_not_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                            sizeof(out), &n, &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_MSG_TYPE);

    /* on the wire: flags, type, a truncated and a trailing datagram */
    b = fields(OR_V3_BEACON_ANNOUNCE, 1);
    assert_int_equal(or_v3_beacon_build(ka, &b, NULL, NULL, NULL, 0, out,
                                        sizeof(out), &n, NULL), OR_OK);
    out[5] = 0x02;
    expect_open(NULL, out, n, NOW, OR_R_V3_BEACON_FIELD);
    out[5] = 0;
    out[4] = 0;
    expect_open(NULL, out, n, NOW, OR_R_MSG_TYPE);
    out[4] = OR_V3_BEACON_ANNOUNCE;
    expect_open(NULL, out, n - 1, NOW, OR_R_V3_TRUNCATED);
    out[n] = 0;
    expect_open(NULL, out, n + 1, NOW, OR_R_V3_TRAILING);
    out[0] = 'X';
    expect_open(NULL, out, n, NOW, OR_R_V3_MAGIC);
}

/* the sector at 64 bytes builds and opens; a datagram of
 * OR_V3_BEACON_MAX + 1 bytes is refused before anything is read */
static void
test_bounds(void **state)
{
    or_v3_beacon_t  b = fields(OR_V3_BEACON_ANNOUNCE, 1), o;
    unsigned char   out[OR_V3_BEACON_MAX + 1];
    size_t          n;

    (void) state;
    memset(b.sector, 's', OR_V3_BEACON_SECTOR_MAX);
    b.sector[OR_V3_BEACON_SECTOR_MAX] = '\0';
    assert_int_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                        sizeof(out), &n, NULL), OR_OK);
    assert_int_equal(or_v3_beacon_open(nk, out, n, NOW, &o, NULL), OR_OK);
    assert_int_equal(strlen(o.sector), OR_V3_BEACON_SECTOR_MAX);
    memset(out, 0, sizeof(out));
    memcpy(out, OR_V3_BEACON_MAGIC, 4);
    expect_open(nk, out, OR_V3_BEACON_MAX + 1, NOW, OR_R_TOO_BIG);
    /* services: 1 + 14 x 16 + 15 = 240 bytes build; one byte more not */
    for (size_t k = 0; k < 15; k++) {
        memset(b.services[k], 'a' + (int) k, 14);
        b.services[k][14] = '\0';
    }
    b.services[14][13] = '\0';
    b.nservices = 15;
    assert_int_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                        sizeof(out), &n, NULL), OR_OK);
    assert_int_equal(or_v3_beacon_open(nk, out, n, NOW, &o, NULL), OR_OK);
    assert_int_equal(o.nservices, 15);
    assert_int_equal(strlen(o.services[14]), 13);
    b.services[14][13] = 'z';
    {
        or_errbuf_t eb;

        assert_int_not_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0,
                                                out, sizeof(out), &n, &eb),
                             OR_OK);
        assert_int_equal(eb.reason, OR_R_TOO_BIG);
    }
    b.nservices = 0;
    /* too small a buffer for build: refused, nothing written past cap */
    assert_int_not_equal(or_v3_beacon_build(ka, &b, nk, NULL, NULL, 0, out,
                                            100, &n, NULL), OR_OK);
}

/* a given signature must be ours over these bytes (no forging hook) */
static void
test_fixed_sig_checked(void **state)
{
    or_v3_beacon_t  b = fields(OR_V3_BEACON_ANNOUNCE, 1);
    unsigned char   out[OR_V3_BEACON_MAX], sig[256];
    size_t          n;

    (void) state;
    memset(sig, 0x5a, sizeof(sig));
    assert_int_not_equal(or_v3_beacon_build(ka, &b, nk, NULL, sig,
                                            sizeof(sig), out, sizeof(out),
                                            &n, NULL), OR_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net_key_vector),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_forged_goodbye),
        cmocka_unit_test(test_type_signed),
        cmocka_unit_test(test_key_not_bound),
        cmocka_unit_test(test_verify_key),
        cmocka_unit_test(test_seal),
        cmocka_unit_test(test_ts_window),
        cmocka_unit_test(test_newer),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_fixed_sig_checked),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
