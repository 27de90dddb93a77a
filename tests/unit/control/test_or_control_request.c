/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Control requests: what parses, and the exact reason for what does not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "or_control_request.h"
#include "or_limits.h"
/* openredctl's own bounds: it cannot include or_limits.h, so its header
 * is checked against the daemon's here, where both are visible */
#include "../../../src/ctl/or_ctl.h"

static or_err_t
parse(const char *line, const char **command, char *err)
{
    json_t   *req = NULL;
    or_err_t  rc;

    rc = or_control_request_parse(line, strlen(line), &req, command, err, 256);
    if (rc == OR_OK) {
        assert_non_null(req);
        json_decref(req);
    }
    return rc;
}

static void
test_or_control_request_parse_status(void **state)
{
    json_t     *req = NULL;
    const char *cmd = NULL;
    char        err[256];
    const char *line = "{\"command\": \"peers\", \"node\": \"a\"}";

    assert_int_equal(or_control_request_parse(line, strlen(line), &req, &cmd,
                                          err, sizeof(err)), OR_OK);
    assert_string_equal(cmd, "peers");
    assert_string_equal(json_string_value(json_object_get(req, "node")),
                        "a");
    json_decref(req);
}

static void
test_or_control_request_parse_refusals(void **state)
{
    const char *cmd = NULL;
    char        err[256];

    assert_int_equal(parse("status", &cmd, err), OR_EPROTO);
    assert_non_null(strstr(err, "request is not a JSON object"));
    assert_int_equal(parse("[\"status\"]", &cmd, err), OR_EPROTO);
    assert_int_equal(parse("{\"command\": 1}", &cmd, err), OR_EPROTO);
    assert_string_equal(err, "request has no \"command\" string of 1..32 "
                        "bytes");
    assert_int_equal(parse("{\"command\": \"\"}", &cmd, err), OR_EPROTO);
    assert_int_equal(parse("{\"command\": \"s\", \"command\": \"t\"}", &cmd,
                           err), OR_EPROTO);
    assert_int_equal(parse("{\"command\": \"s\", \"x\": NaN}", &cmd, err),
                     OR_EPROTO);
}

static void
test_or_control_request_parse_bounds(void **state)
{
    char        deep[256];
    char       *big = malloc(OR_CONTROL_LINE_MAX + 2);
    const char *cmd = NULL;
    char        err[256];
    size_t      n = 0;

    /* nesting one over OR_JSON_DEPTH_MAX */
    n += (size_t) sprintf(deep, "{\"command\": \"s\", \"x\": ");
    for (int i = 0; i < OR_JSON_DEPTH_MAX; i++) {
        deep[n++] = '[';
    }
    for (int i = 0; i < OR_JSON_DEPTH_MAX; i++) {
        deep[n++] = ']';
    }
    strcpy(deep + n, "}");
    assert_int_equal(parse(deep, &cmd, err), OR_EPROTO);

    assert_non_null(big);
    memset(big, ' ', OR_CONTROL_LINE_MAX + 1);
    big[OR_CONTROL_LINE_MAX + 1] = '\0';
    assert_int_equal(parse(big, &cmd, err), OR_ETOOBIG);
    free(big);
}

/* openredctl sends no line the daemon would refuse for its length, and
 * reads whole every reply the daemon may send */
static void
test_or_control_bounds_fit_openredctl(void **state)
{
    (void) state;
    assert_true(OR_CTL_LINE_MAX <= OR_CONTROL_LINE_MAX);
    assert_true(OR_CTL_REPLY_MAX >= OR_CONTROL_REPLY_MAX);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_or_control_request_parse_status),
        cmocka_unit_test(test_or_control_request_parse_refusals),
        cmocka_unit_test(test_or_control_request_parse_bounds),
        cmocka_unit_test(test_or_control_bounds_fit_openredctl),
    };

    return cmocka_run_group_tests_name("or_control_request", tests, NULL, NULL);
}
