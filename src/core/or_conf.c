/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The config loader: libconfig parses openred.conf; this file walks every
 * module's settings table, applies defaults, inherits top-level settings
 * into node blocks, checks types, ranges and unknown names, and reports
 * every error as `FILE:LINE: setting "NAME": what is wrong`.
 */
#include "or_conf.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "openred.h"
#include "or_conf_value.h"
#include "or_cycle.h"
#include "or_module.h"

#define OR_CONF_NODES  "nodes"

/* One load: the file's tree, the -g tree, and where errors go. */
typedef struct {
    or_cycle_t        *cycle;
    config_t          *file;       /* the config file */
    config_t          *extra;      /* -g directives, or NULL */
    or_conf_report_t  *report;
    const char        *unnamed;    /* file name for settings read from a
                                      string: "-g", or the caller's name */
    char               srcbuf[4096];  /* src_file()'s result */
} load_ctx_t;

/* The file a setting came from, as a path the operator can open: libconfig
 * names an @include'd file as written, relative to the config's folder.
 * Borrowed; valid until the next call. */
static const char *
src_file(load_ctx_t *ctx, const config_setting_t *cs)
{
    const char *file = config_setting_source_file(cs);
    const char *dir = config_get_include_dir(ctx->file);

    if (file == NULL) {
        return ctx->unnamed;
    }
    if (file[0] == '/' || dir == NULL
        || strcmp(file, ctx->cycle->conf_file) == 0)
    {
        return file;
    }
    snprintf(ctx->srcbuf, sizeof(ctx->srcbuf), "%s/%s", dir, file);
    return ctx->srcbuf;
}

static or_err_t load(or_cycle_t *cycle, config_t *file, config_t *extra,
    const char *unnamed, or_conf_report_t *report);
static void check_names(load_ctx_t *ctx, config_setting_t *parent,
    const char *group, int in_node);
static config_setting_t *lookup(config_setting_t *parent, const char *group,
    const char *name);
static config_setting_t *lookup_main(load_ctx_t *ctx, const char *group,
    const char *name);
static void load_main(load_ctx_t *ctx);
static void load_nodes(load_ctx_t *ctx);
static void set_default(load_ctx_t *ctx, const or_setting_t *row,
    void *field);
static void report_parse_error(config_t *cf, const char *name,
    or_conf_report_t *report);

void
or_conf_error(or_conf_report_t *r, const char *file, int line,
    const char *setting, const char *fmt, ...)
{
    char     msg[1024];
    char     head[512];
    int      hn;
    size_t   need;
    char    *p;
    va_list  ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    /* One error, one line: a value quoted in the message may hold control
     * characters (a newline inside a string); show them, do not obey them. */
    for (char *c = msg; *c != '\0'; c++) {
        if ((unsigned char) *c < 0x20 || *c == 0x7f) {
            *c = '?';
        }
    }

    /* line 0: no line to point at (a default, a file that is missing):
     * "FILE: ", never "FILE:0: " */
    if (setting != NULL && line > 0) {
        hn = snprintf(head, sizeof(head), "%s:%d: setting \"%s\": ",
                      file ? file : "(config)", line, setting);
    } else if (setting != NULL) {
        hn = snprintf(head, sizeof(head), "%s: setting \"%s\": ",
                      file ? file : "(config)", setting);
    } else if (line > 0) {
        hn = snprintf(head, sizeof(head), "%s:%d: ",
                      file ? file : "(config)", line);
    } else {
        hn = snprintf(head, sizeof(head), "%s: ", file ? file : "(config)");
    }
    if (hn < 0) {
        hn = 0;
    }
    r->nerrors++;
    need = r->len + strlen(head) + strlen(msg) + 2;
    if (need > r->cap) {
        size_t cap = need * 2;

        p = realloc(r->text, cap);
        if (p == NULL) {
            return;      /* the count still says the load failed */
        }
        r->text = p;
        r->cap = cap;
    }
    r->len += (size_t) sprintf(r->text + r->len, "%s%s\n", head, msg);
}

void
or_conf_report_free(or_conf_report_t *r)
{
    free(r->text);
    r->text = NULL;
    r->len = r->cap = 0;
    r->nerrors = 0;
}

or_err_t
or_conf_load(or_cycle_t *cycle, const char *file, const char *directives,
    or_conf_report_t *report)
{
    config_t  cf, extra;
    or_err_t  rc = OR_ECONF;
    char     *dir, *slash;

    config_init(&cf);
    config_init(&extra);

    /* @include paths are relative to the config file's folder. */
    dir = strdup(file);
    if (dir == NULL) {
        goto done;
    }
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        config_set_include_dir(&cf, dir);
    }

    if (access(file, R_OK) != 0) {
        or_conf_error(report, file, 0, NULL, "cannot read the file (%s)",
                      strerror(errno));
        goto done;
    }
    if (config_read_file(&cf, file) != CONFIG_TRUE) {
        report_parse_error(&cf, file, report);
        goto done;
    }
    if (directives != NULL
        && config_read_string(&extra, directives) != CONFIG_TRUE)
    {
        report_parse_error(&extra, "-g", report);
        goto done;
    }
    rc = load(cycle, &cf, directives ? &extra : NULL, "-g", report);

done:
    free(dir);
    config_destroy(&extra);
    config_destroy(&cf);
    return rc;
}

or_err_t
or_conf_load_string(or_cycle_t *cycle, const char *name, const char *text,
    or_conf_report_t *report)
{
    config_t  cf;
    or_err_t  rc;

    config_init(&cf);
    if (config_read_string(&cf, text) != CONFIG_TRUE) {
        report_parse_error(&cf, name, report);
        config_destroy(&cf);
        return OR_ECONF;
    }
    /* libconfig knows no file name for a string: name every line. */
    rc = load(cycle, &cf, NULL, name, report);
    config_destroy(&cf);
    return rc;
}

static void
report_parse_error(config_t *cf, const char *name, or_conf_report_t *report)
{
    const char *file = config_error_file(cf);

    or_conf_error(report, file ? file : name, config_error_line(cf), NULL,
                  "%s", config_error_text(cf));
}

static or_err_t
load(or_cycle_t *cycle, config_t *file, config_t *extra, const char *unnamed,
    or_conf_report_t *report)
{
    load_ctx_t ctx = { .cycle = cycle, .file = file, .extra = extra,
                       .report = report, .unnamed = unnamed };
    size_t     nmod = or_module_count();
    unsigned   before = report->nerrors;

    cycle->main_conf = calloc(nmod, sizeof(void *));
    if (cycle->main_conf == NULL) {
        or_conf_error(report, cycle->conf_file, 0, NULL, "out of memory");
        return OR_ENOMEM;
    }
    for (size_t i = 0; i < nmod; i++) {
        cycle->main_conf[i] = calloc(1, or_modules[i]->main_conf_size + 1);
        if (cycle->main_conf[i] == NULL) {
            or_conf_error(report, cycle->conf_file, 0, NULL,
                          "out of memory");
            return OR_ENOMEM;
        }
    }

    check_names(&ctx, config_root_setting(file), NULL, 0);
    if (extra != NULL) {
        check_names(&ctx, config_root_setting(extra), NULL, 0);
        if (config_lookup(extra, OR_CONF_NODES) != NULL) {
            or_conf_error(report, "-g", 1, OR_CONF_NODES,
                          "node blocks cannot be given with -g");
        }
    }
    load_main(&ctx);
    load_nodes(&ctx);

    for (size_t i = 0; i < nmod; i++) {
        if (or_modules[i]->postconf != NULL) {
            (void) or_modules[i]->postconf(cycle, report);
        }
    }
    return report->nerrors == before ? OR_OK : OR_ECONF;
}

/* --- names: unknown, misplaced, or of a module left out --------------- */

static const or_setting_t *
find_row(const char *group, const char *name, int in_node)
{
    for (size_t m = 0; or_modules[m] != NULL; m++) {
        for (const or_setting_t *row = or_modules[m]->settings;
             row != NULL && row->name != NULL; row++)
        {
            int scope_ok = row->scope == OR_SCOPE_INHERIT
                || (in_node ? row->scope == OR_SCOPE_NODE
                            : row->scope == OR_SCOPE_MAIN);

            if (!scope_ok || strcmp(row->name, name) != 0) {
                continue;
            }
            if ((group == NULL && row->group == NULL)
                || (group != NULL && row->group != NULL
                    && strcmp(group, row->group) == 0))
            {
                return row;
            }
        }
    }
    return NULL;
}

/* Is name a group that holds rows valid at this level? */
static int
is_group(const char *name, int in_node)
{
    for (size_t m = 0; or_modules[m] != NULL; m++) {
        for (const or_setting_t *row = or_modules[m]->settings;
             row != NULL && row->name != NULL; row++)
        {
            int scope_ok = row->scope == OR_SCOPE_INHERIT
                || (in_node ? row->scope == OR_SCOPE_NODE
                            : row->scope == OR_SCOPE_MAIN);

            if (scope_ok && row->group != NULL
                && strcmp(row->group, name) == 0)
            {
                return 1;
            }
        }
    }
    return 0;
}

static const char *
absent_module(const char *name)
{
    for (const or_module_absent_t *a = or_modules_absent; a->setting; a++) {
        if (strcmp(a->setting, name) == 0) {
            return a->module;
        }
    }
    return NULL;
}

static void
check_names(load_ctx_t *ctx, config_setting_t *parent, const char *group,
    int in_node)
{
    int n = config_setting_length(parent);

    for (int i = 0; i < n; i++) {
        config_setting_t *cs = config_setting_get_elem(parent, i);
        const char       *name = config_setting_name(cs);
        const char       *file = src_file(ctx, cs);
        int               line = (int) config_setting_source_line(cs);
        const char       *mod;

        if (name == NULL) {
            continue;
        }
        if (group == NULL && !in_node && strcmp(name, OR_CONF_NODES) == 0) {
            continue;   /* walked by load_nodes() */
        }
        if (group == NULL && is_group(name, in_node)) {
            if (!config_setting_is_group(cs)) {
                or_conf_error(ctx->report, file, line, name,
                              "expected a group { ... }");
                continue;
            }
            check_names(ctx, cs, name, in_node);
            continue;
        }
        if (find_row(group, name, in_node) != NULL) {
            continue;
        }
        mod = absent_module(group ? group : name);
        if (mod != NULL) {
            or_conf_error(ctx->report, file, line, name,
                          "belongs to the %s module, which is not compiled "
                          "in (configure --without-%s_module)", mod, mod);
        } else if (find_row(group, name, !in_node) != NULL) {
            or_conf_error(ctx->report, file, line, name,
                          in_node ? "not allowed in a node block"
                                  : "allowed only in a node block");
        } else {
            or_conf_error(ctx->report, file, line, name,
                          "unknown setting");
        }
    }
}

/* --- values -------------------------------------------------------------- */

static config_setting_t *
lookup(config_setting_t *parent, const char *group, const char *name)
{
    if (parent == NULL) {
        return NULL;
    }
    if (group != NULL) {
        parent = config_setting_get_member(parent, group);
        if (parent == NULL || !config_setting_is_group(parent)) {
            return NULL;
        }
    }
    return config_setting_get_member(parent, name);
}

/* -g directives win over the file. */
static config_setting_t *
lookup_main(load_ctx_t *ctx, const char *group, const char *name)
{
    config_setting_t *cs = NULL;

    if (ctx->extra != NULL) {
        cs = lookup(config_root_setting(ctx->extra), group, name);
    }
    if (cs == NULL) {
        cs = lookup(config_root_setting(ctx->file), group, name);
    }
    return cs;
}

static or_err_t
set_from(load_ctx_t *ctx, const or_setting_t *row, config_setting_t *cs,
    void *field, or_conf_report_t *report)
{
    char        err[512];
    const char *file = src_file(ctx, cs);
    int         line = (int) config_setting_source_line(cs);

    if (or_conf_value_set(ctx->cycle, row, cs, field, err, sizeof(err))
        != OR_OK)
    {
        or_conf_error(report, file, line, row->name, "%s", err);
        return OR_ECONF;
    }
    return OR_OK;
}

static void
set_default(load_ctx_t *ctx, const or_setting_t *row, void *field)
{
    config_t          dc;
    char              text[512];
    config_setting_t *cs;

    if (row->dflt == NULL) {
        return;
    }
    config_init(&dc);
    snprintf(text, sizeof(text), "v = %s;", row->dflt);
    cs = config_read_string(&dc, text) == CONFIG_TRUE
             ? config_lookup(&dc, "v") : NULL;
    if (cs == NULL) {
        or_conf_error(ctx->report, "(built-in default)", 0, row->name,
                      "default %s does not parse", row->dflt);
    } else {
        set_from(ctx, row, cs, field, ctx->report);
    }
    config_destroy(&dc);
}

/*
 * The value given, or else (it was wrong, and said so) the default: every
 * setting that has a default holds a valid value after loading, so that
 * the modules' postconf checks, which run to report more errors, never
 * meet a half-loaded node.
 */
static void
set_or_default(load_ctx_t *ctx, const or_setting_t *row,
    config_setting_t *cs, void *field, or_conf_report_t *report)
{
    if (set_from(ctx, row, cs, field, report) != OR_OK) {
        set_default(ctx, row, field);
    }
}

static void note_source(load_ctx_t *ctx, or_node_t *node,
    const or_setting_t *row, config_setting_t *cs);

static void
load_main(load_ctx_t *ctx)
{
    for (size_t m = 0; or_modules[m] != NULL; m++) {
        char *conf = ctx->cycle->main_conf[m];

        for (const or_setting_t *row = or_modules[m]->settings;
             row != NULL && row->name != NULL; row++)
        {
            config_setting_t *cs;

            if (row->scope == OR_SCOPE_NODE) {
                continue;
            }
            cs = lookup_main(ctx, row->group, row->name);
            if (row->scope == OR_SCOPE_INHERIT) {
                /* Checked here once; each node converts it again. */
                if (cs != NULL) {
                    or_conf_value_t scratch;

                    memset(&scratch, 0, sizeof(scratch));
                    set_from(ctx, row, cs, &scratch, ctx->report);
                    or_conf_value_free(row, &scratch);
                }
                continue;
            }
            if (cs != NULL) {
                note_source(ctx, &ctx->cycle->main, row, cs);
                set_or_default(ctx, row, cs, conf + row->offset,
                               ctx->report);
            } else {
                set_default(ctx, row, conf + row->offset);
            }
        }
    }
}

/* Remembers where a node's setting came from. Out of memory only loses
 * the place: a later message then points at the node block instead. */
static void
note_source(load_ctx_t *ctx, or_node_t *node, const or_setting_t *row,
    config_setting_t *cs)
{
    const char       *file = src_file(ctx, cs);
    or_conf_source_t *v;

    v = realloc(node->sources, (node->nsources + 1) * sizeof(*v));
    if (v == NULL) {
        return;
    }
    node->sources = v;
    v += node->nsources;
    v->file = strdup(file ? file : ctx->cycle->conf_file);
    if (v->file == NULL) {
        return;
    }
    v->row = row;
    v->line = (int) config_setting_source_line(cs);
    v->group_line = row->group != NULL && config_setting_parent(cs) != NULL
                    ? (int) config_setting_source_line(
                          config_setting_parent(cs)) : 0;
    node->nsources++;
}

int
or_conf_source(const or_node_t *node, const char *group, const char *name,
    const char **file, int *line)
{
    for (size_t i = 0; i < node->nsources; i++) {
        const or_setting_t *row = node->sources[i].row;

        if ((group == NULL ? row->group == NULL
                           : row->group != NULL
                             && strcmp(row->group, group) == 0)
            && (name == NULL || strcmp(row->name, name) == 0))
        {
            *file = node->sources[i].file;
            *line = name == NULL && node->sources[i].group_line > 0
                    ? node->sources[i].group_line : node->sources[i].line;
            return 1;
        }
    }
    return 0;
}

int
or_conf_needs_module(or_conf_report_t *r, const or_node_t *node,
    const char *group, const char *name, const char *shown,
    const char *needed)
{
    const char *file = node->file;
    int         line = node->line;

    for (size_t m = 0; or_modules[m] != NULL; m++) {
        if (strcmp(or_modules[m]->name, needed) == 0) {
            return 0;
        }
    }
    (void) or_conf_source(node, group, name, &file, &line);
    or_conf_error(r, file, line, shown, "needs the %s module, which this "
                  "build leaves out (--without-%s_module)", needed, needed);
    return 1;
}

static void
load_node(load_ctx_t *ctx, or_node_t *node, config_setting_t *block)
{
    or_conf_report_t quiet = { NULL, 0, 0, 0 };

    for (size_t m = 0; or_modules[m] != NULL; m++) {
        char *conf = node->conf[m];

        for (const or_setting_t *row = or_modules[m]->settings;
             row != NULL && row->name != NULL; row++)
        {
            config_setting_t *cs;

            if (row->scope == OR_SCOPE_MAIN) {
                continue;
            }
            cs = lookup(block, row->group, row->name);
            if (cs != NULL) {
                note_source(ctx, node, row, cs);
                set_or_default(ctx, row, cs, conf + row->offset,
                               ctx->report);
                continue;
            }
            if (row->scope == OR_SCOPE_INHERIT) {
                cs = lookup_main(ctx, row->group, row->name);
                if (cs != NULL) {
                    note_source(ctx, node, row, cs);
                    /* already reported by load_main() if wrong */
                    set_or_default(ctx, row, cs, conf + row->offset, &quiet);
                    continue;
                }
            }
            if (row->flags & OR_CONF_REQUIRED) {
                or_conf_error(ctx->report, node->file, node->line,
                              row->name, "missing in the node block");
                continue;
            }
            set_default(ctx, row, conf + row->offset);
        }
    }
    or_conf_report_free(&quiet);
}

static void
load_nodes(load_ctx_t *ctx)
{
    or_cycle_t       *cycle = ctx->cycle;
    config_setting_t *list = config_lookup(ctx->file, OR_CONF_NODES);
    size_t            nmod = or_module_count();
    int               n;

    if (list == NULL) {
        return;
    }
    if (!config_setting_is_list(list)) {
        or_conf_error(ctx->report, src_file(ctx, list),
                      (int) config_setting_source_line(list), OR_CONF_NODES,
                      "expected a list of node blocks ( { ... }, ... )");
        return;
    }
    n = config_setting_length(list);
    cycle->nodes = calloc((size_t) n + 1, sizeof(or_node_t));
    if (cycle->nodes == NULL) {
        or_conf_error(ctx->report, cycle->conf_file, 0, NULL,
                      "out of memory");
        return;
    }
    for (int i = 0; i < n; i++) {
        config_setting_t *block = config_setting_get_elem(list, i);
        or_node_t        *node = &cycle->nodes[cycle->nnodes];
        const char       *file = src_file(ctx, block);

        /* not a node at all: no entry, so that no module's postconf
         * meets a node whose settings were never filled in */
        if (!config_setting_is_group(block)) {
            or_conf_error(ctx->report, file,
                          (int) config_setting_source_line(block),
                          OR_CONF_NODES, "each node must be a group { ... }");
            continue;
        }
        node->line = (int) config_setting_source_line(block);
        node->listen_fd = -1;
        node->file = strdup(file ? file : cycle->conf_file);
        node->index = cycle->nnodes;
        node->conf = calloc(nmod, sizeof(void *));
        if (node->file == NULL || node->conf == NULL) {
            or_conf_error(ctx->report, file, node->line, NULL,
                          "out of memory");
            free(node->file);
            free(node->conf);
            return;
        }
        cycle->nnodes++;
        for (size_t m = 0; m < nmod; m++) {
            node->conf[m] = calloc(1, or_modules[m]->node_conf_size + 1);
            if (node->conf[m] == NULL) {
                or_conf_error(ctx->report, file, node->line, NULL,
                              "out of memory");
                return;
            }
        }
        check_names(ctx, block, NULL, 1);
        load_node(ctx, node, block);
    }
}

/* --- free and dump ------------------------------------------------------- */

static void
free_values(int node_scope, char *conf, const or_module_t *mod)
{
    if (conf == NULL) {
        return;
    }
    for (const or_setting_t *row = mod->settings;
         row != NULL && row->name != NULL; row++)
    {
        if ((row->scope == OR_SCOPE_MAIN) == !node_scope) {
            or_conf_value_free(row, conf + row->offset);
        }
    }
}

void
or_conf_free(or_cycle_t *cycle)
{
    size_t nmod = or_module_count();

    if (cycle->main_conf == NULL) {
        return;
    }
    for (size_t m = nmod; m-- > 0;) {
        if (or_modules[m]->free_conf != NULL) {
            or_modules[m]->free_conf(cycle);
        }
    }
    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_node_t *node = &cycle->nodes[i];

        for (size_t m = 0; m < nmod && node->conf != NULL; m++) {
            free_values(1, node->conf[m], or_modules[m]);
            free(node->conf[m]);
        }
        free(node->conf);
        free(node->file);
        for (size_t k = 0; k < node->nsources; k++) {
            free(node->sources[k].file);
        }
        free(node->sources);
        or_key_free(node->key);
    }
    free(cycle->nodes);
    for (size_t k = 0; k < cycle->main.nsources; k++) {
        free(cycle->main.sources[k].file);
    }
    free(cycle->main.sources);
    cycle->main.sources = NULL;
    cycle->main.nsources = 0;
    for (size_t m = 0; m < nmod; m++) {
        free_values(0, cycle->main_conf[m], or_modules[m]);
        free(cycle->main_conf[m]);
    }
    free(cycle->main_conf);
    cycle->main_conf = NULL;
    cycle->nodes = NULL;
    cycle->nnodes = 0;
}

static void
dump_rows(FILE *out, char **confs, int node_scope, const char *indent)
{
    const char *open_group = NULL;

    for (size_t m = 0; or_modules[m] != NULL; m++) {
        for (const or_setting_t *row = or_modules[m]->settings;
             row != NULL && row->name != NULL; row++)
        {
            char value[8192];     /* a list of records (peers) is long */

            if ((row->scope == OR_SCOPE_NODE && !node_scope)
                || (row->scope == OR_SCOPE_MAIN && node_scope)
                || (row->scope == OR_SCOPE_INHERIT && !node_scope))
            {
                continue;
            }
            if (open_group != NULL
                && (row->group == NULL || strcmp(row->group, open_group)))
            {
                fprintf(out, "%s};\n", indent);
                open_group = NULL;
            }
            if (row->group != NULL && open_group == NULL) {
                fprintf(out, "%s%s = {\n", indent, row->group);
                open_group = row->group;
            }
            or_conf_value_format(row, confs[m] + row->offset, value,
                                 sizeof(value));
            fprintf(out, "%s%s%s%s = %s;\n", indent, open_group ? "  " : "",
                    strcmp(value, "(unset)") == 0 ? "# " : "", row->name,
                    value);
        }
        if (open_group != NULL) {
            fprintf(out, "%s};\n", indent);
            open_group = NULL;
        }
    }
}

void
or_conf_dump(or_cycle_t *cycle, int fd)
{
    FILE *out = fdopen(dup(fd), "w");

    if (out == NULL) {
        return;
    }
    fprintf(out, "# effective configuration of %s\n", cycle->conf_file);
    dump_rows(out, (char **) cycle->main_conf, 0, "");
    fprintf(out, "nodes = (\n");
    for (size_t i = 0; i < cycle->nnodes; i++) {
        fprintf(out, "  {\n");
        dump_rows(out, (char **) cycle->nodes[i].conf, 1, "    ");
        fprintf(out, "  }%s\n", i + 1 < cycle->nnodes ? "," : "");
    }
    fprintf(out, ");\n");
    fclose(out);
}
