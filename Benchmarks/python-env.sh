#!/usr/bin/env bash
# Prints the Python interpreter for the benchmarks' reference scripts, creating it first if needed:
# a virtual environment at .venv (repository root, git-ignored) with numpy and dask[distributed]
# from PyPI. Benchmark-only: dmfsweep itself never needs Python. Idempotent and quiet.
# Override with PYTHON=/path/to/python (it must have numpy, and dask.distributed for the Dask figure).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; exit 0; fi
venv=$PWD/.venv
if ! "$venv/bin/python" -c "import numpy, dask.distributed" 2>/dev/null; then
    echo "python-env: creating $venv (numpy, dask[distributed])" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install -q --disable-pip-version-check numpy "dask[distributed]" >&2
fi
echo "$venv/bin/python"
