/*
 * fuzz/sql: jg_sql_classify on any bytes, as a client can send them in COM_QUERY, under every
 * sql_mode that changes lexing, every character set it reads, MariaDB and MySQL rules for
 * executable comments and an unknown version (the first byte picks them, the rest is the text).
 *
 * Invariants: JG_OK or JG_ERR_TOOBIG; nstmts <= JG_SQL_STMTS_MAX; every statement's
 * [start, start + len) inside the input; kinds, objects and inner kinds inside their enums;
 * table names and fingerprints NUL-terminated inside their fields.
 *
 * Build and run: `make fuzz-replay`, `make fuzz` (docs/fuzzing.md).
 */
#include "fuzz.h"
#include "sql/sql.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jg_sql_result res;
	struct jg_sql_session sess = { .db = "fuzz" };
	int rc;

	static const uint32_t versions[] = { 0, 101106, 50699, 80036 };

	if (size > 0) {                 /* the session: mode, character set, server */
		sess.sql_mode = data[0] & 3u;
		sess.charset = (uint8_t)(((data[0] >> 2) & 7u) % 5u);
		sess.mysql = (data[0] >> 5) & 1u;
		sess.version = versions[(data[0] >> 6) & 3u];
		data++;
		size--;
	}
	rc = jg_sql_classify(&sess, (const char *)data, size, &res);
	CHECK(rc == JG_OK || rc == JG_ERR_TOOBIG);
	CHECK(res.nstmts <= JG_SQL_STMTS_MAX);
	CHECK(res.refuse <= JG_SQL_CHARSET && res.refuse_stmt <= res.nstmts);
	CHECK(rc == JG_OK ? res.nstmts >= 1 : res.nstmts == JG_SQL_STMTS_MAX);
	for (unsigned i = 0; i < res.nstmts; i++) {
		const struct jg_sql_stmt *st = &res.stmts[i];

		CHECK(st->start <= size && st->len <= size - st->start);
		CHECK((unsigned)st->kind < JG_SQL_KIND_COUNT);
		CHECK((unsigned)st->inner < JG_SQL_KIND_COUNT);
		CHECK((unsigned)st->object <= JG_SQL_OBJ_OTHER);
		CHECK(st->ntables <= JG_SQL_TABLES_MAX);
		for (unsigned t = 0; t < st->ntables; t++)
			CHECK(memchr(st->tables[t], '\0', JG_SQL_NAME_MAX) != NULL);
		CHECK(memchr(st->fingerprint, '\0', JG_SQL_FP_MAX) != NULL);
		if (i > 0)
			CHECK(st->start >= res.stmts[i - 1].start + res.stmts[i - 1].len);
	}
	CHECK(memchr(sess.db, '\0', sizeof(sess.db)) != NULL);
	return 0;
}
