/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_handoff.c, the worker-to-worker datagrams: a round
 * trip, random names that a squatter cannot take first, the size bound at
 * its exact value, a worker that is gone, and every datagram that is
 * dropped (short, truncated, lying about its length, from another uid).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "or_handoff.h"

#define PAYLOAD_MAX  (OR_SEND_DGRAM_MAX - sizeof(or_handoff_hdr_t))

/* The token of a socket that existed and is closed: a worker gone. */
static uint64_t
gone_token(void)
{
    uint64_t tok;
    int      fd = or_handoff_open(&tok);

    assert_true(fd >= 0);
    close(fd);
    return tok;
}

/* Binds an abstract name as a squatter would; returns the fd. */
static int
bind_abstract(const char *name)
{
    struct sockaddr_un sa;
    int                fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    size_t             n = strlen(name);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path + 1, name, n);
    assert_int_equal(bind(fd, (struct sockaddr *) &sa,
                          (socklen_t) (offsetof(struct sockaddr_un, sun_path)
                                       + 1 + n)), 0);
    return fd;
}

/* Raw bytes to token's socket, as a confused or hostile sender would. */
static void
send_raw(uint64_t tok, const void *buf, size_t len)
{
    struct sockaddr_un sa;
    int                n, fd = socket(AF_UNIX, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
                 "openred.handoff.%016llx", (unsigned long long) tok);
    assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *) &sa,
                            (socklen_t) (offsetof(struct sockaddr_un,
                                                  sun_path) + 1 + n)),
                     (ssize_t) len);
    close(fd);
}

static void
test_handoff_round_trip(void **state)
{
    uint64_t          me;
    int               fd = or_handoff_open(&me);
    or_handoff_hdr_t  hdr;
    char              buf[OR_SEND_DGRAM_MAX];

    (void) state;
    assert_true(fd >= 0);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, sizeof(buf)), OR_AGAIN);
    assert_int_equal(or_handoff_send(me, OR_HANDOFF_SEND, 42, "{\"a\": 1}",
                                     8), OR_OK);
    assert_int_equal(or_handoff_send(me, OR_HANDOFF_CLOSE, 43, "", 0),
                     OR_OK);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, sizeof(buf)), OR_OK);
    assert_int_equal(hdr.op, OR_HANDOFF_SEND);
    assert_int_equal(hdr.session, 42);
    assert_int_equal(hdr.len, 8);
    assert_memory_equal(buf, "{\"a\": 1}", 8);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, sizeof(buf)), OR_OK);
    assert_int_equal(hdr.op, OR_HANDOFF_CLOSE);
    assert_int_equal(hdr.session, 43);
    assert_int_equal(hdr.len, 0);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, sizeof(buf)), OR_AGAIN);
    close(fd);
}

/* Issue 16 #5: the names were openred.handoff.<pid>, which another uid
 * could bind first. Squatting that name changes nothing now, and two
 * sockets get two different random names of 16 hex digits. */
static void
test_handoff_names_are_random(void **state)
{
    char               name[64];
    int                squat, fd1, fd2;
    uint64_t           t1, t2;
    struct sockaddr_un sa;
    socklen_t          len = sizeof(sa);

    (void) state;
    snprintf(name, sizeof(name), "openred.handoff.%ld", (long) getpid());
    squat = bind_abstract(name);
    fd1 = or_handoff_open(&t1);
    fd2 = or_handoff_open(&t2);
    assert_true(fd1 >= 0 && fd2 >= 0);
    assert_true(t1 != 0 && t2 != 0 && t1 != t2);
    assert_int_equal(getsockname(fd1, (struct sockaddr *) &sa, &len), 0);
    assert_int_equal(len, offsetof(struct sockaddr_un, sun_path) + 1
                          + strlen("openred.handoff.") + 16);
    snprintf(name, sizeof(name), "openred.handoff.%016llx",
             (unsigned long long) t1);
    assert_memory_equal(sa.sun_path + 1, name, strlen(name));
    assert_int_equal(or_handoff_send(t2, OR_HANDOFF_CLOSE, 1, "x", 1), OR_OK);
    close(fd1);
    close(fd2);
    close(squat);
}

/* OR_SEND_DGRAM_MAX with the header: the bound passes whole, one more
 * byte is refused before anything is sent. */
static void
test_handoff_size_bound(void **state)
{
    uint64_t          me;
    int               fd = or_handoff_open(&me);
    char             *big = malloc(PAYLOAD_MAX + 1);
    char             *buf = malloc(OR_SEND_DGRAM_MAX);
    or_handoff_hdr_t  hdr;
    int               sndbuf = 4 * OR_SEND_DGRAM_MAX;

    (void) state;
    assert_true(fd >= 0 && big != NULL && buf != NULL);
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sndbuf,
                                sizeof(sndbuf)), 0);
    memset(big, 'x', PAYLOAD_MAX + 1);
    for (size_t len = PAYLOAD_MAX - 1; len <= PAYLOAD_MAX; len++) {
        assert_int_equal(or_handoff_send(me, OR_HANDOFF_SEND, 7, big, len),
                         OR_OK);
        assert_int_equal(or_handoff_recv(fd, &hdr, buf, PAYLOAD_MAX),
                         OR_OK);
        assert_int_equal(hdr.len, len);
    }
    errno = 0;
    assert_int_equal(or_handoff_send(me, OR_HANDOFF_SEND, 7, big,
                                     PAYLOAD_MAX + 1), OR_ERROR);
    assert_int_equal(errno, EMSGSIZE);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, PAYLOAD_MAX), OR_AGAIN);
    free(big);
    free(buf);
    close(fd);
}

static void
test_handoff_send_to_gone_worker_fails(void **state)
{
    (void) state;
    errno = 0;
    assert_int_equal(or_handoff_send(gone_token(), OR_HANDOFF_CLOSE, 1,
                                     "replaced", 8), OR_ERROR);
    assert_int_equal(errno, ECONNREFUSED);
}

/* Short, cut by a small buffer, or lying about its length: dropped. */
static void
test_handoff_recv_drops_malformed(void **state)
{
    uint64_t          me;
    int               fd = or_handoff_open(&me);
    or_handoff_hdr_t  hdr, lie = { OR_HANDOFF_SEND, 10, 5 };
    char              buf[64], raw[sizeof(lie) + 4];

    (void) state;
    assert_true(fd >= 0);
    send_raw(me, "abc", 3);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, sizeof(buf)), OR_EAUTH);
    memcpy(raw, &lie, sizeof(lie));
    memcpy(raw + sizeof(lie), "{}{}", 4);
    send_raw(me, raw, sizeof(raw));
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, sizeof(buf)), OR_EAUTH);
    assert_int_equal(or_handoff_send(me, OR_HANDOFF_SEND, 5, "0123456789",
                                     10), OR_OK);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, 9), OR_EAUTH);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, sizeof(buf)), OR_AGAIN);
    close(fd);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, sizeof(buf)), OR_ERROR);
}

/* Only our own uid is heard (SCM_CREDENTIALS). Needs root to send as
 * another uid; without it the test is reported skipped, not passed. */
static void
test_handoff_recv_drops_other_uid(void **state)
{
    uint64_t          me;
    pid_t             pid;
    int               fd, st;
    or_handoff_hdr_t  hdr;
    char              buf[64];

    (void) state;
    if (geteuid() != 0) {
        skip();
    }
    fd = or_handoff_open(&me);
    assert_true(fd >= 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setresgid(65534, 65534, 65534) != 0
            || setresuid(65534, 65534, 65534) != 0)
        {
            _exit(2);
        }
        _exit(or_handoff_send(me, OR_HANDOFF_CLOSE, 9, "x", 1) == OR_OK
              ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, sizeof(buf)), OR_EAUTH);
    assert_int_equal(or_handoff_recv(fd, &hdr, buf, sizeof(buf)), OR_AGAIN);
    close(fd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handoff_round_trip),
        cmocka_unit_test(test_handoff_names_are_random),
        cmocka_unit_test(test_handoff_size_bound),
        cmocka_unit_test(test_handoff_send_to_gone_worker_fails),
        cmocka_unit_test(test_handoff_recv_drops_malformed),
        cmocka_unit_test(test_handoff_recv_drops_other_uid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
