"""Affine normalisation of coordinates from the domain box to ``[-1, 1]``."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

__all__ = ["Normalize"]


def _float64_bits(values: Sequence[float], device=None) -> torch.Tensor:
    """float64 values stored bit-for-bit in an int64 tensor: ``.to(dtype)`` leaves it alone."""
    return torch.tensor([float(v) for v in values], dtype=torch.float64, device=device).view(torch.int64)


class Normalize(nn.Module):
    """``x_i -> 2 (x_i - low_i) / (high_i - low_i) - 1``, so the box maps onto ``[-1, 1]^d``.

    The bounds are buffers (they move with ``.to(device)``) holding the exact float64 values as
    int64 bits, cast to the input's dtype at each call: the corners map to exactly ``+-1`` in
    every dtype, also after ``.to(torch.float64)`` on a network built in float32.
    """

    def __init__(self, lows: Sequence[float], highs: Sequence[float], device=None) -> None:
        super().__init__()
        if len(lows) != len(highs) or len(lows) == 0:
            raise ValueError(f"Normalize needs as many lows as highs (>= 1), got {list(lows)} and {list(highs)}")
        for i, (low, high) in enumerate(zip(lows, highs)):
            if not float(low) < float(high):
                raise ValueError(f"Normalize: column {i} needs low < high, got [{low}, {high}]")
        self.register_buffer("low_bits", _float64_bits(lows, device))
        self.register_buffer("high_bits", _float64_bits(highs, device))

    @property
    def lows(self) -> torch.Tensor:
        return self.low_bits.view(torch.float64)

    @property
    def highs(self) -> torch.Tensor:
        return self.high_bits.view(torch.float64)

    @property
    def in_features(self) -> int:
        return self.low_bits.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        low, high = self.lows.to(x.dtype), self.highs.to(x.dtype)
        return 2 * (x - low) / (high - low) - 1

    def extra_repr(self) -> str:
        return ", ".join(f"[{l:g}, {h:g}]" for l, h in zip(self.lows.tolist(), self.highs.tolist())) + " -> [-1, 1]"
