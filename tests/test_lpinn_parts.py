"""LPINN's parts: periodic re-gridding, the physical-space derivatives through J, crossing detection."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from scipy.interpolate import PchipInterpolator

import pinnkit
from pinnkit.registry import get_problem
from pinnkit.solvers.lpinn import LagrangianModel, LPINNConfig
from pinnkit.solvers.lpinn.regrid import crossings, periodic_interpolate
from pinnkit.solvers.lpinn.residuals import physical_jet, transport_speed

TWO_PI = 2 * math.pi


def test_periodic_pchip_equals_scipy_on_the_periodic_extension():
    g = np.random.default_rng(0)
    rows, n = 3, 40
    knots = np.sort(g.uniform(0, 1, (rows, n)), axis=1) + g.uniform(-3, 3, (rows, 1))  # any offset: wrapped
    values = g.normal(size=(rows, n))
    queries = g.uniform(-1, 2, 500)
    which = g.integers(0, rows, 500)
    got = periodic_interpolate(torch.tensor(knots), torch.tensor(values), torch.tensor(which),
                               torch.tensor(queries), 0.0, 1.0).numpy()
    for r in range(rows):
        x = np.mod(knots[r], 1.0)
        order = np.argsort(x)
        x, y = x[order], values[r][order]
        ext_x = np.concatenate([x[-5:] - 1, x, x[:5] + 1])
        ext_y = np.concatenate([y[-5:], y, y[:5]])
        pick = which == r
        expected = PchipInterpolator(ext_x, ext_y)(np.mod(queries[pick], 1.0))
        assert np.abs(got[pick] - expected).max() < 1e-12
    linear = periodic_interpolate(torch.tensor(knots), torch.tensor(values), torch.tensor(which),
                                  torch.tensor(queries), 0.0, 1.0, method="linear").numpy()
    r0 = which == 0
    x = np.mod(knots[0], 1.0)
    expected = np.interp(np.mod(queries[r0], 1.0), x[np.argsort(x)], values[0][np.argsort(x)], period=1.0)
    assert np.abs(linear[r0] - expected).max() < 1e-12


def _inviscid_burgers(x: np.ndarray, t: float, c: float) -> np.ndarray:
    """u(x, t) of u_t + u u_x = 0, u0 = sin x + c, before the shock (t < 1): u = u0(x0), x = x0 + t u0(x0)."""
    x0 = x - t * (np.sin(x) + c)
    for _ in range(60):
        x0 = x0 - (x0 + t * (np.sin(x0) + c) - x) / (1 + t * np.cos(x0))
    return np.sin(x0) + c


def _burgers_model(module, n_labels: int, c: float = 0.5) -> LagrangianModel:
    """The exact Lagrangian solution of inviscid Burgers, u0 = sin x + c: u = u0(x0), x_L = x0 + t u0(x0)."""
    state = module(lambda p: torch.sin(p[:, :1]) + c)
    characteristic = module(lambda p: p[:, :1] + p[:, 1:] * (torch.sin(p[:, :1]) + c))
    return LagrangianModel(state, characteristic, 0.0, TWO_PI, n_labels=n_labels)


def test_regridding_an_exact_lagrangian_solution_gives_the_eulerian_one_to_interpolation_accuracy(function_module):
    x = np.linspace(0, TWO_PI, 300, endpoint=False)
    t = np.array([0.0, 0.3, 0.6, 0.9])
    points = torch.tensor(np.stack(np.meshgrid(x, t, indexing="ij"), -1).reshape(-1, 2))
    exact = np.concatenate([_inviscid_burgers(x, ti, 0.5)[:, None] for ti in t], axis=1).reshape(-1)
    errors = {n: np.abs(_burgers_model(function_module, n)(points)[:, 0].detach().numpy() - exact).max()
              for n in (256, 512)}
    assert errors[512] < 1e-5  # steep (J = 0.1 at t = 0.9) yet monotone-cubic accurate
    assert 3.5 < errors[256] / errors[512] < 20  # second order at least (PCHIP's slopes at extrema are O(h))


def test_crossing_characteristics_are_reported_not_silently_interpolated(function_module):
    model = _burgers_model(function_module, 256)
    x = torch.linspace(0, 6, 10, dtype=torch.float64)
    with pytest.warns(RuntimeWarning, match=r"characteristics cross at 2 of the 3 times asked for, from t = 1.2"):
        model(torch.stack([x.repeat(3), torch.tensor([0.5, 1.2, 1.5], dtype=torch.float64).repeat_interleave(10)], 1))
    rows = torch.tensor([[0.0, 1.0, 2.0], [0.0, 2.0, 1.0], [0.5, 1.0, 6.6]], dtype=torch.float64)
    assert crossings(rows, 6.0).tolist() == [False, True, True]  # the last one passes its periodic neighbour


def test_physical_diffusion_through_j_matches_finite_differences_of_the_eulerian_field():
    """x_L = x0 + 0.3 t sin x0 (J = 1 + 0.3 t cos x0), u = cos(2 x0) e^-t; u_x, u_xx in physical
    space against fourth-order central differences of u(x0(x, t), t) with x0 found by Newton."""
    problem = get_problem("burgers1d_pdebench")  # only its names and its u_xx term matter here
    model = SimpleNamespace(state=lambda p: torch.cos(2 * TWO_PI * p[:, :1]) * torch.exp(-p[:, 1:]),
                            characteristic=lambda p: p[:, :1] + 0.3 * p[:, 1:] * torch.sin(TWO_PI * p[:, :1]) / TWO_PI)
    g = torch.Generator().manual_seed(1)
    points = torch.rand(50, 2, generator=g, dtype=torch.float64)
    jet, _ = physical_jet(problem, model, points)
    label, _ = physical_jet(problem, model, points, diffusion="label")

    def eulerian(x, t):
        x0 = x.clone()
        for _ in range(60):
            x0 = x0 - (x0 + 0.3 * t * torch.sin(TWO_PI * x0) / TWO_PI - x) / (1 + 0.3 * t * torch.cos(TWO_PI * x0))
        return torch.cos(2 * TWO_PI * x0) * torch.exp(-t)

    x, t, h = jet["x"].detach(), points[:, 1], 1e-3
    f = [eulerian(x + k * h, t) for k in (-2, -1, 0, 1, 2)]
    first = (f[0] - 8 * f[1] + 8 * f[3] - f[4]) / (12 * h)
    second = (-f[0] + 16 * f[1] - 30 * f[2] + 16 * f[3] - f[4]) / (12 * h * h)
    assert torch.allclose(jet["u_x"], first, atol=1e-8 * float(first.abs().max()), rtol=0)
    assert torch.allclose(jet["u_xx"], second, atol=1e-8 * float(second.abs().max()), rtol=0)
    assert (label["u_xx"] - second).abs().max() > 0.05 * second.abs().max()  # the label form is not exact


def test_the_characteristic_scale_is_the_largest_initial_transport_speed():
    assert transport_speed(get_problem("advection1d", beta=0.4)) == pytest.approx(0.4)
    u0 = get_problem("burgers1d_pdebench", seed=3).initial_condition
    x = torch.arange(1024, dtype=torch.float64)[:, None] / 1024
    assert transport_speed(get_problem("burgers1d_pdebench", seed=3)) == pytest.approx(float(u0.value(x).abs().max()))


def test_paper_weights_preset_and_its_conflicts():
    paper = LPINNConfig(weights="paper")
    assert (paper.w_characteristic, paper.w_residual, paper.w_initial, paper.norm) == (10.0, 1.0, 1000.0, "rms")
    with pytest.raises(ValueError, match=r"weights='paper' sets .*do not also set \['w_initial'\]"):
        LPINNConfig(weights="paper", w_initial=5.0)
    with pytest.raises(ValueError, match="diffusion"):
        LPINNConfig(diffusion="eulerian")


def test_refusals_name_the_reason():
    with pytest.raises(ValueError, match=r"problem 'heat1d' declares no transport velocity"):
        pinnkit.solve("heat1d", solver="lpinn")
    with pytest.raises(ValueError, match=r"LPINN needs a periodic domain.*'burgers1d' has boundary conditions"):
        pinnkit.solve("burgers1d", solver="lpinn")
    with pytest.raises(ValueError, match=r"one field in one space dimension.*'burgers2d'"):
        pinnkit.solve("burgers2d", solver="lpinn")
