/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_printable.c: every control byte at its
 * edges, C1 and bidi controls, invalid UTF-8, valid UTF-8 kept, quoting,
 * and the output bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "openred.h"

/* in (n bytes) as or_printable gives it with a roomy buffer */
static const char *
esc(const char *in, size_t n, unsigned flags)
{
    static char out[OR_PRINTABLE_MAX(64)];

    assert_true(n <= 64);
    return or_printable(in, n, out, sizeof(out), flags);
}

#define ESC(lit)  esc(lit, sizeof(lit) - 1, 0)

static void
test_or_printable_c0_and_del(void **state)
{
    char  in[1], want[8];

    (void) state;
    /* 0x00..0x1f, each alone, NUL included: escaped */
    for (unsigned c = 0x00; c <= 0x1f; c++) {
        in[0] = (char) c;
        snprintf(want, sizeof(want), "\\x%02x", c);
        assert_string_equal(esc(in, 1, 0), want);
    }
    /* the edges: 0x20 and 0x7e kept, 0x7f escaped */
    assert_string_equal(ESC(" "), " ");
    assert_string_equal(ESC("~"), "~");
    assert_string_equal(ESC("\x7f"), "\\x7f");
    assert_string_equal(ESC("\x1b[2J\x07\r\n"), "\\x1b[2J\\x07\\x0d\\x0a");
    assert_string_equal(ESC("a\0b"), "a\\x00b");
}

static void
test_or_printable_invalid_utf8(void **state)
{
    (void) state;
    assert_string_equal(ESC("\x80"), "\\x80");          /* lone continuation */
    assert_string_equal(ESC("\xbf"), "\\xbf");
    assert_string_equal(ESC("\xff"), "\\xff");
    assert_string_equal(ESC("\xfe"), "\\xfe");
    assert_string_equal(ESC("\xf8\x88\x80\x80\x80"),
                        "\\xf8\\x88\\x80\\x80\\x80");
    assert_string_equal(ESC("\xc0\x80"), "\\xc0\\x80");     /* overlong NUL */
    assert_string_equal(ESC("\xc1\xbf"), "\\xc1\\xbf");     /* overlong */
    assert_string_equal(ESC("\xe0\x9f\xbf"), "\\xe0\\x9f\\xbf");
    assert_string_equal(ESC("\xf0\x8f\xbf\xbf"), "\\xf0\\x8f\\xbf\\xbf");
    assert_string_equal(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80"); /* U+D800 */
    assert_string_equal(ESC("\xed\xbf\xbf"), "\\xed\\xbf\\xbf"); /* U+DFFF */
    assert_string_equal(ESC("\xf4\x90\x80\x80"),                /* >10FFFF */
                        "\\xf4\\x90\\x80\\x80");
    /* cut short, at the end and before an ASCII byte */
    assert_string_equal(ESC("ab\xc3"), "ab\\xc3");
    assert_string_equal(ESC("\xe2\x82x"), "\\xe2\\x82x");
}

static void
test_or_printable_valid_utf8_kept(void **state)
{
    (void) state;
    assert_string_equal(ESC("sant\xc3\xa9"), "sant\xc3\xa9");
    assert_string_equal(ESC("\xc2\xa0"), "\xc2\xa0");       /* U+00A0 */
    assert_string_equal(ESC("\xdf\xbf"), "\xdf\xbf");       /* U+07FF */
    assert_string_equal(ESC("\xe0\xa0\x80"), "\xe0\xa0\x80"); /* U+0800 */
    assert_string_equal(ESC("\xe2\x82\xac"), "\xe2\x82\xac"); /* euro */
    assert_string_equal(ESC("\xed\x9f\xbf"), "\xed\x9f\xbf"); /* U+D7FF */
    assert_string_equal(ESC("\xee\x80\x80"), "\xee\x80\x80"); /* U+E000 */
    assert_string_equal(ESC("\xf0\x90\x80\x80"), "\xf0\x90\x80\x80");
    assert_string_equal(ESC("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
    assert_string_equal(ESC("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");
    /* quotes and backslashes are text unless quoted */
    assert_string_equal(ESC("a\"b\\c"), "a\"b\\c");
}

static void
test_or_printable_c1_and_bidi(void **state)
{
    (void) state;
    /* C1: U+0080 and U+009F (U+009B is CSI on some terminals) */
    assert_string_equal(ESC("\xc2\x80"), "\\xc2\\x80");
    assert_string_equal(ESC("\xc2\x9b"), "\\xc2\\x9b");
    assert_string_equal(ESC("\xc2\x9f"), "\\xc2\\x9f");
    /* Bidi_Control, with the code points beside kept */
    assert_string_equal(ESC("\xd8\x9c"), "\\xd8\\x9c");     /* U+061C */
    assert_string_equal(ESC("\xd8\x9b"), "\xd8\x9b");       /* U+061B */
    assert_string_equal(ESC("\xe2\x80\x8d"), "\xe2\x80\x8d"); /* U+200D */
    assert_string_equal(ESC("\xe2\x80\x8e"), "\\xe2\\x80\\x8e");
    assert_string_equal(ESC("\xe2\x80\x8f"), "\\xe2\\x80\\x8f");
    assert_string_equal(ESC("\xe2\x80\x90"), "\xe2\x80\x90"); /* U+2010 */
    assert_string_equal(ESC("\xe2\x80\xa9"), "\xe2\x80\xa9"); /* U+2029 */
    assert_string_equal(ESC("\xe2\x80\xaa"), "\\xe2\\x80\\xaa");
    assert_string_equal(ESC("\xe2\x80\xae"), "\\xe2\\x80\\xae"); /* RLO */
    assert_string_equal(ESC("\xe2\x80\xaf"), "\xe2\x80\xaf"); /* U+202F */
    assert_string_equal(ESC("\xe2\x81\xa5"), "\xe2\x81\xa5"); /* U+2065 */
    assert_string_equal(ESC("\xe2\x81\xa6"), "\\xe2\\x81\\xa6");
    assert_string_equal(ESC("\xe2\x81\xa9"), "\\xe2\\x81\\xa9");
    assert_string_equal(ESC("\xe2\x81\xaa"), "\xe2\x81\xaa"); /* U+206A */
}

static void
test_or_printable_quoted(void **state)
{
    (void) state;
    assert_string_equal(esc("a\"b\\c", 5, OR_PRINTABLE_QUOTED),
                        "a\\\"b\\\\c");
    assert_string_equal(esc("\"\n", 2, OR_PRINTABLE_QUOTED), "\\\"\\x0a");
}

/* The bound: OR_PRINTABLE_MAX holds the worst case; a smaller buffer is
 * cut after a whole piece and marked, never mid-escape. */
static void
test_or_printable_bound(void **state)
{
    char  in[64], out[OR_PRINTABLE_MAX(64)];

    (void) state;
    memset(in, 0x1b, sizeof(in));
    assert_int_equal(strlen(or_printable(in, sizeof(in), out, sizeof(out),
                                         0)), 4 * sizeof(in));
    memset(in, '"', sizeof(in));
    assert_int_equal(strlen(or_printable(in, sizeof(in), out, sizeof(out),
                                         OR_PRINTABLE_QUOTED)),
                     2 * sizeof(in));
    /* "\x1b\x1b": 8 bytes; cap 9 holds it, cap 8 does not */
    assert_string_equal(or_printable("\x1b\x1b", 2, out, 9, 0),
                        "\\x1b\\x1b");
    assert_string_equal(or_printable("\x1b\x1b", 2, out, 8, 0), "\\x1b...");
    assert_string_equal(or_printable("\x1b\x1b", 2, out, 7, 0), "...");
    assert_string_equal(or_printable("abcdef", 6, out, 7, 0), "abcdef");
    assert_string_equal(or_printable("abcdef", 6, out, 6, 0), "ab...");
    /* a UTF-8 character is never split */
    assert_string_equal(or_printable("\xe2\x82\xac\xe2\x82\xac", 6, out, 6,
                                     0), "...");
    assert_string_equal(or_printable("\xe2\x82\xac\xe2\x82\xac", 6, out, 7,
                                     0), "\xe2\x82\xac\xe2\x82\xac");
    assert_string_equal(or_printable("abc", 3, out, 2, 0), ".");
    assert_string_equal(or_printable("abc", 3, out, 1, 0), "");
    assert_string_equal(or_printable("", 0, out, 1, 0), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_printable_c0_and_del),
        cmocka_unit_test(test_or_printable_invalid_utf8),
        cmocka_unit_test(test_or_printable_valid_utf8_kept),
        cmocka_unit_test(test_or_printable_c1_and_bidi),
        cmocka_unit_test(test_or_printable_quoted),
        cmocka_unit_test(test_or_printable_bound),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
