#!/usr/bin/env python3
"""
verify.py: what `make verify` runs. Frama-C WP with -wp-rte proves the ACSL contracts of each
module in MODULES (src/cred/credtext.c with its contracts in credtext.h, src/mask/mask.c with
mask.h), writes one result file per function under verify/results/<module>/ and regenerates
verify/REPORT.md for auditors.

It fails (exit 1) when a goal is not proved, when Frama-C warns, or when the regenerated report
or results differ from those in the tree (stale: the diff is printed; review it and commit it).
The last line is "verify: N passed, M failed" where N counts proved goals and M counts unproved
goals, Frama-C warnings, plus one for stale files or a run that could not finish; tests/check.sh
reads that line.

Everything written is deterministic: no dates, timings or machine paths. Each goal goes through
the PASSES in order until one proves it: CVC4 with 100,000 steps (enough for all but a few dozen
goals; the few it cannot prove it gives up on in seconds), then Z3, then CVC4 with 1,000,000 steps
for what is left. Every pass is bounded by prover steps, which do not depend on the machine's
load, so a loaded machine cannot turn a proof into a failure or change which prover is reported;
the time limits are only a safety net that no attempt comes near (steps are printed per goal in
verify/results/ so that a goal close to its limit shows). The passes run in one Frama-C process
(-then): each pass selects only the properties the passes before it did not prove.
Two Frama-C processes share the work, one per core, each with two prover processes at a time
(-wp-par 2: much of a Frama-C process's time goes between prover calls): each module's functions
are split in two parts (its "group_a" and the rest), and the parts of all modules go, longest
first, to whichever process is free. Each module is analysed on its own (its static helpers may
share names with another module's).
"""
import difflib
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(os.environ.get("BUILD") or "build", "verify")
RESULTS = "verify/results"
REPORT = "verify/REPORT.md"

# Fixed analysis options. -warn-*: with -wp-rte, unsigned wrap-around and every narrowing
# conversion are proof obligations too, not only signed overflow and memory accesses.
FRAMA_C = [
    "frama-c", "-cpp-extra-args=-Isrc",
    "-kernel-warn-key", "annot:missing-spec=abort",
    "-warn-signed-overflow", "-warn-unsigned-overflow",
    "-warn-signed-downcast", "-warn-unsigned-downcast",
    "-wp", "-wp-rte", "-wp-model", "Typed", "-wp-par", "2",
]
# The passes, in order: (why3 prover, step limit, time limit in seconds). Each pass is given the
# goals of the properties no pass before it proved. Why not one CVC4 pass, then Z3: on the few
# goals CVC4 cannot prove its steps come ever slower (on one, 100,000 steps took 3 seconds and
# 400,000 over a minute), so with one CVC4 limit high enough for every goal it proves (up to
# 817,225 steps) those goals ran into the time limit instead: minutes lost, and the time, not the
# steps, decided (on a loaded machine a goal CVC4 proves in 533,187 steps went to Z3). With
# 100,000 steps CVC4 proves all but about 30 goals and gives up on the others in seconds; Z3
# proves most of those in about a second each (the most steps it needs is 3,897,995) and gives up
# on the rest within its steps; CVC4 then proves these last few with more steps (at most
# 317,822). The time limits are a safety net only: the longest attempt takes a few seconds on an
# idle machine and about 30 on one loaded four times over, so a loaded machine cannot change a
# result.
PASSES = [
    ("cvc4", 100000, 300),
    ("z3", 6000000, 300),
    ("cvc4", 1000000, 300),
]
PROVER_NAMES = {"cvc4": "CVC4", "z3": "Z3"}
# The quoting functions and the password take about half of the work: one process proves them,
# the other the rest (names). Only a matter of balance: the two selections cover every function.
CRED_GROUP_A = ["q_measure", "q_write", "quote", "q_width", "q_first",
           "jg_cred_quote_ident", "jg_cred_quote_string", "jg_cred_password", "alpha_char"]

# What each contract states, in plain words (REPORT.md). A function without an entry here is an
# error: the report must explain every contract it counts.
CRED_PUBLIC = [
    ("jg_cred_password",
     "Maps random bytes to a password by rejection sampling. When `rnd` holds at least `len` "
     "accepted bytes (bytes below 248): it returns the number of bytes used, which lies between "
     "`len` and `nrnd` and is exactly the index after the `len`-th accepted byte; for every k < "
     "len, `out[k]` is ALPHABET[b % 62] of the k-th accepted byte b (the byte at index "
     "`jg_cred_nth(rnd, k, result)`, which is accepted and has exactly k accepted bytes before "
     "it); conversely every accepted byte used gives the character at its rank; every character "
     "is in [A-Za-z0-9]; `out[len]` is NUL. Otherwise it returns -1, `out[0]` is NUL and nothing "
     "else of `out` is written. Since b % 62 takes each value for exactly 4 of the 248 accepted "
     "bytes, the mapping is unbiased. Writes only `out[0..len]`."),
    ("jg_cred_instance_ok",
     "Returns 1 exactly when the instance name is 1 to 10 bytes of [a-z0-9], else 0. Writes "
     "nothing."),
    ("jg_cred_user_name",
     "With a valid instance and room: writes \"jg_\" + instance + \"_\" + the 16 lower-case hex "
     "digits of `id` (high nibble first) + NUL and returns the length 20 + instance length "
     "(at most 30 <= JG_CRED_NAME_MAX); every byte of the name is in [a-z0-9_]. A bad instance, "
     "or a `cap` below that length + 1, returns -1 with `out[0]` NUL (if cap > 0) and nothing "
     "else written. Writes only `out[0..cap)`."),
    ("jg_cred_role_name",
     "With a valid instance, a non-empty role and room: writes \"jgr_\" + instance + \"_\" + the "
     "first min(rolelen, 8) bytes of the role, each mapped to itself if in [a-z0-9], lowered if "
     "in [A-Z], else '_' + \"_\" + 8 hex digits of `h` + NUL, and returns its length (at most "
     "32 = JG_CRED_NAME_MAX); every byte is in [a-z0-9_]. Otherwise -1 with `out[0]` NUL (if "
     "cap > 0) and nothing else written."),
    ("jg_cred_quote_ident",
     "Refuses (-1) an empty name, a NUL byte and, with JG_CRED_QI_GRANT_DB, a backslash. Else, "
     "with room for the quoted text and its NUL, writes a backtick, the encoding of every input "
     "byte in order (a backtick doubled; with JG_CRED_QI_GRANT_DB '_' and '%' after a backslash; "
     "any other byte as is), a backtick and NUL, and returns the length: the text decodes to the "
     "input (`jg_cred_q_decodes`). Every byte between the quotes belongs to the encoding of one "
     "input byte, is a backtick only as half of a doubled backtick, and with "
     "JG_CRED_QI_GRANT_DB is '_' or '%' only right after its backslash and a backslash only "
     "before one (`jg_cred_q_covered`): no unescaped quote, no unescaped wildcard. Without room "
     "it returns -1: `out[0]` NUL (if cap > 0), nothing else written, never a truncated name."),
    ("jg_cred_quote_string",
     "As jg_cred_quote_ident with single quotes and no wildcard escaping: refuses NUL bytes and "
     "backslashes, doubles single quotes, `''` for the empty string; the text decodes to the "
     "input and holds no unescaped quote; -1 with `out[0]` NUL and nothing else written when "
     "refused or without room."),
]
CRED_HELPERS = [
    ("alpha_char", "ALPHABET[v] is the v-th character of A-Z a-z 0-9 (`jg_cred_alpha(v)`), for "
     "v < 62: the array's initializer is checked against the logic alphabet."),
    ("hex_digit", "The lower-case hex digit of v < 16."),
    ("put_hex", "Writes the 2 * nb hex digits of `b[0..nb)` at `out[o..o + 2nb)` and nothing else."),
    ("put_inst", "Writes \"jg_\" or \"jgr_\", the (valid) instance and '_' at `out[0..]` and "
     "nothing else; every byte written is in [a-z0-9_]."),
    ("role_char", "The role-name character of a byte (`jg_cred_role_char`)."),
    ("put_role", "Writes the role-name characters of `role[0..m)` at `out[o..o + m)` and nothing "
     "else."),
    ("q_width", "The width of a byte's encoding (`jg_cred_q_w`): 2 for the quote and, when "
     "escaping wildcards, for '_' and '%'; else 1."),
    ("q_first", "The first byte of a byte's encoding (`jg_cred_q_first`)."),
    ("q_measure", "Refuses (SIZE_MAX) input with a byte quoting refuses; else returns the quoted "
     "length, saturated above `cap` (so no length can wrap), and proves that the quoted length "
     "of a prefix never exceeds that of the whole input, which q_write needs."),
    ("q_write", "Given input quoting accepts and room for it, writes the quoted text: it decodes "
     "to the input and nothing else lies between the quotes (`jg_cred_q_decodes`, "
     "`jg_cred_q_covered`); writes only `out[0 .. length + 1]`."),
    ("quote", "The common part of the two quoting functions: the same three behaviors (refused, "
     "too small, quoted) for any quote character."),
]

CRED_NOTES = [
    "- Not in scope: the callers (src/cred/ddl.c, users.c and others) are not verified; they must",
    "  meet the `requires` clauses: valid buffers of the stated sizes, outputs not overlapping",
    "  inputs, sizes at most LONG_MAX.",
]
CRED_LOGIC = [
    "- `jg_cred_alpha` (the alphabet as a function), `jg_cred_hex`, `jg_cred_role_char`,",
    "  `jg_cred_q_w`, `jg_cred_q_first`: plain definitions.",
    "- `jg_cred_accepted` (accepted bytes in a prefix), `jg_cred_nth` (index of the k-th",
    "  accepted byte), `jg_cred_q_src` (the input byte whose encoding covers an output",
    "  position): recursive definitions.",
    "- `jg_cred_q_len` (length of the encoding of a prefix): two axioms, the value at 0 and the",
    "  step from n to n + 1, which determine it for every n >= 0 (a primitive recursion, so they",
    "  cannot contradict each other); the header says why axioms rather than a definition.",
    "  These two axioms are the only ones of this module: nothing else is assumed.",
    "",
    "Code for the proof only: a ghost loop in `q_write` (no code is generated for it) that walks",
    "the input once more to establish which input byte covers each output position; `assert`",
    "clauses in the code are proof steps and are proved like every other goal. WP's",
    "`-wp-init-const` default lets the proof read the initializer of the `static const` ALPHABET.",
]

MASK_PUBLIC = [
    ("jg_mask_lenenc_size",
     "Returns the bytes of the shortest length-encoded integer for n (`jg_mask_lenenc_size`): 1 "
     "below 251, 3 below 65536, 4 below 16777216, else 9. Writes nothing."),
    ("jg_mask_lenenc_put",
     "With cap at least that size: writes the shortest encoding of n at `out[0..]` and returns "
     "its size; reading the bytes back gives n and their first byte announces exactly that size "
     "(`jg_mask_hdr`); nothing after it is written. Otherwise returns 0 and writes nothing."),
    ("jg_mask_text_split",
     "Returns 0 exactly when the row is a well-formed text row of `ncols` values "
     "(`jg_mask_text_row`: one after the other, each 0xFB or the shortest length header "
     "followed by as many bytes as it says, nothing left over), else -1. On 0, every cell "
     "describes its value: a NULL cell is the 0xFB byte at its start, any other cell starts "
     "right after a header whose value is the cell's length and ends inside the row; cell i "
     "starts where cell i - 1 ends and the last ends at the end of the row (`jg_mask_cells`). "
     "Reads only `row[0..len)`, writes only `cells[0..ncols)`."),
    ("jg_mask_text_build",
     "When the rewritten row fits in `cap` (its size is `jg_mask_out_at(cells, reps, ncols)`, "
     "the sum of the sizes of the output cells): returns that size; the output is a well-formed "
     "text row of exactly `ncols` values, the predicate split accepts, so every length prefix "
     "equals the bytes that follow it; and output cell i is replacement i: 0xFB for NUL and for "
     "a kept NULL cell, else the shortest header of the length followed by the original cell's "
     "bytes (KEEP) or the replacement's bytes (VALUE) (`jg_mask_out_cell`). Otherwise returns "
     "SIZE_MAX and writes nothing. Writes only `out[0..cap)`."),
    ("jg_mask_redact",
     "Writes \"****\" and returns 4 when cap >= 4 (it is not given the value, so it keeps no "
     "byte of it); else returns 0 and writes nothing."),
    ("jg_mask_last4",
     "Output \"****\" when the value has fewer than 8 characters (bytes when utf8 == 0, else "
     "bytes that are not 10xxxxxx start one: `jg_mask_nchars`). With 8 or more: \"****\" "
     "followed by `v[k..n)` where k is the start of a character and exactly 4 characters start "
     "in `v[k..n)`: the original's last 4 characters and nothing else. Returns the output "
     "length, never more than cap; cap >= 4 + n is always enough; 0 means too small and "
     "nothing written."),
    ("jg_mask_email",
     "When the last '@' of the value has at least one byte before it and one after it: "
     "\"****@\" followed by exactly the bytes after that last '@' (`jg_mask_last_at`), so "
     "nothing of the local part is kept; else \"****\". Returns the output length, never more "
     "than cap; cap >= 4 + n is always enough; 0 means too small and nothing written."),
    ("jg_mask_hex",
     "When 2 * nb <= cap: writes the lower-case hex digits of `b[0..nb)`, high nibble first, "
     "and returns 2 * nb; else returns 0 and writes nothing."),
    ("jg_mask_luhn",
     "Returns 1 exactly when every byte is an ASCII digit, there are 12 to 19 of them and "
     "their Luhn sum (every second digit from the right doubled, 9 taken off when over 9: "
     "`jg_mask_lsum`) is a multiple of 10; else 0. Writes nothing."),
    ("jg_mask_iban",
     "Returns 1 exactly when the text has the IBAN form (15..34 characters, 2 upper-case "
     "letters, 2 digits, then upper-case letters and digits) and the ISO 13616 remainder is "
     "1: the first four characters moved to the end, letters read as two digits (A = 10 .. "
     "Z = 35), the remainder mod 97 taken after each digit or pair of digits "
     "(`jg_mask_iban_rem`, the same computation the code does, in integers that cannot "
     "overflow); else 0. Writes nothing."),
    ("jg_mask_ssn",
     "Returns 1 exactly when the text is 11 bytes \"ddd-dd-dddd\", the area is not 000, 666 "
     "or 9xx, the group not 00 and the serial not 0000 (`jg_mask_ssn_ok`); else 0."),
    ("jg_mask_scan",
     "Returns SIZE_MAX (more than `max` findings: the caller fails closed) or the number of "
     "spans written, at most `max`. Every span lies inside the text and is not empty; spans "
     "are in increasing order and do not overlap; each span's detector is exactly one of the "
     "four bits and is one of `dets`; the digits of a card (LUHN) span, separators skipped, "
     "are 12 to 19 and pass the Luhn check (`jg_mask_luhn_ok`). Writes only "
     "`spans[0..max)`. What the detectors find beyond that (e-mail syntax, IBAN grouping, "
     "the borders of a match) is pinned by the unit tests and the fuzz harness, not proved."),
]
MASK_HELPERS = [
    ("put_at", "Writes the shortest encoding of n at `out[o..]` (which has room) and returns "
     "its size; the bytes read back give n (`jg_mask_hdr`)."),
    ("hdr_len", "The size of the encoding a first byte announces (`jg_mask_hdr_len`); 0 for "
     "0xFB and 0xFF."),
    ("val_at", "Where the value that starts at `row[off]` ends (`jg_mask_val_end`), exactly when "
     "a well-formed value starts there and ends inside the row (`jg_mask_val_ok`); else 0."),
    ("rd_val", "Reads the integer of a header that lies inside the row "
     "(`jg_mask_lenenc_val`); the 8-byte form cannot overflow 64 bits."),
    ("put_bytes", "Copies `p[0..m)` to `out[o..o + m)` and writes nothing else (the copy is "
     "stated twice, indexed by `p` and by `out`)."),
    ("set_cell", "Sets the offset and length of one cell and states that no other cell's "
     "offset or length changes."),
    ("set_null", "Turns one cell's mark (length SIZE_MAX) into its null flag and states that "
     "nothing else of the cells changes."),
    ("put_cell", "Writes one output value at `out[o..]`: 0xFB for NULL, else the shortest header "
     "of m followed by `src[0..m)`; returns its size; writes nothing else (the bytes before o "
     "are stated unchanged)."),
    ("build_cell", "Writes output cell i where it starts (`jg_mask_out_at`) and returns its size; "
     "after the call cell i is replacement i (`jg_mask_out_cell`) and every cell before it that "
     "was in place still is (it writes only after them, never the row or the replacements' "
     "bytes). A ghost loop (no code) re-establishes the earlier cells one at a time."),
    ("row_ok", "Ghost function (for the proof only; no code is generated): output cells whose "
     "headers are in place, one after the other up to o, make a well-formed row of ncols "
     "values (`jg_mask_row`). It walks them from the last to the first, since `jg_mask_row` is "
     "defined from the front."),
    ("out_measure", "Sums the sizes of the output cells, saturated above cap so that no sum "
     "can wrap: the result equals the output size when it fits, exceeds cap when it does not. "
     "It also proves that the start of every output cell lies between 0 and the total, which "
     "the writing loop needs (the provers do not do induction; the loop does it)."),
    ("put_stars", "Writes \"****\" at `out[0..4)`."),
    ("cstart", "Whether a byte starts a character (`jg_mask_cstart`)."),
    ("hex_digit", "The lower-case hex digit of v < 16."),
    ("is_digit", "Whether a byte is an ASCII digit."),
    ("is_upper", "Whether a byte is an ASCII upper-case letter."),
    ("is_alnum", "Whether a byte is an ASCII digit or letter (memory safety only)."),
    ("mod_step", "One step of the IBAN remainder (`jg_mask_mod_step`) for a digit or an "
     "upper-case letter; the result stays below 97."),
    ("luhn_span", "Returns 1 exactly when `s[a..b)` holds 12 to 19 digits whose Luhn sum, "
     "counted from the right with other bytes skipped, is a multiple of 10 "
     "(`jg_mask_luhn_ok`); the sum is kept mod 10 so nothing overflows."),
    ("email_local", "Whether a byte may be in an e-mail local part (memory safety only)."),
    ("email_label", "Whether a byte may be in a domain label (memory safety only)."),
    ("email_at", "The length of the e-mail address found at `s[i]`, or 0; the address lies "
     "inside the text."),
    ("card_at", "The length of the card number found at `s[i]`, or 0; it lies inside the text "
     "and its digits pass the Luhn check (`jg_mask_luhn_ok`)."),
    ("iban_compact", "The length of a compact IBAN (15 to 34 letters and digits passing "
     "`jg_mask_iban`, not followed by a letter or digit) at `s[i]`, or 0; it lies inside the "
     "text."),
    ("iban_grouped", "The length of an IBAN in groups of 4 joined by single spaces at `s[i]`, or "
     "0; it lies inside the text (the characters are copied compactly into a local buffer of "
     "34 bytes, never beyond it)."),
    ("iban_at", "The length of the IBAN found at `s[i]` (compact, else grouped), or 0; it lies "
     "inside the text and does not follow a letter or digit."),
    ("ssn_at", "11 when an SSN starts at `s[i]`, else 0; it lies inside the text."),
    ("detect", "Runs the detectors in dets at `s[i]` in the scanner's order (e-mail, card, IBAN, "
     "SSN); returns the length found, or 0; what it finds lies inside the text, `*det` is "
     "exactly one detector bit and one of dets, and a card's digits pass the Luhn check."),
    ("put_span", "Writes span k (offset, length, detector) and states that no other span "
     "changes."),
    ("set_det", "Sets the detector found and states that it is one of dets (`scan_det_in`)."),
]
MASK_NOTES = [
    "- Not in scope: the callers (the data path's masking stage) are not verified; they must",
    "  meet the `requires` clauses: valid buffers of the stated sizes, outputs not overlapping",
    "  inputs; for `jg_mask_text_build`, cells from `jg_mask_text_split` on the same row (the",
    "  proof needs only that every non-NULL cell lies inside the row), kinds KEEP, NUL or VALUE",
    "  and VALUE bytes readable and apart from the output.",
    "- The scanner's findings are proved safe and well-ordered (and card spans Luhn-valid), not",
    "  complete: that it finds every card, address, IBAN or SSN is tested, not proved.",
]
MASK_LOGIC = [
    "- `jg_mask_lenenc_size`, `jg_mask_hdr_len`, `jg_mask_le2`, `jg_mask_le3`, `jg_mask_le8`,",
    "  `jg_mask_lenenc_val`, `jg_mask_hdr`, `jg_mask_val_end`, `jg_mask_val_ok` (the protocol's",
    "  length-encoded integers and values), `jg_mask_x_off`, `jg_mask_x_len`, `jg_mask_x_ok`,",
    "  `jg_mask_cell_at`, `jg_mask_cells`, `jg_mask_cells_in`, `jg_mask_out_null`,",
    "  `jg_mask_out_len`, `jg_mask_out_size`, `jg_mask_out_hdr`, `jg_mask_out_bytes`,",
    "  `jg_mask_out_cell`, `jg_mask_last_at`, `scan_det_in` (in mask.c),",
    "  `jg_mask_cstart`, `jg_mask_hexd`, `jg_mask_luhn_term`, `jg_mask_luhn_ok`,",
    "  `jg_mask_iban_form`, `jg_mask_iban_char`, `jg_mask_mod_step`, `jg_mask_ssn_ok`: plain",
    "  definitions.",
    "- `jg_mask_row` (a span of bytes is exactly k values), `jg_mask_pos` (where value i of a",
    "  row starts), `jg_mask_out_at` (where output cell i starts), `jg_mask_nchars` (characters",
    "  in a prefix), `jg_mask_ndig` and `jg_mask_lsum` (digits and Luhn sum of a span, from the",
    "  right), `jg_mask_iban_rem` (remainder of a prefix of the rearranged IBAN): two axioms",
    "  each, the value at 0 (at an empty span) and the step from k to k + 1, which determine",
    "  them for every k >= 0 (primitive recursions, so they cannot contradict each other), with",
    "  `reads` clauses naming the memory they depend on; mask.h says why axioms rather than",
    "  recursive definitions. These fourteen axioms are the only ones of this module: nothing",
    "  else is assumed.",
    "",
    "Code for the proof only: the ghost function `row_ok` and a ghost loop in `build_cell`",
    "(no code is generated for either); `assert` clauses in the code are proof steps and are",
    "proved like every other goal. The cells' null flag and the replacements' kind are",
    "`unsigned` rather than `uint8_t` so that, in WP's Typed memory model, writing output",
    "bytes visibly cannot change them.",
]
# Functions of mask.c one process proves while another proves the rest.
MASK_GROUP_A = ["build_cell", "jg_mask_text_build", "row_ok", "put_cell", "put_bytes",
                "out_measure", "jg_mask_scan", "detect", "email_at", "card_at"]

# Rough cost of each part (seconds, two at a time on an idle 2-core machine), to start the
# longest first.
JOB_WEIGHT = {"mask-a.log": 170, "mask-b.log": 170, "cred-b.log": 50, "cred-a.log": 45}

# The modules, in the order of the report. group_a: the functions one process proves while
# another proves the rest (-wp-skip-fct of the same list); only a matter of balance.
MODULES = [
    dict(name="cred", src="src/cred/credtext.c", hdr="src/cred/credtext.h",
         group_a=CRED_GROUP_A, public=CRED_PUBLIC, helpers=CRED_HELPERS, notes=CRED_NOTES,
         logic=CRED_LOGIC, lemmas=[]),
    dict(name="mask", src="src/mask/mask.c", hdr="src/mask/mask.h",
         group_a=MASK_GROUP_A, public=MASK_PUBLIC, helpers=MASK_HELPERS, notes=MASK_NOTES,
         logic=MASK_LOGIC, lemmas=[]),
]


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kw)


def tool_version(cmd, pattern):
    try:
        out = run(cmd).stdout
    except OSError:
        return None
    m = re.search(pattern, out)
    return m.group(1) if m else None


def deb_version(pkg):
    try:
        out = run(["dpkg-query", "-W", "-f=${Version}", pkg])
    except OSError:
        return "n/a"
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else "n/a"


GOAL_RE = re.compile(r"^\[wp\] \[([^\]]+)\] Goal (typed_\S+) : (.+?)\s*$")
FAILED_RE = re.compile(r"^\[wp\] \[Failed\] Goal (typed_\S+)\s*$")
FUNC_RE = re.compile(r"^\[rte:annot\] annotating function (\S+)\s*$")
WARN_RE = re.compile(r"^\[[a-z0-9:-]+\] (.*)Warning")


def parse(log):
    """Goals of one Frama-C run (all its passes): {goal: (prover, status, steps)}, functions,
    warnings. A goal's result is the first that proves it, else the last attempt's."""
    goals, funcs, warnings = {}, set(), []
    lines = log.splitlines()
    passes = 0
    for i, line in enumerate(lines):
        if line == "[wp] Running WP plugin...":
            passes += 1
            continue
        if passes > 1 and line == "[wp] Warning: No goal generated":
            continue  # a later pass with nothing left to prove
        m = FUNC_RE.match(line)
        if m:
            funcs.add(m.group(1))
            continue
        m = FAILED_RE.match(line)
        if m:
            if goals.get(m.group(1), (None, None))[1] != "valid":
                goals[m.group(1)] = ("-", "not proved", None)
            continue
        m = GOAL_RE.match(line)
        if m:
            prover, goal, rest = m.groups()
            status = re.sub(r"\s*\(.*$", "", rest)
            steps = re.findall(r"\((\d+)\)", rest)
            if goals.get(goal, (None, None))[1] != "valid":
                goals[goal] = (prover, "valid" if status == "Valid" else status.lower(),
                               int(steps[-1]) if steps and prover != "Qed" else None)
            continue
        if WARN_RE.match(line):
            block = [re.sub(r"^\[[^\]]*\] ", "", line)]
            for more in lines[i + 1:]:
                if not more.startswith("  "):
                    break
                block.append(more.strip())
            warnings.append(" ".join(b for b in block if b))
    return goals, funcs, warnings


def prover_opts(p, before=None):
    """The options of pass p; before: the pass before it in the same Frama-C process, whose prover
    -wp-prover=-NAME takes off the list (after -then a list option adds to its former value)."""
    name, steps, timeout = p
    prover = ["-wp-prover", name]
    if before is not None and before[0] != name:
        prover = ["-wp-prover=-%s,%s" % (before[0], name)]
    return prover + ["-wp-steps", str(steps), "-wp-timeout", str(timeout)]


def frama_c(mod, select, logname):
    """One Frama-C process for the properties select names, through every pass: after the first,
    -then -wp with the same selection proves the properties still unproved (WP's default
    -wp-status-maybe) with the next prover alone."""
    cmd = FRAMA_C + select + prover_opts(PASSES[0]) + [mod["src"]]
    for before, p in zip(PASSES, PASSES[1:]):
        cmd += ["-then", "-wp"] + select + prover_opts(p, before)
    return cmd, logname


def run_parallel(jobs, width=2):
    """Runs the jobs, at most width at a time, in the order given (put the longest first);
    returns (exit code, log, log name) in the order of jobs."""
    pending = list(enumerate(jobs))
    running, outs = [], [None] * len(jobs)
    while pending or running:
        while pending and len(running) < width:
            i, (cmd, logname) = pending.pop(0)
            log = open(os.path.join(ROOT, BUILD, logname), "w")
            running.append((i, subprocess.Popen(cmd, cwd=ROOT, stdout=log,
                                                stderr=subprocess.STDOUT,
                                                universal_newlines=True), log, logname))
        pid, status = os.wait()
        for entry in running:
            i, p, log, logname = entry
            if p.pid != pid:
                continue
            p.returncode = os.waitstatus_to_exitcode(status) if hasattr(
                os, "waitstatus_to_exitcode") else (status >> 8)
            log.close()
            with open(os.path.join(ROOT, BUILD, logname)) as f:
                outs[i] = (p.returncode, f.read(), logname)
            running.remove(entry)
            break
    return outs


def function_of(goal, funcs):
    if goal.startswith("typed_lemma_"):  # a lemma's goal: its own entry, lemma_NAME
        return goal[len("typed_"):]
    best = None
    for f in funcs:
        if goal.startswith("typed_" + f + "_") and (best is None or len(f) > len(best)):
            best = f
    return best


def summaries(mod):
    return dict(mod["public"] + mod["helpers"])


def main():
    os.makedirs(os.path.join(ROOT, BUILD), exist_ok=True)
    errors = []

    versions = {
        "Frama-C": tool_version(["frama-c", "-version"], r"(\S.*\S)"),
        "Why3": tool_version(["why3", "--version"], r"version (\S+)"),
        "CVC4": tool_version(["cvc4", "--version"], r"CVC4 version (\S+)"),
        "Z3": tool_version(["z3", "--version"], r"Z3 version (\S+)"),
    }
    missing = [t for t, v in versions.items() if v is None]
    if missing:
        print("verify: missing " + ", ".join(missing) + ": run make deps")
        print("verify: 0 passed, 1 failed")
        return 1
    provers = run(["why3", "config", "list-provers"]).stdout
    if not re.search(r"^CVC4 ", provers, re.M) or not re.search(r"^Z3 ", provers, re.M):
        print("verify: why3 does not know CVC4 and Z3: run why3 config detect (make verify does)")
        print("verify: 0 passed, 1 failed")
        return 1

    # 1. Every module in two parts (plus its lemmas), two processes at a time, each through
    #    all the passes.
    jobs, owners = [], []
    for mod in MODULES:
        group = ",".join(mod["group_a"])
        for sel, part in ((["-wp-fct", group], "a"), (["-wp-skip-fct", group], "b")):
            jobs.append(frama_c(mod, sel, "%s-%s.log" % (mod["name"], part)))
            owners.append(mod["name"])
        if mod["lemmas"]:  # -wp-fct and -wp-skip-fct leave lemmas out: they are proved here
            jobs.append(frama_c(mod, ["-wp-prop", ",".join(mod["lemmas"])],
                                "%s-lemmas.log" % mod["name"]))
            owners.append(mod["name"])
    order = sorted(range(len(jobs)), key=lambda i: JOB_WEIGHT.get(jobs[i][1], 0), reverse=True)
    outs = run_parallel([jobs[i] for i in order])
    state = {m["name"]: dict(goals={}, funcs=set(), warnings=[]) for m in MODULES}
    for k, (rc, log, logname) in zip(order, outs):
        st = state[owners[k]]
        g, f, w = parse(log)
        if rc != 0 or not g:
            errors.append("frama-c failed (exit %d): see %s/%s" % (rc, BUILD, logname))
            sys.stdout.write(log[-3000:])
        st["goals"].update(g)
        st["funcs"] |= f | {function_of(x, f) for x in g if x.startswith("typed_lemma_")}
        st["warnings"] += w

    # 2. Per-function results and the report; remember what was there to tell a stale tree.
    files, unproved, warnings = {}, [], []
    for mod in MODULES:
        st = state[mod["name"]]
        funcs, goals = st["funcs"], st["goals"]
        per = {f: [] for f in funcs}
        for name, r in goals.items():
            f = function_of(name, funcs)
            if f is None:
                errors.append("goal of no known function: " + name)
                continue
            per[f].append((name[len("typed_"):], r))
        for f in sorted(funcs):
            if f not in summaries(mod):
                errors.append("no plain-words summary for %s (%s) in verify/verify.py"
                              % (f, mod["name"]))
            if not per[f]:
                errors.append("no goals for %s (%s)" % (f, mod["name"]))
        st["per"] = per
        st["warnings"] = sorted(set(st["warnings"]))
        warnings += ["%s: %s" % (mod["name"], x) for x in st["warnings"]]
        for f in sorted(funcs):
            rows = sorted(per[f])
            ok = sum(1 for _, r in rows if r[1] == "valid")
            text = ["# %s in %s: generated by make verify (verify/verify.py), do not edit."
                    % (f, mod["src"]), "# goal: result (prover, steps used)",
                    "%s: %d goals, %d proved, %d not proved" % (f, len(rows), ok, len(rows) - ok)]
            for name, (prover, status, steps) in rows:
                how = prover if steps is None else "%s, %d steps" % (prover, steps)
                text.append("%s: %s (%s)" % (name, status, how))
            files[os.path.join(RESULTS, mod["name"], f + ".txt")] = "\n".join(text) + "\n"
            unproved += [(mod["name"], f, n) for n, r in rows if r[1] != "valid"]
    total = sum(len(state[m["name"]]["goals"]) for m in MODULES)
    proved = sum(1 for m in MODULES for r in state[m["name"]]["goals"].values()
                 if r[1] == "valid")
    nfuncs = sum(len(state[m["name"]]["funcs"]) for m in MODULES)
    files[REPORT] = make_report(state, versions, total, proved)

    before = {}
    for dirpath, _, names in os.walk(os.path.join(ROOT, RESULTS)):
        for name in names:
            if name.endswith(".txt"):
                before[os.path.relpath(os.path.join(dirpath, name), ROOT)] = None
    for rel in list(before) + [REPORT]:
        path = os.path.join(ROOT, rel)
        before[rel] = open(path).read() if os.path.exists(path) else ""
    stale = []
    for rel in sorted(set(before) | set(files)):
        old, new = before.get(rel, ""), files.get(rel, "")
        if old != new:
            stale.append((rel, old, new))
        path = os.path.join(ROOT, rel)
        if rel in files:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as out:
                out.write(new)
        elif os.path.exists(path):
            os.remove(path)

    for m, f, n in unproved:
        print("verify: NOT PROVED: %s (%s, %s)" % (n, m, f))
    for w in warnings:
        print("verify: Frama-C warned: " + w)
    for e in errors:
        print("verify: " + e)
    for rel, old, new in stale:
        sys.stdout.writelines(difflib.unified_diff(
            old.splitlines(True), new.splitlines(True), rel + " (before)", rel + " (now)"))
    if stale:
        print("verify: stale: %s did not match the proofs; regenerated now: review the diff "
              "above and commit it" % ", ".join(rel for rel, _, _ in stale))
    failed = len(unproved) + len(warnings) + len(errors) + (1 if stale else 0)
    for m in MODULES:
        st = state[m["name"]]
        print("verify: %s: %d goals in %d functions, %d proved" % (
            m["src"], len(st["goals"]), len(st["funcs"]),
            sum(1 for r in st["goals"].values() if r[1] == "valid")))
    print("verify: %d goals in %d functions, %d proved" % (total, nfuncs, proved))
    print("verify: %d passed, %d failed" % (proved, failed))
    return 1 if failed else 0


def make_report(state, versions, total, proved):
    L = []
    w = L.append
    srcs = [m["src"] for m in MODULES]
    nwarn = sum(len(state[m["name"]]["warnings"]) for m in MODULES)
    w("# Proof report: " + ", ".join(srcs))
    w("")
    w("Generated by `make verify` (verify/verify.py); do not edit by hand. `make verify` fails when")
    w("this file or verify/results/ no longer match what the tools prove: it regenerates them and")
    w("prints the diff, to review and commit.")
    w("")
    w("## Result")
    w("")
    if total == proved and not nwarn:
        w("All %d proof goals of the %d functions of %s are proved, with no warning from "
          "Frama-C." % (total, sum(len(state[m["name"]]["funcs"]) for m in MODULES),
                        " and ".join(srcs)))
        w("Nothing is left unproved.")
    else:
        w("**%d of %d goals are NOT proved** and Frama-C gave %d warnings: see \"Not proved\"."
          % (total - proved, total, nwarn))
    w("")
    w("| module | functions | goals | proved | not proved |")
    w("|---|---:|---:|---:|---:|")
    for m in MODULES:
        st = state[m["name"]]
        ok = sum(1 for r in st["goals"].values() if r[1] == "valid")
        w("| `%s` | %d | %d | %d | %d |" % (m["src"], len(st["funcs"]), len(st["goals"]), ok,
                                           len(st["goals"]) - ok))
    w("")
    w("What a proved contract means: for every call that meets the `requires` clauses, the")
    w("function terminates (loop variants), has no run-time error (`-wp-rte`: every memory")
    w("access valid, no division by zero, no signed or unsigned overflow, no conversion that")
    w("changes a value), writes only what its `assigns` clause names, and ends in the state its")
    w("behavior's `ensures` clauses describe. Where a function has behaviors, they are proved")
    w("complete and disjoint: exactly one applies to any call.")
    w("")
    for m in MODULES:
        st = state[m["name"]]
        funcs, per = st["funcs"], st["per"]
        pub = dict(m["public"])
        w("## %s" % m["src"])
        w("")
        w("### Scope")
        w("")
        code = [f for f in funcs if not f.startswith("lemma_")]
        w("- Code: `%s`, all of it (%d functions: %d public, %d static helpers)."
          % (m["src"], len(code), len([f for f in code if f in pub]),
             len([f for f in code if f not in pub])))
        nlem = len(funcs) - len(code)
        if nlem:
            w("- Lemmas: %d, each proved as a goal of its own (listed with the helpers)." % nlem)
        w("- Contracts: next to the prototypes in `%s` (public functions, with the shared ACSL"
          % m["hdr"])
        w("  logic), and in the .c for the static helpers; loop invariants, variants and loop")
        w("  assigns in the .c.")
        for line in m["notes"]:
            w(line)
        w("")
        w("### The contracts in plain words")
        w("")
        for f, text in m["public"]:
            if f in funcs:
                w("- `%s`: %s" % (f, text))
        w("")
        w("Static helpers (their contracts are what the public proofs use):")
        w("")
        for f, text in m["helpers"]:
            if f in funcs:
                w("- `%s`: %s" % (f, text))
        w("")
        w("Logic the contracts use, all in %s:" % os.path.basename(m["hdr"]))
        w("")
        for line in m["logic"]:
            w(line)
        w("")
        w("### Goals per function")
        w("")
        w("| function | goals | proved by Qed | proved by a prover | not proved |")
        w("|---|---:|---:|---:|---:|")
        mt = 0
        for f in sorted(funcs):
            rows = per[f]
            mt += len(rows)
            qed = sum(1 for _, r in rows if r[1] == "valid" and r[0] == "Qed")
            smt = sum(1 for _, r in rows if r[1] == "valid" and r[0] != "Qed")
            bad = sum(1 for _, r in rows if r[1] != "valid")
            w("| `%s` | %d | %d | %d | %d |" % (f, len(rows), qed, smt, bad))
        w("| **total** | **%d** | | | **%d** |" % (
            mt, sum(1 for f in funcs for _, r in per[f] if r[1] != "valid")))
        w("")
        w("Each goal, with the prover that proved it and the steps it took, is in "
          "`verify/results/%s/<function>.txt`." % m["name"])
        w("")
    w("## Not proved")
    w("")
    bad = [(m["name"], f, n, r) for m in MODULES for f in sorted(state[m["name"]]["funcs"])
           for n, r in sorted(state[m["name"]]["per"][f]) if r[1] != "valid"]
    if not bad and not nwarn:
        w("Nothing: every goal is proved and Frama-C gave no warning.")
    for mn, f, n, r in bad:
        w("- `%s` (%s, %s): %s" % (n, mn, f, r[1]))
    for m in MODULES:
        for x in state[m["name"]]["warnings"]:
            w("- Frama-C warning (%s): %s" % (m["name"], x))
    w("")
    w("## How it was run")
    w("")
    w("Tools (Debian 12 packages):")
    w("")
    w("| tool | version | Debian package |")
    w("|---|---|---|")
    for tool, pkg in (("Frama-C", "frama-c-base"), ("Why3", "why3"), ("CVC4", "cvc4"),
                      ("Z3", "z3")):
        w("| %s | %s | %s %s |" % (tool, versions[tool], pkg, deb_version(pkg)))
    w("")
    w("Command, for each module FILE.c (two processes at a time; each module in two parts,")
    w("SEL = `-wp-fct LIST` and SEL = `-wp-skip-fct LIST` of the same list):")
    w("")
    w("```")
    cmd = FRAMA_C + ["SEL"] + prover_opts(PASSES[0]) + ["FILE.c"]
    for before, p in zip(PASSES, PASSES[1:]):
        cmd += ["\\\n ", "-then", "-wp", "SEL"] + prover_opts(p, before)
    w(" ".join(cmd))
    w("```")
    w("")
    for m in MODULES:
        w("- %s: LIST = %s" % (m["src"], ",".join(m["group_a"])))
    w("")
    w("Each goal goes through the passes in order until one proves it: each `-then -wp` pass")
    w("selects only the properties the passes before it did not prove. %s first with %d steps:"
      % (PROVER_NAMES[PASSES[0][0]], PASSES[0][1]))
    w("it proves almost every goal within them and gives up quickly on those it would need far")
    w("more time for; then %s" % ", then ".join("%s with %d steps" % (PROVER_NAMES[p[0]], p[1])
                                                 for p in PASSES[1:]) + ".")
    w("Lemmas are proved by the same command with SEL = `-wp-prop NAME`. Limits are in prover")
    w("steps, which do not depend on the machine's load: the time limits are only a safety net")
    w("that no attempt comes near. Each goal's prover and steps are in verify/results/. No proof")
    w("cache is used: every goal is proved on every run. WP's Typed memory model.")
    w("")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
