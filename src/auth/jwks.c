/* jwks.c: JWKS file -> PEM public keys; see jwks.h. */
#include "auth/jwks.h"

#include "auth/auth.h"
#include "auth/der.h"
#include "jg.h"

#include <bearssl.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RSA_BITS_MIN 2048
#define RSA_BYTES_MAX 1024        /* 8192-bit modulus */
#define JG_ALG_RS (JG_ALG_RS256 | JG_ALG_RS384 | JG_ALG_RS512)

static const struct { const char *name; unsigned bit; } alg_names[] = {
	{ "RS256", JG_ALG_RS256 }, { "RS384", JG_ALG_RS384 }, { "RS512", JG_ALG_RS512 },
	{ "ES256", JG_ALG_ES256 }, { "ES384", JG_ALG_ES384 }, { "ES512", JG_ALG_ES512 },
};

unsigned jg_jwks_alg_bit(const char *name)
{
	size_t i;

	for (i = 0; name && i < JG_ARRAY_LEN(alg_names); i++)
		if (strcmp(name, alg_names[i].name) == 0)
			return alg_names[i].bit;
	return 0;
}

const char *jg_jwks_alg_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < JG_ARRAY_LEN(alg_names); i++)
		if (alg_names[i].bit == bit)
			return alg_names[i].name;
	return NULL;
}

/* The three curves JWS uses (RFC 7518 section 3.4), with what BearSSL calls them. */
static const struct {
	const char *crv;
	int curve;                /* BR_EC_* */
	size_t coord;             /* bytes per coordinate */
	unsigned alg;
} curves[] = {
	{ "P-256", BR_EC_secp256r1, 32, JG_ALG_ES256 },
	{ "P-384", BR_EC_secp384r1, 48, JG_ALG_ES384 },
	{ "P-521", BR_EC_secp521r1, 66, JG_ALG_ES512 },
};

/* Context for warnings: which file and which key. */
struct where {
	const char *path;
	size_t idx;
	const char *kid;
};

__attribute__((format(printf, 2, 3)))
static int skip(const struct where *w, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jg_log(JG_LOG_WARN, "JWKS %s: key %zu%s%s%s skipped: %s", w->path, w->idx,
	       w->kid ? " (kid \"" : "", w->kid ? w->kid : "", w->kid ? "\")" : "", msg);
	return 0;
}

static int printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* b64_member: a required base64url string member decoded into buf; 0 with a warning otherwise. */
static int b64_member(const struct where *w, json_t *k, const char *name, uint8_t *buf,
                      size_t cap, size_t *len)
{
	json_t *v = json_object_get(k, name);

	if (!json_is_string(v))
		return skip(w, "\"%s\" is missing or not a string", name);
	if (jg_der_b64url_decode(buf, cap, len, json_string_value(v), json_string_length(v)) != JG_OK)
		return skip(w, "\"%s\" is not base64url or too long", name);
	return 1;
}

/* own_bytes: a copy of the key's bytes that the set owns. */
static unsigned char *own_bytes(const struct where *w, const void *a, size_t alen, const void *b,
                                size_t blen)
{
	unsigned char *raw = malloc(alen + blen);

	if (!raw) {
		skip(w, "out of memory");
		return NULL;
	}
	memcpy(raw, a, alen);
	if (blen)
		memcpy(raw + alen, b, blen);
	return raw;
}

static int rsa_key(const struct where *w, json_t *k, struct jg_jwk *out)
{
	uint8_t n[RSA_BYTES_MAX + 1], e[8];
	size_t nlen, elen, off = 0;

	if (!b64_member(w, k, "n", n, sizeof(n), &nlen) || !b64_member(w, k, "e", e, sizeof(e), &elen))
		return 0;
	while (off < nlen && n[off] == 0)
		off++;
	if ((nlen - off) * 8 < RSA_BITS_MIN || (nlen - off) > RSA_BYTES_MAX)
		return skip(w, "RSA modulus of %zu bytes is outside %d..%d bits", nlen - off,
		            RSA_BITS_MIN, RSA_BYTES_MAX * 8);
	if (elen == 0 || !(e[elen - 1] & 1) || (elen == 1 && e[0] < 3))
		return skip(w, "RSA exponent is not an odd number above 1");
	if (!(out->raw = own_bytes(w, n + off, nlen - off, e, elen)))
		return 0;
	out->is_rsa = 1;
	out->rsa.n = out->raw;
	out->rsa.nlen = nlen - off;
	out->rsa.e = out->raw + (nlen - off);
	out->rsa.elen = elen;
	out->algs = JG_ALG_RS;
	return 1;
}

static int ec_key(const struct where *w, json_t *k, struct jg_jwk *out)
{
	static const uint8_t one = 1;
	const br_ec_impl *ec = br_ec_get_default();
	const char *crv = json_string_value(json_object_get(k, "crv"));
	uint8_t x[80], y[80], point[1 + 2 * 66];
	size_t i, xlen, ylen, plen;

	for (i = 0; crv && i < JG_ARRAY_LEN(curves); i++)
		if (strcmp(crv, curves[i].crv) == 0)
			break;
	if (!crv || i == JG_ARRAY_LEN(curves))
		return skip(w, "\"crv\" is not P-256, P-384 or P-521");
	if (!b64_member(w, k, "x", x, sizeof(x), &xlen) || !b64_member(w, k, "y", y, sizeof(y), &ylen))
		return 0;
	if (xlen != curves[i].coord || ylen != curves[i].coord)
		return skip(w, "coordinates of %s must be %zu bytes", crv, curves[i].coord);
	point[0] = 0x04;
	memcpy(point + 1, x, xlen);
	memcpy(point + 1 + xlen, y, ylen);
	plen = 1 + xlen + ylen;
	/* A point off the curve would only show up later as "bad signature"; say it now. mul()
	 * rejects a point that is not on the curve (it overwrites its input, hence the copy). */
	{
		uint8_t tmp[sizeof(point)];

		memcpy(tmp, point, plen);
		if (!(ec->supported_curves >> curves[i].curve & 1) ||
		    !ec->mul(tmp, plen, &one, 1, curves[i].curve))
			return skip(w, "(x, y) is not a point on %s", crv);
	}
	if (!(out->raw = own_bytes(w, point, plen, NULL, 0)))
		return 0;
	out->ec.curve = curves[i].curve;
	out->ec.q = out->raw;
	out->ec.qlen = plen;
	out->algs = curves[i].alg;
	return 1;
}

/* jwk_parse: 1 and *out filled for a usable signing key; 0 (warning logged) to skip it. */
static int jwk_parse(struct where *w, json_t *k, struct jg_jwk *out)
{
	json_t *kid = json_object_get(k, "kid"), *use = json_object_get(k, "use");
	json_t *alg = json_object_get(k, "alg");
	const char *kty = json_string_value(json_object_get(k, "kty"));
	unsigned bit = 0;
	int ok;

	if (!json_is_object(k))
		return skip(w, "not a JSON object");
	if (kid) {
		if (!json_is_string(kid) || json_string_length(kid) >= sizeof(out->kid) ||
		    !printable(json_string_value(kid), json_string_length(kid)))
			return skip(w, "\"kid\" is not a printable string under %zu bytes",
			            sizeof(out->kid));
		memcpy(out->kid, json_string_value(kid), json_string_length(kid) + 1);
		w->kid = out->kid;
	}
	if (use && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0))
		return skip(w, "\"use\" is not \"sig\"");
	if (alg && (!json_is_string(alg) || !(bit = jg_jwks_alg_bit(json_string_value(alg)))))
		return skip(w, "\"alg\" is not one of RS256, RS384, RS512, ES256, ES384, ES512");
	if (kty && strcmp(kty, "RSA") == 0)
		ok = rsa_key(w, k, out);
	else if (kty && strcmp(kty, "EC") == 0)
		ok = ec_key(w, k, out);
	else
		return skip(w, "\"kty\" is not RSA or EC (symmetric and other keys are not accepted)");
	if (ok && bit) {
		if (!(out->algs & bit)) {
			free(out->raw);
			out->raw = NULL;
			return skip(w, "\"alg\" %s does not fit the key type", json_string_value(alg));
		}
		out->algs = bit;
	}
	return ok;
}

static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "JWKS file %s: %s", path, strerror(errno));
		return JG_ERR_CONFIG;
	}
	if (!(buf = malloc(JG_JWKS_FILE_MAX + 1))) {
		fclose(f);
		snprintf(err, errlen, "JWKS file %s: out of memory", path);
		return JG_ERR_NOMEM;
	}
	n = fread(buf, 1, JG_JWKS_FILE_MAX + 1, f);
	if (ferror(f) || n > JG_JWKS_FILE_MAX) {
		snprintf(err, errlen, "JWKS file %s: %s", path,
		         ferror(f) ? "read error" : "larger than 1 MiB");
		fclose(f);
		free(buf);
		return JG_ERR_CONFIG;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return JG_OK;
}

int jg_jwks_load(const char *path, struct jg_jwks **out, char *err, size_t errlen)
{
	struct jg_jwks *ks = NULL;
	json_t *root = NULL, *keys, *k;
	json_error_t jerr;
	char *text = NULL;
	size_t len, i, j;
	int rc;

	*out = NULL;
	if ((rc = read_file(path, &text, &len, err, errlen)) != JG_OK)
		goto fail;
	rc = JG_ERR_CONFIG;
	if (!(root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr))) {
		snprintf(err, errlen, "JWKS file %s: line %d: %s", path, jerr.line, jerr.text);
		goto fail;
	}
	keys = json_object_get(root, "keys");
	if (!json_is_array(keys)) {
		snprintf(err, errlen, "JWKS file %s: no \"keys\" array", path);
		goto fail;
	}
	if (!(ks = calloc(1, sizeof(*ks)))) {
		snprintf(err, errlen, "JWKS file %s: out of memory", path);
		rc = JG_ERR_NOMEM;
		goto fail;
	}
	ks->refs = 1;
	json_array_foreach(keys, i, k) {
		struct where w = { path, i, NULL };
		struct jg_jwk *key = &ks->keys[ks->n];

		if (ks->n == JG_JWKS_KEYS_MAX) {
			skip(&w, "more than %d keys", JG_JWKS_KEYS_MAX);
			continue;
		}
		memset(key, 0, sizeof(*key));
		if (!jwk_parse(&w, k, key))
			continue;
		/* Two keys with one kid would make the choice depend on file order. */
		for (j = 0; j < ks->n; j++)
			if (strcmp(ks->keys[j].kid, key->kid) == 0)
				break;
		if (j < ks->n) {
			skip(&w, "another key has the same kid");
			free(key->raw);
			continue;
		}
		ks->n++;
	}
	if (ks->n == 0) {
		snprintf(err, errlen, "JWKS file %s: no usable signing key (RSA or EC P-256/384/521 "
		         "with use \"sig\"); see the warnings above", path);
		goto fail;
	}
	*out = ks;
	ks = NULL;
	rc = JG_OK;
fail:
	jg_jwks_free(ks);
	json_decref(root);
	free(text);
	return rc;
}

void jg_jwks_free(struct jg_jwks *ks)
{
	size_t i;

	if (!ks)
		return;
	for (i = 0; i < ks->n; i++)
		free(ks->keys[i].raw);
	free(ks);
}

const struct jg_jwk *jg_jwks_find(const struct jg_jwks *ks, const char *kid)
{
	size_t i;

	if (!kid)
		return ks->n == 1 ? &ks->keys[0] : NULL;
	for (i = 0; i < ks->n; i++)
		if (ks->keys[i].kid[0] && strcmp(ks->keys[i].kid, kid) == 0)
			return &ks->keys[i];
	return NULL;
}

static size_t raw_len(const struct jg_jwk *k)
{
	return k->is_rsa ? k->rsa.nlen + k->rsa.elen : k->ec.qlen;
}

int jg_jwks_same(const struct jg_jwk *x, const struct jg_jwk *y)
{
	return strcmp(x->kid, y->kid) == 0 && x->is_rsa == y->is_rsa && x->algs == y->algs &&
	       (x->is_rsa ? x->rsa.nlen == y->rsa.nlen : x->ec.curve == y->ec.curve) &&
	       raw_len(x) == raw_len(y) && memcmp(x->raw, y->raw, raw_len(x)) == 0;
}
