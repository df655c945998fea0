/*
 * fuzz/pkt: every reader of the packet codec (src/proto/pkt.h) on bytes a backend or a client
 * controls: OK (with session-state blocks), ERR, EOF, column definitions, text and binary rows,
 * single binary values, the jg_rd primitives, and the writers' round trips.
 *
 * Input:  SEL CAPS4 REST
 *   SEL    which reader (SEL % 9): 0 OK, 1 ERR, 2 EOF, 3 column definition, 4 text row,
 *          5 binary row, 6 track block, 7 reader primitives, 8 one binary value and writers
 *   CAPS4  the negotiated capabilities (little-endian; OK and ERR read PROTOCOL_41,
 *          TRANSACTIONS and SESSION_TRACK)
 *   REST   the payload, except: text row NCOLS PAYLOAD; binary row NCOLS TYPES[NCOLS] PAYLOAD;
 *          primitives NOPS OPS[NOPS] PAYLOAD; binary value TYPE PAYLOAD
 *
 * The payload (and the types) are copied into heap blocks of their exact size, so that ASan sees
 * a read one byte outside them. Invariants: whatever a reader returns lies inside its input;
 * errors are sticky; a parsed OK's head is what jg_pkt_parse_ok_head reads; a parsed column
 * definition written back with jg_wr_coldef gives the same bytes; a row cursor that finishes
 * JG_OK read its values end to end and consumed exactly the row; writers and readers agree.
 *
 * Build and run: `make fuzz-replay`, `make fuzz-pkt` (docs/fuzzing.md).
 */
#include "fuzz.h"
#include "proto/pkt.h"

#include <string.h>

/* in: [q, q + n) lies in [base, base + len) (q may be NULL only for n = 0). */
static int in(const uint8_t *q, size_t n, const uint8_t *base, size_t len)
{
	if (!q)
		return n == 0;
	return q >= base && q <= base + len && n <= (size_t)(base + len - q);
}

static void track_walk(const uint8_t *track, size_t len, const uint8_t *base, size_t blen)
{
	struct jg_rd it;
	struct jg_pkt_track t;
	int got, rc;
	size_t steps = 0, last = 0;

	jg_rd_init(&it, track, len);
	while ((rc = jg_pkt_track_next(&it, &t, &got)) == JG_OK && got) {
		CHECK(in(t.name, t.name_len, base, blen) && in(t.value, t.value_len, base, blen));
		CHECK(t.type == JG_TRACK_SYSTEM_VARIABLES || t.name == NULL);
		CHECK(it.off > last);                 /* every change takes at least two bytes */
		last = it.off;
		CHECK(++steps <= len);
	}
	CHECK(it.off <= it.len);
	if (rc != JG_OK) {
		CHECK(rc == JG_ERR_PROTO && it.err == rc && got == 0 && !t.name && !t.value);
		CHECK(jg_pkt_track_next(&it, &t, &got) == rc && got == 0);     /* sticky */
	} else {
		CHECK(jg_rd_left(&it) == 0);
	}
}

static void ok(const uint8_t *p, size_t len, uint32_t caps)
{
	struct jg_pkt_ok o, h;
	int rc = jg_pkt_parse_ok(p, len, caps, &o), hrc = jg_pkt_parse_ok_head(p, len, caps, &h);
	uint16_t st = 0xbeef;
	int src = jg_pkt_ok_status(p, len, &st);

	/* the tracker's status reader agrees with the head's (PROTOCOL_41) */
	if (caps & JG_CLIENT_PROTOCOL_41)
		CHECK(src == hrc && (src != JG_OK || st == h.status));
	CHECK(src == JG_OK || st == 0xbeef);

	CHECK(rc == JG_OK || rc == JG_ERR_PROTO);
	CHECK(hrc == JG_OK || hrc == JG_ERR_PROTO);
	if (rc != JG_OK) {
		CHECK(!o.info && !o.track);
		return;
	}
	CHECK(hrc == JG_OK && h.header == o.header && h.affected_rows == o.affected_rows &&
	      h.last_insert_id == o.last_insert_id && h.status == o.status &&
	      h.warnings == o.warnings && !h.info && !h.track);
	CHECK(o.header == 0x00 || o.header == 0xfe);
	CHECK(in(o.info, o.info_len, p, len) && in(o.track, o.track_len, p, len));
	if (o.track) {
		CHECK((caps & JG_CLIENT_SESSION_TRACK) && (o.status & JG_SERVER_SESSION_STATE_CHANGED));
		track_walk(o.track, o.track_len, p, len);
	}
}

static void err(const uint8_t *p, size_t len, uint32_t caps)
{
	struct jg_pkt_err e;
	int rc = jg_pkt_parse_err(p, len, caps, &e);

	CHECK(rc == JG_OK || rc == JG_ERR_PROTO);
	if (rc == JG_OK) {
		CHECK(len >= 3 && p[0] == 0xff && e.code == jg_le16(p + 1) && e.code != 0xffff);
		CHECK(strlen(e.sqlstate) == 5);
		CHECK(in(e.msg, e.msg_len, p, len) && e.msg + e.msg_len == p + len);
	} else {
		CHECK(!e.msg && e.msg_len == 0);
	}
}

static void eof(const uint8_t *p, size_t len)
{
	struct jg_pkt_eof e;
	int rc = jg_pkt_parse_eof(p, len, &e);

	CHECK(rc == (len == 5 && p[0] == 0xfe ? JG_OK : JG_ERR_PROTO));
}

static void coldef(const uint8_t *p, size_t len)
{
	struct jg_pkt_coldef c;
	const struct jg_pkt_str *s[] = { &c.catalog, &c.schema, &c.table, &c.org_table, &c.name,
	                                 &c.org_name, &c.default_value };
	uint8_t *out;
	struct jg_wr w;

	if (jg_pkt_parse_coldef(p, len, &c) != JG_OK) {
		CHECK(!c.catalog.p && !c.name.p && c.default_kind == JG_COLDEF_NO_DEFAULT);
		return;
	}
	for (size_t i = 0; i < JG_ARRAY_LEN(s); i++)
		CHECK(in(s[i]->p, s[i]->n, p, len));
	/* written back into a buffer of exactly len bytes: the same bytes, no more */
	out = jg_fuzz_copy(p, len);
	memset(out, 0xa5, len);
	jg_wr_init(&w, out, len);
	jg_wr_coldef(&w, &c);
	CHECK(w.err == 0 && w.off == len && memcmp(out, p, len) == 0);
	free(out);
}

static void text_row(const uint8_t *p, size_t len, unsigned ncols)
{
	struct jg_text_row t;
	struct jg_pkt_value v;
	size_t end = 0;
	int rc;

	jg_text_row_init(&t, p, len, ncols);
	while ((rc = jg_text_row_next(&t, &v)) == JG_OK) {
		CHECK(v.off == end && v.hdr >= 1 && v.off + v.hdr + v.len <= len);
		CHECK(v.null ? (!v.p && v.len == 0 && v.hdr == 1 && p[v.off] == 0xfb) :
		               (v.p == p + v.off + v.hdr && in(v.p, v.len, p, len)));
		end = v.off + v.hdr + v.len;
		CHECK(t.i <= ncols);
	}
	CHECK(rc == JG_ERR_PROTO && t.r.err == rc && !v.p && v.len == 0);
	CHECK(jg_text_row_next(&t, &v) == rc);                            /* sticky */
	if (jg_text_row_finish(&t) == JG_OK)
		CHECK(0);                      /* finish after a failed next can never be OK */
	/* a fresh cursor read to ncols values: finish says OK exactly when the row is used up */
	jg_text_row_init(&t, p, len, ncols);
	end = 0;
	for (unsigned i = 0; i < ncols && jg_text_row_next(&t, &v) == JG_OK; i++)
		end = v.off + v.hdr + v.len;
	if (jg_text_row_finish(&t) == JG_OK)
		CHECK(t.i == ncols && t.r.off == len && (ncols == 0 ? len == 0 : end == len));
}

static void bin_row(const uint8_t *p, size_t len, const uint8_t *types, unsigned ncols)
{
	struct jg_bin_row b;
	struct jg_pkt_value v;
	size_t end = 1 + (ncols + 9) / 8;
	unsigned i;

	jg_bin_row_init(&b, p, len, types, ncols);
	for (i = 0; i < ncols; i++) {
		if (jg_bin_row_next(&b, &v) != JG_OK) {
			CHECK(b.r.err == JG_ERR_PROTO && !v.p && v.len == 0);
			CHECK(jg_bin_row_next(&b, &v) == JG_ERR_PROTO);          /* sticky */
			CHECK(jg_bin_row_finish(&b) == JG_ERR_PROTO);
			return;
		}
		CHECK(v.off == end && v.off + v.hdr + v.len <= len);
		if (v.null) {
			size_t bit = i + 2;

			CHECK(!v.p && v.len == 0 && v.hdr == 0 && (b.nulls[bit / 8] >> (bit % 8) & 1));
		} else {
			size_t hdr, n;

			CHECK(v.p == p + v.off + v.hdr && in(v.p, v.len, p, len));
			CHECK(jg_pkt_bin_value(types[i], p + v.off, len - v.off, &hdr, &n) == JG_OK &&
			      hdr == v.hdr && n == v.len);
		}
		end = v.off + v.hdr + v.len;
	}
	CHECK(b.i == ncols);
	if (jg_bin_row_finish(&b) == JG_OK)
		CHECK(end == len && b.r.off == len && p[0] == 0x00);
	else
		CHECK(b.r.err || b.r.off < len);
	CHECK(jg_bin_row_next(&b, &v) == JG_ERR_PROTO);       /* past the last column */
}

/* primitives: each op byte picks a reader call (low 3 bits) and a size (high 5 bits). */
static void primitives(const uint8_t *ops, size_t nops, const uint8_t *p, size_t len)
{
	struct jg_rd r;
	int failed = 0;

	jg_rd_init(&r, p, len);
	for (size_t i = 0; i < nops; i++) {
		size_t n = ops[i] >> 3, before = r.off, got = 99;
		const uint8_t *q = NULL;
		char out[32];
		uint64_t v = 0;
		int rc = JG_OK;

		switch (ops[i] & 7) {
		case 0: q = jg_rd_take(&r, n); got = n; break;
		case 1: v = jg_rd_int(&r, n); break;
		case 2: v = jg_rd_lenenc(&r); break;
		case 3: q = jg_rd_lenenc_str(&r, &got); break;
		case 4: q = jg_rd_nulstr(&r, &got); break;
		case 5: rc = jg_rd_cstr(&r, out, n > sizeof(out) ? sizeof(out) : n); break;
		case 6: got = jg_rd_left(&r); CHECK(got == (r.err ? 0 : r.len - r.off)); break;
		default: {
			uint64_t w = 0;
			size_t used = jg_pkt_lenenc(p + r.off, len - r.off, &w);

			CHECK(used == 0 || (used == 1 || used == 3 || used == 4 || used == 9));
			break;
		}
		}
		CHECK(r.off <= r.len && r.off >= before);
		if (failed) {                          /* sticky: nothing moves, nothing returns */
			CHECK(r.off == before && !q && v == 0 && ((ops[i] & 7) != 5 || rc == r.err));
			CHECK(jg_rd_left(&r) == 0);
		}
		if (q)
			CHECK(in(q, got, p, len));
		if ((ops[i] & 7) == 5 && rc == JG_OK)
			CHECK(strlen(out) < sizeof(out));
		failed = r.err != 0;
	}
}

/* value_and_writers: one binary value; then what the writers write, the readers read back. */
static void value_and_writers(uint8_t type, const uint8_t *p, size_t len)
{
	uint8_t buf[64];
	size_t hdr = 7, n = 7, used;
	struct jg_wr w;
	struct jg_rd r;
	uint64_t v = 0, back = 1;

	if (jg_pkt_bin_value(type, p, len, &hdr, &n) == JG_OK)
		CHECK(hdr + n <= len && hdr <= 9);
	else
		CHECK(hdr == 0 && n == 0);
	for (size_t i = 0; i < 8 && i < len; i++)
		v |= (uint64_t)p[i] << (8 * i);
	v >>= type % 64;
	jg_wr_init(&w, buf, sizeof(buf));
	jg_wr_lenenc(&w, v);
	jg_wr_lenenc_str(&w, p, JG_MIN(len, 40));
	CHECK(w.err == 0 && w.off == jg_pkt_lenenc_size(v) + jg_pkt_lenenc_size(JG_MIN(len, 40)) +
	      JG_MIN(len, 40));
	used = jg_pkt_lenenc(buf, w.off, &back);
	CHECK(used == jg_pkt_lenenc_size(v) && back == v);
	jg_rd_init(&r, buf, w.off);
	CHECK(jg_rd_lenenc(&r) == v);
	{
		const uint8_t *s = jg_rd_lenenc_str(&r, &n);

		CHECK(n == JG_MIN(len, 40) && (n == 0 || memcmp(s, p, n) == 0) && jg_rd_left(&r) == 0);
	}
	/* an ERR built around the bytes as a message parses back to a prefix of them */
	{
		char msg[41];
		struct jg_pkt_err e;
		size_t m = 0;

		for (size_t i = 0; i < len && m < 40; i++)
			if (p[i])
				msg[m++] = (char)p[i];
		msg[m] = '\0';
		n = jg_pkt_build_err(buf, sizeof(buf), type, 1045, "28000", msg);
		CHECK(n == 4 + 9 + m && buf[3] == type);
		CHECK(jg_pkt_parse_err(buf + 4, n - 4, JG_CLIENT_PROTOCOL_41, &e) == JG_OK);
		CHECK(e.code == 1045 && strcmp(e.sqlstate, "28000") == 0 && e.msg_len == m &&
		      memcmp(e.msg, msg, e.msg_len) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned sel, k = 0;
	size_t left, extra = 0;
	const uint8_t *rest;
	uint8_t *head, *p;

	if (size < 5)
		return 0;
	sel = data[0] % 9;
	rest = data + 5;
	left = size - 5;
	/* Rows, primitives and single values start with a count or type byte K; binary rows and
	 * primitives then have K bytes (types, ops) before the payload. */
	if (sel == 4 || sel == 5 || sel == 7 || sel == 8) {
		if (left < 1)
			return 0;
		k = rest[0];
		extra = sel == 5 || sel == 7 ? k : 0;
		if (left - 1 < extra)
			return 0;
		rest++;
		left--;
	}
	head = jg_fuzz_copy(rest, extra);
	p = jg_fuzz_copy(rest + extra, left - extra);
	left -= extra;
	switch (sel) {
	case 0: ok(p, left, jg_le32(data + 1)); break;
	case 1: err(p, left, jg_le32(data + 1)); break;
	case 2: eof(p, left); break;
	case 3: coldef(p, left); break;
	case 4: text_row(p, left, k); break;
	case 5: bin_row(p, left, head, k); break;
	case 6: track_walk(p, left, p, left); break;
	case 7: primitives(head, k, p, left); break;
	default: value_and_writers((uint8_t)k, p, left); break;
	}
	free(p);
	free(head);
	return 0;
}
