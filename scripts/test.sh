#!/usr/bin/env bash
# The test command (README, "Tests"): installs what is needed, builds, runs the whole suite:
#   1. check-report-render.sh — the HTML report rendered by headless Chromium is not blank/broken;
#   2. test-slurm.sh          — a real single-node Slurm runs deploy/slurm/dmfsweep.sbatch (4 jobs,
#                               incl. a killed worker, a time-limit requeue, a cancelled step; ~1 min);
#   3. swift test             — unit, numerical, store, protocol and multi-process fault tests (last,
#                               so its summary closes the output).
# A throwaway PostgreSQL server (scripts/pg-server.sh) runs for the whole script: its URI is in
# DMFSWEEP_TEST_POSTGRES for every test, and it is stopped and removed on exit, also on failure.
# Needs root (or sudo) for the Debian packages and the Slurm daemons.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests -q
echo "== PostgreSQL test server"
pg_dir="$(bash scripts/pg-server.sh start --owner $$)"
trap 'bash scripts/pg-server.sh stop "$pg_dir"' EXIT
DMFSWEEP_TEST_POSTGRES="$(cat "$pg_dir/uri")"
export DMFSWEEP_TEST_POSTGRES
echo "PostgreSQL at $DMFSWEEP_TEST_POSTGRES"
echo "== report render check (headless Chromium)"
bash scripts/check-report-render.sh
echo "== Slurm integration test (single-node Slurm on this machine)"
DMFSWEEP_TEST_BINARY="$(swift build --show-bin-path)/dmfsweep" bash scripts/test-slurm.sh
echo "== swift test"
swift test --skip-build
