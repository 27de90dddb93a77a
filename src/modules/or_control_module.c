/*
 * Control socket: a Unix stream socket served by one worker, newline-
 * delimited JSON requests and replies (openredctl talks to it).
 */
#include <stdio.h>

#include "or_auto_config.h"
#include "or_conf.h"
#include "or_cycle.h"
#include "or_module.h"

typedef struct {
    char *socket;          /* absolute path */
    int   mode;            /* file mode of the socket */
} or_control_conf_t;

#define C(f)  offsetof(or_control_conf_t, f)

static const or_setting_t control_settings[] = {
    { "control", "socket", OR_CONF_T_PATH, OR_SCOPE_MAIN,
      "\"" OR_CONTROL_SOCKET_PATH "\"", C(socket), 1, 107, 0, NULL },
    { "control", "mode", OR_CONF_T_MODE, OR_SCOPE_MAIN,
      "\"0660\"", C(mode), 0, 0777, 0, NULL },
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }
};

or_module_t or_control_module = {
    .name = "control",
    .settings = control_settings,
    .main_conf_size = sizeof(or_control_conf_t),
    .node_conf_size = 1,
};
