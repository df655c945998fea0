#!/usr/bin/python3
"""err_seq.py: the sequence id of every ERR the gateway builds itself, phase by phase.

A client checks that each packet it reads carries the next sequence id of the exchange
(PyMySQL reports "Packet sequence number wrong" otherwise, and loses the reason). This client
speaks the connection phase byte by byte (Python's socket and ssl only), drives the gateway into
one refusal per scenario, and checks the ERR's code, its sequence id (the id of the packet it
answers, plus one) and, where the reason matters, its message.

    err_seq.py --port P --ca CA [--token-file F] [--expired-token-file F] SCENARIO...

SCENARIO names come from SCENARIOS below; "login" ones need a token the gateway accepts (the
gateway's backend may be down or refuse: those scenarios expect the ERR of the step after the
token). Prints "PASS name: ..." or "FAIL name: ..." per scenario; exits 1 when any failed.
"""
import argparse
import socket
import ssl
import struct
import sys

PROTOCOL_41 = 0x200
SSL = 0x800
SECURE_CONNECTION = 0x8000
PLUGIN_AUTH = 0x80000
LENENC_DATA = 0x200000
COMPRESS = 0x20
LONG_PASSWORD = 0x1
DEPRECATE_EOF = 0x1000000
CAPS = LONG_PASSWORD | PROTOCOL_41 | SECURE_CONNECTION | PLUGIN_AUTH | LENENC_DATA


class Fail(Exception):
    pass


class Conn:
    def __init__(self, port, ca):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.ca = ca

    def recv_exact(self, n):
        out = b""
        while len(out) < n:
            d = self.s.recv(n - len(out))
            if not d:
                raise Fail("connection closed after %d of %d bytes" % (len(out), n))
            out += d
        return out

    def read(self):
        """(seq, payload) of the next packet."""
        hdr = self.recv_exact(4)
        n = hdr[0] | hdr[1] << 8 | hdr[2] << 16
        return hdr[3], self.recv_exact(n)

    def write(self, seq, payload):
        self.s.sendall(struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload)

    def greeting(self):
        seq, p = self.read()
        if seq != 0 or p[0] != 10:
            raise Fail("no greeting (seq %d, first byte %d)" % (seq, p[0]))

    def start_tls(self, seq=1):
        self.write(seq, struct.pack("<IIB", CAPS | SSL, 1 << 24, 33) + b"\0" * 23)
        ctx = ssl.create_default_context(cafile=self.ca)
        self.s = ctx.wrap_socket(self.s, server_hostname="127.0.0.1")

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def lenenc(b):
    if len(b) < 251:
        return bytes([len(b)]) + b
    if len(b) < 1 << 16:
        return b"\xfc" + struct.pack("<H", len(b)) + b
    return b"\xfd" + struct.pack("<I", len(b))[:3] + b


def response(plugin, auth, caps=CAPS | SSL, user=b"agent"):
    """HandshakeResponse41 with auth as length-encoded data."""
    return (struct.pack("<IIB", caps, 1 << 24, 33) + b"\0" * 23 + user + b"\0" + lenenc(auth) +
            plugin.encode() + b"\0")


def expect_err(c, want_seq, code, text=None):
    try:
        seq, p = c.read()
    except (OSError, Fail) as e:
        raise Fail("no ERR (wanted %d at seq %d): %s" % (code, want_seq, e))
    if not p or p[0] != 0xFF:
        raise Fail("wanted ERR %d, got a packet starting %r at seq %d" % (code, p[:8], seq))
    got = struct.unpack("<H", p[1:3])[0]
    msg = p[9:].decode("utf-8", "replace") if p[3:4] == b"#" else p[3:].decode("utf-8", "replace")
    if got != code:
        raise Fail("ERR %d, wanted %d: %s" % (got, code, msg))
    if seq != want_seq:
        raise Fail("ERR %d at seq %d, wanted seq %d: %s" % (got, seq, want_seq, msg))
    if text and text.lower() not in msg.lower():
        raise Fail("ERR %d message %r does not say %r" % (got, msg, text))
    return "ERR %d seq=%d: %s" % (got, seq, msg[:90])


def expect_packet(c, want_seq, first, what):
    seq, p = c.read()
    if seq != want_seq or not p or p[0] != first:
        raise Fail("wanted %s (0x%02x) at seq %d, got %r at seq %d" % (what, first, want_seq,
                                                                         p[:8], seq))
    return p


def sha2_until_token(c):
    """TLS, caching_sha2_password with a scramble; returns after the gateway asked for the
    password (AuthMoreData 0x04 at seq 3): the token goes at seq 4."""
    c.greeting()
    c.start_tls()
    c.write(2, response("caching_sha2_password", b"s" * 32))
    p = expect_packet(c, 3, 0x01, "AuthMoreData")
    if p != b"\x01\x04":
        raise Fail("AuthMoreData %r, wanted perform full authentication" % p)


def switch_until_token(c):
    """TLS, mysql_native_password: the gateway switches to caching_sha2_password (seq 3), the
    scramble answers it (seq 4), full authentication is asked (seq 5): the token goes at seq 6."""
    c.greeting()
    c.start_tls()
    c.write(2, response("mysql_native_password", b"n" * 20))
    p = expect_packet(c, 3, 0xFE, "AuthSwitchRequest")
    if not p.startswith(b"\xfecaching_sha2_password\0"):
        raise Fail("switch to %r" % p[1:30])


# A HandshakeResponse41 cut short: the user name has no terminating NUL.
MALFORMED = struct.pack("<IIB", CAPS, 1 << 24, 33) + b"\0" * 23 + b"agen"
TOO_LONG = b"x" * 20000        # more than the gateway's 17 KiB buffer holds
OVER_LIMIT = b"x" * 16500      # fits the buffer, over the 16384-byte token limit


def run(name, c, a):
    if name == "no-tls":
        c.greeting()
        c.write(1, response("caching_sha2_password", b"s" * 32, caps=CAPS))
        return expect_err(c, 2, 1045, "requires TLS")
    if name == "no-tls-malformed":
        c.greeting()
        c.write(1, MALFORMED)
        return expect_err(c, 2, 1043, "malformed")
    if name == "no-tls-too-large":
        c.greeting()
        c.write(1, response("mysql_native_password", b"\0" * 18000, caps=CAPS))
        return expect_err(c, 2, 1043, "too large")
    if name == "tls-second-sslrequest":
        c.greeting()
        c.start_tls()
        c.write(2, struct.pack("<IIB", CAPS | SSL, 1 << 24, 33) + b"\0" * 23)
        return expect_err(c, 3, 1043)
    if name == "tls-malformed-response":
        c.greeting()
        c.start_tls()
        c.write(2, MALFORMED)
        return expect_err(c, 3, 1043, "malformed")
    if name == "tls-compression":
        c.greeting()
        c.start_tls()
        c.write(2, response("mysql_clear_password", b"t\0", caps=CAPS | SSL | COMPRESS))
        return expect_err(c, 3, 1043, "compression")
    if name == "clear-bad-token":
        c.greeting()
        c.start_tls()
        c.write(2, response("mysql_clear_password", b"not-a-token\0"))
        return expect_err(c, 3, 1045)
    if name == "clear-empty-token":
        c.greeting()
        c.start_tls()
        c.write(2, response("mysql_clear_password", b"\0"))
        return expect_err(c, 3, 1045, "no token given")
    if name == "clear-too-long":
        c.greeting()
        c.start_tls()
        c.write(2, response("mysql_clear_password", TOO_LONG + b"\0"))
        return expect_err(c, 3, 1045, "a token is at most 16384 bytes")
    if name == "clear-over-limit":
        c.greeting()
        c.start_tls()
        c.write(2, response("mysql_clear_password", OVER_LIMIT + b"\0"))
        return expect_err(c, 3, 1045, "longer than 16384")
    if name == "sha2-empty":
        c.greeting()
        c.start_tls()
        c.write(2, response("caching_sha2_password", b""))
        return expect_err(c, 3, 1045, "no token given")
    if name == "sha2-bad-token":
        sha2_until_token(c)
        c.write(4, b"not-a-token\0")
        return expect_err(c, 5, 1045)
    if name == "sha2-expired":
        sha2_until_token(c)
        c.write(4, a.expired + b"\0")
        return expect_err(c, 5, 1045, "expired")
    if name == "sha2-too-long":
        sha2_until_token(c)
        c.write(4, TOO_LONG + b"\0")
        return expect_err(c, 5, 1045, "longer than 16384")
    if name == "sha2-over-limit":
        sha2_until_token(c)
        c.write(4, OVER_LIMIT + b"\0")
        return expect_err(c, 5, 1045, "longer than 16384")
    if name == "switch-empty":
        switch_until_token(c)
        c.write(4, b"")
        return expect_err(c, 5, 1045, "no token given")
    if name in ("switch-bad-token", "switch-too-long"):
        switch_until_token(c)
        c.write(4, b"n" * 32)
        expect_packet(c, 5, 0x01, "AuthMoreData")
        c.write(6, b"not-a-token\0" if name == "switch-bad-token" else TOO_LONG + b"\0")
        return expect_err(c, 7, 1045)
    if name == "login-refused":
        # The token is good; what comes after it (role check, credentials, backend) refuses.
        sha2_until_token(c)
        c.write(4, a.token + b"\0")
        return expect_err(c, 5, a.code, a.text)
    if name == "command-refused":
        # Logged in (OK at seq 5); a refused command's ERR answers it at seq 1, and the session
        # goes on; an empty command packet gets its ERR at seq 1 too.
        sha2_until_token(c)
        c.write(4, a.token + b"\0")
        expect_packet(c, 5, 0x00, "OK")
        c.write(0, b"\x11agent\0")                       # COM_CHANGE_USER
        first = expect_err(c, 1, 1235, "COM_CHANGE_USER")
        c.write(0, b"\x0e")                              # COM_PING still answered
        expect_packet(c, 1, 0x00, "OK to COM_PING")
        c.write(0, b"")
        return first + "; " + expect_err(c, 1, 1835)
    if name == "command-policy-denied":
        sha2_until_token(c)
        c.write(4, a.token + b"\0")
        expect_packet(c, 5, 0x00, "OK")
        c.write(0, b"\x03DROP TABLE shop.orders")
        return expect_err(c, 1, 1142)
    raise Fail("unknown scenario")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--token-file")
    p.add_argument("--expired-token-file")
    p.add_argument("--code", type=int, default=1045, help="ERR code login-refused expects")
    p.add_argument("--text", help="what login-refused's message must say")
    p.add_argument("scenarios", nargs="+")
    a = p.parse_args()
    a.token = open(a.token_file, "rb").read().strip() if a.token_file else b""
    a.expired = open(a.expired_token_file, "rb").read().strip() if a.expired_token_file else b""
    failed = 0
    for name in a.scenarios:
        c = Conn(a.port, a.ca)
        try:
            print("PASS %s: %s" % (name, run(name, c, a)), flush=True)
        except (Fail, OSError, ssl.SSLError) as e:
            print("FAIL %s: %s" % (name, e), flush=True)
            failed += 1
        finally:
            c.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
