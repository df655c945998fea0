/*
 * fuzz/token: jg_auth_verify, which sees the MySQL password of every client before anything
 * else does, against a JWKS of fresh development keys (jg_cmd_dev_keys into a temporary
 * directory at start-up, removed once loaded). The clock is fixed at NOW.
 *
 * Two kinds of input:
 *   anything else   the bytes are the token. No input may verify: the keys are made at start-up
 *                   and never leave this process, so JG_OK means a forged signature (the seeds
 *                   were signed by keys of an earlier run, so they do not verify either).
 *   '{' JSON        a claims object (JSON cannot be a JWT: '{' is not base64url). The harness
 *                   signs it with the ES256 dev key (kid dev-es256) and verifies the token, which
 *                   fuzzes the claim checks behind the signature, as an issuer that copies
 *                   user-chosen values into claims would reach them. JG_OK must then give an
 *                   identity that later stages can trust: the pinned issuer, a live token, a
 *                   non-empty printable subject and an unambiguous group list.
 *
 * Build and run: `make fuzz-replay`, `make fuzz` (docs/fuzzing.md).
 */
#include "fuzz.h"
#include "auth/auth.h"
#include "cli/cli.h"
#include "jg.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ISS "https://idp.example"
#define AUD "jitgate"
#define NOW 1767225600               /* 2026-01-01T00:00:00Z */
#define LEEWAY 60

static struct jg_auth *auth;
static char *es_key;                 /* the ES256 signing key PEM (kid dev-es256) */
static size_t es_len;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static char *slurp(const char *path, size_t *len)
{
	char *buf = malloc(1 << 16);
	FILE *f = fopen(path, "rb");

	*len = f && buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
	if (f)
		fclose(f);
	if (!*len) {
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

/* jg_fuzz_init: keys, JWKS and the verifier, once per process; exits if any of it fails. */
void jg_fuzz_init(void)
{
	char dir[] = "/tmp/jg-fuzz-token-XXXXXX", path[64], err[256];
	char *argv[] = { "dev-keys", dir, NULL };
	struct jg_idcfg cfg;
	int saved = dup(1), null = open("/dev/null", O_WRONLY), rc;

	jg_log_level = JG_LOG_ERR;       /* the failed re-read of the removed JWKS is expected */
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	fflush(stdout);
	dup2(null, 1);                   /* dev-keys lists what it wrote on stdout */
	rc = jg_cmd_dev_keys(2, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(null);
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.issuer, sizeof(cfg.issuer), ISS);
	snprintf(cfg.audience, sizeof(cfg.audience), AUD);
	snprintf(cfg.jwks_file, sizeof(cfg.jwks_file), "%s/jwks.json", dir);
	cfg.leeway = LEEWAY;
	cfg.algs = JG_ALG_RS256 | JG_ALG_RS384 | JG_ALG_RS512 | JG_ALG_ES256 | JG_ALG_ES384 |
	           JG_ALG_ES512;
	snprintf(path, sizeof(path), "%s/signing-key.pem", dir);
	if (rc != 0 || !(es_key = slurp(path, &es_len)) ||
	    jg_auth_new(&auth, &cfg, err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "token harness setup failed: %s\n", rc ? "dev-keys" : err);
		exit(1);
	}
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void check_text(const char *s, size_t cap)
{
	CHECK(memchr(s, '\0', cap));
	for (; *s; s++)
		CHECK((unsigned char)*s >= 0x20 && *s != 0x7f);
}

/* check_identity: what the session, the policy and the audit log rely on after JG_OK. */
static void check_identity(const struct jg_identity *id)
{
	size_t n = strlen(id->groups);

	check_text(id->sub, sizeof(id->sub));
	check_text(id->iss, sizeof(id->iss));
	check_text(id->jti, sizeof(id->jti));
	check_text(id->groups, sizeof(id->groups));
	CHECK(id->sub[0]);
	CHECK(strcmp(id->iss, ISS) == 0);
	CHECK(strcmp(id->kid, "dev-es256") == 0 && strcmp(id->alg, "ES256") == 0);
	CHECK(id->exp + LEEWAY > NOW);
	CHECK(id->nbf <= NOW + LEEWAY);
	CHECK(!strstr(id->groups, ",,") && (n == 0 || (id->groups[0] != ',' &&
	                                               id->groups[n - 1] != ',')));
}

static void check_refusal(int rc, const struct jg_identity *id, const char *why, size_t whylen)
{
	static const struct jg_identity zero;

	CHECK(rc == JG_ERR_AUTH || rc == JG_ERR_NOMEM);
	CHECK(memcmp(id, &zero, sizeof(zero)) == 0);
	CHECK(why[0] && memchr(why, '\0', whylen));
}

/* signed_claims: the JSON signed as the payload of an ES256 token; JG_OK is allowed. */
static void signed_claims(const uint8_t *data, size_t size)
{
	char *json = malloc(size + 1), *tok = NULL, err[256], why[256];
	struct jg_token_req req;
	struct jg_identity id;
	int rc;

	if (!json)
		abort();
	memcpy(json, data, size);
	json[size] = '\0';
	memset(&req, 0, sizeof(req));
	req.key_pem = es_key;
	req.key_len = es_len;
	req.kid = "dev-es256";
	req.now = NOW;
	req.no_exp = 1;                  /* exp, like every claim, comes from the input */
	req.claims_json = json;
	if (jg_token_sign(&req, &tok, err, sizeof(err)) == JG_OK) {
		rc = jg_auth_verify(auth, tok, strlen(tok), NOW, &id, why, sizeof(why));
		if (rc == JG_OK)
			check_identity(&id);
		else
			check_refusal(rc, &id, why, sizeof(why));
	}
	free(tok);
	free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jg_identity id;
	char why[256];
	int rc;

	if (!auth)
		jg_fuzz_init();
	if (size > 0 && data[0] == '{') {
		signed_claims(data, size);
		return 0;
	}
	rc = jg_auth_verify(auth, (const char *)data, size, NOW, &id, why, sizeof(why));
	CHECK(rc != JG_OK);              /* a forgery */
	check_refusal(rc, &id, why, sizeof(why));
	return 0;
}
