/* test_proto.c: handshake packets, scrambles and framing helpers (src/proto). */
#include "unit.h"

#include "proto/frame.h"
#include "proto/handshake.h"
#include "proto/resp.h"

#include <bearssl.h>

static const uint8_t scramble[JG_SCRAMBLE_LEN] = "abcdefghijklmnopqrst";

JG_TEST(proto_greeting_roundtrip)
{
	uint8_t buf[256];
	struct jg_greeting g;
	size_t n = jg_hs_build_greeting(buf, sizeof(buf), "10.11.19-MariaDB-jitgate", 42, scramble,
	                                JG_CAPS_OFFERED | JG_CLIENT_SSL, 45, 2);

	CHECK(n > 4);
	CHECK_EQ_INT(jg_le24(buf), n - 4);
	CHECK_EQ_INT(buf[3], 0);
	CHECK_EQ_INT(jg_hs_parse_greeting(buf + 4, n - 4, &g), JG_OK);
	CHECK_EQ_STR(g.version, "10.11.19-MariaDB-jitgate");
	CHECK_EQ_INT(g.thread_id, 42);
	CHECK(memcmp(g.scramble, scramble, JG_SCRAMBLE_LEN) == 0);
	CHECK_EQ_INT(g.caps, JG_CAPS_OFFERED | JG_CLIENT_SSL);
	CHECK_EQ_INT(g.charset, 45);
	CHECK_EQ_STR(g.plugin, "caching_sha2_password");
	/* no local files, no compression offered */
	CHECK(!(g.caps & JG_CLIENT_LOCAL_FILES));
	CHECK(!(g.caps & JG_CLIENT_COMPRESS));
}

JG_TEST(proto_greeting_truncated_is_refused)
{
	uint8_t buf[256];
	struct jg_greeting g;
	size_t n = jg_hs_build_greeting(buf, sizeof(buf), "8.0.36", 1, scramble,
	                                JG_CAPS_OFFERED, 45, 2);

	for (size_t cut = 0; cut < 40 && cut < n - 4; cut++)
		CHECK(jg_hs_parse_greeting(buf + 4, cut, &g) != JG_OK);
}

JG_TEST(proto_response_roundtrip)
{
	uint8_t buf[512], auth[300];
	struct jg_hs_response r;
	uint32_t caps = JG_CAPS_OFFERED | JG_CLIENT_CONNECT_WITH_DB;
	size_t n;

	memset(auth, 'T', sizeof(auth));   /* longer than 255: needs the lenenc form */
	n = jg_hs_build_response(buf, sizeof(buf), 2, caps, 1 << 24, 45, "agent", auth,
	                         sizeof(auth), "shop", "mysql_clear_password");
	CHECK(n > 0);
	CHECK_EQ_INT(jg_hs_parse_response(buf + 4, n - 4, &r), JG_OK);
	CHECK_EQ_STR(r.user, "agent");
	CHECK_EQ_STR(r.db, "shop");
	CHECK_EQ_STR(r.plugin, "mysql_clear_password");
	CHECK_EQ_INT(r.auth_len, sizeof(auth));
	CHECK(r.auth && memcmp(r.auth, auth, sizeof(auth)) == 0);
	/* without the lenenc capability a long auth response cannot be encoded */
	CHECK_EQ_INT(jg_hs_build_response(buf, sizeof(buf), 2,
	             caps & ~JG_CLIENT_PLUGIN_AUTH_LENENC_DATA, 1 << 24, 45, "agent", auth,
	             sizeof(auth), "shop", "x"), 0);
}

JG_TEST(proto_response_bounds)
{
	uint8_t buf[1024];
	char user[300];
	struct jg_hs_response r;
	size_t n;

	memset(user, 'u', sizeof(user) - 1);
	user[sizeof(user) - 1] = '\0';
	n = jg_hs_build_response(buf, sizeof(buf), 1, JG_CAPS_OFFERED, 0, 45, user,
	                         (const uint8_t *)"x", 1, NULL, "caching_sha2_password");
	CHECK_EQ_INT(jg_hs_parse_response(buf + 4, n - 4, &r), JG_ERR_TOOBIG);
	/* an auth length past the end of the packet */
	n = jg_hs_build_response(buf, sizeof(buf), 1, JG_CAPS_OFFERED, 0, 45, "a",
	                         (const uint8_t *)"xyz", 3, NULL, "p");
	buf[4 + 32 + 2] = 200;
	CHECK_EQ_INT(jg_hs_parse_response(buf + 4, n - 4, &r), JG_ERR_PROTO);
	/* pre-4.1 clients are refused */
	memset(buf, 0, 40);
	CHECK_EQ_INT(jg_hs_parse_response(buf, 40, &r), JG_ERR_PROTO);
}

JG_TEST(proto_caching_sha2_scramble_verifies_like_a_server)
{
	/* The server stores SHA256(SHA256(pw)) and checks
	 * SHA256(reply XOR SHA256(stored || nonce)) == stored. */
	uint8_t reply[32], h[32], stored[32], key[32], cand[32];
	br_sha256_context c;
	const char *pw = "s3cret-pass";

	CHECK_EQ_INT(jg_hs_scramble("caching_sha2_password", pw, scramble, 20, reply), 32);
	br_sha256_init(&c);
	br_sha256_update(&c, pw, strlen(pw));
	br_sha256_out(&c, h);
	br_sha256_init(&c);
	br_sha256_update(&c, h, 32);
	br_sha256_out(&c, stored);
	br_sha256_init(&c);
	br_sha256_update(&c, stored, 32);
	br_sha256_update(&c, scramble, 20);
	br_sha256_out(&c, key);
	for (int i = 0; i < 32; i++)
		cand[i] = reply[i] ^ key[i];
	br_sha256_init(&c);
	br_sha256_update(&c, cand, 32);
	br_sha256_out(&c, h);
	CHECK(memcmp(h, stored, 32) == 0);
}

JG_TEST(proto_native_scramble_verifies_like_a_server)
{
	/* The server stores SHA1(SHA1(pw)) and checks
	 * SHA1(reply XOR SHA1(nonce || stored)) == stored. */
	uint8_t reply[32], h[20], stored[20], key[20], cand[20];
	br_sha1_context c;
	const char *pw = "s3cret-pass";

	CHECK_EQ_INT(jg_hs_scramble("mysql_native_password", pw, scramble, 20, reply), 20);
	br_sha1_init(&c);
	br_sha1_update(&c, pw, strlen(pw));
	br_sha1_out(&c, h);
	br_sha1_init(&c);
	br_sha1_update(&c, h, 20);
	br_sha1_out(&c, stored);
	br_sha1_init(&c);
	br_sha1_update(&c, scramble, 20);
	br_sha1_update(&c, stored, 20);
	br_sha1_out(&c, key);
	for (int i = 0; i < 20; i++)
		cand[i] = reply[i] ^ key[i];
	br_sha1_init(&c);
	br_sha1_update(&c, cand, 20);
	br_sha1_out(&c, h);
	CHECK(memcmp(h, stored, 20) == 0);
	CHECK_EQ_INT(jg_hs_scramble("mysql_native_password", "", scramble, 20, reply), 0);
	CHECK_EQ_INT(jg_hs_scramble("sha256_password", pw, scramble, 20, reply), -1);
}

/* append_attr: one lenenc key / value pair (both under 251 bytes). */
static size_t append_attr(uint8_t *p, const char *k, const char *v)
{
	size_t kl = strlen(k), vl = strlen(v);

	p[0] = (uint8_t)kl;
	memcpy(p + 1, k, kl);
	p[1 + kl] = (uint8_t)vl;
	memcpy(p + 2 + kl, v, vl);
	return 2 + kl + vl;
}

JG_TEST(proto_response_attribute_tags)
{
	uint8_t buf[1024], attrs[512];
	struct jg_hs_response r;
	size_t n, a = 0;

	n = jg_hs_build_response(buf, sizeof(buf), 1, JG_CAPS_OFFERED, 0, 45, "agent",
	                         (const uint8_t *)"x", 1, NULL, "caching_sha2_password");
	a += append_attr(attrs + a, "_client_name", "libmariadb");
	a += append_attr(attrs + a, "jitgate.ticket", "INC-42");
	a += append_attr(attrs + a, "jitgate.bad", "has space");     /* skipped */
	a += append_attr(attrs + a, "jitgate.env", "prod");
	buf[n] = (uint8_t)a;
	memcpy(buf + n + 1, attrs, a);
	n += 1 + a;
	CHECK_EQ_INT(jg_hs_parse_response(buf + 4, n - 4, &r), JG_OK);
	CHECK_EQ_STR(r.tags, "ticket=INC-42 env=prod");
	/* a total length past the packet: attributes ignored, the login itself still parses */
	buf[n - 1 - a] = 250;
	CHECK_EQ_INT(jg_hs_parse_response(buf + 4, n - 4, &r), JG_OK);
	CHECK_EQ_STR(r.tags, "");
}
