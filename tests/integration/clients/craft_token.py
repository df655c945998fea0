#!/usr/bin/python3
"""craft_token.py: an RS256 JWT whose payload is given as raw JSON text, signed by openssl.

  craft_token.py RSA_KEY_PEM KID 'PAYLOAD_JSON'

For claims that libjwt will not write (a "\\u0000" escape inside a string, say): the payload
text is signed exactly as given, so the gateway's own parser is what meets it.
"""
import base64
import subprocess
import sys


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main():
    key, kid, payload = sys.argv[1], sys.argv[2], sys.argv[3]
    header = '{"alg":"RS256","typ":"JWT","kid":"%s"}' % kid
    signing_input = b64(header.encode()) + "." + b64(payload.encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input.encode(),
                         capture_output=True, check=True).stdout
    print(signing_input + "." + b64(sig))


if __name__ == "__main__":
    main()
