/*
 * sql.re: MySQL and MariaDB SQL tokens for the statement classifier (src/sql/sql.c).
 * re2c --no-generation-date --no-version spec/sql.re -> gen/sql.c (make gen).
 *
 * The truth is the server's lexer, MariaDB/server sql/sql_lex.cc (lex_one_token,
 * consume_comment) and mysql-server's: "--" starts a comment only before white space or a
 * control character of the client's character set (end of input counts; 0xa0 is white space in
 * latin1), "*" "/" closes an executable comment and is two operators elsewhere, and an
 * executable comment runs or is skipped by the rules in exec_comment below. The manuals
 * (MySQL 11.7, MariaDB "Comment Syntax") summarise them and are wrong in the corners.
 *
 * Input is read through an index (YYPEEK below): past the end every byte reads as NUL, so the
 * NUL rule of each block sees "end of input" when pos > len and "a NUL byte in the text"
 * otherwise. Nothing past s[len - 1] is ever read.
 */
#include "sql/sql_lex.h"
#include "sql/sql.h"

/*!re2c
	re2c:api = custom;
	re2c:api:style = free-form;
	re2c:define:YYCTYPE = "unsigned char";
	re2c:define:YYPEEK = "(lx->pos < lx->len ? (unsigned char)lx->s[lx->pos] : 0u)";
	re2c:define:YYSKIP = "++lx->pos;";
	re2c:define:YYBACKUP = "lx->mar = lx->pos;";
	re2c:define:YYRESTORE = "lx->pos = lx->mar;";
	re2c:yyfill:enable = 0;
	re2c:indent:string = "\t";

	end = "\x00";
	idc = [a-zA-Z0-9_$\x80-\xff];
	ida = [a-zA-Z_$\x80-\xff];
	ident = ida idc* | [0-9]+ ida idc*;
	dig = [0-9];
	exp = [eE] [+-]? dig+;
	ws = [ \t\n\r\f\v];
*/

#define AT_END(lx) ((lx)->pos > (lx)->len)

/* The body of a string or quoted identifier after its opening quote: one block per quoting rule.
 * Each returns 1 when the closing quote was read, 0 at end of input (unterminated). */
static int sq_escaped(struct jg_sql_lexer *lx)
{
	for (;;) {
	/*!re2c
		"''"       { continue; }
		"'"        { return 1; }
		"\\" [^]   { if (AT_END(lx)) return 0; continue; }
		end        { if (AT_END(lx)) return 0; continue; }
		[^]        { continue; }
	*/
	}
}

static int sq_raw(struct jg_sql_lexer *lx)
{
	for (;;) {
	/*!re2c
		"''"       { continue; }
		"'"        { return 1; }
		end        { if (AT_END(lx)) return 0; continue; }
		[^]        { continue; }
	*/
	}
}

static int dq_escaped(struct jg_sql_lexer *lx)
{
	for (;;) {
	/*!re2c
		'""'       { continue; }
		'"'        { return 1; }
		"\\" [^]   { if (AT_END(lx)) return 0; continue; }
		end        { if (AT_END(lx)) return 0; continue; }
		[^]        { continue; }
	*/
	}
}

/* "..." under ANSI_QUOTES is an identifier: doubling only, no escapes. */
static int dq_raw(struct jg_sql_lexer *lx)
{
	for (;;) {
	/*!re2c
		'""'       { continue; }
		'"'        { return 1; }
		end        { if (AT_END(lx)) return 0; continue; }
		[^]        { continue; }
	*/
	}
}

static int backtick(struct jg_sql_lexer *lx)
{
	for (;;) {
	/*!re2c
		"``"       { continue; }
		"`"        { return 1; }
		end        { if (AT_END(lx)) return 0; continue; }
		[^]        { continue; }
	*/
	}
}

/* An ordinary block comment after its opening slash-star; 1 when closed. */
static int block_comment(struct jg_sql_lexer *lx)
{
	for (;;) {
	/*!re2c
		"*/"       { return 1; }
		end        { if (AT_END(lx)) return 0; continue; }
		[^]        { continue; }
	*/
	}
}

/* A versioned comment the server skips (consume_comment(1) in sql_lex.cc): to its first "*" "/"
 * that does not close one ordinary comment nested in it; 1 when closed. */
static int skipped_comment(struct jg_sql_lexer *lx)
{
	for (;;) {
	/*!re2c
		"*/"       { return 1; }
		"/*"       { if (!block_comment(lx)) return 0; continue; }
		end        { if (AT_END(lx)) return 0; continue; }
		[^]        { continue; }
	*/
	}
}

/*
 * exec_comment: "/" "*" ["M"] "!" then digits, read up to lx->pos. As the server does:
 *  - "/" "*" "M" "!" is MariaDB's; MySQL reads it as an ordinary comment.
 *  - Five digits (MariaDB: six when a sixth follows) are a version; fewer are not, and they are
 *    then code. Without a version the contents are code.
 *  - With one, the contents are code when version <= the server's and, on MariaDB, the version
 *    is not a MySQL-only one (50700..99999) unless the comment is the M form; otherwise the
 *    comment is skipped whole (one ordinary comment may nest in it).
 *  - Inside executable code, another executable comment would end where the server's state
 *    does not follow (its "*" "/" closes both): an error, unless it is one the server skips.
 * An unknown server version (0) reads the contents as code and marks the text ambiguous.
 * Returns 0, or -1 for an error token.
 */
static int exec_comment(struct jg_sql_lexer *lx, size_t start)
{
	int m = lx->s[start + 2] == 'M';
	size_t at = start + 3 + (size_t)m, ndig = lx->pos - at, vlen;
	uint32_t v = 0;
	int run = 1;

	if (m && lx->mysql) {
		lx->pos = start + 2;
		return block_comment(lx) ? 0 : -1;
	}
	if (ndig >= 5) {
		vlen = !lx->mysql && ndig >= 6 ? 6 : 5;
		for (size_t i = 0; i < vlen; i++)
			v = v * 10 + (uint32_t)(lx->s[at + i] - '0');
		at += vlen;
		if (!lx->version)
			lx->ambiguous = 1;
		else
			run = v <= lx->version && (lx->mysql || v < 50700 || v > 99999 || m);
	}
	lx->pos = at;
	if (!run)
		return skipped_comment(lx) ? 0 : -1;
	if (lx->in_exec)
		return -1;
	lx->in_exec = 1;
	lx->exec_seen = 1;
	return 0;
}

/* "#" and "-- " comments end at a newline; a NUL byte ends them too (sql_lex.cc), and is then
 * read as a token by the caller. Returns nothing: the caller lexes on. */
static void line_comment(struct jg_sql_lexer *lx)
{
	for (;;) {
	/*!re2c
		"\n"       { return; }
		end        { lx->pos--; return; }
		[^]        { continue; }
	*/
	}
}

static int squote(struct jg_sql_lexer *lx)
{
	return (lx->mode & JG_SQL_MODE_NO_BACKSLASH_ESCAPES) ? sq_raw(lx) : sq_escaped(lx);
}

/* A double quote opens an identifier under ANSI_QUOTES, a string otherwise. */
static enum jg_sql_tok_type dquote(struct jg_sql_lexer *lx)
{
	if (lx->mode & JG_SQL_MODE_ANSI_QUOTES)
		return dq_raw(lx) ? JG_TOK_QIDENT : JG_TOK_ERR;
	if (lx->mode & JG_SQL_MODE_NO_BACKSLASH_ESCAPES)
		return dq_raw(lx) ? JG_TOK_STRING : JG_TOK_ERR;
	return dq_escaped(lx) ? JG_TOK_STRING : JG_TOK_ERR;
}

static enum jg_sql_tok_type lex_main(struct jg_sql_lexer *lx, size_t *start)
{
	for (;;) {
		*start = lx->pos;
	/*!re2c
		end {
			if (!AT_END(lx))
				return JG_TOK_ERR;      /* a NUL byte inside the text */
			lx->pos = lx->len;
			if (lx->in_exec) {              /* unterminated executable comment */
				lx->in_exec = 0;
				return JG_TOK_ERR;
			}
			return JG_TOK_END;
		}
		ws+                   { continue; }
		"#"                   { line_comment(lx); continue; }
		"--" [\x00-\x20\x7f]  { lx->pos--; line_comment(lx); continue; }
		"--" "\xa0" {
			if (lx->cs == JG_SQL_CS_LATIN1) {   /* white space in latin1 */
				lx->pos--;
				line_comment(lx);
				continue;
			}
			lx->pos = *start + 1;
			return JG_TOK_OP;
		}

		"/*" "M"? "!" dig*    { if (exec_comment(lx, *start) != 0) return JG_TOK_ERR; continue; }
		"/*"                  { if (!block_comment(lx)) return JG_TOK_ERR; continue; }
		"*/" {
			if (lx->in_exec) {
				lx->in_exec = 0;
				continue;
			}
			lx->pos--;                      /* "*" then "/" */
			return JG_TOK_OP;
		}

		"'"                   { return squote(lx) ? JG_TOK_STRING : JG_TOK_ERR; }
		'"'                   { return dquote(lx); }
		"`"                   { return backtick(lx) ? JG_TOK_QIDENT : JG_TOK_ERR; }
		[nN] "'" | "_" idc+ "'" { return squote(lx) ? JG_TOK_STRING : JG_TOK_ERR; }
		"_" idc+ '"' {
			if (lx->mode & JG_SQL_MODE_ANSI_QUOTES) {
				lx->pos--;              /* an identifier, then a quoted identifier */
				return JG_TOK_WORD;
			}
			return dquote(lx);
		}
		[xX] "'" [0-9a-fA-F]* "'"  { return JG_TOK_HEX; }
		[bB] "'" [01]* "'"          { return JG_TOK_BIT; }
		[xX] "'" | [bB] "'"         { return JG_TOK_ERR; }
		"0x" [0-9a-fA-F]+           { return JG_TOK_HEX; }
		"0b" [01]+                  { return JG_TOK_BIT; }
		dig+ | dig+ "." dig* | "." dig+ | (dig+ | dig+ "." dig* | "." dig+) exp {
			return JG_TOK_NUMBER;
		}
		ident                 { return JG_TOK_WORD; }

		"@" "'"               { return squote(lx) ? JG_TOK_VAR : JG_TOK_ERR; }
		"@" '"'               { return dquote(lx) != JG_TOK_ERR ? JG_TOK_VAR : JG_TOK_ERR; }
		"@" "`"               { return backtick(lx) ? JG_TOK_VAR : JG_TOK_ERR; }
		"@" [a-zA-Z0-9_$.\x80-\xff]+ { return JG_TOK_VAR; }
		"@@" [a-zA-Z0-9_$.\x80-\xff]* {
			/* @@global.x, @@session.x, @@x; @@`x` is rare and read as @@ then `x` */
			return JG_TOK_SYSVAR;
		}
		"?"                   { return JG_TOK_PARAM; }
		"("                   { return JG_TOK_LPAREN; }
		")"                   { return JG_TOK_RPAREN; }
		","                   { return JG_TOK_COMMA; }
		"."                   { return JG_TOK_DOT; }
		";"                   { return JG_TOK_SEMI; }
		":=" | "<=>" | "<=" | ">=" | "<>" | "!=" | "<<" | ">>" | "&&" | "||" | "->>" | "->" |
		"*" | "/" | [-+%^&|~!<>=:{}\\] {
			return JG_TOK_OP;
		}
		"@"                   { return JG_TOK_OP; }
		[^]                   { return JG_TOK_ERR; }
	*/
	}
}

/*
 * latin1_cut: in latin1 the byte 0xa0 is white space to the server, where the rules above read
 * it as part of a name. A word, unquoted variable or number token that holds one ends before it
 * (and one that starts with it was white space: returns 1 to lex again from after it).
 */
static int latin1_cut(struct jg_sql_lexer *lx, enum jg_sql_tok_type *type, size_t start)
{
	size_t end = lx->pos > lx->len ? lx->len : lx->pos, i;
	int digits = 1;

	if (*type != JG_TOK_WORD && *type != JG_TOK_VAR && *type != JG_TOK_SYSVAR &&
	    *type != JG_TOK_NUMBER)
		return 0;
	if (*type == JG_TOK_VAR && end - start > 1 &&
	    (lx->s[start + 1] == '\'' || lx->s[start + 1] == '"' || lx->s[start + 1] == '`'))
		return 0;                       /* @'name': quoted, 0xa0 is part of it */
	for (i = start; i < end && (unsigned char)lx->s[i] != 0xa0; i++)
		digits &= lx->s[i] >= '0' && lx->s[i] <= '9';
	if (i == end)
		return 0;
	if (i == start) {
		lx->pos = start + 1;
		return 1;
	}
	lx->pos = i;
	if (*type == JG_TOK_WORD && digits)
		*type = JG_TOK_NUMBER;
	return 0;
}

/* see sql_lex.h */
void jg_sql_lex(struct jg_sql_lexer *lx, struct jg_sql_tok *t)
{
	size_t start = lx->pos;

	do
		t->type = lex_main(lx, &start);
	while (lx->cs == JG_SQL_CS_LATIN1 && latin1_cut(lx, &t->type, start));
	t->kw = JG_KW_NONE;
	if (start > lx->len)
		start = lx->len;
	if (lx->pos > lx->len)
		lx->pos = lx->len + 1;
	t->start = start;
	t->len = (lx->pos > lx->len ? lx->len : lx->pos) - start;
	if (t->type == JG_TOK_WORD)
		t->kw = jg_sql_keyword(lx->s + t->start, t->len);
}

/* see sql_lex.h: a DFA over the keyword list instead of string compares. */
enum jg_sql_kw jg_sql_keyword(const char *s, size_t n)
{
	struct jg_sql_lexer k = { .s = s, .len = n };
	struct jg_sql_lexer *lx = &k;

	/*!re2c
	'add' end { return JG_KW_ADD; }
	'aggregate' end { return JG_KW_AGGREGATE; }
	'algorithm' end { return JG_KW_ALGORITHM; }
	'all' end { return JG_KW_ALL; }
	'alter' end { return JG_KW_ALTER; }
	'analyze' end { return JG_KW_ANALYZE; }
	'and' end { return JG_KW_AND; }
	'ansi' end { return JG_KW_ANSI; }
	'as' end { return JG_KW_AS; }
	'asc' end { return JG_KW_ASC; }
	'begin' end { return JG_KW_BEGIN; }
	'between' end { return JG_KW_BETWEEN; }
	'binlog' end { return JG_KW_BINLOG; }
	'by' end { return JG_KW_BY; }
	'call' end { return JG_KW_CALL; }
	'case' end { return JG_KW_CASE; }
	'change' end { return JG_KW_CHANGE; }
	'character' end { return JG_KW_CHARACTER; }
	'charset' end { return JG_KW_CHARSET; }
	'check' end { return JG_KW_CHECK; }
	'checksum' end { return JG_KW_CHECKSUM; }
	'columns' end { return JG_KW_COLUMNS; }
	'commit' end { return JG_KW_COMMIT; }
	'connection' end { return JG_KW_CONNECTION; }
	'create' end { return JG_KW_CREATE; }
	'cross' end { return JG_KW_CROSS; }
	'data' end { return JG_KW_DATA; }
	'database' end { return JG_KW_DATABASE; }
	'databases' end { return JG_KW_DATABASES; }
	'deallocate' end { return JG_KW_DEALLOCATE; }
	'default' end { return JG_KW_DEFAULT; }
	'definer' end { return JG_KW_DEFINER; }
	'delayed' end { return JG_KW_DELAYED; }
	'delete' end { return JG_KW_DELETE; }
	'desc' end { return JG_KW_DESC; }
	'describe' end { return JG_KW_DESCRIBE; }
	'distinct' end { return JG_KW_DISTINCT; }
	'distinctrow' end { return JG_KW_DISTINCTROW; }
	'do' end { return JG_KW_DO; }
	'drop' end { return JG_KW_DROP; }
	'dual' end { return JG_KW_DUAL; }
	'dumpfile' end { return JG_KW_DUMPFILE; }
	'duplicate' end { return JG_KW_DUPLICATE; }
	'else' end { return JG_KW_ELSE; }
	'end' end { return JG_KW_END; }
	'event' end { return JG_KW_EVENT; }
	'except' end { return JG_KW_EXCEPT; }
	'execute' end { return JG_KW_EXECUTE; }
	'exists' end { return JG_KW_EXISTS; }
	'explain' end { return JG_KW_EXPLAIN; }
	'fields' end { return JG_KW_FIELDS; }
	'flush' end { return JG_KW_FLUSH; }
	'for' end { return JG_KW_FOR; }
	'force' end { return JG_KW_FORCE; }
	'from' end { return JG_KW_FROM; }
	'full' end { return JG_KW_FULL; }
	'fulltext' end { return JG_KW_FULLTEXT; }
	'function' end { return JG_KW_FUNCTION; }
	'global' end { return JG_KW_GLOBAL; }
	'grant' end { return JG_KW_GRANT; }
	'group' end { return JG_KW_GROUP; }
	'handler' end { return JG_KW_HANDLER; }
	'having' end { return JG_KW_HAVING; }
	'help' end { return JG_KW_HELP; }
	'high_priority' end { return JG_KW_HIGH_PRIORITY; }
	'if' end { return JG_KW_IF; }
	'ignore' end { return JG_KW_IGNORE; }
	'immediate' end { return JG_KW_IMMEDIATE; }
	'in' end { return JG_KW_IN; }
	'index' end { return JG_KW_INDEX; }
	'indexes' end { return JG_KW_INDEXES; }
	'infile' end { return JG_KW_INFILE; }
	'inner' end { return JG_KW_INNER; }
	'insert' end { return JG_KW_INSERT; }
	'install' end { return JG_KW_INSTALL; }
	'intersect' end { return JG_KW_INTERSECT; }
	'into' end { return JG_KW_INTO; }
	'is' end { return JG_KW_IS; }
	'join' end { return JG_KW_JOIN; }
	'key' end { return JG_KW_KEY; }
	'keys' end { return JG_KW_KEYS; }
	'kill' end { return JG_KW_KILL; }
	'lateral' end { return JG_KW_LATERAL; }
	'left' end { return JG_KW_LEFT; }
	'like' end { return JG_KW_LIKE; }
	'limit' end { return JG_KW_LIMIT; }
	'load' end { return JG_KW_LOAD; }
	'local' end { return JG_KW_LOCAL; }
	'lock' end { return JG_KW_LOCK; }
	'low_priority' end { return JG_KW_LOW_PRIORITY; }
	'names' end { return JG_KW_NAMES; }
	'natural' end { return JG_KW_NATURAL; }
	'not' end { return JG_KW_NOT; }
	'null' end { return JG_KW_NULL; }
	'offset' end { return JG_KW_OFFSET; }
	'on' end { return JG_KW_ON; }
	'optimize' end { return JG_KW_OPTIMIZE; }
	'or' end { return JG_KW_OR; }
	'order' end { return JG_KW_ORDER; }
	'outer' end { return JG_KW_OUTER; }
	'outfile' end { return JG_KW_OUTFILE; }
	'partition' end { return JG_KW_PARTITION; }
	'password' end { return JG_KW_PASSWORD; }
	'persist' end { return JG_KW_PERSIST; }
	'persist_only' end { return JG_KW_PERSIST_ONLY; }
	'plugin' end { return JG_KW_PLUGIN; }
	'prepare' end { return JG_KW_PREPARE; }
	'procedure' end { return JG_KW_PROCEDURE; }
	'quick' end { return JG_KW_QUICK; }
	'read' end { return JG_KW_READ; }
	'recursive' end { return JG_KW_RECURSIVE; }
	'release' end { return JG_KW_RELEASE; }
	'rename' end { return JG_KW_RENAME; }
	'repair' end { return JG_KW_REPAIR; }
	'replace' end { return JG_KW_REPLACE; }
	'restart' end { return JG_KW_RESTART; }
	'returning' end { return JG_KW_RETURNING; }
	'revoke' end { return JG_KW_REVOKE; }
	'right' end { return JG_KW_RIGHT; }
	'role' end { return JG_KW_ROLE; }
	'rollback' end { return JG_KW_ROLLBACK; }
	'savepoint' end { return JG_KW_SAVEPOINT; }
	'schema' end { return JG_KW_SCHEMA; }
	'security' end { return JG_KW_SECURITY; }
	'select' end { return JG_KW_SELECT; }
	'sequence' end { return JG_KW_SEQUENCE; }
	'server' end { return JG_KW_SERVER; }
	'session' end { return JG_KW_SESSION; }
	'set' end { return JG_KW_SET; }
	'show' end { return JG_KW_SHOW; }
	'shutdown' end { return JG_KW_SHUTDOWN; }
	'soname' end { return JG_KW_SONAME; }
	'spatial' end { return JG_KW_SPATIAL; }
	'sql' end { return JG_KW_SQL; }
	'start' end { return JG_KW_START; }
	'statement' end { return JG_KW_STATEMENT; }
	'straight_join' end { return JG_KW_STRAIGHT_JOIN; }
	'table' end { return JG_KW_TABLE; }
	'tables' end { return JG_KW_TABLES; }
	'temporary' end { return JG_KW_TEMPORARY; }
	'then' end { return JG_KW_THEN; }
	'to' end { return JG_KW_TO; }
	'transaction' end { return JG_KW_TRANSACTION; }
	'trigger' end { return JG_KW_TRIGGER; }
	'truncate' end { return JG_KW_TRUNCATE; }
	'uninstall' end { return JG_KW_UNINSTALL; }
	'union' end { return JG_KW_UNION; }
	'unique' end { return JG_KW_UNIQUE; }
	'unlock' end { return JG_KW_UNLOCK; }
	'update' end { return JG_KW_UPDATE; }
	'use' end { return JG_KW_USE; }
	'user' end { return JG_KW_USER; }
	'using' end { return JG_KW_USING; }
	'value' end { return JG_KW_VALUE; }
	'values' end { return JG_KW_VALUES; }
	'view' end { return JG_KW_VIEW; }
	'when' end { return JG_KW_WHEN; }
	'where' end { return JG_KW_WHERE; }
	'window' end { return JG_KW_WINDOW; }
	'with' end { return JG_KW_WITH; }
	'work' end { return JG_KW_WORK; }
	'write' end { return JG_KW_WRITE; }
	'xa' end { return JG_KW_XA; }
	'xml' end { return JG_KW_XML; }
	*	{ return JG_KW_NONE; }
	*/
}
