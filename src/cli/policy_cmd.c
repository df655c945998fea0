/* policy_cmd.c: `jitgate policy check|compile|test|explain` (docs/policy-language.md). */
#include "cli/cli.h"
#include "jg.h"
#include "policy/policy.h"
#include "sql/sql.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void)
{
	fputs("usage: jitgate policy check FILE\n"
	      "       jitgate policy compile FILE -o OUT\n"
	      "       jitgate policy test FILE.test | FILE   (FILE.policy.test next to FILE.policy)\n"
	      "       jitgate policy explain -p FILE --role R --groups g1,g2 [--sub S] [--iss I]\n"
	      "                              [--tags k=v,...] [--db NAME] \"SQL\"\n", stderr);
	return 2;
}

/* read_file: the whole file, malloc'd and NUL-terminated; NULL with a message on failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f) {
		fprintf(stderr, "jitgate: cannot open %s\n", path);
		return NULL;
	}
	do {
		if (n + 4096 + 1 > cap) {
			char *p = realloc(buf, cap = cap * 2 + 8192);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* copy: a bounded string copy that cuts silently (test fields are short). */
static void copy(char *d, size_t cap, const char *s)
{
	size_t n = strnlen(s, cap - 1);

	memcpy(d, s, n);
	d[n] = '\0';
}

/* load: jg_policy_load_file with its message on stderr; the caller frees *bytes. */
static int load(const char *path, uint8_t **bytes, struct jg_policy *p)
{
	char err[2560];

	if (jg_policy_load_file(path, bytes, p, err, sizeof(err)) != JG_OK) {
		fputs(err, stderr);
		return 1;
	}
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct jg_policy p;
	uint8_t *bytes = NULL;

	if (argc != 2)
		return usage();
	if (load(argv[1], &bytes, &p))
		return 1;
	printf("%s: ok: %u roles, %u rules, %u masks\n", argv[1], p.nroles, p.nrules, p.nmasks);
	free(bytes);
	return 0;
}

static int cmd_compile(int argc, char **argv)
{
	struct jg_policy p;
	uint8_t *bytes = NULL;
	FILE *f;
	int rc = 1;

	if (argc != 4 || strcmp(argv[2], "-o") != 0)
		return usage();
	if (load(argv[1], &bytes, &p))
		return 1;
	f = fopen(argv[3], "wb");
	if (!f || fwrite(bytes, 1, p.len, f) != p.len) {
		fprintf(stderr, "jitgate: cannot write %s\n", argv[3]);
	} else {
		printf("%s: %zu bytes, checksum %08x\n", argv[3], p.len, jg_le32(bytes + 12));
		rc = 0;
	}
	if (f && fclose(f) != 0 && rc == 0) {
		fprintf(stderr, "jitgate: cannot write %s\n", argv[3]);
		rc = 1;
	}
	free(bytes);
	return rc;
}

/* decide_sql: jg_policy_judge on a query text with a fresh session in database db. */
static struct jg_sql_result res;

static int decide_sql(const struct jg_policy *p, struct jg_policy_ctx *ctx, const char *db,
                      const char *sql, struct jg_policy_decision *out, unsigned *which)
{
	struct jg_sql_session sess;

	memset(&sess, 0, sizeof(sess));
	sess.version = JG_SQL_VERSION_DEFAULT;
	copy(sess.db, sizeof(sess.db), db ? db : "");
	if (jg_policy_judge(p, ctx, &sess, sql, strlen(sql), &res, out, which) != JG_OK)
		return -1;
	return res.nstmts ? 0 : -1;
}

static void describe(FILE *f, const struct jg_policy_decision *d)
{
	fprintf(f, "%s", jg_policy_action_name(d->action));
	if (d->rule >= 0)
		fprintf(f, " by rule \"%s\" (line %u)", d->rule_name, d->line);
	else if (d->rule == JG_POLICY_BY_MASK)
		fprintf(f, " by mask \"%s\" (line %u)", d->rule_name, d->line);
	else
		fprintf(f, " by %s", d->rule == JG_POLICY_BY_DEFAULT ? "the default (no rule matched)" :
		        d->rule == JG_POLICY_BY_UNKNOWN ? "unknown (statement not classified)" :
		        d->rule == JG_POLICY_BY_READING ? "jitgate's reading of the text" :
		        "the role check");
	if (d->action == JG_POLICY_DENY)
		fprintf(f, ": \"%s\"", d->message);
	if (d->action == JG_POLICY_REVIEW)
		fprintf(f, ": approvers %s, quorum %u, timeout %us", d->approvers, d->quorum, d->timeout);
}

/* field: reads `name=value` or `name="quoted value"` at *s into val; returns the name length. */
static size_t field(char **s, char *name, size_t ncap, char *val, size_t vcap)
{
	char *p = *s;
	size_t n = 0, v = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != '=' && *p != ' ' && n + 1 < ncap)
		name[n++] = *p++;
	name[n] = '\0';
	if (*p != '=')
		return 0;
	p++;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			if (v + 1 < vcap)
				val[v++] = *p;
		}
		if (*p != '"')
			return 0;
		p++;
	} else {
		while (*p && *p != ' ' && *p != '\t' && v + 1 < vcap)
			val[v++] = *p++;
	}
	val[v] = '\0';
	*s = p;
	return n;
}

/*
 * One test per line:  expect ACTION [rule=NAME] role=R groups=g1,g2 [sub=S] [iss=I]
 *                     [tags="k=v ..."] [db=NAME] sql="..."
 */
static int cmd_test(int argc, char **argv)
{
	char tpath[4096], ppath[4096], *text, *line;
	size_t len, n;
	uint8_t *bytes = NULL;
	struct jg_policy p;
	unsigned lineno = 0, passed = 0, failed = 0;

	if (argc != 2)
		return usage();
	n = strlen(argv[1]);
	if (n > 5 && strcmp(argv[1] + n - 5, ".test") == 0) {
		snprintf(tpath, sizeof(tpath), "%s", argv[1]);
		snprintf(ppath, sizeof(ppath), "%.*s", (int)(n - 5), argv[1]);
	} else {
		snprintf(tpath, sizeof(tpath), "%s.test", argv[1]);
		snprintf(ppath, sizeof(ppath), "%s", argv[1]);
	}
	if (load(ppath, &bytes, &p))
		return 1;
	text = read_file(tpath, &len);
	if (!text) {
		free(bytes);
		return 1;
	}
	for (char *nl = text; nl; ) {
		char *s, name[32], val[2048], role[128] = "", groups[1024] = "", sub[256] = "",
		     iss[512] = "", tags[512] = "", db[65] = "", sql[2048] = "", rule[256] = "";
		int want = 0, have_sql = 0, ok = 1;
		struct jg_policy_ctx ctx;
		struct jg_policy_decision d;
		unsigned which;

		line = nl;
		nl = strchr(nl, '\n');
		if (nl)
			*nl++ = '\0';
		lineno++;
		s = line + strspn(line, " \t");
		if (*s == '\0' || *s == '#')
			continue;
		if (strncmp(s, "expect ", 7) != 0) {
			fprintf(stderr, "%s:%u: expected `expect allow|deny|review ...`\n", tpath, lineno);
			failed++;
			continue;
		}
		s += 7;
		s += strspn(s, " ");
		want = strncmp(s, "allow", 5) == 0 ? JG_POLICY_ALLOW : strncmp(s, "deny", 4) == 0 ?
		       JG_POLICY_DENY : strncmp(s, "review", 6) == 0 ? JG_POLICY_REVIEW : 0;
		s += strcspn(s, " ");
		while (ok && *(s + strspn(s, " \t"))) {
			if (!field(&s, name, sizeof(name), val, sizeof(val))) {
				ok = 0;
				break;
			}
			if (strcmp(name, "role") == 0) copy(role, sizeof(role), val);
			else if (strcmp(name, "groups") == 0) copy(groups, sizeof(groups), val);
			else if (strcmp(name, "sub") == 0) copy(sub, sizeof(sub), val);
			else if (strcmp(name, "iss") == 0) copy(iss, sizeof(iss), val);
			else if (strcmp(name, "tags") == 0) copy(tags, sizeof(tags), val);
			else if (strcmp(name, "db") == 0) copy(db, sizeof(db), val);
			else if (strcmp(name, "rule") == 0) copy(rule, sizeof(rule), val);
			else if (strcmp(name, "sql") == 0) { copy(sql, sizeof(sql), val); have_sql = 1; }
			else ok = 0;
		}
		if (!ok || !want || !have_sql) {
			fprintf(stderr, "%s:%u: cannot read this test: expect ACTION [rule=NAME] role=R "
			        "groups=G [sub=S] [iss=I] [tags=\"k=v\"] [db=D] sql=\"...\"\n", tpath, lineno);
			failed++;
			continue;
		}
		ctx = (struct jg_policy_ctx){ role, groups, sub, iss, tags };
		if (decide_sql(&p, &ctx, db, sql, &d, &which) != 0) {
			fprintf(stderr, "%s:%u: the SQL has no statement or too many\n", tpath, lineno);
			failed++;
			continue;
		}
		if ((int)d.action != want || (rule[0] && strcmp(rule, d.rule_name) != 0)) {
			fprintf(stderr, "%s:%u: expected %s%s%s%s, got ", tpath, lineno,
			        jg_policy_action_name((enum jg_policy_action)want), rule[0] ? " by rule \"" : "",
			        rule, rule[0] ? "\"" : "");
			describe(stderr, &d);
			fputc('\n', stderr);
			failed++;
		} else {
			passed++;
		}
	}
	printf("%s: %u passed, %u failed\n", tpath, passed, failed);
	free(text);
	free(bytes);
	return failed ? 1 : 0;
}

/* explain_masks: the masks that apply to statement st for role, where explain can tell: the
 * plain columns and "*" of a SELECT's result over a table of a mask's patterns, and the
 * detectors, which read result columns whatever the statement. */
static void explain_masks(const struct jg_policy *p, const char *role, const char *sql,
                          const struct jg_sql_stmt *st)
{
	static const char *const fns[] = { "?", "redact", "last4", "hash", "null", "email" };
	static const char *const dets[] = { "luhn", "email", "iban", "ssn" };

	for (unsigned i = 0; i < p->nmasks; i++) {
		struct jg_policy_mask m;
		const char *fn;

		jg_policy_mask_at(p, i, &m);
		if (!jg_policy_mask_applies(p, i, role))
			continue;
		fn = (unsigned)m.fn < JG_ARRAY_LEN(fns) ? fns[m.fn] : "?";
		for (const char *c = m.columns; st->kind == JG_SQL_SELECT && *c; ) {
			size_t k = strcspn(c, ","), d1 = strcspn(c, "."), d2;
			char pat[512], *col;

			d2 = d1 < k ? d1 + 1 + strcspn(c + d1 + 1, ".") : k;
			if (d2 < k && k < sizeof(pat)) {
				memcpy(pat, c, k);
				pat[k] = '\0';
				pat[d2] = '\0';
				col = pat + d2 + 1;
				for (unsigned t = 0; t < st->ntables && t < JG_SQL_TABLES_MAX; t++) {
					int how = jg_policy_glob(pat, st->tables[t]) ?
					          jg_sql_selects(sql, strlen(sql), st, col) : 0;
					if (how)
						printf("  mask \"%s\" (%s) on %s.%s%s\n", m.name, fn, st->tables[t],
						       col, how & 2 ? "" : " (through *, where the table has it)");
				}
			}
			c += k;
			if (*c == ',')
				c++;
		}
		if (m.detect && (st->kind == JG_SQL_SELECT || st->kind == JG_SQL_CALL ||
		                 st->kind == JG_SQL_EXECUTE || st->kind == JG_SQL_UNKNOWN)) {
			printf("  mask \"%s\" (%s): detectors", m.name, fn);
			for (unsigned b = 0, n = 0; b < JG_ARRAY_LEN(dets); b++)
				if (m.detect & (1u << b))
					printf("%s%s", n++ ? ", " : " ", dets[b]);
			printf(" scan %s\n", m.scan_all ? "every result column" :
			       "result columns without origin (expressions, unions, derived values)");
		}
	}
}

static int cmd_explain(int argc, char **argv)
{
	const char *file = NULL, *db = NULL, *sql = NULL;
	struct jg_policy_ctx ctx;
	struct jg_policy_decision d;
	struct jg_policy p;
	uint8_t *bytes = NULL;
	unsigned which;

	memset(&ctx, 0, sizeof(ctx));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 < argc && (strcmp(a, "-p") == 0 || strcmp(a, "--policy") == 0)) file = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--role") == 0) ctx.role = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--groups") == 0) ctx.groups = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--sub") == 0) ctx.sub = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--iss") == 0) ctx.iss = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--tags") == 0) ctx.tags = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--db") == 0) db = argv[++i];
		else if (a[0] != '-' && !sql) sql = a;
		else return usage();
	}
	if (!file || !ctx.role || !sql)
		return usage();
	if (load(file, &bytes, &p))
		return 1;
	if (decide_sql(&p, &ctx, db, sql, &d, &which) != 0) {
		fprintf(stderr, "jitgate: the SQL has no statement or more than %d\n", JG_SQL_STMTS_MAX);
		free(bytes);
		return 1;
	}
	for (unsigned i = 0; i < res.nstmts; i++) {
		struct jg_policy_decision one;
		const struct jg_sql_stmt *st = &res.stmts[i];
		char tags[1024], comment[512];

		jg_policy_tags_from_sql(sql, strlen(sql), comment, sizeof(comment));
		snprintf(tags, sizeof(tags), "%s %s", ctx.tags ? ctx.tags : "", comment);
		ctx.tags = tags;
		jg_policy_decide(&p, &ctx, st, &one);
		if (one.action != JG_POLICY_DENY)
			jg_policy_mask_probe(&p, ctx.role, sql, strlen(sql), st, &one);
		printf("statement %u: %s", i + 1, jg_sql_kind_name(st->kind));
		for (unsigned t = 0; t < st->ntables; t++)
			printf("%s%s", t ? "," : " ", st->tables[t]);
		printf(": ");
		describe(stdout, &one);
		putchar('\n');
		if (one.action != JG_POLICY_DENY)
			explain_masks(&p, ctx.role, sql, st);
		ctx.tags = NULL;
	}
	if (res.nstmts > 1) {
		printf("query: ");
		describe(stdout, &d);
		printf(" (statement %u)\n", which + 1);
	}
	free(bytes);
	return 0;
}

int jg_cmd_policy(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "compile") == 0)
		return cmd_compile(argc - 1, argv + 1);
	if (strcmp(argv[1], "test") == 0)
		return cmd_test(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return cmd_explain(argc - 1, argv + 1);
	return usage();
}
