/*
 * credtext.c: passwords, user and role names, quoting; see credtext.h for the API and the
 * contracts, verify/REPORT.md for what is proved.
 *
 * Every function decides first whether it can succeed and only then writes, so a failure leaves
 * nothing behind but out[0] = NUL. Loops that the proof of a later loop depends on (counting the
 * accepted random bytes, measuring the quoted length) carry that fact in their invariants: the
 * provers do not do induction, so the loops do it for them.
 */
#include "cred/credtext.h"

static const char ALPHABET[JG_CRED_ALPHABET_LEN] = {
	'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M',
	'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z',
	'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm',
	'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z',
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
};

/* alpha_char: a function of its own, so that the provers see ALPHABET's initializer without the
 * password loop's context (inside it, they time out on the 62 cases). */
/*@ requires v < JG_CRED_ALPHABET_LEN;
    assigns \nothing;
    ensures \result == jg_cred_alpha(v);
    ensures jg_cred_alnum(\result);
*/
static char alpha_char(unsigned v)
{
	return ALPHABET[v];
}

/* see credtext.h */
long jg_cred_password(char *out, size_t len, const uint8_t *rnd, size_t nrnd)
{
	size_t i, k;

	/* Count first: on failure not a single password character is written. */
	k = 0;
	/*@ loop invariant 0 <= i <= nrnd;
	    loop invariant k == jg_cred_accepted{Pre}(rnd, i);
	    loop invariant k <= i;
	    loop assigns i, k;
	    loop variant nrnd - i;
	*/
	for (i = 0; i < nrnd; i++)
		if (rnd[i] < JG_CRED_ACCEPT_BELOW)
			k++;
	if (k < len) {
		out[0] = 0;
		return -1;
	}
	k = 0;
	/*@ loop invariant 0 <= i <= nrnd;
	    loop invariant 0 <= k <= len;
	    loop invariant k <= i;
	    loop invariant k == jg_cred_accepted{Pre}(rnd, i);
	    loop invariant k == len && i > 0 ==> rnd[i - 1] < JG_CRED_ACCEPT_BELOW;
	    loop invariant len == 0 ==> i == 0;
	    // every character written so far has its accepted byte among rnd[0..i) ...
	    loop invariant \forall integer m; 0 <= m < k ==>
	      0 <= jg_cred_nth{Pre}(rnd, m, i) < i &&
	      rnd[jg_cred_nth{Pre}(rnd, m, i)] < JG_CRED_ACCEPT_BELOW &&
	      jg_cred_accepted{Pre}(rnd, jg_cred_nth{Pre}(rnd, m, i)) == m;
	    // ... and each accepted byte of rnd[0..i) gave the character at its rank
	    loop invariant \forall integer j; 0 <= j < i && \at(rnd[j], Pre) < JG_CRED_ACCEPT_BELOW ==>
	      jg_cred_accepted{Pre}(rnd, j) < k &&
	      jg_cred_pw_char{Here, Pre}(out, rnd, jg_cred_accepted{Pre}(rnd, j), j);
	    loop invariant \forall integer m; 0 <= m < k ==> jg_cred_alnum(out[m]);
	    loop assigns i, k, out[0 .. len - 1];
	    loop variant nrnd - i;
	*/
	for (i = 0; k < len && i < nrnd; i++) {
		uint8_t b = rnd[i];

		if (b < JG_CRED_ACCEPT_BELOW) {
			out[k] = alpha_char(b % JG_CRED_ALPHABET_LEN);
			/*@ assert jg_cred_pw_char{Here, Pre}(out, rnd, k, i); */
			k++;
		}
	}
	/*@ assert k == len; */
	out[len] = 0;
	return (long)i;
}

/* see credtext.h */
int jg_cred_instance_ok(const char *inst, size_t n)
{
	size_t i;

	if (n < 1 || n > JG_CRED_INSTANCE_MAX)
		return 0;
	/*@ loop invariant 0 <= i <= n;
	    loop invariant \forall integer k; 0 <= k < i ==> jg_cred_inst_char(inst[k]);
	    loop assigns i;
	    loop variant n - i;
	*/
	for (i = 0; i < n; i++) {
		char c = inst[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

/*@ requires v < 16;
    assigns \nothing;
    ensures \result == jg_cred_hex(v);
    ensures jg_cred_name_char(\result);
*/
static char hex_digit(unsigned v)
{
	return (char)(v < 10 ? '0' + v : 'a' + (v - 10));
}

/* put_hex: the 2 * nb hex digits of b[0..nb) at out[0..2nb), high nibble first. */
/*@ requires nb <= 8;
    requires \valid(out + (0 .. 2 * nb - 1));
    requires \valid_read(b + (0 .. nb - 1));
    assigns out[0 .. 2 * nb - 1];
    ensures jg_cred_hex_at(out, 0, b, nb);
    ensures \forall integer k; 0 <= k < 2 * nb ==> jg_cred_name_char(out[k]);
*/
static void put_hex(char *out, const uint8_t *b, size_t nb)
{
	size_t j;

	/*@ loop invariant 0 <= j <= nb;
	    loop invariant jg_cred_hex_at(out, 0, b, j);
	    loop invariant \forall integer k; 0 <= k < 2 * j ==> jg_cred_name_char(out[k]);
	    loop assigns j, out[0 .. 2 * nb - 1];
	    loop variant nb - j;
	*/
	for (j = 0; j < nb; j++) {
		out[2 * j] = hex_digit(b[j] >> 4);
		out[2 * j + 1] = hex_digit(b[j] & 15u);
	}
}

/* put_inst: prefix (3 or 4 bytes, "jg_" or "jgr_"), the instance and '_' at out; the instance is
 * valid, so every byte is a name character. */
/*@ requires plen == 3 || plen == 4;
    requires jg_cred_inst_valid(inst, n);
    requires \valid(out + (0 .. plen + n));
    requires \valid_read(inst + (0 .. n - 1));
    requires \separated(out + (0 .. plen + n), inst + (0 .. n - 1));
    assigns out[0 .. plen + n];
    ensures out[0] == 'j' && out[1] == 'g';
    ensures plen == 3 ==> out[2] == '_';
    ensures plen == 4 ==> out[2] == 'r' && out[3] == '_';
    ensures \forall integer i; 0 <= i < n ==> out[plen + i] == inst[i];
    ensures out[plen + n] == '_';
    ensures \forall integer k; 0 <= k <= plen + n ==> jg_cred_name_char(out[k]);
*/
static void put_inst(char *out, size_t plen, const char *inst, size_t n)
{
	size_t i;

	out[0] = 'j';
	out[1] = 'g';
	if (plen == 4)
		out[2] = 'r';
	out[plen - 1] = '_';
	/*@ loop invariant 0 <= i <= n;
	    loop invariant out[0] == 'j' && out[1] == 'g';
	    loop invariant plen == 3 ==> out[2] == '_';
	    loop invariant plen == 4 ==> out[2] == 'r' && out[3] == '_';
	    loop invariant \forall integer k; 0 <= k < i ==> out[plen + k] == inst[k];
	    loop invariant \forall integer k; 0 <= k < plen + i ==> jg_cred_name_char(out[k]);
	    loop assigns i, out[plen .. plen + n - 1];
	    loop variant n - i;
	*/
	for (i = 0; i < n; i++)
		out[plen + i] = inst[i];
	out[plen + n] = '_';
}

/* see credtext.h */
long jg_cred_user_name(char *out, size_t cap, const char *inst, size_t instlen,
                       const uint8_t id[JG_CRED_ID_BYTES])
{
	size_t o;

	if (!jg_cred_instance_ok(inst, instlen) || cap < 5 + instlen + 2 * JG_CRED_ID_BYTES) {
		if (cap > 0)
			out[0] = 0;
		return -1;
	}
	put_inst(out, 3, inst, instlen);
	o = 4 + instlen;
	put_hex(out + o, id, JG_CRED_ID_BYTES);
	o += 2 * JG_CRED_ID_BYTES;
	out[o] = 0;
	return (long)o;
}

/*@ assigns \nothing;
    ensures \result == jg_cred_role_char(c);
    ensures jg_cred_name_char(\result);
*/
static char role_char(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return c;
	if (c >= 'A' && c <= 'Z')
		return (char)(c + ('a' - 'A'));
	return '_';
}

/* see credtext.h */
long jg_cred_role_name(char *out, size_t cap, const char *inst, size_t instlen,
                       const char *role, size_t rolelen, const uint8_t h[JG_CRED_HASH_BYTES])
{
	size_t m = rolelen < JG_CRED_ROLE_PART_MAX ? rolelen : JG_CRED_ROLE_PART_MAX;
	size_t o, i;

	if (!jg_cred_instance_ok(inst, instlen) || rolelen == 0 ||
	    cap < 7 + instlen + m + 2 * JG_CRED_HASH_BYTES) {
		if (cap > 0)
			out[0] = 0;
		return -1;
	}
	put_inst(out, 4, inst, instlen);
	o = 5 + instlen;
	/*@ loop invariant 0 <= i <= m;
	    loop invariant \forall integer k; 0 <= k < i ==>
	      out[5 + instlen + k] == jg_cred_role_char(role[k]);
	    loop invariant \forall integer k; 0 <= k < 5 + instlen + i ==> jg_cred_name_char(out[k]);
	    loop assigns i, out[5 + instlen .. 5 + instlen + m - 1];
	    loop variant m - i;
	*/
	for (i = 0; i < m; i++)
		out[o + i] = role_char(role[i]);
	o += m;
	out[o++] = '_';
	put_hex(out + o, h, JG_CRED_HASH_BYTES);
	o += 2 * JG_CRED_HASH_BYTES;
	out[o] = 0;
	return (long)o;
}

/*
 * quote: s[0..n) between two q into out, q doubled; with wild, '_' and '%' after '\'. Refuses NUL
 * and, with nobs, '\'. The first pass checks and measures (saturating above cap, so that no
 * length can wrap) and proves, for the second, that the quoted length only grows with the
 * input; the second pass writes.
 */
/*@ requires \valid(out + (0 .. cap - 1));
    requires \valid_read(s + (0 .. n - 1));
    requires \separated(out + (0 .. cap - 1), s + (0 .. n - 1));
    requires cap <= LONG_MAX;
    requires q == '`' || q == '\'';
    requires wild == 0 || wild == 1;
    requires nobs == 0 || nobs == 1;
    requires wild != 0 ==> nobs != 0;
    assigns out[0 .. cap - 1];

    behavior refused:
      assumes !jg_cred_q_ok(s, n, nobs);
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior too_small:
      assumes jg_cred_q_ok(s, n, nobs);
      assumes cap < 3 + jg_cred_q_len(s, n, q, wild);
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior quoted:
      assumes jg_cred_q_ok(s, n, nobs);
      assumes cap >= 3 + jg_cred_q_len(s, n, q, wild);
      ensures \result == 2 + jg_cred_q_len{Pre}(s, n, q, wild);
      ensures jg_cred_q_decodes{Post, Pre}(out, s, n, q, wild);
      ensures jg_cred_q_covered{Post, Pre}(out, s, n, q, wild);

    complete behaviors;
    disjoint behaviors;
*/
static long quote(char *out, size_t cap, const char *s, size_t n, char q, unsigned wild,
                  unsigned nobs)
{
	size_t i, len = 0, o;

	/*@ loop invariant 0 <= i <= n;
	    loop invariant jg_cred_q_ok(s, i, nobs);
	    loop invariant len <= cap + 2;
	    loop invariant len == jg_cred_q_len{Pre}(s, i, q, wild) ||
	                   (cap < len && cap < jg_cred_q_len{Pre}(s, i, q, wild));
	    loop invariant \forall integer j; 0 <= j <= i ==>
	      jg_cred_q_len{Pre}(s, j, q, wild) <= jg_cred_q_len{Pre}(s, i, q, wild);
	    loop assigns i, len;
	    loop variant n - i;
	*/
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == 0 || (nobs && c == '\\'))
			goto fail;
		if (len <= cap)
			len += (c == q || (wild && (c == '_' || c == '%'))) ? 2 : 1;
	}
	if (len > cap || cap - len < 3)
		goto fail;
	/*@ assert len == jg_cred_q_len{Pre}(s, n, q, wild); */

	out[0] = q;
	o = 1;
	/*@ loop invariant 0 <= i <= n;
	    loop invariant o == 1 + jg_cred_q_len{Pre}(s, i, q, wild);
	    loop invariant \forall integer j; 0 <= j <= n ==>
	      jg_cred_q_len{Pre}(s, j, q, wild) <= len;
	    loop invariant \forall integer j; 0 <= j <= i ==>
	      jg_cred_q_len{Pre}(s, j, q, wild) <= jg_cred_q_len{Pre}(s, i, q, wild);
	    loop invariant jg_cred_q_ok{Pre}(s, n, nobs);
	    loop invariant \forall integer k; 0 <= k < i ==>
	      jg_cred_q_len{Pre}(s, k, q, wild) + jg_cred_q_w(\at(s[k], Pre), q, wild) <=
	        jg_cred_q_len{Pre}(s, i, q, wild);
	    loop invariant \forall integer k; 0 <= k < i ==>
	      jg_cred_q_at(out, 1 + jg_cred_q_len{Pre}(s, k, q, wild), \at(s[k], Pre), q, wild);
	    loop invariant \forall integer p; 1 <= p < o ==>
	      \let k = jg_cred_q_src{Pre}(s, p, i, q, wild);
	      0 <= k < i &&
	      1 + jg_cred_q_len{Pre}(s, k, q, wild) <= p < 1 + jg_cred_q_len{Pre}(s, k + 1, q, wild) &&
	      (out[p] == q ==> \at(s[k], Pre) == q) &&
	      (wild != 0 && (out[p] == '_' || out[p] == '%' || out[p] == '\\') ==>
	        \at(s[k], Pre) == '_' || \at(s[k], Pre) == '%');
	    loop assigns i, o, out[1 .. cap - 1];
	    loop variant n - i;
	*/
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == q)
			out[o++] = q;
		else if (wild && (c == '_' || c == '%'))
			out[o++] = '\\';
		out[o++] = c;
		/*@ assert jg_cred_q_at(out, 1 + jg_cred_q_len{Pre}(s, i, q, wild), c, q, wild); */
	}
	out[o++] = q;
	out[o] = 0;
	return (long)o;
fail:
	if (cap > 0)
		out[0] = 0;
	return -1;
}

/* see credtext.h */
long jg_cred_quote_ident(char *out, size_t cap, const char *s, size_t n, unsigned flags)
{
	unsigned grant = flags & JG_CRED_QI_GRANT_DB;

	if (n == 0) {
		if (cap > 0)
			out[0] = 0;
		return -1;
	}
	return quote(out, cap, s, n, '`', grant, grant);
}

/* see credtext.h */
long jg_cred_quote_string(char *out, size_t cap, const char *s, size_t n)
{
	return quote(out, cap, s, n, '\'', 0, 1);
}
