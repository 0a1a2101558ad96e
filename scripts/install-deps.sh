#!/usr/bin/env bash
# Installs everything shelltrail needs to build and test, from Debian 12's packages only.
# Idempotent: run it as often as you like. Needs root (or sudo).
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache git
  clang libclang-rt-14-dev clang-format-16 clang-tidy
  # libraries
  libzstd-dev libssl-dev nlohmann-json3-dev libcli11-dev libfmt-dev libexpected-dev
  libvterm-dev libsqlite3-dev libtomlplusplus-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # end-to-end tests: real terminals, a real sshd, peers for the benchmarks
  tmux openssh-server openssh-client procps python3 util-linux passwd less sudo vim openssl
  # interop: a cast exported here must play in asciinema, one recorded there must import
  asciinema
  # web pages (the HTML report) are checked as a browser shows them
  chromium
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
