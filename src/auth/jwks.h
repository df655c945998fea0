/*
 * jwks.h (private to src/auth): a JWKS file turned into BearSSL public keys.
 *
 * A key set is immutable once loaded; auth.c shares it between threads by reference count and
 * swaps in a new one when the file is re-read. Keys that cannot sign (use other than "sig"), of
 * an unknown type or that fail validation are skipped with a warning naming the file and key.
 */
#ifndef JG_JWKS_H
#define JG_JWKS_H

#include <bearssl.h>
#include <stddef.h>
#include <stdint.h>

#define JG_JWKS_FILE_MAX (1u << 20)  /* bytes; a larger JWKS file is a config error */
#define JG_JWKS_KEYS_MAX 64          /* keys kept from one file */

struct jg_jwk {
	char kid[128];            /* "" when the JWK has none */
	unsigned algs;            /* JG_ALG_* bits this key may verify (kty/crv, narrowed by "alg") */
	int is_rsa;
	br_rsa_public_key rsa;    /* when is_rsa: n and e point into raw */
	br_ec_public_key ec;      /* otherwise: curve, and q (uncompressed point) in raw */
	unsigned char *raw;       /* owned: the key's bytes */
	uint64_t serial;          /* given by auth.c: the same key (kid and bytes) keeps its serial
	                           * across re-reads; 0 until then */
};

struct jg_jwks {
	unsigned refs;            /* managed by auth.c under its mutex */
	size_t n;
	struct jg_jwk keys[JG_JWKS_KEYS_MAX];
};

/* jg_jwks_load: *out owns a new set with refs = 1 (free with jg_jwks_free). JG_ERR_CONFIG with a
 * message naming the file when it cannot be read or holds no usable key. */
int jg_jwks_load(const char *path, struct jg_jwks **out, char *err, size_t errlen);
void jg_jwks_free(struct jg_jwks *ks);

/* jg_jwks_same: the two keys have the same kid, type, algorithms and bytes. */
int jg_jwks_same(const struct jg_jwk *x, const struct jg_jwk *y);

/* jg_jwks_find: the key with this kid; with kid NULL, the only key when the set has exactly one.
 * The pointer lives as long as the set. NULL when there is no such key. */
const struct jg_jwk *jg_jwks_find(const struct jg_jwks *ks, const char *kid);

/* jg_jwks_alg_bit / jg_jwks_alg_name: JOSE name <-> enum jg_alg bit (0 / NULL when unknown). */
unsigned jg_jwks_alg_bit(const char *name);
const char *jg_jwks_alg_name(unsigned bit);

#endif
