"""Preconditioned conjugate gradients in torch, batched over right-hand sides.

For SPD A and SPD P, from x_0 (default 0): r_0 = b - A x_0, z_0 = P^-1 r_0, p_0 = z_0, then

    alpha_k = (r_k . z_k) / (p_k . A p_k),   x_{k+1} = x_k + alpha_k p_k,   r_{k+1} = r_k - alpha_k A p_k,
    z_{k+1} = P^-1 r_{k+1},   beta_k = (r_{k+1} . z_{k+1}) / (r_k . z_k),   p_{k+1} = z_{k+1} + beta_k p_k

(Hestenes & Stiefel, J. Res. NBS 49, 409-436, 1952; Saad 2003, alg. 9.1), the same recurrence
as ``scipy.sparse.linalg.cg``.  Each column of b (n, m) runs its own recurrence (its own alpha
and beta) in one vectorised loop; a column stops when its recurrence residual ||r_k|| / ||b||
reaches ``rtol`` (its updates are then frozen) and the preconditioner is applied to the running
columns only.  On the CPU with one thread a batched run equals m separate runs bit for bit; on
CUDA, reductions may be ordered differently for different m, and since CG amplifies round-off,
iteration counts can then differ by one.  At the end the true residual
||b - A x|| / ||b|| is recomputed (it drifts from the recurrence's in finite precision).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp
import torch

from pinnkit.linsys.sparse import to_torch_csr

__all__ = ["pcg", "PCGResult", "THRESHOLDS"]

THRESHOLDS = (1e-2, 1e-4, 1e-6, 1e-8, 1e-10)  # relative residuals whose first iteration is logged


@dataclass(frozen=True)
class PCGResult:
    """The outcome of :func:`pcg`; per-column lists have one entry per right-hand side.

    ``x``: the solution, shaped like b; ``iterations``: iterations run per column;
    ``converged``: the column reached ``rtol``; ``history``: (K + 1, m) relative recurrence
    residuals ||r_k|| / ||b|| (k = 0..K, NaN after a column stopped); ``reached``: for each of
    ``THRESHOLDS``, the first iteration at which each column's residual was at or below it (None
    if never); ``true_residual``: ||b - A x|| / ||b|| recomputed at the end; ``breakdown``: the
    column stopped on p.Ap <= 0 (A or P not SPD); ``solve_s``: wall time of the solve.
    """

    x: torch.Tensor
    iterations: list[int]
    converged: list[bool]
    history: np.ndarray
    reached: dict[float, list[int | None]]
    true_residual: list[float]
    breakdown: list[bool]
    solve_s: float

    def residuals(self, column: int = 0) -> np.ndarray:
        """Column ``column``'s relative residuals, iteration 0 to its last."""
        return self.history[: self.iterations[column] + 1, column]


def pcg(A: torch.Tensor | sp.spmatrix, b: torch.Tensor | np.ndarray,
        preconditioner: Callable[[torch.Tensor], torch.Tensor] | None = None, rtol: float = 1e-8,
        max_iter: int = 10_000, x0: torch.Tensor | np.ndarray | None = None,
        dtype: torch.dtype | None = None, device: torch.device | str | None = None) -> PCGResult:
    """Solve A x = b by PCG for every column of b (see the module docstring).

    ``A``: a torch sparse CSR tensor, or a scipy sparse matrix (converted); ``b``: (n,) or
    (n, m), torch or numpy; ``preconditioner``: r (n, m) -> P^-1 r (None: identity); ``x0``: the
    starting guess, shaped like b (default 0); ``dtype`` and ``device`` default to b's (float64
    for numpy input; CPU).  A column of b that is zero gets absolute residuals (and x = x0).
    """
    if not rtol > 0:
        raise ValueError(f"rtol must be positive, got {rtol!r}")
    if not isinstance(max_iter, int) or max_iter < 0:
        raise ValueError(f"max_iter must be an integer >= 0, got {max_iter!r}")
    b = torch.as_tensor(b)
    dtype = dtype or (b.dtype if b.is_floating_point() else torch.float64)
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
    device = torch.device(device) if device is not None else b.device
    A = to_torch_csr(A, dtype, device)
    n = A.shape[0]
    if A.shape != (n, n) or b.ndim not in (1, 2) or b.shape[0] != n:
        raise ValueError(f"A must be (n, n) and b (n,) or (n, m); got A {tuple(A.shape)}, b {tuple(b.shape)}")
    vector = b.ndim == 1
    B = b.to(device=device, dtype=dtype).reshape(n, -1)
    m = B.shape[1]
    precondition = preconditioner or (lambda r: r)
    _sync(device)
    start = time.perf_counter()

    b_norm = _dot(B, B).sqrt()
    scale = torch.where(b_norm > 0, b_norm, torch.ones_like(b_norm))  # b = 0: absolute residuals
    if x0 is None:
        X, R = torch.zeros_like(B), B.clone()
    else:
        X = torch.as_tensor(x0).to(device=device, dtype=dtype).reshape(n, m).clone()
        R = B - A @ X
    Z = precondition(R)
    P, rz = Z, _dot(R, Z)
    relative = _dot(R, R).sqrt() / scale
    history = [relative.double().cpu()]
    active = relative > rtol
    broke = torch.zeros(m, dtype=torch.bool, device=device)
    iterations = torch.zeros(m, dtype=torch.long, device=device)
    for k in range(1, max_iter + 1):
        if not bool(active.any()):
            break
        AP = A @ P
        pap = _dot(P, AP)
        bad = active & ~(pap > 0)
        broke |= bad
        active = active & ~bad
        alpha = torch.where(active, rz / torch.where(active, pap, torch.ones_like(pap)), torch.zeros_like(pap))
        X = X + alpha * P
        R = R - alpha * AP
        relative = _dot(R, R).sqrt() / scale
        history.append(torch.where(active, relative, torch.full_like(relative, float("nan"))).double().cpu())
        iterations = torch.where(active, torch.full_like(iterations, k), iterations)
        active = active & (relative > rtol)
        if not bool(active.any()):
            break
        Z = _apply_active(precondition, R, active)
        rz_new = _dot(R, Z)
        beta = torch.where(active, rz_new / torch.where(active, rz, torch.ones_like(rz)), torch.zeros_like(rz))
        P = torch.where(active, Z + beta * P, P)
        rz = torch.where(active, rz_new, rz)
    _sync(device)
    solve_s = time.perf_counter() - start

    true = (torch.linalg.vector_norm(B - A @ X, dim=0) / scale).double().cpu().tolist()
    hist = torch.stack(history).numpy()
    its = iterations.cpu().tolist()
    reached = {t: [_first_below(hist[: its[c] + 1, c], t) for c in range(m)] for t in THRESHOLDS}
    final = [float(hist[its[c], c]) for c in range(m)]
    return PCGResult(x=X[:, 0] if vector else X, iterations=its, converged=[f <= rtol for f in final],
                     history=hist, reached=reached, true_residual=true, breakdown=broke.cpu().tolist(),
                     solve_s=solve_s)


def _dot(U: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """Column-wise dot products, each reduced over a contiguous row: a column's value does not depend
    on the other columns (a strided sum over dim 0 does), so batched runs equal single ones on the CPU."""
    return (U * V).T.contiguous().sum(1)


def _apply_active(precondition: Callable[[torch.Tensor], torch.Tensor], R: torch.Tensor,
                  active: torch.Tensor) -> torch.Tensor:
    """P^-1 on the running columns only (zeros elsewhere: those columns are frozen)."""
    if bool(active.all()):
        return precondition(R)
    columns = torch.nonzero(active).flatten()
    Z = torch.zeros_like(R)
    Z[:, columns] = precondition(R[:, columns].contiguous())
    return Z


def _first_below(residuals: np.ndarray, threshold: float) -> int | None:
    hits = np.flatnonzero(residuals <= threshold)
    return int(hits[0]) if hits.size else None


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)

