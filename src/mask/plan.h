/*
 * plan.h: which columns of a result masking covers, and how (docs/masking.md). It knows no
 * session: the result stage (src/proto/mask.c) builds a set per session, a note per command, and
 * a column plan per column definition.
 *
 *   struct jg_mask_set   the masks of a policy that apply to one role, with their patterns
 *                        lowered and split ("schema.table", "column")
 *   struct jg_mask_note  what masking knows of a statement before it runs: the masks whose
 *                        tables it reads (scope), those whose column names its text mentions
 *                        (named), the tables it names, and whether it defines CTEs
 *   jg_mask_plan         the plan (value.h's struct jg_mask_col) of one column definition,
 *                        by where its values come from:
 *     - a column of a base table the statement names (the catalog knows the column), in a
 *       statement without derived tables, subqueries or CTEs: the first mask with a pattern
 *       that matches schema.table.column;
 *     - a view's column: the first mask with a pattern that matches one of the base columns
 *       behind it (catalog.h), through views of views; a column the catalog does not know (the
 *       view changed since it was read) gets the first mask in the statement's scope;
 *     - a table the statement names that the catalog does not know (a temporary table, one
 *       newer than the catalog): the first mask in scope;
 *     - any other column (an expression, a union, a derived table, a CTE): the first mask in
 *       scope whose column name the text mentions or whose pattern's column part matches the
 *       column's name or original name;
 *     - detectors: every mask's over columns that are not a base table's, those with
 *       `scan all` over every column.
 *   Without a catalog (NULL) a column of a table the statement names counts as a base table's.
 * Statements whose reads the classifier cannot name (CALL, EXECUTE, dynamic SQL, unknown ones)
 * and commands without a text are in every mask's scope and mention every name: masking fails
 * closed there.
 */
#ifndef JG_MASK_PLAN_H
#define JG_MASK_PLAN_H

#include "jg.h"
#include "mask/value.h"
#include "policy/policy.h"
#include "proto/pkt.h"

#define JG_MASK_WORDS 4              /* 256 masks at most (the policy compiler's limit) */
#define JG_MASK_TABLES 64            /* tables of a statement kept (more: origins unknown) */
#define JG_MASK_PATS 16              /* column patterns of one mask */

struct jg_mask_catalog;

struct jg_mask_bits { uint64_t w[JG_MASK_WORDS]; };

struct jg_mask_pat { char tbl[130]; char col[66]; uint8_t wild; };

struct jg_mask_one {
	uint8_t fn;                       /* enum jg_mask_fn */
	unsigned npats;
	struct jg_mask_pat pats[JG_MASK_PATS];
};

struct jg_mask_set {
	unsigned n;                       /* masks that apply to the role */
	struct jg_mask_one *m;            /* in policy order */
	unsigned dets_any, dets_all;      /* detectors of any mask / of masks with scan all */
	uint8_t fn_any[4], fn_all[4];     /* per detector: the function of the first such mask */
};

struct jg_mask_note {
	struct jg_mask_bits scope, named;
	unsigned ntab;                    /* JG_MASK_TABLES + 1: more than kept */
	uint64_t tab[JG_MASK_TABLES];     /* FNV-1a of "schema.table" */
	uint8_t with;                     /* the text may define CTEs */
	uint8_t show_warnings;            /* SHOW WARNINGS / SHOW ERRORS */
	uint8_t ddl;                      /* it may make, change or drop a table or view */
	uint8_t call, dynamic;            /* it calls a routine / runs text jitgate cannot see */
};

/* jg_mask_set_build: the masks of p that apply to role. JG_OK or JG_ERR_NOMEM; free with
 * jg_mask_set_free (also after a failure). */
int jg_mask_set_build(struct jg_mask_set *set, const struct jg_policy *p, const char *role);
void jg_mask_set_free(struct jg_mask_set *set);

/* jg_mask_note_all: nothing is known of the statement: every mask in scope and named. */
void jg_mask_note_all(const struct jg_mask_set *set, struct jg_mask_note *nt);

/* jg_mask_note_sql: what the classified text sql reads and names (cls NULL, or a text the
 * classifier refused: jg_mask_note_all); a view it reads (catalog cat, may be NULL) brings the
 * masks its definition's columns match into scope. */
void jg_mask_note_sql(const struct jg_mask_set *set, const struct jg_mask_catalog *cat,
                      const struct jg_sql_result *cls, const char *sql, struct jg_mask_note *nt);

/* jg_mask_note_scoped: some mask is in the statement's scope. */
int jg_mask_note_scoped(const struct jg_mask_note *nt);

/* jg_mask_plan: the plan of column definition c of a result of the noted statement; quote
 * marks SHOW WARNINGS' Message column after a statement that read masked tables. */
void jg_mask_plan(const struct jg_mask_set *set, const struct jg_mask_catalog *cat,
                  const struct jg_mask_note *nt, const struct jg_pkt_coldef *c, int quote,
                  struct jg_mask_col *col);

/* jg_mask_policy_check: NULL when the masks of p can be enforced with key_len bytes of key;
 * otherwise why not (a mask `with hash` and no key). */
const char *jg_mask_policy_check(const struct jg_policy *p, size_t key_len);

#endif
