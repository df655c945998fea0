/*
 * sql_lex.h: the SQL tokenizer generated from spec/sql.re into gen/sql.c, used by src/sql only
 * (sql.c, probe.c).
 *
 * The lexer reads text[0..len) through an index and treats every position at or past len as a
 * NUL, so it never reads outside the caller's buffer and needs no terminator; a NUL byte inside
 * the text (outside strings and comments) is an error token, as in the server's lexer.
 * Memory: the lexer borrows text for as long as it is used; a token is an offset and a length.
 */
#ifndef JG_SQL_LEX_H
#define JG_SQL_LEX_H

#include <stddef.h>
#include <stdint.h>

enum jg_sql_tok_type {
	JG_TOK_END = 0,     /* end of input */
	JG_TOK_ERR,         /* a byte no token starts with, an unterminated string or comment */
	JG_TOK_WORD,        /* keyword or unquoted identifier; kw says which keyword */
	JG_TOK_QIDENT,      /* `quoted` identifier, or "quoted" under ANSI_QUOTES */
	JG_TOK_STRING,      /* 'text', "text" (no ANSI_QUOTES), N'text', _charset'text' */
	JG_TOK_NUMBER,
	JG_TOK_HEX,         /* X'0F', 0x0F */
	JG_TOK_BIT,         /* B'01', 0b01 */
	JG_TOK_VAR,         /* @name, @'name', @`name` */
	JG_TOK_SYSVAR,      /* @@name, @@global.name */
	JG_TOK_PARAM,       /* ? */
	JG_TOK_OP,          /* operators and other punctuation */
	JG_TOK_LPAREN, JG_TOK_RPAREN, JG_TOK_COMMA, JG_TOK_DOT,
	JG_TOK_SEMI         /* statement separator */
};

/* Keywords the classifier looks at; the second field is 1 when MySQL reserves the word (so it
 * cannot be an unquoted table name). */
#define JG_SQL_KEYWORDS(X) \
	X(ADD, 1) \
	X(AGGREGATE, 0) \
	X(ALGORITHM, 0) \
	X(ALL, 1) \
	X(ALTER, 1) \
	X(ANALYZE, 1) \
	X(AND, 1) \
	X(ANSI, 0) \
	X(AS, 1) \
	X(ASC, 1) \
	X(BEGIN, 0) \
	X(BETWEEN, 1) \
	X(BINLOG, 0) \
	X(BY, 1) \
	X(CALL, 1) \
	X(CASE, 1) \
	X(CHANGE, 1) \
	X(CHARACTER, 1) \
	X(CHARSET, 0) \
	X(CHECK, 1) \
	X(CHECKSUM, 0) \
	X(COLUMNS, 0) \
	X(COMMIT, 0) \
	X(CONNECTION, 0) \
	X(CREATE, 1) \
	X(CROSS, 1) \
	X(DATA, 0) \
	X(DATABASE, 1) \
	X(DATABASES, 1) \
	X(DEALLOCATE, 0) \
	X(DEFAULT, 1) \
	X(DEFINER, 0) \
	X(DELAYED, 1) \
	X(DELETE, 1) \
	X(DESC, 1) \
	X(DESCRIBE, 1) \
	X(DISTINCT, 1) \
	X(DISTINCTROW, 1) \
	X(DO, 0) \
	X(DROP, 1) \
	X(DUAL, 1) \
	X(DUMPFILE, 0) \
	X(DUPLICATE, 0) \
	X(ELSE, 1) \
	X(END, 0) \
	X(EVENT, 0) \
	X(EXCEPT, 1) \
	X(EXECUTE, 0) \
	X(EXISTS, 1) \
	X(EXPLAIN, 1) \
	X(FIELDS, 0) \
	X(FLUSH, 0) \
	X(FOR, 1) \
	X(FORCE, 1) \
	X(FROM, 1) \
	X(FULL, 0) \
	X(FULLTEXT, 1) \
	X(FUNCTION, 0) \
	X(GLOBAL, 0) \
	X(GRANT, 1) \
	X(GROUP, 1) \
	X(HANDLER, 0) \
	X(HAVING, 1) \
	X(HELP, 0) \
	X(HIGH_PRIORITY, 1) \
	X(IF, 1) \
	X(IGNORE, 1) \
	X(IMMEDIATE, 0) \
	X(IN, 1) \
	X(INDEX, 1) \
	X(INDEXES, 0) \
	X(INFILE, 1) \
	X(INNER, 1) \
	X(INSERT, 1) \
	X(INSTALL, 0) \
	X(INTERSECT, 1) \
	X(INTO, 1) \
	X(IS, 1) \
	X(JOIN, 1) \
	X(KEY, 1) \
	X(KEYS, 1) \
	X(KILL, 1) \
	X(LATERAL, 1) \
	X(LEFT, 1) \
	X(LIKE, 1) \
	X(LIMIT, 1) \
	X(LOAD, 1) \
	X(LOCAL, 0) \
	X(LOCK, 1) \
	X(LOW_PRIORITY, 1) \
	X(NAMES, 0) \
	X(NATURAL, 1) \
	X(NOT, 1) \
	X(NULL, 1) \
	X(OFFSET, 0) \
	X(ON, 1) \
	X(OPTIMIZE, 1) \
	X(OR, 1) \
	X(ORDER, 1) \
	X(OUTER, 1) \
	X(OUTFILE, 1) \
	X(PARTITION, 1) \
	X(PASSWORD, 0) \
	X(PERSIST, 0) \
	X(PERSIST_ONLY, 0) \
	X(PLUGIN, 0) \
	X(PREPARE, 0) \
	X(PROCEDURE, 1) \
	X(QUICK, 0) \
	X(READ, 1) \
	X(RECURSIVE, 1) \
	X(RELEASE, 1) \
	X(RENAME, 1) \
	X(REPAIR, 0) \
	X(REPLACE, 1) \
	X(RESTART, 0) \
	X(RETURNING, 0) \
	X(REVOKE, 1) \
	X(RIGHT, 1) \
	X(ROLE, 0) \
	X(ROLLBACK, 0) \
	X(SAVEPOINT, 0) \
	X(SCHEMA, 1) \
	X(SECURITY, 0) \
	X(SELECT, 1) \
	X(SEQUENCE, 0) \
	X(SERVER, 0) \
	X(SESSION, 0) \
	X(SET, 1) \
	X(SHOW, 1) \
	X(SHUTDOWN, 0) \
	X(SONAME, 0) \
	X(SPATIAL, 1) \
	X(SQL, 1) \
	X(START, 0) \
	X(STATEMENT, 0) \
	X(STRAIGHT_JOIN, 1) \
	X(TABLE, 1) \
	X(TABLES, 0) \
	X(TEMPORARY, 0) \
	X(THEN, 1) \
	X(TO, 1) \
	X(TRANSACTION, 0) \
	X(TRIGGER, 1) \
	X(TRUNCATE, 0) \
	X(UNINSTALL, 0) \
	X(UNION, 1) \
	X(UNIQUE, 1) \
	X(UNLOCK, 1) \
	X(UPDATE, 1) \
	X(USE, 1) \
	X(USER, 0) \
	X(USING, 1) \
	X(VALUE, 0) \
	X(VALUES, 1) \
	X(VIEW, 0) \
	X(WHEN, 1) \
	X(WHERE, 1) \
	X(WINDOW, 1) \
	X(WITH, 1) \
	X(WORK, 0) \
	X(WRITE, 1) \
	X(XA, 0) \
	X(XML, 0) \

enum jg_sql_kw {
	JG_KW_NONE = 0,
#define JG_KW_ENUM_(name, reserved) JG_KW_##name,
	JG_SQL_KEYWORDS(JG_KW_ENUM_)
#undef JG_KW_ENUM_
	JG_KW_COUNT
};

struct jg_sql_tok {
	enum jg_sql_tok_type type;
	enum jg_sql_kw kw;       /* for JG_TOK_WORD */
	size_t start, len;       /* bytes of the token in the text (quotes included) */
};

struct jg_sql_lexer {
	const char *s;           /* borrowed */
	size_t len;
	size_t pos, mar;         /* may pass len by one after the virtual NUL was read */
	unsigned mode;           /* JG_SQL_MODE_* */
	unsigned cs;             /* enum jg_sql_charset */
	uint32_t version;        /* the server's, for versioned comments (0: unknown) */
	int mysql;               /* MySQL's comment rules, not MariaDB's */
	int in_exec;             /* inside an executable comment */
	int exec_seen;           /* an executable comment was opened (sticky until cleared) */
	int ambiguous;           /* a versioned comment met an unknown version (sticky) */
};

/* jg_sql_lex: the next token; comments are skipped (executable comments' contents are not). */
void jg_sql_lex(struct jg_sql_lexer *lx, struct jg_sql_tok *t);

/* jg_sql_keyword: which keyword s[0..n) is, case-insensitively; JG_KW_NONE when it is none. */
enum jg_sql_kw jg_sql_keyword(const char *s, size_t n);

/* jg_sql_kw_reserved: 1 when MySQL reserves the keyword (it cannot be an unquoted name). */
int jg_sql_kw_reserved(enum jg_sql_kw kw);

/* jg_sql_ident_text: identifier token t of s unquoted (`a``b`, "a""b") and lower-cased into out;
 * its length, or -1 when it does not fit in cap (with its NUL). */
int jg_sql_ident_text(const char *s, const struct jg_sql_tok *t, char *out, size_t cap);

/* jg_sql_string_text: appends the text of string token t of s (N'..', _cs'..' too) to buf[n..cap),
 * escapes undone as the server does under sql_mode mode; returns the new length, *ok = 0 when
 * it did not fit. */
size_t jg_sql_string_text(const char *s, const struct jg_sql_tok *t, unsigned mode, char *buf,
                          size_t n, size_t cap, int *ok);

#endif
