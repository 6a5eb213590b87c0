#!/usr/bin/env bash
# Restore point speed and memory next to the real age, in the same run:
# pairkit backup create + restore of a device folder holding a SIZE_MB file
# (default 200) versus age -r + age -d of the same file (also followed by an
# fsync, as pairkit does). Prints wall time, CPU time,
# peak RSS and the ratios. Usage: bench/backup.sh [PAIRKIT] [SIZE_MB] [ROUNDS]
set -euo pipefail
pk=$(realpath "${1:-$(cd "$(dirname "$0")/.." && pwd)/build/pairkit}")
size_mb=${2:-200}
rounds=${3:-3}
[[ -x $pk ]] || { echo "bench/backup.sh: no pairkit at $pk (build it: scripts/build.sh build)" >&2; exit 2; }
command -v age >/dev/null || { echo "bench/backup.sh: age is not installed" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench/backup.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/var/tmp}/pairkit-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
"$pk" -q device init --serial BENCH-1 --dir dev >/dev/null
head -c $((size_mb * 1024 * 1024)) /dev/urandom >dev/big.bin
"$pk" -q backup keygen -o id.txt >/dev/null
R=$(age-keygen -y id.txt)

# measure NAME CMD...: appends "NAME wall_s maxrss_kb user_s sys_s" to results
measure() {
  local name=$1; shift
  /usr/bin/time -f '%e %M %U %S' -o t.out "$@" >/dev/null 2>t.err || { cat t.err >&2; exit 1; }
  echo "$name $(cat t.out)" >>results
}
: >results
for ((i = 1; i <= rounds; i++)); do
  rm -rf rp.age restored age.age age.out
  sync
  measure pk_create "$pk" -q backup create --from dev --include big.bin -o rp.age -r "$R"
  measure pk_restore "$pk" -q backup restore rp.age --to restored -i id.txt
  measure age_encrypt age -r "$R" -o age.age dev/big.bin
  measure age_decrypt age -d -i id.txt -o age.out age.age
  # The same with the fsync pairkit does (its outputs are durable before it reports success).
  rm -f age.age age.out
  measure age_encrypt_sync sh -c 'age -r "$1" -o age.age dev/big.bin && sync age.age' _ "$R"
  measure age_decrypt_sync sh -c 'age -d -i id.txt -o age.out age.age && sync age.out' _
done
cmp restored/big.bin dev/big.bin
python3 - "$size_mb" "$rounds" <<'PY'
import sys, statistics
size, rounds = int(sys.argv[1]), int(sys.argv[2])
rows = {}
for line in open("results"):
    name, secs, rss, user, sys_ = line.split()
    rows.setdefault(name, []).append((float(secs), int(rss), float(user) + float(sys_)))
med = {k: statistics.median(s for s, _, _ in v) for k, v in rows.items()}
cpu = {k: statistics.median(c for _, _, c in v) for k, v in rows.items()}
peak = {k: max(r for _, r, _ in v) for k, v in rows.items()}
print(f"restore point of a {size} MB file, median of {rounds} rounds (wall s, CPU s, peak RSS MB):")
for k in ("pk_create", "pk_restore", "age_encrypt", "age_decrypt", "age_encrypt_sync", "age_decrypt_sync"):
    print(f"  {k:16s} {med[k]:7.2f} s  cpu {cpu[k]:5.2f} s  {peak[k] / 1024:7.1f} MB  ({size / med[k]:6.0f} MB/s)")
pk = med["pk_create"] + med["pk_restore"]
ag = med["age_encrypt"] + med["age_decrypt"]
print(f"create+restore {pk:.2f} s vs age -r + age -d {ag:.2f} s: ratio {pk / ag:.2f}x (target <= 1.0x)")
ags = med["age_encrypt_sync"] + med["age_decrypt_sync"]
print(f"create+restore {pk:.2f} s vs age -r + age -d + fsync {ags:.2f} s: ratio {pk / ags:.2f}x")
print(f"CPU time: create+restore {cpu['pk_create'] + cpu['pk_restore']:.2f} s vs age {cpu['age_encrypt'] + cpu['age_decrypt']:.2f} s: "
      f"ratio {(cpu['pk_create'] + cpu['pk_restore']) / (cpu['age_encrypt'] + cpu['age_decrypt']):.2f}x")
print(f"create {med['pk_create'] / med['age_encrypt']:.2f}x age -r; restore {med['pk_restore'] / med['age_decrypt']:.2f}x age -d")
print(f"peak RSS pairkit {max(peak['pk_create'], peak['pk_restore']) / 1024:.1f} MB (target <= 64 MB), "
      f"age {max(peak['age_encrypt'], peak['age_decrypt']) / 1024:.1f} MB")
PY
