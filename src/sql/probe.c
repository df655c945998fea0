/*
 * probe.c: does a statement use a masked column in a way that could recover its values one
 * comparison at a time (see sql.h, jg_sql_probes; docs/policy-language.md, "Probing")?
 *
 * The statement is read again with the generated lexer from where the classifier read it, in
 * the same state (st->lex), so comments, strings, quoting and executable comments are what the
 * classifier and the server saw. Over the tokens runs a small reader of query structure: a stack
 * of parenthesis frames, each either a query whose rows go to the client (CLIENT: a masked name
 * may be a plain item of its select list), anything else (OTHER: a masked name anywhere is a
 * probe), or a list of names that are not columns (IGNORE: index hints, partitions, column lists
 * whose positional renaming is refused separately). Aliases given to plain masked items are
 * masked too; since an alias may be used before the text defines it (an outer select list comes
 * before its derived tables), the reading repeats until no new alias appears.
 *
 * Strict on purpose: what it cannot place is a probe. Nothing is allocated.
 */
#include "sql/sql.h"
#include "sql/sql_lex.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define FRAMES_MAX 64
#define ALIASES_MAX 32
#define IDENT_CAP 66
#define INNER_MAX 4096     /* as the classifier reads PREPARE's text */

enum ftype { F_CLIENT, F_OTHER, F_IGNORE };
enum clause { C_START, C_WITH, C_SELECT, C_FROM, C_ON, C_EXPR, C_ORDER, C_INTO, C_SKIP };

/* The select-list item being read in a client frame: plain is name[.name[.name]] [[AS] alias]
 * or [name.]*; state 0 start, 1 after a name, 2 after ".", 3 after AS, 4 after the alias,
 * 5 after "*", -1 not plain. */
struct item {
	int state, parts, first;
	struct jg_sql_tok col, alias;
	int has_alias, masked;
	struct jg_sql_tok masked_tok;
	unsigned masked_which;
};

struct frame {
	uint8_t type, clause;
	uint8_t derived;           /* opened as a derived table in FROM */
	uint8_t after_derived;     /* C_FROM: a derived table closed: "(" is its column list */
	struct item it;
};

struct probe {
	const char *s;                     /* the text being read (the statement's, or PREPARE's) */
	const char *const *names;
	unsigned nnames;
	const char *const *tables;
	unsigned ntables;
	const struct jg_sql_stmt *st;
	char alias[ALIASES_MAX][IDENT_CAP];
	unsigned nalias;
	int grew;                          /* this pass added an alias */
	struct jg_sql_probe *out;
	int uses;                          /* a client select list reads "*" (1), a masked column (2) */
	struct jg_sql_tok cmp;             /* a construct refused when uses: positions, row compares */
	const char *cmp_what;
	struct frame f[FRAMES_MAX];
	int depth;
	struct jg_sql_tok prev;
};

/* ---- names ---------------------------------------------------------------------------------- */

static int glob(const char *p, const char *s)
{
	const char *sp = NULL, *ss = NULL;

	while (*s) {
		if (*p == '?' || (*p && *p == *s)) {
			p++;
			s++;
		} else if (*p == '*') {
			sp = p++;
			ss = s;
		} else if (sp) {
			p = sp + 1;
			s = ++ss;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static int is_word(const struct jg_sql_tok *t, enum jg_sql_kw kw)
{
	return t->type == JG_TOK_WORD && t->kw == kw;
}

static int is_star(const struct probe *pr, const struct jg_sql_tok *t)
{
	return t->type == JG_TOK_OP && t->len == 1 && pr->s[t->start] == '*';
}

static int word_eq(const struct probe *pr, const struct jg_sql_tok *t, const char *w)
{
	size_t n = strlen(w);

	return t->type == JG_TOK_WORD && t->len == n && strncasecmp(pr->s + t->start, w, n) == 0;
}

/* name: an identifier (after "." even a reserved word is one: t.order). */
static int is_name(const struct probe *pr, const struct jg_sql_tok *t)
{
	return t->type == JG_TOK_QIDENT ||
	       (t->type == JG_TOK_WORD && (!jg_sql_kw_reserved(t->kw) || pr->prev.type == JG_TOK_DOT));
}

/* column: a name that is not a qualifier (x.) or a function (f(). */
static int is_column(const struct probe *pr, const struct jg_sql_tok *t, const struct jg_sql_tok *nx)
{
	return is_name(pr, t) && nx->type != JG_TOK_DOT && nx->type != JG_TOK_LPAREN;
}

/* masked: 1 with *which when the name is masked (an alias: which == nnames). */
static int masked(const struct probe *pr, const struct jg_sql_tok *t, unsigned *which)
{
	char id[IDENT_CAP];

	if (jg_sql_ident_text(pr->s, t, id, sizeof(id)) <= 0)
		return 0;                  /* over 64 characters: no column has that name */
	for (unsigned i = 0; i < pr->nnames; i++)
		if (glob(pr->names[i], id)) {
			*which = i;
			return 1;
		}
	for (unsigned i = 0; i < pr->nalias; i++)
		if (strcmp(pr->alias[i], id) == 0) {
			*which = pr->nnames;
			return 1;
		}
	return 0;
}

static void found(struct probe *pr, enum jg_sql_probe_kind kind, const struct jg_sql_tok *t,
                  unsigned which, const char *what)
{
	if (pr->out->kind != JG_SQL_PROBE_NONE)
		return;
	pr->out->kind = kind;
	pr->out->at = t->start;
	pr->out->len = t->len;
	pr->out->which = which;
	pr->out->what = what;
	if (kind != JG_SQL_PROBE_NAME || jg_sql_ident_text(pr->s, t, pr->out->name, sizeof(pr->out->name)) < 0)
		pr->out->name[0] = '\0';
}

static void name_probe(struct probe *pr, const struct jg_sql_tok *t, const struct jg_sql_tok *nx)
{
	unsigned which;

	if (is_column(pr, t, nx) && masked(pr, t, &which))
		found(pr, JG_SQL_PROBE_NAME, t, which, "a masked column outside a plain select item");
}

/* compares: a construct that reaches columns by position or compares whole rows: a probe when
 * a client select list reads "*" or a masked column (decided at the end). */
static void compares(struct probe *pr, const struct jg_sql_tok *t, const char *what)
{
	if (!pr->cmp_what) {
		pr->cmp = *t;
		pr->cmp_what = what;
	}
}

static void add_alias(struct probe *pr, const struct jg_sql_tok *t)
{
	char id[IDENT_CAP];
	int n = -1;

	if (t->type == JG_TOK_STRING) {              /* AS 'c' */
		char buf[IDENT_CAP];
		int ok = 1;
		size_t k = jg_sql_string_text(pr->s, t, 0, buf, 0, sizeof(buf) - 1, &ok);
		if (ok) {
			for (size_t i = 0; i < k; i++)
				id[i] = (char)((buf[i] >= 'A' && buf[i] <= 'Z') ? buf[i] + 32 : buf[i]);
			id[k] = '\0';
			n = (int)k;
		}
	} else {
		n = jg_sql_ident_text(pr->s, t, id, sizeof(id));
	}
	if (n <= 0)
		return;
	for (unsigned i = 0; i < pr->nalias; i++)
		if (strcmp(pr->alias[i], id) == 0)
			return;
	if (pr->nalias >= ALIASES_MAX) {
		found(pr, JG_SQL_PROBE_INDIRECT, t, 0, "too many aliases of masked columns to follow");
		return;
	}
	memcpy(pr->alias[pr->nalias++], id, (size_t)n + 1);
	pr->grew = 1;
}

/* ---- select-list items of client frames ------------------------------------------------------ */

static void item_reset(struct item *it, int first)
{
	memset(it, 0, sizeof(*it));
	it->first = first;
}

static void item_end(struct probe *pr, struct frame *f)
{
	struct item *it = &f->it;
	unsigned which;

	if (f->type != F_CLIENT || f->clause != C_SELECT)
		return;
	if (it->state == 5) {
		pr->uses |= 1;
	} else if ((it->state == 1 || it->state == 4) && masked(pr, &it->col, &which)) {
		pr->uses |= 2;
		if (it->has_alias)
			add_alias(pr, &it->alias);
	} else if (it->state != 1 && it->state != 4 && it->masked) {
		found(pr, JG_SQL_PROBE_NAME, &it->masked_tok, it->masked_which,
		      "a masked column in an expression of the select list");
	}
	item_reset(it, 0);
}

/* SELECT's modifiers before the first item. */
static int modifier(const struct probe *pr, const struct jg_sql_tok *t)
{
	static const char *const words[] = { "sql_cache", "sql_no_cache", "sql_calc_found_rows",
		"sql_small_result", "sql_big_result", "sql_buffer_result" };

	if (is_word(t, JG_KW_ALL) || is_word(t, JG_KW_HIGH_PRIORITY) || is_word(t, JG_KW_STRAIGHT_JOIN))
		return 1;
	for (size_t i = 0; i < JG_ARRAY_LEN(words); i++)
		if (word_eq(pr, t, words[i]))
			return 1;
	return 0;
}

static void item_tok(struct probe *pr, struct frame *f, const struct jg_sql_tok *t,
                     const struct jg_sql_tok *nx)
{
	struct item *it = &f->it;
	int name = is_name(pr, t);
	unsigned which;

	if (it->first && it->state == 0) {
		if (is_word(t, JG_KW_DISTINCT) || is_word(t, JG_KW_DISTINCTROW)) {
			compares(pr, t, "DISTINCT (it compares rows)");
			return;
		}
		if (modifier(pr, t))
			return;
	}
	if (!it->masked && is_column(pr, t, nx) && masked(pr, t, &which)) {
		it->masked = 1;
		it->masked_tok = *t;
		it->masked_which = which;
	}
	switch (it->state) {
	case 0:
	case 2:
		if (name && ++it->parts <= 3) {
			it->col = *t;
			it->state = 1;
		} else {
			it->state = is_star(pr, t) ? 5 : -1;
		}
		return;
	case 1:
		if (t->type == JG_TOK_DOT)
			it->state = 2;
		else if (is_word(t, JG_KW_AS))
			it->state = 3;
		else if (name) {
			it->alias = *t;
			it->has_alias = 1;
			it->state = 4;
		} else
			it->state = -1;
		return;
	case 3:
		if (name || t->type == JG_TOK_STRING) {
			it->alias = *t;
			it->has_alias = 1;
			it->state = 4;
		} else
			it->state = -1;
		return;
	default:
		it->state = -1;
		return;
	}
}

/* ---- frames ----------------------------------------------------------------------------------- */

static int starts_query(const struct jg_sql_tok *t)
{
	return is_word(t, JG_KW_SELECT) || is_word(t, JG_KW_WITH) || is_word(t, JG_KW_VALUES) ||
	       is_word(t, JG_KW_TABLE) || t->type == JG_TOK_LPAREN;
}

/* open: "(" t in frame f; nx follows it. */
static void open_frame(struct probe *pr, struct frame *f, const struct jg_sql_tok *t,
                       const struct jg_sql_tok *nx)
{
	struct frame n = { .type = F_OTHER, .clause = C_EXPR };
	const struct jg_sql_tok *pv = &pr->prev;

	if (f->type == F_IGNORE) {
		n.type = F_IGNORE;
	} else if (f->type == F_CLIENT) {
		switch (f->clause) {
		case C_START:
			n.type = F_CLIENT;
			n.clause = C_START;
			break;
		case C_WITH:
			if (is_word(pv, JG_KW_AS)) {
				n.type = F_CLIENT;
				n.clause = C_START;
			} else {
				n.type = F_IGNORE;
				compares(pr, t, "a CTE's column list (it renames columns by position)");
			}
			break;
		case C_FROM:
			if (f->after_derived) {
				n.type = F_IGNORE;
				compares(pr, t, "a derived table's column list (it renames columns by position)");
			} else if (is_word(pv, JG_KW_INDEX) || is_word(pv, JG_KW_KEY) ||
			           is_word(pv, JG_KW_PARTITION)) {
				n.type = F_IGNORE;
			} else if (is_name(pr, pv)) {
				n.type = F_OTHER;          /* a table function: JSON_TABLE(...) */
			} else {
				n.type = F_CLIENT;
				n.derived = 1;
				n.clause = starts_query(nx) ? C_START : C_FROM;
			}
			break;
		case C_SELECT:
			f->it.state = -1;
			break;
		case C_INTO:
		case C_SKIP:
			n.type = F_IGNORE;
			break;
		default:
			break;
		}
	}
	if (pr->depth + 1 >= FRAMES_MAX) {
		found(pr, JG_SQL_PROBE_OPAQUE, t, 0, "parentheses nested deeper than jitgate reads");
		return;
	}
	item_reset(&n.it, 1);
	pr->f[++pr->depth] = n;
}

static void close_frame(struct probe *pr)
{
	struct frame *f = &pr->f[pr->depth];

	if (pr->depth == 0)
		return;
	item_end(pr, f);
	pr->depth--;
	if (f->derived)
		pr->f[pr->depth].after_derived = 1;
}

/* ---- tokens ----------------------------------------------------------------------------------- */

/* TABLE t as a query inside another statement (INSERT ... TABLE t, IN (TABLE t)). */
static int table_query(const struct probe *pr, const struct jg_sql_tok *t)
{
	const struct jg_sql_tok *pv = &pr->prev;

	return is_word(t, JG_KW_TABLE) &&
	       (pv->type == JG_TOK_LPAREN || pv->type == JG_TOK_RPAREN || pv->type == JG_TOK_QIDENT ||
	        (pv->type == JG_TOK_WORD && (pv->kw == JG_KW_NONE || pv->kw == JG_KW_UNION ||
	                                     pv->kw == JG_KW_EXCEPT || pv->kw == JG_KW_INTERSECT ||
	                                     pv->kw == JG_KW_ALL || pv->kw == JG_KW_DISTINCT)));
}

/* a "*" that is a select-list item (not a product, not COUNT(*)). */
static int star_item(const struct probe *pr, const struct jg_sql_tok *t)
{
	const struct jg_sql_tok *pv = &pr->prev;

	return is_star(pr, t) &&
	       (pv->type == JG_TOK_DOT || is_word(pv, JG_KW_SELECT) || is_word(pv, JG_KW_ALL) ||
	        is_word(pv, JG_KW_DISTINCT) || is_word(pv, JG_KW_DISTINCTROW) ||
	        is_word(pv, JG_KW_HIGH_PRIORITY) || is_word(pv, JG_KW_STRAIGHT_JOIN) ||
	        modifier(pr, pv));
}

static void other_tok(struct probe *pr, const struct jg_sql_tok *t, const struct jg_sql_tok *nx)
{
	name_probe(pr, t, nx);
	if (star_item(pr, t))
		found(pr, JG_SQL_PROBE_INDIRECT, t, 0,
		      "* outside a select list whose rows go to the client (a subquery, INSERT ... SELECT, CREATE ... SELECT)");
	else if (table_query(pr, t))
		found(pr, JG_SQL_PROBE_INDIRECT, t, 0, "TABLE inside another statement");
	else if (is_word(t, JG_KW_NATURAL))
		found(pr, JG_SQL_PROBE_INDIRECT, t, 0, "NATURAL JOIN (it compares columns of the same name)");
}

/* clause: a keyword that starts a clause of a client query; 1 when t was one. */
static int clause_tok(struct probe *pr, struct frame *f, const struct jg_sql_tok *t,
                      const struct jg_sql_tok *nx)
{
	int from = f->clause == C_FROM || f->clause == C_ON;

	if (t->type != JG_TOK_WORD)
		return 0;
	switch (t->kw) {
	case JG_KW_SELECT:
		item_end(pr, f);
		f->clause = C_SELECT;
		item_reset(&f->it, 1);
		return 1;
	case JG_KW_FROM:
		item_end(pr, f);
		f->clause = C_FROM;
		f->after_derived = 0;
		return 1;
	case JG_KW_JOIN: case JG_KW_CROSS: case JG_KW_INNER: case JG_KW_LEFT: case JG_KW_RIGHT:
	case JG_KW_OUTER: case JG_KW_STRAIGHT_JOIN:
		if (!from)
			return 0;
		f->clause = C_FROM;
		f->after_derived = 0;
		return 1;
	case JG_KW_NATURAL:
		found(pr, JG_SQL_PROBE_INDIRECT, t, 0, "NATURAL JOIN (it compares columns of the same name)");
		return 1;
	case JG_KW_ON: case JG_KW_USING:
		if (!from)
			return 0;
		f->clause = C_ON;
		return 1;
	case JG_KW_WHERE: case JG_KW_HAVING: case JG_KW_LIMIT: case JG_KW_WINDOW:
		item_end(pr, f);
		f->clause = C_EXPR;
		return 1;
	case JG_KW_GROUP: case JG_KW_ORDER:
		item_end(pr, f);
		f->clause = C_ORDER;
		return 1;
	case JG_KW_INTO:
		item_end(pr, f);
		f->clause = C_INTO;
		compares(pr, t, "SELECT ... INTO (it copies the values)");
		return 1;
	case JG_KW_UNION: case JG_KW_EXCEPT: case JG_KW_INTERSECT:
		item_end(pr, f);
		if (t->kw != JG_KW_UNION || !is_word(nx, JG_KW_ALL))
			compares(pr, t, "UNION without ALL, INTERSECT or EXCEPT (they compare rows)");
		f->clause = C_START;
		return 1;
	case JG_KW_WITH:
		if (f->clause != C_START)
			return 0;
		f->clause = C_WITH;
		return 1;
	case JG_KW_FOR: case JG_KW_LOCK:
		item_end(pr, f);
		f->clause = C_SKIP;
		return 1;
	case JG_KW_VALUES:
		if (f->clause != C_START)
			return 0;
		f->clause = C_EXPR;
		return 1;
	case JG_KW_TABLE:
		if (f->clause != C_START)
			return 0;
		pr->uses |= 1;                 /* TABLE t: every column, like SELECT * */
		f->clause = C_SKIP;
		return 1;
	default:
		return 0;
	}
}

static void client_tok(struct probe *pr, struct frame *f, const struct jg_sql_tok *t,
                       const struct jg_sql_tok *nx)
{
	if (clause_tok(pr, f, t, nx))
		return;
	switch (f->clause) {
	case C_SELECT:
		if (t->type == JG_TOK_COMMA)
			item_end(pr, f);
		else
			item_tok(pr, f, t, nx);
		return;
	case C_FROM:
		if (t->type == JG_TOK_COMMA)
			f->after_derived = 0;
		return;
	case C_ORDER:
		if (t->type == JG_TOK_NUMBER &&
		    (is_word(&pr->prev, JG_KW_BY) || pr->prev.type == JG_TOK_COMMA))
			compares(pr, t, "ORDER BY or GROUP BY a column's position");
		/* fall through */
	case C_ON:
	case C_EXPR:
		name_probe(pr, t, nx);
		if (table_query(pr, t))
			found(pr, JG_SQL_PROBE_INDIRECT, t, 0, "TABLE inside another statement");
		return;
	default:
		return;                    /* C_START, C_WITH, C_INTO, C_SKIP: no column names */
	}
}

static void step(struct probe *pr, const struct jg_sql_tok *t, const struct jg_sql_tok *nx)
{
	struct frame *f = &pr->f[pr->depth];

	if (t->type == JG_TOK_LPAREN)
		open_frame(pr, f, t, nx);
	else if (t->type == JG_TOK_RPAREN)
		close_frame(pr);
	else if (f->type == F_OTHER)
		other_tok(pr, t, nx);
	else if (f->type == F_CLIENT)
		client_tok(pr, f, t, nx);
}

/* ---- statements ------------------------------------------------------------------------------- */

static int client_kind(const struct jg_sql_stmt *st, const struct jg_sql_tok *first)
{
	switch (st->kind) {
	case JG_SQL_SELECT:
		return 1;
	case JG_SQL_EXPLAIN: case JG_SQL_DESCRIBE: case JG_SQL_ANALYZE:
		return st->inner == JG_SQL_SELECT;
	case JG_SQL_UNKNOWN:
		return is_word(first, JG_KW_SELECT) || first->type == JG_TOK_LPAREN;
	default:
		return 0;
	}
}

static void lex(struct jg_sql_lexer *lx, struct jg_sql_tok *t)
{
	do
		jg_sql_lex(lx, t);
	while (t->type == JG_TOK_ERR);     /* the classifier made the statement unknown already */
	if (t->type == JG_TOK_SEMI)
		t->type = JG_TOK_END;
}

/* one pass over the statement at lx; kind is the statement's (PREPARE's text: its inner). */
static void pass(struct probe *pr, struct jg_sql_lexer lx, const struct jg_sql_stmt *st)
{
	struct jg_sql_tok t, nx;
	struct jg_sql_lexer ahead;

	pr->grew = 0;
	pr->uses = 0;
	pr->cmp_what = NULL;
	pr->depth = 0;
	memset(&pr->prev, 0, sizeof(pr->prev));
	pr->prev.type = JG_TOK_END;
	lex(&lx, &t);
	memset(&pr->f[0], 0, sizeof(pr->f[0]));
	pr->f[0].type = client_kind(st, &t) ? F_CLIENT : F_OTHER;
	pr->f[0].clause = pr->f[0].type == F_CLIENT ? C_START : C_EXPR;
	while (t.type != JG_TOK_END && pr->out->kind == JG_SQL_PROBE_NONE) {
		ahead = lx;
		lex(&ahead, &nx);
		step(pr, &t, &nx);
		pr->prev = t;
		t = nx;
		lx = ahead;
	}
	while (pr->depth > 0)
		close_frame(pr);
	item_end(pr, &pr->f[0]);
	if (pr->uses && pr->cmp_what)
		found(pr, JG_SQL_PROBE_INDIRECT, &pr->cmp, 0, pr->cmp_what);
}

/* in_scope: does table a.b (b NULL: a, unqualified) match a table pattern? An unqualified
 * name is matched against the patterns' table parts, whatever their schema. */
static int in_scope(const struct probe *pr, const char *a, const char *b)
{
	char full[2 * IDENT_CAP + 1];

	if (b)
		snprintf(full, sizeof(full), "%s.%s", a, b);
	for (unsigned i = 0; i < pr->ntables; i++) {
		const char *dot = strchr(pr->tables[i], '.');

		if (b ? glob(pr->tables[i], full) : (dot && glob(dot + 1, a)))
			return 1;
	}
	return 0;
}

/* insert_positional: INSERT/REPLACE into a table of the patterns without a column list
 * (VALUES, SELECT, TABLE: every column by position; a duplicate key answers a guess). */
static void insert_positional(struct probe *pr, struct jg_sql_lexer lx)
{
	struct jg_sql_tok t, name1, name2;
	char a[IDENT_CAP], b[IDENT_CAP];
	int two = 0;

	lex(&lx, &t);
	if (!is_word(&t, JG_KW_INSERT) && !is_word(&t, JG_KW_REPLACE)) {
		found(pr, JG_SQL_PROBE_INDIRECT, &t, 0, "an INSERT jitgate cannot read");
		return;
	}
	do
		lex(&lx, &t);
	while (is_word(&t, JG_KW_LOW_PRIORITY) || is_word(&t, JG_KW_DELAYED) ||
	       is_word(&t, JG_KW_HIGH_PRIORITY) || is_word(&t, JG_KW_IGNORE) || is_word(&t, JG_KW_INTO));
	name1 = t;
	lex(&lx, &t);
	if (t.type == JG_TOK_DOT) {
		lex(&lx, &name2);
		lex(&lx, &t);
		two = 1;
	}
	if (jg_sql_ident_text(pr->s, &name1, a, sizeof(a)) <= 0 ||
	    (two && jg_sql_ident_text(pr->s, &name2, b, sizeof(b)) <= 0) ||
	    !in_scope(pr, a, two ? b : NULL))
		return;
	if (is_word(&t, JG_KW_PARTITION)) {            /* PARTITION (p, ...) */
		int depth = 0;
		do {
			lex(&lx, &t);
			depth += t.type == JG_TOK_LPAREN;
			depth -= t.type == JG_TOK_RPAREN;
		} while (depth > 0 && t.type != JG_TOK_END);
		lex(&lx, &t);
	}
	if (is_word(&t, JG_KW_SET))
		return;
	if (t.type == JG_TOK_LPAREN) {
		struct jg_sql_tok nx;
		lex(&lx, &nx);
		if (!starts_query(&nx))
			return;                                 /* a column list */
	}
	found(pr, JG_SQL_PROBE_INDIRECT, &name1, 0,
	      "INSERT or REPLACE into a masked table without a column list");
}

/* the statement under one lexer state; PREPARE's text is read as a statement of its own */
static void statement(struct probe *pr, const struct jg_sql_lexer *start, const struct jg_sql_stmt *st)
{
	for (int round = 0; round <= ALIASES_MAX && pr->out->kind == JG_SQL_PROBE_NONE; round++) {
		pass(pr, *start, st);
		if (!pr->grew)
			break;
	}
	if (pr->out->kind == JG_SQL_PROBE_NONE &&
	    (st->kind == JG_SQL_INSERT || st->kind == JG_SQL_REPLACE))
		insert_positional(pr, *start);
}

/* the text of PREPARE s FROM '...' / EXECUTE IMMEDIATE '...' read as the classifier read it */
static void prepared(struct probe *pr, const struct jg_sql_lexer *start, const struct jg_sql_stmt *st)
{
	char buf[INNER_MAX];
	struct jg_sql_lexer lx = *start, in;
	struct jg_sql_tok t, lit;
	struct jg_sql_stmt sub;
	const char *outer = pr->s;
	size_t n = 0;
	int ok = 1;

	do
		lex(&lx, &t);
	while (t.type != JG_TOK_END && t.type != JG_TOK_STRING);
	lit = t;
	for (; t.type == JG_TOK_STRING; lex(&lx, &t))
		if (ok)
			n = jg_sql_string_text(pr->s, &t, start->mode, buf, n, sizeof(buf), &ok);
	if (!ok || n == 0) {
		found(pr, JG_SQL_PROBE_OPAQUE, &lit, 0, "a prepared text jitgate cannot read whole");
		return;
	}
	memset(&in, 0, sizeof(in));
	in.s = buf;
	in.len = n;
	in.mode = start->mode;
	in.cs = start->cs;
	in.version = start->version;
	in.mysql = start->mysql;
	/* the inner statement's kind and tables; its bytes are in buf */
	sub.kind = st->inner;
	sub.inner = JG_SQL_UNKNOWN;
	sub.ntables = 0;
	pr->s = buf;
	statement(pr, &in, &sub);
	pr->s = outer;
	if (pr->out->kind != JG_SQL_PROBE_NONE) {
		pr->out->at = lit.start;        /* the offsets were in the prepared text: its literal */
		pr->out->len = lit.len;
	}
}

/* lexer_at: the lexer at statement st's first byte under sql_mode mode, as the classifier had it */
static void lexer_at(const char *sql, size_t len, const struct jg_sql_stmt *st, unsigned mode,
                     struct jg_sql_lexer *lx)
{
	memset(lx, 0, sizeof(*lx));
	lx->s = sql;
	lx->len = len;
	lx->pos = st->start <= len ? st->start : len;
	lx->mode = mode;
	lx->cs = st->lex.cs;
	lx->in_exec = st->lex.in_exec;
	lx->mysql = st->lex.mysql;
	lx->version = st->lex.version;
}

/* see sql.h */
int jg_sql_selects(const char *sql, size_t len, const struct jg_sql_stmt *st, const char *name)
{
	static struct probe zero;
	struct probe pr = zero;
	struct jg_sql_probe out;
	struct jg_sql_lexer lx;
	unsigned mode = 0;

	memset(&out, 0, sizeof(out));
	while (mode < 3 && !(st->lex.modes & (1u << mode)))
		mode++;
	lexer_at(sql, len, st, mode, &lx);
	pr.s = sql;
	pr.names = &name;
	pr.nnames = 1;
	pr.st = st;
	pr.out = &out;
	for (int round = 0; round <= ALIASES_MAX; round++) {
		pass(&pr, lx, st);
		if (!pr.grew || out.kind != JG_SQL_PROBE_NONE)
			break;
	}
	return pr.uses;
}

/* see sql.h */
enum jg_sql_probe_kind jg_sql_probes(const char *sql, size_t len, const struct jg_sql_stmt *st,
                                     const char *const *names, unsigned nnames,
                                     const char *const *tables, unsigned ntables,
                                     struct jg_sql_probe *out)
{
	static struct probe zero;
	struct probe pr = zero;

	memset(out, 0, sizeof(*out));
	pr.names = names;
	pr.nnames = nnames;
	pr.tables = tables;
	pr.ntables = ntables;
	pr.st = st;
	pr.out = out;
	for (unsigned mode = 0; mode < 4 && out->kind == JG_SQL_PROBE_NONE; mode++) {
		struct jg_sql_lexer lx;
		struct jg_sql_tok first, second;

		if (!(st->lex.modes & (1u << mode)))
			continue;
		lexer_at(sql, len, st, mode, &lx);
		pr.s = sql;
		pr.nalias = 0;
		{
			struct jg_sql_lexer a = lx;
			lex(&a, &first);
			lex(&a, &second);
		}
		switch (st->kind) {
		case JG_SQL_LOAD:
			found(&pr, JG_SQL_PROBE_INDIRECT, &first, 0, "LOAD DATA into a masked table");
			break;
		case JG_SQL_HANDLER:
			found(&pr, JG_SQL_PROBE_INDIRECT, &first, 0, "HANDLER on a masked table (it reads by key values)");
			break;
		case JG_SQL_PREPARE:
		case JG_SQL_EXECUTE:
			if (st->kind == JG_SQL_EXECUTE && !is_word(&second, JG_KW_IMMEDIATE))
				break;                  /* EXECUTE s: its text was checked by PREPARE */
			if (st->flags & JG_SQL_OPAQUE)
				found(&pr, JG_SQL_PROBE_OPAQUE, &first, 0,
				      "a statement whose text jitgate cannot see (PREPARE ... FROM @var, EXECUTE IMMEDIATE @var)");
			else
				prepared(&pr, &lx, st);
			break;
		default:
			statement(&pr, &lx, st);
			break;
		}
	}
	return out->kind;
}
