#!/usr/bin/env bash
# The test command (README, "Tests"): installs what is needed, lints every shell script
# (ShellCheck), builds, runs the whole suite:
#   1. check-report-render.sh — the HTML report rendered by headless Chromium is not blank/broken;
#   2. test-slurm.sh          — a real three-node Slurm (network namespaces) runs
#                               deploy/slurm/dmfsweep.sbatch: node crashes, partitions, requeues,
#                               201 workers (docs/cluster.md; ~4 min);
#   3. swift test             — unit, numerical, store, protocol and multi-process fault tests (last,
#                               so its summary closes the output).
# A throwaway PostgreSQL server (scripts/pg-server.sh) runs for the whole script: its URI is in
# DMFSWEEP_TEST_POSTGRES for every test, and it is stopped and removed on exit, also on failure.
# Needs root (or sudo) for the Debian packages and the Slurm daemons.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "== shellcheck (every shell script, at shellcheck's default severity)"
{ find scripts deploy Benchmarks docs -type f \( -name '*.sh' -o -name '*.sbatch' \) -print0; printf '.ci/run\0'; } \
    | xargs -0 shellcheck
swift build --build-tests -q
echo "== PostgreSQL test server"
pg_dir="$(bash scripts/pg-server.sh start --owner $$)"
trap 'bash scripts/pg-server.sh stop "$pg_dir"' EXIT
DMFSWEEP_TEST_POSTGRES="$(cat "$pg_dir/uri")"
export DMFSWEEP_TEST_POSTGRES
echo "PostgreSQL at $DMFSWEEP_TEST_POSTGRES"
echo "== report render check (headless Chromium)"
bash scripts/check-report-render.sh
echo "== Slurm integration test (three-node Slurm on this machine)"
DMFSWEEP_TEST_BINARY="$(swift build --show-bin-path)/dmfsweep" bash scripts/test-slurm.sh
echo "== Python venv for the tested docs examples (Benchmarks/python-env.sh; ~80 s the first time, then instant)"
bash Benchmarks/python-env.sh >/dev/null
echo "== swift test: LivenessAtScaleTests alone (200 worker processes would starve the other process tests)"
DMFSWEEP_TEST_SCALE=1 swift test --skip-build --filter LivenessAtScaleTests
echo "== swift test"
# The numpy cross-checks (Tests/CLITests/InstanceCrossCheckTests.swift) use the benchmark venv.
DMFSWEEP_PYTHON="${DMFSWEEP_PYTHON:-$(bash Benchmarks/python-env.sh)}"
export DMFSWEEP_PYTHON
swift test --skip-build
