#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz for SECONDS each (default 10): builds
# the sanitizer build (scripts/build.sh --sanitize build-sanitize), makes the
# seeds (tests/fuzz/seeds.sh), then prints one line per target (executions,
# coverage, findings) and a total. Exits 1 when anything was found; findings
# are kept in build-sanitize/fuzz/findings/TARGET/. Everything a run writes
# stays in build-sanitize/fuzz/ (the corpora grow there from run to run).
# Usage: scripts/fuzz.sh [-j N] [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=1
if [[ ${1:-} == -j ]]; then jobs=$2; shift 2; fi
seconds=10
if [[ ${1:-} =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
build=build-sanitize
fuzz=$root/$build/fuzz

scripts/deps.sh sanitize || exit 3
scripts/build.sh --sanitize "$build" fuzz || exit 3

# name max_len timeout, one line per target (from tests/fuzz/meson.build).
declare -A max_len timeout
all=()
while read -r name len secs; do
  [[ -n $name ]] || continue
  all+=("$name"); max_len[$name]=$len; timeout[$name]=$secs
done <"$build/tests/fuzz/targets.txt"
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [[ -n ${max_len[$t]:-} ]] || { echo "fuzz.sh: no target '$t' (targets: ${all[*]})" >&2; exit 2; }
done

# Seeds are made again when the script that makes them changes.
if [[ ! -f $fuzz/seeds.stamp || tests/fuzz/seeds.sh -nt $fuzz/seeds.stamp ]]; then
  echo "making seeds (tests/fuzz/seeds.sh)..." >&2
  mkdir -p "$fuzz"
  tests/fuzz/seeds.sh "$build/pairkit" "$fuzz/seeds" >"$fuzz/seeds.log" 2>&1 ||
    { cat "$fuzz/seeds.log" >&2; echo "fuzz.sh: making the seeds failed" >&2; exit 3; }
  grep 'seeds.sh:' "$fuzz/seeds.log" >&2
  touch "$fuzz/seeds.stamp"
fi

# UBSan only prints by default; halting makes every report a finding.
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1

run_target() {
  local t=$1
  local corpus=$fuzz/corpus/$t findings=$fuzz/findings/$t log=$fuzz/logs/$t.log
  mkdir -p "$corpus" "$findings" "$fuzz/logs" "$fuzz/seeds/$t"
  : >"$fuzz/logs/$t.start"
  local dirs=("$corpus" "$fuzz/seeds/$t")
  [[ -d tests/fuzz/regressions/$t ]] && dirs+=("$root/tests/fuzz/regressions/$t")
  # New inputs go to the first folder only: the committed regressions are read, never written.
  (cd "$fuzz" && "$root/$build/tests/fuzz/fuzz-$t" -max_total_time="$seconds" -max_len="${max_len[$t]}" \
    -timeout="${timeout[$t]}" -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$findings/" "${dirs[@]}") >"$log" 2>&1
}

if ((jobs > 1)); then
  running=0
  for t in "${targets[@]}"; do
    if ((running >= jobs)); then wait -n; ((running--)); fi
    run_target "$t" &
    ((running++))
  done
  wait
else
  for t in "${targets[@]}"; do run_target "$t"; done
fi

total_execs=0 total_findings=0 failed_targets=0
printf '%-12s %12s %8s %8s  %s\n' target executions cov ft findings
for t in "${targets[@]}"; do
  log=$fuzz/logs/$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  mapfile -t found < <(find "$fuzz/findings/$t" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newer "$fuzz/logs/$t.start" 2>/dev/null)
  if grep -q '^==[0-9]*==ERROR\|^SUMMARY: \|deadly signal' "$log" && ((${#found[@]} == 0)); then
    found=("$log")
  fi
  total_execs=$((total_execs + ${execs:-0}))
  total_findings=$((total_findings + ${#found[@]}))
  ((${#found[@]})) && failed_targets=$((failed_targets + 1))
  printf '%-12s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
    "$( ((${#found[@]})) && echo "${#found[@]}: ${found[*]#$root/}" || echo 0)"
done
printf '%-12s %12s %8s %8s  %s\n' total "$total_execs" '' '' "$total_findings"
# Each target is a test for CI's closing line (.ci/run): passed when it found nothing.
echo "fuzz: $((${#targets[@]} - failed_targets)) passed, $failed_targets failed"
echo "logs: $build/fuzz/logs/; corpora: $build/fuzz/corpus/; findings: $build/fuzz/findings/" >&2
((total_findings == 0))
