/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_evring.c, the core's event ring: order and what a
 * slow reader missed, publishing through a cycle's zone (and a no-op
 * without it), and the type names watch prints.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "or_cycle.h"
#include "or_evring.h"
#include "or_shm.h"

static void
test_or_evring_read_order_and_missed(void **state)
{
    or_evring_t *r = calloc(1, sizeof(*r));
    or_evt_t     ev, *out = calloc(OR_EVENTS_MAX, sizeof(*out));
    size_t       n;
    uint64_t     missed;

    (void) state;
    assert_non_null(r);
    memset(&ev, 0, sizeof(ev));
    for (int i = 0; i < OR_EVENTS_MAX + 10; i++) {
        ev.type = OR_EVT_MESSAGE;
        ev.time = i;
        or_evring_push(r, &ev);
    }
    or_evring_read(r, 0, out, OR_EVENTS_MAX, &n, &missed);
    assert_int_equal(missed, 10);
    assert_int_equal(n, OR_EVENTS_MAX);
    assert_int_equal(out[0].seq, 11);
    assert_int_equal(out[n - 1].seq, OR_EVENTS_MAX + 10);
    or_evring_read(r, OR_EVENTS_MAX + 8, out, 5, &n, &missed);
    assert_int_equal(n, 2);
    assert_int_equal(missed, 0);
    or_evring_read(r, OR_EVENTS_MAX + 10, out, 5, &n, &missed);
    assert_int_equal(n, 0);
    free(out);
    free(r);
}

/* Any module publishes through the cycle's zone; the reader gets every
 * field back. */
static void
test_or_evring_publish_fetch(void **state)
{
    or_cycle_t *c = or_cycle_new("/tmp", "t.conf", NULL);
    or_evt_t    out[4];
    size_t      n;
    uint64_t    missed, last;
    const char *text = "{\"address\":\"10.0.0.2:9002\"}";

    assert_non_null(c);
    assert_int_equal(or_evring_zone_add(c), OR_OK);
    assert_int_equal(or_shm_map(c, NULL), OR_OK);
    or_evring_publish(c, OR_EVT_PEER_DISCOVERED, "a", "0123456789abcdef",
                      NULL, text, strlen(text));
    or_evring_publish(c, OR_EVT_PEER_LOST, "a", "0123456789abcdef",
                      "evicted: table full (max_peers 1)", NULL, 0);
    assert_int_equal(or_evring_fetch(c, 0, out, 4, &n, &missed, &last),
                     OR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(last, 2);
    assert_int_equal(out[0].type, OR_EVT_PEER_DISCOVERED);
    assert_string_equal(out[0].node, "a");
    assert_string_equal(out[0].peer, "0123456789abcdef");
    assert_string_equal(out[0].detail, "");
    assert_int_equal(out[0].textlen, strlen(text));
    assert_memory_equal(out[0].text, text, strlen(text));
    assert_string_equal(out[1].detail, "evicted: table full (max_peers 1)");
    assert_int_equal(out[1].textlen, 0);
    or_cycle_free(c);
}

/* A cycle without the zone: publishing does nothing, fetching fails. */
static void
test_or_evring_without_zone(void **state)
{
    or_cycle_t *c = or_cycle_new("/tmp", "t.conf", NULL);
    or_evt_t    out[1];
    size_t      n;
    uint64_t    missed, last;

    assert_non_null(c);
    or_evring_publish(c, OR_EVT_PEER_LOST, "a", "p", "x", NULL, 0);
    assert_int_equal(or_evring_fetch(c, 0, out, 1, &n, &missed, &last),
                     OR_ERROR);
    or_cycle_free(c);
}

static void
test_or_evt_type_name_every_type(void **state)
{
    assert_string_equal(or_evt_type_name(OR_EVT_PEER_DISCOVERED),
                        "peer_discovered");
    assert_string_equal(or_evt_type_name(OR_EVT_PEER_LOST), "peer_lost");
    assert_string_equal(or_evt_type_name(OR_EVT_SESSION_ESTABLISHED),
                        "session_established");
    assert_string_equal(or_evt_type_name(OR_EVT_SESSION_CLOSED),
                        "session_closed");
    assert_string_equal(or_evt_type_name(OR_EVT_MESSAGE), "message");
    assert_string_equal(or_evt_type_name(OR_EVT_HANDSHAKE_FAILED),
                        "handshake_failed");
    assert_string_equal(or_evt_type_name(0), "unknown");
    assert_string_equal(or_evt_type_name(OR_EVT_HANDSHAKE_FAILED + 1),
                        "unknown");
}

/* A message flood of twice the ring after a session event: the session
 * event is still read first (connect's outcome), only messages are
 * missed; one event more than a lane holds loses the oldest of it. */
static void
test_or_evring_flood_keeps_session_events(void **state)
{
    or_evring_t *r = calloc(1, sizeof(*r));
    or_evt_t     ev, *out = calloc(OR_EVENTS_MAX, sizeof(*out));
    size_t       n;
    uint64_t     missed;

    (void) state;
    assert_non_null(r);
    memset(&ev, 0, sizeof(ev));
    ev.type = OR_EVT_SESSION_ESTABLISHED;
    or_evring_push(r, &ev);                           /* seq 1 */
    ev.type = OR_EVT_MESSAGE;
    for (int i = 0; i < 2 * OR_EVENTS_MAX; i++) {
        or_evring_push(r, &ev);
    }
    or_evring_read(r, 0, out, 64, &n, &missed);
    assert_int_equal(n, 64);
    assert_int_equal(out[0].seq, 1);
    assert_int_equal(out[0].type, OR_EVT_SESSION_ESTABLISHED);
    assert_int_equal(out[1].seq, OR_EVENTS_MAX + 2);  /* oldest kept msg */
    assert_int_equal(missed, OR_EVENTS_MAX);
    /* the other lane at its bound: OR_EVENTS_MAX kept, one more drops 1 */
    memset(r, 0, sizeof(*r));
    ev.type = OR_EVT_SESSION_CLOSED;
    for (int i = 0; i < OR_EVENTS_MAX; i++) {
        or_evring_push(r, &ev);
    }
    or_evring_read(r, 0, out, OR_EVENTS_MAX, &n, &missed);
    assert_int_equal(n, OR_EVENTS_MAX);
    assert_int_equal(missed, 0);
    or_evring_push(r, &ev);
    or_evring_read(r, 0, out, OR_EVENTS_MAX, &n, &missed);
    assert_int_equal(missed, 1);
    assert_int_equal(out[0].seq, 2);
    free(out);
    free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_evring_flood_keeps_session_events),
        cmocka_unit_test(test_or_evring_read_order_and_missed),
        cmocka_unit_test(test_or_evring_publish_fetch),
        cmocka_unit_test(test_or_evring_without_zone),
        cmocka_unit_test(test_or_evt_type_name_every_type),
    };

    return cmocka_run_group_tests_name("or_evring", tests, NULL, NULL);
}
