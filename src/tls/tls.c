/*
 * tls.c: loading server credentials and client trust (see tls.h), and building the per-leg
 * BearSSL engines (see tls_engine.h).
 */
#include "tls/tls.h"
#include "tls/tls_engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jg.h"

/* A PEM file larger than this is not a certificate chain or a key: refuse it early. */
#define PEM_FILE_MAX (1u << 20)

/* tls.h promises ECDHE with AEAD ciphers only; the engine drops those that do not fit its key. */
static const uint16_t suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

struct jg_tls_server {
	br_x509_certificate *chain;     /* owned, each data owned */
	size_t chain_len;
	int key_type;                   /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
	unsigned issuer_key_type;       /* who signed the leaf: matters for ECDH_* suites */
	br_rsa_private_key rsa;         /* points into keybuf */
	br_ec_private_key ec;           /* points into keybuf */
	unsigned char *keybuf;          /* owned */
};

struct jg_tls_client {
	enum jg_tls_verify mode;
	br_x509_trust_anchor *tas;      /* owned; each tas[i].dn.data is one block with the key */
	size_t ntas;
};

/* ---- errors ---- */

static int cfg_fail(char *err, size_t errlen, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int cfg_fail(char *err, size_t errlen, const char *file, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err && errlen > 0) {
		n = snprintf(err, errlen, "%s: ", file ? file : "(no file)");
		if (n >= 0 && (size_t)n < errlen) {
			va_start(ap, fmt);
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return JG_ERR_CONFIG;
}

static const struct { int code; const char *name; } br_errors[] = {
	{ BR_ERR_BAD_PARAM, "bad parameter passed to the TLS engine" },
	{ BR_ERR_BAD_STATE, "TLS engine used in the wrong state" },
	{ BR_ERR_UNSUPPORTED_VERSION, "peer does not support TLS 1.2" },
	{ BR_ERR_BAD_VERSION, "record has an unexpected protocol version" },
	{ BR_ERR_BAD_LENGTH, "record has an invalid length" },
	{ BR_ERR_TOO_LARGE, "record too large" },
	{ BR_ERR_BAD_MAC, "record authentication failed" },
	{ BR_ERR_NO_RANDOM, "no system random source to seed the TLS engine" },
	{ BR_ERR_UNKNOWN_TYPE, "record of unknown type (not TLS?)" },
	{ BR_ERR_UNEXPECTED, "unexpected TLS message" },
	{ BR_ERR_BAD_CCS, "invalid ChangeCipherSpec" },
	{ BR_ERR_BAD_ALERT, "invalid alert message" },
	{ BR_ERR_BAD_HANDSHAKE, "malformed handshake message" },
	{ BR_ERR_OVERSIZED_ID, "session ID too long" },
	{ BR_ERR_BAD_CIPHER_SUITE, "server chose a cipher suite we did not offer" },
	{ BR_ERR_BAD_COMPRESSION, "server chose compression" },
	{ BR_ERR_BAD_FRAGLEN, "invalid max fragment length" },
	{ BR_ERR_BAD_SECRENEG, "secure renegotiation failed" },
	{ BR_ERR_EXTRA_EXTENSION, "server sent an extension we did not ask for" },
	{ BR_ERR_BAD_SNI, "invalid server name indication" },
	{ BR_ERR_BAD_HELLO_DONE, "invalid ServerHelloDone" },
	{ BR_ERR_LIMIT_EXCEEDED, "TLS engine limit exceeded" },
	{ BR_ERR_BAD_FINISHED, "Finished message check failed" },
	{ BR_ERR_RESUME_MISMATCH, "session resumption mismatch" },
	{ BR_ERR_INVALID_ALGORITHM, "no common algorithm (cipher suite, curve or signature)" },
	{ BR_ERR_BAD_SIGNATURE, "bad handshake signature" },
	{ BR_ERR_WRONG_KEY_USAGE, "certificate key usage forbids this cipher suite" },
	{ BR_ERR_NO_CLIENT_AUTH, "client certificate required" },
	{ BR_ERR_IO, "I/O error" },
	{ BR_ERR_X509_INVALID_VALUE, "malformed certificate (invalid value)" },
	{ BR_ERR_X509_TRUNCATED, "malformed certificate (truncated)" },
	{ BR_ERR_X509_EMPTY_CHAIN, "server sent no certificate" },
	{ BR_ERR_X509_BAD_DN, "malformed certificate name" },
	{ BR_ERR_X509_BAD_TIME, "malformed certificate validity dates" },
	{ BR_ERR_X509_UNSUPPORTED, "certificate uses an unsupported algorithm or feature" },
	{ BR_ERR_X509_LIMIT_EXCEEDED, "certificate chain too long or too large" },
	{ BR_ERR_X509_WRONG_KEY_TYPE, "certificate key type does not match its use" },
	{ BR_ERR_X509_BAD_SIGNATURE, "certificate signature is invalid" },
	{ BR_ERR_X509_TIME_UNKNOWN, "current time unknown: cannot check certificate dates" },
	{ BR_ERR_X509_EXPIRED, "server certificate expired or not yet valid" },
	{ BR_ERR_X509_DN_MISMATCH, "certificate chain out of order (issuer name mismatch)" },
	{ BR_ERR_X509_BAD_SERVER_NAME, "server certificate does not match name" },
	{ BR_ERR_X509_CRITICAL_EXTENSION, "certificate has an unsupported critical extension" },
	{ BR_ERR_X509_NOT_CA, "certificate chain uses a non-CA certificate as issuer" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE, "certificate key usage forbids TLS server use" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY, "certificate key too weak" },
	{ BR_ERR_X509_NOT_TRUSTED, "server certificate not trusted" },
};

static const struct { int code; const char *name; } alerts[] = {
	{ 10, "unexpected_message" }, { 20, "bad_record_mac" }, { 40, "handshake_failure" },
	{ 42, "bad_certificate" }, { 43, "unsupported_certificate" }, { 44, "certificate_revoked" },
	{ 45, "certificate_expired" }, { 46, "certificate_unknown" }, { 47, "illegal_parameter" },
	{ 48, "unknown_ca" }, { 50, "decode_error" }, { 51, "decrypt_error" },
	{ 70, "protocol_version" }, { 71, "insufficient_security" }, { 80, "internal_error" },
	{ 86, "inappropriate_fallback" }, { 110, "unsupported_extension" },
	{ 112, "unrecognized_name" }, { 116, "certificate_required" }, { 120, "no_application_protocol" },
};

static const char *alert_name(int a)
{
	size_t i;

	for (i = 0; i < JG_ARRAY_LEN(alerts); i++)
		if (alerts[i].code == a)
			return alerts[i].name;
	return "unknown alert";
}

/* see tls_engine.h */
const char *jg_tls_br_error_name(int br_err, char *buf, size_t len)
{
	size_t i;

	/* BearSSL encodes alerts as 256 + alert (received) and 512 + alert (sent), alerts < 256. */
	if (br_err >= BR_ERR_SEND_FATAL_ALERT && br_err < BR_ERR_SEND_FATAL_ALERT + 256) {
		snprintf(buf, len, "we sent fatal alert %d (%s): no common parameters with the peer",
		         br_err - BR_ERR_SEND_FATAL_ALERT, alert_name(br_err - BR_ERR_SEND_FATAL_ALERT));
		return buf;
	}
	if (br_err >= BR_ERR_RECV_FATAL_ALERT && br_err < BR_ERR_RECV_FATAL_ALERT + 256) {
		snprintf(buf, len, "peer sent fatal alert %d (%s)", br_err - BR_ERR_RECV_FATAL_ALERT,
		         alert_name(br_err - BR_ERR_RECV_FATAL_ALERT));
		return buf;
	}
	for (i = 0; i < JG_ARRAY_LEN(br_errors); i++)
		if (br_errors[i].code == br_err)
			return br_errors[i].name;
	snprintf(buf, len, "BearSSL error %d", br_err);
	return buf;
}

/* see tls_engine.h */
int jg_tls_fail(struct jg_tls *t, int err, const char *why)
{
	char tmp[sizeof t->errmsg];
	int br_err;

	if (t->err != JG_OK)
		return t->err;
	t->err = err;
	if (!why) {
		br_err = br_ssl_engine_last_error(t->eng);
		why = jg_tls_br_error_name(br_err, tmp, sizeof tmp);
	}
	snprintf(t->errmsg, sizeof t->errmsg, "%s", why);
	return err;
}

/* ---- reading PEM files ---- */

struct vec {
	unsigned char *p;
	size_t len, cap;
	int oom;
};

static void vec_append(void *ctx, const void *src, size_t len)
{
	struct vec *v = ctx;
	unsigned char *np;
	size_t ncap;

	if (v->oom)
		return;
	if (len > v->cap - v->len) {
		ncap = v->cap ? v->cap : 256;
		while (ncap - v->len < len)
			ncap *= 2;      /* bounded: everything comes from a file <= PEM_FILE_MAX */
		np = realloc(v->p, ncap);
		if (!np) {
			v->oom = 1;
			return;
		}
		v->p = np;
		v->cap = ncap;
	}
	memcpy(v->p + v->len, src, len);
	v->len += len;
}

struct pem_obj {
	char name[128];         /* br_pem_decoder_name is at most 127 characters */
	unsigned char *der;     /* owned */
	size_t len;
};

struct pem_list {
	struct pem_obj *v;
	size_t n;
};

static void pem_list_free(struct pem_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].der);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* read_file: the whole file, at most PEM_FILE_MAX bytes; *out is owned by the caller. */
static int read_file(const char *path, unsigned char **out, size_t *outlen, char *err, size_t errlen)
{
	FILE *f;
	unsigned char *buf = NULL;
	size_t n;
	int r;

	f = fopen(path, "rb");
	if (!f)
		return cfg_fail(err, errlen, path, "cannot open: %s", strerror(errno));
	buf = malloc(PEM_FILE_MAX + 1);
	if (!buf) {
		r = cfg_fail(err, errlen, path, "out of memory");
		goto fail;
	}
	n = fread(buf, 1, PEM_FILE_MAX + 1, f);
	if (ferror(f)) {
		r = cfg_fail(err, errlen, path, "read error: %s", strerror(errno));
		goto fail;
	}
	if (n > PEM_FILE_MAX) {
		r = cfg_fail(err, errlen, path, "larger than %u bytes, not a PEM file", PEM_FILE_MAX);
		goto fail;
	}
	fclose(f);
	*out = buf;
	*outlen = n;
	return JG_OK;
fail:
	free(buf);
	fclose(f);
	return r;
}

/* pem_load: every PEM object in path, in file order. */
static int pem_load(const char *path, struct pem_list *out, char *err, size_t errlen)
{
	br_pem_decoder_context pc;
	struct vec v = { 0 };
	struct pem_obj *nv;
	unsigned char *data = NULL;
	const unsigned char *p;
	size_t len = 0, n;
	int r, inobj = 0, extra_nl = 1;

	out->v = NULL;
	out->n = 0;
	r = read_file(path, &data, &len, err, errlen);
	if (r != JG_OK)
		return r;
	br_pem_decoder_init(&pc);
	p = data;
	while (len > 0) {
		n = br_pem_decoder_push(&pc, p, len);
		p += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			v.len = 0;
			br_pem_decoder_setdest(&pc, vec_append, &v);
			inobj = 1;
			break;
		case BR_PEM_END_OBJ:
			if (!inobj)
				break;
			inobj = 0;
			if (v.oom) {
				r = cfg_fail(err, errlen, path, "out of memory");
				goto fail;
			}
			nv = realloc(out->v, (out->n + 1) * sizeof *nv);
			if (!nv) {
				r = cfg_fail(err, errlen, path, "out of memory");
				goto fail;
			}
			out->v = nv;
			snprintf(nv[out->n].name, sizeof nv[out->n].name, "%s", br_pem_decoder_name(&pc));
			nv[out->n].der = v.p;
			nv[out->n].len = v.len;
			out->n++;
			v = (struct vec){ 0 };
			break;
		case BR_PEM_ERROR:
			r = cfg_fail(err, errlen, path, "invalid PEM encoding");
			goto fail;
		default:
			break;
		}
		/* The decoder needs an end of line after the END line; files may lack it. */
		if (len == 0 && extra_nl) {
			extra_nl = 0;
			p = (const unsigned char *)"\n";
			len = 1;
		}
	}
	if (inobj) {
		r = cfg_fail(err, errlen, path, "PEM object not terminated");
		goto fail;
	}
	if (out->n == 0) {
		r = cfg_fail(err, errlen, path, "no PEM object found (is it DER?)");
		goto fail;
	}
	free(data);
	return JG_OK;
fail:
	free(v.p);
	free(data);
	pem_list_free(out);
	return r;
}

static int is_cert_name(const char *name)
{
	return strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "X509 CERTIFICATE") == 0;
}

/* ---- server credentials ---- */

/* copy_key: a private key copied out of the decoder into one owned block. */
static int copy_key(struct jg_tls_server *s, const br_skey_decoder_context *kc)
{
	const br_rsa_private_key *rk;
	const br_ec_private_key *ek;
	unsigned char *b;

	s->key_type = br_skey_decoder_key_type(kc);
	if (s->key_type == BR_KEYTYPE_RSA) {
		rk = br_skey_decoder_get_rsa(kc);
		b = malloc(rk->plen + rk->qlen + rk->dplen + rk->dqlen + rk->iqlen);
		if (!b)
			return JG_ERR_NOMEM;
		s->keybuf = b;
		s->rsa = *rk;
		s->rsa.p = memcpy(b, rk->p, rk->plen);
		b += rk->plen;
		s->rsa.q = memcpy(b, rk->q, rk->qlen);
		b += rk->qlen;
		s->rsa.dp = memcpy(b, rk->dp, rk->dplen);
		b += rk->dplen;
		s->rsa.dq = memcpy(b, rk->dq, rk->dqlen);
		b += rk->dqlen;
		s->rsa.iq = memcpy(b, rk->iq, rk->iqlen);
		return JG_OK;
	}
	ek = br_skey_decoder_get_ec(kc);
	b = malloc(ek->xlen);
	if (!b)
		return JG_ERR_NOMEM;
	s->keybuf = b;
	s->ec = *ek;
	s->ec.x = memcpy(b, ek->x, ek->xlen);
	return JG_OK;
}

static const unsigned char *skip_zeros(const unsigned char *p, size_t *len)
{
	while (*len > 0 && *p == 0) {
		p++;
		(*len)--;
	}
	return p;
}

/*
 * key_matches_leaf: a certificate and key from different pairs would only show up as handshake
 * failures on every connection; recomputing the public half catches it at load time.
 */
static int key_matches_leaf(const struct jg_tls_server *s, const br_x509_pkey *pk)
{
	unsigned char buf[BR_EC_KBUF_PUB_MAX_SIZE > 512 ? BR_EC_KBUF_PUB_MAX_SIZE : 512];
	const unsigned char *a, *b;
	br_rsa_compute_modulus modulus;
	size_t alen, blen;

	if (pk->key_type != s->key_type)
		return 0;
	if (s->key_type == BR_KEYTYPE_RSA) {
		modulus = br_rsa_compute_modulus_get_default();
		alen = modulus(NULL, &s->rsa);
		if (alen == 0 || alen > sizeof buf || modulus(buf, &s->rsa) != alen)
			return 0;
		b = pk->key.rsa.n;
		blen = pk->key.rsa.nlen;
	} else {
		if (pk->key.ec.curve != s->ec.curve)
			return 0;
		alen = br_ec_compute_pub(br_ec_get_default(), NULL, buf, &s->ec);
		if (alen == 0)
			return 0;
		b = pk->key.ec.q;
		blen = pk->key.ec.qlen;
	}
	a = skip_zeros(buf, &alen);
	b = skip_zeros(b, &blen);
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* see tls.h */
int jg_tls_server_load(struct jg_tls_server **out, const char *cert_file, const char *key_file,
                       char *err, size_t errlen)
{
	struct jg_tls_server *s = NULL;
	struct pem_list certs = { 0 }, keys = { 0 };
	br_skey_decoder_context kc;
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	char tmp[64];
	size_t i, nkey = 0;
	int r;

	*out = NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		return cfg_fail(err, errlen, cert_file, "out of memory");
	r = pem_load(cert_file, &certs, err, errlen);
	if (r != JG_OK)
		goto fail;
	s->chain = calloc(certs.n, sizeof *s->chain);
	if (!s->chain) {
		r = cfg_fail(err, errlen, cert_file, "out of memory");
		goto fail;
	}
	for (i = 0; i < certs.n; i++) {
		if (!is_cert_name(certs.v[i].name))
			continue;       /* e.g. a key bundled in the same file */
		s->chain[s->chain_len].data = certs.v[i].der;
		s->chain[s->chain_len].data_len = certs.v[i].len;
		certs.v[i].der = NULL;  /* ownership moved to the chain */
		s->chain_len++;
	}
	if (s->chain_len == 0) {
		r = cfg_fail(err, errlen, cert_file, "no CERTIFICATE in file");
		goto fail;
	}

	r = pem_load(key_file, &keys, err, errlen);
	if (r != JG_OK)
		goto fail;
	for (i = 0; i < keys.n; i++) {
		if (strcmp(keys.v[i].name, "ENCRYPTED PRIVATE KEY") == 0) {
			r = cfg_fail(err, errlen, key_file, "encrypted private keys are not supported");
			goto fail;
		}
		if (strcmp(keys.v[i].name, "PRIVATE KEY") == 0 ||
		    strcmp(keys.v[i].name, "RSA PRIVATE KEY") == 0 ||
		    strcmp(keys.v[i].name, "EC PRIVATE KEY") == 0) {
			nkey = i + 1;   /* 1-based so 0 means none */
			break;
		}
	}
	if (nkey == 0) {
		r = cfg_fail(err, errlen, key_file, "no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY in file");
		goto fail;
	}
	br_skey_decoder_init(&kc);
	br_skey_decoder_push(&kc, keys.v[nkey - 1].der, keys.v[nkey - 1].len);
	if (br_skey_decoder_last_error(&kc) != 0) {
		r = cfg_fail(err, errlen, key_file, "cannot decode private key (BearSSL error %d)",
		             br_skey_decoder_last_error(&kc));
		goto fail;
	}
	if (copy_key(s, &kc) != JG_OK) {
		r = cfg_fail(err, errlen, key_file, "out of memory");
		goto fail;
	}

	br_x509_decoder_init(&dc, NULL, NULL);
	br_x509_decoder_push(&dc, s->chain[0].data, s->chain[0].data_len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk) {
		r = cfg_fail(err, errlen, cert_file, "cannot decode the first certificate: %s",
		             jg_tls_br_error_name(br_x509_decoder_last_error(&dc), tmp, sizeof tmp));
		goto fail;
	}
	if (!key_matches_leaf(s, pk)) {
		r = cfg_fail(err, errlen, key_file, "private key does not match the certificate in %s",
		             cert_file);
		goto fail;
	}
	/* 0 means an unknown signature algorithm; it only selects ECDH_* suites, which we never offer. */
	s->issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
	if (s->issuer_key_type == 0)
		s->issuer_key_type = BR_KEYTYPE_EC;
	r = JG_OK;
	*out = s;
	s = NULL;
fail:
	/* kc holds a copy of the private key; do not leave it on the stack. */
	memset(&kc, 0, sizeof kc);
	pem_list_free(&certs);
	pem_list_free(&keys);
	jg_tls_server_free(s);
	return r;
}

void jg_tls_server_free(struct jg_tls_server *s)
{
	size_t i;
	size_t keylen;

	if (!s)
		return;
	for (i = 0; i < s->chain_len; i++)
		free(s->chain[i].data);
	free(s->chain);
	if (s->keybuf) {
		keylen = s->key_type == BR_KEYTYPE_RSA
		       ? s->rsa.plen + s->rsa.qlen + s->rsa.dplen + s->rsa.dqlen + s->rsa.iqlen
		       : s->ec.xlen;
		memset(s->keybuf, 0, keylen);
		free(s->keybuf);
	}
	free(s);
}

/* ---- client trust ---- */

/* anchor_from_cert: one trust anchor; DN and key bytes share one owned block at ta->dn.data. */
static int anchor_from_cert(br_x509_trust_anchor *ta, const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;
	struct vec dn = { 0 };
	size_t klen;
	unsigned char *b;

	br_x509_decoder_init(&dc, vec_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || dn.oom) {
		free(dn.p);
		return dn.oom ? JG_ERR_NOMEM : br_x509_decoder_last_error(&dc);
	}
	klen = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen : pk->key.ec.qlen;
	b = malloc(dn.len + klen);
	if (!b) {
		free(dn.p);
		return JG_ERR_NOMEM;
	}
	memcpy(b, dn.p, dn.len);
	free(dn.p);
	ta->dn.data = b;
	ta->dn.len = dn.len;
	b += dn.len;
	/*
	 * A CA certificate anchors chains; any other certificate (a pinned self-signed server
	 * certificate) is trusted only directly, as itself: BearSSL's minimal engine honours the
	 * distinction, and a leaf must not become able to sign for other names.
	 */
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey = *pk;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = memcpy(b, pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.e = memcpy(b + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
	} else {
		ta->pkey.key.ec.q = memcpy(b, pk->key.ec.q, pk->key.ec.qlen);
	}
	return JG_OK;
}

/* see tls.h */
int jg_tls_client_load(struct jg_tls_client **out, enum jg_tls_verify mode, const char *ca_file,
                       char *err, size_t errlen)
{
	struct jg_tls_client *c;
	struct pem_list certs = { 0 };
	char tmp[64];
	size_t i;
	int r;

	*out = NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return cfg_fail(err, errlen, ca_file, "out of memory");
	c->mode = mode;
	if (mode == JG_TLS_NOVERIFY) {
		*out = c;
		return JG_OK;
	}
	if (!ca_file || !*ca_file) {
		r = cfg_fail(err, errlen, ca_file, "certificate verification needs a CA file");
		goto fail;
	}
	r = pem_load(ca_file, &certs, err, errlen);
	if (r != JG_OK)
		goto fail;
	c->tas = calloc(certs.n, sizeof *c->tas);
	if (!c->tas) {
		r = cfg_fail(err, errlen, ca_file, "out of memory");
		goto fail;
	}
	for (i = 0; i < certs.n; i++) {
		if (!is_cert_name(certs.v[i].name))
			continue;
		r = anchor_from_cert(&c->tas[c->ntas], certs.v[i].der, certs.v[i].len);
		if (r != JG_OK) {
			r = cfg_fail(err, errlen, ca_file, "certificate %zu: %s", i + 1,
			             r == JG_ERR_NOMEM ? "out of memory"
			                               : jg_tls_br_error_name(r, tmp, sizeof tmp));
			goto fail;
		}
		c->ntas++;
	}
	if (c->ntas == 0) {
		r = cfg_fail(err, errlen, ca_file, "no CERTIFICATE in file");
		goto fail;
	}
	*out = c;
	c = NULL;
	r = JG_OK;
fail:
	pem_list_free(&certs);
	jg_tls_client_free(c);
	return r;
}

void jg_tls_client_free(struct jg_tls_client *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->ntas; i++)
		free(c->tas[i].dn.data);
	free(c->tas);
	free(c);
}

/* ---- the "no anchor" X.509 class (JG_TLS_NOVERIFY) ---- */

static struct jg_x509_noanchor *noanchor_of(const br_x509_class *const *ctx)
{
	/* BearSSL hands back the address of our vtable field, which is the struct's first. */
	return (struct jg_x509_noanchor *)(uintptr_t)ctx;
}

static void na_start_chain(const br_x509_class **ctx, const char *server_name)
{
	noanchor_of(ctx)->ncert = 0;
}

static void na_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct jg_x509_noanchor *na = noanchor_of(ctx);

	if (na->ncert == 0)
		br_x509_decoder_init(&na->dec, NULL, NULL);
}

static void na_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct jg_x509_noanchor *na = noanchor_of(ctx);

	if (na->ncert == 0)     /* only the end-entity certificate carries the key we need */
		br_x509_decoder_push(&na->dec, buf, len);
}

static void na_end_cert(const br_x509_class **ctx)
{
	noanchor_of(ctx)->ncert++;
}

static unsigned na_end_chain(const br_x509_class **ctx)
{
	struct jg_x509_noanchor *na = noanchor_of(ctx);

	if (na->ncert == 0)
		return BR_ERR_X509_EMPTY_CHAIN;
	return (unsigned)br_x509_decoder_last_error(&na->dec);
}

static const br_x509_pkey *na_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct jg_x509_noanchor *na = noanchor_of(ctx);

	/* Without verification nothing restricts the key: allow both ECDHE signing and key exchange. */
	if (usages)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return br_x509_decoder_get_pkey(&na->dec);
}

static const br_x509_class noanchor_vtable = {
	sizeof(struct jg_x509_noanchor),
	na_start_chain,
	na_start_cert,
	na_append,
	na_end_cert,
	na_end_chain,
	na_get_pkey,
};

/* ---- per-leg engines ---- */

static void engine_common(struct jg_tls *t)
{
	br_ssl_engine_set_versions(t->eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(t->eng, suites, JG_ARRAY_LEN(suites));
	br_ssl_engine_set_buffer(t->eng, t->iobuf, sizeof t->iobuf, 1);
}

/* see tls_engine.h */
struct jg_tls *jg_tls_new_server(const struct jg_tls_server *srv)
{
	struct jg_tls *t;

	t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->eng = &t->ctx.srv.eng;
	if (srv->key_type == BR_KEYTYPE_RSA)
		br_ssl_server_init_full_rsa(&t->ctx.srv, srv->chain, srv->chain_len, &srv->rsa);
	else
		br_ssl_server_init_full_ec(&t->ctx.srv, srv->chain, srv->chain_len,
		                           srv->issuer_key_type, &srv->ec);
	engine_common(t);
	/* The reset seeds the engine's PRNG from the system source (br_prng_seeder_system). */
	if (!br_ssl_server_reset(&t->ctx.srv))
		jg_tls_fail(t, JG_ERR_TLS, NULL);
	return t;
}

/* see tls_engine.h */
struct jg_tls *jg_tls_new_client(const struct jg_tls_client *cli, const char *server_name)
{
	struct jg_tls *t;

	t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->eng = &t->ctx.cli.eng;
	br_ssl_client_init_full(&t->ctx.cli, &t->xmin, cli->tas, cli->ntas);
	engine_common(t);
	if (cli->mode == JG_TLS_NOVERIFY) {
		t->noanchor.vtable = &noanchor_vtable;
		br_ssl_engine_set_x509(t->eng, &t->noanchor.vtable);
	} else if (!server_name || !*server_name) {
		/* BearSSL skips the name check when given no name: refuse rather than accept any. */
		jg_tls_fail(t, JG_ERR_TLS, "certificate verification needs a server name");
		return t;
	}
	/*
	 * server_name is both SNI and the name checked against the leaf's dNSName SANs (or CN).
	 * BearSSL does not match iPAddress SANs, so an IP literal verifies only if the certificate
	 * also lists it as a DNS name: the check fails closed.
	 */
	if (!br_ssl_client_reset(&t->ctx.cli, server_name, 0))
		jg_tls_fail(t, JG_ERR_TLS, NULL);
	return t;
}

/* see tls_engine.h */
void jg_tls_free(struct jg_tls *t)
{
	if (!t)
		return;
	if (t->ra) {
		explicit_bzero(t->ra, t->ra_len);
		free(t->ra);
	}
	/* Session keys live in the engine context: do not leave them in freed memory. */
	memset(t, 0, offsetof(struct jg_tls, iobuf));
	free(t);
}
