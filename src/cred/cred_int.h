/*
 * cred_int.h: what the files of src/cred share and nobody else sees (tests/unit excepted): the
 * private types, which lock guards which field, which thread touches what, and the functions
 * one file gives another. cred.h is the module's API and describes it for readers.
 *
 * The files, each with the threads its functions run on:
 *
 *   cred.c    the lease API (jg_cred_lease_new, acquire, oneshot, settle, release and their
 *             blocking forms for tools) on the lease owner's thread; jg_cred_set_policy on the
 *             main thread at start and on worker 0 at a reload
 *   start.c   jg_cred_start and jg_cred_stop: the main thread, before the workers start and
 *             after they end
 *   admin.c   the admin threads: their loop, the jobs they run and the batching of drops; its
 *             queue functions (jg_cred_queue...) are called under mu from any thread
 *   reap.c    the reaper: admin thread 0 every reap_period, the main thread at start and stop,
 *             and `jitgate reap`
 *   users.c   making and dropping users and database roles on an admin connection
 *   db.c      the admin connection (libmariadb): connect, check, run statements
 *             (users.c and db.c run on the thread that holds the struct admin: its admin
 *             thread, or for admins[0] the main thread while no admin thread runs)
 *   grants.c  pure: the grants a policy role or a statement needs
 *   ddl.c     pure: the text of CREATE USER, CREATE ROLE, GRANT, DROP USER, KILL
 *   credtext.c  pure and proved: passwords, names, quoting (credtext.h)
 *
 * Calls go one way only: a file calls functions of files on lower lines, never of its own
 * line or above (`nm` on the objects shows the edges below). The connection (db.c) and the
 * account statements (users.c) are below admin.c because the reaper, which admin thread 0
 * runs, needs them too; admin.c tells a lease's owner that an answer is ready through the
 * owner's notify pointer, so it calls nothing above it:
 *
 *   5  start.c  cred.c
 *   4  admin.c
 *   3  reap.c
 *   2  users.c  grants.c
 *   1  db.c     ddl.c
 *   0  credtext.c
 *
 *   start.c  -> admin.c reap.c users.c db.c      cred.c  -> admin.c users.c grants.c credtext.c
 *   admin.c  -> reap.c users.c                   reap.c  -> users.c db.c ddl.c
 *   users.c  -> db.c ddl.c credtext.c            grants.c -> ddl.c
 *   ddl.c    -> credtext.c
 *
 * Locks: c->mu guards the job queues, the drops list, stop, next_reap, the role list and each
 * role's leases, active, pool, npool, filling, account_pw, ttl and max_connections, and a
 * lease's links on its role (rprev, rnext, counted, crole). r->sync_mu lets one thread make a
 * role's database role (synced). Everything else of struct jg_cred is written before the
 * threads start (start.c) or, for host and mariadb, once under mu by the first admin login
 * (db.c: learn) and read after that login by the thread that made it or after taking mu.
 *
 * A lease (cred.h) is its owner's, but while busy the admin thread that runs its job writes
 * its result (rc, why, user, host, password) and then calls notify, after which it touches it
 * no more; busy and orphan are the owner's thread's alone. A lease on the drops list or in an
 * OP_DROP job is cred's until the admin thread that drops its user frees it.
 */
#ifndef JG_CRED_CRED_INT_H
#define JG_CRED_CRED_INT_H

#include "cred/cred.h"

#include <bearssl.h>
#include <mysql.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct jg_policy_grant;
struct jg_policy_role;

enum { OP_CREATE = 1, OP_ONESHOT, OP_REFILL, OP_CLAIM, OP_DROP, OP_SYNC, OP_DROP_POOLED };

#define POOL_MAX_AGE 3600        /* seconds a ready user waits before it is replaced */
#define POOL_BATCH 16            /* users made by one refill, in one round trip */
#define STUCK_CREATING 120       /* a "creating" row of our own run older than this is stale */
#define DROP_BATCH 16            /* users dropped by one statement */
#define DROP_DELAY_MS 100        /* how long an ended session's user waits for others */

/* A user made ahead of a session: on its role's pool (under mu), or owned by the job or admin
 * thread that took it off. */
struct pooled {
	struct pooled *next;
	char user[JG_CRED_NAME_MAX + 1];
	char password[JG_CRED_PW_LEN + 1];
	int64_t created;
};

/* A policy role as the database knows it. Made once per distinct (name, grants) and kept
 * until jg_cred_stop, since leases and jobs point at it. */
struct jg_crole {
	struct jg_crole *next;          /* every role ever made (under mu) */
	char name[80];                  /* the policy role; fixed */
	char db_role[80];               /* "" with an account; fixed */
	char account[33];               /* fixed */
	const char *account_pw;         /* under mu (a reload may point it at a new config) */
	char *grants;                   /* GRANT bodies ("SELECT ON `shop`.*"), one per line; fixed */
	unsigned ttl, max_connections;  /* under mu */
	struct jg_lease *leases;        /* live sessions in this role (under mu) */
	int active;                     /* a role of the policy in force (under mu) */
	int synced;                     /* the database role exists with exactly these grants:
	                                   set under sync_mu; read first without it (a stale 0 only
	                                   means taking sync_mu) */
	pthread_mutex_t sync_mu;        /* one thread makes the database role */
	struct pooled *pool;            /* under mu */
	int npool, filling;             /* under mu */
};

/* A job: on a queue under mu, then owned by the admin thread that took it. */
struct job {
	struct job *next;
	int op;
	struct jg_lease *l;             /* OP_CREATE, OP_ONESHOT (busy), OP_DROP (cred's now) */
	struct jg_crole *r;
	struct pooled *p;               /* OP_DROP_POOLED */
	int n;                          /* OP_REFILL: how many users */
	/* OP_CLAIM: copied, since the lease may be released before the job runs */
	char user[81], sub[256];
	uint32_t session;
	int64_t expires;
};

/* One admin connection and its random generator: used by its own thread only (admin_main),
 * or, admins[0], by the main thread while no admin thread runs (start, stop, tools). */
struct admin {
	struct jg_cred *c;
	int idx;
	pthread_t th;
	int started;
	MYSQL *m;
	br_hmac_drbg_context rng;
};

struct jg_cred {
	/* written by jg_cred_start before any thread starts, then read only */
	const struct jg_config *cfg;
	struct jg_ledger *ledger;       /* thread-safe (store/ledger.h) */
	enum jg_cred_use use;
	int reap_only;                  /* no threads (REAP and TOOL) */
	char run[40];
	char hostname[256];
	char be_host[256];
	unsigned be_port;
	struct admin *admins;
	int nadmins;
	/* written once under mu by the first admin login (db.c: learn) */
	char host[256];                 /* host part of every user */
	int mariadb;                    /* server flavour: SQL differs for roles and KILL */
	int learned;                    /* host and flavour known */

	pthread_mutex_t mu;             /* guards everything below */
	pthread_cond_t cv;              /* admin threads wait on it for jobs */
	struct job *head, *tail;        /* background: refills, claims, drops, roles */
	struct job *uhead, *utail;      /* a session waits for these: taken first */
	struct jg_lease *drops;         /* users of ended sessions, dropped together (DROP_DELAY_MS) */
	int ndrops;
	int64_t drops_since;            /* ms (CLOCK_REALTIME) when the oldest was added */
	int stop;
	int64_t next_reap;
	struct jg_crole *roles;
};

static inline int64_t jg_cred_now_s(void)
{
	return (int64_t)time(NULL);
}

static inline int64_t jg_cred_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* jg_cred_lease_free: the lease's memory, its password wiped first. */
static inline void jg_cred_lease_free(struct jg_lease *l)
{
	explicit_bzero(l->password, sizeof(l->password));
	free(l);
}

/* ---- ddl.c: statement text (pure; tests/unit/test_cred_ddl.c) -------------------------- */

/* A growable string for statements; a failed append (out of memory, or a name that cannot be
 * quoted) makes it fail for good: bad != 0. Zero-initialize; jg_cred_sb_free wipes and frees
 * (statements may hold a password or its hash). */
struct jg_cred_sb {
	char *p;
	size_t len, cap;
	int bad;
};
void jg_cred_sb_add(struct jg_cred_sb *b, const char *s, size_t n);
void jg_cred_sb_str(struct jg_cred_sb *b, const char *s);
/* jg_cred_sb_ident: s[0..n) quoted as an identifier (flags as jg_cred_quote_ident). */
void jg_cred_sb_ident(struct jg_cred_sb *b, const char *s, size_t n, unsigned flags);
void jg_cred_sb_free(struct jg_cred_sb *b);
/* jg_cred_sb_privs: "SELECT (`a`, `b`), UPDATE (`a`, `b`)" for privs (JG_PRIV_*) and a
 * comma-joined column list (NULL or "" for none). */
void jg_cred_sb_privs(struct jg_cred_sb *b, unsigned privs, const char *cols);
/* jg_cred_sb_on: " ON `db`.*" (db escaped as a GRANT pattern) or " ON `db`.`table`". */
void jg_cred_sb_on(struct jg_cred_sb *b, const char *db, const char *table);

/* jg_cred_account: 'user'@'host' into out; its length, or -1 when a part cannot be quoted. */
long jg_cred_account(char *out, size_t cap, const char *user, const char *host);
/* jg_cred_native_hash: mysql_native_password's stored form, "*" + HEX(SHA1(SHA1(pw))). */
void jg_cred_native_hash(const char *pw, char out[42]);

/* What jg_cred_ddl_create_users makes: n users (passwords in the clear; only their hash is
 * written for MariaDB) at host, each with exactly db_role as its default role, or without a
 * role (db_role NULL) exactly grants[0..ngrants). */
struct jg_cred_newusers {
	int n;
	const char *const *user, *const *password;
	const char *host;
	int mariadb;
	const char *db_role;
	const struct jg_cred_grant *grants;
	unsigned ngrants;
};

/*
 * jg_cred_ddl_create_users: into b (empty), one round trip that makes the users: CREATE USER
 * naming them all with their passwords, WITH MAX_USER_CONNECTIONS 1, then GRANT of the role
 * to all and SET DEFAULT ROLE for each (or the grants). JG_OK, or JG_ERR_CONFIG with err when
 * something cannot be written safely (b is then to be freed, not run).
 */
int jg_cred_ddl_create_users(struct jg_cred_sb *b, const struct jg_cred_newusers *u, char *err,
                             size_t errlen);

/* jg_cred_ddl_role: into b (empty), the database role db_role made afresh with exactly the
 * grant bodies of grants (one per line, each ending in '\n'). JG_OK or JG_ERR_CONFIG. */
int jg_cred_ddl_role(struct jg_cred_sb *b, const char *db_role, const char *grants);

/* jg_cred_ddl_drop_role: appends "DROP ROLE IF EXISTS `name`" to b ("; " first unless b is
 * empty). */
void jg_cred_ddl_drop_role(struct jg_cred_sb *b, const char *name);

/*
 * jg_cred_ddl_drop_users: into b (empty), DROP USER IF EXISTS naming user[i]@host[i] (i < n)
 * and, on MariaDB, KILL HARD CONNECTION USER for each (MySQL has none: see
 * jg_cred_ddl_processlist). JG_OK, JG_ERR_CONFIG (a name cannot be quoted) or JG_ERR_NOMEM,
 * with err.
 */
int jg_cred_ddl_drop_users(struct jg_cred_sb *b, int n, const char *const *user,
                           const char *const *host, int mariadb, char *err, size_t errlen);

/* jg_cred_ddl_processlist: the query for the ids of user's connections (MySQL), into out; its
 * length, or -1 when user cannot be quoted or cap is too small. */
long jg_cred_ddl_processlist(char *out, size_t cap, const char *user);

/* ---- grants.c: grants (pure; tests/unit/test_cred_grants.c) ------------------------------ */

/* jg_cred_grant_body: appends "SELECT (`a`), UPDATE ON `db`.`t`" for g to b (b->bad when a
 * name cannot be quoted or a privilege has no name). */
void jg_cred_grant_body(struct jg_cred_sb *b, const struct jg_policy_grant *g);

/* jg_cred_role_grants: pr's grant bodies from pol, one per line; malloc'd (caller frees), or
 * NULL when out of memory or a name cannot be quoted. */
char *jg_cred_role_grants(const struct jg_policy *pol, const struct jg_policy_role *pr);

/* ---- db.c: the admin connection ----------------------------------------------------------- */

/* jg_cred_admin_ready: a's connection, made or checked, and the flavour and host learned; NULL
 * with err when the database cannot be reached. */
MYSQL *jg_cred_admin_ready(struct admin *a, char *err, size_t errlen);

/* jg_cred_run_sql: one or several statements; every result is consumed. JG_OK, or
 * JG_ERR_BACKEND with the server's message in err. The text may hold a password hash: it is
 * never logged. */
int jg_cred_run_sql(MYSQL *m, const char *sql, char *err, size_t errlen);

/* jg_cred_query_one: the first column of the first row of sql into out ("" when no row). */
int jg_cred_query_one(MYSQL *m, const char *sql, char *out, size_t cap, char *err,
                      size_t errlen);

/* ---- users.c: users and database roles ---------------------------------------------------- */

/* jg_cred_random: n bytes from a's HMAC-DRBG. */
void jg_cred_random(struct admin *a, void *out, size_t n);

/* jg_cred_sync_role: r's database role made afresh with exactly r's grants, once. */
int jg_cred_sync_role(struct admin *a, struct jg_crole *r, char *err, size_t errlen);

/*
 * jg_cred_create_user: one user for l: ledger first, then CREATE USER with r's role (or, r
 * NULL, a one-shot user with l->grants). kind: "session" or "oneshot". The name and password
 * go to user and pw. On failure nothing is left behind (the user is dropped again) and err
 * says why.
 */
int jg_cred_create_user(struct admin *a, struct jg_crole *r, const char *kind,
                        const struct jg_lease *l, char *user, size_t ucap, char *pw, char *err,
                        size_t errlen);

/* jg_cred_make_pool_users: n (<= POOL_BATCH) ready users of r in one round trip, into p[0..n);
 * returns n, or 0 on failure (err; nothing is left behind). */
int jg_cred_make_pool_users(struct admin *a, struct jg_crole *r, struct pooled **p, int n,
                            char *err, size_t errlen);

/*
 * jg_cred_drop_users: DROP USER, then kill their connections (revocation is complete only when
 * nothing they opened is left running): n users in one round trip. Each ledger row goes to
 * "dropping" first and "dropped" (with its reason) after; on failure the rows stay "dropping"
 * for the reaper.
 */
int jg_cred_drop_users(struct admin *a, int n, const char *const *user,
                       const char *const *host, const char *const *reason, char *err,
                       size_t errlen);
int jg_cred_drop_user(struct admin *a, const char *user, const char *host, const char *reason,
                      char *err, size_t errlen);

/* ---- reap.c: the reaper ------------------------------------------------------------------- */

/* jg_cred_pid_is_jitgate: a live process on this host that is a jitgate (not a zombie). */
int jg_cred_pid_is_jitgate(int64_t pid);

/* jg_cred_reap_with: jg_cred_reap on the connection of a. */
long jg_cred_reap_with(struct jg_cred *c, struct admin *a,
                       void (*cb)(void *, const char *, const char *, const char *), void *arg);

/* jg_cred_reap_tick: admin thread 0, every reap_period: heartbeat, reaping, forgetting
 * long-dropped users. */
void jg_cred_reap_tick(struct admin *a);

/* jg_cred_drop_stale_roles: at start, with no user of this instance left, the database roles
 * earlier runs made are dropped (MariaDB). */
void jg_cred_drop_stale_roles(struct jg_cred *c, MYSQL *m);

/* jg_cred_drop_own: at stop, every user this run made. */
void jg_cred_drop_own(struct jg_cred *c);

/* ---- admin.c: the admin threads and their queue -------------------------------------------- */

/* jg_cred_queue: under mu. A job a session waits for goes before background work. */
void jg_cred_queue(struct jg_cred *c, struct job *j);

/* jg_cred_queue_op: a job of op for l or r, queued; under mu. JG_OK or JG_ERR_NOMEM. */
int jg_cred_queue_op(struct jg_cred *c, int op, struct jg_lease *l, struct jg_crole *r);

/* jg_cred_want_refill: under mu. When r's pool (with what is being made) falls to half, one
 * job makes what it lacks in one batch. */
void jg_cred_want_refill(struct jg_cred *c, struct jg_crole *r);

/* jg_cred_retire_pooled: under mu. The ready user *pp of r leaves the pool and is dropped in
 * the background; 0 (and nothing changed) when out of memory. */
int jg_cred_retire_pooled(struct jg_cred *c, struct jg_crole *r, struct pooled **pp);

/* jg_cred_queue_drop: l's user is to be dropped (l->reason says why) and l freed after;
 * JG_CRED_ENDED waits up to DROP_DELAY_MS for others. Takes mu. */
void jg_cred_queue_drop(struct jg_cred *c, struct jg_lease *l);

/* jg_cred_admin_main: an admin thread (arg: its struct admin). */
void *jg_cred_admin_main(void *arg);

#endif
