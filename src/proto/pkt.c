/* pkt.c: packet contents, read and written; see pkt.h. */
#include "proto/pkt.h"

#include "proto/frame.h"

#include <string.h>

const char *jg_com_name(uint8_t com)
{
	static const char *const names[] = {
		"COM_SLEEP", "COM_QUIT", "COM_INIT_DB", "COM_QUERY", "COM_FIELD_LIST",
		"COM_CREATE_DB", "COM_DROP_DB", "COM_REFRESH", "COM_SHUTDOWN", "COM_STATISTICS",
		"COM_PROCESS_INFO", "COM_CONNECT", "COM_PROCESS_KILL", "COM_DEBUG", "COM_PING",
		"COM_TIME", "COM_DELAYED_INSERT", "COM_CHANGE_USER", "COM_BINLOG_DUMP",
		"COM_TABLE_DUMP", "COM_CONNECT_OUT", "COM_REGISTER_SLAVE", "COM_STMT_PREPARE",
		"COM_STMT_EXECUTE", "COM_STMT_SEND_LONG_DATA", "COM_STMT_CLOSE", "COM_STMT_RESET",
		"COM_SET_OPTION", "COM_STMT_FETCH", "COM_DAEMON", "COM_BINLOG_DUMP_GTID",
		"COM_RESET_CONNECTION",
	};

	return com < JG_ARRAY_LEN(names) ? names[com] : NULL;
}

/* ---- reader ---- */

void jg_rd_init(struct jg_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

size_t jg_rd_left(const struct jg_rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

/* rd_fail: records the first error; always returns NULL for the callers' convenience. */
static const uint8_t *rd_fail(struct jg_rd *r, int err)
{
	if (!r->err)
		r->err = err;
	return NULL;
}

const uint8_t *jg_rd_take(struct jg_rd *r, size_t n)
{
	const uint8_t *q;

	if (r->err || r->len - r->off < n)
		return rd_fail(r, JG_ERR_PROTO);
	q = r->p + r->off;
	r->off += n;
	return q;
}

static uint64_t le(const uint8_t *q, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i > 0; i--)
		v = v << 8 | q[i - 1];
	return v;
}

uint64_t jg_rd_int(struct jg_rd *r, size_t n)
{
	const uint8_t *q;

	if (n < 1 || n > 8) {
		rd_fail(r, JG_ERR_INTERNAL);
		return 0;
	}
	q = jg_rd_take(r, n);
	return q ? le(q, n) : 0;
}

size_t jg_pkt_lenenc(const uint8_t *p, size_t avail, uint64_t *v)
{
	size_t n;

	if (avail < 1)
		return 0;
	switch (p[0]) {
	case 0xfb: case 0xff: return 0;     /* NULL and ERR markers are not integers */
	case 0xfc: n = 3; break;
	case 0xfd: n = 4; break;
	case 0xfe: n = 9; break;
	default: *v = p[0]; return 1;
	}
	if (avail < n)
		return 0;
	*v = le(p + 1, n - 1);
	return n;
}

size_t jg_pkt_lenenc_size(uint64_t v)
{
	return v < 251 ? 1 : v < 0x10000 ? 3 : v < 0x1000000 ? 4 : 9;
}

uint64_t jg_rd_lenenc(struct jg_rd *r)
{
	uint64_t v = 0;
	size_t n;

	if (r->err)
		return 0;
	n = jg_pkt_lenenc(r->p + r->off, r->len - r->off, &v);
	if (n == 0) {
		rd_fail(r, JG_ERR_PROTO);
		return 0;
	}
	r->off += n;
	return v;
}

const uint8_t *jg_rd_lenenc_str(struct jg_rd *r, size_t *n)
{
	uint64_t v = jg_rd_lenenc(r);
	const uint8_t *q;

	*n = 0;
	if (r->err || v > r->len - r->off)  /* compared before any use: v may be up to 2^64 - 1 */
		return rd_fail(r, JG_ERR_PROTO);
	q = jg_rd_take(r, (size_t)v);
	*n = (size_t)v;
	return q;
}

const uint8_t *jg_rd_nulstr(struct jg_rd *r, size_t *n)
{
	const uint8_t *start, *nul;
	size_t left;

	*n = 0;
	if (r->err)
		return NULL;
	start = r->p + r->off;
	left = r->len - r->off;
	nul = left ? memchr(start, 0, left) : NULL;
	*n = nul ? (size_t)(nul - start) : left;
	r->off += *n + (nul ? 1 : 0);
	return start;
}

int jg_rd_cstr(struct jg_rd *r, char *out, size_t cap)
{
	const uint8_t *s;
	size_t n;

	if (r->err)
		return r->err;
	s = jg_rd_nulstr(r, &n);
	if (n >= cap) {
		rd_fail(r, JG_ERR_TOOBIG);
		return r->err;
	}
	memcpy(out, s, n);
	out[n] = '\0';
	return JG_OK;
}

/* ---- writer ---- */

void jg_wr_init(struct jg_wr *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->off = 0;
	w->err = 0;
	w->framed = 0;
}

void jg_wr_packet(struct jg_wr *w, uint8_t *out, size_t cap)
{
	jg_wr_init(w, out, cap);
	w->framed = 1;
	if (cap < JG_FRAME_HDR)
		w->err = JG_ERR_TOOBIG;
	else
		w->off = JG_FRAME_HDR;
}

size_t jg_wr_finish(struct jg_wr *w, uint8_t seq)
{
	if (!w->err && !w->framed)
		w->err = JG_ERR_INTERNAL;
	if (!w->err && w->off - JG_FRAME_HDR >= JG_FRAME_MAX)
		w->err = JG_ERR_TOOBIG;
	if (w->err)
		return 0;
	jg_frame_put_header(w->p, (uint32_t)(w->off - JG_FRAME_HDR), seq);
	return w->off;
}

/* wr_room: n more bytes fit; otherwise the sticky error is set. */
static int wr_room(struct jg_wr *w, size_t n)
{
	if (w->err)
		return 0;
	if (w->cap - w->off < n) {
		w->err = JG_ERR_TOOBIG;
		return 0;
	}
	return 1;
}

void jg_wr_bytes(struct jg_wr *w, const void *src, size_t n)
{
	if (!wr_room(w, n))
		return;
	if (n)
		memcpy(w->p + w->off, src, n);
	w->off += n;
}

void jg_wr_int(struct jg_wr *w, uint64_t v, size_t n)
{
	uint8_t b[8];

	if (n < 1 || n > 8) {
		if (!w->err)
			w->err = JG_ERR_INTERNAL;
		return;
	}
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	jg_wr_bytes(w, b, n);
}

void jg_wr_zero(struct jg_wr *w, size_t n)
{
	if (!wr_room(w, n) || n == 0)
		return;
	memset(w->p + w->off, 0, n);
	w->off += n;
}

void jg_wr_cstr(struct jg_wr *w, const char *s)
{
	if (!s)
		s = "";
	jg_wr_bytes(w, s, strlen(s) + 1);
}

void jg_wr_lenenc(struct jg_wr *w, uint64_t v)
{
	static const uint8_t prefix[] = { [3] = 0xfc, [4] = 0xfd, [9] = 0xfe };
	size_t n = jg_pkt_lenenc_size(v);

	if (n == 1) {
		jg_wr_int(w, v, 1);
		return;
	}
	if (!wr_room(w, n))
		return;
	jg_wr_int(w, prefix[n], 1);
	jg_wr_int(w, v, n - 1);
}

void jg_wr_lenenc_str(struct jg_wr *w, const void *s, size_t n)
{
	/* all or nothing: n first, so that adding the prefix's size cannot wrap */
	if (!wr_room(w, n) || !wr_room(w, n + jg_pkt_lenenc_size(n)))
		return;
	jg_wr_lenenc(w, n);
	jg_wr_bytes(w, s, n);
}

/* ---- OK, ERR, EOF ---- */

/* rd_ok_head: the fields of an OK packet before info. */
static void rd_ok_head(struct jg_rd *r, uint32_t caps, struct jg_pkt_ok *ok)
{
	memset(ok, 0, sizeof(*ok));
	ok->header = (uint8_t)jg_rd_int(r, 1);
	if (ok->header != 0x00 && ok->header != 0xfe)
		rd_fail(r, JG_ERR_PROTO);
	ok->affected_rows = jg_rd_lenenc(r);
	ok->last_insert_id = jg_rd_lenenc(r);
	if (caps & JG_CLIENT_PROTOCOL_41) {
		ok->status = (uint16_t)jg_rd_int(r, 2);
		ok->warnings = (uint16_t)jg_rd_int(r, 2);
	} else if (caps & JG_CLIENT_TRANSACTIONS) {
		ok->status = (uint16_t)jg_rd_int(r, 2);
	}
}

int jg_pkt_parse_ok_head(const uint8_t *p, size_t len, uint32_t caps, struct jg_pkt_ok *ok)
{
	struct jg_rd r;

	jg_rd_init(&r, p, len);
	rd_ok_head(&r, caps, ok);
	if (r.err) {
		memset(ok, 0, sizeof(*ok));
		return JG_ERR_PROTO;
	}
	return JG_OK;
}

int jg_pkt_ok_status(const uint8_t *p, size_t len, uint16_t *status)
{
	size_t off = 1;

	if (len < 1 || (p[0] != 0x00 && p[0] != 0xfe))
		return JG_ERR_PROTO;
	for (int i = 0; i < 2; i++) {           /* affected rows, last insert id */
		if (off >= len || p[off] == 0xfb || p[off] == 0xff)
			return JG_ERR_PROTO;
		off += p[off] < 0xfb ? 1 : p[off] == 0xfc ? 3 : p[off] == 0xfd ? 4 : 9;
	}
	if (off > len || len - off < 4)         /* status and warnings */
		return JG_ERR_PROTO;
	*status = (uint16_t)jg_le16(p + off);
	return JG_OK;
}

int jg_pkt_parse_ok(const uint8_t *p, size_t len, uint32_t caps, struct jg_pkt_ok *ok)
{
	struct jg_rd r;
	int tracked;

	jg_rd_init(&r, p, len);
	rd_ok_head(&r, caps, ok);
	tracked = (caps & JG_CLIENT_SESSION_TRACK) && (ok->status & JG_SERVER_SESSION_STATE_CHANGED);
	if (jg_rd_left(&r) > 0 || tracked)
		ok->info = jg_rd_lenenc_str(&r, &ok->info_len);
	if (tracked)
		ok->track = jg_rd_lenenc_str(&r, &ok->track_len);
	if (r.err || jg_rd_left(&r) != 0) {
		memset(ok, 0, sizeof(*ok));
		return JG_ERR_PROTO;
	}
	return JG_OK;
}

int jg_pkt_parse_err(const uint8_t *p, size_t len, uint32_t caps, struct jg_pkt_err *e)
{
	struct jg_rd r;
	const uint8_t *state;

	memset(e, 0, sizeof(*e));
	jg_rd_init(&r, p, len);
	if (jg_rd_int(&r, 1) != 0xff)
		return JG_ERR_PROTO;
	e->code = (uint16_t)jg_rd_int(&r, 2);
	if (r.err || e->code == 0xffff)
		return JG_ERR_PROTO;
	memcpy(e->sqlstate, "HY000", 6);
	if ((caps & JG_CLIENT_PROTOCOL_41) && jg_rd_left(&r) > 0 && p[r.off] == '#') {
		jg_rd_take(&r, 1);
		if (!(state = jg_rd_take(&r, 5)))
			return JG_ERR_PROTO;
		for (int i = 0; i < 5; i++)      /* SQLSTATE: class and subclass, digits and A-Z */
			if (!((state[i] >= '0' && state[i] <= '9') || (state[i] >= 'A' && state[i] <= 'Z')))
				return JG_ERR_PROTO;
		memcpy(e->sqlstate, state, 5);
	}
	e->msg_len = jg_rd_left(&r);
	e->msg = jg_rd_take(&r, e->msg_len);
	return JG_OK;
}

int jg_pkt_parse_eof(const uint8_t *p, size_t len, struct jg_pkt_eof *e)
{
	memset(e, 0, sizeof(*e));
	if (len != 5 || p[0] != 0xfe)
		return JG_ERR_PROTO;
	e->warnings = (uint16_t)jg_le16(p + 1);
	e->status = (uint16_t)jg_le16(p + 3);
	return JG_OK;
}

int jg_pkt_track_next(struct jg_rd *it, struct jg_pkt_track *t, int *got)
{
	struct jg_rd d;
	const uint8_t *data;
	size_t n;

	memset(t, 0, sizeof(*t));
	*got = 0;
	if (it->err)
		return it->err;
	if (jg_rd_left(it) == 0)
		return JG_OK;
	t->type = (uint8_t)jg_rd_int(it, 1);
	data = jg_rd_lenenc_str(it, &n);
	if (it->err)
		goto fail;
	jg_rd_init(&d, data, n);
	switch (t->type) {
	case JG_TRACK_SYSTEM_VARIABLES:
		t->name = jg_rd_lenenc_str(&d, &t->name_len);
		t->value = jg_rd_lenenc_str(&d, &t->value_len);
		break;
	case JG_TRACK_SCHEMA:
		t->value = jg_rd_lenenc_str(&d, &t->value_len);
		break;
	default:
		t->value = jg_rd_take(&d, n);
		t->value_len = n;
		break;
	}
	if (d.err || jg_rd_left(&d) != 0) {
		rd_fail(it, JG_ERR_PROTO);
		goto fail;
	}
	*got = 1;
	return JG_OK;
fail:
	memset(t, 0, sizeof(*t));
	return it->err;
}

/* ---- column definitions ---- */

/* rd_canon_str: a string<lenenc> whose prefix is the shortest one, into *s. */
static void rd_canon_str(struct jg_rd *r, struct jg_pkt_str *s)
{
	size_t start = r->off;

	s->p = jg_rd_lenenc_str(r, &s->n);
	if (!r->err && r->off - start != jg_pkt_lenenc_size(s->n) + s->n)
		rd_fail(r, JG_ERR_PROTO);
}

int jg_pkt_parse_coldef(const uint8_t *p, size_t len, struct jg_pkt_coldef *c)
{
	struct jg_rd r;
	struct jg_pkt_str *strs[] = { &c->catalog, &c->schema, &c->table, &c->org_table, &c->name,
	                              &c->org_name };

	memset(c, 0, sizeof(*c));
	jg_rd_init(&r, p, len);
	for (size_t i = 0; i < JG_ARRAY_LEN(strs); i++)
		rd_canon_str(&r, strs[i]);
	if (jg_rd_int(&r, 1) != 0x0c)
		goto fail;
	c->charset = (uint16_t)jg_rd_int(&r, 2);
	c->length = (uint32_t)jg_rd_int(&r, 4);
	c->type = (uint8_t)jg_rd_int(&r, 1);
	c->flags = (uint16_t)jg_rd_int(&r, 2);
	c->decimals = (uint8_t)jg_rd_int(&r, 1);
	if (jg_rd_int(&r, 2) != 0)
		goto fail;
	if (jg_rd_left(&r) > 0) {
		if (r.p[r.off] == 0xfb) {
			jg_rd_take(&r, 1);
			c->default_kind = JG_COLDEF_DEFAULT_NULL;
		} else {
			rd_canon_str(&r, &c->default_value);
			c->default_kind = JG_COLDEF_DEFAULT;
		}
	}
	if (r.err || jg_rd_left(&r) != 0)
		goto fail;
	return JG_OK;
fail:
	memset(c, 0, sizeof(*c));
	return JG_ERR_PROTO;
}

void jg_wr_coldef(struct jg_wr *w, const struct jg_pkt_coldef *c)
{
	const struct jg_pkt_str *strs[] = { &c->catalog, &c->schema, &c->table, &c->org_table,
	                                    &c->name, &c->org_name };

	for (size_t i = 0; i < JG_ARRAY_LEN(strs); i++)
		jg_wr_lenenc_str(w, strs[i]->p, strs[i]->n);
	jg_wr_lenenc(w, 0x0c);
	jg_wr_int(w, c->charset, 2);
	jg_wr_int(w, c->length, 4);
	jg_wr_int(w, c->type, 1);
	jg_wr_int(w, c->flags, 2);
	jg_wr_int(w, c->decimals, 1);
	jg_wr_zero(w, 2);
	if (c->default_kind == JG_COLDEF_DEFAULT_NULL)
		jg_wr_int(w, 0xfb, 1);
	else if (c->default_kind == JG_COLDEF_DEFAULT)
		jg_wr_lenenc_str(w, c->default_value.p, c->default_value.n);
}

/* ---- rows ---- */

void jg_text_row_init(struct jg_text_row *t, const uint8_t *p, size_t len, unsigned ncols)
{
	jg_rd_init(&t->r, p, len);
	t->ncols = ncols;
	t->i = 0;
}

int jg_text_row_next(struct jg_text_row *t, struct jg_pkt_value *v)
{
	struct jg_rd *r = &t->r;

	memset(v, 0, sizeof(*v));
	v->off = r->off;
	if (t->i >= t->ncols)
		rd_fail(r, JG_ERR_PROTO);
	if (r->err)
		return r->err;
	if (jg_rd_left(r) > 0 && r->p[r->off] == 0xfb) {
		jg_rd_take(r, 1);
		v->null = 1;
		v->hdr = 1;
	} else {
		v->p = jg_rd_lenenc_str(r, &v->len);
		v->hdr = r->off - v->off - v->len;
	}
	if (r->err) {
		memset(v, 0, sizeof(*v));
		return r->err;
	}
	t->i++;
	return JG_OK;
}

int jg_text_row_finish(const struct jg_text_row *t)
{
	return !t->r.err && t->i == t->ncols && jg_rd_left(&t->r) == 0 ? JG_OK : JG_ERR_PROTO;
}

void jg_bin_row_init(struct jg_bin_row *b, const uint8_t *p, size_t len, const uint8_t *types,
                     unsigned ncols)
{
	jg_rd_init(&b->r, p, len);
	b->types = types;
	b->ncols = ncols;
	b->i = 0;
	if (jg_rd_int(&b->r, 1) != 0x00)
		rd_fail(&b->r, JG_ERR_PROTO);
	b->nulls = jg_rd_take(&b->r, ((size_t)ncols + 7 + 2) / 8);
}

int jg_pkt_bin_value(uint8_t type, const uint8_t *p, size_t avail, size_t *hdr, size_t *len)
{
	uint64_t n = 0;

	*hdr = 0;
	*len = 0;
	switch (type) {
	case JG_TYPE_NULL:
		return JG_OK;
	case JG_TYPE_TINY:
		n = 1;
		break;
	case JG_TYPE_SHORT: case JG_TYPE_YEAR:
		n = 2;
		break;
	case JG_TYPE_LONG: case JG_TYPE_INT24: case JG_TYPE_FLOAT:
		n = 4;
		break;
	case JG_TYPE_LONGLONG: case JG_TYPE_DOUBLE:
		n = 8;
		break;
	case JG_TYPE_DATE: case JG_TYPE_DATETIME: case JG_TYPE_TIMESTAMP:
		if (avail < 1 || (p[0] != 0 && p[0] != 4 && p[0] != 7 && p[0] != 11))
			return JG_ERR_PROTO;
		*hdr = 1;
		n = p[0];
		break;
	case JG_TYPE_TIME:
		if (avail < 1 || (p[0] != 0 && p[0] != 8 && p[0] != 12))
			return JG_ERR_PROTO;
		*hdr = 1;
		n = p[0];
		break;
	case JG_TYPE_DECIMAL: case JG_TYPE_NEWDECIMAL: case JG_TYPE_VARCHAR: case JG_TYPE_BIT:
	case JG_TYPE_VECTOR: case JG_TYPE_JSON: case JG_TYPE_ENUM: case JG_TYPE_SET:
	case JG_TYPE_TINY_BLOB: case JG_TYPE_MEDIUM_BLOB: case JG_TYPE_LONG_BLOB: case JG_TYPE_BLOB:
	case JG_TYPE_VAR_STRING: case JG_TYPE_STRING: case JG_TYPE_GEOMETRY:
		if ((*hdr = jg_pkt_lenenc(p, avail, &n)) == 0)
			return JG_ERR_PROTO;
		break;
	default:
		return JG_ERR_PROTO;   /* internal to the server, or unknown: no binary layout */
	}
	if (n > avail - *hdr) {
		*hdr = 0;
		return JG_ERR_PROTO;
	}
	*len = (size_t)n;
	return JG_OK;
}

int jg_bin_row_next(struct jg_bin_row *b, struct jg_pkt_value *v)
{
	struct jg_rd *r = &b->r;
	size_t bit = (size_t)b->i + 2;

	memset(v, 0, sizeof(*v));
	v->off = r->off;
	if (b->i >= b->ncols)
		rd_fail(r, JG_ERR_PROTO);
	if (r->err)
		return r->err;
	if (b->nulls[bit / 8] & (1u << (bit % 8))) {
		v->null = 1;
	} else if (jg_pkt_bin_value(b->types[b->i], r->p + r->off, jg_rd_left(r), &v->hdr,
	                            &v->len) != JG_OK) {
		memset(v, 0, sizeof(*v));
		rd_fail(r, JG_ERR_PROTO);
		return r->err;
	} else {
		v->p = jg_rd_take(r, v->hdr + v->len) + v->hdr;
	}
	b->i++;
	return JG_OK;
}

int jg_bin_row_finish(const struct jg_bin_row *b)
{
	return !b->r.err && b->i == b->ncols && jg_rd_left(&b->r) == 0 ? JG_OK : JG_ERR_PROTO;
}

/* ---- builders ---- */

size_t jg_pkt_build(uint8_t *out, size_t cap, uint8_t seq, const void *payload, size_t len)
{
	struct jg_wr w;

	jg_wr_packet(&w, out, cap);
	jg_wr_bytes(&w, payload, len);
	return jg_wr_finish(&w, seq);
}

size_t jg_pkt_build_ok(uint8_t *out, size_t cap, uint8_t seq, uint16_t status)
{
	struct jg_wr w;

	jg_wr_packet(&w, out, cap);
	jg_wr_int(&w, 0x00, 1);
	jg_wr_lenenc(&w, 0);
	jg_wr_lenenc(&w, 0);
	jg_wr_int(&w, status, 2);
	jg_wr_int(&w, 0, 2);
	return jg_wr_finish(&w, seq);
}

size_t jg_pkt_build_err(uint8_t *out, size_t cap, uint8_t seq, uint16_t code, const char *sqlstate,
                        const char *msg)
{
	struct jg_wr w;
	size_t n = strlen(msg), room;

	jg_wr_packet(&w, out, cap);
	jg_wr_int(&w, 0xff, 1);
	jg_wr_int(&w, code, 2);
	jg_wr_bytes(&w, "#", 1);
	jg_wr_bytes(&w, sqlstate, 5);
	/* A message longer than the buffer is cut at a character boundary rather than dropped. */
	room = w.err ? 0 : w.cap - w.off;
	if (n > room) {
		n = room;
		while (n > 0 && ((uint8_t)msg[n] & 0xc0) == 0x80)
			n--;
	}
	jg_wr_bytes(&w, msg, n);
	return jg_wr_finish(&w, seq);
}

size_t jg_pkt_build_eof(uint8_t *out, size_t cap, uint8_t seq, uint16_t warnings, uint16_t status)
{
	struct jg_wr w;

	jg_wr_packet(&w, out, cap);
	jg_wr_int(&w, 0xfe, 1);
	jg_wr_int(&w, warnings, 2);
	jg_wr_int(&w, status, 2);
	return jg_wr_finish(&w, seq);
}

