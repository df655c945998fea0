/* plan.c: which columns masking covers; see plan.h. */
#include "mask/plan.h"

#include "mask/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bit_set(struct jg_mask_bits *b, unsigned i) { b->w[i / 64] |= 1ull << (i % 64); }
static int bit_has(const struct jg_mask_bits *b, unsigned i) { return (b->w[i / 64] >> (i % 64)) & 1; }

int jg_mask_note_scoped(const struct jg_mask_note *nt)
{
	return (nt->scope.w[0] | nt->scope.w[1] | nt->scope.w[2] | nt->scope.w[3]) != 0;
}

static void lower(char *dst, size_t cap, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < cap; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
	dst[i] = '\0';
}

/* ref_matches: base column ref "s.t.c" matches one of the mask's patterns ("*.*.*": any). */
static int ref_matches(const struct jg_mask_one *mk, const char *ref)
{
	const char *dot = strrchr(ref, '.');
	char st[400];

	if (strcmp(ref, "*.*.*") == 0)
		return 1;
	if (!dot || (size_t)(dot - ref) >= sizeof(st))
		return 0;
	memcpy(st, ref, (size_t)(dot - ref));
	st[dot - ref] = '\0';
	for (unsigned p = 0; p < mk->npats; p++)
		if (jg_policy_glob(mk->pats[p].tbl, st) && jg_policy_glob(mk->pats[p].col, dot + 1))
			return 1;
	return 0;
}

/* The masks that refs of a view match, as a walk over catalog refs. */
struct refwalk { const struct jg_mask_set *set; struct jg_mask_bits hit; };

static void walk_ref(void *arg, const char *ref)
{
	struct refwalk *w = arg;

	for (unsigned k = 0; k < w->set->n; k++)
		if (ref_matches(&w->set->m[k], ref))
			bit_set(&w->hit, k);
}

/* ---- the set ---- */

/* parse_pats: "s.t.c,s.t.c" into the mask's patterns (split at each item's last dot). */
static void parse_pats(struct jg_mask_one *k, const char *list)
{
	while (*list && k->npats < JG_MASK_PATS) {
		size_t n = strcspn(list, ",");
		const char *dot = memrchr(list, '.', n);
		struct jg_mask_pat *p = &k->pats[k->npats];

		if (dot) {
			lower(p->tbl, sizeof(p->tbl), list, (size_t)(dot - list));
			lower(p->col, sizeof(p->col), dot + 1, n - (size_t)(dot - list) - 1);
			p->wild = strpbrk(p->col, "*?") != NULL;
			k->npats++;
		}
		list += n;
		if (*list == ',')
			list++;
	}
}

int jg_mask_set_build(struct jg_mask_set *set, const struct jg_policy *p, const char *role)
{
	memset(set, 0, sizeof(*set));
	if (!p->nmasks)
		return JG_OK;
	if (!(set->m = calloc(p->nmasks, sizeof(*set->m))))
		return JG_ERR_NOMEM;
	for (unsigned i = 0; i < p->nmasks; i++) {
		struct jg_policy_mask pm;
		struct jg_mask_one *k = &set->m[set->n];

		if (!jg_policy_mask_applies(p, i, role))
			continue;
		jg_policy_mask_at(p, i, &pm);
		k->fn = (uint8_t)pm.fn;
		parse_pats(k, pm.columns);
		for (unsigned d = 0; d < 4; d++) {
			if (!(pm.detect & (1u << d)))
				continue;
			if (!(set->dets_any & (1u << d)))
				set->fn_any[d] = k->fn;
			set->dets_any |= 1u << d;
			if (pm.scan_all && !(set->dets_all & (1u << d))) {
				set->fn_all[d] = k->fn;
				set->dets_all |= 1u << d;
			}
		}
		set->n++;
	}
	return JG_OK;
}

void jg_mask_set_free(struct jg_mask_set *set)
{
	free(set->m);
	memset(set, 0, sizeof(*set));
}

/* ---- notes ---- */

static char low(char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

static int ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* mentions: the word w (lower case) occurs in t[0..n), case-insensitively, as a whole name
 * (in a comment or a string too: a mention there only masks more). */
static int mentions(const char *t, size_t n, const char *w)
{
	size_t k = strlen(w);

	if (!k || k > n)
		return 0;
	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;

		while (j < k && low(t[i + j]) == w[j])
			j++;
		if (j == k && (i == 0 || !ident_char(t[i - 1])) && (i + k == n || !ident_char(t[i + k])))
			return 1;
	}
	return 0;
}

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

/* unbounded: a statement whose reads the classifier cannot name (a routine, dynamic SQL). */
static int unbounded(const struct jg_sql_stmt *st)
{
	return st->kind == JG_SQL_CALL || st->kind == JG_SQL_EXECUTE || st->kind == JG_SQL_DO ||
	       st->kind == JG_SQL_UNKNOWN || st->kind == JG_SQL_OTHER ||
	       (st->flags & (JG_SQL_OPAQUE | JG_SQL_TRUNCATED));
}

void jg_mask_note_all(const struct jg_mask_set *set, struct jg_mask_note *nt)
{
	memset(nt, 0, sizeof(*nt));
	for (unsigned k = 0; k < set->n; k++) {
		bit_set(&nt->scope, k);
		bit_set(&nt->named, k);
	}
	nt->ntab = JG_MASK_TABLES + 1;
	nt->with = 1;
}

/* subquery: the text may hold a derived table or a subquery: "(" then SELECT, WITH, VALUES
 * or TABLE (in a comment or a string too: that only masks more). */
static int subquery(const char *t, size_t n)
{
	static const char *const words[] = { "select", "with", "values", "table" };

	for (size_t i = 0; i < n; i++) {
		size_t j = i + 1;

		if (t[i] != '(')
			continue;
		while (j < n && (t[j] == ' ' || t[j] == '\t' || t[j] == '\n' || t[j] == '\r' ||
		                 t[j] == '('))
			j++;
		for (size_t w = 0; w < sizeof(words) / sizeof(*words); w++) {
			size_t k = strlen(words[w]), m = 0;

			while (m < k && j + m < n && low(t[j + m]) == words[w][m])
				m++;
			if (m == k && (j + k == n || !ident_char(t[j + k])))
				return 1;
		}
	}
	return 0;
}

static void note_stmt(const struct jg_mask_set *set, const struct jg_mask_catalog *cat,
                      const struct jg_sql_stmt *st, const char *t, size_t n,
                      struct jg_mask_note *nt)
{
	int all = unbounded(st);

	/* a view reads what its definition names: every mask that matches is in scope and named
	 * (an expression over any column of the view may carry a masked value) */
	for (unsigned i = 0; cat && i < st->ntables; i++) {
		struct refwalk w = { set, { { 0 } } };

		if (!jg_mask_catalog_is_view(cat, st->tables[i]))
			continue;
		jg_mask_catalog_view_all(cat, st->tables[i], walk_ref, &w);
		for (unsigned k = 0; k < JG_MASK_WORDS; k++) {
			nt->scope.w[k] |= w.hit.w[k];
			nt->named.w[k] |= w.hit.w[k];
		}
	}
	if (subquery(t, n))
		nt->with = 1;
	if (st->kind == JG_SQL_CREATE || st->kind == JG_SQL_ALTER || st->kind == JG_SQL_DROP ||
	    st->kind == JG_SQL_RENAME || all)
		nt->ddl = 1;
	if (st->kind == JG_SQL_CALL)
		nt->call = 1;
	else if (all)
		nt->dynamic = 1;

	for (unsigned i = 0; i < st->ntables; i++) {
		if (nt->ntab < JG_MASK_TABLES)
			nt->tab[nt->ntab++] = fnv(st->tables[i], strlen(st->tables[i]));
		else
			nt->ntab = JG_MASK_TABLES + 1;
	}
	if (mentions(t, n, "with"))
		nt->with = 1;
	if (st->kind == JG_SQL_SHOW && (mentions(t, n, "warnings") || mentions(t, n, "errors")))
		nt->show_warnings = 1;
	for (unsigned k = 0; k < set->n; k++) {
		const struct jg_mask_one *mk = &set->m[k];

		for (unsigned p = 0; p < mk->npats; p++) {
			int in = all;

			for (unsigned i = 0; i < st->ntables && !in; i++)
				in = jg_policy_glob(mk->pats[p].tbl, st->tables[i]);
			if (!in)
				continue;
			bit_set(&nt->scope, k);
			if (all || mk->pats[p].wild || mentions(t, n, mk->pats[p].col))
				bit_set(&nt->named, k);
		}
	}
}

void jg_mask_note_sql(const struct jg_mask_set *set, const struct jg_mask_catalog *cat,
                      const struct jg_sql_result *cls, const char *sql, struct jg_mask_note *nt)
{
	memset(nt, 0, sizeof(*nt));
	if (!cls || cls->refuse) {
		jg_mask_note_all(set, nt);
		return;
	}
	for (unsigned i = 0; i < cls->nstmts; i++) {
		const struct jg_sql_stmt *st = &cls->stmts[i];

		note_stmt(set, cat, st, sql + st->start, st->len, nt);
	}
}

/* ---- column plans ---- */

/* in_statement: "schema.table" is a table the statement names. */
static int in_statement(const struct jg_mask_note *nt, const char *st)
{
	uint64_t h = fnv(st, strlen(st));

	if (nt->ntab > JG_MASK_TABLES)
		return 0;
	for (unsigned i = 0; i < nt->ntab; i++)
		if (nt->tab[i] == h)
			return 1;
	return 0;
}

/* utf8_charset: a character set whose characters may take several bytes (as UTF-8 does); the
 * single-byte ones count bytes. */
static int utf8_charset(uint16_t cs)
{
	switch (cs) {
	case 63:                          /* binary */
	case 5: case 8: case 15: case 31: case 47: case 48: case 49: case 94:   /* latin1 */
	case 11: case 65:                 /* ascii */
		return 0;
	default:
		return 1;
	}
}

/* first_in_scope: the function of the first mask in the statement's scope, 0 for none. */
static uint8_t first_in_scope(const struct jg_mask_set *set, const struct jg_mask_note *nt)
{
	for (unsigned k = 0; k < set->n; k++)
		if (bit_has(&nt->scope, k))
			return set->m[k].fn;
	return 0;
}

/* Where a column's values come from, as far as masking can tell. */
enum origin { O_TABLE, O_VIEW, O_NEW, O_LOOSE };

static enum origin origin_of(const struct jg_mask_catalog *cat, const struct jg_mask_note *nt,
                             int has_origin, const char *st, const char *stc)
{
	if (!has_origin)
		return O_LOOSE;
	if (cat && jg_mask_catalog_is_view(cat, st))
		return O_VIEW;
	/* a routine's SELECTs name base columns the catalog knows; roles cannot create routines
	 * (the policy grants no CREATE ROUTINE), so their origins are a DBA's, not a disguise */
	if (nt->call && !nt->dynamic && cat && jg_mask_catalog_is_column(cat, stc))
		return O_TABLE;
	if (!in_statement(nt, st) || nt->with)
		return O_LOOSE;               /* a derived table, a CTE, or a name it may hide */
	if (!cat || jg_mask_catalog_is_column(cat, stc))
		return O_TABLE;
	return O_NEW;                     /* newer than the catalog, or temporary */
}

void jg_mask_plan(const struct jg_mask_set *set, const struct jg_mask_catalog *cat,
                  const struct jg_mask_note *nt, const struct jg_pkt_coldef *c, int quote,
                  struct jg_mask_col *col)
{
	char st[300], stc[400], on[66], nm[66];
	int has_origin = c->schema.n && c->org_table.n && c->org_name.n &&
	                 c->schema.n + c->org_table.n < 260;
	enum origin o;

	memset(col, 0, sizeof(*col));
	col->type = c->type;
	col->flags = c->flags;
	col->decimals = c->decimals;
	col->length = c->length;
	col->utf8 = (uint8_t)utf8_charset(c->charset);
	lower(on, sizeof(on), (const char *)c->org_name.p, JG_MIN(c->org_name.n, sizeof(on) - 1));
	lower(nm, sizeof(nm), (const char *)c->name.p, JG_MIN(c->name.n, sizeof(nm) - 1));
	st[0] = stc[0] = '\0';
	if (has_origin) {
		size_t n;

		lower(st, sizeof(st), (const char *)c->schema.p, c->schema.n);
		n = strlen(st);
		st[n++] = '.';
		lower(st + n, sizeof(st) - n, (const char *)c->org_table.p, c->org_table.n);
		snprintf(stc, sizeof(stc), "%s.%s", st, on);
	}
	o = origin_of(cat, nt, has_origin, st, stc);
	if (o == O_VIEW) {
		struct refwalk w = { set, { { 0 } } };

		if (jg_mask_catalog_view_refs(cat, stc, walk_ref, &w) < 0)
			col->fn = first_in_scope(set, nt);   /* the view changed: fail closed */
		for (unsigned k = 0; k < set->n && !col->fn; k++)
			if (bit_has(&w.hit, k))
				col->fn = set->m[k].fn;
	} else if (o == O_NEW) {
		col->fn = first_in_scope(set, nt);
	}
	for (unsigned k = 0; k < set->n && !col->fn && o != O_VIEW; k++) {
		const struct jg_mask_one *mk = &set->m[k];
		int loose = o == O_LOOSE && bit_has(&nt->scope, k);

		for (unsigned p = 0; p < mk->npats && !col->fn; p++) {
			if ((has_origin && jg_policy_glob(mk->pats[p].tbl, st) &&
			     jg_policy_glob(mk->pats[p].col, on)) ||
			    (loose && (bit_has(&nt->named, k) || jg_policy_glob(mk->pats[p].col, on) ||
			               jg_policy_glob(mk->pats[p].col, nm))))
				col->fn = mk->fn;
		}
	}
	if (!col->fn) {
		col->dets = o == O_TABLE ? set->dets_all : set->dets_any;
		memcpy(col->det_fn, o == O_TABLE ? set->fn_all : set->fn_any, sizeof(col->det_fn));
	}
	if (quote && c->name.n == 7 && memcmp(c->name.p, "Message", 7) == 0) {
		col->quote = 1;
		col->dets = set->dets_any;
		memcpy(col->det_fn, set->fn_any, sizeof(col->det_fn));
	}
}

const char *jg_mask_policy_check(const struct jg_policy *p, size_t key_len)
{
	struct jg_policy_mask pm;

	for (unsigned i = 0; i < p->nmasks; i++) {
		jg_policy_mask_at(p, i, &pm);
		if (pm.fn == JG_MASK_HASH && !key_len)
			return "the policy masks with hash, which needs a secret: set [masking] key_file "
			       "(docs/masking.md)";
	}
	return NULL;
}
