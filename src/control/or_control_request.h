/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The control protocol's requests: one JSON object per line with a
 * "command" string. Pure (bytes in, object or error out), so it can be
 * fuzzed apart from the socket code in the control module.
 */
#ifndef OR_CONTROL_REQUEST_H_INCLUDED
#define OR_CONTROL_REQUEST_H_INCLUDED

#include <stddef.h>

#include <jansson.h>

#include "or_err.h"

/* Parses one request line (without its '\n'). On OR_OK *req is a new
 * object (owned by the caller) and *command is borrowed from it; otherwise
 * err says what is wrong, for the error reply. Bounded by
 * OR_CONTROL_LINE_MAX bytes and OR_JSON_DEPTH_MAX levels. */
__attribute__((warn_unused_result))
or_err_t or_control_request_parse(const char *line, size_t len, json_t **req,
    const char **command, char *err, size_t errlen);

#endif /* OR_CONTROL_REQUEST_H_INCLUDED */
