/* refusals.c: the allowance of recorded refused logins per client address; see refusals.h. */
#include "audit/refusals.h"

#include "audit/audit.h"
#include "audit/jw.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBES 8                         /* slots an address may take, from its hash on */
#define MINUTE_US 60000000

struct slot {
	uint8_t key[16];                 /* IPv4 as ::ffff:a.b.c.d, IPv6 cut to its /64 */
	uint8_t used;
	int64_t tat;                     /* GCRA: when the allowance is whole again */
	struct jg_refusal_count c;
};

struct jg_refusals {
	pthread_mutex_t mu;
	int64_t t_addr, t_all;           /* allowance per record: an address's, everyone's */
	int64_t tat_all;
	struct slot other;
	struct slot slots[JG_REFUSALS_SLOTS];
};

struct jg_refusals *jg_refusals_new(unsigned per_min)
{
	struct jg_refusals *r;

	if (per_min < 1 || per_min > 1000000 || !(r = calloc(1, sizeof(*r))))
		return NULL;
	pthread_mutex_init(&r->mu, NULL);
	r->t_addr = MINUTE_US / per_min;
	r->t_all = r->t_addr / 10 ? r->t_addr / 10 : 1;
	r->other.used = 1;
	snprintf(r->other.c.client, sizeof(r->other.c.client), "other");
	return r;
}

void jg_refusals_free(struct jg_refusals *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* key: the address as the table knows it, and its text for a count. */
static void key(const struct sockaddr_storage *a, uint8_t k[16], char *text, size_t cap)
{
	char host[INET6_ADDRSTRLEN] = "?";

	memset(k, 0, 16);
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)a;

		k[10] = k[11] = 0xff;
		memcpy(k + 12, &v4->sin_addr, 4);
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof(host));
		snprintf(text, cap, "%s", host);
	} else if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)a;
		struct in6_addr net = { 0 };

		if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {      /* an IPv4 client of a v6 socket */
			memcpy(k, &v6->sin6_addr, 16);
			inet_ntop(AF_INET, k + 12, host, sizeof(host));
			snprintf(text, cap, "%s", host);
			return;
		}
		memcpy(k, &v6->sin6_addr, 8);
		memcpy(&net, k, 8);
		inet_ntop(AF_INET6, &net, host, sizeof(host));
		snprintf(text, cap, "%s/64", host);
	} else {
		snprintf(text, cap, "other");
	}
}

static unsigned hash(const uint8_t k[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

/* find: the slot of k; a new one when k has none (NULL when it must share "other"). */
static struct slot *find(struct jg_refusals *r, const uint8_t k[16], int64_t now)
{
	unsigned h = hash(k);
	struct slot *free_slot = NULL;

	for (unsigned i = 0; i < PROBES; i++) {
		struct slot *s = &r->slots[(h + i) % JG_REFUSALS_SLOTS];

		if (s->used && memcmp(s->key, k, 16) == 0)
			return s;
		if (!free_slot && (!s->used || (s->tat <= now && s->c.n == 0)))
			free_slot = s;
	}
	if (free_slot) {
		memset(free_slot, 0, sizeof(*free_slot));
		memcpy(free_slot->key, k, 16);
		free_slot->used = 1;
	}
	return free_slot;
}

/* gcra: whether tat allows one more at now, t apart, a minute's worth at once. */
static int gcra(int64_t tat, int64_t now, int64_t t)
{
	return tat - now <= MINUTE_US - t;
}

int jg_refusals_take(struct jg_refusals *r, const struct sockaddr_storage *addr, int64_t mono_us,
                     int64_t wall_us, struct jg_refusal_count *prior)
{
	uint8_t k[16];
	char text[sizeof(prior->client)];
	struct slot *s;
	int ok;

	memset(prior, 0, sizeof(*prior));
	key(addr, k, text, sizeof(text));
	pthread_mutex_lock(&r->mu);
	if (!(s = find(r, k, mono_us)))
		s = &r->other;
	else if (!s->c.client[0])
		snprintf(s->c.client, sizeof(s->c.client), "%s", text);
	ok = gcra(s->tat, mono_us, r->t_addr) && gcra(r->tat_all, mono_us, r->t_all);
	if (ok) {
		s->tat = (s->tat > mono_us ? s->tat : mono_us) + r->t_addr;
		r->tat_all = (r->tat_all > mono_us ? r->tat_all : mono_us) + r->t_all;
		if (s->c.n) {
			*prior = s->c;
			s->c.n = 0;
		}
	} else {
		if (!s->c.n++)
			s->c.first_us = wall_us;
		s->c.last_us = wall_us;
	}
	pthread_mutex_unlock(&r->mu);
	return ok;
}

size_t jg_refusals_drain(struct jg_refusals *r, struct jg_refusal_count *out, size_t cap)
{
	size_t n = 0;

	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i <= JG_REFUSALS_SLOTS && n < cap; i++) {
		struct slot *s = i < JG_REFUSALS_SLOTS ? &r->slots[i] : &r->other;

		if (s->used && s->c.n) {
			out[n++] = s->c;
			s->c.n = 0;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return n;
}

void jg_refusals_record(struct jg_audit *a, const struct jg_refusal_count *c)
{
	struct jg_jw w;
	const char *body;
	size_t len;

	jg_jw_init(&w);
	jg_jw_obj(&w, NULL);
	jg_jw_str(&w, "client", c->client);
	jg_jw_uint(&w, "count", c->n);
	jg_jw_int(&w, "first", c->first_us);
	jg_jw_int(&w, "last", c->last_us);
	jg_jw_end(&w, '}');
	if ((body = jg_jw_done(&w, &len)))
		jg_audit_put(a, JG_AUDIT_K_REFUSALS, 0, c->last_us, body, len, NULL);
	jg_jw_free(&w);
}

void jg_refusals_flush(struct jg_refusals *r, struct jg_audit *a)
{
	struct jg_refusal_count c[16];
	size_t n;

	do {
		n = jg_refusals_drain(r, c, 16);
		for (size_t i = 0; i < n; i++)
			jg_refusals_record(a, &c[i]);
	} while (n == 16);
}
