#!/usr/bin/python3
"""audit_fixture.py: writes an audit store as the recorder will (docs/audit.md), for testing the
read-side commands (jitgate sessions, replay, audit export, audit verify) without a gateway.

    audit_fixture.py STORE [--base EPOCH_SECONDS] [--tamper SEQ]

STORE must not exist. The records, with correct seq, prev and hash (docs/audit.md, "The
records"); times are BASE (default 2026-11-29T10:00:00Z) plus the offsets below:

  instance gw1
    start                                         +0 s
    session 1: alice@example.com as analyst       +3 s, ended "client quit" at +4 min 12 s
      #1 SELECT (card numbers masked "****1111"; 3 rows, 2 recorded)
      #2 COM_STMT_PREPARE, #3 COM_STMT_EXECUTE with params ["1", null]
      #4 DROP TABLE: denied by rule no-drop, ERR 1142 (42000)
      #5 two statements, two result sets
      #6 UPDATE, 1 row affected, 1 warning
      #7 a latin1 statement and a binary value (both {"base64": ...}); a NUL and an escape
         sequence in text cells
      #8 a statement the server refuses (ERR 1146)
    session 2: login refused (token expired)      +5 min
    session 3: bob@example.com as agent           +10 min, still open
      #1 SELECT 1; #2 COM_BINLOG_DUMP refused
  instance gw2
    start                                         +1 h 49 min
    session 0: login refused (bad signature)      +1 h 49 min 30 s
    session 1: carol@example.com as analyst       +1 h 50 min, ended "idle timeout" +1 h 51 min
      #1 SHOW TABLES
      gap (batched mode lost 2 records)           +1 h 50 min 30 s
    stop                                          +1 h 52 min

Session 1 exists in both instances (replay must ask which). No checkpoint record: signing one
needs ECDSA, which the standard library does not have.

--tamper SEQ changes the body of gw1's record SEQ after its hash was computed (a broken chain for
`jitgate audit verify`). Prints "STORE: N records". Python stdlib only; run with /usr/bin/python3.
"""
import argparse
import base64
import calendar
import hashlib
import json
import os
import sqlite3
import sys

SCHEMA = ("CREATE TABLE audit (id INTEGER PRIMARY KEY, instance TEXT, seq INTEGER, time INTEGER, "
          "kind TEXT, session INTEGER, body TEXT, prev BLOB, hash BLOB, UNIQUE (instance, seq))")
BASE = calendar.timegm((2026, 11, 29, 10, 0, 0))
S, M, H = 1_000_000, 60_000_000, 3_600_000_000


def body_text(body):
    """The body as the recorder's writer (src/audit/jw.c) makes it: compact, keys in order,
    UTF-8 as it is (ensure_ascii off), control characters and DEL as \\u00XX."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).replace("\x7f", "\\u007f")


def record_hash(prev, instance, seq, time_us, kind, session, body):
    """docs/audit.md: SHA-256 of prev || instance NUL seq NUL time NUL kind NUL session NUL body."""
    h = hashlib.sha256(prev)
    h.update(b"\0".join(str(x).encode() for x in (instance, seq, time_us, kind, session)))
    h.update(b"\0" + body.encode())
    return h.digest()


def b64(data):
    return {"base64": base64.b64encode(data).decode()}


def stmt(kind, tables, fp, flags=()):
    return [{"kind": kind, "tables": tables, "flags": list(flags), "fingerprint": fp}]


def gw1(t0):
    """gw1's records: (offset_us, kind, session, body)."""
    q1 = "SELECT id, name, card FROM shop.customers ORDER BY id"
    prep = "SELECT id, amount FROM shop.orders WHERE customer_id = ? AND status = ?"
    return [
        (0, "start", 0, {"version": "0.1.0", "host": "gw-a", "pid": 4242, "mode": "strict",
                         "key": "04" + "ab" * 64}),
        (3 * S, "login", 1, {
            "client": "10.0.0.5:51234", "user": "analyst", "iss": "https://issuer.test",
            "sub": "alice@example.com", "jti": "j-1", "groups": ["analysts", "engineers"],
            "db_user": "jg_gw1_7f3a", "database": "shop", "tls": True,
            "tags": "jitgate.ticket=OPS-12", "expires": t0 // S + 900}),
        (3 * S + 12_000, "command", 1, {
            "n": 1, "com": "COM_QUERY", "sql": q1, "database": "shop",
            "statements": stmt("select", ["shop.customers"], "SELECT id , name , card FROM ..."),
            "decision": "allow"}),
        (3 * S + 15_500, "result", 1, {
            "n": 1, "duration_us": 3500, "results": 1, "rows": 3, "affected": 0,
            "insert_id": 0, "warnings": 0,
            "sets": [{"columns": ["id", "name", "card"],
                      "rows": [["1", "Ann Lee", "****1111"], ["2", "Bo Chan", None]],
                      "rows_total": 3}],
            "truncated": True}),
        (5 * S, "command", 1, {
            "n": 2, "com": "COM_STMT_PREPARE", "sql": prep, "database": "shop",
            "statements": stmt("select", ["shop.orders"], "SELECT id , amount FROM ..."),
            "decision": "allow"}),
        (5 * S + 900, "result", 1, {
            "n": 2, "duration_us": 900, "results": 0, "rows": 0, "affected": 0,
            "insert_id": 0, "warnings": 0}),
        (6 * S, "command", 1, {
            "n": 3, "com": "COM_STMT_EXECUTE", "database": "shop", "stmt_id": 1,
            "prepared": prep, "params": ["1", None], "decision": "allow"}),
        (6 * S + 2100, "result", 1, {
            "n": 3, "duration_us": 2100, "results": 1, "rows": 2, "affected": 0,
            "insert_id": 0, "warnings": 0,
            "sets": [{"columns": ["id", "amount"], "rows": [["7", "120.50"], ["9", "3.00"]],
                      "rows_total": 2}]}),
        (20 * S, "command", 1, {
            "n": 4, "com": "COM_QUERY", "sql": "DROP TABLE shop.orders", "database": "shop",
            "statements": stmt("drop", ["shop.orders"], "DROP TABLE shop . orders"),
            "decision": "deny", "stage": "policy", "rule": "no-drop", "statement": 1,
            "error": {"code": 1142, "sqlstate": "42000",
                      "message": "DROP on shop.orders is denied by rule no-drop; ask a DBA"}}),
        (30 * S, "command", 1, {
            "n": 5, "com": "COM_QUERY", "sql": "SELECT 1 AS a; SELECT 'x' AS b",
            "database": "shop", "statements": stmt("select", [], "SELECT ?") * 2,
            "decision": "allow"}),
        (30 * S + 800, "result", 1, {
            "n": 5, "duration_us": 800, "results": 2, "rows": 2, "affected": 0,
            "insert_id": 0, "warnings": 0,
            "sets": [{"columns": ["a"], "rows": [["1"]], "rows_total": 1},
                     {"columns": ["b"], "rows": [["x"]], "rows_total": 1}]}),
        (60 * S, "command", 1, {
            "n": 6, "com": "COM_QUERY",
            "sql": "UPDATE shop.orders SET status = 'shipped' WHERE id = 7", "database": "shop",
            "statements": stmt("update", ["shop.orders"], "UPDATE shop . orders SET ..."),
            "decision": "allow"}),
        (60 * S + 4000, "result", 1, {
            "n": 6, "duration_us": 4000, "results": 0, "rows": 0, "affected": 1,
            "insert_id": 0, "warnings": 1}),
        (90 * S, "command", 1, {
            "n": 7, "com": "COM_QUERY", "sql": b64("SELECT 'caf\xe9', x'00ff10'".encode("latin1")),
            "database": "shop", "statements": stmt("select", [], "SELECT ? , ?"),
            "decision": "allow"}),
        (90 * S + 700, "result", 1, {
            "n": 7, "duration_us": 700, "results": 1, "rows": 1, "affected": 0,
            "insert_id": 0, "warnings": 0,
            "sets": [{"columns": ["caf\xe9", "x'00ff10'", "nul", "esc"],
                      "rows": [["caf\xe9", b64(b"\x00\xff\x10"), "a\0b", "\x1b[31mred"]],
                      "rows_total": 1}]}),
        (120 * S, "command", 1, {
            "n": 8, "com": "COM_QUERY", "sql": "SELECT * FROM shop.nonexistent",
            "database": "shop", "statements": stmt("select", ["shop.nonexistent"], "SELECT * FROM ..."),
            "decision": "allow"}),
        (120 * S + 600, "result", 1, {
            "n": 8, "duration_us": 600, "results": 0, "rows": 0, "affected": 0,
            "insert_id": 0, "warnings": 0,
            "error": {"code": 1146, "sqlstate": "42S02",
                      "message": "Table 'shop.nonexistent' doesn't exist"}}),
        (4 * M + 12 * S, "end", 1, {"reason": "client quit", "commands": 8, "refused": 1,
                                    "rows": 8, "affected": 1, "errors": 1}),
        (5 * M, "login-refused", 2, {"client": "10.0.0.9:40000", "user": "agent",
                                     "iss": "https://issuer.test", "sub": "mallory@example.com",
                                     "error": {"code": 1045, "sqlstate": "28000",
                                               "message": "the token expired 2 minutes ago"}}),
        (10 * M, "login", 3, {
            "client": "10.0.0.7:50000", "user": "agent", "iss": "https://issuer.test",
            "sub": "bob@example.com", "jti": "j-3", "groups": ["agents"],
            "db_user": "jg_gw1_9c1d", "database": "", "tls": True, "tags": "",
            "expires": t0 // S + 1500}),
        (10 * M + S, "command", 3, {
            "n": 1, "com": "COM_QUERY", "sql": "SELECT 1", "database": "",
            "statements": stmt("select", [], "SELECT ?"), "decision": "allow"}),
        (10 * M + S + 300, "result", 3, {
            "n": 1, "duration_us": 300, "results": 1, "rows": 1, "affected": 0,
            "insert_id": 0, "warnings": 0,
            "sets": [{"columns": ["1"], "rows": [["1"]], "rows_total": 1}]}),
        (10 * M + 2 * S, "command", 3, {
            "n": 2, "com": "COM_BINLOG_DUMP", "database": "", "decision": "refuse",
            "stage": "command",
            "error": {"code": 1047, "sqlstate": "08S01",
                      "message": "jitgate does not carry COM_BINLOG_DUMP"}}),
    ]


def gw2(t0):
    return [
        (1 * H + 49 * M, "start", 0, {"version": "0.1.0", "host": "gw-b", "pid": 77,
                                      "mode": "batched", "key": "04" + "cd" * 64}),
        (1 * H + 49 * M + 30 * S, "login-refused", 0, {"client": "10.0.0.66:1234",
                                                       "user": "root",
                                                       "error": {"code": 1045, "sqlstate": "28000",
                                                                 "message": "the token's signature is wrong"}}),
        (1 * H + 50 * M, "login", 1, {
            "client": "[2001:db8::5]:40001", "user": "analyst", "iss": "https://issuer.test",
            "sub": "carol@example.com", "jti": "j-9", "groups": ["analysts"],
            "db_user": "jg_gw2_0001", "database": "shop", "tls": True, "tags": "",
            "expires": t0 // S + 3 * 3600}),
        (1 * H + 50 * M + 5 * S, "command", 1, {
            "n": 1, "com": "COM_QUERY", "sql": "SHOW TABLES", "database": "shop",
            "statements": stmt("show", [], "SHOW TABLES"), "decision": "allow"}),
        (1 * H + 50 * M + 5 * S + 250, "result", 1, {
            "n": 1, "duration_us": 250, "results": 1, "rows": 2, "affected": 0,
            "insert_id": 0, "warnings": 0,
            "sets": [{"columns": ["Tables_in_shop"], "rows": [["customers"], ["orders"]],
                      "rows_total": 2}]}),
        (1 * H + 50 * M + 30 * S, "gap", 0, {"lost": 2, "from": t0 + 1 * H + 50 * M + 10 * S,
                                             "to": t0 + 1 * H + 50 * M + 20 * S,
                                             "why": "the store was locked"}),
        (1 * H + 51 * M, "end", 1, {"reason": "idle timeout", "commands": 1, "refused": 0,
                                    "rows": 2, "affected": 0, "errors": 0}),
        (1 * H + 52 * M, "stop", 0, {"reason": "SIGTERM"}),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("--base", type=int, default=BASE, help="seconds since the epoch")
    ap.add_argument("--tamper", type=int, help="edit gw1's record SEQ after hashing it")
    a = ap.parse_args()
    if os.path.exists(a.store):
        sys.exit("audit_fixture: %s exists" % a.store)
    t0 = a.base * S
    db = sqlite3.connect(a.store)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(SCHEMA)
    # Insertion order is the writers' order: by time across both instances.
    rows = []
    for instance, recs in (("gw1", gw1(t0)), ("gw2", gw2(t0))):
        prev = bytes(32)
        for seq, (off, kind, session, body) in enumerate(recs, 1):
            text = body_text(body)
            h = record_hash(prev, instance, seq, t0 + off, kind, session, text)
            rows.append((t0 + off, instance, seq, kind, session, text, prev, h))
            prev = h
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    for time_us, instance, seq, kind, session, text, prev, h in rows:
        db.execute("INSERT INTO audit (instance, seq, time, kind, session, body, prev, hash) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (instance, seq, time_us, kind, session, text, prev, h))
    if a.tamper:
        # A space after the object: the body still parses, its hash no longer matches.
        db.execute("UPDATE audit SET body = body || ' ' WHERE instance = 'gw1' AND seq = ?",
                   (a.tamper,))
    db.commit()
    db.close()
    print("%s: %d records" % (a.store, len(rows)))


if __name__ == "__main__":
    main()
