/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * Where openredctl finds the control socket: -S, OPENRED_SOCKET, or the
 * control.socket setting of the config file read with libconfig alone,
 * else the compiled-in default. The daemon's loader is never run, so a
 * config the daemon would refuse, or one broken halfway through an edit,
 * does not keep openredctl from a daemon that runs fine.
 */
#include "or_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "or_auto_config.h"

/* The daemon's path rule (or_cycle_path): absolute as is, else under
 * prefix, which gets a '/' if it has none, as or_cycle_new gives it. */
char *
or_ctl_path(const char *prefix, const char *path)
{
    size_t  plen = strlen(prefix), len = strlen(path);
    int     slash = plen == 0 || prefix[plen - 1] != '/';
    char   *out;

    if (path[0] == '/') {
        return strdup(path);
    }
    out = malloc(plen + (size_t) slash + len + 1);
    if (out == NULL) {
        return NULL;
    }
    memcpy(out, prefix, plen);
    memcpy(out + plen, "/", (size_t) slash);
    memcpy(out + plen + (size_t) slash, path, len + 1);
    return out;
}

/* control.socket of file, resolved as the daemon does, or NULL with why
 * set (or with why empty when there is no such setting: no error). */
static char *
conf_socket(const char *prefix, const char *file, char *why, size_t whylen)
{
    config_t            cf;
    config_setting_t   *s;
    const char         *v;
    char               *dir, *slash, *path = NULL;

    config_init(&cf);
    /* @include paths are relative to the config file's folder */
    dir = strdup(file);
    if (dir == NULL) {
        snprintf(why, whylen, "out of memory");
        goto done;
    }
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        config_set_include_dir(&cf, dir);
    }
    if (access(file, R_OK) != 0) {
        snprintf(why, whylen, "cannot read %s: %s", file, strerror(errno));
        goto done;
    }
    if (config_read_file(&cf, file) != CONFIG_TRUE) {
        snprintf(why, whylen, "cannot read %s:%d: %s",
                 config_error_file(&cf) ? config_error_file(&cf) : file,
                 config_error_line(&cf), config_error_text(&cf));
        goto done;
    }
    s = config_lookup(&cf, "control.socket");
    if (s == NULL) {
        goto done;
    }
    v = config_setting_get_string(s);
    if (v == NULL || v[0] == '\0') {
        snprintf(why, whylen, "%s:%d: setting \"socket\" is not a path",
                 config_setting_source_file(s) ? config_setting_source_file(s)
                 : file, config_setting_source_line(s));
        goto done;
    }
    path = or_ctl_path(prefix, v);
    if (path == NULL) {
        snprintf(why, whylen, "out of memory");
    }

done:
    free(dir);
    config_destroy(&cf);
    return path;
}

or_err_t
or_ctl_socket_find(const char *opt, const char *env, const char *prefix,
    const char *conf, or_ctl_socket_t *out)
{
    char  why[sizeof(out->why)] = "";
    char *file = NULL, *path;

    if (opt != NULL || (env != NULL && env[0] != '\0')) {
        path = strdup(opt != NULL ? opt : env);
    } else {
        /* -c is relative to the working directory, the default to prefix,
         * as for openred */
        file = conf != NULL ? strdup(conf) : or_ctl_path(prefix, OR_CONF_PATH);
        path = file != NULL ? conf_socket(prefix, file, why, sizeof(why))
                            : NULL;
        if (path == NULL && file != NULL) {
            path = or_ctl_path(prefix, OR_CONTROL_SOCKET_PATH);
        }
        free(file);
    }
    if (path == NULL) {
        return OR_ENOMEM;
    }
    out->path = path;
    memcpy(out->why, why, sizeof(why));
    return OR_OK;
}

void
or_ctl_socket_free(or_ctl_socket_t *s)
{
    if (s != NULL) {
        free(s->path);
        s->path = NULL;
    }
}
