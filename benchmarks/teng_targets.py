"""TENG accuracy targets on the CPU, with the PINN beside it and the least-squares choice measured.

    python benchmarks/teng_targets.py [CASE ...] [--pinn-budget S] [--lstsq] [--set KEY=VALUE] [--json out.json]

Cases (default: all three issue targets):
  heat1d        heat1d, catalogue parameters (T = 2), TENG defaults           target 1e-6
  allen_cahn1d  allen_cahn1d, TENG-style eps = 0.005, rate = 1 (T = 1)        target 1e-5
  heat2d        heat2d on the CPU-sized defaults (64^2 grid), T = 1          target 1e-5
Each runs ``pinnkit.solve(problem, solver="teng")`` with the tuned defaults and reports the
relative L2 error at the final time on the reference grid's last time slice (``rel_l2_T``),
the error over the whole space-time reference grid (``rel_l2_xt``), wall time and steps.
``--pinn-budget S`` also runs the PINN (its defaults, a wall-time budget of S seconds) on the
same problem in the same run. ``--lstsq`` adds the least-squares comparison: Cholesky on the
damped normal equations vs ``torch.linalg.lstsq`` (QR/SVD) on the Jacobians of a fitted TENG
network, time per solve and accuracy against an SVD solution, and one whole heat1d run each.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import pinnkit

from _meta import parse_set, print_table, run_metadata, write_json

CASES = {  # case: (problem, problem parameters, target rel. L2 at T)
    "heat1d": ("heat1d", {}, 1e-6),
    "allen_cahn1d": ("allen_cahn1d", dict(eps=0.005, rate=1.0), 1e-5),
    "heat2d": ("heat2d", dict(t_final=1.0), 1e-5),
}


def final_slice_error(result) -> float:
    """Relative L2 at the final time on the reference grid's space points."""
    grid = result.problem.reference.grid()
    mesh = np.meshgrid(*grid.axes[:-1], indexing="ij")
    pts = np.stack([m.ravel() for m in mesh] + [np.full(mesh[0].size, grid.axes[-1][-1])], axis=1)
    ref = grid.values[..., -1, :].reshape(-1, len(grid.fields))
    return float(np.linalg.norm(result.u(pts) - ref) / np.linalg.norm(ref))


def run_case(case: str, solver: str, budget: float | None, seed: int, overrides: dict | None = None) -> dict:
    name, params, target = CASES[case]
    problem = pinnkit.get_problem(name, **params)
    result = pinnkit.solve(problem, solver=solver, seed=seed, time_budget_s=budget, progress=False,
                           config=overrides or None)
    err = final_slice_error(result)
    return dict(case=case, solver=solver, params=params, rel_l2_T=err, rel_l2_xt=(result.errors or {}).get("rel_l2"),
                target=target if solver == "teng" else None, met=bool(err <= target) if solver == "teng" else None,
                wall_time_s=result.wall_time_s, steps=result.steps, status=result.status.name,
                config={k: v for k, v in vars(result.config).items()})


def lstsq_rows(repeats: int = 3) -> list[dict]:
    """Cholesky vs lstsq on TENG Jacobians (heat2d, 64^2 points, fitted network)."""
    from pinnkit.solvers.teng import TENG, solve_least_squares
    from pinnkit.solvers.teng.jacobian import output_jacobian

    problem = pinnkit.get_problem("heat2d")
    cfg = TENG.default_config("heat2d", dict(init_iterations=200))
    solver = TENG(problem, cfg, torch.device("cpu"), torch.float64, torch.Generator().manual_seed(0))
    solver.fit_initial()
    target = solver.values() + solver.dt * solver.rhs()
    r = (target - solver.values()).reshape(-1) * solver.sqrt_w
    rows = []
    for size in (256, 512, 1024, 1536):
        index = torch.randperm(solver.n_params, generator=torch.Generator().manual_seed(size))[:size]
        J = output_jacobian(solver.net, solver.points, index) * solver.sqrt_w
        lam = cfg.damping * float((J * J).sum()) / size
        d_ref = torch.linalg.lstsq(J, r.unsqueeze(-1), driver="gelsd", rcond=1e-13).solution.squeeze(-1)
        best = float((J @ d_ref - r).norm() / r.norm())
        for method in ("cholesky", "lstsq"):
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                d = solve_least_squares(J, r, method, lam, cfg.rcond)
                times.append(time.perf_counter() - start)
            rows.append(dict(case=f"LS N={J.shape[0]} S={size}", solver=method, seconds=statistics.median(times),
                             residual=float((J @ d - r).norm() / r.norm()), svd_residual=best))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", default=list(CASES), help=f"cases: {', '.join(CASES)}")
    parser.add_argument("--pinn-budget", type=float, default=0.0, metavar="S",
                        help="also run the PINN for S seconds on each problem (0: no PINN)")
    parser.add_argument("--lstsq", action="store_true", help="add the least-squares comparison")
    parser.add_argument("--json")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a TENG config key (the PINN keeps its defaults)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for case in args.cases:
        if case not in CASES:
            parser.error(f"unknown case {case!r}; valid: {', '.join(CASES)}")
    rows = []
    for case in args.cases:
        rows.append(run_case(case, "teng", None, args.seed, parse_set(args.set)))
        print(rows[-1], flush=True)
        if args.pinn_budget > 0:
            rows.append(run_case(case, "pinn", args.pinn_budget, args.seed))
            rows[-1]["ratio_err_vs_teng"] = rows[-1]["rel_l2_T"] / rows[-2]["rel_l2_T"]
            rows[-1]["ratio_time_vs_teng"] = rows[-1]["wall_time_s"] / rows[-2]["wall_time_s"]
            print(rows[-1], flush=True)
    ls_rows = []
    if args.lstsq:
        ls_rows = lstsq_rows()
        for method in ("cholesky", "lstsq"):
            result = pinnkit.solve("heat1d", solver="teng", config=dict(lstsq=method), progress=False, seed=args.seed)
            ls_rows.append(dict(case="heat1d whole run", solver=method, seconds=result.wall_time_s,
                                residual=final_slice_error(result), svd_residual=None))
    print(run_metadata())
    print_table(rows, ["case", "solver", "rel_l2_T", "rel_l2_xt", "target", "met", "wall_time_s", "steps", "status",
                       "ratio_err_vs_teng", "ratio_time_vs_teng"])
    if ls_rows:
        print()
        print_table(ls_rows, ["case", "solver", "seconds", "residual", "svd_residual"])
    write_json(args.json, rows + ls_rows)


if __name__ == "__main__":
    main()
