"""The hard-constraint layer: least-squares forward, implicit-function-theorem backward."""
from __future__ import annotations

import pytest
import torch

from pinnkit.solvers.hc.layer import ConstraintProblem, SolveReport, solve_constraints
from pinnkit.solvers.hc.system import Block, key_maps

F64 = torch.float64


def toy_block(experts: int, points: int, nonlinear: bool, seed: int = 0, target=None) -> Block:
    """r = u_x + u^2 - f (nonlinear) or u_x + u - f, on random points x in [0, 1]; f = sin(x) by default."""
    g = torch.Generator().manual_seed(seed)
    pts = torch.rand(experts, points, 1, generator=g, dtype=F64)

    def fn(v):
        u = v["u"] ** 2 if nonlinear else v["u"]
        return (v["u_x"] + u - (torch.sin(v["x"]) if target is None else target)).unsqueeze(-1)

    return Block("residual", pts, torch.ones(experts, points, dtype=F64), key_maps(("u", "u_x", "x"), ("x",), ("u",)),
                 fn, 1.0)


def toy_mats(experts: int, points: int, coeffs: int, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    return {"": torch.randn(experts, points, coeffs, generator=g, dtype=F64),
            "x": torch.randn(experts, points, coeffs, generator=g, dtype=F64)}


def problem(block, linear, ift="gauss_newton", ridge=1e-4, tol=1e-13):
    return ConstraintProblem([block], n_basis=block_coeffs(block), ridge=ridge, linear=linear, max_steps=200,
                             rtol=tol, atol=tol, ift=ift)


def block_coeffs(block):
    return block.n_coeffs


def make(experts, points, coeffs, nonlinear, ift="gauss_newton", ridge=1e-4, solution=None):
    """The toy system; with ``solution`` (E, P) its data f are chosen so that F(solution) = 0."""
    mats = toy_mats(experts, points, coeffs)
    target = None
    if solution is not None:
        u = (mats[""] * solution.unsqueeze(1)).sum(-1)
        target = (mats["x"] * solution.unsqueeze(1)).sum(-1) + (u**2 if nonlinear else u)
    block = toy_block(experts, points, nonlinear, target=target)
    block.n_coeffs = coeffs
    return problem(block, linear=not nonlinear, ift=ift, ridge=ridge), mats


def test_linear_solution_matches_lstsq_on_the_augmented_system():
    cp, mats = make(experts=3, points=40, coeffs=7, nonlinear=False)
    w = solve_constraints(cp, [mats], torch.zeros(3, 7, dtype=F64))
    zero = torch.zeros(3, 7, dtype=F64)
    jac, f0 = cp.jacobian([mats], zero), cp.residual([mats], zero)
    for k in range(3):
        a = torch.cat([jac[k], cp.ridge**0.5 * torch.eye(7, dtype=F64)])
        b = torch.cat([-f0[k], torch.zeros(7, dtype=F64)])
        expected = torch.linalg.lstsq(a, b.unsqueeze(-1)).solution.squeeze(-1)
        assert (w[k] - expected).abs().max() <= 1e-10 * expected.abs().max()


def test_jacobian_by_key_sensitivities_equals_autodiff_jacobian():
    cp, mats = make(experts=2, points=9, coeffs=5, nonlinear=True)
    w = torch.randn(2, 5, dtype=F64, generator=torch.Generator().manual_seed(3))
    full = torch.autograd.functional.jacobian(lambda v: cp.residual([mats], v), w)  # (E, R, E, P)
    expected = torch.stack([full[k, :, k, :] for k in range(2)])
    assert torch.allclose(cp.jacobian([mats], w), expected, rtol=1e-12, atol=1e-12)


def test_affine_detection():
    lin, mats = make(2, 9, 5, nonlinear=False)
    non, _ = make(2, 9, 5, nonlinear=True)
    assert lin.is_affine([mats]) and not non.is_affine([mats])


@pytest.mark.parametrize("nonlinear", [False, True])
def test_gradcheck_exact_ift(nonlinear):
    """Overdetermined (residual nonzero at w*): the exact IFT gradient equals finite differences."""
    cp, mats = make(experts=2, points=8, coeffs=3, nonlinear=nonlinear, ift="exact", ridge=1e-3)
    a, b = (m.clone().requires_grad_(True) for m in (mats[""], mats["x"]))
    w0 = torch.zeros(2, 3, dtype=F64)
    assert torch.autograd.gradcheck(lambda a, b: solve_constraints(cp, [{"": a, "x": b}], w0), (a, b),
                                    eps=1e-6, atol=1e-6, rtol=1e-4)


@pytest.mark.parametrize("nonlinear", [False, True])
def test_gradcheck_gauss_newton_ift_where_the_constraints_hold(nonlinear):
    """A consistent overdetermined system (F(w*) = O(ridge) at the point of differentiation):
    there the terms the Gauss-Newton backward drops vanish, and it is exact."""
    solution = torch.tensor([[0.3, -0.2, 0.5], [0.1, 0.4, -0.3]], dtype=F64)
    cp, mats = make(experts=2, points=8, coeffs=3, nonlinear=nonlinear, ridge=1e-12, solution=solution)
    a, b = (m.clone().requires_grad_(True) for m in (mats[""], mats["x"]))
    w0 = solution + 0.05
    assert torch.autograd.gradcheck(lambda a, b: solve_constraints(cp, [{"": a, "x": b}], w0), (a, b),
                                    eps=1e-6, atol=1e-5, rtol=1e-3)


def test_gauss_newton_differs_from_exact_when_the_residual_stays():
    """Where F(w*) != 0 and F is nonlinear, the Gauss-Newton backward is an approximation: it must
    differ from the exact one (otherwise the exact mode tests nothing)."""
    grads = {}
    for ift in ("gauss_newton", "exact"):
        cp, mats = make(experts=1, points=8, coeffs=3, nonlinear=True, ift=ift, ridge=1e-3)
        a = mats[""].clone().requires_grad_(True)
        solve_constraints(cp, [{"": a, "x": mats["x"]}], torch.zeros(1, 3, dtype=F64)).sum().backward()
        grads[ift] = a.grad
    assert (grads["gauss_newton"] - grads["exact"]).abs().max() > 1e-3 * grads["exact"].abs().max()


def test_levenberg_marquardt_reaches_stationarity_and_reports_iterations():
    cp, mats = make(experts=3, points=12, coeffs=4, nonlinear=True)
    report = SolveReport()
    w = solve_constraints(cp, [mats], torch.zeros(3, 4, dtype=F64), report=report)
    jac, res = cp.jacobian([mats], w), cp.residual([mats], w)
    grad = (jac.transpose(1, 2) @ res.unsqueeze(-1)).squeeze(-1) + cp.ridge * w
    assert grad.abs().max() < 1e-9
    assert report.unconverged == 0 and 1 < report.iterations < 200


def test_levenberg_marquardt_out_of_steps_is_reported():
    cp, mats = make(experts=3, points=12, coeffs=4, nonlinear=True)
    cp.max_steps = 1
    report = SolveReport()
    solve_constraints(cp, [mats], torch.zeros(3, 4, dtype=F64), report=report)
    assert report.unconverged == 3
