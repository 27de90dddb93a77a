/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_key_load()'s refusals of a key file's content, each
 * with its reason and text naming the file: no private key PEM, a file
 * over OR_KEY_FILE_MAX bytes (the bound itself is read), not a regular
 * file, and a private key that is not one we use: not RSA, RSA below
 * OR_RSA_BITS_MIN bits (one bit short), an exponent other than 65537.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "or_key.h"

static char dir[64];

static int
setup(void **state)
{
    (void) state;
    strcpy(dir, "/tmp/or-keyfile-XXXXXX");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
    char cmd[96];

    (void) state;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* path of name in the temp dir, written with n bytes of data, mode 0600 */
static void
file_with(char *path, size_t cap, const char *name, const void *data,
    size_t n)
{
    FILE *out;

    snprintf(path, cap, "%s/%s", dir, name);
    out = fopen(path, "w");
    assert_non_null(out);
    assert_int_equal(fwrite(data, 1, n, out), n);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(chmod(path, 0600), 0);
}

static void
key_file(char *path, size_t cap, const char *name, EVP_PKEY *pkey)
{
    FILE *out;

    assert_non_null(pkey);
    snprintf(path, cap, "%s/%s", dir, name);
    out = fopen(path, "w");
    assert_non_null(out);
    assert_int_equal(PEM_write_PrivateKey(out, pkey, NULL, NULL, 0, NULL,
                                          NULL), 1);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(chmod(path, 0600), 0);
    EVP_PKEY_free(pkey);
}

static void
expect_refused(const char *path, int check_mode, or_err_t rc, int reason,
    const char *want)
{
    or_key_t    *key = NULL;
    or_errbuf_t  eb;

    memset(&eb, 0, sizeof(eb));
    assert_int_equal(or_key_load_any_mode(path, check_mode, &key, &eb), rc);
    assert_null(key);
    assert_int_equal(eb.reason, reason);
    assert_string_equal(eb.msg, want);
}

static void
test_key_file_no_pem(void **state)
{
    char path[128], want[256];

    (void) state;
    file_with(path, sizeof(path), "junk.pem", "not a key\n", 10);
    snprintf(want, sizeof(want), "key file \"%s\" holds no unencrypted "
             "private key PEM", path);
    expect_refused(path, 1, OR_ECONF, OR_R_BAD_PEM, want);
}

static void
test_key_file_size_bound(void **state)
{
    char  path[128], want[256];
    char *big = malloc(OR_KEY_FILE_MAX + 1);

    (void) state;
    assert_non_null(big);
    memset(big, 'k', OR_KEY_FILE_MAX + 1);
    /* the bound is read whole (and is no PEM) */
    file_with(path, sizeof(path), "max.pem", big, OR_KEY_FILE_MAX);
    snprintf(want, sizeof(want), "key file \"%s\" holds no unencrypted "
             "private key PEM", path);
    expect_refused(path, 1, OR_ECONF, OR_R_BAD_PEM, want);
    /* one byte more is not read */
    file_with(path, sizeof(path), "over.pem", big, OR_KEY_FILE_MAX + 1);
    snprintf(want, sizeof(want), "key file \"%s\" is over %d bytes", path,
             OR_KEY_FILE_MAX);
    expect_refused(path, 1, OR_ETOOBIG, OR_R_TOO_BIG, want);
    free(big);
}

/* without the mode check (openredctl reading a key): still a file */
static void
test_key_file_not_regular(void **state)
{
    char want[256];

    (void) state;
    snprintf(want, sizeof(want), "key file \"%s\" is not a regular file",
             dir);
    expect_refused(dir, 0, OR_ERROR, OR_R_IO, want);
}

static void
test_key_file_not_rsa(void **state)
{
    char path[128], want[256];

    (void) state;
    key_file(path, sizeof(path), "ec.pem",
             EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
    snprintf(want, sizeof(want), "key file \"%s\": key is EC, not RSA",
             path);
    expect_refused(path, 1, OR_ECONF, OR_R_KEY_TYPE, want);
}

static EVP_PKEY *
rsa_key(unsigned bits, unsigned long e)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY     *pkey = NULL;
    BIGNUM       *bn = BN_new();

    assert_non_null(ctx);
    assert_non_null(bn);
    assert_int_equal(BN_set_word(bn, e), 1);
    assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int) bits), 1);
    assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn), 1);
    assert_int_equal(EVP_PKEY_keygen(ctx, &pkey), 1);
    BN_free(bn);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static void
test_key_file_rsa_one_bit_short(void **state)
{
    char path[128], want[256];

    (void) state;
    key_file(path, sizeof(path), "short.pem",
             rsa_key(OR_RSA_BITS_MIN - 1, 65537));
    snprintf(want, sizeof(want), "key file \"%s\": RSA key of %d bits, "
             "expected %d..%d", path, OR_RSA_BITS_MIN - 1, OR_RSA_BITS_MIN,
             OR_RSA_BITS_MAX);
    expect_refused(path, 1, OR_ECONF, OR_R_KEY_SIZE, want);
}

static void
test_key_file_rsa_exponent(void **state)
{
    char       path[128], want[256];
    or_key_t  *key = NULL;
    or_errbuf_t eb;

    (void) state;
    key_file(path, sizeof(path), "e3.pem", rsa_key(OR_RSA_BITS_MIN, 3));
    snprintf(want, sizeof(want), "key file \"%s\": RSA public exponent is "
             "not 65537", path);
    expect_refused(path, 1, OR_ECONF, OR_R_KEY_EXPONENT, want);
    /* the same size with 65537 loads */
    key_file(path, sizeof(path), "ok.pem", rsa_key(OR_RSA_BITS_MIN, 65537));
    memset(&eb, 0, sizeof(eb));
    assert_int_equal(or_key_load(path, &key, &eb), OR_OK);
    assert_non_null(key);
    or_key_free(key);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_file_no_pem),
        cmocka_unit_test(test_key_file_size_bound),
        cmocka_unit_test(test_key_file_not_regular),
        cmocka_unit_test(test_key_file_not_rsa),
        cmocka_unit_test(test_key_file_rsa_one_bit_short),
        cmocka_unit_test(test_key_file_rsa_exponent),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
