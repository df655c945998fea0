#!/usr/bin/python3
"""audit_client.py: one PyMySQL session through jitgate that INSERTs v = 1, 2, 3 ... into
audit_t.TABLE, one autocommit statement each, while the audit trail's store is made to fail
(audit_fail_cases.sh). Every statement is "INSERT INTO audit_t.TABLE VALUES (v)" exactly, which
is what audit_store.py looks for in the command records.

  audit_client.py --port P --password-file F --ssl-ca CA --table T SCENARIO [options]

Scenarios:
  until-refused --gw-pid PID [--max N]
      INSERTs until one is refused ("refused V CODE SQLSTATE: MESSAGE"), then lifts the gateway's
      file size limit (prlimit --fsize=unlimited) and INSERTs V+1 ("after V+1 ok", or
      "after V+1 error CODE SQLSTATE: MESSAGE"). "no refusal after N statements" otherwise.
  batched --gw-pid PID --gw-log LOG --times FILE [--lost-seconds S] [--max N]
      INSERTs until LOG says the store cannot be written ("store failing from V"), goes on for
      S seconds more (default 1), lifts the limit ("limit lifted at V") and goes on for 0.6 s;
      any error ends it ("error V CODE SQLSTATE: MESSAGE", exit 1). FILE gets "V T0 T1" per
      statement: the wall clock (microseconds) before it was sent and after its answer.
  loop [--max N]
      INSERTs until an error or N ("ok up to V", then "stopped at V: ERROR" when one came).
  locked --store STORE
      SELECT 1; then another process holds the store's write lock (BEGIN EXCLUSIVE) while
      V=1, 2, ... are INSERTed, one each 0.25 s ("ok V after S s"), until one is refused
      ("refused V after S s (T s into the lock): CODE SQLSTATE: MESSAGE") or 30 s passed; the
      lock is released and V+1 is INSERTed ("released V after S s: ok" or "...: ERROR").
"""
import argparse
import ssl
import subprocess
import sys
import time

import pymysql
import pymysql.err

# PyMySQL drops the SQLSTATE of an ERR packet; keep it (as pymysql_client.py does).
_sqlstate = {"v": ""}
_orig_raise = pymysql.err.raise_mysql_exception


def _raise(data):
    _sqlstate["v"] = data[4:9].decode("ascii", "replace") if data[3:4] == b"#" else ""
    _orig_raise(data)


pymysql.err.raise_mysql_exception = _raise

LOCK_HOLDER = r"""
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()          # until the test closes our stdin
db.execute("ROLLBACK")
"""


def now_us():
    return time.time_ns() // 1000


def err_text(e):
    code = e.args[0] if e.args else 0
    msg = e.args[1] if len(e.args) > 1 else ""
    return "%s %s: %s" % (code, _sqlstate["v"] or "-", msg)


class Session:
    def __init__(self, a):
        pw = open(a.password_file).read().strip()
        ctx = ssl.create_default_context(cafile=a.ssl_ca)
        self.c = pymysql.connect(host="127.0.0.1", port=a.port, user="agent", password=pw,
                                 ssl=ctx, autocommit=True, connect_timeout=20, read_timeout=30)
        self.cur = self.c.cursor()
        self.table = a.table

    def insert(self, v):
        _sqlstate["v"] = ""
        self.cur.execute("INSERT INTO audit_t.%s VALUES (%d)" % (self.table, v))


def lift(pid):
    # the soft limit (the test lowered only that one): no privilege needed to raise it
    subprocess.run(["prlimit", "--pid", str(pid), "--fsize=unlimited:"], check=True)


def until_refused(a, s):
    for v in range(1, a.max + 1):
        try:
            s.insert(v)
        except pymysql.err.MySQLError as e:
            print("refused %d %s" % (v, err_text(e)), flush=True)
            break
    else:
        print("no refusal after %d statements" % a.max)
        return 1
    lift(a.gw_pid)
    try:
        s.insert(v + 1)
        print("after %d ok" % (v + 1))
    except pymysql.err.MySQLError as e:
        print("after %d error %s" % (v + 1, err_text(e)))
    return 0


def batched(a, s):
    times = open(a.times, "w")
    v = 0
    phase = "writable"
    deadline = time.monotonic() + 20
    until = None
    rc = 0
    while v < a.max:
        v += 1
        t0 = now_us()
        try:
            s.insert(v)
        except pymysql.err.MySQLError as e:
            print("error %d %s" % (v, err_text(e)))
            rc = 1
            break
        times.write("%d %d %d\n" % (v, t0, now_us()))
        if phase == "writable" and v % 10 == 0:
            with open(a.gw_log, errors="replace") as f:
                if "audit: cannot write the store" in f.read():
                    print("store failing from %d" % v, flush=True)
                    phase, until = "failing", time.monotonic() + a.lost_seconds
            if phase == "writable" and time.monotonic() > deadline:
                print("the store never failed (%d statements)" % v)
                rc = 1
                break
        elif phase == "failing" and time.monotonic() >= until:
            lift(a.gw_pid)
            print("limit lifted at %d" % v, flush=True)
            phase, until = "lifted", time.monotonic() + 0.6
        elif phase == "lifted" and time.monotonic() >= until:
            break
    times.close()
    print("last %d" % v)
    return rc


def loop(a, s):
    last = 0
    for v in range(1, a.max + 1):
        try:
            s.insert(v)
        except Exception as e:   # the gateway was killed: any exception ends the loop
            print("ok up to %d" % last)
            print("stopped at %d: %s" % (v, e), flush=True)
            return 0
        last = v
        if v % 100 == 0:
            print("ok up to %d" % v, flush=True)
    print("ok up to %d" % last)
    return 0


def locked(a, s):
    s.cur.execute("SELECT 1")
    time.sleep(0.5)          # the SELECT's records are committed before the lock is taken
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, a.store],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    v = 0
    try:
        if holder.stdout.readline().strip() != "locked":
            print("the lock holder did not lock the store")
            return 1
        t = time.monotonic()
        while time.monotonic() - t < 30:
            v += 1
            t1 = time.monotonic()
            try:
                s.insert(v)
                print("ok %d after %.1f s" % (v, time.monotonic() - t1), flush=True)
            except pymysql.err.MySQLError as e:
                print("refused %d after %.1f s (%.1f s into the lock): %s" % (
                    v, time.monotonic() - t1, time.monotonic() - t, err_text(e)), flush=True)
                break
            time.sleep(0.25)
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    v += 1
    t = time.monotonic()
    try:
        s.insert(v)
        print("released %d after %.1f s: ok" % (v, time.monotonic() - t))
    except pymysql.err.MySQLError as e:
        print("released %d after %.1f s: %s" % (v, time.monotonic() - t, err_text(e)))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--ssl-ca", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--gw-pid", type=int)
    ap.add_argument("--gw-log")
    ap.add_argument("--times")
    ap.add_argument("--store")
    ap.add_argument("--lost-seconds", type=float, default=1.0)
    ap.add_argument("--max", type=int, default=20000)
    ap.add_argument("scenario", choices=["until-refused", "batched", "loop", "locked"])
    a = ap.parse_args()
    s = Session(a)
    rc = {"until-refused": until_refused, "batched": batched, "loop": loop,
          "locked": locked}[a.scenario](a, s)
    try:
        s.c.close()
    except Exception:
        pass
    return rc


if __name__ == "__main__":
    sys.exit(main())
