/* test_cred.c: what src/cred decides without a database: one-shot grants for a statement, and
 * the [credentials] / [store] / [accounts] configuration. The database side is in
 * tests/integration/jit_cases.sh. */
#include "unit.h"

#include "gw/config.h"
#include "cred/cred.h"
#include "policy/policy.h"
#include "sql/sql.h"

#include <stdlib.h>
#include <unistd.h>

static int grants_for(const char *sql, const char *db, struct jg_cred_grant *g)
{
	static struct jg_sql_result r;
	struct jg_sql_session sess = { 0 };

	snprintf(sess.db, sizeof(sess.db), "%s", db);
	if (jg_sql_classify(&sess, sql, strlen(sql), &r) != JG_OK || r.nstmts != 1)
		return -2;
	return jg_cred_stmt_grants(&r.stmts[0], db, g, JG_CRED_ONESHOT_GRANTS);
}

JG_TEST(cred_oneshot_grants_are_what_the_statement_needs)
{
	struct jg_cred_grant g[JG_CRED_ONESHOT_GRANTS];

	CHECK_EQ_INT(grants_for("DROP TABLE scratch1", "shop", g), 1);
	CHECK_EQ_STR(g[0].db, "shop");
	CHECK_EQ_STR(g[0].table, "scratch1");
	CHECK_EQ_INT(g[0].privs, JG_PRIV_DROP);

	/* The first table is acted on; the others are only read. */
	CHECK_EQ_INT(grants_for("DELETE FROM shop.orders WHERE customer_id IN "
	                        "(SELECT id FROM crm.customers)", "", g), 2);
	CHECK_EQ_STR(g[0].db, "shop");
	CHECK_EQ_STR(g[0].table, "orders");
	CHECK_EQ_INT(g[0].privs, JG_PRIV_DELETE | JG_PRIV_SELECT);
	CHECK_EQ_STR(g[1].db, "crm");
	CHECK_EQ_STR(g[1].table, "customers");
	CHECK_EQ_INT(g[1].privs, JG_PRIV_SELECT);

	CHECK_EQ_INT(grants_for("UPDATE orders SET status = 'paid'", "shop", g), 1);
	CHECK_EQ_INT(g[0].privs, JG_PRIV_UPDATE | JG_PRIV_SELECT);
	CHECK_EQ_INT(grants_for("TRUNCATE TABLE shop.sessions", "", g), 1);
	CHECK_EQ_INT(g[0].privs, JG_PRIV_DROP);

	/* Refused: no database to name, nothing visible, or more than a one-shot user gets. */
	CHECK_EQ_INT(grants_for("DROP TABLE scratch1", "", g), -1);
	CHECK_EQ_INT(grants_for("GRANT ALL ON *.* TO x", "shop", g), -1);
	CHECK_EQ_INT(grants_for("EXECUTE stmt1", "shop", g), -1);
	CHECK_EQ_INT(grants_for("SELECT * FROM t INTO OUTFILE '/tmp/x'", "shop", g), -1);
	CHECK_EQ_INT(grants_for("CREATE USER x", "shop", g), -1);
}

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
