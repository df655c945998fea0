/*
 * ddl.c: the text of the account statements jitgate runs: CREATE USER, CREATE ROLE and GRANT,
 * DROP USER and KILL. Pure: no connection, no ledger, no shared state, so any thread may call
 * it (the admin threads and the main thread do) and tests/unit/test_cred_ddl.c checks the
 * exact text. Every name and string goes through credtext.c (proved); what cannot be quoted
 * safely is refused, never truncated. See cred_int.h.
 */
#include "cred/cred_int.h"

#include "policy/policy.h"

#include <stdio.h>

/* ---- the string builder -------------------------------------------------------------------- */

void jg_cred_sb_add(struct jg_cred_sb *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->bad = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void jg_cred_sb_str(struct jg_cred_sb *b, const char *s)
{
	jg_cred_sb_add(b, s, strlen(s));
}

void jg_cred_sb_ident(struct jg_cred_sb *b, const char *s, size_t n, unsigned flags)
{
	char q[3 * 64 + 8];
	long k = jg_cred_quote_ident(q, sizeof(q), s, n, flags);

	if (k < 0) {
		b->bad = 1;
		return;
	}
	jg_cred_sb_add(b, q, (size_t)k);
}

void jg_cred_sb_free(struct jg_cred_sb *b)
{
	if (b->p)
		explicit_bzero(b->p, b->cap);
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void jg_cred_sb_privs(struct jg_cred_sb *b, unsigned privs, const char *cols)
{
	int first = 1;

	for (unsigned bit = 1; bit && bit <= privs; bit <<= 1) {
		const char *name;

		if (!(privs & bit))
			continue;
		name = jg_policy_priv_name(bit);
		if (strcmp(name, "?") == 0) {
			b->bad = 1;
			return;
		}
		if (!first)
			jg_cred_sb_str(b, ", ");
		first = 0;
		for (const char *p = name; *p; p++) {
			char ch = *p == '_' ? ' ' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);

			jg_cred_sb_add(b, &ch, 1);
		}
		if (cols && cols[0]) {
			const char *p = cols, *comma;

			jg_cred_sb_str(b, " (");
			for (;;) {
				comma = strchr(p, ',');
				jg_cred_sb_ident(b, p, comma ? (size_t)(comma - p) : strlen(p), 0);
				if (!comma)
					break;
				jg_cred_sb_str(b, ", ");
				p = comma + 1;
			}
			jg_cred_sb_str(b, ")");
		}
	}
}

void jg_cred_sb_on(struct jg_cred_sb *b, const char *db, const char *table)
{
	int all = strcmp(table, "*") == 0;

	jg_cred_sb_str(b, " ON ");
	jg_cred_sb_ident(b, db, strlen(db), all ? JG_CRED_QI_GRANT_DB : 0);
	jg_cred_sb_str(b, ".");
	if (all)
		jg_cred_sb_str(b, "*");
	else
		jg_cred_sb_ident(b, table, strlen(table), 0);
}

/* ---- accounts and passwords ------------------------------------------------------------------ */

long jg_cred_account(char *out, size_t cap, const char *user, const char *host)
{
	long a, b;

	a = jg_cred_quote_string(out, cap, user, strlen(user));
	if (a < 0 || (size_t)a + 2 >= cap)
		return -1;
	out[a] = '@';
	b = jg_cred_quote_string(out + a + 1, cap - (size_t)a - 1, host, strlen(host));
	return b < 0 ? -1 : a + 1 + b;
}

void jg_cred_native_hash(const char *pw, char out[42])
{
	static const char hex[] = "0123456789ABCDEF";
	br_sha1_context h;
	uint8_t d1[20], d2[20];

	br_sha1_init(&h);
	br_sha1_update(&h, pw, strlen(pw));
	br_sha1_out(&h, d1);
	br_sha1_init(&h);
	br_sha1_update(&h, d1, sizeof(d1));
	br_sha1_out(&h, d2);
	out[0] = '*';
	for (int i = 0; i < 20; i++) {
		out[1 + 2 * i] = hex[d2[i] >> 4];
		out[2 + 2 * i] = hex[d2[i] & 15];
	}
	out[41] = '\0';
	explicit_bzero(d1, sizeof(d1));
}

/* sb_account: 'user'@'host' appended; 0 (and b->bad) when it cannot be quoted. */
static int sb_account(struct jg_cred_sb *b, const char *user, const char *host)
{
	char acct[2 * 256 + 8];

	if (jg_cred_account(acct, sizeof(acct), user, host) < 0) {
		b->bad = 1;
		return 0;
	}
	jg_cred_sb_str(b, acct);
	return 1;
}

/* sb_accounts: the n accounts at host, comma-separated. */
static void sb_accounts(struct jg_cred_sb *b, int n, const char *const *user, const char *host)
{
	for (int i = 0; i < n; i++) {
		jg_cred_sb_str(b, i ? ", " : "");
		sb_account(b, user[i], host);
	}
}

/*
 * sb_identified: how the new user proves itself. MariaDB gets only the mysql_native_password
 * hash, so neither its general log nor its binary log can show the password; MySQL 8 has no
 * form that takes a hash for its default plugin, so it gets the password quoted (over the admin
 * connection: use [backend] tls).
 */
static void sb_identified(struct jg_cred_sb *b, const char *pw, int mariadb)
{
	char hash[42], qpw[2 * JG_CRED_PW_LEN + 4];

	if (mariadb) {
		jg_cred_native_hash(pw, hash);
		jg_cred_sb_str(b, " IDENTIFIED BY PASSWORD '");
		jg_cred_sb_str(b, hash);
		jg_cred_sb_str(b, "'");
		explicit_bzero(hash, sizeof(hash));
	} else if (jg_cred_quote_string(qpw, sizeof(qpw), pw, strlen(pw)) > 0) {
		jg_cred_sb_str(b, " IDENTIFIED BY ");
		jg_cred_sb_str(b, qpw);
		explicit_bzero(qpw, sizeof(qpw));
	} else {
		b->bad = 1;
	}
}

/* ---- statements ------------------------------------------------------------------------------ */

int jg_cred_ddl_create_users(struct jg_cred_sb *b, const struct jg_cred_newusers *u, char *err,
                             size_t errlen)
{
	jg_cred_sb_str(b, "CREATE USER ");
	for (int i = 0; i < u->n; i++) {
		jg_cred_sb_str(b, i ? ", " : "");
		if (!sb_account(b, u->user[i], u->host)) {
			snprintf(err, errlen, "the user name or host '%s' cannot be written safely",
			         u->host);
			return JG_ERR_CONFIG;
		}
		sb_identified(b, u->password[i], u->mariadb);
	}
	jg_cred_sb_str(b, " WITH MAX_USER_CONNECTIONS 1");
	if (u->db_role) {
		/* One GRANT for all (a statement that writes the grant tables costs about as much
		 * for several users as for one); SET DEFAULT ROLE names one user at a time. */
		jg_cred_sb_str(b, "; GRANT ");
		jg_cred_sb_ident(b, u->db_role, strlen(u->db_role), 0);
		jg_cred_sb_str(b, " TO ");
		sb_accounts(b, u->n, u->user, u->host);
		for (int i = 0; i < u->n; i++) {
			jg_cred_sb_str(b, "; SET DEFAULT ROLE ");
			jg_cred_sb_ident(b, u->db_role, strlen(u->db_role), 0);
			jg_cred_sb_str(b, u->mariadb ? " FOR " : " TO ");
			sb_account(b, u->user[i], u->host);
		}
	} else {
		for (unsigned i = 0; i < u->ngrants; i++) {
			jg_cred_sb_str(b, "; GRANT ");
			jg_cred_sb_privs(b, u->grants[i].privs, NULL);
			jg_cred_sb_on(b, u->grants[i].db, u->grants[i].table);
			jg_cred_sb_str(b, " TO ");
			sb_accounts(b, u->n, u->user, u->host);
		}
	}
	if (b->bad) {
		snprintf(err, errlen, "a statement for the new user%s could not be written safely",
		         u->n > 1 ? "s" : "");
		return JG_ERR_CONFIG;
	}
	return JG_OK;
}

int jg_cred_ddl_role(struct jg_cred_sb *b, const char *db_role, const char *grants)
{
	size_t n = strlen(db_role);

	jg_cred_sb_str(b, "DROP ROLE IF EXISTS ");
	jg_cred_sb_ident(b, db_role, n, 0);
	jg_cred_sb_str(b, "; CREATE ROLE ");
	jg_cred_sb_ident(b, db_role, n, 0);
	for (const char *p = grants, *nl; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n'))) {
			b->bad = 1;
			break;
		}
		jg_cred_sb_str(b, "; GRANT ");
		jg_cred_sb_add(b, p, (size_t)(nl - p));
		jg_cred_sb_str(b, " TO ");
		jg_cred_sb_ident(b, db_role, n, 0);
	}
	return b->bad ? JG_ERR_CONFIG : JG_OK;
}

void jg_cred_ddl_drop_role(struct jg_cred_sb *b, const char *name)
{
	jg_cred_sb_str(b, b->len ? "; DROP ROLE IF EXISTS " : "DROP ROLE IF EXISTS ");
	jg_cred_sb_ident(b, name, strlen(name), 0);
}

int jg_cred_ddl_drop_users(struct jg_cred_sb *b, int n, const char *const *user,
                           const char *const *host, int mariadb, char *err, size_t errlen)
{
	jg_cred_sb_str(b, "DROP USER IF EXISTS ");
	for (int i = 0; i < n; i++) {
		jg_cred_sb_str(b, i ? ", " : "");
		if (!sb_account(b, user[i], host[i])) {
			snprintf(err, errlen, "user %s@%s cannot be quoted", user[i], host[i]);
			return JG_ERR_CONFIG;
		}
	}
	for (int i = 0; i < n && mariadb; i++) {
		jg_cred_sb_str(b, "; KILL HARD CONNECTION USER ");
		sb_account(b, user[i], host[i]);
	}
	if (b->bad) {
		snprintf(err, errlen, "out of memory");
		return JG_ERR_NOMEM;
	}
	return JG_OK;
}

long jg_cred_ddl_processlist(char *out, size_t cap, const char *user)
{
	static const char q[] = "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ";
	long k;

	if (cap < sizeof(q)) {
		if (cap)
			out[0] = '\0';
		return -1;
	}
	memcpy(out, q, sizeof(q));
	k = jg_cred_quote_string(out + sizeof(q) - 1, cap - sizeof(q) + 1, user, strlen(user));
	if (k < 0) {
		out[0] = '\0';
		return -1;
	}
	return (long)sizeof(q) - 1 + k;
}
