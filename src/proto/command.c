/* command.c: the command stage; see command.h and stage.h. */
#include "proto/command.h"

#include "proto/state.h"

#include <stdio.h>
#include <string.h>

/* Per worker thread: a classification is large (every statement of a packet) and short-lived. */
static _Thread_local struct jg_sql_result scratch;

/* The statement a command amounts to (equivalent below): names of up to 64 characters of 4
 * bytes, each byte doubled at worst, and the words around them. */
static _Thread_local char equiv[600];

int jg_command_judged(uint8_t com)
{
	switch (com) {
	case JG_COM_QUERY: case JG_COM_STMT_PREPARE: case JG_COM_FIELD_LIST: case JG_COM_INIT_DB:
	case JG_COM_CREATE_DB: case JG_COM_DROP_DB: case JG_COM_REFRESH: case JG_COM_PROCESS_INFO:
	case JG_COM_PROCESS_KILL:
		return 1;
	default:
		return 0;
	}
}

/* quoted: name[0..n) as a `quoted` identifier at out (with room for it); its length, or 0 when
 * it is no name (empty, too long, or with a NUL: the server refuses it too). */
static size_t quoted(const char *name, size_t n, char *out)
{
	size_t o = 0;

	if (n == 0 || n > 256 || memchr(name, '\0', n))
		return 0;
	out[o++] = '`';
	for (size_t i = 0; i < n; i++) {
		if (name[i] == '`')
			out[o++] = '`';
		out[o++] = name[i];
	}
	out[o++] = '`';
	return o;
}

/*
 * equivalent: the statement text of a command that amounts to one (jg_command_judged), from its
 * payload after the command byte (p, n), into equiv; its length. A malformed command becomes a
 * text that classifies as unknown.
 */
static size_t equivalent(uint8_t com, const char *p, size_t n)
{
	const char *head = "", *name = p;
	size_t len = n, q, o;

	switch (com) {
	case JG_COM_FIELD_LIST:                 /* table<NUL> wildcard<EOF> */
		head = "SHOW COLUMNS FROM ";
		len = strnlen(p, n);
		if (len == n)
			len = 0;
		break;
	case JG_COM_INIT_DB: head = "USE "; break;
	case JG_COM_CREATE_DB: head = "CREATE DATABASE "; break;
	case JG_COM_DROP_DB: head = "DROP DATABASE "; break;
	case JG_COM_REFRESH: return (size_t)snprintf(equiv, sizeof(equiv), "FLUSH");
	case JG_COM_PROCESS_INFO: return (size_t)snprintf(equiv, sizeof(equiv), "SHOW PROCESSLIST");
	case JG_COM_PROCESS_KILL:
		if (n < 4)
			return (size_t)snprintf(equiv, sizeof(equiv), "COM_PROCESS_KILL ?");
		return (size_t)snprintf(equiv, sizeof(equiv), "KILL %u", (unsigned)jg_le32(
		                        (const uint8_t *)p));
	default:
		return 0;
	}
	o = (size_t)snprintf(equiv, sizeof(equiv), "%s", head);
	q = quoted(name, len, equiv + o);
	if (q == 0)
		return (size_t)snprintf(equiv, sizeof(equiv), "malformed command ?");
	return o + q;
}

/* The bytes of a command admission needs before it knows whether to hold the text: the command
 * byte and a statement id. */
#define HEAD_MIN 5u

/* ready: a new command may start: the previous one is answered, every byte of that answer (and
 * of our ERRs) went to the client, and no admission stage holds a command. */
static int ready(const struct jg_session *s)
{
	return jg_resp_done(&s->resp) && !jg_out_pending(&s->cout) && jg_dir_idle(&s->b2c) &&
	       jg_dir_idle(&s->c2b) && (!s->cmd.parked || s->cmd.resumed);
}

int jg_command_waiting(const struct jg_session *s)
{
	const struct jg_dir *d = &s->c2b;

	return !s->cmd.staging && d->f.left == 0 && d->r < d->end && !ready(s);
}

void jg_command_resume(struct jg_session *s)
{
	if (s->cmd.parked)
		s->cmd.resumed = 1;
}

/* wants_text: some admission stage must see com's statement text whole. */
static int wants_text(const struct jg_session *s, uint8_t com)
{
	for (unsigned i = 0; i < JG_ADMIT_SLOTS; i++)
		if (s->admit[i] && s->admit[i]->text && s->admit[i]->text(s, com))
			return 1;
	return 0;
}

/* set_database: as COM_INIT_DB names it (the classifier compares names in lower case). */
static void set_database(struct jg_session *s, const uint8_t *name, size_t len)
{
	size_t i;

	if (len >= sizeof(s->sql.db))
		len = 0;                        /* longer than MySQL allows: the server will refuse */
	for (i = 0; i < len; i++)
		s->sql.db[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	s->sql.db[i] = '\0';
}

/* refuse: the command is answered with ERR and none of it goes on; the stages are told. */
static void refuse(struct jg_session *s, const struct jg_cmd *cmd, const struct jg_refusal *ref)
{
	s->cl_seq = (uint8_t)(cmd->seq + 1);
	jg_out_er(&s->cout, s->cl_seq, ref->er, ref->msg);
	s->metrics.refused++;
	for (unsigned i = 0; i < JG_ADMIT_SLOTS; i++)
		if (s->admit[i] && s->admit[i]->refused)
			s->admit[i]->refused(s, cmd, ref);
}

/* too_large: the refusal of a command over the limit (com: its command byte). */
static void too_large(struct jg_session *s, uint8_t com, uint8_t seq, uint64_t len)
{
	struct jg_refusal ref = { .er = JG_ER_NOT_SUPPORTED, .decision = "refuse",
	                          .stage = "commands", .rule = "" };
	struct jg_cmd cmd = { .com = com, .seq = seq, .len = (uint32_t)JG_MIN(len, UINT32_MAX) };

	snprintf(ref.msg, sizeof(ref.msg), "jitgate judges a statement whole and holds at most %zu "
	         "bytes of one ([limits] statement; by default the database's max_allowed_packet); "
	         "this one has %llu or more: split it; nothing of it ran",
	         jg_session_statement_limit(s), (unsigned long long)len);
	jg_log(JG_LOG_INFO, "session %u: refused a statement of %llu bytes or more", s->id,
	       (unsigned long long)len);
	refuse(s, &cmd, &ref);
}

/*
 * went: the command was admitted and goes to the database: what it changes, what answers it.
 * The state later texts are read under is what the server reports (state.h); only a backend
 * without session tracking leaves the gateway to follow the statements it let through.
 */
static void went(struct jg_session *s, const struct jg_cmd *cmd, const struct jg_sql_session *next)
{
	if (cmd->com == JG_COM_RESET_CONNECTION) {
		/* the session as it began; the server reports no change for a reset */
		s->sql.sql_mode = s->sql_mode0;
		s->sql.charset = s->charset0;
	}
	if (!jg_state_observed(s)) {
		if (cmd->com == JG_COM_INIT_DB && cmd->head_len == cmd->len)
			set_database(s, cmd->head + 1, cmd->len - 1);
		if (cmd->com == JG_COM_QUERY && cmd->cls)
			s->sql = *next;         /* USE, SET sql_mode: later texts read the new way */
	}
	if (cmd->com == JG_COM_QUIT)
		s->cmd.quitting = 1;
	s->metrics.commands++;
	s->cmd.stmt_id = cmd->stmt_id;
	jg_resp_expect(&s->resp, cmd->com);
}

/*
 * admit: the stages from s->cmd.slot on. With the text, it is classified first under the
 * session's state (a prepared text runs later or never, so it changes nothing now).
 */
static int admit(struct jg_session *s, struct jg_cmd *cmd, struct jg_refusal *ref,
                 struct jg_sql_session *next)
{
	int rc = JG_STAGE_GO;

	cmd->state = &s->sql;
	if (cmd->sql && !jg_command_judged(cmd->com)) {
		cmd->sql = NULL;                /* held whole for a stage, but it has no statement */
		cmd->sql_len = 0;
	}
	if (cmd->sql && cmd->com != JG_COM_QUERY && cmd->com != JG_COM_STMT_PREPARE) {
		cmd->sql_len = equivalent(cmd->com, cmd->sql, cmd->sql_len);
		cmd->sql = equiv;
	}
	if (cmd->sql) {
		*next = s->sql;
		cmd->cls_err = jg_sql_classify(next, cmd->sql, cmd->sql_len, &scratch);
		cmd->cls = cmd->cls_err == JG_OK ? &scratch : NULL;
	}
	if (cmd->len >= HEAD_MIN && cmd->head_len >= HEAD_MIN &&
	    cmd->com >= JG_COM_STMT_EXECUTE && cmd->com <= JG_COM_STMT_FETCH)
		cmd->stmt_id = jg_le32(cmd->head + 1);
	ref->er = JG_ER_POLICY;             /* a stage sets what it refuses with */
	ref->decision = "refuse";
	ref->stage = NULL;
	ref->rule = "";
	ref->stmt = 0;
	ref->msg[0] = '\0';
	for (; s->cmd.slot < JG_ADMIT_SLOTS; s->cmd.slot++) {
		const struct jg_admit_stage *st = s->admit[s->cmd.slot];

		if (!st || (rc = st->admit(s, cmd, ref)) > 0)
			continue;
		if (rc < 0 && !ref->stage)
			ref->stage = st->name;
		break;
	}
	if (rc == JG_STAGE_WAIT) {
		s->cmd.parked = 1;
		s->cmd.resumed = 0;
		return rc;
	}
	s->cmd.parked = s->cmd.resumed = 0;
	s->cmd.slot = 0;
	return rc > 0 ? JG_STAGE_GO : JG_STAGE_REFUSE;
}

/* admit_held: the command assembled in s->cmd.stmt: sent from there, or dropped. */
static int admit_held(struct jg_session *s, int *progress)
{
	struct jg_stagebuf *b = &s->cmd.stmt;
	struct jg_sql_session next;
	struct jg_refusal ref;
	struct jg_cmd cmd = { .com = b->p[JG_FRAME_HDR], .seq = s->cmd.seq,
	                      .len = (uint32_t)JG_MIN(b->len - JG_FRAME_HDR, UINT32_MAX),
	                      .head = b->p + JG_FRAME_HDR, .head_len = b->len - JG_FRAME_HDR };
	uint8_t seq = s->cmd.seq;
	int rc;

	cmd.sql = (const char *)cmd.head + 1;
	cmd.sql_len = cmd.head_len - 1;
	rc = admit(s, &cmd, &ref, &next);
	if (rc == JG_STAGE_WAIT)
		return JG_WAIT;
	*progress = 1;
	s->cmd.held = 0;
	if (rc == JG_STAGE_REFUSE) {
		refuse(s, &cmd, &ref);
		jg_stagebuf_release(b);
		return JG_OK;
	}
	went(s, &cmd, &next);
	if (jg_stagebuf_frame(b, 0, &seq) != JG_OK) {
		/* the answer to the command's last physical packet */
		s->cl_seq = (uint8_t)(cmd.seq + cmd.len / JG_FRAME_MAX + 1);
		jg_session_refuse(s, JG_ER_BACKEND_REFUSED, "jitgate is out of memory; try again later");
		return JG_ERR_NOMEM;
	}
	b->off = 0;
	s->c2b.side = b;
	return JG_OK;
}

/* hold: the payload bytes of the current physical packet into the held command. */
static void hold(struct jg_session *s, struct jg_dir *d, size_t n)
{
	struct jg_stagebuf *b = &s->cmd.stmt;
	size_t limit = jg_session_statement_limit(s);

	if (jg_stagebuf_reserve(b, n, limit + JG_FRAME_HDR) != JG_OK) {
		/* Over the limit: refused now, the rest of it dropped as it comes. */
		too_large(s, b->p[JG_FRAME_HDR], s->cmd.seq, b->len - JG_FRAME_HDR + n);
		jg_stagebuf_release(b);
		s->cmd.staging = 0;
		d->discard = 1;
		return;
	}
	memcpy(b->p + b->len, d->buf + d->r, n);
	b->len += n;
}

/* pass: payload bytes of the current physical packet: forwarded, dropped or held. */
static void pass(struct jg_session *s, struct jg_dir *d)
{
	size_t n = JG_MIN((size_t)d->f.left, d->end - d->r);

	if (s->cmd.staging)
		hold(s, d, n);
	d->r += n;
	d->f.left -= (uint32_t)n;
	if (s->cmd.staging || d->discard)
		d->w = d->r;
	if (s->cmd.staging && d->f.left == 0 && !d->f.in_cont) {
		s->cmd.staging = 0;
		s->cmd.held = 1;
	}
}

/* start_holding: a command too large for the direction buffer, assembled in s->cmd.stmt. */
static int start_holding(struct jg_session *s, struct jg_dir *d, const struct jg_frame *peek)
{
	struct jg_stagebuf *b = &s->cmd.stmt;

	d->f = *peek;
	d->r += JG_FRAME_HDR;
	d->w = d->r;
	s->cmd.seq = peek->seq;
	if (peek->len > jg_session_statement_limit(s)) {
		too_large(s, d->buf[d->r], peek->seq, peek->len);
		d->discard = 1;
		return JG_OK;
	}
	d->discard = 0;
	if (jg_stagebuf_reserve(b, JG_FRAME_HDR, SIZE_MAX) != JG_OK) {
		s->cl_seq = (uint8_t)(peek->seq + 1);
		jg_session_refuse(s, JG_ER_BACKEND_REFUSED, "jitgate is out of memory; try again later");
		return JG_ERR_NOMEM;
	}
	b->len = JG_FRAME_HDR;          /* room for the header the packet gets back when it goes */
	s->cmd.staging = 1;
	return JG_OK;
}

/* begin: a new command whose header is at d->r. */
static int begin(struct jg_session *s, struct jg_dir *d, const struct jg_frame *peek, size_t avail,
                 int *progress)
{
	const uint8_t *payload = d->buf + d->r + JG_FRAME_HDR;
	size_t have = JG_MIN(avail - JG_FRAME_HDR, (size_t)peek->len);
	int whole = peek->len < JG_FRAME_MAX && have == peek->len;
	struct jg_cmd cmd = { .com = payload[0], .seq = peek->seq, .len = peek->len,
	                      .head = payload, .head_len = have };
	struct jg_sql_session next;
	struct jg_refusal ref;
	int rc;

	if (wants_text(s, cmd.com)) {
		if (!whole && peek->len < JG_FRAME_MAX && JG_FRAME_HDR + peek->len <= JG_DIR_BUF)
			return JG_WAIT;         /* it will fit: wait for the rest */
		if (!whole) {
			*progress = 1;
			return start_holding(s, d, peek);
		}
		if (peek->len > jg_session_statement_limit(s)) {
			*progress = 1;
			too_large(s, cmd.com, peek->seq, peek->len);
			d->f = *peek;
			d->r += JG_FRAME_HDR;
			d->w = d->r;
			d->discard = 1;
			return JG_OK;
		}
		cmd.sql = (const char *)payload + 1;
		cmd.sql_len = peek->len - 1;
	}
	rc = admit(s, &cmd, &ref, &next);
	if (rc == JG_STAGE_WAIT)
		return JG_WAIT;
	*progress = 1;
	d->f = *peek;
	d->r += JG_FRAME_HDR;
	d->discard = rc == JG_STAGE_REFUSE;
	if (d->discard) {
		d->w = d->r;
		refuse(s, &cmd, &ref);
	} else {
		went(s, &cmd, &next);
	}
	return JG_OK;
}

int jg_command_parse(struct jg_session *s, int *progress)
{
	struct jg_dir *d = &s->c2b;
	struct jg_frame peek;
	size_t avail;
	int rc;

	if (d->side && d->side->off == d->side->len && d->side == &s->cmd.stmt) {
		jg_stagebuf_release(&s->cmd.stmt);      /* a held command went out whole */
		d->side = NULL;
	}
	for (;;) {
		if (s->cmd.held) {
			if (!ready(s))
				return JG_WAIT;
			if ((rc = admit_held(s, progress)) != JG_OK)
				return rc;
			continue;
		}
		if (d->r >= d->end)
			return JG_WAIT;
		if (d->f.left > 0) {
			pass(s, d);
			*progress = 1;
			continue;
		}
		if (jg_dir_peek(d, &peek) != JG_OK)
			return JG_WAIT;
		avail = d->end - d->r;
		if (!peek.first) {              /* the next physical packet of the same command */
			d->f = peek;
			d->r += JG_FRAME_HDR;
			if (s->cmd.staging || d->discard)
				d->w = d->r;
			if (s->cmd.staging && peek.len == 0) {
				s->cmd.staging = 0;
				s->cmd.held = 1;
			}
			*progress = 1;
			continue;
		}
		if (!ready(s))
			return JG_WAIT;
		if (peek.len == 0) {
			s->cl_seq = (uint8_t)(peek.seq + 1);
			jg_session_refuse(s, JG_ER_MALFORMED, "Malformed communication packet: a "
			                  "command packet must not be empty");
			return JG_ERR_PROTO;
		}
		/* What precedes goes out first: a refusal drops bytes from w on. */
		if (d->w < d->r || avail - JG_FRAME_HDR < JG_MIN(peek.len, HEAD_MIN))
			return JG_WAIT;
		if ((rc = begin(s, d, &peek, avail, progress)) != JG_OK)
			return rc;
	}
}
