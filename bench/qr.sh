#!/usr/bin/env bash
# Whole-process QR benchmarks, each next to its peers in the same run:
#   scan: pairkit qr scan vs ZXingReader vs zbarimg on one 1920x1080 photo
#         holding one pairing code (targets: <= 1.0x ZXingReader, <= 0.5x zbarimg);
#   render: pairkit qr render of a pairing PNG vs qrencode writing the same text.
# Usage: bench/qr.sh [PAIRKIT_BINARY] [RUNS]   (default build/pairkit, 30 runs)
# Needs imagemagick, zbar-tools, zxing-cpp-tools and qrencode (scripts/deps.sh test).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
pk=$(realpath "${1:-$here/build/pairkit}")
runs=${2:-30}
work=$(mktemp -d /tmp/pairkit-bench-qr.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$pk" -q device init --serial BENCH-0001 --dir dev
"$pk" -q qr render --host gate.local:8443 --cert dev/cert.pem -o code.png
text=$(zbarimg -q --raw code.png 2>/dev/null)
# A photo: a noisy desk, the code a little rotated, JPEG as a phone saves it.
convert -size 1920x1080 xc:gray58 -attenuate 0.35 +noise Gaussian \
  \( code.png -background white -rotate 8 -resize 330 \) -geometry +1100+380 -composite -quality 85 photo.jpg

check_reads() {
  "$pk" qr scan photo.jpg | grep -qxF "$text" || { echo "pairkit does not read photo.jpg" >&2; exit 1; }
  ZXingReader photo.jpg | grep -qF "\"$text\"" || { echo "ZXingReader does not read photo.jpg" >&2; exit 1; }
  zbarimg -q --raw photo.jpg 2>/dev/null | grep -qxF "$text" || { echo "zbarimg does not read photo.jpg" >&2; exit 1; }
}
check_reads

# median_ms CMD...: median wall time of $runs runs, in milliseconds (3 decimals).
median_ms() {
  local i t0 t1 times=()
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    times+=($(((t1 - t0) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.3f", m/1000}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

echo "pairkit qr bench: $runs runs each, medians, whole process; $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)"
echo "photo: 1920x1080 JPEG, one pairing code (version $("$pk" --json qr scan photo.jpg | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["version"])'))"
# Interleave warm-ups so no tool gets a cold cache the others did not.
"$pk" qr scan photo.jpg >/dev/null; ZXingReader photo.jpg >/dev/null; zbarimg -q photo.jpg >/dev/null 2>&1
pk_ms=$(median_ms "$pk" qr scan photo.jpg)
zx_ms=$(median_ms ZXingReader photo.jpg)
zb_ms=$(median_ms zbarimg -q --raw photo.jpg)
printf 'scan   pairkit qr scan   %8.3f ms\n' "$pk_ms"
printf 'scan   ZXingReader       %8.3f ms   pairkit/ZXingReader = %sx (target <= 1.0x)\n' "$zx_ms" "$(ratio "$pk_ms" "$zx_ms")"
printf 'scan   zbarimg           %8.3f ms   pairkit/zbarimg     = %sx (target <= 0.5x)\n' "$zb_ms" "$(ratio "$pk_ms" "$zb_ms")"

r_ms=$(median_ms "$pk" qr render --host gate.local:8443 --cert dev/cert.pem -o r.png --force)
q_ms=$(median_ms qrencode -l M -s 8 -o q.png "$text")
printf 'render pairkit qr render %8.3f ms   (pairing PNG, reads the certificate)\n' "$r_ms"
printf 'render qrencode          %8.3f ms   pairkit/qrencode    = %sx\n' "$q_ms" "$(ratio "$r_ms" "$q_ms")"
