#!/usr/bin/env bash
# The test command (README, "Tests"): installs what is needed, builds, runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests -q
swift test --skip-build
