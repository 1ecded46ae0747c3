#!/usr/bin/env bash
# Installs the Debian 12 packages hotlined needs to build, test and run,
# if any is missing, plus any package named as an argument (fuzz/run adds
# clang). Uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcaf-dev libhiredis-dev libmsgpack-cxx-dev libspdlog-dev libgtest-dev
  libboost-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev libsodium-dev libcli11-dev
  libxapian-dev
  libxml2-dev libgmime-3.0-dev
  redis-server redis-tools curl clang-format python3
  # issue 14: the archive (a private server under the data dir; libpq)
  postgresql-15 libpq-dev
  libjson-validator-perl # tests: OpenAPI 3.0 validation of openapi.json (issue 12)
  python3-prometheus-client # tests: /metrics parsed by Prometheus's own text parser (issue 14)
  # issue 15: the console's browser tests in Debian's chromium, Chinese fonts
  # for its screenshots, util-linux's setpriv (the test's hotlined dies with it)
  chromium fonts-noto-cjk util-linux
  "$@"
)

# npm: ECharts for the console, Playwright for its tests (issue 15). A node
# from elsewhere (NodeSource) brings its own npm; Debian's otherwise.
command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || {
      echo "deps: missing ${missing[*]}; run as root or install sudo" >&2
      exit 1
    }
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
