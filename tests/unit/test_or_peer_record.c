/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * DHT rendezvous records (src/crypto/or_peer_record.c): a sealed record opens
 * with its network's keys only; each bound (addresses, ttl, expiry, the
 * future skew, size) holds at its exact value and refuses one past it;
 * any changed byte is refused; the keys say nothing of the passphrase
 * and differ between networks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "openred.h"
#include "or_peer_record.h"
#include "or_test_vectors.h"

#define NOW  1800000000

static or_key_t *key;

static int
setup(void **state)
{
    char        path[64];
    or_errbuf_t eb;

    (void) state;
    memset(&eb, 0, sizeof(eb));
    assert_int_equal(or_test_copy("node-a.key.pem", 0600, path), 0);
    assert_int_equal(or_key_load(path, &key, &eb), OR_OK);
    unlink(path);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    or_key_free(key);
    return 0;
}

static void
keys(const char *pass, or_peer_keys_t *k)
{
    or_errbuf_t eb;

    memset(&eb, 0, sizeof(eb));
    assert_int_equal(or_peer_keys(pass, strlen(pass), k, &eb), OR_OK);
}

static void
record(or_peer_record_t *r, size_t naddrs, int64_t ttl)
{
    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < naddrs; i++) {
        snprintf(r->addrs[i], OR_PEER_REC_ADDR_LEN, i % 2 ? "[fd00::%zu]:9001"
                 : "10.0.0.%zu:9001", i + 1);
    }
    r->naddrs = naddrs;
    r->ts = NOW;
    r->ttl = ttl;
}

static or_err_t
seal(const or_peer_keys_t *k, const or_peer_record_t *r, unsigned char *buf,
    size_t *len)
{
    or_errbuf_t eb;

    memset(&eb, 0, sizeof(eb));
    return or_peer_record_seal(k, key, r, buf, OR_PEER_RECORD_MAX, len, &eb);
}

static or_err_t
open_at(const or_peer_keys_t *k, const unsigned char *buf, size_t len,
    int64_t now, or_peer_record_t *out, or_reason_t *why)
{
    or_errbuf_t eb;
    or_err_t    rc;

    memset(&eb, 0, sizeof(eb));
    rc = or_peer_record_open(k, buf, len, now, out, &eb);
    *why = eb.reason;
    return rc;
}

static void
test_peer_record_round_trip(void **state)
{
    or_peer_keys_t    k;
    or_peer_record_t  r, out;
    unsigned char    buf[OR_PEER_RECORD_MAX], id[OR_V3_ID_LEN];
    size_t           len;
    or_reason_t      why;
    or_errbuf_t      eb;

    (void) state;
    keys("a test network", &k);
    record(&r, 2, 300);
    assert_int_equal(seal(&k, &r, buf, &len), OR_OK);
    assert_int_equal(open_at(&k, buf, len, NOW, &out, &why), OR_OK);
    memset(&eb, 0, sizeof(eb));
    assert_int_equal(or_v3_key_id(key, id, &eb), OR_OK);
    assert_memory_equal(out.id, id, OR_V3_ID_LEN);
    assert_int_equal(out.naddrs, 2);
    assert_string_equal(out.addrs[0], "10.0.0.1:9001");
    assert_string_equal(out.addrs[1], "[fd00::2]:9001");
    assert_int_equal(out.ts, NOW);
    assert_int_equal(out.ttl, 300);
    /* the sealed bytes carry no address or id in the clear */
    assert_null(memmem(buf, len, "10.0.0.1", 8));
    assert_null(memmem(buf, len, "\"id\"", 4));
}

static void
test_peer_record_other_network(void **state)
{
    or_peer_keys_t    a, b;
    or_peer_record_t  r, out;
    unsigned char    buf[OR_PEER_RECORD_MAX];
    size_t           len;
    or_reason_t      why;

    (void) state;
    keys("a test network", &a);
    keys("another one", &b);
    assert_memory_not_equal(a.where, b.where, OR_PEER_KEY_LEN);
    assert_memory_not_equal(a.where, a.seal, OR_PEER_KEY_LEN);
    record(&r, 1, 300);
    assert_int_equal(seal(&a, &r, buf, &len), OR_OK);
    assert_int_equal(open_at(&b, buf, len, NOW, &out, &why), OR_EAUTH);
    assert_int_equal(why, OR_R_HMAC);
    /* same seal key, other where-key: the signature binds the network */
    b = a;
    b.where[0] ^= 1;
    assert_int_equal(open_at(&b, buf, len, NOW, &out, &why), OR_EAUTH);
    assert_int_equal(why, OR_R_BAD_SIGNATURE);
}

/* every byte changed is refused */
static void
test_peer_record_tampered(void **state)
{
    or_peer_keys_t    k;
    or_peer_record_t  r, out;
    unsigned char    buf[OR_PEER_RECORD_MAX];
    size_t           len;
    or_reason_t      why;

    (void) state;
    keys("a test network", &k);
    record(&r, 1, 300);
    assert_int_equal(seal(&k, &r, buf, &len), OR_OK);
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x20;
        assert_int_not_equal(open_at(&k, buf, len, NOW, &out, &why), OR_OK);
        buf[i] ^= 0x20;
    }
    assert_int_not_equal(open_at(&k, buf, len - 1, NOW, &out, &why), OR_OK);
    assert_int_equal(open_at(&k, buf, len, NOW, &out, &why), OR_OK);
}

/* live through ts + ttl, refused one second later; ts up to the skew
 * ahead of the clock, refused one second more */
static void
test_peer_record_time_bounds(void **state)
{
    or_peer_keys_t    k;
    or_peer_record_t  r, out;
    unsigned char    buf[OR_PEER_RECORD_MAX];
    size_t           len;
    or_reason_t      why;

    (void) state;
    keys("a test network", &k);
    record(&r, 1, 300);
    assert_int_equal(seal(&k, &r, buf, &len), OR_OK);
    assert_int_equal(open_at(&k, buf, len, NOW + 300, &out, &why), OR_OK);
    assert_int_equal(open_at(&k, buf, len, NOW + 301, &out, &why), OR_EAUTH);
    assert_int_equal(why, OR_R_EXPIRED);
    assert_int_equal(open_at(&k, buf, len, NOW - OR_PEER_SKEW_S, &out, &why),
                     OR_OK);
    assert_int_equal(open_at(&k, buf, len, NOW - OR_PEER_SKEW_S - 1, &out,
                             &why), OR_EAUTH);
    assert_int_equal(why, OR_R_FUTURE);
}

static void
test_peer_record_shape_bounds(void **state)
{
    or_peer_keys_t    k;
    or_peer_record_t  r, out;
    unsigned char    buf[OR_PEER_RECORD_MAX];
    size_t           len;
    or_reason_t      why;

    (void) state;
    keys("a test network", &k);
    record(&r, OR_PEER_REC_ADDRS_MAX, OR_PEER_TTL_MAX);
    assert_int_equal(seal(&k, &r, buf, &len), OR_OK);
    assert_int_equal(open_at(&k, buf, len, NOW, &out, &why), OR_OK);
    assert_int_equal(out.naddrs, OR_PEER_REC_ADDRS_MAX);
    r.naddrs = OR_PEER_REC_ADDRS_MAX + 1;     /* more than the struct holds */
    assert_int_equal(seal(&k, &r, buf, &len), OR_EPROTO);
    record(&r, 0, 300);
    assert_int_equal(seal(&k, &r, buf, &len), OR_EPROTO);
    record(&r, 1, OR_PEER_TTL_MAX + 1);
    assert_int_equal(seal(&k, &r, buf, &len), OR_EPROTO);
    record(&r, 1, 0);
    assert_int_equal(seal(&k, &r, buf, &len), OR_EPROTO);
    record(&r, 1, 300);
    snprintf(r.addrs[0], OR_PEER_REC_ADDR_LEN, "host.example:9001");
    assert_int_equal(seal(&k, &r, buf, &len), OR_EPROTO);
    snprintf(r.addrs[0], OR_PEER_REC_ADDR_LEN, "10.0.0.1:0");
    assert_int_equal(seal(&k, &r, buf, &len), OR_EPROTO);
    /* sizes: too short to hold a tag, over the maximum */
    assert_int_equal(open_at(&k, buf, 28, NOW, &out, &why), OR_ETOOBIG);
    assert_int_equal(open_at(&k, buf, OR_PEER_RECORD_MAX + 1, NOW, &out,
                             &why), OR_ETOOBIG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_record_round_trip),
        cmocka_unit_test(test_peer_record_other_network),
        cmocka_unit_test(test_peer_record_tampered),
        cmocka_unit_test(test_peer_record_time_bounds),
        cmocka_unit_test(test_peer_record_shape_bounds),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
