/* record_state.c: recording's per-session state and its hand-over to the audit writer; see
 * record-t.h. */
#include "proto/record-t.h"

#include "audit/audit.h"
#include "gw/gateway.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t jg_rec_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int jg_rec_put(struct jg_session *s, const char *kind, uint64_t session, struct jg_jw *jw,
               struct jg_audit_waiter *w, int64_t time_us)
{
	size_t len;
	const char *body = jg_jw_done(jw, &len);

	if (!body)
		return JG_ERR_NOMEM;
	return jg_audit_put(s->gw->audit, kind, session, time_us ? time_us : jg_audit_now_us(), body,
	                    len, w);
}

void jg_rec_unhold(struct jg_session *s)
{
	struct jg_rec_sess *r = s->rec;

	if (!r || !r->held)
		return;
	r->held = 0;
	jg_rec_put(s, JG_AUDIT_K_COMMAND, r->session, &r->cmd, NULL, r->held_time);
}

void jg_rec_error(struct jg_jw *w, uint16_t code, const char *sqlstate, const void *msg,
                  size_t len)
{
	jg_jw_obj(w, "error");
	jg_jw_uint(w, "code", code);
	jg_jw_str(w, "sqlstate", sqlstate);
	jg_jw_strn(w, "message", msg, len);
	jg_jw_end(w, '}');
}

/* ---- prepared statements ---- */

struct pstmt *jg_rec_find(struct jg_rec_sess *r, uint32_t id)
{
	for (unsigned i = 0; i < r->nst; i++)
		if (r->st[i].id == id)
			return &r->st[i];
	return NULL;
}

void jg_rec_forget(struct jg_rec_sess *r, struct pstmt *p)
{
	free(p->text);
	free(p->ptypes);
	free(p->ctypes);
	free(p->cflags);
	*p = r->st[--r->nst];
}

void jg_rec_remember(struct jg_rec_sess *r, uint32_t id, uint16_t nparams)
{
	struct pstmt *p;

	if ((p = jg_rec_find(r, id)))
		jg_rec_forget(r, p);
	if (r->nst == STMTS_MAX)
		jg_rec_forget(r, &r->st[0]);           /* the execute's record then says "prepared": null */
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

void jg_rec_free(struct jg_session *s)
{
	struct jg_rec_sess *r = s->rec;

	if (r->wait) {
		if (r->wait->pending)
			r->wait->owner = NULL;  /* posted() frees it */
		else
			free(r->wait);
	}
	while (r->nst)
		jg_rec_forget(r, &r->st[r->nst - 1]);
	free(r->st);
	free(r->prep);
	free(r->types);
	free(r->flags);
	jg_jw_free(&r->res);
	jg_jw_free(&r->cmd);
	free(r);
	s->rec = NULL;
}
