/* test_cred_ddl.c: the exact text of the statements src/cred/ddl.c writes for MariaDB and
 * MySQL, and what it refuses to write. The expected hashes are MySQL's PASSWORD() of the
 * passwords (SHA1(SHA1(pw)), worked out apart from BearSSL). */
#include "unit.h"

#include "cred/cred_int.h"
#include "policy/policy.h"

#define U1 "jg_gw1_0123456789abcdef"
#define U2 "jg_gw1_fedcba9876543210"
#define PW1 "Abcdefghijklmnopqrstuvwxyz012345"
#define PW2 "Zyxwvutsrqponmlkjihgfedcba987654"
#define H1 "*77D56D0B2C61F1888C2EEC69134158F203321D2F"
#define H2 "*80B12548C136B6B96AC51AD20DAE9B18775F7F85"
#define A1 "'" U1 "'@'127.0.0.1'"
#define A2 "'" U2 "'@'127.0.0.1'"
#define ROLE "jgr_gw1_analyst_ca35aac3"

static const char *const users[] = { U1, U2 };
static const char *const pws[] = { PW1, PW2 };

/* create: the text for n users; NULL (and rc, err) when refused. */
static struct jg_cred_sb create_b;
static char create_err[256];
static int create_rc;

static const char *create(int n, const char *host, int mariadb, const char *role,
                          const struct jg_cred_grant *g, unsigned ng)
{
	struct jg_cred_newusers u = { n, users, pws, host, mariadb, role, g, ng };

	jg_cred_sb_free(&create_b);
	create_err[0] = '\0';
	create_rc = jg_cred_ddl_create_users(&create_b, &u, create_err, sizeof(create_err));
	return create_rc == JG_OK ? create_b.p : NULL;
}

JG_TEST(cred_ddl_native_hash)
{
	char h[42];

	jg_cred_native_hash("password", h);
	CHECK_EQ_STR(h, "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
	jg_cred_native_hash(PW1, h);
	CHECK_EQ_STR(h, H1);
}

JG_TEST(cred_ddl_create_session_user)
{
	/* MariaDB: only the hash crosses; SET DEFAULT ROLE ... FOR. */
	CHECK_EQ_STR(create(1, "127.0.0.1", 1, ROLE, NULL, 0),
	             "CREATE USER " A1 " IDENTIFIED BY PASSWORD '" H1 "' WITH MAX_USER_CONNECTIONS 1; "
	             "GRANT `" ROLE "` TO " A1 "; SET DEFAULT ROLE `" ROLE "` FOR " A1);
	/* MySQL: the password quoted; SET DEFAULT ROLE ... TO. */
	CHECK_EQ_STR(create(1, "127.0.0.1", 0, ROLE, NULL, 0),
	             "CREATE USER " A1 " IDENTIFIED BY '" PW1 "' WITH MAX_USER_CONNECTIONS 1; "
	             "GRANT `" ROLE "` TO " A1 "; SET DEFAULT ROLE `" ROLE "` TO " A1);
	jg_cred_sb_free(&create_b);
}

JG_TEST(cred_ddl_create_pool_batch)
{
	/* One CREATE USER and one GRANT for the batch, one SET DEFAULT ROLE each. */
	CHECK_EQ_STR(create(2, "127.0.0.1", 1, ROLE, NULL, 0),
	             "CREATE USER " A1 " IDENTIFIED BY PASSWORD '" H1 "', "
	             A2 " IDENTIFIED BY PASSWORD '" H2 "' WITH MAX_USER_CONNECTIONS 1; "
	             "GRANT `" ROLE "` TO " A1 ", " A2 "; "
	             "SET DEFAULT ROLE `" ROLE "` FOR " A1 "; SET DEFAULT ROLE `" ROLE "` FOR " A2);
	CHECK_EQ_STR(create(2, "127.0.0.1", 0, ROLE, NULL, 0),
	             "CREATE USER " A1 " IDENTIFIED BY '" PW1 "', " A2 " IDENTIFIED BY '" PW2 "' "
	             "WITH MAX_USER_CONNECTIONS 1; GRANT `" ROLE "` TO " A1 ", " A2 "; "
	             "SET DEFAULT ROLE `" ROLE "` TO " A1 "; SET DEFAULT ROLE `" ROLE "` TO " A2);
	jg_cred_sb_free(&create_b);
}

JG_TEST(cred_ddl_create_oneshot_user)
{
	struct jg_cred_grant g[3] = {
		{ JG_PRIV_UPDATE | JG_PRIV_SELECT, "shop", "orders" },
		{ JG_PRIV_SELECT, "crm_eu", "*" },
		{ JG_PRIV_DROP, "shop", "we`ird" },
	};

	/* No role: exactly the grants; '_' of a database pattern escaped, backticks doubled. */
	CHECK_EQ_STR(create(1, "10.0.0.%", 0, NULL, g, 3),
	             "CREATE USER '" U1 "'@'10.0.0.%' IDENTIFIED BY '" PW1 "' "
	             "WITH MAX_USER_CONNECTIONS 1; "
	             "GRANT SELECT, UPDATE ON `shop`.`orders` TO '" U1 "'@'10.0.0.%'; "
	             "GRANT SELECT ON `crm\\_eu`.* TO '" U1 "'@'10.0.0.%'; "
	             "GRANT DROP ON `shop`.`we``ird` TO '" U1 "'@'10.0.0.%'");
	jg_cred_sb_free(&create_b);
}

JG_TEST(cred_ddl_create_quotes_and_refuses)
{
	static const char *const quote_pw[] = { "it's" }, *const backslash_pw[] = { "a\\b" };
	struct jg_cred_newusers u = { 1, users, quote_pw, "o'hara.example", 0, ROLE, NULL, 0 };
	struct jg_cred_grant bad = { JG_PRIV_SELECT, "a\\b", "*" };
	struct jg_cred_sb b = { 0 };
	char err[256];

	/* Quotes in a host and a password are doubled. */
	CHECK_EQ_INT(jg_cred_ddl_create_users(&b, &u, err, sizeof(err)), JG_OK);
	CHECK_EQ_STR(b.p, "CREATE USER '" U1 "'@'o''hara.example' IDENTIFIED BY 'it''s' "
	             "WITH MAX_USER_CONNECTIONS 1; GRANT `" ROLE "` TO '" U1 "'@'o''hara.example'; "
	             "SET DEFAULT ROLE `" ROLE "` TO '" U1 "'@'o''hara.example'");
	jg_cred_sb_free(&b);

	/* A backslash means one thing with NO_BACKSLASH_ESCAPES and another without: refused. */
	CHECK(create(1, "10.0.0.\\%", 1, ROLE, NULL, 0) == NULL);
	CHECK_EQ_INT(create_rc, JG_ERR_CONFIG);
	CHECK_EQ_STR(create_err, "the user name or host '10.0.0.\\%' cannot be written safely");
	u.host = "127.0.0.1";
	u.password = backslash_pw;
	CHECK_EQ_INT(jg_cred_ddl_create_users(&b, &u, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK_EQ_STR(err, "a statement for the new user could not be written safely");
	jg_cred_sb_free(&b);
	/* A database pattern with a backslash would widen the grant: refused. */
	CHECK(create(1, "127.0.0.1", 1, NULL, &bad, 1) == NULL);
	CHECK_EQ_INT(create_rc, JG_ERR_CONFIG);
	CHECK_EQ_STR(create_err, "a statement for the new user could not be written safely");
	/* So is a role name that cannot be an identifier (an empty one). */
	CHECK(create(2, "127.0.0.1", 1, "", NULL, 0) == NULL);
	CHECK_EQ_STR(create_err, "a statement for the new users could not be written safely");
	jg_cred_sb_free(&create_b);
}

JG_TEST(cred_ddl_role_with_column_grants)
{
	struct jg_cred_sb b = { 0 };

	CHECK_EQ_INT(jg_cred_ddl_role(&b, "jgr_gw1_support_0a1b2c3d",
	                              "SELECT (`id`, `name`) ON `shop`.`customers`\n"
	                              "SELECT (`status`), UPDATE (`status`) ON `shop`.`orders`\n"),
	             JG_OK);
	CHECK_EQ_STR(b.p, "DROP ROLE IF EXISTS `jgr_gw1_support_0a1b2c3d`; "
	             "CREATE ROLE `jgr_gw1_support_0a1b2c3d`; "
	             "GRANT SELECT (`id`, `name`) ON `shop`.`customers` TO `jgr_gw1_support_0a1b2c3d`; "
	             "GRANT SELECT (`status`), UPDATE (`status`) ON `shop`.`orders` "
	             "TO `jgr_gw1_support_0a1b2c3d`");
	jg_cred_sb_free(&b);

	/* No grants: the role alone. */
	CHECK_EQ_INT(jg_cred_ddl_role(&b, "r", ""), JG_OK);
	CHECK_EQ_STR(b.p, "DROP ROLE IF EXISTS `r`; CREATE ROLE `r`");
	jg_cred_sb_free(&b);
	/* A grant list that does not end its lines is not run. */
	CHECK_EQ_INT(jg_cred_ddl_role(&b, "r", "SELECT ON `a`.*"), JG_ERR_CONFIG);
	jg_cred_sb_free(&b);

	jg_cred_ddl_drop_role(&b, "jgr_gw1_old_00000000");
	jg_cred_ddl_drop_role(&b, "odd`name");
	CHECK_EQ_STR(b.p, "DROP ROLE IF EXISTS `jgr_gw1_old_00000000`; DROP ROLE IF EXISTS `odd``name`");
	CHECK_EQ_INT(b.bad, 0);
	jg_cred_sb_free(&b);
}

JG_TEST(cred_ddl_drop_users_and_kill)
{
	static const char *const hosts[] = { "127.0.0.1", "127.0.0.1" };
	static const char *const bad_hosts[] = { "127.0.0.1", "x\\y" };
	struct jg_cred_sb b = { 0 };
	char err[256] = "";
	char q[256];

	/* MariaDB: one DROP USER for all, then every connection of each killed. */
	CHECK_EQ_INT(jg_cred_ddl_drop_users(&b, 2, users, hosts, 1, err, sizeof(err)), JG_OK);
	CHECK_EQ_STR(b.p, "DROP USER IF EXISTS " A1 ", " A2 "; KILL HARD CONNECTION USER " A1
	             "; KILL HARD CONNECTION USER " A2);
	jg_cred_sb_free(&b);
	/* MySQL has no KILL USER: the processlist is asked per user. */
	CHECK_EQ_INT(jg_cred_ddl_drop_users(&b, 1, users, hosts, 0, err, sizeof(err)), JG_OK);
	CHECK_EQ_STR(b.p, "DROP USER IF EXISTS " A1);
	jg_cred_sb_free(&b);
	CHECK(jg_cred_ddl_processlist(q, sizeof(q), "o'neil") > 0);
	CHECK_EQ_STR(q, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'o''neil'");
	CHECK_EQ_INT(jg_cred_ddl_processlist(q, sizeof(q), "a\\b"), -1);
	CHECK_EQ_INT(jg_cred_ddl_processlist(q, 40, U1), -1);

	/* A name that cannot be quoted: nothing is run. */
	CHECK_EQ_INT(jg_cred_ddl_drop_users(&b, 2, users, bad_hosts, 1, err, sizeof(err)),
	             JG_ERR_CONFIG);
	CHECK_EQ_STR(err, "user " U2 "@x\\y cannot be quoted");
	jg_cred_sb_free(&b);
}

JG_TEST(cred_ddl_account_bounds)
{
	char out[64];

	CHECK_EQ_INT(jg_cred_account(out, sizeof(out), "u", "h"), 7);
	CHECK_EQ_STR(out, "'u'@'h'");
	/* Too long for out: refused, never cut. */
	CHECK_EQ_INT(jg_cred_account(out, 8, "u", "h"), 7);
	CHECK_EQ_INT(jg_cred_account(out, 7, "u", "h"), -1);
	CHECK_EQ_INT(jg_cred_account(out, sizeof(out), "u", "h\\"), -1);
}
