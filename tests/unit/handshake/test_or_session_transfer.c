/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests of src/handshake/or_session_transfer.c, the state a reload
 * hands from an old worker to a new one: v2 and v3 round trips with every
 * field, each bound at and one past its value, the largest state at
 * exactly OR_TRANSFER_STATE_MAX bytes, every truncation, a byte more, and
 * garbled fields, all refused with the state wiped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "or_session.h"
#include "or_session_transfer.h"

#define BUF  (OR_TRANSFER_STATE_MAX + 64)

static void
fill(or_transfer_state_t *st, int v3)
{
    memset(st, 0, sizeof(*st));
    st->id = UINT64_C(0x0102030405060708);
    st->slot = 16383;
    strcpy(st->node, "node-a");
    strcpy(st->peer, "0123456789abcdef");
    strcpy(st->ours, "fedcba9876543210");
    strcpy(st->link, "00112233445566778899aabbccddeeff");
    strcpy(st->address, "127.0.0.1:40000");
    strcpy(st->listen, "0.0.0.0:9001");
    strcpy(st->sector, "tech");
    st->direction = OR_SESSION_OUT;
    st->framing = v3 ? OR_FRAMING_V3 : OR_FRAMING_V2;
    st->since = INT64_C(1764000000);
    st->messages_in = 7;
    st->messages_out = UINT64_MAX;
    st->bytes_in = 1000;
    st->bytes_out = 2000;
    st->messages_dropped = 3;
    st->conn_in = 4096;
    st->conn_out = 8192;
    st->quiet_ms = 1234;
    if (v3) {
        st->rec.suite = OR_V3_SUITE_AESGCM;
        memset(st->rec.tx_key, 0xa5, sizeof(st->rec.tx_key));
        memset(st->rec.rx_key, 0x5a, sizeof(st->rec.rx_key));
        st->rec.tx_ctr = OR_V3_REKEY_RECORDS - 1;
        st->rec.rx_ctr = 42;
        st->rec.tx_rekeys = 2;
        st->rec.rx_rekeys = 1;
        st->rec.tx_since = INT64_C(1764000000123);
        st->rec.tx_closed = 0;
        st->rec.rx_closed = 1;
        st->v3_in_age_ms = 500;
        st->v3_out_age_ms = 600;
    }
    st->inlen = 10;
    st->outlen = 20;
}

static size_t
enc(const or_transfer_state_t *st, unsigned char *b)
{
    size_t  n = 0;

    assert_int_equal(or_transfer_encode(st, b, BUF, &n), OR_OK);
    return n;
}

static void
refused(const unsigned char *b, size_t n)
{
    or_transfer_state_t  st;
    const char          *why = NULL;
    static const or_transfer_state_t  zero;

    assert_int_equal(or_transfer_decode(b, n, &st, &why), OR_EPROTO);
    assert_non_null(why);
    assert_memory_equal(&st, &zero, sizeof(st));    /* wiped */
}

static void
round_trip(int v3)
{
    or_transfer_state_t  a, b;
    unsigned char        buf[BUF];
    const char          *why = NULL;
    size_t               n;

    fill(&a, v3);
    n = enc(&a, buf);
    assert_int_equal(or_transfer_decode(buf, n, &b, &why), OR_OK);
    assert_memory_equal(&a, &b, sizeof(a));
    or_transfer_wipe(&b);
}

static void
test_round_trip_v2(void **state)
{
    (void) state;
    round_trip(0);
}

static void
test_round_trip_v3(void **state)
{
    (void) state;
    round_trip(1);
}

/* the largest state there is takes exactly OR_TRANSFER_STATE_MAX bytes,
 * and a buffer one byte shorter is refused, not overrun */
static void
test_largest(void **state)
{
    or_transfer_state_t  a;
    unsigned char        buf[BUF];
    size_t               n = 0;

    (void) state;
    fill(&a, 1);
    memset(a.node, 'n', OR_TRANSFER_NODE_MAX);
    a.node[OR_TRANSFER_NODE_MAX] = '\0';
    memset(a.address, 'a', OR_TRANSFER_ADDR_MAX);
    a.address[OR_TRANSFER_ADDR_MAX] = '\0';
    memset(a.listen, 'l', OR_TRANSFER_ADDR_MAX);
    a.listen[OR_TRANSFER_ADDR_MAX] = '\0';
    memset(a.sector, 's', OR_TRANSFER_SECTOR_MAX);
    a.sector[OR_TRANSFER_SECTOR_MAX] = '\0';
    a.inlen = OR_TRANSFER_IN_MAX;
    a.outlen = OR_TRANSFER_OUT_MAX;
    assert_int_equal(enc(&a, buf), OR_TRANSFER_STATE_MAX);
    assert_int_equal(or_transfer_encode(&a, buf, OR_TRANSFER_STATE_MAX - 1,
                                        &n), OR_ETOOBIG);
    round_trip(1);
}

/* each bound: at it encodes and decodes, one past it is refused */
static void
test_bounds(void **state)
{
    or_transfer_state_t  a;
    unsigned char        buf[BUF];
    size_t               n;

    (void) state;
#define AT_AND_PAST(v3, field, at, past)                                   \
    do {                                                                   \
        fill(&a, v3);                                                      \
        a.field = (at);                                                    \
        n = enc(&a, buf);                                                  \
        assert_true(n > 0);                                                \
        fill(&a, v3);                                                      \
        a.field = (past);                                                  \
        assert_int_equal(or_transfer_encode(&a, buf, BUF, &n), OR_EPROTO); \
    } while (0)
    AT_AND_PAST(0, inlen, OR_MESSAGE_MAX, OR_MESSAGE_MAX + 1);
    AT_AND_PAST(1, inlen, OR_TRANSFER_IN_MAX, OR_TRANSFER_IN_MAX + 1);
    AT_AND_PAST(0, outlen, OR_TRANSFER_OUT_MAX, OR_TRANSFER_OUT_MAX + 1);
    AT_AND_PAST(1, rec.tx_ctr, OR_V3_REKEY_RECORDS - 1, OR_V3_REKEY_RECORDS);
    AT_AND_PAST(1, rec.rx_ctr, OR_V3_REKEY_RECORDS - 1, OR_V3_REKEY_RECORDS);
    AT_AND_PAST(1, rec.tx_closed, 1, 2);
    AT_AND_PAST(1, direction, OR_SESSION_OUT, OR_SESSION_OUT + 1);
    AT_AND_PAST(0, framing, OR_FRAMING_V2, OR_FRAMING_V3 + 1);
#undef AT_AND_PAST
    /* strings: the longest, and one byte more (the struct has room) */
    fill(&a, 0);
    memset(a.sector, 's', OR_TRANSFER_SECTOR_MAX);
    a.sector[OR_TRANSFER_SECTOR_MAX] = '\0';
    n = enc(&a, buf);
    assert_true(n > 0);
    fill(&a, 0);
    a.node[0] = '\0';
    assert_int_equal(or_transfer_encode(&a, buf, BUF, &n), OR_EPROTO);
    fill(&a, 0);
    a.link[0] = '\0';                   /* a v2 link may be absent */
    n = enc(&a, buf);
    assert_true(n > 0);
    fill(&a, 0);
    a.link[5] = '\0';                   /* but never short */
    assert_int_equal(or_transfer_encode(&a, buf, BUF, &n), OR_EPROTO);
    fill(&a, 0);
    a.peer[3] = 'G';
    assert_int_equal(or_transfer_encode(&a, buf, BUF, &n), OR_EPROTO);
    fill(&a, 0);
    a.node[2] = '\n';                   /* goes into log lines */
    assert_int_equal(or_transfer_encode(&a, buf, BUF, &n), OR_EPROTO);
    fill(&a, 1);
    a.rec.suite = 3;
    assert_int_equal(or_transfer_encode(&a, buf, BUF, &n), OR_EPROTO);
}

/* every prefix of a valid state, and one byte more, is refused */
static void
test_truncated_and_long(void **state)
{
    or_transfer_state_t  a;
    unsigned char        buf[BUF];
    size_t               n;

    (void) state;
    for (int v3 = 0; v3 <= 1; v3++) {
        fill(&a, v3);
        n = enc(&a, buf);
        for (size_t k = 0; k < n; k++) {
            refused(buf, k);
        }
        buf[n] = 0;
        refused(buf, n + 1);
    }
    refused(buf, OR_TRANSFER_STATE_MAX + 1);
}

/* fields garbled on the way: each refused by the decoder itself */
static void
test_garbled(void **state)
{
    or_transfer_state_t  a, b;
    unsigned char        buf[BUF], g[BUF];
    const char          *why;
    size_t               n, at_peer, at_suite;

    (void) state;
    fill(&a, 1);
    n = enc(&a, buf);
    /* magic, version, framing, direction, by offset */
    static const size_t  at[] = { 0, 4, 5, 6 };
    static const unsigned char  val[] = { 'X', 2, 9, 9 };
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        memcpy(g, buf, n);
        g[at[i]] = val[i];
        refused(g, n);
    }
    /* a v3 state that says v2 leaves the v3 part as bytes too many */
    memcpy(g, buf, n);
    g[5] = OR_FRAMING_V2;
    refused(g, n);
    /* a node-id length past its bound, and past the end */
    memcpy(g, buf, n);
    g[19] = OR_TRANSFER_NODE_MAX + 1;
    refused(g, n);
    memcpy(g, buf, n);
    g[19] = 0;
    refused(g, n);
    /* the peer fingerprint, not hex */
    at_peer = 20 + strlen(a.node);
    memcpy(g, buf, n);
    g[at_peer] = 'Z';
    refused(g, n);
    /* the suite: after the strings, since and 8 counters */
    at_suite = at_peer + 2 * OR_FP_LEN + 1 + strlen(a.link) + 1
               + strlen(a.address) + 1 + strlen(a.listen) + 1
               + strlen(a.sector) + 8 + 8 * 8;
    memcpy(g, buf, n);
    assert_int_equal(g[at_suite + 1], OR_V3_SUITE_AESGCM);
    g[at_suite + 1] = 3;
    refused(g, n);
    /* buffered lengths past their bound (the last 8 bytes) */
    memcpy(g, buf, n);
    g[n - 8] = 0x7f;
    refused(g, n);
    memcpy(g, buf, n);
    g[n - 4] = 0x7f;
    refused(g, n);
    /* any single byte flipped: refused, or a state that passes the checks
     * (a counter, a key), never anything else */
    for (size_t k = 0; k < n; k++) {
        memcpy(g, buf, n);
        g[k] ^= 0x80;
        why = NULL;
        if (or_transfer_decode(g, n, &b, &why) == OR_OK) {
            assert_true(b.inlen <= OR_TRANSFER_IN_MAX);
            assert_true(b.outlen <= OR_TRANSFER_OUT_MAX);
            assert_int_equal(strlen(b.peer), OR_FP_LEN);
        } else {
            assert_non_null(why);
        }
        or_transfer_wipe(&b);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_v2),
        cmocka_unit_test(test_round_trip_v3),
        cmocka_unit_test(test_largest),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_truncated_and_long),
        cmocka_unit_test(test_garbled),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
