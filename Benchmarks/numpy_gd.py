#!/usr/bin/env python3
"""The full-path gradient-descent loop of dmfsweep, written in numpy, for a side-by-side benchmark.

Same problem and same algorithm as `dmfsweep-bench core`: estimation of Y = V diag(λ) Vᵀ
(λ = 10, 5, 2, 1, 0.5 padded with zeros), identity init α = 0.05, η = 0.002, and per step the
prefix products P_j = W_j P_{j−1}, G = W − Y, then for j = N…1: T_{j−1} = W_jᵀ T_j and
W_j ← W_j − η T_j P_{j−1}ᵀ — 3(N−1) matrix products, written the natural numpy way (`@`).
numpy ships its own OpenBLAS (scipy-openblas 0.3.31 here), dmfsweep uses the system's (0.3.21):
the comparison is "numpy + its OpenBLAS" against "dmfsweep + system OpenBLAS".

    python3 Benchmarks/numpy_gd.py [--quick] [--rounds K]    # prints a table and RESULT lines
"""
import os
import sys
import time

import numpy as np


def setup(n, depth, seed=1):
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    q = q * np.sign(np.diag(r))
    lam = np.zeros(n)
    lam[:5] = [10, 5, 2, 1, 0.5]
    y = np.asfortranarray((q * lam) @ q.T)
    ws = [0.05 * np.eye(n, order="F") for _ in range(depth)]
    return y, ws


def step(y, ws, eta):
    depth = len(ws)
    prefixes = [ws[0]]
    for j in range(1, depth):
        prefixes.append(ws[j] @ prefixes[-1])
    g = prefixes[-1] - y
    loss = 0.5 * float(np.vdot(g, g))
    t = g
    for j in range(depth - 1, 0, -1):
        t_next = ws[j].T @ t
        ws[j] -= eta * (t @ prefixes[j - 1].T)
        t = t_next
    ws[0] -= eta * t
    return loss


def timed(n, depth, steps):
    """Mean seconds per step over `steps` steps from a fresh setup (after two warm-up steps)."""
    y, ws = setup(n, depth)
    for _ in range(2):
        step(y, ws, 0.002)
    t0 = time.perf_counter()
    for _ in range(steps):
        step(y, ws, 0.002)
    return (time.perf_counter() - t0) / steps


def seconds_per_step(n, depths, rounds):
    """Best of `rounds` interleaved rounds of about 0.25 s per depth, as dmfsweep-bench does."""
    counts = [max(5, min(2000, int(0.25 / timed(n, d, 3)))) for d in depths]
    best = [float("inf")] * len(depths)
    for _ in range(rounds):
        for i, d in enumerate(depths):
            best[i] = min(best[i], timed(n, d, counts[i]))
    return best


def main():
    quick = "--quick" in sys.argv
    rounds = 2 if quick else 5
    if "--rounds" in sys.argv:
        rounds = int(sys.argv[sys.argv.index("--rounds") + 1])
    cfg = np.__config__.CONFIG["Build Dependencies"]["blas"]
    print(f"numpy {np.__version__} with {cfg.get('name')} {cfg.get('version')} — "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"{'n':>8}{'N':>6}{'step ms':>12}")
    for n in ([100] if quick else [100, 200, 500]):
        for depth, s in zip([3, 5], seconds_per_step(n, [3, 5], rounds)):
            print(f"{n:>8}{depth:>6}{s * 1e3:>12.3f}")
            print(f"RESULT numpy n={n} N={depth} ms={s * 1e3}")


if __name__ == "__main__":
    main()
