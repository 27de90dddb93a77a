/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The Prometheus text exposition format (version 0.0.4) of what the
 * control commands report: pure, from their JSON replies to text.
 */
#ifndef OR_METRICS_TEXT_H_INCLUDED
#define OR_METRICS_TEXT_H_INCLUDED

#include <stddef.h>

#include "or_err.h"

typedef struct json_t json_t;

#define OR_METRICS_CONTENT_TYPE  "text/plain; version=0.0.4; charset=utf-8"

/* The replies of `status` and `peers` (borrowed; either may be NULL, and
 * the sections of a module not compiled in are absent: its families are
 * left out).
 * *text is new (free() it) and *len its length, on OR_OK only. */
__attribute__((warn_unused_result))
or_err_t or_metrics_text(json_t *status, json_t *peers, char **text,
    size_t *len);

#endif /* OR_METRICS_TEXT_H_INCLUDED */
