/* Unit tests of src/crypto/or_key.c: identity files, PEM, fingerprints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "openred.h"
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
expect_import(const char *pem, size_t len, or_err_t err, or_reason_t reason)
{
    or_pubkey_t  *pk = NULL;
    or_errbuf_t   eb;

    assert_int_equal(or_pubkey_import(pem, len, &pk, &eb), err);
    if (err == OR_OK) {
        or_pubkey_free(pk);
        return;
    }
    assert_null(pk);
    assert_int_equal(eb.reason, reason);
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

/* the PEM of a generated key of the given type / size / exponent */
static char *
pem_of(EVP_PKEY *pkey, size_t *n)
{
    BIO    *bio = BIO_new(BIO_s_mem());
    char   *data, *copy;
    long    len;

    assert_int_equal(PEM_write_bio_PUBKEY(bio, pkey), 1);
    len = BIO_get_mem_data(bio, &data);
    copy = malloc((size_t) len);
    memcpy(copy, data, (size_t) len);
    *n = (size_t) len;
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return copy;
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_key_load_vectors),
        cmocka_unit_test(test_or_key_load_world_readable),
        cmocka_unit_test(test_or_key_load_missing_and_garbage),
        cmocka_unit_test(test_or_key_save_roundtrip),
        cmocka_unit_test(test_or_key_save_unwritable_dir),
        cmocka_unit_test(test_or_key_fingerprint_format),
        cmocka_unit_test(test_or_pubkey_import_vectors),
        cmocka_unit_test(test_or_pubkey_import_noncanonical),
        cmocka_unit_test(test_or_pubkey_import_policy),
        cmocka_unit_test(test_or_pubkey_import_malformed),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
