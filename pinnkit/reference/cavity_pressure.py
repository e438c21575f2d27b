"""Pressure of a steady lid-driven cavity flow from its velocity and vorticity.

Taking the divergence of the momentum equations of an incompressible flow gives the
pressure Poisson equation (kinematic pressure, density 1)

    ∇²p = 2 (u_x v_y - u_y v_x),

with Neumann data from the momentum equations at the walls, where the convective terms vanish
(no slip; on the lid v = v_x = 0) and ∇²u = -ω_y, ∇²v = ω_x:

    p_x = -ω_y / Re  on x = 0, 1,        p_y = ω_x / Re  on y = 0, 1.

See Gresho & Sani, Int. J. Numer. Meth. Fluids 7, 1111-1145 (1987).  Discretisation: 5-point
Laplacian on all nodes with the Neumann condition imposed through mirrored ghost nodes.  The
discrete Neumann problem is solvable only up to a constant and only for compatible data; it is
solved as a bordered system that removes the (small, O(h²)) incompatibility by a uniform
source correction, then the constant is fixed by p(0.5, 0.5) = 0.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.interpolate import RectBivariateSpline
from scipy.sparse.linalg import spsolve

__all__ = ["cavity_pressure"]


def cavity_pressure(u: np.ndarray, v: np.ndarray, omega: np.ndarray, re: float, h: float) -> np.ndarray:
    """Kinematic pressure on the (n, n) grid of spacing ``h`` (unit lid speed), p(0.5, 0.5) = 0."""
    n = u.shape[0]
    rhs = h * h * _poisson_source(u, v, h) + _neumann_terms(omega, re, h)
    p = _solve_neumann(rhs.ravel(), n).reshape(n, n)
    grid = np.linspace(0.0, 1.0, n)
    centre = RectBivariateSpline(grid, grid, p, kx=3, ky=3, s=0)(0.5, 0.5, grid=False)
    return p - float(centre)


def _poisson_source(u: np.ndarray, v: np.ndarray, h: float) -> np.ndarray:
    """2 (u_x v_y - u_y v_x), second-order differences (one-sided at the walls)."""
    u_x, u_y = np.gradient(u, h, edge_order=2)
    v_x, v_y = np.gradient(v, h, edge_order=2)
    return 2.0 * (u_x * v_y - u_y * v_x)


def _neumann_terms(omega: np.ndarray, re: float, h: float) -> np.ndarray:
    """Ghost-node contributions ±2h ∂p/∂n moved to the right-hand side."""
    terms = np.zeros_like(omega)
    dpdx_left = -np.gradient(omega[0, :], h, edge_order=2) / re
    dpdx_right = -np.gradient(omega[-1, :], h, edge_order=2) / re
    dpdy_bottom = np.gradient(omega[:, 0], h, edge_order=2) / re
    dpdy_top = np.gradient(omega[:, -1], h, edge_order=2) / re
    terms[0, :] += 2.0 * h * dpdx_left  # ghost p_{-1} = p_1 - 2h p_x
    terms[-1, :] -= 2.0 * h * dpdx_right  # ghost p_n = p_{n-2} + 2h p_x
    terms[:, 0] += 2.0 * h * dpdy_bottom
    terms[:, -1] -= 2.0 * h * dpdy_top
    return terms


def _solve_neumann(rhs: np.ndarray, n: int) -> np.ndarray:
    """Solve L p + λ 1 = rhs, w·p = 0 (w: trapezoid weights, the left null vector of L)."""
    ones = np.ones(n)
    d2 = sp.diags([ones[:-1], -2.0 * ones, ones[:-1]], [-1, 0, 1], format="lil")
    d2[0, 1] = 2.0
    d2[n - 1, n - 2] = 2.0
    eye = sp.identity(n)
    lap = sp.kron(d2.tocsr(), eye) + sp.kron(eye, d2.tocsr())
    w1 = np.ones(n)
    w1[[0, -1]] = 0.5
    weights = np.outer(w1, w1).ravel()
    bordered = sp.bmat([
        [lap, sp.csr_matrix(np.ones((n * n, 1)))],
        [sp.csr_matrix(weights[None, :]), None],
    ], format="csc")
    solution = spsolve(bordered, np.append(rhs, 0.0))
    return solution[:-1]
