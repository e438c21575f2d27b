"""Condition number of the PINN's Gauss-Newton matrix J^T J, at initialisation and after training, with
and without a Jacobi (diagonal) preconditioner: the operator-preconditioning view of PINN training
(De Ryck, Bonnet, Mishra & de Bezenac, ICLR 2024) on pinnkit's own problems.

    python benchmarks/gauss_newton_conditioning.py [--problems poisson1d,heat1d] [--budget 120] [--json out.json]

J stacks the weighted residual rows of the PINN loss, sqrt(w / N) r (PDE residual, initial and
Dirichlet rows), differentiated with respect to all network parameters
(:func:`pinnkit.autodiff.parameter_jacobian`), in float64 at the solver's own points. Reported:
the largest eigenvalue of G = J^T J, the condition number over the eigenvalues above 1e-13
lambda_max (G is singular: more parameters than rows, and redundant ones), how many eigenvalues
lie above 1e-4, 1e-8 and 1e-12 of lambda_max, and the same for D^-1/2 G D^-1/2 with D = diag(G). "after" is the model trained by ``pinnkit.solve``
with the problem's preset for ``--budget`` seconds (one thread).
"""
from __future__ import annotations

import argparse

import torch

from _meta import print_table, write_json

import pinnkit
from pinnkit.autodiff import parameter_jacobian
from pinnkit.conditions import Dirichlet
from pinnkit.registry import get_problem
from pinnkit.solvers import get_solver

CUTOFF = 1e-13


def stacked_jacobian(solver) -> torch.Tensor:
    """The weighted residual Jacobian of a PINN solver's loss at its points: (rows, parameters)."""
    problem, net, w = solver.problem, solver.network, solver.weights
    pts = solver.points["residual"]
    blocks = [parameter_jacobian(net, pts, problem.coords, problem.fields, problem.pde.requires,
                                 residual=problem.pde.residual).reshape(len(pts), -1)
              * (w["residual"] / len(pts)) ** 0.5]
    if "initial" in solver.points and solver.initial_target is not None:
        ini = solver.points["initial"]
        jac = parameter_jacobian(net, ini, problem.coords, problem.fields)
        cols = [problem.fields.index(f) for f in problem.initial_condition.fields]
        blocks.append(jac[:, cols].reshape(-1, jac.shape[-1]) * (w["initial"] / len(ini)) ** 0.5)
    for data in solver.boundary:
        if isinstance(data.condition, Dirichlet):
            jac = parameter_jacobian(net, data.points, problem.coords, problem.fields)
            cols = [problem.fields.index(f) for f in data.condition.fields]
            blocks.append(jac[:, cols].reshape(-1, jac.shape[-1]) * (w["boundary"] / len(data.points)) ** 0.5)
    return torch.cat(blocks)


LEVELS = (1e-4, 1e-8, 1e-12)


def spectrum(g: torch.Tensor) -> dict:
    """lambda_max, the condition number over the eigenvalues above CUTOFF lambda_max, how many are
    dropped, and how many lie above each of LEVELS x lambda_max (a flatter spectrum has more)."""
    eig = torch.linalg.eigvalsh(g)
    top = float(eig[-1])
    kept = eig[eig > CUTOFF * top]
    counts = {f"n>{level:g}": int((eig > level * top).sum()) for level in LEVELS}
    return dict(lambda_max=top, cond=top / float(kept[0]), dropped=int(len(eig) - len(kept)), **counts)


def conditioning(solver) -> dict:
    jac = stacked_jacobian(solver).detach().double()
    g = jac.T @ jac
    d = g.diagonal().clamp_min(1e-300).rsqrt()
    plain, jacobi = spectrum(g), spectrum(d[:, None] * g * d[None, :])
    return dict(rows=jac.shape[0], parameters=jac.shape[1], **plain,
                **{f"jacobi_{k}": v for k, v in jacobi.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", default="poisson1d,heat1d")
    parser.add_argument("--budget", type=float, default=120.0, help="training seconds for 'after' (default 120)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for name in args.problems.split(","):
        problem = get_problem(name)
        cls = get_solver("pinn")
        solver = cls(problem, cls.default_config(name), torch.device("cpu"), torch.float64,
                     torch.Generator().manual_seed(0))
        rows.append(dict(problem=name, state="init", **conditioning(solver)))
        print(rows[-1], flush=True)
        result = pinnkit.solve(name, solver="pinn", dtype="float64", time_budget_s=args.budget, progress=False,
                               threads=1)
        solver.network.load_state_dict(result.model.state_dict())
        rows.append(dict(problem=name, state=f"trained ({result.steps} steps, rel. L2 "
                                              f"{result.errors['rel_l2']:.1e})", **conditioning(solver)))
        print(rows[-1], flush=True)
    levels = [f"n>{level:g}" for level in LEVELS]
    print_table(rows, ["problem", "state", "rows", "parameters", "lambda_max", "cond", *levels, "jacobi_cond",
                       *[f"jacobi_{k}" for k in levels]])
    write_json(args.json, rows)


if __name__ == "__main__":
    main()
