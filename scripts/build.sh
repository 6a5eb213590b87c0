#!/usr/bin/env bash
# Configures (once) and builds pairkit.
# Usage: scripts/build.sh BUILD_DIR [meson options...]
#        scripts/build.sh --sanitize BUILD_DIR [NINJA TARGET...]   the clang build with
#          ASan, UBSan and the libFuzzer targets, shared by scripts/fuzz.sh and
#          scripts/test.sh --sanitize (all of it unless targets are named)
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache (which meson uses when it is installed) caches nothing built with a
# precompiled header (the CLI targets and the unit tests) unless told that
# the header's macros and __TIME__ need not be checked.
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:+$CCACHE_SLOPPINESS,}pch_defines,time_macros
targets=()
if [[ $1 == --sanitize ]]; then
  dir=$2
  targets=("${@:3}")
  # The sanitizer runtimes need a dynamic C++ runtime and shared libraries
  # they can intercept; b_lundef=false because the runtimes come with clang's
  # driver, not with every shared module's link.
  export CC=clang CXX=clang++
  # PAIRKIT_SANITIZE_DEBUG_INFO=false (.ci/run) leaves out -g: a fifth less
  # compile time and much less link time; reports then name functions, not lines.
  set -- -Dtest_seams=true -Doptimization=2 -Ddebug="${PAIRKIT_SANITIZE_DEBUG_INFO:-true}" \
    -Db_ndebug=false -Db_sanitize=address,undefined -Db_lundef=false \
    -Dstatic_cxx=false -Dstatic_botan=false -Dstatic_sqlite=false -Dfuzz=true
else
  dir=$1; shift
fi
if [[ ! -f $dir/build.ninja ]]; then
  meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log" >&2; exit 1; }
  rm -f "$dir.setup.log"
fi
ninja -C "$dir" "${targets[@]}" >"/tmp/pairkit-ninja.$$.log" 2>&1 || { cat "/tmp/pairkit-ninja.$$.log" >&2; rm -f "/tmp/pairkit-ninja.$$.log"; exit 1; }
rm -f "/tmp/pairkit-ninja.$$.log"
