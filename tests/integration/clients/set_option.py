#!/usr/bin/python3
"""set_option.py: COM_SET_OPTION and a multi-statement query through jitgate, with PyMySQL.

  set_option.py PORT USER TOKENFILE CA [--wait]

Logs in with CLIENT_MULTI_STATEMENTS, then prints one line per step:
  on: ok | on: ERROR CODE MESSAGE        COM_SET_OPTION MYSQL_OPTION_MULTI_STATEMENTS_ON
  multi: [ROWS, ...] | multi: ERROR ...  "SELECT 1; SELECT 2" (every result set)
  off: ok | off: ERROR ...               COM_SET_OPTION MYSQL_OPTION_MULTI_STATEMENTS_OFF
  after: ROWS | after: ERROR ...         "SELECT 3": the session goes on
With --wait it prints "ready" once logged in, waits until stdin closes, then runs the multi step
only. PyMySQL has no call for COM_SET_OPTION; it is sent with the connection's own packet writer.
"""
import ssl
import sys

import pymysql
from pymysql.constants import CLIENT, COMMAND


def step(name, fn):
    try:
        print("%s: %s" % (name, fn()), flush=True)
    except pymysql.err.MySQLError as e:
        print("%s: ERROR %s %s" % (name, e.args[0], e.args[1] if len(e.args) > 1 else ""),
              flush=True)


def set_option(c, option):
    c._execute_command(COMMAND.COM_SET_OPTION, option.to_bytes(2, "little"))
    c._read_packet()          # EOF (or OK); an ERR raises
    return "ok"


def query(c, sql):
    cur = c.cursor()
    cur.execute(sql)
    out = [cur.fetchall()]
    while cur.nextset():
        out.append(cur.fetchall())
    return " ".join(str(list(map(list, r))) for r in out)


def main():
    port, user, tokfile, ca = sys.argv[1:5]
    token = open(tokfile).read().strip()
    c = pymysql.connect(host="127.0.0.1", port=int(port), user=user, password=token,
                        ssl=ssl.create_default_context(cafile=ca), autocommit=True,
                        client_flag=CLIENT.MULTI_STATEMENTS, connect_timeout=20, read_timeout=30)
    if sys.argv[5:] == ["--wait"]:
        print("ready", flush=True)
        sys.stdin.read()
        step("multi", lambda: query(c, "SELECT 1; SELECT 2"))
        c.close()
        return 0
    step("on", lambda: set_option(c, 0))
    step("multi", lambda: query(c, "SELECT 1; SELECT 2"))
    step("off", lambda: set_option(c, 1))
    step("after", lambda: query(c, "SELECT 3"))
    c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
