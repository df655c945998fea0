/*
 * reap.c: the reaper: drops the users of this instance that nobody will drop otherwise (their
 * run ended without dropping them, their expiry passed, a drop or a creation did not finish),
 * the database roles earlier runs left, and at stop the users of this run. Runs on admin
 * thread 0 every reap_period (jg_cred_reap_tick), on the main thread at start and stop, and
 * in `jitgate reap` (jg_cred_reap); always with one struct admin, blocking. See cred_int.h.
 */
#include "cred/cred_int.h"

#include "store/ledger.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

struct reap {
	struct jg_cred *c;
	struct admin *a;
	long dropped, failed;
	void (*cb)(void *arg, const char *user, const char *host, const char *why);
	void *arg;
	char dead_runs[16][40];
	int ndead;
};

int jg_cred_pid_is_jitgate(int64_t pid)
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
		return u->run_pid != (int64_t)getpid() && jg_cred_pid_is_jitgate(u->run_pid);
	return u->run_heartbeat >= jg_cred_now_s() - 3 * (int64_t)c->cfg->cred_reap_period;
}

/* reap_why: why u is to be dropped now, or NULL; notes a dead run. */
static const char *reap_why(struct reap *rp, const struct jg_ledger_user *u)
{
	struct jg_cred *c = rp->c;
	int64_t now = jg_cred_now_s();

	if (!run_alive(c, u)) {
		if (rp->ndead < 16) {
			int k;

			for (k = 0; k < rp->ndead && strcmp(rp->dead_runs[k], u->run) != 0; k++)
				;
			if (k == rp->ndead)
				snprintf(rp->dead_runs[rp->ndead++], sizeof(rp->dead_runs[0]), "%s", u->run);
		}
		return "its gateway run ended without dropping it";
	}
	if (strcmp(u->state, "dropping") == 0 && strcmp(u->run, c->run) != 0)
		return "an earlier drop did not finish";
	if (strcmp(u->state, "dropping") == 0 && u->created < now - STUCK_CREATING)
		return "an earlier drop did not finish";
	if (strcmp(u->state, "active") == 0 && u->expires + c->cfg->cred_reap_period < now)
		return "its expiry passed";
	if (strcmp(u->state, "creating") == 0 && u->created < now - STUCK_CREATING)
		return "it was never finished";
	return NULL;
}

static void reap_one(void *arg, const struct jg_ledger_user *u)
{
	struct reap *rp = arg;
	const char *why = reap_why(rp, u);
	char err[512], reason[64];

	if (!why)
		return;
	snprintf(reason, sizeof(reason), "reaped: %s", why);
	if (jg_cred_drop_user(rp->a, u->name, u->host, reason, err, sizeof(err)) == JG_OK) {
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

long jg_cred_reap_with(struct jg_cred *c, struct admin *a,
                       void (*cb)(void *, const char *, const char *, const char *), void *arg)
{
	struct reap rp = { .c = c, .a = a, .cb = cb, .arg = arg };
	char err[512];

	if (jg_cred_pending(c) == 0)
		return 0;
	if (!jg_cred_admin_ready(a, err, sizeof(err))) {
		jg_log(JG_LOG_WARN, "reaper: %s", err);
		return -1;
	}
	if (jg_ledger_pending(c->ledger, c->cfg->cred_instance, reap_one, &rp) != JG_OK)
		return -1;
	for (int k = 0; k < rp.ndead && rp.failed == 0; k++)
		jg_ledger_run_stop(c->ledger, rp.dead_runs[k], jg_cred_now_s());
	return rp.failed ? -1 : rp.dropped;
}

long jg_cred_reap(struct jg_cred *c, void (*cb)(void *arg, const char *user, const char *host,
                                                const char *why), void *arg)
{
	return jg_cred_reap_with(c, &c->admins[0], cb, arg);
}

long jg_cred_pending(struct jg_cred *c)
{
	return jg_ledger_count(c->ledger, c->cfg->cred_instance, NULL);
}

void jg_cred_reap_tick(struct admin *a)
{
	struct jg_cred *c = a->c;
	int64_t now = jg_cred_now_s();

	jg_ledger_heartbeat(c->ledger, c->run, now);
	jg_cred_reap_with(c, a, NULL, NULL);
	jg_ledger_prune(c->ledger, now - (int64_t)c->cfg->store_ledger_days * 86400);
}

void jg_cred_drop_stale_roles(struct jg_cred *c, MYSQL *m)
{
	char q[160], err[512];
	MYSQL_RES *res;
	MYSQL_ROW row;
	struct jg_cred_sb b = { 0 };
	long n = 0;

	/* MariaDB lists roles in mysql.user; on MySQL they stay until a role with the same grants
	 * digest is made again. */
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
			jg_cred_ddl_drop_role(&b, row[0]);
			n++;
		}
	mysql_free_result(res);
	if (n && !b.bad && jg_cred_run_sql(m, b.p, err, sizeof(err)) == JG_OK)
		jg_log(JG_LOG_INFO, "credentials: %ld database roles of earlier runs dropped", n);
	else if (n)
		jg_log(JG_LOG_WARN, "credentials: earlier roles not dropped: %s", b.bad ? "a name "
		       "cannot be quoted" : err);
	jg_cred_sb_free(&b);
}

static void drop_own(void *arg, const struct jg_ledger_user *u)
{
	struct reap *rp = arg;
	char err[512];

	if (strcmp(u->run, rp->c->run) != 0)
		return;
	if (jg_cred_drop_user(rp->a, u->name, u->host, "gateway stopped", err, sizeof(err)) ==
	    JG_OK)
		rp->dropped++;
	else
		jg_log(JG_LOG_ERR, "credentials: %s not dropped at stop: %s", u->name, err);
}

void jg_cred_drop_own(struct jg_cred *c)
{
	struct reap rp = { .c = c, .a = &c->admins[0] };
	char err[512];

	if (jg_cred_admin_ready(&c->admins[0], err, sizeof(err)))
		jg_ledger_pending(c->ledger, c->cfg->cred_instance, drop_own, &rp);
	if (rp.dropped)
		jg_log(JG_LOG_INFO, "credentials: %ld users dropped at stop", rp.dropped);
}
