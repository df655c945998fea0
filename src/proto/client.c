/* client.c: login with the client; see client.h and spec/client.rl. */
#include "proto/client.h"

#include "gw/gateway.h"
#include "policy/policy.h"

#include <bearssl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* caching_sha2_password's AuthMoreData "perform full authentication": over TLS the client then
 * sends its password (the token) as it is. */
static const uint8_t full_auth[] = { 0x01, 0x04 };

int jg_client_greet(struct jg_session *s)
{
	br_hmac_drbg_context rng;
	br_prng_seeder seeder = br_prng_seeder_system(NULL);
	char version[96], ours[128];
	uint32_t caps;
	uint8_t charset;

	br_hmac_drbg_init(&rng, &br_sha256_vtable, NULL, 0);
	if (!seeder || !seeder(&rng.vtable)) {
		jg_log(JG_LOG_ERR, "no system random source for the scramble");
		return JG_ERR_INTERNAL;
	}
	br_hmac_drbg_generate(&rng, s->lc.scramble, sizeof(s->lc.scramble));
	for (size_t i = 0; i < sizeof(s->lc.scramble); i++)     /* the scramble is a C string */
		s->lc.scramble[i] = (uint8_t)(s->lc.scramble[i] % 94 + 33);
	jg_gateway_backend(s->gw, version, sizeof(version), &caps, &charset);
	snprintf(ours, sizeof(ours), "%s-jitgate", version);
	caps = (caps & JG_CAPS_OFFERED) | JG_CLIENT_SSL | JG_CLIENT_PLUGIN_AUTH |
	       JG_CLIENT_SECURE_CONNECTION | JG_CLIENT_PROTOCOL_41;
	jg_out_put(&s->cout, jg_hs_build_greeting(jg_out_tail(&s->cout), jg_out_room(&s->cout), ours,
	                                          s->id, s->lc.scramble, caps, charset,
	                                          0x0002 /* autocommit */));
	jg_client_machine_init(&s->lc.hs);
	s->cl_seq = 1;
	s->phase = JG_PH_GREETING;
	s->deadline_ms = jg_now_ms() + (int64_t)s->gw->cfg->handshake_timeout * 1000;
	return s->cout.err;
}

void jg_client_on_ssl_request(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	struct jg_dir *d = &s->c2b;
	int rc;

	/* Bytes read past the SSLRequest are the start of the ClientHello. */
	rc = jg_conn_start_tls_server(&s->cl, s->gw->tls, d->buf + d->r, d->end - d->r);
	jg_dir_reset(d);
	if (rc != JG_OK) {
		jg_session_fail(s, "cannot start TLS");
		return;
	}
	s->lc.tls_up = 1;
	s->cl_seq = (uint8_t)(seq + 1);
}

static void send_auth_more(struct jg_session *s, const uint8_t *data, size_t len)
{
	jg_out_packet(&s->cout, s->cl_seq++, data, len);
}

/* verify_token: the token checked where it lies in the packet buffer, then wiped: it is never
 * copied. On success the session goes on to its credentials (phase CRED). */
static void verify_token(struct jg_session *s, const uint8_t *tok, size_t len)
{
	const struct jg_policy *pol;
	const char *refusal;
	char why[256], user[JG_NAME_MAX];
	int rc;

	while (len > 0 && tok[len - 1] == '\0')   /* clear passwords end with a NUL */
		len--;
	jg_printable(s->hello.user, user, sizeof(user));
	if (len == 0) {
		jg_session_refuse(s, JG_ER_ACCESS_DENIED, "Access denied for user '%s': no token given; "
		                  "use an OIDC token as the password", user);
		return;
	}
	rc = jg_auth_verify(s->gw->auth, (const char *)tok, len, (int64_t)time(NULL), &s->who, why,
	                    sizeof(why));
	explicit_bzero((void *)tok, len);
	if (rc != JG_OK) {
		jg_session_refuse(s, JG_ER_ACCESS_DENIED, "Access denied for user '%s': %s", user, why);
		return;
	}
	jg_log(JG_LOG_INFO, "session %u: login user=%s sub=%s iss=%s jti=%s groups=%s", s->id, user,
	       s->who.sub, s->who.iss, s->who.jti[0] ? s->who.jti : "-", s->who.groups);
	/* With a policy, the user name is the role asked for: refuse at once what no statement
	 * could be allowed under, rather than at the first query. */
	pol = atomic_load(&s->gw->policy);
	if (pol && (refusal = jg_policy_role_refusal(pol, s->hello.user, s->who.groups))) {
		jg_session_refuse(s, JG_ER_ACCESS_DENIED, "Access denied for user '%s': %s", user,
		                  refusal);
		return;
	}
	s->phase = JG_PH_CRED;
}

/* no_token: the client answered with an empty password (no token given). */
static void no_token(struct jg_session *s)
{
	static const uint8_t none[1];

	verify_token(s, none, 0);
}

void jg_client_on_response(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	struct jg_hs_response *h = &s->hello;
	char user[JG_NAME_MAX];
	int rc;

	s->cl_seq = (uint8_t)(seq + 1);
	rc = jg_hs_parse_response(pkt, len, h);
	if (rc != JG_OK) {
		jg_session_refuse(s, JG_ER_HANDSHAKE, "Bad handshake: %s in the handshake response",
		                  rc == JG_ERR_TOOBIG ? "a name too long" : "malformed fields");
		return;
	}
	if (!s->lc.tls_up) {
		jg_session_refuse(s, JG_ER_ACCESS_DENIED, "Access denied for user '%s': jitgate requires "
		                  "TLS; connect with TLS enabled (mariadb --ssl, PyMySQL ssl=..., mysql2 "
		                  "ssl: {...}) and the token as password",
		                  jg_printable(h->user, user, sizeof(user)));
		return;
	}
	if (h->caps & JG_CLIENT_COMPRESS) {
		/* Not offered in the greeting: a client that asks anyway would compress. */
		jg_session_refuse(s, JG_ER_HANDSHAKE, "Bad handshake: compression is not available "
		                  "through jitgate; connect without it");
		return;
	}
	/* Clients ask for LOCAL INFILE unasked; the backend never gets it, so LOAD DATA LOCAL
	 * fails at the server with its own clear error. */
	h->caps &= JG_CAPS_OFFERED | JG_CLIENT_SSL;
	s->phase = JG_PH_AUTH;
	if (strcmp(h->plugin, "mysql_clear_password") == 0) {
		verify_token(s, h->auth, h->auth_len);
	} else if (strcmp(h->plugin, "caching_sha2_password") == 0 && h->auth_len == 0) {
		no_token(s);            /* an empty password sends no scramble at all */
	} else if (strcmp(h->plugin, "caching_sha2_password") == 0) {
		s->lc.auth_step = 1;
		send_auth_more(s, full_auth, sizeof(full_auth));
	} else {
		/* Any other plugin: switch to caching_sha2_password, which every client we know has. */
		uint8_t sw[1 + 22 + JG_SCRAMBLE_LEN + 1];

		sw[0] = 0xfe;
		memcpy(sw + 1, "caching_sha2_password", 22);
		memcpy(sw + 23, s->lc.scramble, JG_SCRAMBLE_LEN);
		sw[sizeof(sw) - 1] = 0;
		s->lc.auth_step = 0;
		send_auth_more(s, sw, sizeof(sw));
	}
	h->auth = NULL;
	h->auth_len = 0;
}

void jg_client_on_auth_data(struct jg_session *s, const uint8_t *pkt, uint32_t len, uint8_t seq)
{
	s->cl_seq = (uint8_t)(seq + 1);
	if (s->phase != JG_PH_AUTH)
		return;
	if (s->lc.auth_step == 0) {
		/* The scramble answering our switch: ignored, but an empty one means an empty password,
		 * which full authentication would only turn into a lost connection. */
		if (len == 0) {
			no_token(s);
			return;
		}
		s->lc.auth_step = 1;
		send_auth_more(s, full_auth, sizeof(full_auth));
		return;
	}
	verify_token(s, pkt, len);
}

int jg_client_step(struct jg_session *s, int *progress)
{
	const uint8_t *p;
	uint32_t len;
	uint8_t seq;
	int rc;

	/* A TLS leg only receives in jg_conn_read: read even while our output waits, since the
	 * engine may need the peer's records to make room. */
	rc = jg_out_flush(&s->cl, &s->cout);
	if (rc != JG_OK && rc != JG_WAIT) {
		jg_session_fail(s, "client went away during the handshake");
		return JG_OK;
	}
	if ((rc = jg_dir_hold(s->wk, &s->c2b)) == JG_OK)
		rc = jg_pump_packet(&s->cl, &s->c2b, &p, &len, &seq);
	if (rc == JG_WAIT)
		return JG_WAIT;
	*progress = 1;
	if (rc == JG_ERR_TOOBIG) {
		/* The ERR answers the packet that is too large: only its header was read. */
		s->cl_seq = (uint8_t)(s->c2b.f.seq + 1);
		if (s->phase == JG_PH_AUTH)
			jg_session_refuse(s, JG_ER_ACCESS_DENIED, "Access denied: token is longer than %d "
			                  "bytes", JG_TOKEN_MAX);
		else if (s->lc.tls_up)      /* a mysql_clear_password token in the response */
			jg_session_refuse(s, JG_ER_ACCESS_DENIED, "Access denied: the handshake response "
			                  "is longer than %d bytes; a token is at most %d bytes",
			                  JG_DIR_BUF - JG_FRAME_HDR, JG_TOKEN_MAX);
		else
			jg_session_refuse(s, JG_ER_HANDSHAKE, "Bad handshake: packet too large");
		return JG_OK;
	}
	if (rc != JG_OK) {
		jg_session_fail(s, rc == JG_ERR_TLS ? "TLS handshake with the client failed" :
		                "client went away during the handshake");
		return JG_OK;
	}
	if (jg_client_machine_exec(&s->lc.hs, s, len == 32 ? 's' : 'h', p, len, seq) != JG_OK) {
		s->cl_seq = (uint8_t)(seq + 1);     /* no action ran: the ERR answers this packet */
		jg_session_refuse(s, JG_ER_HANDSHAKE, "Bad handshake");
	}
	return JG_OK;
}
