#!/usr/bin/env bash
# Fails if any C++ source differs from .clang-format (fix: scripts/format.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
git ls-files -- '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
