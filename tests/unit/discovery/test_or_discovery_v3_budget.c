/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The RSA verify budget of v3 beacons (or_discovery_v3.c): the token
 * bucket at its exact bounds, then or_discovery_v3_hear() on a real peers
 * zone. A forged beacon (a sequence bumped, the signature left as it was)
 * passes every cheap check for nothing, so: an id not remembered draws on
 * OR_DISC_V3_NEW_RATE a second, shared; a remembered id on its own
 * OR_DISC_V3_ID_RATE (burst 2 x). Over either, the beacon is refused
 * before the verify (v3_beacon_budget) and counted.
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

#include <openssl/evp.h>

#include "or_conf.h"
#include "or_discovery.h"
#include "or_cycle.h"
#include "or_discovery_peers.h"
#include "or_discovery_v3.h"
#include "or_evring.h"
#include "or_peers.h"
#include "or_shm.h"
#include "or_test_v3.h"

#define T0_MS  1764000000000LL
#define PASS   "OpenRed-P2P-Discovery-2025"

typedef struct {
    char           dir[64];
    or_cycle_t    *cycle;
    or_key_t      *ka;          /* the sender */
    or_fernet_t   *fk;
    or_disc_v3_t  *v;
    unsigned char  nk[OR_V3_KEY_LEN];
    uint64_t       seq;
    unsigned       port;        /* 0: 9002 */
} vb_t;

/* ---- the bucket alone ---- */

static void
test_bucket_burst_exact(void **state)
{
    or_disc_v3_bucket_t  b = { 0, 0 };

    (void) state;
    for (int i = 0; i < 200; i++) {
        assert_true(or_discovery_v3_bucket_take(&b, 200, 200, T0_MS));
    }
    assert_false(or_discovery_v3_bucket_take(&b, 200, 200, T0_MS));
    /* 200/s: 4 ms make 0.8 of a token, 5 ms one */
    assert_false(or_discovery_v3_bucket_take(&b, 200, 200, T0_MS + 4));
    assert_true(or_discovery_v3_bucket_take(&b, 200, 200, T0_MS + 5));
    assert_false(or_discovery_v3_bucket_take(&b, 200, 200, T0_MS + 5));
}

static void
test_bucket_caps_and_clock_back(void **state)
{
    or_disc_v3_bucket_t  b = { 0, 0 };

    (void) state;
    assert_true(or_discovery_v3_bucket_take(&b, 1, 2, T0_MS));
    assert_true(or_discovery_v3_bucket_take(&b, 1, 2, T0_MS));
    assert_false(or_discovery_v3_bucket_take(&b, 1, 2, T0_MS));
    /* the clock stepped back an hour: nothing refilled, nothing broken */
    assert_false(or_discovery_v3_bucket_take(&b, 1, 2, T0_MS - 3600000));
    assert_false(or_discovery_v3_bucket_take(&b, 1, 2, T0_MS + 999));
    assert_true(or_discovery_v3_bucket_take(&b, 1, 2, T0_MS + 1000));
    /* a year later: full, never more than the burst */
    assert_true(or_discovery_v3_bucket_take(&b, 1, 2,
                                            T0_MS + 365LL * 86400000));
    assert_true(or_discovery_v3_bucket_take(&b, 1, 2,
                                            T0_MS + 365LL * 86400000));
    assert_false(or_discovery_v3_bucket_take(&b, 1, 2,
                                             T0_MS + 365LL * 86400000));
}

/* ---- or_discovery_v3_hear ---- */

static int
setup(void **state)
{
    vb_t                 *d = calloc(1, sizeof(*d));
    or_conf_report_t      r = { NULL, 0, 0, 0 };
    or_peers_node_conf_t  pc[1] = { { 0 } };
    unsigned char         raw[OR_FERNET_KEY_LEN];

    assert_non_null(d);
    strcpy(d->dir, "/tmp/or-vb-XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    d->cycle = or_cycle_new(d->dir, "openred.conf", NULL);
    assert_non_null(d->cycle);
    if (or_conf_load_string(d->cycle, "openred.conf",
                            "nodes = ( { id = \"n0\"; sector = \"tech\"; "
                            "listen = \"127.0.0.1:9001\"; } );\n", &r)
        != OR_OK)
    {
        fail_msg("config: %s", r.text ? r.text : "?");
    }
    or_conf_report_free(&r);
    pc[0].max_peers = 16;
    pc[0].expire = 60;
    assert_int_equal(or_peers_zone_add(d->cycle, pc), OR_OK);
    assert_int_equal(or_evring_zone_add(d->cycle), OR_OK);
    assert_int_equal(or_shm_map(d->cycle, NULL), OR_OK);
    or_peers_zone_attach(d->cycle, pc);
    d->cycle->nodes[0].key = or_test_v3_key("node-b.key.pem");
    d->ka = or_test_v3_key("node-a.key.pem");
    assert_non_null(d->cycle->nodes[0].key);
    assert_non_null(d->ka);
    assert_int_equal(or_fernet_derive(PASS, strlen(PASS), &d->fk, NULL),
                     OR_OK);
    assert_int_equal(or_discovery_v3_new(d->cycle, &d->fk, &d->v), OR_OK);
    or_fernet_export(d->fk, raw);
    assert_int_equal(or_v3_beacon_net_key(raw, d->nk, NULL), OR_OK);
    d->seq = 1;
    *state = d;
    return 0;
}

static int
teardown(void **state)
{
    vb_t *d = *state;
    char  cmd[96];

    or_discovery_v3_free(d->v);
    or_fernet_free(d->fk);
    or_key_free(d->ka);
    or_key_free(d->cycle->nodes[0].key);
    d->cycle->nodes[0].key = NULL;
    or_shm_cycle_free(d->cycle);
    or_cycle_free(d->cycle);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", d->dir);
    assert_int_equal(system(cmd), 0);
    free(d);
    return 0;
}

/* A's next ANNOUNCE at ts_ms, sealed; forged: its last signature byte
 * changed under a seal made anew (what a sender with the passphrase can
 * do for nothing) */
static size_t
beacon(vb_t *d, int64_t ts_ms, int forged, unsigned char *out)
{
    or_v3_beacon_t   b;
    size_t           len;
    EVP_CIPHER_CTX  *ctx;
    unsigned char   *nonce = out + OR_V3_BEACON_HDR;
    unsigned char   *body = nonce + OR_V3_BEACON_NONCE_LEN;
    size_t           blen;
    int              n;

    memset(&b, 0, sizeof(b));
    b.type = OR_V3_BEACON_ANNOUNCE;
    b.instance = 7;
    b.seq = d->seq++;
    b.ts = ts_ms;
    b.ttl = 10;
    b.port = d->port ? d->port : 9002;
    b.versions = OR_V3_VERSION_3_0;
    snprintf(b.sector, sizeof(b.sector), "tech");
    assert_int_equal(or_v3_beacon_build(d->ka, &b, d->nk, NULL, NULL, 0,
                                        out, OR_V3_BEACON_MAX, &len, NULL),
                     OR_OK);
    if (!forged) {
        return len;
    }
    /* header and nonce, then body and its 16-byte tag (ChaCha20-Poly1305,
     * the header as AAD: docs/PROTOCOL.md v3 §11.2) */
    blen = len - OR_V3_BEACON_HDR - OR_V3_BEACON_NONCE_LEN - 16;
    ctx = EVP_CIPHER_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(EVP_DecryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL,
                                        d->nk, nonce), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
                                         body + blen), 1);
    assert_int_equal(EVP_DecryptUpdate(ctx, NULL, &n, out, OR_V3_BEACON_HDR),
                     1);
    assert_int_equal(EVP_DecryptUpdate(ctx, body, &n, body, (int) blen), 1);
    assert_int_equal(EVP_DecryptFinal_ex(ctx, body + blen, &n), 1);
    body[blen - 1] ^= 0x01;             /* the signature's last byte */
    assert_int_equal(EVP_EncryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL,
                                        d->nk, nonce), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n, out, OR_V3_BEACON_HDR),
                     1);
    assert_int_equal(EVP_EncryptUpdate(ctx, body, &n, body, (int) blen), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, body + blen, &n), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16,
                                         body + blen), 1);
    EVP_CIPHER_CTX_free(ctx);
    return len;
}

static or_reason_t
hear_bytes(vb_t *d, int64_t now_ms, const unsigned char *bytes, size_t len)
{
    static const size_t   nodes[1] = { 0 };
    static const int64_t  max_peers[1] = { 16 };
    or_disc_from_t        from;
    struct sockaddr_in   *sin = (struct sockaddr_in *) &from.sa;
    or_discovery_gap_t    gap = { 0, 0 };
    int                   answer;

    memset(&from, 0, sizeof(from));
    sin->sin_family = AF_INET;
    sin->sin_port = htons(5354);
    sin->sin_addr.s_addr = htonl(0x0a000002);
    from.ifname = "";
    return or_discovery_v3_hear(d->v, 0, nodes, max_peers, 1, bytes, len,
                                &from, now_ms, &gap, &answer);
}

static or_reason_t
hear(vb_t *d, int64_t now_ms, int forged)
{
    unsigned char  buf[OR_V3_BEACON_MAX];
    size_t         len = beacon(d, now_ms, forged, buf);

    return hear_bytes(d, now_ms, buf, len);
}

static uint64_t
verified(vb_t *d)
{
    return or_peers_sock_stats(d->cycle, 0)->v3_verified;
}

/* OR_DISC_V3_NEW_RATE forged beacons of an id never verified are each
 * verified (and refused as forged); the next is refused unverified, and
 * so is a genuine one in the same millisecond: the price, paid only in a
 * flood, is a newcomer heard at its next beacon */
static void
test_new_ids_share_a_budget(void **state)
{
    vb_t *d = *state;

    for (int i = 0; i < OR_DISC_V3_NEW_RATE; i++) {
        assert_int_equal(hear(d, T0_MS, 1), OR_R_BAD_SIGNATURE);
    }
    assert_int_equal(hear(d, T0_MS, 1), OR_R_V3_BEACON_BUDGET);
    assert_int_equal(hear(d, T0_MS, 0), OR_R_V3_BEACON_BUDGET);
    assert_int_equal(verified(d), 0);
    /* one token is 1000 / OR_DISC_V3_NEW_RATE ms */
    assert_int_equal(hear(d, T0_MS + 1000 / OR_DISC_V3_NEW_RATE, 0),
                     OR_R_NONE);
    assert_int_equal(verified(d), 1);
}

/* a remembered id: 2 x OR_DISC_V3_ID_RATE verifies at once, then one a
 * second; forged copies spend its budget, not the new ids' */
static void
test_remembered_id_has_its_own(void **state)
{
    vb_t *d = *state;

    assert_int_equal(hear(d, T0_MS, 0), OR_R_NONE);
    for (int i = 0; i < 2 * OR_DISC_V3_ID_RATE; i++) {
        assert_int_equal(hear(d, T0_MS, 1), OR_R_BAD_SIGNATURE);
    }
    assert_int_equal(hear(d, T0_MS, 1), OR_R_V3_BEACON_BUDGET);
    assert_int_equal(hear(d, T0_MS, 0), OR_R_V3_BEACON_BUDGET);
    /* a token is 1000 / OR_DISC_V3_ID_RATE ms: just short, then just past */
    assert_int_equal(hear(d, T0_MS + 999 / OR_DISC_V3_ID_RATE, 0),
                     OR_R_V3_BEACON_BUDGET);
    assert_int_equal(hear(d, T0_MS + (1000 + OR_DISC_V3_ID_RATE - 1)
                                     / OR_DISC_V3_ID_RATE, 0),
                     OR_R_NONE);
    assert_int_equal(verified(d), 2);
}

/* the very beacon verified last, heard again (the peer's other
 * interface): no verify; a beacon of the same instance, seq and ts whose
 * signed fields differ (another port, signed by A itself) is not that
 * beacon: refused as a replay, its port never listed */
static void
test_same_beacon_only_by_every_signed_byte(void **state)
{
    vb_t          *d = *state;
    unsigned char  first[OR_V3_BEACON_MAX], other[OR_V3_BEACON_MAX];
    size_t         n1, n2;

    n1 = beacon(d, T0_MS, 0, first);
    assert_int_equal(hear_bytes(d, T0_MS, first, n1), OR_R_NONE);
    assert_int_equal(verified(d), 1);
    assert_int_equal(hear_bytes(d, T0_MS, first, n1), OR_R_NONE);
    assert_int_equal(verified(d), 1);
    d->seq--;
    d->port = 9003;
    n2 = beacon(d, T0_MS, 0, other);
    assert_int_equal(hear_bytes(d, T0_MS, other, n2), OR_R_V3_BEACON_SEQ);
    assert_int_equal(verified(d), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_burst_exact),
        cmocka_unit_test(test_bucket_caps_and_clock_back),
        cmocka_unit_test_setup_teardown(test_new_ids_share_a_budget, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_remembered_id_has_its_own,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_same_beacon_only_by_every_signed_byte, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
