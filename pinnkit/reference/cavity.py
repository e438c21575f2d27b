"""Steady 2-D lid-driven cavity: stream function-vorticity solver with Newton's method.

Unit square, no-slip walls, lid ``y = 1`` moving with ``u = U`` (``lid_speed``), ``v = 0``,
``Re = U * 1 / nu``.  In units of ``U`` and the side length the steady equations are

    ∇²ψ = -ω,                         u = ψ_y,  v = -ψ_x,  ω = v_x - u_y,
    Re (ψ_y ω_x - ψ_x ω_y) = ∇²ω,     ψ = 0 on all walls.

Discretisation: uniform ``n x n`` node grid including the walls, second-order central
differences (5-point Laplacian), wall vorticity by Thom's formula

    ω_w = -2 (ψ_1 - h ∂ψ/∂n_in) / h²   (ψ_1: first node inside; ∂ψ/∂n_in = -U on the lid)

(Thom, Proc. R. Soc. Lond. A 141, 651-669, 1933), first order locally but second order globally
(Huang & Wetton, J. Comput. Phys. 126, 468-478, 1996; measured in the tests).  The coupled
nonlinear system is solved by Newton's method with a sparse LU factorisation (SuperLU) of the
exact Jacobian and natural continuation in Re, as in Schreiber & Keller, J. Comput. Phys. 49,
310-333 (1983).  Benchmark: Ghia, Ghia & Shin, J. Comput. Phys. 48, 387-411 (1982), ``ghia.py``.

Velocities are scaled back with ``U`` (ψ, ω, u, v by ``U``; kinematic pressure p by ``U²``).
The pressure solve lives in ``cavity_pressure.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.interpolate import RectBivariateSpline
from scipy.sparse.linalg import splu

from pinnkit.reference.cavity_pressure import cavity_pressure

__all__ = ["CavitySolution", "solve_lid_driven_cavity"]

_RE_START = 100.0  # first continuation stage (Newton converges from rest up to here)
_MAX_HALVINGS = 8  # step halvings allowed per continuation stage before giving up
_STAGE_TOL = 1e-5  # residual target of intermediate continuation stages (a starting guess)


@dataclass(frozen=True)
class CavitySolution:
    """Steady lid-driven cavity flow on a uniform grid (fields indexed ``f[i, j] = f(x_i, y_j)``).

    ``p`` is the kinematic pressure (density 1), normalised to ``p(0.5, 0.5) = 0``.
    ``omega = v_x - u_y``; it is singular at the two lid corners, where the stored corner values
    (the mean of the two neighbouring wall values) are only placeholders.  The lid row ``y = 1``
    carries ``u = lid_speed`` including its two corner nodes.  ``iterations`` counts the Newton
    iterations of all continuation stages; ``residual`` is the final max-norm of the discrete
    equations (multiplied by ``h²``, in units of the unit-lid problem).
    """

    re: float
    lid_speed: float
    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    p: np.ndarray
    psi: np.ndarray
    omega: np.ndarray
    iterations: int
    residual: float

    def u_centerline(self, y: np.ndarray) -> np.ndarray:
        """u(0.5, y) by bicubic spline interpolation of the grid values."""
        return _spline(self.x, self.y, self.u)(0.5, np.asarray(y, float), grid=False)

    def v_centerline(self, x: np.ndarray) -> np.ndarray:
        """v(x, 0.5) by bicubic spline interpolation of the grid values."""
        return _spline(self.x, self.y, self.v)(np.asarray(x, float), 0.5, grid=False)


@dataclass(frozen=True)
class _System:
    """Constant parts of the discrete system R(z) = A z + Re * P_int N(z) - b, z = [ψ, ω]."""

    n: int
    a: sp.csr_matrix  # linear part (all rows), shape (2N, 2N)
    b: np.ndarray  # right-hand side (lid term of Thom's formula)
    cx: sp.csr_matrix  # h * ∂/∂x (central, half-difference), rows on boundary nodes zeroed
    cy: sp.csr_matrix  # h * ∂/∂y


def solve_lid_driven_cavity(
    re: float = 100.0,
    n: int = 129,
    lid_speed: float = 1.0,
    tol: float = 1e-10,
    max_iter: int = 50,
) -> CavitySolution:
    """Solve the steady lid-driven cavity at Reynolds number ``re`` on an ``n x n`` grid.

    Newton's method on the stream function-vorticity equations (module docstring), continued
    in Re from ``min(re, 100)`` in steps that double Re (halved on failure).  ``tol`` is the
    max-norm of the h²-scaled residual; ``max_iter`` bounds the Newton iterations per stage.
    Raises ValueError for invalid arguments and RuntimeError if Newton fails to converge.
    """
    _validate(re, n, lid_speed, tol, max_iter)
    system = _build_system(n)
    z, iterations, residual = _continuation(float(re), system, tol, max_iter)
    nn = n * n
    psi = z[:nn].reshape(n, n)
    omega = z[nn:].reshape(n, n)
    h = 1.0 / (n - 1)
    u, v = _velocities(psi, h)
    p = cavity_pressure(u, v, omega, float(re), h)
    grid = np.linspace(0.0, 1.0, n)
    scale = float(lid_speed)
    return CavitySolution(
        re=float(re), lid_speed=scale, x=grid, y=grid.copy(),
        u=scale * u, v=scale * v, p=scale**2 * p, psi=scale * psi, omega=scale * omega,
        iterations=iterations, residual=residual,
    )


def _validate(re: float, n: int, lid_speed: float, tol: float, max_iter: int) -> None:
    """Reject arguments for which the solver is undefined or meaningless."""
    if not np.isfinite(re) or re <= 0:
        raise ValueError(f"Reynolds number must be positive and finite, got re={re!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 17:
        raise ValueError(f"grid size n must be an integer >= 17, got n={n!r}")
    if not np.isfinite(lid_speed) or lid_speed <= 0:
        raise ValueError(f"lid_speed must be positive and finite, got lid_speed={lid_speed!r}")
    if not np.isfinite(tol) or tol <= 0:
        raise ValueError(f"tol must be positive, got tol={tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got max_iter={max_iter!r}")


def _build_system(n: int) -> _System:
    """Assemble the constant operators of the h²-scaled discrete equations."""
    nn = n * n
    h = 1.0 / (n - 1)
    eye = sp.identity(n, format="csr")
    ones = np.ones(n)
    d2 = sp.diags([ones[:-1], -2.0 * ones, ones[:-1]], [-1, 0, 1], format="csr")
    c1 = sp.diags([-0.5 * ones[:-1], 0.5 * ones[:-1]], [-1, 1], format="csr")
    interior = np.zeros((n, n), bool)
    interior[1:-1, 1:-1] = True
    interior = interior.ravel()
    p_int = sp.diags(interior.astype(float))
    p_bnd = sp.diags((~interior).astype(float))
    lap = sp.kron(d2, eye) + sp.kron(eye, d2)  # h² ∇², flat index k = i * n + j
    thom_psi, thom_omega, b_lid = _wall_closure(n, h)
    a = sp.bmat([
        [p_int @ lap + p_bnd, h * h * p_int],
        [thom_psi, -(p_int @ lap) + thom_omega],
    ], format="csr")
    b = np.concatenate([np.zeros(nn), b_lid])
    cx = (p_int @ sp.kron(c1, eye)).tocsr()
    cy = (p_int @ sp.kron(eye, c1)).tocsr()
    return _System(n=n, a=a, b=b, cx=cx, cy=cy)


def _wall_closure(n: int, h: float) -> tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]:
    """Rows of the boundary-vorticity equations, Thom: h² ω_w + 2 ψ_1 = -2 h U_lid.

    Corner rows set ω to the mean of the two neighbouring wall values (never used by the
    interior stencils).  Returns the ψ-block, the ω-block and the right-hand side.
    """
    rows_p, cols_p, rows_w, cols_w, vals_w = [], [], [], [], []
    rhs = np.zeros(n * n)
    last = n - 1
    for i in range(n):
        for j in range(n):
            if 0 < i < last and 0 < j < last:
                continue
            k = i * n + j
            rows_w.append(k), cols_w.append(k), vals_w.append(h * h)
            if i in (0, last) and j in (0, last):  # corner: h² (ω_c - (ω_a + ω_b) / 2) = 0
                ia, jb = (1 if i == 0 else last - 1), (1 if j == 0 else last - 1)
                rows_w += [k, k]
                cols_w += [ia * n + j, i * n + jb]
                vals_w += [-0.5 * h * h, -0.5 * h * h]
                continue
            ii = 1 if i == 0 else (last - 1 if i == last else i)
            jj = 1 if j == 0 else (last - 1 if j == last else j)
            rows_p.append(k), cols_p.append(ii * n + jj)
            if j == last:
                rhs[k] = -2.0 * h  # lid, U = 1 in the nondimensional problem
    shape = (n * n, n * n)
    thom_psi = sp.csr_matrix((np.full(len(rows_p), 2.0), (rows_p, cols_p)), shape=shape)
    thom_omega = sp.csr_matrix((vals_w, (rows_w, cols_w)), shape=shape)
    return thom_psi, thom_omega, rhs


def _residual(z: np.ndarray, re: float, s: _System) -> np.ndarray:
    """R(z) = A z + Re [(h ψ_y)(h ω_x) - (h ψ_x)(h ω_y)] on interior ω-rows - b."""
    nn = s.n * s.n
    psi, omega = z[:nn], z[nn:]
    convection = (s.cy @ psi) * (s.cx @ omega) - (s.cx @ psi) * (s.cy @ omega)
    r = s.a @ z - s.b
    r[nn:] += re * convection
    return r


def _jacobian(z: np.ndarray, re: float, s: _System) -> sp.csc_matrix:
    """Exact Jacobian of ``_residual``."""
    nn = s.n * s.n
    psi, omega = z[:nn], z[nn:]
    d_psi = sp.diags(s.cx @ omega) @ s.cy - sp.diags(s.cy @ omega) @ s.cx
    d_omega = sp.diags(s.cy @ psi) @ s.cx - sp.diags(s.cx @ psi) @ s.cy
    zero = sp.csr_matrix((nn, nn))
    nonlinear = sp.bmat([[zero, zero], [re * d_psi, re * d_omega]], format="csr")
    return (s.a + nonlinear).tocsc()


def _newton(
    z: np.ndarray, re: float, s: _System, tol: float, max_iter: int
) -> tuple[np.ndarray, int, float, bool]:
    """Newton iterations from ``z``; returns (z, iterations, residual, converged)."""
    res = np.inf
    for k in range(max_iter + 1):
        r = _residual(z, re, s)
        res = float(np.abs(r).max())
        if res <= tol:
            return z, k, res, True
        if k == max_iter or not np.isfinite(res) or res > 1e8:
            return z, k, res, False
        z = z - splu(_jacobian(z, re, s), permc_spec="COLAMD").solve(r)
    return z, max_iter, res, False


def _continuation(
    re: float, s: _System, tol: float, max_iter: int
) -> tuple[np.ndarray, int, float]:
    """Continuation in Re with a secant predictor: doubling steps, halved on Newton failure."""
    z = z_prev = np.zeros(2 * s.n * s.n)
    current = previous = 0.0
    target = min(re, _RE_START)
    total, halvings = 0, 0
    while True:
        final = target == re
        guess = _predict(z, z_prev, current, previous, target)
        stage_tol = tol if final else max(tol, _STAGE_TOL)
        z_new, its, res, ok = _newton(guess, target, s, stage_tol, max_iter)
        total += its
        if ok and final:
            return z_new, total, res
        if ok:
            z_prev, previous, z, current, halvings = z, current, z_new, target, 0
            target = min(re, 2.0 * current)
            continue
        halvings += 1
        if halvings > _MAX_HALVINGS or res <= _STAGE_TOL:  # stalled near a solution: no help
            raise RuntimeError(
                f"Newton did not converge at Re={target:g} (target Re={re:g}): residual "
                f"{res:.3e} > tol {tol:.1e} after {its} iterations; try a larger max_iter or n"
            )
        target = current + 0.5 * (target - current)


def _predict(
    z: np.ndarray, z_prev: np.ndarray, current: float, previous: float, target: float
) -> np.ndarray:
    """Secant (linear) extrapolation in Re of the last two converged solutions."""
    if previous <= 0.0:  # no second solution yet (the zero start is not the Re = 0 solution)
        return z
    return z + (target - current) / (current - previous) * (z - z_prev)


def _velocities(psi: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """u = ψ_y, v = -ψ_x by central differences; exact wall values (lid row u = 1)."""
    u = np.zeros_like(psi)
    v = np.zeros_like(psi)
    u[1:-1, 1:-1] = (psi[1:-1, 2:] - psi[1:-1, :-2]) / (2.0 * h)
    v[1:-1, 1:-1] = -(psi[2:, 1:-1] - psi[:-2, 1:-1]) / (2.0 * h)
    u[:, -1] = 1.0
    return u, v


def _spline(x: np.ndarray, y: np.ndarray, f: np.ndarray) -> RectBivariateSpline:
    """Interpolating bicubic spline of grid values."""
    return RectBivariateSpline(x, y, f, kx=3, ky=3, s=0)
