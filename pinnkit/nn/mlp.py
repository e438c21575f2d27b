"""The multilayer perceptron at the heart of every ansatz network."""
from __future__ import annotations

import math

import torch
from torch import nn

from pinnkit._validate import check_int
from pinnkit.nn.activations import get_activation

__all__ = ["MLP", "xavier_normal"]


def xavier_normal(layer: nn.Linear, generator: torch.Generator | None = None) -> None:
    """Glorot-normal weights, ``W ~ N(0, 2 / (fan_in + fan_out))``, and zero biases.

    Glorot & Bengio, AISTATS 2010. Weights are drawn in float64 on the generator's device and
    then cast, so a seed gives the same network (up to rounding) in every dtype and on every device.
    """
    fan_out, fan_in = layer.weight.shape
    std = math.sqrt(2.0 / (fan_in + fan_out))
    device = generator.device if generator is not None else "cpu"
    w = torch.randn((fan_out, fan_in), generator=generator, dtype=torch.float64, device=device) * std
    with torch.no_grad():
        layer.weight.copy_(w)
        if layer.bias is not None:
            layer.bias.zero_()


class MLP(nn.Module):
    """``y = W_L s(... s(W_1 x + b_1) ...) + b_L`` with ``depth`` hidden layers of ``width`` units.

    ``activation``: one of :data:`pinnkit.nn.activations.ACTIVATIONS`. Weights are Glorot-normal,
    biases zero (:func:`xavier_normal`), drawn from ``generator`` (torch's default when ``None``).
    """

    def __init__(self, in_features: int, out_features: int, width: int = 64, depth: int = 4,
                 activation: str = "tanh", generator: torch.Generator | None = None,
                 dtype: torch.dtype = torch.float32, device: torch.device | str | None = None) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features), ("width", width),
                            ("depth", depth)):
            check_int(f"MLP {name}", value)
        self.act = get_activation(activation)  # checks the name first
        self.in_features, self.out_features = in_features, out_features
        self.width, self.depth, self.activation = width, depth, activation
        sizes = [in_features] + [width] * depth + [out_features]
        self.layers = nn.ModuleList(nn.Linear(a, b, dtype=torch.float64) for a, b in zip(sizes[:-1], sizes[1:]))
        for layer in self.layers:
            xavier_normal(layer, generator)
        self.to(device=device, dtype=dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)

    def extra_repr(self) -> str:
        return f"{self.in_features} -> {self.width} x {self.depth} ({self.activation}) -> {self.out_features}"
