/*
 * idle_sessions: what an idle session costs a gateway in resident memory.
 *
 *   idle_sessions --port P --user U --password-file F --rss-pid PID [--host H] [--ca PEM]
 *                 [--count N] [--timeout S] [--deadline S] [--settle-ms MS]
 *
 * Reads VmRSS of PID (the gateway) from /proc, opens N logged-in sessions one after the other
 * (TLS enforced and verified with --ca, as connect_bench does), runs SELECT 1 on every one so
 * that each is known to be fully set up, lets the gateway settle, reads VmRSS again and closes
 * them all; after another settle it reads VmRSS a third time, so that memory a gateway keeps
 * after its sessions are gone shows up. The sessions stay open only while this program runs, so
 * a killed run leaves none.
 *
 * Prints "key value" lines: sessions, failed, rss_before_kib, rss_after_kib,
 * per_session_kib, open_s, rss_closed_kib. Exits 1 unless all N sessions opened and answered.
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
	unsigned port, count, timeout, deadline, settle_ms;
	int rss_pid;
};

static int usage(void)
{
	fprintf(stderr, "usage: idle_sessions --port P --user U --password-file F --rss-pid PID "
			"[--host H] [--ca PEM] [--count N] [--timeout S] [--deadline S] "
			"[--settle-ms MS]\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	const char *pwfile = NULL;

	*o = (struct opts){ .host = "127.0.0.1", .count = 2000, .timeout = 10, .deadline = 300,
			    .settle_ms = 1000 };
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (!strcmp(k, "--host")) o->host = v;
		else if (!strcmp(k, "--port")) o->port = (unsigned)atoi(v);
		else if (!strcmp(k, "--user")) o->user = v;
		else if (!strcmp(k, "--password-file")) pwfile = v;
		else if (!strcmp(k, "--ca")) o->ca = v;
		else if (!strcmp(k, "--count")) o->count = (unsigned)atoi(v);
		else if (!strcmp(k, "--timeout")) o->timeout = (unsigned)atoi(v);
		else if (!strcmp(k, "--deadline")) o->deadline = (unsigned)atoi(v);
		else if (!strcmp(k, "--settle-ms")) o->settle_ms = (unsigned)atoi(v);
		else if (!strcmp(k, "--rss-pid")) o->rss_pid = atoi(v);
		else return -1;
	}
	if (argc % 2 != 1 || !o->port || !o->user || !pwfile || !o->count || o->rss_pid <= 0)
		return -1;
	if (bench_read_secret(pwfile, o->password, sizeof o->password) != 0) {
		fprintf(stderr, "idle_sessions: cannot read %s\n", pwfile);
		return -1;
	}
	return 0;
}

/* VmRSS of pid in KiB, or -1. */
static long rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static MYSQL *open_one(const struct opts *o, int report)
{
	int ok;
	MYSQL *m = bench_connect(o->host, o->port, o->user, o->password, o->ca, o->timeout, &ok);
	MYSQL_RES *r;

	if (!m)
		return NULL;
	if (!ok || mysql_query(m, "SELECT 1") != 0 || !(r = mysql_store_result(m)))
		goto fail;
	mysql_free_result(r);
	return m;
fail:
	if (report)
		fprintf(stderr, "idle_sessions: %u %s\n", mysql_errno(m), mysql_error(m));
	mysql_close(m);
	return NULL;
}

int main(int argc, char **argv)
{
	struct opts o;
	MYSQL **s;
	unsigned n = 0, failed = 0;
	long before, after;
	double t0, open_s;
	struct timespec settle;

	if (parse(argc, argv, &o) != 0)
		return usage();
	if (mysql_library_init(0, NULL, NULL) != 0)
		return 1;
	s = calloc(o.count, sizeof *s);
	if (!s)
		return 1;
	before = rss_kib(o.rss_pid);
	t0 = now_s();
	while (n < o.count && failed < 10 && now_s() - t0 < o.deadline) {
		MYSQL *m = open_one(&o, failed == 0);
		if (m)
			s[n++] = m;
		else
			failed++;
	}
	open_s = now_s() - t0;
	settle = (struct timespec){ o.settle_ms / 1000, (long)(o.settle_ms % 1000) * 1000000L };
	nanosleep(&settle, NULL);
	after = rss_kib(o.rss_pid);
	printf("sessions %u\nfailed %u\nrss_before_kib %ld\nrss_after_kib %ld\n", n, failed,
	       before, after);
	if (n && before >= 0 && after >= 0)
		printf("per_session_kib %.1f\n", (double)(after - before) / n);
	printf("open_s %.2f\n", open_s);
	fflush(stdout);
	for (unsigned i = 0; i < n; i++)
		mysql_close(s[i]);
	nanosleep(&settle, NULL);
	printf("rss_closed_kib %ld\n", rss_kib(o.rss_pid));
	free(s);
	mysql_library_end();
	return n == o.count && before >= 0 && after >= 0 ? 0 : 1;
}
