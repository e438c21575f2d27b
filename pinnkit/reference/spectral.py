"""Trusted Fourier-spectral reference solutions for periodic PDEs, evaluable anywhere in (x, t).

* :func:`solve_periodic` / :func:`etdrk4_coefficients` (from :mod:`pinnkit.reference.etdrk4`):
  Fourier ETDRK4 for ``u_t = L u + N(u)`` (Kassam & Trefethen, SIAM J. Sci. Comput. 26(4), 2005).
* :func:`fourier_interpolate`: the trigonometric interpolant of grid data at arbitrary points.
* :class:`SpectralSolution`: snapshots plus the PDE right-hand side; spectral in space and
  fourth-order (cubic Hermite) in time between snapshots.
* :func:`solve_allen_cahn`, :func:`solve_viscous_burgers`, :func:`solve_heat`: ready-made problems.

Grids are uniform and periodic: point ``j`` of an axis sits at ``origin + j L / n`` (right end
excluded); 2-D arrays use 'ij' indexing (axis 0 is x, axis 1 is y).
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from pinnkit.reference.etdrk4 import (
    FourierGrid,
    LinearSymbol,
    Nonlinear,
    check_grid,
    check_times,
    etdrk4_coefficients,
    solve_periodic,
    solve_periodic_rfft,
    wavenumbers,
)

__all__ = [
    "etdrk4_coefficients",
    "solve_periodic",
    "fourier_interpolate",
    "SpectralSolution",
    "solve_allen_cahn",
    "solve_viscous_burgers",
    "solve_heat",
    "allen_cahn_terms",
    "burgers_terms",
    "integrate_terms",
    "solution_from_snapshots",
]

_WORK = 1 << 22  # float64 entries per interpolation chunk (~32 MB per temporary)


# --------------------------------------------------------------------------- interpolation
def _half_spectrum(values: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary parts of ``w_m c_m``, so that ``u(theta) = Re sum_m w_m c_m e^{i m theta}``.

    ``c_m`` are the DFT coefficients along ``axis``; ``w_0 = 1``, ``w_m = 2`` for ``0 < m < n/2``
    and, for even ``n``, the Nyquist mode keeps ``w = 1`` and its real part only, i.e.
    ``c_{n/2} cos(n theta / 2)``: the symmetric interpolant (Trefethen, Spectral Methods in
    MATLAB, SIAM 2000, ch. 3). Both parts are returned C-contiguous for fast BLAS products.
    """
    n = values.shape[axis]
    coef = np.moveaxis(np.fft.rfft(values, axis=axis), axis, -1) / n
    coef[..., 1:] *= 2.0
    if n % 2 == 0:
        coef[..., -1] = coef[..., -1].real / 2
    coef = np.moveaxis(coef, -1, axis)
    return np.ascontiguousarray(coef.real), np.ascontiguousarray(coef.imag)


def _phases(theta: np.ndarray, n_modes: int) -> tuple[np.ndarray, np.ndarray]:
    """``cos(m theta)`` and ``sin(m theta)`` for ``m = 0..n_modes-1``, shape (n_modes, len(theta))."""
    angle = np.arange(n_modes)[:, None] * np.mod(theta, 2 * np.pi)[None, :]
    return np.cos(angle), np.sin(angle)


def _interp_outer(spectrum: tuple[np.ndarray, np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Sum a last-axis half spectrum at every angle: ``(..., m) -> (..., len(theta))`` (BLAS products)."""
    re, im = spectrum
    cos, sin = _phases(theta, re.shape[-1])
    return re @ cos - im @ sin


def _interp_paired(values: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Interpolate axis -2 of ``(..., n, P)`` with column ``p`` at angle ``theta[p]``: ``-> (..., P)``."""
    re, im = _half_spectrum(values, axis=-2)
    cos, sin = _phases(theta, re.shape[-2])
    return (re * cos).sum(axis=-2) - (im * sin).sum(axis=-2)


def _interp_real(spectrum: tuple[np.ndarray, np.ndarray], thetas: list[np.ndarray]) -> np.ndarray:
    """Separable interpolation given the last-axis half spectrum of ``(B, n1, ..., nd)`` data:
    the last axis at all points first, then each remaining axis point by point."""
    out = _interp_outer(spectrum, thetas[-1])
    for theta in reversed(thetas[:-1]):
        out = _interp_paired(out, theta)
    return out


def fourier_interpolate(
    values: np.ndarray,
    lengths: Sequence[float],
    origins: Sequence[float],
    points: np.ndarray,
) -> np.ndarray:
    """Evaluate the trigonometric interpolant of periodic grid data at arbitrary points.

    ``u(x) = sum_m c_m exp(2 pi i m (x - origin) / L)`` per axis, with the even-n Nyquist term
    taken as ``c_{n/2} cos(pi n (x - origin)/L)`` so real data give real values. ``values`` has
    shape ``(..., n1[, n2])`` (leading axes batched), ``points`` shape ``(N, ndim)``; returns
    ``(..., N)``. 2-D is done separably (along y for all points, then along x point by point)
    in chunks of points, so memory stays bounded.
    Boyd, Chebyshev and Fourier Spectral Methods, 2nd ed., Dover 2001, ch. 2.
    """
    lengths = tuple(float(length) for length in lengths)
    origins = tuple(float(origin) for origin in origins)
    ndim = len(lengths)
    values = np.asarray(values)
    points = np.asarray(points, dtype=float)
    if len(origins) != ndim or ndim < 1 or values.ndim < ndim:
        raise ValueError(
            f"values of shape {values.shape} do not match lengths {lengths} and origins {origins}"
        )
    if points.ndim != 2 or points.shape[1] != ndim:
        raise ValueError(f"points must have shape (N, {ndim}), got {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError("points contain non-finite values")
    if np.iscomplexobj(values):
        return fourier_interpolate(values.real, lengths, origins, points) + 1j * fourier_interpolate(
            values.imag, lengths, origins, points
        )
    batch, grid = values.shape[:-ndim], values.shape[-ndim:]
    flat = values.reshape(-1, *grid).astype(float)
    spectrum = _half_spectrum(flat, axis=-1)
    thetas = 2 * np.pi * (points - np.asarray(origins)) / np.asarray(lengths)
    per_point = flat.shape[0] * max(math.prod(grid[:-1]), grid[-1] // 2 + 1)
    chunk = max(1, _WORK // per_point)
    out = np.empty((flat.shape[0], points.shape[0]))
    for start in range(0, points.shape[0], chunk):
        rows = slice(start, start + chunk)
        out[:, rows] = _interp_real(spectrum, [thetas[rows, axis] for axis in range(ndim)])
    return out.reshape(*batch, points.shape[0])


# --------------------------------------------------------------------------- solution object
def _hermite(s: np.ndarray, h: float, u0, u1, du0, du1) -> np.ndarray:
    """Cubic Hermite interpolation at ``s = (t - t0)/h`` from values and derivatives at both ends."""
    s2, s3 = s * s, s * s * s
    return (
        (2 * s3 - 3 * s2 + 1) * u0
        + (s3 - 2 * s2 + s) * h * du0
        + (3 * s2 - 2 * s3) * u1
        + (s3 - s2) * h * du1
    )


class SpectralSolution:
    """A spectral reference solution: grid snapshots at times ``t`` that evaluate anywhere.

    Space uses :func:`fourier_interpolate`; time uses cubic Hermite interpolation between
    neighbouring snapshots with ``u_t = ifftn(L u_hat + N(u_hat))`` at both, whose error is
    ``|u''''| dt^4 / 384`` for snapshot spacing ``dt`` (Burden & Faires, Numerical Analysis,
    sec. 3.4).  Attributes: ``t``, ``x`` (1-D coordinates per axis), ``values``
    ``(len(t), *grid)``, ``u_t`` (same shape), ``lengths``, ``origins``.
    """

    def __init__(
        self,
        t: np.ndarray,
        values: np.ndarray,
        lengths: Sequence[float],
        origins: Sequence[float],
        linear: LinearSymbol,
        nonlinear: Nonlinear,
    ):
        self.t = check_times(t)
        self.values = np.asarray(values, dtype=float)
        self.lengths = tuple(float(length) for length in lengths)
        self.origins = tuple(float(origin) for origin in origins)
        ndim = len(self.lengths)
        if len(self.origins) != ndim or self.values.shape[:1] != self.t.shape or self.values.ndim != ndim + 1:
            raise ValueError(
                f"values of shape {self.values.shape} do not match {self.t.size} times "
                f"and {ndim} lengths/origins"
            )
        grid = self.values.shape[1:]
        self.x = tuple(
            origin + length * np.arange(n) / n for origin, length, n in zip(self.origins, self.lengths, grid)
        )
        self.u_t = self._time_derivative(linear, nonlinear)

    def _time_derivative(self, linear: LinearSymbol, nonlinear: Nonlinear) -> np.ndarray:
        """``u_t = ifftn(L u_hat + N(u_hat))`` at every snapshot."""
        k = wavenumbers(self.values.shape[1:], self.lengths)
        lin = np.asarray(linear(k))
        out = np.empty_like(self.values)
        for i, snapshot in enumerate(self.values):
            u_hat = np.fft.fftn(snapshot)
            out[i] = np.fft.ifftn(lin * u_hat + nonlinear(u_hat, k)).real
        return out

    @property
    def grid(self) -> tuple[np.ndarray, ...]:
        """Meshgrid ('ij') of the spatial grid points."""
        return tuple(np.meshgrid(*self.x, indexing="ij"))

    @property
    def ndim(self) -> int:
        """Number of spatial dimensions."""
        return len(self.lengths)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """Solution at ``points`` of shape ``(N, ndim + 1)`` (last column time); returns ``(N,)``."""
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != self.ndim + 1:
            raise ValueError(
                f"points must have shape (N, {self.ndim + 1}) with time last, got {points.shape}"
            )
        if not np.all(np.isfinite(points)):
            raise ValueError("points contain non-finite values")
        times = points[:, -1]
        if times.size and (times.min() < self.t[0] or times.max() > self.t[-1]):
            raise ValueError(
                f"times must lie in [{self.t[0]}, {self.t[-1]}], got [{times.min()}, {times.max()}]"
            )
        out = np.empty(points.shape[0])
        if self.t.size == 1:
            out[:] = fourier_interpolate(self.values[0], self.lengths, self.origins, points[:, :-1])
            return out
        interval = np.clip(np.searchsorted(self.t, times, side="right") - 1, 0, self.t.size - 2)
        for i in np.unique(interval):
            rows = np.flatnonzero(interval == i)
            fields = np.stack([self.values[i], self.values[i + 1], self.u_t[i], self.u_t[i + 1]])
            u0, u1, du0, du1 = fourier_interpolate(fields, self.lengths, self.origins, points[rows, :-1])
            h = self.t[i + 1] - self.t[i]
            out[rows] = _hermite((times[rows] - self.t[i]) / h, h, u0, u1, du0, du1)
        return out


# --------------------------------------------------------------------------- problems
Terms = Callable[[FourierGrid], tuple[LinearSymbol, Nonlinear]]


def _laplacian(k: tuple[np.ndarray, ...]) -> np.ndarray:
    """Symbol ``-|k|^2`` of the Laplacian."""
    return -sum(ki**2 for ki in k)


def integrate_terms(u0, lengths, terms: Terms, t_out, dt: float) -> np.ndarray:
    """Snapshots ``(len(t_out), *u0.shape)`` of ``u_t = L u + N(u)`` in the fast real (rfft) layout."""
    lengths = tuple(float(length) for length in lengths)
    u0 = check_grid(u0, lengths)
    return solve_periodic_rfft(u0, lengths, *terms(FourierGrid(u0.shape, lengths, real=True)), check_times(t_out), dt)


def solution_from_snapshots(t, values, lengths, origins, terms: Terms) -> SpectralSolution:
    """A :class:`SpectralSolution` from stored snapshots (e.g. a disk cache) and the PDE's terms."""
    lengths = tuple(float(length) for length in lengths)
    values = np.asarray(values, dtype=float)
    return SpectralSolution(t, values, lengths, origins, *terms(FourierGrid(values.shape[1:], lengths)))


def _solve(u0, lengths, origins, terms: Terms, t_out, dt: float) -> SpectralSolution:
    """Step in the fast real layout; the solution object gets the same terms in the full layout."""
    values = integrate_terms(u0, lengths, terms, t_out, dt)
    return solution_from_snapshots(check_times(t_out), values, lengths, origins, terms)


def allen_cahn_terms(eps: float, a: float, b: float) -> Terms:
    """Terms of Allen-Cahn ``u_t = eps Lap u + a u - b u^3``: ``L = -eps |k|^2 + a``, ``N(u) = -b u^3``."""

    def terms(fourier: FourierGrid):
        def linear(k):
            return eps * _laplacian(k) + a

        def nonlinear(u_hat, k):
            u = fourier.inverse(u_hat)
            return fourier.forward(-b * u * u * u)  # u*u*u: numpy's u**3 is ~10x slower

        return linear, nonlinear

    return terms


def burgers_terms(nu: float) -> Terms:
    """Terms of viscous Burgers ``u_t + u sum_i u_{x_i} = nu Lap u``.

    ``N(u) = -(1/2) sum_i d(u^2)/dx_i`` in conservative form, dealiased by the 2/3 rule
    (Canuto, Hussaini, Quarteroni & Zang, Spectral Methods, Springer 2006, sec. 3.2).
    """

    def terms(fourier: FourierGrid):
        factor = -0.5 * fourier.dealias_mask() * sum(fourier.derivatives())

        def linear(k):
            return nu * _laplacian(k)

        def nonlinear(u_hat, k):
            return factor * fourier.forward(fourier.inverse(u_hat) ** 2)

        return linear, nonlinear

    return terms


def solve_allen_cahn(u0, lengths, origins, eps: float, a: float, b: float, t_out, dt) -> SpectralSolution:
    """Allen-Cahn ``u_t = eps Lap u + a u - b u^3`` (periodic) by Fourier ETDRK4.

    ``L = -eps |k|^2 + a`` is integrated exactly (Allen & Cahn, Acta Metall. 27, 1979;
    Kassam & Trefethen 2005, sec. 6).
    """
    return _solve(u0, lengths, origins, allen_cahn_terms(eps, a, b), t_out, dt)


def solve_viscous_burgers(u0, lengths, origins, nu: float, t_out, dt) -> SpectralSolution:
    """Viscous Burgers ``u_t + u sum_i u_{x_i} = nu Lap u`` (periodic) by Fourier ETDRK4."""
    return _solve(u0, lengths, origins, burgers_terms(nu), t_out, dt)


def solve_heat(u0, lengths, origins, nu: float, t_out) -> SpectralSolution:
    """Heat equation ``u_t = nu Lap u`` (periodic), exact in time: ``u_hat(t) = e^{-nu |k|^2 t} u_hat(0)``."""
    lengths = tuple(float(length) for length in lengths)
    u0 = check_grid(u0, lengths)
    t_out = check_times(t_out)
    fourier = FourierGrid(u0.shape, lengths, real=True)
    symbol, u_hat = nu * _laplacian(fourier.k), fourier.forward(u0)
    values = np.stack([fourier.inverse(np.exp(symbol * t) * u_hat) for t in t_out])

    def linear(k):
        return nu * _laplacian(k)

    def nonlinear(u_hat, k):
        return np.zeros_like(u_hat)

    return SpectralSolution(t_out, values, lengths, origins, linear, nonlinear)
