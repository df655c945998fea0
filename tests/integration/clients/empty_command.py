#!/usr/bin/python3
"""empty_command.py PORT TOKENFILE CA: logs in through jitgate with PyMySQL, then sends a command
packet with no payload (which no client sends) and prints the server's answer as
"ERROR code (sqlstate): message", or how the connection ended."""
import sys

import pymysql

port, token_file, ca = sys.argv[1:]
conn = pymysql.connect(host="127.0.0.1", port=int(port), user="agent",
                       password=open(token_file).read().strip(), ssl={"ca": ca})
conn._write_bytes(b"\x00\x00\x00\x00")     # header: length 0, sequence 0
conn._next_seq_id = 1
try:
    pkt = conn._read_packet()
    print("answered", pkt.get_all_data()[:40])
except pymysql.err.MySQLError as e:
    code, msg = e.args[0], e.args[1] if len(e.args) > 1 else ""
    state = getattr(e, "sqlstate", "")
    print("ERROR %s (%s): %s" % (code, state, msg))
