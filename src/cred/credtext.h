/*
 * credtext.h: the text of just-in-time credentials: generated passwords, user and role names,
 * and quoting of identifiers and strings into CREATE USER / GRANT statements.
 *
 * Everything here is pure (no allocation, no I/O, no libc calls) and carries ACSL contracts
 * proved by Frama-C WP with -wp-rte (`make verify`, verify/REPORT.md). The inputs are shaped by
 * attackers: policy text names databases, tables, columns and accounts; the database tells the
 * host it sees us connect from. So every function writes into a caller's bounded buffer, refuses
 * what it cannot write safely, and reports failure instead of truncating.
 *
 * Quoting does not depend on the session's sql_mode: backtick-quoted identifiers mean the same
 * with ANSI_QUOTES, and a single-quoted string without backslashes means the same with and
 * without NO_BACKSLASH_ESCAPES (backslashes are refused, quotes are doubled).
 *
 * Ownership: every pointer is the caller's and is only used during the call. Output buffers must
 * not overlap the inputs (the contracts say so with \separated). On failure (-1) nothing but
 * out[0] is written, so no partial password or name is ever left behind.
 */
#ifndef JG_CRED_CREDTEXT_H
#define JG_CRED_CREDTEXT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define JG_CRED_ALPHABET_LEN 62u          /* A-Z a-z 0-9 */
#define JG_CRED_ACCEPT_BELOW 248u         /* 4 * 62: bytes at or above are skipped (no bias) */
#define JG_CRED_INSTANCE_MAX 10u          /* [a-z0-9], 1..10 characters */
#define JG_CRED_ID_BYTES 8u               /* random part of a user name: 16 hex digits */
#define JG_CRED_NAME_MAX 32u              /* MySQL's limit for user names; MariaDB allows 80 */
#define JG_CRED_ROLE_PART_MAX 8u          /* characters of the policy role kept in a role name */
#define JG_CRED_HASH_BYTES 4u             /* grants digest in a role name: 8 hex digits */

/*@ // ---- logic shared by the contracts below (verify/REPORT.md explains each in words) ----

    // The password alphabet as a function: 0..25 -> A..Z, 26..51 -> a..z, 52..61 -> 0..9.
    // credtext.c proves that its ALPHABET array holds exactly these characters.
    logic integer jg_cred_alpha(integer v) =
      v < 26 ? 'A' + v : v < 52 ? 'a' + (v - 26) : '0' + (v - 52);

    predicate jg_cred_alnum(integer c) =
      'A' <= c <= 'Z' || 'a' <= c <= 'z' || '0' <= c <= '9';

    // How many of the bytes r[0..n) are accepted (below JG_CRED_ACCEPT_BELOW).
    logic integer jg_cred_accepted{L}(uint8_t *r, integer n) =
      n <= 0 ? 0 : jg_cred_accepted(r, n - 1) + (r[n - 1] < JG_CRED_ACCEPT_BELOW ? 1 : 0);

    // The index of the accepted byte of rank m (counting from 0) among r[0..n), or -1.
    logic integer jg_cred_nth{L}(uint8_t *r, integer m, integer n) =
      n <= 0 ? -1 :
      (r[n - 1] < JG_CRED_ACCEPT_BELOW && jg_cred_accepted(r, n - 1) == m) ? n - 1 :
      jg_cred_nth(r, m, n - 1);

    // out[k] is the password character of the random byte r[j]: r[j] is accepted, it is the
    // k-th accepted byte (counting from 0) and out[k] is ALPHABET[r[j] % 62]. (out is read at
    // Lo, r at Lr.)
    predicate jg_cred_pw_char{Lo, Lr}(char *out, uint8_t *r, integer k, integer j) =
      \at(r[j], Lr) < JG_CRED_ACCEPT_BELOW && jg_cred_accepted{Lr}(r, j) == k &&
      \at(out[k], Lo) == jg_cred_alpha(\at(r[j], Lr) % JG_CRED_ALPHABET_LEN);

    // Lower-case hex digit of v in 0..15.
    logic integer jg_cred_hex(integer v) = v < 10 ? '0' + v : 'a' + (v - 10);

    predicate jg_cred_inst_char(integer c) = 'a' <= c <= 'z' || '0' <= c <= '9';

    // Characters of generated user and role names: no quoting can ever be needed.
    predicate jg_cred_name_char(integer c) = jg_cred_inst_char(c) || c == '_';

    predicate jg_cred_inst_valid{L}(char *s, integer n) =
      1 <= n <= JG_CRED_INSTANCE_MAX &&
      \forall integer i; 0 <= i < n ==> jg_cred_inst_char(s[i]);

    // out[p .. p + 2 * nb) holds the 2 * nb lower-case hex digits of b[0 .. nb), high nibble
    // first (out read at Lo, b at Lb).
    predicate jg_cred_hex_at{Lo, Lb}(char *out, integer p, uint8_t *b, integer nb) =
      \forall integer j; 0 <= j < nb ==>
        \at(out[p + 2 * j], Lo) == jg_cred_hex(\at(b[j], Lb) / 16) &&
        \at(out[p + 2 * j + 1], Lo) == jg_cred_hex(\at(b[j], Lb) % 16);

    // The role-name character for a byte of the policy role.
    logic integer jg_cred_role_char(integer c) =
      ('a' <= c <= 'z' || '0' <= c <= '9') ? c : ('A' <= c <= 'Z') ? c + ('a' - 'A') : '_';

    logic integer jg_cred_role_keep(integer n) =
      n < JG_CRED_ROLE_PART_MAX ? n : JG_CRED_ROLE_PART_MAX;

    // ---- quoting: q is the quote character; wild != 0 also escapes '_' and '%' with '\' ----

    // A byte quoting refuses: NUL, and '\' when nobs != 0.
    predicate jg_cred_q_bad(integer c, integer nobs) = c == 0 || (nobs != 0 && c == '\\');

    predicate jg_cred_q_ok{L}(char *s, integer n, integer nobs) =
      \forall integer i; 0 <= i < n ==> !jg_cred_q_bad(s[i], nobs);

    // Bytes that the encoding of the byte c takes: 2 for q and (with wild) '_' and '%', else 1.
    logic integer jg_cred_q_w(integer c, integer q, integer wild) =
      (c == q || (wild != 0 && (c == '_' || c == '%'))) ? 2 : 1;

    // Bytes that the encoding of s[0 .. n) takes between the quotes, by recursion on n >= 0.
    // Two axioms rather than a recursive definition: the provers unfold a recursive definition
    // without end (each unfolding makes a new term to unfold) and time out; with the step
    // stated between two variables n and m = n + 1 they only relate terms that exist. The two
    // axioms have exactly one solution for n >= 0, so they add nothing false.
    axiomatic JgCredQLen {
      logic integer jg_cred_q_len{L}(char *s, integer n, integer q, integer wild)
        reads s[0 .. n - 1];
      axiom jg_cred_q_len_0{L}: \forall char *s, integer q, wild;
        jg_cred_q_len(s, 0, q, wild) == 0;
      axiom jg_cred_q_len_step{L}: \forall char *s, integer n, m, q, wild;
        0 <= n && m == n + 1 ==>
        jg_cred_q_len(s, m, q, wild) == jg_cred_q_len(s, n, q, wild) + jg_cred_q_w(s[n], q, wild);
    }

    // The byte of s[0 .. n) whose encoding covers position p of the output (the opening quote
    // is at 0): the k with 1 + len(s[0 .. k)) <= p < 1 + len(s[0 .. k]), or -1 if none.
    logic integer jg_cred_q_src{L}(char *s, integer p, integer n, integer q, integer wild) =
      n <= 0 ? -1 :
      (1 + jg_cred_q_len(s, n - 1, q, wild) <= p && p < 1 + jg_cred_q_len(s, n, q, wild)) ?
        n - 1 : jg_cred_q_src(s, p, n - 1, q, wild);

    // The first byte of the encoding of c: q for q, '\' for an escaped wildcard, else c.
    logic integer jg_cred_q_first(integer c, integer q, integer wild) =
      c == q ? q : (wild != 0 && (c == '_' || c == '%')) ? '\\' : c;

    // out[p ..] holds the encoding of the byte c: q doubled, a wildcard after '\', else c.
    predicate jg_cred_q_at{L}(char *out, integer p, integer c, integer q, integer wild) =
      out[p] == jg_cred_q_first(c, q, wild) &&
      (jg_cred_q_w(c, q, wild) == 2 ==> out[p + 1] == c);

    // The text decodes to the input: out is q, the encodings of s[0], s[1], ... in order, q,
    // NUL. (Here and below out is read at Lo, s at Ls.)
    predicate jg_cred_q_decodes{Lo, Ls}(char *out, char *s, integer n, integer q, integer wild) =
      \at(out[0], Lo) == q &&
      (\forall integer k; 0 <= k < n ==>
         jg_cred_q_at{Lo}(out, 1 + jg_cred_q_len{Ls}(s, k, q, wild), \at(s[k], Ls), q, wild)) &&
      \at(out[1 + jg_cred_q_len{Ls}(s, n, q, wild)], Lo) == q &&
      \at(out[2 + jg_cred_q_len{Ls}(s, n, q, wild)], Lo) == 0;

    // Nothing else between the quotes: every byte there lies in the encoding of an input byte,
    // s[k] with k = src(p), and it is q only when s[k] is q: so every q there is one of a
    // doubled pair (no unescaped quote). With wild, it is '\' only when s[k] is '_' or '%',
    // and '_' or '%' only as that same byte: so every wildcard there follows its '\' (no
    // unescaped wildcard) and every '\' escapes one (no stray escape).
    predicate jg_cred_q_covered{Lo, Ls}(char *out, char *s, integer n, integer q, integer wild) =
      \forall integer p; 1 <= p <= jg_cred_q_len{Ls}(s, n, q, wild) ==>
        \let k = jg_cred_q_src{Ls}(s, p, n, q, wild);
        0 <= k < n &&
        1 + jg_cred_q_len{Ls}(s, k, q, wild) <= p &&
        p < 1 + jg_cred_q_len{Ls}(s, k, q, wild) + jg_cred_q_w(\at(s[k], Ls), q, wild) &&
        (\at(out[p], Lo) == q ==> \at(s[k], Ls) == q) &&
        (wild != 0 && \at(out[p], Lo) == '\\' ==> \at(s[k], Ls) == '_' || \at(s[k], Ls) == '%') &&
        (wild != 0 && (\at(out[p], Lo) == '_' || \at(out[p], Lo) == '%') ==>
          \at(s[k], Ls) == \at(out[p], Lo));

    // Nothing but out[0] was written: out[1 .. n) holds at Lo what it held at Lp.
    predicate jg_cred_untouched{Lo, Lp}(char *out, integer n) =
      \forall integer k; 1 <= k < n ==> \at(out[k], Lo) == \at(out[k], Lp);
*/

/*
 * jg_cred_password: len characters of ALPHABET mapped from random bytes by rejection: a byte
 * b < JG_CRED_ACCEPT_BELOW gives ALPHABET[b % 62]; other bytes are skipped, so each character
 * has exactly 4 preimages and the mapping is unbiased. out has room for len + 1 bytes and gets
 * the characters and a NUL. Returns the number of random bytes used (len <= result <= nrnd), or
 * -1 when rnd ran out first (out[0] is then NUL: no partial password is left behind; nothing
 * else of out is written either).
 */
/*@ requires \valid(out + (0 .. len));
    requires \valid_read(rnd + (0 .. nrnd - 1));
    requires \separated(out + (0 .. len), rnd + (0 .. nrnd - 1));
    requires nrnd <= LONG_MAX;
    assigns out[0 .. len];

    behavior enough:
      assumes jg_cred_accepted(rnd, nrnd) >= len;
      ensures len <= \result <= nrnd;
      // the result counts the bytes used: the last one read is the len-th accepted byte
      ensures jg_cred_accepted{Pre}(rnd, \result) == len;
      ensures len == 0 ==> \result == 0;
      ensures len > 0 ==> rnd[\result - 1] < JG_CRED_ACCEPT_BELOW;
      // out[k] is ALPHABET[b % 62] of the k-th accepted byte b = rnd[nth(k)] (from 0) ...
      ensures \forall integer k; 0 <= k < len ==>
        0 <= jg_cred_nth{Pre}(rnd, k, \result) < \result &&
        jg_cred_pw_char{Post, Pre}(out, rnd, k, jg_cred_nth{Pre}(rnd, k, \result));
      // ... and every accepted byte used gave the character at its rank
      ensures \forall integer j; 0 <= j < \result && rnd[j] < JG_CRED_ACCEPT_BELOW ==>
        jg_cred_accepted{Pre}(rnd, j) < len &&
        jg_cred_pw_char{Post, Pre}(out, rnd, jg_cred_accepted{Pre}(rnd, j), j);
      ensures \forall integer k; 0 <= k < len ==> jg_cred_alnum(out[k]);
      ensures out[len] == 0;

    behavior ran_out:
      assumes jg_cred_accepted(rnd, nrnd) < len;
      ensures \result == -1;
      ensures out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, len + 1);

    complete behaviors;
    disjoint behaviors;
*/
long jg_cred_password(char *out, size_t len, const uint8_t *rnd, size_t nrnd);

/*
 * jg_cred_instance_ok: 1 when inst[0..n) is a valid instance name ([a-z0-9], 1..10), else 0.
 */
/*@ requires \valid_read(inst + (0 .. n - 1));
    assigns \nothing;

    behavior valid:
      assumes jg_cred_inst_valid(inst, n);
      ensures \result == 1;

    behavior invalid:
      assumes !jg_cred_inst_valid(inst, n);
      ensures \result == 0;

    complete behaviors;
    disjoint behaviors;
*/
int jg_cred_instance_ok(const char *inst, size_t n);

/*
 * jg_cred_user_name: "jg_" + instance + "_" + 16 lower-case hex digits of id[0..8) into out
 * (cap bytes), NUL-terminated. The instance must pass jg_cred_instance_ok. Returns the length
 * (at most JG_CRED_NAME_MAX), or -1 (bad instance, or cap too small; out[0] = NUL if cap > 0,
 * nothing else written).
 */
/*@ requires \valid(out + (0 .. cap - 1));
    requires \valid_read(inst + (0 .. instlen - 1));
    requires \valid_read(id + (0 .. JG_CRED_ID_BYTES - 1));
    requires \separated(out + (0 .. cap - 1), inst + (0 .. instlen - 1));
    assigns out[0 .. cap - 1];

    behavior bad_instance:
      assumes !jg_cred_inst_valid(inst, instlen);
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior too_small:
      assumes jg_cred_inst_valid(inst, instlen);
      assumes cap < 5 + instlen + 2 * JG_CRED_ID_BYTES;
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior named:
      assumes jg_cred_inst_valid(inst, instlen);
      assumes cap >= 5 + instlen + 2 * JG_CRED_ID_BYTES;
      ensures \result == 4 + instlen + 2 * JG_CRED_ID_BYTES;
      ensures \result <= JG_CRED_NAME_MAX;
      // "jg_" + instance + "_" + 16 hex digits of id + NUL
      ensures out[0] == 'j' && out[1] == 'g' && out[2] == '_';
      ensures \forall integer i; 0 <= i < instlen ==> out[3 + i] == \old(inst[i]);
      ensures out[3 + instlen] == '_';
      ensures jg_cred_hex_at{Post, Pre}(out, 4 + instlen, id, JG_CRED_ID_BYTES);
      ensures out[\result] == 0;
      // so the name needs no quoting anywhere
      ensures \forall integer k; 0 <= k < \result ==> jg_cred_name_char(out[k]);

    complete behaviors;
    disjoint behaviors;
*/
long jg_cred_user_name(char *out, size_t cap, const char *inst, size_t instlen,
                       const uint8_t id[JG_CRED_ID_BYTES]);

/*
 * jg_cred_role_name: "jgr_" + instance + "_" + the first up to 8 bytes of the policy role name
 * with every byte outside [a-z0-9] replaced by '_' (upper case letters lowered) + "_" + 8 hex
 * digits of h[0..4), NUL-terminated into out. The digest tells apart roles the replacement
 * made equal and different grants of one role. Returns the length (at most JG_CRED_NAME_MAX)
 * or -1 (bad instance, empty role, cap too small; out[0] = NUL if cap > 0, nothing else
 * written).
 */
/*@ requires \valid(out + (0 .. cap - 1));
    requires \valid_read(inst + (0 .. instlen - 1));
    requires \valid_read(role + (0 .. rolelen - 1));
    requires \valid_read(h + (0 .. JG_CRED_HASH_BYTES - 1));
    requires \separated(out + (0 .. cap - 1), inst + (0 .. instlen - 1));
    requires \separated(out + (0 .. cap - 1), role + (0 .. rolelen - 1));
    assigns out[0 .. cap - 1];

    behavior bad_instance:
      assumes !jg_cred_inst_valid(inst, instlen);
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior empty_role:
      assumes jg_cred_inst_valid(inst, instlen);
      assumes rolelen == 0;
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior too_small:
      assumes jg_cred_inst_valid(inst, instlen);
      assumes rolelen > 0;
      assumes cap < 7 + instlen + jg_cred_role_keep(rolelen) + 2 * JG_CRED_HASH_BYTES;
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior named:
      assumes jg_cred_inst_valid(inst, instlen);
      assumes rolelen > 0;
      assumes cap >= 7 + instlen + jg_cred_role_keep(rolelen) + 2 * JG_CRED_HASH_BYTES;
      ensures \result == 6 + instlen + jg_cred_role_keep(rolelen) + 2 * JG_CRED_HASH_BYTES;
      ensures \result <= JG_CRED_NAME_MAX;
      // "jgr_" + instance + "_" + role characters of the first keep bytes of role + "_" +
      // 8 hex digits of h + NUL
      ensures out[0] == 'j' && out[1] == 'g' && out[2] == 'r' && out[3] == '_';
      ensures \forall integer i; 0 <= i < instlen ==> out[4 + i] == \old(inst[i]);
      ensures out[4 + instlen] == '_';
      ensures \forall integer i; 0 <= i < jg_cred_role_keep(rolelen) ==>
        out[5 + instlen + i] == jg_cred_role_char(\old(role[i]));
      ensures out[5 + instlen + jg_cred_role_keep(rolelen)] == '_';
      ensures jg_cred_hex_at{Post, Pre}(out, 6 + instlen + jg_cred_role_keep(rolelen), h,
                                        JG_CRED_HASH_BYTES);
      ensures out[\result] == 0;
      // so the name needs no quoting anywhere
      ensures \forall integer k; 0 <= k < \result ==> jg_cred_name_char(out[k]);

    complete behaviors;
    disjoint behaviors;
*/
long jg_cred_role_name(char *out, size_t cap, const char *inst, size_t instlen,
                       const char *role, size_t rolelen, const uint8_t h[JG_CRED_HASH_BYTES]);

/* Flags of jg_cred_quote_ident. */
#define JG_CRED_QI_GRANT_DB 1u  /* a database name in GRANT ... ON db.*: '_' and '%' are
                                   wildcards there, so they are escaped with a backslash */

/*
 * jg_cred_quote_ident: s[0..n) as a backtick-quoted identifier into out (cap bytes), with every
 * backtick doubled (and, with JG_CRED_QI_GRANT_DB, '_' and '%' preceded by '\'),
 * NUL-terminated. Refuses n == 0 and any NUL byte in s; with JG_CRED_QI_GRANT_DB also any '\':
 * the server reads '\' in a GRANT database pattern as an escape, so "a\_b" would become the
 * pattern a\\_b, that is "a\", any one character, "b". Returns the length written (without the
 * NUL), or -1 (refused or cap too small; out[0] = NUL if cap > 0, nothing else written).
 */
/*@ requires \valid(out + (0 .. cap - 1));
    requires \valid_read(s + (0 .. n - 1));
    requires \separated(out + (0 .. cap - 1), s + (0 .. n - 1));
    requires cap <= LONG_MAX;
    assigns out[0 .. cap - 1];

    behavior refused:
      assumes n == 0 || !jg_cred_q_ok(s, n, flags & JG_CRED_QI_GRANT_DB);
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior too_small:
      assumes n > 0 && jg_cred_q_ok(s, n, flags & JG_CRED_QI_GRANT_DB);
      assumes cap < 3 + jg_cred_q_len(s, n, '`', flags & JG_CRED_QI_GRANT_DB);
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior quoted:
      assumes n > 0 && jg_cred_q_ok(s, n, flags & JG_CRED_QI_GRANT_DB);
      assumes cap >= 3 + jg_cred_q_len(s, n, '`', flags & JG_CRED_QI_GRANT_DB);
      ensures \result == 2 + jg_cred_q_len{Pre}(s, n, '`', flags & JG_CRED_QI_GRANT_DB);
      ensures jg_cred_q_decodes{Post, Pre}(out, s, n, '`', flags & JG_CRED_QI_GRANT_DB);
      ensures jg_cred_q_covered{Post, Pre}(out, s, n, '`', flags & JG_CRED_QI_GRANT_DB);

    complete behaviors;
    disjoint behaviors;
*/
long jg_cred_quote_ident(char *out, size_t cap, const char *s, size_t n, unsigned flags);

/*
 * jg_cred_quote_string: s[0..n) as a single-quoted string literal into out (cap bytes), with
 * every single quote doubled, NUL-terminated. Refuses NUL bytes and backslashes in s (their
 * meaning depends on sql_mode). n == 0 gives ''. Returns the length written (without the NUL),
 * or -1 (refused or cap too small; out[0] = NUL if cap > 0, nothing else written).
 */
/*@ requires \valid(out + (0 .. cap - 1));
    requires \valid_read(s + (0 .. n - 1));
    requires \separated(out + (0 .. cap - 1), s + (0 .. n - 1));
    requires cap <= LONG_MAX;
    assigns out[0 .. cap - 1];

    behavior refused:
      assumes !jg_cred_q_ok(s, n, 1);
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior too_small:
      assumes jg_cred_q_ok(s, n, 1);
      assumes cap < 3 + jg_cred_q_len(s, n, '\'', 0);
      ensures \result == -1;
      ensures cap > 0 ==> out[0] == 0;
      ensures jg_cred_untouched{Post, Pre}(out, cap);

    behavior quoted:
      assumes jg_cred_q_ok(s, n, 1);
      assumes cap >= 3 + jg_cred_q_len(s, n, '\'', 0);
      ensures \result == 2 + jg_cred_q_len{Pre}(s, n, '\'', 0);
      ensures jg_cred_q_decodes{Post, Pre}(out, s, n, '\'', 0);
      ensures jg_cred_q_covered{Post, Pre}(out, s, n, '\'', 0);

    complete behaviors;
    disjoint behaviors;
*/
long jg_cred_quote_string(char *out, size_t cap, const char *s, size_t n);

#endif
