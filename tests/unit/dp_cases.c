/*
 * dp_cases.c: runs the datapath case files under tests/proto/datapath: a whole session's packets from
 * both sides through the command and result stages (tests/dp/dp.h), and what reaches each side.
 * A file holds cases; each starts with a "## title" line; directives, one a line ('#' starts a
 * comment outside quotes):
 *
 *   datapath [deprecate_eof] [rewrite] [observe] [wait] [track] [record|record-batched]
 *            [policy=FILE] [statement=N]
 *            [row=N]           (track: the backend leg tracks session state, state.h)
 *                                 start the session (first directive of a case); FILE is next
 *                                 to the case file; N are the [limits] in bytes
 *   client HEX                    the client sends a command (payload bytes; sequence id 0)
 *   client-big LEN HEX [-- TAIL]  ... of LEN payload bytes: HEX, then 'x', TAIL at its end
 *   server HEX                    the database sends a packet (sequence ids follow the command's)
 *   server-big LEN HEX            ... of LEN payload bytes: HEX, then 'y' up to LEN
 *   server-queued HEX             ... queued without running the data path: the next directive
 *                                 that runs finds all queued packets in the buffer at once
 *   to-server HEX | none          the next packet that reached the database is exactly HEX
 *                                 (none: nothing more reached it)
 *   to-server-big LEN BYTE        the next is LEN bytes long and starts with the command BYTE
 *   to-client [seq=N] HEX | none  the same toward the client (seq=N: its first sequence id)
 *   to-client-big LEN             the next packet toward the client is LEN bytes long
 *   to-client err CODE            the next packet toward the client is an ERR with that code
 *   resume                        the waiting test stage lets the held command go
 *   expect rows=N waits=N seen=N dead=0|1   counters: machine rows, test-stage waits, rows the
 *                                 test stages saw; whether the session ended
 *   recorded KIND TEXT            with `record` (strict mode) or `record-batched` (datapath
 *                                 options): the newest audit record of KIND (command, result,
 *                                 ...) in that mode's store holds TEXT, as JSON writes it
 * Every client or server directive runs the data path until nothing moves.
 */
#include "unit.h"
#include "cases.h"

#include "../dp/dp.h"

#include <stdlib.h>

struct dcase {
	struct jg_cases cases;          /* first: the reader's callbacks get it */
	struct dp dp;
	int live;                       /* dp initialised */
	uint8_t sseq;                   /* next sequence id of the database */
};

#define bad(c, fmt, a) jg_cases_fail(&(c)->cases, fmt, a)

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void start(struct dcase *c, char *rest)
{
	unsigned flags = 0;
	char *tok, *save, *policy = NULL, path[8192];
	int stmt = 0, row = 0;

	for (tok = strtok_r(rest, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (strcmp(tok, "deprecate_eof") == 0)
			flags |= DP_DEPRECATE_EOF;
		else if (strcmp(tok, "rewrite") == 0)
			flags |= DP_REWRITE;
		else if (strcmp(tok, "observe") == 0)
			flags |= DP_OBSERVE;
		else if (strcmp(tok, "wait") == 0)
			flags |= DP_WAIT;
		else if (strcmp(tok, "track") == 0)
			flags |= DP_TRACK;
		else if (strcmp(tok, "record") == 0)
			flags |= DP_RECORD;
		else if (strcmp(tok, "record-batched") == 0)
			flags |= DP_RECORD | DP_BATCHED;
		else if (strncmp(tok, "policy=", 7) == 0) {
			snprintf(path, sizeof(path), "%s/%s", c->cases.dir, tok + 7);
			if (!(policy = slurp(path)))
				return bad(c, "cannot read %s", path);
		} else if (strncmp(tok, "statement=", 10) == 0)
			stmt = atoi(tok + 10);
		else if (strncmp(tok, "row=", 4) == 0)
			row = atoi(tok + 4);
		else
			return bad(c, "unknown datapath option %s", tok);
	}
	if (dp_init(&c->dp, policy, flags) != JG_OK) {
		free(policy);
		return bad(c, "%s", "dp_init failed");
	}
	free(policy);
	c->dp.cfg.limit_statement = stmt;
	if (row)
		c->dp.cfg.limit_row = row;
	c->live = 1;
}

/* big: LEN HEX [-- TAIL]: the payload of LEN bytes: HEX, fill, and TAIL at its end (malloc'd). */
static uint8_t *big(struct dcase *c, char *rest, uint8_t fill, size_t *len)
{
	char *p, *sep = strstr(rest, " -- ");
	unsigned long n = strtoul(rest, &p, 10);
	uint8_t head[4096], tail[256], *buf;
	int h, t = 0;

	if (sep) {
		*sep = '\0';
		t = jg_cases_bytes(sep + 4, tail, sizeof(tail));
	}
	h = jg_cases_bytes(p, head, sizeof(head));
	if (h < 0 || t < 0 || (unsigned long)h + (unsigned long)t > n || !(buf = malloc(n ? n : 1))) {
		bad(c, "bad big packet: %s", rest);
		return NULL;
	}
	memcpy(buf, head, (size_t)h);
	memset(buf + h, fill, n - (size_t)h - (size_t)t);
	memcpy(buf + n - t, tail, (size_t)t);
	*len = n;
	return buf;
}

static void transmit(struct dcase *c, const char *kw, char *rest)
{
	uint8_t buf[4096], *p = buf;
	size_t len;
	int n, client = kw[0] == 'c';

	if (strstr(kw, "-big")) {
		if (!(p = big(c, rest, client ? 'x' : 'y', &len)))
			return;
	} else {
		if ((n = jg_cases_bytes(rest, buf, sizeof(buf))) < 0)
			return bad(c, "bad bytes: %s", rest);
		len = (size_t)n;
	}
	if (client) {
		dp_client_packet(&c->dp, 0, p, len);
		c->sseq = 1;
	} else {
		dp_server_packet(&c->dp, c->sseq, p, len);
		c->sseq = (uint8_t)(c->sseq + len / JG_FRAME_MAX + 1);
	}
	if (p != buf)
		free(p);
	if (!strstr(kw, "-queued"))
		dp_run(&c->dp);
}

static void receive(struct dcase *c, const char *kw, char *rest)
{
	struct dp_bytes *sink = kw[3] == 's' ? &c->dp.to_server : &c->dp.to_client;
	uint8_t want[4096], *got, seq = 0;
	size_t len;
	int n, r = dp_next(sink, &got, &len, &seq), wseq = -1;
	char msg[256];

	if (strcmp(rest, "none") == 0) {
		if (r != 0)
			bad(c, "%s: something more arrived", kw);
		free(got);
		return;
	}
	if (r != 1) {
		free(got);
		return bad(c, "%s: no whole packet arrived", kw);
	}
	if (strncmp(rest, "seq=", 4) == 0) {
		wseq = atoi(rest + 4);
		rest = strchr(rest, ' ') ? strchr(rest, ' ') + 1 : rest + strlen(rest);
	}
	if (wseq >= 0 && wseq != seq) {
		snprintf(msg, sizeof(msg), "%.20s: sequence id %u, expected %d", kw, seq, wseq);
		bad(c, "%s", msg);
	}
	if (strstr(kw, "-big")) {
		char *p;
		unsigned long wlen = strtoul(rest, &p, 10);
		int b = jg_cases_bytes(p, want, sizeof(want));

		if (len != wlen || (b > 0 && (len < (size_t)b || memcmp(got, want, (size_t)b) != 0))) {
			snprintf(msg, sizeof(msg), "%.20s: a packet of %zu bytes, expected %lu", kw, len, wlen);
			bad(c, "%s", msg);
		}
	} else if (strncmp(rest, "err ", 4) == 0) {
		unsigned code = (unsigned)atoi(rest + 4);

		if (len < 3 || got[0] != 0xff || jg_le16(got + 1) != code) {
			snprintf(msg, sizeof(msg), "%.20s: not ERR %u (first byte %02x, code %u)", kw, code,
			         len ? got[0] : 0, len >= 3 ? jg_le16(got + 1) : 0);
			bad(c, "%s", msg);
		}
	} else if ((n = jg_cases_bytes(rest, want, sizeof(want))) < 0) {
		bad(c, "bad bytes: %s", rest);
	} else if ((size_t)n != len || memcmp(got, want, len) != 0) {
		size_t at = 0, k;

		while (at < len && at < (size_t)n && got[at] == want[at])
			at++;
		k = snprintf(msg, sizeof(msg), "%.20s: got %zu bytes, expected %d; they differ from byte "
		             "%zu:", kw, len, n, at);
		for (size_t i = at; i < len && i < at + 16 && k + 4 < sizeof(msg); i++)
			k += snprintf(msg + k, sizeof(msg) - k, " %02x", got[i]);
		bad(c, "%s", msg);
	}
	free(got);
}

static void expect(struct dcase *c, char *rest)
{
	char *tok, *save, msg[160];

	for (tok = strtok_r(rest, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		unsigned long long want, got;

		if (!eq)
			return bad(c, "expect takes name=value: %s", tok);
		*eq = '\0';
		want = strtoull(eq + 1, NULL, 0);
		if (strcmp(tok, "rows") == 0)
			got = c->dp.s.resp.rows;
		else if (strcmp(tok, "waits") == 0)
			got = dp_waits;
		else if (strcmp(tok, "seen") == 0)
			got = dp_rows_seen;
		else if (strcmp(tok, "dead") == 0)
			got = (unsigned long long)dp_dead(&c->dp);
		else if (strcmp(tok, "refused") == 0)
			got = c->dp.s.metrics.refused;
		else if (strcmp(tok, "commands") == 0)
			got = c->dp.s.metrics.commands;
		else
			return bad(c, "unknown counter %s", tok);
		if (got != want) {
			snprintf(msg, sizeof(msg), "%s is %llu, expected %llu", tok, got, want);
			bad(c, "%s", msg);
		}
	}
}

/* recorded KIND TEXT: the newest record of KIND holds TEXT (the rest of the line, as is). */
static void recorded(struct dcase *c, char *rest)
{
	static char body[65536];
	char *text = strchr(rest, ' ');

	if (!text)
		return bad(c, "%s", "recorded KIND TEXT");
	*text++ = '\0';
	if (dp_recorded(rest, body, sizeof(body)) != 0)
		return bad(c, "no %s record", rest);
	if (!strstr(body, text))
		bad(c, "the record is %s", body);
}

static void directive(struct dcase *c, char *kw, char *rest)
{
	if (strcmp(kw, "datapath") == 0)
		return start(c, rest);
	if (!c->live)
		return bad(c, "%s before datapath", kw);
	if (strncmp(kw, "client", 6) == 0 || strncmp(kw, "server", 6) == 0)
		transmit(c, kw, rest);
	else if (strncmp(kw, "to-server", 9) == 0 || strncmp(kw, "to-client", 9) == 0)
		receive(c, kw, rest);
	else if (strcmp(kw, "resume") == 0)
		dp_resume(&c->dp);
	else if (strcmp(kw, "expect") == 0)
		expect(c, rest);
	else if (strcmp(kw, "recorded") == 0)
		recorded(c, rest);
	else
		bad(c, "unknown directive %s", kw);
}

static void start_case(struct jg_cases *cases)
{
	struct dcase *c = (struct dcase *)cases;

	c->live = 0;
	c->sseq = 0;
}

static void line(struct jg_cases *cases, char *kw, char *rest)
{
	directive((struct dcase *)cases, kw, rest);
}

static void finish(struct jg_cases *cases)
{
	struct dcase *c = (struct dcase *)cases;

	if (c->live)
		dp_free(&c->dp);
	c->live = 0;
}

int jg_datapath_run_cases(const char *dir, int *passed, int *failed);

int jg_datapath_run_cases(const char *dir, int *passed, int *failed)
{
	static struct dcase c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.cases.start = start_case;
	c.cases.directive = line;
	c.cases.finish = finish;
	rc = jg_cases_run(&c.cases, dir);
	*passed += c.cases.passed_total;
	*failed += c.cases.failed_total;
	return rc;
}
