/*
 * mkseeds.c: writes the seed corpora under fuzz/<target>/corpus/ (`make fuzz-seeds`, or
 * `build/fuzz/mkseeds TARGET...` for some). Run once when a harness's input format changes; the
 * seeds are committed. Packets come from the
 * gateway's own builders where it has them and are written out byte by byte where it does not,
 * as a MariaDB or MySQL server and client send them. Token seeds are signed with dev keys made
 * for this run only, so they exercise everything up to the signature check.
 */
#include "cli/cli.h"
#include "proto/handshake.h"
#include "proto/resp.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct buf {
	uint8_t b[4096];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (n > sizeof(b->b) - b->n)
		abort();
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put_bytes(struct buf *b, int n, ...)
{
	va_list ap;
	uint8_t c;

	va_start(ap, n);
	while (n-- > 0) {
		c = (uint8_t)va_arg(ap, int);
		put(b, &c, 1);
	}
	va_end(ap);
}

static void put_str(struct buf *b, const char *s)   /* with its NUL */
{
	put(b, s, strlen(s) + 1);
}

static void put_lenstr(struct buf *b, const char *s)
{
	put_bytes(b, 1, (int)strlen(s));
	put(b, s, strlen(s));
}

static void save(const char *target, const char *name, const void *p, size_t n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "fuzz/%s/corpus/%s", target, name);
	if (!(f = fopen(path, "wb")) || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void save_text(const char *target, const char *name, const char *s)
{
	save(target, name, s, strlen(s));
}

/* ---- handshake_response ---- */

static void handshake_response(void)
{
	static const char *token = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImRldi1lczI1NiIsInR5cCI6IkpXVCJ9."
	                           "eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwiYXVkIjoiaml0Z2F0ZSJ9.c2ln";
	uint8_t pkt[1024], auth[32];
	uint32_t caps = JG_CAPS_OFFERED;
	struct buf b = { .n = 0 };
	size_t n;

	for (size_t i = 0; i < sizeof(auth); i++)
		auth[i] = (uint8_t)(0x5a ^ i * 37);
	n = jg_hs_build_response(pkt, sizeof(pkt), 1, caps, 1 << 24, 45, "alice", auth, 20, "shop",
	                         "mysql_native_password");
	save("handshake_response", "native-db", pkt + 4, n - 4);
	n = jg_hs_build_response(pkt, sizeof(pkt), 2, caps & ~JG_CLIENT_CONNECT_WITH_DB, 1 << 24, 255,
	                         "bob", auth, 32, NULL, "caching_sha2_password");
	save("handshake_response", "sha2", pkt + 4, n - 4);
	n = jg_hs_build_response(pkt, sizeof(pkt), 2, caps, 1 << 30, 33, "carol",
	                         (const uint8_t *)token, strlen(token) + 1, "", "mysql_clear_password");
	save("handshake_response", "clear-token", pkt + 4, n - 4);
	/* mysql client 8.0 style: connection attributes after the plugin name. */
	n = jg_hs_build_response(pkt, sizeof(pkt), 1, caps | JG_CLIENT_CONNECT_ATTRS, 1 << 24, 255,
	                         "dave", auth, 20, NULL, "mysql_native_password");
	put(&b, pkt + 4, n - 4);
	put_bytes(&b, 1, 20);
	put_lenstr(&b, "_os");
	put_lenstr(&b, "Linux");
	put_lenstr(&b, "_pid");
	put_lenstr(&b, "12345");
	save("handshake_response", "attrs", b.b, b.n);
	/* 4.1 client without PLUGIN_AUTH: one length byte, no plugin name. */
	n = jg_hs_build_response(pkt, sizeof(pkt), 1, JG_CLIENT_PROTOCOL_41 |
	                         JG_CLIENT_SECURE_CONNECTION | JG_CLIENT_LONG_PASSWORD, 1 << 24, 8,
	                         "root", auth, 20, NULL, NULL);
	save("handshake_response", "no-plugin", pkt + 4, n - 4);
	/* Old style: the password NUL-terminated. */
	b.n = 0;
	put_bytes(&b, 9, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08);
	put(&b, (const uint8_t[23]){ 0 }, 23);
	put_str(&b, "olduser");
	put_str(&b, "12345678");
	save("handshake_response", "old-style", b.b, b.n);
	/* SSLRequest: the 32-byte prefix alone. */
	n = jg_hs_build_ssl_request(pkt, sizeof(pkt), 1, caps | JG_CLIENT_SSL, 1 << 24, 45);
	save("handshake_response", "ssl-request", pkt + 4, n - 4);
}

/* ---- greeting ---- */

static void greeting(void)
{
	uint8_t pkt[256], scramble[JG_SCRAMBLE_LEN];
	struct buf b = { .n = 0 };
	uint32_t caps = 0xf7fe | (uint32_t)0x81bf << 16;
	size_t n;

	for (size_t i = 0; i < sizeof(scramble); i++)
		scramble[i] = (uint8_t)(0x21 + i * 3);
	n = jg_hs_build_greeting(pkt, sizeof(pkt), "8.0.36", 17, scramble, caps, 255, 2);
	save("greeting", "mysql8", pkt + 4, n - 4);
	/* MariaDB: "5.5.5-" prefix, extended capabilities in the reserved bytes, native password. */
	put_bytes(&b, 1, 10);
	put_str(&b, "5.5.5-10.11.6-MariaDB-0+deb12u1");
	put_bytes(&b, 4, 0x2a, 0, 0, 0);
	put(&b, scramble, 8);
	put_bytes(&b, 1, 0);
	put_bytes(&b, 2, 0xfe, 0xf7);
	put_bytes(&b, 1, 45);
	put_bytes(&b, 2, 2, 0);
	put_bytes(&b, 2, 0xff, 0x81);
	put_bytes(&b, 1, 21);
	put_bytes(&b, 10, 0, 0, 0, 0, 0, 0, 0x1d, 0, 0, 0);
	put(&b, scramble + 8, 12);
	put_bytes(&b, 1, 0);
	put_str(&b, "mysql_native_password");
	save("greeting", "mariadb", b.b, b.n);
	/* No CLIENT_PLUGIN_AUTH: the plugin name is absent. */
	n = jg_hs_build_greeting(pkt, sizeof(pkt), "5.1.73", 9, scramble, 0xf7ff, 8, 2);
	save("greeting", "no-plugin", pkt + 4, n - 4 - 22);
	/* A server that refuses the connection answers with ERR instead. */
	n = jg_pkt_build_err(pkt, sizeof(pkt), 0, 1130, "HY000",
	                     "Host '10.0.0.7' is not allowed to connect to this MariaDB server");
	save("greeting", "err", pkt + 4, n - 4);
}

/* ---- response: CMD FLAGS then records (see fuzz/response/harness.c) ---- */

static void rec(struct buf *b, const struct buf *pkt)
{
	put_bytes(b, 2, (int)(pkt->n & 0xff), (int)(pkt->n >> 8));
	put(b, pkt->b, pkt->n);
}

static void rec_bytes(struct buf *b, int n, ...)
{
	struct buf p = { .n = 0 };
	va_list ap;

	va_start(ap, n);
	while (n-- > 0) {
		uint8_t c = (uint8_t)va_arg(ap, int);

		put(&p, &c, 1);
	}
	va_end(ap);
	rec(b, &p);
}

#define OK(b, status) rec_bytes(b, 7, 0x00, 0, 0, (status) & 0xff, (status) >> 8, 0, 0)
#define EOFP(b, status) rec_bytes(b, 5, 0xfe, 0, 0, (status) & 0xff, (status) >> 8)
#define OK_FE(b, status) rec_bytes(b, 7, 0xfe, 0, 0, (status) & 0xff, (status) >> 8, 0, 0)

static void coldef(struct buf *b, const char *name)
{
	struct buf p = { .n = 0 };

	put_lenstr(&p, "def");
	put_lenstr(&p, "shop");
	put_lenstr(&p, "orders");
	put_lenstr(&p, "orders");
	put_lenstr(&p, name);
	put_lenstr(&p, name);
	put_bytes(&p, 13, 0x0c, 0x21, 0, 0xfc, 0x03, 0, 0, 0xfd, 0, 0, 0, 0, 0);
	rec(b, &p);
}

static void textrow(struct buf *b, const char *v1, const char *v2)
{
	struct buf p = { .n = 0 };

	if (v1)
		put_lenstr(&p, v1);
	else
		put_bytes(&p, 1, 0xfb);
	put_lenstr(&p, v2);
	rec(b, &p);
}

static void start(struct buf *b, int cmd, int deprecate_eof)
{
	b->n = 0;
	put_bytes(b, 2, cmd, deprecate_eof);
}

static void response(void)
{
	struct buf b;

	start(&b, JG_COM_QUERY, 0);
	OK(&b, 2);
	save("response", "query-ok", b.b, b.n);

	start(&b, JG_COM_QUERY, 0);
	rec_bytes(&b, 1, 2);
	coldef(&b, "id");
	coldef(&b, "card");
	EOFP(&b, 0x22);
	textrow(&b, "1", "4111111111111111");
	textrow(&b, NULL, "");
	EOFP(&b, 0x22);
	save("response", "query-rows-eof", b.b, b.n);

	start(&b, JG_COM_QUERY, 1);
	rec_bytes(&b, 1, 2);
	coldef(&b, "id");
	coldef(&b, "card");
	textrow(&b, "1", "4111111111111111");
	OK_FE(&b, 0x22);
	save("response", "query-rows-deprecate-eof", b.b, b.n);

	/* CALL: a result set, then the final OK, joined by SERVER_MORE_RESULTS_EXISTS. */
	start(&b, JG_COM_QUERY, 1);
	OK(&b, 0x0a);
	rec_bytes(&b, 1, 1);
	coldef(&b, "n");
	textrow(&b, "7", "x");
	OK_FE(&b, 0x2a);
	OK(&b, 0x02);
	save("response", "multi-results", b.b, b.n);

	start(&b, JG_COM_QUERY, 0);
	rec_bytes(&b, 9, 0xff, 0x7a, 0x04, '#', '4', '2', 'S', '0', '2');
	save("response", "query-err", b.b, b.n);

	start(&b, JG_COM_QUERY, 0);
	rec_bytes(&b, 6, 0xfb, '/', 'e', 't', 'c', '/');
	save("response", "local-infile", b.b, b.n);

	/* A row of 16 MiB and more: only the first bytes are given. */
	start(&b, JG_COM_QUERY, 1);
	rec_bytes(&b, 1, 1);
	coldef(&b, "blob");
	put_bytes(&b, 6, 0x00, 0x80, 0xff, 0xff, 0xff, 0x00);
	put_bytes(&b, 4, 0xfd, 0xfb, 0xff, 0xff);
	for (int i = 0; i < 60; i++)
		put_bytes(&b, 1, 'A');
	OK_FE(&b, 2);
	save("response", "big-row", b.b, b.n);

	start(&b, JG_COM_STMT_PREPARE, 0);
	rec_bytes(&b, 12, 0x00, 1, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0);
	coldef(&b, "?");
	EOFP(&b, 2);
	coldef(&b, "id");
	coldef(&b, "card");
	EOFP(&b, 2);
	save("response", "prepare", b.b, b.n);

	/* COM_STMT_EXECUTE with a cursor: the definitions end with CURSOR_EXISTS, FETCH follows. */
	start(&b, JG_COM_STMT_EXECUTE, 0);
	rec_bytes(&b, 1, 1);
	coldef(&b, "id");
	EOFP(&b, 0x42);
	put_bytes(&b, 3, 0xff, 0xff, JG_COM_STMT_FETCH);
	rec_bytes(&b, 10, 0x00, 0x00, 1, 0, 0, 0, 0, 0, 0, 0);
	EOFP(&b, 0x42);
	save("response", "execute-cursor-fetch", b.b, b.n);

	/* A stored program's cursor leaves CURSOR_EXISTS in a COM_QUERY result's EOFs (0x6a). */
	start(&b, JG_COM_QUERY, 0);
	rec_bytes(&b, 1, 1);
	coldef(&b, "v");
	EOFP(&b, 0x6a);
	textrow(&b, "1", "x");
	EOFP(&b, 0x6a);
	OK(&b, 0x22);
	save("response", "query-cursor-flag", b.b, b.n);

	start(&b, JG_COM_FIELD_LIST, 0);
	coldef(&b, "id");
	coldef(&b, "card");
	EOFP(&b, 2);
	save("response", "field-list", b.b, b.n);

	start(&b, JG_COM_STATISTICS, 0);
	rec_bytes(&b, 12, 'U', 'p', 't', 'i', 'm', 'e', ':', ' ', '4', '2', ' ', ' ');
	save("response", "statistics", b.b, b.n);

	start(&b, JG_COM_PING, 0);
	OK(&b, 2);
	put_bytes(&b, 3, 0xff, 0xff, JG_COM_INIT_DB);
	OK(&b, 2);
	OK(&b, 2);          /* nothing outstanding: an error */
	save("response", "ping-initdb-extra", b.b, b.n);

	start(&b, JG_COM_STMT_CLOSE, 0);
	OK(&b, 2);
	save("response", "close-then-packet", b.b, b.n);
}

/* ---- pkt: SEL CAPS4 then the reader's input (see fuzz/pkt/harness.c) ---- */

/* hexput: bytes written as hex pairs, spaces ignored. */
static void hexput(struct buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == ' ')
			continue;
		char h[3] = { s[0], s[1], 0 };

		put_bytes(b, 1, (int)strtoul(h, NULL, 16));
		s++;
	}
}

static void pkt_seed(const char *name, int sel, uint32_t caps, const char *pre, const char *hex)
{
	struct buf b = { .n = 0 };

	put_bytes(&b, 5, sel, (int)(caps & 0xff), (int)(caps >> 8 & 0xff), (int)(caps >> 16 & 0xff),
	          (int)(caps >> 24));
	if (pre)
		hexput(&b, pre);
	hexput(&b, hex);
	save("pkt", name, b.b, b.n);
}

static void pkt(void)
{
	const uint32_t c41 = JG_CLIENT_PROTOCOL_41 | JG_CLIENT_TRANSACTIONS;
	const uint32_t track = c41 | JG_CLIENT_SESSION_TRACK;
	struct buf b = { .n = 0 };
	uint8_t pk[64];
	size_t n;

	/* Captured from MariaDB 10.11 (tests/unit/test_pkt.c has them with their statements). */
	pkt_seed("ok", 0, c41, NULL, "00 00 00 02 00 00 00");
	pkt_seed("ok-info", 0, c41, NULL, "00 03 00 22 00 00 00 28 52 6f 77 73 20 6d 61 74 63 68 65 "
	         "64 3a 20 33 20 20 43 68 61 6e 67 65 64 3a 20 33 20 20 57 61 72 6e 69 6e 67 73 3a 20 30");
	pkt_seed("ok-sysvar", 0, track, NULL, "00 00 00 02 42 00 00 00 20 00 1e 08 73 71 6c 5f 6d 6f 64 "
	         "65 14 4e 4f 5f 42 41 43 4b 53 4c 41 53 48 5f 45 53 43 41 50 45 53");
	pkt_seed("ok-schema-state", 0, track, NULL, "00 00 00 02 42 00 00 00 0b 01 06 05 73 68 6f 70 32 "
	         "02 01 31");
	pkt_seed("ok-fe-trx", 0, track, NULL, "fe 00 00 03 42 00 00 00 0b 05 09 08 54 5f 5f 5f 5f 5f "
	         "5f 5f");
	pkt_seed("err", 1, c41, NULL, "ff 19 04 23 34 32 30 30 30 55 6e 6b 6e 6f 77 6e 20 64 61 74 61 "
	         "62 61 73 65");
	pkt_seed("err-no-state", 1, c41, NULL, "ff 6a 04 48 6f 73 74 20 27 31 30 2e 30 2e 30 2e 37 27");
	pkt_seed("eof", 2, c41, NULL, "fe 00 00 22 00");
	pkt_seed("coldef", 3, 0, NULL, "03 64 65 66 02 74 31 02 74 79 02 74 79 01 6b 01 6b 0c 3f 00 1a "
	         "00 00 00 0c 80 00 06 00 00");
	pkt_seed("coldef-default", 3, 0, NULL, "03 64 65 66 02 74 31 01 6b 01 6b 04 6e 61 6d 65 04 6e 61 "
	         "6d 65 0c 2d 00 50 00 00 00 fd 00 00 00 00 00 01 78");
	pkt_seed("coldef-default-null", 3, 0, NULL, "03 64 65 66 02 74 31 01 6b 01 6b 04 6e 6f 74 65 04 "
	         "6e 6f 74 65 0c 2d 00 fc ff 03 00 fc 10 00 00 00 00 fb");
	pkt_seed("text-row", 4, 0, "03", "01 61 fb 00");
	pkt_seed("text-row-long", 4, 0, "02", "fc 04 01 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 "
	         "78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 78 01 37");
	/* t1.ty: 21 columns of every type class, one row with values and one mostly NULL */
	pkt_seed("bin-row", 5, 0, "15 01 02 09 03 08 04 05 f6 0d 0a 0c 07 0b fd fc 10 fe fc fe 0c 0b",
	         "00 00 20 00 ff 2c 01 70 11 01 00 fb ff ff ff cb 04 fb 71 1f 01 00 00 00 00 c0 3f 00 "
	         "00 00 00 00 00 02 40 05 31 32 2e 33 34 e8 07 04 e8 07 02 1d 0b e8 07 02 1d 0c 22 38 "
	         "40 e2 01 00 0c 01 22 00 00 00 16 3b 3b 20 a1 07 00 01 76 02 00 ff 01 05 01 79 03 5b "
	         "31 5d 02 61 62 04 e8 07 02 1d 00");
	pkt_seed("bin-row-nulls", 5, 0, "15 01 02 09 03 08 04 05 f6 0d 0a 0c 07 0b fd fc 10 fe fc fe 0c "
	         "0b", "00 fc a7 2f 00 07 e8 07 01 02 03 04 05 08 00 00 00 00 00 0c 22 38 00 08 00 00 00 "
	         "00 00 01 02 03");
	pkt_seed("track", 6, 0, NULL, "00 1e 08 73 71 6c 5f 6d 6f 64 65 14 4e 4f 5f 42 41 43 4b 53 4c 41 "
	         "53 48 5f 45 53 43 41 50 45 53 01 06 05 73 68 6f 70 32 02 01 31");
	/* primitives: take 2, int 4, lenenc, lenenc_str, nulstr, cstr into 8, left, one-shot */
	pkt_seed("primitives", 7, 0, "08 10 21 02 03 04 45 06 07", "61 62 01 02 03 04 fc 00 01 03 64 65 "
	         "66 61 62 00 63 64 65 00");
	pkt_seed("value-time", 8, 0, "0b", "0c 01 22 00 00 00 16 3b 3b 20 a1 07 00");
	pkt_seed("value-string", 8, 0, "fd", "fc 04 01 41 42 43");
	/* the gateway's own ERR, as the writers make it */
	n = jg_pkt_build_er(pk, sizeof(pk), 1, JG_ER_POLICY, "jitgate: denied by rule no-drop");
	put_bytes(&b, 5, 1, 0, 2, 0, 0);
	put(&b, pk + 4, n - 4);
	save("pkt", "err-gateway", b.b, b.n);
}

/* ---- token ---- */

static char *slurp(const char *path, size_t *len)
{
	char *buf = malloc(1 << 16);
	FILE *f = fopen(path, "rb");

	*len = f && buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
	if (f)
		fclose(f);
	if (!*len)
		exit(1);
	buf[*len] = '\0';
	return buf;
}

static void sign_save(struct jg_token_req *r, const char *name)
{
	char *tok, err[256];

	if (jg_token_sign(r, &tok, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "%s: %s\n", name, err);
		exit(1);
	}
	save("token", name, tok, strlen(tok));
	free(tok);
}


static void token(void)
{
	char dir[] = "/tmp/jg-mkseeds-XXXXXX", cmd[128], path[128];
	char *argv[] = { "dev-keys", dir, NULL };
	struct jg_token_req r;
	char *es, *rs;
	size_t es_len, rs_len;
	int saved = dup(1), null = open("/dev/null", O_WRONLY);

	if (!mkdtemp(dir))
		exit(1);
	dup2(null, 1);
	if (jg_cmd_dev_keys(2, argv) != 0)
		exit(1);
	fflush(stdout);
	dup2(saved, 1);
	snprintf(path, sizeof(path), "%s/signing-key.pem", dir);
	es = slurp(path, &es_len);
	snprintf(path, sizeof(path), "%s/signing-key-rsa.pem", dir);
	rs = slurp(path, &rs_len);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		exit(1);

	memset(&r, 0, sizeof(r));
	r.key_pem = es;
	r.key_len = es_len;
	r.kid = "dev-es256";
	r.iss = "https://idp.example";
	r.aud = "jitgate";
	r.sub = "alice";
	r.groups = "dba,dev";
	r.now = 1767225600;
	r.ttl = 3600;
	sign_save(&r, "es256");
	r.kid = "k9";
	sign_save(&r, "unknown-kid");
	r.kid = NULL;
	r.groups = NULL;
	r.claims_json = "{\"aud\":[\"other\",\"jitgate\"],\"nbf\":1767225000.5}";
	sign_save(&r, "es256-no-kid");
	r.key_pem = rs;
	r.key_len = rs_len;
	r.kid = "dev-rs256";
	r.claims_json = NULL;
	sign_save(&r, "rs256");
	/* What attackers send: no signature, HMAC with the public key, extensions, garbage. */
	save_text("token", "alg-none", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
	          "eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwiYXVkIjoiaml0Z2F0ZSIsInN1YiI6InJvb3QifQ.");
	save_text("token", "hs256", "eyJhbGciOiJIUzI1NiIsImtpZCI6ImRldi1yczI1NiJ9."
	          "eyJzdWIiOiJyb290In0.c2lnbmF0dXJlX2J5X2hzMjU2X3dpdGhfcHViX2tleQ");
	save_text("token", "crit", "eyJhbGciOiJFUzI1NiIsImNyaXQiOlsiZXhwIl19.e30.AAAA");
	save_text("token", "typ-at-jwt", "eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.e30.AAAA");
	save_text("token", "two-parts", "eyJhbGciOiJFUzI1NiJ9.e30");
	save_text("token", "password", "secret");
	/* Claims signed by the harness (input starting with '{'). */
	save_text("token", "claims-ok", "{\"iss\":\"https://idp.example\",\"aud\":\"jitgate\",\"sub\":\"alice\","
	          "\"exp\":1767229200,\"groups\":[\"dba\",\"dev\"],\"jti\":\"j1\"}");
	save_text("token", "claims-groups-string", "{\"iss\":\"https://idp.example\",\"aud\":[\"jitgate\"],"
	          "\"sub\":\"bob\",\"exp\":1767229200.5,\"nbf\":1767225600,\"groups\":\"a b,c\"}");
	save_text("token", "claims-expired", "{\"iss\":\"https://idp.example\",\"aud\":\"jitgate\","
	          "\"sub\":\"eve\",\"exp\":1767225000,\"iat\":1767220000}");
	free(es);
	free(rs);
}

/* ---- config ---- */

static void config(void)
{
	save_text("config", "full.ini",
	     "[listen]\naddress = 127.0.0.1:3307\ntls_cert = /etc/jitgate/tls-cert.pem\n"
	     "tls_key = /etc/jitgate/tls-key.pem\nworkers = 0\nhandshake_timeout = 10\n"
	     "idle_timeout = 28800\n\n[backend]\naddress = [::1]:3306\nuser = jitgate_admin\n"
	     "password_env = JG_FUZZ_PASSWORD\ntls = verify\ntls_ca = /etc/jitgate/db-ca.pem\n\n"
	     "[identity]\nissuer = https://login.example.com/\naudience = jitgate\n"
	     "jwks_file = /etc/jitgate/jwks.json\ngroups_claim = roles\nleeway = 60\n"
	     "algorithms = RS256,ES256  ; asymmetric only\n");
	save_text("config", "minimal.ini",
	     "[listen]\ntls_cert=c\ntls_key=k\n[backend]\naddress=db:3306\nuser=u\n"
	     "password_file=/dev/null\n[identity]\nissuer=i\naudience=a\njwks_file=j\n");
	save_text("config", "bad.ini", "[listen]\nworkers = 9999\n# comment\n[nowhere]\nkey\n");
}

int main(int argc, char **argv)
{
	static const struct { const char *name; void (*fn)(void); } targets[] = {
		{ "handshake_response", handshake_response }, { "greeting", greeting },
		{ "response", response }, { "pkt", pkt }, { "token", token }, { "config", config },
	};

	for (size_t i = 0; i < JG_ARRAY_LEN(targets); i++) {
		int want = argc < 2;

		for (int a = 1; a < argc; a++)
			want |= strcmp(argv[a], targets[i].name) == 0;
		if (want)
			targets[i].fn();
	}
	return 0;
}
