/* sql_cmd.c: `jitgate sql classify [--sql-mode MODES] [--db NAME] [--spans] "SQL" | --file PATH`:
 * one JSON object per statement per line, for trying the classifier (docs/sql-classifier.md) and
 * for the differential test (tests/differential), which hands it a packet's exact bytes in a file
 * (NUL, invalid UTF-8 and a trailing newline included) and reads each statement's byte span. */
#include "cli/cli.h"
#include "jg.h"
#include "sql/sql.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int usage(void)
{
	fputs("usage: jitgate sql classify [--sql-mode MODES] [--db NAME] [--charset NAME]\n"
	      "                            [--server VERSION] [--spans] \"SQL\" | --file PATH\n"
	      "  MODES: comma-separated sql_mode names; ANSI_QUOTES, ANSI and NO_BACKSLASH_ESCAPES\n"
	      "  change how the text is read. NAME: character_set_client (default utf8mb4).\n"
	      "  VERSION: the server's, as its greeting says it (default 10.11.6-MariaDB; 8.0.36\n"
	      "  is a MySQL server): executable comments run or are skipped by it\n"
	      "  --file PATH: the text is PATH's bytes as they are (- is standard input)\n"
	      "  --spans: each object also says where its statement is (\"start\", \"len\": bytes)\n",
	      stderr);
	return 2;
}

/* modes_from: the bits of a sql_mode list (names the lexer does not care about are ignored). */
static unsigned modes_from(const char *s)
{
	unsigned m = 0;
	char buf[512];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (strcasecmp(w, "NO_BACKSLASH_ESCAPES") == 0)
			m |= JG_SQL_MODE_NO_BACKSLASH_ESCAPES;
		else if (strcasecmp(w, "ANSI_QUOTES") == 0 || strcasecmp(w, "ANSI") == 0)
			m |= JG_SQL_MODE_ANSI_QUOTES;
	}
	return m;
}

/* read_all: the whole of PATH ("-": standard input) into a heap block the caller frees; no byte
 * is dropped or added. Up to 16 MiB, the largest statement a single packet carries. */
static char *read_all(const char *path, size_t *len)
{
	enum { MAX = 16u << 20 };
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	buf = malloc(MAX + 1);
	if (buf) {
		n = fread(buf, 1, MAX + 1, f);
		if (ferror(f) || n > MAX) {
			free(buf);
			buf = NULL;
		}
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}

/* text_json: a name or fingerprint as a JSON string. They are the statement's bytes, which need
 * not be UTF-8 (latin1 names): a byte that is not part of a well-formed UTF-8 character is
 * written as the four characters \xHH, so that nothing is dropped. */
static json_t *text_json(const char *t)
{
	char buf[4 * JG_SQL_FP_MAX + 1];
	size_t o = 0;
	json_t *j = json_string(t);

	if (j)
		return j;
	for (const unsigned char *p = (const unsigned char *)t; *p && o + 5 < sizeof(buf); p++) {
		int n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 :
		        (*p & 0xF8) == 0xF0 ? 4 : 0;
		int ok = n > 0;

		for (int k = 1; ok && k < n; k++)
			ok = (p[k] & 0xC0) == 0x80;
		if (ok && n > 1 && o + (size_t)n < sizeof(buf)) {
			memcpy(buf + o, p, (size_t)n);
			o += (size_t)n;
			p += n - 1;
		} else if (ok) {
			buf[o++] = (char)*p;
		} else {
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", *p);
		}
	}
	buf[o] = '\0';
	j = json_string(buf);
	return j ? j : json_string("?");
}

static json_t *stmt_json(const struct jg_sql_stmt *st, int spans)
{
	json_t *o = json_object(), *tables = json_array();

	for (unsigned i = 0; i < st->ntables; i++)
		json_array_append_new(tables, text_json(st->tables[i]));
	json_object_set_new(o, "kind", json_string(jg_sql_kind_name(st->kind)));
	json_object_set_new(o, "object", st->object == JG_SQL_OBJ_NONE ? json_null() :
	                    json_string(jg_sql_object_name(st->object)));
	json_object_set_new(o, "tables", tables);
	json_object_set_new(o, "where", json_boolean(st->flags & JG_SQL_HAS_WHERE));
	json_object_set_new(o, "limit", json_boolean(st->flags & JG_SQL_HAS_LIMIT));
	json_object_set_new(o, "writes_file", json_boolean(st->flags & JG_SQL_WRITES_FILE));
	json_object_set_new(o, "reads_file", json_boolean(st->flags & JG_SQL_READS_FILE));
	json_object_set_new(o, "opaque", json_boolean(st->flags & JG_SQL_OPAQUE));
	json_object_set_new(o, "unknown", json_boolean(st->kind == JG_SQL_UNKNOWN));
	json_object_set_new(o, "executable_comment", json_boolean(st->flags & JG_SQL_EXEC_COMMENT));
	json_object_set_new(o, "global", json_boolean(st->flags & JG_SQL_GLOBAL));
	json_object_set_new(o, "select_into", json_boolean(st->flags & JG_SQL_SELECT_INTO));
	json_object_set_new(o, "mode_change", json_boolean(st->flags & JG_SQL_MODE_CHANGE));
	json_object_set_new(o, "truncated", json_boolean(st->flags & JG_SQL_TRUNCATED));
	json_object_set_new(o, "definer", json_boolean(st->flags & JG_SQL_DEFINER));
	json_object_set_new(o, "inner", (st->kind == JG_SQL_PREPARE || st->kind == JG_SQL_EXECUTE ||
	                                 st->kind == JG_SQL_EXPLAIN || st->inner != JG_SQL_UNKNOWN) ?
	                    json_string(jg_sql_kind_name(st->inner)) : json_null());
	json_object_set_new(o, "fingerprint", text_json(st->fingerprint));
	if (spans) {
		json_object_set_new(o, "start", json_integer((json_int_t)st->start));
		json_object_set_new(o, "len", json_integer((json_int_t)st->len));
	}
	return o;
}

/* see cli.h */
int jg_cmd_sql(int argc, char **argv)
{
	static struct jg_sql_result res;   /* 230 KiB: not on the stack */
	struct jg_sql_session sess = { .version = JG_SQL_VERSION_DEFAULT };
	const char *sql = NULL, *file = NULL;
	char *text = NULL;
	size_t len;
	int rc, spans = 0;

	if (argc < 2 || strcmp(argv[1], "classify") != 0)
		return usage();
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--sql-mode") == 0 && i + 1 < argc) {
			sess.sql_mode = modes_from(argv[++i]);
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			if (strlen(argv[++i]) > 64)
				return usage();
			snprintf(sess.db, sizeof(sess.db), "%s", argv[i]);
		} else if (strcmp(argv[i], "--charset") == 0 && i + 1 < argc) {
			i++;
			sess.charset = (uint8_t)jg_sql_charset_of(argv[i], strlen(argv[i]));
		} else if (strcmp(argv[i], "--server") == 0 && i + 1 < argc) {
			if (jg_sql_version_of(argv[++i], &sess.version, &sess.mysql) != 0)
				return usage();
		} else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc && !file) {
			file = argv[++i];
		} else if (strcmp(argv[i], "--spans") == 0) {
			spans = 1;
		} else if (!sql && (argv[i][0] != '-' || argv[i][1] == '\0' || argv[i][1] == '-')) {
			sql = argv[i];
		} else {
			return usage();
		}
	}
	if (!sql == !file)
		return usage();
	if (file) {
		text = read_all(file, &len);
		if (!text) {
			fprintf(stderr, "jitgate sql: cannot read %s (or it is over 16 MiB)\n", file);
			return 1;
		}
		sql = text;
	} else {
		len = strlen(sql);
	}
	rc = jg_sql_classify(&sess, sql, len, &res);
	free(text);
	for (unsigned i = 0; i < res.nstmts; i++) {
		json_t *o = stmt_json(&res.stmts[i], spans);
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (s)
			puts(s);
		free(s);
		json_decref(o);
	}
	if (rc != JG_OK)
		fprintf(stderr, "jitgate sql: more than %d statements: the gateway refuses this text\n",
		        JG_SQL_STMTS_MAX);
	if (res.refuse != JG_SQL_OK)
		printf("{\"refused\":\"%s\",\"statement\":%u}\n",
		       res.refuse == JG_SQL_AMBIGUOUS ? "ambiguous" : "charset", res.refuse_stmt + 1);
	return 0;
}
