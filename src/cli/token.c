/*
 * token.c: `jitgate token`, a signed JWT for development and tests, made with libjwt from a
 * private key PEM (as written by `jitgate dev-keys`). The key type is read with BearSSL only to
 * choose the default algorithm and to refuse an algorithm that does not fit the key.
 */
#include "cli/cli.h"

#include "jg.h"

#include <bearssl.h>
#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEY_FILE_MAX 65536

struct der_buf {
	uint8_t data[8192];
	size_t len;
	int overflow;
};

static void der_append(void *ctx, const void *src, size_t len)
{
	struct der_buf *b = ctx;

	if (len > sizeof(b->data) - b->len) {
		b->overflow = 1;
		return;
	}
	memcpy(b->data + b->len, src, len);
	b->len += len;
}

/* key_alg: the JWS algorithm a private key PEM calls for ("RS256", "ES256", "ES384", "ES512"), or
 * NULL when the PEM holds no private key BearSSL can read. */
static const char *key_alg(const char *pem, size_t len)
{
	br_pem_decoder_context pc;
	br_skey_decoder_context kc;
	struct der_buf *b = calloc(1, sizeof(*b));
	const char *alg = NULL;
	size_t used;
	int in_key = 0, done = 0;

	if (!b)
		return NULL;
	br_pem_decoder_init(&pc);
	while (len > 0 && !done) {
		used = br_pem_decoder_push(&pc, pem, len);
		pem += used;
		len -= used;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			in_key = strstr(br_pem_decoder_name(&pc), "PRIVATE KEY") != NULL;
			b->len = 0;
			br_pem_decoder_setdest(&pc, in_key ? der_append : NULL, b);
			break;
		case BR_PEM_END_OBJ:
			done = in_key;
			break;
		case BR_PEM_ERROR:
			len = 0;
			break;
		}
	}
	if (done && !b->overflow) {
		br_skey_decoder_init(&kc);
		br_skey_decoder_push(&kc, b->data, b->len);
		if (br_skey_decoder_key_type(&kc) == BR_KEYTYPE_RSA)
			alg = "RS256";
		else if (br_skey_decoder_key_type(&kc) == BR_KEYTYPE_EC) {
			switch (br_skey_decoder_get_ec(&kc)->curve) {
			case BR_EC_secp256r1: alg = "ES256"; break;
			case BR_EC_secp384r1: alg = "ES384"; break;
			case BR_EC_secp521r1: alg = "ES512"; break;
			}
		}
		explicit_bzero(&kc, sizeof(kc));
	}
	explicit_bzero(b, sizeof(*b));
	free(b);
	return alg;
}

/* groups_json: {"groups": ["g1", "g2"]} from "g1,g2" (jansson does the escaping). */
static char *groups_json(const char *groups)
{
	json_t *root = json_object(), *arr = json_array();
	const char *p = groups;
	char *text = NULL;
	size_t n;

	if (!root || !arr)
		goto fail;
	while (*p) {
		n = strcspn(p, ",");
		if (n && json_array_append_new(arr, json_stringn(p, n)) != 0)
			goto fail;
		p += n + (p[n] == ',');
	}
	if (json_object_set(root, "groups", arr) == 0)
		text = json_dumps(root, JSON_COMPACT);
fail:
	json_decref(arr);
	json_decref(root);
	return text;
}

int jg_token_sign(const struct jg_token_req *r, char **out, char *err, size_t errlen)
{
	const char *kalg = key_alg(r->key_pem, r->key_len), *alg = r->alg ? r->alg : kalg;
	jwt_t *jwt = NULL;
	jwt_alg_t a;
	uint8_t rnd[16];
	char jti[33], *json = NULL, name[128];
	const char *eq;
	size_t i;
	int e = 0, rc = JG_ERR_CONFIG;

	*out = NULL;
	if (!kalg) {
		snprintf(err, errlen, "the key is not an RSA or EC (P-256/384/521) private key PEM");
		goto fail;
	}
	a = jwt_str_alg(alg);
	if ((a != JWT_ALG_RS256 && a != JWT_ALG_RS384 && a != JWT_ALG_RS512 && a != JWT_ALG_ES256 &&
	     a != JWT_ALG_ES384 && a != JWT_ALG_ES512) || strncmp(alg, kalg, 2) != 0 ||
	    (alg[0] == 'E' && strcmp(alg, kalg) != 0)) {
		snprintf(err, errlen, "algorithm %s does not fit the key (use %s)", alg, kalg);
		goto fail;
	}
	if (jg_cli_random(rnd, sizeof(rnd)) != JG_OK) {
		snprintf(err, errlen, "no system random source");
		rc = JG_ERR_INTERNAL;
		goto fail;
	}
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(jti + 2 * i, 3, "%02x", rnd[i]);
	rc = JG_ERR_INTERNAL;
	if ((e = jwt_new(&jwt)) ||
	    (e = jwt_set_alg(jwt, a, (const unsigned char *)r->key_pem, (int)r->key_len)) ||
	    (r->kid && (e = jwt_add_header(jwt, "kid", r->kid))) ||
	    (r->iss && (e = jwt_add_grant(jwt, "iss", r->iss))) ||
	    (r->aud && (e = jwt_add_grant(jwt, "aud", r->aud))) ||
	    (r->sub && (e = jwt_add_grant(jwt, "sub", r->sub))) ||
	    (e = jwt_add_grant(jwt, "jti", jti)) ||
	    (e = jwt_add_grant_int(jwt, "iat", (long)r->now)) ||
	    (!r->no_exp && (e = jwt_add_grant_int(jwt, "exp", (long)r->now + r->ttl))) ||
	    (r->has_nbf && (e = jwt_add_grant_int(jwt, "nbf", (long)r->now + r->nbf_offset)))) {
		snprintf(err, errlen, "libjwt: %s", strerror(e));
		goto fail;
	}
	if (r->groups) {
		if (!(json = groups_json(r->groups)) || (e = jwt_add_grants_json(jwt, json))) {
			snprintf(err, errlen, "cannot add groups: %s", strerror(e ? e : ENOMEM));
			goto fail;
		}
	}
	for (i = 0; i < r->nclaims; i++) {
		eq = strchr(r->claims[i], '=');
		if (!eq || eq == r->claims[i] || (size_t)(eq - r->claims[i]) >= sizeof(name)) {
			snprintf(err, errlen, "--claim wants NAME=VALUE, got \"%.40s\"", r->claims[i]);
			rc = JG_ERR_CONFIG;
			goto fail;
		}
		memcpy(name, r->claims[i], (size_t)(eq - r->claims[i]));
		name[eq - r->claims[i]] = '\0';
		if ((e = jwt_add_grant(jwt, name, eq + 1))) {
			snprintf(err, errlen, "cannot add claim %s: %s", name,
			         e == EEXIST ? "already set" : strerror(e));
			goto fail;
		}
	}
	/* jwt_add_grants_json merges with json_object_update: these members replace earlier ones. */
	if (r->claims_json && (e = jwt_add_grants_json(jwt, r->claims_json))) {
		snprintf(err, errlen, "cannot add claims JSON: %s", strerror(e));
		goto fail;
	}
	if (!(*out = jwt_encode_str(jwt))) {
		snprintf(err, errlen, "libjwt could not sign: %s", strerror(errno));
		goto fail;
	}
	rc = JG_OK;
fail:
	free(json);
	if (jwt)
		jwt_free(jwt);
	return rc;
}

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "token: %s\n", msg);
	fprintf(stderr,
	        "usage: jitgate token --key PEM --kid K --iss I --aud A --sub S [--groups g1,g2]\n"
	        "                     [--ttl SECONDS] [--nbf-offset SECONDS] [--claim NAME=VALUE ...]\n"
	        "                     [--claims-json '{...}'] [--alg RS256|ES256|...]\n"
	        "  prints a JWT signed with the private key PEM (from `jitgate dev-keys`);\n"
	        "  the algorithm defaults from the key (EC P-256 -> ES256, RSA -> RS256);\n"
	        "  ttl defaults to 3600 and may be negative (an expired token, for tests)\n");
	return 2;
}

static int parse_long(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return !errno && end != s && !*end && *v > -100000000L && *v < 100000000L;
}

static char *read_key(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!f)
		return NULL;
	if ((buf = malloc(KEY_FILE_MAX + 1))) {
		n = fread(buf, 1, KEY_FILE_MAX + 1, f);
		if (ferror(f) || n > KEY_FILE_MAX) {
			free(buf);
			buf = NULL;
			errno = EFBIG;
		} else {
			buf[n] = '\0';
			*len = n;
		}
	}
	fclose(f);
	return buf;
}

int jg_cmd_token(int argc, char **argv)
{
	struct jg_token_req r;
	const char **claims = calloc((size_t)argc, sizeof(*claims));
	const char *keyfile = NULL;
	char *key = NULL, *tok = NULL, err[256];
	int i, rc = 2;

	memset(&r, 0, sizeof(r));
	r.ttl = 3600;
	if (!claims)
		return 1;
	r.claims = claims;
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val) {
			rc = usage(strncmp(opt, "--", 2) == 0 ? "option needs a value" : "unexpected argument");
			goto fail;
		}
		i++;
		if (!strcmp(opt, "--key")) keyfile = val;
		else if (!strcmp(opt, "--kid")) r.kid = val;
		else if (!strcmp(opt, "--iss")) r.iss = val;
		else if (!strcmp(opt, "--aud")) r.aud = val;
		else if (!strcmp(opt, "--sub")) r.sub = val;
		else if (!strcmp(opt, "--groups")) r.groups = val;
		else if (!strcmp(opt, "--alg")) r.alg = val;
		else if (!strcmp(opt, "--claim")) claims[r.nclaims++] = val;
		else if (!strcmp(opt, "--claims-json")) r.claims_json = val;
		else if (!strcmp(opt, "--ttl") || !strcmp(opt, "--nbf-offset")) {
			if (!parse_long(val, opt[2] == 't' ? &r.ttl : &r.nbf_offset)) {
				rc = usage("seconds must be an integer under 10^8 in size");
				goto fail;
			}
			r.has_nbf |= opt[2] == 'n';
		} else {
			rc = usage("unknown option");
			goto fail;
		}
	}
	if (!keyfile || !r.kid || !r.iss || !r.aud || !r.sub) {
		rc = usage("--key, --kid, --iss, --aud and --sub are required");
		goto fail;
	}
	if (!(key = read_key(keyfile, &r.key_len))) {
		fprintf(stderr, "token: %s: %s\n", keyfile, strerror(errno));
		rc = 2;
		goto fail;
	}
	r.key_pem = key;
	r.now = (int64_t)time(NULL);
	if (jg_token_sign(&r, &tok, err, sizeof(err)) != JG_OK) {
		rc = usage(err);
		goto fail;
	}
	printf("%s\n", tok);
	rc = 0;
fail:
	if (key) {
		explicit_bzero(key, r.key_len);
		free(key);
	}
	free(tok);
	free(claims);
	return rc;
}
