#!/usr/bin/env bash
# Prints the Python interpreter for the benchmarks' reference scripts and the tests that run the
# docs' Python examples, creating it first if needed: a virtual environment at .venv (repository
# root, git-ignored) with numpy, dask[distributed], pandas and matplotlib from PyPI. Benchmarks and
# tests only: dmfsweep itself never needs Python. Idempotent and quiet.
# Override with PYTHON=/path/to/python (it must have numpy, pandas and matplotlib, and
# dask.distributed for the Dask figure).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; exit 0; fi
venv=$PWD/.venv
if ! "$venv/bin/python" -c "import numpy, dask.distributed, pandas, matplotlib" 2>/dev/null; then
    echo "python-env: creating $venv (numpy, dask[distributed], pandas, matplotlib)" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check numpy "dask[distributed]" pandas matplotlib >&2
fi
echo "$venv/bin/python"
