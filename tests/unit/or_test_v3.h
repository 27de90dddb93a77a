/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Test helpers for the v3 suites: the vectors of tests/vectors/v3 (written
 * by tests/peers/v3peer.py), hex fields, and the legacy-v2 identity keys
 * they use. Include after cmocka.h.
 */
#ifndef OR_TEST_V3_H_INCLUDED
#define OR_TEST_V3_H_INCLUDED

#include <jansson.h>

#include "or_test_vectors.h"
#include "or_v3.h"

#define OR_TEST_V3_DIR  "tests/vectors/v3"

/* the vector NAME.json, owned; fails the test if missing */
static inline json_t *
or_test_v3_load(const char *name)
{
    char          path[256];
    json_error_t  err;
    json_t       *v;

    snprintf(path, sizeof(path), "%s/%s.json", OR_TEST_V3_DIR, name);
    v = json_load_file(path, 0, &err);
    if (v == NULL) {
        fprintf(stderr, "%s: %s\n", path, err.text);
    }
    assert_non_null(v);
    return v;
}

/* the hex field into out (malloc'd, caller frees); *len its bytes */
static inline unsigned char *
or_test_v3_hex(const json_t *v, const char *field, size_t *len)
{
    const char     *s = json_string_value(json_object_get(v, field));
    unsigned char  *out;
    size_t          i, n;

    if (s == NULL) {
        fprintf(stderr, "vector field %s missing\n", field);
    }
    assert_non_null(s);
    n = strlen(s) / 2;
    out = malloc(n + 1);
    assert_non_null(out);
    for (i = 0; i < n; i++) {
        unsigned  b;

        assert_int_equal(sscanf(s + 2 * i, "%2x", &b), 1);
        out[i] = (unsigned char) b;
    }
    if (len != NULL) {
        *len = n;
    }
    return out;
}

/* exactly n bytes of a hex field, into a fixed buffer */
static inline void
or_test_v3_hex_n(const json_t *v, const char *field, unsigned char *out,
    size_t n)
{
    size_t          len;
    unsigned char  *b = or_test_v3_hex(v, field, &len);

    assert_int_equal(len, n);
    memcpy(out, b, n);
    free(b);
}

static inline void
or_test_v3_hex_equal(const json_t *v, const char *field,
    const unsigned char *got, size_t n)
{
    size_t          len;
    unsigned char  *want = or_test_v3_hex(v, field, &len);

    if (len != n || memcmp(want, got, n) != 0) {
        fprintf(stderr, "vector field %s differs (%zu vs %zu bytes)\n",
                field, len, n);
    }
    assert_int_equal(len, n);
    assert_memory_equal(want, got, n);
    free(want);
}

static inline int64_t
or_test_v3_int(const json_t *v, const char *field)
{
    const json_t  *x = json_object_get(v, field);

    assert_true(json_is_integer(x));
    return (int64_t) json_integer_value(x);
}

/* a legacy-v2 vector key (node-a.key.pem, ...) */
static inline or_key_t *
or_test_v3_key(const char *file)
{
    char       path[64];
    or_key_t  *key = NULL;

    if (or_test_copy(file, 0600, path) != 0) {
        return NULL;
    }
    if (or_key_load(path, &key, NULL) != OR_OK) {
        key = NULL;
    }
    unlink(path);
    return key;
}

#endif /* OR_TEST_V3_H_INCLUDED */
