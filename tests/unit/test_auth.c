/*
 * test_auth.c: src/auth (JWT/JWKS), src/auth/der.c and the two CLI pieces that feed it
 * (dev-keys, token). Real keys: `jg_cmd_dev_keys` writes them once per run into a temporary
 * directory (removed at exit); tokens are signed with libjwt through jg_token_sign, or built by
 * hand where an attacker would (alg none, HS256 with the public key as secret, tampering).
 */
#include "unit.h"

#include <bearssl.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <jwt.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "auth/der.h"
#include "auth/jwks.h"
#include "cli/cli.h"
#include "jg.h"

#define ISS "https://idp.example"
#define AUD "jitgate"

/* ---- fixtures ---- */

static char fx_dir[64];
static int fx_state;    /* 0 not tried, 1 ready, -1 failed */
static char *fx_es_key, *fx_rsa_key;
static size_t fx_es_len, fx_rsa_len;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void fx_cleanup(void)
{
	if (fx_dir[0])
		nftw(fx_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(fx_es_key);
	free(fx_rsa_key);
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[256], *buf = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "rb")))
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		if (len)
			*len = (size_t)n;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* dev_keys: runs `jitgate dev-keys DIR` with its stdout listing silenced. */
static int dev_keys(const char *dir)
{
	char *argv[] = { "dev-keys", (char *)dir, NULL };
	int saved, null, rc;

	fflush(stdout);
	saved = dup(1);
	null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	rc = jg_cmd_dev_keys(2, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(null);
	return rc;
}

static int fx_setup(void)
{
	char sub[96];

	if (fx_state)
		return fx_state > 0;
	fx_state = -1;
	snprintf(fx_dir, sizeof(fx_dir), "/tmp/jg-auth-XXXXXX");
	if (!mkdtemp(fx_dir)) {
		fx_dir[0] = '\0';
		return 0;
	}
	atexit(fx_cleanup);
	snprintf(sub, sizeof(sub), "%s/keys", fx_dir);
	if (dev_keys(sub) != 0)
		return 0;
	fx_es_key = slurp(sub, "signing-key.pem", &fx_es_len);
	fx_rsa_key = slurp(sub, "signing-key-rsa.pem", &fx_rsa_len);
	if (!fx_es_key || !fx_rsa_key)
		return 0;
	fx_state = 1;
	return 1;
}

static void cfg_init(struct jg_idcfg *cfg, const char *jwks)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->issuer, sizeof(cfg->issuer), ISS);
	snprintf(cfg->audience, sizeof(cfg->audience), AUD);
	snprintf(cfg->jwks_file, sizeof(cfg->jwks_file), "%s/%s", fx_dir, jwks);
	cfg->leeway = 60;
}

static struct jg_auth *auth_for(const char *jwks)
{
	struct jg_idcfg cfg;
	struct jg_auth *a = NULL;
	char err[256];

	cfg_init(&cfg, jwks);
	if (jg_auth_new(&a, &cfg, err, sizeof(err)) != JG_OK)
		fprintf(stderr, "jg_auth_new: %s\n", err);
	return a;
}

static void req_es(struct jg_token_req *r, int64_t now)
{
	memset(r, 0, sizeof(*r));
	r->key_pem = fx_es_key;
	r->key_len = fx_es_len;
	r->kid = "dev-es256";
	r->iss = ISS;
	r->aud = AUD;
	r->sub = "alice";
	r->groups = "dba,dev";
	r->now = now;
	r->ttl = 3600;
}

static void req_rs(struct jg_token_req *r, int64_t now)
{
	req_es(r, now);
	r->key_pem = fx_rsa_key;
	r->key_len = fx_rsa_len;
	r->kid = "dev-rs256";
}

/* noinline: once inlined, gcc 12 takes the returned pointer for one to the local it was stored
 * in (-Wdangling-pointer false positive). */
__attribute__((noinline)) static char *sign(const struct jg_token_req *r)
{
	char *tok = NULL, err[256];

	if (jg_token_sign(r, &tok, err, sizeof(err)) != JG_OK)
		fprintf(stderr, "jg_token_sign: %s\n", err);
	return tok;
}

/* refused: the token is refused with a reason containing want, short, and without the
 * signature part of the token. */
#define refused(a, tok, len, now, want) refused_at(__LINE__, a, tok, len, now, want)
static void refused_at(int line, struct jg_auth *a, const char *tok, size_t len, int64_t now,
                       const char *want)
{
	struct jg_identity id;
	char why[256];
	const char *sig = tok ? memrchr(tok, '.', len) : NULL;
	int rc;

	if (!tok) {
		fprintf(stderr, "test_auth.c:%d: no token\n", line);
		jg_unit_failures++;
		return;
	}
	memset(why, 0, sizeof(why));
	rc = jg_auth_verify(a, tok, len, now, &id, why, sizeof(why));
	if (rc != JG_ERR_AUTH || !strstr(why, want) || strlen(why) >= 200 || id.sub[0] ||
	    (sig && strlen(sig + 1) >= 8 && strstr(why, sig + 1))) {
		fprintf(stderr, "test_auth.c:%d: rc %d why \"%s\", expected a refusal with \"%s\"\n",
		        line, rc, why, want);
		jg_unit_failures++;
	}
}

static int verify(struct jg_auth *a, const char *tok, int64_t now, struct jg_identity *id)
{
	char why[256] = "";
	int rc = jg_auth_verify(a, tok, strlen(tok), now, id, why, sizeof(why));

	if (rc != JG_OK)
		fprintf(stderr, "verify refused: %s\n", why);
	return rc;
}

static char *b64(const void *data, size_t len)
{
	char *out = malloc(len * 2 + 4);

	if (out && jg_der_b64url_encode(out, len * 2 + 4, data, len) != JG_OK) {
		free(out);
		return NULL;
	}
	return out;
}

/* ---- DER and base64url ---- */

JG_TEST(auth_der_writer)
{
	uint8_t buf[512], big[300];
	struct jg_der d;
	size_t len, n;
	static const uint8_t top[] = { 0x80, 0x01 }, zeros[] = { 0, 0, 0x05 };
	uint8_t out[8];

	jg_der_init(&d, buf, sizeof(buf));
	jg_der_uint(&d, top, sizeof(top));      /* top bit set: 02 03 00 80 01 */
	jg_der_uint(&d, zeros, sizeof(zeros));  /* leading zeros dropped: 02 01 05 */
	CHECK_EQ_INT(jg_der_finish(&d, &len), JG_OK);
	CHECK_EQ_INT(len, 8);
	CHECK(memcmp(buf, "\x02\x03\x00\x80\x01\x02\x01\x05", 8) == 0);

	/* A SEQUENCE over 255 bytes needs a three-byte length (82 01 31). */
	memset(big, 0xaa, sizeof(big));
	jg_der_init(&d, buf, sizeof(buf));
	jg_der_begin(&d, JG_DER_SEQUENCE);
	jg_der_prim(&d, JG_DER_OCTET_STRING, big, sizeof(big));
	jg_der_end(&d);
	CHECK_EQ_INT(jg_der_finish(&d, &len), JG_OK);
	CHECK_EQ_INT(len, 4 + 4 + 300);
	CHECK(buf[0] == 0x30 && buf[1] == 0x82 && buf[2] == 0x01 && buf[3] == 0x30);

	/* Too small a buffer, or an unclosed SEQUENCE, is reported at the end. */
	jg_der_init(&d, buf, 100);
	jg_der_prim(&d, JG_DER_OCTET_STRING, big, sizeof(big));
	CHECK_EQ_INT(jg_der_finish(&d, &len), JG_ERR_TOOBIG);
	jg_der_init(&d, buf, sizeof(buf));
	jg_der_begin(&d, JG_DER_SEQUENCE);
	CHECK(jg_der_finish(&d, &len) != JG_OK);

	CHECK_EQ_INT(jg_der_b64url_decode(out, sizeof(out), &n, "AQAB", 4), JG_OK);
	CHECK(n == 3 && out[0] == 1 && out[1] == 0 && out[2] == 1);
	CHECK_EQ_INT(jg_der_b64url_decode(out, sizeof(out), &n, "AQAB=", 5), JG_ERR_PROTO);
	CHECK_EQ_INT(jg_der_b64url_decode(out, sizeof(out), &n, "A+/B", 4), JG_ERR_PROTO);
	CHECK_EQ_INT(jg_der_b64url_decode(out, sizeof(out), &n, "AR", 2), JG_ERR_PROTO); /* bits left */
	CHECK_EQ_INT(jg_der_b64url_decode(out, 2, &n, "AQAB", 4), JG_ERR_TOOBIG);
}

/* ---- dev-keys ---- */

JG_TEST(auth_dev_keys_certificates)
{
	char cmd[1024], path[128];
	struct stat st;
	char *ca, *cacert;

	if (!fx_setup()) {
		CHECK(!"fixture setup failed");
		return;
	}
	snprintf(cmd, sizeof(cmd),
	         "cd '%s/keys' && openssl verify -x509_strict -CAfile ca.pem tls-cert.pem client-cert.pem"
	         " >/dev/null && openssl x509 -in tls-cert.pem -noout -text | grep -q 'DNS:localhost, IP"
	         " Address:127.0.0.1' && openssl x509 -in tls-cert.pem -noout -text | grep -q 'TLS Web "
	         "Server Authentication' && openssl x509 -in client-cert.pem -noout -text | grep -q "
	         "'TLS Web Client Authentication' && openssl x509 -in ca.pem -noout -text | grep -q "
	         "'CA:TRUE' && openssl pkey -in tls-key.pem -noout && openssl pkey -in "
	         "signing-key-rsa.pem -noout && openssl pkey -in client-key.pem -noout", fx_dir);
	CHECK_EQ_INT(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/keys/tls-key.pem", fx_dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(path, sizeof(path), "%s/keys/signing-key-rsa.pem", fx_dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(path, sizeof(path), "%s/keys", fx_dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
	snprintf(path, sizeof(path), "%s/keys", fx_dir);
	ca = slurp(path, "ca.pem", NULL);
	cacert = slurp(path, "cacert.pem", NULL);
	CHECK(ca && cacert && strcmp(ca, cacert) == 0);
	free(ca);
	free(cacert);
}

/* ---- accepted tokens ---- */

JG_TEST(auth_valid_es256)
{
	struct jg_token_req r;
	struct jg_identity id;
	struct jg_auth *a;
	int64_t now = time(NULL);
	uint8_t sig[128];
	size_t n;
	char *tok;

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	req_es(&r, now);
	tok = sign(&r);
	CHECK(tok != NULL);
	if (tok) {
		CHECK_EQ_INT(verify(a, tok, now, &id), JG_OK);
		CHECK_EQ_STR(id.sub, "alice");
		CHECK_EQ_STR(id.iss, ISS);
		CHECK_EQ_STR(id.kid, "dev-es256");
		CHECK_EQ_STR(id.alg, "ES256");
		CHECK_EQ_STR(id.groups, "dba,dev");
		CHECK_EQ_INT(strlen(id.jti), 32);
		CHECK_EQ_INT(id.exp, now + 3600);
		CHECK_EQ_INT(id.nbf, 0);
		/* libjwt 1.10 writes JOSE r||s (RFC 7518 3.4), not a DER ECDSA signature. */
		CHECK_EQ_INT(jg_der_b64url_decode(sig, sizeof(sig), &n, strrchr(tok, '.') + 1,
		                              strlen(strrchr(tok, '.') + 1)), JG_OK);
		CHECK_EQ_INT(n, 64);
	}
	free(tok);
	jg_auth_free(a);
}

JG_TEST(auth_valid_rs256)
{
	struct jg_token_req r;
	struct jg_identity id;
	struct jg_auth *a;
	int64_t now = time(NULL);
	char *tok;

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	req_rs(&r, now);
	r.sub = "bob@example.com";
	r.groups = NULL;
	r.has_nbf = 1;
	r.nbf_offset = -5;
	tok = sign(&r);
	CHECK(tok && verify(a, tok, now, &id) == JG_OK);
	CHECK_EQ_STR(id.sub, "bob@example.com");
	CHECK_EQ_STR(id.alg, "RS256");
	CHECK_EQ_STR(id.kid, "dev-rs256");
	CHECK_EQ_STR(id.groups, "");
	CHECK_EQ_INT(id.nbf, now - 5);
	free(tok);
	jg_auth_free(a);
}

/* ---- time ---- */

JG_TEST(auth_time_claims)
{
	struct jg_token_req r;
	struct jg_identity id;
	struct jg_auth *a;
	int64_t now = time(NULL);
	char *tok, why[256], when[32];
	time_t exp;

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	/* expired, with the time said in UTC */
	req_es(&r, now);
	r.ttl = -3600;
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "expired at ");
	refused(a, tok, strlen(tok), now, "get a new token");
	exp = (time_t)(now - 3600);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&exp));
	jg_auth_verify(a, tok, strlen(tok), now, &id, why, sizeof(why));
	CHECK(strstr(why, when) != NULL);
	free(tok);

	/* within the leeway (60 s) both ways, and just past it */
	r.ttl = -59;
	tok = sign(&r);
	CHECK_EQ_INT(verify(a, tok, now, &id), JG_OK);
	free(tok);
	r.ttl = -60;
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "expired");
	free(tok);

	r.ttl = 3600;
	r.has_nbf = 1;
	r.nbf_offset = 600;
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "not valid before");
	CHECK_EQ_INT(verify(a, tok, now + 600, &id), JG_OK);
	free(tok);
	r.nbf_offset = 50;
	tok = sign(&r);
	CHECK_EQ_INT(verify(a, tok, now, &id), JG_OK);
	free(tok);

	/* issued in the future */
	r.has_nbf = 0;
	r.now = now + 300;
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "issued in the future");
	free(tok);

	/* no exp at all, or a string where a number belongs */
	r.now = now;
	r.no_exp = 1;
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "no expiry");
	free(tok);
	r.claims_json = "{\"exp\": \"tomorrow\"}";
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "\"exp\" is not a number");
	free(tok);
	jg_auth_free(a);
}

/* ---- issuer, audience, subject, groups ---- */

JG_TEST(auth_issuer_audience)
{
	struct jg_token_req r;
	struct jg_identity id;
	struct jg_auth *a;
	int64_t now = time(NULL);
	char *tok, longiss[400];

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	req_es(&r, now);
	r.iss = "https://evil.example/\x01";
	tok = sign(&r);
	refused(a, tok, strlen(tok), now,
	        "token issuer \"https://evil.example/\\x01\" is not \"https://idp.example\"");
	free(tok);

	/* an issuer of any length still makes a short reason (refused() checks < 200) */
	memset(longiss, 'x', sizeof(longiss) - 1);
	longiss[sizeof(longiss) - 1] = '\0';
	r.iss = longiss;
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "xxx...\" is not \"https://idp.example\"");
	free(tok);

	req_es(&r, now);
	r.aud = "other";
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "token audience \"other\" is not \"jitgate\"");
	free(tok);

	r.aud = NULL;
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "no audience");
	free(tok);

	r.claims_json = "{\"aud\": [\"other\", \"jitgate\"]}";
	tok = sign(&r);
	CHECK_EQ_INT(verify(a, tok, now, &id), JG_OK);
	free(tok);
	r.claims_json = "{\"aud\": [\"other\", \"jitgate2\"]}";
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "do not include \"jitgate\"");
	free(tok);
	jg_auth_free(a);
}

JG_TEST(auth_subject_and_groups)
{
	struct jg_token_req r;
	struct jg_identity id;
	struct jg_auth *a;
	int64_t now = time(NULL);
	char *tok, longsub[301];

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	req_es(&r, now);
	r.sub = NULL;
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "no \"sub\"");
	free(tok);

	memset(longsub, 's', 300);
	longsub[300] = '\0';
	r.sub = longsub;
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "\"sub\" is longer than 255 bytes");
	free(tok);

	/* groups as one string, separated by spaces or commas */
	req_es(&r, now);
	r.groups = NULL;
	r.claims_json = "{\"groups\": \"read write,admin\"}";
	tok = sign(&r);
	CHECK(verify(a, tok, now, &id) == JG_OK && strcmp(id.groups, "read,write,admin") == 0);
	free(tok);

	r.claims_json = "{\"groups\": [\"ok\", \"a,b\"]}";
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "group \"a,b\" contains a comma");
	free(tok);

	r.claims_json = "{\"groups\": [\"ok\", \"bad\\u0007\"]}";
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "non-printable");
	free(tok);

	r.claims_json = "{\"groups\": [\"ok\", 7]}";
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "non-string group");
	free(tok);
	jg_auth_free(a);
}

/* ---- keys and signatures ---- */

JG_TEST(auth_key_selection)
{
	struct jg_token_req r;
	struct jg_auth *a;
	int64_t now = time(NULL);
	char *tok;

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	req_es(&r, now);
	r.kid = "k9";
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "unknown key id \"k9\"");
	free(tok);

	r.kid = NULL;   /* two keys in the JWKS: a kid is needed */
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "no key id");
	free(tok);

	/* RS256 header naming the EC key */
	req_rs(&r, now);
	r.kid = "dev-es256";
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "does not fit key \"dev-es256\"");
	free(tok);
	jg_auth_free(a);
}

JG_TEST(auth_bad_signature)
{
	struct jg_token_req r;
	struct jg_auth *a;
	int64_t now = time(NULL);
	char *tok, *sig;
	size_t len;

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	req_es(&r, now);
	tok = sign(&r);
	len = strlen(tok);
	sig = strrchr(tok, '.') + 1;
	sig[10] = sig[10] == 'A' ? 'B' : 'A';   /* middle of the signature: changes r */
	refused(a, tok, len, now, "token signature does not verify");
	free(tok);

	req_rs(&r, now);
	tok = sign(&r);
	sig = strrchr(tok, '.') + 1;
	sig[100] = sig[100] == 'A' ? 'B' : 'A';
	refused(a, tok, strlen(tok), now, "token signature does not verify");
	free(tok);
	jg_auth_free(a);
}

JG_TEST(auth_tampered_payload)
{
	struct jg_token_req r;
	struct jg_auth *a;
	int64_t now = time(NULL);
	char *tok, *p1, *p2, *enc, out[4096];
	uint8_t pay[2048];
	size_t n;
	char *at;

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	req_es(&r, now);
	tok = sign(&r);
	p1 = strchr(tok, '.') + 1;
	p2 = strchr(p1, '.');
	CHECK_EQ_INT(jg_der_b64url_decode(pay, sizeof(pay) - 1, &n, p1, (size_t)(p2 - p1)), JG_OK);
	pay[n] = '\0';
	at = strstr((char *)pay, "\"alice\"");
	CHECK(at != NULL);
	if (at)
		memcpy(at, "\"admin\"", 7);     /* same length, keep the signature */
	enc = b64(pay, n);
	snprintf(out, sizeof(out), "%.*s.%s%s", (int)(p1 - 1 - tok), tok, enc, p2);
	refused(a, out, strlen(out), now, "token signature does not verify");
	free(enc);
	free(tok);
	jg_auth_free(a);
}

/* rsa_pem: the key's SubjectPublicKeyInfo as PEM, the form a libjwt user hands to jwt_decode. */
static char *rsa_pem(const struct jg_jwk *k, size_t *len)
{
	uint8_t der[1200];
	struct jg_der d;
	size_t n;

	jg_der_init(&d, der, sizeof(der));
	jg_der_spki_rsa(&d, k->rsa.n, k->rsa.nlen, k->rsa.e, k->rsa.elen);
	if (jg_der_finish(&d, &n) != JG_OK)
		return NULL;
	return jg_der_pem_encode(der, n, "PUBLIC KEY", len);
}

JG_TEST(auth_alg_none_and_hmac_confusion)
{
	struct jg_token_req r;
	struct jg_auth *a;
	struct jg_jwks *ks = NULL;
	const struct jg_jwk *rsa;
	int64_t now = time(NULL);
	char *tok, *h, *p, out[4096], err[256], *s;
	const char *hdr;
	br_hmac_key_context kc;
	br_hmac_context hc;
	uint8_t mac[32];
	jwt_t *jwt = NULL;
	char path[128], *pem;
	size_t pem_len;

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	req_rs(&r, now);
	tok = sign(&r);
	p = strchr(tok, '.') + 1;
	*strchr(p, '.') = '\0';                 /* tok now ends with the payload */

	/* alg none with an empty signature */
	hdr = "{\"alg\":\"none\",\"kid\":\"dev-rs256\",\"typ\":\"JWT\"}";
	h = b64(hdr, strlen(hdr));
	snprintf(out, sizeof(out), "%s.%s.", h, p);
	refused(a, out, strlen(out), now, "algorithm \"none\" is not accepted (accepted: RS256, ES256)");
	free(h);

	/* HS256 whose secret is the RSA public key PEM, as a libjwt user would hand it over */
	hdr = "{\"alg\":\"HS256\",\"kid\":\"dev-rs256\",\"typ\":\"JWT\"}";
	h = b64(hdr, strlen(hdr));
	snprintf(path, sizeof(path), "%s/keys/jwks.json", fx_dir);
	CHECK_EQ_INT(jg_jwks_load(path, &ks, err, sizeof(err)), JG_OK);
	rsa = ks ? jg_jwks_find(ks, "dev-rs256") : NULL;
	CHECK(rsa != NULL);
	if (rsa && (pem = rsa_pem(rsa, &pem_len))) {
		snprintf(out, sizeof(out), "%s.%s", h, p);
		br_hmac_key_init(&kc, &br_sha256_vtable, pem, pem_len);
		br_hmac_init(&hc, &kc, 0);
		br_hmac_update(&hc, out, strlen(out));
		br_hmac_out(&hc, mac);
		s = b64(mac, sizeof(mac));
		strcat(out, ".");
		strcat(out, s);
		free(s);
		/* The forgery is real: libjwt alone accepts it (SECURITY-NOTES.md). */
		CHECK_EQ_INT(jwt_decode(&jwt, out, (const unsigned char *)pem, (int)pem_len), 0);
		if (jwt)
			jwt_free(jwt);
		free(pem);
		refused(a, out, strlen(out), now, "algorithm \"HS256\" is not accepted (accepted: RS256, ES256)");
	}
	jg_jwks_free(ks);
	free(h);
	free(tok);
	jg_auth_free(a);
}

JG_TEST(auth_malformed)
{
	struct jg_token_req r;
	struct jg_auth *a;
	int64_t now = time(NULL);
	static const char *const bad[] = {
		"", "hunter2", "a.b", "a.b.c", "....", "eyJhbGciOiJFUzI1NiJ9", "e30.e30.e30",
		"eyJhbGciOiJFUzI1NiJ9..sig", "eyJhbGciOiJFUzI1NiJ9.e30.sig.x", "!!!.e30.e30",
		"eyJhbGciOiJFUzI1NiIsImFsZyI6IkVTMjU2In0.e30.e30",   /* duplicate "alg" */
	};
	char big[JG_TOKEN_MAX + 64], nul[] = "e30\0.e30.e30", *tok;
	size_t i;

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	for (i = 0; i < JG_ARRAY_LEN(bad); i++)
		refused(a, bad[i], strlen(bad[i]), now, "token");
	refused(a, "hunter2", 7, now, "token is not a JWT");
	refused(a, "e30.e30.e30", 11, now, "no \"alg\"");
	refused(a, nul, sizeof(nul) - 1, now, "token is not a JWT");

	/* one byte over the bound, refused before parsing; a large claim under it is fine */
	memset(big, 'A', sizeof(big));
	refused(a, big, JG_TOKEN_MAX + 1, now, "token is longer than 16384 bytes");
	{
		static char claim[JG_TOKEN_MAX];
		const char *claims[1] = { claim };
		struct jg_identity id;

		req_es(&r, now);
		snprintf(claim, sizeof(claim), "pad=%0*d", 17000 * 3 / 4 - 4, 0);
		r.claims = claims;
		r.nclaims = 1;
		tok = sign(&r);
		CHECK(tok && strlen(tok) > JG_TOKEN_MAX);
		refused(a, tok, strlen(tok), now, "token is longer than 16384 bytes");
		free(tok);
		snprintf(claim, sizeof(claim), "pad=%0*d", 10000, 0);
		tok = sign(&r);
		CHECK(tok && verify(a, tok, now, &id) == JG_OK);
		free(tok);
	}
	jg_auth_free(a);
}

/* ---- hand-signed tokens: headers libjwt would never write ---- */

struct pem_der {
	uint8_t data[4096];
	size_t len;
};

static void pem_der_append(void *ctx, const void *src, size_t len)
{
	struct pem_der *b = ctx;

	if (len <= sizeof(b->data) - b->len) {
		memcpy(b->data + b->len, src, len);
		b->len += len;
	}
}

/* hand_es256: header.payload signed with the fixture's EC key by BearSSL (raw r||s), as an
 * issuer other than libjwt would. Returns a malloc'd token or NULL. */
static char *hand_es256(const char *header, const char *payload)
{
	br_pem_decoder_context pc;
	br_skey_decoder_context kc;
	br_sha256_context h;
	struct pem_der der = { .len = 0 };
	const char *p = fx_es_key;
	size_t left = fx_es_len, used, siglen;
	uint8_t hash[32], sig[132];
	char *hb = b64(header, strlen(header)), *pb = b64(payload, strlen(payload)), *out = NULL;
	char s64[200];
	int ev;

	br_pem_decoder_init(&pc);
	while (left) {
		used = br_pem_decoder_push(&pc, p, left);
		p += used;
		left -= used;
		ev = br_pem_decoder_event(&pc);
		if (ev == BR_PEM_BEGIN_OBJ)
			br_pem_decoder_setdest(&pc, pem_der_append, &der);
		if (ev == BR_PEM_END_OBJ || ev == BR_PEM_ERROR)
			break;
	}
	br_skey_decoder_init(&kc);
	br_skey_decoder_push(&kc, der.data, der.len);
	if (!hb || !pb || !br_skey_decoder_get_ec(&kc) || !(out = malloc(strlen(hb) + strlen(pb) + 200)))
		goto done;
	sprintf(out, "%s.%s", hb, pb);
	br_sha256_init(&h);
	br_sha256_update(&h, out, strlen(out));
	br_sha256_out(&h, hash);
	siglen = br_ecdsa_i31_sign_raw(br_ec_get_default(), &br_sha256_vtable, hash,
	                               br_skey_decoder_get_ec(&kc), sig);
	if (!siglen || jg_der_b64url_encode(s64, sizeof(s64), sig, siglen) != JG_OK) {
		free(out);
		out = NULL;
		goto done;
	}
	strcat(out, ".");
	strcat(out, s64);
done:
	free(hb);
	free(pb);
	return out;
}

JG_TEST(auth_hand_signed_headers)
{
	struct jg_identity id;
	struct jg_auth *a;
	int64_t now = time(NULL);
	char payload[256], *tok;

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	snprintf(payload, sizeof(payload), "{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"carol\","
	         "\"exp\":%lld,\"groups\":[\"ops\"]}", ISS, AUD, (long long)now + 60);
	/* a foreign signer's r||s verifies, and typ is optional */
	tok = hand_es256("{\"alg\":\"ES256\",\"kid\":\"dev-es256\"}", payload);
	CHECK(tok && verify(a, tok, now, &id) == JG_OK && strcmp(id.sub, "carol") == 0);
	free(tok);
	tok = hand_es256("{\"alg\":\"ES256\",\"kid\":\"dev-es256\",\"typ\":\"at+jwt\"}", payload);
	refused(a, tok, tok ? strlen(tok) : 0, now, "token type \"at+jwt\" is not supported");
	free(tok);
	tok = hand_es256("{\"alg\":\"ES256\",\"kid\":\"dev-es256\",\"crit\":[\"b64\"],\"b64\":false}",
	                 payload);
	refused(a, tok, tok ? strlen(tok) : 0, now, "\"crit\"");
	free(tok);
	/* the kid in a reason is escaped */
	tok = hand_es256("{\"alg\":\"ES256\",\"kid\":\"k\\n9\"}", payload);
	refused(a, tok, tok ? strlen(tok) : 0, now, "unknown key id \"k\\x0a9\"");
	free(tok);
	jg_auth_free(a);
}

/* ---- JWKS file and reload ---- */

static int write_text(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fx_dir, name);
	if (!(f = fopen(path, "w")))
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* jwks_with: the fixture's keys/jwks.json plus extra keys from other/jwks.json renamed to kids
 * (NULL entries are left out), written to name. */
static int jwks_with(const char *name, const char *kid_es, const char *kid_rs)
{
	char path[128];
	json_t *base, *other, *k;
	int rc;

	snprintf(path, sizeof(path), "%s/keys/jwks.json", fx_dir);
	base = json_load_file(path, 0, NULL);
	snprintf(path, sizeof(path), "%s/other/jwks.json", fx_dir);
	other = json_load_file(path, 0, NULL);
	if (!base || !other)
		return -1;
	if (kid_es) {
		k = json_array_get(json_object_get(other, "keys"), 0);
		json_object_set_new(k, "kid", json_string(kid_es));
		json_array_append(json_object_get(base, "keys"), k);
	}
	if (kid_rs) {
		k = json_array_get(json_object_get(other, "keys"), 1);
		json_object_set_new(k, "kid", json_string(kid_rs));
		json_array_append(json_object_get(base, "keys"), k);
	}
	snprintf(path, sizeof(path), "%s/%s", fx_dir, name);
	rc = json_dump_file(base, path, 0);
	json_decref(base);
	json_decref(other);
	return rc;
}

JG_TEST(auth_jwks_reload)
{
	struct jg_token_req r;
	struct jg_identity id;
	struct jg_auth *a = NULL;
	char path[128], *es2 = NULL, *rs2 = NULL, *t1 = NULL, *t2 = NULL;
	size_t es2_len = 0, rs2_len = 0;
	int64_t t0;

	if (!fx_setup()) {
		CHECK(!"fixture setup failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/other", fx_dir);
	CHECK_EQ_INT(dev_keys(path), 0);
	es2 = slurp(path, "signing-key.pem", &es2_len);
	rs2 = slurp(path, "signing-key-rsa.pem", &rs2_len);
	CHECK_EQ_INT(jwks_with("rotating.json", NULL, NULL), 0);
	if (!es2 || !rs2 || !(a = auth_for("rotating.json")))
		goto out;
	t0 = time(NULL);
	jg_log_level = JG_LOG_WARN;     /* quiet the "re-read" lines */

	req_es(&r, t0);
	r.key_pem = es2;
	r.key_len = es2_len;
	r.kid = "new-es256";
	t1 = sign(&r);
	req_rs(&r, t0);
	r.key_pem = rs2;
	r.key_len = rs2_len;
	r.kid = "new-rs256";
	t2 = sign(&r);

	/* The file gains a key, but it was read less than JG_JWKS_RELOAD_MIN seconds ago. */
	CHECK_EQ_INT(jwks_with("rotating.json", "new-es256", NULL), 0);
	refused(a, t1, strlen(t1), t0, "unknown key id \"new-es256\"");
	refused(a, t1, strlen(t1), t0 + JG_JWKS_RELOAD_MIN - 2, "unknown key id");
	CHECK_EQ_INT(verify(a, t1, t0 + JG_JWKS_RELOAD_MIN + 1, &id), JG_OK);
	CHECK_EQ_STR(id.kid, "new-es256");

	/* A second new key: the last read was just now, so again only after the interval. */
	CHECK_EQ_INT(jwks_with("rotating.json", "new-es256", "new-rs256"), 0);
	refused(a, t2, strlen(t2), t0 + JG_JWKS_RELOAD_MIN + 10, "unknown key id \"new-rs256\"");
	CHECK_EQ_INT(verify(a, t2, t0 + 2 * JG_JWKS_RELOAD_MIN + 2, &id), JG_OK);
	/* the old keys are still there */
	req_es(&r, t0);
	free(t1);
	t1 = sign(&r);
	CHECK_EQ_INT(verify(a, t1, t0 + 2 * JG_JWKS_RELOAD_MIN + 2, &id), JG_OK);

	/* A file broken at reload time: the keys we have stay in use. */
	CHECK_EQ_INT(write_text("rotating.json", "{\"keys\": ["), 0);
	r.kid = "nope";
	free(t1);
	t1 = sign(&r);
	jg_log_level = JG_LOG_ERR;
	refused(a, t1, strlen(t1), t0 + 4 * JG_JWKS_RELOAD_MIN, "unknown key id \"nope\"");
	CHECK_EQ_INT(verify(a, t2, t0 + 4 * JG_JWKS_RELOAD_MIN + 1, &id), JG_OK);
out:
	jg_log_level = JG_LOG_INFO;
	free(t1);
	free(t2);
	free(es2);
	free(rs2);
	jg_auth_free(a);
}

/* jwks_pick: keys/jwks.json with only the keys whose kid is listed (NULL-terminated), the
 * key kid_swap (if any) replaced by the same-named key of dir's jwks.json, written to name. */
static int jwks_pick(const char *name, const char *const *kids, const char *kid_swap,
                     const char *dir)
{
	char path[160];
	json_t *base, *out, *keys, *k, *other = NULL;
	size_t i, j;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/keys/jwks.json", fx_dir);
	if (!(base = json_load_file(path, 0, NULL)))
		return -1;
	if (kid_swap) {
		snprintf(path, sizeof(path), "%s/%s/jwks.json", fx_dir, dir);
		if (!(other = json_load_file(path, 0, NULL)))
			goto out;
	}
	out = json_object();
	keys = json_array();
	json_object_set_new(out, "keys", keys);
	json_array_foreach(json_object_get(base, "keys"), i, k) {
		const char *kid = json_string_value(json_object_get(k, "kid"));

		for (j = 0; kids[j] && strcmp(kids[j], kid) != 0; j++)
			;
		if (!kids[j])
			continue;
		if (kid_swap && strcmp(kid, kid_swap) == 0) {
			k = json_array_get(json_object_get(other, "keys"), i);
			json_object_set_new(k, "kid", json_string(kid));
		}
		json_array_append(keys, k);
	}
	snprintf(path, sizeof(path), "%s/%s", fx_dir, name);
	rc = json_dump_file(out, path, 0);
	json_decref(out);
out:
	json_decref(other);
	json_decref(base);
	return rc;
}

/* A key removed from the JWKS file: seen at the next refresh (the file changed), tokens it signed
 * are refused even when remembered, the epoch moves on and the key is no longer live; the keys
 * that stay keep their serials. A key whose bytes change under the same kid counts as removed. */
JG_TEST(auth_jwks_key_removed)
{
	static const char *const both[] = { "dev-es256", "dev-rs256", NULL };
	static const char *const rs_only[] = { "dev-rs256", NULL };
	struct jg_token_req r;
	struct jg_identity ida, idb, id;
	struct jg_auth *a = NULL;
	char path[128], *ta = NULL, *tb = NULL;
	uint64_t e0, e1;
	int64_t t0 = time(NULL);

	if (!fx_setup()) {
		CHECK(!"fixture setup failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/swap", fx_dir);
	CHECK_EQ_INT(dev_keys(path), 0);
	CHECK_EQ_INT(jwks_pick("removal.json", both, NULL, NULL), 0);
	if (!(a = auth_for("removal.json")))
		goto out;
	jg_log_level = JG_LOG_WARN;
	req_es(&r, t0);
	ta = sign(&r);
	req_rs(&r, t0);
	tb = sign(&r);
	if (!ta || !tb)
		goto out;
	CHECK_EQ_INT(verify(a, ta, t0, &ida), JG_OK);
	CHECK_EQ_INT(verify(a, tb, t0, &idb), JG_OK);
	CHECK(ida.key_serial && idb.key_serial && ida.key_serial != idb.key_serial);
	e0 = jg_auth_epoch(a);
	CHECK_EQ_INT((int)(ida.keys_epoch == e0), 1);
	CHECK_EQ_INT(jg_auth_refresh(a, 0, "test"), 0);         /* unchanged: not read */

	CHECK_EQ_INT(jwks_pick("removal.json", rs_only, NULL, NULL), 0);
	CHECK_EQ_INT(jg_auth_refresh(a, 0, "test"), 1);
	e1 = jg_auth_epoch(a);
	CHECK(e1 != e0);
	CHECK_EQ_INT(jg_auth_key_live(a, ida.key_serial), 0);
	CHECK_EQ_INT(jg_auth_key_live(a, idb.key_serial), 1);
	/* remembered before the removal, refused after it (an unknown kid re-reads no sooner) */
	refused(a, ta, strlen(ta), t0, "unknown key id \"dev-es256\"");
	CHECK_EQ_INT(verify(a, tb, t0, &id), JG_OK);
	CHECK_EQ_INT((int)(id.key_serial == idb.key_serial && id.keys_epoch == e1), 1);

	/* The key comes back: nothing removed, the epoch stays, B keeps its serial. */
	CHECK_EQ_INT(jwks_pick("removal.json", both, NULL, NULL), 0);
	CHECK_EQ_INT(jg_auth_refresh(a, 0, "test"), 1);
	CHECK_EQ_INT((int)(jg_auth_epoch(a) == e1), 1);
	CHECK_EQ_INT(jg_auth_key_live(a, idb.key_serial), 1);
	CHECK_EQ_INT(verify(a, ta, t0, &id), JG_OK);
	CHECK_EQ_INT(jg_auth_key_live(a, id.key_serial), 1);
	ida = id;

	/* Forced (SIGHUP) with the file unchanged: read again, nothing removed. */
	CHECK_EQ_INT(jg_auth_refresh(a, 1, "test"), 1);
	CHECK_EQ_INT((int)(jg_auth_epoch(a) == e1), 1);
	CHECK_EQ_INT(jg_auth_key_live(a, ida.key_serial), 1);

	/* Other bytes under kid dev-es256: the old key is removed, its tokens no longer verify. */
	CHECK_EQ_INT(jwks_pick("removal.json", both, "dev-es256", "swap"), 0);
	CHECK_EQ_INT(jg_auth_refresh(a, 0, "test"), 1);
	CHECK((int)(jg_auth_epoch(a) != e1));
	CHECK_EQ_INT(jg_auth_key_live(a, ida.key_serial), 0);
	CHECK_EQ_INT(jg_auth_key_live(a, idb.key_serial), 1);
	refused(a, ta, strlen(ta), t0, "signature does not verify");

	/* A broken file keeps the keys in force; the next good one is read. */
	CHECK_EQ_INT(write_text("removal.json", "{\"keys\": ["), 0);
	jg_log_level = JG_LOG_ERR;
	CHECK_EQ_INT(jg_auth_refresh(a, 0, "test"), 0);
	CHECK_EQ_INT(jg_auth_refresh(a, 0, "test"), 0);
	CHECK_EQ_INT(jg_auth_key_live(a, idb.key_serial), 1);
	CHECK_EQ_INT(verify(a, tb, t0, &id), JG_OK);
out:
	jg_log_level = JG_LOG_INFO;
	free(ta);
	free(tb);
	jg_auth_free(a);
}

JG_TEST(auth_jwks_config_errors)
{
	struct jg_idcfg cfg;
	struct jg_auth *a = NULL;
	char err[512];

	if (!fx_setup()) {
		CHECK(!"fixture setup failed");
		return;
	}
	jg_log_level = JG_LOG_ERR;      /* the skipped keys are logged as warnings */
	CHECK_EQ_INT(write_text("nokeys.json",
	             "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\", \"kid\": \"h\"},"
	             " {\"kty\": \"RSA\", \"use\": \"enc\", \"kid\": \"e\","
	             "  \"n\": \"AQAB\", \"e\": \"AQAB\"},"
	             " {\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"off\","
	             "  \"x\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
	             "  \"y\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"}]}"), 0);
	cfg_init(&cfg, "nokeys.json");
	CHECK_EQ_INT(jg_auth_new(&a, &cfg, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "nokeys.json") && strstr(err, "no usable signing key"));
	CHECK(a == NULL);

	cfg_init(&cfg, "missing.json");
	CHECK_EQ_INT(jg_auth_new(&a, &cfg, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "missing.json") != NULL);

	CHECK_EQ_INT(write_text("broken.json", "{\"keys\": [}"), 0);
	cfg_init(&cfg, "broken.json");
	CHECK_EQ_INT(jg_auth_new(&a, &cfg, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "broken.json") && strstr(err, "line 1"));

	cfg_init(&cfg, "keys/jwks.json");
	cfg.issuer[0] = '\0';
	CHECK_EQ_INT(jg_auth_new(&a, &cfg, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "issuer") != NULL);
	jg_log_level = JG_LOG_INFO;
}

JG_TEST(auth_parse_algs)
{
	unsigned algs = 0;
	char err[256];

	CHECK_EQ_INT(jg_auth_parse_algs("RS256,ES256", &algs, err, sizeof(err)), JG_OK);
	CHECK_EQ_INT(algs, JG_ALG_RS256 | JG_ALG_ES256);
	CHECK_EQ_INT(jg_auth_parse_algs(" ES384 , RS512", &algs, err, sizeof(err)), JG_OK);
	CHECK_EQ_INT(algs, JG_ALG_ES384 | JG_ALG_RS512);
	CHECK_EQ_INT(jg_auth_parse_algs("RS256,HS256", &algs, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "HS256") && strstr(err, "asymmetric"));
	CHECK_EQ_INT(jg_auth_parse_algs("none", &algs, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK_EQ_INT(jg_auth_parse_algs("RS256,PS256", &algs, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK(strstr(err, "PS256") != NULL);
	CHECK_EQ_INT(jg_auth_parse_algs("rs256", &algs, err, sizeof(err)), JG_ERR_CONFIG);
	CHECK_EQ_INT(jg_auth_parse_algs("", &algs, err, sizeof(err)), JG_ERR_CONFIG);
}

JG_TEST(auth_pinned_algs)
{
	struct jg_idcfg cfg;
	struct jg_token_req r;
	struct jg_auth *a = NULL;
	struct jg_identity id;
	int64_t now = time(NULL);
	char err[256], *tok;

	if (!fx_setup()) {
		CHECK(!"fixture setup failed");
		return;
	}
	cfg_init(&cfg, "keys/jwks.json");
	cfg.algs = JG_ALG_ES256;
	CHECK_EQ_INT(jg_auth_new(&a, &cfg, err, sizeof(err)), JG_OK);
	if (!a)
		return;
	req_rs(&r, now);
	tok = sign(&r);
	refused(a, tok, strlen(tok), now, "algorithm \"RS256\" is not accepted (accepted: ES256)");
	free(tok);
	req_es(&r, now);
	tok = sign(&r);
	CHECK_EQ_INT(verify(a, tok, now, &id), JG_OK);
	free(tok);
	jg_auth_free(a);
}

/* ---- concurrency: verifying threads while another forces reloads ---- */

struct race {
	struct jg_auth *a;
	const char *tok;
	int64_t now;
	int failures;
};

static void *race_verify(void *arg)
{
	struct race *rc = arg;
	struct jg_identity id;
	char why[256];
	int i;

	for (i = 0; i < 300; i++)
		if (jg_auth_verify(rc->a, rc->tok, strlen(rc->tok), rc->now, &id, why, sizeof(why)))
			rc->failures++;
	return NULL;
}

JG_TEST(auth_concurrent_reload)
{
	struct jg_token_req r;
	struct jg_identity id;
	struct jg_auth *a;
	struct race rc[4];
	pthread_t th[4];
	int64_t now = time(NULL);
	char *tok, *unknown, why[256];
	int i;

	if (!fx_setup() || !(a = auth_for("keys/jwks.json"))) {
		CHECK(!"fixture setup failed");
		return;
	}
	req_es(&r, now);
	tok = sign(&r);
	r.kid = "nope";
	unknown = sign(&r);
	jg_log_level = JG_LOG_WARN;
	for (i = 0; i < 4; i++) {
		rc[i] = (struct race){ a, tok, now, 0 };
		pthread_create(&th[i], NULL, race_verify, &rc[i]);
	}
	/* Each call is past the interval, so each one re-reads the file and swaps the key set. */
	for (i = 1; i <= 50; i++)
		jg_auth_verify(a, unknown, strlen(unknown), now + i * JG_JWKS_RELOAD_MIN, &id, why,
		               sizeof(why));
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_EQ_INT(rc[i].failures, 0);
	}
	jg_log_level = JG_LOG_INFO;
	free(tok);
	free(unknown);
	jg_auth_free(a);
}

/* The verified-token cache: it saves the signature check on a reconnect, but never extends a
 * token's life and never outlives the key that signed it. */
JG_TEST(auth_cache_keeps_checks)
{
	struct jg_token_req r;
	struct jg_identity id;
	struct jg_auth *a = NULL;
	char path[128], *es2 = NULL, *t1 = NULL, *nope = NULL;
	size_t es2_len = 0;
	int64_t t0 = time(NULL);

	if (!fx_setup()) {
		CHECK(!"fixture setup failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/other", fx_dir);     /* where jwks_with takes new keys */
	CHECK_EQ_INT(dev_keys(path), 0);
	es2 = slurp(path, "signing-key.pem", &es2_len);
	CHECK_EQ_INT(jwks_with("cache.json", "new-es256", NULL), 0);
	if (!es2 || !(a = auth_for("cache.json")))
		goto out;
	jg_log_level = JG_LOG_WARN;
	req_es(&r, t0);
	r.key_pem = es2;
	r.key_len = es2_len;
	r.kid = "new-es256";
	t1 = sign(&r);
	CHECK_EQ_INT(verify(a, t1, t0, &id), JG_OK);
	CHECK_EQ_INT(verify(a, t1, t0 + 1, &id), JG_OK);      /* from the cache */
	CHECK_EQ_STR(id.sub, "alice");
	CHECK_EQ_STR(id.groups, "dba,dev");
	CHECK_EQ_STR(id.kid, "new-es256");
	/* past exp + leeway the cached identity is no good either */
	refused(a, t1, strlen(t1), t0 + 3600 + 60, "expired");

	/* the key leaves the JWKS: once the set is re-read, the cached identity goes with it */
	CHECK_EQ_INT(jwks_with("cache.json", NULL, NULL), 0);
	req_es(&r, t0);
	r.kid = "nope";
	nope = sign(&r);
	refused(a, nope, strlen(nope), t0 + JG_JWKS_RELOAD_MIN + 1, "unknown key id \"nope\"");
	refused(a, t1, strlen(t1), t0 + JG_JWKS_RELOAD_MIN + 2, "unknown key id \"new-es256\"");
out:
	jg_log_level = JG_LOG_INFO;
	free(t1);
	free(nope);
	free(es2);
	jg_auth_free(a);
}
