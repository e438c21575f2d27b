"""Conversions between scipy CSR matrices and torch sparse CSR tensors, and A's lower pattern."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["to_torch_csr", "to_scipy_csr", "LowerPattern", "lower_pattern"]


def to_torch_csr(A: sp.spmatrix | torch.Tensor, dtype: torch.dtype = torch.float64,
                 device: torch.device | str = "cpu") -> torch.Tensor:
    """A as a torch sparse CSR tensor (int64 indices) of ``dtype`` on ``device``; torch CSR input is moved/cast."""
    if isinstance(A, torch.Tensor):
        if A.layout != torch.sparse_csr:
            raise ValueError(f"A must be a sparse CSR tensor, got layout {A.layout}")
        return A.to(device=device, dtype=dtype)
    A = sp.csr_matrix(A)
    A.sort_indices()
    with warnings.catch_warnings():  # "sparse CSR support is in beta": known, and the API we need works
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(torch.from_numpy(A.indptr.astype(np.int64)),
                                       torch.from_numpy(A.indices.astype(np.int64)),
                                       torch.from_numpy(A.data.astype(np.float64)), size=A.shape,
                                       dtype=dtype, device=device)


def to_scipy_csr(A: torch.Tensor) -> sp.csr_matrix:
    """A torch sparse CSR tensor as a float64 scipy CSR matrix (on the CPU)."""
    if A.layout != torch.sparse_csr:
        raise ValueError(f"A must be a sparse CSR tensor, got layout {A.layout}")
    return sp.csr_matrix((A.values().detach().cpu().double().numpy(), A.col_indices().cpu().numpy(),
                          A.crow_indices().cpu().numpy()), shape=tuple(A.shape))


@dataclass(frozen=True)
class LowerPattern:
    """The lower triangle (diagonal included) of A's CSR pattern.

    ``indptr``/``indices``: CSR of tril(A); ``source[e]``: the position in ``A.data`` of lower
    entry e; ``mirror[e]``: the position of its transpose partner (the same entry on the diagonal),
    so symmetrised per-edge values v on A's pattern give L's values as (v[source] + v[mirror]) / 2;
    ``diagonal[i]``: the position of (i, i) among the lower entries (the last of row i).
    """

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    source: np.ndarray
    mirror: np.ndarray
    diagonal: np.ndarray

    def matrix(self, values: np.ndarray) -> sp.csr_matrix:
        """The lower-triangular CSR matrix with these values (one per lower entry)."""
        return sp.csr_matrix((np.asarray(values, np.float64), self.indices, self.indptr), shape=(self.n, self.n))


def lower_pattern(A: sp.spmatrix) -> LowerPattern:
    """The lower pattern of a structurally symmetric A with a full diagonal (ValueError otherwise)."""
    A = sp.csr_matrix(A)
    A.sort_indices()
    n = A.shape[0]
    rows = np.repeat(np.arange(n), np.diff(A.indptr))
    keep = A.indices <= rows
    source = np.flatnonzero(keep)
    r, c = rows[keep], A.indices[keep]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=n))]).astype(np.int64)
    diagonal = indptr[1:] - 1
    if np.any(np.diff(indptr) == 0) or np.any(c[diagonal] != np.arange(n)):
        raise ValueError("A needs a stored diagonal entry in every row")
    # the transpose partner of (r, c) is (c, r): find it by sorting the keys of the upper entries
    key = rows.astype(np.int64) * n + A.indices
    partner_key = c.astype(np.int64) * n + r
    at = np.searchsorted(key, partner_key)  # keys are sorted (row-major CSR, sorted indices)
    if np.any(at >= key.size) or np.any(key[np.minimum(at, key.size - 1)] != partner_key):
        raise ValueError("A's pattern is not symmetric")
    return LowerPattern(n, indptr, c.astype(np.int64), source.astype(np.int64), at.astype(np.int64),
                        diagonal.astype(np.int64))
