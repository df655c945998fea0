/*
 * audit_cmd.c: the audit trail's read-side commands (docs/audit.md, "What an auditor runs"):
 *   jitgate sessions      one line per session (audit_sessions.c)
 *   jitgate replay        one session as it happened (audit_replay.c)
 *   jitgate audit export  every record as a JSON object, one a line
 *   jitgate audit verify  the hash chain and checkpoints (jg_audit_verify, audit.h)
 *   jitgate audit recover the records a crashed gateway left in its journal, into the store
 * Each but recover reads the store read-only (audit_store.c), so an auditor may run them on a
 * live gateway's store or on a copy. Exit status as cli.h says: 0, 1 (runtime failure, a broken chain
 * included), 2 (usage).
 */
#include "audit/audit.h"
#include "audit/jw.h"
#include "cli/audit_cli.h"
#include "cli/cli.h"
#include "jg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WHERE_USAGE "(--store PATH | -c FILE)"

static const char sessions_usage[] =
	"usage: jitgate sessions " WHERE_USAGE " [--user SUB] [--role ROLE] [--since T]\n"
	"                        [--decision allow|deny|refuse|review] [--json]\n"
	"  one line per session, oldest first: logins, and refused logins marked as such\n"
	"  --user SUB: the person (the token's sub); --role ROLE: the MySQL user name asked for\n"
	"  --since T: sessions that started at T or later: 2026-11-29, 2026-11-29T10:00:00Z\n"
	"    (UTC), or an age: 90s, 15m, 2h, 7d\n"
	"  --decision D: sessions with at least one command that got decision D\n"
	"  --json: one JSON object per session and line instead of the table\n";

static const char replay_usage[] =
	"usage: jitgate replay " WHERE_USAGE " SESSION [--instance I] [--speed N]\n"
	"  the session's commands, decisions and results as the client saw them\n"
	"  --instance I: needed when instances share the session number\n"
	"  --speed N: wait between commands, N times as fast as they came (default: no waiting)\n";

static const char audit_usage[] =
	"usage: jitgate audit export " WHERE_USAGE " [--format jsonl] [--since T] [--instance I]\n"
	"         every record as one JSON object a line, by instance and seq (docs/audit.md)\n"
	"       jitgate audit verify " WHERE_USAGE " [--anchor LINE]\n"
	"         checks every instance's hash chain and checkpoints; exit 0 when they hold\n"
	"         LINE: an \"audit checkpoint ...\" line from the gateway's log\n"
	"       jitgate audit recover " WHERE_USAGE "\n"
	"         moves into the store the records a strict gateway that crashed left in its\n"
	"         journal (a gateway does it itself when it starts)\n";

static int usage(const char *text)
{
	fputs(text, stderr);
	return 2;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int db_failed(sqlite3 *db, const char *cmd, const char *path)
{
	fflush(stdout);
	fprintf(stderr, "jitgate %s: cannot read the store %s: %s\n", cmd, path, sqlite3_errmsg(db));
	return 1;
}

/* ---- jitgate sessions ------------------------------------------------------------------------ */

/* see cli.h */
int jg_cmd_sessions(int argc, char **argv)
{
	struct jg_auditcli_where where = { 0 };
	struct jg_auditcli_filter f = { .decision = -1 };
	const char *path;
	sqlite3 *db;
	int json = 0, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if ((rc = jg_auditcli_where_arg(&where, argc, argv, &i)) != 0) {
			if (rc < 0)
				return usage(sessions_usage);
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (!v) {
			return usage(sessions_usage);
		} else if (strcmp(a, "--user") == 0) {
			f.sub = argv[++i];
		} else if (strcmp(a, "--role") == 0) {
			f.role = argv[++i];
		} else if (strcmp(a, "--since") == 0) {
			if (jg_auditcli_since(argv[++i], now_us(), &f.since) != 0) {
				fprintf(stderr, "jitgate sessions: --since %s: not a date, time or age\n", v);
				return usage(sessions_usage);
			}
			f.has_since = 1;
		} else if (strcmp(a, "--decision") == 0) {
			if ((f.decision = jg_auditcli_decision(argv[++i])) < 0)
				return usage(sessions_usage);
		} else {
			return usage(sessions_usage);
		}
	}
	if (!where.store && !where.config)
		return usage(sessions_usage);
	if (!(db = jg_auditcli_open(&where, "sessions", &path)))
		return 1;
	rc = jg_auditcli_sessions(db, path, &f, json);
	sqlite3_close(db);
	return rc;
}

/* ---- jitgate replay -------------------------------------------------------------------------- */

/*
 * replay_instance: the instance holding session sn (only `only` when it is not NULL), malloc'd;
 * NULL after printing why (none, or several: *rc is then 2 since the command line must say
 * which; 1 otherwise).
 */
static char *replay_instance(sqlite3 *db, const char *path, int64_t sn, const char *only, int *rc)
{
	static const char q[] = "SELECT DISTINCT instance FROM audit WHERE session = ?1 AND "
	                        JG_AUDIT_BOUNDS " AND "
	                        "(?2 IS NULL OR instance = ?2) ORDER BY instance";
	sqlite3_stmt *st = NULL;
	char *one = NULL, *all = NULL;
	size_t n = 0, len;
	FILE *names = open_memstream(&all, &len);
	int step;

	*rc = 1;
	if (!names || sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, sn);
	if (only)
		sqlite3_bind_text(st, 2, only, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *inst = (const char *)sqlite3_column_text(st, 0);

		fputs(n++ ? ", " : "", names);
		jg_auditcli_puts(names, inst);
		if (n == 1)
			one = strdup(inst ? inst : "");
	}
	if (step != SQLITE_DONE || !one) {
		if (step != SQLITE_DONE)
			db_failed(db, "replay", path);
		else
			fprintf(stderr, "jitgate replay: no session %lld%s%s in the store %s\n",
			        (long long)sn, only ? " on instance " : "", only ? only : "", path);
		goto out;
	}
	if (n > 1) {
		fclose(names);
		names = NULL;
		fprintf(stderr, "jitgate replay: session %lld is in instances %s: say which with "
		        "--instance\n", (long long)sn, all ? all : "?");
		*rc = 2;
		free(one);
		one = NULL;
	}
out:
	if (names)
		fclose(names);
	free(all);
	sqlite3_finalize(st);
	return one;
}

/* see cli.h */
int jg_cmd_replay(int argc, char **argv)
{
	struct jg_auditcli_where where = { 0 };
	const char *only = NULL, *path;
	char *end, *instance;
	long long sn = 0;
	double speed = 0;
	sqlite3 *db;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if ((rc = jg_auditcli_where_arg(&where, argc, argv, &i)) != 0) {
			if (rc < 0)
				return usage(replay_usage);
		} else if (strcmp(a, "--instance") == 0 && i + 1 < argc) {
			only = argv[++i];
		} else if (strcmp(a, "--speed") == 0 && i + 1 < argc) {
			speed = strtod(argv[++i], &end);
			if (*end || end == argv[i] || !(speed > 0) || !isfinite(speed))
				return usage(replay_usage);
		} else if (!sn && a[0] >= '1' && a[0] <= '9') {
			sn = strtoll(a, &end, 10);
			if (*end || sn <= 0)
				return usage(replay_usage);
		} else {
			return usage(replay_usage);
		}
	}
	if (!sn || (!where.store && !where.config))
		return usage(replay_usage);
	if (!(db = jg_auditcli_open(&where, "replay", &path)))
		return 1;
	if ((instance = replay_instance(db, path, sn, only, &rc))) {
		rc = jg_auditcli_replay(db, instance, sn, speed);
		free(instance);
	} else if (rc == 2) {
		fputs(replay_usage, stderr);
	}
	sqlite3_close(db);
	return rc;
}

/* ---- jitgate audit export -------------------------------------------------------------------- */

/*
 * export_row: one record as a JSON line. The body is copied as it is stored (the bytes that were
 * hashed) when it is a JSON object on one line; one that is not (a damaged store) is "body": null
 * and "body_text" holding what is there, so that nothing is dropped.
 */
/* col: column i of st as a member (text first, then its length, as SQLite asks; NULL is ""). */
static void col(struct jg_jw *w, const char *key, sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	jg_jw_strn(w, key, s ? (const char *)s : "", s ? (size_t)sqlite3_column_bytes(st, i) : 0);
}

static void export_row(struct jg_jw *w, sqlite3_stmt *st)
{
	const char *body = (const char *)sqlite3_column_text(st, 8);
	size_t blen = (size_t)sqlite3_column_bytes(st, 8), len;
	json_t *parsed = jg_auditcli_body(st, 8);
	char iso[48];
	const char *line;

	jg_auditcli_iso(sqlite3_column_int64(st, 3), 1, iso, sizeof(iso));
	jg_jw_reset(w);
	jg_jw_obj(w, NULL);
	col(w, "instance", st, 1);
	jg_jw_int(w, "seq", sqlite3_column_int64(st, 2));
	jg_jw_str(w, "time", iso);
	jg_jw_int(w, "time_us", sqlite3_column_int64(st, 3));
	col(w, "kind", st, 4);
	jg_jw_int(w, "session", sqlite3_column_int64(st, 5));
	col(w, "hash", st, 6);
	col(w, "prev", st, 7);
	jg_jw_int(w, "id", sqlite3_column_int64(st, 0));
	if (parsed && !memchr(body, '\n', blen) && !memchr(body, '\r', blen)) {
		jg_jw_raw(w, "body", body, blen);
	} else if (parsed) {
		char *compact = json_dumps(parsed, JSON_COMPACT | JSON_PRESERVE_ORDER);

		jg_jw_raw(w, "body", compact ? compact : "null", compact ? strlen(compact) : 4);
		free(compact);
	} else {
		jg_jw_null(w, "body");
		col(w, "body_text", st, 8);
	}
	jg_jw_end(w, '}');
	json_decref(parsed);
	if ((line = jg_jw_done(w, &len)))
		puts(line);
	else
		fputs("{\"error\":\"out of memory\"}\n", stdout);
}

static int audit_export(int argc, char **argv)
{
	static const char q[] = "SELECT id, instance, seq, time, kind, session, lower(hex(hash)), "
	                        "lower(hex(prev)), body FROM audit WHERE (?1 IS NULL OR time >= ?1) "
	                        "AND (?2 IS NULL OR instance = ?2) ORDER BY instance, seq";
	struct jg_auditcli_where where = { 0 };
	const char *only = NULL, *path;
	int64_t since = 0;
	int has_since = 0, rc;
	sqlite3_stmt *st = NULL;
	struct jg_jw w;
	sqlite3 *db;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if ((rc = jg_auditcli_where_arg(&where, argc, argv, &i)) != 0) {
			if (rc < 0)
				return usage(audit_usage);
		} else if (strcmp(a, "--format") == 0 && v) {
			if (strcmp(argv[++i], "jsonl") != 0) {
				fprintf(stderr, "jitgate audit export: the format is jsonl\n");
				return usage(audit_usage);
			}
		} else if (strcmp(a, "--since") == 0 && v) {
			if (jg_auditcli_since(argv[++i], now_us(), &since) != 0) {
				fprintf(stderr, "jitgate audit export: --since %s: not a date, time or age\n",
				        v);
				return usage(audit_usage);
			}
			has_since = 1;
		} else if (strcmp(a, "--instance") == 0 && v) {
			only = argv[++i];
		} else {
			return usage(audit_usage);
		}
	}
	if (!where.store && !where.config)
		return usage(audit_usage);
	if (!(db = jg_auditcli_open(&where, "audit export", &path)))
		return 1;
	rc = 1;
	jg_jw_init(&w);
	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK) {
		if (has_since)
			sqlite3_bind_int64(st, 1, since);
		if (only)
			sqlite3_bind_text(st, 2, only, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			export_row(&w, st);
		rc = rc == SQLITE_DONE ? 0 : 1;
	}
	if (rc)
		db_failed(db, "audit export", path);
	jg_jw_free(&w);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* ---- jitgate audit verify -------------------------------------------------------------------- */

/* instances: how many chains the store holds (the report counts records, not instances). */
static long long instances(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	long long n = -1;

	if (sqlite3_prepare_v2(db, "SELECT COUNT(DISTINCT instance) FROM audit", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int audit_verify(int argc, char **argv)
{
	struct jg_auditcli_where where = { 0 };
	struct jg_audit_report r;
	const char *anchor = NULL, *path;
	char err[1024];
	long long ninst;
	sqlite3 *db;
	int rc;

	for (int i = 2; i < argc; i++) {
		if ((rc = jg_auditcli_where_arg(&where, argc, argv, &i)) != 0) {
			if (rc < 0)
				return usage(audit_usage);
		} else if (strcmp(argv[i], "--anchor") == 0 && i + 1 < argc && !anchor) {
			anchor = argv[++i];
		} else {
			return usage(audit_usage);
		}
	}
	if (!where.store && !where.config)
		return usage(audit_usage);
	/* Opened here too, for the same messages as the other commands when the store is missing. */
	if (!(db = jg_auditcli_open(&where, "audit verify", &path)))
		return 1;
	ninst = instances(db);
	sqlite3_close(db);
	memset(&r, 0, sizeof(r));
	err[0] = '\0';
	if ((rc = jg_audit_verify(path, anchor, &r, err, sizeof(err))) != JG_OK) {
		fprintf(stderr, "jitgate audit verify: %s\n", err[0] ? err : jg_strerr(rc));
		return 1;
	}
	if (r.broken) {
		r.instance[sizeof(r.instance) - 1] = '\0';
		r.why[sizeof(r.why) - 1] = '\0';
		fputs("audit verify: BROKEN at instance ", stdout);
		jg_auditcli_puts(stdout, r.instance);
		printf(" seq %lld (row id %lld): ", (long long)r.seq, (long long)r.id);
		jg_auditcli_puts(stdout, r.why);
		putchar('\n');
		return 1;
	}
	printf("audit verify: OK: %lld records, %lld checkpoints, %lld instances\n",
	       (long long)r.records, (long long)r.checkpoints, ninst);
	return 0;
}

/* ---- jitgate audit recover ----------------------------------------------------------------- */

struct recover {
	const char *path;
	int failed;
};

static void recover_one(const char *instance, long long bytes, int live, void *arg)
{
	struct recover *rv = arg;
	uint64_t n = 0;
	char err[1024];

	if (live) {
		printf("audit recover: instance %s: a gateway records it now, and commits its journal "
		       "itself\n", instance);
		return;
	}
	if (jg_audit_recover(rv->path, instance, &n, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "jitgate audit recover: instance %s: %s\n", instance, err);
		rv->failed = 1;
		return;
	}
	printf("audit recover: instance %s: %llu record%s from the journal (%lld bytes) went into "
	       "the store\n", instance, (unsigned long long)n, n == 1 ? "" : "s", bytes);
}

static int audit_recover(int argc, char **argv)
{
	struct jg_auditcli_where where = { 0 };
	struct recover rv = { 0 };
	sqlite3 *db;
	int rc;

	for (int i = 2; i < argc; i++)
		if ((rc = jg_auditcli_where_arg(&where, argc, argv, &i)) <= 0)
			return usage(audit_usage);
	if (!where.store && !where.config)
		return usage(audit_usage);
	if (!(db = jg_auditcli_open(&where, "audit recover", &rv.path)))
		return 1;
	sqlite3_close(db);
	jg_log_level = JG_LOG_ERR;      /* this command says what it did itself */
	if (jg_auditcli_journals(rv.path, recover_one, &rv) == 0)
		puts("audit recover: no journal holds records");
	return rv.failed;
}

/* see cli.h */
int jg_cmd_audit(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return audit_export(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return audit_verify(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "recover") == 0)
		return audit_recover(argc, argv);
	return usage(audit_usage);
}
