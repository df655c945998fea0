/*
 * der.h: the encodings keys and certificates travel in: a small DER writer, PEM wrapping and
 * base64url. jwks.c turns JWKs into SubjectPublicKeyInfo for libjwt; cli/devkeys.c writes
 * certificates; both use this one writer so that the DER rules live in one place.
 *
 * The writer works in a caller-owned buffer and never allocates. Errors are sticky (BearSSL
 * style): once the buffer is too small or the nesting is wrong, every later call does nothing and
 * jg_der_finish reports the error, so callers check once at the end.
 */
#ifndef JG_DER_H
#define JG_DER_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define JG_DER_DEPTH 8            /* nesting of SEQUENCE/SET/context tags a certificate needs */

/* Tags used by jitgate; context tags are built with JG_DER_CTX(n) (constructed, [n]). */
enum {
	JG_DER_BOOLEAN = 0x01, JG_DER_INTEGER = 0x02, JG_DER_BIT_STRING = 0x03,
	JG_DER_OCTET_STRING = 0x04, JG_DER_NULL = 0x05, JG_DER_OID = 0x06,
	JG_DER_UTF8_STRING = 0x0c, JG_DER_UTC_TIME = 0x17, JG_DER_GEN_TIME = 0x18,
	JG_DER_SEQUENCE = 0x30, JG_DER_SET = 0x31,
};
#define JG_DER_CTX(n) (0xa0 | (n))          /* [n] EXPLICIT, constructed */
#define JG_DER_CTX_PRIM(n) (0x80 | (n))     /* [n] IMPLICIT, primitive (SAN dNSName = 2, iP = 7) */

struct jg_der {
	uint8_t *buf;             /* caller-owned output */
	size_t cap, len;
	size_t open[JG_DER_DEPTH];/* offsets of the content of each open constructed value */
	int depth;
	int err;                  /* sticky: JG_OK or JG_ERR_TOOBIG / JG_ERR_INTERNAL */
};

void jg_der_init(struct jg_der *d, uint8_t *buf, size_t cap);
/* jg_der_begin / jg_der_end: a constructed value (SEQUENCE, SET, [n], or a BIT/OCTET STRING
 * that wraps DER); the length is written when it is closed. */
void jg_der_begin(struct jg_der *d, uint8_t tag);
void jg_der_end(struct jg_der *d);
/* jg_der_prim: any primitive value with the given content bytes. */
void jg_der_prim(struct jg_der *d, uint8_t tag, const void *data, size_t len);
/* jg_der_raw: bytes that already are DER (a TBSCertificate inside its Certificate). */
void jg_der_raw(struct jg_der *d, const void *data, size_t len);
/* jg_der_uint: a non-negative INTEGER from big-endian bytes: leading zeros are dropped and one
 * 0x00 is added when the top bit is set, as DER requires. */
void jg_der_uint(struct jg_der *d, const void *be, size_t len);
void jg_der_small_uint(struct jg_der *d, uint32_t v);
/* jg_der_bits: a BIT STRING with no unused bits (keys, signatures). */
void jg_der_bits(struct jg_der *d, const void *data, size_t len);
/* jg_der_begin_bits: a BIT STRING that wraps DER (an RSA public key); close with jg_der_end. */
void jg_der_begin_bits(struct jg_der *d);
void jg_der_null(struct jg_der *d);
void jg_der_bool(struct jg_der *d, int v);
/* jg_der_time: UTCTime before 2050, GeneralizedTime from 2050 on (RFC 5280 4.1.2.5). */
void jg_der_time(struct jg_der *d, time_t t);
/* jg_der_finish: JG_OK and *len set when every value was closed and everything fit. */
int jg_der_finish(struct jg_der *d, size_t *len);

/* Object identifiers, encoded (content bytes of the OID). */
extern const uint8_t jg_der_oid_rsa_encryption[9], jg_der_oid_ec_public_key[7];
extern const uint8_t jg_der_oid_p256[8], jg_der_oid_p384[5], jg_der_oid_p521[5];
extern const uint8_t jg_der_oid_ecdsa_sha256[8];

/* jg_der_spki_rsa / jg_der_spki_ec: a SubjectPublicKeyInfo (RFC 3279/5480). n and e are
 * unsigned big-endian; point is the uncompressed EC point (0x04 || x || y); curve_oid is one of
 * the jg_der_oid_p* above with its size. */
void jg_der_spki_rsa(struct jg_der *d, const void *n, size_t nlen, const void *e, size_t elen);
void jg_der_spki_ec(struct jg_der *d, const uint8_t *curve_oid, size_t oidlen,
                    const void *point, size_t plen);

/* jg_der_pem_encode: PEM text for DER bytes, 64-character lines. Returns a malloc'd NUL-terminated
 * string the caller frees (length in *pemlen when not NULL), or NULL when out of memory. */
char *jg_der_pem_encode(const void *der, size_t len, const char *banner, size_t *pemlen);

/* base64url without padding (RFC 7515 section 2). */
/* jg_der_b64url_encode: writes the text and a NUL into out; JG_ERR_TOOBIG when cap is too small. */
int jg_der_b64url_encode(char *out, size_t cap, const void *data, size_t len);
/* jg_der_b64url_decode: JG_OK and *outlen on success; JG_ERR_PROTO on a character outside the
 * alphabet, padding, or an impossible length (1 mod 4) or non-zero trailing bits;
 * JG_ERR_TOOBIG when cap is too small. */
int jg_der_b64url_decode(uint8_t *out, size_t cap, size_t *outlen, const char *in, size_t inlen);
#define JG_DER_B64URL_DECODED_MAX(n) ((n) / 4 * 3 + 2)

#endif
