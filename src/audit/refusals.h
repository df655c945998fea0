/*
 * refusals.h: which refused logins get a record of their own.
 *
 * A client needs no token to be refused, and can be refused as fast as it can connect; if every
 * refusal were a record, the store would grow at the pace of the fastest client. So each client
 * address (an IPv4 address, or an IPv6 /64) may have per_min refusals a minute recorded, and all
 * addresses together 10 x per_min; a minute's worth may come at once, and the allowance comes
 * back evenly (a token bucket, kept as GCRA's theoretical arrival time). A refusal beyond the
 * allowance is counted instead: the count of an address, with the times of its first and last
 * refusal, becomes a "refusals" record (docs/audit.md) when the address gets a record again,
 * when jg_refusals_drain takes it (the gateway does every 10 seconds and when it stops), so that
 * every refusal is in the store, one by one or in a count.
 *
 * Memory: a fixed table of JG_REFUSALS_SLOTS addresses. A new address takes a free slot, or the
 * slot of an address whose allowance is whole again and that has no count; when none of the
 * slots it may take is such, it shares the slot "other" (its own allowance and count).
 *
 * Thread safety: a mutex inside; any worker may call jg_refusals_take.
 */
#ifndef JG_AUDIT_REFUSALS_H
#define JG_AUDIT_REFUSALS_H

#include <stdint.h>
#include <sys/socket.h>

#define JG_REFUSALS_SLOTS 1024

struct jg_refusals;

/* A count of refusals that got no record of their own. */
struct jg_refusal_count {
	char client[64];                 /* "192.0.2.7", "2001:db8:1:2::/64" or "other" */
	uint64_t n;
	int64_t first_us, last_us;       /* wall clock, microseconds (as records' time) */
};

/* jg_refusals_new: per_min (1 to 1,000,000) records a minute per address. NULL without memory. */
struct jg_refusals *jg_refusals_new(unsigned per_min);
void jg_refusals_free(struct jg_refusals *r);

/*
 * jg_refusals_take: a login from addr was refused; mono_us is a monotonic clock (the allowance),
 * wall_us the time a count shows. 1: record it; then, when refusals of addr were counted before,
 * *prior holds them (prior->n > 0; its record goes first) and the count starts again. 0: it was
 * counted (prior->n is 0).
 */
int jg_refusals_take(struct jg_refusals *r, const struct sockaddr_storage *addr, int64_t mono_us,
                     int64_t wall_us, struct jg_refusal_count *prior);

/* jg_refusals_drain: takes out up to cap counts (n > 0) into out; how many. */
size_t jg_refusals_drain(struct jg_refusals *r, struct jg_refusal_count *out, size_t cap);

struct jg_audit;

/* jg_refusals_record: c as a "refusals" record of the gateway (session 0). */
void jg_refusals_record(struct jg_audit *a, const struct jg_refusal_count *c);

/* jg_refusals_flush: every count drained and recorded. */
void jg_refusals_flush(struct jg_refusals *r, struct jg_audit *a);

#endif
