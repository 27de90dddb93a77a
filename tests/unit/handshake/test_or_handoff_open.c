/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_handoff_open()'s choice of a name: getrandom() is
 * replaced here so the tokens are known. A token is never 0 (0 in a
 * session slot means "no hand-off socket"); a name in use is tried again
 * with a new token, at most 4 tries in all; getrandom() failing fails the
 * open with its errno and no descriptor left open.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <cmocka.h>

#include "or_handoff.h"

/* The tokens getrandom() returns while fake_n > 0 (then the real one);
 * fake_fail: fail with EIO instead. */
static uint64_t fake[8];
static size_t   fake_n, fake_i;
static int      fake_fail;
static size_t   fake_calls;

ssize_t
getrandom(void *buf, size_t len, unsigned flags)
{
    if (fake_fail) {
        fake_calls++;
        errno = EIO;
        return -1;
    }
    if (fake_i < fake_n && len == sizeof(uint64_t)) {
        fake_calls++;
        memcpy(buf, &fake[fake_i++], len);
        return (ssize_t) len;
    }
    return syscall(SYS_getrandom, buf, len, flags);
}

static void
fake_set(const uint64_t *t, size_t n)
{
    if (n > 0) {
        memcpy(fake, t, n * sizeof(*t));
    }
    fake_n = n;
    fake_i = 0;
    fake_calls = 0;
    fake_fail = 0;
}

/* Binds token's abstract name, as another socket holding it would. */
static int
squat(uint64_t token)
{
    struct sockaddr_un sa;
    int                n, fd = socket(AF_UNIX, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1,
                 "openred.handoff.%016llx", (unsigned long long) token);
    assert_int_equal(bind(fd, (struct sockaddr *) &sa,
                          (socklen_t) (offsetof(struct sockaddr_un, sun_path)
                                       + 1 + n)), 0);
    return fd;
}

static int
open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int  n = 0;

    assert_non_null(d);
    while (readdir(d) != NULL) {
        n++;
    }
    closedir(d);
    return n;
}

static void
test_handoff_token_never_zero(void **state)
{
    const uint64_t t[] = { 0, 0, 0x1122334455667788ULL };
    uint64_t       tok = 1;
    int            fd;

    (void) state;
    fake_set(t, 3);
    fd = or_handoff_open(&tok);
    assert_true(fd >= 0);
    assert_int_equal(tok, 0x1122334455667788ULL);
    assert_int_equal(fake_calls, 3);
    /* and that is its name: a datagram to it arrives */
    assert_int_equal(or_handoff_send(tok, OR_HANDOFF_CLOSE, 7, "", 0), OR_OK);
    close(fd);
}

/* Names in use on the first 3 tries: the 4th token is taken. */
static void
test_handoff_name_in_use_three_times(void **state)
{
    const uint64_t t[] = { 0xa1, 0xa2, 0xa3, 0xa4 };
    int            s1 = squat(0xa1), s2 = squat(0xa2), s3 = squat(0xa3);
    uint64_t       tok = 0;
    int            fd;

    (void) state;
    fake_set(t, 4);
    fd = or_handoff_open(&tok);
    assert_true(fd >= 0);
    assert_int_equal(tok, 0xa4);
    assert_int_equal(fake_calls, 4);
    close(fd);
    close(s1);
    close(s2);
    close(s3);
}

/* In use on all 4 tries: no 5th, EADDRINUSE, nothing left open. */
static void
test_handoff_name_in_use_four_times(void **state)
{
    const uint64_t t[] = { 0xb1, 0xb2, 0xb3, 0xb4, 0xb5 };
    int            s[4] = { squat(0xb1), squat(0xb2), squat(0xb3),
                            squat(0xb4) };
    uint64_t       tok = 0;
    int            before = open_fds();

    (void) state;
    fake_set(t, 5);
    errno = 0;
    assert_int_equal(or_handoff_open(&tok), -1);
    assert_int_equal(errno, EADDRINUSE);
    assert_int_equal(fake_calls, 4);
    assert_int_equal(open_fds(), before);
    for (int i = 0; i < 4; i++) {
        close(s[i]);
    }
}

static void
test_handoff_getrandom_fails(void **state)
{
    uint64_t tok = 0;
    int      before = open_fds();

    (void) state;
    fake_set(NULL, 0);
    fake_fail = 1;
    errno = 0;
    assert_int_equal(or_handoff_open(&tok), -1);
    assert_int_equal(errno, EIO);
    assert_int_equal(fake_calls, 1);
    assert_int_equal(open_fds(), before);
    fake_fail = 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handoff_token_never_zero),
        cmocka_unit_test(test_handoff_name_in_use_three_times),
        cmocka_unit_test(test_handoff_name_in_use_four_times),
        cmocka_unit_test(test_handoff_getrandom_fails),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
