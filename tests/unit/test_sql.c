/*
 * test_sql.c: the SQL classifier (src/sql). Most cases live in tests/sql/classify.cases, one per
 * line, read by sql_cases below:
 *
 *   [{mode=nbe,ansi db=NAME cs=CHARSET version=N mysql}] SQL ⟶ EXPECT [| EXPECT ...]
 *
 * one EXPECT per statement: kind=K [object=O] [tables=a.b,c.d | tables=-] [flags=f1,f2]
 * [inner=K] [fp=FINGERPRINT-up-to-the-next-|-or-end] [sqlmode=nbe,ansi|-] [db=NAME]
 * [cs=CHARSET] [refuse=ambiguous|charset]. flags are checked exactly (absent means none): where
 * limit wfile rfile opaque exec global selinto trunc mode definer track. "⏎" in SQL is a
 * newline and "⟨A0⟩" the byte 0xa0 (any two hex digits). The session starts with db "shop", no
 * sql_mode, utf8 and MariaDB 10.11.6 (version=101106) unless the prefix says otherwise (mysql:
 * a MySQL server); sqlmode=, db=, cs= and refuse= check the whole line (on any part).
 */
#include "unit.h"

#include "sql/sql.h"

#include <stdlib.h>
#include <strings.h>

static struct jg_sql_result res;

static const struct { const char *name; unsigned bit; } flag_names[] = {
	{ "where", JG_SQL_HAS_WHERE }, { "limit", JG_SQL_HAS_LIMIT },
	{ "wfile", JG_SQL_WRITES_FILE }, { "rfile", JG_SQL_READS_FILE },
	{ "opaque", JG_SQL_OPAQUE }, { "exec", JG_SQL_EXEC_COMMENT }, { "global", JG_SQL_GLOBAL },
	{ "selinto", JG_SQL_SELECT_INTO }, { "trunc", JG_SQL_TRUNCATED },
	{ "mode", JG_SQL_MODE_CHANGE }, { "definer", JG_SQL_DEFINER }, { "track", JG_SQL_TRACKING },
};

static const char *const cs_names[] = { "utf8", "latin1", "ascii", "binary", "other" };
static const char *const refuse_names[] = { "-", "ambiguous", "charset" };

/* take_key: removes " key=VALUE" from part into val (cap bytes); 1 when it was there. */
static int take_key(char *part, const char *key, char *val, size_t cap)
{
	char pat[32], *m, *v;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", key);
	m = strstr(part, pat);
	if (!m)
		return 0;
	v = m + strlen(pat);
	n = strcspn(v, " ");
	snprintf(val, cap, "%.*s", (int)n, v);
	memmove(m, v + n, strlen(v + n) + 1);
	return 1;
}

static unsigned parse_mode(const char *v)
{
	return (strstr(v, "nbe") ? JG_SQL_MODE_NO_BACKSLASH_ESCAPES : 0) |
	       (strstr(v, "ansi") ? JG_SQL_MODE_ANSI_QUOTES : 0);
}

static void flags_str(unsigned f, char *out, size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; i < JG_ARRAY_LEN(flag_names); i++)
		if (f & flag_names[i].bit) {
			if (out[0])
				strncat(out, ",", cap - strlen(out) - 1);
			strncat(out, flag_names[i].name, cap - strlen(out) - 1);
		}
	if (!out[0])
		strcpy(out, "-");
}

/* check_one: one EXPECT against one statement; prints what differs. Returns failures. */
static int check_one(int line, const struct jg_sql_stmt *st, char *exp)
{
	int bad = 0;
	unsigned want_flags = 0;
	char *p = exp, got[256];

	while (*p) {
		char *key, *val, *end;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		key = p;
		val = strchr(p, '=');
		if (!val)
			break;
		*val++ = '\0';
		if (strcmp(key, "fp") == 0) {
			end = val + strlen(val);
			while (end > val && end[-1] == ' ')
				*--end = '\0';
			p = end;
		} else {
			end = strchr(val, ' ');
			p = end ? end + 1 : val + strlen(val);
			if (end)
				*end = '\0';
		}
		if (strcmp(key, "kind") == 0) {
			if (strcmp(jg_sql_kind_name(st->kind), val) != 0)
				bad++, fprintf(stderr, "  line %d: kind %s, expected %s\n", line,
				               jg_sql_kind_name(st->kind), val);
		} else if (strcmp(key, "object") == 0) {
			if (strcmp(jg_sql_object_name(st->object), val) != 0)
				bad++, fprintf(stderr, "  line %d: object %s, expected %s\n", line,
				               jg_sql_object_name(st->object), val);
		} else if (strcmp(key, "inner") == 0) {
			if (strcmp(jg_sql_kind_name(st->inner), val) != 0)
				bad++, fprintf(stderr, "  line %d: inner %s, expected %s\n", line,
				               jg_sql_kind_name(st->inner), val);
		} else if (strcmp(key, "fp") == 0) {
			if (strcmp(st->fingerprint, val) != 0)
				bad++, fprintf(stderr, "  line %d: fp \"%s\", expected \"%s\"\n", line,
				               st->fingerprint, val);
		} else if (strcmp(key, "tables") == 0) {
			unsigned n = 0;
			char *save = NULL;

			if (strcmp(val, "-") != 0)
				for (char *t = strtok_r(val, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
					unsigned i;

					n++;
					for (i = 0; i < st->ntables && strcmp(st->tables[i], t) != 0; i++)
						;
					if (i == st->ntables)
						bad++, fprintf(stderr, "  line %d: table %s missing\n", line, t);
				}
			if (n != st->ntables) {
				bad++;
				fprintf(stderr, "  line %d: %u tables, expected %u:", line, st->ntables, n);
				for (unsigned i = 0; i < st->ntables; i++)
					fprintf(stderr, " %s", st->tables[i]);
				fputc('\n', stderr);
			}
		} else if (strcmp(key, "flags") == 0) {
			char *save = NULL;

			for (char *t = strtok_r(val, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				size_t i;

				for (i = 0; i < JG_ARRAY_LEN(flag_names); i++)
					if (strcmp(flag_names[i].name, t) == 0)
						want_flags |= flag_names[i].bit;
				if (strcmp(t, "-") != 0 && !want_flags)
					bad++, fprintf(stderr, "  line %d: bad flag %s\n", line, t);
			}
		} else {
			bad++;
			fprintf(stderr, "  line %d: unknown key %s\n", line, key);
		}
	}
	if (st->flags != want_flags) {
		char want[256];

		flags_str(st->flags, got, sizeof(got));
		flags_str(want_flags, want, sizeof(want));
		bad++;
		fprintf(stderr, "  line %d: flags %s, expected %s\n", line, got, want);
	}
	return bad;
}

static int run_case(int line, char *text)
{
	struct jg_sql_session sess = { .db = "shop", .version = 101106 };
	char *arrow = strstr(text, "⟶"), *sql = text, *exp, *parts[JG_SQL_STMTS_MAX + 1];
	char want_db[80] = "", want_mode[32] = "", want_cs[16] = "", want_refuse[16] = "-";
	unsigned nparts = 0;
	int bad = 0;
	size_t n;

	if (!arrow) {
		fprintf(stderr, "  line %d: no ⟶\n", line);
		return 1;
	}
	/* ⟨HH⟩ is one byte, on both sides */
	for (char *q; (q = strstr(text, "⟨")); ) {
		char *close = strstr(q, "⟩");

		if (!close)
			break;
		*q = (char)strtoul(q + 3, NULL, 16);
		memmove(q + 1, close + 3, strlen(close + 3) + 1);
	}
	arrow = strstr(text, "⟶");
	*arrow = '\0';
	exp = arrow + strlen("⟶");
	if (sql[0] == '{') {
		char *close = strchr(sql, '}'), *save = NULL;

		*close = '\0';
		for (char *o = strtok_r(sql + 1, " ", &save); o; o = strtok_r(NULL, " ", &save)) {
			if (strncmp(o, "mode=", 5) == 0)
				sess.sql_mode = parse_mode(o + 5);
			else if (strncmp(o, "db=", 3) == 0)
				snprintf(sess.db, sizeof(sess.db), "%s", strcmp(o + 3, "none") ? o + 3 : "");
			else if (strncmp(o, "version=", 8) == 0)
				sess.version = (uint32_t)strtoul(o + 8, NULL, 10);
			else if (strcmp(o, "mysql") == 0)
				sess.mysql = 1;
			else if (strncmp(o, "cs=", 3) == 0)
				for (unsigned i = 0; i < JG_ARRAY_LEN(cs_names); i++)
					if (strcmp(o + 3, cs_names[i]) == 0)
						sess.charset = (uint8_t)i;
		}
		sql = close + 1;
	}
	while (*sql == ' ')
		sql++;
	n = strlen(sql);
	while (n > 0 && sql[n - 1] == ' ')
		sql[--n] = '\0';
	/* ⏎ is a newline (three bytes become one) */
	for (char *q; (q = strstr(sql, "⏎")); ) {
		*q = '\n';
		memmove(q + 1, q + 3, strlen(q + 3) + 1);
	}
	for (char *p = exp, *bar; p && nparts <= JG_SQL_STMTS_MAX; p = bar ? bar + 3 : NULL) {
		bar = strstr(p, " | ");
		if (bar)
			*bar = '\0';
		parts[nparts++] = p;
	}
	/* expectations on the whole line ride on any part */
	for (unsigned i = 0; i < nparts; i++) {
		take_key(parts[i], "sqlmode", want_mode, sizeof(want_mode));
		take_key(parts[i], "db", want_db, sizeof(want_db));
		take_key(parts[i], "cs", want_cs, sizeof(want_cs));
		take_key(parts[i], "refuse", want_refuse, sizeof(want_refuse));
	}
	CHECK_EQ_INT(jg_sql_classify(&sess, sql, strlen(sql), &res), JG_OK);
	if (strcmp(refuse_names[res.refuse], want_refuse) != 0)
		bad++, fprintf(stderr, "  line %d: refuse %s (statement %u), expected %s\n", line,
		               refuse_names[res.refuse], res.refuse_stmt + 1, want_refuse);
	if (want_cs[0] && strcmp(cs_names[sess.charset], want_cs) != 0)
		bad++, fprintf(stderr, "  line %d: charset %s, expected %s\n", line,
		               cs_names[sess.charset], want_cs);
	if (res.nstmts != nparts) {
		fprintf(stderr, "  line %d: %u statements, expected %u\n", line, res.nstmts, nparts);
		for (unsigned i = 0; i < res.nstmts; i++)
			fprintf(stderr, "    %s: %s\n", jg_sql_kind_name(res.stmts[i].kind),
			        res.stmts[i].fingerprint);
		return 1;
	}
	for (unsigned i = 0; i < nparts; i++)
		bad += check_one(line, &res.stmts[i], parts[i]);
	if (want_mode[0] && sess.sql_mode != parse_mode(want_mode))
		bad++, fprintf(stderr, "  line %d: sql_mode %u\n", line, sess.sql_mode);
	if (want_db[0] && strcmp(sess.db, want_db) != 0)
		bad++, fprintf(stderr, "  line %d: db \"%s\", expected %s\n", line, sess.db, want_db);
	if (bad)
		fprintf(stderr, "  line %d: %s\n", line, sql);
	return bad;
}

JG_TEST(sql_cases)
{
	FILE *f = fopen("tests/sql/classify.cases", "r");
	char buf[8192];
	int line = 0, ncases = 0, nbad = 0;

	CHECK(f != NULL);
	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f)) {
		size_t n = strlen(buf);

		line++;
		if (n && buf[n - 1] == '\n')
			buf[--n] = '\0';
		if (n == 0 || buf[0] == '#')
			continue;
		ncases++;
		if (run_case(line, buf))
			nbad++;
	}
	fclose(f);
	fprintf(stderr, "sql_cases: %d cases, %d failed\n", ncases, nbad);
	CHECK(ncases >= 150);
	CHECK_EQ_INT(nbad, 0);
}

/* Statement spans stay inside the input, kinds inside the enum, on any bytes. */
static void check_bounds(const char *p, size_t n, unsigned mode)
{
	struct jg_sql_session sess = { .sql_mode = mode, .db = "d" };
	int rc = jg_sql_classify(&sess, p, n, &res);

	CHECK(rc == JG_OK || rc == JG_ERR_TOOBIG);
	CHECK(res.nstmts <= JG_SQL_STMTS_MAX);
	for (unsigned i = 0; i < res.nstmts; i++) {
		const struct jg_sql_stmt *st = &res.stmts[i];

		CHECK(st->start <= n && st->len <= n - st->start);
		CHECK((unsigned)st->kind < JG_SQL_KIND_COUNT);
		CHECK(st->ntables <= JG_SQL_TABLES_MAX);
		CHECK(memchr(st->fingerprint, '\0', sizeof(st->fingerprint)) != NULL);
		/* the probing reader goes over the same bytes: within them, whatever they are */
		if (rc == JG_OK) {
			static const char *const names[] = { "s*", "c" }, *const tables[] = { "d.*" };
			struct jg_sql_probe pb;

			if (jg_sql_probes(p, n, st, names, 2, tables, 1, &pb) != JG_SQL_PROBE_NONE)
				CHECK(pb.at <= n && pb.len <= n - pb.at);
		}
	}
}

JG_TEST(sql_garbage_never_crashes)
{
	static const char alphabet[] = "'\"`\\;/*!-#@?()., \n\t0xbNM_selctSELCTFROMwhere=";
	uint32_t seed = 12345;
	char buf[512];

	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(round % 200);

		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (round & 1) ? (char)(seed >> 16) :
			         alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		/* a heap copy of the exact size, so that a sanitizer build sees any over-read */
		char *copy = malloc(n ? n : 1);

		memcpy(copy, buf, n);
		check_bounds(copy, n, (unsigned)round & 3);
		free(copy);
	}
}

JG_TEST(sql_too_many_statements)
{
	struct jg_sql_session sess = { .db = "" };
	char buf[1024];
	size_t n = 0;

	for (int i = 0; i < 70; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "SELECT 1;");
	CHECK_EQ_INT(jg_sql_classify(&sess, buf, n, &res), JG_ERR_TOOBIG);
	CHECK_EQ_INT(res.nstmts, JG_SQL_STMTS_MAX);
}

JG_TEST(sql_nul_bytes)
{
	struct jg_sql_session sess = { .db = "" };
	static const char q[] = "SELECT 'a\0b' FROM t";      /* NUL inside a string is data */
	static const char r[] = "SELECT 1\0; DROP TABLE t";   /* outside: an error token */

	CHECK_EQ_INT(jg_sql_classify(&sess, q, sizeof(q) - 1, &res), JG_OK);
	CHECK_EQ_INT(res.stmts[0].kind, JG_SQL_SELECT);
	CHECK_EQ_INT(jg_sql_classify(&sess, r, sizeof(r) - 1, &res), JG_OK);
	CHECK_EQ_INT(res.stmts[0].kind, JG_SQL_UNKNOWN);
	CHECK_EQ_INT(res.stmts[1].kind, JG_SQL_DROP);
}

/* jg_sql_probes reads a statement as the classifier read it: its sql_mode (every reading after a
 * SET sql_mode of unknown value), inside an executable comment, and a PREPARE's text. */
static int probes(unsigned mode, const char *sql, unsigned stmt, struct jg_sql_probe *pb)
{
	static const char *const names[] = { "card_number", "cvv" };
	static const char *const tables[] = { "shop.cards", "shop.*" };
	struct jg_sql_session sess = { .db = "shop", .version = 101106, .sql_mode = mode };

	if (jg_sql_classify(&sess, sql, strlen(sql), &res) != JG_OK || stmt >= res.nstmts)
		return -1;
	return (int)jg_sql_probes(sql, strlen(sql), &res.stmts[stmt], names, 2, tables, 2, pb);
}

JG_TEST(sql_probes)
{
	struct jg_sql_probe pb;
	static const char mode_lost[] =
		"SET sql_mode = CONCAT('ANSI', '_QUOTES'); SELECT id FROM cards WHERE \"card_number\" = 'x'";
	static const char exec[] = "SELECT 1 /*!50000 ; SELECT id FROM cards WHERE cvv = 1 */";

	CHECK_EQ_INT(probes(0, "SELECT id FROM cards WHERE card_number = 'x'", 0, &pb), JG_SQL_PROBE_NAME);
	CHECK_EQ_INT(pb.which, 0);
	CHECK_EQ_INT(pb.at, 27);
	CHECK_EQ_INT(pb.len, 11);
	CHECK_EQ_STR(pb.name, "card_number");
	CHECK_EQ_INT(probes(0, "SELECT id FROM cards WHERE `CVV` = 1", 0, &pb), JG_SQL_PROBE_NAME);
	CHECK_EQ_INT(pb.which, 1);
	CHECK_EQ_STR(pb.name, "cvv");
	/* the same text: a string without ANSI_QUOTES, a name with it */
	CHECK_EQ_INT(probes(0, "SELECT id FROM cards WHERE \"card_number\" = 'x'", 0, &pb), JG_SQL_PROBE_NONE);
	CHECK_EQ_INT(probes(JG_SQL_MODE_ANSI_QUOTES, "SELECT id FROM cards WHERE \"card_number\" = 'x'", 0, &pb),
	             JG_SQL_PROBE_NAME);
	/* after a sql_mode the text does not give, every reading counts */
	CHECK_EQ_INT(probes(0, mode_lost, 1, &pb), JG_SQL_PROBE_NAME);
	CHECK(res.stmts[1].lex.modes == 0x0f);
	/* a statement that starts inside an executable comment */
	CHECK_EQ_INT(probes(0, exec, 1, &pb), JG_SQL_PROBE_NAME);
	CHECK_EQ_STR(pb.name, "cvv");
	CHECK_EQ_INT(probes(0, "SELECT id FROM cards WHERE 1 /*!99999 AND cvv = 1 */", 0, &pb), JG_SQL_PROBE_NONE);
	/* an alias, the text of PREPARE, and what hides the name */
	CHECK_EQ_INT(probes(0, "SELECT cvv AS v FROM cards ORDER BY v", 0, &pb), JG_SQL_PROBE_NAME);
	CHECK_EQ_INT(pb.which, 2);
	CHECK_EQ_STR(pb.name, "v");
	CHECK_EQ_INT(probes(0, "PREPARE s FROM 'SELECT 1 FROM cards WHERE cvv = ?'", 0, &pb), JG_SQL_PROBE_NAME);
	CHECK_EQ_INT(pb.at, 15);
	CHECK_EQ_INT(probes(0, "PREPARE s FROM @q", 0, &pb), JG_SQL_PROBE_OPAQUE);
	CHECK_EQ_INT(probes(0, "EXECUTE IMMEDIATE @q", 0, &pb), JG_SQL_PROBE_OPAQUE);
	CHECK_EQ_INT(probes(0, "EXECUTE s USING @a", 0, &pb), JG_SQL_PROBE_NONE);
	CHECK_EQ_INT(probes(0, "SELECT card_number -- WHERE card_number = 1\nFROM cards", 0, &pb), JG_SQL_PROBE_NONE);
	CHECK_EQ_INT(probes(0, "SELECT card_number # ORDER BY card_number\nFROM cards", 0, &pb), JG_SQL_PROBE_NONE);
	CHECK_EQ_INT(probes(0, "SELECT 'it''s card_number' AS `x` FROM cards", 0, &pb), JG_SQL_PROBE_NONE);
	CHECK_EQ_INT(probes(0, "SELECT * FROM cards ORDER BY 2", 0, &pb), JG_SQL_PROBE_INDIRECT);
	CHECK(strstr(pb.what, "position") != NULL);
	CHECK_EQ_INT(probes(0, "SELECT id FROM cards ORDER BY 1", 0, &pb), JG_SQL_PROBE_NONE);
	CHECK_EQ_INT(probes(0, "INSERT INTO hr.x VALUES (1)", 0, &pb), JG_SQL_PROBE_NONE);
	CHECK_EQ_INT(probes(0, "INSERT INTO shop.cards PARTITION (p1) VALUES (1)", 0, &pb), JG_SQL_PROBE_INDIRECT);
	CHECK_EQ_INT(probes(0, "INSERT INTO cards (id) VALUES (1)", 0, &pb), JG_SQL_PROBE_NONE);
	CHECK_EQ_INT(probes(0, "INSERT INTO cards SET id = 1", 0, &pb), JG_SQL_PROBE_NONE);
	CHECK_EQ_INT(probes(0, "INSERT INTO cards (SELECT * FROM old)", 0, &pb), JG_SQL_PROBE_INDIRECT);
	/* explain's view: plain columns and "*" of a client's result */
	CHECK_EQ_INT(probes(0, "SELECT 1", 0, &pb), JG_SQL_PROBE_NONE);
	{
		static const char q[] = "SELECT x.v FROM (SELECT id, cvv v FROM cards) x";
		struct jg_sql_session sess = { .db = "shop", .version = 101106 };

		CHECK_EQ_INT(jg_sql_classify(&sess, q, strlen(q), &res), JG_OK);
		CHECK_EQ_INT(jg_sql_selects(q, strlen(q), &res.stmts[0], "cvv"), 2);
		CHECK_EQ_INT(jg_sql_selects(q, strlen(q), &res.stmts[0], "note"), 0);
		CHECK_EQ_INT(jg_sql_classify(&sess, "TABLE cards", 11, &res), JG_OK);
		CHECK_EQ_INT(jg_sql_selects("TABLE cards", 11, &res.stmts[0], "cvv"), 1);
	}
}
