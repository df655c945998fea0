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

/* put_hex: the 2 * nb hex digits of b[0..nb) at out[o .. o + 2nb), high nibble first. */
/*@ requires nb <= 8;
    requires o <= SIZE_MAX - 2 * nb;
    requires \valid(out + (o .. o + 2 * nb - 1));
    requires \valid_read(b + (0 .. nb - 1));
    assigns out[o .. o + 2 * nb - 1];
    ensures jg_cred_hex_at{Post, Pre}(out, o, b, nb);
    ensures \forall integer k; o <= k < o + 2 * nb ==> jg_cred_name_char(out[k]);
*/
static void put_hex(char *out, size_t o, const uint8_t *b, size_t nb)
{
	size_t j;

	/*@ loop invariant 0 <= j <= nb;
	    loop invariant \forall integer m; 0 <= m < j ==>
	      out[o + 2 * m] == jg_cred_hex(b[m] / 16) && out[o + 2 * m + 1] == jg_cred_hex(b[m] % 16);
	    loop invariant \forall integer k; o <= k < o + 2 * j ==> jg_cred_name_char(out[k]);
	    loop assigns j, out[o .. o + 2 * nb - 1];
	    loop variant nb - j;
	*/
	for (j = 0; j < nb; j++) {
		out[o + 2 * j] = hex_digit(b[j] / 16u);
		out[o + 2 * j + 1] = hex_digit(b[j] % 16u);
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
    ensures \forall integer i; 0 <= i < n ==> out[plen + i] == \at(inst[i], Pre);
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
	    loop invariant \forall integer k; 0 <= k < i ==> out[plen + k] == \at(inst[k], Pre);
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
	put_hex(out, o, id, JG_CRED_ID_BYTES);
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

/* put_role: the role characters of role[0..m) at out[o .. o + m). */
/*@ requires m <= JG_CRED_ROLE_PART_MAX;
    requires o <= SIZE_MAX - m;
    requires \valid(out + (o .. o + m - 1));
    requires \valid_read(role + (0 .. m - 1));
    requires \separated(out + (o .. o + m - 1), role + (0 .. m - 1));
    assigns out[o .. o + m - 1];
    ensures \forall integer k; 0 <= k < m ==>
      out[o + k] == jg_cred_role_char(\at(role[k], Pre));
    ensures \forall integer k; o <= k < o + m ==> jg_cred_name_char(out[k]);
*/
static void put_role(char *out, size_t o, const char *role, size_t m)
{
	size_t i;

	/*@ loop invariant 0 <= i <= m;
	    loop invariant \forall integer k; 0 <= k < i ==>
	      out[o + k] == jg_cred_role_char(\at(role[k], Pre));
	    loop invariant \forall integer k; o <= k < o + i ==> jg_cred_name_char(out[k]);
	    loop assigns i, out[o .. o + m - 1];
	    loop variant m - i;
	*/
	for (i = 0; i < m; i++)
		out[o + i] = role_char(role[i]);
}

/* see credtext.h */
long jg_cred_role_name(char *out, size_t cap, const char *inst, size_t instlen,
                       const char *role, size_t rolelen, const uint8_t h[JG_CRED_HASH_BYTES])
{
	size_t m = rolelen < JG_CRED_ROLE_PART_MAX ? rolelen : JG_CRED_ROLE_PART_MAX;

	if (!jg_cred_instance_ok(inst, instlen) || rolelen == 0 ||
	    cap < 7 + instlen + m + 2 * JG_CRED_HASH_BYTES) {
		if (cap > 0)
			out[0] = 0;
		return -1;
	}
	/*@ assert m == jg_cred_role_keep(rolelen); */
	put_inst(out, 4, inst, instlen);
	put_role(out, 5 + instlen, role, m);
	out[5 + instlen + m] = '_';
	put_hex(out, 6 + instlen + m, h, JG_CRED_HASH_BYTES);
	out[6 + instlen + m + 2 * JG_CRED_HASH_BYTES] = 0;
	return (long)(6 + instlen + m + 2 * JG_CRED_HASH_BYTES);
}

/*@ assigns \nothing;
    ensures \result == jg_cred_q_w(c, q, wild);
*/
static size_t q_width(char c, char q, unsigned wild)
{
	return (c == q || (wild && (c == '_' || c == '%'))) ? 2 : 1;
}

/*@ assigns \nothing;
    ensures \result == jg_cred_q_first(c, q, wild);
*/
static char q_first(char c, char q, unsigned wild)
{
	if (c == q)
		return q;
	if (wild && (c == '_' || c == '%'))
		return '\\';
	return c;
}

/* The parameters shared by the quoting helpers: q the quote, wild whether '_' and '%' are
 * escaped, nobs whether '\' is refused (always with wild: see credtext.h). */
/*@ predicate jg_cred_q_params(integer q, integer wild, integer nobs) =
      (q == '`' || q == '\'') && (wild == 0 || wild == 1) && (nobs == 0 || nobs == 1) &&
      (wild != 0 ==> nobs != 0);
*/

/*
 * q_measure: the quoted length of s[0..n) (without the quotes), or SIZE_MAX when s holds a byte
 * that quoting refuses. The length saturates above cap (a result above cap only says "too long"),
 * so it never wraps. It also proves, for q_write, that the quoted length only grows with the
 * input: the provers cannot do that induction, the loop does it for them.
 */
/*@ requires \valid_read(s + (0 .. n - 1));
    requires cap <= LONG_MAX;
    requires jg_cred_q_params(q, wild, nobs);
    assigns \nothing;

    behavior refused:
      assumes !jg_cred_q_ok(s, n, nobs);
      ensures \result == SIZE_MAX;

    behavior measured:
      assumes jg_cred_q_ok(s, n, nobs);
      ensures \result <= cap + 2;
      ensures \result == jg_cred_q_len(s, n, q, wild) ||
              (cap < \result && cap < jg_cred_q_len(s, n, q, wild));
      ensures \forall integer j; 0 <= j <= n ==>
        jg_cred_q_len(s, j, q, wild) <= jg_cred_q_len(s, n, q, wild);

    complete behaviors;
    disjoint behaviors;
*/
static size_t q_measure(const char *s, size_t n, size_t cap, char q, unsigned wild, unsigned nobs)
{
	size_t i, len = 0;

	/*@ loop invariant 0 <= i <= n;
	    loop invariant jg_cred_q_ok(s, i, nobs);
	    loop invariant len <= cap + 2;
	    loop invariant len == jg_cred_q_len(s, i, q, wild) ||
	                   (cap < len && cap < jg_cred_q_len(s, i, q, wild));
	    loop invariant \forall integer j; 0 <= j <= i ==>
	      jg_cred_q_len(s, j, q, wild) <= jg_cred_q_len(s, i, q, wild);
	    loop assigns i, len;
	    loop variant n - i;
	*/
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == 0 || (nobs && c == '\\'))
			return SIZE_MAX;
		if (len <= cap)
			len += q_width(c, q, wild);
	}
	return len;
}

/*
 * q_write: q, the encodings of s[0..n), q and NUL into out, which has room (q_measure checked).
 * Every input byte stores two bytes whatever its width: one straight path keeps the proof
 * simple, and when the width is 1 the second store is overwritten by the next byte or by the
 * closing quote, inside the room.
 */
/*@ requires \valid(out + (0 .. 2 + jg_cred_q_len(s, n, q, wild)));
    requires \valid_read(s + (0 .. n - 1));
    requires \separated(out + (0 .. 2 + jg_cred_q_len(s, n, q, wild)), s + (0 .. n - 1));
    requires 2 + jg_cred_q_len(s, n, q, wild) <= LONG_MAX;
    requires jg_cred_q_params(q, wild, wild);
    requires jg_cred_q_ok(s, n, wild);
    requires \forall integer j; 0 <= j <= n ==>
      jg_cred_q_len(s, j, q, wild) <= jg_cred_q_len(s, n, q, wild);
    assigns out[0 .. 2 + jg_cred_q_len(s, n, q, wild)];
    ensures \result == 2 + jg_cred_q_len{Pre}(s, n, q, wild);
    ensures jg_cred_q_decodes{Post, Pre}(out, s, n, q, wild);
    ensures jg_cred_q_covered{Post, Pre}(out, s, n, q, wild);
*/
static long q_write(char *out, const char *s, size_t n, char q, unsigned wild)
{
	size_t i, o;

	/* For the proof only (ghost, no code): which input byte each position between the quotes
	 * encodes (jg_cred_q_src), so that the writing loop can say what it writes everywhere. */
	/*@ ghost
	  /@ loop invariant 0 <= g <= n;
	     loop invariant \forall integer k; 0 <= k < g ==>
	       jg_cred_q_len(s, k, q, wild) + jg_cred_q_w(s[k], q, wild) <=
	         jg_cred_q_len(s, g, q, wild);
	     loop invariant \forall integer p; 1 <= p < 1 + jg_cred_q_len(s, g, q, wild) ==>
	       \let k = jg_cred_q_src(s, p, g, q, wild);
	       0 <= k < g && 1 + jg_cred_q_len(s, k, q, wild) <= p &&
	       p < 1 + jg_cred_q_len(s, k, q, wild) + jg_cred_q_w(s[k], q, wild);
	     loop invariant \forall integer k, p; 0 <= k < g &&
	       1 + jg_cred_q_len(s, k, q, wild) <= p &&
	       p < 1 + jg_cred_q_len(s, k, q, wild) + jg_cred_q_w(s[k], q, wild) ==>
	       jg_cred_q_src(s, p, g, q, wild) == k;
	     loop assigns g;
	     loop variant n - g;
	  @/
	  for (size_t g = 0; g < n; g++)
	    ;
	*/
	out[0] = q;
	o = 1;
	/*@ loop invariant 0 <= i <= n;
	    loop invariant o == 1 + jg_cred_q_len{Pre}(s, i, q, wild);
	    loop invariant \forall integer j; 0 <= j <= i ==>
	      jg_cred_q_len{Pre}(s, j, q, wild) <= jg_cred_q_len{Pre}(s, i, q, wild);
	    loop invariant \forall integer k; 0 <= k < n ==> s[k] == \at(s[k], Pre);
	    loop invariant \forall integer k; 0 <= k < i ==>
	      jg_cred_q_len{Pre}(s, k, q, wild) + jg_cred_q_w(\at(s[k], Pre), q, wild) <=
	        jg_cred_q_len{Pre}(s, i, q, wild);
	    loop invariant \forall integer k; 0 <= k < i ==>
	      out[1 + jg_cred_q_len{Pre}(s, k, q, wild)] == jg_cred_q_first(\at(s[k], Pre), q, wild);
	    loop invariant \forall integer k; 0 <= k < i ==>
	      jg_cred_q_w(\at(s[k], Pre), q, wild) == 2 ==>
	      out[2 + jg_cred_q_len{Pre}(s, k, q, wild)] == \at(s[k], Pre);
	    loop invariant \forall integer p; 1 <= p < o ==>
	      \let k = jg_cred_q_src{Pre}(s, p, n, q, wild);
	      (out[p] == q ==> \at(s[k], Pre) == q) &&
	      (wild != 0 && out[p] == '\\' ==> \at(s[k], Pre) == '_' || \at(s[k], Pre) == '%') &&
	      (wild != 0 && (out[p] == '_' || out[p] == '%') ==> \at(s[k], Pre) == out[p]);
	    loop assigns i, o, out[1 .. 2 + jg_cred_q_len{Pre}(s, n, q, wild)];
	    loop variant n - i;
	*/
	for (i = 0; i < n; i++) {
		char c = s[i];

		out[o] = q_first(c, q, wild);
		out[o + 1] = c;
		/*@ assert \let k = i; out[2 + jg_cred_q_len{Pre}(s, k, q, wild)] == \at(s[k], Pre); */
		/*@ assert \forall integer k; 0 <= k < i ==>
		      jg_cred_q_w(\at(s[k], Pre), q, wild) == 2 ==>
		      out[2 + jg_cred_q_len{Pre}(s, k, q, wild)] == \at(s[k], Pre); */
		o += q_width(c, q, wild);
	}
	out[o++] = q;
	out[o] = 0;
	/*@ assert \forall integer k; 0 <= k < n ==>
	      out[1 + jg_cred_q_len{Pre}(s, k, q, wild)] == jg_cred_q_first(\at(s[k], Pre), q, wild); */
	/*@ assert \forall integer k; 0 <= k < n ==>
	      jg_cred_q_w(\at(s[k], Pre), q, wild) == 2 ==>
	      out[2 + jg_cred_q_len{Pre}(s, k, q, wild)] == \at(s[k], Pre); */
	return (long)o;
}

/* quote: refuse, or measure and write; see jg_cred_quote_ident and jg_cred_quote_string. */
/*@ requires \valid(out + (0 .. cap - 1));
    requires \valid_read(s + (0 .. n - 1));
    requires \separated(out + (0 .. cap - 1), s + (0 .. n - 1));
    requires cap <= LONG_MAX;
    requires jg_cred_q_params(q, wild, nobs);
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
	size_t len = q_measure(s, n, cap, q, wild, nobs);

	if (len == SIZE_MAX || len > cap || cap - len < 3) {
		if (cap > 0)
			out[0] = 0;
		return -1;
	}
	return q_write(out, s, n, q, wild);
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
