"""Pressure of a steady lid-driven cavity flow from its velocity and vorticity.

The steady momentum equations fix the pressure gradient (kinematic pressure, density 1):

    ∇p = F,   F = -(u·∇)u + (1/Re) ∇²u,   ∇²u = (-ω_y, ω_x)   (incompressible, 2-D).

Taking the divergence gives the pressure Poisson equation ∇²p = ∇·F = 2 (u_x v_y - u_y v_x)
with the Neumann data ∂p/∂n = F·n from the momentum equations at the walls (Gresho & Sani,
Int. J. Numer. Meth. Fluids 7, 1111-1145, 1987).  It is discretised in finite-volume form on the
node grid (half cells at the walls): in each cell the wall flux of ∇p and of F cancel, leaving

    Σ_inner faces |f| (p_nb - p_P) / h = Σ_inner faces |f| F_f·n,   F_f: mean of the two nodes,

i.e. the weighted least-squares fit of ∇p to F.  Its data are compatible by construction (the
face sums telescope), which matters here: at the lid corners F is singular and a pointwise
Poisson source with separate Neumann data would violate compatibility.  The constant is fixed
by p(0.5, 0.5) = 0.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.interpolate import RectBivariateSpline
from scipy.sparse.linalg import splu

__all__ = ["cavity_pressure"]


def cavity_pressure(
    u: np.ndarray, v: np.ndarray, omega: np.ndarray, re: float, h: float
) -> np.ndarray:
    """Kinematic pressure on the (n, n) grid of spacing ``h`` (unit lid speed), p(0.5, 0.5) = 0."""
    fx, fy = momentum_force(u, v, omega, re, h)
    p = _fit_potential(fx, fy, h)
    grid = np.linspace(0.0, 1.0, u.shape[0])
    centre = RectBivariateSpline(grid, grid, p, kx=3, ky=3, s=0)(0.5, 0.5, grid=False)
    return p - float(centre)


def momentum_force(
    u: np.ndarray, v: np.ndarray, omega: np.ndarray, re: float, h: float
) -> tuple[np.ndarray, np.ndarray]:
    """F = -(u·∇)u + (1/Re)(-ω_y, ω_x) at every node, second-order (one-sided at the walls)."""
    u_x, u_y = np.gradient(u, h, edge_order=2)
    v_x, v_y = np.gradient(v, h, edge_order=2)
    w_x, w_y = np.gradient(omega, h, edge_order=2)
    fx = -(u * u_x + v * u_y) - w_y / re
    fy = -(u * v_x + v * v_y) + w_x / re
    return fx, fy


def _fit_potential(fx: np.ndarray, fy: np.ndarray, h: float) -> np.ndarray:
    """Solve Gᵀ W G p = Gᵀ W F_faces (face gradient G, face lengths W), gauge p[0, 0] = 0."""
    n = fx.shape[0]
    eye = sp.identity(n, format="csr")
    diff = sp.diags([-np.ones(n - 1), np.ones(n - 1)], [0, 1], shape=(n - 1, n)) / h
    mean = sp.diags([0.5 * np.ones(n - 1), 0.5 * np.ones(n - 1)], [0, 1], shape=(n - 1, n))
    length = np.ones(n)
    length[[0, -1]] = 0.5
    gx, ax = sp.kron(diff, eye), sp.kron(mean, eye)  # x-faces (i + 1/2, j), index i * n + j
    gy, ay = sp.kron(eye, diff), sp.kron(eye, mean)  # y-faces (i, j + 1/2)
    wx = sp.diags(np.tile(length, n - 1))
    wy = sp.diags(np.repeat(length, n - 1))
    normal = (gx.T @ wx @ gx + gy.T @ wy @ gy).tolil()
    rhs = gx.T @ (wx @ (ax @ fx.ravel())) + gy.T @ (wy @ (ay @ fy.ravel()))
    normal[0, :] = 0.0  # the system is singular only by a constant and its data compatible,
    normal[0, 0] = 1.0  # so one equation can be traded for the gauge
    rhs[0] = 0.0
    return splu(normal.tocsc(), permc_spec="COLAMD").solve(rhs).reshape(n, n)
