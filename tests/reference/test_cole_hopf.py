"""Tests for the exact Cole-Hopf solution of viscous Burgers (pinnkit.reference.cole_hopf)."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from scipy.integrate import quad

from pinnkit.reference.cole_hopf import (
    burgers_sine_cole_hopf,
    burgers_sine_cole_hopf_grid,
    default_quadrature_nodes,
)

NU = 0.01 / np.pi


def _cole_hopf_by_quad(x: float, t: float, nu: float) -> float:
    """Independent reference: the other Cole-Hopf form, integrated adaptively in y.

    u = int (x - y)/t K dy / int K dy,  K = exp(-cos(pi y)/(2 pi nu) - (x - y)^2/(4 nu t)),
    the heat-kernel derivative moved onto the Gaussian instead of onto f (no Gauss-Hermite).
    The exponent is shifted by its maximum on a fine grid so that nothing overflows.
    """
    a, s2 = 1.0 / (2.0 * np.pi * nu), 4.0 * nu * t
    half_width = 1.5 + 12.0 * np.sqrt(s2)  # the peak lies within min(t, 1) of x
    lo, hi = x - half_width, x + half_width

    def log_kernel(y):
        return -a * np.cos(np.pi * y) - (x - y) ** 2 / s2

    shift = log_kernel(np.linspace(lo, hi, 20001)).max()
    opts = dict(points=np.linspace(lo, hi, int(2 * half_width) + 3)[1:-1], limit=2000,
                epsabs=0.0, epsrel=1e-13)
    num = quad(lambda y: (x - y) / t * np.exp(log_kernel(y) - shift), lo, hi, **opts)[0]
    den = quad(lambda y: np.exp(log_kernel(y) - shift), lo, hi, **opts)[0]
    return num / den


def _richardson(diff, h: float) -> np.ndarray:
    """Richardson-extrapolated finite difference: (4 D(h/2) - D(h)) / 3, error O(h^4)."""
    return (4.0 * diff(h / 2) - diff(h)) / 3.0


# 1. Published reference -------------------------------------------------------------------


def test_matches_published_burgers_shock(published_reference: Path):
    data = scipy.io.loadmat(published_reference / "burgers_shock.mat")
    x, t, usol = data["x"].ravel(), data["t"].ravel(), data["usol"]
    u = burgers_sine_cole_hopf_grid(x, t)
    assert u.shape == usol.shape == (256, 100)
    rel_l2 = np.linalg.norm(u - usol) / np.linalg.norm(usol)
    assert rel_l2 <= 1e-10, rel_l2  # measured 2.9e-12
    assert np.abs(u - usol).max() <= 1e-9  # measured 4.2e-11 (at the shock)


# 2. Quadrature convergence ----------------------------------------------------------------


def test_default_node_count_is_converged():
    x = np.linspace(-1.0, 1.0, 201)[:, None]
    t = np.array([0.01, 0.1, 0.3, 0.5, 0.8, 1.0])[None, :]
    n = default_quadrature_nodes(t, NU)
    u_n = burgers_sine_cole_hopf(x, t)
    u_2n = burgers_sine_cole_hopf(x, t, n_quad=2 * n)
    assert np.abs(u_n - u_2n).max() < 1e-12  # measured ~4e-15
    # the check has teeth: too few nodes miss the shock-time integrand by far more
    u_coarse = burgers_sine_cole_hopf(x, t, n_quad=40)
    assert np.abs(u_coarse - u_2n).max() > 1e-6


def test_node_count_grows_with_time_and_resolution_need():
    assert default_quadrature_nodes(0.1, NU) < default_quadrature_nodes(1.0, NU)
    assert default_quadrature_nodes([0.1, 1.0], NU) == default_quadrature_nodes(1.0, NU)
    assert default_quadrature_nodes(0.0, NU) == 2  # t = 0 needs no quadrature


# 3. PDE, boundary and initial conditions --------------------------------------------------


def test_pde_residual_is_small_away_from_shock():
    x = np.array([0.5, -0.4, 0.7, 0.3, -0.8, 0.15])
    t = np.array([0.2, 0.5, 0.9, 0.05, 0.7, 0.3])
    h = 1e-3
    u = burgers_sine_cole_hopf(x, t)
    u_t = _richardson(lambda e: (burgers_sine_cole_hopf(x, t + e)
                                 - burgers_sine_cole_hopf(x, t - e)) / (2 * e), h)
    u_x = _richardson(lambda e: (burgers_sine_cole_hopf(x + e, t)
                                 - burgers_sine_cole_hopf(x - e, t)) / (2 * e), h)
    u_xx = _richardson(lambda e: (burgers_sine_cole_hopf(x + e, t) - 2 * u
                                  + burgers_sine_cole_hopf(x - e, t)) / e**2, h)
    residual = u_t + u * u_x - NU * u_xx
    scale = np.abs(u_t) + np.abs(u * u_x) + np.abs(NU * u_xx)
    assert np.all(scale > 0.1)
    assert np.abs(residual / scale).max() < 1e-8  # measured 2.4e-10 (finite-difference limited)


def test_boundary_values_vanish():
    t = np.linspace(0.01, 1.0, 50)
    for x_b in (-1.0, 1.0):
        assert np.abs(burgers_sine_cole_hopf(x_b, t)).max() <= 1e-12


def test_initial_condition_is_exact():
    x = np.linspace(-1.0, 1.0, 257)
    np.testing.assert_array_equal(burgers_sine_cole_hopf(x, 0.0), -np.sin(np.pi * x))
    # t = 0 stays exact when mixed with t > 0 in one call
    u = burgers_sine_cole_hopf(x[:, None], np.array([0.0, 0.5])[None, :])
    np.testing.assert_array_equal(u[:, 0], -np.sin(np.pi * x))


def test_small_time_approaches_initial_condition():
    x = np.linspace(-0.9, 0.9, 19)
    u = burgers_sine_cole_hopf(x, 1e-8)
    assert np.abs(u + np.sin(np.pi * x)).max() < 1e-6


# 4. Other viscosities ---------------------------------------------------------------------


@pytest.mark.parametrize("nu", [0.1 / np.pi, 1e-3 / np.pi])
def test_other_viscosities_match_adaptive_quadrature(nu):
    points = [(-0.9, 0.25), (-0.3, 0.8), (0.05, 0.5), (0.5, 1.0), (0.77, 0.1)]
    x, t = np.array(points).T
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no node-cap warning in this range
        u = burgers_sine_cole_hopf(x, t, nu=nu)
    reference = np.array([_cole_hopf_by_quad(xi, ti, nu) for xi, ti in points])
    assert np.abs(u - reference).max() <= 1e-10  # measured ~1e-15 (0.1/pi), ~1e-14 (1e-3/pi)


def test_small_viscosity_stays_finite_and_bounded():
    x = np.linspace(-1.0, 1.0, 401)[:, None]
    t = np.array([0.05, 0.3, 1.0])[None, :]
    u = burgers_sine_cole_hopf(x, t, nu=1e-3 / np.pi)
    assert np.all(np.isfinite(u))
    assert np.abs(u).max() <= 1.0 + 1e-12  # maximum principle
    with pytest.warns(RuntimeWarning, match="capped"):
        u_tiny = burgers_sine_cole_hopf(x, t, nu=1e-8)  # exponent amplitude ~1.6e7
    assert np.all(np.isfinite(u_tiny)) and np.abs(u_tiny).max() <= 1.0 + 1e-12


# Shapes and chunking ------------------------------------------------------------------------


def test_broadcasting_and_grid_shapes():
    u = burgers_sine_cole_hopf(np.zeros((3, 1)), np.full((1, 4), 0.5))
    assert u.shape == (3, 4) and u.dtype == np.float64
    assert burgers_sine_cole_hopf(0.2, 0.3).shape == ()
    grid = burgers_sine_cole_hopf_grid(np.linspace(-1, 1, 7), np.linspace(0, 1, 5))
    assert grid.shape == (7, 5)


def test_chunked_evaluation_matches_pointwise():
    rng = np.random.default_rng(0)
    x, t = rng.uniform(-1, 1, 12000), rng.uniform(0, 1, 12000)  # several chunks
    u = burgers_sine_cole_hopf(x, t, n_quad=300)
    idx = rng.choice(x.size, 20, replace=False)
    pointwise = [burgers_sine_cole_hopf(x[i], t[i], n_quad=300) for i in idx]
    np.testing.assert_allclose(u[idx], pointwise, rtol=0, atol=1e-15)


# 5. Error paths -----------------------------------------------------------------------------


@pytest.mark.parametrize("nu", [0.0, -0.01, np.nan, np.inf])
def test_rejects_bad_viscosity(nu):
    with pytest.raises(ValueError, match="nu must be a finite positive"):
        burgers_sine_cole_hopf(0.0, 0.5, nu=nu)


def test_rejects_negative_time():
    with pytest.raises(ValueError, match="t must be non-negative"):
        burgers_sine_cole_hopf(np.zeros(3), np.array([0.1, -1e-3, 0.2]))


@pytest.mark.parametrize("x, t", [(np.nan, 0.5), (0.0, np.inf), (np.array([0.1, -np.inf]), 0.2)])
def test_rejects_non_finite_input(x, t):
    with pytest.raises(ValueError, match="must be finite"):
        burgers_sine_cole_hopf(x, t)


def test_rejects_x_outside_domain_with_slack():
    with pytest.raises(ValueError, match=r"x must lie in \[-1, 1\]"):
        burgers_sine_cole_hopf(np.array([0.0, 1.0 + 1e-9]), 0.5)
    u = burgers_sine_cole_hopf(np.array([-1.0 - 1e-13, 1.0 + 1e-13]), 0.5)
    assert np.abs(u).max() <= 1e-12


@pytest.mark.parametrize("n_quad", [1, 0, 2.5])
def test_rejects_bad_node_count(n_quad):
    with pytest.raises(ValueError, match="n_quad must be an integer >= 2"):
        burgers_sine_cole_hopf(0.0, 0.5, n_quad=n_quad)
