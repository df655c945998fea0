/* plan.c: which columns masking covers; see plan.h. */
#include "mask/plan.h"

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

		while (j < k && (t[i + j] | 0x20) == w[j])
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

static void note_stmt(const struct jg_mask_set *set, const struct jg_sql_stmt *st, const char *t,
                      size_t n, struct jg_mask_note *nt)
{
	int all = unbounded(st);

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

void jg_mask_note_sql(const struct jg_mask_set *set, const struct jg_sql_result *cls,
                      const char *sql, struct jg_mask_note *nt)
{
	memset(nt, 0, sizeof(*nt));
	if (!cls || cls->refuse) {
		jg_mask_note_all(set, nt);
		return;
	}
	for (unsigned i = 0; i < cls->nstmts; i++) {
		const struct jg_sql_stmt *st = &cls->stmts[i];

		note_stmt(set, st, sql + st->start, st->len, nt);
	}
}

/* ---- column plans ---- */

/* known_table: the column's schema.org_table is a table the statement names. */
static int known_table(const struct jg_mask_note *nt, const struct jg_pkt_coldef *c)
{
	char t[200];
	size_t n;

	if (nt->with || nt->ntab > JG_MASK_TABLES || c->schema.n + c->org_table.n + 2 > sizeof(t))
		return 0;
	lower(t, sizeof(t), (const char *)c->schema.p, c->schema.n);
	n = c->schema.n;
	t[n++] = '.';
	lower(t + n, sizeof(t) - n, (const char *)c->org_table.p, c->org_table.n);
	n += c->org_table.n;
	for (unsigned i = 0; i < nt->ntab; i++)
		if (nt->tab[i] == fnv(t, n))
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

void jg_mask_plan(const struct jg_mask_set *set, const struct jg_mask_note *nt,
                  const struct jg_pkt_coldef *c, int quote, struct jg_mask_col *col)
{
	char origin[400], on[66], nm[66];
	int has_origin = c->schema.n && c->org_table.n && c->org_name.n &&
	                 c->schema.n + c->org_table.n < 260;
	int known = has_origin && known_table(nt, c);

	memset(col, 0, sizeof(*col));
	col->type = c->type;
	col->flags = c->flags;
	col->decimals = c->decimals;
	col->length = c->length;
	col->utf8 = (uint8_t)utf8_charset(c->charset);
	lower(on, sizeof(on), (const char *)c->org_name.p, JG_MIN(c->org_name.n, sizeof(on) - 1));
	lower(nm, sizeof(nm), (const char *)c->name.p, JG_MIN(c->name.n, sizeof(nm) - 1));
	origin[0] = '\0';
	if (has_origin) {
		size_t n;

		lower(origin, sizeof(origin), (const char *)c->schema.p, c->schema.n);
		n = strlen(origin);
		origin[n++] = '.';
		lower(origin + n, sizeof(origin) - n, (const char *)c->org_table.p, c->org_table.n);
	}
	for (unsigned k = 0; k < set->n && !col->fn; k++) {
		const struct jg_mask_one *mk = &set->m[k];
		int loose = !known && bit_has(&nt->scope, k);

		for (unsigned p = 0; p < mk->npats && !col->fn; p++) {
			if ((has_origin && jg_policy_glob(mk->pats[p].tbl, origin) &&
			     jg_policy_glob(mk->pats[p].col, on)) ||
			    (loose && (bit_has(&nt->named, k) || jg_policy_glob(mk->pats[p].col, on) ||
			               jg_policy_glob(mk->pats[p].col, nm))))
				col->fn = mk->fn;
		}
	}
	if (!col->fn) {
		col->dets = known ? set->dets_all : set->dets_any;
		memcpy(col->det_fn, known ? set->fn_all : set->fn_any, sizeof(col->det_fn));
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
