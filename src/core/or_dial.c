/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* Dial hints (or_dial.h): one handler per process, set by a module. */
#include "or_dial.h"

static or_dial_hint_pt  hint_handler;
static void            *hint_data;

void
or_dial_hint_handler(or_dial_hint_pt handler, void *data)
{
    hint_handler = handler;
    hint_data = data;
}

or_err_t
or_dial_hint(size_t node, const struct sockaddr *sa, socklen_t salen,
    const unsigned char *id, const char *source)
{
    if (hint_handler == NULL) {
        return OR_ERROR;
    }
    return hint_handler(node, sa, salen, id, source, hint_data);
}
