/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2025-2026 The openred authors */
/*
 * The foreground start summary: in a terminal or a container the log may
 * be a file nobody reads yet, so the nodes, ports, fingerprints and the
 * log's path are said once where the operator is looking.
 */
#include "or_summary.h"

#include "openred.h"

#include "or_auto_config.h"
#include "or_core_module.h"
#include "or_cycle.h"
#include "or_log.h"

void
or_summary_print(or_cycle_t *cycle, pid_t master, FILE *out)
{
    or_core_main_conf_t *core = or_core_main(cycle);

    fprintf(out, "openred/%s started: master process %d, %d workers",
            OR_VERSION, (int) master, core->worker_processes);
    for (size_t i = 0; i < cycle->nnodes; i++) {
        or_node_t *node = &cycle->nodes[i];

        fprintf(out, "; node %s %s fingerprint %s", node->id,
                or_core_node(node)->listen.text,
                node->key ? or_key_fingerprint(node->key) : "-");
    }
    fprintf(out, "; log %s\n", or_log_is_stderr(core->error_log_path)
                               ? "stderr" : core->error_log_path);
    fflush(out);
}
