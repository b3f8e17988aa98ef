#!/usr/bin/env python3
"""Reference for "dmfsweep run is >= 3x faster than plain Python": the same sweep with multiprocessing + numpy.

Reads a dmfsweep sweep file (method: grid; parameters given as {value: ...} or {values: [...]};
default Benchmarks/paper-bench.yaml), expands the grid and runs every task with
multiprocessing.Pool(--processes) + numpy, written the way a competent researcher would write it,
doing the same work as `dmfsweep run` does for each task (Sources/Factorization/Solvers/*):

* path auto with problem=estimation, init=identity (or path=spectral): the exact spectral path.
  dmfsweep runs the scalar recursion w_i <- w_i - eta w_i^(N-1) (w_i^N - lambda_i) per coordinate;
  here it is the SAME recursion, vectorised over the n coordinates with numpy (one task = one
  Python loop over its steps, a handful of numpy calls per step). This is "the same work": the
  same steps, the same recordings, the same numbers (to round-off). Tasks are NOT batched across
  each other into one array: each task is one function call of the pool, as in dmfsweep.
* otherwise the full matrix path: factors W_1..W_N as n x n numpy arrays; per step the prefix
  products P_j = W_j P_(j-1) (N-1 matmuls), the residual gradient G (estimation W - Y, sensing
  A^T (A vec W - y) with the m x n^2 matrix A, completion P_Omega(W - Y)), the loss, the
  divergence check, then T_N = G, T_(j-1) = W_j^T T_j, W_j -= eta T_j P_(j-1)^T (2(N-1) matmuls).
* every record_every steps (and at step 0, at the last step, and at a stop_loss stop): singular
  values (numpy.linalg.svd, values only; |w^N| on the spectral path), Roy-Vetterli effective
  rank, nuclear/operator ratio, the error to the clean Y and the errors to the truncations Y_r.
* at the end: the early-stopping interval per rank r (longest run with |erank - t_r| <= tolerance).

Random numbers are the project's own (xoshiro256** seeded through SplitMix64 per purpose,
Box-Muller gaussians, column-major fills, Haar matrices as the sign-fixed Q of a QR), re-implemented
in pure Python below, so every task draws the same ground truth, init and measurement matrix as
dmfsweep and the results can be compared task by task: with --check RAW.csv (the output of
`dmfsweep query --store S --raw --format csv`) the script compares final loss, final effective
rank and interval starts of every task with dmfsweep's after the timed run and prints the verdict.
Drawing the random numbers in Python is counted in the timing (dmfsweep draws them too; it is
well under 1% of the run here).

Each pool process runs numpy's bundled OpenBLAS with --blas-threads threads (default 1, so two
processes use the two cores without oversubscription), matching dmfsweep's workers, which run
with OPENBLAS_NUM_THREADS=1. Python only, for benchmarking.

    "$(bash Benchmarks/python-env.sh)" Benchmarks/mp_numpy_sweep.py Benchmarks/paper-bench.yaml --processes 2 [--check raw.csv]
"""

import argparse
import csv
import itertools
import math
import os
import sys
import time

SUPPORTED = {
    "problem", "path", "init", "n", "depth", "spectrum", "alpha", "eta", "steps", "record_every",
    "tolerance", "seed", "stop_loss", "measurements", "observed",
}
DEFAULTS = {
    "problem": "estimation", "path": "auto", "init": "identity", "depth": 3, "spectrum": [10, 5, 2, 1, 0.5],
    "alpha": 0.05, "eta": 0.02, "steps": 3000, "record_every": 10, "tolerance": 0.1, "seed": 0,
    "stop_loss": None, "measurements": None, "observed": 0.5,
}
DIVERGENCE_FACTOR = 1e10
MASK64 = (1 << 64) - 1
PURPOSE = {"truth": 1, "measurements": 2, "mask": 3, "noise": 4, "initialisation": 5}


# ---------------------------------------------------------------- the project's random numbers
def _splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


class Stream:
    """RandomStream(seed:purpose:) of Sources/Factorization/Random: xoshiro256** + Box-Muller."""

    def __init__(self, seed, purpose):
        _, sub = _splitmix((seed ^ (PURPOSE[purpose] * 0x9E3779B97F4A7C15)) & MASK64)
        st, s = sub, []
        for _ in range(4):
            st, v = _splitmix(st)
            s.append(v)
        self.s = s
        self.spare = None

    def next(self):
        s0, s1, s2, s3 = self.s
        x = (s1 * 5) & MASK64
        result = ((((x << 7) | (x >> 57)) & MASK64) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & MASK64
        self.s = [s0, s1, s2, s3]
        return result

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53

    def gaussian(self):
        if self.spare is not None:
            v, self.spare = self.spare, None
            return v
        u1 = 1 - self.uniform()
        u2 = self.uniform()
        radius = math.sqrt(-2 * math.log(u1))
        angle = 2 * math.pi * u2
        self.spare = radius * math.sin(angle)
        return radius * math.cos(angle)

    def gaussian_matrix(self, rows, cols, std=1.0):
        vals = [std * self.gaussian() for _ in range(rows * cols)]
        return numpy.array(vals).reshape((rows, cols), order="F")  # column-major fill

    def haar(self, n):
        q, r = numpy.linalg.qr(self.gaussian_matrix(n, n))
        return q * numpy.where(numpy.diag(r) < 0, -1.0, 1.0)


# ---------------------------------------------------------------- the sweep file
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
    varying = [nm for nm, p in spec["parameters"].items() if "values" in p]
    tasks = []
    for combo in itertools.product(*choices):
        task = dict(DEFAULTS)
        task.update(zip(names, combo))
        task.setdefault("n", None)
        if task["n"] is None:
            task["n"] = len(task["spectrum"])
        if task["problem"] == "sensing" and task["measurements"] is None:
            sys.exit(f"{path}: give 'measurements' explicitly for sensing tasks")
        tasks.append(task)
    return spec.get("name", os.path.basename(path)), tasks, varying


# ---------------------------------------------------------------- analysis
def erank(s):
    total = s.sum()
    if total <= 0:
        return 0.0
    p = s[s > 0] / total
    return float(math.exp(-(p * numpy.log(p)).sum()))


def nested_targets(sorted_abs):
    return [erank(numpy.array(sorted_abs[: r + 1])) for r in range(len(sorted_abs))]


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


def truncation_errors(e2, q, lam_sorted):
    acc, errs = e2, [0.0] * len(lam_sorted)
    for r in range(len(lam_sorted), 0, -1):
        errs[r - 1] = math.sqrt(max(acc, 0.0))
        acc += lam_sorted[r - 1] * (2 * q[r - 1] - lam_sorted[r - 1])
    return errs


# ---------------------------------------------------------------- one task
def run_task(task):
    np = numpy
    start_time = time.perf_counter()
    n, depth = int(task["n"]), int(task["depth"])
    alpha, eta = float(task["alpha"]), float(task["eta"])
    steps, every, tol = int(task["steps"]), int(task["record_every"]), float(task["tolerance"])
    stop_loss = task["stop_loss"]
    seed = int(task["seed"])
    problem, init = task["problem"], task["init"]
    spectral = task["path"] == "spectral" or (task["path"] == "auto" and problem == "estimation" and init == "identity")

    lam = np.zeros(n)
    spectrum = np.array(task["spectrum"], dtype=float)[:n]
    lam[: len(spectrum)] = spectrum
    order = sorted(range(n), key=lambda i: (-abs(lam[i]), i))
    rank = int(np.count_nonzero(lam))
    lam_sorted = [float(lam[i]) for i in order[:rank]]
    targets = nested_targets([abs(x) for x in lam_sorted])

    steps_rec, eranks, records = [], [], []
    status, limit, k, loss = "finished", math.inf, 0, math.inf

    if spectral:
        # The exact scalar recursion, vectorised over the n coordinates.
        w = np.full(n, alpha)
        rank_idx = np.array(order[:rank], dtype=int)
        while True:
            p = w.copy()
            for _ in range(depth - 2):
                p *= w
            if depth == 1:
                p = np.ones(n)
            d = p * w
            r = d - lam
            loss = 0.5 * float(r @ r)
            if k == 0:
                limit = DIVERGENCE_FACTOR * max(1.0, loss)
            if not math.isfinite(loss) or loss > limit:
                status = "diverged"
                break
            converged = stop_loss is not None and loss < stop_loss
            if k % every == 0 or k == steps or converged:
                s = np.abs(d)
                steps_rec.append(k)
                eranks.append(erank(s))
                e2 = 2 * loss
                records.append((loss, float(s.sum() / s.max()) if s.max() > 0 else 0.0,
                                truncation_errors(e2, d[rank_idx], lam_sorted)))
            if converged:
                status = "converged"
                break
            if k == steps:
                break
            w -= eta * (p * r)
            k += 1
    else:
        V = Stream(seed, "truth").haar(n)
        Y = (V * lam) @ V.T
        Y = 0.5 * (Y + Y.T)
        V_r = V[:, order[:rank]]
        A = y_meas = mask = None
        if problem == "sensing":
            m = int(task["measurements"])
            A = Stream(seed, "measurements").gaussian_matrix(m, n * n, 1 / math.sqrt(m))
            y_meas = A @ Y.ravel(order="F")
        elif problem == "completion":
            st = Stream(seed, "mask")
            p_obs = float(task["observed"])
            mask = np.array([1.0 if st.uniform() < p_obs else 0.0 for _ in range(n * n)]).reshape((n, n), order="F")
        st = Stream(seed, "initialisation")
        if init == "identity":
            W = [alpha * np.eye(n) for _ in range(depth)]
        elif init == "orthogonal":
            W = [alpha * st.haar(n) for _ in range(depth)]
        else:
            W = [st.gaussian_matrix(n, n, alpha / math.sqrt(n)) for _ in range(depth)]
        while True:
            P = [W[0]]
            for j in range(1, depth):
                P.append(W[j] @ P[j - 1])
            Wp = P[-1]
            if A is not None:
                res = A @ Wp.ravel(order="F") - y_meas
                G = (A.T @ res).reshape((n, n), order="F")
                loss = 0.5 * float(res @ res)
            else:
                G = Wp - Y
                if mask is not None:
                    G *= mask
                loss = 0.5 * float(np.vdot(G, G))
            if k == 0:
                limit = DIVERGENCE_FACTOR * max(1.0, loss)
            if not math.isfinite(loss) or loss > limit:
                status = "diverged"
                break
            converged = stop_loss is not None and loss < stop_loss
            if k % every == 0 or k == steps or converged:
                s = np.linalg.svd(Wp, compute_uv=False)
                steps_rec.append(k)
                eranks.append(erank(s))
                E = Wp - Y
                e2 = float(np.vdot(E, E))
                q = np.einsum("ik,ik->k", V_r, Wp @ V_r)
                records.append((loss, float(s.sum() / s.max()) if s.max() > 0 else 0.0,
                                truncation_errors(e2, q, lam_sorted)))
            if converged:
                status = "converged"
                break
            if k == steps:
                break
            T = G
            for j in range(depth - 1, 0, -1):
                T_next = W[j].T @ T
                W[j] -= eta * (T @ P[j - 1].T)
                T = T_next
            W[0] -= eta * T
            k += 1

    starts = []
    for r in range(rank):
        run = longest_run(eranks, steps_rec, targets[r], tol)
        starts.append(None if run is None else steps_rec[run[0]])
    return {
        "status": status, "steps": k, "final_loss": records[-1][0] if records else float("inf"),
        "final_erank": eranks[-1] if eranks else 0.0, "starts": starts,
        "path": "spectral" if spectral else "full", "seconds": time.perf_counter() - start_time,
    }


# ---------------------------------------------------------------- comparison with dmfsweep
def _same_value(a, b):
    try:
        return abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(b)))
    except (TypeError, ValueError):
        return str(a) == str(b)


def check(tasks, results, varying, raw_csv):
    with open(raw_csv) as f:
        rows = list(csv.DictReader(f))
    compared, bad, worst_loss, worst_erank, starts_equal, starts_total, worst_start = 0, [], 0.0, 0.0, 0, 0, 0
    for task, res in zip(tasks, results):
        match = [row for row in rows if all(_same_value(task[v], row.get(v)) for v in varying)]
        if len(match) != 1:
            bad.append(f"{ {v: task[v] for v in varying} }: {len(match)} matching dmfsweep rows")
            continue
        row = match[0]
        compared += 1
        fl, fe = float(row["final_loss"]), float(row["final_erank"])
        rel = abs(fl - res["final_loss"]) / max(abs(fl), abs(res["final_loss"]), 1e-300)
        if abs(fl - res["final_loss"]) > 1e-12:
            worst_loss = max(worst_loss, rel)
        worst_erank = max(worst_erank, abs(fe - res["final_erank"]))
        ok = row["status"] == res["status"] and int(row["steps_run"]) == res["steps"]
        ok = ok and (abs(fl - res["final_loss"]) <= 1e-12 or rel <= 1e-6) and abs(fe - res["final_erank"]) <= 1e-6
        for r, s in enumerate(res["starts"], start=1):
            theirs = row.get(f"r{r}_start", "")
            theirs = int(float(theirs)) if theirs not in ("", None) else None
            starts_total += 1
            if theirs == s:
                starts_equal += 1
            elif theirs is None or s is None or abs(theirs - s) > int(task["record_every"]):
                ok = False
            else:
                worst_start = max(worst_start, abs(theirs - s))
        if not ok:
            bad.append(f"{ {v: task[v] for v in varying} }: dmfsweep {row['status']} loss={fl:.6g} erank={fe:.9f}; "
                       f"numpy {res['status']} loss={res['final_loss']:.6g} erank={res['final_erank']:.9f} "
                       f"starts={res['starts']}")
    verdict = "PASS" if not bad and compared == len(tasks) else "FAIL"
    print(f"check vs dmfsweep: {verdict}: {compared}/{len(tasks)} tasks compared; final loss max rel diff "
          f"{worst_loss:.1e} (where > 1e-12), final erank max abs diff {worst_erank:.1e}; interval starts "
          f"equal {starts_equal}/{starts_total}, others within {worst_start} steps (one record at most)")
    for line in bad[:10]:
        print(f"  mismatch: {line}")
    return verdict == "PASS"


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
    parser.add_argument("--check", metavar="RAW.csv", help="compare with `dmfsweep query --raw --format csv` output")
    args = parser.parse_args()

    # Set before numpy loads OpenBLAS, in this process and (inherited) in the pool's children.
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    init_worker(args.blas_threads)
    import multiprocessing

    name, tasks, varying = load_sweep(args.sweep)
    spectral = sum(1 for t in tasks if t["path"] == "spectral" or (
        t["path"] == "auto" and t["problem"] == "estimation" and t["init"] == "identity"))
    print(f"numpy {numpy.__version__} (its bundled OpenBLAS, {args.blas_threads} thread(s) per process), "
          f"multiprocessing.Pool({args.processes}); {spectral} spectral-path tasks, {len(tasks) - spectral} full-path")
    start = time.perf_counter()
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.processes, initializer=init_worker, initargs=(args.blas_threads,)) as pool:
        # Longest tasks first would need knowledge dmfsweep's scheduler does not have either; chunksize
        # 1 gives dynamic load balancing like dmfsweep's pull-based workers.
        results = pool.map(run_task, tasks, chunksize=1)
    elapsed = time.perf_counter() - start
    statuses = {}
    for res in results:
        statuses[res["status"]] = statuses.get(res["status"], 0) + 1
    busy = sum(res["seconds"] for res in results)
    busy_spectral = sum(res["seconds"] for res in results if res["path"] == "spectral")
    found = sum(1 for res in results for s in res["starts"] if s is not None)
    print(f"sweep {name}: tasks={len(tasks)} processes={args.processes} seconds={elapsed:.2f} "
          f"tasks/s={len(tasks) / elapsed:.2f} task-seconds={busy:.2f} (spectral {busy_spectral:.2f}, "
          f"full {busy - busy_spectral:.2f}) statuses={statuses} "
          f"intervals-found={found}/{sum(len(r['starts']) for r in results)}", flush=True)
    if args.check:
        return 0 if check(tasks, results, varying, args.check) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
