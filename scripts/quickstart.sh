#!/usr/bin/env bash
# Installs what is missing, builds pairkit, and runs the demo in a temporary
# folder: each scripts/demo/NN-*.sh in order, each building on the last.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/deps.sh demo
scripts/build.sh build -Dbuildtype=release -Dtests=disabled
pk() { "$root/build/pairkit" "$@"; }
step() {  # step TITLE pk ARGS...: show the command as it could be typed, then run it
  printf '\n\033[1m== %s\033[0m\n$ pairkit' "$1"
  printf ' %q' "${@:3}"
  printf '\n'
  "${@:2}"
}
demo=$(mktemp -d /tmp/pairkit-demo.XXXXXX)
cd "$demo"
for part in "$root"/scripts/demo/[0-9]*.sh; do
  # shellcheck source=/dev/null
  source "$part"
done
printf '\n\033[1mThe demo ran in %s\033[0m (every file it made is there).\n' "$demo"
