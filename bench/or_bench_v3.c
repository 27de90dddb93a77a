/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * In-process costs of v3 on one core, each against its floor timed in the
 * same run (interleaved in small batches, since the host's speed drifts):
 * one whole handshake (both sides, MSG1..MSG3) against 2 RSA-PSS signs +
 * 2 verifies + 2 X25519 keygens + 2 derives; a record sealed and opened
 * against raw EVP ChaCha20-Poly1305 at the same size. key=value lines.
 *   or_bench_v3 [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "openred.h"
#include "or_bench.h"
#include "or_v3.h"

typedef int (*step_pt)(size_t i);

static or_key_t       *ka, *kb;
static or_pubkey_t    *pa, *pb;
static unsigned char   id_b[OR_V3_ID_LEN];
static or_v3_rec_t    *rx, *ry;
static EVP_CIPHER_CTX *raw;
static size_t          rec_len;
static unsigned char   body[16384], frame[16384 + 64], sig[2][512];
static size_t          siglen[2];

static int
step_handshake(size_t i)
{
    unsigned char  m1[2048], m2[2048], m3[64];
    size_t         n1, n2, n3;
    or_v3_hs_t    *hi = NULL, *hr = NULL;
    int            bad;

    (void) i;
    bad = or_v3_init_new(ka, id_b, OR_V3_SUITES_ALL, &hi, NULL) != OR_OK
          || or_v3_resp_new(kb, OR_V3_SUITES_ALL, 0, &hr, NULL) != OR_OK
          || or_v3_init_msg1(hi, 1, NULL, m1, sizeof(m1), &n1, NULL) != OR_OK
          || or_v3_resp_msg1(hr, m1, n1, 1, NULL) != OR_OK
          || or_v3_resp_msg2(hr, 1, NULL, m2, sizeof(m2), &n2, NULL) != OR_OK
          || or_v3_init_msg2(hi, m2, n2, 1, m3, sizeof(m3), &n3, NULL)
             != OR_OK
          || or_v3_resp_msg3(hr, m3, n3, NULL) != OR_OK;
    or_v3_hs_free(hi);
    or_v3_hs_free(hr);
    return bad;
}

/* X25519 keygen + derive, twice: the DH floor of one handshake */
static int
dh_pair(void)
{
    EVP_PKEY      *a = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    EVP_PKEY      *b = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    EVP_PKEY_CTX  *c;
    unsigned char  out[32];
    size_t         n = 32;
    int            k, bad = a == NULL || b == NULL;

    for (k = 0; k < 2 && !bad; k++) {
        c = EVP_PKEY_CTX_new_from_pkey(NULL, k ? b : a, NULL);
        bad = c == NULL || EVP_PKEY_derive_init(c) != 1
              || EVP_PKEY_derive_set_peer(c, k ? a : b) != 1
              || EVP_PKEY_derive(c, out, &n) != 1;
        EVP_PKEY_CTX_free(c);
    }
    EVP_PKEY_free(a);
    EVP_PKEY_free(b);
    return bad;
}

static int
step_floor(size_t i)
{
    (void) i;
    return or_sign(ka, "m1", 2, sig[0], 512, &siglen[0], NULL) != OR_OK
           || or_sign(kb, "m2", 2, sig[1], 512, &siglen[1], NULL) != OR_OK
           || or_verify(pa, "m1", 2, sig[0], siglen[0], NULL) != OR_OK
           || or_verify(pb, "m2", 2, sig[1], siglen[1], NULL) != OR_OK
           || dh_pair();
}

static int
step_record(size_t i)
{
    or_v3_rec_in_t  in;
    size_t          n;

    (void) i;
    return or_v3_rec_seal(rx, 0, OR_V3_REC_MSG, body, rec_len, frame,
                          sizeof(frame), &n, NULL) != OR_OK
           || n != rec_len + 21
           || or_v3_rec_open(ry, frame, n, 0, &in, NULL) != OR_OK;
}

/* the same bytes through EVP alone: seal, then open */
static int
step_raw(size_t i)
{
    unsigned char  iv[12] = { 0 }, tag[16];
    int            n, ok;

    iv[11] = (unsigned char) i;
    ok = EVP_CipherInit_ex2(raw, NULL, NULL, iv, 1, NULL)
         && EVP_EncryptUpdate(raw, NULL, &n, frame, 4)
         && EVP_EncryptUpdate(raw, frame + 4, &n, body, (int) rec_len + 1)
         && EVP_EncryptFinal_ex(raw, frame + 5 + rec_len, &n)
         && EVP_CIPHER_CTX_ctrl(raw, EVP_CTRL_AEAD_GET_TAG, 16, tag)
         && EVP_CipherInit_ex2(raw, NULL, NULL, iv, 0, NULL)
         && EVP_DecryptUpdate(raw, NULL, &n, frame, 4)
         && EVP_DecryptUpdate(raw, frame + 4, &n, frame + 4,
                              (int) rec_len + 1)
         && EVP_CIPHER_CTX_ctrl(raw, EVP_CTRL_AEAD_SET_TAG, 16, tag)
         && EVP_DecryptFinal_ex(raw, frame + 5 + rec_len, &n)
         && EVP_CipherInit_ex2(raw, NULL, NULL, NULL, 1, NULL);
    return !ok;
}

/* a sealed ANNOUNCE of ka: opened (seal, fields) and verified, as the
 * discovery worker does with each v3 beacon it accepts */
static unsigned char  beacon[OR_V3_BEACON_MAX], bwork[OR_V3_BEACON_MAX];
static unsigned char  net_key[32] = { 3 };
static size_t         beacon_len;
static or_v3_beacon_t opened;

static int
step_beacon(size_t i)
{
    (void) i;
    memcpy(bwork, beacon, beacon_len);
    return or_v3_beacon_open(net_key, bwork, beacon_len, 1764000000000,
                             &opened, NULL) != OR_OK
           || or_v3_beacon_verify(&opened, NULL) != OR_OK;
}

/* a known peer's beacon: the daemon keeps the key its last one bound */
static or_pubkey_t   *beacon_pk;

static int
step_beacon_known(size_t i)
{
    (void) i;
    memcpy(bwork, beacon, beacon_len);
    return or_v3_beacon_open(net_key, bwork, beacon_len, 1764000000000,
                             &opened, NULL) != OR_OK
           || or_v3_beacon_verify_key(&opened, beacon_pk, NULL) != OR_OK;
}

/* its floor: the one RSA-PSS verify over the same signed bytes */
static int
step_beacon_floor(size_t i)
{
    (void) i;
    return or_verify(pa, opened.body, opened.bodylen, sig[0], siglen[0],
                     NULL) != OR_OK;
}

/* us per call of a and b, interleaved in batches for seconds */
static void
pair(step_pt a, step_pt b, size_t batch, double seconds, double us[2])
{
    uint64_t  end = or_bench_now_ns() + (uint64_t) (seconds * 1e9), t;
    uint64_t  ns[2] = { 0, 0 };
    size_t    calls = 0, j, k;
    step_pt   s[2] = { a, b };

    do {
        for (k = 0; k < 2; k++) {
            t = or_bench_now_ns();
            for (j = 0; j < batch; j++) {
                if (s[k](calls + j) != 0) {
                    fprintf(stderr, "or_bench_v3: step %zu failed\n", k);
                    exit(1);
                }
            }
            ns[k] += or_bench_now_ns() - t;
        }
        calls += batch;
    } while (or_bench_now_ns() < end);
    us[0] = (double) ns[0] / 1e3 / (double) calls;
    us[1] = (double) ns[1] / 1e3 / (double) calls;
}

int
main(int argc, char **argv)
{
    static const size_t  sizes[] = { 64, 1024, 16384 };
    static unsigned char k1[32] = { 1 }, k2[32] = { 2 };
    double               seconds = argc > 1 ? atof(argv[1]) : 2.0, us[2];
    const char          *pem;
    size_t               n, i;

    if (or_key_generate(&ka, NULL) != OR_OK
        || or_key_generate(&kb, NULL) != OR_OK
        || or_v3_key_id(kb, id_b, NULL) != OR_OK)
    {
        return 1;
    }
    pem = or_key_public_pem(ka, &n);
    if (or_pubkey_import(pem, n, &pa, NULL) != OR_OK) {
        return 1;
    }
    pem = or_key_public_pem(kb, &n);
    if (or_pubkey_import(pem, n, &pb, NULL) != OR_OK) {
        return 1;
    }
    pair(step_handshake, step_floor, 4, seconds, us);
    printf("v3_handshake_us=%.1f\nv3_handshake_floor_us=%.1f\n"
           "v3_handshake_over_floor=%.3f\n", us[0], us[1], us[0] / us[1]);
    raw = EVP_CIPHER_CTX_new();
    if (raw == NULL || !EVP_CipherInit_ex2(raw, EVP_chacha20_poly1305(), k1,
                                           NULL, 1, NULL))
    {
        return 1;
    }
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        rec_len = sizes[i];
        if (or_v3_rec_new(OR_V3_SUITE_CHACHA, k1, k2, 0, &rx, NULL) != OR_OK
            || or_v3_rec_new(OR_V3_SUITE_CHACHA, k2, k1, 0, &ry, NULL)
               != OR_OK)
        {
            return 1;
        }
        pair(step_record, step_raw, 64, seconds / 2, us);
        printf("v3_record_%zu_us=%.3f\nv3_record_%zu_raw_evp_us=%.3f\n"
               "v3_record_%zu_over_raw=%.3f\n", rec_len, us[0], rec_len,
               us[1], rec_len, us[0] / us[1]);
        or_v3_rec_free(rx);
        or_v3_rec_free(ry);
    }
    EVP_CIPHER_CTX_free(raw);
    {
        or_v3_beacon_t  b;

        memset(&b, 0, sizeof(b));
        b.type = OR_V3_BEACON_ANNOUNCE;
        b.instance = b.seq = 1;
        b.ts = 1764000000000;
        b.ttl = 60;
        b.port = 9001;
        b.versions = OR_V3_VERSION_3_0;
        memcpy(b.sector, "tech", 5);
        if (or_v3_beacon_build(ka, &b, net_key, NULL, NULL, 0, beacon,
                               sizeof(beacon), &beacon_len, NULL) != OR_OK
            || step_beacon(0) != 0
            || or_sign(ka, opened.body, opened.bodylen, sig[0],
                       sizeof(sig[0]), &siglen[0], NULL) != OR_OK)
        {
            return 1;
        }
        pair(step_beacon, step_beacon_floor, 16, seconds / 2, us);
        printf("v3_beacon_verify_us=%.2f\nv3_beacon_floor_us=%.2f\n"
               "v3_beacons_per_s=%.0f\nv3_beacon_over_floor=%.3f\n",
               us[0], us[1], 1e6 / us[0], us[0] / us[1]);
        if (or_v3_pubkey_import_der(opened.key, opened.keylen, &beacon_pk,
                                    NULL, NULL) != OR_OK)
        {
            return 1;
        }
        pair(step_beacon_known, step_beacon_floor, 16, seconds / 2, us);
        printf("v3_beacon_known_us=%.2f\nv3_beacons_known_per_s=%.0f\n"
               "v3_beacon_known_over_floor=%.3f\n", us[0], 1e6 / us[0],
               us[0] / us[1]);
        or_pubkey_free(beacon_pk);
    }
    or_pubkey_free(pa);
    or_pubkey_free(pb);
    or_key_free(ka);
    or_key_free(kb);
    return 0;
}
