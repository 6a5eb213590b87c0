#!/usr/bin/env bash
# Whole-process QR benchmarks, each next to its peers in the same run:
#   scan: pairkit qr scan vs ZXingReader vs zbarimg on one 1920x1080 photo
#         holding one pairing code (targets: <= 1.0x ZXingReader, <= 0.5x zbarimg);
#   render: pairkit qr render vs qrencode writing the same text as a PNG at
#         the same level, scale and margin to stdout (target: <= 1.5x
#         qrencode); to a file, next to qrencode and to qrencode + sync
#         (pairkit's files are durable); and a pairing code rendered from the
#         certificate, for reference.
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

# Render: start-up is most of it, so pairkit and qrencode run in alternation
# (one round = one run of each), each timed in-shell (no timer process), and
# the median and range reported, of wall time and of CPU time (user +
# system): on a loaded machine wall times wander, CPU times much less.
# pairkit writes its file as it always does (a temporary file, fsync,
# rename); qrencode just writes.
# one_run VAR_WALL VAR_CPU CMD...: appends the run's wall ms ($EPOCHREALTIME,
# to the microsecond) and CPU ms (`time`, to the millisecond) to the two arrays.
one_run() {
  local -n wall=$1 cpu=$2
  shift 2
  local TIMEFORMAT='%3U %3S' t0 t1 u s
  t0=$EPOCHREALTIME
  { time "$@" >/dev/null 2>&1; } 2>"$work/time"
  t1=$EPOCHREALTIME
  read -r u s <"$work/time"
  wall+=("$(awk -v s="$t0" -v e="$t1" 'BEGIN {printf "%.3f", (e - s) * 1000}')")
  cpu+=("$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.3f", (u + s) * 1000}')")
}
# interleaved CMD_A... -- CMD_B...: prints "median min max" of A's wall ms, A's CPU ms, B's wall ms, B's CPU ms.
interleaved() {
  local a=() b=() wa=() ca=() wb=() cb=() i
  while [[ $1 != -- ]]; do a+=("$1"); shift; done
  shift
  b=("$@")
  for ((i = 0; i < runs; i++)); do
    one_run wa ca "${a[@]}"
    one_run wb cb "${b[@]}"
  done
  for side in wa ca wb cb; do
    local -n t=$side
    printf '%s\n' "${t[@]}" | sort -g | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.3f %.3f %.3f ", m, a[1], a[NR]}'
  done
  echo
}
# report LABEL NOTE A_WALL A_LO A_HI A_CPU A_CLO A_CHI B_WALL B_LO B_HI B_CPU B_CLO B_CHI TARGET [PEER]
report() {
  local peer=${16:-qrencode}
  printf 'render %-17s %8.3f ms (range %.3f-%.3f)   cpu %6.3f ms (range %.3f-%.3f)   %s\n' "$1" "$3" "$4" "$5" "$6" "$7" "$8" "$2"
  printf 'render %-17s %8.3f ms (range %.3f-%.3f)   cpu %6.3f ms (range %.3f-%.3f)\n' "$peer" "${@:9:6}"
  printf 'render pairkit/%s = %sx wall, %sx cpu%s\n' "$peer" "$(ratio "$3" "$9")" "$(ratio "$6" "${12}")" "${15:+ (target <= ${15})}"
}
"$pk" -q qr render --payload "$text" -o r.png --force; qrencode -l M -s 8 -m 4 -o q.png "$text"
# The same work on both sides: the PNG to standard output.
report 'pairkit qr render' '(--payload, level M, scale 8, PNG to stdout)' \
  $(interleaved "$pk" qr render --payload "$text" -o - -- qrencode -l M -s 8 -m 4 -o - "$text") 1.5x
# To a file, pairkit also makes it durable (fsync of the file and its folder):
# next to qrencode as it is, and to qrencode followed by a sync of its file.
report 'pairkit, to a file' '(temporary file, fsync, rename)' \
  $(interleaved "$pk" qr render --payload "$text" -o r.png --force -- qrencode -l M -s 8 -m 4 -o q.png "$text") ''
report 'pairkit, to a file' '(temporary file, fsync, rename)' \
  $(interleaved "$pk" qr render --payload "$text" -o r.png --force -- \
    sh -c 'qrencode -l M -s 8 -m 4 -o q.png "$1" && sync q.png' _ "$text") '' 'qrencode + sync'
report 'pairkit, pairing' '(--host --cert: reads the certificate too)' \
  $(interleaved "$pk" qr render --host gate.local:8443 --cert dev/cert.pem -o p.png --force -- \
    qrencode -l M -s 8 -m 4 -o q.png "$text")
