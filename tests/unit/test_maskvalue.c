/*
 * test_maskvalue.c: src/mask/value (a masked value valid in its column's type, text and binary),
 * src/mask/plan (which columns a mask covers) and the view reading of src/mask/catalog.
 */
#include "unit.h"

#include "mask/catalog.h"
#include "mask/plan.h"
#include "mask/value.h"
#include "policy/policy.h"
#include "sql/sql.h"

#include <bearssl.h>
#include <stdlib.h>

#define U8(s) ((const uint8_t *)(s))

static const char KEY[] = "unit-test-key-0123456789abcdef-0123";

/* text: v through column c in the text protocol, as a C string ("NULL", "KEEP" or the value). */
static const char *text(const struct jg_mask_col *c, const char *v)
{
	static char buf[512];
	struct jg_mask_key k;
	size_t n = 0;
	int rc;

	jg_mask_key_init(&k, KEY, strlen(KEY));
	rc = jg_mask_text(c, &k, U8(v), strlen(v), (uint8_t *)buf, jg_mask_room(strlen(v)), &n);
	if (rc == JG_MASK_NUL)
		return "NULL";
	if (rc == JG_MASK_KEEP)
		return "KEEP";
	if (rc != JG_MASK_VALUE)
		return "ERROR";
	buf[n] = '\0';
	return buf;
}

static uint64_t hmac64(const char *v)
{
	br_hmac_key_context kc;
	br_hmac_context h;
	uint8_t out[32];
	uint64_t x = 0;

	br_hmac_key_init(&kc, &br_sha256_vtable, KEY, strlen(KEY));
	br_hmac_init(&h, &kc, 0);
	br_hmac_update(&h, v, strlen(v));
	br_hmac_out(&h, out);
	for (int i = 0; i < 8; i++)
		x = x << 8 | out[i];
	return x;
}

JG_TEST(maskvalue_strings)
{
	struct jg_mask_col c = { .type = JG_TYPE_VAR_STRING, .utf8 = 1 };
	char want[64];

	c.fn = JG_MASK_REDACT;
	CHECK_EQ_STR(text(&c, "4111111111111111"), "****");
	c.fn = JG_MASK_LAST4;
	CHECK_EQ_STR(text(&c, "4111111111111111"), "****1111");
	CHECK_EQ_STR(text(&c, "short"), "****");
	CHECK_EQ_STR(text(&c, "Zürich-Genève"), "****nève");  /* characters, not bytes */
	c.fn = JG_MASK_EMAIL;
	CHECK_EQ_STR(text(&c, "ann.lee@example.com"), "****@example.com");
	CHECK_EQ_STR(text(&c, "no at sign"), "****");
	c.fn = JG_MASK_NULL;
	CHECK_EQ_STR(text(&c, "x"), "NULL");
	c.fn = JG_MASK_HASH;
	CHECK_EQ_INT(strlen(text(&c, "4111111111111111")), 32);
	snprintf(want, sizeof(want), "%s", text(&c, "4111111111111111"));
	CHECK_EQ_STR(text(&c, "4111111111111111"), want);        /* deterministic: joins work */
	CHECK(strcmp(text(&c, "4111111111111112"), want) != 0);
	/* MySQL's JSON type gets a JSON string */
	c.type = JG_TYPE_JSON;
	c.fn = JG_MASK_REDACT;
	CHECK_EQ_STR(text(&c, "{\"a\": 1}"), "\"****\"");
}

JG_TEST(maskvalue_numbers_keep_their_type)
{
	struct jg_mask_col c = { .type = JG_TYPE_LONG };
	char want[32];

	c.fn = JG_MASK_REDACT;
	CHECK_EQ_STR(text(&c, "1234"), "0");
	c.fn = JG_MASK_LAST4;
	CHECK_EQ_STR(text(&c, "1234"), "0");                   /* fewer than 8 digits */
	CHECK_EQ_STR(text(&c, "-123456789"), "6789");
	c.fn = JG_MASK_HASH;
	snprintf(want, sizeof(want), "%llu", (unsigned long long)(hmac64("1234") % 2147483648u));
	CHECK_EQ_STR(text(&c, "1234"), want);
	c.type = JG_TYPE_TINY;
	c.flags = JG_FLAG_UNSIGNED;
	snprintf(want, sizeof(want), "%llu", (unsigned long long)(hmac64("7") % 256));
	CHECK_EQ_STR(text(&c, "7"), want);
	c.fn = JG_MASK_EMAIL;
	CHECK_EQ_STR(text(&c, "7"), "NULL");                   /* no email in a number */
	CHECK(jg_mask_col_nullable(&c));
	/* DECIMAL(10,2): the scale stays */
	c = (struct jg_mask_col){ .type = JG_TYPE_NEWDECIMAL, .decimals = 2, .length = 12,
	                          .fn = JG_MASK_REDACT };
	CHECK_EQ_STR(text(&c, "1520.75"), "0.00");
	c.fn = JG_MASK_LAST4;
	CHECK_EQ_STR(text(&c, "12345678.75"), "5678.00");
	CHECK(!jg_mask_col_nullable(&c));
	/* dates cannot be masked in their type */
	c = (struct jg_mask_col){ .type = JG_TYPE_DATE, .fn = JG_MASK_LAST4 };
	CHECK_EQ_STR(text(&c, "2021-03-04"), "NULL");
	CHECK(jg_mask_col_nullable(&c));
}

JG_TEST(maskvalue_binary_widths)
{
	struct jg_mask_col c = { .type = JG_TYPE_LONGLONG, .fn = JG_MASK_LAST4 };
	struct jg_mask_key k;
	uint8_t v[8], out[64];
	size_t n = 0;
	uint64_t x = 12345678901ull, got = 0;

	jg_mask_key_init(&k, KEY, strlen(KEY));
	for (int i = 0; i < 8; i++)
		v[i] = (uint8_t)(x >> (8 * i));
	CHECK_EQ_INT(jg_mask_binary(&c, &k, v, 8, out, sizeof(out), &n), JG_MASK_VALUE);
	CHECK_EQ_INT(n, 8);
	for (int i = 7; i >= 0; i--)
		got = got << 8 | out[i];
	CHECK_EQ_INT(got, 8901);
	/* a negative INT: sign-extended, then its digits */
	c.type = JG_TYPE_LONG;
	c.fn = JG_MASK_HASH;
	v[0] = 0xd2; v[1] = 0xfb; v[2] = 0xff; v[3] = 0xff;      /* -1070 */
	CHECK_EQ_INT(jg_mask_binary(&c, &k, v, 4, out, sizeof(out), &n), JG_MASK_VALUE);
	CHECK_EQ_INT(n, 4);
	got = (uint64_t)out[0] | (uint64_t)out[1] << 8 | (uint64_t)out[2] << 16 | (uint64_t)out[3] << 24;
	CHECK_EQ_INT(got, hmac64("-1070") % 2147483648u);
	CHECK_EQ_INT(jg_mask_binary(&c, &k, v, 3, out, sizeof(out), &n), JG_ERR_PROTO);
}

JG_TEST(maskvalue_detectors)
{
	struct jg_mask_col c = { .type = JG_TYPE_VAR_STRING, .utf8 = 1,
	                         .dets = JG_MASK_DET_LUHN | JG_MASK_DET_EMAIL };

	c.det_fn[0] = JG_MASK_LAST4;
	c.det_fn[1] = JG_MASK_EMAIL;
	CHECK_EQ_STR(text(&c, "card 4111 1111 1111 1111, mail ann@example.com."),
	             "card ****1111, mail ****@example.com.");
	CHECK_EQ_STR(text(&c, "order 4111111111111112"), "KEEP");          /* not Luhn */
	CHECK_EQ_STR(text(&c, "{\"c\": 4111111111111111}"), "{\"c\": \"****1111\"}");
	c.det_fn[0] = JG_MASK_NULL;
	CHECK_EQ_STR(text(&c, "card 4111111111111111"), "NULL");
	CHECK(jg_mask_col_nullable(&c));
	/* a number in which a detector finds a card: masked whole */
	c.type = JG_TYPE_LONGLONG;
	c.det_fn[0] = JG_MASK_LAST4;
	CHECK_EQ_STR(text(&c, "4111111111111111"), "1111");
	CHECK_EQ_STR(text(&c, "42"), "KEEP");
}

JG_TEST(maskvalue_messages)
{
	uint8_t fns[4] = { JG_MASK_LAST4, JG_MASK_NULL, 0, 0 }, out[512];
	const char *m = "Duplicate entry 'it''s 4111111111111111' for key 'card_number'";
	struct jg_mask_key k;
	size_t n;

	jg_mask_key_init(&k, KEY, strlen(KEY));
	n = jg_mask_message(0, fns, 1, &k, U8(m), strlen(m), out, sizeof(out));
	out[n] = '\0';
	CHECK_EQ_STR((char *)out, "Duplicate entry '****' for key 'card_number'");
	m = "Incorrect value ann@example.com, card 4111111111111111";
	n = jg_mask_message(JG_MASK_DET_LUHN | JG_MASK_DET_EMAIL, fns, 0, &k, U8(m), strlen(m), out,
	                    sizeof(out));
	out[n] = '\0';
	CHECK_EQ_STR((char *)out, "Incorrect value ****, card ****1111");   /* null redacts */
	CHECK_EQ_INT(jg_mask_message(JG_MASK_DET_LUHN, fns, 0, &k, U8("nothing here"), 12, out,
	                             sizeof(out)), 0);
}

/* ---- plans ---- */

static struct jg_pkt_coldef coldef(const char *schema, const char *table, const char *org_table,
                                   const char *name, const char *org_name, uint8_t type)
{
	struct jg_pkt_coldef c;

	memset(&c, 0, sizeof(c));
#define S(f, v) c.f.p = U8(v), c.f.n = strlen(v)
	S(catalog, "def"); S(schema, schema); S(table, table); S(org_table, org_table);
	S(name, name); S(org_name, org_name);
#undef S
	c.charset = 33;
	c.type = type;
	return c;
}

JG_TEST(maskplan_origins)
{
	static const char src[] =
		"policy \"p\" {\n default allow\n unknown deny \"u\"\n"
		" role agent { groups \"g\" grant select on shop.* }\n"
		" role dba { groups \"d\" grant select on shop.* }\n"
		" mask \"cards\" { columns \"shop.*.card_number\" detect luhn with last4 }\n"
		" mask \"mails\" { columns \"shop.customers.email\" with email roles agent }\n}\n";
	struct jg_policy p;
	uint8_t *bytes = jg_unit_policy(src, &p);
	struct jg_mask_set set;
	struct jg_mask_note nt;
	struct jg_sql_session sess;
	static struct jg_sql_result cls;
	struct jg_pkt_coldef d;
	struct jg_mask_col col;
	const char *q;

	if (!bytes)
		return;
	CHECK_EQ_INT(jg_mask_set_build(&set, &p, "agent"), JG_OK);
	CHECK_EQ_INT(set.n, 2);
	memset(&sess, 0, sizeof(sess));
	snprintf(sess.db, sizeof(sess.db), "shop");
	sess.version = JG_SQL_VERSION_DEFAULT;

	/* a base table's column: by origin, whatever its alias */
	q = "SELECT card_number AS c, id FROM cards";
	CHECK_EQ_INT(jg_sql_classify(&sess, q, strlen(q), &cls), JG_OK);
	jg_mask_note_sql(&set, NULL, &cls, q, &nt);
	d = coldef("shop", "cards", "cards", "c", "card_number", JG_TYPE_VAR_STRING);
	jg_mask_plan(&set, NULL, &nt, &d, 0, &col);
	CHECK_EQ_INT(col.fn, JG_MASK_LAST4);
	d = coldef("shop", "cards", "cards", "id", "id", JG_TYPE_LONG);
	jg_mask_plan(&set, NULL, &nt, &d, 0, &col);
	CHECK_EQ_INT(col.fn, 0);
	CHECK_EQ_INT(col.dets, 0);              /* a base column: no detector without scan all */

	/* a derived table named like a real table: its columns are not taken for the table's */
	q = "SELECT status FROM (SELECT card_number AS status FROM cards) AS orders, orders o2";
	CHECK_EQ_INT(jg_sql_classify(&sess, q, strlen(q), &cls), JG_OK);
	jg_mask_note_sql(&set, NULL, &cls, q, &nt);
	d = coldef("shop", "orders", "orders", "status", "status", JG_TYPE_VAR_STRING);
	jg_mask_plan(&set, NULL, &nt, &d, 0, &col);
	CHECK_EQ_INT(col.fn, JG_MASK_LAST4);

	/* an expression: masked when the text names a masked column of a table in scope */
	q = "SELECT CONCAT('x', card_number) FROM shop.cards";
	CHECK_EQ_INT(jg_sql_classify(&sess, q, strlen(q), &cls), JG_OK);
	jg_mask_note_sql(&set, NULL, &cls, q, &nt);
	d = coldef("", "", "", "CONCAT('x', card_number)", "", JG_TYPE_VAR_STRING);
	jg_mask_plan(&set, NULL, &nt, &d, 0, &col);
	CHECK_EQ_INT(col.fn, JG_MASK_LAST4);
	/* ... and not when it reads no table of a mask: detectors only */
	q = "SELECT CONCAT('x', name) FROM shop.orders";
	CHECK_EQ_INT(jg_sql_classify(&sess, q, strlen(q), &cls), JG_OK);
	jg_mask_note_sql(&set, NULL, &cls, q, &nt);
	jg_mask_plan(&set, NULL, &nt, &d, 0, &col);
	CHECK_EQ_INT(col.fn, 0);
	CHECK_EQ_INT(col.dets, JG_MASK_DET_LUHN);
	CHECK_EQ_INT(col.det_fn[0], JG_MASK_LAST4);

	/* CALL: every mask in scope, every name mentioned */
	q = "CALL shop.report()";
	CHECK_EQ_INT(jg_sql_classify(&sess, q, strlen(q), &cls), JG_OK);
	jg_mask_note_sql(&set, NULL, &cls, q, &nt);
	d = coldef("", "", "", "total", "", JG_TYPE_VAR_STRING);
	jg_mask_plan(&set, NULL, &nt, &d, 0, &col);
	CHECK_EQ_INT(col.fn, JG_MASK_LAST4);

	/* roles: dba has no email mask */
	jg_mask_set_free(&set);
	CHECK_EQ_INT(jg_mask_set_build(&set, &p, "dba"), JG_OK);
	CHECK_EQ_INT(set.n, 1);
	jg_mask_set_free(&set);
	free(bytes);
}

/* ---- reading views ---- */

struct refs { char s[16][200]; unsigned col[16]; unsigned n; };

static void got_ref(void *arg, unsigned col, const char *ref)
{
	struct refs *r = arg;

	if (r->n < 16) {
		r->col[r->n] = col;
		snprintf(r->s[r->n++], sizeof(r->s[0]), "%s", ref);
	}
}

JG_TEST(maskcatalog_view_definitions)
{
	struct refs r;
	const char *d;

	memset(&r, 0, sizeof(r));
	d = "select `shop`.`cards`.`id` AS `id`,`shop`.`cards`.`card_number` AS `cn` from `shop`.`cards`";
	CHECK_EQ_INT(jg_mask_catalog_parse_view(d, strlen(d), got_ref, &r), 2);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_STR(r.s[0], "shop.cards.id");
	CHECK_EQ_INT(r.col[1], 1);
	CHECK_EQ_STR(r.s[1], "shop.cards.card_number");

	/* expressions and stored functions: the columns inside; a union: by position */
	memset(&r, 0, sizeof(r));
	d = "select concat('a,b',`s`.`t`.`A`) AS `x`,`s`.`f`(`s`.`t`.`b`) AS `y` from `s`.`t` "
	    "union all select `s`.`u`.`c` AS `c`,1 AS `1` from `s`.`u`";
	CHECK_EQ_INT(jg_mask_catalog_parse_view(d, strlen(d), got_ref, &r), 2);
	CHECK_EQ_INT(r.n, 3);
	CHECK_EQ_STR(r.s[0], "s.t.a");
	CHECK_EQ_STR(r.s[1], "s.u.c");
	CHECK_EQ_STR(r.s[2], "s.t.b");
	CHECK_EQ_INT(r.col[2], 1);

	/* a derived table inside: the column cannot be followed, it gets every ref */
	memset(&r, 0, sizeof(r));
	d = "select `x`.`c` AS `c` from (select `shop`.`cards`.`card_number` AS `c`,"
	    "`shop`.`cards`.`id` AS `i` from `shop`.`cards`) `x`";
	CHECK_EQ_INT(jg_mask_catalog_parse_view(d, strlen(d), got_ref, &r), 1);
	CHECK_EQ_INT(r.n, 2);
	CHECK_EQ_STR(r.s[0], "shop.cards.card_number");
	CHECK_EQ_STR(r.s[1], "shop.cards.id");
	CHECK_EQ_INT(jg_mask_catalog_parse_view("", 0, got_ref, &r), -1);
}
