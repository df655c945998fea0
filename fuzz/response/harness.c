/*
 * fuzz/response: the command-phase response tracker (src/proto/resp.h, spec/response.rl) fed
 * any sequence of server packets, as a backend (or a man in the middle of a plaintext backend
 * leg) can send them.
 *
 * Input:  CMD FLAGS RECORD...
 *   CMD     the command being answered (jg_resp_expect)
 *   FLAGS   bit 0: CLIENT_DEPRECATE_EOF was negotiated
 *   RECORD  LEN16 PAYLOAD          a packet of LEN16 bytes (little-endian; fewer at end of input)
 *           0x8000|x TOTAL32 PEEK  a packet of TOTAL32 bytes of which only the first
 *                                  jg_resp_need(TOTAL32) are given, as the session does for big
 *                                  packets (zero-padded at end of input)
 *           0xffff CMD             the next command, taken only once the response is complete
 *
 * Invariants: errors are sticky and are the ones resp.h documents; rows and results never
 * decrease and grow by at most one per packet; once jg_resp_done, any server packet is an error.
 *
 * Build and run: `make fuzz-replay`, `make fuzz` (docs/fuzzing.md).
 */
#include "fuzz.h"
#include "proto/resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* feed: one packet of total bytes, avail of them given (in a heap block of that exact size). */
static void feed(struct jg_resp *r, const uint8_t *src, size_t have, size_t avail, uint32_t total)
{
	uint8_t *pkt = calloc(1, avail ? avail : 1);
	int done = jg_resp_done(r), err = r->err, rc;
	uint64_t rows = r->rows;
	uint32_t results = r->results;

	if (!pkt)
		abort();
	memcpy(pkt, src, JG_MIN(have, avail));
	rc = jg_resp_packet(r, pkt, avail, total);
	free(pkt);
	CHECK(rc == r->err);
	CHECK(rc == JG_OK || rc == JG_ERR_PROTO || rc == JG_ERR_UNSUPPORTED);
	if (err)
		CHECK(rc == err);            /* sticky */
	else if (done)
		CHECK(rc != JG_OK);          /* nothing is outstanding: the server may not speak */
	CHECK(r->rows >= rows && r->rows - rows <= 1);
	CHECK(r->results >= results && r->results - results <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jg_resp r;
	size_t off = 2, n;
	uint32_t total;
	unsigned h;

	if (size < 2)
		return 0;
	memset(&r, 0, sizeof(r));
	r.deprecate_eof = data[1] & 1;
	if (jg_resp_expect(&r, data[0]) == 0)
		CHECK(jg_resp_done(&r));
	else
		CHECK(!jg_resp_done(&r) && r.err == 0);
	while (size - off >= 2) {
		h = jg_le16(data + off);
		off += 2;
		if (h == 0xffff) {
			if (off < size && jg_resp_done(&r) && !r.err) {
				jg_resp_expect(&r, data[off]);
				CHECK(r.err == 0 && r.rows == 0 && r.results == 0);
			}
			off += off < size;
		} else if (h & 0x8000) {
			if (size - off < 4)
				break;
			total = jg_le32(data + off);
			off += 4;
			n = jg_resp_need(total);
			feed(&r, data + off, size - off, n, total);
			off += JG_MIN(n, size - off);
		} else {
			n = JG_MIN(h, size - off);
			feed(&r, data + off, n, n, (uint32_t)n);
			off += n;
		}
	}
	return 0;
}
