#!/usr/bin/env bash
# Formats every C++ source in place with .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -- '*.cpp' '*.hpp' | xargs clang-format -i
