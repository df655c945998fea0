/* result.c: the result stage; see result.h and stage.h. */
#include "proto/result.h"

#include "gw/gateway.h"
#include "proto/state.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Staged bytes for the client above which the copy path stops parsing until they are read. */
#define OUT_HIGH (64 * 1024)

/* begin: a response starts (its first packet is at hand): what each stage wants of it. */
static void begin(struct jg_session *s, uint8_t seq)
{
	memset(&s->res.sum, 0, offsetof(struct jg_result_summary, track));   /* not the 1 KiB */
	s->res.sum.track_len = 0;
	s->res.sum.track_truncated = 0;
	s->res.sum.com = s->resp.command;
	s->res.sum.stmt_id = s->cmd.stmt_id;
	s->res.want = s->res.rows = 0;
	for (unsigned i = 0; i < JG_RESULT_SLOTS; i++) {
		const struct jg_result_stage *st = s->rstage[i];

		s->res.wants[i] = st && st->begin ? st->begin(s, s->resp.command) : 0;
		s->res.want |= s->res.wants[i];
		if (s->res.wants[i] & JG_RS_ROWS)
			s->res.rows |= 1u << i;
	}
	s->res.copy = (s->res.want & (JG_RS_DEFS | JG_RS_ROWS)) != 0;
	s->res.drop = 0;
	s->res.col = 0;
	s->res.seq = seq;
	s->res.began = 1;
	if (s->res.copy)
		s->b2c.side = &s->res.out;
}

/* track: the session-state-change block of an OK, kept for the summary. */
static void track(struct jg_result_summary *sum, const struct jg_pkt_ok *ok)
{
	size_t n = ok->track_len;

	if (!n)
		return;
	if (n > sizeof(sum->track) - sum->track_len) {
		sum->track_truncated = 1;
		return;
	}
	memcpy(sum->track + sum->track_len, ok->track, n);
	sum->track_len += n;
}

/* is_end: the packet the machine just read is an OK or EOF that ends a result, on a backend leg
 * that tracks session state: it carries the server's status, and maybe state changes (state.h). */
static int is_end(const struct jg_session *s)
{
	return (s->resp.kind == JG_RK_OK || s->resp.kind == JG_RK_EOF) && jg_state_observed(s);
}

/* summarize: an OK, ERR or EOF that ends a result into the summary. The OK's info and
 * session-state block are read only when the backend leg tracks session state. */
static void summarize(struct jg_session *s, const uint8_t *p, size_t len)
{
	struct jg_result_summary *sum = &s->res.sum;
	struct jg_pkt_ok ok;
	struct jg_pkt_err err;
	struct jg_pkt_eof eof;
	uint8_t kind = s->resp.kind;
	int full = !!(s->lb.caps & JG_CLIENT_SESSION_TRACK);

	if (kind != JG_RK_OK && kind != JG_RK_ERR && kind != JG_RK_EOF)
		return;                 /* definitions, rows, the EOF after definitions */
	sum->status = s->resp.status;
	if (kind == JG_RK_ERR) {
		if (jg_pkt_parse_err(p, len, s->lb.caps, &err) == JG_OK) {
			sum->error = err.code;
			memcpy(sum->sqlstate, err.sqlstate, sizeof(sum->sqlstate));
			sum->error_msg = err.msg;
			sum->error_msg_len = err.msg_len;
		}
	} else if (kind == JG_RK_OK || (s->resp.deprecate_eof && len >= 7)) {
		if ((full ? jg_pkt_parse_ok(p, len, s->lb.caps, &ok) :
		            jg_pkt_parse_ok_head(p, len, s->lb.caps, &ok)) == JG_OK) {
			sum->affected_rows += ok.affected_rows;
			if (ok.last_insert_id)
				sum->last_insert_id = ok.last_insert_id;
			sum->warnings += ok.warnings;
			sum->status = ok.status;
			if (full)
				track(sum, &ok);
		}
	} else if (jg_pkt_parse_eof(p, len, &eof) == JG_OK) {
		sum->warnings += eof.warnings;
		sum->status = eof.status;
	}
}

/* end: the response is over: the stages that asked get the summary. */
static void end(struct jg_session *s)
{
	s->res.sum.results = s->resp.results;
	s->res.sum.rows = s->resp.rows;
	for (unsigned i = 0; i < JG_RESULT_SLOTS; i++)
		if ((s->res.wants[i] & JG_RS_END) && s->rstage[i]->end)
			s->rstage[i]->end(s, &s->res.sum);
	s->res.began = s->res.copy = s->res.drop = 0;
	s->res.want = 0;
	if (s->res.pkt.p)
		jg_stagebuf_release(&s->res.pkt);
	if (s->res.alt.p)
		jg_stagebuf_release(&s->res.alt);
}

/* emit: a payload as packets for the client, at the end of out. */
static int emit(struct jg_session *s, const uint8_t *p, size_t n)
{
	struct jg_stagebuf *out = &s->res.out;
	size_t k = n / JG_FRAME_MAX + 1, at;

	if (jg_stagebuf_reserve(out, n + k * JG_FRAME_HDR, SIZE_MAX) != JG_OK)
		return JG_ERR_NOMEM;
	for (size_t i = 0; i < k; i++) {
		size_t c = i + 1 < k ? JG_FRAME_MAX : n - i * JG_FRAME_MAX;

		at = out->len;
		jg_frame_put_header(out->p + at, (uint32_t)c, s->res.seq++);
		if (c)                  /* an empty packet has no bytes (p may be NULL) */
			memcpy(out->p + at + JG_FRAME_HDR, p + i * JG_FRAME_MAX, c);
		out->len = at + JG_FRAME_HDR + c;
	}
	return JG_OK;
}

/*
 * cut: the client's response ends here with an ERR of ours (a row over the limit, a stage that
 * failed); what is left of the database's response is read and dropped.
 */
static int cut(struct jg_session *s, enum jg_er e, const char *msg)
{
	const struct jg_er_def *def = jg_er_def(e);
	uint8_t pkt[600];
	size_t n;

	n = jg_pkt_build_er(pkt, sizeof(pkt), s->res.seq, e, msg);
	if (!n || emit(s, pkt + JG_FRAME_HDR, n - JG_FRAME_HDR) != JG_OK)
		return JG_ERR_NOMEM;
	jg_log(JG_LOG_INFO, "session %u: result cut with ERR %u: %s", s->id, def->code, msg);
	s->res.sum.error = def->code;
	memcpy(s->res.sum.sqlstate, def->sqlstate, sizeof(s->res.sum.sqlstate));
	s->res.sum.error_msg = NULL;
	s->res.sum.error_msg_len = 0;
	s->res.sum.by_gateway = 1;
	s->res.drop = 1;
	s->res.open = 0;
	s->b2c.discard = 1;
	s->b2c.w = s->b2c.r;
	return JG_OK;
}

/* rewrite: a definition or row through the stages that want it; pkt may be replaced. */
static int rewrite(struct jg_session *s, unsigned want)
{
	int binary = s->resp.command == JG_COM_STMT_EXECUTE || s->resp.command == JG_COM_STMT_FETCH;
	size_t limit = (size_t)s->gw->cfg->limit_row, outlen, cap;
	struct jg_stagebuf tmp;
	int rc = JG_OK;

	for (unsigned i = 0; i < JG_RESULT_SLOTS && rc == JG_OK; i++) {
		const struct jg_result_stage *st = s->rstage[i];

		if (want == JG_RS_ROWS ? !(s->res.rows & (1u << i)) : !(s->res.wants[i] & want))
			continue;
		cap = JG_MIN(limit, JG_MAX(2 * s->res.pkt.len, s->res.pkt.len + 4096));
		s->res.alt.len = 0;
		if (jg_stagebuf_reserve(&s->res.alt, cap, cap) != JG_OK)
			return JG_ERR_NOMEM;
		outlen = 0;
		if (want == JG_RS_DEFS)
			rc = st->column(s, s->res.col, s->res.pkt.p, s->res.pkt.len, s->res.alt.p, cap,
			                &outlen);
		else if (want == JG_RS_ERRS)
			rc = st->error(s, s->res.pkt.p, s->res.pkt.len, s->res.alt.p, cap, &outlen);
		else
			rc = st->row(s, binary, s->res.pkt.p, s->res.pkt.len, s->res.alt.p, cap, &outlen);
		if (rc == JG_OK && outlen > 0 && outlen <= cap) {
			tmp = s->res.pkt;
			s->res.pkt = s->res.alt;
			s->res.alt = tmp;
			s->res.pkt.len = outlen;
		}
	}
	return rc;
}

/* defs_done: a result set's definitions are all seen: which stages want its rows. */
static void defs_done(struct jg_session *s)
{
	for (unsigned i = 0; i < JG_RESULT_SLOTS; i++) {
		const struct jg_result_stage *st = s->rstage[i];

		if ((s->res.wants[i] & JG_RS_DEFS) && st->defs_done &&
		    (st->defs_done(s, s->res.col) & JG_RS_ROWS))
			s->res.rows |= 1u << i;
	}
}

/* finish: the packet assembled in pkt is whole: through the stages, then out to the client. */
static int finish(struct jg_session *s)
{
	uint8_t kind = s->resp.kind;
	char msg[200];
	int rc = JG_OK;

	s->res.open = 0;
	if (kind == JG_RK_COUNT)
		s->res.col = 0;
	if (kind == JG_RK_COLDEF && (s->res.want & JG_RS_DEFS))
		rc = rewrite(s, JG_RS_DEFS);
	else if (kind == JG_RK_ROW && s->res.rows)
		rc = rewrite(s, JG_RS_ROWS);
	else if (kind == JG_RK_ERR && (s->res.want & JG_RS_ERRS))
		rc = rewrite(s, JG_RS_ERRS);
	if (kind == JG_RK_COLDEF) {
		s->res.col++;
		if (rc == JG_OK && s->resp.left == 0 && s->resp.list == JG_LIST_COLUMNS)
			defs_done(s);
	}
	if (rc == JG_ERR_NOMEM)
		return rc;
	if (rc != JG_OK) {
		snprintf(msg, sizeof(msg), "jitgate could not process a %s of this result (%s); the "
		         "result was cut here", kind == JG_RK_ROW ? "row" : "column definition",
		         jg_strerr(rc));
		rc = cut(s, JG_ER_TOO_LARGE, msg);
	} else {
		if (s->res.want & JG_RS_END)
			summarize(s, s->res.pkt.p, s->res.pkt.len);
		if (is_end(s))
			s->res.pkt.len = jg_state_end(s, s->res.pkt.p, s->res.pkt.len);
		rc = emit(s, s->res.pkt.p, s->res.pkt.len);
	}
	if (rc == JG_OK && jg_resp_done(&s->resp))
		end(s);
	return rc;
}

/* pass: payload bytes of the current physical packet: forwarded, assembled or dropped. */
static int pass(struct jg_session *s, struct jg_dir *d)
{
	size_t n = JG_MIN((size_t)d->f.left, d->end - d->r);
	char msg[200];
	int rc;

	if (s->res.open && !d->discard) {
		rc = jg_stagebuf_reserve(&s->res.pkt, n, (size_t)s->gw->cfg->limit_row);
		if (rc == JG_ERR_TOOBIG) {
			snprintf(msg, sizeof(msg), "jitgate holds at most %d bytes of one row of a result "
			         "it inspects ([limits] row); this row is larger, so the result was cut "
			         "here", s->gw->cfg->limit_row);
			if ((rc = cut(s, JG_ER_TOO_LARGE, msg)) != JG_OK)
				return rc;
			if (jg_resp_done(&s->resp))
				end(s);
		} else if (rc != JG_OK) {
			return rc;
		} else {
			memcpy(s->res.pkt.p + s->res.pkt.len, d->buf + d->r, n);
			s->res.pkt.len += n;
		}
	}
	d->r += n;
	d->f.left -= (uint32_t)n;
	if (d->discard || s->res.open)
		d->w = d->r;
	if (s->res.open && d->f.left == 0 && !d->f.in_cont)
		return finish(s);
	return JG_OK;
}

/*
 * end_in_place: an end packet on the zero-copy path, whole in the direction buffer at r: the
 * state it reports is observed, and a state block the client did not ask for is cut out of the
 * buffer (the bytes after the packet move down; *f shrinks with it).
 */
static int end_in_place(struct jg_session *s, struct jg_dir *d, struct jg_frame *f, size_t have)
{
	uint8_t *payload = d->buf + d->r + JG_FRAME_HDR;
	size_t n;

	if (have != f->len)     /* larger than the buffer: its state would go unobserved */
		return (s->resp.status & JG_SERVER_SESSION_STATE_CHANGED) ? JG_ERR_PROTO : JG_OK;
	if (s->res.want & JG_RS_END)
		summarize(s, payload, have);
	n = jg_state_end(s, payload, have);
	if (n < f->len) {
		memmove(payload + n, payload + f->len, d->end - (d->r + JG_FRAME_HDR + f->len));
		d->end -= f->len - n;
		jg_frame_put_header(d->buf + d->r, (uint32_t)n, f->seq);
		f->len = f->left = (uint32_t)n;
	}
	return JG_OK;
}

/*
 * row_copied: whether the row the machine just read (total bytes, or a packet that spans
 * several) takes the copy path: some stage needs it whole. The stages that would take it only
 * up to their row_max, and it is larger, are told its size instead (p NULL).
 */
static int row_copied(struct jg_session *s, uint32_t total)
{
	int binary = s->resp.command == JG_COM_STMT_EXECUTE || s->resp.command == JG_COM_STMT_FETCH;
	size_t len = total, outlen = 0;
	unsigned skip = 0;

	for (unsigned i = 0; i < JG_RESULT_SLOTS; i++) {
		const struct jg_result_stage *st = s->rstage[i];

		if (!(s->res.rows & (1u << i)))
			continue;
		if (!st->row_max || (total < JG_FRAME_MAX && len <= st->row_max(s)))
			return 1;
		skip |= 1u << i;
	}
	for (unsigned i = 0; i < JG_RESULT_SLOTS; i++)
		if (skip & (1u << i))
			s->rstage[i]->row(s, binary, NULL, len, NULL, 0, &outlen);
	return 0;
}

/*
 * mode: the path of the packet the machine just read. Definitions take the copy path when a
 * stage wants them, rows when a stage wants this result set's rows (defs_done), an ERR when a
 * stage wants errors; other packets follow the path of the packet before. Bytes forwarded in
 * place and not yet written move behind what is staged, so the client gets everything in order.
 */
static int mode(struct jg_session *s, struct jg_dir *d)
{
	struct jg_stagebuf *out = &s->res.out;
	int copy = s->res.copy;
	size_t n;

	switch (s->resp.kind) {
	case JG_RK_COUNT:
		s->res.rows = 0;
		for (unsigned i = 0; i < JG_RESULT_SLOTS; i++)
			if (s->res.wants[i] & JG_RS_ROWS)
				s->res.rows |= 1u << i;
		copy = (s->res.want & JG_RS_DEFS) || s->res.rows;
		break;
	case JG_RK_COLDEF:
		copy = copy || (s->res.want & JG_RS_DEFS);
		break;
	case JG_RK_ROW:
		copy = s->res.rows != 0 && row_copied(s, s->resp.pkt_total);
		break;
	case JG_RK_ERR:
		copy = copy || (s->res.want & JG_RS_ERRS);
		break;
	default:
		break;
	}
	if (copy && !s->res.copy && (n = d->r - d->w) > 0) {
		if (jg_stagebuf_reserve(out, n, SIZE_MAX) != JG_OK)
			return JG_ERR_NOMEM;
		memcpy(out->p + out->len, d->buf + d->w, n);
		out->len += n;
		d->w = d->r;
	}
	s->res.copy = (uint8_t)copy;
	if (copy)
		d->side = out;
	return JG_OK;
}

/* packet: a logical packet starts: the machine learns it, and its bytes get their fate. */
static int packet(struct jg_session *s, struct jg_dir *d, const struct jg_frame *peek,
                  const uint8_t *payload, size_t have)
{
	struct jg_frame f = *peek;
	int rc;

	if (!s->res.began && !jg_resp_done(&s->resp))
		begin(s, peek->seq);
	if ((rc = jg_resp_packet(&s->resp, payload, have, peek->len)) != JG_OK)
		return rc;
	if (s->resp.kind == JG_RK_PREPARE_OK && have >= 9) {
		s->res.sum.stmt_id = jg_le32(payload + 1);
		s->res.sum.params = (uint16_t)jg_le16(payload + 7);
	}
	if (!s->res.drop && (rc = mode(s, d)) != JG_OK)
		return rc;
	if (!s->res.copy && !s->res.drop) {     /* the copy path may have renumbered before it */
		f.seq = s->res.seq++;
		d->buf[d->r + 3] = f.seq;
	}
	if ((!s->res.copy || s->res.drop) && is_end(s) && (rc = end_in_place(s, d, &f, have)) != JG_OK)
		return rc;
	peek = &f;
	d->f = *peek;
	d->r += JG_FRAME_HDR;
	d->discard = s->res.drop;
	if (d->discard) {
		d->w = d->r;
	} else if (s->res.copy) {
		d->w = d->r;
		s->res.open = 1;
		s->res.pkt.len = 0;
		if (peek->len == 0)
			return finish(s);
		return JG_OK;
	} else if ((s->res.want & JG_RS_END) && have == peek->len && !is_end(s)) {
		summarize(s, payload, have);
	}
	if (jg_resp_done(&s->resp) && s->res.began)
		end(s);
	return JG_OK;
}

int jg_result_parse(struct jg_session *s, int *progress)
{
	struct jg_dir *d = &s->b2c;
	struct jg_stagebuf *out = &s->res.out;
	struct jg_frame peek;
	size_t avail, need;
	int rc;

	if (out->off == out->len && out->len) {
		out->off = out->len = 0;
		if (!s->res.copy) {
			jg_stagebuf_release(out);       /* the copy path's response went out whole */
			d->side = NULL;
		}
	}
	for (;;) {
		if (d->r >= d->end)
			return JG_WAIT;
		if (d->f.left > 0) {
			if ((rc = pass(s, d)) != JG_OK)
				return rc;
			*progress = 1;
			continue;
		}
		if (jg_dir_peek(d, &peek) != JG_OK)
			return JG_WAIT;
		avail = d->end - d->r;
		if (!peek.first) {              /* the next physical packet of the same packet */
			if (!s->res.open && !d->discard)
				d->buf[d->r + 3] = s->res.seq++;
			d->f = peek;
			d->r += JG_FRAME_HDR;
			if (d->discard || s->res.open)
				d->w = d->r;
			else if (s->res.copy && !s->res.drop)
				return JG_ERR_PROTO;
			if (s->res.open && peek.len == 0 && (rc = finish(s)) != JG_OK)
				return rc;
			*progress = 1;
			continue;
		}
		need = JG_FRAME_HDR + peek.len <= JG_DIR_BUF ? peek.len : jg_resp_need(peek.len);
		if (avail - JG_FRAME_HDR < need)
			return JG_WAIT;
		if (s->res.copy && out->len - out->off > OUT_HIGH)
			return JG_WAIT;
		rc = packet(s, d, &peek, d->buf + d->r + JG_FRAME_HDR,
		            JG_MIN(avail - JG_FRAME_HDR, (size_t)peek.len));
		if (rc != JG_OK)
			return rc;
		*progress = 1;
	}
}
