/*
 * users.c: making and dropping just-in-time users and the policy roles' database roles, on an
 * admin connection (db.c) with the text of ddl.c, each user in the ledger from before CREATE
 * USER to after DROP USER. Runs on the thread that holds the struct admin: its admin thread,
 * or for admins[0] the main thread while no admin thread runs (start, stop, tools). Blocking.
 * See cred_int.h.
 */
#include "cred/cred_int.h"

#include "store/ledger.h"

#include <stdio.h>

void jg_cred_random(struct admin *a, void *out, size_t n)
{
	br_hmac_drbg_generate(&a->rng, out, n);
}

/* new_name_password: a fresh user name and password. */
static int new_name_password(struct admin *a, char *user, size_t ucap, char *pw)
{
	const char *inst = a->c->cfg->cred_instance;
	uint8_t id[JG_CRED_ID_BYTES], rnd[64];
	long k;

	jg_cred_random(a, id, sizeof(id));
	if (jg_cred_user_name(user, ucap, inst, strlen(inst), id) < 0)
		return JG_ERR_CONFIG;
	do {
		jg_cred_random(a, rnd, sizeof(rnd));
		k = jg_cred_password(pw, JG_CRED_PW_LEN, rnd, sizeof(rnd));
	} while (k < 0);
	explicit_bzero(rnd, sizeof(rnd));
	return JG_OK;
}

/* ledger_row: the ledger row of a user this run makes now (name, sub and session left). */
static void ledger_row(const struct jg_cred *c, struct jg_ledger_user *lu, const char *role,
                       const char *db_role, const char *kind, int64_t expires)
{
	memset(lu, 0, sizeof(*lu));
	snprintf(lu->host, sizeof(lu->host), "%s", c->host);
	snprintf(lu->instance, sizeof(lu->instance), "%s", c->cfg->cred_instance);
	snprintf(lu->run, sizeof(lu->run), "%s", c->run);
	snprintf(lu->role, sizeof(lu->role), "%s", role);
	snprintf(lu->db_role, sizeof(lu->db_role), "%s", db_role);
	snprintf(lu->kind, sizeof(lu->kind), "%s", kind);
	lu->created = jg_cred_now_s();
	lu->expires = expires;
}

int jg_cred_drop_users(struct admin *a, int n, const char *const *user,
                       const char *const *host, const char *const *reason, char *err,
                       size_t errlen)
{
	struct jg_cred *c = a->c;
	struct jg_cred_sb drop = { 0 };
	MYSQL *m;
	int rc;

	for (int i = 0; i < n; i++)
		jg_ledger_state(c->ledger, user[i], host[i], "dropping", NULL, jg_cred_now_s());
	if (!(m = jg_cred_admin_ready(a, err, errlen)))
		return JG_ERR_BACKEND;
	if ((rc = jg_cred_ddl_drop_users(&drop, n, user, host, c->mariadb, err, errlen)) != JG_OK ||
	    (rc = jg_cred_run_sql(m, drop.p, err, errlen)) != JG_OK)
		goto out;
	for (int i = 0; i < n && !c->mariadb; i++) {
		/* MySQL has no KILL USER: kill each of its connections (bounded: a killed thread may
		 * linger in the list for a moment). */
		char q[256], id[32], k[64];

		if (jg_cred_ddl_processlist(q, sizeof(q), user[i]) < 0)
			continue;
		for (int tries = 0; tries < 16 &&
		     jg_cred_query_one(m, q, id, sizeof(id), err, errlen) == JG_OK && id[0]; tries++) {
			snprintf(k, sizeof(k), "KILL %s", id);
			if (mysql_query(m, k) != 0)
				break;
		}
	}
	for (int i = 0; i < n; i++)
		jg_ledger_state(c->ledger, user[i], host[i], "dropped", reason[i], jg_cred_now_s());
out:
	jg_cred_sb_free(&drop);
	return rc;
}

int jg_cred_drop_user(struct admin *a, const char *user, const char *host, const char *reason,
                      char *err, size_t errlen)
{
	return jg_cred_drop_users(a, 1, &user, &host, &reason, err, errlen);
}

int jg_cred_sync_role(struct admin *a, struct jg_crole *r, char *err, size_t errlen)
{
	struct jg_cred_sb b = { 0 };
	MYSQL *m;
	int rc = JG_OK;

	if (r->account[0] || r->synced)
		return JG_OK;
	pthread_mutex_lock(&r->sync_mu);
	if (r->synced)
		goto out;
	if (!(m = jg_cred_admin_ready(a, err, errlen))) {
		rc = JG_ERR_BACKEND;
		goto out;
	}
	if (jg_cred_ddl_role(&b, r->db_role, r->grants) != JG_OK) {
		snprintf(err, errlen, "role %s: a grant could not be written safely", r->name);
		rc = JG_ERR_CONFIG;
		goto out;
	}
	rc = jg_cred_run_sql(m, b.p, err, errlen);
	if (rc == JG_OK) {
		r->synced = 1;
		jg_log(JG_LOG_INFO, "credentials: database role %s made for role %s", r->db_role,
		       r->name);
	}
out:
	pthread_mutex_unlock(&r->sync_mu);
	jg_cred_sb_free(&b);
	return rc;
}

int jg_cred_create_user(struct admin *a, struct jg_crole *r, const char *kind,
                        const struct jg_lease *l, char *user, size_t ucap, char *pw, char *err,
                        size_t errlen)
{
	struct jg_cred *c = a->c;
	struct jg_ledger_user lu;
	const char *users[1] = { user }, *pws[1] = { pw };
	struct jg_cred_newusers nu = { .n = 1, .user = users, .password = pws };
	struct jg_cred_sb b = { 0 };
	MYSQL *m;
	int rc;

	if (!(m = jg_cred_admin_ready(a, err, errlen)))
		return JG_ERR_BACKEND;
	if (r && (rc = jg_cred_sync_role(a, r, err, errlen)) != JG_OK)
		return rc;
	if (new_name_password(a, user, ucap, pw) != JG_OK) {
		snprintf(err, errlen, "the user name or host '%s' cannot be written safely", c->host);
		rc = JG_ERR_CONFIG;
		goto out;
	}
	nu.host = c->host;
	nu.mariadb = c->mariadb;
	nu.db_role = r ? r->db_role : NULL;
	nu.grants = l->grants;
	nu.ngrants = l->ngrants;
	if ((rc = jg_cred_ddl_create_users(&b, &nu, err, errlen)) != JG_OK)
		goto out;
	ledger_row(c, &lu, r ? r->name : l->role, r ? r->db_role : "", kind, l->expires);
	snprintf(lu.name, sizeof(lu.name), "%s", user);
	snprintf(lu.sub, sizeof(lu.sub), "%s", l->sub);
	lu.session = l->session;
	if (jg_ledger_add(c->ledger, &lu) != JG_OK) {
		snprintf(err, errlen, "the ledger ([store] path) cannot record a new user");
		rc = JG_ERR_IO;
		goto out;
	}
	if ((rc = jg_cred_run_sql(m, b.p, err, errlen)) != JG_OK) {
		char e2[256];

		jg_cred_drop_user(a, user, c->host, "creation failed", e2, sizeof(e2));
		goto out;
	}
	jg_ledger_claim(c->ledger, user, c->host, l->sub, l->session, l->expires,
	                jg_cred_now_s());
out:
	jg_cred_sb_free(&b);
	if (rc != JG_OK)
		explicit_bzero(pw, JG_CRED_PW_LEN + 1);
	return rc;
}

int jg_cred_make_pool_users(struct admin *a, struct jg_crole *r, struct pooled **p, int n,
                            char *err, size_t errlen)
{
	struct jg_cred *c = a->c;
	struct jg_ledger_user lu;
	const char *users[POOL_BATCH], *pws[POOL_BATCH], *hosts[POOL_BATCH], *reasons[POOL_BATCH];
	struct jg_cred_newusers nu = { .n = n, .user = users, .password = pws };
	struct jg_cred_sb b = { 0 };
	MYSQL *m;
	int added = 0;

	if (n <= 0 || n > POOL_BATCH || !(m = jg_cred_admin_ready(a, err, errlen)) ||
	    jg_cred_sync_role(a, r, err, errlen) != JG_OK)
		return 0;
	for (int i = 0; i < n; i++) {
		if (new_name_password(a, p[i]->user, sizeof(p[i]->user), p[i]->password) != JG_OK) {
			snprintf(err, errlen, "the user name or host '%s' cannot be written safely",
			         c->host);
			goto fail;
		}
		users[i] = p[i]->user;
		pws[i] = p[i]->password;
		hosts[i] = c->host;
		reasons[i] = "creation failed";
	}
	nu.host = c->host;
	nu.mariadb = c->mariadb;
	nu.db_role = r->db_role;
	if (jg_cred_ddl_create_users(&b, &nu, err, errlen) != JG_OK)
		goto fail;
	/* Ledger rows first, as for every user. */
	ledger_row(c, &lu, r->name, r->db_role, "pool", jg_cred_now_s() + POOL_MAX_AGE);
	for (added = 0; added < n; added++) {
		snprintf(lu.name, sizeof(lu.name), "%s", users[added]);
		if (jg_ledger_add(c->ledger, &lu) != JG_OK) {
			snprintf(err, errlen, "the ledger ([store] path) cannot record a new user");
			goto fail;
		}
	}
	if (jg_cred_run_sql(m, b.p, err, errlen) != JG_OK)
		goto fail;
	for (int i = 0; i < n; i++) {
		jg_ledger_state(c->ledger, users[i], c->host, "ready", NULL, jg_cred_now_s());
		p[i]->created = jg_cred_now_s();
	}
	jg_cred_sb_free(&b);
	return n;
fail:
	jg_cred_sb_free(&b);
	if (added > 0) {
		char e2[256];

		jg_cred_drop_users(a, added, users, hosts, reasons, e2, sizeof(e2));
	}
	return 0;
}
