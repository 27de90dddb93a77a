/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The plaintext of a DHT record (or_peer_record_parse): its size bound at
 * the byte, JSON refused before any key work, the version, and each
 * address numeric "ip:port" / "[v6]:port" with a port 1..65535, checked
 * at both ends; the first bad address is named by its position.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "openred.h"
#include "or_peer_record.h"

#define NOW  1800000000
#define ID   "00112233445566778899aabbccddeeff" \
             "00112233445566778899aabbccddeeff"

static or_peer_keys_t  k;

static int
setup(void **state)
{
    or_errbuf_t  eb;

    (void) state;
    memset(&eb, 0, sizeof(eb));
    return or_peer_keys("net", 3, &k, &eb) == OR_OK ? 0 : -1;
}

/* parses text; *why its reason, msg its message */
static or_err_t
parse(const char *text, size_t len, or_reason_t *why, char *msg,
    size_t cap)
{
    or_peer_record_t  r;
    or_errbuf_t      eb;
    or_err_t         rc;

    memset(&eb, 0, sizeof(eb));
    rc = or_peer_record_parse(&k, text, len, NOW, &r, &eb);
    *why = eb.reason;
    snprintf(msg, cap, "%s", eb.msg);
    if (rc != OR_OK) {
        /* nothing of a refused record is left */
        assert_int_equal(r.naddrs, 0);
        assert_int_equal(r.ts, 0);
    }
    return rc;
}

/* a record of version v with one address addr, its key base64 key */
static char *
text_of(int v, const char *addr, const char *key)
{
    json_t  *o = json_pack("{s:i, s:s, s:s, s:s, s:I, s:i, s:[s]}", "v", v,
                           "id", ID, "key", key, "sig", "AAAA", "ts",
                           (json_int_t) NOW, "ttl", 300, "addrs", addr);
    char    *s;

    assert_non_null(o);
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    assert_non_null(s);
    return s;
}

/* the reason a record with address addr is refused; msg its message */
static or_reason_t
addr_reason(const char *addr, char *msg, size_t cap)
{
    char         *s = text_of(1, addr, "AAAA");
    or_reason_t   why;

    /* the key "AAAA" is no key: a good address goes on to it, and fails */
    assert_int_not_equal(parse(s, strlen(s), &why, msg, cap), OR_OK);
    free(s);
    return why;
}

static int
addr_refused(const char *addr)
{
    char  msg[256];

    return addr_reason(addr, msg, sizeof(msg)) == OR_R_JSON_SHAPE
           && strstr(msg, "address 1 is not numeric ip:port") != NULL;
}

static void
test_dht_parse_size_bound(void **state)
{
    char         *big = malloc(OR_PEER_RECORD_MAX + 1);
    char          msg[256];
    or_reason_t   why;

    (void) state;
    assert_non_null(big);
    memset(big, ' ', OR_PEER_RECORD_MAX + 1);
    assert_int_equal(parse(big, OR_PEER_RECORD_MAX + 1, &why, msg,
                           sizeof(msg)), OR_ETOOBIG);
    assert_int_equal(why, OR_R_TOO_BIG);
    /* at the bound: past the size check, refused as JSON instead */
    assert_int_not_equal(parse(big, OR_PEER_RECORD_MAX, &why, msg,
                               sizeof(msg)), OR_OK);
    assert_int_not_equal(why, OR_R_TOO_BIG);
    free(big);
}

static void
test_dht_parse_not_json(void **state)
{
    char         msg[256];
    or_reason_t  why;

    (void) state;
    assert_int_not_equal(parse("{\"v\":1,", 7, &why, msg, sizeof(msg)),
                         OR_OK);
    assert_int_not_equal(why, OR_R_NONE);
    assert_int_not_equal(why, OR_R_JSON_SHAPE);
}

static void
test_dht_parse_version(void **state)
{
    char         *s = text_of(2, "10.0.0.1:9001", "AAAA");
    char          msg[256];
    or_reason_t   why;

    (void) state;
    assert_int_equal(parse(s, strlen(s), &why, msg, sizeof(msg)),
                     OR_EPROTO);
    assert_int_equal(why, OR_R_JSON_SHAPE);
    assert_non_null(strstr(msg, "not a version 1 record"));
    free(s);
}

static void
test_dht_parse_addresses(void **state)
{
    char  msg[256];

    (void) state;
    /* good ones pass the address check (then the key fails) */
    assert_false(addr_refused("10.0.0.1:1"));
    assert_false(addr_refused("10.0.0.1:65535"));
    assert_false(addr_refused("[fd00::1]:9001"));
    assert_int_not_equal(addr_reason("10.0.0.1:9001", msg, sizeof(msg)),
                         OR_R_JSON_SHAPE);
    /* ports one past each end, none, too many digits, not digits */
    assert_true(addr_refused("10.0.0.1:0"));
    assert_true(addr_refused("10.0.0.1:65536"));
    assert_true(addr_refused("10.0.0.1:"));
    assert_true(addr_refused("10.0.0.1:009001"));
    assert_true(addr_refused("10.0.0.1:90a1"));
    /* no port, a name, v6 without brackets' port */
    assert_true(addr_refused("10.0.0.1"));
    assert_true(addr_refused("example.org:9001"));
    assert_true(addr_refused("[fd00::1]"));
    assert_true(addr_refused("[fd00::1]9001"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dht_parse_size_bound),
        cmocka_unit_test(test_dht_parse_not_json),
        cmocka_unit_test(test_dht_parse_version),
        cmocka_unit_test(test_dht_parse_addresses),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
