/* session.c: a client connection and its backend connection; see session.h. */
#include "proto/session.h"

#include "cred/cred.h"

#include "net/loop.h"
#include "policy/policy.h"
#include "tls/tls.h"

#include <bearssl.h>
#include <stdarg.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Error codes the gateway sends (ERR packets); see docs/errors.md. */
#define ER_ACCESS_DENIED 1045           /* SQLSTATE 28000: token refused, TLS missing */
#define ER_HANDSHAKE 1043               /* SQLSTATE 08S01: bad handshake */
#define ER_NOT_SUPPORTED 1235           /* SQLSTATE 42000: a command the gateway refuses */
#define ER_MALFORMED_PACKET 1835        /* SQLSTATE HY000: the client broke the framing */
#define ER_POLICY 1142                  /* SQLSTATE 42000: the policy denies or holds a statement */
/* Backend unreachable or refusing the gateway: a server-range code, since clients treat codes
 * of 2000 and above as their own (libmariadb reports them as a malformed packet). */
#define ER_BACKEND 1105                 /* SQLSTATE 08S01 / 08004 */
#define ER_TOO_MANY_USER_CONNECTIONS 1203 /* SQLSTATE 42000: a role's max_connections */
#define ER_CONNECTION_KILLED 1927       /* SQLSTATE 70100: the token expired during the session */

enum { STEP_BLOCKED = 0, STEP_PROGRESS = 1 };

static int client_command_waits(const struct jg_session *s);
static void set_database(struct jg_session *s, const uint8_t *name, size_t len);

static void fail(struct jg_session *s, const char *why);
static void refuse(struct jg_session *s, uint16_t code, const char *state, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- small helpers -------------------------------------------------------------------- */

static int out_put(struct jg_out *o, size_t n)
{
	if (n == 0)
		return JG_ERR_TOOBIG;
	o->len += n;
	return JG_OK;
}

static size_t out_room(const struct jg_out *o) { return sizeof(o->buf) - o->len; }
static uint8_t *out_tail(struct jg_out *o) { return o->buf + o->len; }

/* out_flush: writes what the gateway queued on a leg; JG_OK when all of it reached the kernel. */
static int out_flush(struct jg_conn *c, struct jg_out *o)
{
	size_t put;
	int rc;

	while (o->off < o->len) {
		rc = jg_conn_write(c, o->buf + o->off, o->len - o->off, &put);
		if (rc != JG_OK) {
			if (rc == JG_WAIT)
				jg_conn_flush(c);
			return rc;
		}
		o->off += put;
	}
	o->off = o->len = 0;
	return jg_conn_flush(c);
}

static void dir_reset(struct jg_dir *d)
{
	d->w = d->r = d->end = 0;
	memset(&d->f, 0, sizeof(d->f));
	d->discard = 0;
}

/* dir_hold: the direction's buffer, from the worker's pool, before bytes are read into it. */
static int dir_hold(struct jg_session *s, struct jg_dir *d)
{
	if (!d->buf && !(d->buf = jg_worker_buf_get(s->wk)))
		return JG_ERR_NOMEM;
	return JG_OK;
}

/*
 * dir_release: gives an empty buffer back to the pool, so an idle session holds none (the frame
 * state stays: a packet may be half forwarded with nothing buffered).
 */
static void dir_release(struct jg_session *s, struct jg_dir *d, int force)
{
	if (!d->buf || (!force && (d->w != d->end || d->r != d->end)))
		return;
	jg_worker_buf_put(s->wk, d->buf);
	d->buf = NULL;
	d->w = d->r = d->end = 0;
}

/*
 * read_packet: one whole packet (connection phase only, where packets are small). The payload
 * stays valid until the next call on the same direction.
 */
static int read_packet(struct jg_session *s, struct jg_conn *c, struct jg_dir *d,
                       const uint8_t **payload, uint32_t *len, uint8_t *seq)
{
	size_t avail, got;
	int rc;

	if ((rc = dir_hold(s, d)) != JG_OK)
		return rc;
	for (;;) {
		avail = d->end - d->r;
		if (avail >= JG_FRAME_HDR) {
			jg_frame_parse_header(&d->f, d->buf + d->r);
			if (d->f.len > JG_DIR_BUF - JG_FRAME_HDR)
				return JG_ERR_TOOBIG;
			if (avail >= JG_FRAME_HDR + d->f.len) {
				*payload = d->buf + d->r + JG_FRAME_HDR;
				*len = d->f.len;
				*seq = d->f.seq;
				d->r += JG_FRAME_HDR + d->f.len;
				return JG_OK;
			}
		}
		if (d->r > 0) {
			memmove(d->buf, d->buf + d->r, avail);
			d->r = 0;
			d->end = avail;
		}
		rc = jg_conn_read(c, d->buf + d->end, JG_DIR_BUF - d->end, &got);
		if (rc != JG_OK)
			return rc;
		d->end += got;
	}
}

static void wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

/* printable: copies s into out with non-printable bytes as '?', for messages and logs. */
static const char *printable(const char *s, char *out, size_t cap)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < cap; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'') ? s[i] : '?';
	out[i] = '\0';
	return out;
}

/* ---- life cycle ----------------------------------------------------------------------- */

static struct jg_session *session_new(struct jg_gateway *gw, struct jg_worker *wk)
{
	struct jg_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->gw = gw;
	s->wk = wk;
	s->cl.fd = -1;
	s->be.fd = -1;
	s->cl_ev.s = s->be_ev.s = s;
	s->cl_ev.leg = JG_LEG_CLIENT;
	s->be_ev.leg = JG_LEG_BACKEND;
	s->id = atomic_fetch_add(&gw->next_conn_id, 1) + 1;
	return s;
}

static void close_backend(struct jg_session *s)
{
	jg_conn_close(&s->be);
}

/* release_cred: the session's database user is no longer needed: dropped in the background. */
static void release_cred(struct jg_session *s, const char *reason)
{
	if (!s->lease)
		return;
	jg_cred_release(s->lease, reason);
	s->lease = NULL;
	s->be_user = s->be_pass = NULL;
}

void jg_session_close(struct jg_session *s)
{
	release_cred(s, s->end_reason ? s->end_reason : JG_CRED_ENDED);
	jg_conn_close(&s->cl);
	close_backend(s);
	dir_release(s, &s->c2b, 1);
	dir_release(s, &s->b2c, 1);
	s->phase = JG_PH_DEAD;
}

/* kill_backend_query: the client went away while the backend works for it: kill that thread. */
static void kill_backend_query(struct jg_session *s)
{
	struct jg_session *k;

	if (!s->be_greet.thread_id)
		return;
	jg_log(JG_LOG_INFO, "session %u: client left during a command; killing backend thread %u",
	       s->id, s->be_greet.thread_id);
	k = jg_session_killer(s->gw, s->wk, s->be_greet.thread_id);
	if (!k)
		jg_log(JG_LOG_ERR, "session %u: could not start the kill of backend thread %u",
		       s->id, s->be_greet.thread_id);
}

static void client_gone(struct jg_session *s)
{
	if (s->phase == JG_PH_COMMAND && !jg_resp_done(&s->resp))
		kill_backend_query(s);
	jg_session_close(s);
}

/* fail: the session cannot go on and nobody can be told; log and end. */
static void fail(struct jg_session *s, const char *why)
{
	jg_log(JG_LOG_INFO, "session %u: closed: %s", s->id, why);
	jg_session_close(s);
}

/*
 * refuse: an ERR to the client, then DRAIN. During the connection phase the ERR takes the next
 * sequence id of the handshake; in the command phase it answers the current command.
 */
static void refuse(struct jg_session *s, uint16_t code, const char *state, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jg_log(JG_LOG_INFO, "session %u: refused (%u %s): %s", s->id, code, state, msg);
	/* A refused session never logs in: its database user (or the one on its way) goes now. */
	release_cred(s, s->end_reason ? s->end_reason : JG_CRED_ENDED);
	if (s->cl.fd < 0) {
		jg_session_close(s);
		return;
	}
	n = jg_pkt_build_err(out_tail(&s->cout), out_room(&s->cout), s->cl_seq, code, state, msg);
	out_put(&s->cout, n);
	close_backend(s);
	s->phase = JG_PH_DRAIN;
	s->deadline_ms = jg_now_ms() + 2000;
}

/* ---- client leg: connection phase ------------------------------------------------------ */

struct jg_session *jg_session_accept(struct jg_gateway *gw, struct jg_worker *wk, int fd)
{
	struct jg_session *s = session_new(gw, wk);
	char version[128];
	uint32_t caps;
	uint8_t charset;
	br_hmac_drbg_context rng;
	br_prng_seeder seeder = br_prng_seeder_system(NULL);
	size_t n;

	if (!s) {
		close(fd);
		return NULL;
	}
	jg_conn_init(&s->cl, fd);
	jg_hs_client_init(&s->hs_cl);
	br_hmac_drbg_init(&rng, &br_sha256_vtable, NULL, 0);
	if (!seeder || !seeder(&rng.vtable)) {
		jg_log(JG_LOG_ERR, "no system random source for the scramble");
		goto fail;
	}
	br_hmac_drbg_generate(&rng, s->scramble, sizeof(s->scramble));
	for (size_t i = 0; i < sizeof(s->scramble); i++)    /* the scramble is a C string */
		s->scramble[i] = (uint8_t)(s->scramble[i] % 94 + 33);

	pthread_mutex_lock(&gw->ver_mu);
	snprintf(version, sizeof(version), "%s-jitgate", gw->backend_version);
	caps = (gw->backend_caps & JG_CAPS_OFFERED) | JG_CLIENT_SSL | JG_CLIENT_PLUGIN_AUTH |
	       JG_CLIENT_SECURE_CONNECTION | JG_CLIENT_PROTOCOL_41;
	charset = gw->backend_charset;
	pthread_mutex_unlock(&gw->ver_mu);

	n = jg_hs_build_greeting(s->cout.buf, sizeof(s->cout.buf), version, s->id, s->scramble,
	                         caps, charset, 0x0002 /* autocommit */);
	if (out_put(&s->cout, n) != JG_OK)
		goto fail;
	s->cl_seq = 1;
	s->phase = JG_PH_GREETING;
	s->deadline_ms = jg_now_ms() + (int64_t)gw->cfg->handshake_timeout * 1000;
	if (jg_worker_add(wk, s, fd, JG_LEG_CLIENT, EPOLLIN | EPOLLOUT | EPOLLRDHUP) != JG_OK)
		goto fail;
	jg_session_event(s, JG_LEG_CLIENT, EPOLLOUT);
	return s;
fail:
	jg_conn_close(&s->cl);
	free(s);
	return NULL;
}

void jg_hs_on_ssl_request(struct jg_session *s)
{
	struct jg_dir *d = &s->c2b;
	int rc;

	/* Bytes read past the SSLRequest are the start of the ClientHello. */
	rc = jg_conn_start_tls_server(&s->cl, s->gw->tls, d->buf + d->r, d->end - d->r);
	dir_reset(d);
	if (rc != JG_OK) {
		fail(s, "cannot start TLS");
		return;
	}
	s->tls_up = 1;
	s->cl_seq = (uint8_t)(s->pkt_seq + 1);
}

static void send_auth_more(struct jg_session *s, const uint8_t *data, size_t len)
{
	out_put(&s->cout, jg_pkt_build(out_tail(&s->cout), out_room(&s->cout), s->cl_seq++, data, len));
}

static void verify_token(struct jg_session *s, const uint8_t *tok, size_t len);

void jg_hs_on_response(struct jg_session *s)
{
	struct jg_hs_response *h = &s->hello;
	char user[JG_NAME_MAX];
	int rc;

	s->cl_seq = (uint8_t)(s->pkt_seq + 1);
	rc = jg_hs_parse_response(s->pkt, s->pkt_len, h);
	if (rc != JG_OK) {
		refuse(s, ER_HANDSHAKE, "08S01", "Bad handshake: %s in the handshake response",
		       rc == JG_ERR_TOOBIG ? "a name too long" : "malformed fields");
		return;
	}
	if (!s->tls_up) {
		refuse(s, ER_ACCESS_DENIED, "28000",
		       "Access denied for user '%s': jitgate requires TLS; connect with TLS enabled "
		       "(mariadb --ssl, PyMySQL ssl=..., mysql2 ssl: {...}) and the token as password",
		       printable(h->user, user, sizeof(user)));
		return;
	}
	if (h->caps & JG_CLIENT_COMPRESS) {
		/* Not offered in the greeting: a client that asks anyway would compress. */
		refuse(s, ER_HANDSHAKE, "08S01", "Bad handshake: compression is not available "
		       "through jitgate; connect without it");
		return;
	}
	/* Clients ask for LOCAL INFILE unasked; the backend never gets it, so LOAD DATA LOCAL
	 * fails at the server with its own clear error. */
	h->caps &= JG_CAPS_OFFERED | JG_CLIENT_SSL;
	s->phase = JG_PH_AUTH;
	if (strcmp(h->plugin, "mysql_clear_password") == 0) {
		verify_token(s, h->auth, h->auth_len);
	} else if (strcmp(h->plugin, "caching_sha2_password") == 0) {
		/* Ask for full authentication: over TLS the client sends the password as is. */
		static const uint8_t full[] = { 0x01, 0x04 };

		s->auth_step = 1;
		send_auth_more(s, full, sizeof(full));
	} else {
		/* Any other plugin: switch to caching_sha2_password, which every client we know has. */
		uint8_t sw[1 + 22 + JG_SCRAMBLE_LEN + 1];

		sw[0] = 0xfe;
		memcpy(sw + 1, "caching_sha2_password", 22);
		memcpy(sw + 23, s->scramble, JG_SCRAMBLE_LEN);
		sw[sizeof(sw) - 1] = 0;
		s->auth_step = 0;
		send_auth_more(s, sw, sizeof(sw));
	}
	h->auth = NULL;
	h->auth_len = 0;
}

void jg_hs_on_auth_data(struct jg_session *s)
{
	static const uint8_t full[] = { 0x01, 0x04 };

	s->cl_seq = (uint8_t)(s->pkt_seq + 1);
	if (s->phase != JG_PH_AUTH)
		return;
	if (s->auth_step == 0) {        /* the scramble answer to our switch: ignore, ask for all */
		s->auth_step = 1;
		send_auth_more(s, full, sizeof(full));
		return;
	}
	verify_token(s, s->pkt, s->pkt_len);
}

static void start_backend(struct jg_session *s);
static void get_cred(struct jg_session *s);

static void verify_token(struct jg_session *s, const uint8_t *tok, size_t len)
{
	const struct jg_policy *pol;
	const char *refusal;
	char why[256], user[JG_NAME_MAX];
	int rc;

	while (len > 0 && tok[len - 1] == '\0')   /* clear passwords end with a NUL */
		len--;
	printable(s->hello.user, user, sizeof(user));
	if (len == 0) {
		refuse(s, ER_ACCESS_DENIED, "28000", "Access denied for user '%s': no token given; "
		       "use an OIDC token as the password", user);
		return;
	}
	/* Checked where it lies in the packet buffer (jg_auth_verify bounds its length), then
	 * wiped: the token is never copied. */
	rc = jg_auth_verify(s->gw->auth, (const char *)tok, len, (int64_t)time(NULL), &s->who, why,
	                    sizeof(why));
	wipe((void *)tok, len);
	if (rc != JG_OK) {
		refuse(s, ER_ACCESS_DENIED, "28000", "Access denied for user '%s': %s", user, why);
		return;
	}
	jg_log(JG_LOG_INFO, "session %u: login user=%s sub=%s iss=%s jti=%s groups=%s", s->id, user,
	       s->who.sub, s->who.iss, s->who.jti[0] ? s->who.jti : "-", s->who.groups);
	/* With a policy, the user name is the role asked for: refuse at once what no statement
	 * could be allowed under, rather than at the first query. */
	pol = atomic_load(&s->gw->policy);
	if (pol && (refusal = jg_policy_role_refusal(pol, s->hello.user, s->who.groups))) {
		refuse(s, ER_ACCESS_DENIED, "28000", "Access denied for user '%s': %s", user, refusal);
		return;
	}
	/* The session lives as long as the token (plus the grace), however long it stays busy. */
	if (s->who.exp > 0) {
		s->expires_at = s->who.exp + s->gw->cfg->cred_grace;
		s->expires_ms = jg_now_ms() + (s->expires_at - (int64_t)time(NULL)) * 1000;
	}
	get_cred(s);
}

static void cred_ready(struct jg_lease *l);

/* cred_notify: on a credentials thread: hand the lease to the session's worker and nothing
 * more (the session may have ended meanwhile; jg_cred_settle tells, on the worker). */
static void cred_notify(struct jg_lease *l)
{
	jg_worker_post(l->notify_arg, &l->post);
}

/* cred_posted: on the worker, the lease cred_notify handed over. */
static void cred_posted(struct jg_post *p)
{
	struct jg_lease *l = (struct jg_lease *)((char *)p - offsetof(struct jg_lease, post));

	if (jg_cred_settle(l) != JG_OK)
		return;                 /* the session had ended: its user is being dropped */
	cred_ready(l);
}

/* get_cred: the database user this session logs in as: its own just-in-time user, a role's
 * existing account, or in shared mode [backend] user. */
static void get_cred(struct jg_session *s)
{
	struct jg_lease *l;
	int rc;

	if (!s->gw->cred) {
		s->be_user = s->gw->cfg->backend_user;
		s->be_pass = s->gw->cfg->backend_password;
		start_backend(s);
		return;
	}
	l = jg_cred_lease_new(s->gw->cred, s->hello.user, s->who.sub, s->id,
	                      s->expires_at ? s->expires_at : (int64_t)time(NULL) + 86400);
	if (!l) {
		refuse(s, ER_BACKEND, "08004", "jitgate is out of memory; try again later");
		return;
	}
	l->owner = s;
	l->notify = cred_notify;
	l->notify_arg = s->wk;
	l->post.fn = cred_posted;
	s->lease = l;
	rc = jg_cred_acquire(l);
	if (rc == JG_WAIT) {
		s->phase = JG_PH_CRED;
		s->deadline_ms = jg_now_ms() + 15000;
		return;
	}
	cred_ready(l);
}

/* cred_ready: the lease is answered (at once, or later on this worker). */
static void cred_ready(struct jg_lease *l)
{
	struct jg_session *s = l->owner;
	int deferred = s->phase == JG_PH_CRED;

	if (l->rc == JG_ERR_AUTH) {
		refuse(s, ER_TOO_MANY_USER_CONNECTIONS, "42000", "%s", l->why);
	} else if (l->rc != JG_OK || !l->user[0]) {
		refuse(s, ER_BACKEND, "08004", "%s", l->why[0] ? l->why :
		       "jitgate could not make a database user; try again");
	} else {
		/* A role's ttl may end the session before the token does. */
		if (l->expires < s->expires_at || !s->expires_at) {
			s->expires_ms = jg_now_ms() + (l->expires - (int64_t)time(NULL)) * 1000;
			s->expires_at = l->expires;
		}
		s->be_user = l->user;
		s->be_pass = l->password;
		start_backend(s);
	}
	if (deferred)
		jg_session_event(s, JG_LEG_LISTEN, 0);
}

/* ---- backend leg: connection phase ---------------------------------------------------- */

static void start_backend(struct jg_session *s)
{
	struct jg_gateway *gw = s->gw;
	int fd, one = 1;

	s->phase = JG_PH_BACKEND;
	jg_hs_backend_init(&s->hs_be);
	fd = socket(gw->backend_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto unreachable;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	jg_conn_init(&s->be, fd);
	if (connect(fd, (struct sockaddr *)&gw->backend_addr, gw->backend_addrlen) < 0 &&
	    errno != EINPROGRESS)
		goto unreachable;
	s->be_connecting = 1;
	if (jg_worker_add(s->wk, s, fd, JG_LEG_BACKEND, EPOLLOUT | EPOLLIN) != JG_OK)
		goto unreachable;
	return;
unreachable:
	refuse(s, ER_BACKEND, "08S01", "jitgate cannot reach the database at %s (%s); try again "
	       "later or ask the gateway operator", gw->cfg->backend_address, strerror(errno));
}

static void backend_refused(struct jg_session *s, const char *fmt, const char *detail)
{
	if (s->kill_id) {
		jg_log(JG_LOG_ERR, "kill of backend thread %u failed: %s", s->kill_id, detail);
		jg_session_close(s);
		return;
	}
	refuse(s, ER_BACKEND, "08004", fmt, detail);
}

/* backend_auth: our answer to a scramble for plugin, queued on the backend leg. */
static int backend_auth(struct jg_session *s, const char *plugin, const uint8_t *scramble,
                        size_t scramble_len, int in_response)
{
	uint8_t auth[32];
	int n;
	size_t len;

	n = jg_hs_scramble(plugin, s->be_pass, scramble, scramble_len, auth);
	if (n < 0)
		return JG_ERR_UNSUPPORTED;
	if (in_response)
		len = jg_hs_build_response(out_tail(&s->bout), out_room(&s->bout), s->be_seq++,
		                           s->be_caps, s->hello.max_packet ? s->hello.max_packet : 16777216,
		                           s->hello.charset ? s->hello.charset : s->be_greet.charset,
		                           s->be_user, auth, (size_t)n,
		                           s->hello.db, plugin);
	else
		len = jg_pkt_build(out_tail(&s->bout), out_room(&s->bout), s->be_seq++, auth, (size_t)n);
	wipe(auth, sizeof(auth));
	return out_put(&s->bout, len);
}

void jg_hs_on_greeting(struct jg_session *s)
{
	struct jg_gateway *gw = s->gw;
	struct jg_greeting *g = &s->be_greet;
	uint8_t req[64];
	size_t n;
	int rc;

	s->be_seq = (uint8_t)(s->pkt_seq + 1);
	if (jg_hs_parse_greeting(s->pkt, s->pkt_len, g) != JG_OK) {
		backend_refused(s, "jitgate could not log in to the database: %s", "malformed greeting");
		return;
	}
	jg_gateway_set_backend(gw, g->version, g->caps, g->charset);
	s->be_caps = (s->hello.caps & g->caps & JG_CAPS_OFFERED) | JG_CLIENT_PROTOCOL_41 |
	             JG_CLIENT_SECURE_CONNECTION | JG_CLIENT_PLUGIN_AUTH | JG_CLIENT_LONG_PASSWORD;
	s->be_caps &= ~(uint32_t)JG_CLIENT_CONNECT_ATTRS;
	if (s->hello.db[0])
		s->be_caps |= JG_CLIENT_CONNECT_WITH_DB;
	else
		s->be_caps &= ~(uint32_t)JG_CLIENT_CONNECT_WITH_DB;
	if (!s->kill_id && (s->be_caps & JG_CAPS_MUST_MATCH) != (s->hello.caps & JG_CAPS_MUST_MATCH)) {
		backend_refused(s, "jitgate could not log in to the database: %s",
		                "its capabilities changed since this connection began; reconnect");
		return;
	}
	if (gw->backend_tls) {
		if (!(g->caps & JG_CLIENT_SSL)) {
			backend_refused(s, "jitgate could not log in to the database: %s",
			                "the database does not offer TLS and [backend] tls requires it");
			return;
		}
		s->be_caps |= JG_CLIENT_SSL;
		n = jg_hs_build_ssl_request(req, sizeof(req), s->be_seq++, s->be_caps, 16777216,
		                            s->hello.charset ? s->hello.charset : g->charset);
		/* A fresh socket's send buffer takes 36 bytes whole; anything else is a dead link. */
		if (send(s->be.fd, req, n, MSG_NOSIGNAL) != (ssize_t)n ||
		    jg_conn_start_tls_client(&s->be, gw->backend_tls, gw->backend_host) != JG_OK) {
			backend_refused(s, "jitgate could not log in to the database: %s",
			                "TLS could not start");
			return;
		}
	}
	rc = backend_auth(s, g->plugin, g->scramble, JG_SCRAMBLE_LEN, 1);
	if (rc == JG_ERR_UNSUPPORTED)   /* answer with a native scramble; the server will switch */
		rc = backend_auth(s, "mysql_native_password", g->scramble, JG_SCRAMBLE_LEN, 1);
	if (rc != JG_OK)
		backend_refused(s, "jitgate could not log in to the database: %s",
		                "handshake response too large");
}

void jg_hs_on_auth_switch(struct jg_session *s)
{
	char plugin[64];
	const uint8_t *p = s->pkt + 1, *nul;
	size_t left = s->pkt_len - 1, n;

	s->be_seq = (uint8_t)(s->pkt_seq + 1);
	nul = memchr(p, 0, left);
	if (!nul || (size_t)(nul - p) >= sizeof(plugin)) {
		backend_refused(s, "jitgate could not log in to the database: %s", "bad auth switch");
		return;
	}
	memcpy(plugin, p, (size_t)(nul - p) + 1);
	p = nul + 1;
	left = s->pkt_len - (size_t)(p - s->pkt);
	if (left > 0 && p[left - 1] == 0)
		left--;
	if (strcmp(plugin, "mysql_clear_password") == 0) {
		if (!s->gw->backend_tls) {
			backend_refused(s, "jitgate could not log in to the database: %s",
			                "it asked for a clear-text password without TLS");
			return;
		}
		n = jg_pkt_build(out_tail(&s->bout), out_room(&s->bout), s->be_seq++,
		                 s->be_pass, strlen(s->be_pass) + 1);
		out_put(&s->bout, n);
		return;
	}
	if (left < JG_SCRAMBLE_LEN || backend_auth(s, plugin, p, JG_SCRAMBLE_LEN, 0) != JG_OK)
		backend_refused(s, "jitgate could not log in to the database: unsupported "
		                "authentication plugin %s", plugin);
	else
		memcpy(s->be_greet.scramble, p, JG_SCRAMBLE_LEN);
}

void jg_hs_on_more_data(struct jg_session *s)
{
	size_t n;

	s->be_seq = (uint8_t)(s->pkt_seq + 1);
	/* caching_sha2_password: 0x03 fast path done (OK follows), 0x04 full authentication. */
	if (s->pkt_len == 2 && s->pkt[1] == 0x03)
		return;
	if (s->pkt_len == 2 && s->pkt[1] == 0x04 && s->gw->backend_tls) {
		n = jg_pkt_build(out_tail(&s->bout), out_room(&s->bout), s->be_seq++,
		                 s->be_pass, strlen(s->be_pass) + 1);
		out_put(&s->bout, n);
		return;
	}
	backend_refused(s, "jitgate could not log in to the database: %s",
	                "it asks for caching_sha2_password full authentication, which needs "
	                "[backend] tls = on or verify");
}

static void start_kill(struct jg_session *s);

/* enter_command: both legs are logged in: the client gets its OK and commands may flow. */
static void enter_command(struct jg_session *s)
{
	out_put(&s->cout, jg_pkt_build_ok(out_tail(&s->cout), out_room(&s->cout), s->cl_seq,
	                                  s->login_status));
	s->resp.cs = jg_resp_entry(JG_RESP_IDLE);
	s->resp.busy = 0;
	dir_reset(&s->c2b);
	dir_reset(&s->b2c);
	dir_release(s, &s->c2b, 1);
	dir_release(s, &s->b2c, 1);
	s->phase = JG_PH_COMMAND;
	s->deadline_ms = s->gw->cfg->idle_timeout > 0 ?
	                 jg_now_ms() + (int64_t)s->gw->cfg->idle_timeout * 1000 : 0;
	jg_log(JG_LOG_DEBUG, "session %u: backend thread %u", s->id, s->be_greet.thread_id);
}

void jg_hs_on_login_ok(struct jg_session *s)
{
	static const char q[] = "\x03SELECT @@SESSION.sql_mode";
	uint64_t v;
	size_t off = 1, n;

	s->login_status = 0x0002;
	if ((n = jg_lenenc(s->pkt + off, s->pkt_len - off, &v)) && (off += n) &&
	    (n = jg_lenenc(s->pkt + off, s->pkt_len - off, &v)) && off + n + 2 <= s->pkt_len)
		s->login_status = (uint16_t)jg_le16(s->pkt + off + n);
	if (s->kill_id) {
		start_kill(s);
		return;
	}
	memset(&s->resp, 0, sizeof(s->resp));
	s->resp.deprecate_eof = !!(s->be_caps & JG_CLIENT_DEPRECATE_EOF);
	memset(&s->sql, 0, sizeof(s->sql));
	set_database(s, (const uint8_t *)s->hello.db, strlen(s->hello.db));
	if (!atomic_load(&s->gw->policy)) {
		enter_command(s);
		return;
	}
	/* The classifier must read strings as the server will: ask the session's sql_mode. */
	out_put(&s->bout, jg_pkt_build(out_tail(&s->bout), out_room(&s->bout), 0, q, sizeof(q) - 1));
	jg_resp_expect(&s->resp, JG_COM_QUERY);
	s->phase = JG_PH_SQLMODE;
}

static int step_sqlmode(struct jg_session *s)
{
	const uint8_t *p;
	uint32_t len;
	uint8_t seq;
	uint64_t vlen;
	size_t used;
	uint64_t rows = s->resp.rows;
	int rc;

	rc = out_flush(&s->be, &s->bout);
	if (rc != JG_OK && rc != JG_WAIT)
		goto fail;
	rc = read_packet(s, &s->be, &s->b2c, &p, &len, &seq);
	if (rc == JG_WAIT)
		return STEP_BLOCKED;
	if (rc != JG_OK || jg_resp_packet(&s->resp, p, len, len) != JG_OK || s->resp.sym == 'e')
		goto fail;
	if (s->resp.rows > rows) {
		/* the one row: the value as a length-encoded string */
		used = jg_lenenc(p, len, &vlen);
		if (!used || vlen > len - used ||
		    jg_sql_mode_parse((const char *)p + used, (size_t)vlen, &s->sql_mode0) != 0)
			goto fail;      /* a mode this gateway does not know could change lexing */
		s->sql.sql_mode = s->sql_mode0;
	}
	if (jg_resp_done(&s->resp))
		enter_command(s);
	return STEP_PROGRESS;
fail:
	refuse(s, ER_BACKEND, "08004", "jitgate could not read the session's sql_mode from the "
	       "database, which it needs to read statements as the server does; try again");
	return STEP_PROGRESS;
}

void jg_hs_on_login_err(struct jg_session *s)
{
	char msg[256];
	size_t n = 0;

	/* ERR: 0xff, code<2>, '#', sqlstate<5>, message */
	if (s->pkt_len > 9) {
		n = JG_MIN(s->pkt_len - 9, sizeof(msg) - 1);
		memcpy(msg, s->pkt + 9, n);
	}
	msg[n] = '\0';
	jg_log(JG_LOG_ERR, "backend refused the gateway's login: %s", msg);
	backend_refused(s, "jitgate could not log in to the database: %s", msg);
}

/* ---- killer sessions ------------------------------------------------------------------ */

struct jg_session *jg_session_killer(struct jg_gateway *gw, struct jg_worker *wk, uint32_t id)
{
	struct jg_session *s = session_new(gw, wk);

	if (!s)
		return NULL;
	s->kill_id = id;
	s->be_user = gw->cfg->backend_user;
	s->be_pass = gw->cfg->backend_password;
	s->hello.caps = JG_CAPS_OFFERED;
	s->deadline_ms = jg_now_ms() + 10000;
	start_backend(s);
	if (s->phase == JG_PH_DEAD) {
		free(s);
		return NULL;
	}
	jg_session_event(s, JG_LEG_BACKEND, 0);
	return s;
}

static void start_kill(struct jg_session *s)
{
	uint8_t q[64];
	int n = snprintf((char *)q, sizeof(q), "%cKILL CONNECTION %u", JG_COM_QUERY, s->kill_id);

	out_put(&s->bout, jg_pkt_build(out_tail(&s->bout), out_room(&s->bout), 0, q, (size_t)n));
	s->phase = JG_PH_KILL;
}

/* ---- command phase -------------------------------------------------------------------- */

/* set_database: the session's current database, as COM_INIT_DB, USE or the login named it. */
static void set_database(struct jg_session *s, const uint8_t *name, size_t len)
{
	size_t i;

	if (len >= sizeof(s->sql.db))
		len = 0;                        /* longer than MySQL allows: the server will refuse */
	for (i = 0; i < len; i++)
		s->sql.db[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	s->sql.db[i] = '\0';
}

/* deny_command: the command is dropped, never forwarded, and the client gets ERR. */
static void deny_command(struct jg_session *s, struct jg_dir *d, uint8_t seq, uint16_t code,
                         const char *state, const char *msg)
{
	d->discard = 1;
	s->cl_seq = (uint8_t)(seq + 1);
	out_put(&s->cout, jg_pkt_build_err(out_tail(&s->cout), out_room(&s->cout), s->cl_seq, code,
	                                   state, msg));
}

/* Per worker thread: a classification is large (every statement of a packet) and short-lived. */
static _Thread_local struct jg_sql_result sql_scratch;

/*
 * judge: the policy's decision on a COM_QUERY or COM_STMT_PREPARE text. Returns 1 when the
 * command may go to the database; otherwise the ERR is queued and 0 returned. Statements are
 * judged whole: a text longer than the direction buffer cannot be inspected and is refused.
 */
static int judge(struct jg_session *s, struct jg_dir *d, const struct jg_policy *pol,
                 const struct jg_frame *f, const uint8_t *payload, size_t avail)
{
	struct jg_policy_ctx ctx = { s->hello.user, s->who.groups, s->who.sub, s->who.iss,
	                             s->hello.tags };
	struct jg_policy_decision dec;
	struct jg_sql_session prep;
	char msg[512];
	unsigned which;

	if (f->len != avail || f->len == JG_FRAME_MAX) {
		snprintf(msg, sizeof(msg), "jitgate inspects statements of up to %d bytes; this one "
		         "has %u or more: split it, or load data with a smaller statement",
		         JG_DIR_BUF - JG_FRAME_HDR - 1, f->len);
		deny_command(s, d, f->seq, ER_NOT_SUPPORTED, "42000", msg);
		jg_log(JG_LOG_INFO, "session %u: refused a %u-byte statement", s->id, f->len);
		return 0;
	}
	/* A prepared text runs later (or never): it does not change the session now. */
	prep = s->sql;
	jg_policy_judge(pol, &ctx, payload[0] == JG_COM_STMT_PREPARE ? &prep : &s->sql,
	                (const char *)payload + 1, avail - 1, &sql_scratch, &dec, &which);
	if (dec.action == JG_POLICY_ALLOW)
		return 1;
	if (dec.action == JG_POLICY_REVIEW)
		snprintf(msg, sizeof(msg), "Statement %u needs review by %s (jitgate rule \"%s\"); "
		         "held statements are not available yet, so nothing of this query ran",
		         which + 1, dec.approvers, dec.rule_name);
	else if (dec.rule >= 0)
		snprintf(msg, sizeof(msg), "%s (jitgate rule \"%s\"; statement %u; nothing of this "
		         "query ran)", dec.message, dec.rule_name, which + 1);
	else
		snprintf(msg, sizeof(msg), "%s (jitgate policy %s; statement %u; nothing of this query "
		         "ran)", dec.message, dec.rule == JG_POLICY_BY_ROLE ? "role check" :
		         dec.rule == JG_POLICY_BY_UNKNOWN ? "for unknown statements" : "default",
		         which + 1);
	deny_command(s, d, f->seq, ER_POLICY, "42000", msg);
	jg_log(JG_LOG_INFO, "session %u: %s statement %u of %u by %s: %.*s", s->id,
	       jg_policy_action_name(dec.action), which + 1, sql_scratch.nstmts,
	       dec.rule_name[0] ? dec.rule_name : "policy", JG_SQL_FP_MAX,
	       sql_scratch.nstmts ? sql_scratch.stmts[which].fingerprint : "");
	return 0;
}

static int refused_command(uint8_t cmd)
{
	switch (cmd) {
	case JG_COM_CHANGE_USER:
	case JG_COM_BINLOG_DUMP:
	case JG_COM_BINLOG_DUMP_GTID:
	case JG_COM_REGISTER_SLAVE:
	case JG_COM_TABLE_DUMP:
	case JG_COM_CONNECT_OUT:
	case JG_COM_DAEMON:
	case JG_COM_SHUTDOWN:
		return 1;
	default:
		return 0;
	}
}

static const char *command_name(uint8_t cmd)
{
	switch (cmd) {
	case JG_COM_CHANGE_USER: return "COM_CHANGE_USER";
	case JG_COM_SHUTDOWN: return "COM_SHUTDOWN";
	case JG_COM_REGISTER_SLAVE: return "COM_REGISTER_SLAVE";
	default: return "replication commands";
	}
}

/*
 * parse_stream: walks packets in [r, end). toward_backend: client commands (a new command starts
 * only when no response is outstanding); otherwise server packets fed to the response machine.
 * Returns bytes parsed; a stop reason is left in *stop (JG_WAIT or an error).
 */
static size_t parse_stream(struct jg_session *s, struct jg_dir *d, int toward_backend, int *stop)
{
	const struct jg_policy *pol = toward_backend ? atomic_load(&s->gw->policy) : NULL;
	size_t start = d->r, avail, need;
	struct jg_frame peek;
	const uint8_t *payload;
	int rc;

	*stop = JG_WAIT;
	while (d->r < d->end) {
		if (d->f.left > 0) {
			size_t n = JG_MIN((size_t)d->f.left, d->end - d->r);

			d->r += n;
			d->f.left -= (uint32_t)n;
			if (d->discard)
				d->w = d->r;
			continue;
		}
		avail = d->end - d->r;
		if (avail < JG_FRAME_HDR)
			break;
		peek = d->f;
		jg_frame_parse_header(&peek, d->buf + d->r);
		jg_frame_begin(&peek);
		if (peek.first) {
			/* The next command waits for this response, and for an ERR of ours to go out:
			 * answers reach the client in the order of its commands. */
			if (toward_backend && (!jg_resp_done(&s->resp) || s->cout.off < s->cout.len))
				break;
			need = JG_FRAME_HDR + peek.len <= JG_DIR_BUF ? peek.len : jg_resp_need(peek.len);
			if (avail - JG_FRAME_HDR < need)
				break;
			payload = d->buf + d->r + JG_FRAME_HDR;
			avail = JG_MIN(avail - JG_FRAME_HDR, (size_t)peek.len);
			if (toward_backend) {
				if (peek.len == 0) {
					s->cl_seq = (uint8_t)(peek.seq + 1);
					*stop = JG_ERR_PROTO;
					break;
				}
				if (d->w < d->r && (refused_command(payload[0]) ||
				    (pol && (payload[0] == JG_COM_QUERY ||
				             payload[0] == JG_COM_STMT_PREPARE))))
					break;  /* forward what precedes a command we may refuse */
				if (refused_command(payload[0])) {
					deny_command(s, d, peek.seq, ER_NOT_SUPPORTED, "42000",
					        payload[0] == JG_COM_CHANGE_USER ?
					        "COM_CHANGE_USER is not supported through jitgate; open a new "
					        "connection with the token of the identity you need" :
					        "This command is not supported through jitgate");
					jg_log(JG_LOG_INFO, "session %u: refused %s", s->id,
					       command_name(payload[0]));
				} else if (pol && (payload[0] == JG_COM_QUERY ||
				           payload[0] == JG_COM_STMT_PREPARE) &&
				           !judge(s, d, pol, &peek, payload, avail)) {
					;       /* refused by the policy: judge queued the ERR */
				} else {
					if (payload[0] == JG_COM_INIT_DB && peek.len == avail)
						set_database(s, payload + 1, avail - 1);
					if (payload[0] == JG_COM_RESET_CONNECTION)
						s->sql.sql_mode = s->sql_mode0;
					d->discard = 0;
					if (payload[0] == JG_COM_QUIT)
						s->quitting = 1;
					jg_resp_expect(&s->resp, payload[0]);
				}
			} else {
				d->discard = 0;
				rc = jg_resp_packet(&s->resp, payload, avail, peek.len);
				if (rc != JG_OK) {
					*stop = rc;
					break;
				}
			}
		}
		d->f = peek;
		d->r += JG_FRAME_HDR;
		if (d->discard)
			d->w = d->r;
	}
	return d->r - start;
}

/*
 * pump: moves bytes from one leg to the other: forward what is parsed, parse what is read,
 * read when there is room. Returns STEP_PROGRESS, STEP_BLOCKED, or an error.
 */
static int pump(struct jg_session *s, struct jg_conn *from, struct jg_conn *to, struct jg_dir *d,
                int toward_backend, int *to_failed)
{
	int progress = 0, stop, rc;
	size_t put, got;

	*to_failed = 0;
	if ((rc = dir_hold(s, d)) != JG_OK)
		return rc;
	for (;;) {
		if (d->w < d->r) {
			if (!toward_backend && s->cout.off < s->cout.len)
				break;                  /* our ERR to the client goes first */
			rc = jg_conn_write(to, d->buf + d->w, d->r - d->w, &put);
			if (rc == JG_OK) {
				d->w += put;
				progress = 1;
				continue;
			}
			if (rc == JG_WAIT)
				rc = jg_conn_flush(to);
			if (rc != JG_OK && rc != JG_WAIT) {
				*to_failed = 1;
				return rc;
			}
			if (rc == JG_OK)
				continue;
			break;
		}
		if (parse_stream(s, d, toward_backend, &stop) > 0) {
			progress = 1;
			continue;
		}
		if (stop != JG_WAIT)
			return stop;
		if (s->cout.len > s->cout.off)          /* an ERR of ours goes out first */
			break;
		if (d->w == d->end) {
			d->w = d->r = d->end = 0;
		} else if (d->end == JG_DIR_BUF && d->w > 0) {
			memmove(d->buf, d->buf + d->w, d->end - d->w);
			d->r -= d->w;
			d->end -= d->w;
			d->w = 0;
		}
		if (d->end == JG_DIR_BUF)
			break;
		if (toward_backend && client_command_waits(s))
			break;                          /* the next command waits; no need for more */
		rc = jg_conn_read(from, d->buf + d->end, JG_DIR_BUF - d->end, &got);
		if (rc == JG_WAIT)
			break;
		if (rc != JG_OK)
			return rc;
		d->end += got;
		progress = 1;
	}
	rc = jg_conn_flush(to);
	if (rc != JG_OK && rc != JG_WAIT) {
		*to_failed = 1;
		return rc;
	}
	return progress ? STEP_PROGRESS : STEP_BLOCKED;
}

static int step_command(struct jg_session *s)
{
	int rc, progress = 0, to_failed;

	rc = out_flush(&s->cl, &s->cout);
	if (rc != JG_OK && rc != JG_WAIT)
		goto client_lost;
	rc = pump(s, &s->be, &s->cl, &s->b2c, 0, &to_failed);
	if (rc > STEP_PROGRESS) {
		if (to_failed)
			goto client_lost;
		if (rc == JG_ERR_UNSUPPORTED)
			fail(s, "the database asked for a LOCAL INFILE, which jitgate never offers");
		else if (rc == JG_ERR_PROTO)
			fail(s, "the database broke the protocol");
		else
			fail(s, "the database closed the connection");
		return STEP_BLOCKED;
	}
	progress |= rc;
	rc = pump(s, &s->cl, &s->be, &s->c2b, 1, &to_failed);
	if (rc > STEP_PROGRESS) {
		if (to_failed)
			fail(s, "the database closed the connection");
		else if (rc == JG_ERR_PROTO)
			refuse(s, ER_MALFORMED_PACKET, "HY000", "Malformed communication packet: a "
			       "command packet must not be empty");
		else
			goto client_lost;
		return s->phase == JG_PH_DRAIN ? STEP_PROGRESS : STEP_BLOCKED;
	}
	progress |= rc;
	if (s->quitting && s->c2b.w == s->c2b.end) {
		jg_session_close(s);            /* COM_QUIT forwarded */
		return STEP_BLOCKED;
	}
	if (progress && s->gw->cfg->idle_timeout > 0)
		s->deadline_ms = jg_now_ms() + (int64_t)s->gw->cfg->idle_timeout * 1000;
	if (!progress) {
		dir_release(s, &s->c2b, 0);
		dir_release(s, &s->b2c, 0);
	}
	return progress ? STEP_PROGRESS : STEP_BLOCKED;
client_lost:
	client_gone(s);
	return STEP_BLOCKED;
}

/* ---- connection-phase steps ----------------------------------------------------------- */

static int step_client_handshake(struct jg_session *s)
{
	const uint8_t *p;
	uint32_t len;
	uint8_t seq;
	int rc;

	/* A TLS leg only receives in jg_conn_read: read even while our output waits, since the
	 * engine may need the peer's records to make room. */
	rc = out_flush(&s->cl, &s->cout);
	if (rc != JG_OK && rc != JG_WAIT) {
		fail(s, "client went away during the handshake");
		return STEP_BLOCKED;
	}
	rc = read_packet(s, &s->cl, &s->c2b, &p, &len, &seq);
	if (rc == JG_WAIT)
		return STEP_BLOCKED;
	if (rc == JG_ERR_TOOBIG) {
		if (s->phase == JG_PH_AUTH)
			refuse(s, ER_ACCESS_DENIED, "28000", "Access denied: token is longer than %d "
			       "bytes", JG_TOKEN_MAX);
		else
			refuse(s, ER_HANDSHAKE, "08S01", "Bad handshake: packet too large");
		return STEP_PROGRESS;
	}
	if (rc != JG_OK) {
		fail(s, rc == JG_ERR_TLS ? "TLS handshake with the client failed" :
		        "client went away during the handshake");
		return STEP_BLOCKED;
	}
	s->pkt = p;
	s->pkt_len = len;
	s->pkt_seq = seq;
	if (jg_hs_client_exec(&s->hs_cl, s, len == 32 ? 's' : 'h') != JG_OK)
		refuse(s, ER_HANDSHAKE, "08S01", "Bad handshake");
	s->pkt = NULL;
	return STEP_PROGRESS;
}

static uint8_t backend_symbol(const uint8_t *p, uint32_t len)
{
	if (len == 0)
		return 'x';
	switch (p[0]) {
	case 0x0a: return 'g';
	case 0x00: return 'o';
	case 0xff: return 'e';
	case 0xfe: return 'w';
	case 0x01: return 'm';
	default: return 'x';
	}
}

static int step_backend_login(struct jg_session *s)
{
	const uint8_t *p;
	uint32_t len;
	uint8_t seq;
	int rc, err = 0;
	socklen_t elen = sizeof(err);

	if (s->cl.fd >= 0) {
		rc = out_flush(&s->cl, &s->cout);
		if (rc != JG_OK && rc != JG_WAIT) {
			client_gone(s);
			return STEP_BLOCKED;
		}
	}
	if (s->be_connecting) {
		if (!(s->be_events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return STEP_BLOCKED;
		if (getsockopt(s->be.fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err) {
			errno = err;
			if (s->kill_id) {
				backend_refused(s, "%s", strerror(err));
				return STEP_BLOCKED;
			}
			refuse(s, ER_BACKEND, "08S01", "jitgate cannot reach the database at %s (%s); "
			       "try again later or ask the gateway operator",
			       s->gw->cfg->backend_address, strerror(err));
			return STEP_PROGRESS;
		}
		s->be_connecting = 0;
	}
	rc = out_flush(&s->be, &s->bout);
	if (rc != JG_OK && rc != JG_WAIT)
		goto lost;
	rc = read_packet(s, &s->be, &s->b2c, &p, &len, &seq);
	if (rc == JG_WAIT)
		return STEP_BLOCKED;
	if (rc != JG_OK)
		goto lost;
	s->pkt = p;
	s->pkt_len = len;
	s->pkt_seq = seq;
	if (jg_hs_backend_exec(&s->hs_be, s, backend_symbol(p, len)) != JG_OK)
		backend_refused(s, "jitgate could not log in to the database: %s",
		                "unexpected packet in its handshake");
	s->pkt = NULL;
	return STEP_PROGRESS;
lost:
	backend_refused(s, "jitgate could not log in to the database: %s",
	                rc == JG_ERR_TLS ? jg_conn_tls_error(&s->be) :
	                "the connection closed during the login");
	return STEP_PROGRESS;
}

static int step_kill(struct jg_session *s)
{
	const uint8_t *p;
	uint32_t len;
	uint8_t seq;
	int rc;

	rc = out_flush(&s->be, &s->bout);
	if (rc == JG_OK || rc == JG_WAIT)
		rc = read_packet(s, &s->be, &s->b2c, &p, &len, &seq);
	if (rc == JG_WAIT)
		return STEP_BLOCKED;
	if (rc == JG_OK && len > 0 && p[0] == 0x00)
		jg_log(JG_LOG_INFO, "killed backend thread %u", s->kill_id);
	else
		jg_log(JG_LOG_WARN, "kill of backend thread %u: %s", s->kill_id,
		       rc == JG_OK ? "refused by the database (it may have ended already)" :
		       "connection lost");
	jg_session_close(s);
	return STEP_BLOCKED;
}

/* ---- token expiry ---------------------------------------------------------------------- */

static void token_time(const struct jg_session *s, char *out, size_t cap)
{
	time_t t = (time_t)s->who.exp;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "%lld", (long long)s->who.exp);
}

/*
 * expire: the token (plus the grace) or the role's ttl ran out. The database user is dropped
 * and its connections killed at once; an idle client is told at its next command (an ERR it can
 * read, rather than a reset), a client in the middle of a result is closed.
 */
static void expire(struct jg_session *s, int64_t now_ms)
{
	int busy = s->phase == JG_PH_COMMAND && (!jg_resp_done(&s->resp) || s->b2c.w < s->b2c.end ||
	                                         s->c2b.end > 0 || s->cout.off < s->cout.len);
	char when[40];

	if (busy && jg_resp_done(&s->resp) && now_ms < s->expires_ms + 5000)
		return;                 /* a finished result still on its way: let it arrive */
	token_time(s, when, sizeof(when));
	jg_log(JG_LOG_INFO, "session %u: token expired (at %s, grace %ds): ending the session and "
	       "dropping its database user", s->id, when, s->gw->cfg->cred_grace);
	s->end_reason = "token expired";
	if (busy && !jg_resp_done(&s->resp) && (!s->lease || s->lease->account))
		kill_backend_query(s);  /* a just-in-time user's connections die with it */
	release_cred(s, "token expired");
	s->expires_ms = 0;
	if (s->phase == JG_PH_COMMAND && !busy) {
		close_backend(s);
		s->phase = JG_PH_EXPIRED;
		s->deadline_ms = now_ms + 300 * 1000;
		return;
	}
	if (s->phase == JG_PH_COMMAND) {
		jg_session_close(s);
		return;
	}
	refuse(s, ER_ACCESS_DENIED, "28000", "Access denied: your token expired at %s during the "
	       "login; get a new token", when);
}

/* step_expired: answers the client's next command with the reason, then ends. */
static int step_expired(struct jg_session *s)
{
	const uint8_t *p;
	uint32_t len;
	uint8_t seq;
	char when[40], msg[320];
	int rc;

	rc = read_packet(s, &s->cl, &s->c2b, &p, &len, &seq);
	if (rc == JG_WAIT)
		return STEP_BLOCKED;
	if (rc != JG_OK || (len > 0 && p[0] == JG_COM_QUIT)) {
		jg_session_close(s);
		return STEP_BLOCKED;
	}
	token_time(s, when, sizeof(when));
	snprintf(msg, sizeof(msg), "jitgate: your token expired at %s; this session has ended and "
	         "its database user was dropped; connect again with a new token", when);
	s->cl_seq = (uint8_t)(seq + 1);
	out_put(&s->cout, jg_pkt_build_err(out_tail(&s->cout), out_room(&s->cout), s->cl_seq,
	                                   ER_CONNECTION_KILLED, "70100", msg));
	s->phase = JG_PH_DRAIN;
	s->deadline_ms = jg_now_ms() + 2000;
	return STEP_PROGRESS;
}

static int step_drain(struct jg_session *s)
{
	uint8_t sink[4096];
	size_t got;
	int rc;

	if (s->cout.off < s->cout.len || jg_conn_pending(&s->cl)) {
		rc = out_flush(&s->cl, &s->cout);
		if (rc == JG_WAIT)
			return STEP_BLOCKED;
		if (rc != JG_OK) {
			jg_session_close(s);
			return STEP_BLOCKED;
		}
		shutdown(s->cl.fd, SHUT_WR);
	}
	for (;;) {
		rc = jg_conn_read(&s->cl, sink, sizeof(sink), &got);
		if (rc == JG_WAIT)
			return STEP_BLOCKED;
		if (rc != JG_OK) {
			jg_session_close(s);
			return STEP_BLOCKED;
		}
	}
}

/* ---- dispatch ------------------------------------------------------------------------- */

static int step(struct jg_session *s)
{
	switch (s->phase) {
	case JG_PH_GREETING:
	case JG_PH_AUTH:
		return step_client_handshake(s);
	case JG_PH_BACKEND:
		return step_backend_login(s);
	case JG_PH_SQLMODE:
		return step_sqlmode(s);
	case JG_PH_COMMAND:
		return step_command(s);
	case JG_PH_KILL:
		return step_kill(s);
	case JG_PH_EXPIRED:
		return step_expired(s);
	case JG_PH_DRAIN:
		return step_drain(s);
	case JG_PH_CRED:
	case JG_PH_DEAD:
		break;
	}
	return STEP_BLOCKED;
}

/* client_command_waits: the next command is read and must wait for the current response (or
 * for an ERR of ours to reach the client). */
static int client_command_waits(const struct jg_session *s)
{
	return (!jg_resp_done(&s->resp) || s->cout.off < s->cout.len) && s->c2b.f.left == 0 &&
	       s->c2b.r < s->c2b.end;
}

static uint32_t client_interest(const struct jg_session *s)
{
	uint32_t ev = EPOLLRDHUP;

	switch (s->phase) {
	case JG_PH_GREETING:
	case JG_PH_AUTH:
	case JG_PH_EXPIRED:
	case JG_PH_DRAIN:
		ev |= EPOLLIN;
		break;
	case JG_PH_COMMAND:
		/* A pipelined command waits in the buffer until the current response ends; polling
		 * for more input meanwhile would spin. EPOLLRDHUP still reports a client leaving. */
		if (s->c2b.end < JG_DIR_BUF && !client_command_waits(s))
			ev |= EPOLLIN;
		if (s->b2c.w < s->b2c.r)
			ev |= EPOLLOUT;
		break;
	default:
		break;
	}
	if (s->cout.off < s->cout.len)
		ev |= EPOLLOUT;
	/* A TLS leg asks for EPOLLOUT itself when it can write (conn.c); asking for our own
	 * unsent bytes while the engine waits for the peer would spin. */
	if (s->cl.tls)
		ev = (ev & ~(uint32_t)EPOLLOUT) | (jg_conn_events(&s->cl) & EPOLLOUT);
	return ev;
}

static uint32_t backend_interest(const struct jg_session *s)
{
	uint32_t ev = 0;

	switch (s->phase) {
	case JG_PH_BACKEND:
	case JG_PH_SQLMODE:
	case JG_PH_KILL:
		ev |= s->be_connecting ? EPOLLOUT : EPOLLIN;
		break;
	case JG_PH_COMMAND:
		if (s->b2c.end < JG_DIR_BUF)
			ev |= EPOLLIN;
		if (s->c2b.w < s->c2b.r)
			ev |= EPOLLOUT;
		break;
	default:
		break;
	}
	if (s->bout.off < s->bout.len)
		ev |= EPOLLOUT;
	if (s->be.tls && !s->be_connecting)
		ev = (ev & ~(uint32_t)EPOLLOUT) | (jg_conn_events(&s->be) & EPOLLOUT);
	return ev;
}

void jg_session_event(struct jg_session *s, int leg, uint32_t events)
{
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		if (leg == JG_LEG_CLIENT)
			s->cl.rd_ready = 1;
		else if (leg == JG_LEG_BACKEND)
			s->be.rd_ready = 1;
	}
	if (leg == JG_LEG_BACKEND)
		s->be_events = events;
	if (leg == JG_LEG_CLIENT && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) &&
	    s->phase != JG_PH_DRAIN) {
		/* The client is gone (MySQL clients never half-close): stop work done for it. */
		client_gone(s);
	}
	while (s->phase != JG_PH_DEAD && step(s) == STEP_PROGRESS)
		;
	s->be_events = 0;
	if (s->phase == JG_PH_DEAD) {
		jg_worker_release(s->wk, s);
		return;
	}
	if (s->cl.fd >= 0)
		jg_worker_mod(s->wk, s, s->cl.fd, JG_LEG_CLIENT, client_interest(s));
	if (s->be.fd >= 0)
		jg_worker_mod(s->wk, s, s->be.fd, JG_LEG_BACKEND, backend_interest(s));
}

void jg_session_tick(struct jg_session *s, int64_t now_ms)
{
	if (s->expires_ms && now_ms >= s->expires_ms && s->phase >= JG_PH_CRED &&
	    s->phase <= JG_PH_COMMAND && !s->kill_id) {
		expire(s, now_ms);
		jg_session_event(s, JG_LEG_LISTEN, 0);
		return;
	}
	if (!s->deadline_ms || now_ms < s->deadline_ms || s->phase == JG_PH_DEAD)
		return;
	switch (s->phase) {
	case JG_PH_CRED:
		refuse(s, ER_BACKEND, "08004", "jitgate timed out making a database user for role "
		       "%s; try again later or ask the gateway operator", s->hello.user);
		break;
	case JG_PH_BACKEND:
	case JG_PH_SQLMODE:
		if (s->kill_id) {
			backend_refused(s, "%s", "timed out");
			break;
		}
		refuse(s, ER_BACKEND, "08S01", "jitgate timed out logging in to the database at %s; "
		       "try again later or ask the gateway operator", s->gw->cfg->backend_address);
		s->deadline_ms = now_ms + 2000;
		break;
	case JG_PH_COMMAND:
		if (!jg_resp_done(&s->resp))
			return;                 /* a long query is not idleness */
		fail(s, "idle timeout");
		break;
	case JG_PH_GREETING:
	case JG_PH_AUTH:
		fail(s, "handshake timeout");
		break;
	default:
		jg_session_close(s);
		break;
	}
	jg_session_event(s, JG_LEG_LISTEN, 0);
}
