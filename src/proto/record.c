/* record.c: session recording; see record.h and docs/audit.md. */
#include "proto/record.h"

#include "audit/audit.h"
#include "audit/binval.h"
#include "audit/jw.h"
#include "gw/gateway.h"
#include "proto/command.h"
#include "proto/session.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define STMTS_MAX 4096                  /* prepared statements remembered per session */
#define TEXT_MAX (64u << 10)            /* bytes of a prepared text remembered */

/* A prepared statement: its text, its parameters' types, its result's columns. */
struct pstmt {
	uint32_t id;
	char *text;
	size_t len;
	uint16_t nparams;
	int have_types;
	uint8_t *ptypes;                    /* 2 * nparams: type, flags (0x80 unsigned) */
	uint64_t long_data;                 /* bit i: parameter i came by COM_STMT_SEND_LONG_DATA */
	unsigned ncols;
	uint8_t *ctypes;                    /* for COM_STMT_FETCH, whose rows come without them */
	uint16_t *cflags;
};

/* strict mode's answer for a command's record, on the session's worker. It outlives the
 * session when the session ends while a commit runs (owner is then NULL and it frees itself). */
struct rwait {
	struct jg_audit_waiter w;           /* first: the writer's view of it */
	struct jg_post post;
	struct jg_session *owner;
	struct jg_worker *wk;
	int pending, ok;
};

enum { V_NONE, V_ASKED, V_DONE, V_FAILED };

struct jg_rec_sess {
	uint64_t session;
	uint32_t n;                         /* commands recorded */
	uint8_t verdict;                    /* strict: V_* of the command in admission */
	struct rwait *wait;
	/* the command in flight */
	uint32_t cur;                       /* its number; 0: none recorded */
	int64_t t0;                         /* when it went (monotonic, us) */
	char *prep;                         /* a COM_STMT_PREPARE's text until its answer */
	size_t prep_len;
	/* the result being recorded */
	struct jg_jw res;
	uint8_t set_open, rows_on, truncated;
	unsigned ncols, cap;
	uint8_t *types;
	uint16_t *flags;
	uint64_t set_rows, kept;
	size_t bytes, session_bytes;
	/* prepared statements */
	struct pstmt *st;
	unsigned nst;
	struct jg_jw cmd;                   /* command bodies (reused) */
};

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* put: a body to the writer (w: strict mode's waiter, or NULL). */
static int put(struct jg_session *s, const char *kind, uint64_t session, struct jg_jw *jw,
               struct jg_audit_waiter *w)
{
	size_t len;
	const char *body = jg_jw_done(jw, &len);

	if (!body)
		return JG_ERR_NOMEM;
	return jg_audit_put(s->gw->audit, kind, session, jg_audit_now_us(), body, len, w);
}

static void error_obj(struct jg_jw *w, uint16_t code, const char *sqlstate, const void *msg,
                      size_t len)
{
	jg_jw_obj(w, "error");
	jg_jw_uint(w, "code", code);
	jg_jw_str(w, "sqlstate", sqlstate);
	jg_jw_strn(w, "message", msg, len);
	jg_jw_end(w, '}');
}

/* ---- prepared statements ---- */

static struct pstmt *find(struct jg_rec_sess *r, uint32_t id)
{
	for (unsigned i = 0; i < r->nst; i++)
		if (r->st[i].id == id)
			return &r->st[i];
	return NULL;
}

static void forget(struct jg_rec_sess *r, struct pstmt *p)
{
	free(p->text);
	free(p->ptypes);
	free(p->ctypes);
	free(p->cflags);
	*p = r->st[--r->nst];
}

/* remember: a statement the database prepared, with the text its PREPARE sent. */
static void remember(struct jg_rec_sess *r, uint32_t id, uint16_t nparams)
{
	struct pstmt *p;

	if ((p = find(r, id)))
		forget(r, p);
	if (r->nst == STMTS_MAX)
		forget(r, &r->st[0]);           /* the execute's record then says "prepared": null */
	if (!r->st && !(r->st = calloc(STMTS_MAX, sizeof(*r->st))))
		return;
	p = &r->st[r->nst];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->nparams = nparams;
	p->ptypes = calloc(2 * (size_t)nparams + 1, 1);
	if (!p->ptypes)
		return;
	p->text = r->prep;
	p->len = r->prep_len;
	r->prep = NULL;
	r->nst++;
}

/* ---- commands ---- */

static void statements(struct jg_jw *w, const struct jg_sql_result *cls)
{
	jg_jw_arr(w, "statements");
	for (unsigned i = 0; i < cls->nstmts; i++) {
		const struct jg_sql_stmt *st = &cls->stmts[i];

		jg_jw_obj(w, NULL);
		jg_jw_str(w, "kind", jg_sql_kind_name(st->kind));
		jg_jw_arr(w, "tables");
		for (unsigned t = 0; t < st->ntables; t++)
			jg_jw_str(w, NULL, st->tables[t]);
		jg_jw_end(w, ']');
		jg_jw_arr(w, "flags");
		for (unsigned b = 0; b < 32; b++)
			if (st->flags & (1u << b) && jg_sql_flag_name(1u << b))
				jg_jw_str(w, NULL, jg_sql_flag_name(1u << b));
		jg_jw_end(w, ']');
		jg_jw_str(w, "fingerprint", st->fingerprint);
		jg_jw_end(w, '}');
	}
	jg_jw_end(w, ']');
}

/* params: COM_STMT_EXECUTE's bound values, as the text protocol would show them. */
static void params(struct jg_jw *w, struct pstmt *p, const struct jg_cmd *cmd)
{
	struct jg_binval_param v[256];
	char text[128];

	if (!p->nparams)
		return;
	if (p->nparams > JG_ARRAY_LEN(v) || cmd->head_len != cmd->len ||
	    jg_binval_params(cmd->head, cmd->head_len, p->nparams, p->ptypes, &p->have_types,
	                     (const uint8_t *)&p->long_data, v) != JG_OK) {
		jg_jw_str(w, "params", "(not read: more than 256, or a packet jitgate cannot read)");
		return;
	}
	jg_jw_arr(w, "params");
	for (unsigned i = 0; i < p->nparams; i++) {
		size_t n;

		if (v[i].long_data) {
			jg_jw_obj(w, NULL);
			jg_jw_bool(w, "long_data", 1);
			jg_jw_end(w, '}');
		} else if (v[i].null) {
			jg_jw_null(w, NULL);
		} else if (jg_binval_text(v[i].type, v[i].is_unsigned, v[i].p, v[i].len, text,
		                          sizeof(text), &n) == JG_OK) {
			jg_jw_strn(w, NULL, text, n);
		} else {
			jg_jw_strn(w, NULL, v[i].p, v[i].len);
		}
	}
	jg_jw_end(w, ']');
	p->long_data = 0;                   /* long data is for one execution */
}

/* command_body: the record of a command; ref NULL when it goes to the database. */
static void command_body(struct jg_session *s, const struct jg_cmd *cmd,
                         const struct jg_refusal *ref, uint32_t n)
{
	struct jg_rec_sess *r = s->rec;
	struct jg_jw *w = &r->cmd;
	struct pstmt *p = NULL;

	jg_jw_reset(w);
	jg_jw_obj(w, NULL);
	jg_jw_uint(w, "n", n);
	jg_jw_str(w, "com", jg_com_name(cmd->com) ? jg_com_name(cmd->com) : "COM_UNKNOWN");
	if (cmd->sql) {
		jg_jw_strn(w, "sql", cmd->sql, cmd->sql_len);
		jg_jw_str(w, "database", cmd->state ? cmd->state->db : s->sql.db);
	}
	if (cmd->com >= JG_COM_STMT_EXECUTE && cmd->com <= JG_COM_STMT_FETCH &&
	    cmd->com != JG_COM_STMT_PREPARE) {
		jg_jw_uint(w, "stmt_id", cmd->stmt_id);
		p = find(r, cmd->stmt_id);
		if (p && p->text)
			jg_jw_strn(w, "prepared", p->text, p->len);
		else
			jg_jw_null(w, "prepared");
	}
	if (p && cmd->com == JG_COM_STMT_EXECUTE)
		params(w, p, cmd);
	if (cmd->com == JG_COM_STMT_SEND_LONG_DATA && cmd->head_len >= 7) {
		unsigned i = jg_le16(cmd->head + 5);

		jg_jw_uint(w, "param", i);
		jg_jw_uint(w, "bytes", cmd->len - 7);
		if (p && i < 64)
			p->long_data |= 1ull << i;
	}
	if (cmd->cls)
		statements(w, cmd->cls);
	jg_jw_str(w, "decision", ref ? ref->decision : "allow");
	if (ref) {
		const struct jg_er_def *d = jg_er_def(ref->er);

		jg_jw_str(w, "stage", ref->stage ? ref->stage : "");
		jg_jw_str(w, "rule", ref->rule ? ref->rule : "");
		jg_jw_uint(w, "statement", ref->stmt);
		error_obj(w, d->code, d->sqlstate, ref->msg, strlen(ref->msg));
	}
	jg_jw_end(w, '}');
}

static int record_text(const struct jg_session *s, uint8_t com)
{
	return s->rec && (jg_command_judged(com) || com == JG_COM_STMT_EXECUTE ||
	                  com == JG_COM_STMT_SEND_LONG_DATA);
}

static void told(struct jg_audit_waiter *w, int ok)
{
	struct rwait *x = (struct rwait *)w;

	x->ok = ok;
	jg_worker_post(x->wk, &x->post);
}

static void posted(struct jg_post *p)
{
	struct rwait *x = (struct rwait *)((char *)p - offsetof(struct rwait, post));

	x->pending = 0;
	if (!x->owner) {
		free(x);
		return;
	}
	x->owner->rec->verdict = x->ok ? V_DONE : V_FAILED;
	jg_session_resume(x->owner);
}

/* went: the command goes to the database; its result will be recorded. */
static int went(struct jg_session *s, const struct jg_cmd *cmd)
{
	struct jg_rec_sess *r = s->rec;

	r->verdict = V_NONE;
	r->cur = ++r->n;
	r->t0 = mono_us();
	if (cmd->com == JG_COM_STMT_PREPARE && cmd->sql) {
		free(r->prep);
		r->prep_len = JG_MIN(cmd->sql_len, TEXT_MAX);
		if ((r->prep = malloc(r->prep_len + 1)))
			memcpy(r->prep, cmd->sql, r->prep_len);
	}
	if (cmd->com == JG_COM_STMT_CLOSE) {
		struct pstmt *p = find(r, cmd->stmt_id);

		if (p)
			forget(r, p);
	}
	if (cmd->com == JG_COM_RESET_CONNECTION)
		while (r->nst)
			forget(r, &r->st[r->nst - 1]);
	return JG_STAGE_GO;
}

static int not_recorded(struct jg_session *s, struct jg_refusal *ref)
{
	s->rec->verdict = V_NONE;
	s->rec->cur = 0;
	ref->er = JG_ER_NOT_RECORDED;
	snprintf(ref->msg, sizeof(ref->msg), "jitgate cannot record this command (its audit trail "
	         "cannot be written: see the gateway's log), and [store] audit = strict runs nothing "
	         "unrecorded; nothing of it ran; try again later");
	jg_log(JG_LOG_WARN, "session %u: refused a command: the audit trail cannot be written",
	       s->id);
	return JG_STAGE_REFUSE;
}

static int record_admit(struct jg_session *s, const struct jg_cmd *cmd, struct jg_refusal *ref)
{
	struct jg_rec_sess *r = s->rec;
	struct rwait *x;
	int strict;

	if (!r)
		return JG_STAGE_GO;
	if (r->verdict == V_ASKED)
		return JG_STAGE_WAIT;           /* resumed before the answer: ask again later */
	if (r->verdict == V_DONE)
		return went(s, cmd);
	if (r->verdict == V_FAILED)
		return not_recorded(s, ref);
	strict = jg_audit_mode(s->gw->audit) == JG_AUDIT_STRICT;
	if (strict && !r->wait && (r->wait = calloc(1, sizeof(*r->wait)))) {
		r->wait->w.told = told;
		r->wait->post.fn = posted;
		r->wait->owner = s;
		r->wait->wk = s->wk;
	}
	x = strict ? r->wait : NULL;
	command_body(s, cmd, NULL, r->n + 1);
	if (strict && !x)
		return not_recorded(s, ref);
	if (x)
		x->pending = 1;
	if (put(s, JG_AUDIT_K_COMMAND, r->session, &r->cmd, x ? &x->w : NULL) != JG_OK && x) {
		x->pending = 0;
		return not_recorded(s, ref);
	}
	if (!x)
		return went(s, cmd);
	r->verdict = V_ASKED;
	return JG_STAGE_WAIT;
}

static void record_refused(struct jg_session *s, const struct jg_cmd *cmd,
                           const struct jg_refusal *ref)
{
	struct jg_rec_sess *r = s->rec;

	if (!r)
		return;
	r->verdict = V_NONE;
	r->cur = 0;
	command_body(s, cmd, ref, ++r->n);
	put(s, JG_AUDIT_K_COMMAND, r->session, &r->cmd, NULL);
}

const struct jg_admit_stage jg_admit_record = {
	.name = "record",
	.text = record_text,
	.admit = record_admit,
	.refused = record_refused,
};

/* ---- results ---- */

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
	jg_jw_arr(&r->res, "sets");
	r->set_open = r->rows_on = r->truncated = 0;
	r->kept = 0;
	r->bytes = 0;
	r->ncols = 0;
	switch (com) {
	case JG_COM_QUERY: case JG_COM_STMT_EXECUTE: case JG_COM_PROCESS_INFO:
		return JG_RS_DEFS | JG_RS_END;
	case JG_COM_STMT_FETCH:
		p = find(r, s->cmd.stmt_id);
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
	if (!r->rows_on || !caps_left(s) ||
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

/* keep_columns: an executed statement's columns, for the rows a cursor fetches later. */
static void keep_columns(struct jg_rec_sess *r, uint32_t id)
{
	struct pstmt *p = find(r, id);

	if (!p || !r->ncols)
		return;
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
	jg_jw_int(w, "duration_us", mono_us() - r->t0);
	jg_jw_uint(w, "results", sum->results);
	jg_jw_uint(w, "rows", sum->rows);
	jg_jw_uint(w, "affected", sum->affected_rows);
	jg_jw_uint(w, "insert_id", sum->last_insert_id);
	jg_jw_uint(w, "warnings", sum->warnings);
	if (sum->error)
		error_obj(w, sum->error, sum->sqlstate, sum->error_msg, sum->error_msg_len);
	if (sum->com == JG_COM_STMT_PREPARE && !sum->error) {
		jg_jw_uint(w, "stmt_id", sum->stmt_id);
		jg_jw_uint(w, "params", sum->params);
		remember(r, sum->stmt_id, sum->params);
	}
	if (sum->com == JG_COM_STMT_EXECUTE && !sum->error)
		keep_columns(r, sum->stmt_id);
	jg_jw_bool(w, "truncated", r->truncated);
	jg_jw_end(w, '}');
	put(s, JG_AUDIT_K_RESULT, r->session, w, NULL);
	r->cur = 0;
}

const struct jg_result_stage jg_record_stage = {
	.name = "record",
	.begin = rec_begin,
	.column = rec_column,
	.defs_done = rec_defs_done,
	.row = rec_row,
	.end = rec_end,
};

/* ---- session events ---- */

static void client_address(const struct jg_session *s, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (s->cl.fd >= 0 && getpeername(s->cl.fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
	}
	snprintf(out, cap, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
}

/* who: the identity fields of login and login-refused records. */
static void who(const struct jg_session *s, struct jg_jw *w)
{
	char addr[80];
	const char *g = s->who.groups;

	client_address(s, addr, sizeof(addr));
	jg_jw_str(w, "client", addr);
	jg_jw_str(w, "user", s->hello.user);
	if (!s->who.sub[0])
		return;
	jg_jw_str(w, "iss", s->who.iss);
	jg_jw_str(w, "sub", s->who.sub);
	jg_jw_str(w, "jti", s->who.jti);
	jg_jw_arr(w, "groups");
	while (*g) {
		size_t n = strcspn(g, ",");

		jg_jw_strn(w, NULL, g, n);
		g += n + (g[n] == ',');
	}
	jg_jw_end(w, ']');
}

void jg_record_login(struct jg_session *s)
{
	struct jg_rec_sess *r;

	if (!s->gw->audit || s->rec || !(r = calloc(1, sizeof(*r))))
		return;
	jg_jw_init(&r->res);
	jg_jw_init(&r->cmd);
	r->session = jg_audit_session(s->gw->audit);
	s->rec = r;
	jg_jw_obj(&r->cmd, NULL);
	who(s, &r->cmd);
	jg_jw_str(&r->cmd, "db_user", s->be_user ? s->be_user : "");
	jg_jw_str(&r->cmd, "database", s->hello.db);
	jg_jw_bool(&r->cmd, "tls", s->lc.tls_up);
	jg_jw_str(&r->cmd, "tags", s->hello.tags);
	jg_jw_int(&r->cmd, "expires", s->who.exp);
	jg_jw_uint(&r->cmd, "connection", s->id);
	jg_jw_end(&r->cmd, '}');
	put(s, JG_AUDIT_K_LOGIN, r->session, &r->cmd, NULL);
}

void jg_record_refused(struct jg_session *s, enum jg_er er, const char *msg)
{
	const struct jg_er_def *d = jg_er_def(er);
	struct jg_jw w;

	if (!s->gw->audit || s->rec || s->lb.kill_id)
		return;
	jg_jw_init(&w);
	jg_jw_obj(&w, NULL);
	who(s, &w);
	error_obj(&w, d->code, d->sqlstate, msg, strlen(msg));
	jg_jw_end(&w, '}');
	put(s, JG_AUDIT_K_REFUSED, jg_audit_session(s->gw->audit), &w, NULL);
	jg_jw_free(&w);
}

void jg_record_end(struct jg_session *s)
{
	struct jg_rec_sess *r = s->rec;
	const struct jg_metrics *m = &s->metrics;
	struct jg_jw *w;

	if (!r)
		return;
	w = &r->cmd;
	jg_jw_reset(w);
	jg_jw_obj(w, NULL);
	jg_jw_str(w, "reason", s->end_reason ? s->end_reason :
	          s->cmd.quitting ? "the client quit" : "the connection closed");
	jg_jw_uint(w, "commands", m->commands);
	jg_jw_uint(w, "refused", m->refused);
	jg_jw_uint(w, "rows", m->rows);
	jg_jw_uint(w, "affected", m->affected);
	jg_jw_uint(w, "errors", m->errors);
	jg_jw_end(w, '}');
	put(s, JG_AUDIT_K_END, r->session, w, NULL);
	if (r->wait) {
		if (r->wait->pending)
			r->wait->owner = NULL;  /* posted() frees it */
		else
			free(r->wait);
	}
	while (r->nst)
		forget(r, &r->st[r->nst - 1]);
	free(r->st);
	free(r->prep);
	free(r->types);
	free(r->flags);
	jg_jw_free(&r->res);
	jg_jw_free(&r->cmd);
	free(r);
	s->rec = NULL;
}
