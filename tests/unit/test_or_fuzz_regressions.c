/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Inputs the fuzzers (tests/fuzz) found, one test each, so that the fix
 * stays. Each test names the harness and the bug it showed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "openred.h"
#include "or_test_vectors.h"

/* beacon-a.plain.json with "activity_level": 87 replaced by value */
static char *
beacon_with_activity(const char *value)
{
    char    *js, *out, *p;
    size_t   len;

    js = or_test_read("beacon-a.plain.json", &len);
    assert_non_null(js);
    p = strstr(js, "\"activity_level\": 87");
    assert_non_null(p);
    p += strlen("\"activity_level\": ");
    out = malloc(len + strlen(value) + 1);
    assert_non_null(out);
    sprintf(out, "%.*s%s%s", (int) (p - js), js, value, p + 2);
    free(js);
    return out;
}

/*
 * fuzz_beacon_plain: the fast path's plain_int went on multiplying past 18
 * digits, so 19 or more overflowed int64 (UBSan: signed integer overflow)
 * before the digit count refused them.
 */
static void
test_or_v2_beacon_parse_long_integer(void **state)
{
    static const char  *too_big[] = {
        "9999999999999999999",                  /* 19 digits > INT64_MAX */
        "12345678901234567890",
        "-99999999999999999999999999999999999999",
    };
    or_v2_beacon_t      b;
    or_errbuf_t         eb;
    char               *js;

    (void) state;
    for (size_t i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++) {
        js = beacon_with_activity(too_big[i]);
        assert_int_equal(or_v2_beacon_parse(js, strlen(js), &b, &eb),
                         OR_EPROTO);
        free(js);
    }
    /* 19 digits that fit: jansson's path takes what the fast one leaves */
    js = beacon_with_activity("1234567890123456789");
    assert_int_equal(or_v2_beacon_parse(js, strlen(js), &b, &eb), OR_OK);
    assert_true(b.activity_level == 1234567890123456789LL);
    free(js);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_v2_beacon_parse_long_integer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
