/*
 * cred.c: the lease API (see cred.h) and the policy's roles. Threads: every lease function
 * runs on the lease owner's thread (a worker, or a tool's only thread for the _now forms) and
 * queues what blocks for the admin threads (admin.c); jg_cred_set_policy runs on the main
 * thread at start and on worker 0 at a reload. Shared state is taken under c->mu; a lease's
 * busy and orphan marks are the owner's thread's alone. See cred_int.h.
 */
#include "cred/cred_int.h"

#include "policy/policy.h"

#include <stdio.h>

/* ---- policy roles ------------------------------------------------------------------------ */

static const struct jg_account *find_account(const struct jg_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	return NULL;
}

/* free_role: a role that was never published. */
static void free_role(struct jg_crole *r)
{
	free(r->grants);
	pthread_mutex_destroy(&r->sync_mu);
	free(r);
}

/* new_role: the i-th role of pol as the database will know it: its account, or its grants
 * and the name of its database role (a digest of them). JG_OK with *out, or an error. */
static int new_role(struct jg_cred *c, const struct jg_policy *pol, unsigned i,
                    struct jg_crole **out, char *err, size_t errlen)
{
	const char *inst = c->cfg->cred_instance;
	struct jg_policy_role pr;
	struct jg_crole *r;
	br_sha256_context h;
	uint8_t d[32];

	jg_policy_role_at(pol, i, &pr);
	if (!(*out = r = calloc(1, sizeof(*r))))
		return JG_ERR_NOMEM;
	pthread_mutex_init(&r->sync_mu, NULL);
	snprintf(r->name, sizeof(r->name), "%s", pr.name);
	r->ttl = pr.ttl;
	r->max_connections = pr.max_connections;
	if (pr.account && pr.account[0]) {
		const struct jg_account *acc = find_account(c->cfg, pr.account);

		if (!acc) {
			snprintf(err, errlen, "role %s uses account %s, which has no password in "
			         "[accounts] of the configuration", pr.name, pr.account);
			return JG_ERR_CONFIG;
		}
		snprintf(r->account, sizeof(r->account), "%s", acc->name);
		r->account_pw = acc->password;
		return (r->grants = calloc(1, 1)) ? JG_OK : JG_ERR_NOMEM;
	}
	if (!(r->grants = jg_cred_role_grants(pol, &pr))) {
		snprintf(err, errlen, "role %s: a grant names something that cannot be quoted "
		         "safely", pr.name);
		return JG_ERR_CONFIG;
	}
	br_sha256_init(&h);
	br_sha256_update(&h, r->name, strlen(r->name) + 1);
	br_sha256_update(&h, r->grants, strlen(r->grants));
	br_sha256_out(&h, d);
	if (jg_cred_role_name(r->db_role, sizeof(r->db_role), inst, strlen(inst), r->name,
	                      strlen(r->name), d) < 0) {
		snprintf(err, errlen, "role %s: no database role name can be made", pr.name);
		return JG_ERR_CONFIG;
	}
	return JG_OK;
}

/* publish: the roles of fresh become the ones in force. Under mu. A role unchanged since the
 * last policy keeps its database role and its pool; ready users of roles that left the policy
 * are dropped, the others topped up. */
static void publish(struct jg_cred *c, struct jg_crole *fresh)
{
	struct jg_crole *r, *nx, *o;

	for (o = c->roles; o; o = o->next)
		o->active = 0;
	for (r = fresh; r; r = nx) {
		nx = r->next;
		for (o = c->roles; o; o = o->next)
			if (strcmp(o->name, r->name) == 0 && strcmp(o->db_role, r->db_role) == 0 &&
			    strcmp(o->account, r->account) == 0 && strcmp(o->grants, r->grants) == 0)
				break;
		if (o) {
			o->active = 1;
			o->account_pw = r->account_pw;
			o->ttl = r->ttl;
			o->max_connections = r->max_connections;
			free_role(r);
			continue;
		}
		r->active = 1;
		r->next = c->roles;
		c->roles = r;
		if (!r->account[0] && !c->reap_only)
			jg_cred_queue_op(c, OP_SYNC, NULL, r);
	}
	for (r = c->roles; r; r = r->next) {
		while (!r->active && r->pool && jg_cred_retire_pooled(c, r, &r->pool))
			;
		if (!c->reap_only)
			jg_cred_want_refill(c, r);
	}
}

int jg_cred_set_policy(struct jg_cred *c, const struct jg_policy *pol, char *err, size_t errlen)
{
	struct jg_crole *fresh = NULL, *r, *nx;
	int rc = JG_OK;

	/* Build outside the lock; match against the roles already known after. */
	for (unsigned i = 0; i < pol->nroles && rc == JG_OK; i++) {
		r = NULL;
		rc = new_role(c, pol, i, &r, err, errlen);
		if (r) {
			r->next = fresh;
			fresh = r;
		}
	}
	if (rc != JG_OK) {
		for (r = fresh; r; r = nx) {
			nx = r->next;
			free_role(r);
		}
		if (rc == JG_ERR_NOMEM)
			snprintf(err, errlen, "out of memory");
		return rc;
	}
	pthread_mutex_lock(&c->mu);
	publish(c, fresh);
	pthread_mutex_unlock(&c->mu);
	return JG_OK;
}

/* ---- leases (the owner's thread) ------------------------------------------------------------ */

struct jg_lease *jg_cred_lease_new(struct jg_cred *c, const char *role, const char *sub,
                                   uint32_t session, int64_t expires)
{
	struct jg_lease *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->cred = c;
	snprintf(l->role, sizeof(l->role), "%s", role);
	snprintf(l->sub, sizeof(l->sub), "%s", sub);
	l->session = session;
	l->expires = expires;
	return l;
}

/* count: l on r's list of live sessions, or JG_ERR_AUTH (l->why) when its subject has
 * max_connections already. Under mu. */
static int count(struct jg_crole *r, struct jg_lease *l)
{
	if (r->max_connections) {
		unsigned n = 0;

		for (struct jg_lease *o = r->leases; o; o = o->rnext)
			n += strcmp(o->sub, l->sub) == 0;
		if (n >= r->max_connections) {
			snprintf(l->why, sizeof(l->why), "%s already has %u sessions in role %s, its "
			         "max_connections; close one first", l->sub, n, r->name);
			return JG_ERR_AUTH;
		}
	}
	l->crole = r;
	l->rnext = r->leases;
	if (r->leases)
		r->leases->rprev = l;
	r->leases = l;
	l->counted = 1;
	return JG_OK;
}

/* uncount: off the role's list of live sessions. Under mu. */
static void uncount(struct jg_lease *l)
{
	if (!l->counted)
		return;
	if (l->rprev)
		l->rprev->rnext = l->rnext;
	else
		l->crole->leases = l->rnext;
	if (l->rnext)
		l->rnext->rprev = l->rprev;
	l->counted = 0;
}

/* take_pooled: a ready user of r for l, if there is one; its ledger row is claimed in the
 * background. Under mu. */
static int take_pooled(struct jg_cred *c, struct jg_crole *r, struct jg_lease *l)
{
	struct pooled *p = r->pool;
	struct job *j;

	if (!p || !(j = calloc(1, sizeof(*j))))
		return 0;
	r->pool = p->next;
	r->npool--;
	snprintf(l->user, sizeof(l->user), "%s", p->user);
	snprintf(l->host, sizeof(l->host), "%s", c->host);
	memcpy(l->password, p->password, sizeof(l->password));
	explicit_bzero(p, sizeof(*p));
	free(p);
	j->op = OP_CLAIM;
	snprintf(j->user, sizeof(j->user), "%s", l->user);
	snprintf(j->sub, sizeof(j->sub), "%s", l->sub);
	j->session = l->session;
	j->expires = l->expires;
	jg_cred_queue(c, j);
	jg_cred_want_refill(c, r);
	return 1;
}

int jg_cred_acquire(struct jg_lease *l)
{
	struct jg_cred *c = l->cred;
	struct jg_crole *r;
	int rc = JG_OK;

	pthread_mutex_lock(&c->mu);
	for (r = c->roles; r && !(r->active && strcmp(r->name, l->role) == 0); r = r->next)
		;
	if (!r) {
		snprintf(l->why, sizeof(l->why), "role %s has no database credentials in the policy "
		         "in force; reconnect", l->role);
		rc = JG_ERR_CONFIG;
		goto out;
	}
	if ((rc = count(r, l)) != JG_OK)
		goto out;
	if (r->ttl && l->expires > jg_cred_now_s() + (int64_t)r->ttl)
		l->expires = jg_cred_now_s() + (int64_t)r->ttl;
	if (r->account[0]) {
		l->account = 1;
		snprintf(l->user, sizeof(l->user), "%s", r->account);
		snprintf(l->password, sizeof(l->password), "%s", r->account_pw);
		goto out;
	}
	if (take_pooled(c, r, l))
		goto out;
	if (jg_cred_queue_op(c, OP_CREATE, l, r) != JG_OK) {
		snprintf(l->why, sizeof(l->why), "jitgate is out of memory");
		rc = JG_ERR_NOMEM;
		goto out;
	}
	l->busy = 1;
	rc = JG_WAIT;
	jg_cred_want_refill(c, r);
out:
	if (rc != JG_WAIT)
		l->rc = rc;
	pthread_mutex_unlock(&c->mu);
	return rc;
}

int jg_cred_oneshot(struct jg_lease *l)
{
	struct jg_cred *c = l->cred;
	int rc;

	pthread_mutex_lock(&c->mu);
	rc = jg_cred_queue_op(c, OP_ONESHOT, l, NULL);
	if (rc == JG_OK)
		l->busy = 1;
	pthread_mutex_unlock(&c->mu);
	if (rc != JG_OK) {
		snprintf(l->why, sizeof(l->why), "jitgate is out of memory");
		return rc;
	}
	return JG_WAIT;
}

int jg_cred_settle(struct jg_lease *l)
{
	l->busy = 0;
	if (l->orphan) {
		jg_cred_release(l, "session ended before its user was ready");
		return JG_ERR_CLOSED;
	}
	return JG_OK;
}

void jg_cred_release(struct jg_lease *l, const char *reason)
{
	struct jg_cred *c = l->cred;

	if (l->busy) {                  /* the answer is on its way: settle drops it */
		l->orphan = 1;
		return;
	}
	pthread_mutex_lock(&c->mu);
	uncount(l);
	pthread_mutex_unlock(&c->mu);
	if (l->account || !l->user[0] || l->rc != JG_OK) {
		jg_cred_lease_free(l);
		return;
	}
	snprintf(l->reason, sizeof(l->reason), "%s", reason);
	explicit_bzero(l->password, sizeof(l->password));
	jg_cred_queue_drop(c, l);
}

/* ---- blocking forms for tools (their only thread; admins[0], no admin thread) ------------ */

int jg_cred_oneshot_now(struct jg_lease *l)
{
	struct jg_cred *c = l->cred;
	char err[512];

	l->rc = jg_cred_create_user(&c->admins[0], NULL, "oneshot", l, l->user, sizeof(l->user),
	                            l->password, err, sizeof(err));
	if (l->rc == JG_OK)
		snprintf(l->host, sizeof(l->host), "%s", c->host);
	else
		snprintf(l->why, sizeof(l->why), "jitgate could not make a one-shot user: %.400s", err);
	return l->rc;
}

int jg_cred_release_now(struct jg_lease *l, const char *reason)
{
	char err[512];
	int rc = JG_OK;

	if (l->rc == JG_OK && l->user[0] && !l->account &&
	    (rc = jg_cred_drop_user(&l->cred->admins[0], l->user, l->host, reason, err,
	                            sizeof(err))) != JG_OK)
		jg_log(JG_LOG_ERR, "credentials: user %s not dropped; the reaper retries: %s", l->user,
		       err);
	jg_cred_lease_free(l);
	return rc;
}
