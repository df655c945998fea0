/*
 * catalog.h: what masking must know of the database's objects to follow a value to its origin
 * (docs/masking.md, "Views"). A column definition names its table as the query saw it: a
 * view's column says the view, not the table behind it. The catalog holds, read from
 * information_schema by the gateway's own account:
 *   - every base table and its columns ("schema.table", "schema.table.column");
 *   - every view, and for each of its columns the base columns its values come from, read from
 *     the view's definition as the server normalizes it (`schema`.`table`.`column` AS `alias`);
 *     a column the reading cannot follow (derived tables, CTEs inside the view, a definition
 *     the account may not read) comes from every column the definition names.
 * Names are kept lower case, hashed (FNV-1a, 64 bits).
 *
 * A snapshot is immutable once published. jg_mask_catalog_start starts a thread that reads a
 * new one every `period` seconds and when asked (jg_mask_catalog_touch: a statement changed
 * tables or views), and publishes it atomically; a replaced snapshot is freed a minute later,
 * long after any reader (a plan takes microseconds) let go of it.
 */
#ifndef JG_MASK_CATALOG_H
#define JG_MASK_CATALOG_H

#include "jg.h"

struct jg_config;
struct jg_mask_catalog;

/* jg_mask_catalog_parse_view: the base columns behind each column of a view definition (for
 * tests and the loader): calls out(arg, column index, ref) for each "schema.table.column" ref
 * of each select-list item (columns it cannot follow get every ref of the definition), and
 * returns the number of columns, or -1 when it cannot read the definition at all. */
int jg_mask_catalog_parse_view(const char *def, size_t len,
                               void (*out)(void *arg, unsigned col, const char *ref),
                               void *arg);

/* jg_mask_catalog_load: a snapshot read now (blocking). NULL with err on failure. */
struct jg_mask_catalog *jg_mask_catalog_load(const struct jg_config *cfg, char *err,
                                             size_t errlen);
void jg_mask_catalog_free(struct jg_mask_catalog *cat);

/* jg_mask_catalog_start: with wait, loads the first snapshot now (an error in err when it
 * cannot); without, the refresh thread reads it first thing. Starts the refresh thread once
 * (a second call only asks for a new read); jg_mask_catalog_stop ends it. */
int jg_mask_catalog_start(const struct jg_config *cfg, unsigned period, int wait, char *err,
                          size_t errlen);
void jg_mask_catalog_stop(void);

/* jg_mask_catalog_touch: read a new snapshot soon. Any thread. */
void jg_mask_catalog_touch(void);

/* jg_mask_catalog_current: the snapshot in force, or NULL when none was read. Any thread. */
const struct jg_mask_catalog *jg_mask_catalog_current(void);

/* Lookups on a snapshot; names lower case. */
int jg_mask_catalog_is_table(const struct jg_mask_catalog *cat, const char *schema_table);
int jg_mask_catalog_is_column(const struct jg_mask_catalog *cat, const char *sch_tbl_col);
int jg_mask_catalog_is_view(const struct jg_mask_catalog *cat, const char *schema_table);
/* jg_mask_catalog_view_refs: the base columns behind view column "schema.view.column",
 * through views of views (8 deep: deeper ones give "*.*.*"); calls out for each; returns -1
 * when the view has no such column (the view changed since the snapshot), else the count. */
int jg_mask_catalog_view_refs(const struct jg_mask_catalog *cat, const char *sch_view_col,
                              void (*out)(void *arg, const char *ref), void *arg);
/* jg_mask_catalog_view_all: every ref a view's definition names, through views of views. */
int jg_mask_catalog_view_all(const struct jg_mask_catalog *cat, const char *schema_view,
                             void (*out)(void *arg, const char *ref), void *arg);

#endif
