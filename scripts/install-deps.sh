#!/usr/bin/env bash
# Installs the Debian packages dmfsweep builds against. Idempotent and quiet: does nothing when
# everything is already installed. Needs root (or sudo) only when something is missing.
set -euo pipefail
packages=(libopenblas-dev liblapacke-dev libsqlite3-dev sqlite3 libyaml-dev libzmq3-dev libssl-dev libpq-dev shellcheck)
# The PostgreSQL server and psql, for the tests' throwaway server (scripts/pg-server.sh).
packages+=(postgresql)
# time: /usr/bin/time -f %M, the export memory test; python3-venv: Benchmarks/python-env.sh
packages+=(time python3-venv)
packages+=("$@")
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >/dev/null
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
