#!/usr/bin/python3
"""pipelined.py PORT TOKENFILE CA: logs in through jitgate, then sends COM_CHANGE_USER and a
COM_QUERY in one write, as a pipelining client may, and prints the answers in the order they
arrive: jitgate refuses the first and must answer the two in order."""
import struct
import sys

import pymysql

port, token_file, ca = sys.argv[1:]
conn = pymysql.connect(host="127.0.0.1", port=int(port), user="agent",
                       password=open(token_file).read().strip(), ssl={"ca": ca})


def packet(payload):
    return struct.pack("<I", len(payload))[:3] + b"\x00" + payload


conn._write_bytes(packet(b"\x11root\x00\x00") + packet(b"\x03SELECT 42"))
conn._next_seq_id = 1
try:
    conn._read_packet()
    print("first: answered")
except pymysql.err.MySQLError as e:
    print("first: ERROR %s" % e.args[0])
conn._next_seq_id = 1
result = pymysql.connections.MySQLResult(conn)
result.read()
print("second:", result.rows)
