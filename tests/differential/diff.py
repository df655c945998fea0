#!/usr/bin/python3
"""diff.py: the differential test. MariaDB says what it ran; the classifier says what it judged.

For each generated packet (gen.py):
  1. the test connection is put in the packet's starting session state (SET NAMES, sql_mode,
     USE dt), and the state is read back from the server (the truth the classifier is given);
  2. the packet goes to MariaDB as one COM_QUERY with CLIENT_MULTI_STATEMENTS, every result and
     the error, if any, read;
  3. performance_schema.events_statements_history (top-level events of the connection's thread,
     after the state query's own event) says how the server split the packet and what each
     statement was: one event per statement it parsed or tried, EVENT_NAME statement/sql/<kind>
     (statement/sql/error for a syntax error, statement/sql/empty_query for a piece with only
     comments), SQL_TEXT = the rest of the packet from where the statement starts (whitespace
     skipped, trailing blanks and ';' cut, shortened with '...' at the first byte that is not
     well-formed in the statement's character set), MYSQL_ERRNO; the server stops at the first
     statement that fails;
  4. `jitgate sql classify --spans --file -` (classify_argv: the one place that turns session
     state into classifier arguments) reads the same bytes;
  5. compare: the server's statement boundaries (the ';' before each next statement's SQL_TEXT)
     must be the classifier's, each statement the server parsed must have a compatible kind
     (SERVER_KINDS; `unknown` is compatible with anything), the classifier must not miss a
     statement the server ran, nor split one the server ran whole;
  6. a mismatch is shrunk (delta debugging over the generator's pieces, then bytes) to a minimal
     packet that still mismatches the same way, printed, and written as a draft case in the
     format of tests/sql/classify.cases.

Usage (tests/differential/run.sh starts the server and passes the connection options):
  diff.py --port P --password-file F --jitgate BIN --seed S (--packets N | --seconds T) [--out F]
The last line is "differential: N passed, M failed" (a packet that mismatches is a failure).
"""

import argparse
import json
import os
import re
import ssl
import subprocess
import sys
import time

import pymysql
from pymysql.constants import CLIENT

import gen

# Server EVENT_NAME (without statement/sql/) -> the classifier kinds it may be called.
SERVER_KINDS = {
    "select": ("select",),
    "insert": ("insert",), "insert_select": ("insert",),
    "replace": ("replace",), "replace_select": ("replace",),
    "update": ("update",), "update_multi": ("update",),
    "delete": ("delete",), "delete_multi": ("delete",),
    "drop_table": ("drop",), "drop_db": ("drop",), "drop_view": ("drop",),
    "drop_index": ("drop",), "drop_sequence": ("drop",),
    "create_table": ("create",), "create_db": ("create",), "alter_table": ("alter",),
    "truncate": ("truncate",), "rename_table": ("rename",),
    "set_option": ("set", "transaction"),
    "change_db": ("use",),
    "empty_query": ("empty",),
    "do": ("do",),
    "begin": ("transaction",), "commit": ("transaction",), "rollback": ("transaction",),
    "call_procedure": ("call",), "prepare_sql": ("prepare",), "execute_sql": ("execute",),
    "dealloc_sql": ("deallocate",), "lock_tables": ("lock",), "unlock_tables": ("lock",),
}
DDL_EVENTS = ("drop_", "create_", "alter_", "rename_", "truncate")
TRIM = b" \t\n\r\x0b\x0c;"
# Table locks per table of the test schema: a table whose count grows during a packet was opened
# by one of its statements (performance_schema's wait/lock/table/sql/handler instrument).
LOCKS = ("(SELECT GROUP_CONCAT(OBJECT_NAME, ':', COUNT_STAR) FROM "
         "performance_schema.table_lock_waits_summary_by_table WHERE OBJECT_SCHEMA = '%s')" % gen.DB)


def locked(before, after):
    """The test schema's tables ("dt.t1") whose lock count grew between two LOCKS readings."""
    def counts(v):
        return dict(x.split(":") for x in v.decode().split(",")) if v else {}
    b, a = counts(before), counts(after)
    return sorted("%s.%s" % (gen.DB, t) for t in a if int(a[t]) > int(b.get(t, 0)))


def esc(b):
    """Bytes as a Python literal without the b prefix: what the report shows."""
    return repr(bytes(b))[1:]


# ---- the server ---------------------------------------------------------------------------------
class Server:
    """One test connection to MariaDB; runs packets and reads back what the server ran."""

    def __init__(self, host, port, user, password, ssl_ca=None):
        self.args = dict(host=host, port=port, user=user, password=password, autocommit=True,
                         client_flag=CLIENT.MULTI_STATEMENTS, use_unicode=False, conv={},
                         charset="utf8mb4", connect_timeout=10, read_timeout=60)
        if ssl_ca:                        # through the gateway: TLS, the token as password
            self.args["ssl"] = ssl.create_default_context(cafile=ssl_ca)
        self.connect()
        self.version = self.one("SELECT @@version")[0].decode()
        self.load_schema()

    def connect(self):
        self.conn = pymysql.connect(**self.args)
        # Column names of generated SELECTs may be any bytes: decode them in a way that never fails.
        self.conn.encoding = "latin1"
        self.tid = int(self.one("SELECT THREAD_ID FROM performance_schema.threads "
                                "WHERE PROCESSLIST_ID = CONNECTION_ID()")[0])

    def query(self, sql):
        """Sends one COM_QUERY and reads every result; returns the error (code, message) or None."""
        c = self.conn
        try:
            c.query(sql)
            while c._result is not None and c._result.has_next:
                c.next_result()
        except pymysql.err.OperationalError as e:
            if e.args and e.args[0] in (2006, 2013, 2014):   # lost: a new connection for the next
                self.connect()
            return e.args
        except pymysql.err.MySQLError as e:
            return e.args
        return None

    def one(self, sql):
        err = self.query(sql)
        if err:
            raise RuntimeError("control query failed: %s: %s" % (sql[:80], err))
        return self.conn._result.rows[0]

    def rows(self, sql):
        err = self.query(sql)
        if err:
            raise RuntimeError("control query failed: %s: %s" % (sql[:80], err))
        return self.conn._result.rows or ()

    def load_schema(self):
        err = self.query("SET NAMES utf8mb4; SET SESSION sql_mode = DEFAULT; " + gen.SCHEMA_SQL)
        if err:
            raise RuntimeError("loading the schema failed: %s" % (err,))

    def run(self, state, packet):
        """(session state as the server has it, [(event, errno, sql_text or None)], error)."""
        mode = "DEFAULT" if state["sql_mode"] == "DEFAULT" else "'%s'" % state["sql_mode"]
        err = self.query("SET NAMES %s; SET SESSION sql_mode = %s; USE %s"
                         % (state["charset"], mode, gen.DB))
        if err:
            raise RuntimeError("setting the session state failed: %s" % (err,))
        # Hex everywhere: the session's result charset may be latin1.
        row = self.one("SELECT HEX(@@sql_mode), @@character_set_client, HEX(IFNULL(DATABASE(), '')), "
                       "(SELECT EVENT_ID FROM performance_schema.events_statements_current "
                       "WHERE THREAD_ID = %d), %s" % (self.tid, LOCKS))
        truth = {"sql_mode": bytes.fromhex(row[0].decode()).decode(), "charset": row[1].decode(),
                 "db": bytes.fromhex(row[2].decode()).decode(), "version": self.version}
        mark = int(row[3])
        locks = row[4]
        error = self.query(packet)
        events = []
        for name, text, errno in self.rows(
                "SELECT EVENT_NAME, HEX(SQL_TEXT), MYSQL_ERRNO "
                "FROM performance_schema.events_statements_history WHERE THREAD_ID = %d "
                "AND EVENT_ID > %d AND NESTING_EVENT_ID IS NULL ORDER BY EVENT_ID" % (self.tid, mark)):
            name = name.decode()
            name = name[len("statement/sql/"):] if name.startswith("statement/sql/") else name
            text = None if text is None else bytes.fromhex(text.decode())
            events.append((name, int(errno or 0), text))
        tables = locked(locks, self.one("SELECT " + LOCKS)[0])
        if any(e[1] == 0 and e[0].startswith(DDL_EVENTS) for e in events):
            self.load_schema()
        truth["tables"] = tables
        return truth, events, error

    # ---- where each statement starts -----------------------------------------------------------
    @staticmethod
    def starts(packet, text, after):
        """Offsets in packet (> after) where a statement whose SQL_TEXT is `text` may start.

        performance_schema keeps the statement's bytes and shows them as UTF-8 (utf8mb3): a byte
        that is not part of a well-formed character of at most 3 bytes is shown as '?' (one per
        byte: a 4-byte character is '????'), or, in a utf8mb4 session, the text is cut there and
        '...' replaces its last 3 characters; a text over performance_schema_max_sql_text_length
        is cut with '...' too, and a text cut to 3 characters or less is shown without '...'.
        So '?' matches any byte, and a text that ends in '...' or is that short may be a prefix.
        The server cut trailing blanks and ';' from the packet before it started."""
        def pattern(t):
            return b"".join(b"." if c == 0x3F else re.escape(bytes([c])) for c in t)
        whole = re.compile(pattern(text), re.S)
        head = None
        if text.endswith(b"..."):
            head = re.compile(pattern(text[:-3]), re.S)
        elif len(text.decode("utf-8", "replace")) <= 3:
            head = whole
        found = set()
        for i in range(after + 1, len(packet) + 1):
            m = whole.match(packet, i)
            if m and not packet[m.end():].strip(TRIM + b"\xa0"):
                found.add(i)
            elif head and head.match(packet, i):
                found.add(i)
        return found


# ---- the classifier -----------------------------------------------------------------------------
class Classifier:
    """`jitgate sql classify`, given the session state the server reported."""

    def __init__(self, binary):
        self.binary = binary
        usage = subprocess.run([binary, "sql", "classify"], capture_output=True).stderr.decode()
        for o in ("charset", "server", "spans", "file"):
            if ("--" + o) not in usage:
                sys.exit("diff.py: %s sql classify has no --%s" % (binary, o))

    def argv(self, state):
        """The one place that turns the session's state into classifier arguments."""
        return [self.binary, "sql", "classify", "--spans", "--sql-mode", state["sql_mode"],
                "--db", state["db"], "--charset", state["charset"], "--server", state["version"],
                "--file", "-"]

    def run(self, state, packet):
        p = subprocess.run(self.argv(state), input=packet, capture_output=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("classify failed (%d): %s" % (p.returncode, p.stderr.decode()[:300]))
        out = [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]
        # The last line says when the gateway refuses the text whole (ambiguous, charset).
        refused = out[-1]["refused"] if out and "refused" in out[-1] else None
        return [o for o in out if "kind" in o], refused


# ---- the comparison -----------------------------------------------------------------------------
def semicolon_before(packet, pos):
    """The ';' that ended the statement before the one at pos (the server skips only whitespace
    between the two)."""
    return packet.rfind(b";", 0, pos)


def judged(server, packet, events, reading, error, through, opened=()):
    """compare, after the refusals: a text the classifier refuses whole (ambiguous, charset) is
    refused by the gateway too and runs nowhere; that is no mismatch, and is counted apart
    ([{"type": "refused"}] with no detail). A refusal only one side makes is a mismatch."""
    stmts, refused = reading
    gw = bool(error) and error[0] == 1142 and b"jitgate" in str(error[1:]).encode()
    if refused and (gw or not through):
        return [{"type": "refused", "index": 0, "detail": None}]
    if refused or gw:
        return [{"type": "refusal", "index": 0,
                 "detail": "the classifier %s the text (%s); the gateway %s it"
                           % ("refuses" if refused else "reads", refused or "-",
                              "refused" if gw else "let it run")}]
    return compare(server, packet, events, stmts, opened)


def compare(server, packet, events, stmts, opened=()):
    """A list of mismatches ({"type", "index", "detail"}); empty when the readings agree."""
    out = []
    pos = [0] * len(events)
    after = -1
    for i, (name, errno, text) in enumerate(events):
        if not text:                      # no text (an empty query, or not one well-formed byte)
            pos[i] = None
            continue
        pos[i] = server.starts(packet, text, after)
        if not pos[i]:
            return [{"type": "oracle", "index": i,
                     "detail": "statement %d's SQL_TEXT %s is not in the packet" % (i + 1, esc(text))}]
        after = min(pos[i])
    # The classifier's statement ends on its ';' (jg_sql_stmt.start/len): the boundary before
    # statement i is where statement i - 1 ends.
    g_semis = [-1] + [s["start"] + s["len"] for s in stmts[:-1]]
    for i, (name, errno, text) in enumerate(events):
        if i >= len(stmts):
            if all(e[0] == "empty_query" and e[1] == 0 for e in events[i:]):
                break                     # a trailing piece of comments: not a statement to it
            out.append({"type": "missing", "index": i,
                        "detail": "the server ran statement %d (%s) that the gateway did not see"
                                  % (i + 1, name)})
            break
        if i > 0 and pos[i] is not None:
            server_semis = {semicolon_before(packet, p) for p in pos[i]}
            if g_semis[i] not in server_semis:
                out.append({"type": "split", "index": i,
                            "detail": "statement %d starts after the ';' at byte %s for the server, "
                                      "at byte %d for the gateway"
                                      % (i + 1, "/".join(map(str, sorted(server_semis))), g_semis[i])})
                break
        kind = stmts[i]["kind"]
        if name == "error" or kind == "unknown":
            continue
        if kind not in SERVER_KINDS.get(name, ()):
            out.append({"type": "kind", "index": i,
                        "detail": "statement %d: server %s, gateway %s" % (i + 1, name, kind)})
    seen = stmts[:len(events)]
    if not out and opened and not any(s["kind"] == "unknown" for s in seen):
        listed = {t for s in seen for t in s["tables"]}
        missed = [t for t in opened if t not in listed]
        if missed:
            out.append({"type": "tables", "index": 0,
                        "detail": "the server opened %s; the gateway's statements list %s"
                                  % (", ".join(missed), ", ".join(sorted(listed)) or "no table")})
    if not out and events and events[-1][1] == 0:
        extra = [s for s in stmts[len(events):] if s["kind"] != "empty"]
        if extra:
            out.append({"type": "extra", "index": len(events),
                        "detail": "the server ran %d statement(s) whole; the gateway split them into %d"
                                  % (len(events), len(events) + len(extra))})
    return out


def reading(server, packet, events, stmts, opened=()):
    s = ["server: " + (" ; ".join("%s%s" % (e[0], "(%d)" % e[1] if e[1] else "") for e in events)
                       or "(no statement)") + (" [opened %s]" % ", ".join(opened) if opened else "")]
    s.append("gateway: " + (" ; ".join("%s %s%s" % (g["kind"], esc(packet[g["start"]:g["start"] + g["len"]]).strip(),
                                                      " [%s]" % ", ".join(g["tables"]) if g["tables"] else "")
                                        for g in stmts) or "(no statement)"))
    return s


# ---- shrinking ----------------------------------------------------------------------------------
class Shrinker:
    def __init__(self, check, budget):
        self.check = check               # pieces -> bool (still mismatches the same way)
        self.budget = budget

    def test(self, pieces):
        if self.budget <= 0:
            return False
        self.budget -= 1
        return self.check(pieces)

    def ddmin(self, items):
        n = 2
        while len(items) >= 2 and self.budget > 0:
            chunk = max(1, len(items) // n)
            done = False
            for start in range(0, len(items), chunk):
                cand = items[:start] + items[start + chunk:]
                if cand and self.test(cand):
                    items, n, done = cand, max(n - 1, 2), True
                    break
            if not done:
                if chunk == 1:
                    break
                n = min(len(items), n * 2)
        return items

    def shrink(self, pieces):
        pieces = self.ddmin(list(pieces))
        # Then bytes: each piece split into its bytes, shrunk again.
        flat = [bytes([b]) for b in b"".join(pieces)]
        flat = self.ddmin(flat)
        # Multi-byte characters that lost a byte are fine: the server saw those bytes too.
        return flat


# ---- regression case ---------------------------------------------------------------------------
def case_line(truth, packet, events):
    """A draft line for tests/sql/classify.cases: the server's reading as the expectation."""
    opts = []
    modes = [m for m, names in (("nbe", ("NO_BACKSLASH_ESCAPES",)), ("ansi", ("ANSI_QUOTES", "ANSI")))
             if any(n in truth["sql_mode"].split(",") for n in names)]
    if modes:
        opts.append("mode=" + ",".join(modes))
    opts.append("db=" + (truth["db"] or "none"))
    exp = []
    for name, errno, _ in events:
        if name == "empty_query" and errno == 0 and len(exp) == len(events) - 1 and exp:
            break
        exp.append("kind=" + (SERVER_KINDS.get(name, ("unknown",))[0] if name != "error" else "unknown"))
    if len(exp) == 1 and truth.get("tables"):     # the tables the server opened: one statement's
        exp[0] += " tables=" + ",".join(truth["tables"])
    text = packet.replace(b"\n", "⏎".encode())
    return b"{" + " ".join(opts).encode() + b"} " + text + " ⟶ ".encode() + " | ".join(exp).encode()


# ---- the campaign -------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", default="jg_admin")
    ap.add_argument("--password-file", required=True, help="the password (through the gateway: a token)")
    ap.add_argument("--ssl-ca", help="connect over TLS, checking the server against this CA (the gateway)")
    ap.add_argument("--jitgate", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--packets", type=int, default=0, help="stop after this many packets")
    ap.add_argument("--seconds", type=float, default=0, help="stop after this long")
    ap.add_argument("--shrink-budget", type=int, default=400, help="tests per shrink")
    ap.add_argument("--max-shrinks", type=int, default=12, help="shrink at most this many mismatches")
    ap.add_argument("--out", help="write the shrunk cases here (classify.cases format)")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    if not a.packets and not a.seconds:
        a.packets = 1000

    server = Server(a.host, a.port, a.user, open(a.password_file).readline().strip(), a.ssl_ca)
    clf = Classifier(a.jitgate)
    g = gen.Gen(a.seed)
    t0 = time.monotonic()
    packets = statements = passed = failed = oracle = shrinks = refusals = 0
    through = bool(a.ssl_ca)          # through the gateway (else straight to MariaDB)
    found = {}                       # shrunk packet -> report
    ran = {"ok": 0, "syntax": 0, "error": 0}   # what the server did with each statement it read
    while True:
        if a.packets and packets >= a.packets:
            break
        if a.seconds and time.monotonic() - t0 >= a.seconds:
            break
        state, pieces, n = g.packet()
        packets += 1
        statements += n
        packet = b"".join(pieces)
        truth, events, error = server.run(state, packet)
        for name, errno, _ in events:
            ran["ok" if not errno else "syntax" if name == "error" else "error"] += 1
        mism = judged(server, packet, events, clf.run(truth, packet), error, through,
                      truth["tables"])
        if a.verbose:
            print("#%d %s %s" % (packets, esc(packet), mism))
        if mism and mism[0]["type"] == "refused":
            refusals += 1             # fail closed, on both sides: nothing ran
            passed += 1
            continue
        if not mism:
            passed += 1
            continue
        if mism[0]["type"] == "oracle":
            oracle += 1               # the server's text could not be placed: not a verdict
            passed += 1
            if a.verbose:
                print("oracle: %s" % mism[0]["detail"])
            continue
        failed += 1
        kind = mism[0]["type"]
        if shrinks >= a.max_shrinks:
            continue
        shrinks += 1

        def still(cand, state=state, kind=kind):
            p = b"".join(cand)
            tr, ev, er = server.run(state, p)
            m = judged(server, p, ev, clf.run(tr, p), er, through, tr["tables"])
            return bool(m) and m[0]["type"] == kind

        small = b"".join(Shrinker(still, a.shrink_budget).shrink(pieces))
        tr, ev, err = server.run(state, small)
        st, _ = clf.run(tr, small)
        m = judged(server, small, ev, (st, _), err, through, tr["tables"])
        if not m or small in found:
            continue
        found[small] = (tr, ev, st, m, err, packet)
        print("MISMATCH %s (packet %d, seed %d): %s" % (kind, packets, a.seed, m[0]["detail"]))
        print("  session: sql_mode=%s charset=%s db=%s" % (tr["sql_mode"] or "''", tr["charset"], tr["db"]))
        print("  minimal: %s" % esc(small))
        for line in reading(server, small, ev, st, tr["tables"]):
            print("  " + line)
        if err:
            print("  server error: %s" % (err,))
        print("  found in: %s" % esc(packet))
        sys.stdout.flush()
    secs = time.monotonic() - t0
    print("differential: seed %d, %d packets, %d statements generated; the server ran %d, refused "
          "%d as syntax errors, %d failed otherwise; %d packets mismatched (%d distinct shrunk), "
          "%d unplaceable server texts; %d refused whole by the classifier and the gateway "
          "(ambiguous or charset); %.1f s, %.0f packets/s"
          % (a.seed, packets, statements, ran["ok"], ran["syntax"], ran["error"], failed, len(found),
             oracle, refusals, secs, packets / max(secs, 1e-9)))
    if a.out and not found and os.path.exists(a.out):
        os.remove(a.out)              # nothing found this time: no stale cases from an earlier run
    if a.out and found:
        with open(a.out, "wb") as f:
            f.write(b"# Found by tests/differential (seed %d): the server's reading as the expectation.\n"
                    b"# Drafts: add flags, tables and fingerprints before moving a line to classify.cases.\n"
                    % a.seed)
            for small, (tr, ev, st, m, err, _) in found.items():
                f.write(b"# %s: %s\n" % (m[0]["type"].encode(), m[0]["detail"].encode()))
                f.write(b"# charset %s; bytes %s\n" % (tr["charset"].encode(), esc(small).encode()))
                for line in reading(server, small, ev, st, tr["tables"]):
                    f.write(b"# " + line.encode() + b"\n")
                if b"\x00" in small or b"\r" in small:
                    f.write(b"# (holds a byte the case reader cannot take: see the bytes above)\n")
                else:
                    f.write(case_line(tr, small, ev) + b"\n")
    print("differential: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
