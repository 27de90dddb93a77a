/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The core module: settings of the process model and the log, and each
 * node's id, sector, listen address, key and services; checks that span
 * nodes (duplicate ids and ports).
 */
#include "or_core_module.h"

#include <errno.h>
#include <libgen.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "openred.h"

#include "or_auto_config.h"
#include "or_cycle.h"

static or_err_t check_id(const or_setting_t *s, void *field, char *err,
    size_t errlen);
static or_err_t core_postconf(or_cycle_t *cycle, or_conf_report_t *report);
static or_err_t core_init_master(or_cycle_t *cycle, or_cycle_t *old);

#define M(f)  offsetof(or_core_main_conf_t, f)
#define N(f)  offsetof(or_core_node_conf_t, f)
#define Q(s)  "\"" s "\""

static const or_setting_t core_settings[] = {
    { NULL, "worker_processes", OR_CONF_T_COUNT_AUTO, OR_SCOPE_MAIN,
      Q("auto"), M(worker_processes), 1, 64, 0, NULL },
    { NULL, "daemon", OR_CONF_T_BOOL, OR_SCOPE_MAIN,
      "true", M(daemon), 0, 1, 0, NULL },
    { NULL, "pid", OR_CONF_T_PATH, OR_SCOPE_MAIN,
      Q(OR_PID_PATH), M(pid), 1, 4095, 0, NULL },
    { NULL, "user", OR_CONF_T_STR, OR_SCOPE_MAIN,
      Q(OR_USER), M(user), 0, 32, 0, NULL },
    { NULL, "worker_shutdown_timeout", OR_CONF_T_INT, OR_SCOPE_MAIN,
      "30", M(worker_shutdown_timeout), 0, 3600, 0, NULL },
    { NULL, "worker_connections", OR_CONF_T_INT, OR_SCOPE_MAIN,
      "16384", M(worker_connections), 64, 1048576, 0, NULL },
    { "error_log", "path", OR_CONF_T_PATH, OR_SCOPE_MAIN,
      Q(OR_ERROR_LOG_PATH), M(error_log_path), 1, 4095, OR_CONF_STDERR,
      NULL },
    { "error_log", "level", OR_CONF_T_LEVEL, OR_SCOPE_MAIN,
      Q("notice"), M(error_log_level), 0, 0, 0, NULL },

    { NULL, "id", OR_CONF_T_STR, OR_SCOPE_NODE,
      NULL, N(id), 1, 64, OR_CONF_REQUIRED, check_id },
    { NULL, "sector", OR_CONF_T_STR, OR_SCOPE_NODE,
      NULL, N(sector), 1, 64, OR_CONF_REQUIRED, NULL },
    { NULL, "listen", OR_CONF_T_ADDR, OR_SCOPE_NODE,
      NULL, N(listen), 0, 0, OR_CONF_REQUIRED, NULL },
    { NULL, "key", OR_CONF_T_PATH, OR_SCOPE_NODE,
      NULL, N(key), 1, 4095, 0, NULL },
    { NULL, "services", OR_CONF_T_STRLIST, OR_SCOPE_NODE,
      "[]", N(services), 0, 32, 0, NULL },
    { NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL }
};

or_module_t or_core_module = {
    .name = "core",
    .settings = core_settings,
    .main_conf_size = sizeof(or_core_main_conf_t),
    .node_conf_size = sizeof(or_core_node_conf_t),
    .postconf = core_postconf,
    .init_master = core_init_master,
};

/* Ids name files (keys) and appear in logs: keep them plain. */
static or_err_t
check_id(const or_setting_t *s, void *field, char *err, size_t errlen)
{
    const char *id = *(char **) field;

    for (const char *p = id; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'
              || *p == '.'))
        {
            snprintf(err, errlen, "\"%s\" has a character other than "
                     "letters, digits, '_', '-' and '.'", id);
            return OR_ECONF;
        }
    }
    if (id[0] == '.') {
        snprintf(err, errlen, "\"%s\" must not start with '.'", id);
        return OR_ECONF;
    }
    return OR_OK;
}

static int
is_wildcard(const or_addr_t *a)
{
    if (a->sa.ss_family == AF_INET) {
        return ((const struct sockaddr_in *) &a->sa)->sin_addr.s_addr
               == htonl(INADDR_ANY);
    }
    return memcmp(&((const struct sockaddr_in6 *) &a->sa)->sin6_addr,
                  &in6addr_any, sizeof(in6addr_any)) == 0;
}

/* Two listen addresses clash when one bind() would refuse the other. */
static int
addr_clash(const or_addr_t *a, const or_addr_t *b)
{
    if (a->port != b->port || a->sa.ss_family != b->sa.ss_family) {
        return 0;
    }
    return is_wildcard(a) || is_wildcard(b) || a->len != b->len
           || memcmp(&a->sa, &b->sa, a->len) == 0;
}

static void
check_pair(or_node_t *node, or_node_t *prev, or_conf_report_t *report)
{
    or_core_node_conf_t *a = or_core_node(node);
    or_core_node_conf_t *b = or_core_node(prev);

    if (a->id != NULL && b->id != NULL && strcmp(a->id, b->id) == 0) {
        or_conf_error(report, node->file, node->line, "id",
                      "node \"%s\" already defined (line %d)", a->id,
                      prev->line);
    }
    if (a->listen.len != 0 && b->listen.len != 0
        && addr_clash(&a->listen, &b->listen))
    {
        or_conf_error(report, node->file, node->line, "listen",
                      "port %u already used by node \"%s\" (line %d)",
                      a->listen.port, b->id ? b->id : "?", prev->line);
    }
}

/* What start needs of a file's folder, -t checks too: that it exists.
 * (The master makes only the key folder; the pid file and the log go
 * where the operator or the package put their folders, as in nginx.) */
static void
check_folder(or_cycle_t *cycle, or_conf_report_t *report, const char *group,
    const char *name, const char *shown, const char *path)
{
    char        dir[4096], *slash;
    const char *file = cycle->conf_file, *why;
    int         line = 0;
    struct stat st;

    if (path == NULL || snprintf(dir, sizeof(dir), "%s", path)
                        >= (int) sizeof(dir))
    {
        return;
    }
    slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir) {
        return;
    }
    *slash = '\0';
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            return;
        }
        why = "is not a folder";
    } else {
        why = errno == ENOENT ? "does not exist" : strerror(errno);
    }
    (void) or_conf_source(&cycle->main, group, name, &file, &line);
    or_conf_error(report, file, line, shown, "folder \"%s\" %s%s", dir, why,
                  line > 0 ? "" : " (for the default; make it, or set "
                  "the path)");
}

static or_err_t
core_postconf(or_cycle_t *cycle, or_conf_report_t *report)
{
    char path[4096];

    if (cycle->nnodes == 0) {
        or_conf_error(report, cycle->conf_file, 1, "nodes",
                      "at least one node block is required");
    }

    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_node_t           *node = &cycle->nodes[i];
        or_core_node_conf_t *nc = or_core_node(node);

        node->id = nc->id;
        for (size_t j = 0; j < i; j++) {
            check_pair(node, &cycle->nodes[j], report);
        }
        /* Default key: <state path>/<id>.pem, made 0600 if absent. */
        if (nc->key == NULL && nc->id != NULL) {
            snprintf(path, sizeof(path), "%s/%s.pem", OR_STATE_PATH, nc->id);
            nc->key = or_cycle_path(cycle, path);
            if (nc->key == NULL) {
                or_conf_error(report, node->file, node->line, "key",
                              "out of memory");
            }
        }
    }
    return OR_OK;
}

or_err_t
or_core_paths_check(or_cycle_t *cycle)
{
    or_core_main_conf_t *mc = or_core_main(cycle);
    or_conf_report_t     report = { NULL, 0, 0, 0 };
    const char          *text, *nl;
    unsigned             nerrors;

    check_folder(cycle, &report, NULL, "pid", "pid", mc->pid);
    check_folder(cycle, &report, "error_log", "path", "error_log",
                 mc->error_log_path);
    for (text = report.text; text != NULL && *text != '\0';
         text = nl ? nl + 1 : NULL)
    {
        nl = strchr(text, '\n');
        or_log_error(cycle->log, OR_LOG_CRIT, 0, "%.*s",
                     (int) (nl ? (size_t) (nl - text) : strlen(text)), text);
    }
    nerrors = report.nerrors;
    or_conf_report_free(&report);
    return nerrors ? OR_ERROR : OR_OK;
}

void
or_core_user_check(or_cycle_t *cycle)
{
    const char *user = or_core_main(cycle)->user, *file;
    int         line;

    /* a default user is the package's; one the operator wrote and that
     * has no effect must not pass in silence (nginx warns the same) */
    if (geteuid() == 0 || user == NULL || user[0] == '\0'
        || !or_conf_source(&cycle->main, NULL, "user", &file, &line))
    {
        return;
    }
    or_log_error(cycle->log, OR_LOG_WARN, 0, "%s:%d: setting \"user\": "
                 "\"%s\" is ignored: openred was not started as root, its "
                 "workers keep uid %u", file, line, user,
                 (unsigned) geteuid());
}

static or_err_t
core_init_master(or_cycle_t *cycle, or_cycle_t *old)
{
    or_core_user_check(cycle);
    /* before a key is generated: a start that fails leaves nothing */
    if (or_core_paths_check(cycle) != OR_OK) {
        return OR_ERROR;
    }
    return or_core_keys_load(cycle, 1);
}

/* mkdir -p with mode 0700; 1 if dir is a directory afterwards. */
static int
make_dirs(char *dir)
{
    struct stat  st;
    char        *p = dir;

    while ((p = strchr(p + 1, '/')) != NULL) {
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return 0;
        }
        *p = '/';
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return 0;
    }
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Could make_dirs() succeed: is the nearest existing ancestor a folder we
 * may write in? dir is cut in place. */
static int
can_make_dirs(char *dir)
{
    struct stat  st;
    char        *slash;

    while (stat(dir, &st) != 0) {
        slash = strrchr(dir, '/');
        if (errno != ENOENT || slash == NULL) {
            return 0;
        }
        slash[slash == dir ? 1 : 0] = '\0';
    }
    return S_ISDIR(st.st_mode) && access(dir, W_OK | X_OK) == 0;
}

/* The folder of a key that does not exist yet: the master makes it (0700,
 * as postinst or systemd's StateDirectory would); -t only checks that it
 * could. */
static or_err_t
key_folder(or_cycle_t *cycle, or_node_t *node, const char *path, int create)
{
    char *dir = strdup(path), *probe = strdup(path), *slash;
    int   ok = 1;

    if (dir == NULL || probe == NULL) {
        free(dir);
        free(probe);
        return OR_ENOMEM;
    }
    slash = strrchr(dir, '/');
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        probe[slash - dir] = '\0';
        ok = create ? make_dirs(dir) : can_make_dirs(probe);
    }
    if (!ok) {
        or_log_ctx_error(&OR_LOG_CTX(cycle->log, node->id, NULL),
                         OR_LOG_ERR, errno, "key file \"%s\" is missing and "
                         "cannot be created in \"%s\"", path, dir);
    }
    free(dir);
    free(probe);
    return ok ? OR_OK : OR_ERROR;
}

or_err_t
or_core_keys_load(or_cycle_t *cycle, int create)
{
    or_err_t rc = OR_OK;

    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_node_t           *node = &cycle->nodes[i];
        or_core_node_conf_t *nc = or_core_node(node);
        or_log_ctx_t         lc = OR_LOG_CTX(cycle->log, node->id, NULL);
        or_errbuf_t          eb;
        or_key_t            *key = NULL;
        struct stat          st;
        int                  created = 0;

        /* lstat: a dangling symlink is a key refused, not one missing,
         * for -t as at start */
        if (lstat(nc->key, &st) != 0
            && (errno == ENOENT || errno == ENOTDIR))
        {
            if (key_folder(cycle, node, nc->key, create) != OR_OK) {
                rc = OR_ERROR;
                continue;
            }
            if (!create) {
                continue;
            }
        }
        if ((create ? or_key_load_or_create(nc->key, &key, &created, &eb)
                    : or_key_load(nc->key, &key, &eb)) != OR_OK)
        {
            or_log_ctx_error(&lc, OR_LOG_ERR, 0, "%s", eb.msg);
            rc = OR_ERROR;
            continue;
        }
        if (created) {
            or_log_ctx_error(&lc, OR_LOG_NOTICE, 0, "generated identity key "
                             "\"%s\" (fingerprint %s)", nc->key,
                             or_key_fingerprint(key));
        }
        or_key_free(node->key);
        node->key = key;
    }
    return rc;
}
