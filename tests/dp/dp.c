/* dp.c: the socketless data path driver; see dp.h. */
#include "dp.h"

#include "audit/audit.h"
#include "proto/command.h"
#include "proto/record.h"
#include "proto/result.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned dp_rows_seen, dp_waits;
static int released;

/* ---- byte queues ---- */

static void put(struct dp_bytes *b, const uint8_t *p, size_t n)
{
	uint8_t *np;

	if (!n)
		return;
	np = realloc(b->p, b->len + n);
	if (!np)
		abort();
	b->p = np;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_packet(struct dp_bytes *b, uint8_t seq, const uint8_t *payload, size_t len)
{
	uint8_t hdr[JG_FRAME_HDR];
	size_t off = 0, n;

	do {
		n = JG_MIN(len - off, (size_t)JG_FRAME_MAX);
		jg_frame_put_header(hdr, (uint32_t)n, seq++);
		put(b, hdr, sizeof(hdr));
		put(b, payload + off, n);
		off += n;
	} while (n == JG_FRAME_MAX);
}

void dp_client(struct dp *dp, const uint8_t *p, size_t n) { put(&dp->from_client, p, n); }
void dp_server(struct dp *dp, const uint8_t *p, size_t n) { put(&dp->from_server, p, n); }

void dp_client_packet(struct dp *dp, uint8_t seq, const uint8_t *payload, size_t len)
{
	put_packet(&dp->from_client, seq, payload, len);
}

void dp_server_packet(struct dp *dp, uint8_t seq, const uint8_t *payload, size_t len)
{
	put_packet(&dp->from_server, seq, payload, len);
}

int dp_next(struct dp_bytes *sink, uint8_t **payload, size_t *len, uint8_t *seq)
{
	size_t off = sink->off, n, total = 0;
	int first = 1;

	*payload = NULL;
	*len = 0;
	if (off == sink->len)
		return 0;
	do {
		if (sink->len - off < JG_FRAME_HDR)
			goto partial;
		n = jg_le24(sink->p + off);
		if (first)
			*seq = sink->p[off + 3];
		first = 0;
		if (sink->len - off - JG_FRAME_HDR < n)
			goto partial;
		*payload = realloc(*payload, total + n + 1);
		if (!*payload)
			abort();
		memcpy(*payload + total, sink->p + off + JG_FRAME_HDR, n);
		total += n;
		off += JG_FRAME_HDR + n;
	} while (n == JG_FRAME_MAX);
	sink->off = off;
	*len = total;
	return 1;
partial:
	free(*payload);
	*payload = NULL;
	return -1;
}

/* ---- test stages ---- */

/* A column definition's name upper-cased; a text row's values each with a '!' added, so that
 * rows change size (and cross 16 MiB when they are that large). Written with the codec. */
static unsigned rewrite_cols;

static unsigned rewrite_begin(struct jg_session *s, uint8_t com)
{
	return com == JG_COM_QUERY ? JG_RS_DEFS | JG_RS_ROWS | JG_RS_END : 0;
}

static int rewrite_column(struct jg_session *s, unsigned idx, const uint8_t *p, size_t len,
                          uint8_t *out, size_t cap, size_t *outlen)
{
	struct jg_pkt_coldef c;
	uint8_t name[256];
	struct jg_wr w;

	if (jg_pkt_parse_coldef(p, len, &c) != JG_OK || c.name.n > sizeof(name))
		return JG_ERR_PROTO;
	for (size_t i = 0; i < c.name.n; i++)
		name[i] = (uint8_t)(c.name.p[i] >= 'a' && c.name.p[i] <= 'z' ? c.name.p[i] - 32 :
		                    c.name.p[i]);
	c.name.p = name;
	jg_wr_init(&w, out, cap);
	jg_wr_coldef(&w, &c);
	if (w.err)
		return w.err;
	rewrite_cols = idx + 1;
	*outlen = w.off;
	return JG_OK;
}

static int rewrite_row(struct jg_session *s, int binary, const uint8_t *p, size_t len,
                       uint8_t *out, size_t cap, size_t *outlen)
{
	struct jg_text_row row;
	struct jg_pkt_value v;
	struct jg_wr w;

	dp_rows_seen++;
	if (binary)
		return JG_OK;
	jg_text_row_init(&row, p, len, rewrite_cols);
	jg_wr_init(&w, out, cap);
	for (unsigned i = 0; i < rewrite_cols; i++) {
		if (jg_text_row_next(&row, &v) != JG_OK)
			return JG_ERR_PROTO;
		if (v.null) {
			jg_wr_int(&w, 0xfb, 1);             /* NULL stays NULL */
			continue;
		}
		jg_wr_lenenc(&w, v.len + 1);
		jg_wr_bytes(&w, v.p, v.len);
		jg_wr_bytes(&w, "!", 1);
	}
	if (jg_text_row_finish(&row) != JG_OK)
		return JG_ERR_PROTO;
	if (w.err)
		return w.err;
	*outlen = w.off;
	return JG_OK;
}

static const struct jg_result_stage rewrite_stage = {
	.name = "test-rewrite", .begin = rewrite_begin, .column = rewrite_column,
	.row = rewrite_row,
};

static unsigned observe_begin(struct jg_session *s, uint8_t com)
{
	return JG_RS_ROWS;
}

static int observe_row(struct jg_session *s, int binary, const uint8_t *p, size_t len,
                       uint8_t *out, size_t cap, size_t *outlen)
{
	dp_rows_seen++;
	return JG_OK;
}

static const struct jg_result_stage observe_stage = {
	.name = "test-observe", .begin = observe_begin, .row = observe_row,
};

static int wait_admit(struct jg_session *s, const struct jg_cmd *cmd, struct jg_refusal *ref)
{
	if (cmd->com != JG_COM_QUERY || released) {
		released = 0;
		return JG_STAGE_GO;
	}
	dp_waits++;
	return JG_STAGE_WAIT;
}

static const struct jg_admit_stage wait_stage = { .name = "test-wait", .admit = wait_admit };

/* ---- recording: a store for the process per mode (strict, batched), removed at exit ---- */

static struct jg_audit *audit[2];
static char audit_dir[2][64];
static int audit_cur;                   /* the store of the newest session (dp_recorded) */

static void audit_gone(void)
{
	char cmd[128];

	for (int i = 0; i < 2; i++) {
		if (!audit[i])
			continue;
		jg_audit_close(audit[i]);
		audit[i] = NULL;
		snprintf(cmd, sizeof(cmd), "rm -rf %s", audit_dir[i]);
		if (system(cmd) != 0)
			fprintf(stderr, "dp: could not remove %s\n", audit_dir[i]);
	}
}

static struct jg_audit *shared_audit(int batched)
{
	char path[96], key[96], err[512];
	struct jg_audit_conf c = { .instance = "dp", .batch_ms = 50, .retain_bytes = 1u << 20,
	                           .prune_s = 1 };

	audit_cur = batched;
	if (audit[batched])
		return audit[batched];
	c.mode = batched ? JG_AUDIT_BATCHED : JG_AUDIT_STRICT;
	strcpy(audit_dir[batched], "/tmp/jg-dp-audit.XXXXXX");
	if (!mkdtemp(audit_dir[batched]))
		return NULL;
	snprintf(path, sizeof(path), "%s/s.db", audit_dir[batched]);
	snprintf(key, sizeof(key), "%s/audit.key", audit_dir[batched]);
	c.path = path;
	c.key_path = key;
	if (jg_audit_open(&c, NULL, &audit[batched], err, sizeof(err)) != JG_OK) {
		fprintf(stderr, "dp: audit: %s\n", err);
		return NULL;
	}
	if (!audit[!batched])
		atexit(audit_gone);
	return audit[batched];
}

int dp_recorded(const char *kind, char *out, size_t cap)
{
	char path[96];
	sqlite3 *db;
	sqlite3_stmt *st;
	int rc = -1;

	if (!audit[audit_cur] || jg_audit_flush(audit[audit_cur]) != JG_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/s.db", audit_dir[audit_cur]);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT body FROM audit WHERE kind = ? ORDER BY seq DESC LIMIT 1",
	                       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
			rc = 0;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return rc;
}

/* ---- the session ---- */

int dp_init(struct dp *dp, const char *policy_text, unsigned flags)
{
	struct jg_session *s = &dp->s;
	struct jg_policy_error perr;
	size_t plen;
	char why[256];

	memset(dp, 0, sizeof(*dp));
	dp_rows_seen = dp_waits = 0;
	rewrite_cols = 0;
	released = 0;
	dp->cfg.limit_row = 16 << 20;
	dp->gw.cfg = &dp->cfg;
	pthread_mutex_init(&dp->gw.ver_mu, NULL);
	if (policy_text) {
		if (jg_policy_compile(policy_text, strlen(policy_text), "dp.policy", &dp->polbytes,
		                      &plen, &perr) != JG_OK) {
			fprintf(stderr, "dp: policy: %s", perr.text);
			return JG_ERR_CONFIG;
		}
		if (jg_policy_load(dp->polbytes, plen, &dp->pol, why, sizeof(why)) != JG_OK) {
			fprintf(stderr, "dp: policy: %s\n", why);
			return JG_ERR_CONFIG;
		}
		atomic_store(&dp->gw.policy, &dp->pol);
	}
	jg_session_init(s, &dp->gw, NULL);
	jg_session_stages(s);
	if (flags & DP_REWRITE)
		s->rstage[JG_RESULT_MASK] = &rewrite_stage;
	if (flags & DP_OBSERVE)
		s->rstage[JG_RESULT_RECORD] = &observe_stage;
	if (flags & DP_WAIT)
		s->admit[JG_ADMIT_REVIEW] = &wait_stage;
	snprintf(s->hello.user, sizeof(s->hello.user), "agent");
	snprintf(s->who.groups, sizeof(s->who.groups), "analysts");
	snprintf(s->who.sub, sizeof(s->who.sub), "dp@example.com");
	s->lb.caps = JG_CLIENT_PROTOCOL_41 | ((flags & DP_DEPRECATE_EOF) ? JG_CLIENT_DEPRECATE_EOF : 0);
	if (flags & DP_TRACK)
		s->lb.caps |= JG_CLIENT_SESSION_TRACK;
	s->sql.version = 101106;                /* MariaDB 10.11.6 */
	s->resp.deprecate_eof = !!(flags & DP_DEPRECATE_EOF);
	s->resp.cs = jg_resp_entry(JG_RESP_IDLE);
	s->phase = JG_PH_COMMAND;
	if (flags & DP_RECORD) {
		dp->cfg.store_audit_rows = 100;
		dp->cfg.store_audit_result_bytes = 4096;
		dp->cfg.store_audit_session_bytes = 1 << 20;
		if (!(dp->gw.audit = shared_audit(!!(flags & DP_BATCHED))))
			return JG_ERR_IO;
		jg_record_login(s);
	}
	/* A leg to nowhere: a refusal then queues its ERR for the client instead of ending at once. */
	s->cl.fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (s->cl.fd < 0 || jg_dir_hold(NULL, &s->c2b) != JG_OK ||
	    jg_dir_hold(NULL, &s->b2c) != JG_OK)
		return JG_ERR_NOMEM;
	return JG_OK;
}

void dp_free(struct dp *dp)
{
	jg_session_close(&dp->s);
	free(dp->from_client.p);
	free(dp->from_server.p);
	free(dp->to_server.p);
	free(dp->to_client.p);
	free(dp->polbytes);
	pthread_mutex_destroy(&dp->gw.ver_mu);
}

int dp_dead(const struct dp *dp)
{
	return dp->s.phase != JG_PH_COMMAND;
}

void dp_resume(struct dp *dp)
{
	released = 1;
	jg_command_resume(&dp->s);
	dp_run(dp);
}

/* take: side output, then [w, r), into a sink, as a leg that takes everything would. */
static void take(struct jg_dir *d, struct dp_bytes *sink, int *moved)
{
	if (d->side && d->side->off < d->side->len) {
		put(sink, d->side->p + d->side->off, d->side->len - d->side->off);
		d->side->off = d->side->len;
		*moved = 1;
	}
	if (d->w < d->r) {
		put(sink, d->buf + d->w, d->r - d->w);
		d->w = d->r;
		*moved = 1;
	}
}

/* feed: queued input into the direction buffer, as jg_pump_read does with a socket. */
static void feed(struct dp_bytes *q, struct jg_dir *d, int *moved)
{
	size_t n;

	jg_dir_compact(d);
	n = JG_MIN(JG_DIR_BUF - d->end, q->len - q->off);
	if (!n)
		return;
	memcpy(d->buf + d->end, q->p + q->off, n);
	d->end += n;
	q->off += n;
	*moved = 1;
}

int dp_run(struct dp *dp)
{
	struct jg_session *s = &dp->s;
	int moved, rc = JG_OK;

	do {
		moved = 0;
		dp->steps++;
		if (jg_out_pending(&s->cout)) {
			put(&dp->to_client, s->cout.buf + s->cout.off, s->cout.len - s->cout.off);
			s->cout.off = s->cout.len = 0;
			moved = 1;
		}
		if (s->phase != JG_PH_COMMAND)
			break;
		take(&s->b2c, &dp->to_client, &moved);
		if ((rc = jg_result_parse(s, &moved)) != JG_WAIT) {
			jg_session_fail(s, "the database broke the protocol");
			break;
		}
		feed(&dp->from_server, &s->b2c, &moved);
		take(&s->c2b, &dp->to_server, &moved);
		rc = jg_command_parse(s, &moved);
		if (rc == JG_ERR_PROTO) {
			moved = 1;                          /* refused: its ERR goes out next round */
			continue;
		}
		if (rc != JG_WAIT) {
			jg_session_fail(s, "out of memory");
			break;
		}
		if (!jg_command_waiting(s))
			feed(&dp->from_client, &s->c2b, &moved);
		if (s->cmd.quitting && jg_dir_idle(&s->c2b) && s->c2b.w == s->c2b.end) {
			jg_session_close(s);
			break;
		}
	} while (moved);
	return rc == JG_WAIT ? JG_OK : rc;
}
