#!/usr/bin/env bash
# Regenerates the README's figures from a real run: runs two of the paper's sweeps inline and the
# two reproductions (README "Reproductions") on two workers into a temporary store, and draws them
# with `dmfsweep plot`. About four minutes on 2 cores, most of it the Arora et al. sweep.
#   bash docs/figures/make.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product dmfsweep -q
bin=.build/release/dmfsweep
store=$(mktemp -d)/figures.sqlite
trap 'rm -rf "$(dirname "$store")"' EXIT
"$bin" run sweeps/staircase.yaml --inline --quiet --store "$store"
"$bin" run sweeps/depth-amplification.yaml --inline --quiet --store "$store"
"$bin" plot --store "$store" --sweep staircase --kind staircase --out docs/figures/staircase.svg
"$bin" plot --store "$store" --sweep depth-amplification --kind heatmap --out docs/figures/depth-amplification.svg
"$bin" plot --store "$store" --sweep depth-amplification --kind predicted-vs-measured \
    --out docs/figures/predicted-vs-measured.svg
"$bin" run sweeps/razin-cohen2020.yaml --workers 2 --quiet --store "$store"
"$bin" plot --store "$store" --sweep razin-cohen2020 --kind staircase --quantity unobserved_max --x depth \
    --out docs/figures/razin-cohen2020-w11.svg
"$bin" plot --store "$store" --sweep razin-cohen2020 --kind staircase --x depth \
    --out docs/figures/razin-cohen2020-erank.svg
"$bin" run sweeps/arora2019-completion.yaml --workers 2 --quiet --store "$store"
"$bin" plot --store "$store" --sweep arora2019-completion --kind final-error --metric final_unobserved_error \
    --x observed --group-by depth --out docs/figures/arora2019-completion.svg
