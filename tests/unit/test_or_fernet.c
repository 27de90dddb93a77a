/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_fernet.c against the original's tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "openred.h"
#include "or_base64.h"
#include "or_test_vectors.h"

#define BEACON_TIME  1764000002     /* meta.json beacon_time, whole s */

typedef struct {
    or_fernet_t  *def;      /* OpenRed-P2P-Discovery-2025 */
    or_fernet_t  *priv;     /* a private health network */
} keys_t;

static keys_t  keys;

static or_fernet_t *
derive(const char *pass)
{
    or_fernet_t  *fk = NULL;

    assert_int_equal(or_fernet_derive(pass, strlen(pass), &fk, NULL), OR_OK);
    return fk;
}

static int
setup(void **state)
{
    (void) state;
    /* PBKDF2 is 100000 rounds: derive once per binary */
    keys.def = derive("OpenRed-P2P-Discovery-2025");
    keys.priv = derive("a private health network");
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    or_fernet_free(keys.def);
    or_fernet_free(keys.priv);
    return 0;
}

static void
expect_key(or_fernet_t *fk, const char *file)
{
    unsigned char  want[64], raw[OR_FERNET_KEY_LEN];
    char           line[128];
    size_t         n;

    assert_int_equal(or_test_read_line(file, line, sizeof(line)), 0);
    assert_int_equal(or_base64_decode(OR_BASE64_URL, line, strlen(line),
                                      want, sizeof(want), &n, NULL), OR_OK);
    assert_int_equal(n, OR_FERNET_KEY_LEN);
    or_fernet_export(fk, raw);
    assert_memory_equal(raw, want, OR_FERNET_KEY_LEN);
}

static void
test_or_fernet_derive_vectors(void **state)
{
    or_errbuf_t  eb;
    char         big[OR_PASSPHRASE_MAX + 1];
    or_fernet_t *fk = NULL;

    (void) state;
    expect_key(keys.def, "network-key-default.txt");
    expect_key(keys.priv, "network-key-private.txt");
    memset(big, 'p', sizeof(big));
    assert_int_equal(or_fernet_derive(big, sizeof(big), &fk, &eb),
                     OR_ETOOBIG);
    assert_null(fk);
}

static or_err_t
open_file(or_fernet_t *fk, const char *file, int64_t now, int64_t ttl,
    char *plain, size_t cap, size_t *n, or_errbuf_t *eb)
{
    or_fernet_time_t  t = { now, ttl, 60 };
    char             *tok;
    size_t            len;
    int64_t           ts = 0;
    or_err_t          rc;

    tok = or_test_read(file, &len);
    assert_non_null(tok);
    rc = or_fernet_open(fk, tok, len, &t, (unsigned char *) plain, cap, n,
                        &ts, eb);
    if (rc == OR_OK) {
        assert_int_equal(ts, BEACON_TIME);
    }
    free(tok);
    return rc;
}

static void
test_or_fernet_open_beacon_a(void **state)
{
    char         plain[OR_BEACON_MAX], *want;
    size_t       n = 0, wn;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(open_file(keys.def, "beacon-a.token", BEACON_TIME, 60,
                               plain, sizeof(plain), &n, &eb), OR_OK);
    want = or_test_read("beacon-a.plain.json", &wn);
    assert_int_equal(n, wn);
    assert_memory_equal(plain, want, wn);
    free(want);
    /* the original uses no ttl: an old token still opens without one */
    assert_int_equal(open_file(keys.def, "beacon-a.token", BEACON_TIME
                               + 100000, OR_NO_LIMIT, plain, sizeof(plain),
                               &n, &eb), OR_OK);
}

static void
test_or_fernet_open_expired(void **state)
{
    char         plain[OR_BEACON_MAX];
    size_t       n = 0;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(open_file(keys.def, "beacon-a.token", BEACON_TIME + 60,
                               60, plain, sizeof(plain), &n, &eb), OR_OK);
    assert_int_equal(open_file(keys.def, "beacon-a.token", BEACON_TIME + 61,
                               60, plain, sizeof(plain), &n, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_EXPIRED);
    assert_non_null(strstr(eb.msg, "expired"));
    /* sent from 61 s in our future, with a skew limit of 60 */
    assert_int_equal(open_file(keys.def, "beacon-a.token", BEACON_TIME - 61,
                               60, plain, sizeof(plain), &n, &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_FUTURE);
}

static void
test_or_fernet_open_private(void **state)
{
    char         plain[OR_BEACON_MAX], *want;
    size_t       n = 0, wn;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(open_file(keys.def, "beacon-b-private.token",
                               BEACON_TIME, 60, plain, sizeof(plain), &n,
                               &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_HMAC);
    assert_string_equal(eb.msg, "wrong key or HMAC mismatch");
    assert_int_equal(open_file(keys.priv, "beacon-b-private.token",
                               BEACON_TIME, 60, plain, sizeof(plain), &n,
                               &eb), OR_OK);
    want = or_test_read("beacon-b-private.plain.json", &wn);
    assert_int_equal(n, wn);
    assert_memory_equal(plain, want, wn);
    free(want);
}

static void
test_or_fernet_open_bad_hmac(void **state)
{
    char         plain[OR_BEACON_MAX];
    size_t       n = 0;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(open_file(keys.def, "beacon-a-bad-hmac.token",
                               BEACON_TIME, 60, plain, sizeof(plain), &n,
                               &eb), OR_EAUTH);
    assert_int_equal(eb.reason, OR_R_HMAC);
    assert_int_equal(n, 0);
}

static void
expect_junk(const char *tok, size_t len, or_err_t err, or_reason_t reason)
{
    or_fernet_time_t  t = { BEACON_TIME, OR_NO_LIMIT, OR_NO_LIMIT };
    unsigned char     plain[OR_BEACON_MAX];
    size_t            n = 0;
    or_errbuf_t       eb;

    assert_int_equal(or_fernet_open(keys.def, tok, len, &t, plain,
                                    sizeof(plain), &n, NULL, &eb), err);
    assert_int_equal(eb.reason, reason);
    assert_int_equal(n, 0);
}

static void
test_or_fernet_open_junk(void **state)
{
    char    *tok, buf[OR_BEACON_MAX + 8];
    size_t   len;

    (void) state;
    tok = or_test_read("beacon-a.token", &len);
    expect_junk("", 0, OR_EPROTO, OR_R_TOKEN_LENGTH);
    expect_junk("hello", 5, OR_EPROTO, OR_R_TOKEN_LENGTH);
    /* truncated: by one character (not base64), by one quantum */
    expect_junk(tok, len - 1, OR_EPROTO, OR_R_BAD_BASE64);
    expect_junk(tok, len - 4, OR_EPROTO, OR_R_TOKEN_LENGTH);
    expect_junk(tok, 100, OR_EPROTO, OR_R_TOKEN_LENGTH);
    memcpy(buf, tok, len);
    buf[0] = 'A';
    expect_junk(buf, len, OR_EPROTO, OR_R_TOKEN_VERSION);
    buf[0] = '{';
    expect_junk(buf, len, OR_EPROTO, OR_R_BAD_BASE64);
    buf[0] = 'g';
    buf[50] = '+';
    expect_junk(buf, len, OR_EPROTO, OR_R_BAD_BASE64);
    buf[50] = '\n';
    expect_junk(buf, len, OR_EPROTO, OR_R_BAD_BASE64);
    memset(buf, 'g', sizeof(buf));
    expect_junk(buf, sizeof(buf), OR_ETOOBIG, OR_R_TOO_BIG);
    /* base64url that decodes, but to no whole number of blocks */
    memset(buf, 'A', 104);
    buf[0] = 'g';
    memcpy(buf + 102, "==", 2);
    expect_junk(buf, 104, OR_EPROTO, OR_R_TOKEN_LENGTH);
    free(tok);
}

/* a token with a good HMAC around the given ciphertext bytes */
static size_t
forge(const unsigned char *ct, size_t ctlen, unsigned char version,
    char *tok, size_t cap)
{
    unsigned char  key[OR_FERNET_KEY_LEN], raw[512];
    size_t         n = 0, rawlen = 25 + ctlen, maclen;

    or_fernet_export(keys.def, key);
    memset(raw, 0, 25);
    raw[0] = version;
    raw[8] = 0x42;
    memcpy(raw + 25, ct, ctlen);
    assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 16,
                              raw, rawlen, raw + rawlen, 32, &maclen));
    assert_int_equal(or_base64_encode(OR_BASE64_URL, raw, rawlen + 32, tok,
                                      cap, &n, NULL), OR_OK);
    return n;
}

static void
test_or_fernet_open_bad_padding(void **state)
{
    unsigned char  key[OR_FERNET_KEY_LEN], block[16], ct[32];
    unsigned char  iv[16] = { 0 };
    char           tok[256];
    size_t         n;
    int            outl;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

    (void) state;
    or_fernet_export(keys.def, key);
    memset(block, 'x', sizeof(block));
    block[15] = 0;      /* PKCS#7 never ends in 0 */
    assert_int_equal(EVP_EncryptInit_ex2(c, EVP_aes_128_cbc(), key + 16, iv,
                                         NULL), 1);
    EVP_CIPHER_CTX_set_padding(c, 0);
    assert_int_equal(EVP_EncryptUpdate(c, ct, &outl, block, 16), 1);
    EVP_CIPHER_CTX_free(c);
    n = forge(ct, 16, 0x80, tok, sizeof(tok));
    expect_junk(tok, n, OR_EAUTH, OR_R_PADDING);
    /* the same with version 0x81: refused before the HMAC */
    n = forge(ct, 16, 0x81, tok, sizeof(tok));
    expect_junk(tok, n, OR_EPROTO, OR_R_TOKEN_VERSION);
}

static void
test_or_fernet_seal_roundtrip(void **state)
{
    or_fernet_time_t  t = { 1000, 10, 0 };
    char              tok[OR_BEACON_MAX + 1], tok2[OR_BEACON_MAX + 1];
    unsigned char     plain[OR_BEACON_MAX], big[OR_BEACON_MAX];
    size_t            n, m, len;
    int64_t           ts;
    or_errbuf_t       eb;

    (void) state;
    for (len = 0; len <= 40; len += 8) {
        assert_int_equal(or_fernet_seal(keys.priv, "0123456789abcdef0123456"
                                        "789abcdef0123456789", len, 1000,
                                        tok, sizeof(tok), &n, NULL), OR_OK);
        assert_int_equal(tok[0], 'g');
        assert_int_equal(or_fernet_open(keys.priv, tok, n, &t, plain,
                                        sizeof(plain), &m, &ts, NULL),
                         OR_OK);
        assert_int_equal(m, len);
        assert_int_equal(ts, 1000);
        assert_memory_equal(plain, "0123456789abcdef0123456789abcdef", m
                            < 32 ? m : 32);
    }
    /* random IVs: the same plaintext seals differently */
    assert_int_equal(or_fernet_seal(keys.priv, "x", 1, 1000, tok2,
                                    sizeof(tok2), &m, NULL), OR_OK);
    assert_int_equal(or_fernet_seal(keys.priv, "x", 1, 1000, tok,
                                    sizeof(tok), &n, NULL), OR_OK);
    assert_memory_not_equal(tok, tok2, n);
    /* the plaintext does not fit the caller's buffer */
    assert_int_equal(or_fernet_open(keys.priv, tok, n, &t, plain, 0, &m,
                                    &ts, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_BUF_SMALL);
    /* over the beacon bound */
    memset(big, 'b', sizeof(big));
    assert_int_equal(or_fernet_seal(keys.priv, big, 3100, 1000, tok,
                                    sizeof(tok), &n, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_TOO_BIG);
    assert_int_equal(or_fernet_seal(keys.priv, big, 10, 1000, tok, 20, &n,
                                    &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_BUF_SMALL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_fernet_derive_vectors),
        cmocka_unit_test(test_or_fernet_open_beacon_a),
        cmocka_unit_test(test_or_fernet_open_expired),
        cmocka_unit_test(test_or_fernet_open_private),
        cmocka_unit_test(test_or_fernet_open_bad_hmac),
        cmocka_unit_test(test_or_fernet_open_junk),
        cmocka_unit_test(test_or_fernet_open_bad_padding),
        cmocka_unit_test(test_or_fernet_seal_roundtrip),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
