#!/usr/bin/env bash
# Configures (once) and builds pairkit. Usage: scripts/build.sh BUILD_DIR [meson options...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1; shift
if [[ ! -f $dir/build.ninja ]]; then
  meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log" >&2; exit 1; }
  rm -f "$dir.setup.log"
fi
ninja -C "$dir" >"/tmp/pairkit-ninja.$$.log" 2>&1 || { cat "/tmp/pairkit-ninja.$$.log" >&2; rm -f "/tmp/pairkit-ninja.$$.log"; exit 1; }
rm -f "/tmp/pairkit-ninja.$$.log"
