/* test_ledger.c: the ledger of just-in-time users (src/store/ledger.c) on a real SQLite file. */
#include "unit.h"

#include "store/ledger.h"

#include <stdlib.h>
#include <unistd.h>

static char dir[64];

static struct jg_ledger *open_tmp(void)
{
	struct jg_ledger *l = NULL;
	char path[128], err[256];

	snprintf(dir, sizeof(dir), "/tmp/jg-ledger.XXXXXX");
	if (!mkdtemp(dir))
		return NULL;
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if (jg_ledger_open(path, 0, &l, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "%s\n", err);
		return NULL;
	}
	return l;
}

static void close_tmp(struct jg_ledger *l)
{
	char cmd[128];

	jg_ledger_close(l);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void user(struct jg_ledger_user *u, const char *name, const char *run, const char *sub)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->host, sizeof(u->host), "127.0.0.1");
	snprintf(u->instance, sizeof(u->instance), "gw1");
	snprintf(u->run, sizeof(u->run), "%s", run);
	snprintf(u->role, sizeof(u->role), "analyst");
	snprintf(u->db_role, sizeof(u->db_role), "jgr_gw1_analyst_00000000");
	snprintf(u->kind, sizeof(u->kind), "pool");
	snprintf(u->sub, sizeof(u->sub), "%s", sub);
	u->created = 1000;
	u->expires = 5000;
}

struct seen {
	int n;
	struct jg_ledger_user last[4];
};

static void collect(void *arg, const struct jg_ledger_user *u)
{
	struct seen *s = arg;

	if (s->n < 4)
		s->last[s->n] = *u;
	s->n++;
}

static void count_runs(void *arg, const char *run, const char *host, int64_t pid,
                       int64_t heartbeat)
{
	(*(int *)arg)++;
	CHECK_EQ_STR(run, "run-a");
	CHECK_EQ_INT(pid, 4242);
	CHECK_EQ_INT(heartbeat, 1500);
}

JG_TEST(ledger_lifecycle_of_a_user)
{
	struct jg_ledger *l = open_tmp();
	struct jg_ledger_user u;
	struct seen s = { 0 };

	CHECK(l != NULL);
	if (!l)
		return;
	CHECK_EQ_INT(jg_ledger_run_start(l, "run-a", "gw1", "serve", "host-a", 4242, 1000), JG_OK);
	/* A subject with quotes, a backtick and SQL is data, bound as a parameter. */
	user(&u, "jg_gw1_00112233aabbccdd", "run-a", "o'brien`; DROP TABLE jit_users; --");
	CHECK_EQ_INT(jg_ledger_add(l, &u), JG_OK);
	CHECK_EQ_INT(jg_ledger_add(l, &u), JG_ERR_IO);        /* name and host are unique */
	CHECK_EQ_INT(jg_ledger_count(l, "gw1", "creating"), 1);
	CHECK_EQ_INT(jg_ledger_state(l, u.name, u.host, "ready", NULL, 1001), JG_OK);
	CHECK_EQ_INT(jg_ledger_claim(l, u.name, u.host, "agent@example.com", 7, 4000, 1002), JG_OK);
	CHECK_EQ_INT(jg_ledger_pending(l, "gw1", collect, &s), JG_OK);
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_STR(s.last[0].state, "active");
	CHECK_EQ_STR(s.last[0].sub, "agent@example.com");
	CHECK_EQ_INT(s.last[0].session, 7);
	CHECK_EQ_INT(s.last[0].expires, 4000);
	CHECK_EQ_INT(s.last[0].claimed, 1002);
	CHECK_EQ_STR(s.last[0].run_host, "host-a");
	CHECK_EQ_INT(s.last[0].run_pid, 4242);
	CHECK_EQ_INT(s.last[0].run_stopped, 0);
	CHECK_EQ_INT(jg_ledger_state(l, u.name, u.host, "dropped", "session ended", 2000), JG_OK);
	CHECK_EQ_INT(jg_ledger_count(l, "gw1", NULL), 0);
	CHECK_EQ_INT(jg_ledger_count(l, "gw1", "dropped"), 1);
	s.n = 0;
	CHECK_EQ_INT(jg_ledger_pending(l, "gw1", collect, &s), JG_OK);
	CHECK_EQ_INT(s.n, 0);
	/* a late claim does not bring a dropped user back */
	CHECK_EQ_INT(jg_ledger_claim(l, u.name, u.host, "agent@example.com", 7, 4000, 2001), JG_OK);
	CHECK_EQ_INT(jg_ledger_count(l, "gw1", NULL), 0);
	CHECK_EQ_INT(jg_ledger_prune(l, 1999), 0);            /* kept until ledger_days pass */
	CHECK_EQ_INT(jg_ledger_prune(l, 2001), 1);
	CHECK_EQ_INT(jg_ledger_count(l, "gw1", "dropped"), 0);
	close_tmp(l);
}

JG_TEST(ledger_runs_and_instances)
{
	struct jg_ledger *l = open_tmp();
	struct jg_ledger_user u;
	struct seen s = { 0 };
	int n = 0;

	CHECK(l != NULL);
	if (!l)
		return;
	CHECK_EQ_INT(jg_ledger_run_start(l, "run-a", "gw1", "serve", "host-a", 4242, 1000), JG_OK);
	CHECK_EQ_INT(jg_ledger_run_start(l, "run-t", "gw1", "tool", "host-a", 4343, 1000), JG_OK);
	CHECK_EQ_INT(jg_ledger_run_start(l, "run-b", "gw2", "serve", "host-a", 4444, 1000), JG_OK);
	CHECK_EQ_INT(jg_ledger_heartbeat(l, "run-a", 1500), JG_OK);
	/* Only serve runs of the instance, other than ours, not stopped. */
	CHECK_EQ_INT(jg_ledger_runs(l, "gw1", "run-x", count_runs, &n), JG_OK);
	CHECK_EQ_INT(n, 1);
	n = 0;
	CHECK_EQ_INT(jg_ledger_runs(l, "gw1", "run-a", count_runs, &n), JG_OK);
	CHECK_EQ_INT(n, 0);
	/* A user of another instance is never listed; a user of a stopped run says so. */
	user(&u, "jg_gw1_0000000000000001", "run-a", "");
	CHECK_EQ_INT(jg_ledger_add(l, &u), JG_OK);
	user(&u, "jg_gw2_0000000000000002", "run-b", "");
	snprintf(u.instance, sizeof(u.instance), "gw2");
	CHECK_EQ_INT(jg_ledger_add(l, &u), JG_OK);
	user(&u, "jg_gw1_0000000000000003", "run-gone", "");   /* a run with no row */
	CHECK_EQ_INT(jg_ledger_add(l, &u), JG_OK);
	CHECK_EQ_INT(jg_ledger_run_stop(l, "run-a", 3000), JG_OK);
	CHECK_EQ_INT(jg_ledger_pending(l, "gw1", collect, &s), JG_OK);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_STR(s.last[0].name, "jg_gw1_0000000000000001");
	CHECK_EQ_INT(s.last[0].run_stopped, 3000);
	CHECK_EQ_STR(s.last[1].name, "jg_gw1_0000000000000003");
	CHECK_EQ_INT(s.last[1].run_pid, 0);
	close_tmp(l);
}
