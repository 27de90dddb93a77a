/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * openredctl: options, then one table of commands (name, function,
 * description) that both dispatches and prints the usage, as wg.c does.
 * Local commands (key, beacon) work on files and need no daemon.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "or_auto_config.h"
#include "or_ctl.h"

static const struct {
    const char      *name;
    or_ctl_main_pt   run;
    const char      *description;
    int              local;     /* no daemon: no socket is looked for */
} commands[] = {
    { "status", or_ctl_status_main,
      "the master, its workers and each node", 0 },
    { "peers", or_ctl_peers_main,
      "[--node ID] [--stats]: peers found by discovery", 0 },
    { "sessions", or_ctl_sessions_main,
      "established sessions of every worker", 0 },
    { "connect", or_ctl_connect_main,
      "NODE HOST:PORT FP: handshake with a peer", 0 },
    { "send", or_ctl_send_main,
      "FP JSON: send a message on the session with FP", 0 },
    { "watch", or_ctl_watch_main,
      "print events as they happen", 0 },
    { "reload", or_ctl_signal_main,
      "reload the configuration; exit 1 with the reason if it failed", 0 },
    { "stop", or_ctl_signal_main, "fast stop (openred -s stop)", 0 },
    { "quit", or_ctl_signal_main, "graceful stop (openred -s quit)", 0 },
    { "reopen", or_ctl_signal_main, "reopen the log (openred -s reopen)", 0 },
    { "key", or_ctl_key_main,
      "generate [--force] FILE | fingerprint FILE: identity keys", 1 },
    { "beacon", or_ctl_beacon_main,
      "open | seal --passphrase P [FILE|-]: discovery tokens", 1 },
};

#define NCOMMANDS  (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *out)
{
    fprintf(out, "Usage: openredctl [-p PREFIX] [-c CONF | -S SOCKET] "
            "[--json] COMMAND [ARGS]\n\n"
            "  -p PREFIX  resolve relative paths as openred -p does\n"
            "  -c CONF    read control.socket from CONF (default %s%s)\n"
            "  -S SOCKET  talk to this control socket\n"
            "  --json     print replies as JSON, one object per line\n\n"
            "The socket is -S, else $OPENRED_SOCKET, else control.socket of\n"
            "CONF, else %s under PREFIX.\n\n"
            "Commands:\n", OR_PREFIX, OR_CONF_PATH, OR_CONTROL_SOCKET_PATH);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name,
                commands[i].description);
    }
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    or_ctl_t         ctl = { NULL, "", 0 };
    or_ctl_socket_t  sock = { NULL, "" };
    const char      *conf = NULL, *prefix = OR_PREFIX, *opt = NULL;
    int              c, rc;

    while ((c = getopt_long(argc, argv, "+p:c:S:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': prefix = optarg; break;
        case 'c': conf = optarg; break;
        case 'S': opt = optarg; break;
        case 'j': ctl.json = 1; break;
        case 'h': usage(stdout); return OR_CTL_EXIT_OK;
        default:  usage(stderr); return OR_CTL_EXIT_USAGE;
        }
    }
    if (optind >= argc || (conf != NULL && opt != NULL)) {
        usage(stderr);
        return OR_CTL_EXIT_USAGE;
    }
    /* --json may also follow the command: `openredctl status --json`. */
    for (int i = optind + 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            ctl.json = 1;
            memmove(&argv[i], &argv[i + 1], sizeof(char *) * (size_t)
                    (argc - i));
            argc--;
            i--;
        }
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(argv[optind], commands[i].name) != 0) {
            continue;
        }
        if (!commands[i].local) {
            if (or_ctl_socket_find(opt, getenv("OPENRED_SOCKET"), prefix,
                                   conf, &sock) != OR_OK)
            {
                fprintf(stderr, "openredctl: out of memory\n");
                return OR_CTL_EXIT_FAILURE;
            }
            ctl.socket = sock.path;
            ctl.why = sock.why;
        }
        rc = commands[i].run(&ctl, argc - optind, argv + optind);
        or_ctl_socket_free(&sock);
        return rc;
    }
    fprintf(stderr, "openredctl: unknown command \"%s\"\n\n", argv[optind]);
    usage(stderr);
    return OR_CTL_EXIT_USAGE;
}
