/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_json.c: bounds, Python layout, stream reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "or_json.h"
#include "or_test_vectors.h"

static void
expect_load(const char *s, size_t max, or_err_t err, or_reason_t reason)
{
    json_t       *root = NULL;
    or_errbuf_t   eb = { OR_R_NONE, "" };

    assert_int_equal(or_json_load(s, strlen(s), max, &root, &eb), err);
    if (err == OR_OK) {
        assert_non_null(root);
        json_decref(root);
        return;
    }
    assert_null(root);
    assert_int_equal(eb.reason, reason);
}

static char *
nested(int depth)
{
    char  *s = malloc((size_t) depth * 2 + 8);
    int    i, o = 0;

    for (i = 0; i < depth; i++) {
        s[o++] = i == 0 ? '{' : '[';
        if (i == 0) {
            memcpy(s + o, "\"a\":", 4);
            o += 4;
        }
    }
    for (i = depth - 1; i >= 0; i--) {
        s[o++] = i == 0 ? '}' : ']';
    }
    s[o] = '\0';
    return s;
}

static void
test_or_json_load_bounds(void **state)
{
    char  *s;

    (void) state;
    expect_load("{\"a\": [1, 2, {\"b\": null}]}", 64, OR_OK, OR_R_NONE);
    expect_load("{\"a\": 1}", 7, OR_ETOOBIG, OR_R_TOO_BIG);
    s = nested(OR_JSON_DEPTH_MAX);
    expect_load(s, OR_MESSAGE_MAX, OR_OK, OR_R_NONE);
    free(s);
    s = nested(OR_JSON_DEPTH_MAX + 1);
    expect_load(s, OR_MESSAGE_MAX, OR_EPROTO, OR_R_JSON_DEPTH);
    free(s);
    /* brackets inside strings do not count */
    expect_load("{\"a\": \"[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[[\"}", 256, OR_OK,
                OR_R_NONE);
}

static void
test_or_json_load_malformed(void **state)
{
    (void) state;
    expect_load("", 64, OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_load("{\"a\": ", 64, OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_load("{\"a\": 1} x", 64, OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_load("{'a': 1}", 64, OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_load("{\"a\": 1, \"a\": 2}", 64, OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_load("{\"a\": \"\\u0000\"}", 64, OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_load("{\"a\": \"\xff\"}", 64, OR_EPROTO, OR_R_JSON_MALFORMED);
    expect_load("{\"a\": 99999999999999999999999}", 64, OR_EPROTO,
                OR_R_JSON_MALFORMED);
    expect_load("{\"a\": NaN}", 64, OR_EPROTO, OR_R_JSON_NONFINITE);
    expect_load("{\"a\": -Infinity}", 64, OR_EPROTO, OR_R_JSON_NONFINITE);
    expect_load("[1]", 64, OR_EPROTO, OR_R_JSON_SHAPE);
    expect_load("\"x\"", 64, OR_EPROTO, OR_R_JSON_MALFORMED);
}

static void
test_or_json_load_huge_number_message(void **state)
{
    const char   *s = "{\"t\": 1e400}";
    json_t       *root;
    or_errbuf_t   eb;

    (void) state;
    assert_int_equal(or_json_load(s, strlen(s), 64, &root, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_JSON_MALFORMED);
    assert_non_null(strstr(eb.msg, "malformed JSON"));
}

static void
expect_real(double v, const char *want)
{
    char       buf[64];
    or_jbuf_t  jb = { buf, 0, sizeof(buf), 0 };

    or_jbuf_real(&jb, v);
    assert_int_equal(jb.overflow, 0);
    assert_string_equal(buf, want);
}

static void
test_or_jbuf_real_python_repr(void **state)
{
    (void) state;
    expect_real(1764000002.25, "1764000002.25");
    expect_real(1764000001.5, "1764000001.5");
    expect_real(1764000000.0, "1764000000.0");
    expect_real(0.1, "0.1");
    expect_real(0.0, "0.0");
    expect_real(-2.5, "-2.5");
    expect_real(1e15, "1000000000000000.0");
    expect_real(1e16, "1e+16");
    expect_real(1.5e300, "1.5e+300");
    expect_real(0.0001, "0.0001");
    expect_real(0.00001, "1e-05");
    expect_real(1764000002.1, "1764000002.1");
    expect_real(123.456, "123.456");
}

static void
test_or_jbuf_str_python_escapes(void **state)
{
    char       buf[128];
    or_jbuf_t  jb = { buf, 0, sizeof(buf), 0 };

    (void) state;
    or_jbuf_str(&jb, "a\"b\\c\n\t\x01\x7f\xc3\xa9\xf0\x9f\x98\x80/");
    assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\\u00e9"
                             "\\ud83d\\ude00/\"");
}

static void
test_or_jbuf_json_overflow(void **state)
{
    char         buf[8];
    or_jbuf_t    jb = { buf, 0, sizeof(buf), 0 };
    size_t       n;
    or_errbuf_t  eb;
    json_t      *v = json_pack("{s:i}", "abcdef", 1);

    (void) state;
    or_jbuf_json(&jb, v);
    json_decref(v);
    assert_int_equal(or_jbuf_done(&jb, &n, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_BUF_SMALL);
}

static void
test_or_json_reader_feed_back_to_back(void **state)
{
    const char        *s = " {\"a\": \"}{\\\"\"} {\"b\": [1, {}]}{}";
    or_json_reader_t  *r;
    size_t             used, at = 0, len = strlen(s), ends[3], n = 0, i;
    or_err_t           rc;

    (void) state;
    assert_int_equal(or_json_reader_new(OR_MESSAGE_MAX, &r), OR_OK);
    /* one byte at a time, as a slow peer would send */
    for (i = 0; i < len; i++) {
        rc = or_json_reader_feed(r, s + i, 1, &used, NULL);
        assert_int_equal(used, 1);
        if (rc == OR_OK) {
            ends[n++] = i + 1;
        } else {
            assert_int_equal(rc, OR_AGAIN);
        }
    }
    assert_int_equal(n, 3);
    assert_int_equal(ends[0], 14);
    assert_int_equal(ends[1], 29);
    assert_int_equal(ends[2], 31);
    /* all at once */
    n = 0;
    while (at < len
           && or_json_reader_feed(r, s + at, len - at, &used, NULL) == OR_OK)
    {
        at += used;
        n++;
    }
    assert_int_equal(n, 3);
    or_json_reader_free(r);
}

static void
test_or_json_reader_feed_refusals(void **state)
{
    or_json_reader_t  *r;
    size_t             used;
    or_errbuf_t        eb;
    char              *deep;

    (void) state;
    assert_int_equal(or_json_reader_new(16, &r), OR_OK);
    assert_int_equal(or_json_reader_feed(r, "x{}", 3, &used, &eb),
                     OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_JSON_MALFORMED);
    or_json_reader_free(r);

    assert_int_equal(or_json_reader_new(16, &r), OR_OK);
    assert_int_equal(or_json_reader_feed(r, "{\"aaaaaaaaaaaaaaaaa\"}", 21,
                                         &used, &eb), OR_ETOOBIG);
    assert_int_equal(eb.reason, OR_R_TOO_BIG);
    or_json_reader_free(r);

    assert_int_equal(or_json_reader_new(OR_MESSAGE_MAX, &r), OR_OK);
    deep = nested(OR_JSON_DEPTH_MAX + 1);
    assert_int_equal(or_json_reader_feed(r, deep, strlen(deep), &used, &eb),
                     OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_JSON_DEPTH);
    free(deep);
    or_json_reader_free(r);
}

static void
test_or_json_reader_feed_vectors(void **state)
{
    or_json_reader_t  *r;
    char              *a, *b, *both;
    size_t             na, nb, used;

    (void) state;
    a = or_test_read("handshake-request.json", &na);
    b = or_test_read("message.json", &nb);
    assert_non_null(a);
    assert_non_null(b);
    both = malloc(na + nb);
    memcpy(both, a, na);
    memcpy(both + na, b, nb);
    assert_int_equal(or_json_reader_new(OR_MESSAGE_MAX, &r), OR_OK);
    assert_int_equal(or_json_reader_feed(r, both, na + nb, &used, NULL),
                     OR_OK);
    assert_int_equal(used, na);
    assert_int_equal(or_json_reader_feed(r, both + na, nb, &used, NULL),
                     OR_OK);
    assert_int_equal(used, nb);
    or_json_reader_free(r);
    free(a);
    free(b);
    free(both);
}

static void
test_or_json_get_fields(void **state)
{
    const char   *s = "{\"s\": \"abc\", \"i\": 5, \"f\": 1.5, "
                      "\"fp\": \"08aca75be7a88fef\", "
                      "\"FP\": \"08ACA75BE7A88FEF\"}";
    json_t       *root;
    const char   *str;
    size_t        n;
    int64_t       i = 0;
    char          fp[OR_FP_LEN + 1];
    or_errbuf_t   eb;

    (void) state;
    assert_int_equal(or_json_load(s, strlen(s), 256, &root, NULL), OR_OK);
    assert_int_equal(or_json_get_str(root, "s", 3, 1, &str, &n, NULL), OR_OK);
    assert_int_equal(or_json_get_str(root, "s", 2, 1, &str, &n, &eb),
                     OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_JSON_SHAPE);
    assert_int_equal(or_json_get_str(root, "i", 9, 1, &str, &n, &eb),
                     OR_EPROTO);
    assert_int_equal(or_json_get_str(root, "zz", 9, 1, &str, &n, &eb),
                     OR_EPROTO);
    assert_non_null(strstr(eb.msg, "\"zz\" is missing"));
    assert_int_equal(or_json_get_int(root, "i", 1, &i, NULL), OR_OK);
    assert_int_equal(i, 5);
    assert_int_equal(or_json_get_int(root, "f", 1, &i, &eb), OR_EPROTO);
    assert_int_equal(or_json_get_fp(root, "fp", fp, NULL), OR_OK);
    assert_string_equal(fp, "08aca75be7a88fef");
    assert_int_equal(or_json_get_fp(root, "FP", fp, &eb), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_BAD_FINGERPRINT);
    json_decref(root);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_json_load_bounds),
        cmocka_unit_test(test_or_json_load_malformed),
        cmocka_unit_test(test_or_json_load_huge_number_message),
        cmocka_unit_test(test_or_jbuf_real_python_repr),
        cmocka_unit_test(test_or_jbuf_str_python_escapes),
        cmocka_unit_test(test_or_jbuf_json_overflow),
        cmocka_unit_test(test_or_json_reader_feed_back_to_back),
        cmocka_unit_test(test_or_json_reader_feed_refusals),
        cmocka_unit_test(test_or_json_reader_feed_vectors),
        cmocka_unit_test(test_or_json_get_fields),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
