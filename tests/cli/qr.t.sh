# qr — pairing codes rendered in every format and read back by zbarimg,
# codes by qrencode read by pairkit, strict payloads, hostile images, and
# distorted photos compared with zbarimg and ZXingReader.
pk -q device init --serial TERM-0042 --dir term >/dev/null
pk -q device init --serial OTHER-1 --dir other >/dev/null
fp=$(pk fingerprint term/cert.pem)
# zbarimg prints "QR-Code:TEXT"; its exit code is 4 when it finds nothing.
zbar() { zbarimg -q --raw "$@" 2>/dev/null; }
zx() { ZXingReader "$@" 2>/dev/null | sed -n 's/^Text: *"\(.*\)"$/\1/p' | grep .; }
export -f zbar zx

# --- render: every format, read back by zbarimg -----------------------------
t 0 '^$' 'wrote pairing code \(version [1-5], level M' -- pk qr render --host gate.local:8443 --cert term/cert.pem -o pair.png
check 'zbarimg reads the pairing PNG' bash -c 'zbar pair.png | grep -Eqx "PK1/[A-Z2-7]{52}/GATE.LOCAL:8443/TERM-0042"'
check 'the scanned fingerprint equals pairkit fingerprint' bash -c \
  '[ "$(pk --json qr scan pair.png | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"payload\"][\"cert_sha256\"])")" = "'"$fp"'" ]'
check 'the scanned base32 fingerprint decodes to the certificate SHA-256' bash -c \
  'zbar pair.png | cut -d/ -f2 | python3 -c "import base64,sys; print(base64.b32decode(sys.stdin.read().strip()+\"====\").hex())" | grep -qx "$(pk fingerprint --format hex term/cert.pem)"'
t 0 '' '' -- pk qr render --host gate.local:8443 --cert term/cert.pem -o pair.pbm
check 'PBM is binary P4 from the extension' bash -c 'head -c 2 pair.pbm | grep -qx P4'
check 'zbarimg reads the pairing PBM' bash -c 'zbar pair.pbm | grep -q "^PK1/.*TERM-0042$"'
t 0 '' '' -- pk qr render --host gate.local:8443 --cert term/cert.pem -o pair.svg
check 'SVG has one path and crisp edges' bash -c '[ "$(grep -c "<path" pair.svg)" = 1 ] && grep -q "shape-rendering=\"crispEdges\"" pair.svg'
check 'zbarimg reads the SVG rasterized by ImageMagick' bash -c 'convert pair.svg svg.png && zbar svg.png | grep -q "^PK1/.*TERM-0042$"'
# utf8: a drawn half block is a light module (terminal foreground on a dark background).
cat >text2pbm.py <<'PY'
import sys
lines = sys.stdin.read().split("\n")
if lines and lines[-1] == "": lines.pop()
ansi = len(sys.argv) > 1
rows = []
if ansi:
    import re
    for line in lines:
        row = []
        for colour, spaces in re.findall(r"\x1b\[(\d+)m( +)", line):
            row += [colour == "40"] * (len(spaces) // 2)
        rows.append(row)
else:
    for line in lines:
        top = [c in "\u2588\u2580" for c in line]
        bottom = [c in "\u2588\u2584" for c in line]
        rows.append([not l for l in top]); rows.append([not l for l in bottom])
w = max(len(r) for r in rows)
s = 6
print("P1\n%d %d" % (w * s, len(rows) * s))
for r in rows:
    line = " ".join("1" if (r[x] if x < len(r) else False) else "0" for x in range(w) for _ in range(s))
    for _ in range(s): print(line)
PY
t 0 '▀|▄|█' '' -- pk qr render --host gate.local:8443 --cert term/cert.pem
check 'utf8 half blocks: zbarimg reads them redrawn as pixels' bash -c \
  'pk qr render --host gate.local:8443 --cert term/cert.pem | python3 text2pbm.py >utf8.pbm && zbar utf8.pbm | grep -q "^PK1/.*TERM-0042$"'
check 'utf8 shows two module rows per line' bash -c \
  '[ "$(pk --json qr render --payload HI -o hi.txt | python3 -c "import json,sys; d=json.load(sys.stdin); print(d[\"modules\"]+8, (d[\"modules\"]+9)//2)")" = "$(echo $(head -1 hi.txt | python3 -c "import sys; print(len(sys.stdin.read().rstrip(chr(10))))") $(wc -l <hi.txt))" ]'
check 'ansi background colours: zbarimg reads them redrawn as pixels' bash -c \
  'pk qr render --host gate.local:8443 --cert term/cert.pem --format ansi | python3 text2pbm.py ansi >ansi.pbm && zbar ansi.pbm | grep -q "^PK1/.*TERM-0042$"'
check '-o - writes PNG to stdout' bash -c 'pk qr render --payload stdout-png --format png -o - >stdout.png && zbar stdout.png | grep -qx stdout-png'
check 'byte mode for any other text' bash -c 'pk qr render --payload "WIFI:S:lab;T:WPA;P:secret;;" -o wifi.png && zbar wifi.png | grep -qx "WIFI:S:lab;T:WPA;P:secret;;"'
check 'UTF-8 text round-trips' bash -c 'pk qr render --payload "Grüße, señor" -o utf8.png && pk qr scan utf8.png | grep -qx "Grüße, señor"'
check 'IPv6 address and an explicit ID' bash -c 'pk qr render --host "[fe80::1]:8443" --cert term/cert.pem --id kiosk-7 -o v6.png && zbar v6.png | grep -Eqx "PK1/[A-Z2-7]{52}/FE80::1:8443/KIOSK-7"'
t 0 '"ec_level": "H"' '' -- pk --json qr render --payload HELLO --ecc H -o h.png
check 'zbarimg reads every EC level and scale' bash -c 'for e in L M Q H; do for s in 2 3; do pk qr render --payload "ecc-$e-$s" --ecc $e --scale $s --margin 2 -o e$e$s.png && zbar e$e$s.png | grep -qx "ecc-$e-$s" || exit 1; done; done'
check 'the config file sets the EC level' bash -c 'printf "[qr]\necc = \"Q\"\n" >q.toml && pk --config q.toml --json qr render --payload CFG -o cfg.png | grep -q "\"ec_level\": \"Q\""'
t 0 '"scale": 3' '' -- pk --json qr render --payload HI --scale 3 -o s3.png
check '--invert: light on dark, read by pairkit and by zbarimg once negated' bash -c \
  'pk qr render --host gate.local:8443 --cert term/cert.pem --invert -o inv.png && convert inv.png -negate neg.png && zbar neg.png | grep -q TERM-0042 && pk --json qr scan inv.png | grep -q "\"inverted\": true"'

# --- --fit ------------------------------------------------------------------
t 0 '"scale": 2' '' -- pk --json qr render --payload HELLO --fit 128x64 -o fit.png
check '--fit: the largest scale fits, the next does not' bash -c \
  'pk --json qr render --host gate.local:8443 --cert term/cert.pem --fit 240x135 -o fit2.png | python3 -c "
import json,sys; d=json.load(sys.stdin); n=d[\"modules\"]+2*d[\"margin\"]
assert d[\"width\"]<=135 and (d[\"scale\"]+1)*n>135, d"'
t 0 '' '' -- pk qr render --payload HELLO --fit 64x32 --format utf8 -o fit.txt
t 3 '' 'does not fit 20x20: version 1 .*needs at least 29x29 pixels' -- pk qr render --payload HELLO --fit 20x20 -o nofit.png
absent nofit.png
t 2 '' 'drop --scale' -- pk qr render --payload HELLO --fit 64x64 --scale 2 -o x.png
t 2 '' "bad --fit '64'" -- pk qr render --payload HELLO --fit 64 -o x.png

# --- render errors ------------------------------------------------------------
t 3 '' 'pair.png exists' -- pk qr render --host gate.local:8443 --cert term/cert.pem -o pair.png
t 0 '' '' -- pk qr render --host gate.local:8443 --cert term/cert.pem -o pair.png --force
t 2 '' "cannot tell the format from 'code.jpg'" -- pk qr render --payload HI -o code.jpg
absent code.jpg
t 2 '' 'either --payload TEXT or --host' -- pk qr render --payload HI --host a:1 --cert term/cert.pem
t 2 '' 'either --payload TEXT or --host' -- pk qr render
t 2 '' 'needs both --host and --cert' -- pk qr render --host gate.local:8443
t 2 '' "bad address 'gate.local'" -- pk qr render --host gate.local --cert term/cert.pem
t 2 '' "bad port '99999'" -- pk qr render --host gate.local:99999 --cert term/cert.pem
t 2 '' "bad character '_' in the host" -- pk qr render --host gate_1:80 --cert term/cert.pem
t 2 '' "write an IPv6 address as \[ADDR\]:PORT" -- pk qr render --host fe80::1:80 --cert term/cert.pem
t 2 '' 'the device ID has 19 characters, the limit is 18' -- pk qr render --host a:1 --cert term/cert.pem --id AAAAAAAAAAAAAAAAAAA
t 2 '' 'the host has 41 characters, the limit is 40' -- pk qr render --host "$(printf 'a%.0s' {1..41}):1" --cert term/cert.pem
t 3 '' 'cannot open nope.pem' -- pk qr render --host a:1 --cert nope.pem
t 3 '' 'term/key.pem holds a private key where a certificate is needed' -- pk qr render --host a:1 --cert term/key.pem
t 2 '' '' -- pk qr render --payload HI --ecc X
t 2 '' '' -- pk qr render --payload HI --format gif
t 2 '' '--json needs -o FILE' -- pk --json qr render --payload HI
t 3 '' 'does not fit a QR code at level H' -- pk qr render --payload "$(head -c 3000 /dev/zero | tr '\0' x)" --ecc H -o big.png
absent big.png

# --- scan ---------------------------------------------------------------------
t 0 '^PK1/[A-Z2-7]{52}/GATE.LOCAL:8443/TERM-0042$' '^$' -- pk qr scan pair.png
t 0 '^PK1/' '' --stdin pair.png -- pk qr scan -
check 'scan --json: file, text, payload, ec_level, version, position' bash -c 'pk --json qr scan pair.png | python3 -c "
import json,sys; d=json.load(sys.stdin)[0]
assert {\"file\",\"text\",\"payload\",\"ec_level\",\"version\",\"position\"} <= set(d), d
assert d[\"ec_level\"]==\"M\" and d[\"payload\"][\"address\"]==\"gate.local:8443\" and d[\"payload\"][\"id\"]==\"TERM-0042\"
assert set(d[\"position\"])=={\"top_left\",\"top_right\",\"bottom_right\",\"bottom_left\"}, d"'
check 'scan --json: the version is the one rendered (1 to 10)' bash -c 'for v in 1 2 3 4 5 6 7 8 9 10; do
  qrencode -v $v -l L -o v$v.png "version $v" && [ "$(pk --json qr scan v$v.png | python3 -c "import json,sys; print(json.load(sys.stdin)[0][\"version\"])")" = $v ] || { echo "version $v"; exit 1; }; done'
t 0 '^match: pair.png is a pairing code for term/cert.pem \(gate.local:8443, id TERM-0042, SHA256:' '' -- pk qr scan pair.png --expect-cert term/cert.pem
t 1 '' 'fingerprint mismatch: the code in pair.png carries SHA256:[0-9A-F:]{95}, other/cert.pem is SHA256:[0-9A-F:]{95}' -- pk qr scan pair.png --expect-cert other/cert.pem
check 'the mismatch names both fingerprints' bash -c 'pk qr scan pair.png --expect-cert other/cert.pem 2>&1 | grep -q "'"$fp"'.*$(pk fingerprint other/cert.pem)"'
qrencode -o hello.png 'hello world'
t 3 '' 'the code in hello.png is not a pairing payload' -- pk qr scan hello.png --expect-cert term/cert.pem
good=$(zbar pair.png)
qrencode -o v2.png "PK2/${good#PK1/}"
t 3 '' 'unsupported pairing payload version 2' -- pk qr scan v2.png --expect-cert term/cert.pem
qrencode -o long.png "${good}$(printf 'X%.0s' {1..100})"
t 3 '' 'pairing payload too long: [0-9]+ characters, the limit is 122' -- pk qr scan long.png --expect-cert term/cert.pem
qrencode -o lower.png "PK1/$(echo "${good#PK1/}" | tr A-Z a-z)"
t 3 '' "bad character 'a' in the fingerprint|bad character '[a-z]' in the fingerprint" -- pk qr scan lower.png --expect-cert term/cert.pem
qrencode -o short.png "PK1/${good:5}"
t 3 '' 'bad fingerprint length: 51 base32 characters' -- pk qr scan short.png --expect-cert term/cert.pem
t 0 '"payload_error": "bad fingerprint length' '' -- pk --json qr scan short.png
t 0 '^hello world$' '' -- pk qr scan hello.png

# qrencode's codes, Micro QR included, and several codes in one image.
check 'pairkit reads qrencode PNG and Micro QR' bash -c '
  qrencode -l H -s 2 -o q.png "from qrencode" && pk qr scan q.png | grep -qx "from qrencode" &&
  qrencode -M -v 3 -o micro.png "12345" && pk --json qr scan micro.png | grep -q "\"format\": \"MicroQRCode\"" && pk --json qr scan micro.png | grep -q "\"version\": 3" && pk qr scan micro.png | grep -qx 12345'
qrencode -o a.png 'code A'
qrencode -o b.png 'code B'
convert a.png b.png +append -bordercolor white -border 20 two.png
check 'several codes in one image are all reported' bash -c '[ "$(pk qr scan two.png | sort | tr "\n" ,)" = "code A,code B," ]'
t 0 '^a.png: code A$' '' -- pk qr scan a.png b.png
ZXingWriter -size 400x120 Code128 'CODE128-NOT-QR' bar.png >/dev/null
check 'ZXingReader sees the 1D barcode (the test is meaningful)' bash -c 'zx bar.png | grep -qx CODE128-NOT-QR'
t 1 '^$' 'no QR code found in bar.png' -- pk qr scan bar.png
convert -size 200x200 xc:white white.png
t 1 '^$' 'no QR code found in white.png' -- pk qr scan white.png
t 1 '^a.png: code A$' 'no QR code found in white.png$' -- pk qr scan white.png a.png

# --- hostile images -------------------------------------------------------------
head -c 300 pair.png >trunc.png
t 3 '' 'trunc.png: corrupt or truncated PNG' -- pk qr scan trunc.png
convert pair.png -quality 90 pair.jpg
head -c 900 pair.jpg >trunc.jpg
t 3 '' 'trunc.jpg: truncated JPEG' -- pk qr scan trunc.jpg
{ head -c 200 pair.jpg; head -c 400 /dev/urandom; } >garbage.jpg
t 3 '' 'garbage.jpg: (corrupt|truncated) JPEG' -- pk qr scan garbage.jpg
# Damaged scan data: libjpeg would decode past it with made-up pixels.
python3 -c "
d = bytearray(open('pair.jpg', 'rb').read())
for i in range(len(d) // 2, len(d) // 2 + 8): d[i] ^= 0x55
open('flipped.jpg', 'wb').write(d)"
t 3 '' '^pairkit: error: flipped.jpg: corrupt JPEG \(Corrupt JPEG data' -- pk qr scan flipped.jpg
{ printf '\x89PNG\r\n\x1a\n'; head -c 100 /dev/zero; } >corrupt.png
t 3 '' 'corrupt.png: corrupt PNG' -- pk qr scan corrupt.png
printf 'P5\n0 0\n255\n' >zero.pgm
t 3 '' 'zero.pgm: the image has zero size \(0x0\)' -- pk qr scan zero.pgm
printf 'P5\n5 5\n255\nabc' >short.pgm
t 3 '' 'short.pgm: truncated PNM' -- pk qr scan short.pgm
python3 - <<'PY'
import struct, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open("huge.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))
PY
t 3 '' 'huge.png: the image is 100000x100000 = 10000000000 pixels, more than the limit of 50000000' -- pk qr scan huge.png
python3 - <<'PY'
import struct, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open("zero.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 10, 8, 0, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
# The JPEG's SOF0 frame header rewritten to 60000x60000.
d = bytearray(open("pair.jpg", "rb").read())
at = d.index(b"\xff\xc0")
d[at + 5:at + 9] = struct.pack(">HH", 60000, 60000)
open("huge.jpg", "wb").write(d)
PY
t 3 '' 'zero.png: the image has zero size \(0x10\)' -- pk qr scan zero.png
t 3 '' 'huge.jpg: the image is 60000x60000 = 3600000000 pixels, more than the limit' -- pk qr scan huge.jpg
printf 'P5\n70000 70000\n255\n' >huge.pgm
t 3 '' 'huge.pgm: the image is 70000x70000' -- pk qr scan huge.pgm
t 3 '' 'more than the limit of 1000 \(--max-pixels\)' -- pk qr scan pair.png --max-pixels 1000
t 3 '' 'more than the limit of 1000' --env PAIRKIT_QR_MAX_PIXELS=1000 -- pk qr scan pair.png
echo 'just text' >notimage.txt
t 3 '' 'notimage.txt is not a PNG, JPEG or PNM image' -- pk qr scan notimage.txt
: >empty.png
t 3 '' 'empty.png is empty' -- pk qr scan empty.png
t 3 '' 'cannot open missing.png' -- pk qr scan missing.png
t 2 '' '' -- pk qr scan
t 3 '' 'cannot open nope.pem' -- pk qr scan pair.png --expect-cert nope.pem

# --- completions: option values come from the command tree -------------------------
check 'completion offers the --format choices' bash -c '[ "$(pk __complete -- qr render --format "" | tr "\n" " ")" = "png svg pbm utf8 ansi " ]'
check 'completion offers the --ecc choices' bash -c '[ "$(pk __complete -- qr render --ecc "" | tr "\n" " ")" = "L M Q H " ]'
check 'completion leaves file names to the shell for --cert' bash -c '[ -z "$(pk __complete -- qr render --cert "")" ]'
check 'completion lists qr commands' bash -c '[ "$(pk __complete -- qr "" | tr "\n" " ")" = "render scan " ]'

# --- the device ID defaults to the certificate's serialNumber/CN, when it fits ----
pk -q key gen -o lobby.key
pk -q cert self-sign --key lobby.key --cn 'lobby screen' -o lobby.crt
t 0 '' "serial 'lobby screen' cannot be a payload device ID; give --id" -- pk qr render --host lobby.local:443 --cert lobby.crt -o lobby.png
check 'without a usable ID the payload has none' bash -c 'zbar lobby.png | grep -Eqx "PK1/[A-Z2-7]{52}/LOBBY.LOCAL:443"'
t 0 '' '' -- pk qr render --host lobby.local:443 --cert lobby.crt --id lobby-1 -o lobby1.png
check '--id is upper-cased into the payload' bash -c 'zbar lobby1.png | grep -Eqx "PK1/[A-Z2-7]{52}/LOBBY.LOCAL:443/LOBBY-1"'

# --- the pairkit-qr module: loaded by qr commands only -----------------------
if [[ -n $PAIRKIT_SANITIZED ]]; then
  skip 'the pairkit binary itself links no QR, image, SQLite or TOML library' \
    'the sanitizer build links SQLite and Botan as shared libraries (-Dstatic_sqlite=false)'
else
  check 'the pairkit binary itself links no QR, image, SQLite or TOML library' bash -c \
    'needed=$(readelf -d "$PAIRKIT" | grep NEEDED); echo "$needed" | grep -q "libc\.so" &&
     ! echo "$needed" | grep -Eq "ZXing|zbar|qrencode|png|jpeg|sqlite|toml"'
fi
check 'a non-qr command does not load the module' bash -c \
  'LD_DEBUG=files "$PAIRKIT" fingerprint term/cert.pem 2>&1 >/dev/null | grep -Eq "file=libc\.so" &&
   ! LD_DEBUG=files "$PAIRKIT" fingerprint term/cert.pem 2>&1 >/dev/null | grep -Eq "pairkit-qr|libZXing|libzbar"'
check 'qr scan loads it' bash -c 'LD_DEBUG=files "$PAIRKIT" qr scan pair.png 2>&1 >/dev/null | grep -q "file=.*pairkit-qr.so"'
mkdir -p lonely && cp "$PAIRKIT" lonely/pairkit
t 3 '' '^pairkit: error: QR support is not installed: no pairkit-qr.so next to pairkit or at /.*/pairkit-qr.so$' -- lonely/pairkit qr scan pair.png
t 0 '^[0-9a-f]{64}$' '' -- lonely/pairkit fingerprint --format hex term/cert.pem
printf 'not an ELF file\n' >lonely/pairkit-qr.so
t 3 '' '^pairkit: error: QR support is not installed: cannot load it: .*lonely/pairkit-qr.so' -- lonely/pairkit qr render --payload x -o x.png
absent x.png
# Rendering maps libqrencode and libpng only: the decoders (ZXing-cpp, zbar,
# libjpeg) and the C++ runtime are pairkit-qr-scan.so's, loaded on the first scan.
check 'qr render does not load the decoders or libstdc++' bash -c \
  'LD_DEBUG=files "$PAIRKIT" qr render --payload x -o r.png 2>&1 >/dev/null | grep -q "file=libqrencode" &&
   ! LD_DEBUG=files "$PAIRKIT" qr render --payload x -o r2.png 2>&1 >/dev/null |
     grep -Eq "pairkit-qr-scan|libZXing|libzbar|libjpeg|libstdc\+\+.*needed by .*pairkit-qr\.so"'
if [[ -n $PAIRKIT_SANITIZED ]]; then
  skip 'qr scan loads the decoders from beside pairkit-qr.so' \
    "AddressSanitizer's dlopen interceptor makes every dlopen look like the binary's"
else
  check 'qr scan loads the decoders from beside pairkit-qr.so' bash -c \
    'LD_DEBUG=files "$PAIRKIT" qr scan pair.png 2>&1 >/dev/null | grep -q "file=.*pairkit-qr-scan.so .*dynamically loaded by .*pairkit-qr.so"'
fi
mkdir -p renderonly && cp "$PAIRKIT" renderonly/pairkit && cp "$(dirname "$PAIRKIT")/pairkit-qr.so" renderonly/
t 0 '' '' -- renderonly/pairkit qr render --payload x -o ro.png
t 3 '' '^pairkit: error: QR scanning is not installed: no /.*renderonly/pairkit-qr-scan.so$' -- renderonly/pairkit qr scan pair.png
printf 'not an ELF file\n' >renderonly/pairkit-qr-scan.so
t 3 '' '^pairkit: error: QR scanning is not installed: cannot load it: .*renderonly/pairkit-qr-scan.so' -- renderonly/pairkit qr scan pair.png
