/* der.c: DER writer, PEM and base64url; see der.h. */
#include "auth/der.h"

#include "jg.h"

#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint8_t jg_der_oid_rsa_encryption[9] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
                                                0x01 };
const uint8_t jg_der_oid_ec_public_key[7] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
const uint8_t jg_der_oid_p256[8] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
const uint8_t jg_der_oid_p384[5] = { 0x2b, 0x81, 0x04, 0x00, 0x22 };
const uint8_t jg_der_oid_p521[5] = { 0x2b, 0x81, 0x04, 0x00, 0x23 };
const uint8_t jg_der_oid_ecdsa_sha256[8] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };

void jg_der_init(struct jg_der *d, uint8_t *buf, size_t cap)
{
	memset(d, 0, sizeof(*d));
	d->buf = buf;
	d->cap = cap;
}

static int room(struct jg_der *d, size_t n)
{
	if (d->err)
		return 0;
	if (n > d->cap - d->len) {
		d->err = JG_ERR_TOOBIG;
		return 0;
	}
	return 1;
}

static size_t len_size(size_t n)
{
	size_t s = 1;

	if (n < 0x80)
		return 1;
	while (n) {
		s++;
		n >>= 8;
	}
	return s;
}

static void put_len(uint8_t *p, size_t n, size_t size)
{
	size_t i;

	if (size == 1) {
		p[0] = (uint8_t)n;
		return;
	}
	p[0] = (uint8_t)(0x80 | (size - 1));
	for (i = size - 1; i >= 1; i--, n >>= 8)
		p[i] = (uint8_t)n;
}

void jg_der_begin(struct jg_der *d, uint8_t tag)
{
	if (d->depth >= JG_DER_DEPTH && !d->err)
		d->err = JG_ERR_INTERNAL;
	/* Tag and a one-byte length now; jg_der_end moves the content if the length needs more. */
	if (!room(d, 2))
		return;
	d->buf[d->len++] = tag;
	d->buf[d->len++] = 0;
	d->open[d->depth++] = d->len;
}

void jg_der_end(struct jg_der *d)
{
	size_t start, n, ls;

	if (d->depth <= 0 && !d->err)
		d->err = JG_ERR_INTERNAL;
	if (d->err)
		return;
	start = d->open[--d->depth];
	n = d->len - start;
	ls = len_size(n);
	if (!room(d, ls - 1))
		return;
	memmove(d->buf + start + ls - 1, d->buf + start, n);
	put_len(d->buf + start - 1, n, ls);
	d->len += ls - 1;
}

void jg_der_prim(struct jg_der *d, uint8_t tag, const void *data, size_t len)
{
	size_t ls = len_size(len);

	if (len > d->cap && !d->err)
		d->err = JG_ERR_TOOBIG;
	if (!room(d, 1 + ls + len))
		return;
	d->buf[d->len] = tag;
	put_len(d->buf + d->len + 1, len, ls);
	if (len)
		memcpy(d->buf + d->len + 1 + ls, data, len);
	d->len += 1 + ls + len;
}

void jg_der_raw(struct jg_der *d, const void *data, size_t len)
{
	if (len && room(d, len)) {
		memcpy(d->buf + d->len, data, len);
		d->len += len;
	}
}

void jg_der_uint(struct jg_der *d, const void *be, size_t len)
{
	const uint8_t *p = be;
	size_t ls;

	while (len > 1 && p[0] == 0) {
		p++;
		len--;
	}
	if (len == 0) {
		jg_der_prim(d, JG_DER_INTEGER, "", 1);
		return;
	}
	if (!(p[0] & 0x80)) {
		jg_der_prim(d, JG_DER_INTEGER, p, len);
		return;
	}
	/* Top bit set: a leading 0x00 keeps the value positive. */
	ls = len_size(len + 1);
	if (len + 1 > d->cap && !d->err)
		d->err = JG_ERR_TOOBIG;
	if (!room(d, 1 + ls + len + 1))
		return;
	d->buf[d->len] = JG_DER_INTEGER;
	put_len(d->buf + d->len + 1, len + 1, ls);
	d->buf[d->len + 1 + ls] = 0;
	memcpy(d->buf + d->len + 2 + ls, p, len);
	d->len += 2 + ls + len;
}

void jg_der_small_uint(struct jg_der *d, uint32_t v)
{
	uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	jg_der_uint(d, be, sizeof(be));
}

void jg_der_begin_bits(struct jg_der *d)
{
	jg_der_begin(d, JG_DER_BIT_STRING);
	if (room(d, 1))
		d->buf[d->len++] = 0;           /* unused bits in the last byte */
}

void jg_der_bits(struct jg_der *d, const void *data, size_t len)
{
	jg_der_begin_bits(d);
	jg_der_raw(d, data, len);
	jg_der_end(d);
}

void jg_der_null(struct jg_der *d)
{
	jg_der_prim(d, JG_DER_NULL, NULL, 0);
}

void jg_der_bool(struct jg_der *d, int v)
{
	uint8_t b = v ? 0xff : 0x00;

	jg_der_prim(d, JG_DER_BOOLEAN, &b, 1);
}

void jg_der_time(struct jg_der *d, time_t t)
{
	struct tm tm;
	char s[24];
	int n;

	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1950) {
		if (!d->err)
			d->err = JG_ERR_INTERNAL;
		return;
	}
	if (tm.tm_year + 1900 < 2050)
		n = snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1,
		             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		n = snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	jg_der_prim(d, tm.tm_year + 1900 < 2050 ? JG_DER_UTC_TIME : JG_DER_GEN_TIME, s, (size_t)n);
}

int jg_der_finish(struct jg_der *d, size_t *len)
{
	if (!d->err && d->depth != 0)
		d->err = JG_ERR_INTERNAL;
	if (d->err)
		return d->err;
	*len = d->len;
	return JG_OK;
}

void jg_der_spki_rsa(struct jg_der *d, const void *n, size_t nlen, const void *e, size_t elen)
{
	jg_der_begin(d, JG_DER_SEQUENCE);
	jg_der_begin(d, JG_DER_SEQUENCE);
	jg_der_prim(d, JG_DER_OID, jg_der_oid_rsa_encryption, sizeof(jg_der_oid_rsa_encryption));
	jg_der_null(d);
	jg_der_end(d);
	/* The key is itself DER (RSAPublicKey) inside the BIT STRING. */
	jg_der_begin_bits(d);
	jg_der_begin(d, JG_DER_SEQUENCE);
	jg_der_uint(d, n, nlen);
	jg_der_uint(d, e, elen);
	jg_der_end(d);
	jg_der_end(d);
	jg_der_end(d);
}

void jg_der_spki_ec(struct jg_der *d, const uint8_t *curve_oid, size_t oidlen,
                    const void *point, size_t plen)
{
	jg_der_begin(d, JG_DER_SEQUENCE);
	jg_der_begin(d, JG_DER_SEQUENCE);
	jg_der_prim(d, JG_DER_OID, jg_der_oid_ec_public_key, sizeof(jg_der_oid_ec_public_key));
	jg_der_prim(d, JG_DER_OID, curve_oid, oidlen);
	jg_der_end(d);
	jg_der_bits(d, point, plen);
	jg_der_end(d);
}

char *jg_der_pem_encode(const void *der, size_t len, const char *banner, size_t *pemlen)
{
	size_t n = br_pem_encode(NULL, der, len, banner, BR_PEM_LINE64);
	char *pem = malloc(n + 1);

	if (!pem)
		return NULL;
	br_pem_encode(pem, der, len, banner, BR_PEM_LINE64);
	if (pemlen)
		*pemlen = n;
	return pem;
}

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int jg_der_b64url_encode(char *out, size_t cap, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i, o = 0, need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0) + 1;
	uint32_t v;

	if (len > (SIZE_MAX - 8) / 2 || need > cap)
		return JG_ERR_TOOBIG;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		out[o++] = b64url[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
	}
	out[o] = '\0';
	return JG_OK;
}

static int b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int jg_der_b64url_decode(uint8_t *out, size_t cap, size_t *outlen, const char *in, size_t inlen)
{
	size_t i, o = 0, rem = inlen % 4;
	size_t need = inlen / 4 * 3 + (rem ? rem - 1 : 0);
	uint32_t acc = 0;
	int v, bits = 0;

	if (rem == 1)
		return JG_ERR_PROTO;
	if (need > cap)
		return JG_ERR_TOOBIG;
	for (i = 0; i < inlen; i++) {
		if ((v = b64url_val(in[i])) < 0)
			return JG_ERR_PROTO;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero, so each byte string has exactly one encoding. */
	if (bits && (acc & ((1u << bits) - 1)))
		return JG_ERR_PROTO;
	*outlen = o;
	return JG_OK;
}
