/*
 * grants.c: which privileges a just-in-time user gets. A policy role's grant lines become the
 * GRANT bodies of its database role (jg_cred_role_grants: on the main thread at start, on
 * worker 0 at a reload); a classified statement becomes the grants of a one-shot user
 * (jg_cred_stmt_grants, see cred.h: on whichever thread asks). Pure: no connection, no shared
 * state; tests/unit/test_cred_grants.c checks them.
 */
#include "cred/cred_int.h"

#include "policy/policy.h"
#include "sql/sql.h"

#include <stdio.h>

void jg_cred_grant_body(struct jg_cred_sb *b, const struct jg_policy_grant *g)
{
	jg_cred_sb_privs(b, g->privs, g->columns);
	jg_cred_sb_on(b, g->db, g->table);
}

char *jg_cred_role_grants(const struct jg_policy *pol, const struct jg_policy_role *pr)
{
	struct jg_policy_grant g;
	struct jg_cred_sb b = { 0 };

	jg_cred_sb_str(&b, "");
	for (unsigned i = 0; i < pr->ngrants; i++) {
		jg_policy_grant(pol, pr->first_grant + i, &g);
		jg_cred_grant_body(&b, &g);
		jg_cred_sb_str(&b, "\n");
	}
	if (b.bad) {
		jg_cred_sb_free(&b);
		return NULL;
	}
	return b.p;
}

int jg_cred_stmt_grants(const struct jg_sql_stmt *st, const char *db0,
                        struct jg_cred_grant *g, unsigned cap)
{
	unsigned privs;
	unsigned n = 0;

	switch (st->kind) {
	case JG_SQL_SELECT: privs = JG_PRIV_SELECT; break;
	case JG_SQL_INSERT: privs = JG_PRIV_INSERT | JG_PRIV_SELECT; break;
	case JG_SQL_REPLACE: privs = JG_PRIV_INSERT | JG_PRIV_DELETE | JG_PRIV_SELECT; break;
	case JG_SQL_UPDATE: privs = JG_PRIV_UPDATE | JG_PRIV_SELECT; break;
	case JG_SQL_DELETE: privs = JG_PRIV_DELETE | JG_PRIV_SELECT; break;
	case JG_SQL_TRUNCATE:
	case JG_SQL_DROP: privs = JG_PRIV_DROP; break;
	case JG_SQL_ALTER: privs = JG_PRIV_ALTER | JG_PRIV_CREATE | JG_PRIV_INSERT; break;
	case JG_SQL_CREATE: privs = JG_PRIV_CREATE; break;
	case JG_SQL_RENAME: privs = JG_PRIV_ALTER | JG_PRIV_DROP | JG_PRIV_CREATE | JG_PRIV_INSERT;
		break;
	default:
		return -1;
	}
	if (st->flags & (JG_SQL_OPAQUE | JG_SQL_TRUNCATED | JG_SQL_WRITES_FILE | JG_SQL_READS_FILE))
		return -1;
	if (st->ntables == 0)
		return -1;
	for (unsigned i = 0; i < st->ntables; i++) {
		const char *t = st->tables[i], *dot = strchr(t, '.');
		const char *db = dot ? t : db0;
		size_t dblen = dot ? (size_t)(dot - t) : strlen(db0 ? db0 : "");
		const char *table = dot ? dot + 1 : t;

		if (!db || dblen == 0 || dblen >= sizeof(g->db) || strlen(table) >= sizeof(g->table) ||
		    n >= cap)
			return -1;
		memset(&g[n], 0, sizeof(g[n]));
		memcpy(g[n].db, db, dblen);
		snprintf(g[n].table, sizeof(g[n].table), "%s", table);
		/* the first table is the one acted on; the others are only read */
		g[n].privs = i == 0 ? privs : JG_PRIV_SELECT;
		n++;
	}
	return (int)n;
}
