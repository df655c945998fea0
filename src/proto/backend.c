/* backend.c: login to the backend; see backend.h and spec/backend.rl. */
#include "proto/backend.h"

#include "proto/state.h"

#include "gw/gateway.h"
#include "policy/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#define LOGIN_FAILED "jitgate could not log in to the database: %s"

/* refused: the login cannot go on. A killer session just logs; a client is told. */
static void refused(struct jg_session *s, const char *fmt, const char *detail)
{
	if (s->lb.kill_id) {
		jg_log(JG_LOG_ERR, "kill of backend thread %u failed: %s", s->lb.kill_id, detail);
		jg_session_close(s);
		return;
	}
	jg_session_refuse(s, JG_ER_BACKEND_REFUSED, fmt, detail);
}

/* start: a non-blocking connect to the backend; the login goes on at EPOLLOUT. */
static void start(struct jg_session *s)
{
	struct jg_gateway *gw = s->gw;
	const char *why = "cannot register the connection";

	s->lb.started = 1;
	jg_backend_machine_init(&s->lb.hs);
	if (jg_conn_connect(&s->be, (const struct sockaddr *)&gw->backend_addr, gw->backend_addrlen,
	                    &why) != JG_OK ||
	    jg_worker_add(s->wk, &s->be_ev, s->be.fd, EPOLLOUT | EPOLLIN) != JG_OK) {
		if (s->lb.kill_id) {
			refused(s, "%s", why);
			return;
		}
		jg_session_refuse(s, JG_ER_BACKEND_DOWN, "jitgate cannot reach the database at %s (%s); "
		                  "try again later or ask the gateway operator",
		                  gw->cfg->backend_address, why);
		return;
	}
	s->be_connecting = 1;
}

/* auth: our answer to a scramble for plugin, queued on the backend leg. */
static int auth(struct jg_session *s, const char *plugin, const uint8_t *scramble,
                size_t scramble_len, int in_response)
{
	uint8_t a[32];
	int n;
	size_t len;

	n = jg_hs_scramble(plugin, s->be_pass, scramble, scramble_len, a);
	if (n < 0)
		return JG_ERR_UNSUPPORTED;
	if (in_response)
		len = jg_hs_build_response(jg_out_tail(&s->bout), jg_out_room(&s->bout), s->lb.seq++,
		                           s->lb.caps,
		                           s->hello.max_packet ? s->hello.max_packet : 16777216,
		                           s->hello.charset ? s->hello.charset : s->lb.greet.charset,
		                           s->be_user, a, (size_t)n, s->hello.db, plugin);
	else
		len = jg_pkt_build(jg_out_tail(&s->bout), jg_out_room(&s->bout), s->lb.seq++, a,
		                   (size_t)n);
	explicit_bzero(a, sizeof(a));
	jg_out_put(&s->bout, len);
	return s->bout.err;
}

/*
 * clear_password: the password as it is, for mysql_clear_password or caching_sha2_password's
 * full authentication. Only to a database whose certificate was verified ([backend] tls =
 * verify): under tls = on the channel is encrypted but nobody checked who is at its other end,
 * and a man in the middle would read the password (the admin password, for killer sessions).
 * Otherwise the login is refused, and the log says why.
 */
static void clear_password(struct jg_session *s, const char *what)
{
	static const char *const tls_name[] = { "off", "on", "verify" };
	enum jg_be_tls tls = s->gw->cfg->backend_tls;

	if (tls != JG_BE_TLS_VERIFY || !s->be.tls) {
		jg_log(JG_LOG_WARN, "session %u: the database asked for the password in clear (%s) "
		       "and [backend] tls = %s: refused, since only a database whose certificate is "
		       "verified (tls = verify) may read it; a man in the middle could be asking",
		       s->id, what, tls_name[tls]);
		refused(s, LOGIN_FAILED, tls == JG_BE_TLS_ON ?
		        "it asks for the password in clear, which jitgate sends only with [backend] "
		        "tls = verify (tls = on does not check who is at the other end)" :
		        "it asks for the password in clear, which jitgate sends only with [backend] "
		        "tls = verify");
		return;
	}
	jg_out_packet(&s->bout, s->lb.seq++, s->be_pass, strlen(s->be_pass) + 1);
}

/* start_tls: SSLRequest, then TLS on the same socket. */
static int start_tls(struct jg_session *s, const struct jg_greeting *g)
{
	struct jg_gateway *gw = s->gw;
	uint8_t req[64];
	size_t n, put;

	s->lb.caps |= JG_CLIENT_SSL;
	n = jg_hs_build_ssl_request(req, sizeof(req), s->lb.seq++, s->lb.caps, 16777216,
	                            s->hello.charset ? s->hello.charset : g->charset);
	/* A fresh socket's send buffer takes 36 bytes whole; anything else is a dead link. */
	if (jg_conn_write(&s->be, req, n, &put) != JG_OK || put != n)
		return JG_ERR_IO;
	return jg_conn_start_tls_client(&s->be, gw->backend_tls, gw->backend_host);
}

void jg_backend_on_greeting(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	struct jg_gateway *gw = s->gw;
	struct jg_greeting *g = &s->lb.greet;
	int rc;

	s->lb.seq = (uint8_t)(seq + 1);
	if (jg_hs_parse_greeting(pkt, len, g) != JG_OK) {
		refused(s, LOGIN_FAILED, "malformed greeting");
		return;
	}
	jg_gateway_set_backend(gw, g->version, g->caps, g->charset);
	s->lb.caps = (s->hello.caps & g->caps & JG_CAPS_OFFERED) | JG_CLIENT_PROTOCOL_41 |
	             JG_CLIENT_SECURE_CONNECTION | JG_CLIENT_PLUGIN_AUTH | JG_CLIENT_LONG_PASSWORD;
	/* the session state the classifier reads is what the server reports (state.h) */
	s->lb.caps |= g->caps & JG_CLIENT_SESSION_TRACK;
	s->lb.caps &= ~(uint32_t)JG_CLIENT_CONNECT_ATTRS;
	if (s->hello.db[0])
		s->lb.caps |= JG_CLIENT_CONNECT_WITH_DB;
	else
		s->lb.caps &= ~(uint32_t)JG_CLIENT_CONNECT_WITH_DB;
	/* A role with multi_statements off: the database itself reads one statement per query
	 * (CLIENT_MULTI_RESULTS stays: CALL needs it, and it must match the client's). */
	if (!s->lb.kill_id && !jg_session_multi_statements(s))
		s->lb.caps &= ~(uint32_t)JG_CLIENT_MULTI_STATEMENTS;
	if (!s->lb.kill_id &&
	    (s->lb.caps & JG_CAPS_MUST_MATCH) != (s->hello.caps & JG_CAPS_MUST_MATCH)) {
		refused(s, LOGIN_FAILED, "its capabilities changed since this connection began; "
		        "reconnect");
		return;
	}
	if (gw->backend_tls) {
		/* Bytes after the greeting were read in plaintext: read after TLS starts they would
		 * pass for the database's (a STARTTLS injection). The database sends nothing before
		 * our answer, so something else wrote them. */
		if (s->b2c.r != s->b2c.end) {
			jg_log(JG_LOG_WARN, "session %u: %zu bytes from the database followed its greeting "
			       "before TLS started: refused, they could be injected", s->id,
			       s->b2c.end - s->b2c.r);
			refused(s, LOGIN_FAILED, "it sent bytes after its greeting before TLS started");
			return;
		}
		if (!(g->caps & JG_CLIENT_SSL)) {
			refused(s, LOGIN_FAILED, "the database does not offer TLS and [backend] tls "
			        "requires it");
			return;
		}
		if (start_tls(s, g) != JG_OK) {
			refused(s, LOGIN_FAILED, "TLS could not start");
			return;
		}
	}
	rc = auth(s, g->plugin, g->scramble, JG_SCRAMBLE_LEN, 1);
	if (rc == JG_ERR_UNSUPPORTED)   /* answer with a native scramble; the server will switch */
		rc = auth(s, "mysql_native_password", g->scramble, JG_SCRAMBLE_LEN, 1);
	if (rc != JG_OK)
		refused(s, LOGIN_FAILED, "handshake response too large");
}

void jg_backend_on_auth_switch(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	char plugin[64];
	const uint8_t *p = pkt + 1, *nul;
	size_t left = len - 1;

	s->lb.seq = (uint8_t)(seq + 1);
	nul = memchr(p, 0, left);
	if (!nul || (size_t)(nul - p) >= sizeof(plugin)) {
		refused(s, LOGIN_FAILED, "bad auth switch");
		return;
	}
	memcpy(plugin, p, (size_t)(nul - p) + 1);
	p = nul + 1;
	left = len - (size_t)(p - pkt);
	if (left > 0 && p[left - 1] == 0)
		left--;
	if (strcmp(plugin, "mysql_clear_password") == 0) {
		clear_password(s, "an auth switch to mysql_clear_password");
		return;
	}
	if (left < JG_SCRAMBLE_LEN || auth(s, plugin, p, JG_SCRAMBLE_LEN, 0) != JG_OK)
		refused(s, "jitgate could not log in to the database: unsupported authentication "
		        "plugin %s", plugin);
	else
		memcpy(s->lb.greet.scramble, p, JG_SCRAMBLE_LEN);
}

void jg_backend_on_more_data(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	s->lb.seq = (uint8_t)(seq + 1);
	/* caching_sha2_password: 0x03 fast path done (OK follows), 0x04 full authentication. */
	if (len == 2 && pkt[1] == 0x03)
		return;
	if (len == 2 && pkt[1] == 0x04) {
		clear_password(s, "caching_sha2_password full authentication");
		return;
	}
	refused(s, LOGIN_FAILED, "unexpected AuthMoreData in its handshake");
}

/* enter_command: both legs are logged in: the client gets its OK and commands may flow. */
static void enter_command(struct jg_session *s)
{
	jg_out_put(&s->cout, jg_pkt_build_ok(jg_out_tail(&s->cout), jg_out_room(&s->cout), s->cl_seq,
	                                     s->lb.status));
	s->resp.cs = jg_resp_entry(JG_RESP_IDLE);
	s->resp.busy = 0;
	jg_dir_reset(&s->c2b);
	jg_dir_reset(&s->b2c);
	jg_dir_release(s->wk, &s->c2b, 1);
	jg_dir_release(s->wk, &s->b2c, 1);
	s->phase = JG_PH_COMMAND;
	jg_session_logged_in(s);
	s->deadline_ms = s->gw->cfg->idle_timeout > 0 ?
	                 jg_now_ms() + (int64_t)s->gw->cfg->idle_timeout * 1000 : 0;
	jg_log(JG_LOG_DEBUG, "session %u: backend thread %u", s->id, s->lb.greet.thread_id);
}

/* set_database: the login's database, as the classifier reads names (lower case). */
static void set_database(struct jg_session *s, const char *name)
{
	size_t i, len = strlen(name);

	if (len >= sizeof(s->sql.db))
		len = 0;                        /* longer than MySQL allows: the server refused it */
	for (i = 0; i < len; i++)
		s->sql.db[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	s->sql.db[i] = '\0';
}

void jg_backend_on_login_ok(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	static const char probe[] = "\x03SELECT @@SESSION.sql_mode, @@SESSION.max_allowed_packet, "
	                            "@@SESSION.character_set_client";
	struct jg_pkt_ok ok;

	s->lb.status = jg_pkt_parse_ok_head(pkt, len, s->lb.caps, &ok) == JG_OK ? ok.status : 0x0002;
	if (s->lb.kill_id) {
		char q[64];
		int k = snprintf(q, sizeof(q), "%cKILL CONNECTION %u", JG_COM_QUERY, s->lb.kill_id);

		jg_out_packet(&s->bout, 0, q, (size_t)k);
		s->phase = JG_PH_KILL;
		return;
	}
	memset(&s->resp, 0, sizeof(s->resp));
	s->resp.deprecate_eof = !!(s->lb.caps & JG_CLIENT_DEPRECATE_EOF);
	memset(&s->sql, 0, sizeof(s->sql));
	set_database(s, s->hello.db);
	if (jg_sql_version_of(s->lb.greet.version, &s->sql.version, &s->sql.mysql) != 0)
		s->sql.version = 0;             /* versioned comments are then refused as ambiguous */
	if (!atomic_load(&s->gw->policy)) {
		enter_command(s);
		return;
	}
	/* The classifier must read strings as the server will: have the server report every change
	 * of the state that decides it, and ask where it starts (and how large a statement the
	 * server takes, which bounds what the command stage holds to judge one). Both queries go
	 * in one write: no round trip is added. */
	s->lb.probes = 0;
	if (jg_state_observed(s)) {
		jg_out_packet(&s->bout, 0, jg_state_track_query, strlen(jg_state_track_query));
		s->lb.probes++;
	}
	jg_out_packet(&s->bout, 0, probe, sizeof(probe) - 1);
	s->lb.probes++;
	jg_resp_expect(&s->resp, JG_COM_QUERY);
	s->phase = JG_PH_SQLMODE;
}

void jg_backend_on_login_err(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	struct jg_pkt_err e;
	char msg[256];
	size_t n = 0;

	if (jg_pkt_parse_err(pkt, len, s->lb.caps, &e) == JG_OK) {
		n = JG_MIN(e.msg_len, sizeof(msg) - 1);
		memcpy(msg, e.msg, n);
	}
	msg[n] = '\0';
	jg_log(JG_LOG_ERR, "backend refused the gateway's login: %s", msg);
	refused(s, LOGIN_FAILED, msg);
}

/* probe_row: the probe's one row (text protocol): sql_mode, max_allowed_packet,
 * character_set_client. */
static int probe_row(struct jg_session *s, const uint8_t *p, uint32_t len)
{
	struct jg_text_row row;
	struct jg_pkt_value mode, max, cs;
	char num[24];

	jg_text_row_init(&row, p, len, 3);
	if (jg_text_row_next(&row, &mode) != JG_OK || jg_text_row_next(&row, &max) != JG_OK ||
	    jg_text_row_next(&row, &cs) != JG_OK || jg_text_row_finish(&row) != JG_OK ||
	    mode.null || max.null || cs.null || max.len == 0 || max.len >= sizeof(num))
		return JG_ERR_PROTO;
	s->sql.charset = (uint8_t)jg_sql_charset_of((const char *)cs.p, cs.len);
	s->charset0 = s->sql.charset;
	/* A mode this gateway does not know could change lexing: fail closed. */
	if (jg_sql_mode_parse((const char *)mode.p, mode.len, &s->sql_mode0) != 0)
		return JG_ERR_PROTO;
	memcpy(num, max.p, max.len);
	num[max.len] = '\0';
	s->lb.max_packet = strtoull(num, NULL, 10);
	s->sql.sql_mode = s->sql_mode0;
	return JG_OK;
}

static int step_sqlmode(struct jg_session *s, const uint8_t *p, uint32_t len)
{
	uint64_t rows = s->resp.rows;

	if (jg_resp_packet(&s->resp, p, len, len) != JG_OK || s->resp.sym == 'e' ||
	    (s->resp.rows > rows && probe_row(s, p, len) != JG_OK)) {
		jg_session_refuse(s, JG_ER_BACKEND_REFUSED, "jitgate could not read the session's "
		                  "sql_mode from the database, which it needs to read statements as the "
		                  "server does; try again");
		return JG_OK;
	}
	if (!jg_resp_done(&s->resp))
		return JG_OK;
	if (--s->lb.probes > 0) {
		jg_resp_expect(&s->resp, JG_COM_QUERY);
		return JG_OK;
	}
	if (s->sql.charset == JG_SQL_CS_OTHER) {
		jg_session_refuse(s, JG_ER_NOT_SUPPORTED, "jitgate reads statements only in the "
		                  "character sets utf8mb4, utf8mb3 (utf8), latin1, ascii and binary, "
		                  "where it knows exactly where the server's strings end; connect with "
		                  "one of them (for example --default-character-set=utf8mb4)");
		return JG_OK;
	}
	enter_command(s);
	return JG_OK;
}

static void kill_answer(struct jg_session *s, int rc, const uint8_t *p, uint32_t len)
{
	if (rc == JG_OK && len > 0 && p[0] == 0x00)
		jg_log(JG_LOG_INFO, "killed backend thread %u", s->lb.kill_id);
	else
		jg_log(JG_LOG_WARN, "kill of backend thread %u: %s", s->lb.kill_id,
		       rc == JG_OK ? "refused by the database (it may have ended already)" :
		       "connection lost");
	jg_session_close(s);
}

static uint8_t symbol(const uint8_t *p, uint32_t len)
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

/* connected: the non-blocking connect finished (or failed). JG_OK, or JG_WAIT until it does. */
static int connected(struct jg_session *s)
{
	const char *why;

	if (!(s->be_events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		return JG_WAIT;
	if (jg_conn_connected(&s->be, &why) != JG_OK) {
		if (s->lb.kill_id)
			refused(s, "%s", why);
		else
			jg_session_refuse(s, JG_ER_BACKEND_DOWN, "jitgate cannot reach the database at "
			                  "%s (%s); try again later or ask the gateway operator",
			                  s->gw->cfg->backend_address, why);
		return JG_ERR_IO;
	}
	s->be_connecting = 0;
	return JG_OK;
}

int jg_backend_step(struct jg_session *s, int *progress)
{
	const uint8_t *p = NULL;
	uint32_t len = 0;
	uint8_t seq = 0;
	int rc;

	*progress = 1;                          /* every way out below did something */
	if (!s->lb.started) {
		start(s);
		return JG_OK;
	}
	if (s->cl.fd >= 0) {
		rc = jg_out_flush(&s->cl, &s->cout);
		if (rc != JG_OK && rc != JG_WAIT) {
			jg_session_fail(s, "client went away during the login");
			return JG_OK;
		}
	}
	if (s->be_connecting && (rc = connected(s)) != JG_OK) {
		*progress = rc != JG_WAIT;
		return rc == JG_WAIT ? JG_WAIT : JG_OK;
	}
	rc = jg_out_flush(&s->be, &s->bout);
	if ((rc == JG_OK || rc == JG_WAIT) && (rc = jg_dir_hold(s->wk, &s->b2c)) == JG_OK)
		rc = jg_pump_packet(&s->be, &s->b2c, &p, &len, &seq);
	if (rc == JG_WAIT) {
		*progress = 0;
		return JG_WAIT;
	}
	if (s->phase == JG_PH_KILL) {
		kill_answer(s, rc, p, len);
		return JG_OK;
	}
	if (rc != JG_OK) {
		refused(s, LOGIN_FAILED, rc == JG_ERR_TLS ? jg_conn_tls_error(&s->be) :
		        "the connection closed during the login");
		return JG_OK;
	}
	if (s->phase == JG_PH_SQLMODE)
		return step_sqlmode(s, p, len);
	if (jg_backend_machine_exec(&s->lb.hs, s, symbol(p, len), p, len, seq) != JG_OK)
		refused(s, LOGIN_FAILED, "unexpected packet in its handshake");
	return JG_OK;
}
