/*
 * proto_cases.c: runs the protocol case files under tests/proto. A file holds cases; each case
 * starts with a "## title" line and is a list of directives, one a line ('#' starts a comment):
 *
 *   caps deprecate_eof            negotiate CLIENT_DEPRECATE_EOF for this case
 *   command HEX...                the client sends a command (first byte: the COM_ code)
 *   server HEX...                 the server sends one packet (payload bytes)
 *   server-big LEN HEX...         a packet of LEN payload bytes of which only HEX is given
 *   state idle|busy|error         where the tracker must be now
 *   expect rows=N results=N       counters of the response so far
 *   frame HEX...                  a 4-byte header; then `expect len=N seq=N`
 *
 * HEX is bytes like `fe 00 00 02 00`; a "quoted string" stands for its bytes.
 */
#include "unit.h"
#include "cases.h"

#include "proto/frame.h"
#include "proto/resp.h"

#include <stddef.h>
#include <stdlib.h>

struct pcase {
	struct jg_cases cases;          /* first: the reader's callbacks get it */
	struct jg_resp r;
	struct jg_frame f;
};

#define bad(c, fmt, a) jg_cases_fail(&(c)->cases, fmt, a)

static const char *state_name(const struct jg_resp *r)
{
	if (r->err)
		return "error";
	return jg_resp_done(r) ? "idle" : "busy";
}

static void directive(struct pcase *c, char *kw, char *rest)
{
	uint8_t buf[4096];
	int n;

	if (strcmp(kw, "caps") == 0) {
		c->r.deprecate_eof = strstr(rest, "deprecate_eof") != NULL;
	} else if (strcmp(kw, "command") == 0) {
		if ((n = jg_cases_bytes(rest, buf, sizeof(buf))) < 1)
			return bad(c, "bad bytes: %s", rest);
		jg_resp_expect(&c->r, buf[0]);
	} else if (strcmp(kw, "server") == 0 || strcmp(kw, "server-big") == 0) {
		unsigned long total = 0;
		char *p = rest;

		if (kw[6] == '-')
			total = strtoul(rest, &p, 10);
		if ((n = jg_cases_bytes(p, buf, sizeof(buf))) < 0)
			return bad(c, "bad bytes: %s", rest);
		if (!total)
			total = (unsigned long)n;
		jg_resp_packet(&c->r, buf, (size_t)n, (uint32_t)total);
	} else if (strcmp(kw, "state") == 0) {
		if (strcmp(rest, state_name(&c->r)) != 0) {
			char got[64];

			snprintf(got, sizeof(got), "%s", state_name(&c->r));
			jg_cases_fail(&c->cases, "state is %s, expected %s", got, rest);
		}
	} else if (strcmp(kw, "frame") == 0) {
		if (jg_cases_bytes(rest, buf, sizeof(buf)) != JG_FRAME_HDR)
			return bad(c, "a frame header is 4 bytes: %s", rest);
		jg_frame_parse_header(&c->f, buf);
	} else if (strcmp(kw, "expect") == 0) {
		char *tok, *save;

		for (tok = strtok_r(rest, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			unsigned long long want, got;
			char *eq = strchr(tok, '=');

			if (!eq)
				return bad(c, "expect takes name=value: %s", tok);
			*eq = '\0';
			want = strtoull(eq + 1, NULL, 0);
			if (strcmp(tok, "rows") == 0)
				got = c->r.rows;
			else if (strcmp(tok, "results") == 0)
				got = c->r.results;
			else if (strcmp(tok, "len") == 0)
				got = c->f.len;
			else if (strcmp(tok, "seq") == 0)
				got = c->f.seq;
			else
				return bad(c, "unknown counter %s", tok);
			if (got != want) {
				jg_cases_fail(&c->cases, "%s is %llu, expected %llu", tok, got, want);
			}
		}
	} else {
		bad(c, "unknown directive %s", kw);
	}
}

static void start(struct jg_cases *cases)
{
	struct pcase *c = (struct pcase *)cases;

	memset(&c->r, 0, sizeof(c->r));
	memset(&c->f, 0, sizeof(c->f));
	c->r.cs = jg_resp_entry(JG_RESP_IDLE);
}

static void line(struct jg_cases *cases, char *kw, char *rest)
{
	directive((struct pcase *)cases, kw, rest);
}

int jg_proto_run_cases(const char *dir, int *passed, int *failed);

int jg_proto_run_cases(const char *dir, int *passed, int *failed)
{
	static struct pcase c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.cases.start = start;
	c.cases.directive = line;
	rc = jg_cases_run(&c.cases, dir);
	*passed += c.cases.passed_total;
	*failed += c.cases.failed_total;
	return rc;
}
