/*
 * connect_bench: connection set-up time through one route, as a MySQL client sees it.
 *
 *   connect_bench --port P --user U --password-file F [--host H] [--ca PEM] [--count N]
 *                 [--warmup W] [--timeout S]
 *
 * Each sample is mysql_init + mysql_real_connect (TCP connect, greeting, TLS handshake,
 * authentication: for jitgate that includes token validation and its own backend login) +
 * mysql_close (COM_QUIT), timed with CLOCK_MONOTONIC. With --ca the client insists on TLS
 * (MYSQL_OPT_SSL_ENFORCE) and verifies the server's certificate against PEM, as an agent should.
 * Connects run one after the other, so the figure is latency, not a connection rate.
 *
 * Prints one "key value" line each: count, failed, min_us, p50_us, p99_us, max_us, avg_us;
 * exits 1 if any connect failed (the first error goes to stderr).
 */
#include "bench_client.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct opts {
	const char *host, *user, *ca;
	char password[65536];
	unsigned port, count, warmup, timeout;
};

static int usage(void)
{
	fprintf(stderr, "usage: connect_bench --port P --user U --password-file F [--host H] "
			"[--ca PEM] [--count N] [--warmup W] [--timeout S]\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	const char *pwfile = NULL;

	*o = (struct opts){ .host = "127.0.0.1", .count = 200, .warmup = 5, .timeout = 10 };
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--host")) o->host = v;
		else if (!strcmp(k, "--port")) o->port = (unsigned)atoi(v);
		else if (!strcmp(k, "--user")) o->user = v;
		else if (!strcmp(k, "--password-file")) pwfile = v;
		else if (!strcmp(k, "--ca")) o->ca = v;
		else if (!strcmp(k, "--count")) o->count = (unsigned)atoi(v);
		else if (!strcmp(k, "--warmup")) o->warmup = (unsigned)atoi(v);
		else if (!strcmp(k, "--timeout")) o->timeout = (unsigned)atoi(v);
		else return -1;
	}
	if (argc % 2 != 1 || !o->port || !o->user || !pwfile || !o->count || !o->timeout)
		return -1;
	if (bench_read_secret(pwfile, o->password, sizeof o->password) != 0) {
		fprintf(stderr, "connect_bench: cannot read %s\n", pwfile);
		return -1;
	}
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One connect + login + close; returns its duration in µs, or a negative value on failure. */
static double one(const struct opts *o, int report)
{
	double t0 = now_us(), dt = -1;
	int ok;
	MYSQL *m = bench_connect(o->host, o->port, o->user, o->password, o->ca, o->timeout, &ok);

	if (!m)
		return -1;
	if (ok) {
		mysql_close(m);
		dt = now_us() - t0;
	} else {
		if (report)
			fprintf(stderr, "connect_bench: %u %s\n", mysql_errno(m), mysql_error(m));
		mysql_close(m);
	}
	return dt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n-1]. */
static double pct(const double *v, unsigned n, double p)
{
	unsigned r = (unsigned)(p / 100.0 * n + 0.999999);

	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return v[r - 1];
}

int main(int argc, char **argv)
{
	struct opts o;
	double *v, sum = 0;
	unsigned n = 0, failed = 0;

	if (parse(argc, argv, &o) != 0)
		return usage();
	if (mysql_library_init(0, NULL, NULL) != 0)
		return 1;
	v = calloc(o.count, sizeof *v);
	if (!v)
		return 1;
	/* Warm-up connects fill caches on every side (JWKS key objects, TLS contexts, the
	 * server's thread cache) that a long-running gateway has warm anyway. */
	for (unsigned i = 0; i < o.warmup; i++)
		if (one(&o, failed == 0) < 0)
			failed++;
	for (unsigned i = 0; i < o.count; i++) {
		double dt = one(&o, failed == 0);
		if (dt < 0) {
			failed++;
			if (failed >= 10)
				break;      /* a broken route: no point waiting out the rest */
			continue;
		}
		v[n++] = dt;
		sum += dt;
	}
	qsort(v, n, sizeof *v, cmp_double);
	printf("count %u\nfailed %u\n", n, failed);
	if (n) {
		printf("min_us %.0f\np50_us %.0f\np99_us %.0f\nmax_us %.0f\navg_us %.0f\n",
		       v[0], pct(v, n, 50), pct(v, n, 99), v[n - 1], sum / n);
	}
	free(v);
	mysql_library_end();
	return failed || n == 0 ? 1 : 0;
}
