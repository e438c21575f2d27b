"""PINN accuracy targets with the default (tuned) configurations.

    python benchmarks/pinn_targets.py [PROBLEM ...] [--json out.json] [--threads 1]

Runs ``pinnkit.solve(problem, solver="pinn")`` with no options for each problem (default: the
issue's target list) and prints problem, config, rel. L2 against the reference, wall time,
steps and status, with the target next to it.
"""
from __future__ import annotations

import argparse

import numpy as np
import torch

import pinnkit
from pinnkit.problems.presets import preset

from _meta import print_table, run_metadata, write_json

TARGETS = {  # problem: (rel L2 target, wall-time budget in s)
    "heat1d": (1e-4, None),
    "burgers1d": (1e-3, 900),
    "allen_cahn1d": (1e-2, 1800),
    "kovasznay": (1e-3, None),
    "lid_driven_cavity": (5e-2, None),
}


def velocity_error(result) -> float:
    """Relative L2 of the velocity (u, v) together on the reference grid."""
    grid = result.problem.reference.grid()
    pred, ref = result.u(grid.points())[:, :2], grid.flat_values()[:, :2]
    return float(np.linalg.norm(pred - ref) / np.linalg.norm(ref))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("problems", nargs="*", default=list(TARGETS))
    parser.add_argument("--json")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    for name in args.problems:
        target, budget = TARGETS.get(name, (None, None))
        result = pinnkit.solve(name, solver="pinn", seed=args.seed, time_budget_s=budget, progress=False)
        err = result.errors or {}
        rel_u = velocity_error(result) if name == "lid_driven_cavity" else err.get("rel_l2")
        rows.append(dict(problem=name, config=" ".join(f"{k}={v}" for k, v in preset("pinn", name).items()),
                         rel_l2=err.get("rel_l2"), rel_l2_velocity=rel_u if name == "lid_driven_cavity" else None,
                         target=target, met=None if target is None else bool((rel_u or 1) <= target),
                         wall_time_s=result.wall_time_s, budget_s=budget, steps=result.steps,
                         status=result.status.name, message=result.message))
        print(rows[-1], flush=True)
    print(run_metadata())
    print_table(rows, ["problem", "rel_l2", "rel_l2_velocity", "target", "met", "wall_time_s", "steps", "status"])
    write_json(args.json, rows)


if __name__ == "__main__":
    main()
