"""Checks of the lid-driven cavity reference solver against Ghia et al. (1982) and itself.

Grid: 129 x 129 for the Ghia comparisons (the grid of Ghia's tables); Re = 100 with n = 33, 65,
129 for the grid-convergence study.  Measured on the development machine (2 cores): Re 100 in
about 1.5 s, Re 400 in about 4 s, Re 1000 (slow) in about 8 s.
"""
from __future__ import annotations

import numpy as np
import pytest

from pinnkit.reference.cavity import CavitySolution, solve_lid_driven_cavity
from pinnkit.reference.ghia import GHIA_REYNOLDS, ghia_centerlines

GHIA_N = 129


@pytest.fixture(scope="module")
def solutions() -> dict[tuple[float, int], CavitySolution]:
    """Solutions computed once per module, keyed by (Re, n)."""
    cache: dict[tuple[float, int], CavitySolution] = {}

    def get(re: float, n: int) -> CavitySolution:
        if (re, n) not in cache:
            cache[(re, n)] = solve_lid_driven_cavity(re=re, n=n)
        return cache[(re, n)]

    return get


def _ghia_differences(sol: CavitySolution, re: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """Solver minus Ghia at Ghia's points (bicubic interpolation of the solver's grid values)."""
    table = ghia_centerlines(re)
    du = sol.u_centerline(table["y"]) - table["u"]
    dv = sol.v_centerline(table["x"]) - table["v"]
    return du, dv, table


@pytest.mark.parametrize("re", [100, 400])
def test_centerlines_match_ghia(solutions, re):
    """Within 1% of the lid speed at every reliable tabulated point (measured 0.0084 / 0.0053)."""
    sol = solutions(float(re), GHIA_N)
    du, dv, table = _ghia_differences(sol, re)
    assert sol.residual <= 1e-10 and sol.iterations >= 1
    assert np.abs(du[table["u_reliable"]]).max() <= 0.01
    assert np.abs(dv[table["v_reliable"]]).max() <= 0.01


def test_ghia_re400_outlier_is_an_outlier(solutions):
    """The one flagged entry (Table II, Re 400, x = 0.9063) is far off the converged profile."""
    sol = solutions(400.0, GHIA_N)
    _, dv, table = _ghia_differences(sol, 400)
    assert np.count_nonzero(~table["v_reliable"]) == 1
    assert table["x"][~table["v_reliable"]][0] == pytest.approx(0.9063)
    assert abs(dv[~table["v_reliable"]][0]) > 0.1  # solver about -0.382, Ghia -0.23827


@pytest.mark.slow
def test_centerlines_match_ghia_re1000(solutions):
    """Re 1000 on 129 x 129 (measured 0.0137 for u, 0.0079 for v).

    Ghia's own Re 1000 profiles differ by about 1% of the lid speed from grid-converged
    solutions, so the bound here is 2%.
    """
    sol = solutions(1000.0, GHIA_N)
    du, dv, _ = _ghia_differences(sol, 1000)
    assert np.abs(du).max() <= 0.02
    assert np.abs(dv).max() <= 0.02


def test_ghia_tables_are_consistent():
    """Coordinates are Ghia's 129-grid points, rows are sorted, wall values are the BCs."""
    for re in GHIA_REYNOLDS:
        t = ghia_centerlines(re)
        assert len(t["y"]) == len(t["x"]) == 17
        np.testing.assert_allclose(t["y"], (t["y_point"] - 1) / 128, atol=5.0001e-5, rtol=0)
        np.testing.assert_allclose(t["x"], (t["x_point"] - 1) / 128, atol=5.0001e-5, rtol=0)
        assert np.all(np.diff(t["y"]) > 0) and np.all(np.diff(t["x"]) > 0)
        assert (t["u"][0], t["u"][-1], t["v"][0], t["v"][-1]) == (0.0, 1.0, 0.0, 0.0)
    assert ghia_centerlines(100)["u"][8] == -0.20581  # u(0.5, 0.5), Table I
    assert ghia_centerlines(1000)["v"][8] == 0.02526  # v(0.5, 0.5), Table II


def test_boundary_conditions_are_exact(solutions):
    sol = solutions(100.0, GHIA_N)
    assert np.all(sol.u[:, -1] == 1.0)  # lid, corners included
    walls_u = (sol.u[0, :-1], sol.u[-1, :-1], sol.u[:, 0])
    walls_v = (sol.v[0], sol.v[-1], sol.v[:, 0], sol.v[:, -1])
    for field in walls_u + walls_v:
        assert np.all(field == 0.0)
    walls = np.concatenate([sol.psi[0], sol.psi[-1], sol.psi[:, 0], sol.psi[:, -1]])
    assert np.abs(walls).max() <= 1e-14


def test_mass_is_conserved(solutions):
    """Central-difference divergence vanishes; net flux through grid lines is O(h²) / O(h)."""
    sol = solutions(100.0, GHIA_N)
    h = sol.x[1] - sol.x[0]
    div = (sol.u[2:, 1:-1] - sol.u[:-2, 1:-1] + sol.v[1:-1, 2:] - sol.v[1:-1, :-2]) / (2 * h)
    assert np.abs(div).max() <= 1e-12
    flux_through_rows = np.trapezoid(sol.v, sol.x, axis=0)  # ∫ v dx on each y = const
    flux_through_columns = np.trapezoid(sol.u, sol.y, axis=1)  # ∫ u dy; lid jump makes it O(h)
    assert np.abs(flux_through_rows).max() <= 1e-3  # measured 2.6e-4
    assert np.abs(flux_through_columns).max() <= 5e-3  # measured 2.9e-3


def test_pressure_balances_momentum(solutions):
    """p(0.5, 0.5) = 0 and ∇p = -(u·∇)u + ∇²u / Re holds in the core (measured 1.7e-3)."""
    sol = solutions(100.0, GHIA_N)
    h = sol.x[1] - sol.x[0]
    u, v, p = sol.u, sol.v, sol.p
    assert abs(sol.p[64, 64]) <= 1e-12  # node (0.5, 0.5) of the 129 grid
    u_x, u_y = np.gradient(u, h)
    v_x, v_y = np.gradient(v, h)
    p_x, p_y = np.gradient(p, h)
    res_x = u * u_x + v * u_y + p_x - _laplacian(u, h) / sol.re
    res_y = u * v_x + v * v_y + p_y - _laplacian(v, h) / sol.re
    core = np.ix_((sol.x >= 0.25) & (sol.x <= 0.75), (sol.y >= 0.25) & (sol.y <= 0.75))
    assert np.isfinite(p).all()
    assert max(np.abs(res_x[core]).max(), np.abs(res_y[core]).max()) <= 5e-3


def test_grid_convergence_is_second_order(solutions):
    """Re 100 centre lines on n = 33, 65, 129 at the coarse nodes (measured orders 2.07, 2.03)."""
    grids = [solutions(100.0, n) for n in (33, 65, 129)]
    profiles = {
        "u": [s.u[(len(s.x) - 1) // 2, :: 2**k] for k, s in enumerate(grids)],
        "v": [s.v[:: 2**k, (len(s.y) - 1) // 2] for k, s in enumerate(grids)],
    }
    for name, (coarse, medium, fine) in profiles.items():
        e_coarse = np.abs(coarse - medium).max()
        e_fine = np.abs(medium - fine).max()
        order = np.log2(e_coarse / e_fine)
        assert 1.8 <= order <= 2.3, f"{name}: observed order {order:.2f}"


def test_lid_speed_scales_the_solution():
    base = solve_lid_driven_cavity(re=100, n=33)
    fast = solve_lid_driven_cavity(re=100, n=33, lid_speed=2.0)
    assert fast.re == 100.0 and fast.lid_speed == 2.0
    np.testing.assert_allclose(fast.u, 2 * base.u, atol=1e-12)
    np.testing.assert_allclose(fast.psi, 2 * base.psi, atol=1e-12)
    np.testing.assert_allclose(fast.p, 4 * base.p, atol=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"re": 0.0}, "Reynolds number must be positive"),
        ({"re": -5.0}, "Reynolds number must be positive"),
        ({"re": float("nan")}, "Reynolds number must be positive"),
        ({"n": 16}, "grid size n must be an integer >= 17"),
        ({"n": 33.0}, "grid size n must be an integer >= 17"),
        ({"lid_speed": 0.0}, "lid_speed must be positive"),
        ({"tol": 0.0}, "tol must be positive"),
        ({"max_iter": 0}, "max_iter must be an integer >= 1"),
    ],
)
def test_invalid_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solve_lid_driven_cavity(**kwargs)


def test_newton_failure_names_the_residual():
    with pytest.raises(RuntimeError, match=r"Newton did not converge .* residual \d"):
        solve_lid_driven_cavity(re=400, n=33, max_iter=2)


def test_unknown_ghia_reynolds_number_lists_available():
    with pytest.raises(ValueError, match="available Re: 100, 400, 1000"):
        ghia_centerlines(3200)


def _laplacian(f: np.ndarray, h: float) -> np.ndarray:
    """5-point Laplacian at interior nodes (zero on the walls)."""
    out = np.zeros_like(f)
    neighbours = f[2:, 1:-1] + f[:-2, 1:-1] + f[1:-1, 2:] + f[1:-1, :-2]
    out[1:-1, 1:-1] = (neighbours - 4 * f[1:-1, 1:-1]) / h**2
    return out
