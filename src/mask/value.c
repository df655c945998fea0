/* value.c: masking one value in its column's type; see value.h. */
#include "mask/value.h"

#include "policy/policy.h"
#include "proto/pkt.h"

#include <stdio.h>
#include <string.h>

#define SPANS_MAX 64
#define HASH_BYTES 16                 /* 32 hex digits of the HMAC for strings */

_Static_assert((unsigned)JG_MASK_DET_LUHN == (unsigned)JG_DETECT_LUHN &&
               (unsigned)JG_MASK_DET_EMAIL == (unsigned)JG_DETECT_EMAIL &&
               (unsigned)JG_MASK_DET_IBAN == (unsigned)JG_DETECT_IBAN &&
               (unsigned)JG_MASK_DET_SSN == (unsigned)JG_DETECT_SSN,
               "the detector bits of mask.h and policy.h agree");

enum cat { CAT_STRING, CAT_JSON, CAT_INT, CAT_DEC, CAT_FLOAT, CAT_NONE };

static enum cat cat_of(uint8_t type)
{
	switch (type) {
	case JG_TYPE_TINY: case JG_TYPE_SHORT: case JG_TYPE_LONG: case JG_TYPE_INT24:
	case JG_TYPE_LONGLONG:
		return CAT_INT;
	case JG_TYPE_DECIMAL: case JG_TYPE_NEWDECIMAL:
		return CAT_DEC;
	case JG_TYPE_FLOAT: case JG_TYPE_DOUBLE:
		return CAT_FLOAT;
	case JG_TYPE_JSON:
		return CAT_JSON;
	case JG_TYPE_VARCHAR: case JG_TYPE_ENUM: case JG_TYPE_SET: case JG_TYPE_TINY_BLOB:
	case JG_TYPE_MEDIUM_BLOB: case JG_TYPE_LONG_BLOB: case JG_TYPE_BLOB: case JG_TYPE_VAR_STRING:
	case JG_TYPE_STRING:
		return CAT_STRING;
	default:                          /* dates, times, YEAR, BIT, GEOMETRY, VECTOR, NULL */
		return CAT_NONE;
	}
}

int jg_mask_text_type(uint8_t type)
{
	enum cat c = cat_of(type);

	return c == CAT_STRING || c == CAT_JSON;
}

void jg_mask_key_init(struct jg_mask_key *k, const void *key, size_t len)
{
	memset(k, 0, sizeof(*k));
	if (!len)
		return;
	br_hmac_key_init(&k->kc, &br_sha256_vtable, key, len);
	k->set = 1;
}

/* mac: HMAC-SHA-256 of v under the key; 0 without a key. */
static int mac(const struct jg_mask_key *k, const uint8_t *v, size_t n, uint8_t out[32])
{
	br_hmac_context h;

	if (!k || !k->set)
		return 0;
	br_hmac_init(&h, &k->kc, 0);
	br_hmac_update(&h, v, n);
	br_hmac_out(&h, out);
	return 1;
}

static int fn_nullable(uint8_t fn, enum cat c)
{
	if (fn == JG_MASK_NULL || c == CAT_NONE)
		return 1;
	return fn == JG_MASK_EMAIL && (c == CAT_INT || c == CAT_DEC || c == CAT_FLOAT);
}

int jg_mask_col_nullable(const struct jg_mask_col *c)
{
	enum cat k = cat_of(c->type);

	if (c->fn)
		return fn_nullable(c->fn, k);
	for (unsigned i = 0; i < 4; i++)
		if ((c->dets & (1u << i)) && k != CAT_NONE && fn_nullable(c->det_fn[i], k))
			return 1;
	return 0;
}

/* ---- numbers ---- */

static uint64_t pow10u(unsigned e)
{
	uint64_t x = 1;

	while (e--)
		x *= 10;
	return x;
}

/* int_max: the largest value of an integer column's width (and sign). */
static uint64_t int_max(const struct jg_mask_col *c)
{
	int u = !!(c->flags & JG_FLAG_UNSIGNED);

	switch (c->type) {
	case JG_TYPE_TINY: return u ? 255u : 127u;
	case JG_TYPE_SHORT: return u ? 65535u : 32767u;
	case JG_TYPE_INT24: return u ? 16777215u : 8388607u;
	case JG_TYPE_LONG: return u ? 4294967295u : 2147483647u;
	default: return u ? UINT64_MAX : (uint64_t)INT64_MAX;
	}
}

/* int_digits: digits before the point that a DECIMAL/FLOAT column holds (1..18). */
static unsigned int_digits(const struct jg_mask_col *c)
{
	long m;

	if (cat_of(c->type) == CAT_FLOAT)
		return 6;
	m = (long)c->length - c->decimals - (c->decimals ? 1 : 0) -
	    ((c->flags & JG_FLAG_UNSIGNED) ? 0 : 1);
	return m < 1 ? 1u : m > 18 ? 18u : (unsigned)m;
}

/*
 * num_value: the masked number of a numeric value given in text form: JG_OK with *x, or
 * JG_MASK_NUL when fn has no number (null, email, no key).
 */
static int num_value(const struct jg_mask_col *c, uint8_t fn, const struct jg_mask_key *key,
                     const uint8_t *v, size_t n, uint64_t *x)
{
	enum cat k = cat_of(c->type);
	uint64_t range = k == CAT_INT ? int_max(c) : pow10u(int_digits(c)) - 1;
	size_t i = 0, sig = 0, start;
	uint8_t h[32];

	if (fn == JG_MASK_REDACT) {
		*x = 0;
		return JG_OK;
	}
	if (fn == JG_MASK_HASH) {
		if (!mac(key, v, n, h))
			return JG_MASK_NUL;
		*x = 0;
		for (i = 0; i < 8; i++)
			*x = *x << 8 | h[i];
		*x = range == UINT64_MAX ? *x : *x % (range + 1);
		return JG_OK;
	}
	if (fn != JG_MASK_LAST4)
		return JG_MASK_NUL;
	while (i < n && (v[i] == '-' || v[i] == '+' || v[i] == ' '))
		i++;
	while (i < n && v[i] == '0')
		i++;
	start = i;
	while (i < n && v[i] >= '0' && v[i] <= '9')
		i++;
	sig = i - start;
	*x = 0;
	if (sig >= 8)                   /* the last 4 digits of the integer part */
		for (size_t j = i - 4; j < i; j++)
			*x = *x * 10 + (uint64_t)(v[j] - '0');
	if (*x > range)
		*x %= range + 1;
	return JG_OK;
}

/* num_text: x as the column's text form (with its scale: 0.00). */
static size_t num_text(const struct jg_mask_col *c, uint64_t x, uint8_t *out, size_t cap)
{
	int n = snprintf((char *)out, cap, "%llu", (unsigned long long)x);
	size_t len = n > 0 ? (size_t)n : 0;

	if (cat_of(c->type) == CAT_DEC && c->decimals && c->decimals < 40 &&
	    len + 1 + c->decimals < cap) {
		out[len++] = '.';
		memset(out + len, '0', c->decimals);
		len += c->decimals;
	}
	return len;
}

/* ---- strings ---- */

/* str_value: fn over the bytes of a string value (or of a span in one). */
static int str_value(uint8_t fn, int utf8, const struct jg_mask_key *key, const uint8_t *v,
                     size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	uint8_t h[32];

	switch (fn) {
	case JG_MASK_REDACT:
		*outlen = jg_mask_redact(out, cap);
		break;
	case JG_MASK_LAST4:
		*outlen = jg_mask_last4(v, n, utf8, out, cap);
		break;
	case JG_MASK_EMAIL:
		*outlen = jg_mask_email(v, n, out, cap);
		break;
	case JG_MASK_HASH:
		if (!mac(key, v, n, h))
			return JG_MASK_NUL;
		*outlen = jg_mask_hex(h, HASH_BYTES, out, cap);
		break;
	default:
		return JG_MASK_NUL;
	}
	return *outlen ? JG_MASK_VALUE : JG_ERR_TOOBIG;
}

/* json_string: out[0..n) as a JSON string, in place (out holds 2n + 2 bytes). */
static size_t json_string(uint8_t *out, size_t n, size_t cap)
{
	size_t esc = 0, at;

	for (size_t i = 0; i < n; i++)
		esc += out[i] == '"' || out[i] == '\\';
	if (n + esc + 2 > cap)
		return 0;
	at = n + esc + 2;
	out[--at] = '"';
	for (size_t i = n; i-- > 0;) {
		out[--at] = out[i];
		if (out[i] == '"' || out[i] == '\\')
			out[--at] = '\\';
	}
	out[0] = '"';
	return n + esc + 2;
}

/* in_json_number: the span at off is a bare number of a JSON document (not inside a string). */
static int in_json_number(const uint8_t *v, size_t n, size_t off)
{
	size_t i = 0;

	while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n'))
		i++;
	return i < n && (v[i] == '{' || v[i] == '[') && off > 0 && v[off - 1] != '"';
}

/*
 * spans_value: a string value with the detectors' spans rewritten. JG_MASK_KEEP without a span,
 * JG_MASK_NUL when a span's function is null.
 */
static int spans_value(const struct jg_mask_col *c, const struct jg_mask_key *key,
                       const uint8_t *v, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	struct jg_mask_span sp[SPANS_MAX];
	size_t ns = jg_mask_scan(v, n, c->dets, sp, SPANS_MAX), at = 0, prev = 0, w;
	int rc;

	if (ns == SIZE_MAX)
		return JG_ERR_TOOBIG;
	if (ns == 0)
		return JG_MASK_KEEP;
	for (size_t i = 0; i < ns; i++) {
		unsigned d = (unsigned)__builtin_ctz(sp[i].det);
		int quote = in_json_number(v, n, sp[i].off);

		if (sp[i].off - prev + 2 > cap - at)
			return JG_ERR_TOOBIG;
		memcpy(out + at, v + prev, sp[i].off - prev);
		at += sp[i].off - prev;
		if (quote)
			out[at++] = '"';
		rc = str_value(c->det_fn[d], c->utf8, key, v + sp[i].off, sp[i].len, out + at,
		               cap - at - 1, &w);
		if (rc != JG_MASK_VALUE)
			return rc;
		at += w;
		if (quote)
			out[at++] = '"';
		prev = sp[i].off + sp[i].len;
	}
	if (n - prev > cap - at)
		return JG_ERR_TOOBIG;
	memcpy(out + at, v + prev, n - prev);
	*outlen = at + n - prev;
	return JG_MASK_VALUE;
}

/* first_det_fn: the function of the first span the detectors find in v, or 0 for none. */
static int first_det_fn(const struct jg_mask_col *c, const uint8_t *v, size_t n, uint8_t *fn)
{
	struct jg_mask_span sp[SPANS_MAX];
	size_t ns = jg_mask_scan(v, n, c->dets, sp, SPANS_MAX);

	if (ns == SIZE_MAX)
		return JG_ERR_TOOBIG;
	*fn = ns ? c->det_fn[__builtin_ctz(sp[0].det)] : 0;
	return JG_OK;
}

int jg_mask_text(const struct jg_mask_col *c, const struct jg_mask_key *key, const uint8_t *v,
                 size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	enum cat k = cat_of(c->type);
	uint8_t fn = c->fn;
	uint64_t x;
	int rc;

	if (k == CAT_NONE)
		return fn ? JG_MASK_NUL : JG_MASK_KEEP;
	if (!fn && c->dets) {
		if (k == CAT_STRING || k == CAT_JSON)
			return spans_value(c, key, v, n, out, cap, outlen);
		if ((rc = first_det_fn(c, v, n, &fn)) != JG_OK)
			return rc;
		if (!fn)
			return JG_MASK_KEEP;
	}
	if (!fn)
		return JG_MASK_KEEP;
	if (k == CAT_INT || k == CAT_DEC || k == CAT_FLOAT) {
		if ((rc = num_value(c, fn, key, v, n, &x)) != JG_OK)
			return rc;
		*outlen = num_text(c, x, out, cap);
		return JG_MASK_VALUE;
	}
	rc = str_value(fn, c->utf8, key, v, n, out, cap, outlen);
	if (rc == JG_MASK_VALUE && k == CAT_JSON && !(*outlen = json_string(out, *outlen, cap)))
		return JG_ERR_TOOBIG;
	return rc;
}

/* ---- the binary protocol ---- */

unsigned jg_mask_fixed_width(uint8_t type)
{
	switch (type) {
	case JG_TYPE_TINY: return 1;
	case JG_TYPE_SHORT: return 2;
	case JG_TYPE_LONG: case JG_TYPE_INT24: case JG_TYPE_FLOAT: return 4;
	case JG_TYPE_LONGLONG: case JG_TYPE_DOUBLE: return 8;
	default: return 0;
	}
}

/* fixed_text: a fixed-width binary number as its text form. */
static size_t fixed_text(const struct jg_mask_col *c, const uint8_t *v, size_t n, char *t,
                         size_t cap)
{
	uint64_t u = 0;
	int neg = 0;

	for (size_t i = n; i-- > 0;)
		u = u << 8 | v[i];
	if (c->type == JG_TYPE_FLOAT) {
		float f;
		uint32_t b = (uint32_t)u;

		memcpy(&f, &b, 4);
		return (size_t)snprintf(t, cap, "%.9g", (double)f);
	}
	if (c->type == JG_TYPE_DOUBLE) {
		double d;

		memcpy(&d, &u, 8);
		return (size_t)snprintf(t, cap, "%.17g", d);
	}
	if (!(c->flags & JG_FLAG_UNSIGNED) && n < 8 && (u >> (8 * n - 1)) & 1)
		u |= ~(uint64_t)0 << (8 * n);            /* sign-extend */
	neg = !(c->flags & JG_FLAG_UNSIGNED) && (int64_t)u < 0;
	if (neg)
		return (size_t)snprintf(t, cap, "-%llu", (unsigned long long)(0 - u));
	return (size_t)snprintf(t, cap, "%llu", (unsigned long long)u);
}

int jg_mask_binary(const struct jg_mask_col *c, const struct jg_mask_key *key, const uint8_t *v,
                   size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
	unsigned w = jg_mask_fixed_width(c->type);
	uint8_t fn = c->fn;
	char t[64];
	size_t tn;
	uint64_t x;
	int rc;

	if (!w)                          /* strings, decimals: the text form, length-prefixed */
		return jg_mask_text(c, key, v, n, out, cap, outlen);
	if (n != w || cap < 8)
		return JG_ERR_PROTO;
	tn = fixed_text(c, v, n, t, sizeof(t));
	if (!fn && c->dets) {
		if ((rc = first_det_fn(c, (const uint8_t *)t, tn, &fn)) != JG_OK)
			return rc;
	}
	if (!fn)
		return JG_MASK_KEEP;
	if ((rc = num_value(c, fn, key, (const uint8_t *)t, tn, &x)) != JG_OK)
		return rc;
	if (c->type == JG_TYPE_FLOAT) {
		float f = (float)x;

		memcpy(out, &f, 4);
	} else if (c->type == JG_TYPE_DOUBLE) {
		double d = (double)x;

		memcpy(out, &d, 8);
	} else {
		for (unsigned i = 0; i < w; i++)
			out[i] = (uint8_t)(x >> (8 * i));
	}
	*outlen = w;
	return JG_MASK_VALUE;
}

/* ---- messages ---- */

/* quoted: the first '...' value of a message: [*a, *b) between the quotes; 0 when none. The
 * value may hold quotes itself (servers do not escape it): it ends at the last "' for " when
 * the message has one. */
static int quoted(const uint8_t *m, size_t n, size_t *a, size_t *b)
{
	const uint8_t *q = memchr(m, '\'', n), *e = NULL;

	if (!q)
		return 0;
	*a = (size_t)(q - m) + 1;
	for (size_t i = n; i-- > *a;)
		if (m[i] == '\'' && i + 5 <= n && memcmp(m + i, "' for", 5) == 0) {
			e = m + i;
			break;
		}
	if (!e)
		e = memchr(m + *a, '\'', n - *a);
	if (!e)
		return 0;
	*b = (size_t)(e - m);
	return 1;
}

size_t jg_mask_message(unsigned dets, const uint8_t det_fn[4], int quote,
                       const struct jg_mask_key *key, const uint8_t *m, size_t n, uint8_t *out,
                       size_t cap)
{
	struct jg_mask_col c = { .type = JG_TYPE_VAR_STRING, .utf8 = 1, .dets = dets };
	size_t a, b, len = 0, w;
	int rc = JG_MASK_KEEP;

	for (unsigned i = 0; i < 4; i++)      /* a message has no NULL: null redacts */
		c.det_fn[i] = det_fn[i] == JG_MASK_NULL ? JG_MASK_REDACT : det_fn[i];
	if (quote && quoted(m, n, &a, &b) && cap >= n + JG_MASK_FILL_LEN) {
		memcpy(out, m, a);
		w = jg_mask_redact(out + a, cap - a);
		memcpy(out + a + w, m + b, n - b);
		len = a + w + n - b;
		rc = JG_MASK_VALUE;
		m = out;
		n = len;
	}
	if (dets) {
		uint8_t tmp[2048];
		size_t tn;

		if (rc == JG_MASK_VALUE) {      /* scan what the quote left, from a copy */
			if (n > sizeof(tmp))
				return jg_mask_redact(out, cap);
			memcpy(tmp, m, n);
			m = tmp;
		}
		switch (spans_value(&c, key, m, n, out, cap, &tn)) {
		case JG_MASK_VALUE:
			return tn;
		case JG_MASK_KEEP:
			break;
		default:                        /* more spans than kept: nothing of it goes */
			return jg_mask_redact(out, cap);
		}
	}
	return rc == JG_MASK_VALUE ? len : 0;
}
