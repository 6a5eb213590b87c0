#!/usr/bin/env python3
"""Rewrites a decrypted restore point (ustar on stdin) with one defect, to
stdout. Usage: craft.py MUTATION [ARG]
  hash        change a byte of cert.pem, keep the manifest (hash mismatch)
  key FILE    replace key.pem with FILE and fix the manifest (key/cert mismatch)
  symlink     add a symbolic link entry listed in the manifest
  absolute    add an entry with an absolute path
  dotdot      add an entry whose path climbs out with '..'
  unlisted    add a regular file the manifest does not list
  notfirst    put manifest.toml after the other files"""
import hashlib, io, re, sys, tarfile

mutation = sys.argv[1]
src = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()), mode="r:")
entries = [(m, src.extractfile(m).read()) for m in src.getmembers()]
out = io.BytesIO()
dst = tarfile.open(fileobj=out, mode="w:", format=tarfile.USTAR_FORMAT)

def fix_manifest(text, path, data):
    sha = hashlib.sha256(data).hexdigest()
    parts = text.split("[[file]]")
    for i, p in enumerate(parts):
        if re.search(r'path = [\'"]%s[\'"]' % re.escape(path), p):
            p = re.sub(r'sha256 = [\'"][0-9a-f]+[\'"]', "sha256 = '%s'" % sha, p)
            p = re.sub(r'size = \d+', 'size = %d' % len(data), p)
            parts[i] = p
    return "[[file]]".join(parts)

def add(name, data, kind=tarfile.REGTYPE, link=""):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.mode = 0o600
    if kind == tarfile.REGTYPE:
        ti.size = len(data)
        dst.addfile(ti, io.BytesIO(data))
    else:
        ti.linkname = link
        dst.addfile(ti)

manifest = entries[0][1].decode()
files = entries[1:]
if mutation == "key":
    newkey = open(sys.argv[2], "rb").read()
    files = [(m, newkey if m.name == "key.pem" else d) for m, d in files]
    manifest = fix_manifest(manifest, "key.pem", newkey)
if mutation == "hash":
    files = [(m, d[:40] + bytes([d[40] ^ 1]) + d[41:] if m.name == "cert.pem" else d) for m, d in files]
if mutation == "symlink":
    manifest += '\n[[file]]\nmode = 384\npath = "link.pem"\nsha256 = "%s"\nsize = 0\n' % hashlib.sha256(b"").hexdigest()
if mutation != "notfirst":
    add("manifest.toml", manifest.encode())
for m, d in files:
    add(m.name, d)
if mutation == "notfirst":
    add("manifest.toml", manifest.encode())
if mutation == "symlink":
    add("link.pem", b"", tarfile.SYMTYPE, "/etc/passwd")
if mutation == "absolute":
    add("/tmp/pairkit-evil", b"evil\n")
if mutation == "dotdot":
    add("../evil.pem", b"evil\n")
if mutation == "unlisted":
    add("extra.bin", b"not listed\n")
dst.close()
sys.stdout.buffer.write(out.getvalue())
