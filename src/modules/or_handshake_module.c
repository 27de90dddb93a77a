/*
 * Handshake and sessions: the v2 3-phase handshake as responder and
 * initiator, auto-connect, and messages on established sessions.
 */
#include <stdio.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_module.h"

typedef struct {
    int64_t  max_pending_handshakes;   /* all nodes, per worker */
} or_handshake_main_conf_t;

typedef struct {
    int      auto_connect;
    int64_t  max_connections;          /* outbound sessions auto-connect */
    int64_t  max_inbound;              /* inbound connections */
    int64_t  handshake_timeout;        /* s */
    int64_t  handshake_max_size;       /* bytes of one request/response */
} or_handshake_conf_t;

#define HM(f)  offsetof(or_handshake_main_conf_t, f)
#define H(f)   offsetof(or_handshake_conf_t, f)

static const or_setting_t handshake_settings[] = {
    { NULL, "max_pending_handshakes", OR_CONF_T_INT, OR_SCOPE_MAIN,
      "1024", HM(max_pending_handshakes), 16, 1000000, 0, NULL },
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
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }
};

or_module_t or_handshake_module = {
    .name = "handshake",
    .settings = handshake_settings,
    .main_conf_size = sizeof(or_handshake_main_conf_t),
    .node_conf_size = sizeof(or_handshake_conf_t),
};
