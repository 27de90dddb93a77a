/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Text from a peer made safe to show: a terminal must not receive its
 * escape sequences (ESC, CSI, BEL, CR...), a log line must not be split
 * or spoofed by it, and bidirectional overrides must not reorder what an
 * operator reads. Pure: bytes in, bytes out.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "openred.h"

#define PIECE_MAX  16       /* "\xHH" for each of 4 bytes */

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlong
 * form, no surrogate, at most U+10FFFF) and its code point; 0 if none. */
static size_t
utf8_seq(const unsigned char *s, size_t rem, uint32_t *cp)
{
    static const uint32_t  min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    size_t                 n, k;
    uint32_t               c;

    n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
        : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || n > rem) {
        return 0;
    }
    c = n == 1 ? s[0] : (uint32_t) (s[0] & (0x7f >> n));
    for (k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80) {
            return 0;
        }
        c = c << 6 | (s[k] & 0x3f);
    }
    if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }
    *cp = c;
    return n;
}

/* C0 and DEL, C1 (a terminal may take U+009B as CSI), and Unicode's
 * Bidi_Control set (ALM, LRM, RLM, LRE..RLO, LRI..PDI) */
static int
is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c
           || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e)
           || (c >= 0x2066 && c <= 0x2069);
}

/* The output for the input at in[*i], into piece; advances *i. */
static size_t
piece(const unsigned char *in, size_t len, size_t *i, unsigned flags,
    char piece[PIECE_MAX + 1])
{
    uint32_t  c = 0;
    size_t    n = utf8_seq(in + *i, len - *i, &c), out = 0;

    if (n != 0 && !is_control(c)) {
        if ((flags & OR_PRINTABLE_QUOTED) && (c == '"' || c == '\\')) {
            piece[out++] = '\\';
        }
        memcpy(piece + out, in + *i, n);
        *i += n;
        return out + n;
    }
    /* a control sequence byte by byte; a byte of invalid UTF-8 alone */
    for (size_t k = 0; k < (n ? n : 1); k++) {
        snprintf(piece + out, 5, "\\x%02x", in[*i + k]);
        out += 4;
    }
    *i += n ? n : 1;
    return out;
}

const char *
or_printable(const char *in, size_t len, char *out, size_t cap,
    unsigned flags)
{
    const unsigned char  *s = (const unsigned char *) in;
    char                  p[PIECE_MAX + 1];
    size_t                i, n, total = 0, used = 0;

    if (cap == 0) {
        return out;
    }
    for (i = 0; i < len; ) {
        total += piece(s, len, &i, flags, p);
    }
    /* all of it, or as many whole pieces as leave room for "..." */
    for (i = 0; i < len; ) {
        n = piece(s, len, &i, flags, p);
        if (used + n + (total < cap ? 0 : 3) >= cap) {
            break;
        }
        memcpy(out + used, p, n);
        used += n;
    }
    if (total >= cap) {
        n = cap - 1 - used < 3 ? cap - 1 - used : 3;
        memcpy(out + used, "...", n);
        used += n;
    }
    out[used] = '\0';
    return out;
}
