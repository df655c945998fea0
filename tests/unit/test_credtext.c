/*
 * test_credtext.c: src/cred/credtext (passwords, user and role names, quoting). The proofs
 * (make verify) say what every output is; these cases pin the same behaviour on real inputs,
 * with the boundaries spelled out: every refusal, the exact cap that fits and the one that does
 * not, and that a refusal writes nothing but out[0].
 */
#include "unit.h"

#include "cred/credtext.h"

/* fill: a buffer of sentinel bytes, so that a test sees what a call wrote. */
static void fill(char *buf, size_t n)
{
	memset(buf, '#', n);
}

/* untouched: buf[from .. n) still holds the sentinel. */
static int untouched(const char *buf, size_t from, size_t n)
{
	for (size_t i = from; i < n; i++)
		if (buf[i] != '#')
			return 0;
	return 1;
}

/* ---- passwords ---- */

JG_TEST(cred_password_maps_bytes_to_alphabet)
{
	static const uint8_t rnd[] = { 0, 1, 25, 26, 51, 52, 61, 62, 124, 186, 247 };
	char out[16];

	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_password(out, 11, rnd, sizeof(rnd)), 11);
	/* b % 62: 0 A, 1 B, 25 Z, 26 a, 51 z, 52 0, 61 9, then 62, 124, 186 wrap to A; 247 is 9 */
	CHECK_EQ_STR(out, "ABZaz09AAA9");
	CHECK(untouched(out, 12, sizeof(out)));
}

JG_TEST(cred_password_skips_bytes_from_248)
{
	static const uint8_t rnd[] = { 248, 255, 0, 249, 250, 251, 252, 253, 254, 1, 2 };
	char out[8];

	fill(out, sizeof(out));
	/* the 2nd accepted byte is rnd[9]: ten bytes used, rnd[10] left alone */
	CHECK_EQ_INT(jg_cred_password(out, 2, rnd, sizeof(rnd)), 10);
	CHECK_EQ_STR(out, "AB");
	/* 247 is the last accepted byte */
	static const uint8_t edge[] = { 247, 248 };
	CHECK_EQ_INT(jg_cred_password(out, 1, edge, 2), 1);
	CHECK_EQ_STR(out, "9");
	CHECK_EQ_INT(jg_cred_password(out, 1, edge + 1, 1), -1);
}

JG_TEST(cred_password_is_unbiased)
{
	int count[256] = { 0 };
	char out[2];

	/* every accepted byte alone: each of the 62 characters comes from exactly 4 bytes */
	for (unsigned b = 0; b < 256; b++) {
		uint8_t one = (uint8_t)b;
		long r = jg_cred_password(out, 1, &one, 1);

		if (b < JG_CRED_ACCEPT_BELOW) {
			CHECK_EQ_INT(r, 1);
			count[(unsigned char)out[0]]++;
		} else {
			CHECK_EQ_INT(r, -1);
			CHECK_EQ_INT(out[0], 0);
		}
	}
	for (int c = 0; c < 256; c++) {
		int alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		CHECK_EQ_INT(count[c], alnum ? 4 : 0);
	}
}

JG_TEST(cred_password_only_alphabet_exact_length)
{
	uint8_t rnd[600];
	char out[402];

	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (uint8_t)(i * 37 + 11);
	fill(out, sizeof(out));
	long r = jg_cred_password(out, 400, rnd, sizeof(rnd));
	CHECK(r >= 400 && r <= (long)sizeof(rnd));
	CHECK_EQ_INT(strlen(out), 400);
	for (size_t i = 0; i < 400; i++) {
		char c = out[i];

		CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
	}
	CHECK(out[401] == '#');
}

JG_TEST(cred_password_runs_out)
{
	static const uint8_t rnd[] = { 0, 255, 1, 248 };
	char out[8];

	fill(out, sizeof(out));
	/* two accepted bytes for three characters: -1, out[0] NUL and nothing else written */
	CHECK_EQ_INT(jg_cred_password(out, 3, rnd, sizeof(rnd)), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	/* no random bytes at all */
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_password(out, 1, rnd, 0), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	/* exactly enough */
	CHECK_EQ_INT(jg_cred_password(out, 2, rnd, sizeof(rnd)), 3);
	CHECK_EQ_STR(out, "AB");
	/* an empty password uses nothing */
	CHECK_EQ_INT(jg_cred_password(out, 0, rnd, 0), 0);
	CHECK_EQ_STR(out, "");
}

/* ---- instance names ---- */

JG_TEST(cred_instance_ok)
{
	CHECK_EQ_INT(jg_cred_instance_ok("a", 1), 1);
	CHECK_EQ_INT(jg_cred_instance_ok("prod01", 6), 1);
	CHECK_EQ_INT(jg_cred_instance_ok("abcdefghij", 10), 1);
	CHECK_EQ_INT(jg_cred_instance_ok("abcdefghijk", 11), 0);
	CHECK_EQ_INT(jg_cred_instance_ok("", 0), 0);
	CHECK_EQ_INT(jg_cred_instance_ok("Prod", 4), 0);
	CHECK_EQ_INT(jg_cred_instance_ok("pr_od", 5), 0);
	CHECK_EQ_INT(jg_cred_instance_ok("pr-od", 5), 0);
	CHECK_EQ_INT(jg_cred_instance_ok("pr\0d", 4), 0);
	CHECK_EQ_INT(jg_cred_instance_ok("pr d", 4), 0);
	CHECK_EQ_INT(jg_cred_instance_ok("pr\xc3\xa9", 4), 0);
}

/* ---- user names ---- */

static const uint8_t ID[JG_CRED_ID_BYTES] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

JG_TEST(cred_user_name_format)
{
	char out[40];

	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_user_name(out, sizeof(out), "prod", 4, ID), 24);
	CHECK_EQ_STR(out, "jg_prod_0123456789abcdef");
	CHECK(untouched(out, 25, sizeof(out)));

	static const uint8_t id2[JG_CRED_ID_BYTES] = { 0xff, 0, 0x10, 0x0f, 0xa0, 0x0a, 0x99, 0x5c };
	CHECK_EQ_INT(jg_cred_user_name(out, sizeof(out), "abcdefghij", 10, id2), 30);
	CHECK_EQ_STR(out, "jg_abcdefghij_ff00100fa00a995c");
	CHECK(30 <= JG_CRED_NAME_MAX);
}

JG_TEST(cred_user_name_cap_boundary)
{
	char out[40];

	/* "jg_prod_" + 16 = 24 bytes and the NUL: 25 fits, 24 does not */
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_user_name(out, 25, "prod", 4, ID), 24);
	CHECK_EQ_INT(out[24], 0);
	CHECK(untouched(out, 25, sizeof(out)));
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_user_name(out, 24, "prod", 4, ID), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_user_name(out, 0, "prod", 4, ID), -1);
	CHECK(untouched(out, 0, sizeof(out)));
}

JG_TEST(cred_user_name_refuses_bad_instance)
{
	char out[40];

	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_user_name(out, sizeof(out), "Prod", 4, ID), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	CHECK_EQ_INT(jg_cred_user_name(out, sizeof(out), "", 0, ID), -1);
	CHECK_EQ_INT(jg_cred_user_name(out, sizeof(out), "abcdefghijk", 11, ID), -1);
	CHECK_EQ_INT(jg_cred_user_name(out, sizeof(out), "a`b", 3, ID), -1);
	CHECK_EQ_INT(out[0], 0);
}

/* ---- role names ---- */

static const uint8_t H[JG_CRED_HASH_BYTES] = { 0x0a, 0x1b, 0x2c, 0x3d };

JG_TEST(cred_role_name_format)
{
	char out[40];

	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_role_name(out, sizeof(out), "prod", 4, "reader", 6, H), 24);
	CHECK_EQ_STR(out, "jgr_prod_reader_0a1b2c3d");
	CHECK(untouched(out, 25, sizeof(out)));
}

JG_TEST(cred_role_name_sanitizes)
{
	char out[40];

	/* only the first 8 bytes count; upper case is lowered, anything else becomes '_' */
	CHECK_EQ_INT(jg_cred_role_name(out, sizeof(out), "prod", 4, "Data-Admin!", 11, H), 26);
	CHECK_EQ_STR(out, "jgr_prod_data_adm_0a1b2c3d");
	CHECK_EQ_INT(jg_cred_role_name(out, sizeof(out), "prod", 4, "a`b'c\\d%", 8, H), 26);
	CHECK_EQ_STR(out, "jgr_prod_a_b_c_d__0a1b2c3d");
	CHECK_EQ_INT(jg_cred_role_name(out, sizeof(out), "prod", 4, "\xc3\xa9t\xc3\xa9", 5, H), 23);
	CHECK_EQ_STR(out, "jgr_prod___t___0a1b2c3d");
	CHECK_EQ_INT(jg_cred_role_name(out, sizeof(out), "prod", 4, "a\0b z", 5, H), 23);
	CHECK_EQ_STR(out, "jgr_prod_a_b_z_0a1b2c3d");
	CHECK_EQ_INT(jg_cred_role_name(out, sizeof(out), "prod", 4, "AZaz09@[", 8, H), 26);
	CHECK_EQ_STR(out, "jgr_prod_azaz09___0a1b2c3d");
}

JG_TEST(cred_role_name_longest_is_name_max)
{
	char out[40];

	CHECK_EQ_INT(jg_cred_role_name(out, sizeof(out), "abcdefghij", 10, "operators", 9, H),
	             JG_CRED_NAME_MAX);
	CHECK_EQ_STR(out, "jgr_abcdefghij_operator_0a1b2c3d");
}

JG_TEST(cred_role_name_refusals_and_cap)
{
	char out[40];

	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_role_name(out, sizeof(out), "prod", 4, "", 0, H), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_role_name(out, sizeof(out), "PROD", 4, "reader", 6, H), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	/* 24 bytes and the NUL: 25 fits, 24 does not */
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_role_name(out, 25, "prod", 4, "reader", 6, H), 24);
	CHECK(untouched(out, 25, sizeof(out)));
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_role_name(out, 24, "prod", 4, "reader", 6, H), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_role_name(out, 0, "prod", 4, "reader", 6, H), -1);
	CHECK(untouched(out, 0, sizeof(out)));
}

/* ---- quoting ---- */

JG_TEST(cred_quote_ident_basic)
{
	char out[32];

	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "orders", 6, 0), 8);
	CHECK_EQ_STR(out, "`orders`");
	CHECK(untouched(out, 9, sizeof(out)));
	/* backticks doubled, everything else (quotes, backslash, %, _) kept as is */
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "a`b", 3, 0), 6);
	CHECK_EQ_STR(out, "`a``b`");
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "``", 2, 0), 6);
	CHECK_EQ_STR(out, "``````");
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "x' \\_%\"", 7, 0), 9);
	CHECK_EQ_STR(out, "`x' \\_%\"`");
	/* an attacker's attempt to close the identifier stays inside it */
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "t` TO x; --", 11, 0), 14);
	CHECK_EQ_STR(out, "`t`` TO x; --`");
}

JG_TEST(cred_quote_ident_refusals)
{
	char out[16];

	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "", 0, 0), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "a\0b", 3, 0), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "", 0, JG_CRED_QI_GRANT_DB), -1);
	CHECK_EQ_INT(out[0], 0);
	/* cap 0: nothing at all is written */
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_ident(out, 0, "ab", 2, 0), -1);
	CHECK(untouched(out, 0, sizeof(out)));
}

JG_TEST(cred_quote_ident_grant_db)
{
	char out[32];

	/* '_' and '%' are wildcards in GRANT ... ON db.*: each gets its backslash */
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "my_db%", 6, JG_CRED_QI_GRANT_DB), 10);
	CHECK_EQ_STR(out, "`my\\_db\\%`");
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "__", 2, JG_CRED_QI_GRANT_DB), 6);
	CHECK_EQ_STR(out, "`\\_\\_`");
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "a`_", 3, JG_CRED_QI_GRANT_DB), 7);
	CHECK_EQ_STR(out, "`a``\\_`");
	/* other flag bits do not matter */
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "a_b", 3, ~JG_CRED_QI_GRANT_DB), 5);
	CHECK_EQ_STR(out, "`a_b`");
	/* a backslash would make the server read "a\_b" as a\ + any character + b: refused */
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "a\\_b", 4, JG_CRED_QI_GRANT_DB), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	CHECK_EQ_INT(jg_cred_quote_ident(out, sizeof(out), "a\\b", 3, 0), 5);
	CHECK_EQ_STR(out, "`a\\b`");
}

JG_TEST(cred_quote_ident_cap_boundary)
{
	char out[16];

	/* "`a``b`" is 6 bytes and the NUL: 7 fits, 6 does not */
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_ident(out, 7, "a`b", 3, 0), 6);
	CHECK_EQ_STR(out, "`a``b`");
	CHECK(untouched(out, 7, sizeof(out)));
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_ident(out, 6, "a`b", 3, 0), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	/* escaping counts too: "`a\_`" is 5 bytes */
	CHECK_EQ_INT(jg_cred_quote_ident(out, 6, "a_", 2, JG_CRED_QI_GRANT_DB), 5);
	CHECK_EQ_STR(out, "`a\\_`");
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_ident(out, 5, "a_", 2, JG_CRED_QI_GRANT_DB), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	/* without the flag the same input takes 4 bytes and fits in 5 */
	CHECK_EQ_INT(jg_cred_quote_ident(out, 5, "a_", 2, 0), 4);
	CHECK_EQ_STR(out, "`a_`");
}

JG_TEST(cred_quote_string_basic)
{
	char out[32];

	CHECK_EQ_INT(jg_cred_quote_string(out, sizeof(out), "secret", 6), 8);
	CHECK_EQ_STR(out, "'secret'");
	CHECK_EQ_INT(jg_cred_quote_string(out, sizeof(out), "it's", 4), 7);
	CHECK_EQ_STR(out, "'it''s'");
	CHECK_EQ_INT(jg_cred_quote_string(out, sizeof(out), "''", 2), 6);
	CHECK_EQ_STR(out, "''''''");
	CHECK_EQ_INT(jg_cred_quote_string(out, sizeof(out), "", 0), 2);
	CHECK_EQ_STR(out, "''");
	/* backticks, double quotes and wildcards mean nothing in a string literal */
	CHECK_EQ_INT(jg_cred_quote_string(out, sizeof(out), "a`\"_%", 5), 7);
	CHECK_EQ_STR(out, "'a`\"_%'");
	CHECK_EQ_INT(jg_cred_quote_string(out, sizeof(out), "x' OR '1'='1", 12), 18);
	CHECK_EQ_STR(out, "'x'' OR ''1''=''1'");
}

JG_TEST(cred_quote_string_refusals_and_cap)
{
	char out[16];

	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_string(out, sizeof(out), "a\\'b", 4), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_string(out, sizeof(out), "a\0b", 3), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	/* "'it''s'" is 7 bytes and the NUL: 8 fits, 7 does not */
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_string(out, 8, "it's", 4), 7);
	CHECK(untouched(out, 8, sizeof(out)));
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_string(out, 7, "it's", 4), -1);
	CHECK_EQ_INT(out[0], 0);
	CHECK(untouched(out, 1, sizeof(out)));
	/* '' needs 3 */
	CHECK_EQ_INT(jg_cred_quote_string(out, 3, "", 0), 2);
	CHECK_EQ_INT(jg_cred_quote_string(out, 2, "", 0), -1);
	fill(out, sizeof(out));
	CHECK_EQ_INT(jg_cred_quote_string(out, 0, "", 0), -1);
	CHECK(untouched(out, 0, sizeof(out)));
}
