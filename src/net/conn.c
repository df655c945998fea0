/*
 * conn.c: one leg of a session, plain or TLS (see conn.h).
 *
 * The TLS leg drives BearSSL's engine by its state bits: SENDREC means records wait to go to
 * the socket, RECVREC that the engine takes bytes from it, SENDAPP / RECVAPP that plaintext can
 * go in / come out. Every call sends pending records when the socket takes them; only
 * jg_conn_read receives, so plaintext never piles up in the engine behind the caller's back.
 */
#include "net/conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jg.h"
#include "tls/tls_engine.h"

/* Bound on the send attempts jg_conn_close makes; each one moves bytes or stops the loop. */
#define CLOSE_SEND_TRIES 4

void jg_conn_init(struct jg_conn *c, int fd)
{
	c->fd = fd;
	c->tls = NULL;
	c->rd_ready = 1;
}


/* see conn.h */
int jg_conn_connect(struct jg_conn *c, const struct sockaddr *addr, socklen_t len,
                    const char **why)
{
	int fd, one = 1;

	jg_conn_init(c, -1);
	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = strerror(errno);
		return JG_ERR_IO;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	if (connect(fd, addr, len) < 0 && errno != EINPROGRESS) {
		*why = strerror(errno);
		return JG_ERR_IO;
	}
	return JG_OK;
}

/* see conn.h */
int jg_conn_connected(struct jg_conn *c, const char **why)
{
	int err = 0;
	socklen_t elen = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		err = errno;
	if (err) {
		*why = strerror(err);
		return JG_ERR_IO;
	}
	return JG_OK;
}

/* see conn.h */
void jg_conn_shutdown_write(struct jg_conn *c)
{
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_WR);
}

/* see conn.h */
int jg_net_read_packet_blocking(const struct sockaddr *addr, socklen_t alen, int ms, uint8_t *buf,
                                size_t cap, size_t *len, const char **why)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	struct pollfd pfd;
	size_t have = 0;
	ssize_t n;
	int fd, rc = JG_ERR_IO;

	*len = 0;
	*why = "no greeting";
	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = strerror(errno);
		return JG_ERR_IO;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, addr, alen) < 0) {
		*why = strerror(errno);
		goto out;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (have < cap && poll(&pfd, 1, ms) == 1) {
		n = recv(fd, buf + have, cap - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		if (have >= 4 && have >= 4 + jg_le24(buf)) {
			*len = 4 + jg_le24(buf);
			rc = JG_OK;
			goto out;
		}
	}
	if (have >= 4 && 4 + jg_le24(buf) > cap)
		rc = JG_ERR_TOOBIG;
out:
	close(fd);
	return rc;
}

/*
 * sock_recv / sock_send: the only places errno is read. JG_OK with *n > 0, JG_WAIT, JG_ERR_CLOSED
 * (recv only: orderly EOF) or JG_ERR_IO with *why saying what the kernel said.
 */
static int sock_recv(int fd, void *buf, size_t cap, size_t *n, const char **why)
{
	ssize_t r;

	do
		r = recv(fd, buf, cap, 0);
	while (r < 0 && errno == EINTR);
	if (r > 0) {
		*n = (size_t)r;
		return JG_OK;
	}
	if (r == 0)
		return JG_ERR_CLOSED;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return JG_WAIT;
	*why = strerror(errno);
	return JG_ERR_IO;
}

/* conn_recv: sock_recv unless the socket is known to be empty; notes EAGAIN. */
static int conn_recv(struct jg_conn *c, void *buf, size_t cap, size_t *n, const char **why)
{
	int r;

	*n = 0;
	if (!c->rd_ready)
		return JG_WAIT;
	r = sock_recv(c->fd, buf, cap, n, why);
	/* A short read emptied the socket: a stream socket returns what it has. */
	if (r == JG_WAIT || (r == JG_OK && *n < cap))
		c->rd_ready = 0;
	return r;
}

static int sock_send(int fd, const void *buf, size_t len, size_t *n, const char **why)
{
	ssize_t r;

	do
		r = send(fd, buf, len, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r > 0) {
		*n = (size_t)r;
		return JG_OK;
	}
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return JG_WAIT;
	*why = r < 0 ? strerror(errno) : "send returned 0";
	return JG_ERR_IO;
}

/* tls_state: the engine's state bits, remembering when the handshake first completed. */
static unsigned tls_state(struct jg_tls *t)
{
	unsigned st = br_ssl_engine_current_state(t->eng);

	if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))
		t->established = 1;
	return st;
}

/* tls_closed: the engine reports BR_SSL_CLOSED: an orderly close_notify or a failure. */
static int tls_closed(struct jg_tls *t)
{
	if (br_ssl_engine_last_error(t->eng) == BR_ERR_OK)
		return jg_tls_fail(t, JG_ERR_CLOSED, "peer closed the TLS session (close_notify)");
	return jg_tls_fail(t, JG_ERR_TLS, NULL);
}

/* tls_send_some: one send of pending records (engine state has BR_SSL_SENDREC). */
static int tls_send_some(struct jg_conn *c)
{
	const char *why = NULL;
	unsigned char *p;
	size_t len, n;
	int r;

	p = br_ssl_engine_sendrec_buf(c->tls->eng, &len);
	if (!p || len == 0)
		return JG_WAIT;
	r = sock_send(c->fd, p, len, &n, &why);
	if (r == JG_OK)
		br_ssl_engine_sendrec_ack(c->tls->eng, n);
	/*
	 * After the peer's close_notify we owe it ours, but RFC 5246 7.2.1 lets it close without
	 * waiting, so a failed send then is still an orderly end (BearSSL's sslio.c does the same).
	 */
	if (r == JG_ERR_IO && c->tls->eng->shutdown_recv)
		return jg_tls_fail(c->tls, JG_ERR_CLOSED, "peer closed the TLS session (close_notify)");
	if (r == JG_ERR_IO)
		return jg_tls_fail(c->tls, JG_ERR_IO, why);
	return r;
}

/* Scratch for read-ahead: one per worker thread, a full TLS record and a bit. */
#define JG_RA_SCRATCH (16384 + 2048)
static _Thread_local unsigned char ra_scratch[JG_RA_SCRATCH];

/* ra_feed: hands read-ahead bytes to the engine; JG_OK when some were taken. */
static int ra_feed(struct jg_tls *t)
{
	unsigned char *p;
	size_t len, n;

	p = br_ssl_engine_recvrec_buf(t->eng, &len);
	if (!p || len == 0)
		return JG_WAIT;
	n = JG_MIN(len, t->ra_len - t->ra_off);
	memcpy(p, t->ra + t->ra_off, n);
	br_ssl_engine_recvrec_ack(t->eng, n);
	t->ra_off += n;
	if (t->ra_off == t->ra_len) {
		free(t->ra);
		t->ra = NULL;
		t->ra_off = t->ra_len = 0;
	}
	return JG_OK;
}

/*
 * tls_recv_some: bytes into the engine (its state has BR_SSL_RECVREC): first what was read
 * ahead, else one recv of all the socket has, of which the engine takes what it can now.
 */
static int tls_recv_some(struct jg_conn *c)
{
	struct jg_tls *t = c->tls;
	const char *why = NULL;
	unsigned char *p;
	size_t len, n, take;
	int r;

	if (t->ra)
		return ra_feed(t);
	p = br_ssl_engine_recvrec_buf(t->eng, &len);
	if (!p || len == 0)
		return JG_WAIT;
	r = conn_recv(c, ra_scratch, sizeof(ra_scratch), &n, &why);
	if (r == JG_OK) {
		take = JG_MIN(n, len);
		memcpy(p, ra_scratch, take);
		br_ssl_engine_recvrec_ack(t->eng, take);
		if (take < n) {
			t->ra = malloc(n - take);
			if (!t->ra)
				return jg_tls_fail(t, JG_ERR_NOMEM, "out of memory");
			memcpy(t->ra, ra_scratch + take, n - take);
			t->ra_off = 0;
			t->ra_len = n - take;
		}
		return JG_OK;
	}
	if (r == JG_ERR_IO)
		return jg_tls_fail(t, JG_ERR_IO, why);
	if (r != JG_ERR_CLOSED)
		return r;
	/*
	 * TCP EOF without close_notify. MySQL clients commonly close that way after COM_QUIT, and
	 * MySQL packets carry their own lengths, so truncation is caught above us: after the
	 * handshake it is an ordinary end. During the handshake it means the peer gave up on us.
	 */
	if (t->established)
		return jg_tls_fail(t, JG_ERR_CLOSED, "peer closed the connection without close_notify");
	return jg_tls_fail(t, JG_ERR_TLS, "peer closed the connection during the TLS handshake");
}

/* see conn.h */
int jg_conn_read(struct jg_conn *c, uint8_t *buf, size_t cap, size_t *got)
{
	struct jg_tls *t = c->tls;
	const char *why;
	unsigned char *p;
	unsigned st;
	size_t len;
	int r, progress;

	*got = 0;
	if (cap == 0)           /* nothing can be read into no room; never report a 0-byte success */
		return JG_WAIT;
	if (!t)
		return conn_recv(c, buf, cap, got, &why);
	if (t->err != JG_OK)
		return t->err;
	for (;;) {
		st = tls_state(t);
		if (st & BR_SSL_CLOSED)
			return tls_closed(t);
		if (st & BR_SSL_RECVAPP) {
			p = br_ssl_engine_recvapp_buf(t->eng, &len);
			len = JG_MIN(len, cap);
			memcpy(buf, p, len);
			br_ssl_engine_recvapp_ack(t->eng, len);
			*got = len;
			return JG_OK;
		}
		progress = 0;
		if (st & BR_SSL_SENDREC) {
			r = tls_send_some(c);
			if (r == JG_OK)
				progress = 1;
			else if (r != JG_WAIT)
				return r;
		}
		if (st & BR_SSL_RECVREC) {
			r = tls_recv_some(c);
			if (r == JG_OK)
				progress = 1;
			else if (r != JG_WAIT)
				return r;
		}
		if (!progress)
			return JG_WAIT;
	}
}

/* see conn.h; len == 0 is a no-op that returns JG_OK with *put == 0. */
int jg_conn_write(struct jg_conn *c, const uint8_t *buf, size_t len, size_t *put)
{
	struct jg_tls *t = c->tls;
	const char *why;
	unsigned char *p;
	unsigned st;
	size_t avail;
	int r;

	*put = 0;
	if (len == 0)
		return JG_OK;
	if (!t)
		return sock_send(c->fd, buf, len, put, &why);
	if (t->err != JG_OK)
		return t->err;
	for (;;) {
		st = tls_state(t);
		if (st & BR_SSL_CLOSED)
			return tls_closed(t);
		if (st & BR_SSL_SENDAPP) {
			p = br_ssl_engine_sendapp_buf(t->eng, &avail);
			avail = JG_MIN(avail, len);
			memcpy(p, buf, avail);
			br_ssl_engine_sendapp_ack(t->eng, avail);
			t->unflushed = 1;
			t->want_write = 0;
			*put = avail;
			return JG_OK;
		}
		/* Handshake in progress or the record buffer is full: make room, never read here. */
		r = st & BR_SSL_SENDREC ? tls_send_some(c) : JG_WAIT;
		if (r == JG_WAIT)
			t->want_write = 1;
		if (r != JG_OK)
			return r;
	}
}

/* see conn.h */
int jg_conn_flush(struct jg_conn *c)
{
	struct jg_tls *t = c->tls;
	unsigned st;
	int r;

	if (!t)
		return JG_OK;   /* a plain leg keeps nothing: jg_conn_write went straight to send */
	if (t->err != JG_OK)
		return t->err;
	for (;;) {
		br_ssl_engine_flush(t->eng, 0);   /* buffered plaintext becomes a record */
		st = tls_state(t);
		if (st & BR_SSL_CLOSED)
			return tls_closed(t);
		if (!(st & BR_SSL_SENDREC)) {
			t->unflushed = 0;
			return JG_OK;
		}
		r = tls_send_some(c);
		if (r != JG_OK)
			return r;
	}
}

/* see conn.h */
int jg_conn_pending(const struct jg_conn *c)
{
	unsigned st;

	if (!c->tls || c->tls->err != JG_OK)
		return 0;
	st = br_ssl_engine_current_state(c->tls->eng);
	return c->tls->unflushed || c->tls->ra || (st & (BR_SSL_SENDREC | BR_SSL_RECVAPP)) != 0;
}

/*
 * see conn.h. A plain leg always answers EPOLLIN: the caller adds EPOLLOUT itself while it has
 * bytes that jg_conn_write did not take.
 *
 * A TLS leg answers everything it needs, and the caller adds nothing: EPOLLOUT while records
 * wait to be sent, EPOLLIN while the engine takes records, and EPOLLOUT again once a write it
 * refused (JG_WAIT) can go ahead, e.g. when the handshake finished inside jg_conn_read. A caller
 * that added EPOLLOUT for its unsent data during the handshake would spin: the socket is
 * writable but the engine is waiting for the peer. Plaintext already decrypted (jg_conn_pending)
 * needs no readiness at all: the caller reads it before waiting. When the engine waits for
 * nothing (closed, or input full of plaintext) we answer EPOLLIN so that the next jg_conn_read
 * reports the state instead of the leg never being woken.
 */
uint32_t jg_conn_events(const struct jg_conn *c)
{
	uint32_t ev = 0;
	unsigned st;

	if (!c->tls || c->tls->err != JG_OK)
		return EPOLLIN;
	st = br_ssl_engine_current_state(c->tls->eng);
	if (st & BR_SSL_SENDREC)
		ev |= EPOLLOUT;
	if (st & BR_SSL_RECVREC)
		ev |= EPOLLIN;
	if (c->tls->want_write && (st & BR_SSL_SENDAPP))
		ev |= EPOLLOUT;
	return ev ? ev : EPOLLIN;
}

/* see conn.h */
int jg_conn_start_tls_server(struct jg_conn *c, const struct jg_tls_server *srv,
                             const uint8_t *pre, size_t prelen)
{
	struct jg_tls *t;
	unsigned char *p;
	size_t len;

	if (c->tls)
		return JG_ERR_TLS;      /* already TLS: a caller bug, leave the running engine alone */
	t = jg_tls_new_server(srv);
	if (!t)
		return JG_ERR_NOMEM;
	c->tls = t;                     /* kept even on failure so jg_conn_tls_error can explain */
	if (t->err != JG_OK)
		return t->err;
	while (prelen > 0) {
		if (tls_state(t) & BR_SSL_CLOSED)
			return tls_closed(t);
		p = br_ssl_engine_recvrec_buf(t->eng, &len);
		/* The engine stops taking input once the ClientHello is complete. */
		if (!p || len == 0)
			return jg_tls_fail(t, JG_ERR_TLS, "client sent data past its ClientHello");
		len = JG_MIN(len, prelen);
		memcpy(p, pre, len);
		br_ssl_engine_recvrec_ack(t->eng, len);
		pre += len;
		prelen -= len;
	}
	if (tls_state(t) & BR_SSL_CLOSED)
		return tls_closed(t);
	return JG_OK;
}

/* see conn.h */
int jg_conn_start_tls_client(struct jg_conn *c, const struct jg_tls_client *cli,
                             const char *server_name)
{
	struct jg_tls *t;

	if (c->tls)
		return JG_ERR_TLS;
	t = jg_tls_new_client(cli, server_name);
	if (!t)
		return JG_ERR_NOMEM;
	c->tls = t;
	return t->err;
}

/* see conn.h */
const char *jg_conn_tls_error(const struct jg_conn *c)
{
	struct jg_tls *t = c->tls;
	int br_err;

	if (!t)
		return "no TLS on this leg";
	if (t->errmsg[0])
		return t->errmsg;
	br_err = br_ssl_engine_last_error(t->eng);
	if (br_err == BR_ERR_OK)
		return "no TLS error";
	return jg_tls_br_error_name(br_err, t->errmsg, sizeof t->errmsg);
}

/* see conn.h */
void jg_conn_close(struct jg_conn *c)
{
	struct jg_tls *t = c->tls;
	int i;

	if (t) {
		/* Best effort: plaintext still buffered, then close_notify, as far as the socket takes it. */
		if (t->err == JG_OK && c->fd >= 0 && !(tls_state(t) & BR_SSL_CLOSED)) {
			br_ssl_engine_flush(t->eng, 0);
			br_ssl_engine_close(t->eng);
			for (i = 0; i < CLOSE_SEND_TRIES; i++)
				if (!(tls_state(t) & BR_SSL_SENDREC) || tls_send_some(c) != JG_OK)
					break;
		}
		jg_tls_free(t);
		c->tls = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}
