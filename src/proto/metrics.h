/*
 * metrics.h: the metrics result stage (slot JG_RESULT_METRICS, stage.h): per-session counters
 * of what the database answered (results, rows, affected rows, warnings, errors), from the
 * summary at the end of each response only, so responses stay on the zero-copy path. The
 * command stage counts commands and refusals in the same struct; the session core logs the
 * totals when the session ends. A metrics endpoint will read the same counters.
 */
#ifndef JG_PROTO_METRICS_H
#define JG_PROTO_METRICS_H

#include "proto/stage.h"

extern const struct jg_result_stage jg_metrics_stage;

#endif
