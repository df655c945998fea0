/*
 * test_pkt.c: the packet codec (src/proto/pkt.h). Packets are real: captured from MariaDB 10.11
 * (OK with info and session-state blocks, ERR, EOF, column definitions of a table and of
 * COM_FIELD_LIST, text and binary rows of every type class) or taken from the layouts of the
 * MySQL Client/Server Protocol pages. Every parser is also run on every prefix of its packet,
 * each in a heap block of exactly that size, so that an ASan build sees any read past the end.
 */
#include "unit.h"

#include "proto/frame.h"
#include "proto/pkt.h"
#include "proto/resp.h"

#include <stdlib.h>

/* inside: [q, q + n) lies in [base, base + len) (NULL only for n = 0). */
static int inside(const uint8_t *q, size_t n, const uint8_t *base, size_t len)
{
	if (!q)
		return n == 0;
	return q >= base && q <= base + len && n <= (size_t)(base + len - q);
}

static int same(const uint8_t *q, size_t n, const char *s)
{
	return q && n == strlen(s) && memcmp(q, s, n) == 0;
}

#define CAPS41 (JG_CLIENT_PROTOCOL_41 | JG_CLIENT_TRANSACTIONS)
#define CAPS_TRACK (CAPS41 | JG_CLIENT_SESSION_TRACK)

/* ---- length-encoded integers ---- */

JG_TEST(pkt_lenenc_boundaries)
{
	static const struct { uint64_t v; const char *bytes; } cases[] = {
		{ 0, "00" }, { 250, "fa" }, { 251, "fc fb 00" }, { 0xffff, "fc ff ff" },
		{ 0x10000, "fd 00 00 01" }, { 0xffffff, "fd ff ff ff" },
		{ 0x1000000, "fe 00 00 00 01 00 00 00 00" },
		{ 0x0100000000000001ull, "fe 01 00 00 00 00 00 00 01" },
		{ UINT64_MAX, "fe ff ff ff ff ff ff ff ff" },
	};
	uint8_t want[16], buf[16];

	for (size_t i = 0; i < JG_ARRAY_LEN(cases); i++) {
		size_t n = jg_unit_hex(want, sizeof(want), cases[i].bytes);
		struct jg_wr w;
		struct jg_rd r;
		uint64_t v = 12345;

		CHECK_EQ_INT(jg_pkt_lenenc_size(cases[i].v), n);
		jg_wr_init(&w, buf, sizeof(buf));
		jg_wr_lenenc(&w, cases[i].v);
		CHECK_EQ_INT(w.err, 0);
		CHECK_EQ_INT(w.off, n);
		CHECK(memcmp(buf, want, n) == 0);
		CHECK_EQ_INT(jg_pkt_lenenc(want, n, &v), n);
		CHECK(v == cases[i].v);
		jg_rd_init(&r, want, n);
		CHECK(jg_rd_lenenc(&r) == cases[i].v);
		CHECK_EQ_INT(r.err, 0);
		CHECK_EQ_INT(jg_rd_left(&r), 0);
		/* every shorter prefix is truncated, in one call or through a reader */
		for (size_t cut = 0; cut < n; cut++) {
			uint8_t *q = jg_unit_exact(want, cut);

			CHECK_EQ_INT(jg_pkt_lenenc(q, cut, &v), 0);
			jg_rd_init(&r, q, cut);
			CHECK(jg_rd_lenenc(&r) == 0);
			CHECK_EQ_INT(r.err, JG_ERR_PROTO);
			free(q);
		}
		/* a writer one byte short writes nothing */
		jg_wr_init(&w, buf, n - 1);
		jg_wr_lenenc(&w, cases[i].v);
		CHECK_EQ_INT(w.err, JG_ERR_TOOBIG);
		CHECK_EQ_INT(w.off, 0);
	}
}

JG_TEST(pkt_lenenc_markers_and_long_forms)
{
	uint64_t v;
	struct jg_rd r;

	/* 0xFB is NULL in a row, 0xFF the ERR header: neither is an integer */
	CHECK_EQ_INT(jg_pkt_lenenc((const uint8_t *)"\xfb", 1, &v), 0);
	CHECK_EQ_INT(jg_pkt_lenenc((const uint8_t *)"\xff\x00\x00", 3, &v), 0);
	jg_rd_init(&r, (const uint8_t *)"\xfb", 1);
	jg_rd_lenenc(&r);
	CHECK_EQ_INT(r.err, JG_ERR_PROTO);
	/* a longer form than needed still reads (jg_pkt_parse_coldef is the one that refuses it) */
	CHECK_EQ_INT(jg_pkt_lenenc((const uint8_t *)"\xfc\x05\x00", 3, &v), 3);
	CHECK_EQ_INT(v, 5);
	CHECK_EQ_INT(jg_pkt_lenenc((const uint8_t *)"\xfd\x01\x02\x03", 4, &v), 4);
	CHECK_EQ_INT(v, 0x030201);
}

/* ---- reader ---- */

JG_TEST(pkt_rd_ints_and_sticky_error)
{
	uint8_t b[16];
	size_t n = jg_unit_hex(b, sizeof(b), "01 02 03 04 05 06 07 08 09 0a");
	struct jg_rd r;
	size_t len;

	jg_rd_init(&r, b, n);
	CHECK_EQ_INT(jg_rd_int(&r, 1), 0x01);
	CHECK_EQ_INT(jg_rd_int(&r, 2), 0x0302);
	CHECK(jg_rd_int(&r, 3) == 0x060504);
	CHECK_EQ_INT(jg_rd_left(&r), 4);
	CHECK(jg_rd_take(&r, 4) == b + 6);
	CHECK_EQ_INT(jg_rd_left(&r), 0);
	CHECK(jg_rd_take(&r, 0) == b + 10);
	CHECK_EQ_INT(r.err, 0);
	/* the first failure sticks: every later call fails, even one that would fit */
	CHECK(jg_rd_take(&r, 1) == NULL);
	CHECK_EQ_INT(r.err, JG_ERR_PROTO);
	r.off = 0;
	CHECK(jg_rd_take(&r, 1) == NULL);
	CHECK(jg_rd_int(&r, 1) == 0);
	CHECK(jg_rd_lenenc(&r) == 0);
	CHECK(jg_rd_lenenc_str(&r, &len) == NULL && len == 0);
	CHECK(jg_rd_nulstr(&r, &len) == NULL && len == 0);
	CHECK_EQ_INT(jg_rd_left(&r), 0);
	/* 8-byte integers, and widths outside 1..8 are the caller's mistake */
	jg_rd_init(&r, b, n);
	CHECK(jg_rd_int(&r, 8) == 0x0807060504030201ull);
	jg_rd_init(&r, b, n);
	CHECK(jg_rd_int(&r, 9) == 0);
	CHECK_EQ_INT(r.err, JG_ERR_INTERNAL);
	jg_rd_init(&r, b, n);
	CHECK(jg_rd_int(&r, 0) == 0);
	CHECK_EQ_INT(r.err, JG_ERR_INTERNAL);
}

JG_TEST(pkt_rd_strings)
{
	uint8_t b[64];
	size_t n = jg_unit_hex(b, sizeof(b), "03 64 65 66 fc 01 00 41 61 62 00 63 64");  /* "def", "A", "ab\0cd" */
	struct jg_rd r;
	const uint8_t *s;
	char out[8];
	size_t len;

	jg_rd_init(&r, b, n);
	s = jg_rd_lenenc_str(&r, &len);
	CHECK(same(s, len, "def"));
	s = jg_rd_lenenc_str(&r, &len);
	CHECK(same(s, len, "A"));
	CHECK_EQ_INT(jg_rd_cstr(&r, out, sizeof(out)), JG_OK);
	CHECK_EQ_STR(out, "ab");
	/* the last string may lack its NUL */
	CHECK_EQ_INT(jg_rd_cstr(&r, out, sizeof(out)), JG_OK);
	CHECK_EQ_STR(out, "cd");
	CHECK_EQ_INT(jg_rd_left(&r), 0);
	/* at the end: an empty string */
	CHECK_EQ_INT(jg_rd_cstr(&r, out, sizeof(out)), JG_OK);
	CHECK_EQ_STR(out, "");
	/* too long for the caller's buffer: JG_ERR_TOOBIG, sticky, out untouched */
	jg_rd_init(&r, (const uint8_t *)"abcdefgh", 8);
	memcpy(out, "keep", 5);
	CHECK_EQ_INT(jg_rd_cstr(&r, out, 8), JG_ERR_TOOBIG);
	CHECK_EQ_STR(out, "keep");
	CHECK_EQ_INT(r.err, JG_ERR_TOOBIG);
	CHECK_EQ_INT(jg_rd_cstr(&r, out, sizeof(out)), JG_ERR_TOOBIG);
	jg_rd_init(&r, (const uint8_t *)"abcdefg", 7);
	CHECK_EQ_INT(jg_rd_cstr(&r, out, 8), JG_OK);
	/* in place */
	jg_rd_init(&r, (const uint8_t *)"ab\0", 3);
	s = jg_rd_nulstr(&r, &len);
	CHECK(same(s, len, "ab"));
	CHECK_EQ_INT(r.off, 3);
	/* a length prefix that points past the end, even a 64-bit one */
	n = jg_unit_hex(b, sizeof(b), "05 61 62");
	jg_rd_init(&r, b, n);
	CHECK(jg_rd_lenenc_str(&r, &len) == NULL && len == 0);
	CHECK_EQ_INT(r.err, JG_ERR_PROTO);
	n = jg_unit_hex(b, sizeof(b), "fe ff ff ff ff ff ff ff ff 61");
	jg_rd_init(&r, b, n);
	CHECK(jg_rd_lenenc_str(&r, &len) == NULL && len == 0);
	CHECK_EQ_INT(r.err, JG_ERR_PROTO);
}

/* ---- writer ---- */

JG_TEST(pkt_wr_sticky_error)
{
	uint8_t buf[8];
	struct jg_wr w;

	jg_wr_init(&w, buf, 5);
	jg_wr_int(&w, 0x030201, 3);
	CHECK_EQ_INT(w.off, 3);
	jg_wr_bytes(&w, "abcd", 4);           /* does not fit: nothing written */
	CHECK_EQ_INT(w.err, JG_ERR_TOOBIG);
	CHECK_EQ_INT(w.off, 3);
	jg_wr_bytes(&w, "z", 1);              /* would fit, but the first error sticks */
	jg_wr_zero(&w, 1);
	jg_wr_cstr(&w, "");
	jg_wr_lenenc(&w, 1);
	jg_wr_lenenc_str(&w, "", 0);
	CHECK_EQ_INT(w.off, 3);
	CHECK_EQ_INT(w.err, JG_ERR_TOOBIG);
	CHECK(memcmp(buf, "\x01\x02\x03", 3) == 0);
	/* a raw writer holds no packet: finishing it is a mistake */
	jg_wr_init(&w, buf, sizeof(buf));
	jg_wr_bytes(&w, "x", 1);
	CHECK_EQ_INT(jg_wr_finish(&w, 0), 0);
	CHECK_EQ_INT(w.err, JG_ERR_INTERNAL);
	/* widths outside 1..8 */
	jg_wr_init(&w, buf, sizeof(buf));
	jg_wr_int(&w, 1, 0);
	CHECK_EQ_INT(w.err, JG_ERR_INTERNAL);
	/* a packet writer without room for its header */
	jg_wr_packet(&w, buf, 3);
	CHECK_EQ_INT(w.err, JG_ERR_TOOBIG);
	CHECK_EQ_INT(jg_wr_finish(&w, 0), 0);
	/* a string and its prefix go whole or not at all */
	jg_wr_init(&w, buf, 4);
	jg_wr_lenenc_str(&w, "abcd", 4);
	CHECK_EQ_INT(w.off, 0);
	CHECK_EQ_INT(w.err, JG_ERR_TOOBIG);
}

JG_TEST(pkt_wr_packet)
{
	uint8_t buf[64], want[64];
	struct jg_wr w;
	size_t n;

	jg_wr_packet(&w, buf, sizeof(buf));
	jg_wr_int(&w, 0x0a, 1);
	jg_wr_cstr(&w, "8.0");
	jg_wr_zero(&w, 2);
	jg_wr_int(&w, 0x1122334455667788ull, 8);
	jg_wr_lenenc_str(&w, "ab", 2);
	jg_wr_cstr(&w, NULL);
	n = jg_unit_hex(want, sizeof(want), "13 00 00 07 0a 38 2e 30 00 00 00 88 77 66 55 44 33 22 11 02 61 62 00");
	CHECK_EQ_INT(jg_wr_finish(&w, 7), n);
	CHECK(memcmp(buf, want, n) == 0);
}

JG_TEST(pkt_wr_payload_of_16mib_needs_continuation)
{
	size_t cap = JG_FRAME_HDR + JG_FRAME_MAX;
	uint8_t *big = malloc(cap);
	struct jg_wr w;

	if (!big)
		abort();
	jg_wr_packet(&w, big, cap);
	jg_wr_zero(&w, JG_FRAME_MAX - 1);
	CHECK_EQ_INT(jg_wr_finish(&w, 1), cap - 1);
	CHECK_EQ_INT(jg_le24(big), JG_FRAME_MAX - 1);
	jg_wr_packet(&w, big, cap);
	jg_wr_zero(&w, JG_FRAME_MAX);
	CHECK_EQ_INT(w.err, 0);
	CHECK_EQ_INT(jg_wr_finish(&w, 1), 0);
	CHECK_EQ_INT(w.err, JG_ERR_TOOBIG);
	free(big);
}

/* ---- OK ---- */

/* ok_prefixes: every proper prefix of an OK payload; only one at a cut in ok_cuts may parse,
 * and whatever parses points inside the prefix. */
static void ok_prefixes(const uint8_t *p, size_t len, uint32_t caps, size_t ok_cut)
{
	struct jg_pkt_ok ok;

	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *q = jg_unit_exact(p, cut);
		int rc = jg_pkt_parse_ok(q, cut, caps, &ok);

		if (cut == ok_cut)
			CHECK(rc == JG_OK && ok.info == NULL && ok.track == NULL);
		else
			CHECK(rc == JG_ERR_PROTO);
		CHECK(inside(ok.info, ok.info_len, q, cut) && inside(ok.track, ok.track_len, q, cut));
		free(q);
	}
}

JG_TEST(pkt_ok_plain_and_deprecate_eof)
{
	uint8_t b[64];
	struct jg_pkt_ok ok;
	size_t n;

	n = jg_unit_hex(b, sizeof(b), "00 00 00 02 00 00 00");          /* login OK, autocommit */
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS41, &ok), JG_OK);
	CHECK_EQ_INT(ok.header, 0);
	CHECK_EQ_INT(ok.affected_rows, 0);
	CHECK_EQ_INT(ok.status, JG_SERVER_STATUS_AUTOCOMMIT);
	CHECK(ok.info == NULL && ok.info_len == 0 && ok.track == NULL);
	ok_prefixes(b, n, CAPS41, (size_t)-1);
	/* the OK that ends rows with CLIENT_DEPRECATE_EOF: header 0xFE */
	n = jg_unit_hex(b, sizeof(b), "fe 00 00 22 00 00 00");
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS41, &ok), JG_OK);
	CHECK_EQ_INT(ok.header, 0xfe);
	CHECK_EQ_INT(ok.status, 0x22);
	/* another header is no OK */
	b[0] = 0x01;
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS41, &ok), JG_ERR_PROTO);
	/* big affected rows and insert id (lenenc 3 and 9 bytes), and warnings */
	n = jg_unit_hex(b, sizeof(b), "00 fd 40 42 0f fe 00 00 00 00 01 00 00 00 03 00 05 00");
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS41, &ok), JG_OK);
	CHECK_EQ_INT(ok.affected_rows, 1000000);
	CHECK(ok.last_insert_id == 0x100000000ull);
	CHECK_EQ_INT(ok.status, JG_SERVER_STATUS_IN_TRANS | JG_SERVER_STATUS_AUTOCOMMIT);
	CHECK_EQ_INT(ok.warnings, 5);
	/* without PROTOCOL_41: status alone with TRANSACTIONS, nothing without */
	n = jg_unit_hex(b, sizeof(b), "00 01 00 02 00");
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, JG_CLIENT_TRANSACTIONS, &ok), JG_OK);
	CHECK_EQ_INT(ok.status, 2);
	CHECK_EQ_INT(jg_pkt_parse_ok(b, 3, 0, &ok), JG_OK);
	/* the head alone: from the first bytes of a longer packet */
	n = jg_unit_hex(b, sizeof(b), "00 03 00 22 00 00 00 28 52 6f 77 73");
	CHECK_EQ_INT(jg_pkt_parse_ok_head(b, n, CAPS41, &ok), JG_OK);
	CHECK_EQ_INT(ok.status, 0x22);
	CHECK_EQ_INT(ok.affected_rows, 3);
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS41, &ok), JG_ERR_PROTO);   /* info cut short */
	CHECK_EQ_INT(jg_pkt_parse_ok_head(b, 6, CAPS41, &ok), JG_ERR_PROTO);
}

JG_TEST(pkt_ok_status_reads_what_the_head_reads)
{
	uint8_t b[64];
	struct jg_pkt_ok ok;
	uint16_t st;
	size_t n;
	static const char *const oks[] = {
		"00 00 00 02 00 00 00", "fe 00 00 22 00 00 00", "00 03 00 22 00 00 00 28 52 6f 77 73",
		"00 fd 40 42 0f fe 00 00 00 00 01 00 00 00 03 00 05 00", "00 fc 10 27 00 0a 00",
	};

	for (size_t i = 0; i < JG_ARRAY_LEN(oks); i++) {
		n = jg_unit_hex(b, sizeof(b), oks[i]);
		/* every prefix: the same verdict and status as the head reader, never a read past */
		for (size_t k = 0; k <= n; k++) {
			uint8_t *cut = malloc(k ? k : 1);
			int want = jg_pkt_parse_ok_head(memcpy(cut, b, k), k, CAPS41, &ok);

			st = 0xbeef;
			CHECK_EQ_INT(jg_pkt_ok_status(cut, k, &st), want);
			CHECK(want == JG_OK ? st == ok.status : st == 0xbeef);
			free(cut);
		}
	}
	CHECK_EQ_INT(jg_pkt_ok_status((const uint8_t *)"\x00\xfb\x00\x02\x00", 5, &st), JG_ERR_PROTO);
	CHECK_EQ_INT(jg_pkt_ok_status((const uint8_t *)"\xff\x00\x00\x02\x00", 5, &st), JG_ERR_PROTO);
}

JG_TEST(pkt_ok_with_info)
{
	uint8_t b[128];
	struct jg_pkt_ok ok;
	/* MariaDB's answer to UPDATE t SET a = a + 1 of three rows */
	size_t n = jg_unit_hex(b, sizeof(b), "00 03 00 22 00 00 00 28 52 6f 77 73 20 6d 61 74 63 68 65 64 3a "
	               "20 33 20 20 43 68 61 6e 67 65 64 3a 20 33 20 20 57 61 72 6e 69 6e 67 73 3a 20 30");

	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS41, &ok), JG_OK);
	CHECK_EQ_INT(ok.affected_rows, 3);
	CHECK_EQ_INT(ok.status, JG_SERVER_STATUS_AUTOCOMMIT | JG_SERVER_QUERY_NO_INDEX_USED);
	CHECK(same(ok.info, ok.info_len, "Rows matched: 3  Changed: 3  Warnings: 0"));
	CHECK(ok.track == NULL);
	/* the same with SESSION_TRACK negotiated: no state change, so no track block */
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS_TRACK, &ok), JG_OK);
	CHECK(ok.track == NULL);
	/* the prefix that ends before info is a whole OK without one */
	ok_prefixes(b, n, CAPS41, 7);
	/* a byte after info is left over */
	b[n] = 0;
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n + 1, CAPS41, &ok), JG_ERR_PROTO);
}

/* track_expect: walks a track block and checks each change against want[] ("type name=value"). */
static void track_expect(const struct jg_pkt_ok *ok, const char *const *want, size_t nwant)
{
	struct jg_rd it;
	struct jg_pkt_track t;
	size_t i = 0;
	int got;
	char line[128];

	jg_rd_init(&it, ok->track, ok->track_len);
	while (jg_pkt_track_next(&it, &t, &got) == JG_OK && got) {
		snprintf(line, sizeof(line), "%u %.*s=%.*s", t.type, (int)t.name_len,
		         t.name ? (const char *)t.name : "", (int)t.value_len,
		         t.value ? (const char *)t.value : "");
		CHECK(inside(t.name, t.name_len, ok->track, ok->track_len));
		CHECK(inside(t.value, t.value_len, ok->track, ok->track_len));
		if (i < nwant)
			CHECK_EQ_STR(line, want[i]);
		i++;
	}
	CHECK_EQ_INT(it.err, 0);
	CHECK_EQ_INT(i, nwant);
}

JG_TEST(pkt_ok_session_state)
{
	uint8_t b[128];
	struct jg_pkt_ok ok;
	size_t n;

	/* SET sql_mode='NO_BACKSLASH_ESCAPES' with session_track_system_variables='sql_mode' */
	n = jg_unit_hex(b, sizeof(b), "00 00 00 02 42 00 00 00 20 00 1e 08 73 71 6c 5f 6d 6f 64 65 14 4e 4f 5f "
	        "42 41 43 4b 53 4c 41 53 48 5f 45 53 43 41 50 45 53");
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS_TRACK, &ok), JG_OK);
	CHECK_EQ_INT(ok.status, JG_SERVER_STATUS_AUTOCOMMIT | JG_SERVER_STATUS_NO_BACKSLASH_ESCAPES |
	             JG_SERVER_SESSION_STATE_CHANGED);
	CHECK(ok.info != NULL && ok.info_len == 0);
	CHECK_EQ_INT(ok.track_len, 32);
	track_expect(&ok, (const char *const[]){ "0 sql_mode=NO_BACKSLASH_ESCAPES" }, 1);
	ok_prefixes(b, n, CAPS_TRACK, (size_t)-1);
	/* without SESSION_TRACK the block is bytes left over */
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS41, &ok), JG_ERR_PROTO);

	/* USE mysql: the schema (and ANSI_QUOTES, MariaDB's status bit 0x8000) */
	n = jg_unit_hex(b, sizeof(b), "00 00 00 02 c0 00 00 00 08 01 06 05 6d 79 73 71 6c");
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS_TRACK, &ok), JG_OK);
	CHECK(ok.status & JG_SERVER_STATUS_ANSI_QUOTES);
	track_expect(&ok, (const char *const[]){ "1 =mysql" }, 1);
	ok_prefixes(b, n, CAPS_TRACK, (size_t)-1);

	/* USE shop2 with session_track_state_change=1: schema, then state change "1" */
	n = jg_unit_hex(b, sizeof(b), "00 00 00 02 42 00 00 00 0b 01 06 05 73 68 6f 70 32 02 01 31");
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS_TRACK, &ok), JG_OK);
	track_expect(&ok, (const char *const[]){ "1 =shop2", "2 =1" }, 2);
	ok_prefixes(b, n, CAPS_TRACK, (size_t)-1);

	/* START TRANSACTION with session_track_transaction_info=STATE: the data raw */
	n = jg_unit_hex(b, sizeof(b), "00 00 00 03 42 00 00 00 0b 05 09 08 54 5f 5f 5f 5f 5f 5f 5f");
	CHECK_EQ_INT(jg_pkt_parse_ok(b, n, CAPS_TRACK, &ok), JG_OK);
	track_expect(&ok, (const char *const[]){ "5 =\bT_______" }, 1);
}

JG_TEST(pkt_track_malformed)
{
	static const char *const bad[] = {
		"00 05 03 61 62 63",              /* data shorter than announced */
		"00 04 01 61 01",                 /* sysvar: value cut short */
		"00 05 01 61 01 62 00",           /* sysvar: a byte after the value */
		"01 03 05 61 62",                 /* schema: name longer than the data */
		"01 02 00 00",                    /* schema: a byte after the name */
		"02 02 31",                       /* state change: data past the end */
		"01",                             /* a type without data */
		"02 fb",                          /* NULL is no length */
	};
	uint8_t b[32];

	for (size_t i = 0; i < JG_ARRAY_LEN(bad); i++) {
		struct jg_rd it;
		struct jg_pkt_track t;
		int got = 1, rc;
		size_t n = jg_unit_hex(b, sizeof(b), bad[i]);
		uint8_t *q = jg_unit_exact(b, n);

		jg_rd_init(&it, q, n);
		rc = jg_pkt_track_next(&it, &t, &got);
		CHECK_EQ_INT(rc, JG_ERR_PROTO);
		CHECK_EQ_INT(got, 0);
		CHECK(t.name == NULL && t.value == NULL);
		/* sticky */
		CHECK_EQ_INT(jg_pkt_track_next(&it, &t, &got), JG_ERR_PROTO);
		free(q);
	}
}

/* ---- ERR and EOF ---- */

JG_TEST(pkt_err_with_and_without_sqlstate)
{
	uint8_t b[128];
	struct jg_pkt_err e;
	size_t n;

	/* USE test on a server without it */
	n = jg_unit_hex(b, sizeof(b), "ff 19 04 23 34 32 30 30 30 55 6e 6b 6e 6f 77 6e 20 64 61 74 61 62 61 73 "
	        "65 20 27 74 65 73 74 27");
	CHECK_EQ_INT(jg_pkt_parse_err(b, n, CAPS41, &e), JG_OK);
	CHECK_EQ_INT(e.code, 1049);
	CHECK_EQ_STR(e.sqlstate, "42000");
	CHECK(same(e.msg, e.msg_len, "Unknown database 'test'"));
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *q = jg_unit_exact(b, cut);
		int rc = jg_pkt_parse_err(q, cut, CAPS41, &e);

		/* "ff 19 04" alone is an ERR without SQLSTATE; '#' with less than 5 after it is not */
		if (cut < 3 || (cut > 3 && cut < 9))
			CHECK_EQ_INT(rc, JG_ERR_PROTO);
		else
			CHECK(rc == JG_OK && e.code == 1049 && inside(e.msg, e.msg_len, q, cut));
		free(q);
	}
	/* before the handshake (host not allowed): no '#', the message follows the code */
	n = jg_unit_hex(b, sizeof(b), "ff 6a 04 48 6f 73 74 20 27 31 30 2e 30 2e 30 2e 37 27 20 69 73 20 6e 6f 74");
	CHECK_EQ_INT(jg_pkt_parse_err(b, n, CAPS41, &e), JG_OK);
	CHECK_EQ_INT(e.code, 1130);
	CHECK_EQ_STR(e.sqlstate, "HY000");
	CHECK(same(e.msg, e.msg_len, "Host '10.0.0.7' is not"));
	/* without PROTOCOL_41 a '#' is part of the message */
	n = jg_unit_hex(b, sizeof(b), "ff 19 04 23 34 32 30 30 30 78");
	CHECK_EQ_INT(jg_pkt_parse_err(b, n, 0, &e), JG_OK);
	CHECK_EQ_STR(e.sqlstate, "HY000");
	CHECK(same(e.msg, e.msg_len, "#42000x"));
	/* a SQLSTATE of other characters (here a NUL) */
	n = jg_unit_hex(b, sizeof(b), "ff 19 04 23 34 00 20 64 61 74 61");
	CHECK_EQ_INT(jg_pkt_parse_err(b, n, CAPS41, &e), JG_ERR_PROTO);
	CHECK(e.msg == NULL);
	/* a MariaDB progress report (code 0xFFFF) and other headers are no ERR */
	n = jg_unit_hex(b, sizeof(b), "ff ff ff 01 01 01 00 00 00 00");
	CHECK_EQ_INT(jg_pkt_parse_err(b, n, CAPS41, &e), JG_ERR_PROTO);
	CHECK_EQ_INT(jg_pkt_parse_err((const uint8_t *)"\x00\x01\x02", 3, CAPS41, &e), JG_ERR_PROTO);
}

JG_TEST(pkt_eof)
{
	uint8_t b[16];
	struct jg_pkt_eof e;
	size_t n = jg_unit_hex(b, sizeof(b), "fe 01 00 22 00");

	CHECK_EQ_INT(jg_pkt_parse_eof(b, n, &e), JG_OK);
	CHECK_EQ_INT(e.warnings, 1);
	CHECK_EQ_INT(e.status, 0x22);
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *q = jg_unit_exact(b, cut);

		CHECK_EQ_INT(jg_pkt_parse_eof(q, cut, &e), JG_ERR_PROTO);
		free(q);
	}
	/* 6 to 8 bytes: the OK of DEPRECATE_EOF, not an EOF; and a header other than 0xFE */
	n = jg_unit_hex(b, sizeof(b), "fe 00 00 02 00 00 00");
	CHECK_EQ_INT(jg_pkt_parse_eof(b, n, &e), JG_ERR_PROTO);
	n = jg_unit_hex(b, sizeof(b), "00 00 00 02 00");
	CHECK_EQ_INT(jg_pkt_parse_eof(b, n, &e), JG_ERR_PROTO);
}

/* ---- column definitions ---- */

static const char *const coldefs[] = {
	/* SELECT 'a', NULL, '': a utf8mb4 string, a NULL, an empty name */
	"03 64 65 66 00 00 00 01 61 00 0c 2d 00 04 00 00 00 fd 01 00 27 00 00",
	"03 64 65 66 00 00 00 04 4e 55 4c 4c 00 0c 3f 00 00 00 00 00 06 80 00 00 00 00",
	"03 64 65 66 00 00 00 00 00 0c 2d 00 00 00 00 00 fd 01 00 27 00 00",
	/* t1.ty: DATETIME(6), BLOB, JSON */
	"03 64 65 66 02 74 31 02 74 79 02 74 79 01 6b 01 6b 0c 3f 00 1a 00 00 00 0c 80 00 06 00 00",
	"03 64 65 66 02 74 31 02 74 79 02 74 79 01 6f 01 6f 0c 3f 00 ff ff 00 00 fc 90 00 00 00 00",
	"03 64 65 66 02 74 31 02 74 79 02 74 79 01 72 01 72 0c 2d 00 ff ff ff ff fc 90 00 00 00 00",
	/* COM_FIELD_LIST of t1.k: defaults "0", "x" and NULL */
	"03 64 65 66 02 74 31 01 6b 01 6b 02 69 64 02 69 64 0c 3f 00 0b 00 00 00 03 03 42 00 00 00 01 30",
	"03 64 65 66 02 74 31 01 6b 01 6b 04 6e 61 6d 65 04 6e 61 6d 65 0c 2d 00 50 00 00 00 fd 00 00 00 00 00 01 78",
	"03 64 65 66 02 74 31 01 6b 01 6b 04 6e 6f 74 65 04 6e 6f 74 65 0c 2d 00 fc ff 03 00 fc 10 00 00 00 00 fb",
};

JG_TEST(pkt_coldef_fields)
{
	uint8_t b[128];
	struct jg_pkt_coldef c;
	size_t n;

	n = jg_unit_hex(b, sizeof(b), coldefs[6]);
	CHECK_EQ_INT(jg_pkt_parse_coldef(b, n, &c), JG_OK);
	CHECK(same(c.catalog.p, c.catalog.n, "def"));
	CHECK(same(c.schema.p, c.schema.n, "t1"));
	CHECK(same(c.table.p, c.table.n, "k") && same(c.org_table.p, c.org_table.n, "k"));
	CHECK(same(c.name.p, c.name.n, "id") && same(c.org_name.p, c.org_name.n, "id"));
	CHECK_EQ_INT(c.charset, 63);
	CHECK_EQ_INT(c.length, 11);
	CHECK_EQ_INT(c.type, JG_TYPE_LONG);
	CHECK_EQ_INT(c.flags, JG_FLAG_NOT_NULL | JG_FLAG_PRI_KEY | JG_FLAG_AUTO_INCREMENT |
	             JG_FLAG_PART_KEY);
	CHECK_EQ_INT(c.decimals, 0);
	CHECK_EQ_INT(c.default_kind, JG_COLDEF_DEFAULT);
	CHECK(same(c.default_value.p, c.default_value.n, "0"));
	n = jg_unit_hex(b, sizeof(b), coldefs[8]);
	CHECK_EQ_INT(jg_pkt_parse_coldef(b, n, &c), JG_OK);
	CHECK_EQ_INT(c.type, JG_TYPE_BLOB);
	CHECK_EQ_INT(c.length, 0x3fffc);         /* TEXT in utf8mb4: 65535 * 4 */
	CHECK_EQ_INT(c.flags, JG_FLAG_BLOB);
	CHECK_EQ_INT(c.default_kind, JG_COLDEF_DEFAULT_NULL);
	n = jg_unit_hex(b, sizeof(b), coldefs[0]);
	CHECK_EQ_INT(jg_pkt_parse_coldef(b, n, &c), JG_OK);
	CHECK_EQ_INT(c.default_kind, JG_COLDEF_NO_DEFAULT);
	CHECK(c.schema.n == 0 && c.table.n == 0);
	CHECK_EQ_INT(c.charset, 45);
	CHECK_EQ_INT(c.decimals, 0x27);
}

JG_TEST(pkt_coldef_round_trip_and_prefixes)
{
	for (size_t i = 0; i < JG_ARRAY_LEN(coldefs); i++) {
		uint8_t b[128], out[128];
		struct jg_pkt_coldef c;
		struct jg_wr w;
		size_t n = jg_unit_hex(b, sizeof(b), coldefs[i]), no_default = (size_t)-1;

		CHECK_EQ_INT(jg_pkt_parse_coldef(b, n, &c), JG_OK);
		if (c.default_kind != JG_COLDEF_NO_DEFAULT)
			no_default = n - (c.default_kind == JG_COLDEF_DEFAULT_NULL ? 1 :
			             jg_pkt_lenenc_size(c.default_value.n) + c.default_value.n);
		jg_wr_init(&w, out, sizeof(out));
		jg_wr_coldef(&w, &c);
		CHECK_EQ_INT(w.err, 0);
		CHECK_EQ_INT(w.off, n);
		CHECK(memcmp(out, b, n) == 0);
		/* a stage renames the column: only the name changes */
		c.name.p = (const uint8_t *)"masked";
		c.name.n = 6;
		jg_wr_init(&w, out, sizeof(out));
		jg_wr_coldef(&w, &c);
		CHECK_EQ_INT(jg_pkt_parse_coldef(out, w.off, &c), JG_OK);
		CHECK(same(c.name.p, c.name.n, "masked"));
		for (size_t cut = 0; cut < n; cut++) {
			uint8_t *q = jg_unit_exact(b, cut);
			int rc = jg_pkt_parse_coldef(q, cut, &c);

			CHECK_EQ_INT(rc, cut == no_default ? JG_OK : JG_ERR_PROTO);
			free(q);
		}
	}
}

JG_TEST(pkt_coldef_refuses_what_would_not_round_trip)
{
	static const char *const bad[] = {
		/* "def" with a 3-byte length prefix */
		"fc 03 00 64 65 66 00 00 00 01 61 00 0c 2d 00 04 00 00 00 fd 01 00 27 00 00",
		/* fixed fields announced as 0x0D bytes */
		"03 64 65 66 00 00 00 01 61 00 0d 2d 00 04 00 00 00 fd 01 00 27 00 00 00",
		/* non-zero filler */
		"03 64 65 66 00 00 00 01 61 00 0c 2d 00 04 00 00 00 fd 01 00 27 01 00",
		/* a byte after the default value */
		"03 64 65 66 00 00 00 01 61 00 0c 2d 00 04 00 00 00 fd 01 00 27 00 00 01 78 00",
		/* a name that runs past the end */
		"03 64 65 66 00 00 00 40 61 00 0c 2d 00 04 00 00 00 fd 01 00 27 00 00",
	};

	for (size_t i = 0; i < JG_ARRAY_LEN(bad); i++) {
		uint8_t b[64];
		struct jg_pkt_coldef c;
		size_t n = jg_unit_hex(b, sizeof(b), bad[i]);

		CHECK_EQ_INT(jg_pkt_parse_coldef(b, n, &c), JG_ERR_PROTO);
		CHECK(c.name.p == NULL && c.catalog.p == NULL);
	}
}

/* ---- text rows ---- */

/*
 * row_prefixes: no proper prefix of a row finishes, and every value read from one lies inside
 * it (types NULL: a text row, else a binary row with those column types).
 */
static void row_prefixes(const uint8_t *b, size_t n, const uint8_t *types, unsigned ncols)
{
	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *q = jg_unit_exact(b, cut);
		struct jg_text_row t;
		struct jg_bin_row r;
		struct jg_pkt_value v;

		if (types)
			jg_bin_row_init(&r, q, cut, types, ncols);
		else
			jg_text_row_init(&t, q, cut, ncols);
		while ((types ? jg_bin_row_next(&r, &v) : jg_text_row_next(&t, &v)) == JG_OK)
			CHECK(inside(v.p, v.len, q, cut) && v.off + v.hdr + v.len <= cut);
		CHECK_EQ_INT(types ? jg_bin_row_finish(&r) : jg_text_row_finish(&t), JG_ERR_PROTO);
		free(q);
	}
}

JG_TEST(pkt_text_row_null_and_empty)
{
	uint8_t b[16];
	size_t n = jg_unit_hex(b, sizeof(b), "01 61 fb 00");       /* SELECT 'a', NULL, '' */
	struct jg_text_row t;
	struct jg_pkt_value v;

	jg_text_row_init(&t, b, n, 3);
	CHECK_EQ_INT(jg_text_row_next(&t, &v), JG_OK);
	CHECK(!v.null && v.off == 0 && v.hdr == 1 && v.len == 1 && v.p == b + 1);
	CHECK_EQ_INT(jg_text_row_finish(&t), JG_ERR_PROTO);      /* not all read yet */
	CHECK_EQ_INT(jg_text_row_next(&t, &v), JG_OK);
	CHECK(v.null && v.off == 2 && v.hdr == 1 && v.len == 0 && v.p == NULL);
	CHECK_EQ_INT(jg_text_row_next(&t, &v), JG_OK);
	CHECK(!v.null && v.off == 3 && v.hdr == 1 && v.len == 0 && v.p == b + 4);
	CHECK_EQ_INT(jg_text_row_finish(&t), JG_OK);
	/* past the last column */
	CHECK_EQ_INT(jg_text_row_next(&t, &v), JG_ERR_PROTO);
	CHECK_EQ_INT(jg_text_row_finish(&t), JG_ERR_PROTO);
	/* fewer columns than values: bytes left over */
	jg_text_row_init(&t, b, n, 2);
	jg_text_row_next(&t, &v);
	jg_text_row_next(&t, &v);
	CHECK_EQ_INT(jg_text_row_finish(&t), JG_ERR_PROTO);
	/* more columns than values */
	jg_text_row_init(&t, b, n, 4);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_INT(jg_text_row_next(&t, &v), JG_OK);
	CHECK_EQ_INT(jg_text_row_next(&t, &v), JG_ERR_PROTO);
	row_prefixes(b, n, NULL, 3);
}

JG_TEST(pkt_text_row_long_value)
{
	uint8_t b[400];
	struct jg_text_row t;
	struct jg_pkt_value v;

	b[0] = 0xfc;
	jg_put_le16(b + 1, 300);
	memset(b + 3, 'x', 300);
	b[303] = 0x01;
	b[304] = '7';
	jg_text_row_init(&t, b, 305, 2);
	CHECK_EQ_INT(jg_text_row_next(&t, &v), JG_OK);
	CHECK(v.off == 0 && v.hdr == 3 && v.len == 300 && v.p == b + 3);
	CHECK_EQ_INT(jg_text_row_next(&t, &v), JG_OK);
	CHECK(v.off == 303 && v.hdr == 1 && v.len == 1);
	CHECK_EQ_INT(jg_text_row_finish(&t), JG_OK);
	/* a length past the end of the row */
	jg_text_row_init(&t, b, 200, 2);
	CHECK_EQ_INT(jg_text_row_next(&t, &v), JG_ERR_PROTO);
	CHECK(v.p == NULL && v.len == 0);
	/* 0xFF is no length */
	jg_text_row_init(&t, (const uint8_t *)"\xff", 1, 1);
	CHECK_EQ_INT(jg_text_row_next(&t, &v), JG_ERR_PROTO);
}

/* ---- binary rows ---- */

/* t1.ty: TINYINT, SMALLINT, MEDIUMINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL(6,2), YEAR, DATE,
 * DATETIME(6), TIMESTAMP NULL, TIME(6), VARCHAR, BLOB, BIT(3), ENUM, JSON (MariaDB: a BLOB),
 * CHAR(2), DATETIME, TIME, as MariaDB announces them. */
static const uint8_t ty_types[] = {
	JG_TYPE_TINY, JG_TYPE_SHORT, JG_TYPE_INT24, JG_TYPE_LONG, JG_TYPE_LONGLONG, JG_TYPE_FLOAT,
	JG_TYPE_DOUBLE, JG_TYPE_NEWDECIMAL, JG_TYPE_YEAR, JG_TYPE_DATE, JG_TYPE_DATETIME,
	JG_TYPE_TIMESTAMP, JG_TYPE_TIME, JG_TYPE_VAR_STRING, JG_TYPE_BLOB, JG_TYPE_BIT,
	JG_TYPE_STRING, JG_TYPE_BLOB, JG_TYPE_STRING, JG_TYPE_DATETIME, JG_TYPE_TIME,
};

/* Row 1: every column set but the TIMESTAMP (bit 11 + 2); DATETIME(6) with microseconds is 11
 * bytes, a DATETIME at midnight 4, TIME(6) -838:59:59.5 12, TIME 00:00:00 0. */
static const char ty_row1[] =
	"00 00 20 00 ff 2c 01 70 11 01 00 fb ff ff ff cb 04 fb 71 1f 01 00 00 00 00 c0 3f "
	"00 00 00 00 00 00 02 40 05 31 32 2e 33 34 e8 07 04 e8 07 02 1d 0b e8 07 02 1d 0c 22 38 "
	"40 e2 01 00 0c 01 22 00 00 00 16 3b 3b 20 a1 07 00 01 76 02 00 ff 01 05 01 79 03 5b 31 "
	"5d 02 61 62 04 e8 07 02 1d 00";
static const size_t ty_row1_len[][2] = {    /* hdr, len of each value; {9, 9} for NULL */
	{ 0, 1 }, { 0, 2 }, { 0, 4 }, { 0, 4 }, { 0, 8 }, { 0, 4 }, { 0, 8 }, { 1, 5 }, { 0, 2 },
	{ 1, 4 }, { 1, 11 }, { 9, 9 }, { 1, 12 }, { 1, 1 }, { 1, 2 }, { 1, 1 }, { 1, 1 },
	{ 1, 3 }, { 1, 2 }, { 1, 4 }, { 1, 0 },
};

/* Row 2: NULL but for DATE '0000-00-00' (length 0), DATETIME without fraction (7), TIME
 * 12:34:56 (8), CHAR '' and TIME 01:02:03 (8). */
static const char ty_row2[] =
	"00 fc a7 2f 00 07 e8 07 01 02 03 04 05 08 00 00 00 00 00 0c 22 38 00 08 00 00 00 00 00 01 02 03";

static void bin_row_check(const char *row, const size_t (*want)[2])
{
	uint8_t b[256];
	size_t n = jg_unit_hex(b, sizeof(b), row), end = 0;
	struct jg_bin_row r;
	struct jg_pkt_value v;
	unsigned ncols = JG_ARRAY_LEN(ty_types);

	jg_bin_row_init(&r, b, n, ty_types, ncols);
	for (unsigned i = 0; i < ncols; i++) {
		CHECK_EQ_INT(jg_bin_row_next(&r, &v), JG_OK);
		if (want) {
			if (want[i][0] == 9) {
				CHECK(v.null && v.p == NULL && v.len == 0);
			} else {
				CHECK_EQ_INT(v.hdr, want[i][0]);
				CHECK_EQ_INT(v.len, want[i][1]);
			}
		}
		if (!v.null) {
			CHECK(v.p == b + v.off + v.hdr);
			end = v.off + v.hdr + v.len;
		}
	}
	CHECK_EQ_INT(end, n);
	CHECK_EQ_INT(jg_bin_row_finish(&r), JG_OK);
	CHECK_EQ_INT(jg_bin_row_next(&r, &v), JG_ERR_PROTO);
	row_prefixes(b, n, ty_types, ncols);
}

JG_TEST(pkt_bin_row_every_type_class)
{
	uint8_t b[256];
	struct jg_bin_row r;
	struct jg_pkt_value v;

	bin_row_check(ty_row1, ty_row1_len);
	bin_row_check(ty_row2, NULL);
	/* row 2's values: the NULL bitmap starts at bit 2 */
	size_t n = jg_unit_hex(b, sizeof(b), ty_row2);
	int nulls = 0;

	jg_bin_row_init(&r, b, n, ty_types, JG_ARRAY_LEN(ty_types));
	for (unsigned i = 0; i < JG_ARRAY_LEN(ty_types); i++) {
		jg_bin_row_next(&r, &v);
		nulls += v.null;
		if (i == 9)
			CHECK(!v.null && v.hdr == 1 && v.len == 0);     /* 0000-00-00 */
		if (i == 10)
			CHECK(!v.null && v.len == 7);
		if (i == 12 || i == 20)
			CHECK(!v.null && v.len == 8);
		if (i == 18)
			CHECK(!v.null && v.hdr == 1 && v.len == 0);     /* '' */
	}
	CHECK_EQ_INT(nulls, 16);
}

JG_TEST(pkt_bin_row_header_bitmap_and_types)
{
	static const uint8_t one_long[] = { JG_TYPE_LONG }, internal[] = { JG_TYPE_TIME2 };
	uint8_t b[16];
	struct jg_bin_row r;
	struct jg_pkt_value v;
	size_t n;

	/* COM_STMT_EXECUTE of SELECT 1 */
	n = jg_unit_hex(b, sizeof(b), "00 00 01 00 00 00");
	jg_bin_row_init(&r, b, n, one_long, 1);
	CHECK_EQ_INT(jg_bin_row_next(&r, &v), JG_OK);
	CHECK(v.off == 2 && v.hdr == 0 && v.len == 4 && jg_le32(v.p) == 1);
	CHECK_EQ_INT(jg_bin_row_finish(&r), JG_OK);
	/* bit 2 is column 0; bits 0 and 1 are not columns */
	n = jg_unit_hex(b, sizeof(b), "00 04");
	jg_bin_row_init(&r, b, n, one_long, 1);
	CHECK_EQ_INT(jg_bin_row_next(&r, &v), JG_OK);
	CHECK(v.null && v.off == 2);
	CHECK_EQ_INT(jg_bin_row_finish(&r), JG_OK);
	n = jg_unit_hex(b, sizeof(b), "00 03 01 00 00 00");
	jg_bin_row_init(&r, b, n, one_long, 1);
	CHECK_EQ_INT(jg_bin_row_next(&r, &v), JG_OK);
	CHECK(!v.null && v.len == 4);
	/* a header other than 0x00 */
	n = jg_unit_hex(b, sizeof(b), "01 00 01 00 00 00");
	jg_bin_row_init(&r, b, n, one_long, 1);
	CHECK_EQ_INT(jg_bin_row_next(&r, &v), JG_ERR_PROTO);
	CHECK_EQ_INT(jg_bin_row_finish(&r), JG_ERR_PROTO);
	/* a type the server never sends */
	n = jg_unit_hex(b, sizeof(b), "00 00 00");
	jg_bin_row_init(&r, b, n, internal, 1);
	CHECK_EQ_INT(jg_bin_row_next(&r, &v), JG_ERR_PROTO);
	/* no columns: the header and one bitmap byte */
	jg_bin_row_init(&r, (const uint8_t *)"\x00\x00", 2, NULL, 0);
	CHECK_EQ_INT(jg_bin_row_finish(&r), JG_OK);
	/* nine columns: a 2-byte bitmap */
	{
		uint8_t nine_types[9];

		memset(nine_types, JG_TYPE_TINY, sizeof(nine_types));
		n = jg_unit_hex(b, sizeof(b), "00 fc 07");
		jg_bin_row_init(&r, b, n, nine_types, 9);
		for (int i = 0; i < 9; i++)
			CHECK(jg_bin_row_next(&r, &v) == JG_OK && v.null);
		CHECK_EQ_INT(jg_bin_row_finish(&r), JG_OK);
	}
}

JG_TEST(pkt_bin_value_lengths)
{
	static const struct { uint8_t type; const char *bytes; int rc; size_t hdr, len; } cases[] = {
		{ JG_TYPE_TINY, "ff", JG_OK, 0, 1 },
		{ JG_TYPE_SHORT, "2c 01", JG_OK, 0, 2 },
		{ JG_TYPE_YEAR, "e8 07", JG_OK, 0, 2 },
		{ JG_TYPE_INT24, "70 11 01 00", JG_OK, 0, 4 },
		{ JG_TYPE_LONG, "fb ff ff", JG_ERR_PROTO, 0, 0 },
		{ JG_TYPE_FLOAT, "00 00 c0 3f", JG_OK, 0, 4 },
		{ JG_TYPE_LONGLONG, "cb 04 fb 71 1f 01 00 00", JG_OK, 0, 8 },
		{ JG_TYPE_DOUBLE, "00 00 00 00 00 00 02 40", JG_OK, 0, 8 },
		{ JG_TYPE_NULL, "", JG_OK, 0, 0 },
		{ JG_TYPE_DATE, "00", JG_OK, 1, 0 },
		{ JG_TYPE_DATE, "04 e8 07 02 1d", JG_OK, 1, 4 },
		{ JG_TYPE_DATETIME, "07 e8 07 01 02 03 04 05", JG_OK, 1, 7 },
		{ JG_TYPE_TIMESTAMP, "0b e8 07 02 1d 0c 22 38 40 e2 01 00", JG_OK, 1, 11 },
		{ JG_TYPE_DATETIME, "05 e8 07 02 1d 0c", JG_ERR_PROTO, 0, 0 },
		{ JG_TYPE_DATETIME, "0b e8 07 02 1d", JG_ERR_PROTO, 0, 0 },
		{ JG_TYPE_TIME, "00", JG_OK, 1, 0 },
		{ JG_TYPE_TIME, "08 00 00 00 00 00 0c 22 38", JG_OK, 1, 8 },
		{ JG_TYPE_TIME, "0c 01 22 00 00 00 16 3b 3b 20 a1 07 00", JG_OK, 1, 12 },
		{ JG_TYPE_TIME, "07 00 00 00 00 00 0c 22", JG_ERR_PROTO, 0, 0 },
		{ JG_TYPE_DATE, "", JG_ERR_PROTO, 0, 0 },
		{ JG_TYPE_NEWDECIMAL, "05 31 32 2e 33 34", JG_OK, 1, 5 },
		{ JG_TYPE_VAR_STRING, "fc 00 01", JG_ERR_PROTO, 0, 0 },
		{ JG_TYPE_BLOB, "fb", JG_ERR_PROTO, 0, 0 },
		{ JG_TYPE_GEOMETRY, "00", JG_OK, 1, 0 },
		{ JG_TYPE_JSON, "03 5b 31 5d", JG_OK, 1, 3 },
		{ JG_TYPE_BIT, "01 05", JG_OK, 1, 1 },
		{ JG_TYPE_DECIMAL, "01 37", JG_OK, 1, 1 },
		{ JG_TYPE_VECTOR, "04 00 00 80 3f", JG_OK, 1, 4 },
		{ JG_TYPE_NEWDATE, "00", JG_ERR_PROTO, 0, 0 },
		{ JG_TYPE_TIMESTAMP2, "00", JG_ERR_PROTO, 0, 0 },
		{ JG_TYPE_VARCHAR_COMPRESSED, "00", JG_ERR_PROTO, 0, 0 },
		{ 100, "00", JG_ERR_PROTO, 0, 0 },
	};

	for (size_t i = 0; i < JG_ARRAY_LEN(cases); i++) {
		uint8_t b[32];
		size_t n = jg_unit_hex(b, sizeof(b), cases[i].bytes), hdr = 99, len = 99;
		uint8_t *q = jg_unit_exact(b, n);

		CHECK_EQ_INT(jg_pkt_bin_value(cases[i].type, q, n, &hdr, &len), cases[i].rc);
		if (cases[i].rc == JG_OK) {
			CHECK_EQ_INT(hdr, cases[i].hdr);
			CHECK_EQ_INT(len, cases[i].len);
			CHECK_EQ_INT(hdr + len, n);
		} else {
			CHECK(hdr == 0 && len == 0);
		}
		free(q);
	}
}

/* ---- builders ---- */

JG_TEST(pkt_builders)
{
	uint8_t buf[64], want[64];
	size_t n;

	n = jg_unit_hex(want, sizeof(want), "07 00 00 02 00 00 00 02 00 00 00");
	CHECK_EQ_INT(jg_pkt_build_ok(buf, sizeof(buf), 2, 0x0002), n);
	CHECK(memcmp(buf, want, n) == 0);
	CHECK_EQ_INT(jg_pkt_build_ok(buf, n - 1, 2, 0x0002), 0);
	n = jg_unit_hex(want, sizeof(want), "05 00 00 05 fe 00 00 02 00");
	CHECK_EQ_INT(jg_pkt_build_eof(buf, sizeof(buf), 5, 0, 0x0002), n);
	CHECK(memcmp(buf, want, n) == 0);
	n = jg_unit_hex(want, sizeof(want), "03 00 00 00 01 02 03");
	CHECK_EQ_INT(jg_pkt_build(buf, sizeof(buf), 0, "\x01\x02\x03", 3), n);
	CHECK(memcmp(buf, want, n) == 0);
	CHECK_EQ_INT(jg_pkt_build(buf, 6, 0, "\x01\x02\x03", 3), 0);
	/* the MySQL documentation's ERR example: 1096, HY000, "No tables used" */
	n = jg_unit_hex(want, sizeof(want), "17 00 00 01 ff 48 04 23 48 59 30 30 30 4e 6f 20 74 61 62 6c 65 73 "
	        "20 75 73 65 64");
	CHECK_EQ_INT(jg_pkt_build_err(buf, sizeof(buf), 1, 1096, "HY000", "No tables used"), n);
	CHECK(memcmp(buf, want, n) == 0);
}

JG_TEST(pkt_build_err_cuts_long_messages_at_a_character)
{
	uint8_t buf[64];
	struct jg_pkt_err e;
	/* 'é' is 2 bytes: the cut at 64 would fall inside one */
	size_t n = jg_pkt_build_err(buf, sizeof(buf), 3, 1045, "28000",
	                            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLM\xc3\xa9\xc3\xa9\xc3\xa9");

	CHECK(n > 0 && n <= sizeof(buf));
	CHECK_EQ_INT(buf[3], 3);
	CHECK_EQ_INT(jg_pkt_parse_err(buf + 4, n - 4, CAPS41, &e), JG_OK);
	CHECK_EQ_INT(e.code, 1045);
	CHECK_EQ_STR(e.sqlstate, "28000");
	CHECK((e.msg[e.msg_len - 1] & 0xc0) != 0xc0);      /* does not end inside 'é' */
	CHECK_EQ_INT(jg_pkt_build_err(buf, 12, 3, 1045, "28000", "x"), 0);
}

JG_TEST(pkt_er_table)
{
	uint8_t buf[512];
	char docs[16384];
	FILE *f = fopen("docs/protocol.md", "r");
	size_t dn = f ? fread(docs, 1, sizeof(docs) - 1, f) : 0;

	if (f)
		fclose(f);
	docs[dn] = '\0';
	CHECK(dn > 0);
	CHECK(jg_er_def(JG_ER_COUNT) == NULL);
	CHECK(jg_er_def((enum jg_er)-1) == NULL);
	CHECK_EQ_INT(jg_pkt_build_er(buf, sizeof(buf), 1, JG_ER_COUNT, "x"), 0);
	for (int i = 0; i < JG_ER_COUNT; i++) {
		const struct jg_er_def *d = jg_er_def((enum jg_er)i);
		struct jg_pkt_err e;
		char row[64];
		size_t n;

		CHECK(d && d->code > 1000 && d->code < 2000 && strlen(d->sqlstate) == 5 && d->when[0]);
		n = jg_pkt_build_er(buf, sizeof(buf), 2, (enum jg_er)i, "jitgate: do this next");
		CHECK(n > 4);
		CHECK_EQ_INT(jg_pkt_parse_err(buf + 4, n - 4, CAPS41, &e), JG_OK);
		CHECK_EQ_INT(e.code, d->code);
		CHECK_EQ_STR(e.sqlstate, d->sqlstate);
		CHECK(same(e.msg, e.msg_len, "jitgate: do this next"));
		n = jg_pkt_build_er(buf, sizeof(buf), 2, (enum jg_er)i, NULL);
		CHECK_EQ_INT(jg_pkt_parse_err(buf + 4, n - 4, CAPS41, &e), JG_OK);
		CHECK(same(e.msg, e.msg_len, d->when));
		/* each (code, SQLSTATE) once, and listed in docs/protocol.md with its when line */
		for (int j = 0; j < i; j++)
			CHECK(jg_er_def((enum jg_er)j)->code != d->code ||
			      strcmp(jg_er_def((enum jg_er)j)->sqlstate, d->sqlstate) != 0);
		snprintf(row, sizeof(row), "| %u | %s | ", d->code, d->sqlstate);
		CHECK(strstr(docs, row) && strstr(docs, d->when));
	}
}

JG_TEST(pkt_com_name)
{
	CHECK_EQ_STR(jg_com_name(JG_COM_SLEEP), "COM_SLEEP");
	CHECK_EQ_STR(jg_com_name(JG_COM_QUERY), "COM_QUERY");
	CHECK_EQ_STR(jg_com_name(JG_COM_STMT_EXECUTE), "COM_STMT_EXECUTE");
	CHECK_EQ_STR(jg_com_name(JG_COM_BINLOG_DUMP_GTID), "COM_BINLOG_DUMP_GTID");
	CHECK_EQ_STR(jg_com_name(JG_COM_RESET_CONNECTION), "COM_RESET_CONNECTION");
	for (unsigned c = 0; c <= JG_COM_RESET_CONNECTION; c++)
		CHECK(jg_com_name((uint8_t)c) && strncmp(jg_com_name((uint8_t)c), "COM_", 4) == 0);
	CHECK(jg_com_name(0x20) == NULL);
	CHECK(jg_com_name(0xfa) == NULL);
	CHECK(jg_com_name(0xff) == NULL);
}
