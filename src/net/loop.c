/* loop.c: epoll workers, listeners and coarse timers; see loop.h. */
#include "net/loop.h"

#include "proto/session.h"

#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define JG_EVENTS 128

struct jg_worker {
	struct jg_gateway *gw;
	int index;
	int epfd;
	int lfd;
	pthread_t thread;
	struct jg_ev listen_ev;
	struct jg_ev post_ev;
	int postfd;                      /* eventfd: posts are waiting */
	pthread_mutex_t post_mu;         /* guards posts */
	struct jg_post *posts;
	struct jg_session *sessions;     /* live sessions, for deadlines and shutdown */
	struct jg_session *dead;         /* ended this round: freed after the event batch */
	void *free_bufs;                 /* pool of JG_DIR_BUF buffers, linked through their start */
	unsigned nfree_bufs;
};

/* Buffers kept for reuse: enough for bursts, small next to the sessions themselves. */
#define JG_POOL_KEEP 256

uint8_t *jg_worker_buf_get(struct jg_worker *w)
{
	void *b = w->free_bufs;

	if (!b)
		return malloc(JG_DIR_BUF);
	memcpy(&w->free_bufs, b, sizeof(void *));
	w->nfree_bufs--;
	return b;
}

void jg_worker_buf_put(struct jg_worker *w, uint8_t *buf)
{
	if (w->nfree_bufs >= JG_POOL_KEEP) {
		free(buf);
		return;
	}
	memcpy(buf, &w->free_bufs, sizeof(void *));
	w->free_bufs = buf;
	w->nfree_bufs++;
}

int64_t jg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void jg_gateway_set_backend(struct jg_gateway *gw, const char *version, uint32_t caps,
                            uint8_t charset)
{
	pthread_mutex_lock(&gw->ver_mu);
	snprintf(gw->backend_version, sizeof(gw->backend_version), "%s", version);
	gw->backend_caps = caps;
	gw->backend_charset = charset;
	pthread_mutex_unlock(&gw->ver_mu);
}

static struct jg_ev *leg_ev(struct jg_session *s, int leg)
{
	return leg == JG_LEG_CLIENT ? &s->cl_ev : &s->be_ev;
}

int jg_worker_add(struct jg_worker *w, struct jg_session *s, int fd, int leg, uint32_t events)
{
	struct jg_ev *ev = leg_ev(s, leg);
	struct epoll_event e = { .events = events, .data.ptr = ev };

	if (leg == JG_LEG_CLIENT) {
		s->next = w->sessions;
		s->prev = NULL;
		if (w->sessions)
			w->sessions->prev = s;
		w->sessions = s;
	} else if (s->cl.fd < 0 && !s->prev && w->sessions != s) {
		/* a backend-only (killer) session joins the list with its first leg */
		s->next = w->sessions;
		if (w->sessions)
			w->sessions->prev = s;
		w->sessions = s;
	}
	ev->events = events;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		jg_log(JG_LOG_ERR, "epoll_ctl add: %s", strerror(errno));
		return JG_ERR_IO;
	}
	return JG_OK;
}

int jg_worker_mod(struct jg_worker *w, struct jg_session *s, int fd, int leg, uint32_t events)
{
	struct jg_ev *ev = leg_ev(s, leg);
	struct epoll_event e = { .events = events, .data.ptr = ev };

	if (ev->events == events)
		return JG_OK;
	ev->events = events;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, fd, &e) < 0)
		return JG_ERR_IO;
	return JG_OK;
}

void jg_worker_release(struct jg_worker *w, struct jg_session *s)
{
	if (s->cl_ev.leg < 0)
		return;                  /* already released */
	s->cl_ev.leg = -1;
	if (s->prev)
		s->prev->next = s->next;
	else if (w->sessions == s)
		w->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->prev = NULL;
	s->next = w->dead;
	w->dead = s;
}

static void free_dead(struct jg_worker *w)
{
	struct jg_session *s;

	while ((s = w->dead)) {
		w->dead = s->next;
		free(s);
	}
}

void jg_worker_post(struct jg_worker *w, struct jg_post *p)
{
	uint64_t one = 1;

	pthread_mutex_lock(&w->post_mu);
	p->next = w->posts;
	w->posts = p;
	pthread_mutex_unlock(&w->post_mu);
	if (write(w->postfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		jg_log(JG_LOG_ERR, "worker %d: cannot wake: %s", w->index, strerror(errno));
}

/* run_posts: in the order posted. */
static void run_posts(struct jg_worker *w)
{
	struct jg_post *list, *rev = NULL, *p;
	uint64_t n;

	if (read(w->postfd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		jg_log(JG_LOG_WARN, "worker %d: eventfd: %s", w->index, strerror(errno));
	pthread_mutex_lock(&w->post_mu);
	list = w->posts;
	w->posts = NULL;
	pthread_mutex_unlock(&w->post_mu);
	while ((p = list)) {
		list = p->next;
		p->next = rev;
		rev = p;
	}
	while ((p = rev)) {
		rev = p->next;
		p->fn(p);
	}
}

static void accept_all(struct jg_worker *w)
{
	int fd, one = 1;

	for (;;) {
		fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				jg_log(JG_LOG_WARN, "accept: %s", strerror(errno));
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		jg_session_accept(w->gw, w, fd);
	}
}

static void *worker_main(void *arg)
{
	struct jg_worker *w = arg;
	struct epoll_event evs[JG_EVENTS];
	int64_t next_tick = jg_now_ms() + JG_TICK_MS, now;
	struct jg_session *s, *nx;
	int n;

	while (!w->gw->stop) {
		n = epoll_wait(w->epfd, evs, JG_EVENTS, JG_TICK_MS);
		for (int i = 0; i < n; i++) {
			struct jg_ev *ev = evs[i].data.ptr;

			if (ev == &w->listen_ev) {
				accept_all(w);
				continue;
			}
			if (ev == &w->post_ev) {
				run_posts(w);
				continue;
			}
			if (ev->leg < 0 || ev->s->phase == JG_PH_DEAD)
				continue;        /* ended earlier in this batch */
			jg_session_event(ev->s, ev->leg, evs[i].events);
		}
		now = jg_now_ms();
		if (w->index == 0 && w->gw->reload && w->gw->reload_policy) {
			w->gw->reload = 0;
			w->gw->reload_policy(w->gw);
		}
		if (now >= next_tick) {
			for (s = w->sessions; s; s = nx) {
				nx = s->next;
				jg_session_tick(s, now);
			}
			next_tick = now + JG_TICK_MS;
		}
		free_dead(w);
	}
	for (s = w->sessions; s; s = nx) {
		nx = s->next;
		jg_session_close(s);
		jg_worker_release(w, s);
	}
	free_dead(w);
	while (w->free_bufs)
		free(jg_worker_buf_get(w));
	return NULL;
}

static int listen_socket(const struct jg_gateway *gw)
{
	int fd, one = 1;

	fd = socket(gw->listen_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&gw->listen_addr, gw->listen_addrlen) < 0 ||
	    listen(fd, 1024) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int jg_gateway_run(struct jg_gateway *gw, int nworkers)
{
	struct jg_worker *ws = calloc((size_t)nworkers, sizeof(*ws));
	int rc = JG_OK, started = 0;

	if (!ws)
		return JG_ERR_NOMEM;
	for (int i = 0; i < nworkers; i++) {
		struct jg_worker *w = &ws[i];
		struct epoll_event e = { .events = EPOLLIN };

		w->gw = gw;
		w->index = i;
		w->listen_ev.leg = JG_LEG_LISTEN;
		w->post_ev.leg = JG_LEG_LISTEN;
		pthread_mutex_init(&w->post_mu, NULL);
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		w->lfd = listen_socket(gw);
		w->postfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (w->epfd < 0 || w->lfd < 0 || w->postfd < 0) {
			jg_log(JG_LOG_ERR, "cannot listen on %s: %s", gw->cfg->listen_address,
			       strerror(errno));
			rc = JG_ERR_IO;
			break;
		}
		e.data.ptr = &w->listen_ev;
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->lfd, &e);
		e.data.ptr = &w->post_ev;
		epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->postfd, &e);
	}
	if (rc == JG_OK) {
		for (; started < nworkers; started++) {
			if (pthread_create(&ws[started].thread, NULL, worker_main, &ws[started]) != 0) {
				rc = JG_ERR_INTERNAL;
				gw->stop = 1;
				break;
			}
		}
		jg_log(JG_LOG_INFO, "listening on %s with %d worker%s", gw->cfg->listen_address,
		       nworkers, nworkers == 1 ? "" : "s");
	}
	for (int i = 0; i < started; i++)
		pthread_join(ws[i].thread, NULL);
	for (int i = 0; i < nworkers; i++) {
		if (ws[i].lfd > 0)
			close(ws[i].lfd);
		if (ws[i].epfd > 0)
			close(ws[i].epfd);
		if (ws[i].postfd > 0)
			close(ws[i].postfd);
		pthread_mutex_destroy(&ws[i].post_mu);
	}
	free(ws);
	return rc;
}
