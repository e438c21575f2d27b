"""P1 finite elements for -div(k grad u) = f, u = g on the boundary of the unit square, with given k, f, g.

The same discretisation as the ``poisson_fem`` family (:mod:`pinnkit.linsys.fem`: an m x m grid of
squares cut along random diagonals, interior nodes jittered, stiffness and load assembled by
scikit-fem with the coefficient and the source evaluated at degree-4 quadrature points), but for
a problem given as plain callables rather than drawn fields, and with non-zero Dirichlet data.
With u_h = u_I + u_D (u_D: g at the boundary nodes, zero inside) the reduced system is

    A_II u_I = b_I - A_ID g_D,

A_II symmetric positive definite (Brenner & Scott 2008, ch. 0 and 5); skfem's ``condense`` does
the elimination.  Unknowns are the interior nodes in increasing node order (lexicographic, x
fastest).  :meth:`DirichletSystem.expand` puts interior values back among the boundary values,
and :meth:`FEMMesh.locate` finds the triangle and barycentric coordinates of arbitrary points, so
the P1 solution can be evaluated anywhere in the square.

The callables take numpy arrays x, y of one shape and return values of that shape; nothing here
knows where they come from (pinnkit's problems sit above this package).
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
import torch
from scipy.spatial import cKDTree

from skfem import Basis, MeshTri, condense

from pinnkit._validate import check_int
from pinnkit.linsys.fem import assemble, square_mesh
from pinnkit.linsys.system import LinearSystem, finish

__all__ = ["FEMMesh", "DirichletSystem", "dirichlet_mesh", "assemble_dirichlet", "dirichlet_fem"]

Field = Callable[[np.ndarray, np.ndarray], np.ndarray]
NEIGHBOURS = (12, 48)  # triangles tried per point (nearest centroids), then more for the points left over


@dataclass(frozen=True, eq=False)
class FEMMesh:
    """The jittered mesh of the unit square with its Dirichlet (boundary) and interior nodes.

    ``cells``: squares per side (h = 1 / cells); ``seed`` and ``jitter``: the mesh's random
    diagonals and interior offsets (:func:`pinnkit.linsys.fem.square_mesh`); ``interior`` and
    ``dirichlet``: node indices, increasing.
    """

    mesh: MeshTri
    cells: int
    seed: int
    jitter: float
    interior: np.ndarray
    dirichlet: np.ndarray

    @property
    def nodes(self) -> np.ndarray:
        """(N, 2) node coordinates."""
        return self.mesh.p.T

    @property
    def triangles(self) -> np.ndarray:
        """(E, 3) node indices of each triangle (counter-clockwise)."""
        return self.mesh.t.T

    @property
    def n_nodes(self) -> int:
        return self.mesh.p.shape[1]

    @functools.cached_property
    def inverse_maps(self) -> tuple[np.ndarray, np.ndarray]:
        """(origin (E, 2), inverse (E, 2, 2)): the barycentric coordinates (l1, l2) of a point X in
        triangle e are inverse[e] @ (X - origin[e]), and l0 = 1 - l1 - l2."""
        p = self.nodes[self.triangles]  # (E, 3, 2)
        edges = np.stack([p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]], axis=2)  # columns: the two edge vectors
        return p[:, 0].copy(), np.linalg.inv(edges)

    @functools.cached_property
    def _tree(self) -> cKDTree:
        return cKDTree(self.nodes[self.triangles].mean(axis=1))

    def locate(self, points: np.ndarray, tolerance: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
        """The triangle holding each point (M, 2) and its barycentric coordinates (M, 3).

        Candidates are the triangles with the nearest centroids; a point on an edge or a vertex gets
        one of the triangles sharing it.  ValueError for a point outside the square (barycentric
        coordinates below -``tolerance`` in the best candidate).
        """
        points = np.asarray(points, np.float64).reshape(-1, 2)
        origin, inverse = self.inverse_maps
        elements = np.zeros(len(points), np.int64)
        best = np.full(len(points), -np.inf)
        todo = np.arange(len(points))
        for k in NEIGHBOURS:
            if todo.size == 0:
                break
            k = min(k, len(origin))
            _, candidates = self._tree.query(points[todo], k)
            candidates = candidates.reshape(len(todo), k)
            local = np.einsum("mkij,mkj->mki", inverse[candidates], points[todo, None, :] - origin[candidates])
            margin = np.minimum(np.minimum(local[..., 0], local[..., 1]), 1.0 - local.sum(-1))  # min barycentric
            pick = np.argmax(margin, axis=1)  # the first triangle that holds the point, or the nearest miss
            elements[todo] = candidates[np.arange(len(todo)), pick]
            best[todo] = margin[np.arange(len(todo)), pick]
            todo = todo[best[todo] < -1e-12]
        outside = np.flatnonzero(best < -tolerance)
        if outside.size:
            raise ValueError(f"{outside.size} point(s) outside the meshed unit square, e.g. {points[outside[0]]}")
        local = np.einsum("mij,mj->mi", inverse[elements], points - origin[elements])
        return elements, np.column_stack([1.0 - local.sum(1), local])


@dataclass(frozen=True, eq=False)
class DirichletSystem:
    """The reduced SPD system of a Dirichlet problem with what is needed to map back to the mesh.

    ``system``: A_II, b_I - A_ID g_D, the interior nodes' positions and whether each touches the
    boundary; ``mesh``: the :class:`FEMMesh`; ``basis``: scikit-fem's P1 basis; ``boundary_values``:
    g at ``mesh.dirichlet``; ``info``: assembly time and sizes.
    """

    system: LinearSystem
    mesh: FEMMesh
    basis: Basis
    boundary_values: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    def expand(self, interior_values: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
        """All nodal values (N,) from the interior ones (n,): boundary nodes get g."""
        return expand(self.mesh, interior_values, self.boundary_values)


def expand(mesh: FEMMesh, interior_values: np.ndarray | torch.Tensor, boundary_values: np.ndarray
           ) -> np.ndarray | torch.Tensor:
    """Nodal values (N,) with ``interior_values`` at ``mesh.interior`` and ``boundary_values`` at ``mesh.dirichlet``."""
    if isinstance(interior_values, torch.Tensor):
        full = torch.empty(mesh.n_nodes, dtype=interior_values.dtype, device=interior_values.device)
        full[torch.as_tensor(mesh.interior, device=full.device)] = interior_values.reshape(-1)
        full[torch.as_tensor(mesh.dirichlet, device=full.device)] = torch.as_tensor(boundary_values).to(full)
        return full
    full = np.empty(mesh.n_nodes, np.result_type(interior_values, np.float64))
    full[mesh.interior] = np.asarray(interior_values).reshape(-1)
    full[mesh.dirichlet] = boundary_values
    return full


def dirichlet_mesh(cells: int, seed: int = 0, jitter: float = 0.2) -> FEMMesh:
    """The ``poisson_fem`` kind of mesh with ``cells`` squares per side, drawn from ``seed`` alone
    ((cells - 1)^2 interior nodes)."""
    check_int("cells", cells, minimum=2)
    check_int("seed", seed, minimum=0)
    mesh = square_mesh(cells, np.random.default_rng(seed), jitter)
    dirichlet = np.unique(np.asarray(mesh.boundary_nodes(), np.int64))
    interior = np.setdiff1d(np.arange(mesh.p.shape[1]), dirichlet)
    return FEMMesh(mesh, cells, seed, float(jitter), interior, dirichlet)


def assemble_dirichlet(mesh: FEMMesh, kappa: Field | float, source: Field, boundary: Field,
                       family: str = "dirichlet_fem") -> DirichletSystem:
    """Assemble -div(k grad u) = f, u = g on ``mesh`` and eliminate the boundary nodes (module docstring).

    ``kappa``, ``source``, ``boundary``: k, f, g as callables of numpy x, y (k may be a number);
    ``family`` names the system (:attr:`LinearSystem.family`).
    """
    start = time.perf_counter()
    K, _, loads, basis = assemble(mesh.mesh, kappa, [source])
    g = np.asarray(boundary(*mesh.nodes[mesh.dirichlet].T), np.float64).reshape(-1)
    if not np.all(np.isfinite(g)):
        raise ValueError("the boundary values g are not all finite")
    lifted = np.zeros(K.shape[0])
    lifted[mesh.dirichlet] = g
    A, b, _, kept = condense(K, loads[:, 0], x=lifted, D=mesh.dirichlet)  # b_I - K_ID g_D
    if not np.array_equal(kept, mesh.interior):
        raise AssertionError("condense kept other nodes than the interior ones")  # both are sorted complements
    is_dirichlet = np.zeros(K.shape[0], bool)
    is_dirichlet[mesh.dirichlet] = True
    touches = np.asarray(abs(sp.csr_matrix(K)[kept][:, is_dirichlet]).sum(axis=1)).ravel() > 0
    params = dict(cells=mesh.cells, seed=mesh.seed, jitter=mesh.jitter)
    system = LinearSystem(finish(A), np.ascontiguousarray(b, np.float64), mesh.nodes[kept].copy(), touches, family,
                          len(kept), mesh.seed, params)
    info = dict(assemble_s=time.perf_counter() - start, unknowns=system.n, nodes=mesh.n_nodes,
                triangles=mesh.triangles.shape[0], h=1.0 / mesh.cells)
    return DirichletSystem(system, mesh, basis, g, info)


def dirichlet_fem(cells: int, kappa: Field | float, source: Field, boundary: Field, seed: int = 0,
                  jitter: float = 0.2, family: str = "dirichlet_fem") -> DirichletSystem:
    """:func:`dirichlet_mesh` then :func:`assemble_dirichlet`."""
    return assemble_dirichlet(dirichlet_mesh(cells, seed, jitter), kappa, source, boundary, family)
