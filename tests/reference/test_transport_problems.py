"""Transport-dominated catalogue problems: convection1d and burgers1d_shock, both with exact references.

burgers1d_shock's exact reference is checked against the Fourier ETDRK4 solver and an independent
copy of its formula: with v the Cole-Hopf solution
of burgers1d (u_t + u u_x = nu' u_xx on [-1, 1], u0 = -sin(pi x), zero at both ends), the map
x = pi (xi + 1), t = pi tau turns it into the odd, periodic solution of u_t + u u_x = nu u_xx,
u0 = sin x on [0, 2 pi) for nu' = nu / pi; the Galilean shift u = c + v(x - c t, t) then adds
the mean c (the shock moves at speed c).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import pinnkit
from pinnkit.reference.cole_hopf import burgers_sine_cole_hopf
from pinnkit.reference.spectral import burgers_terms, integrate_terms

TWO_PI = 2 * math.pi


def interior(problem, n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    return problem.domain.sample_interior(n, generator=g, dtype=torch.float64)


# --------------------------------------------------------------------------- convection1d
@pytest.mark.parametrize("beta, nu", [(30.0, 0.0), (30.0, 0.01), (1.0, 0.5)])
def test_convection_exact_solution_has_zero_residual(beta, nu):
    problem = pinnkit.get_problem("convection1d", beta=beta, nu=nu)
    pts = interior(problem)
    residual = problem.residual(problem.reference.fn, pts)
    assert residual.shape == (len(pts), 1)
    assert residual.abs().max().item() < 1e-10
    # the check has teeth: the same solution misses the PDE of a slightly different beta / nu
    other = pinnkit.get_problem("convection1d", beta=beta + 0.5, nu=nu + 0.01)
    assert other.residual(problem.reference.fn, pts).abs().max().item() > 1e-3


def test_convection_solution_values_initial_condition_and_periodicity():
    problem = pinnkit.get_problem("convection1d", beta=30.0, nu=0.01)
    pts = interior(problem)
    x, t = pts[:, 0], pts[:, 1]
    expected = torch.exp(-0.01 * t) * torch.sin(x - 30.0 * t)
    assert (problem.reference(pts)[:, 0] - expected).abs().max().item() < 1e-14
    start = pts.clone()
    start[:, 1] = 0.0
    assert (problem.reference(start)[:, 0] - torch.sin(x)).abs().max().item() < 1e-15
    assert (problem.initial_condition.value(start[:, :1])[:, 0] - torch.sin(x)).abs().max().item() == 0.0
    lo, hi = pts.clone(), pts.clone()
    lo[:, 0], hi[:, 0] = 0.0, TWO_PI
    assert (problem.reference(lo) - problem.reference(hi)).abs().max().item() < 1e-12
    assert problem.periodic == ("x",)


def test_convection_pde_declarations():
    pure = pinnkit.get_problem("convection1d")
    assert pure.params == {"beta": 30.0, "nu": 0.0, "t_final": 1.0}
    assert "u_xx" not in pure.pde.requires and "u_x" in pure.pde.requires
    assert "u_xx" in pinnkit.get_problem("convection1d", nu=0.01).pde.requires
    # advecting velocity beta: along characteristics u is constant (nu = 0) or diffuses (nu > 0)
    u = torch.linspace(-1.0, 1.0, 5, dtype=torch.float64)
    jet = {"u": u, "u_x": 2 * u + 0.3, "u_xx": u - 0.1}
    (velocity,) = pure.pde.advection.velocity(jet)
    assert torch.all(velocity == 30.0)
    assert pure.pde.lagrangian_rhs(jet).abs().max().item() < 1e-13
    diffusive = pinnkit.get_problem("convection1d", beta=5.0, nu=0.2)
    assert torch.allclose(diffusive.pde.lagrangian_rhs(jet)[:, 0], 0.2 * jet["u_xx"], rtol=0, atol=1e-14)


def test_convection_reference_grid():
    grid = pinnkit.get_problem("convection1d", t_final=0.5).reference.grid()
    x, t = grid.axes
    assert grid.values.shape == (256, 101, 1)
    assert x[0] == 0.0 and x[-1] < TWO_PI and np.allclose(np.diff(x), TWO_PI / 256)
    assert t[0] == 0.0 and t[-1] == 0.5
    assert np.abs(grid.values[..., 0] - np.sin(x[:, None] - 30.0 * t[None, :])).max() < 1e-14


@pytest.mark.parametrize("params, name", [
    ({"nu": -1.0}, "nu"), ({"nu": math.inf}, "nu"), ({"beta": 0.0}, "beta"), ({"beta": -30.0}, "beta"),
    ({"beta": math.nan}, "beta"), ({"t_final": 0.0}, "t_final"),
])
def test_convection_parameters_are_validated(params, name):
    with pytest.raises(ValueError, match=f"parameter {name} must be"):
        pinnkit.get_problem("convection1d", **params)


# --------------------------------------------------------------------------- burgers1d_shock
def cole_hopf_shock(x, t, c: float, nu: float):
    """Exact u of u_t + u u_x = nu u_xx, u0 = sin x + c on [0, 2 pi) periodic (see module docstring)."""
    xi = np.mod(np.asarray(x) - c * np.asarray(t), TWO_PI) / math.pi - 1
    return c + burgers_sine_cole_hopf(xi, np.asarray(t) / math.pi, nu=nu / math.pi)


@pytest.fixture(scope="module")
def shock():
    """The default problem and its reference grid (computed once, ~8 s, or read from the disk cache)."""
    problem = pinnkit.get_problem("burgers1d_shock")
    return problem, problem.reference.grid()


def test_burgers_shock_exact_reference_agrees_with_the_spectral_solver(shock):
    """Fourier ETDRK4, 4096 modes, dt 1e-4 (~8 s) against the exact reference on its 1024 x 101 grid:
    measured 1.4e-10 max, 2.8e-12 relative."""
    problem, grid = shock
    x, t = grid.axes
    assert grid.values.shape == (1024, 101, 1)
    assert np.allclose(np.diff(t), 0.02) and t[-1] == 2.0 and x[-1] < TWO_PI
    x_modes = TWO_PI * np.arange(4096) / 4096
    spectral = integrate_terms(np.sin(x_modes) + 1.0, (TWO_PI,), burgers_terms(0.01), t, 1e-4)[:, ::4].T
    diff = grid.values[..., 0] - spectral
    assert np.abs(diff).max() < 1e-9
    assert np.linalg.norm(diff) / np.linalg.norm(spectral) < 1e-10
    # the callable agrees with the grid, and with the independent formula off the grid
    pts = np.stack([np.linspace(0.0, TWO_PI, 77, endpoint=False) + 0.001, np.full(77, 1.61)], axis=1)
    assert np.abs(problem.reference(pts)[:, 0] - cole_hopf_shock(pts[:, 0], pts[:, 1], 1.0, 0.01)).max() < 1e-12


def test_burgers_shock_initial_condition_and_mean(shock):
    problem, grid = shock
    pts = interior(problem, n=100)
    pts[:, 1] = 0.0
    expected = torch.sin(pts[:, 0]) + 1.0
    assert (problem.reference(pts)[:, 0] - expected).abs().max().item() < 1e-12
    assert (problem.initial_condition.value(pts[:, :1])[:, 0] - expected).abs().max().item() == 0.0
    # periodic Burgers conserves the mean: it stays c at every snapshot
    assert np.abs(grid.values[..., 0].mean(axis=0) - 1.0).max() < 1e-10


def test_burgers_shock_forms_at_pi_plus_c_and_travels_at_c(shock):
    """sin x + c steepens at x = pi + c t; the shock forms at t ~ 1 and moves on at speed c = 1."""
    _, grid = shock
    x, t = grid.axes
    u = grid.values[..., 0]
    slope = (np.roll(u, -1, axis=0) - u) / (x[1] - x[0])  # forward difference, periodic
    where = x[np.argmin(slope, axis=0)] + (x[1] - x[0]) / 2
    formed, final = int(np.argmin(np.abs(t - 1.0))), len(t) - 1
    # steep (a shock ~ 2 nu = 0.02 wide, jump ~ 1.7 at t = 2) only once formed; smooth before
    assert slope[:, int(np.argmin(np.abs(t - 0.5)))].min() > -3.0
    assert slope[:, final].min() < -30.0  # measured -43 (-11 at t = 1, -2 at t = 0.5)
    for i in (formed, final):
        assert abs(where[i] - (math.pi + t[i])) < 2 * (x[1] - x[0])
    assert abs((where[final] - where[formed]) - (t[final] - t[formed])) < 2 * (x[1] - x[0])


def test_burgers_shock_reference_satisfies_pde_before_the_shock(shock, fd_jet):
    """Finite-difference residual of the exact reference at random (x, t), t in [0.1, 0.5] (smooth
    there: the stencil's own error stays small), relative to the largest term."""
    problem, _ = shock
    rng = np.random.default_rng(3)
    pts = np.stack([rng.uniform(0.1, TWO_PI - 0.1, 60), rng.uniform(0.1, 0.5, 60)], axis=1)
    jet = fd_jet(problem.reference, pts, problem.coords, problem.fields, problem.pde.requires, h=1e-3)
    scale = max(v.abs().max().item() for v in jet.values())
    assert problem.pde.residual(jet).abs().max().item() / scale < 1e-6
    assert problem.pde.equations[0].requires == ("u", "u_x", "u_xx")
    (velocity,) = problem.pde.advection.velocity({"u": jet["u"]})
    assert torch.equal(velocity, jet["u"])


@pytest.mark.parametrize("params, name", [
    ({"c": math.nan}, "c"), ({"c": math.inf}, "c"), ({"nu": 0.0}, "nu"), ({"nu": -0.01}, "nu"),
    ({"t_final": -1.0}, "t_final"),
])
def test_burgers_shock_parameters_are_validated(params, name):
    with pytest.raises(ValueError, match=f"parameter {name} must be"):
        pinnkit.get_problem("burgers1d_shock", **params)


def test_burgers_shock_parameters_reach_the_problem():
    problem = pinnkit.get_problem("burgers1d_shock", c=-2.5, nu=0.02, t_final=0.5)
    assert problem.params == {"c": -2.5, "nu": 0.02, "t_final": 0.5}
    pts = torch.tensor([[0.3, 0.0], [4.0, 0.0]], dtype=torch.float64)
    assert torch.allclose(problem.initial_condition.value(pts[:, :1])[:, 0], torch.sin(pts[:, 0]) - 2.5)
    assert "u_xx" in problem.pde.requires


@pytest.mark.slow
def test_burgers_shock_finer_spectral_solve_agrees_to_rounding(shock):
    """8192 modes and dt 2.5e-5 against the exact reference (measured 1.4e-12 max; ~50 s)."""
    _, grid = shock
    x_fine = TWO_PI * np.arange(8192) / 8192
    fine = integrate_terms(np.sin(x_fine) + 1.0, (TWO_PI,), burgers_terms(0.01), grid.axes[1], 2.5e-5)
    assert np.abs(grid.values[..., 0] - fine[:, ::8].T).max() < 1e-10


@pytest.mark.slow
@pytest.mark.parametrize("c", [0.0, -2.5])
def test_burgers_shock_other_speeds_agree_with_the_spectral_solver(c):
    """Shocks at rest and moving left: the exact reference against ETDRK4 at dt = 1e-4 / ceil|c|."""
    grid = pinnkit.get_problem("burgers1d_shock", c=c, t_final=1.6).reference.grid()
    x_modes = TWO_PI * np.arange(4096) / 4096
    spectral = integrate_terms(np.sin(x_modes) + c, (TWO_PI,), burgers_terms(0.01), grid.axes[1],
                               1e-4 / max(1, math.ceil(abs(c))))
    assert np.abs(grid.values[..., 0] - spectral[:, ::4].T).max() < 1e-9
