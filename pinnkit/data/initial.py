"""PDEBench's random initial conditions for the 1-D families, seeded.

u0(x) = sum_{i=1,2} A_i sin(2 pi k_i x / L + phi_i),  k_i in {1, ..., 4},  A_i ~ U(0, 1),
phi_i ~ U(0, 2 pi); with probability 0.1 the absolute value times a random sign is taken, and
with probability 0.1 the result is multiplied by the window
w(x) = (tanh((x - xL) / delta) - tanh((x - xR) / delta)) / 2,  xL ~ U(0.1, 0.45) L,  xR ~ U(0.55, 0.9) L,
delta = 0.01 L, which is 1 on (xL, xR) and decays to ~1e-9 at the ends (Takahashi et al.,
PDEBench, NeurIPS 2022, appendix B.1). ``positive=True`` (reaction-diffusion, whose logistic
term blows up for u < 0) rescales u0 affinely to [0, 1] by its extremes on 4096 points.

Every draw is made, used or not, so the random stream (``numpy.random.default_rng(seed)``) is
the same for every outcome; sample ``i`` of a generated file uses the seed ``[seed, i]``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

__all__ = ["SineInitial", "pdebench_initial"]


@dataclass(frozen=True)
class SineInitial:
    """One drawn initial condition; call it on numpy arrays or torch tensors of x."""

    k: tuple[int, int]
    amplitude: tuple[float, float]
    phase: tuple[float, float]
    sign: float = 0.0  # 0: no absolute value; +-1: sign * |u|
    window: tuple[float, float] | None = None
    length: float = 1.0
    offset: float = 0.0  # u0 <- (u0 - offset) * scale  (positive=True)
    scale: float = 1.0

    def _raw(self, x, lib):
        u = sum(a * lib.sin(2 * math.pi * k * x / self.length + p) for k, a, p in zip(self.k, self.amplitude, self.phase))
        if self.sign:
            u = self.sign * lib.abs(u)
        if self.window is not None:
            delta = 0.01 * self.length
            xl, xr = self.window
            u = u * 0.5 * (lib.tanh((x - xl) / delta) - lib.tanh((x - xr) / delta))
        return u

    def __call__(self, x: np.ndarray | torch.Tensor) -> np.ndarray | torch.Tensor:
        lib = torch if isinstance(x, torch.Tensor) else np
        return (self._raw(x, lib) - self.offset) * self.scale

    def to_dict(self) -> dict:
        return dict(k=list(self.k), amplitude=list(self.amplitude), phase=list(self.phase), sign=self.sign,
                    window=None if self.window is None else list(self.window), length=self.length,
                    offset=self.offset, scale=self.scale)


def pdebench_initial(seed: int | Sequence[int], length: float = 1.0, positive: bool = False) -> SineInitial:
    """Draw one initial condition from PDEBench's 1-D distribution (see the module docstring)."""
    rng = np.random.default_rng(seed)
    k = tuple(int(v) for v in rng.integers(1, 5, size=2))
    amplitude = tuple(float(v) for v in rng.uniform(0.0, 1.0, size=2))
    phase = tuple(float(v) for v in rng.uniform(0.0, 2 * math.pi, size=2))
    take_abs, sign = rng.uniform() < 0.1, float(rng.choice([-1.0, 1.0]))
    take_window = rng.uniform() < 0.1
    xl, xr = float(rng.uniform(0.1, 0.45)) * length, float(rng.uniform(0.55, 0.9)) * length
    ic = SineInitial(k, amplitude, phase, sign if take_abs else 0.0, (xl, xr) if take_window else None, length)
    if positive:
        values = ic(np.arange(4096) * length / 4096)
        low, high = float(values.min()), float(values.max())
        ic = SineInitial(ic.k, amplitude, phase, ic.sign, ic.window, length, low, 1.0 / max(high - low, 1e-12))
    return ic
