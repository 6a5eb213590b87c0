#!/usr/bin/env bash
# Installs what is missing, builds pairkit, and runs the demo in a temporary
# folder: a device identity and its fingerprints.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/deps.sh build
scripts/build.sh build -Dbuildtype=release
pk() { "$root/build/pairkit" "$@"; }
demo=$(mktemp -d /tmp/pairkit-demo.XXXXXX)
cd "$demo"
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "A device's first boot: key, self-signed certificate, device.toml" \
  pk device init --serial TERM-0042 --dir terminal --san dns:term-0042.local
step "Its fingerprints, as openssl, curl and Syncthing show them" \
  pk fingerprint --format all terminal/cert.pem
echo
echo "demo files are in $demo"
