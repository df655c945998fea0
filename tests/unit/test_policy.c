/*
 * test_policy.c: the policy language (src/policy): compile errors with their exact line and
 * column, decisions, determinism of the compiled form, and refusal of damaged compiled files.
 */
#include "unit.h"

#include "policy/policy.h"
#include "policy/policy_int.h"
#include "sql/sql.h"

#include <stdlib.h>

static const struct {
	const char *name, *src;
	unsigned line, col;
	const char *msg;
} error_cases[] = {
	{ "unknown kind",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { kind selekt allow }\n}\n",
	  5, 18, "unknown statement kind \"selekt\"" },
	{ "unknown role",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { role nobody allow }\n}\n",
	  5, 18, "unknown role nobody" },
	{ "dup rule",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { role a allow }\n rule \"r\" { role a allow }\n}\n",
	  6, 7, "rule \"r\" is declared twice (first at line 5)" },
	{ "bad unit",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" ttl 5y }\n}\n",
	  5, 26, "unknown duration unit \"y\"" },
	{ "no unit",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" ttl 30 }\n}\n",
	  5, 26, "duration 30 needs a unit" },
	{ "empty groups",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups }\n}\n",
	  5, 18, "groups is empty" },
	{ "role no groups",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { ttl 1h }\n}\n",
	  5, 7, "role b has no groups" },
	{ "tag only",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { kind update tag ticket present allow }\n}\n",
	  5, 25, "tags come from the client" },
	{ "review approvers",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { kind drop review { quorum 2 } }\n}\n",
	  5, 23, "review needs approvers" },
	{ "deny message",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { kind drop deny }\n}\n",
	  5, 28, "deny needs a message" },
	{ "unterminated",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r { allow }\n}\n",
	  5, 7, "string is not closed" },
	{ "bad char",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { kind select @ allow }\n}\n",
	  5, 25, "unexpected character '@'" },
	{ "no action",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { kind select }\n}\n",
	  5, 25, "has no action" },
	{ "file priv",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" grant file on shop.* }\n}\n",
	  5, 28, "privilege file is never given" },
	{ "unknown priv",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" grant selec on shop.* }\n}\n",
	  5, 28, "unknown privilege \"selec\"" },
	{ "star star",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" grant select on *.* }\n}\n",
	  5, 38, "grants on *.*" },
	{ "where select",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { kind select where absent allow }\n}\n",
	  5, 25, "only known for update and delete" },
	{ "after action",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { allow kind select }\n}\n",
	  5, 19, "the action comes last" },
	{ "bad flag",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { flags writes_files deny \"x\" }\n}\n",
	  5, 19, "unknown flag \"writes_files\"" },
	{ "mask pattern",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n mask \"m\" { columns \"a.b\" with redact }\n}\n",
	  5, 21, "schema.table.column" },
	{ "mask fn",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n mask \"m\" { columns \"a.b.c\" }\n}\n",
	  5, 7, "mask needs a function" },
	{ "mask probing twice",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n mask \"m\" { columns \"a.b.c\" probing refuse with redact probing allow }\n}\n",
	  5, 56, "probing given twice in mask \"m\" (first at line 5)" },
	{ "mask probing value",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n mask \"m\" { columns \"a.b.c\" probing deny with redact }\n}\n",
	  5, 37, "expected refuse or allow after probing" },
	{ "mask scan twice",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n mask \"m\" { detect luhn scan all\n  scan unnamed with redact }\n}\n",
	  6, 3, "scan given twice in mask \"m\" (first at line 5)" },
	{ "mask scan value",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n mask \"m\" { detect luhn scan some with redact }\n}\n",
	  5, 30, "expected all or unnamed after scan" },
	{ "mask roles twice",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n mask \"m\" { detect luhn roles a roles a with redact }\n}\n",
	  5, 33, "roles given twice in mask \"m\" (first at line 5)" },
	{ "mask roles unknown",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n mask \"m\" { detect luhn roles a, nobody with redact }\n}\n",
	  5, 34, "unknown role nobody" },
	{ "mask roles empty",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n mask \"m\" { detect luhn roles with redact }\n}\n",
	  5, 31, "expected a role name" },
	{ "mask option",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n mask \"m\" { detect luhn probe refuse with redact }\n}\n",
	  5, 25, "expected columns, detect, with, probing, scan or roles" },
	{ "dup role",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role a { groups \"g\" }\n}\n",
	  5, 7, "role a is declared twice (first at line 4)" },
	{ "col priv",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" grant delete (id) on s.t }\n}\n",
	  5, 35, "columns can only be given" },
	{ "quorum",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { kind drop review { approvers \"x\" quorum 0 } }\n}\n",
	  5, 53, "quorum must be between 1 and 100" },
	{ "top level",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rules \"x\"\n}\n",
	  5, 2, "expected default, unknown, role, rule or mask" },
	{ "dup cond",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { kind select kind show allow }\n}\n",
	  5, 25, "already has a kind condition" },
	{ "account name",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" account \"app@ro\" }\n}\n",
	  5, 30, "account must be 1 to 32 letters" },
	{ "account empty",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" account \"\" }\n}\n",
	  5, 30, "account must be 1 to 32 letters" },
	{ "account long",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" account a23456789012345678901234567890123 }\n}\n",
	  5, 30, "account must be 1 to 32 letters" },
	{ "account twice",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" account x account y }\n}\n",
	  5, 32, "account given twice" },
	{ "grant after account",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" account x grant select on s.* }\n}\n",
	  5, 32, "role b uses the existing account x, whose own privileges apply: grants cannot be given to it" },
	{ "account after grant",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { groups \"g\" grant select on s.* account x }\n}\n",
	  5, 42, "role b uses the existing account x, whose own privileges apply: grants cannot be given to it" },
	{ "account no groups",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n role b { account x }\n}\n",
	  5, 7, "role b has no groups" },
	{ "multi value",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" multi_statements no }\n}\n",
	  4, 39, "expected on or off after multi_statements" },
	{ "multi missing value",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" multi_statements }\n}\n",
	  4, 39, "expected on or off after multi_statements" },
	{ "multi twice",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" multi_statements off\n  ttl 1h multi_statements on }\n}\n",
	  5, 10, "multi_statements given twice in role a (first at line 4)" },
	{ "multi in rule",
	  "policy \"p\" {\n default deny \"d\"\n unknown deny \"u\"\n role a { groups \"g\" }\n rule \"r\" { multi_statements off allow }\n}\n",
	  5, 13, "expected" },
	{ "no default",
	  "policy \"p\" {\n unknown deny \"u\"\n}\n",
	  3, 1, "policy has no default" },
	{ "no unknown",
	  "policy \"p\" {\n default deny \"d\"\n}\n",
	  3, 1, "policy has no unknown action" },
	{ "not a policy",
	  "polisy \"p\" {}\n",
	  1, 1, "expected policy \"NAME\"" },
	{ "trailing text",
	  "policy \"p\" {\n default allow\n unknown deny \"u\"\n}\nrule\n",
	  5, 1, "expected the end of the file" },
};

JG_TEST(policy_compile_errors)
{
	for (size_t i = 0; i < JG_ARRAY_LEN(error_cases); i++) {
		struct jg_policy_error err;
		uint8_t *out = NULL;
		size_t len = 0;
		int rc = jg_policy_compile(error_cases[i].src, strlen(error_cases[i].src), "t.policy",
		                           &out, &len, &err);

		if (rc != JG_ERR_CONFIG || err.line != error_cases[i].line ||
		    err.col != error_cases[i].col || !strstr(err.msg, error_cases[i].msg)) {
			fprintf(stderr, "case \"%s\": rc %d at %u:%u \"%s\"; expected %u:%u \"%s\"\n",
			        error_cases[i].name, rc, err.line, err.col, err.msg, error_cases[i].line,
			        error_cases[i].col, error_cases[i].msg);
			jg_unit_failures++;
		}
		CHECK(out == NULL);
		free(out);
	}
}

JG_TEST(policy_error_text)
{
	static const char src[] = "policy \"p\" {\n default deny \"d\"\n\tunknown dny \"u\"\n}\n";
	struct jg_policy_error err;
	uint8_t *out = NULL;
	size_t len;

	CHECK_EQ_INT(jg_policy_compile(src, strlen(src), "t.policy", &out, &len, &err), JG_ERR_CONFIG);
	CHECK_EQ_STR(err.text, "t.policy:3:10: expected an action: allow, deny \"message\" or review { ... }, found 'dny'\n"
	                       "\tunknown dny \"u\"\n"
	                       "\t        ^\n");
}

static const char shop[] =
	"policy \"shop\" {\n"
	"  default deny \"no rule\"\n"
	"  unknown deny \"unknown\"\n"
	"  role analyst { groups \"analysts\", \"dba\" grant select on shop.* ttl 2h max_connections 5 }\n"
	"  role support { groups \"support\" grant select (id, name) on shop.customers grant update on shop.orders }\n"
	"  rule \"no-drop\" { kind drop deny \"no DROP\" }\n"
	"  rule \"reads\" { role analyst, support kind select tables \"shop.*\" allow }\n"
	"  rule \"ticket\" { role support kind update tables \"shop.orders\" where present tag ticket \"INC-*\" allow }\n"
	"  rule \"bulk\" { kind update, delete where absent review { approvers \"dba\" quorum 2 timeout 30m } }\n"
	"  rule \"hr\" { groups \"hr\" touches \"hr.*\" allow }\n"
	"  rule \"opaque\" { role analyst flags opaque review { approvers \"dba\" } }\n"
	"  role legacy { groups \"ops\" ttl 15m account \"app-ro.v1\" max_connections 3 }\n"
	"  mask \"cards\" { columns \"shop.*.card_number\" detect luhn with last4 }\n"
	"}\n";

static struct jg_sql_result res;

static void decide(const struct jg_policy *p, const char *role, const char *groups,
                   const char *tags, const char *sql, struct jg_policy_decision *d)
{
	struct jg_sql_session sess = { .db = "shop", .version = 101106 };
	struct jg_policy_ctx ctx = { role, groups, "alice", "https://idp", tags };

	memset(d, 0, sizeof(*d));
	CHECK_EQ_INT(jg_sql_classify(&sess, sql, strlen(sql), &res), JG_OK);
	CHECK_EQ_INT(res.nstmts, 1);
	jg_policy_decide(p, &ctx, &res.stmts[0], d);
}

JG_TEST(policy_decisions)
{
	struct jg_policy_error err;
	struct jg_policy p;
	struct jg_policy_decision d;
	struct jg_policy_role role;
	struct jg_policy_grant g;
	uint8_t *out = NULL;
	size_t len;
	char why[256];

	CHECK_EQ_INT(jg_policy_compile(shop, strlen(shop), "shop", &out, &len, &err), JG_OK);
	if (!out) {
		fprintf(stderr, "%s", err.text);
		jg_unit_failures++;
		return;
	}
	CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_OK);
	CHECK_EQ_INT(p.nroles, 3);
	CHECK_EQ_INT(p.nrules, 6);
	CHECK_EQ_INT(p.nmasks, 1);

	decide(&p, "analyst", "x,analysts", NULL, "SELECT * FROM orders", &d);
	CHECK_EQ_INT(d.action, JG_POLICY_ALLOW);
	CHECK_EQ_STR(d.rule_name, "reads");
	CHECK_EQ_INT(d.line, 7);

	decide(&p, "analyst", "analysts", NULL, "SELECT * FROM shop.a JOIN hr.b", &d);
	CHECK_EQ_INT(d.action, JG_POLICY_DENY);
	CHECK_EQ_INT(d.rule, JG_POLICY_BY_DEFAULT);
	CHECK_EQ_STR(d.message, "no rule");

	decide(&p, "analyst", "analysts", NULL, "DROP TABLE shop.orders", &d);
	CHECK_EQ_INT(d.action, JG_POLICY_DENY);
	CHECK_EQ_STR(d.message, "no DROP");

	decide(&p, "analyst", "support", NULL, "SELECT 1 FROM shop.orders", &d);
	CHECK_EQ_INT(d.action, JG_POLICY_DENY);
	CHECK_EQ_INT(d.rule, JG_POLICY_BY_ROLE);

	decide(&p, "nobody", "analysts", NULL, "SELECT 1 FROM shop.orders", &d);
	CHECK_EQ_INT(d.rule, JG_POLICY_BY_ROLE);

	decide(&p, "support", "support", "ticket=INC-7", "UPDATE shop.orders SET a = 1 WHERE id = 2", &d);
	CHECK_EQ_STR(d.rule_name, "ticket");
	CHECK_EQ_INT(d.action, JG_POLICY_ALLOW);
	decide(&p, "support", "support", "env=prod, ticket=CHG-7", "UPDATE shop.orders SET a = 1 WHERE id = 2", &d);
	CHECK_EQ_INT(d.action, JG_POLICY_DENY);

	decide(&p, "support", "support", "ticket=INC-7", "UPDATE shop.orders SET a = 1", &d);
	CHECK_EQ_INT(d.action, JG_POLICY_REVIEW);
	CHECK_EQ_STR(d.rule_name, "bulk");
	CHECK_EQ_STR(d.approvers, "dba");
	CHECK_EQ_INT(d.quorum, 2);
	CHECK_EQ_INT(d.timeout, 1800);

	decide(&p, "analyst", "hr,analysts", NULL, "SELECT * FROM hr.salaries", &d);
	CHECK_EQ_STR(d.rule_name, "hr");

	decide(&p, "analyst", "analysts", NULL, "FROB shop.orders", &d);
	CHECK_EQ_INT(d.rule, JG_POLICY_BY_UNKNOWN);
	CHECK_EQ_STR(d.message, "unknown");

	decide(&p, "analyst", "analysts", NULL, "EXECUTE s", &d);
	CHECK_EQ_INT(d.action, JG_POLICY_REVIEW);
	CHECK_EQ_STR(d.rule_name, "opaque");

	CHECK_EQ_INT(jg_policy_role(&p, "support", &role), 1);
	CHECK_EQ_INT(role.ttl, 3600);    /* the default */
	CHECK_EQ_INT(role.ngrants, 2);
	jg_policy_grant(&p, role.first_grant, &g);
	CHECK_EQ_INT(g.privs, JG_PRIV_SELECT);
	CHECK_EQ_STR(g.db, "shop");
	CHECK_EQ_STR(g.table, "customers");
	CHECK_EQ_STR(g.columns, "id,name");
	CHECK_EQ_STR(role.account, "");
	CHECK_EQ_INT(jg_policy_role(&p, "analyst", &role), 0);
	CHECK_EQ_INT(role.max_connections, 5);
	CHECK_EQ_INT(role.ttl, 7200);
	CHECK_EQ_STR(role.account, "");
	/* an existing account: used as is, no grants; groups, ttl and max_connections still hold */
	CHECK_EQ_INT(jg_policy_role(&p, "legacy", &role), 2);
	CHECK_EQ_STR(role.account, "app-ro.v1");
	CHECK_EQ_STR(role.groups, "ops");
	CHECK_EQ_INT(role.ngrants, 0);
	CHECK_EQ_INT(role.ttl, 900);
	CHECK_EQ_INT(role.max_connections, 3);
	decide(&p, "legacy", "ops", NULL, "SELECT * FROM shop.orders", &d);
	CHECK_EQ_INT(d.action, JG_POLICY_DENY);
	CHECK_EQ_INT(d.rule, JG_POLICY_BY_DEFAULT);
	decide(&p, "legacy", "analysts", NULL, "SELECT 1 FROM shop.orders", &d);
	CHECK_EQ_INT(d.rule, JG_POLICY_BY_ROLE);
	free(out);
}

/* multi_statements off: one statement per query for that role only; "SELECT 1;" is one; the
 * role's other rules still decide a single statement; files without the flag read as on. */
JG_TEST(policy_multi_statements_off)
{
	static const char src[] =
		"policy \"m\" {\n"
		"  default allow\n"
		"  unknown deny \"u\"\n"
		"  role agent { groups \"g\" multi_statements off }\n"
		"  role human { groups \"g\" multi_statements on }\n"
		"  role plain { groups \"g\" }\n"
		"  rule \"no-drop\" { kind drop deny \"no DROP\" }\n"
		"}\n";
	struct jg_policy_ctx ctx = { "agent", "g", "alice", "https://idp", NULL };
	struct jg_sql_session sess = { .db = "shop", .version = 101106 };
	struct jg_policy_error err;
	struct jg_policy_decision d;
	struct jg_policy_role r;
	struct jg_policy p;
	uint8_t *out = NULL;
	size_t len;
	unsigned which = 9;
	char why[256];

	CHECK_EQ_INT(jg_policy_compile(src, strlen(src), "m", &out, &len, &err), JG_OK);
	if (!out)
		return;
	CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_OK);
	CHECK_EQ_INT(jg_policy_multi_statements(&p, "agent"), 0);
	CHECK_EQ_INT(jg_policy_multi_statements(&p, "human"), 1);
	CHECK_EQ_INT(jg_policy_multi_statements(&p, "plain"), 1);
	CHECK_EQ_INT(jg_policy_multi_statements(&p, "nobody"), 1);
	CHECK_EQ_INT(jg_policy_role(&p, "agent", &r), 0);
	CHECK_EQ_INT(r.multi_statements, 0);

	jg_policy_judge(&p, &ctx, &sess, "SELECT 1; DELETE FROM t", 23, &res, &d, &which);
	CHECK_EQ_INT(d.action, JG_POLICY_DENY);
	CHECK_EQ_INT(d.rule, JG_POLICY_BY_ROLE);
	CHECK_EQ_INT(which, 1);
	CHECK(strstr(d.message, "one statement per query") != NULL);
	jg_policy_judge(&p, &ctx, &sess, "SELECT 1 /*!50000 ; DROP TABLE t */", 35, &res, &d, &which);
	CHECK_EQ_INT(d.action, JG_POLICY_DENY);
	CHECK_EQ_INT(d.rule, JG_POLICY_BY_ROLE);
	jg_policy_judge(&p, &ctx, &sess, "SELECT 1;", 9, &res, &d, &which);
	CHECK_EQ_INT(d.action, JG_POLICY_ALLOW);
	jg_policy_judge(&p, &ctx, &sess, "DROP TABLE t", 12, &res, &d, &which);
	CHECK_EQ_INT(d.action, JG_POLICY_DENY);
	CHECK_EQ_STR(d.rule_name, "no-drop");
	ctx.role = "human";
	jg_policy_judge(&p, &ctx, &sess, "SELECT 1; DELETE FROM t", 23, &res, &d, &which);
	CHECK_EQ_INT(d.action, JG_POLICY_ALLOW);
	ctx.role = "plain";
	jg_policy_judge(&p, &ctx, &sess, "SELECT 1; DELETE FROM t", 23, &res, &d, &which);
	CHECK_EQ_INT(d.action, JG_POLICY_ALLOW);

	/* the flag word: unknown bits are refused; 0 (older files) reads as multi_statements on */
	{
		uint8_t *w = out + jg_le32(out + 4 * H_ROLES);

		CHECK_EQ_INT(jg_le32(w + 28), JG_PC_ROLE_SINGLE);
		jg_put_le32(w + 28, 0x80);
		jg_put_le32(out + 12, jg_policy_checksum(out + 16, len - 16));
		CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_ERR_CONFIG);
		CHECK(strstr(why, "role flags") != NULL);
		jg_put_le32(w + 28, 0);
		jg_put_le32(out + 12, jg_policy_checksum(out + 16, len - 16));
		CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_OK);
		CHECK_EQ_INT(jg_policy_multi_statements(&p, "agent"), 1);
	}
	free(out);
}

JG_TEST(policy_deterministic)
{
	struct jg_policy_error err;
	uint8_t *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;

	CHECK_EQ_INT(jg_policy_compile(shop, strlen(shop), "shop", &a, &la, &err), JG_OK);
	CHECK_EQ_INT(jg_policy_compile(shop, strlen(shop), "other-name", &b, &lb, &err), JG_OK);
	CHECK(a && b && la == lb && memcmp(a, b, la) == 0);
	free(a);
	free(b);
}

JG_TEST(policy_load_rejects_damage)
{
	struct jg_policy_error err;
	struct jg_policy p;
	uint8_t *out = NULL;
	size_t len = 0;
	char why[256];

	CHECK_EQ_INT(jg_policy_compile(shop, strlen(shop), "shop", &out, &len, &err), JG_OK);
	if (!out)
		return;
	CHECK_EQ_INT(jg_policy_load(out, len - 1, &p, why, sizeof(why)), JG_ERR_CONFIG);
	CHECK_EQ_INT(jg_policy_load(out, 64, &p, why, sizeof(why)), JG_ERR_CONFIG);
	for (size_t i = 0; i < len; i += 7) {     /* any flipped bit is caught */
		out[i] ^= 0x10;
		CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_ERR_CONFIG);
		out[i] ^= 0x10;
	}
	CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_OK);
	/* the role "legacy" (third): an account offset past the strings, or grants beside an
	 * account, are refused even with a checksum that matches */
	{
		uint8_t *r = out + jg_le32(out + 4 * H_ROLES) + 2 * JG_PC_ROLE_WORDS * 4;
		uint32_t acct = jg_le32(r + 24), first = jg_le32(r + 16);

		CHECK(acct != 0);
		jg_put_le32(r + 24, jg_le32(out + 4 * H_STRLEN));
		jg_put_le32(out + 12, jg_policy_checksum(out + 16, len - 16));
		CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_ERR_CONFIG);
		CHECK(strstr(why, "role") != NULL);
		jg_put_le32(r + 24, acct);
		jg_put_le32(r + 16, 0);
		jg_put_le32(r + 20, 1);
		jg_put_le32(out + 12, jg_policy_checksum(out + 16, len - 16));
		CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_ERR_CONFIG);
		CHECK(strstr(why, "account and grants") != NULL);
		jg_put_le32(r + 16, first);
		jg_put_le32(r + 20, 0);
		jg_put_le32(out + 12, jg_policy_checksum(out + 16, len - 16));
		CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_OK);
	}
	/* a wrong offset with a checksum that matches is still refused */
	jg_put_le32(out + 4 * H_STR, 0x7fffffff);
	jg_put_le32(out + 12, jg_policy_checksum(out + 16, len - 16));
	CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_ERR_CONFIG);
	CHECK(strstr(why, "damaged") != NULL);
	jg_put_le32(out + 4, 3);
	jg_put_le32(out + 12, jg_policy_checksum(out + 16, len - 16));
	CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_ERR_CONFIG);
	CHECK(strstr(why, "version 3") != NULL);
	/* a file of the first version (masks of 4 words) */
	jg_put_le32(out + 4, 1);
	jg_put_le32(out + 12, jg_policy_checksum(out + 16, len - 16));
	CHECK_EQ_INT(jg_policy_load(out, len, &p, why, sizeof(why)), JG_ERR_CONFIG);
	CHECK(strstr(why, "compiled by an older jitgate: compile it again from its source") != NULL);
	free(out);
}

JG_TEST(policy_tags_and_glob)
{
	char tags[64];
	static const char q[] = "  /* jitgate: ticket=INC-1 env=prod */ SELECT 1";

	jg_policy_tags_from_sql(q, strlen(q), tags, sizeof(tags));
	CHECK_EQ_STR(tags, "ticket=INC-1 env=prod");
	jg_policy_tags_from_sql("/* other */ SELECT 1", 20, tags, sizeof(tags));
	CHECK_EQ_STR(tags, "");
	CHECK(jg_policy_glob("shop.*", "shop.orders"));
	CHECK(!jg_policy_glob("shop.*", "shopx.orders"));
	CHECK(jg_policy_glob("*.card_?", "a.b.card_1"));
	CHECK(!jg_policy_glob("shop.orders", "shop.orders2"));
}

/* Mask options: the compiled words, the runtime view, and which roles a mask applies to. */
JG_TEST(policy_masks)
{
	static const char src[] =
		"policy \"m\" {\n"
		"  default allow\n"
		"  unknown deny \"u\"\n"
		"  role analyst { groups \"g\" }\n"
		"  role support { groups \"g\" }\n"
		"  mask \"cards\" { columns \"shop.*.card_number\", \"shop.cards.cvv\" detect luhn\n"
		"                 with last4 probing refuse roles analyst, \"support\" }\n"
		"  mask \"any\" { detect email, iban scan all probing allow with hash }\n"
		"  mask \"plain\" { columns \"hr.*.salary\" with null }\n"
		"}\n";
	struct jg_policy p;
	struct jg_policy_mask m;
	uint8_t *out = jg_unit_policy(src, &p);

	if (!out)
		return;
	CHECK_EQ_INT(p.nmasks, 3);
	jg_policy_mask_at(&p, 0, &m);
	CHECK_EQ_STR(m.name, "cards");
	CHECK_EQ_STR(m.columns, "shop.*.card_number,shop.cards.cvv");
	CHECK_EQ_STR(m.roles, "analyst,support");
	CHECK_EQ_INT(m.detect, JG_DETECT_LUHN);
	CHECK_EQ_INT(m.fn, JG_MASK_LAST4);
	CHECK_EQ_INT(m.probing_refused, 1);
	CHECK_EQ_INT(m.scan_all, 0);
	CHECK_EQ_INT(m.line, 6);
	jg_policy_mask_at(&p, 1, &m);
	CHECK_EQ_STR(m.name, "any");
	CHECK_EQ_STR(m.columns, "");
	CHECK_EQ_STR(m.roles, "");
	CHECK_EQ_INT(m.detect, JG_DETECT_EMAIL | JG_DETECT_IBAN);
	CHECK_EQ_INT(m.fn, JG_MASK_HASH);
	CHECK_EQ_INT(m.probing_refused, 0);
	CHECK_EQ_INT(m.scan_all, 1);
	CHECK_EQ_INT(m.line, 8);
	jg_policy_mask_at(&p, 2, &m);
	CHECK_EQ_INT(m.probing_refused, 0);
	CHECK_EQ_INT(m.scan_all, 0);
	CHECK_EQ_INT(m.fn, JG_MASK_NULL);
	CHECK_EQ_INT(jg_policy_mask_applies(&p, 0, "analyst"), 1);
	CHECK_EQ_INT(jg_policy_mask_applies(&p, 0, "support"), 1);
	CHECK_EQ_INT(jg_policy_mask_applies(&p, 0, "dba"), 0);
	CHECK_EQ_INT(jg_policy_mask_applies(&p, 0, "analys"), 0);
	CHECK_EQ_INT(jg_policy_mask_applies(&p, 0, NULL), 0);
	CHECK_EQ_INT(jg_policy_mask_applies(&p, 1, "dba"), 1);
	CHECK_EQ_INT(jg_policy_mask_applies(&p, 1, NULL), 1);
	/* the compiled words, and a flag or function no reader knows is refused */
	{
		uint8_t *w = out + jg_le32(out + 4 * H_MASKS);
		char why[256];

		CHECK_EQ_INT(jg_le32(w + 4 * M_FLAGS), JG_PC_MASK_REFUSE);
		CHECK_EQ_INT(jg_le32(w + 4 * M_LINE), 6);
		CHECK_EQ_INT(jg_le32(w + 4 * JG_PC_MASK_WORDS + 4 * M_FLAGS), JG_PC_MASK_SCAN_ALL);
		jg_put_le32(w + 4 * M_FLAGS, 0x80);
		jg_put_le32(out + 12, jg_policy_checksum(out + 16, p.len - 16));
		CHECK_EQ_INT(jg_policy_load(out, p.len, &p, why, sizeof(why)), JG_ERR_CONFIG);
		CHECK(strstr(why, "mask") != NULL);
		jg_put_le32(w + 4 * M_FLAGS, JG_PC_MASK_REFUSE);
		jg_put_le32(w + 4 * M_ROLES, jg_le32(out + 4 * H_STRLEN));
		jg_put_le32(out + 12, jg_policy_checksum(out + 16, p.len - 16));
		CHECK_EQ_INT(jg_policy_load(out, p.len, &p, why, sizeof(why)), JG_ERR_CONFIG);
	}
	free(out);
}

/* Probing: a masked column may be read only as a plain column of a result that goes to the
 * client (docs/policy-language.md, "Probing"). 1: refused by the mask; 0: the rules decide
 * (here: allow). */
static const char probing_src[] =
	"policy \"probe\" {\n"
	"  default allow\n"
	"  unknown allow\n"
	"  role analyst { groups \"g\" }\n"
	"  role dba { groups \"g\" }\n"
	"  rule \"no-drop\" { kind drop deny \"no DROP\" }\n"
	"  mask \"cards\" { columns \"shop.cards.card_number\", \"shop.*.cvv\" with last4\n"
	"                 probing refuse roles analyst }\n"
	"  mask \"emails\" { columns \"shop.customers.email\" with email }\n"
	"}\n";

static const struct { int refused; unsigned mode; const char *sql; } probing_cases[] = {
	/* plain columns of the result */
	{ 0, 0, "SELECT card_number FROM cards WHERE id = 5" },
	{ 0, 0, "SELECT * FROM shop.cards" },
	{ 0, 0, "SELECT id, card_number AS c FROM cards" },
	{ 0, 0, "SELECT id, card_number c, cards.cvv, shop.cards.card_number FROM cards" },
	{ 0, 0, "SELECT c.* FROM cards c JOIN orders o ON o.card_id = c.id WHERE o.total > 10" },
	{ 0, 0, "SELECT x.c FROM (SELECT card_number c FROM cards) x" },
	{ 0, 0, "WITH x AS (SELECT card_number FROM cards WHERE id = 1) SELECT * FROM x" },
	{ 0, 0, "SELECT card_number FROM cards UNION ALL SELECT card_number FROM old.cards" },
	{ 0, 0, "(SELECT card_number FROM cards LIMIT 1)" },
	{ 0, 0, "SELECT /* card_number */ id FROM cards WHERE /* card_number = 1 */ id = 2" },
	{ 0, 0, "SELECT id FROM cards WHERE note = 'card_number LIKE 4%'" },
	{ 0, 0, "SELECT id FROM cards WHERE note = \"card_number\"" },
	{ 0, 0, "SELECT COUNT(*) FROM cards WHERE id > 3" },
	{ 0, 0, "SELECT card_number FROM cards ORDER BY id DESC LIMIT 10" },
	{ 0, 0, "SELECT card_number FROM cards FOR UPDATE" },
	{ 0, 0, "SELECT id FROM cards c USE INDEX (card_number) WHERE id = 1" },
	{ 0, 0, "SELECT SQL_NO_CACHE card_number FROM cards" },
	{ 0, 0, "SELECT card_number FROM hr.orders WHERE card_number LIKE '4%'" },   /* not in scope */
	{ 0, 0, "SELECT email FROM customers WHERE email LIKE 'a%'" },           /* probing allow */
	{ 0, 0, "UPDATE cards SET status = 'x' WHERE id = 5" },
	{ 0, 0, "INSERT INTO cards (id, status) VALUES (1, 'new')" },
	{ 0, 0, "INSERT INTO hr.log SELECT id, now() FROM cards" },
	{ 0, 0, "DELETE FROM cards WHERE id = 5" },
	{ 0, 0, "EXECUTE s" },
	{ 0, 0, "PREPARE s FROM 'SELECT card_number FROM shop.cards WHERE id = ?'" },
	{ 0, 0, "SELECT 1 FROM cards ORDER BY 1" },
	{ 0, 0, "SELECT id FROM cards WHERE EXISTS (SELECT 1 FROM orders o WHERE o.card_id = cards.id)" },
	{ 0, 0, "SELECT card_number FROM cards WHERE id IN (1, 2, 3)" },
	{ 0, 2, "SELECT \"id\" FROM cards WHERE 'card_number' = 'x'" },
	/* probing: WHERE, ON, USING, HAVING, ORDER BY, GROUP BY, expressions, functions */
	{ 1, 0, "SELECT * FROM cards WHERE card_number LIKE '4%'" },
	{ 1, 0, "SELECT id FROM cards WHERE `card_number` = '4111111111111111'" },
	{ 1, 0, "SELECT id FROM cards WHERE `CARD_NUMBER` = '4111111111111111'" },
	{ 1, 0, "SELECT id FROM cards c WHERE c.card_number > '5'" },
	{ 1, 0, "SELECT id FROM shop.cards WHERE shop.cards.card_number BETWEEN '4' AND '5'" },
	{ 1, 2, "SELECT id FROM cards WHERE \"card_number\" = '4111'" },
	{ 1, 0, "SELECT id FROM orders o JOIN cards c ON c.card_number = o.ref" },
	{ 1, 0, "SELECT id FROM orders JOIN cards USING (card_number)" },
	{ 1, 0, "SELECT card_number FROM cards HAVING card_number LIKE '4%'" },
	{ 1, 0, "SELECT card_number c FROM cards HAVING c LIKE '4%'" },
	{ 1, 0, "SELECT card_number c FROM cards ORDER BY c" },
	{ 1, 0, "SELECT card_number FROM cards ORDER BY card_number" },
	{ 1, 0, "SELECT COUNT(*) FROM cards GROUP BY card_number" },
	{ 1, 0, "SELECT c FROM (SELECT card_number c FROM cards) x WHERE c LIKE '4%'" },
	{ 1, 0, "SELECT d FROM (SELECT c AS d FROM (SELECT card_number c FROM cards) x) y ORDER BY d" },
	{ 1, 0, "SELECT c LIKE '4%' FROM (SELECT card_number c FROM cards) x" },
	{ 1, 0, "SELECT card_number LIKE '4%' FROM cards" },
	{ 1, 0, "SELECT card_number = '4111' AS hit FROM cards" },
	{ 1, 0, "SELECT LEFT(card_number, 6) FROM cards" },
	{ 1, 0, "SELECT CONCAT(card_number, '') FROM cards" },
	{ 1, 0, "SELECT JSON_OBJECT('n', card_number) FROM cards" },
	{ 1, 0, "SELECT JSON_EXTRACT(JSON_ARRAY(cvv), '$[0]') FROM cards" },
	{ 1, 0, "SELECT CASE WHEN card_number LIKE '4%' THEN 1 END FROM cards" },
	{ 1, 0, "SELECT id, ROW_NUMBER() OVER (ORDER BY card_number) FROM cards" },
	{ 1, 0, "SELECT id, RANK() OVER w FROM cards WINDOW w AS (PARTITION BY card_number)" },
	{ 1, 0, "SELECT id FROM cards LIMIT 1 OFFSET 0 -- \n UNION ALL SELECT card_number + 1 FROM cards" },
	{ 1, 0, "SELECT (SELECT card_number FROM cards LIMIT 1) FROM dual" },
	{ 1, 0, "SELECT id FROM orders WHERE id IN (SELECT card_number FROM cards)" },
	{ 1, 0, "WITH x AS (SELECT card_number FROM cards) SELECT * FROM x WHERE card_number > '4'" },
	{ 1, 0, "SELECT 1 /*!50000 FROM cards WHERE card_number LIKE '4%' */" },
	/* copies, writes, variables, other statements */
	{ 1, 0, "INSERT INTO log (v) SELECT card_number FROM cards" },
	{ 1, 0, "INSERT INTO log SELECT * FROM cards" },
	{ 1, 0, "CREATE TABLE x AS SELECT card_number FROM cards" },
	{ 1, 0, "CREATE TABLE x SELECT * FROM cards" },
	{ 1, 0, "UPDATE cards SET note = card_number WHERE id = 1" },
	{ 1, 0, "UPDATE t JOIN cards ON t.id = cards.id SET t.a = cards.card_number" },
	{ 1, 0, "DELETE FROM cards WHERE card_number LIKE '4%'" },
	{ 1, 0, "INSERT INTO cards (id, card_number) VALUES (1, '4111111111111111')" },
	{ 1, 0, "INSERT INTO cards VALUES (1, '4111111111111111', '123')" },
	{ 1, 0, "SELECT card_number INTO @v FROM cards WHERE id = 1" },
	{ 1, 0, "SELECT * FROM cards WHERE id = 1 INTO OUTFILE '/tmp/x'" },
	{ 1, 0, "SET @v = (SELECT card_number FROM cards WHERE id = 1)" },
	{ 1, 0, "DO (SELECT card_number FROM cards WHERE id = 1) LIKE '4%'" },
	{ 1, 0, "PREPARE s FROM 'SELECT id FROM shop.cards WHERE card_number LIKE ''4%'''" },
	{ 1, 0, "PREPARE s FROM @q" },
	/* positions, row comparisons, natural joins */
	{ 1, 0, "SELECT id, card_number FROM cards ORDER BY 2" },
	{ 1, 0, "SELECT * FROM cards GROUP BY 2" },
	{ 1, 0, "SELECT * FROM cards NATURAL JOIN guesses" },
	{ 1, 0, "SELECT card_number FROM cards WHERE id = 5 UNION SELECT '4111111111111111'" },
	{ 1, 0, "SELECT card_number FROM cards INTERSECT SELECT '4111111111111111'" },
	{ 1, 0, "SELECT DISTINCT card_number FROM cards" },
	{ 1, 0, "SELECT id FROM t WHERE (1, '4111', '1') IN (SELECT * FROM cards)" },
	{ 1, 0, "SELECT id FROM t WHERE (1, '4111', '1') IN (TABLE cards)" },
	{ 1, 0, "WITH x (a, b) AS (SELECT id, card_number FROM cards) SELECT * FROM x" },
	{ 1, 0, "HANDLER cards READ card_idx = ('4111')" },
};

JG_TEST(policy_probing)
{
	struct jg_policy p;
	uint8_t *out = jg_unit_policy(probing_src, &p);

	if (!out)
		return;
	for (size_t i = 0; i < JG_ARRAY_LEN(probing_cases); i++) {
		struct jg_sql_session sess = { .db = "shop", .version = 101106,
		                               .sql_mode = probing_cases[i].mode };
		struct jg_policy_ctx ctx = { "analyst", "g", "alice", "https://idp", NULL };
		const char *sql = probing_cases[i].sql;
		struct jg_policy_decision d;
		unsigned which;
		int refused;

		jg_policy_judge(&p, &ctx, &sess, sql, strlen(sql), &res, &d, &which);
		refused = d.action == JG_POLICY_DENY && d.rule == JG_POLICY_BY_MASK;
		if (refused != probing_cases[i].refused ||
		    (!refused && d.action != JG_POLICY_ALLOW)) {
			fprintf(stderr, "probing case %zu: %s: %s %d %s\n", i, sql,
			        jg_policy_action_name(d.action), d.rule, d.message ? d.message : "");
			jg_unit_failures++;
		}
		/* the same text from a role the mask does not apply to goes through */
		ctx.role = "dba";
		sess.sql_mode = probing_cases[i].mode;
		jg_policy_judge(&p, &ctx, &sess, sql, strlen(sql), &res, &d, &which);
		CHECK(d.rule != JG_POLICY_BY_MASK);
	}
	free(out);
}

JG_TEST(policy_probing_decision)
{
	struct jg_policy p;
	struct jg_sql_session sess = { .db = "shop", .version = 101106 };
	struct jg_policy_ctx ctx = { "analyst", "g", "alice", "https://idp", NULL };
	struct jg_policy_decision d;
	unsigned which = 9;
	uint8_t *out = jg_unit_policy(probing_src, &p);
	static const char q[] = "SELECT 1; SELECT id FROM cards WHERE card_number LIKE '4%'";

	if (!out)
		return;
	CHECK_EQ_INT(jg_policy_judge(&p, &ctx, &sess, q, strlen(q), &res, &d, &which), JG_OK);
	CHECK_EQ_INT(d.action, JG_POLICY_DENY);
	CHECK_EQ_INT(d.rule, JG_POLICY_BY_MASK);
	CHECK_EQ_STR(d.rule_name, "cards");
	CHECK_EQ_INT(d.line, 7);
	CHECK_EQ_INT(which, 1);
	CHECK_EQ_STR(d.message, "column card_number is masked (mask \"cards\"): it may be read only as a "
	             "plain column of a SELECT's result, not in WHERE, ON, USING, HAVING, ORDER BY, "
	             "GROUP BY, an expression or a function, nor copied by INSERT/UPDATE/CREATE ... "
	             "SELECT or SELECT ... INTO");
	/* a rule's refusal comes first */
	CHECK_EQ_INT(jg_policy_judge(&p, &ctx, &sess, "DROP TABLE cards", 16, &res, &d, &which), JG_OK);
	CHECK_EQ_STR(d.rule_name, "no-drop");
	/* a position: no column named, the construct is */
	CHECK_EQ_INT(jg_policy_judge(&p, &ctx, &sess, "SELECT * FROM cards ORDER BY 3", 30, &res, &d,
	                             &which), JG_OK);
	CHECK_EQ_INT(d.rule, JG_POLICY_BY_MASK);
	CHECK(strstr(d.message, "ORDER BY or GROUP BY a column's position") != NULL);
	free(out);
}
