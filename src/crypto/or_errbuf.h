/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Filling an or_errbuf_t inside libopenred; draining OpenSSL's queue. */
#ifndef OR_ERRBUF_H_INCLUDED
#define OR_ERRBUF_H_INCLUDED

#include "openred.h"

/* sets reason and message; returns err so callers can "return or_..." */
or_err_t or_errbuf_set(or_errbuf_t *eb, or_err_t err, or_reason_t reason,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* OR_ECRYPTO: "what: <first OpenSSL error>", and clears the queue */
or_err_t or_errbuf_ssl(or_errbuf_t *eb, const char *what);
/* OR_ENOMEM with OR_R_NOMEM */
or_err_t or_errbuf_nomem(or_errbuf_t *eb);

#endif /* OR_ERRBUF_H_INCLUDED */
