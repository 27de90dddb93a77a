/*
 * Discovery: v2 beacons over UDP multicast. Settings live in a `discovery`
 * group at top level (defaults) and in each node block (the node wins).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "or_conf.h"
#include "or_cycle.h"
#include "or_module.h"

typedef struct {
    char    *group;          /* IPv4 multicast address */
    int64_t  port;
    char    *interface;      /* "" = the kernel's choice */
    int64_t  ttl;
    int64_t  interval;       /* s, between beacons (+-10 % jitter) */
    int64_t  expire;         /* s, a peer not heard for this long goes */
    char    *passphrase;
    int64_t  max_peers;
} or_discovery_conf_t;

static or_err_t check_group(const or_setting_t *s, void *field, char *err,
    size_t errlen);

#define D(f)  offsetof(or_discovery_conf_t, f)

static const or_setting_t discovery_settings[] = {
    { "discovery", "group", OR_CONF_T_STR, OR_SCOPE_INHERIT,
      "\"224.0.1.100\"", D(group), 7, 15, 0, check_group },
    { "discovery", "port", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "5354", D(port), 1, 65535, 0, NULL },
    { "discovery", "interface", OR_CONF_T_STR, OR_SCOPE_INHERIT,
      "\"\"", D(interface), 0, 15, 0, NULL },
    { "discovery", "ttl", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "1", D(ttl), 0, 255, 0, NULL },
    { "discovery", "interval", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "10", D(interval), 1, 3600, 0, NULL },
    { "discovery", "expire", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "60", D(expire), 2, 86400, 0, NULL },
    { "discovery", "passphrase", OR_CONF_T_STR, OR_SCOPE_INHERIT,
      "\"OpenRed-P2P-Discovery-2025\"", D(passphrase), 1, 1024, 0, NULL },
    { "discovery", "max_peers", OR_CONF_T_INT, OR_SCOPE_INHERIT,
      "4096", D(max_peers), 1, 1000000, 0, NULL },
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }
};

or_module_t or_discovery_module = {
    .name = "discovery",
    .settings = discovery_settings,
    .main_conf_size = 1,
    .node_conf_size = sizeof(or_discovery_conf_t),
};

static or_err_t
check_group(const or_setting_t *s, void *field, char *err, size_t errlen)
{
    const char     *text = *(char **) field;
    struct in_addr  a;

    if (inet_pton(AF_INET, text, &a) != 1
        || (ntohl(a.s_addr) >> 28) != 0xe)
    {
        snprintf(err, errlen, "\"%s\" is not an IPv4 multicast address "
                 "(224.0.0.0 to 239.255.255.255)", text);
        return OR_ECONF;
    }
    return OR_OK;
}
