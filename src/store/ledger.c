/* ledger.c: the just-in-time user ledger in SQLite; see ledger.h. */
#include "store/ledger.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jg_ledger {
	sqlite3 *db;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS runs ("
	"  run TEXT PRIMARY KEY, instance TEXT NOT NULL, kind TEXT NOT NULL, host TEXT NOT NULL,"
	"  pid INTEGER NOT NULL, started INTEGER NOT NULL, heartbeat INTEGER NOT NULL,"
	"  stopped INTEGER);"
	"CREATE TABLE IF NOT EXISTS jit_users ("
	"  name TEXT NOT NULL, host TEXT NOT NULL, instance TEXT NOT NULL, run TEXT NOT NULL,"
	"  role TEXT NOT NULL, db_role TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL,"
	"  sub TEXT NOT NULL DEFAULT '', session INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL, claimed INTEGER NOT NULL DEFAULT 0, expires INTEGER NOT NULL,"
	"  dropped INTEGER, reason TEXT, PRIMARY KEY (name, host));"
	"CREATE INDEX IF NOT EXISTS jit_users_pending ON jit_users (instance, state);";

static int fail_db(struct jg_ledger *l, const char *what)
{
	jg_log(JG_LOG_ERR, "store: %s: %s", what, sqlite3_errmsg(l->db));
	return JG_ERR_IO;
}

int jg_ledger_open(const char *path, int sync_full, struct jg_ledger **out, char *err,
                   size_t errlen)
{
	struct jg_ledger *l = calloc(1, sizeof(*l));
	char *msg = NULL;
	char pragmas[160];

	*out = NULL;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return JG_ERR_NOMEM;
	}
	if (sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open the store %s: %s", path,
		         l->db ? sqlite3_errmsg(l->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(l->db, 5000);
	snprintf(pragmas, sizeof(pragmas), "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;",
	         sync_full ? "FULL" : "NORMAL");
	if (sqlite3_exec(l->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(l->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "cannot use the store %s: %s", path,
		         msg ? msg : sqlite3_errmsg(l->db));
		sqlite3_free(msg);
		goto fail;
	}
	*out = l;
	return JG_OK;
fail:
	sqlite3_close(l->db);
	free(l);
	return JG_ERR_IO;
}

void jg_ledger_close(struct jg_ledger *l)
{
	if (!l)
		return;
	sqlite3_close(l->db);
	free(l);
}

/* exec: one statement with parameters bound from a format: s text, i int64, u uint32. */
static int exec(struct jg_ledger *l, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int rc, i = 1;

	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail_db(l, "prepare");
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++, i++) {
		if (*f == 's')
			sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
		else if (*f == 'i')
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
		else
			sqlite3_bind_int64(st, i, va_arg(ap, uint32_t));
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail_db(l, "write");
	return JG_OK;
}

int jg_ledger_run_start(struct jg_ledger *l, const char *run, const char *instance,
                        const char *kind, const char *host, int64_t pid, int64_t now)
{
	return exec(l, "INSERT INTO runs (run, instance, kind, host, pid, started, heartbeat) "
	            "VALUES (?, ?, ?, ?, ?, ?, ?)", "ssssiii", run, instance, kind, host, pid, now,
	            now);
}

int jg_ledger_heartbeat(struct jg_ledger *l, const char *run, int64_t now)
{
	return exec(l, "UPDATE runs SET heartbeat = ? WHERE run = ?", "is", now, run);
}

int jg_ledger_run_stop(struct jg_ledger *l, const char *run, int64_t now)
{
	return exec(l, "UPDATE runs SET stopped = ?, heartbeat = ? WHERE run = ?", "iis", now, now,
	            run);
}

int jg_ledger_runs(struct jg_ledger *l, const char *instance, const char *except,
                   void (*cb)(void *arg, const char *run, const char *host, int64_t pid,
                              int64_t heartbeat),
                   void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(l->db, "SELECT run, host, pid, heartbeat FROM runs WHERE instance = ? "
	                       "AND stopped IS NULL AND run <> ? AND kind = 'serve'", -1, &st,
	                       NULL) != SQLITE_OK)
		return fail_db(l, "prepare");
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, except ? except : "", -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cb(arg, (const char *)sqlite3_column_text(st, 0),
		   (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
		   sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? JG_OK : fail_db(l, "read runs");
}

int jg_ledger_add(struct jg_ledger *l, const struct jg_ledger_user *u)
{
	return exec(l, "INSERT INTO jit_users (name, host, instance, run, role, db_role, kind, "
	            "state, sub, session, created, expires) "
	            "VALUES (?, ?, ?, ?, ?, ?, ?, 'creating', ?, ?, ?, ?)", "ssssssssuii",
	            u->name, u->host, u->instance, u->run, u->role, u->db_role, u->kind, u->sub,
	            u->session, u->created, u->expires);
}

int jg_ledger_claim(struct jg_ledger *l, const char *name, const char *host, const char *sub,
                    uint32_t session, int64_t expires, int64_t now)
{
	/* A claim that arrives after the user was dropped (jobs run on several threads) must not
	 * bring the row back. */
	return exec(l, "UPDATE jit_users SET state = CASE WHEN state IN ('creating', 'ready') "
	            "THEN 'active' ELSE state END, sub = ?, session = ?, expires = ?, claimed = ? "
	            "WHERE name = ? AND host = ?", "suiiss", sub, session, expires, now, name, host);
}

int jg_ledger_state(struct jg_ledger *l, const char *name, const char *host, const char *state,
                    const char *reason, int64_t now)
{
	if (strcmp(state, "dropped") == 0)
		return exec(l, "UPDATE jit_users SET state = 'dropped', dropped = ?, reason = ? "
		            "WHERE name = ? AND host = ?", "isss", now, reason ? reason : "", name,
		            host);
	return exec(l, "UPDATE jit_users SET state = ? WHERE name = ? AND host = ?", "sss", state,
	            name, host);
}

static void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

int jg_ledger_pending(struct jg_ledger *l, const char *instance,
                      void (*cb)(void *arg, const struct jg_ledger_user *u), void *arg)
{
	sqlite3_stmt *st = NULL;
	struct jg_ledger_user u;
	int rc;

	if (sqlite3_prepare_v2(l->db,
	        "SELECT u.name, u.host, u.instance, u.run, u.role, u.db_role, u.kind, u.state, u.sub,"
	        " u.session, u.created, u.claimed, u.expires, r.host, r.pid, r.heartbeat, r.stopped"
	        " FROM jit_users u LEFT JOIN runs r ON r.run = u.run"
	        " WHERE u.instance = ? AND u.state <> 'dropped' ORDER BY u.created, u.name",
	        -1, &st, NULL) != SQLITE_OK)
		return fail_db(l, "prepare");
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&u, 0, sizeof(u));
		copy_col(u.name, sizeof(u.name), st, 0);
		copy_col(u.host, sizeof(u.host), st, 1);
		copy_col(u.instance, sizeof(u.instance), st, 2);
		copy_col(u.run, sizeof(u.run), st, 3);
		copy_col(u.role, sizeof(u.role), st, 4);
		copy_col(u.db_role, sizeof(u.db_role), st, 5);
		copy_col(u.kind, sizeof(u.kind), st, 6);
		copy_col(u.state, sizeof(u.state), st, 7);
		copy_col(u.sub, sizeof(u.sub), st, 8);
		u.session = (uint32_t)sqlite3_column_int64(st, 9);
		u.created = sqlite3_column_int64(st, 10);
		u.claimed = sqlite3_column_int64(st, 11);
		u.expires = sqlite3_column_int64(st, 12);
		copy_col(u.run_host, sizeof(u.run_host), st, 13);
		u.run_pid = sqlite3_column_int64(st, 14);
		u.run_heartbeat = sqlite3_column_int64(st, 15);
		u.run_stopped = sqlite3_column_type(st, 16) == SQLITE_NULL ? 0 :
		                sqlite3_column_int64(st, 16);
		cb(arg, &u);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? JG_OK : fail_db(l, "read users");
}

long jg_ledger_prune(struct jg_ledger *l, int64_t before)
{
	long n;

	if (exec(l, "DELETE FROM jit_users WHERE state = 'dropped' AND dropped < ?", "i",
	         before) != JG_OK)
		return -1;
	n = sqlite3_changes(l->db);
	exec(l, "DELETE FROM runs WHERE stopped IS NOT NULL AND stopped < ? AND run NOT IN "
	     "(SELECT run FROM jit_users)", "i", before);
	return n;
}

long jg_ledger_count(struct jg_ledger *l, const char *instance, const char *state)
{
	sqlite3_stmt *st = NULL;
	long n = -1;

	if (sqlite3_prepare_v2(l->db, state ?
	        "SELECT count(*) FROM jit_users WHERE instance = ? AND state = ?" :
	        "SELECT count(*) FROM jit_users WHERE instance = ? AND state <> 'dropped'",
	        -1, &st, NULL) != SQLITE_OK)
		return fail_db(l, "prepare"), -1;
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_TRANSIENT);
	if (state)
		sqlite3_bind_text(st, 2, state, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}
