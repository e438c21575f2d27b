"""FitzHugh-Nagumo reaction-diffusion on (-1, 1)^2 with no-flux walls: the numerical reference of
PDEBench's diff-react family (cosine-spectral ETDRK4, :func:`pinnkit.reference.cosine.solve_neumann`).

u_t = du Lap u + u - u^3 - k - v,  v_t = dv Lap v + u - v (Takahashi et al., PDEBench, NeurIPS 2022).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from pinnkit.reference.cosine import solve_neumann

LOWS, LENGTHS = (-1.0, -1.0), (2.0, 2.0)
MODES = 128  # per axis; see the docstring for the measured accuracy
DT = 5e-3
IC_MODES = 8  # initial condition: cosines m, n < 8
# Snapshot spacing by time span: the reaction's initial transient is fast (rates ~3 u0^2 ~ 20), so
# early snapshots are dense enough for cubic Hermite interpolation in time between them.
SPACING = ((0.1, 0.005), (0.5, 0.0125), (math.inf, 0.05))


def snapshot_times(t_final: float, extra: np.ndarray = np.empty(0)) -> np.ndarray:
    """Stored times: every 0.005 up to 0.1, every 0.0125 up to 0.5, then every 0.05, t_final and ``extra``."""
    times, start = [np.array([0.0, t_final]), np.asarray(extra, dtype=float)], 0.0
    for stop, step in SPACING:
        end = min(stop, t_final)
        times.append(start + step * np.arange(int(np.floor((end - start) / step + 1e-9)) + 1))
        if end >= t_final:
            break
        start = end
    t = np.unique(np.round(np.concatenate(times), 12))
    return t[(t >= 0) & (t <= t_final)]


def evaluation_times(t_final: float) -> np.ndarray:
    """Times of the default evaluation grid: every 0.1 (at least 11 times)."""
    return np.linspace(0.0, t_final, max(11, int(round(10 * t_final)) + 1))


def fitzhugh_nagumo_terms(du: float, dv: float, k: float):
    """``(linear, nonlinear)`` for :func:`~pinnkit.reference.cosine.solve_neumann`.

    ``L = (-du |k|^2 + 1, -dv |k|^2 - 1)`` exactly; ``N(u, v) = (-u^3 - k - v, u)`` explicitly.
    """

    def linear(kk):
        lap = -sum(c**2 for c in kk)
        return np.stack([du * lap + 1.0, dv * lap - 1.0])

    def nonlinear(w):
        u, v = w
        return np.stack([-u * u * u - k - v, u])

    return linear, nonlinear


def cosine_coefficients(seed: int) -> np.ndarray:
    """``(2, 8, 8)`` normal coefficients / 4.5, so each field has unit mean square in expectation."""
    rng = np.random.default_rng([2024, seed])
    return rng.standard_normal((2, IC_MODES, IC_MODES)) / 4.5  # E mean-square = (1 + 7/2)^2 sigma^2


def cosine_initial(seed: int):
    """``x (N, 2) -> (u0, v0) (N, 2)``: ``sum_{m,n<8} c_mn cos(m pi (x+1)/2) cos(n pi (y+1)/2)`` per field."""
    coef = torch.as_tensor(cosine_coefficients(seed))
    k = math.pi / 2 * torch.arange(IC_MODES, dtype=torch.float64)

    def u0(x: torch.Tensor) -> torch.Tensor:
        c, kk = coef.to(x), k.to(x)
        bx = torch.cos((x[:, :1] + 1) * kk)  # (N, 8)
        by = torch.cos((x[:, 1:2] + 1) * kk)
        return torch.einsum("pm,fmn,pn->pf", bx, c, by)

    return u0


def solve_fitzhugh_nagumo(seed: int, t: np.ndarray, du: float, dv: float, k: float, modes: int = MODES,
                          dt: float = DT) -> np.ndarray:
    """Snapshots ``(len(t), 2, modes, modes)`` at the cell centres of ``(-1, 1)^2`` ('ij': x, then y)."""
    centres = -1.0 + (np.arange(modes) + 0.5) * 2.0 / modes
    mesh = np.stack(np.meshgrid(centres, centres, indexing="ij"), axis=-1).reshape(-1, 2)
    w0 = cosine_initial(seed)(torch.as_tensor(mesh)).numpy().T.reshape(2, modes, modes)
    return solve_neumann(w0, LOWS, LENGTHS, *fitzhugh_nagumo_terms(du, dv, k), t, dt)
