/* handshake.c: connection-phase packets and scrambles; see handshake.h. */
#include "proto/handshake.h"

#include "proto/frame.h"
#include "proto/resp.h"

#include <bearssl.h>
#include <string.h>

/* A bounded reader over one packet payload. */
struct rd {
	const uint8_t *p;
	size_t len, off;
	int bad;
};

static const uint8_t *rd_take(struct rd *r, size_t n)
{
	const uint8_t *q;

	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static uint32_t rd_int(struct rd *r, size_t n)
{
	const uint8_t *q = rd_take(r, n);
	uint32_t v = 0;

	for (size_t i = n; q && i > 0; i--)
		v = v << 8 | q[i - 1];
	return v;
}

/* rd_cstr: a NUL-terminated string into out (cap bytes); an absent NUL at the end is allowed. */
static int rd_cstr(struct rd *r, char *out, size_t cap)
{
	const uint8_t *start, *nul;
	size_t n;

	if (r->bad)
		return JG_ERR_PROTO;
	start = r->p + r->off;
	nul = memchr(start, 0, r->len - r->off);
	n = nul ? (size_t)(nul - start) : r->len - r->off;
	if (n >= cap)
		return JG_ERR_TOOBIG;
	memcpy(out, start, n);
	out[n] = '\0';
	r->off += n + (nul ? 1 : 0);
	return JG_OK;
}

int jg_hs_parse_greeting(const uint8_t *p, size_t len, struct jg_greeting *g)
{
	struct rd r = { p, len, 0, 0 };
	const uint8_t *s1, *s2;
	size_t n2;
	int rc;

	memset(g, 0, sizeof(*g));
	if (rd_int(&r, 1) != 10)
		return JG_ERR_PROTO;
	if ((rc = rd_cstr(&r, g->version, sizeof(g->version))) != JG_OK)
		return rc;
	g->thread_id = rd_int(&r, 4);
	s1 = rd_take(&r, 8);
	rd_take(&r, 1);
	g->caps = rd_int(&r, 2);
	g->charset = (uint8_t)rd_int(&r, 1);
	g->status = (uint16_t)rd_int(&r, 2);
	g->caps |= rd_int(&r, 2) << 16;
	n2 = rd_int(&r, 1);
	rd_take(&r, 10);
	if (r.bad || !(g->caps & JG_CLIENT_PROTOCOL_41) || !(g->caps & JG_CLIENT_SECURE_CONNECTION))
		return JG_ERR_PROTO;
	/* Part 2 is max(13, len - 8) bytes, the last a NUL: 12 more scramble bytes. */
	n2 = n2 > 8 ? n2 - 8 : 13;
	if (n2 < 13)
		n2 = 13;
	if (!(s2 = rd_take(&r, n2)))
		return JG_ERR_PROTO;
	memcpy(g->scramble, s1, 8);
	memcpy(g->scramble + 8, s2, 12);
	if (g->caps & JG_CLIENT_PLUGIN_AUTH) {
		if ((rc = rd_cstr(&r, g->plugin, sizeof(g->plugin))) != JG_OK)
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
 * into out as "name=value" words. Attributes are untrusted and optional: a malformed list or a
 * value with other characters is skipped, never fatal.
 */
static void read_tags(struct rd *r, char *out, size_t cap)
{
	uint64_t total, klen, vlen;
	size_t used, end, n = 0;
	const uint8_t *k, *v;

	used = jg_lenenc(r->p + r->off, r->len - r->off, &total);
	if (!used || total > r->len - r->off - used)
		return;
	r->off += used;
	end = r->off + (size_t)total;
	while (r->off < end) {
		used = jg_lenenc(r->p + r->off, end - r->off, &klen);
		if (!used || klen > end - r->off - used)
			return;
		k = r->p + r->off + used;
		r->off += used + (size_t)klen;
		used = jg_lenenc(r->p + r->off, end - r->off, &vlen);
		if (!used || vlen > end - r->off - used)
			return;
		v = r->p + r->off + used;
		r->off += used + (size_t)vlen;
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
	struct rd r = { p, len, 0, 0 };
	uint64_t n;
	size_t used;
	int rc;

	memset(out, 0, sizeof(*out));
	out->caps = rd_int(&r, 4);
	out->max_packet = rd_int(&r, 4);
	out->charset = (uint8_t)rd_int(&r, 1);
	rd_take(&r, 23);
	if (r.bad || !(out->caps & JG_CLIENT_PROTOCOL_41))
		return JG_ERR_PROTO;
	if ((rc = rd_cstr(&r, out->user, sizeof(out->user))) != JG_OK)
		return rc;
	if (out->caps & JG_CLIENT_PLUGIN_AUTH_LENENC_DATA) {
		used = jg_lenenc(r.p + r.off, r.len - r.off, &n);
		if (!used || n > r.len)
			return JG_ERR_PROTO;
		r.off += used;
	} else if (out->caps & JG_CLIENT_SECURE_CONNECTION) {
		n = rd_int(&r, 1);
	} else {
		const uint8_t *nul = memchr(r.p + r.off, 0, r.len - r.off);
		n = nul ? (size_t)(nul - (r.p + r.off)) : r.len - r.off;
	}
	out->auth_len = (size_t)n;
	out->auth = rd_take(&r, out->auth_len);
	if (r.bad)
		return JG_ERR_PROTO;
	if (!(out->caps & (JG_CLIENT_PLUGIN_AUTH_LENENC_DATA | JG_CLIENT_SECURE_CONNECTION)) &&
	    r.off < r.len)
		r.off++;                     /* the NUL after an old-style password */
	if ((out->caps & JG_CLIENT_CONNECT_WITH_DB) && r.off < r.len &&
	    (rc = rd_cstr(&r, out->db, sizeof(out->db))) != JG_OK)
		return rc;
	if ((out->caps & JG_CLIENT_PLUGIN_AUTH) && r.off < r.len &&
	    (rc = rd_cstr(&r, out->plugin, sizeof(out->plugin))) != JG_OK)
		return rc;
	if ((out->caps & JG_CLIENT_CONNECT_ATTRS) && r.off < r.len)
		read_tags(&r, out->tags, sizeof(out->tags));
	/* Connection attributes are not forwarded to the database. */
	return JG_OK;
}

/* A bounded writer into an output buffer, leaving room for the packet header. */
struct wr {
	uint8_t *p;
	size_t cap, off;
	int bad;
};

static void wr_bytes(struct wr *w, const void *src, size_t n)
{
	if (w->bad || w->cap - w->off < n) {
		w->bad = 1;
		return;
	}
	memcpy(w->p + w->off, src, n);
	w->off += n;
}

static void wr_int(struct wr *w, uint32_t v, size_t n)
{
	uint8_t b[4];

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	wr_bytes(w, b, n);
}

static void wr_zero(struct wr *w, size_t n)
{
	static const uint8_t zeros[32];

	wr_bytes(w, zeros, n);
}

static void wr_cstr(struct wr *w, const char *s)
{
	wr_bytes(w, s, strlen(s) + 1);
}

static void wr_lenenc(struct wr *w, uint64_t v)
{
	if (v < 251) {
		wr_int(w, (uint32_t)v, 1);
	} else if (v < 0x10000) {
		wr_int(w, 0xfc, 1);
		wr_int(w, (uint32_t)v, 2);
	} else if (v < 0x1000000) {
		wr_int(w, 0xfd, 1);
		wr_int(w, (uint32_t)v, 3);
	} else {
		wr_int(w, 0xfe, 1);
		wr_int(w, (uint32_t)v, 4);
		wr_int(w, (uint32_t)(v >> 32), 4);
	}
}

static struct wr wr_start(uint8_t *out, size_t cap)
{
	struct wr w = { out, cap, JG_FRAME_HDR, cap < JG_FRAME_HDR };

	return w;
}

static size_t wr_finish(struct wr *w, uint8_t seq)
{
	if (w->bad || w->off - JG_FRAME_HDR >= JG_FRAME_MAX)
		return 0;
	jg_frame_put_header(w->p, (uint32_t)(w->off - JG_FRAME_HDR), seq);
	return w->off;
}

size_t jg_pkt_build(uint8_t *out, size_t cap, uint8_t seq, const void *payload, size_t len)
{
	struct wr w = wr_start(out, cap);

	wr_bytes(&w, payload, len);
	return wr_finish(&w, seq);
}

size_t jg_hs_build_greeting(uint8_t *out, size_t cap, const char *version, uint32_t thread_id,
                            const uint8_t scramble[JG_SCRAMBLE_LEN], uint32_t caps,
                            uint8_t charset, uint16_t status)
{
	struct wr w = wr_start(out, cap);

	wr_int(&w, 10, 1);
	wr_cstr(&w, version);
	wr_int(&w, thread_id, 4);
	wr_bytes(&w, scramble, 8);
	wr_zero(&w, 1);
	wr_int(&w, caps & 0xffff, 2);
	wr_int(&w, charset, 1);
	wr_int(&w, status, 2);
	wr_int(&w, caps >> 16, 2);
	wr_int(&w, JG_SCRAMBLE_LEN + 1, 1);
	wr_zero(&w, 10);
	wr_bytes(&w, scramble + 8, JG_SCRAMBLE_LEN - 8);
	wr_zero(&w, 1);
	wr_cstr(&w, "caching_sha2_password");
	return wr_finish(&w, 0);
}

size_t jg_pkt_build_ok(uint8_t *out, size_t cap, uint8_t seq, uint16_t status)
{
	struct wr w = wr_start(out, cap);

	wr_int(&w, 0, 1);
	wr_lenenc(&w, 0);
	wr_lenenc(&w, 0);
	wr_int(&w, status, 2);
	wr_int(&w, 0, 2);
	return wr_finish(&w, seq);
}

size_t jg_pkt_build_err(uint8_t *out, size_t cap, uint8_t seq, uint16_t code, const char *sqlstate,
                        const char *msg)
{
	struct wr w = wr_start(out, cap);
	size_t n = strlen(msg);

	wr_int(&w, 0xff, 1);
	wr_int(&w, code, 2);
	wr_bytes(&w, "#", 1);
	wr_bytes(&w, sqlstate, 5);
	/* A message longer than the buffer is cut at a character boundary rather than dropped. */
	if (n > w.cap - w.off)
		n = w.cap - w.off;
	while (n > 0 && n < strlen(msg) && ((uint8_t)msg[n] & 0xc0) == 0x80)
		n--;
	wr_bytes(&w, msg, n);
	return wr_finish(&w, seq);
}

size_t jg_hs_build_ssl_request(uint8_t *out, size_t cap, uint8_t seq, uint32_t caps,
                               uint32_t max_packet, uint8_t charset)
{
	struct wr w = wr_start(out, cap);

	wr_int(&w, caps, 4);
	wr_int(&w, max_packet, 4);
	wr_int(&w, charset, 1);
	wr_zero(&w, 23);
	return wr_finish(&w, seq);
}

size_t jg_hs_build_response(uint8_t *out, size_t cap, uint8_t seq, uint32_t caps,
                            uint32_t max_packet, uint8_t charset, const char *user,
                            const uint8_t *auth, size_t auth_len, const char *db,
                            const char *plugin)
{
	struct wr w = wr_start(out, cap);

	wr_int(&w, caps, 4);
	wr_int(&w, max_packet, 4);
	wr_int(&w, charset, 1);
	wr_zero(&w, 23);
	wr_cstr(&w, user);
	if (caps & JG_CLIENT_PLUGIN_AUTH_LENENC_DATA) {
		wr_lenenc(&w, auth_len);
	} else {
		if (auth_len > 255)
			return 0;
		wr_int(&w, (uint32_t)auth_len, 1);
	}
	wr_bytes(&w, auth, auth_len);
	if (caps & JG_CLIENT_CONNECT_WITH_DB)
		wr_cstr(&w, db ? db : "");
	if (caps & JG_CLIENT_PLUGIN_AUTH)
		wr_cstr(&w, plugin);
	return wr_finish(&w, seq);
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
