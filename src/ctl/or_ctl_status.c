/* openredctl status: the master, its workers and the nodes, as a table. */
#include "or_ctl.h"

#include <stdio.h>

static void
print_uptime(json_int_t s)
{
    printf("uptime    %lldd %02lld:%02lld:%02lld\n", (long long) s / 86400,
           (long long) s % 86400 / 3600, (long long) s % 3600 / 60,
           (long long) s % 60);
}

static const char *
str(json_t *obj, const char *name)
{
    const char *v = json_string_value(json_object_get(obj, name));

    return v ? v : "-";
}

static json_int_t
num(json_t *obj, const char *name)
{
    return json_integer_value(json_object_get(obj, name));
}

int
or_ctl_status_main(or_ctl_t *ctl, int argc, char **argv)
{
    json_t *r = NULL, *v;
    size_t  i;
    int     rc;

    if (argc != 1) {
        fprintf(stderr, "Usage: openredctl status\n");
        return OR_CTL_EXIT_USAGE;
    }
    rc = or_ctl_call(ctl, "status", NULL, &r);
    if (rc != OR_CTL_EXIT_OK || r == NULL) {
        return rc;
    }
    printf("openred   %s\n", str(r, "version"));
    printf("master    %lld\n", (long long) num(r, "pid"));
    print_uptime(num(r, "uptime"));
    printf("config    %s\n", str(r, "config"));
    printf("reloads   %lld\n\n", (long long) num(r, "reloads"));

    printf("%-8s %-6s %-10s %s\n", "PID", "WORKER", "STATE", "GENERATION");
    json_array_foreach(json_object_get(r, "workers"), i, v) {
        printf("%-8lld #%-5lld %-10s %lld\n", (long long) num(v, "pid"),
               (long long) num(v, "index"), str(v, "state"),
               (long long) num(v, "generation"));
    }
    printf("\n%-20s %-12s %s\n", "NODE", "SECTOR", "LISTEN");
    json_array_foreach(json_object_get(r, "nodes"), i, v) {
        printf("%-20s %-12s %s\n", str(v, "id"), str(v, "sector"),
               str(v, "listen"));
    }
    json_decref(r);
    return OR_CTL_EXIT_OK;
}
