/* core.c: the session core that every part of a session uses; see session.h. */
#include "proto/session.h"

#include "cred/cred.h"
#include "gw/gateway.h"
#include "policy/policy.h"
#include "proto/mask.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void jg_session_init(struct jg_session *s, struct jg_gateway *gw, struct jg_worker *wk)
{
	memset(s, 0, sizeof(*s));
	s->gw = gw;
	s->wk = wk;
	s->cl.fd = -1;
	s->be.fd = -1;
	s->cl_ev.fd = -1;
	s->be_ev.fd = -1;
	s->id = atomic_fetch_add(&gw->next_conn_id, 1) + 1;
}

size_t jg_session_statement_limit(const struct jg_session *s)
{
	uint64_t n = s->gw->cfg->limit_statement;

	if (!n)
		n = s->lb.max_packet ? s->lb.max_packet : 16u << 20;
	return (size_t)JG_MIN(n, (uint64_t)JG_LIMIT_MAX);
}

int jg_session_multi_statements(const struct jg_session *s)
{
	const struct jg_policy *pol = atomic_load(&s->gw->policy);

	return !pol || jg_policy_multi_statements(pol, s->hello.user);
}

const char *jg_printable(const char *s, char *out, size_t cap)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < cap; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'') ? s[i] : '?';
	out[i] = '\0';
	return out;
}

void jg_session_release_cred(struct jg_session *s, const char *reason)
{
	if (!s->lease)
		return;
	jg_cred_release(s->lease, reason);
	s->lease = NULL;
	s->be_user = s->be_pass = NULL;
}

void jg_session_close(struct jg_session *s)
{
	const struct jg_metrics *m = &s->metrics;

	if (s->phase == JG_PH_DEAD)
		return;
	if (m->commands || m->refused)
		jg_log(JG_LOG_INFO, "session %u: ended after %llu commands (%llu refused): %llu results, "
		       "%llu rows, %llu affected, %llu warnings, %llu errors", s->id,
		       (unsigned long long)m->commands, (unsigned long long)m->refused,
		       (unsigned long long)m->results, (unsigned long long)m->rows,
		       (unsigned long long)m->affected, (unsigned long long)m->warnings,
		       (unsigned long long)m->errors);
	for (unsigned i = 0; i < JG_ADMIT_SLOTS; i++)
		if (s->admit[i] && s->admit[i]->ended)
			s->admit[i]->ended(s);
	jg_session_release_cred(s, s->end_reason ? s->end_reason : JG_CRED_ENDED);
	jg_conn_close(&s->cl);
	jg_conn_close(&s->be);
	jg_dir_release(s->wk, &s->c2b, 1);
	jg_dir_release(s->wk, &s->b2c, 1);
	s->c2b.side = s->b2c.side = NULL;
	jg_stagebuf_release(&s->cmd.stmt);
	jg_stagebuf_release(&s->res.pkt);
	jg_stagebuf_release(&s->res.alt);
	jg_stagebuf_release(&s->res.out);
	jg_mask_free(s);
	s->phase = JG_PH_DEAD;
}

void jg_session_logged_in(struct jg_session *s)
{
	for (unsigned i = 0; i < JG_ADMIT_SLOTS; i++)
		if (s->admit[i] && s->admit[i]->logged_in)
			s->admit[i]->logged_in(s);
}

void jg_session_fail(struct jg_session *s, const char *why)
{
	jg_log(JG_LOG_INFO, "session %u: closed: %s", s->id, why);
	jg_session_close(s);
}

void jg_session_refuse(struct jg_session *s, enum jg_er e, const char *fmt, ...)
{
	const struct jg_er_def *d = jg_er_def(e);
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jg_log(JG_LOG_INFO, "session %u: refused (%u %s): %s", s->id, d->code, d->sqlstate, msg);
	for (unsigned i = 0; i < JG_ADMIT_SLOTS && s->phase < JG_PH_COMMAND; i++)
		if (s->admit[i] && s->admit[i]->login_refused)
			s->admit[i]->login_refused(s, e, msg);
	/* A refused session never logs in: its database user (or the one on its way) goes now. */
	jg_session_release_cred(s, s->end_reason ? s->end_reason : JG_CRED_ENDED);
	if (s->cl.fd < 0) {
		jg_session_close(s);
		return;
	}
	jg_out_er(&s->cout, s->cl_seq, e, msg);
	jg_conn_close(&s->be);
	s->phase = JG_PH_DRAIN;
	s->deadline_ms = jg_now_ms() + 2000;
}
