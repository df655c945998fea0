/*
 * fuzz/mask: the masking primitives (src/mask/mask.h) on bytes a backend controls: the scanner
 * over free text, and text rows split into cells and built again.
 *
 * Input:  SEL REST
 *   SEL % 2 == 0   scan: REST = DETS TEXT; jg_mask_scan of TEXT with the detectors DETS & 15,
 *                  into room for 8 spans, then again with room for as many as the text can hold.
 *                  Invariants: spans inside TEXT, increasing, not overlapping, each det one bit of
 *                  DETS; a card span's digits pass jg_mask_luhn; SIZE_MAX exactly when the first
 *                  run found more than 8; every span can be masked (last4, email, redact) into
 *                  4 + its length bytes.
 *   SEL % 2 == 1   row: REST = NCOLS PAYLOAD; jg_mask_text_split of PAYLOAD into NCOLS cells.
 *                  When it splits: cells inside the payload, end to end; build with every cell
 *                  kept gives the payload byte for byte, with one byte less of room SIZE_MAX and
 *                  nothing written; build with every other cell masked ("****") or NULL splits
 *                  again into NCOLS cells that are those replacements.
 *
 * The text and the payload are copied into heap blocks of their exact size (driver.c), so that
 * ASan sees a read one byte outside them.
 *
 * Build and run: `make fuzz-replay`, `make fuzz-mask` (docs/fuzzing.md).
 */
#include "fuzz.h"
#include "mask/mask.h"

#include <string.h>

#define MAXCOLS 255

static void scan(const uint8_t *s, size_t n, unsigned dets)
{
	struct jg_mask_span sp[64];
	uint8_t out[64], compact[19];
	size_t k, all, end = 0;

	k = jg_mask_scan(s, n, dets, sp, 8);
	all = jg_mask_scan(s, n, dets, sp, 64);
	CHECK(all != SIZE_MAX || n / 2 >= 64);     /* a span takes at least 2 bytes and a gap */
	if (all == SIZE_MAX)
		return;
	CHECK(k == (all > 8 ? SIZE_MAX : all));
	for (size_t i = 0; i < all; i++) {
		CHECK(sp[i].len > 0 && sp[i].off >= end && sp[i].len <= n - sp[i].off);
		CHECK(sp[i].det && (sp[i].det & (sp[i].det - 1)) == 0 && (sp[i].det & dets));
		end = sp[i].off + sp[i].len;
		if (sp[i].det == JG_MASK_DET_LUHN) {
			size_t nd = 0;
			for (size_t j = sp[i].off; j < end; j++)
				if (s[j] >= '0' && s[j] <= '9')
					compact[nd < 19 ? nd++ : 18] = s[j];
				else
					CHECK(s[j] == ' ' || s[j] == '-');
			CHECK(jg_mask_luhn(compact, nd) == 1);
		}
		if (sp[i].det == JG_MASK_DET_SSN)
			CHECK(jg_mask_ssn(s + sp[i].off, sp[i].len) == 1);
		if (sp[i].len + 4 <= sizeof(out)) {
			CHECK(jg_mask_last4(s + sp[i].off, sp[i].len, 1, out, sp[i].len + 4) >= 4);
			CHECK(jg_mask_email(s + sp[i].off, sp[i].len, out, sp[i].len + 4) >= 4);
		}
	}
}

static void row(const uint8_t *p, size_t len, unsigned ncols)
{
	static struct jg_mask_cell cells[MAXCOLS], again[MAXCOLS];
	static struct jg_mask_rep reps[MAXCOLS];
	static const uint8_t stars[] = "****";
	uint8_t *out;
	size_t n, end = 0, cap = len + 4 * ncols + 1;

	if (jg_mask_text_split(p, len, ncols, cells) != 0)
		return;
	for (unsigned i = 0; i < ncols; i++) {
		if (cells[i].null) {
			CHECK(cells[i].off == end && p[end] == 0xFB && cells[i].len == 0);
			end++;
		} else {
			CHECK(cells[i].off > end && cells[i].len <= len - cells[i].off);
			end = cells[i].off + cells[i].len;
		}
	}
	CHECK(end == len);
	out = malloc(cap);
	if (!out)
		abort();
	memset(reps, 0, sizeof(reps));
	CHECK(jg_mask_text_build(p, len, ncols, cells, reps, out, cap) == len);
	CHECK(memcmp(out, p, len) == 0);
	if (len > 0) {
		memset(out, 0xAA, cap);
		CHECK(jg_mask_text_build(p, len, ncols, cells, reps, out, len - 1) == SIZE_MAX);
		for (size_t i = 0; i < len - 1; i++)
			CHECK(out[i] == 0xAA);
	}
	for (unsigned i = 0; i < ncols; i++) {
		reps[i].kind = i % 3 == 0 ? JG_MASK_VALUE : i % 3 == 1 ? JG_MASK_NUL : JG_MASK_KEEP;
		reps[i].p = stars;
		reps[i].len = 4;
	}
	n = jg_mask_text_build(p, len, ncols, cells, reps, out, cap);
	CHECK(n != SIZE_MAX && n <= cap);
	CHECK(jg_mask_text_split(out, n, ncols, again) == 0);
	for (unsigned i = 0; i < ncols; i++) {
		if (i % 3 == 0)
			CHECK(!again[i].null && again[i].len == 4 && memcmp(out + again[i].off, stars, 4) == 0);
		else if (i % 3 == 1)
			CHECK(again[i].null);
		else
			CHECK(again[i].null == cells[i].null && again[i].len == cells[i].len &&
			      memcmp(out + again[i].off, p + cells[i].off, cells[i].len) == 0);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *rest;

	if (size < 2)
		return 0;
	rest = jg_fuzz_copy(data + 2, size - 2);
	if (data[0] % 2 == 0)
		scan(rest, size - 2, data[1] & 15u);
	else
		row(rest, size - 2, data[1]);
	free(rest);
	return 0;
}
