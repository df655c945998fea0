/*
 * admin.c: the admin threads ([credentials] admin_connections, each with its own connection):
 * they take jobs from one queue (a job a session waits for first), run them (users.c), batch
 * the drops of ended sessions' users, and thread 0 runs the reaper every reap_period. The
 * event loop never waits for them: a finished request is handed to the lease's owner through
 * its notify pointer, and admin.c knows nothing else of the owner.
 *
 * Threads: jg_cred_admin_main, do_job and the drop batching run on the admin threads. The
 * queue functions (jg_cred_queue, queue_op, want_refill, retire_pooled, queue_drop) are
 * called from any thread (workers through cred.c, the main thread through start.c) and run
 * under c->mu. See cred_int.h.
 */
#include "cred/cred_int.h"

#include "store/ledger.h"

#include <stdio.h>

/* ---- the queue (under mu, any thread) ----------------------------------------------------- */

void jg_cred_queue(struct jg_cred *c, struct job *j)
{
	/* Drops and refills after a burst of logins would otherwise delay the next login by their
	 * whole backlog. */
	int urgent = j->op == OP_CREATE || j->op == OP_ONESHOT;
	struct job **head = urgent ? &c->uhead : &c->head, **tail = urgent ? &c->utail : &c->tail;

	j->next = NULL;
	if (*tail)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
	pthread_cond_signal(&c->cv);
}

/* dequeue: under mu; NULL when there is nothing to do. */
static struct job *dequeue(struct jg_cred *c)
{
	struct job *j;

	if ((j = c->uhead)) {
		if (!(c->uhead = j->next))
			c->utail = NULL;
	} else if ((j = c->head)) {
		if (!(c->head = j->next))
			c->tail = NULL;
	}
	return j;
}

int jg_cred_queue_op(struct jg_cred *c, int op, struct jg_lease *l, struct jg_crole *r)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return JG_ERR_NOMEM;
	j->op = op;
	j->l = l;
	j->r = r;
	jg_cred_queue(c, j);
	return JG_OK;
}

void jg_cred_want_refill(struct jg_cred *c, struct jg_crole *r)
{
	int want = c->cfg->cred_pool, have = r->npool + r->filling;
	struct job *j;

	if (r->account[0] || !r->active || c->stop || have > want / 2 || have >= want)
		return;
	if (!(j = calloc(1, sizeof(*j))))
		return;
	j->op = OP_REFILL;
	j->r = r;
	j->n = JG_MIN(want - have, POOL_BATCH);
	r->filling += j->n;
	jg_cred_queue(c, j);
}

int jg_cred_retire_pooled(struct jg_cred *c, struct jg_crole *r, struct pooled **pp)
{
	struct pooled *p = *pp;
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return 0;
	*pp = p->next;
	r->npool--;
	j->op = OP_DROP_POOLED;
	j->r = r;
	j->p = p;
	jg_cred_queue(c, j);
	return 1;
}

void jg_cred_queue_drop(struct jg_cred *c, struct jg_lease *l)
{
	pthread_mutex_lock(&c->mu);
	if (strcmp(l->reason, JG_CRED_ENDED) == 0) {
		/* Its connection is closed and nobody else knows its password: it can wait a moment
		 * for others to be dropped by the same statement. */
		if (!c->drops)
			c->drops_since = jg_cred_now_ms();
		l->next = c->drops;
		c->drops = l;
		if (++c->ndrops == 1 || c->ndrops >= DROP_BATCH)
			pthread_cond_broadcast(&c->cv);
	} else if (jg_cred_queue_op(c, OP_DROP, l, NULL) != JG_OK) {
		jg_log(JG_LOG_ERR, "credentials: out of memory; user %s is left to the reaper",
		       l->user);
		jg_cred_lease_free(l);
	}
	pthread_mutex_unlock(&c->mu);
}

/* ---- drops of ended sessions' users (admin threads) ---------------------------------------- */

/* take_delayed: up to cap users of ended sessions waiting to be dropped. Under mu. */
static int take_delayed(struct jg_cred *c, struct jg_lease **out, int cap)
{
	int n = 0;

	while (c->drops && n < cap) {
		out[n++] = c->drops;
		c->drops = c->drops->next;
		c->ndrops--;
	}
	c->drops_since = jg_cred_now_ms();
	return n;
}

/* drop_batch: drops the users of leases l[0..n) in one statement and frees the leases. */
static void drop_batch(struct admin *a, struct jg_lease **l, int n)
{
	const char *u[DROP_BATCH] = { 0 }, *h[DROP_BATCH] = { 0 }, *why[DROP_BATCH] = { 0 };
	char err[512];
	int rc;

	if (n <= 0)
		return;
	for (int i = 0; i < n; i++) {
		u[i] = l[i]->user;
		h[i] = l[i]->host;
		why[i] = l[i]->reason;
	}
	rc = jg_cred_drop_users(a, n, u, h, why, err, sizeof(err));
	for (int i = 0; i < n; i++) {
		if (rc == JG_OK)
			jg_log(JG_LOG_INFO, "credentials: user %s dropped (%s)", u[i], why[i]);
		else
			jg_log(JG_LOG_ERR, "credentials: user %s not dropped yet (%s); the reaper "
			       "retries: %s", u[i], why[i], err);
		jg_cred_lease_free(l[i]);
	}
}

/* take_drops: first, then the other drops waiting in the background queue (at most cap in
 * all), so that one statement drops them all. */
static int take_drops(struct jg_cred *c, struct jg_lease *first, struct jg_lease **out, int cap)
{
	struct job **pj, *j;
	int n = 0;

	out[n++] = first;
	pthread_mutex_lock(&c->mu);
	for (pj = &c->head; (j = *pj) && n < cap;) {
		if (j->op != OP_DROP) {
			pj = &j->next;
			continue;
		}
		*pj = j->next;
		out[n++] = j->l;
		free(j);
	}
	for (c->tail = c->head; c->tail && c->tail->next; c->tail = c->tail->next)
		;
	n += take_delayed(c, out + n, cap - n);
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* ---- jobs (admin threads) ------------------------------------------------------------------ */

/* renew_pools: every reap_period (thread 0): ready users older than POOL_MAX_AGE are replaced. */
static void renew_pools(struct jg_cred *c)
{
	int64_t now = jg_cred_now_s();

	pthread_mutex_lock(&c->mu);
	for (struct jg_crole *r = c->roles; r; r = r->next) {
		struct pooled **pp = &r->pool;

		while (*pp)
			if ((*pp)->created > now - POOL_MAX_AGE || !jg_cred_retire_pooled(c, r, pp))
				pp = &(*pp)->next;
		jg_cred_want_refill(c, r);
	}
	pthread_mutex_unlock(&c->mu);
}

/* job_create: a user made for a lease that waits (busy); its owner is told through notify,
 * after which the lease is the owner's again and is not touched here. */
static void job_create(struct admin *a, struct job *j)
{
	struct jg_cred *c = a->c;
	struct jg_lease *l = j->l;
	char err[512];
	int rc;

	rc = jg_cred_create_user(a, j->op == OP_CREATE ? j->r : NULL,
	                         j->op == OP_CREATE ? "session" : "oneshot", l, l->user,
	                         sizeof(l->user), l->password, err, sizeof(err));
	l->rc = rc;
	if (rc == JG_OK) {
		snprintf(l->host, sizeof(l->host), "%s", c->host);
		jg_log(JG_LOG_INFO, "credentials: user %s made for session %u (role %s)", l->user,
		       l->session, l->role);
	} else {
		l->user[0] = '\0';
		snprintf(l->why, sizeof(l->why), "jitgate could not make a database user for role "
		         "%s: %.300s", l->role, err);
		jg_log(JG_LOG_ERR, "credentials: %s", l->why);
	}
	l->notify(l);
}

/* job_refill: j->n ready users for j->r, kept when the role is still in force. */
static void job_refill(struct admin *a, struct job *j)
{
	struct jg_cred *c = a->c;
	struct pooled *p[POOL_BATCH];
	char err[512];
	int n = 0, made = 0, keep;

	while (n < j->n && n < POOL_BATCH && (p[n] = calloc(1, sizeof(*p[n]))))
		n++;
	made = n ? jg_cred_make_pool_users(a, j->r, p, n, err, sizeof(err)) : 0;
	pthread_mutex_lock(&c->mu);
	j->r->filling -= j->n;
	keep = j->r->active && !c->stop ? made : 0;
	for (int i = 0; i < keep; i++) {
		p[i]->next = j->r->pool;
		j->r->pool = p[i];
		j->r->npool++;
	}
	pthread_mutex_unlock(&c->mu);
	if (made < j->n)
		jg_log(JG_LOG_WARN, "credentials: no ready user for role %s: %s", j->r->name,
		       n < j->n ? "out of memory" : err);
	for (int i = keep; i < made; i++)
		jg_cred_drop_user(a, p[i]->user, c->host, "role left the policy", err, sizeof(err));
	for (int i = keep; i < n; i++) {
		explicit_bzero(p[i], sizeof(*p[i]));
		free(p[i]);
	}
}

static void do_job(struct admin *a, struct job *j)
{
	struct jg_cred *c = a->c;
	char err[512];

	switch (j->op) {
	case OP_CREATE:
	case OP_ONESHOT:
		job_create(a, j);
		break;
	case OP_REFILL:
		job_refill(a, j);
		break;
	case OP_CLAIM:
		jg_ledger_claim(c->ledger, j->user, c->host, j->sub, j->session, j->expires,
		                jg_cred_now_s());
		break;
	case OP_DROP: {
		struct jg_lease *batch[DROP_BATCH];

		drop_batch(a, batch, take_drops(c, j->l, batch, DROP_BATCH));
		break;
	}
	case OP_DROP_POOLED:
		if (jg_cred_drop_user(a, j->p->user, c->host, j->r->active ? "replaced" :
		                      "role left the policy", err, sizeof(err)) != JG_OK)
			jg_log(JG_LOG_ERR, "credentials: user %s not dropped yet; the reaper retries: %s",
			       j->p->user, err);
		explicit_bzero(j->p, sizeof(*j->p));
		free(j->p);
		break;
	case OP_SYNC:
		if (jg_cred_sync_role(a, j->r, err, sizeof(err)) != JG_OK)
			jg_log(JG_LOG_ERR, "credentials: database role for role %s not made: %s",
			       j->r->name, err);
		break;
	}
	free(j);
}

/* ---- the thread ------------------------------------------------------------------------------ */

/* wait_for_work: under mu; sleeps until a job, the next drop batch or (thread 0) the next reap
 * is due. */
static void wait_for_work(struct admin *a)
{
	struct jg_cred *c = a->c;
	int64_t wake = INT64_MAX;
	struct timespec ts;

	if (a->idx == 0)
		wake = c->next_reap * 1000;
	if (c->ndrops)
		wake = JG_MIN(wake, c->drops_since + DROP_DELAY_MS);
	if (wake == INT64_MAX) {
		pthread_cond_wait(&c->cv, &c->mu);
	} else {
		ts.tv_sec = (time_t)(wake / 1000);
		ts.tv_nsec = (long)(wake % 1000) * 1000000;
		pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	}
}

void *jg_cred_admin_main(void *arg)
{
	struct admin *a = arg;
	struct jg_cred *c = a->c;
	struct job *j;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		if (a->idx == 0 && !c->stop && jg_cred_now_s() >= c->next_reap) {
			c->next_reap = jg_cred_now_s() + c->cfg->cred_reap_period;
			pthread_mutex_unlock(&c->mu);
			jg_cred_reap_tick(a);
			renew_pools(c);
			pthread_mutex_lock(&c->mu);
			continue;
		}
		if (!(j = dequeue(c))) {
			if (c->ndrops && (c->ndrops >= DROP_BATCH || c->stop ||
			                  jg_cred_now_ms() >= c->drops_since + DROP_DELAY_MS)) {
				struct jg_lease *batch[DROP_BATCH];
				int n = take_delayed(c, batch, DROP_BATCH);

				pthread_mutex_unlock(&c->mu);
				drop_batch(a, batch, n);
				pthread_mutex_lock(&c->mu);
				continue;
			}
			if (c->stop)
				break;
			wait_for_work(a);
			continue;
		}
		pthread_mutex_unlock(&c->mu);
		do_job(a, j);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}
