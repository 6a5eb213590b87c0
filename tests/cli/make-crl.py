#!/usr/bin/env python3
"""Writes a large unsigned v2 CRL quickly, for tests and bench/crl.sh.

Usage: make-crl.py OUT N KIND [--pem]
KIND: normal     N distinct random 16-byte serials (as pairkit issues them)
      duplicate  N entries that all list serial 01 (the index's worst case)
      prefix     N distinct serials sharing their first 12 bytes
The signature is filler: `crl info` does not check it (`crl check --ca` does).
"""
import base64
import os
import sys


def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, content):
    return bytes([tag]) + length(len(content)) + content


def integer(magnitude):
    if magnitude[0] & 0x80:
        magnitude = b"\0" + magnitude
    return tlv(0x02, magnitude)


ECDSA_SHA256 = tlv(0x30, tlv(0x06, bytes.fromhex("2a8648ce3d040302")))
ISSUER = tlv(0x30, tlv(0x31, tlv(0x30, tlv(0x06, bytes.fromhex("550403")) + tlv(0x0C, b"Bench CA"))))
THIS_UPDATE = tlv(0x17, b"260101000000Z")
NEXT_UPDATE = tlv(0x17, b"491231000000Z")
REVOKED_AT = tlv(0x17, b"251201120000Z")
# reasonCode extensions for keyCompromise, superseded, cessationOfOperation, and none.
REASONS = [tlv(0x30, tlv(0x30, tlv(0x06, bytes.fromhex("551d15")) + tlv(0x04, tlv(0x0A, bytes([r])))))
           for r in (1, 4, 5)] + [b""]


def serials(n, kind):
    if kind == "duplicate":
        yield from (b"\x01" for _ in range(n))
    elif kind == "prefix":
        head = bytes.fromhex("5EC1A1") + b"\xAA" * 9
        yield from (head + i.to_bytes(4, "big") for i in range(n))
    elif kind == "normal":
        for start in range(0, n, 65536):
            block = os.urandom(16 * min(65536, n - start))
            # Positive with the top byte at least 0x10: 16 content bytes, as pairkit's random_serial.
            yield from (bytes([block[i] & 0x7F | 0x10]) + block[i + 1:i + 16] for i in range(0, len(block), 16))
    else:
        sys.exit(f"make-crl.py: unknown kind {kind!r} (normal, duplicate or prefix)")


def main():
    if len(sys.argv) not in (4, 5) or (len(sys.argv) == 5 and sys.argv[4] != "--pem"):
        sys.exit(__doc__)
    out, n, kind, pem = sys.argv[1], int(sys.argv[2]), sys.argv[3], len(sys.argv) == 5
    # An entry is SEQUENCE { serial, date, reason }: the parts around the
    # serial depend only on its length and the reason, so they are made once.
    parts = {}

    def entry(i, s):
        key = (len(s), i & 3)
        if key not in parts:
            serial, tail = integer(s), REVOKED_AT + REASONS[i & 3]
            parts[key] = (b"\x30" + length(len(serial) + len(tail)) + serial[:-len(s)], tail)
        head, tail = parts[key]
        return head + s + tail

    revoked = b"".join(entry(i, s) for i, s in enumerate(serials(n, kind)))
    crl_number = tlv(0xA0, tlv(0x30, tlv(0x30, tlv(0x06, bytes.fromhex("551d14")) + tlv(0x04, tlv(0x02, b"\x07")))))
    tbs = tlv(0x30, tlv(0x02, b"\x01") + ECDSA_SHA256 + ISSUER + THIS_UPDATE + NEXT_UPDATE +
              (tlv(0x30, revoked) if n else b"") + crl_number)
    del revoked
    signature = tlv(0x03, b"\0" + tlv(0x30, integer(b"\x11" * 32) + integer(b"\x22" * 32)))
    der = tlv(0x30, tbs + ECDSA_SHA256 + signature)
    with open(out, "wb") as f:
        if pem:
            f.write(b"-----BEGIN X509 CRL-----\n")
            b64 = base64.b64encode(der)
            f.writelines(b64[i:i + 64] + b"\n" for i in range(0, len(b64), 64))
            f.write(b"-----END X509 CRL-----\n")
        else:
            f.write(der)


if __name__ == "__main__":
    main()
