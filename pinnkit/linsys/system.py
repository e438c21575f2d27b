"""A sparse symmetric positive definite system A x = b with the geometry it came from."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["LinearSystem"]


@dataclass(frozen=True)
class LinearSystem:
    """A x = b from a PDE discretisation: one drawn member of a seeded family.

    ``A``: (n, n) SPD ``scipy.sparse.csr_matrix`` (sorted indices, no duplicates);
    ``b``: (n,) or (n, m) right-hand sides; ``positions``: (n, d) coordinates of the unknowns;
    ``boundary``: (n,) bool, the unknown touches the boundary (it was coupled to an eliminated
    Dirichlet node, or it lies on a Neumann wall); ``family``, ``seed`` and ``params`` (the
    keyword arguments after defaults, so ``make_system(family, n_target, seed, **params)``
    rebuilds it); ``n_target`` the size asked for (``n`` is the size obtained).
    """

    A: sp.csr_matrix
    b: np.ndarray
    positions: np.ndarray
    boundary: np.ndarray
    family: str
    n_target: int
    seed: int
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.A.shape[0]
        if self.A.shape != (n, n) or not sp.isspmatrix_csr(self.A):
            raise ValueError(f"A must be a square scipy.sparse.csr_matrix, got {type(self.A).__name__} {self.A.shape}")
        if self.b.shape[0] != n or self.b.ndim not in (1, 2):
            raise ValueError(f"b must have shape ({n},) or ({n}, m), got {self.b.shape}")
        if self.positions.ndim != 2 or self.positions.shape[0] != n:
            raise ValueError(f"positions must have shape ({n}, d), got {self.positions.shape}")
        if self.boundary.shape != (n,):
            raise ValueError(f"boundary must have shape ({n},), got {self.boundary.shape}")

    @property
    def n(self) -> int:
        """Number of unknowns."""
        return self.A.shape[0]

    @property
    def nnz(self) -> int:
        """Stored nonzeros of A."""
        return self.A.nnz

    def __repr__(self) -> str:
        m = "" if self.b.ndim == 1 else f", {self.b.shape[1]} right-hand sides"
        return f"LinearSystem({self.family!r}, n={self.n}, nnz={self.nnz}, seed={self.seed}{m})"


def finish(A: sp.spmatrix) -> sp.csr_matrix:
    """Canonical CSR (float64, sorted indices, duplicates summed, explicit zeros dropped), symmetrised
    exactly as (A + A^T) / 2 so round-off in assembly leaves no asymmetry."""
    A = sp.csr_matrix(A, dtype=np.float64)
    A = sp.csr_matrix((A + A.T) * 0.5)
    A.sum_duplicates()
    A.eliminate_zeros()
    A.sort_indices()
    return A
