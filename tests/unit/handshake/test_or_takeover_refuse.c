/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The new worker's side of a reload's hand-over (or_takeover.c) against
 * a scripted old worker (a child process): who may connect, and every
 * packet sequence it refuses, each with its reason and the "failed"
 * counter of the status; a complete session of a node the reload removed
 * is closed and counted as such.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "or_hs_fixture.h"
#include "or_session_transfer.h"
#include "or_shm.h"
#include "or_status.h"
#include "or_takeover.h"

#define TOP  (1 + (32768 > OR_TRANSFER_STATE_MAX ? 32768                  \
                                                 : OR_TRANSFER_STATE_MAX))

/* the takeover zone's layout (or_takeover.c), to learn the listener */
typedef struct {
    pid_t     pid;
    unsigned  generation;
    unsigned  index;
    uint64_t  token;
} tz_slot_t;

typedef struct {
    uint64_t   kept;
    uint64_t   closed[4];
    uint64_t   failed;
    tz_slot_t  slots[OR_STATUS_SLOTS];
} tz_zone_t;

/* one packet the old worker sends */
typedef struct {
    char    type;       /* 'S', 'D', 'X'; 0 ends */
    int     state;      /* 'S': the encoded state follows */
    size_t  len;        /* else: bytes after the type */
    int     with_fd;
} pk_t;

static hsf_t  *f;
static const char *want;

/* what the state the child sends differs in (fork copies them) */
static const char *v_ours, *v_listen, *v_sector;
static uint64_t    v_id = 77;
static uint32_t    v_slot;
static uint32_t    v_inlen = 10, v_outlen = 20;

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
    v_ours = v_listen = v_sector = NULL;
    v_id = 77;
    v_slot = 0;
    v_inlen = 10;
    v_outlen = 20;
    return 0;
}

static void
fill(or_transfer_state_t *st, const char *node)
{
    memset(st, 0, sizeof(*st));
    st->id = v_id;
    st->slot = v_slot;
    snprintf(st->node, sizeof(st->node), "%s", node);
    strcpy(st->peer, hsf_fp[HSF_B]);
    strcpy(st->ours, v_ours != NULL ? v_ours : hsf_fp[HSF_A]);
    strcpy(st->address, "127.0.0.1:40000");
    strcpy(st->listen, v_listen != NULL ? v_listen : "127.0.0.1:9001");
    strcpy(st->sector, v_sector != NULL ? v_sector : "tech");
    st->direction = OR_SESSION_OUT;
    st->framing = OR_FRAMING_V2;
    st->since = 1764000000;
    st->inlen = v_inlen;
    st->outlen = v_outlen;
}

static uint64_t
token_of(pid_t pid)
{
    tz_zone_t  *z = or_shm_addr(or_shm_zone_find(f->cycle,
                                                  OR_TAKEOVER_ZONE));

    for (size_t i = 0; i < OR_STATUS_SLOTS; i++) {
        if (z->slots[i].pid == pid) {
            return z->slots[i].token;
        }
    }
    return 0;
}

static void
child(uint64_t token, int go, const pk_t *pk, const char *node)
{
    static unsigned char  b[TOP + 64];
    struct sockaddr_un    sa;
    or_transfer_state_t   st;
    char                  c;
    int                   fd, sp[2];
    size_t                n;

    if (read(go, &c, 1) != 1) {
        _exit(2);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    n = (size_t) snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
                          "openred.takeover.%016llx",
                          (unsigned long long) token);
    fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sa,
                          (socklen_t) (offsetof(struct sockaddr_un, sun_path)
                                       + 1 + n)) != 0
        || socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0)
    {
        _exit(3);
    }
    fill(&st, node);
    for (; pk->type != 0; pk++) {
        union {
            struct cmsghdr  h;
            char            b[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec   iov;
        struct msghdr  msg;

        b[0] = (unsigned char) pk->type;
        n = pk->len;
        if (pk->state && or_transfer_encode(&st, b + 1, sizeof(b) - 1, &n)
                         != OR_OK)
        {
            _exit(4);
        }
        if (!pk->state) {
            memset(b + 1, 'x', n);
        }
        iov.iov_base = b;
        iov.iov_len = 1 + n;
        memset(&msg, 0, sizeof(msg));
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        if (pk->with_fd) {
            struct cmsghdr  *cm;

            msg.msg_control = ctl.b;
            msg.msg_controllen = sizeof(ctl.b);
            cm = CMSG_FIRSTHDR(&msg);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(cm), &sp[0], sizeof(int));
        }
        if (sendmsg(fd, &msg, MSG_NOSIGNAL) != (ssize_t) (1 + n)) {
            _exit(5);
        }
    }
    close(fd);
    _exit(0);
}

static int
logged(void *arg)
{
    (void) arg;
    return hsf_log_has(f, want);
}

/* runs the scripted old worker (registered as a worker if worker) until
 * the log holds text */
static void
play(const pk_t *pk, const char *node, int worker, const char *text)
{
    uint64_t  token = token_of(getpid());
    int       go[2], status;
    pid_t     pid;

    assert_true(token != 0);
    assert_int_equal(pipe(go), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(go[1]);
        child(token, go[0], pk, node);
    }
    close(go[0]);
    if (worker) {
        assert_int_equal(or_status_worker_add(f->cycle, pid, 0,
                                              f->cycle->generation + 1),
                         OR_OK);
    }
    assert_int_equal(write(go[1], "g", 1), 1);
    close(go[1]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    want = text;
    assert_true(hsf_run_until(f, NULL, logged, NULL));
}

static json_int_t
counter(const char *key, const char *reason)
{
    json_t      *st = json_object(), *o;
    json_int_t   v;

    assert_int_equal(or_takeover_status(f->cycle, st), OR_OK);
    o = json_object_get(json_object_get(st, "reload"), key);
    if (reason != NULL) {
        o = json_object_get(o, reason);
    }
    assert_true(json_is_integer(o));
    v = json_integer_value(o);
    json_decref(st);
    return v;
}

static void
open_tk(or_takeover_t **tk)
{
    assert_int_equal(or_takeover_open(&f->hs, tk), OR_OK);
    assert_int_equal(counter("failed", NULL), 0);
    assert_int_equal(counter("sessions_kept", NULL), 0);
}

static void
test_not_a_worker(void **state)
{
    static const pk_t  pk[] = { { 'X', 0, 4, 0 }, { 0, 0, 0, 0 } };
    or_takeover_t     *tk;

    (void) state;
    open_tk(&tk);
    play(pk, "n0", 0, "session hand-over refused: the connecting process "
         "is not a worker of this daemon");
    /* refused at accept: its packet never read */
    assert_false(hsf_log_has(f, "unknown packet"));
    assert_int_equal(counter("failed", NULL), 0);
    or_takeover_close(tk);
}

/* One refusal of a hand-over: what the old worker sends, what is logged.
 * Each is counted as failed once (never twice), keeps nothing and closes
 * nothing as stale. */
typedef struct {
    const char  *name;
    pk_t         pk[4];
    const char  *log;
} refusal_t;

static const refusal_t  refusals[] = {
    { "unknown packet", { { 'X', 0, 4, 0 } },
      "session hand-over refused: unknown packet" },
    { "data before a state", { { 'D', 0, 8, 0 } },
      "session hand-over refused: unknown packet" },
    { "a state without its socket", { { 'S', 1, 0, 0 } },
      "session hand-over refused: a state without its socket" },
    { "a garbled state", { { 'S', 0, 40, 1 } },
      "session hand-over refused: " },
    /* the largest packet is TOP bytes: one more is cut by the kernel */
    { "a packet one byte above the largest", { { 'D', 0, TOP, 0 } },
      "session hand-over refused: truncated packet" },
    /* 29 of the state's 30 bytes, then the old worker is gone */
    { "data one byte short, then the end", { { 'S', 1, 0, 1 },
      { 'D', 0, 29, 0 } },
      "session hand-over cut short: the old worker left mid-session" },
    /* 30 bytes are due: 31 in one packet are refused */
    { "data one byte above what the state said", { { 'S', 1, 0, 1 },
      { 'D', 0, 31, 0 } },
      "session hand-over refused: more data than the state said" },
    { "a state twice", { { 'S', 1, 0, 1 }, { 'S', 1, 0, 1 } },
      "session hand-over refused: a state before the last one's data" },
};

static void
test_refusal(void **state)
{
    const refusal_t  *r = *state;
    or_takeover_t    *tk;

    open_tk(&tk);
    play(r->pk, "n0", 1, r->log);
    assert_int_equal(counter("failed", NULL), 1);
    assert_int_equal(counter("sessions_kept", NULL), 0);
    assert_int_equal(counter("sessions_closed", "node removed by reload"),
                     0);
    or_takeover_close(tk);
}

static void
test_removed_node_at_bound(void **state)
{
    /* exactly the 30 bytes due, in two packets: the session is whole;
     * its node "gone" is not served any more, so it is closed as removed */
    static const pk_t  pk[] = { { 'S', 1, 0, 1 }, { 'D', 0, 10, 0 },
                                { 'D', 0, 20, 0 }, { 0, 0, 0, 0 } };
    or_takeover_t     *tk;

    (void) state;
    open_tk(&tk);
    play(pk, "gone", 1, "session closed: node removed by reload");
    assert_true(hsf_log_line_has(f, "session closed: node removed by "
                                 "reload", "node: gone, peer: "
                                 "127.0.0.1:40000"));
    assert_int_equal(counter("sessions_closed", "node removed by reload"),
                     1);
    assert_int_equal(counter("sessions_closed", "node key changed by "
                             "reload"), 0);
    assert_int_equal(counter("failed", NULL), 0);
    assert_int_equal(counter("sessions_kept", NULL), 0);
    or_takeover_close(tk);
}

/* the whole session, of node n0 as the state says: nothing buffered
 * (the child's end of the socket is gone once it exits) */
static const pk_t  whole[] = { { 'S', 1, 0, 1 }, { 0, 0, 0, 0 } };

static void
pk_none(void)
{
    v_inlen = 0;
    v_outlen = 0;
}

static void
stale(const char *reason)
{
    static const char *const all[] = {
        "node removed by reload", "node key changed by reload",
        "node port changed by reload", "node sector changed by reload"
    };
    or_takeover_t  *tk;
    char            head[96];

    pk_none();
    open_tk(&tk);
    snprintf(head, sizeof(head), "closed: %s", reason);
    play(whole, "n0", 1, head);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(counter("sessions_closed", all[i]),
                         strcmp(all[i], reason) == 0);
    }
    assert_int_equal(counter("failed", NULL), 0);
    assert_int_equal(counter("sessions_kept", NULL), 0);
    assert_int_equal(hsf_sessions(f, 0, -1), 0);
    or_takeover_close(tk);
}

static void
test_buffers_to_a_gone_peer(void **state)
{
    /* its 20 bytes of output cannot go to a socket whose peer is gone */
    static const pk_t  pk[] = { { 'S', 1, 0, 1 }, { 'D', 0, 30, 0 },
                                { 0, 0, 0, 0 } };
    or_takeover_t     *tk;

    (void) state;
    open_tk(&tk);
    play(pk, "n0", 1, "taking it over after a reload failed (buffers)");
    assert_int_equal(counter("failed", NULL), 1);
    assert_int_equal(counter("sessions_kept", NULL), 0);
    assert_int_equal(hsf_sessions(f, 0, -1), 0);
    or_takeover_close(tk);
}

static void
test_stale_key(void **state)
{
    (void) state;
    v_ours = hsf_fp[HSF_M];
    stale("node key changed by reload");
}

static void
test_stale_listen(void **state)
{
    (void) state;
    v_listen = "127.0.0.1:9002";
    stale("node port changed by reload");
}

static void
test_stale_sector(void **state)
{
    (void) state;
    v_sector = "techx";
    stale("node sector changed by reload");
}

static void
test_kept_new_slot(void **state)
{
    or_takeover_t  *tk;
    or_session_t    s;
    char            line[160];

    (void) state;
    v_slot = 5;                 /* not in this table: listed anew */
    pk_none();
    open_tk(&tk);
    snprintf(line, sizeof(line), "session taken over after a reload: out, "
             "fingerprint: %s", hsf_fp[HSF_B]);
    play(whole, "n0", 1, line);
    assert_int_equal(counter("sessions_kept", NULL), 1);
    assert_int_equal(counter("failed", NULL), 0);
    assert_true(hsf_session(f, 0, hsf_fp[HSF_B], &s) >= 0);
    assert_int_equal(s.pid, getpid());
    assert_string_equal(s.address, "127.0.0.1:40000");
    or_takeover_close(tk);
}

static void
test_kept_same_slot(void **state)
{
    or_takeover_t  *tk;
    or_session_t    s;

    (void) state;
    /* the old worker's slot in the shared table is taken, not copied */
    v_id = hsf_session_add(f, 0, hsf_fp[HSF_B], OR_SESSION_OUT, 1);
    v_slot = (uint32_t) hsf_session(f, 0, hsf_fp[HSF_B], &s);
    assert_int_equal(s.pid, 1);
    pk_none();
    open_tk(&tk);
    play(whole, "n0", 1, "session taken over after a reload: out");
    assert_int_equal(counter("sessions_kept", NULL), 1);
    assert_int_equal(hsf_sessions(f, 0, -1), 1);
    assert_int_equal(hsf_session(f, 0, hsf_fp[HSF_B], &s), (int) v_slot);
    assert_int_equal(s.id, v_id);
    assert_int_equal(s.pid, getpid());
    or_takeover_close(tk);
}

static void
test_shutdown_closes_what_comes(void **state)
{
    or_takeover_t  *tk;

    (void) state;
    pk_none();
    open_tk(&tk);
    or_takeover_quit(tk);       /* -s quit: nothing is kept any more */
    play(whole, "n0", 1, "shutting down");
    assert_int_equal(counter("sessions_kept", NULL), 0);
    assert_int_equal(counter("failed", NULL), 0);
    assert_int_equal(hsf_sessions(f, 0, -1), 0);
    or_takeover_close(tk);
}

static void
test_quit_without_reload(void **state)
{
    or_handoff_hdr_t  hdr;
    or_takeover_t    *tk;

    (void) state;
    open_tk(&tk);
    memset(&hdr, 0, sizeof(hdr));
    hdr.session = 1;
    /* nothing handed over yet: not ours to pass on */
    assert_int_equal(or_takeover_forward(tk, &hdr, ""), OR_AGAIN);
    /* the status' generation is not newer: -s quit, no hand-over */
    or_takeover_quit(tk);
    assert_int_equal(or_takeover_forward(tk, &hdr, ""), OR_AGAIN);
    or_takeover_close(tk);
    or_takeover_quit(NULL);
    or_takeover_close(NULL);
    assert_int_equal(or_takeover_forward(NULL, &hdr, ""), OR_AGAIN);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_not_a_worker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed_node_at_bound, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_buffers_to_a_gone_peer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stale_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_listen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_sector, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_new_slot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_same_slot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_shutdown_closes_what_comes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_quit_without_reload, setup,
                                        teardown),
    };
    struct CMUnitTest  each[sizeof(refusals) / sizeof(refusals[0])];
    int                rc;

    assert_int_equal(hsf_keys_load(), 0);
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        each[i] = (struct CMUnitTest) { refusals[i].name, test_refusal,
                                        setup, teardown,
                                        (void *) &refusals[i] };
    }
    rc = cmocka_run_group_tests_name("hand-over refusals", each, NULL, NULL);
    rc |= cmocka_run_group_tests(tests, NULL, NULL);
    hsf_keys_free();
    return rc;
}
