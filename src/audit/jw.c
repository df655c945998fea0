/* jw.c: the audit records' JSON writer; see jw.h. */
#include "audit/jw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jg_jw_init(struct jg_jw *w)
{
	memset(w, 0, sizeof(*w));
	w->first = 1;
}

void jg_jw_free(struct jg_jw *w)
{
	free(w->p);
	jg_jw_init(w);
}

void jg_jw_reset(struct jg_jw *w)
{
	w->len = 0;
	w->failed = 0;
	w->first = 1;
	w->depth = 0;
}

static int room(struct jg_jw *w, size_t n)
{
	size_t cap;
	char *p;

	if (w->failed)
		return 0;
	if (w->len + n + 1 <= w->cap)
		return 1;
	cap = w->cap ? w->cap : 256;
	while (cap < w->len + n + 1)
		cap *= 2;
	if (!(p = realloc(w->p, cap))) {
		w->failed = 1;
		return 0;
	}
	w->p = p;
	w->cap = cap;
	return 1;
}

static void put(struct jg_jw *w, const void *s, size_t n)
{
	if (!n || !room(w, n))              /* s may be NULL when n is 0 */
		return;
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

/* member: the comma and the key before a value. */
static void member(struct jg_jw *w, const char *key)
{
	size_t k = key ? strlen(key) : 0;
	char *p;

	if (!room(w, k + 4))
		return;
	p = w->p + w->len;
	if (!w->first)
		*p++ = ',';
	w->first = 0;
	if (key) {
		*p++ = '"';
		memcpy(p, key, k);
		p += k;
		*p++ = '"';
		*p++ = ':';
	}
	w->len = (size_t)(p - w->p);
}

/* plain: the bytes a JSON string holds as they are and that need no UTF-8 check. */
static int plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void jg_jw_obj(struct jg_jw *w, const char *key)
{
	member(w, key);
	put(w, "{", 1);
	w->first = 1;
	w->depth++;
}

void jg_jw_arr(struct jg_jw *w, const char *key)
{
	member(w, key);
	put(w, "[", 1);
	w->first = 1;
	w->depth++;
}

void jg_jw_end(struct jg_jw *w, char close)
{
	put(w, &close, 1);
	w->first = 0;
	w->depth--;
}

int jg_jw_utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3, cp = c & 0x07;
		else
			return 0;
		if (n - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
		i += k + 1;
	}
	return 1;
}

static void base64(struct jg_jw *w, const uint8_t *s, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4];

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0) |
		             (i + 2 < n ? s[i + 2] : 0);

		q[0] = t[v >> 18];
		q[1] = t[(v >> 12) & 63];
		q[2] = i + 1 < n ? t[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? t[v & 63] : '=';
		put(w, q, 4);
	}
}

void jg_jw_strn(struct jg_jw *w, const char *key, const void *sv, size_t n)
{
	const uint8_t *s = sv ? sv : (const void *)"";   /* NULL with n 0: the empty string */
	size_t i = 0, run = 0;

	member(w, key);
	while (i < n && plain(s[i]))        /* the common case: printable ASCII, copied at once */
		i++;
	if (i == n) {
		if (room(w, n + 2)) {
			w->p[w->len] = '"';
			memcpy(w->p + w->len + 1, s, n);
			w->p[w->len + n + 1] = '"';
			w->len += n + 2;
		}
		return;
	}
	if (!jg_jw_utf8_ok(s + i, n - i)) {
		put(w, "{\"base64\":\"", 11);
		base64(w, s, n);
		put(w, "\"}", 2);
		return;
	}
	put(w, "\"", 1);
	for (; i < n; i++) {
		char esc[8];
		const char *e = NULL;

		switch (s[i]) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		default:
			if (s[i] < 0x20 || s[i] == 0x7f) {
				memcpy(esc, "\\u00", 4);
				esc[4] = "0123456789abcdef"[s[i] >> 4];
				esc[5] = "0123456789abcdef"[s[i] & 15];
				esc[6] = '\0';
				e = esc;
			}
		}
		if (!e)
			continue;
		put(w, s + run, i - run);
		put(w, e, strlen(e));
		run = i + 1;
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

void jg_jw_str(struct jg_jw *w, const char *key, const char *s)
{
	jg_jw_strn(w, key, s, strlen(s));
}

size_t jg_jw_udec(char *out, uint64_t v)
{
	char t[20];
	size_t n = 0;

	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	for (size_t i = 0; i < n; i++)
		out[i] = t[n - 1 - i];
	return n;
}

size_t jg_jw_dec(char *out, int64_t v)
{
	if (v >= 0)
		return jg_jw_udec(out, (uint64_t)v);
	out[0] = '-';
	return 1 + jg_jw_udec(out + 1, -(uint64_t)v);
}

void jg_jw_int(struct jg_jw *w, const char *key, int64_t v)
{
	char b[24];

	member(w, key);
	put(w, b, jg_jw_dec(b, v));
}

void jg_jw_uint(struct jg_jw *w, const char *key, uint64_t v)
{
	char b[24];

	member(w, key);
	put(w, b, jg_jw_udec(b, v));
}

void jg_jw_bool(struct jg_jw *w, const char *key, int v)
{
	member(w, key);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jg_jw_null(struct jg_jw *w, const char *key)
{
	member(w, key);
	put(w, "null", 4);
}

void jg_jw_raw(struct jg_jw *w, const char *key, const char *json, size_t n)
{
	member(w, key);
	put(w, json, n);
}

void jg_jw_reopen(struct jg_jw *w)
{
	if (w->failed || w->depth != 0 || w->len < 2 || w->p[w->len - 1] != '}')
		return;
	w->len--;
	w->depth = 1;
	w->first = w->p[w->len - 1] == '{';
}

const char *jg_jw_done(struct jg_jw *w, size_t *len)
{
	if (w->failed || !room(w, 0))
		return NULL;
	w->p[w->len] = '\0';
	*len = w->len;
	return w->p;
}
