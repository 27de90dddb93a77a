/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_discovery_diag.c: the silence notice at exactly one
 * period after the last beacon heard (not before, not again within the
 * next period, never without a beacon sent), the HMAC notice per window
 * with the passphrase named, and the hints of an empty table.
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

#include "or_discovery_diag.h"
#include "or_log.h"

#define T0  1000000

static char      path[64];
static or_log_t *log_;

static int
setup(void **state)
{
    int fd;

    (void) state;
    snprintf(path, sizeof(path), "/tmp/or_test_diag.XXXXXX");
    fd = mkstemp(path);
    if (fd < 0) {
        return -1;
    }
    close(fd);
    log_ = or_log_new(OR_LOG_INFO);
    return log_ != NULL && or_log_open(log_, path) == OR_OK ? 0 : -1;
}

static int
teardown(void **state)
{
    (void) state;
    or_log_free(log_);
    unlink(path);
    return 0;
}

/* Lines containing needle written since the last call. */
static int
lines_with(const char *needle)
{
    static long  seen;
    char         line[1024];
    int          n = 0;
    FILE        *f = fopen(path, "r");

    assert_non_null(f);
    fseek(f, seen, SEEK_SET);
    while (fgets(line, sizeof(line), f) != NULL) {
        n += strstr(line, needle) != NULL;
    }
    seen = ftell(f);
    fclose(f);
    return n;
}

static or_discovery_diag_t *
one_node(void)
{
    or_discovery_diag_node_t n = { "a", 0, 3 };
    or_discovery_diag_sock_t s = { "224.0.1.100", 5354, "" };

    return or_discovery_diag_new(log_, &n, 1, &s, 1, T0);
}

static void
test_or_discovery_diag_silence_at_period(void **state)
{
    or_discovery_diag_t *d = one_node();

    (void) state;
    assert_non_null(d);
    lines_with("");
    or_discovery_diag_tick(d, T0 + 3);      /* nothing sent yet */
    assert_int_equal(lines_with("no beacon heard"), 0);
    or_discovery_diag_sent(d, 0);
    or_discovery_diag_tick(d, T0 + 2);      /* one second short */
    assert_int_equal(lines_with("no beacon heard"), 0);
    or_discovery_diag_tick(d, T0 + 3);
    assert_int_equal(lines_with("in 3 s: check that UDP 5354 is open and "
                                "multicast reaches this host, node: a"), 1);
    or_discovery_diag_tick(d, T0 + 5);      /* once per period */
    assert_int_equal(lines_with("no beacon heard"), 0);
    or_discovery_diag_tick(d, T0 + 6);
    assert_int_equal(lines_with("no beacon heard"), 1);
    /* heard: quiet for a period after it, and until sent again */
    or_discovery_diag_heard(d, 0, T0 + 7);
    or_discovery_diag_tick(d, T0 + 20);
    assert_int_equal(lines_with("no beacon heard"), 0);
    or_discovery_diag_free(d);
}

static void
test_or_discovery_diag_hmac_names_passphrase(void **state)
{
    or_discovery_diag_t *d = one_node();
    char                 hints[2][256];

    (void) state;
    lines_with("");
    for (int i = 0; i < 12; i++) {
        or_discovery_diag_refused(d, 0, OR_R_HMAC, "10.0.0.2:5354");
    }
    or_discovery_diag_refused(d, 0, OR_R_EXPIRED, "10.0.0.2:5354");
    or_discovery_diag_tick(d, T0 + 2);
    assert_int_equal(lines_with("refused"), 0);
    or_discovery_diag_tick(d, T0 + 3);
    assert_int_equal(lines_with("12 beacons refused in 3 s, HMAC mismatch: "
                                "different discovery passphrase?, peer: "
                                "10.0.0.2:5354"), 1);
    or_discovery_diag_tick(d, T0 + 6);      /* a window with none */
    assert_int_equal(lines_with("refused"), 0);
    /* the hint remembers the window before, and says nothing was heard */
    or_discovery_diag_sent(d, 0);
    for (int i = 0; i < 2; i++) {
        or_discovery_diag_refused(d, 0, OR_R_HMAC, "10.0.0.2:5354");
    }
    assert_int_equal(or_discovery_diag_hints(d, 0, T0 + 7, hints, 2), 2);
    assert_string_equal(hints[0], "2 beacons refused in 3 s, HMAC mismatch: "
                        "different discovery passphrase?");
    assert_non_null(strstr(hints[1], "no beacon heard on "));
    assert_non_null(strstr(hints[1], " in 7 s: check that UDP 5354"));
    or_discovery_diag_free(d);
}

static void
test_or_discovery_diag_null_is_quiet(void **state)
{
    char hints[2][256];

    (void) state;
    or_discovery_diag_sent(NULL, 0);
    or_discovery_diag_heard(NULL, 0, T0);
    or_discovery_diag_refused(NULL, 0, OR_R_HMAC, "x");
    or_discovery_diag_tick(NULL, T0);
    assert_int_equal(or_discovery_diag_hints(NULL, 0, T0, hints, 2), 0);
    assert_string_equal(or_discovery_diag_ifname(NULL, 0), "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_discovery_diag_silence_at_period),
        cmocka_unit_test(test_or_discovery_diag_hmac_names_passphrase),
        cmocka_unit_test(test_or_discovery_diag_null_is_quiet),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
