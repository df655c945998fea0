#!/usr/bin/env python3
"""
verify.py: what `make verify` runs. Frama-C WP with -wp-rte proves the ACSL contracts of
src/cred/credtext.c (contracts in src/cred/credtext.h), writes one result file per function under
verify/results/ and regenerates verify/REPORT.md for auditors.

It fails (exit 1) when a goal is not proved, when Frama-C warns, or when the regenerated report
or results differ from those in the tree (stale: the diff is printed; review it and commit it).
The last line is "verify: N passed, M failed" where N counts proved goals and M counts unproved
goals, Frama-C warnings, plus one for stale files or a run that could not finish; tests/check.sh
reads that line.

Everything written is deterministic: no dates, timings or machine paths. Provers run with step
limits (not only time limits), so a loaded machine cannot turn a proof into a failure: CVC4 first;
goals it does not prove within its steps are given to Z3 (steps are printed per goal in
verify/results/ so that a goal close to its limit shows). Two Frama-C processes share the work,
one per core (the files to prove are split by function, see GROUP_A).
"""
import difflib
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = "src/cred/credtext.c"
HDR = "src/cred/credtext.h"
BUILD = "build/verify"
RESULTS = "verify/results"
REPORT = "verify/REPORT.md"

# Fixed analysis options. -warn-*: with -wp-rte, unsigned wrap-around and every narrowing
# conversion are proof obligations too, not only signed overflow and memory accesses.
FRAMA_C = [
    "frama-c", "-cpp-extra-args=-Isrc",
    "-kernel-warn-key", "annot:missing-spec=abort",
    "-warn-signed-overflow", "-warn-unsigned-overflow",
    "-warn-signed-downcast", "-warn-unsigned-downcast",
    "-wp", "-wp-rte", "-wp-model", "Typed", "-wp-par", "1",
]
PROVERS = [  # (why3 prover, step limit, time limit in seconds)
    ("cvc4", 1000000, 60),
    ("z3", 20000000, 60),
]
# The quoting functions and the password take about half of the work: one process proves them,
# the other the rest (names). Only a matter of balance: the two selections cover every function.
GROUP_A = ["q_measure", "q_write", "quote", "q_width", "q_first",
           "jg_cred_quote_ident", "jg_cred_quote_string", "jg_cred_password", "alpha_char"]

# What each contract states, in plain words (REPORT.md). A function without an entry here is an
# error: the report must explain every contract it counts.
PUBLIC = [
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
HELPERS = [
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
SUMMARY = dict(PUBLIC + HELPERS)


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
    """Goals of one Frama-C run: {goal: (prover, status, steps)}, functions, warnings."""
    goals, funcs, warnings = {}, set(), []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        m = FUNC_RE.match(line)
        if m:
            funcs.add(m.group(1))
            continue
        m = FAILED_RE.match(line)
        if m:
            goals[m.group(1)] = ("-", "not proved", None)
            continue
        m = GOAL_RE.match(line)
        if m:
            prover, goal, rest = m.groups()
            status = re.sub(r"\s*\(.*$", "", rest)
            steps = re.findall(r"\((\d+)\)", rest)
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


def frama_c(select, prover, logname):
    name, steps, timeout = prover
    cmd = FRAMA_C + select + ["-wp-prover", name, "-wp-steps", str(steps),
                              "-wp-timeout", str(timeout), SRC]
    return cmd, logname


def run_parallel(jobs):
    procs = []
    for cmd, logname in jobs:
        log = open(os.path.join(ROOT, BUILD, logname), "w")
        procs.append((subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                       universal_newlines=True), log, logname))
    outs = []
    for p, log, logname in procs:
        rc = p.wait()
        log.close()
        with open(os.path.join(ROOT, BUILD, logname)) as f:
            outs.append((rc, f.read(), logname))
    return outs


def function_of(goal, funcs):
    best = None
    for f in funcs:
        if goal.startswith("typed_" + f + "_") and (best is None or len(f) > len(best)):
            best = f
    return best


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

    # 1. CVC4 on everything, in two processes.
    group = ",".join(GROUP_A)
    outs = run_parallel([
        frama_c(["-wp-fct", group], PROVERS[0], "cvc4-a.log"),
        frama_c(["-wp-skip-fct", group], PROVERS[0], "cvc4-b.log"),
    ])
    goals, funcs, warnings = {}, set(), []
    for rc, log, logname in outs:
        g, f, w = parse(log)
        if rc != 0 or not g:
            errors.append("frama-c failed (%s, exit %d): see %s/%s" % (PROVERS[0][0], rc, BUILD,
                                                                     logname))
            sys.stdout.write(log[-3000:])
        goals.update(g)
        funcs |= f
        warnings += w

    # 2. Z3 on the functions that keep a goal CVC4 did not prove; a goal is proved when either
    #    prover proves it.
    todo = sorted({function_of(g, funcs) for g, r in goals.items() if r[1] != "valid"} - {None})
    if todo and not errors:
        (rc, log, logname), = run_parallel([frama_c(["-wp-fct", ",".join(todo)], PROVERS[1],
                                                    "z3.log")])
        g, _, w = parse(log)
        if rc != 0 or not g:
            errors.append("frama-c failed (%s, exit %d): see %s/%s" % (PROVERS[1][0], rc, BUILD,
                                                                     logname))
        warnings += w
        for name, r in g.items():
            if name in goals and goals[name][1] != "valid" and r[1] == "valid":
                goals[name] = r

    per = {f: [] for f in funcs}
    for name, r in goals.items():
        f = function_of(name, funcs)
        if f is None:
            errors.append("goal of no known function: " + name)
            continue
        per[f].append((name[len("typed_"):], r))
    for f in sorted(funcs):
        if f not in SUMMARY:
            errors.append("no plain-words summary for %s in verify/verify.py" % f)
        if not per[f]:
            errors.append("no goals for %s" % f)
    warnings = sorted(set(warnings))

    # 3. Per-function results and the report; remember what was there to tell a stale tree.
    total = len(goals)
    proved = sum(1 for r in goals.values() if r[1] == "valid")
    files = {REPORT: make_report(funcs, per, warnings, versions, total, proved)}
    for f in sorted(funcs):
        rows = sorted(per[f])
        ok = sum(1 for _, r in rows if r[1] == "valid")
        text = ["# %s in %s: generated by make verify (verify/verify.py), do not edit."
                % (f, SRC), "# goal: result (prover, steps used)",
                "%s: %d goals, %d proved, %d not proved" % (f, len(rows), ok, len(rows) - ok)]
        for name, (prover, status, steps) in rows:
            how = prover if steps is None else "%s, %d steps" % (prover, steps)
            text.append("%s: %s (%s)" % (name, status, how))
        files[os.path.join(RESULTS, f + ".txt")] = "\n".join(text) + "\n"
    os.makedirs(os.path.join(ROOT, RESULTS), exist_ok=True)
    before = {}
    for name in os.listdir(os.path.join(ROOT, RESULTS)):
        if name.endswith(".txt"):
            before[os.path.join(RESULTS, name)] = None
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
            with open(path, "w") as out:
                out.write(new)
        elif os.path.exists(path):
            os.remove(path)

    unproved = [(f, n) for f in sorted(funcs) for n, r in sorted(per[f]) if r[1] != "valid"]
    for f, n in unproved:
        print("verify: NOT PROVED: %s (%s)" % (n, f))
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
    print("verify: %d goals in %d functions, %d proved" % (total, len(funcs), proved))
    print("verify: %d passed, %d failed" % (proved, failed))
    return 1 if failed else 0


def make_report(funcs, per, warnings, versions, total, proved):
    L = []
    w = L.append
    w("# Proof report: src/cred/credtext.c")
    w("")
    w("Generated by `make verify` (verify/verify.py); do not edit by hand. `make verify` fails when")
    w("this file or verify/results/ no longer match what the tools prove: it regenerates them and")
    w("prints the diff, to review and commit.")
    w("")
    w("## Result")
    w("")
    unproved = total - proved
    if unproved == 0 and not warnings:
        w("All %d proof goals of the %d functions of src/cred/credtext.c are proved, with no "
          "warning" % (total, len(funcs)))
        w("from Frama-C. Nothing is left unproved.")
    else:
        w("**%d of %d goals are NOT proved** and Frama-C gave %d warnings: see \"Not proved\"."
          % (unproved, total, len(warnings)))
    w("")
    w("## Scope")
    w("")
    w("- Code: `%s`, all of it (%d functions: %d public, %d static helpers)."
      % (SRC, len(funcs), len([f for f, _ in PUBLIC if f in funcs]),
         len([f for f in funcs if f not in dict(PUBLIC)])))
    w("- Contracts: next to the prototypes in `%s` (public functions, with the shared ACSL" % HDR)
    w("  logic), and in the .c for the static helpers; loop invariants, variants and loop assigns")
    w("  in the .c.")
    w("- What a proved contract means: for every call that meets the `requires` clauses, the")
    w("  function terminates (loop variants), has no run-time error (`-wp-rte`: every memory")
    w("  access valid, no division by zero, no signed or unsigned overflow, no conversion that")
    w("  changes a value), writes only what its `assigns` clause names, and ends in the state its")
    w("  behavior's `ensures` clauses describe. The behaviors of each function are proved")
    w("  complete and disjoint: exactly one applies to any call.")
    w("- Not in scope: the callers (src/cred/ddl.c, users.c and others) are not verified; they must meet")
    w("  the `requires` clauses: valid buffers of the stated sizes, outputs not overlapping inputs,")
    w("  sizes at most LONG_MAX.")
    w("")
    w("## The contracts in plain words")
    w("")
    for f, text in PUBLIC:
        if f in funcs:
            w("- `%s`: %s" % (f, text))
    w("")
    w("Static helpers (their contracts are what the public proofs use):")
    w("")
    for f, text in HELPERS:
        if f in funcs:
            w("- `%s`: %s" % (f, text))
    w("")
    w("Logic the contracts use, all in credtext.h:")
    w("")
    w("- `jg_cred_alpha` (the alphabet as a function), `jg_cred_hex`, `jg_cred_role_char`,")
    w("  `jg_cred_q_w`, `jg_cred_q_first`: plain definitions.")
    w("- `jg_cred_accepted` (accepted bytes in a prefix), `jg_cred_nth` (index of the k-th")
    w("  accepted byte), `jg_cred_q_src` (the input byte whose encoding covers an output")
    w("  position): recursive definitions.")
    w("- `jg_cred_q_len` (length of the encoding of a prefix): two axioms, the value at 0 and the")
    w("  step from n to n + 1, which determine it for every n >= 0 (a primitive recursion, so they")
    w("  cannot contradict each other); the header says why axioms rather than a definition.")
    w("  These two axioms are the only ones: nothing else is assumed.")
    w("")
    w("Code for the proof only: a ghost loop in `q_write` (no code is generated for it) that walks")
    w("the input once more to establish which input byte covers each output position; `assert`")
    w("clauses in the code are proof steps and are proved like every other goal.")
    w("")
    w("## Goals per function")
    w("")
    w("| function | goals | proved by Qed | proved by a prover | not proved |")
    w("|---|---:|---:|---:|---:|")
    for f in sorted(funcs):
        rows = per[f]
        qed = sum(1 for _, r in rows if r[1] == "valid" and r[0] == "Qed")
        smt = sum(1 for _, r in rows if r[1] == "valid" and r[0] != "Qed")
        bad = sum(1 for _, r in rows if r[1] != "valid")
        w("| `%s` | %d | %d | %d | %d |" % (f, len(rows), qed, smt, bad))
    w("| **total** | **%d** | | | **%d** |" % (total, total - proved))
    w("")
    w("Each goal, with the prover that proved it and the steps it took, is in "
      "`verify/results/<function>.txt`.")
    w("")
    w("## Not proved")
    w("")
    bad = [(f, n, r) for f in sorted(funcs) for n, r in sorted(per[f]) if r[1] != "valid"]
    if not bad and not warnings:
        w("Nothing: every goal is proved and Frama-C gave no warning.")
    for f, n, r in bad:
        w("- `%s` (%s): %s" % (n, f, r[1]))
    for x in warnings:
        w("- Frama-C warning: %s" % x)
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
    w("Command (two processes, `-wp-fct %s` and `-wp-skip-fct` of the same list):"
      % ",".join(GROUP_A))
    w("")
    w("```")
    w(" ".join(FRAMA_C + ["-wp-prover", "cvc4", "-wp-steps", str(PROVERS[0][1]),
                         "-wp-timeout", str(PROVERS[0][2]), SRC]))
    w("```")
    w("")
    w("Goals CVC4 does not prove are given to Z3 (`-wp-prover z3 -wp-steps %d -wp-timeout %d`,"
      % (PROVERS[1][1], PROVERS[1][2]))
    w("on the functions concerned). Limits are in prover steps, which do not depend on the "
      "machine's")
    w("load; the time limit only guards against a hung prover. No proof cache is used: every goal "
      "is")
    w("proved on every run. WP's Typed memory model; its `-wp-init-const` default lets the proof "
      "read")
    w("the initializer of the `static const` ALPHABET.")
    w("")
    return "\n".join(L)


if __name__ == "__main__":
    sys.exit(main())
