/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Reason names and the errbuf helpers of libopenred. */
#include "or_errbuf.h"

#include <stdarg.h>
#include <stdio.h>

#include <openssl/err.h>

static const char *const reason_names[OR_R_LAST] = {
    [OR_R_NONE]             = "none",
    [OR_R_NOMEM]            = "out_of_memory",
    [OR_R_CRYPTO]           = "crypto_library",
    [OR_R_IO]               = "io",
    [OR_R_KEY_PERMS]        = "key_permissions",
    [OR_R_BAD_PEM]          = "bad_pem",
    [OR_R_KEY_TYPE]         = "key_not_rsa",
    [OR_R_KEY_EXPONENT]     = "key_exponent",
    [OR_R_KEY_SIZE]         = "key_size",
    [OR_R_KEY_NONCANONICAL] = "key_not_canonical",
    [OR_R_BAD_BASE64]       = "bad_base64",
    [OR_R_TOO_BIG]          = "too_big",
    [OR_R_BUF_SMALL]        = "buffer_too_small",
    [OR_R_TOKEN_LENGTH]     = "token_length",
    [OR_R_TOKEN_VERSION]    = "token_version",
    [OR_R_HMAC]             = "hmac",
    [OR_R_PADDING]          = "bad_padding",
    [OR_R_EXPIRED]          = "expired",
    [OR_R_FUTURE]           = "future",
    [OR_R_JSON_MALFORMED]   = "malformed_json",
    [OR_R_JSON_NONFINITE]   = "json_nan",
    [OR_R_JSON_DEPTH]       = "json_too_deep",
    [OR_R_JSON_SHAPE]       = "json_shape",
    [OR_R_BEACON_TYPE]      = "beacon_type",
    [OR_R_MSG_TYPE]         = "message_type",
    [OR_R_BAD_FINGERPRINT]  = "bad_fingerprint",
    [OR_R_TS_NOT_INTEGER]   = "timestamp_not_integer",
    [OR_R_NOT_FOR_US]       = "not_for_this_node",
    [OR_R_HS_EXPIRED]       = "handshake_expired",
    [OR_R_KEY_NOT_BOUND]    = "key_not_bound",
    [OR_R_BAD_SIGNATURE]    = "bad_signature",
    [OR_R_WRONG_PEER]       = "wrong_peer",
    [OR_R_LINK_MISMATCH]    = "mutual_link_mismatch",
    [OR_R_PEER_ERROR]       = "peer_error",
    [OR_R_SIG_LENGTH]       = "signature_length",
    [OR_R_V3_MAGIC]         = "v3_bad_magic",
    [OR_R_V3_TRUNCATED]     = "v3_truncated",
    [OR_R_V3_TRAILING]      = "v3_trailing",
    [OR_R_V3_VERSION]       = "v3_version",
    [OR_R_V3_SUITE]         = "v3_suite",
    [OR_R_V3_EPHEMERAL]     = "v3_ephemeral",
    [OR_R_V3_FINISHED]      = "v3_finished",
    [OR_R_V3_RECORD_LENGTH] = "v3_record_length",
    [OR_R_V3_RECORD_AUTH]   = "v3_record_auth",
    [OR_R_V3_RECORD_TYPE]   = "v3_record_type",
    [OR_R_V3_RECORD_BODY]   = "v3_record_body",
    [OR_R_V3_REKEY_OVERDUE] = "v3_rekey_overdue",
    [OR_R_V3_CLOSED]        = "v3_closed",
    [OR_R_V3_STATE]         = "v3_state",
    [OR_R_V3_BEACON_FIELD]  = "v3_beacon_field",
    [OR_R_V3_BEACON_SEAL]   = "v3_beacon_seal",
    [OR_R_V3_BEACON_SEQ]    = "v3_beacon_seq",
    [OR_R_V3_BEACON_STALE]  = "v3_beacon_stale",
    [OR_R_V3_BEACON_BUDGET] = "v3_beacon_budget",
};

const char *
or_reason_name(or_reason_t reason)
{
    if ((unsigned) reason >= OR_R_LAST || reason_names[reason] == NULL) {
        return "unknown";
    }
    return reason_names[reason];
}

or_err_t
or_errbuf_set(or_errbuf_t *eb, or_err_t err, or_reason_t reason,
    const char *fmt, ...)
{
    va_list  ap;

    if (eb == NULL) {
        return err;
    }
    eb->reason = reason;
    va_start(ap, fmt);
    vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
    va_end(ap);
    return err;
}

or_err_t
or_errbuf_ssl(or_errbuf_t *eb, const char *what)
{
    char           text[160];
    unsigned long  e;

    e = ERR_peek_error();
    if (e == 0) {
        snprintf(text, sizeof(text), "no OpenSSL error queued");
    } else {
        ERR_error_string_n(e, text, sizeof(text));
    }
    ERR_clear_error();
    return or_errbuf_set(eb, OR_ECRYPTO, OR_R_CRYPTO, "%s: %s", what, text);
}

or_err_t
or_errbuf_nomem(or_errbuf_t *eb)
{
    ERR_clear_error();
    return or_errbuf_set(eb, OR_ENOMEM, OR_R_NOMEM, "out of memory");
}
