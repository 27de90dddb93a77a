/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Handshake and sessions: the v2 3-phase handshake as responder (every
 * worker) and initiator (worker 0: `connect`, auto-connect), and the
 * control commands sessions, connect and send. The connections live in
 * or_hs.c; events go to the core's ring (or_evring.h).
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "openred.h"
#include "or_autoconnect.h"
#include "or_conf.h"
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_dial.h"
#include "or_evring.h"
#include "or_handoff.h"
#include "or_hs.h"
#include "or_json.h"
#include "or_log.h"
#include "or_message_io.h"
#include "or_module.h"
#include "or_pex.h"
#include "or_key_cache.h"
#include "or_replay.h"
#include "or_seen_v3.h"
#include "or_session.h"
#include "or_shm.h"
#include "or_takeover.h"
#include "or_static_peers.h"
#include "or_v3.h"
#include "or_worker.h"

typedef struct hs_worker_s hs_worker_t;

typedef struct {
    int64_t       max_pending_handshakes;   /* all nodes, per worker */
    int64_t       max_sessions;             /* all nodes, all workers */
    int64_t       max_pending_per_source;   /* handshakes, per worker */
    int64_t       max_sessions_per_source;  /* inbound, per worker */
    int64_t       peer_key_cache;           /* keys, per worker */
    char         *seen_v3_file;             /* the seen-v3 set, saved */
    hs_worker_t  *worker;                   /* this worker's state */
} or_handshake_main_conf_t;

typedef struct {
    int      auto_connect;
    int64_t  max_connections;          /* outbound sessions auto-connect */
    int64_t  max_inbound;              /* inbound connections */
    int64_t  handshake_timeout;        /* s */
    int64_t  handshake_max_size;       /* bytes of one request/response */
    int      accept_undiscovered;      /* requesters discovery never heard */
    int64_t  session_idle_timeout;     /* s without a message; 0: never */
    int64_t  max_message_rate;         /* per session, messages/s */
    int64_t  max_message_byte_rate;    /* per session, bytes/s */
    int      accept_v2;                /* protocol { accept_v2 } */
    int64_t  min_version;              /* protocol { min_version }: 2, 3 */
    or_conf_records_t  peers;          /* static peers (or_static_peers) */
    int      pex_enabled;              /* pex { enabled } (or_pex.c) */
    int64_t  pex_interval;             /* pex { interval }, s */
    char    *pex_passphrase;           /* pex { passphrase } */
} or_handshake_conf_t;

#define HM(f)  offsetof(or_handshake_main_conf_t, f)
#define H(f)   offsetof(or_handshake_conf_t, f)

static const or_setting_t handshake_settings[] = {
    { NULL, "max_pending_handshakes", OR_CONF_T_INT, OR_SCOPE_MAIN,
      "1024", HM(max_pending_handshakes), 16, 1000000, 0, NULL },
    { NULL, "max_sessions", OR_CONF_T_INT, OR_SCOPE_MAIN,
      "16384", HM(max_sessions), 16, OR_SESSIONS_LIMIT, 0, NULL },
    /* A host runs a few nodes, each dialling a few peers at once (the
     * original keeps 3): 32 in progress is far above that, and 32
     * addresses are needed to fill the default 1024. */
    { NULL, "max_pending_per_source", OR_CONF_T_INT, OR_SCOPE_MAIN,
      "32", HM(max_pending_per_source), 1, 1000000, 0, NULL },
    /* A host's nodes times their sessions with ours: 64 leaves room for
     * 16 nodes of 4 sessions each behind one address. */
    { NULL, "max_sessions_per_source", OR_CONF_T_INT, OR_SCOPE_MAIN,
      "64", HM(max_sessions_per_source), 1, 1000000, 0, NULL },
    /* A returning peer skips the PEM import (or_key_cache.h); a key
     * costs ~4 KiB once imported and verified with, so 1024 are ~4 MiB
     * per worker when full and nothing while unused. */
    { NULL, "peer_key_cache", OR_CONF_T_INT, OR_SCOPE_MAIN,
      "1024", HM(peer_key_cache), 0, 1000000, 0, NULL },
    { NULL, "auto_connect", OR_CONF_T_BOOL, OR_SCOPE_NODE,
      "false", H(auto_connect), 0, 1, 0, NULL },
    { NULL, "max_connections", OR_CONF_T_INT, OR_SCOPE_NODE,
      "3", H(max_connections), 0, 100000, 0, NULL },
    { NULL, "max_inbound", OR_CONF_T_INT, OR_SCOPE_NODE,
      "256", H(max_inbound), 1, 1000000, 0, NULL },
    { NULL, "handshake_timeout", OR_CONF_T_INT, OR_SCOPE_NODE,
      "10", H(handshake_timeout), 1, 300, 0, NULL },
    { NULL, "handshake_max_size", OR_CONF_T_INT, OR_SCOPE_NODE,
      "16384", H(handshake_max_size), 1024, 65536, 0, NULL },
    { NULL, "accept_undiscovered", OR_CONF_T_BOOL, OR_SCOPE_NODE,
      "true", H(accept_undiscovered), 0, 1, 0, NULL },
    /* v2 has no keepalive (PROTOCOL-v2.md): a quiet session looks the
     * same as a dead one. 300 s, the handshake window, keeps the
     * original's sessions (it redials every 15 s when short of 3). */
    { NULL, "session_idle_timeout", OR_CONF_T_INT, OR_SCOPE_NODE,
      "300", H(session_idle_timeout), 0, 86400, 0, NULL },
    /* The original sends a message when its user does: 100/s and 1 MiB/s
     * per session are far above it, and hold a flood of 60 KB messages
     * (2.3 ms of parsing each) to ~4 % of a worker per session. */
    { NULL, "max_message_rate", OR_CONF_T_INT, OR_SCOPE_NODE,
      "100", H(max_message_rate), 1, 1000000, 0, NULL },
    { NULL, "max_message_byte_rate", OR_CONF_T_INT, OR_SCOPE_NODE,
      "1048576", H(max_message_byte_rate), OR_MESSAGE_MAX, 1000000000, 0,
      NULL },
    /* No downgrade (PROTOCOL.md v3 §6.2): v2 is spoken only where both
     * allow it, and never with a peer in the seen-v3 set, kept here. */
    { "protocol", "accept_v2", OR_CONF_T_BOOL, OR_SCOPE_INHERIT,
      "true", H(accept_v2), 0, 1, 0, NULL },
    { "protocol", "min_version", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "2", H(min_version), 2, 3, 0, NULL },
    { NULL, "seen_v3_file", OR_CONF_T_PATH, OR_SCOPE_MAIN,
      "\"" OR_STATE_PATH "/seen-v3\"", HM(seen_v3_file), 1, 4095, 0, NULL },
    /* dialled and kept with no discovery: or_static_peers.c */
    { NULL, "peers", OR_CONF_T_RECORDS, OR_SCOPE_NODE,
      "()", H(peers), 0, OR_STATIC_PEERS_MAX, 0, NULL },
    /* Peer exchange over v3 sessions (or_pex.h): records signed for the
     * network of pex.passphrase (the same records as dht.passphrase's) */
    { "pex", "enabled", OR_CONF_T_BOOL, OR_SCOPE_INHERIT,
      "false", H(pex_enabled), 0, 1, 0, NULL },
    { "pex", "interval", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "300", H(pex_interval), OR_PEX_INTERVAL_MIN, 3600, 0, NULL },
    { "pex", "passphrase", OR_CONF_T_STR, OR_SCOPE_INHERIT,
      "\"\"", H(pex_passphrase), 0, 1024, 0, NULL },
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }
};

static or_err_t hs_postconf(or_cycle_t *cycle, or_conf_report_t *rep);
static or_err_t hs_init_master(or_cycle_t *cycle, or_cycle_t *old);
static void hs_exit_master(or_cycle_t *cycle);
static or_err_t hs_init_worker(or_cycle_t *cycle, or_worker_t *w);
static void hs_exit_worker(or_cycle_t *cycle, or_worker_t *w);
static or_err_t cmd_sessions(or_cycle_t *cycle, json_t *request,
    json_t **reply, char *err, size_t errlen);
static or_err_t cmd_connect(or_cycle_t *cycle, json_t *request,
    json_t **reply, char *err, size_t errlen);
static or_err_t cmd_send(or_cycle_t *cycle, json_t *request,
    json_t **reply, char *err, size_t errlen);

static or_err_t hs_status(or_cycle_t *cycle, json_t *status);

static const or_ctl_command_t handshake_commands[] = {
    { "sessions", cmd_sessions },
    { "connect", cmd_connect },
    { "send", cmd_send },
    { NULL, NULL }
};

or_module_t or_handshake_module = {
    .name = "handshake",
    .settings = handshake_settings,
    .main_conf_size = sizeof(or_handshake_main_conf_t),
    .node_conf_size = sizeof(or_handshake_conf_t),
    .postconf = hs_postconf,
    .init_master = hs_init_master,
    .exit_master = hs_exit_master,
    .init_worker = hs_init_worker,
    .exit_worker = hs_exit_worker,
    .commands = handshake_commands,
    .status = hs_status,
};

#define hs_main(cycle)                                                        \
    ((or_handshake_main_conf_t *) or_cycle_main_conf(cycle,                 \
                                                     or_handshake_module))
#define hs_node(node)                                                         \
    ((or_handshake_conf_t *) or_node_conf(node, or_handshake_module))

/* Auto-connect: how often worker 0 looks for peers to dial. */
#define HS_AUTO_INTERVAL_MS   5000

struct hs_worker_s {
    or_hs_t            hs;
    int                handoff_fd;    /* or_handoff.h; -1 if none */
    char              *dgram;         /* OR_SEND_DGRAM_MAX bytes */
    or_timer_t         auto_timer;    /* worker 0 with auto_connect */
    or_timer_t         seen_timer;    /* worker 0: saves seen-v3 */
    uint64_t           seen_saved;    /* its changes counter, saved */
    int                seen_failing;  /* logged once until it works */
    or_autoconnect_t  *autoconnect;   /* owned */
    or_takeover_t     *takeover;      /* owned; NULL if it could not open */
    or_static_peers_t *statics;       /* owned; worker 0, NULL if none */
};

/* ---- config ---- */

/* pex.enabled needs the network's secret: records are signed for it */
static void
hs_pex_check(or_conf_report_t *rep, or_node_t *node)
{
    or_handshake_conf_t *hc = hs_node(node);
    const char          *file = node->file;
    int                  line = node->line;

    if (!hc->pex_enabled) {
        return;
    }
    (void) or_conf_source(node, "pex", "enabled", &file, &line);
    if (hc->pex_passphrase == NULL || hc->pex_passphrase[0] == '\0') {
        or_conf_error(rep, file, line, "pex", "enabled needs "
                      "pex.passphrase, the network's secret (records are "
                      "signed for a key derived from it)");
    }
}

/* Auto-connect dials the peers discovery lists: without discovery it
 * would silently dial no one, so the setting is refused. */
static or_err_t
hs_postconf(or_cycle_t *cycle, or_conf_report_t *rep)
{
    for (size_t i = 0; i < cycle->nnodes; i++) {
        if (hs_node(&cycle->nodes[i])->auto_connect) {
            (void) or_conf_needs_module(rep, &cycle->nodes[i], NULL,
                                        "auto_connect", "auto_connect",
                                        "discovery");
        }
        or_static_peers_check(rep, &cycle->nodes[i],
                              &hs_node(&cycle->nodes[i])->peers);
        hs_pex_check(rep, &cycle->nodes[i]);
    }
    return OR_OK;
}

/* ---- master: identity keys and zones ---- */

/* the "pex" zone (the records kept, or_pex.h) only where one is used */
static int
hs_any_pex(or_cycle_t *cycle)
{
    for (size_t i = 0; i < cycle->nnodes; i++) {
        if (hs_node(&cycle->nodes[i])->pex_enabled) {
            return 1;
        }
    }
    return 0;
}

/* Identity keys are the core's (node->key, loaded before workers fork);
 * the handshake only declares its zones. */
static or_err_t
hs_init_master(or_cycle_t *cycle, or_cycle_t *old)
{
    size_t         max = (size_t) hs_main(cycle)->max_sessions;
    or_shm_zone_t *oz = old != NULL ? or_session_zone(old) : NULL;

    /* A zone of another size is made fresh: the old workers keep theirs
     * until they exit, and their sessions are not listed meanwhile. */
    if (oz != NULL && or_shm_size(oz) != or_session_table_size(max)) {
        or_log_error(cycle->log, OR_LOG_NOTICE, 0, "max_sessions changed "
                     "to %zu: the new workers start a new session table; "
                     "sessions of the old workers are not listed until "
                     "they exit", max);
    }
    if (or_session_zone_add(cycle, max) != OR_OK
        || or_shm_zone_add(cycle, OR_REPLAY_ZONE, sizeof(or_replay_t), NULL)
           == NULL
        || or_takeover_zone_add(cycle) != OR_OK
        || (hs_any_pex(cycle)
            && or_shm_zone_add(cycle, OR_PEX_ZONE, sizeof(or_pex_store_t),
                               NULL) == NULL)
        || or_seen_v3_zone_add(cycle, hs_main(cycle)->seen_v3_file) != OR_OK)
    {
        or_log_error(cycle->log, OR_LOG_ERR, ENOMEM, "declaring the session "
                     "zones failed");
        return OR_ERROR;
    }
    return OR_OK;
}

/* ---- worker ---- */

static void auto_tick(or_event_loop_t *loop, or_timer_t *t, void *data);

/* ---- worker 0: the seen-v3 set on disk (or_seen_v3.h) ---- */

#define HS_SEEN_SAVE_MS  2000

static void
seen_save(hs_worker_t *hw)
{
    or_cycle_t *cycle = hw->hs.cycle;
    const char *path = hs_main(cycle)->seen_v3_file;

    if (or_seen_v3_save(cycle, path, &hw->seen_saved) == OR_OK) {
        hw->seen_failing = 0;
    } else if (!hw->seen_failing) {
        hw->seen_failing = 1;
        /* a folder the workers' user may not write (root's, in a source
         * build): the master, which may, saves at each reload and stop */
        or_log_error(cycle->log, errno == EACCES ? OR_LOG_INFO : OR_LOG_WARN,
                     errno, "saving the seen-v3 set to \"%s\" failed (kept "
                     "in memory, tried again every %d s, and saved by the "
                     "master at a reload or stop)", path,
                     HS_SEEN_SAVE_MS / 1000);
    }
}

/* Master: the seen-v3 set, on each reload and at the stop, with the
 * master's rights (the workers' may not reach the file). */
static void
hs_exit_master(or_cycle_t *cycle)
{
    const char *path = hs_main(cycle)->seen_v3_file;
    uint64_t    saved = 0;

    if (path != NULL && or_seen_v3_save(cycle, path, &saved) != OR_OK) {
        or_log_error(cycle->log, OR_LOG_WARN, errno, "saving the seen-v3 "
                     "set to \"%s\" failed", path);
    }
}

static void
seen_tick(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    hs_worker_t *hw = data;

    seen_save(hw);
    if (!hw->hs.worker->quitting
        && or_timer_add(loop, t, HS_SEEN_SAVE_MS, seen_tick, hw) != OR_OK)
    {
        or_log_error(hw->hs.cycle->log, OR_LOG_ERR, ENOMEM, "seen-v3 save "
                     "timer stopped");
    }
}

/* read once per zone: a reload's new worker 0 finds it filled */
static or_err_t
seen_start(hs_worker_t *hw)
{
    or_cycle_t *cycle = hw->hs.cycle;
    const char *path = hs_main(cycle)->seen_v3_file;
    size_t      bad = 0;

    if (or_seen_v3_load(cycle, path, &bad) != OR_OK) {
        or_log_error(cycle->log, OR_LOG_WARN, errno, "reading the seen-v3 "
                     "set from \"%s\" failed: starting with what it holds",
                     path);
    }
    if (bad > 0) {
        or_log_error(cycle->log, OR_LOG_WARN, 0, "seen-v3 set \"%s\": %zu "
                     "lines skipped", path, bad);
    }
    return or_timer_add(hw->hs.worker->loop, &hw->seen_timer,
                        HS_SEEN_SAVE_MS, seen_tick, hw);
}

/* Another worker (the control one) asks us to send or close. */
static void
handoff_event(or_event_loop_t *loop, int fd, unsigned events, void *data)
{
    hs_worker_t      *hw = data;
    or_handoff_hdr_t  hdr;
    char              reason[128];
    or_err_t          rc;

    (void) loop;
    (void) events;
    for (int i = 0; i < 64; i++) {
        rc = or_handoff_recv(fd, &hdr, hw->dgram, OR_SEND_DGRAM_MAX);
        if (rc == OR_AGAIN || rc == OR_ERROR) {
            return;
        }
        if (rc != OR_OK) {
            continue;
        }
        if (hdr.op == OR_HANDOFF_SEND) {
            rc = or_message_io_send(&hw->hs, hdr.session, hw->dgram, hdr.len);
        } else if (hdr.op == OR_HANDOFF_CLOSE) {
            /* the payload is the reason, logged with the close */
            snprintf(reason, sizeof(reason), "%.*s", (int) (hdr.len
                     < sizeof(reason) ? hdr.len : sizeof(reason) - 1),
                     hw->dgram);
            rc = or_hs_close_session(&hw->hs, hdr.session, reason[0]
                                     ? reason : "replaced");
        }
        if (rc == OR_AGAIN) {
            /* handed over by a reload: passed on to its new worker */
            rc = or_takeover_forward(hw->takeover, &hdr, hw->dgram);
        }
        if (rc != OR_OK) {
            or_log_error(hw->hs.cycle->log, OR_LOG_NOTICE, 0, "handed-off "
                         "%s for session %llu failed: %s", hdr.op
                         == OR_HANDOFF_SEND ? "send" : "close",
                         (unsigned long long) hdr.session, or_strerror(rc));
        }
    }
}

static void
hs_quit(or_worker_t *w, void *data)
{
    hs_worker_t *hw = data;

    or_hs_stop_accepting(&hw->hs);
    or_timer_del(w->loop, &hw->auto_timer);
    or_takeover_quit(hw->takeover);
    or_static_peers_stop(hw->statics);
}

static or_err_t
hs_nodes_init(or_cycle_t *cycle, hs_worker_t *hw)
{
    hw->hs.nodes = calloc(cycle->nnodes ? cycle->nnodes : 1,
                          sizeof(or_hs_node_t));
    if (hw->hs.nodes == NULL) {
        return OR_ENOMEM;
    }
    hw->hs.nnodes = cycle->nnodes;
    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_node_t           *node = &cycle->nodes[i];
        or_handshake_conf_t *hc = hs_node(node);
        or_hs_node_t        *n = &hw->hs.nodes[i];

        n->hs = &hw->hs;
        n->node = node;
        n->id = or_core_node(node)->id;
        n->key = node->key;
        n->fp = or_key_fingerprint(node->key);
        n->listen_fd = node->listen_fd;
        n->timeout_ms = (uint64_t) hc->handshake_timeout * 1000;
        n->max_size = (size_t) hc->handshake_max_size;
        n->max_inbound = (size_t) hc->max_inbound;
        n->idle_ms = (uint64_t) hc->session_idle_timeout * 1000;
        n->msg_rate = (uint64_t) hc->max_message_rate;
        n->byte_rate = (uint64_t) hc->max_message_byte_rate;
        n->auto_connect = hc->auto_connect;
        n->max_connections = (size_t) hc->max_connections;
        n->accept_undiscovered = hc->accept_undiscovered;
        n->v3_only = !hc->accept_v2 || hc->min_version >= 3;
        n->pex.enabled = hc->pex_enabled;
        n->pex.interval = hc->pex_interval;
        if (hc->pex_enabled
            && or_peer_keys(hc->pex_passphrase, strlen(hc->pex_passphrase),
                            &n->pex.keys, NULL) != OR_OK)
        {
            return OR_ERROR;
        }
    }
    return OR_OK;
}

static int
hs_any_auto(or_cycle_t *cycle)
{
    for (size_t i = 0; i < cycle->nnodes; i++) {
        if (hs_node(&cycle->nodes[i])->auto_connect) {
            return 1;
        }
    }
    return 0;
}

static or_session_t *sessions_copy(or_cycle_t *cycle, size_t offset,
    size_t limit, size_t *n, size_t *total);

/* or_dial_hint_pt (worker 0): a peer another module learned of (the
 * DHT) is dialled in v3 as auto-connect would, with its backoff */
static or_err_t
hs_hint(size_t node, const struct sockaddr *sa, socklen_t salen,
    const unsigned char *id, const char *source, void *data)
{
    hs_worker_t *hw = data;
    char         hex[OR_V3_ID_HEX_LEN + 1], fp[OR_FP_LEN + 1];

    (void) source;
    if (node >= hw->hs.nnodes || id == NULL) {
        return OR_ERROR;
    }
    or_v3_id_hex(id, hex);
    snprintf(fp, sizeof(fp), "%.16s", hex);
    return or_autoconnect_dial(hw->autoconnect, node, sa, salen, fp, id);
}

/* worker 0: the static peers of every node (or_static_peers.c) */
static or_err_t
hs_statics_start(or_cycle_t *cycle, hs_worker_t *hw)
{
    const or_conf_records_t **lists = calloc(cycle->nnodes + 1,
                                             sizeof(*lists));
    or_err_t                  rc;

    if (lists == NULL) {
        return OR_ENOMEM;
    }
    for (size_t i = 0; i < cycle->nnodes; i++) {
        lists[i] = &hs_node(&cycle->nodes[i])->peers;
    }
    rc = or_static_peers_new(&hw->hs, hw->autoconnect, lists, &hw->statics);
    free(lists);
    return rc;
}

static or_err_t
hs_init_worker(or_cycle_t *cycle, or_worker_t *w)
{
    or_handshake_main_conf_t *mc = hs_main(cycle);
    hs_worker_t              *hw = calloc(1, sizeof(*hw));

    if (hw == NULL || (hw->dgram = malloc(OR_SEND_DGRAM_MAX)) == NULL
        || hs_nodes_init(cycle, hw) != OR_OK
        || or_key_cache_new((size_t) mc->peer_key_cache, &hw->hs.keys)
           != OR_OK
        || or_autoconnect_new(&hw->hs, &hw->autoconnect) != OR_OK)
    {
        or_log_error(cycle->log, OR_LOG_CRIT, ENOMEM, "handshake state");
        if (hw != NULL) {
            free(hw->dgram);
            free(hw->hs.nodes);
            or_key_cache_free(hw->hs.keys);
        }
        free(hw);
        return OR_ERROR;
    }
    mc->worker = hw;
    hw->hs.cycle = cycle;
    hw->hs.worker = w;
    hw->hs.max_pending = (size_t) mc->max_pending_handshakes;
    hw->hs.max_pending_src = (size_t) mc->max_pending_per_source;
    hw->hs.max_sessions_src = (size_t) mc->max_sessions_per_source;
    hw->hs.sessions = or_session_zone(cycle);
    if (hw->hs.sessions != NULL
        && or_session_zone_attach(hw->hs.sessions,
                                  (size_t) mc->max_sessions) != OR_OK)
    {
        hw->hs.sessions = NULL;
    }
    hw->hs.replay = or_shm_zone_find(cycle, OR_REPLAY_ZONE);
    hw->hs.dial_done = or_autoconnect_dial_done;
    hw->hs.dial_data = hw->autoconnect;
    hw->handoff_fd = or_handoff_open(&hw->hs.handoff);
    if (hw->hs.sessions == NULL || hw->hs.replay == NULL
        || hw->handoff_fd == -1
        || or_event_add(w->loop, hw->handoff_fd, OR_EV_READ, handoff_event,
                        hw) != OR_OK
        || or_hs_listen(&hw->hs) != OR_OK
        || or_worker_on_quit(w, hs_quit, hw) != OR_OK)
    {
        or_log_error(cycle->log, OR_LOG_CRIT, errno, "starting the "
                     "handshake in worker #%u failed", w->index);
        return OR_ERROR;
    }
    /* sessions of the old generation come to us (or_takeover.h); without
     * the socket they stay with the old workers until they exit */
    if (or_takeover_open(&hw->hs, &hw->takeover) != OR_OK) {
        or_log_error(cycle->log, OR_LOG_ERR, errno, "worker #%u cannot take "
                     "sessions over from the next reload's old workers",
                     w->index);
    }
    if (or_worker_is_designated(w) && seen_start(hw) != OR_OK) {
        return OR_ERROR;
    }
    if (or_worker_is_designated(w) && hs_statics_start(cycle, hw) != OR_OK) {
        return OR_ERROR;
    }
    if (or_worker_is_designated(w)) {
        or_dial_hint_handler(hs_hint, hw);
    }
    if (or_worker_is_designated(w) && hs_any_auto(cycle)
        && or_timer_add(w->loop, &hw->auto_timer, 1000, auto_tick, hw)
           != OR_OK)
    {
        return OR_ERROR;
    }
    return OR_OK;
}

static void
hs_exit_worker(or_cycle_t *cycle, or_worker_t *w)
{
    or_handshake_main_conf_t *mc = hs_main(cycle);
    hs_worker_t              *hw = mc->worker;

    if (hw == NULL) {
        return;
    }
    or_dial_hint_handler(NULL, NULL);
    or_hs_close_all(&hw->hs, "worker exiting");
    or_takeover_close(hw->takeover);
    or_timer_del(w->loop, &hw->auto_timer);
    if (or_worker_is_designated(w)) {
        or_timer_del(w->loop, &hw->seen_timer);
        seen_save(hw);
    }
    if (hw->handoff_fd >= 0) {
        /* bound by this worker, never shared: its close is its DEL */
        or_event_close(w->loop, hw->handoff_fd);
    }
    or_static_peers_free(hw->statics);
    or_autoconnect_free(hw->autoconnect);
    or_key_cache_free(hw->hs.keys);
    free(hw->dgram);
    free(hw->hs.nodes);
    free(hw);
    mc->worker = NULL;
}

/* Every HS_AUTO_INTERVAL_MS with up to a second of jitter, so that two
 * daemons started together rarely dial each other at the same moment
 * (crossed dials are resolved anyway: see hs_new_wins() in
 * or_hs.c). */
static void
auto_tick(or_event_loop_t *loop, or_timer_t *t, void *data)
{
    hs_worker_t *hw = data;
    or_cycle_t  *cycle = hw->hs.cycle;

    or_autoconnect_round(hw->autoconnect);
    if (or_timer_add(loop, t, HS_AUTO_INTERVAL_MS
                     + or_rand_below(&hw->hs.worker->rand, 1000), auto_tick,
                     hw)
        != OR_OK)
    {
        or_log_error(cycle->log, OR_LOG_ERR, ENOMEM, "auto-connect timer "
                     "stopped");
    }
}

/* ---- control commands (worker 0) ---- */

static int
node_index(or_cycle_t *cycle, const char *id)
{
    for (size_t i = 0; id != NULL && i < cycle->nnodes; i++) {
        if (strcmp(or_core_node(&cycle->nodes[i])->id, id) == 0) {
            return (int) i;
        }
    }
    return -1;
}

static int
fp_valid(const char *fp)
{
    if (fp == NULL || strlen(fp) != OR_FP_LEN) {
        return 0;
    }
    for (size_t i = 0; i < OR_FP_LEN; i++) {
        if (!((fp[i] >= '0' && fp[i] <= '9') || (fp[i] >= 'a'
                                                 && fp[i] <= 'f')))
        {
            return 0;
        }
    }
    return 1;
}

/* Drops the slots of workers that died without closing them; the caller
 * holds the zone lock. */
static void
sessions_purge_dead(or_session_table_t *t)
{
    for (uint32_t i = 0; i < t->top; i++) {
        or_session_t *s = &t->slots[i];

        if (s->id != 0 && kill(s->pid, 0) == -1 && errno == ESRCH) {
            or_session_purge_pid(t, s->pid);
        }
    }
}

/* A copy of at most limit live slots from the offset-th on, in slot
 * order, and how many live ones there are (*total); slots of dead
 * workers are dropped first. */
static or_session_t *
sessions_copy(or_cycle_t *cycle, size_t offset, size_t limit, size_t *n,
    size_t *total)
{
    or_shm_zone_t      *zone = or_session_zone(cycle);
    or_session_table_t *t = zone ? or_shm_addr(zone) : NULL;
    or_session_t       *out;
    size_t              cap, live = 0;

    *n = 0;
    *total = 0;
    if (t == NULL) {
        return NULL;
    }
    or_shm_lock(zone);
    sessions_purge_dead(t);
    *total = t->used;
    cap = offset < t->used ? t->used - offset : 0;
    cap = cap < limit ? cap : limit;
    out = malloc(sizeof(or_session_t) * (cap ? cap : 1));
    for (uint32_t i = 0; out != NULL && i < t->top && *n < cap; i++) {
        or_session_t *s = &t->slots[i];

        if (s->id != 0 && live++ >= offset) {
            out[(*n)++] = *s;
        }
    }
    or_shm_unlock(zone);
    return out;
}

/* request[key]: absent = dflt, else an integer in lo..hi */
static int
page_arg(json_t *request, const char *key, json_int_t dflt, json_int_t lo,
    json_int_t hi, size_t *out, char *err, size_t errlen)
{
    json_t      *v = json_object_get(request, key);
    json_int_t   i = dflt;

    if (v != NULL) {
        if (!json_is_integer(v) || (i = json_integer_value(v)) < lo
            || i > hi)
        {
            snprintf(err, errlen, "%s must be an integer of %lld..%lld",
                     key, (long long) lo, (long long) hi);
            return 0;
        }
    }
    *out = (size_t) i;
    return 1;
}

static json_t *
refusals(or_cycle_t *cycle)
{
    or_shm_zone_t      *zone = or_session_zone(cycle);
    or_session_table_t *t = or_shm_addr(zone);
    json_t             *o = json_object(), *r;

    for (size_t i = 0; o != NULL && i < cycle->nnodes
                       && i < OR_SESSION_NODES_MAX; i++)
    {
        r = json_object();
        or_shm_lock(zone);
        for (int k = 1; r != NULL && k < OR_SR_LAST; k++) {
            if (t->refused[i][k] != 0) {
                json_object_set_new(r, or_session_reason_name(k),
                    json_integer((json_int_t) t->refused[i][k]));
            }
        }
        json_object_set_new(r, "accepted", json_integer((json_int_t)
                            t->accepted[i]));
        or_shm_unlock(zone);
        json_object_set_new(o, or_core_node(&cycle->nodes[i])->id, r);
    }
    return o;
}

/* The status hook: per node, sessions by direction ("sessions") and
 * handshakes accepted and refused by reason ("handshakes"), so that
 * `openredctl status` needs no copy of the session table. */
static or_err_t
hs_status(or_cycle_t *cycle, json_t *status)
{
    or_shm_zone_t      *zone = or_session_zone(cycle);
    or_session_table_t *t = zone ? or_shm_addr(zone) : NULL;
    json_t             *counts = json_object(), *c;
    const char         *id;

    if (t == NULL || counts == NULL) {
        json_decref(counts);
        return t == NULL ? OR_ERROR : OR_ENOMEM;
    }
    or_shm_lock(zone);
    sessions_purge_dead(t);
    for (size_t i = 0; i < cycle->nnodes; i++) {
        id = or_core_node(&cycle->nodes[i])->id;
        c = json_pack("{s:I, s:I}", "inbound", (json_int_t)
                      or_session_count(t, id, OR_SESSION_IN), "outbound",
                      (json_int_t) or_session_count(t, id, OR_SESSION_OUT));
        if (json_object_set_new(counts, id, c) != 0) {
            break;
        }
    }
    or_shm_unlock(zone);
    if (json_object_size(counts) != cycle->nnodes) {
        json_decref(counts);
        return OR_ENOMEM;
    }
    /* json_object_set_new() takes the value even when it fails */
    if (json_object_set_new(status, "sessions", counts) != 0
        || json_object_set_new(status, "handshakes", refusals(cycle)) != 0
        || (hs_main(cycle)->worker != NULL
            && hs_main(cycle)->worker->statics != NULL
            && json_object_set_new(status, "static_peers",
                   or_static_peers_status(hs_main(cycle)->worker->statics))
               != 0))
    {
        return OR_ENOMEM;
    }
    if (hs_main(cycle)->worker != NULL
        && json_object_set_new(status, "pex",
                               or_pex_status(&hs_main(cycle)->worker->hs))
           != 0)
    {
        return OR_ENOMEM;
    }
    return or_takeover_status(cycle, status);
}

/* docs/PROTOCOL.md v3 §5.1; NULL (JSON null) for v2 */
static const char *
suite_name(unsigned suite)
{
    return suite == OR_V3_SUITE_CHACHA ? "chacha20-poly1305"
           : suite == OR_V3_SUITE_AESGCM ? "aes-256-gcm" : NULL;
}

static or_err_t
cmd_sessions(or_cycle_t *cycle, json_t *request, json_t **reply, char *err,
    size_t errlen)
{
    size_t        n, total, offset, limit;
    or_session_t *s;
    json_t       *a;

    /* one page: a million sessions are ~400 MB of JSON, past any reply */
    if (!page_arg(request, "offset", 0, 0, INT32_MAX, &offset, err, errlen)
        || !page_arg(request, "limit", OR_CONTROL_SESSIONS_PAGE, 1,
                     OR_CONTROL_SESSIONS_PAGE, &limit, err, errlen))
    {
        return OR_ERROR;
    }
    s = sessions_copy(cycle, offset, limit, &n, &total);
    a = json_array();
    if (s == NULL || a == NULL) {
        free(s);
        json_decref(a);
        snprintf(err, errlen, "no session table");
        return OR_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        int v3 = s[i].framing == OR_FRAMING_V3;

        /* v3 keeps its session_id where v2 keeps the mutual link */
        json_array_append_new(a, json_pack("{s:i, s:s?, s:s?, s:s, s:s, "
            "s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:i}",
            "version", v3 ? 3 : 2, "suite", suite_name(s[i].suite),
            "session_id", v3 ? s[i].mutual_link : NULL, "node", s[i].node,
            "peer",
            s[i].peer, "direction", s[i].direction == OR_SESSION_IN ? "in"
            : "out", "address", s[i].address, "mutual_link",
            s[i].mutual_link, "since", (json_int_t) s[i].since,
            "last_activity", (json_int_t) s[i].last_activity,
            "messages_in", (json_int_t) s[i].messages_in, "messages_out",
            (json_int_t) s[i].messages_out, "bytes_in", (json_int_t)
            s[i].bytes_in, "bytes_out", (json_int_t) s[i].bytes_out,
            "messages_dropped", (json_int_t) s[i].messages_dropped,
            "worker", (int) s[i].worker, "pid", (int) s[i].pid));
    }
    free(s);
    *reply = json_pack("{s:o, s:o, s:I, s:I}", "sessions", a, "handshakes",
                       refusals(cycle), "total", (json_int_t) total,
                       "offset", (json_int_t) offset);
    return *reply ? OR_OK : OR_ENOMEM;
}

static uint64_t
events_last(or_cycle_t *cycle)
{
    or_evt_t  none;
    size_t    n;
    uint64_t  missed, last = 0;

    if (or_evring_fetch(cycle, UINT64_MAX, &none, 0, &n, &missed, &last)
        != OR_OK)
    {
        return 0;
    }
    return last;
}

static or_err_t
cmd_connect(or_cycle_t *cycle, json_t *request, json_t **reply, char *err,
    size_t errlen)
{
    hs_worker_t *hw = hs_main(cycle)->worker;
    const char  *node = json_string_value(json_object_get(request, "node"));
    const char  *addr = json_string_value(json_object_get(request,
                                                          "address"));
    const char  *peer = json_string_value(json_object_get(request, "peer"));
    or_addr_t    a;
    uint64_t     since;
    int          i = node_index(cycle, node);
    unsigned char id[OR_V3_ID_LEN];
    char         fp[OR_FP_LEN + 1];
    int          v3 = 0;

    if (i < 0) {
        snprintf(err, errlen, "no node \"%.64s\"", node ? node : "");
        return OR_ERROR;
    }
    /* a 256-bit id (64 hex) dials v3 (docs/PROTOCOL.md Part v3) */
    if (peer != NULL && strlen(peer) == OR_V3_ID_HEX_LEN) {
        if (!or_json_is_hex(peer, OR_V3_ID_HEX_LEN)) {
            snprintf(err, errlen, "id \"%.64s\": expected 64 lowercase hex "
                     "characters", peer);
            return OR_ERROR;
        }
        /* (two hex digits each, checked above: sscanf cannot fail) */
        for (size_t k = 0; k < OR_V3_ID_LEN; k++) {
            unsigned  b = 0;

            (void) sscanf(peer + 2 * k, "%2x", &b);
            id[k] = (unsigned char) b;
        }
        snprintf(fp, sizeof(fp), "%.16s", peer);
        v3 = 1;
        peer = fp;
    }
    if (!fp_valid(peer)) {
        snprintf(err, errlen, "fingerprint \"%.32s\": expected 16 lowercase "
                 "hex characters (v2) or a 64-hex id (v3)", peer ? peer : "");
        return OR_ERROR;
    }
    if (addr == NULL || or_conf_parse_addr(addr, &a, err, errlen) != OR_OK) {
        if (addr == NULL) {
            snprintf(err, errlen, "no address");
        }
        return OR_ERROR;
    }
    for (size_t k = 0; k < hw->hs.nnodes; k++) {
        if (strcmp(hw->hs.nodes[k].fp, peer) == 0) {
            snprintf(err, errlen, "%s is node \"%s\" of this daemon", peer,
                     hw->hs.nodes[k].id);
            return OR_ERROR;
        }
    }
    since = events_last(cycle);
    if (or_hs_dial_v3(&hw->hs, (size_t) i, (struct sockaddr *) &a.sa, a.len,
                      peer, v3 ? id : NULL) != OR_OK)
    {
        snprintf(err, errlen, "dialling %s failed: %s", a.text,
                 strerror(errno));
        return OR_ERROR;
    }
    *reply = json_pack("{s:I}", "since", (json_int_t) since);
    return *reply ? OR_OK : OR_ENOMEM;
}

/* send_find(): sessions of two nodes match and no node was named; other
 * gets the second node's id (as many bytes as a session's node) */
#define SEND_AMBIGUOUS  1

static or_err_t
send_find(or_cycle_t *cycle, const char *node, const char *peer,
    or_session_t *out, char *other)
{
    or_shm_zone_t      *zone = or_session_zone(cycle);
    or_session_table_t *t = zone ? or_shm_addr(zone) : NULL;
    or_err_t            rc = OR_AGAIN;

    if (t == NULL) {
        return OR_ERROR;
    }
    or_shm_lock(zone);
    for (uint32_t i = 0; i < t->top; i++) {
        or_session_t *s = &t->slots[i];

        if (s->id == 0 || strcmp(s->peer, peer) != 0
            || (node != NULL && strcmp(s->node, node) != 0))
        {
            continue;
        }
        /* two of our nodes with a session to that peer: which one speaks
         * is the operator's choice, never the slot order's */
        if (rc == OR_OK && strcmp(out->node, s->node) != 0) {
            snprintf(other, sizeof(s->node), "%s", s->node);
            rc = SEND_AMBIGUOUS;
            break;
        }
        if (rc != OR_OK) {
            *out = *s;
            rc = OR_OK;
        }
    }
    or_shm_unlock(zone);
    return rc;
}

static or_err_t
cmd_send(or_cycle_t *cycle, json_t *request, json_t **reply, char *err,
    size_t errlen)
{
    hs_worker_t  *hw = hs_main(cycle)->worker;
    const char   *peer = json_string_value(json_object_get(request, "peer"));
    const char   *node = json_string_value(json_object_get(request, "node"));
    json_t       *payload = json_object_get(request, "payload");
    or_session_t  s;
    char         *text, other[sizeof(s.node)];
    or_err_t      rc;

    if (!fp_valid(peer) || !json_is_object(payload)) {
        snprintf(err, errlen, "expected a fingerprint (16 lowercase hex) "
                 "and a JSON object payload");
        return OR_ERROR;
    }
    rc = send_find(cycle, node, peer, &s, other);
    if (rc == SEND_AMBIGUOUS) {
        snprintf(err, errlen, "nodes %s and %s both hold a session with %s: "
                 "name one (openredctl send --node ID)", s.node, other,
                 peer);
        return OR_ERROR;
    }
    if (rc != OR_OK) {
        snprintf(err, errlen, "no session with %s", peer);
        return OR_ERROR;
    }
    text = json_dumps(payload, JSON_COMPACT);
    if (text == NULL || strlen(text) > OR_MESSAGE_MAX - 1024) {
        free(text);
        snprintf(err, errlen, "payload over %d bytes", OR_MESSAGE_MAX - 1024);
        return OR_ERROR;
    }
    if (s.pid == getpid()) {
        rc = or_message_io_send(&hw->hs, s.id, text, strlen(text));
    } else {
        rc = or_handoff_send(s.handoff, OR_HANDOFF_SEND, s.id, text,
                             strlen(text));
    }
    free(text);
    if (rc != OR_OK) {
        snprintf(err, errlen, "sending to %s failed: %s", peer,
                 rc == OR_ETOOBIG ? "the peer does not read"
                 : or_strerror(rc));
        return OR_ERROR;
    }
    *reply = json_pack("{s:s, s:s, s:i}", "node", s.node, "peer", s.peer,
                       "worker", (int) s.worker);
    return *reply ? OR_OK : OR_ENOMEM;
}
