#!/usr/bin/env bash
# The distributed runtime's figures side by side with the Python references:
#   dmfsweep no-op tasks/s (coordinator -> worker processes -> store) vs Dask distributed LocalCluster;
#   dmfsweep run on Benchmarks/paper-bench.yaml vs multiprocessing + numpy doing the same work;
#   a compute-bound sweep (full path, n = 200) with 2 workers vs 1.
# Usage: Benchmarks/run-cluster-bench.sh [--tasks N]   (Python from /work/venv, or $PYTHON)
# Runs in release mode; takes a few minutes on 2 cores. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
TASKS=200000
[[ "${1:-}" == "--tasks" ]] && TASKS="$2"
PYTHON="${PYTHON:-/work/venv/bin/python}"
swift build -c release --product dmfsweep >/dev/null
swift build -c release --product dmfsweep-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "== machine: $(nproc) cores, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, $(date -u +%FT%TZ)"
echo "== dmfsweep: no-op tasks through coordinator -> workers -> store"
"$BIN/dmfsweep-bench" cluster --noop-only --tasks "$TASKS" | tee "$TMP/noop.txt"
rate() { awk -v w="$1" -v s="$2" '$0 ~ "workers="w" " && $0 ~ "store="s {for (i=1;i<=NF;i++) if ($i ~ /^tasks\/s=/) {sub("tasks/s=","",$i); print $i}}' "$TMP/noop.txt"; }

DASK1=""; DASK2=""
if "$PYTHON" -c "import dask.distributed" 2>/dev/null; then
    echo "== Dask distributed: the same no-op work"
    "$PYTHON" Benchmarks/dask_noop.py --tasks 20000 | tee "$TMP/dask.txt"
    dask() { awk -v w="$1" '$0 ~ "workers="w" " {for (i=1;i<=NF;i++) if ($i ~ /^best=/) {sub("best=","",$i); gsub(",","",$i); print $i}}' "$TMP/dask.txt"; }
    DASK1="$(dask 1)"; DASK2="$(dask 2)"
else
    echo "== Dask not installed for $PYTHON: skipping (python3 -m venv /work/venv && /work/venv/bin/pip install 'dask[distributed]' numpy)"
fi

echo "== paper-style sweep: dmfsweep run vs multiprocessing + numpy (Benchmarks/paper-bench.yaml, 2 processes)"
START=$(date +%s.%N)
"$BIN/dmfsweep" run Benchmarks/paper-bench.yaml --workers 2 --store "$TMP/paper.sqlite" >/dev/null 2>"$TMP/run.err" || { cat "$TMP/run.err"; exit 1; }
END=$(date +%s.%N)
DMF_PAPER=$(echo "$END - $START" | bc -l)
printf "dmfsweep run: seconds=%.2f (2 workers, OPENBLAS_NUM_THREADS=1 each, system OpenBLAS)\n" "$DMF_PAPER"
MP_PAPER=""
if "$PYTHON" -c "import numpy" 2>/dev/null; then
    "$PYTHON" Benchmarks/mp_numpy_sweep.py Benchmarks/paper-bench.yaml --processes 2 | tee "$TMP/mp.txt"
    MP_PAPER=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$TMP/mp.txt" | tail -1)
fi

echo "== compute-bound sweep, 2 workers vs 1"
"$BIN/dmfsweep-bench" cluster --compute-only | tee "$TMP/compute.txt"

echo
echo "== summary"
printf "%-44s %14s %14s %8s\n" "figure" "dmfsweep" "reference" "ratio"
for w in 1 2; do
    D=$(rate "$w" sqlite); R=$([[ $w == 1 ]] && echo "$DASK1" || echo "$DASK2")
    if [[ -n "$R" ]]; then RATIO=$(echo "$D / $R" | bc -l); else RATIO=""; fi
    printf "%-44s %14.0f %14s %8s\n" "no-op tasks/s, $w worker(s) (vs Dask)" "$D" "${R:-n/a}" "$( [[ -n "$RATIO" ]] && printf '%.1fx' "$RATIO" || echo n/a)"
done
if [[ -n "$MP_PAPER" ]]; then
    printf "%-44s %13.2fs %13.2fs %8s\n" "paper-bench seconds (vs mp+numpy)" "$DMF_PAPER" "$MP_PAPER" "$(printf '%.1fx' "$(echo "$MP_PAPER / $DMF_PAPER" | bc -l)")"
fi
grep -E "speed-up|efficiency" "$TMP/compute.txt" || true
echo "targets: no-op >= 50,000 tasks/s and >= 10x Dask; paper sweep >= 3x mp+numpy; compute speed-up >= 1.9x"
echo "note: numpy uses its bundled OpenBLAS; dmfsweep the system OpenBLAS ($(dpkg -s libopenblas0-pthread 2>/dev/null | sed -n 's/^Version: //p'))"
