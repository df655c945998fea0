/*
 * loop.h: the gateway's threads. One epoll worker per core (configurable); each worker owns a
 * SO_REUSEPORT listening socket, so the kernel spreads connections and whatever a connection
 * starts stays on the worker that accepted it. Timers are coarse: each worker ticks its tasks
 * every JG_TICK_MS.
 *
 * The loop knows nothing of sessions or of the MySQL protocol. What it runs is handed to it:
 *   - an event source (struct jg_ev) is a file descriptor with its own callback, as HAProxy's
 *     per-fd I/O callback: the loop calls ev->io with the readiness it saw;
 *   - a task (struct jg_task) is something with a deadline to watch and an end at shutdown:
 *     the loop calls task->tick every JG_TICK_MS, task->stop when the gateway stops, and
 *     task->free after the event batch in which the task was released (so that a callback
 *     later in the same batch never meets freed memory);
 *   - a post (struct jg_post, jg.h) is work another thread hands to this worker.
 * A new kind of event source (an admin listener, approval notifications) is a new struct with
 * an io callback; this file does not change.
 *
 * Ownership: the caller owns every jg_ev and jg_task it registers and keeps it alive until its
 * free callback ran (a task) or it is closed (an event source: closing the fd removes it).
 */
#ifndef JG_NET_LOOP_H
#define JG_NET_LOOP_H

#include "jg.h"

#include <signal.h>
#include <sys/socket.h>

#define JG_TICK_MS 250

struct jg_worker;

struct jg_ev {
	void (*io)(struct jg_ev *ev, uint32_t events);
	uint32_t events;                /* currently registered (EPOLL* bits) */
	int fd;                         /* -1 while not registered */
};

struct jg_task {
	struct jg_task *prev, *next;    /* the worker's list */
	void (*tick)(struct jg_task *t, int64_t now_ms);
	void (*stop)(struct jg_task *t);
	void (*free)(struct jg_task *t);
	uint8_t released;
};

/* What the loop needs to run: where to listen, when to stop, what to do with a connection. */
struct jg_loop_conf {
	const struct sockaddr *listen_addr;
	socklen_t listen_addrlen;
	const char *listen_name;        /* for messages */
	int workers;
	volatile sig_atomic_t *stop;    /* set (by a signal handler) to end the loop */
	size_t buf_size;                /* the size of the buffers jg_worker_buf_get lends */
	/* accept: a new connection on worker w (fd non-blocking, TCP_NODELAY); the callee owns fd */
	void (*accept)(void *arg, struct jg_worker *w, int fd);
	/* round: after every batch of events, on each worker (e.g. a policy reload on worker 0) */
	void (*round)(void *arg, struct jg_worker *w);
	/* stopped: every worker ended; called before their memory is freed (may be NULL) */
	void (*stopped)(void *arg);
	void *arg;
};

/* jg_loop_run: starts the workers; returns when *conf->stop is set and they have ended. */
int jg_loop_run(const struct jg_loop_conf *conf);

/* Used on the worker's own thread. jg_worker_add registers fd with ev->io as its callback. */
int jg_worker_add(struct jg_worker *w, struct jg_ev *ev, int fd, uint32_t events);
int jg_worker_mod(struct jg_worker *w, struct jg_ev *ev, uint32_t events);
void jg_worker_task_add(struct jg_worker *w, struct jg_task *t);
void jg_worker_release(struct jg_worker *w, struct jg_task *t);
int jg_worker_index(const struct jg_worker *w);

/* jg_worker_post: thread-safe; wakes the worker, which runs p->fn in its loop. */
void jg_worker_post(struct jg_worker *w, struct jg_post *p);

/* Buffers of conf->buf_size bytes lent to connections; NULL when memory is out. */
uint8_t *jg_worker_buf_get(struct jg_worker *w);
void jg_worker_buf_put(struct jg_worker *w, uint8_t *buf);

/* jg_now_ms: the monotonic clock, in milliseconds. */
int64_t jg_now_ms(void);

#endif
