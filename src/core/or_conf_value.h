/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * One setting's value: libconfig node -> typed field (with the type, range
 * and checker of its table row), its text for -T, and its release.
 */
#ifndef OR_CONF_VALUE_H_INCLUDED
#define OR_CONF_VALUE_H_INCLUDED

#include <stddef.h>

#include <libconfig.h>

#include "or_conf.h"

/* Big enough for any field type, for checking a value without keeping it. */
typedef union {
    int64_t       i64;
    int           i;
    char         *s;
    or_strlist_t  list;
    or_addr_t     addr;
    or_conf_records_t  records;
} or_conf_value_t;

/* Converts cs into field; on failure err says what is wrong (no prefix). */
__attribute__((warn_unused_result))
or_err_t or_conf_value_set(const or_cycle_t *cycle, const or_setting_t *row,
    const config_setting_t *cs, void *field, char *err, size_t errlen);

void or_conf_value_free(const or_setting_t *row, void *field);

/* The value as libconfig text, as -T prints it. */
void or_conf_value_format(const or_setting_t *row, const void *field,
    char *buf, size_t len);

#endif /* OR_CONF_VALUE_H_INCLUDED */
