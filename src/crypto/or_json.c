/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Bounded JSON: a depth pre-scan (jansson has no depth limit), loading,
 * typed getters, Python-layout output, and the stream reader that finds
 * where one top-level object ends (PROTOCOL-v2.md: objects back to back).
 */
#include "or_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "or_errbuf.h"

struct or_json_reader_s {
    size_t      max;        /* bytes, bound on one object */
    size_t      seen;       /* bytes of the current object so far */
    unsigned    depth;
    int         started;    /* saw the opening '{' */
    int         in_string;
    int         escape;
};

/*
 * One pass over the bytes before jansson sees them: nesting depth, and the
 * bare words NaN / Infinity that Python writes (compat: attack vector
 * attack-nan-timestamp.json) so that they get their own reason.
 */
static or_err_t
prescan(const char *buf, size_t len, or_errbuf_t *eb)
{
    size_t    i;
    unsigned  depth = 0;
    int       in_str = 0, esc = 0;
    char      c;

    for (i = 0; i < len; i++) {
        c = buf[i];
        if (in_str) {
            if (esc) {
                esc = 0;
            } else if (c == '\\') {
                esc = 1;
            } else if (c == '"') {
                in_str = 0;
            }
            continue;
        }
        switch (c) {
        case '"':
            in_str = 1;
            break;
        case '{':
        case '[':
            if (++depth > OR_JSON_DEPTH_MAX) {
                return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_DEPTH,
                    "JSON nested deeper than %d levels at byte %zu",
                    OR_JSON_DEPTH_MAX, i);
            }
            break;
        case '}':
        case ']':
            depth -= depth > 0;
            break;
        case 'N':
        case 'I':
            return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_NONFINITE,
                "malformed JSON: bare %s at byte %zu (NaN and Infinity "
                "are not JSON)", c == 'N' ? "NaN" : "Infinity", i);
        default:
            break;
        }
    }
    return OR_OK;
}

or_err_t
or_json_load(const char *buf, size_t len, size_t max, json_t **out,
    or_errbuf_t *eb)
{
    json_t        *root;
    json_error_t   jerr;
    or_err_t       rc;

    if (len > max) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG,
                             "JSON of %zu bytes is over the bound of %zu",
                             len, max);
    }
    rc = prescan(buf, len, eb);
    if (rc != OR_OK) {
        return rc;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_MALFORMED,
                             "malformed JSON: %s at byte %d", jerr.text,
                             jerr.position);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "JSON is not an object");
    }
    *out = root;
    return OR_OK;
}

void
or_jbuf_raw(or_jbuf_t *jb, const char *s, size_t n)
{
    if (jb->p == NULL) {
        jb->len += n;       /* measuring only */
        return;
    }
    if (jb->overflow || jb->cap - jb->len <= n) {
        jb->overflow = jb->overflow ? jb->overflow : 1;
        return;
    }
    memcpy(jb->p + jb->len, s, n);
    jb->len += n;
    jb->p[jb->len] = '\0';
}

/*
 * The code point at s and its length. jansson hands us valid UTF-8; from
 * elsewhere a bad or cut sequence is taken as one byte (escaped \u00XX).
 */
static uint32_t
utf8_next(const unsigned char *s, size_t rem, size_t *n)
{
    size_t    want, k;
    uint32_t  cp;

    want = s[0] < 0x80 ? 1 : s[0] < 0xc0 ? 0 : s[0] < 0xe0 ? 2
           : s[0] < 0xf0 ? 3 : s[0] < 0xf8 ? 4 : 0;
    if (want == 0 || want > rem) {
        *n = 1;
        return s[0];
    }
    cp = want == 1 ? s[0] : (uint32_t) (s[0] & (0x7f >> want));
    for (k = 1; k < want; k++) {
        if ((s[k] & 0xc0) != 0x80) {
            *n = 1;
            return s[0];
        }
        cp = cp << 6 | (s[k] & 0x3f);
    }
    *n = want;
    return cp;
}

/* Python json.dumps(ensure_ascii=True): escapes all but ' '..'~' */
static void
jbuf_strn(or_jbuf_t *jb, const char *str, size_t len)
{
    const unsigned char  *s = (const unsigned char *) str;
    char                  esc[16];
    size_t                i, n;
    uint32_t              cp;

    or_jbuf_raw(jb, "\"", 1);
    for (i = 0; i < len; i += n) {
        /* a run of bytes written as they are (base64: all of it), in one
         * copy rather than one call per byte */
        for (n = 0; i + n < len && s[i + n] >= ' ' && s[i + n] <= '~'
                    && s[i + n] != '"' && s[i + n] != '\\'; n++)
        {
            /* scan */
        }
        if (n > 0) {
            or_jbuf_raw(jb, (const char *) s + i, n);
            continue;
        }
        cp = utf8_next(s + i, len - i, &n);
        if (cp == '"' || cp == '\\') {
            esc[0] = '\\';
            esc[1] = (char) cp;
            or_jbuf_raw(jb, esc, 2);
        } else if (cp >= ' ' && cp <= '~') {
            or_jbuf_raw(jb, (const char *) s + i, 1);
        } else if (cp == '\n' || cp == '\r' || cp == '\t' || cp == '\b'
                   || cp == '\f')
        {
            esc[0] = '\\';
            esc[1] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : cp == '\t' ? 't'
                     : cp == '\b' ? 'b' : 'f';
            or_jbuf_raw(jb, esc, 2);
        } else if (cp < 0x10000) {
            snprintf(esc, sizeof(esc), "\\u%04x", (unsigned) cp);
            or_jbuf_raw(jb, esc, 6);
        } else {
            cp -= 0x10000;
            snprintf(esc, sizeof(esc), "\\u%04x\\u%04x",
                     (unsigned) (0xd800 | (cp >> 10)),
                     (unsigned) (0xdc00 | (cp & 0x3ff)));
            or_jbuf_raw(jb, esc, 12);
        }
    }
    or_jbuf_raw(jb, "\"", 1);
}

void
or_jbuf_str(or_jbuf_t *jb, const char *s)
{
    jbuf_strn(jb, s, strlen(s));
}

void
or_jbuf_int(or_jbuf_t *jb, int64_t v)
{
    char  num[32];
    int   n;

    n = snprintf(num, sizeof(num), "%" PRId64, v);
    or_jbuf_raw(jb, num, (size_t) n);
}

/* shortest digits that read back as v, and the decimal exponent */
static void
shortest_digits(double v, char *digits, int *decpt)
{
    char   e[40], *p, *q;
    int    prec;

    for (prec = 1; prec <= 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec - 1, v);
        if (strtod(e, NULL) == v) {
            break;
        }
    }
    /* e is "d.ddde+XX" or "de+XX" */
    q = digits;
    for (p = e; *p != 'e'; p++) {
        if (*p != '.') {
            *q++ = *p;
        }
    }
    *q = '\0';
    while (q > digits + 1 && q[-1] == '0') {
        *--q = '\0';
    }
    *decpt = atoi(p + 1) + 1;
}

/* Python float repr: fixed for -4 < decpt <= 16, else d.ddde+XX */
void
or_jbuf_real(or_jbuf_t *jb, double v)
{
    char    digits[40], out[64];
    int     decpt, nd, i, o = 0;

    if (!isfinite(v)) {
        jb->overflow = -1;
        return;
    }
    if (v < 0 || (v == 0 && signbit(v))) {
        out[o++] = '-';
        v = -v;
    }
    shortest_digits(v, digits, &decpt);
    nd = (int) strlen(digits);
    if (v == 0) {
        decpt = 1;
    }
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (i = decpt; i < 0; i++) {
                out[o++] = '0';
            }
        }
        for (i = 0; i < nd || i < decpt; i++) {
            if (i == decpt && i > 0) {
                out[o++] = '.';
            }
            out[o++] = i < nd ? digits[i] : '0';
        }
        if (decpt >= nd) {
            out[o++] = '.';
            out[o++] = '0';
        }
    } else {
        out[o++] = digits[0];
        if (nd > 1) {
            o += snprintf(out + o, sizeof(out) - o, ".%s", digits + 1);
        }
        o += snprintf(out + o, sizeof(out) - o, "e%c%02d",
                      decpt - 1 < 0 ? '-' : '+', abs(decpt - 1));
    }
    or_jbuf_raw(jb, out, (size_t) o);
}

void
or_jbuf_json(or_jbuf_t *jb, const json_t *v)
{
    const char  *k;
    json_t      *item;
    size_t       i;
    int          first = 1;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        or_jbuf_raw(jb, "{", 1);
        json_object_foreach((json_t *) v, k, item) {
            or_jbuf_raw(jb, ", ", first ? 0 : 2);
            first = 0;
            or_jbuf_str(jb, k);
            or_jbuf_raw(jb, ": ", 2);
            or_jbuf_json(jb, item);
        }
        or_jbuf_raw(jb, "}", 1);
        break;
    case JSON_ARRAY:
        or_jbuf_raw(jb, "[", 1);
        json_array_foreach(v, i, item) {
            or_jbuf_raw(jb, ", ", i == 0 ? 0 : 2);
            or_jbuf_json(jb, item);
        }
        or_jbuf_raw(jb, "]", 1);
        break;
    case JSON_STRING:
        jbuf_strn(jb, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        or_jbuf_int(jb, json_integer_value(v));
        break;
    case JSON_REAL:
        or_jbuf_real(jb, json_real_value(v));
        break;
    case JSON_TRUE:
        or_jbuf_raw(jb, "true", 4);
        break;
    case JSON_FALSE:
        or_jbuf_raw(jb, "false", 5);
        break;
    case JSON_NULL:
        or_jbuf_raw(jb, "null", 4);
        break;
    }
}

or_err_t
or_jbuf_done(const or_jbuf_t *jb, size_t *outlen, or_errbuf_t *eb)
{
    if (jb->overflow < 0) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "a number to send is not finite");
    }
    if (jb->overflow) {
        return or_errbuf_set(eb, OR_ETOOBIG, OR_R_BUF_SMALL,
                             "JSON output does not fit %zu bytes", jb->cap);
    }
    *outlen = jb->len;
    return OR_OK;
}

int
or_json_is_hex(const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

int
or_json_is_fp(const char *s, size_t len)
{
    return len == OR_FP_LEN && or_json_is_hex(s, len);
}

or_err_t
or_json_get_str(const json_t *obj, const char *name, size_t max,
    int required, const char **out, size_t *len, or_errbuf_t *eb)
{
    json_t  *v;

    v = json_object_get(obj, name);
    if (v == NULL) {
        if (!required) {
            *out = NULL;
            *len = 0;
            return OR_OK;
        }
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "field \"%s\" is missing", name);
    }
    if (!json_is_string(v)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "field \"%s\" is not a string", name);
    }
    if (json_string_length(v) > max) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "field \"%s\" is longer than %zu bytes",
                             name, max);
    }
    *out = json_string_value(v);
    *len = json_string_length(v);
    return OR_OK;
}

or_err_t
or_json_get_fp(const json_t *obj, const char *name, char *out,
    or_errbuf_t *eb)
{
    const char  *s;
    size_t       n;
    or_err_t     rc;

    rc = or_json_get_str(obj, name, 256, 1, &s, &n, eb);
    if (rc != OR_OK) {
        return rc;
    }
    if (!or_json_is_fp(s, n)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_BAD_FINGERPRINT,
                             "field \"%s\" is not 16 lowercase hex "
                             "characters", name);
    }
    memcpy(out, s, OR_FP_LEN + 1);
    return OR_OK;
}

or_err_t
or_json_get_int(const json_t *obj, const char *name, int required,
    int64_t *out, or_errbuf_t *eb)
{
    json_t  *v;

    v = json_object_get(obj, name);
    if (v == NULL && !required) {
        return OR_OK;
    }
    if (v == NULL) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "field \"%s\" is missing", name);
    }
    if (!json_is_integer(v)) {
        return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_SHAPE,
                             "field \"%s\" is not an integer", name);
    }
    *out = json_integer_value(v);
    return OR_OK;
}

or_err_t
or_json_reader_new(size_t max, or_json_reader_t **out)
{
    or_json_reader_t  *r;

    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return OR_ENOMEM;
    }
    r->max = max;
    *out = r;
    return OR_OK;
}

void
or_json_reader_free(or_json_reader_t *r)
{
    free(r);
}

/* one byte outside a string: 1 when the object just ended, -1 bad */
static int
reader_byte(or_json_reader_t *r, char c)
{
    if (!r->started) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            return 0;
        }
        if (c != '{') {
            return -1;
        }
        r->started = 1;
    }
    switch (c) {
    case '"':
        r->in_string = 1;
        return 0;
    case '{':
    case '[':
        r->depth++;
        return r->depth > OR_JSON_DEPTH_MAX ? -2 : 0;
    case '}':
    case ']':
        r->depth--;
        return r->depth == 0;
    default:
        return 0;
    }
}

or_err_t
or_json_reader_feed(or_json_reader_t *r, const char *buf, size_t len,
    size_t *used, or_errbuf_t *eb)
{
    size_t  i;
    int     st;

    for (i = 0; i < len; i++) {
        if (++r->seen > r->max) {
            return or_errbuf_set(eb, OR_ETOOBIG, OR_R_TOO_BIG,
                                 "JSON object longer than %zu bytes",
                                 r->max);
        }
        if (r->in_string) {
            if (r->escape) {
                r->escape = 0;
            } else if (buf[i] == '\\') {
                r->escape = 1;
            } else if (buf[i] == '"') {
                r->in_string = 0;
            }
            continue;
        }
        st = reader_byte(r, buf[i]);
        if (st == -1) {
            return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_MALFORMED,
                                 "malformed JSON: byte 0x%02x where an "
                                 "object must start",
                                 (unsigned char) buf[i]);
        }
        if (st == -2) {
            return or_errbuf_set(eb, OR_EPROTO, OR_R_JSON_DEPTH,
                                 "JSON nested deeper than %d levels",
                                 OR_JSON_DEPTH_MAX);
        }
        if (st == 1) {
            r->seen = 0;
            r->started = 0;
            *used = i + 1;
            return OR_OK;
        }
    }
    *used = len;
    return OR_AGAIN;
}
