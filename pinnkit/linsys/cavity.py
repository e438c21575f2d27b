"""The pressure Poisson matrix of pinnkit's lid-driven cavity solver, grounded to make it SPD.

``pinnkit.reference.cavity_pressure`` fits the pressure to the momentum force F in finite-volume
form on the n x n node grid (half cells at the walls), node (x_i, y_j) at flat index i n + j:

    G^T W G p = G^T W F_faces,   G: face differences / h,  W: face lengths (1/2 on the walls),
    F_faces: the mean of F at the face's two nodes,

a pure-Neumann Laplacian, singular by the constants.  The reference replaces the first equation
by the gauge p[0, 0] = 0; here node 0 (the corner (0, 0)) is removed instead, which leaves the
same solution on the other nodes and a symmetric positive definite matrix of order n^2 - 1 (the
"grounded" Laplacian: Dirichlet at one node).  The rebuild is deliberate (this layer may not
import pinnkit.reference); tests/linsys checks it against the reference matrix and solution.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from pinnkit._validate import check_int
from pinnkit.linsys.fields import smooth_field
from pinnkit.linsys.system import LinearSystem, finish

__all__ = ["cavity_pressure", "cavity_operators", "cavity_side"]


def cavity_side(n_target: int) -> int:
    """Grid nodes per side n with n^2 - 1 closest to ``n_target``."""
    return max(3, int(round(np.sqrt(n_target + 1))))


def cavity_operators(n: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """The full (singular) normal matrix G^T W G, (n^2, n^2), and the map (F_x, F_y) -> G^T W F_faces, (n^2, 2 n^2)."""
    h = 1.0 / (n - 1)
    eye = sp.identity(n, format="csr")
    diff = sp.diags([-np.ones(n - 1), np.ones(n - 1)], [0, 1], shape=(n - 1, n)) / h
    mean = sp.diags([0.5 * np.ones(n - 1), 0.5 * np.ones(n - 1)], [0, 1], shape=(n - 1, n))
    length = np.ones(n)
    length[[0, -1]] = 0.5
    gx, ax = sp.kron(diff, eye), sp.kron(mean, eye)  # x-faces (i + 1/2, j)
    gy, ay = sp.kron(eye, diff), sp.kron(eye, mean)  # y-faces (i, j + 1/2)
    wx, wy = sp.diags(np.tile(length, n - 1)), sp.diags(np.repeat(length, n - 1))
    normal = gx.T @ wx @ gx + gy.T @ wy @ gy
    force = sp.hstack([gx.T @ wx @ ax, gy.T @ wy @ ay])
    return sp.csr_matrix(normal), sp.csr_matrix(force)


def cavity_pressure(n_target: int, seed: int, modes: int = 4, decay: float = 2.0, n_rhs: int = 1) -> LinearSystem:
    """The grounded cavity pressure system, n^2 - 1 ~ ``n_target`` unknowns (node (0, 0) removed).

    The force F = (F_x, F_y) is a pair of smooth random fields (:func:`pinnkit.linsys.fields.smooth_field`)
    at the nodes; b = G^T W F_faces without node 0.
    """
    n = cavity_side(n_target)
    check_int("n_rhs", n_rhs)
    rng = np.random.default_rng(seed)
    grid = np.linspace(0.0, 1.0, n)
    x, y = np.meshgrid(grid, grid, indexing="ij")  # flat index i n + j
    normal, force = cavity_operators(n)
    forces = [np.concatenate([smooth_field(rng, modes, decay)(x, y).ravel() for _ in "xy"]) for _ in range(n_rhs)]
    b = np.stack([force @ f for f in forces], axis=1)[1:]
    wall = ((x == 0) | (x == 1) | (y == 0) | (y == 1)).ravel()[1:]
    positions = np.stack([x.ravel(), y.ravel()], axis=1)[1:]
    params = dict(modes=modes, decay=decay, n_rhs=n_rhs)
    return LinearSystem(finish(normal[1:, 1:]), b[:, 0].copy() if n_rhs == 1 else b, positions, wall,
                        "cavity_pressure", n_target, seed, params)
