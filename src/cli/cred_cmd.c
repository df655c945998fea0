/*
 * cred_cmd.c: `jitgate reap -c FILE` drops the just-in-time users that runs of this instance
 * left behind (docs/credentials.md); `jitgate cred oneshot -c FILE [--db DB] "SQL"` runs one
 * statement under a one-shot user with exactly the privileges it needs, then drops the user
 * (what an approved statement will use).
 */
#include "cli/cli.h"
#include "gw/config.h"
#include "cred/cred.h"
#include "jg.h"
#include "sql/sql.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void reported(void *arg, const char *user, const char *host, const char *why)
{
	long *n = arg;

	printf("dropped %s@%s: %s\n", user, host, why);
	(*n)++;
}

static int load(const char *path, struct jg_config *cfg)
{
	char err[1024];

	if (jg_config_load(cfg, path, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jitgate: %s\n", err);
		return -1;
	}
	return 0;
}

int jg_cmd_reap(int argc, char **argv)
{
	static struct jg_config cfg;
	struct jg_cred *c;
	char err[1024];
	long n = 0, dropped, left;

	if (argc != 3 || (strcmp(argv[1], "-c") != 0 && strcmp(argv[1], "--config") != 0)) {
		fprintf(stderr, "usage: jitgate reap -c FILE\n");
		return 2;
	}
	if (load(argv[2], &cfg) < 0)
		return 1;
	if (jg_cred_start(&c, &cfg, JG_CRED_REAP, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jitgate: %s\n", err);
		return 1;
	}
	dropped = jg_cred_reap(c, reported, &n);
	left = jg_cred_pending(c);
	printf("reap: %ld dropped, %ld in use by a live gateway (instance %s)\n", n, left,
	       cfg.cred_instance);
	jg_cred_stop(c);
	explicit_bzero(cfg.backend_password, sizeof(cfg.backend_password));
	return dropped < 0 ? 1 : 0;
}

/* run_as: the statement as the one-shot user; 0 or -1 with the server's message printed. */
static int run_as(const struct jg_config *cfg, const struct jg_lease *l, const char *db,
                  const char *sql)
{
	char host[256], port[16];
	unsigned proto = MYSQL_PROTOCOL_TCP;
	MYSQL *m = mysql_init(NULL);
	MYSQL_RES *res;
	int rc = -1;

	if (!m || jg_config_split_address(cfg->backend_address, host, sizeof(host), port,
	                                  sizeof(port)) != JG_OK)
		goto out;
	mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
	if (!mysql_real_connect(m, host, l->user, l->password, db, (unsigned)atoi(port), NULL, 0)) {
		printf("login as %s failed: %s\n", l->user, mysql_error(m));
		goto out;
	}
	if (mysql_query(m, sql) != 0) {
		printf("refused by the database: %s (error %u)\n", mysql_error(m), mysql_errno(m));
		goto out;
	}
	res = mysql_store_result(m);
	printf("ran: %llu rows\n", res ? (unsigned long long)mysql_num_rows(res) :
	       (unsigned long long)mysql_affected_rows(m));
	if (res)
		mysql_free_result(res);
	rc = 0;
out:
	if (m)
		mysql_close(m);
	return rc;
}

int jg_cmd_cred(int argc, char **argv)
{
	static struct jg_config cfg;
	struct jg_sql_session sess = { .version = JG_SQL_VERSION_DEFAULT };
	static struct jg_sql_result res;
	const char *path = NULL, *db = "", *sql = NULL;
	struct jg_cred *c;
	struct jg_lease *l;
	char err[1024];
	int n, rc = 1;

	if (argc < 2 || strcmp(argv[1], "oneshot") != 0)
		goto usage;
	for (int i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
			db = argv[++i];
		else if (!sql)
			sql = argv[i];
		else
			goto usage;
	}
	if (!path || !sql)
		goto usage;
	if (load(path, &cfg) < 0)
		return 1;
	snprintf(sess.db, sizeof(sess.db), "%s", db);
	if (jg_sql_classify(&sess, sql, strlen(sql), &res) != JG_OK || res.nstmts != 1) {
		fprintf(stderr, "jitgate: give exactly one statement\n");
		return 2;
	}
	if (jg_cred_start(&c, &cfg, JG_CRED_TOOL, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jitgate: %s\n", err);
		return 1;
	}
	if (!(l = jg_cred_lease_new(c, "oneshot", "jitgate cred oneshot", 0,
	                            (int64_t)time(NULL) + 300)))
		goto stop;
	n = jg_cred_stmt_grants(&res.stmts[0], db, l->grants, JG_CRED_ONESHOT_GRANTS);
	if (n < 0) {
		fprintf(stderr, "jitgate: a %s statement is not run under a one-shot user\n",
		        jg_sql_kind_name(res.stmts[0].kind));
		jg_cred_release_now(l, "not used");
		goto stop;
	}
	l->ngrants = (unsigned)n;
	if (jg_cred_oneshot_now(l) != JG_OK) {
		fprintf(stderr, "jitgate: %s\n", l->why);
		jg_cred_release_now(l, "creation failed");
		goto stop;
	}
	printf("one-shot user %s@%s\n", l->user, l->host);
	fflush(stdout);
	rc = run_as(&cfg, l, db[0] ? db : NULL, sql) == 0 ? 0 : 1;
	snprintf(err, sizeof(err), "%s@%s", l->user, l->host);
	if (jg_cred_release_now(l, "one-shot statement done") == JG_OK)
		printf("dropped %s\n", err);
	else
		rc = 1;
stop:
	jg_cred_stop(c);
	explicit_bzero(cfg.backend_password, sizeof(cfg.backend_password));
	return rc;
usage:
	fprintf(stderr, "usage: jitgate cred oneshot -c FILE [--db DB] \"SQL\"\n");
	return 2;
}
