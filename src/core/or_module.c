/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/* The module registry: indexes into the per-module conf arrays, and the
 * walk over the modules' status hooks. */
#include "or_module.h"

void
or_module_init_indexes(void)
{
    for (size_t i = 0; or_modules[i] != NULL; i++) {
        or_modules[i]->index = i;
    }
}

size_t
or_module_count(void)
{
    size_t n = 0;

    while (or_modules[n] != NULL) {
        n++;
    }
    return n;
}

or_err_t
or_module_status(or_module_t *const *modules, or_cycle_t *cycle,
    json_t *status, const char **failed)
{
    or_err_t first = OR_OK, rc;

    for (size_t i = 0; modules[i] != NULL; i++) {
        if (modules[i]->status == NULL) {
            continue;
        }
        rc = modules[i]->status(cycle, status);
        if (rc != OR_OK && first == OR_OK) {
            first = rc;
            if (failed != NULL) {
                *failed = modules[i]->name;
            }
        }
    }
    return first;
}
