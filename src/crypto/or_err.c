/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Names of or_err_t codes, for logs and errbufs. */
#include "or_err.h"

const char *
or_strerror(or_err_t err)
{
    switch (err) {
    case OR_OK:      return "ok";
    case OR_ERROR:   return "error";
    case OR_AGAIN:   return "try again";
    case OR_ENOMEM:  return "out of memory";
    case OR_EPROTO:  return "protocol error";
    case OR_ETOOBIG: return "input too big";
    case OR_EAUTH:   return "authentication failed";
    case OR_ECRYPTO: return "crypto library error";
    case OR_ECONF:   return "configuration error";
    }
    return "unknown error";
}
