/* handshake.c: connection-phase packets and scrambles; see handshake.h. */
#include "proto/handshake.h"

#include <bearssl.h>
#include <string.h>

int jg_hs_parse_greeting(const uint8_t *p, size_t len, struct jg_greeting *g)
{
	struct jg_rd r;
	const uint8_t *s1, *s2;
	size_t n2;
	int rc;

	memset(g, 0, sizeof(*g));
	jg_rd_init(&r, p, len);
	if (jg_rd_int(&r, 1) != 10)
		return JG_ERR_PROTO;
	if ((rc = jg_rd_cstr(&r, g->version, sizeof(g->version))) != JG_OK)
		return rc;
	g->thread_id = (uint32_t)jg_rd_int(&r, 4);
	s1 = jg_rd_take(&r, 8);
	jg_rd_take(&r, 1);
	g->caps = (uint32_t)jg_rd_int(&r, 2);
	g->charset = (uint8_t)jg_rd_int(&r, 1);
	g->status = (uint16_t)jg_rd_int(&r, 2);
	g->caps |= (uint32_t)jg_rd_int(&r, 2) << 16;
	n2 = (size_t)jg_rd_int(&r, 1);
	jg_rd_take(&r, 10);
	if (r.err || !(g->caps & JG_CLIENT_PROTOCOL_41) || !(g->caps & JG_CLIENT_SECURE_CONNECTION))
		return JG_ERR_PROTO;
	/* Part 2 is max(13, len - 8) bytes, the last a NUL: 12 more scramble bytes. */
	n2 = n2 > 8 ? n2 - 8 : 13;
	if (n2 < 13)
		n2 = 13;
	if (!(s2 = jg_rd_take(&r, n2)))
		return JG_ERR_PROTO;
	memcpy(g->scramble, s1, 8);
	memcpy(g->scramble + 8, s2, 12);
	if (g->caps & JG_CLIENT_PLUGIN_AUTH) {
		if ((rc = jg_rd_cstr(&r, g->plugin, sizeof(g->plugin))) != JG_OK)
			return rc;
	} else {
		strcpy(g->plugin, "mysql_native_password");
	}
	return JG_OK;
}

/* tag_char: what a tag name or value may hold (the policy matches tags as "name=value" words). */
static int tag_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '#';
}

/*
 * read_tags: the "jitgate." connection attributes (lenenc total, then lenenc key / value pairs)
 * into out as "name=value" words, and every pair that fits, as it came, into hs->attrs.
 * Attributes are untrusted and optional: a malformed list or a value with other characters is
 * skipped, never fatal.
 */
static void read_tags(struct jg_rd *r, char *out, size_t cap, struct jg_hs_response *hs)
{
	struct jg_rd a;
	const uint8_t *all, *k, *v;
	size_t total, klen, vlen, n = 0;

	if (!(all = jg_rd_lenenc_str(r, &total)))
		return;
	jg_rd_init(&a, all, total);
	while (jg_rd_left(&a) > 0) {
		size_t pair = a.off;

		k = jg_rd_lenenc_str(&a, &klen);
		v = jg_rd_lenenc_str(&a, &vlen);
		if (a.err)
			return;
		if (a.off - pair <= sizeof(hs->attrs) - hs->attrs_len) {
			memcpy(hs->attrs + hs->attrs_len, a.p + pair, a.off - pair);
			hs->attrs_len = (uint16_t)(hs->attrs_len + (a.off - pair));
		}
		if (klen <= 8 || klen > 64 || vlen == 0 || vlen > 128 || memcmp(k, "jitgate.", 8) != 0)
			continue;
		int ok = 1;
		for (size_t i = 8; i < klen; i++)
			ok &= tag_char(k[i]);
		for (size_t i = 0; i < vlen; i++)
			ok &= tag_char(v[i]);
		if (!ok || n + (klen - 8) + 1 + vlen + 2 > cap)
			continue;
		if (n)
			out[n++] = ' ';
		memcpy(out + n, k + 8, klen - 8);
		n += klen - 8;
		out[n++] = '=';
		memcpy(out + n, v, vlen);
		n += vlen;
		out[n] = '\0';
	}
}

int jg_hs_parse_response(const uint8_t *p, size_t len, struct jg_hs_response *out)
{
	struct jg_rd r;
	int rc;

	memset(out, 0, sizeof(*out));
	jg_rd_init(&r, p, len);
	out->caps = (uint32_t)jg_rd_int(&r, 4);
	out->max_packet = (uint32_t)jg_rd_int(&r, 4);
	out->charset = (uint8_t)jg_rd_int(&r, 1);
	jg_rd_take(&r, 23);
	if (r.err || !(out->caps & JG_CLIENT_PROTOCOL_41))
		return JG_ERR_PROTO;
	if ((rc = jg_rd_cstr(&r, out->user, sizeof(out->user))) != JG_OK)
		return rc;
	if (out->caps & JG_CLIENT_PLUGIN_AUTH_LENENC_DATA)
		out->auth = jg_rd_lenenc_str(&r, &out->auth_len);
	else if (out->caps & JG_CLIENT_SECURE_CONNECTION)
		out->auth = jg_rd_take(&r, out->auth_len = (size_t)jg_rd_int(&r, 1));
	else                             /* old style: the password up to its NUL */
		out->auth = jg_rd_nulstr(&r, &out->auth_len);
	if (r.err)
		return JG_ERR_PROTO;
	if ((out->caps & JG_CLIENT_CONNECT_WITH_DB) && jg_rd_left(&r) > 0 &&
	    (rc = jg_rd_cstr(&r, out->db, sizeof(out->db))) != JG_OK)
		return rc;
	if ((out->caps & JG_CLIENT_PLUGIN_AUTH) && jg_rd_left(&r) > 0 &&
	    (rc = jg_rd_cstr(&r, out->plugin, sizeof(out->plugin))) != JG_OK)
		return rc;
	if ((out->caps & JG_CLIENT_CONNECT_ATTRS) && jg_rd_left(&r) > 0)
		read_tags(&r, out->tags, sizeof(out->tags), out);
	/* Connection attributes are not forwarded to the database. */
	return JG_OK;
}

size_t jg_hs_build_greeting(uint8_t *out, size_t cap, const char *version, uint32_t thread_id,
                            const uint8_t scramble[JG_SCRAMBLE_LEN], uint32_t caps,
                            uint8_t charset, uint16_t status)
{
	struct jg_wr w;

	jg_wr_packet(&w, out, cap);
	jg_wr_int(&w, 10, 1);
	jg_wr_cstr(&w, version);
	jg_wr_int(&w, thread_id, 4);
	jg_wr_bytes(&w, scramble, 8);
	jg_wr_zero(&w, 1);
	jg_wr_int(&w, caps & 0xffff, 2);
	jg_wr_int(&w, charset, 1);
	jg_wr_int(&w, status, 2);
	jg_wr_int(&w, caps >> 16, 2);
	jg_wr_int(&w, JG_SCRAMBLE_LEN + 1, 1);
	jg_wr_zero(&w, 10);
	jg_wr_bytes(&w, scramble + 8, JG_SCRAMBLE_LEN - 8);
	jg_wr_zero(&w, 1);
	jg_wr_cstr(&w, "caching_sha2_password");
	return jg_wr_finish(&w, 0);
}

/* wr_client_head: what SSLRequest and HandshakeResponse41 start with. */
static void wr_client_head(struct jg_wr *w, uint32_t caps, uint32_t max_packet, uint8_t charset)
{
	jg_wr_int(w, caps, 4);
	jg_wr_int(w, max_packet, 4);
	jg_wr_int(w, charset, 1);
	jg_wr_zero(w, 23);
}

size_t jg_hs_build_ssl_request(uint8_t *out, size_t cap, uint8_t seq, uint32_t caps,
                               uint32_t max_packet, uint8_t charset)
{
	struct jg_wr w;

	jg_wr_packet(&w, out, cap);
	wr_client_head(&w, caps, max_packet, charset);
	return jg_wr_finish(&w, seq);
}

size_t jg_hs_build_response(uint8_t *out, size_t cap, uint8_t seq, uint32_t caps,
                            uint32_t max_packet, uint8_t charset, const char *user,
                            const uint8_t *auth, size_t auth_len, const char *db,
                            const char *plugin)
{
	struct jg_wr w;

	jg_wr_packet(&w, out, cap);
	wr_client_head(&w, caps, max_packet, charset);
	jg_wr_cstr(&w, user);
	if (caps & JG_CLIENT_PLUGIN_AUTH_LENENC_DATA) {
		jg_wr_lenenc_str(&w, auth, auth_len);
	} else {
		if (auth_len > 255)
			return 0;
		jg_wr_int(&w, auth_len, 1);
		jg_wr_bytes(&w, auth, auth_len);
	}
	if (caps & JG_CLIENT_CONNECT_WITH_DB)
		jg_wr_cstr(&w, db);
	if (caps & JG_CLIENT_PLUGIN_AUTH)
		jg_wr_cstr(&w, plugin);
	return jg_wr_finish(&w, seq);
}

int jg_hs_scramble(const char *plugin, const char *password, const uint8_t *scramble,
                   size_t scramble_len, uint8_t out[32])
{
	size_t pwlen = strlen(password);

	if (pwlen == 0)
		return 0;
	if (strcmp(plugin, "mysql_native_password") == 0) {
		/* SHA1(pw) XOR SHA1(scramble || SHA1(SHA1(pw))) */
		br_sha1_context c;
		uint8_t h1[20], h2[20], h3[20];

		br_sha1_init(&c);
		br_sha1_update(&c, password, pwlen);
		br_sha1_out(&c, h1);
		br_sha1_init(&c);
		br_sha1_update(&c, h1, 20);
		br_sha1_out(&c, h2);
		br_sha1_init(&c);
		br_sha1_update(&c, scramble, scramble_len);
		br_sha1_update(&c, h2, 20);
		br_sha1_out(&c, h3);
		for (int i = 0; i < 20; i++)
			out[i] = h1[i] ^ h3[i];
		return 20;
	}
	if (strcmp(plugin, "caching_sha2_password") == 0) {
		/* SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) || scramble) */
		br_sha256_context c;
		uint8_t h1[32], h2[32], h3[32];

		br_sha256_init(&c);
		br_sha256_update(&c, password, pwlen);
		br_sha256_out(&c, h1);
		br_sha256_init(&c);
		br_sha256_update(&c, h1, 32);
		br_sha256_out(&c, h2);
		br_sha256_init(&c);
		br_sha256_update(&c, h2, 32);
		br_sha256_update(&c, scramble, scramble_len);
		br_sha256_out(&c, h3);
		for (int i = 0; i < 32; i++)
			out[i] = h1[i] ^ h3[i];
		return 32;
	}
	return -1;
}
