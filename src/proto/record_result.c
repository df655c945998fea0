/* record_result.c: recording's result stage (slot JG_RESULT_RECORD); see record.h. */
#include "proto/record-t.h"

#include "audit/audit.h"
#include "audit/binval.h"
#include "gw/gateway.h"

#include <stdlib.h>
#include <string.h>

/* room: the columns of a result set of n columns (types for binary rows). */
static int room(struct jg_rec_sess *r, unsigned n)
{
	uint8_t *t;
	uint16_t *f;

	if (n <= r->cap)
		return JG_OK;
	if (!(t = realloc(r->types, n)))
		return JG_ERR_NOMEM;
	r->types = t;
	if (!(f = realloc(r->flags, n * sizeof(*f))))
		return JG_ERR_NOMEM;
	r->flags = f;
	r->cap = n;
	return JG_OK;
}

static int caps_left(const struct jg_session *s)
{
	const struct jg_config *c = s->gw->cfg;
	const struct jg_rec_sess *r = s->rec;

	return r->kept < (uint64_t)c->store_audit_rows &&
	       r->bytes < (size_t)c->store_audit_result_bytes &&
	       r->session_bytes < (size_t)c->store_audit_session_bytes;
}

static void close_set(struct jg_rec_sess *r)
{
	if (!r->set_open)
		return;
	if (r->rows_on) {
		jg_jw_end(&r->res, ']');
		jg_jw_uint(&r->res, "rows_total", r->set_rows);
	} else {
		jg_jw_bool(&r->res, "rows_recorded", 0);
	}
	jg_jw_end(&r->res, '}');
	r->set_open = r->rows_on = 0;
}

static unsigned rec_begin(struct jg_session *s, uint8_t com)
{
	struct jg_rec_sess *r = s->rec;
	struct pstmt *p;

	if (!r || !r->cur)
		return 0;
	jg_jw_reset(&r->res);
	jg_jw_obj(&r->res, NULL);
	jg_jw_uint(&r->res, "n", r->cur);
	r->res_n = r->cur;
	jg_jw_arr(&r->res, "sets");
	r->set_open = r->rows_on = r->truncated = 0;
	r->kept = 0;
	r->bytes = 0;
	r->ncols = 0;
	switch (com) {
	case JG_COM_QUERY: case JG_COM_STMT_EXECUTE: case JG_COM_PROCESS_INFO:
		return JG_RS_DEFS | JG_RS_END;
	case JG_COM_STMT_FETCH:
		p = jg_rec_find(r, s->cmd.stmt_id);
		if (!p || !p->ctypes || room(r, p->ncols) != JG_OK || !caps_left(s))
			return JG_RS_END;
		memcpy(r->types, p->ctypes, p->ncols);
		memcpy(r->flags, p->cflags, p->ncols * sizeof(*r->flags));
		r->ncols = p->ncols;
		jg_jw_obj(&r->res, NULL);
		jg_jw_arr(&r->res, "rows");
		r->set_open = r->rows_on = 1;
		r->set_rows = 0;
		return JG_RS_ROWS | JG_RS_END;
	default:
		return JG_RS_END;
	}
}

static int rec_column(struct jg_session *s, unsigned idx, const uint8_t *p, size_t len,
                      uint8_t *out, size_t cap, size_t *outlen)
{
	struct jg_rec_sess *r = s->rec;
	struct jg_pkt_coldef c;

	if (idx == 0) {
		close_set(r);
		jg_jw_obj(&r->res, NULL);
		jg_jw_arr(&r->res, "columns");
		r->set_open = 1;
		r->set_rows = 0;
		r->ncols = 0;
	}
	if (room(r, idx + 1) != JG_OK)
		return JG_OK;
	if (jg_pkt_parse_coldef(p, len, &c) != JG_OK) {
		jg_jw_str(&r->res, NULL, "?");
		r->types[idx] = JG_TYPE_VAR_STRING;
		r->flags[idx] = 0;
	} else {
		jg_jw_strn(&r->res, NULL, c.name.p, c.name.n);
		r->types[idx] = c.type;
		r->flags[idx] = c.flags;
	}
	r->ncols = idx + 1;
	return JG_OK;
}

static unsigned rec_defs_done(struct jg_session *s, unsigned ncols)
{
	struct jg_rec_sess *r = s->rec;

	jg_jw_end(&r->res, ']');
	if (ncols != r->ncols || !caps_left(s)) {
		r->truncated |= ncols == r->ncols;
		return 0;
	}
	jg_jw_arr(&r->res, "rows");
	r->rows_on = 1;
	return JG_RS_ROWS;
}

/* value: one value of a binary row as its text form. */
static void bin_value(struct jg_jw *w, uint8_t type, uint16_t flags, const struct jg_pkt_value *v)
{
	char text[128];
	size_t n;

	if (jg_binval_text(type, !!(flags & JG_FLAG_UNSIGNED), v->p, v->len, text, sizeof(text),
	                   &n) == JG_OK)
		jg_jw_strn(w, NULL, text, n);
	else
		jg_jw_strn(w, NULL, v->p, v->len);
}

static int rec_row(struct jg_session *s, int binary, const uint8_t *p, size_t len, uint8_t *out,
                   size_t cap, size_t *outlen)
{
	struct jg_rec_sess *r = s->rec;
	struct jg_pkt_value v;
	struct jg_text_row t;
	struct jg_bin_row b;
	int rc = JG_OK;

	r->set_rows++;
	if (!p || !r->rows_on || !caps_left(s) ||
	    r->bytes + len > (size_t)s->gw->cfg->store_audit_result_bytes) {
		r->truncated = 1;
		return JG_OK;
	}
	r->kept++;
	r->bytes += len;
	r->session_bytes += len;
	jg_jw_arr(&r->res, NULL);
	if (binary)
		jg_bin_row_init(&b, p, len, r->types, r->ncols);
	else
		jg_text_row_init(&t, p, len, r->ncols);
	for (unsigned i = 0; i < r->ncols && rc == JG_OK; i++) {
		rc = binary ? jg_bin_row_next(&b, &v) : jg_text_row_next(&t, &v);
		if (rc != JG_OK)
			jg_jw_str(&r->res, NULL, "(a value jitgate could not read)");
		else if (v.null)
			jg_jw_null(&r->res, NULL);
		else if (binary)
			bin_value(&r->res, r->types[i], r->flags[i], &v);
		else
			jg_jw_strn(&r->res, NULL, v.p, v.len);
	}
	jg_jw_end(&r->res, ']');
	return JG_OK;
}

/* rec_row_max: a row is recorded only while it fits what is left of the caps; larger ones
 * stream past (counted), so recording never holds a row beyond them. */
static size_t rec_row_max(struct jg_session *s)
{
	const struct jg_config *c = s->gw->cfg;
	const struct jg_rec_sess *r = s->rec;
	size_t left = (size_t)c->store_audit_result_bytes - JG_MIN(r->bytes,
	              (size_t)c->store_audit_result_bytes);

	if (!caps_left(s))
		return 0;
	return JG_MIN(left, (size_t)c->store_audit_session_bytes - r->session_bytes);
}

/* keep_columns: an executed statement's columns, for the rows a cursor fetches later. */
static void keep_columns(struct jg_rec_sess *r, uint32_t id)
{
	struct pstmt *p = jg_rec_find(r, id);

	if (!p || !r->ncols)
		return;
	if (!p->ctypes || !p->cflags || p->ncols != r->ncols) {   /* else the same room again */
		free(p->ctypes);
		free(p->cflags);
		p->ctypes = malloc(r->ncols);
		p->cflags = malloc(r->ncols * sizeof(*p->cflags));
		if (!p->ctypes || !p->cflags) {
			free(p->ctypes);
			free(p->cflags);
			p->ctypes = NULL;
			p->cflags = NULL;
			return;
		}
	}
	memcpy(p->ctypes, r->types, r->ncols);
	memcpy(p->cflags, r->flags, r->ncols * sizeof(*p->cflags));
	p->ncols = r->ncols;
}

static void rec_end(struct jg_session *s, const struct jg_result_summary *sum)
{
	struct jg_rec_sess *r = s->rec;
	struct jg_jw *w = &r->res;

	close_set(r);
	jg_jw_end(w, ']');
	jg_jw_int(w, "duration_us", jg_rec_now_us() - r->t0);
	jg_jw_uint(w, "results", sum->results);
	jg_jw_uint(w, "rows", sum->rows);
	jg_jw_uint(w, "affected", sum->affected_rows);
	jg_jw_uint(w, "insert_id", sum->last_insert_id);
	jg_jw_uint(w, "warnings", sum->warnings);
	if (sum->error)
		jg_rec_error(w, sum->error, sum->sqlstate, sum->error_msg, sum->error_msg_len);
	if (sum->com == JG_COM_STMT_PREPARE && !sum->error) {
		jg_jw_uint(w, "stmt_id", sum->stmt_id);
		jg_jw_uint(w, "params", sum->params);
		jg_rec_remember(r, sum->stmt_id, sum->params);
	}
	if (sum->com == JG_COM_STMT_EXECUTE && !sum->error)
		keep_columns(r, sum->stmt_id);
	jg_jw_bool(w, "truncated", r->truncated);
	jg_jw_end(w, '}');
	r->cur = 0;
	if (r->held && r->held_n == r->res_n) {     /* batched: one record of both */
		const char *body;
		size_t len;

		r->held = 0;
		if ((body = jg_jw_done(w, &len))) {
			jg_jw_reopen(&r->cmd);
			jg_jw_raw(&r->cmd, "result", body, len);
			jg_jw_end(&r->cmd, '}');
		}
		jg_rec_put(s, JG_AUDIT_K_COMMAND, r->session, &r->cmd, NULL, r->held_time);
		return;
	}
	jg_rec_put(s, JG_AUDIT_K_RESULT, r->session, w, NULL, 0);
}

const struct jg_result_stage jg_record_stage = {
	.name = "record",
	.begin = rec_begin,
	.column = rec_column,
	.defs_done = rec_defs_done,
	.row = rec_row,
	.end = rec_end,
	.row_max = rec_row_max,
};
