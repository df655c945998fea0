/* mask.c: inline masking, its admission and result stages; see mask.h. */
#include "proto/mask.h"

#include "gw/gateway.h"
#include "mask/catalog.h"
#include "mask/plan.h"
#include "policy/policy.h"
#include "proto/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMTS_MAX 128                 /* prepared statements remembered per session */

/* A prepared statement: its note and, once executed, the plan of its result (for fetches). */
struct stmt {
	uint32_t id;
	struct jg_mask_note note;
	unsigned ncols;
	struct jg_mask_col *cols;
};

struct jg_mask_sess {
	const struct jg_policy *pol;      /* the policy the state was built from */
	struct jg_mask_set set;           /* its masks that apply to the session's role */
	struct jg_mask_key key;
	struct jg_mask_note cur;          /* the command in flight */
	uint8_t warn_quote;               /* the last statement left warnings and read a masked table */
	/* the result set in flight */
	unsigned ncols, cap, active;
	struct jg_mask_col *cols;
	uint8_t *types;
	struct jg_mask_cell *cells;
	struct jg_mask_rep *reps;
	uint8_t *scratch;
	size_t scap;
	/* prepared statements, oldest first */
	unsigned nstmts;
	struct stmt stmts[STMTS_MAX];
};

/* ---- the state ---- */

static void sess_free(struct jg_mask_sess *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->nstmts; i++)
		free(m->stmts[i].cols);
	jg_mask_set_free(&m->set);
	free(m->cols);
	free(m->types);
	free(m->cells);
	free(m->reps);
	free(m->scratch);
	memset(&m->key, 0, sizeof(m->key));
	free(m);
}

void jg_mask_free(struct jg_session *s)
{
	sess_free(s->mask);
	s->mask = NULL;
}

/*
 * state: the session's masking state under the policy in force (rebuilt after a reload): JG_OK
 * with *out, NULL when no mask applies to the session's role; JG_ERR_NOMEM when masks apply
 * and the state cannot be built (the command is then refused: nothing goes out unmasked). The
 * response to the command uses the state its admission built, whatever policy is in force by
 * then (older policies stay loaded).
 */
static int state(struct jg_session *s, struct jg_mask_sess **out)
{
	const struct jg_policy *pol = atomic_load(&s->gw->policy);
	const struct jg_config *cfg = s->gw->cfg;
	struct jg_mask_sess *m = s->mask;

	*out = NULL;
	if (m && m->pol == pol) {
		*out = m->set.n ? m : NULL;
		return JG_OK;
	}
	jg_mask_free(s);
	if (!pol || !pol->nmasks)
		return JG_OK;
	if (!(m = calloc(1, sizeof(*m))))
		return JG_ERR_NOMEM;
	s->mask = m;
	m->pol = pol;
	if (jg_mask_set_build(&m->set, pol, s->hello.user) != JG_OK) {
		jg_mask_free(s);
		return JG_ERR_NOMEM;
	}
	jg_mask_key_init(&m->key, cfg->mask_key, cfg->mask_key_len);
	*out = m->set.n ? m : NULL;
	return JG_OK;
}

/* ---- admission: what a statement reads and names ---- */

static struct stmt *find_stmt(struct jg_mask_sess *m, uint32_t id)
{
	for (unsigned i = 0; i < m->nstmts; i++)
		if (m->stmts[i].id == id)
			return &m->stmts[i];
	return NULL;
}

static void forget_stmt(struct jg_mask_sess *m, struct stmt *st)
{
	unsigned i = (unsigned)(st - m->stmts);

	free(st->cols);
	memmove(st, st + 1, (m->nstmts - i - 1) * sizeof(*st));
	m->nstmts--;
}

static int mask_text(const struct jg_session *s, uint8_t com)
{
	const struct jg_policy *pol = atomic_load(&s->gw->policy);

	return pol && pol->nmasks && (com == JG_COM_QUERY || com == JG_COM_STMT_PREPARE);
}

static int mask_admit(struct jg_session *s, const struct jg_cmd *cmd, struct jg_refusal *ref)
{
	struct jg_mask_sess *m;
	struct stmt *st;

	if (state(s, &m) != JG_OK) {
		ref->er = JG_ER_BACKEND_REFUSED;
		snprintf(ref->msg, sizeof(ref->msg), "jitgate is out of memory and cannot mask this "
		         "statement's results, so it did not run; try again later");
		return JG_STAGE_REFUSE;
	}
	if (!m)
		return JG_STAGE_GO;
	switch (cmd->com) {
	case JG_COM_STMT_FETCH:
		st = find_stmt(m, cmd->stmt_id);
		if (!st || !st->cols) {         /* rows whose columns masking does not know */
			ref->er = JG_ER_NOT_SUPPORTED;
			snprintf(ref->msg, sizeof(ref->msg), "jitgate does not know the columns of this "
			         "cursor (more than %d prepared statements are open), so it cannot mask "
			         "its rows; execute the statement again", STMTS_MAX);
			return JG_STAGE_REFUSE;
		}
		m->cur = st->note;
		break;
	case JG_COM_STMT_EXECUTE:
		if ((st = find_stmt(m, cmd->stmt_id)))
			m->cur = st->note;
		else
			jg_mask_note_all(&m->set, &m->cur);   /* forgotten: fail closed */
		break;
	case JG_COM_STMT_CLOSE:
		if ((st = find_stmt(m, cmd->stmt_id)))
			forget_stmt(m, st);
		memset(&m->cur, 0, sizeof(m->cur));
		break;
	case JG_COM_RESET_CONNECTION:
		while (m->nstmts)
			forget_stmt(m, &m->stmts[m->nstmts - 1]);
		memset(&m->cur, 0, sizeof(m->cur));
		break;
	default:
		if (cmd->sql)
			jg_mask_note_sql(&m->set, jg_mask_catalog_current(), cmd->cls, cmd->sql, &m->cur);
		else if (cmd->com == JG_COM_QUERY || cmd->com == JG_COM_STMT_PREPARE)
			jg_mask_note_all(&m->set, &m->cur);  /* a text not seen: fail closed */
		else
			memset(&m->cur, 0, sizeof(m->cur));
		break;
	}
	return JG_STAGE_GO;
}

const struct jg_admit_stage jg_admit_mask = {
	.name = "mask",
	.text = mask_text,
	.admit = mask_admit,
};

/* ---- column plans ---- */

static int grow(struct jg_mask_sess *m, unsigned n)
{
	void *a, *b, *c, *d;

	if (n <= m->cap)
		return JG_OK;
	n = JG_MAX(n, 2 * m->cap);
	a = realloc(m->cols, n * sizeof(*m->cols));
	if (a)
		m->cols = a;
	b = realloc(m->types, n);
	if (b)
		m->types = b;
	c = realloc(m->cells, n * sizeof(*m->cells));
	if (c)
		m->cells = c;
	d = realloc(m->reps, n * sizeof(*m->reps));
	if (d)
		m->reps = d;
	if (!a || !b || !c || !d)
		return JG_ERR_NOMEM;
	m->cap = n;
	return JG_OK;
}

/* rewrite_def: the definition the client sees: NOT NULL cleared when masking may give NULL,
 * and room for a masked string. 0 when it stays as it is. */
static size_t rewrite_def(const struct jg_mask_col *col, struct jg_pkt_coldef *c, uint8_t *out,
                          size_t cap)
{
	struct jg_wr w;
	int changed = 0;

	if ((c->flags & JG_FLAG_NOT_NULL) && jg_mask_col_nullable(col)) {
		c->flags &= (uint16_t)~JG_FLAG_NOT_NULL;
		changed = 1;
	}
	if (col->fn && jg_mask_text_type(col->type) && c->length < 160) {
		c->length = 160;        /* 32 hex digits or "****" and 4 characters, in any set */
		changed = 1;
	}
	if (!changed)
		return 0;
	jg_wr_init(&w, out, cap);
	jg_wr_coldef(&w, c);
	return w.err ? 0 : w.off;
}

static int mask_column(struct jg_session *s, unsigned idx, const uint8_t *p, size_t len,
                       uint8_t *out, size_t cap, size_t *outlen)
{
	struct jg_mask_sess *m = s->mask;
	struct jg_pkt_coldef c;
	struct jg_mask_col *col;

	if (idx == 0)
		m->ncols = m->active = 0;
	if (jg_pkt_parse_coldef(p, len, &c) != JG_OK)
		return JG_ERR_PROTO;
	if (grow(m, idx + 1) != JG_OK)
		return JG_ERR_NOMEM;
	col = &m->cols[idx];
	jg_mask_plan(&m->set, jg_mask_catalog_current(), &m->cur, &c, m->cur.show_warnings && m->warn_quote, col);
	m->types[idx] = c.type;
	m->ncols = idx + 1;
	m->active += jg_mask_col_active(col) || col->quote;
	*outlen = rewrite_def(col, &c, out, cap);
	return JG_OK;
}

/* stmt_slot: the entry of statement id, made (the oldest forgotten when full) if missing. */
static struct stmt *stmt_slot(struct jg_mask_sess *m, uint32_t id)
{
	struct stmt *st = find_stmt(m, id);

	if (st)
		return st;
	if (m->nstmts == STMTS_MAX)             /* the oldest is forgotten: fails closed */
		forget_stmt(m, &m->stmts[0]);
	st = &m->stmts[m->nstmts++];
	memset(st, 0, sizeof(*st));
	st->id = id;
	jg_mask_note_all(&m->set, &st->note);   /* its text was not seen */
	return st;
}

/* keep_plan: the plan of an execute's result, for the fetches of its cursor. */
static void keep_plan(struct jg_mask_sess *m, uint32_t id)
{
	struct stmt *st = stmt_slot(m, id);
	struct jg_mask_col *cols;

	cols = malloc(JG_MAX(m->ncols, 1u) * sizeof(*cols));
	free(st->cols);
	st->cols = cols;
	st->ncols = cols ? m->ncols : 0;
	if (cols)
		memcpy(cols, m->cols, m->ncols * sizeof(*cols));
}

static unsigned mask_defs_done(struct jg_session *s, unsigned ncols)
{
	struct jg_mask_sess *m = s->mask;

	if (s->resp.command == JG_COM_STMT_EXECUTE)
		keep_plan(m, s->cmd.stmt_id);
	return m->active ? JG_RS_ROWS : 0;
}

/* ---- rows ---- */

/* room: scratch for at least n more bytes after at. */
static int room(struct jg_mask_sess *m, size_t at, size_t n, size_t limit)
{
	uint8_t *p;
	size_t want = at + n;

	if (want <= m->scap)
		return JG_OK;
	if (want > limit)
		return JG_ERR_TOOBIG;
	want = JG_MIN(JG_MAX(want, 2 * m->scap), limit);
	if (!(p = realloc(m->scratch, want)))
		return JG_ERR_NOMEM;
	m->scratch = p;
	m->scap = want;
	return JG_OK;
}

/* value: one value through its column's masking, into scratch at *at; retried with more room
 * when a detector's rewrite needs it. */
static int value(struct jg_session *s, const struct jg_mask_col *col, int binary,
                 const uint8_t *v, size_t n, size_t *at, size_t *w)
{
	struct jg_mask_sess *m = s->mask;
	size_t limit = 2 * (size_t)s->gw->cfg->limit_row + 4096, want = n + n / 4 + 96;
	int rc;

	for (;;) {
		if ((rc = room(m, *at, want, limit)) != JG_OK)
			return rc;
		if (col->quote) {
			*w = jg_mask_message(col->dets, col->det_fn, 1, &m->key, v, n, m->scratch + *at,
			                     want);
			rc = *w ? JG_MASK_VALUE : JG_MASK_KEEP;
		} else if (binary) {
			rc = jg_mask_binary(col, &m->key, v, n, m->scratch + *at, want, w);
		} else {
			rc = jg_mask_text(col, &m->key, v, n, m->scratch + *at, want, w);
		}
		if (rc != JG_ERR_TOOBIG || want >= jg_mask_room(n))
			return rc;
		want = jg_mask_room(n);
	}
}

static int text_row(struct jg_session *s, const uint8_t *p, size_t len, uint8_t *out, size_t cap,
                    size_t *outlen)
{
	struct jg_mask_sess *m = s->mask;
	size_t at = 0, w, n;
	int changed = 0, rc;

	if (jg_mask_text_split(p, len, m->ncols, m->cells) != 0)
		return JG_ERR_PROTO;
	for (unsigned i = 0; i < m->ncols; i++) {
		const struct jg_mask_col *col = &m->cols[i];

		m->reps[i].kind = JG_MASK_KEEP;
		if (m->cells[i].null || (!jg_mask_col_active(col) && !col->quote))
			continue;
		rc = value(s, col, 0, p + m->cells[i].off, m->cells[i].len, &at, &w);
		if (rc == JG_MASK_NUL) {
			m->reps[i].kind = JG_MASK_NUL;
		} else if (rc == JG_MASK_VALUE) {
			m->reps[i].kind = JG_MASK_VALUE;
			m->reps[i].len = w;
			m->reps[i].p = (const uint8_t *)(uintptr_t)at;   /* an offset until scratch
			                                                  * stops moving */
			at += w;
		} else if (rc != JG_MASK_KEEP) {
			return rc;
		}
		changed |= rc != JG_MASK_KEEP;
	}
	if (!changed)
		return JG_OK;
	for (unsigned i = 0; i < m->ncols; i++)
		if (m->reps[i].kind == JG_MASK_VALUE)
			m->reps[i].p = m->scratch + (uintptr_t)m->reps[i].p;
	n = jg_mask_text_build(p, len, m->ncols, m->cells, m->reps, out, cap);
	if (n == SIZE_MAX)
		return JG_ERR_TOOBIG;
	*outlen = n;
	return JG_OK;
}

static int bin_row(struct jg_session *s, const uint8_t *p, size_t len, uint8_t *out, size_t cap,
                   size_t *outlen)
{
	struct jg_mask_sess *m = s->mask;
	size_t nb = (m->ncols + 9) / 8, at = 1 + nb, sat, w;
	struct jg_bin_row b;
	struct jg_pkt_value v;
	int changed = 0, rc;

	if (cap < at || len < at)
		return JG_ERR_PROTO;
	out[0] = 0;
	memcpy(out + 1, p + 1, nb);
	jg_bin_row_init(&b, p, len, m->types, m->ncols);
	for (unsigned i = 0; i < m->ncols; i++) {
		const struct jg_mask_col *col = &m->cols[i];
		size_t whole;

		if (jg_bin_row_next(&b, &v) != JG_OK)
			return JG_ERR_PROTO;
		if (v.null)
			continue;
		whole = v.hdr + v.len;
		rc = JG_MASK_KEEP;
		sat = 0;
		if (jg_mask_col_active(col) || col->quote)
			rc = value(s, col, 1, v.p, v.len, &sat, &w);
		if (rc == JG_MASK_KEEP) {
			if (whole > cap - at)
				return JG_ERR_TOOBIG;
			memcpy(out + at, p + v.off, whole);
			at += whole;
		} else if (rc == JG_MASK_NUL) {
			out[1 + (i + 2) / 8] |= (uint8_t)(1u << ((i + 2) % 8));
		} else if (rc == JG_MASK_VALUE) {
			size_t h = jg_mask_fixed_width(col->type) ? 0 : jg_mask_lenenc_size(w);

			if (h + w > cap - at)
				return JG_ERR_TOOBIG;
			if (h)
				jg_mask_lenenc_put(out + at, cap - at, w);
			memcpy(out + at + h, m->scratch, w);
			at += h + w;
		} else {
			return rc;
		}
		changed |= rc != JG_MASK_KEEP;
	}
	if (jg_bin_row_finish(&b) != JG_OK)
		return JG_ERR_PROTO;
	*outlen = changed ? at : 0;
	return JG_OK;
}

static int mask_row(struct jg_session *s, int binary, const uint8_t *p, size_t len, uint8_t *out,
                    size_t cap, size_t *outlen)
{
	if (!s->mask->ncols)
		return JG_ERR_PROTO;
	return binary ? bin_row(s, p, len, out, cap, outlen) : text_row(s, p, len, out, cap, outlen);
}

/* ---- errors ---- */

/* echoes: errors whose message quotes a value of the statement's rows. */
static int echoes(uint16_t code)
{
	switch (code) {
	case 1062: case 1586: case 1169:  /* duplicate entry */
	case 1366: case 1367: case 1292:  /* incorrect / truncated value */
	case 1411: case 1525: case 1690:  /* incorrect value for function, out of range */
	case 4025: case 3819:             /* CHECK constraint */
		return 1;
	default:
		return 0;
	}
}

static int mask_error(struct jg_session *s, const uint8_t *p, size_t len, uint8_t *out,
                      size_t cap, size_t *outlen)
{
	struct jg_mask_sess *m = s->mask;
	struct jg_pkt_err e;
	size_t n, at = 9;
	int quote;

	if (jg_pkt_parse_err(p, len, s->lb.caps, &e) != JG_OK)
		return JG_ERR_PROTO;
	quote = jg_mask_note_scoped(&m->cur) && echoes(e.code);
	if (!quote && !m->set.dets_any)
		return JG_OK;
	if (cap < at + jg_mask_room(e.msg_len))
		return JG_ERR_TOOBIG;           /* not sent as it is: cut with an ERR of ours */
	n = jg_mask_message(m->set.dets_any, m->set.fn_any, quote, &m->key, e.msg, e.msg_len, out + at,
	                    cap - at);
	if (!n)
		return JG_OK;
	out[0] = 0xff;
	out[1] = (uint8_t)e.code;
	out[2] = (uint8_t)(e.code >> 8);
	out[3] = '#';
	memcpy(out + 4, e.sqlstate, 5);
	*outlen = at + n;
	return JG_OK;
}

/* ---- the response ---- */

static unsigned mask_begin(struct jg_session *s, uint8_t com)
{
	struct jg_mask_sess *m = s->mask;
	struct stmt *st;

	if (!m || !m->set.n)
		return 0;
	m->ncols = m->active = 0;
	switch (com) {
	case JG_COM_STMT_FETCH:
		st = find_stmt(m, s->cmd.stmt_id);
		if (!st || !st->cols || grow(m, st->ncols) != JG_OK)
			return JG_RS_ROWS | JG_RS_ERRS | JG_RS_END;   /* no columns: rows fail closed */
		memcpy(m->cols, st->cols, st->ncols * sizeof(*m->cols));
		for (unsigned i = 0; i < st->ncols; i++) {
			m->types[i] = st->cols[i].type;
			m->active += jg_mask_col_active(&st->cols[i]) || st->cols[i].quote;
		}
		m->ncols = st->ncols;
		return (m->active ? JG_RS_ROWS : 0) | JG_RS_ERRS | JG_RS_END;
	default:                                /* any result set: COM_QUERY, EXECUTE, PROCESS_INFO */
		return JG_RS_DEFS | JG_RS_ERRS | JG_RS_END;
	}
}

static void mask_end(struct jg_session *s, const struct jg_result_summary *sum)
{
	struct jg_mask_sess *m = s->mask;
	struct stmt *st;

	if (sum->com == JG_COM_STMT_PREPARE && !sum->error) {
		st = stmt_slot(m, sum->stmt_id);
		st->note = m->cur;
	}
	if (!m->cur.show_warnings)
		m->warn_quote = sum->warnings && jg_mask_note_scoped(&m->cur);
	if (m->cur.ddl && !sum->error)
		jg_mask_catalog_touch();        /* views and tables may have changed */
}

const struct jg_result_stage jg_mask_stage = {
	.name = "mask",
	.begin = mask_begin,
	.column = mask_column,
	.defs_done = mask_defs_done,
	.row = mask_row,
	.error = mask_error,
	.end = mask_end,
};
