/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_err.c: the name of every or_err_t code, as
 * the logs and control replies print them ("sending to X failed: try
 * again"), and a value outside the enum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "or_err.h"

static void
test_or_strerror_names(void **state)
{
    (void) state;
    assert_string_equal(or_strerror(OR_OK), "ok");
    assert_string_equal(or_strerror(OR_ERROR), "error");
    assert_string_equal(or_strerror(OR_AGAIN), "try again");
    assert_string_equal(or_strerror(OR_ENOMEM), "out of memory");
    assert_string_equal(or_strerror(OR_EPROTO), "protocol error");
    assert_string_equal(or_strerror(OR_ETOOBIG), "input too big");
    assert_string_equal(or_strerror(OR_EAUTH), "authentication failed");
    assert_string_equal(or_strerror(OR_ECRYPTO), "crypto library error");
    assert_string_equal(or_strerror(OR_ECONF), "configuration error");
}

/* one past each end of the enum, and a positive value */
static void
test_or_strerror_unknown(void **state)
{
    (void) state;
    assert_string_equal(or_strerror((or_err_t) (OR_ECONF - 1)),
                        "unknown error");
    assert_string_equal(or_strerror((or_err_t) 1), "unknown error");
    assert_string_equal(or_strerror((or_err_t) 77), "unknown error");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_strerror_names),
        cmocka_unit_test(test_or_strerror_unknown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
