#!/usr/bin/python3
"""layout.py: checks the structure of the source tree (STYLE.md's layout), not its behaviour.

    tests/layout.py [--build DIR]     the checks on this tree; DIR holds the objects (build)
    tests/layout.py --self-test       each check against small made-up inputs

`make layout` runs the self-test, then the checks; `make check` runs `make layout`. One line per
check, "PASS name" or "FAIL name: detail" (details follow, indented), and a last line
"layout: N passed, N failed"; the exit status is non-zero on any failure.

The checks:

  call-cycles        no circle of calls between files of src/ and gen/. The file-level call graph
                     comes from the objects: A -> B when A's object uses (nm -u) a symbol that B's
                     defines (nm --defined-only, external symbols). A strongly connected component
                     of more than one file fails, but for two kinds of pair: a gen/ file and the
                     one src/ file holding its machine's actions (a 2-file component with exactly
                     one gen/ file: the machine calls its actions, the actions drive the machine),
                     src/policy/compile.c with src/policy/policy.c, and src/proto/record.c with
                     src/proto/session.c (an admission stage that waits resumes its session).
  cred-not-net       src/cred/ does not call into src/net/.
  net-no-session     src/net/ knows no session: no call from src/net/ into src/proto/, and no
                     file under src/net/ includes a header under src/proto/ or src/cli/.
  file-length        no file under src/proto/ or src/cred/ over 700 lines.
  function-length    no function over 120 lines in src/ (gen/ is generated), except in
                     src/sql/sql.c and src/policy/compile.c; a function's length runs from the
                     first line of its signature to its closing brace.

Objects are read for the sources that exist (BUILD/src/x/y.o for src/x/y.c), so an object left
behind by a deleted file adds nothing; `make layout` builds them first. Python stdlib and
binutils' nm only; run with /usr/bin/python3.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

FILE_MAX = 700
FILE_DIRS = ("src/proto/", "src/cred/")
FUNC_MAX = 120
# Cohesive modules allowed to keep their long functions (the classifier's and the policy
# compiler's big switches).
FUNC_EXEMPT = ("src/sql/sql.c", "src/policy/compile.c")
# Pairs of src/ files allowed to call each other, besides a gen/ file and its actions.
PAIRS_ALLOWED = [frozenset(("src/policy/compile.c", "src/policy/policy.c")),
                 # a stage that waits resumes its session (stage.h), which holds the stage
                 frozenset(("src/proto/record.c", "src/proto/session.c"))]


# ---- the call graph --------------------------------------------------------------------------

def sources(root):
    """The C files of src/ and gen/, relative to root, sorted."""
    out = []
    for top in ("src", "gen"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith(".c"):
                    out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def nm_symbols(objects, nm="nm"):
    """{object: (defined external symbols, undefined symbols)} from two nm runs."""
    table = {o: (set(), set()) for o in objects}
    if not objects:
        return table
    for which, args in ((0, ["--defined-only"]), (1, ["-u"])):
        p = subprocess.run([nm, "-A"] + args + list(objects), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise RuntimeError("nm failed: %s" % p.stderr.strip()[-400:])
        for line in p.stdout.splitlines():
            # "obj.o:0000000000000000 T name" or "obj.o:                 U name"
            obj, _, rest = line.partition(":")
            f = rest.split()
            if obj not in table or len(f) < 2:
                continue
            kind, name = f[-2], f[-1]
            if which == 0 and kind.isupper() and kind not in "U":
                table[obj][0].add(name)
            elif which == 1:
                table[obj][1].add(name)
    return table


def call_graph(files):
    """files: {file: (defined, used)} -> {a: {b: set of symbols a uses that b defines}}."""
    owner = {}
    for f in sorted(files):
        for s in files[f][0]:
            owner.setdefault(s, f)
    g = {f: {} for f in files}
    for a, (_, used) in files.items():
        for s in used:
            b = owner.get(s)
            if b is not None and b != a:
                g[a].setdefault(b, set()).add(s)
    return g


def sccs(g):
    """Tarjan's strongly connected components (iterative), each a sorted list of nodes."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(g):
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            pushed = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(g[w]))))
                    pushed = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if pushed:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def circles(g, comp):
    """Circles that together pass through every file of the component (for the report): the
    shortest one through each file that no earlier circle passed through."""
    out, seen = [], set()
    for f in comp:
        if f not in seen:
            c = circle_through(g, comp, f)
            out.append(c)
            seen.update(c)
    return out


def circle_through(g, comp, start):
    """A shortest circle from start back to start within the component."""
    members = set(comp)
    prev = {start: None}
    queue = [start]
    while queue:
        nxt = []
        for v in queue:
            for w in sorted(g[v]):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while prev[path[-1]] is not None:
                        path.append(prev[path[-1]])
                    return list(reversed(path)) + [start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        queue = nxt
    return comp + [start]


def syms(s):
    return ", ".join(sorted(s))


def pair_allowed(comp):
    """None if the component is not allowed, else why it is."""
    if len(comp) != 2:
        return None
    gens = [f for f in comp if f.startswith("gen/")]
    if len(gens) == 1:
        return "a gen/ machine and its actions"
    if frozenset(comp) in PAIRS_ALLOWED:
        return "allowed pair"
    return None


def check_cycles(g):
    """(ok, detail, lines)."""
    bad, notes, lines = [], [], []
    for comp in sccs(g):
        if len(comp) < 2:
            continue
        why = pair_allowed(comp)
        if why:
            notes.append("note: allowed (%s): %s" % (why, " <-> ".join(comp)))
            continue
        bad.append(comp)
    for comp in bad:
        lines.append("cycle of %d files: %s" % (len(comp), ", ".join(comp)))
        for c in circles(g, comp):
            lines.append("  circle: %s" % " -> ".join(c))
        lines.append("  calls within it:")
        for a in comp:
            for b in sorted(g[a]):
                if b in comp:
                    lines.append("    %s -> %s: %s" % (a, b, syms(g[a][b])))
    detail = "%d cycle(s) among %s" % (len(bad), ", ".join(" ".join(c) for c in bad)) if bad else ""
    return not bad, detail, lines + notes


def edges_between(g, src_prefix, dst_prefix):
    return [(a, b, s) for a in sorted(g) if a.startswith(src_prefix)
            for b, s in sorted(g[a].items()) if b.startswith(dst_prefix)]


def check_no_calls(g, src_prefix, dst_prefix):
    e = edges_between(g, src_prefix, dst_prefix)
    lines = ["%s -> %s: %s" % (a, b, syms(s)) for a, b, s in e]
    detail = "%d call edge(s) from %s into %s" % (len(e), src_prefix, dst_prefix) if e else ""
    return not e, detail, lines


# ---- includes ----------------------------------------------------------------------------------

INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)


def includes(root, path):
    """The quoted includes of a file, resolved as the compiler does with -Isrc -Igen."""
    with open(os.path.join(root, path), errors="replace") as f:
        text = f.read()
    out = []
    for m in INCLUDE.finditer(text):
        name = m.group(1)
        line = text.count("\n", 0, m.start()) + 1
        for base in (os.path.dirname(path), "src", "gen"):
            cand = os.path.normpath(os.path.join(base, name))
            if os.path.exists(os.path.join(root, cand)):
                out.append((line, name, cand))
                break
        else:
            out.append((line, name, None))
    return out


def check_net_includes(root, files):
    lines = []
    for f in files:
        if not f.startswith("src/net/"):
            continue
        for line, name, resolved in includes(root, f):
            if resolved and resolved.startswith(("src/proto/", "src/cli/")):
                lines.append("%s:%d includes \"%s\" (%s)" % (f, line, name, resolved))
    return lines


# ---- lengths -----------------------------------------------------------------------------------

def tree_files(root, top, exts=(".c", ".h")):
    out = []
    for d, _, names in os.walk(os.path.join(root, top)):
        for n in names:
            if n.endswith(exts):
                out.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(out)


def count_lines(path):
    with open(path, "rb") as f:
        return f.read().count(b"\n")


def long_files(root, dirs=FILE_DIRS, limit=FILE_MAX):
    """[(file, lines)] of the files under dirs over limit lines."""
    out = [(f, count_lines(os.path.join(root, f))) for top in dirs for f in tree_files(root, top)]
    return [(f, n) for f, n in out if n > limit]


def blank_c(text):
    """The text with comments, string and character literals and preprocessor directives
    replaced by spaces (newlines kept, so offsets and line numbers stay); a directive leaves
    a \\x01 where it began, which ends a top-level declaration as ';' does."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if c == "\n":
            line_start = True
            i += 1
            continue
        if line_start and c in " \t":
            i += 1
            continue
        if line_start and c == "#":
            out[i] = "\x01"
            i += 1
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out[i] = " "
                    i += 2
                    continue
                if text.startswith("/*", i):        # a comment inside a directive
                    j = text.find("*/", i + 2)
                    j = n if j < 0 else j + 2
                    for k in range(i, j):
                        if out[k] != "\n":
                            out[k] = " "
                    i = j
                    continue
                out[i] = " "
                i += 1
            continue
        line_start = False
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                out[k] = " "
            i = j + 1
        else:
            i += 1
    return skip_inactive(text, "".join(out))


DIRECTIVE = re.compile(r"^\s*#\s*(\w+)\s*(\S*)")


def skip_inactive(text, blanked):
    """Blanks what only one side of a conditional compiles, so that braces are counted once:
    the #else and #elif branches (the first branch stands for the code) and #if 0 blocks."""
    out, stack = [], []         # stack: True while the branch is read
    for orig, line in zip(text.split("\n"), blanked.split("\n")):
        m = DIRECTIVE.match(orig) if line.lstrip().startswith("\x01") else None
        if m:
            kw, arg = m.group(1), m.group(2)
            if kw in ("if", "ifdef", "ifndef"):
                stack.append(not (kw == "if" and arg == "0"))
            elif kw in ("elif", "else") and stack:
                stack[-1] = False
            elif kw == "endif" and stack:
                stack.pop()
            out.append(line)
        elif all(stack):
            out.append(line)
        else:
            out.append(" " * len(line))
    return "\n".join(out)


FUNC_END = re.compile(r"\)\s*(__attribute__\s*\(\(.*\)\)\s*)*$", re.S)
FUNC_NAME = re.compile(r"([A-Za-z_]\w*)\s*\(")


def functions(text):
    """[(first line, last line, name)] of the function definitions in C text: a '{' at the top
    level whose declaration ends with ')' and has no '=' outside parentheses (which would make
    it an initialiser); the body runs to the matching '}'."""
    b = blank_c(text)
    out = []
    depth = 0
    decl = None             # offset of the first character of the current top-level declaration
    fn = None               # (start offset, name) of the function whose body we are in
    for i, c in enumerate(b):
        if depth == 0:
            if c in ";\x01":
                decl = None
                continue
            if c == "{":
                head = b[decl:i] if decl is not None else ""
                if decl is not None and FUNC_END.search(head.strip()) and not top_level_eq(head):
                    names = [m for m in FUNC_NAME.findall(head) if m != "__attribute__"]
                    fn = (decl, names[0] if names else "?")
                else:
                    fn = None
                depth = 1
                continue
            if c == "}":        # unbalanced: ignore
                continue
            if decl is None and not c.isspace():
                decl = i
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                if fn is not None:
                    out.append((b.count("\n", 0, fn[0]) + 1, b.count("\n", 0, i) + 1, fn[1]))
                fn = None
                decl = None
    return out


def top_level_eq(head):
    depth = 0
    for c in head:
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif c == "=" and depth == 0:
            return True
    return False


def long_functions(root, files, limit=FUNC_MAX):
    """[(file, line, name, length)] of functions over limit lines, longest first."""
    out = []
    for f in files:
        with open(os.path.join(root, f), errors="replace") as fh:
            text = fh.read()
        for first, last, name in functions(text):
            n = last - first + 1
            if n > limit:
                out.append((f, first, name, n))
    return sorted(out, key=lambda x: (-x[3], x[0], x[1]))


# ---- the checks on a tree ----------------------------------------------------------------------

class Report:
    def __init__(self, label):
        self.label = label
        self.passed = self.failed = 0

    def result(self, name, ok, detail="", lines=()):
        if ok:
            self.passed += 1
            print("PASS %s" % name)
        else:
            self.failed += 1
            print("FAIL %s: %s" % (name, detail))
        for line in lines:
            print("    " + line)
        sys.stdout.flush()

    def end(self):
        print("%s: %d passed, %d failed" % (self.label, self.passed, self.failed))
        return 0 if self.failed == 0 else 1


def graph_of_tree(root, build, nm):
    srcs = sources(root)
    objs, missing = {}, []
    for s in srcs:
        o = os.path.join(build, s[:-2] + ".o")
        (objs.__setitem__(o, s) if os.path.exists(o) else missing.append(s))
    if missing:
        raise RuntimeError("no object in %s for %s: build them first (make layout does)"
                           % (build, ", ".join(missing)))
    table = nm_symbols(sorted(objs), nm)
    return srcs, call_graph({objs[o]: v for o, v in table.items()})


def run_tree(root, build, nm):
    rep = Report("layout")
    srcs, g = graph_of_tree(root, build, nm)

    ok, detail, lines = check_cycles(g)
    rep.result("call-cycles", ok, detail, lines)

    ok, detail, lines = check_no_calls(g, "src/cred/", "src/net/")
    rep.result("cred-not-net", ok, detail, lines)

    ok, detail, lines = check_no_calls(g, "src/net/", "src/proto/")
    inc = check_net_includes(root, tree_files(root, "src/net"))
    if inc:
        detail = "; ".join(d for d in (detail, "%d include(s) of src/proto/ or src/cli/ headers"
                                       % len(inc)) if d)
    rep.result("net-no-session", ok and not inc, detail, lines + inc)

    big = long_files(root)
    rep.result("file-length", not big, "%d file(s) over %d lines under %s" % (
        len(big), FILE_MAX, " and ".join(FILE_DIRS)), ["%s %d lines" % x for x in big])

    cfiles = [f for f in tree_files(root, "src", (".c", ".h")) if f not in FUNC_EXEMPT]
    longf = long_functions(root, cfiles)
    rep.result("function-length", not longf, "%d function(s) over %d lines outside gen/ (%s exempt)" % (
        len(longf), FUNC_MAX, ", ".join(FUNC_EXEMPT)),
        ["%s:%d %s %d lines" % x for x in longf])
    return rep.end()


# ---- self-test ---------------------------------------------------------------------------------

def func_text(name, lines):
    """A function of exactly LINES lines in house style (signature, '{', body, '}')."""
    body = ["\tx += %d;" % i for i in range(lines - 3)]
    return "static int %s(int x)\n{\n%s\n}\n" % (name, "\n".join(body)) if body else \
        "static int %s(int x)\n{\n}\n" % name


def self_test(cc, nm):
    rep = Report("layout self-test")

    def expect(name, cond, detail=""):
        rep.result(name, cond, detail)

    # A 3-file circle, through real objects and nm: a.c -> b.c -> c.c -> a.c, d.c outside it.
    tmp = tempfile.mkdtemp(prefix="jg-layout.")
    try:
        units = {
            "src/x/a.c": "int b_f(void);\nint a_f(void) { return b_f(); }\n",
            "src/x/b.c": "int c_f(void);\nint b_f(void) { return c_f(); }\n",
            "src/y/c.c": "int a_f(void);\nstatic int c_local(void) { return 1; }\n"
                         "int c_f(void) { return a_f() + c_local(); }\n",
            "src/y/d.c": "int a_f(void);\nint d_f(void) { return a_f(); }\n",
        }
        for rel, text in units.items():
            os.makedirs(os.path.join(tmp, os.path.dirname(rel)), exist_ok=True)
            os.makedirs(os.path.join(tmp, "build", os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(tmp, rel), "w") as f:
                f.write(text)
            subprocess.run([cc, "-c", os.path.join(tmp, rel), "-o",
                            os.path.join(tmp, "build", rel[:-2] + ".o")], check=True)
        _, g = graph_of_tree(tmp, os.path.join(tmp, "build"), nm)
        ok, detail, lines = check_cycles(g)
        expect("3-file cycle found", not ok and "src/x/a.c src/x/b.c src/y/c.c" in detail, detail)
        expect("cycle edges name their symbols",
               any("src/y/c.c -> src/x/a.c: a_f" in l for l in lines), " | ".join(lines))
        expect("file outside the cycle left out", "src/y/d.c" not in detail, detail)
        expect("static symbols make no edge", all("c_local" not in l for l in lines))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def graph(spec):
        """spec: {file: (defined, used)} with space-separated names."""
        return call_graph({f: (set(d.split()), set(u.split())) for f, (d, u) in spec.items()})

    g = graph({"gen/m.c": ("m_exec", "m_act_open m_act_close"),
               "src/p/m_actions.c": ("m_act_open m_act_close m_feed", "m_exec"),
               "src/p/user.c": ("", "m_feed")})
    ok, _, lines = check_cycles(g)
    expect("gen file and its actions allowed", ok and any("allowed" in l for l in lines),
           " | ".join(lines))

    g = graph({"src/policy/compile.c": ("jg_policy_compile", "jg_policy_add"),
               "src/policy/policy.c": ("jg_policy_add jg_policy_load", "jg_policy_compile")})
    expect("compile.c <-> policy.c allowed", check_cycles(g)[0])

    g = graph({"src/a/one.c": ("one", "two"), "src/a/two.c": ("two", "one")})
    ok, detail, _ = check_cycles(g)
    expect("2 src files calling each other fail", not ok, detail)

    g = graph({"gen/m.c": ("m_exec", "act"), "src/p/act.c": ("act", "m_exec helper"),
               "src/p/helper.c": ("helper", "m_exec")})
    ok, detail, _ = check_cycles(g)
    expect("gen file in a 3-file cycle fails", not ok, detail)

    g = graph({"gen/m.c": ("m_exec", "n_exec"), "gen/n.c": ("n_exec", "m_exec")})
    expect("two gen files calling each other fail", not check_cycles(g)[0])

    g = graph({"src/cred/cred.c": ("jg_cred_open", "jg_conn_send"),
               "src/net/conn.c": ("jg_conn_send", ""),
               "src/net/loop.c": ("jg_loop", "jg_session_step jg_conn_send"),
               "src/proto/session.c": ("jg_session_step", "jg_cred_open")})
    ok, _, lines = check_no_calls(g, "src/cred/", "src/net/")
    expect("cred -> net call found",
           not ok and lines == ["src/cred/cred.c -> src/net/conn.c: jg_conn_send"], " | ".join(lines))
    ok, _, lines = check_no_calls(g, "src/net/", "src/proto/")
    expect("net -> proto call found", not ok and len(lines) == 1 and "jg_session_step" in lines[0],
           " | ".join(lines))

    tmp = tempfile.mkdtemp(prefix="jg-layout.")
    try:
        for rel, text in {"src/net/loop.c": '#include "net/loop.h"\n#include "proto/session.h"\n'
                                            '#include <stdio.h>\n',
                          "src/net/ok.c": '#include "loop.h"\n#include "gw/config.h"\n',
                          "src/net/loop.h": "", "src/proto/session.h": "",
                          "src/gw/config.h": ""}.items():
            os.makedirs(os.path.join(tmp, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(tmp, rel), "w") as f:
                f.write(text)
        inc = check_net_includes(tmp, tree_files(tmp, "src/net"))
        expect("net including a proto header found",
               inc == ['src/net/loop.c:2 includes "proto/session.h" (src/proto/session.h)'],
               " | ".join(inc))

        with open(os.path.join(tmp, "src/proto/big.c"), "w") as f:
            f.write("\n" * 701)
        with open(os.path.join(tmp, "src/proto/fits.c"), "w") as f:
            f.write("\n" * 700)
        big = long_files(tmp)
        expect("701-line file found, 700-line one not", big == [("src/proto/big.c", 701)], str(big))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    text = (func_text("long_one", 121) + "\n" + func_text("just_fits", 120) + "\n" +
            "/* a comment with { and } */\n"
            "static const int table[] =\n{\n" + "\t1,\n" * 130 + "};\n\n"
            "static const struct s init = {\n" + "\t.a = 1,\n" * 130 + "};\n\n"
            "struct big {\n" + "\tint a;\n" * 130 + "};\n\n"
            "static int one_line(int x) { return x; }\n"
            "static int\nmulti_line(int a,\n           int b)\n{\n\tconst char *s = \"}\";\n"
            "\tchar c = '{';\n\t/* } */\n\tif (a) {\n\t\treturn b;\n\t}\n#if 0\n\t{\n#endif\n"
            + "\ta++;\n" * 115 + "}\n"
            "static void attr(void) __attribute__((unused));\n"
            "static void attr(void)\n{\n}\n"
            "static int branches(int x)\n{\n#ifdef FAST\n\tif (x) {\n#else\n\tif (!x) {\n#endif\n"
            "\t\tx++;\n\t}\n\treturn x;\n}\n")
    fs = {name: (first, last) for first, last, name in functions(text)}

    def length(name):
        return fs[name][1] - fs[name][0] + 1 if name in fs else None
    expect("121-line function found", length("long_one") == 121, str(fs.get("long_one")))
    expect("120-line function measured as 120", length("just_fits") == 120, str(fs.get("just_fits")))
    tmp = tempfile.mkdtemp(prefix="jg-layout.")
    try:
        with open(os.path.join(tmp, "f.c"), "w") as f:
            f.write(text)
        longf = long_functions(tmp, ["f.c"])
        expect("only the 121-line and the 129-line functions are over 120",
               [x[2] for x in longf] == ["multi_line", "long_one"], str(longf))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    expect("signature's first line starts the count; braces in strings, chars, comments and "
           "#if 0 ignored", length("multi_line") == 129, str(fs.get("multi_line")))
    expect("initialisers and struct definitions are not functions",
           set(fs) == {"long_one", "just_fits", "one_line", "multi_line", "attr", "branches"},
           str(sorted(fs)))
    expect("one-line function measured as 1", length("one_line") == 1, str(fs.get("one_line")))
    expect("#else branch's braces counted once", length("branches") == 11, str(fs.get("branches")))
    return rep.end()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--build", default="build", help="the build directory (make's BUILD)")
    ap.add_argument("--root", default=ROOT)
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--nm", default=os.environ.get("NM", "nm"))
    a = ap.parse_args()
    try:
        if a.self_test:
            sys.exit(self_test(a.cc, a.nm))
        sys.exit(run_tree(a.root, os.path.join(a.root, a.build), a.nm))
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print("FAIL layout: %s" % e)
        print("%s: 0 passed, 1 failed" % ("layout self-test" if a.self_test else "layout"))
        sys.exit(1)


if __name__ == "__main__":
    main()
