/*
 * compile.c: the policy language's compiler (policy-dsl/GRAMMAR.md): a hand-written lexer and
 * recursive-descent parser that builds the tables of the compiled form directly, then semantic
 * checks that need the whole file (role references, duplicate names), then serialization.
 * The first error is kept (sticky) with its line and column; everything after it is skipped.
 */
#include "policy/policy.h"
#include "policy/policy_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR_MAX 255
#define ROLES_MAX 256
#define GRANTS_MAX 4096
#define RULES_MAX 2048
#define MASKS_MAX 256
#define REFS_MAX 4096

enum tk { T_EOF, T_IDENT, T_STRING, T_NUMBER, T_DURATION, T_LBRACE, T_RBRACE, T_LPAREN,
          T_RPAREN, T_COMMA, T_DOT, T_STAR };

struct tok {
	enum tk t;
	unsigned line, col;
	char text[STR_MAX + 1];
	unsigned long num;
};

struct action { uint32_t type, msg, approvers, quorum, timeout; };

struct role {
	uint32_t name, groups, ttl, maxconn, first_grant, ngrants, account, flags;
	unsigned line, col;
	unsigned multi_line;     /* where multi_statements was given (0: not given) */
	int has_groups;
};
struct grant { uint32_t privs, db, table, columns; };
struct rule {
	uint32_t name, line, roles, groups, sub, iss, kinds_lo, kinds_hi, flags, conds, tables,
	         touches, tags;
	struct action act;
	unsigned col;
	unsigned tag_line, tag_col;    /* first tag condition, for the tag-only check */
	int has_identity;              /* role, groups or claim */
};
struct mask {
	uint32_t name, columns, detect, fn, flags, roles, line;
	unsigned probing_line, scan_line, roles_line;   /* where each option was given (0: not) */
};
struct ref { char name[STR_MAX + 1]; unsigned line, col; };

struct cc {
	const char *src, *file;
	size_t len, pos;
	unsigned line, col;
	struct tok tk;
	struct jg_policy_error *err;
	int failed;

	char *str;
	size_t slen, scap;

	uint32_t name;
	struct action def, unk;
	int has_def, has_unk;
	struct role roles[ROLES_MAX];
	struct grant grants[GRANTS_MAX];
	struct rule rules[RULES_MAX];
	struct mask masks[MASKS_MAX];
	struct ref refs[REFS_MAX];
	unsigned nroles, ngrants, nrules, nmasks, nrefs;
};

static void fail(struct cc *c, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct cc *c, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	size_t ls = 0, le;
	unsigned l = 1;
	int n;

	if (c->failed)
		return;
	c->failed = 1;
	c->err->line = line;
	c->err->col = col;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	while (l < line && ls < c->len) {
		if (c->src[ls++] == '\n')
			l++;
	}
	for (le = ls; le < c->len && c->src[le] != '\n'; le++)
		;
	n = snprintf(c->err->text, sizeof(c->err->text), "%s:%u:%u: %s\n%.*s\n", c->file, line, col,
	             c->err->msg, (int)JG_MIN(le - ls, 400), c->src + ls);
	for (unsigned i = 1; i < col && n > 0 && (size_t)n + 3 < sizeof(c->err->text); i++)
		c->err->text[n++] = (ls + i - 1 < le && c->src[ls + i - 1] == '\t') ? '\t' : ' ';
	if (n > 0 && (size_t)n + 3 < sizeof(c->err->text)) {
		c->err->text[n++] = '^';
		c->err->text[n++] = '\n';
		c->err->text[n] = '\0';
	}
}

/* ---- string table ------------------------------------------------------------------------- */

static uint32_t intern(struct cc *c, const char *s)
{
	size_t n = strlen(s);

	for (size_t off = 0; off < c->slen; off += strlen(c->str + off) + 1)
		if (strcmp(c->str + off, s) == 0)
			return (uint32_t)off;
	if (c->slen + n + 1 > c->scap) {
		size_t cap = (c->scap ? c->scap * 2 : 1024) + n + 1;
		char *p = realloc(c->str, cap);
		if (!p) {
			fail(c, c->tk.line, c->tk.col, "out of memory");
			return 0;
		}
		c->str = p;
		c->scap = cap;
	}
	memcpy(c->str + c->slen, s, n + 1);
	c->slen += n + 1;
	return (uint32_t)(c->slen - n - 1);
}

/* ---- lexer -------------------------------------------------------------------------------- */

static int peekc(const struct cc *c, size_t k) { return c->pos + k < c->len ? (unsigned char)c->src[c->pos + k] : -1; }

static void adv(struct cc *c)
{
	if (c->src[c->pos] == '\n') {
		c->line++;
		c->col = 1;
	} else {
		c->col++;
	}
	c->pos++;
}

static void next(struct cc *c)
{
	struct tok *t = &c->tk;
	int ch;
	size_t n = 0;

	if (c->failed) {
		t->t = T_EOF;
		return;
	}
	for (;;) {
		ch = peekc(c, 0);
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			adv(c);
		} else if (ch == '#') {
			while (peekc(c, 0) != -1 && peekc(c, 0) != '\n')
				adv(c);
		} else {
			break;
		}
	}
	t->line = c->line;
	t->col = c->col;
	t->text[0] = '\0';
	t->num = 0;
	if (ch == -1) {
		t->t = T_EOF;
		return;
	}
	if (isalpha(ch) || ch == '_') {
		while (isalnum(peekc(c, 0)) || peekc(c, 0) == '_') {
			if (n < STR_MAX)
				t->text[n++] = (char)peekc(c, 0);
			adv(c);
		}
		t->text[n] = '\0';
		t->t = T_IDENT;
		return;
	}
	if (isdigit(ch)) {
		while (isdigit(peekc(c, 0))) {
			if (t->num < 100000000ul)
				t->num = t->num * 10 + (unsigned long)(peekc(c, 0) - '0');
			adv(c);
		}
		t->t = T_NUMBER;
		while (isalpha(peekc(c, 0))) {
			if (n < STR_MAX)
				t->text[n++] = (char)peekc(c, 0);
			adv(c);
			t->t = T_DURATION;
		}
		t->text[n] = '\0';
		return;
	}
	if (ch == '"') {
		adv(c);
		for (;;) {
			ch = peekc(c, 0);
			if (ch == -1 || ch == '\n') {
				fail(c, t->line, t->col, "string is not closed: add \" before the end of the line");
				t->t = T_EOF;
				return;
			}
			adv(c);
			if (ch == '"')
				break;
			if (ch == '\\' && (peekc(c, 0) == '"' || peekc(c, 0) == '\\')) {
				ch = peekc(c, 0);
				adv(c);
			}
			if (n >= STR_MAX) {
				fail(c, t->line, t->col, "string is longer than %d bytes", STR_MAX);
				t->t = T_EOF;
				return;
			}
			t->text[n++] = (char)ch;
		}
		t->text[n] = '\0';
		t->t = T_STRING;
		return;
	}
	adv(c);
	switch (ch) {
	case '{': t->t = T_LBRACE; return;
	case '}': t->t = T_RBRACE; return;
	case '(': t->t = T_LPAREN; return;
	case ')': t->t = T_RPAREN; return;
	case ',': t->t = T_COMMA; return;
	case '.': t->t = T_DOT; return;
	case '*': t->t = T_STAR; return;
	default: break;
	}
	if (ch >= 0x20 && ch < 0x7f)
		fail(c, t->line, t->col, "unexpected character '%c'", ch);
	else
		fail(c, t->line, t->col, "unexpected byte 0x%02x", (unsigned)ch);
	t->t = T_EOF;
}

static const char *tk_desc(const struct tok *t, char *buf, size_t cap)
{
	switch (t->t) {
	case T_EOF: return "the end of the file";
	case T_IDENT: snprintf(buf, cap, "'%.40s'", t->text); return buf;
	case T_STRING: snprintf(buf, cap, "string \"%.40s\"", t->text); return buf;
	case T_NUMBER: snprintf(buf, cap, "number %lu", t->num); return buf;
	case T_DURATION: snprintf(buf, cap, "'%lu%.20s'", t->num, t->text); return buf;
	case T_LBRACE: return "'{'";
	case T_RBRACE: return "'}'";
	case T_LPAREN: return "'('";
	case T_RPAREN: return "')'";
	case T_COMMA: return "','";
	case T_DOT: return "'.'";
	case T_STAR: return "'*'";
	}
	return "?";
}

static void expected(struct cc *c, const char *what)
{
	char b[80];

	fail(c, c->tk.line, c->tk.col, "expected %s, found %s", what, tk_desc(&c->tk, b, sizeof(b)));
}

static int accept(struct cc *c, enum tk t)
{
	if (c->tk.t != t || c->failed)
		return 0;
	next(c);
	return 1;
}

static int expect(struct cc *c, enum tk t, const char *what)
{
	if (accept(c, t))
		return 1;
	expected(c, what);
	return 0;
}

static int is_kw(const struct cc *c, const char *kw)
{
	return c->tk.t == T_IDENT && strcmp(c->tk.text, kw) == 0;
}

/* ---- pieces ------------------------------------------------------------------------------- */

static int valid_ident(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '$')
			return 0;
	return 1;
}

/* A list of strings: "a", "b" -> "a,b" in the string table. Items may not hold commas. */
static uint32_t str_list(struct cc *c, const char *what, int lower)
{
	char buf[4096];
	size_t n = 0;

	buf[0] = '\0';
	do {
		if (c->tk.t != T_STRING) {
			expected(c, what);
			return 0;
		}
		if (c->tk.text[0] == '\0' || strpbrk(c->tk.text, ", \t\n")) {
			fail(c, c->tk.line, c->tk.col, "%s may not be empty or hold commas or spaces", what);
			return 0;
		}
		if (lower)
			for (char *p = c->tk.text; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		if (n + strlen(c->tk.text) + 2 > sizeof(buf)) {
			fail(c, c->tk.line, c->tk.col, "list is too long");
			return 0;
		}
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "," : "", c->tk.text);
		next(c);
	} while (accept(c, T_COMMA));
	return intern(c, buf);
}

static unsigned duration(struct cc *c)
{
	unsigned long mult;

	if (c->tk.t == T_NUMBER) {
		fail(c, c->tk.line, c->tk.col, "duration %lu needs a unit: s, m, h or d (e.g. 30m)", c->tk.num);
		return 0;
	}
	if (c->tk.t != T_DURATION) {
		expected(c, "a duration such as 30s, 15m, 1h or 7d");
		return 0;
	}
	if (strcmp(c->tk.text, "s") == 0)
		mult = 1;
	else if (strcmp(c->tk.text, "m") == 0)
		mult = 60;
	else if (strcmp(c->tk.text, "h") == 0)
		mult = 3600;
	else if (strcmp(c->tk.text, "d") == 0)
		mult = 86400;
	else {
		fail(c, c->tk.line, c->tk.col, "unknown duration unit \"%s\": use s, m, h or d", c->tk.text);
		return 0;
	}
	if (c->tk.num == 0 || c->tk.num * mult > 30ul * 86400) {
		fail(c, c->tk.line, c->tk.col, "duration must be more than 0 and at most 30d");
		return 0;
	}
	mult *= c->tk.num;
	next(c);
	return (unsigned)mult;
}

static unsigned number(struct cc *c, const char *what, unsigned long min, unsigned long max)
{
	unsigned long v = c->tk.num;

	if (c->tk.t != T_NUMBER) {
		expected(c, what);
		return 0;
	}
	if (v < min || v > max) {
		fail(c, c->tk.line, c->tk.col, "%s must be between %lu and %lu", what, min, max);
		return 0;
	}
	next(c);
	return (unsigned)v;
}

/* action: allow | deny "message" | review { approvers "g" quorum N timeout D } */
static int parse_action(struct cc *c, struct action *a)
{
	unsigned line = c->tk.line, col = c->tk.col;

	memset(a, 0, sizeof(*a));
	if (is_kw(c, "allow")) {
		a->type = JG_POLICY_ALLOW;
		next(c);
		return 1;
	}
	if (is_kw(c, "deny")) {
		a->type = JG_POLICY_DENY;
		next(c);
		if (c->tk.t != T_STRING || c->tk.text[0] == '\0') {
			fail(c, c->tk.line, c->tk.col, "deny needs a message for the client, e.g. deny \"DROP is not allowed; ask a DBA\"");
			return 0;
		}
		a->msg = intern(c, c->tk.text);
		next(c);
		return 1;
	}
	if (is_kw(c, "review")) {
		a->type = JG_POLICY_REVIEW;
		a->quorum = 1;
		a->timeout = 1800;
		next(c);
		if (!expect(c, T_LBRACE, "'{' after review"))
			return 0;
		while (!c->failed && c->tk.t != T_RBRACE) {
			if (is_kw(c, "approvers")) {
				next(c);
				if (c->tk.t != T_STRING || c->tk.text[0] == '\0') {
					expected(c, "the approver group as a string");
					return 0;
				}
				a->approvers = intern(c, c->tk.text);
				next(c);
			} else if (is_kw(c, "quorum")) {
				next(c);
				a->quorum = number(c, "quorum", 1, 100);
			} else if (is_kw(c, "timeout")) {
				next(c);
				a->timeout = duration(c);
			} else {
				expected(c, "approvers, quorum or timeout");
			}
		}
		if (!c->failed && a->approvers == 0)
			fail(c, line, col, "review needs approvers: the group whose members approve or reject the statement");
		expect(c, T_RBRACE, "'}'");
		return !c->failed;
	}
	expected(c, "an action: allow, deny \"message\" or review { ... }");
	return 0;
}

static const struct { const char *name; unsigned bit; } priv_names[] = {
	{ "select", JG_PRIV_SELECT }, { "insert", JG_PRIV_INSERT }, { "update", JG_PRIV_UPDATE },
	{ "delete", JG_PRIV_DELETE }, { "execute", JG_PRIV_EXECUTE }, { "create", JG_PRIV_CREATE },
	{ "alter", JG_PRIV_ALTER }, { "drop", JG_PRIV_DROP }, { "index", JG_PRIV_INDEX },
	{ "create_view", JG_PRIV_CREATE_VIEW }, { "show_view", JG_PRIV_SHOW_VIEW },
	{ "trigger", JG_PRIV_TRIGGER }, { "references", JG_PRIV_REFERENCES },
	{ "lock_tables", JG_PRIV_LOCK_TABLES },
};

const char *jg_policy_priv_name(unsigned bit)
{
	for (size_t i = 0; i < JG_ARRAY_LEN(priv_names); i++)
		if (priv_names[i].bit == bit)
			return priv_names[i].name;
	return "?";
}

/* grant PRIV [, PRIV] [ ( col, col ) ] on DB . ( TABLE | * ) */
static void parse_grant(struct cc *c, struct role *r)
{
	struct grant *g;
	char cols[2048] = "", db[STR_MAX + 1], table[STR_MAX + 1] = "*";
	size_t n = 0;

	if (c->ngrants >= GRANTS_MAX) {
		fail(c, c->tk.line, c->tk.col, "more than %d grants", GRANTS_MAX);
		return;
	}
	g = &c->grants[c->ngrants];
	memset(g, 0, sizeof(*g));
	do {
		size_t i;

		if (c->tk.t != T_IDENT) {
			expected(c, "a privilege such as select");
			return;
		}
		for (i = 0; i < JG_ARRAY_LEN(priv_names); i++)
			if (strcmp(c->tk.text, priv_names[i].name) == 0)
				break;
		if (i == JG_ARRAY_LEN(priv_names)) {
			static const char *const never[] = { "all", "file", "super", "process", "grant",
			        "grant_option", "reload", "shutdown", "create_user", "replication" };
			for (size_t k = 0; k < JG_ARRAY_LEN(never); k++)
				if (strcmp(c->tk.text, never[k]) == 0) {
					fail(c, c->tk.line, c->tk.col, "privilege %s is never given to just-in-time users: the database's own checks are the last line (SECURITY-NOTES.md)", c->tk.text);
					return;
				}
			fail(c, c->tk.line, c->tk.col, "unknown privilege \"%s\"; known: select, insert, update, delete, execute, create, alter, drop, index, create_view, show_view, trigger, references, lock_tables", c->tk.text);
			return;
		}
		g->privs |= priv_names[i].bit;
		next(c);
	} while (accept(c, T_COMMA));
	if (c->tk.t == T_LPAREN) {
		unsigned line = c->tk.line, col = c->tk.col;
		next(c);
		do {
			if (c->tk.t != T_IDENT || !valid_ident(c->tk.text)) {
				expected(c, "a column name");
				return;
			}
			if (n + strlen(c->tk.text) + 2 > sizeof(cols)) {
				fail(c, c->tk.line, c->tk.col, "column list is too long");
				return;
			}
			n += (size_t)snprintf(cols + n, sizeof(cols) - n, "%s%s", n ? "," : "", c->tk.text);
			next(c);
		} while (accept(c, T_COMMA));
		if (!expect(c, T_RPAREN, "')' after the columns"))
			return;
		if (g->privs & ~(unsigned)(JG_PRIV_SELECT | JG_PRIV_INSERT | JG_PRIV_UPDATE | JG_PRIV_REFERENCES)) {
			fail(c, line, col, "columns can only be given with select, insert, update and references (MySQL column privileges)");
			return;
		}
	}
	if (!is_kw(c, "on")) {
		expected(c, "'on' and a database.table");
		return;
	}
	next(c);
	if (c->tk.t == T_STAR) {
		fail(c, c->tk.line, c->tk.col, "grants on *.* (every database) are not given to just-in-time users: name a database");
		return;
	}
	if ((c->tk.t != T_IDENT && c->tk.t != T_STRING) || !valid_ident(c->tk.text)) {
		expected(c, "a database name (letters, digits, _ and $)");
		return;
	}
	snprintf(db, sizeof(db), "%s", c->tk.text);
	next(c);
	if (!expect(c, T_DOT, "'.' and a table name or *"))
		return;
	if (c->tk.t == T_STAR) {
		next(c);
	} else if ((c->tk.t == T_IDENT || c->tk.t == T_STRING) && valid_ident(c->tk.text)) {
		snprintf(table, sizeof(table), "%s", c->tk.text);
		next(c);
	} else {
		expected(c, "a table name or *");
		return;
	}
	if (cols[0] && strcmp(table, "*") == 0) {
		fail(c, c->tk.line, c->tk.col, "column privileges need one table, not *");
		return;
	}
	g->db = intern(c, db);
	g->table = intern(c, table);
	g->columns = intern(c, cols);
	c->ngrants++;
	r->ngrants++;
}

/* valid_user: a MySQL user name as jitgate accepts one (role names and existing accounts). */
static int valid_user(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

/* An existing account keeps its own privileges: the gateway never changes them, so a grant in the
 * policy would promise something the database does not enforce. */
static void account_and_grant(struct cc *c, const struct role *r, unsigned line, unsigned col)
{
	fail(c, line, col, "role %s uses the existing account %s, whose own privileges apply: grants cannot be given to it (remove the grant, or remove the account to get a just-in-time user per session)", c->str + r->name, c->str + r->account);
}

/* multi_statements on|off: off makes the role one statement per query (defence in depth: the
 * backend leg goes without CLIENT_MULTI_STATEMENTS, COM_SET_OPTION cannot turn it on, and a
 * query of several statements is refused before it is forwarded). */
static void parse_multi(struct cc *c, struct role *r)
{
	if (r->multi_line) {
		fail(c, c->tk.line, c->tk.col, "multi_statements given twice in role %s (first at line %u)", c->str + r->name, r->multi_line);
		return;
	}
	r->multi_line = c->tk.line;
	next(c);
	if (is_kw(c, "off"))
		r->flags |= JG_PC_ROLE_SINGLE;
	else if (!is_kw(c, "on")) {
		expected(c, "on or off after multi_statements (off: one statement per query)");
		return;
	}
	next(c);
}

static void parse_role(struct cc *c)
{
	struct role *r;
	unsigned line = c->tk.line, col = c->tk.col;

	if (c->nroles >= ROLES_MAX) {
		fail(c, line, col, "more than %d roles", ROLES_MAX);
		return;
	}
	if (c->tk.t != T_IDENT && c->tk.t != T_STRING) {
		expected(c, "the role's name (the MySQL user name clients send)");
		return;
	}
	if (!valid_user(c->tk.text)) {
		fail(c, c->tk.line, c->tk.col, "role name must be 1 to 32 letters, digits, '_', '.' or '-' (it is a MySQL user name)");
		return;
	}
	for (unsigned i = 0; i < c->nroles; i++)
		if (strcmp(c->str + c->roles[i].name, c->tk.text) == 0) {
			fail(c, c->tk.line, c->tk.col, "role %s is declared twice (first at line %u)", c->tk.text, c->roles[i].line);
			return;
		}
	r = &c->roles[c->nroles];
	memset(r, 0, sizeof(*r));
	r->line = c->tk.line;
	r->col = c->tk.col;
	r->name = intern(c, c->tk.text);
	r->ttl = 3600;
	r->maxconn = 10;
	r->first_grant = c->ngrants;
	next(c);
	if (!expect(c, T_LBRACE, "'{' after the role's name"))
		return;
	while (!c->failed && c->tk.t != T_RBRACE) {
		if (is_kw(c, "groups")) {
			next(c);
			if (c->tk.t == T_RBRACE || c->tk.t == T_IDENT) {
				fail(c, c->tk.line, c->tk.col, "groups is empty: nobody could assume the role; name at least one group");
				return;
			}
			r->groups = str_list(c, "a group name as a string", 0);
			r->has_groups = 1;
		} else if (is_kw(c, "grant")) {
			if (r->account) {
				account_and_grant(c, r, c->tk.line, c->tk.col);
				return;
			}
			next(c);
			parse_grant(c, r);
		} else if (is_kw(c, "account")) {
			unsigned aline = c->tk.line, acol = c->tk.col;
			if (r->account) {
				fail(c, aline, acol, "account given twice: a role uses one existing MySQL account");
				return;
			}
			next(c);
			if ((c->tk.t != T_IDENT && c->tk.t != T_STRING) || !valid_user(c->tk.text)) {
				fail(c, c->tk.line, c->tk.col, "account must be 1 to 32 letters, digits, '_', '.' or '-' (an existing MySQL user name)");
				return;
			}
			r->account = intern(c, c->tk.text);
			next(c);
			if (r->ngrants) {
				account_and_grant(c, r, aline, acol);
				return;
			}
		} else if (is_kw(c, "ttl")) {
			next(c);
			r->ttl = duration(c);
		} else if (is_kw(c, "max_connections")) {
			next(c);
			r->maxconn = number(c, "max_connections", 1, 10000);
		} else if (is_kw(c, "multi_statements")) {
			parse_multi(c, r);
		} else {
			expected(c, "groups, account, grant, ttl, max_connections or multi_statements");
		}
	}
	if (!c->failed && !r->has_groups)
		fail(c, line, col, "role %s has no groups: say which token groups may assume it", c->str + r->name);
	expect(c, T_RBRACE, "'}'");
	if (!c->failed)
		c->nroles++;
}

static const struct { const char *name; unsigned bit; } flag_names[] = {
	{ "writes_file", JG_SQL_WRITES_FILE }, { "reads_file", JG_SQL_READS_FILE },
	{ "opaque", JG_SQL_OPAQUE }, { "executable_comment", JG_SQL_EXEC_COMMENT },
	{ "global", JG_SQL_GLOBAL }, { "select_into", JG_SQL_SELECT_INTO },
	{ "truncated", JG_SQL_TRUNCATED }, { "mode_change", JG_SQL_MODE_CHANGE },
	{ "definer", JG_SQL_DEFINER },
};

static void once(struct cc *c, unsigned *seen, unsigned bit, const char *what)
{
	if (*seen & bit)
		fail(c, c->tk.line, c->tk.col, "this rule already has a %s condition: put the values in one list", what);
	*seen |= bit;
}

/*
 * role_refs: a comma list of role names (identifiers or strings) into buf, comma-joined, each
 * remembered with its position for the check that it is declared. In a mask (in_mask), an
 * option's keyword is a forgotten role, not a role named so. 0 after an error.
 */
static int role_refs(struct cc *c, int in_mask, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	do {
		if ((c->tk.t != T_IDENT && c->tk.t != T_STRING) ||
		    (in_mask && (is_kw(c, "columns") || is_kw(c, "detect") || is_kw(c, "with") ||
		                 is_kw(c, "probing") || is_kw(c, "scan") || is_kw(c, "roles")))) {
			expected(c, in_mask ? "a role name (quote a role named like a mask option)" :
			                      "a role name");
			return 0;
		}
		if (c->nrefs >= REFS_MAX || n + strlen(c->tk.text) + 2 > cap) {
			fail(c, c->tk.line, c->tk.col, "too many role references");
			return 0;
		}
		snprintf(c->refs[c->nrefs].name, sizeof(c->refs[0].name), "%s", c->tk.text);
		c->refs[c->nrefs].line = c->tk.line;
		c->refs[c->nrefs++].col = c->tk.col;
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? "," : "", c->tk.text);
		next(c);
	} while (accept(c, T_COMMA));
	return 1;
}

static void parse_rule(struct cc *c)
{
	struct rule *r;
	unsigned seen = 0;
	uint64_t kinds = 0;

	if (c->nrules >= RULES_MAX) {
		fail(c, c->tk.line, c->tk.col, "more than %d rules", RULES_MAX);
		return;
	}
	if (c->tk.t != T_STRING || c->tk.text[0] == '\0') {
		expected(c, "the rule's name as a string");
		return;
	}
	r = &c->rules[c->nrules];
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < c->nrules; i++)
		if (strcmp(c->str + c->rules[i].name, c->tk.text) == 0) {
			fail(c, c->tk.line, c->tk.col, "rule \"%s\" is declared twice (first at line %u): rule names appear in audit records and must be unique", c->tk.text, c->rules[i].line);
			return;
		}
	r->name = intern(c, c->tk.text);
	r->line = c->tk.line;
	r->col = c->tk.col;
	next(c);
	if (!expect(c, T_LBRACE, "'{' after the rule's name"))
		return;
	while (!c->failed) {
		unsigned line = c->tk.line, col = c->tk.col;

		if (c->tk.t == T_RBRACE) {
			fail(c, line, col, "rule \"%s\" has no action: end it with allow, deny \"message\" or review { ... }", c->str + r->name);
			return;
		}
		if (is_kw(c, "allow") || is_kw(c, "deny") || is_kw(c, "review")) {
			parse_action(c, &r->act);
			if (!c->failed && c->tk.t != T_RBRACE)
				fail(c, c->tk.line, c->tk.col, "expected '}' after the rule's action: the action comes last");
			next(c);
			break;
		}
		if (is_kw(c, "role")) {
			char buf[4096];

			once(c, &seen, 1, "role");
			next(c);
			if (!role_refs(c, 0, buf, sizeof(buf)))
				return;
			r->roles = intern(c, buf);
			r->has_identity = 1;
		} else if (is_kw(c, "groups")) {
			once(c, &seen, 2, "groups");
			next(c);
			if (c->tk.t != T_STRING) {
				fail(c, c->tk.line, c->tk.col, "groups is empty: name at least one group as a string");
				return;
			}
			r->groups = str_list(c, "a group name as a string", 0);
			r->has_identity = 1;
		} else if (is_kw(c, "claim")) {
			next(c);
			if (!is_kw(c, "sub") && !is_kw(c, "iss")) {
				expected(c, "a claim: sub or iss");
				return;
			}
			int is_sub = c->tk.text[0] == 's';
			once(c, &seen, is_sub ? 4 : 8, is_sub ? "claim sub" : "claim iss");
			next(c);
			if (c->tk.t != T_STRING || c->tk.text[0] == '\0') {
				expected(c, "the claim's pattern as a string");
				return;
			}
			*(is_sub ? &r->sub : &r->iss) = intern(c, c->tk.text);
			next(c);
			r->has_identity = 1;
		} else if (is_kw(c, "kind")) {
			once(c, &seen, 16, "kind");
			next(c);
			do {
				int k;
				if (c->tk.t != T_IDENT) {
					expected(c, "a statement kind such as select");
					return;
				}
				for (k = 0; k < JG_SQL_KIND_COUNT; k++)
					if (strcmp(jg_sql_kind_name((enum jg_sql_kind)k), c->tk.text) == 0)
						break;
				if (k == JG_SQL_KIND_COUNT) {
					fail(c, c->tk.line, c->tk.col, "unknown statement kind \"%s\"; `jitgate sql classify` shows the kind of a statement (docs/policy-language.md lists them)", c->tk.text);
					return;
				}
				kinds |= 1ull << k;
				next(c);
			} while (accept(c, T_COMMA));
			r->conds |= JG_PC_KINDS;
		} else if (is_kw(c, "tables") || is_kw(c, "touches")) {
			int all = c->tk.text[1] == 'a';
			once(c, &seen, all ? 32 : 64, all ? "tables" : "touches");
			next(c);
			*(all ? &r->tables : &r->touches) = str_list(c, "a table pattern as a string, e.g. \"shop.*\"", 1);
		} else if (is_kw(c, "where") || is_kw(c, "limit")) {
			int w = c->tk.text[0] == 'w';
			once(c, &seen, w ? 128 : 256, w ? "where" : "limit");
			next(c);
			if (is_kw(c, "present"))
				r->conds |= w ? JG_PC_WHERE : JG_PC_LIMIT;
			else if (is_kw(c, "absent"))
				r->conds |= w ? JG_PC_NO_WHERE : JG_PC_NO_LIMIT;
			else {
				expected(c, "present or absent");
				return;
			}
			next(c);
			if (!(r->conds & JG_PC_KINDS) ||
			    (kinds & ~((1ull << JG_SQL_UPDATE) | (1ull << JG_SQL_DELETE)))) {
				fail(c, line, col, "where and limit are only known for update and delete: put `kind update, delete` before this condition");
				return;
			}
		} else if (is_kw(c, "flags")) {
			once(c, &seen, 512, "flags");
			next(c);
			do {
				size_t i;
				if (c->tk.t != T_IDENT) {
					expected(c, "a statement flag such as writes_file");
					return;
				}
				for (i = 0; i < JG_ARRAY_LEN(flag_names); i++)
					if (strcmp(flag_names[i].name, c->tk.text) == 0)
						break;
				if (i == JG_ARRAY_LEN(flag_names)) {
					fail(c, c->tk.line, c->tk.col, "unknown flag \"%s\"; flags: writes_file, reads_file, opaque, executable_comment, global, select_into, truncated, mode_change", c->tk.text);
					return;
				}
				r->flags |= flag_names[i].bit;
				next(c);
			} while (accept(c, T_COMMA));
		} else if (is_kw(c, "tag")) {
			char buf[1024];
			const char *old;
			next(c);
			if (c->tk.t != T_IDENT) {
				expected(c, "a tag name");
				return;
			}
			if (!r->tag_line) {
				r->tag_line = line;
				r->tag_col = col;
			}
			old = c->str ? c->str + r->tags : "";
			snprintf(buf, sizeof(buf), "%s%s%s=", r->tags ? old : "", r->tags ? "\n" : "", c->tk.text);
			next(c);
			if (is_kw(c, "present")) {
				strncat(buf, "*", sizeof(buf) - strlen(buf) - 1);
			} else if (c->tk.t == T_STRING && c->tk.text[0] && !strpbrk(c->tk.text, "\n")) {
				strncat(buf, c->tk.text, sizeof(buf) - strlen(buf) - 1);
			} else {
				expected(c, "present or the tag's value pattern as a string");
				return;
			}
			next(c);
			r->tags = intern(c, buf);
		} else {
			expected(c, "a condition (role, groups, claim, kind, tables, touches, where, limit, flags, tag) or an action (allow, deny, review)");
			return;
		}
	}
	if (c->failed)
		return;
	r->kinds_lo = (uint32_t)kinds;
	r->kinds_hi = (uint32_t)(kinds >> 32);
	if ((kinds & 1u) || (r->flags & (JG_SQL_OPAQUE | JG_SQL_TRUNCATED)))
		r->conds |= JG_PC_UNKNOWN;
	if (r->tags && !r->has_identity && r->act.type != JG_POLICY_DENY) {
		fail(c, r->tag_line, r->tag_col, "rule \"%s\" would %s on a client tag: tags come from the client and are not checked, so a rule that uses tag to allow or review must also name a role, groups or a claim from the token", c->str + r->name, r->act.type == JG_POLICY_ALLOW ? "allow" : "review");
		return;
	}
	c->nrules++;
}

static const struct { const char *name; unsigned bit; } detect_names[] = {
	{ "luhn", JG_DETECT_LUHN }, { "email", JG_DETECT_EMAIL }, { "iban", JG_DETECT_IBAN },
	{ "ssn", JG_DETECT_SSN },
};
static const char *const fn_names[] = { NULL, "redact", "last4", "hash", "null", "email" };

/* mask_once: an option given a second time is an error at the second (its first line named). */
static int mask_once(struct cc *c, const struct mask *m, unsigned *seen, const char *what)
{
	if (*seen) {
		fail(c, c->tk.line, c->tk.col, "%s given twice in mask \"%s\" (first at line %u)", what, c->str + m->name, *seen);
		return 0;
	}
	*seen = c->tk.line;
	next(c);
	return 1;
}

static void parse_mask(struct cc *c)
{
	struct mask *m;
	unsigned line = c->tk.line, col = c->tk.col;

	if (c->nmasks >= MASKS_MAX) {
		fail(c, line, col, "more than %d masks", MASKS_MAX);
		return;
	}
	if (c->tk.t != T_STRING || c->tk.text[0] == '\0') {
		expected(c, "the mask's name as a string");
		return;
	}
	m = &c->masks[c->nmasks];
	memset(m, 0, sizeof(*m));
	m->name = intern(c, c->tk.text);
	m->line = c->tk.line;
	next(c);
	if (!expect(c, T_LBRACE, "'{' after the mask's name"))
		return;
	while (!c->failed && c->tk.t != T_RBRACE) {
		if (is_kw(c, "columns")) {
			next(c);
			if (c->tk.t == T_STRING) {
				const char *d1 = strchr(c->tk.text, '.');
				const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
				if (!d1 || !d2 || strchr(d2 + 1, '.') || d1 == c->tk.text || d2 == d1 + 1 || !d2[1]) {
					fail(c, c->tk.line, c->tk.col, "column pattern must be schema.table.column (each part may use *)");
					return;
				}
			}
			m->columns = str_list(c, "a column pattern as a string, e.g. \"shop.*.card_number\"", 1);
		} else if (is_kw(c, "detect")) {
			next(c);
			do {
				size_t i;
				for (i = 0; i < JG_ARRAY_LEN(detect_names); i++)
					if (is_kw(c, detect_names[i].name))
						break;
				if (i == JG_ARRAY_LEN(detect_names)) {
					expected(c, "a detector: luhn, email, iban or ssn");
					return;
				}
				m->detect |= detect_names[i].bit;
				next(c);
			} while (accept(c, T_COMMA));
		} else if (is_kw(c, "with")) {
			size_t i;
			next(c);
			for (i = 1; i < JG_ARRAY_LEN(fn_names); i++)
				if (is_kw(c, fn_names[i]))
					break;
			if (i == JG_ARRAY_LEN(fn_names)) {
				expected(c, "a masking function: redact, last4, hash, null or email");
				return;
			}
			m->fn = (uint32_t)i;
			next(c);
		} else if (is_kw(c, "probing")) {
			if (!mask_once(c, m, &m->probing_line, "probing"))
				return;
			if (is_kw(c, "refuse"))
				m->flags |= JG_PC_MASK_REFUSE;
			else if (!is_kw(c, "allow")) {
				expected(c, "refuse or allow after probing (refuse: statements that could recover masked values are denied)");
				return;
			}
			next(c);
		} else if (is_kw(c, "scan")) {
			if (!mask_once(c, m, &m->scan_line, "scan"))
				return;
			if (is_kw(c, "all"))
				m->flags |= JG_PC_MASK_SCAN_ALL;
			else if (!is_kw(c, "unnamed")) {
				expected(c, "all or unnamed after scan (which result columns the detectors read)");
				return;
			}
			next(c);
		} else if (is_kw(c, "roles")) {
			char buf[4096];

			if (!mask_once(c, m, &m->roles_line, "roles") || !role_refs(c, 1, buf, sizeof(buf)))
				return;
			m->roles = intern(c, buf);
		} else {
			expected(c, "columns, detect, with, probing, scan or roles");
		}
	}
	if (!c->failed && !m->columns && !m->detect)
		fail(c, line, col, "mask needs columns or detect: what should it apply to?");
	if (!c->failed && !m->fn)
		fail(c, line, col, "mask needs a function: with redact, last4, hash, null or email");
	expect(c, T_RBRACE, "'}'");
	if (!c->failed)
		c->nmasks++;
}

static void parse_policy(struct cc *c)
{
	unsigned line, col;

	next(c);
	if (!is_kw(c, "policy")) {
		expected(c, "policy \"NAME\" { ... }");
		return;
	}
	next(c);
	if (c->tk.t != T_STRING || c->tk.text[0] == '\0') {
		expected(c, "the policy's name as a string");
		return;
	}
	c->name = intern(c, c->tk.text);
	next(c);
	if (!expect(c, T_LBRACE, "'{' after the policy's name"))
		return;
	while (!c->failed && c->tk.t != T_RBRACE) {
		line = c->tk.line;
		col = c->tk.col;
		if (is_kw(c, "default") || is_kw(c, "unknown")) {
			int d = c->tk.text[0] == 'd';
			if (d ? c->has_def : c->has_unk) {
				fail(c, line, col, "%s is given twice", d ? "default" : "unknown");
				return;
			}
			next(c);
			parse_action(c, d ? &c->def : &c->unk);
			*(d ? &c->has_def : &c->has_unk) = 1;
		} else if (is_kw(c, "role")) {
			next(c);
			parse_role(c);
		} else if (is_kw(c, "rule")) {
			next(c);
			parse_rule(c);
		} else if (is_kw(c, "mask")) {
			next(c);
			parse_mask(c);
		} else if (c->tk.t == T_EOF) {
			expected(c, "'}' to close the policy");
		} else {
			expected(c, "default, unknown, role, rule or mask");
		}
	}
	if (c->failed)
		return;
	line = c->tk.line;
	col = c->tk.col;
	if (!c->has_def) {
		fail(c, line, col, "policy has no default: add `default deny \"...\"` for statements no rule matches");
		return;
	}
	if (!c->has_unk) {
		fail(c, line, col, "policy has no unknown action: add `unknown deny \"...\"` for statements jitgate cannot classify");
		return;
	}
	next(c);
	if (c->tk.t != T_EOF)
		expected(c, "the end of the file after the policy");
}

static void check_refs(struct cc *c)
{
	for (unsigned i = 0; i < c->nrefs && !c->failed; i++) {
		unsigned k;
		for (k = 0; k < c->nroles; k++)
			if (strcmp(c->str + c->roles[k].name, c->refs[i].name) == 0)
				break;
		if (k == c->nroles)
			fail(c, c->refs[i].line, c->refs[i].col, "unknown role %s: declare it with role %s { groups [...] }", c->refs[i].name, c->refs[i].name);
	}
}

/* ---- serialization ------------------------------------------------------------------------ */

static uint8_t *put(uint8_t *p, uint32_t v) { jg_put_le32(p, v); return p + 4; }
static uint8_t *put_action(uint8_t *p, const struct action *a)
{
	p = put(p, a->type); p = put(p, a->msg); p = put(p, a->approvers);
	p = put(p, a->quorum); return put(p, a->timeout);
}

static int emit(struct cc *c, uint8_t **out, size_t *outlen)
{
	size_t roles_off = JG_PC_HDR_WORDS * 4;
	size_t grants_off = roles_off + c->nroles * JG_PC_ROLE_WORDS * 4;
	size_t rules_off = grants_off + c->ngrants * JG_PC_GRANT_WORDS * 4;
	size_t masks_off = rules_off + c->nrules * JG_PC_RULE_WORDS * 4;
	size_t str_off = masks_off + c->nmasks * JG_PC_MASK_WORDS * 4;
	size_t total = str_off + c->slen;
	uint8_t *b = calloc(1, total), *p;

	if (!b)
		return JG_ERR_NOMEM;
	p = put(b, JG_POLICY_MAGIC);
	p = put(p, JG_POLICY_VERSION);
	p = put(p, (uint32_t)total);
	p = put(p, 0);
	p = put(p, c->name);
	p = put_action(p, &c->def);
	p = put_action(p, &c->unk);
	p = put(p, c->nroles); p = put(p, (uint32_t)roles_off);
	p = put(p, c->ngrants); p = put(p, (uint32_t)grants_off);
	p = put(p, c->nrules); p = put(p, (uint32_t)rules_off);
	p = put(p, c->nmasks); p = put(p, (uint32_t)masks_off);
	p = put(p, (uint32_t)str_off); put(p, (uint32_t)c->slen);
	p = b + roles_off;
	for (unsigned i = 0; i < c->nroles; i++) {
		const struct role *r = &c->roles[i];
		p = put(p, r->name); p = put(p, r->groups); p = put(p, r->ttl); p = put(p, r->maxconn);
		p = put(p, r->first_grant); p = put(p, r->ngrants); p = put(p, r->account); p = put(p, r->flags);
	}
	for (unsigned i = 0; i < c->ngrants; i++) {
		const struct grant *g = &c->grants[i];
		p = put(p, g->privs); p = put(p, g->db); p = put(p, g->table); p = put(p, g->columns);
	}
	for (unsigned i = 0; i < c->nrules; i++) {
		const struct rule *r = &c->rules[i];
		p = put(p, r->name); p = put(p, r->line); p = put(p, r->roles); p = put(p, r->groups);
		p = put(p, r->sub); p = put(p, r->iss); p = put(p, r->kinds_lo); p = put(p, r->kinds_hi);
		p = put(p, r->flags); p = put(p, r->conds); p = put(p, r->tables); p = put(p, r->touches);
		p = put(p, r->tags); p = put_action(p, &r->act);
	}
	for (unsigned i = 0; i < c->nmasks; i++) {
		const struct mask *m = &c->masks[i];
		p = put(p, m->name); p = put(p, m->columns); p = put(p, m->detect); p = put(p, m->fn);
		p = put(p, m->flags); p = put(p, m->roles); p = put(p, m->line); p = put(p, 0);
	}
	memcpy(b + str_off, c->str, c->slen);
	jg_put_le32(b + 12, jg_policy_checksum(b + 16, total - 16));
	*out = b;
	*outlen = total;
	return JG_OK;
}

int jg_policy_compile(const char *src, size_t len, const char *filename, uint8_t **out,
                      size_t *outlen, struct jg_policy_error *err)
{
	struct cc *c = calloc(1, sizeof(*c));
	int rc = JG_ERR_CONFIG;

	*out = NULL;
	*outlen = 0;
	memset(err, 0, sizeof(*err));
	if (!c)
		return JG_ERR_NOMEM;
	c->src = src;
	c->len = len;
	c->file = filename ? filename : "policy";
	c->line = 1;
	c->col = 1;
	c->err = err;
	intern(c, "");
	if (memchr(src, '\0', len)) {
		const char *z = memchr(src, '\0', len);
		unsigned line = 1, col = 1;
		for (const char *s = src; s < z; s++, col++)
			if (*s == '\n') {
				line++;
				col = 0;
			}
		fail(c, line, col, "NUL byte in the policy text");
		goto done;
	}
	parse_policy(c);
	if (!c->failed)
		check_refs(c);
	if (!c->failed)
		rc = emit(c, out, outlen);
done:
	free(c->str);
	free(c);
	return rc;
}
