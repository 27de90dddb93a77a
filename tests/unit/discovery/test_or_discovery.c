/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_discovery.c and the daemon's use of or_v2_beacon_open:
 * a datagram opened with the keys or_discovery_key derives (the right one
 * found whatever its place, HMAC refusal when none fits), the original's
 * vector beacon at its own time and refused later as expired, junk refused
 * before any key, and the small helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "openred.h"
#include "or_discovery.h"
#include "or_test_vectors.h"

#define VECTOR_TIME  1764000002     /* meta.json beacon_time, integer */

static or_fernet_t *keys[2];        /* [0] private network, [1] default */

static int
setup(void **state)
{
    or_errbuf_t eb;

    if (or_discovery_key("a private health network", NULL, NULL, 0,
                         &keys[0], &eb) != OR_OK
        || or_discovery_key("OpenRed-P2P-Discovery-2025", NULL, NULL, 0,
                            &keys[1], &eb) != OR_OK)
    {
        return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    or_fernet_free(keys[0]);
    or_fernet_free(keys[1]);
    return 0;
}

/* nkeys 2: both keys; 1: the default key only */
static or_err_t
open_at(const char *dgram, size_t len, size_t nkeys, int64_t now,
    int64_t ttl, or_v2_beacon_t *b, size_t *k, or_errbuf_t *eb)
{
    or_fernet_time_t  t = { now, ttl, 60 };
    or_v2_opened_t    o;
    or_err_t          rc;

    rc = or_v2_beacon_open(keys + 2 - nkeys, nkeys, dgram, len, &t, &o, eb);
    if (rc == OR_OK) {
        *b = o.beacon;
        *k = o.key;
    }
    return rc;
}

static void
test_or_v2_beacon_open_disc_vector_second_key(void **state)
{
    size_t          len, k = 9;
    char           *tok = or_test_read("beacon-a.token", &len);
    or_v2_beacon_t  b;
    or_errbuf_t     eb;

    assert_non_null(tok);
    assert_int_equal(open_at(tok, len, 2, VECTOR_TIME + 5, 60, &b, &k, &eb),
                     OR_OK);
    assert_int_equal(k, 1);
    assert_string_equal(b.fingerprint, "08aca75be7a88fef");
    assert_string_equal(b.sector, "tech");
    assert_int_equal(b.port, 9001);
    assert_int_equal(b.nservices, 3);
    free(tok);
}

static void
test_or_v2_beacon_open_disc_vector_later_expired(void **state)
{
    size_t          len, k;
    char           *tok = or_test_read("beacon-a.token", &len);
    or_v2_beacon_t  b;
    or_errbuf_t     eb;

    assert_non_null(tok);
    assert_int_not_equal(open_at(tok, len, 2, VECTOR_TIME + 61, 60, &b, &k,
                                 &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_EXPIRED);
    /* and in the future beyond the skew */
    assert_int_not_equal(open_at(tok, len, 2, VECTOR_TIME - 61, 60, &b, &k,
                                 &eb), OR_OK);
    assert_int_equal(eb.reason, OR_R_FUTURE);
    free(tok);
}

static void
test_or_v2_beacon_open_disc_private_first_key(void **state)
{
    size_t          len, k = 9;
    char           *tok = or_test_read("beacon-b-private.token", &len);
    or_v2_beacon_t  b;
    or_errbuf_t     eb;

    assert_non_null(tok);
    assert_int_equal(open_at(tok, len, 2, VECTOR_TIME, 60, &b, &k, &eb),
                     OR_OK);
    assert_int_equal(k, 0);
    assert_string_equal(b.sector, "health");
    /* with the default key only: another network, refused on the HMAC */
    assert_int_not_equal(open_at(tok, len, 1, VECTOR_TIME, 60, &b, &k, &eb),
                         OR_OK);
    assert_int_equal(eb.reason, OR_R_HMAC);
    free(tok);
}

static void
test_or_v2_beacon_open_disc_bad_hmac_refused(void **state)
{
    size_t          len, k;
    char           *tok = or_test_read("beacon-a-bad-hmac.token", &len);
    or_v2_beacon_t  b;
    or_errbuf_t     eb;

    assert_non_null(tok);
    assert_int_not_equal(open_at(tok, len, 2, VECTOR_TIME, 60, &b, &k, &eb),
                         OR_OK);
    assert_int_equal(eb.reason, OR_R_HMAC);
    free(tok);
}

static void
test_or_v2_beacon_open_disc_junk_refused(void **state)
{
    static const char *junk[] = { "", "x", "not a token at all",
                                  "gAAAAA==", "\x80\x00\xff" };
    or_v2_beacon_t     b;
    or_errbuf_t        eb;
    size_t             k;

    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        assert_int_not_equal(open_at(junk[i], strlen(junk[i]), 2,
                                     VECTOR_TIME, 60, &b, &k, &eb), OR_OK);
        assert_int_not_equal(eb.reason, OR_R_NONE);
    }
}

static void
test_or_v2_beacon_open_disc_sealed_now(void **state)
{
    or_v2_beacon_t  in, out;
    char            tok[OR_BEACON_MAX];
    size_t          len, k;
    or_errbuf_t     eb;

    memset(&in, 0, sizeof(in));
    strcpy(in.fingerprint, "0123456789abcdef");
    memset(in.node_hash, 'a', OR_NODE_HASH_LEN);
    strcpy(in.sector, "tech");
    strcpy(in.zone_hash, "zone_0123456789abcdef");
    strcpy(in.ip, "127.0.0.1");
    in.port = 9009;
    in.timestamp = 2000000000.5;
    assert_int_equal(or_v2_beacon_seal(keys[1], &in, 2000000000, tok,
                                       sizeof(tok), &len, &eb), OR_OK);
    assert_int_equal(open_at(tok, len, 2, 2000000001, 60, &out, &k, &eb),
                     OR_OK);
    assert_string_equal(out.fingerprint, in.fingerprint);
    assert_int_equal(out.port, 9009);
}

static void
test_or_discovery_key_reuses_old(void **state)
{
    const char     *pass[2] = { "a private health network",
                                "OpenRed-P2P-Discovery-2025" };
    unsigned char   a[OR_FERNET_KEY_LEN], b[OR_FERNET_KEY_LEN];
    or_fernet_t    *fk;
    or_errbuf_t     eb;

    assert_int_equal(or_discovery_key(pass[1], keys, pass, 2, &fk, &eb),
                     OR_OK);
    or_fernet_export(fk, a);
    or_fernet_export(keys[1], b);
    assert_memory_equal(a, b, sizeof(a));
    or_fernet_free(fk);
}

static void
test_or_discovery_jitter_ms_within_ten_percent(void **state)
{
    or_rand_t r;
    uint64_t  lo = UINT64_MAX, hi = 0;

    or_rand_seed(&r, 7);
    for (int i = 0; i < 10000; i++) {
        uint64_t ms = or_discovery_jitter_ms(&r, 10);

        assert_true(ms >= 9000 && ms <= 11000);
        lo = ms < lo ? ms : lo;
        hi = ms > hi ? ms : hi;
    }
    /* the whole span is used, not one value */
    assert_true(lo < 9100 && hi > 10900);
}

/* Two daemons (two seeds) jitter apart: the bug was one unseeded
 * random() giving every process the same sequence. */
static void
test_or_discovery_jitter_ms_two_seeds_differ(void **state)
{
    or_rand_t a, b, a2;
    int       same = 0;

    or_rand_seed(&a, 1);
    or_rand_seed(&b, 2);
    or_rand_seed(&a2, 1);
    for (int i = 0; i < 100; i++) {
        uint64_t x = or_discovery_jitter_ms(&a, 10);

        same += x == or_discovery_jitter_ms(&b, 10);
        assert_int_equal(x, or_discovery_jitter_ms(&a2, 10));
    }
    /* 2001 values: a few equal draws by chance, never most of them */
    assert_true(same < 5);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_v2_beacon_open_disc_vector_second_key),
        cmocka_unit_test(test_or_v2_beacon_open_disc_vector_later_expired),
        cmocka_unit_test(test_or_v2_beacon_open_disc_private_first_key),
        cmocka_unit_test(test_or_v2_beacon_open_disc_bad_hmac_refused),
        cmocka_unit_test(test_or_v2_beacon_open_disc_junk_refused),
        cmocka_unit_test(test_or_v2_beacon_open_disc_sealed_now),
        cmocka_unit_test(test_or_discovery_key_reuses_old),
        cmocka_unit_test(test_or_discovery_jitter_ms_within_ten_percent),
        cmocka_unit_test(test_or_discovery_jitter_ms_two_seeds_differ),
    };

    alarm(30);
    return cmocka_run_group_tests(tests, setup, teardown);
}
