/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Bounded JSON for the wire: loading through jansson after a depth pre-scan,
 * typed field getters, and output in Python json.dumps layout (", ", ": ",
 * ASCII with \uXXXX escapes, floats as Python's repr), as the original sends.
 */
#ifndef OR_JSON_H_INCLUDED
#define OR_JSON_H_INCLUDED

#include <jansson.h>

#include "openred.h"

#define OR_JSON_WUR  __attribute__((warn_unused_result))

/* an output buffer that remembers overflow instead of failing each call */
typedef struct {
    char    *p;         /* borrowed from the caller; NULL: only count len */
    size_t   len;
    size_t   cap;
    int      overflow;
} or_jbuf_t;

/* object of at most max bytes and OR_JSON_DEPTH_MAX levels; *out owned */
or_err_t or_json_load(const char *buf, size_t len, size_t max,
    json_t **out, or_errbuf_t *eb) OR_JSON_WUR;

/* a string literal, without its NUL */
#define OR_JBUF_LIT(jb, lit)  or_jbuf_raw(jb, lit, sizeof(lit) - 1)

/* NUL-terminates when it fits; check jb->overflow once at the end */
void or_jbuf_raw(or_jbuf_t *jb, const char *s, size_t n);
void or_jbuf_str(or_jbuf_t *jb, const char *s);     /* quoted, escaped */
void or_jbuf_int(or_jbuf_t *jb, int64_t v);
void or_jbuf_real(or_jbuf_t *jb, double v);         /* Python repr */
void or_jbuf_json(or_jbuf_t *jb, const json_t *v);  /* any value */
or_err_t or_jbuf_done(const or_jbuf_t *jb, size_t *outlen, or_errbuf_t *eb)
    OR_JSON_WUR;

/*
 * Field getters: OR_EPROTO with OR_R_JSON_SHAPE naming the field when it is
 * missing (and required), of the wrong type or longer than max bytes.
 */
or_err_t or_json_get_str(const json_t *obj, const char *name, size_t max,
    int required, const char **out, size_t *len, or_errbuf_t *eb)
    OR_JSON_WUR;
or_err_t or_json_get_fp(const json_t *obj, const char *name, char *out,
    or_errbuf_t *eb) OR_JSON_WUR;
or_err_t or_json_get_int(const json_t *obj, const char *name, int required,
    int64_t *out, or_errbuf_t *eb) OR_JSON_WUR;

/* 16 lowercase hex characters */
int or_json_is_fp(const char *s, size_t len);
int or_json_is_hex(const char *s, size_t len);

#endif /* OR_JSON_H_INCLUDED */
