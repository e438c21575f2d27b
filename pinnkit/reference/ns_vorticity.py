"""2-D incompressible Navier-Stokes in vorticity / stream-function form on a periodic box.

    w_t + u w_x + v w_y = nu (w_xx + w_yy) + f(x, y),   u = psi_y,  v = -psi_x,
    psi_xx + psi_yy = -w  (psi with zero mean; w must have zero mean).

Fourier pseudo-spectral in space with the advection written as ``div(u w)`` (equal to
``u . grad w`` as ``div u = 0``; it keeps the mean of ``w`` exactly) and dealiased by the 2/3 rule,
ETDRK4 in time (:func:`pinnkit.reference.spectral.integrate_terms`; Kassam & Trefethen, SIAM J.
Sci. Comput. 26, 2005), float64. ``psi`` is ``w`` through the spectral inverse Laplacian; both
evaluate anywhere as :class:`~pinnkit.reference.spectral.SpectralSolution` objects (trigonometric
interpolation in space, cubic Hermite in time with ``w_t`` and ``psi_t`` from the PDE).

The seeded initial vorticity (:func:`random_vorticity`) is a finite Fourier sum, so it is exact
torch code at any point and exact on every grid with more than ``2 IC_RADIUS`` points per axis.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import torch

from pinnkit.reference.etdrk4 import FourierGrid
from pinnkit.reference.spectral import Terms, integrate_terms, solution_from_snapshots

LENGTHS = (1.0, 1.0)  # the unit square
DT = 4e-3  # ETDRK4 step; see problems/ns_vorticity.py for the measured accuracy
SOLVE_FACTOR = 2  # the solve grid is this many times finer per axis than the evaluation grid
SNAPSHOT_SPACING = 0.01  # stored snapshots at most this far apart (cubic Hermite between them)
IC_RADIUS = 4  # initial vorticity: integer wave vectors 0 < |m| <= IC_RADIUS
IC_ALPHA, IC_TAU = 2.5, 7.0  # spectrum (4 pi^2 |m|^2 + tau^2)^(-alpha) as in Li et al. (ICLR 2021)
FORCINGS = ("none", "li2021")

__all__ = ["initial_modes", "random_vorticity", "forcing_function", "vorticity_terms", "stream_terms",
           "stream_function", "solve_ns_vorticity", "snapshot_times", "grid_points", "on_grid", "VorticitySolution"]

ForcingFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


# --------------------------------------------------------------------------- data
def initial_modes(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(m (M, 2) integer wave vectors, a (M,), b (M,))`` of :func:`random_vorticity`.

    One wave vector of each pair ``+-m`` with ``0 < |m| <= IC_RADIUS``; ``a, b`` are standard
    normal times ``(4 pi^2 |m|^2 + tau^2)^(-alpha/2)``, scaled so the field's RMS is exactly 1.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    r = IC_RADIUS
    m = np.array([(i, j) for i in range(-r, r + 1) for j in range(-r, r + 1)
                  if 0 < i * i + j * j <= r * r and (i > 0 or (i == 0 and j > 0))], dtype=np.int64)
    rng = np.random.default_rng([2024, seed])
    amplitude = (4 * math.pi**2 * (m**2).sum(axis=1) + IC_TAU**2) ** (-IC_ALPHA / 2)
    a, b = rng.standard_normal((2, len(m))) * amplitude
    rms = math.sqrt(0.5 * float((a**2 + b**2).sum()))  # mean of cos^2 and sin^2 is 1/2
    return m, a / rms, b / rms


def random_vorticity(seed: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """``x (N, 2) -> w0 (N, 1)``: ``sum_m a_m cos(2 pi m.x) + b_m sin(2 pi m.x)`` (:func:`initial_modes`)."""
    m, a, b = (torch.as_tensor(v) for v in initial_modes(seed))

    def w0(x: torch.Tensor) -> torch.Tensor:
        phase = 2 * math.pi * (x[:, :2] @ m.to(x).T)  # (N, M)
        return (torch.cos(phase) @ a.to(x) + torch.sin(phase) @ b.to(x))[:, None]

    return w0


def _li2021(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    s = 2 * math.pi * (x + y)
    return 0.1 * (torch.sin(s) + torch.cos(s))


def forcing_function(name: str) -> ForcingFn | None:
    """``f(x, y)`` in torch for a forcing of :data:`FORCINGS` (``None`` for ``"none"``).

    ``"li2021"``: ``0.1 (sin(2 pi (x + y)) + cos(2 pi (x + y)))``, the forcing of the Navier-Stokes
    data of Li et al., Fourier Neural Operator, ICLR 2021.
    """
    if name not in FORCINGS:
        raise ValueError(f"unknown forcing {name!r}; choose one of {FORCINGS}")
    return None if name == "none" else _li2021


def grid_points(n: int) -> np.ndarray:
    """The ``n x n`` periodic grid of the unit square, ``(n * n, 2)`` ('ij': x slowest)."""
    x = np.arange(n) / n
    return np.stack([c.ravel() for c in np.meshgrid(x, x, indexing="ij")], axis=1)


def on_grid(fn: Callable[[torch.Tensor], torch.Tensor], n: int) -> np.ndarray:
    """A torch function of points ``(N, 2) -> (N, 1)`` sampled on the ``n x n`` grid."""
    return fn(torch.as_tensor(grid_points(n)))[:, 0].reshape(n, n).numpy()


# --------------------------------------------------------------------------- terms
def _inverse_laplacian(fourier: FourierGrid) -> np.ndarray:
    """Symbol of ``-Lap^{-1}`` (``1 / |k|^2``) with the mean mode mapped to 0."""
    k2 = sum(k**2 for k in fourier.k)
    return np.divide(1.0, k2, out=np.zeros(np.shape(k2)), where=k2 > 0)


def vorticity_terms(nu: float, forcing: np.ndarray | None = None) -> Terms:
    """Terms of the vorticity equation: ``L = -nu |k|^2``, ``N(w) = f - div((psi_y, -psi_x) w)``.

    ``forcing`` holds ``f`` on the solution grid (or ``None``). The product is dealiased by the 2/3
    rule (Canuto, Hussaini, Quarteroni & Zang, Spectral Methods, Springer 2006, sec. 3.2).
    """

    def terms(fourier: FourierGrid):
        inverse = _inverse_laplacian(fourier)
        dx, dy = fourier.derivatives()
        mask = fourier.dealias_mask()
        f_hat = 0.0 if forcing is None else fourier.forward(np.asarray(forcing, dtype=float))

        def linear(k):
            return -nu * sum(c**2 for c in k)

        def nonlinear(w_hat, k):
            psi_hat = inverse * w_hat
            u, v, w = fourier.inverse(dy * psi_hat), fourier.inverse(-dx * psi_hat), fourier.inverse(w_hat)
            return f_hat - mask * (dx * fourier.forward(u * w) + dy * fourier.forward(v * w))

        return linear, nonlinear

    return terms


def stream_terms(nu: float, forcing: np.ndarray | None = None) -> Terms:
    """Terms giving ``psi_t = Lap^{-1}(-w_t)`` from ``psi`` (``w = -Lap psi``): ``L = 0``, ``N`` all of it."""
    vorticity = vorticity_terms(nu, forcing)

    def terms(fourier: FourierGrid):
        inverse = _inverse_laplacian(fourier)
        k2 = sum(k**2 for k in fourier.k)
        lin_w, nonlin_w = vorticity(fourier)

        def linear(k):
            return np.zeros(np.shape(k2))

        def nonlinear(psi_hat, k):
            w_hat = k2 * psi_hat
            return inverse * (lin_w(k) * w_hat + nonlin_w(w_hat, k))

        return linear, nonlinear

    return terms


def stream_function(w: np.ndarray) -> np.ndarray:
    """``psi`` with zero mean from ``w`` ``(..., n1, n2)`` on the unit square: ``-Lap psi = w - mean(w)``."""
    fourier = FourierGrid(w.shape[-2:], LENGTHS, real=True)
    axes = (-2, -1)
    return np.fft.irfftn(_inverse_laplacian(fourier) * np.fft.rfftn(w, axes=axes), s=w.shape[-2:], axes=axes)


# --------------------------------------------------------------------------- solve
def solve_ns_vorticity(w0: np.ndarray, nu: float, t_out: np.ndarray, dt: float = DT,
                       forcing: np.ndarray | None = None) -> np.ndarray:
    """Vorticity snapshots ``(len(t_out), n1, n2)`` on the unit square from grid values ``w0``.

    ``w0`` (and ``forcing``, if given) are values at ``(i / n1, j / n2)``; both must have zero
    mean (the stream function exists only then; the scheme keeps the mean of ``w`` exactly).
    """
    w0 = np.asarray(w0, dtype=float)
    scale = max(1.0, float(np.abs(w0).max()))
    for name, values in (("w0", w0), ("forcing", forcing)):
        if values is not None and abs(float(np.mean(values))) > 1e-12 * scale:
            raise ValueError(f"{name} must have zero mean on the periodic box, got mean {np.mean(values):.3g}")
    if forcing is not None and np.shape(forcing) != w0.shape:
        raise ValueError(f"forcing has shape {np.shape(forcing)}, w0 {w0.shape}")
    return integrate_terms(w0, LENGTHS, vorticity_terms(nu, forcing), t_out, dt)


def snapshot_times(t_final: float) -> np.ndarray:
    """Equispaced output times from 0 to ``t_final``, at most :data:`SNAPSHOT_SPACING` apart (>= 11)."""
    return np.linspace(0.0, t_final, max(11, math.ceil(t_final / SNAPSHOT_SPACING - 1e-9) + 1))


class VorticitySolution:
    """``w`` and ``psi`` from vorticity snapshots, evaluable anywhere: points ``(N, 3)`` (x, y, t) ->
    ``(N, 2)``. Attributes ``w`` and ``psi``: :class:`SpectralSolution` each."""

    def __init__(self, t: np.ndarray, w: np.ndarray, nu: float, forcing: np.ndarray | None = None,
                 origins: Sequence[float] = (0.0, 0.0)) -> None:
        self.w = solution_from_snapshots(t, w, LENGTHS, origins, vorticity_terms(nu, forcing))
        self.psi = solution_from_snapshots(t, stream_function(self.w.values), LENGTHS, origins,
                                           stream_terms(nu, forcing))

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return np.stack([self.w(points), self.psi(points)], axis=1)
