/*
 * pump.h: the byte pump of a session and its buffers. It moves bytes between the two legs
 * (src/net/conn.h) and knows nothing of what they mean: the command stage (command.h) and the
 * result stage (result.h) parse what the pump read and say what it may forward.
 *
 * A direction (struct jg_dir) has one buffer of JG_DIR_BUF bytes, lent by the worker's pool
 * while bytes are in flight and given back when empty, so an idle session holds none:
 *
 *      0          w                r                  end          JG_DIR_BUF
 *      |  written | parsed, to go  | read, not parsed |   free     |
 *
 * What a stage rebuilt (a statement assembled whole, a result rewritten by a stage) goes out of
 * a staging buffer (struct jg_stagebuf) that the stage owns and hangs on the direction as its
 * side output: the pump writes side->p[side->off, side->len) before [w, r). A stage hangs one
 * only when [w, r) is empty, so the order of bytes is the order of packets.
 *
 * Packets the gateway writes itself (greeting, OK, ERR) go through a struct jg_out: a small
 * queue whose builder keeps its first error, so that a dropped ERR cannot go unnoticed: the
 * session checks jg_out's err and ends the session rather than leave a client waiting.
 *
 * Results: JG_OK (done: nothing left to do), JG_WAIT (the leg cannot take or give more now),
 * or an error of the leg (JG_ERR_IO, JG_ERR_TLS, JG_ERR_CLOSED, ...); progress, when asked for,
 * is set to 1 in an out-parameter when bytes moved. Everything runs on the session's worker.
 */
#ifndef JG_PROTO_PUMP_H
#define JG_PROTO_PUMP_H

#include "net/conn.h"
#include "proto/frame.h"
#include "proto/pkt.h"

#define JG_DIR_BUF (17 * 1024)  /* holds a JG_TOKEN_MAX password packet whole */
#define JG_OUT_BUF 1024         /* packets the gateway writes itself */

struct jg_worker;

/*
 * A growable buffer from the thread's pool, bounded by the limit its user gives. p is NULL
 * while unused. As output: p[off, len) is still to be written.
 */
struct jg_stagebuf {
	uint8_t *p;
	size_t cap, len, off;
};

struct jg_dir {
	size_t w, r, end;
	struct jg_frame f;              /* the physical packet being parsed */
	uint8_t discard;                /* drop the current logical packet instead of forwarding it */
	uint8_t *buf;                   /* JG_DIR_BUF bytes from the worker's pool; NULL while empty */
	struct jg_stagebuf *side;       /* written before [w, r); owned by the stage that hung it */
};

struct jg_out {
	size_t off, len;
	int err;                        /* sticky: the first packet that did not fit */
	uint8_t buf[JG_OUT_BUF];
};

/* ---- directions ---- */

/* jg_dir_hold: the direction's buffer from wk's pool (malloc without a worker). */
int jg_dir_hold(struct jg_worker *wk, struct jg_dir *d);

/* jg_dir_release: gives the buffer back when nothing is in it (always with force); the frame
 * state stays, since a packet may be half forwarded with nothing buffered. */
void jg_dir_release(struct jg_worker *wk, struct jg_dir *d, int force);

/* jg_dir_reset: forgets everything buffered and the frame state (the buffer is kept). */
void jg_dir_reset(struct jg_dir *d);

/* jg_dir_idle: nothing of the direction is waiting to be written. */
static inline int jg_dir_idle(const struct jg_dir *d)
{
	return d->w == d->r && (!d->side || d->side->off == d->side->len);
}

/*
 * jg_dir_peek: the header of the physical packet at r, as it would follow the current one
 * (first / in_cont / left set), without consuming it. JG_WAIT while fewer than JG_FRAME_HDR
 * bytes are read.
 */
static inline int jg_dir_peek(const struct jg_dir *d, struct jg_frame *peek)
{
	if (d->end - d->r < JG_FRAME_HDR)
		return JG_WAIT;
	*peek = d->f;
	jg_frame_parse_header(peek, d->buf + d->r);
	jg_frame_begin(peek);
	return JG_OK;
}

/* jg_dir_compact: makes room after end: back to the start when all was written, or [w, end)
 * moved to the start when the buffer is full. */
void jg_dir_compact(struct jg_dir *d);

/*
 * jg_pump_write: side output, then [w, r), to the leg `to`. JG_OK when the leg took all of it
 * (a TLS leg may hold it until jg_conn_flush, which the caller calls once it has written all it
 * will for now), JG_WAIT when the leg is full, or the leg's error.
 */
int jg_pump_write(struct jg_conn *to, struct jg_dir *d, int *progress);

/*
 * jg_pump_read: bytes from the leg `from` into [end, JG_DIR_BUF), after moving [w, end) to the
 * start when the buffer is full. JG_OK when bytes came, JG_WAIT when none (or no room), or the
 * leg's error (JG_ERR_CLOSED at its orderly end).
 */
int jg_pump_read(struct jg_conn *from, struct jg_dir *d, int *progress);

/*
 * jg_pump_packet: one whole packet of the connection phase (small packets): its payload, length
 * and sequence id, borrowed until the next call on d. JG_OK, JG_WAIT, JG_ERR_TOOBIG (over the
 * buffer), or the leg's error.
 */
int jg_pump_packet(struct jg_conn *from, struct jg_dir *d, const uint8_t **payload, uint32_t *len,
                   uint8_t *seq);

/* ---- the gateway's own packets ---- */

static inline uint8_t *jg_out_tail(struct jg_out *o) { return o->buf + o->len; }
static inline size_t jg_out_room(const struct jg_out *o) { return sizeof(o->buf) - o->len; }
static inline int jg_out_pending(const struct jg_out *o) { return o->off < o->len; }

/* jg_out_put: a builder wrote n bytes at jg_out_tail (n == 0: it did not fit: err sticks). */
void jg_out_put(struct jg_out *o, size_t n);

/* jg_out_er: an ERR from the gateway's table (pkt.h) with msg (cut to fit at a UTF-8 boundary). */
void jg_out_er(struct jg_out *o, uint8_t seq, enum jg_er e, const char *msg);

/* jg_out_packet: a packet of len payload bytes. */
void jg_out_packet(struct jg_out *o, uint8_t seq, const void *payload, size_t len);

/* jg_out_flush: writes what is queued; JG_OK when all of it reached the kernel. */
int jg_out_flush(struct jg_conn *c, struct jg_out *o);

/* ---- staging buffers ---- */

/*
 * jg_stagebuf_reserve: room for need more bytes after len, growing up to limit bytes in all.
 * JG_OK, JG_ERR_TOOBIG (len + need over limit), JG_ERR_NOMEM.
 */
int jg_stagebuf_reserve(struct jg_stagebuf *b, size_t need, size_t limit);

/* jg_stagebuf_release: back to the thread's pool (kept when small) or freed; *b is emptied. */
void jg_stagebuf_release(struct jg_stagebuf *b);

/*
 * jg_stagebuf_frame: the payload at b->p[at + JG_FRAME_HDR, b->len), with JG_FRAME_HDR bytes kept
 * free before it, becomes packets: one header per JG_FRAME_MAX bytes (a payload of n times that
 * ends with an empty packet), sequence ids from *seq on (*seq is advanced). Grows b past limit
 * if need be only by the headers. JG_OK or JG_ERR_NOMEM.
 */
int jg_stagebuf_frame(struct jg_stagebuf *b, size_t at, uint8_t *seq);

#endif
