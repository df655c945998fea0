/*
 * jw.h: a JSON writer for audit records: appends to a growing buffer, in the order called, so
 * that the same record always gives the same bytes (the hash chain hashes them).
 *
 * Strings: a string of well-formed UTF-8 is a JSON string (", \ and control characters escaped
 * as \", \\, \n, \t, \r, \b, \f and \u00XX); any other bytes are the object {"base64": "..."}
 * (RFC 4648 with padding), so that a statement in latin1 or a binary value is kept byte for
 * byte and no JSON string is ambiguous. Numbers are integers in decimal.
 *
 * Memory: the buffer is the writer's (malloc'd, grown by doubling); jg_jw_free frees it. An
 * allocation failure is sticky: every later call does nothing and jg_jw_done returns NULL.
 * Keys are the caller's ASCII literals and are not escaped.
 */
#ifndef JG_AUDIT_JW_H
#define JG_AUDIT_JW_H

#include <stddef.h>
#include <stdint.h>

struct jg_jw {
	char *p;
	size_t len, cap;
	int failed;
	uint8_t first;           /* the container being written has no member yet */
	uint8_t depth;
};

void jg_jw_init(struct jg_jw *w);
void jg_jw_free(struct jg_jw *w);
/* jg_jw_reset: empty again, keeping the buffer. */
void jg_jw_reset(struct jg_jw *w);

/* Containers: key is NULL inside an array (and for the outermost object). */
void jg_jw_obj(struct jg_jw *w, const char *key);
void jg_jw_arr(struct jg_jw *w, const char *key);
void jg_jw_end(struct jg_jw *w, char close);   /* '}' or ']' */

/* Members (key NULL inside an array). */
void jg_jw_str(struct jg_jw *w, const char *key, const char *s);
void jg_jw_strn(struct jg_jw *w, const char *key, const void *s, size_t n);
void jg_jw_int(struct jg_jw *w, const char *key, int64_t v);
void jg_jw_uint(struct jg_jw *w, const char *key, uint64_t v);
void jg_jw_bool(struct jg_jw *w, const char *key, int v);
void jg_jw_null(struct jg_jw *w, const char *key);
/* jg_jw_raw: n bytes that are already a JSON value. */
void jg_jw_raw(struct jg_jw *w, const char *key, const char *json, size_t n);

/* jg_jw_reopen: the finished outermost object takes more members (before jg_jw_end again). */
void jg_jw_reopen(struct jg_jw *w);

/* jg_jw_done: the text (NUL-terminated, *len bytes before the NUL), or NULL after a failure. */
const char *jg_jw_done(struct jg_jw *w, size_t *len);

/* jg_jw_dec: v in decimal ASCII at out (room for 20 digits and a sign), not NUL-terminated;
 * its length. As snprintf's %lld / %llu, without the format parsing (records have a dozen). */
size_t jg_jw_dec(char *out, int64_t v);
size_t jg_jw_udec(char *out, uint64_t v);

/* jg_jw_utf8_ok: n bytes at s are well-formed UTF-8 (no overlong forms, no surrogates). */
int jg_jw_utf8_ok(const uint8_t *s, size_t n);

#endif
