/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Peer exchange's response policy (or_pex.c): only an address inside a
 * record whose signature verifies, for this network, live, within the
 * size bound, reaches or_dial_hint() (a handler stands in for the
 * dialling module); a response of more than OR_PEX_RECORDS_MAX records
 * is refused whole, before any verify; ours are verified, not dialled.
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
#include <netinet/in.h>
#include <cmocka.h>

#include <jansson.h>

#include "openred.h"
#include "or_dial.h"
#include "or_pex.h"
#include "or_peer_record.h"
#include "or_test_vectors.h"

#define NOW     1800000000
#define PASS    "a test network"
#define BAD     "10.9.9.9:1"        /* no valid signature covers it */

static or_key_t       *ka, *kb;
static or_peer_keys_t  net;

/* the dialling module, mocked: every hint it is given */
static int   hints;
static char  hinted[64][64];

static or_err_t
mock_dial(size_t node, const struct sockaddr *sa, socklen_t salen,
    const unsigned char *id, const char *source, void *data)
{
    const struct sockaddr_in *sin = (const struct sockaddr_in *) sa;
    char                      ip[INET_ADDRSTRLEN];

    (void) salen;
    (void) id;
    (void) data;
    assert_int_equal(node, 3);
    assert_string_equal(source, "exchange");
    inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
    if (hints < 64) {
        snprintf(hinted[hints], sizeof(hinted[0]), "%s:%u", ip,
                 ntohs(sin->sin_port));
    }
    hints++;
    return OR_OK;
}

static int
setup(void **state)
{
    char        path[64];
    or_errbuf_t eb;

    (void) state;
    memset(&eb, 0, sizeof(eb));
    assert_int_equal(or_test_copy("node-a.key.pem", 0600, path), 0);
    assert_int_equal(or_key_load(path, &ka, &eb), OR_OK);
    unlink(path);
    assert_int_equal(or_test_copy("node-b.key.pem", 0600, path), 0);
    assert_int_equal(or_key_load(path, &kb, &eb), OR_OK);
    unlink(path);
    assert_int_equal(or_peer_keys(PASS, strlen(PASS), &net, &eb), OR_OK);
    or_dial_hint_handler(mock_dial, NULL);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    or_dial_hint_handler(NULL, NULL);
    or_key_free(ka);
    or_key_free(kb);
    return 0;
}

static void
reset(void)
{
    hints = 0;
    memset(hinted, 0, sizeof(hinted));
}

/* key's signed record naming addr, for the network of pass, made at ts */
static json_t *
signed_record(const or_key_t *key, const char *pass, const char *addr,
    int64_t ts)
{
    or_peer_keys_t    k;
    or_peer_record_t  r;
    char              text[OR_PEER_TEXT_MAX + 1];
    size_t            len;
    json_t           *o;

    assert_int_equal(or_peer_keys(pass, strlen(pass), &k, NULL), OR_OK);
    memset(&r, 0, sizeof(r));
    snprintf(r.addrs[0], OR_PEER_REC_ADDR_LEN, "%s", addr);
    r.naddrs = 1;
    r.ts = ts;
    r.ttl = 300;
    assert_int_equal(or_peer_record_sign(&k, key, &r, text, sizeof(text),
                                         &len, NULL), OR_OK);
    o = json_loadb(text, len, 0, NULL);
    assert_non_null(o);
    return o;
}

static json_t *
response(json_t *records)
{
    return json_pack("{s:s, s:o}", "type", "pex_response", "records",
                     records);
}

static int
own_none(const unsigned char *id, void *data)
{
    (void) id;
    (void) data;
    return 0;
}

static void
test_pex_record_round_trip(void **state)
{
    json_t           *o = signed_record(kb, PASS, "10.0.0.2:9001", NOW);
    or_peer_record_t  r;
    unsigned char     id[OR_V3_ID_LEN];
    char             *text;

    (void) state;
    assert_int_equal(or_pex_record_check(&net, o, NOW, &r, &text, NULL),
                     OR_OK);
    assert_int_equal(r.naddrs, 1);
    assert_string_equal(r.addrs[0], "10.0.0.2:9001");
    assert_int_equal(or_v3_key_id(kb, id, NULL), OR_OK);
    assert_memory_equal(r.id, id, OR_V3_ID_LEN);
    /* what is kept and forwarded verifies again */
    assert_int_equal(or_peer_record_parse(&net, text, strlen(text), NOW, &r,
                                          NULL), OR_OK);
    free(text);
    json_decref(o);
}

/* One good record among every kind of bad one: the good one's signed
 * address is the one hint; BAD is never dialled. */
static void
test_pex_only_verified_dialled(void **state)
{
    json_t          *a = json_array(), *good, *forged, *unbound, *big, *msg;
    json_t          *ka_rec;
    or_pex_tally_t   t;
    char             pad[OR_PEX_RECORD_MAX];

    (void) state;
    reset();
    /* good, with BAD beside its signed fields */
    good = signed_record(kb, PASS, "10.0.0.2:9001", NOW);
    json_object_set_new(good, "addr", json_string(BAD));
    json_object_set_new(good, "addresses", json_pack("[s]", BAD));
    json_array_append_new(a, good);
    /* forged: BAD in place of the signed address */
    forged = signed_record(kb, PASS, "10.0.0.2:9001", NOW);
    json_object_set_new(forged, "addrs", json_pack("[s]", BAD));
    json_array_append_new(a, forged);
    /* another network */
    json_array_append_new(a, signed_record(kb, "another network", BAD, NOW));
    /* expired: made ttl + 1 s ago */
    json_array_append_new(a, signed_record(kb, PASS, BAD, NOW - 301));
    /* the key is not the one its id names */
    unbound = signed_record(kb, PASS, BAD, NOW);
    ka_rec = signed_record(ka, PASS, BAD, NOW);
    json_object_set(unbound, "key", json_object_get(ka_rec, "key"));
    json_decref(ka_rec);
    json_array_append_new(a, unbound);
    /* too big: validly signed, padded over OR_PEX_RECORD_MAX */
    big = signed_record(kb, PASS, BAD, NOW);
    memset(pad, 'x', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    json_object_set_new(big, "pad", json_string(pad));
    json_array_append_new(a, big);
    msg = response(a);
    /* and BAD beside the records */
    json_object_set_new(msg, "addrs", json_pack("[s]", BAD));

    assert_int_equal(or_pex_take_response(3, &net, msg, NOW, own_none, NULL,
                                          NULL, &t), OR_OK);
    assert_int_equal(hints, 1);
    assert_string_equal(hinted[0], "10.0.0.2:9001");
    assert_int_equal(t.c[OR_PEX_REC_RECEIVED], 6);
    assert_int_equal(t.c[OR_PEX_REC_VERIFIED], 1);
    assert_int_equal(t.c[OR_PEX_REC_REFUSED], 5);
    assert_int_equal(t.c[OR_PEX_DIALLED], 1);
    assert_non_null(strstr(t.why, "record 2: "));
    json_decref(msg);
}

/* a record of exactly OR_PEX_RECORD_MAX bytes is taken, one more is not */
static void
test_pex_record_size_bound(void **state)
{
    json_t          *o;
    or_peer_record_t r;
    size_t           n;
    char            *pad;

    (void) state;
    o = signed_record(kb, PASS, "10.0.0.2:9001", NOW);
    json_object_set_new(o, "pad", json_string(""));
    n = json_dumpb(o, NULL, 0, JSON_COMPACT);
    pad = calloc(1, OR_PEX_RECORD_MAX - n + 2);
    memset(pad, 'x', OR_PEX_RECORD_MAX - n);
    json_object_set_new(o, "pad", json_string(pad));
    assert_int_equal(json_dumpb(o, NULL, 0, JSON_COMPACT), OR_PEX_RECORD_MAX);
    assert_int_equal(or_pex_record_check(&net, o, NOW, &r, NULL, NULL),
                     OR_OK);
    pad[OR_PEX_RECORD_MAX - n] = 'x';
    json_object_set_new(o, "pad", json_string(pad));
    assert_int_equal(json_dumpb(o, NULL, 0, JSON_COMPACT),
                     OR_PEX_RECORD_MAX + 1);
    assert_int_equal(or_pex_record_check(&net, o, NOW, &r, NULL, NULL),
                     OR_ETOOBIG);
    free(pad);
    json_decref(o);
}

/* OR_PEX_RECORDS_MAX records: each taken; one more: refused whole */
static void
test_pex_records_bound(void **state)
{
    json_t          *a, *rec, *msg;
    or_pex_tally_t   t;

    (void) state;
    rec = signed_record(kb, PASS, "10.0.0.2:9001", NOW);
    a = json_array();
    for (int i = 0; i < OR_PEX_RECORDS_MAX; i++) {
        json_array_append(a, rec);
    }
    msg = response(a);
    reset();
    assert_int_equal(or_pex_take_response(3, &net, msg, NOW, own_none, NULL,
                                          NULL, &t), OR_OK);
    assert_int_equal(hints, OR_PEX_RECORDS_MAX);
    assert_int_equal(t.c[OR_PEX_REC_VERIFIED], OR_PEX_RECORDS_MAX);
    json_array_append(json_object_get(msg, "records"), rec);
    reset();
    assert_int_equal(or_pex_take_response(3, &net, msg, NOW, own_none, NULL,
                                          NULL, &t), OR_EPROTO);
    assert_int_equal(hints, 0);
    assert_int_equal(t.c[OR_PEX_RESP_REFUSED], 1);
    assert_int_equal(t.c[OR_PEX_REC_RECEIVED], 0);   /* nothing verified */
    json_decref(msg);
    json_decref(rec);
}

static void
test_pex_response_shape(void **state)
{
    json_t          *msg = json_pack("{s:s, s:s}", "type", "pex_response",
                                     "records", "10.0.0.2:9001");
    or_pex_tally_t   t;

    (void) state;
    reset();
    assert_int_equal(or_pex_take_response(3, &net, msg, NOW, own_none, NULL,
                                          NULL, &t), OR_EPROTO);
    assert_int_equal(hints, 0);
    json_decref(msg);
    msg = response(json_pack("[s, i]", "10.0.0.2:9001", 1));
    assert_int_equal(or_pex_take_response(3, &net, msg, NOW, own_none, NULL,
                                          NULL, &t), OR_OK);
    assert_int_equal(t.c[OR_PEX_REC_REFUSED], 2);
    assert_int_equal(hints, 0);
    json_decref(msg);
}

static int
own_all(const unsigned char *id, void *data)
{
    (void) id;
    (void) data;
    return 1;
}

static void
test_pex_own_not_dialled(void **state)
{
    json_t          *msg = response(json_pack("[o]", signed_record(kb, PASS,
                                              "10.0.0.2:9001", NOW)));
    or_pex_tally_t   t;

    (void) state;
    reset();
    assert_int_equal(or_pex_take_response(3, &net, msg, NOW, own_all, NULL,
                                          NULL, &t), OR_OK);
    assert_int_equal(t.c[OR_PEX_REC_VERIFIED], 1);
    assert_int_equal(t.c[OR_PEX_REC_OWN], 1);
    assert_int_equal(hints, 0);
    json_decref(msg);
}

/* the kept records: one per (node, id), the latest; live ones collected
 * but the asker's; a full store gives up the one ending first */
static void
test_pex_store(void **state)
{
    or_pex_store_t  *st = calloc(1, sizeof(*st));
    unsigned char    id[OR_V3_ID_LEN];
    char             fp[OR_FP_LEN + 1], text[32];
    json_t          *a;

    (void) state;
    memset(id, 0, sizeof(id));
    id[0] = 0xab;
    or_pex_store_put(st, "A", id, NOW + 10, "{\"n\":1}", 7, NOW);
    or_pex_store_put(st, "A", id, NOW + 20, "{\"n\":2}", 7, NOW);
    id[0] = 0xcd;
    or_pex_store_put(st, "A", id, NOW + 30, "{\"n\":3}", 7, NOW);
    or_pex_store_put(st, "B", id, NOW + 30, "{\"n\":4}", 7, NOW);
    a = json_array();
    or_pex_store_collect(st, "A", NULL, NOW, a, 16);
    assert_int_equal(json_array_size(a), 2);       /* 1 was replaced by 2 */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0),
                     "n")), 2);
    json_array_clear(a);
    /* the asker's own record is not handed back to it */
    snprintf(fp, sizeof(fp), "cd%014d", 0);
    or_pex_store_collect(st, "A", fp, NOW, a, 16);
    assert_int_equal(json_array_size(a), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0),
                     "n")), 2);
    json_array_clear(a);
    /* expired at NOW + 21: only the one good until NOW + 30 */
    or_pex_store_collect(st, "A", NULL, NOW + 21, a, 16);
    assert_int_equal(json_array_size(a), 1);
    json_array_clear(a);
    /* max bounds the answer */
    or_pex_store_collect(st, "A", NULL, NOW, a, 1);
    assert_int_equal(json_array_size(a), 1);
    json_array_clear(a);
    /* full: every slot live; a newcomer replaces the one ending first */
    memset(st, 0, sizeof(*st));
    for (int i = 0; i < OR_PEX_STORE_MAX; i++) {
        id[0] = (unsigned char) i;
        id[1] = (unsigned char) (i >> 8);
        snprintf(text, sizeof(text), "{\"n\":%d}", i);
        or_pex_store_put(st, "A", id, NOW + 1000 - (i == 7 ? 900 : 0), text,
                         strlen(text), NOW);
    }
    id[0] = 0xff;
    id[1] = 0xff;
    or_pex_store_put(st, "A", id, NOW + 1000, "{\"n\":-1}", 8, NOW);
    assert_int_equal(st->e[7].id[0], 0xff);
    assert_string_equal(st->e[7].text, "{\"n\":-1}");
    /* a text over OR_PEX_RECORD_MAX is not kept */
    {
        char *big = calloc(1, OR_PEX_RECORD_MAX + 2);

        memset(big, 'x', OR_PEX_RECORD_MAX + 1);
        id[0] = 0xee;
        id[1] = 0xee;
        or_pex_store_put(st, "A", id, NOW + 2000, big, OR_PEX_RECORD_MAX + 1,
                         NOW);
        for (int i = 0; i < OR_PEX_STORE_MAX; i++) {
            assert_false(st->e[i].id[0] == 0xee && st->e[i].id[1] == 0xee);
        }
        free(big);
    }
    json_decref(a);
    free(st);
}

/* every counter has its status name; one past the last has none */
static void
test_pex_counter_names(void **state)
{
    (void) state;
    for (int c = 0; c < OR_PEX_C_LAST; c++) {
        assert_string_not_equal(or_pex_counter_name(c), "?");
        for (int d = 0; d < c; d++) {
            assert_string_not_equal(or_pex_counter_name(c),
                                    or_pex_counter_name(d));
        }
    }
    assert_string_equal(or_pex_counter_name(OR_PEX_C_LAST), "?");
    assert_string_equal(or_pex_counter_name(-1), "?");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pex_record_round_trip),
        cmocka_unit_test(test_pex_counter_names),
        cmocka_unit_test(test_pex_only_verified_dialled),
        cmocka_unit_test(test_pex_record_size_bound),
        cmocka_unit_test(test_pex_records_bound),
        cmocka_unit_test(test_pex_response_shape),
        cmocka_unit_test(test_pex_own_not_dialled),
        cmocka_unit_test(test_pex_store),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
