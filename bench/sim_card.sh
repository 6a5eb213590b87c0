#!/usr/bin/env bash
# APDU round trips per second through pcscd + vpcd next to the vpcd framing
# alone, with a private pcscd (own mount and network namespace; needs root,
# pcscd, vsmartcard-vpcd, libpcsclite-dev).
# Usage: [BUILD=build-bench] bench/sim_card.sh [N]   (BUILD: a meson build dir, configured with -Dbench=true)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build-bench}
if [[ ${BENCH_INSIDE:-} != 1 ]]; then
  [[ -f $build/build.ninja ]] || meson setup "$build" -Dbench=true -Dbuildtype=release >/dev/null
  ninja -C "$build" -j2 bench/sim_card/vpcd_bench >/dev/null
  export BUILD=$build
  export BENCH_INSIDE=1
  exec unshare --mount --net --propagation private "$0" "$@"
fi
ip link set lo up
mkdir -p /run/pcscd && mount -t tmpfs tmpfs /run/pcscd
pcscd --foreground >/dev/null 2>&1 &
pcscd_pid=$!
trap 'kill $pcscd_pid 2>/dev/null; wait' EXIT
"$build/bench/sim_card/vpcd_bench" "${1:-5000}"
