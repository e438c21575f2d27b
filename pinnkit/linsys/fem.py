"""P1 finite elements on a jittered triangular mesh of the unit square (scikit-fem assembly).

Weak form of -div(k grad u) = f, u = 0 on the boundary: find u_h in the P1 space V_h0 with

    a(u, v) = int k grad u . grad v dx = int f v dx = l(v)   for all v in V_h0

(Brenner & Scott, *The Mathematical Theory of Finite Element Methods*, 3rd ed., Springer 2008,
ch. 0 and 5); the implicit heat step adds the mass form m(u, v) = int u v dx.  Matrices are
assembled with scikit-fem (``BilinearForm``, ``LinearForm``, ``asm``) and the Dirichlet nodes
eliminated with ``condense``.  The coefficient and the source are evaluated at the quadrature
points (degree 4), not interpolated.

The mesh: an m x m grid of squares, each cut along a random diagonal, interior nodes moved by
independent uniform offsets in [-jitter, jitter] h per coordinate (jitter < 0.25 keeps every
triangle positive).  Unknowns are the (m - 1)^2 interior nodes in lexicographic order (x fastest).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from skfem import Basis, BilinearForm, ElementTriP1, LinearForm, MeshTri, asm, condense
from skfem.helpers import dot, grad

from pinnkit._validate import check_int
from pinnkit.linsys.fields import smooth_field
from pinnkit.linsys.system import LinearSystem, finish

__all__ = ["square_mesh", "assemble", "eliminate_dirichlet", "poisson_fem", "heat_implicit", "fem_cells"]

Field = Callable[[np.ndarray, np.ndarray], np.ndarray]
QUADRATURE_DEGREE = 4


def fem_cells(n_target: int) -> int:
    """Squares per side m whose (m - 1)^2 interior nodes are closest to ``n_target``."""
    return max(2, int(round(np.sqrt(n_target))) + 1)


def square_mesh(cells: int, rng: np.random.Generator | None = None, jitter: float = 0.2,
                random_diagonals: bool = True) -> MeshTri:
    """Triangulate the unit square: ``cells`` x ``cells`` squares, random diagonals, jittered interior.

    ``rng=None`` gives the regular mesh (no jitter, all diagonals from lower left to upper right).
    """
    if not 0.0 <= jitter < 0.25:
        raise ValueError(f"jitter must be in [0, 0.25) (larger can fold triangles), got {jitter!r}")
    m, h = cells, 1.0 / cells
    i, j = np.meshgrid(np.arange(m + 1), np.arange(m + 1), indexing="xy")  # node k = j (m + 1) + i
    x, y = (i * h).ravel(), (j * h).ravel()
    node = np.arange((m + 1) ** 2).reshape(m + 1, m + 1)  # node[j, i]
    interior = ((i > 0) & (i < m) & (j > 0) & (j < m)).ravel()
    if rng is not None and jitter > 0:
        shift = rng.uniform(-jitter * h, jitter * h, size=(2, x.size))
        x, y = x + interior * shift[0], y + interior * shift[1]
    flip = rng.random((m, m)) < 0.5 if (rng is not None and random_diagonals) else np.zeros((m, m), bool)
    n00, n10, n01, n11 = (node[:-1, :-1].ravel(), node[:-1, 1:].ravel(), node[1:, :-1].ravel(), node[1:, 1:].ravel())
    f = flip.ravel()
    tri_a = np.where(f, [n00, n10, n01], [n00, n10, n11])  # diagonal n10-n01 if flipped, else n00-n11
    tri_b = np.where(f, [n10, n11, n01], [n00, n11, n01])
    return MeshTri(np.array([x, y]), np.hstack([tri_a, tri_b]))


def assemble(mesh: MeshTri, kappa: Field | float, sources: Sequence[Field] = (), mass: bool = False
             ) -> tuple[sp.csr_matrix, sp.csr_matrix | None, np.ndarray, Basis]:
    """Stiffness K (coefficient ``kappa``), mass M if asked, loads (N, len(sources)), and the basis."""
    basis = Basis(mesh, ElementTriP1(), intorder=QUADRATURE_DEGREE)
    x = np.asarray(basis.global_coordinates())  # (2, elements, points): fields evaluated once, not per dof pair
    k = kappa(x[0], x[1]) if callable(kappa) else np.full(x.shape[1:], float(kappa))
    stiffness = asm(BilinearForm(lambda u, v, w: w.k * dot(grad(u), grad(v))), basis, k=k)
    mass_matrix = asm(BilinearForm(lambda u, v, w: u * v), basis) if mass else None
    loads = [asm(LinearForm(lambda v, w: w.f * v), basis, f=f(x[0], x[1])) for f in sources]
    rhs = np.stack(loads, axis=1) if loads else np.zeros((basis.N, 0))
    return stiffness.tocsr(), None if mass_matrix is None else mass_matrix.tocsr(), rhs, basis


def eliminate_dirichlet(A: sp.spmatrix, rhs: np.ndarray, basis: Basis
                        ) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray]:
    """Condense out the boundary nodes (u = 0): A_II, b_I, the kept node indices I, the boundary flag."""
    dirichlet = _dirichlet_nodes(basis)
    A_ii, _, _, kept = condense(A, np.zeros(A.shape[0]), D=dirichlet)  # (a 2-D b means a matrix to condense)
    b_i = rhs[kept]  # u = 0 on D: no lifting term
    is_dirichlet = np.zeros(A.shape[0], bool)
    is_dirichlet[dirichlet] = True
    touches = np.asarray(abs(sp.csr_matrix(A)[kept][:, is_dirichlet]).sum(axis=1)).ravel() > 0
    return finish(A_ii), np.asarray(b_i), np.asarray(kept), touches


def _dirichlet_nodes(basis: Basis) -> np.ndarray:
    return np.asarray(basis.get_dofs().flatten(), dtype=np.int64)


def _draw_mesh(n_target: int, rng: np.random.Generator, jitter: float) -> MeshTri:
    return square_mesh(fem_cells(n_target), rng, jitter)


def _squeeze(b: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(b[:, 0] if b.shape[1] == 1 else b)


def poisson_fem(n_target: int, seed: int, sigma: float = 1.0, modes: int = 4, decay: float = 2.0,
                jitter: float = 0.2, n_rhs: int = 1) -> LinearSystem:
    """-div(k grad u) = f on the unit square, u = 0 on the boundary; P1 on a jittered mesh.

    k = exp(sigma g) with g a unit-variance smooth random field, f = g' an independent one
    (``modes``, ``decay``: :func:`pinnkit.linsys.fields.smooth_field`); ``n_rhs`` sources.
    """
    check_int("n_rhs", n_rhs)
    rng = np.random.default_rng(seed)
    mesh = _draw_mesh(n_target, rng, jitter)
    kappa = smooth_field(rng, modes, decay, sigma, log_normal=True)
    sources = [smooth_field(rng, modes, decay) for _ in range(n_rhs)]
    K, _, rhs, basis = assemble(mesh, kappa, sources)
    A, b, kept, touches = eliminate_dirichlet(K, rhs, basis)
    params = dict(sigma=sigma, modes=modes, decay=decay, jitter=jitter, n_rhs=n_rhs)
    return LinearSystem(A, _squeeze(b), mesh.p[:, kept].T.copy(), touches, "poisson_fem", n_target, seed, params)


def heat_implicit(n_target: int, seed: int, dt: float = 1e-2, sigma: float = 1.0, modes: int = 4,
                  decay: float = 2.0, jitter: float = 0.2, n_rhs: int = 1) -> LinearSystem:
    """One backward-Euler step of u_t = div(k grad u), u = 0 on the boundary: (M + dt K) u_{n+1} = M u_n.

    M, K: P1 mass and stiffness (coefficient k = exp(sigma g)); u_n: a smooth random field at
    the nodes (``n_rhs`` of them).
    """
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt!r}")
    check_int("n_rhs", n_rhs)
    rng = np.random.default_rng(seed)
    mesh = _draw_mesh(n_target, rng, jitter)
    kappa = smooth_field(rng, modes, decay, sigma, log_normal=True)
    states = np.stack([smooth_field(rng, modes, decay)(*mesh.p) for _ in range(n_rhs)], axis=1)
    K, M, _, basis = assemble(mesh, kappa, mass=True)
    states[_dirichlet_nodes(basis)] = 0.0  # u_n satisfies the boundary condition
    A, b, kept, touches = eliminate_dirichlet(M + dt * K, M @ states, basis)
    params = dict(dt=dt, sigma=sigma, modes=modes, decay=decay, jitter=jitter, n_rhs=n_rhs)
    return LinearSystem(A, _squeeze(b), mesh.p[:, kept].T.copy(), touches, "heat_implicit", n_target, seed, params)
