/* test_refusals.c: the allowance of recorded refused logins (audit/refusals.h), on a clock the
 * test moves: per address, for everyone, IPv6 by /64, and the shared slot "other". */
#include "audit/refusals.h"
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

static struct sockaddr_storage v4(const char *ip)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin_family = AF_INET;
	a->sin_port = htons(40000);
	inet_pton(AF_INET, ip, &a->sin_addr);
	return ss;
}

static struct sockaddr_storage v6(const char *ip)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	a->sin6_family = AF_INET6;
	inet_pton(AF_INET6, ip, &a->sin6_addr);
	return ss;
}

#define SEC 1000000LL

/* 60 a minute: a minute's worth at once, then one a second; the count comes with the next. */
JG_TEST(refusals_per_address)
{
	struct jg_refusals *r = jg_refusals_new(60);
	struct sockaddr_storage a = v4("192.0.2.7"), b = v4("192.0.2.8");
	struct jg_refusal_count c, out[4];
	int64_t t = 1000 * SEC;
	int ok = 0;

	CHECK(r != NULL);
	for (int i = 0; i < 60; i++)
		ok += jg_refusals_take(r, &a, t, 5 * SEC, &c);
	CHECK_EQ_INT(ok, 60);
	CHECK_EQ_INT(c.n, 0);
	CHECK_EQ_INT(jg_refusals_take(r, &a, t, 6 * SEC, &c), 0);
	CHECK_EQ_INT(jg_refusals_take(r, &a, t + SEC / 2, 7 * SEC, &c), 0);
	CHECK_EQ_INT(jg_refusals_take(r, &b, t, 8 * SEC, &c), 1);     /* another address */
	CHECK_EQ_INT(jg_refusals_take(r, &a, t + SEC, 9 * SEC, &c), 1);  /* one a second */
	CHECK_EQ_INT(c.n, 2);
	CHECK_EQ_STR(c.client, "192.0.2.7");
	CHECK_EQ_INT(c.first_us, 6 * SEC);
	CHECK_EQ_INT(c.last_us, 7 * SEC);
	CHECK_EQ_INT(jg_refusals_take(r, &a, t + SEC, 10 * SEC, &c), 0);
	CHECK_EQ_INT(jg_refusals_drain(r, out, 4), 1);                    /* the flush takes it */
	CHECK(out[0].n == 1 && out[0].first_us == 10 * SEC);
	CHECK_EQ_INT(jg_refusals_drain(r, out, 4), 0);                    /* once */
	CHECK_EQ_INT(jg_refusals_take(r, &a, t + 61 * SEC, 11 * SEC, &c), 1);
	CHECK_EQ_INT(c.n, 0);
	jg_refusals_free(r);
}

/* Everyone together: 10 x per_min. IPv6 addresses of one /64 share an allowance. */
JG_TEST(refusals_for_everyone_and_ipv6_by_64)
{
	struct jg_refusals *r = jg_refusals_new(6);
	struct jg_refusal_count c, out[32];
	int64_t t = 50 * SEC;
	int ok = 0;
	size_t n;
	uint64_t counted = 0;

	for (int i = 0; i < 11; i++) {
		char ip[32];
		struct sockaddr_storage a;

		snprintf(ip, sizeof(ip), "198.51.100.%d", i + 1);
		a = v4(ip);
		for (int k = 0; k < 6; k++)
			ok += jg_refusals_take(r, &a, t, t, &c);
	}
	CHECK_EQ_INT(ok, 60);                        /* 66 refusals: 60 recorded, 6 counted */
	n = jg_refusals_drain(r, out, 32);
	for (size_t i = 0; i < n; i++)
		counted += out[i].n;
	CHECK_EQ_INT(counted, 6);
	jg_refusals_free(r);

	r = jg_refusals_new(2);
	{
		struct sockaddr_storage x = v6("2001:db8:1:2::10"), y = v6("2001:db8:1:2:ffff::1"),
		                        z = v6("2001:db8:1:3::1");

		CHECK_EQ_INT(jg_refusals_take(r, &x, t, t, &c), 1);
		CHECK_EQ_INT(jg_refusals_take(r, &y, t, t, &c), 1);
		CHECK_EQ_INT(jg_refusals_take(r, &y, t, t, &c), 0);      /* the /64's third */
		CHECK_EQ_INT(jg_refusals_take(r, &z, t, t, &c), 1);      /* another /64 */
		CHECK_EQ_INT(jg_refusals_drain(r, out, 32), 1);
		CHECK_EQ_STR(out[0].client, "2001:db8:1:2::/64");
	}
	jg_refusals_free(r);
	CHECK(jg_refusals_new(0) == NULL);
}

/* Many addresses at once fill the table: the rest share "other"; every refusal is recorded or
 * counted. */
JG_TEST(refusals_table_full_shares_other)
{
	struct jg_refusals *r = jg_refusals_new(1000);
	struct jg_refusal_count c, out[64];
	int64_t t = 7 * SEC;
	uint64_t recorded = 0, counted = 0;
	int other = 0;
	size_t n;

	for (int i = 0; i < 5000; i++) {
		char ip[32];
		struct sockaddr_storage a;

		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
		a = v4(ip);
		recorded += (uint64_t)jg_refusals_take(r, &a, t, t, &c);
		counted += c.n;                      /* earlier refusals, counted */
	}
	while ((n = jg_refusals_drain(r, out, 64)) > 0)
		for (size_t i = 0; i < n; i++) {
			counted += out[i].n;
			other |= strcmp(out[i].client, "other") == 0;
		}
	CHECK(other);
	CHECK(recorded >= JG_REFUSALS_SLOTS);
	CHECK_EQ_INT(recorded + counted, 5000);
	jg_refusals_free(r);
}
