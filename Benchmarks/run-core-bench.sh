#!/usr/bin/env bash
# The numerical core's benchmark, side by side with the same GD loop in numpy (README, "Benchmarks").
#   bash Benchmarks/run-core-bench.sh [--quick]
# Builds in release mode, runs `dmfsweep-bench core` and `Benchmarks/numpy_gd.py` (Python from
# Benchmarks/python-env.sh: a .venv with numpy, created if missing; or $PYTHON), prints the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$(bash Benchmarks/python-env.sh)}"
swift build -c release --product dmfsweep-bench -q
swift_out=$(.build/release/dmfsweep-bench core "$@")
numpy_out=$("$PY" Benchmarks/numpy_gd.py "$@")
echo "$swift_out" | grep -v '^RESULT'
echo
echo "$numpy_out" | grep -v '^RESULT'
echo
echo "dmfsweep (system OpenBLAS 0.3.21) vs numpy (its bundled OpenBLAS) — same loop, 3(N−1) products per step:"
printf '%8s%6s%14s%14s%12s\n' n N "dmfsweep ms" "numpy ms" speedup
join <(echo "$swift_out" | awk '/^RESULT full/ {sub("n=","",$3); sub("N=","",$4); sub("ms=","",$5); print $3"_"$4, $5}' | sort) \
     <(echo "$numpy_out" | awk '/^RESULT numpy/ {sub("n=","",$3); sub("N=","",$4); sub("ms=","",$5); print $3"_"$4, $5}' | sort) |
    sort -t_ -k1,1n -k2,2n |
    awk '{split($1, k, "_"); printf "%8s%6s%14.3f%14.3f%11.2fx\n", k[1], k[2], $2, $3, $3 / $2}'
# Machine-readable figures for run-all.sh (issue 3's targets).
echo "$swift_out" | awk '/^RESULT full n=500/ {sub("gflops=","",$6); sub("dgemm_gflops=","",$7); sub("N=","",$4); print "FIGURE dgemm_fraction_500_N" $4, $6 / $7}'
join <(echo "$swift_out" | awk '/^RESULT full n=100 / {sub("N=","",$4); sub("ms=","",$5); print $4, $5}' | sort) \
     <(echo "$numpy_out" | awk '/^RESULT numpy n=100 / {sub("N=","",$4); sub("ms=","",$5); print $4, $5}' | sort) |
    awk '{print "FIGURE numpy_speedup_100_N" $1, $3 / $2}'
echo "$swift_out" | awk '/^RESULT spectral/ {for (i=1;i<=NF;i++) if ($i ~ /^speedup=/) {sub("speedup=","",$i); print "FIGURE spectral_speedup", $i}}'
