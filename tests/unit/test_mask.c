/*
 * test_mask.c: src/mask/mask (length-encoded integers, text rows, masking functions, checks,
 * scanner). The proofs (make verify) say what every output is; these cases pin the behaviour on
 * real inputs: the lenenc boundaries, round trips of rows, every refusal and the exact cap that
 * fits, and the detectors on text as it appears in results and error messages.
 */
#include "unit.h"

#include "mask/mask.h"

#include <stdlib.h>

#define U8(s) ((const uint8_t *)(s))

/* ---- length-encoded integers ---- */

JG_TEST(mask_lenenc_boundaries)
{
	static const struct { uint64_t n; size_t size; uint8_t first; } c[] = {
		{ 0, 1, 0 }, { 250, 1, 250 }, { 251, 3, 0xFC }, { 65535, 3, 0xFC },
		{ 65536, 4, 0xFD }, { 16777215, 4, 0xFD }, { 16777216, 9, 0xFE },
		{ UINT64_MAX, 9, 0xFE },
	};
	uint8_t out[12];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CHECK_EQ_INT(jg_mask_lenenc_size(c[i].n), c[i].size);
		memset(out, '#', sizeof(out));
		CHECK_EQ_INT(jg_mask_lenenc_put(out, c[i].size - 1, c[i].n), 0);
		CHECK(out[0] == '#');
		CHECK_EQ_INT(jg_mask_lenenc_put(out, c[i].size, c[i].n), c[i].size);
		CHECK(out[0] == c[i].first);
		CHECK(out[c[i].size] == '#');
		uint64_t v = 0;
		for (size_t k = c[i].size; k > 1; k--)
			v = v * 256 + out[k - 1];
		if (c[i].size == 1)
			v = out[0];
		CHECK(v == c[i].n);
	}
	memset(out, 0, sizeof(out));
	CHECK_EQ_INT(jg_mask_lenenc_put(out, sizeof(out), 0x0102030405060708ull), 9);
	CHECK(out[1] == 8 && out[8] == 1);
}

/* ---- text rows ---- */

/* row_of: a text row of the given values (NULL for a NULL cell) into buf; returns its length. */
static size_t row_of(uint8_t *buf, size_t cap, const uint8_t *const *vals, const size_t *lens,
                     unsigned n)
{
	size_t o = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!vals[i]) {
			buf[o++] = 0xFB;
			continue;
		}
		o += jg_mask_lenenc_put(buf + o, cap - o, lens[i]);
		memcpy(buf + o, vals[i], lens[i]);
		o += lens[i];
	}
	return o;
}

JG_TEST(mask_split_build_small)
{
	const uint8_t *vals[] = { U8("alice"), NULL, U8(""), U8("4111111111111111") };
	size_t lens[] = { 5, 0, 0, 16 };
	uint8_t row[64], out[64];
	struct jg_mask_cell cells[4];
	struct jg_mask_rep reps[4];
	size_t len = row_of(row, sizeof(row), vals, lens, 4);

	CHECK_EQ_INT(jg_mask_text_split(row, len, 4, cells), 0);
	CHECK(cells[0].off == 1 && cells[0].len == 5 && !cells[0].null);
	CHECK(cells[1].null && cells[1].off == 6 && cells[1].len == 0);
	CHECK(cells[2].off == 8 && cells[2].len == 0 && !cells[2].null);
	CHECK(cells[3].off == 9 && cells[3].len == 16);
	memset(reps, 0, sizeof(reps));
	CHECK_EQ_INT(jg_mask_text_build(row, len, 4, cells, reps, out, sizeof(out)), len);
	CHECK(memcmp(out, row, len) == 0);
	/* exactly len fits; one less does not, and leaves out alone */
	memset(out, '#', sizeof(out));
	CHECK(jg_mask_text_build(row, len, 4, cells, reps, out, len - 1) == SIZE_MAX);
	CHECK(out[0] == '#');
	/* mask: cell 3 by "****", cell 0 to NULL, cell 1 (NULL) kept */
	reps[0].kind = JG_MASK_NUL;
	reps[3].kind = JG_MASK_VALUE;
	reps[3].p = U8("****");
	reps[3].len = 4;
	size_t n = jg_mask_text_build(row, len, 4, cells, reps, out, sizeof(out));
	CHECK_EQ_INT(n, 1 + 1 + 1 + 5);
	CHECK(memcmp(out, "\xFB\xFB\x00\x04****", 8) == 0);
	struct jg_mask_cell again[4];
	CHECK_EQ_INT(jg_mask_text_split(out, n, 4, again), 0);
	CHECK(again[0].null && again[1].null && again[3].len == 4);
}

JG_TEST(mask_split_build_lenenc_boundaries)
{
	static const size_t sizes[] = { 250, 251, 65535, 65536, 16777216 };
	size_t total = 0;

	for (size_t i = 0; i < 5; i++)
		total += 9 + sizes[i];
	uint8_t *val = malloc(16777216 + 1), *row = malloc(total), *out = malloc(total + 64);
	CHECK(val && row && out);
	if (!val || !row || !out)
		goto done;
	for (size_t k = 0; k <= 16777216; k++)
		val[k] = (uint8_t)(k * 7);
	const uint8_t *vals[5] = { val, val, val, val, val };
	size_t len = row_of(row, total, vals, sizes, 5);
	CHECK_EQ_INT(len, 1 + 3 + 3 + 4 + 9 + 250 + 251 + 65535 + 65536 + 16777216);
	struct jg_mask_cell cells[6];
	struct jg_mask_rep reps[5];
	CHECK_EQ_INT(jg_mask_text_split(row, len, 5, cells), 0);
	for (size_t i = 0; i < 5; i++)
		CHECK(cells[i].len == sizes[i] && !cells[i].null);
	CHECK(row[cells[1].off - 3] == 0xFC && row[cells[3].off - 4] == 0xFD &&
	      row[cells[4].off - 9] == 0xFE);
	memset(reps, 0, sizeof(reps));
	CHECK_EQ_INT(jg_mask_text_build(row, len, 5, cells, reps, out, total + 64), len);
	CHECK(memcmp(out, row, len) == 0);
	/* a value that grows across a boundary: 250 bytes replaced by 251 */
	reps[0].kind = JG_MASK_VALUE;
	reps[0].p = val;
	reps[0].len = 251;
	CHECK_EQ_INT(jg_mask_text_build(row, len, 5, cells, reps, out, total + 64), len + 3);
	CHECK(out[0] == 0xFC && out[1] == 251 && out[2] == 0);
	/* truncated by one byte, or one byte too many, or one column too many */
	CHECK_EQ_INT(jg_mask_text_split(row, len - 1, 5, cells), -1);
	CHECK_EQ_INT(jg_mask_text_split(row, len, 4, cells), -1);
	row[len] = 0;
	CHECK_EQ_INT(jg_mask_text_split(row, len + 1, 5, cells), -1);
	CHECK_EQ_INT(jg_mask_text_split(row, len + 1, 6, cells), 0);
done:
	free(val);
	free(row);
	free(out);
}

JG_TEST(mask_split_malformed)
{
	struct jg_mask_cell cells[4];

	CHECK_EQ_INT(jg_mask_text_split(U8(""), 0, 0, cells), 0);
	CHECK_EQ_INT(jg_mask_text_split(U8(""), 0, 1, cells), -1);
	CHECK_EQ_INT(jg_mask_text_split(U8("\xFF"), 1, 1, cells), -1);       /* error marker */
	CHECK_EQ_INT(jg_mask_text_split(U8("\xFB"), 1, 1, cells), 0);        /* NULL */
	CHECK_EQ_INT(jg_mask_text_split(U8("\x03" "ab"), 3, 1, cells), -1);  /* truncated */
	CHECK_EQ_INT(jg_mask_text_split(U8("\x01" "ab"), 3, 1, cells), -1);  /* trailing */
	CHECK_EQ_INT(jg_mask_text_split(U8("\xFC\x01"), 2, 1, cells), -1);   /* header cut */
	/* 0xFC with a value below 251: not the shortest form */
	CHECK_EQ_INT(jg_mask_text_split(U8("\xFC\x01\x00" "a"), 4, 1, cells), -1);
	CHECK_EQ_INT(jg_mask_text_split(U8("\xFD\x00\x01\x00"), 4, 1, cells), -1);
	CHECK_EQ_INT(jg_mask_text_split(U8("\xFE\xff\xff\xff\xff\xff\xff\xff\xff"), 9, 1, cells), -1);
	CHECK_EQ_INT(jg_mask_text_split(U8("\xFE\x00\x00\x00\x01\x00\x00\x00\x00"), 9, 1, cells), -1);
	CHECK_EQ_INT(jg_mask_text_split(U8("\x00\x00"), 2, 2, cells), 0);
	CHECK_EQ_INT(jg_mask_text_split(U8("\x00\x00"), 2, 3, cells), -1);
}

/* ---- masking functions ---- */

static int out_is(const uint8_t *out, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(out, want, n) == 0;
}

JG_TEST(mask_redact)
{
	uint8_t out[8];

	memset(out, '#', sizeof(out));
	CHECK_EQ_INT(jg_mask_redact(out, 3), 0);
	CHECK(out[0] == '#');
	CHECK(out_is(out, jg_mask_redact(out, 4), "****"));
}

JG_TEST(mask_last4_bytes)
{
	uint8_t out[64];

	CHECK(out_is(out, jg_mask_last4(U8("4111111111111111"), 16, 0, out, 64), "****1111"));
	CHECK(out_is(out, jg_mask_last4(U8("12345678"), 8, 0, out, 64), "****5678"));
	CHECK(out_is(out, jg_mask_last4(U8("1234567"), 7, 0, out, 64), "****"));
	CHECK(out_is(out, jg_mask_last4(U8(""), 0, 0, out, 64), "****"));
	memset(out, '#', sizeof(out));
	CHECK_EQ_INT(jg_mask_last4(U8("12345678"), 8, 0, out, 7), 0);
	CHECK(out[0] == '#');
	CHECK_EQ_INT(jg_mask_last4(U8("12345678"), 8, 0, out, 8), 8);
	CHECK_EQ_INT(jg_mask_last4(U8("1234"), 4, 0, out, 3), 0);
}

JG_TEST(mask_last4_utf8)
{
	uint8_t out[64];
	/* "Müller-Lüdenscheid": the last four code points are "heid" */
	const char *s = "M\xc3\xbcller-L\xc3\xbc" "denscheid";
	CHECK(out_is(out, jg_mask_last4(U8(s), strlen(s), 1, out, 64), "****heid"));
	/* 8 code points of 2 bytes: the last 4 are 8 bytes; as bytes, the last 4 bytes */
	const char *t = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa0\xc3\xa1\xc3\xa2\xc3\xa3";
	CHECK(out_is(out, jg_mask_last4(U8(t), 16, 1, out, 64),
	             "****\xc3\xa0\xc3\xa1\xc3\xa2\xc3\xa3"));
	CHECK(out_is(out, jg_mask_last4(U8(t), 16, 0, out, 64), "****\xc3\xa2\xc3\xa3"));
	/* 7 code points in 14 bytes: too short with utf8, long enough as bytes */
	CHECK(out_is(out, jg_mask_last4(U8(t), 14, 1, out, 64), "****"));
	CHECK_EQ_INT(jg_mask_last4(U8(t), 14, 0, out, 64), 8);
}

JG_TEST(mask_email)
{
	uint8_t out[64];

	CHECK(out_is(out, jg_mask_email(U8("ann@example.com"), 15, out, 64), "****@example.com"));
	CHECK(out_is(out, jg_mask_email(U8("a@b@c.org"), 9, out, 64), "****@c.org"));
	CHECK(out_is(out, jg_mask_email(U8("@example.com"), 12, out, 64), "****"));
	CHECK(out_is(out, jg_mask_email(U8("ann@"), 4, out, 64), "****"));
	CHECK(out_is(out, jg_mask_email(U8("a@b@"), 4, out, 64), "****"));
	CHECK(out_is(out, jg_mask_email(U8("no at sign"), 10, out, 64), "****"));
	CHECK(out_is(out, jg_mask_email(U8("a@b"), 3, out, 64), "****@b"));
	memset(out, '#', sizeof(out));
	CHECK_EQ_INT(jg_mask_email(U8("ann@example.com"), 15, out, 15), 0);
	CHECK(out[0] == '#');
	CHECK_EQ_INT(jg_mask_email(U8("ann@example.com"), 15, out, 16), 16);
}

JG_TEST(mask_hex)
{
	uint8_t out[16];
	static const uint8_t b[] = { 0x00, 0x9f, 0xa0, 0xff };

	CHECK(out_is(out, jg_mask_hex(b, 4, out, 16), "009fa0ff"));
	CHECK_EQ_INT(jg_mask_hex(b, 4, out, 7), 0);
	CHECK_EQ_INT(jg_mask_hex(b, 0, out, 0), 0);
	CHECK_EQ_INT(jg_mask_hex(b, 4, out, 8), 8);
}

/* ---- checks ---- */

JG_TEST(mask_luhn)
{
	CHECK_EQ_INT(jg_mask_luhn(U8("4111111111111111"), 16), 1);
	CHECK_EQ_INT(jg_mask_luhn(U8("5500000000000004"), 16), 1);
	CHECK_EQ_INT(jg_mask_luhn(U8("4111111111111112"), 16), 0);
	CHECK_EQ_INT(jg_mask_luhn(U8("378282246310005"), 15), 1);    /* Amex test number */
	CHECK_EQ_INT(jg_mask_luhn(U8("0000000000"), 10), 0);          /* too short */
	CHECK_EQ_INT(jg_mask_luhn(U8("000000000000"), 12), 1);
	CHECK_EQ_INT(jg_mask_luhn(U8("00000000000000000000"), 20), 0); /* too long */
	CHECK_EQ_INT(jg_mask_luhn(U8("4111 111111111111"), 17), 0);   /* not compact */
}

JG_TEST(mask_iban)
{
	CHECK_EQ_INT(jg_mask_iban(U8("GB82WEST12345698765432"), 22), 1);
	CHECK_EQ_INT(jg_mask_iban(U8("GB82WEST12345698765433"), 22), 0);
	CHECK_EQ_INT(jg_mask_iban(U8("DE89370400440532013000"), 22), 1);
	CHECK_EQ_INT(jg_mask_iban(U8("de89370400440532013000"), 22), 0);
	CHECK_EQ_INT(jg_mask_iban(U8("DE89 370400440532013000"), 23), 0);
	CHECK_EQ_INT(jg_mask_iban(U8("NO9386011117947"), 15), 1);     /* shortest in use */
	CHECK_EQ_INT(jg_mask_iban(U8("NO938601111794"), 14), 0);
}

JG_TEST(mask_ssn)
{
	CHECK_EQ_INT(jg_mask_ssn(U8("123-45-6789"), 11), 1);
	CHECK_EQ_INT(jg_mask_ssn(U8("000-45-6789"), 11), 0);
	CHECK_EQ_INT(jg_mask_ssn(U8("666-45-6789"), 11), 0);
	CHECK_EQ_INT(jg_mask_ssn(U8("900-45-6789"), 11), 0);
	CHECK_EQ_INT(jg_mask_ssn(U8("123-00-6789"), 11), 0);
	CHECK_EQ_INT(jg_mask_ssn(U8("123-45-0000"), 11), 0);
	CHECK_EQ_INT(jg_mask_ssn(U8("123456789"), 9), 0);
	CHECK_EQ_INT(jg_mask_ssn(U8("123-45-678x"), 11), 0);
}

/* ---- the scanner ---- */

#define ALL (JG_MASK_DET_LUHN | JG_MASK_DET_EMAIL | JG_MASK_DET_IBAN | JG_MASK_DET_SSN)

/* scan1: the single span found in text (with dets), as "det:text", or "" / "many". */
static const char *scan1(const char *text, unsigned dets)
{
	static char buf[128];
	struct jg_mask_span sp[4];
	size_t n = jg_mask_scan(U8(text), strlen(text), dets, sp, 4);

	if (n == 0)
		return "";
	if (n != 1)
		return "many";
	snprintf(buf, sizeof(buf), "%u:%.*s", sp[0].det, (int)sp[0].len, text + sp[0].off);
	return buf;
}

JG_TEST(mask_scan_cards)
{
	CHECK_EQ_STR(scan1("card 4111111111111111 ok", ALL), "1:4111111111111111");
	CHECK_EQ_STR(scan1("5500 0000 0000 0004", ALL), "1:5500 0000 0000 0004");
	CHECK_EQ_STR(scan1("x 4111-1111-1111-1111.", ALL), "1:4111-1111-1111-1111");
	CHECK_EQ_STR(scan1("4111-1111-1111-1112", ALL), "");          /* fails Luhn */
	CHECK_EQ_STR(scan1("4111-1111 1111-1111", ALL), "");          /* mixed separators */
	CHECK_EQ_STR(scan1("44111111111111111", ALL), "");            /* digit before */
	CHECK_EQ_STR(scan1("a4111111111111111", ALL), "");            /* letter before */
	CHECK_EQ_STR(scan1("4111111111111111x", ALL), "");            /* letter after */
	CHECK_EQ_STR(scan1("4111  1111 1111 1111", ALL), "");         /* double space */
	CHECK_EQ_STR(scan1("4111111111111111", JG_MASK_DET_EMAIL), "");
	CHECK_EQ_STR(scan1("Duplicate entry '4111111111111111' for key 'card_number'", ALL),
	             "1:4111111111111111");
}

JG_TEST(mask_scan_email)
{
	CHECK_EQ_STR(scan1("contact: Ann.B@example.co.uk, thanks", ALL), "2:Ann.B@example.co.uk");
	CHECK_EQ_STR(scan1("x@example.com.", ALL), "2:x@example.com");
	CHECK_EQ_STR(scan1("a+b%c_d-e@mail-1.example.org", ALL), "2:a+b%c_d-e@mail-1.example.org");
	CHECK_EQ_STR(scan1("a@localhost", ALL), "");                  /* one label */
	CHECK_EQ_STR(scan1("a@b.c", ALL), "");                        /* last label 1 letter */
	CHECK_EQ_STR(scan1("a@b.c1", ALL), "");                       /* not letters */
	CHECK_EQ_STR(scan1("a@example.com.x1", ALL), "2:a@example.com");
	CHECK_EQ_STR(scan1("@example.com", ALL), "");
	CHECK_EQ_STR(scan1("ann@example.com", JG_MASK_DET_LUHN), "");
}

JG_TEST(mask_scan_iban_ssn)
{
	CHECK_EQ_STR(scan1("IBAN GB82 WEST 1234 5698 7654 32 paid", ALL),
	             "4:GB82 WEST 1234 5698 7654 32");
	CHECK_EQ_STR(scan1("GB82WEST12345698765432", ALL), "4:GB82WEST12345698765432");
	CHECK_EQ_STR(scan1("GB82WEST12345698765433", ALL), "");
	CHECK_EQ_STR(scan1("(DE89370400440532013000)", ALL), "4:DE89370400440532013000");
	CHECK_EQ_STR(scan1("xDE89370400440532013000", ALL), "");
	CHECK_EQ_STR(scan1("DE89370400440532013000a", ALL), "");
	CHECK_EQ_STR(scan1("ssn 123-45-6789.", ALL), "8:123-45-6789");
	CHECK_EQ_STR(scan1("1123-45-6789", ALL), "");
	CHECK_EQ_STR(scan1("123-45-67890", ALL), "");
	CHECK_EQ_STR(scan1("666-45-6789", ALL), "");
	CHECK_EQ_STR(scan1("123-45-6789", JG_MASK_DET_LUHN), "");
}

JG_TEST(mask_scan_many)
{
	const char *t = "a@ex.com 4111111111111111 123-45-6789 b@ex.org";
	struct jg_mask_span sp[4];

	CHECK_EQ_INT(jg_mask_scan(U8(t), strlen(t), ALL, sp, 4), 4);
	CHECK(sp[0].det == JG_MASK_DET_EMAIL && sp[0].off == 0 && sp[0].len == 8);
	CHECK(sp[1].det == JG_MASK_DET_LUHN && sp[1].off == 9 && sp[1].len == 16);
	CHECK(sp[2].det == JG_MASK_DET_SSN && sp[2].off == 26);
	CHECK(sp[3].det == JG_MASK_DET_EMAIL && sp[3].off == 38);
	CHECK(jg_mask_scan(U8(t), strlen(t), ALL, sp, 3) == SIZE_MAX);
	CHECK_EQ_INT(jg_mask_scan(U8(t), strlen(t), JG_MASK_DET_SSN, sp, 1), 1);
	CHECK_EQ_INT(jg_mask_scan(U8(t), strlen(t), ALL, sp, 0) == SIZE_MAX, 1);
	CHECK_EQ_INT(jg_mask_scan(U8(""), 0, ALL, sp, 0), 0);
}
