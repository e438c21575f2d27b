"""Seeded smooth random fields on the unit square: coefficients and sources of the families.

    g(x, y) = sum_{p=0..K, q=-K..K, (p,q) != (0,0)} lam_pq [a_pq cos(pi (p x + q y)) + b_pq sin(pi (p x + q y))] / s,
    lam_pq = (1 + p^2 + q^2)^(-decay / 2),   a_pq, b_pq ~ N(0, 1),   s^2 = sum lam_pq^2,

so g is a stationary Gaussian field with unit pointwise variance and a power spectrum decaying
like |k|^(-decay) (a truncated Karhunen-Loeve / random Fourier expansion; Lord, Powell & Shardlow,
*An Introduction to Computational Stochastic PDEs*, CUP 2014, ch. 7).  The log-normal
coefficient is k = exp(sigma g), the usual model of a random diffusivity (Darcy flow).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SmoothField", "smooth_field"]


@dataclass(frozen=True)
class SmoothField:
    """g(x, y) of the module docstring; ``log_normal`` fields return exp(sigma g) instead."""

    p: np.ndarray  # (J,) mode numbers in x
    q: np.ndarray  # (J,) mode numbers in y
    a: np.ndarray  # (J,) cosine coefficients, lam_pq a_pq / s
    b: np.ndarray  # (J,) sine coefficients
    sigma: float = 1.0
    log_normal: bool = False

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Values at points of any (equal) shape."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        x, y = np.broadcast_arrays(x, y)
        cx = {p: (np.cos(np.pi * p * x), np.sin(np.pi * p * x)) for p in np.unique(self.p)}
        cy = {q: (np.cos(np.pi * q * y), np.sin(np.pi * q * y)) for q in np.unique(self.q)}
        g = np.zeros(x.shape)
        for p, q, a, b in zip(self.p, self.q, self.a, self.b):  # angle sums: few trig calls, no (points, modes) array
            (cos_x, sin_x), (cos_y, sin_y) = cx[p], cy[q]
            g += (a * cos_x + b * sin_x) * cos_y + (b * cos_x - a * sin_x) * sin_y
        return np.exp(self.sigma * g) if self.log_normal else self.sigma * g


def smooth_field(rng: np.random.Generator, modes: int = 4, decay: float = 2.0, sigma: float = 1.0,
                 log_normal: bool = False) -> SmoothField:
    """Draw a field with modes |p|, |q| <= ``modes``; sigma g, or exp(sigma g) if ``log_normal``."""
    if modes < 1:
        raise ValueError(f"modes must be >= 1, got {modes!r}")
    p, q = np.meshgrid(np.arange(modes + 1), np.arange(-modes, modes + 1), indexing="ij")
    keep = (p > 0) | (q > 0)  # one of each +-k pair, no constant mode
    p, q = p[keep].astype(float), q[keep].astype(float)
    lam = (1.0 + p**2 + q**2) ** (-decay / 2.0)
    lam /= np.sqrt(np.sum(lam**2))
    a, b = rng.standard_normal(p.size), rng.standard_normal(p.size)
    return SmoothField(p, q, lam * a, lam * b, float(sigma), log_normal)
