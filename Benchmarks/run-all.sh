#!/usr/bin/env bash
# Every performance figure the issues ask for, in one go, with one final table of targets and
# PASS/MISS:
#   core    (issue 3): Benchmarks/run-core-bench.sh — full-path GFLOP/s vs dgemm at n = 500, the same
#                      GD loop in numpy at n = 100, spectral vs full at n = 200, N = 4;
#   store   (issues 4, 11): dmfsweep-bench store — batched insert rate, group-by over 1M interval rows,
#                      on SQLite and on PostgreSQL (a throwaway server, scripts/pg-server.sh);
#   cluster (issues 5, 11): Benchmarks/run-cluster-bench.sh — no-op tasks/s (SQLite, PostgreSQL) vs Dask, the paper-style sweep
#                      vs multiprocessing + numpy (+ the BLAS-bound n = 100 control), 2 workers vs 1.
# Usage: bash Benchmarks/run-all.sh [--logs DIR]   (release builds; Python: Benchmarks/python-env.sh or $PYTHON)
#        bash Benchmarks/run-all.sh --table DIR    (reprint the table from a kept --logs DIR)
# Takes about 4-5 minutes on 2 cores (build excluded: a clean release build adds ~5 minutes):
# measured 240 s at load 3-5 — core + store ~1 min, cluster ~3 min (half of it the numpy side of
# the paper-style sweep). The machine should be otherwise idle: the figures
# are wall-clock rates and every other process on the 2 cores lowers them; the load average is
# printed at the start and the end of each part.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHON="${PYTHON:-$(bash Benchmarks/python-env.sh)}"
load() { cut -d' ' -f1-3 /proc/loadavg; }
START=$(date +%s)
TABLE_ONLY=""
case "${1:-}" in
    --logs) LOG="$2"; mkdir -p "$LOG" ;;
    --table) LOG="$2"; TABLE_ONLY=1 ;;
    *) LOG="$(mktemp -d)"; trap 'rm -rf "$LOG"' EXIT ;;
esac
if [[ -z "$TABLE_ONLY" ]]; then
echo "== run-all: $(date -u +%FT%TZ), $(nproc) cores, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, load average $(load)"
swift build -c release --product dmfsweep >/dev/null
swift build -c release --product dmfsweep-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"

echo; echo "######## core (issue 3) — load $(load)"
VENV="$(dirname "$(dirname "$PYTHON")")" bash Benchmarks/run-core-bench.sh | tee "$LOG/core.txt"
echo; echo "######## store (issue 4) — load $(load)"
"$BIN/dmfsweep-bench" store | tee "$LOG/store.txt"
echo; echo "######## cluster (issue 5) — load $(load)"
SKIP_BUILD=1 bash Benchmarks/run-cluster-bench.sh | tee "$LOG/cluster.txt"
fi

figure() { awk -v k="$1" '$1 == "FIGURE" && $2 == k {print $3}' "$LOG"/*.txt | tail -1; }
ROWS=()
row() {  # label value unit op target   (op: ge or lt)
    local label="$1" value="$2" unit="$3" op="$4" target="$5" verdict
    if [[ -z "$value" ]]; then
        verdict="n/a"
    elif [[ "$op" == ge ]]; then
        verdict=$(awk -v v="$value" -v t="$target" 'BEGIN {print (v >= t) ? "PASS" : "MISS"}')
    else
        verdict=$(awk -v v="$value" -v t="$target" 'BEGIN {print (v < t) ? "PASS" : "MISS"}')
    fi
    local shown="${value:-n/a}"
    [[ -n "$value" ]] && shown=$(awk -v v="$value" 'BEGIN {printf (v >= 100 ? "%.0f" : "%.3g"), v}')
    ROWS+=("$(printf "%-58s %12s %-5s %3s %-10s %s" "$label" "$shown" "$unit" "$([[ $op == ge ]] && echo '>=' || echo '<')" "$target" "$verdict")")
}
# The store suite prints each figure once per engine, prefixed with the engine's name.
store_figure() {  # engine  sed-pattern-after-the-engine
    sed -n "s/^$1 $2/\\1/p" "$LOG/store.txt" | tail -1
}
store_rows=$(store_figure sqlite 'record results: .*→ \([0-9]*\) interval rows\/s.*')
store_results_sqlite=$(store_figure sqlite 'record results: .*(\([0-9]*\) results\/s).*')
store_results_pg=$(store_figure postgresql 'record results: .*(\([0-9]*\) results\/s).*')
store_query=$(store_figure sqlite 'query interval.length by depth,alpha,r (all .* rows): \([0-9.]*\) s.*')
store_query_pg=$(store_figure postgresql 'query interval.length by depth,alpha,r (all .* rows): \([0-9.]*\) s.*')
store_percentiles=$(store_figure sqlite 'query interval.length --stats median,p90 by depth,alpha,r[^:]*: \([0-9.]*\) s.*')

row "issue 3: full path n=500 N=3, fraction of dgemm GFLOP/s" "$(figure dgemm_fraction_500_N3)" "" ge 0.70
row "issue 3: full path n=500 N=5, fraction of dgemm GFLOP/s" "$(figure dgemm_fraction_500_N5)" "" ge 0.70
row "issue 3: GD loop vs numpy at n=100 N=3 (speed-up)" "$(figure numpy_speedup_100_N3)" "x" ge 1.3
row "issue 3: GD loop vs numpy at n=100 N=5 (speed-up)" "$(figure numpy_speedup_100_N5)" "x" ge 1.3
row "issue 3: spectral vs full path n=200 N=4 (speed-up)" "$(figure spectral_speedup)" "x" ge 1000
row "issue 4: store insert, interval rows/s" "$store_rows" "/s" ge 100000
row "issue 4: group-by over 1M interval rows" "$store_query" "s" lt 0.5
row "issue 14: group-by median,p90 over 1M interval rows" "$store_percentiles" "s" lt 1
row "issue 11: PostgreSQL record results/s (SQLite same run: ${store_results_sqlite:-n/a})" "$store_results_pg" "/s" ge 20000
row "issue 11: PostgreSQL group-by over 1M interval rows" "$store_query_pg" "s" lt 1
row "issue 5: no-op tasks/s, 1 worker" "$(figure noop_rate_1)" "/s" ge 50000
row "issue 5: no-op tasks/s, 2 workers" "$(figure noop_rate_2)" "/s" ge 50000
row "issue 11: no-op tasks/s into PostgreSQL, 2 workers" "$(figure noop_pg_rate_2)" "/s" ge 20000
row "issue 5: no-op vs Dask LocalCluster, 1 worker" "$(figure noop_vs_dask_1)" "x" ge 10
row "issue 5: no-op vs Dask LocalCluster, 2 workers" "$(figure noop_vs_dask_2)" "x" ge 10
row "issue 5: paper-style sweep vs mp+numpy (check $(figure paper_check))" "$(figure paper_vs_numpy)" "x" ge 3
row "issue 5: compute-bound n=200, 2 workers vs 1" "$(figure compute_speedup)" "x" ge 1.9

echo
echo "######## all figures ($(( $(date +%s) - START )) s; load average at the start of the cluster part $(figure load_start), now $(load))"
printf "%-58s %12s %-5s %-14s %s\n" "figure" "measured" "unit" "target" "verdict"
for r in "${ROWS[@]}"; do echo "$r"; done
printf "%-58s %12s %-5s %-14s %s\n" "control: BLAS-bound n=100 full path vs mp+numpy (check $(figure blas_check))" \
    "$(awk -v v="$(figure blas_vs_numpy)" 'BEGIN {printf "%.2f", v}')" "x" "~1-2 (none)" "-"
