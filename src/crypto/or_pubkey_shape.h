/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Naming why a public key PEM is refused, without OpenSSL's decoders. */
#ifndef OR_PUBKEY_SHAPE_H_INCLUDED
#define OR_PUBKEY_SHAPE_H_INCLUDED

#include "openred.h"

/*
 * For a PEM the canonical fast path did not take: always an error, with
 * the reason (bad_pem, key_not_rsa, key_size, key_exponent,
 * key_not_canonical; crypto_library if the PEM is canonical after all).
 * Pure and linear in len; len <= OR_PUBKEY_PEM_MAX.
 */
or_err_t or_pubkey_refusal(const char *pem, size_t len, or_errbuf_t *eb)
    OR_WUR;

#endif /* OR_PUBKEY_SHAPE_H_INCLUDED */
