#!/usr/bin/env python3
"""Hostile inputs for tests/cli/hostile.t.sh, made on the spot (none is
committed: several are megabytes). Usage: craft.py KIND OUT [ARGS...]"""
import base64
import io
import os
import struct
import sys
import tarfile
import zlib


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def deep_der(depth):
    """SEQUENCE inside SEQUENCE, `depth` levels, definite lengths."""
    inner = b"\x05\x00"
    for _ in range(depth):
        inner = b"\x30" + der_len(len(inner)) + inner
    return inner


def deep_der_indefinite(depth):
    """BER indefinite lengths nested `depth` levels (DER forbids them)."""
    return b"\x30\x80" * depth + b"\x00\x00" * depth


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, idat, colour=0):
    return (b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))
            + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def png_bomb(width, height):
    """A PNG whose IDAT inflates to width*height bytes of zeros."""
    z = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    return png(width, height, b"".join(z.compress(row) for _ in range(height)) + z.flush())


def jpeg_header(width, height):
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xd9"


def b64(raw):
    return base64.b64encode(raw).rstrip(b"=")


def age_stanzas(count):
    """An age v1 header with `count` X25519 stanzas that open nothing."""
    body = b"".join(b"-> X25519 " + b64(os.urandom(32)) + b"\n" + b64(os.urandom(32)) + b"\n"
                    for _ in range(count))
    return b"age-encryption.org/v1\n" + body + b"--- " + b64(bytes(32)) + b"\n" + bytes(64)


def age_long_line(length):
    return b"age-encryption.org/v1\n-> X25519 " + b"A" * length + b"\n--- " + b64(bytes(32)) + b"\n"


def tar_header(name, size, fmt=tarfile.GNU_FORMAT):
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    return info.tobuf(fmt)


def tar_huge_entry(manifest):
    """The manifest, then key.pem declaring a terabyte (GNU base-256 size)."""
    return tar_header("manifest.toml", len(manifest)) + manifest + b"\0" * (-len(manifest) % 512) \
        + tar_header("key.pem", 1 << 40) + b"A" * 4096


def tar_huge_manifest():
    """manifest.toml first, declaring 8 GiB (the most a ustar header holds)."""
    return tar_header("manifest.toml", 8 * (1 << 30) - 1, tarfile.USTAR_FORMAT) + b"a = 1\n" * 1000


def tar_many_entries(manifest, count):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo("manifest.toml")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
        for i in range(count):
            tar.addfile(tarfile.TarInfo("f%06d" % i))
    return out.getvalue()


def toml_nested(kind, depth):
    if kind == "array":
        return "a = " + "[" * depth + "]" * depth + "\n"
    if kind == "inline":
        return "a = " + "{ b = " * depth + "1" + " }" * depth + "\n"
    if kind == "header":
        return "[" + ".".join(["k"] * depth) + "]\n"
    if kind == "dotted":
        return ".".join(["k"] * depth) + " = 1\n"
    if kind == "inline-dotted":
        # Inline tables `depth` deep, each under a key of 32 segments: as many
        # tables nested as the parser's limits allow.
        key = ".".join(["k"] * 32)
        return "a = " + ("{ " + key + " = ") * depth + "1" + " }" * depth + "\n"
    raise SystemExit("unknown TOML nesting " + kind)


def sim_script(size, steps):
    """A valid script: personalize, reload, then `steps` pay steps; padded with a comment to exactly `size` bytes."""
    head = ('[sim]\nseed = 1\n[[card]]\nid = 1\n[[terminal]]\nid = 90\ntype = "reload"\n'
            '[[terminal]]\nid = 91\ntype = "pos"\n[[step]]\ndo = "personalize"\ncard = 1\n'
            '[[step]]\ndo = "reload"\ncard = 1\nterminal = 90\namount = 100000\n')
    text = head + '[[step]]\ndo = "pay"\ncard = 1\nterminal = 91\namount = 1\n' * steps
    pad = size - len(text) - 1
    if pad < 1:
        raise SystemExit("sim script over %d bytes" % size)
    return (text + "#" * pad + "\n").encode()


def main():
    kind, out, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    n = lambda i: int(args[i])
    makers = {
        "deep-der": lambda: deep_der(n(0)),
        "deep-ber": lambda: deep_der_indefinite(n(0)),
        "png": lambda: png(n(0), n(1), zlib.compress(b"\0" * 1000)),
        "png-bomb": lambda: png_bomb(n(0), n(1)),
        "jpeg-header": lambda: jpeg_header(n(0), n(1)),
        "pgm-header": lambda: b"P5\n%d %d\n255\n" % (n(0), n(1)) + b"\0" * 1000,
        "age-stanzas": lambda: age_stanzas(n(0)),
        "age-long-line": lambda: age_long_line(n(0)),
        "tar-huge-entry": lambda: tar_huge_entry(open(args[0], "rb").read()),
        "tar-huge-manifest": tar_huge_manifest,
        "tar-many": lambda: tar_many_entries(open(args[0], "rb").read(), n(1)),
        "toml-nested": lambda: toml_nested(args[0], n(1)).encode(),
        "sim-script": lambda: sim_script(n(0), n(1)),
    }
    if kind not in makers:
        raise SystemExit("craft.py: unknown kind " + kind)
    with open(out, "wb") as f:
        f.write(makers[kind]())


main()
