/*
 * audit_cli.h: what the audit trail's read-side commands share (audit_cmd.c: `jitgate sessions`,
 * `replay`, `audit export`, `audit verify`; docs/audit.md describes the records they read).
 * Internal to src/cli:
 *   audit_store.c   the store: where it is (--store or -c), opened read-only, bodies parsed
 *   audit_text.c    times, and recorded values shown on a terminal; aligned tables
 *   audit_sessions.c  the sessions, from their records (`jitgate sessions`)
 *   audit_replay.c  one session as it happened (`jitgate replay`)
 *
 * Recorded text is shown, never obeyed: every renderer here escapes control characters (an
 * escape sequence in a recorded value must not reach the auditor's terminal), C1 controls and
 * bidirectional overrides, and shows {"base64": ...} bytes as a hex literal.
 */
#ifndef JG_CLI_AUDIT_CLI_H
#define JG_CLI_AUDIT_CLI_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

/* ---- the store (audit_store.c) ---------------------------------------------------------------- */

/* Where the store is: --store PATH, or -c FILE's [store] path. Strings are argv's. */
struct jg_auditcli_where {
	const char *store;
	const char *config;
};

/*
 * jg_auditcli_where_arg: when argv[*i] is --store PATH or -c/--config FILE, takes it and its value
 * (advancing *i past the value) and returns 1; 0 when argv[*i] is something else; -1 when the
 * value is missing or a store was already named.
 */
int jg_auditcli_where_arg(struct jg_auditcli_where *w, int argc, char **argv, int *i);

/*
 * jg_auditcli_open: the store w names (exactly one of store and config must be set), opened
 * read-only, with its `audit` table present. On failure prints "jitgate CMD: ..." naming the path
 * on stderr and returns NULL. *path (may be NULL) gets the path (static storage, valid until the
 * next call). The caller closes the handle with sqlite3_close.
 */
sqlite3 *jg_auditcli_open(const struct jg_auditcli_where *w, const char *cmd, const char **path);

/*
 * jg_auditcli_journals: fn(instance, bytes, live, arg) for each instance whose strict-mode journal
 * beside the store (PATH-audit-INSTANCE.journal and .journal2) holds bytes; live: a gateway records the
 * instance now (its journal is committed within [store] audit_batch_ms). The number of calls.
 */
int jg_auditcli_journals(const char *path, void (*fn)(const char *instance, long long bytes,
                                                       int live, void *arg), void *arg);

/*
 * jg_auditcli_body: column col of st (a record's body) parsed; a new reference the caller
 * decrefs, or NULL when it is not a JSON object. Strings may hold NUL (\u0000): read them with
 * json_string_length.
 */
json_t *jg_auditcli_body(sqlite3_stmt *st, int col);

/* jg_auditcli_str: body[key] when it is a JSON string, else NULL (borrowed from body). */
const char *jg_auditcli_str(const json_t *body, const char *key);

/* jg_auditcli_int: body[key] when it is an integer, else dflt. */
int64_t jg_auditcli_int(const json_t *body, const char *key, int64_t dflt);

/* ---- times (audit_text.c) ----------------------------------------------------------------------- */

/* jg_auditcli_iso: us (microseconds since the epoch) as ISO 8601 UTC, "2026-11-29T10:00:03Z", or
 * with frac "2026-11-29T10:00:03.012000Z". out holds at least 40 bytes. */
void jg_auditcli_iso(int64_t us, int frac, char *out, size_t outlen);

/*
 * jg_auditcli_since: a --since value into microseconds since the epoch: an ISO date or date and
 * time in UTC (2026-11-29, 2026-11-29T10:00, 2026-11-29T10:00:00Z, with an optional fraction of a
 * second; the Z may be left out, a space may stand for the T), or an age before now_us: a number
 * with s, m, h or d (90s, 15m, 2h, 7d). 0, or -1 when s is none of these.
 */
int jg_auditcli_since(const char *s, int64_t now_us, int64_t *out);

/* jg_auditcli_span: a duration: "0.004s", "12.345s", "4m12s", "1h02m03s", "3d04h"; with ms,
 * milliseconds are kept below an hour ("4m12.345s"). */
void jg_auditcli_span(int64_t us, int ms, char *out, size_t outlen);

/* ---- values (audit_text.c) ---------------------------------------------------------------------- */

enum jg_auditcli_how {
	JG_AUDITCLI_CELL = 0,   /* a table cell: NULL, x'hex' for bytes, \n and \t escaped */
	JG_AUDITCLI_TEXT = 1,   /* a statement: newlines and tabs kept; bytes as text with \xHH */
	JG_AUDITCLI_PARAM = 2,  /* a bound value: 'quoted' (with ''), NULL, x'hex' */
};

/* jg_auditcli_put: a recorded value (string, {"base64": ...}, {"long_data": ...}, null, number,
 * an ERR {"code", "sqlstate", "message"} as the mariadb client prints one, "ERROR 1045 (28000):
 * ...", anything else as compact JSON) written to f as how says. NULL v writes "-". */
void jg_auditcli_put(FILE *f, const json_t *v, enum jg_auditcli_how how);

/* jg_auditcli_puts: a C string from the store (an instance name, a kind) with every control
 * character escaped, and every byte over 0x7f too when it is not well-formed UTF-8. */
void jg_auditcli_puts(FILE *f, const char *s);

/* jg_auditcli_show: jg_auditcli_put into a new string (malloc'd, caller frees); NULL when out of memory. */
char *jg_auditcli_show(const json_t *v, enum jg_auditcli_how how);

/* jg_auditcli_is_bytes: v is a {"base64": ...} object (text that was not UTF-8). */
int jg_auditcli_is_bytes(const json_t *v);

/* ---- tables (audit_text.c) ---------------------------------------------------------------------- */

/* A grid of cells, row-major; the first row is the header. Cells are owned by the grid. An
 * allocation failure is sticky: later adds free their cell and print says so. */
struct jg_auditcli_grid {
	size_t ncols, ncells, cap;
	char **cells;
	int failed;
};

void jg_auditcli_grid_init(struct jg_auditcli_grid *g, size_t ncols);
/* jg_auditcli_grid_add: the next cell (taken: freed by the grid; NULL counts as a failure). */
void jg_auditcli_grid_add(struct jg_auditcli_grid *g, char *cell);
/* jg_auditcli_grid_addf: the next cell, printf-style. */
void jg_auditcli_grid_addf(struct jg_auditcli_grid *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * jg_auditcli_grid_print: boxed, as the mariadb client prints a result set (+---+ borders,
 * numeric columns right-aligned); otherwise plain columns two spaces apart. Widths count
 * characters (UTF-8), not terminal cells. Returns -1 after an allocation failure.
 */
int jg_auditcli_grid_print(const struct jg_auditcli_grid *g, FILE *f, int boxed);
void jg_auditcli_grid_free(struct jg_auditcli_grid *g);

/* ---- sessions (audit_sessions.c) ----------------------------------------------------------------- */

/* What `jitgate sessions` keeps; strings are borrowed. */
struct jg_auditcli_filter {
	const char *sub;        /* the login's sub, exactly; NULL: any */
	const char *role;       /* the login's user (the role), exactly; NULL: any */
	int has_since;
	int64_t since;          /* started at or after (microseconds since the epoch) */
	int decision;           /* jg_auditcli_decision's number: a command got it; -1: any */
};

/* jg_auditcli_decision: 0..3 for allow, deny, refuse, review; -1 for anything else. */
int jg_auditcli_decision(const char *s);

/*
 * jg_auditcli_sessions: prints the sessions of db that f keeps, oldest first: a table, or with
 * json one JSON object a line (docs/audit.md, "Sessions"); a refused login is a row of its own.
 * Returns the exit status (1 when the store could not be read; path names it in the message).
 */
int jg_auditcli_sessions(sqlite3 *db, const char *path, const struct jg_auditcli_filter *f,
                         int json);

/* ---- replay (audit_replay.c) -------------------------------------------------------------------- */

/*
 * jg_auditcli_replay: prints session `session` of `instance` from db to stdout (header, each
 * command with its decision and result, the end, and a warning when a gap record overlaps the
 * session); with speed > 0 sleeps between records so that their times pass speed times as fast.
 * Returns the exit status (0, or 1 when the store could not
 * be read).
 */
int jg_auditcli_replay(sqlite3 *db, const char *instance, int64_t session, double speed);

#endif
