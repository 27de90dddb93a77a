/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Identity keys: RSA-2048 generation, PKCS#8 files (0600, atomic save,
 * refused when others can read them), public PEM and fingerprint
 * (PROTOCOL-v2.md "Identity"), and the checks on a peer's public key.
 */
#include "or_key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "or_base64.h"
#include "or_errbuf.h"
#include "or_pubkey_shape.h"

or_err_t
or_fingerprint(const void *pem, size_t len, char *out, or_errbuf_t *eb)
{
    static const char  hex[] = "0123456789abcdef";
    unsigned char      md[EVP_MAX_MD_SIZE];
    int                i;

    if (!EVP_Digest(pem, len, md, NULL, EVP_sha256(), NULL)) {
        return or_errbuf_ssl(eb, "SHA-256");
    }
    for (i = 0; i < OR_FP_LEN / 2; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }
    out[OR_FP_LEN] = '\0';
    return OR_OK;
}

/* the bytes PEM_write_bio_PUBKEY writes, NUL-terminated; *pem owned */
static or_err_t
public_pem(EVP_PKEY *pkey, char **pem, size_t *len, or_errbuf_t *eb)
{
    BIO       *bio;
    char      *data, *copy;
    long       n;
    or_err_t   rc;

    bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        return or_errbuf_nomem(eb);
    }
    if (!PEM_write_bio_PUBKEY(bio, pkey)) {
        rc = or_errbuf_ssl(eb, "PEM_write_bio_PUBKEY");
        goto done;
    }
    n = BIO_get_mem_data(bio, &data);
    copy = malloc((size_t) n + 1);
    if (copy == NULL) {
        rc = or_errbuf_nomem(eb);
        goto done;
    }
    memcpy(copy, data, (size_t) n);
    copy[n] = '\0';
    *pem = copy;
    *len = (size_t) n;
    rc = OR_OK;
done:
    BIO_free(bio);
    return rc;
}

/* RSA, e = 65537, OR_RSA_BITS_MIN..MAX: else OR_EAUTH with the reason */
static or_err_t
check_rsa(const EVP_PKEY *pkey, or_errbuf_t *eb)
{
    BIGNUM    *e = NULL;
    int        bits, ok;

    if (!EVP_PKEY_is_a(pkey, "RSA")) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_TYPE,
                             "key is %s, not RSA",
                             EVP_PKEY_get0_type_name(pkey));
    }
    bits = EVP_PKEY_get_bits(pkey);
    if (bits < OR_RSA_BITS_MIN || bits > OR_RSA_BITS_MAX) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_SIZE,
                             "RSA key of %d bits, expected %d..%d",
                             bits, OR_RSA_BITS_MIN, OR_RSA_BITS_MAX);
    }
    if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
        return or_errbuf_ssl(eb, "RSA public exponent");
    }
    ok = BN_is_word(e, 65537);
    BN_free(e);
    if (!ok) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_EXPONENT,
                             "RSA public exponent is not 65537");
    }
    return OR_OK;
}

/* takes pkey on success only */
static or_err_t
key_wrap(EVP_PKEY *pkey, or_key_t **out, or_errbuf_t *eb)
{
    or_key_t  *key;
    or_err_t   rc;

    key = calloc(1, sizeof(*key));
    if (key == NULL) {
        return or_errbuf_nomem(eb);
    }
    rc = public_pem(pkey, &key->pem, &key->pem_len, eb);
    if (rc == OR_OK) {
        rc = or_fingerprint(key->pem, key->pem_len, key->fp, eb);
    }
    if (rc == OR_OK) {
        key->pem_b64 = malloc(OR_BASE64_LEN(key->pem_len) + 1);
        rc = key->pem_b64 == NULL
             ? or_errbuf_nomem(eb)
             : or_base64_encode(OR_BASE64_STD, key->pem, key->pem_len,
                                key->pem_b64,
                                OR_BASE64_LEN(key->pem_len) + 1,
                                &key->pem_b64_len, eb);
    }
    if (rc != OR_OK) {
        free(key->pem_b64);
        free(key->pem);
        free(key);
        return rc;
    }
    key->pkey = pkey;
    *out = key;
    return OR_OK;
}

or_err_t
or_key_generate(or_key_t **out, or_errbuf_t *eb)
{
    EVP_PKEY  *pkey;
    or_err_t   rc;

    /* e defaults to 65537 */
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) OR_RSA_BITS);
    if (pkey == NULL) {
        return or_errbuf_ssl(eb, "RSA key generation");
    }
    rc = key_wrap(pkey, out, eb);
    if (rc != OR_OK) {
        EVP_PKEY_free(pkey);
    }
    return rc;
}

void
or_key_free(or_key_t *key)
{
    if (key == NULL) {
        return;
    }
    EVP_PKEY_free(key->pkey);
    free(key->pem);
    free(key->pem_b64);
    free(key);
}

const char *
or_key_fingerprint(const or_key_t *key)
{
    return key->fp;
}

const char *
or_key_public_pem(const or_key_t *key, size_t *len)
{
    *len = key->pem_len;
    return key->pem;
}

static or_err_t
write_all(int fd, const char *p, size_t n, const char *path, or_errbuf_t *eb)
{
    ssize_t  w;

    while (n > 0) {
        w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return or_errbuf_set(eb, OR_ERROR, OR_R_IO, "write \"%s\": %s",
                                 path, strerror(errno));
        }
        p += w;
        n -= (size_t) w;
    }
    return OR_OK;
}

/* writes the private PEM to a new 0600 temp file beside path, renames */
static or_err_t
save_pem(const char *pem, size_t n, const char *path, or_errbuf_t *eb)
{
    char      *tmp;
    int        fd;
    or_err_t   rc;

    if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
        return or_errbuf_nomem(eb);
    }
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = or_errbuf_set(eb, OR_ERROR, OR_R_IO, "create \"%s\": %s", tmp,
                           strerror(errno));
        free(tmp);
        return rc;
    }
    rc = fchmod(fd, 0600) == 0 ? OR_OK
         : or_errbuf_set(eb, OR_ERROR, OR_R_IO, "chmod \"%s\": %s", tmp,
                         strerror(errno));
    if (rc == OR_OK) {
        rc = write_all(fd, pem, n, tmp, eb);
    }
    if (rc == OR_OK && fsync(fd) != 0) {
        rc = or_errbuf_set(eb, OR_ERROR, OR_R_IO, "fsync \"%s\": %s", tmp,
                           strerror(errno));
    }
    if (close(fd) != 0 && rc == OR_OK) {
        rc = or_errbuf_set(eb, OR_ERROR, OR_R_IO, "close \"%s\": %s", tmp,
                           strerror(errno));
    }
    if (rc == OR_OK && rename(tmp, path) != 0) {
        rc = or_errbuf_set(eb, OR_ERROR, OR_R_IO, "rename \"%s\" to \"%s\": "
                           "%s", tmp, path, strerror(errno));
    }
    if (rc != OR_OK) {
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

or_err_t
or_key_save(const or_key_t *key, const char *path, or_errbuf_t *eb)
{
    BIO       *bio;
    char      *data;
    long       n;
    or_err_t   rc;

    bio = BIO_new(BIO_s_secmem());
    if (bio == NULL) {
        return or_errbuf_nomem(eb);
    }
    /* PKCS#8, unencrypted: "BEGIN PRIVATE KEY" */
    if (!PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL,
                                  NULL))
    {
        rc = or_errbuf_ssl(eb, "PEM_write_bio_PrivateKey");
        goto done;
    }
    n = BIO_get_mem_data(bio, &data);
    rc = save_pem(data, (size_t) n, path, eb);
    OPENSSL_cleanse(data, (size_t) n);
done:
    BIO_free(bio);
    return rc;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void) buf;
    (void) size;
    (void) rwflag;
    (void) u;
    return -1;
}

/*
 * A key file we trust: a regular file reached without following a symlink
 * in its last component, owned by our effective uid or root, with no group
 * or other bits. A worker that can write the key folder could otherwise
 * point a key at any root-only 0600 RSA key, or another local user could
 * hand us a key it owns (issue 16). On fd, so nothing changes in between.
 */
static or_err_t
check_key_fd(int fd, const char *path, or_errbuf_t *eb)
{
    struct stat  st;
    uid_t        me = geteuid();

    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        return or_errbuf_set(eb, OR_ERROR, OR_R_IO,
                             "key file \"%s\" is not a regular file", path);
    }
    if (st.st_uid != me && st.st_uid != 0) {
        return or_errbuf_set(eb, OR_ECONF, OR_R_KEY_PERMS,
                             "key file \"%s\" is owned by uid %u, not by "
                             "uid %u (this process) or root; run \"chown "
                             "%u %s\"", path, (unsigned) st.st_uid,
                             (unsigned) me, (unsigned) me, path);
    }
    if ((st.st_mode & 077) != 0) {
        return or_errbuf_set(eb, OR_ECONF, OR_R_KEY_PERMS,
                             "key file \"%s\" is accessible by group or "
                             "others (mode %04o); run \"chmod 600 %s\"",
                             path, (unsigned) (st.st_mode & 07777), path);
    }
    return OR_OK;
}

/* reads at most OR_KEY_FILE_MAX bytes; check_mode: only a trusted file */
static or_err_t
read_key_file(const char *path, int check_mode, char *buf, size_t *n,
    or_errbuf_t *eb)
{
    struct stat  st;
    ssize_t      r;
    size_t       got = 0;
    int          fd;
    or_err_t     rc = OR_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY
                    | (check_mode ? O_NOFOLLOW : 0));
    if (fd < 0 && errno == ELOOP && check_mode) {
        return or_errbuf_set(eb, OR_ECONF, OR_R_KEY_PERMS,
                             "key file \"%s\" is a symbolic link; keys are "
                             "not read through links: put the key file "
                             "itself there", path);
    }
    if (fd < 0) {
        return or_errbuf_set(eb, OR_ERROR, OR_R_IO, "open \"%s\": %s", path,
                             strerror(errno));
    }
    if (check_mode) {
        rc = check_key_fd(fd, path, eb);
    } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = or_errbuf_set(eb, OR_ERROR, OR_R_IO,
                           "key file \"%s\" is not a regular file", path);
    }
    while (rc == OR_OK && got <= OR_KEY_FILE_MAX) {
        r = read(fd, buf + got, OR_KEY_FILE_MAX + 1 - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            rc = or_errbuf_set(eb, OR_ERROR, OR_R_IO, "read \"%s\": %s",
                               path, strerror(errno));
        }
        if (r <= 0) {
            break;
        }
        got += (size_t) r;
    }
    if (rc == OR_OK && got > OR_KEY_FILE_MAX) {
        rc = or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG,
                           "key file \"%s\" is over %d bytes", path,
                           OR_KEY_FILE_MAX);
    }
    close(fd);
    if (rc == OR_OK) {
        *n = got;
    }
    return rc;
}

or_err_t
or_key_load(const char *path, or_key_t **out, or_errbuf_t *eb)
{
    return or_key_load_any_mode(path, 1, out, eb);
}

or_err_t
or_key_load_any_mode(const char *path, int check_mode, or_key_t **out,
    or_errbuf_t *eb)
{
    char      *buf;
    size_t     n = 0;
    BIO       *bio = NULL;
    EVP_PKEY  *pkey = NULL;
    or_errbuf_t  why;
    or_err_t   rc;

    buf = OPENSSL_secure_malloc(OR_KEY_FILE_MAX + 1);
    if (buf == NULL) {
        return or_errbuf_nomem(eb);
    }
    rc = read_key_file(path, check_mode, buf, &n, eb);
    if (rc != OR_OK) {
        goto done;
    }
    bio = BIO_new_mem_buf(buf, (int) n);
    if (bio == NULL) {
        rc = or_errbuf_nomem(eb);
        goto done;
    }
    pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    if (pkey == NULL) {
        ERR_clear_error();
        rc = or_errbuf_set(eb, OR_ECONF, OR_R_BAD_PEM, "key file \"%s\" "
                           "holds no unencrypted private key PEM", path);
        goto done;
    }
    rc = check_rsa(pkey, &why);
    if (rc != OR_OK) {
        rc = or_errbuf_set(eb, OR_ECONF, why.reason, "key file \"%s\": %s",
                           path, why.msg);
        goto done;
    }
    rc = key_wrap(pkey, out, eb);
    if (rc == OR_OK) {
        pkey = NULL;
    }
done:
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    OPENSSL_secure_clear_free(buf, OR_KEY_FILE_MAX + 1);
    return rc;
}

or_err_t
or_key_load_or_create(const char *path, or_key_t **out, int *created,
    or_errbuf_t *eb)
{
    struct stat  st;
    or_key_t    *key;
    or_err_t     rc;

    /* lstat: a dangling symlink is not a missing key, it is refused */
    if (lstat(path, &st) == 0 || errno != ENOENT) {
        rc = or_key_load(path, out, eb);
        if (rc == OR_OK && created != NULL) {
            *created = 0;
        }
        return rc;
    }
    rc = or_key_generate(&key, eb);
    if (rc != OR_OK) {
        return rc;
    }
    rc = or_key_save(key, path, eb);
    if (rc != OR_OK) {
        or_key_free(key);
        return rc;
    }
    if (created != NULL) {
        *created = 1;
    }
    *out = key;
    return OR_OK;
}

/*
 * The fast path of or_pubkey_import. PEM_write_bio_PUBKEY writes an RSA key
 * with e = 65537 in exactly one shape: the armour lines, base64 in 64-column
 * lines each ending in \n, and this DER, lengths always in the 0x82 form for
 * 2048..4096 bits (m = the INTEGER n's content length, 256..513 bytes):
 *
 *   30 82 <m+33>  SubjectPublicKeyInfo
 *     30 0d 06 09 2a864886f70d010101 05 00   rsaEncryption, NULL
 *     03 82 <m+14> 00   BIT STRING, no unused bits
 *       30 82 <m+9>     RSAPublicKey
 *         02 82 <m> n   minimal: a leading 00 only before a set top bit
 *         02 03 010001  e = 65537
 *
 * Matching that template and the line layout, with a strict base64
 * decoder, accepts exactly the canonical encodings of the keys we accept,
 * without OpenSSL 3.0's decoder chain (~270 us) and the re-encoding.
 * Anything else is refused, and or_pubkey_shape.c says why.
 */
#define PEM_HEAD        "-----BEGIN PUBLIC KEY-----\n"
#define PEM_TAIL        "-----END PUBLIC KEY-----\n"
#define PEM_COLS        64
#define SPKI_FIXED      37                      /* DER bytes besides n */
#define SPKI_N_AT       32                      /* offset of n's content */
#define SPKI_DER_MAX    (SPKI_FIXED + OR_RSA_BITS_MAX / 8 + 1)

static const unsigned char  spki_alg[] = {
    0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
    0x01, 0x05, 0x00
};
static const unsigned char  spki_e[] = { 0x02, 0x03, 0x01, 0x00, 0x01 };

static unsigned char *
put_len82(unsigned char *p, unsigned tag, size_t len)
{
    p[0] = (unsigned char) tag;
    p[1] = 0x82;
    p[2] = (unsigned char) (len >> 8);
    p[3] = (unsigned char) len;
    return p + 4;
}

/* the base64 between the armour lines, newlines dropped; 0 if misshapen */
static size_t
pem_body(const char *pem, size_t len, char *b64)
{
    const char  *body, *end;
    size_t       n = 0, col = 0;

    if (len < sizeof(PEM_HEAD) + sizeof(PEM_TAIL)
        || memcmp(pem, PEM_HEAD, sizeof(PEM_HEAD) - 1) != 0
        || memcmp(pem + len - (sizeof(PEM_TAIL) - 1), PEM_TAIL,
                  sizeof(PEM_TAIL) - 1) != 0)
    {
        return 0;
    }
    body = pem + sizeof(PEM_HEAD) - 1;
    end = pem + len - (sizeof(PEM_TAIL) - 1);
    /* full lines of 64, then one of 1..64; each ends in \n */
    for (; body < end; body++) {
        if (*body == '\n') {
            if (col == 0 || (col < PEM_COLS && body + 1 != end)) {
                return 0;
            }
            col = 0;
            continue;
        }
        if (col == PEM_COLS) {
            return 0;
        }
        b64[n++] = *body;
        col++;
    }
    return col == 0 ? n : 0;
}

/* n's big-endian magnitude within der if der is the template; else NULL */
static const unsigned char *
spki_modulus(const unsigned char *der, size_t len, size_t *nlen)
{
    unsigned char        want[SPKI_N_AT], *p;
    const unsigned char  *n;
    size_t               m, bits;

    if (len < SPKI_FIXED + OR_RSA_BITS_MIN / 8 || len > SPKI_DER_MAX) {
        return NULL;
    }
    m = len - SPKI_FIXED;
    p = put_len82(want, 0x30, m + 33);
    memcpy(p, spki_alg, sizeof(spki_alg));
    p = put_len82(p + sizeof(spki_alg), 0x03, m + 14);
    *p++ = 0x00;
    p = put_len82(p, 0x30, m + 9);
    put_len82(p, 0x02, m);
    n = der + SPKI_N_AT;
    if (memcmp(der, want, SPKI_N_AT) != 0
        || memcmp(n + m, spki_e, sizeof(spki_e)) != 0)
    {
        return NULL;
    }
    /* minimal and positive; m >= 256 so n[1] exists */
    if (n[0] == 0x00 ? (n[1] & 0x80) == 0 : (n[0] & 0x80) != 0) {
        return NULL;
    }
    if (n[0] == 0x00) {
        n++;
        m--;
    }
    /* n[0] != 0 here: its bit length is 8 - clz(n[0] << 24) */
    bits = 8 * m - (size_t) __builtin_clz((unsigned) n[0] << 24);
    if (bits < OR_RSA_BITS_MIN || bits > OR_RSA_BITS_MAX) {
        return NULL;
    }
    *nlen = m;
    return n;
}

/* an EVP_PKEY from n (big-endian) and e = 65537; NULL on failure */
static EVP_PKEY *
rsa_from_n(const unsigned char *n, size_t nlen)
{
    static const uint16_t  one = 1;
    unsigned char          native[OR_RSA_BITS_MAX / 8];
    unsigned int           e = 65537;
    OSSL_PARAM             params[3];
    EVP_PKEY_CTX          *ctx;
    EVP_PKEY              *pkey = NULL;
    size_t                 i;

    /* OSSL_PARAM integers are in native byte order */
    for (i = 0; i < nlen; i++) {
        native[i] = *(const unsigned char *) &one ? n[nlen - 1 - i] : n[i];
    }
    params[0] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, native, nlen);
    params[1] = OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &e);
    params[2] = OSSL_PARAM_construct_end();
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0
        || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    {
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* the canonical key of an RSA-65537 template, or 0 to take the full path */
static int
import_fast(const char *pem, size_t len, EVP_PKEY **out)
{
    char                  b64[OR_PUBKEY_PEM_MAX];
    unsigned char         der[SPKI_DER_MAX];
    const unsigned char  *n;
    size_t                b64len, derlen, nlen;

    b64len = pem_body(pem, len, b64);
    if (b64len == 0
        || or_base64_decode(OR_BASE64_STD, b64, b64len, der, sizeof(der),
                            &derlen, NULL) != OR_OK)
    {
        return 0;
    }
    n = spki_modulus(der, derlen, &nlen);
    if (n == NULL) {
        return 0;
    }
    *out = rsa_from_n(n, nlen);
    return *out != NULL;
}

or_err_t
or_pubkey_import(const char *pem, size_t len, or_pubkey_t **out,
    or_errbuf_t *eb)
{
    EVP_PKEY     *pkey = NULL;
    or_pubkey_t  *pk;
    or_err_t      rc;

    if (len > OR_PUBKEY_PEM_MAX) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG, "public key PEM "
                             "of %zu bytes, bound %d", len,
                             OR_PUBKEY_PEM_MAX);
    }
    /* the reason of a refusal is found without OpenSSL's decoders:
     * network input never reaches them (or_pubkey_shape.c) */
    if (!import_fast(pem, len, &pkey)) {
        return or_pubkey_refusal(pem, len, eb);
    }
    pk = calloc(1, sizeof(*pk));
    if (pk == NULL || (pk->pem = malloc(len + 1)) == NULL) {
        free(pk);
        EVP_PKEY_free(pkey);
        return or_errbuf_nomem(eb);
    }
    memcpy(pk->pem, pem, len);
    pk->pem[len] = '\0';
    pk->pem_len = len;
    rc = or_fingerprint(pk->pem, pk->pem_len, pk->fp, eb);
    if (rc != OR_OK) {
        free(pk->pem);
        free(pk);
        EVP_PKEY_free(pkey);
        return rc;
    }
    pk->pkey = pkey;
    pk->refs = 1;
    *out = pk;
    return OR_OK;
}

or_pubkey_t *
or_pubkey_ref(or_pubkey_t *pk)
{
    __atomic_add_fetch(&pk->refs, 1, __ATOMIC_RELAXED);
    return pk;
}

void
or_pubkey_free(or_pubkey_t *pk)
{
    if (pk == NULL
        || __atomic_sub_fetch(&pk->refs, 1, __ATOMIC_ACQ_REL) != 0)
    {
        return;
    }
    EVP_PKEY_free(pk->pkey);
    free(pk->pem);
    free(pk);
}

const char *
or_pubkey_fingerprint(const or_pubkey_t *pk)
{
    return pk->fp;
}

const char *
or_pubkey_pem(const or_pubkey_t *pk, size_t *len)
{
    *len = pk->pem_len;
    return pk->pem;
}
