"""How much of one Euler increment a parameter subset's tangent space can hold (docs/solvers/teng.md).

    python benchmarks/teng_subset_projection.py [--grid 32] [--problems burgers2d,heat2d] [--json out.json]

The paper network (benchmarks/teng_gpu.py's configuration) is fitted to u0 on a ``grid``^2 grid
(minimum-norm lstsq, rcond 1e-12); r = dt F(u0) is the Euler increment. For each way of choosing
the columns S of J = du/dtheta the table gives |r - J_S J_S^+ r| / |r|, the share of the increment
a least-squares update on S cannot fit: 1536 random columns, then 12 fresh draws of 1536 / 1024 each
fitting what the previous left (the inner loop, linearised), the 1536 largest |J^T r| (the gradient
rule), and all columns (truncated SVD at rcond 1e-12).
"""
from __future__ import annotations

import argparse
import time

import torch

import pinnkit
from pinnkit.solvers.teng import TENG, solve_least_squares
from pinnkit.solvers.teng.jacobian import output_jacobian

from _meta import print_table, run_metadata, write_json
from teng_gpu import DT, PAPER


def left_over(J: torch.Tensor, r: torch.Tensor) -> tuple[torch.Tensor, float]:
    rest = r - J @ solve_least_squares(J, r, "lstsq", 0.0, 1e-12)  # minimum norm (gelsd on the CPU)
    return rest, float(rest.norm())


def rows_for(name: str, grid: int, seed: int) -> list[dict]:
    problem = pinnkit.get_problem(name, t_final=0.05)
    cfg = TENG.default_config(name, {**PAPER, "grid": grid, "dt": DT[name], "lstsq": "lstsq", "damping": 0.0,
                                     "embedding_in_subset": False, "subset_rule": "random"})
    solver = TENG(problem, cfg, torch.device("cpu"), torch.float64, torch.Generator().manual_seed(seed))
    start = time.perf_counter()
    init = solver.fit_initial()
    print(f"{name}: u0 fitted to {init:.1e} in {time.perf_counter() - start:.0f} s", flush=True)
    r = (solver.dt * solver.rhs()).reshape(-1)
    J = output_jacobian(solver.net, solver.points)
    norm = float(r.norm())
    draw = torch.Generator().manual_seed(seed + 1)
    rows = []

    def add(columns: str, value: float) -> None:
        rows.append(dict(problem=name, grid=grid, columns=columns, left_over=value / norm, u0_fit=init))

    add("1536 random", left_over(J[:, torch.randperm(solver.n_params, generator=draw)[:1536]], r)[1])
    rest = r
    for it in range(12):
        index = torch.randperm(solver.n_params, generator=draw)[:1536 if it == 0 else 1024]
        rest, value = left_over(J[:, index], rest)
    add("12 random draws in turn", value)
    add("1536 largest |J^T r|", left_over(J[:, solver.draw_subset(1536, solver.misfit_gradient(r))], r)[1])
    U, S, _ = torch.linalg.svd(J, full_matrices=False)
    keep = S > 1e-12 * S[0]
    add(f"all {solver.n_params} (rank {int(keep.sum())})", float((r - U[:, keep] @ (U[:, keep].T @ r)).norm()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grid", type=int, default=32)
    parser.add_argument("--problems", default="burgers2d,heat2d")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    unknown = [p for p in args.problems.split(",") if p not in DT]
    if unknown:
        raise SystemExit(f"unknown problem(s) {unknown}; valid: {', '.join(DT)}")
    print(run_metadata(), flush=True)
    rows = [row for name in args.problems.split(",") for row in rows_for(name, args.grid, args.seed)]
    print_table(rows, ["problem", "grid", "columns", "left_over", "u0_fit"])
    write_json(args.json, rows)


if __name__ == "__main__":
    main()
