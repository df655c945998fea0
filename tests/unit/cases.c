/* cases.c: the case-file reader; see cases.h. */
#include "cases.h"

#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jg_cases_fail(struct jg_cases *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: [%s] ", c->file, c->line, c->title);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	c->failed = 1;
}

int jg_cases_bytes(const char *s, uint8_t *out, size_t cap)
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

static void verdict(struct jg_cases *c, int *active)
{
	if (!*active)
		return;
	if (c->finish)
		c->finish(c);
	if (c->failed) {
		printf("FAIL %s: %s\n", c->file, c->title);
		c->failed_total++;
	} else {
		c->passed_total++;
	}
	*active = 0;
}

/* split: a directive line without its comment into keyword and rest; 0 for an empty line. */
static int split(char *line, char **kw, char **rest)
{
	char *p = line, *end;

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
		return 0;
	*kw = p;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p)
		*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = '\0';
	*rest = p;
	return 1;
}

static void run_file(struct jg_cases *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192], *kw, *rest;
	int active = 0;

	c->file = path;
	c->line = 0;
	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		c->failed_total++;
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		c->line++;
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "## ", 3) == 0) {
			verdict(c, &active);
			snprintf(c->title, sizeof(c->title), "%.150s", line + 3);
			c->failed = 0;
			active = 1;
			c->start(c);
			continue;
		}
		if (!split(line, &kw, &rest))
			continue;
		if (!active) {
			fprintf(stderr, "%s:%d: directive before the first ## title\n", path, c->line);
			c->failed_total++;
			continue;
		}
		c->directive(c, kw, rest);
	}
	verdict(c, &active);
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

int jg_cases_run(struct jg_cases *c, const char *dir)
{
	struct dirent **list;
	char path[4096];
	int n = scandir(dir, &list, is_case, by_name);

	c->dir = dir;
	if (n <= 0) {
		fprintf(stderr, "%s: no .case files\n", dir);
		c->failed_total++;
		return -1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		run_file(c, path);
		free(list[i]);
	}
	free(list);
	return 0;
}
