"""A small Fourier neural operator over the coefficient grid (1-D or 2-D): the network F_psi.

``v_0 = P(a)``, ``v_{l+1} = gelu(K_l v_l + W_l v_l)`` with ``(K v)^ = R_l v^`` on the lowest
Fourier modes of the grid and ``W_l`` pointwise, output ``Q(v_L)`` (two pointwise layers); Li et
al., "Fourier neural operator for parametric PDEs", ICLR 2021. Non-periodic axes are zero-padded
before the transforms and cropped after, so the operator does not wrap around. The spectral
weights are stored as real tensors (real and imaginary parts) so every parameter is real
(``torch.autograd.gradcheck`` in float64 needs nothing special).
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["CoefficientFNO", "SpectralConv"]


class SpectralConv(nn.Module):
    """``(K v)^_k = R_k v^_k`` on the lowest ``modes`` frequencies per axis (1-D or 2-D).

    The grids are small (tens of points per axis), so the truncated transforms are dense
    products with precomputed real Fourier matrices rather than FFTs (fewer, larger operations
    on these grids): per axis of size ``N`` with kept frequencies ``m``,
    ``v^_m = sum_n v_n e^{-2 pi i m n / N}`` and back ``v_n = Re sum_m c_m v^_m e^{2 pi i m n / N}``,
    ``c_m = 1/N``, doubled on the last axis for ``m >= 1`` (its negative frequencies are the
    conjugates). The last axis keeps ``m = 0..M-1``, the first axis of a 2-D grid ``m = 0..M-1``
    and ``-M..-1``. Complex numbers are (real, imaginary) pairs, so the module casts like any
    real one; ``R_k`` acts as the real ``2C x 2C`` block ``[[Re R, Im R], [-Im R, Re R]]``.
    """

    def __init__(self, channels: int, modes: tuple[int, ...], sizes: tuple[int, ...]) -> None:
        super().__init__()
        if len(sizes) not in (1, 2) or len(modes) != len(sizes):
            raise ValueError(f"spectral convolutions are 1-D or 2-D with one mode count per axis, "
                             f"got modes {modes} for sizes {sizes}")
        limits = (sizes[0] // 2 + 1,) if len(sizes) == 1 else (max(sizes[0] // 2, 1), sizes[1] // 2 + 1)
        self.sizes, self.modes = tuple(sizes), tuple(min(m, lim) for m, lim in zip(modes, limits))
        # last axis (real data): v -> [Re | Im] and back
        n, m = self.sizes[-1], self.modes[-1]
        cos, sin = _trig(n, torch.arange(m))
        c = torch.full((m, 1), 2.0 / n, dtype=torch.float64)
        c[0] = 1.0 / n
        self.register_buffer("real_forward", torch.cat([cos, -sin], 1), persistent=False)  # (N, 2M)
        self.register_buffer("real_inverse", torch.cat([c * cos.T, -c * sin.T], 0), persistent=False)  # (2M, N)
        n_modes = m
        if len(self.sizes) == 2:  # first axis (complex data): [Re | Im] -> [Re | Im]
            n1, m1 = self.sizes[0], self.modes[0]
            cos, sin = _trig(n1, torch.cat([torch.arange(m1), torch.arange(-m1, 0)]))
            self.register_buffer("complex_forward", torch.cat([torch.cat([cos, -sin], 1), torch.cat([sin, cos], 1)], 0),
                                 persistent=False)  # (2 N1, 2 K1)
            d, e = cos.T / n1, sin.T / n1
            self.register_buffer("complex_inverse", torch.cat([torch.cat([d, e], 1), torch.cat([-e, d], 1)], 0),
                                 persistent=False)  # (2 K1, 2 N1)
            n_modes *= 2 * m1
        self.weight = nn.Parameter(torch.rand(2, n_modes, channels, channels) / channels)

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        b, c = v.shape[:2]
        spec = (v @ self.real_forward.to(v.dtype)).unflatten(-1, (2, -1))  # (B, C, [N1,] 2, M)
        if len(self.sizes) == 2:
            n1 = v.shape[2]
            spec = spec.permute(0, 1, 4, 3, 2).reshape(b, c, -1, 2 * n1) @ self.complex_forward.to(v.dtype)
            spec = spec.unflatten(-1, (2, -1)).permute(0, 1, 3, 2, 4)  # (B, C, 2, M2, K1)
        modes = spec.flatten(3).permute(3, 0, 2, 1).reshape(-1, b, 2 * c)  # (modes, B, [Re C | Im C])
        wr, wi = self.weight[0], self.weight[1]
        block = torch.cat([torch.cat([wr, wi], 2), torch.cat([-wi, wr], 2)], 1)  # (modes, 2C, 2O)
        out = torch.bmm(modes, block.to(v.dtype))  # (modes, B, 2O)
        o = out.shape[-1] // 2
        if len(self.sizes) == 1:
            out = out.reshape(-1, b, 2, o).permute(1, 3, 2, 0).reshape(b, o, -1)  # (B, O, [Re M | Im M])
            return out @ self.real_inverse.to(v.dtype)
        m2 = self.modes[-1]
        out = out.reshape(m2, -1, b, 2, o).permute(2, 4, 0, 3, 1).reshape(b, o, m2, -1)  # (B, O, M2, 2 K1)
        out = (out @ self.complex_inverse.to(v.dtype)).unflatten(-1, (2, -1))  # (B, O, M2, 2, N1)
        out = out.permute(0, 1, 4, 3, 2).reshape(b, o, -1, 2 * m2)  # (B, O, N1, [Re M2 | Im M2])
        return out @ self.real_inverse.to(v.dtype)


def _trig(n: int, freqs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``cos`` and ``sin`` of ``2 pi f j / n``, shape ``(n, len(freqs))``, float64."""
    angle = 2 * torch.pi * torch.outer(torch.arange(n), freqs).double() / n
    return torch.cos(angle), torch.sin(angle)


class Pointwise(nn.Linear):
    """A linear map of the channel axis (axis 1) at every grid point."""

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        return super().forward(v.movedim(1, -1)).movedim(-1, 1)


class CoefficientFNO(nn.Module):
    """FNO from ``(B, in_channels, *shape)`` to ``(B, *shape)`` on a coefficient grid of ``shape``.

    ``periodic[a]``: axis ``a`` wraps around (no padding); other axes get ``pad`` zeros. The last
    layer starts at zero, so an untrained network proposes no update.
    """

    def __init__(self, in_channels: int, shape: tuple[int, ...], periodic: tuple[bool, ...], width: int = 32,
                 modes: int | tuple[int, ...] = 16, layers: int = 4, pad: int = 8) -> None:
        super().__init__()
        if len(periodic) != len(shape):
            raise ValueError(f"one periodic flag per axis: shape {shape}, periodic {periodic}")
        self.shape = tuple(shape)
        self.pads = tuple(0 if p else pad for p in periodic)
        sizes = tuple(n + p for n, p in zip(shape, self.pads))
        modes = (modes,) * len(shape) if isinstance(modes, int) else tuple(modes)
        self.lift = Pointwise(in_channels, width)
        self.spectral = nn.ModuleList(SpectralConv(width, modes, sizes) for _ in range(layers))
        self.local = nn.ModuleList(Pointwise(width, width) for _ in range(layers))
        self.head = Pointwise(width, width)
        self.out = Pointwise(width, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        if tuple(a.shape[2:]) != self.shape:
            raise ValueError(f"inputs must have shape (B, C, {self.shape}), got {tuple(a.shape)}")
        v = self.lift(a)
        if any(self.pads):
            v = nn.functional.pad(v, [x for p in reversed(self.pads) for x in (0, p)])
        for i, (spectral, local) in enumerate(zip(self.spectral, self.local)):
            v = spectral(v) + local(v)
            if i < len(self.spectral) - 1:
                v = nn.functional.gelu(v)
        v = v[(slice(None), slice(None)) + tuple(slice(0, n) for n in self.shape)]
        return self.out(nn.functional.gelu(self.head(v)))[:, 0]
