/* test_cred_grants.c: the grants src/cred/grants.c computes: a policy role's GRANT bodies
 * (jg_cred_role_grants) and a one-shot user's grants for a statement (jg_cred_stmt_grants). */
#include "unit.h"

#include "cred/cred_int.h"
#include "policy/policy.h"
#include "sql/sql.h"

#include <stdlib.h>

static int grants_for_cap(const char *sql, const char *db, struct jg_cred_grant *g, unsigned cap)
{
	static struct jg_sql_result r;
	struct jg_sql_session sess = { 0 };

	snprintf(sess.db, sizeof(sess.db), "%s", db ? db : "");
	if (jg_sql_classify(&sess, sql, strlen(sql), &r) != JG_OK || r.nstmts != 1)
		return -2;
	return jg_cred_stmt_grants(&r.stmts[0], db, g, cap);
}

static int grants_for(const char *sql, const char *db, struct jg_cred_grant *g)
{
	return grants_for_cap(sql, db, g, JG_CRED_ONESHOT_GRANTS);
}

/* privs_of: the privileges of the only grant for sql in db "shop", or -1. */
static long privs_of(const char *sql)
{
	struct jg_cred_grant g[JG_CRED_ONESHOT_GRANTS];

	return grants_for(sql, "shop", g) == 1 ? (long)g[0].privs : -1;
}

JG_TEST(cred_stmt_grants_by_kind)
{
	CHECK_EQ_INT(privs_of("SELECT * FROM orders"), JG_PRIV_SELECT);
	CHECK_EQ_INT(privs_of("INSERT INTO orders (id) VALUES (1)"), JG_PRIV_INSERT | JG_PRIV_SELECT);
	CHECK_EQ_INT(privs_of("REPLACE INTO orders (id) VALUES (1)"),
	             JG_PRIV_INSERT | JG_PRIV_DELETE | JG_PRIV_SELECT);
	CHECK_EQ_INT(privs_of("UPDATE orders SET status = 'paid'"), JG_PRIV_UPDATE | JG_PRIV_SELECT);
	CHECK_EQ_INT(privs_of("DELETE FROM orders WHERE id = 1"), JG_PRIV_DELETE | JG_PRIV_SELECT);
	CHECK_EQ_INT(privs_of("TRUNCATE TABLE sessions"), JG_PRIV_DROP);
	CHECK_EQ_INT(privs_of("DROP TABLE scratch1"), JG_PRIV_DROP);
	CHECK_EQ_INT(privs_of("ALTER TABLE orders ADD COLUMN note TEXT"),
	             JG_PRIV_ALTER | JG_PRIV_CREATE | JG_PRIV_INSERT);
	CHECK_EQ_INT(privs_of("CREATE TABLE scratch2 (id INT)"), JG_PRIV_CREATE);
}

JG_TEST(cred_stmt_grants_tables_and_db0)
{
	struct jg_cred_grant g[JG_CRED_ONESHOT_GRANTS];

	CHECK_EQ_INT(grants_for("DROP TABLE scratch1", "shop", g), 1);
	CHECK_EQ_STR(g[0].db, "shop");
	CHECK_EQ_STR(g[0].table, "scratch1");
	CHECK_EQ_INT(g[0].privs, JG_PRIV_DROP);

	/* The first table is acted on; the others are only read; each names its own database
	 * or takes db0. */
	CHECK_EQ_INT(grants_for("DELETE FROM shop.orders WHERE customer_id IN "
	                        "(SELECT id FROM crm.customers)", "", g), 2);
	CHECK_EQ_STR(g[0].db, "shop");
	CHECK_EQ_STR(g[0].table, "orders");
	CHECK_EQ_INT(g[0].privs, JG_PRIV_DELETE | JG_PRIV_SELECT);
	CHECK_EQ_STR(g[1].db, "crm");
	CHECK_EQ_STR(g[1].table, "customers");
	CHECK_EQ_INT(g[1].privs, JG_PRIV_SELECT);

	CHECK_EQ_INT(grants_for("SELECT * FROM orders JOIN crm.customers c ON c.id = customer_id",
	                        "shop", g), 2);
	CHECK_EQ_INT(g[0].privs, JG_PRIV_SELECT);
	CHECK_EQ_INT(g[1].privs, JG_PRIV_SELECT);
	CHECK(strcmp(g[0].db, g[1].db) != 0);

	/* A quoted name keeps what it says; ddl.c quotes it again. */
	CHECK_EQ_INT(grants_for("DROP TABLE `we``ird`", "shop", g), 1);
	CHECK_EQ_STR(g[0].table, "we`ird");
}

JG_TEST(cred_stmt_grants_refusals)
{
	struct jg_cred_grant g[JG_CRED_ONESHOT_GRANTS];
	char sql[200], name[66];

	/* No database to name the table in. */
	CHECK_EQ_INT(grants_for("DROP TABLE scratch1", "", g), -1);
	CHECK_EQ_INT(grants_for("DROP TABLE scratch1", NULL, g), -1);
	/* Kinds a one-shot user never gets. */
	CHECK_EQ_INT(grants_for("GRANT ALL ON *.* TO x", "shop", g), -1);
	CHECK_EQ_INT(grants_for("EXECUTE stmt1", "shop", g), -1);
	CHECK_EQ_INT(grants_for("CREATE USER x", "shop", g), -1);
	/* Files, or nothing visible to grant on. */
	CHECK_EQ_INT(grants_for("SELECT * FROM t INTO OUTFILE '/tmp/x'", "shop", g), -1);
	CHECK_EQ_INT(grants_for("SELECT 1", "shop", g), -1);
	/* More tables than the caller has room for. */
	CHECK_EQ_INT(grants_for_cap("SELECT * FROM a JOIN b ON a.id = b.id", "shop", g, 1), -1);
	CHECK_EQ_INT(grants_for_cap("SELECT * FROM a JOIN b ON a.id = b.id", "shop", g, 2), 2);
	/* A database name longer than MySQL's 64. */
	memset(name, 'd', 65);
	name[65] = '\0';
	snprintf(sql, sizeof(sql), "DROP TABLE %s.t", name);
	CHECK_EQ_INT(grants_for(sql, "shop", g), -1);
	name[64] = '\0';
	snprintf(sql, sizeof(sql), "DROP TABLE %s.t", name);
	CHECK_EQ_INT(grants_for(sql, "shop", g), 1);
	CHECK_EQ_STR(g[0].db, name);
}

static const char roles_src[] =
	"policy \"t\" {\n"
	"  default deny \"no\"\n"
	"  unknown deny \"no\"\n"
	"  role reader {\n"
	"    groups \"g\"\n"
	"    grant select on shop_eu.*\n"
	"    grant lock_tables, show_view, select on shop.*\n"
	"  }\n"
	"  role support {\n"
	"    groups \"g\"\n"
	"    grant select, update (status, note) on shop.orders\n"
	"    grant references (id) on shop.customers\n"
	"  }\n"
	"  role reporting {\n"
	"    groups \"g\"\n"
	"    account \"reporting\"\n"
	"  }\n"
	"}\n";

/* role_text: the grant bodies of the named role of pol (freed at the next call; a NULL name
 * only frees). */
static const char *role_text(const struct jg_policy *pol, const char *name)
{
	static char *text;
	struct jg_policy_role pr;

	free(text);
	text = NULL;
	if (!name)
		return NULL;
	if (jg_policy_role(pol, name, &pr) < 0)
		return "(no such role)";
	text = jg_cred_role_grants(pol, &pr);
	return text ? text : "(refused)";
}

JG_TEST(cred_role_grants_text)
{
	struct jg_policy pol;
	uint8_t *bytes = jg_unit_policy(roles_src, &pol);

	if (!bytes)
		return;
	/* Privileges in MySQL's words, in a fixed order; '_' of a database pattern escaped. */
	CHECK_EQ_STR(role_text(&pol, "reader"), "SELECT ON `shop\\_eu`.*\n"
	             "SELECT, SHOW VIEW, LOCK TABLES ON `shop`.*\n");
	/* Column grants: every privilege of the line on the columns. */
	CHECK_EQ_STR(role_text(&pol, "support"),
	             "SELECT (`status`, `note`), UPDATE (`status`, `note`) ON `shop`.`orders`\n"
	             "REFERENCES (`id`) ON `shop`.`customers`\n");
	/* An existing account gets no grants from jitgate. */
	CHECK_EQ_STR(role_text(&pol, "reporting"), "");
	role_text(&pol, NULL);
	free(bytes);
}

JG_TEST(cred_grant_body_quotes_and_refuses)
{
	struct jg_policy_grant g = { JG_PRIV_SELECT | JG_PRIV_INSERT, "sh`op", "t`1", "a`b,c" };
	struct jg_cred_sb b = { 0 };

	/* Backticks are doubled wherever a name stands. */
	jg_cred_grant_body(&b, &g);
	CHECK_EQ_INT(b.bad, 0);
	CHECK_EQ_STR(b.p, "SELECT (`a``b`, `c`), INSERT (`a``b`, `c`) ON `sh``op`.`t``1`");
	jg_cred_sb_free(&b);

	/* A backslash in a database pattern would widen it: refused. */
	g = (struct jg_policy_grant){ JG_PRIV_SELECT, "a\\b", "*", "" };
	jg_cred_grant_body(&b, &g);
	CHECK(b.bad);
	jg_cred_sb_free(&b);
	/* On a table the name is no pattern: a backslash is only a character there. */
	g = (struct jg_policy_grant){ JG_PRIV_SELECT, "a", "b\\c", "" };
	jg_cred_grant_body(&b, &g);
	CHECK_EQ_INT(b.bad, 0);
	CHECK_EQ_STR(b.p, "SELECT ON `a`.`b\\c`");
	jg_cred_sb_free(&b);
	/* A privilege bit without a name is never written. */
	g = (struct jg_policy_grant){ 1u << 30, "a", "*", "" };
	jg_cred_grant_body(&b, &g);
	CHECK(b.bad);
	jg_cred_sb_free(&b);
	/* An empty column name cannot be an identifier. */
	g = (struct jg_policy_grant){ JG_PRIV_SELECT, "a", "t", "x,,y" };
	jg_cred_grant_body(&b, &g);
	CHECK(b.bad);
	jg_cred_sb_free(&b);
}
