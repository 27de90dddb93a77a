/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * libFuzzer harness for the control protocol's request parser. Any bytes
 * must parse or be refused with a reason; what parses is an object whose
 * "command" is the string returned, and nothing leaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "or_control_request.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t     *req = NULL;
    const char *command = NULL;
    char        err[256];
    or_err_t    rc;

    err[0] = '\0';
    rc = or_control_request_parse((const char *) data, size, &req, &command,
                              err, sizeof(err));
    if (rc != OR_OK) {
        /* a refusal always says why, and hands nothing out */
        if (err[0] == '\0' || req != NULL || command != NULL) {
            abort();
        }
        return 0;
    }
    if (!json_is_object(req) || command == NULL
        || json_string_value(json_object_get(req, "command")) != command
        || command[0] == '\0')
    {
        abort();
    }
    json_decref(req);
    return 0;
}
