/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Unit tests of src/crypto/or_errbuf.c: reason names and errbuf filling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "or_errbuf.h"

static void
test_or_reason_name_all_distinct(void **state)
{
    int  i, j;

    (void) state;
    for (i = 0; i < OR_R_LAST; i++) {
        assert_string_not_equal(or_reason_name((or_reason_t) i), "unknown");
        for (j = 0; j < i; j++) {
            assert_string_not_equal(or_reason_name((or_reason_t) i),
                                    or_reason_name((or_reason_t) j));
        }
    }
    assert_string_equal(or_reason_name(OR_R_LAST), "unknown");
    assert_string_equal(or_reason_name((or_reason_t) -1), "unknown");
    assert_string_equal(or_reason_name(OR_R_HMAC), "hmac");
}

static void
test_or_errbuf_set_null_and_fill(void **state)
{
    or_errbuf_t  eb;

    (void) state;
    assert_int_equal(or_errbuf_set(NULL, OR_EAUTH, OR_R_HMAC, "x"),
                     OR_EAUTH);
    assert_int_equal(or_errbuf_set(&eb, OR_EPROTO, OR_R_BAD_BASE64,
                                   "bad %s", "base64"), OR_EPROTO);
    assert_int_equal(eb.reason, OR_R_BAD_BASE64);
    assert_string_equal(eb.msg, "bad base64");
}

static void
test_or_errbuf_ssl_drains_queue(void **state)
{
    or_errbuf_t  eb;

    (void) state;
    /* provoke an OpenSSL error: an unknown algorithm */
    assert_null(EVP_MD_fetch(NULL, "NO-SUCH-DIGEST", NULL));
    assert_int_not_equal(ERR_peek_error(), 0);
    assert_int_equal(or_errbuf_ssl(&eb, "fetch"), OR_ECRYPTO);
    assert_int_equal(eb.reason, OR_R_CRYPTO);
    assert_int_equal(strncmp(eb.msg, "fetch: ", 7), 0);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(or_errbuf_nomem(&eb), OR_ENOMEM);
    assert_int_equal(eb.reason, OR_R_NOMEM);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_reason_name_all_distinct),
        cmocka_unit_test(test_or_errbuf_set_null_and_fill),
        cmocka_unit_test(test_or_errbuf_ssl_drains_queue),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
