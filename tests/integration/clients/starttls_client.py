#!/usr/bin/python3
"""starttls_client.py PORT CA TOKENFILE MODE: what the gateway does with bytes that follow a
client's SSLRequest in the same write, before TLS is up.

  --  pipelined: SSLRequest and the TLS ClientHello in one write (a client may send them so);
      TLS then completes and a caching_sha2_password login with the token gets OK: prints
      "logged in" (the legitimate case works).
  --  inject: SSLRequest and, in the same write, a plaintext HandshakeResponse41 carrying the
      token with mysql_clear_password, as a man in the middle would append it. Those bytes
      must be read as TLS (where they are garbage), never as a login: prints what came back,
      "closed" when the gateway ended the connection without a MySQL packet, or "login OK"
      / "mysql packet" when it answered the injected bytes in the clear.
Python's socket and ssl only (MemoryBIO, so that the ClientHello goes in the SSLRequest's write).
"""
import socket
import ssl
import struct
import sys

CAPS = 0x1 | 0x200 | 0x800 | 0x8000 | 0x80000 | 0x200000


def packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload


def ssl_request():
    return packet(1, struct.pack("<IIB", CAPS, 1 << 24, 33) + b"\0" * 23)


def recv_packet(s):
    buf = b""
    while len(buf) < 4:
        d = s.recv(4 - len(buf))
        if not d:
            raise EOFError
        buf += d
    n = buf[0] | buf[1] << 8 | buf[2] << 16
    body = b""
    while len(body) < n:
        d = s.recv(n - len(body))
        if not d:
            raise EOFError
        body += d
    return buf[3], body


class TlsOverBio:
    """A TLS client on a memory BIO over a plain socket."""

    def __init__(self, sock, ca):
        self.s = sock
        ctx = ssl.create_default_context(cafile=ca)
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_hostname="127.0.0.1")

    def hello(self):
        try:
            self.obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        return self.out.read()

    def pump(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("closed during TLS")
        self.inc.write(d)

    def handshake(self):
        while True:
            try:
                self.obj.do_handshake()
                self.s.sendall(self.out.read())
                return
            except ssl.SSLWantReadError:
                self.s.sendall(self.out.read())
                self.pump()

    def send(self, data):
        self.obj.write(data)
        self.s.sendall(self.out.read())

    def recv(self, n):
        while True:
            try:
                return self.obj.read(n)
            except ssl.SSLWantReadError:
                self.pump()


def main():
    port, ca, token_file, mode = sys.argv[1:]
    token = open(token_file, "rb").read().strip()
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    seq, greeting = recv_packet(s)
    if seq != 0 or greeting[0] != 10:
        sys.exit("no greeting")
    if mode == "pipelined":
        t = TlsOverBio(s, ca)
        s.sendall(ssl_request() + t.hello())
        t.handshake()
        resp = (struct.pack("<IIB", CAPS, 1 << 24, 33) + b"\0" * 23 + b"agent\0" +
                bytes([32]) + b"s" * 32 + b"caching_sha2_password\0")
        t.send(packet(2, resp))
        seq, p = recv_packet(t)
        if (seq, p) != (3, b"\x01\x04"):
            sys.exit("wanted AuthMoreData 0x04 at seq 3, got %r at %d" % (p[:16], seq))
        t.send(packet(4, token + b"\0"))
        seq, p = recv_packet(t)
        print("logged in" if p[:1] == b"\x00" and seq == 5 else "answer %r at seq %d" % (p[:60], seq))
        return 0
    resp = (struct.pack("<IIB", CAPS, 1 << 24, 33) + b"\0" * 23 + b"agent\0" +
            b"\xfc" + struct.pack("<H", len(token) + 1) + token + b"\0" +
            b"mysql_clear_password\0")
    s.sendall(ssl_request() + packet(2, resp))
    got = b""
    try:
        while len(got) < 65536:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except (ConnectionResetError, socket.timeout):
        pass
    if not got:
        print("closed")
    elif got[0] in (0x15, 0x16) and got[1:2] == b"\x03":   # a TLS record, not a MySQL packet
        print("closed after a TLS record (type %d)" % got[0])
    elif len(got) >= 5 and got[4] == 0x00:
        print("login OK in the clear: %r" % got[:40])
    else:
        print("mysql packet in the clear: %r" % got[:60])
    return 0


if __name__ == "__main__":
    sys.exit(main())
