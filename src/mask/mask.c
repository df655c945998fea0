/*
 * mask.c: the masking primitives; see mask.h for the API and the contracts, verify/REPORT.md for
 * what is proved.
 *
 * Functions that can fail decide first whether they fit and only then write, so a failure leaves
 * the caller's buffer as it was. The facts a later loop depends on (where each output cell
 * starts, that those positions only grow) are carried by the loop invariants of an earlier loop:
 * the provers do not do induction, so the loops do it for them.
 */
#include "mask/mask.h"

/* ---- length-encoded integers ---- */

/* see mask.h */
size_t jg_mask_lenenc_size(uint64_t n)
{
	if (n < 251)
		return 1;
	if (n < 65536)
		return 3;
	if (n < 16777216)
		return 4;
	return 9;
}

/* put_at: the shortest encoding of n at out[o ..], which has room for it. The bytes are peeled
 * off n one division at a time, so that each step states a plain equation for the provers. */
/*@ requires o <= SIZE_MAX - jg_mask_lenenc_size(n);
    requires \valid(out + (o .. o + jg_mask_lenenc_size(n) - 1));
    assigns out[o .. o + jg_mask_lenenc_size(n) - 1];
    ensures \result == jg_mask_lenenc_size(n);
    ensures jg_mask_hdr(out, o, n);
*/
static size_t put_at(uint8_t *out, size_t o, uint64_t n)
{
	uint64_t q1, q2, q3, q4, q5, q6, q7;

	if (n < 251) {
		out[o] = (uint8_t)n;
		return 1;
	}
	q1 = n / 256;
	q2 = q1 / 256;
	if (n < 65536) {
		out[o] = 0xFC;
		out[o + 1] = (uint8_t)(n % 256);
		out[o + 2] = (uint8_t)q1;
		return 3;
	}
	q3 = q2 / 256;
	if (n < 16777216) {
		out[o] = 0xFD;
		out[o + 1] = (uint8_t)(n % 256);
		out[o + 2] = (uint8_t)(q1 % 256);
		out[o + 3] = (uint8_t)q2;
		return 4;
	}
	q4 = q3 / 256;
	q5 = q4 / 256;
	q6 = q5 / 256;
	q7 = q6 / 256;
	out[o] = 0xFE;
	out[o + 1] = (uint8_t)(n % 256);
	out[o + 2] = (uint8_t)(q1 % 256);
	out[o + 3] = (uint8_t)(q2 % 256);
	out[o + 4] = (uint8_t)(q3 % 256);
	out[o + 5] = (uint8_t)(q4 % 256);
	out[o + 6] = (uint8_t)(q5 % 256);
	out[o + 7] = (uint8_t)(q6 % 256);
	out[o + 8] = (uint8_t)q7;
	/*@ assert q7 < 256; */
	/*@ assert n == n % 256 + 256 * q1 && q1 == q1 % 256 + 256 * q2 &&
	      q2 == q2 % 256 + 256 * q3 && q3 == q3 % 256 + 256 * q4 &&
	      q4 == q4 % 256 + 256 * q5 && q5 == q5 % 256 + 256 * q6 &&
	      q6 == q6 % 256 + 256 * q7; */
	/*@ assert jg_mask_le8(out, o + 1) == n; */
	/*@ assert jg_mask_hdr_len(out[o]) == 9 && jg_mask_lenenc_size(n) == 9; */
	return 9;
}

/* see mask.h */
size_t jg_mask_lenenc_put(uint8_t *out, size_t cap, uint64_t n)
{
	if (cap < jg_mask_lenenc_size(n))
		return 0;
	return put_at(out, 0, n);
}

/* hdr_len: the bytes of the encoding that starts with b; 0 for 0xFB and 0xFF. */
/*@ assigns \nothing;
    ensures \result == jg_mask_hdr_len(b);
*/
static size_t hdr_len(uint8_t b)
{
	if (b < 251)
		return 1;
	if (b == 0xFC)
		return 3;
	if (b == 0xFD)
		return 4;
	if (b == 0xFE)
		return 9;
	return 0;
}

/* rd_val: the integer encoded at r[s ..], whose header is all inside the row. */
/*@ requires jg_mask_hdr_len(r[s]) > 0;
    requires \valid_read(r + (s .. s + jg_mask_hdr_len(r[s]) - 1));
    assigns \nothing;
    ensures \result == jg_mask_lenenc_val(r, s);
*/
static uint64_t rd_val(const uint8_t *r, size_t s)
{
	const uint8_t *p = r + s + 1;

	if (r[s] < 251)
		return r[s];
	if (r[s] == 0xFC)
		return (uint64_t)p[0] + 256u * (uint64_t)p[1];
	if (r[s] == 0xFD)
		return (uint64_t)p[0] + 256u * ((uint64_t)p[1] + 256u * (uint64_t)p[2]);
	return (uint64_t)p[0] + 256u * ((uint64_t)p[1] + 256u * ((uint64_t)p[2] + 256u *
	       ((uint64_t)p[3] + 256u * ((uint64_t)p[4] + 256u * ((uint64_t)p[5] + 256u *
	       ((uint64_t)p[6] + 256u * (uint64_t)p[7]))))));
}

/* ---- text rows ---- */

/*
 * val_at: where the value that starts at row[off] ends, or 0 when no well-formed value starts
 * there (a value takes at least one byte, so 0 is never an end). A function of its own so that
 * the split loop's proof sees only its contract, not the header's cases.
 */
/*@ requires off <= len;
    requires \valid_read(row + (0 .. len - 1));
    assigns \nothing;

    behavior ok:
      assumes jg_mask_val_ok(row, off, len);
      ensures \result == jg_mask_val_end(row, off);
      ensures off < \result <= len;

    behavior bad:
      assumes !jg_mask_val_ok(row, off, len);
      ensures \result == 0;

    complete behaviors;
    disjoint behaviors;
*/
static size_t val_at(const uint8_t *row, size_t len, size_t off)
{
	size_t hl;
	uint64_t v;

	if (off >= len)
		return 0;
	if (row[off] == 0xFB)
		return off + 1;
	hl = hdr_len(row[off]);
	if (hl == 0 || hl > len - off)
		return 0;
	v = rd_val(row, off);
	if (v > len - off - hl || jg_mask_lenenc_size(v) != hl)
		return 0;
	return off + hl + (size_t)v;
}

/*@ // Value i of the row, as split notes it: where its bytes start, how many there are (the
    // first pass marks a NULL value with SIZE_MAX: no other value can have it, its bytes lie
    // after a header inside the row). The first pass writes only the size_t fields of the
    // cells, so the row, in the same memory as the null bytes, stays untouched for the proof;
    // the second pass turns the marks into null flags.
    logic integer jg_mask_x_off{L}(uint8_t *r, integer len, integer i) =
      r[jg_mask_pos(r, len, i)] == 0xFB ? jg_mask_pos(r, len, i) :
        jg_mask_pos(r, len, i) + jg_mask_hdr_len(r[jg_mask_pos(r, len, i)]);
    logic integer jg_mask_x_len{L}(uint8_t *r, integer len, integer i) =
      r[jg_mask_pos(r, len, i)] == 0xFB ? SIZE_MAX : jg_mask_lenenc_val(r, jg_mask_pos(r, len, i));
    // Value i is well-formed and inside the row.
    predicate jg_mask_x_ok{L}(uint8_t *r, integer len, integer i) =
      \let s = jg_mask_pos(r, len, i);
      0 <= s < len &&
      (r[s] != 0xFB ==>
         jg_mask_hdr(r, s, jg_mask_lenenc_val(r, s)) &&
         s + jg_mask_hdr_len(r[s]) + jg_mask_lenenc_val(r, s) <= len);
*/

/* set_cell: cells[i].off and .len; states what it leaves as it was, which the split loop
 * would otherwise have to work out through the memory model. */
/*@ requires i < ncols;
    requires \valid(cells + (0 .. ncols - 1));
    assigns cells[i].off, cells[i].len;
    ensures cells[i].off == off && cells[i].len == len;
    ensures \forall integer j; 0 <= j < ncols && j != i ==>
      cells[j].off == \old(cells[j].off) && cells[j].len == \old(cells[j].len);
*/
static void set_cell(struct jg_mask_cell *cells, unsigned ncols, unsigned i, size_t off,
                     size_t len)
{
	cells[i].off = off;
	cells[i].len = len;
}

/* set_null: cells[i]'s null flag from its mark (len == SIZE_MAX); states what it leaves as it
 * was, as set_cell does. */
/*@ requires i < ncols;
    requires \valid(cells + (0 .. ncols - 1));
    assigns cells[i].null, cells[i].len;
    ensures \old(cells[i].len) == SIZE_MAX ==> cells[i].null == 1 && cells[i].len == 0;
    ensures \old(cells[i].len) != SIZE_MAX ==>
      cells[i].null == 0 && cells[i].len == \old(cells[i].len);
    ensures cells[i].off == \old(cells[i].off);
    ensures \forall integer j; 0 <= j < ncols && j != i ==>
      cells[j].off == \old(cells[j].off) && cells[j].len == \old(cells[j].len) &&
      cells[j].null == \old(cells[j].null);
*/
static void set_null(struct jg_mask_cell *cells, unsigned ncols, unsigned i)
{
	if (cells[i].len == SIZE_MAX) {
		cells[i].len = 0;
		cells[i].null = 1;
	} else {
		cells[i].null = 0;
	}
}

/* see mask.h */
int jg_mask_text_split(const uint8_t *row, size_t len, unsigned ncols, struct jg_mask_cell *cells)
{
	size_t off = 0, e, co, cl;
	unsigned i;

	/* 1. Walk the values; note each one's offsets (NULL as len == SIZE_MAX). */
	/*@ loop invariant 0 <= i <= ncols;
	    loop invariant 0 <= off <= len;
	    loop invariant off == jg_mask_pos(row, len, i);
	    loop invariant \forall integer j; 0 <= j < i ==> jg_mask_x_ok{Pre}(row, len, j);
	    loop invariant \forall integer j; 0 <= j < i ==>
	      cells[j].off == jg_mask_x_off{Pre}(row, len, j) &&
	      cells[j].len == jg_mask_x_len{Pre}(row, len, j);
	    loop invariant jg_mask_text_row{Pre}(row, len, ncols) <==>
	                   jg_mask_row{Pre}(row, off, len, ncols - i);
	    loop assigns i, off, e, co, cl, cells[0 .. ncols - 1].off, cells[0 .. ncols - 1].len;
	    loop variant ncols - i;
	*/
	for (i = 0; i < ncols; i++) {
		/*@ assert jg_mask_row(row, off, len, ncols - i) <==>
		      jg_mask_val_ok(row, off, len) &&
		      jg_mask_row(row, jg_mask_val_end(row, off), len, ncols - i - 1); */
		/*@ assert jg_mask_pos(row, len, i + 1) == jg_mask_val_end(row, jg_mask_pos(row, len, i)); */
		e = val_at(row, len, off);
		if (e == 0)
			return -1;
		if (row[off] == 0xFB) {
			co = off;
			cl = SIZE_MAX;
		} else {
			co = off + hdr_len(row[off]);
			cl = e - co;
		}
		/*@ assert co == jg_mask_x_off{Pre}(row, len, i) && cl == jg_mask_x_len{Pre}(row, len, i); */
		set_cell(cells, ncols, i, co, cl);
		/*@ assert jg_mask_x_ok{Pre}(row, len, i); */
		off = e;
	}
	/*@ assert jg_mask_row(row, off, len, 0) <==> off == len; */
	if (off != len)
		return -1;
	/* 2. The null flags, from the marks. */
	/*@ loop invariant 0 <= i <= ncols;
	    loop invariant \forall integer j; 0 <= j < ncols ==> jg_mask_x_ok{Pre}(row, len, j);
	    loop invariant \forall integer j; 0 <= j < i ==>
	      cells[j].off == jg_mask_x_off{Pre}(row, len, j) &&
	      (jg_mask_x_len{Pre}(row, len, j) == SIZE_MAX ?
	         cells[j].null == 1 && cells[j].len == 0 :
	         cells[j].null == 0 && cells[j].len == jg_mask_x_len{Pre}(row, len, j));
	    loop invariant \forall integer j; i <= j < ncols ==>
	      cells[j].off == jg_mask_x_off{Pre}(row, len, j) &&
	      cells[j].len == jg_mask_x_len{Pre}(row, len, j);
	    loop invariant \forall integer j; 0 <= j < i ==> jg_mask_cell_at{Here, Pre}(row, len, cells, j);
	    loop assigns i, cells[0 .. ncols - 1].off, cells[0 .. ncols - 1].len,
	                 cells[0 .. ncols - 1].null;
	    loop variant ncols - i;
	*/
	for (i = 0; i < ncols; i++) {
		/*@ assert jg_mask_x_len{Pre}(row, len, i) == SIZE_MAX <==>
		      row[jg_mask_pos(row, len, i)] == 0xFB; */
		set_null(cells, ncols, i);
		/*@ assert jg_mask_cell_at{Here, Pre}(row, len, cells, i); */
		/*@ assert \forall integer j; 0 <= j < i ==>
		      jg_mask_cell_at{LoopCurrent, Pre}(row, len, cells, j) ==>
		      jg_mask_cell_at{Here, Pre}(row, len, cells, j); */
	}
	return 0;
}

/* put_bytes: p[0 .. m) at out[o ..]. */
/*@ requires o <= SIZE_MAX - m;
    requires \valid(out + (o .. o + m - 1));
    requires \valid_read(p + (0 .. m - 1));
    requires \separated(out + (o .. o + m - 1), p + (0 .. m - 1));
    assigns out[o .. o + m - 1];
    // stated twice: over the index into p and over the index into out, the two shapes in
    // which the callers' goals ask for it (the provers match terms by their shape)
    ensures \forall integer k; 0 <= k < m ==> out[o + k] == \old(p[k]);
    ensures \forall integer k; o <= k < o + m ==> out[k] == \old(p[k - o]);
*/
static void put_bytes(uint8_t *out, size_t o, const uint8_t *p, size_t m)
{
	size_t k;

	/*@ loop invariant 0 <= k <= m;
	    loop invariant \forall integer j; 0 <= j < k ==> out[o + j] == \at(p[j], Pre);
	    loop invariant \forall integer j; o <= j < o + k ==> out[j] == \at(p[j - o], Pre);
	    loop assigns k, out[o .. o + m - 1];
	    loop variant m - k;
	*/
	for (k = 0; k < m; k++)
		out[o + k] = p[k];
}

/*
 * out_measure: where each output cell starts (jg_mask_out_at), summed over all columns and
 * saturated above cap, so no sum can wrap. It proves on the way that the start positions only
 * grow, which the writing loop needs to know that it never writes over a finished cell.
 */
/*@ requires \valid_read(cells + (0 .. ncols - 1));
    requires \valid_read(reps + (0 .. ncols - 1));
    requires cap < SIZE_MAX;
    assigns \nothing;
    ensures \result <= cap ==> \result == jg_mask_out_at(cells, reps, ncols);
    ensures \result > cap ==> jg_mask_out_at(cells, reps, ncols) > cap;
    ensures \forall integer j; 0 <= j <= ncols ==> 0 <= jg_mask_out_at(cells, reps, j);
    ensures \forall integer j; 0 <= j <= ncols ==>
      jg_mask_out_at(cells, reps, j) <= jg_mask_out_at(cells, reps, ncols);
*/
static size_t out_measure(const struct jg_mask_cell *cells, const struct jg_mask_rep *reps,
                          unsigned ncols, size_t cap)
{
	size_t t = 0, m, sz;
	unsigned i;
	int over = 0;

	/*@ loop invariant 0 <= i <= ncols;
	    loop invariant over == 0 ==> t == jg_mask_out_at(cells, reps, i) && t <= cap;
	    loop invariant over != 0 ==> jg_mask_out_at(cells, reps, i) > cap;
	    loop invariant 0 <= jg_mask_out_at(cells, reps, i);
	    loop invariant \forall integer j; 0 <= j <= i ==> 0 <= jg_mask_out_at(cells, reps, j);
	    loop invariant \forall integer j; 0 <= j <= i ==>
	      jg_mask_out_at(cells, reps, j) <= jg_mask_out_at(cells, reps, i);
	    loop assigns i, t, m, sz, over;
	    loop variant ncols - i;
	*/
	for (i = 0; i < ncols; i++) {
		/*@ assert jg_mask_out_at(cells, reps, i + 1) ==
		      jg_mask_out_at(cells, reps, i) + jg_mask_out_size(cells, reps, i); */
		/*@ assert jg_mask_out_size(cells, reps, i) >= 1; */
		if (reps[i].kind == JG_MASK_NUL || (reps[i].kind == JG_MASK_KEEP && cells[i].null)) {
			sz = 1;
		} else {
			m = reps[i].kind == JG_MASK_KEEP ? cells[i].len : reps[i].len;
			sz = jg_mask_lenenc_size(m);
			if (m > cap || sz > cap - m) {
				over = 1;
				continue;
			}
			sz += m;
		}
		if (over || sz > cap - t)
			over = 1;
		else
			t += sz;
	}
	return over ? cap + 1 : t;
}

/*
 * put_cell: one output value at out[o ..]: 0xFB when isnull, else the shortest header of m
 * followed by src[0 .. m). Returns the bytes written. A function of its own so that the build
 * loop's proof sees only what one value writes, not how; what it leaves as it was follows from
 * its assigns clause.
 */
/*@ requires o <= cap < SIZE_MAX;
    requires \valid(out + (0 .. cap - 1));
    requires isnull != 0 ==> o < cap;
    requires isnull == 0 ==> jg_mask_lenenc_size(m) + m <= cap - o;
    requires isnull == 0 ==>
      \valid_read(src + (0 .. m - 1)) && \separated(src + (0 .. m - 1), out + (0 .. cap - 1));
    assigns out[o .. o + (isnull != 0 ? 1 : jg_mask_lenenc_size(m) + m) - 1];
    ensures \result == (isnull != 0 ? 1 : jg_mask_lenenc_size(m) + m);
    ensures isnull != 0 ==> out[o] == 0xFB;
    ensures isnull == 0 ==> jg_mask_hdr(out, o, m);
    ensures isnull == 0 ==> \forall integer q;
      o + jg_mask_lenenc_size(m) <= q < o + jg_mask_lenenc_size(m) + m ==>
      out[q] == \old(src[q - (o + jg_mask_lenenc_size(m))]);
    ensures \forall integer k; 0 <= k < o ==> out[k] == \old(out[k]);
*/
static size_t put_cell(uint8_t *out, size_t o, size_t cap, int isnull, const uint8_t *src,
                       size_t m)
{
	size_t h;

	if (isnull) {
		out[o] = 0xFB;
		return 1;
	}
	/* the bytes first, then the header: each fact is then stated by the last call that
	 * touches it, and the provers need not carry the header across the copy */
	h = jg_mask_lenenc_size(m);
	put_bytes(out, o + h, src, m);
	put_at(out, o, m);
	return h + m;
}

/*
 * row_ok (ghost: for the proof only, no code is generated): output cells whose headers are in
 * place, one after the other up to o, make a well-formed row of ncols values. Walks them from
 * the last to the first because jg_mask_row is defined from the front while the output is
 * written from the front. A function of its own so that its proof sees only these facts.
 */
/*@ ghost
  /@ requires \valid_read(cells + (0 .. ncols - 1));
     requires \valid_read(reps + (0 .. ncols - 1));
     requires o == jg_mask_out_at(cells, reps, ncols);
     requires \forall integer j; 0 <= j <= ncols ==> 0 <= jg_mask_out_at(cells, reps, j) <= o;
     requires \forall integer j; 0 <= j < ncols ==> jg_mask_out_hdr{Here, Here}(out, cells, reps, j);
     assigns \nothing;
     ensures jg_mask_row(out, 0, o, ncols);
  @/
  static void row_ok(const uint8_t *out, size_t o, unsigned ncols,
                     const struct jg_mask_cell *cells, const struct jg_mask_rep *reps)
  {
    /@ loop invariant 0 <= g <= ncols;
       loop invariant jg_mask_row(out, jg_mask_out_at(cells, reps, g), o, ncols - g);
       loop assigns g;
       loop variant g;
    @/
    for (unsigned g = ncols; g > 0; ) {
      g--;
      /@ assert jg_mask_row(out, jg_mask_out_at(cells, reps, g), o, ncols - g) <==>
           jg_mask_val_ok(out, jg_mask_out_at(cells, reps, g), o) &&
           jg_mask_row(out, jg_mask_val_end(out, jg_mask_out_at(cells, reps, g)), o,
                       ncols - g - 1); @/
      /@ assert jg_mask_out_hdr{Here, Here}(out, cells, reps, g); @/
      /@ assert jg_mask_out_at(cells, reps, g + 1) ==
           jg_mask_out_at(cells, reps, g) + jg_mask_out_size(cells, reps, g); @/
      /@ assert jg_mask_val_ok(out, jg_mask_out_at(cells, reps, g), o); @/
      /@ assert jg_mask_val_end(out, jg_mask_out_at(cells, reps, g)) ==
           jg_mask_out_at(cells, reps, g + 1); @/
    }
  }
*/

/*
 * build_cell: output cell i at out[o ..], where it starts (jg_mask_out_at); returns its size.
 * A function of its own so that each proof sees only one cell's facts: that cell i is in place
 * after the call, and that the cells before it, in place before the call, still are (the call
 * writes only past them, and never the row or the replacements' bytes).
 */
/*@ requires \valid_read(row + (0 .. len - 1));
    requires \valid_read(cells + (0 .. ncols - 1));
    requires \valid_read(reps + (0 .. ncols - 1));
    requires \valid(out + (0 .. cap - 1));
    requires jg_mask_cells_in(len, ncols, cells);
    requires jg_mask_reps_ok(ncols, reps);
    requires \forall integer j; 0 <= j < ncols && reps[j].kind == JG_MASK_VALUE ==>
      \valid_read(reps[j].p + (0 .. reps[j].len - 1)) &&
      \separated(reps[j].p + (0 .. reps[j].len - 1), out + (0 .. cap - 1));
    requires \separated(out + (0 .. cap - 1), row + (0 .. len - 1));
    requires cap < SIZE_MAX;
    requires i < ncols;
    requires o == jg_mask_out_at(cells, reps, i);
    requires jg_mask_out_at(cells, reps, i) + jg_mask_out_size(cells, reps, i) <= cap;
    requires \forall integer j; 0 <= j < i ==>
      0 <= jg_mask_out_at(cells, reps, j) &&
      jg_mask_out_at(cells, reps, j) + jg_mask_out_size(cells, reps, j) <= o;
    requires \forall integer j; 0 <= j < i ==> jg_mask_out_cell{Here, Here}(out, row, cells, reps, j);
    assigns out[o .. o + jg_mask_out_size(cells, reps, i) - 1];
    ensures \result == jg_mask_out_size(cells, reps, i);
    ensures \forall integer j; 0 <= j <= i ==> jg_mask_out_cell{Here, Here}(out, row, cells, reps, j);
*/
static size_t build_cell(const uint8_t *row, size_t len, unsigned ncols,
                         const struct jg_mask_cell *cells, const struct jg_mask_rep *reps,
                         uint8_t *out, size_t cap, unsigned i, size_t o)
{
	size_t m = 0, w;
	int isnull;
	const uint8_t *src = 0;

	isnull = reps[i].kind == JG_MASK_NUL || (reps[i].kind == JG_MASK_KEEP && cells[i].null);
	if (!isnull) {
		if (reps[i].kind == JG_MASK_KEEP) {
			m = cells[i].len;
			src = row + cells[i].off;
		} else {
			m = reps[i].len;
			src = reps[i].p;
		}
	}
	/*@ assert (isnull != 0 <==> jg_mask_out_null(cells, reps, i)) &&
	      (isnull == 0 ==> m == jg_mask_out_len(cells, reps, i)); */
	/*@ assert (isnull != 0 ? 1 : jg_mask_lenenc_size(m) + m) == jg_mask_out_size(cells, reps, i); */
	w = put_cell(out, o, cap, isnull, src, m);
	/*@ assert fr_row: \forall integer k; 0 <= k < len ==> row[k] == \at(row[k], Pre); */
	/*@ assert fr_value: \forall integer j, k; 0 <= j < ncols && reps[j].kind == JG_MASK_VALUE &&
	      0 <= k < reps[j].len ==> reps[j].p[k] == \at(reps[j].p[k], Pre); */
	/*@ assert cur_hdr: jg_mask_out_hdr{Here, Here}(out, cells, reps, i); */
	/*@ assert b_is: isnull == 0 ==> o + jg_mask_lenenc_size(m) ==
	      jg_mask_out_at(cells, reps, i) + jg_mask_lenenc_size(jg_mask_out_len(cells, reps, i)); */
	/*@ assert cur_keep: isnull == 0 && reps[i].kind == JG_MASK_KEEP ==>
	      \let b = jg_mask_out_at(cells, reps, i) + jg_mask_lenenc_size(jg_mask_out_len(cells, reps, i));
	      \forall integer q; b <= q < b + jg_mask_out_len(cells, reps, i) ==>
	        out[q] == row[cells[i].off + (q - b)]; */
	/*@ assert cur_value: isnull == 0 && reps[i].kind != JG_MASK_KEEP ==>
	      \let b = jg_mask_out_at(cells, reps, i) + jg_mask_lenenc_size(jg_mask_out_len(cells, reps, i));
	      \forall integer q; b <= q < b + jg_mask_out_len(cells, reps, i) ==>
	        out[q] == reps[i].p[q - b]; */
	/*@ assert cur_bytes: jg_mask_out_bytes{Here, Here}(out, row, cells, reps, i); */
	/* the cells before cell i, one at a time (ghost: for the proof only) */
	/*@ ghost
	  /@ loop invariant 0 <= j <= i;
	     loop invariant \forall integer q; 0 <= q < j ==>
	       jg_mask_out_hdr{Here, Here}(out, cells, reps, q);
	     loop invariant \forall integer q; 0 <= q < j ==>
	       jg_mask_out_bytes{Here, Here}(out, row, cells, reps, q);
	     loop assigns j;
	     loop variant i - j;
	  @/
	  for (unsigned j = 0; j < i; j++) {
	    /@ assert jg_mask_out_hdr{Pre, Pre}(out, cells, reps, j); @/
	    /@ assert \forall integer k; jg_mask_out_at(cells, reps, j) <= k <
	         jg_mask_out_at(cells, reps, j) + jg_mask_out_size(cells, reps, j) ==>
	         out[k] == \at(out[k], Pre); @/
	    /@ assert jg_mask_out_null(cells, reps, j) ==>
	         out[jg_mask_out_at(cells, reps, j)] == 0xFB; @/
	    /@ assert !jg_mask_out_null(cells, reps, j) ==>
	         \let p = jg_mask_out_at(cells, reps, j);
	         \let n = jg_mask_lenenc_size(jg_mask_out_len(cells, reps, j));
	         out[p] == \at(out[p], Pre) &&
	         (n >= 3 ==> out[p + 1] == \at(out[p + 1], Pre) && out[p + 2] == \at(out[p + 2], Pre)) &&
	         (n >= 4 ==> out[p + 3] == \at(out[p + 3], Pre)) &&
	         (n >= 9 ==> out[p + 4] == \at(out[p + 4], Pre) && out[p + 5] == \at(out[p + 5], Pre) &&
	                     out[p + 6] == \at(out[p + 6], Pre) && out[p + 7] == \at(out[p + 7], Pre) &&
	                     out[p + 8] == \at(out[p + 8], Pre)); @/
	    /@ assert !jg_mask_out_null(cells, reps, j) ==>
	         jg_mask_hdr{Pre}(out, jg_mask_out_at(cells, reps, j), jg_mask_out_len(cells, reps, j)); @/
	    /@ assert !jg_mask_out_null(cells, reps, j) ==>
	         jg_mask_hdr(out, jg_mask_out_at(cells, reps, j), jg_mask_out_len(cells, reps, j)); @/
	    /@ assert jg_mask_out_hdr{Here, Here}(out, cells, reps, j); @/
	    /@ assert jg_mask_out_bytes{Pre, Pre}(out, row, cells, reps, j); @/
	    /@ assert !jg_mask_out_null(cells, reps, j) && reps[j].kind == JG_MASK_KEEP ==>
	         \let b = jg_mask_out_at(cells, reps, j) + jg_mask_lenenc_size(jg_mask_out_len(cells, reps, j));
	         \let f = cells[j].off;
	         \forall integer q; b <= q < b + jg_mask_out_len(cells, reps, j) ==>
	           \at(out[q], Pre) == \at(row[f + (q - b)], Pre) &&
	           out[q] == \at(out[q], Pre) &&
	           0 <= f + (q - b) < len &&
	           row[f + (q - b)] == \at(row[f + (q - b)], Pre); @/
	    /@ assert !jg_mask_out_null(cells, reps, j) && reps[j].kind != JG_MASK_KEEP ==>
	         \let b = jg_mask_out_at(cells, reps, j) + jg_mask_lenenc_size(jg_mask_out_len(cells, reps, j));
	         \let pp = reps[j].p;
	         \forall integer q; b <= q < b + jg_mask_out_len(cells, reps, j) ==>
	           \at(out[q], Pre) == \at(pp[q - b], Pre) &&
	           out[q] == \at(out[q], Pre) &&
	           pp[q - b] == \at(pp[q - b], Pre); @/
	    /@ assert jg_mask_out_bytes{Here, Here}(out, row, cells, reps, j); @/
	  }
	*/
	return w;
}

/* see mask.h */
size_t jg_mask_text_build(const uint8_t *row, size_t len, unsigned ncols,
                          const struct jg_mask_cell *cells, const struct jg_mask_rep *reps,
                          uint8_t *out, size_t cap)
{
	size_t o = 0;
	unsigned i;

	if (out_measure(cells, reps, ncols, cap) > cap)
		return SIZE_MAX;
	/*@ loop invariant 0 <= i <= ncols;
	    loop invariant o == jg_mask_out_at(cells, reps, i);
	    loop invariant \forall integer j; 0 <= j < i ==>
	      0 <= jg_mask_out_at(cells, reps, j) &&
	      jg_mask_out_at(cells, reps, j) + jg_mask_out_size(cells, reps, j) <= o;
	    loop invariant \forall integer j; 0 <= j < i ==>
	      jg_mask_out_cell{Here, Here}(out, row, cells, reps, j);
	    loop assigns i, o, out[0 .. cap - 1];
	    loop variant ncols - i;
	*/
	for (i = 0; i < ncols; i++) {
		/*@ assert jg_mask_out_at(cells, reps, i + 1) ==
		      jg_mask_out_at(cells, reps, i) + jg_mask_out_size(cells, reps, i); */
		/*@ assert jg_mask_out_at(cells, reps, i + 1) <= jg_mask_out_at(cells, reps, ncols); */
		o += build_cell(row, len, ncols, cells, reps, out, cap, i, o);
	}
	/*@ ghost row_ok(out, o, ncols, cells, reps); */
	return o;
}

/* ---- masking functions ---- */

/*@ requires \valid(out + (0 .. 3));
    assigns out[0 .. 3];
    ensures jg_mask_stars(out);
*/
static void put_stars(uint8_t *out)
{
	out[0] = '*';
	out[1] = '*';
	out[2] = '*';
	out[3] = '*';
}

/* see mask.h */
size_t jg_mask_redact(uint8_t *out, size_t cap)
{
	if (cap < JG_MASK_FILL_LEN)
		return 0;
	put_stars(out);
	return JG_MASK_FILL_LEN;
}

/*@ assigns \nothing;
    ensures \result != 0 <==> jg_mask_cstart(c, utf8);
*/
static int cstart(uint8_t c, int utf8)
{
	return !utf8 || c < 0x80 || c >= 0xC0;
}

/* see mask.h */
size_t jg_mask_last4(const uint8_t *v, size_t n, int utf8, uint8_t *out, size_t cap)
{
	size_t i, c = 0, k;

	/*@ loop invariant 0 <= i <= n;
	    loop invariant c == jg_mask_nchars(v, i, utf8) && c <= i;
	    loop assigns i, c;
	    loop variant n - i;
	*/
	for (i = 0; i < n; i++)
		if (cstart(v[i], utf8))
			c++;
	if (c < 8) {
		if (cap < JG_MASK_FILL_LEN)
			return 0;
		put_stars(out);
		return JG_MASK_FILL_LEN;
	}
	/* the last 4 character starts, from the end */
	k = n;
	c = 0;
	/*@ loop invariant 0 <= k <= n;
	    loop invariant 0 <= c <= 4;
	    loop invariant c == jg_mask_nchars(v, n, utf8) - jg_mask_nchars(v, k, utf8);
	    loop invariant c < 4 || jg_mask_cstart(v[k], utf8);
	    loop invariant jg_mask_nchars(v, n, utf8) >= 8;
	    loop assigns k, c;
	    loop variant k;
	*/
	while (c < 4) {
		/*@ assert k > 0; */
		k--;
		/*@ assert jg_mask_nchars(v, k + 1, utf8) ==
		      jg_mask_nchars(v, k, utf8) + ((utf8 == 0 || v[k] < 0x80 || v[k] >= 0xC0) ? 1 : 0); */
		if (cstart(v[k], utf8))
			c++;
	}
	/*@ assert c == 4 && 0 <= k < n && jg_mask_cstart(v[k], utf8); */
	/*@ assert jg_mask_nchars(v, n, utf8) - jg_mask_nchars(v, k, utf8) == 4; */
	if (cap < JG_MASK_FILL_LEN || cap - JG_MASK_FILL_LEN < n - k)
		return 0;
	/* the kept bytes first, then the stars as single writes, which the provers see past */
	put_bytes(out, JG_MASK_FILL_LEN, v + k, n - k);
	out[0] = '*';
	out[1] = '*';
	out[2] = '*';
	out[3] = '*';
	/*@ assert \let kk = k; 0 <= kk < n && jg_mask_cstart(\at(v[kk], Pre), utf8) &&
	      jg_mask_nchars{Pre}(v, n, utf8) - jg_mask_nchars{Pre}(v, kk, utf8) == 4; */
	/*@ assert \let kk = k; \forall integer j; 0 <= j < n - kk ==>
	      out[JG_MASK_FILL_LEN + j] == \at(v[kk + j], Pre); */
	return JG_MASK_FILL_LEN + (n - k);
}

/* see mask.h */
size_t jg_mask_email(const uint8_t *v, size_t n, uint8_t *out, size_t cap)
{
	size_t a = n;

	/*@ loop invariant 0 <= a <= n;
	    loop invariant \forall integer j; a <= j < n ==> v[j] != '@';
	    loop assigns a;
	    loop variant a;
	*/
	while (a > 0 && v[a - 1] != '@')
		a--;
	/* v[a - 1] is the last '@' when a > 0 */
	if (a < 2 || a >= n) {
		if (cap < JG_MASK_FILL_LEN)
			return 0;
		put_stars(out);
		return JG_MASK_FILL_LEN;
	}
	/*@ assert jg_mask_last_at(v, n, a - 1); */
	if (cap < JG_MASK_FILL_LEN + 1 || cap - JG_MASK_FILL_LEN - 1 < n - a)
		return 0;
	/* the stars and '@' as single writes, which the provers see past; the kept bytes last */
	out[0] = '*';
	out[1] = '*';
	out[2] = '*';
	out[3] = '*';
	out[JG_MASK_FILL_LEN] = '@';
	put_bytes(out, JG_MASK_FILL_LEN + 1, v + a, n - a);
	return JG_MASK_FILL_LEN + 1 + (n - a);
}

/*@ requires v < 16;
    assigns \nothing;
    ensures \result == jg_mask_hexd(v);
*/
static uint8_t hex_digit(unsigned v)
{
	return (uint8_t)(v < 10 ? '0' + v : 'a' + (v - 10));
}

/* see mask.h */
size_t jg_mask_hex(const uint8_t *b, size_t nb, uint8_t *out, size_t cap)
{
	size_t j;

	if (nb > cap / 2)
		return 0;
	/*@ loop invariant 0 <= j <= nb;
	    loop invariant \forall integer m; 0 <= m < j ==>
	      out[2 * m] == jg_mask_hexd(b[m] / 16) && out[2 * m + 1] == jg_mask_hexd(b[m] % 16);
	    loop assigns j, out[0 .. 2 * nb - 1];
	    loop variant nb - j;
	*/
	for (j = 0; j < nb; j++) {
		out[2 * j] = hex_digit(b[j] / 16u);
		out[2 * j + 1] = hex_digit(b[j] % 16u);
	}
	return 2 * nb;
}

/* ---- checks ---- */

/*@ assigns \nothing;
    ensures \result != 0 <==> jg_mask_digit(c);
*/
static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/*@ assigns \nothing;
    ensures \result != 0 <==> jg_mask_upper(c);
*/
static int is_upper(uint8_t c)
{
	return c >= 'A' && c <= 'Z';
}

/* is_alnum: a digit or an ASCII letter of either case (what may not touch a card or an IBAN). */
/*@ assigns \nothing; */
static int is_alnum(uint8_t c)
{
	return is_digit(c) || is_upper(c) || (c >= 'a' && c <= 'z');
}

/*
 * luhn_span: 1 when s[a .. b) holds 12 to 19 digits (other bytes skipped) whose Luhn sum is a
 * multiple of 10. Walks from the right, as the check is defined; keeps the sum mod 10 and counts
 * every digit, so nothing can overflow whatever the span.
 */
/*@ requires a <= b;
    requires \valid_read(s + (a .. b - 1));
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> jg_mask_luhn_ok(s, a, b);
*/
static int luhn_span(const uint8_t *s, size_t a, size_t b)
{
	size_t j = b, nd = 0;
	unsigned sum = 0, d;

	/*@ loop invariant a <= j <= b;
	    loop invariant nd == jg_mask_ndig(s, j, b) && nd <= b - j;
	    loop invariant sum == jg_mask_lsum(s, j, b) % 10;
	    loop invariant jg_mask_lsum(s, j, b) >= 0;
	    loop assigns j, nd, sum, d;
	    loop variant j - a;
	*/
	while (j > a) {
		j--;
		if (is_digit(s[j])) {
			d = (unsigned)(s[j] - '0');
			if (nd % 2 == 1)
				d = 2 * d > 9 ? 2 * d - 9 : 2 * d;
			sum = (sum + d) % 10;
			nd++;
		}
	}
	return nd >= 12 && nd <= 19 && sum == 0;
}

/* see mask.h */
int jg_mask_luhn(const uint8_t *d, size_t n)
{
	size_t i;
	int r;

	/*@ loop invariant 0 <= i <= n;
	    loop invariant \forall integer j; 0 <= j < i ==> jg_mask_digit(d[j]);
	    loop assigns i;
	    loop variant n - i;
	*/
	for (i = 0; i < n; i++)
		if (!is_digit(d[i]))
			return 0;
	/*@ assert jg_mask_digits(d, n); */
	r = luhn_span(d, 0, n);
	/*@ assert r == 1 <==> jg_mask_luhn_ok(d, 0, n); */
	return r;
}

/* mod_step: the remainder mod 97 after appending the digit or letter c (jg_mask_mod_step). */
/*@ requires r < 97;
    requires jg_mask_digit(c) || jg_mask_upper(c);
    assigns \nothing;
    ensures \result == jg_mask_mod_step(r, c) && \result < 97;
*/
static unsigned mod_step(unsigned r, uint8_t c)
{
	if (is_digit(c))
		return (10 * r + (unsigned)(c - '0')) % 97;
	return (100 * r + (unsigned)(c - 'A' + 10)) % 97;
}

/* see mask.h */
int jg_mask_iban(const uint8_t *s, size_t n)
{
	size_t i;
	unsigned r = 0;

	if (n < 15 || n > 34 || !is_upper(s[0]) || !is_upper(s[1]) || !is_digit(s[2]) ||
	    !is_digit(s[3]))
		return 0;
	/*@ loop invariant 4 <= i <= n;
	    loop invariant \forall integer j; 4 <= j < i ==> jg_mask_upper(s[j]) || jg_mask_digit(s[j]);
	    loop assigns i;
	    loop variant n - i;
	*/
	for (i = 4; i < n; i++)
		if (!is_upper(s[i]) && !is_digit(s[i]))
			return 0;
	/*@ assert \forall integer j; 0 <= j < n ==> jg_mask_upper(s[j]) || jg_mask_digit(s[j]); */
	/* the rearranged characters: s[4 .. n), then the first four */
	/*@ loop invariant 4 <= i <= n;
	    loop invariant r == jg_mask_iban_rem(s, n, i - 4) && r < 97;
	    loop assigns i, r;
	    loop variant n - i;
	*/
	for (i = 4; i < n; i++) {
		/*@ assert s[i] == jg_mask_iban_char(s, n, i - 4); */
		r = mod_step(r, s[i]);
	}
	/*@ loop invariant 0 <= i <= 4;
	    loop invariant r == jg_mask_iban_rem(s, n, n - 4 + i) && r < 97;
	    loop assigns i, r;
	    loop variant 4 - i;
	*/
	for (i = 0; i < 4; i++) {
		/*@ assert s[i] == jg_mask_iban_char(s, n, n - 4 + i); */
		r = mod_step(r, s[i]);
	}
	return r == 1;
}

/* see mask.h */
int jg_mask_ssn(const uint8_t *s, size_t n)
{
	if (n != 11)
		return 0;
	if (!is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || s[3] != '-' ||
	    !is_digit(s[4]) || !is_digit(s[5]) || s[6] != '-' ||
	    !is_digit(s[7]) || !is_digit(s[8]) || !is_digit(s[9]) || !is_digit(s[10]))
		return 0;
	if ((s[0] == '0' && s[1] == '0' && s[2] == '0') || (s[0] == '6' && s[1] == '6' && s[2] == '6') ||
	    s[0] == '9')
		return 0;
	if (s[4] == '0' && s[5] == '0')
		return 0;
	if (s[7] == '0' && s[8] == '0' && s[9] == '0' && s[10] == '0')
		return 0;
	return 1;
}

/* ---- the scanner ---- */

/* The detectors: each returns the length of what it finds starting at s[i], or 0. */

/* email_local: the characters of an e-mail address's local part. */
/*@ assigns \nothing; */
static int email_local(uint8_t c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* email_label: the characters of a domain label. */
/*@ assigns \nothing; */
static int email_label(uint8_t c)
{
	return is_alnum(c) || c == '-';
}

/*
 * email_at: local part from s[i] (which no local character precedes: the part is maximal), '@',
 * then the longest run of labels joined by '.' that has at least two labels and ends with a
 * label of at least 2 letters.
 */
/*@ requires i < n;
    requires \valid_read(s + (0 .. n - 1));
    assigns \nothing;
    ensures \result <= n - i;
*/
static size_t email_at(const uint8_t *s, size_t n, size_t i)
{
	size_t j = i, q, best = 0, labels = 0;
	int alpha;

	if (i > 0 && email_local(s[i - 1]))
		return 0;
	/*@ loop invariant i <= j <= n;
	    loop assigns j;
	    loop variant n - j;
	*/
	while (j < n && email_local(s[j]))
		j++;
	if (j == i || j >= n || s[j] != '@')
		return 0;
	j++;
	/*@ loop invariant i < j <= n;
	    loop invariant labels <= j - i;
	    loop invariant best == 0 || (i < best && best <= n);
	    loop assigns j, q, best, labels, alpha;
	    loop variant n - j;
	*/
	for (;;) {
		alpha = 1;
		q = j;
		/*@ loop invariant j <= q <= n;
		    loop assigns q, alpha;
		    loop variant n - q;
		*/
		while (q < n && email_label(s[q])) {
			if (is_digit(s[q]) || s[q] == '-')
				alpha = 0;
			q++;
		}
		if (q == j)
			break;
		labels++;
		if (labels >= 2 && alpha && q - j >= 2)
			best = q;
		/* q < n first: q + 1 cannot wrap (the same below) */
		if (q < n && q + 1 < n && s[q] == '.' && email_label(s[q + 1]))
			j = q + 1;
		else
			break;
	}
	return best ? best - i : 0;
}

/* card_at: 12..19 digits from s[i], in groups joined by single spaces or single dashes (one kind),
 * not touching a digit or a letter on either side, passing Luhn; the longest from s[i]. */
/*@ requires i < n;
    requires \valid_read(s + (0 .. n - 1));
    assigns \nothing;
    ensures \result <= n - i;
    ensures \result != 0 ==> jg_mask_luhn_ok(s, i, i + \result);
*/
static size_t card_at(const uint8_t *s, size_t n, size_t i)
{
	size_t j = i, best = 0, nd = 0;
	uint8_t sep = 0;

	if (!is_digit(s[i]) || (i > 0 && is_alnum(s[i - 1])))
		return 0;
	/*@ loop invariant i <= j <= n;
	    loop invariant nd <= j - i;
	    loop invariant best == 0 || (i < best <= n && jg_mask_luhn_ok(s, i, best));
	    loop assigns j, nd, best, sep;
	    loop variant n - j;
	*/
	for (;;) {
		/*@ loop invariant \at(j, LoopEntry) <= j <= n;
		    loop invariant nd <= j - i;
		    loop assigns j, nd;
		    loop variant n - j;
		*/
		while (j < n && is_digit(s[j])) {
			j++;
			nd++;
		}
		if (nd > 19)
			break;
		if (nd >= 12 && (j == n || !is_alnum(s[j])) && luhn_span(s, i, j))
			best = j;
		if (j < n && j + 1 < n && (s[j] == ' ' || s[j] == '-') && is_digit(s[j + 1]) &&
		    (sep == 0 || sep == s[j])) {
			sep = s[j];
			j++;
		} else {
			break;
		}
	}
	return best ? best - i : 0;
}

/* iban_compact: the compact form of iban_at (s[i] is an upper-case letter that no letter or digit
 * precedes): 15..34 letters and digits from s[i], not followed by a letter or a digit, passing
 * jg_mask_iban; its length, or 0. */
/*@ requires i < n;
    requires \valid_read(s + (0 .. n - 1));
    assigns \nothing;
    ensures \result <= n - i;
*/
static size_t iban_compact(const uint8_t *s, size_t n, size_t i)
{
	size_t j = i;

	/*@ loop invariant i <= j <= n && j - i <= 35;
	    loop assigns j;
	    loop variant n - j;
	*/
	while (j < n && j - i < 35 && (is_upper(s[j]) || is_digit(s[j])))
		j++;
	if (j - i < 15 || j - i > 34)
		return 0;
	if (j < n && is_alnum(s[j]))
		return 0;
	if (!jg_mask_iban(s + i, j - i))
		return 0;
	return j - i;
}

/* iban_grouped: the grouped form of iban_at: groups of 4 letters or digits from s[i] joined by
 * single spaces (the last group may be shorter), at most 34 characters in all, not followed by a
 * letter or a digit, passing jg_mask_iban on the characters without the spaces; its length, or
 * 0. */
/*@ requires i < n;
    requires \valid_read(s + (0 .. n - 1));
    assigns \nothing;
    ensures \result <= n - i;
*/
static size_t iban_grouped(const uint8_t *s, size_t n, size_t i)
{
	uint8_t c[34];
	size_t j = i, nc = 0, g;

	/*@ loop invariant i <= j <= n;
	    loop invariant nc <= 34 && nc <= j - i;
	    loop assigns j, nc, g, c[0 .. 33];
	    loop variant n - j;
	*/
	for (;;) {
		g = 0;
		/*@ loop invariant i <= j <= n;
		    loop invariant 0 <= g <= 4;
		    loop invariant j == \at(j, LoopEntry) + g;
		    loop invariant nc <= 34 && nc <= j - i;
		    loop assigns j, nc, g, c[0 .. 33];
		    loop variant n - j;
		*/
		while (g < 4 && j < n && nc < 34 && (is_upper(s[j]) || is_digit(s[j]))) {
			c[nc++] = s[j++];
			g++;
		}
		if (g == 4 && j < n && j + 1 < n && s[j] == ' ' &&
		    (is_upper(s[j + 1]) || is_digit(s[j + 1])))
			j++;
		else
			break;
	}
	if (nc < 15)
		return 0;
	if (j < n && is_alnum(s[j]))
		return 0;
	if (!jg_mask_iban(c, nc))
		return 0;
	return j - i;
}

/* iban_at: an IBAN from s[i], compact or in groups of 4 joined by single spaces, not touching a
 * digit or a letter on either side. (The two forms are two functions for the proof: in one
 * function, WP's simplifier took over a minute on the merged paths of the postcondition.) */
/*@ requires i < n;
    requires \valid_read(s + (0 .. n - 1));
    assigns \nothing;
    ensures \result <= n - i;
*/
static size_t iban_at(const uint8_t *s, size_t n, size_t i)
{
	size_t m;

	if (!is_upper(s[i]))
		return 0;
	if (i > 0 && is_alnum(s[i - 1]))
		return 0;
	m = iban_compact(s, n, i);
	if (m != 0)
		return m;
	return iban_grouped(s, n, i);
}

/* ssn_at: "ddd-dd-dddd" from s[i], not touching a digit on either side. */
/*@ requires i < n;
    requires \valid_read(s + (0 .. n - 1));
    assigns \nothing;
    ensures \result <= n - i;
*/
static size_t ssn_at(const uint8_t *s, size_t n, size_t i)
{
	if ((i > 0 && is_digit(s[i - 1])) || n - i < 11 || !jg_mask_ssn(s + i, 11))
		return 0;
	if (n - i > 11 && is_digit(s[i + 11]))
		return 0;
	return 11;
}

/*@ // d is one of the detectors in the bits of dets: (dets & d) != 0, as a predicate. Written
    // out, WP orders the operands of & by their shape (a variable, a memory read, a parameter's
    // name), so one fact about a value and about the memory that holds it becomes two terms the
    // provers do not see as equal (they know nothing of & being commutative); as arguments of
    // a predicate they keep their places. The names matter: inside the definition WP puts
    // "bits" before "d", the order it gives dets and d in set_det and put_span, where the
    // predicate meets & written out.
    predicate scan_det_in(integer d, integer bits) = (bits & d) != 0;
*/

/* put_span: spans[k] = {off, len, det}; states what it leaves as it was, as set_cell does.
 * dets is only for the contract: it restates scan_det_in(det, dets) over spans[k].det, in the
 * form of jg_mask_scan's contract. */
/*@ requires k < max;
    requires \valid(spans + (0 .. max - 1));
    requires scan_det_in(det, dets);
    assigns spans[k].off, spans[k].len, spans[k].det;
    ensures spans[k].off == off && spans[k].len == len && spans[k].det == det;
    ensures (dets & spans[k].det) != 0;
    ensures \forall integer j; 0 <= j < max && j != k ==>
      spans[j].off == \old(spans[j].off) && spans[j].len == \old(spans[j].len) &&
      spans[j].det == \old(spans[j].det);
*/
static void put_span(struct jg_mask_span *spans, size_t max, size_t k, size_t off, size_t len,
                     unsigned det, unsigned dets)
{
	spans[k].off = off;
	spans[k].len = len;
	spans[k].det = det;
}

/*
 * set_det: *det = d, a detector of dets. At a call d is a constant and WP turns (dets & 2) != 0
 * into a bit test, which the provers do not relate to (dets & x) for an x that equals 2; here d
 * is not a constant, so the requires and scan_det_in(d, dets) are the same fact.
 */
/*@ requires \valid(det);
    requires (dets & d) != 0;
    assigns *det;
    ensures *det == d && scan_det_in(*det, dets);
*/
static void set_det(int *det, int d, unsigned dets)
{
	*det = d;
}

/*
 * detect: the detectors of dets at s[i], in their order (EMAIL, card, IBAN, SSN): the length of
 * the first finding and its detector in *det, or 0. Each detector is tried only when the ones
 * before it found nothing, as jg_mask_scan's contract says.
 */
/*@ requires i < n;
    requires \valid_read(s + (0 .. n - 1));
    requires \valid(det);
    requires \separated(det, s + (0 .. n - 1));
    assigns *det;
    ensures \result <= n - i;
    ensures \result != 0 ==> jg_mask_det_one(*det) && scan_det_in(*det, dets);
    ensures \result != 0 && *det == JG_MASK_DET_LUHN ==> jg_mask_luhn_ok(s, i, i + \result);
*/
static size_t detect(const uint8_t *s, size_t n, unsigned dets, size_t i, int *det)
{
	size_t m;

	if (dets & JG_MASK_DET_EMAIL) {
		m = email_at(s, n, i);
		if (m != 0) {
			set_det(det, JG_MASK_DET_EMAIL, dets);
			return m;
		}
	}
	if (dets & JG_MASK_DET_LUHN) {
		m = card_at(s, n, i);
		if (m != 0) {
			set_det(det, JG_MASK_DET_LUHN, dets);
			return m;
		}
	}
	if (dets & JG_MASK_DET_IBAN) {
		m = iban_at(s, n, i);
		if (m != 0) {
			set_det(det, JG_MASK_DET_IBAN, dets);
			return m;
		}
	}
	if (dets & JG_MASK_DET_SSN) {
		m = ssn_at(s, n, i);
		if (m != 0) {
			set_det(det, JG_MASK_DET_SSN, dets);
			return m;
		}
	}
	return 0;
}

/* see mask.h */
size_t jg_mask_scan(const uint8_t *s, size_t n, unsigned dets, struct jg_mask_span *spans,
                    size_t max)
{
	size_t i = 0, k = 0, m;
	int det = 0;    /* int, not unsigned like spans[].det: WP keeps the two in separate memories,
	                 * so detect writing det leaves spans as it was without a proof */

	/*@ loop invariant 0 <= i <= n;
	    loop invariant 0 <= k <= max;
	    loop invariant \forall integer j; 0 <= j < k ==>
	      0 < spans[j].len && spans[j].off < n && spans[j].len <= n - spans[j].off;
	    loop invariant \forall integer j; 0 <= j < k ==>
	      jg_mask_det_one(spans[j].det) && (dets & spans[j].det) != 0;
	    loop invariant \forall integer j; 0 <= j < k ==>
	      (spans[j].det == JG_MASK_DET_LUHN ==>
	         jg_mask_luhn_ok(s, spans[j].off, spans[j].off + spans[j].len));
	    // every pair rather than neighbours: j - 1 under a quantifier makes the provers
	    // instantiate it without end
	    loop invariant \forall integer j1, j2; 0 <= j1 < j2 < k ==>
	      spans[j1].off + spans[j1].len <= spans[j2].off;
	    loop invariant \forall integer j; 0 <= j < k ==> spans[j].off + spans[j].len <= i;
	    loop assigns i, k, m, det, spans[0 .. max - 1];
	    loop variant n - i;
	*/
	for (;;) {
		/* the next finding from s[i]; the inner loop writes nothing of spans, so the outer
		 * loop has one path that writes a span (the provers fare better without a second
		 * path to merge with) */
		m = 0;
		/*@ loop invariant \at(i, LoopEntry) <= i <= n;
		    loop invariant m == 0;
		    loop assigns i, m, det;
		    loop variant n - i;
		*/
		while (i < n) {
			m = detect(s, n, dets, i, &det);
			if (m != 0)
				break;
			i++;
		}
		if (m == 0)
			return k;
		if (k == max)
			return SIZE_MAX;
		put_span(spans, max, k, i, m, (unsigned)det, dets);
		k++;
		i += m;
	}
}
