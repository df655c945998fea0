/* pump.c: directions, the gateway's own packets and staging buffers; see pump.h. */
#include "proto/pump.h"

#include "net/loop.h"
#include "proto/handshake.h"

#include <stdlib.h>
#include <string.h>

/* ---- directions ---- */

int jg_dir_hold(struct jg_worker *wk, struct jg_dir *d)
{
	if (!d->buf && !(d->buf = wk ? jg_worker_buf_get(wk) : malloc(JG_DIR_BUF)))
		return JG_ERR_NOMEM;
	return JG_OK;
}

void jg_dir_release(struct jg_worker *wk, struct jg_dir *d, int force)
{
	if (!d->buf || (!force && (d->w != d->end || d->r != d->end)))
		return;
	if (wk)
		jg_worker_buf_put(wk, d->buf);
	else
		free(d->buf);
	d->buf = NULL;
	d->w = d->r = d->end = 0;
}

void jg_dir_reset(struct jg_dir *d)
{
	d->w = d->r = d->end = 0;
	memset(&d->f, 0, sizeof(d->f));
	d->discard = 0;
}

int jg_pump_write(struct jg_conn *to, struct jg_dir *d, int *progress)
{
	const uint8_t *p;
	size_t n, put;
	int rc, retried = 0;

	for (;;) {
		if (d->side && d->side->off < d->side->len) {
			p = d->side->p + d->side->off;
			n = d->side->len - d->side->off;
		} else if (d->w < d->r) {
			p = d->buf + d->w;
			n = d->r - d->w;
		} else {
			break;
		}
		rc = jg_conn_write(to, p, n, &put);
		if (rc == JG_WAIT) {
			/* A TLS engine whose records went out may take more; a full socket will not. */
			if (retried || (rc = jg_conn_flush(to)) != JG_OK)
				return rc;
			retried = 1;
			continue;
		}
		if (rc != JG_OK)
			return rc;
		retried = 0;
		*progress = 1;
		if (d->side && d->side->off < d->side->len)
			d->side->off += put;
		else
			d->w += put;
	}
	return JG_OK;
}

void jg_dir_compact(struct jg_dir *d)
{
	if (d->w == d->end) {
		d->w = d->r = d->end = 0;
	} else if (d->end == JG_DIR_BUF && d->w > 0) {
		memmove(d->buf, d->buf + d->w, d->end - d->w);
		d->r -= d->w;
		d->end -= d->w;
		d->w = 0;
	}
}

int jg_pump_read(struct jg_conn *from, struct jg_dir *d, int *progress)
{
	size_t got;
	int rc;

	jg_dir_compact(d);
	if (d->end == JG_DIR_BUF)
		return JG_WAIT;
	rc = jg_conn_read(from, d->buf + d->end, JG_DIR_BUF - d->end, &got);
	if (rc != JG_OK)
		return rc;
	d->end += got;
	*progress = 1;
	return JG_OK;
}

int jg_pump_packet(struct jg_conn *from, struct jg_dir *d, const uint8_t **payload, uint32_t *len,
                   uint8_t *seq)
{
	size_t avail, got;
	int rc;

	for (;;) {
		avail = d->end - d->r;
		if (avail >= JG_FRAME_HDR) {
			jg_frame_parse_header(&d->f, d->buf + d->r);
			if (d->f.len > JG_DIR_BUF - JG_FRAME_HDR)
				return JG_ERR_TOOBIG;
			if (avail >= JG_FRAME_HDR + d->f.len) {
				*payload = d->buf + d->r + JG_FRAME_HDR;
				*len = d->f.len;
				*seq = d->f.seq;
				d->r += JG_FRAME_HDR + d->f.len;
				d->w = d->r;
				return JG_OK;
			}
		}
		if (d->r > 0) {
			memmove(d->buf, d->buf + d->r, avail);
			d->r = d->w = 0;
			d->end = avail;
		}
		rc = jg_conn_read(from, d->buf + d->end, JG_DIR_BUF - d->end, &got);
		if (rc != JG_OK)
			return rc;
		d->end += got;
	}
}

/* ---- the gateway's own packets ---- */

void jg_out_put(struct jg_out *o, size_t n)
{
	if (n == 0) {
		if (!o->err)
			o->err = JG_ERR_TOOBIG;
		return;
	}
	o->len += n;
}

void jg_out_er(struct jg_out *o, uint8_t seq, enum jg_er e, const char *msg)
{
	jg_out_put(o, jg_pkt_build_er(jg_out_tail(o), jg_out_room(o), seq, e, msg));
}

void jg_out_packet(struct jg_out *o, uint8_t seq, const void *payload, size_t len)
{
	jg_out_put(o, jg_pkt_build(jg_out_tail(o), jg_out_room(o), seq, payload, len));
}

int jg_out_flush(struct jg_conn *c, struct jg_out *o)
{
	size_t put;
	int rc;

	while (o->off < o->len) {
		rc = jg_conn_write(c, o->buf + o->off, o->len - o->off, &put);
		if (rc != JG_OK) {
			if (rc == JG_WAIT)
				jg_conn_flush(c);
			return rc;
		}
		o->off += put;
	}
	o->off = o->len = 0;
	return jg_conn_flush(c);
}

/* ---- staging buffers ---- */

/*
 * The thread's pool: buffers of at most POOL_BUF_MAX bytes are kept for reuse (POOL_KEEP of
 * them); larger ones go back to malloc at once, so a session that once staged a 100 MiB
 * statement does not keep it.
 */
#define POOL_KEEP 8
#define POOL_BUF_MAX (256 * 1024)
#define STAGE_MIN (64 * 1024)

static _Thread_local struct {
	uint8_t *p[POOL_KEEP];
	size_t cap[POOL_KEEP];
	unsigned n;
} pool;

int jg_stagebuf_reserve(struct jg_stagebuf *b, size_t need, size_t limit)
{
	size_t want, cap;
	uint8_t *p;

	if (need > limit || b->len > limit - need)
		return JG_ERR_TOOBIG;
	want = b->len + need;
	if (want <= b->cap)
		return JG_OK;
	if (!b->p && pool.n > 0 && pool.cap[pool.n - 1] >= want) {
		pool.n--;
		b->p = pool.p[pool.n];
		b->cap = pool.cap[pool.n];
		return JG_OK;
	}
	cap = b->cap ? b->cap : STAGE_MIN;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	if (cap > limit && want <= limit)
		cap = JG_MAX(want, JG_MIN(limit, cap));
	if (!(p = realloc(b->p, cap)))
		return JG_ERR_NOMEM;
	b->p = p;
	b->cap = cap;
	return JG_OK;
}

void jg_stagebuf_release(struct jg_stagebuf *b)
{
	if (b->p && b->cap <= POOL_BUF_MAX && pool.n < POOL_KEEP) {
		pool.p[pool.n] = b->p;
		pool.cap[pool.n] = b->cap;
		pool.n++;
	} else {
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

int jg_stagebuf_frame(struct jg_stagebuf *b, size_t at, uint8_t *seq)
{
	size_t payload = b->len - at - JG_FRAME_HDR;
	size_t k = payload / JG_FRAME_MAX + 1;     /* physical packets */
	size_t extra = (k - 1) * JG_FRAME_HDR;
	uint8_t *base;

	if (extra && jg_stagebuf_reserve(b, extra, SIZE_MAX) != JG_OK)
		return JG_ERR_NOMEM;
	base = b->p + at;
	/* From the last chunk to the first: each moves towards the end by the headers before it. */
	for (size_t i = k; i-- > 0;) {
		size_t src = JG_FRAME_HDR + i * JG_FRAME_MAX;
		size_t n = i + 1 < k ? JG_FRAME_MAX : payload - i * JG_FRAME_MAX;
		size_t dst = i * (JG_FRAME_HDR + JG_FRAME_MAX) + JG_FRAME_HDR;

		if (dst != src)
			memmove(base + dst, base + src, n);
		jg_frame_put_header(base + dst - JG_FRAME_HDR, (uint32_t)n, (uint8_t)(*seq + i));
	}
	*seq = (uint8_t)(*seq + k);
	b->len += extra;
	return JG_OK;
}
