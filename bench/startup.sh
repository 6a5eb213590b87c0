#!/usr/bin/env bash
# Start-up before and after: builds the pairkit binary of BASE (default
# 874b339, main before the gate, issue 13) in a temporary worktree with the
# same meson options as NEW's build, then runs bench/compare.sh --startup on
# the two (pair.sh and fingerprint.sh in interleaved rounds, --version,
# fingerprint and pair check alternating process by process, callgrind
# instruction counts). The gate lives in pairkit-gate; pairkit must start as
# fast as before.
# Usage: bench/startup.sh NEW_PAIRKIT [ROUNDS]   (BASE=COMMIT to compare with another base)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
new=$(realpath "${1:?usage: bench/startup.sh NEW_PAIRKIT [ROUNDS]}")
rounds=${2:-5}
base=${BASE:-874b339}
new_build=$(dirname "$new")
[[ -f $new_build/build.ninja ]] || { echo "bench/startup.sh: $new is not in a meson build folder" >&2; exit 3; }
git -C "$root" rev-parse --verify -q "$base^{commit}" >/dev/null || { echo "bench/startup.sh: no commit $base" >&2; exit 3; }

work=$(mktemp -d /tmp/pairkit-startup.XXXXXX)
trap 'git -C "$root" worktree remove --force "$work/src" 2>/dev/null || true; rm -rf "$work"' EXIT
git -C "$root" worktree add -q --detach "$work/src" "$base"
# The options that shape the binary, as NEW's build has them.
mapfile -t options < <(meson introspect --buildoptions "$new_build" | python3 -c '
import json, sys
shaping = ("buildtype", "b_ndebug", "test_seams", "static_botan", "static_sqlite", "static_cxx")
for o in json.load(sys.stdin):
    if o["name"] in shaping:
        print("-D%s=%s" % (o["name"], str(o["value"]).lower()))')
((${#options[@]})) || { echo "bench/startup.sh: cannot read the build options of $new_build" >&2; exit 3; }
# The same build folder name and a base dir one level up: ccache then sees
# the same relative paths as in the new build and reuses what did not change.
old_build=$work/src/$(basename "$new_build")
echo "building pairkit at $base (${options[*]})" >&2
(cd "$work/src" && CCACHE_BASEDIR=$work nice meson setup "$old_build" "${options[@]}" >"$work/setup.log" 2>&1) ||
  { cat "$work/setup.log" >&2; exit 1; }
CCACHE_BASEDIR=$work nice ninja -C "$old_build" pairkit >"$work/ninja.log" 2>&1 || { tail -30 "$work/ninja.log" >&2; exit 1; }
echo "old: $base $("$old_build/pairkit" --version | head -1); new: $(git -C "$root" rev-parse --short HEAD) $new" 
"$here/compare.sh" --startup "$old_build/pairkit" "$new" "$rounds"
