"""Input embeddings: exact periodic features (fixed or trainable) and random Fourier features.

All act on the last axis of ``(..., c)`` inputs and have no data-dependent control flow, so they
work under ``torch.func`` transforms.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from pinnkit._validate import check_int

__all__ = ["PeriodicEmbedding", "TrainablePeriodicEmbedding", "FourierFeatures"]


def _randn(shape: tuple[int, ...], generator: torch.Generator | None) -> torch.Tensor:
    device = generator.device if generator is not None else "cpu"
    return torch.randn(shape, generator=generator, dtype=torch.float64, device=device)


def _rand(shape: tuple[int, ...], generator: torch.Generator | None) -> torch.Tensor:
    device = generator.device if generator is not None else "cpu"
    return torch.rand(shape, generator=generator, dtype=torch.float64, device=device)


class PeriodicEmbedding(nn.Module):
    """``x -> [cos(w k x), sin(w k x)]_{k=1..K}`` with ``w = 2 pi / period``, per input column.

    Any function of these features is exactly ``period``-periodic in ``x`` (Dong & Ni, JCP 435,
    2021). Output: ``(..., 2 c K)``, per column the K cosines then the K sines. Exactness in
    floating point needs ``w x`` to hit multiples of ``pi`` exactly at the two ends: use it on
    normalised coordinates (``period=2`` on ``[-1, 1]``), as :func:`pinnkit.nn.build_network` does.
    """

    def __init__(self, period: float = 2.0, harmonics: int = 1) -> None:
        super().__init__()
        if not float(period) > 0:
            raise ValueError(f"period must be > 0, got {period!r}")
        check_int("harmonics", harmonics)
        self.period, self.n_harmonics = float(period), harmonics
        self.omega = 2 * math.pi / self.period  # a Python float: exact in every dtype it meets
        self.register_buffer("harmonics", torch.arange(1, harmonics + 1, dtype=torch.float64))

    def features(self, columns: int) -> int:
        return 2 * columns * self.n_harmonics

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        theta = (x * self.omega).unsqueeze(-1) * self.harmonics.to(x.dtype)  # (..., c, K)
        return torch.cat([torch.cos(theta), torch.sin(theta)], dim=-1).flatten(-2)

    def extra_repr(self) -> str:
        return f"period={self.period:g}, harmonics={self.n_harmonics}"


class TrainablePeriodicEmbedding(nn.Module):
    """``x -> [a_j cos(w x + phi_j) + c_j]_{j=1..m}`` with ``w = 2 pi / period``, per input column.

    The periodic layer of TENG (Chen, McCarran, Vizcaino, Soljacic & Luo, ICML 2024): amplitudes
    ``a``, phases ``phi`` and offsets ``c`` (shape ``(c, m)``) are trained, and the features stay
    exactly periodic. Initialised ``a = 1``, ``phi ~ U[0, 2 pi)``, ``c = 0``. Output ``(..., c m)``.
    """

    def __init__(self, period: float = 2.0, features: int = 20, columns: int = 1,
                 generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
                 device=None) -> None:
        super().__init__()
        if not float(period) > 0:
            raise ValueError(f"period must be > 0, got {period!r}")
        check_int("trainable periodic features", features)
        check_int("columns", columns)
        self.period, self.m, self.columns = float(period), features, columns
        self.omega = 2 * math.pi / self.period
        phase = 2 * math.pi * _rand((columns, features), generator)
        self.amplitude = nn.Parameter(torch.ones(columns, features, dtype=dtype, device=device))
        self.phase = nn.Parameter(phase.to(device=device, dtype=dtype))
        self.offset = nn.Parameter(torch.zeros(columns, features, dtype=dtype, device=device))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        theta = (x * self.omega).unsqueeze(-1) + self.phase  # (..., c, m)
        return (self.amplitude * torch.cos(theta) + self.offset).flatten(-2)

    def extra_repr(self) -> str:
        return f"period={self.period:g}, columns={self.columns}, features={self.m}"


class FourierFeatures(nn.Module):
    """Random Fourier features ``x -> [cos(x B), sin(x B)]`` with fixed ``B ~ N(0, sigma^2)``.

    Tancik et al., NeurIPS 2020; Wang, Wang & Perdikaris, CMAME 384, 2021. ``B`` (shape
    ``(in_features, features)``) is a buffer drawn in float64 from ``generator`` and cast, so a
    seed gives the same ``B`` in every dtype and on every device. Output ``(..., 2 features)``.
    """

    def __init__(self, in_features: int, features: int, sigma: float = 1.0,
                 generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
                 device=None) -> None:
        super().__init__()
        check_int("Fourier in_features", in_features)
        check_int("Fourier features", features)
        if not (math.isfinite(sigma) and sigma > 0):
            raise ValueError(f"Fourier feature sigma must be finite and > 0, got {sigma!r}")
        self.in_features, self.features, self.sigma = in_features, features, float(sigma)
        self.register_buffer("B", (sigma * _randn((in_features, features), generator)).to(device=device, dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = x @ self.B
        return torch.cat([torch.cos(z), torch.sin(z)], dim=-1)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, features={self.features}, sigma={self.sigma:g}"
