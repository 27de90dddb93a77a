/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The old worker's forwarding during a hand-over (or_takeover_out.c): a
 * `send` routed to it after it handed its sessions over is passed on, not
 * lost. Nothing handed yet: not ours (OR_AGAIN). A session no longer
 * listed: OR_AGAIN. A session still listed under this pid (sent, not yet
 * listed by the new worker): queued, at most TK_FWD_MAX, the next one
 * refused; the queue is freed at close. A session another worker lists:
 * sent to that worker's hand-off socket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "or_handoff.h"
#include "or_hs_fixture.h"
#include "or_session.h"
#include "or_shm.h"
#include "or_status.h"
#include "or_takeover_int.h"

static hsf_t *f;

static int
setup(void **state)
{
    static const int  keys[] = { HSF_A };

    (void) state;
    hsf_zones_extra = hsf_zones_takeover;
    f = hsf_new(keys, 1, 16);
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    hsf_free(f);
    hsf_zones_extra = NULL;
    return 0;
}

/* a session row of node n0 held by pid, through hand-off token */
static uint64_t
row(pid_t pid, uint64_t token)
{
    or_session_table_t *t = or_shm_addr(f->hs.sessions);
    or_session_t        s;
    uint64_t            id;

    memset(&s, 0, sizeof(s));
    snprintf(s.node, sizeof(s.node), "n0");
    snprintf(s.peer, sizeof(s.peer), "%s", hsf_fp[HSF_B]);
    s.pid = pid;
    s.handoff = token;
    or_shm_lock(f->hs.sessions);
    assert_true(or_session_add(t, &s, &id) >= 0);
    or_shm_unlock(f->hs.sessions);
    return id;
}

static void
test_forward_queue_bound(void **state)
{
    or_takeover_t     *tk;
    or_handoff_hdr_t   hdr = { OR_HANDOFF_SEND, 7, 0 };

    (void) state;
    assert_int_equal(or_takeover_open(&f->hs, &tk), OR_OK);
    hdr.session = row(getpid(), 1);
    /* nothing handed over yet: the message is this worker's own */
    assert_int_equal(or_takeover_forward(tk, &hdr, "{\"n\":1}"), OR_AGAIN);
    tk->handed = 1;
    for (int i = 0; i < TK_FWD_MAX; i++) {
        assert_int_equal(or_takeover_forward(tk, &hdr, "{\"n\":1}"), OR_OK);
    }
    assert_int_equal(tk->nfwd, TK_FWD_MAX);
    assert_int_equal(or_takeover_forward(tk, &hdr, "{\"n\":1}"),
                     OR_ETOOBIG);
    /* a session no longer listed anywhere: not forwarded */
    hdr.session += 1000;
    assert_int_equal(or_takeover_forward(tk, &hdr, "{\"n\":1}"), OR_AGAIN);
    or_takeover_close(tk);      /* frees the queue (LeakSanitizer) */
}

static void
test_forward_to_the_new_worker(void **state)
{
    or_takeover_t     *tk;
    or_handoff_hdr_t   hdr = { OR_HANDOFF_SEND, 7, 0 }, got;
    uint64_t           token;
    char               buf[64];
    int                fd = or_handoff_open(&token);

    (void) state;
    assert_true(fd >= 0);
    assert_int_equal(or_takeover_open(&f->hs, &tk), OR_OK);
    tk->handed = 1;
    /* listed by another worker (pid 1 here), whose socket is token */
    hdr.session = row(1, token);
    assert_int_equal(or_takeover_forward(tk, &hdr, "{\"n\":2}"), OR_OK);
    assert_int_equal(tk->nfwd, 0);
    assert_int_equal(or_handoff_recv(fd, &got, buf, sizeof(buf)), OR_OK);
    assert_int_equal(got.op, OR_HANDOFF_SEND);
    assert_int_equal(got.session, hdr.session);
    assert_int_equal(got.len, 7);
    assert_memory_equal(buf, "{\"n\":2}", 7);
    or_takeover_close(tk);
    close(fd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_forward_queue_bound, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_forward_to_the_new_worker,
                                        setup, teardown),
    };
    int  rc;

    assert_int_equal(hsf_keys_load(), 0);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    hsf_keys_free();
    return rc;
}
