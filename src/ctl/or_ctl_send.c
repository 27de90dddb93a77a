/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openredctl send: one JSON message on the established session with a
 * peer, through the worker that holds it.
 */
#include "or_ctl.h"

#include <stdio.h>
#include <string.h>

int
or_ctl_send_main(or_ctl_t *ctl, int argc, char **argv)
{
    json_t         *payload, *fields, *r = NULL;
    json_error_t    jerr;
    const char     *node = NULL;
    int             rc;
    or_ctl_text_t   t[2];

    /* --node ID: which node's session, when several hold one with it */
    if (argc == 5 && strcmp(argv[1], "--node") == 0) {
        node = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc != 3) {
        fprintf(stderr, "Usage: openredctl send [--node ID] FINGERPRINT "
                "JSON\n");
        return OR_CTL_EXIT_USAGE;
    }
    payload = json_loads(argv[2], JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(payload)) {
        fprintf(stderr, "openredctl: send: JSON: expected an object%s%s\n",
                payload ? "" : ": ", payload ? "" : jerr.text);
        json_decref(payload);
        return OR_CTL_EXIT_USAGE;
    }
    fields = json_pack("{s:s, s:o, s:s*}", "peer", argv[1], "payload",
                       payload, "node", node);
    rc = or_ctl_call(ctl, "send", fields, &r);
    json_decref(fields);
    if (rc == OR_CTL_EXIT_OK && r != NULL) {
        printf("sent to %s (node %s, worker #%lld)\n",
               or_ctl_str(r, "peer", &t[0]), or_ctl_str(r, "node", &t[1]),
               or_ctl_int(r, "worker"));
    }
    json_decref(r);
    return rc;
}
