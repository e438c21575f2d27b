"""Uniform cubic B-spline bases with analytic derivatives, and their tensor products.

On ``[a, b]`` split into ``m`` intervals of width ``h = (b - a) / m``:

* clamped (open-uniform) knots ``a, a, a, a, a + h, ..., b - h, b, b, b, b``: ``n = m + 3``
  functions, ``u(a) = theta_0`` and ``u(b) = theta_{n-1}``, so boundary values are controllable;
* periodic: the uniform knots ``a + j h`` and the ``m`` functions ``sum_p B_i(x + p (b - a))``.

Values come from the Cox-de Boor recursion
``N_{i,d}(x) = (x - t_i)/(t_{i+d} - t_i) N_{i,d-1}(x) + (t_{i+d+1} - x)/(t_{i+d+1} - t_{i+1}) N_{i+1,d-1}(x)``
and derivatives from
``N'_{i,d} = d [N_{i,d-1}/(t_{i+d} - t_i) - N_{i+1,d-1}/(t_{i+d+1} - t_{i+1})]`` applied
recursively (terms with a zero denominator vanish); de Boor, A Practical Guide to Splines,
Springer 2001, ch. IX-X. Matrices are dense ``(N, n)`` float64 tensors: the bases here have
tens of functions per axis, and tensor products are applied axis by axis (:meth:`TensorBasis.apply`).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

__all__ = ["BSplineBasis", "TensorBasis", "gauss_points"]

DEGREE = 3


class BSplineBasis:
    """Uniform cubic B-splines on ``[a, b]`` with ``intervals`` knot intervals, clamped or periodic."""

    def __init__(self, a: float, b: float, intervals: int, periodic: bool = False) -> None:
        if not (math.isfinite(a) and math.isfinite(b) and b > a):
            raise ValueError(f"the interval must be finite with b > a, got [{a}, {b}]")
        if not isinstance(intervals, int) or intervals < (DEGREE + 1 if periodic else 1):
            raise ValueError(f"intervals must be an integer >= {DEGREE + 1 if periodic else 1}"
                             f"{' for a periodic basis' if periodic else ''}, got {intervals!r}")
        self.a, self.b, self.intervals, self.periodic = float(a), float(b), intervals, periodic
        self.h = (self.b - self.a) / intervals
        j = np.arange(intervals + 2 * DEGREE + 1)
        uniform = self.a + (j - DEGREE) * self.h
        self.knots = uniform if periodic else np.clip(uniform, self.a, self.b)
        self.knots[DEGREE:DEGREE + intervals + 1] = self.a + np.arange(intervals + 1) * self.h

    @property
    def size(self) -> int:
        """Number of basis functions: ``m + 3`` clamped, ``m`` periodic."""
        return self.intervals if self.periodic else self.intervals + DEGREE

    @property
    def greville(self) -> np.ndarray:
        """Greville abscissae ``(t_{i+1} + t_{i+2} + t_{i+3}) / 3``: ``sum_i xi_i phi_i(x) = x`` (clamped)."""
        t = self.knots
        xi = (t[1:-3] + t[2:-2] + t[3:-1]) / 3
        return np.mod(xi[:self.size] - self.a, self.b - self.a) + self.a if self.periodic else xi

    def matrix(self, x, derivative: int = 0, dtype: torch.dtype = torch.float64) -> torch.Tensor:
        """``M[p, i] = d^k phi_i / dx^k (x_p)`` for ``k = derivative`` (0 to 3), shape ``(N, n)``."""
        return self.matrices(x, (derivative,), dtype)[derivative]

    def matrices(self, x, derivatives: Sequence[int] = (0, 1, 2),
                 dtype: torch.dtype = torch.float64) -> dict[int, torch.Tensor]:
        """The matrices of several derivative orders at once (one recursion), keyed by order."""
        x = _as_points(x)
        if any(not isinstance(k, int) or not 0 <= k <= DEGREE for k in derivatives):
            raise ValueError(f"derivative orders must be integers 0..{DEGREE}, got {tuple(derivatives)}")
        if self.periodic:
            x = np.mod(x - self.a, self.b - self.a) + self.a
        elif x.size and (x.min() < self.a - 1e-12 * (self.b - self.a) or x.max() > self.b + 1e-12 * (self.b - self.a)):
            raise ValueError(f"points must lie in [{self.a}, {self.b}], got [{x.min()}, {x.max()}]")
        levels = self._levels(np.clip(x, self.a, self.b))
        out = {}
        for k in derivatives:
            dense = self._derivative(levels, x, DEGREE, k)
            if self.periodic:
                folded = dense[:, :self.intervals].copy()
                folded[:, :DEGREE] += dense[:, self.intervals:]
                dense = folded
            out[k] = torch.as_tensor(dense, dtype=dtype)
        return out

    def _levels(self, x: np.ndarray) -> list[np.ndarray]:
        """``levels[d][:, i] = N_{i,d}(x)`` for d = 0..3 over the whole knot vector."""
        t = self.knots
        span = np.clip(np.searchsorted(t, x, side="right") - 1, DEGREE, DEGREE + self.intervals - 1)
        level = np.zeros((x.size, t.size - 1))
        level[np.arange(x.size), span] = 1.0
        levels = [level]
        for d in range(1, DEGREE + 1):
            left, right = _ratio(x[:, None] - t[None, :-d - 1], t[d:-1] - t[:-d - 1]), \
                _ratio(t[None, d + 1:] - x[:, None], t[d + 1:] - t[1:-d])
            level = left * level[:, :-1] + right * level[:, 1:]
            levels.append(level)
        return levels

    def _derivative(self, levels: list[np.ndarray], x: np.ndarray, d: int, k: int) -> np.ndarray:
        """``d^k N_{i,d} / dx^k`` by the derivative recursion down to ``levels[d - k]``."""
        if k == 0:
            return levels[d]
        t = self.knots
        lower = self._derivative(levels, x, d - 1, k - 1)
        return d * (_ratio(lower[:, :-1], t[d:-1] - t[:-d - 1]) - _ratio(lower[:, 1:], t[d + 1:] - t[1:-d]))

    def __repr__(self) -> str:
        kind = "periodic" if self.periodic else "clamped"
        return f"BSplineBasis([{self.a:g}, {self.b:g}], intervals={self.intervals}, {kind}, size={self.size})"


class TensorBasis:
    """Tensor products ``phi_{i1...id}(x) = prod_a phi^a_{ia}(x_a)`` of 1-D bases (coefficients row-major)."""

    def __init__(self, *bases: BSplineBasis) -> None:
        if not bases:
            raise ValueError("a tensor basis needs at least one 1-D basis")
        self.bases = tuple(bases)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(b.size for b in self.bases)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def matrix(self, points, derivative: Sequence[int] | None = None,
               dtype: torch.dtype = torch.float64) -> torch.Tensor:
        """Dense ``(N, size)`` matrix at scattered points ``(N, d)``; ``derivative`` = order per axis."""
        points = np.asarray(points.detach().cpu() if isinstance(points, torch.Tensor) else points, dtype=float)
        derivative = tuple(derivative) if derivative is not None else (0,) * len(self.bases)
        if points.ndim != 2 or points.shape[1] != len(self.bases) or len(derivative) != len(self.bases):
            raise ValueError(f"points must have shape (N, {len(self.bases)}) and one derivative order per axis, "
                             f"got {points.shape} and {derivative}")
        out = torch.ones(points.shape[0], 1, dtype=dtype)
        for axis, (basis, k) in enumerate(zip(self.bases, derivative)):
            factor = basis.matrix(points[:, axis], k, dtype)
            out = (out[:, :, None] * factor[:, None, :]).reshape(points.shape[0], -1)
        return out

    def apply(self, theta: torch.Tensor, matrices: Sequence[torch.Tensor]) -> torch.Tensor:
        """Values on a tensor grid: ``theta (B, *shape) -> (B, N_1, ..., N_d)`` with ``matrices[a] (N_a, n_a)``.

        Axis by axis (``sum_i M^1_{p i} ... theta_{i...}``): cost ``sum_a N_a prod n``, not ``prod N prod n``.
        """
        if len(matrices) != len(self.bases) or tuple(theta.shape[1:]) != self.shape:
            raise ValueError(f"theta must have shape (B, {self.shape}) with one matrix per axis, "
                             f"got {tuple(theta.shape)} and {len(matrices)} matrices")
        out = theta
        for axis, m in enumerate(matrices):
            out = torch.movedim(torch.tensordot(out, m, dims=([axis + 1], [1])), -1, axis + 1)
        return out


def gauss_points(basis: BSplineBasis, per_interval: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre points and weights, ``per_interval`` on every knot interval (weights sum to ``b - a``)."""
    nodes, weights = np.polynomial.legendre.leggauss(per_interval)
    left = basis.a + basis.h * np.arange(basis.intervals)
    x = (left[:, None] + basis.h * (nodes[None, :] + 1) / 2).ravel()
    w = np.tile(basis.h * weights / 2, basis.intervals)
    return x, w


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den == 0`` (repeated knots)."""
    safe = np.where(den == 0, 1.0, den)
    return np.where(den == 0, 0.0, num / safe)


def _as_points(x) -> np.ndarray:
    x = np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x, dtype=float)
    if x.ndim != 1:
        x = x.reshape(-1) if x.ndim == 2 and x.shape[1] == 1 else None
        if x is None:
            raise ValueError("points of a 1-D basis must be a vector (N,) or a column (N, 1)")
    if not np.all(np.isfinite(x)):
        raise ValueError("points contain non-finite values")
    return x
