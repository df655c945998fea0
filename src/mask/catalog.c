/* catalog.c: base tables, views and where views' columns come from; see catalog.h. */
#include "mask/catalog.h"

#include "cred/cred.h"
#include "gw/config.h"

#include <mysql.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEPTH_MAX 8
#define RETIRED_MAX 16
#define RETIRE_SECONDS 60
#define SKIP_SCHEMAS "('mysql', 'information_schema', 'performance_schema', 'sys')"

struct vcol { uint64_t key; uint32_t first, n; };     /* a view's column: refs [first, +n) */
struct view { uint64_t key; uint32_t first, n; };     /* a view: every ref of its definition */

struct jg_mask_catalog {
	uint64_t *tabs, *cols;
	size_t ntabs, ncols, tcap, ccap;
	struct view *views;
	struct vcol *vcols;
	size_t nviews, nvcols, vcap, vccap;
	uint32_t *refs;                   /* offsets into pool of NUL-terminated "s.t.c" */
	size_t nrefs, rcap;
	char *pool;
	size_t plen, pcap;
	int nomem;
};

static uint64_t fnv(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *q;

	if (n < *cap)
		return 0;
	*cap = *cap ? 2 * *cap : 64;
	if (!(q = realloc(*p, *cap * size)))
		return -1;
	*p = q;
	return 0;
}

static void add_key(struct jg_mask_catalog *c, uint64_t **a, size_t *n, size_t *cap, const char *k)
{
	if (grow((void **)a, cap, *n, sizeof(**a)) != 0) {
		c->nomem = 1;
		return;
	}
	(*a)[(*n)++] = fnv(k);
}

static void add_ref(struct jg_mask_catalog *c, const char *ref)
{
	size_t n = strlen(ref) + 1;

	while (c->plen + n > c->pcap) {
		char *p = realloc(c->pool, c->pcap ? 2 * c->pcap : 4096);

		if (!p) {
			c->nomem = 1;
			return;
		}
		c->pool = p;
		c->pcap = c->pcap ? 2 * c->pcap : 4096;
	}
	if (grow((void **)&c->refs, &c->rcap, c->nrefs, sizeof(*c->refs)) != 0) {
		c->nomem = 1;
		return;
	}
	memcpy(c->pool + c->plen, ref, n);
	c->refs[c->nrefs++] = (uint32_t)c->plen;
	c->plen += n;
}

/* ---- reading a view's definition ---- */

enum tok { T_END, T_IDENT, T_WORD, T_DOT, T_COMMA, T_LP, T_RP, T_OTHER };

struct lex {
	const char *p, *end;
	char text[200];                   /* the identifier or word, lower case */
};

static enum tok next(struct lex *x)
{
	size_t n = 0;
	char ch;

	while (x->p < x->end && (*x->p == ' ' || *x->p == '\n' || *x->p == '\t' || *x->p == '\r'))
		x->p++;
	if (x->p >= x->end)
		return T_END;
	ch = *x->p++;
	switch (ch) {
	case '.': return T_DOT;
	case ',': return T_COMMA;
	case '(': return T_LP;
	case ')': return T_RP;
	case '`':
		while (x->p < x->end) {
			if (*x->p == '`' && !(x->p + 1 < x->end && x->p[1] == '`'))
				break;
			if (*x->p == '`')
				x->p++;
			ch = *x->p++;
			if (n + 1 < sizeof(x->text))
				x->text[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
		}
		x->p++;
		x->text[n] = '\0';
		return T_IDENT;
	case '\'':
	case '"':
		while (x->p < x->end && *x->p != ch) {
			if (*x->p == '\\' && x->p + 1 < x->end)
				x->p++;
			x->p++;
		}
		x->p++;
		return T_OTHER;
	default:
		break;
	}
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_') {
		x->text[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
		while (x->p < x->end && ((*x->p >= 'a' && *x->p <= 'z') || (*x->p >= 'A' && *x->p <= 'Z') ||
		                         (*x->p >= '0' && *x->p <= '9') || *x->p == '_' || *x->p == '$')) {
			ch = *x->p++;
			if (n + 1 < sizeof(x->text))
				x->text[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
		}
		x->text[n] = '\0';
		return T_WORD;
	}
	return T_OTHER;
}

struct item { char refs[8][200]; unsigned nrefs; int opaque; };

static int is_modifier(const char *w)
{
	static const char *const mods[] = { "distinct", "all", "distinctrow", "high_priority",
		"straight_join", "sql_small_result", "sql_big_result", "sql_buffer_result",
		"sql_cache", "sql_no_cache", "sql_calc_found_rows" };

	for (size_t i = 0; i < sizeof(mods) / sizeof(*mods); i++)
		if (strcmp(w, mods[i]) == 0)
			return 1;
	return 0;
}

/* peek: the next token without taking it. */
static enum tok peek(struct lex *x)
{
	struct lex y = *x;

	return next(&y);
}

/* The state of one reading. */
struct vparse {
	struct item *items;
	unsigned nitems, cap, col, branch;
	int in_list, opaque_all;
	char all[64][200];
	unsigned nall;
};

static int new_item(struct vparse *v)
{
	if (v->nitems == v->cap) {
		struct item *q = realloc(v->items, (v->cap ? 2 * v->cap : 16) * sizeof(*q));

		if (!q)
			return -1;
		v->items = q;
		v->cap = v->cap ? 2 * v->cap : 16;
	}
	memset(&v->items[v->nitems++], 0, sizeof(struct item));
	return 0;
}

/* chain: an identifier chain a.b.c starting at the identifier just read. */
static void chain(struct lex *x, struct vparse *v, int after_as)
{
	char parts[3][200];
	unsigned n = 1;
	struct item *it = v->in_list && v->col < v->nitems ? &v->items[v->col] : NULL;

	snprintf(parts[0], sizeof(parts[0]), "%s", x->text);
	while (peek(x) == T_DOT) {
		next(x);
		if (next(x) != T_IDENT)
			break;
		if (n < 3)
			snprintf(parts[n], sizeof(parts[0]), "%s", x->text);
		n++;
	}
	if (peek(x) == T_LP)
		return;                         /* a stored function's name */
	if (n == 3) {
		char ref[620];

		snprintf(ref, sizeof(ref), "%s.%s.%s", parts[0], parts[1], parts[2]);
		if (v->nall < 64)
			snprintf(v->all[v->nall++], sizeof(v->all[0]), "%.199s", ref);
		else
			v->opaque_all = 1;
		if (it && it->nrefs < 8)
			snprintf(it->refs[it->nrefs++], sizeof(it->refs[0]), "%.199s", ref);
		else if (it)
			it->opaque = 1;
	} else if (it && !(n == 1 && after_as)) {
		it->opaque = 1;                 /* `derived`.`c` or a bare name: not followed */
	}
}

int jg_mask_catalog_parse_view(const char *def, size_t len,
                               void (*out)(void *arg, unsigned col, const char *ref),
                               void *arg)
{
	struct lex x = { def, def + len, "" };
	struct vparse v;
	unsigned depth = 0;
	int after_as = 0, seen_select = 0, rc;
	enum tok t;

	memset(&v, 0, sizeof(v));
	while ((t = next(&x)) != T_END) {
		int as = 0;

		if (t == T_WORD && depth == 0 && strcmp(x.text, "select") == 0) {
			v.in_list = 1;
			v.col = 0;
			seen_select = 1;
			while (peek(&x) == T_WORD) {
				struct lex y = x;

				next(&y);
				if (!is_modifier(y.text))
					break;
				x = y;
			}
			if (v.branch == 0 && new_item(&v) != 0)
				goto nomem;
		} else if (t == T_WORD && depth == 0 && strcmp(x.text, "with") == 0 && !seen_select) {
			v.opaque_all = 1;
		} else if (t == T_WORD && depth == 0 && strcmp(x.text, "from") == 0) {
			v.in_list = 0;
		} else if (t == T_WORD && depth == 0 && (strcmp(x.text, "union") == 0 ||
		                                         strcmp(x.text, "except") == 0 ||
		                                         strcmp(x.text, "intersect") == 0)) {
			v.in_list = 0;
			v.branch++;
		} else if (t == T_WORD) {
			as = strcmp(x.text, "as") == 0;
		} else if (t == T_LP) {
			depth++;
		} else if (t == T_RP) {
			depth -= depth > 0;
		} else if (t == T_COMMA && depth == 0 && v.in_list) {
			v.col++;
			if (v.branch == 0 && new_item(&v) != 0)
				goto nomem;
		} else if (t == T_IDENT) {
			chain(&x, &v, after_as);
		}
		after_as = as;
	}
	rc = v.nitems ? (int)v.nitems : -1;
	for (unsigned i = 0; i < v.nitems; i++) {
		const struct item *it = &v.items[i];

		if (v.opaque_all || it->opaque) {
			for (unsigned k = 0; k < v.nall; k++)
				out(arg, i, v.all[k]);
		} else {
			for (unsigned k = 0; k < it->nrefs; k++)
				out(arg, i, it->refs[k]);
		}
	}
	free(v.items);
	return rc;
nomem:
	free(v.items);
	return -1;
}

/* ---- loading ---- */

static int query(MYSQL *m, const char *sql, MYSQL_RES **res, char *err, size_t errlen)
{
	if (mysql_real_query(m, sql, strlen(sql)) != 0 || !(*res = mysql_store_result(m))) {
		snprintf(err, errlen, "reading the catalog for masking: %s", mysql_error(m));
		return JG_ERR_BACKEND;
	}
	return JG_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A view column's refs, collected during the parse of its view. */
struct collect { struct jg_mask_catalog *c; unsigned col; uint32_t first; };

static void collect_ref(void *arg, unsigned col, const char *ref)
{
	struct collect *k = arg;

	if (col == k->col)
		add_ref(k->c, ref);
}

static void collect_all(void *arg, unsigned col, const char *ref)
{
	add_ref(((struct collect *)arg)->c, ref);
}

/* load_view: one view: its columns (names in order) and definition. */
static void load_view(struct jg_mask_catalog *c, const char *sv, char **names, unsigned ncols,
                      const char *def, size_t len)
{
	struct collect k = { c, 0, 0 };
	char key[600];

	if (grow((void **)&c->views, &c->vcap, c->nviews, sizeof(*c->views)) != 0) {
		c->nomem = 1;
		return;
	}
	c->views[c->nviews].key = fnv(sv);
	c->views[c->nviews].first = (uint32_t)c->nrefs;
	if (jg_mask_catalog_parse_view(def, len, collect_all, &k) < 0)
		add_ref(c, "*.*.*");            /* unreadable: it may show anything */
	c->views[c->nviews].n = (uint32_t)(c->nrefs - c->views[c->nviews].first);
	for (unsigned i = 0; i < ncols; i++) {
		if (grow((void **)&c->vcols, &c->vccap, c->nvcols, sizeof(*c->vcols)) != 0) {
			c->nomem = 1;
			return;
		}
		snprintf(key, sizeof(key), "%s.%s", sv, names[i]);
		c->vcols[c->nvcols].key = fnv(key);
		c->vcols[c->nvcols].first = (uint32_t)c->nrefs;
		k.col = i;
		if (jg_mask_catalog_parse_view(def, len, collect_ref, &k) <= (int)i)
			add_ref(c, "*.*.*");
		c->vcols[c->nvcols].n = (uint32_t)(c->nrefs - c->vcols[c->nvcols].first);
		c->nvcols++;
	}
	c->nviews++;
}

static int cmp_key(const void *a, const void *b)
{
	return cmp_u64(a, b);           /* struct view and struct vcol start with the key */
}

static int load_rows(struct jg_mask_catalog *c, MYSQL *m, char *err, size_t errlen)
{
	MYSQL_RES *tabs, *cols;
	MYSQL_ROW r;
	char key[600];

	if (query(m, "SELECT LOWER(TABLE_SCHEMA), LOWER(TABLE_NAME), TABLE_TYPE FROM "
	          "information_schema.TABLES WHERE TABLE_TYPE <> 'VIEW'", &tabs, err, errlen))
		return JG_ERR_BACKEND;
	while ((r = mysql_fetch_row(tabs))) {
		snprintf(key, sizeof(key), "%s.%s", r[0], r[1]);
		add_key(c, &c->tabs, &c->ntabs, &c->tcap, key);
	}
	mysql_free_result(tabs);
	if (query(m, "SELECT LOWER(c.TABLE_SCHEMA), LOWER(c.TABLE_NAME), LOWER(c.COLUMN_NAME), "
	          "v.VIEW_DEFINITION FROM information_schema.COLUMNS c LEFT JOIN "
	          "information_schema.VIEWS v ON v.TABLE_SCHEMA = c.TABLE_SCHEMA AND "
	          "v.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA NOT IN " SKIP_SCHEMAS
	          " ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION", &cols, err, errlen))
		return JG_ERR_BACKEND;
	{
		char cur[400] = "", *names[4096], *def = NULL;
		unsigned n = 0;
		size_t deflen = 0;

		for (;;) {
			unsigned long *lens;

			r = mysql_fetch_row(cols);
			lens = r ? mysql_fetch_lengths(cols) : NULL;
			if (r)
				snprintf(key, sizeof(key), "%s.%s", r[0], r[1]);
			if (n && (!r || strcmp(key, cur) != 0)) {     /* the view before is whole */
				load_view(c, cur, names, n, def, deflen);
				for (unsigned i = 0; i < n; i++)
					free(names[i]);
				free(def);
				def = NULL;
				n = 0;
			}
			if (!r)
				break;
			if (!r[3]) {                                  /* a base table's column */
				snprintf(key, sizeof(key), "%s.%s.%s", r[0], r[1], r[2]);
				add_key(c, &c->cols, &c->ncols, &c->ccap, key);
				continue;
			}
			if (!n) {
				snprintf(cur, sizeof(cur), "%s", key);
				deflen = lens[3];
				def = malloc(deflen + 1);
				if (def)
					memcpy(def, r[3], deflen);
				else
					deflen = 0;
			}
			if (n < 4096 && (names[n] = strdup(r[2])))
				n++;
		}
	}
	mysql_free_result(cols);
	return c->nomem ? JG_ERR_NOMEM : JG_OK;
}

void jg_mask_catalog_free(struct jg_mask_catalog *c)
{
	if (!c)
		return;
	free(c->tabs);
	free(c->cols);
	free(c->views);
	free(c->vcols);
	free(c->refs);
	free(c->pool);
	free(c);
}

struct jg_mask_catalog *jg_mask_catalog_load(const struct jg_config *cfg, char *err,
                                             size_t errlen)
{
	char host[256], port[16];
	struct jg_mask_catalog *c;
	MYSQL *m;

	if (jg_config_split_address(cfg->backend_address, host, sizeof(host), port,
	                            sizeof(port)) != JG_OK) {
		snprintf(err, errlen, "bad [backend] address %s", cfg->backend_address);
		return NULL;
	}
	if (!(m = jg_cred_connect(cfg, host, (unsigned)atoi(port), err, errlen))) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "masking follows views to their tables, and cannot read the "
		         "catalog of tables and views: %s", why);
		return NULL;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		mysql_close(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (load_rows(c, m, err, errlen) != JG_OK) {
		mysql_close(m);
		jg_mask_catalog_free(c);
		return NULL;
	}
	mysql_close(m);
	qsort(c->tabs, c->ntabs, sizeof(*c->tabs), cmp_u64);
	qsort(c->cols, c->ncols, sizeof(*c->cols), cmp_u64);
	qsort(c->views, c->nviews, sizeof(*c->views), cmp_key);
	qsort(c->vcols, c->nvcols, sizeof(*c->vcols), cmp_key);
	return c;
}

/* ---- lookups ---- */

static const void *find(const void *a, size_t n, size_t size, uint64_t key)
{
	return bsearch(&key, a, n, size, cmp_u64);
}

int jg_mask_catalog_is_table(const struct jg_mask_catalog *c, const char *st)
{
	return find(c->tabs, c->ntabs, sizeof(*c->tabs), fnv(st)) != NULL;
}

int jg_mask_catalog_is_column(const struct jg_mask_catalog *c, const char *stc)
{
	return find(c->cols, c->ncols, sizeof(*c->cols), fnv(stc)) != NULL;
}

int jg_mask_catalog_is_view(const struct jg_mask_catalog *c, const char *st)
{
	return find(c->views, c->nviews, sizeof(*c->views), fnv(st)) != NULL;
}

/* resolve: a ref through views of views, to base refs. */
static int resolve(const struct jg_mask_catalog *c, const char *ref, unsigned depth,
                   void (*out)(void *arg, const char *ref), void *arg)
{
	const char *dot = strrchr(ref, '.');
	const struct vcol *vc;
	char st[400];
	int n = 0;

	if (!dot || (size_t)(dot - ref) >= sizeof(st)) {
		out(arg, ref);
		return 1;
	}
	memcpy(st, ref, (size_t)(dot - ref));
	st[dot - ref] = '\0';
	if (!jg_mask_catalog_is_view(c, st)) {
		out(arg, ref);
		return 1;
	}
	if (depth >= DEPTH_MAX || !(vc = find(c->vcols, c->nvcols, sizeof(*c->vcols), fnv(ref)))) {
		out(arg, "*.*.*");
		return 1;
	}
	for (uint32_t i = 0; i < vc->n; i++)
		n += resolve(c, c->pool + c->refs[vc->first + i], depth + 1, out, arg);
	return n;
}

int jg_mask_catalog_view_refs(const struct jg_mask_catalog *c, const char *svc,
                              void (*out)(void *arg, const char *ref), void *arg)
{
	const struct vcol *vc = find(c->vcols, c->nvcols, sizeof(*c->vcols), fnv(svc));
	int n = 0;

	if (!vc)
		return -1;
	for (uint32_t i = 0; i < vc->n; i++)
		n += resolve(c, c->pool + c->refs[vc->first + i], 1, out, arg);
	return n;
}

int jg_mask_catalog_view_all(const struct jg_mask_catalog *c, const char *sv,
                             void (*out)(void *arg, const char *ref), void *arg)
{
	const struct view *v = find(c->views, c->nviews, sizeof(*c->views), fnv(sv));
	int n = 0;

	if (!v)
		return -1;
	for (uint32_t i = 0; i < v->n; i++)
		n += resolve(c, c->pool + c->refs[v->first + i], 1, out, arg);
	return n;
}

/* ---- the refresh thread ---- */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	int running, stop, dirty;
	unsigned period;
	const struct jg_config *cfg;
	struct { struct jg_mask_catalog *c; time_t at; } retired[RETIRED_MAX];
} g = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static _Atomic(struct jg_mask_catalog *) current;

const struct jg_mask_catalog *jg_mask_catalog_current(void)
{
	return atomic_load(&current);
}

/* publish: c in force; the one before is freed RETIRE_SECONDS later. Under g.mu. */
static void publish(struct jg_mask_catalog *c)
{
	struct jg_mask_catalog *old = atomic_exchange(&current, c);
	time_t now = time(NULL);
	unsigned i, free_slot = RETIRED_MAX;

	for (i = 0; i < RETIRED_MAX; i++) {
		if (g.retired[i].c && now - g.retired[i].at >= RETIRE_SECONDS) {
			jg_mask_catalog_free(g.retired[i].c);
			g.retired[i].c = NULL;
		}
		if (!g.retired[i].c && free_slot == RETIRED_MAX)
			free_slot = i;
	}
	if (!old)
		return;
	if (free_slot == RETIRED_MAX) {
		jg_log(JG_LOG_WARN, "masking: catalog snapshots replaced faster than they retire; "
		       "keeping one more");
		return;                     /* leaked rather than freed under a reader */
	}
	g.retired[free_slot].c = old;
	g.retired[free_slot].at = now;
}

static void *refresher(void *arg)
{
	char err[512];

	pthread_mutex_lock(&g.mu);
	while (!g.stop) {
		struct timespec ts;
		struct jg_mask_catalog *c;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += g.period;
		while (!g.stop && !g.dirty)
			if (pthread_cond_timedwait(&g.cv, &g.mu, &ts) != 0)
				break;
		if (g.stop)
			break;
		g.dirty = 0;
		pthread_mutex_unlock(&g.mu);
		c = jg_mask_catalog_load(g.cfg, err, sizeof(err));
		pthread_mutex_lock(&g.mu);
		if (c)
			publish(c);
		else
			jg_log(JG_LOG_ERR, "masking: %s; the catalog read before stays in force", err);
	}
	pthread_mutex_unlock(&g.mu);
	return NULL;
}

int jg_mask_catalog_start(const struct jg_config *cfg, unsigned period, int wait, char *err,
                          size_t errlen)
{
	struct jg_mask_catalog *c = NULL;

	if (wait && !(c = jg_mask_catalog_load(cfg, err, errlen)))
		return JG_ERR_BACKEND;
	pthread_mutex_lock(&g.mu);
	if (c)
		publish(c);
	g.cfg = cfg;
	g.period = period ? period : 1;
	g.stop = 0;
	g.dirty = !c;
	if (!g.running) {
		if (pthread_create(&g.th, NULL, refresher, NULL) != 0) {
			pthread_mutex_unlock(&g.mu);
			snprintf(err, errlen, "cannot start the catalog thread");
			return JG_ERR_NOMEM;
		}
		g.running = 1;
	}
	pthread_cond_signal(&g.cv);
	pthread_mutex_unlock(&g.mu);
	if (c)
		jg_log(JG_LOG_INFO, "masking: catalog of %zu tables, %zu views read; read again every "
		       "%u s", c->ntabs, c->nviews, g.period);
	return JG_OK;
}

void jg_mask_catalog_touch(void)
{
	pthread_mutex_lock(&g.mu);
	g.dirty = 1;
	pthread_cond_signal(&g.cv);
	pthread_mutex_unlock(&g.mu);
}

void jg_mask_catalog_stop(void)
{
	pthread_mutex_lock(&g.mu);
	g.stop = 1;
	pthread_cond_signal(&g.cv);
	pthread_mutex_unlock(&g.mu);
	if (g.running)
		pthread_join(g.th, NULL);
	g.running = 0;
	jg_mask_catalog_free(atomic_exchange(&current, NULL));
	for (unsigned i = 0; i < RETIRED_MAX; i++) {
		jg_mask_catalog_free(g.retired[i].c);
		g.retired[i].c = NULL;
	}
}
