/*
 * policy.c: the runtime of the compiled policy: load (check every offset once) and decide
 * (first matching rule wins; no allocation). See policy.h.
 */
#include "policy/policy.h"
#include "policy/policy_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t jg_policy_checksum(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t hw(const struct jg_policy *p, unsigned i) { return jg_le32(p->data + 4 * i); }
static uint32_t rw(const struct jg_policy *p, unsigned rule, unsigned i)
{
	return jg_le32(p->data + hw(p, H_RULES) + 4 * (rule * JG_PC_RULE_WORDS + i));
}
static const char *S(const struct jg_policy *p, uint32_t off)
{
	return (const char *)p->data + hw(p, H_STR) + off;
}

static int bad(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "compiled policy is damaged or not a policy: %s", what);
	return JG_ERR_CONFIG;
}

static int action_ok(const struct jg_policy *p, unsigned word, uint32_t strlen_)
{
	uint32_t t = jg_le32(p->data + word * 4);

	return t >= JG_POLICY_ALLOW && t <= JG_POLICY_REVIEW &&
	       jg_le32(p->data + word * 4 + 4) < strlen_ && jg_le32(p->data + word * 4 + 8) < strlen_;
}

int jg_policy_load(const uint8_t *data, size_t len, struct jg_policy *p, char *why, size_t whylen)
{
	uint64_t end;
	uint32_t sl;

	memset(p, 0, sizeof(*p));
	p->data = data;
	p->len = len;
	if (len < JG_PC_HDR_WORDS * 4 || jg_le32(data) != JG_POLICY_MAGIC)
		return bad(why, whylen, "bad magic");
	if (hw(p, H_VERSION) < JG_POLICY_VERSION) {
		snprintf(why, whylen, "compiled policy has version %u, compiled by an older jitgate: "
		         "compile it again from its source", hw(p, H_VERSION));
		return JG_ERR_CONFIG;
	}
	if (hw(p, H_VERSION) != JG_POLICY_VERSION) {
		snprintf(why, whylen, "compiled policy has version %u; this jitgate reads version %u: "
		         "compile it again", hw(p, H_VERSION), JG_POLICY_VERSION);
		return JG_ERR_CONFIG;
	}
	if (hw(p, H_TOTAL) != len)
		return bad(why, whylen, "length does not match");
	if (hw(p, H_SUM) != jg_policy_checksum(data + 16, len - 16))
		return bad(why, whylen, "checksum does not match");
	end = (uint64_t)hw(p, H_STR) + hw(p, H_STRLEN);
	sl = hw(p, H_STRLEN);
	if (end != len || sl == 0 || data[hw(p, H_STR)] != 0 || data[len - 1] != 0)
		return bad(why, whylen, "string table");
	if ((uint64_t)hw(p, H_ROLES) + (uint64_t)hw(p, H_NROLES) * JG_PC_ROLE_WORDS * 4 > hw(p, H_STR) ||
	    (uint64_t)hw(p, H_GRANTS) + (uint64_t)hw(p, H_NGRANTS) * JG_PC_GRANT_WORDS * 4 > hw(p, H_STR) ||
	    (uint64_t)hw(p, H_RULES) + (uint64_t)hw(p, H_NRULES) * JG_PC_RULE_WORDS * 4 > hw(p, H_STR) ||
	    (uint64_t)hw(p, H_MASKS) + (uint64_t)hw(p, H_NMASKS) * JG_PC_MASK_WORDS * 4 > hw(p, H_STR) ||
	    hw(p, H_ROLES) < JG_PC_HDR_WORDS * 4 || hw(p, H_GRANTS) < JG_PC_HDR_WORDS * 4 ||
	    hw(p, H_RULES) < JG_PC_HDR_WORDS * 4 || hw(p, H_MASKS) < JG_PC_HDR_WORDS * 4 ||
	    (hw(p, H_ROLES) | hw(p, H_GRANTS) | hw(p, H_RULES) | hw(p, H_MASKS)) % 4)
		return bad(why, whylen, "table bounds");
	if (hw(p, H_NAME) >= sl || !action_ok(p, H_DEF, sl) || !action_ok(p, H_UNK, sl))
		return bad(why, whylen, "header");
	p->nroles = hw(p, H_NROLES);
	p->ngrants = hw(p, H_NGRANTS);
	p->nrules = hw(p, H_NRULES);
	p->nmasks = hw(p, H_NMASKS);
	for (unsigned i = 0; i < p->nroles; i++) {
		const uint8_t *r = data + hw(p, H_ROLES) + i * JG_PC_ROLE_WORDS * 4;
		if (jg_le32(r) >= sl || jg_le32(r + 4) >= sl || jg_le32(r + 24) >= sl ||
		    (uint64_t)jg_le32(r + 16) + jg_le32(r + 20) > p->ngrants)
			return bad(why, whylen, "role");
		/* the compiler never writes both; a reader must not think it grants to an account */
		if (jg_le32(r + 24) != 0 && jg_le32(r + 20) != 0)
			return bad(why, whylen, "role with an account and grants");
		if (jg_le32(r + 28) & ~JG_PC_ROLE_FLAGS)
			return bad(why, whylen, "role flags");
	}
	for (unsigned i = 0; i < p->ngrants; i++) {
		const uint8_t *g = data + hw(p, H_GRANTS) + i * JG_PC_GRANT_WORDS * 4;
		if (jg_le32(g + 4) >= sl || jg_le32(g + 8) >= sl || jg_le32(g + 12) >= sl)
			return bad(why, whylen, "grant");
	}
	for (unsigned i = 0; i < p->nrules; i++) {
		static const unsigned strs[] = { R_NAME, R_ROLES, R_GROUPS, R_SUB, R_ISS, R_TABLES,
		                                 R_TOUCHES, R_TAGS };
		for (size_t k = 0; k < JG_ARRAY_LEN(strs); k++)
			if (rw(p, i, strs[k]) >= sl)
				return bad(why, whylen, "rule");
		if (!action_ok(p, (hw(p, H_RULES) / 4) + i * JG_PC_RULE_WORDS + R_ACT, sl))
			return bad(why, whylen, "rule action");
	}
	for (unsigned i = 0; i < p->nmasks; i++) {
		const uint8_t *m = data + hw(p, H_MASKS) + i * JG_PC_MASK_WORDS * 4;
		if (jg_le32(m + 4 * M_NAME) >= sl || jg_le32(m + 4 * M_COLUMNS) >= sl ||
		    jg_le32(m + 4 * M_ROLES) >= sl)
			return bad(why, whylen, "mask");
		if (jg_le32(m + 4 * M_FN) < JG_MASK_REDACT || jg_le32(m + 4 * M_FN) > JG_MASK_EMAIL ||
		    (jg_le32(m + 4 * M_DETECT) & ~(uint32_t)(JG_DETECT_LUHN | JG_DETECT_EMAIL |
		                                             JG_DETECT_IBAN | JG_DETECT_SSN)) ||
		    (jg_le32(m + 4 * M_FLAGS) & ~JG_PC_MASK_FLAGS) || jg_le32(m + 4 * M_RESERVED))
			return bad(why, whylen, "mask fields");
	}
	return JG_OK;
}

/* ---- matching ----------------------------------------------------------------------------- */

static int glob_n(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;

	while (si < sn) {
		if (pi < pn && (p[pi] == '?' || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (pi < pn && p[pi] == '*') {
			star_p = pi++;
			star_s = si;
		} else if (star_p != (size_t)-1) {
			pi = star_p + 1;
			si = ++star_s;
		} else {
			return 0;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

int jg_policy_glob(const char *pat, const char *s)
{
	return glob_n(pat, strlen(pat), s, strlen(s));
}

/* in_list: does item (n bytes) match one element of the comma list? (glob patterns when glob) */
static int in_list(const char *list, const char *item, size_t n, int glob)
{
	while (*list) {
		size_t k = strcspn(list, ",");
		if (glob ? glob_n(list, k, item, n) : (k == n && memcmp(list, item, n) == 0))
			return 1;
		list += k;
		if (*list == ',')
			list++;
	}
	return 0;
}

/* any_common: do the comma lists a (patterns when glob) and b share an element? */
static int any_common(const char *a, const char *b)
{
	while (b && *b) {
		size_t k = strcspn(b, ",");
		if (k && in_list(a, b, k, 0))
			return 1;
		b += k;
		if (*b == ',')
			b++;
	}
	return 0;
}

/* tag_matches: does the client's tag list hold name=value with value matching the pattern? */
static int tag_matches(const char *tags, const char *name, size_t nn, const char *pat, size_t pn)
{
	static const char sep[] = " \t,";

	while (tags && *tags) {
		size_t k;
		tags += strspn(tags, sep);
		k = strcspn(tags, sep);
		if (k > nn && tags[nn] == '=' && memcmp(tags, name, nn) == 0 &&
		    glob_n(pat, pn, tags + nn + 1, k - nn - 1))
			return 1;
		tags += k;
	}
	return 0;
}

static int tags_match(const char *conds, const char *tags)
{
	while (*conds) {
		size_t k = strcspn(conds, "\n"), eq = strcspn(conds, "=");
		if (!tag_matches(tags, conds, eq, conds + eq + 1, k - eq - 1))
			return 0;
		conds += k;
		if (*conds == '\n')
			conds++;
	}
	return 1;
}

static int rule_matches(const struct jg_policy *p, unsigned i, const struct jg_policy_ctx *ctx,
                        const struct jg_sql_stmt *st, int unknown)
{
	uint32_t conds = rw(p, i, R_CONDS), flags = rw(p, i, R_FLAGS);
	uint64_t kinds = rw(p, i, R_KINDS_LO) | (uint64_t)rw(p, i, R_KINDS_HI) << 32;
	const char *roles = S(p, rw(p, i, R_ROLES)), *groups = S(p, rw(p, i, R_GROUPS));
	const char *sub = S(p, rw(p, i, R_SUB)), *iss = S(p, rw(p, i, R_ISS));
	const char *tables = S(p, rw(p, i, R_TABLES)), *touches = S(p, rw(p, i, R_TOUCHES));
	const char *tags = S(p, rw(p, i, R_TAGS));

	if (unknown && !(conds & JG_PC_UNKNOWN))
		return 0;
	if ((conds & JG_PC_KINDS) && ((unsigned)st->kind >= 64 || !(kinds & (1ull << st->kind))))
		return 0;
	if (*roles && !in_list(roles, ctx->role, strlen(ctx->role), 0))
		return 0;
	if (*groups && !any_common(groups, ctx->groups))
		return 0;
	if (*sub && !jg_policy_glob(sub, ctx->sub))
		return 0;
	if (*iss && !jg_policy_glob(iss, ctx->iss))
		return 0;
	if (flags && !(st->flags & flags))
		return 0;
	if (((conds & JG_PC_WHERE) && !(st->flags & JG_SQL_HAS_WHERE)) ||
	    ((conds & JG_PC_NO_WHERE) && (st->flags & JG_SQL_HAS_WHERE)) ||
	    ((conds & JG_PC_LIMIT) && !(st->flags & JG_SQL_HAS_LIMIT)) ||
	    ((conds & JG_PC_NO_LIMIT) && (st->flags & JG_SQL_HAS_LIMIT)))
		return 0;
	if (*tables) {
		/* every table must be inside the patterns; a statement without tables is not */
		if (st->ntables == 0)
			return 0;
		for (unsigned t = 0; t < st->ntables && t < JG_SQL_TABLES_MAX; t++)
			if (!in_list(tables, st->tables[t], strnlen(st->tables[t], JG_SQL_NAME_MAX), 1))
				return 0;
	}
	if (*touches) {
		unsigned t;
		for (t = 0; t < st->ntables && t < JG_SQL_TABLES_MAX; t++)
			if (in_list(touches, st->tables[t], strnlen(st->tables[t], JG_SQL_NAME_MAX), 1))
				break;
		if (t == st->ntables || t == JG_SQL_TABLES_MAX)
			return 0;
	}
	if (*tags && !tags_match(tags, ctx->tags))
		return 0;
	return 1;
}

static void set_action(const struct jg_policy *p, unsigned word, struct jg_policy_decision *d)
{
	const uint8_t *a = p->data + word * 4;

	d->action = (enum jg_policy_action)jg_le32(a);
	d->message = S(p, jg_le32(a + 4));
	d->approvers = S(p, jg_le32(a + 8));
	d->quorum = jg_le32(a + 12);
	d->timeout = jg_le32(a + 16);
}

const char *jg_policy_role_refusal(const struct jg_policy *p, const char *role_name,
                                   const char *groups)
{
	struct jg_policy_role role;

	if (jg_policy_role(p, role_name ? role_name : "", &role) < 0)
		return "this MySQL user name is not a role of the policy: connect as a role your groups may assume";
	if (!any_common(role.groups, groups ? groups : ""))
		return "your token's groups may not assume this role: ask for membership of one of its groups";
	return NULL;
}

void jg_policy_decide(const struct jg_policy *p, const struct jg_policy_ctx *in,
                      const struct jg_sql_stmt *st, struct jg_policy_decision *d)
{
	struct jg_policy_ctx ctx = *in;
	struct jg_policy_role role;
	int unknown = st->kind == JG_SQL_UNKNOWN || (st->flags & (JG_SQL_OPAQUE | JG_SQL_TRUNCATED));

	ctx.role = ctx.role ? ctx.role : "";
	ctx.groups = ctx.groups ? ctx.groups : "";
	ctx.sub = ctx.sub ? ctx.sub : "";
	ctx.iss = ctx.iss ? ctx.iss : "";
	ctx.tags = ctx.tags ? ctx.tags : "";
	memset(d, 0, sizeof(*d));
	d->rule_name = d->message = d->approvers = "";
	/* The role is what the client asked for; the token's groups say whether it may have it. */
	if ((d->message = jg_policy_role_refusal(p, ctx.role, ctx.groups))) {
		d->action = JG_POLICY_DENY;
		d->rule = JG_POLICY_BY_ROLE;
		return;
	}
	jg_policy_role(p, ctx.role, &role);
	for (unsigned i = 0; i < p->nrules; i++) {
		if (!rule_matches(p, i, &ctx, st, unknown))
			continue;
		set_action(p, hw(p, H_RULES) / 4 + i * JG_PC_RULE_WORDS + R_ACT, d);
		d->rule = (int)i;
		d->line = rw(p, i, R_LINE);
		d->rule_name = S(p, rw(p, i, R_NAME));
		return;
	}
	set_action(p, unknown ? H_UNK : H_DEF, d);
	d->rule = unknown ? JG_POLICY_BY_UNKNOWN : JG_POLICY_BY_DEFAULT;
}

void jg_policy_role_at(const struct jg_policy *p, unsigned i, struct jg_policy_role *r)
{
	const uint8_t *w = p->data + hw(p, H_ROLES) + i * JG_PC_ROLE_WORDS * 4;

	r->name = S(p, jg_le32(w));
	r->groups = S(p, jg_le32(w + 4));
	r->ttl = jg_le32(w + 8);
	r->max_connections = jg_le32(w + 12);
	r->first_grant = jg_le32(w + 16);
	r->ngrants = jg_le32(w + 20);
	r->account = S(p, jg_le32(w + 24));
	r->multi_statements = !(jg_le32(w + 28) & JG_PC_ROLE_SINGLE);
}

int jg_policy_role(const struct jg_policy *p, const char *name, struct jg_policy_role *r)
{
	for (unsigned i = 0; i < p->nroles; i++) {
		const uint8_t *w = p->data + hw(p, H_ROLES) + i * JG_PC_ROLE_WORDS * 4;

		if (strcmp(S(p, jg_le32(w)), name) == 0) {
			jg_policy_role_at(p, i, r);
			return (int)i;
		}
	}
	return -1;
}

void jg_policy_grant(const struct jg_policy *p, unsigned i, struct jg_policy_grant *g)
{
	const uint8_t *w = p->data + hw(p, H_GRANTS) + i * JG_PC_GRANT_WORDS * 4;

	g->privs = jg_le32(w);
	g->db = S(p, jg_le32(w + 4));
	g->table = S(p, jg_le32(w + 8));
	g->columns = S(p, jg_le32(w + 12));
}

static uint32_t mw(const struct jg_policy *p, unsigned mask, unsigned i)
{
	return jg_le32(p->data + hw(p, H_MASKS) + 4 * (mask * JG_PC_MASK_WORDS + i));
}

void jg_policy_mask_at(const struct jg_policy *p, unsigned i, struct jg_policy_mask *m)
{
	m->name = S(p, mw(p, i, M_NAME));
	m->columns = S(p, mw(p, i, M_COLUMNS));
	m->roles = S(p, mw(p, i, M_ROLES));
	m->detect = mw(p, i, M_DETECT);
	m->fn = (enum jg_mask_fn)mw(p, i, M_FN);
	m->probing_refused = !!(mw(p, i, M_FLAGS) & JG_PC_MASK_REFUSE);
	m->scan_all = !!(mw(p, i, M_FLAGS) & JG_PC_MASK_SCAN_ALL);
	m->line = mw(p, i, M_LINE);
}

int jg_policy_mask_applies(const struct jg_policy *p, unsigned i, const char *role)
{
	const char *roles = S(p, mw(p, i, M_ROLES));

	role = role ? role : "";
	return *roles == '\0' || in_list(roles, role, strlen(role), 0);
}

#define PATTERNS_MAX 64

/* split_columns: a mask's "schema.table.column" patterns into column and table parts (in buf);
 * the count, or -1 when they do not fit (the caller then refuses: nothing is left unchecked). */
static int split_columns(const char *cols, char *buf, size_t cap, const char **names,
                         const char **tables)
{
	int n = 0;
	size_t used = 0;

	while (*cols) {
		size_t k = strcspn(cols, ","), d1 = strcspn(cols, "."), d2;

		if (n >= PATTERNS_MAX || used + k + 2 > cap || d1 >= k)
			return -1;
		d2 = d1 + 1 + strcspn(cols + d1 + 1, ".");
		if (d2 >= k)
			return -1;
		memcpy(buf + used, cols, k);
		buf[used + d2] = '\0';              /* "schema.table" then "column" */
		buf[used + k] = '\0';
		tables[n] = buf + used;
		names[n++] = buf + used + d2 + 1;
		used += k + 1;
		cols += k;
		if (*cols == ',')
			cols++;
	}
	return n;
}

/* mask_scope: does the statement name a table of the patterns, or are its tables unknown? */
static int mask_scope(const struct jg_sql_stmt *st, const char *const *tables, int n)
{
	if (st->kind == JG_SQL_UNKNOWN || (st->flags & JG_SQL_TRUNCATED) ||
	    ((st->flags & JG_SQL_OPAQUE) && (st->kind == JG_SQL_PREPARE || st->kind == JG_SQL_EXECUTE)))
		return 1;
	for (unsigned t = 0; t < st->ntables && t < JG_SQL_TABLES_MAX; t++)
		for (int i = 0; i < n; i++) {
			const char *dot = strchr(tables[i], '.');
			/* a table the gateway could not place in a schema: its name alone */
			if (strchr(st->tables[t], '.') ? jg_policy_glob(tables[i], st->tables[t]) :
			    (dot && jg_policy_glob(dot + 1, st->tables[t])))
				return 1;
		}
	return 0;
}

static _Thread_local char probe_msg[768];

int jg_policy_mask_probe(const struct jg_policy *p, const char *role, const char *sql, size_t len,
                         const struct jg_sql_stmt *st, struct jg_policy_decision *d)
{
	for (unsigned i = 0; i < p->nmasks; i++) {
		struct jg_policy_mask m;
		struct jg_sql_probe pb;
		const char *names[PATTERNS_MAX], *tables[PATTERNS_MAX];
		char buf[4096];
		int n;

		jg_policy_mask_at(p, i, &m);
		if (!m.probing_refused || !*m.columns || !jg_policy_mask_applies(p, i, role))
			continue;
		n = split_columns(m.columns, buf, sizeof(buf), names, tables);
		if (n >= 0 && !mask_scope(st, tables, n))
			continue;
		if (n < 0) {
			pb.kind = JG_SQL_PROBE_OPAQUE;
			pb.what = "a mask with more column patterns than jitgate checks";
		} else if (jg_sql_probes(sql, len, st, names, (unsigned)n, tables, (unsigned)n, &pb) ==
		           JG_SQL_PROBE_NONE) {
			continue;
		}
		memset(d, 0, sizeof(*d));
		d->action = JG_POLICY_DENY;
		d->rule = JG_POLICY_BY_MASK;
		d->rule_name = m.name;
		d->line = m.line;
		d->approvers = "";
		if (pb.kind == JG_SQL_PROBE_NAME) {
			snprintf(probe_msg, sizeof(probe_msg), "column %s is masked (mask \"%s\"%s): it may "
			         "be read only as a plain column of a SELECT's result, not in WHERE, ON, "
			         "USING, HAVING, ORDER BY, GROUP BY, an expression or a function, nor copied "
			         "by INSERT/UPDATE/CREATE ... SELECT or SELECT ... INTO", pb.name, m.name,
			         pb.which < (unsigned)n ? "" : ", through an alias");
		} else {
			snprintf(probe_msg, sizeof(probe_msg), "this statement could reach the columns "
			         "masked by mask \"%s\" without reading them as plain columns of a "
			         "SELECT's result: %s; select the columns by name, and compare, sort and "
			         "group only on columns that are not masked", m.name, pb.what);
		}
		d->message = probe_msg;
		return 1;
	}
	return 0;
}

const char *jg_policy_action_name(enum jg_policy_action a)
{
	return a == JG_POLICY_ALLOW ? "allow" : a == JG_POLICY_DENY ? "deny" :
	       a == JG_POLICY_REVIEW ? "review" : "?";
}

void jg_policy_tags_from_sql(const char *sql, size_t len, char *out, size_t cap)
{
	size_t i = 0, end, n = 0;

	if (cap)
		out[0] = '\0';
	while (i < len && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\r' || sql[i] == '\n'))
		i++;
	if (len - i < 12 || memcmp(sql + i, "/*", 2) != 0)
		return;
	i += 2;
	while (i < len && sql[i] == ' ')
		i++;
	if (len - i < 8 || memcmp(sql + i, "jitgate:", 8) != 0)
		return;
	i += 8;
	for (end = i; end + 1 < len && !(sql[end] == '*' && sql[end + 1] == '/'); end++)
		;
	if (end + 1 >= len)
		return;
	while (i < end && sql[i] == ' ')
		i++;
	while (end > i && sql[end - 1] == ' ')
		end--;
	for (; i < end && n + 1 < cap; i++)
		out[n++] = (sql[i] == '\n' || sql[i] == '\t') ? ' ' : sql[i];
	if (cap)
		out[n] = '\0';
}

/* unreadable: the refusals that come before any rule (see policy.h); 1 when *out is one. */
static int unreadable(const struct jg_sql_result *cls, struct jg_policy_decision *out,
                      unsigned *which)
{
	out->action = JG_POLICY_DENY;
	out->rule = JG_POLICY_BY_READING;
	out->rule_name = "";
	*which = cls->refuse_stmt;
	switch (cls->refuse) {
	case JG_SQL_AMBIGUOUS:
		out->message = "jitgate cannot tell how the database will read this query: it follows a "
		               "change of sql_mode or character set whose value the query does not "
		               "give, or holds a versioned comment for an unknown server version; send "
		               "the SET in a query of its own";
		return 1;
	case JG_SQL_CHARSET:
		out->message = "jitgate reads statements only in the character sets utf8mb4, utf8mb3 "
		               "(utf8), latin1, ascii and binary; this query selects another one, or is "
		               "written in another one with bytes from 0x80";
		return 1;
	default:
		break;
	}
	for (unsigned i = 0; i < cls->nstmts; i++)
		if (cls->stmts[i].flags & JG_SQL_TRACKING) {
			out->message = "jitgate observes the session's state through session tracking; a "
			               "query may not turn session_track_schema off or take sql_mode or "
			               "character_set_client out of session_track_system_variables";
			*which = i;
			return 1;
		}
	out->action = JG_POLICY_ALLOW;
	return 0;
}

int jg_policy_multi_statements(const struct jg_policy *p, const char *role)
{
	struct jg_policy_role r;

	return jg_policy_role(p, role ? role : "", &r) < 0 || r.multi_statements;
}

/* second_statement: for a role with multi_statements off, the index of the second statement of
 * cls that is not empty ("SELECT 1;" is one statement); 0 when there is none. */
static unsigned second_statement(const struct jg_policy *p, const char *role,
                                 const struct jg_sql_result *cls)
{
	unsigned seen = 0;

	if (jg_policy_multi_statements(p, role))
		return 0;
	for (unsigned i = 0; i < cls->nstmts; i++)
		if (cls->stmts[i].kind != JG_SQL_EMPTY && seen++)
			return i;
	return 0;
}

int jg_policy_judge_classified(const struct jg_policy *p, const struct jg_policy_ctx *ctx,
                               const char *sql, size_t len, const struct jg_sql_result *cls,
                               struct jg_policy_decision *out, unsigned *which)
{
	static const int rank[] = { 0, 1, 3, 2 };       /* by action: allow < review < deny */
	struct jg_policy_ctx c = *ctx;
	char tags[1024], comment[512];
	struct jg_policy_decision d;

	memset(out, 0, sizeof(*out));
	*which = 0;
	if (!cls) {
		out->action = JG_POLICY_DENY;
		out->rule = JG_POLICY_BY_UNKNOWN;
		out->rule_name = "";
		out->message = "too many statements in one query for jitgate to inspect";
		return JG_ERR_TOOBIG;
	}
	if (unreadable(cls, out, which))
		return JG_OK;
	if ((*which = second_statement(p, ctx->role, cls))) {
		out->action = JG_POLICY_DENY;
		out->rule = JG_POLICY_BY_ROLE;
		out->rule_name = "";
		out->message = "this role runs one statement per query (multi_statements off in the "
		               "policy); send the statements one at a time";
		return JG_OK;
	}
	jg_policy_tags_from_sql(sql, len, comment, sizeof(comment));
	snprintf(tags, sizeof(tags), "%s %s", ctx->tags ? ctx->tags : "", comment);
	c.tags = tags;
	for (unsigned i = 0; i < cls->nstmts; i++) {
		jg_policy_decide(p, &c, &cls->stmts[i], &d);
		/* a mask's refusal counts unless a rule refused already; once the query is refused,
		 * later statements cannot change the decision (and the message stays the first's) */
		if (d.action != JG_POLICY_DENY && (i == 0 || out->action != JG_POLICY_DENY))
			jg_policy_mask_probe(p, c.role, sql, len, &cls->stmts[i], &d);
		if (i == 0 || rank[d.action] > rank[out->action]) {
			*out = d;
			*which = i;
		}
	}
	if (cls->nstmts == 0)                       /* an empty query: the server answers it */
		out->action = JG_POLICY_ALLOW;
	return JG_OK;
}

int jg_policy_judge(const struct jg_policy *p, const struct jg_policy_ctx *ctx,
                    struct jg_sql_session *sess, const char *sql, size_t len,
                    struct jg_sql_result *scratch, struct jg_policy_decision *out,
                    unsigned *which)
{
	struct jg_sql_session next = *sess;
	int ok = jg_sql_classify(&next, sql, len, scratch) == JG_OK;
	int rc = jg_policy_judge_classified(p, ctx, sql, len, ok ? scratch : NULL, out, which);

	if (rc == JG_OK && out->action == JG_POLICY_ALLOW)
		*sess = next;
	return rc;
}

/* read_all: the whole file, malloc'd; NULL (errno set) on failure. Policies are small. */
static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n + 4096 > cap) {
			if (cap > (16u << 20) || !(nb = realloc(buf, cap = cap * 2 + 8192))) {
				free(buf);
				fclose(f);
				errno = cap > (16u << 20) ? EFBIG : ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return buf;
}

int jg_policy_load_file(const char *path, uint8_t **bytes, struct jg_policy *p, char *err,
                        size_t errlen)
{
	struct jg_policy_error perr;
	uint8_t *src;
	size_t len, outlen;
	char why[256];
	int rc;

	*bytes = NULL;
	if (!(src = read_all(path, &len))) {
		snprintf(err, errlen, "jitgate: %s: %s\n", path, strerror(errno));
		return JG_ERR_CONFIG;
	}
	if (len >= 4 && jg_le32(src) == JG_POLICY_MAGIC) {
		*bytes = src;                       /* compiled by `jitgate policy compile` */
		outlen = len;
	} else {
		rc = jg_policy_compile((const char *)src, len, path, bytes, &outlen, &perr);
		free(src);
		if (rc != JG_OK) {
			snprintf(err, errlen, "%s", perr.text[0] ? perr.text : "jitgate: out of memory\n");
			return rc;
		}
	}
	if (jg_policy_load(*bytes, outlen, p, why, sizeof(why)) != JG_OK) {
		snprintf(err, errlen, "jitgate: %s: %s\n", path, why);
		free(*bytes);
		*bytes = NULL;
		return JG_ERR_CONFIG;
	}
	return JG_OK;
}
