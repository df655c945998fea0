#!/usr/bin/python3
"""charset_bytes.py: for every character set jitgate reads (utf8mb4, utf8mb3, latin1, ascii,
binary) and every byte from 0x80, asks MariaDB whether the byte is white space where a token
may start, and whether "--" followed by it starts a comment, and checks that the classifier
(jitgate sql classify --charset) reads each byte the same way. This is the measurement behind
docs/sql-classifier.md's "the only byte from 0x80 that is white space is 0xa0 in latin1".

  charset_bytes.py --port P --user U --password-file F --ca CA --jitgate BIN

Prints one line per disagreement and a summary; exits 1 on any disagreement.
"""

import argparse
import json
import subprocess
import sys

import pymysql

CHARSETS = ("utf8mb4", "utf8mb3", "latin1", "ascii", "binary")


def server_reads(conn, sql):
    """'ok' with the first row, or 'err'."""
    try:
        conn.query(sql)
        return ("ok", conn._result.rows[0] if conn._result.rows else None)
    except pymysql.err.MySQLError:
        return ("err", None)


def classify(jitgate, charset, sql):
    p = subprocess.run([jitgate, "sql", "classify", "--charset", charset, "--file", "-"],
                       input=sql, capture_output=True, timeout=30, check=True)
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--jitgate", required=True)
    a = ap.parse_args()
    conn = pymysql.connect(host="127.0.0.1", port=a.port, user=a.user,
                           password=open(a.password_file).read().strip(), ssl={"ca": a.ca},
                           charset="utf8mb4", use_unicode=False, conv={})
    conn.encoding = "latin1"        # column names may be any bytes
    bad = checked = 0
    spaces = {}
    for cs in CHARSETS:
        server_reads(conn, ("SET character_set_client = %s, character_set_connection = %s, "
                            "character_set_results = binary" % (cs, cs)).encode())
        for b in range(0x80, 0x100):
            byte = bytes([b])
            # white space where a token may start: SELECT<b>1 runs and returns 1
            srv_space = server_reads(conn, b"SELECT" + byte + b"1")[0] == "ok"
            got = classify(a.jitgate, cs, b"SELECT" + byte + b"1")
            gw_space = len(got) == 1 and got[0]["kind"] == "select" and \
                got[0]["fingerprint"] == "SELECT ?"
            # a comment start: "--" then the byte hides the rest of the line
            srv_comment = server_reads(conn, b"SELECT 1 --" + byte + b" 2")[1] == (b"1",)
            got = classify(a.jitgate, cs, b"SELECT 1 --" + byte + b" 2")
            gw_comment = len(got) == 1 and got[0]["fingerprint"] == "SELECT ?"
            checked += 1
            if srv_space:
                spaces.setdefault(cs, []).append("0x%02x" % b)
            if srv_space != gw_space or srv_comment != gw_comment:
                bad += 1
                print("BAD %s 0x%02x: server space=%s comment=%s, classifier space=%s comment=%s"
                      % (cs, b, srv_space, srv_comment, gw_space, gw_comment))
    print("charset bytes: %d checked, %d disagree; white space from 0x80 to the server: %s"
          % (checked, bad, ", ".join("%s %s" % (k, " ".join(v)) for k, v in spaces.items())
             or "none"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
