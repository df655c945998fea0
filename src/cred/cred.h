/*
 * cred.h: just-in-time MySQL users (docs/credentials.md).
 *
 * For each session the gateway logs in to the database as a user made for it: a random name
 * that tells which instance made it ("jg_<instance>_<16 hex>"), a random password from
 * BearSSL's HMAC-DRBG seeded by the kernel, the host the database sees the gateway connect
 * from, one connection at most, and exactly one database role: the policy role's grants, made
 * once per policy role and kept exact (dropped and made again at start and whenever its grants
 * change; its name carries a digest of them). No FILE, SUPER, PROCESS or GRANT OPTION: the
 * policy compiler refuses them.
 *
 * Making a user takes three statements that write the grant tables (about 2 ms on MariaDB), so
 * each role keeps a small pool of ready users ([credentials] pool); a session takes one at once
 * and a refill starts behind it. A session that finds the pool empty waits for a user made for
 * it. The user is dropped and its connections killed when the session ends or its token
 * expires. A role that names an existing account (`account` in the policy) uses it as is.
 *
 * Threads: [credentials] admin_connections threads, each with its own libmariadb connection
 * as [backend] user, take jobs from one queue; the event loop never blocks on them. The ledger
 * (src/store) holds every user from before CREATE USER to after DROP USER; the reaper drops
 * what a crashed run left and what outlived its expiry, at start and every reap_period.
 * jg_cred_start, jg_cred_stop: the main thread. jg_cred_set_policy: the main thread at start,
 * one worker at a reload. The lease functions: the lease's owner's thread (a worker, or a
 * tool's). cred knows nothing of the event loop: it tells an owner that an answer is ready by
 * calling the owner's notify on an admin thread (src/cred/cred_int.h says which file runs where).
 *
 * Ownership of a lease: the owner (a session, a tool) holds it from jg_cred_lease_new to
 * jg_cred_release. While a request is in flight (jg_cred_acquire returned JG_WAIT, or
 * jg_cred_oneshot) the lease is cred's: an admin thread fills l->rc, l->why, l->user, l->host,
 * l->password and calls l->notify(l), and from that call on the lease is handed back: notify
 * must only pass it to the owner's thread (e.g. jg_worker_post(l->notify_arg, &l->post)) and
 * return, and the owner's thread then calls jg_cred_settle(l) before anything else. An owner
 * that ends while a request is in flight calls jg_cred_release all the same: the lease is
 * marked and jg_cred_settle drops the user and frees the lease when it comes back. l->busy and
 * that mark are read and written only on the owner's thread (acquire, oneshot, release,
 * settle), so they need no lock.
 */
#ifndef JG_CRED_CRED_H
#define JG_CRED_CRED_H

#include "gw/config.h"
#include "cred/credtext.h"
#include "jg.h"

#include <stdint.h>

#define JG_CRED_PW_LEN 32

struct jg_cred;
struct jg_policy;
struct jg_crole;

/* A grant of a one-shot user: privileges (JG_PRIV_*) on db.table ("*" for every table). */
struct jg_cred_grant {
	unsigned privs;
	char db[65], table[65];
};
#define JG_CRED_ONESHOT_GRANTS 8

struct jg_lease {
	/* set by the owner; cred only calls notify, and reads none of the others */
	void (*notify)(struct jg_lease *l); /* an answer is ready: called on an admin thread */
	void *notify_arg;               /* for notify (a session passes its worker) */
	struct jg_post post;            /* for notify to hand the lease over with (src/jg.h) */
	void *owner;                    /* the session, the tool */
	/* cred's */
	struct jg_cred *cred;
	struct jg_lease *next;          /* the list of ended sessions' users to drop (admin.c) */
	struct jg_lease *rprev, *rnext; /* the role's live leases (max_connections); under mu */
	uint8_t counted;                /* on the role's list; under mu */
	uint8_t busy;                   /* a request is in flight (owner's thread only) */
	uint8_t orphan;                 /* released while busy: settle frees it (owner's thread) */
	uint8_t account;                /* an existing account: nothing to drop */
	/* request */
	char role[80];                  /* the policy role (oneshot: a label for the ledger) */
	char sub[256];                  /* the token's subject, for the ledger */
	uint32_t session;
	int64_t expires;                /* seconds since the epoch */
	struct jg_cred_grant grants[JG_CRED_ONESHOT_GRANTS];
	unsigned ngrants;
	/* result */
	int rc;                         /* JG_OK or the error */
	char why[512];                  /* for the client when rc != JG_OK */
	char user[81], host[256];
	char password[JG_CRED_PW_LEN + 1];  /* wiped on release; never logged */
	struct jg_crole *crole;
	char reason[64];                /* why it is dropped (for the ledger) */
};

enum jg_cred_use {
	JG_CRED_SERVE = 0,  /* `serve`: threads, a run of its own, reaping at start and periodically */
	JG_CRED_REAP = 1,   /* `jitgate reap`: no threads, no run of its own */
	JG_CRED_TOOL = 2,   /* `jitgate cred`: no threads; a run of its own, so that a gateway's
	                       reaper leaves its users alone while it lives */
};

/*
 * jg_cred_start: opens the ledger, refuses to serve when another live run has the same
 * instance, connects the admin connection, reaps what earlier runs left, and starts the
 * threads. Blocking; call before the workers start. *out is NULL and err says why on failure.
 */
int jg_cred_start(struct jg_cred **out, const struct jg_config *cfg, enum jg_cred_use use,
                  char *err, size_t errlen);

/*
 * jg_cred_connect: a libmariadb connection to host:port as [backend] user, with the admin
 * connection's rules ([backend] tls; without a verified certificate only authentication
 * plugins that never reveal the password). NULL with err on failure. Blocking.
 */
typedef struct st_mysql MYSQL;
MYSQL *jg_cred_connect(const struct jg_config *cfg, const char *host, unsigned port, char *err,
                       size_t errlen);

/* jg_cred_stop: waits for queued jobs, drops every user this run made, ends the threads. */
void jg_cred_stop(struct jg_cred *c);

/* jg_cred_set_policy: the roles of pol become the ones sessions get (start and reload). At
 * start (before the workers run) roles are made at once and errors returned; on reload the
 * work is queued. pol must stay loaded until jg_cred_stop. */
int jg_cred_set_policy(struct jg_cred *c, const struct jg_policy *pol, char *err, size_t errlen);

/* jg_cred_lease_new: a lease for a session (role, subject, expiry); NULL when out of memory.
 * The owner sets notify, notify_arg, post and owner before a request that may wait. */
struct jg_lease *jg_cred_lease_new(struct jg_cred *c, const char *role, const char *sub,
                                   uint32_t session, int64_t expires);

/*
 * jg_cred_acquire: credentials for l. JG_OK: l->user, l->host, l->password are ready now.
 * JG_WAIT: a user is being made; l->notify(l) is called on an admin thread when it is done,
 * then the owner calls jg_cred_settle on its own thread. Anything else: refused, with l->why
 * for the client.
 */
int jg_cred_acquire(struct jg_lease *l);

/* jg_cred_oneshot: like jg_cred_acquire but always JG_WAIT (or JG_ERR_NOMEM): a user with
 * exactly l->grants (filled by the caller) for one approved statement; release it right after. */
int jg_cred_oneshot(struct jg_lease *l);

/*
 * jg_cred_settle: on the owner's thread, once notify has handed l over. JG_OK: the owner has
 * the lease back and reads l->rc, l->why, l->user. JG_ERR_CLOSED: the owner had released l
 * while it was busy; its user is dropped now ("session ended before its user was ready") and
 * l is freed: touch neither l nor what it pointed at for the owner.
 */
int jg_cred_settle(struct jg_lease *l);

/* jg_cred_oneshot_now, jg_cred_release_now: blocking forms for tools without a worker
 * (`jitgate cred oneshot`, a jg_cred started with reap_only). release_now frees l. */
int jg_cred_oneshot_now(struct jg_lease *l);
int jg_cred_release_now(struct jg_lease *l, const char *reason);

/*
 * jg_cred_release: the session is over (reason for the ledger: JG_CRED_ENDED, "token expired",
 * ...): the user is dropped and its connections killed in the background; l is freed (while a
 * request is in flight, by jg_cred_settle when it comes back). A user whose session simply
 * ended (JG_CRED_ENDED: its connection is closed, its password was only in this lease) is
 * dropped within 100 ms together with others that ended meanwhile, in one statement; for any
 * other reason at once.
 */
#define JG_CRED_ENDED "session ended"
void jg_cred_release(struct jg_lease *l, const char *reason);

/*
 * jg_cred_reap: drops users of this instance whose run is not alive any more, and users whose
 * expiry passed (plus the grace); cb (may be NULL) is told of each. Blocking; used by the
 * reaper thread and by `jitgate reap`. Returns the number dropped, or -1.
 */
long jg_cred_reap(struct jg_cred *c, void (*cb)(void *arg, const char *user, const char *host,
                                                const char *why), void *arg);

/* jg_cred_pending: users of this instance in the ledger not dropped yet (tests, `reap`). */
long jg_cred_pending(struct jg_cred *c);

/* jg_cred_stmt_grants: the privileges a classified statement needs, for a one-shot user:
 * one grant per table it names (db from the statement or db0). Returns the number, or -1 when
 * the statement's kind needs more than jitgate gives. */
struct jg_sql_stmt;
int jg_cred_stmt_grants(const struct jg_sql_stmt *st, const char *db0,
                        struct jg_cred_grant *g, unsigned cap);

#endif
