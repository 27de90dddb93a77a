/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Unit tests for or_metrics_text.c: the exact text of a small daemon's
 * replies, label values escaped, families of absent modules left out,
 * sessions counted per node and direction with zeros for idle nodes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "or_metrics_text.h"

static json_t *
load(const char *text)
{
    json_error_t e;
    json_t      *j = json_loads(text, 0, &e);

    assert_non_null(j);
    return j;
}

static char *
render(json_t *st, json_t *peers)
{
    char   *text = NULL;
    size_t  len = 0;

    assert_int_equal(or_metrics_text(st, peers, &text, &len), OR_OK);
    assert_int_equal(strlen(text), len);
    json_decref(st);
    json_decref(peers);
    return text;
}

static void
test_or_metrics_text_status_only(void **state)
{
    char *t = render(load("{\"version\": \"0.1.0\", \"reloads\": 3, "
        "\"uptime\": 42, \"workers\": [{\"state\": \"running\"}, "
        "{\"state\": \"quitting\"}, {\"state\": \"running\"}]}"),
        NULL);

    (void) state;
    assert_string_equal(t,
        "# HELP openred_build_info The version of the openred daemon, "
        "always 1.\n"
        "# TYPE openred_build_info gauge\n"
        "openred_build_info{version=\"0.1.0\"} 1\n"
        "# HELP openred_workers Worker processes running (draining ones "
        "not counted).\n"
        "# TYPE openred_workers gauge\n"
        "openred_workers 2\n"
        "# HELP openred_reloads_total Configuration reloads that "
        "succeeded.\n"
        "# TYPE openred_reloads_total counter\n"
        "openred_reloads_total 3\n"
        "# HELP openred_uptime_seconds Seconds since the master started.\n"
        "# TYPE openred_uptime_seconds gauge\n"
        "openred_uptime_seconds 42\n");
    free(t);
}

static void
test_or_metrics_text_label_escaped(void **state)
{
    char *t = render(load("{\"version\": \"a\\\"b\\\\c\\nd\"}"), NULL);

    (void) state;
    assert_non_null(strstr(t, "openred_build_info{version=\"a\\\"b\\\\c\\nd\"}"
                              " 1\n"));
    free(t);
}

static void
test_or_metrics_text_handshakes_and_sessions(void **state)
{
    /* status as the handshake module fills it; B's counts missing: 0 */
    char *t = render(
        load("{\"nodes\": [{\"id\": \"A\"}, {\"id\": \"B\"}], "
             "\"sessions\": {\"A\": {\"inbound\": 2, \"outbound\": 1}}, "
             "\"handshakes\": {\"A\": {\"accepted\": 2, \"replay\": 1}, "
             "\"B\": {\"accepted\": 0}}}"), NULL);

    (void) state;
    assert_non_null(strstr(t, "# TYPE openred_handshakes_total counter\n"
        "openred_handshakes_total{node=\"A\",result=\"accepted\"} 2\n"
        "openred_handshakes_total{node=\"A\",result=\"replay\"} 1\n"
        "openred_handshakes_total{node=\"B\",result=\"accepted\"} 0\n"));
    assert_non_null(strstr(t, "# TYPE openred_sessions gauge\n"
        "openred_sessions{node=\"A\",direction=\"in\"} 2\n"
        "openred_sessions{node=\"A\",direction=\"out\"} 1\n"
        "openred_sessions{node=\"B\",direction=\"in\"} 0\n"
        "openred_sessions{node=\"B\",direction=\"out\"} 0\n"));
    free(t);
}

static void
test_or_metrics_text_beacons_by_socket(void **state)
{
    char *t = render(NULL,
        load("{\"nodes\": [{\"node\": \"A\", \"peers\": 5, \"sent\": 7}], "
             "\"sockets\": [{\"received\": 9, \"opened\": 6, "
             "\"refused\": {\"hmac\": 3}}]}"));

    (void) state;
    assert_null(strstr(t, "openred_build_info"));
    assert_non_null(strstr(t, "openred_peers{node=\"A\"} 5\n"));
    assert_non_null(strstr(t, "openred_beacons_sent_total{node=\"A\"} 7\n"));
    assert_non_null(strstr(t,
        "openred_beacons_received_total{socket=\"0\"} 9\n"));
    assert_non_null(strstr(t,
        "openred_beacons_total{socket=\"0\",result=\"opened\"} 6\n"
        "openred_beacons_total{socket=\"0\",result=\"hmac\"} 3\n"));
    free(t);
}

static void
test_or_metrics_text_nothing(void **state)
{
    char   *t = NULL;
    size_t  len = 1;

    (void) state;
    assert_int_equal(or_metrics_text(NULL, NULL, &t, &len), OR_OK);
    assert_int_equal(len, 0);
    free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_metrics_text_status_only),
        cmocka_unit_test(test_or_metrics_text_label_escaped),
        cmocka_unit_test(test_or_metrics_text_handshakes_and_sessions),
        cmocka_unit_test(test_or_metrics_text_beacons_by_socket),
        cmocka_unit_test(test_or_metrics_text_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
