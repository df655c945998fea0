/*
 * bench_client.h: what the benchmark's libmariadb tools share: the secret from a file and a
 * connection made the way an agent should make one (TLS enforced, the server's certificate
 * verified against the CA, bounded timeouts). Header-only: each tool is one C file.
 */
#ifndef JG_BENCH_CLIENT_H
#define JG_BENCH_CLIENT_H

#include <mysql.h>
#include <stdio.h>
#include <string.h>

/* bench_read_secret: the first line of the file, without its newline: a token or a password. */
static inline int bench_read_secret(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/*
 * bench_connect: mysql_real_connect on a handle set up for TLS with ca (none when ca is NULL).
 * Returns the handle: connected, or not (check mysql_errno), or NULL when out of memory.
 */
static inline MYSQL *bench_connect(const char *host, unsigned port, const char *user,
                                   const char *password, const char *ca, unsigned timeout,
                                   int *connected)
{
	MYSQL *m = mysql_init(NULL);
	my_bool yes = 1;

	*connected = 0;
	if (!m)
		return NULL;
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
	if (ca) {
		mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &yes);
		mysql_options(m, MYSQL_OPT_SSL_CA, ca);
		mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
	}
	*connected = mysql_real_connect(m, host, user, password, NULL, port, NULL, 0) != NULL;
	return m;
}

#endif
