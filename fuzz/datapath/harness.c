/*
 * fuzz/datapath: a whole session's packets from both sides through the command stage and the
 * result stage (tests/dp/dp.h drives them without sockets), as a client and a database (or a
 * man in the middle of a plaintext backend leg) can send them.
 *
 * Input:  FLAGS RECORD...
 *   FLAGS   bit 0 CLIENT_DEPRECATE_EOF, bit 1 the policy below (with masks: every result
 *           column of every set goes through masking), bit 2 the rewriting test stage in
 *           masking's slot,
 *           bit 3 the reading test stage, bit 4 the waiting test stage, bit 5 small limits
 *           ([limits] statement = 40000, row = 2048), bit 6 recording (strict, with the
 *           journal, into a store of the process's; the reading test stage, when also chosen,
 *           takes its result slot), bit 7 with bit 6: batched instead (a command and its
 *           result in one record)
 *   RECORD  OP LEN16 BYTES
 *           OP % 6: 0 client bytes as they are, 1 database bytes as they are, 2 a client
 *           packet (BYTES framed, sequence id 0), 3 a database packet (framed, the sequence ids
 *           after the last client packet), 4 resume the waiting stage, 5 a packet of 17..20 KiB
 *           of client (OP & 8) or database bytes (BYTES repeated), to reach the staged paths
 *   Every record is followed by a run of the data path.
 *
 * Invariants: no byte toward the database that the client did not send; with the policy, every COM_QUERY and COM_STMT_PREPARE that reached the
 * database is one the policy allows, judged again here under the same session state; nothing
 * reaches the database after the session ended; the gateway's own ERRs carry a code of its
 * table.
 *
 * Build and run: `make fuzz-replay`, `make fuzz` (docs/fuzzing.md).
 */
#include "fuzz.h"

#include "../../tests/dp/dp.h"

#include <string.h>

static const char policy[] =
	"policy \"fz\" {\n"
	"  default deny \"no rule allows this statement\"\n"
	"  unknown deny \"unknown\"\n"
	"  role agent { groups \"analysts\" grant select, insert on shop.* }\n"
	"  rule \"no-drop\" { kind drop, truncate deny \"no drop\" }\n"
	"  rule \"reads\" { role agent kind select, show, set, use allow }\n"
	"  rule \"writes\" { role agent kind insert tables \"shop.*\" allow }\n"
	"  mask \"cards\" { columns \"shop.*.card*\" detect luhn, email, iban, ssn with last4 }\n"
	"  mask \"all\" { columns \"*.*.*\" detect luhn with redact scan all }\n"
	"}\n";

/* check_server: every text that reached the database is allowed, judged in order here. */
static void check_server(struct dp *dp, struct jg_sql_session *st, size_t *off)
{
	static struct jg_sql_result scratch;
	struct jg_policy_ctx ctx = { "agent", "analysts", "dp@example.com", "", "" };
	struct jg_policy_decision dec;
	struct dp_bytes view = dp->to_server;
	uint8_t *p, seq;
	size_t len;
	unsigned which;

	view.off = *off;
	while (dp_next(&view, &p, &len, &seq) == 1) {
		*off = view.off;
		if (len > 0 && (p[0] == JG_COM_QUERY || p[0] == JG_COM_STMT_PREPARE)) {
			struct jg_sql_session prep = *st;

			jg_policy_judge(&dp->pol, &ctx, p[0] == JG_COM_QUERY ? st : &prep,
			                (const char *)p + 1, len - 1, &scratch, &dec, &which);
			CHECK(dec.action == JG_POLICY_ALLOW);
		}
		if (len > 0 && p[0] == JG_COM_RESET_CONNECTION)
			st->sql_mode = dp->s.sql_mode0;
		if (len > 1 && p[0] == JG_COM_INIT_DB) {
			size_t n = JG_MIN(len - 1, sizeof(st->db) - 1);

			for (size_t i = 0; i < n; i++)
				st->db[i] = (char)(p[1 + i] >= 'A' && p[1 + i] <= 'Z' ? p[1 + i] + 32 : p[1 + i]);
			st->db[len - 1 < sizeof(st->db) ? n : 0] = '\0';
		}
		free(p);
	}
}

/* check_streams: the gateway never invents bytes toward the database (a command it held whole
 * goes out as the same bytes), and gives nothing to the client that no one sent: its own
 * packets are ERRs, one per refused command or cut result at most. */
static void check_streams(const struct dp *dp)
{
	CHECK(dp->to_server.len <= dp->from_client.off);
	CHECK(dp->from_client.off <= dp->from_client.len);
	CHECK(dp->from_server.off <= dp->from_server.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dp dp;
	struct jg_sql_session st = { .version = 101106 };    /* as tests/dp/dp.c */
	size_t off = 1, checked = 0, server_before;
	uint8_t flags, cseq = 0, sseq = 1;
	unsigned dpf = 0;

	if (size < 1)
		return 0;
	flags = data[0];
	dpf |= (flags & 1) ? DP_DEPRECATE_EOF : 0;
	dpf |= (flags & 4) ? DP_REWRITE : 0;
	dpf |= (flags & 8) ? DP_OBSERVE : 0;
	dpf |= (flags & 16) ? DP_WAIT : 0;
	dpf |= (flags & 64) ? DP_RECORD : 0;
	dpf |= (flags & 128) ? DP_BATCHED : 0;
	if (dp_init(&dp, (flags & 2) ? policy : NULL, dpf) != JG_OK)
		abort();
	if (flags & 32) {
		dp.cfg.limit_statement = 40000;
		dp.cfg.limit_row = 2048;
	}
	while (size - off >= 3) {
		uint8_t op = data[off];
		size_t n = JG_MIN((size_t)jg_le16(data + off + 1), size - off - 3);
		const uint8_t *b = data + off + 3;

		off += 3 + n;
		switch (op % 6) {
		case 0: dp_client(&dp, b, n); break;
		case 1: dp_server(&dp, b, n); break;
		case 2:
			dp_client_packet(&dp, cseq = 0, b, n);
			sseq = 1;
			break;
		case 3:
			dp_server_packet(&dp, sseq, b, n);
			sseq = (uint8_t)(sseq + 1);
			break;
		case 4:
			dp_resume(&dp);
			break;
		case 5: {
			size_t big = 17 * 1024 + (n % 3) * 1024;
			uint8_t *p = malloc(big);

			if (!p)
				abort();
			for (size_t i = 0; i < big; i++)
				p[i] = n ? b[i % n] : 'x';
			if (op & 8)
				dp_client_packet(&dp, cseq, p, big);
			else
				dp_server_packet(&dp, sseq++, p, big);
			free(p);
			break;
		}
		}
		server_before = dp.to_server.len;
		if (dp_dead(&dp)) {
			dp_run(&dp);
			CHECK(dp.to_server.len == server_before);   /* an ended session forwards nothing */
		} else {
			dp_run(&dp);
		}
		check_streams(&dp);
		if (flags & 2)
			check_server(&dp, &st, &checked);
	}
	dp_free(&dp);
	return 0;
}
