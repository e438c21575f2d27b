"""Damped linear least squares for the TENG / Gauss-Newton update.

    delta = argmin_d |J d - r|^2 + lambda |d|^2            (J: N x S, r: N)

* ``"cholesky"``: the damped normal equations (J^T J + lambda I) d = J^T r by Cholesky when
  N >= S, or the dual form d = J^T (J J^T + lambda I)^{-1} r when N < S (minimum-norm side).
  One N S^2 (or N^2 S) matrix product and an S^3 / 3 factorisation; squares the condition
  number, which ``lambda`` bounds. A factorisation that fails (not positive definite in
  floating point) is retried with lambda x 100, up to four times.
* ``"lstsq"``: ``torch.linalg.lstsq`` on the augmented system [J; sqrt(lambda) I] d = [r; 0]
  (Tikhonov by QR, no squaring); on the CPU the SVD driver ``gelsd`` with ``rcond`` gives the
  minimum-norm solution when lambda = 0; CUDA offers only QR (``gels``), which needs full column
  rank: keep lambda > 0 there.

Golub & Van Loan, *Matrix Computations* (4th ed.), 5.3 and 6.1.
"""
from __future__ import annotations

import torch

from pinnkit._validate import check_choice

__all__ = ["LSTSQ_METHODS", "solve_least_squares"]

LSTSQ_METHODS = ("cholesky", "lstsq")


def solve_least_squares(J: torch.Tensor, r: torch.Tensor, method: str = "cholesky", damping: float = 0.0,
                        rcond: float | None = None) -> torch.Tensor:
    """The damped least-squares step ``delta`` (shape ``(S,)``) for ``J`` ``(N, S)`` and ``r`` ``(N,)``."""
    check_choice("least-squares method", method, LSTSQ_METHODS)
    if damping < 0:
        raise ValueError(f"damping must be >= 0, got {damping}")
    if method == "cholesky":
        return _cholesky(J, r, damping)
    return _lstsq(J, r, damping, rcond)


def _cholesky(J: torch.Tensor, r: torch.Tensor, damping: float) -> torch.Tensor:
    n, s = J.shape
    dual = n < s
    gram = J @ J.T if dual else J.T @ J
    rhs = r if dual else J.T @ r
    eye = torch.eye(gram.shape[0], dtype=J.dtype, device=J.device)
    lam = damping
    for _ in range(5):
        factor, info = torch.linalg.cholesky_ex(gram + lam * eye)
        if int(info) == 0:
            sol = torch.cholesky_solve(rhs.unsqueeze(-1), factor).squeeze(-1)
            return J.T @ sol if dual else sol
        lam = max(lam * 100.0, torch.finfo(J.dtype).eps * float(gram.diagonal().abs().max()))
    return _lstsq(J, r, damping, None)


def _lstsq(J: torch.Tensor, r: torch.Tensor, damping: float, rcond: float | None) -> torch.Tensor:
    s = J.shape[1]
    if damping > 0:
        eye = torch.eye(s, dtype=J.dtype, device=J.device) * damping ** 0.5
        J = torch.cat([J, eye])
        r = torch.cat([r, torch.zeros(s, dtype=r.dtype, device=r.device)])
    if J.device.type == "cpu":
        return torch.linalg.lstsq(J, r.unsqueeze(-1), rcond=rcond, driver="gelsd").solution.squeeze(-1)
    return torch.linalg.lstsq(J, r.unsqueeze(-1), driver="gels").solution.squeeze(-1)
