#!/usr/bin/env bash
# The README's main command: installs what is needed, builds dmfsweep (release) and runs the
# quickstart sweep on local workers into a SQLite store, then shows an aggregate.
#   bash scripts/quickstart.sh [STORE]        (default store: results.sqlite; report: report.html)
set -euo pipefail
cd "$(dirname "$0")/.."
store="${1:-results.sqlite}"
bash scripts/install-deps.sh
echo "building dmfsweep (release)…" >&2
swift build -c release --product dmfsweep -q
bin=.build/release/dmfsweep
"$bin" plan sweeps/quickstart.yaml --store "$store"
"$bin" run sweeps/quickstart.yaml --store "$store"
"$bin" query --store "$store" --sweep quickstart --group-by init,depth --metric interval.length --rank 2
"$bin" report --store "$store" --out report.html
echo "report: report.html (open it in a browser)"
