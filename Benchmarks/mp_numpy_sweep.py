#!/usr/bin/env python3
"""Reference for "dmfsweep run is >= 3x faster than plain Python": a numpy + multiprocessing sweep.

Reads a dmfsweep sweep file (method: grid, parameters given as {value: ...} or {values: [...]};
default Benchmarks/paper-bench.yaml), expands the grid, and runs each task with multiprocessing.Pool
doing the same work as `dmfsweep simulate --path full` for an estimation problem with identity
initialisation (see docs and Sources/Factorization/Solvers/FullPathSolver.swift):

  per step:  prefixes P_j = W_j P_{j-1}                      (N-1 matrix products)
             G = W - Y, loss = 1/2 ||G||_F^2, divergence check
             T_N = G; T_{j-1} = W_j^T T_j; W_j -= eta T_j P_{j-1}^T   (2(N-1) products)
  every record_every steps (and at step 0 and the last step):
             singular values of W (numpy.linalg.svd, values only), Roy-Vetterli effective rank,
             nuclear/operator ratio, error to Y, errors to the truncations Y_r (r = 1..rank)
  at the end: early-stopping intervals (longest run with |erank - t_r| <= tolerance) per rank.

The ground truth Y = V diag(lambda) V^T uses numpy's generator for V (Haar via QR), so the numbers
differ from dmfsweep's seeded xoshiro256** streams; the amount of work per task is identical.
Each pool process runs numpy's bundled OpenBLAS with --blas-threads threads (default 1, so two
processes use the two cores without oversubscription). Python only, for benchmarking.

    /work/venv/bin/python Benchmarks/mp_numpy_sweep.py Benchmarks/paper-bench.yaml --processes 2
"""

import argparse
import itertools
import math
import os
import sys
import time

SUPPORTED = {
    "problem", "path", "init", "n", "depth", "spectrum", "alpha", "eta", "steps", "record_every",
    "tolerance", "seed",
}
DEFAULTS = {
    "problem": "estimation", "path": "full", "init": "identity", "depth": 3, "spectrum": [10, 5, 2, 1, 0.5],
    "alpha": 0.05, "eta": 0.02, "steps": 3000, "record_every": 10, "tolerance": 0.1, "seed": 0,
}
DIVERGENCE_FACTOR = 1e10


def load_sweep(path):
    import yaml  # PyYAML comes with dask

    with open(path) as f:
        spec = yaml.safe_load(f)
    if spec.get("method", "grid") != "grid":
        sys.exit(f"{path}: only method: grid is supported here")
    names, choices = [], []
    for name, p in spec["parameters"].items():
        if name not in SUPPORTED:
            sys.exit(f"{path}: parameter '{name}' is not supported by this reference script")
        names.append(name)
        choices.append(p["values"] if "values" in p else [p["value"]])
    tasks = []
    for combo in itertools.product(*choices):
        task = dict(DEFAULTS)
        task.update(zip(names, combo))
        if task["problem"] != "estimation" or task["init"] != "identity" or task["path"] != "full":
            sys.exit(f"{path}: only problem=estimation, init=identity, path=full are mirrored here")
        task.setdefault("n", len(task["spectrum"]))
        tasks.append(task)
    return spec.get("name", os.path.basename(path)), tasks


def erank(s):
    total = s.sum()
    if total <= 0:
        return 0.0
    p = s[s > 0] / total
    return float(math.exp(-(p * numpy.log(p)).sum()))


def longest_run(values, steps, target, tol):
    best, start = None, None
    def consider(run):
        nonlocal best
        if best is None:
            best = run
            return
        length, best_length = steps[run[1]] - steps[run[0]], steps[best[1]] - steps[best[0]]
        if length > best_length or (length == best_length and run[1] - run[0] > best[1] - best[0]):
            best = run
    for i, v in enumerate(values):
        if abs(v - target) <= tol:
            if start is None:
                start = i
        elif start is not None:
            consider((start, i - 1))
            start = None
    if start is not None:
        consider((start, len(values) - 1))
    return best


def run_task(task):
    np = numpy
    start_time = time.perf_counter()
    n, depth = int(task["n"]), int(task["depth"])
    alpha, eta = float(task["alpha"]), float(task["eta"])
    steps, every, tol = int(task["steps"]), int(task["record_every"]), float(task["tolerance"])
    lam = np.zeros(n)
    spectrum = np.array(task["spectrum"], dtype=float)[:n]
    lam[: len(spectrum)] = spectrum

    rng = np.random.default_rng(int(task["seed"]))
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    V = q * np.sign(np.diag(r))  # Haar-distributed orthogonal matrix
    Y = (V * lam) @ V.T
    order = np.argsort(-np.abs(lam), kind="stable")
    rank = int(np.count_nonzero(lam))
    sorted_lam = lam[order[:rank]]
    V_r = V[:, order[:rank]]
    targets = [erank(np.abs(sorted_lam[: r + 1])) for r in range(rank)]

    W = [alpha * np.eye(n) for _ in range(depth)]
    recorded_steps, eranks, ratios, trunc_errors = [], [], [], []
    status, limit, k = "finished", math.inf, 0
    while True:
        P = [W[0]]
        for j in range(1, depth):
            P.append(W[j] @ P[j - 1])
        Wp = P[-1]
        G = Wp - Y
        loss = 0.5 * float(np.vdot(G, G))
        if k == 0:
            limit = DIVERGENCE_FACTOR * max(1.0, loss)
        if not math.isfinite(loss) or loss > limit:
            status = "diverged"
            break
        if k % every == 0 or k == steps:
            s = np.linalg.svd(Wp, compute_uv=False)
            recorded_steps.append(k)
            eranks.append(erank(s))
            ratios.append(float(s.sum() / s.max()) if s.max() > 0 else 0.0)
            e2 = float(np.vdot(G, G))  # no noise: the clean Y is the target
            proj = np.einsum("ik,ik->k", V_r, Wp @ V_r)
            acc, errs = e2, [0.0] * rank
            for rr in range(rank, 0, -1):
                errs[rr - 1] = math.sqrt(max(acc, 0.0))
                acc += sorted_lam[rr - 1] * (2 * proj[rr - 1] - sorted_lam[rr - 1])
            trunc_errors.append(errs)
        if k == steps:
            break
        T = G
        for j in range(depth - 1, 0, -1):
            T_next = W[j].T @ T
            W[j] -= eta * (T @ P[j - 1].T)
            T = T_next
        W[0] -= eta * T
        k += 1

    intervals = []
    for r in range(rank):
        run = longest_run(eranks, recorded_steps, targets[r], tol)
        if run is None:
            intervals.append((r + 1, None, None, 0))
        else:
            intervals.append((r + 1, recorded_steps[run[0]], recorded_steps[run[1]],
                              recorded_steps[run[1]] - recorded_steps[run[0]]))
    return {
        "status": status, "steps": k, "final_loss": loss, "final_erank": eranks[-1] if eranks else 0.0,
        "intervals": intervals, "seconds": time.perf_counter() - start_time,
    }


def init_worker(threads):
    os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
    global numpy
    import numpy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("sweep", nargs="?", default=os.path.join(here, "paper-bench.yaml"))
    parser.add_argument("--processes", type=int, default=2, help="pool size (default 2)")
    parser.add_argument("--blas-threads", type=int, default=1, help="OpenBLAS threads per process (default 1)")
    args = parser.parse_args()

    # Set before numpy loads OpenBLAS, in this process and (inherited) in the pool's children.
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    init_worker(args.blas_threads)
    import multiprocessing

    name, tasks = load_sweep(args.sweep)
    print(f"numpy {numpy.__version__} (its bundled OpenBLAS, {args.blas_threads} thread(s) per process), "
          f"multiprocessing.Pool({args.processes}); OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}")
    start = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.processes, initializer=init_worker, initargs=(args.blas_threads,)) as pool:
        results = pool.map(run_task, tasks, chunksize=1)
    elapsed = time.perf_counter() - start
    statuses = {}
    for res in results:
        statuses[res["status"]] = statuses.get(res["status"], 0) + 1
    busy = sum(res["seconds"] for res in results)
    found = sum(1 for res in results for iv in res["intervals"] if iv[1] is not None)
    print(f"sweep {name}: tasks={len(tasks)} processes={args.processes} seconds={elapsed:.2f} "
          f"tasks/s={len(tasks) / elapsed:.2f} task-seconds={busy:.2f} statuses={statuses} "
          f"intervals-found={found}/{sum(len(r['intervals']) for r in results)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
