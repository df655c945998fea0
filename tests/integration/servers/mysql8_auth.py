#!/usr/bin/python3
"""A scripted MySQL 8 style server for the backend leg's caching_sha2_password login.

MariaDB (the server these tests run) has no caching_sha2_password, so this script plays the
server side of it, byte for byte as MySQL 8 does: greeting with a 20-byte nonce, optional
SSLRequest and TLS, HandshakeResponse41, then
  --mode fast    AuthMoreData 0x03 (fast authentication success) and OK, after checking the
                 scramble XOR(SHA256(pw), SHA256(SHA256(SHA256(pw)) || nonce));
  --mode full    AuthMoreData 0x04 (perform full authentication); the client must send the
                 password in clear (only allowed over TLS), then OK;
  --mode switch  AuthSwitchRequest to mysql_native_password with a new nonce, then OK after
                 checking SHA1(pw) XOR SHA1(nonce || SHA1(SHA1(pw)));
  --mode clear   AuthSwitchRequest to mysql_clear_password (what MariaDB's pam plugin asks for;
                 no test can install pam here), then OK once the password came;
  --mode inject  a man in the middle's STARTTLS injection: the greeting and, in the same write,
                 an OK packet (sequence id 2) that a client must not read as coming through TLS;
                 the connection then goes on as in "fast" mode if the client carries on.
A password that arrives in clear, by any path, is reported on stdout as "password received"
(with "over tls" or "without tls"): the tests that must never send it look for that line.
--greet-plugin names the greeting's plugin (caching_sha2_password by default).
After login it answers COM_QUERY with one row holding the authentication path taken, and ends on
COM_QUIT. Each connection's outcome is printed on stdout ("login ok fast", "login failed ...").
Serves --count connections, then exits. Listens on 127.0.0.1 only.
"""
import argparse
import hashlib
import os
import socket
import ssl
import struct
import sys

CAPS = (0x1 | 0x4 | 0x8 | 0x200 | 0x800 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x40000 |
        0x80000 | 0x200000 | 0x1000000)


def sha1(b):
    return hashlib.sha1(b).digest()


def sha256(b):
    return hashlib.sha256(b).digest()


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


class Conn:
    def __init__(self, sock):
        self.s = sock
        self.seq = 0

    def recv_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            if not chunk:
                raise EOFError("peer closed")
            out += chunk
        return out

    def read(self):
        hdr = self.recv_exact(4)
        n = hdr[0] | hdr[1] << 8 | hdr[2] << 16
        self.seq = (hdr[3] + 1) & 0xFF
        return self.recv_exact(n)

    def write(self, payload):
        self.s.sendall(struct.pack("<I", len(payload))[:3] + bytes([self.seq]) + payload)
        self.seq = (self.seq + 1) & 0xFF


def ok(status=2):
    return b"\x00\x00\x00" + struct.pack("<HH", status, 0)


def err(code, state, msg):
    return b"\xff" + struct.pack("<H", code) + b"#" + state.encode() + msg.encode()


def lenenc_str(b):
    return bytes([len(b)]) + b


def serve_one(sock, args, tls_ctx):
    c = Conn(sock)
    nonce = os.urandom(20).translate(bytes(range(1, 256)) + b"\x01")
    greeting = (b"\x0a" + b"8.0.36-scripted\x00" + struct.pack("<I", 7) + nonce[:8] + b"\x00" +
                struct.pack("<H", CAPS & 0xFFFF) + b"\xff" + struct.pack("<H", 2) +
                struct.pack("<H", CAPS >> 16) + bytes([21]) + b"\x00" * 10 + nonce[8:] + b"\x00" +
                b"caching_sha2_password\x00")
    greeting = greeting.replace(b"caching_sha2_password\x00", args.greet_plugin.encode() + b"\x00")
    if args.mode == "inject":
        c.s.sendall(struct.pack("<I", len(greeting))[:3] + b"\x00" + greeting +
                    struct.pack("<I", 7)[:3] + b"\x02" + ok())
        c.seq = 1
    else:
        c.write(greeting)
    resp = c.read()
    tls = False
    if len(resp) == 32:
        if not tls_ctx:
            return "login failed: SSLRequest but no TLS configured"
        c.s = tls_ctx.wrap_socket(c.s, server_side=True)
        tls = True
        resp = c.read()
    caps = struct.unpack("<I", resp[:4])[0]
    pos = 32
    end = resp.index(b"\x00", pos)
    user = resp[pos:end].decode()
    pos = end + 1
    if caps & 0x200000:
        n = resp[pos]
        pos += 1
    else:
        n = resp[pos]
        pos += 1
    auth = resp[pos:pos + n]
    pw = args.password.encode()
    if user != args.user:
        c.write(err(1045, "28000", "Access denied for user '%s'" % user))
        return "login failed: user %s" % user
    def saw_password(packet):
        if packet == pw + b"\x00" or packet == pw:
            print("password received %s" % ("over tls" if tls else "without tls"), flush=True)
            return True
        return False
    if args.mode in ("fast", "inject"):
        want = xor(sha256(pw), sha256(sha256(sha256(pw)) + nonce))
        if auth != want:
            c.write(err(1045, "28000", "Access denied (bad scramble)"))
            return "login failed: bad fast scramble"
        c.write(b"\x01\x03")
        c.write(ok())
        path = "fast"
    elif args.mode == "full":
        c.write(b"\x01\x04")
        clear = c.read()
        saw_password(clear)
        if not tls:
            c.write(err(1045, "28000", "full authentication without TLS"))
            return "login failed: clear password without TLS"
        if clear != pw + b"\x00":
            c.write(err(1045, "28000", "Access denied (bad password)"))
            return "login failed: bad clear password"
        c.write(ok())
        path = "full"
    elif args.mode == "clear":
        c.write(b"\xfe" + b"mysql_clear_password\x00")
        clear = c.read()
        if not saw_password(clear):
            c.write(err(1045, "28000", "Access denied (bad clear password)"))
            return "login failed: bad clear password"
        c.write(ok())
        path = "clear"
    else:
        nonce2 = os.urandom(20).translate(bytes(range(1, 256)) + b"\x01")
        c.write(b"\xfe" + b"mysql_native_password\x00" + nonce2 + b"\x00")
        reply = c.read()
        want = xor(sha1(pw), sha1(nonce2 + sha1(sha1(pw))))
        if reply != want:
            c.write(err(1045, "28000", "Access denied (bad native scramble)"))
            return "login failed: bad native scramble"
        c.write(ok())
        path = "switch"
    while True:
        try:
            pkt = c.read()
        except EOFError:
            break
        if not pkt or pkt[0] == 0x01:
            break
        if pkt[0] == 0x03:
            c.write(b"\x01")
            c.write(lenenc_str(b"def") + b"\x00\x00\x00" + lenenc_str(b"path") + b"\x00" +
                    b"\x0c\x21\x00\x40\x00\x00\x00\xfd\x00\x00\x00\x00\x00")
            c.write(b"\xfe\x00\x00\x02\x00\x00\x00")
            c.write(lenenc_str(("%s tls=%s" % (path, "on" if tls else "off")).encode()))
            c.write(b"\xfe\x00\x00\x02\x00\x00\x00")
        else:
            c.write(ok())
    return "login ok %s tls=%s" % (path, "on" if tls else "off")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--mode", choices=["fast", "full", "switch", "clear", "inject"], required=True)
    p.add_argument("--greet-plugin", default="caching_sha2_password")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--count", type=int, default=1)
    args = p.parse_args()
    tls_ctx = None
    if args.cert:
        tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_ctx.load_cert_chain(args.cert, args.key)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(8)
    ls.settimeout(60)
    print("listening", flush=True)
    for _ in range(args.count):
        s, _ = ls.accept()
        s.settimeout(30)
        try:
            print(serve_one(s, args, tls_ctx), flush=True)
        except Exception as e:  # the test reads the outcome line
            print("login failed: %s" % e, flush=True)
        finally:
            s.close()


if __name__ == "__main__":
    sys.exit(main())
