/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_key_cache.c (issue 20): a returning peer's key is
 * found by the SHA-256 of its PEM, the cache holds at most its bound and
 * forgets the least recently used, a different digest (even in the same
 * bucket) never hits, and the request check takes a cached key only for
 * the very bytes that were imported.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "openred.h"
#include "or_key_cache.h"

static or_key_t *key_a, *key_b, *key_node;

static int
setup(void **state)
{
    or_errbuf_t eb;

    (void) state;
    assert_int_equal(or_key_generate(&key_a, &eb), OR_OK);
    assert_int_equal(or_key_generate(&key_b, &eb), OR_OK);
    assert_int_equal(or_key_generate(&key_node, &eb), OR_OK);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    or_key_free(key_a);
    or_key_free(key_b);
    or_key_free(key_node);
    return 0;
}

/* a fresh import of key's public PEM (its own object) */
static or_pubkey_t *
pub_of(const or_key_t *key)
{
    or_pubkey_t *pk;
    or_errbuf_t  eb;
    const char  *pem;
    size_t       n;

    pem = or_key_public_pem(key, &n);
    assert_int_equal(or_pubkey_import(pem, n, &pk, &eb), OR_OK);
    return pk;
}

/* digest number i: first 8 bytes i (its bucket), the rest from tail */
static void
md_at(uint64_t i, unsigned char tail, unsigned char *md)
{
    memset(md, tail, OR_KEY_CACHE_MD_LEN);
    memcpy(md, &i, sizeof(i));
}

static void
test_or_key_cache_hit_returns_a_reference(void **state)
{
    or_key_cache_t       *kc;
    or_key_cache_stats_t  st;
    or_pubkey_t          *pk = pub_of(key_a), *got;
    unsigned char         md[OR_KEY_CACHE_MD_LEN];

    (void) state;
    assert_int_equal(or_key_cache_new(4, &kc), OR_OK);
    md_at(1, 0, md);
    assert_null(or_key_cache_find(kc, md));
    or_key_cache_add(kc, md, pk);
    or_key_cache_add(kc, md, pk);               /* already there */
    got = or_key_cache_find(kc, md);
    assert_ptr_equal(got, pk);
    or_key_cache_stats(kc, &st);
    assert_int_equal(st.count, 1);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 1);
    /* the cache's reference goes with it; ours and got's stay usable */
    or_key_cache_free(kc);
    or_pubkey_free(got);
    assert_string_equal(or_pubkey_fingerprint(pk), or_key_fingerprint(key_a));
    or_pubkey_free(pk);
}

static void
test_or_key_cache_bound_evicts_least_recent(void **state)
{
    or_key_cache_t       *kc;
    or_key_cache_stats_t  st;
    or_pubkey_t          *pk = pub_of(key_a), *got;
    unsigned char         md[5][OR_KEY_CACHE_MD_LEN];

    (void) state;
    assert_int_equal(or_key_cache_new(3, &kc), OR_OK);
    for (int i = 0; i < 5; i++) {
        md_at((uint64_t) i, 0, md[i]);
    }
    /* exactly the bound: nothing goes */
    for (int i = 0; i < 3; i++) {
        or_key_cache_add(kc, md[i], pk);
    }
    or_key_cache_stats(kc, &st);
    assert_int_equal(st.count, 3);
    assert_int_equal(st.evictions, 0);
    /* 0 used again: 1 is now the least recent, and goes for 3 */
    got = or_key_cache_find(kc, md[0]);
    assert_non_null(got);
    or_pubkey_free(got);
    or_key_cache_add(kc, md[3], pk);
    or_key_cache_stats(kc, &st);
    assert_int_equal(st.count, 3);
    assert_int_equal(st.evictions, 1);
    assert_null(or_key_cache_find(kc, md[1]));
    for (int i = 0; i < 4; i++) {
        if (i == 1) {
            continue;
        }
        got = or_key_cache_find(kc, md[i]);
        assert_non_null(got);
        or_pubkey_free(got);
    }
    /* one past the bound again: the least recent is 0 (the loop above
     * found 0, 2, 3 in that order) */
    or_key_cache_add(kc, md[4], pk);
    assert_null(or_key_cache_find(kc, md[0]));
    got = or_key_cache_find(kc, md[2]);
    assert_non_null(got);
    or_pubkey_free(got);
    or_key_cache_stats(kc, &st);
    assert_int_equal(st.count, 3);
    assert_int_equal(st.evictions, 2);
    or_key_cache_free(kc);
    or_pubkey_free(pk);
}

static void
test_or_key_cache_other_digest_never_hits(void **state)
{
    or_key_cache_t *kc;
    or_pubkey_t    *pk = pub_of(key_a);
    unsigned char   md[OR_KEY_CACHE_MD_LEN], other[OR_KEY_CACHE_MD_LEN];

    (void) state;
    assert_int_equal(or_key_cache_new(16, &kc), OR_OK);
    md_at(7, 0xaa, md);
    or_key_cache_add(kc, md, pk);
    /* the same bucket (first 8 bytes), the last byte differs */
    memcpy(other, md, sizeof(other));
    other[OR_KEY_CACHE_MD_LEN - 1] ^= 1;
    assert_null(or_key_cache_find(kc, other));
    /* a first byte differs */
    memcpy(other, md, sizeof(other));
    other[0] ^= 0x80;
    assert_null(or_key_cache_find(kc, other));
    or_key_cache_free(kc);
    or_pubkey_free(pk);
}

static void
test_or_key_cache_zero_keeps_nothing(void **state)
{
    or_key_cache_t       *kc;
    or_key_cache_stats_t  st;
    or_pubkey_t          *pk = pub_of(key_a);
    unsigned char         md[OR_KEY_CACHE_MD_LEN];

    (void) state;
    assert_int_equal(or_key_cache_new(0, &kc), OR_OK);
    md_at(1, 0, md);
    or_key_cache_add(kc, md, pk);
    assert_null(or_key_cache_find(kc, md));
    or_key_cache_stats(kc, &st);
    assert_int_equal(st.count, 0);
    or_key_cache_free(kc);
    or_pubkey_free(pk);
}

/* the request check through the hooks: the first request of a peer
 * imports and adds its key, the next one finds it; another peer's PEM
 * misses and gets its own entry */
static void
test_or_key_cache_request_check_hooks(void **state)
{
    or_key_cache_t       *kc;
    or_key_cache_stats_t  st;
    or_pubkey_cache_t     hooks;
    or_v2_request_t       r1, r2, r3;
    or_errbuf_t           eb;
    char                  req[OR_HANDSHAKE_MAX];
    size_t                len;
    int64_t               now = (int64_t) time(NULL);
    const char           *fp = or_key_fingerprint(key_node);

    (void) state;
    assert_int_equal(or_key_cache_new(8, &kc), OR_OK);
    or_key_cache_hooks(kc, &hooks);
    assert_int_equal(or_v2_request_build(key_a, fp, now, req, sizeof(req),
                                         &len, &eb), OR_OK);
    assert_int_equal(or_v2_request_check_cached(req, len, fp, now, 300,
                                                &hooks, &r1, &eb), OR_OK);
    assert_int_equal(or_v2_request_build(key_a, fp, now, req, sizeof(req),
                                         &len, &eb), OR_OK);
    assert_int_equal(or_v2_request_check_cached(req, len, fp, now, 300,
                                                &hooks, &r2, &eb), OR_OK);
    or_key_cache_stats(kc, &st);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.count, 1);
    assert_ptr_equal(r1.peer_key, r2.peer_key);
    assert_string_equal(r2.source, or_key_fingerprint(key_a));
    /* another key: a miss, its own object */
    assert_int_equal(or_v2_request_build(key_b, fp, now, req, sizeof(req),
                                         &len, &eb), OR_OK);
    assert_int_equal(or_v2_request_check_cached(req, len, fp, now, 300,
                                                &hooks, &r3, &eb), OR_OK);
    or_key_cache_stats(kc, &st);
    assert_int_equal(st.misses, 2);
    assert_int_equal(st.count, 2);
    assert_ptr_not_equal(r3.peer_key, r1.peer_key);
    assert_string_equal(or_pubkey_fingerprint(r3.peer_key),
                        or_key_fingerprint(key_b));
    /* the requests keep their keys past the cache */
    or_key_cache_free(kc);
    or_v2_request_clear(&r1);
    or_v2_request_clear(&r2);
    assert_string_equal(or_pubkey_fingerprint(r3.peer_key),
                        or_key_fingerprint(key_b));
    or_v2_request_clear(&r3);
}

/* a cached key does not let a bad signature through */
static void
test_or_key_cache_hit_still_verifies(void **state)
{
    or_key_cache_t     *kc;
    or_pubkey_cache_t   hooks;
    or_v2_request_t     r;
    or_errbuf_t         eb;
    char                req[OR_HANDSHAKE_MAX], *sig;
    size_t              len;
    int64_t             now = (int64_t) time(NULL);
    const char         *fp = or_key_fingerprint(key_node);

    (void) state;
    assert_int_equal(or_key_cache_new(8, &kc), OR_OK);
    or_key_cache_hooks(kc, &hooks);
    assert_int_equal(or_v2_request_build(key_a, fp, now, req, sizeof(req),
                                         &len, &eb), OR_OK);
    assert_int_equal(or_v2_request_check_cached(req, len, fp, now, 300,
                                                &hooks, &r, &eb), OR_OK);
    or_v2_request_clear(&r);
    /* the same key (a hit), a signature character changed */
    assert_int_equal(or_v2_request_build(key_a, fp, now, req, sizeof(req),
                                         &len, &eb), OR_OK);
    sig = strstr(req, "\"signature\": \"");
    assert_non_null(sig);
    sig += strlen("\"signature\": \"") + 10;
    *sig = *sig == 'A' ? 'B' : 'A';
    assert_int_equal(or_v2_request_check_cached(req, len, fp, now, 300,
                                                &hooks, &r, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_BAD_SIGNATURE);
    or_key_cache_free(kc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_key_cache_hit_returns_a_reference),
        cmocka_unit_test(test_or_key_cache_bound_evicts_least_recent),
        cmocka_unit_test(test_or_key_cache_other_digest_never_hits),
        cmocka_unit_test(test_or_key_cache_zero_keeps_nothing),
        cmocka_unit_test(test_or_key_cache_request_check_hooks),
        cmocka_unit_test(test_or_key_cache_hit_still_verifies),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
