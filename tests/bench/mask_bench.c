/*
 * mask_bench.c: how fast masking rewrites result rows on one core, no server: rows/s and MB/s
 * (row payload bytes read) over 1,024 rows shaped like range100's (sysbench's id INT, k INT,
 * c CHAR(120), pad CHAR(60)), each case for about a second. `make bench-mask`; `make bench`
 * runs it first; the figures go into docs/performance.md ("Masking (issue 11)").
 *
 * Each row goes through the work src/proto/mask.c's result stage does for a row of a result set
 * with a masked column: text rows as its text_row (jg_mask_text_split, jg_mask_text of every
 * active cell into scratch, jg_mask_text_build when a cell changed), binary rows as its bin_row
 * (jg_bin_row cursor, jg_mask_binary, values copied or re-prefixed). That function is static and
 * wants a session, so the loop is repeated here; what the stage does around it (assembling a row
 * that spans packets, writing the new frame, the TLS record) is not in these figures, only in
 * `make bench`'s jit-mask route.
 *
 * Before timing, each case's output is checked (the masked value is what the function gives, the
 * other cells are byte for byte the same): a wrong output fails, a timing never does. The last
 * line is "bench-mask: N passed, N failed".
 */
#include "mask/mask.h"
#include "mask/value.h"
#include "policy/policy.h"
#include "proto/pkt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NROWS 1024
#define NCOLS 4
#define ROW_MAX 256
#define OUT_MAX 4096
#define SECONDS 1.0

static const char KEY[] = "bench-mask-key-0123456789abcdef-0123456789";
static const uint8_t TYPES[NCOLS] = { JG_TYPE_LONG, JG_TYPE_LONG, JG_TYPE_STRING, JG_TYPE_STRING };

static uint8_t trows[NROWS][ROW_MAX], brows[NROWS][ROW_MAX];
static size_t tlens[NROWS], blens[NROWS];
static char cvals[NROWS][128];           /* each row's c, for the checks */
static uint8_t scratch[8192];            /* the stage's scratch: masked values of one row */
static struct jg_mask_key key;
static unsigned passed, failed;

/* ---- rows like sysbench's ---- */

static uint32_t lcg = 12345;

static unsigned rnd(unsigned n)
{
	lcg = lcg * 1103515245u + 12345u;
	return (lcg >> 8) % n;
}

/* groups: sysbench's c and pad: groups of 11 digits joined by '-' (10 groups: 119 characters). */
static size_t groups(char *out, unsigned n)
{
	size_t at = 0;

	for (unsigned g = 0; g < n; g++) {
		if (g)
			out[at++] = '-';
		for (int d = 0; d < 11; d++)
			out[at++] = (char)('0' + rnd(10));
	}
	out[at] = '\0';
	return at;
}

static size_t put_text(uint8_t *row, size_t at, const char *v, size_t n)
{
	at += jg_mask_lenenc_put(row + at, ROW_MAX - at, n);
	memcpy(row + at, v, n);
	return at + n;
}

static void make_rows(void)
{
	char num[16], pad[64];

	for (unsigned i = 0; i < NROWS; i++) {
		unsigned id = 4012 + i, k = 1 + rnd(10000);
		size_t cn = groups(cvals[i], 10), pn = groups(pad, 5), at = 0;

		/* text protocol: every value a length-encoded string */
		at = put_text(trows[i], at, num, (size_t)snprintf(num, sizeof(num), "%u", id));
		at = put_text(trows[i], at, num, (size_t)snprintf(num, sizeof(num), "%u", k));
		at = put_text(trows[i], at, cvals[i], cn);
		tlens[i] = put_text(trows[i], at, pad, pn);
		/* binary protocol: 0x00, NULL bitmap ((4 + 7 + 2) / 8 bytes), two LONGs, two strings */
		brows[i][0] = 0x00;
		brows[i][1] = 0x00;
		for (int b = 0; b < 4; b++) {
			brows[i][2 + b] = (uint8_t)(id >> (8 * b));
			brows[i][6 + b] = (uint8_t)(k >> (8 * b));
		}
		at = put_text(brows[i], 10, cvals[i], cn);
		blens[i] = put_text(brows[i], at, pad, pn);
	}
}

/* ---- one row, as the result stage does it ---- */

/* text_row: src/proto/mask.c's text_row. Returns the new row's length, 0 when no cell changed
 * (the stage forwards the row as it came), SIZE_MAX on an error. */
static size_t text_row(const struct jg_mask_col *cols, const uint8_t *p, size_t len, uint8_t *out,
                       size_t cap)
{
	struct jg_mask_cell cells[NCOLS];
	struct jg_mask_rep reps[NCOLS];
	size_t at = 0, w;
	int changed = 0, rc;

	if (jg_mask_text_split(p, len, NCOLS, cells) != 0)
		return SIZE_MAX;
	for (unsigned i = 0; i < NCOLS; i++) {
		reps[i].kind = JG_MASK_KEEP;
		if (cells[i].null || !jg_mask_col_active(&cols[i]))
			continue;
		rc = jg_mask_text(&cols[i], &key, p + cells[i].off, cells[i].len, scratch + at,
		                  sizeof(scratch) - at, &w);
		if (rc == JG_MASK_VALUE) {
			reps[i].kind = JG_MASK_VALUE;
			reps[i].p = scratch + at;
			reps[i].len = w;
			at += w;
		} else if (rc == JG_MASK_NUL) {
			reps[i].kind = JG_MASK_NUL;
		} else if (rc != JG_MASK_KEEP) {
			return SIZE_MAX;
		}
		changed |= rc != JG_MASK_KEEP;
	}
	if (!changed)
		return 0;
	return jg_mask_text_build(p, len, NCOLS, cells, reps, out, cap);
}

/* bin_row: src/proto/mask.c's bin_row; returns as text_row. */
static size_t bin_row(const struct jg_mask_col *cols, const uint8_t *p, size_t len, uint8_t *out,
                      size_t cap)
{
	size_t nb = (NCOLS + 9) / 8, at = 1 + nb, w;
	struct jg_bin_row b;
	struct jg_pkt_value v;
	int changed = 0, rc;

	if (cap < at || len < at)
		return SIZE_MAX;
	out[0] = 0;
	memcpy(out + 1, p + 1, nb);
	jg_bin_row_init(&b, p, len, TYPES, NCOLS);
	for (unsigned i = 0; i < NCOLS; i++) {
		size_t whole;

		if (jg_bin_row_next(&b, &v) != JG_OK)
			return SIZE_MAX;
		if (v.null)
			continue;
		whole = v.hdr + v.len;
		rc = JG_MASK_KEEP;
		if (jg_mask_col_active(&cols[i]))
			rc = jg_mask_binary(&cols[i], &key, v.p, v.len, scratch, sizeof(scratch), &w);
		if (rc == JG_MASK_KEEP) {
			if (whole > cap - at)
				return SIZE_MAX;
			memcpy(out + at, p + v.off, whole);
			at += whole;
		} else if (rc == JG_MASK_NUL) {
			out[1 + (i + 2) / 8] |= (uint8_t)(1u << ((i + 2) % 8));
		} else if (rc == JG_MASK_VALUE) {
			size_t h = jg_mask_fixed_width(cols[i].type) ? 0 : jg_mask_lenenc_size(w);

			if (h + w > cap - at)
				return SIZE_MAX;
			if (h)
				jg_mask_lenenc_put(out + at, cap - at, w);
			memcpy(out + at + h, scratch, w);
			at += h + w;
		} else {
			return SIZE_MAX;
		}
		changed |= rc != JG_MASK_KEEP;
	}
	if (jg_bin_row_finish(&b) != JG_OK)
		return SIZE_MAX;
	return changed ? at : 0;
}

/* ---- cases ---- */

struct bench_case {
	const char *name;
	int binary;
	struct jg_mask_col cols[NCOLS];
};

static void columns(struct jg_mask_col cols[NCOLS])
{
	memset(cols, 0, NCOLS * sizeof(*cols));
	for (unsigned i = 0; i < NCOLS; i++) {
		cols[i].type = TYPES[i];
		cols[i].utf8 = 1;                 /* utf8mb4, sysbench's tables' character set */
	}
	cols[0].length = cols[1].length = 11;
	cols[2].length = 480;
	cols[3].length = 240;
}

static void check(int ok, const char *what)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		printf("FAIL: %s\n", what);
	}
}

static int hex32(const uint8_t *v, size_t n)
{
	if (n != 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return 0;
	return 1;
}

/* same_cell: cell i of row a and row b hold the same bytes. */
static int same_cell(const uint8_t *a, const struct jg_mask_cell *ca, const uint8_t *b,
                     const struct jg_mask_cell *cb)
{
	return ca->len == cb->len && memcmp(a + ca->off, b + cb->off, ca->len) == 0;
}

/* check_row: row 0 of a case: c masked as its function says, every other value unchanged;
 * detectors: sysbench's digit groups are no card, so the row is kept. */
static void check_case(const struct bench_case *bc)
{
	static uint8_t out[OUT_MAX];
	const struct jg_mask_col *c = &bc->cols[2];
	const char *cv = cvals[0];
	size_t n, cn = strlen(cv);
	char what[160];
	int ok = 0;

	snprintf(what, sizeof(what), "%s: row 0 as expected", bc->name);
	if (!bc->binary) {
		struct jg_mask_cell in[NCOLS], o[NCOLS];

		n = text_row(bc->cols, trows[0], tlens[0], out, sizeof(out));
		if (!c->fn) {                            /* detectors only: nothing to find */
			check(n == 0, what);
			return;
		}
		if (n == 0 || n == SIZE_MAX || jg_mask_text_split(trows[0], tlens[0], NCOLS, in) != 0 ||
		    jg_mask_text_split(out, n, NCOLS, o) != 0) {
			check(0, what);
			return;
		}
		ok = same_cell(trows[0], &in[0], out, &o[0]) && same_cell(trows[0], &in[1], out, &o[1]) &&
		     same_cell(trows[0], &in[3], out, &o[3]);
		if (c->fn == JG_MASK_LAST4)
			ok = ok && o[2].len == 8 && memcmp(out + o[2].off, "****", 4) == 0 &&
			     memcmp(out + o[2].off + 4, cv + cn - 4, 4) == 0;
		else
			ok = ok && hex32(out + o[2].off, o[2].len);
	} else {
		struct jg_bin_row bi, bo;
		struct jg_pkt_value vi[NCOLS], vo[NCOLS];

		n = bin_row(bc->cols, brows[0], blens[0], out, sizeof(out));
		if (n == 0 || n == SIZE_MAX) {
			check(0, what);
			return;
		}
		jg_bin_row_init(&bi, brows[0], blens[0], TYPES, NCOLS);
		jg_bin_row_init(&bo, out, n, TYPES, NCOLS);
		ok = 1;
		for (unsigned i = 0; i < NCOLS; i++)
			ok = ok && jg_bin_row_next(&bi, &vi[i]) == JG_OK && jg_bin_row_next(&bo, &vo[i]) == JG_OK;
		ok = ok && jg_bin_row_finish(&bo) == JG_OK;
		for (unsigned i = 0; ok && i < NCOLS; i++)
			if (i != 2)
				ok = vi[i].len == vo[i].len && memcmp(vi[i].p, vo[i].p, vi[i].len) == 0;
		if (ok && c->fn == JG_MASK_LAST4)
			ok = vo[2].len == 8 && memcmp(vo[2].p, "****", 4) == 0 && memcmp(vo[2].p + 4, cv + cn - 4, 4) == 0;
		else if (ok)
			ok = hex32(vo[2].p, vo[2].len);
	}
	check(ok, what);
}

/* check_detectors: a value with a card number and an address in it is rewritten (the scanner
 * works in this build), the rest of its row kept. */
static void check_detectors(const struct bench_case *bc)
{
	static const char want[] = "card ****1111, mail ****@example.com.";
	const char *v = "card 4111 1111 1111 1111, mail ann@example.com.";
	uint8_t row[ROW_MAX], out[OUT_MAX];
	struct jg_mask_cell o[NCOLS];
	size_t at = 0, n;

	at = put_text(row, at, "1", 1);
	at = put_text(row, at, "2", 1);
	at = put_text(row, at, v, strlen(v));
	at = put_text(row, at, "pad", 3);
	n = text_row(bc->cols, row, at, out, sizeof(out));
	check(n != 0 && n != SIZE_MAX && jg_mask_text_split(out, n, NCOLS, o) == 0 &&
	      o[2].len == strlen(want) && memcmp(out + o[2].off, want, o[2].len) == 0,
	      "detectors: a card and an address in a value are masked");
}

/* run: the case over all rows until SECONDS have passed; prints its line. */
static void run(const struct bench_case *bc)
{
	static uint8_t out[OUT_MAX];
	struct timespec t0, t1;
	unsigned long rows = 0, changed = 0, sink = 0;
	double bytes = 0, secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (unsigned i = 0; i < NROWS; i++) {
			size_t n = bc->binary ? bin_row(bc->cols, brows[i], blens[i], out, sizeof(out))
			                      : text_row(bc->cols, trows[i], tlens[i], out, sizeof(out));

			bytes += (double)(bc->binary ? blens[i] : tlens[i]);
			changed += n != 0;
			sink += n == 0 ? 0 : out[n - 1];
		}
		rows += NROWS;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	} while (secs < SECONDS);
	printf("%-36s %12.0f %9.1f %9.0f %8.0f %%   (check %lu)\n", bc->name, (double)rows / secs,
	       bytes / secs / 1e6, secs * 1e9 / (double)rows, 100.0 * (double)changed / (double)rows,
	       sink % 7);
}

int main(void)
{
	static struct bench_case cases[5];
	double avg = 0;

	jg_mask_key_init(&key, KEY, strlen(KEY));
	make_rows();
	for (unsigned i = 0; i < NROWS; i++)
		avg += (double)tlens[i];
	cases[0].name = "text, c last4";
	cases[1].name = "text, c hash (HMAC-SHA-256)";
	cases[2].name = "text, luhn+email scan of every cell";
	cases[3].name = "binary, c last4";
	cases[4].name = "binary, c hash (HMAC-SHA-256)";
	for (unsigned i = 0; i < 5; i++) {
		columns(cases[i].cols);
		cases[i].binary = i >= 3;
	}
	cases[0].cols[2].fn = cases[3].cols[2].fn = JG_MASK_LAST4;
	cases[1].cols[2].fn = cases[4].cols[2].fn = JG_MASK_HASH;
	for (unsigned i = 0; i < NCOLS; i++) {   /* a detect mask that scans every column */
		cases[2].cols[i].dets = JG_MASK_DET_LUHN | JG_MASK_DET_EMAIL;
		cases[2].cols[i].det_fn[0] = JG_MASK_LAST4;
		cases[2].cols[i].det_fn[1] = JG_MASK_EMAIL;
	}
	for (unsigned i = 0; i < 5; i++)
		check_case(&cases[i]);
	check_detectors(&cases[2]);

	printf("bench-mask: %d rows of 4 columns like range100's (INT id, INT k, CHAR(120) c, CHAR(60) pad), "
	       "%.0f bytes per text row, one core, %.0f s per case\n", NROWS, avg / NROWS, SECONDS);
	printf("%-36s %12s %9s %9s %10s\n", "case", "rows/s", "MB/s", "ns/row", "rewritten");
	for (unsigned i = 0; i < 5; i++)
		run(&cases[i]);
	printf("bench-mask: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
