/* audit_text.c: times, recorded values on a terminal, aligned tables; see audit_cli.h. */
#include "cli/audit_cli.h"
#include "audit/jw.h"
#include "jg.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- times -------------------------------------------------------------------------------- */

void jg_auditcli_iso(int64_t us, int frac, char *out, size_t outlen)
{
	int64_t s = us / 1000000, f = us % 1000000;
	time_t t;
	struct tm tm;
	size_t n;

	if (f < 0) {
		f += 1000000;
		s--;
	}
	t = (time_t)s;
	if (!gmtime_r(&t, &tm) || !(n = strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm))) {
		snprintf(out, outlen, "@%lld", (long long)us);
		return;
	}
	if (frac)
		snprintf(out + n, outlen - n, ".%06lldZ", (long long)f);
	else
		snprintf(out + n, outlen - n, "Z");
}

/* num: exactly n digits at *p into *v. */
static int num(const char **p, int n, int *v)
{
	*v = 0;
	for (int k = 0; k < n; k++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

static int sep(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* iso_time: 2026-11-29[(T| )10:00[:00[.123]]][Z], in UTC. */
static int iso_time(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0;
	int64_t us = 0, scale = 100000;
	time_t t;

	if (num(&s, 4, &y) || sep(&s, '-') || num(&s, 2, &mo) || sep(&s, '-') || num(&s, 2, &d))
		return -1;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (num(&s, 2, &h) || sep(&s, ':') || num(&s, 2, &mi))
			return -1;
		if (*s == ':' && (sep(&s, ':') || num(&s, 2, &sec)))
			return -1;
		if (*s == '.') {
			if (*++s < '0' || *s > '9')
				return -1;
			for (; *s >= '0' && *s <= '9'; s++, scale /= 10)
				us += scale * (*s - '0');
		}
	}
	if (*s == 'Z' || *s == 'z')
		s++;
	if (*s || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59 ||
	    (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = (int64_t)t * 1000000 + us;
	return 0;
}

int jg_auditcli_since(const char *s, int64_t now_us, int64_t *out)
{
	char *end;
	unsigned long long n;
	int64_t unit;

	if (s[0] >= '0' && s[0] <= '9' && strlen(s) <= 12 && strchr("smhd", s[strlen(s) - 1]) &&
	    !strchr(s, '-')) {
		n = strtoull(s, &end, 10);
		if (end != s + strlen(s) - 1)
			return -1;
		unit = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 86400;
		if (n > 100000ull * 86400 / (unsigned long long)unit)   /* 273 years: no overflow */
			return -1;
		*out = now_us - (int64_t)n * unit * 1000000;
		return 0;
	}
	return iso_time(s, out);
}

void jg_auditcli_span(int64_t us, int ms, char *out, size_t outlen)
{
	long long s, m;

	if (us < 0)
		us = 0;
	s = (long long)(us / 1000000);
	m = (long long)(us / 1000 % 1000);
	if (s < 60)
		snprintf(out, outlen, "%lld.%03llds", s, m);
	else if (s < 3600 && ms)
		snprintf(out, outlen, "%lldm%02lld.%03llds", s / 60, s % 60, m);
	else if (s < 3600)
		snprintf(out, outlen, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, outlen, "%lldh%02lldm%02llds", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, outlen, "%lldd%02lldh", s / 86400, s / 3600 % 24);
}

/* ---- values ------------------------------------------------------------------------------- */

/* unbase64: RFC 4648 text (padding optional) into a new block; NULL when malformed. */
static unsigned char *unbase64(const char *s, size_t n, size_t *len)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char *out = malloc(n / 4 * 3 + 3);
	unsigned v = 0, bits = 0;
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n && s[i] != '='; i++) {
		const char *p = s[i] ? strchr(abc, s[i]) : NULL;

		if (!p) {
			free(out);
			return NULL;
		}
		v = (v << 6 | (unsigned)(p - abc)) & 0xFFFFFF;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(v >> bits);
		}
	}
	*len = o;
	return out;
}

/*
 * put_text: n bytes of well-formed UTF-8 (jansson checked them) with everything a terminal would
 * act on escaped: C0 controls and DEL (newline and tab kept when keep_nl), C1 controls, and the
 * bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069) that can make a
 * statement read as something else. quote: inside '...', a quote doubled.
 */
static void put_text(FILE *f, const unsigned char *s, size_t n, int keep_nl, int quote)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if ((c == '\n' || c == '\t') && keep_nl) {
			fputc(c, f);
		} else if (c < 0x20 || c == 0x7f) {
			const char *e = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" :
			                c == 0 ? "\\0" : NULL;

			if (e)
				fputs(e, f);
			else
				fprintf(f, "\\x%02x", c);
		} else if (c == 0xC2 && i + 1 < n && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F) {
			fprintf(f, "\\u%04x", s[++i]);
		} else if (c == 0xE2 && i + 2 < n &&
		           ((s[i + 1] == 0x80 && s[i + 2] >= 0xAA && s[i + 2] <= 0xAE) ||
		            (s[i + 1] == 0x81 && s[i + 2] >= 0xA6 && s[i + 2] <= 0xA9))) {
			fprintf(f, "\\u%04x", 0x2000 | (s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F));
			i += 2;
		} else if (c == '\'' && quote) {
			fputs("''", f);
		} else {
			fputc(c, f);
		}
	}
}

/* put_bytes: decoded {"base64"} bytes: x'hex' for a value, or as text with \xHH for what is not
 * printable ASCII (a latin1 statement stays readable). */
static void put_bytes(FILE *f, const char *b64, size_t n, enum jg_auditcli_how how)
{
	size_t len;
	unsigned char *b = unbase64(b64, n, &len);

	if (!b) {
		fputs("(bytes: invalid base64)", f);
		return;
	}
	if (how != JG_AUDITCLI_TEXT)
		fputs("x'", f);
	for (size_t i = 0; i < len; i++) {
		if (how != JG_AUDITCLI_TEXT)
			fprintf(f, "%02x", b[i]);
		else if ((b[i] >= 0x20 && b[i] < 0x7f) || b[i] == '\n' || b[i] == '\t')
			fputc(b[i], f);
		else
			fprintf(f, "\\x%02x", b[i]);
	}
	if (how != JG_AUDITCLI_TEXT)
		fputc('\'', f);
	free(b);
}

int jg_auditcli_is_bytes(const json_t *v)
{
	return json_is_object(v) && json_is_string(json_object_get(v, "base64"));
}

void jg_auditcli_put(FILE *f, const json_t *v, enum jg_auditcli_how how)
{
	const json_t *x;

	if (!v) {
		fputs("-", f);
	} else if (json_is_null(v)) {
		fputs("NULL", f);
	} else if (json_is_string(v)) {
		if (how == JG_AUDITCLI_PARAM)
			fputc('\'', f);
		put_text(f, (const unsigned char *)json_string_value(v), json_string_length(v),
		         how == JG_AUDITCLI_TEXT, how == JG_AUDITCLI_PARAM);
		if (how == JG_AUDITCLI_PARAM)
			fputc('\'', f);
	} else if (jg_auditcli_is_bytes(v)) {
		x = json_object_get(v, "base64");
		put_bytes(f, json_string_value(x), json_string_length(x), how);
	} else if (json_is_object(v) && (x = json_object_get(v, "long_data")) != NULL) {
		jg_auditcli_put(f, x, how);
		fputs(" (long data)", f);
	} else if (json_is_object(v) && json_is_integer(json_object_get(v, "code")) &&
	           (x = json_object_get(v, "message")) != NULL) {      /* an ERR */
		fprintf(f, "ERROR %lld (", (long long)json_integer_value(json_object_get(v, "code")));
		jg_auditcli_put(f, json_object_get(v, "sqlstate"), JG_AUDITCLI_CELL);
		fputs("): ", f);
		jg_auditcli_put(f, x, how);
	} else if (json_is_integer(v)) {
		fprintf(f, "%lld", (long long)json_integer_value(v));
	} else {
		/* Anything else is shown as JSON, escaped like text. */
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		if (s)
			put_text(f, (const unsigned char *)s, strlen(s), 0, 0);
		free(s);
	}
}

void jg_auditcli_puts(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u);

	if (jg_jw_utf8_ok(u, n)) {
		put_text(f, u, n, 0, 0);
		return;
	}
	for (; *u; u++)
		if (*u < 0x20 || *u >= 0x7f)
			fprintf(f, "\\x%02x", *u);
		else
			fputc(*u, f);
}

char *jg_auditcli_show(const json_t *v, enum jg_auditcli_how how)
{
	char *s = NULL;
	size_t n;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		return NULL;
	jg_auditcli_put(f, v, how);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* ---- tables ------------------------------------------------------------------------------- */

void jg_auditcli_grid_init(struct jg_auditcli_grid *g, size_t ncols)
{
	memset(g, 0, sizeof(*g));
	g->ncols = ncols ? ncols : 1;
}

void jg_auditcli_grid_add(struct jg_auditcli_grid *g, char *cell)
{
	if (g->failed || !cell)
		goto fail;
	if (g->ncells == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		char **p = realloc(g->cells, cap * sizeof(*p));

		if (!p)
			goto fail;
		g->cells = p;
		g->cap = cap;
	}
	g->cells[g->ncells++] = cell;
	return;
fail:
	g->failed = 1;
	free(cell);
}

void jg_auditcli_grid_addf(struct jg_auditcli_grid *g, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	jg_auditcli_grid_add(g, s);
}

/* chars: characters in UTF-8 text (continuation bytes do not count). */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* numeric: a decimal number as the server prints one (right-aligned, as the client does). */
static int numeric(const char *s)
{
	s += *s == '-';
	if (*s < '0' || *s > '9')
		return 0;
	s += strspn(s, "0123456789");
	if (*s == '.' && s[1] >= '0' && s[1] <= '9')
		s += 1 + strspn(s + 1, "0123456789");
	return *s == '\0';
}

static const char *cell(const struct jg_auditcli_grid *g, size_t r, size_t c)
{
	size_t i = r * g->ncols + c;

	return i < g->ncells ? g->cells[i] : "";
}

static void rule(FILE *f, const size_t *w, size_t ncols)
{
	for (size_t c = 0; c < ncols; c++) {
		fputc('+', f);
		for (size_t k = 0; k < w[c] + 2; k++)
			fputc('-', f);
	}
	fputs("+\n", f);
}

static void row(FILE *f, const struct jg_auditcli_grid *g, size_t r, const size_t *w,
                const unsigned char *right, int boxed)
{
	for (size_t c = 0; c < g->ncols; c++) {
		const char *s = cell(g, r, c);
		int pad = (int)(w[c] - chars(s));

		if (boxed && right[c] && r)
			fprintf(f, "| %*s%s ", pad, "", s);
		else if (boxed)
			fprintf(f, "| %s%*s ", s, pad, "");
		else if (c + 1 < g->ncols)
			fprintf(f, "%s%*s", s, pad + 2, "");
		else
			fputs(s, f);
	}
	fputs(boxed ? "|\n" : "\n", f);
}

int jg_auditcli_grid_print(const struct jg_auditcli_grid *g, FILE *f, int boxed)
{
	size_t nrows = (g->ncells + g->ncols - 1) / g->ncols;
	size_t *w = calloc(g->ncols, sizeof(*w));
	unsigned char *right = calloc(g->ncols, 1);
	int rc = -1;

	if (g->failed || !w || !right) {
		fputs("(out of memory: the table is not shown)\n", f);
		goto out;
	}
	for (size_t c = 0; c < g->ncols; c++) {
		int nums = 0, other = 0;

		for (size_t r = 0; r < nrows; r++) {
			const char *s = cell(g, r, c);

			w[c] = JG_MAX(w[c], chars(s));
			if (r && strcmp(s, "NULL") != 0)
				*(numeric(s) ? &nums : &other) += 1;
		}
		right[c] = nums && !other;
	}
	if (boxed)
		rule(f, w, g->ncols);
	for (size_t r = 0; r < nrows; r++) {
		row(f, g, r, w, right, boxed);
		if (boxed && r == 0)
			rule(f, w, g->ncols);
	}
	if (boxed && nrows > 1)
		rule(f, w, g->ncols);
	rc = 0;
out:
	free(w);
	free(right);
	return rc;
}

void jg_auditcli_grid_free(struct jg_auditcli_grid *g)
{
	for (size_t i = 0; i < g->ncells; i++)
		free(g->cells[i]);
	free(g->cells);
	memset(g, 0, sizeof(*g));
}
