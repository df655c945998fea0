/*
 * frame.rl: the MySQL packet header (MySQL Client/Server Protocol, "MySQL Packets").
 *
 *   int<3> payload_length   little-endian
 *   int<1> sequence_id
 *
 * A payload of exactly 0xFFFFFF bytes means the logical packet continues in the next physical
 * packet; a logical packet ends with a physical packet shorter than that (possibly empty). The
 * machine reads one header; the payload itself is counted by src/proto/frame.c without touching
 * each byte, so that rows are forwarded without a per-byte cost.
 */
#include "proto/frame.h"

%%{
	machine jg_frame;
	alphtype unsigned char;

	action len0 { jg_frame_len_byte(f, fc, 0); }
	action len1 { jg_frame_len_byte(f, fc, 8); }
	action len2 { jg_frame_len_byte(f, fc, 16); }
	action seq  { jg_frame_seq(f, fc); }

	header = any @len0 any @len1 any @len2 any @seq;
	main := header;
}%%

%% write data noerror nofinal noentry;

int jg_frame_parse_header(struct jg_frame *f, const uint8_t *p)
{
	const uint8_t *pe = p + JG_FRAME_HDR;
	int cs;

	%% write init;
	%% write exec;
	return cs >= 0 ? JG_OK : JG_ERR_PROTO;
}
