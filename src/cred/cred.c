/* cred.c: just-in-time MySQL users; see cred.h and docs/credentials.md. */
#include "cred/cred.h"

#include "policy/policy.h"
#include "sql/sql.h"
#include "store/ledger.h"

#include <bearssl.h>
#include <errno.h>
#include <mysql.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { OP_CREATE = 1, OP_ONESHOT, OP_REFILL, OP_CLAIM, OP_DROP, OP_SYNC, OP_DROP_POOLED };

#define POOL_MAX_AGE 3600        /* seconds a ready user waits before it is replaced */
#define STUCK_CREATING 120       /* a "creating" row of our own run older than this is stale */

/* A user made ahead of a session. */
struct pooled {
	struct pooled *next;
	char user[JG_CRED_NAME_MAX + 1];
	char password[JG_CRED_PW_LEN + 1];
	int64_t created;
};

/* A policy role as the database knows it. Made once per distinct (name, grants) and kept
 * until exit, since leases point at it. */
struct jg_crole {
	struct jg_crole *next;          /* every role ever made */
	char name[80];                  /* the policy role */
	char db_role[80];               /* "" with an account */
	char account[33];
	const char *account_pw;
	char *grants;                   /* GRANT bodies ("SELECT ON `shop`.*"), one per line */
	unsigned ttl, max_connections;
	struct jg_lease *leases;        /* live sessions in this role (under mu) */
	int active;                     /* a role of the policy in force (under mu) */
	int synced;                     /* the database role exists with exactly these grants */
	pthread_mutex_t sync_mu;        /* one thread makes the database role */
	struct pooled *pool;            /* under mu */
	int npool, filling;             /* under mu */
};

struct job {
	struct job *next;
	int op;
	struct jg_lease *l;
	struct jg_crole *r;
	struct pooled *p;               /* OP_DROP_POOLED */
	int n;                          /* OP_REFILL: how many users */
	/* OP_CLAIM: copied, since the lease may be released before the job runs */
	char user[81], sub[256];
	uint32_t session;
	int64_t expires;
};

struct admin {
	struct jg_cred *c;
	int idx;
	pthread_t th;
	int started;
	MYSQL *m;
	br_hmac_drbg_context rng;
};

struct jg_cred {
	const struct jg_config *cfg;
	struct jg_ledger *ledger;
	enum jg_cred_use use;
	int reap_only;                  /* no threads (REAP and TOOL) */
	char run[40];
	char hostname[256];
	char host[256];                 /* host part of every user */
	char be_host[256];
	unsigned be_port;
	int mariadb;                    /* server flavour: SQL differs for roles and KILL */
	int learned;                    /* host and flavour known (first admin login) */

	pthread_mutex_t mu;             /* guards everything below */
	pthread_cond_t cv;
	struct job *head, *tail;        /* background: refills, claims, drops, roles */
	struct job *uhead, *utail;      /* a session waits for these: taken first */
	struct jg_lease *drops;         /* users of ended sessions, dropped together (DROP_DELAY_MS) */
	int ndrops;
	int64_t drops_since;            /* ms (CLOCK_REALTIME) when the oldest was added */
	int stop;
	int64_t next_reap;
	struct jg_crole *roles;
	struct admin *admins;
	int nadmins;
};

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- text -------------------------------------------------------------------------------- */

/* account: 'user'@'host' into out; -1 when either part cannot be quoted. */
static long account(char *out, size_t cap, const char *user, const char *host)
{
	long a, b;

	a = jg_cred_quote_string(out, cap, user, strlen(user));
	if (a < 0 || (size_t)a + 2 >= cap)
		return -1;
	out[a] = '@';
	b = jg_cred_quote_string(out + a + 1, cap - (size_t)a - 1, host, strlen(host));
	return b < 0 ? -1 : a + 1 + b;
}

/* native_hash: mysql_native_password's stored form, "*" + HEX(SHA1(SHA1(pw))). */
static void native_hash(const char *pw, char out[42])
{
	static const char hex[] = "0123456789ABCDEF";
	br_sha1_context h;
	uint8_t d1[20], d2[20];

	br_sha1_init(&h);
	br_sha1_update(&h, pw, strlen(pw));
	br_sha1_out(&h, d1);
	br_sha1_init(&h);
	br_sha1_update(&h, d1, sizeof(d1));
	br_sha1_out(&h, d2);
	out[0] = '*';
	for (int i = 0; i < 20; i++) {
		out[1 + 2 * i] = hex[d2[i] >> 4];
		out[2 + 2 * i] = hex[d2[i] & 15];
	}
	out[41] = '\0';
	explicit_bzero(d1, sizeof(d1));
}

/* sb: a growable string for statements; a failed append makes it fail for good. */
struct sb {
	char *p;
	size_t len, cap;
	int bad;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->bad = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* sb_ident: s quoted as an identifier (flags as jg_cred_quote_ident). */
static void sb_ident(struct sb *b, const char *s, size_t n, unsigned flags)
{
	char q[3 * 64 + 8];
	long k = jg_cred_quote_ident(q, sizeof(q), s, n, flags);

	if (k < 0) {
		b->bad = 1;
		return;
	}
	sb_add(b, q, (size_t)k);
}

static void sb_free(struct sb *b)
{
	if (b->p)
		explicit_bzero(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* privileges: "SELECT (`a`, `b`), UPDATE (`a`, `b`)" for privs and a comma-joined column list. */
static void sb_privs(struct sb *b, unsigned privs, const char *cols)
{
	int first = 1;

	for (unsigned bit = 1; bit && bit <= privs; bit <<= 1) {
		const char *name;

		if (!(privs & bit))
			continue;
		name = jg_policy_priv_name(bit);
		if (strcmp(name, "?") == 0) {
			b->bad = 1;
			return;
		}
		if (!first)
			sb_str(b, ", ");
		first = 0;
		for (const char *p = name; *p; p++) {
			char ch = *p == '_' ? ' ' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);

			sb_add(b, &ch, 1);
		}
		if (cols && cols[0]) {
			const char *p = cols, *comma;

			sb_str(b, " (");
			for (;;) {
				comma = strchr(p, ',');
				sb_ident(b, p, comma ? (size_t)(comma - p) : strlen(p), 0);
				if (!comma)
					break;
				sb_str(b, ", ");
				p = comma + 1;
			}
			sb_str(b, ")");
		}
	}
}

/* sb_on: "ON `db`.*" or "ON `db`.`table`". */
static void sb_on(struct sb *b, const char *db, const char *table)
{
	int all = strcmp(table, "*") == 0;

	sb_str(b, " ON ");
	sb_ident(b, db, strlen(db), all ? JG_CRED_QI_GRANT_DB : 0);
	sb_str(b, ".");
	if (all)
		sb_str(b, "*");
	else
		sb_ident(b, table, strlen(table), 0);
}

/* ---- the admin connection ------------------------------------------------------------------ */

/* run_sql: one or several statements; every result is consumed. JG_OK, or JG_ERR_BACKEND with
 * the server's message in err. The text may hold a password hash: it is never logged. */
static int run_sql(MYSQL *m, const char *sql, char *err, size_t errlen)
{
	int rc = mysql_real_query(m, sql, strlen(sql));
	MYSQL_RES *res;

	for (;;) {
		if (rc > 0 || (rc != 0 && rc != -1)) {
			snprintf(err, errlen, "%s (error %u)", mysql_error(m), mysql_errno(m));
			return JG_ERR_BACKEND;
		}
		if (rc == -1)
			return JG_OK;
		res = mysql_store_result(m);
		if (res)
			mysql_free_result(res);
		else if (mysql_field_count(m) != 0) {
			snprintf(err, errlen, "%s (error %u)", mysql_error(m), mysql_errno(m));
			return JG_ERR_BACKEND;
		}
		rc = mysql_next_result(m);
	}
}

/* query_one: the first column of the first row of sql into out ("" when no row). */
static int query_one(MYSQL *m, const char *sql, char *out, size_t cap, char *err, size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	out[0] = '\0';
	if (mysql_query(m, sql) != 0 || !(res = mysql_store_result(m))) {
		snprintf(err, errlen, "%s (error %u)", mysql_error(m), mysql_errno(m));
		return JG_ERR_BACKEND;
	}
	if ((row = mysql_fetch_row(res)) && row[0])
		snprintf(out, cap, "%s", row[0]);
	mysql_free_result(res);
	return JG_OK;
}

static MYSQL *admin_connect(struct jg_cred *c, char *err, size_t errlen)
{
	const struct jg_config *cfg = c->cfg;
	unsigned timeout = 5, rw_timeout = 30, proto = MYSQL_PROTOCOL_TCP;
	my_bool on = 1, off = 0;
	MYSQL *m = mysql_init(NULL);

	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
	mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
	mysql_options(m, MYSQL_OPT_RECONNECT, &off);
	if (cfg->backend_tls != JG_BE_TLS_OFF) {
		mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
		if (cfg->backend_tls == JG_BE_TLS_VERIFY) {
			mysql_options(m, MYSQL_OPT_SSL_CA, cfg->backend_tls_ca);
			mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
		}
	}
	if (!mysql_real_connect(m, c->be_host, cfg->backend_user, cfg->backend_password, NULL,
	                        c->be_port, NULL, CLIENT_MULTI_STATEMENTS)) {
		snprintf(err, errlen, "jitgate cannot log in to the database at %s as %s: %s",
		         cfg->backend_address, cfg->backend_user, mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	return m;
}

/* learn: the flavour, and the host the database sees us connect from (USER()'s host part),
 * once. Under mu. */
static int learn(struct jg_cred *c, MYSQL *m, char *err, size_t errlen)
{
	char host[256];

	if (c->learned)
		return JG_OK;
	c->mariadb = strstr(mysql_get_server_info(m), "MariaDB") != NULL;
	if (c->cfg->cred_host[0]) {
		snprintf(c->host, sizeof(c->host), "%s", c->cfg->cred_host);
	} else {
		if (query_one(m, "SELECT SUBSTRING_INDEX(USER(), '@', -1)", host, sizeof(host), err,
		              errlen) != JG_OK)
			return JG_ERR_BACKEND;
		if (!host[0]) {
			snprintf(err, errlen, "the database did not say which host it sees jitgate at; "
			         "set [credentials] host");
			return JG_ERR_BACKEND;
		}
		snprintf(c->host, sizeof(c->host), "%s", host);
	}
	c->learned = 1;
	jg_log(JG_LOG_INFO, "credentials: %s users at host '%s' (instance %s, run %s)",
	       c->mariadb ? "MariaDB" : "MySQL", c->host, c->cfg->cred_instance, c->run);
	return JG_OK;
}

/* admin_ready: the thread's connection, made or checked. */
static MYSQL *admin_ready(struct admin *a, char *err, size_t errlen)
{
	struct jg_cred *c = a->c;
	int rc;

	if (a->m && mysql_ping(a->m) != 0) {
		mysql_close(a->m);
		a->m = NULL;
	}
	if (!a->m && !(a->m = admin_connect(c, err, errlen)))
		return NULL;
	pthread_mutex_lock(&c->mu);
	rc = learn(c, a->m, err, errlen);
	pthread_mutex_unlock(&c->mu);
	if (rc != JG_OK) {
		mysql_close(a->m);
		a->m = NULL;
		return NULL;
	}
	return a->m;
}

/* ---- roles -------------------------------------------------------------------------------- */

/* sync_role: the database role made afresh with exactly r's grants. */
static int sync_role(struct admin *a, struct jg_crole *r, char *err, size_t errlen)
{
	struct sb b = { 0 };
	MYSQL *m;
	int rc = JG_OK;

	if (r->account[0] || r->synced)
		return JG_OK;
	pthread_mutex_lock(&r->sync_mu);
	if (r->synced)
		goto out;
	if (!(m = admin_ready(a, err, errlen))) {
		rc = JG_ERR_BACKEND;
		goto out;
	}
	sb_str(&b, "DROP ROLE IF EXISTS ");
	sb_ident(&b, r->db_role, strlen(r->db_role), 0);
	sb_str(&b, "; CREATE ROLE ");
	sb_ident(&b, r->db_role, strlen(r->db_role), 0);
	for (const char *p = r->grants, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		sb_str(&b, "; GRANT ");
		sb_add(&b, p, (size_t)(nl - p));
		sb_str(&b, " TO ");
		sb_ident(&b, r->db_role, strlen(r->db_role), 0);
	}
	if (b.bad) {
		snprintf(err, errlen, "role %s: a grant could not be written safely", r->name);
		rc = JG_ERR_CONFIG;
		goto out;
	}
	rc = run_sql(m, b.p, err, errlen);
	if (rc == JG_OK) {
		r->synced = 1;
		jg_log(JG_LOG_INFO, "credentials: database role %s made for role %s", r->db_role,
		       r->name);
	}
out:
	pthread_mutex_unlock(&r->sync_mu);
	sb_free(&b);
	return rc;
}

/* role_grants: r's grant bodies from the policy, one per line; NULL when out of memory or a
 * name cannot be quoted. */
static char *role_grants(const struct jg_policy *pol, const struct jg_policy_role *pr)
{
	struct jg_policy_grant g;
	struct sb b = { 0 };

	sb_str(&b, "");
	for (unsigned i = 0; i < pr->ngrants; i++) {
		jg_policy_grant(pol, pr->first_grant + i, &g);
		sb_privs(&b, g.privs, g.columns);
		sb_on(&b, g.db, g.table);
		sb_str(&b, "\n");
	}
	if (b.bad) {
		sb_free(&b);
		return NULL;
	}
	return b.p;
}

/* ---- users -------------------------------------------------------------------------------- */

static void random_bytes(struct admin *a, void *out, size_t n)
{
	br_hmac_drbg_generate(&a->rng, out, n);
}

/* new_name_password: a fresh user name and password. */
static int new_name_password(struct admin *a, char *user, size_t ucap, char *pw)
{
	const char *inst = a->c->cfg->cred_instance;
	uint8_t id[JG_CRED_ID_BYTES], rnd[64];
	long k;

	random_bytes(a, id, sizeof(id));
	if (jg_cred_user_name(user, ucap, inst, strlen(inst), id) < 0)
		return JG_ERR_CONFIG;
	do {
		random_bytes(a, rnd, sizeof(rnd));
		k = jg_cred_password(pw, JG_CRED_PW_LEN, rnd, sizeof(rnd));
	} while (k < 0);
	explicit_bzero(rnd, sizeof(rnd));
	return JG_OK;
}

/*
 * drop_users: DROP USER, then kill their connections (revocation is complete only when nothing
 * they opened is left running): n users in one round trip, since every statement that writes
 * the grant tables costs the database about as much for one user as for several. Each ledger row
 * goes to "dropping" first and "dropped" (with its reason) after; on failure the rows stay
 * "dropping" for the reaper.
 */
#define DROP_BATCH 16
#define DROP_DELAY_MS 100

static int drop_users(struct admin *a, int n, const char *const *user, const char *const *host,
                      const char *const *reason, char *err, size_t errlen)
{
	struct jg_cred *c = a->c;
	char acct[2 * 256 + 8];
	struct sb drop = { 0 }, kill = { 0 };
	MYSQL *m;
	int rc = JG_ERR_BACKEND;

	for (int i = 0; i < n; i++)
		jg_ledger_state(c->ledger, user[i], host[i], "dropping", NULL, now_s());
	if (!(m = admin_ready(a, err, errlen)))
		return JG_ERR_BACKEND;
	sb_str(&drop, "DROP USER IF EXISTS ");
	for (int i = 0; i < n; i++) {
		if (account(acct, sizeof(acct), user[i], host[i]) < 0) {
			snprintf(err, errlen, "user %s@%s cannot be quoted", user[i], host[i]);
			rc = JG_ERR_CONFIG;
			goto out;
		}
		sb_str(&drop, i ? ", " : "");
		sb_str(&drop, acct);
		if (c->mariadb) {
			sb_str(&kill, "; KILL HARD CONNECTION USER ");
			sb_str(&kill, acct);
		}
	}
	if (kill.p)
		sb_str(&drop, kill.p);
	if (drop.bad || kill.bad || (rc = run_sql(m, drop.p, err, errlen)) != JG_OK)
		goto out;
	for (int i = 0; i < n && !c->mariadb; i++) {
		/* MySQL has no KILL USER: kill each of its connections (bounded: a killed thread may
		 * linger in the list for a moment). */
		char q[256], id[32], k[64];

		snprintf(q, sizeof(q), "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ");
		if (jg_cred_quote_string(q + strlen(q), sizeof(q) - strlen(q), user[i],
		                         strlen(user[i])) < 0)
			continue;
		for (int tries = 0; tries < 16 && query_one(m, q, id, sizeof(id), err, errlen) == JG_OK &&
		     id[0]; tries++) {
			snprintf(k, sizeof(k), "KILL %s", id);
			if (mysql_query(m, k) != 0)
				break;
		}
	}
	for (int i = 0; i < n; i++)
		jg_ledger_state(c->ledger, user[i], host[i], "dropped", reason[i], now_s());
out:
	sb_free(&drop);
	sb_free(&kill);
	return rc;
}

static int drop_user(struct admin *a, const char *user, const char *host, const char *reason,
                     char *err, size_t errlen)
{
	return drop_users(a, 1, &user, &host, &reason, err, errlen);
}

/*
 * create_user: one user for a waiting lease: ledger first, then CREATE USER with the role (or,
 * for a one-shot user, the lease's grants). kind: "session" or "oneshot". On failure nothing is
 * left behind (the user is dropped again) and err says why.
 */
static int create_user(struct admin *a, struct jg_crole *r, const char *kind,
                       const struct jg_lease *l, char *user, size_t ucap, char *pw, char *err,
                       size_t errlen)
{
	struct jg_cred *c = a->c;
	struct jg_ledger_user lu;
	char acct[2 * 256 + 8], hash[42], qpw[2 * JG_CRED_PW_LEN + 4];
	struct sb b = { 0 };
	MYSQL *m;
	int rc;

	if (!(m = admin_ready(a, err, errlen)))
		return JG_ERR_BACKEND;
	if (r && (rc = sync_role(a, r, err, errlen)) != JG_OK)
		return rc;
	if (new_name_password(a, user, ucap, pw) != JG_OK ||
	    account(acct, sizeof(acct), user, c->host) < 0) {
		snprintf(err, errlen, "the user name or host '%s' cannot be written safely", c->host);
		return JG_ERR_CONFIG;
	}
	memset(&lu, 0, sizeof(lu));
	snprintf(lu.name, sizeof(lu.name), "%s", user);
	snprintf(lu.host, sizeof(lu.host), "%s", c->host);
	snprintf(lu.instance, sizeof(lu.instance), "%s", c->cfg->cred_instance);
	snprintf(lu.run, sizeof(lu.run), "%s", c->run);
	snprintf(lu.role, sizeof(lu.role), "%s", r ? r->name : l->role);
	snprintf(lu.db_role, sizeof(lu.db_role), "%s", r ? r->db_role : "");
	snprintf(lu.kind, sizeof(lu.kind), "%s", kind);
	snprintf(lu.sub, sizeof(lu.sub), "%s", l->sub);
	lu.session = l->session;
	lu.created = now_s();
	lu.expires = l->expires;
	if (jg_ledger_add(c->ledger, &lu) != JG_OK) {
		snprintf(err, errlen, "the ledger ([store] path) cannot record a new user");
		return JG_ERR_IO;
	}
	sb_str(&b, "CREATE USER ");
	sb_str(&b, acct);
	if (c->mariadb) {
		native_hash(pw, hash);
		sb_str(&b, " IDENTIFIED BY PASSWORD '");
		sb_str(&b, hash);
		sb_str(&b, "'");
	} else if (jg_cred_quote_string(qpw, sizeof(qpw), pw, strlen(pw)) > 0) {
		sb_str(&b, " IDENTIFIED BY ");
		sb_str(&b, qpw);
	} else {
		b.bad = 1;
	}
	sb_str(&b, " WITH MAX_USER_CONNECTIONS 1");
	if (r) {
		sb_str(&b, "; GRANT ");
		sb_ident(&b, r->db_role, strlen(r->db_role), 0);
		sb_str(&b, " TO ");
		sb_str(&b, acct);
		sb_str(&b, "; SET DEFAULT ROLE ");
		sb_ident(&b, r->db_role, strlen(r->db_role), 0);
		sb_str(&b, c->mariadb ? " FOR " : " TO ");
		sb_str(&b, acct);
	} else {
		for (unsigned i = 0; i < l->ngrants; i++) {
			sb_str(&b, "; GRANT ");
			sb_privs(&b, l->grants[i].privs, NULL);
			sb_on(&b, l->grants[i].db, l->grants[i].table);
			sb_str(&b, " TO ");
			sb_str(&b, acct);
		}
	}
	if (b.bad) {
		snprintf(err, errlen, "a statement for the new user could not be written safely");
		rc = JG_ERR_CONFIG;
	} else {
		rc = run_sql(m, b.p, err, errlen);
	}
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(qpw, sizeof(qpw));
	sb_free(&b);
	if (rc != JG_OK) {
		char e2[256];

		drop_user(a, user, c->host, "creation failed", e2, sizeof(e2));
		explicit_bzero(pw, JG_CRED_PW_LEN + 1);
		return rc;
	}
	jg_ledger_claim(c->ledger, user, c->host, l->sub, l->session, l->expires, now_s());
	return JG_OK;
}

/*
 * make_pool_users: n ready users of role r in one round trip (one CREATE USER naming them all,
 * one GRANT, one SET DEFAULT ROLE each): the statements that write the grant tables cost the
 * database about as much for several users as for one. Ledger rows first, as for every user.
 * Returns how many were made (0 on failure, with err; nothing is left behind).
 */
#define POOL_BATCH 16

static int make_pool_users(struct admin *a, struct jg_crole *r, struct pooled **p, int n,
                           char *err, size_t errlen)
{
	struct jg_cred *c = a->c;
	struct jg_ledger_user lu;
	char acct[POOL_BATCH][2 * 256 + 8], hash[42], qpw[2 * JG_CRED_PW_LEN + 4];
	const char *users[POOL_BATCH], *hosts[POOL_BATCH], *reasons[POOL_BATCH];
	struct sb b = { 0 };
	MYSQL *m;
	int rc, made = 0;

	if (!(m = admin_ready(a, err, errlen)) || sync_role(a, r, err, errlen) != JG_OK)
		return 0;
	memset(&lu, 0, sizeof(lu));
	snprintf(lu.host, sizeof(lu.host), "%s", c->host);
	snprintf(lu.instance, sizeof(lu.instance), "%s", c->cfg->cred_instance);
	snprintf(lu.run, sizeof(lu.run), "%s", c->run);
	snprintf(lu.role, sizeof(lu.role), "%s", r->name);
	snprintf(lu.db_role, sizeof(lu.db_role), "%s", r->db_role);
	snprintf(lu.kind, sizeof(lu.kind), "pool");
	lu.created = now_s();
	lu.expires = lu.created + POOL_MAX_AGE;
	sb_str(&b, "CREATE USER ");
	for (made = 0; made < n; made++) {
		if (new_name_password(a, p[made]->user, sizeof(p[made]->user), p[made]->password) !=
		    JG_OK || account(acct[made], sizeof(acct[made]), p[made]->user, c->host) < 0) {
			snprintf(err, errlen, "the user name or host '%s' cannot be written safely",
			         c->host);
			break;
		}
		snprintf(lu.name, sizeof(lu.name), "%s", p[made]->user);
		if (jg_ledger_add(c->ledger, &lu) != JG_OK) {
			snprintf(err, errlen, "the ledger ([store] path) cannot record a new user");
			break;
		}
		users[made] = p[made]->user;
		hosts[made] = c->host;
		reasons[made] = "creation failed";
		sb_str(&b, made ? ", " : "");
		sb_str(&b, acct[made]);
		if (c->mariadb) {
			native_hash(p[made]->password, hash);
			sb_str(&b, " IDENTIFIED BY PASSWORD '");
			sb_str(&b, hash);
			sb_str(&b, "'");
		} else if (jg_cred_quote_string(qpw, sizeof(qpw), p[made]->password,
		                                strlen(p[made]->password)) > 0) {
			sb_str(&b, " IDENTIFIED BY ");
			sb_str(&b, qpw);
		} else {
			b.bad = 1;
		}
	}
	if (made < n)
		goto fail;
	sb_str(&b, " WITH MAX_USER_CONNECTIONS 1; GRANT ");
	sb_ident(&b, r->db_role, strlen(r->db_role), 0);
	sb_str(&b, " TO ");
	for (int i = 0; i < n; i++) {
		sb_str(&b, i ? ", " : "");
		sb_str(&b, acct[i]);
	}
	for (int i = 0; i < n; i++) {
		sb_str(&b, "; SET DEFAULT ROLE ");
		sb_ident(&b, r->db_role, strlen(r->db_role), 0);
		sb_str(&b, c->mariadb ? " FOR " : " TO ");
		sb_str(&b, acct[i]);
	}
	if (b.bad) {
		snprintf(err, errlen, "a statement for the new users could not be written safely");
		goto fail;
	}
	rc = run_sql(m, b.p, err, errlen);
	if (rc != JG_OK)
		goto fail;
	for (int i = 0; i < n; i++) {
		jg_ledger_state(c->ledger, users[i], c->host, "ready", NULL, now_s());
		p[i]->created = now_s();
	}
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(qpw, sizeof(qpw));
	sb_free(&b);
	return n;
fail:
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(qpw, sizeof(qpw));
	sb_free(&b);
	if (made > 0) {
		char e2[256];

		drop_users(a, made, users, hosts, reasons, e2, sizeof(e2));
	}
	return 0;
}

/* ---- jobs --------------------------------------------------------------------------------- */

/* queue: under mu. A job a session waits for goes before background work (drops and refills
 * after a burst of logins would otherwise delay the next login by their whole backlog). */
static void queue(struct jg_cred *c, struct job *j)
{
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

static int queue_op(struct jg_cred *c, int op, struct jg_lease *l, struct jg_crole *r)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j)
		return JG_ERR_NOMEM;
	j->op = op;
	j->l = l;
	j->r = r;
	queue(c, j);
	return JG_OK;
}

/* want_refill: under mu. When r's pool (with what is being made) falls to half, one job makes
 * what it lacks in one batch. */
static void want_refill(struct jg_cred *c, struct jg_crole *r)
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
	queue(c, j);
}

static void lease_free(struct jg_lease *l)
{
	explicit_bzero(l->password, sizeof(l->password));
	free(l);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* take_delayed: up to cap users of ended sessions waiting to be dropped. Under mu. */
static int take_delayed(struct jg_cred *c, struct jg_lease **out, int cap)
{
	int n = 0;

	while (c->drops && n < cap) {
		out[n++] = c->drops;
		c->drops = c->drops->next;
		c->ndrops--;
	}
	c->drops_since = now_ms();
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
	rc = drop_users(a, n, u, h, why, err, sizeof(err));
	for (int i = 0; i < n; i++) {
		if (rc == JG_OK)
			jg_log(JG_LOG_INFO, "credentials: user %s dropped (%s)", u[i], why[i]);
		else
			jg_log(JG_LOG_ERR, "credentials: user %s not dropped yet (%s); the reaper "
			       "retries: %s", u[i], why[i], err);
		lease_free(l[i]);
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

static void do_job(struct admin *a, struct job *j)
{
	struct jg_cred *c = a->c;
	struct jg_lease *l = j->l;
	char err[512];
	int rc;

	switch (j->op) {
	case OP_CREATE:
	case OP_ONESHOT:
		rc = create_user(a, j->op == OP_CREATE ? j->r : NULL,
		                 j->op == OP_CREATE ? "session" : "oneshot", l, l->user,
		                 sizeof(l->user), l->password, err, sizeof(err));
		l->rc = rc;
		if (rc == JG_OK) {
			snprintf(l->host, sizeof(l->host), "%s", c->host);
			jg_log(JG_LOG_INFO, "credentials: user %s made for session %u (role %s)",
			       l->user, l->session, l->role);
		} else {
			l->user[0] = '\0';
			snprintf(l->why, sizeof(l->why), "jitgate could not make a database user for "
			         "role %s: %.300s", l->role, err);
			jg_log(JG_LOG_ERR, "credentials: %s", l->why);
		}
		l->notify(l);           /* the lease is its owner's again: not touched after */
		break;
	case OP_REFILL: {
		struct pooled *p[POOL_BATCH];
		int n = 0, made = 0, keep;

		while (n < j->n && n < POOL_BATCH && (p[n] = calloc(1, sizeof(*p[n]))))
			n++;
		made = n ? make_pool_users(a, j->r, p, n, err, sizeof(err)) : 0;
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
			drop_user(a, p[i]->user, c->host, "role left the policy", err, sizeof(err));
		for (int i = keep; i < n; i++) {
			explicit_bzero(p[i], sizeof(*p[i]));
			free(p[i]);
		}
		break;
	}
	case OP_CLAIM:
		jg_ledger_claim(c->ledger, j->user, c->host, j->sub, j->session, j->expires,
		                now_s());
		break;
	case OP_DROP: {
		struct jg_lease *batch[DROP_BATCH];

		drop_batch(a, batch, take_drops(c, l, batch, DROP_BATCH));
		break;
	}
	case OP_DROP_POOLED:
		if (drop_user(a, j->p->user, c->host, j->r->active ? "replaced" :
		              "role left the policy", err, sizeof(err)) != JG_OK)
			jg_log(JG_LOG_ERR, "credentials: user %s not dropped yet; the reaper retries: %s",
			       j->p->user, err);
		explicit_bzero(j->p, sizeof(*j->p));
		free(j->p);
		break;
	case OP_SYNC:
		if (sync_role(a, j->r, err, sizeof(err)) != JG_OK)
			jg_log(JG_LOG_ERR, "credentials: database role for role %s not made: %s",
			       j->r->name, err);
		break;
	}
	free(j);
}

/* ---- the reaper --------------------------------------------------------------------------- */

struct reap {
	struct jg_cred *c;
	struct admin *a;
	long dropped, failed;
	void (*cb)(void *arg, const char *user, const char *host, const char *why);
	void *arg;
	char dead_runs[16][40];
	int ndead;
};

/* pid_is_jitgate: a live process on this host that is a jitgate (a zombie is not live). */
static int pid_is_jitgate(int64_t pid)
{
	char path[64], stat[512] = "";
	const char *close_paren;
	FILE *f;
	size_t n;

	if (pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH))
		return 0;
	snprintf(path, sizeof(path), "/proc/%lld/stat", (long long)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n] = '\0';
	/* "pid (comm) state ..." */
	close_paren = strrchr(stat, ')');
	if (!close_paren || close_paren[1] != ' ' || close_paren[2] == 'Z' || close_paren[2] == 'X')
		return 0;
	return strncmp(strchr(stat, '(') ? strchr(stat, '(') + 1 : "", "jitgate", 7) == 0;
}

/* run_alive: whether the run that made u may still hold it: ours, or another process on this
 * host that is a jitgate (a `jitgate cred` tool, or in `reap` a gateway), or on another host a
 * run whose heartbeat is recent. */
static int run_alive(const struct jg_cred *c, const struct jg_ledger_user *u)
{
	if (strcmp(u->run, c->run) == 0)
		return 1;
	if (u->run_stopped || !u->run_pid)
		return 0;
	if (strcmp(u->run_host, c->hostname) == 0)
		return u->run_pid != (int64_t)getpid() && pid_is_jitgate(u->run_pid);
	return u->run_heartbeat >= now_s() - 3 * (int64_t)c->cfg->cred_reap_period;
}

static void reap_one(void *arg, const struct jg_ledger_user *u)
{
	struct reap *rp = arg;
	struct jg_cred *c = rp->c;
	int64_t now = now_s();
	const char *why = NULL;
	char err[512], reason[64];

	if (!run_alive(c, u)) {
		why = "its gateway run ended without dropping it";
		if (rp->ndead < 16) {
			int k;

			for (k = 0; k < rp->ndead && strcmp(rp->dead_runs[k], u->run) != 0; k++)
				;
			if (k == rp->ndead)
				snprintf(rp->dead_runs[rp->ndead++], sizeof(rp->dead_runs[0]), "%s", u->run);
		}
	} else if (strcmp(u->state, "dropping") == 0 && strcmp(u->run, c->run) != 0) {
		why = "an earlier drop did not finish";
	} else if (strcmp(u->state, "dropping") == 0 && u->created < now - STUCK_CREATING) {
		why = "an earlier drop did not finish";
	} else if (strcmp(u->state, "active") == 0 &&
	           u->expires + c->cfg->cred_reap_period < now) {
		why = "its expiry passed";
	} else if (strcmp(u->state, "creating") == 0 && u->created < now - STUCK_CREATING) {
		why = "it was never finished";
	}
	if (!why)
		return;
	snprintf(reason, sizeof(reason), "reaped: %s", why);
	if (drop_user(rp->a, u->name, u->host, reason, err, sizeof(err)) == JG_OK) {
		rp->dropped++;
		jg_log(JG_LOG_INFO, "reaper: dropped %s@%s (role %s, sub %s): %s", u->name, u->host,
		       u->role, u->sub[0] ? u->sub : "-", why);
		if (rp->cb)
			rp->cb(rp->arg, u->name, u->host, why);
	} else {
		rp->failed++;
		jg_log(JG_LOG_ERR, "reaper: %s@%s not dropped: %s", u->name, u->host, err);
	}
}

static long reap_with(struct jg_cred *c, struct admin *a,
                      void (*cb)(void *, const char *, const char *, const char *), void *arg)
{
	struct reap rp = { .c = c, .a = a, .cb = cb, .arg = arg };
	char err[512];

	if (jg_cred_pending(c) == 0)
		return 0;
	if (!admin_ready(a, err, sizeof(err))) {
		jg_log(JG_LOG_WARN, "reaper: %s", err);
		return -1;
	}
	if (jg_ledger_pending(c->ledger, c->cfg->cred_instance, reap_one, &rp) != JG_OK)
		return -1;
	for (int k = 0; k < rp.ndead && rp.failed == 0; k++)
		jg_ledger_run_stop(c->ledger, rp.dead_runs[k], now_s());
	return rp.failed ? -1 : rp.dropped;
}

long jg_cred_reap(struct jg_cred *c, void (*cb)(void *arg, const char *user, const char *host,
                                                const char *why), void *arg)
{
	return reap_with(c, &c->admins[0], cb, arg);
}

long jg_cred_pending(struct jg_cred *c)
{
	return jg_ledger_count(c->ledger, c->cfg->cred_instance, NULL);
}

/* reap_tick: thread 0, every reap_period: heartbeat, reaping, replacing old ready users,
 * forgetting long-dropped users. */
static void reap_tick(struct admin *a)
{
	struct jg_cred *c = a->c;
	int64_t now = now_s();

	jg_ledger_heartbeat(c->ledger, c->run, now);
	reap_with(c, a, NULL, NULL);
	pthread_mutex_lock(&c->mu);
	for (struct jg_crole *r = c->roles; r; r = r->next) {
		struct pooled **pp = &r->pool, *p;

		while ((p = *pp)) {
			struct job *j;

			if (p->created > now - POOL_MAX_AGE || !(j = calloc(1, sizeof(*j)))) {
				pp = &p->next;
				continue;
			}
			*pp = p->next;
			r->npool--;
			j->op = OP_DROP_POOLED;
			j->r = r;
			j->p = p;
			queue(c, j);
		}
		want_refill(c, r);
	}
	pthread_mutex_unlock(&c->mu);
	jg_ledger_prune(c->ledger, now - (int64_t)c->cfg->store_ledger_days * 86400);
}

static void *admin_main(void *arg)
{
	struct admin *a = arg;
	struct jg_cred *c = a->c;
	struct job *j;
	struct timespec ts;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		if (a->idx == 0 && !c->stop && now_s() >= c->next_reap) {
			c->next_reap = now_s() + c->cfg->cred_reap_period;
			pthread_mutex_unlock(&c->mu);
			reap_tick(a);
			pthread_mutex_lock(&c->mu);
			continue;
		}
		if (!(j = dequeue(c))) {
			int64_t due = c->drops_since + DROP_DELAY_MS, wake = INT64_MAX;

			if (c->ndrops && (c->ndrops >= DROP_BATCH || c->stop || now_ms() >= due)) {
				struct jg_lease *batch[DROP_BATCH];
				int n = take_delayed(c, batch, DROP_BATCH);

				pthread_mutex_unlock(&c->mu);
				drop_batch(a, batch, n);
				pthread_mutex_lock(&c->mu);
				continue;
			}
			if (c->stop)
				break;
			if (a->idx == 0)
				wake = c->next_reap * 1000;
			if (c->ndrops)
				wake = JG_MIN(wake, due);
			if (wake == INT64_MAX) {
				pthread_cond_wait(&c->cv, &c->mu);
			} else {
				ts.tv_sec = (time_t)(wake / 1000);
				ts.tv_nsec = (long)(wake % 1000) * 1000000;
				pthread_cond_timedwait(&c->cv, &c->mu, &ts);
			}
			continue;
		}
		pthread_mutex_unlock(&c->mu);
		do_job(a, j);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* ---- start and stop ----------------------------------------------------------------------- */

/*
 * drop_stale_roles: at start, with no user of this instance left, the database roles it made
 * earlier are dropped; the policy's roles are made afresh right after (MariaDB lists roles in
 * mysql.user; on MySQL they stay until a role with the same grants digest is made again).
 */
static void drop_stale_roles(struct jg_cred *c, MYSQL *m)
{
	char q[160], err[512];
	MYSQL_RES *res;
	MYSQL_ROW row;
	struct sb b = { 0 };
	long n = 0;

	if (!c->mariadb)
		return;
	snprintf(q, sizeof(q), "SELECT User FROM mysql.user WHERE is_role = 'Y' AND "
	         "User LIKE 'jgr\\_%s\\_%%'", c->cfg->cred_instance);
	if (mysql_query(m, q) != 0 || !(res = mysql_store_result(m))) {
		jg_log(JG_LOG_WARN, "credentials: cannot list earlier roles: %s", mysql_error(m));
		return;
	}
	while ((row = mysql_fetch_row(res)))
		if (row[0]) {
			sb_str(&b, n++ ? "; DROP ROLE IF EXISTS " : "DROP ROLE IF EXISTS ");
			sb_ident(&b, row[0], strlen(row[0]), 0);
		}
	mysql_free_result(res);
	if (n && !b.bad && run_sql(m, b.p, err, sizeof(err)) == JG_OK)
		jg_log(JG_LOG_INFO, "credentials: %ld database roles of earlier runs dropped", n);
	else if (n)
		jg_log(JG_LOG_WARN, "credentials: earlier roles not dropped: %s", b.bad ? "a name "
		       "cannot be quoted" : err);
	sb_free(&b);
}

struct live_run {
	const struct jg_cred *c;
	int64_t pid;
};

static void check_run(void *arg, const char *run, const char *host, int64_t pid,
                      int64_t heartbeat)
{
	struct live_run *lr = arg;

	if (strcmp(host, lr->c->hostname) == 0 && pid != (int64_t)getpid() && pid_is_jitgate(pid))
		lr->pid = pid;
}

/* open_store: the ledger, making its folder (0700) when missing. */
static int open_store(struct jg_cred *c, char *err, size_t errlen)
{
	char dir[4096];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", c->cfg->store_path);
	if ((slash = strrchr(dir, '/')) && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "[store] path: cannot make %s: %s", dir, strerror(errno));
			return JG_ERR_IO;
		}
	}
	return jg_ledger_open(c->cfg->store_path, c->cfg->store_sync_full, &c->ledger, err,
	                      errlen);
}

int jg_cred_start(struct jg_cred **out, const struct jg_config *cfg, enum jg_cred_use use,
                  char *err, size_t errlen)
{
	struct jg_cred *c = calloc(1, sizeof(*c));
	char port[16], aerr[512];
	uint8_t runid[8];
	int reap_only = use != JG_CRED_SERVE;
	int nadmins = reap_only ? 1 : cfg->cred_admin_conns;

	*out = NULL;
	if (!c || !(c->admins = calloc((size_t)nadmins, sizeof(*c->admins)))) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return JG_ERR_NOMEM;
	}
	c->cfg = cfg;
	c->use = use;
	c->reap_only = reap_only;
	c->nadmins = nadmins;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	gethostname(c->hostname, sizeof(c->hostname) - 1);
	if (jg_config_split_address(cfg->backend_address, c->be_host, sizeof(c->be_host), port,
	                            sizeof(port)) != JG_OK) {
		snprintf(err, errlen, "[backend] address is not HOST:PORT");
		goto fail;
	}
	c->be_port = (unsigned)atoi(port);
	for (int i = 0; i < nadmins; i++) {
		br_prng_seeder seeder = br_prng_seeder_system(NULL);

		c->admins[i].c = c;
		c->admins[i].idx = i;
		br_hmac_drbg_init(&c->admins[i].rng, &br_sha256_vtable, NULL, 0);
		if (!seeder || !seeder(&c->admins[i].rng.vtable)) {
			snprintf(err, errlen, "no random seed from the kernel");
			goto fail;
		}
	}
	random_bytes(&c->admins[0], runid, sizeof(runid));
	for (int i = 0; i < 8; i++)
		snprintf(c->run + 2 * i, 3, "%02x", runid[i]);
	if (open_store(c, err, errlen) != JG_OK)
		goto fail;
	if (use == JG_CRED_SERVE) {
		struct live_run lr = { .c = c };

		if (jg_ledger_runs(c->ledger, cfg->cred_instance, c->run, check_run, &lr) != JG_OK) {
			snprintf(err, errlen, "cannot read the store %s", cfg->store_path);
			goto fail;
		}
		if (lr.pid) {
			snprintf(err, errlen, "instance %s already runs as pid %lld on this host; give "
			         "each gateway its own [credentials] instance", cfg->cred_instance,
			         (long long)lr.pid);
			goto fail;
		}
	}
	if (use != JG_CRED_REAP &&
	    jg_ledger_run_start(c->ledger, c->run, cfg->cred_instance,
	                        use == JG_CRED_SERVE ? "serve" : "tool", c->hostname,
	                        (int64_t)getpid(), now_s()) != JG_OK) {
		snprintf(err, errlen, "cannot write to the store %s", cfg->store_path);
		c->run[0] = '\0';
		goto fail;
	}
	if (!admin_ready(&c->admins[0], aerr, sizeof(aerr))) {
		if (use != JG_CRED_SERVE) {
			snprintf(err, errlen, "%s", aerr);
			goto fail;
		}
		jg_log(JG_LOG_WARN, "credentials: %s; sessions are refused until it answers", aerr);
	} else if (use == JG_CRED_SERVE) {
		long n = reap_with(c, &c->admins[0], NULL, NULL);

		if (n > 0)
			jg_log(JG_LOG_INFO, "reaper: %ld users left by earlier runs dropped", n);
		if (n >= 0 && jg_cred_pending(c) == 0)
			drop_stale_roles(c, c->admins[0].m);
	}
	if (!reap_only) {
		c->next_reap = now_s() + cfg->cred_reap_period;
		for (int i = 0; i < nadmins; i++) {
			if (pthread_create(&c->admins[i].th, NULL, admin_main, &c->admins[i]) != 0) {
				snprintf(err, errlen, "cannot start a credentials thread");
				jg_cred_stop(c);
				return JG_ERR_INTERNAL;
			}
			c->admins[i].started = 1;
		}
	}
	*out = c;
	return JG_OK;
fail:
	jg_cred_stop(c);
	return JG_ERR_CONFIG;
}

static void drop_own(void *arg, const struct jg_ledger_user *u)
{
	struct reap *rp = arg;
	char err[512];

	if (strcmp(u->run, rp->c->run) != 0)
		return;
	if (drop_user(rp->a, u->name, u->host, "gateway stopped", err, sizeof(err)) == JG_OK)
		rp->dropped++;
	else
		jg_log(JG_LOG_ERR, "credentials: %s not dropped at stop: %s", u->name, err);
}

void jg_cred_stop(struct jg_cred *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < c->nadmins; i++)
		if (c->admins[i].started)
			pthread_join(c->admins[i].th, NULL);
	if (c->ledger && c->use != JG_CRED_REAP && c->run[0]) {
		struct reap rp = { .c = c, .a = &c->admins[0] };
		char err[512];

		if (admin_ready(&c->admins[0], err, sizeof(err)))
			jg_ledger_pending(c->ledger, c->cfg->cred_instance, drop_own, &rp);
		if (rp.dropped)
			jg_log(JG_LOG_INFO, "credentials: %ld users dropped at stop", rp.dropped);
		jg_ledger_run_stop(c->ledger, c->run, now_s());
	}
	for (int i = 0; i < c->nadmins; i++)
		if (c->admins[i].m)
			mysql_close(c->admins[i].m);
	while (c->roles) {
		struct jg_crole *r = c->roles;

		c->roles = r->next;
		while (r->pool) {
			struct pooled *p = r->pool;

			r->pool = p->next;
			explicit_bzero(p, sizeof(*p));
			free(p);
		}
		free(r->grants);
		pthread_mutex_destroy(&r->sync_mu);
		free(r);
	}
	jg_ledger_close(c->ledger);
	free(c->admins);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
	mysql_library_end();
}

/* ---- policy ------------------------------------------------------------------------------- */

static const struct jg_account *find_account(const struct jg_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->naccounts; i++)
		if (strcmp(cfg->accounts[i].name, name) == 0)
			return &cfg->accounts[i];
	return NULL;
}

int jg_cred_set_policy(struct jg_cred *c, const struct jg_policy *pol, char *err, size_t errlen)
{
	struct jg_crole *fresh = NULL, *r, *nx;
	struct jg_policy_role pr;
	int rc = JG_OK;

	/* Build outside the lock; match against the roles already known after. */
	for (unsigned i = 0; i < pol->nroles && rc == JG_OK; i++) {
		br_sha256_context h;
		uint8_t d[32];

		jg_policy_role_at(pol, i, &pr);
		if (!(r = calloc(1, sizeof(*r)))) {
			rc = JG_ERR_NOMEM;
			break;
		}
		pthread_mutex_init(&r->sync_mu, NULL);
		r->next = fresh;
		fresh = r;
		snprintf(r->name, sizeof(r->name), "%s", pr.name);
		r->ttl = pr.ttl;
		r->max_connections = pr.max_connections;
		if (pr.account && pr.account[0]) {
			const struct jg_account *acc = find_account(c->cfg, pr.account);

			if (!acc) {
				snprintf(err, errlen, "role %s uses account %s, which has no password in "
				         "[accounts] of the configuration", pr.name, pr.account);
				rc = JG_ERR_CONFIG;
				break;
			}
			snprintf(r->account, sizeof(r->account), "%s", acc->name);
			r->account_pw = acc->password;
			r->grants = calloc(1, 1);
			continue;
		}
		if (!(r->grants = role_grants(pol, &pr))) {
			snprintf(err, errlen, "role %s: a grant names something that cannot be quoted "
			         "safely", pr.name);
			rc = JG_ERR_CONFIG;
			break;
		}
		br_sha256_init(&h);
		br_sha256_update(&h, r->name, strlen(r->name) + 1);
		br_sha256_update(&h, r->grants, strlen(r->grants));
		br_sha256_out(&h, d);
		if (jg_cred_role_name(r->db_role, sizeof(r->db_role), c->cfg->cred_instance,
		                      strlen(c->cfg->cred_instance), r->name, strlen(r->name), d) < 0) {
			snprintf(err, errlen, "role %s: no database role name can be made", pr.name);
			rc = JG_ERR_CONFIG;
			break;
		}
	}
	if (rc != JG_OK) {
		for (r = fresh; r; r = nx) {
			nx = r->next;
			free(r->grants);
			free(r);
		}
		if (rc == JG_ERR_NOMEM)
			snprintf(err, errlen, "out of memory");
		return rc;
	}
	pthread_mutex_lock(&c->mu);
	for (struct jg_crole *o = c->roles; o; o = o->next)
		o->active = 0;
	for (r = fresh; r; r = nx) {
		struct jg_crole *o;

		nx = r->next;
		for (o = c->roles; o; o = o->next)
			if (strcmp(o->name, r->name) == 0 && strcmp(o->db_role, r->db_role) == 0 &&
			    strcmp(o->account, r->account) == 0 && strcmp(o->grants, r->grants) == 0)
				break;
		if (o) {                        /* unchanged: keep its database role and pool */
			o->active = 1;
			o->account_pw = r->account_pw;
			o->ttl = r->ttl;
			o->max_connections = r->max_connections;
			free(r->grants);
			pthread_mutex_destroy(&r->sync_mu);
			free(r);
			continue;
		}
		r->active = 1;
		r->next = c->roles;
		c->roles = r;
		if (!r->account[0] && !c->reap_only)
			queue_op(c, OP_SYNC, NULL, r);
	}
	/* Ready users of roles that left the policy are dropped; the others are topped up. */
	for (r = c->roles; r; r = r->next) {
		while (!r->active && r->pool) {
			struct pooled *p = r->pool;
			struct job *j = calloc(1, sizeof(*j));

			if (!j)
				break;
			r->pool = p->next;
			r->npool--;
			j->op = OP_DROP_POOLED;
			j->r = r;
			j->p = p;
			queue(c, j);
		}
		if (!c->reap_only)
			want_refill(c, r);
	}
	pthread_mutex_unlock(&c->mu);
	return JG_OK;
}

/* ---- leases ------------------------------------------------------------------------------- */

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

int jg_cred_acquire(struct jg_lease *l)
{
	struct jg_cred *c = l->cred;
	struct jg_crole *r;
	struct pooled *p;
	struct job *j;
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
	if (r->max_connections) {
		unsigned n = 0;

		for (struct jg_lease *o = r->leases; o; o = o->rnext)
			n += strcmp(o->sub, l->sub) == 0;
		if (n >= r->max_connections) {
			snprintf(l->why, sizeof(l->why), "%s already has %u sessions in role %s, its "
			         "max_connections; close one first", l->sub, n, r->name);
			rc = JG_ERR_AUTH;
			goto out;
		}
	}
	l->crole = r;
	l->rnext = r->leases;
	if (r->leases)
		r->leases->rprev = l;
	r->leases = l;
	l->counted = 1;
	if (r->ttl && l->expires > now_s() + (int64_t)r->ttl)
		l->expires = now_s() + (int64_t)r->ttl;
	if (r->account[0]) {
		l->account = 1;
		snprintf(l->user, sizeof(l->user), "%s", r->account);
		snprintf(l->password, sizeof(l->password), "%s", r->account_pw);
		goto out;
	}
	if ((p = r->pool) && (j = calloc(1, sizeof(*j)))) {
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
		queue(c, j);
		want_refill(c, r);
		goto out;
	}
	if (queue_op(c, OP_CREATE, l, r) != JG_OK) {
		snprintf(l->why, sizeof(l->why), "jitgate is out of memory");
		rc = JG_ERR_NOMEM;
		goto out;
	}
	l->busy = 1;
	rc = JG_WAIT;
	want_refill(c, r);
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
	rc = queue_op(c, OP_ONESHOT, l, NULL);
	if (rc == JG_OK)
		l->busy = 1;
	pthread_mutex_unlock(&c->mu);
	if (rc != JG_OK) {
		snprintf(l->why, sizeof(l->why), "jitgate is out of memory");
		return rc;
	}
	return JG_WAIT;
}

int jg_cred_oneshot_now(struct jg_lease *l)
{
	struct jg_cred *c = l->cred;
	char err[512];

	l->rc = create_user(&c->admins[0], NULL, "oneshot", l, l->user, sizeof(l->user),
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
	    (rc = drop_user(&l->cred->admins[0], l->user, l->host, reason, err, sizeof(err))) != JG_OK)
		jg_log(JG_LOG_ERR, "credentials: user %s not dropped; the reaper retries: %s", l->user,
		       err);
	lease_free(l);
	return rc;
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
		lease_free(l);
		return;
	}
	snprintf(l->reason, sizeof(l->reason), "%s", reason);
	explicit_bzero(l->password, sizeof(l->password));
	pthread_mutex_lock(&c->mu);
	if (strcmp(reason, JG_CRED_ENDED) == 0) {
		/* Its connection is closed and nobody else knows its password: it can wait a moment
		 * for others to be dropped by the same statement. */
		if (!c->drops)
			c->drops_since = now_ms();
		l->next = c->drops;
		c->drops = l;
		if (++c->ndrops == 1 || c->ndrops >= DROP_BATCH)
			pthread_cond_broadcast(&c->cv);
	} else if (queue_op(c, OP_DROP, l, NULL) != JG_OK) {
		jg_log(JG_LOG_ERR, "credentials: out of memory; user %s is left to the reaper",
		       l->user);
		lease_free(l);
	}
	pthread_mutex_unlock(&c->mu);
}

/* ---- one-shot grants ------------------------------------------------------------------------ */

int jg_cred_stmt_grants(const struct jg_sql_stmt *st, const char *db0,
                        struct jg_cred_grant *g, unsigned cap)
{
	unsigned privs;
	unsigned n = 0;

	switch (st->kind) {
	case JG_SQL_SELECT: privs = JG_PRIV_SELECT; break;
	case JG_SQL_INSERT: privs = JG_PRIV_INSERT | JG_PRIV_SELECT; break;
	case JG_SQL_REPLACE: privs = JG_PRIV_INSERT | JG_PRIV_DELETE | JG_PRIV_SELECT; break;
	case JG_SQL_UPDATE: privs = JG_PRIV_UPDATE | JG_PRIV_SELECT; break;
	case JG_SQL_DELETE: privs = JG_PRIV_DELETE | JG_PRIV_SELECT; break;
	case JG_SQL_TRUNCATE:
	case JG_SQL_DROP: privs = JG_PRIV_DROP; break;
	case JG_SQL_ALTER: privs = JG_PRIV_ALTER | JG_PRIV_CREATE | JG_PRIV_INSERT; break;
	case JG_SQL_CREATE: privs = JG_PRIV_CREATE; break;
	case JG_SQL_RENAME: privs = JG_PRIV_ALTER | JG_PRIV_DROP | JG_PRIV_CREATE | JG_PRIV_INSERT;
		break;
	default:
		return -1;
	}
	if (st->flags & (JG_SQL_OPAQUE | JG_SQL_TRUNCATED | JG_SQL_WRITES_FILE | JG_SQL_READS_FILE))
		return -1;
	if (st->ntables == 0)
		return -1;
	for (unsigned i = 0; i < st->ntables; i++) {
		const char *t = st->tables[i], *dot = strchr(t, '.');
		const char *db = dot ? t : db0;
		size_t dblen = dot ? (size_t)(dot - t) : strlen(db0 ? db0 : "");
		const char *table = dot ? dot + 1 : t;

		if (!db || dblen == 0 || dblen >= sizeof(g->db) || strlen(table) >= sizeof(g->table) ||
		    n >= cap)
			return -1;
		memset(&g[n], 0, sizeof(g[n]));
		memcpy(g[n].db, db, dblen);
		snprintf(g[n].table, sizeof(g[n].table), "%s", table);
		/* the first table is the one acted on; the others are only read */
		g[n].privs = i == 0 ? privs : JG_PRIV_SELECT;
		n++;
	}
	return (int)n;
}
