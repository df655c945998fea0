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

#include "proto/frame.h"
#include "proto/resp.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>

struct pcase {
	const char *file;
	int line;
	char title[160];
	struct jg_resp r;
	struct jg_frame f;
	int failed;
	int active;
};

static void bad(struct pcase *c, const char *fmt, const char *a)
{
	fprintf(stderr, "%s:%d: [%s] ", c->file, c->line, c->title);
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	c->failed = 1;
}

/* parse_bytes: HEX bytes and "strings" into out; returns the count or -1. */
static int parse_bytes(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s) {
		if (isspace((unsigned char)*s)) {
			s++;
		} else if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (n >= cap)
					return -1;
				out[n++] = (uint8_t)*s;
			}
			if (*s != '"')
				return -1;
			s++;
		} else if (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1])) {
			char hex[3] = { s[0], s[1], 0 };

			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)strtoul(hex, NULL, 16);
			s += 2;
		} else {
			return -1;
		}
	}
	return (int)n;
}

static const char *state_name(const struct jg_resp *r)
{
	if (r->err)
		return "error";
	return jg_resp_done(r) ? "idle" : "busy";
}

static void finish(struct pcase *c, int *passed, int *failed)
{
	if (!c->active)
		return;
	if (c->failed) {
		printf("FAIL %s: %s\n", c->file, c->title);
		(*failed)++;
	} else {
		(*passed)++;
	}
	c->active = 0;
}

static void directive(struct pcase *c, char *kw, char *rest)
{
	uint8_t buf[4096];
	int n;

	if (strcmp(kw, "caps") == 0) {
		c->r.deprecate_eof = strstr(rest, "deprecate_eof") != NULL;
	} else if (strcmp(kw, "command") == 0) {
		if ((n = parse_bytes(rest, buf, sizeof(buf))) < 1)
			return bad(c, "bad bytes: %s", rest);
		jg_resp_expect(&c->r, buf[0]);
	} else if (strcmp(kw, "server") == 0 || strcmp(kw, "server-big") == 0) {
		unsigned long total = 0;
		char *p = rest;

		if (kw[6] == '-')
			total = strtoul(rest, &p, 10);
		if ((n = parse_bytes(p, buf, sizeof(buf))) < 0)
			return bad(c, "bad bytes: %s", rest);
		if (!total)
			total = (unsigned long)n;
		jg_resp_packet(&c->r, buf, (size_t)n, (uint32_t)total);
	} else if (strcmp(kw, "state") == 0) {
		if (strcmp(rest, state_name(&c->r)) != 0) {
			char got[64];

			snprintf(got, sizeof(got), "%s", state_name(&c->r));
			fprintf(stderr, "%s:%d: [%s] state is %s, expected %s\n", c->file, c->line,
			        c->title, got, rest);
			c->failed = 1;
		}
	} else if (strcmp(kw, "frame") == 0) {
		if (parse_bytes(rest, buf, sizeof(buf)) != JG_FRAME_HDR)
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
				fprintf(stderr, "%s:%d: [%s] %s is %llu, expected %llu\n", c->file,
				        c->line, c->title, tok, got, want);
				c->failed = 1;
			}
		}
	} else {
		bad(c, "unknown directive %s", kw);
	}
}

static void run_file(const char *path, int *passed, int *failed)
{
	FILE *f = fopen(path, "r");
	struct pcase c;
	char line[8192];

	memset(&c, 0, sizeof(c));
	c.file = path;
	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		(*failed)++;
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *kw, *end;

		c.line++;
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "## ", 3) == 0) {
			finish(&c, passed, failed);
			memset(&c.r, 0, sizeof(c.r));
			memset(&c.f, 0, sizeof(c.f));
			c.r.cs = jg_resp_entry(JG_RESP_IDLE);
			snprintf(c.title, sizeof(c.title), "%.150s", line + 3);
			c.failed = 0;
			c.active = 1;
			continue;
		}
		/* a comment starts at a '#' outside quotes */
		for (int q = 0; *p; p++) {
			if (*p == '"')
				q = !q;
			else if (*p == '#' && !q) {
				*p = '\0';
				break;
			}
		}
		p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			continue;
		if (!c.active) {
			fprintf(stderr, "%s:%d: directive before the first ## title\n", path, c.line);
			(*failed)++;
			continue;
		}
		kw = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';
		directive(&c, kw, p);
	}
	finish(&c, passed, failed);
	fclose(f);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_case(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".case") == 0;
}

int jg_proto_run_cases(const char *dir, int *passed, int *failed);

int jg_proto_run_cases(const char *dir, int *passed, int *failed)
{
	struct dirent **list;
	char path[4096];
	int n = scandir(dir, &list, is_case, by_name);

	if (n <= 0) {
		fprintf(stderr, "%s: no .case files\n", dir);
		(*failed)++;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		run_file(path, passed, failed);
		free(list[i]);
	}
	free(list);
	return 0;
}
