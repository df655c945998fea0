/*
 * audit_replay.c: `jitgate replay`: one recorded session printed as it happened (see
 * audit_cli.h). Records are shown in seq order, which is the order the gateway handed them over:
 * a pipelining client's command may come before the result of the one before it, and that
 * result is then headed "result of #N".
 */
#include "audit/audit.h"
#include "cli/audit_cli.h"
#include "jg.h"

#include <string.h>
#include <time.h>

struct replay {
	double speed;          /* > 0: sleep so that times pass speed times as fast */
	int started, ended, refused;
	long records;          /* records shown */
	int64_t t0, last;      /* the session's first record's time; the previous record's */
	int64_t shown_n;       /* the command printed just before, 0 after anything else */
	int64_t prepare_n;     /* the last command that was a COM_STMT_PREPARE */
};

/* pace: sleeps for the time between the previous record and this one, scaled. A signal cuts the
 * sleep short, which only makes the replay faster. */
static void pace(struct replay *r, int64_t t)
{
	if (r->speed > 0 && r->started && t > r->last) {
		double s = JG_MIN((double)(t - r->last) / 1e6 / r->speed, 1e9);
		struct timespec ts;

		ts.tv_sec = (time_t)s;
		ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
		fflush(stdout);
		nanosleep(&ts, NULL);
	}
	if (!r->started)
		r->t0 = t;
	r->started = 1;
	r->last = t;
}

/* heading: "== [+OFFSET] " before a record's first line. */
static void heading(const struct replay *r, int64_t t)
{
	char off[48];

	jg_auditcli_span(t - r->t0, 1, off, sizeof(off));
	printf("\n== [+%s] ", off);
}

static void field(const char *label, const json_t *v)
{
	if (!v)
		return;
	printf("  %-10s", label);
	jg_auditcli_put(stdout, v, JG_AUDITCLI_CELL);
	putchar('\n');
}

/* show_login: the header, from a login or login-refused record. */
static void show_login(const json_t *b, int refused, int64_t t)
{
	const json_t *groups = json_object_get(b, "groups"), *v;
	char when[48];
	size_t i;

	jg_auditcli_iso(t, 1, when, sizeof(when));
	printf("  %-10s%s\n", "when:", when);
	if (refused)
		field("REFUSED:", json_object_get(b, "error"));
	field("who:", json_object_get(b, "sub"));
	field("issuer:", json_object_get(b, "iss"));
	if (json_array_size(groups)) {
		printf("  %-10s", "groups:");
		json_array_foreach(groups, i, v) {
			fputs(i ? ", " : "", stdout);
			jg_auditcli_put(stdout, v, JG_AUDITCLI_CELL);
		}
		putchar('\n');
	}
	field("role:", json_object_get(b, "user"));
	if ((v = json_object_get(b, "client"))) {
		printf("  %-10s", "client:");
		jg_auditcli_put(stdout, v, JG_AUDITCLI_CELL);
		v = json_object_get(b, "tls");
		puts(json_is_true(v) ? " (TLS)" : json_is_false(v) ? " (no TLS)" : "");
	}
	field("db user:", json_object_get(b, "db_user"));
	v = json_object_get(b, "database");
	if (v && !(json_is_string(v) && json_string_length(v) == 0))
		field("database:", v);
	field("jti:", json_object_get(b, "jti"));
	if (json_is_integer(v = json_object_get(b, "expires"))) {
		jg_auditcli_iso((int64_t)json_integer_value(v) * 1000000, 0, when, sizeof(when));
		printf("  %-10s%s\n", "expires:", when);
	}
	v = json_object_get(b, "tags");
	if (v && !(json_is_string(v) && json_string_length(v) == 0))
		field("tags:", v);
}

/* show_text: a statement, and a note when it was not UTF-8. */
static void show_text(const json_t *v)
{
	jg_auditcli_put(stdout, v, JG_AUDITCLI_TEXT);
	putchar('\n');
	if (jg_auditcli_is_bytes(v))
		puts("(not UTF-8 text: bytes other than printable ASCII are shown as \\xHH)");
}

static void show_error(const json_t *e)
{
	jg_auditcli_put(stdout, e, JG_AUDITCLI_CELL);      /* ERROR code (sqlstate): message */
	putchar('\n');
}

static void show_command(struct replay *r, const json_t *b, int64_t t)
{
	const json_t *params = json_object_get(b, "params"), *text, *v, *e;
	const char *dec = jg_auditcli_str(b, "decision");
	size_t i;

	heading(r, t);
	printf("#%lld ", (long long)jg_auditcli_int(b, "n", 0));
	jg_auditcli_put(stdout, json_object_get(b, "com"), JG_AUDITCLI_CELL);
	if ((v = json_object_get(b, "stmt_id")))
		printf(" of statement %lld", (long long)jg_auditcli_int(b, "stmt_id", 0));
	v = json_object_get(b, "database");
	if (v && !(json_is_string(v) && json_string_length(v) == 0)) {
		fputs(" (database ", stdout);
		jg_auditcli_put(stdout, v, JG_AUDITCLI_CELL);
		putchar(')');
	}
	putchar('\n');
	text = json_object_get(b, "prepared");
	if (text || (text = json_object_get(b, "sql")))
		show_text(text);
	if (json_is_array(params)) {
		fputs("params: ", stdout);
		json_array_foreach(params, i, v) {
			fputs(i ? ", " : "", stdout);
			jg_auditcli_put(stdout, v, JG_AUDITCLI_PARAM);
		}
		puts(i ? "" : "(none)");
	}
	if ((v = json_object_get(b, "data"))) {         /* COM_STMT_SEND_LONG_DATA */
		printf("long data for parameter %lld (%lld bytes%s): ", (long long)jg_auditcli_int(b,
		       "param", 0), (long long)jg_auditcli_int(b, "bytes", 0),
		       json_is_true(json_object_get(b, "data_truncated")) ? ", the first recorded" : "");
		jg_auditcli_put(stdout, v, JG_AUDITCLI_PARAM);
		putchar('\n');
	}
	fputs("decision: ", stdout);
	jg_auditcli_put(stdout, json_object_get(b, "decision"), JG_AUDITCLI_CELL);
	if ((v = json_object_get(b, "rule")) && !(json_is_string(v) && !*json_string_value(v))) {
		fputs(" by rule ", stdout);
		jg_auditcli_put(stdout, v, JG_AUDITCLI_CELL);
	}
	if ((v = json_object_get(b, "stage"))) {
		fputs(", stage ", stdout);
		jg_auditcli_put(stdout, v, JG_AUDITCLI_CELL);
	}
	if (json_is_integer(v = json_object_get(b, "statement")))
		printf(", statement %lld", (long long)json_integer_value(v));
	putchar('\n');
	/* A refused command has no result record: the ERR it got is in the command record. */
	if (json_is_object(e = json_object_get(b, "error")) && !(dec && strcmp(dec, "allow") == 0))
		show_error(e);
	r->shown_n = jg_auditcli_int(b, "n", 0);
	if ((v = json_object_get(b, "com")) && json_is_string(v) &&
	    strcmp(json_string_value(v), "COM_STMT_PREPARE") == 0)
		r->prepare_n = r->shown_n;
}

/* show_set: one result set as the mariadb client prints it; 1 when rows were not recorded. */
static int show_set(const json_t *set)
{
	const json_t *cols = json_object_get(set, "columns"), *rows = json_object_get(set, "rows");
	const json_t *row, *v;
	size_t ncols = json_array_size(cols), nrec = json_array_size(rows), i;
	int64_t total = jg_auditcli_int(set, "rows_total", (int64_t)nrec);
	struct jg_auditcli_grid g;

	json_array_foreach(rows, i, row)
		ncols = JG_MAX(ncols, json_array_size(row));
	if (nrec == 0 && total <= 0) {
		puts("Empty set");
		return 0;
	}
	if (ncols > 0) {
		jg_auditcli_grid_init(&g, ncols);
		for (size_t c = 0; c < ncols; c++)
			jg_auditcli_grid_add(&g, (v = json_array_get(cols, c)) ?
			                     jg_auditcli_show(v, JG_AUDITCLI_CELL) : strdup("?"));
		json_array_foreach(rows, i, row)
			for (size_t c = 0; c < ncols; c++)
				jg_auditcli_grid_add(&g, (v = json_array_get(row, c)) ?
				                     jg_auditcli_show(v, JG_AUDITCLI_CELL) : strdup(""));
		jg_auditcli_grid_print(&g, stdout, 1);
		jg_auditcli_grid_free(&g);
	}
	printf("%lld row%s in set\n", (long long)total, total == 1 ? "" : "s");
	if (total > (int64_t)nrec)
		printf("(%lld more row%s not recorded)\n", (long long)(total - (int64_t)nrec),
		       total - (int64_t)nrec == 1 ? "" : "s");
	return total > (int64_t)nrec;
}

static void show_result(struct replay *r, const json_t *b, int64_t t)
{
	const json_t *sets = json_object_get(b, "sets"), *set, *e = json_object_get(b, "error");
	int64_t n = jg_auditcli_int(b, "n", 0), affected = jg_auditcli_int(b, "affected", 0);
	int64_t warnings = jg_auditcli_int(b, "warnings", 0), id = jg_auditcli_int(b, "insert_id", 0);
	int noted = 0;
	size_t i;

	if (n != r->shown_n) {
		heading(r, t);
		printf("result of #%lld\n", (long long)n);
	}
	json_array_foreach(sets, i, set)
		noted |= show_set(set);
	if (json_is_object(e)) {
		show_error(e);
	} else if (!json_array_size(sets) && n && n == r->prepare_n) {
		puts("Statement prepared");
	} else if (!json_array_size(sets) || affected) {
		printf("Query OK, %lld row%s affected", (long long)affected, affected == 1 ? "" : "s");
		if (id)
			printf(", insert id %lld", (long long)id);
		putchar('\n');
	}
	if (json_is_true(json_object_get(b, "truncated")) && !noted)
		puts("(values left out: the result was over the store's audit limits)");
	printf("(%.3f sec, %lld warning%s)\n", (double)jg_auditcli_int(b, "duration_us", 0) / 1e6,
	       (long long)warnings, warnings == 1 ? "" : "s");
	r->shown_n = 0;
}

static void show_end(struct replay *r, const json_t *b, int64_t t)
{
	int64_t cmds = jg_auditcli_int(b, "commands", 0), rows = jg_auditcli_int(b, "rows", 0);
	int64_t errors = jg_auditcli_int(b, "errors", 0);

	heading(r, t);
	fputs("end: ", stdout);
	jg_auditcli_put(stdout, json_object_get(b, "reason"), JG_AUDITCLI_CELL);
	printf("\n%lld command%s, %lld refused, %lld row%s, %lld affected, %lld error%s\n",
	       (long long)cmds, cmds == 1 ? "" : "s", (long long)jg_auditcli_int(b, "refused", 0),
	       (long long)rows, rows == 1 ? "" : "s", (long long)jg_auditcli_int(b, "affected", 0),
	       (long long)errors, errors == 1 ? "" : "s");
	r->ended = 1;
}

/* show: one record; kind and body are the record's (body NULL: not a JSON object). */
static void show(struct replay *r, const char *kind, const json_t *b, int64_t seq, int64_t t)
{
	int login = strcmp(kind, "login") == 0, refused = strcmp(kind, "login-refused") == 0;
	int first = r->records++ == 0;

	if (b && (login || refused) && first) {
		show_login(b, refused, t);
		r->refused = refused;
	} else if (b && strcmp(kind, "command") == 0) {
		const json_t *res = json_object_get(b, "result");

		show_command(r, b, t);
		/* batched mode records a command and its result as one record */
		if (json_is_object(res))
			show_result(r, res, t);
		return;
	} else if (b && strcmp(kind, "result") == 0) {
		show_result(r, b, t);
		return;
	} else if (b && strcmp(kind, "end") == 0) {
		show_end(r, b, t);
	} else {
		/* A kind this command does not know, a second login, or a body that does not parse. */
		heading(r, t);
		jg_auditcli_puts(stdout, kind);
		printf(" (seq %lld): ", (long long)seq);
		if (b)
			jg_auditcli_put(stdout, b, JG_AUDITCLI_CELL);
		else
			fputs("its body is not a JSON object", stdout);
		putchar('\n');
	}
	r->shown_n = 0;
}

/* gaps: says so when a gap record (batched mode lost records) covers part of [from, to]: the
 * session may lack records that nothing else shows. */
static void gaps(sqlite3 *db, const char *instance, int64_t from, int64_t to)
{
	static const char q[] = "SELECT body FROM audit WHERE instance = ?1 AND kind = 'gap' "
	                        "ORDER BY seq";
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *b = jg_auditcli_body(st, 0);
		int64_t gfrom = jg_auditcli_int(b, "from", INT64_MIN);
		int64_t gto = jg_auditcli_int(b, "to", INT64_MAX);

		if (b && gfrom <= to && gto >= from) {
			printf("\nWARNING: %lld records of instance ", (long long)jg_auditcli_int(b, "lost", 0));
			jg_auditcli_puts(stdout, instance);
			fputs(" were lost while this session ran (", stdout);
			jg_auditcli_put(stdout, json_object_get(b, "why"), JG_AUDITCLI_CELL);
			puts("): some of its records may be missing");
		}
		json_decref(b);
	}
	sqlite3_finalize(st);
}

int jg_auditcli_replay(sqlite3 *db, const char *instance, int64_t session, double speed)
{
	/* the session's records lie between its login and its end (audit_bounds, audit.c) */
	static const char q[] = "SELECT seq, time, kind, body FROM audit "
	                        "WHERE instance = ?1 AND session = ?2 AND seq BETWEEN "
	                        "(SELECT min(seq) FROM audit WHERE instance = ?1 AND session = ?2 "
	                        " AND " JG_AUDIT_BOUNDS ") AND "
	                        "(SELECT CASE WHEN count(*) > 1 THEN max(seq) ELSE "
	                        " (SELECT max(seq) FROM audit WHERE instance = ?1) END FROM audit "
	                        " WHERE instance = ?1 AND session = ?2 "
	                        " AND " JG_AUDIT_BOUNDS ") ORDER BY seq";
	struct replay r = { .speed = speed };
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(st, 1, instance, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, session);
	printf("session %lld on instance ", (long long)session);
	jg_auditcli_puts(stdout, instance);
	putchar('\n');
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 2);
		int64_t t = sqlite3_column_int64(st, 1);
		json_t *b = jg_auditcli_body(st, 3);

		if (!r.started && (!kind || (strcmp(kind, "login") && strcmp(kind, "login-refused"))))
			puts("  (no login record: it was pruned, or never written)");
		pace(&r, t);
		show(&r, kind ? kind : "", b, sqlite3_column_int64(st, 0), t);
		json_decref(b);
	}
	if (rc != SQLITE_DONE)
		goto fail;
	if (r.started)
		gaps(db, instance, r.t0, r.ended ? r.last : INT64_MAX);
	if (r.refused && !r.ended)
		puts("\n(the login was refused: nothing ran)");
	else if (!r.ended)
		puts("\n(no end record: the session is still open, or its gateway stopped before "
		     "recording the end)");
	sqlite3_finalize(st);
	return 0;
fail:
	fflush(stdout);
	fprintf(stderr, "jitgate replay: cannot read the store: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return 1;
}
