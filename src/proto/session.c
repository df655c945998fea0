/*
 * session.c: the conductor of a session: it starts sessions, takes their events, runs each
 * phase's part until nothing moves, moves the bytes of the command phase between the pump and
 * the command and result stages, watches deadlines and token expiry, and gets the session its
 * database user. See session.h for the parts and session-t.h for the phases.
 */
#include "proto/session.h"

#include "cred/cred.h"
#include "gw/gateway.h"
#include "proto/admit.h"
#include "proto/backend.h"
#include "proto/client.h"
#include "proto/command.h"
#include "proto/mask.h"
#include "proto/metrics.h"
#include "proto/record.h"
#include "proto/result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#define SESSION_OF(p, member) ((struct jg_session *)((char *)(p) - offsetof(struct jg_session, member)))
static void run(struct jg_session *s);
static void on_client(struct jg_ev *ev, uint32_t events);
static void on_backend(struct jg_ev *ev, uint32_t events);
static void on_tick(struct jg_task *t, int64_t now_ms);
static void on_stop(struct jg_task *t);
static void on_free(struct jg_task *t);

/* ---- life cycle ---- */

static struct jg_session *session_new(struct jg_gateway *gw, struct jg_worker *wk)
{
	struct jg_session *s = malloc(sizeof(*s));

	if (!s)
		return NULL;
	jg_session_init(s, gw, wk);
	s->cl_ev.io = on_client;
	s->be_ev.io = on_backend;
	s->task.tick = on_tick;
	s->task.stop = on_stop;
	s->task.free = on_free;
	jg_session_stages(s);
	jg_worker_task_add(wk, &s->task);
	return s;
}

void jg_session_stages(struct jg_session *s)
{
	s->admit[JG_ADMIT_COMMANDS] = &jg_admit_commands;
	s->admit[JG_ADMIT_POLICY] = &jg_admit_policy;
	s->admit[JG_ADMIT_MASK] = &jg_admit_mask;
	s->admit[JG_ADMIT_RECORD] = &jg_admit_record;
	s->rstage[JG_RESULT_MASK] = &jg_mask_stage;
	s->rstage[JG_RESULT_RECORD] = &jg_record_stage;
	s->rstage[JG_RESULT_METRICS] = &jg_metrics_stage;
}

void jg_session_accept(void *arg, struct jg_worker *wk, int fd)
{
	struct jg_session *s = session_new(arg, wk);

	if (!s) {
		struct jg_conn c;

		jg_conn_init(&c, fd);
		jg_conn_close(&c);
		return;
	}
	jg_conn_init(&s->cl, fd);
	if (jg_client_greet(s) != JG_OK ||
	    jg_worker_add(wk, &s->cl_ev, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP) != JG_OK) {
		jg_session_close(s);
		jg_worker_release(wk, &s->task);
		return;
	}
	on_client(&s->cl_ev, EPOLLOUT);
}

struct jg_session *jg_session_killer(struct jg_gateway *gw, struct jg_worker *wk, uint32_t id)
{
	struct jg_session *s = session_new(gw, wk);

	if (!s)
		return NULL;
	s->lb.kill_id = id;
	s->be_user = gw->cfg->backend_user;
	s->be_pass = gw->cfg->backend_password;
	s->hello.caps = JG_CAPS_OFFERED;
	s->deadline_ms = jg_now_ms() + 10000;
	s->phase = JG_PH_BACKEND;
	run(s);
	return s;
}

void jg_session_resume(struct jg_session *s)
{
	if (s->phase == JG_PH_DEAD)
		return;
	jg_command_resume(s);
	run(s);
}

static void on_stop(struct jg_task *t)
{
	jg_session_close(SESSION_OF(t, task));
}

static void on_free(struct jg_task *t)
{
	free(SESSION_OF(t, task));
}

/* kill_backend_query: the client went away while the backend works for it: kill that thread. */
static void kill_backend_query(struct jg_session *s)
{
	uint32_t id = s->lb.greet.thread_id;

	if (!id)
		return;
	jg_log(JG_LOG_INFO, "session %u: client left during a command; killing backend thread %u",
	       s->id, id);
	if (!jg_session_killer(s->gw, s->wk, id))
		jg_log(JG_LOG_ERR, "session %u: could not start the kill of backend thread %u", s->id,
		       id);
}

static void client_gone(struct jg_session *s)
{
	if (s->phase == JG_PH_COMMAND && !jg_resp_done(&s->resp))
		kill_backend_query(s);
	jg_session_close(s);
}

/* ---- credentials ---- */

/* cred_ready: the lease is answered (at once, or later on this worker). */
static void cred_ready(struct jg_lease *l)
{
	struct jg_session *s = l->owner;
	int deferred = s->phase == JG_PH_CRED && s->cred_asked == 1;

	if (l->rc == JG_ERR_AUTH) {
		jg_session_refuse(s, JG_ER_TOO_MANY_CONNECTIONS, "%s", l->why);
	} else if (l->rc != JG_OK || !l->user[0]) {
		jg_session_refuse(s, JG_ER_BACKEND_REFUSED, "%s", l->why[0] ? l->why :
		                  "jitgate could not make a database user; try again");
	} else {
		/* A role's ttl may end the session before the token does. */
		if (l->expires < s->expires_at || !s->expires_at) {
			s->expires_ms = jg_now_ms() + (l->expires - (int64_t)time(NULL)) * 1000;
			s->expires_at = l->expires;
		}
		s->be_user = l->user;
		s->be_pass = l->password;
		s->phase = JG_PH_BACKEND;
	}
	if (deferred)
		run(s);
}

/* cred_notify: on a credentials thread: hand the lease to the session's worker and nothing
 * more (the session may have ended meanwhile; jg_cred_settle tells, on the worker). */
static void cred_notify(struct jg_lease *l)
{
	jg_worker_post(l->notify_arg, &l->post);
}

/* cred_posted: on the worker, the lease cred_notify handed over. */
static void cred_posted(struct jg_post *p)
{
	struct jg_lease *l = (struct jg_lease *)((char *)p - offsetof(struct jg_lease, post));

	if (jg_cred_settle(l) != JG_OK)
		return;                 /* the session had ended: its user is being dropped */
	cred_ready(l);
}

/*
 * step_cred: the database user this session logs in as: its own just-in-time user, a role's
 * existing account, or in shared mode [backend] user. The session lives as long as the token
 * (plus the grace), however busy it is.
 */
static int step_cred(struct jg_session *s, int *progress)
{
	struct jg_lease *l;
	int rc;

	if (s->cred_asked)
		return JG_WAIT;
	s->cred_asked = 1;
	*progress = 1;
	if (s->who.exp > 0) {
		s->expires_at = s->who.exp + s->gw->cfg->cred_grace;
		s->expires_ms = jg_now_ms() + (s->expires_at - (int64_t)time(NULL)) * 1000;
	}
	if (!s->gw->cred) {
		s->be_user = s->gw->cfg->backend_user;
		s->be_pass = s->gw->cfg->backend_password;
		s->phase = JG_PH_BACKEND;
		return JG_OK;
	}
	l = jg_cred_lease_new(s->gw->cred, s->hello.user, s->who.sub, s->id,
	                      s->expires_at ? s->expires_at : (int64_t)time(NULL) + 86400);
	if (!l) {
		jg_session_refuse(s, JG_ER_BACKEND_REFUSED, "jitgate is out of memory; try again later");
		return JG_OK;
	}
	l->owner = s;
	l->notify = cred_notify;
	l->notify_arg = s->wk;
	l->post.fn = cred_posted;
	s->lease = l;
	rc = jg_cred_acquire(l);
	if (rc == JG_WAIT) {
		s->deadline_ms = jg_now_ms() + 15000;
		return JG_OK;
	}
	s->cred_asked = 2;              /* answered at once: cred_ready must not run the session */
	cred_ready(l);
	return JG_OK;
}

/* ---- the command phase ---- */

static void database_broke(struct jg_session *s, int rc)
{
	if (rc == JG_ERR_UNSUPPORTED)
		jg_session_fail(s, "the database asked for a LOCAL INFILE, which jitgate never offers");
	else if (rc == JG_ERR_PROTO)
		jg_session_fail(s, "the database broke the protocol");
	else if (rc == JG_ERR_NOMEM)
		jg_session_fail(s, "out of memory");
	else
		jg_session_fail(s, "the database closed the connection");
}

/*
 * to_client: the database's bytes through the result stage to the client: write what may go,
 * parse what was read, read when nothing else moves; flush once at the end. JG_OK, or an error
 * after which the session was ended.
 */
static int to_client(struct jg_session *s, int *progress)
{
	struct jg_dir *d = &s->b2c;
	int moved, rc;

	for (;;) {
		if (!jg_dir_idle(d)) {
			if (jg_out_pending(&s->cout))
				break;                  /* an ERR of ours goes out first */
			rc = jg_pump_write(&s->cl, d, progress);
			if (rc == JG_WAIT)
				break;                  /* the client reads slowly: read no more for it */
			if (rc != JG_OK)
				goto client_lost;
		}
		moved = 0;
		if ((rc = jg_result_parse(s, &moved)) != JG_WAIT) {
			database_broke(s, rc);
			return rc;
		}
		if (moved) {
			*progress = 1;
			continue;
		}
		if (jg_out_pending(&s->cout))
			break;
		rc = jg_pump_read(&s->be, d, progress);
		if (rc == JG_WAIT)
			break;
		if (rc != JG_OK) {
			database_broke(s, rc);
			return rc;
		}
	}
	rc = jg_conn_flush(&s->cl);
	if (rc == JG_OK || rc == JG_WAIT)
		return JG_OK;
client_lost:
	client_gone(s);
	return JG_ERR_IO;
}

/* to_database: the client's bytes through the command stage to the database, the same way. */
static int to_database(struct jg_session *s, int *progress)
{
	struct jg_dir *d = &s->c2b;
	int moved, rc;

	for (;;) {
		if (!jg_dir_idle(d)) {
			rc = jg_pump_write(&s->be, d, progress);
			if (rc == JG_WAIT)
				break;
			if (rc != JG_OK)
				goto database_lost;
		}
		moved = 0;
		rc = jg_command_parse(s, &moved);
		if (rc == JG_ERR_PROTO) {       /* refused: the session drains */
			*progress = 1;
			return rc;
		}
		if (rc != JG_WAIT) {
			jg_session_fail(s, "out of memory");
			return rc;
		}
		if (moved) {
			*progress = 1;
			continue;
		}
		if (jg_command_waiting(s))
			break;                          /* the next command waits: no need for more */
		rc = jg_pump_read(&s->cl, d, progress);
		if (rc == JG_WAIT)
			break;
		if (rc != JG_OK) {
			client_gone(s);
			return rc;
		}
	}
	rc = jg_conn_flush(&s->be);
	if (rc == JG_OK || rc == JG_WAIT)
		return JG_OK;
database_lost:
	jg_session_fail(s, "the database closed the connection");
	return JG_ERR_IO;
}

static int step_command(struct jg_session *s, int *progress)
{
	int rc;

	/* Our own packets first; the client leg is flushed once its direction is done. */
	rc = jg_out_pending(&s->cout) ? jg_out_flush(&s->cl, &s->cout) : JG_OK;
	if (rc != JG_OK && rc != JG_WAIT) {
		client_gone(s);
		return JG_OK;
	}
	if ((!s->b2c.buf && jg_dir_hold(s->wk, &s->b2c) != JG_OK) ||
	    (!s->c2b.buf && jg_dir_hold(s->wk, &s->c2b) != JG_OK)) {
		jg_session_fail(s, "out of memory");
		return JG_OK;
	}
	if (to_client(s, progress) != JG_OK || to_database(s, progress) != JG_OK)
		return JG_OK;
	if (s->cmd.quitting && jg_dir_idle(&s->c2b) && s->c2b.w == s->c2b.end) {
		jg_session_close(s);            /* COM_QUIT forwarded */
		return JG_OK;
	}
	if (*progress && s->gw->cfg->idle_timeout > 0)
		s->deadline_ms = jg_now_ms() + (int64_t)s->gw->cfg->idle_timeout * 1000;
	if (!*progress) {               /* idle: the buffers go back to the pool when empty */
		if (s->c2b.buf && s->c2b.w == s->c2b.end)
			jg_dir_release(s->wk, &s->c2b, 0);
		if (s->b2c.buf && s->b2c.w == s->b2c.end)
			jg_dir_release(s->wk, &s->b2c, 0);
	}
	return *progress ? JG_OK : JG_WAIT;
}

/* ---- token expiry and key removal ---- */

static void token_time(const struct jg_session *s, char *out, size_t cap)
{
	time_t t = (time_t)s->who.exp;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "%lld", (long long)s->who.exp);
}

/*
 * key_check: the key that signed the session's token is still in the JWKS. Re-reads happen on
 * worker 0 (serve.c); a session learns of one here, at its tick on its own worker, from the
 * epoch, so that a tick with nothing removed costs one atomic load.
 */
static void key_check(struct jg_session *s, int64_t now_ms)
{
	uint64_t epoch;
	char kid[sizeof(s->who.kid)];

	if (s->key_gone_ms || !s->who.key_serial || !s->gw->auth)
		return;
	epoch = jg_auth_epoch(s->gw->auth);
	if (epoch == s->who.keys_epoch)
		return;
	s->who.keys_epoch = epoch;
	if (jg_auth_key_live(s->gw->auth, s->who.key_serial))
		return;
	s->key_gone_ms = now_ms;
	jg_log(JG_LOG_INFO, "session %u: the key that signed its token (kid \"%s\") was removed from "
	       "the JWKS: ending the session and dropping its database user", s->id,
	       jg_printable(s->who.kid, kid, sizeof(kid)));
}

/*
 * expire: the token (plus the grace) or the role's ttl ran out, or the key that signed the token
 * was removed (key_gone_ms). The database user is dropped and its connections killed at once; an
 * idle client is told at its next command (an ERR it can read, rather than a reset), a client in
 * the middle of a result is closed.
 */
static void expire(struct jg_session *s, int64_t now_ms)
{
	int busy = s->phase == JG_PH_COMMAND &&
	           (!jg_resp_done(&s->resp) || !jg_dir_idle(&s->b2c) || s->b2c.r < s->b2c.end ||
	            s->c2b.end > 0 || jg_out_pending(&s->cout));
	int64_t due = s->key_gone_ms ? s->key_gone_ms : s->expires_ms;
	const char *reason = s->key_gone_ms ? "signing key removed" : "token expired";
	char when[40], kid[sizeof(s->who.kid)];

	if (busy && jg_resp_done(&s->resp) && now_ms < due + 5000)
		return;                 /* a finished result still on its way: let it arrive */
	token_time(s, when, sizeof(when));
	if (!s->key_gone_ms)
		jg_log(JG_LOG_INFO, "session %u: token expired (at %s, grace %ds): ending the session "
		       "and dropping its database user", s->id, when, s->gw->cfg->cred_grace);
	s->end_reason = reason;
	if (busy && !jg_resp_done(&s->resp) && (!s->lease || s->lease->account))
		kill_backend_query(s);  /* a just-in-time user's connections die with it */
	jg_session_release_cred(s, reason);
	s->expires_ms = 0;
	if (s->phase == JG_PH_COMMAND && !busy) {
		jg_conn_close(&s->be);
		s->phase = JG_PH_EXPIRED;
		s->deadline_ms = now_ms + 300 * 1000;
		return;
	}
	if (s->phase == JG_PH_COMMAND) {
		jg_session_close(s);
		return;
	}
	if (s->key_gone_ms)
		jg_session_refuse(s, JG_ER_ACCESS_DENIED, "Access denied: the key that signed your "
		                  "token (kid \"%s\") was removed from the JWKS during the login; get a "
		                  "new token", jg_printable(s->who.kid, kid, sizeof(kid)));
	else
		jg_session_refuse(s, JG_ER_ACCESS_DENIED, "Access denied: your token expired at %s "
		                  "during the login; get a new token", when);
}

/* step_expired: answers the client's next command with the reason, then ends. */
static int step_expired(struct jg_session *s, int *progress)
{
	const uint8_t *p;
	uint32_t len;
	uint8_t seq;
	char when[sizeof(s->who.kid)], msg[400];
	int rc;

	if ((rc = jg_dir_hold(s->wk, &s->c2b)) == JG_OK)
		rc = jg_pump_packet(&s->cl, &s->c2b, &p, &len, &seq);
	if (rc == JG_WAIT)
		return JG_WAIT;
	*progress = 1;
	if (rc != JG_OK || (len > 0 && p[0] == JG_COM_QUIT)) {
		jg_session_close(s);
		return JG_OK;
	}
	token_time(s, when, sizeof(when));
	if (s->key_gone_ms)
		snprintf(msg, sizeof(msg), "jitgate: the key that signed your token (kid \"%s\") was "
		         "removed from the JWKS; this session has ended and its database user was "
		         "dropped; connect again with a token signed by a current key",
		         jg_printable(s->who.kid, when, sizeof(when)));
	else
		snprintf(msg, sizeof(msg), "jitgate: your token expired at %s; this session has ended "
		         "and its database user was dropped; connect again with a new token", when);
	s->cl_seq = (uint8_t)(seq + 1);
	jg_out_er(&s->cout, s->cl_seq, JG_ER_TOKEN_EXPIRED, msg);
	s->phase = JG_PH_DRAIN;
	s->deadline_ms = jg_now_ms() + 2000;
	return JG_OK;
}

/* step_drain: our ERR is flushed, then input is read and dropped until the client closes, so
 * that the ERR is not lost to a reset. */
static int step_drain(struct jg_session *s, int *progress)
{
	uint8_t sink[4096];
	size_t got;
	int rc;

	if (jg_out_pending(&s->cout) || jg_conn_pending(&s->cl)) {
		rc = jg_out_flush(&s->cl, &s->cout);
		if (rc == JG_WAIT)
			return JG_WAIT;
		if (rc != JG_OK || s->cout.err) {
			jg_session_close(s);
			return JG_OK;
		}
		jg_conn_shutdown_write(&s->cl);
	}
	for (;;) {
		rc = jg_conn_read(&s->cl, sink, sizeof(sink), &got);
		if (rc == JG_WAIT)
			return JG_WAIT;
		if (rc != JG_OK) {
			jg_session_close(s);
			return JG_OK;
		}
	}
}

/* ---- events ---- */

static int step(struct jg_session *s, int *progress)
{
	switch (s->phase) {
	case JG_PH_GREETING:
	case JG_PH_AUTH:
		return jg_client_step(s, progress);
	case JG_PH_CRED:
		return step_cred(s, progress);
	case JG_PH_BACKEND:
	case JG_PH_SQLMODE:
	case JG_PH_KILL:
		return jg_backend_step(s, progress);
	case JG_PH_COMMAND:
		return step_command(s, progress);
	case JG_PH_EXPIRED:
		return step_expired(s, progress);
	case JG_PH_DRAIN:
		return step_drain(s, progress);
	case JG_PH_DEAD:
		break;
	}
	return JG_WAIT;
}

static uint32_t client_interest(const struct jg_session *s)
{
	uint32_t ev = EPOLLRDHUP;

	switch (s->phase) {
	case JG_PH_GREETING:
	case JG_PH_AUTH:
	case JG_PH_EXPIRED:
	case JG_PH_DRAIN:
		ev |= EPOLLIN;
		break;
	case JG_PH_COMMAND:
		/* A pipelined command waits in the buffer until the current response ends; polling
		 * for more input meanwhile would spin. EPOLLRDHUP still reports a client leaving. */
		if (s->c2b.end < JG_DIR_BUF && !jg_command_waiting(s))
			ev |= EPOLLIN;
		if (!jg_dir_idle(&s->b2c))
			ev |= EPOLLOUT;
		break;
	default:
		break;
	}
	if (jg_out_pending(&s->cout))
		ev |= EPOLLOUT;
	/* A TLS leg asks for EPOLLOUT itself when it can write (conn.c); asking for our own
	 * unsent bytes while the engine waits for the peer would spin. */
	if (s->cl.tls)
		ev = (ev & ~(uint32_t)EPOLLOUT) | (jg_conn_events(&s->cl) & EPOLLOUT);
	return ev;
}

static uint32_t backend_interest(const struct jg_session *s)
{
	uint32_t ev = 0;

	switch (s->phase) {
	case JG_PH_BACKEND:
	case JG_PH_SQLMODE:
	case JG_PH_KILL:
		ev |= s->be_connecting ? EPOLLOUT : EPOLLIN;
		break;
	case JG_PH_COMMAND:
		if (s->b2c.end < JG_DIR_BUF)
			ev |= EPOLLIN;
		if (!jg_dir_idle(&s->c2b))
			ev |= EPOLLOUT;
		break;
	default:
		break;
	}
	if (jg_out_pending(&s->bout))
		ev |= EPOLLOUT;
	if (s->be.tls && !s->be_connecting)
		ev = (ev & ~(uint32_t)EPOLLOUT) | (jg_conn_events(&s->be) & EPOLLOUT);
	return ev;
}

/* run: every part runs as far as it can go; then the legs ask for what they wait for. */
static void run(struct jg_session *s)
{
	int progress;

	do {
		progress = 0;
		step(s, &progress);
		/* A packet of ours that did not fit would leave a client waiting for it: end instead. */
		if ((s->cout.err || s->bout.err) && s->phase != JG_PH_DEAD)
			jg_session_fail(s, "a packet of the gateway's did not fit its buffer");
	} while (progress && s->phase != JG_PH_DEAD);
	s->be_events = 0;
	if (s->phase == JG_PH_DEAD) {
		jg_worker_release(s->wk, &s->task);
		return;
	}
	if (s->cl.fd >= 0)
		jg_worker_mod(s->wk, &s->cl_ev, client_interest(s));
	if (s->be.fd >= 0)
		jg_worker_mod(s->wk, &s->be_ev, backend_interest(s));
}

static void on_client(struct jg_ev *ev, uint32_t events)
{
	struct jg_session *s = SESSION_OF(ev, cl_ev);

	if (s->phase == JG_PH_DEAD)
		return;                         /* ended earlier in this batch */
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->cl.rd_ready = 1;
	if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && s->phase != JG_PH_DRAIN) {
		/* The client is gone (MySQL clients never half-close): stop work done for it. */
		client_gone(s);
	}
	run(s);
}

static void on_backend(struct jg_ev *ev, uint32_t events)
{
	struct jg_session *s = SESSION_OF(ev, be_ev);

	if (s->phase == JG_PH_DEAD)
		return;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		s->be.rd_ready = 1;
	s->be_events = events;
	run(s);
}

/* ---- deadlines ---- */

static void deadline(struct jg_session *s, int64_t now_ms)
{
	switch (s->phase) {
	case JG_PH_CRED:
		jg_session_refuse(s, JG_ER_BACKEND_REFUSED, "jitgate timed out making a database user "
		                  "for role %s; try again later or ask the gateway operator",
		                  s->hello.user);
		break;
	case JG_PH_BACKEND:
	case JG_PH_SQLMODE:
	case JG_PH_KILL:
		if (s->lb.kill_id) {
			jg_log(JG_LOG_ERR, "kill of backend thread %u failed: timed out", s->lb.kill_id);
			jg_session_close(s);
			break;
		}
		jg_session_refuse(s, JG_ER_BACKEND_DOWN, "jitgate timed out logging in to the database "
		                  "at %s; try again later or ask the gateway operator",
		                  s->gw->cfg->backend_address);
		s->deadline_ms = now_ms + 2000;
		break;
	case JG_PH_COMMAND:
		if (!jg_resp_done(&s->resp))
			return;                 /* a long query is not idleness */
		jg_session_fail(s, "idle timeout");
		break;
	case JG_PH_GREETING:
	case JG_PH_AUTH:
		jg_session_fail(s, "handshake timeout");
		break;
	default:
		jg_session_close(s);
		break;
	}
}

static void on_tick(struct jg_task *t, int64_t now_ms)
{
	struct jg_session *s = SESSION_OF(t, task);

	if (s->phase == JG_PH_DEAD)
		return;
	if (s->phase >= JG_PH_CRED && s->phase <= JG_PH_COMMAND && !s->lb.kill_id) {
		key_check(s, now_ms);
		if (s->key_gone_ms || (s->expires_ms && now_ms >= s->expires_ms)) {
			expire(s, now_ms);
			run(s);
			return;
		}
	}
	if (!s->deadline_ms || now_ms < s->deadline_ms)
		return;
	deadline(s, now_ms);
	run(s);
}
