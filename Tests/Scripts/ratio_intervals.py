"""Ratio-measure targets and early-stopping intervals, computed independently in numpy.

Usage: ratio_intervals.py CASES.json  → prints one JSON list, one entry per case:
{"targets": [...], "intervals": [{"rank", "start", "end", "length"}, ...]}.

CASES.json is a list of {"dir", "steps", "ratio", "tolerance"}: the `simulate --save-instance`
directory, and the recorded steps and `erank_ratio` values of the run's trajectory. From the
README's definitions, written without the project's code:
  σ = singular values of the clean Y (clean.npy), those ≤ max(rows, n)·ε·σ_max counted as 0;
  t_r = ‖Y_r‖_* / ‖Y_r‖_op = (σ_1 + … + σ_r) / σ_1 for r = 1 … rank(Y);
  interval r = the longest maximal run of consecutive recorded steps with |value − t_r| ≤ tol,
  longest by end − start, then by number of points, then the earliest; none when no step qualifies.
"""
import json
import sys

import numpy as np


def targets(clean):
    s = np.linalg.svd(clean, compute_uv=False)
    s = s[s > max(clean.shape) * np.finfo(float).eps * s.max()]
    return list(np.cumsum(s) / s[0])


def interval(steps, values, target, tol):
    inside = [abs(v - target) <= tol for v in values]
    runs, i = [], 0
    while i < len(inside):
        if not inside[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(inside) and inside[j + 1]:
            j += 1
        runs.append((steps[j] - steps[i], j - i, -i, i, j))
        i = j + 1
    if not runs:
        return {"start": None, "end": None, "length": 0}
    _, _, _, a, b = max(runs)
    return {"start": steps[a], "end": steps[b], "length": steps[b] - steps[a]}


def main():
    cases = json.load(open(sys.argv[1]))
    out = []
    for c in cases:
        t = targets(np.load(c["dir"] + "/clean.npy"))
        ivs = [dict(rank=r + 1, **interval(c["steps"], c["ratio"], t[r], c["tolerance"])) for r in range(len(t))]
        out.append({"targets": [float(x) for x in t], "intervals": ivs})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
