/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Parsing control requests: bounded JSON, an object, a command name. */
#include "or_control_request.h"

#include <stdio.h>
#include <string.h>

#include "openred.h"
#include "or_json.h"
#include "or_limits.h"

#define OR_CTL_COMMAND_MAX  32      /* bytes of a command name */

or_err_t
or_control_request_parse(const char *line, size_t len, json_t **req,
    const char **command, char *err, size_t errlen)
{
    json_t      *obj = NULL;
    const char  *name;
    or_errbuf_t  eb;

    if (len > OR_CONTROL_LINE_MAX) {
        snprintf(err, errlen, "request longer than %d bytes",
                 OR_CONTROL_LINE_MAX);
        return OR_ETOOBIG;
    }
    if (or_json_load(line, len, OR_CONTROL_LINE_MAX, &obj, &eb) != OR_OK) {
        snprintf(err, errlen, "request is not a JSON object: %s", eb.msg);
        return OR_EPROTO;
    }
    name = json_string_value(json_object_get(obj, "command"));
    if (name == NULL || name[0] == '\0'
        || strlen(name) > OR_CTL_COMMAND_MAX)
    {
        json_decref(obj);
        snprintf(err, errlen, "request has no \"command\" string of 1..%d "
                 "bytes", OR_CTL_COMMAND_MAX);
        return OR_EPROTO;
    }
    *req = obj;
    *command = name;
    return OR_OK;
}
