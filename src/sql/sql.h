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
#define JG_SQL_DEFINER       0x0400u  /* creates an object that runs with its definer's rights */
#define JG_SQL_TRACKING      0x0800u  /* sets session_track_*: jitgate observes state through them */

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
	struct {                 /* the lexer at the statement's first byte, to read it again */
		uint8_t modes;       /* bit m set: read under sql_mode m (JG_SQL_MODE_* bits, 0..3);
		                      * several after a SET sql_mode of unknown value */
		uint8_t cs;          /* enum jg_sql_charset */
		uint8_t in_exec;     /* it starts inside an executable comment */
		uint8_t mysql;
		uint32_t version;
	} lex;
};

/* The server the tools (jitgate sql classify, policy test) read for when not told: MariaDB 10.11.6.
 * The gateway uses the version in the backend's greeting. */
#define JG_SQL_VERSION_DEFAULT 101106u

/* Why a text cannot be judged at all (struct jg_sql_result.refuse). */
enum jg_sql_refuse {
	JG_SQL_OK = 0,
	JG_SQL_AMBIGUOUS,      /* the server may split it in more than one way (a state change of
	                        * unknown value before later statements, an unknown version) */
	JG_SQL_CHARSET,        /* it selects a character set the lexer cannot read, or is written in
	                        * one with bytes from 0x80 */
};

struct jg_sql_result {
	unsigned nstmts;
	unsigned flags;                                  /* union of the statements' flags */
	enum jg_sql_refuse refuse;                       /* JG_SQL_OK, or why it must be refused */
	unsigned refuse_stmt;                            /* 0-based statement the reason is at */
	struct jg_sql_stmt stmts[JG_SQL_STMTS_MAX];
};

/*
 * The client character sets the lexer reads exactly as the server does (docs/sql-classifier.md):
 * in each, the bytes 0x5c, 0x27, 0x22 and 0x60 are never part of a multi-byte character, and the
 * bytes from 0x80 that are white space to the server are known (0xa0 in latin1, none in the
 * others: measured against MariaDB, tests/unit/test_sql.c). Any other character set is OTHER:
 * a text in it is read only when every byte is below 0x80, where every ASCII-compatible set
 * agrees.
 */
enum jg_sql_charset {
	JG_SQL_CS_UTF8 = 0,                              /* utf8mb4, utf8mb3 (utf8) */
	JG_SQL_CS_LATIN1, JG_SQL_CS_ASCII, JG_SQL_CS_BINARY,
	JG_SQL_CS_OTHER
};

/* Per-session state the classifier reads and updates (USE, SET sql_mode, SET NAMES). */
struct jg_sql_session {
	unsigned sql_mode;                               /* JG_SQL_MODE_* bits */
	char db[65];                                     /* current database, "" when none */
	uint8_t charset;                                 /* enum jg_sql_charset: character_set_client */
	uint8_t mysql;                                   /* the server is MySQL, not MariaDB */
	uint32_t version;                                /* the server's version as executable
	                                                  * comments write it (10.11.6: 101106);
	                                                  * 0 when unknown: a versioned comment is
	                                                  * then ambiguous */
};


/*
 * jg_sql_classify: classifies text[0..len). Returns JG_OK, or JG_ERR_TOOBIG when there are more
 * than JG_SQL_STMTS_MAX statements (the caller refuses the packet). Updates *sess for statements
 * that change lexing state or the current database, in order, so that later statements of the
 * same packet are read the way the server will read them (a statement that fails ends the
 * packet on the server, so the later ones run only if the change took place). When a change's
 * value is not in the text (SET sql_mode = CONCAT(...)), the later statements are read under
 * every sql_mode the lexer distinguishes: if the readings split the text differently, refuse is
 * JG_SQL_AMBIGUOUS; otherwise a statement whose readings differ is unknown, with the tables of
 * every reading. The caller refuses a text whose refuse is not JG_SQL_OK.
 */
int jg_sql_classify(struct jg_sql_session *sess, const char *text, size_t len,
                    struct jg_sql_result *out);

/*
 * jg_sql_mode_parse: a sql_mode value (comma-separated names, as in SET sql_mode or
 * @@sql_mode) into JG_SQL_MODE_* bits; ANSI and the old combination modes imply ANSI_QUOTES.
 * Returns 0, or -1 when a name is unknown (*mode is then left alone).
 */
int jg_sql_mode_parse(const char *p, size_t n, unsigned *mode);

/* jg_sql_charset_of: a character set's name (as SET NAMES or @@character_set_client say it)
 * into enum jg_sql_charset; OTHER for every set the lexer does not read. */
enum jg_sql_charset jg_sql_charset_of(const char *name, size_t n);

/* jg_sql_version_of: a server's version string from its greeting ("5.5.5-10.11.6-MariaDB-...",
 * "8.0.36") into *version (101106, 80036) and *mysql; -1 when it has no version. */
int jg_sql_version_of(const char *v, uint32_t *version, uint8_t *mysql);

/*
 * Probing: a use of a masked column from which its values could be recovered one comparison at
 * a time (docs/policy-language.md, "Probing"). Allowed: a masked name as a plain item of the
 * select list (`col`, `t.col`, `db.t.col`, with `AS alias` or a bare alias) of a SELECT whose
 * rows go to the client: the top-level query, its UNION ALL branches, derived tables and CTE
 * bodies in its FROM and WITH; and `*` there. Anything else is a probe.
 */
enum jg_sql_probe_kind {
	JG_SQL_PROBE_NONE = 0,
	JG_SQL_PROBE_NAME,       /* a masked name (names[which]) or an alias of a masked column
	                          * (which == nnames) used elsewhere than as a plain select item */
	JG_SQL_PROBE_INDIRECT,   /* reaches masked columns without naming them (`what` says how:
	                          * ORDER BY a position, NATURAL JOIN, `*` in a subquery, ...) */
	JG_SQL_PROBE_OPAQUE,     /* text jitgate cannot see (PREPARE ... FROM @var, EXECUTE
	                          * IMMEDIATE @var), or nested deeper than it reads */
};

struct jg_sql_probe {
	enum jg_sql_probe_kind kind;
	size_t at, len;          /* the bytes of the use in the text given */
	unsigned which;          /* NAME: the index in names, or nnames for an alias */
	const char *what;        /* static text: the construct ("ORDER BY a position", ...) */
	char name[66];           /* NAME: the name used, unquoted, lower case */
};

/*
 * jg_sql_probes: does statement st (classified from sql[0..len) by jg_sql_classify, which
 * recorded how to read it again in st->lex) probe the columns named by names (nnames column-name
 * globs, lower case: `*` any run, `?` one character)? tables (ntables "schema.table" globs, lower
 * case) are the tables of the same patterns: they tell whether an INSERT's target is one whose
 * columns could be reached by position. Returns out->kind, JG_SQL_PROBE_NONE when there is no
 * probe. The text is read token by token exactly as the classifier read it (comments, strings,
 * quoting under the statement's sql_mode, executable comments; under every sql_mode the
 * classifier read it under); the text of PREPARE ... FROM 'literal' is read as a statement.
 * Everything is borrowed for the call; no allocation. The caller calls it only for statements
 * that name a table of the patterns or whose tables are unknown: it does not look at tables.
 */
enum jg_sql_probe_kind jg_sql_probes(const char *sql, size_t len, const struct jg_sql_stmt *st,
                                     const char *const *names, unsigned nnames,
                                     const char *const *tables, unsigned ntables,
                                     struct jg_sql_probe *out);

/*
 * jg_sql_selects: how statement st (as for jg_sql_probes) reads columns matching name (a glob,
 * lower case) in a select list whose rows go to the client: bit 0 through "*" (or TABLE t),
 * bit 1 as a plain item (also through an alias in a derived table); 0 when neither, or when it
 * probes. For `policy explain`.
 */
int jg_sql_selects(const char *sql, size_t len, const struct jg_sql_stmt *st, const char *name);

/* Names for JSON output and the policy language. */
const char *jg_sql_kind_name(enum jg_sql_kind k);
/* jg_sql_flag_name: the name of one JG_SQL_* statement flag bit ("where", "limit", ...), as
 * `jitgate sql classify` and audit records write it; NULL for a bit that is no flag. */
const char *jg_sql_flag_name(unsigned bit);
const char *jg_sql_object_name(enum jg_sql_object o);

#endif
