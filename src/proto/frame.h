/*
 * frame.h: MySQL packet framing. A header is 3 bytes of little-endian payload length and a
 * sequence id (spec/frame.rl); a logical packet is one or more physical packets, every one but the
 * last carrying exactly JG_FRAME_MAX payload bytes.
 *
 * struct jg_frame is caller-owned and does not allocate.
 */
#ifndef JG_PROTO_FRAME_H
#define JG_PROTO_FRAME_H

#include "jg.h"

#define JG_FRAME_HDR 4
#define JG_FRAME_MAX 0xFFFFFFu

struct jg_frame {
	uint32_t len;        /* payload length of the current physical packet */
	uint8_t seq;         /* its sequence id */
	uint32_t left;       /* payload bytes of the current physical packet not yet consumed */
	uint8_t in_cont;     /* the current logical packet continues past this physical packet */
	uint8_t first;       /* this physical packet starts a logical packet */
};

/* jg_frame_parse_header: reads the JG_FRAME_HDR bytes at p into f->len and f->seq (gen/frame.c). */
int jg_frame_parse_header(struct jg_frame *f, const uint8_t *p);

/* Actions of the frame machine. */
static inline void jg_frame_len_byte(struct jg_frame *f, uint8_t b, int shift)
{
	if (shift == 0)
		f->len = 0;
	f->len |= (uint32_t)b << shift;
}
static inline void jg_frame_seq(struct jg_frame *f, uint8_t b) { f->seq = b; }

/*
 * jg_frame_begin: after a header was parsed, sets left/first/in_cont for the new physical packet.
 * first is set when the previous physical packet ended a logical packet.
 */
static inline void jg_frame_begin(struct jg_frame *f)
{
	f->first = !f->in_cont;
	f->in_cont = f->len == JG_FRAME_MAX;
	f->left = f->len;
}

/* jg_frame_put_header: writes a header for a payload of len bytes (len < JG_FRAME_MAX). */
static inline void jg_frame_put_header(uint8_t *p, uint32_t len, uint8_t seq)
{
	jg_put_le24(p, len);
	p[3] = seq;
}

#endif
