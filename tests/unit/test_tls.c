/*
 * test_tls.c: src/tls and the TLS side of src/net/conn over real sockets. Certificates are made
 * at test time with the openssl command line in a temporary directory (removed at exit); both
 * legs run in this thread, driven by poll() the way the event loop drives them. One test talks
 * to `openssl s_client` to prove interoperability with OpenSSL (which the mariadb CLI uses).
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jg.h"
#include "net/conn.h"
#include "tls/tls.h"

#define STEP_TIMEOUT_MS 5000

/* ---- fixtures: certificates made once per run ---- */

static char fx_dir[64];
static int fx_state;    /* 0 not tried, 1 ready, -1 failed */

static void fx_cleanup(void)
{
	char cmd[128];

	if (fx_dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "test_tls: could not remove %s\n", fx_dir);
	}
}

static const char *fx(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", fx_dir, name);
	return buf;
}

/*
 * The fixture set: ca (EC P-256), ec.pem/ec.key signed by it for localhost + 127.0.0.1 (key as
 * "EC PRIVATE KEY", and as PKCS#8 in ec8.key), rsa.pem/rsa.key self-signed RSA-2048 with a
 * traditional "RSA PRIVATE KEY", and an unrelated CA (other.pem) for the wrong-trust cases.
 */
static int fixtures(void)
{
	static const char script[] =
		"set -e; cd \"$1\"\n"
		"cat > ext.cnf <<EOF\n"
		"basicConstraints=critical,CA:FALSE\n"
		"keyUsage=critical,digitalSignature\n"
		"extendedKeyUsage=serverAuth\n"
		"subjectAltName=DNS:localhost,IP:127.0.0.1\n"
		"EOF\n"
		"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key"
		" -out ca.pem -days 30 -subj /CN=jitgate-test-ca\n"
		"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key"
		" -out other.pem -days 30 -subj /CN=jitgate-other-ca\n"
		"openssl ecparam -name prime256v1 -genkey -noout -out ec.key\n"
		"openssl pkcs8 -topk8 -nocrypt -in ec.key -out ec8.key\n"
		"openssl req -new -key ec.key -subj /CN=localhost -out ec.csr\n"
		"openssl x509 -req -in ec.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30"
		" -extfile ext.cnf -out ec.pem\n"
		"openssl genrsa -traditional -out rsa.key 2048\n"
		"openssl req -x509 -new -key rsa.key -days 30 -subj /CN=localhost -out rsa.pem\n"
		"printf 'not a key\\n' > garbage.key\n";
	char cmd[256];
	int r;

	if (fx_state)
		return fx_state == 1;
	fx_state = -1;
	snprintf(fx_dir, sizeof fx_dir, "/tmp/jg-test-tls-XXXXXX");
	if (!mkdtemp(fx_dir)) {
		fx_dir[0] = 0;
		return 0;
	}
	atexit(fx_cleanup);
	/* The script travels in the environment so that no quoting of it is needed. */
	if (setenv("JG_TLS_SCRIPT", script, 1) != 0)
		return 0;
	snprintf(cmd, sizeof cmd, "sh -c \"$JG_TLS_SCRIPT\" sh %s >%s/openssl.log 2>&1", fx_dir, fx_dir);
	r = system(cmd);
	unsetenv("JG_TLS_SCRIPT");
	if (r != 0) {
		fprintf(stderr, "test_tls: openssl failed, see %s/openssl.log\n", fx_dir);
		return 0;
	}
	fx_state = 1;
	return 1;
}

static struct jg_tls_server *load_server(const char *cert, const char *key)
{
	struct jg_tls_server *s = NULL;
	char cp[128], kp[128], err[256] = "";
	int r;

	r = jg_tls_server_load(&s, fx(cert, cp, sizeof cp), fx(key, kp, sizeof kp), err, sizeof err);
	if (r != JG_OK)
		fprintf(stderr, "test_tls: server load: %s\n", err);
	CHECK_EQ_INT(r, JG_OK);
	return s;
}

static struct jg_tls_client *load_client(enum jg_tls_verify mode, const char *ca)
{
	struct jg_tls_client *c = NULL;
	char cp[128], err[256] = "";
	int r;

	r = jg_tls_client_load(&c, mode, ca ? fx(ca, cp, sizeof cp) : NULL, err, sizeof err);
	if (r != JG_OK)
		fprintf(stderr, "test_tls: client load: %s\n", err);
	CHECK_EQ_INT(r, JG_OK);
	return c;
}

/* ---- driving legs with poll() ---- */

/* One leg and what it should send and receive; err holds its first failure. */
struct end {
	struct jg_conn c;
	const uint8_t *out;
	size_t outlen, outoff;
	uint8_t *in;
	size_t inwant, ingot;
	int err;
	int write_waits;        /* how often jg_conn_write said JG_WAIT: the partial-write path */
};

static void end_init(struct end *e, int fd)
{
	memset(e, 0, sizeof *e);
	jg_conn_init(&e->c, fd);
}

static int end_done(const struct end *e)
{
	return e->ingot == e->inwant && e->outoff == e->outlen && !jg_conn_pending(&e->c);
}

/* end_step: writes what it can, flushes, reads until JG_WAIT; 0 or -1 once the leg failed. */
static int end_step(struct end *e)
{
	uint8_t extra[1];
	uint8_t *dst;
	size_t n, cap;
	int r;

	while (e->outoff < e->outlen) {
		r = jg_conn_write(&e->c, e->out + e->outoff, e->outlen - e->outoff, &n);
		if (r == JG_WAIT) {
			e->write_waits++;
			break;
		}
		if (r != JG_OK)
			goto fail;
		e->outoff += n;
	}
	r = jg_conn_flush(&e->c);
	if (r != JG_OK && r != JG_WAIT)
		goto fail;
	for (;;) {
		/* Past the expected bytes, read into a 1-byte scratch: anything there is a bug. */
		dst = e->ingot < e->inwant ? e->in + e->ingot : extra;
		cap = e->ingot < e->inwant ? e->inwant - e->ingot : sizeof extra;
		r = jg_conn_read(&e->c, dst, cap, &n);
		if (r == JG_WAIT)
			break;
		if (r != JG_OK)
			goto fail;
		CHECK(dst != extra);
		if (dst != extra)
			e->ingot += n;
	}
	return 0;
fail:
	e->err = r;
	return -1;
}

/* run: drives the legs until all are done (0), one fails (-1) or nothing moves for 5 s (-2). */
static int run(struct end **ends, int n)
{
	struct pollfd pfd[2];
	int i, done;

	for (;;) {
		done = 1;
		for (i = 0; i < n; i++) {
			if (end_step(ends[i]) < 0)
				return -1;
			done &= end_done(ends[i]);
		}
		if (done)
			return 0;
		for (i = 0; i < n; i++) {
			pfd[i].fd = ends[i]->c.fd;
			pfd[i].events = (short)jg_conn_events(&ends[i]->c);
			if (!ends[i]->c.tls && ends[i]->outoff < ends[i]->outlen)
				pfd[i].events |= POLLOUT;
			/* Plaintext already decrypted needs no readiness: go round at once. */
			if (jg_conn_pending(&ends[i]->c) && !(pfd[i].events & POLLOUT))
				pfd[i].events |= POLLOUT;
		}
		if (poll(pfd, (nfds_t)n, STEP_TIMEOUT_MS) <= 0)
			return -2;
		/* as the event loop does: readiness re-arms reads that last saw EAGAIN */
		for (i = 0; i < n; i++)
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				ends[i]->c.rd_ready = 1;
	}
}

static int run2(struct end *a, struct end *b)
{
	struct end *ends[2] = { a, b };

	return run(ends, 2);
}

static void nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void pair(struct end *srv, struct end *cli)
{
	int sv[2];

	CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	nonblock(sv[0]);
	nonblock(sv[1]);
	end_init(srv, sv[0]);
	end_init(cli, sv[1]);
}

static uint8_t *pattern(size_t len, unsigned seed)
{
	uint8_t *p = malloc(len);
	size_t i;

	for (i = 0; p && i < len; i++)
		p[i] = (uint8_t)((i * 31 + seed) ^ (i >> 8));
	return p;
}

/*
 * handshake_case: a server leg on cert/key and a client leg with trust cli and server_name,
 * exchanging a short message each way. Returns run()'s answer; *srv / *cli hold the legs' errors.
 */
static int handshake_case(const char *cert, const char *key, struct jg_tls_client *tc,
                          const char *name, struct end *s, struct end *c)
{
	static const uint8_t ping[] = "ping", pong[] = "pong";
	static uint8_t sin[sizeof ping], cin[sizeof pong];
	struct jg_tls_server *ts;
	int r = -1;

	ts = load_server(cert, key);
	if (!ts || !tc)
		return -1;
	pair(s, c);
	CHECK_EQ_INT(jg_conn_start_tls_server(&s->c, ts, NULL, 0), JG_OK);
	CHECK_EQ_INT(jg_conn_start_tls_client(&c->c, tc, name), JG_OK);
	c->out = ping;
	c->outlen = sizeof ping;
	s->in = sin;
	s->inwant = sizeof sin;
	s->out = pong;
	s->outlen = sizeof pong;
	c->in = cin;
	c->inwant = sizeof cin;
	r = run2(s, c);
	if (r == 0) {
		CHECK(memcmp(sin, ping, sizeof ping) == 0);
		CHECK(memcmp(cin, pong, sizeof pong) == 0);
	}
	jg_conn_close(&s->c);
	jg_conn_close(&c->c);
	jg_tls_server_free(ts);
	return r;
}

/* ---- tests ---- */

JG_TEST(tls_ec_handshake_and_1mib_both_ways)
{
	enum { LEN = 1 << 20 };
	struct jg_tls_server *ts;
	struct jg_tls_client *tc;
	struct end s, c;
	uint8_t *a, *b, *ain, *bin;

	if (!fixtures()) {
		CHECK(!"fixtures");
		return;
	}
	ts = load_server("ec.pem", "ec.key");
	tc = load_client(JG_TLS_VERIFY, "ca.pem");
	a = pattern(LEN, 1);
	b = pattern(LEN, 7);
	ain = calloc(1, LEN);
	bin = calloc(1, LEN);
	if (!ts || !tc || !a || !b || !ain || !bin) {
		CHECK(!"setup");
		goto out;
	}
	pair(&s, &c);
	CHECK_EQ_INT(jg_conn_start_tls_server(&s.c, ts, NULL, 0), JG_OK);
	CHECK_EQ_INT(jg_conn_start_tls_client(&c.c, tc, "localhost"), JG_OK);
	s.out = a;
	s.outlen = LEN;
	c.in = ain;
	c.inwant = LEN;
	c.out = b;
	c.outlen = LEN;
	s.in = bin;
	s.inwant = LEN;
	CHECK_EQ_INT(run2(&s, &c), 0);
	CHECK_EQ_INT(s.err, JG_OK);
	CHECK_EQ_INT(c.err, JG_OK);
	CHECK(memcmp(ain, a, LEN) == 0);
	CHECK(memcmp(bin, b, LEN) == 0);
	/* 1 MiB each way cannot fit in the socket buffers: writes must have waited. */
	CHECK(s.write_waits + c.write_waits > 0);

	/* An orderly close reaches the peer as JG_ERR_CLOSED, not as an error. */
	jg_conn_close(&s.c);
	c.in = ain;
	c.ingot = 0;
	c.inwant = 1;
	CHECK_EQ_INT(run2(&c, &c), -1);
	CHECK_EQ_INT(c.err, JG_ERR_CLOSED);
	jg_conn_close(&c.c);
	jg_conn_close(&c.c);    /* twice is safe */
	CHECK_EQ_INT(c.c.fd, -1);
out:
	free(a);
	free(b);
	free(ain);
	free(bin);
	jg_tls_server_free(ts);
	jg_tls_client_free(tc);
}

JG_TEST(tls_rsa_server_and_noverify_client)
{
	struct jg_tls_client *tc;
	struct end s, c;

	if (!fixtures()) {
		CHECK(!"fixtures");
		return;
	}
	/* NOVERIFY must still pull the right key out of a self-signed RSA and a CA-signed EC leaf. */
	tc = load_client(JG_TLS_NOVERIFY, NULL);
	CHECK_EQ_INT(handshake_case("rsa.pem", "rsa.key", tc, "localhost", &s, &c), 0);
	CHECK_EQ_INT(handshake_case("ec.pem", "ec8.key", tc, "anything.invalid", &s, &c), 0);
	CHECK_EQ_INT(handshake_case("rsa.pem", "rsa.key", tc, NULL, &s, &c), 0);
	jg_tls_client_free(tc);

	/* A self-signed certificate in the CA file is trusted directly. */
	tc = load_client(JG_TLS_VERIFY, "rsa.pem");
	CHECK_EQ_INT(handshake_case("rsa.pem", "rsa.key", tc, "localhost", &s, &c), 0);
	jg_tls_client_free(tc);
}

JG_TEST(tls_verify_right_ca_succeeds)
{
	struct jg_tls_client *tc;
	struct end s, c;

	if (!fixtures()) {
		CHECK(!"fixtures");
		return;
	}
	tc = load_client(JG_TLS_VERIFY, "ca.pem");
	CHECK_EQ_INT(handshake_case("ec.pem", "ec.key", tc, "localhost", &s, &c), 0);
	jg_tls_client_free(tc);
}

JG_TEST(tls_verify_wrong_ca_fails)
{
	struct jg_tls_client *tc;
	struct end s, c;
	struct jg_tls_server *ts;
	uint8_t buf[1];

	if (!fixtures()) {
		CHECK(!"fixtures");
		return;
	}
	tc = load_client(JG_TLS_VERIFY, "other.pem");
	ts = load_server("ec.pem", "ec.key");
	if (!tc || !ts)
		goto out;
	pair(&s, &c);
	CHECK_EQ_INT(jg_conn_start_tls_server(&s.c, ts, NULL, 0), JG_OK);
	CHECK_EQ_INT(jg_conn_start_tls_client(&c.c, tc, "localhost"), JG_OK);
	c.out = (const uint8_t *)"x";
	c.outlen = 1;
	CHECK_EQ_INT(run2(&s, &c), -1);
	CHECK_EQ_INT(c.err, JG_ERR_TLS);
	CHECK(strstr(jg_conn_tls_error(&c.c), "trust") != NULL);
	/* The server leg learns of it by an alert or the close, never by hanging. */
	jg_conn_close(&c.c);
	s.in = buf;
	s.inwant = sizeof buf;
	CHECK_EQ_INT(run2(&s, &s), -1);
	CHECK(s.err == JG_ERR_TLS || s.err == JG_ERR_CLOSED || s.err == JG_ERR_IO);
	jg_conn_close(&s.c);
out:
	jg_tls_server_free(ts);
	jg_tls_client_free(tc);
}

JG_TEST(tls_verify_wrong_name_fails)
{
	struct jg_tls_client *tc;
	struct end s, c;

	if (!fixtures()) {
		CHECK(!"fixtures");
		return;
	}
	tc = load_client(JG_TLS_VERIFY, "ca.pem");
	CHECK_EQ_INT(handshake_case("ec.pem", "ec.key", tc, "db.example.com", &s, &c), -1);
	CHECK_EQ_INT(c.err, JG_ERR_TLS);
	/* The leg is closed by handshake_case; the error code was kept in c.err. */
	jg_tls_client_free(tc);

	/* Verification without a name to check would accept any certificate: refused up front. */
	tc = load_client(JG_TLS_VERIFY, "ca.pem");
	if (tc) {
		jg_conn_init(&c.c, -1);
		CHECK_EQ_INT(jg_conn_start_tls_client(&c.c, tc, NULL), JG_ERR_TLS);
		CHECK(strstr(jg_conn_tls_error(&c.c), "server name") != NULL);
		jg_conn_close(&c.c);
	}
	jg_tls_client_free(tc);
}

JG_TEST(tls_wrong_name_message)
{
	struct jg_tls_server *ts;
	struct jg_tls_client *tc;
	struct end s, c;

	if (!fixtures()) {
		CHECK(!"fixtures");
		return;
	}
	ts = load_server("ec.pem", "ec.key");
	tc = load_client(JG_TLS_VERIFY, "ca.pem");
	if (!ts || !tc)
		goto out;
	pair(&s, &c);
	CHECK_EQ_INT(jg_conn_start_tls_server(&s.c, ts, NULL, 0), JG_OK);
	CHECK_EQ_INT(jg_conn_start_tls_client(&c.c, tc, "db.example.com"), JG_OK);
	c.out = (const uint8_t *)"x";
	c.outlen = 1;
	CHECK_EQ_INT(run2(&s, &c), -1);
	CHECK_EQ_INT(c.err, JG_ERR_TLS);
	CHECK_EQ_STR(jg_conn_tls_error(&c.c), "server certificate does not match name");
	jg_conn_close(&s.c);
	jg_conn_close(&c.c);
out:
	jg_tls_server_free(ts);
	jg_tls_client_free(tc);
}

JG_TEST(tls_load_errors_name_the_file)
{
	struct jg_tls_server *ts = NULL;
	struct jg_tls_client *tc = NULL;
	char cp[128], kp[128], err[256];

	if (!fixtures()) {
		CHECK(!"fixtures");
		return;
	}
	fx("ec.pem", cp, sizeof cp);

	fx("missing.key", kp, sizeof kp);
	err[0] = 0;
	CHECK_EQ_INT(jg_tls_server_load(&ts, cp, kp, err, sizeof err), JG_ERR_CONFIG);
	CHECK(ts == NULL);
	CHECK(strstr(err, kp) != NULL);

	fx("garbage.key", kp, sizeof kp);
	err[0] = 0;
	CHECK_EQ_INT(jg_tls_server_load(&ts, cp, kp, err, sizeof err), JG_ERR_CONFIG);
	CHECK(strstr(err, kp) != NULL);

	fx("missing.pem", cp, sizeof cp);
	fx("ec.key", kp, sizeof kp);
	err[0] = 0;
	CHECK_EQ_INT(jg_tls_server_load(&ts, cp, kp, err, sizeof err), JG_ERR_CONFIG);
	CHECK(strstr(err, cp) != NULL);

	/* A key from another pair is caught at load time, not on every handshake. */
	fx("ec.pem", cp, sizeof cp);
	fx("rsa.key", kp, sizeof kp);
	err[0] = 0;
	CHECK_EQ_INT(jg_tls_server_load(&ts, cp, kp, err, sizeof err), JG_ERR_CONFIG);
	CHECK(strstr(err, "does not match") != NULL);
	fx("other.key", kp, sizeof kp);
	CHECK_EQ_INT(jg_tls_server_load(&ts, cp, kp, err, sizeof err), JG_ERR_CONFIG);

	/* A key file given as the certificate: no CERTIFICATE in it. */
	fx("ec.key", cp, sizeof cp);
	err[0] = 0;
	CHECK_EQ_INT(jg_tls_server_load(&ts, cp, kp, err, sizeof err), JG_ERR_CONFIG);
	CHECK(strstr(err, cp) != NULL);

	fx("missing-ca.pem", cp, sizeof cp);
	err[0] = 0;
	CHECK_EQ_INT(jg_tls_client_load(&tc, JG_TLS_VERIFY, cp, err, sizeof err), JG_ERR_CONFIG);
	CHECK(tc == NULL);
	CHECK(strstr(err, cp) != NULL);
	CHECK_EQ_INT(jg_tls_client_load(&tc, JG_TLS_VERIFY, NULL, err, sizeof err), JG_ERR_CONFIG);
	fx("garbage.key", cp, sizeof cp);
	CHECK_EQ_INT(jg_tls_client_load(&tc, JG_TLS_VERIFY, cp, err, sizeof err), JG_ERR_CONFIG);
	CHECK(strstr(err, cp) != NULL);
}

/* pre_case: the server reads the first preN bytes of the ClientHello itself, as after SSLRequest. */
static void pre_case(size_t pre_n)
{
	static const uint8_t ping[] = "ping";
	struct jg_tls_server *ts;
	struct jg_tls_client *tc;
	struct end s, c;
	uint8_t pre[4096], sin[sizeof ping];
	size_t n;
	ssize_t got;
	struct pollfd pfd;

	ts = load_server("ec.pem", "ec.key");
	tc = load_client(JG_TLS_VERIFY, "ca.pem");
	if (!ts || !tc)
		goto out;
	pair(&s, &c);
	CHECK_EQ_INT(jg_conn_start_tls_client(&c.c, tc, "localhost"), JG_OK);
	CHECK_EQ_INT(jg_conn_flush(&c.c), JG_OK);      /* the ClientHello is on the wire */
	pfd.fd = s.c.fd;
	pfd.events = POLLIN;
	CHECK_EQ_INT(poll(&pfd, 1, STEP_TIMEOUT_MS), 1);
	n = JG_MIN(pre_n, sizeof pre);
	got = recv(s.c.fd, pre, n, 0);
	CHECK(got > 0);
	if (got <= 0)
		goto close;
	CHECK_EQ_INT(jg_conn_start_tls_server(&s.c, ts, pre, (size_t)got), JG_OK);
	c.out = ping;
	c.outlen = sizeof ping;
	s.in = sin;
	s.inwant = sizeof sin;
	CHECK_EQ_INT(run2(&s, &c), 0);
	CHECK(memcmp(sin, ping, sizeof ping) == 0);
close:
	jg_conn_close(&s.c);
	jg_conn_close(&c.c);
out:
	jg_tls_server_free(ts);
	jg_tls_client_free(tc);
}

JG_TEST(tls_pre_bytes_fed_to_server)
{
	struct jg_tls_server *ts;
	struct end s;
	static const uint8_t junk[] = "GET / HTTP/1.0\r\n";

	if (!fixtures()) {
		CHECK(!"fixtures");
		return;
	}
	pre_case(5);            /* the record header alone */
	pre_case(11);           /* into the handshake message */
	pre_case(4096);         /* the whole ClientHello */

	/* Bytes that are not TLS fail at start, with a reason. */
	ts = load_server("ec.pem", "ec.key");
	if (!ts)
		return;
	end_init(&s, -1);
	CHECK_EQ_INT(jg_conn_start_tls_server(&s.c, ts, junk, sizeof junk - 1), JG_ERR_TLS);
	CHECK(strlen(jg_conn_tls_error(&s.c)) > 0);
	jg_conn_close(&s.c);
	jg_tls_server_free(ts);
}

JG_TEST(tls_error_names)
{
	struct jg_conn c;

	jg_conn_init(&c, -1);
	CHECK_EQ_STR(jg_conn_tls_error(&c), "no TLS on this leg");
}

/* ---- interop with openssl s_client ---- */

static pid_t spawn_s_client(int port, const char *ca, int *to_child, int *from_child)
{
	char addr[32], cap[128], logp[128];
	int in[2], out[2];
	pid_t pid;

	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	fx(ca, cap, sizeof cap);
	fx("s_client.log", logp, sizeof logp);
	if (pipe(in) != 0)
		return -1;
	if (pipe(out) != 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		int logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);

		dup2(in[0], 0);
		dup2(out[1], 1);
		if (logfd >= 0)
			dup2(logfd, 2);
		close(in[1]);
		close(out[0]);
		/* Verification errors are fatal for s_client here: our chain must be right too. */
		execlp("openssl", "openssl", "s_client", "-connect", addr, "-quiet",
		       "-CAfile", cap, "-verify_return_error", "-verify_hostname", "localhost",
		       "-servername", "localhost", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*to_child = in[1];
	*from_child = out[0];
	return pid;
}

static int wait_child(pid_t pid, int *status)
{
	int i;

	for (i = 0; i < 500; i++) {     /* 5 s */
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

static void s_client_case(const char *cert, const char *key, const char *ca)
{
	static const char line[] = "hello jitgate over openssl\n";
	struct jg_tls_server *ts;
	struct sockaddr_in sa;
	socklen_t salen = sizeof sa;
	struct pollfd pfd;
	struct end s;
	uint8_t sin[sizeof line - 1];
	char back[sizeof line];
	size_t got = 0;
	ssize_t n;
	int lfd, fd, to = -1, from = -1, status = 0;
	pid_t pid = -1;

	ts = load_server(cert, key);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (!ts || lfd < 0)
		goto out;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ_INT(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	CHECK_EQ_INT(listen(lfd, 1), 0);
	CHECK_EQ_INT(getsockname(lfd, (struct sockaddr *)&sa, &salen), 0);
	pid = spawn_s_client(ntohs(sa.sin_port), ca, &to, &from);
	CHECK(pid > 0);
	if (pid <= 0)
		goto out;
	CHECK_EQ_INT(write(to, line, sizeof line - 1), (long long)(sizeof line - 1));

	pfd.fd = lfd;
	pfd.events = POLLIN;
	CHECK_EQ_INT(poll(&pfd, 1, STEP_TIMEOUT_MS), 1);
	fd = accept(lfd, NULL, NULL);
	CHECK(fd >= 0);
	if (fd < 0)
		goto out;
	nonblock(fd);
	end_init(&s, fd);
	CHECK_EQ_INT(jg_conn_start_tls_server(&s.c, ts, NULL, 0), JG_OK);
	s.in = sin;
	s.inwant = sizeof sin;
	CHECK_EQ_INT(run2(&s, &s), 0);
	if (s.err)
		fprintf(stderr, "test_tls: s_client case: %s\n", jg_conn_tls_error(&s.c));
	CHECK(memcmp(sin, line, sizeof sin) == 0);

	/* Echo it back; s_client prints it on stdout. */
	s.out = sin;
	s.outlen = sizeof sin;
	CHECK_EQ_INT(run2(&s, &s), 0);
	pfd.fd = from;
	while (got < sizeof line - 1 && poll(&pfd, 1, STEP_TIMEOUT_MS) == 1) {
		n = read(from, back + got, sizeof back - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	back[got] = 0;
	CHECK_EQ_STR(back, line);

	/* close_notify ends s_client (-quiet ignores stdin EOF, so only our close can end it). */
	jg_conn_close(&s.c);
	CHECK_EQ_INT(wait_child(pid, &status), 0);
	pid = -1;
out:
	if (pid > 0)
		wait_child(pid, &status);
	if (to >= 0)
		close(to);
	if (from >= 0)
		close(from);
	if (lfd >= 0)
		close(lfd);
	jg_tls_server_free(ts);
}

JG_TEST(tls_interop_openssl_s_client)
{
	void (*old)(int);

	if (!fixtures()) {
		CHECK(!"fixtures");
		return;
	}
	old = signal(SIGPIPE, SIG_IGN);         /* a dead s_client must fail a check, not the run */
	s_client_case("ec.pem", "ec.key", "ca.pem");
	s_client_case("rsa.pem", "rsa.key", "rsa.pem");
	signal(SIGPIPE, old);
}

JG_TEST(tls_plain_leg_passthrough)
{
	struct jg_conn a, b;
	uint8_t buf[8];
	size_t n = 99;
	int sv[2];

	CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	nonblock(sv[0]);
	nonblock(sv[1]);
	jg_conn_init(&a, sv[0]);
	jg_conn_init(&b, sv[1]);
	CHECK_EQ_INT(jg_conn_read(&b, buf, sizeof buf, &n), JG_WAIT);
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(jg_conn_write(&a, (const uint8_t *)"abc", 3, &n), JG_OK);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(jg_conn_flush(&a), JG_OK);
	CHECK_EQ_INT(jg_conn_pending(&a), 0);
	CHECK_EQ_INT(jg_conn_events(&a), EPOLLIN);
	/* The last read saw EAGAIN: no system call until readiness is reported again. */
	CHECK_EQ_INT(b.rd_ready, 0);
	CHECK_EQ_INT(jg_conn_read(&b, buf, sizeof buf, &n), JG_WAIT);
	b.rd_ready = 1;                 /* what the event loop does on EPOLLIN */
	CHECK_EQ_INT(jg_conn_read(&b, buf, sizeof buf, &n), JG_OK);
	CHECK_EQ_INT(n, 3);
	CHECK(memcmp(buf, "abc", 3) == 0);
	CHECK_EQ_INT(b.rd_ready, 0);    /* a short read emptied the socket */
	jg_conn_close(&a);
	b.rd_ready = 1;                 /* epoll reports the hang-up as readable */
	CHECK_EQ_INT(jg_conn_read(&b, buf, sizeof buf, &n), JG_ERR_CLOSED);
	CHECK_EQ_INT(jg_conn_write(&b, (const uint8_t *)"x", 1, &n), JG_ERR_IO);
	jg_conn_close(&b);
}
