/*
 * binval.c: binary protocol values as text, COM_STMT_EXECUTE parameters (see binval.h).
 */
#include "audit/binval.h"

#include "audit/jw.h"

#include "proto/pkt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* le: the little-endian integer of n bytes at p (n <= 8). */
static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* int_width: the bytes of an integer type's binary value, 0 for other types. */
static size_t int_width(uint8_t type)
{
	switch (type) {
	case JG_TYPE_TINY: return 1;
	case JG_TYPE_SHORT: case JG_TYPE_YEAR: return 2;
	case JG_TYPE_LONG: case JG_TYPE_INT24: return 4;
	case JG_TYPE_LONGLONG: return 8;
	default: return 0;
	}
}

/* int_text: a signed value is negated in unsigned arithmetic, so INT64_MIN needs no case. */
static int int_text(char *buf, size_t cap, uint8_t type, int is_unsigned, const uint8_t *d, size_t n)
{
	uint64_t v = le(d, n);

	if (type == JG_TYPE_YEAR)
		return snprintf(buf, cap, "%04llu", (unsigned long long)v);
	if (!is_unsigned && v >> (8 * n - 1)) {     /* cap holds 21 bytes: a sign and 20 digits */
		buf[0] = '-';
		return 1 + (int)jg_jw_udec(buf + 1, -v & (UINT64_MAX >> (64 - 8 * n)));
	}
	return (int)jg_jw_udec(buf, v);
}

/*
 * real_text: the fewest digits that read back as v (as a float when is_float), then the layout
 * of MySQL's my_gcvt (strings/dtoa.c): with decpt the place of the decimal point relative to
 * the len significant digits (v = 0.DIGITS * 10^decpt), fixed notation when
 * decpt >= -14 && (decpt <= 15 || len > decpt), else d.ddde<exp>. printf and strtod work in
 * the C locale (nothing in jitgate calls setlocale), so the point is always '.'.
 */
static int real_text(char *buf, size_t cap, double v, int is_float)
{
	char e[40], *x, *c;
	int prec, ndig = 0, len = 1, decpt, max = is_float ? 9 : 17;

	if (!isfinite(v))
		return snprintf(buf, cap, "%g", v);
	for (prec = 1;; prec++) {          /* "%.*e": [-]d[.ddd]e(+|-)dd */
		snprintf(e, sizeof(e), "%.*e", prec - 1, v);
		if (prec == max || (is_float ? strtof(e, NULL) == (float)v : strtod(e, NULL) == v))
			break;
	}
	x = strchr(e, 'e');
	decpt = atoi(x + 1) + 1;
	for (c = e; c < x; c++)            /* significant digits, trailing zeros left out */
		if (*c >= '0' && *c <= '9' && (++ndig, *c != '0'))
			len = ndig;
	if (decpt >= -14 && (decpt <= 15 || len > decpt))
		return snprintf(buf, cap, "%.*f", len > decpt ? len - decpt : 0, v);
	/* the same digits without the trailing zeros, and the exponent in MySQL's form */
	snprintf(e, sizeof(e), "%.*e", len - 1, v);
	return snprintf(buf, cap, "%.*se%d", (int)(strchr(e, 'e') - e), e, decpt - 1);
}

static int date_text(char *buf, size_t cap, const uint8_t *d, size_t n)
{
	if (n == 0)
		return snprintf(buf, cap, "0000-00-00");
	return snprintf(buf, cap, "%04u-%02u-%02u", (unsigned)jg_le16(d), d[2], d[3]);
}

static int datetime_text(char *buf, size_t cap, const uint8_t *d, size_t n)
{
	int k = date_text(buf, cap, d, n);

	if (n < 7)
		return k + snprintf(buf + k, cap - (size_t)k, " 00:00:00");
	k += snprintf(buf + k, cap - (size_t)k, " %02u:%02u:%02u", d[4], d[5], d[6]);
	if (n == 11 && jg_le32(d + 7) != 0)
		k += snprintf(buf + k, cap - (size_t)k, ".%06u", (unsigned)jg_le32(d + 7));
	return k;
}

/* time_text: is_negative<1> days<4> hours<1> minutes<1> seconds<1> [microseconds<4>]. */
static int time_text(char *buf, size_t cap, const uint8_t *d, size_t n)
{
	int k;

	if (n == 0)
		return snprintf(buf, cap, "00:00:00");
	k = snprintf(buf, cap, "%s%02llu:%02u:%02u", d[0] ? "-" : "",
	             (unsigned long long)jg_le32(d + 1) * 24 + d[5], d[6], d[7]);
	if (n == 12 && jg_le32(d + 8) != 0)
		k += snprintf(buf + k, cap - (size_t)k, ".%06u", (unsigned)jg_le32(d + 8));
	return k;
}

int jg_binval_text(uint8_t type, int is_unsigned, const uint8_t *data, size_t len, char *out,
                   size_t cap, size_t *outlen)
{
	char buf[JG_BINVAL_TEXT_MAX];
	const char *src = buf;
	size_t need;
	int k;
	float f;
	double g;
	uint32_t u32;
	uint64_t u64;

	*outlen = 0;
	switch (type) {
	case JG_TYPE_TINY: case JG_TYPE_SHORT: case JG_TYPE_YEAR: case JG_TYPE_LONG:
	case JG_TYPE_INT24: case JG_TYPE_LONGLONG:
		if (len != int_width(type))
			return JG_ERR_PROTO;
		k = int_text(buf, sizeof(buf), type, is_unsigned, data, len);
		break;
	case JG_TYPE_FLOAT:
		if (len != 4)
			return JG_ERR_PROTO;
		u32 = jg_le32(data);
		memcpy(&f, &u32, sizeof(f));
		k = real_text(buf, sizeof(buf), f, 1);
		break;
	case JG_TYPE_DOUBLE:
		if (len != 8)
			return JG_ERR_PROTO;
		u64 = le(data, 8);
		memcpy(&g, &u64, sizeof(g));
		k = real_text(buf, sizeof(buf), g, 0);
		break;
	case JG_TYPE_DATE: case JG_TYPE_DATETIME: case JG_TYPE_TIMESTAMP:
		if (len != 0 && len != 4 && len != 7 && len != 11)
			return JG_ERR_PROTO;
		k = type == JG_TYPE_DATE ? date_text(buf, sizeof(buf), data, len) :
		    datetime_text(buf, sizeof(buf), data, len);
		break;
	case JG_TYPE_TIME:
		if (len != 0 && len != 8 && len != 12)
			return JG_ERR_PROTO;
		k = time_text(buf, sizeof(buf), data, len);
		break;
	default:
		src = (const char *)data;
		k = 0;
		break;
	}
	need = src == buf ? (size_t)k : len;
	if (need >= cap) {
		*outlen = need;
		return JG_ERR_TOOBIG;
	}
	if (need)
		memcpy(out, src, need);
	out[need] = '\0';
	*outlen = need;
	return JG_OK;
}

/* bit: bit i of a bitmap (bit 0 is the low bit of the first byte). */
static int bit(const uint8_t *map, unsigned i)
{
	return map[i / 8] >> (i % 8) & 1;
}

int jg_binval_params(const uint8_t *payload, size_t len, unsigned nparams, uint8_t *types,
                     int *have_types, const uint8_t *long_data_mask, struct jg_binval_param *out)
{
	struct jg_rd r;
	const uint8_t *nulls = NULL, *t = types;
	uint64_t bound = 0;
	size_t hdr, n;
	unsigned i;

	if (nparams > JG_BINVAL_PARAMS_MAX)
		return JG_ERR_PROTO;
	jg_rd_init(&r, payload, len);
	if (jg_rd_int(&r, 1) != JG_COM_STMT_EXECUTE)
		return JG_ERR_PROTO;
	jg_rd_take(&r, 4 + 1 + 4);         /* stmt_id, flags, iteration_count */
	if (nparams > 0) {
		nulls = jg_rd_take(&r, (nparams + 7) / 8);
		bound = jg_rd_int(&r, 1);
		if (bound == 1)
			t = jg_rd_take(&r, 2 * (size_t)nparams);
		else if (bound != 0 || !*have_types)
			return JG_ERR_PROTO;
	}
	if (r.err)
		return JG_ERR_PROTO;
	for (i = 0; i < nparams; i++) {
		struct jg_binval_param *v = &out[i];

		memset(v, 0, sizeof(*v));
		v->type = t[2 * i];
		v->is_unsigned = (t[2 * i + 1] & JG_BINVAL_PARAM_UNSIGNED) != 0;
		if (long_data_mask && bit(long_data_mask, i)) {
			v->long_data = 1;
		} else if (bit(nulls, i)) {
			v->null = 1;
		} else {
			if (jg_pkt_bin_value(v->type, r.p + r.off, jg_rd_left(&r), &hdr, &n) != JG_OK)
				return JG_ERR_PROTO;
			v->p = jg_rd_take(&r, hdr + n) + hdr;
			v->len = n;
		}
	}
	if (jg_rd_left(&r) != 0)
		return JG_ERR_PROTO;
	if (bound == 1) {
		memcpy(types, t, 2 * (size_t)nparams);
		*have_types = 1;
	}
	return JG_OK;
}
