"""End to end: the same solver runs with the fast kernels and with the generic ones.

    python benchmarks/kernels_end_to_end.py [--pinn-steps 2000] [--teng-steps 20] [--device cpu] [--json out.json]

PINN: burgers1d with its tuned defaults, cut to ``--pinn-steps`` Adam steps (no L-BFGS), with
``derivatives="autograd"`` (nested, the generic baseline), ``"forward"`` (one-pass jet) and
``"forward"`` + ``compile=True``. TENG: heat1d with ``jacobian="func"`` (vmap(jacrev)) against
``"forward"``, ``--teng-steps`` time steps. Same seed, so the runs differ only in the kernels:
the table gives wall time, steady-state time per step (after the first 50 steps, so
compilation is left out), final error and the per-step speed-up against the generic run.
"""
from __future__ import annotations

import argparse
import sys
import time

import torch

import pinnkit

from _meta import print_table, write_json


class StepClock:
    """Driver callback: wall time from step ``skip`` on, so compilation and warm-up are left out."""

    def __init__(self, skip: int) -> None:
        self.skip, self.start, self.end, self.steps = skip, None, None, 0

    def __call__(self, step: int, solver, metrics) -> None:
        now = time.perf_counter()
        if step == self.skip:
            self.start = now
        self.end, self.steps = now, step - self.skip


def run(problem: str, solver: str, config: dict, label: str, device: str, steps: int | None = None,
        skip: int = 50) -> dict:
    clock = StepClock(skip)
    result = pinnkit.solve(problem, solver=solver, config=config, device=device, seed=0, steps=steps,
                           progress=False, callbacks=[clock])
    per_step = (clock.end - clock.start) / clock.steps if clock.start is not None and clock.steps else None
    return dict(problem=problem, solver=solver, kernels=label, steps=result.steps, wall_s=result.wall_time_s,
                ms_per_step=None if per_step is None else 1e3 * per_step, rel_l2=result.errors.get("rel_l2"),
                status=result.status.name)


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
                         args.teng_steps, skip=2),
                     run("heat1d", "teng", {"jacobian": "forward"}, "forward jet", args.device, args.teng_steps,
                         skip=2)]
            rows += _ratios(group)
    print_table(rows, ["problem", "solver", "kernels", "steps", "wall_s", "ms_per_step", "speed-up", "rel_l2",
                       "status"])
    write_json(args.json, rows)


def _ratios(group: list[dict]) -> list[dict]:
    for r in group:  # steady state: warm-up steps (and compilation) left out
        if group[0]["ms_per_step"] and r["ms_per_step"]:
            r["speed-up"] = group[0]["ms_per_step"] / r["ms_per_step"]
    return group


if __name__ == "__main__":
    main()
