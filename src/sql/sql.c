/*
 * sql.c: the statement classifier over the generated lexer (see sql.h, docs/sql-classifier.md).
 *
 * Each statement is read twice without copying: a scan over all its tokens (fingerprint, tables
 * after FROM/JOIN, WHERE and LIMIT at the top level, file access), then the handler of its
 * leading keyword, which re-lexes from the statement's start through a cursor (a copy of the
 * lexer is a cheap save point). Nothing is allocated; tokens are never stored.
 */
#include "sql/sql.h"
#include "sql/sql_lex.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const unsigned char kw_reserved[JG_KW_COUNT] = {
#define JG_KW_RES_(name, reserved) [JG_KW_##name] = reserved,
	JG_SQL_KEYWORDS(JG_KW_RES_)
#undef JG_KW_RES_
};

/* A cursor over one statement: END at its ";" or at the end of the text. */
struct cur {
	struct jg_sql_lexer lx;
	struct jg_sql_tok t;
};

struct cls {
	struct jg_sql_session *sess;
	const char *s;
	struct jg_sql_stmt *st;
	struct jg_sql_lexer start;     /* lexer state at the statement's first byte */
	int err;                       /* a lexing error: the statement is unknown */
	int hide;                      /* a bound hid something: unknown */
	int depth;                     /* 0 for a top-level statement, 1 inside PREPARE's text */
	unsigned new_mode;             /* sql_mode after this statement */
	unsigned new_cs;               /* character_set_client after it */
	int mode_lost;                 /* sql_mode changed to a value not in the text */
	int cs_lost;                   /* character_set_client likewise */
	int cs_refused;                /* ... to a character set the lexer does not read */
};

static void next(struct cur *k)
{
	jg_sql_lex(&k->lx, &k->t);
	if (k->t.type == JG_TOK_SEMI)
		k->t.type = JG_TOK_END;
	if (k->t.type == JG_TOK_END)
		k->lx.pos = k->t.start;     /* stay on the end */
}

static void cur_init(struct cls *c, struct cur *k)
{
	k->lx = c->start;
	next(k);
}

static int is_kw(const struct cur *k, enum jg_sql_kw kw)
{
	return k->t.type == JG_TOK_WORD && k->t.kw == kw;
}

static int accept(struct cur *k, enum jg_sql_kw kw)
{
	if (!is_kw(k, kw))
		return 0;
	next(k);
	return 1;
}

static int word_eq(const struct cls *c, const struct jg_sql_tok *t, const char *w)
{
	size_t n = strlen(w);

	return t->type == JG_TOK_WORD && t->len == n && strncasecmp(c->s + t->start, w, n) == 0;
}

static int is_name(const struct jg_sql_tok *t)
{
	return (t->type == JG_TOK_WORD && !kw_reserved[t->kw]) || t->type == JG_TOK_QIDENT;
}

/* ---- names and tables -------------------------------------------------------------------- */

/* ident: the identifier's text unquoted and lower-cased into out; its length, or -1 when it does
 * not fit (identifiers are at most 64 characters; a longer one is not a real name). */
static int ident(const struct cls *c, const struct jg_sql_tok *t, char *out, size_t cap)
{
	return jg_sql_ident_text(c->s, t, out, cap);
}

/* see sql_lex.h */
int jg_sql_ident_text(const char *s, const struct jg_sql_tok *t, char *out, size_t cap)
{
	const char *p = s + t->start;
	size_t n = t->len, o = 0;
	char q = 0;

	if (t->type == JG_TOK_QIDENT) {
		q = p[0];
		p++;
		n = n >= 2 ? n - 2 : 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (q && p[i] == q && i + 1 < n && p[i + 1] == q)
			i++;                     /* doubled quote */
		if (o + 1 >= cap)
			return -1;
		out[o++] = (char)tolower((unsigned char)p[i]);
	}
	out[o] = '\0';
	return (int)o;
}

int jg_sql_kw_reserved(enum jg_sql_kw kw)
{
	return (unsigned)kw < JG_KW_COUNT && kw_reserved[kw];
}

static void add_table_str(struct cls *c, const char *name)
{
	struct jg_sql_stmt *st = c->st;

	for (unsigned i = 0; i < st->ntables; i++)
		if (strcmp(st->tables[i], name) == 0)
			return;
	if (st->ntables >= JG_SQL_TABLES_MAX) {
		st->flags |= JG_SQL_TRUNCATED;
		c->hide = 1;                 /* a table the policy does not see */
		return;
	}
	strcpy(st->tables[st->ntables++], name);
}

/* add_table: schema (may be NULL) and name tokens; unqualified names take the session's db. */
static void add_table(struct cls *c, const struct jg_sql_tok *schema, const struct jg_sql_tok *name)
{
	char a[66], b[66], full[JG_SQL_NAME_MAX];
	int na, nb;

	nb = ident(c, name, b, sizeof(b));
	if (schema) {
		na = ident(c, schema, a, sizeof(a));
	} else {
		na = (int)strlen(c->sess->db);
		if (na > 64)
			na = -1;
		else
			for (int i = 0; i <= na; i++)
				a[i] = (char)tolower((unsigned char)c->sess->db[i]);
	}
	if (na < 0 || nb < 0 || nb == 0) {
		c->st->flags |= JG_SQL_TRUNCATED;
		c->hide = 1;
		return;
	}
	if (na > 0)
		memcpy(full, a, (size_t)na), full[na] = '.', memcpy(full + na + 1, b, (size_t)nb + 1);
	else
		memcpy(full, b, (size_t)nb + 1);
	add_table_str(c, full);
}

/* take_table: reads [schema.]name at k (the cursor moves past it); 0 when k is not a name. */
static int take_table(struct cls *c, struct cur *k)
{
	struct jg_sql_tok first;

	if (!is_name(&k->t))
		return 0;
	first = k->t;
	next(k);
	if (k->t.type == JG_TOK_DOT) {
		next(k);
		if (is_name(&k->t) || k->t.type == JG_TOK_WORD) {
			add_table(c, &first, &k->t);
			next(k);
			return 1;
		}
		return 0;
	}
	add_table(c, NULL, &first);
	return 1;
}

/* take_table_list: name[, name ...], skipping aliases and anything up to each comma at depth 0
 * (LOCK TABLES a READ, b AS x WRITE; DROP TABLE a, b). */
static void take_table_list(struct cls *c, struct cur *k)
{
	int depth = 0;

	take_table(c, k);
	while (k->t.type != JG_TOK_END) {
		if (k->t.type == JG_TOK_LPAREN)
			depth++;
		else if (k->t.type == JG_TOK_RPAREN && depth > 0)
			depth--;
		else if (k->t.type == JG_TOK_COMMA && depth == 0) {
			next(k);
			take_table(c, k);
			continue;
		}
		next(k);
	}
}

/* ---- fingerprint ------------------------------------------------------------------------- */

struct fp {
	char *buf;
	size_t n;
	int full;
	enum jg_sql_tok_type prev;
	int prev_reserved;
};

static void fp_put(struct fp *f, const char *p, size_t n, int upper)
{
	if (f->full)
		return;
	if (f->n + n + 1 > JG_SQL_FP_MAX) {
		f->full = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		f->buf[f->n++] = (char)(upper ? toupper(ch) : ch);
	}
	f->buf[f->n] = '\0';
}

static int is_literal(enum jg_sql_tok_type ty)
{
	return ty == JG_TOK_STRING || ty == JG_TOK_NUMBER || ty == JG_TOK_HEX || ty == JG_TOK_BIT ||
	       ty == JG_TOK_PARAM;
}

static void fp_tok(struct fp *f, const struct cls *c, const struct jg_sql_tok *t)
{
	int space = f->n > 0;
	enum jg_sql_tok_type ty = t->type;

	if (ty == JG_TOK_COMMA || ty == JG_TOK_RPAREN || ty == JG_TOK_DOT)
		space = 0;
	if (f->prev == JG_TOK_LPAREN || f->prev == JG_TOK_DOT)
		space = 0;
	/* f(x) stays together; IN (...), VALUES (...) keep their space */
	if (ty == JG_TOK_LPAREN && (f->prev == JG_TOK_WORD || f->prev == JG_TOK_QIDENT) &&
	    !f->prev_reserved)
		space = 0;
	if (space)
		fp_put(f, " ", 1, 0);
	if (is_literal(ty))
		fp_put(f, "?", 1, 0);
	else
		fp_put(f, c->s + t->start, t->len, ty == JG_TOK_WORD && t->kw != JG_KW_NONE);
	f->prev = ty;
	f->prev_reserved = ty == JG_TOK_WORD && kw_reserved[t->kw];
}

/* in_list: at "(" after IN, whether only literals and commas follow up to ")"; moves k there. */
static int in_list(struct cur *k)
{
	struct cur a = *k;
	int n = 0;

	next(&a);
	for (;;) {
		if (!is_literal(a.t.type))
			return 0;
		n++;
		next(&a);
		if (a.t.type == JG_TOK_RPAREN)
			break;
		if (a.t.type != JG_TOK_COMMA)
			return 0;
		next(&a);
	}
	*k = a;
	return n > 0;
}

/* ---- the scan over every token ------------------------------------------------------------ */

#define DEPTH_MAX 64

/* Clause keywords that end a FROM list: a comma after them is not another table. */
static int ends_from(enum jg_sql_kw kw)
{
	switch (kw) {
	case JG_KW_WHERE: case JG_KW_GROUP: case JG_KW_HAVING: case JG_KW_ORDER: case JG_KW_LIMIT:
	case JG_KW_UNION: case JG_KW_EXCEPT: case JG_KW_INTERSECT: case JG_KW_FOR: case JG_KW_LOCK:
	case JG_KW_INTO: case JG_KW_SET: case JG_KW_WINDOW: case JG_KW_PROCEDURE:
	case JG_KW_RETURNING: case JG_KW_DUPLICATE: case JG_KW_SELECT: case JG_KW_VALUES:
	case JG_KW_VALUE:
		return 1;
	default:
		return 0;
	}
}

struct scan {
	int query[DEPTH_MAX], from[DEPTH_MAX];
	int depth, expect, usable;
	int has_first;                  /* pending table name: first part read */
	struct jg_sql_tok first, second;
	int dot;
	int ntok;
	int nselect;
	struct jg_sql_lexer end;        /* the lexer at the statement's ";" or the end */
};

static void scan_flush_table(struct cls *c, struct scan *sc, int is_func)
{
	if (!sc->has_first)
		return;
	if (!is_func)
		add_table(c, NULL, &sc->first);
	sc->has_first = 0;
}

/* scan: one pass over the statement; fingerprint, FROM/JOIN tables, WHERE/LIMIT at depth 0,
 * file access. Returns the number of tokens. */
static int scan(struct cls *c, struct scan *sc)
{
	struct cur k;
	struct fp f = { .buf = c->st->fingerprint, .prev = JG_TOK_END };
	struct jg_sql_stmt *st = c->st;
	enum jg_sql_kw prevkw = JG_KW_NONE;
	enum jg_sql_tok_type prevtype = JG_TOK_END;
	int load_file = 0;

	memset(sc, 0, sizeof(*sc));
	sc->query[0] = 1;
	st->fingerprint[0] = '\0';
	for (cur_init(c, &k); k.t.type != JG_TOK_END; prevkw = k.t.type == JG_TOK_WORD ? k.t.kw : JG_KW_NONE,
	     prevtype = k.t.type,
	     next(&k)) {
		const struct jg_sql_tok *t = &k.t;
		int d = sc->depth < DEPTH_MAX ? sc->depth : DEPTH_MAX - 1;

		if (t->type == JG_TOK_ERR) {
			c->err = 1;
			continue;
		}
		sc->ntok++;
		/* LOAD_FILE( anywhere, quoted or not: a stored function of that name is flagged
		 * too, better too often than never */
		if (load_file && t->type == JG_TOK_LPAREN)
			st->flags |= JG_SQL_READS_FILE;
		load_file = (t->type == JG_TOK_WORD && t->len == 9 &&
		             strncasecmp(c->s + t->start, "load_file", 9) == 0) ||
		            (t->type == JG_TOK_QIDENT && t->len == 11 &&
		             strncasecmp(c->s + t->start + 1, "load_file", 9) == 0);

		/* a pending name: schema.table, or a table function (name followed by "(") */
		if (sc->has_first) {
			if (sc->dot == 0 && t->type == JG_TOK_DOT) {
				sc->dot = 1;
				fp_tok(&f, c, t);
				continue;
			}
			if (sc->dot == 1 && (t->type == JG_TOK_WORD || t->type == JG_TOK_QIDENT)) {
				add_table(c, &sc->first, t);
				sc->has_first = 0;
				fp_tok(&f, c, t);
				continue;
			}
			scan_flush_table(c, sc, t->type == JG_TOK_LPAREN || sc->dot);
		}

		if (t->type == JG_TOK_LPAREN) {
			fp_tok(&f, c, t);
			if (prevkw == JG_KW_IN && in_list(&k)) {
				fp_put(&f, "...)", 4, 0);
				f.prev = JG_TOK_RPAREN;
				continue;
			}
			sc->depth++;
			if (sc->depth >= DEPTH_MAX) {
				st->flags |= JG_SQL_TRUNCATED;
				c->hide = 1;
				continue;
			}
			/* FROM (t1, t2) and FROM (SELECT ...): tables may follow at the new depth */
			sc->query[sc->depth] = sc->expect && prevkw != JG_KW_USING;
			sc->from[sc->depth] = sc->query[sc->depth];
			sc->expect = sc->query[sc->depth];
			continue;
		}
		if (t->type == JG_TOK_RPAREN) {
			fp_tok(&f, c, t);
			if (sc->depth > 0)
				sc->depth--;
			sc->expect = 0;
			continue;
		}
		fp_tok(&f, c, t);

		if (sc->expect && sc->depth < DEPTH_MAX) {
			if (t->type == JG_TOK_WORD && t->kw == JG_KW_LATERAL)
				continue;
			/* ODBC's { OJ a LEFT JOIN b ... } names tables in its own syntax: what the
			 * extractor cannot account for where tables are named makes it unknown */
			if (t->type == JG_TOK_OP && c->s[t->start] == '{')
				c->err = 1;
			sc->expect = 0;
			if (is_name(t)) {
				sc->has_first = 1;
				sc->dot = 0;
				sc->first = *t;
				continue;
			}
		}
		if (t->type == JG_TOK_COMMA) {
			if (sc->depth < DEPTH_MAX && sc->from[d])
				sc->expect = 1;
			continue;
		}
		if (t->type == JG_TOK_WORD) {
			if (t->kw != JG_KW_NONE && sc->depth < DEPTH_MAX) {
				if (ends_from(t->kw))
					sc->from[d] = 0;
				switch (t->kw) {
				case JG_KW_SELECT:
					sc->query[d] = 1;
					sc->nselect++;
					break;
				case JG_KW_FROM:
					if (sc->query[d])
						sc->from[d] = sc->expect = 1;
					break;
				case JG_KW_JOIN: case JG_KW_STRAIGHT_JOIN:
					if (sc->query[d])
						sc->from[d] = sc->expect = 1;
					break;
				case JG_KW_USING:
					if (sc->from[d])
						sc->expect = 1;   /* DELETE ... USING t1, t2; "(" cancels */
					break;
				case JG_KW_WHERE:
					if (sc->depth == 0)
						st->flags |= JG_SQL_HAS_WHERE;
					break;
				case JG_KW_LIMIT:
					if (sc->depth == 0)
						st->flags |= JG_SQL_HAS_LIMIT;
					break;
				case JG_KW_TABLE:
					/* TABLE t as a query inside another (MySQL 8): (TABLE t),
					 * UNION TABLE t, INSERT INTO s TABLE t: t is read */
					if (prevtype == JG_TOK_LPAREN || prevtype == JG_TOK_RPAREN ||
					    prevtype == JG_TOK_QIDENT || prevkw == JG_KW_UNION ||
					    prevkw == JG_KW_EXCEPT || prevkw == JG_KW_INTERSECT ||
					    prevkw == JG_KW_ALL || prevkw == JG_KW_DISTINCT ||
					    (prevtype == JG_TOK_WORD && prevkw == JG_KW_NONE)) {
						sc->expect = 1;
						sc->nselect++;    /* a query: INSERT ... TABLE copies */
					}
					break;
				case JG_KW_OUTFILE: case JG_KW_DUMPFILE:
					if (prevkw == JG_KW_INTO)
						st->flags |= JG_SQL_WRITES_FILE;
					break;
				default:
					break;
				}
			}
			continue;
		}
	}
	sc->end = k.lx;
	scan_flush_table(c, sc, 0);
	if (f.full) {
		st->flags |= JG_SQL_TRUNCATED;    /* the fingerprint only: kind and tables are whole */
		if (f.n + 4 <= JG_SQL_FP_MAX)
			strcpy(f.buf + f.n, "...");
	}
	return sc->ntok;
}

/* ---- handlers of the leading keyword ------------------------------------------------------ */

typedef void handler_fn(struct cls *c, struct cur *k);

static void classify_at(struct cls *c, struct cur *k);
static void classify_stmt(struct cls *c, struct scan *sc);

static void set_kind(struct cls *c, enum jg_sql_kind kind)
{
	c->st->kind = kind;
}

static void h_select(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_SELECT);
}

static void h_table(struct cls *c, struct cur *k)   /* TABLE t (MySQL 8) */
{
	set_kind(c, JG_SQL_SELECT);
	next(k);
	take_table(c, k);
}

/* WITH [RECURSIVE] name [(cols)] AS (...) [, ...] then SELECT / UPDATE / DELETE / INSERT */
static void h_with(struct cls *c, struct cur *k)
{
	int depth = 0;

	next(k);
	while (k->t.type != JG_TOK_END) {
		if (k->t.type == JG_TOK_LPAREN)
			depth++;
		else if (k->t.type == JG_TOK_RPAREN && depth > 0)
			depth--;
		else if (depth == 0 && k->t.type == JG_TOK_WORD &&
		         (k->t.kw == JG_KW_SELECT || k->t.kw == JG_KW_UPDATE ||
		          k->t.kw == JG_KW_DELETE || k->t.kw == JG_KW_INSERT ||
		          k->t.kw == JG_KW_REPLACE || k->t.kw == JG_KW_TABLE ||
		          k->t.kw == JG_KW_VALUES)) {
			classify_at(c, k);
			return;
		}
		next(k);
	}
	set_kind(c, JG_SQL_UNKNOWN);
}

static void skip_modifiers(struct cur *k)
{
	while (is_kw(k, JG_KW_LOW_PRIORITY) || is_kw(k, JG_KW_DELAYED) ||
	       is_kw(k, JG_KW_HIGH_PRIORITY) || is_kw(k, JG_KW_IGNORE) || is_kw(k, JG_KW_QUICK))
		next(k);
}

static void h_insert(struct cls *c, struct cur *k)
{
	set_kind(c, k->t.kw == JG_KW_REPLACE ? JG_SQL_REPLACE : JG_SQL_INSERT);
	next(k);
	skip_modifiers(k);
	accept(k, JG_KW_INTO);
	take_table(c, k);
}

static void h_update(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_UPDATE);
	next(k);
	skip_modifiers(k);
	/* UPDATE t1 [AS a], t2 ... SET: the first table here, the rest as a FROM list would */
	take_table(c, k);
	for (int depth = 0; k->t.type != JG_TOK_END && !(depth == 0 && is_kw(k, JG_KW_SET)); ) {
		if (depth == 0 && k->t.type == JG_TOK_COMMA) {
			next(k);
			take_table(c, k);
			continue;
		}
		if (k->t.type == JG_TOK_LPAREN)
			depth++;
		else if (k->t.type == JG_TOK_RPAREN && depth > 0)
			depth--;
		next(k);
	}
}

static void h_delete(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_DELETE);   /* tables come from FROM / USING in the scan */
}

static void h_load(struct cls *c, struct cur *k)
{
	next(k);
	if (!is_kw(k, JG_KW_DATA) && !is_kw(k, JG_KW_XML)) {
		set_kind(c, JG_SQL_OTHER);   /* LOAD INDEX INTO CACHE */
		return;
	}
	set_kind(c, JG_SQL_LOAD);
	c->st->flags |= JG_SQL_READS_FILE;
	for (; k->t.type != JG_TOK_END; next(k))
		if (is_kw(k, JG_KW_INTO)) {
			next(k);
			accept(k, JG_KW_TABLE);
			take_table(c, k);
			return;
		}
}

/* object: after CREATE/ALTER/DROP and their modifiers. */
static enum jg_sql_object object_at(struct cls *c, struct cur *k)
{
	for (;;) {
		if (k->t.type != JG_TOK_WORD)
			return JG_SQL_OBJ_NONE;
		switch (k->t.kw) {
		case JG_KW_TABLE: return JG_SQL_OBJ_TABLE;
		case JG_KW_DATABASE: case JG_KW_SCHEMA: return JG_SQL_OBJ_DATABASE;
		case JG_KW_VIEW: return JG_SQL_OBJ_VIEW;
		case JG_KW_INDEX: return JG_SQL_OBJ_INDEX;
		case JG_KW_PROCEDURE: return JG_SQL_OBJ_PROCEDURE;
		case JG_KW_FUNCTION: return JG_SQL_OBJ_FUNCTION;
		case JG_KW_TRIGGER: return JG_SQL_OBJ_TRIGGER;
		case JG_KW_EVENT: return JG_SQL_OBJ_EVENT;
		case JG_KW_USER: return JG_SQL_OBJ_USER;
		case JG_KW_ROLE: return JG_SQL_OBJ_ROLE;
		case JG_KW_SEQUENCE: return JG_SQL_OBJ_SEQUENCE;
		case JG_KW_SERVER: return JG_SQL_OBJ_SERVER;
		case JG_KW_OR: case JG_KW_REPLACE: case JG_KW_TEMPORARY: case JG_KW_UNIQUE:
		case JG_KW_FULLTEXT: case JG_KW_SPATIAL: case JG_KW_AGGREGATE:
			next(k);
			continue;
		case JG_KW_DEFINER: case JG_KW_ALGORITHM:   /* DEFINER = x@y, ALGORITHM = MERGE */
			next(k);
			if (k->t.type == JG_TOK_OP)
				next(k);
			next(k);
			if (k->t.type == JG_TOK_VAR)    /* user@host lexes as user then @host */
				next(k);
			continue;
		case JG_KW_SQL:                             /* SQL SECURITY DEFINER */
			next(k);
			accept(k, JG_KW_SECURITY);
			next(k);
			continue;
		default:
			if (word_eq(c, &k->t, "online") || word_eq(c, &k->t, "offline")) {
				next(k);
				continue;
			}
			return JG_SQL_OBJ_OTHER;
		}
	}
}

static void skip_if_exists(struct cur *k)
{
	if (accept(k, JG_KW_IF)) {
		accept(k, JG_KW_NOT);
		accept(k, JG_KW_EXISTS);
	}
}

/* ON t (CREATE INDEX i ON t, DROP INDEX i ON t, CREATE TRIGGER ... ON t) */
static void table_after_on(struct cls *c, struct cur *k)
{
	for (; k->t.type != JG_TOK_END; next(k))
		if (is_kw(k, JG_KW_ON)) {
			next(k);
			take_table(c, k);
			return;
		}
}

/* has_words: the statement (from its start) has the words a, b, c in a row. */
static int has_words(struct cls *c, const char *a, const char *b, const char *w)
{
	struct cur k;
	struct jg_sql_tok t1 = { .type = JG_TOK_END }, t2 = { .type = JG_TOK_END };

	for (cur_init(c, &k); k.t.type != JG_TOK_END; next(&k)) {
		if (word_eq(c, &t1, a) && word_eq(c, &t2, b) && word_eq(c, &k.t, w))
			return 1;
		t1 = t2;
		t2 = k.t;
	}
	return 0;
}

/*
 * definer: objects that run with their creator's rights. Through jitgate the creator is the
 * session's just-in-time user, which is dropped at the session's end and whose role is not
 * active inside the object (docs/credentials.md). Views, procedures and functions created or
 * redefined without SQL SECURITY INVOKER, triggers and events always; ALTER PROCEDURE and ALTER
 * FUNCTION only when they say SQL SECURITY DEFINER.
 */
static void definer(struct cls *c, enum jg_sql_kind kind, enum jg_sql_object o)
{
	int invoker;

	if (kind != JG_SQL_CREATE && kind != JG_SQL_ALTER)
		return;
	switch (o) {
	case JG_SQL_OBJ_TRIGGER:
		if (kind == JG_SQL_ALTER)
			return;
		/* fall through */
	case JG_SQL_OBJ_EVENT:
		c->st->flags |= JG_SQL_DEFINER;
		return;
	case JG_SQL_OBJ_VIEW:
	case JG_SQL_OBJ_PROCEDURE:
	case JG_SQL_OBJ_FUNCTION:
		invoker = has_words(c, "sql", "security", "invoker");
		if (kind == JG_SQL_ALTER && o != JG_SQL_OBJ_VIEW)
			invoker = !has_words(c, "sql", "security", "definer");
		if (!invoker)
			c->st->flags |= JG_SQL_DEFINER;
		return;
	default:
		return;
	}
}

static void ddl(struct cls *c, struct cur *k, enum jg_sql_kind kind)
{
	struct jg_sql_stmt *st = c->st;
	enum jg_sql_object o;

	next(k);
	o = object_at(c, k);
	st->object = o;
	set_kind(c, (o == JG_SQL_OBJ_USER || o == JG_SQL_OBJ_ROLE) ? JG_SQL_USER : kind);
	if (o == JG_SQL_OBJ_NONE) {
		set_kind(c, JG_SQL_UNKNOWN);
		return;
	}
	definer(c, kind, o);
	next(k);
	skip_if_exists(k);
	switch (o) {
	case JG_SQL_OBJ_TABLE:
		if (kind == JG_SQL_CREATE) {
			take_table(c, k);
			if (c->st->flags & JG_SQL_SELECT_INTO)
				break;
			for (; k->t.type != JG_TOK_END; next(k))
				if (is_kw(k, JG_KW_LIKE)) {      /* CREATE TABLE t LIKE s */
					next(k);
					take_table(c, k);
					break;
				}
		} else if (kind == JG_SQL_ALTER) {
			take_table(c, k);
			for (; k->t.type != JG_TOK_END; next(k))
				if (is_kw(k, JG_KW_RENAME)) {    /* ALTER TABLE a RENAME [TO|AS] b */
					next(k);
					if (!accept(k, JG_KW_TO))
						accept(k, JG_KW_AS);
					take_table(c, k);
					break;
				}
		} else {
			take_table_list(c, k);
		}
		break;
	case JG_SQL_OBJ_VIEW:
	case JG_SQL_OBJ_SEQUENCE:
		take_table(c, k);
		break;
	case JG_SQL_OBJ_INDEX:
	case JG_SQL_OBJ_TRIGGER:
		table_after_on(c, k);
		break;
	default:
		break;
	}
}

/* CREATE TABLE ... SELECT keeps JG_SQL_SELECT_INTO from the scan (classify_stmt) */
static void h_create(struct cls *c, struct cur *k) { ddl(c, k, JG_SQL_CREATE); }

static void h_alter(struct cls *c, struct cur *k) { ddl(c, k, JG_SQL_ALTER); }

static void h_drop(struct cls *c, struct cur *k)
{
	struct cur a = *k;

	next(&a);
	if (is_kw(&a, JG_KW_PREPARE)) {
		set_kind(c, JG_SQL_DEALLOCATE);
		return;
	}
	ddl(c, k, JG_SQL_DROP);
}

static void h_truncate(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_TRUNCATE);
	c->st->object = JG_SQL_OBJ_TABLE;
	next(k);
	accept(k, JG_KW_TABLE);
	take_table(c, k);
}

static void h_rename(struct cls *c, struct cur *k)
{
	next(k);
	if (is_kw(k, JG_KW_USER)) {
		set_kind(c, JG_SQL_USER);
		c->st->object = JG_SQL_OBJ_USER;
		return;
	}
	if (!accept(k, JG_KW_TABLE) && !accept(k, JG_KW_TABLES)) {
		set_kind(c, JG_SQL_UNKNOWN);
		return;
	}
	set_kind(c, JG_SQL_RENAME);
	c->st->object = JG_SQL_OBJ_TABLE;
	/* a TO b, c TO d */
	take_table(c, k);
	while (k->t.type != JG_TOK_END) {
		if (k->t.type == JG_TOK_COMMA || is_kw(k, JG_KW_TO)) {
			next(k);
			take_table(c, k);
		} else {
			next(k);
		}
	}
}

/* GRANT/REVOKE priv ON [TABLE] db.t TO/FROM ...: the ON target is the table ("db.*" too). */
static void grant(struct cls *c, struct cur *k, enum jg_sql_kind kind)
{
	char a[66], full[JG_SQL_NAME_MAX];

	set_kind(c, kind);
	c->st->ntables = 0;              /* REVOKE ... FROM user is not a table */
	for (; k->t.type != JG_TOK_END; next(k)) {
		if (!is_kw(k, JG_KW_ON))
			continue;
		next(k);
		if (is_kw(k, JG_KW_TABLE) || is_kw(k, JG_KW_FUNCTION) || is_kw(k, JG_KW_PROCEDURE))
			next(k);
		if (k->t.type == JG_TOK_OP && k->t.len == 1 && c->s[k->t.start] == '*') {
			next(k);
			if (k->t.type == JG_TOK_DOT)         /* *.* */
				add_table_str(c, "*.*");
			else
				add_table_str(c, "*");
			return;
		}
		if (!is_name(&k->t) && k->t.type != JG_TOK_WORD)
			return;
		{
			struct jg_sql_tok first = k->t;

			next(k);
			if (k->t.type != JG_TOK_DOT) {
				add_table(c, NULL, &first);
				return;
			}
			next(k);
			if (k->t.type == JG_TOK_OP && c->s[k->t.start] == '*') {
				if (ident(c, &first, a, sizeof(a)) < 0)
					return;
				snprintf(full, sizeof(full), "%s.*", a);
				add_table_str(c, full);
			} else if (is_name(&k->t) || k->t.type == JG_TOK_WORD) {
				add_table(c, &first, &k->t);
			}
		}
		return;
	}
}

static void h_grant(struct cls *c, struct cur *k) { grant(c, k, JG_SQL_GRANT); }
static void h_revoke(struct cls *c, struct cur *k) { grant(c, k, JG_SQL_REVOKE); }

/* see sql.h */
int jg_sql_mode_parse(const char *p, size_t n, unsigned *mode)
{
	static const char *const known[] = {
		"ALLOW_INVALID_DATES", "ERROR_FOR_DIVISION_BY_ZERO", "HIGH_NOT_PRECEDENCE",
		"IGNORE_BAD_TABLE_OPTIONS", "IGNORE_SPACE", "NO_AUTO_CREATE_USER",
		"NO_AUTO_VALUE_ON_ZERO", "NO_DIR_IN_CREATE", "NO_ENGINE_SUBSTITUTION",
		"NO_FIELD_OPTIONS", "NO_KEY_OPTIONS", "NO_TABLE_OPTIONS", "NO_UNSIGNED_SUBTRACTION",
		"NO_ZERO_DATE", "NO_ZERO_IN_DATE", "ONLY_FULL_GROUP_BY", "PAD_CHAR_TO_FULL_LENGTH",
		"PIPES_AS_CONCAT", "REAL_AS_FLOAT", "STRICT_ALL_TABLES", "STRICT_TRANS_TABLES",
		"TIME_TRUNCATE_FRACTIONAL", "TRADITIONAL", "EMPTY_STRING_IS_NULL",
		"SIMULTANEOUS_ASSIGNMENT", "NO_BACKSLASH_ESCAPES", "ANSI_QUOTES", "ANSI",
		"DB2", "MAXDB", "MSSQL", "ORACLE", "POSTGRESQL",
	};
	unsigned m = 0;
	size_t i = 0;

	while (i <= n) {
		size_t j = i, w;
		int found = 0;

		while (j < n && p[j] != ',')
			j++;
		w = j - i;
		if (w > 0) {
			for (size_t q = 0; q < JG_ARRAY_LEN(known); q++) {
				if (strlen(known[q]) != w || strncasecmp(p + i, known[q], w) != 0)
					continue;
				found = 1;
				if (q == 25)
					m |= JG_SQL_MODE_NO_BACKSLASH_ESCAPES;
				else if (q >= 26)   /* ANSI and the old combination modes imply ANSI_QUOTES */
					m |= JG_SQL_MODE_ANSI_QUOTES;
			}
			if (!found)
				return -1;
		}
		i = j + 1;
	}
	*mode = m;
	return 0;
}

/* see sql.h: the names MariaDB and MySQL give the sets the lexer reads, and their aliases */
enum jg_sql_charset jg_sql_charset_of(const char *name, size_t n)
{
	static const struct { const char *name; enum jg_sql_charset cs; } known[] = {
		{ "utf8mb4", JG_SQL_CS_UTF8 }, { "utf8mb3", JG_SQL_CS_UTF8 }, { "utf8", JG_SQL_CS_UTF8 },
		{ "latin1", JG_SQL_CS_LATIN1 }, { "ascii", JG_SQL_CS_ASCII },
		{ "binary", JG_SQL_CS_BINARY },
	};

	for (size_t i = 0; i < JG_ARRAY_LEN(known); i++)
		if (strlen(known[i].name) == n && strncasecmp(name, known[i].name, n) == 0)
			return known[i].cs;
	return JG_SQL_CS_OTHER;
}

/* see sql.h */
int jg_sql_version_of(const char *v, uint32_t *version, uint8_t *mysql)
{
	unsigned a, b, c;

	if (strncmp(v, "5.5.5-", 6) == 0)       /* MariaDB before 11 puts this first */
		v += 6;
	if (sscanf(v, "%u.%u.%u", &a, &b, &c) != 3 || b > 99 || c > 99 || a > 99)
		return -1;
	*version = a * 10000 + b * 100 + c;
	*mysql = strstr(v, "MariaDB") == NULL;
	return 0;
}

/*
 * value_name: the name a SET's value gives as it is written: 'text' or "text" (a string, unless
 * ANSI_QUOTES makes the second an identifier, which the server takes as a name too), `name`, or
 * a plain word (not DEFAULT). Its length in out, or -1 when the value is not a plain name (an
 * escape or a doubled quote in it, an expression, a variable, DEFAULT).
 */
static int value_name(struct cls *c, const struct jg_sql_tok *t, char *out, size_t cap)
{
	const char *p = c->s + t->start;

	if (t->type == JG_TOK_STRING && (p[0] == '\'' || p[0] == '"')) {
		size_t n = t->len - 2;

		if (n + 1 > cap)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (p[1 + i] == '\\' || p[1 + i] == p[0])
				return -1;
		memcpy(out, p + 1, n);
		out[n] = '\0';
		return (int)n;
	}
	if ((t->type == JG_TOK_WORD && t->kw != JG_KW_DEFAULT) || t->type == JG_TOK_QIDENT)
		return ident(c, t, out, cap);
	return -1;
}

/*
 * charset_value: the character set a SET names at k (NAMES x, CHARACTER SET x,
 * character_set_client = x): into c->new_cs when the text says which; an expression, a variable
 * or DEFAULT leave it to the server (c->cs_lost); a set the lexer does not read is refused.
 */
static void charset_value(struct cls *c, struct cur *k)
{
	struct cur after = *k;
	char name[32];
	int n;

	next(&after);
	if (after.t.type != JG_TOK_END && after.t.type != JG_TOK_COMMA && !word_eq(c, &after.t, "collate")) {
		c->cs_lost = 1;
		return;
	}
	n = value_name(c, &k->t, name, sizeof(name));
	if (n <= 0) {
		c->cs_lost = 1;
		return;
	}
	c->new_cs = jg_sql_charset_of(name, (size_t)n);
	if (c->new_cs == JG_SQL_CS_OTHER)
		c->cs_refused = 1;
}

/* has_item: the comma-separated list p[0..n) holds w (case-insensitively) */
static int has_item(const char *p, size_t n, const char *w)
{
	size_t wn = strlen(w), i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != ',')
			j++;
		if (j - i == wn && strncasecmp(p + i, w, wn) == 0)
			return 1;
		i = j + 1;
	}
	return 0;
}

/*
 * tracking_kept: a SET of session_track_schema (which 1) or session_track_system_variables
 * (which 2) to the value at k keeps what jitgate observes the server through: the schema on, the
 * variables "*" or a list with sql_mode and character_set_client. A client library may set them
 * (MariaDB Connector/J 3 turns schema tracking on); anything else turns observation off.
 */
static int tracking_kept(struct cls *c, const struct cur *k, int which)
{
	struct cur after = *k;
	char v[512];
	int n = value_name(c, &k->t, v, sizeof(v));

	next(&after);
	if (after.t.type != JG_TOK_END && after.t.type != JG_TOK_COMMA)
		return 0;
	if (which == 1)
		return (n == 2 && strncasecmp(v, "on", 2) == 0) ||
		       (n == 4 && strncasecmp(v, "true", 4) == 0) ||
		       (k->t.type == JG_TOK_NUMBER && k->t.len == 1 && c->s[k->t.start] == '1');
	return n > 0 && (has_item(v, (size_t)n, "*") || (has_item(v, (size_t)n, "sql_mode") &&
	                 has_item(v, (size_t)n, "character_set_client")));
}

/* name_is: a variable's name (after any scope) is w, or starts with it when prefix is set */
static int name_is(const char *p, size_t n, const char *w, int prefix)
{
	size_t wn = strlen(w);

	return (prefix ? n > wn : n == wn) && strncasecmp(p, w, wn) == 0;
}

static void h_set(struct cls *c, struct cur *k)
{
	struct jg_sql_stmt *st = c->st;
	int scoped = 0;

	set_kind(c, JG_SQL_SET);
	next(k);
	if (is_kw(k, JG_KW_PASSWORD) || is_kw(k, JG_KW_ROLE) || is_kw(k, JG_KW_DEFAULT)) {
		set_kind(c, JG_SQL_USER);
		return;
	}
	if (is_kw(k, JG_KW_STATEMENT)) {        /* MariaDB SET STATEMENT ... FOR stmt */
		set_kind(c, JG_SQL_UNKNOWN);
		return;
	}
	if (is_kw(k, JG_KW_TRANSACTION)) {
		set_kind(c, JG_SQL_TRANSACTION);
		return;
	}
	for (;;) {
		int global = 0, session = 0, is_mode = 0, is_cs = 0, is_client = 0, is_track = 0;
		struct jg_sql_tok var;

		/* scope */
		if (is_kw(k, JG_KW_GLOBAL) || is_kw(k, JG_KW_PERSIST) || is_kw(k, JG_KW_PERSIST_ONLY)) {
			global = 1;
			next(k);
		} else if (is_kw(k, JG_KW_SESSION) || is_kw(k, JG_KW_LOCAL)) {
			session = 1;
			next(k);
		}
		if (is_kw(k, JG_KW_TRANSACTION)) {       /* SET GLOBAL TRANSACTION ... */
			set_kind(c, JG_SQL_TRANSACTION);
			if (global)
				st->flags |= JG_SQL_GLOBAL;
			return;
		}
		if (!global && (is_kw(k, JG_KW_NAMES) || is_kw(k, JG_KW_CHARACTER) ||
		                 is_kw(k, JG_KW_CHARSET))) {
			st->flags |= JG_SQL_MODE_CHANGE;
			if (accept(k, JG_KW_CHARACTER))
				accept(k, JG_KW_SET);
			else
				next(k);
			charset_value(c, k);
			var = k->t;
		} else {
			var = k->t;
			if (var.type == JG_TOK_SYSVAR) {
				const char *p = c->s + var.start + 2;
				size_t n = var.len - 2;

				if (n > 7 && (strncasecmp(p, "global.", 7) == 0 ||
				              strncasecmp(p, "persist.", 8) == 0 ||
				              strncasecmp(p, "persist_only.", 13) == 0))
					global = 1;
				else if (n > 8 && strncasecmp(p, "session.", 8) == 0)
					p += 8, n -= 8, session = 1;
				else if (n > 6 && strncasecmp(p, "local.", 6) == 0)
					p += 6, n -= 6, session = 1;
				if (!global) {
					is_mode = name_is(p, n, "sql_mode", 0);
					is_cs = name_is(p, n, "character_set_", 1);
					is_client = name_is(p, n, "character_set_client", 0);
					is_track = name_is(p, n, "session_track_schema", 0) ? 1 :
					           name_is(p, n, "session_track_system_variables", 0) ? 2 : 0;
				}
			} else if (var.type == JG_TOK_WORD || var.type == JG_TOK_QIDENT) {
				char name[66];
				int n = ident(c, &var, name, sizeof(name));

				if (n > 0) {
					is_mode = name_is(name, (size_t)n, "sql_mode", 0);
					is_cs = name_is(name, (size_t)n, "character_set_", 1);
					is_client = name_is(name, (size_t)n, "character_set_client", 0);
					is_track = name_is(name, (size_t)n, "session_track_schema", 0) ? 1 :
					           name_is(name, (size_t)n, "session_track_system_variables",
					                   0) ? 2 : 0;
				}
			} else if (var.type != JG_TOK_VAR) {
				set_kind(c, JG_SQL_UNKNOWN);
				return;
			}
			if (global) {
				st->flags |= JG_SQL_GLOBAL;
				is_mode = is_cs = is_client = is_track = 0;
			} else if ((is_mode || is_client || is_track) && !session && scoped) {
				/* SET GLOBAL a = 1, sql_mode = ...: whether the scope carries over
				 * differs between versions; do not guess */
				c->mode_lost = 1;
			}
			next(k);
			if (k->t.type != JG_TOK_OP) {
				set_kind(c, JG_SQL_UNKNOWN);
				return;
			}
			next(k);
			if (is_mode) {
				struct cur a = *k;
				char name[512];
				unsigned m;
				int n;

				st->flags |= JG_SQL_MODE_CHANGE;
				next(&a);
				n = a.t.type == JG_TOK_END || a.t.type == JG_TOK_COMMA ?
				    value_name(c, &k->t, name, sizeof(name)) : -1;
				if (n >= 0 && jg_sql_mode_parse(name, (size_t)n, &m) == 0)
					c->new_mode = m;
				else if (n >= 0)
					set_kind(c, JG_SQL_UNKNOWN);   /* unknown name: refused by us */
				else
					c->mode_lost = 1;
			} else if (is_cs) {
				st->flags |= JG_SQL_MODE_CHANGE;
				if (is_client)
					charset_value(c, k);
			}
			if (is_track && !tracking_kept(c, k, is_track))
				st->flags |= JG_SQL_TRACKING;
		}
		scoped |= global | session;
		/* to the next assignment at depth 0 */
		for (int depth = 0; k->t.type != JG_TOK_END; next(k)) {
			if (k->t.type == JG_TOK_LPAREN)
				depth++;
			else if (k->t.type == JG_TOK_RPAREN && depth > 0)
				depth--;
			else if (k->t.type == JG_TOK_COMMA && depth == 0)
				break;
		}
		if (k->t.type == JG_TOK_END)
			return;
		next(k);
	}
}

static void h_show(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_SHOW);
	c->st->ntables = 0;              /* SHOW TABLES FROM db names a database */
	next(k);
	accept(k, JG_KW_FULL);
	if (accept(k, JG_KW_CREATE)) {
		if (accept(k, JG_KW_TABLE) || accept(k, JG_KW_VIEW))
			take_table(c, k);
		return;
	}
	if (accept(k, JG_KW_COLUMNS) || accept(k, JG_KW_FIELDS) || accept(k, JG_KW_INDEX) ||
	    accept(k, JG_KW_INDEXES) || accept(k, JG_KW_KEYS)) {
		struct jg_sql_tok name, db;

		if (!accept(k, JG_KW_FROM) && !accept(k, JG_KW_IN))
			return;
		if (!is_name(&k->t))
			return;
		name = k->t;
		next(k);
		if (k->t.type == JG_TOK_DOT) {
			next(k);
			if (is_name(&k->t))
				add_table(c, &name, &k->t);
			return;
		}
		if ((accept(k, JG_KW_FROM) || accept(k, JG_KW_IN)) && is_name(&k->t)) {
			db = k->t;
			add_table(c, &db, &name);
			return;
		}
		add_table(c, NULL, &name);
	}
}

static void h_use(struct cls *c, struct cur *k)
{
	char db[66];
	int n;

	set_kind(c, JG_SQL_USE);
	c->st->flags |= JG_SQL_MODE_CHANGE;
	next(k);
	if (k->t.type != JG_TOK_WORD && k->t.type != JG_TOK_QIDENT) {
		set_kind(c, JG_SQL_UNKNOWN);
		return;
	}
	/* lower-cased like the tables built from it */
	n = ident(c, &k->t, db, sizeof(db));
	if (n <= 0 || n > 64) {
		set_kind(c, JG_SQL_UNKNOWN);
		return;
	}
	if (c->depth == 0)
		memcpy(c->sess->db, db, (size_t)n + 1);
}

static void h_call(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_CALL);
	c->st->flags |= JG_SQL_OPAQUE;   /* the procedure's body is not visible here */
}

/* inner: the text of a string literal (adjacent literals concatenated, escapes undone as the
 * server does) classified as one statement; fills st->inner, its tables and flags. */
static void inner(struct cls *c, struct cur *k)
{
	char buf[4096];
	size_t n = 0;
	int ok = 1;
	struct jg_sql_stmt *sub;
	struct jg_sql_stmt tmp;
	struct cls ic;
	struct jg_sql_session s2;

	if (c->depth > 0 || k->t.type != JG_TOK_STRING) {
		c->st->flags |= JG_SQL_OPAQUE;
		c->st->inner = JG_SQL_UNKNOWN;
		return;
	}
	for (; k->t.type == JG_TOK_STRING; next(k))
		if (ok)
			n = jg_sql_string_text(c->s, &k->t, c->start.mode, buf, n, sizeof(buf), &ok);
	if (k->t.type != JG_TOK_END && !is_kw(k, JG_KW_USING)) {
		/* FROM 'a' + x, CONCAT(...) etc.: not a plain literal */
		c->st->flags |= JG_SQL_OPAQUE;
		c->st->inner = JG_SQL_UNKNOWN;
		return;
	}
	if (!ok) {
		c->st->flags |= JG_SQL_TRUNCATED | JG_SQL_OPAQUE;
		c->st->inner = JG_SQL_UNKNOWN;
		return;
	}
	sub = &tmp;
	memset(sub, 0, sizeof(*sub));
	s2 = *c->sess;
	memset(&ic, 0, sizeof(ic));
	ic.sess = &s2;
	ic.s = buf;
	ic.st = sub;
	ic.depth = c->depth + 1;
	ic.start.s = buf;
	ic.start.len = n;
	ic.start.mode = c->start.mode;
	ic.start.cs = c->start.cs;
	ic.start.version = c->start.version;
	ic.start.mysql = c->start.mysql;
	ic.new_mode = c->start.mode;
	ic.new_cs = c->start.cs;
	{
		struct scan sc;
		struct jg_sql_lexer lx;
		struct jg_sql_tok t;

		classify_stmt(&ic, &sc);
		/* one statement only: PREPARE refuses more, and we will not guess */
		lx = sc.end;
		jg_sql_lex(&lx, &t);
		if (t.type == JG_TOK_SEMI) {
			jg_sql_lex(&lx, &t);
			if (t.type != JG_TOK_END)
				sub->kind = JG_SQL_UNKNOWN;
		}
		if (sc.end.exec_seen)
			sub->flags |= JG_SQL_EXEC_COMMENT;
		if (ic.mode_lost || ic.cs_lost || ic.cs_refused || sc.end.ambiguous)
			sub->kind = JG_SQL_UNKNOWN;
	}
	c->st->inner = sub->kind;
	c->st->flags |= sub->flags & ~(unsigned)JG_SQL_MODE_CHANGE;
	for (unsigned i = 0; i < sub->ntables; i++)
		add_table_str(c, sub->tables[i]);
}

/* see sql_lex.h */
size_t jg_sql_string_text(const char *s, const struct jg_sql_tok *t, unsigned mode, char *buf,
                          size_t n, size_t cap, int *ok)
{
	const char *p = s + t->start;
	size_t len = t->len, i = 0;
	char q;

	while (i < len && p[i] != '\'' && p[i] != '"')    /* N'..' and _cs'..' */
		i++;
	if (i >= len)
		return n;
	q = p[i++];
	len--;                                              /* closing quote */
	for (; i < len; i++) {
		char ch = p[i];

		if (ch == q && i + 1 < len && p[i + 1] == q) {
			i++;
		} else if (ch == '\\' && !(mode & JG_SQL_MODE_NO_BACKSLASH_ESCAPES) && i + 1 < len) {
			i++;
			switch (p[i]) {
			case '0': ch = '\0'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case 'b': ch = '\b'; break;
			case 'Z': ch = 0x1a; break;
			case '%': case '_':
				if (n >= cap) {
					*ok = 0;
					return n;
				}
				buf[n++] = '\\';
				ch = p[i];
				break;
			default: ch = p[i]; break;
			}
		}
		if (n >= cap) {
			*ok = 0;
			return n;
		}
		buf[n++] = ch;
	}
	return n;
}

static void h_prepare(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_PREPARE);
	next(k);
	next(k);                          /* the statement's name */
	if (!accept(k, JG_KW_FROM)) {
		set_kind(c, JG_SQL_UNKNOWN);
		return;
	}
	inner(c, k);
}

static void h_execute(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_EXECUTE);
	next(k);
	if (accept(k, JG_KW_IMMEDIATE)) {     /* MariaDB */
		inner(c, k);
		return;
	}
	c->st->flags |= JG_SQL_OPAQUE;        /* which text was prepared is not tracked here */
	c->st->inner = JG_SQL_UNKNOWN;
}

static void h_deallocate(struct cls *c, struct cur *k) { set_kind(c, JG_SQL_DEALLOCATE); }

static void h_begin(struct cls *c, struct cur *k)
{
	next(k);
	/* BEGIN NOT ATOMIC ... END is a MariaDB compound statement, not a transaction */
	if (k->t.type == JG_TOK_END || is_kw(k, JG_KW_WORK))
		set_kind(c, JG_SQL_TRANSACTION);
	else
		set_kind(c, JG_SQL_UNKNOWN);
}

static void h_start(struct cls *c, struct cur *k)
{
	next(k);
	set_kind(c, is_kw(k, JG_KW_TRANSACTION) ? JG_SQL_TRANSACTION : JG_SQL_UNKNOWN);
}

static void h_transaction(struct cls *c, struct cur *k) { set_kind(c, JG_SQL_TRANSACTION); }

static void h_lock(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_LOCK);
	next(k);
	if (accept(k, JG_KW_TABLES) || accept(k, JG_KW_TABLE))
		take_table_list(c, k);
}

static void h_handler(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_HANDLER);
	next(k);
	take_table(c, k);   /* HANDLER alias READ also lands here: an alias can't be told apart */
}

static void h_kill(struct cls *c, struct cur *k) { set_kind(c, JG_SQL_KILL); }

static void h_flush(struct cls *c, struct cur *k)
{
	set_kind(c, JG_SQL_FLUSH);
	c->st->flags |= JG_SQL_GLOBAL;
	c->st->ntables = 0;
}

static void h_shutdown(struct cls *c, struct cur *k) { set_kind(c, JG_SQL_SHUTDOWN); }
static void h_install(struct cls *c, struct cur *k) { set_kind(c, JG_SQL_INSTALL); }
static void h_uninstall(struct cls *c, struct cur *k) { set_kind(c, JG_SQL_UNINSTALL); }
static void h_do(struct cls *c, struct cur *k) { set_kind(c, JG_SQL_DO); }
static void h_other(struct cls *c, struct cur *k) { set_kind(c, JG_SQL_OTHER); }

/* explained: EXPLAIN/DESCRIBE/ANALYZE followed by a statement. EXPLAIN ANALYZE (MySQL) and
 * ANALYZE stmt (MariaDB) execute it, so they take its kind; plain EXPLAIN keeps its own. */
static void explained(struct cls *c, struct cur *k, enum jg_sql_kind own, int executes)
{
	enum jg_sql_kind ik;

	c->st->kind = JG_SQL_UNKNOWN;
	classify_at(c, k);
	ik = c->st->kind;
	c->st->inner = ik;
	c->st->kind = executes ? ik : own;
}

static void h_explain(struct cls *c, struct cur *k)
{
	int executes = 0;

	next(k);
	if (k->t.type == JG_TOK_END) {
		set_kind(c, JG_SQL_UNKNOWN);
		return;
	}
	if (word_eq(c, &k->t, "format")) {            /* FORMAT = JSON */
		next(k);
		next(k);
		next(k);
	}
	if (accept(k, JG_KW_ANALYZE))
		executes = 1;
	if (word_eq(c, &k->t, "extended") || word_eq(c, &k->t, "partitions"))
		next(k);
	if (accept(k, JG_KW_FOR)) {                   /* EXPLAIN FOR CONNECTION n */
		set_kind(c, JG_SQL_EXPLAIN);
		return;
	}
	if (is_name(&k->t)) {                         /* DESCRIBE t [col] */
		set_kind(c, JG_SQL_DESCRIBE);
		take_table(c, k);
		return;
	}
	explained(c, k, JG_SQL_EXPLAIN, executes);
}

static void h_analyze(struct cls *c, struct cur *k)
{
	int lead = k->t.kw;

	next(k);
	while (word_eq(c, &k->t, "no_write_to_binlog") || is_kw(k, JG_KW_LOCAL))
		next(k);
	if (accept(k, JG_KW_TABLE) || accept(k, JG_KW_TABLES)) {
		/* ANALYZE/CHECK/CHECKSUM read; OPTIMIZE/REPAIR rebuild tables: OTHER */
		set_kind(c, (lead == JG_KW_OPTIMIZE || lead == JG_KW_REPAIR) ? JG_SQL_OTHER :
		            JG_SQL_ANALYZE);
		take_table_list(c, k);
		return;
	}
	if (lead == JG_KW_ANALYZE && k->t.type == JG_TOK_WORD) {
		explained(c, k, JG_SQL_ANALYZE, 1);   /* MariaDB ANALYZE SELECT/UPDATE/DELETE */
		return;
	}
	set_kind(c, JG_SQL_UNKNOWN);
}

static const struct {
	enum jg_sql_kw kw;
	handler_fn *fn;
} handlers[] = {
	{ JG_KW_SELECT, h_select },       { JG_KW_VALUES, h_select },     { JG_KW_TABLE, h_table },
	{ JG_KW_WITH, h_with },           { JG_KW_INSERT, h_insert },     { JG_KW_REPLACE, h_insert },
	{ JG_KW_UPDATE, h_update },       { JG_KW_DELETE, h_delete },     { JG_KW_LOAD, h_load },
	{ JG_KW_CREATE, h_create },       { JG_KW_ALTER, h_alter },       { JG_KW_DROP, h_drop },
	{ JG_KW_TRUNCATE, h_truncate },   { JG_KW_RENAME, h_rename },     { JG_KW_GRANT, h_grant },
	{ JG_KW_REVOKE, h_revoke },       { JG_KW_SET, h_set },           { JG_KW_SHOW, h_show },
	{ JG_KW_USE, h_use },             { JG_KW_CALL, h_call },         { JG_KW_PREPARE, h_prepare },
	{ JG_KW_EXECUTE, h_execute },     { JG_KW_DEALLOCATE, h_deallocate },
	{ JG_KW_BEGIN, h_begin },         { JG_KW_START, h_start },       { JG_KW_COMMIT, h_transaction },
	{ JG_KW_ROLLBACK, h_transaction },{ JG_KW_SAVEPOINT, h_transaction },
	{ JG_KW_RELEASE, h_transaction }, { JG_KW_XA, h_transaction },    { JG_KW_LOCK, h_lock },
	{ JG_KW_UNLOCK, h_lock },         { JG_KW_HANDLER, h_handler },   { JG_KW_KILL, h_kill },
	{ JG_KW_FLUSH, h_flush },         { JG_KW_SHUTDOWN, h_shutdown }, { JG_KW_RESTART, h_shutdown },
	{ JG_KW_INSTALL, h_install },     { JG_KW_UNINSTALL, h_uninstall },
	{ JG_KW_DESCRIBE, h_explain },    { JG_KW_DESC, h_explain },      { JG_KW_EXPLAIN, h_explain },
	{ JG_KW_DO, h_do },               { JG_KW_ANALYZE, h_analyze },   { JG_KW_OPTIMIZE, h_analyze },
	{ JG_KW_CHECK, h_analyze },       { JG_KW_REPAIR, h_analyze },    { JG_KW_CHECKSUM, h_analyze },
	{ JG_KW_HELP, h_other },
};

/* classify_at: dispatches on the keyword at k; "(" around a query is looked through. */
static void classify_at(struct cls *c, struct cur *k)
{
	while (k->t.type == JG_TOK_LPAREN)
		next(k);
	if (k->t.type == JG_TOK_WORD)
		for (size_t i = 0; i < JG_ARRAY_LEN(handlers); i++)
			if (handlers[i].kw == k->t.kw) {
				handlers[i].fn(c, k);
				return;
			}
	c->st->kind = JG_SQL_UNKNOWN;
}

/* classify_stmt: the statement that starts at c->start; returns the lexer after its end. */
static void classify_stmt(struct cls *c, struct scan *sc)
{
	struct jg_sql_stmt *st = c->st;
	struct cur k;
	int ntok;

	st->kind = JG_SQL_UNKNOWN;
	st->inner = JG_SQL_UNKNOWN;
	ntok = scan(c, sc);
	if (sc->nselect > 0)    /* INSERT ... SELECT: kept below only for INSERT/REPLACE/CREATE */
		st->flags |= JG_SQL_SELECT_INTO;
	if (ntok == 0) {
		st->kind = c->err ? JG_SQL_UNKNOWN : JG_SQL_EMPTY;
		return;
	}
	cur_init(c, &k);
	classify_at(c, &k);
	if (st->kind != JG_SQL_INSERT && st->kind != JG_SQL_REPLACE &&
	    !(st->kind == JG_SQL_CREATE && st->object == JG_SQL_OBJ_TABLE) &&
	    !(st->inner == JG_SQL_INSERT || st->inner == JG_SQL_REPLACE))
		st->flags &= ~(unsigned)JG_SQL_SELECT_INTO;
	if (st->kind != JG_SQL_UPDATE && st->kind != JG_SQL_DELETE &&
	    st->inner != JG_SQL_UPDATE && st->inner != JG_SQL_DELETE)
		st->flags &= ~(unsigned)(JG_SQL_HAS_WHERE | JG_SQL_HAS_LIMIT);
	if (c->err || c->hide)
		st->kind = JG_SQL_UNKNOWN;
	if (c->mode_lost || c->cs_lost)
		st->flags |= JG_SQL_MODE_CHANGE;
}

/*
 * One reading of a text: the session state and the lexer as the server would have them if the
 * state changes of unknown value took one of their possible values. A text has one reading
 * until such a change; then one per sql_mode the lexer tells apart (READINGS_MAX), until a
 * change of known value makes them one again.
 */
#define READINGS_MAX 4

struct reading {
	struct jg_sql_session sess;
	struct jg_sql_lexer lx;
};

/* one_stmt: the statement at r's lexer into st; r moves past it. Returns the statement's end
 * token type (JG_TOK_SEMI or JG_TOK_END), *c filled for the caller. */
static enum jg_sql_tok_type one_stmt(struct reading *r, const char *text, size_t len,
                                     struct jg_sql_stmt *st, struct cls *c, int *ntok)
{
	struct scan sc;
	struct jg_sql_tok t;
	size_t start = r->lx.pos > len ? len : r->lx.pos;

	st->kind = JG_SQL_UNKNOWN;
	st->object = JG_SQL_OBJ_NONE;
	st->flags = 0;
	st->ntables = 0;
	st->inner = JG_SQL_UNKNOWN;
	st->fingerprint[0] = '\0';
	memset(c, 0, sizeof(*c));
	c->sess = &r->sess;
	c->s = text;
	c->st = st;
	r->lx.mode = r->sess.sql_mode;
	r->lx.cs = r->sess.charset;
	r->lx.exec_seen = r->lx.in_exec;      /* an executable comment goes on from the last one */
	c->start = r->lx;
	st->lex.modes = (uint8_t)(1u << (r->sess.sql_mode & 3u));
	st->lex.cs = (uint8_t)r->lx.cs;
	st->lex.in_exec = (uint8_t)r->lx.in_exec;
	st->lex.mysql = (uint8_t)r->lx.mysql;
	st->lex.version = r->lx.version;
	c->new_mode = r->sess.sql_mode;
	c->new_cs = r->sess.charset;
	classify_stmt(c, &sc);
	r->lx = sc.end;                        /* on this statement's ";" or the end */
	jg_sql_lex(&r->lx, &t);
	st->start = start;
	st->len = (t.type == JG_TOK_SEMI ? t.start : len) - start;
	if (sc.end.exec_seen)
		st->flags |= JG_SQL_EXEC_COMMENT;
	*ntok = sc.ntok + c->err;
	return t.type;
}

/* merge: reading b of a statement into a: where they differ the statement is unknown, with the
 * tables and warning flags of both; WHERE and LIMIT count only when both have them. */
static void merge(struct jg_sql_stmt *a, const struct jg_sql_stmt *b)
{
	const unsigned both = JG_SQL_HAS_WHERE | JG_SQL_HAS_LIMIT;
	int differ = a->kind != b->kind || a->object != b->object || a->inner != b->inner ||
	             a->flags != b->flags || a->ntables != b->ntables;

	for (unsigned i = 0; i < b->ntables; i++) {
		unsigned j = 0;

		while (j < a->ntables && strcmp(a->tables[j], b->tables[i]) != 0)
			j++;
		if (j < a->ntables)
			continue;
		differ = 1;
		if (a->ntables < JG_SQL_TABLES_MAX)
			strcpy(a->tables[a->ntables++], b->tables[i]);
		else
			a->flags |= JG_SQL_TRUNCATED;
	}
	a->flags = ((a->flags | b->flags) & ~both) | (a->flags & b->flags & both);
	if (differ)
		a->kind = JG_SQL_UNKNOWN;
}

static int high_bytes(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

static void refuse(struct jg_sql_result *out, enum jg_sql_refuse why, unsigned stmt)
{
	if (out->refuse == JG_SQL_OK) {
		out->refuse = why;
		out->refuse_stmt = stmt;
	}
}

/* see sql.h */
int jg_sql_classify(struct jg_sql_session *sess, const char *text, size_t len,
                    struct jg_sql_result *out)
{
	static const unsigned modes[READINGS_MAX] = {
		0, JG_SQL_MODE_NO_BACKSLASH_ESCAPES, JG_SQL_MODE_ANSI_QUOTES,
		JG_SQL_MODE_NO_BACKSLASH_ESCAPES | JG_SQL_MODE_ANSI_QUOTES,
	};
	struct reading rd[READINGS_MAX];
	struct jg_sql_stmt alt;
	unsigned nr = 1;

	out->nstmts = 0;
	out->flags = 0;
	out->refuse = JG_SQL_OK;
	out->refuse_stmt = 0;
	memset(&rd[0].lx, 0, sizeof(rd[0].lx));
	rd[0].sess = *sess;
	rd[0].lx.s = text;
	rd[0].lx.len = len;
	rd[0].lx.version = sess->version;
	rd[0].lx.mysql = sess->mysql;
	if (sess->charset == JG_SQL_CS_OTHER && high_bytes(text, len))
		refuse(out, JG_SQL_CHARSET, 0);
	for (;;) {
		struct jg_sql_stmt *st;
		enum jg_sql_tok_type end = JG_TOK_END;
		int lost = 0, cs_lost = 0, ntok = 0, empty_tail;
		struct cls c;

		if (out->nstmts >= JG_SQL_STMTS_MAX)
			return JG_ERR_TOOBIG;
		st = &out->stmts[out->nstmts];
		for (unsigned r = 0; r < nr; r++) {
			struct jg_sql_stmt *into = r == 0 ? st : &alt;
			int n;
			enum jg_sql_tok_type e = one_stmt(&rd[r], text, len, into, &c, &n);

			if (r == 0) {
				end = e;
				ntok = n;
			} else if (e != end || alt.start != st->start || alt.len != st->len) {
				refuse(out, JG_SQL_AMBIGUOUS, out->nstmts);
				return JG_OK;
			} else {
				st->lex.modes |= alt.lex.modes;
				merge(st, &alt);
			}
			if (rd[r].lx.ambiguous)
				refuse(out, JG_SQL_AMBIGUOUS, out->nstmts);
			if (c.cs_refused)
				refuse(out, JG_SQL_CHARSET, out->nstmts);
			/* the state the next statement is read under, in this reading */
			if (c.mode_lost)
				lost = 1;
			else if (st->kind != JG_SQL_UNKNOWN || r > 0)
				rd[r].sess.sql_mode = c.new_mode;
			if (c.cs_lost)
				cs_lost = 1;
			else
				rd[r].sess.charset = (uint8_t)c.new_cs;
		}
		/* a trailing piece with no tokens after the last ";" is not a statement */
		empty_tail = ntok == 0 && end == JG_TOK_END && out->nstmts > 0;
		if (!empty_tail) {
			out->flags |= st->flags;
			out->nstmts++;
		}
		if (end == JG_TOK_END)
			break;
		if (cs_lost) {
			/* the server now reads in a character set the text does not name: the rest
			 * reads alike in every ASCII-compatible set only if it is ASCII */
			size_t at = rd[0].lx.pos > len ? len : rd[0].lx.pos;

			if (high_bytes(text + at, len - at)) {
				refuse(out, JG_SQL_AMBIGUOUS, out->nstmts);
				return JG_OK;
			}
			for (unsigned r = 0; r < nr; r++)
				rd[r].sess.charset = JG_SQL_CS_ASCII;
		}
		if (lost) {
			/* every sql_mode reading from here on, each from where reading 0 stands */
			for (unsigned r = 1; r < READINGS_MAX; r++)
				rd[r] = rd[0];
			for (unsigned r = 0; r < READINGS_MAX; r++)
				rd[r].sess.sql_mode = modes[r];
			nr = READINGS_MAX;
		} else if (nr > 1) {
			unsigned r = 1;

			while (r < nr && rd[r].sess.sql_mode == rd[0].sess.sql_mode)
				r++;
			if (r == nr)
				nr = 1;                 /* a known change made the readings one again */
		}
	}
	/* the session after the text: its one reading; a sql_mode the readings do not agree on is
	 * unknown and left as it was (the gateway observes what the server reports) */
	{
		unsigned before = sess->sql_mode;

		*sess = rd[0].sess;
		if (nr > 1)
			sess->sql_mode = before;
	}
	return JG_OK;
}

const char *jg_sql_flag_name(unsigned bit)
{
	static const char *const names[] = {
		"where", "limit", "writes_file", "reads_file", "opaque", "executable_comment",
		"global", "select_into", "truncated", "mode_change", "definer", "tracking",
	};

	for (unsigned i = 0; i < JG_ARRAY_LEN(names); i++)
		if (bit == 1u << i)
			return names[i];
	return NULL;
}

const char *jg_sql_kind_name(enum jg_sql_kind k)
{
	static const char *const names[JG_SQL_KIND_COUNT] = {
		"unknown", "select", "insert", "update", "delete", "replace", "load", "create",
		"alter", "drop", "truncate", "rename", "grant", "revoke", "user", "set", "show", "use",
		"call", "prepare", "execute", "deallocate", "transaction", "lock", "handler", "kill",
		"flush", "shutdown", "install", "uninstall", "describe", "explain", "do", "analyze",
		"other", "empty",
	};

	return (unsigned)k < JG_SQL_KIND_COUNT ? names[k] : "unknown";
}

const char *jg_sql_object_name(enum jg_sql_object o)
{
	static const char *const names[] = {
		"none", "table", "database", "view", "index", "procedure", "function", "trigger",
		"event", "user", "role", "sequence", "server", "other",
	};

	return (unsigned)o < JG_ARRAY_LEN(names) ? names[o] : "other";
}
