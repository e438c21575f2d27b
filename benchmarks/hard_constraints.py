"""Soft PINN vs PI-HC vs PI-HC-MoE at equal wall time, and the per-step cost against the number of
constraint points.

    python benchmarks/hard_constraints.py [--budget 90] [--problems heat1d,...] [--scaling-problem P]
                                          [--sizes 1024,4096,16384,65536] [--json out.json]

Table 1: for each problem and solver (catalogue presets, one thread, the same ``--budget`` of
training wall time each), the relative L2 error against the problem's reference, the training
time and steps, the time to evaluate the solution on the reference grid, and the peak resident
memory of the process. Table 2: ms per training step (on ``--device``) of ``hc`` and ``hcmoe`` (the preset experts)
on ``--scaling-problem`` as the number of constraint points M grows, with the ratio to the
smallest M (the paper's claim: near-constant for the MoE where the single constraint grows).
Every run is a fresh process (peak memory and thread pools are per process).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from _meta import print_table, run_in_child, write_json

SOLVERS = ("pinn", "hc", "hcmoe")
PROBLEMS = ("heat1d", "burgers1d", "diffusion_sorption1d", "ns_vorticity2d")


def train(problem: str, solver: str, budget: float) -> dict:
    """In a child process: train for ``budget`` seconds, then time the evaluation on the reference grid."""
    import resource
    import time

    import torch

    import pinnkit

    torch.set_num_threads(1)
    result = pinnkit.solve(problem, solver=solver, config={"steps": 10**9} if solver != "pinn" else None,
                           time_budget_s=budget, progress=False, threads=1)
    points = torch.as_tensor(result.problem.reference.grid().points())
    start = time.perf_counter()
    with torch.no_grad():
        result.u(points)
    inference = time.perf_counter() - start
    return dict(problem=problem, solver=solver, rel_l2=(result.errors or {}).get("rel_l2"), steps=result.steps,
                train_s=result.wall_time_s, inference_s=inference, status=result.status.name, message=result.message,
                peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def per_step(problem: str, solver: str, m: int, steps: int, device: str = "cpu") -> dict:
    """In a child process: the median time of ``steps`` training steps with ``n_constraint = m``."""
    import statistics
    import time

    import torch

    from pinnkit.registry import get_problem
    from pinnkit.solvers import get_solver

    torch.set_num_threads(1)
    cls = get_solver(solver)
    config = cls.default_config(problem, {"n_constraint": m})
    instance = cls(get_problem(problem), config, torch.device(device), torch.float32, torch.Generator().manual_seed(0))
    instance.step(0)  # warm-up
    times, lm = [], []
    for k in range(1, steps + 1):
        start = time.perf_counter()
        info = instance.step(k)
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
        lm.append(info["lm_iterations"])
    return dict(problem=problem, solver=solver, device=device, n_constraint=m, experts=instance.split.n_experts,
                ms_per_step=1e3 * statistics.median(times), lm_iterations=statistics.median(lm))


def child(function: str, *args) -> dict:
    return run_in_child(__file__, function, *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", type=float, default=90.0, help="training seconds per run (default 90)")
    parser.add_argument("--problems", default=",".join(PROBLEMS))
    parser.add_argument("--solvers", default=",".join(SOLVERS), help="columns to run (default: all three)")
    parser.add_argument("--scaling-problem", default="diffusion_sorption1d")
    parser.add_argument("--sizes", default="1024,4096,16384,65536")
    parser.add_argument("--scaling-steps", type=int, default=3)
    parser.add_argument("--device", default="cpu", help="device of the per-step table (cuda on a GPU)")
    parser.add_argument("--skip-accuracy", action="store_true", help="only the per-step table")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    runs = []
    for problem in ([] if args.skip_accuracy else args.problems.split(",")):
        for solver in args.solvers.split(","):
            runs.append(child("train", problem, solver, args.budget))
            r = runs[-1]
            print(f"{problem:22s} {solver:6s} {r.get('rel_l2', float('nan')) or float('nan'):.3e} "
                  f"{r.get('steps', '-')} steps {r.get('error', '')}", flush=True)
    rows = []
    for r in runs:
        if "error" in r:
            rows.append({"problem": r["args"][0], "solver": r["args"][1], "rel. L2": "error: " + r["error"]})
            continue
        soft = next((x for x in runs if x.get("problem") == r["problem"] and x.get("solver") == "pinn"), None)
        ratio = soft["rel_l2"] / r["rel_l2"] if soft and soft.get("rel_l2") and r.get("rel_l2") else None
        rows.append({"problem": r["problem"], "solver": r["solver"], "rel. L2": r["rel_l2"], "soft / this": ratio,
                     "train s": r["train_s"], "steps": r["steps"], "inference ms": 1e3 * r["inference_s"],
                     "peak MB": r["peak_mb"]})
    if rows:
        print_table(rows, ["problem", "solver", "rel. L2", "soft / this", "train s", "steps", "inference ms", "peak MB"])

    scaling = []
    for solver in ("hc", "hcmoe"):
        for m in (int(s) for s in args.sizes.split(",") if s.strip()):
            scaling.append(child("per_step", args.scaling_problem, solver, m, args.scaling_steps, args.device))
            print(scaling[-1], flush=True)
    rows = []
    for r in scaling:
        if "error" in r:
            rows.append({"solver": r["args"][1], "M": r["args"][2], "ms / step": "error: " + r["error"]})
            continue
        base = next(x for x in scaling if x.get("solver") == r["solver"] and "error" not in x)
        rows.append({"solver": r["solver"], "experts": r["experts"], "M": r["n_constraint"],
                     "ms / step": r["ms_per_step"], "vs smallest M": r["ms_per_step"] / base["ms_per_step"],
                     "LM iterations": r["lm_iterations"]})
    if rows:
        print_table(rows, ["solver", "experts", "M", "ms / step", "vs smallest M", "LM iterations"])
    write_json(args.json, [dict(table="accuracy", budget_s=args.budget, **r) for r in runs]
               + [dict(table="scaling", **r) for r in scaling])


if __name__ == "__main__":
    main()
