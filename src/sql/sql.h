/*
 * sql.h: the statement classifier (src/sql) over the re2c lexer (spec/sql.re -> gen/sql.c).
 *
 * jg_sql_classify splits the text of a COM_QUERY (or COM_STMT_PREPARE) into statements and says
 * for each what it is: its kind, the tables it touches, whether an UPDATE/DELETE has WHERE and
 * LIMIT, whether it writes a file, whether it is dynamic SQL the gateway cannot see into, and a
 * normalized fingerprint. What it cannot fully classify is JG_SQL_UNKNOWN, never something
 * harmless (SECURITY-NOTES.md).
 *
 * Memory: caller-owned. The classifier does not allocate: results go into struct jg_sql_result
 * with fixed bounds; a statement over a bound (too many tables, a fingerprint too long) is
 * reported with the flag JG_SQL_TRUNCATED and, where that could hide something, as unknown.
 * Strings in the result are NUL-terminated copies; the input is borrowed for the call only.
 */
#ifndef JG_SQL_H
#define JG_SQL_H

#include "jg.h"

/* Session state that changes how text lexes (tracked per session from SET sql_mode). */
#define JG_SQL_MODE_NO_BACKSLASH_ESCAPES 0x1u
#define JG_SQL_MODE_ANSI_QUOTES 0x2u

enum jg_sql_kind {
	JG_SQL_UNKNOWN = 0, JG_SQL_SELECT, JG_SQL_INSERT, JG_SQL_UPDATE, JG_SQL_DELETE,
	JG_SQL_REPLACE, JG_SQL_LOAD, JG_SQL_CREATE, JG_SQL_ALTER, JG_SQL_DROP, JG_SQL_TRUNCATE,
	JG_SQL_RENAME, JG_SQL_GRANT, JG_SQL_REVOKE, JG_SQL_USER,  /* CREATE/ALTER/DROP/RENAME USER, SET PASSWORD, roles */
	JG_SQL_SET, JG_SQL_SHOW, JG_SQL_USE, JG_SQL_CALL, JG_SQL_PREPARE, JG_SQL_EXECUTE,
	JG_SQL_DEALLOCATE, JG_SQL_TRANSACTION, JG_SQL_LOCK, JG_SQL_HANDLER, JG_SQL_KILL,
	JG_SQL_FLUSH, JG_SQL_SHUTDOWN, JG_SQL_INSTALL, JG_SQL_UNINSTALL, JG_SQL_DESCRIBE,
	JG_SQL_EXPLAIN, JG_SQL_DO, JG_SQL_ANALYZE, JG_SQL_OTHER, JG_SQL_EMPTY,
	JG_SQL_KIND_COUNT
};

/* Object of CREATE / ALTER / DROP / TRUNCATE / RENAME. */
enum jg_sql_object {
	JG_SQL_OBJ_NONE = 0, JG_SQL_OBJ_TABLE, JG_SQL_OBJ_DATABASE, JG_SQL_OBJ_VIEW, JG_SQL_OBJ_INDEX,
	JG_SQL_OBJ_PROCEDURE, JG_SQL_OBJ_FUNCTION, JG_SQL_OBJ_TRIGGER, JG_SQL_OBJ_EVENT,
	JG_SQL_OBJ_USER, JG_SQL_OBJ_ROLE, JG_SQL_OBJ_SEQUENCE, JG_SQL_OBJ_SERVER, JG_SQL_OBJ_OTHER
};

/* Flags of one statement. */
#define JG_SQL_HAS_WHERE     0x0001u  /* UPDATE/DELETE with a WHERE clause */
#define JG_SQL_HAS_LIMIT     0x0002u  /* UPDATE/DELETE with a LIMIT clause */
#define JG_SQL_WRITES_FILE   0x0004u  /* SELECT ... INTO OUTFILE/DUMPFILE */
#define JG_SQL_READS_FILE    0x0008u  /* LOAD DATA / LOAD XML (INFILE), LOAD_FILE() */
#define JG_SQL_OPAQUE        0x0010u  /* dynamic SQL whose text is not visible (PREPARE FROM @v, EXECUTE, EXECUTE IMMEDIATE non-literal) */
#define JG_SQL_EXEC_COMMENT  0x0020u  /* executable comments were found and read as code */
#define JG_SQL_GLOBAL        0x0040u  /* SET GLOBAL / PERSIST, FLUSH, ... server-wide */
#define JG_SQL_SELECT_INTO   0x0080u  /* INSERT/REPLACE/CREATE TABLE ... SELECT */
#define JG_SQL_TRUNCATED     0x0100u  /* a bound was hit: see the header comment */
#define JG_SQL_MODE_CHANGE   0x0200u  /* SET sql_mode / SET NAMES / USE: session state changed */

#define JG_SQL_NAME_MAX 192          /* "schema.table", each part up to 64 characters */
#define JG_SQL_TABLES_MAX 16
#define JG_SQL_FP_MAX 512
#define JG_SQL_STMTS_MAX 64

struct jg_sql_stmt {
	enum jg_sql_kind kind;
	enum jg_sql_object object;
	unsigned flags;
	size_t start, len;                               /* the statement's bytes in the input */
	unsigned ntables;
	char tables[JG_SQL_TABLES_MAX][JG_SQL_NAME_MAX]; /* "schema.table", lower case */
	char fingerprint[JG_SQL_FP_MAX];                 /* literals as ?, whitespace folded */
	enum jg_sql_kind inner;                          /* PREPARE ... FROM 'literal': its kind */
};

struct jg_sql_result {
	unsigned nstmts;
	unsigned flags;                                  /* union of the statements' flags */
	struct jg_sql_stmt stmts[JG_SQL_STMTS_MAX];
};

/* Per-session state the classifier reads and updates (USE, SET sql_mode, SET NAMES). */
struct jg_sql_session {
	unsigned sql_mode;                               /* JG_SQL_MODE_* bits */
	char db[65];                                     /* current database, "" when none */
};

/*
 * jg_sql_classify: classifies text[0..len). Returns JG_OK, or JG_ERR_TOOBIG when there are more
 * than JG_SQL_STMTS_MAX statements (the caller refuses the packet). Updates *sess for statements
 * that change lexing state or the current database, in order, so that later statements of the
 * same packet are read the way the server will read them.
 */
int jg_sql_classify(struct jg_sql_session *sess, const char *text, size_t len,
                    struct jg_sql_result *out);

/*
 * jg_sql_mode_parse: a sql_mode value (comma-separated names, as in SET sql_mode or
 * @@sql_mode) into JG_SQL_MODE_* bits; ANSI and the old combination modes imply ANSI_QUOTES.
 * Returns 0, or -1 when a name is unknown (*mode is then left alone).
 */
int jg_sql_mode_parse(const char *p, size_t n, unsigned *mode);

/* Names for JSON output and the policy language. */
const char *jg_sql_kind_name(enum jg_sql_kind k);
const char *jg_sql_object_name(enum jg_sql_object o);

#endif
