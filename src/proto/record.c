/* record.c: session recording's admission stage and session events; see record.h and
 * docs/audit.md. The result stage is record_result.c, the state record_state.c. */
#include "proto/record.h"

#include "audit/audit.h"
#include "audit/binval.h"
#include "audit/refusals.h"
#include "gw/gateway.h"
#include "policy/policy.h"
#include "proto/command.h"
#include "proto/record-t.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

/* long_data_cap: the bytes of one COM_STMT_SEND_LONG_DATA chunk recorded: a result's cap, and
 * what is left of the session's (audit_result_bytes, audit_session_bytes). */
static size_t long_data_cap(const struct jg_session *s)
{
	const struct jg_config *c = s->gw->cfg;
	size_t used = JG_MIN(s->rec->session_bytes, (size_t)c->store_audit_session_bytes);

	return JG_MIN((size_t)c->store_audit_result_bytes, (size_t)c->store_audit_session_bytes - used);
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
	if (jg_com_name(cmd->com)) {
		jg_jw_str(w, "com", jg_com_name(cmd->com));
	} else {                            /* a byte that is no command (refused) */
		char name[16];

		snprintf(name, sizeof(name), "0x%02x", cmd->com);
		jg_jw_str(w, "com", name);
	}
	if (cmd->sql) {
		char tags[512];

		jg_jw_strn(w, "sql", cmd->sql, cmd->sql_len);
		jg_jw_str(w, "database", cmd->state ? cmd->state->db : s->sql.db);
		jg_policy_tags_from_sql(cmd->sql, cmd->sql_len, tags, sizeof(tags));
		if (tags[0])
			jg_jw_str(w, "tags", tags);
	}
	if (cmd->com >= JG_COM_STMT_EXECUTE && cmd->com <= JG_COM_STMT_FETCH &&
	    cmd->com != JG_COM_STMT_PREPARE) {
		jg_jw_uint(w, "stmt_id", cmd->stmt_id);
		p = jg_rec_find(r, cmd->stmt_id);
		if (p && p->text)
			jg_jw_strn(w, "prepared", p->text, p->len);
		else
			jg_jw_null(w, "prepared");
	}
	if (p && cmd->com == JG_COM_STMT_EXECUTE)
		params(w, p, cmd);
	if (cmd->com == JG_COM_STMT_SEND_LONG_DATA && cmd->head_len >= 7) {
		unsigned i = jg_le16(cmd->head + 5);
		size_t kept = JG_MIN(JG_MIN(cmd->head_len, cmd->len) - 7, long_data_cap(s));

		jg_jw_uint(w, "param", i);
		jg_jw_uint(w, "bytes", cmd->len - 7);
		jg_jw_strn(w, "data", cmd->head + 7, kept);
		if (kept < cmd->len - 7)
			jg_jw_bool(w, "data_truncated", 1);
		r->session_bytes += kept;
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
		jg_rec_error(w, d->code, d->sqlstate, ref->msg, strlen(ref->msg));
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
	r->t0 = jg_rec_now_us();
	if (cmd->com == JG_COM_STMT_PREPARE && cmd->sql) {
		free(r->prep);
		r->prep_len = JG_MIN(cmd->sql_len, TEXT_MAX);
		if ((r->prep = malloc(r->prep_len + 1)))
			memcpy(r->prep, cmd->sql, r->prep_len);
	}
	if (cmd->com == JG_COM_STMT_CLOSE) {
		struct pstmt *p = jg_rec_find(r, cmd->stmt_id);

		if (p)
			jg_rec_forget(r, p);
	}
	if (cmd->com == JG_COM_RESET_CONNECTION)
		while (r->nst)
			jg_rec_forget(r, &r->st[r->nst - 1]);
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
	int strict, rc;

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
	jg_rec_unhold(s);               /* the command before had no response */
	command_body(s, cmd, NULL, r->n + 1);
	if (!strict && cmd->com != JG_COM_STMT_CLOSE && cmd->com != JG_COM_STMT_SEND_LONG_DATA &&
	    cmd->com != JG_COM_QUIT) {
		/* batched: the record waits for the result, to be one record with it (half the
		 * writer's inserts); the session's end or its next command sends it alone */
		r->held = 1;
		r->held_n = r->n + 1;
		r->held_time = jg_audit_now_us();
		return went(s, cmd);
	}
	if (strict && !x)
		return not_recorded(s, ref);
	if (x)
		x->pending = 1;         /* before the hand-over: the writer may answer at once */
	rc = jg_rec_put(s, JG_AUDIT_K_COMMAND, r->session, &r->cmd, x ? &x->w : NULL, 0);
	if (rc == JG_WAIT) {            /* strict, without the journal: after the commit */
		r->verdict = V_ASKED;
		return JG_STAGE_WAIT;
	}
	if (x)
		x->pending = 0;
	if (rc != JG_OK && x)
		return not_recorded(s, ref);
	return went(s, cmd);            /* batched, or strict and in the journal already */
}

static void record_refused(struct jg_session *s, const struct jg_cmd *cmd,
                           const struct jg_refusal *ref)
{
	struct jg_rec_sess *r = s->rec;

	if (!r)
		return;
	r->verdict = V_NONE;
	r->cur = 0;
	jg_rec_unhold(s);
	command_body(s, cmd, ref, ++r->n);
	jg_rec_put(s, JG_AUDIT_K_COMMAND, r->session, &r->cmd, NULL, 0);
}

/* ---- session events ---- */

/* peer: the client's address (AF_UNSPEC when it is not known). */
static void peer(const struct jg_session *s, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);

	memset(ss, 0, sizeof(*ss));
	if (s->cl.fd < 0 || getpeername(s->cl.fd, (struct sockaddr *)ss, &len) != 0)
		ss->ss_family = AF_UNSPEC;
}

static void client_address(const struct jg_session *s, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	peer(s, &ss);
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
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

/* attrs: the client's connection attributes as [name, value] pairs (its word, not checked). */
static void attrs(const struct jg_session *s, struct jg_jw *w)
{
	struct jg_rd r;
	const uint8_t *k, *v;
	size_t klen, vlen;

	jg_jw_arr(w, "attrs");
	jg_rd_init(&r, s->hello.attrs, s->hello.attrs_len);
	while (jg_rd_left(&r) > 0 && (k = jg_rd_lenenc_str(&r, &klen)) &&
	       (v = jg_rd_lenenc_str(&r, &vlen))) {
		jg_jw_arr(w, NULL);
		jg_jw_strn(w, NULL, k, klen);
		jg_jw_strn(w, NULL, v, vlen);
		jg_jw_end(w, ']');
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
	attrs(s, &r->cmd);
	jg_jw_int(&r->cmd, "expires", s->who.exp);
	jg_jw_uint(&r->cmd, "connection", s->id);
	jg_jw_end(&r->cmd, '}');
	jg_rec_put(s, JG_AUDIT_K_LOGIN, r->session, &r->cmd, NULL, 0);
}

static void record_refused_login(struct jg_session *s, enum jg_er er, const char *msg)
{
	const struct jg_er_def *d = jg_er_def(er);
	struct jg_jw w;

	if (!s->gw->audit || s->rec || s->lb.kill_id)
		return;
	if (s->gw->refusals) {             /* an address refused again and again is counted */
		struct sockaddr_storage ss;
		struct jg_refusal_count prior;

		peer(s, &ss);
		if (!jg_refusals_take(s->gw->refusals, &ss, jg_rec_now_us(), jg_audit_now_us(), &prior))
			return;
		if (prior.n)
			jg_refusals_record(s->gw->audit, &prior);
	}
	jg_jw_init(&w);
	jg_jw_obj(&w, NULL);
	who(s, &w);
	jg_rec_error(&w, d->code, d->sqlstate, msg, strlen(msg));
	jg_jw_end(&w, '}');
	jg_rec_put(s, JG_AUDIT_K_REFUSED, jg_audit_session(s->gw->audit), &w, NULL, 0);
	jg_jw_free(&w);
}

static void record_end(struct jg_session *s)
{
	struct jg_rec_sess *r = s->rec;
	const struct jg_metrics *m = &s->metrics;
	struct jg_jw *w;

	if (!r)
		return;
	jg_rec_unhold(s);               /* a command whose response never came */
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
	jg_rec_put(s, JG_AUDIT_K_END, r->session, w, NULL, 0);
	jg_rec_free(s);
}

const struct jg_admit_stage jg_admit_record = {
	.name = "record",
	.text = record_text,
	.admit = record_admit,
	.refused = record_refused,
	.logged_in = jg_record_login,
	.login_refused = record_refused_login,
	.ended = record_end,
};
