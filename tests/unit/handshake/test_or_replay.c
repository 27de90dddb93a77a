/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_replay.c: a request is accepted once inside the
 * window and forgotten after it; a full probe forgets a request of the
 * busiest requester and gives that requester alone a floor, so neither
 * forgetting nor a future-dated flood lets a replay through or refuses a
 * genuine request (issue 16).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "or_replay.h"

#define NOW     1000000
#define WIN     300

static or_replay_t *
cache_new(void)
{
    or_replay_t *rc = calloc(1, sizeof(*rc));

    assert_non_null(rc);
    return rc;
}

/* a key whose probe starts at slot h; n tells keys of one slot apart */
static void
key_at(uint64_t h, uint32_t n, unsigned char key[OR_REPLAY_KEY_LEN])
{
    memset(key, 0, OR_REPLAY_KEY_LEN);
    memcpy(key, &h, sizeof(h));
    memcpy(key + 8, &n, sizeof(n));
}

/* the fingerprint of requester n: 16 hex */
static const char *
fp_of(uint32_t n, char fp[OR_FP_LEN + 1])
{
    snprintf(fp, OR_FP_LEN + 1, "%016x", n);
    return fp;
}

static or_err_t
add(or_replay_t *rc, uint64_t h, uint32_t n, uint32_t who, int64_t ts,
    int64_t now)
{
    unsigned char  key[OR_REPLAY_KEY_LEN];
    char           fp[OR_FP_LEN + 1];

    key_at(h, n, key);
    return or_replay_check_add(rc, key, fp_of(who, fp), ts, now, WIN);
}

static void
test_or_replay_check_add_second_time_refused(void **state)
{
    or_replay_t *rc = cache_new();

    (void) state;
    assert_int_equal(add(rc, 5, 1, 1, NOW, NOW), OR_OK);
    assert_int_equal(add(rc, 5, 1, 1, NOW, NOW + 100), OR_EAUTH);
    assert_int_equal(add(rc, 5, 2, 1, NOW, NOW + 100), OR_OK);
    free(rc);
}

/* issue 16: one signature with its leading zero removed or one added is
 * the same integer: the same key, refused as a replay */
static void
test_or_replay_check_add_reencoding_refused(void **state)
{
    or_replay_t   *rc = cache_new();
    unsigned char  sig[258], key[OR_REPLAY_KEY_LEN];
    char           fp[OR_FP_LEN + 1];

    (void) state;
    memset(sig, 0, sizeof(sig));
    for (size_t i = 3; i < sizeof(sig); i++) {
        sig[i] = (unsigned char) (i * 7 + 1);
    }
    fp_of(1, fp);
    assert_int_equal(or_replay_key(sig + 2, 256, key), OR_OK);
    assert_int_equal(or_replay_check_add(rc, key, fp, NOW, NOW, WIN), OR_OK);
    for (size_t off = 0; off <= 3; off++) {
        if (off == 2) {
            continue;
        }
        assert_int_equal(or_replay_key(sig + off, sizeof(sig) - off, key),
                         OR_OK);
        assert_int_equal(or_replay_check_add(rc, key, fp, NOW, NOW, WIN),
                         OR_EAUTH);
    }
    assert_int_equal(or_replay_key(sig, OR_SIG_MAX + 1, key), OR_EPROTO);
    free(rc);
}

static void
test_or_replay_check_add_forgets_after_window(void **state)
{
    or_replay_t *rc = cache_new();

    (void) state;
    assert_int_equal(add(rc, 7, 7, 1, NOW, NOW), OR_OK);
    /* at now = ts + window it is still live; one later its slot is free
     * (the time check refuses it by then) */
    assert_int_equal(add(rc, 7, 7, 1, NOW, NOW + WIN), OR_EAUTH);
    assert_int_equal(add(rc, 7, 7, 1, NOW, NOW + WIN + 1), OR_OK);
    free(rc);
}

/* requester of request i in the probe tests: 3 also sent request 5 */
static uint32_t
who_of(uint32_t i)
{
    return i == 5 ? 3 : i;
}

/* one probe: OR_REPLAY_PROBE - 1 and OR_REPLAY_PROBE live requests fit;
 * the one above forgets the oldest request of the busiest requester (3,
 * with two), whose floor then refuses its replay; the others are still
 * remembered, and the floor is 3's alone */
static void
test_or_replay_check_add_probe_bound(void **state)
{
    or_replay_t *rc = cache_new();
    uint32_t     i;

    (void) state;
    for (i = 0; i < OR_REPLAY_PROBE - 1; i++) {
        assert_int_equal(add(rc, 100, i, who_of(i), NOW + i, NOW), OR_OK);
    }
    assert_int_equal(rc->evicted, 0);
    assert_int_equal(add(rc, 100, i, who_of(i), NOW + i, NOW), OR_OK);
    assert_int_equal(rc->evicted, 0);
    /* above: request 3 (ts NOW + 3, older than 3's request 5) goes */
    assert_int_equal(add(rc, 100, 1000, 40, NOW + 40, NOW), OR_OK);
    assert_int_equal(rc->evicted, 1);
    assert_int_equal(add(rc, 100, 3, 3, NOW + 3, NOW), OR_EAUTH);
    for (i = 0; i < OR_REPLAY_PROBE; i++) {
        assert_int_equal(add(rc, 100, i, who_of(i), NOW + i, NOW), OR_EAUTH);
    }
    assert_int_equal(add(rc, 100, 1000, 40, NOW + 40, NOW), OR_EAUTH);
    assert_int_equal(rc->evicted, 1);
    /* a request of 0, older than 3's floor, is not refused by it */
    assert_int_equal(add(rc, 200, 1, 0, NOW + 1, NOW), OR_OK);
    /* 3 moves on: a later request of its own is accepted */
    assert_int_equal(add(rc, 300, 2, 3, NOW + 4, NOW), OR_OK);
    assert_int_equal(rc->busy, 0);
    free(rc);
}

/* the whole table: OR_REPLAY_SLOTS - 1 and OR_REPLAY_SLOTS requests, one
 * per slot, fit; the one above forgets one */
static void
test_or_replay_check_add_slots_bound(void **state)
{
    or_replay_t *rc = cache_new();
    uint32_t     i;

    (void) state;
    for (i = 0; i < OR_REPLAY_SLOTS - 1; i++) {
        assert_int_equal(add(rc, i, i, i, NOW, NOW), OR_OK);
    }
    assert_int_equal(rc->evicted, 0);
    assert_int_equal(add(rc, i, i, i, NOW, NOW), OR_OK);
    assert_int_equal(rc->evicted, 0);
    assert_int_equal(add(rc, 17, OR_REPLAY_SLOTS, OR_REPLAY_SLOTS, NOW, NOW),
                     OR_OK);
    assert_int_equal(rc->evicted, 1);
    free(rc);
}

/* a deterministic spread of slots */
static uint64_t
spread(uint32_t i)
{
    return (uint64_t) i * 2654435761u;
}

/* issue 16: an attacker signs its own requests at now + window with its
 * own keys until the table overflows; a genuine fresh request must still
 * be accepted, and its replay refused, during and after the flood */
static void
flood_then_genuine(uint32_t attackers)
{
    or_replay_t *rc = cache_new();
    uint32_t     i, genuine = 0xfffffff0u;
    uint64_t     g = spread(0x7fffffff);

    /* the attacker's own requests meet its own floor once it has one:
     * refused as replays, which hurts only the attacker */
    for (i = 0; i < OR_REPLAY_SLOTS + OR_REPLAY_SLOTS / 2; i++) {
        assert_int_not_equal(add(rc, spread(i), i, i % attackers, NOW + WIN,
                                 NOW), OR_AGAIN);
    }
    assert_true(rc->evicted > 0);
    assert_int_equal(add(rc, g, 1, genuine, NOW - 2, NOW), OR_OK);
    assert_int_equal(add(rc, g, 1, genuine, NOW - 2, NOW), OR_EAUTH);
    /* the flood goes on, then the replay comes */
    for (i = 0; i < OR_REPLAY_SLOTS; i++) {
        assert_int_not_equal(add(rc, spread(i) + 1, OR_REPLAY_SLOTS + i,
                                 i % attackers, NOW + WIN, NOW + 1),
                             OR_AGAIN);
    }
    assert_int_equal(add(rc, g, 1, genuine, NOW - 2, NOW + 1), OR_EAUTH);
    /* the genuine peer's next request, and a second one in the same
     * second (different signature) */
    assert_int_equal(add(rc, g, 2, genuine, NOW + 1, NOW + 1), OR_OK);
    assert_int_equal(add(rc, spread(3), 0xfffffff3u, genuine, NOW + 1,
                         NOW + 1), OR_OK);
    assert_int_equal(rc->busy, 0);
    free(rc);
}

static void
test_or_replay_check_add_future_flood_one_key(void **state)
{
    (void) state;
    flood_then_genuine(1);
}

static void
test_or_replay_check_add_future_flood_many_keys(void **state)
{
    (void) state;
    flood_then_genuine(1000);
}

/* every floor record in use by others and a full probe: refused as busy
 * (OR_AGAIN), not as a replay, and nothing is forgotten */
static void
test_or_replay_check_add_busy_not_replay(void **state)
{
    or_replay_t *rc = cache_new();
    char         fp[OR_FP_LEN + 1];
    uint32_t     i;

    (void) state;
    for (i = 0; i < OR_REPLAY_FLOORS; i++) {
        rc->floors[i].expires = NOW + WIN;
        rc->floors[i].floor = NOW - 1;
        memcpy(rc->floors[i].fp, fp_of(0x80000000u + i, fp), OR_FP_LEN);
    }
    for (i = 0; i < OR_REPLAY_PROBE; i++) {
        assert_int_equal(add(rc, 9, i, i, NOW, NOW), OR_OK);
    }
    assert_int_equal(add(rc, 9, 99, 99, NOW, NOW), OR_AGAIN);
    assert_int_equal(rc->busy, 1);
    assert_int_equal(rc->evicted, 0);
    for (i = 0; i < OR_REPLAY_PROBE; i++) {
        assert_int_equal(add(rc, 9, i, i, NOW, NOW), OR_EAUTH);
    }
    free(rc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_replay_check_add_second_time_refused),
        cmocka_unit_test(test_or_replay_check_add_reencoding_refused),
        cmocka_unit_test(test_or_replay_check_add_forgets_after_window),
        cmocka_unit_test(test_or_replay_check_add_probe_bound),
        cmocka_unit_test(test_or_replay_check_add_slots_bound),
        cmocka_unit_test(test_or_replay_check_add_future_flood_one_key),
        cmocka_unit_test(test_or_replay_check_add_future_flood_many_keys),
        cmocka_unit_test(test_or_replay_check_add_busy_not_replay),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
