/* metrics.c: the metrics result stage; see metrics.h. */
#include "proto/metrics.h"

#include "proto/session.h"

static unsigned metrics_begin(struct jg_session *s, uint8_t com)
{
	return JG_RS_END;
}

static void metrics_end(struct jg_session *s, const struct jg_result_summary *sum)
{
	struct jg_metrics *m = &s->metrics;

	m->results += sum->results;
	m->rows += sum->rows;
	m->affected += sum->affected_rows;
	m->warnings += sum->warnings;
	m->errors += sum->error != 0;
}

const struct jg_result_stage jg_metrics_stage = {
	.name = "metrics",
	.begin = metrics_begin,
	.end = metrics_end,
};
