"""Cosine (Neumann) ETDRK4: exact coupled linear modes, the reaction ODE, wall conditions."""
import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from pinnkit.reference.cosine import CosineGrid, CosineSolution, solve_neumann

LOWS, LENGTHS = (-1.0, 0.0), (2.0, 3.0)


def _coupled(du, dv):
    """u_t = du Lap u + u - v, v_t = dv Lap v + u - v: linear, coupled, no cubic term."""

    def linear(k):
        lap = -sum(c**2 for c in k)
        return np.stack([du * lap + 1.0, dv * lap - 1.0])

    def nonlinear(w):
        return np.stack([-w[1], w[0]])

    return linear, nonlinear


def test_coupled_linear_cosine_mode_matches_the_matrix_exponential():
    du, dv, (m, n) = 0.02, 0.05, (2, 3)
    grid = CosineGrid((24, 20), LOWS, LENGTHS)
    kx, ky = math.pi * m / LENGTHS[0], math.pi * n / LENGTHS[1]
    mode = np.cos(kx * (grid.centres[0][:, None] + 1.0)) * np.cos(ky * grid.centres[1][None, :])
    w0 = np.stack([0.7 * mode, -0.4 * mode])
    t = np.linspace(0.0, 2.0, 5)
    values = solve_neumann(w0, LOWS, LENGTHS, *_coupled(du, dv), t, dt=0.01)
    lam = kx**2 + ky**2
    matrix = np.array([[1 - du * lam, -1.0], [1.0, -dv * lam - 1]])
    amp = np.stack([expm(matrix * s) @ np.array([0.7, -0.4]) for s in t])  # (nt, 2)
    exact = amp[:, :, None, None] * mode
    assert np.abs(values - exact).max() < 1e-10
    # off the grid and between snapshots: spectral in space, Hermite in time (error ~ h^4 / 384 |w''''|)
    solution = CosineSolution(t, values, LOWS, LENGTHS, *_coupled(du, dv))
    pts = np.array([[-1.0, 0.0, 0.3], [0.37, 2.9, 1.1], [1.0, 3.0, 2.0], [-0.5, 1.2, 0.0]])
    expected = np.stack([expm(matrix * p[2]) @ np.array([0.7, -0.4]) * math.cos(kx * (p[0] + 1)) * math.cos(ky * p[1])
                         for p in pts])
    fourth = max(np.abs(np.linalg.matrix_power(matrix, 4) @ expm(matrix * s) @ [0.7, -0.4]).max()
                 for s in np.linspace(0, 2, 201))
    assert np.abs(solution(pts) - expected).max() < 0.5**4 / 384 * fourth  # the Hermite bound: 8e-4
    assert np.abs(solution(pts[[2, 3]]) - expected[[2, 3]]).max() < 1e-10  # at snapshot times


def test_uniform_state_follows_the_reaction_ode():
    """A constant field stays constant: the solver must reproduce the ODE u' = u - u^3 - k - v, v' = u - v."""
    k = 5e-3

    def linear(kk):
        lap = -sum(c**2 for c in kk)
        return np.stack([1e-3 * lap + 1.0, 5e-3 * lap - 1.0])

    def nonlinear(w):
        return np.stack([-w[0] ** 3 - k - w[1], w[0]])

    t = np.linspace(0.0, 3.0, 7)
    values = solve_neumann(np.stack([np.full((8, 8), 1.7), np.full((8, 8), -0.9)]), LOWS, LENGTHS,
                           linear, nonlinear, t, dt=2e-3)
    ode = solve_ivp(lambda _, w: [w[0] - w[0] ** 3 - k - w[1], w[0] - w[1]], (0, 3), [1.7, -0.9], t_eval=t,
                    rtol=1e-12, atol=1e-14, method="DOP853")
    assert np.abs(values - ode.y.T[:, :, None, None]).max() < 1e-9


def test_grid_and_input_errors():
    grid = CosineGrid((4, 6), LOWS, LENGTHS)
    np.testing.assert_allclose(grid.centres[0], [-0.75, -0.25, 0.25, 0.75])
    values = np.random.default_rng(0).standard_normal((2, 4, 6))
    np.testing.assert_allclose(grid.inverse(grid.forward(values)), values, atol=1e-14)
    # amplitudes: the cosine series at the centres gives back the values
    a = grid.amplitudes(grid.forward(values))
    series = np.einsum("im,fmn,jn->fij", np.cos(grid.k[0].ravel()[None, :] * (grid.centres[0][:, None] + 1)), a,
                       np.cos(grid.k[1].ravel()[None, :] * grid.centres[1][:, None]))
    np.testing.assert_allclose(series, values, atol=1e-13)
    with pytest.raises(ValueError, match="w0 must be finite values shaped"):
        solve_neumann(np.zeros((4, 6)), LOWS, LENGTHS, lambda k: 0.0, lambda w: w, [0.0, 1.0], 0.1)
    with pytest.raises(ValueError, match="dt must be a positive finite number"):
        solve_neumann(np.zeros((1, 4, 6)), LOWS, LENGTHS, lambda k: 0.0, lambda w: w, [0.0, 1.0], -1.0)
