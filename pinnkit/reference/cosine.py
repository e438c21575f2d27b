"""Cosine pseudo-spectral ETDRK4 for semilinear systems with no-flux (homogeneous Neumann) walls.

Solves ``w_t = L w + N(w)`` for ``F`` fields on a box ``prod [low_d, low_d + L_d]`` with
``grad w . n = 0`` on the walls. On the cell-centred grid ``x_j = low + (j + 1/2) L / n`` the
DCT-II diagonalises the Neumann Laplacian: the cosines ``cos(k_m (x - low))``, ``k_m = pi m / L``,
satisfy the wall condition exactly and the symbol of the Laplacian is ``-|k|^2``. ``L`` is diagonal
per field and mode (a symbol of ``k``); ``N`` acts pointwise on the grid values. Time stepping is
the ETDRK4 scheme of Cox & Matthews (J. Comput. Phys. 176, 2002) with Kassam & Trefethen's
coefficients (SIAM J. Sci. Comput. 26, 2005), shared with :mod:`pinnkit.reference.etdrk4`.
For reaction-diffusion systems every odd wall derivative of the solution vanishes when it does
at t = 0, so the even extension is smooth and the method converges spectrally (Boyd, Chebyshev and
Fourier Spectral Methods, 2nd ed., Dover 2001, sec. 9.2).
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
from scipy.fft import dctn, idctn

from pinnkit.reference.etdrk4 import _Stepper, check_times, march

__all__ = ["CosineGrid", "solve_neumann", "CosineSolution"]

Symbol = Callable[[tuple[np.ndarray, ...]], np.ndarray]
Pointwise = Callable[[np.ndarray], np.ndarray]

_CHUNK = 4096  # points per evaluation chunk


class CosineGrid:
    """Cell-centred grid of ``shape`` on ``prod [lows_d, lows_d + lengths_d]`` and its orthonormal DCT-II.

    Arrays are ``(F, n_1, ..., n_d)``: fields first, then space in coordinate order.
    """

    def __init__(self, shape: Sequence[int], lows: Sequence[float], lengths: Sequence[float]) -> None:
        self.shape, self.lows, self.lengths = tuple(shape), tuple(map(float, lows)), tuple(map(float, lengths))
        if not (len(self.shape) == len(self.lows) == len(self.lengths)) or min(self.shape) < 2:
            raise ValueError(f"bad cosine grid: shape {self.shape}, lows {self.lows}, lengths {self.lengths}")
        self.axes = tuple(range(-len(self.shape), 0))
        d = len(self.shape)
        self.k = tuple(np.pi * np.arange(n).reshape([n if i == a else 1 for i in range(d)]) / length
                       for a, (n, length) in enumerate(zip(self.shape, self.lengths)))
        self.centres = tuple(low + (np.arange(n) + 0.5) * length / n
                             for n, low, length in zip(self.shape, self.lows, self.lengths))

    def laplacian(self) -> np.ndarray:
        """Symbol ``-|k|^2`` of the Neumann Laplacian (broadcast to the grid)."""
        return -sum(k**2 for k in self.k) * np.ones(self.shape)

    def forward(self, values: np.ndarray) -> np.ndarray:
        return dctn(values, type=2, norm="ortho", axes=self.axes)

    def inverse(self, coefficients: np.ndarray) -> np.ndarray:
        return idctn(coefficients, type=2, norm="ortho", axes=self.axes)

    def amplitudes(self, coefficients: np.ndarray) -> np.ndarray:
        """Coefficients ``a`` of ``u(x) = sum_m a_m prod_d cos(k_{m_d} (x_d - low_d))`` from DCT ones."""
        out = np.array(coefficients, dtype=float)
        for axis, n in zip(self.axes, self.shape):
            weight = np.full(n, math.sqrt(2.0 / n))
            weight[0] = math.sqrt(1.0 / n)
            out *= weight.reshape([n if a == axis else 1 for a in range(-out.ndim, 0)])
        return out

    def resample(self, values: np.ndarray, axes: Sequence[np.ndarray]) -> np.ndarray:
        """The cosine series of grid ``values`` ``(..., n_1, ..., n_d)`` on the tensor grid of ``axes``."""
        out = self.amplitudes(self.forward(np.asarray(values, dtype=float)))
        for d, (k, low, x) in enumerate(zip(self.k, self.lows, axes)):
            axis = out.ndim - len(self.shape) + d
            basis = np.cos(np.outer(np.asarray(x, dtype=float) - low, k.ravel()))  # (len(x), n_d)
            out = np.moveaxis(np.tensordot(out, basis, axes=([axis], [1])), -1, axis)
        return out


def solve_neumann(w0: np.ndarray, lows: Sequence[float], lengths: Sequence[float], linear: Symbol,
                  nonlinear: Pointwise, t_out: np.ndarray, dt: float) -> np.ndarray:
    """Integrate ``w_t = L w + N(w)`` with no-flux walls from the grid values ``w0`` ``(F, n_1, ..., n_d)``.

    ``linear(k)`` returns the symbol of ``L`` broadcastable to ``(F, n_1, ..., n_d)`` (``k`` per
    axis, ``pi m / L_d``); ``nonlinear(w)`` maps grid values to grid values. Steps of ``dt``, the
    last one before each output time shortened to land on it. Returns ``(len(t_out), *w0.shape)``.
    """
    w0 = np.asarray(w0, dtype=float)
    if w0.ndim != len(lengths) + 1 or not np.all(np.isfinite(w0)):
        raise ValueError(f"w0 must be finite values shaped (fields, n_1..n_{len(lengths)}), got shape {w0.shape}")
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive finite number, got {dt!r}")
    t_out = check_times(t_out)
    grid = CosineGrid(w0.shape[1:], lows, lengths)
    lin = np.broadcast_to(np.asarray(linear(grid.k), dtype=float), w0.shape).copy()
    stepper = _Stepper(lin, lambda c: grid.forward(nonlinear(grid.inverse(c))), float(dt))
    return march(stepper, grid.forward(w0), t_out, dt, grid.inverse, w0.shape)


def _hermite(s: np.ndarray, h: float, u0, u1, du0, du1) -> np.ndarray:
    s2, s3 = s * s, s * s * s
    return (2 * s3 - 3 * s2 + 1) * u0 + (s3 - 2 * s2 + s) * h * du0 + (3 * s2 - 2 * s3) * u1 + (s3 - s2) * h * du1


class CosineSolution:
    """Snapshots ``(nt, F, n_1, ..., n_d)`` on a :class:`CosineGrid`, evaluable anywhere in (x, t).

    Space: the cosine series of each snapshot (spectral). Time: cubic Hermite between snapshots
    with ``w_t = L w + N(w)`` at both ends (error ``|w''''| h^4 / 384`` for spacing ``h``).
    """

    def __init__(self, t: np.ndarray, values: np.ndarray, lows: Sequence[float], lengths: Sequence[float],
                 linear: Symbol, nonlinear: Pointwise) -> None:
        self.t = check_times(t)
        self.values = np.asarray(values, dtype=float)
        self.grid = CosineGrid(self.values.shape[2:], lows, lengths)
        if self.values.shape[0] != self.t.size:
            raise ValueError(f"{self.t.size} times but {self.values.shape[0]} snapshots")
        coef = self.grid.forward(self.values)
        rate = np.asarray(linear(self.grid.k)) * coef + self.grid.forward(np.stack([nonlinear(v) for v in self.values]))
        self.a, self.a_t = self.grid.amplitudes(coef), self.grid.amplitudes(rate)

    def _series(self, a: np.ndarray, space: np.ndarray) -> np.ndarray:
        """``a`` ``(..., n_1, ..., n_d)`` summed at points ``space`` ``(P, d)``: ``(..., P)``."""
        g = self.grid
        basis = [np.cos(k.ravel()[None, :] * (space[:, i:i + 1] - g.lows[i])) for i, k in enumerate(g.k)]
        out = a @ basis[-1].T  # (..., n_1, ..., n_{d-1}, P)
        for b in reversed(basis[:-1]):
            out = (out * b.T).sum(axis=-2)
        return out

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Values ``(N, F)`` at ``points`` ``(N, d + 1)`` (time last, inside [t_0, t_end])."""
        points = np.asarray(points, dtype=float)
        d = len(self.grid.shape)
        if points.ndim != 2 or points.shape[1] != d + 1:
            raise ValueError(f"points must have shape (N, {d + 1}) with time last, got {points.shape}")
        times = points[:, -1]
        if times.size and (times.min() < self.t[0] - 1e-12 or times.max() > self.t[-1] + 1e-12):
            raise ValueError(f"times must lie in [{self.t[0]}, {self.t[-1]}], got [{times.min()}, {times.max()}]")
        out = np.empty((len(points), self.values.shape[1]))
        n = self.t.size
        interval = np.clip(np.searchsorted(self.t, times, side="right") - 1, 0, max(n - 2, 0))
        for i in np.unique(interval):
            rows = np.flatnonzero(interval == i)
            for start in range(0, rows.size, _CHUNK):
                r = rows[start:start + _CHUNK]
                if n == 1:
                    out[r] = self._series(self.a[0], points[r, :-1]).T
                    continue
                stack = np.stack([self.a[i], self.a[i + 1], self.a_t[i], self.a_t[i + 1]])
                u0, u1, du0, du1 = self._series(stack, points[r, :-1])
                h = self.t[i + 1] - self.t[i]
                out[r] = _hermite((times[r] - self.t[i]) / h, h, u0, u1, du0, du1).T
        return out
