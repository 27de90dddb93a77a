/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_key.c: identity files, PEM, fingerprints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "or_key.h"
#include "or_test_pubkey.h"
#include "or_test_vectors.h"

static or_key_t  *gen_key;    /* one RSA keygen per binary: it is slow */

static int
setup(void **state)
{
    (void) state;
    return or_key_generate(&gen_key, NULL) == OR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    or_key_free(gen_key);
    return 0;
}

static void
check_vector_key(const char *name)
{
    char         path[64], file[64], fp[32], *pub;
    const char  *pem;
    size_t       publen, pemlen;
    or_key_t    *key = NULL;
    or_errbuf_t  eb;

    snprintf(file, sizeof(file), "%s.key.pem", name);
    assert_int_equal(or_test_copy(file, 0600, path), 0);
    assert_int_equal(or_key_load(path, &key, &eb), OR_OK);
    snprintf(file, sizeof(file), "%s.fp", name);
    assert_int_equal(or_test_read_line(file, fp, sizeof(fp)), 0);
    assert_string_equal(or_key_fingerprint(key), fp);
    snprintf(file, sizeof(file), "%s.pub.pem", name);
    pub = or_test_read(file, &publen);
    pem = or_key_public_pem(key, &pemlen);
    assert_int_equal(pemlen, publen);
    assert_memory_equal(pem, pub, publen);
    free(pub);
    or_key_free(key);
    unlink(path);
}

static void
test_or_key_load_vectors(void **state)
{
    (void) state;
    check_vector_key("node-a");
    check_vector_key("node-b");
    check_vector_key("mallory");
}

static void
test_or_key_load_world_readable(void **state)
{
    char         path[64], want[256];
    or_key_t    *key = NULL;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(or_test_copy("node-a.key.pem", 0644, path), 0);
    assert_int_equal(or_key_load(path, &key, &eb), OR_ECONF);
    assert_null(key);
    assert_int_equal(eb.reason, OR_R_KEY_PERMS);
    snprintf(want, sizeof(want), "key file \"%s\" is accessible by group or "
             "others (mode 0644); run \"chmod 600 %s\"", path, path);
    assert_string_equal(eb.msg, want);
    /* the fingerprint tool may read it anyway */
    assert_int_equal(or_key_load_any_mode(path, 0, &key, &eb), OR_OK);
    assert_string_equal(or_key_fingerprint(key), "08aca75be7a88fef");
    or_key_free(key);
    key = NULL;
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(or_key_load(path, &key, &eb), OR_ECONF);
    assert_int_equal(eb.reason, OR_R_KEY_PERMS);
    unlink(path);
}

/* issue 16: a key file that is a symlink (here to a valid 0600 key) is
 * refused, by its own message; the fingerprint tool may still follow it */
static void
test_or_key_load_symlink_refused(void **state)
{
    char         path[64], link[80], want[300];
    or_key_t    *key = NULL;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(or_test_copy("node-a.key.pem", 0600, path), 0);
    snprintf(link, sizeof(link), "%s.link", path);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(or_key_load(link, &key, &eb), OR_ECONF);
    assert_int_equal(eb.reason, OR_R_KEY_PERMS);
    snprintf(want, sizeof(want), "key file \"%s\" is a symbolic link; keys "
             "are not read through links: put the key file itself there",
             link);
    assert_string_equal(eb.msg, want);
    assert_null(key);
    /* load_or_create must not take a dangling link for a missing key */
    unlink(path);
    assert_int_equal(or_key_load_or_create(link, &key, NULL, &eb), OR_ECONF);
    assert_int_equal(eb.reason, OR_R_KEY_PERMS);
    assert_int_equal(access(path, F_OK), -1);
    unlink(link);
}

/* issue 16: a 0600 key owned by another unprivileged uid is refused */
static void
test_or_key_load_other_owner_refused(void **state)
{
    char         path[64], want[300];
    or_key_t    *key = NULL;
    or_errbuf_t  eb;

    (void) state;
    if (geteuid() != 0) {
        /* chown to another uid needs root: this test cannot run here */
        fail_msg("test_or_key_load_other_owner_refused needs root");
    }
    assert_int_equal(or_test_copy("node-a.key.pem", 0600, path), 0);
    assert_int_equal(chown(path, 65534, 65534), 0);
    assert_int_equal(or_key_load(path, &key, &eb), OR_ECONF);
    assert_int_equal(eb.reason, OR_R_KEY_PERMS);
    snprintf(want, sizeof(want), "key file \"%s\" is owned by uid 65534, "
             "not by uid 0 (this process) or root; run \"chown 0 %s\"",
             path, path);
    assert_string_equal(eb.msg, want);
    assert_null(key);
    /* owned by root again: accepted */
    assert_int_equal(chown(path, 0, 0), 0);
    assert_int_equal(or_key_load(path, &key, &eb), OR_OK);
    or_key_free(key);
    unlink(path);
}

/* modes: 0640 refused, 0600 and 0400 accepted */
static void
test_or_key_load_mode_bounds(void **state)
{
    static const struct { mode_t mode; or_err_t rc; } cases[] = {
        { 0640, OR_ECONF }, { 0604, OR_ECONF }, { 0610, OR_ECONF },
        { 0600, OR_OK }, { 0400, OR_OK },
    };
    char         path[64];
    or_key_t    *key;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(or_test_copy("node-a.key.pem", 0600, path), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        key = NULL;
        assert_int_equal(chmod(path, cases[i].mode), 0);
        assert_int_equal(or_key_load(path, &key, &eb), cases[i].rc);
        if (cases[i].rc == OR_OK) {
            assert_string_equal(or_key_fingerprint(key), "08aca75be7a88fef");
            or_key_free(key);
        } else {
            assert_int_equal(eb.reason, OR_R_KEY_PERMS);
        }
    }
    unlink(path);
}

static void
test_or_key_load_missing_and_garbage(void **state)
{
    char         path[64];
    or_key_t    *key = NULL;
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(or_key_load("/nonexistent/or.pem", &key, &eb),
                     OR_ERROR);
    assert_int_equal(eb.reason, OR_R_IO);
    assert_non_null(strstr(eb.msg, "/nonexistent/or.pem"));
    /* a public key is not an identity */
    assert_int_equal(or_test_copy("node-a.pub.pem", 0600, path), 0);
    assert_int_equal(or_key_load(path, &key, &eb), OR_ECONF);
    assert_int_equal(eb.reason, OR_R_BAD_PEM);
    assert_non_null(strstr(eb.msg, path));
    unlink(path);
    assert_int_equal(or_key_load("/tmp", &key, &eb), OR_ERROR);
    assert_int_equal(eb.reason, OR_R_IO);
    assert_null(key);
}

static void
test_or_key_save_roundtrip(void **state)
{
    char         dir[] = "/tmp/or_test_dir_XXXXXX", path[128];
    struct stat  st;
    or_key_t    *key = NULL;
    int          created = -1;
    size_t       n1, n2;
    const char  *p1, *p2;

    (void) state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/id.pem", dir);
    assert_int_equal(or_key_save(gen_key, path, NULL), OR_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(or_key_load_or_create(path, &key, &created, NULL),
                     OR_OK);
    assert_int_equal(created, 0);
    assert_string_equal(or_key_fingerprint(key),
                        or_key_fingerprint(gen_key));
    p1 = or_key_public_pem(key, &n1);
    p2 = or_key_public_pem(gen_key, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(p1, p2, n1);
    or_key_free(key);
    unlink(path);
    rmdir(dir);
}

static void
test_or_key_save_unwritable_dir(void **state)
{
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(or_key_save(gen_key, "/nonexistent/dir/id.pem", &eb),
                     OR_ERROR);
    assert_int_equal(eb.reason, OR_R_IO);
    assert_non_null(strstr(eb.msg, "/nonexistent/dir/id.pem"));
}

static void
test_or_key_fingerprint_format(void **state)
{
    const char  *fp = or_key_fingerprint(gen_key);
    const char  *pem;
    size_t       n, i;
    char         again[OR_FP_LEN + 1];

    (void) state;
    assert_int_equal(strlen(fp), OR_FP_LEN);
    for (i = 0; i < OR_FP_LEN; i++) {
        assert_non_null(strchr("0123456789abcdef", fp[i]));
    }
    pem = or_key_public_pem(gen_key, &n);
    assert_int_equal(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27), 0);
    assert_int_equal(or_fingerprint(pem, n, again, NULL), OR_OK);
    assert_string_equal(again, fp);
}


static void
test_or_pubkey_import_vectors(void **state)
{
    char         *pem, fp[32];
    size_t        n, m;
    or_pubkey_t  *pk;

    (void) state;
    pem = or_test_read("node-b.pub.pem", &n);
    assert_int_equal(or_test_read_line("node-b.fp", fp, sizeof(fp)), 0);
    assert_int_equal(or_pubkey_import(pem, n, &pk, NULL), OR_OK);
    assert_string_equal(or_pubkey_fingerprint(pk), fp);
    assert_memory_equal(or_pubkey_pem(pk, &m), pem, n);
    assert_int_equal(m, n);
    or_pubkey_free(pk);
    free(pem);
}

static void
test_or_pubkey_import_noncanonical(void **state)
{
    char    *pem, *alt;
    size_t   n;

    (void) state;
    pem = or_test_read("node-a.pub.pem", &n);
    alt = malloc(n + 16);
    /* a trailing newline, leading junk, CRLF: same key, other bytes */
    memcpy(alt, pem, n);
    alt[n] = '\n';
    expect_import(alt, n + 1, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    memcpy(alt, "junk\n", 5);
    memcpy(alt + 5, pem, n);
    expect_import(alt, n + 5, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    memcpy(alt, pem, n);
    alt[26] = '\r';
    memcpy(alt + 27, pem + 26, n - 26);
    expect_import(alt, n + 1, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    /* missing the final newline */
    expect_import(pem, n - 1, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    free(alt);
    free(pem);
}


static EVP_PKEY *
rsa_with(unsigned bits, unsigned long e)
{
    EVP_PKEY_CTX  *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY      *pkey = NULL;
    BIGNUM        *bn = BN_new();

    BN_set_word(bn, e);
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    assert_true(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int) bits) > 0);
    assert_true(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn) > 0);
    assert_int_equal(EVP_PKEY_generate(ctx, &pkey), 1);
    BN_free(bn);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static void
test_or_pubkey_import_policy(void **state)
{
    char    *pem;
    size_t   n;

    (void) state;
    pem = pem_of(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"), &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_TYPE);
    free(pem);
    pem = pem_of(rsa_with(1024, 65537), &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_SIZE);
    free(pem);
    pem = pem_of(rsa_with(2048, 3), &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_EXPONENT);
    free(pem);
}

static void
test_or_pubkey_import_malformed(void **state)
{
    char    big[OR_PUBKEY_PEM_MAX + 1];
    char   *pem;
    size_t  n = 0;

    (void) state;
    expect_import("", 0, OR_EPROTO, OR_R_BAD_PEM);
    expect_import("hello", 5, OR_EPROTO, OR_R_BAD_PEM);
    memset(big, 'A', sizeof(big));
    expect_import(big, sizeof(big), OR_ETOOBIG, OR_R_TOO_BIG);
    pem = or_test_read("node-a.pub.pem", &n);
    expect_import(pem, n / 2, OR_EPROTO, OR_R_BAD_PEM);
    pem[100] = '*';
    expect_import(pem, n, OR_EPROTO, OR_R_BAD_PEM);
    free(pem);
    pem = or_test_read("node-a.key.pem", &n);
    expect_import(pem, n, OR_ETOOBIG, OR_R_TOO_BIG);
    free(pem);
}

/*
 * The fast path of or_pubkey_import must accept exactly what the full
 * path did: every canonical key in policy, and refuse the rest for the
 * same reason. Keys below are synthetic where only the public half matters
 * (a random modulus of exact bit length: no slow keygen for each size).
 */

/* imports pem, then checks that the key re-encodes to the same bytes */
static void
expect_equivalent(const char *pem, size_t n, int bits)
{
    or_pubkey_t  *pk = NULL;
    or_errbuf_t   eb;
    BIO          *bio = BIO_new(BIO_s_mem());
    char         *data, fp[OR_FP_LEN + 1];
    long          len;

    eb.msg[0] = '\0';
    assert_int_equal(or_pubkey_import(pem, n, &pk, &eb), OR_OK);
    assert_int_equal(EVP_PKEY_get_bits(pk->pkey), bits);
    assert_int_equal(PEM_write_bio_PUBKEY(bio, pk->pkey), 1);
    len = BIO_get_mem_data(bio, &data);
    assert_int_equal((size_t) len, n);
    assert_memory_equal(data, pem, n);
    assert_int_equal(or_fingerprint(pem, n, fp, NULL), OR_OK);
    assert_string_equal(or_pubkey_fingerprint(pk), fp);
    BIO_free(bio);
    or_pubkey_free(pk);
}

static void
test_or_pubkey_import_equivalence(void **state)
{
    static const int  bits[] = { 2048, 2049, 2055, 2056, 2057, 3071, 3072,
                                 4088, 4089, 4095, 4096 };
    static const char *const  names[] = { "node-a", "node-b", "mallory" };
    char              file[64], *pem;
    const char       *gpem;
    size_t            i, n;

    (void) state;
    gpem = or_key_public_pem(gen_key, &n);
    expect_equivalent(gpem, n, OR_RSA_BITS);
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(file, sizeof(file), "%s.pub.pem", names[i]);
        pem = or_test_read(file, &n);
        expect_equivalent(pem, n, 2048);
        free(pem);
    }
    /* generated keys; 4096 bits is the slow one, but the real thing */
    pem = pem_of(rsa_with(3072, 65537), &n);
    expect_equivalent(pem, n, 3072);
    free(pem);
    pem = pem_of(rsa_with(4096, 65537), &n);
    expect_equivalent(pem, n, 4096);
    free(pem);
    for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        pem = pem_of(rsa_synthetic(bits[i], 65537, "RSA"), &n);
        expect_equivalent(pem, n, bits[i]);
        free(pem);
    }
}

static void
test_or_pubkey_import_policy_bounds(void **state)
{
    char    *pem;
    size_t   n;

    (void) state;
    pem = pem_of(rsa_synthetic(2047, 65537, "RSA"), &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_SIZE);
    free(pem);
    pem = pem_of(rsa_synthetic(4097, 65537, "RSA"), &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_SIZE);
    free(pem);
    pem = pem_of(rsa_synthetic(2048, 65539, "RSA"), &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_EXPONENT);
    free(pem);
    pem = pem_of(rsa_synthetic(2048, 1, "RSA"), &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_EXPONENT);
    free(pem);
    /* same numbers under the RSASSA-PSS OID: not "RSA" */
    pem = pem_of(rsa_synthetic(2048, 65537, "RSA-PSS"), &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_TYPE);
    free(pem);
}


/* writes a 0x82-form DER length at der[at + 2..3], tag at der[at] */
static void
set_len(unsigned char *der, size_t at, size_t len)
{
    assert_int_equal(der[at + 1], 0x82);
    der[at + 2] = (unsigned char) (len >> 8);
    der[at + 3] = (unsigned char) len;
}

/* the four lengths of an SPKI whose INTEGER n has m content bytes */
static void
set_lengths(unsigned char *der, size_t m)
{
    set_len(der, 0, m + 33);    /* SubjectPublicKeyInfo */
    set_len(der, 19, m + 14);   /* BIT STRING */
    set_len(der, 24, m + 9);    /* RSAPublicKey */
    set_len(der, 28, m);        /* INTEGER n */
}

static void
expect_der(const unsigned char *der, size_t len, or_err_t err,
    or_reason_t reason)
{
    char    *pem;
    size_t   n;

    pem = pem_wrap(der, len, "PUBLIC KEY", 64, &n);
    expect_import(pem, n, err, reason);
    free(pem);
}

static void
test_or_pubkey_import_der_variants(void **state)
{
    EVP_PKEY       *pkey = rsa_synthetic(2048, 65537, "RSA");
    unsigned char  *der = NULL, alt[600];
    size_t          len, m = 257;
    int             i;

    (void) state;
    i = i2d_PUBKEY(pkey, &der);
    assert_int_equal(i, 37 + 257);
    len = (size_t) i;
    assert_int_equal(der[32], 0x00);
    expect_der(der, len, OR_OK, OR_R_NONE);
    /*
     * OpenSSL's decoder takes these three, and the re-encoding differs: a
     * superfluous leading zero on n, the zero that keeps n positive
     * dropped (a negative modulus), the same for e.
     */
    memcpy(alt, der, 32);
    alt[32] = 0x00;
    memcpy(alt + 33, der + 32, len - 32);
    set_lengths(alt, m + 1);
    expect_der(alt, len + 1, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    memcpy(alt, der, 32);
    memcpy(alt + 32, der + 33, len - 33);
    set_lengths(alt, m - 1);
    expect_der(alt, len - 1, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    memcpy(alt, der, len - 3);
    alt[len - 4] = 0x04;
    memcpy(alt + len - 3, "\x00\x01\x00\x01", 4);
    set_lengths(alt, m);
    set_len(alt, 0, m + 34);
    set_len(alt, 19, m + 15);
    set_len(alt, 24, m + 10);
    expect_der(alt, len + 1, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    /* each length one too long, then one too short */
    for (i = 0; i < 4; i++) {
        static const size_t  at[] = { 0, 19, 24, 28 };
        size_t               was = (size_t) der[at[i] + 2] << 8
                                   | der[at[i] + 3];

        memcpy(alt, der, len);
        set_len(alt, at[i], was + 1);
        expect_der(alt, len, OR_EPROTO, OR_R_BAD_PEM);
        set_len(alt, at[i], was - 1);
        expect_der(alt, len, OR_EPROTO, OR_R_BAD_PEM);
    }
    /* a byte after the DER (ignored by the decoder), then inside it */
    memcpy(alt, der, len);
    alt[len] = 0x00;
    expect_der(alt, len + 1, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    set_len(alt, 0, len - 4 + 1);
    expect_der(alt, len + 1, OR_EPROTO, OR_R_BAD_PEM);
    OPENSSL_free(der);
    EVP_PKEY_free(pkey);
}

static void
test_or_pubkey_import_layout_variants(void **state)
{
    EVP_PKEY       *pkey = rsa_synthetic(2048, 65537, "RSA");
    unsigned char  *der = NULL, *rsa;
    char           *pem, *alt;
    size_t          n, len;

    (void) state;
    len = (size_t) i2d_PUBKEY(pkey, &der);
    /* base64 of the right DER in 76, 63 and 48 columns */
    pem = pem_wrap(der, len, "PUBLIC KEY", 76, &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    free(pem);
    pem = pem_wrap(der, len, "PUBLIC KEY", 63, &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    free(pem);
    pem = pem_wrap(der, len, "PUBLIC KEY", 48, &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    free(pem);
    /* PKCS#1 RSAPublicKey under its own label */
    rsa = der + 24;
    pem = pem_wrap(rsa, len - 24, "RSA PUBLIC KEY", 64, &n);
    expect_import(pem, n, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    free(pem);
    /* an empty line before the armour end, a space inside a line */
    pem = pem_wrap(der, len, "PUBLIC KEY", 64, &n);
    alt = malloc(n + 2);
    memcpy(alt, pem, n - 25);
    alt[n - 25] = '\n';
    memcpy(alt + n - 24, pem + n - 25, 25);
    expect_import(alt, n + 1, OR_EPROTO, OR_R_BAD_PEM);
    memcpy(alt, pem, 40);
    alt[40] = ' ';
    memcpy(alt + 41, pem + 40, n - 40);
    expect_import(alt, n + 1, OR_EAUTH, OR_R_KEY_NONCANONICAL);
    free(alt);
    free(pem);
    OPENSSL_free(der);
    EVP_PKEY_free(pkey);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_key_load_vectors),
        cmocka_unit_test(test_or_key_load_world_readable),
        cmocka_unit_test(test_or_key_load_symlink_refused),
        cmocka_unit_test(test_or_key_load_other_owner_refused),
        cmocka_unit_test(test_or_key_load_mode_bounds),
        cmocka_unit_test(test_or_key_load_missing_and_garbage),
        cmocka_unit_test(test_or_key_save_roundtrip),
        cmocka_unit_test(test_or_key_save_unwritable_dir),
        cmocka_unit_test(test_or_key_fingerprint_format),
        cmocka_unit_test(test_or_pubkey_import_vectors),
        cmocka_unit_test(test_or_pubkey_import_noncanonical),
        cmocka_unit_test(test_or_pubkey_import_policy),
        cmocka_unit_test(test_or_pubkey_import_malformed),
        cmocka_unit_test(test_or_pubkey_import_equivalence),
        cmocka_unit_test(test_or_pubkey_import_policy_bounds),
        cmocka_unit_test(test_or_pubkey_import_der_variants),
        cmocka_unit_test(test_or_pubkey_import_layout_variants),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
