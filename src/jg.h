/*
 * jg.h: what every module shares: the error enum and a few small helpers.
 *
 * enum jg_err values are stable: they appear in logs and audit records, so a value is never
 * renumbered or reused. 0 is success. Incremental parsers return JG_WAIT when they need more
 * bytes, JG_OK (DONE) when a unit is complete, and an error otherwise.
 */
#ifndef JG_H
#define JG_H

#include <stddef.h>
#include <stdint.h>

enum jg_err {
	JG_OK = 0,
	JG_WAIT = 1,            /* need more input or output space; try again on the next event */
	JG_ERR_NOMEM = 2,
	JG_ERR_IO = 3,          /* socket error or peer closed */
	JG_ERR_PROTO = 4,       /* peer broke the MySQL protocol */
	JG_ERR_TOOBIG = 5,      /* a length read from the wire exceeds its bound */
	JG_ERR_TLS = 6,         /* TLS engine failed (handshake, certificate, record) */
	JG_ERR_CONFIG = 7,
	JG_ERR_AUTH = 8,        /* token refused */
	JG_ERR_TIMEOUT = 9,
	JG_ERR_BACKEND = 10,    /* backend unreachable or refused our login */
	JG_ERR_UNSUPPORTED = 11,
	JG_ERR_CLOSED = 12,     /* orderly end of stream */
	JG_ERR_INTERNAL = 13,
};

/* jg_strerr: a short, stable name for an error value (never NULL). */
const char *jg_strerr(int err);

#define JG_VERSION "0.1.0"

#define JG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define JG_MIN(a, b) ((a) < (b) ? (a) : (b))
#define JG_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Little-endian integer access as the MySQL protocol uses it. */
static inline uint32_t jg_le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static inline uint32_t jg_le24(const uint8_t *p) { return jg_le16(p) | (uint32_t)p[2] << 16; }
static inline uint32_t jg_le32(const uint8_t *p) { return jg_le24(p) | (uint32_t)p[3] << 24; }
static inline void jg_put_le16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void jg_put_le24(uint8_t *p, uint32_t v) { jg_put_le16(p, v); p[2] = (uint8_t)(v >> 16); }
static inline void jg_put_le32(uint8_t *p, uint32_t v) { jg_put_le24(p, v); p[3] = (uint8_t)(v >> 24); }

/*
 * jg_post: work finished on another thread (the credential threads) and handed to a worker
 * thread (net/loop.h: jg_worker_post): fn runs on that thread, in its loop. The poster owns the
 * struct until fn is called; then fn's owner does. Defined here so that modules below net/ can
 * embed one without depending on the event loop.
 */
struct jg_post {
	struct jg_post *next;
	void (*fn)(struct jg_post *p);
};

/* Logging to stderr with a level; the token and passwords are never passed here. */
enum { JG_LOG_ERR = 0, JG_LOG_WARN = 1, JG_LOG_INFO = 2, JG_LOG_DEBUG = 3 };
extern int jg_log_level;
void jg_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
