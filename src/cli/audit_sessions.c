/*
 * audit_sessions.c: `jitgate sessions`: every session in the store from its login (or refused
 * login), command and end records, filtered, oldest first; see audit_cli.h. One pass over the
 * records in (instance, session, seq) order builds the sessions; they are then sorted by start.
 */
#include "cli/audit_cli.h"
#include "jg.h"

#include <stdlib.h>
#include <string.h>

enum { D_ALLOW, D_DENY, D_REFUSE, D_REVIEW, D_OTHER, D_N };
static const char *const decision_names[] = { "allow", "deny", "refuse", "review" };

/* decision_of: D_ALLOW .. D_REVIEW, or D_OTHER for anything else (a missing field included). */
static int decision_of(const char *s)
{
	for (int d = 0; s && d < D_OTHER; d++)
		if (strcmp(s, decision_names[d]) == 0)
			return d;
	return D_OTHER;
}

int jg_auditcli_decision(const char *s)
{
	int d = decision_of(s);

	return d == D_OTHER ? -1 : d;
}

/* One session (or one refused login that has no session number), from its records. */
struct sess {
	char *instance;              /* owned */
	int64_t session, start_us, end_us;
	int refused;                 /* a login-refused record, or a refusals record */
	json_int_t counted;          /* a refusals record: the refused logins it counts */
	json_t *who;                 /* the login or login-refused body (a reference), or NULL */
	json_t *end;                 /* the end body (a reference), or NULL */
	long commands, by[D_N];      /* command records, by decision */
};

struct sess_list {
	struct sess *v;
	size_t n, cap;
};

static struct sess *sess_new(struct sess_list *l, const char *instance, int64_t session, int64_t t)
{
	struct sess *s;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct sess *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	s = memset(&l->v[l->n], 0, sizeof(*s));
	if (!(s->instance = strdup(instance)))
		return NULL;
	l->n++;
	s->session = session;
	s->start_us = t;
	return s;
}

/* sess_take: one record of the session (body b may be NULL when it does not parse). */
static void sess_take(struct sess *s, const char *kind, int64_t t, json_t *b)
{
	int refused = strcmp(kind, "login-refused") == 0;
	json_t *n;

	if (strcmp(kind, "refusals") == 0 && !s->who && b) {      /* counted, not one by one */
		s->who = json_incref(b);
		s->refused = 1;
		s->counted = (n = json_object_get(b, "count")) ? json_integer_value(n) : 0;
		if ((n = json_object_get(b, "first")))
			s->start_us = json_integer_value(n);
		if ((n = json_object_get(b, "last")))
			s->end_us = json_integer_value(n);
	} else if ((refused || strcmp(kind, "login") == 0) && !s->who && b) {
		s->who = json_incref(b);
		s->start_us = t;
		s->refused = refused;
	} else if (strcmp(kind, "command") == 0) {
		s->commands++;
		s->by[decision_of(jg_auditcli_str(b, "decision"))]++;
	} else if (strcmp(kind, "end") == 0 && !s->end && b) {
		s->end = json_incref(b);
		s->end_us = t;
	}
}

/* sess_collect: every session in the store, in (instance, session) order; -1 on a store error
 * (or out of memory). */
static int sess_collect(sqlite3 *db, struct sess_list *l)
{
	static const char q[] = "SELECT instance, session, time, kind, body FROM audit WHERE kind IN "
	                        "('login', 'login-refused', 'refusals', 'command', 'end') "
	                        "ORDER BY instance, session, seq";
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *inst = (const char *)sqlite3_column_text(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 3);
		int64_t sn = sqlite3_column_int64(st, 1), t = sqlite3_column_int64(st, 2);
		struct sess *s = l->n ? &l->v[l->n - 1] : NULL;
		json_t *b;

		inst = inst ? inst : "";
		kind = kind ? kind : "";
		/* Session 0 is the gateway's own; a login refused before it had a number is there, and
		 * so are the counts of refusals records. */
		if (sn == 0 && strcmp(kind, "login-refused") != 0 && strcmp(kind, "refusals") != 0)
			continue;
		if ((!s || sn == 0 || s->session != sn || strcmp(s->instance, inst) != 0) &&
		    !(s = sess_new(l, inst, sn, t))) {
			rc = SQLITE_NOMEM;
			break;
		}
		b = jg_auditcli_body(st, 4);
		sess_take(s, kind, t, b);
		json_decref(b);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void sess_free(struct sess_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].instance);
		json_decref(l->v[i].who);
		json_decref(l->v[i].end);
	}
	free(l->v);
}

static int sess_cmp(const void *a, const void *b)
{
	const struct sess *x = a, *y = b;
	int c = strcmp(x->instance, y->instance);

	if (x->start_us != y->start_us)
		return x->start_us < y->start_us ? -1 : 1;
	if (c)
		return c;
	return (x->session > y->session) - (x->session < y->session);
}

/* sess_refused: commands the gateway refused (a missing or unknown decision is not counted). */
static long sess_refused(const struct sess *s)
{
	return s->by[D_DENY] + s->by[D_REFUSE] + s->by[D_REVIEW];
}

static int sess_keep(const struct sess *s, const struct jg_auditcli_filter *f)
{
	const char *sub = jg_auditcli_str(s->who, "sub"), *role = jg_auditcli_str(s->who, "user");

	return (!f->sub || (sub && strcmp(sub, f->sub) == 0)) &&
	       (!f->role || (role && strcmp(role, f->role) == 0)) &&
	       (!f->has_since || s->start_us >= f->since) &&
	       (f->decision < 0 || s->by[f->decision] > 0);
}

static json_t *field_or_null(const json_t *b, const char *key)
{
	json_t *v = b ? json_object_get(b, key) : NULL;

	return v ? json_incref(v) : json_null();
}

/* sess_json: one session as a JSON line (docs/audit.md, "Sessions"). */
static void sess_json(const struct sess *s)
{
	const char *status = s->counted ? "counted" : s->refused ? "refused" : s->end ? "ended" :
	                     "open";
	json_t *o = json_object(), *d = json_object();
	char start[48], *text;

	jg_auditcli_iso(s->start_us, 0, start, sizeof(start));
	json_object_set_new(o, "instance", json_string(s->instance));
	json_object_set_new(o, "session", json_integer((json_int_t)s->session));
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "start", json_string(start));
	json_object_set_new(o, "start_us", json_integer((json_int_t)s->start_us));
	json_object_set_new(o, "duration_us", s->end && !s->refused ?
	                    json_integer((json_int_t)(s->end_us - s->start_us)) : json_null());
	json_object_set_new(o, "role", field_or_null(s->who, "user"));
	json_object_set_new(o, "sub", field_or_null(s->who, "sub"));
	json_object_set_new(o, "iss", field_or_null(s->who, "iss"));
	json_object_set_new(o, "client", field_or_null(s->who, "client"));
	json_object_set_new(o, "db_user", field_or_null(s->who, "db_user"));
	json_object_set_new(o, "commands", json_integer(s->commands));
	json_object_set_new(o, "refused", json_integer(sess_refused(s)));
	for (int i = 0; i < D_OTHER; i++)
		json_object_set_new(d, decision_names[i], json_integer(s->by[i]));
	json_object_set_new(o, "decisions", d);
	json_object_set_new(o, "end", s->refused ? json_null() : field_or_null(s->end, "reason"));
	json_object_set_new(o, "error", s->refused ? field_or_null(s->who, "error") : json_null());
	if (s->counted)
		json_object_set_new(o, "count", json_integer(s->counted));
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text)
		puts(text);
	free(text);
	json_decref(o);
}

/* sess_row: one session as a row of the table. */
static void sess_row(struct jg_auditcli_grid *g, const struct sess *s)
{
	char start[48], span[48], *end = NULL;
	json_t *v;

	jg_auditcli_iso(s->start_us, 0, start, sizeof(start));
	jg_auditcli_span(s->end_us - s->start_us, 0, span, sizeof(span));
	if (s->session)
		jg_auditcli_grid_addf(g, "%lld", (long long)s->session);
	else
		jg_auditcli_grid_addf(g, "-");
	jg_auditcli_grid_add(g, jg_auditcli_show(v = json_string(s->instance), JG_AUDITCLI_CELL));
	json_decref(v);
	jg_auditcli_grid_addf(g, "%s", start);
	jg_auditcli_grid_addf(g, "%s", s->refused ? "-" : s->end ? span : "open");
	jg_auditcli_grid_add(g, jg_auditcli_show(json_object_get(s->who, "user"), JG_AUDITCLI_CELL));
	jg_auditcli_grid_add(g, jg_auditcli_show(json_object_get(s->who, "sub"), JG_AUDITCLI_CELL));
	jg_auditcli_grid_add(g, jg_auditcli_show(json_object_get(s->who, "client"),
	                                         JG_AUDITCLI_CELL));
	jg_auditcli_grid_addf(g, "%ld", s->commands);
	jg_auditcli_grid_addf(g, "%ld", sess_refused(s));
	if (s->counted) {
		jg_auditcli_grid_addf(g, "login refused %lld times in %s: counted, not one by one",
		                      (long long)s->counted, span);
		return;
	}
	if (s->refused)
		end = jg_auditcli_show(json_object_get(s->who, "error"), JG_AUDITCLI_CELL);
	else if (s->end)
		end = jg_auditcli_show(json_object_get(s->end, "reason"), JG_AUDITCLI_CELL);
	jg_auditcli_grid_addf(g, "%s%s", s->refused ? "login refused: " : "", end ? end : "-");
	free(end);
}

static int sess_print(struct sess_list *l, const struct jg_auditcli_filter *f, int json)
{
	static const char *const head[] = { "SESSION", "INSTANCE", "START", "DURATION", "ROLE", "SUB",
	                                     "CLIENT", "CMDS", "REFUSED", "END" };
	struct jg_auditcli_grid g;
	size_t shown = 0;
	int rc = 0;

	jg_auditcli_grid_init(&g, JG_ARRAY_LEN(head));
	for (size_t i = 0; i < JG_ARRAY_LEN(head); i++)
		jg_auditcli_grid_addf(&g, "%s", head[i]);
	qsort(l->v, l->n, sizeof(*l->v), sess_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (!sess_keep(&l->v[i], f))
			continue;
		shown++;
		if (json)
			sess_json(&l->v[i]);
		else
			sess_row(&g, &l->v[i]);
	}
	if (!shown)
		fprintf(stderr, "jitgate sessions: no session matches\n");
	else if (!json)
		rc = jg_auditcli_grid_print(&g, stdout, 0);
	jg_auditcli_grid_free(&g);
	return rc < 0 ? 1 : 0;
}

int jg_auditcli_sessions(sqlite3 *db, const char *path, const struct jg_auditcli_filter *f,
                         int json)
{
	struct sess_list l = { 0 };
	int rc;

	if (sess_collect(db, &l) == 0) {
		rc = sess_print(&l, f, json);
	} else {
		fflush(stdout);
		fprintf(stderr, "jitgate sessions: cannot read the store %s: %s\n", path,
		        sqlite3_errmsg(db));
		rc = 1;
	}
	sess_free(&l);
	return rc;
}
