"""Classical preconditioners for PCG: identity, Jacobi, IC(0) and smoothed-aggregation AMG.

Each constructor takes an SPD matrix (scipy sparse or a torch sparse CSR tensor) and returns a
:class:`Preconditioner`: a callable r (n,) or (n, m) torch tensor -> z = P^-1 r (same shape,
dtype and device) that also carries its construction time and details.

* ``jacobi``: P = diag(A) (Saad 2003, sec. 4.1 and 10.2).
* ``ic0``: P = L L^T with L the IC(0) factor (:mod:`pinnkit.linsys.ic0`), applied by two sparse
  triangular solves (:class:`pinnkit.linsys.triangular.FactorSolve`; the same helper serves any
  factor with A's lower pattern, e.g. a learned one: :func:`factor`).
* ``amg``: one V-cycle of pyamg's smoothed aggregation (Vanek, Mandel & Brezina, Computing 56,
  179-196, 1996) with pyamg's default symmetric Gauss-Seidel smoothing, so P is SPD.  pyamg
  works on the CPU in float64: CUDA input makes a round trip through the host.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp
import torch

import pyamg

from pinnkit._validate import check_choice
from pinnkit.linsys.ic0 import IC0Breakdown, ic0_factor
from pinnkit.linsys.sparse import to_scipy_csr
from pinnkit.linsys.triangular import FactorSolve

__all__ = ["Preconditioner", "PRECONDITIONERS", "make_preconditioner", "identity", "jacobi", "ic0", "amg",
           "factor"]

Apply = Callable[[torch.Tensor], torch.Tensor]
MAX_SHIFT = 1.0  # ic0's automatic diagonal shift gives up beyond this fraction of diag(A)


@dataclass(frozen=True)
class Preconditioner:
    """z = P^-1 r as a callable, with its name, construction time (s) and details (``info``)."""

    name: str
    apply: Apply
    setup_s: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    def __call__(self, r: torch.Tensor) -> torch.Tensor:
        return self.apply(r)


class _PerDevice:
    """A numpy vector as torch tensors, cached per (device, dtype)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values, self.cache = values, {}

    def get(self, like: torch.Tensor) -> torch.Tensor:
        key = (like.device, like.dtype)
        if key not in self.cache:
            self.cache[key] = torch.as_tensor(self.values, dtype=like.dtype, device=like.device)
        return self.cache[key]


def _csr(A: sp.spmatrix | torch.Tensor) -> sp.csr_matrix:
    return to_scipy_csr(A) if isinstance(A, torch.Tensor) else sp.csr_matrix(A, dtype=np.float64)


def identity(A: sp.spmatrix | torch.Tensor | None = None) -> Preconditioner:
    """P = I (plain CG)."""
    return Preconditioner("none", lambda r: r)


def jacobi(A: sp.spmatrix | torch.Tensor) -> Preconditioner:
    """P = diag(A); ValueError if a diagonal entry is not positive."""
    start = time.perf_counter()
    diagonal = _csr(A).diagonal()
    if not np.all(diagonal > 0):
        raise ValueError(f"Jacobi needs a positive diagonal; row {int(np.argmin(diagonal))} has {diagonal.min():.3e}")
    inverse = _PerDevice(1.0 / diagonal)

    def apply(r: torch.Tensor) -> torch.Tensor:
        d = inverse.get(r)
        return r * (d if r.ndim == 1 else d[:, None])

    return Preconditioner("jacobi", apply, time.perf_counter() - start)


def factor(L: sp.spmatrix | torch.Tensor, name: str = "factor", backend: str = "torch", setup_s: float = 0.0,
           **info: Any) -> Preconditioner:
    """P = L L^T for a given sparse lower-triangular L (e.g. IC(0)'s or a learned one): z = L^-T L^-1 r."""
    start = time.perf_counter()
    solve = FactorSolve(L, backend)
    return Preconditioner(name, solve, setup_s + time.perf_counter() - start,
                          dict(info, nnz_L=solve.L.nnz, backend=backend))


def ic0(A: sp.spmatrix | torch.Tensor, shift: float | str = "auto", backend: str = "torch") -> Preconditioner:
    """IC(0): P = L L^T, L the zero-fill incomplete Cholesky factor of A + shift diag(A).

    ``shift="auto"``: 0, and on breakdown 1e-3, doubled until it works (``info["shift"]`` says
    which); a number: only that shift (IC0Breakdown if it fails).
    """
    start = time.perf_counter()
    A = _csr(A)
    if shift == "auto":
        alpha, L = 0.0, None
        while L is None:
            try:
                L = ic0_factor(A, alpha)
            except IC0Breakdown:
                alpha = 1e-3 if alpha == 0.0 else 2.0 * alpha
                if alpha > MAX_SHIFT:
                    raise
    elif isinstance(shift, (int, float)) and shift >= 0:
        alpha, L = float(shift), ic0_factor(A, float(shift))
    else:
        raise ValueError(f"shift must be 'auto' or a number >= 0, got {shift!r}")
    return factor(L, "ic0", backend, time.perf_counter() - start, shift=alpha)


def amg(A: sp.spmatrix | torch.Tensor, cycle: str = "V", **options: Any) -> Preconditioner:
    """One ``cycle`` (V, W, F) of pyamg's smoothed aggregation per application; ``options`` go to
    ``pyamg.smoothed_aggregation_solver``."""
    check_choice("AMG cycle", cycle, ("V", "W", "F"))
    start = time.perf_counter()
    hierarchy = pyamg.smoothed_aggregation_solver(_csr(A), **options)
    operator = hierarchy.aspreconditioner(cycle=cycle)

    def apply(r: torch.Tensor) -> torch.Tensor:
        rhs = r.detach().cpu().double().numpy()
        z = operator @ rhs if rhs.ndim == 1 else np.stack([operator @ c for c in rhs.T], axis=1)
        return torch.from_numpy(np.ascontiguousarray(z)).to(device=r.device, dtype=r.dtype)

    info = dict(levels=len(hierarchy.levels), operator_complexity=float(hierarchy.operator_complexity()),
                grid_complexity=float(hierarchy.grid_complexity()))
    return Preconditioner("amg", apply, time.perf_counter() - start, info)


PRECONDITIONERS: dict[str, Callable[..., Preconditioner]] = {
    "none": identity,
    "jacobi": jacobi,
    "ic0": ic0,
    "amg": amg,
}


def make_preconditioner(name: str, A: sp.spmatrix | torch.Tensor, **options: Any) -> Preconditioner:
    """The preconditioner ``name`` (one of ``PRECONDITIONERS``) built for A; ``options`` go to its constructor."""
    check_choice("preconditioner", name, PRECONDITIONERS)
    return PRECONDITIONERS[name](A, **options)
