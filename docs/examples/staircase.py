"""Plot the effective-rank staircase from a dmfsweep trajectories export.

usage: python staircase.py TRAJECTORIES.csv OUT.png
Prints one line per depth: depth, recorded points, last step, smallest effective rank.
"""
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt
import pandas as pd

trajectories = pd.read_csv(sys.argv[1])  # one row per task and recorded step

fig, ax = plt.subplots(figsize=(6, 3.5))
for depth, run in trajectories.groupby("depth"):
    run = run[run["step"] > 0]  # log axis
    ax.plot(run["step"], run["erank"], label=f"N = {depth}")
    print(depth, len(run) + 1, run["step"].max(), round(run["erank"].min(), 6))
ax.set_xscale("log")
ax.set_xlabel("step")
ax.set_ylabel("effective rank (Roy–Vetterli)")
ax.legend()
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=100)
