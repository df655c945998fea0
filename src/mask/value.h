/*
 * value.h: masking one value of a result column so that it stays a valid value of the column's
 * type, in the text and the binary protocol (docs/masking.md has the table). The byte-level
 * primitives it composes (detectors, last4, email, hex, redact) are mask.h's, proved with
 * Frama-C; this file adds what depends on the column: its type, its character set, the keyed
 * hash (HMAC-SHA-256, BearSSL) and the binary layouts.
 *
 *   strings, BLOBs, JSON   redact "****", last4 "****" + last 4 characters (8 or more), email
 *                          "****@domain", hash 32 hex digits, null NULL; MySQL's JSON type gets
 *                          the result as a JSON string
 *   integers               redact 0, last4 the last 4 digits (8 or more digits, else 0), hash a
 *                          number from the HMAC that fits the column's width, null/email NULL
 *   DECIMAL, FLOAT, DOUBLE as integers, with the column's scale kept (0.00)
 *   dates, times, YEAR,    NULL whatever the function: no value of the type is a mask
 *   BIT, GEOMETRY
 * A column that masking may make NULL has its NOT NULL flag cleared (jg_mask_col_nullable).
 * Detectors rewrite the spans they find inside a value; a number in which one finds a span is
 * masked whole by that span's function.
 *
 * Nothing here allocates; outputs go to caller buffers of the sizes stated.
 */
#ifndef JG_MASK_VALUE_H
#define JG_MASK_VALUE_H

#include "jg.h"
#include "mask/mask.h"

#include <bearssl.h>

/* The keyed hash's key, prepared once (the same input gives the same output everywhere). */
struct jg_mask_key {
	br_hmac_key_context kc;
	int set;                          /* 0: no key; hash masks NULL (never happens: serve
	                                   * refuses a policy with `with hash` and no key) */
};

/* jg_mask_key_init: the key from the configuration's bytes (len 0: no key). */
void jg_mask_key_init(struct jg_mask_key *k, const void *key, size_t len);

/* What masking does to one column's values. */
struct jg_mask_col {
	uint8_t fn;                       /* by origin: enum jg_mask_fn; 0: not masked by origin */
	uint8_t type;                     /* enum jg_type */
	uint8_t utf8;                     /* characters are UTF-8 code points, else bytes */
	uint8_t decimals;
	uint16_t flags;                   /* JG_FLAG_* as the server sent them */
	uint32_t length;
	unsigned dets;                    /* JG_MASK_DET_* that scan the values (0: none) */
	uint8_t det_fn[4];                /* the function of each detector's spans (bit index) */
	uint8_t quote;                    /* a message column: quoted values are redacted too
	                                   * (jg_mask_message) */
};

/* jg_mask_text_type: the type holds text (strings, BLOBs, ENUM, SET, JSON): a mask of it is
 * text of its own length. */
int jg_mask_text_type(uint8_t type);

/* jg_mask_fixed_width: the binary protocol's width of a fixed-width number type, else 0. */
unsigned jg_mask_fixed_width(uint8_t type);

/* jg_mask_col_active: 1 when the column's values may change. */
static inline int jg_mask_col_active(const struct jg_mask_col *c) { return c->fn || c->dets; }

/* jg_mask_col_nullable: 1 when masking may turn a value of the column into NULL. */
int jg_mask_col_nullable(const struct jg_mask_col *c);

/* The room jg_mask_text needs for a value of n bytes. */
static inline size_t jg_mask_room(size_t n) { return 6 * n + 96; }

/*
 * jg_mask_text: the value v[0..n) (its text-protocol form) of column c. Returns JG_MASK_KEEP
 * (unchanged), JG_MASK_NUL (NULL) or JG_MASK_VALUE with *outlen bytes written at out; out
 * holds at least jg_mask_room(n) bytes. JG_ERR_TOOBIG when a detector finds more spans than it
 * keeps track of (the caller fails closed).
 */
int jg_mask_text(const struct jg_mask_col *c, const struct jg_mask_key *key, const uint8_t *v,
                 size_t n, uint8_t *out, size_t cap, size_t *outlen);

/*
 * jg_mask_binary: the same for a non-NULL binary-protocol value: its data v[0..n) without the
 * length prefix (jg_pkt_bin_value's split). JG_MASK_VALUE gives the new data (the caller
 * writes the prefix the type has: none for fixed widths, whose width is kept).
 */
int jg_mask_binary(const struct jg_mask_col *c, const struct jg_mask_key *key, const uint8_t *v,
                   size_t n, uint8_t *out, size_t cap, size_t *outlen);

/*
 * jg_mask_message: an error or warning message m[0..n) with the spans the detectors dets find
 * rewritten by det_fn (a NULL function redacts), and with quote = 1 every '...' quoted value
 * redacted too (messages that echo a value of a masked column: duplicate keys, bad values).
 * Returns the new length (at most cap), or 0 when nothing changed. cap must be at least
 * jg_mask_room(n).
 */
size_t jg_mask_message(unsigned dets, const uint8_t det_fn[4], int quote,
                       const struct jg_mask_key *key, const uint8_t *m, size_t n, uint8_t *out,
                       size_t cap);

#endif
