/* test_pump.c: the pump's staging buffers and the gateway's own packet queue (src/proto/pump.h). */
#include "unit.h"

#include "proto/pump.h"

#include <stdlib.h>

/* frame_check: b holds packets of total payload n (bytes i % 251), seq ids from seq0 on. */
static int frame_check(const struct jg_stagebuf *b, size_t n, uint8_t seq0, size_t *packets)
{
	size_t off = 0, got = 0, len;

	*packets = 0;
	do {
		if (b->len - off < JG_FRAME_HDR)
			return 0;
		len = jg_le24(b->p + off);
		if (b->p[off + 3] != (uint8_t)(seq0 + *packets) || b->len - off - JG_FRAME_HDR < len)
			return 0;
		for (size_t i = 0; i < len; i += 4099)       /* a sample is enough */
			if (b->p[off + JG_FRAME_HDR + i] != (uint8_t)((got + i) % 251))
				return 0;
		got += len;
		off += JG_FRAME_HDR + len;
		(*packets)++;
	} while (len == JG_FRAME_MAX);
	return off == b->len && got == n;
}

static void frame_one(size_t n, size_t want_packets)
{
	struct jg_stagebuf b = { 0 };
	uint8_t seq = 7;
	size_t packets;

	CHECK_EQ_INT(jg_stagebuf_reserve(&b, JG_FRAME_HDR + n, SIZE_MAX), JG_OK);
	for (size_t i = 0; i < n; i++)
		b.p[JG_FRAME_HDR + i] = (uint8_t)(i % 251);
	b.len = JG_FRAME_HDR + n;
	CHECK_EQ_INT(jg_stagebuf_frame(&b, 0, &seq), JG_OK);
	CHECK(frame_check(&b, n, 7, &packets));
	CHECK_EQ_INT(packets, want_packets);
	CHECK_EQ_INT(seq, 7 + want_packets);
	jg_stagebuf_release(&b);
}

JG_TEST(pump_stagebuf_frames_at_16_mib)
{
	frame_one(0, 1);
	frame_one(100, 1);
	frame_one(JG_FRAME_MAX - 1, 1);
	frame_one(JG_FRAME_MAX, 2);                 /* a full packet, then an empty one */
	frame_one(JG_FRAME_MAX + 1, 2);
	frame_one(2 * (size_t)JG_FRAME_MAX + 5, 3);
}

JG_TEST(pump_stagebuf_reserve_is_bounded)
{
	struct jg_stagebuf b = { 0 };

	CHECK_EQ_INT(jg_stagebuf_reserve(&b, 100, 99), JG_ERR_TOOBIG);
	CHECK_EQ_INT(jg_stagebuf_reserve(&b, 100, 100), JG_OK);
	CHECK(b.cap >= 100);            /* a buffer from the pool may be larger: len is bounded */
	b.len = 100;
	CHECK_EQ_INT(jg_stagebuf_reserve(&b, 1, 100), JG_ERR_TOOBIG);
	CHECK_EQ_INT(jg_stagebuf_reserve(&b, SIZE_MAX, SIZE_MAX), JG_ERR_TOOBIG);
	CHECK_EQ_INT(jg_stagebuf_reserve(&b, 300000, 400000), JG_OK);
	CHECK(b.cap >= 300100);
	jg_stagebuf_release(&b);
	CHECK(b.p == NULL && b.len == 0 && b.cap == 0);
}

JG_TEST(pump_out_keeps_its_first_error)
{
	static struct jg_out o;
	char msg[2000];

	memset(&o, 0, sizeof(o));
	jg_out_er(&o, 1, JG_ER_POLICY, "denied");
	CHECK_EQ_INT(o.err, 0);
	CHECK(o.len > 9 && o.buf[4] == 0xff && jg_le16(o.buf + 5) == 1142);
	CHECK(memcmp(o.buf + 8, "42000", 5) == 0);
	/* A packet that does not fit is not written, and the queue remembers it. */
	volatile size_t n = sizeof(msg);      /* not a constant the compiler folds into a warning */

	memset(msg, 'm', sizeof(msg));
	jg_out_packet(&o, 2, msg, n);
	CHECK_EQ_INT(o.err, JG_ERR_TOOBIG);
	CHECK(jg_out_pending(&o));
	jg_out_er(&o, 3, JG_ER_POLICY, "later");
	CHECK_EQ_INT(o.err, JG_ERR_TOOBIG);
}
