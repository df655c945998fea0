/*
 * sql_bench.c: statements per second of jg_sql_classify on one core, over a sysbench-like mix
 * (point and range selects, inserts, updates with WHERE, some with comments), for about two
 * seconds. `make bench-sql`; the figure goes into docs/sql-classifier.md.
 */
#include "sql/sql.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const mix[] = {
	"SELECT c FROM sbtest1 WHERE id=5012",
	"SELECT c FROM sbtest3 WHERE id=772",
	"SELECT c FROM sbtest1 WHERE id BETWEEN 4012 AND 4111",
	"SELECT SUM(k) FROM sbtest2 WHERE id BETWEEN 12 AND 111",
	"SELECT c FROM sbtest1 WHERE id BETWEEN 812 AND 911 ORDER BY c",
	"SELECT DISTINCT c FROM sbtest4 WHERE id BETWEEN 5 AND 104 ORDER BY c",
	"UPDATE sbtest1 SET k=k+1 WHERE id=5019",
	"UPDATE sbtest2 SET c='79919216937-81262224596-35325046432' WHERE id=4406",
	"DELETE FROM sbtest1 WHERE id=5011",
	"INSERT INTO sbtest1 (id, k, c, pad) VALUES (5011, 4994, '6819-9117-6311', '4434-1135')",
	"/* app=shop route=/cart */ SELECT id, qty FROM cart_items WHERE cart_id = 991 AND user_id = 7",
	"SELECT o.id, o.total FROM orders o JOIN customers c ON c.id = o.cid WHERE c.email = 'a@b.c' -- ui\n",
	"BEGIN",
	"COMMIT",
};

int main(void)
{
	static struct jg_sql_result res;
	struct jg_sql_session sess = { .db = "sbtest" };
	size_t lens[sizeof(mix) / sizeof(mix[0])];
	struct timespec t0, t1;
	unsigned long n = 0, sink = 0;
	double secs;

	for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++)
		lens[i] = strlen(mix[i]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int r = 0; r < 1000; r++)
			for (size_t i = 0; i < sizeof(mix) / sizeof(mix[0]); i++, n++) {
				jg_sql_classify(&sess, mix[i], lens[i], &res);
				sink += res.stmts[0].kind;
			}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	} while (secs < 2.0);
	printf("bench-sql: %lu statements in %.2f s: %.0f statements/s on one core (check %lu)\n",
	       n, secs, (double)n / secs, sink % 7);
	return 0;
}
