/*
 * mask.h: the masking primitives of result-set masking: the length-encoded integers and text rows
 * of the MySQL protocol (split a row into cells, build the rewritten row), the masking functions
 * over one value (redact, last4, email, hex), the checks on candidates (Luhn, IBAN, SSN) and the
 * scanner that finds them in free text (error messages, unmasked columns).
 *
 * Everything here is pure (no allocation, no I/O, no libc calls, no globals) and carries ACSL
 * contracts proved by Frama-C WP with -wp-rte (`make verify`, verify/REPORT.md). The inputs are
 * shaped by the database and by whoever wrote its rows, so every function reads only inside the
 * lengths it is given, writes only into the caller's bounded buffer, and reports a buffer that is
 * too small instead of truncating: a truncated masked value would be a wrong value.
 *
 * Ownership: every pointer is the caller's and is only used during the call. Outputs must not
 * overlap inputs (the contracts say so with \separated).
 *
 * Text rows (the protocol's "Text Resultset Row", Protocol::LengthEncodedInteger and
 * Protocol::LengthEncodedString): each value is 0xFB (NULL) or a length-encoded integer n followed
 * by n bytes. The integer is 1 byte below 251, 0xFC + 2 bytes, 0xFD + 3 bytes, or 0xFE + 8 bytes
 * (little-endian). The server always writes the shortest form; jg_mask_text_split refuses any
 * other (a longer form would be a second spelling of the same row, which nothing needs), so a row
 * that splits is rebuilt byte for byte by jg_mask_text_build with every cell kept.
 */
#ifndef JG_MASK_MASK_H
#define JG_MASK_MASK_H

#include <stddef.h>
#include <stdint.h>

/* detector bits (equal to the policy's JG_DETECT_*) */
enum { JG_MASK_DET_LUHN = 1u << 0, JG_MASK_DET_EMAIL = 1u << 1, JG_MASK_DET_IBAN = 1u << 2,
       JG_MASK_DET_SSN = 1u << 3 };
#define JG_MASK_FILL_LEN 4          /* redact writes "****" */

/* One value of a text-protocol row: bytes [off, off+len) of the row, or NULL (the 0xFB byte, at
 * off; len is 0). The flags here and the kind below are unsigned, not uint8_t, so that in the
 * proofs' memory model they are apart from the row's bytes: writing a byte cannot change them. */
struct jg_mask_cell { size_t off, len; unsigned null; };

/* A replacement for one cell: KEEP (the original cell, copied), NUL (NULL, 0xFB), VALUE (p, len). */
enum { JG_MASK_KEEP = 0, JG_MASK_NUL = 1, JG_MASK_VALUE = 2 };
struct jg_mask_rep { unsigned kind; const uint8_t *p; size_t len; };

/* The scanner's findings: s[off, off + len), found by the detector det (one JG_MASK_DET_* bit). */
struct jg_mask_span { size_t off, len; unsigned det; };

/*@ // ---- logic shared by the contracts below (verify/REPORT.md explains each in words) ----

    predicate jg_mask_digit(integer c) = '0' <= c <= '9';
    predicate jg_mask_upper(integer c) = 'A' <= c <= 'Z';

    // ---- length-encoded integers ----

    // Bytes of the shortest encoding of n (what the server writes, what lenenc_put writes).
    logic integer jg_mask_lenenc_size(integer n) =
      n < 251 ? 1 : n < 65536 ? 3 : n < 16777216 ? 4 : 9;

    // Bytes of the encoding that starts with the byte b; 0: b starts none (0xFB is NULL, 0xFF
    // is an error packet's marker).
    logic integer jg_mask_hdr_len(integer b) =
      b < 251 ? 1 : b == 0xFC ? 3 : b == 0xFD ? 4 : b == 0xFE ? 9 : 0;

    // Little-endian integers of 2, 3 and 8 bytes at r[p ..].
    logic integer jg_mask_le2{L}(uint8_t *r, integer p) = r[p] + 256 * r[p + 1];
    logic integer jg_mask_le3{L}(uint8_t *r, integer p) =
      r[p] + 256 * (r[p + 1] + 256 * r[p + 2]);
    logic integer jg_mask_le8{L}(uint8_t *r, integer p) =
      r[p] + 256 * (r[p + 1] + 256 * (r[p + 2] + 256 * (r[p + 3] + 256 * (r[p + 4] +
      256 * (r[p + 5] + 256 * (r[p + 6] + 256 * r[p + 7]))))));

    // The integer encoded at r[s ..] (meaningful when jg_mask_hdr_len(r[s]) > 0).
    logic integer jg_mask_lenenc_val{L}(uint8_t *r, integer s) =
      r[s] < 251 ? r[s] : r[s] == 0xFC ? jg_mask_le2(r, s + 1) :
      r[s] == 0xFD ? jg_mask_le3(r, s + 1) : jg_mask_le8(r, s + 1);

    // r[p ..] holds the shortest encoding of n.
    predicate jg_mask_hdr{L}(uint8_t *r, integer p, integer n) =
      jg_mask_hdr_len(r[p]) == jg_mask_lenenc_size(n) && jg_mask_lenenc_val(r, p) == n;

    // ---- text rows ----

    // Where the value that starts at r[s] ends: after 0xFB, or after the header and its bytes.
    logic integer jg_mask_val_end{L}(uint8_t *r, integer s) =
      r[s] == 0xFB ? s + 1 : s + jg_mask_hdr_len(r[s]) + jg_mask_lenenc_val(r, s);

    // A well-formed value starts at r[s] and ends at or before b: NULL, or a header in its
    // shortest form followed by as many bytes as it says.
    predicate jg_mask_val_ok{L}(uint8_t *r, integer s, integer b) =
      s < b &&
      (r[s] == 0xFB ||
       (jg_mask_hdr_len(r[s]) > 0 && s + jg_mask_hdr_len(r[s]) <= b &&
        jg_mask_hdr_len(r[s]) == jg_mask_lenenc_size(jg_mask_lenenc_val(r, s)) &&
        jg_mask_val_end(r, s) <= b));

    // r[a .. b) is exactly k well-formed values, one after the other, by recursion on k >= 0.
    // Two axioms rather than a recursive definition, for the reason credtext.h gives for
    // jg_cred_q_len (the provers would unfold a definition without end); they have exactly one
    // solution for k >= 0, so they add nothing false.
    axiomatic JgMaskRow {
      predicate jg_mask_row{L}(uint8_t *r, integer a, integer b, integer k) reads r[a .. b - 1];
      axiom jg_mask_row_0{L}: \forall uint8_t *r, integer a, b;
        jg_mask_row(r, a, b, 0) <==> a == b;
      axiom jg_mask_row_step{L}: \forall uint8_t *r, integer a, b, k, m;
        0 <= k && m == k + 1 ==>
        (jg_mask_row(r, a, b, m) <==>
           jg_mask_val_ok(r, a, b) && jg_mask_row(r, jg_mask_val_end(r, a), b, k));
    }

    // The well-formed text rows of ncols values: what split accepts and build writes.
    predicate jg_mask_text_row{L}(uint8_t *r, integer len, integer ncols) =
      jg_mask_row(r, 0, len, ncols);

    // Where value i of a well-formed row r[0 .. len) starts (by recursion on i >= 0, two
    // axioms as for jg_mask_row).
    axiomatic JgMaskPos {
      logic integer jg_mask_pos{L}(uint8_t *r, integer len, integer i) reads r[0 .. len - 1];
      axiom jg_mask_pos_0{L}: \forall uint8_t *r, integer len;
        jg_mask_pos(r, len, 0) == 0;
      axiom jg_mask_pos_step{L}: \forall uint8_t *r, integer len, i, j;
        0 <= i && j == i + 1 ==>
        jg_mask_pos(r, len, j) == jg_mask_val_end(r, jg_mask_pos(r, len, i));
    }

    // Cell i describes value i of the row: the 0xFB byte, or the bytes after its header.
    // (The cells are read at Lc, the row at Lr.)
    predicate jg_mask_cell_at{Lc, Lr}(uint8_t *r, integer len, struct jg_mask_cell *c,
                                      integer i) =
      \let s = jg_mask_pos{Lr}(r, len, i);
      0 <= s < len &&
      (\at(c[i].null, Lc) != 0 ?
         \at(c[i].null, Lc) == 1 && \at(r[s], Lr) == 0xFB && \at(c[i].off, Lc) == s &&
         \at(c[i].len, Lc) == 0 :
         \at(r[s], Lr) != 0xFB && jg_mask_hdr{Lr}(r, s, \at(c[i].len, Lc)) &&
         \at(c[i].off, Lc) == s + jg_mask_hdr_len(\at(r[s], Lr)) &&
         \at(c[i].off, Lc) + \at(c[i].len, Lc) <= len);

    // cells[0 .. ncols) describe the ncols values of r[0 .. len).
    predicate jg_mask_cells{Lc, Lr}(uint8_t *r, integer len, integer ncols,
                                    struct jg_mask_cell *c) =
      \forall integer i; 0 <= i < ncols ==> jg_mask_cell_at{Lc, Lr}(r, len, c, i);

    // What build needs of the cells: every non-NULL cell lies inside the row.
    predicate jg_mask_cells_in{L}(integer len, integer ncols, struct jg_mask_cell *c) =
      \forall integer i; 0 <= i < ncols ==>
        c[i].null != 0 || (c[i].off <= len && c[i].len <= len - c[i].off);

    predicate jg_mask_reps_ok{L}(integer ncols, struct jg_mask_rep *rp) =
      \forall integer i; 0 <= i < ncols ==>
        rp[i].kind == JG_MASK_KEEP || rp[i].kind == JG_MASK_NUL || rp[i].kind == JG_MASK_VALUE;

    // Output cell i is NULL: replaced by NULL, or kept and NULL.
    predicate jg_mask_out_null{L}(struct jg_mask_cell *c, struct jg_mask_rep *rp, integer i) =
      rp[i].kind == JG_MASK_NUL || (rp[i].kind == JG_MASK_KEEP && c[i].null != 0);

    // The length of output cell i's bytes (when not NULL).
    logic integer jg_mask_out_len{L}(struct jg_mask_cell *c, struct jg_mask_rep *rp, integer i) =
      rp[i].kind == JG_MASK_KEEP ? c[i].len : rp[i].len;

    // The bytes output cell i takes: 1 for NULL, else its header and its bytes.
    logic integer jg_mask_out_size{L}(struct jg_mask_cell *c, struct jg_mask_rep *rp, integer i) =
      (rp[i].kind == JG_MASK_NUL || (rp[i].kind == JG_MASK_KEEP && c[i].null != 0)) ? 1 :
        jg_mask_lenenc_size(jg_mask_out_len(c, rp, i)) + jg_mask_out_len(c, rp, i);

    // Where output cell i starts: the sum of the sizes of cells 0 .. i - 1 (by recursion on
    // i >= 0, two axioms as for jg_mask_row).
    axiomatic JgMaskOutAt {
      logic integer jg_mask_out_at{L}(struct jg_mask_cell *c, struct jg_mask_rep *rp, integer i)
        reads c[0 .. i - 1], rp[0 .. i - 1];
      axiom jg_mask_out_at_0{L}: \forall struct jg_mask_cell *c, struct jg_mask_rep *rp;
        jg_mask_out_at(c, rp, 0) == 0;
      axiom jg_mask_out_at_step{L}: \forall struct jg_mask_cell *c, struct jg_mask_rep *rp,
          integer i, j;
        0 <= i && j == i + 1 ==>
        jg_mask_out_at(c, rp, j) == jg_mask_out_at(c, rp, i) + jg_mask_out_size(c, rp, i);
    }

    // Output cell i starts as replacement i: 0xFB when NULL, else the shortest header of its
    // length. (out is read at Lo; the cells and replacements at Li.)
    predicate jg_mask_out_hdr{Lo, Li}(uint8_t *out, struct jg_mask_cell *c,
                                      struct jg_mask_rep *rp, integer i) =
      \let p = jg_mask_out_at{Li}(c, rp, i);
      (jg_mask_out_null{Li}(c, rp, i) ==> \at(out[p], Lo) == 0xFB) &&
      (!jg_mask_out_null{Li}(c, rp, i) ==> jg_mask_hdr{Lo}(out, p, jg_mask_out_len{Li}(c, rp, i)));

    // The bytes of output cell i after its header are those of replacement i:
    // row[c[i].off ..] for KEEP, rp[i].p[0 ..] for VALUE. Stated over the position q in out
    // (byte q - b of the replacement, b where the bytes start), the shape in which the proofs
    // use it. (out is read at Lo; the row, cells and replacements at Li.)
    predicate jg_mask_out_bytes{Lo, Li}(uint8_t *out, uint8_t *row, struct jg_mask_cell *c,
                                        struct jg_mask_rep *rp, integer i) =
      \let m = jg_mask_out_len{Li}(c, rp, i);
      \let b = jg_mask_out_at{Li}(c, rp, i) + jg_mask_lenenc_size(m);
      !jg_mask_out_null{Li}(c, rp, i) ==>
        \forall integer q; b <= q < b + m ==>
          \at(out[q], Lo) ==
            (\at(rp[i].kind, Li) == JG_MASK_KEEP ? \at(row[\at(c[i].off, Li) + (q - b)], Li) :
                                                   \at(rp[i].p[q - b], Li));

    // Output cell i is replacement i: 0xFB when NULL, else the shortest header of its length
    // followed by its bytes.
    predicate jg_mask_out_cell{Lo, Li}(uint8_t *out, uint8_t *row, struct jg_mask_cell *c,
                                       struct jg_mask_rep *rp, integer i) =
      jg_mask_out_hdr{Lo, Li}(out, c, rp, i) && jg_mask_out_bytes{Lo, Li}(out, row, c, rp, i);

    // ---- masking ----

    // Nothing but the result was written: out[0 .. n) holds at Lo what it held at Lp.
    predicate jg_mask_untouched{Lo, Lp}(uint8_t *out, integer n) =
      \forall integer k; 0 <= k < n ==> \at(out[k], Lo) == \at(out[k], Lp);

    predicate jg_mask_stars{L}(uint8_t *out) =
      out[0] == '*' && out[1] == '*' && out[2] == '*' && out[3] == '*';

    // A byte that starts a character: every byte when utf8 == 0; else a byte that is not a
    // UTF-8 continuation byte (10xxxxxx).
    predicate jg_mask_cstart(integer c, integer utf8) = utf8 == 0 || c < 0x80 || c >= 0xC0;

    // Characters that start in v[0 .. n), by recursion on n >= 0 (two axioms as for
    // jg_mask_row).
    axiomatic JgMaskNchars {
      logic integer jg_mask_nchars{L}(uint8_t *v, integer n, integer utf8) reads v[0 .. n - 1];
      axiom jg_mask_nchars_0{L}: \forall uint8_t *v, integer utf8;
        jg_mask_nchars(v, 0, utf8) == 0;
      axiom jg_mask_nchars_step{L}: \forall uint8_t *v, integer n, m, utf8;
        0 <= n && m == n + 1 ==>
        jg_mask_nchars(v, m, utf8) ==
          jg_mask_nchars(v, n, utf8) + ((utf8 == 0 || v[n] < 0x80 || v[n] >= 0xC0) ? 1 : 0);
    }

    // v[a] is the last '@' of v[0 .. n).
    predicate jg_mask_last_at{L}(uint8_t *v, integer n, integer a) =
      0 <= a < n && v[a] == '@' && \forall integer j; a < j < n ==> v[j] != '@';

    // Lower-case hex digit of v in 0..15.
    logic integer jg_mask_hexd(integer v) = v < 10 ? '0' + v : 'a' + (v - 10);

    // ---- checks ----


    // Luhn: the digit d, doubled (and 9 taken off when over 9) every second digit from the right.
    logic integer jg_mask_luhn_term(integer d, integer dbl) =
      dbl == 0 ? d : 2 * d > 9 ? 2 * d - 9 : 2 * d;

    // Digits in s[j .. b), and their Luhn sum, other bytes skipped (card separators): by
    // recursion on b - j >= 0, from the right (two axioms each, as for jg_mask_row).
    axiomatic JgMaskLuhn {
      logic integer jg_mask_ndig{L}(uint8_t *s, integer j, integer b) reads s[j .. b - 1];
      logic integer jg_mask_lsum{L}(uint8_t *s, integer j, integer b) reads s[j .. b - 1];
      axiom jg_mask_ndig_0{L}: \forall uint8_t *s, integer b;
        jg_mask_ndig(s, b, b) == 0;
      axiom jg_mask_ndig_step{L}: \forall uint8_t *s, integer j, i, b;
        j < b && i == j + 1 ==>
        jg_mask_ndig(s, j, b) == jg_mask_ndig(s, i, b) + (('0' <= s[j] <= '9') ? 1 : 0);
      axiom jg_mask_lsum_0{L}: \forall uint8_t *s, integer b;
        jg_mask_lsum(s, b, b) == 0;
      axiom jg_mask_lsum_step{L}: \forall uint8_t *s, integer j, i, b;
        j < b && i == j + 1 ==>
        jg_mask_lsum(s, j, b) == jg_mask_lsum(s, i, b) +
          (('0' <= s[j] <= '9') ? jg_mask_luhn_term(s[j] - '0', jg_mask_ndig(s, i, b) % 2) : 0);
    }

    // s[a .. b) holds 12 to 19 digits whose Luhn sum is a multiple of 10.
    predicate jg_mask_luhn_ok{L}(uint8_t *s, integer a, integer b) =
      12 <= jg_mask_ndig(s, a, b) <= 19 && jg_mask_lsum(s, a, b) % 10 == 0;

    predicate jg_mask_digits{L}(uint8_t *s, integer n) =
      \forall integer i; 0 <= i < n ==> jg_mask_digit(s[i]);

    // IBAN form: 15..34 characters, 2 upper-case letters, 2 digits, upper-case letters or digits.
    predicate jg_mask_iban_form{L}(uint8_t *s, integer n) =
      15 <= n <= 34 && jg_mask_upper(s[0]) && jg_mask_upper(s[1]) &&
      jg_mask_digit(s[2]) && jg_mask_digit(s[3]) &&
      \forall integer i; 4 <= i < n ==> jg_mask_upper(s[i]) || jg_mask_digit(s[i]);

    // The i-th character of the rearranged IBAN (the first four moved to the end).
    logic integer jg_mask_iban_char{L}(uint8_t *s, integer n, integer i) =
      i < n - 4 ? s[i + 4] : s[i - (n - 4)];

    // One step of the remainder: a digit appends one decimal digit, a letter two (A = 10 ..).
    logic integer jg_mask_mod_step(integer r, integer c) =
      ('0' <= c <= '9') ? (10 * r + (c - '0')) % 97 : (100 * r + (c - 'A' + 10)) % 97;

    // The remainder mod 97 of the number the first m rearranged characters spell, by
    // recursion on m >= 0 (two axioms, as for jg_mask_row).
    axiomatic JgMaskIbanRem {
      logic integer jg_mask_iban_rem{L}(uint8_t *s, integer n, integer m) reads s[0 .. n - 1];
      axiom jg_mask_iban_rem_0{L}: \forall uint8_t *s, integer n;
        jg_mask_iban_rem(s, n, 0) == 0;
      axiom jg_mask_iban_rem_step{L}: \forall uint8_t *s, integer n, m, k;
        0 <= k && m == k + 1 ==>
        jg_mask_iban_rem(s, n, m) ==
          jg_mask_mod_step(jg_mask_iban_rem(s, n, k), jg_mask_iban_char(s, n, k));
    }

    // "AAA-GG-SSSS", area not 000, 666 or 9xx, group not 00, serial not 0000.
    predicate jg_mask_ssn_ok{L}(uint8_t *s, integer n) =
      n == 11 &&
      jg_mask_digit(s[0]) && jg_mask_digit(s[1]) && jg_mask_digit(s[2]) && s[3] == '-' &&
      jg_mask_digit(s[4]) && jg_mask_digit(s[5]) && s[6] == '-' &&
      jg_mask_digit(s[7]) && jg_mask_digit(s[8]) && jg_mask_digit(s[9]) && jg_mask_digit(s[10]) &&
      !(s[0] == '0' && s[1] == '0' && s[2] == '0') &&
      !(s[0] == '6' && s[1] == '6' && s[2] == '6') && s[0] != '9' &&
      !(s[4] == '0' && s[5] == '0') &&
      !(s[7] == '0' && s[8] == '0' && s[9] == '0' && s[10] == '0');

    predicate jg_mask_det_one(integer d) =
      d == JG_MASK_DET_LUHN || d == JG_MASK_DET_EMAIL || d == JG_MASK_DET_IBAN ||
      d == JG_MASK_DET_SSN;
*/

/* ---- length-encoded integers ---- */

/* jg_mask_lenenc_size: bytes of the shortest encoding of n: 1, 3, 4 or 9. */
/*@ assigns \nothing;
    ensures \result == jg_mask_lenenc_size(n);
*/
size_t jg_mask_lenenc_size(uint64_t n);

/* jg_mask_lenenc_put: writes the shortest encoding of n at out; returns the bytes written, 0 when
 * cap is too small (nothing written then). */
/*@ requires \valid(out + (0 .. cap - 1));
    assigns out[0 .. cap - 1];

    behavior fits:
      assumes cap >= jg_mask_lenenc_size(n);
      ensures \result == jg_mask_lenenc_size(n);
      ensures jg_mask_hdr(out, 0, n);
      ensures \forall integer k; \result <= k < cap ==> out[k] == \old(out[k]);

    behavior too_small:
      assumes cap < jg_mask_lenenc_size(n);
      ensures \result == 0;
      ensures jg_mask_untouched{Post, Pre}(out, cap);

    complete behaviors;
    disjoint behaviors;
*/
size_t jg_mask_lenenc_put(uint8_t *out, size_t cap, uint64_t n);

/* ---- text rows ---- */

/*
 * jg_mask_text_split: a text row (payload) of exactly ncols values, each 0xFB (NULL) or a lenenc
 * string, covering the payload exactly. 0 and cells[0..ncols) filled; -1 when malformed
 * (truncated, trailing bytes, 0xFF, a length that is not in its shortest form). On -1 cells may
 * hold anything.
 */
/*@ requires \valid_read(row + (0 .. len - 1));
    requires \valid(cells + (0 .. ncols - 1));
    requires \separated(row + (0 .. len - 1), cells + (0 .. ncols - 1));
    assigns cells[0 .. ncols - 1].off, cells[0 .. ncols - 1].len, cells[0 .. ncols - 1].null;

    behavior well_formed:
      assumes jg_mask_text_row(row, len, ncols);
      ensures \result == 0;
      ensures jg_mask_cells{Post, Pre}(row, len, ncols, cells);

    behavior malformed:
      assumes !jg_mask_text_row(row, len, ncols);
      ensures \result == -1;

    complete behaviors;
    disjoint behaviors;
*/
int jg_mask_text_split(const uint8_t *row, size_t len, unsigned ncols, struct jg_mask_cell *cells);

/*
 * jg_mask_text_build: the rewritten row into out: for each column in order, the original cell
 * (KEEP: 0xFB when it was NULL, else its bytes after the shortest header of their length, so the
 * original encoding when cells came from jg_mask_text_split), 0xFB (NUL), or lenenc(len) + the
 * bytes (VALUE). Returns bytes written, or SIZE_MAX when cap is too small (nothing written then).
 * cells come from jg_mask_text_split on the same row (build needs only that every non-NULL cell
 * lies inside the row). VALUE bytes must not overlap out.
 */
/*@ requires \valid_read(row + (0 .. len - 1));
    requires \valid_read(cells + (0 .. ncols - 1));
    requires \valid_read(reps + (0 .. ncols - 1));
    requires \valid(out + (0 .. cap - 1));
    requires jg_mask_cells_in(len, ncols, cells);
    requires jg_mask_reps_ok(ncols, reps);
    requires \forall integer i; 0 <= i < ncols && reps[i].kind == JG_MASK_VALUE ==>
      \valid_read(reps[i].p + (0 .. reps[i].len - 1)) &&
      \separated(reps[i].p + (0 .. reps[i].len - 1), out + (0 .. cap - 1));
    requires \separated(out + (0 .. cap - 1), row + (0 .. len - 1));
    requires \separated(out + (0 .. cap - 1), cells + (0 .. ncols - 1));
    requires \separated(out + (0 .. cap - 1), reps + (0 .. ncols - 1));
    requires cap < SIZE_MAX;
    assigns out[0 .. cap - 1];

    behavior built:
      assumes jg_mask_out_at(cells, reps, ncols) <= cap;
      ensures \result == jg_mask_out_at{Pre}(cells, reps, ncols);
      // a well-formed row of ncols values, every length prefix equal to the bytes after it ...
      ensures jg_mask_text_row(out, \result, ncols);
      // ... and value i is replacement i (the original cell i for KEEP)
      // (the row and the replacements are read after the call: the call writes only out,
      // which they do not overlap, so they are as they were)
      ensures \forall integer i; 0 <= i < ncols ==>
        jg_mask_out_cell{Post, Post}(out, row, cells, reps, i);

    behavior too_small:
      assumes jg_mask_out_at(cells, reps, ncols) > cap;
      ensures \result == SIZE_MAX;
      ensures jg_mask_untouched{Post, Pre}(out, cap);

    complete behaviors;
    disjoint behaviors;
*/
size_t jg_mask_text_build(const uint8_t *row, size_t len, unsigned ncols,
                          const struct jg_mask_cell *cells, const struct jg_mask_rep *reps,
                          uint8_t *out, size_t cap);

/* ---- masking functions over one value's bytes ----
 * Each returns bytes written to out, or 0 when cap is too small (nothing written then):
 * cap >= 4 + value length is always enough. */

/* jg_mask_redact: "****": no byte of the original (the function is not even given it). */
/*@ requires \valid(out + (0 .. cap - 1));
    assigns out[0 .. cap - 1];

    behavior fits:
      assumes cap >= JG_MASK_FILL_LEN;
      ensures \result == JG_MASK_FILL_LEN;
      ensures jg_mask_stars(out);

    behavior too_small:
      assumes cap < JG_MASK_FILL_LEN;
      ensures \result == 0;
      ensures jg_mask_untouched{Post, Pre}(out, cap);

    complete behaviors;
    disjoint behaviors;
*/
size_t jg_mask_redact(uint8_t *out, size_t cap);

/*
 * jg_mask_last4: "****" followed by the last 4 characters when the value has at least 8
 * characters, else just "****". A character is a byte when utf8 == 0; with utf8 != 0, a UTF-8
 * code point (a byte that is not 10xxxxxx starts one).
 */
/*@ requires \valid_read(v + (0 .. n - 1));
    requires \valid(out + (0 .. cap - 1));
    requires \separated(v + (0 .. n - 1), out + (0 .. cap - 1));
    assigns out[0 .. cap - 1];
    ensures \result <= cap;
    ensures cap >= 4 + n ==> \result != 0;
    ensures \result == 0 ==> jg_mask_untouched{Post, Pre}(out, cap);
    ensures \result != 0 ==> jg_mask_stars(out);

    behavior short:
      assumes jg_mask_nchars(v, n, utf8) < 8;
      ensures \result == 0 || \result == JG_MASK_FILL_LEN;

    behavior long:
      assumes jg_mask_nchars(v, n, utf8) >= 8;
      // the bytes kept are v[k .. n): a suffix, starting a character, holding exactly 4
      ensures \result != 0 ==>
        \result > JG_MASK_FILL_LEN &&
        \let k = n - (\result - JG_MASK_FILL_LEN);
        0 <= k < n && jg_mask_cstart(\old(v[k]), utf8) &&
        jg_mask_nchars{Pre}(v, n, utf8) - jg_mask_nchars{Pre}(v, k, utf8) == 4 &&
        \forall integer j; 0 <= j < n - k ==> out[JG_MASK_FILL_LEN + j] == \old(v[k + j]);

    complete behaviors;
    disjoint behaviors;
*/
size_t jg_mask_last4(const uint8_t *v, size_t n, int utf8, uint8_t *out, size_t cap);

/*
 * jg_mask_email: "****@" + the bytes after the LAST '@' when that '@' has at least one byte
 * before it and one after it; otherwise "****". Nothing of the local part is kept.
 */
/*@ requires \valid_read(v + (0 .. n - 1));
    requires \valid(out + (0 .. cap - 1));
    requires \separated(v + (0 .. n - 1), out + (0 .. cap - 1));
    assigns out[0 .. cap - 1];
    ensures \result <= cap;
    ensures cap >= 4 + n ==> \result != 0;
    ensures \result == 0 ==> jg_mask_untouched{Post, Pre}(out, cap);
    ensures \result != 0 ==> jg_mask_stars(out);

    behavior domain:
      assumes \exists integer a; jg_mask_last_at(v, n, a) && 1 <= a && a + 1 < n;
      // the bytes kept are those after the last '@': the domain, nothing of the local part
      ensures \result != 0 ==>
        \result > JG_MASK_FILL_LEN + 1 &&
        \let a = n - (\result - JG_MASK_FILL_LEN);
        jg_mask_last_at{Pre}(v, n, a) && out[JG_MASK_FILL_LEN] == '@' &&
        \forall integer j; 0 <= j < n - a - 1 ==>
          out[JG_MASK_FILL_LEN + 1 + j] == \old(v[a + 1 + j]);

    behavior no_domain:
      assumes !\exists integer a; jg_mask_last_at(v, n, a) && 1 <= a && a + 1 < n;
      ensures \result == 0 || \result == JG_MASK_FILL_LEN;

    complete behaviors;
    disjoint behaviors;
*/
size_t jg_mask_email(const uint8_t *v, size_t n, uint8_t *out, size_t cap);

/* jg_mask_hex: lower-case hex of b[0..nb), 2*nb bytes, high nibble first (for the keyed hash:
 * the HMAC is computed elsewhere). */
/*@ requires \valid_read(b + (0 .. nb - 1));
    requires \valid(out + (0 .. cap - 1));
    requires \separated(b + (0 .. nb - 1), out + (0 .. cap - 1));
    assigns out[0 .. cap - 1];

    behavior fits:
      assumes 2 * nb <= cap;
      ensures \result == 2 * nb;
      ensures \forall integer j; 0 <= j < nb ==>
        out[2 * j] == jg_mask_hexd(b[j] / 16) && out[2 * j + 1] == jg_mask_hexd(b[j] % 16);

    behavior too_small:
      assumes 2 * nb > cap;
      ensures \result == 0;
      ensures jg_mask_untouched{Post, Pre}(out, cap);

    complete behaviors;
    disjoint behaviors;
*/
size_t jg_mask_hex(const uint8_t *b, size_t nb, uint8_t *out, size_t cap);

/* ---- checks on a candidate, given compactly (digits/letters only, no separators) ---- */

/* jg_mask_luhn: 1 when d[0..n) is 12..19 ASCII digits and the Luhn sum % 10 == 0, else 0. */
/*@ requires \valid_read(d + (0 .. n - 1));
    assigns \nothing;

    behavior pass:
      assumes jg_mask_digits(d, n) && jg_mask_luhn_ok(d, 0, n);
      ensures \result == 1;

    behavior fail:
      assumes !(jg_mask_digits(d, n) && jg_mask_luhn_ok(d, 0, n));
      ensures \result == 0;

    complete behaviors;
    disjoint behaviors;
*/
int jg_mask_luhn(const uint8_t *d, size_t n);

/*
 * jg_mask_iban: 1 when s[0..n) is 15..34 characters: 2 upper-case letters, 2 digits, then
 * upper-case letters and digits, and the ISO 13616 check holds: the first 4 moved to the end,
 * letters read as A = 10 .. Z = 35, the number mod 97 is 1, computed digit by digit so nothing
 * overflows. Else 0.
 */
/*@ requires \valid_read(s + (0 .. n - 1));
    assigns \nothing;

    behavior pass:
      assumes jg_mask_iban_form(s, n) && jg_mask_iban_rem(s, n, n) == 1;
      ensures \result == 1;

    behavior fail:
      assumes !(jg_mask_iban_form(s, n) && jg_mask_iban_rem(s, n, n) == 1);
      ensures \result == 0;

    complete behaviors;
    disjoint behaviors;
*/
int jg_mask_iban(const uint8_t *s, size_t n);

/* jg_mask_ssn: 1 when s[0..n) is "AAA-GG-SSSS" (11 bytes), area not 000, 666 or 9xx, group not
 * 00, serial not 0000; else 0. */
/*@ requires \valid_read(s + (0 .. n - 1));
    assigns \nothing;

    behavior pass:
      assumes jg_mask_ssn_ok(s, n);
      ensures \result == 1;

    behavior fail:
      assumes !jg_mask_ssn_ok(s, n);
      ensures \result == 0;

    complete behaviors;
    disjoint behaviors;
*/
int jg_mask_ssn(const uint8_t *s, size_t n);

/*
 * jg_mask_scan: spans of s[0..n) that the detectors in dets find, non-overlapping, in increasing
 * order, at most max of them into spans; SIZE_MAX when there are more than max (the caller fails
 * closed).
 * Card (LUHN): 12..19 digits, either contiguous or in groups separated by single spaces or single
 *   dashes (one kind per number), not preceded or followed by a digit or a letter, whose digits
 *   pass the Luhn check; the longest such number from a start.
 * EMAIL: [A-Za-z0-9._%+-]+ '@' labels of [A-Za-z0-9-]+ joined by '.', at least two labels, last
 *   label at least 2 letters; maximal (the local part extends left as far as allowed chars go).
 * IBAN: the compact form or groups of 4 separated by single spaces, not preceded/followed by a
 *   letter or digit, passing jg_mask_iban on the compact characters.
 * SSN: "ddd-dd-dddd" not preceded/followed by a digit, passing jg_mask_ssn.
 * Where two could start at one byte, EMAIL is tried first, then card, IBAN, SSN.
 */
/*@ requires \valid_read(s + (0 .. n - 1));
    requires \valid(spans + (0 .. max - 1));
    requires \separated(s + (0 .. n - 1), spans + (0 .. max - 1));
    assigns spans[0 .. max - 1];
    ensures \result == SIZE_MAX || \result <= max;
    ensures \result != SIZE_MAX ==> \forall integer i; 0 <= i < \result ==>
      0 < spans[i].len && spans[i].off < n && spans[i].len <= n - spans[i].off &&
      jg_mask_det_one(spans[i].det) && (dets & spans[i].det) != 0 &&
      (spans[i].det == JG_MASK_DET_LUHN ==>
         jg_mask_luhn_ok(s, spans[i].off, spans[i].off + spans[i].len));
    ensures \result != SIZE_MAX ==> \forall integer i; 0 < i < \result ==>
      spans[i - 1].off + spans[i - 1].len <= spans[i].off;
*/
size_t jg_mask_scan(const uint8_t *s, size_t n, unsigned dets, struct jg_mask_span *spans,
                    size_t max);

#endif
