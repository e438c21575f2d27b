"""Finite volumes on a uniform grid for -div(k grad u) = f on the unit square, u = 0 on the boundary.

Nodes (i h, j h), h = 1 / (m + 1); the unknowns are the m x m interior nodes (x fastest).  The
flux through the face between neighbours P and N is k_f (u_P - u_N) with the harmonic mean
k_f = 2 k_P k_N / (k_P + k_N) (exact for a piecewise-constant k between nodes; Patankar,
*Numerical Heat Transfer and Fluid Flow*, Hemisphere 1980, sec. 4.2-3), giving the 5-point scheme

    sum_N k_PN (u_P - u_N) = h^2 f_P,

whose matrix is a symmetric M-matrix (faces to boundary nodes only add k_f to the diagonal).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from pinnkit._validate import check_int
from pinnkit.linsys.fields import smooth_field
from pinnkit.linsys.system import LinearSystem, finish

__all__ = ["poisson_grid", "grid_side"]


def grid_side(n_target: int) -> int:
    """Interior nodes per side m with m^2 closest to ``n_target``."""
    return max(2, int(round(np.sqrt(n_target))))


def face_matrix(k: np.ndarray) -> sp.csr_matrix:
    """The 5-point FV matrix of node coefficients ``k`` ((m + 2, m + 2), k[j, i] at (i h, j h))."""
    m = k.shape[0] - 2
    index = -np.ones(k.shape, np.int64)
    index[1:-1, 1:-1] = np.arange(m * m).reshape(m, m)
    rows, cols, vals = [], [], []
    for a, b, ka, kb in ((index[:, :-1], index[:, 1:], k[:, :-1], k[:, 1:]),  # x-faces
                         (index[:-1, :], index[1:, :], k[:-1, :], k[1:, :])):  # y-faces
        kf = 2.0 * ka * kb / (ka + kb)
        for p, q in ((a, b), (b, a)):
            own = p >= 0
            rows.append(p[own]), cols.append(p[own]), vals.append(kf[own])  # diagonal
            both = own & (q >= 0)
            rows.append(p[both]), cols.append(q[both]), vals.append(-kf[both])
    rows, cols, vals = (np.concatenate(v) for v in (rows, cols, vals))
    return finish(sp.coo_matrix((vals, (rows, cols)), shape=(m * m, m * m)))


def poisson_grid(n_target: int, seed: int, sigma: float = 1.0, modes: int = 4, decay: float = 2.0,
                 n_rhs: int = 1) -> LinearSystem:
    """-div(k grad u) = f, u = 0 on the boundary, on an m x m interior grid (m^2 ~ ``n_target``).

    k = exp(sigma g), f a second unit-variance smooth field (:func:`pinnkit.linsys.fields.smooth_field`).
    """
    m = grid_side(n_target)
    h = 1.0 / (m + 1)
    check_int("n_rhs", n_rhs)
    rng = np.random.default_rng(seed)
    kappa = smooth_field(rng, modes, decay, sigma, log_normal=True)
    sources = [smooth_field(rng, modes, decay) for _ in range(n_rhs)]
    x, y = np.meshgrid(np.arange(m + 2) * h, np.arange(m + 2) * h, indexing="xy")
    A = face_matrix(kappa(x, y))
    xi, yi = x[1:-1, 1:-1].ravel(), y[1:-1, 1:-1].ravel()
    b = np.stack([h * h * f(xi, yi) for f in sources], axis=1)
    i, j = np.meshgrid(np.arange(m), np.arange(m), indexing="xy")
    boundary = ((i == 0) | (i == m - 1) | (j == 0) | (j == m - 1)).ravel()
    params = dict(sigma=sigma, modes=modes, decay=decay, n_rhs=n_rhs)
    return LinearSystem(A, b[:, 0].copy() if n_rhs == 1 else b, np.stack([xi, yi], axis=1), boundary,
                        "poisson_grid", n_target, seed, params)
