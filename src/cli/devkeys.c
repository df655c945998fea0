/*
 * devkeys.c: `jitgate dev-keys DIR`, everything a development setup needs in one directory:
 * JWT signing keys and their JWKS, a CA, a server certificate for localhost and a client
 * certificate (with the file names sysbench's --mysql-ssl=on looks for). Keys come from BearSSL
 * (HMAC-DRBG seeded by the system); certificates are written with the DER writer in auth/der.h.
 * Not for production: the CA key sits next to the certificates it signs.
 */
#include "cli/cli.h"

#include "auth/der.h"
#include "jg.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400
#define RSA_BITS 2048
#define CERT_MAX 2048

/* X.509 object identifiers (content bytes). */
static const uint8_t oid_cn[] = { 0x55, 0x04, 0x03 };
static const uint8_t oid_basic_constraints[] = { 0x55, 0x1d, 0x13 };
static const uint8_t oid_key_usage[] = { 0x55, 0x1d, 0x0f };
static const uint8_t oid_ext_key_usage[] = { 0x55, 0x1d, 0x25 };
static const uint8_t oid_san[] = { 0x55, 0x1d, 0x11 };
static const uint8_t oid_ski[] = { 0x55, 0x1d, 0x0e };
static const uint8_t oid_aki[] = { 0x55, 0x1d, 0x23 };
static const uint8_t oid_server_auth[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01 };
static const uint8_t oid_client_auth[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02 };

struct ec_key {
	br_ec_private_key sk;
	br_ec_public_key pk;
	uint8_t skbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	uint8_t pkbuf[BR_EC_KBUF_PUB_MAX_SIZE];
	uint8_t ski[br_sha1_SIZE];          /* subjectKeyIdentifier: SHA-1 of the point (RFC 5280) */
};

struct rsa_key {
	br_rsa_private_key sk;
	br_rsa_public_key pk;
	uint8_t skbuf[BR_RSA_KBUF_PRIV_SIZE(RSA_BITS)];
	uint8_t pkbuf[BR_RSA_KBUF_PUB_SIZE(RSA_BITS)];
	uint8_t d[RSA_BITS / 8];
	size_t dlen;
};

static int rng_init(br_hmac_drbg_context *rng)
{
	br_prng_seeder seeder = br_prng_seeder_system(NULL);

	br_hmac_drbg_init(rng, &br_sha256_vtable, NULL, 0);
	return seeder && seeder(&rng->vtable) ? JG_OK : JG_ERR_INTERNAL;
}

int jg_cli_random(void *buf, size_t len)
{
	br_hmac_drbg_context rng;

	if (rng_init(&rng) != JG_OK)
		return JG_ERR_INTERNAL;
	br_hmac_drbg_generate(&rng, buf, len);
	explicit_bzero(&rng, sizeof(rng));
	return JG_OK;
}

static int ec_gen(br_hmac_drbg_context *rng, struct ec_key *k)
{
	const br_ec_impl *ec = br_ec_get_default();
	br_sha1_context h;

	if (!br_ec_keygen(&rng->vtable, ec, &k->sk, k->skbuf, BR_EC_secp256r1) ||
	    !br_ec_compute_pub(ec, &k->pk, k->pkbuf, &k->sk))
		return JG_ERR_INTERNAL;
	br_sha1_init(&h);
	br_sha1_update(&h, k->pk.q, k->pk.qlen);
	br_sha1_out(&h, k->ski);
	return JG_OK;
}

static int rsa_gen(br_hmac_drbg_context *rng, struct rsa_key *k)
{
	if (!br_rsa_keygen_get_default()(&rng->vtable, &k->sk, k->skbuf, &k->pk, k->pkbuf, RSA_BITS,
	                                 65537))
		return JG_ERR_INTERNAL;
	/* PKCS#8 wants the full private exponent, which BearSSL's keys do not carry. */
	k->dlen = br_rsa_compute_privexp_get_default()(k->d, &k->sk, 65537);
	return k->dlen ? JG_OK : JG_ERR_INTERNAL;
}

/* write_file: creates or replaces DIR/name with the given mode (also on an existing file). */
static int write_file(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	char path[4096];
	const uint8_t *p = data;
	ssize_t w;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		fprintf(stderr, "dev-keys: path %s/%s is too long\n", dir, name);
		return JG_ERR_IO;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0 || fchmod(fd, mode) != 0)
		goto fail;
	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	printf("wrote %s\n", path);
	return JG_OK;
fail:
	fprintf(stderr, "dev-keys: %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return JG_ERR_IO;
}

static int write_pem(const char *dir, const char *name, const void *der, size_t len,
                     const char *banner, mode_t mode)
{
	size_t n;
	char *pem = jg_der_pem_encode(der, len, banner, &n);
	int rc;

	if (!pem)
		return JG_ERR_NOMEM;
	rc = write_file(dir, name, pem, n, mode);
	explicit_bzero(pem, n);
	free(pem);
	return rc;
}

static int write_ec_key(const char *dir, const char *name, const struct ec_key *k)
{
	uint8_t der[256];
	size_t n = br_encode_ec_pkcs8_der(NULL, &k->sk, &k->pk);
	int rc;

	if (!n || n > sizeof(der) || br_encode_ec_pkcs8_der(der, &k->sk, &k->pk) != n)
		return JG_ERR_INTERNAL;
	rc = write_pem(dir, name, der, n, "PRIVATE KEY", 0600);
	explicit_bzero(der, sizeof(der));
	return rc;
}

static int write_rsa_key(const char *dir, const char *name, const struct rsa_key *k)
{
	uint8_t der[2048];
	size_t n = br_encode_rsa_pkcs8_der(NULL, &k->sk, &k->pk, k->d, k->dlen);
	int rc;

	if (!n || n > sizeof(der) || br_encode_rsa_pkcs8_der(der, &k->sk, &k->pk, k->d, k->dlen) != n)
		return JG_ERR_INTERNAL;
	rc = write_pem(dir, name, der, n, "PRIVATE KEY", 0600);
	explicit_bzero(der, sizeof(der));
	return rc;
}

/* write_jwks: the public halves of the two signing keys, as jwks.c reads them. */
static int write_jwks(const char *dir, const struct ec_key *es, const struct rsa_key *rs)
{
	char x[64], y[64], n[400], e[16];
	json_t *root;
	char *text = NULL;
	size_t c = (es->pk.qlen - 1) / 2;
	int rc = JG_ERR_INTERNAL;

	if (jg_der_b64url_encode(x, sizeof(x), es->pk.q + 1, c) ||
	    jg_der_b64url_encode(y, sizeof(y), es->pk.q + 1 + c, c) ||
	    jg_der_b64url_encode(n, sizeof(n), rs->pk.n, rs->pk.nlen) ||
	    jg_der_b64url_encode(e, sizeof(e), rs->pk.e, rs->pk.elen))
		return JG_ERR_INTERNAL;
	root = json_pack("{s:[{s:s,s:s,s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s,s:s,s:s}]}", "keys",
	                 "kty", "EC", "crv", "P-256", "x", x, "y", y, "kid", "dev-es256", "alg", "ES256",
	                 "use", "sig",
	                 "kty", "RSA", "n", n, "e", e, "kid", "dev-rs256", "alg", "RS256", "use", "sig");
	if (root && (text = json_dumps(root, JSON_INDENT(2))))
		rc = write_file(dir, "jwks.json", text, strlen(text), 0644);
	free(text);
	json_decref(root);
	return rc;
}

/* A certificate to issue: an EC P-256 subject key, signed by the issuer's EC key. */
struct cert_req {
	const char *cn, *issuer_cn;
	const struct ec_key *subject, *issuer;
	int ca;                   /* basicConstraints CA:TRUE, keyUsage keyCertSign|cRLSign */
	const uint8_t *eku;       /* serverAuth or clientAuth OID, or NULL */
	int san_localhost;        /* DNS:localhost, IP:127.0.0.1 */
	time_t not_before, not_after;
};

static void name(struct jg_der *d, const char *cn)
{
	jg_der_begin(d, JG_DER_SEQUENCE);
	jg_der_begin(d, JG_DER_SET);
	jg_der_begin(d, JG_DER_SEQUENCE);
	jg_der_prim(d, JG_DER_OID, oid_cn, sizeof(oid_cn));
	jg_der_prim(d, JG_DER_UTF8_STRING, cn, strlen(cn));
	jg_der_end(d);
	jg_der_end(d);
	jg_der_end(d);
}

/* ext_begin / ext_end: Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue }. */
static void ext_begin(struct jg_der *d, const uint8_t *oid, size_t oidlen, int critical)
{
	jg_der_begin(d, JG_DER_SEQUENCE);
	jg_der_prim(d, JG_DER_OID, oid, oidlen);
	if (critical)
		jg_der_bool(d, 1);
	jg_der_begin(d, JG_DER_OCTET_STRING);
}

static void ext_end(struct jg_der *d)
{
	jg_der_end(d);
	jg_der_end(d);
}

static void extensions(struct jg_der *d, const struct cert_req *r)
{
	/* keyUsage is a named BIT STRING: DER drops trailing zero bits, hence the unused-bit counts. */
	static const uint8_t ku_ca[] = { 0x01, 0x06 };   /* keyCertSign(5), cRLSign(6) */
	static const uint8_t ku_leaf[] = { 0x07, 0x80 }; /* digitalSignature(0) */
	static const uint8_t localhost_ip[] = { 127, 0, 0, 1 };

	jg_der_begin(d, JG_DER_CTX(3));
	jg_der_begin(d, JG_DER_SEQUENCE);
	ext_begin(d, oid_basic_constraints, sizeof(oid_basic_constraints), 1);
	jg_der_begin(d, JG_DER_SEQUENCE);
	if (r->ca)
		jg_der_bool(d, 1);
	jg_der_end(d);
	ext_end(d);
	ext_begin(d, oid_key_usage, sizeof(oid_key_usage), 1);
	if (r->ca)
		jg_der_prim(d, JG_DER_BIT_STRING, ku_ca, sizeof(ku_ca));
	else
		jg_der_prim(d, JG_DER_BIT_STRING, ku_leaf, sizeof(ku_leaf));
	ext_end(d);
	if (r->eku) {
		ext_begin(d, oid_ext_key_usage, sizeof(oid_ext_key_usage), 0);
		jg_der_begin(d, JG_DER_SEQUENCE);
		jg_der_prim(d, JG_DER_OID, r->eku, sizeof(oid_server_auth));
		jg_der_end(d);
		ext_end(d);
	}
	if (r->san_localhost) {
		ext_begin(d, oid_san, sizeof(oid_san), 0);
		jg_der_begin(d, JG_DER_SEQUENCE);
		jg_der_prim(d, JG_DER_CTX_PRIM(2), "localhost", 9);
		jg_der_prim(d, JG_DER_CTX_PRIM(7), localhost_ip, sizeof(localhost_ip));
		jg_der_end(d);
		ext_end(d);
	}
	ext_begin(d, oid_ski, sizeof(oid_ski), 0);
	jg_der_prim(d, JG_DER_OCTET_STRING, r->subject->ski, sizeof(r->subject->ski));
	ext_end(d);
	ext_begin(d, oid_aki, sizeof(oid_aki), 0);
	jg_der_begin(d, JG_DER_SEQUENCE);
	jg_der_prim(d, JG_DER_CTX_PRIM(0), r->issuer->ski, sizeof(r->issuer->ski));
	jg_der_end(d);
	ext_end(d);
	jg_der_end(d);
	jg_der_end(d);
}

/* issue: a DER certificate into out (CERT_MAX bytes); RFC 5280 section 4.1. */
static int issue(const struct cert_req *r, uint8_t *out, size_t *outlen)
{
	uint8_t tbs[CERT_MAX], serial[16], hash[br_sha256_SIZE], sig[80];
	size_t tbslen, siglen;
	br_sha256_context h;
	struct jg_der d;
	int rc;

	if ((rc = jg_cli_random(serial, sizeof(serial))) != JG_OK)
		return rc;
	serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);   /* positive, and 16 bytes long */
	jg_der_init(&d, tbs, sizeof(tbs));
	jg_der_begin(&d, JG_DER_SEQUENCE);
	jg_der_begin(&d, JG_DER_CTX(0));
	jg_der_small_uint(&d, 2);                               /* v3 */
	jg_der_end(&d);
	jg_der_uint(&d, serial, sizeof(serial));
	jg_der_begin(&d, JG_DER_SEQUENCE);
	jg_der_prim(&d, JG_DER_OID, jg_der_oid_ecdsa_sha256, sizeof(jg_der_oid_ecdsa_sha256));
	jg_der_end(&d);
	name(&d, r->issuer_cn);
	jg_der_begin(&d, JG_DER_SEQUENCE);
	jg_der_time(&d, r->not_before);
	jg_der_time(&d, r->not_after);
	jg_der_end(&d);
	name(&d, r->cn);
	jg_der_spki_ec(&d, jg_der_oid_p256, sizeof(jg_der_oid_p256), r->subject->pk.q,
	               r->subject->pk.qlen);
	extensions(&d, r);
	jg_der_end(&d);
	if ((rc = jg_der_finish(&d, &tbslen)) != JG_OK)
		return rc;

	br_sha256_init(&h);
	br_sha256_update(&h, tbs, tbslen);
	br_sha256_out(&h, hash);
	siglen = br_ecdsa_i31_sign_asn1(br_ec_get_default(), &br_sha256_vtable, hash, &r->issuer->sk,
	                                sig);
	if (!siglen)
		return JG_ERR_INTERNAL;

	jg_der_init(&d, out, CERT_MAX);
	jg_der_begin(&d, JG_DER_SEQUENCE);
	jg_der_raw(&d, tbs, tbslen);
	jg_der_begin(&d, JG_DER_SEQUENCE);
	jg_der_prim(&d, JG_DER_OID, jg_der_oid_ecdsa_sha256, sizeof(jg_der_oid_ecdsa_sha256));
	jg_der_end(&d);
	jg_der_bits(&d, sig, siglen);
	jg_der_end(&d);
	return jg_der_finish(&d, outlen);
}

/* issue_and_write: one certificate, written to name_ and, when not NULL, also to copy. */
static int issue_and_write(const char *dir, const char *name_, const char *copy,
                           const struct cert_req *r)
{
	uint8_t der[CERT_MAX];
	size_t n;
	int rc;

	if ((rc = issue(r, der, &n)) != JG_OK) {
		fprintf(stderr, "dev-keys: cannot build %s: %s\n", name_, jg_strerr(rc));
		return rc;
	}
	if ((rc = write_pem(dir, name_, der, n, "CERTIFICATE", 0644)) != JG_OK || !copy)
		return rc;
	return write_pem(dir, copy, der, n, "CERTIFICATE", 0644);
}

static int usage(void)
{
	fprintf(stderr, "usage: jitgate dev-keys DIR\n"
	        "  writes development keys and certificates into DIR (created 0700 if missing):\n"
	        "  signing-key.pem (ES256, kid dev-es256), signing-key-rsa.pem (RS256, kid dev-rs256),\n"
	        "  jwks.json, ca.pem, ca-key.pem, tls-cert.pem, tls-key.pem (CN=localhost),\n"
	        "  client-cert.pem, client-key.pem, cacert.pem (sysbench --mysql-ssl=on names)\n");
	return 2;
}

int jg_cmd_dev_keys(int argc, char **argv)
{
	struct {
		br_hmac_drbg_context rng;
		struct ec_key sign, ca, server, client;
		struct rsa_key rsa;
	} *k = NULL;
	const char *dir;
	time_t now = time(NULL);
	struct stat st;
	struct cert_req r;
	int rc = JG_ERR_INTERNAL;

	if (argc != 2 || argv[1][0] == '-')
		return usage();
	dir = argv[1];
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "dev-keys: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "dev-keys: %s is not a directory\n", dir);
		return 1;
	}
	/* Heap, not stack: the key material is wiped in one place at the end. */
	if (!(k = calloc(1, sizeof(*k))))
		goto fail;
	if (rng_init(&k->rng) != JG_OK) {
		fprintf(stderr, "dev-keys: no system random source\n");
		goto fail;
	}
	if (ec_gen(&k->rng, &k->sign) || ec_gen(&k->rng, &k->ca) || ec_gen(&k->rng, &k->server) ||
	    ec_gen(&k->rng, &k->client) || rsa_gen(&k->rng, &k->rsa)) {
		fprintf(stderr, "dev-keys: key generation failed\n");
		goto fail;
	}
	if ((rc = write_ec_key(dir, "signing-key.pem", &k->sign)) ||
	    (rc = write_rsa_key(dir, "signing-key-rsa.pem", &k->rsa)) ||
	    (rc = write_jwks(dir, &k->sign, &k->rsa)))
		goto fail;

	memset(&r, 0, sizeof(r));
	r.issuer_cn = "jitgate dev CA";
	r.issuer = &k->ca;
	r.not_before = now - DAY;

	r.cn = "jitgate dev CA";
	r.subject = &k->ca;
	r.ca = 1;
	r.not_after = now + 3650 * DAY;
	if ((rc = issue_and_write(dir, "ca.pem", "cacert.pem", &r)) ||
	    (rc = write_ec_key(dir, "ca-key.pem", &k->ca)))
		goto fail;

	r.cn = "localhost";
	r.subject = &k->server;
	r.ca = 0;
	r.eku = oid_server_auth;
	r.san_localhost = 1;
	r.not_after = now + 825 * DAY;
	if ((rc = issue_and_write(dir, "tls-cert.pem", NULL, &r)) ||
	    (rc = write_ec_key(dir, "tls-key.pem", &k->server)))
		goto fail;

	r.cn = "jitgate dev client";
	r.subject = &k->client;
	r.eku = oid_client_auth;
	r.san_localhost = 0;
	if ((rc = issue_and_write(dir, "client-cert.pem", NULL, &r)) ||
	    (rc = write_ec_key(dir, "client-key.pem", &k->client)))
		goto fail;
	printf("JWT signing keys: kid dev-es256 (signing-key.pem), kid dev-rs256 "
	       "(signing-key-rsa.pem); verify with %s/jwks.json\n", dir);
	rc = JG_OK;
fail:
	if (k) {
		explicit_bzero(k, sizeof(*k));
		free(k);
	}
	return rc == JG_OK ? 0 : 1;
}
