/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * RSA-PSS with SHA-256, MGF1(SHA-256) and the maximal salt (222 bytes for
 * RSA-2048), the original's parameters (PROTOCOL-v2.md "Signatures").
 */
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "or_errbuf.h"
#include "or_key.h"

/* compat: the original signs and verifies with PSS.MAX_LENGTH, strictly */
static int
set_pss(EVP_PKEY_CTX *pctx)
{
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0
           && EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_MAX) > 0
           && EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL) > 0;
}

or_err_t
or_sign(const or_key_t *key, const void *data, size_t len,
    unsigned char *sig, size_t sigcap, size_t *siglen, or_errbuf_t *eb)
{
    EVP_MD_CTX    *md;
    EVP_PKEY_CTX  *pctx = NULL;
    size_t         n;
    or_err_t       rc;

    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return or_errbuf_nomem(eb);
    }
    if (EVP_DigestSignInit_ex(md, &pctx, "SHA256", NULL, NULL, key->pkey,
                              NULL) != 1
        || !set_pss(pctx)
        || EVP_DigestSign(md, NULL, &n, data, len) != 1)
    {
        rc = or_errbuf_ssl(eb, "RSA-PSS sign init");
        goto done;
    }
    if (n > sigcap) {
        rc = or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL, "signature needs "
                           "%zu bytes, buffer has %zu", n, sigcap);
        goto done;
    }
    if (EVP_DigestSign(md, sig, &n, data, len) != 1) {
        rc = or_errbuf_ssl(eb, "RSA-PSS sign");
        goto done;
    }
    *siglen = n;
    rc = OR_OK;
done:
    EVP_MD_CTX_free(md);
    return rc;
}

or_err_t
or_verify(const or_pubkey_t *pk, const void *data, size_t len,
    const unsigned char *sig, size_t siglen, or_errbuf_t *eb)
{
    EVP_MD_CTX    *md;
    EVP_PKEY_CTX  *pctx = NULL;
    or_err_t       rc;
    int            ok, size;

    /* RSA-PSS is checked on the integer: OpenSSL accepts a signature with
     * its leading 0x00 bytes stripped, a second encoding of one signature
     * that a cache keyed on the bytes has never seen (issue 16). */
    size = EVP_PKEY_get_size(pk->pkey);
    if (size <= 0 || siglen != (size_t) size) {
        return or_errbuf_set(eb, OR_EAUTH, OR_R_SIG_LENGTH, "signature of "
                             "%zu bytes, the key's size is %d bytes", siglen,
                             size);
    }
    md = EVP_MD_CTX_new();
    if (md == NULL) {
        return or_errbuf_nomem(eb);
    }
    if (EVP_DigestVerifyInit_ex(md, &pctx, "SHA256", NULL, NULL, pk->pkey,
                                NULL) != 1
        || !set_pss(pctx))
    {
        rc = or_errbuf_ssl(eb, "RSA-PSS verify init");
        goto done;
    }
    ok = EVP_DigestVerify(md, sig, siglen, data, len);
    ERR_clear_error();
    rc = ok == 1 ? OR_OK
         : or_errbuf_set(eb, OR_EAUTH, OR_R_BAD_SIGNATURE,
                         "signature does not verify");
done:
    EVP_MD_CTX_free(md);
    return rc;
}
