"""End to end: the same solver runs with the fast kernels and with the generic ones.

    python benchmarks/kernels_end_to_end.py [--pinn-steps 2000] [--teng-steps 20] [--device cpu] [--json out.json]

PINN: burgers1d with its tuned defaults, cut to ``--pinn-steps`` Adam steps (no L-BFGS), with
``derivatives="autograd"`` (nested, the generic baseline), ``"forward"`` (one-pass jet) and
``"forward"`` + ``compile=True``. TENG: heat1d with ``jacobian="func"`` (vmap(jacrev)) against
``"forward"``, ``--teng-steps`` time steps. Same seed, so the runs differ only in the kernels:
the table gives wall time, final error and the speed-up against the generic run.
"""
from __future__ import annotations

import argparse
import sys

import torch

import pinnkit

from _meta import print_table, write_json


def run(problem: str, solver: str, config: dict, label: str, device: str, steps: int | None = None) -> dict:
    result = pinnkit.solve(problem, solver=solver, config=config, device=device, seed=0, steps=steps,
                           progress=False)
    return dict(problem=problem, solver=solver, kernels=label, steps=result.steps,
                wall_s=result.wall_time_s, rel_l2=result.errors.get("rel_l2"), status=result.status.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pinn-steps", type=int, default=2000)
    parser.add_argument("--teng-steps", type=int, default=20)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip", default="", help="comma list of pinn,teng to skip")
    parser.add_argument("--json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    if "pinn" not in args.skip:
        base = dict(adam_steps=args.pinn_steps, lbfgs_steps=0)
        group = [run("burgers1d", "pinn", {**base, "derivatives": "autograd"}, "nested (generic)", args.device),
                 run("burgers1d", "pinn", {**base, "derivatives": "forward"}, "forward jet", args.device),
                 run("burgers1d", "pinn", {**base, "derivatives": "forward", "compile": True},
                     "forward jet + compile", args.device)]
        rows += _ratios(group)
    if "teng" not in args.skip:
        if "teng" not in pinnkit.list_solvers():
            print("TENG solver not available; skipping", file=sys.stderr)
        else:
            group = [run("heat1d", "teng", {"jacobian": "func"}, "vmap(jacrev) (generic)", args.device,
                         args.teng_steps),
                     run("heat1d", "teng", {"jacobian": "forward"}, "forward jet", args.device, args.teng_steps)]
            rows += _ratios(group)
    print_table(rows, ["problem", "solver", "kernels", "steps", "wall_s", "speed-up", "rel_l2", "status"])
    write_json(args.json, rows)


def _ratios(group: list[dict]) -> list[dict]:
    for r in group:
        r["speed-up"] = group[0]["wall_s"] / r["wall_s"]
    return group


if __name__ == "__main__":
    main()
