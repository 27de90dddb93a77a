/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Typed conversion of one setting. Messages state what was expected and
 * quote the bad value; ranges come from the table row, never typed twice.
 */
#include "or_conf_value.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "or_cycle.h"
#include "or_log.h"

#define OR_CONF_STR_MAX  4096   /* when a row gives no maximum */

static const char *
type_name(int type)
{
    switch (type) {
    case CONFIG_TYPE_GROUP:  return "a group";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:  return "an integer";
    case CONFIG_TYPE_FLOAT:  return "a float";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL:   return "a boolean";
    case CONFIG_TYPE_ARRAY:  return "an array";
    case CONFIG_TYPE_LIST:   return "a list";
    }
    return "nothing";
}

static or_err_t
wrong_type(const config_setting_t *cs, const char *expected, char *err,
    size_t errlen)
{
    snprintf(err, errlen, "expected %s, got %s", expected,
             type_name(config_setting_type(cs)));
    return OR_ECONF;
}

static int
is_int(const config_setting_t *cs)
{
    int t = config_setting_type(cs);

    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

static or_err_t
check_range(const or_setting_t *row, int64_t v, char *err, size_t errlen)
{
    if (v < row->min || v > row->max) {
        snprintf(err, errlen, "%" PRId64 " is out of range %" PRId64
                 "..%" PRId64, v, row->min, row->max);
        return OR_ECONF;
    }
    return OR_OK;
}

static or_err_t
check_str(const or_setting_t *row, const char *s, char *err, size_t errlen)
{
    size_t len = strlen(s);
    size_t max = row->max > 0 ? (size_t) row->max : OR_CONF_STR_MAX;

    if (len < (size_t) row->min) {
        snprintf(err, errlen, "\"%s\" is too short (at least %" PRId64
                 " characters)", s, row->min);
        return OR_ECONF;
    }
    if (len > max) {
        snprintf(err, errlen, "value is too long (%zu characters, at most "
                 "%zu)", len, max);
        return OR_ECONF;
    }
    return OR_OK;
}

/* compat: libconfig 1.5 reads 0660 as decimal 660, so the digits of an
 * integer mode are read as octal, as chmod does; "0660" works too. */
static or_err_t
set_mode(const config_setting_t *cs, int *out, char *err, size_t errlen)
{
    char        digits[32];
    const char *p;
    long        v;
    char       *end;

    if (is_int(cs)) {
        snprintf(digits, sizeof(digits), "%lld",
                 config_setting_get_int64(cs));
    } else if (config_setting_type(cs) == CONFIG_TYPE_STRING) {
        snprintf(digits, sizeof(digits), "%s", config_setting_get_string(cs));
    } else {
        return wrong_type(cs, "a file mode such as 0660", err, errlen);
    }
    for (p = digits; *p; p++) {
        if (*p < '0' || *p > '7') {
            break;
        }
    }
    v = strtol(digits, &end, 8);
    if (*p != '\0' || p == digits || v > 0777) {
        snprintf(err, errlen, "%s is not a file mode (octal digits, at most "
                 "0777)", digits);
        return OR_ECONF;
    }
    *out = (int) v;
    return OR_OK;
}

static or_err_t
set_count_auto(const or_setting_t *row, const config_setting_t *cs, int *out,
    char *err, size_t errlen)
{
    long     n;
    int64_t  v;

    if (config_setting_type(cs) == CONFIG_TYPE_STRING) {
        if (strcmp(config_setting_get_string(cs), "auto") != 0) {
            snprintf(err, errlen, "\"%s\" is neither \"auto\" nor a number",
                     config_setting_get_string(cs));
            return OR_ECONF;
        }
        n = sysconf(_SC_NPROCESSORS_ONLN);
        v = n > 0 ? n : 1;
        v = v > row->max ? row->max : v;
    } else if (is_int(cs)) {
        v = config_setting_get_int64(cs);
        if (check_range(row, v, err, errlen) != OR_OK) {
            return OR_ECONF;
        }
    } else {
        return wrong_type(cs, "an integer or \"auto\"", err, errlen);
    }
    *out = (int) v;
    return OR_OK;
}

static or_err_t
set_strlist(const or_setting_t *row, const config_setting_t *cs,
    or_strlist_t *out, char *err, size_t errlen)
{
    int           n;
    or_strlist_t  list = { NULL, 0 };

    if (!config_setting_is_array(cs) && !config_setting_is_list(cs)) {
        return wrong_type(cs, "an array of strings [\"a\", \"b\"]", err,
                          errlen);
    }
    n = config_setting_length(cs);
    if (check_range(row, n, err, errlen) != OR_OK) {
        snprintf(err, errlen, "%d entries, expected %" PRId64 "..%" PRId64,
                 n, row->min, row->max);
        return OR_ECONF;
    }
    list.v = calloc((size_t) n + 1, sizeof(char *));
    if (list.v == NULL) {
        snprintf(err, errlen, "out of memory");
        return OR_ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        const config_setting_t *e = config_setting_get_elem(cs, i);
        const char             *s = config_setting_get_string(e);

        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            snprintf(err, errlen, "entry %d: expected a string, got %s",
                     i + 1, type_name(config_setting_type(e)));
            goto fail;
        }
        if (*s == '\0' || strlen(s) > 255) {
            snprintf(err, errlen, "entry %d: expected 1..255 characters",
                     i + 1);
            goto fail;
        }
        list.v[i] = strdup(s);
        if (list.v[i] == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        list.n++;
    }
    *out = list;
    return OR_OK;

fail:
    for (size_t i = 0; i < list.n; i++) {
        free(list.v[i]);
    }
    free(list.v);
    return OR_ECONF;
}

static void
records_free(or_conf_records_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        for (size_t k = 0; k < r->v[i].n; k++) {
            free(r->v[i].names[k]);
            free(r->v[i].values[k]);
        }
        free(r->v[i].names);
        free(r->v[i].values);
    }
    free(r->v);
    r->v = NULL;
    r->n = 0;
}

const char *
or_conf_record_get(const or_conf_record_t *r, const char *name)
{
    for (size_t k = 0; k < r->n; k++) {
        if (strcmp(r->names[k], name) == 0) {
            return r->values[k];
        }
    }
    return NULL;
}

/* The string members of group g, in order, into e (entry i of the
 * setting, for the messages). */
static or_err_t
set_record(const config_setting_t *g, int i, or_conf_record_t *e,
    char *err, size_t errlen)
{
    int m;

    e->line = (int) config_setting_source_line(g);
    if (!config_setting_is_group(g)) {
        /* libconfig's line of a scalar in a list is not its own */
        snprintf(err, errlen, "entry %d: expected a group { ... }, got "
                 "%s", i + 1, type_name(config_setting_type(g)));
        return OR_ECONF;
    }
    m = config_setting_length(g);
    e->names = calloc((size_t) m + 1, sizeof(char *));
    e->values = calloc((size_t) m + 1, sizeof(char *));
    if (e->names == NULL || e->values == NULL) {
        snprintf(err, errlen, "out of memory");
        return OR_ENOMEM;
    }
    for (int k = 0; k < m; k++) {
        const config_setting_t *v = config_setting_get_elem(g, k);
        const char             *s = config_setting_get_string(v);

        if (config_setting_type(v) != CONFIG_TYPE_STRING) {
            snprintf(err, errlen, "entry %d (line %d): \"%s\": expected "
                     "a string, got %s", i + 1, e->line,
                     config_setting_name(v),
                     type_name(config_setting_type(v)));
            return OR_ECONF;
        }
        if (*s == '\0' || strlen(s) > 255) {
            snprintf(err, errlen, "entry %d (line %d): \"%s\": expected "
                     "1..255 characters", i + 1, e->line,
                     config_setting_name(v));
            return OR_ECONF;
        }
        e->names[e->n] = strdup(config_setting_name(v));
        e->values[e->n] = strdup(s);
        if (e->names[e->n] == NULL || e->values[e->n] == NULL) {
            free(e->names[e->n]);
            free(e->values[e->n]);
            snprintf(err, errlen, "out of memory");
            return OR_ENOMEM;
        }
        e->n++;
    }
    return OR_OK;
}

/* ( { name = "value"; ... }, ... ): the shape only; which names a record
 * takes is its module's to say (at the record's line). With OR_CONF_GROUP
 * the setting is one group { ... }, kept as one record (min..max then
 * bound its members). */
static or_err_t
set_records(const or_setting_t *row, const config_setting_t *cs,
    or_conf_records_t *out, char *err, size_t errlen)
{
    int                n;
    or_conf_records_t  r = { NULL, 0 };

    if (row->flags & OR_CONF_GROUP) {
        if (!config_setting_is_group(cs)) {
            return wrong_type(cs, "a group { ... }", err, errlen);
        }
        n = config_setting_length(cs);
        if (n < row->min || n > row->max) {
            snprintf(err, errlen, "%d members, expected %" PRId64 "..%"
                     PRId64, n, row->min, row->max);
            return OR_ECONF;
        }
        r.v = calloc(2, sizeof(*r.v));
        if (r.v == NULL) {
            snprintf(err, errlen, "out of memory");
            return OR_ENOMEM;
        }
        r.n = 1;
        if (set_record(cs, 0, &r.v[0], err, errlen) != OR_OK) {
            goto fail;
        }
        /* its members' messages name no entry: there is one */
        *out = r;
        return OR_OK;
    }
    if (!config_setting_is_list(cs)) {
        return wrong_type(cs, "a list of groups ( { ... }, ... )", err,
                          errlen);
    }
    n = config_setting_length(cs);
    if (n < row->min || n > row->max) {
        snprintf(err, errlen, "%d entries, expected %" PRId64 "..%" PRId64,
                 n, row->min, row->max);
        return OR_ECONF;
    }
    r.v = calloc((size_t) n + 1, sizeof(*r.v));
    if (r.v == NULL) {
        snprintf(err, errlen, "out of memory");
        return OR_ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        if (set_record(config_setting_get_elem(cs, i), i, &r.v[r.n++], err,
                       errlen) != OR_OK)
        {
            goto fail;
        }
    }
    *out = r;
    return OR_OK;

fail:
    records_free(&r);
    return OR_ECONF;
}

static or_err_t
set_string(const or_cycle_t *cycle, const or_setting_t *row,
    const config_setting_t *cs, void *field, char *err, size_t errlen)
{
    const char *s;
    char       *copy;
    or_addr_t   addr;
    int         level;

    if (config_setting_type(cs) != CONFIG_TYPE_STRING) {
        return wrong_type(cs, row->type == OR_CONF_T_ADDR
                              ? "a string \"host:port\"" : "a string",
                          err, errlen);
    }
    s = config_setting_get_string(cs);

    switch (row->type) {
    case OR_CONF_T_ADDR:
        if (or_conf_parse_addr(s, &addr, err, errlen) != OR_OK) {
            return OR_ECONF;
        }
        *(or_addr_t *) field = addr;
        return OR_OK;

    case OR_CONF_T_LEVEL:
        level = or_log_level_parse(s);
        if (level < 0) {
            snprintf(err, errlen, "\"%s\" is not a level (debug, info, "
                     "notice, warn, error, crit)", s);
            return OR_ECONF;
        }
        *(int *) field = level;
        return OR_OK;

    default:
        break;
    }

    if (check_str(row, s, err, errlen) != OR_OK) {
        return OR_ECONF;
    }
    copy = (row->type == OR_CONF_T_PATH && *s != '\0'
            && !((row->flags & OR_CONF_STDERR) && strcmp(s, "stderr") == 0))
               ? or_cycle_path(cycle, s) : strdup(s);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return OR_ENOMEM;
    }
    free(*(char **) field);       /* a default or -g value set before */
    *(char **) field = copy;
    return OR_OK;
}

or_err_t
or_conf_value_set(const or_cycle_t *cycle, const or_setting_t *row,
    const config_setting_t *cs, void *field, char *err, size_t errlen)
{
    or_err_t rc;

    switch (row->type) {
    case OR_CONF_T_INT:
        if (!is_int(cs)) {
            return wrong_type(cs, "an integer", err, errlen);
        }
        if (check_range(row, config_setting_get_int64(cs), err, errlen)
            != OR_OK)
        {
            return OR_ECONF;
        }
        *(int64_t *) field = config_setting_get_int64(cs);
        break;

    case OR_CONF_T_BOOL:
        if (config_setting_type(cs) != CONFIG_TYPE_BOOL) {
            return wrong_type(cs, "true or false", err, errlen);
        }
        *(int *) field = config_setting_get_bool(cs);
        break;

    case OR_CONF_T_MODE:
        rc = set_mode(cs, field, err, errlen);
        if (rc != OR_OK) {
            return rc;
        }
        break;

    case OR_CONF_T_COUNT_AUTO:
        rc = set_count_auto(row, cs, field, err, errlen);
        if (rc != OR_OK) {
            return rc;
        }
        break;

    case OR_CONF_T_STRLIST:
        or_conf_value_free(row, field);
        rc = set_strlist(row, cs, field, err, errlen);
        if (rc != OR_OK) {
            return rc;
        }
        break;

    case OR_CONF_T_RECORDS:
        or_conf_value_free(row, field);
        rc = set_records(row, cs, field, err, errlen);
        if (rc != OR_OK) {
            return rc;
        }
        break;

    default:
        rc = set_string(cycle, row, cs, field, err, errlen);
        if (rc != OR_OK) {
            return rc;
        }
    }

    /* A value its checker refuses is not kept: the loader puts the
     * setting's default in its place, or leaves it unset if it has none
     * (or_conf.c set_or_default), so postconf never sees the bad value. */
    if (row->check != NULL && row->check(row, field, err, errlen) != OR_OK) {
        or_conf_value_free(row, field);
        return OR_ECONF;
    }
    return OR_OK;
}

void
or_conf_value_free(const or_setting_t *row, void *field)
{
    or_strlist_t *list;

    switch (row->type) {
    case OR_CONF_T_STR:
    case OR_CONF_T_PATH:
        free(*(char **) field);
        *(char **) field = NULL;
        break;
    case OR_CONF_T_STRLIST:
        list = field;
        for (size_t i = 0; i < list->n; i++) {
            free(list->v[i]);
        }
        free(list->v);
        list->v = NULL;
        list->n = 0;
        break;
    case OR_CONF_T_RECORDS:
        records_free(field);
        break;
    default:
        break;
    }
}

/* A string as libconfig reads it back: quotes, backslashes and control
 * characters escaped, so -T output loads to the same values. */
static size_t
quote(char *buf, size_t len, const char *s)
{
    size_t n = 0;

    if (len < 3) {
        return 0;
    }
    buf[n++] = '"';
    for (; *s != '\0' && n + 5 < len; s++) {
        unsigned char c = (unsigned char) *s;

        if (c == '"' || c == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char) c;
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t) snprintf(buf + n, len - n, "\\x%02x", c);
        } else {
            buf[n++] = (char) c;
        }
    }
    buf[n++] = '"';
    buf[n] = '\0';
    return n;
}

/* Appends at buf + n, never past len; the new length. */
__attribute__((format(printf, 4, 5)))
static size_t
put(char *buf, size_t len, size_t n, const char *fmt, ...)
{
    va_list  ap;
    int      w;

    if (n + 1 >= len) {
        return n;
    }
    va_start(ap, fmt);
    w = vsnprintf(buf + n, len - n, fmt, ap);
    va_end(ap);
    if (w < 0) {
        return n;
    }
    return n + (size_t) w < len ? n + (size_t) w : len - 1;
}

void
or_conf_value_format(const or_setting_t *row, const void *field, char *buf,
    size_t len)
{
    const or_strlist_t      *list;
    const or_conf_records_t *recs;
    const char              *s;
    size_t                   n;

    switch (row->type) {
    case OR_CONF_T_INT:
        snprintf(buf, len, "%" PRId64, *(const int64_t *) field);
        return;
    case OR_CONF_T_BOOL:
        snprintf(buf, len, "%s", *(const int *) field ? "true" : "false");
        return;
    case OR_CONF_T_MODE:
        snprintf(buf, len, "\"0%o\"", *(const int *) field);
        return;
    case OR_CONF_T_COUNT_AUTO:
        snprintf(buf, len, "%d", *(const int *) field);
        return;
    case OR_CONF_T_LEVEL:
        snprintf(buf, len, "\"%s\"", or_log_level_name(*(const int *) field));
        return;
    case OR_CONF_T_ADDR:
        snprintf(buf, len, "\"%s\"", ((const or_addr_t *) field)->text);
        return;
    case OR_CONF_T_STRLIST:
        list = field;
        n = (size_t) snprintf(buf, len, "[");
        for (size_t i = 0; i < list->n && n + 3 < len; i++) {
            if (i > 0) {
                n += (size_t) snprintf(buf + n, len - n, ", ");
            }
            n += quote(buf + n, len - n, list->v[i]);
        }
        if (n < len) {
            snprintf(buf + n, len - n, "]");
        }
        return;
    case OR_CONF_T_RECORDS:
        recs = field;
        if (row->flags & OR_CONF_GROUP) {
            n = put(buf, len, 0, "{");
            for (size_t k = 0; recs->n > 0 && k < recs->v[0].n; k++) {
                n = put(buf, len, n, " %s = ", recs->v[0].names[k]);
                if (n + 1 < len) {
                    n += quote(buf + n, len - n, recs->v[0].values[k]);
                }
                n = put(buf, len, n, ";");
            }
            (void) put(buf, len, n, " }");
            return;
        }
        n = put(buf, len, 0, "(");
        for (size_t i = 0; i < recs->n; i++) {
            n = put(buf, len, n, "%s{", i ? ", " : " ");
            for (size_t k = 0; k < recs->v[i].n; k++) {
                n = put(buf, len, n, " %s = ", recs->v[i].names[k]);
                if (n + 1 < len) {
                    n += quote(buf + n, len - n, recs->v[i].values[k]);
                }
                n = put(buf, len, n, ";");
            }
            n = put(buf, len, n, " }");
        }
        (void) put(buf, len, n, "%s)", recs->n ? " " : "");
        return;
    default:
        s = *(char *const *) field;
        if (s == NULL) {
            snprintf(buf, len, "(unset)");    /* dumped as a comment */
        } else {
            quote(buf, len, s);
        }
        return;
    }
}

or_err_t
or_conf_parse_addr(const char *text, or_addr_t *addr, char *err,
    size_t errlen)
{
    char                 host[64];
    const char          *colon, *port_s;
    char                *end;
    long                 port;
    size_t               hlen;
    or_addr_t            a;
    struct sockaddr_in  *sin = (struct sockaddr_in *) &a.sa;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &a.sa;

    memset(&a, 0, sizeof(a));
    if (text[0] == '[') {
        colon = strstr(text, "]:");
        if (colon == NULL) {
            goto bad;
        }
        hlen = (size_t) (colon - text - 1);
        port_s = colon + 2;
        if (hlen >= sizeof(host)) {
            goto bad;
        }
        memcpy(host, text + 1, hlen);
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL || strchr(text, ':') != colon) {
            goto bad;
        }
        hlen = (size_t) (colon - text);
        port_s = colon + 1;
        if (hlen >= sizeof(host)) {
            goto bad;
        }
        memcpy(host, text, hlen);
    }
    host[hlen] = '\0';

    /* digits only: strtol() alone would take " 80", "+80" or a newline
     * before the number, which -T then could not give back as read */
    if (port_s[0] == '\0' || strlen(port_s) > 5
        || strspn(port_s, "0123456789") != strlen(port_s))
    {
        goto bad;
    }
    errno = 0;
    port = strtol(port_s, &end, 10);
    if (*end != '\0' || errno != 0) {
        goto bad;
    }
    if (port < 1 || port > 65535) {
        snprintf(err, errlen, "port %ld is out of range 1..65535", port);
        return OR_ECONF;
    }

    if (text[0] != '[' && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t) port);
        a.len = sizeof(*sin);
    } else if (text[0] == '['
               && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1)
    {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t) port);
        a.len = sizeof(*sin6);
    } else {
        snprintf(err, errlen, "\"%s\" is not a numeric IPv4 address or a "
                 "bracketed IPv6 address", host);
        return OR_ECONF;
    }
    a.port = (uint16_t) port;
    snprintf(a.text, sizeof(a.text), "%s", text);
    *addr = a;
    return OR_OK;

bad:
    snprintf(err, errlen, "\"%s\" is not an address (expected \"host:port\" "
             "or \"[ipv6]:port\")", text);
    return OR_ECONF;
}
