/*
 * test_binval.c: binary protocol values as text and COM_STMT_EXECUTE parameters
 * (src/audit/binval.h). Expected texts of DOUBLE, FLOAT (to 6 digits), DATETIME, TIME and YEAR
 * values were checked against what MariaDB 10.11's text protocol shows for the same values.
 * Every value is read from a heap block of exactly its size and every packet is cut at every
 * length, so that an ASan or valgrind run sees any read past the end.
 */
#include "unit.h"

#include "audit/binval.h"
#include "proto/pkt.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* text_is: the value's text is want; one byte less of cap is JG_ERR_TOOBIG with the length
 * needed, and cap of exactly the text and its NUL is enough. */
static void text_is(int line, uint8_t type, int uns, const uint8_t *d, size_t n, const char *want)
{
	uint8_t *q = jg_unit_exact(d, n);
	size_t wl = strlen(want), outlen = 99;
	char out[128];
	int rc = jg_binval_text(type, uns, q, n, out, sizeof(out), &outlen);

	if (rc != JG_OK || outlen != wl || memcmp(out, want, wl + 1) != 0) {
		fprintf(stderr, "test_binval.c:%d: type %u: rc %d, \"%s\" (%zu), expected \"%s\"\n",
		        line, type, rc, rc == JG_OK ? out : "", outlen, want);
		jg_unit_failures++;
	}
	if (jg_binval_text(type, uns, q, n, out, wl + 1, &outlen) != JG_OK || strcmp(out, want) != 0 ||
	    jg_binval_text(type, uns, q, n, out, wl, &outlen) != JG_ERR_TOOBIG || outlen != wl) {
		fprintf(stderr, "test_binval.c:%d: type %u: cap of %zu or %zu bytes\n", line, type,
		        wl + 1, wl);
		jg_unit_failures++;
	}
	free(q);
}

static void hex_is(int line, uint8_t type, int uns, const char *h, const char *want)
{
	uint8_t d[64];

	text_is(line, type, uns, d, jg_unit_hex(d, sizeof(d), h), want);
}

static void double_is(int line, double v, const char *want)
{
	uint8_t d[8];
	uint64_t u;

	memcpy(&u, &v, 8);
	for (int i = 0; i < 8; i++)
		d[i] = (uint8_t)(u >> 8 * i);
	text_is(line, JG_TYPE_DOUBLE, 0, d, 8, want);
}

static void float_is(int line, float v, const char *want)
{
	uint8_t d[4];
	uint32_t u;

	memcpy(&u, &v, 4);
	jg_put_le32(d, u);
	text_is(line, JG_TYPE_FLOAT, 0, d, 4, want);
}

#define HEX_IS(type, uns, h, want) hex_is(__LINE__, JG_TYPE_##type, uns, h, want)
#define DOUBLE_IS(v, want) double_is(__LINE__, v, want)
#define FLOAT_IS(v, want) float_is(__LINE__, v, want)

/* ---- values as text ---- */

JG_TEST(binval_integers_every_width)
{
	HEX_IS(TINY, 0, "00", "0");
	HEX_IS(TINY, 0, "7f", "127");
	HEX_IS(TINY, 0, "80", "-128");
	HEX_IS(TINY, 0, "ff", "-1");
	HEX_IS(TINY, 1, "80", "128");
	HEX_IS(TINY, 1, "ff", "255");
	HEX_IS(SHORT, 0, "ff7f", "32767");
	HEX_IS(SHORT, 0, "0080", "-32768");
	HEX_IS(SHORT, 1, "ffff", "65535");
	HEX_IS(INT24, 0, "ffff7f00", "8388607");
	HEX_IS(INT24, 0, "000080ff", "-8388608");
	HEX_IS(INT24, 1, "ffffff00", "16777215");
	HEX_IS(LONG, 0, "ffffff7f", "2147483647");
	HEX_IS(LONG, 0, "00000080", "-2147483648");
	HEX_IS(LONG, 0, "ffffffff", "-1");
	HEX_IS(LONG, 1, "ffffffff", "4294967295");
	HEX_IS(LONGLONG, 0, "ffffffffffffff7f", "9223372036854775807");
	HEX_IS(LONGLONG, 0, "0000000000000080", "-9223372036854775808");
	HEX_IS(LONGLONG, 0, "ffffffffffffffff", "-1");
	HEX_IS(LONGLONG, 1, "ffffffffffffffff", "18446744073709551615");
	HEX_IS(LONGLONG, 1, "0000000000000080", "9223372036854775808");
	/* YEAR is shown with 4 digits, 0 as 0000 */
	HEX_IS(YEAR, 1, "e807", "2024");
	HEX_IS(YEAR, 1, "0000", "0000");
	HEX_IS(YEAR, 0, "4500", "0069");
}

JG_TEST(binval_reals_shortest_that_reads_back)
{
	DOUBLE_IS(0.1, "0.1");
	DOUBLE_IS(-2.5, "-2.5");
	DOUBLE_IS(0.0, "0");
	DOUBLE_IS(-0.0, "-0");
	DOUBLE_IS(1.0 / 3, "0.3333333333333333");
	DOUBLE_IS(100, "100");
	DOUBLE_IS(1234567, "1234567");
	DOUBLE_IS(1e300, "1e300");
	DOUBLE_IS(DBL_MAX, "1.7976931348623157e308");
	DOUBLE_IS(5e-324, "5e-324");
	DOUBLE_IS(INFINITY, "inf");
	/* my_gcvt's layout: fixed while the point is within 15 places of the digits */
	DOUBLE_IS(2e14, "200000000000000");
	DOUBLE_IS(123456789012345, "123456789012345");
	DOUBLE_IS(1e15, "1e15");
	DOUBLE_IS(1e16, "1e16");
	DOUBLE_IS(123456789012345678.0, "1.2345678901234568e17");
	DOUBLE_IS(1e-4, "0.0001");
	DOUBLE_IS(1e-5, "0.00001");
	DOUBLE_IS(1.5e-7, "0.00000015");
	DOUBLE_IS(1e-15, "0.000000000000001");
	DOUBLE_IS(1e-16, "1e-16");
	DOUBLE_IS(-1.25e-20, "-1.25e-20");
	/* floats read back as floats: 9 digits at most */
	FLOAT_IS(0.1f, "0.1");
	FLOAT_IS(-0.0f, "-0");
	FLOAT_IS(1.5f, "1.5");
	FLOAT_IS(16777216.0f, "16777216");
	FLOAT_IS(3.4028235e38f, "3.4028235e38");
	FLOAT_IS(1.0f / 3, "0.33333334");
	FLOAT_IS(1e-5f, "0.00001");
}

JG_TEST(binval_temporal_every_length)
{
	HEX_IS(DATE, 0, "", "0000-00-00");
	HEX_IS(DATE, 0, "e8070102", "2024-01-02");
	HEX_IS(DATE, 0, "e8070102030405", "2024-01-02");        /* time part ignored */
	HEX_IS(DATE, 0, "e807010203040507000000", "2024-01-02");
	HEX_IS(DATETIME, 0, "", "0000-00-00 00:00:00");
	HEX_IS(DATETIME, 0, "e8070102", "2024-01-02 00:00:00");
	HEX_IS(DATETIME, 0, "e8070102030405", "2024-01-02 03:04:05");
	HEX_IS(DATETIME, 0, "e807010203040507000000", "2024-01-02 03:04:05.000007");
	HEX_IS(DATETIME, 0, "e807010203040500000000", "2024-01-02 03:04:05");
	HEX_IS(DATETIME, 0, "0f270c1f173b3b3f420f00", "9999-12-31 23:59:59.999999");
	HEX_IS(TIMESTAMP, 0, "", "0000-00-00 00:00:00");
	HEX_IS(TIMESTAMP, 0, "b2070101000001", "1970-01-01 00:00:01");
	HEX_IS(TIMESTAMP, 0, "e6070a1e0c0000a0860100", "2022-10-30 12:00:00.100000");
	HEX_IS(TIME, 0, "", "00:00:00");
	HEX_IS(TIME, 0, "00000000000c2238", "12:34:56");
	HEX_IS(TIME, 0, "0100000000000000", "-00:00:00");
	/* 34 days and 22 hours are 838 hours: the most a TIME holds */
	HEX_IS(TIME, 0, "01 22000000 16 3b 3b", "-838:59:59");
	HEX_IS(TIME, 0, "01 22000000 16 3b 3b 20a10700", "-838:59:59.500000");
	HEX_IS(TIME, 0, "000100000001020301000000", "25:02:03.000001");
	HEX_IS(TIME, 0, "000000000001020300000000", "01:02:03");
	/* fields are printed as sent: the largest of each still fits the text buffer */
	HEX_IS(TIME, 1, "01ffffffffffffffffffffff",
	       "-103079215335:255:255.4294967295");
	HEX_IS(DATETIME, 0, "ffffffffffffffffffffff", "65535-255-255 255:255:255.4294967295");
}

JG_TEST(binval_other_types_copied_as_they_are)
{
	uint8_t d[8];
	size_t n = jg_unit_hex(d, sizeof(d), "00ff0a41");
	char out[8];
	size_t outlen;

	HEX_IS(VAR_STRING, 0, "616263", "abc");
	HEX_IS(STRING, 0, "", "");
	HEX_IS(NEWDECIMAL, 0, "2d312e3530", "-1.50");
	HEX_IS(JSON, 0, "7b7d", "{}");
	HEX_IS(ENUM, 0, "726564", "red");
	/* binary bytes, NULs included, are kept; the length says where they end */
	CHECK_EQ_INT(jg_binval_text(JG_TYPE_BLOB, 0, d, n, out, sizeof(out), &outlen), JG_OK);
	CHECK_EQ_INT(outlen, 4);
	CHECK(memcmp(out, d, 4) == 0 && out[4] == 0);
	CHECK_EQ_INT(jg_binval_text(JG_TYPE_BIT, 0, d + 1, 1, out, sizeof(out), &outlen), JG_OK);
	CHECK(outlen == 1 && (uint8_t)out[0] == 0xff);
	CHECK_EQ_INT(jg_binval_text(JG_TYPE_GEOMETRY, 0, d, n, out, 4, &outlen), JG_ERR_TOOBIG);
	CHECK_EQ_INT(outlen, 4);
	/* no room at all, not even for the NUL: out is not touched */
	CHECK_EQ_INT(jg_binval_text(JG_TYPE_TINY, 0, d, 1, NULL, 0, &outlen), JG_ERR_TOOBIG);
	CHECK_EQ_INT(outlen, 1);
}

JG_TEST(binval_wrong_lengths)
{
	static const struct { uint8_t type; size_t len; } bad[] = {
		{ JG_TYPE_TINY, 0 }, { JG_TYPE_TINY, 2 }, { JG_TYPE_SHORT, 1 }, { JG_TYPE_YEAR, 4 },
		{ JG_TYPE_INT24, 3 }, { JG_TYPE_LONG, 8 }, { JG_TYPE_LONGLONG, 4 },
		{ JG_TYPE_FLOAT, 8 }, { JG_TYPE_DOUBLE, 4 }, { JG_TYPE_DATE, 3 },
		{ JG_TYPE_DATE, 8 }, { JG_TYPE_DATETIME, 12 }, { JG_TYPE_TIMESTAMP, 5 },
		{ JG_TYPE_TIME, 4 }, { JG_TYPE_TIME, 7 }, { JG_TYPE_TIME, 11 }, { JG_TYPE_TIME, 13 },
	};
	uint8_t d[16] = { 0 };
	char out[JG_BINVAL_TEXT_MAX];
	size_t outlen;

	for (size_t i = 0; i < JG_ARRAY_LEN(bad); i++) {
		uint8_t *q = jg_unit_exact(d, bad[i].len);

		outlen = 99;
		CHECK_EQ_INT(jg_binval_text(bad[i].type, 0, q, bad[i].len, out, sizeof(out), &outlen),
		             JG_ERR_PROTO);
		CHECK_EQ_INT(outlen, 0);
		free(q);
	}
}

/* ---- COM_STMT_EXECUTE parameters ---- */

/* every_cut_fails: each prefix of the packet, in a block of its size, is JG_ERR_PROTO and
 * leaves the types alone; old is the statement's earlier types (2 * np bytes) or NULL. */
static void every_cut_fails(const uint8_t *pkt, size_t n, unsigned np, const uint8_t *old,
                            const uint8_t *mask)
{
	uint8_t types[64], before[64];
	struct jg_binval_param out[32];

	for (size_t cut = 0; cut < n; cut++) {
		uint8_t *q = jg_unit_exact(pkt, cut);
		int have = old != NULL;

		memset(types, 0xaa, sizeof(types));
		if (old)
			memcpy(types, old, 2 * (size_t)np);
		memcpy(before, types, sizeof(types));
		if (jg_binval_params(q, cut, np, types, &have, mask, out) != JG_ERR_PROTO) {
			fprintf(stderr, "test_binval.c: %u params: a cut at %zu of %zu bytes is accepted\n",
			        np, cut, n);
			jg_unit_failures++;
		}
		CHECK(have == (old != NULL) && memcmp(types, before, sizeof(types)) == 0);
		free(q);
	}
}

/* text_of: the text of a parsed parameter (into a static buffer). */
static const char *text_of(const struct jg_binval_param *v)
{
	static char out[128];
	size_t n;

	if (jg_binval_text(v->type, v->is_unsigned, v->p, v->len, out, sizeof(out), &n) != JG_OK)
		return "(error)";
	return out;
}

JG_TEST(binval_params_types_bound)
{
	uint8_t pkt[128], types[6] = { 0 };
	size_t n = jg_unit_hex(pkt, sizeof(pkt),
	                 "17 01000000 00 01000000"  /* COM_STMT_EXECUTE, stmt 1, no cursor, once */
	                 "00 01"                    /* no NULL, types follow */
	                 "0880 fd00 0c00"           /* BIGINT UNSIGNED, VAR_STRING, DATETIME */
	                 "ffffffffffffffff 03616263 07e8070102030405");
	struct jg_binval_param out[3];
	int have = 0;

	CHECK_EQ_INT(jg_binval_params(pkt, n, 3, types, &have, NULL, out), JG_OK);
	CHECK_EQ_INT(have, 1);
	CHECK(memcmp(types, "\x08\x80\xfd\x00\x0c\x00", 6) == 0);
	CHECK(out[0].type == JG_TYPE_LONGLONG && out[0].is_unsigned && !out[0].null);
	CHECK_EQ_STR(text_of(&out[0]), "18446744073709551615");
	CHECK(out[1].type == JG_TYPE_VAR_STRING && !out[1].is_unsigned && out[1].len == 3);
	CHECK(out[1].p == pkt + 27);                 /* borrowed from the payload */
	CHECK_EQ_STR(text_of(&out[1]), "abc");
	CHECK_EQ_STR(text_of(&out[2]), "2024-01-02 03:04:05");
	every_cut_fails(pkt, n, 3, NULL, NULL);
	/* one byte more is left over */
	pkt[n] = 0;
	have = 0;
	CHECK_EQ_INT(jg_binval_params(pkt, n + 1, 3, types, &have, NULL, out), JG_ERR_PROTO);
	CHECK_EQ_INT(have, 0);
}

JG_TEST(binval_params_types_remembered_and_nulls)
{
	uint8_t pkt[128], types[6];
	size_t n = jg_unit_hex(pkt, sizeof(pkt), "17 01000000 01 01000000 02 00"   /* param 1 NULL */
	                                   "2a00000000000000 04e8070102");
	struct jg_binval_param out[3];
	int have = 0;

	memcpy(types, "\x08\x00\xfd\x00\x0a\x00", 6);   /* BIGINT, VAR_STRING, DATE */
	CHECK_EQ_INT(jg_binval_params(pkt, n, 3, types, &have, NULL, out), JG_ERR_PROTO);
	have = 1;
	CHECK_EQ_INT(jg_binval_params(pkt, n, 3, types, &have, NULL, out), JG_OK);
	CHECK_EQ_STR(text_of(&out[0]), "42");
	CHECK(out[1].null && !out[1].long_data && out[1].p == NULL && out[1].len == 0);
	CHECK_EQ_INT(out[1].type, JG_TYPE_VAR_STRING);
	CHECK_EQ_STR(text_of(&out[2]), "2024-01-02");
	every_cut_fails(pkt, n, 3, types, NULL);
	/* new_params_bound is 0 or 1 */
	pkt[11] = 2;
	CHECK_EQ_INT(jg_binval_params(pkt, n, 3, types, &have, NULL, out), JG_ERR_PROTO);
}

JG_TEST(binval_params_nine_with_a_two_byte_bitmap)
{
	uint8_t pkt[128], types[18] = { 0 };
	size_t n = jg_unit_hex(pkt, sizeof(pkt),
	                 "17 ffffffff 01 01000000"       /* stmt -1 (MariaDB), read-only cursor */
	                 "8201 01"                       /* params 1, 7 and 8 NULL */
	                 "0100 0600 0200 0300 0400 0500 0b00 0f00 fc00"
	                 "80 ffff 2a000000 0000c03f 000000000000f03f"
	                 "0c 01 01000000 020203 00000000");
	struct jg_binval_param out[9];
	int have = 0;

	CHECK_EQ_INT(jg_binval_params(pkt, n, 9, types, &have, NULL, out), JG_OK);
	CHECK_EQ_STR(text_of(&out[0]), "-128");
	CHECK(out[1].null && out[1].type == JG_TYPE_NULL);
	CHECK_EQ_STR(text_of(&out[2]), "-1");
	CHECK_EQ_STR(text_of(&out[3]), "42");
	CHECK_EQ_STR(text_of(&out[4]), "1.5");
	CHECK_EQ_STR(text_of(&out[5]), "1");
	CHECK_EQ_STR(text_of(&out[6]), "-26:02:03");
	CHECK(out[7].null && out[8].null);
	every_cut_fails(pkt, n, 9, NULL, NULL);
}

JG_TEST(binval_params_long_data)
{
	uint8_t pkt[64], types[4] = { 0 }, mask = 0x01;
	size_t n = jg_unit_hex(pkt, sizeof(pkt), "17 05000000 00 01000000 00 01 fc00 fd00 0178");
	struct jg_binval_param out[2];
	int have = 0;

	/* parameter 0 came with COM_STMT_SEND_LONG_DATA: only parameter 1 has a value here */
	CHECK_EQ_INT(jg_binval_params(pkt, n, 2, types, &have, &mask, out), JG_OK);
	CHECK(out[0].long_data && !out[0].null && out[0].p == NULL && out[0].type == JG_TYPE_BLOB);
	CHECK(!out[1].long_data && out[1].len == 1 && out[1].p[0] == 'x');
	every_cut_fails(pkt, n, 2, NULL, &mask);
	/* its NULL bit does not matter (the server reads a long-data parameter so) */
	pkt[10] = 0x01;
	CHECK_EQ_INT(jg_binval_params(pkt, n, 2, types, &have, &mask, out), JG_OK);
	CHECK(out[0].long_data && !out[0].null);
	/* without the mask the BLOB takes the 'x' and the VAR_STRING finds nothing */
	pkt[10] = 0x00;
	CHECK_EQ_INT(jg_binval_params(pkt, n, 2, types, &have, NULL, out), JG_ERR_PROTO);
}

JG_TEST(binval_params_refused)
{
	uint8_t pkt[64], types[4] = { 0xaa, 0xaa, 0xaa, 0xaa };
	size_t n;
	struct jg_binval_param out[2];
	int have = 0;

	/* no parameters: the 10 bytes and nothing more */
	n = jg_unit_hex(pkt, sizeof(pkt), "17 01000000 00 01000000");
	CHECK_EQ_INT(jg_binval_params(pkt, n, 0, NULL, &have, NULL, NULL), JG_OK);
	every_cut_fails(pkt, n, 0, NULL, NULL);
	CHECK_EQ_INT(jg_binval_params(pkt, n + 1, 0, NULL, &have, NULL, NULL), JG_ERR_PROTO);
	/* another command */
	pkt[0] = JG_COM_STMT_FETCH;
	CHECK_EQ_INT(jg_binval_params(pkt, n, 0, NULL, &have, NULL, NULL), JG_ERR_PROTO);
	/* a type without a binary layout (TIMESTAMP2 is internal to the server) */
	n = jg_unit_hex(pkt, sizeof(pkt), "17 01000000 00 01000000 00 01 1100 0100 00 00");
	CHECK_EQ_INT(jg_binval_params(pkt, n, 2, types, &have, NULL, out), JG_ERR_PROTO);
	CHECK(have == 0 && types[0] == 0xaa);
	/* ... but the type of a NULL is not looked at */
	pkt[10] = 0x01;
	CHECK_EQ_INT(jg_binval_params(pkt, n - 1, 2, types, &have, NULL, out), JG_OK);
	/* a string whose length runs past the end */
	n = jg_unit_hex(pkt, sizeof(pkt), "17 01000000 00 01000000 00 01 fd00 fd00 05616263");
	CHECK_EQ_INT(jg_binval_params(pkt, n, 2, types, &have, NULL, out), JG_ERR_PROTO);
	/* more parameters than a statement can have */
	CHECK_EQ_INT(jg_binval_params(pkt, n, JG_BINVAL_PARAMS_MAX + 1, types, &have, NULL, out),
	             JG_ERR_PROTO);
}
