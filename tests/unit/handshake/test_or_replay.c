/*
 * Unit tests for or_replay.c: a signature is accepted once inside the
 * window, forgotten after it, and a full probe raises the floor so that
 * forgetting never lets a replay through.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "or_replay.h"

static or_replay_t *
cache_new(void)
{
    or_replay_t *rc = calloc(1, sizeof(*rc));

    assert_non_null(rc);
    return rc;
}

static void
sig_of(unsigned n, unsigned char sig[256])
{
    memset(sig, 0, 256);
    memcpy(sig, &n, sizeof(n));
    sig[255] = (unsigned char) n;
}

static void
test_or_replay_check_add_second_time_refused(void **state)
{
    or_replay_t   *rc = cache_new();
    unsigned char  sig[256];

    (void) state;
    sig_of(1, sig);
    assert_int_equal(or_replay_check_add(rc, sig, 256, 1000, 1000, 300),
                     OR_OK);
    assert_int_equal(or_replay_check_add(rc, sig, 256, 1000, 1100, 300),
                     OR_EAUTH);
    sig_of(2, sig);
    assert_int_equal(or_replay_check_add(rc, sig, 256, 1000, 1100, 300),
                     OR_OK);
    free(rc);
}

/* issue 16: one signature with its leading zero removed or one added is
 * the same integer: the same key, refused as a replay */
static void
test_or_replay_check_add_reencoding_refused(void **state)
{
    or_replay_t   *rc = cache_new();
    unsigned char  sig[258];

    (void) state;
    memset(sig, 0, sizeof(sig));
    sig_of(9, sig + 2);
    sig[2] = 0x00;          /* sig + 2: 256 bytes starting with 0x00 */
    assert_int_equal(or_replay_check_add(rc, sig + 2, 256, 1000, 1000, 300),
                     OR_OK);
    assert_int_equal(or_replay_check_add(rc, sig + 3, 255, 1000, 1000, 300),
                     OR_EAUTH);
    assert_int_equal(or_replay_check_add(rc, sig + 1, 257, 1000, 1000, 300),
                     OR_EAUTH);
    assert_int_equal(or_replay_check_add(rc, sig, 258, 1000, 1000, 300),
                     OR_EAUTH);
    free(rc);
}

static void
test_or_replay_check_add_forgets_after_window(void **state)
{
    or_replay_t   *rc = cache_new();
    unsigned char  sig[256];

    (void) state;
    sig_of(7, sig);
    assert_int_equal(or_replay_check_add(rc, sig, 256, 1000, 1000, 300),
                     OR_OK);
    /* after ts + window the request itself is expired: slot reusable */
    assert_int_equal(or_replay_check_add(rc, sig, 256, 1000, 1302, 300),
                     OR_OK);
    free(rc);
}

static void
test_or_replay_check_add_full_raises_floor(void **state)
{
    or_replay_t   *rc = cache_new();
    unsigned char  sig[256];
    unsigned       i;

    (void) state;
    /* more live signatures than slots: some must be evicted */
    for (i = 0; i < OR_REPLAY_SLOTS + 64; i++) {
        sig_of(i, sig);
        if (or_replay_check_add(rc, sig, 256, 1000 + (int64_t) (i / 4096),
                                1000, 300) != OR_OK)
        {
            continue;       /* under the floor already: refused, fine */
        }
    }
    assert_true(rc->evicted > 0);
    assert_true(rc->floor >= 1000);
    /* the first one may be forgotten, but its timestamp is under the
     * floor: still refused */
    sig_of(0, sig);
    assert_int_equal(or_replay_check_add(rc, sig, 256, 1000, 1001, 300),
                     OR_EAUTH);
    free(rc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_replay_check_add_second_time_refused),
        cmocka_unit_test(test_or_replay_check_add_reencoding_refused),
        cmocka_unit_test(test_or_replay_check_add_forgets_after_window),
        cmocka_unit_test(test_or_replay_check_add_full_raises_floor),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
