/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The one error enum of openred and libopenred. OR_OK is 0; every failure is
 * negative. A new code must change what some caller does.
 */
#ifndef OR_ERR_H_INCLUDED
#define OR_ERR_H_INCLUDED

typedef enum {
    OR_OK      =  0,
    OR_ERROR   = -1,   /* failed and already logged / errbuf filled */
    OR_AGAIN   = -2,   /* not enough input yet, or would block: retry */
    OR_ENOMEM  = -3,   /* allocation failed: refuse one request, carry on */
    OR_EPROTO  = -4,   /* malformed input: close that peer */
    OR_ETOOBIG = -5,   /* input over a named bound */
    OR_EAUTH   = -6,   /* well-formed but not authentic (signature, HMAC,
                          key-to-fingerprint binding, target, time window) */
    OR_ECRYPTO = -7,   /* the crypto library itself failed */
    OR_ECONF   = -8    /* configuration is wrong */
} or_err_t;

const char *or_strerror(or_err_t err);

#endif /* OR_ERR_H_INCLUDED */
