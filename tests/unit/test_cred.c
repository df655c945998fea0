/* test_cred.c: what src/cred does without a database: the [credentials] / [store] / [accounts]
 * configuration, and the hand-over of a lease between the admin threads and its owner (with a
 * database that cannot be reached). Statement text: test_cred_ddl.c; grants:
 * test_cred_grants.c; the database side: tests/integration/jit_cases.sh. */
#include "unit.h"

#include "gw/config.h"
#include "cred/cred.h"
#include "policy/policy.h"
#include "sql/sql.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* load_ini: the text as a config file; the result of jg_config_load, err filled. */
static int load_ini(const char *extra, struct jg_config *c, char *err, size_t errlen)
{
	char path[] = "/tmp/jg-cfg.XXXXXX";
	int fd = mkstemp(path), rc;
	FILE *f;

	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	fprintf(f, "[listen]\ntls_cert = /x/cert.pem\ntls_key = /x/key.pem\n"
	        "[backend]\naddress = 127.0.0.1:3306\nuser = admin\n"
	        "[identity]\nissuer = https://i\naudience = a\njwks_file = /x/jwks.json\n%s", extra);
	fclose(f);
	rc = jg_config_load(c, path, err, errlen);
	unlink(path);
	return rc;
}

JG_TEST(cred_config_keys)
{
	static struct jg_config c;
	char err[1024], pw[] = "/tmp/jg-pw.XXXXXX", text[512];
	int fd;

	/* Just-in-time users need a policy: without one, fail closed at start. */
	CHECK_EQ_INT(load_ini("", &c, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "missing [policy] file") != NULL);
	CHECK_EQ_INT(load_ini("[credentials]\nmode = shared\n", &c, err, sizeof(err)), JG_OK);
	CHECK_EQ_INT(c.cred_mode, JG_CRED_SHARED);
	CHECK_EQ_INT(c.cred_pool, 4);
	CHECK_EQ_INT(c.cred_grace, 30);
	CHECK_EQ_INT(c.cred_reap_period, 60);
	CHECK_EQ_STR(c.store_path, "/var/lib/jitgate/jitgate.db");
	CHECK(c.cred_instance[0] != '\0');

	CHECK_EQ_INT(load_ini("[policy]\nfile = /x/p.policy\n[credentials]\ninstance = gw1\npool = 0\n"
	                      "grace = 5\nreap_period = 2\nadmin_connections = 3\nhost = 10.0.0.%\n"
	                      "[store]\npath = /x/s.db\nsync = full\nledger_days = 7\n", &c, err,
	                      sizeof(err)), JG_OK);
	CHECK_EQ_INT(c.cred_mode, JG_CRED_JIT);
	CHECK_EQ_STR(c.cred_instance, "gw1");
	CHECK_EQ_INT(c.cred_pool, 0);
	CHECK_EQ_INT(c.cred_grace, 5);
	CHECK_EQ_INT(c.cred_admin_conns, 3);
	CHECK_EQ_STR(c.cred_host, "10.0.0.%");
	CHECK_EQ_INT(c.store_sync_full, 1);
	CHECK_EQ_INT(c.store_ledger_days, 7);

	/* An instance names users in SQL: only a-z and 0-9, at most 10. */
	CHECK_EQ_INT(load_ini("[credentials]\nmode = shared\ninstance = Gw-1\n", &c, err, sizeof(err)),
	             JG_ERR_CONFIG);
	CHECK(strstr(err, ":13: instance \"Gw-1\" must be 1 to 10 of a-z and 0-9") != NULL);
	CHECK_EQ_INT(load_ini("[credentials]\nmode = shared\ninstance = abcdefghijk\n", &c, err,
	                      sizeof(err)), JG_ERR_CONFIG);
	CHECK_EQ_INT(load_ini("[credentials]\nmode = sometimes\n", &c, err, sizeof(err)),
	             JG_ERR_CONFIG);
	CHECK(strstr(err, "mode must be jit or shared") != NULL);
	CHECK_EQ_INT(load_ini("[store]\nsync = maybe\n", &c, err, sizeof(err)), JG_ERR_CONFIG);

	/* Accounts: a password file, read at once; names as MySQL user names. */
	fd = mkstemp(pw);
	CHECK(fd >= 0);
	CHECK_EQ_INT(write(fd, "s3cret\n", 7), 7);
	close(fd);
	snprintf(text, sizeof(text), "[credentials]\nmode = shared\n[accounts]\nreporting = %s\n", pw);
	CHECK_EQ_INT(load_ini(text, &c, err, sizeof(err)), JG_OK);
	CHECK_EQ_INT(c.naccounts, 1);
	CHECK_EQ_STR(c.accounts[0].name, "reporting");
	CHECK_EQ_STR(c.accounts[0].password, "s3cret");
	snprintf(text, sizeof(text), "[credentials]\nmode = shared\n[accounts]\nrep`x = %s\n", pw);
	CHECK_EQ_INT(load_ini(text, &c, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "account name \"rep`x\"") != NULL);
	CHECK_EQ_INT(load_ini("[credentials]\nmode = shared\n[accounts]\nrep = /nonexistent/pw\n", &c,
	                      err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "password file of account rep") != NULL);
	unlink(pw);
}

/* ---- leases: notify on an admin thread, settle on the owner's --------------------------------- */

/* What notify hands over: the lease, and whether it came on another thread. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct jg_lease *l;
	int calls, elsewhere;
	pthread_t owner;
} box = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0 };

static void box_notify(struct jg_lease *l)
{
	pthread_mutex_lock(&box.mu);
	CHECK(l->notify_arg == &box);
	box.l = l;
	box.calls++;
	box.elsewhere += !pthread_equal(pthread_self(), box.owner);
	pthread_cond_signal(&box.cv);
	pthread_mutex_unlock(&box.mu);
}

/* box_wait: the lease notify handed over, or NULL after 10 s. */
static struct jg_lease *box_wait(void)
{
	struct timespec until;
	struct jg_lease *l;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&box.mu);
	while (!box.l && pthread_cond_timedwait(&box.cv, &box.mu, &until) == 0)
		;
	l = box.l;
	box.l = NULL;
	pthread_mutex_unlock(&box.mu);
	return l;
}

static struct jg_lease *new_lease(struct jg_cred *c, const char *role, const char *sub)
{
	struct jg_lease *l = jg_cred_lease_new(c, role, sub, 7, (int64_t)time(NULL) + 600);

	CHECK(l != NULL);
	l->notify = box_notify;
	l->notify_arg = &box;
	l->owner = &box;
	return l;
}

static const char lease_policy[] =
	"policy \"t\" {\n"
	"  default deny \"no\"\n  unknown deny \"no\"\n"
	"  role reader {\n    groups \"g\"\n    grant select on shop.*\n    max_connections 1\n  }\n"
	"}\n";

/* A database that refuses connections (nothing listens on port 1): every user fails to be
 * made, which is what lets the hand-over be seen without one. */
JG_TEST(cred_lease_notify_settle_orphan)
{
	static struct jg_config cfg;
	struct jg_policy pol;
	struct jg_cred *c = NULL;
	struct jg_lease *l, *l2, *back;
	char dir[] = "/tmp/jg-cred-ut.XXXXXX", text[512], err[1024], path[600];
	uint8_t *bytes;
	int level = jg_log_level;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(text, sizeof(text), "[backend]\naddress = 127.0.0.1:1\n[policy]\nfile = /x/p.policy\n"
	         "[credentials]\ninstance = ut1\npool = 0\nadmin_connections = 1\n"
	         "[store]\npath = %s/s.db\n", dir);
	CHECK_EQ_INT(load_ini(text, &cfg, err, sizeof(err)), JG_OK);
	if (!(bytes = jg_unit_policy(lease_policy, &pol)))
		return;
	jg_log_level = -1;                      /* the refused connections are expected */
	CHECK_EQ_INT(jg_cred_start(&c, &cfg, JG_CRED_SERVE, err, sizeof(err)), JG_OK);
	if (!c)
		goto out;
	CHECK_EQ_INT(jg_cred_set_policy(c, &pol, err, sizeof(err)), JG_OK);
	box.owner = pthread_self();

	/* A role the policy does not have: refused at once. */
	l = new_lease(c, "writer", "alice");
	CHECK_EQ_INT(jg_cred_acquire(l), JG_ERR_CONFIG);
	CHECK(strstr(l->why, "role writer has no database credentials") != NULL);
	jg_cred_release(l, JG_CRED_ENDED);

	/* The pool is empty: the user is made for the lease, and the answer comes through notify
	 * on the admin thread; settle gives the lease back. */
	l = new_lease(c, "reader", "alice");
	CHECK_EQ_INT(jg_cred_acquire(l), JG_WAIT);
	CHECK(l->busy);
	/* max_connections 1: alice's second session is refused while the first lives. */
	l2 = new_lease(c, "reader", "alice");
	CHECK_EQ_INT(jg_cred_acquire(l2), JG_ERR_AUTH);
	CHECK(strstr(l2->why, "alice already has 1 sessions in role reader") != NULL);
	jg_cred_release(l2, JG_CRED_ENDED);
	back = box_wait();
	CHECK(back == l);
	CHECK_EQ_INT(jg_cred_settle(l), JG_OK);
	CHECK(!l->busy);
	CHECK_EQ_INT(l->rc, JG_ERR_BACKEND);
	CHECK(strstr(l->why, "jitgate could not make a database user for role reader") != NULL);
	CHECK_EQ_STR(l->user, "");
	CHECK(l->owner == &box);
	jg_cred_release(l, JG_CRED_ENDED);

	/* Released while busy: the lease waits for its answer, and settle ends it. */
	l = new_lease(c, "reader", "bob");
	CHECK_EQ_INT(jg_cred_acquire(l), JG_WAIT);
	jg_cred_release(l, JG_CRED_ENDED);
	back = box_wait();
	CHECK(back == l);
	CHECK_EQ_INT(jg_cred_settle(back), JG_ERR_CLOSED);

	/* bob's lease is gone from the role's count: a new one is not refused. */
	l = new_lease(c, "reader", "bob");
	CHECK_EQ_INT(jg_cred_acquire(l), JG_WAIT);
	back = box_wait();
	CHECK(back == l);
	CHECK_EQ_INT(jg_cred_settle(l), JG_OK);
	jg_cred_release(l, JG_CRED_ENDED);

	/* jg_cred_oneshot answers the same way. */
	l = new_lease(c, "oneshot", "carol");
	CHECK_EQ_INT(jg_cred_oneshot(l), JG_WAIT);
	back = box_wait();
	CHECK(back == l);
	CHECK_EQ_INT(jg_cred_settle(l), JG_OK);
	CHECK_EQ_INT(l->rc, JG_ERR_BACKEND);
	jg_cred_release(l, JG_CRED_ENDED);
	CHECK_EQ_INT(box.calls, 4);
	CHECK_EQ_INT(box.elsewhere, 4);
out:
	jg_cred_stop(c);
	jg_log_level = level;
	free(bytes);
	for (const char *const *f = (const char *const[]){ "s.db", "s.db-wal", "s.db-shm", NULL }; *f;
	     f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *f);
		unlink(path);
	}
	rmdir(dir);
}

JG_TEST(config_limits)
{
	static struct jg_config c;
	char err[1024];

	CHECK_EQ_INT(load_ini("[credentials]\nmode = shared\n", &c, err, sizeof(err)), JG_OK);
	CHECK_EQ_INT(c.limit_statement, 0);            /* the database's max_allowed_packet */
	CHECK_EQ_INT(c.limit_row, 16 << 20);
	CHECK_EQ_INT(load_ini("[credentials]\nmode = shared\n[limits]\nstatement = 1048576\n"
	                      "row = 4096\n", &c, err, sizeof(err)), JG_OK);
	CHECK_EQ_INT(c.limit_statement, 1048576);
	CHECK_EQ_INT(c.limit_row, 4096);
	/* At most 1 GiB each; a row bound under 1 KiB would cut ordinary results. */
	CHECK_EQ_INT(load_ini("[credentials]\nmode = shared\n[limits]\nstatement = 1073741825\n", &c,
	                      err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "statement must be an integer from 0 to 1073741824") != NULL);
	CHECK_EQ_INT(load_ini("[credentials]\nmode = shared\n[limits]\nrow = 100\n", &c, err,
	                      sizeof(err)), JG_ERR_CONFIG);
	CHECK_EQ_INT(load_ini("[credentials]\nmode = shared\n[limits]\nrows = 100\n", &c, err,
	                      sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "unknown key \"rows\" in section [limits]") != NULL);
}
