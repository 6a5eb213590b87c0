#!/usr/bin/env bash
# Installs the Debian 12 packages pairkit needs, only those missing; quiet when
# nothing is missing. Usage: scripts/deps.sh [build|demo|test|sanitize|bench]
set -euo pipefail
build_pkgs=(g++ meson ninja-build pkg-config scdoc patch
  libbotan-2-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  libqrencode-dev libzxing-dev libzbar-dev doctest-dev libsqlite3-dev libpng-dev libjpeg-dev zlib1g-dev libssl-dev
  libboost1.74-dev libp11-kit-dev libpq-dev)
# Test oracles and peers: what pairkit writes, they must read, and vice versa;
# curl talks to the gate, systemd-analyze checks its unit. The PKCS#11 tokens
# (tests/cli/token-lib.sh): SoftHSM2, the TPM 2.0 module on swtpm (its TCTI and
# tpm2-tools for the lockout), OpenSC's pkcs11-tool as the oracle, and the
# libp11 engine through which openssl uses a token key. PostgreSQL 15: the
# shared registry's server, a cluster of each table's own (tests/cli/pg-lib.sh).
test_pkgs=(openssl age zbar-tools qrencode zxing-cpp-tools imagemagick faketime oathtool
  pcscd vsmartcard-vpcd pcsc-tools libpcsclite-dev bash-completion zsh fish man-db util-linux iproute2 procps
  python3 sqlite3 strace time curl systemd
  softhsm2 libtpm2-pkcs11-1 libtpm2-pkcs11-tools libtss2-tcti-swtpm0 swtpm swtpm-tools tpm2-tools opensc
  libengine-pkcs11-openssl postgresql-15)
# What the quickstart demo itself runs besides pairkit (SoftHSM2 and OpenSC's
# pkcs11-tool: a kiosk whose key stays in a token).
demo_pkgs=(openssl oathtool zbar-tools softhsm2 opensc)
# The clang build with sanitizers and libFuzzer (scripts/build.sh --sanitize),
# for scripts/test.sh --sanitize and scripts/fuzz.sh (which also needs the test
# tools, to make its seeds); xxd writes the binary seeds.
sanitize_pkgs=(clang libfuzzer-14-dev libclang-rt-14-dev xxd)
# The benchmarks' peers and probes (bench/README.md): nginx is the gate's peer
# in bench/gate.sh, curl its first request; callgrind counts start-up
# instructions in bench/compare.sh; SoftHSM2 is the token of bench/pkcs11.sh,
# pkcs11-tool (opensc) makes its key; PostgreSQL 15 is SQLite's peer behind
# pair check and the gate (tests/cli/pg-lib.sh starts it).
bench_pkgs=(nginx-light curl python3 sqlite3 valgrind procps openssl oathtool softhsm2 opensc postgresql-15)
want=("${build_pkgs[@]}")
[[ ${1:-build} == test || ${1:-build} == sanitize ]] && want+=("${test_pkgs[@]}")
[[ ${1:-build} == sanitize ]] && want+=("${sanitize_pkgs[@]}")
[[ ${1:-build} == demo ]] && want+=("${demo_pkgs[@]}")
[[ ${1:-build} == bench ]] && want+=("${bench_pkgs[@]}")
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
echo "installing: ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  echo "scripts/deps.sh: run as root (or install: ${missing[*]})" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
