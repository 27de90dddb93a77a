/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Dial hints (or_dial.c): none without a handler; the handler gets every
 * argument and its data, and its answer is the caller's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "or_dial.h"

static int                     calls;
static size_t                  got_node;
static const struct sockaddr  *got_sa;
static socklen_t               got_len;
static const unsigned char    *got_id;
static const char             *got_source;
static void                   *got_data;

static or_err_t
handler(size_t node, const struct sockaddr *sa, socklen_t salen,
    const unsigned char *id, const char *source, void *data)
{
    calls++;
    got_node = node;
    got_sa = sa;
    got_len = salen;
    got_id = id;
    got_source = source;
    got_data = data;
    return OR_AGAIN;
}

static void
test_or_dial_hint(void **state)
{
    struct sockaddr_in  sin;
    unsigned char       id[32];
    int                 token;

    (void) state;
    memset(&sin, 0, sizeof(sin));
    memset(id, 7, sizeof(id));
    assert_int_equal(or_dial_hint(0, (struct sockaddr *) &sin, sizeof(sin),
                                  id, "dht"), OR_ERROR);
    or_dial_hint_handler(handler, &token);
    assert_int_equal(or_dial_hint(3, (struct sockaddr *) &sin, sizeof(sin),
                                  id, "dht"), OR_AGAIN);
    assert_int_equal(calls, 1);
    assert_int_equal(got_node, 3);
    assert_ptr_equal(got_sa, &sin);
    assert_int_equal(got_len, sizeof(sin));
    assert_ptr_equal(got_id, id);
    assert_string_equal(got_source, "dht");
    assert_ptr_equal(got_data, &token);
    or_dial_hint_handler(NULL, NULL);
    assert_int_equal(or_dial_hint(3, (struct sockaddr *) &sin, sizeof(sin),
                                  id, "dht"), OR_ERROR);
    assert_int_equal(calls, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_dial_hint),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
