"""Independent gradient descent in numpy from `dmfsweep simulate --save-instance` files.

Usage: numpy_descent.py CASES.json  → prints one JSON list, one entry per case, each a list of
{"step", "loss", "erank", "erank_ratio", "product_norm", "unobserved_max"} at the recorded steps
(product_norm = ‖W‖_F from the entries; unobserved_max = max |W_ij| over the entries the mask
leaves unobserved, completion only, else null) and, when the case names an "entry" [i, j]
(0-based), "entry_abs" = |W_ij|.

CASES.json is a list of {"dir", "problem", "depth", "eta", "steps", "record_every"[, "entry"]}. The loss and
gradients follow the README's definitions, written naively (no prefix/suffix reuse):
  estimation  L = ½‖W − Y‖²,            G = W − Y
  completion  L = ½‖M ∘ (W − Y)‖²,      G = M ∘ (W − Y)
  sensing     L = ½‖A vec(W) − y‖²,     G = unvec(Aᵀ(A vec(W) − y)), vec column-major
  ∇_j L = (W_N⋯W_{j+1})ᵀ G (W_{j−1}⋯W_1)ᵀ, all factors updated from the same iterate.
"""
import json
import sys

import numpy as np


def product(factors, upto=None, start=0):
    """W_upto ⋯ W_{start+1} (0-based slice factors[start:upto]); identity of the right size if empty."""
    sel = factors[start:upto]
    if not sel:
        return None
    p = sel[0]
    for w in sel[1:]:
        p = w @ p
    return p


def erank(s):
    s = np.abs(s)
    t = s.sum()
    if t <= 0:
        return 0.0
    p = s / t
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def run(case):
    d = case["dir"]
    load = lambda name: np.load(f"{d}/{name}.npy")
    target = load("target")
    n_factors = case["depth"]
    factors = [load(f"factor{j}") for j in range(1, n_factors + 1)]
    problem = case["problem"]
    mask = load("mask") if problem == "completion" else None
    if problem == "sensing":
        a = load("operator")
        y = a @ target.reshape(-1, order="F")
    out = []
    steps, every, eta = case["steps"], case["record_every"], case["eta"]
    for k in range(steps + 1):
        w = product(factors)
        if problem == "estimation":
            g = w - target
            loss = 0.5 * float((g * g).sum())
        elif problem == "completion":
            g = mask * (w - target)
            loss = 0.5 * float((g * g).sum())
        else:
            r = a @ w.reshape(-1, order="F") - y
            loss = 0.5 * float(r @ r)
            g = (a.T @ r).reshape(w.shape, order="F")
        if k % every == 0 or k == steps:
            s = np.linalg.svd(w, compute_uv=False)
            point = {"step": k, "loss": loss, "erank": erank(s),
                     "erank_ratio": float(s.sum() / s.max()) if s.max() > 0 else 0.0,
                     "product_norm": float(np.sqrt((w * w).sum())), "unobserved_max": None}
            if mask is not None and (mask == 0).any():
                point["unobserved_max"] = float(np.abs(w[mask == 0]).max())
            if "entry" in case:
                i, j = case["entry"]
                point["entry_abs"] = float(abs(w[i, j]))
            out.append(point)
        if k == steps:
            break
        grads = []
        for j in range(n_factors):
            left = product(factors, start=j + 1)  # W_N ⋯ W_{j+2}
            right = product(factors, upto=j)  # W_j ⋯ W_1
            gj = g if left is None else left.T @ g
            gj = gj if right is None else gj @ right.T
            grads.append(gj)
        factors = [wj - eta * gj for wj, gj in zip(factors, grads)]
    return out


if __name__ == "__main__":
    cases = json.load(open(sys.argv[1]))
    print(json.dumps([run(c) for c in cases]))
