/* loop.c: epoll workers, listeners, tasks and posts; see loop.h. */
#include "net/loop.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define JG_EVENTS 128

struct jg_worker {
	const struct jg_loop_conf *conf;
	int index;
	int epfd;
	pthread_t thread;
	struct jg_ev listen_ev;          /* the listening socket */
	struct jg_ev post_ev;            /* eventfd: posts are waiting */
	pthread_mutex_t post_mu;         /* guards posts */
	struct jg_post *posts;
	struct jg_task *tasks;           /* live tasks, for ticks and shutdown */
	struct jg_task *dead;            /* released this round: freed after the event batch */
	void *free_bufs;                 /* pool of buf_size buffers, linked through their start */
	unsigned nfree_bufs;
};

/* Buffers kept for reuse: enough for bursts, small next to what holds them. */
#define JG_POOL_KEEP 256

#define WORKER_OF(ev, member) ((struct jg_worker *)((char *)(ev) - offsetof(struct jg_worker, member)))

uint8_t *jg_worker_buf_get(struct jg_worker *w)
{
	void *b = w->free_bufs;

	if (!b)
		return malloc(w->conf->buf_size);
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

int jg_worker_index(const struct jg_worker *w)
{
	return w->index;
}

int jg_worker_add(struct jg_worker *w, struct jg_ev *ev, int fd, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	ev->fd = fd;
	ev->events = events;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
		jg_log(JG_LOG_ERR, "epoll_ctl add: %s", strerror(errno));
		return JG_ERR_IO;
	}
	return JG_OK;
}

int jg_worker_mod(struct jg_worker *w, struct jg_ev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	if (ev->events == events || ev->fd < 0)
		return JG_OK;
	ev->events = events;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, ev->fd, &e) < 0)
		return JG_ERR_IO;
	return JG_OK;
}

void jg_worker_task_add(struct jg_worker *w, struct jg_task *t)
{
	t->released = 0;
	t->prev = NULL;
	t->next = w->tasks;
	if (w->tasks)
		w->tasks->prev = t;
	w->tasks = t;
}

void jg_worker_release(struct jg_worker *w, struct jg_task *t)
{
	if (t->released)
		return;
	t->released = 1;
	if (t->prev)
		t->prev->next = t->next;
	else if (w->tasks == t)
		w->tasks = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = NULL;
	t->next = w->dead;
	w->dead = t;
}

static void free_dead(struct jg_worker *w)
{
	struct jg_task *t;

	while ((t = w->dead)) {
		w->dead = t->next;
		t->free(t);
	}
}

void jg_worker_post(struct jg_worker *w, struct jg_post *p)
{
	uint64_t one = 1;
	int first;

	pthread_mutex_lock(&w->post_mu);
	first = !w->posts;
	p->next = w->posts;
	w->posts = p;
	pthread_mutex_unlock(&w->post_mu);
	/* One wake-up for a list: run_posts reads the eventfd before it takes the list, so a post
	 * that finds the list not empty is taken with it. */
	if (first && write(w->post_ev.fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		jg_log(JG_LOG_ERR, "worker %d: cannot wake: %s", w->index, strerror(errno));
}

/* run_posts: the post event source's callback; runs posts in the order posted. */
static void run_posts(struct jg_ev *ev, uint32_t events)
{
	struct jg_worker *w = WORKER_OF(ev, post_ev);
	struct jg_post *list, *rev = NULL, *p;
	uint64_t n;

	if (read(ev->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
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

/* accept_all: the listening socket's callback. */
static void accept_all(struct jg_ev *ev, uint32_t events)
{
	struct jg_worker *w = WORKER_OF(ev, listen_ev);
	int fd, one = 1;

	for (;;) {
		fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				jg_log(JG_LOG_WARN, "accept: %s", strerror(errno));
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		w->conf->accept(w->conf->arg, w, fd);
	}
}

static void *worker_main(void *arg)
{
	struct jg_worker *w = arg;
	struct epoll_event evs[JG_EVENTS];
	int64_t next_tick = jg_now_ms() + JG_TICK_MS, now;
	struct jg_task *t, *nx;
	int n;

	while (!*w->conf->stop) {
		n = epoll_wait(w->epfd, evs, JG_EVENTS, JG_TICK_MS);
		for (int i = 0; i < n; i++) {
			struct jg_ev *ev = evs[i].data.ptr;

			ev->io(ev, evs[i].events);
		}
		if (w->conf->round)
			w->conf->round(w->conf->arg, w);
		now = jg_now_ms();
		if (now >= next_tick) {
			for (t = w->tasks; t; t = nx) {
				nx = t->next;
				t->tick(t, now);
			}
			next_tick = now + JG_TICK_MS;
		}
		free_dead(w);
	}
	while ((t = w->tasks)) {
		t->stop(t);
		jg_worker_release(w, t);     /* a no-op when stop released it already */
	}
	free_dead(w);
	while (w->free_bufs)
		free(jg_worker_buf_get(w));
	return NULL;
}

static int listen_socket(const struct jg_loop_conf *conf)
{
	int fd, one = 1;

	fd = socket(conf->listen_addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, conf->listen_addr, conf->listen_addrlen) < 0 || listen(fd, 1024) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* worker_open: the worker's epoll set with its listening socket and its post eventfd. */
static int worker_open(struct jg_worker *w)
{
	int lfd, pfd;

	w->listen_ev = (struct jg_ev){ .io = accept_all, .fd = -1 };
	w->post_ev = (struct jg_ev){ .io = run_posts, .fd = -1 };
	pthread_mutex_init(&w->post_mu, NULL);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	lfd = listen_socket(w->conf);
	pfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->epfd < 0 || lfd < 0 || pfd < 0) {
		jg_log(JG_LOG_ERR, "cannot listen on %s: %s", w->conf->listen_name, strerror(errno));
		if (lfd >= 0)
			close(lfd);
		if (pfd >= 0)
			close(pfd);
		return JG_ERR_IO;
	}
	if (jg_worker_add(w, &w->listen_ev, lfd, EPOLLIN) != JG_OK ||
	    jg_worker_add(w, &w->post_ev, pfd, EPOLLIN) != JG_OK) {
		close(lfd);
		close(pfd);
		w->listen_ev.fd = w->post_ev.fd = -1;
		return JG_ERR_IO;
	}
	return JG_OK;
}

static void worker_close(struct jg_worker *w)
{
	if (w->listen_ev.fd >= 0)
		close(w->listen_ev.fd);
	if (w->post_ev.fd >= 0)
		close(w->post_ev.fd);
	if (w->epfd >= 0)
		close(w->epfd);
	pthread_mutex_destroy(&w->post_mu);
}

int jg_loop_run(const struct jg_loop_conf *conf)
{
	int nworkers = conf->workers, rc = JG_OK, started = 0, opened = 0;
	struct jg_worker *ws = calloc((size_t)nworkers, sizeof(*ws));

	if (!ws)
		return JG_ERR_NOMEM;
	for (; opened < nworkers; opened++) {
		ws[opened].conf = conf;
		ws[opened].index = opened;
		if ((rc = worker_open(&ws[opened])) != JG_OK) {
			worker_close(&ws[opened]);
			break;
		}
	}
	if (rc == JG_OK) {
		for (; started < nworkers; started++) {
			char name[16];

			if (pthread_create(&ws[started].thread, NULL, worker_main, &ws[started]) != 0) {
				rc = JG_ERR_INTERNAL;
				*conf->stop = 1;
				break;
			}
			snprintf(name, sizeof(name), "jg-worker-%d", started);
			pthread_setname_np(ws[started].thread, name);
		}
		jg_log(JG_LOG_INFO, "listening on %s with %d worker%s", conf->listen_name, nworkers,
		       nworkers == 1 ? "" : "s");
	}
	for (int i = 0; i < started; i++)
		pthread_join(ws[i].thread, NULL);
	if (conf->stopped)
		conf->stopped(conf->arg);
	for (int i = 0; i < opened; i++)
		worker_close(&ws[i]);
	free(ws);
	return rc;
}
