#!/usr/bin/env bash
# The test command (README, "Tests"): installs what is needed, builds, runs the whole suite:
#   1. swift test               — unit, numerical, store, protocol and multi-process fault tests;
#   2. check-report-render.sh   — the HTML report rendered by headless Chromium is not blank/broken.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests -q
swift test --skip-build
echo "== report render check (headless Chromium)"
bash scripts/check-report-render.sh
