/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Why a peer's public key PEM that missed the canonical fast path
 * (or_key.c) is refused, found without OpenSSL's decoders: they spent
 * 0.65-2.4 ms of worker CPU on each unauthenticated key (explicit-parameter
 * EC, DSA, RSA-1024, re-wrapped PEMs), up to 13 bad-signature refusals'
 * worth (issue 16). This reads the armour, the base64 and the DER
 * (SubjectPublicKeyInfo or PKCS#1 RSAPublicKey) only as far as needed to
 * name the reason, in the order the full checks gave: bad_pem, then
 * key_not_rsa, key_size, key_exponent, then key_not_canonical.
 */
#include "or_pubkey_shape.h"

#include <stdint.h>
#include <string.h>

#include "or_base64.h"
#include "or_errbuf.h"

#define PEM_COLS   64
#define DER_MAX    (OR_PUBKEY_PEM_MAX / 4 * 3 + 3)

typedef struct {
    const unsigned char  *p;
    size_t                len;
} der_t;

typedef struct {
    int   canonical;    /* 0 once anything differs from the one encoding */
    int   pkcs1;        /* "RSA PUBLIC KEY": a bare RSAPublicKey */
} shape_t;

static const unsigned char  oid_rsa[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01
};

/* the algorithms a refusal names; any other OID is "an unknown type" */
static const struct {
    const char           *name;
    size_t                len;
    const unsigned char  *oid;
} known[] = {
    { "EC", 7, (const unsigned char *) "\x2a\x86\x48\xce\x3d\x02\x01" },
    { "DSA", 7, (const unsigned char *) "\x2a\x86\x48\xce\x38\x04\x01" },
    { "RSA-PSS", 9,
      (const unsigned char *) "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a" },
    { "DH", 9,
      (const unsigned char *) "\x2a\x86\x48\x86\xf7\x0d\x01\x03\x01" },
    { "X25519", 3, (const unsigned char *) "\x2b\x65\x6e" },
    { "X448", 3, (const unsigned char *) "\x2b\x65\x6f" },
    { "ED25519", 3, (const unsigned char *) "\x2b\x65\x70" },
    { "ED448", 3, (const unsigned char *) "\x2b\x65\x71" },
};

static or_err_t
bad_pem(or_errbuf_t *eb)
{
    return or_errbuf_set(eb, OR_EPROTO, OR_R_BAD_PEM,
                         "public key is not a PUBLIC KEY PEM");
}

/* one TLV of tag off the front of in; -1 if it is not there whole */
static int
der_get(der_t *in, unsigned tag, der_t *out, shape_t *sh)
{
    size_t  n, i = 2, nb;

    if (in->len < 2 || in->p[0] != tag) {
        return -1;
    }
    n = in->p[1];
    if (n & 0x80) {
        nb = n & 0x7f;
        if (nb == 0 || nb > 4 || in->len < 2 + nb) {
            return -1;
        }
        n = 0;
        for (size_t k = 0; k < nb; k++) {
            n = n << 8 | in->p[2 + k];
        }
        i += nb;
        if (n < 0x80 || n >> (8 * (nb - 1)) == 0) {
            sh->canonical = 0;          /* a longer length form than DER */
        }
    }
    if (in->len - i < n) {
        return -1;
    }
    out->p = in->p + i;
    out->len = n;
    in->p += i + n;
    in->len -= i + n;
    return 0;
}

/* an INTEGER's magnitude; notes a non-minimal or negative encoding */
static int
der_uint(der_t *in, der_t *mag, shape_t *sh)
{
    der_t  v;

    if (der_get(in, 0x02, &v, sh) != 0 || v.len == 0) {
        return -1;
    }
    if (v.p[0] & 0x80) {
        sh->canonical = 0;              /* negative: not an RSA number */
    } else if (v.len > 1 && v.p[0] == 0x00 && (v.p[1] & 0x80) == 0) {
        sh->canonical = 0;              /* a superfluous leading zero */
    }
    while (v.len > 0 && v.p[0] == 0x00) {
        v.p++;
        v.len--;
    }
    *mag = v;
    return 0;
}

/* RSAPublicKey: the policy on n and e, then what is left of the shape */
static or_err_t
check_rsa_key(der_t in, shape_t *sh, or_errbuf_t *eb)
{
    der_t   seq, n, e;
    size_t  bits;

    if (der_get(&in, 0x30, &seq, sh) != 0 || in.len != 0
        || der_uint(&seq, &n, sh) != 0 || der_uint(&seq, &e, sh) != 0
        || seq.len != 0)
    {
        return bad_pem(eb);
    }
    bits = n.len == 0 ? 0
           : 8 * n.len - (size_t) __builtin_clz((unsigned) n.p[0] << 24);
    if (bits < OR_RSA_BITS_MIN || bits > OR_RSA_BITS_MAX) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_SIZE,
                             "RSA key of %zu bits, expected %d..%d", bits,
                             OR_RSA_BITS_MIN, OR_RSA_BITS_MAX);
    }
    if (e.len != 3 || memcmp(e.p, "\x01\x00\x01", 3) != 0) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_EXPONENT,
                             "RSA public exponent is not 65537");
    }
    if (!sh->canonical || sh->pkcs1) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_NONCANONICAL,
                             "public key PEM is not in canonical form");
    }
    /* the template would have matched: only building the key failed */
    return or_errbuf_set(eb, OR_ECRYPTO, OR_R_CRYPTO, "public key passes "
                         "the checks but could not be built");
}

/* SubjectPublicKeyInfo: the algorithm, then the RSA key in the BIT STRING */
static or_err_t
check_spki(der_t der, shape_t *sh, or_errbuf_t *eb)
{
    der_t   spki, alg, oid, bits, params;

    if (der_get(&der, 0x30, &spki, sh) != 0
        || der_get(&spki, 0x30, &alg, sh) != 0
        || der_get(&alg, 0x06, &oid, sh) != 0)
    {
        return bad_pem(eb);
    }
    if (der.len != 0) {
        sh->canonical = 0;              /* bytes after the DER */
    }
    if (oid.len != sizeof(oid_rsa) || memcmp(oid.p, oid_rsa, oid.len) != 0) {
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            if (oid.len == known[i].len
                && memcmp(oid.p, known[i].oid, oid.len) == 0)
            {
                return or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_TYPE,
                                     "key is %s, not RSA", known[i].name);
            }
        }
        return or_errbuf_set(eb, OR_EAUTH, OR_R_KEY_TYPE,
                             "key is of an unknown type, not RSA");
    }
    /* rsaEncryption takes NULL parameters; none at all is not DER's */
    if (alg.len == 0) {
        sh->canonical = 0;
    } else if (der_get(&alg, 0x05, &params, sh) != 0 || params.len != 0
               || alg.len != 0)
    {
        return bad_pem(eb);
    }
    if (der_get(&spki, 0x03, &bits, sh) != 0 || spki.len != 0
        || bits.len < 1 || bits.p[0] != 0x00)
    {
        return bad_pem(eb);
    }
    bits.p++;
    bits.len--;
    return check_rsa_key(bits, sh, eb);
}

/* the label after "-----BEGIN " / "-----END ": 1 PUBLIC KEY, 2 RSA, 0 */
static int
pem_label(const char *p, size_t left, size_t *used)
{
    static const char  pub[] = "PUBLIC KEY-----", rsa[] = "RSA PUBLIC KEY-----";

    if (left >= sizeof(pub) - 1 && memcmp(p, pub, sizeof(pub) - 1) == 0) {
        *used = sizeof(pub) - 1;
        return 1;
    }
    if (left >= sizeof(rsa) - 1 && memcmp(p, rsa, sizeof(rsa) - 1) == 0) {
        *used = sizeof(rsa) - 1;
        return 2;
    }
    return 0;
}

/*
 * The base64 of body[0..len) (from the end of the BEGIN line to the start
 * of the END line) into b64; -1 on a character that is not base64 or
 * blank, or an empty line. Notes every layout that is not 64 columns.
 */
static int
pem_collect(const char *body, size_t len, char *b64, size_t *n, shape_t *sh)
{
    size_t  col = 0, lines = 0, chars = 0, o = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char  c = (unsigned char) body[i];

        if (c == '\n') {
            /* the BEGIN line's end comes first; then no empty line */
            if (lines > 0 && chars == 0) {
                return -1;
            }
            if (lines > 0 && col != PEM_COLS && i + 1 != len) {
                sh->canonical = 0;
            }
            if (lines == 0 && i != 0) {
                sh->canonical = 0;      /* blanks after the BEGIN line */
            }
            lines++;
            col = chars = 0;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            sh->canonical = 0;
            chars += lines > 0;
            continue;
        }
        if (lines == 0 || !(c == '+' || c == '/' || c == '='
                            || (c >= '0' && c <= '9')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= 'a' && c <= 'z')))
        {
            return -1;
        }
        b64[o++] = (char) c;
        col++;
        chars++;
        if (col > PEM_COLS) {
            sh->canonical = 0;
        }
    }
    /* the END line must start a line of its own */
    if (len == 0 || body[len - 1] != '\n') {
        return -1;
    }
    *n = o;
    return 0;
}

or_err_t
or_pubkey_refusal(const char *pem, size_t len, or_errbuf_t *eb)
{
    static const char  begin[] = "-----BEGIN ", end[] = "-----END ";
    char               b64[OR_PUBKEY_PEM_MAX];
    unsigned char      der[DER_MAX];
    const char        *b, *body, *e;
    size_t             used, b64len, derlen, left;
    shape_t            sh = { 1, 0 };
    int                label;
    der_t              d;

    if (len > OR_PUBKEY_PEM_MAX) {
        return bad_pem(eb);             /* or_pubkey_import refused it */
    }
    b = memmem(pem, len, begin, sizeof(begin) - 1);
    if (b == NULL) {
        return bad_pem(eb);
    }
    if (b != pem) {
        sh.canonical = 0;               /* text before the armour */
    }
    body = b + sizeof(begin) - 1;
    label = pem_label(body, len - (size_t) (body - pem), &used);
    if (label == 0) {
        return bad_pem(eb);
    }
    sh.pkcs1 = label == 2;
    body += used;
    e = memmem(body, len - (size_t) (body - pem), end, sizeof(end) - 1);
    if (e == NULL) {
        return bad_pem(eb);
    }
    left = len - (size_t) (e + sizeof(end) - 1 - pem);
    if (pem_label(e + sizeof(end) - 1, left, &used) != label) {
        return bad_pem(eb);
    }
    /* exactly one newline after the END line */
    if (left - used != 1 || e[sizeof(end) - 1 + used] != '\n') {
        sh.canonical = 0;
    }
    if (pem_collect(body, (size_t) (e - body), b64, &b64len, &sh) != 0
        || or_base64_decode(OR_BASE64_STD, b64, b64len, der, sizeof(der),
                            &derlen, NULL) != OR_OK)
    {
        return bad_pem(eb);
    }
    d.p = der;
    d.len = derlen;
    return sh.pkcs1 ? check_rsa_key(d, &sh, eb) : check_spki(d, &sh, eb);
}
