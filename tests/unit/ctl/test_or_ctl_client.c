/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests of the printing half of src/ctl/or_ctl_client.c: a reply's
 * strings reach the terminal escaped (or_printable), whatever a peer put
 * in them, and whole where they are clean.
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
#include "or_ctl.h"

static void
test_or_ctl_str_escapes_peer_text(void **state)
{
    json_t         *o;
    or_ctl_text_t   t;

    (void) state;
    /* a beacon's sector as the daemon relays it: ESC, BEL, CR, LF, DEL, a
     * C1 CSI and an RLO, around text that is kept (UTF-8 included) */
    o = json_pack("{s:s, s:i, s:s%}", "sector",
                  "\x1b]0;owned\x07\r\ntech\x7f\xc2\x9b\xe2\x80\xae"
                  "caf\xc3\xa9", "port", 9001, "nul", "a\0b", (size_t) 3);
    assert_non_null(o);
    assert_string_equal(or_ctl_str(o, "sector", &t),
                        "\\x1b]0;owned\\x07\\x0d\\x0atech\\x7f\\xc2\\x9b"
                        "\\xe2\\x80\\xae" "caf\xc3\xa9");
    assert_string_equal(or_ctl_str(o, "nul", &t), "a\\x00b");
    assert_string_equal(or_ctl_str(o, "port", &t), "-");
    assert_string_equal(or_ctl_str(o, "absent", &t), "-");
    json_decref(o);
}

/* OR_CTL_TEXT_MAX at its bound: one byte under fits, at it is cut */
static void
test_or_ctl_str_bound(void **state)
{
    char            s[OR_CTL_TEXT_MAX + 1];
    json_t         *o;
    or_ctl_text_t   t;

    (void) state;
    memset(s, 'a', sizeof(s));
    s[OR_CTL_TEXT_MAX - 1] = '\0';
    o = json_pack("{s:s}", "v", s);
    assert_int_equal(strlen(or_ctl_str(o, "v", &t)), OR_CTL_TEXT_MAX - 1);
    assert_null(strstr(t.s, "..."));
    json_decref(o);
    s[OR_CTL_TEXT_MAX - 1] = 'a';
    s[OR_CTL_TEXT_MAX] = '\0';
    o = json_pack("{s:s}", "v", s);
    assert_int_equal(strlen(or_ctl_str(o, "v", &t)), OR_CTL_TEXT_MAX - 1);
    assert_string_equal(t.s + OR_CTL_TEXT_MAX - 4, "...");
    json_decref(o);
}

/* or_ctl_put(text) as a string */
static char *
put(const char *text, size_t len)
{
    char   *buf = NULL;
    size_t  n = 0;
    FILE   *f = open_memstream(&buf, &n);

    assert_non_null(f);
    or_ctl_put(f, text, len);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* watch and beacon open print long text in slices: a UTF-8 character on
 * a slice's edge stays whole, controls are escaped wherever they are */
static void
test_or_ctl_put_slices(void **state)
{
    char   in[600], want[700], *got;
    size_t n;

    (void) state;
    for (size_t at = 250; at <= 258; at++) {
        memset(in, 'x', sizeof(in));
        memcpy(in + at, "\xe2\x82\xac", 3);   /* across 256 for some */
        in[at + 3] = '\x1b';
        n = at + 4 + 10;
        got = put(in, n);
        memset(want, 'x', at);
        memcpy(want + at, "\xe2\x82\xac\\x1b", 7);
        memset(want + at + 7, 'x', 10);
        want[at + 17] = '\0';
        assert_string_equal(got, want);
        free(got);
    }
    got = put("{\"text\":\"\x7f\"}", 12);
    assert_string_equal(got, "{\"text\":\"\\x7f\"}");
    free(got);
    got = put("", 0);
    assert_string_equal(got, "");
    free(got);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_ctl_str_escapes_peer_text),
        cmocka_unit_test(test_or_ctl_str_bound),
        cmocka_unit_test(test_or_ctl_put_slices),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
