/*
 * cursor_fetch.c: a prepared statement read through a server-side cursor with MariaDB
 * Connector/C (libmariadb): CURSOR_TYPE_READ_ONLY and one row per COM_STMT_FETCH, the way C
 * applications (and drivers built on Connector/C) page through large results.
 *
 *   cursor_fetch HOST PORT USER PASSWORD_FILE CA_FILE "SELECT ... WHERE id > ?" PARAM
 *
 * Prints each row as tab-separated values (NULL for NULL) and exits 0; on an error prints
 * "ERROR <code> (<sqlstate>): <message>" and exits 1. Built by tests/integration/mask_cases.sh.
 */
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS_MAX 16

static int fail_conn(MYSQL *m)
{
	printf("ERROR %u (%s): %s\n", mysql_errno(m), mysql_sqlstate(m), mysql_error(m));
	return 1;
}

static int fail_stmt(MYSQL_STMT *st)
{
	printf("ERROR %u (%s): %s\n", mysql_stmt_errno(st), mysql_stmt_sqlstate(st),
	       mysql_stmt_error(st));
	return 1;
}

int main(int argc, char **argv)
{
	char pw[8192], buf[COLS_MAX][256];
	unsigned long len[COLS_MAX], type = CURSOR_TYPE_READ_ONLY, prefetch = 1;
	my_bool isnull[COLS_MAX], on = 1;
	MYSQL_BIND param, res[COLS_MAX];
	long long arg;
	unsigned n;
	MYSQL_STMT *st;
	MYSQL *m;
	FILE *f;
	int rc;

	if (argc != 8) {
		fprintf(stderr, "usage: cursor_fetch HOST PORT USER PASSWORD_FILE CA SQL PARAM\n");
		return 2;
	}
	if (!(f = fopen(argv[4], "r")) || !fgets(pw, sizeof(pw), f)) {
		fprintf(stderr, "cursor_fetch: cannot read %s\n", argv[4]);
		return 2;
	}
	fclose(f);
	pw[strcspn(pw, "\r\n")] = '\0';
	m = mysql_init(NULL);
	mysql_optionsv(m, MYSQL_OPT_SSL_CA, argv[5]);
	mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
	if (!mysql_real_connect(m, argv[1], argv[3], pw, NULL, (unsigned)atoi(argv[2]), NULL, 0))
		return fail_conn(m);
	if (!(st = mysql_stmt_init(m)))
		return fail_conn(m);
	if (mysql_stmt_prepare(st, argv[6], strlen(argv[6])))
		return fail_stmt(st);
	mysql_stmt_attr_set(st, STMT_ATTR_CURSOR_TYPE, &type);
	mysql_stmt_attr_set(st, STMT_ATTR_PREFETCH_ROWS, &prefetch);
	arg = atoll(argv[7]);
	memset(&param, 0, sizeof(param));
	param.buffer_type = MYSQL_TYPE_LONGLONG;
	param.buffer = &arg;
	if (mysql_stmt_bind_param(st, &param) || mysql_stmt_execute(st))
		return fail_stmt(st);
	n = mysql_stmt_field_count(st);
	if (n > COLS_MAX) {
		fprintf(stderr, "cursor_fetch: more than %d columns\n", COLS_MAX);
		return 2;
	}
	memset(res, 0, sizeof(res));
	for (unsigned i = 0; i < n; i++) {
		res[i].buffer_type = MYSQL_TYPE_STRING;    /* the library converts each value */
		res[i].buffer = buf[i];
		res[i].buffer_length = sizeof(buf[i]) - 1;
		res[i].length = &len[i];
		res[i].is_null = &isnull[i];
	}
	if (mysql_stmt_bind_result(st, res))
		return fail_stmt(st);
	while ((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		for (unsigned i = 0; i < n; i++) {
			buf[i][len[i] < sizeof(buf[i]) ? len[i] : sizeof(buf[i]) - 1] = '\0';
			printf("%s%s", i ? "\t" : "", isnull[i] ? "NULL" : buf[i]);
		}
		printf("\n");
	}
	if (rc != MYSQL_NO_DATA)
		return fail_stmt(st);
	mysql_stmt_close(st);
	mysql_close(m);
	return 0;
}
